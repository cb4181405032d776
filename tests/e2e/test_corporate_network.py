"""The real window on a managed corporate network (tests/harness/network.py): the cloud
and SQS behind TLS signed by a root only the bundle in SSL_CERT_FILE holds, reachable
only through a proxy that asks for a password, named the way IT often names it: in
HTTPS_PROXY, with the credentials in the URL."""

import os
import subprocess
from urllib.parse import quote

import pytest

from app_driver import API_KEY, TauriDriver
from conftest import APP, ROOT
from services import corporate_network


@pytest.fixture(scope="module")
def network(sim):
    with corporate_network(sim.url, os.environ["XIMA_SQS_ENDPOINT"]) as net:
        yield net


def corporate_env(net) -> dict[str, str]:
    """What the app sees on such a PC: the OS's trust store and the proxy variable."""
    user, password = quote(net.proxy_user, safe=""), quote(net.proxy_password, safe="")
    return {"SSL_CERT_FILE": net.ca_bundle,
            "HTTPS_PROXY": net.proxy_url.replace("http://", f"http://{user}:{password}@")}


def open_on(net, open_app, driver_url, cloud):
    """A window whose installation's key is bound to `cloud`, with SQS at its TLS front."""
    def bind_key(installation):
        subprocess.run([str(APP), "--installation-id", installation.id, "--base-url", cloud, "api-key", "set"],
                       input=f"{API_KEY}\n".encode(), check=True, stdout=subprocess.DEVNULL)

    return open_app(driver_url=driver_url, prepare=bind_key,
                    extra_args=("--base-url", cloud, "--sqs-endpoint", net.urls["sqs.xima.test"]))


@pytest.fixture(scope="module")
def corporate_driver(network):
    with TauriDriver(ROOT / "tests" / "artifacts" / "tauri-driver-corporate.log", log_level="debug",
                     **corporate_env(network)) as driver:
        yield driver.url


def test_a_whole_chat_goes_through_the_authenticating_proxy_to_tls_endpoints(open_app, sim, network, corporate_driver):
    window = open_on(network, open_app, corporate_driver, network.urls["cloud.xima.test"])
    session = window.chat_with(sim)
    sim.agent_sends(session, {"type": "CHAT_TEXT", "text": "Hello through the proxy"})
    window.wait_for_line("Hello through the proxy")
    window.say("My VPN drops every hour")
    window.wait_for_line("My VPN drops every hour")
    window.wait("the line at the cloud", lambda: len(sim.requests("/chat", session)) == 1)
    tunnels = {entry["host"] for entry in network.proxy_log() if entry["status"] == 200}
    assert {"cloud.xima.test", "sqs.xima.test"} <= tunnels, tunnels


def test_a_root_the_computer_does_not_trust_is_told_in_the_customers_words(open_app, network, corporate_driver):
    window = open_on(network, open_app, corporate_driver, network.urls["rogue.xima.test"])
    window.start_chat()
    window.wait("the form's error", lambda: window.text("#form-error") != "")
    assert window.text("#form-error") == ("This computer does not trust the contact center's security certificate, "
                                          "so the connection was stopped. Please contact your IT team.")
    report = window.doctor(**corporate_env(network))
    assert "FAIL network cloud: this computer does not trust the server's certificate" in report, report
    assert "Contoso Inspection CA" in report, report
    assert "INFO route cloud: https://rogue.xima.test through the proxy" in report, report
