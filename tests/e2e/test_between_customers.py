"""Between two chats: the customer finds the form they expect, focused: a desk's with who
they said they were, a kiosk's empty, and nothing of the last chat in the page."""

from conftest import KIOSK

AGENT_LINE = "Your order 24601 ships on Tuesday from the Leeds warehouse."


def page_text(window) -> str:
    """Everything the DOM holds, hidden parts and form values included."""
    return window.driver.execute_script(
        "return document.documentElement.outerHTML + [...document.querySelectorAll('input, textarea')]"
        ".map((field) => field.value).join(' ')")


def focused(window) -> str:
    return window.driver.execute_script("return document.activeElement.id")


def a_chat_with_one_agent_line(window, sim):
    session = window.chat_with(sim)
    sim.agent_sends(session, {"type": "CHAT_TEXT", "text": AGENT_LINE})
    window.wait_for_line(AGENT_LINE)
    return session


def test_a_desk_new_chat_comes_back_with_the_customers_name_and_nothing_else(open_app, sim):
    window = open_app()
    window.wait("the pre-chat form", lambda: window.visible("#start-form"))
    window.wait("the name field ready to be typed into", lambda: focused(window) == "name")
    session = a_chat_with_one_agent_line(window, sim)
    sim.agent_sends(session, {"type": "CHAT_ENDED"})
    window.wait("the ended view", lambda: window.visible("#new-chat"))

    window.find("#new-chat").click()
    window.wait("the pre-chat form", lambda: window.visible("#start-form"))
    window.wait("the name field focused", lambda: focused(window) == "name")
    window.wait("a desk remembering who its customer was",
                lambda: window.find("#name").get_property("value") == "Ann Lee")
    assert window.find("#email").get_property("value") == "ann.lee@example.com"
    assert AGENT_LINE not in page_text(window)
    assert window.transcript() == []

    # And the next chat starts from that form as it stands, with nothing to retype.
    window.find("#start").click()
    window.wait("the next chat", lambda: len(sim.sessions(window.installation)) == 2)


def test_a_kiosk_start_over_comes_back_empty_and_focused(open_app, sim):
    window = open_app(config_text=KIOSK)
    window.wait("the pre-chat form", lambda: window.visible("#start-form"))
    window.find("#email").send_keys("visitor@example.com")
    window.find("#start").click()
    window.wait("the chat session", lambda: sim.sessions(window.installation))
    session = sim.sessions(window.installation)[0]
    sim.agent_sends(session, {"type": "CHAT_STARTED", "agent": "Myles"})
    sim.agent_sends(session, {"type": "CHAT_TEXT", "text": AGENT_LINE})
    window.wait_for_line(AGENT_LINE)
    sim.agent_sends(session, {"type": "CHAT_ENDED"})

    # The kiosk's own countdown (3 s) starts it over.
    window.wait("the countdown", lambda: window.visible("#kiosk-countdown"))
    window.wait("the wiped start screen", lambda: window.visible("#start-form"), 20)
    window.wait("the first field asked focused", lambda: focused(window) == "email")
    assert window.find("#email").get_property("value") == "", "a kiosk remembers nobody"
    leftovers = [text for text in (AGENT_LINE, "visitor@example.com") if text in page_text(window)]
    assert leftovers == []
