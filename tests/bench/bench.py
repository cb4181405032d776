"""The benchmarks behind the table in docs/benchmarks.md. tests/bench/run.sh builds the
release binaries and runs this inside a private D-Bus session with a keyring and Xvfb:

    python tests/bench/bench.py --pipeline PATH [--only core,screenshot,window,memory,week,start,size]
                                [--chats N]

PATH is the core's `pipeline` bench binary (src-tauri/core/benches/pipeline). Starts
moto and the simulator, measures, prints the table, and writes every raw figure to
tests/artifacts/bench/results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "harness"))
from services import running_services  # noqa: E402

import window  # noqa: E402
from app import APP, ARTIFACTS  # noqa: E402
from cloud import MotoRecorder, Simulator  # noqa: E402
from screen import screen_with_text  # noqa: E402
from table import print_table  # noqa: E402

SCREEN_SIZES = [(1920, 1080), (3840, 2160)]
SCREENSHOT_RUNS = 7
PARTS = ["core", "screenshot", "window", "memory", "week", "start", "size"]


def pipeline(binary: str, env: dict, *args: str) -> dict:
    """Runs the Rust bench binary; its stdout is one JSON object per figure."""
    output = subprocess.run([binary, *args], env=env, check=True, stdout=subprocess.PIPE, text=True).stdout
    figures = {}
    for line in output.splitlines():
        figure = json.loads(line)
        figures[figure.pop("figure")] = figure
    return figures


def core_figures(binary: str, env: dict) -> dict:
    print("core: latency and burst (SQS -> EventSink)", flush=True)
    return pipeline(binary, env, "latency")


def screenshot_figures(binary: str, env: dict) -> dict:
    figures = {}
    for width, height in SCREEN_SIZES:
        print(f"screenshot: {width}x{height} under Xvfb", flush=True)
        with screen_with_text(width, height) as display:
            figures[f"{width}x{height}"] = pipeline(binary, dict(env, DISPLAY=display), "screenshot",
                                                    str(SCREENSHOT_RUNS))["screenshot"]
    return figures


def window_figures(sim_url: str, sqs_endpoint: str, recorder: MotoRecorder) -> dict:
    """Each figure twice: with the window focused (the customer watching the chat) and in
    the background, where each agent line also chimes and raises a notification."""
    sim = Simulator(sim_url)
    figures = {}
    for focused, name in [(True, "focused"), (False, "background")]:
        print(f"window ({name}): agent messages to the DOM (release app through tauri-driver)", flush=True)
        figures[name] = window.message_figures(sim, sqs_endpoint, focused)
        print(f"window ({name}): idle footprint", flush=True)
        figures[name]["idle"] = window.idle_footprint(sim, sqs_endpoint, recorder, focused)
    return figures


def memory_figures(sim_url: str, sqs_endpoint: str) -> dict:
    sim = Simulator(sim_url)
    return {"compositing": window.compositing_footprint(sim, sqs_endpoint),
            "long_chat": window.long_chat_growth(sim, sqs_endpoint)}


def week_figures(sim_url: str, sqs_endpoint: str, chats: int) -> dict:
    print(f"week: {chats} chats of {window.WEEK_LINES} lines in one process", flush=True)
    return window.week_of_chats(Simulator(sim_url), sqs_endpoint, chats)


def wait_for_quiet(limit: float = 1.0, patience: float = 180) -> None:
    """Timings on a busy machine measure the other work: wait a while for the 1-minute
    load average to drop (the table prints the load each part ran under)."""
    deadline = time.monotonic() + patience
    while os.getloadavg()[0] > limit and time.monotonic() < deadline:
        print(f"waiting for the machine to settle (load {os.getloadavg()[0]:.2f})", flush=True)
        time.sleep(15)


def start_figures(sim_url: str) -> dict:
    print("start: spawn to interactive window, 10 runs", flush=True)
    return window.cold_start(sim_url)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pipeline", required=True, help="the core's pipeline bench binary")
    parser.add_argument("--only", default=",".join(PARTS), help="comma-separated subset of " + ",".join(PARTS))
    parser.add_argument("--chats", type=int, default=50, help="chats in the week part (default 50)")
    args = parser.parse_args()
    parts = set(args.only.split(","))

    shutil.rmtree(ARTIFACTS, ignore_errors=True)  # this run's logs only
    # moto's request recorder writes here; services.py passes our environment on to moto.
    recording = Path(tempfile.mkdtemp(prefix="xima-bench-moto-")) / "recording.jsonl"
    os.environ["MOTO_RECORDER_FILEPATH"] = str(recording)
    wait_for_quiet()
    results: dict = {"load": {}}

    def part(name: str, measure) -> None:
        if name in parts:
            results["load"][name] = os.getloadavg()[0]
            results[name] = measure()

    with running_services("manual") as (sim_url, sqs_endpoint):
        env = dict(os.environ, XIMA_SIM_URL=sim_url, XIMA_SQS_ENDPOINT=sqs_endpoint)
        part("core", lambda: core_figures(args.pipeline, env))
        part("screenshot", lambda: screenshot_figures(args.pipeline, env))
        part("window", lambda: window_figures(sim_url, sqs_endpoint, MotoRecorder(sqs_endpoint, recording)))
        part("memory", lambda: memory_figures(sim_url, sqs_endpoint))
        part("week", lambda: week_figures(sim_url, sqs_endpoint, args.chats))
        part("start", lambda: start_figures(sim_url))
    part("size", lambda: APP.stat().st_size)
    results["load"]["end"] = os.getloadavg()[0]

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "results.json").write_text(json.dumps(results, indent=2))
    print_table(results)
    print(f"\nraw figures: {ARTIFACTS / 'results.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
