#!/usr/bin/python3
"""Scan techniques counted as tcpdump counts them, no tool named on ordinary traffic, and
known scanners (config/actors.conf) named in the report, /metrics and the API.

1. Techniques: the captures of nmap's FIN/NULL/XMAS/ACK/Maimon scans and of hping3's mix are
   read by scanscope; each technique's frames and sources, overall and per port, must equal what
   tcpdump counts with the technique's BPF filter.
2. Ordinary traffic: the captures of real clients (curl, ethers, nc, adb: Linux stacks talking
   to services) must name no tool on any frame. A built-in rule that holds by chance (an IP ID
   relation, a sequence number) must not name these connections. By payload, with the shipped
   rules, only curl's requests are named (a generic client, as many as tcpdump finds).
3. Tools named by payload: nmap -sV's capture served with a source store; /metrics, the series
   API and the source's page count its service probes under nmap as tcpdump finds them, and its
   SYN scan under nmap by headers.
   Actors: nmap's capture rewritten so that its scanner sits in Censys's published range; the
   report, /metrics and /api/v1/actors count its frames under `censys`, and the target's own
   frames (ARP, neighbour discovery) under `none`. The masscan, ZMap and nmap captures moved
   into Shadowserver's, Shodan's and Rapid7's listed ranges are counted under them, with kinds.
4. With a folder of more captures (argument 3, e.g. nDPI's tests/cfgs/default/pcap), the same
   count over each with the shipped rules, printed as a table: captures with tool names, by
   tool, by headers and by payload.

usage: test_tool_names.py SCANSCOPE DATA_DIR [MORE_CAPTURES_DIR]
"""

import glob
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile

from serve_helpers import cache_args, get, serving_port
from test_pcap_report import NMAP_PROBES, TCP_DATA

# Technique -> tcpdump filter selecting its frames (IPv4 and IPv6 alike where tcpdump can).
TECHNIQUES = {
    "syn": "tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn",
    "fin": "tcp[tcpflags] & 0x3f == tcp-fin",
    "null": "tcp[tcpflags] & 0x3f == 0",
    "xmas": "tcp[tcpflags] & 0x3f == (tcp-fin|tcp-push|tcp-urg)",
    "ack": "tcp[tcpflags] & 0x3f == tcp-ack and ip[2:2] - ((ip[0] & 15) * 4) - "
           "((tcp[12] >> 4) * 4) == 0",
    "maimon": "tcp[tcpflags] & 0x3f == (tcp-fin|tcp-ack) and ip[2:2] - ((ip[0] & 15) * 4) - "
              "((tcp[12] >> 4) * 4) == 0",
    "udp": "udp",
    "icmp_echo": "icmp[icmptype] == icmp-echo",
}
TECHNIQUE_CAPTURES = ["nmap-techniques.pcap", "hping3-mix.pcap"]
ORDINARY_CAPTURES = ["benign.pcap", "jsonrpc-curl.pcap", "jsonrpc-ethers.pcap", "claymore.pcap",
                     "adb.pcap", "exploits.pcap"]

failures = []


def tcpdump(path, bpf):
    """(frames, distinct IPv4 sources) tcpdump finds for `bpf`: IPv4 only, and unfragmented
    (a fragmented probe's technique is `other` for scanscope, whatever its first bytes say)."""
    out = subprocess.run(["tcpdump", "-r", path, "-nn", "-q",
                          f"ip and ip[6:2] & 0x3fff == 0 and ({bpf})"],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    return len(out), len({line.split()[2].rsplit(".", 1)[0] if line.split()[1] == "IP"
                          else line.split()[2] for line in out})


def tcpdump_count(path):
    out = subprocess.run(["tcpdump", "--count", "-r", path], capture_output=True, text=True,
                         check=True).stdout
    return int(out.split()[0])


def report_of(scanscope, paths, tmp, allowed=(0,), signatures="none"):
    """The report of one run; None (a failure) when scanscope exits other than `allowed`: the
    project's captures must read whole (0); a survey of foreign captures may meet damaged or
    unreadable ones (3, 4). `signatures`: a rule file (the tools payloads name), or none."""
    out = os.path.join(tmp, "report.json")
    r = subprocess.run([scanscope, "--pcap", *paths, "--geo-db", "none", "--signatures", signatures,
                        *cache_args(),
                        "--quiet", "--http", "none", "--memory", "256", "--mbufs", "8192",
                        "--source-capacity", "65536", "--unique-slots", "1048576",
                        "--json-out", out], capture_output=True, text=True, timeout=300)
    if r.returncode not in allowed:
        failures.append(f"{paths}: scanscope exited {r.returncode}: {r.stderr[-300:]}")
        return None
    with open(out) as f:
        return json.load(f)


def check_techniques(scanscope, data_dir, tmp):
    for name in TECHNIQUE_CAPTURES:
        path = os.path.join(data_dir, name)
        report = report_of(scanscope, [path], tmp)
        if report is None:
            continue
        got = {t["name"]: (t["packets"], t["sources"]) for t in report["techniques"]}
        for technique, bpf in TECHNIQUES.items():
            want = tcpdump(path, bpf)
            # IPv4 frames only on both sides: these captures' IPv6 frames are the kernel's
            # neighbour discovery, counted as icmp_other.
            if got.get(technique, (0, 0)) != want:
                failures.append(f"{name}: {technique} frames/sources {got.get(technique)}, "
                                f"tcpdump counts {want}")
        compared = 0
        for port in report["ports"]:
            for t in port["techniques"]:
                bpf = TECHNIQUES.get(t["name"])
                if bpf is None or port["port"] == "other":
                    continue
                compared += 1
                proto = "udp" if t["name"] == "udp" else "tcp"
                want = tcpdump(path, f"({bpf}) and {proto} dst port {port['port']}")
                if (t["packets"], t["sources"]) != want:
                    failures.append(f"{name}: port {port['port']} {t['name']} "
                                    f"{(t['packets'], t['sources'])}, tcpdump counts {want}")
                # The hourly series by technique: its packets add up to the same frames, and
                # in a capture of one hour its sources are the same sources.
                hours = [b["techniques"].get(t["name"], [0, 0]) for b in port["series"]]
                in_series = (sum(h[0] for h in hours), hours[0][1] if len(hours) == 1 else None)
                if in_series[0] != want[0] or (len(hours) == 1 and in_series[1] != want[1]):
                    failures.append(f"{name}: port {port['port']} {t['name']} in the series "
                                    f"{hours}, tcpdump counts {want}")
        # The per-port comparison must have compared something: these captures probe ports.
        if compared == 0:
            failures.append(f"{name}: no per-port technique to compare with tcpdump")


def named_tools(report):
    return {t["name"]: t["packets"] for t in report["tools"] if t["name"] != "none" and t["packets"]}


def payload_tools(report):
    return {t["name"]: t["hits"] for t in report.get("payload_tools", []) if t["hits"]}


def shipped_rules(data_dir):
    return os.path.join(data_dir, "..", "..", "config", "signatures.rules")


def curl_requests(path):
    """Frames that carry curl's User-Agent, as tcpdump prints them."""
    out = subprocess.run(["tcpdump", "-r", path, "-nn", "-A", "tcp"], capture_output=True,
                         check=True).stdout
    return out.count(b"User-Agent: curl/")


def check_ordinary(scanscope, data_dir, tmp):
    rules = shipped_rules(data_dir)
    for name in ORDINARY_CAPTURES:
        path = os.path.join(data_dir, name)
        report = report_of(scanscope, [path], tmp, signatures=rules)
        if report is None:
            continue
        # "No tool named" says something only about a capture that was read whole.
        if report["totals"]["packets"] != tcpdump_count(path) or not report["totals"]["packets"]:
            failures.append(f"{name}: {report['totals']['packets']} frames read, tcpdump "
                            f"{tcpdump_count(path)}")
        if named_tools(report):
            failures.append(f"{name}: ordinary connections named {named_tools(report)}")
        # By payload, the clients' own libraries only: curl's requests are a generic client's
        # (http_client), and no payload names a scanner.
        want = {"http_client": curl_requests(path)} if curl_requests(path) else {}
        if payload_tools(report) != want:
            failures.append(f"{name}: named by payload {payload_tools(report)}, tcpdump finds "
                            f"{want}")


def rewrite_source(src_path, dst_path, old, new):
    """Copy a classic pcap, moving IPv4 packets from address `old` to `new` (both directions)."""
    with open(src_path, "rb") as f:
        data = bytearray(f.read())
    old_b, new_b = socket.inet_aton(old), socket.inet_aton(new)
    at = 24
    while at + 16 <= len(data):
        incl = struct.unpack("<I", data[at + 8:at + 12])[0]
        frame = at + 16
        if data[frame + 12:frame + 14] == b"\x08\x00":
            for field in (frame + 26, frame + 30):
                if data[field:field + 4] == old_b:
                    data[field:field + 4] = new_b
        at = frame + incl
    with open(dst_path, "wb") as f:
        f.write(data)


def check_actors(scanscope, data_dir, tmp):
    source_dir = os.path.join(data_dir, "..", "..")
    path = os.path.join(tmp, "censys-nmap.pcap")
    rewrite_source(os.path.join(data_dir, "nmap-syn.pcap"), path, "10.99.0.1", "162.142.125.7")
    want = tcpdump(path, "src host 162.142.125.7")
    report_path = os.path.join(tmp, "actors.json")
    log_path = os.path.join(tmp, "actors.log")
    with open(log_path, "w") as log:
        proc = subprocess.Popen([scanscope, "--config", os.path.join(source_dir, "config",
                                                                      "scanscope.conf"),
                                 "--pcap", path, "--geo-db", "none", "--signatures", "none",
                                 "--quiet", "--serve", "--http", "127.0.0.1:0",
                                 "--json-out", report_path],
                                stdout=subprocess.DEVNULL, stderr=log)
    try:
        port = serving_port(proc, log_path)
        # The server answers from the start of the run; the busiest sources are 503 until the
        # RX lcores have stopped (get() asks again): only then are the counts whole.
        get(f"http://127.0.0.1:{port}/api/v1/sources/top")
        metrics = get(f"http://127.0.0.1:{port}/metrics")
        api = json.loads(get(f"http://127.0.0.1:{port}/api/v1/actors"))
        by_actor = json.loads(get(f"http://127.0.0.1:{port}/api/v1/series?port=8545&group=actor"))
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    report = json.load(open(report_path))
    got = {a["name"]: (a["packets"], a["sources"]) for a in report["actors"]}
    if got.get("censys") != want:
        failures.append(f"actors: censys {got.get('censys')} in the report, tcpdump {want}")
    ip_frames = report["totals"]["packets"] - report["protocols"]["non_ip"]["packets"]
    if got.get("none", (0, 0))[0] != ip_frames - want[0]:
        failures.append(f"actors: 'none' does not hold the other IP frames: {got}")
    line = f'scanscope_actor_frames_total{{actor="censys",kind="research"}} {want[0]}'
    if line not in metrics:
        failures.append(f"actors: /metrics lacks {line!r}")
    api_got = {a["name"]: a["packets"] for a in api["actors"]}
    if api_got.get("censys") != want[0]:
        failures.append(f"actors: /api/v1/actors says {api_got}")
    # The hourly series split them out too: nmap's one SYN to 8545 from the one source.
    series = [b.get("actors", {}) for p in report["ports"] if p["port"] == 8545
              for b in p["series"]]
    if series != [{"censys": [1, 1]}]:
        failures.append(f"actors: 8545's series {series}, expected one bucket with censys 1/1")
    groups = [b["groups"] for b in by_actor["buckets"]]
    if groups != [{"censys": {"packets": 1, "sources": 1}}]:
        failures.append(f"actors: /api/v1/series?group=actor says {by_actor}")
    printed = subprocess.run([sys.executable, os.path.join(source_dir, "scripts", "print-report.py"),
                              report_path], capture_output=True, text=True).stdout
    if "known       censys (research) 100.0% (1 sources)" not in printed:
        failures.append(f"actors: print-report.py does not name them: {printed[-500:]}")
    on_8545 = [a for p in api["ports"] if p["port"] == 8545 for a in p["actors"]]
    if [a["name"] for a in on_8545] != ["censys"]:
        failures.append(f"actors: 8545's actors {on_8545}")


def check_payload_tools(scanscope, data_dir, tmp):
    """nmap -sV as an analyst meets it: its service probes counted under nmap by payload in
    /metrics, the series API and the source's own page, beside the SYNs its headers name."""
    source_dir = os.path.join(data_dir, "..", "..")
    path = os.path.join(data_dir, "nmap-version.pcap")
    probes = tcpdump(path, f"{TCP_DATA} and ({NMAP_PROBES})")[0]
    syns = tcpdump(path, "tcp[tcpflags] == tcp-syn and tcp[14:2] == 1024")[0]
    log_path = os.path.join(tmp, "payload-tools.log")
    with open(log_path, "w") as log:
        proc = subprocess.Popen([scanscope, "--config", os.path.join(source_dir, "config",
                                                                      "scanscope.conf"),
                                 *cache_args(), "--pcap", path, "--geo-db", "none", "--quiet",
                                 "--serve", "--http", "127.0.0.1:0", "--source-store",
                                 os.path.join(tmp, "payload-tools.db")],
                                stdout=subprocess.DEVNULL, stderr=log)
    try:
        port = serving_port(proc, log_path)
        get(f"http://127.0.0.1:{port}/api/v1/sources/top")  # 503 until the run is whole
        metrics = get(f"http://127.0.0.1:{port}/metrics")
        series = json.loads(get(f"http://127.0.0.1:{port}/api/v1/series?port=3333&"
                                "group=payload_tool"))
        source = json.loads(get(f"http://127.0.0.1:{port}/api/v1/sources/10.99.0.1"))
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    for line in (f'scanscope_payload_tool_hits_total{{tool="nmap"}} {probes}',
                 'scanscope_payload_tool_sources{tool="nmap"} 1',
                 f'scanscope_tool_frames_total{{tool="nmap"}} {syns}'):
        if line not in metrics:
            failures.append(f"payload tools: /metrics lacks {line!r}")
    groups = [b["groups"] for b in series["buckets"]]
    if groups != [{"nmap": {"packets": probes, "sources": 1}}]:
        failures.append(f"payload tools: /api/v1/series?group=payload_tool says {series}")
    named = {(a["port"], a["name"]) for a in source.get("payload_tools", [])}
    if named != {(3333, "nmap")}:
        failures.append(f"payload tools: the source's payload_tools {source.get('payload_tools')}")
    if not any(a["name"] == "nmap" for a in source.get("tools", [])) or \
            "nmap" not in source.get("tags", []):
        failures.append(f"payload tools: the source's tools {source.get('tools')} and tags "
                        f"{source.get('tags')} lack its SYN scan's nmap")


# Scanners moved into other organisations' listed ranges (config/actors.conf): each capture's
# scanner frames counted under the organisation, with its kind.
LISTED = [("masscan-syn.pcap", "65.49.20.70", "shadowserver", "research"),
          ("zmap-syn.pcap", "71.6.146.186", "shodan", "search-engine"),
          ("nmap-techniques.pcap", "5.63.151.101", "rapid7", "research")]


def check_listed_actors(scanscope, data_dir, tmp):
    config = os.path.join(data_dir, "..", "..", "config", "scanscope.conf")
    for capture, address, actor, kind in LISTED:
        path = os.path.join(tmp, f"{actor}.pcap")
        rewrite_source(os.path.join(data_dir, capture), path, "10.99.0.1", address)
        report_path = os.path.join(tmp, f"{actor}.json")
        subprocess.run([scanscope, "--config", config, "--pcap", path, "--geo-db", "none",
                        "--signatures", "none", "--quiet", "--json-out", report_path],
                       check=True, capture_output=True)
        report = json.load(open(report_path))
        got = {a["name"]: (a["packets"], a["sources"], a["kind"]) for a in report["actors"]}
        want = (*tcpdump(path, f"src host {address}"), kind)
        if got.get(actor) != want:
            failures.append(f"actors: {capture} from {address}: {actor} {got.get(actor)}, "
                            f"tcpdump {want}")


def survey(scanscope, folder, tmp, rules):
    """Tool names over a folder of captures, one run each with the shipped rules; prints what
    it finds, by headers and by payload."""
    paths = sorted(p for p in glob.glob(os.path.join(folder, "*"))
                   if p.endswith((".pcap", ".pcapng", ".cap")))
    by_tool, named = {}, []
    for path in paths:
        report = report_of(scanscope, [path], tmp, allowed=(0, 3, 4), signatures=rules)
        if report is None:
            continue
        tools = named_tools(report)
        tools.update({f"{t} (payload)": n for t, n in payload_tools(report).items()})
        if tools:
            named.append((os.path.basename(path), tools))
        for tool, n in tools.items():
            by_tool[tool] = by_tool.get(tool, 0) + n
    print(f"survey: {len(paths)} captures, {len(named)} with tool names: {by_tool}")
    for name, tools in named:
        print(f"  {name}: {tools}")


def main():
    scanscope, data_dir = sys.argv[1:3]
    with tempfile.TemporaryDirectory() as tmp:
        check_techniques(scanscope, data_dir, tmp)
        check_ordinary(scanscope, data_dir, tmp)
        check_actors(scanscope, data_dir, tmp)
        check_payload_tools(scanscope, data_dir, tmp)
        check_listed_actors(scanscope, data_dir, tmp)
        if len(sys.argv) > 3:
            survey(scanscope, sys.argv[3], tmp, shipped_rules(data_dir))
    for f in failures:
        print("FAIL:", f)
    if not failures:
        print("OK: techniques as tcpdump counts them, no tool named on ordinary connections, "
              "actors named")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
