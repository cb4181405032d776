"""The app on a real Wayland desktop: headless sway (tests/wayland/session.sh) with the
app as a Wayland client of it. The agent asks for a screenshot, the customer shares,
and the picture the desktop took through its portal is what reaches the cloud.

Only tauri-driver and the apps it starts live in the desktop's session, as its
unprivileged user; this test, the simulator and moto stay outside and reach the driver
over loopback TCP."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import png
import pytest

import app_driver
from app_driver import API_KEY, TAURI_DRIVER, Installation
from conftest import APP, ROOT, SCREENS, ChatWindow
from ports import free_port, wait_for_port

SESSION = ROOT / "tests" / "wayland" / "session.sh"
SESSION_USER = "xima-wayland"
OUTPUT = (1024, 768)
# A colour no part of the app's window is painted in.
BACKGROUND = (0xFF, 0x00, 0xFF)
# sway tiles a window over the whole output; floated in a corner it leaves desktop in sight.
WINDOW = (600, 500)
TITLE = "Xima Chat"
FLOAT_THE_APP = (f'for_window [title="^{TITLE}$"] floating enable, '
                 f'resize set {WINDOW[0]} {WINDOW[1]}, move position 0 0')
ARTIFACTS = ROOT / "tests" / "artifacts"
DRIVER_LOG = ARTIFACTS / "wayland-driver.log"
APP_LOG = ARTIFACTS / "wayland-app.log"


@dataclass
class WaylandDesktop:
    driver_url: str
    app: Path
    installation: Installation
    driver_pid: int
    sway_socket: str

    def tree(self) -> dict:
        """sway's tree of outputs and windows. Its socket is in the session's private
        /tmp, which root sees through /proc/PID/root of any process of the session."""
        socket = f"/proc/{self.driver_pid}/root{self.sway_socket}"
        answer = subprocess.run(["swaymsg", "--socket", socket, "--raw", "--type", "get_tree"],
                                capture_output=True, text=True, timeout=10, check=True)
        return json.loads(answer.stdout)


def nodes(tree: dict):
    yield tree
    for child in tree.get("nodes", []) + tree.get("floating_nodes", []):
        yield from nodes(child)


@pytest.fixture(scope="module")
def wayland_desktop(sim):
    """tauri-driver on a 1024x768 sway desktop of its own, with one configured
    installation whose API key is in the session user's keychain."""
    # A folder the session user can use wherever this clone lives, exposed to the
    # session's private /tmp.
    folder = Path(tempfile.mkdtemp(prefix="xima-wayland-e2e-"))
    folder.chmod(0o755)
    app = folder / "xima-chat"
    shutil.copy2(APP, app)
    shutil.copy2(TAURI_DRIVER, folder / "tauri-driver")
    shutil.copy2(ROOT / "tests" / "wayland" / "tauri-driver.sh", folder / "tauri-driver.sh")
    installation = Installation(f"wayland-{uuid.uuid4().hex[:12]}", folder / "home", sim.url)
    installation.home.mkdir()
    installation.config.write_text("")
    sim.configure(installation.id, agent="manual")
    if os.geteuid() == 0:
        subprocess.run(["chown", "-R", f"{SESSION_USER}:", str(folder)], check=True)

    port, native, driver_pid = free_port(), free_port(), None
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with open(DRIVER_LOG, "wb") as log:
        session = subprocess.Popen(
            ["bash", str(SESSION), "--size", "x".join(map(str, OUTPUT)),
             "--background", "#{:02x}{:02x}{:02x}".format(*BACKGROUND), "--sway-config", FLOAT_THE_APP,
             "--expose", str(folder), "--",
             "bash", str(folder / "tauri-driver.sh"), str(folder), installation.id, sim.url, str(port),
             str(native)],
            cwd=folder, stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT)
    session.stdin.write(f"{API_KEY}\n".encode())
    session.stdin.close()
    try:
        try:
            # The first run may install the desktop's packages.
            wait_for_port(port, session, "tauri-driver in the Wayland session", timeout=180, log=DRIVER_LOG)
            # WebKitWebDriver listens after tauri-driver does (app_driver.TauriDriver): a
            # session asked for in between was refused in a fresh-clone CI run.
            wait_for_port(native, session, "WebKitWebDriver in the Wayland session", timeout=60, log=DRIVER_LOG)
        except RuntimeError:
            if session.returncode == 125:
                pytest.skip(f"the sway desktop could not start here; see {DRIVER_LOG}")
            raise
        pid, sway_socket = (folder / "desktop").read_text().split()
        driver_pid = int(pid)
        yield WaylandDesktop(f"http://127.0.0.1:{port}", app, installation, driver_pid, sway_socket)
    finally:
        stop(session, driver_pid)
        logs = sorted((installation.home / "logs").glob("*"))
        APP_LOG.write_bytes(b"".join(log.read_bytes() for log in logs))
        shutil.rmtree(folder, ignore_errors=True)


def stop(session: subprocess.Popen, driver_pid: int | None):
    """Ends the session: once its command, tauri-driver, is done it closes sway itself;
    when the driver never started, its traps end whatever it did start."""
    if driver_pid is not None and session.poll() is None:
        os.kill(driver_pid, signal.SIGTERM)
        try:
            session.wait(timeout=20)
            return
        except subprocess.TimeoutExpired:
            pass
    session.terminate()
    try:
        session.wait(timeout=30)
    except subprocess.TimeoutExpired:
        session.kill()
        session.wait()


@pytest.fixture
def window(wayland_desktop, request):
    desktop = wayland_desktop
    opened = ChatWindow(app_driver.start_app(desktop.driver_url, desktop.app, desktop.installation),
                        desktop.installation)
    request.node.window = opened
    yield opened
    opened.driver.quit()


def test_a_screenshot_on_wayland_is_the_desktop_the_compositor_shows(wayland_desktop, window, sim):
    session = window.chat_with(sim)

    tree = wayland_desktop.tree()
    apps = [node for node in nodes(tree) if node.get("name") == TITLE and "shell" in node]
    assert len(apps) == 1, f"one window of the app on sway: {apps}"
    assert (apps[0]["shell"], apps[0]["app_id"]) == ("xdg_shell", "xima-chat"), \
        "a Wayland client, not an X11 one through XWayland"
    assert not [node for node in nodes(tree) if node.get("shell") == "xwayland"], "no X11 window at all"
    # Floated, so that the rest of the output shows the desktop.
    shown = apps[0]["rect"]
    assert (shown["width"], shown["height"]) == WINDOW, f"the window as sway shows it: {shown}"
    output = next(node["rect"] for node in nodes(tree) if node["type"] == "output" and node["name"] != "__i3")

    sim.agent_sends(session, {"type": "TAKE_SCREENSHOT"})
    window.wait("the consent dialog", lambda: window.visible("#screenshot-dialog"))
    window.find("#screenshot-accept").click()
    window.wait("the preview", lambda: window.visible("#screenshot-preview") and window.driver.execute_script(
        "const img = document.getElementById('screenshot-preview'); return img.complete && img.naturalWidth > 0;"))
    window.find("#screenshot-accept").click()
    window.wait_for_line("You shared a screenshot.")
    # GNOME shows its permission question over the window that asked, if the request
    # names it: the app's surface, exported through xdg-foreign.
    logged = "".join(log.read_text() for log in (wayland_desktop.installation.home / "logs").glob("*"))
    assert re.search(r"asking the desktop's screenshot portal parent=wayland:\w+", logged), \
        "the portal request names the app's window"

    notify = [json.loads(r["body"]) for r in sim.requests("/screenshot/notify", session)]
    assert notify[0]["status"] == "ACCEPTED" and notify[0]["uuid"]
    uploaded = base64.b64decode(sim.screenshot(notify[0]["uuid"]))
    SCREENS.mkdir(parents=True, exist_ok=True)
    (SCREENS / "wayland-uploaded-screenshot.png").write_bytes(uploaded)
    width, height, rows, _ = png.Reader(bytes=uploaded).asRGBA8()
    assert (width, height) == (output["width"], output["height"]) == OUTPUT, "the whole output, as sway has it"

    # The picture starts at the output's corner; sway's rectangles are in its layout.
    left, top = shown["x"] - output["x"], shown["y"] - output["y"]

    def in_window(x: int, y: int) -> bool:
        return left <= x < left + shown["width"] and top <= y < top + shown["height"]

    not_background, background_in_window = [], []
    for y, row in enumerate(rows):
        for x in range(width):
            pixel = tuple(row[4 * x:4 * x + 3])
            if not in_window(x, y) and pixel != BACKGROUND:
                not_background.append((x, y, pixel))
            elif in_window(x, y) and pixel == BACKGROUND:
                background_in_window.append((x, y))
    assert not not_background, (f"sway's background wherever the app's window is not; {len(not_background)} "
                                f"pixels are not, the first {not_background[:5]}")
    assert not background_in_window, (f"the app's window where it is; {len(background_in_window)} pixels of it "
                                      f"are background, the first {background_in_window[:5]}")
