"""Quitting from the tray while agent messages pour in: the app is gone at once, and
the chat is kept for the next start."""

import time
from pathlib import Path


def running_apps(installation: str) -> list[int]:
    """The app processes started for `installation` (a zombie has no command line)."""
    pids = []
    for process in Path("/proc").iterdir():
        if not process.name.isdigit():
            continue
        try:
            words = (process / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if words[0].endswith(b"xima-chat") and installation.encode() in words:
            pids.append(int(process.name))
    return pids


def test_quit_from_the_tray_while_a_backlog_of_agent_lines_arrives_ends_the_app_at_once(desktop, x_focus, open_app, sim):
    window = open_app()
    session = window.chat_with(sim)
    window.wait("the tray icon", lambda: desktop.tray_item() is not None)
    # In the background every agent line redraws the tray's unread badge.
    x_focus.to_app()
    x_focus.elsewhere()
    time.sleep(0.5)
    # A backlog, as after a network outage: it arrives in full batches, one line after
    # another, each one redrawing the badge from the task that delivers them.
    sim.deny_sqs(window.installation, ["sqs:ReceiveMessage"])
    for number in range(150):
        sim.agent_sends(session, {"type": "CHAT_TEXT", "text": f"line {number}"})
    sim.deny_sqs(window.installation, [])
    window.wait("the backlog to start arriving", lambda: "line 2" in window.transcript(), timeout=30)

    desktop.click_tray_menu("Quit")
    # A deadlock never ends; a working quit stops the chat's tasks and the window within
    # a fraction of this.
    deadline = time.monotonic() + 2
    while running_apps(window.installation) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not running_apps(window.installation), "Quit left the app running"

    # The app is gone; its WebDriver session still counts until it is ended.
    try:
        window.driver.quit()
    except Exception:  # noqa: BLE001 — the browser side may have gone with the app
        pass
    reopened = window.reopen()
    reopened.wait("the chat to come back", lambda: reopened.visible("#composer"))
    reopened.wait_for_line("line 0")
