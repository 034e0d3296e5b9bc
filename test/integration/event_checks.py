"""The event log (--events) read by a real consumer, for test_fleet.py: ClickHouse takes every
line into config/clickhouse/events.sql's table (JSONEachRow), and each alert names a source,
destination and port that tcpdump saw carry a payload, the rule file's signature and category,
and the payload's start. One alert per (source, port, signature, hour)."""

import json
import os
import re
import subprocess
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


def check_events(scanscope, config, source_dir, server, cache, tmp, check):
    data = os.path.join(source_dir, "test", "data")
    pcaps = [os.path.join(data, c) for c in CAPTURES]
    events = os.path.join(tmp, "events.json")
    proc = subprocess.run([scanscope, "--config", config, *cache, "--http", "none", "--quiet",
                           "--geo-db", "none", "--events", events, "--pcap", *pcaps],
                          capture_output=True, text=True, timeout=300)
    check(proc.returncode == 0, f"--events run: exit {proc.returncode}: {proc.stderr[-400:]}")
    lines = open(events).read().splitlines()
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
