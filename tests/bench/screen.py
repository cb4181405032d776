"""A virtual screen of a given size with something real on it: PNG encoding of an empty
(black) screen would be unrealistically fast. The screen is tiled with xmessage windows
(x11-utils) showing this repository's source files in several X fonts, like a desktop
full of text documents."""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEXTS = ["README.md", "src-tauri/core/src/chat/session/mod.rs", "src-tauri/core/src/wire/inbox.rs", "tests/simulator/xima_sim.py",
         "src-tauri/core/src/wire/cloud.rs", "ui/styles.css", "ui/js/app.js", "src-tauri/core/src/device/capture/mod.rs"]
# Bitmap fonts from xfonts-base when it is installed; "fixed" is built into the X server.
FONTS = ["-misc-fixed-medium-r-normal--13-120-75-75-c-70-iso8859-1",
         "-adobe-helvetica-medium-r-normal--12-*-*-*-*-*-iso8859-1",
         "-misc-fixed-medium-r-normal--10-*-*-*-*-*-iso8859-1",
         "-adobe-times-medium-r-normal--14-*-*-*-*-*-iso8859-1",
         "9x15", "-adobe-courier-medium-r-normal--12-*-*-*-*-*-iso8859-1", "6x13", "fixed"]
TILE = (640, 540)


def free_display() -> int:
    display = 150
    while Path(f"/tmp/.X11-unix/X{display}").exists() or Path(f"/tmp/.X{display}-lock").exists():
        display += 1
    return display


def _wait_ready(display: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Xvfb {display} exited")
        if subprocess.run(["xdpyinfo", "-display", display], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode == 0:
            return
        time.sleep(0.05)
    raise RuntimeError(f"Xvfb {display} did not start")


def _text_windows(display: str, width: int, height: int) -> list[subprocess.Popen]:
    windows = []
    env = dict(os.environ, DISPLAY=display)
    index = 0
    # xmessage exits at once on a file that is not there: say which, not "did not appear".
    missing = [text for text in TEXTS if not (ROOT / text).is_file()]
    if missing:
        raise RuntimeError(f"text files for the screen are gone: {missing}")
    for y in range(0, height, TILE[1]):
        for x in range(0, width, TILE[0]):
            text = ROOT / TEXTS[index % len(TEXTS)]
            font = FONTS[index % len(FONTS)]
            geometry = f"{min(TILE[0], width - x)}x{min(TILE[1], height - y)}+{x}+{y}"
            windows.append(subprocess.Popen(["xmessage", "-geometry", geometry, "-fn", font, "-file", str(text)],
                                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            index += 1
    return windows


def _wait_mapped(display: str, count: int) -> None:
    """Until `count` xmessage windows are on screen (an unknown font makes xmessage fall
    back to the default one, so every window appears)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        tree = subprocess.run(["xwininfo", "-display", display, "-root", "-children"],
                              capture_output=True, text=True).stdout
        if tree.count('"xmessage": (') >= count:
            time.sleep(0.5)  # let them draw
            return
        time.sleep(0.1)
    raise RuntimeError(f"the text windows did not appear on {display}")


@contextlib.contextmanager
def screen_with_text(width: int, height: int):
    """Yields the DISPLAY of an Xvfb of this size tiled with text windows; stops them all."""
    display = f":{free_display()}"
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", f"{width}x{height}x24", "-nolisten", "tcp", "-noreset"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    windows: list[subprocess.Popen] = []
    try:
        _wait_ready(display, xvfb)
        windows = _text_windows(display, width, height)
        _wait_mapped(display, len(windows))
        yield display
    finally:
        for process in [*windows, xvfb]:
            if process.poll() is None:
                process.terminate()
        for process in [*windows, xvfb]:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
