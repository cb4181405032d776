"""The pre-chat form says whether an agent is ready for the chosen topic, as the cloud's
GET /queue/status tells it (an endpoint the vendor's page does not list). It never stops
the customer from starting, and a server without the endpoint shows nothing. doctor
reports the same to the administrator."""

import json

SKILLS = ("--skills", "Support,Billing")
NO_AGENT_FOR_SUPPORT = ("No agent is available for Support right now. You can still start the chat "
                        "and an agent will answer as soon as one is free.")


def test_no_agent_ready_is_said_politely_and_the_chat_starts_anyway(open_app, sim):
    window = open_app(agents_ready={"Support": False, "Billing": True}, extra_args=SKILLS)
    window.wait("Support's availability", lambda: window.agents_ready() == "none-ready")
    assert window.text("#availability") == NO_AGENT_FOR_SUPPORT
    assert window.find("#availability").get_attribute("role") == "status"
    assert window.text("#start") == "Start anyway"
    window.screenshot("14-no-agent-ready")

    window.choose_skill("Billing")
    window.wait("Billing's availability", lambda: window.agents_ready() == "ready")
    assert window.text("#availability") == "An agent is available."
    assert window.text("#start") == "Start chat"

    window.choose_skill("Support")
    window.wait("Support's availability", lambda: window.agents_ready() == "none-ready")
    assert window.text("#start") == "Start anyway"
    window.start_chat()
    window.wait("the queue view", lambda: window.visible("#view-queue"))
    started = sim.requests("/chat/apiqueue", window.installation)
    assert json.loads(started[0]["body"])["skill"] == "Support"

    assert "PASS agent availability: Support: no agent ready, Billing: ready" in window.doctor()


def test_the_form_asks_again_each_time_it_is_shown(open_app, sim):
    window = open_app(agents_ready={"Support": False}, extra_args=SKILLS)
    window.wait("Support's availability", lambda: window.agents_ready() == "none-ready")
    window.chat_with(sim)
    window.find("#end").click()
    window.wait("the ended view", lambda: window.visible("#ended"))

    sim.configure(window.installation, agentsReady={"Support": True})
    window.find("#new-chat").click()
    window.wait("Support's availability", lambda: window.agents_ready() == "ready")
    assert window.text("#availability") == "An agent is available."
    assert window.text("#start") == "Start chat"


def test_a_server_without_the_availability_endpoint_shows_nothing(open_app, sim):
    # The simulator would say no agent is ready, but this server has no endpoint to ask.
    window = open_app(dialect="no-status-endpoint", agents_ready={"Support": False}, extra_args=SKILLS)
    window.wait("the form's question to be answered", lambda: window.agents_ready() == "unknown")
    assert sim.requests("/queue/status", window.installation), "the form asked"
    assert window.text("#availability") == ""
    assert window.text("#start") == "Start chat"

    assert ("PASS agent availability: this server has no availability endpoint (GET /queue/status); "
            "the form shows nothing") in window.doctor()
