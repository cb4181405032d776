"""The release app, started either through tauri-driver (to drive and watch its window)
or directly (to time its start and watch it idle), configured like tests/e2e/conftest.py:
settings as flags, the API key in the keychain, a throwaway data folder."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.options import ArgOptions
from selenium.webdriver.support.ui import WebDriverWait

import procs

ROOT = Path(__file__).resolve().parents[2]
APP = Path(os.environ.get("XIMA_APP", ROOT / "target" / "release" / "xima-chat"))
TAURI_DRIVER = ROOT / "target" / "tools" / "bin" / "tauri-driver"
ARTIFACTS = ROOT / "tests" / "artifacts" / "bench"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass
class Installation:
    """One installation's settings and data folder."""

    id: str
    home: Path
    sim_url: str

    def args(self) -> list[str]:
        return ["--config", str(self.home / "config.toml"), "--data-dir", str(self.home / "data"),
                "--log-dir", str(self.home / "logs"), "--installation-id", self.id,
                "--base-url", self.sim_url, "--skills", "Support"]


def new_installation(sim_url: str) -> Installation:
    installation = Installation(f"bench-{uuid.uuid4().hex[:12]}", Path(tempfile.mkdtemp(prefix="xima-bench-")), sim_url)
    (installation.home / "config.toml").write_text("")
    subprocess.run([str(APP), "--installation-id", installation.id, "api-key", "set"],
                   input=b"demo-api-key\n", check=True, stdout=subprocess.DEVNULL)
    return installation


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class TauriDriver:
    """tauri-driver on a free port; the apps it starts log to its log."""

    url = ""

    def __init__(self, log_level: str = "info"):
        self.log_level = log_level

    def __enter__(self) -> "TauriDriver":
        port = free_port()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        log = open(ARTIFACTS / "tauri-driver.log", "ab")
        env = dict(os.environ, XIMA_LOG=self.log_level)
        self.process = subprocess.Popen([str(TAURI_DRIVER), "--port", str(port), "--native-port", str(free_port())],
                                        stdout=log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    self.url = f"http://127.0.0.1:{port}"
                    return self
            except OSError:
                time.sleep(0.1)
        self.process.kill()
        raise RuntimeError("tauri-driver did not start")

    def apps(self) -> list[int]:
        """The app processes this driver started (through WebKitWebDriver)."""
        return [pid for pid in procs.process_tree(self.process.pid) if procs.executable(pid) == APP]

    def __exit__(self, *_):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def until_gone(pids: list[int], timeout: float = 15) -> None:
    """Waits for processes to exit, then ends those that did not. The app is a single
    instance: a second one started while the first lingers would hand over and quit."""
    deadline = time.monotonic() + timeout
    while any(procs.alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    for pid in pids:
        if procs.alive(pid):
            os.kill(pid, signal.SIGKILL)


def open_window(driver_url: str, installation: Installation) -> webdriver.Remote:
    options = ArgOptions()
    options.set_capability("browserName", "wry")
    options.set_capability("tauri:options", {"application": str(APP), "args": installation.args()})
    return webdriver.Remote(command_executor=driver_url, options=options)


def wait(driver: webdriver.Remote, what: str, condition, timeout: float = 30):
    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(lambda _: condition(),
                                                                    message=f"waiting for {what}")


def visible(driver: webdriver.Remote, css: str) -> bool:
    elements = driver.find_elements(By.CSS_SELECTOR, css)
    return bool(elements) and elements[0].is_displayed()


def start_chat(driver: webdriver.Remote, sim, installation: Installation) -> str:
    """Fills in the pre-chat form and starts; returns the session id."""
    wait(driver, "the pre-chat form", lambda: visible(driver, "#start-form"))
    driver.find_element(By.CSS_SELECTOR, "#name").send_keys("Ann Lee")
    driver.find_element(By.CSS_SELECTOR, "#email").send_keys("ann.lee@example.com")
    driver.find_element(By.CSS_SELECTOR, "#start").click()
    wait(driver, "the chat session", lambda: sim.sessions(installation.id))
    return sim.sessions(installation.id)[0]


class DirectApp:
    """The app started straight from its binary, its log lines stamped as they arrive."""

    def __init__(self, installation: Installation, log_name: str):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.lines: list[tuple[float, str]] = []
        self.arrived = threading.Condition()
        self.log = open(ARTIFACTS / log_name, "a")
        env = dict(os.environ, XIMA_LOG="info", NO_COLOR="1")
        self.spawned = time.monotonic()
        self.process = subprocess.Popen([str(APP), *installation.args()], env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stderr:
            at = time.monotonic()
            line = ANSI.sub("", line.rstrip("\n"))
            self.log.write(line + "\n")
            with self.arrived:
                self.lines.append((at, line))
                self.arrived.notify_all()

    def wait_for_line(self, fragment: str, timeout: float = 30) -> tuple[float, str]:
        """The first log line containing `fragment`: when it arrived (monotonic) and what it says."""
        deadline = time.monotonic() + timeout
        with self.arrived:
            while True:
                for at, line in self.lines:
                    if fragment in line:
                        return at, line
                left = deadline - time.monotonic()
                if left <= 0 or self.process.poll() is not None:
                    raise RuntimeError(f"the app logged no {fragment!r} (see {self.log.name})")
                self.arrived.wait(left)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
