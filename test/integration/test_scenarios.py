#!/usr/bin/python3
"""scanscope-gen end to end.

- Round trip: small scenarios written here are generated, then analysed by scanscope; its
  hourly series per port (packets, sources, and by cluster, country and signature) must equal
  the generator's ground truth exactly. The ground truth itself is checked against the capture
  with independent readers: tcpdump counts the frames per hour and port and checks every
  checksum, and libloc's own Python reader places every source in the country it was drawn for.
  The clusters compared are not the generator's (it uses scanscope's rules code) but those
  cluster_truth.py works out from the rule file, tcpdump's headers and each source's declared
  tool; the generator's must agree with them too.
- Determinism: one scenario and seed give the same bytes; another seed gives others.
- The seed scenarios in config/scenarios show what the reports saw: the 8545 surge from
  3 Dec 2018 20:00 led by Russia, then the United States, then Bulgaria from 19 Dec 23:00; the
  Claymore and Satori campaigns from 8 Jan 2018; ADB from Mirai-fingerprinted sources from
  3 Feb 2018.
- Bad scenario files end with exit code 2 and a message naming file, line and reason.

usage: test_scenarios.py SCANSCOPE SCANSCOPE_GEN SOURCE_DIR
"""

import collections
import datetime as dt
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_pcap_report import check, failures  # noqa: E402
import cluster_truth  # noqa: E402
from serve_helpers import cache_args, exit_status  # noqa: E402

LOCATION_DB = "/usr/share/libloc-location/location.db"
# A source never ages out during a scenario: its source-port behaviour stays decided, as the
# ground truth assumes.
NEVER_IDLE = ["--source-idle", "1000000000"]
CONFIG = None  # the project's config/scanscope.conf, set in main()

ROUND_TRIPS = {
    "tools": """
[scenario]
name = tools
seed = 11
start = 2018-12-03T18:00:00Z
end = 2018-12-04T02:00:00Z
darknet = 198.18.0.0/22

[campaign masscan-ru]
start = 2018-12-03T20:00:00Z
ports = 8545
tool = masscan
sources = 25
countries = RU 90, UA 10
rate = 300
payloads = eth_accounts 10, personal_unlockAccount 5

[campaign zmap-us]
ports = 8545, 443
tool = zmap
sources = 40
countries = US 1
rate = 200
jitter = 0.3
profile = 2018-12-03T20:00Z x3, 2018-12-03T23:00Z x1 ramp

[campaign nmap-de]
end = 2018-12-03T21:30:00Z
ports = 22, 3389
tool = nmap
window = 2048
sources = 5
countries = DE 1
rate = 50

[campaign stacks]
ports = 8545, 22, 3333, 80
tool = stack
options = windows
window = 8192
ttl = 128
sources = 60
countries = CN 3, BR 2, NL 1
rate = 120
payloads = claymore_getstat1 10, eth_blockNumber 5

# Tools no rule names, whose first probe waits for the second to tell the source-port behaviour
# (fixed-port-w1024 and random-port-w65535 test it): counted provisionally, then moved.
[campaign unnamed-fixed]
ports = 8545, 22
tool = stack
options = none
window = 1024
sport = fixed
sources = 8
countries = FR 1
rate = 40

[campaign unnamed-random]
ports = 8545
tool = stack
options = mss
window = 65535
sport = random
sources = 8
countries = JP 1
rate = 40
""",
    "satori-adb": """
[scenario]
name = satori-adb
seed = 5
start = 2018-01-08T00:00:00Z
end = 2018-01-08T06:00:00Z
darknet = 198.18.8.0/24

[campaign satori]
ports = 3333
tool = mirai
sources = 30
countries = KR 1, TR 1, EG 1
rate = 150
payloads = claymore_getstat1 30

[campaign satori-routers]
start = 2018-01-08T02:00:00Z
ports = 52869, 37215, 5555
tool = mirai
sources-from = satori
rate = 120
payloads = upnp_satori 20, hg532_satori 20, adb_cnxn 10, adb_miner 10

[campaign background]
ports = 3333, 52869, 37215, 5555
tool = stack
options = none
window = 14600
sources = 20
countries = US 1, JP 1
rate = 40
""",
}

BAD_SCENARIOS = [
    # (text, line, words the message must contain)
    ("[scenario]\nstart = 2018-12-01\n", 2, "UTC time"),
    ("[scenario]\nstart = 2018-12-01T00:00Z\nend = 2018-12-02T00:00Z\ndarknet = 198.18.0.0/40\n",
     4, "darknet"),
    ("[scenario]\ncolour = blue\n", 2, "unknown key 'colour'"),
    ("[scenario]\nstart = 2018-12-01T00:00Z\nend = 2018-12-02T00:00Z\ndarknet = 198.18.0.0/24\n"
     "[campaign a]\nports = 8545\ntool = masscam\n", 7, "unknown tool 'masscam'"),
    ("[scenario]\nstart = 2018-12-01T00:00Z\nend = 2018-12-02T00:00Z\ndarknet = 198.18.0.0/24\n"
     "[campaign a]\nports = 8545\ncountries = RU 1\npayloads = eth_stealEverything 5\n", 8,
     "unknown payload 'eth_stealEverything'"),
    ("[scenario]\nstart = 2018-12-01T00:00Z\nend = 2018-12-02T00:00Z\ndarknet = 198.18.0.0/24\n"
     "[campaign a]\nports = 8545\ncountries = Russia 1\n", 7, "country code"),
    ("[scenario]\nstart = 2018-12-01T00:00Z\nend = 2018-12-02T00:00Z\ndarknet = 198.18.0.0/24\n"
     "[campaign a]\nports = 70000\n", 6, "port '70000'"),
    ("[scenario]\nstart = 2018-12-01T00:00Z\nend = 2018-12-02T00:00Z\ndarknet = 198.18.0.0/24\n"
     "[campaign a]\nstart = 2018-11-30T00:00Z\nports = 80\ncountries = RU 1\n", 5,
     "inside the scenario"),
    ("[scenario]\nstart = 2018-12-01T00:00Z\nend = 2018-12-02T00:00Z\ndarknet = 198.18.0.0/24\n"
     "[campaign a]\nports = 80\ncountries = RU 1\npayloads = eth_accounts 80, net_version 30\n",
     5, "more than 100%"),
    ("[scenario]\nstart = 2018-12-01T00:00Z\nend = 2018-12-02T00:00Z\ndarknet = 198.18.0.0/24\n"
     "[campaign a]\nports = 80\ntool = stack\noptions = mss\nwindow = 1024\ncountries = RU 1\n",
     5, "nmap"),
    ("[scenario]\nstart = 2018-12-01T00:00Z\nend = 2018-12-02T00:00Z\ndarknet = 198.18.0.0/24\n"
     "[campaign a]\nports = 80\nsources-from = b\n", 5, "names no earlier campaign"),
    ("[scenario]\nstart = 2018-12-01T00:00Z\nend = 2018-12-02T00:00Z\ndarknet = 198.18.0.0/24\n"
     "[campaign a]\nports = 80\ncountries = XX 1\n", 5, "no IPv4 network of country XX"),
    ("[scenario]\nstart = 2018-12-01T00:00Z\nend = 2018-12-02T00:00Z\ndarknet = 198.18.0.0/24\n"
     "[campaign a]\nports = 80\ncountries = RU 1\nrate = 5\nrate = 6\n", 9, "given twice"),
    ("[scenario]\nstart = 2018-12-01T00:00Z\nend = 2018-12-02T00:00Z\ndarknet = 198.18.0.0/24\n"
     "[campaign a]\nports = 80\ncountries = RU 1\nprofile = 2018-12-01T05:00Z 3\n", 8,
     "TIME xFACTOR"),
    ("[scenario]\nstart = 2018-12-01T00:00Z\nend = 2018-12-02T00:00Z\ndarknet = 198.18.0.0/24\n",
     5, "no [campaign]"),
    ("[senario]\n", 1, "unknown section"),
]


def generate(gen, scenario, pcap, truth=None, extra=()):
    cmd = [gen, scenario, "-o", pcap, "-q", *extra]
    if truth:
        cmd += ["-t", truth]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        failures.append(f"scanscope-gen {scenario}: exit {proc.returncode}: {proc.stderr}")
        return False
    return True


def analyse(scanscope, pcap, report, extra=()):
    proc = subprocess.run([scanscope, "--config", CONFIG, *cache_args(), "--pcap", pcap, "--json-out", report,
                           "-q", *extra],
                          capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        failures.append(f"scanscope {pcap}: exit {proc.returncode}: {proc.stderr}")
        return None
    with open(report) as f:
        return json.load(f)


def compare_series(name, truth, report):
    """Every port of the truth: the report's series bucket by bucket, all fields."""
    ports = {p["port"]: p for p in report["ports"]}
    compared = 0
    for tp in truth["ports"]:
        rp = ports.get(tp["port"])
        if rp is None:
            failures.append(f"{name}: port {tp['port']} is not watched by scanscope")
            continue
        got = {b["start"]: b for b in rp["series"]}
        for b in tp["series"]:
            g = got.get(b["start"], {})
            # A source is in one cluster: the clusters' sources add up to the port's.
            check(f"{name}: {tp['port']} at {b['start']}: sources by cluster",
                  sum(v[1] for v in b["clusters"].values()), b["sources"])
            for field in ("packets", "sources", "clusters", "countries", "signatures"):
                check(f"{name}: {tp['port']} at {b['start']}: {field}", g.get(field), b[field])
                compared += 1
        check(f"{name}: {tp['port']}: buckets", sorted(got), sorted(b["start"] for b in tp["series"]))
    if compared < 20:
        failures.append(f"{name}: only {compared} series fields compared")


def compare_stages(name, truth, report):
    """The steps each port's requests reached and the indicators they gave (read with
    --emulate all), against the truth the generator's templates declare."""
    want = {(s["port"], s["step"]): (s["packets"], s["sources"]) for s in truth["steps"]}
    got = {(p["port"], s["step"]): (s["packets"], s["sources"])
           for p in report["conversation"]["ports"] for s in p.get("steps", [])}
    check(f"{name}: steps by port", got, want)
    want = {(i["kind"], i["port"], i["value"]): (i["count"], i["sources"])
            for i in truth["indicators"]}
    got = {(i["kind"], i["port"], i["value"]): (i["count"], i["sources"])
           for i in report["conversation"]["indicators"]}
    check(f"{name}: indicators", got, want)
    return len(want)


def tcpdump_packets(pcap):
    """(hour, dst port, src address) of every frame, read by tcpdump, with checksums verified."""
    out = subprocess.run(["tcpdump", "-r", pcap, "-nn", "-vv", "--nano", "-tt"],
                         capture_output=True, text=True, check=True).stdout
    rows = []
    when = None
    for line in out.splitlines():
        t = re.match(r"(\d+)\.\d+ IP ", line)
        if t:
            if when is not None:
                failures.append(f"{pcap}: no addresses after an IP header line")
            when = int(t.group(1))
            if "bad cksum" in line:
                failures.append(f"{pcap}: wrong IP checksum: {line}")
            continue
        a = re.match(r"\s+(\d+\.\d+\.\d+\.\d+)\.\d+ > \d+\.\d+\.\d+\.\d+\.(\d+):", line)
        if a and when is not None:
            if "(correct)" not in line:
                failures.append(f"{pcap}: wrong TCP checksum: {line}")
            rows.append((when // 3600 * 3600, int(a.group(2)), a.group(1)))
            when = None
    return rows


def iso_hour(seconds):
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def check_truth_against_capture(name, pcap, truth):
    """The ground truth's packets and countries, as tcpdump and libloc read the capture."""
    rows = tcpdump_packets(pcap)
    check(f"{name}: frames in the capture", len(rows), truth["packets"])
    ports = {tp["port"] for tp in truth["ports"]}
    want = collections.Counter((iso_hour(h), p) for h, p, _ in rows if p in ports)
    got = collections.Counter()
    for tp in truth["ports"]:
        for b in tp["series"]:
            got[(b["start"], tp["port"])] = b["packets"]
    check(f"{name}: truth packets per hour and port against tcpdump", got, want)
    try:
        import location  # Debian's python3-location
    except ImportError:
        failures.append("python3-location is not installed: cannot check source countries")
        return
    db = location.Database(LOCATION_DB)
    countries = collections.Counter()
    for h, port, src in rows:
        if port in ports:
            n = db.lookup(src)
            countries[(iso_hour(h), port, n.country_code if n else "ZZ")] += 1
    got = collections.Counter()
    for tp in truth["ports"]:
        for b in tp["series"]:
            for cc, (packets, _) in b["countries"].items():
                got[(b["start"], tp["port"], cc)] = packets
    check(f"{name}: truth countries against libloc", got, countries)


def use_independent_clusters(name, pcap, truth, scenario_text):
    """The truth's clusters replaced by those worked out without scanscope's code
    (cluster_truth.py: the rule file, tcpdump's headers, each source's declared tool); the
    generator's own cluster counts, which use scanscope's rules code, must agree with them."""
    rules = os.path.join(os.path.dirname(CONFIG), "clusters.conf")
    try:
        independent = cluster_truth.cluster_series(pcap, rules, truth, scenario_text)
    except cluster_truth.UnsupportedRule as e:
        failures.append(f"{name}: the independent cluster reader cannot follow: {e}")
        return
    buckets = 0
    for tp in truth["ports"]:
        for b in tp["series"]:
            hour = int(dt.datetime.strptime(b["start"][:19], "%Y-%m-%dT%H:%M:%S")
                       .replace(tzinfo=dt.timezone.utc).timestamp())
            mine = independent.get((hour, tp["port"]), {})
            check(f"{name}: {tp['port']} at {b['start']}: the generator's clusters against the "
                  "independent reading", b["clusters"], mine)
            b["clusters"] = mine
            buckets += 1
    check(f"{name}: buckets with independent clusters", buckets > 0, True)


def check_round_trips(scanscope, gen, tmp):
    for name, text in ROUND_TRIPS.items():
        scenario = os.path.join(tmp, f"{name}.scn")
        with open(scenario, "w") as f:
            f.write(text)
        pcap, truth_path = os.path.join(tmp, f"{name}.pcap"), os.path.join(tmp, f"{name}.json")
        if not generate(gen, scenario, pcap, truth_path):
            continue
        with open(truth_path) as f:
            truth = json.load(f)
        check_truth_against_capture(name, pcap, truth)
        use_independent_clusters(name, pcap, truth, text)
        report = analyse(scanscope, pcap, os.path.join(tmp, f"{name}.report.json"),
                         NEVER_IDLE + ["--emulate", "all"])
        if report is None:
            continue
        compare_series(name, truth, report)
        compare_stages(name, truth, report)
        check(f"{name}: frames", report["totals"]["packets"], truth["packets"])
        signatures = sum(len(b["signatures"]) for tp in truth["ports"] for b in tp["series"])
        if signatures == 0 or truth["payloads"] == 0:
            failures.append(f"{name}: the round trip carried no signature hits")
        print(f"round trip {name}: {truth['packets']} frames, {truth['payloads']} payloads")


def check_determinism(gen, source_dir, tmp):
    scenario = os.path.join(tmp, "tools.scn")
    digests = []
    for i, extra in enumerate([(), (), ("--seed", "12")]):
        pcap = os.path.join(tmp, f"again{i}.pcap")
        if not generate(gen, scenario, pcap, extra=extra):
            return
        with open(pcap, "rb") as f:
            digests.append(hashlib.sha256(f.read()).hexdigest())
    check("same scenario and seed give the same capture", digests[0], digests[1])
    if digests[0] == digests[2]:
        failures.append("another seed gave the same capture")


def sources_by_day(report, port):
    """{day: Counter(country: source-hours)} from the report's hourly series."""
    days = collections.defaultdict(collections.Counter)
    for p in report["ports"]:
        if p["port"] == port:
            for b in p["series"]:
                for cc, (_, sources) in b["countries"].items():
                    days[b["start"][:10]][cc] += sources
    return days


def leader(counter):
    return counter.most_common(1)[0][0] if counter else None


def check_seed_scenarios(scanscope, gen, source_dir, tmp):
    reports = {}
    for name in ("ethereum-2018-12", "claymore-satori-2018-01", "adb-mirai-2018-02"):
        scenario = os.path.join(source_dir, "config", "scenarios", f"{name}.scn")
        pcap, truth_path = os.path.join(tmp, f"{name}.pcap"), os.path.join(tmp, f"{name}.truth")
        if generate(gen, scenario, pcap, truth_path):
            reports[name] = analyse(scanscope, pcap, os.path.join(tmp, f"{name}.json"),
                                    ["--emulate", "all"])
            if reports[name] is not None:
                with open(truth_path) as f:
                    # The second stages the seeds' requests reach, and what they give away.
                    indicators = compare_stages(name, json.load(f), reports[name])
                if indicators == 0:
                    failures.append(f"{name}: the truth declares no indicator")
    eth = reports.get("ethereum-2018-12")
    if eth:
        surges = [s for s in eth["surges"] if s["scope"] == "port" and s["port"] == 8545]
        first = surges[0] if surges else {}
        check("8545: first surge starts", first.get("start"), "2018-12-03T20:00:00.000Z")
        check("8545: first surge led by", leader(collections.Counter(first.get("countries", {}))),
              "RU")
        ratio = first.get("peak_ratio", 0)
        if not 10 <= ratio <= 20:
            failures.append(f"8545: surge peak ratio {ratio}, expected about 15")
        days = sources_by_day(eth, 8545)
        leaders = {day: leader(c) for day, c in days.items()}
        for day in range(4, 14):
            check(f"8545: leading country on 2018-12-{day:02}", leaders.get(f"2018-12-{day:02}"), "RU")
        for day in range(15, 20):
            check(f"8545: leading country on 2018-12-{day:02}", leaders.get(f"2018-12-{day:02}"), "US")
        bg = [s["start"] for s in eth["surges"]
              if s["scope"] == "port_country" and s.get("country") == "BG"]
        check("8545: Bulgaria surges from", bg[:1], ["2018-12-19T23:00:00.000Z"])
        clusters = {c["name"]: c["packets"] for p in eth["ports"] if p["port"] == 8545
                    for c in p["clusters"]}
        for c in ("fixed-port-w1024", "random-port-w65535", "other"):
            if clusters.get(c, 0) < 10000:
                failures.append(f"8545: cluster {c} has {clusters.get(c)} frames")
    jan = reports.get("claymore-satori-2018-01")
    if jan:
        for port, rule in ((3333, "claymore-getstat1"), (52869, "realtek-upnp-addportmapping"),
                           (37215, "huawei-hg532-injection")):
            hours = [b["start"] for p in jan["ports"] if p["port"] == port for b in p["series"]
                     if rule in b["signatures"]]
            check(f"{port}: first hour with {rule}", min(hours, default=None)[:10] if hours else None,
                  "2018-01-08")
        surge = [s["start"][:10] for s in jan["surges"] if s["scope"] == "port" and s["port"] == 3333]
        check("3333: surge day", surge[:1], ["2018-01-08"])
    feb = reports.get("adb-mirai-2018-02")
    if feb:
        port = next(p for p in feb["ports"] if p["port"] == 5555)
        hours = [b["start"] for b in port["series"] if "adb-cnxn-legacy" in b["signatures"]]
        check("5555: first hour with ADB CNXN", min(hours, default=None), "2018-02-03T00:00:00.000Z")
        mirai = next((c["sources"] for c in port["clusters"] if c["name"] == "mirai"), 0)
        cnxn = next((s["sources"] for s in port["signatures"] if s["name"] == "adb-cnxn-legacy"), 0)
        # Every source that sent CNXN carries Mirai's fingerprint.
        check("5555: CNXN sources with Mirai's fingerprint", mirai >= cnxn > 1000, True)
    print(f"seed scenarios: {len(reports)} analysed")


def check_bad_scenarios(gen, tmp):
    for i, (text, line, words) in enumerate(BAD_SCENARIOS):
        path = os.path.join(tmp, f"bad{i}.scn")
        with open(path, "w") as f:
            f.write(text)
        proc = subprocess.run([gen, path, "-o", os.path.join(tmp, "bad.pcap"), "-q"],
                              capture_output=True, text=True, timeout=120)
        check(f"bad scenario {i} exit code", proc.returncode, 2)
        if f"{path}:{line}:" not in proc.stderr or words not in proc.stderr:
            failures.append(f"bad scenario {i}: expected '{path}:{line}:' and '{words}' in "
                            f"{proc.stderr!r}")
    proc = subprocess.run([gen, os.path.join(tmp, "missing.scn"), "-o", "x.pcap"],
                          capture_output=True, text=True)
    check("missing scenario exit code", proc.returncode, 2)


def main():
    global CONFIG
    scanscope, gen, source_dir = sys.argv[1:4]
    CONFIG = os.path.join(source_dir, "config", "scanscope.conf")
    with tempfile.TemporaryDirectory() as tmp:
        check_round_trips(scanscope, gen, tmp)
        check_bad_scenarios(gen, tmp)
        if os.environ.get("SCANSCOPE_TEST_SANITIZED"):
            # Under ASan the round trips cover the same code; the full-size seed campaigns
            # (1.5 million frames) are checked on the normal build.
            print("seed scenarios and determinism: checked on the normal build")
        else:
            check_determinism(gen, source_dir, tmp)
            check_seed_scenarios(scanscope, gen, source_dir, tmp)
    return exit_status(failures)


if __name__ == "__main__":
    sys.exit(main())
