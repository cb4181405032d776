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

Dialects. The vendor's page is documentation, not wire truth: where it is silent or the
production server may well differ, the simulator speaks each plausible variant as a
named dialect (the DIALECTS table below), so a client can be run through a whole chat
under every one. `documented` is the page as written; every other dialect changes
exactly one thing relative to it. The dialect is chosen per installation with
`POST /_sim/installations/<id>/settings {"dialect": NAME}` (`null` goes back to the
default), else by `--dialect` (default `documented`); `GET /_sim/dialects` lists them.
A request is judged by the installation it is about: the body's or query's installation
id, else the chat it names, else the chat whose session cookie it carries (the
screenshot upload names nothing else); a request that can be tied to no installation
(e.g. a resume check for a never-issued id) gets the default dialect.

Session cookie (every dialect): the start answer sets JSESSIONID; an answer to a request
that carries the cookie of a live chat sets it again (sliding expiry, as servlet
containers do), except in `no-cookie-reissue`; a request without it never gets it.

`GET /queue/status?installation-id=` is not on the vendor's page, but public code that
ran against production calls it before queueing: it answers which skills have agents
ready, from the installation's `agentsReady` setting or `--agents-ready`.
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
from flask import Flask, Response, g, request
from werkzeug.exceptions import NotFound
from werkzeug.serving import make_server

log = logging.getLogger("xima-sim")

MOTO_ACCOUNT = "123456789012"
SESSION_COOKIE = "JSESSIONID"


def iso(at: float) -> str:
    return datetime.fromtimestamp(at, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


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
    created: float = field(default_factory=time.time)
    agent: str | None = None
    agent_image: str | None = None
    ended: bool = False
    user_messages: list = field(default_factory=list)
    # When the client last asked anything about this chat (a still-here, a line, a check).
    last_heard: float = field(default_factory=time.time)

    def queue_descriptor(self, queue: dict, kind: str) -> dict:
        return {
            "url": queue["url"],
            "arn": queue["arn"],
            "created": iso(self.created),
            "lastUsed": iso(time.time()),
            "chatQueueType": kind,
        }

    def details(self) -> dict:
        """The sessionDetails object as the vendor's page shows it."""
        return {
            "serverToClientQueue": self.queue_descriptor(self.server_to_client, "SERVERTOCLIENT"),
            "clientToServerQueue": self.queue_descriptor(self.client_to_server, "CLIENTTOSERVER"),
            "id": self.id,
            "installationId": self.installation_id,
            "email": self.email,
            "name": self.name,
            "agent": self.agent,
            "agentImage": self.agent_image,
            "skill": self.skill,
            "created": iso(self.created),
        }


# --------------------------------------------------------------------------- dialects

DIALECTS = {
    "documented": "The vendor's page as written: wrapped sessionDetails, ISO dates, region as "
                  "us-east-1, plain JSON SQS bodies, the screenshot uuid as bare text, the `;base64;` prefix.",
    "flat": "ChatSession answers are the sessionDetails object itself, without the wrapper.",
    "epoch-dates": "ChatSession dates are numbers (the session's `created` in epoch milliseconds, the "
                   "queues' `created`/`lastUsed` in epoch seconds); an absent agent/agentImage is left out.",
    "upper-region": "/chat/queue/auth answers the region as US_EAST_1 and both keys padded with white space.",
    "sns-envelope": "Inbound SQS bodies are SNS notifications with the message's JSON text in `Message`.",
    "string-body": "Inbound SQS bodies are a JSON string holding the message's JSON text.",
    "base64-body": "Inbound SQS bodies are the standard base64 of the message's JSON text.",
    "json-uuid": "POST /screenshot answers {\"uuid\": ...} as application/json.",
    "location-uuid": "POST /screenshot answers 201 without a body and Location: /screenshot/<uuid>.",
    "comma-prefix-only": "POST /screenshot refuses the page's `;base64;` prefix (400) and takes the standard `;base64,`.",
    "no-cookie-reissue": "The session cookie is set on the start answer only, never refreshed.",
    "no-status-endpoint": "GET /queue/status does not exist (404).",
    "gone-404": "The resume check for an unknown or ended chat answers 404 instead of 204.",
    "gone-null": "The resume check for an unknown or ended chat answers 200 {\"sessionDetails\": null}.",
}

SPEC_PREFIX = "data:image/png;base64;"
STANDARD_PREFIX = "data:image/png;base64,"
SNS_TOPIC = "xima-chat"


def answer(status: int, body=None, headers: dict | None = None) -> Response:
    if body is None:
        return Response(status=status, headers=headers)
    if isinstance(body, (dict, list)):
        return Response(json.dumps(body), status=status, mimetype="application/json", headers=headers)
    return Response(body, status=status, mimetype="text/plain", headers=headers)


def session_answer(session: Session, dialect: str) -> dict:
    """A ChatSession answer: wrapped or `flat`, ISO or `epoch-dates`."""
    details = session.details()
    if dialect == "epoch-dates":
        now = time.time()
        for queue in ("serverToClientQueue", "clientToServerQueue"):
            details[queue].update(created=round(session.created, 3), lastUsed=round(now, 3))
        details["created"] = round(session.created * 1000)
        details = {key: value for key, value in details.items()
                   if not (key in ("agent", "agentImage") and value is None)}
    return details if dialect == "flat" else {"sessionDetails": details}


def gone_answer(dialect: str) -> tuple[int, dict | None]:
    """The resume check's answer for a chat that is unknown or over."""
    if dialect == "gone-404":
        return 404, {"error": "no such chat"}
    if dialect == "gone-null":
        return 200, {"sessionDetails": None}
    return 204, None


def credentials_answer(keys: dict, dialect: str) -> dict:
    if dialect != "upper-region":
        return keys
    return {"sqsAccessKey": f" {keys['sqsAccessKey']} ", "sqsSecretKey": keys["sqsSecretKey"] + "\n",
            "sqsRegion": keys["sqsRegion"].upper().replace("-", "_")}


def sqs_body(text: str, dialect: str, region: str) -> str:
    """How a message's JSON text travels in the body of an SQS message."""
    if dialect == "sns-envelope":
        return json.dumps({"Type": "Notification", "MessageId": str(uuid.uuid4()),
                           "TopicArn": f"arn:aws:sns:{region}:{MOTO_ACCOUNT}:{SNS_TOPIC}",
                           "Message": text, "Timestamp": iso(time.time())})
    if dialect == "string-body":
        return json.dumps(text)
    if dialect == "base64-body":
        return base64.b64encode(text.encode()).decode()
    return text


def screenshot_answer(shot: str, dialect: str) -> Response:
    if dialect == "json-uuid":
        return answer(200, {"uuid": shot})
    if dialect == "location-uuid":
        return answer(201, None, {"Location": f"/screenshot/{shot}"})
    return answer(200, shot)


def reissues_cookie(dialect: str) -> bool:
    return dialect != "no-cookie-reissue"


def has_status_endpoint(dialect: str) -> bool:
    return dialect != "no-status-endpoint"


def check_settings(settings) -> None:
    """Refuses installation settings the simulator would trip over later."""
    if not isinstance(settings, dict):
        raise ValueError("settings must be a JSON object")
    if settings.get("dialect") not in (None, *DIALECTS):
        raise ValueError(f"unknown dialect {settings['dialect']!r}; known: {', '.join(DIALECTS)}")
    timeout = settings.get("sessionTimeout")
    if timeout is not None and not (isinstance(timeout, (int, float)) and not isinstance(timeout, bool) and timeout > 0):
        raise ValueError("sessionTimeout must be a positive number of seconds")
    ready = settings.get("agentsReady")
    if ready is not None and not (isinstance(ready, dict) and all(isinstance(v, bool) for v in ready.values())):
        raise ValueError("agentsReady must map skill names to true or false")


def parse_agents_ready(text: str) -> dict[str, bool]:
    """`Support=true,Billing=false` -> {"Support": True, "Billing": False}."""
    ready = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        skill, _, flag = item.partition("=")
        if not skill.strip() or flag.strip().lower() not in ("true", "false"):
            raise argparse.ArgumentTypeError(f"expected SKILL=true|false, got {item!r}")
        ready[skill.strip()] = flag.strip().lower() == "true"
    return ready


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
    def __init__(self, sqs: SqsBackend, api_key: str, captcha_token: str, agent_mode: str, visibility_timeout: int,
                 dialect: str = "documented", agents_ready: dict[str, bool] | None = None):
        self.sqs = sqs
        self.api_key = api_key
        self.captcha_token = captcha_token
        self.agent_mode = agent_mode
        self.visibility_timeout = visibility_timeout
        self.dialect = dialect
        self.agents_ready_default = agents_ready or {}
        self.lock = threading.Lock()
        self.sessions: dict[str, Session] = {}
        self.by_http_session: dict[str, Session] = {}
        self.requests: list[dict] = []
        self.faults: dict[str, list[dict]] = {}
        self.screenshots: dict[str, str] = {}
        self.agents: dict[str, ScriptedAgent] = {}
        # Per-installation overrides set by tests, e.g. {"visibilityTimeout": 1, "dialect": "flat"}.
        self.installation_settings: dict[str, dict] = {}

    def setting(self, installation: str | None, name: str, default):
        with self.lock:
            return self.installation_settings.get(installation or "", {}).get(name, default)

    def dialect_of(self, installation: str | None) -> str:
        return self.setting(installation, "dialect", self.dialect)

    def agents_ready(self, installation: str) -> dict[str, bool]:
        return dict(self.setting(installation, "agentsReady", self.agents_ready_default))

    def configure(self, installation: str, settings: dict) -> None:
        """Merges `settings` into the installation's; a null value drops that setting."""
        check_settings(settings)
        with self.lock:
            current = self.installation_settings.setdefault(installation, {})
            current.update(settings)
            for name in [name for name, value in current.items() if value is None]:
                del current[name]

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

    def by_cookie(self, token: str | None) -> Session | None:
        with self.lock:
            return self.by_http_session.get(token or "")

    def push(self, session: Session, message) -> str:
        """Sends one inbound message, in the body format of the installation's dialect."""
        text = json.dumps(message)
        return self.push_raw(session, sqs_body(text, self.dialect_of(session.installation_id), self.sqs.region))

    def push_raw(self, session: Session, body: str) -> str:
        return self.sqs.send(session.server_to_client["url"], body)

    def hear(self, session: Session | None) -> Session | None:
        """The client asked about `session`. With the installation's sessionTimeout set,
        a chat silent for longer has ended meanwhile, as the cloud ends one whose
        still-here stopped (a laptop asleep, a process stopped)."""
        if session is None:
            return None
        timeout = self.setting(session.installation_id, "sessionTimeout", None)
        now = time.time()
        if timeout is not None and not session.ended and now - session.last_heard > float(timeout):
            self.end(session)
        session.last_heard = now
        return session

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
            self.by_http_session[session.http_session] = session
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

    @app.before_request
    def inject_fault():
        if request.path.startswith("/_sim"):
            return None
        # `match` may name the session, the installation or the HTTP session cookie; a
        # request that names neither (a screenshot's body is the image alone) is known by
        # the chat its cookie belongs to.
        cookie = request.cookies.get(SESSION_COOKIE) or ""
        known = sim.by_cookie(cookie)
        raw = " ".join([request.get_data().decode("utf-8", "replace"), request.query_string.decode("utf-8", "replace"),
                        cookie] + ([known.id, known.installation_id] if known else []))
        fault = sim.take_fault(request.path, raw)
        if fault is None:
            return None
        if "answerBody" in fault or "delayAfter" in fault:
            # Applied once the handler has run: the cloud did the work, the answer goes wrong.
            g.after_fault = fault
            return None
        if fault.get("delay"):
            time.sleep(float(fault["delay"]))
        if fault.get("status"):
            sim.record(describe(request, status=int(fault["status"]), fault=True, setCookie=False))
            # `headers`, e.g. a redirect's Location.
            return answer(int(fault["status"]), {"error": "injected fault"}, headers=fault.get("headers"))
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

    def with_cookie(response: Response, session: Session) -> Response:
        response.set_cookie(SESSION_COOKIE, session.http_session, httponly=True, path="/")
        return response

    def sets_cookie(response: Response) -> bool:
        return any(value.startswith(SESSION_COOKIE + "=") for value in response.headers.getlist("Set-Cookie"))

    def cookie_session() -> Session | None:
        """The chat whose session cookie this request carries, if any."""
        return sim.by_cookie(request.cookies.get(SESSION_COOKIE))

    def refresh_cookie(response: Response) -> None:
        """Sliding expiry: a request carrying a live chat's cookie gets it set again."""
        session = cookie_session()
        if (session and not session.ended and not sets_cookie(response)
                and reissues_cookie(sim.dialect_of(session.installation_id))):
            with_cookie(response, session)

    def handled(handler):
        """Validate, record and answer; violations become 400s tests can see. A handler
        returns (status, body) or a whole Response."""

        def wrapper(*args, **kwargs):
            entry = describe(request)
            try:
                reply = handler(*args, **kwargs)
            except ProtocolViolation as violation:
                entry["violation"] = str(violation)
                log.warning("protocol violation on %s: %s", request.path, violation)
                reply = 400, {"error": str(violation)}
            response = reply if isinstance(reply, Response) else answer(*reply)
            refresh_cookie(response)
            after = g.pop("after_fault", None)
            if after is not None:
                entry["fault"] = True
                if "answerBody" in after:
                    response.set_data(after["answerBody"])
                if after.get("delayAfter"):
                    time.sleep(float(after["delayAfter"]))
            entry.update(status=response.status_code, setCookie=sets_cookie(response))
            sim.record(entry)
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
        session = sim.hear(sim.session(request.args.get("existingChatSessionId", "")))
        if session is None or session.ended:
            return gone_answer(sim.dialect_of(session and session.installation_id))
        return 200, session_answer(session, sim.dialect_of(session.installation_id))

    def started(body: dict) -> Response:
        session = sim.start(body)
        return with_cookie(answer(200, session_answer(session, sim.dialect_of(session.installation_id))), session)

    @app.post("/chat/queue")
    @handled
    def start_with_captcha():
        body = require_json_object(request.get_data(), {**start_fields, "recaptchaToken": str}, optional_fields)
        validate_custom_info(body)
        if body["recaptchaToken"] != sim.captcha_token:
            return 403, {"error": "captcha verification failed"}
        return started(body)

    @app.post("/chat/apiqueue")
    @handled
    def start_with_api_key():
        body = require_json_object(request.get_data(), {**start_fields, "apiKey": str}, optional_fields)
        validate_custom_info(body)
        if body["apiKey"] != sim.api_key:
            return 401, {"error": "invalid API key"}
        return started(body)

    @app.get("/chat/queue/auth")
    @handled
    def queue_auth():
        installation = request.args.get("installation-id", "")
        if not installation:
            raise ProtocolViolation("installation-id is required")
        return 200, credentials_answer(sim.sqs.credentials_for(installation), sim.dialect_of(installation))

    @app.get("/queue/status")
    @handled
    def queue_status():
        """Not on the vendor's page; production answers it (see the module docstring)."""
        installation = request.args.get("installation-id", "")
        if not has_status_endpoint(sim.dialect_of(installation)):
            return Response(NotFound().get_body(), status=404, mimetype="text/html")  # as for any unknown path
        if not installation:
            raise ProtocolViolation("installation-id is required")
        return 200, {skill: {"thereAreAgentsReady": ready} for skill, ready in sim.agents_ready(installation).items()}

    def live_session(body: dict) -> Session | None:
        session = sim.hear(sim.session(body["chatSessionId"]))
        return None if session is None or session.ended else session

    @app.post("/chat/still-here")
    @handled
    def still_here():
        body = require_json_object(request.get_data(), {"chatSessionId": str})
        return (204 if live_session(body) else 404), None

    @app.post("/chat")
    @handled
    def chat_text():
        body = require_json_object(request.get_data(), {"chatSessionId": str, "message": str})
        session = live_session(body)
        if session is None:
            return 404, {"error": "no such chat"}
        session.user_messages.append(body["message"])
        agent = sim.agents.get(session.id)
        if agent:
            agent.heard(body["message"])
        return 204, None

    @app.post("/chat/focus")
    @handled
    def focus():
        body = require_json_object(request.get_data(), {"chatSessionId": str, "focused": str})
        require_flag(body["focused"], "focused", ("true",))
        return (204 if live_session(body) else 404), None

    @app.post("/chat/typing")
    @handled
    def typing():
        body = require_json_object(request.get_data(), {"chatSessionId": str, "typing": str})
        require_flag(body["typing"], "typing")
        return (204 if live_session(body) else 404), None

    @app.post("/screenshot")
    @handled
    def upload_screenshot():
        text = request.get_data().decode("ascii", "replace")
        session = cookie_session()
        dialect = sim.dialect_of(session and session.installation_id)
        prefix = STANDARD_PREFIX if dialect == "comma-prefix-only" else SPEC_PREFIX
        if dialect == "comma-prefix-only" and text.startswith(SPEC_PREFIX):
            return 400, {"error": f"not a data URI: expected {STANDARD_PREFIX}<base64>"}
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
        return screenshot_answer(shot, dialect)

    @app.post("/screenshot/notify")
    @handled
    def notify_screenshot():
        body = require_json_object(request.get_data(), {"chatSessionId": str, "status": str}, {"uuid": str})
        require_flag(body["status"], "status", ("ACCEPTED", "REJECTED"))
        if body["status"] == "ACCEPTED" and body.get("uuid") not in sim.screenshots:
            raise ProtocolViolation("ACCEPTED needs the uuid of an uploaded screenshot")
        if body["status"] == "REJECTED" and "uuid" in body:
            raise ProtocolViolation("uuid is only sent with ACCEPTED")
        return (204 if live_session(body) else 404), None

    @app.post("/chat/end")
    @handled
    def end_chat():
        if request.get_data():
            raise ProtocolViolation("/chat/end has no body")
        session = cookie_session()
        if session is None:
            return 400, {"error": "no chat session in this HTTP session"}
        sim.end(session)
        return 204, None

    # ---- admin: what tests and the demo use to drive and inspect the simulator

    @app.get("/_sim/health")
    def health():
        return answer(200, {"ok": True})

    @app.get("/_sim/dialects")
    def list_dialects():
        return answer(200, list(DIALECTS))

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
        return answer(200, {"sessionDetails": session.details(), "ended": session.ended,
                            "userMessages": session.user_messages, "httpSession": session.http_session,
                            "dialect": sim.dialect_of(session.installation_id),
                            "queueDepth": sim.sqs.depth(session.server_to_client["url"])})

    @app.get("/_sim/sessions")
    def list_sessions():
        installation = request.args.get("installation")
        with sim.lock:
            return answer(200, [s.id for s in sim.sessions.values()
                                if installation in (None, s.installation_id)])

    @app.post("/_sim/sessions/<session_id>/messages")
    def push_message(session_id):
        """Body: one inbound message as JSON, sent in the dialect's body format, or
        {"raw": "..."} to send a body verbatim in every dialect."""
        session = sim.session(session_id)
        if session is None:
            return answer(404, {"error": "no such session"})
        payload = request.get_json(force=True)
        if isinstance(payload, dict) and "raw" in payload:
            raw = payload["raw"]
            message_id = sim.push_raw(session, raw if isinstance(raw, str) else json.dumps(raw))
        else:
            if isinstance(payload, dict) and payload.get("type") in ("CHAT_ENDED", "FORCE_CLOSE", "MULTIMEDIA_DOWN"):
                sim.end(session)
            message_id = sim.push(session, payload)
        return answer(200, {"messageId": message_id, "sentAt": time.time()})

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
        """Merges e.g. {"dialect": "flat", "agentsReady": {"Support": true}, "visibilityTimeout": 1,
        "agent": "scripted"}; null drops a setting. An unknown dialect is refused with 400."""
        try:
            sim.configure(installation, request.get_json(force=True))
        except ValueError as error:
            return answer(400, {"error": str(error)})
        return answer(204)

    @app.get("/_sim/screenshots/<shot>")
    def show_screenshot(shot):
        with sim.lock:
            data = sim.screenshots.get(shot)
        return answer(404) if data is None else answer(200, data)

    @app.post("/_sim/faults")
    def add_fault():
        """Body: {"path": "/chat", "status": 500, "count": 1, "delay": 0, "match": "<session id>"}.

        `status` and `delay` act before the request is handled. `answerBody` (text that
        replaces the answer's body) and `delayAfter` (seconds) act after it was handled:
        the cloud did the work, but its answer is unreadable or late.

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
    parser.add_argument("--dialect", choices=list(DIALECTS), default="documented",
                        help="for installations without a dialect setting (see GET /_sim/dialects)")
    parser.add_argument("--agents-ready", type=parse_agents_ready, default={}, metavar="SKILL=BOOL,...",
                        help="GET /queue/status for installations without an agentsReady setting, "
                             "e.g. Support=true,Billing=false")
    parser.add_argument("--ready-file", help="write the bound port here once serving")
    args = parser.parse_args()

    logging.basicConfig(level=logging.INFO, format="%(asctime)s xima-sim %(levelname)s %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    sqs = SqsBackend(args.sqs_endpoint, args.region)
    sim = Simulator(sqs, args.api_key, args.captcha_token, args.agent, args.visibility_timeout,
                    args.dialect, args.agents_ready)
    server = make_server(args.host, args.port, create_app(sim), threaded=True)
    port = server.server_port
    log.info("serving on http://%s:%d (agent: %s, dialect: %s, SQS: %s)",
             args.host, port, args.agent, args.dialect, args.sqs_endpoint)
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
