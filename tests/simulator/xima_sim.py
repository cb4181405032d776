"""Cloud simulator for Xima's Web Chat Cloud API.

Implements every endpoint of the vendor's spec over HTTP and delivers server-to-client
messages through real SQS queues on the endpoint it is given (moto's server in tests and
in the demo). It validates every request body against the spec, records every request
so tests can assert on what the client sent, and plays an agent: `scripted` (the demo's
agent, which greets, answers, transfers, asks for a screenshot and ends) or `manual`
(silent; tests drive it through the /_sim admin endpoints).

SQS access is enforced the way the cloud does it: moto runs with IAM authentication on,
each installation gets its own IAM user whose key `/chat/queue/auth` hands out, and
rotating that key makes the old one fail for real.
"""

from __future__ import annotations

import argparse
import base64
import json
import logging
import struct
import sys
import threading
import time
import uuid
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone

import boto3
from flask import Flask, Response, request
from werkzeug.serving import make_server

log = logging.getLogger("xima-sim")

MOTO_ACCOUNT = "123456789012"
SESSION_COOKIE = "JSESSIONID"


def now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def solid_png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A real PNG without Pillow, so agent avatars decode as images on the client."""
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


AGENTS = {
    "Myles": base64.b64encode(solid_png(48, 48, (31, 111, 235))).decode(),
    "Shawn": base64.b64encode(solid_png(48, 48, (46, 160, 67))).decode(),
}


# --------------------------------------------------------------------------- SQS side


class SqsBackend:
    """Queues and per-installation credentials on the SQS endpoint (moto with IAM auth)."""

    def __init__(self, endpoint: str, region: str):
        self.endpoint = endpoint
        self.region = region
        self.lock = threading.Lock()
        self.installation_keys: dict[str, dict] = {}
        self.denied_actions: dict[str, list[str]] = {}
        # moto lets the first few actions through unauthenticated: enough to create our admin.
        bootstrap = self._iam("bootstrap", "bootstrap")
        bootstrap.create_user(UserName="xima-sim-admin")
        bootstrap.put_user_policy(
            UserName="xima-sim-admin", PolicyName="all", PolicyDocument=self._policy(["*"])
        )
        key = bootstrap.create_access_key(UserName="xima-sim-admin")["AccessKey"]
        self.admin_key = (key["AccessKeyId"], key["SecretAccessKey"])
        self.iam = self._iam(*self.admin_key)
        self.sqs = boto3.client(
            "sqs",
            endpoint_url=endpoint,
            region_name=region,
            aws_access_key_id=self.admin_key[0],
            aws_secret_access_key=self.admin_key[1],
        )

    def _iam(self, access_key: str, secret: str):
        return boto3.client(
            "iam",
            endpoint_url=self.endpoint,
            region_name=self.region,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret,
        )

    @staticmethod
    def _policy(allowed: list[str], denied: list[str] | None = None) -> str:
        statements = [{"Effect": "Allow", "Action": allowed, "Resource": "*"}]
        if denied:
            statements.append({"Effect": "Deny", "Action": denied, "Resource": "*"})
        return json.dumps({"Version": "2012-10-17", "Statement": statements})

    @staticmethod
    def _user(installation_id: str) -> str:
        return "chat-" + installation_id[:50]

    def credentials_for(self, installation_id: str) -> dict:
        with self.lock:
            if installation_id not in self.installation_keys:
                user = self._user(installation_id)
                self.iam.create_user(UserName=user)
                self._apply_policy(installation_id)
                self.installation_keys[installation_id] = self.iam.create_access_key(UserName=user)["AccessKey"]
            key = self.installation_keys[installation_id]
            return {"sqsAccessKey": key["AccessKeyId"], "sqsSecretKey": key["SecretAccessKey"], "sqsRegion": self.region}

    def rotate(self, installation_id: str) -> None:
        """Issue a new key and delete the old one, which then fails with InvalidClientTokenId."""
        self.credentials_for(installation_id)
        with self.lock:
            user = self._user(installation_id)
            old = self.installation_keys[installation_id]
            self.installation_keys[installation_id] = self.iam.create_access_key(UserName=user)["AccessKey"]
            self.iam.delete_access_key(UserName=user, AccessKeyId=old["AccessKeyId"])

    def deny(self, installation_id: str, actions: list[str]) -> None:
        self.credentials_for(installation_id)
        with self.lock:
            self.denied_actions[installation_id] = actions
            self._apply_policy(installation_id)

    def _apply_policy(self, installation_id: str) -> None:
        self.iam.put_user_policy(
            UserName=self._user(installation_id),
            PolicyName="chat-queues",
            PolicyDocument=self._policy(["sqs:*"], self.denied_actions.get(installation_id)),
        )

    def create_queue(self, name: str, visibility_timeout: int) -> dict:
        url = self.sqs.create_queue(
            QueueName=name, Attributes={"VisibilityTimeout": str(visibility_timeout)}
        )["QueueUrl"]
        arn = f"arn:aws:sqs:{self.region}:{MOTO_ACCOUNT}:{name}"
        return {"url": url, "arn": arn}

    def send(self, queue_url: str, body: str) -> str:
        return self.sqs.send_message(QueueUrl=queue_url, MessageBody=body)["MessageId"]

    def depth(self, queue_url: str) -> dict:
        attrs = self.sqs.get_queue_attributes(
            QueueUrl=queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return {"visible": int(attrs["ApproximateNumberOfMessages"]),
                "inFlight": int(attrs["ApproximateNumberOfMessagesNotVisible"])}


# --------------------------------------------------------------------------- chat side


@dataclass
class Session:
    id: str
    installation_id: str
    email: str
    name: str
    skill: str
    custom_chat_info: list
    http_session: str
    server_to_client: dict
    client_to_server: dict
    created: str = field(default_factory=now_iso)
    agent: str | None = None
    agent_image: str | None = None
    ended: bool = False
    user_messages: list = field(default_factory=list)

    def queue_descriptor(self, queue: dict, kind: str) -> dict:
        return {
            "url": queue["url"],
            "arn": queue["arn"],
            "created": self.created,
            "lastUsed": now_iso(),
            "chatQueueType": kind,
        }

    def to_json(self) -> dict:
        return {
            "sessionDetails": {
                "serverToClientQueue": self.queue_descriptor(self.server_to_client, "SERVERTOCLIENT"),
                "clientToServerQueue": self.queue_descriptor(self.client_to_server, "CLIENTTOSERVER"),
                "id": self.id,
                "installationId": self.installation_id,
                "email": self.email,
                "name": self.name,
                "agent": self.agent,
                "agentImage": self.agent_image,
                "skill": self.skill,
                "created": self.created,
            }
        }


class ProtocolViolation(Exception):
    """The client sent something the spec does not allow: answered 400 and recorded."""


def require_json_object(raw: bytes, required: dict[str, type], optional: dict[str, type] | None = None) -> dict:
    if request.mimetype != "application/json":
        raise ProtocolViolation(f"Content-Type must be application/json, was {request.mimetype!r}")
    try:
        body = json.loads(raw)
    except ValueError as error:
        raise ProtocolViolation(f"body is not JSON: {error}") from None
    if not isinstance(body, dict):
        raise ProtocolViolation("body must be a JSON object")
    allowed = {**required, **(optional or {})}
    for key, kind in required.items():
        if key not in body:
            raise ProtocolViolation(f"missing field {key!r}")
    for key, value in body.items():
        if key not in allowed:
            raise ProtocolViolation(f"unexpected field {key!r}")
        if not isinstance(value, allowed[key]):
            raise ProtocolViolation(f"field {key!r} must be {allowed[key].__name__}")
    return body


def require_flag(value: str, name: str, allowed: tuple[str, ...] = ("true", "false")) -> None:
    if value not in allowed:
        raise ProtocolViolation(f"{name} must be one of {allowed}, was {value!r}")


class Simulator:
    def __init__(self, sqs: SqsBackend, api_key: str, captcha_token: str, agent_mode: str, visibility_timeout: int):
        self.sqs = sqs
        self.api_key = api_key
        self.captcha_token = captcha_token
        self.agent_mode = agent_mode
        self.visibility_timeout = visibility_timeout
        self.lock = threading.Lock()
        self.sessions: dict[str, Session] = {}
        self.requests: list[dict] = []
        self.faults: dict[str, list[dict]] = {}
        self.screenshots: dict[str, str] = {}
        self.agents: dict[str, ScriptedAgent] = {}
        # Per-installation overrides set by tests, e.g. {"visibilityTimeout": 1}.
        self.installation_settings: dict[str, dict] = {}

    # ---- bookkeeping

    def record(self, entry: dict) -> None:
        with self.lock:
            entry["seq"] = len(self.requests)
            self.requests.append(entry)

    def take_fault(self, path: str, raw: str) -> dict | None:
        """The first fault queued for `path` whose `match` (if any) occurs in the request."""
        with self.lock:
            queue = self.faults.get(path) or []
            for fault in queue:
                if fault.get("match") and fault["match"] not in raw:
                    continue
                fault["count"] -= 1
                if fault["count"] <= 0:
                    queue.remove(fault)
                return fault
            return None

    def session(self, session_id) -> Session:
        if not isinstance(session_id, str):
            raise ProtocolViolation("chatSessionId must be a string")
        with self.lock:
            found = self.sessions.get(session_id)
        return found

    def push(self, session: Session, message: dict | str) -> str:
        body = message if isinstance(message, str) else json.dumps(message)
        return self.sqs.send(session.server_to_client["url"], body)

    def end(self, session: Session) -> None:
        session.ended = True
        agent = self.agents.pop(session.id, None)
        if agent:
            agent.stop()

    # ---- sessions

    def start(self, body: dict) -> Session:
        session_id = str(uuid.uuid4())
        name = f"mm-queue-{session_id}"
        overrides = self.installation_settings.get(body["installationId"], {})
        visibility = int(overrides.get("visibilityTimeout", self.visibility_timeout))
        session = Session(
            id=session_id,
            installation_id=body["installationId"],
            email=body["email"],
            name=body["name"],
            skill=body["skill"],
            custom_chat_info=body.get("customChatInfo") or [],
            http_session=uuid.uuid4().hex,
            server_to_client=self.sqs.create_queue(name, visibility),
            client_to_server=self.sqs.create_queue(name + "-c2s", visibility),
        )
        with self.lock:
            self.sessions[session.id] = session
        if overrides.get("agent", self.agent_mode) == "scripted":
            agent = ScriptedAgent(self, session)
            self.agents[session.id] = agent
            agent.start()
        return session


class ScriptedAgent(threading.Thread):
    """The demo's agent: greets, answers, transfers, asks for a screenshot, says goodbye."""

    def __init__(self, sim: Simulator, session: Session):
        super().__init__(daemon=True, name=f"agent-{session.id[:8]}")
        self.sim = sim
        self.session = session
        self.inbox: list[str] = []
        self.wake = threading.Condition()
        self.stopped = False

    def stop(self) -> None:
        with self.wake:
            self.stopped = True
            self.wake.notify_all()

    def heard(self, text: str) -> None:
        with self.wake:
            self.inbox.append(text)
            self.wake.notify_all()

    def say(self, message: dict, pause: float = 0.0) -> bool:
        with self.wake:
            if self.wake.wait_for(lambda: self.stopped, timeout=pause):
                return False
        self.sim.push(self.session, message)
        return True

    def reply(self, text: str) -> bool:
        return (self.say({"type": "AGENT_TYPING", "isTyping": "true"}, 0.4)
                and self.say({"type": "CHAT_TEXT", "text": text}, 1.2)
                and self.say({"type": "AGENT_TYPING", "isTyping": "false"}))

    def run(self) -> None:
        first = self.session.name.split()[0] if self.session.name.strip() else "there"
        opening = [
            ({"type": "ESTIMATED_WAIT_TIME", "estimatedWait": "about 1 minute"}, 0.3),
            ({"type": "ESTIMATED_WAIT_TIME", "estimatedWait": "less than a minute"}, 2.0),
            ({"type": "CHAT_STARTED", "agent": "Myles", "agentBase64Image": AGENTS["Myles"]}, 2.0),
        ]
        for message, pause in opening:
            if not self.say(message, pause):
                return
        self.session.agent, self.session.agent_image = "Myles", AGENTS["Myles"]
        if not self.reply(f"Hi {first}, I'm Myles. How can I help you today? "
                          "(Try asking for a transfer or a screenshot, and say bye to finish.)"):
            return
        while True:
            with self.wake:
                self.wake.wait_for(lambda: self.stopped or self.inbox)
                if self.stopped:
                    return
                text = self.inbox.pop(0)
            if not self.answer(text.lower(), text):
                return

    def answer(self, lowered: str, text: str) -> bool:
        if "bye" in lowered:
            return self.reply("Thanks for chatting with us. Have a great day!") and self.say({"type": "CHAT_ENDED"}, 0.8)
        if "transfer" in lowered:
            if not self.reply("Let me bring in a colleague who knows this best."):
                return False
            self.session.agent, self.session.agent_image = "Shawn", AGENTS["Shawn"]
            return (self.say({"type": "CHAT_TRANSFERRED", "newAgent": "Shawn", "newAgentImage": AGENTS["Shawn"]}, 1.0)
                    and self.reply("Hi, Shawn here. I've read the conversation so far. What else can I do?"))
        if "screenshot" in lowered or "screen" in lowered:
            return self.reply("Could I see your screen? I'll send a request now.") and self.say({"type": "TAKE_SCREENSHOT"}, 0.5)
        return self.reply(f"Thanks. You said: “{text}”. Let me check that for you.")


# --------------------------------------------------------------------------- HTTP


def create_app(sim: Simulator) -> Flask:
    app = Flask("xima-sim")

    def answer(status: int, body=None) -> Response:
        if body is None:
            return Response(status=status)
        if isinstance(body, (dict, list)):
            return Response(json.dumps(body), status=status, mimetype="application/json")
        return Response(body, status=status, mimetype="text/plain")

    @app.before_request
    def inject_fault():
        if request.path.startswith("/_sim"):
            return None
        raw = request.get_data().decode("utf-8", "replace") + " " + request.query_string.decode("utf-8", "replace")
        fault = sim.take_fault(request.path, raw)
        if fault is None:
            return None
        if fault.get("delay"):
            time.sleep(float(fault["delay"]))
        if fault.get("status"):
            sim.record(describe(request, status=int(fault["status"]), fault=True))
            return answer(int(fault["status"]), {"error": "injected fault"})
        return None

    def describe(req, **extra) -> dict:
        raw = req.get_data()
        entry = {
            "method": req.method,
            "path": req.path,
            "query": req.args.to_dict(),
            "contentType": req.content_type,
            "cookie": req.cookies.get(SESSION_COOKIE),
            "body": raw.decode("utf-8", "replace"),
            "at": time.time(),
        }
        entry.update(extra)
        return entry

    def handled(handler):
        """Validate, record and answer; violations become 400s tests can see."""

        def wrapper(*args, **kwargs):
            entry = describe(request)
            try:
                status, body, cookie = handler(*args, **kwargs)
            except ProtocolViolation as violation:
                entry.update(status=400, violation=str(violation))
                sim.record(entry)
                log.warning("protocol violation on %s: %s", request.path, violation)
                return answer(400, {"error": str(violation)})
            entry["status"] = status
            sim.record(entry)
            response = answer(status, body)
            if cookie:
                response.set_cookie(SESSION_COOKIE, cookie, httponly=True, path="/")
            return response

        wrapper.__name__ = handler.__name__
        return wrapper

    start_fields = {"installationId": str, "email": str, "name": str, "skill": str}
    optional_fields = {"customChatInfo": list}

    def validate_custom_info(body: dict) -> None:
        for item in body.get("customChatInfo") or []:
            if not (isinstance(item, dict) and set(item) == {"name", "value"}
                    and all(isinstance(v, str) for v in item.values())):
                raise ProtocolViolation("customChatInfo entries must be {name, value} strings")

    @app.get("/chat/queue")
    @handled
    def check_session():
        session = sim.session(request.args.get("existingChatSessionId", ""))
        if session is None or session.ended:
            return 204, None, None
        return 200, session.to_json(), session.http_session

    @app.post("/chat/queue")
    @handled
    def start_with_captcha():
        body = require_json_object(request.get_data(), {**start_fields, "recaptchaToken": str}, optional_fields)
        validate_custom_info(body)
        if body["recaptchaToken"] != sim.captcha_token:
            return 403, {"error": "captcha verification failed"}, None
        session = sim.start(body)
        return 200, session.to_json(), session.http_session

    @app.post("/chat/apiqueue")
    @handled
    def start_with_api_key():
        body = require_json_object(request.get_data(), {**start_fields, "apiKey": str}, optional_fields)
        validate_custom_info(body)
        if body["apiKey"] != sim.api_key:
            return 401, {"error": "invalid API key"}, None
        session = sim.start(body)
        return 200, session.to_json(), session.http_session

    @app.get("/chat/queue/auth")
    @handled
    def queue_auth():
        installation = request.args.get("installation-id", "")
        if not installation:
            raise ProtocolViolation("installation-id is required")
        return 200, sim.sqs.credentials_for(installation), None

    def live_session(body: dict) -> Session | None:
        session = sim.session(body["chatSessionId"])
        return None if session is None or session.ended else session

    @app.post("/chat/still-here")
    @handled
    def still_here():
        body = require_json_object(request.get_data(), {"chatSessionId": str})
        return (204 if live_session(body) else 404), None, None

    @app.post("/chat")
    @handled
    def chat_text():
        body = require_json_object(request.get_data(), {"chatSessionId": str, "message": str})
        session = live_session(body)
        if session is None:
            return 404, {"error": "no such chat"}, None
        session.user_messages.append(body["message"])
        agent = sim.agents.get(session.id)
        if agent:
            agent.heard(body["message"])
        return 204, None, None

    @app.post("/chat/focus")
    @handled
    def focus():
        body = require_json_object(request.get_data(), {"chatSessionId": str, "focused": str})
        require_flag(body["focused"], "focused", ("true",))
        return (204 if live_session(body) else 404), None, None

    @app.post("/chat/typing")
    @handled
    def typing():
        body = require_json_object(request.get_data(), {"chatSessionId": str, "typing": str})
        require_flag(body["typing"], "typing")
        return (204 if live_session(body) else 404), None, None

    @app.post("/screenshot")
    @handled
    def upload_screenshot():
        text = request.get_data().decode("ascii", "replace")
        prefix = "data:image/png;base64;"
        if not text.startswith(prefix):
            raise ProtocolViolation("screenshot body must start with " + prefix)
        try:
            png = base64.b64decode(text[len(prefix):], validate=True)
        except ValueError:
            raise ProtocolViolation("screenshot body is not valid base64") from None
        if not png.startswith(b"\x89PNG\r\n\x1a\n"):
            raise ProtocolViolation("screenshot is not a PNG")
        shot = str(uuid.uuid4())
        with sim.lock:
            sim.screenshots[shot] = text[len(prefix):]
        return 200, shot, None

    @app.post("/screenshot/notify")
    @handled
    def notify_screenshot():
        body = require_json_object(request.get_data(), {"chatSessionId": str, "status": str}, {"uuid": str})
        require_flag(body["status"], "status", ("ACCEPTED", "REJECTED"))
        if body["status"] == "ACCEPTED" and body.get("uuid") not in sim.screenshots:
            raise ProtocolViolation("ACCEPTED needs the uuid of an uploaded screenshot")
        if body["status"] == "REJECTED" and "uuid" in body:
            raise ProtocolViolation("uuid is only sent with ACCEPTED")
        return (204 if live_session(body) else 404), None, None

    @app.post("/chat/end")
    @handled
    def end_chat():
        if request.get_data():
            raise ProtocolViolation("/chat/end has no body")
        token = request.cookies.get(SESSION_COOKIE)
        with sim.lock:
            session = next((s for s in sim.sessions.values() if s.http_session == token), None)
        if session is None:
            return 400, {"error": "no chat session in this HTTP session"}, None
        sim.end(session)
        return 204, None, None

    # ---- admin: what tests and the demo use to drive and inspect the simulator

    @app.get("/_sim/health")
    def health():
        return answer(200, {"ok": True})

    @app.get("/_sim/requests")
    def list_requests():
        with sim.lock:
            entries = list(sim.requests)
        path = request.args.get("path")
        session = request.args.get("session")
        if path:
            entries = [e for e in entries if e["path"] == path]
        if session:
            entries = [e for e in entries if session in e["body"] or session in json.dumps(e["query"])]
        return answer(200, entries)

    @app.get("/_sim/sessions/<session_id>")
    def show_session(session_id):
        session = sim.session(session_id)
        if session is None:
            return answer(404, {"error": "no such session"})
        return answer(200, {**session.to_json(), "ended": session.ended, "userMessages": session.user_messages,
                            "httpSession": session.http_session,
                            "queueDepth": sim.sqs.depth(session.server_to_client["url"])})

    @app.get("/_sim/sessions")
    def list_sessions():
        installation = request.args.get("installation")
        with sim.lock:
            return answer(200, [s.id for s in sim.sessions.values()
                                if installation in (None, s.installation_id)])

    @app.post("/_sim/sessions/<session_id>/messages")
    def push_message(session_id):
        """Body: one inbound message as JSON, or {"raw": "..."} to send a body verbatim."""
        session = sim.session(session_id)
        if session is None:
            return answer(404, {"error": "no such session"})
        payload = request.get_json(force=True)
        message = payload["raw"] if isinstance(payload, dict) and "raw" in payload else payload
        if isinstance(message, dict) and message.get("type") in ("CHAT_ENDED", "FORCE_CLOSE", "MULTIMEDIA_DOWN"):
            sim.end(session)
        return answer(200, {"messageId": sim.push(session, message), "sentAt": time.time()})

    @app.post("/_sim/sessions/<session_id>/drop")
    def drop_session(session_id):
        """The cloud forgets the session without telling the client (still-here gets 404)."""
        session = sim.session(session_id)
        if session is None:
            return answer(404, {"error": "no such session"})
        sim.end(session)
        return answer(204)

    @app.post("/_sim/installations/<installation>/settings")
    def installation_settings(installation):
        with sim.lock:
            sim.installation_settings.setdefault(installation, {}).update(request.get_json(force=True))
        return answer(204)

    @app.get("/_sim/screenshots/<shot>")
    def show_screenshot(shot):
        with sim.lock:
            data = sim.screenshots.get(shot)
        return answer(404) if data is None else answer(200, data)

    @app.post("/_sim/faults")
    def add_fault():
        """Body: {"path": "/chat", "status": 500, "count": 1, "delay": 0, "match": "<session id>"}.

        `match` scopes the fault to requests whose body or query contains it, so tests
        running side by side do not take each other's faults."""
        fault = request.get_json(force=True)
        fault.setdefault("count", 1)
        with sim.lock:
            sim.faults.setdefault(fault["path"], []).append(fault)
        return answer(204)

    @app.delete("/_sim/faults")
    def clear_faults():
        with sim.lock:
            sim.faults.clear()
        return answer(204)

    @app.post("/_sim/installations/<installation>/rotate-credentials")
    def rotate_credentials(installation):
        sim.sqs.rotate(installation)
        return answer(204)

    @app.post("/_sim/installations/<installation>/deny")
    def deny_actions(installation):
        """Body: {"actions": ["sqs:DeleteMessage", ...]}; an empty list lifts the denial."""
        sim.sqs.deny(installation, request.get_json(force=True).get("actions", []))
        return answer(204)

    return app


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--sqs-endpoint", required=True)
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--api-key", default="demo-api-key")
    parser.add_argument("--captcha-token", default="demo-captcha-token")
    parser.add_argument("--agent", choices=["scripted", "manual"], default="manual")
    parser.add_argument("--visibility-timeout", type=int, default=30)
    parser.add_argument("--ready-file", help="write the bound port here once serving")
    args = parser.parse_args()

    logging.basicConfig(level=logging.INFO, format="%(asctime)s xima-sim %(levelname)s %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    sqs = SqsBackend(args.sqs_endpoint, args.region)
    sim = Simulator(sqs, args.api_key, args.captcha_token, args.agent, args.visibility_timeout)
    server = make_server(args.host, args.port, create_app(sim), threaded=True)
    port = server.server_port
    log.info("serving on http://%s:%d (agent: %s, SQS: %s)", args.host, port, args.agent, args.sqs_endpoint)
    if args.ready_file:
        with open(args.ready_file, "w") as ready:
            ready.write(str(port))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
