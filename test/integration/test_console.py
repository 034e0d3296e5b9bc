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
- What a person reads: a watched port without traffic (?port=3333) is shown empty and said so,
  not replaced by another; a series keeps its colour between the month and a three-day view;
  legends say source-hours; the top sources' port counts are rounded estimates; the time range
  is typed as UTC 24-hour text; a signature's excerpt starts with its request's first line.

usage: test_console.py SCANSCOPE SCANSCOPE_GEN SOURCE_DIR
"""

import collections
import html.parser
import json
import os
import re
import shutil
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
from serve_helpers import cache_args, exit_status, serve_offline  # noqa: E402

# The request's body: the excerpt keeps the request's first line, then the bytes that end where
# the rule matched (128 in all), these among them.
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
        self.colours = {}  # (legend id, series) -> the swatch's colour
        self.inputs = {}   # input id -> its attributes

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script":
            self.scripts.append(a.get("src"))
        if tag == "img":
            self.images.append(a.get("src"))
        if tag == "li" and "data-series" in a:
            self.series.append((self.current_id(), a["data-series"]))
        if tag == "span" and a.get("class") == "swatch" and self.series:
            self.colours[self.series[-1]] = a.get("style", "")
        if tag == "input":
            self.inputs[a.get("id")] = a
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


def rendered_view(url):
    dom = chromium("--dump-dom", url)
    check(f"chromium --dump-dom {url} exit code", dom.returncode, 0)
    r = page()
    r.feed(dom.stdout)
    return r


def check_pivot_cell(base, campaigns_text):
    """The campaign rows show each campaign's pivots as the API gives them."""
    found = json.loads(get(base + "/api/v1/campaigns?port=8545&scope=port_country")[2])
    ru = [c for c in found["campaigns"] if c["value"] == "RU"]
    if not ru or "pivots" not in ru[0]:
        failures.append("the RU campaign has no pivots in the API (source store)")
        return
    unlock = [s for s in ru[0]["pivots"]["signatures"] if s["name"] == "personal-unlockaccount"]
    if not unlock:
        failures.append(f"the RU campaign's sources sent no personal-unlockaccount: {ru[0]['pivots']}")
        return
    # As the page rounds (Math.round: halves up).
    cell = f"personal-unlockaccount on 8545 {int(100 * unlock[0]['share'] + 0.5)}%"
    if cell not in campaigns_text:
        failures.append(f"the campaign rows do not show {cell!r}: {campaigns_text[:400]!r}")
    # --emulate all: the steps the campaign's sources reached on 8545, as the API gives them;
    # the unlocking sources reached eth_unlock (the signature and the step read the same bytes).
    steps = [s for s in ru[0]["pivots"].get("steps", []) if s["port"] == 8545]
    unlocked = [s for s in steps if s["step"] == "eth_unlock"]
    check("the RU campaign's sources that reached eth_unlock",
          unlocked[0]["sources"] if unlocked else None, unlock[0]["sources"])
    cell = "steps: " + ", ".join(f"{s['step']} {int(100 * s['share'] + 0.5)}%" for s in steps)
    if not steps or cell not in campaigns_text:
        failures.append(f"the campaign rows do not show {cell!r}: {campaigns_text[:400]!r}")


def check_readable(base, month):
    """What the page tells a person, beyond the numbers."""
    # A series' colour is its name's: RU in the month view and in three days of it.
    days = rendered_view(base + "/?port=8545&from=2018-12-12T00:00:00Z&to=2018-12-15T00:00:00Z")
    for country in ("RU", "US"):
        key = ("legend-country", country)
        if key not in month.colours or key not in days.colours:
            failures.append(f"colours: {country} is not in both views' legends")
        elif month.colours[key] != days.colours[key]:
            failures.append(f"colours: {country} is {month.colours[key]!r} over the month and "
                            f"{days.colours[key]!r} over three days")
    legend = month.text.get("legend-country", "")
    check("legend totals labelled source-hours", "source-hours" in legend, True)
    # Top sources' distinct ports: whole numbers, labelled estimates.
    sources = month.text.get("sources", "")
    # (addresses have at most three digits after a dot; the raw estimates have sixteen)
    check("top sources with long decimals", re.findall(r"\d+\.\d{4,}", sources), [])
    check("top sources' ports column says estimate", "estimate" in sources, True)
    # The time range: typed text in UTC and 24 hours, not the browser's local datetime picker.
    for field in ("from", "to"):
        attrs = month.inputs.get(field, {})
        check(f"the {field} field's type", attrs.get("type"), "text")
        check(f"the {field} field's format", attrs.get("placeholder"), "YYYY-MM-DD HH:MM")
    # A port without traffic is that port, empty, and said so.
    quiet = rendered_view(base + "/?port=3333")
    note = quiet.text.get("port-note", "")
    check("?port=3333 says it has no traffic", ("3333" in note, "no traffic" in note),
          (True, True))
    check("?port=3333 draws no country series",
          [s for where, s in quiet.series if where == "legend-country"], [])
    if "3333" not in quiet.text.get("status", ""):
        failures.append(f"?port=3333: the status line names another port: "
                        f"{quiet.text.get('status')!r}")
    # The excerpt reads from the request's start.
    signatures = month.text.get("signatures", "")
    if "POST / HTTP/1.1\\x0d\\x0a \u2026 " not in signatures:
        failures.append(f"the excerpt does not start with the request line: {signatures!r}")


def check_second_stages(base, rendered):
    """The steps and indicators of 8545 (read with --emulate all) as the API gives them: the
    scenario's thieves sent transactions to one address, and the page says so."""
    thief = "0x9e4b1d2c3a4f5e6d7c8b9a0f1e2d3c4b5a697887"
    found = json.loads(get(base + "/api/v1/indicators?port=8545&kind=eth_recipient")[2])
    rows = [i for i in found["indicators"] if i["value"] == thief]
    indicators = rendered.text.get("indicators", "")
    if not rows or f"eth_recipient{thief}{rows[0]['count']}{rows[0]['sources']}" not in indicators:
        failures.append(f"the indicator rows do not show {thief} as the API does ({rows}): "
                        f"{indicators[:400]!r}")
    steps = rendered.text.get("steps", "")
    for step in ("eth_recon", "eth_unlock", "eth_send"):
        if step not in steps:
            failures.append(f"the steps table lacks {step}: {steps!r}")


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
        server, base = serve_offline(scanscope, config, [hostile, december],
                                     os.path.join(tmp, "serve.log"),
                                     ["-q", "--source-store", os.path.join(tmp, "sources.db"),
                                      "--emulate", "all"])
        try:
            if base is None:
                failures.append("scanscope never named the port it serves on")
                return exit_status(failures)
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
            # The RU wave's sources unlocked accounts too (the scenario's ru-masscan payloads):
            # the row shows the share the API's pivots give.
            check_pivot_cell(base, campaigns)
            # The hostile bytes are text in the signature table, nothing more.
            signatures = rendered.text.get("signatures", "")
            if "<script>document.title='pwned'</script>" not in signatures or \
                    "<img src=x onerror=x()>" not in signatures:
                failures.append(f"the hostile excerpt is not shown as text: {signatures!r}")
            check("page title (no script from traffic ran)", rendered.title, "scanscope console")
            check("scripts in the rendered page", rendered.scripts, ["/ui/chart.js", "/ui/app.js"])
            check("images in the rendered page", rendered.images, [])
            check_readable(base, rendered)
            check_second_stages(base, rendered)
            if "8545" not in rendered.text.get("status", ""):
                failures.append(f"status line: {rendered.text.get('status')!r}")

            # Split by AS, a dimension the console learns from /api/v1/dimensions: the series
            # are AS numbers, the busiest first as the API counts them.
            by_as = chromium("--dump-dom", base + "/?port=8545&split=as")
            as_view = page()
            as_view.feed(by_as.stdout)
            check("split=as caption", as_view.text.get("split-caption"), "Sources per hour by AS")
            legend = [s for where, s in as_view.series if where == "legend-split"]
            source_hours = collections.Counter()
            for b in json.loads(get(base + "/api/v1/series?port=8545&group=as")[2])["buckets"]:
                for asn, g in b["groups"].items():
                    source_hours[asn] += g["sources"]
            check("split=as: series are AS numbers (and the rest)",
                  all(s.isdigit() or s == "rest" for s in legend) and len(legend) > 1, True)
            check("split=as: the first series", legend[:1],
                  [source_hours.most_common(1)[0][0]] if source_hours else [])
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
