"""Start moto's SQS server and the cloud simulator on free loopback ports, run a command
with their addresses in the environment, and stop both when the command ends.

    python tests/harness/services.py [--agent scripted|manual] [--dialect NAME]
        [--agents-ready SKILL=BOOL,...] -- COMMAND [ARGS...]

The command sees XIMA_SIM_URL (the simulator, i.e. the cloud base URL) and
XIMA_SQS_ENDPOINT (moto), and the managed corporate network of network.py in front of
both: https://cloud.xima.test and https://sqs.xima.test, reachable only through the
authenticating proxy XIMA_TEST_PROXY, signed by a root only SSL_CERT_FILE's bundle holds.
Logs go to tests/artifacts/.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from network import running_network
from ports import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"


@contextlib.contextmanager
def running_services(agent: str = "manual", visibility_timeout: str = "30", dialect: str | None = None,
                     agents_ready: str | None = None):
    """Starts moto and the simulator; yields (simulator URL, SQS endpoint); stops both.
    `dialect` and `agents_ready` are the simulator's defaults (see xima_sim.py)."""
    extra = (["--dialect", dialect] if dialect else []) + (["--agents-ready", agents_ready] if agents_ready else [])
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    children: list[subprocess.Popen] = []
    try:
        moto_port = free_port()
        # IAM authentication on: the simulator's first three calls bootstrap its admin user,
        # everything after must carry a real key, so credential handling is tested for real.
        moto_env = dict(os.environ, INITIAL_NO_AUTH_ACTION_COUNT="3")
        with open(ARTIFACTS / "moto.log", "ab") as moto_log:
            moto = subprocess.Popen(
                [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(moto_port)],
                env=moto_env, stdout=moto_log, stderr=subprocess.STDOUT,
            )
        children.append(moto)
        wait_for_port(moto_port, moto, "moto", timeout=30, log=ARTIFACTS / "moto.log")
        sqs_endpoint = f"http://127.0.0.1:{moto_port}"

        ready = Path(tempfile.mkdtemp()) / "sim.port"
        with open(ARTIFACTS / "simulator.log", "ab") as sim_log:
            simulator = subprocess.Popen(
                [sys.executable, str(ROOT / "tests" / "simulator" / "xima_sim.py"),
                 "--sqs-endpoint", sqs_endpoint, "--agent", agent,
                 "--visibility-timeout", visibility_timeout, "--ready-file", str(ready), *extra],
                stdout=sim_log, stderr=subprocess.STDOUT,
            )
        children.append(simulator)
        deadline = time.monotonic() + 30
        while not ready.exists() or not ready.read_text():
            if simulator.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the simulator did not start; see {ARTIFACTS / 'simulator.log'}")
            time.sleep(0.1)
        # The app only talks to AWS's own SQS endpoint unless told otherwise: apps
        # started while these services run are told (app_driver.Installation.args).
        os.environ["XIMA_SQS_ENDPOINT"] = sqs_endpoint
        yield f"http://127.0.0.1:{ready.read_text().strip()}", sqs_endpoint
    finally:
        os.environ.pop("XIMA_SQS_ENDPOINT", None)
        for child in reversed(children):
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=5)
            except subprocess.TimeoutExpired:
                child.kill()


def corporate_network(sim_url: str, sqs_endpoint: str):
    """The simulator and moto behind TLS fronts and the corporate proxy (network.py)."""
    port = lambda url: int(url.rsplit(":", 1)[1])  # noqa: E731
    return running_network({"cloud.xima.test": port(sim_url), "sqs.xima.test": port(sqs_endpoint)})


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agent", choices=["scripted", "manual"], default="manual")
    parser.add_argument("--visibility-timeout", default="30")
    parser.add_argument("--dialect", help="the simulator's default dialect (GET /_sim/dialects lists them)")
    parser.add_argument("--agents-ready", help="e.g. Support=true,Billing=false, for GET /queue/status")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give a command to run after --")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    services = running_services(args.agent, args.visibility_timeout, args.dialect, args.agents_ready)
    try:
        with services as (sim_url, sqs_endpoint), corporate_network(sim_url, sqs_endpoint) as network:
            env = dict(os.environ, XIMA_SIM_URL=sim_url, XIMA_SQS_ENDPOINT=sqs_endpoint, **network.env())
            print(f"services: simulator {sim_url}, moto {sqs_endpoint}", file=sys.stderr, flush=True)
            return subprocess.call(command, env=env)
    except RuntimeError as failure:  # a service did not start: say which, without a traceback
        raise SystemExit(str(failure)) from None


if __name__ == "__main__":
    sys.exit(main())
