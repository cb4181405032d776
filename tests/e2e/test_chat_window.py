"""The chat window, driven as a customer would, in the real app."""

from selenium.webdriver.common.by import By


def test_the_demo_agent_greets_answers_and_ends_the_chat(open_app):
    window = open_app(agent="scripted")
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
