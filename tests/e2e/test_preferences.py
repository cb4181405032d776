"""What the customer's desktop asks of the window: zoom by keyboard (Ctrl+= / Ctrl+- /
Ctrl+0), and less motion when the desktop says so."""

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from conftest import DRIVER_LOG
from app_driver import TauriDriver

import pytest

# The page's zoom as the page sees it: CSS pixels across the window's fixed width.
CSS_WIDTH = "return document.documentElement.clientWidth"

# Is the element wholly inside the window and not covered where it would be clicked?
USABLE = """
const element = document.querySelector(arguments[0]);
const box = element.getBoundingClientRect();
const inside = box.width > 0 && box.height > 0 && box.left >= 0 && box.top >= 0
  && box.right <= innerWidth + 0.5 && box.bottom <= innerHeight + 0.5;
const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
return inside && Boolean(hit) && (hit === element || element.contains(hit));
"""


def ctrl(driver, key: str):
    ActionChains(driver).key_down(Keys.CONTROL).send_keys(key).key_up(Keys.CONTROL).perform()


def test_ctrl_plus_minus_and_zero_zoom_and_200_percent_keeps_the_composer_usable(open_app, sim):
    window = open_app()
    session = window.chat_with(sim)
    driver = window.driver
    driver.set_window_rect(width=340, height=420)  # the smallest the window can be
    window.wait("the smallest window", lambda: driver.execute_script("return innerHeight") <= 420)
    full = driver.execute_script(CSS_WIDTH)

    ctrl(driver, "=")
    window.wait("120 %", lambda: abs(driver.execute_script(CSS_WIDTH) - full / 1.2) < 3)
    ctrl(driver, "-")
    window.wait("back to 100 %", lambda: abs(driver.execute_script(CSS_WIDTH) - full) < 3)
    for _ in range(5):
        ctrl(driver, "=")
    window.wait("200 %", lambda: abs(driver.execute_script(CSS_WIDTH) - full / 2) < 3)

    sim.agent_sends(session, {"type": "CHAT_TEXT", "text": "Can you read this at twice the size?"})
    window.wait_for_line("Can you read this at twice the size?")
    window.screenshot("zoom-200-smallest-window")
    for part in ("#message", "#send"):
        assert driver.execute_script(USABLE, part), f"{part} is off screen or covered at 200 %"
    # Typed and sent from the keyboard: WebKitWebDriver's clicks miss their element in a
    # zoomed page (it places them in unzoomed coordinates); that Send takes a click where
    # it is drawn is what USABLE's hit test checked.
    window.find("#message").send_keys("Yes, thanks", Keys.ENTER)
    window.wait_for_line("Yes, thanks")
    assert driver.execute_script("return document.querySelector('.agent-name').getBoundingClientRect().right")\
        <= driver.execute_script("return document.querySelector('#end').getBoundingClientRect().left"), \
        "the agent's name gives way to End chat instead of running under it"

    ctrl(driver, "0")
    window.wait("back to 100 %", lambda: abs(driver.execute_script(CSS_WIDTH) - full) < 3)


@pytest.fixture
def calm_desktop(tmp_path):
    """A tauri-driver whose apps run on a desktop that asks for less motion: GNOME's
    "Reduce animation" reaches GTK as gtk-enable-animations, which WebKit reports as
    prefers-reduced-motion."""
    settings = tmp_path / "gtk-3.0" / "settings.ini"
    settings.parent.mkdir(parents=True)
    settings.write_text("[Settings]\ngtk-enable-animations=false\n")
    with TauriDriver(DRIVER_LOG, log_level="debug", XDG_CONFIG_HOME=str(tmp_path)) as service:
        yield service.url


SPINNING = "return getComputedStyle(document.querySelector('.spinner')).animationName"


def test_a_desktop_that_asks_for_less_motion_gets_a_still_window(calm_desktop, open_app, sim):
    window = open_app(driver_url=calm_desktop)
    assert window.driver.execute_script("return matchMedia('(prefers-reduced-motion: reduce)').matches")
    window.start_chat()
    window.wait("the queue", lambda: window.visible("#view-queue"))
    assert window.driver.execute_script(SPINNING) == "none"


def test_an_ordinary_desktop_gets_the_spinner_turning(open_app, sim):
    window = open_app()
    assert not window.driver.execute_script("return matchMedia('(prefers-reduced-motion: reduce)').matches")
    window.start_chat()
    window.wait("the queue", lambda: window.visible("#view-queue"))
    assert window.driver.execute_script(SPINNING) == "spin"
