#!/usr/bin/env python3
"""Real servers for leadroute's integration tests, all on 127.0.0.1.

Each server runs in its own process group under its own temporary directory,
on free ports, and is always stopped by close() / the with-block / atexit /
SIGTERM (and, when started from the main thread, when the test process dies:
PR_SET_PDEATHSIG). Several instances can run at once.

  Dovecot   dovecot -F with a generated config: passwd-file user (leads /
            secret), Maildir, LOGIN and AUTHENTICATE PLAIN without TLS,
            IDLE (notify interval 1 s), MOVE, keywords, an imap listener
            (.port) and an imaps listener (.tls_port) with a self-signed
            certificate (.cert_path). stop()/start()/restart() keep the ports
            and the mail.
  SmtpSink  aiosmtpd (python3-aiosmtpd) storing every accepted message;
            replies can be scripted (451 for the next N, 550 for a recipient).
  HttpSink  threaded http.server recording every request; replies can be
            scripted (429 + Retry-After, 500, delays, dropped connections).

The two sinks are child processes of this file ("smtp-child DIR", "http-child
DIR"), so their state lives in files any test (Python, shell, C) can use:

  DIR/port            the port, written once listening
  DIR/script.json     {"queue": [ENTRY...], "default": ENTRY}; the first queue
                      entry that matches a request answers it; an entry with
                      "times": N is used N times, then dropped (no "times":
                      forever). Replace the file atomically (script()).
  SMTP: DIR/messages/NNNNNN.eml + NNNNNN.json (envelope; the .json appears
        last, before the client sees 250); DIR/transcript.jsonl: every
        MAIL/RCPT/DATA/AUTH with the reply given.
        ENTRY: {"on": "MAIL"|"RCPT"|"DATA", "reply": "451 4.3.0 try later",
                "rcpt": "addr" (RCPT: this recipient; DATA: any recipient),
                "from": "addr", "times": N, "disconnect": true}
  HTTP: DIR/requests.jsonl, one JSON object per request, written before the
        reply is sent.
        ENTRY: {"status": 429, "headers": {"Retry-After": "1"}, "body": "..",
                "method": "POST", "path": "/prefix", "times": N,
                "delay": seconds, "close": true (drop without replying)}

CLI: servers.py up     start all three, print their ports as shell
                       variables, wait until SIGINT/SIGTERM.
     servers.py check  say what is missing; exit 0, or 77 (1 when $CI is set).
"""

import atexit
import base64
import email
import email.policy
import fcntl
import imaplib
import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from collections import namedtuple

HOST = "127.0.0.1"
START_TIMEOUT = 10.0  # seconds to wait for a server to listen
STOP_TIMEOUT = 5.0  # seconds between SIGTERM and SIGKILL
DOVECOT_STOP_GRACE = 1.5  # Dovecot's own shutdown takes 1.1 s
HERE = os.path.dirname(os.path.abspath(__file__))
SBIN_PATH = os.pathsep.join(
    [os.environ.get("PATH", ""), "/usr/sbin", "/sbin", "/usr/local/sbin"])


class Missing(Exception):
    """Something the harness needs is not installed (the message says what)."""


class ServerError(Exception):
    """A server failed to start or misbehaved (the message has its log tail)."""


# --- processes --------------------------------------------------------------

_live = set()  # servers to stop at exit
_live_lock = threading.Lock()


def _stop_all():
    with _live_lock:
        servers = list(_live)
    for server in servers:
        try:
            server.close()
        except Exception as e:  # keep stopping the others
            print("servers: stopping %r: %s" % (server, e), file=sys.stderr)


atexit.register(_stop_all)


def _on_sigterm(signum, frame):
    raise SystemExit(128 + signum)


def _register(server):
    """Remember SERVER for atexit, and make SIGTERM run the cleanups."""
    with _live_lock:
        _live.add(server)
    if threading.current_thread() is threading.main_thread() and \
            signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _on_sigterm)


def _unregister(server):
    with _live_lock:
        _live.discard(server)


def _pdeathsig():
    """In the child: get SIGTERM when the parent thread dies."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def _spawn(argv, log_path, env=None):
    """Start ARGV in a new session (own process group), output to LOG_PATH."""
    # PDEATHSIG follows the *thread* that forked: only use it from the main one.
    main = threading.current_thread() is threading.main_thread()
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env,
            start_new_session=True, close_fds=True,
            preexec_fn=_pdeathsig if main else None)


def _group_alive(pgid):
    """Whether a process of group PGID still runs (zombies do not count:
    orphans wait for init to reap them, which can take seconds)."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    if not os.path.isdir("/proc/self"):
        return True
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % pid, "rb") as f:
                stat = f.read()
        except OSError:
            continue
        # pid (comm) state ppid pgrp ...; comm may hold spaces and parens
        fields = stat[stat.rindex(b")") + 2:].split()
        if int(fields[2]) == pgid and fields[0] not in (b"Z", b"X"):
            return True
    return False


def _kill_group(proc, timeout=STOP_TIMEOUT, leader_only=False):
    """SIGTERM PROC (its whole process group unless LEADER_ONLY), wait up to
    TIMEOUT for it, then SIGKILL the group and wait until all of it is gone."""
    if proc is None:
        return
    pgid = proc.pid  # start_new_session: the group is the leader's pid
    try:
        if timeout > 0:
            (os.kill if leader_only else os.killpg)(pgid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()
    deadline = time.monotonic() + STOP_TIMEOUT
    while _group_alive(pgid) and time.monotonic() < deadline:
        time.sleep(0.01)


def free_port():
    """A port on 127.0.0.1 free right now (bind to 0, read it, close)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _tail(path, lines=30):
    try:
        with open(path, "rb") as f:
            return b"".join(f.readlines()[-lines:]).decode("utf-8", "replace")
    except OSError:
        return "(no log at %s)" % path


def _wait_port(port, proc, log_path, timeout=START_TIMEOUT, greeting=None):
    """Wait until PORT accepts a connection (and sends GREETING when given)."""
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise ServerError("exited with %s before listening on %d:\n%s" % (
                proc.returncode, port, _tail(log_path)))
        try:
            with socket.create_connection((HOST, port), timeout=1) as s:
                if greeting is None or s.recv(256).startswith(greeting):
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise ServerError("nothing listening on %d after %gs:\n%s" % (
                port, timeout, _tail(log_path)))
        time.sleep(0.02)


def _wait_file(path, proc, log_path, timeout=START_TIMEOUT):
    """Wait until the child PROC has written PATH; return its contents."""
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        if proc.poll() is not None:
            raise ServerError("exited with %s at start:\n%s" % (
                proc.returncode, _tail(log_path)))
        if time.monotonic() > deadline:
            raise ServerError("not ready after %gs:\n%s" % (
                timeout, _tail(log_path)))
        time.sleep(0.02)
    with open(path) as f:
        return f.read()


def _mkdtemp(prefix):
    """A private temporary directory, short enough for unix socket paths,
    marked with our pid; leftovers of killed (SIGKILL) runs are removed."""
    base = os.environ.get("TMPDIR") or "/tmp"
    if len(base) > 40:  # sun_path is 108 bytes; Dovecot nests a few levels
        base = "/tmp"
    _sweep(base)
    path = tempfile.mkdtemp(prefix=prefix, dir=base)
    with open(os.path.join(path, "owner.pid"), "w") as f:
        f.write("%d\n" % os.getpid())
    return path


def _sweep(base):
    """Remove BASE/lr-* directories of ours whose owner process is gone."""
    try:
        names = [n for n in os.listdir(base) if n.startswith("lr-")]
    except OSError:
        return
    for name in names:
        path = os.path.join(base, name)
        try:
            if os.stat(path).st_uid != os.getuid():
                continue
            with open(os.path.join(path, "owner.pid")) as f:
                os.kill(int(f.read()), 0)
        except ProcessLookupError:
            shutil.rmtree(path, ignore_errors=True)
        except (OSError, ValueError):
            continue


def _keep_tmp():
    return bool(os.environ.get("LEADROUTE_KEEP_TMP"))


def _write_atomic(path, data):
    tmp = "%s.tmp%d" % (path, os.getpid())
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, path)


def _read_jsonl(path):
    """Every complete JSON line of PATH (a half-written last line is skipped)."""
    out = []
    try:
        with open(path, "rb") as f:
            for line in f:
                if line.endswith(b"\n"):
                    out.append(json.loads(line))
    except FileNotFoundError:
        pass
    return out


def _append_jsonl(path, obj):
    line = (json.dumps(obj, sort_keys=True) + "\n").encode()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


# --- scripted replies (shared by the sinks and their children) --------------

class _Script:
    """DIR/script.json under DIR/script.lock: a queue of scripted replies."""

    def __init__(self, directory):
        self.path = os.path.join(directory, "script.json")
        self.lock_path = os.path.join(directory, "script.lock")

    def _locked(self):
        f = open(self.lock_path, "a")
        fcntl.flock(f, fcntl.LOCK_EX)
        return f  # closing it unlocks

    def _load(self):
        try:
            with open(self.path) as f:
                return json.load(f)
        except FileNotFoundError:
            return {"queue": [], "default": None}

    def set(self, queue, default=None):
        with self._locked():
            _write_atomic(self.path, json.dumps(
                {"queue": list(queue), "default": default}).encode())

    def get(self):
        with self._locked():
            return self._load()

    def take(self, match):
        """The first entry MATCH accepts (its times used once), else default."""
        with self._locked():
            script = self._load()
            queue = script.get("queue") or []
            for i, entry in enumerate(queue):
                if not match(entry):
                    continue
                if "times" in entry:
                    entry["times"] -= 1
                    if entry["times"] <= 0:
                        del queue[i]
                    _write_atomic(self.path, json.dumps(script).encode())
                return entry
            return script.get("default")


class _Sink:
    """A child process of this file serving from its own directory."""

    kind = None  # "smtp" or "http"

    def __init__(self):
        self.dir = None
        self.port = None
        self.proc = None
        self.log_path = None

    def _python(self):
        return sys.executable

    def start(self):
        if self.proc is not None:
            return self
        python = self._python()
        self.dir = _mkdtemp("lr-%s-" % self.kind)
        self.log_path = os.path.join(self.dir, "server.log")
        self._prepare()
        _register(self)
        self.proc = _spawn([python, os.path.abspath(__file__),
                            self.kind + "-child", self.dir] + self._args(),
                           self.log_path)
        port_file = os.path.join(self.dir, "port")
        self.port = int(_wait_file(port_file, self.proc, self.log_path))
        _wait_port(self.port, self.proc, self.log_path)
        return self

    def _prepare(self):
        pass

    def _args(self):
        return []

    def stop(self):
        _kill_group(self.proc)
        self.proc = None

    def close(self):
        """Stop the server and remove its directory (kept: LEADROUTE_KEEP_TMP)."""
        self.stop()
        _unregister(self)
        if self.dir and not _keep_tmp():
            shutil.rmtree(self.dir, ignore_errors=True)
        elif self.dir:
            print("servers: kept %s" % self.dir, file=sys.stderr)
        self.dir = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    def script(self, queue, default=None):
        """Replace the scripted replies (see the module comment)."""
        _Script(self.dir).set(queue, default)

    def script_left(self):
        """The scripted entries not used up yet."""
        return _Script(self.dir).get().get("queue") or []

    def log(self):
        return _tail(self.log_path, 1000)

    def _wait(self, get, n, timeout):
        deadline = time.monotonic() + timeout
        while True:
            items = get()
            if len(items) >= n or time.monotonic() > deadline:
                return items
            time.sleep(0.02)


# --- SMTP -------------------------------------------------------------------

SmtpMessage = namedtuple("SmtpMessage", "mail_from rcpt_tos data message "
                         "auth_user helo mail_options path")
SmtpMessage.__doc__ = """One accepted message: envelope, raw bytes, parsed
email.message.EmailMessage (policy.default), AUTH login or None."""


def _find_aiosmtpd_python():
    """A Python that can import aiosmtpd: this one, else Debian's."""
    if importlib.util.find_spec("aiosmtpd") is not None:
        return sys.executable
    for python in ("/usr/bin/python3", shutil.which("python3") or ""):
        if python and os.path.exists(python) and subprocess.run(
                [python, "-c", "import aiosmtpd"], capture_output=True
                ).returncode == 0:
            return python
    raise Missing("aiosmtpd not found (Debian: apt-get install python3-aiosmtpd)")


class SmtpSink(_Sink):
    """An SMTP server on 127.0.0.1 storing what it accepts.

    auth=(user, password) offers AUTH PLAIN/LOGIN without TLS;
    auth_required=True refuses mail before AUTH; starttls=True offers
    STARTTLS (a self-signed certificate for 127.0.0.1, .cert_path) and AUTH
    only after it, as Postfix's submission does (smtpd_tls_auth_only).
    """

    kind = "smtp"

    def __init__(self, auth=None, auth_required=False, starttls=False):
        super().__init__()
        self.auth = auth
        self.auth_required = auth_required
        self.starttls = starttls

    def _python(self):
        return _find_aiosmtpd_python()

    @property
    def cert_path(self):
        return os.path.join(self.dir, "cert.pem")

    def _prepare(self):
        os.mkdir(os.path.join(self.dir, "messages"))
        if self.starttls:
            r = subprocess.run(
                [find_openssl(), "req", "-x509", "-newkey", "ec", "-pkeyopt",
                 "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                 "-keyout", os.path.join(self.dir, "key.pem"),
                 "-out", self.cert_path, "-subj", "/CN=localhost",
                 "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                capture_output=True)
            if r.returncode != 0:
                raise ServerError("openssl: %s" %
                                  r.stderr.decode(errors="replace"))
        if self.auth:
            _write_atomic(os.path.join(self.dir, "auth.json"), json.dumps(
                {"user": self.auth[0], "password": self.auth[1],
                 "required": self.auth_required,
                 "starttls": self.starttls}).encode())

    @property
    def url(self):
        return "smtp://%s:%d" % (HOST, self.port)

    def messages(self):
        """Every accepted message, in arrival order."""
        d = os.path.join(self.dir, "messages")
        out = []
        for name in sorted(os.listdir(d)):
            if not name.endswith(".json"):
                continue
            path = os.path.join(d, name[:-5] + ".eml")
            with open(os.path.join(d, name)) as f:
                env = json.load(f)
            with open(path, "rb") as f:
                data = f.read()
            out.append(SmtpMessage(
                env["mail_from"], env["rcpt_tos"], data,
                email.message_from_bytes(data, policy=email.policy.default),
                env.get("auth_user"), env.get("helo"),
                env.get("mail_options", []), path))
        return out

    def wait_messages(self, n, timeout=5.0):
        """messages() once there are at least N (or TIMEOUT passed)."""
        return self._wait(self.messages, n, timeout)

    def transcript(self):
        """Every MAIL/RCPT/DATA/AUTH seen: dicts with "on", "arg", "reply"."""
        return _read_jsonl(os.path.join(self.dir, "transcript.jsonl"))

    def fail_next(self, n, reply="451 4.3.0 try later", on="DATA"):
        """Answer REPLY to the next N commands ON, then normally."""
        self.script([{"on": on, "reply": reply, "times": n}])

    def reject_rcpt(self, rcpt, reply="550 5.1.1 no such user", times=None):
        """Answer REPLY to RCPT TO:<rcpt> (TIMES times, default always)."""
        entry = {"on": "RCPT", "rcpt": rcpt, "reply": reply}
        if times is not None:
            entry["times"] = times
        self.script([entry])


def _smtp_child(directory):
    """Child: serve SMTP on a free port, storing into DIRECTORY."""
    import asyncio
    from aiosmtpd.smtp import SMTP, AuthResult

    script = _Script(directory)
    msgdir = os.path.join(directory, "messages")
    transcript = os.path.join(directory, "transcript.jsonl")
    auth = None
    auth_path = os.path.join(directory, "auth.json")
    if os.path.exists(auth_path):
        with open(auth_path) as f:
            auth = json.load(f)
    counter = [0]

    def same(a, b):
        return (a or "").lower() == (b or "").lower()

    def scripted(on, rcpt=None, rcpts=(), mail_from=None):
        def match(e):
            if e.get("on", "DATA").upper() != on:
                return False
            if "rcpt" in e:
                if on == "RCPT" and not same(e["rcpt"], rcpt):
                    return False
                if on == "DATA" and not any(same(e["rcpt"], r) for r in rcpts):
                    return False
            if "from" in e and not same(e["from"], mail_from):
                return False
            return True
        return script.take(match)

    def answer(server, on, arg, entry, ok):
        reply = entry.get("reply", ok) if entry else ok
        _append_jsonl(transcript, {"on": on, "arg": arg, "reply": reply,
                                   "time": time.time()})
        if entry and entry.get("disconnect"):
            server.transport.close()
        return reply

    class Handler:
        async def handle_MAIL(self, server, session, envelope, address, options):
            entry = scripted("MAIL", mail_from=address)
            reply = answer(server, "MAIL", address, entry, "250 2.1.0 OK")
            if reply.startswith("2"):
                envelope.mail_from = address
                envelope.mail_options.extend(options)
            return reply

        async def handle_RCPT(self, server, session, envelope, address, options):
            entry = scripted("RCPT", rcpt=address, mail_from=envelope.mail_from)
            reply = answer(server, "RCPT", address, entry, "250 2.1.5 OK")
            if reply.startswith("2"):
                envelope.rcpt_tos.append(address)
                envelope.rcpt_options.extend(options)
            return reply

        async def handle_DATA(self, server, session, envelope):
            entry = scripted("DATA", rcpts=envelope.rcpt_tos,
                             mail_from=envelope.mail_from)
            if entry and not entry.get("reply", "2").startswith("2"):
                return answer(server, "DATA", envelope.rcpt_tos, entry, "")
            counter[0] += 1
            base = os.path.join(msgdir, "%06d" % counter[0])
            auth_user = None
            if session.authenticated and session.auth_data is not None:
                auth_user = session.auth_data.login.decode("utf-8", "replace")
            _write_atomic(base + ".eml", envelope.content)
            # The .json last, and before the client can see 250.
            _write_atomic(base + ".json", json.dumps({
                "mail_from": envelope.mail_from,
                "rcpt_tos": envelope.rcpt_tos,
                "mail_options": envelope.mail_options,
                "auth_user": auth_user, "helo": session.host_name,
                "time": time.time()}).encode())
            return answer(server, "DATA", envelope.rcpt_tos, entry,
                          "250 2.0.0 OK queued as %06d" % counter[0])

    def authenticator(server, session, envelope, mechanism, data):
        ok = (data.login.decode() == auth["user"] and
              data.password.decode() == auth["password"])
        _append_jsonl(transcript, {"on": "AUTH", "arg": mechanism,
                                   "reply": "235" if ok else "535",
                                   "time": time.time()})
        return AuthResult(success=ok, handled=False, auth_data=data)

    def factory():
        kw = {}
        if auth:
            kw = dict(authenticator=authenticator,
                      auth_require_tls=bool(auth.get("starttls")),
                      auth_required=bool(auth.get("required")))
            if auth.get("starttls"):
                import ssl
                ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
                ctx.load_cert_chain(os.path.join(directory, "cert.pem"),
                                    os.path.join(directory, "key.pem"))
                kw.update(tls_context=ctx, require_starttls=False)
        return SMTP(Handler(), hostname="sink.test", decode_data=False,
                    enable_SMTPUTF8=True, **kw)

    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(loop.create_server(factory, HOST, 0))
    port = server.sockets[0].getsockname()[1]
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    loop.add_signal_handler(signal.SIGINT, loop.stop)
    _write_atomic(os.path.join(directory, "port"), str(port).encode())
    loop.run_forever()
    server.close()


# --- HTTP -------------------------------------------------------------------

class HttpRequest(namedtuple("HttpRequest",
                             "method path headers body status time")):
    """One recorded request; headers is a list of (name, value)."""

    def header(self, name, default=None):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return default

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.body)


class HttpSink(_Sink):
    """A threaded HTTP/1.1 server on 127.0.0.1 recording every request.

    Unscripted requests get 200 "ok" (text/plain). Stands in for Slack
    incoming webhooks, chat.postMessage (script a default with a JSON body)
    and a generic webhook; http.url + "/any/path".
    """

    kind = "http"

    @property
    def url(self):
        return "http://%s:%d" % (HOST, self.port)

    def requests(self):
        """Every request received, in order."""
        return [HttpRequest(r["method"], r["path"], [tuple(h) for h in r["headers"]],
                            base64.b64decode(r["body_b64"]), r["status"], r["time"])
                for r in _read_jsonl(os.path.join(self.dir, "requests.jsonl"))]

    def wait_requests(self, n, timeout=5.0):
        """requests() once there are at least N (or TIMEOUT passed)."""
        return self._wait(self.requests, n, timeout)


def _http_child(directory):
    """Child: serve HTTP on a free port, recording into DIRECTORY."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    script = _Script(directory)
    record = os.path.join(directory, "requests.jsonl")
    record_lock = threading.Lock()
    fallback = {"status": 200, "body": "ok",
                "headers": {"Content-Type": "text/plain"}}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # headers and body go out in separate writes: without this, Nagle
        # and the client's delayed ACK hold the body back 40 ms
        disable_nagle_algorithm = True

        def _body(self):
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                parts = []
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                    if size == 0:
                        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                            pass
                        return b"".join(parts)
                    parts.append(self.rfile.read(size))
                    self.rfile.readline()
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def _handle(self):
            body = self._body()

            def match(e):
                return (e.get("method", self.command).upper() == self.command and
                        self.path.startswith(e.get("path", "")))
            entry = script.take(match) or fallback
            status = int(entry.get("status", 200))
            with record_lock:
                _append_jsonl(record, {
                    "method": self.command, "path": self.path,
                    "headers": list(self.headers.items()),
                    "body_b64": base64.b64encode(body).decode(),
                    "status": None if entry.get("close") else status,
                    "time": time.time()})
            if entry.get("delay"):
                time.sleep(float(entry["delay"]))
            if entry.get("close"):
                self.close_connection = True
                return
            out = entry.get("body", "")
            out = out.encode() if isinstance(out, str) else json.dumps(out).encode()
            self.send_response(status)
            headers = dict(entry.get("headers") or {})
            headers.setdefault("Content-Type", "text/plain")
            for k, v in headers.items():
                self.send_header(k, str(v))
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(out)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle

        def log_message(self, fmt, *args):
            sys.stderr.write("%s %s\n" % (time.strftime("%H:%M:%S"), fmt % args))
            sys.stderr.flush()

    server = ThreadingHTTPServer((HOST, 0), Handler)
    server.daemon_threads = True
    signal.signal(signal.SIGTERM, _on_sigterm)
    _write_atomic(os.path.join(directory, "port"),
                  str(server.server_address[1]).encode())
    try:
        server.serve_forever(poll_interval=0.1)
    except (SystemExit, KeyboardInterrupt):
        pass
    server.server_close()


# --- Dovecot ----------------------------------------------------------------

Mail = namedtuple("Mail", "uid flags data")
Mail.__doc__ = "A message in a folder: UID, tuple of flag strings, raw bytes."

_DOVECOT_CONF = """\
# Generated by tests/integration/servers.py; nothing outside {dir} is used.
protocols = imap{protocols}
listen = {host}
base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/dovecot.log
log_timestamp = "%Y-%m-%d %H:%M:%S "
auth_verbose = yes
{users}
ssl = yes
ssl_cert = <{dir}/cert.pem
ssl_key = <{dir}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login{mechanisms}
auth_failure_delay = 0 secs
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {dir}/users
}}
{oauth}
userdb {{
  driver = passwd-file
  args = username_format=%u {dir}/users
}}
mail_location = maildir:{dir}/mail/%u
namespace inbox {{
  inbox = yes
  separator = {separator}
  prefix = {prefix}
}}
{capability}
{acl}
mail_max_userip_connections = 100
imap_idle_notify_interval = 1 secs
mailbox_idle_check_interval = 1 secs
service imap-login {{
  {chroot}
  inet_listener imap {{
    address = {host}
    port = {port}
  }}
  inet_listener imaps {{
    address = {host}
    port = {tls_port}
    ssl = yes
  }}
}}
{submission}
service anvil {{
  {chroot}
  # Unreachable, so auth runs without penalties (else one failed login
  # from 127.0.0.1 delays the next ones by 2..15 s).
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
"""


# acl: per-folder rights from a dovecot-acl file in the folder's Maildir
# directory (Dovecot.set_acl); a folder without one gives its owner all.
_DOVECOT_ACL = """\
mail_plugins = $mail_plugins acl
protocol imap {{
  mail_plugins = $mail_plugins imap_acl
}}
plugin {{
  acl = vfile:cache_secs=0
}}
"""

# oauth2: a passdb that checks a bearer token (XOAUTH2, OAUTHBEARER) by
# GET {tokeninfo}<token>: 200 with {{"email": "<user>"}} accepts it.
_DOVECOT_OAUTH = """\
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {dir}/oauth2.conf
}}
"""

# submission: the message service of an IMAP provider (Gmail, Microsoft
# 365 SMTP AUTH), relaying what it accepts to an SMTP sink.
_DOVECOT_SUBMISSION = """\
hostname = submission.test
submission_relay_host = {host}
submission_relay_port = {relay_port}
submission_relay_trusted = yes
service submission-login {{
  {chroot}
  inet_listener submission {{
    address = {host}
    port = {submission_port}
  }}
}}
"""


def _imap_quote(name):
    return '"%s"' % name.replace("\\", "\\\\").replace('"', '\\"')


def find_dovecot():
    path = shutil.which("dovecot", path=SBIN_PATH)
    if not path:
        raise Missing("dovecot not found (Debian: apt-get install dovecot-imapd)")
    if not os.path.exists("/usr/lib/dovecot/imap") and \
            not shutil.which("imap", path="/usr/lib/dovecot:/usr/libexec/dovecot"):
        raise Missing("dovecot's imap not found (Debian: apt-get install dovecot-imapd)")
    return path


def find_openssl():
    path = shutil.which("openssl")
    if not path:
        raise Missing("openssl not found (Debian: apt-get install openssl)")
    return path


class Dovecot:
    """Dovecot IMAP on 127.0.0.1 with one passwd-file user and a Maildir.

    separator: the hierarchy separator ("/" here; Dovecot's own default is ".").
    tokeninfo: a URL prefix; adds an oauth2 passdb (XOAUTH2, OAUTHBEARER)
    that accepts a bearer token when GET prefix+token answers 200 with
    {"email": user}.
    relay: an SmtpSink; adds Dovecot's submission service on
    .submission_port (the same logins), relaying what it accepts there.
    prefix: the personal namespace's prefix ("INBOX." with separator ".":
    the layout of Cyrus and Courier); folder names given to the helpers
    below are the server's own ("INBOX.Leads.Review").
    capability: the capability list after login instead of Dovecot's own
    (a server without MOVE or UIDPLUS); acl: True enables per-folder
    rights (set_acl).
    Attributes once started: host, port, tls_port, user, password, dir,
    maildir, log_path, config_path, cert_path (self-signed, CN=localhost,
    SAN IP:127.0.0.1 + DNS:localhost), key_path.
    """

    def __init__(self, user="leads", password="secret", separator="/",
                 tokeninfo=None, relay=None, prefix="", capability=None,
                 acl=False):
        self.prefix = prefix
        self.capability = capability
        self.acl = acl
        self.host = HOST
        self.user = user
        self.password = password
        self.separator = separator
        self.tokeninfo = tokeninfo  # an oauth2 passdb asking this URL
        self.relay = relay  # an SmtpSink: a submission service relays to it
        self.submission_port = None
        self.dir = None
        self.port = None
        self.tls_port = None
        self.proc = None

    def __repr__(self):
        return "Dovecot(%s:%s)" % (self.host, self.port)

    @property
    def maildir(self):
        return os.path.join(self.dir, "mail", self.user)

    @property
    def log_path(self):
        return os.path.join(self.dir, "dovecot.log")

    @property
    def config_path(self):
        return os.path.join(self.dir, "dovecot.conf")

    @property
    def cert_path(self):
        return os.path.join(self.dir, "cert.pem")

    @property
    def key_path(self):
        return os.path.join(self.dir, "key.pem")

    @property
    def url(self):
        return "imap://%s:%d" % (self.host, self.port)

    @property
    def tls_url(self):
        return "imaps://%s:%d" % (self.host, self.tls_port)

    def _setup(self):
        """Make the directory, certificate, users file (once per instance)."""
        binary = find_dovecot()
        openssl = find_openssl()
        self.dir = _mkdtemp("lr-dovecot-")
        _register(self)
        for sub in ("run", "state", "mail"):
            os.mkdir(os.path.join(self.dir, sub))
        r = subprocess.run(
            [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt",
             "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
             "-keyout", self.key_path, "-out", self.cert_path,
             "-subj", "/CN=localhost",
             "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
            capture_output=True)
        if r.returncode != 0:
            raise ServerError("openssl: %s" % r.stderr.decode(errors="replace"))
        if os.getuid() == 0:
            # Dovecot will not give mail to uid 0: the Maildir belongs to
            # nobody, who must be able to reach it through our 0700 dir.
            uid = gid = 65534
            os.chmod(self.dir, 0o711)
            os.chown(os.path.join(self.dir, "mail"), uid, gid)
            users, chroot = "", ""
        else:
            import grp
            import pwd
            uid, gid = os.getuid(), os.getgid()
            me = pwd.getpwuid(uid).pw_name
            group = grp.getgrgid(gid).gr_name
            users = ("default_internal_user = %s\ndefault_login_user = %s\n"
                     "default_internal_group = %s" % (me, me, group))
            chroot = "chroot ="
        with open(os.path.join(self.dir, "users"), "w") as f:
            f.write("%s:{PLAIN}%s:%d:%d::%s::\n" % (
                self.user, self.password, uid, gid, self.maildir))
        self._binary = binary
        self._conf = dict(host=self.host, dir=self.dir, users=users,
                          chroot=chroot, separator=self.separator,
                          protocols="", mechanisms="", oauth="",
                          submission="", prefix=self.prefix,
                          capability="imap_capability = %s" %
                          self.capability if self.capability else "",
                          acl=_DOVECOT_ACL.format() if self.acl else "")
        self._uid, self._gid = uid, gid
        if self.tokeninfo:
            with open(os.path.join(self.dir, "oauth2.conf"), "w") as f:
                f.write("tokeninfo_url = %s\nusername_attribute = email\n"
                        % self.tokeninfo)
            self._conf.update(mechanisms=" xoauth2 oauthbearer",
                              oauth=_DOVECOT_OAUTH.format(dir=self.dir))

    def _write_config(self):
        conf = dict(self._conf)
        if self.relay is not None:
            find_submission()
            conf.update(protocols=" submission",
                        submission=_DOVECOT_SUBMISSION.format(
                            host=self.host, relay_port=self.relay.port,
                            submission_port=self.submission_port,
                            chroot=conf["chroot"]))
        with open(self.config_path, "w") as f:
            f.write(_DOVECOT_CONF.format(port=self.port, tls_port=self.tls_port,
                                         **conf))

    def start(self):
        """Start (again, on the same ports and mail after stop())."""
        if self.proc is not None:
            return self
        if self.dir is None:
            self._setup()
        fixed = self.port is not None
        for attempt in range(1 if fixed else 3):
            if not fixed:
                self.port, self.tls_port = free_port(), free_port()
                while self.tls_port == self.port:
                    self.tls_port = free_port()
                self.submission_port = free_port()
                while self.submission_port in (self.port, self.tls_port):
                    self.submission_port = free_port()
            self._write_config()
            self.proc = _spawn([self._binary, "-F", "-c", self.config_path],
                               os.path.join(self.dir, "master.out"))
            try:
                _wait_port(self.port, self.proc, self.log_path, greeting=b"* OK")
                _wait_port(self.tls_port, self.proc, self.log_path)
                if self.relay is not None:
                    _wait_port(self.submission_port, self.proc, self.log_path,
                               greeting=b"220")
                # Another test's Dovecot on a port we drew answers at
                # once, before ours fails to bind it and exits: make
                # sure ours is the one still running.
                time.sleep(0.15)
                if self.proc.poll() is not None:
                    raise ServerError("exited after start (%s): port in use?"
                                      "\n%s" % (self.proc.returncode,
                                                _tail(self.log_path)))
                return self
            except ServerError as e:
                self.stop(graceful=False)
                if fixed or attempt == 2 or "in use" not in str(e):
                    raise ServerError("dovecot: %s\n%s" % (
                        e, _tail(os.path.join(self.dir, "master.out"))))
                self.port = None  # lost a race for the port: try others
        return self

    def stop(self, graceful=True):
        """Stop Dovecot (all its processes); the mail and ports stay.

        graceful: SIGTERM to the master, SIGKILL to what is left after
        DOVECOT_STOP_GRACE seconds (a master stopped within a second of its
        start waits 6 s for its children, hence the cap); else SIGKILL at
        once, like a crash (what was acknowledged is on disk either way).
        """
        _kill_group(self.proc, DOVECOT_STOP_GRACE if graceful else 0,
                    leader_only=True)
        self.proc = None
        if self.dir:  # a killed master leaves this behind
            try:
                os.unlink(os.path.join(self.dir, "run", "master.pid"))
            except FileNotFoundError:
                pass

    def restart(self, graceful=True):
        self.stop(graceful)
        return self.start()

    def set_password(self, password):
        """Change the user's password (Dovecot reads its passwd-file
        again when it changes); self.password is left as it was."""
        path = os.path.join(self.dir, "users")
        with open(path) as f:
            line = f.read()
        user, rest = line.split(":{PLAIN}", 1)
        _write_atomic(path, ("%s:{PLAIN}%s:%s" % (
            user, password, rest.split(":", 1)[1])).encode())

    def set_acl(self, folder, rights):
        """The user's RIGHTS (RFC 4314 letters, e.g. "lrsip": no "w", so
        no keywords) on FOLDER (the server's name; created if missing),
        given acl=True."""
        if not self.acl:
            raise ServerError("set_acl needs Dovecot(acl=True)")
        if folder.upper() == "INBOX":
            self.folders()  # the first login makes the Maildir
            where = self.maildir
        else:
            self.create(folder)
            name = folder[len(self.prefix):] if self.prefix and \
                folder.startswith(self.prefix) else folder
            where = os.path.join(self.maildir, "." + name.replace(
                self.separator, "."))
        path = os.path.join(where, "dovecot-acl")
        with open(path, "w") as f:
            f.write("owner %s\n" % rights)
        os.chown(path, self._uid, self._gid)

    def close(self):
        """Stop and remove everything (kept when LEADROUTE_KEEP_TMP is set)."""
        self.stop(graceful=False)  # nothing is kept: no need to wait
        _unregister(self)
        if self.dir and not _keep_tmp():
            shutil.rmtree(self.dir, ignore_errors=True)
        elif self.dir:
            print("servers: kept %s" % self.dir, file=sys.stderr)
        self.dir = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    def log(self):
        return _tail(self.log_path, 1000)

    # --- IMAP helpers (imaplib; ASCII folder names) ---

    def connect(self, tls=False, timeout=10):
        """A logged-in imaplib connection (caller logs out / closes it)."""
        if tls:
            ctx = ssl.create_default_context(cafile=self.cert_path)
            imap = imaplib.IMAP4_SSL(self.host, self.tls_port, ssl_context=ctx,
                                     timeout=timeout)
        else:
            imap = imaplib.IMAP4(self.host, self.port, timeout=timeout)
        imap.login(self.user, self.password)
        return imap

    def _session(self):
        imap = self.connect()

        class Session:
            def __enter__(s):
                return imap

            def __exit__(s, *exc):
                try:
                    imap.logout()
                except Exception:
                    pass
        return Session()

    def create(self, folder):
        """Create FOLDER (and its parents) unless it exists."""
        with self._session() as imap:
            typ, data = imap.create(_imap_quote(folder))
            if typ != "OK" and b"ALREADYEXISTS" not in b" ".join(
                    d for d in data if d):
                raise ServerError("CREATE %s: %r" % (folder, data))

    def folders(self):
        """Every folder name (INBOX included)."""
        out = []
        with self._session() as imap:
            typ, data = imap.list()
            for line in data:
                m = re.match(rb'\((.*?)\) (?:"(?:[^"\\]|\\.)*"|NIL) (.*)$', line)
                name = m.group(2).decode()
                if name.startswith('"'):
                    name = name[1:-1].replace('\\"', '"').replace("\\\\", "\\")
                out.append(name)
        return out

    def append(self, folder, data, flags=(), date=None):
        """APPEND DATA (bytes) to FOLDER, created if missing, with the
        INTERNALDATE DATE (Unix seconds; None: now); return its UID."""
        if folder.upper() != "INBOX":
            self.create(folder)
        with self._session() as imap:
            typ, resp = imap.append(_imap_quote(folder),
                                    "(%s)" % " ".join(flags) if flags else None,
                                    imaplib.Time2Internaldate(date)
                                    if date is not None else None, data)
            if typ != "OK":
                raise ServerError("APPEND %s: %r" % (folder, resp))
            m = re.search(rb"APPENDUID \d+ (\d+)", resp[0] or b"")
            return int(m.group(1)) if m else None

    def list_folder(self, folder):
        """[Mail(uid, flags, data)] of FOLDER by UID, without setting \\Seen
        (EXAMINE); flags without \\Recent."""
        with self._session() as imap:
            typ, data = imap.select(_imap_quote(folder), readonly=True)
            if typ != "OK":
                raise ServerError("EXAMINE %s: %r" % (folder, data))
            if int(data[0] or 0) == 0:
                return []
            typ, data = imap.uid("FETCH", "1:*", "(UID FLAGS BODY.PEEK[])")
        out = []
        for item in data:
            if not isinstance(item, tuple):
                continue
            head = item[0]
            uid = int(re.search(rb"UID (\d+)", head).group(1))
            flags = re.search(rb"FLAGS \(([^)]*)\)", head)
            # \Recent belongs to the session, not the message: left out.
            out.append(Mail(uid, tuple(f for f in flags.group(1).decode().split()
                                       if f != "\\Recent"), item[1]))
        return sorted(out)


# --- a leadroute configuration for these servers ---------------------------

def start_servers(test, dovecot=None):
    """Start an HTTP sink, an SMTP sink and Dovecot for a unittest TEST,
    each closed by its cleanups; return (dovecot, smtp, http). DOVECOT:
    a function (smtp, http) -> an unstarted Dovecot (default: plain)."""
    http = HttpSink()
    test.addCleanup(http.close)
    http.start()
    smtp = SmtpSink()
    test.addCleanup(smtp.close)
    smtp.start()
    imap = dovecot(smtp, http) if dovecot else Dovecot()
    test.addCleanup(imap.close)
    imap.start()
    return imap, smtp, http


def write_secret(directory, name, value):
    """DIRECTORY/NAME holding VALUE as its first line, mode 0600, as
    leadroute wants a secret file; return its path."""
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        f.write(value + "\n")
    os.chmod(path, 0o600)
    return path


def explained(binary, rules, leads, now):
    """Message-ID -> `leadroute explain --json --now NOW --rules RULES
    LEADS`'s decision (a dict) for every lead."""
    p = subprocess.run([binary, "explain", "--json", "--now", now,
                        "--rules", rules, leads], capture_output=True,
                       text=True, timeout=300, check=True)
    out = {}
    for line in p.stdout.splitlines():
        d = json.loads(line)
        out[d["message_id"]] = d
    return out


def announced_on_slack(rules, expected):
    """How many of EXPECTED's leads (explain's decisions) go to a queue or
    to review that RULES post to Slack
    (spec 4.2 v2: `notify slack`, the default; `notify none` or a list
    without slack does not)."""
    slack = {"review"}
    with open(rules) as f:
        for line in f:
            words = line.split("#", 1)[0].split()
            if not words or words[0] not in ("queue", "review"):
                continue
            name = "review" if words[0] == "review" else "queue " + words[1]
            if "notify" in words:
                if "slack" in words[words.index("notify"):]:
                    slack.add(name)
                else:
                    slack.discard(name)
            elif words[0] == "queue":
                slack.add(name)
    n = 0
    for d in expected.values():
        dst = d["destination"]
        if dst["kind"] == "review" and "review" in slack:
            n += 1
        elif dst["kind"] == "queue" and "queue " + dst["id"] in slack:
            n += 1
    return n


# The mail server in front of the tests' mailbox, as the configuration
# names it ([inbox] authserv_id): owners' mail counts as theirs only with
# its Authentication-Results on top (authenticated()).
AUTHSERV = "mx.test.example"


def authenticated(address, server=AUTHSERV):
    """The Authentication-Results header the receiving server SERVER adds
    to mail it verified as from ADDRESS's domain (CRLF-terminated)."""
    return ("Authentication-Results: %s; dkim=pass header.d=%s; "
            "dmarc=pass header.from=%s\r\n" % (
                server, address.rsplit("@", 1)[1],
                address.rsplit("@", 1)[1]))


def agent_config(directory, dovecot, smtp, http, rules, templates,
                 journal=None):
    """Write DIRECTORY/leadroute.conf for `leadroute run` against these
    servers (secrets in mode-0600 files beside it: the IMAP password and
    the Slack webhook URL HTTP/slack); return its path."""
    write_secret(directory, "slack.secret", http.url + "/slack")
    write_secret(directory, "imap.secret", dovecot.password)
    conf = os.path.join(directory, "leadroute.conf")
    with open(conf, "w") as f:
        f.write(f"""[inbox]
url = imap://127.0.0.1:{dovecot.port}/INBOX
user = {dovecot.user}
password_file = imap.secret
folder_prefix = Leads
authserv_id = {AUTHSERV}
[smtp]
url = {smtp.url}
from = Lead Router <leads@svc.example>
[slack]
webhook_url_file = slack.secret
[rules]
file = {rules}
[journal]
path = {journal or os.path.join(directory, "journal.db")}
[templates]
dir = {templates}
""")
    return conf


def screenshot(html, directory, size=(900, 1600)):
    """Render HTML (a string) in headless Chromium; a Counter of the
    screenshot's (r, g, b) pixels. Raises Missing without Chromium or
    Pillow."""
    from collections import Counter
    try:
        from PIL import Image
    except ImportError:
        raise Missing("python3-pil (Pillow) is needed to read screenshots")
    chromium = shutil.which("chromium")
    if chromium is None:
        raise Missing("chromium is needed to render the HTML report")
    work = tempfile.mkdtemp(prefix="shot-", dir=directory)
    page = os.path.join(work, "page.html")
    png = os.path.join(work, "shot.png")
    with open(page, "w") as f:
        f.write(html)
    p = subprocess.run(
        [chromium, "--headless=new", "--no-sandbox", "--disable-gpu",
         "--hide-scrollbars", "--force-device-scale-factor=1",
         "--no-first-run", "--user-data-dir=" + os.path.join(work, "profile"),
         "--window-size=%d,%d" % size, "--screenshot=" + png,
         "file://" + page], capture_output=True, text=True, timeout=120,
        env=dict(os.environ, HOME=work))
    if p.returncode != 0 or not os.path.exists(png):
        raise ServerError("chromium --screenshot failed (%d): %s" %
                          (p.returncode, p.stderr[-2000:]))
    with Image.open(png) as im:
        shot = Counter(im.convert("RGB").getdata())
    shutil.rmtree(work, ignore_errors=True)
    return shot


def copy_rules(rules, dest, extra=""):
    """Copy the directory of RULES (the rules and their data) to DEST and
    return the copy of RULES, with EXTRA appended and the daily review
    digest off: a test that wants the digest turns it on again (the last
    `digest` on the review line wins), the others see no digest mail."""
    shutil.copytree(os.path.dirname(os.path.abspath(rules)), dest)
    path = os.path.join(dest, os.path.basename(rules))
    with open(path) as f:
        text = f.read()
    # before a trailing comment, where it would be part of the comment
    text = re.sub(r"(?m)^(review\b[^#\n]*?)(\s*#.*)?$", r"\1 digest off\2",
                  text)
    with open(path, "w") as f:
        f.write(text + extra)
    return path


def test_args(cls, argv, doc):
    """Set cls.binary, .top, .leads and .rules from the command line of an
    agent test file: LEADROUTE TOP_SRCDIR [LEADS EXPECTED RULES]; without
    the last three, the shipped samples and rules."""
    if len(argv) not in (3, 6):
        sys.exit(doc)
    cls.binary = os.path.abspath(argv[1])
    cls.top = os.path.abspath(argv[2])
    if len(argv) == 6:
        cls.leads, _, cls.rules = (os.path.abspath(a) for a in argv[3:6])
    else:
        cls.leads = os.path.join(cls.top, "rules", "samples")
        cls.rules = os.path.join(cls.top, "rules", "leadroute.rules")


def journal_events(journal, kind):
    """[(Message-ID, detail)] of the events of KIND in the JOURNAL file."""
    db = sqlite3.connect("file:%s?mode=ro" % journal, uri=True)
    try:
        return db.execute(
            "SELECT m.message_key, e.detail FROM events e JOIN messages m"
            " ON m.id = e.message_id WHERE e.kind = ?", (kind,)).fetchall()
    finally:
        db.close()


def forwarded_ids(smtp):
    """The Message-ID of the lead attached to each forward SMTP received
    (None for a mail without one)."""
    out = []
    for m in smtp.messages():
        for part in m.message.walk():
            if part.get_content_type() == "message/rfc822":
                out.append(part.get_payload()[0]["Message-ID"].strip())
                break
        else:
            out.append(None)
    return out


def assert_as_explained(test, exp, where, rec, members, skip_mids=(),
                        skip_places=()):
    """For the unittest TEST: every message of EXP (explain's decisions by
    Message-ID) in exactly one folder of WHERE (Message-ID -> [(folder,
    flags)], folders in SKIP_PLACES left out), decided as explain decides
    (REC: the journal's decisions), up to the rotation: a team's lead went
    to one of its MEMBERS (the one the journal recorded) instead of
    explain's pick, which has no history."""
    for mid, d in exp.items():
        if mid in skip_mids:
            continue
        dest = d["destination"]
        places = [w[0] for w in where.get(mid, []) if w[0] not in skip_places]
        test.assertEqual(len(places), 1, f"{mid} in {places}")
        r = rec[mid]
        test.assertEqual((r["kind"], r["id"]), (dest["kind"], dest["id"]),
                         d["file"])
        if dest["kind"] == "team" and dest["owner"]:
            test.assertIn(r["owner"], members[dest["id"]], d["file"])
            test.assertEqual(places[0], "Leads/Owners/" + r["owner"])
        else:
            test.assertEqual((places[0], r["owner"]),
                             (dest["folder"], dest["owner"]), d["file"])


def team_members(binary, conf, env=None):
    """Team id -> set of member ids, from `leadroute -c CONF owners --json`
    (raises ServerError when it fails)."""
    p = subprocess.run([binary, "-c", conf, "owners", "--json"],
                       capture_output=True, text=True, timeout=60, env=env)
    if p.returncode != 0:
        raise ServerError("owners --json: %s" % p.stderr.strip())
    return {t["id"]: {m["id"] for m in t["members"]}
            for t in json.loads(p.stdout)["teams"]}


# --- CLI --------------------------------------------------------------------

def find_submission():
    """Dovecot's submission service (the OAuth2 SMTP tests relay through
    it)."""
    for d in ("/usr/lib/dovecot", "/usr/libexec/dovecot"):
        if os.path.exists(os.path.join(d, "submission")):
            return os.path.join(d, "submission")
    raise Missing("dovecot's submission service not found (Debian: "
                  "apt-get install dovecot-submissiond)")


def find_fetchmail():
    path = shutil.which("fetchmail")
    if not path:
        raise Missing("fetchmail not found (Debian: apt-get install fetchmail)")
    return path


def missing():
    """What the harness needs and cannot find: a list of messages."""
    import cyrus  # it builds on this module
    out = []
    for check in (find_dovecot, find_openssl, _find_aiosmtpd_python,
                  find_fetchmail, find_submission, cyrus.find_cyrus):
        try:
            check()
        except Missing as e:
            out.append(str(e))
    return out


def _up():
    with Dovecot() as imap, SmtpSink() as smtp, HttpSink() as http:
        print("IMAP_HOST=%s" % HOST)
        print("IMAP_PORT=%d" % imap.port)
        print("IMAPS_PORT=%d" % imap.tls_port)
        print("IMAP_USER=%s" % imap.user)
        print("IMAP_PASSWORD=%s" % imap.password)
        print("IMAP_CA=%s" % imap.cert_path)
        print("DOVECOT_DIR=%s" % imap.dir)
        print("SMTP_PORT=%d" % smtp.port)
        print("SMTP_DIR=%s" % smtp.dir)
        print("HTTP_PORT=%d" % http.port)
        print("HTTP_DIR=%s" % http.dir)
        sys.stdout.flush()
        signal.signal(signal.SIGTERM, _on_sigterm)
        # Even when started in the background (SIGINT ignored there).
        signal.signal(signal.SIGINT, signal.default_int_handler)
        try:
            while True:
                for s in (imap, smtp, http):
                    if s.proc.poll() is not None:
                        print("servers: %r exited" % s, file=sys.stderr)
                        return 1
                time.sleep(0.5)
        except KeyboardInterrupt:
            return 0


def main(argv):
    if len(argv) == 3 and argv[1] == "smtp-child":
        return _smtp_child(argv[2])
    if len(argv) == 3 and argv[1] == "http-child":
        return _http_child(argv[2])
    if len(argv) == 2 and argv[1] == "check":
        lacking = missing()
        for m in lacking:
            print("servers: %s" % m)
        if not lacking:
            return 0
        return 1 if os.environ.get("CI") else 77
    if len(argv) == 2 and argv[1] == "up":
        return _up()
    print("usage: %s up | check" % argv[0], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
