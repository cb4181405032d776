"""The window is the app and nothing else: no script, link, middle click or menu takes it
to somebody's page or opens a second window, and the chat carries on in it. A link the
customer clicks opens in the system browser instead."""

import os
import time
from pathlib import Path

import pytest

from conftest import DRIVER_LOG
from app_driver import TauriDriver

HELP_LINE = "Our opening hours are at https://example.com/hours"


class SystemBrowser:
    """A stand-in for the desktop's URL handler: an `xdg-open` first on the PATH of the
    apps its tauri-driver starts (the opener plugin asks xdg-open before anything else
    on Linux), which writes down every address it is handed."""

    def __init__(self, folder: Path):
        self.log = folder / "opened.txt"
        self.log.touch()
        bin_dir = folder / "bin"
        bin_dir.mkdir()
        script = bin_dir / "xdg-open"
        script.write_text(f"#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{self.log}'\n")
        script.chmod(0o755)
        self.path = f"{bin_dir}{os.pathsep}{os.environ['PATH']}"

    def opened(self) -> list[str]:
        return self.log.read_text().splitlines()


@pytest.fixture(scope="module")
def system_browser(tmp_path_factory):
    """(tauri-driver URL, SystemBrowser); module-wide, so it outlives every window."""
    browser = SystemBrowser(tmp_path_factory.mktemp("system-browser"))
    with TauriDriver(DRIVER_LOG, log_level="debug", PATH=browser.path) as service:
        yield service.url, browser


def mark_the_page(window) -> str:
    """Marks the document (a reload or another page loses the mark); returns its address."""
    window.driver.execute_script("window.__sameDocument = true")
    return window.driver.current_url


def still_the_app(window, page: str, settle: float = 1.0):
    """After `settle` seconds, the window shows the same app document, alone."""
    time.sleep(settle)  # a navigation or a new window would have started by then
    assert window.driver.current_url == page
    assert window.driver.window_handles == [window.driver.current_window_handle], "no second window"
    assert window.driver.execute_script("return window.__sameDocument === true"), "not reloaded, not replaced"
    assert window.visible("#composer"), "the chat is still on screen"


def agent_is_still_heard(window, sim, session, text: str):
    sim.agent_sends(session, {"type": "CHAT_TEXT", "text": text})
    window.wait_for_line(text)


def agent_link(window, sim, session):
    sim.agent_sends(session, {"type": "CHAT_TEXT", "text": HELP_LINE})
    window.wait_for_line(HELP_LINE)
    return window.find("#transcript .entry.agent a")


def test_a_script_cannot_take_the_window_to_another_page_or_open_one(open_app, sim):
    window = open_app()
    session = window.chat_with(sim)
    page = mark_the_page(window)
    assert page.startswith("tauri://localhost"), page

    window.driver.execute_script("location.href = 'https://example.com/'")
    still_the_app(window, page)
    opened = window.driver.execute_script("return window.open('https://example.com/')")
    assert opened is None, "window.open hands back no window"
    still_the_app(window, page)
    agent_is_still_heard(window, sim, session, "Still here with you")


def test_a_clicked_link_opens_in_the_system_browser_and_the_window_stays(system_browser, open_app, sim):
    driver_url, browser = system_browser
    window = open_app(driver_url=driver_url)
    session = window.chat_with(sim)
    page = mark_the_page(window)
    link = agent_link(window, sim, session)

    link.click()
    window.wait("the system browser", lambda: browser.opened() == ["https://example.com/hours"])
    still_the_app(window, page)
    agent_is_still_heard(window, sim, session, "Did the page open?")


def test_a_middle_click_on_a_link_opens_no_window(open_app, sim):
    window = open_app()
    session = window.chat_with(sim)
    page = mark_the_page(window)
    link = agent_link(window, sim, session)
    # Dispatched, not WebDriver pointer actions: WebKitWebDriver reports a middle button's
    # release as button 0 and follows it with a plain `click`, so it cannot middle-click.
    refused = window.driver.execute_script("""
        const press = (kind) => !arguments[0].dispatchEvent(
          new MouseEvent(kind, {bubbles: true, cancelable: true, button: 1}));
        return {mousedown: press('mousedown'), auxclick: press('auxclick')};""", link)
    assert refused == {"mousedown": True, "auxclick": True}, "no auto-scroll, no new window"
    still_the_app(window, page)
    agent_is_still_heard(window, sim, session, "Anything else?")


def test_a_right_click_offers_no_menu_on_a_link_but_keeps_it_in_the_message_box(open_app, sim):
    window = open_app()
    session = window.chat_with(sim)
    page = mark_the_page(window)
    link = agent_link(window, sim, session)
    menu_allowed = ("return arguments[0].dispatchEvent(new MouseEvent('contextmenu',"
                    " {bubbles: true, cancelable: true, button: 2}))")
    assert window.driver.execute_script(menu_allowed, link) is False, "no Open Link, no Inspect"
    assert window.driver.execute_script(menu_allowed, window.find("#message")) is True, "cut, copy, paste"
    still_the_app(window, page, settle=0)
    agent_is_still_heard(window, sim, session, "Right, then")
