"""Desktop integration of the real app: one instance, xima-chat:// links, kiosk mode,
log files and start at login."""

import json
import os
import re
import subprocess
import time
from pathlib import Path

import png

import pytest

from conftest import APP, DRIVER_LOG, KIOSK
from app_driver import TauriDriver
from fake_desktop import icon_file

LINK = "xima-chat://start?name=Bob%20Ray&email=bob.ray%40example.com&skill=Billing"


@pytest.fixture
def administrators_config(tmp_path):
    """A tauri-driver whose apps find their config file through XIMA_CONFIG, as an
    administrator's environment gives it: with a link on the command line, the app reads
    nothing else from the command line."""
    config = tmp_path / "config.toml"
    with TauriDriver(DRIVER_LOG, log_level="debug", XIMA_CONFIG=str(config)) as service:
        yield service.url, config


def test_a_link_on_the_command_line_fills_the_form_without_starting(administrators_config, open_app, sim):
    driver_url, config = administrators_config

    def settings_in_the_file(installation):
        config.write_text(
            f'installation-id = "{installation.id}"\nbase-url = "{sim.url}"\nskills = ["Support", "Billing"]\n'
            f'sqs-endpoint = "{os.environ["XIMA_SQS_ENDPOINT"]}"\ndata-dir = "{installation.home / "data"}"\n')

    # A link that smuggles flags in: they are not read.
    window = open_app(driver_url=driver_url, prepare=settings_in_the_file,
                      extra_args=("--base-url", "https://evil.example", "--skills", "Stolen", LINK))
    window.wait("the link's name", lambda: window.find("#name").get_property("value") == "Bob Ray")
    assert window.find("#email").get_property("value") == "bob.ray@example.com"
    assert window.find("#skill").get_property("value") == "Billing"
    time.sleep(1)
    assert sim.sessions(window.installation) == [], "a link never starts a chat by itself"


def test_a_second_launch_hands_its_link_to_the_open_window_and_exits(open_app, sim):
    window = open_app()
    window.wait("the pre-chat form", lambda: window.visible("#start-form"))
    started = time.monotonic()
    second = subprocess.run([str(APP), "xima-chat://start?name=Cleo%20Park&email=cleo%40example.com"],
                            capture_output=True, timeout=30)
    assert second.returncode == 0, second.stderr.decode()
    assert time.monotonic() - started < 30
    window.wait("the forwarded link", lambda: window.find("#name").get_property("value") == "Cleo Park")
    assert window.find("#email").get_property("value") == "cleo@example.com"
    assert window.visible("#start-form"), "the first window is still the one open"



def test_a_kiosk_starts_over_wiped_after_each_chat_and_when_left_alone(open_app, sim):
    window = open_app(config_text=KIOSK)
    window.wait("the pre-chat form", lambda: window.visible("#start-form"))
    rect = window.driver.get_window_rect()
    assert (rect["width"], rect["height"]) == (1920, 1080), f"the kiosk covers the screen: {rect}"
    assert not window.visible("#open-settings"), "no way into settings"
    assert not window.visible("#name"), "the kiosk's name is fixed"
    locked = window.invoke("save_settings", {"form": {"installationId": "x", "skills": ["x"], "baseUrl": sim.url,
                                                      "name": "", "email": ""}})
    # Not granted to a kiosk's window at all: refused before the command runs.
    assert "not allowed" in str(locked.get("error")), locked
    refused = window.invoke("open_link", {"url": "https://example.com"})
    assert "not allowed" in str(refused.get("error")), refused

    window.find("#email").send_keys("visitor@example.com")
    window.find("#start").click()
    session = window.session(sim)
    sim.agent_sends(session, {"type": "CHAT_STARTED", "agent": "Myles"})
    window.wait("the chat", lambda: window.visible("#composer"))
    window.say("where is the pharmacy?")
    window.wait_for_line("where is the pharmacy?")
    sim.agent_sends(session, {"type": "CHAT_ENDED"})
    window.wait("the countdown", lambda: "starts over" in window.text("#kiosk-countdown"))
    assert not window.visible("#save-transcript") and not window.visible("#copy-transcript")
    window.screenshot("kiosk-ended")

    window.wait("the wiped start screen", lambda: window.visible("#start-form"), timeout=15)
    assert window.find("#email").get_property("value") == ""
    assert window.transcript() == []
    data = window.home / "data"
    assert not (data / "current-session.json").exists()
    assert not (data / "transcripts").exists(), "transcript files wiped"
    start = [r for r in sim.requests("/chat/apiqueue") if r["method"] == "POST" and window.installation in r["body"]][0]
    sent = json.loads(start["body"])
    assert (sent["name"], sent["skill"], sent["email"]) == ("Lobby kiosk", "Lobby", "visitor@example.com")

    # Someone types and walks away: the form empties itself.
    window.find("#email").send_keys("half-typed@exam")
    window.wait("the idle reset", lambda: window.find("#email").get_property("value") == "", timeout=15)


def test_logs_go_to_the_log_dir_and_never_hold_the_api_key(open_app, sim):
    window = open_app()
    window.chat_with(sim)
    window.say("hello")
    window.wait_for_line("hello")
    logs = list((window.home / "logs").glob("xima-chat*.log"))
    assert len(logs) == 1, logs
    text = logs[0].read_text()
    assert "window interactive" in text
    assert "POST" in text or "chat" in text
    assert "demo-api-key" not in text
    mode = lambda path: path.stat().st_mode & 0o777  # noqa: E731
    assert mode(logs[0]) == 0o600, f"the log file is the user's alone: {oct(mode(logs[0]))}"
    assert mode(window.home / "logs") == 0o700
    assert mode(window.home / "data") == 0o700
    assert all(mode(path) == 0o600 for path in (window.home / "data").rglob("*") if path.is_file())


def test_start_at_login_follows_the_setting(open_app):
    autostart = Path(os.environ["HOME"]) / ".config" / "autostart"
    window = open_app(extra_args=("--start-at-login",))
    window.wait("the login entry", lambda: any(autostart.glob("*.desktop")))
    entry = next(autostart.glob("*.desktop")).read_text()
    assert str(APP) in entry, entry
    window.kill()
    window = open_app()
    window.wait("the pre-chat form", lambda: window.visible("#start-form"))
    window.wait("the login entry to go", lambda: not any(autostart.glob("*.desktop")))


def test_the_window_comes_back_where_it_was_left_even_after_a_kill(open_app):
    window = open_app()
    window.wait("the pre-chat form", lambda: window.visible("#start-form"))
    window.driver.set_window_rect(x=200, y=120, width=520, height=700)
    window.wait("the new size", lambda: window.driver.get_window_rect()["width"] == 520)
    state = Path(os.environ["HOME"]) / ".config" / "com.ximasoftware.chat.desktop" / ".window-state.json"
    saved = lambda: json.loads(state.read_text()).get("main", {}) if state.exists() else {}  # noqa: E731
    window.wait("the saved place", lambda: saved().get("width") == 520)
    window.kill()  # as a logout would: no clean exit
    try:
        window = window.reopen()
        window.wait("the pre-chat form", lambda: window.visible("#start-form"))
        rect = window.driver.get_window_rect()
        assert (rect["width"], rect["height"], rect["x"], rect["y"]) == (520, 700, 200, 120), rect
    finally:
        state.unlink()  # the other tests' windows open at the default size


def red_dot_in_corner(icon: Path) -> bool:
    width, height, rows, info = png.Reader(filename=str(icon)).asRGBA8()
    pixels = [list(row) for row in rows]
    x, y = int(width * 0.78), int(height * 0.22)  # inside the badge's circle
    return pixels[y][x * 4:x * 4 + 3] == [0xD9, 0x2D, 0x20]


def test_the_tray_icon_is_built_after_the_window_has_its_page(desktop, open_app):
    window = open_app()
    window.wait("the tray icon", lambda: desktop.tray_item() is not None)
    # The icon is on the bus while the app is still building it: its log line comes after.
    app_log = lambda: next((window.home / "logs").glob("xima-chat*.log")).read_text()  # noqa: E731
    window.wait("the tray's log line", lambda: "the tray icon is shown" in app_log())
    log = app_log()
    assert log.index("window interactive") < log.index("the tray icon is shown"), \
        "the tray held back the window's first page"


def test_in_the_background_agent_messages_notify_and_count_on_the_tray(desktop, x_focus, open_app, sim):
    window = open_app()
    session = window.chat_with(sim)
    window.wait("the tray icon", lambda: desktop.tray_item() is not None)
    x_focus.to_app()
    sim.agent_sends(session, {"type": "CHAT_TEXT", "text": "Seen as it arrives"})
    window.wait_for_line("Seen as it arrives")
    assert desktop.tray_item().get("XAyatanaLabel", "") == ""

    x_focus.elsewhere()
    time.sleep(0.5)
    sim.agent_sends(session, {"type": "CHAT_TEXT", "text": "Are you still there?"})
    sim.agent_sends(session, {"type": "CHAT_TEXT", "text": "I can wait."})
    window.wait("two unread", lambda: desktop.tray_item().get("XAyatanaLabel") == "2")
    assert red_dot_in_corner(icon_file(desktop.tray_item()))
    # The first shows at once; the second updates it in place a few seconds later.
    window.wait("the counted update", lambda: ("2 new messages from Myles", "I can wait.") in summaries(desktop))
    assert ("Myles", "Are you still there?") in summaries(desktop)
    assert ("Myles", "Seen as it arrives") not in summaries(desktop), "no notification while looking"

    x_focus.to_app()
    window.wait("the badge to clear", lambda: desktop.tray_item().get("XAyatanaLabel", "") == "")
    assert not red_dot_in_corner(icon_file(desktop.tray_item()))


def summaries(desktop) -> list[tuple[str, str]]:
    return [(n["summary"], n["body"]) for n in desktop.notifications.shown]


def test_a_burst_of_twenty_agent_lines_makes_two_notifications_that_stay_up(desktop, x_focus, open_app, sim):
    window = open_app()
    session = window.chat_with(sim, agent="Priya")
    x_focus.to_app()
    x_focus.elsewhere()
    time.sleep(0.5)
    count_chimes(window)
    for n in range(1, 21):
        sim.agent_sends(session, {"type": "CHAT_TEXT", "text": f"Step {n} of 20"})
    window.wait_for_line("Step 20 of 20")
    window.wait("the counted update",
                lambda: ("20 new messages from Priya", "Step 20 of 20") in summaries(desktop), timeout=15)
    time.sleep(5)  # longer than the gap between two notifications: no third comes
    ours = [n for n in desktop.notifications.shown if "Priya" in n["summary"]]
    assert [n["summary"] for n in ours] == ["Priya", "20 new messages from Priya"], ours
    first, update = ours
    assert update["replaces"] == first["id"], "the update replaces the first in place"
    for notification in ours:
        # The desktop shows the app's name and icon, and lets the customer silence it.
        assert notification["hints"].get("desktop-entry") == "Xima Chat", notification["hints"]
        assert "default" in notification["actions"], "a click on it does something"
    assert first["id"] not in desktop.notifications.closed
    # GNOME 46 withdraws a notification when its sender leaves the bus: the sender stays.
    assert first["sender"] == update["sender"]
    assert desktop.on_the_bus(first["sender"]), "the connection that sent them is gone"
    # The chime is folded like the notification, from one audio context.
    assert window.driver.execute_script("return window.__sounds") == {"contexts": 1, "chimes": 1}


def count_chimes(window):
    """Counts the audio contexts the page makes and the tones it plays from now on."""
    window.driver.execute_script("""
        const sounds = window.__sounds = {contexts: 0, chimes: 0};
        const Real = window.AudioContext;
        window.AudioContext = class extends Real {
            constructor(...args) { super(...args); sounds.contexts += 1; }
        };
        const tone = Real.prototype.createOscillator;
        Real.prototype.createOscillator = function () { sounds.chimes += 1; return tone.call(this); };
    """)




def test_clicking_a_notification_brings_the_window_back_from_the_tray(desktop, x_focus, open_app, sim):
    window = open_app()
    session = window.chat_with(sim, agent="Tomasz")
    window.wait("the tray icon", lambda: desktop.tray_item() is not None)
    x_focus.elsewhere()
    x_focus.close_app_window()
    window.wait("the window to go to the tray", lambda: not x_focus.app_window_shown(), timeout=5)
    try:
        sim.agent_sends(session, {"type": "CHAT_TEXT", "text": "I found your order."})
        window.wait("the notification", lambda: ("Tomasz", "I found your order.") in summaries(desktop))
        notification = next(n for n in desktop.notifications.shown if n["body"] == "I found your order.")
        desktop.click_notification(notification["id"])
        window.wait("the window back", x_focus.app_window_shown, timeout=5)
    finally:
        if not x_focus.app_window_shown():
            desktop.click_tray_menu("Open chat")  # so that the WebDriver session can end
    window.wait_for_line("I found your order.")


def test_an_agents_markup_reaches_the_desktop_as_text_never_as_a_link(desktop, x_focus, open_app, sim):
    link = '<a href="smb://evil/x">click</a> & <b>bold</b>'
    window = open_app()
    session = window.chat_with(sim, agent="<i>Mallory</i> \u202eyrrab")
    x_focus.to_app()
    x_focus.elsewhere()
    time.sleep(0.5)
    sim.agent_sends(session, {"type": "CHAT_TEXT", "text": link})
    window.wait("the notification", lambda: any("smb://evil/x" in n["body"] for n in desktop.notifications.shown))
    shown = next(n for n in desktop.notifications.shown if "smb://evil/x" in n["body"])
    assert shown["body"] == "&lt;a href=\"smb://evil/x\"&gt;click&lt;/a&gt; &amp; &lt;b&gt;bold&lt;/b&gt;", shown
    assert "<" not in shown["body"], "a server that reads markup sees only text"
    # A summary is plain text to every server, so it is not escaped; the override is gone.
    assert shown["summary"] == "<i>Mallory</i> yrrab", shown


def test_with_a_tray_closing_a_live_chat_hides_the_window_and_the_tray_brings_it_back(desktop, x_focus, open_app, sim):
    window = open_app()
    session = window.chat_with(sim)
    window.wait("the tray icon", lambda: desktop.tray_item() is not None)
    x_focus.close_app_window()
    window.wait("the window to go to the tray", lambda: not x_focus.app_window_shown(), timeout=5)
    sim.agent_sends(session, {"type": "CHAT_TEXT", "text": "Still with you"})
    desktop.click_tray_menu("Open chat")
    window.wait("the window back", x_focus.app_window_shown, timeout=5)
    window.wait_for_line("Still with you")


def test_without_a_tray_host_closing_a_live_chat_minimises_instead_of_hiding(desktop, x_focus, open_app, sim,
                                                                             driver_log):
    window = open_app()
    session = window.chat_with(sim)
    window.wait("the tray icon", lambda: desktop.tray_item() is not None)
    # The panel's tray goes while the app runs (the extension switched off).
    desktop.tray_host_gone()
    try:
        time.sleep(1)
        x_focus.close_app_window()
        time.sleep(1)
        shown = x_focus.app_window_shown()
        if not shown:
            # Back, so the WebDriver session can end; the customer would have no way.
            desktop.click_tray_menu("Open chat")
        assert shown, "hidden, the window could not be brought back"
        sim.agent_sends(session, {"type": "CHAT_TEXT", "text": "Are you there?"})
        window.wait_for_line("Are you there?")
        assert "the live chat's window is minimised, not hidden" in driver_log.read_text()
    finally:
        desktop.tray_host_back()


def test_save_transcript_asks_where_with_the_desktops_dialog_and_says_where_it_went(x_focus, open_app, sim):
    window = open_app()
    session = window.chat_with(sim, agent="Myles")
    sim.agent_sends(session, {"type": "CHAT_TEXT", "text": "Your ticket number is 4711."})
    sim.agent_sends(session, {"type": "CHAT_ENDED"})
    window.wait("the ended view", lambda: window.visible("#ended"))

    # Cancelled: nothing written, nothing said.
    window.find("#save-transcript").click()
    window.wait("the save dialog", lambda: x_focus.has_window("Save transcript"))
    x_focus.press("Save transcript", "Escape")
    window.wait("the dialog to close", lambda: not x_focus.has_window("Save transcript"))
    assert not window.visible("#save-status")

    # Accepted as offered: the chat's date as its name, in the Downloads folder (this
    # test run's home has none, so the home itself).
    window.find("#save-transcript").click()
    window.wait("the save dialog", lambda: x_focus.has_window("Save transcript"))
    x_focus.press("Save transcript", "Return")
    window.wait("where it went", lambda: window.visible("#save-status"))
    said = window.text("#save-status")
    assert said.startswith("Saved to "), said
    saved = Path(said.removeprefix("Saved to "))
    assert saved.parent == Path(os.environ["HOME"]), "offered in the throwaway home of this run"
    assert re.fullmatch(r"Chat transcript \d{4}-\d{2}-\d{2}\.txt", saved.name), saved.name
    assert "Myles: Your ticket number is 4711." in saved.read_text()
    assert saved.stat().st_mode & 0o077 == 0, "the customer's chat is theirs alone"
    saved.unlink()
