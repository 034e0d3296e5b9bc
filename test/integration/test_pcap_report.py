#!/usr/bin/env python3
"""Run `scanscope --pcap` on every capture in test/data and check its JSON report against
counts taken from the capture itself: tcpdump (libpcap's own reader and BPF filters) for the
real-tool captures, and the generator's sidecar file for the hand-made edge cases. (Runs over
made-up captures are test_offline_runs.py's; what scanscope serves over HTTP is
test_serving.py's.)

usage: test_pcap_report.py SCANSCOPE DATA_DIR
"""
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

from serve_helpers import cache_args, exit_status

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
        # A source is in one cluster: the clusters' sources add up to the port's sources.
        port_sources = len(tcpdump_sources(path, bpf))
        check(f"{name} {p['port']}/{p['protocol']} sources by country",
              sum(c["sources"] for c in p["countries"]), port_sources)
        check(f"{name} {p['port']}/{p['protocol']} sources by cluster",
              sum(c["sources"] for c in p["clusters"]), port_sources)
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
# must name for each of them, and the cluster its sources must land in with every frame (for
# masscan, nmap and ZMap, whose source-port behaviour the tool tells from the first probe).
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
    # masscan -pU:0-1000: every datagram but its NTP and SNMP probes, which carry no mark
    # (templ-payloads.c: the others are empty, "masscan-test", or start with the cookie).
    "masscan-udp.pcap": ("udp and not dst port 123 and not dst port 161", "masscan", None),
    # ZMap 2.1.1's UDP (a DNS probe) and ICMP echo modules, and masscan --ping.
    "zmap-udp.pcap": ("udp dst port 53", "zmap", None),
    "zmap-icmp.pcap": ("icmp[icmptype] == icmp-echo", "zmap", None),
    "masscan-ping.pcap": ("icmp[icmptype] == icmp-echo", "masscan", None),
    "zmap4-icmp.pcap": ("icmp[icmptype] == icmp-echo", "zmap", None),
}
# Captures of one tool whose every probe is not named: of the frames matching the filter, at
# least 95% must be named the tool, from as many sources, and none another tool. masscan's
# probes with a payload from its table carry no mark; nmap -sU's first probe comes before its
# source is known to keep one source port, and its nmap-payloads probes carry a payload.
TOOL_SHARES = {"masscan-udp.pcap": ("udp", "masscan"), "nmap-udp.pcap": ("udp", "nmap")}


def no_other_tool(name, tools, tool):
    """No frame of a one-tool capture is named another tool."""
    for other, t in tools.items():
        if other not in (tool, "none"):
            check(f"{name} packets named {other}", t["packets"], 0)


def check_tool_share(scanscope, path):
    name = os.path.basename(path)
    bpf, tool = TOOL_SHARES[name]
    report = run_scanscope(scanscope, path)
    if report is None:
        return
    probes = len(tcpdump_lines(path, bpf))
    tools = {t["name"]: t for t in report["tools"]}
    named = tools[tool]["packets"]
    check(f"{name}: {named} of {probes} probes named {tool}, at least 95%",
          0.95 * probes <= named <= probes and probes > 0, True)
    check(f"{name} sources named {tool}", tools[tool]["sources"],
          len(tcpdump_sources(path, bpf)))
    no_other_tool(name, tools, tool)


def check_tool_capture(scanscope, path):
    name = os.path.basename(path)
    bpf, tool, cluster = TOOL_CAPTURES[name]
    report = run_scanscope(scanscope, path)
    if report is None:
        return
    probes = len(tcpdump_lines(path, bpf))
    scanner_addresses = tcpdump_sources(path, bpf)
    sources = len(scanner_addresses)
    tools = {t["name"]: t for t in report["tools"]}
    check(f"{name} packets named {tool}", tools[tool]["packets"], probes)
    check(f"{name} sources named {tool}", tools[tool]["sources"], sources)
    no_other_tool(name, tools, tool)
    if cluster:
        # The cluster holds the scanner: its SYNs, and the resets it (or its kernel) sends
        # when a target answers.
        scanners = " or ".join(f"src host {a}" for a in sorted(scanner_addresses))
        in_cluster = sum(c["packets"] for p in report["ports"] for c in p["clusters"]
                         if c["name"] == cluster)
        check(f"{name} frames of its sources in cluster {cluster}", in_cluster,
              len(tcpdump_lines(path, f"(tcp or udp) and ({scanners})")))


# Captures of real clients (make-payload-captures.sh): the rules each must fire, with the number
# of connections that carried them where every request had a connection of its own (None: the
# client kept one connection for several requests, so the count is the connections seen).
PAYLOAD_CAPTURES = {
    "jsonrpc-ethers.pcap": {r: None for r in [
        "eth-accounts", "eth-blocknumber", "eth-getbalance", "net-version", "web3-clientversion",
        "jsonrpc-batch", "personal-unlockaccount", "eth-sendtransaction", "personal-newaccount",
        "miner-setetherbase", "miner-start"]},
    "jsonrpc-curl.pcap": {"eth-accounts": 1, "personal-unlockaccount": 1,
                          "http-client-user-agent": 2},
    "claymore.pcap": {"claymore-getstat1": 1, "claymore-getstat2": 1, "claymore-control-gpu": 1,
                      "claymore-restart": 1},
    "adb.pcap": {"adb-cnxn": 1, "adb-host-banner": 1, "adb-shell-download": 1,
                 "adb-shell-data-local-tmp": 1, "adb-shell-chmod-run": 1, "wget-http": 1,
                 "busybox-wget-tftp": 1},
    "exploits.pcap": {"realtek-upnp-addportmapping": 1, "upnp-picsdesc-post": 1, "wget-http": 1,
                      "mirai-family-binary": 2, "bins-directory-binary": 2, "selfrep-marker": 2,
                      "huawei-hg532-deviceupgrade": 1, "huawei-hg532-injection": 1,
                      "busybox-wget-tftp": 1, "http-client-user-agent": 2},
    # curl's requests: ordinary calls, but curl's own User-Agent.
    "benign.pcap": {"http-client-user-agent": 4},
}

# Captures of tools that name themselves in their payloads (make-payload-tool-captures.sh): per
# tool, the frames that carry one of its marks, as tcpdump finds them (a BPF filter on the
# payload's first bytes, and text the frame must hold, or None). Each mark travels in a
# connection of its own, so the frames are the hits the tool must count by payload.
TCP_DATA = "tcp[tcpflags] & tcp-push != 0"
PROBE_START = "tcp[((tcp[12] & 0xf0) >> 2):4]"  # a TCP payload's first four bytes
# nmap-service-probes (Nmap 7.93), probes whose bytes are nmap's own: the 404 request
# ("GET /nic"), SIP's OPTIONS ("OPTIONS sip:"), the RDP cookie, the TLS and SSL hellos, RPC and Kerberos.
NMAP_PROBES = " or ".join(f"({PROBE_START} = {v})" for v in (
    "0x47455420 and tcp[((tcp[12] & 0xf0) >> 2) + 4:4] = 0x2f6e6963",
    "0x4f505449 and tcp[((tcp[12] & 0xf0) >> 2) + 8:4] = 0x7369703a",
    "0x0300002a", "0x16030000", "0x80000028", "0x00000071"))
PAYLOAD_TOOL_CAPTURES = {
    "nmap-version.pcap": {"nmap": [(f"{TCP_DATA} and ({NMAP_PROBES})", None)]},
    "nmap-scripts.pcap": {"nmap": [(TCP_DATA, "Nmap Scripting Engine"),
                                   (f"{TCP_DATA} and {PROBE_START} = 0x16030000", None)]},
    "masscan-banners.pcap": {"masscan": [(TCP_DATA, "User-Agent: masscan/")]},
    # ZMap's UDP module with its example DNS probe (transaction ID 0x34ef): 2.1.1 (its headers
    # name it too) and 4.3.4 (make-current-scanner-captures.sh: only the payload names it).
    "zmap-udp.pcap": {"zmap": [("udp dst port 53 and udp[8:2] = 0x34ef", None)]},
    # nmap -sU: its RPC probe to 111 (nmap-payloads), the one of its payloads with a rule.
    "nmap-udp.pcap": {"nmap": [("udp dst port 111 and udp[8:4] = 0x72fe1d13", None)]},
    "zmap4-udp.pcap": {"zmap": [("udp dst port 53 and udp[8:2] = 0x34ef", None)]},
    # masscan's master (make-current-scanner-captures.sh): its agent changed after 1.3.2.
    "masscan-master-banners.pcap": {"masscan": [(TCP_DATA, "User-Agent: ivre-masscan/")]},
    "http-clients.pcap": {"zgrab2": [(TCP_DATA, "User-Agent: Mozilla/5.0 zgrab/")],
                          "http_client": [(TCP_DATA, "User-Agent: curl/"),
                                          (TCP_DATA, "User-Agent: Python-urllib/"),
                                          (TCP_DATA, "User-Agent: Go-http-client/")]},
}


def tcpdump_frames_holding(path, bpf, text):
    """Frames matching bpf whose payload, as tcpdump -A prints it, holds text (None: all)."""
    out = subprocess.run(["tcpdump", "-r", path, "-nn", "-A", bpf], capture_output=True,
                         check=True).stdout.decode("latin-1")
    frames = re.split(r"\n(?=\d\d:\d\d:\d\d\.\d+ )", "\n" + out)[1:]
    return sum(1 for f in frames if text is None or text in f)


def check_payload_tool_capture(scanscope, path):
    name = os.path.basename(path)
    report = run_scanscope(scanscope, path)
    if report is None:
        return
    named = {t["name"]: t for t in report["payload_tools"] if t["hits"]}
    want = PAYLOAD_TOOL_CAPTURES[name]
    check(f"{name} tools named by payload", sorted(named), sorted(want))
    for tool, marks in want.items():
        frames = sum(tcpdump_frames_holding(path, bpf, text) for bpf, text in marks)
        if frames == 0:
            failures.append(f"{name}: tcpdump finds no frame of {tool}'s marks")
        if tool in named:
            check(f"{name} hits named {tool} by payload", named[tool]["hits"], frames)
            check(f"{name} sources named {tool} by payload", named[tool]["sources"], 1)
    # The same source's SYNs keep the tool their headers name: nmap's SYN scan before -sV and
    # -sC, masscan's SYN before its banner request.
    headers = {t["name"]: t["packets"] for t in report["tools"]}
    for tool in ("nmap", "masscan"):
        if tool in want and headers.get(tool, 0) == 0:
            failures.append(f"{name}: no probe named {tool} by its headers")
    # ZMap 4's UDP probes carry no header mark: only their payload names them.
    if name == "zmap4-udp.pcap" and headers.get("zmap", 0) != 0:
        failures.append(f"{name}: {headers['zmap']} frames named zmap by their headers")


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
        if os.path.basename(path) in TOOL_SHARES:
            check_tool_share(scanscope, path)
        if os.path.basename(path) in PAYLOAD_CAPTURES:
            check_payload_capture(scanscope, path)
        if os.path.basename(path) in PAYLOAD_TOOL_CAPTURES:
            check_payload_tool_capture(scanscope, path)
        print(f"checked {os.path.basename(path)}")
    return exit_status(failures)


if __name__ == "__main__":
    sys.exit(main())
