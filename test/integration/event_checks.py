"""The event log (--events) read by a real consumer, for test_fleet.py: ClickHouse takes every
line into config/clickhouse/events.sql's table (JSONEachRow), and each alert names a source,
destination and port that tcpdump saw carry a payload, the rule file's signature and category,
and the payload's start. One alert per (source, port, signature, hour). The same run sends
them to rsyslogd (--events-syslog): every line arrives as one RFC 5424 message."""

import json
import os
import re
import shutil
import subprocess
import time
import urllib.parse
import urllib.request

CAPTURES = ["claymore.pcap", "exploits.pcap", "adb.pcap", "jsonrpc-curl.pcap"]


def payload_flows(pcap):
    """(source, destination, destination port) of the TCP segments that carry a payload."""
    out = subprocess.run(["tcpdump", "-nn", "-q", "-r", pcap, "tcp and greater 60"],
                         capture_output=True, text=True, timeout=120).stdout
    flows = set()
    for line in out.splitlines():
        m = re.search(r" IP6? (\S+)\.(\d+) > (\S+)\.(\d+): tcp (\d+)", line)
        if m and int(m.group(5)) > 0:
            flows.add((m.group(1), m.group(3), int(m.group(4))))
    return flows


def categories(rules_path):
    """Rule name → category, from the rule file."""
    out = {}
    for line in open(rules_path):
        parts = line.split()
        if len(parts) > 4 and parts[0] == "rule":
            out[parts[2]] = parts[3]
    return out


# rsyslogd reads the messages from a socket of its own and writes, per message, the RFC 5424
# fields it parsed: app-name, procid, msgid, facility, severity, then the message.
RSYSLOG_CONF = """
global(workDirectory="{tmp}" maxMessageSize="64k")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="{sock}" UseSpecialParser="off" RateLimit.Interval="0")
template(name="fields" type="list") {{
  property(name="app-name") constant(value="\\t") property(name="procid")
  constant(value="\\t") property(name="msgid") constant(value="\\t")
  property(name="syslogfacility-text") constant(value="\\t")
  property(name="syslogseverity-text") constant(value="\\t")
  property(name="msg" droplastlf="on") constant(value="\\n")
}}
action(type="omfile" file="{out}" template="fields")
"""


class Rsyslog:
    """Debian's rsyslogd on a Unix socket in `tmp`, writing what it parsed to a file; stopped
    by its PID."""

    def __init__(self, tmp):
        self.sock = os.path.join(tmp, "syslog.sock")
        self.out = os.path.join(tmp, "syslog.out")
        conf = os.path.join(tmp, "rsyslog.conf")
        with open(conf, "w") as f:
            f.write(RSYSLOG_CONF.format(tmp=tmp, sock=self.sock, out=self.out))
        self.log = open(os.path.join(tmp, "rsyslogd.log"), "w")
        self.proc = subprocess.Popen(["rsyslogd", "-n", "-f", conf, "-i",
                                      os.path.join(tmp, "rsyslogd.pid")],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 20
        while not os.path.exists(self.sock) and time.time() < deadline:
            time.sleep(0.05)

    def records(self, want):
        """The parsed messages, once `want` of them are written (or 20 s have passed)."""
        deadline = time.time() + 20
        while True:
            lines = open(self.out).read().splitlines() if os.path.exists(self.out) else []
            if len(lines) >= want or time.time() > deadline:
                return [line.split("\t", 5) for line in lines]
            time.sleep(0.1)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def check_syslog(records, lines, pid, report, check):
    """Every event line reached rsyslogd as one RFC 5424 message: scanscope's app-name and
    PID, the event type as MSGID, facility local0, warning for harm and exposures."""
    check(len(records) == len(lines), f"rsyslogd took {len(records)} of {len(lines)} events")
    check(report["events"]["syslog_sent"] == len(lines) and
          report["events"]["syslog_errors"] == 0,
          f"report: {report['events']} for {len(lines)} lines")
    for record, line in zip(records, lines):
        event = json.loads(line)
        harm = event["event_type"] == "exposure" or event.get("alert", {}).get("severity") == 1
        want = ["scanscope", str(pid), event["event_type"], "local0",
                "warning" if harm else "notice", line]
        if record != want:
            check(False, f"rsyslogd parsed {record!r}, the event file has {want!r}")
            return
    print(f"events: {len(records)} RFC 5424 messages taken by rsyslogd")


def check_events(scanscope, config, source_dir, server, cache, tmp, check):
    data = os.path.join(source_dir, "test", "data")
    pcaps = [os.path.join(data, c) for c in CAPTURES]
    events = os.path.join(tmp, "events.json")
    report = os.path.join(tmp, "events-report.json")
    if shutil.which("rsyslogd") is None:
        check(False, "rsyslogd is missing (Debian package rsyslog; scripts/install-deps.sh)")
        return
    rsyslog = Rsyslog(tmp)
    try:
        if not os.path.exists(rsyslog.sock):
            check(False, f"rsyslogd made no socket {rsyslog.sock}")
            return
        proc = subprocess.Popen([scanscope, "--config", config, *cache, "--http", "none",
                                 "--quiet", "--geo-db", "none", "--events", events,
                                 "--events-syslog", rsyslog.sock, "--json-out", report,
                                 "--pcap", *pcaps], stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)
        try:
            _, err = proc.communicate(timeout=300)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise
        check(proc.returncode == 0, f"--events run: exit {proc.returncode}: {err[-400:]}")
        if proc.returncode != 0:
            return
        lines = open(events).read().splitlines()
        check_syslog(rsyslog.records(len(lines)), lines, proc.pid, json.load(open(report)),
                     check)
    finally:
        rsyslog.stop()
    server.run_file(os.path.join(source_dir, "config", "clickhouse", "events.sql"))
    url = server.url + "?" + urllib.parse.urlencode({
        "query": "INSERT INTO scanscope.events FORMAT JSONEachRow",
        "input_format_skip_unknown_fields": 1, "input_format_import_nested_json": 1})
    with urllib.request.urlopen(urllib.request.Request(url, data="\n".join(lines).encode(),
                                                       method="POST"), timeout=60) as r:
        check(r.status == 200, f"ClickHouse refused the events: {r.status}")
    taken = int(server.query("SELECT count() FROM scanscope.events"))
    check(taken == len(lines) and taken > 0, f"ClickHouse took {taken} of {len(lines)} lines")
    rows = server.query("SELECT src_ip, dest_ip, dest_port, `alert.signature`, "
                        "`alert.category`, `alert.severity`, substring(timestamp, 1, 13), "
                        "payload_printable FROM scanscope.events WHERE event_type = 'alert' "
                        "FORMAT JSONEachRow").splitlines()
    alerts = [json.loads(r) for r in rows]
    flows = set().union(*(payload_flows(p) for p in pcaps))
    named = categories(os.path.join(source_dir, "config", "signatures.rules"))
    check(len(alerts) > 0, "no alert in the events")
    keys = set()
    for a in alerts:
        flow = (a["src_ip"], a["dest_ip"], a["dest_port"])
        check(flow in flows, f"alert {flow} names no payload flow tcpdump saw")
        check(named.get(a["alert.signature"]) == a["alert.category"],
              f"alert {a['alert.signature']}: category {a['alert.category']}, rule file "
              f"{named.get(a['alert.signature'])}")
        keys.add((a["src_ip"], a["dest_port"], a["alert.signature"],
                  a["substring(timestamp, 1, 13)"]))
    check(len(keys) == len(alerts), f"{len(alerts)} alerts for {len(keys)} (source, port, "
                                    f"signature, hour)")
    getstat = [a for a in alerts if a["alert.signature"] == "claymore-getstat1"]
    check(any("miner_getstat1" in a["payload_printable"] for a in getstat),
          f"no claymore-getstat1 alert shows its request: {getstat[:1]}")
    print(f"events: {len(lines)} lines into ClickHouse, {len(alerts)} alerts")
