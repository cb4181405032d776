"""A managed corporate network on loopback, for tests of how the app copes with a private
CA, TLS inspection and an authenticating proxy. All on 127.0.0.1; all files in one
temporary directory, removed at exit.

- "Xima Test Corporate Root", a private root that only `bundle.pem` (system bundle + that
  root) holds: the app gets the bundle through SSL_CERT_FILE;
- a TLS front per backend (name -> plain-http port of the simulator or moto), its leaf
  signed by that root; and one for rogue.xima.test signed by an untrusted "Contoso
  Inspection CA" (a TLS-inspecting proxy whose root the OS does not hold);
- the corporate proxy: CONNECT with Basic auth, the only route to the `.test` names (no
  resolver answers them); blocked.xima.test gets 403, unknown names 502; GET /proxy.pac
  and GET /_log (the CONNECTs it saw, as JSON) need no auth;
- a proxy offering only NTLM and Negotiate, and a dead proxy address.

    with running_network({"cloud.xima.test": sim_port, "sqs.xima.test": moto_port}) as net:
        env = os.environ | net.env()    # SSL_CERT_FILE, XIMA_TEST_PROXY, XIMA_TEST_TLS_CLOUD...

    python tests/harness/network.py --backend cloud.xima.test=PORT [--backend ...] -- COMMAND [ARGS...]

env() sets no HTTPS_PROXY or the like: each test says how the app is to meet the proxy.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import logging
import os
import secrets
import selectors
import shutil
import signal
import socket
import socketserver
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Iterator

from ports import free_port

PROXY_USER = "corp-user"
PROXY_PASSWORD = "s3cret pass:word"  # a space and a colon, so clients must encode it right
BLOCKED = "blocked.xima.test"
ROGUE = "rogue.xima.test"
SYSTEM_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
_log = logging.getLogger(__name__)  # handler failures go here (debug), never to stderr


# --- certificates, made with the openssl tool -------------------------------------------

_CONFIG = "[req]\ndistinguished_name = dn\n[dn]\n[ext]\n"
_CA_EXT = "basicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,cRLSign\n" \
          "subjectKeyIdentifier = hash\n"
_LEAF_EXT = "basicConstraints = CA:FALSE\nkeyUsage = critical,digitalSignature\n" \
            "extendedKeyUsage = serverAuth\nsubjectKeyIdentifier = hash\n" \
            "authorityKeyIdentifier = keyid\nsubjectAltName = {sans}\n"


def _openssl(workdir: Path, *args: str) -> None:
    # Our own -config/-extfile everywhere, so the system openssl.cnf adds nothing.
    done = subprocess.run(["openssl", *args], cwd=workdir, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"openssl {args[0]} failed: {done.stderr.strip()}")


def _key_and_config(workdir: Path, stem: str, ext: str) -> tuple[str, str]:
    (workdir / f"{stem}.cnf").write_text(_CONFIG + ext)
    _openssl(workdir, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
              "-out", f"{stem}.key")
    return f"{stem}.key", f"{stem}.cnf"


def _make_ca(workdir: Path, stem: str, subject: str) -> tuple[Path, Path]:
    """A self-signed root; returns (certificate, key)."""
    key, config = _key_and_config(workdir, stem, _CA_EXT)
    _openssl(workdir, "req", "-x509", "-new", "-key", key, "-subj", subject, "-days", "3",
             "-config", config, "-extensions", "ext", "-out", f"{stem}.pem")
    return workdir / f"{stem}.pem", workdir / key


def _make_leaf(workdir: Path, stem: str, ca: tuple[Path, Path], names: list[str]) -> ssl.SSLContext:
    """A server certificate for `names` signed by `ca`, loaded into a server context."""
    sans = ",".join(f"DNS:{name}" for name in names)
    key, config = _key_and_config(workdir, stem, _LEAF_EXT.format(sans=sans))
    _openssl(workdir, "req", "-new", "-key", key, "-subj", f"/CN={names[0]}", "-config", config,
             "-out", f"{stem}.csr")
    _openssl(workdir, "x509", "-req", "-in", f"{stem}.csr", "-CA", str(ca[0]), "-CAkey", str(ca[1]),
             "-set_serial", str(secrets.randbits(63)), "-days", "3",
             "-extfile", config, "-extensions", "ext", "-out", f"{stem}.pem")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(workdir / f"{stem}.pem", workdir / key)
    return context


# --- servers ------------------------------------------------------------------------------

class _Server(socketserver.ThreadingTCPServer):
    """A threaded loopback server whose connections end when it stops: handlers register
    their sockets, and close() shuts them down, which wakes any blocked read or write."""
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False  # close() joins the handlers itself, with a time limit

    def __init__(self, handler: type, **attributes):
        super().__init__(("127.0.0.1", free_port()), handler)
        self.__dict__.update(attributes)
        self.port = self.server_address[1]
        self._lock = threading.Lock()
        self._live: dict[socket.socket, threading.Thread] = {}
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()

    def enter(self, sock: socket.socket) -> None:
        with self._lock:
            self._live[sock] = threading.current_thread()

    def leave(self, sock: socket.socket) -> None:
        with self._lock:
            self._live.pop(sock, None)

    def handle_error(self, request, client_address) -> None:
        _log.debug("connection from %s failed", client_address, exc_info=True)

    def close(self) -> None:
        self.shutdown()
        self.server_close()
        with self._lock:
            live = dict(self._live)
        for sock in live:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        deadline = time.monotonic() + 2
        for thread in set(live.values()):
            thread.join(max(0.0, deadline - time.monotonic()))


class _Handler(socketserver.BaseRequestHandler):
    def setup(self) -> None:
        self.control = self.request.dup()  # still a plain socket after TLS wraps the request
        self.server.enter(self.control)
        self.request.settimeout(10)  # for a client that connects and never speaks

    def finish(self) -> None:
        self.server.leave(self.control)
        self.control.close()

    def connect(self, port: int) -> socket.socket:
        upstream = socket.create_connection(("127.0.0.1", port), timeout=5)
        upstream.settimeout(None)
        self.server.enter(upstream)
        return upstream


def _recv(sock: socket.socket) -> bytes:
    data = sock.recv(65536)
    # TLS may have decrypted more than one recv returned; select() would not see it.
    while data and isinstance(sock, ssl.SSLSocket) and sock.pending():
        data += sock.recv(65536)
    return data


def _relay(a: socket.socket, b: socket.socket) -> None:
    """Copies bytes both ways until either side closes or fails. One thread: an SSL
    socket must not be read and written from two threads at once."""
    peer = {a: b, b: a}
    with selectors.DefaultSelector() as selector, contextlib.suppress(OSError):
        for sock in peer:
            sock.settimeout(None)
            selector.register(sock, selectors.EVENT_READ)
        while True:
            for key, _ in selector.select():
                data = _recv(key.fileobj)
                if not data:
                    return
                peer[key.fileobj].sendall(data)


class _TlsFront(_Handler):
    """Terminates TLS with the server's certificate; relays plain bytes to its backend."""

    def handle(self) -> None:
        try:
            tls = self.server.context.wrap_socket(self.request, server_side=True)
        except OSError:  # the client rejected the certificate or went away: expected
            return
        try:
            with self.connect(self.server.backend) as backend:
                _relay(tls, backend)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):  # close_notify, so clients see a clean end
                tls.settimeout(0.5)
                tls.unwrap()
            tls.close()


def _read_head(sock: socket.socket) -> tuple[str, dict[str, str], bytes]:
    """Request line, headers (names lower-cased) and any bytes sent after the head."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk or len(data) > 65536:
            raise ValueError("no complete request head")
        data += chunk
    head, _, early = data.partition(b"\r\n\r\n")
    line, *fields = head.decode("latin-1").split("\r\n")
    headers = {name.strip().lower(): value.strip()
               for name, sep, value in (f.partition(":") for f in fields) if sep}
    return line, headers, early


def _basic_ok(authorization: str) -> bool:
    scheme, _, token = authorization.partition(" ")
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode()
    except ValueError:  # also binascii.Error and UnicodeDecodeError
        return False
    return scheme.lower() == "basic" and decoded == f"{PROXY_USER}:{PROXY_PASSWORD}"


class _Proxy(_Handler):
    """An HTTP CONNECT proxy; the server's `challenges`, `accepts` and `routes` say which
    proxy it is. Also GET /proxy.pac and GET /_log, without auth."""

    def handle(self) -> None:
        try:
            line, headers, early = _read_head(self.request)
            method, target, _ = line.split(" ", 2)
        except (OSError, ValueError):
            return
        if method == "GET" and target == "/proxy.pac":
            pac = ('function FindProxyForURL(url, host) { if (dnsDomainIs(host, ".xima.test")) '
                   f'return "PROXY 127.0.0.1:{self.server.port}"; return "DIRECT"; }}\n')
            self.reply(200, pac.encode(), [("Content-Type", "application/x-ns-proxy-autoconfig")])
        elif method == "GET" and target == "/_log":
            self.reply(200, json.dumps(self.server.log()).encode(), [("Content-Type", "application/json")])
        elif method == "CONNECT":
            self.tunnel(target, headers.get("proxy-authorization", ""), early)
        else:
            self.reply(405)

    def tunnel(self, target: str, authorization: str, early: bytes) -> None:
        host = (target.rpartition(":")[0] or target).strip("[]").lower()  # any port will do
        port = self.server.routes.get(host)
        if not self.server.accepts(authorization):
            status = 407
        elif host == BLOCKED:
            status = 403  # refused by policy
        else:
            status = 200 if port else 502
        try:
            upstream = self.connect(port) if status == 200 else None
        except OSError:
            status = 502
        self.server.record(host, status)
        if status != 200:
            challenges = [("Proxy-Authenticate", challenge) for challenge in self.server.challenges]
            return self.reply(status, headers=challenges if status == 407 else ())
        with upstream, contextlib.suppress(OSError):
            self.request.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            upstream.sendall(early)
            _relay(self.request, upstream)

    def reply(self, status: int, body: bytes = b"", headers: list[tuple[str, str]] | tuple = ()) -> None:
        head = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}", *(f"{k}: {v}" for k, v in headers),
                f"Content-Length: {len(body)}", "Connection: close", "", ""]
        with contextlib.suppress(OSError):
            self.request.sendall("\r\n".join(head).encode() + body)


class _ProxyServer(_Server):
    def __init__(self, **attributes):
        self._entries: list[dict] = []  # before serving starts
        super().__init__(_Proxy, **attributes)

    def record(self, host: str, status: int) -> None:
        with self._lock:
            self._entries.append({"host": host, "status": status})

    def log(self) -> list[dict]:
        with self._lock:
            return [dict(entry) for entry in self._entries]


# --- the network --------------------------------------------------------------------------

@dataclass
class Network:
    ca_bundle: str
    ca_cert: str
    proxy_url: str
    ntlm_proxy_url: str
    dead_proxy_url: str
    pac_url: str
    urls: dict[str, str]
    proxy_user: str = PROXY_USER
    proxy_password: str = PROXY_PASSWORD
    _proxy: _ProxyServer | None = field(default=None, repr=False)

    def proxy_log(self) -> list[dict]:
        """What the corporate proxy saw: [{"host": ..., "status": 407|403|502|200}, ...]."""
        return self._proxy.log()

    def env(self) -> dict[str, str]:
        env = {"SSL_CERT_FILE": self.ca_bundle, "XIMA_TEST_CA_BUNDLE": self.ca_bundle,
               "XIMA_TEST_PROXY": self.proxy_url, "XIMA_TEST_PROXY_USER": self.proxy_user,
               "XIMA_TEST_PROXY_PASSWORD": self.proxy_password, "XIMA_TEST_NTLM_PROXY": self.ntlm_proxy_url,
               "XIMA_TEST_DEAD_PROXY": self.dead_proxy_url, "XIMA_TEST_PAC_URL": self.pac_url}
        for name, url in self.urls.items():
            label = "".join(c if c.isalnum() else "_" for c in name.split(".")[0].upper())
            env[f"XIMA_TEST_TLS_{label}"] = url
        return env


@contextlib.contextmanager
def running_network(backends: dict[str, int]) -> Iterator[Network]:
    """Starts the CAs, TLS fronts and proxies for `backends` (name -> loopback http port);
    yields the Network; stops everything and removes its files."""
    if not backends:
        raise ValueError("give at least one backend")
    workdir = Path(tempfile.mkdtemp(prefix="xima-network-"))
    servers: list[_Server] = []
    try:
        root = _make_ca(workdir, "corporate-root", "/O=Xima Test Corp/CN=Xima Test Corporate Root")
        inspection = _make_ca(workdir, "contoso", "/O=Contoso/CN=Contoso Inspection CA")
        services = _make_leaf(workdir, "services", root, list(backends))
        rogue = _make_leaf(workdir, "rogue", inspection, [ROGUE])
        system = SYSTEM_BUNDLE.read_bytes().rstrip() + b"\n" if SYSTEM_BUNDLE.exists() else b""
        bundle = workdir / "bundle.pem"
        bundle.write_bytes(system + root[0].read_bytes())  # the Contoso root stays out

        routes: dict[str, int] = {}
        for name, port in [*backends.items(), (ROGUE, next(iter(backends.values())))]:
            servers.append(_Server(_TlsFront, context=rogue if name == ROGUE else services, backend=port))
            routes[name.lower()] = servers[-1].port
        corporate = _ProxyServer(routes=routes, accepts=_basic_ok,
                                 challenges=['Basic realm="Xima Test Corp"'])
        servers.append(corporate)
        ntlm = _ProxyServer(routes={}, accepts=lambda _: False, challenges=["NTLM", "Negotiate"])
        servers.append(ntlm)
        proxy_url = f"http://127.0.0.1:{corporate.port}"
        yield Network(ca_bundle=str(bundle), ca_cert=str(root[0]), proxy_url=proxy_url,
                      ntlm_proxy_url=f"http://127.0.0.1:{ntlm.port}",
                      dead_proxy_url=f"http://127.0.0.1:{free_port()}",  # nothing listens there
                      pac_url=f"{proxy_url}/proxy.pac",
                      urls={name: f"https://{name}" for name in routes}, _proxy=corporate)
    finally:
        for server in reversed(servers):
            server.close()
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", action="append", required=True, metavar="NAME=PORT",
                        help="a name the proxy routes, and the loopback http port behind it")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give a command to run after --")
    backends = {}
    for item in args.backend:
        name, _, port = item.partition("=")
        if not name or not port.isdigit():
            parser.error(f"--backend wants NAME=PORT, not {item!r}")
        backends[name] = int(port)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        with running_network(backends) as network:
            print(f"network: proxy {network.proxy_url}, CA bundle {network.ca_bundle}",
                  file=sys.stderr, flush=True)
            return subprocess.call(command, env=os.environ | network.env())
    except RuntimeError as failure:  # openssl failed: say how, without a traceback
        raise SystemExit(str(failure)) from None


if __name__ == "__main__":
    sys.exit(main())
