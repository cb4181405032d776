"""A picture of the app's window as the X server shows it. WebDriver's screenshot asks
WebKit for a snapshot of its composited layers, and the app turns compositing off
(src-tauri/shell/lib.rs): WebKitWebDriver's snapshot then never answers. The X
server's copy of the window is what the customer sees anyway."""

from __future__ import annotations

from pathlib import Path

import png
from Xlib import X, display

TITLE = "Xima Chat"


def _window_named(screen, title: str):
    pending = [screen.root]
    while pending:
        window = pending.pop()
        if window.get_wm_name() == title and window.get_attributes().map_state == X.IsViewable:
            return window
        pending.extend(window.query_tree().children)
    raise LookupError(f"no {title} window shown on the display")


def save_window_png(path: Path, title: str = TITLE) -> None:
    """Writes the window called `title` (as shown: what covers it is in the picture) to
    `path` as an RGB PNG."""
    shown = display.Display()
    try:
        window = _window_named(shown.screen(), title)
        geometry = window.get_geometry()
        width, height = geometry.width, geometry.height
        image = window.get_image(0, 0, width, height, X.ZPixmap, 0xFFFFFFFF)
    finally:
        shown.close()
    # A 24-bit visual arrives as 32 bits a pixel, blue first.
    stride = len(image.data) // height
    rows = []
    for y in range(height):
        pixels = image.data[y * stride:y * stride + width * 4]
        row = bytearray(width * 3)
        row[0::3], row[1::3], row[2::3] = pixels[2::4], pixels[1::4], pixels[0::4]
        rows.append(row)
    with open(path, "wb") as out:
        png.Writer(width, height, greyscale=False).write(out, rows)
