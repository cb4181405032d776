"""A help desk's ways into a chat: a link or a script fills the form's custom fields, the
computer's facts IT chose are shown to the customer before Start and reach the agent as
sent, and a chat starts by itself only from a script on this computer or from a link
where the administrator lets links do so."""

import json
import subprocess
import time
from pathlib import Path

from conftest import APP, KIOSK

# A help desk's settings: who uses this computer, which computer and system it is (facts
# the app reads), and a ticket number asked of the customer.
HELP_DESK = """
name = "Ann Lee"
email = "ann.lee@example.com"

[[custom-chat-info]]
name = "Computer"
value = "{computer-name}"

[[custom-chat-info]]
name = "System"
value = "{os}"

[[custom-chat-info]]
name = "Ticket"
value = ""
"""


def this_computer() -> tuple[str, str]:
    """The computer's name and system, as the kernel and /etc/os-release say them."""
    release = dict(line.split("=", 1) for line in Path("/etc/os-release").read_text().splitlines() if "=" in line)
    unquoted = {key: value.strip().strip("\"'") for key, value in release.items()}
    system = f"{unquoted['NAME']} {unquoted['VERSION_ID']}" if "VERSION_ID" in unquoted else unquoted["PRETTY_NAME"]
    return Path("/proc/sys/kernel/hostname").read_text().strip(), system


def shared_facts(window) -> list[str]:
    return [item.text for item in window.driver.find_elements("css selector", "#shared-facts-list li")]


def ticket_field(window):
    return window.find("#custom-fields input[data-name='Ticket']")


def settled(window):
    """The window open and its start-up work done (the availability answer is the last
    of it): a link from a ticket page comes once the app runs. A second launch within
    the app's first second hung its main thread once in CI (docs/testing.md)."""
    window.wait("the pre-chat form", lambda: window.visible("#start-form"))
    window.wait("the availability answer", lambda: window.agents_ready() is not None)


def second_launch(*args: str):
    """What a browser, a ticket page or a script runs: the running app takes it over."""
    launched = subprocess.run([str(APP), *args], capture_output=True, timeout=30)
    assert launched.returncode == 0, launched.stderr.decode()


def custom_chat_info(sim, window) -> list[dict]:
    started = sim.requests("/chat/apiqueue", window.installation)
    return json.loads(started[0]["body"])["customChatInfo"]


def test_a_link_fills_the_ticket_and_the_form_says_what_of_the_computer_goes_to_the_agent(open_app, sim):
    computer, system = this_computer()
    window = open_app(config_text=HELP_DESK)
    window.wait("the pre-chat form", lambda: window.visible("#start-form"))
    assert window.visible("#shared-facts")
    assert window.text("#shared-facts-title") == "Shared with the agent when you start:"
    assert shared_facts(window) == [f"Computer: {computer}", f"System: {system}"]

    # A ticket page's link: a fixed field and one not configured are not the link's to
    # fill, and autostart needs the administrator's leave.
    second_launch("xima-chat://start?field.Ticket=INC-4211&field.Computer=EVIL&field.Priority=VIP&autostart=1")
    window.wait("the link's ticket", lambda: ticket_field(window).get_property("value") == "INC-4211")
    assert len(window.driver.find_elements("css selector", "#custom-fields input")) == 1, "no field added"
    assert shared_facts(window) == [f"Computer: {computer}", f"System: {system}"]
    time.sleep(1)
    assert sim.sessions(window.installation) == [], "a link does not start a chat unless allowed"
    window.screenshot("help-desk-form")

    window.find("#start").click()
    window.wait("the queue view", lambda: window.visible("#view-queue"))
    assert custom_chat_info(sim, window) == [
        {"name": "Computer", "value": computer},
        {"name": "System", "value": system},
        {"name": "Ticket", "value": "INC-4211"},
    ]
    assert f"INFO shared with the agent: Computer: {computer}; System: {system}" in window.doctor()


def test_where_the_administrator_lets_links_a_link_queues_the_chat_and_the_customer_can_cancel(open_app, sim):
    window = open_app(config_text="link-autostart = true\n" + HELP_DESK)
    settled(window)
    second_launch("xima-chat://start?field.Ticket=INC-7&autostart=1")
    window.wait("the queue view", lambda: window.visible("#view-queue"))
    sent = custom_chat_info(sim, window)
    assert sent[-1] == {"name": "Ticket", "value": "INC-7"}, sent
    window.find("#cancel").click()
    window.wait("the chat ended by the customer", lambda: window.visible("#new-chat"))


def test_a_script_starts_a_queued_chat_with_its_fields_links_allowed_or_not(open_app, sim):
    window = open_app(config_text=HELP_DESK)
    settled(window)
    second_launch("start", "--field", "Ticket=INC-9")
    window.wait("the queue view", lambda: window.visible("#view-queue"))
    assert custom_chat_info(sim, window)[-1] == {"name": "Ticket", "value": "INC-9"}


def test_a_script_fills_the_form_without_start_and_the_customer_starts(open_app, sim):
    window = open_app(config_text=HELP_DESK)
    window.wait("the pre-chat form", lambda: window.visible("#start-form"))
    second_launch("--field", "Ticket=INC-10")
    window.wait("the script's ticket", lambda: ticket_field(window).get_property("value") == "INC-10")
    time.sleep(1)
    assert sim.sessions(window.installation) == []


def test_a_kiosk_shows_its_visitors_what_of_the_computer_goes_to_the_agent(open_app, sim):
    computer, _ = this_computer()
    window = open_app(config_text=KIOSK + '\n[[custom-chat-info]]\nname = "Kiosk"\nvalue = "{computer-name}"\n')
    window.wait("the pre-chat form", lambda: window.visible("#start-form"))
    assert shared_facts(window) == [f"Kiosk: {computer}"]
