"""A kiosk in the real window: what the next customer finds after a start-over, what
counts as somebody using the screen, and which of the kiosk's clocks applies when.
(test_desktop.py has the kiosk's whole round: cover the screen, chat, count down, wipe.)"""

import time

from selenium.webdriver.common.by import By

from conftest import KIOSK

# What only the previous customer and their agent said or typed.
AGENT = "Myles"
MAP_LINE = "The map is at https://example.com/map"
DRAFT = "and where do I pick up my prescrip"
VISITOR = "visitor@example.com"


def start_kiosk_chat(window, sim, email=VISITOR) -> str:
    """The visitor gives their email and starts; returns the chat's session id."""
    window.wait("the pre-chat form", lambda: window.visible("#start-form"))
    window.find("#email").send_keys(email)
    window.find("#start").click()
    return window.session(sim)


def agent_picks_up(window, sim, session):
    sim.agent_sends(session, {"type": "CHAT_STARTED", "agent": AGENT})
    window.wait("the chat", lambda: window.visible("#composer"))


def ended_in_the_cloud(sim, session) -> bool:
    return sim.call("GET", f"/_sim/sessions/{session}")["ended"]


def page_text(window) -> str:
    """Everything the page holds as text, shown or not."""
    return window.driver.execute_script("return document.body.textContent")


def shown_text(window) -> str:
    """What a person looking at the screen can read."""
    return window.driver.execute_script("return document.body.innerText")


def selected_text(window) -> str:
    return window.driver.execute_script("return getSelection().toString()")


def autocomplete(window, *ids) -> dict:
    return {id_: window.find(f"#{id_}").get_attribute("autocomplete") for id_ in ids}


def test_a_kiosk_start_over_leaves_nothing_of_the_last_customer(open_app, sim):
    window = open_app(config_text=KIOSK)
    window.wait("the pre-chat form", lambda: window.visible("#start-form"))
    assert autocomplete(window, "name", "email") == {"name": "off", "email": "off"}, \
        "the browser engine offers nobody the last visitor's answers"

    session = start_kiosk_chat(window, sim)
    agent_picks_up(window, sim, session)
    sim.agent_sends(session, {"type": "CHAT_TEXT", "text": MAP_LINE})
    window.wait_for_line(MAP_LINE)
    assert window.driver.find_elements(By.CSS_SELECTOR, "#transcript a") == [], \
        "on a kiosk an address is text: a browser opened from it would stay on the shared screen"
    # Half a question typed and never sent, and the conversation selected as if to copy it.
    window.find("#message").send_keys(DRAFT)
    window.driver.execute_script("getSelection().selectAllChildren(document.body)")
    assert AGENT in window.find("#announcer").get_property("textContent")

    sim.agent_sends(session, {"type": "CHAT_ENDED"})
    window.wait("the countdown", lambda: "starts over" in window.text("#kiosk-countdown"))
    assert not window.visible("#copy-transcript"), "nothing of the chat goes to the clipboard"
    window.wait("the wiped start screen", lambda: window.visible("#start-form"), timeout=15)

    assert window.transcript() == []
    assert window.find("#message").get_property("value") == "", "the draft went with its customer"
    assert window.find("#announcer").get_property("textContent") == "", "screen readers hear nothing old"
    assert window.find("#email").get_property("value") == ""
    assert autocomplete(window, "name", "email") == {"name": "off", "email": "off"}
    assert selected_text(window) == ""
    assert not window.driver.execute_script("return document.getElementById('screenshot-dialog').open")
    leftovers = [text for text in (AGENT, "example.com/map", DRAFT, VISITOR) if text in page_text(window)]
    assert leftovers == [], "not even in hidden parts of the page"


def test_an_agent_talking_to_a_kiosk_left_alone_does_not_keep_the_chat_on_screen(open_app, sim):
    window = open_app(config_text=KIOSK)
    session = start_kiosk_chat(window, sim)
    agent_picks_up(window, sim, session)
    # The visitor has walked away; the agent keeps asking, more often than the idle limit.
    deadline = time.monotonic() + 5 + 7
    asked = 0
    while not window.visible("#start-form") and time.monotonic() < deadline:
        asked += 1
        sim.agent_sends(session, {"type": "CHAT_TEXT", "text": f"Are you still there? ({asked})"})
        time.sleep(2)
    assert window.visible("#start-form"), "reset while the agent was still talking"
    assert window.transcript() == []
    window.wait("the chat to be ended in the cloud", lambda: ended_in_the_cloud(sim, session))


def test_a_visitor_waiting_in_the_queue_is_not_taken_for_gone(open_app, sim):
    window = open_app(config_text=KIOSK)  # no queue-idle-reset-seconds
    session = start_kiosk_chat(window, sim)
    window.wait("the queue", lambda: window.visible("#view-queue"))
    time.sleep(5 + 3)  # well past idle-reset-seconds, without a touch
    assert window.visible("#view-queue"), "still waiting for an agent"
    assert not ended_in_the_cloud(sim, session)
    agent_picks_up(window, sim, session)


def test_a_kiosk_with_a_queue_limit_gives_up_on_a_queue_left_alone(open_app, sim):
    # The queue's own limit, much shorter than the one for a chat.
    window = open_app(config_text=KIOSK.replace("idle-reset-seconds = 5", "idle-reset-seconds = 60")
                      + "queue-idle-reset-seconds = 3\n")
    session = start_kiosk_chat(window, sim)
    window.wait("the queue", lambda: window.visible("#view-queue"))
    window.wait("the queue to be given up", lambda: window.visible("#start-form"), timeout=10)
    window.wait("the chat to be ended in the cloud", lambda: ended_in_the_cloud(sim, session))


def test_a_wall_clock_jump_neither_fires_nor_freezes_the_kiosk_timers(open_app, sim):
    window = open_app(config_text=KIOSK)
    session = start_kiosk_chat(window, sim)
    agent_picks_up(window, sim, session)
    window.find("#message").send_keys("h")  # the visitor is here
    # The computer's clock is set an hour ahead (NTP, a time zone fix, a user): nobody
    # has been gone for an hour.
    window.driver.execute_script(
        "const real = Date.now.bind(Date); window.__realNow = real; Date.now = () => real() + 3600e3;")
    time.sleep(2.5)
    assert window.visible("#composer"), "a jump forward is not idle time"
    # And two hours back: the idle limit still comes round.
    window.driver.execute_script("Date.now = () => window.__realNow() - 7200e3;")
    window.wait("the idle reset", lambda: window.visible("#start-form"), timeout=10)
    window.wait("the chat to be ended in the cloud", lambda: ended_in_the_cloud(sim, session))


def test_a_screenshot_upload_finishing_after_the_wipe_leaves_nothing_on_the_next_screen(open_app, sim):
    window = open_app(config_text=KIOSK)
    session = start_kiosk_chat(window, sim)
    agent_picks_up(window, sim, session)
    sim.agent_sends(session, {"type": "TAKE_SCREENSHOT"})
    window.wait("the consent dialog", lambda: window.visible("#screenshot-dialog"))
    window.find("#screenshot-accept").click()
    window.wait("the preview", lambda: window.visible("#screenshot-preview"))

    # The upload is slow; the agent gives up and the kiosk starts over meanwhile.
    cookie = sim.call("GET", f"/_sim/sessions/{session}")["httpSession"]
    upload_delay = 8
    sim.call("POST", "/_sim/faults", {"path": "/screenshot", "delay": upload_delay, "match": cookie})
    window.find("#screenshot-accept").click()
    sent_at = time.monotonic()
    time.sleep(0.5)
    sim.agent_sends(session, {"type": "CHAT_ENDED"})
    window.wait("the wiped start screen", lambda: window.visible("#start-form"), timeout=15)
    assert time.monotonic() - sent_at < upload_delay, "the kiosk did not wait for the upload"

    window.wait("the upload to be answered", lambda: any(
        request["cookie"] == cookie for request in sim.requests("/screenshot")), timeout=upload_delay + 5)
    time.sleep(1)  # for the answer to reach the window
    assert window.visible("#start-form")
    assert not window.driver.execute_script("return document.getElementById('screenshot-dialog').open")
    assert window.find("#screenshot-preview").get_attribute("src") in (None, "")
    assert window.transcript() == []
    assert "screenshot" not in shown_text(window).lower()
    assert window.find("#announcer").get_property("textContent") == ""
    assert window.find("#screenshot-error").get_property("textContent") == "", "the old chat's answer is dropped"


def test_a_desk_keeps_autofill_for_its_own_user(open_app):
    window = open_app()
    window.wait("the pre-chat form", lambda: window.visible("#start-form"))
    assert autocomplete(window, "name", "email") == {"name": "name", "email": "email"}
