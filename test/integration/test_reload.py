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
import signal
import subprocess
import sys
import tempfile
import time

from ip_frames import syn_frame
from netns_link import link_names, skip_status, veth_to_namespace, wait_for
from serve_helpers import cache_args, port_run

NS = f"scanscope-reload-{os.getpid()}"
HOST_IF, PEER_IF = link_names("r")  # this run's own
LINK = veth_to_namespace(NS, HOST_IF, PEER_IF)


RULES_BEFORE = ("rule 1 alpha recon tcp/8545 /alpha-token/\n"
                "rule 2 beta recon tcp/8545 /beta-token/\n")
RULES_AFTER = ("rule 2 beta recon tcp/8545 /beta-token/\n"
               "rule 3 gamma recon tcp/8545 /gamma-token/\n")
CLUSTERS_BEFORE = "cluster w1024 window=1024\n"
CLUSTERS_AFTER = "cluster w8192 window=8192\ncluster w1024 window=1024\n"
PAYLOAD = b"alpha-token beta-token gamma-token"


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


# The known-scanner list before and after the reload (config/actors.conf's format).
ACTORS_BEFORE = "early research prefix 100.200.0.10/32\n"
ACTORS_AFTER = ("early research prefix 100.200.0.10/32\n"
                "late research prefix 100.200.0.12/32,100.200.0.20/31\n")

def wait_for_count(path, text, count, seconds):
    """True once the file at `path` holds `text` `count` times; False after `seconds`."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        with open(path, errors="replace") as f:
            if f.read().count(text) >= count:
                return True
        time.sleep(0.1)
    return False


def setup():
    return LINK.up()


def teardown():
    LINK.down()


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
        actors = os.path.join(tmp, "actors.conf")
        with open(actors, "w") as f:
            f.write(ACTORS_BEFORE)
        report_path, log_path = os.path.join(tmp, "report.json"), os.path.join(tmp, "log")
        if not setup():
            return skip_status()
        proc = None
        try:
            with open(log_path, "w") as log:
                proc = subprocess.Popen(
                    port_run(scanscope, "reload", f"net_af_packet0,iface={HOST_IF}",
                             ["--config", config, *cache_args(), "--geo-db", live_db,
                              "--duration", "0", "--signatures", rules, "--clusters", clusters,
                              "--actors", actors,
                              "--mbufs", "4096", "--http", "none", "--json-out", report_path,
                              "--status-interval", "1"]),
                    stdout=subprocess.DEVNULL, stderr=log)
            if not wait_for(log_path, "pps", 20):
                failures.append("scanscope did not start polling")
            first = [f"100.200.0.{10 + i}" for i in range(5)]
            send([syn_frame(a) for a in first] + [syn_frame(first[1], payload=PAYLOAD)])
            time.sleep(1)
            os.replace(after, live_db)
            with open(rules, "w") as f:
                f.write(RULES_AFTER)
            with open(clusters, "w") as f:
                f.write(CLUSTERS_AFTER)
            with open(actors, "w") as f:
                f.write(ACTORS_AFTER)
            proc.send_signal(1)  # SIGHUP
            if not wait_for(log_path, "reload: location database", 10):
                failures.append("no reload line for the location database after SIGHUP")
            if not wait_for(log_path, "reload: new rules in use", 10):
                failures.append("no reload line for the rules after SIGHUP")
            if not wait_for(log_path, f"reload: actors {actors}: 2 known scanners", 10):
                failures.append("no reload line for the actors after SIGHUP")
            # The next SIGHUP only once this reload is wholly done (the location database is
            # handed to the lcores last): one sent earlier is refused as "still going on".
            if not wait_for(log_path, "reload: new location database in use", 10):
                failures.append("the location database was not handed over after SIGHUP")
            second = [f"100.200.0.{20 + i}" for i in range(5)]
            # second[1]'s first frame (window 8192) decides its cluster under the new rules,
            # and its SYN of window 1024 after it stays there (a source's cluster is held).
            send([syn_frame(second[1], sport=40002, window=8192, payload=PAYLOAD)] +
                 [syn_frame(a) for a in second] + [syn_frame(first[0], sport=40001)])
            # A broken rule file on the next reload: named in the log, the rules in use stay.
            with open(rules, "w") as f:
                f.write(RULES_AFTER + "rule 4 broken recon tcp/8545 /a{99999}/\n")
            proc.send_signal(1)
            if not wait_for(log_path, "keeping the rules in use", 10):
                failures.append("a broken rule file on reload was not reported")
            # That reload still hands the location database over (read again on every SIGHUP).
            if not wait_for_count(log_path, "reload: new location database in use", 2, 10):
                failures.append("the second reload's location database was not handed over")
            # A rules file gone (a bad deployment): the reason, not only the name.
            os.remove(rules)
            proc.send_signal(1)
            if not wait_for(log_path, f"cannot read signature rules '{rules}': No such file or "
                            "directory; keeping the rules in use", 10):
                failures.append("a missing rule file on reload was not reported with its reason")
            # No time budget the sequence must fit into on a busy machine: the run lasts until
            # the test has done its part, then stops as an operator stops it.
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=30)
        finally:
            # On any way out, no sensor is left running on the link it is about to lose.
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()
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
            want = {"w1024": 11, "w8192": 2}
            if got != want:
                failures.append(f"clusters on 8545: {got}, expected {want}")
            # Actors: a source keeps the actor it had when first seen (100.200.0.12, seen
            # before the reload, stays "none" though the new list names it); new sources get
            # the new list's (.20 and .21, three frames); .10 stays "early" (two frames).
            got = {a["name"]: (a["packets"], a["sources"]) for a in port["actors"]}
            want = {"none": (8, 7), "early": (2, 1), "late": (3, 2)}
            if got != want:
                failures.append(f"actors on 8545 after the reload: {got}, expected {want}")
    for f in failures:
        print("FAIL:", f)
    print("reload: checked" if not failures else "")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
