"""Every view of the window, in the order a customer meets them in one chat, for the
tests that check each view the same way (the pseudo-locale's translation and fit, the
accessibility audit and its screenshots)."""

from typing import Callable

from selenium.webdriver.common.by import By

# A kiosk that counts down long enough to look at its countdown.
SLOW_KIOSK = """
[kiosk]
enabled = true
skill = "Lobby"
name = "Lobby kiosk"
reset-after-end-seconds = 120
idle-reset-seconds = 300
"""


def every_view_of_a_chat(window, sim, at: Callable[[str], None]):
    """Walks a chat from the form to its end, calling `at(view)` with each view on screen:
    the form with a validation error, the settings, the queue, the chat (an agent line,
    a message that may not have been delivered, the agent typing), the screenshot consent and its preview, and the
    ended view."""
    window.wait("the pre-chat form", lambda: window.visible("#start-form"))
    window.find("#email").send_keys("ann.lee@example.com")
    window.find("#start").click()
    window.wait("the form's error", lambda: window.text("#form-error") != "")
    at("form-with-error")

    window.find("#open-settings").click()
    window.wait("the settings", lambda: window.visible("#view-settings"))
    at("settings")
    window.find("#close-settings").click()

    window.find("#name").send_keys("Ann Lee")
    window.find("#start").click()
    window.wait("the queue", lambda: window.visible("#view-queue"))
    at("queue")

    session = window.session(sim)
    sim.agent_sends(session, {"type": "CHAT_STARTED", "agent": "Myles"})
    sim.agent_sends(session, {"type": "CHAT_TEXT", "text": "Hello, how can I help? See https://example.com/help"})
    window.wait("the agent's line", lambda: any(line.startswith("Hello, how can I help?") for line in window.transcript()))
    # A 500 is an answer that leaves it unknown whether the cloud kept the message.
    sim.fail_next("/chat", session, status=500)
    window.say("My printer is offline")
    window.wait("the line that may not have been delivered", lambda: window.driver.find_elements(
        By.CSS_SELECTOR, "#transcript .entry.customer .delivery.uncertain"))
    sim.agent_sends(session, {"type": "AGENT_TYPING", "isTyping": "true"})
    window.wait("the typing line", lambda: window.text("#typing") != "")
    at("chat")

    sim.agent_sends(session, {"type": "TAKE_SCREENSHOT"})
    window.wait("the consent dialog", lambda: window.visible("#screenshot-dialog"))
    at("screenshot-consent")
    window.find("#screenshot-accept").click()
    window.wait("the preview", lambda: window.visible("#screenshot-preview"))
    at("screenshot-preview")
    window.find("#screenshot-decline").click()

    sim.agent_sends(session, {"type": "CHAT_ENDED"})
    window.wait("the ended view", lambda: window.visible("#ended"))
    at("ended")


def a_kiosks_countdown(window, sim, at: Callable[[str], None]):
    """A kiosk's chat (open the window with `SLOW_KIOSK`) to its end: `at("kiosk-countdown")`
    while it counts down to starting over."""
    window.wait("the kiosk's form", lambda: window.visible("#start-form"))
    window.find("#email").send_keys("visitor@example.com")
    window.find("#start").click()
    session = window.session(sim)
    sim.agent_sends(session, {"type": "CHAT_STARTED", "agent": "Myles"})
    sim.agent_sends(session, {"type": "CHAT_TEXT", "text": "Welcome to the lobby."})
    window.wait("the agent's line", lambda: "Welcome to the lobby." in window.transcript())
    sim.agent_sends(session, {"type": "CHAT_ENDED"})
    window.wait("the countdown", lambda: window.visible("#kiosk-countdown"))
    at("kiosk-countdown")
