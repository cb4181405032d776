"""A chat with the keyboard alone (Tab, Shift+Tab, Enter, Space and Escape): the form,
the queue, the conversation and its lines, a message that may not have been delivered retried, the screenshot
dialog (focus moves in, stays in, comes back), the end and a new chat."""

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

# What has the keyboard: its id, else its classes, else its tag.
FOCUSED = """
const at = document.activeElement;
if (!at || at === document.body) return "body";
return at.id ? `#${at.id}` : at.className ? `.${at.className.split(" ").join(".")}` : at.tagName.toLowerCase();
"""


class Keyboard:
    """Keys pressed where the focus is, as a customer without a mouse presses them."""

    def __init__(self, window):
        self.window = window
        self.driver = window.driver

    def press(self, *keys):
        ActionChains(self.driver).send_keys(*keys).perform()

    def back(self):
        """Shift+Tab."""
        ActionChains(self.driver).key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT).perform()

    def focused(self) -> str:
        return self.driver.execute_script(FOCUSED)

    def focus_is_in(self, css: str) -> bool:
        return self.driver.execute_script("return Boolean(document.activeElement?.closest(arguments[0]))", css)

    def tab_to(self, css: str, backwards: bool = False, most: int = 12):
        """Tabs (or Shift+Tabs) until `css` has the keyboard; fails naming every stop on the way."""
        stops = []
        for _ in range(most):
            self.back() if backwards else self.press(Keys.TAB)
            stops.append(self.focused())
            if self.driver.execute_script("return document.activeElement?.matches(arguments[0])", css):
                return stops
        raise AssertionError(f"{css} was never reached; the keyboard went {stops}")

    def wait_for_focus(self, css: str):
        self.window.wait(f"the keyboard on {css}", lambda: self.driver.execute_script(
            "return Boolean(document.activeElement?.matches(arguments[0]))", css))


def test_a_whole_chat_by_keyboard_alone(open_app, sim):
    window = open_app()
    keys = Keyboard(window)
    window.wait("the pre-chat form", lambda: window.visible("#start-form"))

    keys.tab_to("#name")
    keys.press("Kim Park")
    keys.press(Keys.TAB)
    assert keys.focused() == "#email"
    keys.press("kim.park@example.com")
    keys.tab_to("#start")
    keys.press(Keys.SPACE)

    # Waiting: the queue's heading has the keyboard, so a screen reader says where they are.
    window.wait("the queue", lambda: window.visible("#view-queue"))
    keys.wait_for_focus("#queue-title")
    session = window.session(sim)
    sim.agent_sends(session, {"type": "CHAT_STARTED", "agent": "Myles"})
    keys.wait_for_focus("#message")

    keys.press("My printer jams", Keys.ENTER)
    window.wait_for_line("My printer jams")

    # A message that may not have been delivered is retried from its own line: one
    # Shift+Tab back from the box.
    sim.fail_next("/chat", session, status=500)
    keys.press("Page 2 too", Keys.ENTER)
    window.wait("the message that may not have been delivered",
                lambda: window.visible("#transcript .delivery.uncertain"))
    keys.back()
    assert keys.focused() == ".inline-button", "Retry is the first stop back from the message box"
    keys.press(Keys.ENTER)
    window.wait("the retried message delivered", lambda: not window.visible("#transcript .delivery.uncertain")
                and window.text("#transcript .entry:last-child .delivery") == "Sent")
    assert keys.focused() == ".entry.customer", "the keyboard stays on the line its Retry was in"
    keys.press(Keys.TAB)
    assert keys.focused() == "#message"

    # The conversation is one stop: the newest line, which a screen reader reads out.
    sim.agent_sends(session, {"type": "CHAT_TEXT", "text": "Try the rear tray."})
    window.wait_for_line("Try the rear tray.")
    keys.wait_for_focus("#message")
    keys.back()
    assert keys.focused() == ".entry.agent"
    assert window.driver.switch_to.active_element.get_property("textContent").endswith("Try the rear tray.")
    keys.press(Keys.TAB)
    assert keys.focused() == "#message", "one Tab from the lines and the customer types again"

    # The agent asks for a screenshot: the dialog takes the keyboard and keeps it.
    sim.agent_sends(session, {"type": "TAKE_SCREENSHOT"})
    window.wait("the screenshot dialog", lambda: window.visible("#screenshot-dialog"))
    keys.window.wait("the keyboard in the dialog", lambda: keys.focus_is_in("#screenshot-dialog"))
    for _ in range(5):
        keys.press(Keys.TAB)
        assert keys.focus_is_in("#screenshot-dialog"), f"Tab left the dialog for {keys.focused()}"
    keys.back()
    assert keys.focus_is_in("#screenshot-dialog"), f"Shift+Tab left the dialog for {keys.focused()}"
    # Escape declines, and the keyboard is back in the message box.
    keys.press(Keys.ESCAPE)
    window.wait("the dialog to close", lambda: not window.visible("#screenshot-dialog"))
    window.wait_for_line("You declined to share a screenshot.")
    keys.wait_for_focus("#message")

    # Asked again, shared: Show me, then Send, each with the key a button takes.
    sim.agent_sends(session, {"type": "TAKE_SCREENSHOT"})
    window.wait("the screenshot dialog", lambda: window.visible("#screenshot-dialog"))
    keys.window.wait("the keyboard in the dialog", lambda: keys.focus_is_in("#screenshot-dialog"))
    if keys.focused() != "#screenshot-accept":
        keys.tab_to("#screenshot-accept", most=4)
    keys.press(Keys.ENTER)
    window.wait("the preview", lambda: window.visible("#screenshot-preview"))
    keys.window.wait("the keyboard in the dialog", lambda: keys.focus_is_in("#screenshot-dialog"))
    if keys.focused() != "#screenshot-accept":
        keys.tab_to("#screenshot-accept", most=4)
    keys.press(Keys.SPACE)
    window.wait_for_line("You shared a screenshot.")
    keys.wait_for_focus("#message")

    # Ending: back past the lines to End chat; then the way to a new chat has the keyboard.
    keys.tab_to("#end", backwards=True, most=4)
    keys.press(Keys.ENTER)
    window.wait("the ended view", lambda: window.visible("#ended"))
    keys.wait_for_focus("#new-chat")
    keys.press(Keys.ENTER)
    window.wait("the form again", lambda: window.visible("#start-form"))
    keys.wait_for_focus("#name")


def test_the_arrow_keys_walk_the_lines_and_tab_comes_back_to_the_newest(open_app, sim):
    window = open_app()
    keys = Keyboard(window)
    session = window.chat_with(sim)
    for number in range(1, 6):
        sim.agent_sends(session, {"type": "CHAT_TEXT", "text": f"line {number}"})
    window.wait_for_line("line 5")
    keys.wait_for_focus("#message")

    line = lambda: window.driver.switch_to.active_element.find_element(By.CSS_SELECTOR, ".text").text  # noqa: E731
    keys.back()
    assert line() == "line 5"
    keys.press(Keys.ARROW_UP, Keys.ARROW_UP)
    assert line() == "line 3"
    keys.press(Keys.HOME)
    assert line() == "Myles joined the chat."
    keys.press(Keys.END)
    assert line() == "line 5"
    keys.press(Keys.ARROW_UP)
    keys.press(Keys.TAB)
    assert keys.focused() == "#message"
    assert len(window.driver.find_elements(By.CSS_SELECTOR, "#transcript [tabindex='0']")) == 1, "one stop, however long the chat"

    sim.agent_sends(session, {"type": "CHAT_TEXT", "text": "line 6"})
    window.wait_for_line("line 6")
    keys.back()
    assert line() == "line 6", "back in the conversation, the customer lands on what is newest"


# What the screen reader's live region is given, from now on.
ANNOUNCED = """
window.__announced = [];
new MutationObserver((changes) => {
  for (const change of changes) for (const node of change.addedNodes) window.__announced.push(node.textContent);
}).observe(document.getElementById("announcer"), { childList: true });
"""


def test_each_agent_line_is_announced_exactly_once(open_app, sim):
    window = open_app()
    session = window.chat_with(sim)
    window.driver.execute_script(ANNOUNCED)
    for number in range(1, 4):
        sim.agent_sends(session, {"type": "CHAT_TEXT", "text": f"step {number}"})
    window.wait_for_line("step 3")
    window.say("thanks")
    window.wait_for_line("thanks")
    announced = window.driver.execute_script("return window.__announced")
    assert [said for said in announced if said.startswith("Myles: ")] == ["Myles: step 1", "Myles: step 2", "Myles: step 3"], announced
    assert window.find("#transcript").get_attribute("aria-live") is None, "the list itself is not a second live region"

    # The app starts again mid-chat: the lines come back on screen, not read out again.
    window.kill()
    again = window.reopen()
    again.wait("the resumed chat", lambda: again.text("#agent-name") == "Myles")
    again.wait_for_line("step 3")
    assert again.driver.execute_script("return document.getElementById('announcer').textContent") == ""
