"""The app as the end-to-end tests and the benchmarks start it: an installation (settings
as flags, the API key in the keychain, a throwaway home), tauri-driver, and the app's
window through WebDriver with the steps a customer takes that both need."""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import NoSuchWindowException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.options import ArgOptions
from selenium.webdriver.remote.client_config import ClientConfig
from selenium.webdriver.remote.command import Command
from selenium.webdriver.support.ui import WebDriverWait

import procs
from ports import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[2]
TAURI_DRIVER = Path(os.environ.get("XIMA_TAURI_DRIVER", ROOT / "target" / "tools" / "bin" / "tauri-driver"))
API_KEY = "demo-api-key"
# The longest a WebDriver command may take (the accessibility audit's is the longest).
COMMAND_TIMEOUT = 120


def app_binary(profile: str) -> Path:
    """The app of a cargo profile ("debug" for the tests, "release" for the benchmarks),
    unless XIMA_APP names another."""
    return Path(os.environ.get("XIMA_APP", ROOT / "target" / profile / "xima-chat"))


@dataclass
class Installation:
    """One installation's settings and data folder. Without `base_url` it is not
    configured: the app starts as on first run."""

    id: str
    home: Path
    base_url: str | None
    extra_args: tuple[str, ...] = ()

    @classmethod
    def new(cls, app: Path, base_url: str | None, prefix: str, config_text: str = "",
            extra_args: tuple[str, ...] = ()) -> "Installation":
        """A fresh id and home; when configured, the demo API key in the keychain."""
        installation = cls(f"{prefix}-{uuid.uuid4().hex[:12]}", Path(tempfile.mkdtemp(prefix=f"xima-{prefix}-")),
                           base_url, tuple(extra_args))
        installation.config.write_text(config_text)
        if base_url is not None:
            # The key is bound to the cloud it is for: the simulator's address.
            subprocess.run([str(app), "--installation-id", installation.id, "--base-url", base_url, "api-key", "set"],
                           input=f"{API_KEY}\n".encode(), check=True, stdout=subprocess.DEVNULL)
        return installation

    @property
    def config(self) -> Path:
        return self.home / "config.toml"

    def args(self) -> list[str]:
        args = ["--config", str(self.config), "--data-dir", str(self.home / "data"), "--log-dir", str(self.home / "logs")]
        if self.base_url is not None:
            args += ["--installation-id", self.id, "--base-url", self.base_url, "--skills", "Support"]
        # moto, while tests/harness/services.py runs it; the app's default is AWS itself.
        if os.environ.get("XIMA_SQS_ENDPOINT"):
            args += ["--sqs-endpoint", os.environ["XIMA_SQS_ENDPOINT"]]
        return args + list(self.extra_args)

    def processes(self) -> list[int]:
        """The app processes running on this installation's data folder."""
        data = f"\0{self.home / 'data'}\0".encode()
        running = []
        for entry in Path("/proc").iterdir():
            try:
                if entry.name.isdigit() and data in b"\0" + (entry / "cmdline").read_bytes():
                    running.append(int(entry.name))
            except OSError:  # gone meanwhile, or not ours to read
                pass
        return running

    def stop_leftovers(self, grace: float = 5) -> list[int]:
        """Ends what is left of the app on this installation once its WebDriver session
        is over: an app still running would take the next test's launch over (one
        instance per desktop session) and that test would wait for a window that never
        comes. Returns the processes that had to be stopped."""
        deadline = time.monotonic() + grace
        while self.processes() and time.monotonic() < deadline:
            time.sleep(0.1)
        left = self.processes()
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return left


class TauriDriver:
    """tauri-driver (and WebKitWebDriver under it) on free ports; the apps it starts
    inherit its environment, XIMA_LOG=`log_level` and `env` included, and log to `log`."""

    def __init__(self, log: Path, log_level: str = "info", **env: str):
        self.log, self.log_level, self.env = log, log_level, env
        self.url = ""

    def __enter__(self) -> "TauriDriver":
        port, native = free_port(), free_port()
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [str(TAURI_DRIVER), "--port", str(port), "--native-port", str(native)],
                stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ, XIMA_LOG=self.log_level, **self.env))
        try:
            wait_for_port(port, self.process, "tauri-driver", timeout=20, log=self.log)
            # tauri-driver listens before the WebKitWebDriver it started does, and passes a
            # new session on at once: "connection refused" on a slow first start.
            wait_for_port(native, self.process, "WebKitWebDriver", timeout=30, log=self.log)
        except RuntimeError:
            self.process.kill()
            raise
        self.url = f"http://127.0.0.1:{port}"
        return self

    def __exit__(self, *_) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class PageFollowingDriver(webdriver.Remote):
    """A WebDriver session on the app's window that follows its page. Between customers
    the window may take a fresh page (a new webview, so a new WebDriver window handle:
    src-tauri/shell/page_renewal.rs) and close the old one; a command that finds its page
    closed goes to the one that took its place, as the customer's eyes would."""

    def execute(self, driver_command: str, params: dict | None = None):
        try:
            return super().execute(driver_command, params)
        except NoSuchWindowException:
            if driver_command in (Command.SWITCH_TO_WINDOW, Command.W3C_GET_WINDOW_HANDLES):
                raise
            handles = super().execute(Command.W3C_GET_WINDOW_HANDLES)["value"]
            if len(handles) != 1:
                raise
            super().execute(Command.SWITCH_TO_WINDOW, {"handle": handles[0]})
            return super().execute(driver_command, params)


def start_app(driver_url: str, app: Path, installation: Installation) -> webdriver.Remote:
    """Starts `app` for `installation` through tauri-driver; the WebDriver session ends it."""
    options = ArgOptions()
    options.set_capability("browserName", "wry")
    options.set_capability("tauri:options", {"application": str(app), "args": installation.args()})
    # A window whose page went away answers no WebDriver command, ever: without a limit a
    # test would wait for it until CI's own; with one it fails and says where.
    return PageFollowingDriver(command_executor=driver_url, options=options,
                               client_config=ClientConfig(remote_server_addr=driver_url, timeout=COMMAND_TIMEOUT))


class ChatWindow:
    """The app's window. `timeout` is how long a wait lasts unless told otherwise."""

    def __init__(self, driver: webdriver.Remote, installation: Installation, timeout: float):
        self.driver = driver
        self.setup = installation
        self.timeout = timeout

    @classmethod
    def open(cls, driver_url: str, app: Path, installation: Installation, **settings):
        """Starts the app and takes its window; `settings` go to the constructor."""
        return cls(start_app(driver_url, app, installation), installation, **settings)

    @property
    def installation(self) -> str:
        return self.setup.id

    @property
    def home(self) -> Path:
        return self.setup.home

    @property
    def config(self) -> Path:
        return self.setup.config

    @property
    def args(self) -> list[str]:
        return self.setup.args()

    def web_processes(self) -> list[int]:
        """The WebKit web processes the app runs its page in (Linux: WebKitGTK's)."""
        return sorted(pid for app in self.setup.processes() for pid in procs.process_tree(app)
                      if procs.name(pid) == "WebKitWebProcess")

    def find(self, css: str):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def wait(self, what: str, condition, timeout: float | None = None):
        # An element of a page that was just replaced by a fresh one (PageFollowingDriver)
        # is stale: the condition is asked again, of the page that took its place.
        return WebDriverWait(self.driver, self.timeout if timeout is None else timeout, poll_frequency=0.1,
                             ignored_exceptions=(StaleElementReferenceException,)).until(
            lambda _: condition(), message=f"waiting for {what}")

    def visible(self, css: str) -> bool:
        elements = self.driver.find_elements(By.CSS_SELECTOR, css)
        return bool(elements) and elements[0].is_displayed()

    def start_chat(self, name="Ann Lee", email="ann.lee@example.com"):
        """Fills in the pre-chat form and starts."""
        self.wait("the pre-chat form", lambda: self.visible("#start-form"))
        self.find("#name").send_keys(name)
        self.find("#email").send_keys(email)
        self.find("#start").click()

    def session(self, sim) -> str:
        """The id of the chat the simulator opened for this installation, once it has."""
        self.wait("the chat session", lambda: sim.sessions(self.installation))
        return sim.sessions(self.installation)[0]
