#!/usr/bin/python3
"""Scan techniques counted as tcpdump counts them, and no tool named on ordinary traffic.

1. Techniques: the captures of nmap's FIN/NULL/XMAS/ACK/Maimon scans and of hping3's mix are
   read by scanscope; each technique's frames and sources, overall and per port, must equal what
   tcpdump counts with the technique's BPF filter.
2. Ordinary traffic: the captures of real clients (curl, ethers, nc, adb: Linux stacks talking
   to services) must name no tool on any frame. A built-in rule that holds by chance (an IP ID
   relation, a sequence number) must not name these connections.
3. With a folder of more captures (argument 3, e.g. nDPI's tests/cfgs/default/pcap), the same
   count over each, printed as a table: captures with tool names, by tool.

usage: test_tool_names.py SCANSCOPE DATA_DIR [MORE_CAPTURES_DIR]
"""

import glob
import json
import os
import subprocess
import sys
import tempfile

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


def report_of(scanscope, paths, tmp):
    out = os.path.join(tmp, "report.json")
    r = subprocess.run([scanscope, "--pcap", *paths, "--geo-db", "none", "--signatures", "none",
                        "--quiet", "--http", "none", "--memory", "256", "--mbufs", "8192",
                        "--source-capacity", "65536", "--unique-slots", "1048576",
                        "--json-out", out], capture_output=True, text=True, timeout=300)
    if r.returncode not in (0, 3, 4):
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
        for port in report["ports"]:
            for t in port["techniques"]:
                bpf = TECHNIQUES.get(t["name"])
                if bpf is None or port["port"] == "other":
                    continue
                proto = "udp" if t["name"] == "udp" else "tcp"
                want = tcpdump(path, f"({bpf}) and {proto} dst port {port['port']}")
                if (t["packets"], t["sources"]) != want:
                    failures.append(f"{name}: port {port['port']} {t['name']} "
                                    f"{(t['packets'], t['sources'])}, tcpdump counts {want}")


def named_tools(report):
    return {t["name"]: t["packets"] for t in report["tools"] if t["name"] != "none" and t["packets"]}


def check_ordinary(scanscope, data_dir, tmp):
    for name in ORDINARY_CAPTURES:
        report = report_of(scanscope, [os.path.join(data_dir, name)], tmp)
        if report is not None and named_tools(report):
            failures.append(f"{name}: ordinary connections named {named_tools(report)}")


def survey(scanscope, folder, tmp):
    """Tool names over a folder of captures, one run each; prints what it finds."""
    paths = sorted(p for p in glob.glob(os.path.join(folder, "*"))
                   if p.endswith((".pcap", ".pcapng", ".cap")))
    by_tool, named = {}, []
    for path in paths:
        report = report_of(scanscope, [path], tmp)
        if report is None:
            continue
        tools = named_tools(report)
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
        if len(sys.argv) > 3:
            survey(scanscope, sys.argv[3], tmp)
    for f in failures:
        print("FAIL:", f)
    if not failures:
        print("OK: techniques as tcpdump counts them, no tool named on ordinary connections")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
