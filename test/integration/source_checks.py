"""The source store against a seed scenario (claymore-satori-2018-01), for test_campaigns.py.

- The sources that sent Claymore's status request to 3333 and the Realtek UPnP injection to
  52869 (found with tcpdump's filters on the payloads' first bytes, not by scanscope) are each
  answered by GET /api/v1/sources/<address> with both ports, both signatures, `malicious` and
  the reason; a background source put in an actor's range is `benign`; an address never seen is
  404 and a malformed one 400.
- Each answer's packets are the frames tcpdump counts from the address.
- The answers come from the store after a restart: the serving run reads one frame dated after
  the month, with the first run's series folder and store.
- The store's families in /metrics and the report (its "source_store" object) agree.
- Pivots: the claymore-getstat1 campaign on 3333 lists exactly the sources tcpdump saw send
  the request, and how many of them probed 52869 and sent the UPnP injection there; with
  --emulate all, the steps its sources reached on each port and the injection's download URL.
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


def syn_sources(pcap, port=None):
    """Sources of TCP SYNs without ACK (technique `syn`), to `port` or to any."""
    bpf = "tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn"
    if port is not None:
        bpf = f"tcp dst port {port} and {bpf}"
    out = subprocess.run(["tcpdump", "-nn", "-q", "-r", pcap, bpf], capture_output=True,
                         text=True, timeout=300).stdout
    return {line.split()[2].rsplit(".", 1)[0] for line in out.splitlines() if " IP " in line}


def packets_from(pcaps, addresses):
    """Frames each of `addresses` sent in the captures `pcaps`, as tcpdump reads them."""
    counts = dict.fromkeys(addresses, 0)
    bpf = " or ".join(f"src host {a}" for a in addresses)
    for pcap in pcaps:
        out = subprocess.run(["tcpdump", "-nn", "-q", "-r", pcap, bpf], capture_output=True,
                             text=True, timeout=300).stdout
        for line in out.splitlines():
            sender = line.split()[2]  # ADDRESS.PORT, or ADDRESS for a packet without ports
            sender = sender if sender in counts else sender.rsplit(".", 1)[0]
            if sender in counts:
                counts[sender] += 1
    return counts


def store_args(tmp, truth, actors_conf):
    """The options the scenario's run takes: a store, and actors with one background source."""
    background = sorted(a for a, c in truth["sources"].items() if c == "background")[0]
    path = os.path.join(tmp, "actors.conf")
    with open(actors_conf) as f, open(path, "w") as out:
        out.write(f.read() + f"\n{ACTOR} research prefix {background}/32\n")
    store = os.path.join(tmp, "sources.db")
    return ["--source-store", store, "--actors", path, "--series-dir", os.path.join(tmp, "series"),
            "--sources-out", os.path.join(tmp, "malicious.txt"),
            "--sources-query", "class=malicious&format=txt", "--emulate", "all"], background


def one_frame_at(path, at, out):
    """Write the first record of `path` to `out`, dated `at` (a datetime)."""
    with open(path, "rb") as f, open(out, "wb") as o:
        header = f.read(24)
        _, _, captured, length = struct.unpack("<IIII", f.read(16))
        seconds = int((at - dt.datetime(1970, 1, 1)).total_seconds())
        o.write(header + struct.pack("<IIII", seconds, 0, captured, length) + f.read(captured))


def get(url):
    """(status, body); a 503 (the main lcore busy past the server's wait) is asked again."""
    for _ in range(5):
        try:
            with urllib.request.urlopen(url, timeout=30) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            status, body = e.code, e.read().decode()
            if status != 503:
                return status, body
    return status, body


def probe_sources(pcap, port):
    """Sources of TCP SYNs to `port`."""
    out = subprocess.run(["tcpdump", "-nn", "-q", "-r", pcap,
                          f"tcp dst port {port} and tcp[tcpflags] & tcp-syn != 0"],
                         capture_output=True, text=True, timeout=300).stdout
    return {line.split()[2].rsplit(".", 1)[0] for line in out.splitlines() if " IP " in line}


def check_pivots(base, pcap, report_path, truth):
    """The campaign of claymore-getstat1 on 3333: its sources are those that sent the request
    (tcpdump), and its pivots count exactly those of them that probed 52869 and sent the UPnP
    injection there (the campaign lasts to the end of the month, past every such packet)."""
    status, body = get(f"{base}/api/v1/campaigns?port=3333&scope=port_signature")
    found = [c for c in json.loads(body)["campaigns"] if c["value"] == "claymore-getstat1"]
    if status != 200 or not found or "pivots" not in found[0]:
        failures.append(f"pivots: no claymore-getstat1 campaign with pivots on 3333 ({status})")
        return
    p = found[0]["pivots"]
    members = payload_sources(pcap, 3333, b'{"id')
    check("pivots: the campaign's sources", p["sources"], len(members))
    ports = {x["port"]: x["sources"] for x in p["ports"]}
    check("pivots: of them, probed 52869", ports.get(52869), len(members & probe_sources(pcap, 52869)))
    signatures = {(x["port"], x["name"]): x for x in p["signatures"]}
    upnp = signatures.get((52869, "realtek-upnp-addportmapping"), {})
    posted = members & payload_sources(pcap, 52869, b"POST")
    check("pivots: of them, sent the UPnP injection to 52869", upnp.get("sources"), len(posted))
    check("pivots: share", round(upnp.get("share", 0), 6), round(len(posted) / len(members), 6))
    check_campaign_steps(p, pcap, truth, members, posted)
    check_narrative(report_path, posted, members)
    print(f"pivots: 3333 claymore-getstat1 from {found[0]['start']}: {len(posted)} of "
          f"{len(members)} sources also sent realtek-upnp-addportmapping to 52869")


def check_campaign_steps(p, pcap, truth, members, posted):
    """How far the campaign's sources went (read with --emulate all as the requests passed):
    each step's sources are those of the members tcpdump saw send the step's request; the
    UPnP injection's download URL (the truth's, the generator's template) was sent by every
    member that posted it."""
    hg532 = members & payload_sources(pcap, 37215, b"POST")
    want = {(3333, "miner_status"): len(members), (52869, "http_request"): len(posted),
            (37215, "http_request"): len(hg532)}
    check("pivots: the campaign's steps",
          {(s["port"], s["step"]): s["sources"] for s in p.get("steps", [])}, want)
    urls = {i["value"] for i in truth["indicators"] if i["kind"] == "url" and i["port"] == 52869}
    want = {("url", 52869, url): len(posted) for url in urls}
    check("pivots: the campaign's indicators",
          {(i["kind"], i["port"], i.get("value")): i["sources"] for i in p.get("indicators", [])},
          want)
    if not urls:
        failures.append("pivots: the truth declares no URL on 52869 (the scenario changed?)")


def check_narrative(report_path, posted, members):
    """scripts/print-report.py tells the pivot in words, with the counts tcpdump gives."""
    here = os.path.dirname(os.path.abspath(__file__))
    out = subprocess.run([os.path.join(here, "..", "..", "scripts", "print-report.py"),
                          report_path], capture_output=True, text=True, timeout=60).stdout
    want = (f"{len(posted):,} of {len(members):,} sources also sent "
            f"realtek-upnp-addportmapping to 52869")
    check("pivots: print-report's narrative", any(want in line for line in out.splitlines()),
          True)
    want = (f"of its {len(members):,} sources, on 3333: {len(members):,} sources asked the "
            f"miner for its status; on 37215")
    check("pivots: print-report's steps of the campaign",
          any(want in line for line in out.splitlines()), True)


def check_sources(scanscope, config, pcap, args, background, tmp, report_path, truth):
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
    # The restart: one frame after the month (the series and the store read back from the
    # first run's folder and file) is all the second run sees.
    later = os.path.join(tmp, "after-the-month.pcap")
    one_frame_at(pcap, dt.datetime(2018, 2, 1, 0, 30), later)
    keep = args[:args.index("--sources-out")]
    proc, base = serve_offline(scanscope, config, [later], os.path.join(tmp, "store.log"),
                               ["-q", *keep])
    try:
        if base is None:
            failures.append("sources: the restarted scanscope never served")
            return
        syn_to_3333, syn_anywhere = syn_sources(pcap, 3333), syn_sources(pcap)
        looked_up = sorted(both)[:5]
        sent = packets_from([pcap, later], looked_up + [background])
        for address in looked_up:
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
            check(f"sources: {address} packets (tcpdump's)", s["packets"], sent[address])
            # Techniques from what the capture holds: a SYN to 3333 is `syn` there, and a tag.
            sent_syn = address in syn_to_3333
            check(f"sources: {address} technique syn on 3333",
                  (3333, "syn") in {(t["port"], t["name"]) for t in s["techniques"]}, sent_syn)
            check(f"sources: {address} tag syn", "syn" in s["tags"], address in syn_anywhere)
            # The reason is one of its signatures past reconnaissance (docs/sources.md).
            past_recon = [f"signature {g['name']} ({g['category']}) to {g['port']}/tcp"
                          for g in s["signatures"] if g["category"] not in ("recon", "handshake")]
            check(f"sources: {address} reason names a signature past reconnaissance",
                  s["reason"] in past_recon, True)
        status, body = get(f"{base}/api/v1/sources/{background}")
        check(f"sources: actor's {background}", status == 200 and
              (json.loads(body)["classification"], json.loads(body)["actor"],
               json.loads(body)["packets"]), ("benign", ACTOR, sent[background]))
        check("sources: never seen", get(f"{base}/api/v1/sources/203.0.113.254")[0], 404)
        check("sources: malformed", get(f"{base}/api/v1/sources/203.0.113.2544")[0], 400)
        check_pivots(base, pcap, report_path, truth)
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
