#!/usr/bin/python3
"""SIGHUP on a live run reloads the location database and the rule files without dropping
counters.

scanscope reads a veth interface (net_af_packet) whose peer sits in a network namespace this
test creates. Five sources send SYNs to 8545 and one a payload; the database file is replaced by
one that places their network in another country (Germany, which the first database lacks), the
signature file drops rule alpha and adds gamma, the cluster file adds a cluster ahead of the
old one; SIGHUP; five new sources of the same network and one of the first five send again, one
of them a payload; a last SIGHUP finds a broken rule file and keeps the rules in use. The
report must count all thirteen frames, the first sources and the repeat
under the old country and the new sources under the new one, each payload under the rules in
force when it came (alpha kept as retired, gamma new), and each cluster's packets in its slot.

usage: test_reload.py SCANSCOPE SOURCE_DIR
"""

import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

from serve_helpers import cache_args

NS = f"scanscope-reload-{os.getpid()}"
HOST_IF, PEER_IF = "ssr0", "ssr1"


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


RULES_BEFORE = ("rule 1 alpha recon tcp/8545 /alpha-token/\n"
                "rule 2 beta recon tcp/8545 /beta-token/\n")
RULES_AFTER = ("rule 2 beta recon tcp/8545 /beta-token/\n"
               "rule 3 gamma recon tcp/8545 /gamma-token/\n")
CLUSTERS_BEFORE = "cluster w1024 window=1024\n"
CLUSTERS_AFTER = "cluster w8192 window=8192\ncluster w1024 window=1024\n"
PAYLOAD = b"alpha-token beta-token gamma-token"


def syn_frame(src, dst="192.0.2.77", sport=40000, dport=8545, window=1024, payload=b""):
    """Ethernet/IPv4/TCP SYN (PSH+ACK with a payload), field by field (RFC 791, RFC 793)."""
    s, d = socket.inet_aton(src), socket.inet_aton(dst)
    flags = 0x18 if payload else 0x02
    tcp = struct.pack("!HHIIBBHHH", sport, dport, 1, 0, 5 << 4, flags, window, 0, 0) + payload
    tcp = tcp[:16] + struct.pack("!H", checksum(s + d + struct.pack("!BBH", 0, 6, len(tcp)) + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0, 64, 6, 0, s, d)
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return b"\x02\0\0\0\0\x01\x02\0\0\0\0\x02\x08\x00" + ip + tcp


def send(frames):
    """Frames out of the peer interface, from inside the namespace."""
    code = ("import socket, sys\n"
            f"s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)\ns.bind(('{PEER_IF}', 0))\n"
            "data = sys.stdin.buffer.read()\n"
            "while data:\n    n = int.from_bytes(data[:2], 'big')\n    s.send(data[2:2 + n])\n"
            "    data = data[2 + n:]\n")
    payload = b"".join(len(f).to_bytes(2, "big") + f for f in frames)
    subprocess.run(["ip", "netns", "exec", NS, sys.executable, "-c", code], input=payload,
                   check=True)


def setup():
    """The veth pair; False where this machine does not let the test create a namespace."""
    made = subprocess.run(["ip", "netns", "add", NS], capture_output=True, text=True)
    if made.returncode != 0:
        print(f"SKIP: cannot create a network namespace here: {made.stderr.strip()}")
        return False
    subprocess.run(["ip", "link", "add", HOST_IF, "type", "veth", "peer", "name", PEER_IF],
                   check=True)
    subprocess.run(["ip", "link", "set", PEER_IF, "netns", NS], check=True)
    subprocess.run(["ip", "link", "set", HOST_IF, "up"], check=True)
    subprocess.run(["ip", "netns", "exec", NS, "ip", "link", "set", PEER_IF, "up"], check=True)
    return True


def teardown():
    subprocess.run(["ip", "link", "del", HOST_IF], stderr=subprocess.DEVNULL)
    subprocess.run(["ip", "netns", "del", NS], stderr=subprocess.DEVNULL)


def wait_for(path, text, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        with open(path) as f:
            if text in f.read():
                return True
        time.sleep(0.1)
    return False


def main():
    scanscope, source_dir = sys.argv[1:3]
    config = os.path.join(source_dir, "config", "scanscope.conf")
    make_db = os.path.join(source_dir, "test", "data", "make-test-mmdb.pl")
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        before, after = os.path.join(tmp, "before.mmdb"), os.path.join(tmp, "after.mmdb")
        subprocess.run(["perl", make_db, before], check=True)
        subprocess.run(["perl", make_db, after, "moved"], check=True)
        live_db = os.path.join(tmp, "location.mmdb")
        shutil.copy(before, live_db)
        rules, clusters = os.path.join(tmp, "signatures.rules"), os.path.join(tmp, "clusters.conf")
        with open(rules, "w") as f:
            f.write(RULES_BEFORE)
        with open(clusters, "w") as f:
            f.write(CLUSTERS_BEFORE)
        report_path, log_path = os.path.join(tmp, "report.json"), os.path.join(tmp, "log")
        if not setup():
            return 77  # meson: skipped
        try:
            with open(log_path, "w") as log:
                proc = subprocess.Popen(
                    [scanscope, "-l", "0-1", "--no-huge", "-m", "512", "--no-pci",
                     f"--file-prefix=scanscope-reload-{os.getpid()}",
                     "--vdev", f"net_af_packet0,iface={HOST_IF}", "--",
                     "--config", config, *cache_args(), "--geo-db", live_db, "--duration", "12",
                     "--signatures", rules, "--clusters", clusters,
                     "--mbufs", "4096", "--http", "none", "--json-out", report_path,
                     "--status-interval", "1"],
                    stdout=subprocess.DEVNULL, stderr=log)
            if not wait_for(log_path, "pps", 20):
                failures.append("scanscope did not start polling")
            first = [f"198.51.100.{10 + i}" for i in range(5)]
            send([syn_frame(a) for a in first] + [syn_frame(first[1], payload=PAYLOAD)])
            time.sleep(1)
            os.replace(after, live_db)
            with open(rules, "w") as f:
                f.write(RULES_AFTER)
            with open(clusters, "w") as f:
                f.write(CLUSTERS_AFTER)
            proc.send_signal(1)  # SIGHUP
            if not wait_for(log_path, "reload: location database", 10):
                failures.append("no reload line for the location database after SIGHUP")
            if not wait_for(log_path, "reload: new rules in use", 10):
                failures.append("no reload line for the rules after SIGHUP")
            second = [f"198.51.100.{20 + i}" for i in range(5)]
            send([syn_frame(a) for a in second] + [syn_frame(first[0], sport=40001)] +
                 [syn_frame(second[1], sport=40002, window=8192, payload=PAYLOAD)])
            # A broken rule file on the next reload: named in the log, the rules in use stay.
            with open(rules, "w") as f:
                f.write(RULES_AFTER + "rule 4 broken recon tcp/8545 /a{99999}/\n")
            proc.send_signal(1)
            if not wait_for(log_path, "keeping the rules in use", 10):
                failures.append("a broken rule file on reload was not reported")
            proc.wait(timeout=30)
        finally:
            teardown()
        with open(log_path) as f:
            log = f.read()
        if proc.returncode != 0:
            failures.append(f"scanscope exited {proc.returncode}: {log}")
        else:
            with open(report_path) as f:
                report = json.load(f)
            port = next(p for p in report["ports"] if p["port"] == 8545)
            got = {c["country"]: (c["packets"], c["sources"]) for c in port["countries"]}
            want = {"RU": (7, 5), "DE": (6, 5)}
            if got != want:
                failures.append(f"countries on 8545 after the reload: {got}, expected {want}")
            if port["packets"] != 13:
                failures.append(f"8545 frames: {port['packets']}, expected 13")
            hits = {r["name"]: (r["hits"], r.get("retired", False)) for r in port["signatures"]}
            want = {"alpha": (1, True), "beta": (2, False), "gamma": (1, False)}
            if hits != want:
                failures.append(f"signature hits on 8545: {hits}, expected {want}")
            got = {c["name"]: c["packets"] for c in port["clusters"]}
            want = {"w1024": 12, "w8192": 1}
            if got != want:
                failures.append(f"clusters on 8545: {got}, expected {want}")
    for f in failures:
        print("FAIL:", f)
    print("reload: checked" if not failures else "")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
