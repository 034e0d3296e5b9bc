#!/usr/bin/python3
"""The HTTP side of a live run under abuse, while net_pcap replays a capture from memory.

- 200 slow clients (a request line, then silence) against a limit of 64 connections: the server
  closes what is over the limit at once and the slow ones when their time (5 s) is up; then a
  normal scrape answers again.
- Oversized headers get 431, a body 413, another method than GET or HEAD 405, garbage is closed without an answer, a request
  for an unknown path gets 404.
- The RX lcore goes on: the packet rate of the status lines while the server is abused is
  printed next to the rate before it (a figure for docs/robustness.md, not a pass mark), and the
  run ends with its report.

usage: test_http_abuse.py SCANSCOPE SOURCE_DIR
"""

import selectors
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

from serve_helpers import cache_args, exit_status, finished_report, port_run, serving_port

failures = []


def request(port, data, timeout=3):
    """Send raw bytes; the status code of the answer, or None when the server closed."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        answer = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                answer += chunk
        except (ConnectionResetError, socket.timeout):
            pass
    m = re.match(rb"HTTP/1\.[01] (\d{3})", answer)
    return int(m.group(1)) if m else None


def rates(log_path):
    """Packet rates (pps) of the status lines so far."""
    with open(log_path) as f:
        text = f.read()
    out = []
    for value, unit in re.findall(r"([\d.]+)([kM]?) pps", text):
        out.append(float(value) * {"": 1, "k": 1e3, "M": 1e6}[unit])
    return out


# docs/api.md's limits: at most 64 connections, 5 s per request, 8 KiB of request headers.
CONNECTION_LIMIT = 64
REQUEST_SECONDS = 5
HEADER_BYTES = 8192


def with_headers(size):
    """A GET of /metrics whose header fields and closing blank line take exactly `size` bytes
    (the request line not counted, as docs/api.md counts them)."""
    line = b"GET /metrics HTTP/1.1\r\n"
    pad = size - len(b"X-Pad: \r\n\r\n")
    return line + b"X-Pad: " + b"a" * pad + b"\r\n\r\n"


def answer_of(port, data):
    """The whole answer to raw bytes (the server closes after it)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(data)
        answer = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return answer
            answer += chunk


def check_documented_limits(port):
    """docs/api.md: HEAD, the header limit to the byte, 503 for the source tables while the RX
    lcores run, the security headers on every answer."""
    for size, want in ((HEADER_BYTES, 200), (HEADER_BYTES + 1, 431)):
        got = request(port, with_headers(size))
        if got != want:
            failures.append(f"{size} bytes of headers: status {got}, docs/api.md says {want}")
    head = answer_of(port, b"HEAD /metrics HTTP/1.1\r\nConnection: close\r\n\r\n")
    status, _, rest = head.partition(b"\r\n")
    fields, _, body = rest.partition(b"\r\n\r\n")
    length = re.search(rb"Content-Length: (\d+)", fields)
    if not status.endswith(b"200 OK") or body or not length or int(length.group(1)) == 0:
        failures.append(f"HEAD /metrics: {head[:300]!r}")
    if request(port, b"GET /api/v1/sources/top HTTP/1.1\r\n\r\n") != 503:
        failures.append("/api/v1/sources/top while the RX lcores run: not 503")
    for path in (b"/metrics", b"/api/v1/report", b"/", b"/nothing"):
        answer = answer_of(port, b"GET " + path + b" HTTP/1.1\r\nConnection: close\r\n\r\n")
        for field in (b"Content-Security-Policy: default-src 'none'",
                      b"X-Content-Type-Options: nosniff", b"Referrer-Policy: no-referrer",
                      b"Cache-Control: no-store"):
            if field not in answer.partition(b"\r\n\r\n")[0]:
                failures.append(f"GET {path.decode()}: no {field.decode()!r}")


def check_scrapes_among_slow_clients(port, clients=200, scrapes=10):
    """Prometheus must not depend on other clients' manners: with `clients` slow clients holding
    every place (each a request line, then silence), each of `scrapes` scrapes in a row is
    answered, at once (the slow client that waited longest makes room)."""
    slow = []
    try:
        for _ in range(clients):
            s = socket.create_connection(("127.0.0.1", port), timeout=2)
            s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
            slow.append(s)
        answered = []
        for _ in range(scrapes):
            started = time.time()
            status = request(port, b"GET /metrics HTTP/1.1\r\n\r\n")
            answered.append((status, round(time.time() - started, 1)))
        if any(status != 200 or took > 2 for status, took in answered):
            failures.append(f"scrapes among {clients} slow clients (status, seconds): {answered}")
    finally:
        for s in slow:
            s.close()


def main():
    scanscope, source_dir = sys.argv[1:3]
    config = os.path.join(source_dir, "config", "scanscope.conf")
    capture = os.path.join(source_dir, "test", "data", "nmap-syn.pcap")
    with tempfile.TemporaryDirectory() as tmp:
        log_path, report_path = os.path.join(tmp, "log"), os.path.join(tmp, "report.json")
        with open(log_path, "w") as log:
            proc = subprocess.Popen(
                port_run(scanscope, "http", f"net_pcap0,rx_pcap={capture},infinite_rx=1",
                         ["--config", config, *cache_args(), "--geo-db", "none", "--duration", "0",
                          "--mbufs", "8192", "--http", "127.0.0.1:0",
                          "--json-out", report_path, "--status-interval", "1"]),
                stdout=subprocess.DEVNULL, stderr=log)
        try:
            # Port 0: the system picks a free one, and scanscope's log names it.
            port = serving_port(proc, log_path, 60)
            if port is None:
                raise RuntimeError(f"scanscope named no port: {open(log_path).read()[-1000:]}")
            deadline = time.time() + 20
            while time.time() < deadline:
                try:
                    if request(port, b"GET /metrics HTTP/1.1\r\n\r\n") == 200:
                        break
                except OSError:
                    pass  # not listening yet
                time.sleep(0.2)
            time.sleep(3)
            before = rates(log_path)
            check_documented_limits(port)

            slow = []
            for _ in range(200):
                try:
                    s = socket.create_connection(("127.0.0.1", port), timeout=2)
                    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
                    slow.append(s)
                except OSError:
                    break
            started = time.time()
            # Over the limit: closed at once. Within it: closed when their 5 s are up. Watch all
            # of them at once and note when each one ends.
            closed_at = []
            watch = selectors.DefaultSelector()
            for s in slow:
                watch.register(s, selectors.EVENT_READ)
            while watch.get_map() and time.time() - started < 9:
                for key, _ in watch.select(timeout=0.2):
                    try:
                        key.fileobj.recv(1)
                    except OSError:
                        pass
                    closed_at.append(time.time() - started)
                    watch.unregister(key.fileobj)
                    key.fileobj.close()
            if watch.get_map():
                failures.append(f"{len(watch.get_map())} slow clients still open after 9 s")
            during = rates(log_path)[len(before):]
            if len(closed_at) != 200:
                failures.append(f"slow clients: {len(closed_at)} of 200 closed by the server")
            # Exactly the documented limit is kept: the rest closed at once, those within it
            # when their time is up (not before, with a second of slack either way).
            early = sum(1 for t in closed_at if t < 2)
            held = sum(1 for t in closed_at if REQUEST_SECONDS - 1 <= t <= REQUEST_SECONDS + 3)
            check_counts = (early, held)
            if check_counts != (len(slow) - CONNECTION_LIMIT, CONNECTION_LIMIT):
                failures.append(f"slow clients closed at once, and after about {REQUEST_SECONDS} "
                                f"s: {check_counts}, the limit of {CONNECTION_LIMIT} says "
                                f"{(len(slow) - CONNECTION_LIMIT, CONNECTION_LIMIT)}")
            if len(slow) != 200:
                failures.append(f"only {len(slow)} of 200 slow clients connected")
            if closed_at and max(closed_at) > 8:
                failures.append(f"slow clients held for {max(closed_at):.1f} s (limit 5 s)")

            check_scrapes_among_slow_clients(port)

            big = b"GET /metrics HTTP/1.1\r\nX-Junk: " + b"a" * 20000 + b"\r\n\r\n"
            checks = [
                ("oversized headers", big, 431),
                ("POST with a body", b"POST /metrics HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc",
                 413),
                ("DELETE", b"DELETE /metrics HTTP/1.1\r\n\r\n", 405),
                ("garbage", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" * 20 + b"\r\n\r\n",
                 None),
                ("unknown path", b"GET /etc/passwd HTTP/1.1\r\n\r\n", 404),
                ("scrape after the abuse", b"GET /metrics HTTP/1.1\r\n\r\n", 200),
            ]
            for what, data, want in checks:
                got = request(port, data)
                if got != want:
                    failures.append(f"{what}: status {got}, expected {want}")
            # Until stopped (--duration 0): no budget the sequence must fit into.
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=40)
        finally:
            if proc.poll() is None:
                proc.kill()
        report = finished_report(proc, log_path, report_path, failures)
        if report is not None:
            if report["totals"]["packets"] <= 0:
                failures.append("the live run counted no frames")
        # The RX lcore goes on while the server is abused: a status line every second, each
        # with frames received since the one before.
        if len(during) < 3 or min(during) <= 0:
            failures.append(f"the RX lcore's rates while the server was abused: {during}")
        if before and during:
            b, d = sorted(before)[len(before) // 2], sorted(during)[len(during) // 2]
            print(f"http abuse: RX rate {d / 1e6:.2f} Mpps while abused, {b / 1e6:.2f} Mpps "
                  f"before (ratio {d / b:.2f})")
    return exit_status(failures)


if __name__ == "__main__":
    sys.exit(main())
