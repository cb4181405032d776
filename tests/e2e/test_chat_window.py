"""The chat window, driven as a customer would, in the real app."""

import base64
import json
import struct
import time

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from conftest import SCREENS
from unpluggable import Unpluggable


# The vendor's page wraps session answers in {"sessionDetails": ...}; production was seen
# answering them flat. The whole chat must work either way.
@pytest.mark.parametrize("dialect, session_answers", [("documented", "wrapped"), ("flat", "flat")])
def test_the_demo_agent_greets_answers_and_ends_the_chat(open_app, dialect, session_answers):
    window = open_app(agent="scripted", dialect=dialect)
    window.screenshot("01-pre-chat-form")
    window.start_chat()
    window.wait("the queue view", lambda: window.visible("#view-queue"))
    window.wait("a wait estimate", lambda: "about 1 minute" in window.text("#queue-wait"))
    window.screenshot("02-queue")

    window.wait_for_line("Hi Ann, I'm Myles. How can I help you today? "
                         "(Try asking for a transfer or a screenshot, and say bye to finish.)")
    assert window.text("#agent-name") == "Myles"
    assert window.find("#agent-avatar").get_attribute("src").startswith("data:image/png;base64,")

    window.say("My printer is offline")
    window.wait_for_line("My printer is offline")
    window.wait("the line to be sent", lambda: window.driver.find_elements(
        By.CSS_SELECTOR, "#transcript .entry.customer .delivery.sent"))
    window.wait_for_line("Thanks. You said: “My printer is offline”. Let me check that for you.")
    window.screenshot("03-chat")

    window.say("bye")
    window.wait("the ended view", lambda: window.visible("#ended"))
    assert window.text("#ended-reason") == "The agent ended the chat."
    window.screenshot("04-ended")
    assert f"INFO session answers: {session_answers} (last seen)" in window.doctor()


def test_agent_markup_is_shown_as_text_never_run(open_app, sim):
    window = open_app()
    window.start_chat()
    window.wait("a session", lambda: sim.sessions(window.installation))
    session = sim.sessions(window.installation)[0]
    sim.agent_sends(session, {"type": "CHAT_STARTED", "agent": "<b>Mallory</b>"})
    hostile = "<img src=x onerror=\"document.title='pwned'\"><script>document.title='pwned'</script>"
    sim.agent_sends(session, {"type": "CHAT_TEXT", "text": hostile})
    window.wait_for_line(hostile)
    assert window.text("#agent-name") == "<b>Mallory</b>"
    assert not window.driver.find_elements(By.CSS_SELECTOR, "#transcript img, #transcript script, #agent-name b")
    assert window.driver.title != "pwned"
    window.screenshot("05-markup-as-text")


def test_first_run_settings_store_the_key_in_the_keychain_and_a_chat_starts(open_app, sim):
    window = open_app(configured=False)
    window.wait("the settings view", lambda: window.visible("#view-settings"))
    assert "installation id is not set" in window.text("#settings-problems")
    assert "No API key is stored" in window.text("#api-key-status")
    window.screenshot("06-first-run-settings")

    window.find("#installation-id").send_keys(window.installation)
    window.find("#skills").send_keys("Support, Billing")
    base = window.find("#base-url")
    base.clear()
    base.send_keys(sim.url)
    window.find("#save-settings").click()
    window.wait("the settings to be accepted", lambda: window.text("#settings-problems") == "")

    window.find("#api-key").send_keys("demo-api-key")
    window.find("#save-api-key").click()
    window.wait("the key to be stored", lambda: "is stored" in window.text("#api-key-status"))
    assert window.find("#api-key").get_property("value") == "", "the key is not kept in the page"
    saved = window.config.read_text()
    assert window.installation in saved and "demo-api-key" not in saved

    window.find("#close-settings").click()
    session = window.chat_with(sim)
    window.wait("the chat", lambda: window.text("#agent-name") == "Myles")


def test_a_transfer_changes_the_agent_and_says_so(open_app, sim):
    window = open_app()
    session = window.chat_with(sim)
    sim.agent_sends(session, {"type": "AGENT_TYPING", "isTyping": "true"})
    window.wait("the typing indicator", lambda: window.text("#typing") == "Myles is typing…")
    sim.agent_sends(session, {"type": "CHAT_TEXT", "text": "See https://example.com/help or javascript:alert(1)"})
    window.wait_for_line("See https://example.com/help or javascript:alert(1)")
    links = window.driver.find_elements(By.CSS_SELECTOR, "#transcript .entry a")
    assert [link.get_attribute("href") for link in links] == ["https://example.com/help"]
    sim.agent_sends(session, {"type": "CHAT_TRANSFERRED", "newAgent": "Shawn"})
    window.wait_for_line("You were transferred to Shawn.")
    window.wait("the new agent", lambda: window.text("#agent-name") == "Shawn")
    window.screenshot("07-transferred")


def test_a_lost_connection_shows_reconnecting_and_nothing_is_lost(open_app, sim):
    window = open_app()
    session = window.chat_with(sim)
    window.wait("the chat", lambda: window.visible("#composer"))

    sim.deny_sqs(window.installation, ["sqs:ReceiveMessage"])
    # The denial bites when the long poll in progress (up to 20 s) ends; the first
    # refusal is retried at once with fresh keys, the second shows the banner.
    window.wait("the reconnecting banner", lambda: window.visible("#connection-banner"), timeout=35)
    window.screenshot("08-reconnecting")
    sim.agent_sends(session, {"type": "CHAT_TEXT", "text": "Sent while you were away"})
    sim.deny_sqs(window.installation, [])
    window.wait_for_line("Sent while you were away", timeout=40)
    window.wait("the banner to go", lambda: not window.visible("#connection-banner"))


def test_a_screenshot_is_previewed_then_sent(open_app, sim):
    window = open_app()
    session = window.chat_with(sim)
    sim.agent_sends(session, {"type": "TAKE_SCREENSHOT"})
    window.wait("the consent dialog", lambda: window.visible("#screenshot-dialog"))
    assert sim.requests("/screenshot", session) == [], "nothing is sent before consent"
    window.screenshot("09-screenshot-consent")
    window.find("#screenshot-accept").click()
    window.wait("the preview", lambda: window.visible("#screenshot-preview") and window.driver.execute_script(
        "const img = document.getElementById('screenshot-preview'); return img.complete && img.naturalWidth > 0;"))
    window.screenshot("10-screenshot-preview")
    window.find("#screenshot-accept").click()
    window.wait_for_line("You shared a screenshot.")
    notify = [json.loads(r["body"]) for r in sim.requests("/screenshot/notify", session)]
    assert notify[0]["status"] == "ACCEPTED" and notify[0]["uuid"]
    png = base64.b64decode(sim.screenshot(notify[0]["uuid"]))
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (1920, 1080), "the whole Xvfb screen of tests/run.sh"
    (SCREENS / "11-uploaded-screenshot.png").write_bytes(png)


def test_the_customer_ends_the_chat_and_can_start_again(open_app, sim):
    window = open_app()
    session = window.chat_with(sim)
    window.wait("the chat", lambda: window.visible("#end"))
    window.find("#end").click()
    window.wait("the ended view", lambda: window.visible("#ended"))
    assert window.text("#ended-reason") == "You ended the chat."
    announced = window.find("#announcer").get_property("textContent")
    assert announced.count("You ended the chat.") == 1, "the end is said once, in the transcript's words"
    window.find("#new-chat").click()
    window.wait("the pre-chat form", lambda: window.visible("#start-form"))
    assert window.transcript() == []


def test_every_control_has_the_label_assistive_technology_reads(open_app, sim):
    window = open_app()
    window.wait("the pre-chat form", lambda: window.visible("#start-form"))
    labels = window.driver.execute_script("""
        const labelOf = (id) => {
          const el = document.getElementById(id);
          if (el.getAttribute('aria-label')) return el.getAttribute('aria-label');
          const label = document.querySelector(`label[for="${id}"]`);
          return label ? label.textContent.trim() : el.textContent.trim();
        };
        return ['message', 'send', 'end', 'start', 'name', 'email', 'screenshot-accept', 'screenshot-decline']
          .map(labelOf);""")
    assert labels == ["Message", "Send", "End chat", "Start chat", "Your name", "Your email", "Show me", "Decline"]
    live = window.find("#announcer")
    assert live.get_attribute("aria-live") == "polite"
    session = window.chat_with(sim)
    sim.agent_sends(session, {"type": "CHAT_TEXT", "text": "Announced to screen readers"})
    window.wait("the announcement", lambda: "Myles: Announced to screen readers" in live.get_property("textContent"))
    # From the keyboard alone: Enter sends.
    window.find("#message").send_keys("typed with the keyboard")
    window.find("#message").send_keys(Keys.ENTER)
    window.wait_for_line("typed with the keyboard")


def test_a_killed_app_resumes_its_chat_with_the_transcript(open_app, sim):
    window = open_app()
    # The dead app's last long poll may still take a message off the queue, which hides
    # it for 30 s; each receive asks for less (docs/architecture.md: "Leaving without ending").
    session = window.chat_with(sim)
    sim.agent_sends(session, {"type": "CHAT_TEXT", "text": "Before the crash"})
    window.wait_for_line("Before the crash")
    window.say("me too")
    window.wait("the line to be sent", lambda: window.driver.find_elements(
        By.CSS_SELECTOR, "#transcript .entry.customer .delivery.sent"))
    window.kill()

    again = window.reopen()
    again.wait("the resumed chat", lambda: again.text("#agent-name") == "Myles")
    again.wait_for_line("Before the crash")
    again.wait_for_line("me too")
    sim.agent_sends(session, {"type": "CHAT_TEXT", "text": "Welcome back"})
    again.wait_for_line("Welcome back")
    again.screenshot("12-resumed-after-kill")


def test_the_api_key_never_reaches_a_log_or_a_file(open_app, sim, driver_log):
    window = open_app()
    session = window.chat_with(sim)
    window.say("hello")
    window.wait_for_line("hello")
    window.find("#end").click()
    window.wait("the ended view", lambda: window.visible("#ended"))
    assert sim.requests("/chat/apiqueue", window.installation), "the key was used to start"
    leaks = [path for path in window.home.rglob("*") if path.is_file() and b"demo-api-key" in path.read_bytes()]
    assert leaks == []
    log = driver_log.read_bytes()
    assert b"POST /chat/apiqueue" in log, "the app logged at debug level during the test"
    assert b"demo-api-key" not in log


def test_a_dark_desktop_gets_a_dark_window(dark_desktop, open_app, sim):
    # dark_desktop first: its tauri-driver must outlive the window open_app closes.
    window = open_app(driver_url=dark_desktop)
    window.chat_with(sim)
    background = window.driver.execute_script("return getComputedStyle(document.body).backgroundColor")
    red, green, blue = [int(part) for part in background[background.index("(") + 1:-1].split(",")[:3]]
    assert red + green + blue < 150, background
    window.screenshot("13-dark-mode")


def test_when_the_chat_ends_its_last_line_stays_in_sight_above_the_ended_panel(open_app, sim):
    window = open_app()
    session = window.chat_with(sim)
    for number in range(25):
        sim.agent_sends(session, {"type": "CHAT_TEXT", "text": f"step {number} of the fix"})
    window.wait_for_line("step 24 of the fix")
    sim.agent_sends(session, {"type": "CHAT_TEXT", "text": "Goodbye, and thanks for your patience!"})
    window.wait_for_line("Goodbye, and thanks for your patience!")
    sim.agent_sends(session, {"type": "CHAT_ENDED"})
    window.wait("the ended panel", lambda: window.visible("#ended"))
    hidden = """
        const list = document.getElementById('transcript').getBoundingClientRect();
        const panel = document.getElementById('ended').getBoundingClientRect();
        const lines = [...document.querySelectorAll('#transcript .entry')].slice(-2);
        return lines.filter((line) => {
          const box = line.getBoundingClientRect();
          return box.bottom > Math.min(list.bottom, panel.top) + 1;
        }).map((line) => line.textContent);"""
    window.wait("the last lines in sight", lambda: window.driver.execute_script(hidden) == [], timeout=5)
    window.screenshot("ended-with-goodbye-in-sight")


def test_a_long_chat_keeps_its_latest_lines_in_the_window_and_brings_back_the_earlier_ones(open_app, sim):
    window = open_app()
    session = window.chat_with(sim)
    for n in range(1, 321):
        sim.agent_sends(session, {"type": "CHAT_TEXT", "text": f"Line {n}"})
    window.wait_for_line("Line 320", timeout=60)
    everything = [entry["text"] for entry in window.invoke("snapshot")["ok"]["entries"]]
    shown = window.transcript()
    assert shown == everything[-300:], "the page keeps the 300 most recent lines"
    hidden = len(everything) - 300
    assert window.text("#transcript .earlier span") == f"{hidden} earlier messages are not shown."

    window.find("#transcript .earlier button").click()
    window.wait("the earlier lines", lambda: len(window.transcript()) == len(everything))
    assert window.transcript() == everything, "every line, in order"
    assert not window.driver.find_elements(By.CSS_SELECTOR, "#transcript .earlier"), "nothing left above"
    # New lines still arrive below, and the page now keeps the longer window.
    sim.agent_sends(session, {"type": "CHAT_TEXT", "text": "Line 321"})
    window.wait_for_line("Line 321")
    assert window.transcript()[-1] == "Line 321" and len(window.transcript()) == len(everything) + 1


def test_an_app_started_before_the_network_shows_the_saved_chat_and_picks_it_up(open_app, sim):
    cloud = Unpluggable(sim.url)
    try:
        window = open_app(cloud_url=cloud.url)
        session = window.chat_with(sim)
        sim.agent_sends(session, {"type": "CHAT_TEXT", "text": "Before the laptop slept"})
        window.wait_for_line("Before the laptop slept")
        window.kill()

        # The next login: the app starts before the Wi-Fi is up.
        cloud.unplug()
        again = window.reopen()
        again.wait("the saved chat", lambda: again.text("#agent-name") == "Myles")
        again.wait_for_line("Before the laptop slept")
        again.wait("the reconnecting banner", lambda: again.visible("#connection-banner"))
        assert not again.visible("#start-form"), "the saved chat, not the pre-chat form"
        again.screenshot("13-started-before-the-network")
        # What the customer types meanwhile waits for the network, and says so.
        again.say("Typed before the Wi-Fi was up")
        waiting = "#transcript .entry.customer .delivery.waiting"
        again.wait("the line waiting", lambda: again.driver.find_elements(By.CSS_SELECTOR, waiting))
        assert again.text(waiting) == "Waiting for the network"
        time.sleep(20)
        assert again.visible("#composer") and again.visible("#connection-banner"), "nothing but the cloud ends it"

        cloud.plug()
        sim.agent_sends(session, {"type": "CHAT_TEXT", "text": "Are you still there?"})
        again.wait_for_line("Are you still there?", timeout=40)
        again.wait("the banner to go", lambda: not again.visible("#connection-banner"), timeout=40)
        again.wait("the waiting line sent by itself", lambda: again.driver.find_elements(
            By.CSS_SELECTOR, "#transcript .entry.customer .delivery.sent"), timeout=40)
        sent = [json.loads(r["body"])["message"] for r in sim.requests("/chat", session) if r["status"] == 204]
        assert sent == ["Typed before the Wi-Fi was up"], "sent once"
        assert sim.sessions(again.installation) == [session], "no new chat was started"
    finally:
        cloud.close()
