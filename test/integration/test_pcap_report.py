#!/usr/bin/env python3
"""Run `scanscope --pcap` on every capture in test/data and check its JSON report against
counts taken from the capture itself: tcpdump (libpcap's own reader and BPF filters) for the
real-tool captures, and the generator's sidecar file for the hand-made edge cases.

usage: test_pcap_report.py SCANSCOPE DATA_DIR [STAGE_BENCH]
(STAGE_BENCH writes the capture of distinct spoofed sources for the source-table flood check)
"""
import datetime as dt
import glob
import ipaddress
import json
import os
import re
import socket
import struct
import subprocess
import sys
import tempfile

from serve_helpers import cache_args

failures = []


def check(what, got, want):
    if got != want:
        failures.append(f"{what}: scanscope says {got}, expected {want}")


def tcpdump_lines(path, bpf=None):
    """Frame lengths tcpdump reports for the frames matching bpf."""
    cmd = ["tcpdump", "-r", path, "-nn", "-e", "-q"]
    if bpf:
        cmd.append(bpf)
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    lengths = []
    for line in out.splitlines():
        m = re.search(r"length (\d+)", line)
        if m:
            lengths.append(int(m.group(1)))
        else:
            failures.append(f"{path}: cannot read a frame length in tcpdump line {line!r}")
    return lengths


def tcpdump_sources(path, bpf):
    """Source addresses of the IPv4 TCP/UDP frames matching bpf ("IP a.b.c.d.port > ...")."""
    out = subprocess.run(["tcpdump", "-r", path, "-nn", "-q", bpf], capture_output=True,
                         text=True, check=True).stdout
    return {line.split()[2].rsplit(".", 1)[0] for line in out.splitlines()}


CONFIG = None  # the shipped config/scanscope.conf, set in main()


def run_scanscope(scanscope, path, extra=(), with_geo=False):
    # Loading the location database takes about two seconds; only the country check needs it.
    geo = [] if with_geo else ["--geo-db", "none"]
    with tempfile.TemporaryDirectory() as tmp:
        report_path = os.path.join(tmp, "report.json")
        proc = subprocess.run(
            [scanscope, "--config", CONFIG, *cache_args(), "--pcap", path, "--json-out", report_path,
             *geo, *extra],
            capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            failures.append(f"{path}: scanscope exited {proc.returncode}: {proc.stderr.strip()}")
            return None
        if "scanscope summary" not in proc.stdout:
            failures.append(f"{path}: no summary table on stdout")
        with open(report_path) as f:
            return json.load(f)


def port_packets(report, port, proto):
    for p in report["ports"]:
        if p["port"] == port and p["protocol"] == proto:
            return p["packets"]
    raise KeyError(f"{port}/{proto} is not a watched port in the report")


def check_against_tcpdump(scanscope, path):
    report = run_scanscope(scanscope, path)
    if report is None:
        return
    name = os.path.basename(path)
    frames = tcpdump_lines(path)
    check(f"{name} frames", report["totals"]["packets"], len(frames))
    check(f"{name} bytes", report["totals"]["bytes"], sum(frames))
    for proto, bpf in [("tcp", "tcp"), ("udp", "udp"), ("icmp", "icmp"),
                       ("non_ip", "not ip and not ip6")]:
        check(f"{name} {proto} frames", report["protocols"][proto]["packets"],
              len(tcpdump_lines(path, bpf)))
    # BPF's icmp6 does not follow IPv6 extension headers (MLD reports sit behind hop-by-hop
    # options); tcpdump's decoder does.
    decoded = subprocess.run(["tcpdump", "-r", path, "-nn"], capture_output=True, text=True,
                             check=True).stdout
    check(f"{name} icmpv6 frames", report["protocols"]["icmpv6"]["packets"],
          sum(1 for line in decoded.splitlines() if "ICMP6" in line))
    for p in report["ports"]:
        bpf = f"{p['protocol']} dst port {p['port']}"
        check(f"{name} {p['port']}/{p['protocol']} frames", p["packets"],
              len(tcpdump_lines(path, bpf)))
    check(f"{name} malformed", report["totals"]["malformed"], 0)
    # Spread over two RX lcores by source address, the totals stay exact.
    two = run_scanscope(scanscope, path, ["--workers", "2"])
    if two is not None:
        check(f"{name} frames on two lcores", two["totals"]["packets"], len(frames))
        check(f"{name} per-port on two lcores", two["ports"], report["ports"])


def check_against_sidecar(scanscope, path, sidecar):
    report = run_scanscope(scanscope, path)
    if report is None:
        return
    name = os.path.basename(path)
    with open(sidecar) as f:
        want = json.load(f)
    check(f"{name} frames", report["totals"]["packets"], want["packets"])
    check(f"{name} bytes", report["totals"]["bytes"], want["bytes"])
    got_parse = {k: v for k, v in report["parse"].items() if v}
    check(f"{name} parse results", got_parse, want["parse"])
    got_protocols = {k: v["packets"] for k, v in report["protocols"].items() if v["packets"]}
    check(f"{name} protocols", got_protocols, want["protocols"])
    for key, count in want["ports"].items():
        port, proto = key.split("/")
        check(f"{name} {key} frames", port_packets(report, int(port), proto), count)


# Captures of one tool each: the BPF filter that selects the tool's probes, the tool scanscope
# must name for each of them, and the cluster its SYNs must land in: every one for masscan, nmap
# and ZMap, whose source-port behaviour the tool tells; for the others every one after a
# source's first (the first probe cannot show the source-port behaviour yet).
TOOL_CAPTURES = {
    "masscan-syn.pcap": ("tcp and tcp[tcpflags] & tcp-ack == 0", "masscan", "fixed-port-w1024"),
    "nmap-syn.pcap": ("tcp[tcpflags] == tcp-syn", "nmap", "fixed-port-w1024"),
    "zmap-syn.pcap": ("tcp[tcpflags] == tcp-syn", "zmap", "random-port-w65535"),
    # Today's releases (make-current-scanner-captures.sh): ZMap 4.3.4, masscan's master.
    "zmap4-syn.pcap": ("tcp[tcpflags] == tcp-syn", "zmap", "random-port-w65535"),
    "masscan-master-syn.pcap": ("tcp and tcp[tcpflags] & tcp-ack == 0", "masscan", None),
    # nmap -sF, -sN, -sX, -sA, -sM: every probe is nmap's.
    "nmap-techniques.pcap": ("tcp and tcp[tcpflags] & tcp-syn == 0", "nmap", None),
    "mirai-like.pcap": ("tcp[tcpflags] == tcp-syn", "mirai", None),
    "hping3-mix.pcap": ("tcp[tcpflags] == tcp-syn and ip[6:2] & 0x3fff == 0", "hping3", None),
}


def check_tool_capture(scanscope, path):
    name = os.path.basename(path)
    bpf, tool, cluster = TOOL_CAPTURES[name]
    report = run_scanscope(scanscope, path)
    if report is None:
        return
    probes = len(tcpdump_lines(path, bpf))
    sources = len(tcpdump_sources(path, bpf))
    tools = {t["name"]: t for t in report["tools"]}
    check(f"{name} packets named {tool}", tools[tool]["packets"], probes)
    check(f"{name} sources named {tool}", tools[tool]["sources"], sources)
    for other, t in tools.items():
        if other not in (tool, "none"):
            check(f"{name} packets named {other}", t["packets"], 0)
    if cluster:
        syn = "tcp[tcpflags] == tcp-syn"
        in_cluster = sum(c["packets"] for p in report["ports"] for c in p["clusters"]
                         if c["name"] == cluster)
        first_probes = 0 if tool in ("masscan", "nmap", "zmap") else len(tcpdump_sources(path, syn))
        check(f"{name} SYNs in cluster {cluster}", in_cluster,
              len(tcpdump_lines(path, syn)) - first_probes)


# Captures of real clients (make-payload-captures.sh): the rules each must fire, with the number
# of connections that carried them where every request had a connection of its own (None: the
# client kept one connection for several requests, so the count is the connections seen).
PAYLOAD_CAPTURES = {
    "jsonrpc-ethers.pcap": {r: None for r in [
        "eth-accounts", "eth-blocknumber", "eth-getbalance", "net-version", "web3-clientversion",
        "jsonrpc-batch", "personal-unlockaccount", "eth-sendtransaction", "personal-newaccount",
        "miner-setetherbase", "miner-start"]},
    "jsonrpc-curl.pcap": {"eth-accounts": 1, "personal-unlockaccount": 1},
    "claymore.pcap": {"claymore-getstat1": 1, "claymore-getstat2": 1, "claymore-control-gpu": 1,
                      "claymore-restart": 1},
    "adb.pcap": {"adb-cnxn": 1, "adb-host-banner": 1, "adb-shell-download": 1,
                 "adb-shell-data-local-tmp": 1, "adb-shell-chmod-run": 1, "wget-http": 1,
                 "busybox-wget-tftp": 1},
    "exploits.pcap": {"realtek-upnp-addportmapping": 1, "upnp-picsdesc-post": 1, "wget-http": 1,
                      "mirai-family-binary": 2, "bins-directory-binary": 2, "selfrep-marker": 2,
                      "huawei-hg532-deviceupgrade": 1, "huawei-hg532-injection": 1,
                      "busybox-wget-tftp": 1},
    "benign.pcap": {},
}


def check_payload_capture(scanscope, path):
    name = os.path.basename(path)
    want = PAYLOAD_CAPTURES[name]
    report = run_scanscope(scanscope, path)
    if report is None:
        return
    got = {s["name"]: s for s in report["signatures"] if s["hits"]}
    check(f"{name} rules that fired", sorted(got), sorted(want))
    for rule, hits in want.items():
        if rule in got:
            if hits is not None:
                check(f"{name} {rule} hits", got[rule]["hits"], hits)
            check(f"{name} {rule} sources", got[rule]["sources"], 1)
            if not got[rule]["excerpt"]:
                failures.append(f"{name} {rule}: no payload excerpt")
    check(f"{name} scan errors", report["payload_scan"]["errors"], 0)
    if name == "adb.pcap":
        # The point of stream mode: adb sends CNXN's 24-byte header and the banner apart.
        lengths = [int(m) for m in re.findall(r"length (\d+)", subprocess.run(
            ["tcpdump", "-r", path, "-nn", "tcp dst port 5555 and tcp[13] & 8 != 0"],
            capture_output=True, text=True).stdout)]
        if lengths[:2] != [24, lengths[1]] or lengths[1] <= 24:
            failures.append(f"adb.pcap: CNXN header and banner not in separate segments: {lengths}")


def write_syn_capture(path, sources):
    """A classic pcap of one TCP SYN to 8545 from each (address, count) in sources."""
    import ipaddress
    import struct
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        t = 1543867200  # 2018-12-03 20:00 UTC
        for address, count in sources:
            for i in range(count):
                ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, i, 0, 64, 6, 0,
                                 ipaddress.IPv4Address(address).packed,
                                 ipaddress.IPv4Address("203.0.113.9").packed)
                tcp = struct.pack("!HHIIBBHHH", 40000 + i, 8545, i, 0, 0x50, 0x02, 1024, 0, 0)
                frame = b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + ip + tcp
                f.write(struct.pack("<IIII", t, i, len(frame), len(frame)) + frame)
                t += 1


def check_countries(scanscope):
    """Sources from several countries are attributed as the database's own lookup says."""
    try:
        import location  # Debian's python3-location: libloc's reader, the oracle here
    except ImportError:
        failures.append("python3-location is not installed: cannot check countries")
        return
    db = location.Database("/usr/share/libloc-location/location.db")
    # Addresses in networks of several countries; the expected country of each is what libloc's
    # own lookup says (a network may hold a more specific one of another country).
    sources = []
    seen = set()
    for n, cc in enumerate(["RU", "US", "BG", "CN", "JP", "DE", "BR", "NL"]):
        networks = db.search_networks(country_codes=[cc], family=socket.AF_INET)
        for net in networks:
            address = str(ipaddress.IPv4Address(int(ipaddress.IPv4Address(net.first_address)) + 7))
            if address not in seen:
                seen.add(address)
                sources.append((address, n + 1))
            if len(seen) == 3 * (n + 1):
                break
    want = {}
    for address, count in sources:
        oracle = db.lookup(address)
        cc = oracle.country_code if oracle and oracle.country_code else "ZZ"
        packets, addresses = want.get(cc, (0, 0))
        want[cc] = (packets + count, addresses + 1)
    if len(want) < 6:
        failures.append(f"country check: too few countries in the sample: {want}")
    with tempfile.TemporaryDirectory() as tmp:
        capture = os.path.join(tmp, "countries.pcap")
        write_syn_capture(capture, sources)
        report = run_scanscope(scanscope, capture, with_geo=True)
        if report is None:
            return
        got = {c["country"]: (c["packets"], c["sources"]) for c in report["countries"]}
        check("countries of the sources", got, want)
        port = next(p for p in report["ports"] if p["port"] == 8545)
        got_port = {c["country"]: (c["packets"], c["sources"]) for c in port["countries"]}
        check("countries on 8545", got_port, want)
        if report["geo"]["networks_v4"] < 100000:
            failures.append(f"location database looks empty: {report['geo']}")


def write_timed_syns(path, packets):
    """A pcap of SYNs to 8545: packets is a list of (unix time in seconds, source address)."""
    import struct
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, (t, address) in enumerate(packets):
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, i & 0xFFFF, 0, 64, 6, 0,
                             ipaddress.IPv4Address(address).packed,
                             ipaddress.IPv4Address("203.0.113.9").packed)
            tcp = struct.pack("!HHIIBBHHH", 40000, 8545, i, 0, 0x50, 0x02, 65535, 0, 0)
            frame = b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + ip + tcp
            f.write(struct.pack("<IIII", int(t), int((t % 1) * 1e6), len(frame), len(frame)))
            f.write(frame)


def hourly_traffic(rates, start=1543795200, jitter=0):
    """SYNs spread over consecutive hours, `rates[h]` in hour h, each from its own source;
    with jitter, every packet's time moves by up to that many seconds either way (but stays in
    its hour), so the capture is out of order."""
    import random
    rng = random.Random(7)
    packets = []
    n = 0
    for hour, rate in enumerate(rates):
        for k in range(rate):
            base = start + hour * 3600 + (k + 0.5) * 3600 / rate
            t = base + (rng.uniform(-jitter, jitter) if jitter else 0)
            t = min(max(t, start + hour * 3600 + 0.001), start + (hour + 1) * 3600 - 0.001)
            n += 1
            packets.append((t, f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"))
    if jitter:
        # Out of order: swap neighbours whose times differ by under the jitter.
        for i in range(0, len(packets) - 1, 2):
            packets[i], packets[i + 1] = packets[i + 1], packets[i]
    return packets


def check_buckets_and_surges(scanscope):
    start = 1543795200  # 2018-12-03 00:00 UTC
    flat = [20] * 30
    step = [20] * 24 + [300] * 3 + [20] * 3
    with tempfile.TemporaryDirectory() as tmp:
        for name, rates, jitter in [("flat", flat, 5), ("step", step, 0)]:
            capture = os.path.join(tmp, name + ".pcap")
            write_timed_syns(capture, hourly_traffic(rates, start, jitter))
            series_dir = os.path.join(tmp, name + "-series")
            report = run_scanscope(scanscope, capture, ["--series-dir", series_dir])
            if report is None:
                return
            port = next(p for p in report["ports"] if p["port"] == 8545)
            series = port["series"]
            check(f"{name}: hourly buckets", len(series), len(rates))
            check(f"{name}: packets per hour", [b["packets"] for b in series], rates)
            check(f"{name}: sources per hour", [b["sources"] for b in series], rates)
            check(f"{name}: first bucket", series[0]["start"] if series else None,
                  "2018-12-03T00:00:00.000Z")
            check(f"{name}: late packets", report["buckets"]["late"], 0)
            # The series files hold the same hours: per-port lines, one per country.
            import csv
            per_hour = {}
            for path in sorted(glob.glob(os.path.join(series_dir, "scanscope-*.csv"))):
                with open(path) as f:
                    for row in csv.DictReader(f):
                        if row["kind"] == "port" and row["port"] == "8545":
                            per_hour[row["start"]] = per_hour.get(row["start"], 0) + int(row["packets"])
            check(f"{name}: packets per hour in the series files",
                  [per_hour[k] for k in sorted(per_hour)], rates)
            jsonl = sum(1 for path in glob.glob(os.path.join(series_dir, "*.jsonl"))
                        for _ in open(path))
            csv_lines = sum(1 for path in glob.glob(os.path.join(series_dir, "*.csv"))
                            for _ in open(path)) - len(glob.glob(os.path.join(series_dir, "*.csv")))
            check(f"{name}: JSON Lines and CSV lines", jsonl, csv_lines)
            surges = [s for s in report["surges"] if s["scope"] == "port"]
            if name == "flat":
                check("flat: surges", report["surges"], [])
            else:
                check("step: port surges", len(surges), 1)
                if surges:
                    check("step: surge start", surges[0]["start"], "2018-12-04T00:00:00.000Z")
                    check("step: surge ratio", round(surges[0]["ratio"], 1), 15.0)
                    check("step: surge baseline", surges[0]["baseline"], 20.0)
                    check("step: surge end", surges[0]["end"], "2018-12-04T03:00:00.000Z")


def check_endpoints(scanscope, data_dir):
    """--serve keeps /metrics and /api/v1/report up after an offline run; promtool accepts the
    page, its counts match the capture, and bad requests get 4xx."""
    import http.client
    import shutil
    import signal
    import time
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    capture = os.path.join(data_dir, "masscan-syn.pcap")
    proc = subprocess.Popen([scanscope, "--config", CONFIG, *cache_args(), "--pcap", capture, "--geo-db", "none",
                             "--serve", "--http", f"127.0.0.1:{port}", "--quiet"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        def get(path, method="GET", headers=None):
            for _ in range(600):  # start-up takes seconds under the sanitizers
                try:
                    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                    c.request(method, path, headers=headers or {})
                    r = c.getresponse()
                    body = r.read().decode()
                    if r.status == 200 and path == "/metrics" and not body:
                        raise ConnectionRefusedError  # not published yet
                    return r.status, body
                except (ConnectionRefusedError, ConnectionResetError):
                    time.sleep(0.1)
            return None, ""
        status, metrics = get("/metrics")
        check("GET /metrics status", status, 200)
        METRIC_NAMES_SEEN.update(re.findall(r"^# TYPE (\S+)", metrics, re.M))
        want = len(tcpdump_lines(capture, "tcp dst port 8545"))
        line = next((l for l in metrics.splitlines()
                     if l.startswith('scanscope_port_frames_total{port="8545"')), "")
        check("scanscope_port_frames_total for 8545", line.split(" ")[-1] if line else None,
              str(want))
        # No payload in this capture: no signature series at all (only pairs with a hit).
        check("signature series without a hit",
              [l for l in metrics.splitlines() if l.startswith("scanscope_signature_hits_total{")],
              [])
        if shutil.which("promtool"):
            lint = subprocess.run(["promtool", "check", "metrics"], input=metrics,
                                  capture_output=True, text=True)
            check("promtool check metrics", (lint.returncode, lint.stdout + lint.stderr), (0, ""))
        else:
            failures.append("promtool is not installed (Debian package prometheus)")
        status, body = get("/api/v1/report")
        check("GET /api/v1/report status", status, 200)
        if status == 200:
            check("report packets over HTTP", json.loads(body)["totals"]["packets"],
                  len(tcpdump_lines(capture)))
        # The query endpoints, answered by the main lcore.
        to_8545 = len(tcpdump_lines(capture, "tcp dst port 8545"))
        status, body = get("/api/v1/series?port=8545&group=country")
        check("GET /api/v1/series status", status, 200)
        if status == 200:
            buckets = json.loads(body)["buckets"]
            check("series packets to 8545", sum(g["packets"] for b in buckets
                                                for g in b["groups"].values()), to_8545)
        check("series with an unknown port", get("/api/v1/series?port=nope")[0], 400)
        check("series with a bad time", get("/api/v1/series?from=yesterday")[0], 400)
        status, body = get("/api/v1/sources/top?n=1")
        check("GET /api/v1/sources/top status", status, 200)
        if status == 200:
            top = json.loads(body)
            check("top source", top[0]["address"] if top else None, "10.99.0.1")
            check("top source packets", top[0]["packets"] if top else None,
                  len(tcpdump_lines(capture, "ip src 10.99.0.1")))
        status, body = get("/api/v1/fingerprints/top?port=8545")
        check("fingerprint packets to 8545",
              sum(f["packets"] for f in json.loads(body)) if status == 200 else None, to_8545)
        check("GET /api/v1/surges status", get("/api/v1/surges")[0], 200)
        check("POST status", get("/metrics", "POST")[0], 405)
        check("unknown path status", get("/nothing")[0], 404)
        check("oversized header status", get("/metrics", headers={"X-Big": "a" * 20000})[0], 431)
        # Garbage on the wire gets closed; the server goes on serving.
        with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
            raw.sendall(b"\x16\x03\x01 not http at all\r\n\r\n")
            try:
                raw.recv(100)
            except OSError:
                pass
        check("still serving after abuse", get("/metrics")[0], 200)
        # The API agrees with the report: per-country packets on 8545.
        status, body = get("/api/v1/report")
        report = json.loads(body) if status == 200 else {"ports": []}
        by_country = {c["country"]: c["packets"]
                      for p in report["ports"] if p["port"] == 8545 for c in p["countries"]}
        status, body = get("/api/v1/series?port=8545&group=country")
        api = {}
        for b in json.loads(body)["buckets"] if status == 200 else []:
            for name, g in b["groups"].items():
                api[name] = api.get(name, 0) + g["packets"]
        check("API countries on 8545 agree with the report", api, by_country)
        # The counters the report holds and /metrics carries agree, one by one.
        samples = {}
        for line in metrics.splitlines():
            m = re.match(r'(scanscope_[a-z_]+)(\{[^}]*\})? (\d+)$', line)
            if m:
                samples[m.group(1) + (m.group(2) or "")] = int(m.group(3))
        pairs = {
            'scanscope_table_overflow_total{table="unique_sources"}': report["unique_overflow"],
            'scanscope_table_overflow_total{table="fingerprints"}': report["fingerprint_overflow"],
            'scanscope_table_overflow_total{table="signature_countries"}':
                report["signature_country_overflow"],
            'scanscope_bucket_overflow_frames_total': report["buckets"]["overflow"],
            'scanscope_bucket_late_frames_total': report["buckets"]["late"],
            'scanscope_payload_scan_events_total{event="stream_gap"}':
                report["payload_scan"]["stream_gaps"],
            'scanscope_payload_scan_events_total{event="no_stream"}':
                report["payload_scan"]["no_stream"],
            'scanscope_payload_scan_events_total{event="error"}': report["payload_scan"]["errors"],
            'scanscope_capture_clipped_records_total': report["clipped_records"],
        }
        for name, want_value in pairs.items():
            check(f"/metrics {name} agrees with the report", samples.get(name), want_value)
        check_prometheus_scrape(port, to_8545)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = None
    check("--serve exit status after SIGTERM", rc, 0)


def check_monitoring_configs(data_dir):
    """The shipped Prometheus config and alert rules pass promtool; the dashboard is JSON whose
    queries name only metrics scanscope exports."""
    import shutil
    root = os.path.join(data_dir, "..", "..", "config")
    if shutil.which("promtool"):
        for args in (["check", "config", os.path.join(root, "prometheus", "prometheus.yml")],
                     ["check", "rules", os.path.join(root, "prometheus", "scanscope-alerts.yml")]):
            r = subprocess.run(["promtool", *args], capture_output=True, text=True)
            check(f"promtool {' '.join(args[:2])}", r.returncode, 0)
    with open(os.path.join(root, "grafana", "scanscope-dashboard.json")) as f:
        dashboard = json.load(f)
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            for metric in re.findall(r"scanscope_[a-z_]+", target["expr"]):
                if metric not in METRIC_NAMES_SEEN:
                    failures.append(f"dashboard panel '{panel['title']}' uses {metric}, "
                                    "which /metrics does not export")


    drops = [p for p in dashboard["panels"] if p["title"].startswith("Frames dropped")]
    if not drops or "scanscope_device_rx_kernel_dropped_total" not in drops[0]["targets"][0]["expr"]:
        failures.append("dashboard: the drop panel leaves out device_rx_kernel_dropped_total")
    for panel in dashboard["panels"]:
        if "last_bucket" in json.dumps(panel["targets"]) and \
                "no data yet" not in panel["fieldConfig"]["defaults"].get("noValue", ""):
            failures.append(f"dashboard panel '{panel['title']}' shows nothing before the first "
                            "bucket closes: it needs a 'no data yet' text")


def check_systemd_unit(scanscope, data_dir):
    """systemd's own check accepts the unit (the binary put where ExecStart says), and the unit
    does not restart a sensor whose configuration is wrong."""
    import shutil
    if not shutil.which("systemd-analyze"):
        failures.append("systemd-analyze is missing (Debian's systemd package)")
        return
    root = os.path.join(data_dir, "..", "..", "config", "systemd")
    with open(os.path.join(root, "scanscope.service")) as f:
        unit = f.read()
    if "RestartPreventExitStatus=2 3 4" not in unit:
        failures.append("systemd unit: a configuration error would restart it in a loop")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "scanscope.service")
        with open(path, "w") as f:
            f.write(unit.replace("/usr/local/bin/scanscope", os.path.abspath(scanscope)))
        r = subprocess.run(["systemd-analyze", "verify", path], capture_output=True, text=True,
                           timeout=60)
        check("systemd-analyze verify exit code", r.returncode, 0)
        # It only warns about a value it cannot parse: any line about the unit is a failure.
        complaints = [line for line in r.stderr.splitlines() if "scanscope.service" in line]
        check("systemd-analyze verify complaints about the unit", complaints, [])


METRIC_NAMES_SEEN = set()


def check_live_run(scanscope, data_dir):
    """A live run on a net_pcap port: it counts the capture's frames, serves /metrics while it
    runs, answers DPDK telemetry, and stops at --duration with its report."""
    import http.client
    import time
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    capture = os.path.join(data_dir, "nmap-syn.pcap")
    prefix = f"scanscope-live-test-{os.getpid()}"
    with tempfile.TemporaryDirectory() as tmp:
        report_path = os.path.join(tmp, "live.json")
        proc = subprocess.Popen(
            [scanscope, "-l", "0-1", "--no-huge", "-m", "512", "--no-pci",
             f"--file-prefix={prefix}", "--vdev", f"net_pcap0,rx_pcap={capture}", "--",
             "--config", CONFIG, *cache_args(), "--geo-db", "none", "--duration", "4", "--mbufs", "4096",
             "--http", f"127.0.0.1:{port}", "--json-out", report_path, "--quiet",
             "--series-dir", os.path.join(tmp, "series")],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        frames = len(tcpdump_lines(capture))
        # Start-up (EAL, compiling the signatures) takes seconds under the sanitizers; the
        # endpoints answer once the stats loop runs, and the run lasts --duration from there.
        metrics = ""
        live_input = None
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                c.request("GET", "/metrics")
                metrics = c.getresponse().read().decode()
                if metrics:
                    c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                    c.request("GET", "/api/v1/report")
                    live_input = json.loads(c.getresponse().read().decode()).get("input")
                    break
            except OSError:
                continue
        # The capture is read once; its frames are all counted within moments, and the stats
        # loop republishes every second: ask until the count is whole or the run ends.
        telemetry = None
        path = f"/var/run/dpdk/{prefix}/dpdk_telemetry.v2"
        try:
            while proc.poll() is None:
                with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as t:
                    t.connect(path)
                    json.loads(t.recv(16384).decode())  # greeting
                    t.send(b"/scanscope/totals")
                    telemetry = json.loads(t.recv(16384).decode())
                if telemetry["/scanscope/totals"].get("frames") == frames:
                    break
                time.sleep(0.2)
        except OSError as e:
            if telemetry is None:
                failures.append(f"live: telemetry socket {path}: {e}")
        _, err = proc.communicate(timeout=30)
        check("live: exit status", proc.returncode, 0)
        if not re.search(r"^scanscope_frames_total", metrics, re.M):
            failures.append("live: /metrics served nothing while running")
        import shutil
        if shutil.which("promtool") and metrics:
            lint = subprocess.run(["promtool", "check", "metrics"], input=metrics,
                                  capture_output=True, text=True)
            check("live: promtool check metrics", (lint.returncode, lint.stdout + lint.stderr),
                  (0, ""))
        check("live: telemetry frames",
              telemetry["/scanscope/totals"].get("frames") if telemetry else None, frames)
        with open(report_path) as f:
            report = json.load(f)
        check("live: frames", report["totals"]["packets"], frames)
        check("live: device frames", report["devices"][0]["ipackets"], frames)
        check("live: mode", report["mode"], "live")
        check("live: input while running and at the end", live_input, report["input"])
        # The bucket the stop cut short is in the series files, marked partial, and the files
        # hold every TCP/UDP frame counted.
        import csv
        rows = [row for path in glob.glob(os.path.join(tmp, "series", "*.csv"))
                for row in csv.DictReader(open(path)) if row["kind"] == "port"]
        check("live: series-file frames", sum(int(r["packets"]) for r in rows),
              sum(p["packets"] for p in report["ports"]) + report["other_ports"]["packets"])
        check("live: last bucket partial", all(r["partial"] == "true" for r in rows) and bool(rows),
              True)


def check_prometheus_scrape(scanscope_port, want):
    """A real Prometheus on loopback scrapes the sensor; PromQL returns the capture's count."""
    import shutil
    import time
    import urllib.parse
    import urllib.request
    if not shutil.which("prometheus"):
        failures.append("prometheus is not installed (Debian package prometheus)")
        return
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        prom_port = probe.getsockname()[1]
    with tempfile.TemporaryDirectory() as tmp:
        config = os.path.join(tmp, "prometheus.yml")
        with open(config, "w") as f:
            f.write("global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: scanscope\n"
                    f"    static_configs:\n      - targets: ['127.0.0.1:{scanscope_port}']\n"
                    "        labels:\n          sensor: test\n")
        prom = subprocess.Popen(["prometheus", f"--config.file={config}",
                                 f"--storage.tsdb.path={tmp}/data",
                                 f"--web.listen-address=127.0.0.1:{prom_port}"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            query = urllib.parse.quote('scanscope_port_frames_total{port="8545",sensor="test"}')
            value = None
            for _ in range(60):
                time.sleep(0.5)
                try:
                    with urllib.request.urlopen(
                            f"http://127.0.0.1:{prom_port}/api/v1/query?query={query}",
                            timeout=2) as r:
                        result = json.load(r)["data"]["result"]
                    if result:
                        value = int(float(result[0]["value"][1]))
                        break
                except OSError:
                    continue
            check("PromQL scanscope_port_frames_total for 8545", value, want)
        finally:
            prom.terminate()
            prom.wait(timeout=20)


def check_bad_inputs(scanscope, data_dir):
    """A missing file and a damaged capture end with a clear message, not a crash; one bad
    capture among several does not stop the others; a lost series write is an error."""
    proc = subprocess.run([scanscope, "--pcap", "/nonexistent.pcap", "--quiet"],
                          capture_output=True, text=True, timeout=60)
    check("missing capture exit code", proc.returncode, 4)
    if "/nonexistent.pcap" not in proc.stderr:
        failures.append(f"missing capture: message does not name the file: {proc.stderr!r}")

    # Named files, the listen address and output folders are checked before the slow start-up,
    # each with the option named.
    source = os.path.join(data_dir, "nmap-syn.pcap")
    for args, words in ((["--geo-db", "/nonexistent.db"], "'/nonexistent.db' does not exist"),
                        (["--signatures", "/nonexistent.rules"], "option 'signatures'"),
                        (["--http", "localhost"], "option 'http'"),
                        (["--series-dir", "/proc/nope"], "option 'series-dir'"),
                        (["--json-out", "/proc/nope/r.json"], "option 'json-out'")):
        proc = subprocess.run([scanscope, "--pcap", source, "-q", *args],
                              capture_output=True, text=True, timeout=60)
        check(f"{args[0]} refused: exit code", proc.returncode, 2)
        if words not in proc.stderr or "location database" in proc.stderr:
            failures.append(f"{args}: expected {words!r} before start-up, got {proc.stderr!r}")

    with tempfile.TemporaryDirectory() as tmp:
        with open(source, "rb") as f:
            data = f.read()
        damaged = os.path.join(tmp, "damaged.pcap")
        with open(damaged, "wb") as f:
            f.write(data[:-7])  # the last record loses its tail
        whole = len(tcpdump_lines(source))
        report_path = os.path.join(tmp, "r.json")
        proc = subprocess.run([scanscope, "--pcap", damaged, "--json-out", report_path, "-q"],
                              capture_output=True, text=True, timeout=60)
        check("damaged capture exit code", proc.returncode, 3)
        if "damaged" not in proc.stderr:
            failures.append(f"damaged capture: no clear message: {proc.stderr!r}")
        with open(report_path) as f:
            report = json.load(f)
        check("damaged capture frames before the damage", report["totals"]["packets"], whole - 1)
        check("damaged capture input errors", report["input_errors"], 1)

        # A damaged capture, a missing one and a good one: the good one is read all the same,
        # the damage is reported before the report line, and the run says so in its exit code.
        proc = subprocess.run([scanscope, "--pcap", damaged, "/nonexistent.pcap", source,
                               "--json-out", report_path, "-q"],
                              capture_output=True, text=True, timeout=60)
        check("damaged + missing + good: exit code", proc.returncode, 3)
        with open(report_path) as f:
            report = json.load(f)
        check("damaged + missing + good: frames", report["totals"]["packets"], 2 * whole - 1)
        check("damaged + missing + good: damaged, unreadable",
              (report["damaged_inputs"], report["unreadable_inputs"]), (1, 1))
        damage_at = proc.stderr.find("is damaged after record")
        written_at = proc.stderr.find("report written")
        if not 0 <= damage_at < written_at:
            failures.append(f"damage message not before the report line: {proc.stderr!r}")
        if proc.stdout:
            failures.append(f"--quiet printed on standard output: {proc.stdout[:200]!r}")
        proc = subprocess.run([scanscope, "--pcap", "/nonexistent.pcap", source, "-q"],
                              capture_output=True, text=True, timeout=60)
        check("missing + good: exit code", proc.returncode, 4)

        # Series files that cannot be written (the day's file is a folder): exit 1, the path.
        series = os.path.join(tmp, "series")
        with open(source, "rb") as f:
            first_second = struct.unpack("<I", f.read(28)[24:28])[0]
        day = dt.datetime.fromtimestamp(first_second, dt.timezone.utc).strftime("%Y-%m-%d")
        os.makedirs(os.path.join(series, f"scanscope-{day}.jsonl"))
        proc = subprocess.run([scanscope, "--pcap", source, "--series-dir", series, "-q",
                               "--json-out", report_path],
                              capture_output=True, text=True, timeout=60)
        check("series write failure exit code", proc.returncode, 1)
        if f"scanscope-{day}.jsonl" not in proc.stderr:
            failures.append(f"series write failure: path not named: {proc.stderr!r}")
        with open(report_path) as f:
            check("series write failures in the report",
                  json.load(f)["series_files"]["write_errors"] > 0, True)

        # Records longer than an mbuf are clipped and counted (data room 256 bytes here).
        payload = os.path.join(data_dir, "jsonrpc-curl.pcap")
        longer = sum(1 for n in tcpdump_lines(payload) if n > 256)
        proc = subprocess.run([scanscope, "--pcap", payload, "--mbuf-size", "384", "-q",
                               "--json-out", report_path],
                              capture_output=True, text=True, timeout=60)
        with open(report_path) as f:
            check("clipped records", json.load(f)["clipped_records"], longer)

        bad_conf = os.path.join(tmp, "bad.conf")
        with open(bad_conf, "w") as f:
            f.write("# comment\nqueues = 1\nno-such-option = 3\n")
        proc = subprocess.run([scanscope, "--config", bad_conf, *cache_args(), "--pcap", source],
                              capture_output=True, text=True, timeout=60)
        check("bad config exit code", proc.returncode, 2)
        if f"{bad_conf}:3" not in proc.stderr:
            failures.append(f"bad config: message does not name file and line: {proc.stderr!r}")


def check_far_apart(scanscope):
    """Two SYNs thirty years apart: the quarter million empty hours between them are skipped,
    not closed one by one (the run would take minutes), and both hours are in the series."""
    syn = bytes.fromhex("020000000009020000000007080045000028d431000040060000c6336407cb007109")
    syn += struct.pack("!HHIIBBHHH", 40001, 8545, 1000, 0, 0x50, 2, 1024, 0, 0)
    with tempfile.TemporaryDirectory() as tmp:
        path, report_path = os.path.join(tmp, "far.pcap"), os.path.join(tmp, "r.json")
        with open(path, "wb") as w:
            w.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
            for t in (1000, 1000 + 30 * 365 * 86400):
                w.write(struct.pack("<IIII", t, 0, len(syn), len(syn)) + syn)
        proc = subprocess.run([scanscope, "--config", CONFIG, *cache_args(), "--pcap", path, "--geo-db", "none",
                               "-q", "--json-out", report_path],
                              capture_output=True, text=True, timeout=60)
        check("far-apart capture exit code", proc.returncode, 0)
        with open(report_path) as f:
            report = json.load(f)
        series = [p["series"] for p in report["ports"] if p["port"] == 8545][0]
        check("far-apart capture hours", [b["start"][:4] for b in series], ["1970", "1999"])


def check_capture_sequence(scanscope):
    """Captures read one after the other share the buckets' hand-over: three frames of one
    source, then a capture an hour later whose first hour comes from another source (often on
    the other lcore) lose no frame and no hour (each reader counts the frames it hands out, the
    lcores count all of them; a bucket is closed only once every frame handed out is counted)."""
    def syn(source):
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, 1, 0, 64, 6, 0,
                         bytes([198, 51, source >> 8 & 0xFF, source & 0xFF]),
                         bytes([198, 18, 0, 9]))
        tcp = struct.pack("!HHIIBBHHH", 40001, 8545, 1000, 0, 0x50, 2, 1024, 0, 0)
        return bytes.fromhex("020000000009020000000007") + b"\x08\x00" + ip + tcp

    def write(path, records):
        with open(path, "wb") as w:
            w.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
            for t, source in records:
                frame = syn(source)
                w.write(struct.pack("<IIII", int(t), int(t % 1 * 1e6), len(frame), len(frame)))
                w.write(frame)
    start = 1543618800  # 2018-11-30 23:00 UTC
    with tempfile.TemporaryDirectory() as tmp:
        first, second = os.path.join(tmp, "first.pcap"), os.path.join(tmp, "second.pcap")
        report_path = os.path.join(tmp, "r.json")
        write(first, [(start + i, 7) for i in range(3)])
        for lone in range(100, 104):
            # The next hour from one source only, then six hours of 5,000 sources.
            hour = [(start + 3600 + i * 3600 / 2000, lone) for i in range(2000)]
            busy = [(start + 7200 + i * 3600 / 20000, i % 5000 + 1000) for i in range(6 * 20000)]
            write(second, hour + busy)
            proc = subprocess.run([scanscope, "--config", CONFIG, *cache_args(), "--pcap", first, second,
                                   "--geo-db", "none", "-q", "--json-out", report_path,
                                   "--workers", "2"],
                                  capture_output=True, text=True, timeout=120)
            check(f"capture sequence {lone}: exit code", proc.returncode, 0)
            with open(report_path) as f:
                report = json.load(f)
            check(f"capture sequence {lone}: late frames", report["buckets"]["late"], 0)
            series = [p["series"] for p in report["ports"] if p["port"] == 8545][0]
            check(f"capture sequence {lone}: hours and frames",
                  (len(series), sum(b["packets"] for b in series)), (8, 3 + 2000 + 6 * 20000))


def check_source_flood(scanscope, stage_bench):
    """More distinct sources than the table holds: it stays at capacity and counts evictions."""
    sources, capacity = 5000, 64
    with tempfile.TemporaryDirectory() as tmp:
        flood = os.path.join(tmp, "flood.pcap")
        subprocess.run([stage_bench, "--sources", str(sources), "--write-pcap", flood],
                       check=True, capture_output=True)
        distinct = tcpdump_sources(flood, "tcp")
        check("flood capture sources", len(distinct), sources)
        report = run_scanscope(scanscope, flood, ["--source-capacity", str(capacity)])
        if report is None:
            return
        s = report["sources"]
        check("flood: sources inserted", s["inserted"], len(distinct))
        check("flood: sources held", s["live"], capacity)
        check("flood: evictions", s["evicted"], len(distinct) - capacity)
        total_sources = sum(t["sources"] for t in report["tools"])
        check("flood: distinct sources over all tools", total_sources, len(distinct))


def main():
    global CONFIG
    scanscope, data_dir = sys.argv[1], sys.argv[2]
    CONFIG = os.path.join(data_dir, "..", "..", "config", "scanscope.conf")
    captures = sorted(glob.glob(os.path.join(data_dir, "*.pcap")))
    if not captures:
        print(f"no captures in {data_dir}")
        return 1
    for path in captures:
        sidecar = path[:-len(".pcap")] + ".expected.json"
        if os.path.exists(sidecar):
            check_against_sidecar(scanscope, path, sidecar)
        else:
            check_against_tcpdump(scanscope, path)
        if os.path.basename(path) in TOOL_CAPTURES:
            check_tool_capture(scanscope, path)
        if os.path.basename(path) in PAYLOAD_CAPTURES:
            check_payload_capture(scanscope, path)
        print(f"checked {os.path.basename(path)}")
    check_bad_inputs(scanscope, data_dir)
    check_far_apart(scanscope)
    check_capture_sequence(scanscope)
    check_countries(scanscope)
    check_buckets_and_surges(scanscope)
    check_endpoints(scanscope, data_dir)
    check_monitoring_configs(data_dir)
    check_systemd_unit(scanscope, data_dir)
    check_live_run(scanscope, data_dir)
    if len(sys.argv) > 3:
        check_source_flood(scanscope, sys.argv[3])
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
