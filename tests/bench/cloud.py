"""The simulator's admin API and the agent's side of SQS, as the benchmarks use them."""

from __future__ import annotations

import base64
import json
import urllib.request

import boto3
from sim_admin import SimulatorAdmin


class Simulator(SimulatorAdmin):
    timeout = 30.0

    def queue_url(self, session: str) -> str:
        return self.call("GET", f"/_sim/sessions/{session}")["sessionDetails"]["serverToClientQueue"]["url"]

    def requests(self) -> list[dict]:
        return self.call("GET", "/_sim/requests")

    def sqs_for(self, installation: str, endpoint: str):
        """An SQS client with the installation's own key, as the cloud hands it out (moto
        enforces IAM; that key may use every SQS action)."""
        keys = self.call("GET", f"/chat/queue/auth?installation-id={installation}")
        return boto3.client("sqs", endpoint_url=endpoint, region_name=keys["sqsRegion"],
                            aws_access_key_id=keys["sqsAccessKey"],
                            aws_secret_access_key=keys["sqsSecretKey"])


def chat_text(text: str) -> str:
    return json.dumps({"type": "CHAT_TEXT", "text": text})


def chat_started(agent: str = "Myles") -> str:
    return json.dumps({"type": "CHAT_STARTED", "agent": agent})


def chat_ended() -> str:
    return json.dumps({"type": "CHAT_ENDED"})


class MotoRecorder:
    """moto's request recorder (/moto-api/recorder): every request moto receives, with
    its headers, while recording is on. Used to count the app's SQS calls."""

    def __init__(self, endpoint: str, path):
        self.endpoint = endpoint
        self.path = path  # MOTO_RECORDER_FILEPATH, set when moto was started

    def _post(self, action: str) -> None:
        request = urllib.request.Request(f"{self.endpoint}/moto-api/recorder/{action}", data=b"", method="POST")
        urllib.request.urlopen(request, timeout=10).close()

    def start(self) -> None:
        self._post("reset-recording")
        self._post("start-recording")

    def stop(self) -> list[dict]:
        self._post("stop-recording")
        with open(self.path) as recording:
            return [json.loads(line) for line in recording if line.strip()]


def sqs_action(entry: dict) -> str:
    """The SQS action of a recorded request (JSON protocol: the X-Amz-Target header)."""
    headers = {name.lower(): value for name, value in entry.get("headers", {}).items()}
    return headers.get("x-amz-target", "").rsplit(".", 1)[-1] or "?"


def mentions(entry: dict, text: str) -> bool:
    """Whether a recorded request's URL or body contains `text` (e.g. a queue name)."""
    body = entry.get("body") or ""
    if entry.get("body_encoded"):
        body = base64.b64decode(body).decode("utf-8", "replace")
    return text in body or text in entry.get("url", "")
