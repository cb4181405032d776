"""Between two chats: the customer finds the form they expect, focused: a desk's with who
they said they were, a kiosk's empty, and nothing of the last chat in the page. A kiosk's
page, and a desk's that has shown a thousand lines, come back in a fresh web process:
nothing of the last chat stays in its memory either."""

from conftest import KIOSK

AGENT_LINE = "Your order 24601 ships on Tuesday from the Leeds warehouse."


def page_text(window) -> str:
    """Everything the DOM holds, hidden parts and form values included."""
    return window.driver.execute_script(
        "return document.documentElement.outerHTML + [...document.querySelectorAll('input, textarea')]"
        ".map((field) => field.value).join(' ')")


def focused(window) -> str:
    return window.driver.execute_script("return document.activeElement.id")


def a_renewed_page(window, before: list[int]):
    """The web processes after the page started over, once the old one has gone."""
    window.wait("the last chat's web process to end", lambda: not set(before) & set(window.web_processes()))
    window.wait("a web process for the new page", lambda: window.web_processes())
    return window.web_processes()


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
    web_processes = window.web_processes()

    window.find("#new-chat").click()
    window.wait("the pre-chat form", lambda: window.visible("#start-form"))
    window.wait("the name field focused", lambda: focused(window) == "name")
    window.wait("a desk remembering who its customer was",
                lambda: window.find("#name").get_property("value") == "Ann Lee")
    assert window.find("#email").get_property("value") == "ann.lee@example.com"
    assert AGENT_LINE not in page_text(window)
    assert window.transcript() == []
    assert window.web_processes() == web_processes, "a quick new chat keeps its page"

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

    web_processes = window.web_processes()
    assert web_processes, "the page runs in a web process of its own"

    # The kiosk's own countdown (3 s) starts it over.
    window.wait("the countdown", lambda: window.visible("#kiosk-countdown"))
    renewed = a_renewed_page(window, web_processes)
    window.wait("the wiped start screen", lambda: window.visible("#start-form"), 20)
    window.wait("the first field asked focused", lambda: focused(window) == "email")
    assert window.find("#email").get_property("value") == "", "a kiosk remembers nobody"
    leftovers = [text for text in (AGENT_LINE, "visitor@example.com") if text in page_text(window)]
    assert leftovers == []
    assert window.web_processes() == renewed, "one renewal per customer"


def test_a_desk_page_that_has_shown_a_thousand_lines_comes_back_in_a_fresh_web_process(open_app, sim):
    window = open_app()
    session = window.chat_with(sim)
    for line in range(1000):
        sim.agent_sends(session, {"type": "CHAT_TEXT", "text": f"{AGENT_LINE} ({line})"})
    window.wait_for_line(f"{AGENT_LINE} (999)", 120)
    sim.agent_sends(session, {"type": "CHAT_ENDED"})
    window.wait("the ended view", lambda: window.visible("#new-chat"))
    web_processes = window.web_processes()

    window.find("#new-chat").click()
    a_renewed_page(window, web_processes)
    window.wait("the pre-chat form", lambda: window.visible("#start-form"))
    window.wait("the name field focused", lambda: focused(window) == "name")
    window.wait("the customer's name, from the core",
                lambda: window.find("#name").get_property("value") == "Ann Lee")
    assert window.find("#email").get_property("value") == "ann.lee@example.com"
    assert AGENT_LINE not in page_text(window)
    assert window.transcript() == []
