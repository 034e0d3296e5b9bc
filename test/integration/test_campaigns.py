#!/usr/bin/python3
"""Campaigns against the generator's ground truth.

- Every campaign of a scenario's truth (all but the everyday background) is reported on its
  port, for one of its countries or its tool, with its start within 2 hours and its end within
  3 hours, or still open when the truth runs to the end. Scenarios: the three seed scenarios
  and test/data/campaign-shapes.scn (a short burst, a long wave, a ramp, overlapping waves, a
  tool no rule names, a port with background alone).
- The background raises nothing: no campaign on a port that only has background, and every
  campaign reported falls inside the window of a truth campaign on its port.
- The unnamed tool is reported as a new tool, with its fingerprint key in words.
- A wave moving from one AS to another (test/data/as-move.scn): a port_as campaign per AS, the
  lead passing between them, each hour's counts by AS as the truth's in the report, the API and
  /metrics (top --top-ases and "other").
- Restart: a capture split at an hour inside a campaign and analysed in two runs sharing one
  series folder gives the campaigns of a single run.
- The API (/api/v1/campaigns with filters) and /metrics agree with the report; a bad filter is
  answered 400; scripts/print-report.py writes the narrative per port.
- The source store (source_checks.py): what the Satori sources did, their verdicts and the
  blocklist, answered after a restart.
- The guides say what the program does: every curl example of docs/api.md, run against the
  December scenario, answers 200 with the JSON the doc shows (`...` stands for what it leaves
  out); the campaign log lines of docs/report.md are what the run prints; --quiet prints none.

usage: test_campaigns.py SCANSCOPE SCANSCOPE_GEN SOURCE_DIR
"""

import datetime as dt
import collections
import glob
import json
import os
import re
import struct
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_pcap_report import check, failures  # noqa: E402
from serve_helpers import cache_args, exit_status, serve_offline  # noqa: E402
from source_checks import check_sources, store_args  # noqa: E402

START_SLACK = dt.timedelta(hours=2)
END_SLACK = dt.timedelta(hours=3)
CONFIG = None
# Sources stay decided for the whole scenario, as the truth assumes (docs/scenarios.md).
NEVER_IDLE = ["--source-idle", "1000000000"]
TOOL_NAMES = {"stack": "none"}  # scenario tool → scanscope tool


def when(text):
    return dt.datetime.strptime(text[:19], "%Y-%m-%dT%H:%M:%S")


def generate(gen, scenario, pcap, truth):
    proc = subprocess.run([gen, scenario, "-o", pcap, "-t", truth, "-q"], capture_output=True,
                          text=True, timeout=300)
    if proc.returncode != 0:
        failures.append(f"scanscope-gen {scenario}: exit {proc.returncode}: {proc.stderr}")
        return None
    with open(truth) as f:
        return json.load(f)


def analyse(scanscope, pcaps, report, extra=()):
    proc = subprocess.run([scanscope, "--config", CONFIG, *cache_args(), "--pcap", *pcaps, "--json-out", report,
                           "-q", *NEVER_IDLE, *extra],
                          capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        failures.append(f"scanscope {pcaps}: exit {proc.returncode}: {proc.stderr}")
        return None, proc.stderr
    with open(report) as f:
        return json.load(f), proc.stderr


def matches(truth_campaign, reported, port):
    """Whether a reported campaign tells the truth campaign's story on `port`."""
    if reported["port"] != port:
        return False
    tool = TOOL_NAMES.get(truth_campaign["tool"], truth_campaign["tool"])
    if reported["scope"] == "port_country":
        if reported["value"] not in truth_campaign["countries"]:
            return False
    elif reported["scope"] != "port_tool" or reported["value"] != tool:
        return False
    if abs(when(reported["start"]) - when(truth_campaign["start"])) > START_SLACK:
        return False
    if truth_campaign["ongoing"]:
        return reported["ongoing"]
    return (reported["end"] is not None and
            abs(when(reported["end"]) - when(truth_campaign["end"])) <= END_SLACK)


def check_tools_against_truth(name, truth, report):
    """Every probe of a masscan, ZMap or Mirai campaign is named its tool (their rules hold on
    every probe: a chance relation must not take one away), counted per port where the
    campaigns of that tool on the port each have that port alone. For scenarios without
    payloads: a handshake's ACK and request are the campaign's frames too, and name no tool."""
    expected = collections.Counter()
    mixed = set()
    for c in truth["campaigns"]:
        if c["tool"] in ("masscan", "zmap", "mirai"):
            for port in c["ports"]:
                if len(c["ports"]) == 1:
                    expected[(port, c["tool"])] += c["packets"]
                else:
                    mixed.add((port, c["tool"]))
    got = {(p["port"], t["name"]): t["packets"] for p in report["ports"] for t in p["tools"]}
    for key in sorted(set(expected) - mixed):
        check(f"{name}: {key[1]} frames on {key[0]}", got.get(key, 0), expected[key])


def check_against_truth(name, truth, report):
    waves = [c for c in truth["campaigns"] if not c["background"]]
    reported = report["campaigns"]
    for c in waves:
        for port in c["ports"]:
            if not any(matches(c, r, port) for r in reported):
                near = [(r["scope"], r["value"], r["start"], r["end"]) for r in reported
                        if r["port"] == port]
                failures.append(f"{name}: campaign {c['name']} on {port} ({c['start']} to "
                                f"{c['end']}) not reported; on that port: {near}")
    # The background raises nothing: each campaign lies inside a wave on its port.
    for r in reported:
        inside = [c for c in waves if r["port"] in c["ports"] and
                  when(c["start"]) - START_SLACK <= when(r["start"]) and
                  (c["end"] is None or when(r["start"]) <= when(c["end"]) + END_SLACK)]
        if not inside:
            failures.append(f"{name}: campaign {r['scope']} {r['port']} {r['value']} from "
                            f"{r['start']} matches no wave of the truth")
    print(f"{name}: {len(waves)} waves of the truth, {len(reported)} campaigns reported, "
          f"{len(report['lead_changes'])} lead changes")


def check_shapes(report):
    ports = {r["port"] for r in report["campaigns"]}
    check("campaigns on 3333 (background alone)", 3333 in ports, False)
    new_tools = [r for r in report["campaigns"] if r["new_tool"]]
    check("new-tool campaigns", [(r["port"], r["start"][:13]) for r in new_tools],
          [(8545, "2019-03-16T00")])
    if new_tools:
        # The generator sends TTL 128, window 14600, MSS only, DF set (docs/scenarios.md).
        words = new_tools[0]["value"]
        if not re.match(r"tcp:128:14600:mss\d+:ws-:M:df1:", words):
            failures.append(f"new tool's fingerprint in words: {words!r}")
    overlap = sorted((r["value"], r["start"][:13], (r["end"] or "")[:13])
                     for r in report["campaigns"]
                     if r["port"] == 2323 and r["scope"] == "port_country")
    check("2323 overlapping waves by country", overlap,
          [("BR", "2019-03-10T00", "2019-03-14T00"), ("IN", "2019-03-12T12", "2019-03-18T00")])
    leads = [(l["dimension"], l["from"], l["to"], l["bucket"][:13]) for l in
             report["lead_changes"] if l["port"] == 2323 and l["dimension"] == "country"]
    if ("country", "BR", "IN", "2019-03-14T00") not in leads:
        failures.append(f"2323: no lead change BR → IN at 2019-03-14T00: {leads}")


def split_pcap(path, at, first, second):
    """Write the records before `at` (a datetime) to first, the rest to second."""
    with open(path, "rb") as f:
        header = f.read(24)
        magic = struct.unpack("<I", header[:4])[0]
        per_second = 1e9 if magic == 0xa1b23c4d else 1e6
        cut = (at - dt.datetime(1970, 1, 1)).total_seconds()
        with open(first, "wb") as a, open(second, "wb") as b:
            a.write(header)
            b.write(header)
            while True:
                record = f.read(16)
                if len(record) < 16:
                    break
                seconds, fraction, captured, _ = struct.unpack("<IIII", record)
                data = f.read(captured)
                (a if seconds + fraction / per_second < cut else b).write(record + data)


# Clusters named after a tool take a source's first probes, before its source-port behaviour
# is known (docs/fingerprints.md). A restart forgets the sources (their table is in memory), so
# their first probes after it land there again: those clusters, and the packets of the clusters
# their sources move on to, are the one place a restart shows.
TOOL_CLUSTERS = {"mirai", "masscan", "zmap", "nmap", "hping3"}


def campaign_keys(report):
    keys = []
    for c in report["campaigns"]:
        if c["scope"] != "port_cluster":
            keys.append((c["scope"], c["port"], c["value"], c["start"], c["end"], c["packets"]))
        elif c["value"] not in TOOL_CLUSTERS:
            keys.append((c["scope"], c["port"], c["value"], c["start"], c["end"]))
    return sorted(keys)


def check_restart(scanscope, pcap, at, single, tmp):
    first, second = os.path.join(tmp, "first.pcap"), os.path.join(tmp, "second.pcap")
    split_pcap(pcap, at, first, second)
    series = os.path.join(tmp, "restart-series")
    one, _ = analyse(scanscope, [first], os.path.join(tmp, "first.json"),
                     ["--series-dir", series])
    # A clock that jumped ahead and back left a line dated 2030, and a damaged line claims
    # 9e18 packets: both are set aside with a warning, and detection goes on without them.
    newest = sorted(glob.glob(os.path.join(series, "scanscope-*.jsonl")))[-1]
    with open(newest) as f:
        sample = json.loads(f.readline())
    with open(newest, "a") as f:
        f.write(json.dumps(dict(sample, start="2030-01-01T00:00:00.000Z")) + "\n")
        f.write(json.dumps(dict(sample, packets=9 * 10 ** 18)) + "\n")
    two, log = analyse(scanscope, [second], os.path.join(tmp, "second.json"),
                       ["--series-dir", series])
    if one is None or two is None:
        return
    if "2 lines set aside" not in log or "2030-01-01T00:00:00.000Z" not in log:
        failures.append(f"restart: the lines from 2030 and with 9e18 packets were not set aside "
                        f"with a warning: {log[-600:]!r}")
    open_at_cut = [c for c in one["campaigns"] if c["ongoing"]]
    if not open_at_cut:
        failures.append("restart: the first half ends with no campaign open (cut elsewhere)")
    check("restart: campaigns of two runs sharing a series folder", campaign_keys(two),
          campaign_keys(single))
    check("restart: lead changes", two["lead_changes"], single["lead_changes"])
    print(f"restart at {at}: {len(open_at_cut)} campaigns open at the cut, "
          f"{len(two['campaigns'])} after the second run")


def check_missing_day(scanscope, single, tmp, day):
    """The halves check_restart cut, with the first half's day file of `day` removed between the
    runs: a warning names the missing file, and the campaigns open across that day are not
    split there (the day reads as unknown, not as silence)."""
    first, second = os.path.join(tmp, "first.pcap"), os.path.join(tmp, "second.pcap")
    series = os.path.join(tmp, "missing-day-series")
    analyse(scanscope, [first], os.path.join(tmp, "md-first.json"), ["--series-dir", series])
    removed = glob.glob(os.path.join(series, f"scanscope-{day}.*"))
    for path in removed:
        os.remove(path)
    two, log = analyse(scanscope, [second], os.path.join(tmp, "md-second.json"),
                       ["--series-dir", series])
    if two is None:
        return
    if len(removed) != 2 or f"scanscope-{day}.jsonl" not in log:
        failures.append(f"missing day: removed {removed}; no warning naming the day file: "
                        f"{log[-600:]!r}")
    day_start = when(day + "T00:00:00.000Z")
    day_end = day_start + dt.timedelta(days=1)
    across = [c for c in single["campaigns"] if when(c["start"]) < day_start and
              (c["end"] is None or when(c["end"]) > day_end)]
    # Split: ended on the missing day (or just after it) where one run over the capture goes on.
    ends = {(c["scope"], c["port"], c["value"], c["start"], c["end"])
            for c in single["campaigns"]}
    split = [c for c in two["campaigns"] if c["end"] is not None and
             day_start <= when(c["end"]) <= day_end + dt.timedelta(hours=12) and
             (c["scope"], c["port"], c["value"], c["start"], c["end"]) not in ends]
    if not across or split:
        failures.append(f"missing day: {len(split)} campaigns ended on {day} or just after it, "
                        f"where one run over the capture goes on, e.g. {split[:2]}")
    if len(two["campaigns"]) > len(single["campaigns"]):
        failures.append(f"missing day: {len(two['campaigns'])} campaigns, one run over the "
                        f"capture has {len(single['campaigns'])}")
    print(f"missing day {day}: {len(across)} campaigns open across it, none ended there; "
          f"{len(two['campaigns'])} campaigns")


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except (urllib.error.URLError, ConnectionError):
        return None, ""


def serve(scanscope, pcap, tmp, extra=()):
    """scanscope serving after an offline run of `pcap` on a port the system picks: (process,
    base URL), once the campaigns answer (start-up takes seconds under the sanitizers), or
    (process, None)."""
    proc, base = serve_offline(scanscope, CONFIG, [pcap],
                               os.path.join(tmp, f"serve-{os.path.basename(pcap)}.log"),
                               ["-q", *NEVER_IDLE, *extra])
    if base is None:
        return proc, None
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None:
        status, body = get(base + "/api/v1/campaigns")
        if status == 200 and json.loads(body)["campaigns"]:
            return proc, base
        time.sleep(0.5)
    return proc, None


def check_as_move(scanscope, gen, source_dir, tmp):
    """test/data/as-move.scn: a wave on 6379/TCP from one AS, then from another. Each AS's wave
    is a port_as campaign over its own days, the port's lead passes from the first AS to the
    second, every hour's sources and frames of each wave's AS are the truth's (the report's
    buckets, the API's group=as), an hour's sources by AS add up to the port's, and /metrics
    keeps the top --top-ases of the port plus "other", adding up to the port's frames."""
    pcap = os.path.join(tmp, "as-move.pcap")
    truth = generate(gen, os.path.join(source_dir, "test", "data", "as-move.scn"), pcap,
                     os.path.join(tmp, "as-move.truth.json"))
    if truth is None:
        return
    report, _ = analyse(scanscope, [pcap], os.path.join(tmp, "as-move.json"))
    if report is None:
        return
    waves = [c for c in truth["campaigns"] if c["ases"]]
    check("as-move: waves drawn by AS", len(waves), 2)
    for c in waves:
        if not any(r["scope"] == "port_as" and r["port"] == 6379 and r["value"] in c["ases"] and
                   abs(when(r["start"]) - when(c["start"])) <= START_SLACK and
                   r["end"] is not None and abs(when(r["end"]) - when(c["end"])) <= END_SLACK
                   for r in report["campaigns"]):
            failures.append(f"as-move: no port_as campaign for AS {c['ases']} from {c['start']} "
                            f"to {c['end']}: {[(r['scope'], r['value'], r['start'], r['end']) for r in report['campaigns'] if r['scope'] == 'port_as']}")
    first, second = waves[0]["ases"][0], waves[1]["ases"][0]
    moved = [l for l in report["lead_changes"] if l["dimension"] == "as" and
             l["from"] == first and l["to"] == second]
    if not moved or abs(when(moved[0]["bucket"]) - when(waves[1]["start"])) > START_SLACK:
        failures.append(f"as-move: no AS lead change {first} -> {second} at {waves[1]['start']}: "
                        f"{[l for l in report['lead_changes'] if l['dimension'] == 'as']}")
    truth_hours = {b["start"]: b for p in truth["ports"] if p["port"] == 6379 for b in p["series"]}
    port = next(p for p in report["ports"] if p["port"] == 6379)
    compared = 0
    for b in port["series"]:
        want = truth_hours.get(b["start"], {}).get("ases", {})
        for asn in (first, second):
            if asn in want and want[asn][1] >= 50:  # a wave's hour: among the top ASes
                compared += 1
                check(f"as-move: {b['start']} AS {asn} [frames, sources]", b["ases"].get(asn),
                      want[asn])
    check("as-move: wave hours compared", compared >= 200, True)
    proc, base = serve(scanscope, pcap, tmp)
    try:
        if base is None:
            failures.append("as-move: the API never answered")
            return
        by_as = json.loads(get(base + "/api/v1/series?port=6379&group=as")[1])["buckets"]
        by_port = {b["start"]: b["groups"]["6379"]["sources"] for b in
                   json.loads(get(base + "/api/v1/series?port=6379&group=port")[1])["buckets"]}
        for b in by_as:
            # One AS per source: distinct sources by AS add up to the port's.
            check(f"as-move api: {b['start']} sources by AS add up",
                  sum(g["sources"] for g in b["groups"].values()), by_port.get(b["start"]))
            want = truth_hours.get(b["start"], {}).get("ases", {})
            for asn in (first, second):
                if asn in want:
                    got = b["groups"].get(asn, {})
                    check(f"as-move api: {b['start']} AS {asn}",
                          [got.get("packets"), got.get("sources")], want[asn])
        filtered = json.loads(get(base + f"/api/v1/series?port=6379&as={first}")[1])["buckets"]
        check("as-move api: as= filter keeps that AS's buckets",
              {b["start"] for b in filtered},
              {b["start"] for b in by_as if first in b["groups"]})
        check("as-move api: bad as", get(base + "/api/v1/series?as=AS16509")[0], 400)
        check("as-move api: group=as with a country", get(
            base + "/api/v1/series?group=as&country=US")[0], 400)
        metrics = get(base + "/metrics")[1]
        samples = {m.group(1): int(m.group(2)) for m in re.finditer(
            r'^scanscope_port_as_frames_total\{port="6379",[^}]*asn="(\w+)"\} (\d+)$', metrics,
            re.M)}
        frames = re.search(r'^scanscope_port_frames_total\{port="6379",[^}]*\} (\d+)$', metrics,
                           re.M)
        check("as-move metrics: ASes of 6379 (top 10 and other)", len(samples), 11)
        check("as-move metrics: 'other' among them", "other" in samples, True)
        check("as-move metrics: AS frames add up to the port's",
              sum(samples.values()), int(frames.group(1)) if frames else None)
        check("as-move metrics: the first wave's AS frames",
              samples.get(first), sum(h["ases"].get(first, [0])[0] for h in truth_hours.values()))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    print(f"as-move: {compared} wave hours compared, {len(by_as)} buckets by AS")


def check_api(scanscope, pcap, report, tmp):
    proc, base = serve(scanscope, pcap, tmp)
    try:
        if base is None:
            failures.append("api: /api/v1/campaigns never answered with the campaigns")
            return
        status, body = get(base + "/api/v1/campaigns?port=2323&scope=port_country")
        check("api: status", status, 200)
        got = json.loads(body)
        want = [c for c in report["campaigns"] if c["port"] == 2323 and
                c["scope"] == "port_country"]
        check("api: 2323 country campaigns", got["campaigns"], want)
        status, body = get(base + "/api/v1/campaigns?from=2019-03-16T00:00:00Z&to=2019-03-16T"
                                  "05:00:00Z&scope=port_fingerprint")
        check("api: fingerprint campaigns in a period",
              [c["value"] for c in json.loads(body)["campaigns"]],
              [c["value"] for c in report["campaigns"] if c["new_tool"]])
        check("api: bad scope", get(base + "/api/v1/campaigns?scope=planet")[0], 400)
        check("api: bad port", get(base + "/api/v1/campaigns?port=9")[0], 400)
        status, metrics = get(base + "/metrics")
        started = {}
        for line in metrics.splitlines():
            m = re.match(r'scanscope_campaigns_started_total\{scope="(\w+)"\} (\d+)', line)
            if m:
                started[m.group(1)] = int(m.group(2))
        by_scope = {}
        for c in report["campaigns"]:
            by_scope[c["scope"]] = by_scope.get(c["scope"], 0) + 1
        check("metrics: campaigns started by scope",
              {k: v for k, v in started.items() if v}, by_scope)
        active = sum(int(line.rsplit(" ", 1)[1]) for line in metrics.splitlines()
                     if line.startswith("scanscope_campaigns_active{"))
        check("metrics: campaigns active", active,
              sum(1 for c in report["campaigns"] if c["ongoing"]))
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def doc_examples(path):
    """(url, answer or "") for each `curl 'URL'` line of a doc's code blocks; the answer is the
    lines under it up to the next blank, comment or curl line, joined."""
    examples = []
    in_block = False
    with open(path) as f:
        lines = f.read().splitlines()
    for i, line in enumerate(lines):
        if line.startswith("```"):
            in_block = not in_block
            continue
        m = re.match(r"curl '([^']+)'", line) if in_block else None
        if not m:
            continue
        answer = []
        for follow in lines[i + 1:]:
            if not follow.strip() or follow.startswith(("#", "curl", "```")):
                break
            answer.append(follow.strip())
        examples.append((m.group(1), "".join(answer)))
    return examples


def shown_in(shown, actual):
    """Whether a doc's shortened answer fits the actual one: the pieces between its `...` appear
    in the compact JSON in order."""
    compact = json.dumps(actual, separators=(",", ":"))
    at = 0
    for piece in shown.split("..."):
        found = compact.find(piece, at)
        if found < 0:
            return False
        at = found + len(piece)
    return compact.startswith(shown.split("...")[0]) and compact.endswith(shown.split("...")[-1])


def check_doc_examples(scanscope, pcap, source_dir, tmp):
    """docs/api.md's examples and docs/report.md's log lines against the scenario they cite,
    analysed with the shipped config as an operator would (no test options)."""
    log_path = os.path.join(tmp, "doc-run.log")
    proc, base = serve_offline(scanscope, CONFIG, [pcap], log_path)
    try:
        if base is None:
            failures.append("doc examples: scanscope never named the port it serves on")
            return
        deadline = time.time() + 300
        while time.time() < deadline and proc.poll() is None:
            if get(base + "/api/v1/surges")[0] == 200:
                break
            time.sleep(0.5)
        else:
            failures.append("doc examples: the endpoints never came up")
            return
        examples = doc_examples(os.path.join(source_dir, "docs", "api.md"))
        check("doc examples: curl lines in docs/api.md", len(examples) >= 6, True)
        for url, shown in examples:
            if "/api/v1/exposure" in url:
                continue  # a tap's example; the scenario is a darknet's
            status, body = get(url.replace("http://127.0.0.1:9477", base))
            check(f"doc example {url}: status", status, 200)
            if shown and status == 200 and not shown_in(shown, json.loads(body)):
                failures.append(f"doc example {url}: the doc shows {shown[:300]}, the program "
                                f"answers {body[:300]}")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    with open(log_path) as f:
        log = f.read().splitlines()
    with open(os.path.join(source_dir, "docs", "report.md")) as f:
        doc_lines = [line for line in f.read().splitlines()
                     if line.startswith("scanscope: ") and ("campaign on" in line or
                                                            " leads from " in line)]
    check("doc log lines in docs/report.md", len(doc_lines) >= 3, True)
    # Each campaign line ends with its ratio, the unit inside it (not "(... 0.0) packets").
    check("campaign lines with a unit after the ratio's parenthesis",
          [line for line in log if "campaign on" in line and ") packets" in line], [])
    for line in doc_lines:
        if line not in log:
            failures.append(f"docs/report.md shows the log line {line!r}; the run printed no "
                            "such line")


EVENT_LINE = re.compile(r"campaign on |surge on | leads from ")


def check_narrative(source_dir, report_path):
    out = subprocess.run([os.path.join(source_dir, "scripts", "print-report.py"), report_path],
                         capture_output=True, text=True, timeout=60)
    check("print-report exit code", out.returncode, 0)
    line = next((l for l in out.stdout.splitlines() if l.strip().startswith("8545/tcp:")), "")
    for want in ("RU from 2018-12-03 20:00 to 2018-12-14 15:00", "BG from 2018-12-19 23:00",
                 "US from 2018-12-12 00:00", "ongoing"):
        if want not in line:
            failures.append(f"narrative: {want!r} not in {line!r}")
    print("narrative:", line.strip())


def main():
    global CONFIG
    scanscope, gen, source_dir = sys.argv[1:4]
    CONFIG = os.path.join(source_dir, "config", "scanscope.conf")
    sanitized = bool(os.environ.get("SCANSCOPE_TEST_SANITIZED"))
    with tempfile.TemporaryDirectory() as tmp:
        scenarios = [("campaign-shapes", os.path.join(source_dir, "test", "data",
                                                      "campaign-shapes.scn"))]
        if not sanitized:
            # Under ASan the shapes cover the same code; the seeds are checked on the normal
            # build (1.5 million frames).
            for name in ("ethereum-2018-12", "claymore-satori-2018-01", "adb-mirai-2018-02"):
                scenarios.append((name, os.path.join(source_dir, "config", "scenarios",
                                                     name + ".scn")))
        reports = {}
        for name, path in scenarios:
            pcap = os.path.join(tmp, name + ".pcap")
            truth = generate(gen, path, pcap, os.path.join(tmp, name + ".truth.json"))
            if truth is None:
                continue
            report_path = os.path.join(tmp, name + ".json")
            extra = []
            if name == "claymore-satori-2018-01":
                extra, background = store_args(tmp, truth, os.path.join(source_dir, "config",
                                                                        "actors.conf"))
            report, stderr = analyse(scanscope, [pcap], report_path, extra)
            if report is None:
                continue
            # -q: errors, warnings and the report's line only; events are in the report.
            check(f"{name}: event lines under --quiet",
                  [line for line in stderr.splitlines() if EVENT_LINE.search(line)], [])
            reports[name] = (pcap, report, report_path)
            check_against_truth(name, truth, report)
            if name == "campaign-shapes":  # no payloads: every frame is a probe
                check_tools_against_truth(name, truth, report)
            if extra:
                check_sources(scanscope, CONFIG, pcap, extra, background, tmp, report_path, truth)
        if "campaign-shapes" in reports:
            pcap, report, _ = reports["campaign-shapes"]
            check_shapes(report)
            check_api(scanscope, pcap, report, tmp)
            if sanitized:
                check_restart(scanscope, pcap, dt.datetime(2019, 3, 12), report, tmp)
        check_as_move(scanscope, gen, source_dir, tmp)
        if "ethereum-2018-12" in reports:
            pcap, report, report_path = reports["ethereum-2018-12"]
            # Cut mid-hour: the second run completes the first run's last bucket.
            check_restart(scanscope, pcap, dt.datetime(2018, 12, 8, 0, 30), report, tmp)
            check_missing_day(scanscope, report, tmp, "2018-12-05")
            check_narrative(source_dir, report_path)
            check_doc_examples(scanscope, pcap, source_dir, tmp)
    return exit_status(failures)


if __name__ == "__main__":
    sys.exit(main())
