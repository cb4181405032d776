"""The .deb that `cargo tauri build` makes (tests/run.sh builds it): it installs, the
installed program starts a window under Xvfb, hands a link to itself, and uninstalls."""

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from conftest import ROOT

BUNDLE_DIR = ROOT / "target" / "debug" / "bundle" / "deb"
INSTALLED = Path("/usr/bin/xima-chat")


def as_root(*command: str) -> subprocess.CompletedProcess:
    prefix = [] if os.geteuid() == 0 else ["sudo", "-n"]
    return subprocess.run([*prefix, *command], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def installed():
    packages = sorted(BUNDLE_DIR.glob("*.deb"))
    assert packages, f"no .deb in {BUNDLE_DIR}: tests/run.sh builds it with `cargo tauri build`"
    outcome = as_root("env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "-q",
                      "--no-install-recommends", str(packages[-1]))
    assert outcome.returncode == 0, outcome.stdout + outcome.stderr
    yield INSTALLED
    removed = as_root("dpkg", "--remove", "xima-chat")
    assert removed.returncode == 0, removed.stderr
    assert not INSTALLED.exists()


def window_titles() -> str:
    return subprocess.run(["xwininfo", "-root", "-tree"], capture_output=True, text=True).stdout


def wait_for(what: str, condition, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"waiting for {what}")


def test_the_package_installs_a_program_a_menu_entry_and_icons(installed):
    files = as_root("dpkg", "--listfiles", "xima-chat").stdout.split("\n")
    assert str(installed) in files
    assert "/usr/share/applications/Xima Chat.desktop" in files
    assert any(f.startswith("/usr/share/icons/hicolor/") for f in files)
    entry = Path("/usr/share/applications/Xima Chat.desktop").read_text()
    assert "Exec=xima-chat %u" in entry, "links reach the program"
    assert "MimeType=x-scheme-handler/xima-chat;" in entry
    assert "X-GNOME-UsesNotifications=true" in entry, "GNOME lists the app under its notification settings"
    version = subprocess.run([str(installed), "--version"], capture_output=True, text=True, timeout=30)
    assert version.stdout.startswith("xima-chat "), version


def no_other_instance() -> bool:
    """The windows of earlier tests are closed by killing them, which takes a moment;
    one still holding the app's single-instance name on this session bus would take
    this launch's arguments as a second instance's."""
    answer = subprocess.run(["dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus",
                             "/org/freedesktop/DBus", "org.freedesktop.DBus.NameHasOwner",
                             "string:com.ximasoftware.chat.desktop.SingleInstance"],
                            capture_output=True, text=True)
    return answer.returncode == 0 and "boolean false" in answer.stdout


def test_the_installed_program_opens_its_window_and_takes_links(installed):
    wait_for("earlier app windows to close", no_other_instance)
    home = Path(tempfile.mkdtemp(prefix="xima-deb-"))
    logs = home / "logs"
    env = dict(os.environ, HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"),
               XDG_DATA_HOME=str(home / ".local" / "share"), XDG_STATE_HOME=str(home / ".local" / "state"))
    args = [str(installed), "--log-dir", str(logs)]
    output = open(ROOT / "tests" / "artifacts" / "installed-app.log", "wb")
    app = subprocess.Popen(args, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        def log() -> str:
            return "".join(path.read_text() for path in logs.glob("*.log"))

        wait_for("the window", lambda: '"Xima Chat"' in window_titles())
        wait_for("the page", lambda: "window interactive" in log())
        second = subprocess.run([str(installed), "xima-chat://start?name=Deb%20User"], env=env,
                                capture_output=True, text=True, timeout=30)
        assert second.returncode == 0, second.stderr
        wait_for("the link in the first instance", lambda: "chat link received" in log())
        assert app.poll() is None, "the first instance keeps running"
    finally:
        app.terminate()
        app.wait(timeout=10)
        shutil.rmtree(home, ignore_errors=True)
