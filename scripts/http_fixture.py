#!/usr/bin/env python3
"""Local HTTP receiver for testing the platform's outbox push worker.

The background worker delivers outbox messages over HTTP (libcurl).  The TAP
tests and the benchmark point its endpoints at this fixture and then check,
from the log it writes, that the worker loses no message and delivers
duplicates only under the same Idempotency-Key.  Standard library only.

Usage:
    http_fixture.py --port 0 --log FILE [--port-file FILE] [--mode MODE]
                    [--status NNN] [--delay-ms MS]
    http_fixture.py --selftest

Listens on 127.0.0.1 only; runs until SIGTERM/SIGINT, then exits 0.

Behaviour is chosen by the first path segment, so endpoints can differ
without any control calls:
    /accept/...      200 {"ok":true}
    /status/NNN/...  status NNN with a small JSON body
    /delay/MS/...    wait MS milliseconds, then 200
    /hang/...        read the request, never answer
    /drop/...        read the request, close the connection (RST), no answer
    /flaky/N/...     first N requests per Idempotency-Key get 503, then 200
                     (requests without the header share one counter)
    /redirect/HOST/REST...
                     307 to http://HOST:<this port>/REST... (method and body kept)
    anything else    the global mode (--mode, default accept), changed with
                     POST /_control {"mode":"status","status":503} |
                     {"mode":"delay","delay_ms":2000} | {"mode":"hang"} | ...
Control endpoints (never logged): GET|POST /_control, GET /_log, GET /_stats.

Log: one JSON line per message request, written before any response:
    {"ts": 1700000000.123, "method": "POST", "path": "/accept/x",
     "idempotency_key": "..." | null, "signature": "..." | null,
     "content_type": "..." | null, "body": "...", "body_sha256": "hex",
     "outcome": 200 | "hang" | "drop"}
The log is opened for appending; /_log returns the whole file and /_stats
counts include lines already in it.
"""

import argparse
import collections
import hashlib
import http.client
import json
import os
import re
import select
import signal
import socket
import socketserver
import struct
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODES = ("accept", "status", "delay", "hang", "drop")
MAX_BODY = 64 << 20  # refuse absurd bodies rather than exhaust memory


class BadRequest(Exception):
    pass


class Fixture:
    """State shared by all connections: log file, global mode, counters."""

    def __init__(self, log_path, mode="accept", status=503, delay_ms=1000):
        self.log_path = log_path
        self.lock = threading.Lock()
        self.stopping = threading.Event()  # lets hang/delay end at shutdown
        self.mode = self.make_mode({"mode": mode, "status": status, "delay_ms": delay_ms})
        self.flaky = collections.Counter()
        self.received, self.by_outcome, self.keys = 0, collections.Counter(), set()
        for entry in self.read_log():  # keep /_stats consistent with /_log
            self._count(entry)
        self.log_file = open(log_path, "a", encoding="utf-8")

    @staticmethod
    def make_mode(spec):
        """Validate a mode spec (from --mode or /_control); raise ValueError."""
        mode = spec.get("mode")
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        if mode == "status":
            status = spec.get("status", 503)
            if not isinstance(status, int) or not 200 <= status <= 599:
                raise ValueError("status must be an integer 200..599")
            return {"mode": mode, "status": status}
        if mode == "delay":
            delay = spec.get("delay_ms", 1000)
            if not isinstance(delay, int) or delay < 0:
                raise ValueError("delay_ms must be a non-negative integer")
            return {"mode": mode, "delay_ms": delay}
        return {"mode": mode}

    def _count(self, entry):
        self.received += 1
        self.by_outcome[str(entry.get("outcome"))] += 1
        if entry.get("idempotency_key") is not None:
            self.keys.add(entry["idempotency_key"])

    def record(self, entry):
        line = json.dumps(entry, separators=(",", ":")) + "\n"
        with self.lock:
            if self.log_file.closed:  # a straggler after shutdown
                return
            self.log_file.write(line)
            self.log_file.flush()  # the test may read the file at any moment
            self._count(entry)

    def read_log(self):
        if not os.path.exists(self.log_path):
            return []
        with open(self.log_path, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]

    def flaky_hit(self, key):
        with self.lock:
            self.flaky[key] += 1
            return self.flaky[key]

    def close(self):
        with self.lock:
            self.log_file.close()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive; every response has a length
    default_request_version = "HTTP/1.0"  # so garbage still gets a status line
    wbufsize = 1 << 16  # one send() per response; flushed explicitly
    disable_nagle_algorithm = True
    _abort = False

    # Any method is a message (POST, PUT, PATCH, ...): route all do_X here.
    def __getattr__(self, name):
        if name.startswith("do_"):
            return self._dispatch
        raise AttributeError(name)

    def log_message(self, *args):  # no per-request stderr noise
        pass

    def handle_one_request(self):
        # Don't let a malformed request inherit the previous one's fields.
        self.path = self.headers = None
        super().handle_one_request()

    def handle_expect_100(self):
        ok = super().handle_expect_100()
        self.wfile.flush()  # libcurl waits for "100 Continue" before the body
        return ok

    def send_error(self, code, message=None, explain=None):
        # Only the base class calls this, for requests it cannot parse.
        self._log(b"", code)
        try:
            super().send_error(code, message, explain)
            self.wfile.flush()
        except OSError:
            self.close_connection = True

    def finish(self):
        super().finish()
        if self._abort:  # "drop": SO_LINGER 0 makes this close send an RST
            self.connection.close()

    def _header(self, name):
        return self.headers.get(name) if self.headers is not None else None

    def _log(self, body, outcome, ts=None):
        self.server.fixture.record({
            "ts": ts if ts is not None else time.time(),
            "method": self.command or None,
            "path": self.path,
            "idempotency_key": self._header("Idempotency-Key"),
            "signature": self._header("X-Signature"),
            "api_key": self._header("X-Api-Key"),
            "content_type": self._header("Content-Type"),
            "body": body.decode("utf-8", errors="replace"),
            "body_sha256": hashlib.sha256(body).hexdigest(),
            "outcome": outcome,
        })

    def _send(self, code, obj, location=None):
        body = b"" if code in (204, 304) else json.dumps(obj).encode()
        try:
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            if location is not None:
                self.send_header("Location", location)
            if code != 204:
                self.send_header("Content-Length", str(len(body)))
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            self.wfile.flush()
        except OSError:  # client went away (e.g. its timeout fired first)
            self.close_connection = True

    def _read_body(self):
        te = self.headers.get("Transfer-Encoding")
        if te is not None:
            if te.strip().lower() != "chunked":
                raise BadRequest("unsupported Transfer-Encoding")
            return self._read_chunked()
        cl = self.headers.get("Content-Length")
        if cl is None:
            return b""
        if not re.fullmatch(r"[0-9]+", cl.strip()) or int(cl) > MAX_BODY:
            raise BadRequest("bad Content-Length")
        body = self.rfile.read(int(cl))
        if len(body) != int(cl):
            raise BadRequest("truncated body")
        return body

    def _read_chunked(self):
        parts, total = [], 0
        while True:
            line = self.rfile.readline(1024)
            size = line.split(b";", 1)[0].strip()  # drop chunk extensions
            if not line.endswith(b"\n") or not re.fullmatch(rb"[0-9A-Fa-f]+", size):
                raise BadRequest("bad chunk size line")
            size = int(size, 16)
            if size == 0:
                break
            total += size
            if total > MAX_BODY:
                raise BadRequest("body too large")
            chunk = self.rfile.read(size)
            if len(chunk) != size or self.rfile.readline(3) not in (b"\r\n", b"\n"):
                raise BadRequest("bad chunk data")
            parts.append(chunk)
        for _ in range(100):  # trailer section, ended by an empty line
            line = self.rfile.readline(65537)
            if line in (b"\r\n", b"\n"):
                return b"".join(parts)
            if not line:
                break
        raise BadRequest("bad chunked trailer")

    def _choose(self, path):
        """Map the path (or the global mode) to (action, argument)."""
        seg = path.split("/")
        head, arg = seg[1], seg[2] if len(seg) > 2 else ""
        if head in ("status", "delay", "flaky"):
            if not arg.isascii() or not arg.isdigit():
                raise BadRequest(f"/{head}/ needs a number")
            n = int(arg)
            if head == "status" and not 200 <= n <= 599:
                raise BadRequest("status must be 200..599")
            if head == "flaky":
                hits = self.server.fixture.flaky_hit(self.headers.get("Idempotency-Key"))
                return "status", 503 if hits <= n else 200
            return head, n
        if head == "redirect":
            if not re.fullmatch(r"[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]", arg) or len(seg) < 4:
                raise BadRequest("/redirect/ needs a host and a path")
            return "redirect", f"http://{arg}:{self.server.server_port}/" + "/".join(seg[3:])
        if head in ("accept", "hang", "drop"):
            return head, None
        mode = dict(self.server.fixture.mode)  # one consistent snapshot
        return mode["mode"], mode.get("status", mode.get("delay_ms"))

    def _dispatch(self):
        path = self.path.split("?", 1)[0]
        try:
            body = self._read_body()
        except BadRequest as e:
            self.close_connection = True  # the stream position is unknown
            if not path.startswith("/_"):
                self._log(b"", 400)
            return self._send(400, {"ok": False, "error": str(e)})
        if path.startswith("/_"):
            return self._control(path, body)
        ts = time.time()  # request fully read
        try:
            action, arg = self._choose(path)
        except BadRequest as e:
            self._log(body, 400, ts)
            return self._send(400, {"ok": False, "error": str(e)})
        code = arg if action == "status" else 307 if action == "redirect" else 200
        self._log(body, action if action in ("hang", "drop") else code, ts)
        stop = self.server.fixture.stopping
        if action == "hang":
            self._hang(stop)
        elif action == "drop":
            self.close_connection = self._abort = True
            try:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                           struct.pack("ii", 1, 0))
            except OSError:
                pass
        elif action == "redirect":
            self._send(307, {"ok": False, "location": arg}, location=arg)
        else:
            if action == "delay":
                stop.wait(arg / 1000.0)
            self._send(code, {"ok": True} if code < 300 else {"ok": False, "status": code})

    def _hang(self, stop):
        # Hold the connection without answering until the client closes it
        # or the fixture stops; polling keeps shutdown prompt.
        self.close_connection = True
        while not stop.is_set():
            if select.select([self.connection], [], [], 0.25)[0]:
                try:
                    if not self.connection.recv(65536):
                        return
                except OSError:
                    return

    def _control(self, path, body):
        fx = self.server.fixture
        if path == "/_control" and self.command == "POST":
            try:
                spec = json.loads(body or b"{}")
                fx.mode = fx.make_mode(spec if isinstance(spec, dict) else {})
            except ValueError as e:
                return self._send(400, {"ok": False, "error": str(e)})
            return self._send(200, fx.mode)
        if self.command not in ("GET", "HEAD"):
            return self._send(405, {"ok": False, "error": "method not allowed"})
        if path == "/_control":
            return self._send(200, fx.mode)
        if path not in ("/_log", "/_stats"):
            return self._send(404, {"ok": False, "error": "unknown control path"})
        with fx.lock:  # a consistent view; sent after releasing the lock
            reply = fx.read_log() if path == "/_log" else {
                "received": fx.received, "by_outcome": dict(fx.by_outcome),
                "distinct_keys": len(fx.keys)}
        return self._send(200, reply)


class FixtureServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # idle keep-alive threads must not block exit
    request_queue_size = 1024

    def __init__(self, port, fixture):
        self.fixture = fixture
        super().__init__(("127.0.0.1", port), Handler)

    def server_bind(self):
        # Skip HTTPServer's getfqdn(): a reverse DNS lookup can stall startup.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


def write_atomic(path, text):
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)  # readers never see a half-written port


# ---------------------------------------------------------------- self-test

def _req(port, method, path, body=b"", headers=None, timeout=5, conn=None):
    c = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        return r.status, r.read()
    finally:
        if conn is None:
            c.close()


def _raw(port, data):
    """Send raw bytes, return everything the server sends until it closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(data)
        out = b""
        while chunk := s.recv(65536):
            out += chunk
        return out


def _check(cond, what):
    if not cond:
        raise AssertionError(what)


def _expect_error(fn, exc, what):
    try:
        fn()
    except exc:
        return
    raise AssertionError(f"{what}: expected {exc.__name__}")


def _selftest_server(tmp):
    fx = Fixture(os.path.join(tmp, "log.jsonl"))
    srv = FixtureServer(0, fx)
    port = srv.server_address[1]
    threading.Thread(target=srv.serve_forever, args=(0.1,), daemon=True).start()
    t_start, exp = time.time(), []  # exp: the (path, outcome) log we expect

    def req(method, path, outcome, **kw):
        exp.append((path, outcome))
        return _req(port, method, path, **kw)

    hdrs = {"Idempotency-Key": "a1", "X-Signature": "sig", "Content-Type": "application/json"}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    for _ in range(2):  # two requests on one keep-alive connection
        st, body = req("POST", "/accept/x", 200, body=b'{"n":1}', headers=hdrs, conn=conn)
        _check(st == 200 and json.loads(body) == {"ok": True}, "accept")
    conn.close()
    _check(req("POST", "/status/503/x", 503)[0] == 503, "status 503")
    _check(req("PUT", "/status/429", 429)[0] == 429, "status 429")
    t0 = time.monotonic()
    _check(req("POST", "/delay/300/x", 200)[0] == 200 and time.monotonic() - t0 >= 0.3, "delay")
    _expect_error(lambda: req("POST", "/hang/x", "hang", timeout=0.5), TimeoutError, "hang")
    _expect_error(lambda: req("POST", "/drop/x", "drop", body=b"m"), ConnectionError, "drop")
    got = [req("POST", "/flaky/2/x", o, headers={"Idempotency-Key": "k1"})[0]
           for o in (503, 503, 200, 200)]
    _check(got == [503, 503, 200, 200], f"flaky k1: {got}")
    _check(req("POST", "/flaky/2/x", 503, headers={"Idempotency-Key": "k2"})[0] == 503, "flaky k2")
    _check(req("POST", "/accept/chunked", 200, body=iter([b"hel", b"lo"]))[0] == 200, "chunked")
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:  # Expect: 100-continue
        s.sendall(b"POST /accept/expect HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
                  b"Expect: 100-continue\r\nConnection: close\r\n\r\n")
        _check(s.recv(100).startswith(b"HTTP/1.1 100"), "100 Continue")
        s.sendall(b"ok")
        _check(s.recv(100).startswith(b"HTTP/1.1 200"), "after 100 Continue")
    exp.append(("/accept/expect", 200))
    for raw, path in ((b"POST /accept/len HTTP/1.1\r\nContent-Length: x1\r\n\r\n", "/accept/len"),
                      (b"POST /accept/chk HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                       "/accept/chk"),
                      (b"GARBAGE\r\n\r\n", None)):
        _check(_raw(port, raw).startswith(b"HTTP/1.1 400"), f"malformed {raw!r}")
        exp.append((path, 400))
    _check(req("POST", "/status/abc", 400)[0] == 400, "bad status path")
    st, body = req("POST", "/redirect/localhost/accept/r", 307)
    _check(st == 307 and json.loads(body)["location"] == f"http://localhost:{port}/accept/r", "redirect")
    _check(req("POST", "/redirect/a_b/x", 400)[0] == 400, "bad redirect host")

    ctl = lambda spec: json.loads(_req(port, "POST", "/_control", json.dumps(spec).encode())[1])
    _check(json.loads(_req(port, "GET", "/_control")[1]) == {"mode": "accept"}, "GET /_control")
    _check(_req(port, "POST", "/_control", b'{"mode":"nope"}')[0] == 400, "bad control")
    _check(ctl({"mode": "status", "status": 503}) == {"mode": "status", "status": 503}, "ctl")
    _check(req("POST", "/other", 503)[0] == 503, "global status")
    ctl({"mode": "delay", "delay_ms": 200})
    t0 = time.monotonic()
    _check(req("POST", "/other", 200)[0] == 200 and time.monotonic() - t0 >= 0.2, "global delay")
    ctl({"mode": "hang"})
    _expect_error(lambda: req("POST", "/other", "hang", timeout=0.5), TimeoutError, "global hang")
    ctl({"mode": "drop"})
    _expect_error(lambda: req("POST", "/other", "drop"), ConnectionError, "global drop")
    ctl({"mode": "accept"})
    _check(req("POST", "/other", 200)[0] == 200, "global accept")

    log = json.loads(_req(port, "GET", "/_log")[1])
    _check([(e["path"], e["outcome"]) for e in log] == exp, f"log mismatch:\n{log}\n{exp}")
    first = log[0]
    _check(first["method"] == "POST" and first["idempotency_key"] == "a1"
           and first["signature"] == "sig" and first["content_type"] == "application/json"
           and first["body"] == '{"n":1}'
           and first["body_sha256"] == hashlib.sha256(b'{"n":1}').hexdigest()
           and t_start <= first["ts"] <= time.time(), f"log fields: {first}")
    _check(log[exp.index(("/accept/chunked", 200))]["body"] == "hello", "chunked body")
    stats = json.loads(_req(port, "GET", "/_stats")[1])
    _check(stats["received"] == len(exp) and stats["distinct_keys"] == 3
           and stats["by_outcome"]["hang"] == 2, f"stats: {stats}")

    # Shutdown must be prompt even with a client stuck in "hang".
    hung = socket.create_connection(("127.0.0.1", port))
    hung.sendall(b"POST /hang/z HTTP/1.1\r\nContent-Length: 0\r\n\r\n")
    time.sleep(0.2)
    t0 = time.monotonic()
    fx.stopping.set()
    srv.shutdown()
    srv.server_close()
    fx.close()
    _check(time.monotonic() - t0 < 2, "shutdown blocked")
    hung.close()


def _selftest_cli(tmp):
    log, port_file = os.path.join(tmp, "cli.jsonl"), os.path.join(tmp, "port")
    p = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--port", "0",
                          "--log", log, "--port-file", port_file],
                         stdout=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 10
        while not os.path.exists(port_file):
            _check(time.monotonic() < deadline and p.poll() is None, "CLI did not start")
            time.sleep(0.05)
        port = int(open(port_file).read())
        _check(p.stdout.readline() == f"listening on 127.0.0.1:{port}\n", "CLI banner")
        _check(_req(port, "POST", "/x", b"hi")[0] == 200, "CLI request")
        p.send_signal(signal.SIGTERM)
        _check(p.wait(10) == 0, f"CLI exit status {p.returncode}")
        _check(len(open(log).readlines()) == 1, "CLI log")
    finally:
        if p.poll() is None:
            p.kill()


def selftest():
    with tempfile.TemporaryDirectory(prefix="http_fixture_") as tmp:
        try:
            _selftest_server(tmp)
            _selftest_cli(tmp)
        except (AssertionError, OSError, ValueError, http.client.HTTPException) as e:
            print(f"selftest FAILED: {type(e).__name__}: {e}", file=sys.stderr)
            return 1
    print("selftest OK")
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description="Local HTTP receiver for outbox push tests.")
    ap.add_argument("--port", type=int, default=0, help="0 lets the OS choose")
    ap.add_argument("--log", help="JSON-lines log file (appended to)")
    ap.add_argument("--port-file", help="write the chosen port here once listening")
    ap.add_argument("--mode", choices=MODES, default="accept", help="global mode")
    ap.add_argument("--status", type=int, default=503, help="status for --mode status")
    ap.add_argument("--delay-ms", type=int, default=1000, help="delay for --mode delay")
    ap.add_argument("--selftest", action="store_true", help="run the self-test and exit")
    args = ap.parse_args(argv)
    if args.selftest:
        return selftest()
    if not args.log:
        ap.error("--log is required")
    try:
        fx = Fixture(args.log, args.mode, args.status, args.delay_ms)
    except ValueError as e:
        ap.error(str(e))
    # Block the stop signals before any thread exists (threads inherit the
    # mask) and collect them with sigwait: no handler races, and a signal
    # sent right after the port file appears still gives a clean exit.
    stop_signals = {signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)
    srv = FixtureServer(args.port, fx)
    port = srv.server_address[1]
    if args.port_file:
        write_atomic(args.port_file, f"{port}\n")
    print(f"listening on 127.0.0.1:{port}", flush=True)
    # serve_forever runs in a thread: shutdown() must not be called from it.
    threading.Thread(target=srv.serve_forever, args=(0.2,), daemon=True).start()
    signal.sigwait(stop_signals)
    fx.stopping.set()
    srv.shutdown()
    srv.server_close()
    fx.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
