#!/usr/bin/python3
"""The browser console, loaded by a real browser (Debian's chromium, headless).

- A `--serve` run over the December 2018 scenario and one hostile request: the rendered page's
  8545 charts hold the RU, US and BG series, the campaign list names the RU campaign, and a
  screenshot is written to out/console.png.
- The hostile request's bytes (`<script>`, `<img onerror>`, quotes) show as text in the
  signature table; no script from traffic runs (the page title stays), no element from it
  exists.
- Every answer carries a Content-Security-Policy that allows only the sensor's own scripts;
  the page holds no inline script; the view is kept in the URL.

usage: test_console.py SCANSCOPE SCANSCOPE_GEN SOURCE_DIR
"""

import html.parser
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_pcap_report import check, failures  # noqa: E402
from ip_frames import checksum  # noqa: E402
from serve_helpers import cache_args, exit_status  # noqa: E402

# The request's bytes as the excerpt keeps them: the 96 bytes that end where the rule matched.
HOSTILE = (b'{"p":"<img src=x onerror=x()><script>document.title=\'pwned\'</script>",'
           b'"method":"eth_accounts","id":1}')


def hostile_capture(path):
    """A SYN, an ACK and one POST of HOSTILE to 8545 that closes its connection, on
    2018-11-30 23:00 UTC, an hour before the December scenario: read first, it is the excerpt
    the signature keeps."""
    src, dst = bytes([198, 51, 100, 66]), bytes([198, 18, 0, 9])

    def frame(flags, seq, payload=b""):
        segment = struct.pack("!HHIIBBHHH", 40123, 8545, seq, 5000, 5 << 4, flags, 64240, 0,
                              0) + payload
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(segment), 1, 0x4000, 64, 6, 0,
                         src, dst)
        ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
        return bytes.fromhex("020000000009020000000007") + b"\x08\x00" + ip + segment

    request = (b"POST / HTTP/1.1\r\nHost: 198.18.0.9:8545\r\nContent-Type: application/json\r\n"
               b"Content-Length: " + str(len(HOSTILE)).encode() + b"\r\n\r\n" + HOSTILE)
    frames = [frame(0x02, 1000), frame(0x10, 1001), frame(0x19, 1001, request)]
    with open(path, "wb") as w:
        w.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, f in enumerate(frames):
            w.write(struct.pack("<IIII", 1543618800 + i, 0, len(f), len(f)) + f)


class page(html.parser.HTMLParser):
    """What the rendered DOM holds: elements by id with their text, scripts, the title."""

    def __init__(self):
        super().__init__()
        self.stack, self.text, self.scripts, self.series, self.title = [], {}, [], [], ""
        self.images = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script":
            self.scripts.append(a.get("src"))
        if tag == "img":
            self.images.append(a.get("src"))
        if tag == "li" and "data-series" in a:
            self.series.append((self.current_id(), a["data-series"]))
        self.stack.append((tag, a.get("id")))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def current_id(self):
        return next((i for _, i in reversed(self.stack) if i), None)

    def handle_data(self, data):
        if self.stack and self.stack[-1][0] == "title":
            self.title += data
        for _, i in self.stack:
            if i:
                self.text[i] = self.text.get(i, "") + data


def chromium(*args, timeout=120):
    return subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu",
                           "--hide-scrollbars", "--virtual-time-budget=20000", *args],
                          capture_output=True, text=True, timeout=timeout)


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()
    except (urllib.error.URLError, ConnectionError):
        return None, {}, ""


def main():
    scanscope, gen, source_dir = sys.argv[1:4]
    config = os.path.join(source_dir, "config", "scanscope.conf")
    out_dir = os.path.join(source_dir, "out")
    if not shutil.which("chromium"):
        print("FAIL: chromium is missing (Debian package chromium)")
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        december = os.path.join(tmp, "december.pcap")
        proc = subprocess.run([gen, os.path.join(source_dir, "config", "scenarios",
                                                 "ethereum-2018-12.scn"), "-o", december, "-q"],
                              capture_output=True, text=True, timeout=300)
        check("scanscope-gen exit code", proc.returncode, 0)
        hostile = os.path.join(tmp, "hostile.pcap")
        hostile_capture(hostile)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen([scanscope, "--config", config, *cache_args(), "--pcap", hostile, december,
                                   "--serve", "--http", f"127.0.0.1:{port}", "-q"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.time() + 300
            while time.time() < deadline and server.poll() is None:
                if get(base + "/api/v1/campaigns")[0] == 200:
                    break
                time.sleep(0.5)
            status, headers, index = get(base + "/")
            check("GET / status", status, 200)
            policy = headers.get("Content-Security-Policy", "")
            for part in ("script-src 'self'", "default-src 'none'", "frame-ancestors 'none'"):
                if part not in policy:
                    failures.append(f"Content-Security-Policy lacks {part!r}: {policy!r}")
            if "unsafe-inline" in policy:
                failures.append(f"Content-Security-Policy allows inline code: {policy!r}")
            parsed = page()
            parsed.feed(index)
            check("scripts of the page (none inline)", parsed.scripts, ["/ui/chart.js", "/ui/app.js"])
            check("GET /ui/chart.js status", get(base + "/ui/chart.js")[0], 200)
            check("API answers carry the policy too",
                  "script-src 'self'" in get(base + "/api/v1/report")[1].get(
                      "Content-Security-Policy", ""), True)

            view = base + "/?port=8545&split=cluster"
            dom = chromium("--dump-dom", view)
            check("chromium --dump-dom exit code", dom.returncode, 0)
            rendered = page()
            rendered.feed(dom.stdout)
            by_country = [s for where, s in rendered.series if where == "legend-country"]
            for country in ("RU", "US", "BG"):
                if country not in by_country:
                    failures.append(f"8545 chart by country has no {country} series: {by_country}")
            if not [s for where, s in rendered.series if where == "legend-split"]:
                failures.append("8545 chart by cluster has no series")
            if "eth-accounts" not in [s for where, s in rendered.series
                                      if where == "legend-signature"]:
                failures.append("8545 chart by signature has no eth-accounts series")
            campaigns = rendered.text.get("campaigns", "")
            if "RU" not in campaigns or "2018-12-03 20:00" not in campaigns:
                failures.append(f"the campaign list does not name the RU campaign: {campaigns!r}")
            # The hostile bytes are text in the signature table, nothing more.
            signatures = rendered.text.get("signatures", "")
            if "<script>document.title='pwned'</script>" not in signatures or \
                    "<img src=x onerror=x()>" not in signatures:
                failures.append(f"the hostile excerpt is not shown as text: {signatures!r}")
            check("page title (no script from traffic ran)", rendered.title, "scanscope console")
            check("scripts in the rendered page", rendered.scripts, ["/ui/chart.js", "/ui/app.js"])
            check("images in the rendered page", rendered.images, [])
            if "8545" not in rendered.text.get("status", ""):
                failures.append(f"status line: {rendered.text.get('status')!r}")

            os.makedirs(out_dir, exist_ok=True)
            shot = os.path.join(out_dir, "console.png")
            if os.path.exists(shot):
                os.remove(shot)
            taken = chromium("--window-size=1400,1000", f"--screenshot={shot}", view)
            check("chromium --screenshot exit code", taken.returncode, 0)
            check("screenshot written", os.path.exists(shot) and os.path.getsize(shot) > 10000,
                  True)
            print(f"console: {len(by_country)} country series, screenshot {shot}")
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
    return exit_status(failures)


if __name__ == "__main__":
    sys.exit(main())
