"""The release app, started either through tauri-driver (to drive and watch its window)
or directly (to time its start and watch it idle), set up as the end-to-end tests set
it up (tests/harness/app_driver.py): settings as flags, the API key in the keychain, a
throwaway data folder."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "harness"))
import app_driver  # noqa: E402
from app_driver import ChatWindow, Installation, TauriDriver  # noqa: E402

import procs  # noqa: E402

APP = app_driver.app_binary("release")
ARTIFACTS = ROOT / "tests" / "artifacts" / "bench"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
WAIT_SECONDS = 30  # for the window's waits (the end-to-end tests give theirs 20 s)


def new_installation(sim_url: str) -> Installation:
    return Installation.new(APP, sim_url, "bench")


def tauri_driver() -> TauriDriver:
    """tauri-driver for the benchmarks: its apps log at info level, to the bench's log."""
    return TauriDriver(ARTIFACTS / "tauri-driver.log", log_level="info")


def apps_of(service: TauriDriver) -> list[int]:
    """The app processes a tauri-driver started (through WebKitWebDriver)."""
    return [pid for pid in procs.process_tree(service.process.pid) if procs.executable(pid) == APP]


def open_window(driver_url: str, installation: Installation) -> ChatWindow:
    return ChatWindow.open(driver_url, APP, installation, timeout=WAIT_SECONDS)


def until_gone(pids: list[int], timeout: float = 15) -> None:
    """Waits for processes to exit, then ends those that did not. The app is a single
    instance: a second one started while the first lingers would hand over and quit."""
    deadline = time.monotonic() + timeout
    while any(procs.alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    for pid in pids:
        if procs.alive(pid):
            os.kill(pid, signal.SIGKILL)


class DirectApp:
    """The app started straight from its binary, its log lines stamped as they arrive."""

    def __init__(self, installation: Installation, log_name: str, env: dict[str, str] | None = None):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.lines: list[tuple[float, str]] = []
        self.arrived = threading.Condition()
        self.log = open(ARTIFACTS / log_name, "a")
        env = dict(os.environ, XIMA_LOG="info", NO_COLOR="1", **(env or {}))
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
