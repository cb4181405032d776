"""End-to-end fixtures: the real app, driven through tauri-driver and WebKitWebDriver,
against the cloud simulator and moto. tests/run.sh provides the display (Xvfb) and the
keychain (GNOME Keyring in a private D-Bus session)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
import warnings
from pathlib import Path

import pytest
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "harness"))
import app_driver  # noqa: E402
from app_driver import Installation, TauriDriver  # noqa: E402
from services import running_services  # noqa: E402
from sim_admin import SimulatorAdmin  # noqa: E402
from x_window import save_window_png  # noqa: E402

APP = app_driver.app_binary("debug")

# A kiosk with short clocks, for the tests to watch it start over.
KIOSK = """
[kiosk]
enabled = true
skill = "Lobby"
name = "Lobby kiosk"
reset-after-end-seconds = 3
idle-reset-seconds = 5
"""
SCREENS = ROOT / "tests" / "artifacts" / "screens"


class Simulator(SimulatorAdmin):
    """The simulator's admin API, with what the end-to-end tests do through it."""

    def agent_sends(self, session: str, message: dict):
        return self.call("POST", f"/_sim/sessions/{session}/messages", message)

    def fail_next(self, path: str, scope: str, status: int = 500, count: int = 1):
        """The next `count` requests to `path` naming `scope` (a session id) get `status`."""
        self.call("POST", "/_sim/faults", {"path": path, "status": status, "count": count, "match": scope})

    def deny_sqs(self, installation: str, actions: list[str]):
        self.call("POST", f"/_sim/installations/{installation}/deny", {"actions": actions})

    def screenshot(self, uuid: str) -> str:
        with urllib.request.urlopen(f"{self.url}/_sim/screenshots/{uuid}", timeout=10) as response:
            return response.read().decode()

    def requests(self, path: str, session: str = "") -> list[dict]:
        return self.call("GET", f"/_sim/requests?path={path}&session={session}")


@pytest.fixture(scope="session")
def sim():
    with running_services("manual") as (sim_url, _sqs):
        yield Simulator(sim_url)


DRIVER_LOG = ROOT / "tests" / "artifacts" / "tauri-driver.log"


@pytest.fixture
def driver_log():
    """The log of tauri-driver and of every app it started (at debug level)."""
    return DRIVER_LOG


@pytest.fixture(scope="session")
def tauri_driver():
    # The apps it starts log everything, so tests can check what is logged.
    with TauriDriver(DRIVER_LOG, log_level="debug") as service:
        yield service.url


@pytest.fixture
def dark_desktop():
    """A tauri-driver whose apps run under a dark GTK theme, as a dark desktop sets it."""
    with TauriDriver(DRIVER_LOG, log_level="debug", GTK_THEME="Adwaita:dark") as service:
        yield service.url


@pytest.fixture
def computers_settings(tmp_path):
    """A tauri-driver whose apps read the computer's settings file (the one IT deploys
    to /etc/xima-chat) from a throwaway place, and that file: `(driver_url, path)`.
    Only debug builds let XIMA_MACHINE_CONFIG move it."""
    path = tmp_path / "machine" / "config.toml"
    path.parent.mkdir()
    with TauriDriver(DRIVER_LOG, log_level="debug", XIMA_MACHINE_CONFIG=str(path)) as service:
        yield service.url, path


class ChatWindow(app_driver.ChatWindow):
    """The app's window, with the steps a customer takes."""

    def __init__(self, driver, installation: Installation, timeout: float = 20, reopen=None):
        super().__init__(driver, installation, timeout)
        self._reopen = reopen

    def kill(self):
        """Ends the app the hard way: the WebDriver session goes, and the app with it (a
        process that lingers after its session is killed, so a restart cannot hand its
        launch over to it)."""
        self.driver.quit()
        self.setup.stop_leftovers()

    def reopen(self) -> "ChatWindow":
        """Starts the app again with the same settings and data folder."""
        return self._reopen()

    def text(self, css: str) -> str:
        """What a visible element says (textContent: WebKitWebDriver's rendered-text
        reading drops text in ellipsis boxes)."""
        element = self.find(css)
        return element.get_property("textContent") if element.is_displayed() else ""

    def transcript(self) -> list[str]:
        # Read in one script: lines come and go (the page keeps the latest 300) between
        # one WebDriver call and the next.
        return self.driver.execute_script(
            "return [...document.querySelectorAll('#transcript .entry .text')].map((text) => text.textContent)")

    def wait_for_line(self, text: str, timeout: float | None = None):
        self.wait(f"the line {text!r}", lambda: text in self.transcript(), timeout)

    def chat_with(self, sim, agent="Myles") -> str:
        """Starts a chat that `agent` picks up; returns the session id."""
        self.start_chat()
        session = self.session(sim)
        sim.agent_sends(session, {"type": "CHAT_STARTED", "agent": agent})
        self.wait("the chat", lambda: self.visible("#composer"))
        return session

    def choose_skill(self, skill: str):
        Select(self.find("#skill")).select_by_visible_text(skill)

    def agents_ready(self) -> str | None:
        """What the form last heard for the chosen skill: "ready", "none-ready" or
        "unknown"; None while it has not heard yet."""
        return self.find("#availability").get_attribute("data-availability")

    def doctor(self, **env: str) -> str:
        """What `xima-chat doctor` prints with this window's settings (and `env`)."""
        return subprocess.run([str(APP), *self.args, "doctor"], capture_output=True, text=True, timeout=60,
                              env=dict(os.environ, **env)).stdout

    def invoke(self, command: str, args: dict | None = None) -> dict:
        """Calls an app command from the page, as its own script would; returns
        {"ok": value} or {"error": {code, message}}."""
        return self.driver.execute_async_script(
            "const [command, args, done] = arguments;"
            "window.__TAURI__.core.invoke(command, args)"
            ".then((ok) => done({ok}), (error) => done({error}));",
            command, args or {})

    def say(self, text: str):
        box = self.find("#message")
        box.send_keys(text)
        box.send_keys(Keys.ENTER)

    def screenshot(self, name: str):
        """The window as shown, into the run's artifacts (see x_window.py for why not
        WebDriver's screenshot)."""
        SCREENS.mkdir(parents=True, exist_ok=True)
        # The page has drawn its current state once two frames have gone by; the X
        # server has it a moment later.
        self.driver.execute_async_script("requestAnimationFrame(() => requestAnimationFrame(arguments[0]))")
        time.sleep(0.2)
        save_window_png(SCREENS / f"{name}.png")


@pytest.fixture
def open_app(sim, tauri_driver, request):
    """Opens the app for a fresh installation; `agent` picks the simulator's agent."""
    opened: list[ChatWindow] = []

    def open_(agent: str = "manual", configured: bool = True, driver_url: str = tauri_driver,
              config_text: str = "", extra_args: tuple[str, ...] = (), dialect: str | None = None,
              agents_ready: dict[str, bool] | None = None, prepare=None, app: Path = APP,
              cloud_url: str | None = None) -> ChatWindow:
        """`dialect` and `agents_ready` are the installation's in the simulator (see
        xima_sim.py); None leaves the simulator's default. `prepare(installation)` runs
        just before the app starts. `app` is the build to run (the accessibility audit's
        differs). `cloud_url` is where the app reaches the simulator, if not directly."""
        base_url = (cloud_url or sim.url) if configured else None
        installation = Installation.new(app, base_url, "e2e", config_text, extra_args)
        sim.configure(installation.id, agent=agent, dialect=dialect, agentsReady=agents_ready)
        if prepare is not None:
            prepare(installation)
        return launch(installation, driver_url, app)

    def launch(installation: Installation, driver_url: str, app: Path) -> ChatWindow:
        window = ChatWindow.open(driver_url, app, installation, reopen=lambda: launch(installation, driver_url, app))
        opened.append(window)
        request.node.window = window
        return window

    yield open_
    for window in opened:
        try:
            window.driver.quit()
        except Exception:  # already killed by the test
            pass
    # A reopened window shares its installation (and data folder) with the one before.
    for installation in {window.setup.home: window.setup for window in opened}.values():
        if left := installation.stop_leftovers():
            warnings.warn(f"the app outlived its WebDriver session and was killed: {left}")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keeps a screenshot of the window as it was when a test failed."""
    outcome = yield
    report = outcome.get_result()
    window = getattr(item, "window", None)
    if report.when == "call" and report.failed and window is not None:
        try:
            window.screenshot(f"failed-{item.name}")
        except Exception:  # the app may be the thing that died
            pass


@pytest.fixture(scope="session")
def desktop():
    """A notification server and a tray host on the session bus, for the apps started
    after it (the tray looks for its host at start)."""
    from fake_desktop import FakeDesktop
    fake = FakeDesktop()
    yield fake
    fake.close()


@pytest.fixture
def x_focus():
    from fake_desktop import XFocus
    focus = XFocus()
    yield focus
    focus.close()
