"""The source store against a seed scenario (claymore-satori-2018-01), for test_campaigns.py.

- The sources that sent Claymore's status request to 3333 and the Realtek UPnP injection to
  52869 (found with tcpdump's filters on the payloads' first bytes, not by scanscope) are each
  answered by GET /api/v1/sources/<address> with both ports, both signatures, `malicious` and
  the reason; a background source put in an actor's range is `benign`; an address never seen is
  404 and a malformed one 400.
- The answers come from the store after a restart: the serving run reads only the first hour
  of the month, before any of those sources started.
- The store's families in /metrics and the report (its "source_store" object) agree.
- The blocklist (format=txt, class=malicious) is exactly the sources whose payloads matched a
  signature past reconnaissance, and --sources-out writes the same list offline.
"""

import json
import os
import struct
import subprocess
import datetime as dt
import urllib.error
import urllib.request

from test_pcap_report import check, failures
from serve_helpers import check_counter_families, serve_offline

ACTOR = "test-research"


def payload_sources(pcap, port, first_bytes):
    """Sources of TCP segments to `port` whose payload starts with the 4 bytes `first_bytes`."""
    bpf = f"tcp dst port {port} and tcp[((tcp[12:1] & 0xf0) >> 2):4] = 0x{first_bytes.hex()}"
    out = subprocess.run(["tcpdump", "-nn", "-q", "-r", pcap, bpf], capture_output=True,
                         text=True, timeout=300).stdout
    return {line.split()[2].rsplit(".", 1)[0] for line in out.splitlines() if " IP " in line}


def store_args(tmp, truth, actors_conf):
    """The options the scenario's run takes: a store, and actors with one background source."""
    background = sorted(a for a, c in truth["sources"].items() if c == "background")[0]
    path = os.path.join(tmp, "actors.conf")
    with open(actors_conf) as f, open(path, "w") as out:
        out.write(f.read() + f"\n{ACTOR} research prefix {background}/32\n")
    store = os.path.join(tmp, "sources.db")
    return ["--source-store", store, "--actors", path,
            "--sources-out", os.path.join(tmp, "malicious.txt"),
            "--sources-query", "class=malicious&format=txt"], background


def records_before(path, at, out):
    """Write the pcap records of `path` before `at` (a datetime) to `out`."""
    with open(path, "rb") as f, open(out, "wb") as o:
        header = f.read(24)
        per_second = 1e9 if struct.unpack("<I", header[:4])[0] == 0xa1b23c4d else 1e6
        cut = (at - dt.datetime(1970, 1, 1)).total_seconds()
        o.write(header)
        while True:
            record = f.read(16)
            if len(record) < 16:
                break
            seconds, fraction, captured, _ = struct.unpack("<IIII", record)
            if seconds + fraction / per_second >= cut:
                break
            o.write(record + f.read(captured))


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def check_sources(scanscope, config, pcap, args, background, tmp):
    both = payload_sources(pcap, 3333, b'{"id') & payload_sources(pcap, 52869, b"POST")
    if not both:
        failures.append("sources: no source sent both payloads (the scenario changed?)")
        return
    # Every source with a payload past reconnaissance: the UPnP and HG532 injections are
    # exploits; the Claymore status request alone is reconnaissance.
    exploiters = payload_sources(pcap, 52869, b"POST") | payload_sources(pcap, 37215, b"POST")
    with open(args[args.index("--sources-out") + 1]) as f:
        check("sources: --sources-out class=malicious", sorted(f.read().split()),
              sorted(exploiters))
    first_hour = os.path.join(tmp, "first-hour.pcap")
    records_before(pcap, dt.datetime(2018, 1, 1, 1), first_hour)
    keep = args[:args.index("--sources-out")]
    proc, base = serve_offline(scanscope, config, [first_hour], os.path.join(tmp, "store.log"),
                               ["-q", *keep])
    try:
        if base is None:
            failures.append("sources: the restarted scanscope never served")
            return
        for address in sorted(both)[:5]:
            status, body = get(f"{base}/api/v1/sources/{address}")
            check(f"sources: GET /api/v1/sources/{address}", status, 200)
            if status != 200:
                continue
            s = json.loads(body)
            check(f"sources: {address} ports", {3333, 52869} <= {p["port"] for p in s["ports"]},
                  True)
            names = {(g["port"], g["name"]) for g in s["signatures"]}
            check(f"sources: {address} signatures",
                  {(3333, "claymore-getstat1"), (52869, "realtek-upnp-addportmapping")} <= names,
                  True)
            check(f"sources: {address} classification", s["classification"], "malicious")
            # The reason is one of its signatures past reconnaissance (docs/sources.md).
            past_recon = [f"signature {g['name']} ({g['category']}) to {g['port']}/tcp"
                          for g in s["signatures"] if g["category"] not in ("recon", "handshake")]
            check(f"sources: {address} reason names a signature past reconnaissance",
                  s["reason"] in past_recon, True)
        status, body = get(f"{base}/api/v1/sources/{background}")
        check(f"sources: actor's {background}", status == 200 and
              (json.loads(body)["classification"], json.loads(body)["actor"]), ("benign", ACTOR))
        check("sources: never seen", get(f"{base}/api/v1/sources/203.0.113.254")[0], 404)
        check("sources: malformed", get(f"{base}/api/v1/sources/203.0.113.2544")[0], 400)
        status, body = get(f"{base}/api/v1/sources?class=malicious&format=txt")
        check("sources: blocklist after the restart", sorted(body.split()), sorted(exploiters))
        status, metrics = get(f"{base}/metrics")
        status, report = get(f"{base}/api/v1/report")
        failures.extend(check_counter_families(
            scanscope, metrics, json.loads(report),
            ("always", "offline", "bucket_closed", "source store")))
        check("sources: the store's sources in the report after the restart",
              json.loads(report)["source_store"]["sources"], len(json.loads(
                  get(f"{base}/api/v1/sources")[1])))
        print(f"sources: {len(both)} sent both payloads, {len(exploiters)} exploits in all")
    finally:
        proc.terminate()
        proc.wait(timeout=60)
