#!/usr/bin/python3
"""The fleet store: closed buckets into Debian's clickhouse-server, started here on 127.0.0.1.

1. Exact merge. A seed scenario is cut into two darknet slices (even and odd last address
   byte): most scanners hit both, so the two sensors' sources overlap in part. Sensor A and
   sensor B each analyse one slice into one server. The shipped queries
   (config/clickhouse/queries) must give, per hour, per port, country, cluster, signature and AS,
   exactly the packets and distinct sources of one scanscope run over the whole capture.
2. Two shards. The same two sensors write to two servers, one each; the Distributed tables of
   config/clickhouse/distributed.sql answer the same queries with the same figures. The pivot
   and address queries over the two sensors give what the single run's source store holds.
3. Outage. A live run (net_af_packet on a veth pair, 10 s buckets) while frames come at a steady
   pace from a network namespace for 30 s; the server is stopped for 13 s mid-run. Every
   bucket must arrive once, the store's figures must equal the sensor's own series files and
   the frames sent, and the spool counters must show the outage; the retries fit the
   doubling pauses of the back-off, and the spool is delivered while the run goes on.
4. Spool bound. A live run whose server stays down, with a 1 MB spool: it never holds more,
   each bucket is kept or counted dropped, and a later start delivers the newest ones.
5. Refusals: a bad URL stops the run (exit 2, naming the option); a schema the server rejects
   is logged with the server's message, spooled and counted.
6. Crash and rerun: a run over the capture killed (SIGKILL) midway, or interrupted (SIGINT),
   then run again: files and store hold every frame once.
7. Events (event_checks.py): the event log of real captures goes into the same server through
   JSONEachRow, every line taken, each alert matched against tcpdump and the rule file; the
   same run's syslog messages into rsyslogd, every line taken.

usage: test_fleet.py SCANSCOPE SCANSCOPE_GEN SOURCE_DIR
"""

import collections
import csv
import datetime
import glob
import json
import math
import os
import shutil
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request

SOURCE_DIR = sys.argv[3] if len(sys.argv) > 3 else os.path.join(os.path.dirname(__file__), "..", "..")
sys.path.insert(0, os.path.join(SOURCE_DIR, "scripts"))
import clickhouse_local  # noqa: E402
from netns_link import link_names, skips_allowed, veth_to_namespace  # noqa: E402
from serve_helpers import cache_args, check_counter_families, port_run, serving_port  # noqa: E402
from test_campaigns import split_pcap  # noqa: E402
from event_checks import check_events  # noqa: E402

SCHEMA = os.path.join(SOURCE_DIR, "config", "clickhouse", "schema.sql")
DISTRIBUTED = os.path.join(SOURCE_DIR, "config", "clickhouse", "distributed.sql")
QUERIES = os.path.join(SOURCE_DIR, "config", "clickhouse", "queries")
# Every run reads the shipped configuration (signatures, clusters, actors), wherever it starts.
CONFIG = os.path.join(SOURCE_DIR, "config", "scanscope.conf")
NS = f"scanscope-fleet-{os.getpid()}"
HOST_IF, PEER_IF = link_names("f")  # this run's own

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
    return condition


def epoch(text):
    """'2018-12-03T20:00:00.000Z' or '2018-12-03 20:00:00' (UTC) → seconds."""
    text = text.replace("T", " ").rstrip("Z").split(".")[0]
    return int(datetime.datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
               .replace(tzinfo=datetime.timezone.utc).timestamp())


def series_lines(folder):
    """The series files' lines, summed per (start, port, protocol, kind, value, country)."""
    sums = collections.defaultdict(lambda: [0, 0])
    for path in glob.glob(os.path.join(folder, "*.csv")):
        with open(path) as f:
            for row in csv.DictReader(f):
                key = (epoch(row["start"]), int(0 if row["port"] == "other" else row["port"]),
                       row["protocol"], row["kind"], row["value"], row["country"])
                sums[key][0] += int(row["packets"])
                sums[key][1] += int(row["sources"])
    return sums


def expected(lines, kind, by_country):
    """From one run's series: per (hour, label) of one kind on 8545/tcp, packets and sources.
    Per-kind entries are split by country; a source has one country, so sources add up."""
    packets, sources = collections.Counter(), collections.Counter()
    for (start, port, protocol, k, value, country), (p, s) in lines.items():
        if k != kind or port != 8545 or protocol != "tcp":
            continue
        label = country if by_country else value
        packets[(start, label)] += p
        sources[(start, label)] += s
    return packets, sources


def shipped(server, name, table_suffix=""):
    """Run a query of config/clickhouse/queries; rows as {(hour, label): number}."""
    sql = open(os.path.join(QUERIES, name)).read()
    if table_suffix:
        for table in ("series", "sources", "campaigns"):
            sql = sql.replace(f"scanscope.{table}\n", f"scanscope.{table}{table_suffix}\n")
            sql = sql.replace(f"scanscope.{table} ", f"scanscope.{table}{table_suffix} ")
    out = {}
    for line in server.query(sql).splitlines():
        hour, label, number = line.split("\t")
        out[(epoch(hour), label)] = int(number)
    return out


def run_sensor(scanscope, capture, sensor, server, tmp, extra=()):
    spool = os.path.join(tmp, f"spool-{sensor}-{server.http_port}")
    proc = subprocess.run(
        [scanscope, "--config", CONFIG, *cache_args(), "--pcap", capture, "--quiet", "--http", "none",
         "--clickhouse", server.url + "?database=scanscope", "--sensor", sensor,
         "--clickhouse-spool", spool, "--clickhouse-flush", "120", *extra],
        capture_output=True, text=True, timeout=600)
    check(proc.returncode == 0, f"sensor {sensor}: exit {proc.returncode}: {proc.stderr[-500:]}")
    return proc


def compare(name, got, want):
    if got == want:
        return True
    missing = {k: v for k, v in want.items() if got.get(k) != v}
    extra = {k: v for k, v in got.items() if k not in want}
    failures.append(f"{name}: {len(missing)} of {len(want)} cells differ from one run over the "
                    f"whole capture (e.g. {list(missing.items())[:3]} got "
                    f"{[got.get(k) for k in list(missing)[:3]]}), {len(extra)} extra "
                    f"(e.g. {list(extra.items())[:3]})")
    return False


def merge_checks(server, whole, suffix, label):
    """The shipped queries against the single run's series."""
    counted = 0
    for query, kind, by_country, what in (
            ("packets-by-country.sql", "port", True, 0),
            ("sources-by-country.sql", "port", True, 1),
            ("packets-by-cluster.sql", "cluster", False, 0),
            ("sources-by-cluster.sql", "cluster", False, 1),
            ("sources-by-signature.sql", "signature", False, 1),
            ("sources-by-as.sql", "as", False, 1)):
        want = expected(whole, kind, by_country)[what]
        want = {k: v for k, v in want.items() if v != 0}
        got = shipped(server, query, suffix)
        check(len(want) > 0, f"{label} {query}: the single run has no such cells")
        if compare(f"{label} {query}", got, want):
            counted += len(want)
    print(f"{label}: {counted} cells equal to the single run")


def restart_rows(scanscope, capture, server, tmp):
    """A sensor restarted inside its campaigns (one series folder, two runs): the shipped
    campaigns query gives each campaign once, in its final state, as the second run's report
    has them (no stale "ongoing" row of the first run beside an ended one)."""
    first, second = os.path.join(tmp, "before.pcap"), os.path.join(tmp, "after.pcap")
    split_pcap(capture, datetime.datetime(2018, 12, 8), first, second)
    series = os.path.join(tmp, "restart-series")
    report = os.path.join(tmp, "restart.json")
    for half in (first, second):
        run_sensor(scanscope, half, "r", server, tmp,
                   ["--series-dir", series, "--json-out", report])
    with open(report) as f:
        campaigns = json.load(f)["campaigns"]
    rows = [line.split("\t") for line in server.query(
        open(os.path.join(QUERIES, "campaigns-by-sensor.sql")).read()).splitlines()
        if line.startswith("r\t")]
    check(len(rows) == len(campaigns) and len(campaigns) > 0,
          f"restart: {len(rows)} campaign rows for the {len(campaigns)} campaigns of the report")
    ongoing = sum(1 for r in rows if r[7] == "1")
    check(ongoing == sum(1 for c in campaigns if c["ongoing"]),
          f"restart: {ongoing} rows ongoing, the report says "
          f"{sum(1 for c in campaigns if c['ongoing'])}")


def crash_rerun(scanscope, capture, server, tmp, whole, stop, sensor):
    """A run over the capture stopped in the middle (`stop`: SIGKILL, a crash; SIGINT, an
    operator), then the same run again: the series files and the store (FINAL) hold every
    frame once, equal to one run over the capture; the campaigns query gives the rerun's
    campaigns once each."""
    how = "crash" if stop == signal.SIGKILL else "interrupt"
    series = os.path.join(tmp, f"{how}-series")
    record = os.path.join(series, "written-buckets")
    spool = os.path.join(tmp, f"spool-{sensor}-{server.http_port}")  # run_sensor's
    proc = subprocess.Popen(
        [scanscope, "--config", CONFIG, *cache_args(), "--pcap", capture, "--quiet", "--http",
         "none", "--clickhouse", server.url + "?database=scanscope", "--sensor", sensor,
         "--clickhouse-spool", spool, "--series-dir", series],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    written = 0
    deadline = time.monotonic() + 120
    while proc.poll() is None and written < 250 and time.monotonic() < deadline:
        time.sleep(0.002)
        if os.path.exists(record):
            with open(record) as f:
                written = sum(1 for line in f if line.startswith("end "))
    if not check(proc.poll() is None, f"{how}: the run ended (exit {proc.returncode}) before "
                                      f"the signal, {written} buckets written"):
        return
    proc.send_signal(stop)
    proc.wait(timeout=120)
    stored = int(server.query(
        f"SELECT uniqExact(bucket) FROM scanscope.series WHERE sensor = '{sensor}'"))
    report = os.path.join(tmp, f"{how}-rerun.json")
    rerun = run_sensor(scanscope, capture, sensor, server, tmp,
                       ["--series-dir", series, "--json-out", report])
    check("counted here before" in rerun.stderr,
          f"{how}: the rerun did not say it recognised the capture: {rerun.stderr[-300:]}")
    if stop == signal.SIGINT:
        # The interrupted run's last bucket was cut short: taken back, written whole.
        check("were taken back" in rerun.stderr,
              f"interrupt: the cut-short bucket was not taken back: {rerun.stderr[-300:]}")
    files = series_lines(series)
    compare(f"{how} and rerun: series files", {k: tuple(v) for k, v in files.items()},
            {k: tuple(v) for k, v in whole.items()})
    got = {}
    for line in server.query(
            "SELECT toUnixTimestamp(bucket), port, protocol, kind, value, country, packets, "
            f"sources FROM scanscope.series FINAL WHERE sensor = '{sensor}'").splitlines():
        start, port, protocol, kind, value, country, packets, sources = line.split("\t")
        key = (int(start), int(port), protocol, kind, value, country)
        check(key not in got, f"{how} and rerun: two rows for {key} after FINAL")
        got[key] = (int(packets), int(sources))
    compare(f"{how} and rerun: ClickHouse", got, {k: tuple(v) for k, v in whole.items()})
    with open(report) as f:
        campaigns = json.load(f)["campaigns"]
    rows = [line for line in server.query(
        open(os.path.join(QUERIES, "campaigns-by-sensor.sql")).read()).splitlines()
        if line.startswith(sensor + "\t")]
    check(len(rows) == len(campaigns) > 0,
          f"{how} and rerun: {len(rows)} campaign rows for the {len(campaigns)} campaigns")
    frames = sum(p for (_, _, _, kind, _, _), (p, _) in whole.items() if kind == "port")
    print(f"{how} and rerun: stopped after {written} buckets written ({stored} in ClickHouse); "
          f"after the rerun files and ClickHouse hold the single run's {len(whole)} lines, "
          f"{frames} frames")


def pivot_queries(server, store):
    """The shipped pivot and address queries over the two sensors against the single run's
    source store: the December sources that sent eth-accounts to 8545, and what else they sent
    (the whole month: every activity counts); one of them looked up."""
    sql = open(os.path.join(QUERIES, "pivot-across-sensors.sql")).read()
    for old, new in (("3333", "8545"), ("claymore-getstat1", "eth-accounts"),
                     ("2018-01-01 00:00:00", "2018-12-01 00:00:00"),
                     ("2018-02-01 00:00:00", "2019-01-01 00:00:00")):
        sql = sql.replace(old, new)
    got = {}
    for line in server.query(sql).splitlines():
        port, protocol, what, sources = line.split("\t")
        got[(int(port), what)] = int(sources)
    with sqlite3.connect(store) as db:
        members = {a for (a,) in db.execute(
            "SELECT address FROM activity WHERE kind = 'signature' AND port = 8545 "
            "AND value = 'eth-accounts'")}
        want = collections.Counter()
        for address, kind, port, value in db.execute(
                "SELECT address, kind, port, value FROM activity "
                "WHERE kind IN ('port', 'signature')"):
            if address in members:
                want[(port, value)] += 1
    check(got == dict(want) and got.get((8545, "eth-accounts")) == len(members),
          f"pivot across sensors {sorted(got.items())[:6]} against the store's "
          f"{sorted(want.items())[:6]}")
    address = sorted(members)[0]
    sql = open(os.path.join(QUERIES, "address-lookup.sql")).read().replace(
        "1.105.11.10", address)
    signatures = set()
    for line in server.query(sql).splitlines():
        signatures |= set(json.loads(line.split("\t")[6].replace("'", '"')))
    with sqlite3.connect(store) as db:
        stored = {v for (v,) in db.execute("SELECT value FROM activity WHERE address = ? AND "
                                           "kind = 'signature'", (address,))}
    check(signatures == stored, f"address lookup {address}: {signatures} against {stored}")
    print(f"pivot across sensors: {len(members)} sources sent eth-accounts; {address} looked up")


def indicator_merge(server, truth_path):
    """Two sensors' indicators (--emulate all, each on its slice): the shipped query's requests
    per indicator are the scenario's, as its generator counted them."""
    with open(truth_path) as f:
        want = {(i["kind"], i["port"], i["value"]): i["count"] for i in json.load(f)["indicators"]}
    got, sensors = {}, {}
    for line in server.query(open(os.path.join(QUERIES, "indicators.sql")).read()).splitlines():
        kind, port, value, requests, _, _, seen_by = line.split("\t")
        got[(kind, int(port), value)] = int(requests)
        sensors[(kind, int(port), value)] = int(seen_by)
    check(len(want) > 0 and got == want, f"indicators.sql: {got}, the scenario holds {want}")
    check(all(n == 2 for n in sensors.values()),
          f"indicators.sql: sensors per indicator {sensors}, both slices hold each")
    print(f"indicators: {len(got)} from two sensors, requests as the scenario holds them")


def start_shards(tmp, tries=3):
    """Two servers that know each other's ports (the cluster in their configs): ports are
    picked before the servers bind them, so both start again on new ones when one was taken
    meanwhile."""
    for attempt in range(1, tries + 1):
        ports = [clickhouse_local.free_port(), clickhouse_local.free_port()]
        shards = [clickhouse_local.Server(os.path.join(tmp, f"ch-shard{i}-{attempt}"),
                                          shards_tcp_ports=ports, tcp_port=ports[i])
                  for i in range(2)]
        try:
            for s in shards:
                s.start(tries=1)
            return shards
        except RuntimeError as e:
            for s in shards:
                s.stop()
            if "Address already in use" not in str(e) or attempt == tries:
                raise
    raise AssertionError("unreachable")


def exact_merge(scanscope, gen, tmp):
    capture, truth = os.path.join(tmp, "ethereum.pcap"), os.path.join(tmp, "ethereum.truth")
    subprocess.run([gen, os.path.join(SOURCE_DIR, "config", "scenarios", "ethereum-2018-12.scn"),
                    "-o", capture, "-q", "-t", truth], check=True)
    halves = [os.path.join(tmp, "slice-a.pcap"), os.path.join(tmp, "slice-b.pcap")]
    subprocess.run(["tcpdump", "-r", capture, "-w", halves[0], "ip[19] & 1 = 0"], check=True,
                   stderr=subprocess.DEVNULL)
    subprocess.run(["tcpdump", "-r", capture, "-w", halves[1], "not (ip[19] & 1 = 0)"],
                   check=True, stderr=subprocess.DEVNULL)
    whole_dir = os.path.join(tmp, "whole-series")
    whole_store = os.path.join(tmp, "whole-sources.db")
    proc = subprocess.run([scanscope, "--config", CONFIG, *cache_args(), "--pcap", capture, "--quiet",
                           "--http", "none", "--series-dir", whole_dir,
                           "--source-store", whole_store],
                          capture_output=True, text=True, timeout=600)
    check(proc.returncode == 0, f"the single run: exit {proc.returncode}: {proc.stderr[-500:]}")
    whole = series_lines(whole_dir)

    one = clickhouse_local.Server(os.path.join(tmp, "ch-one"))
    try:
        one.start()
        one.run_file(SCHEMA)
        for sensor, half in zip("ab", halves):
            run_sensor(scanscope, half, sensor, one, tmp, ["--emulate", "all"])
        indicator_merge(one, truth)
        per_sensor = one.query("SELECT sensor, uniqExact(source) FROM scanscope.sources "
                               "GROUP BY sensor ORDER BY sensor").split()
        both = int(one.query("SELECT uniqExact(source) FROM scanscope.sources"))
        a, b = int(per_sensor[1]), int(per_sensor[3])
        check(max(a, b) < both < a + b,
              f"the slices' sources should overlap in part: a {a}, b {b}, both {both}")
        print(f"sources: sensor a {a}, sensor b {b}, both {both}")
        merge_checks(one, whole, "", "one server")
        campaigns = one.query(open(os.path.join(QUERIES, "campaigns-by-sensor.sql")).read())
        sensors = {line.split("\t")[0] for line in campaigns.splitlines()}
        check(sensors == {"a", "b"}, f"campaigns by sensor: sensors {sensors}")
        pivot_queries(one, whole_store)
        restart_rows(scanscope, capture, one, tmp)
        crash_rerun(scanscope, capture, one, tmp, whole, signal.SIGKILL, "k")
        crash_rerun(scanscope, capture, one, tmp, whole, signal.SIGINT, "i")
        # Retention on a server without TTL: the scenario's month is older than a month.
        retention = os.path.join(SOURCE_DIR, "scripts", "fleet-retention")
        proc = subprocess.run([retention, "--url", one.url, "--months", "1"],
                              capture_output=True, text=True)
        left = int(one.query("SELECT count() FROM scanscope.sources"))
        check(proc.returncode == 0 and "3 partitions" in proc.stdout and left == 0,
              f"fleet-retention: exit {proc.returncode}, {proc.stdout!r}, {left} rows left")
    finally:
        one.stop()

    shards = start_shards(tmp)
    try:
        for s in shards:
            s.run_file(SCHEMA)
            s.run_file(DISTRIBUTED)
        for sensor, half, s in zip("ab", halves, shards):
            run_sensor(scanscope, half, sensor, s, tmp)
        local = int(shards[0].query("SELECT count() FROM scanscope.sources"))
        spread = int(shards[0].query("SELECT count() FROM scanscope.sources_all"))
        check(0 < local < spread, f"shard 0 holds {local} source rows, all shards {spread}")
        merge_checks(shards[0], whole, "_all", "two shards")
    finally:
        for s in shards:
            s.stop()


# A SYN to 8545 from `source` (an IPv4 address as a number), as one Ethernet frame: shared by
# the sender in the namespace (as code) and the captures written here.
SYN_FRAME = """
def checksum(data):
    total = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def syn_frame(source, seq):
    src = struct.pack('!I', source)
    dst = socket.inet_aton('192.0.2.%d' % (1 + seq % 200))
    tcp = struct.pack('!HHIIBBHHH', 40000, 8545, seq, 0, 5 << 4, 2, 1024, 0, 0)
    tcp = tcp[:16] + struct.pack('!H', checksum(src + dst + struct.pack('!BBH', 0, 6, 20) + tcp)) + tcp[18:]
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 40, 1, 0, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack('!H', checksum(ip)) + ip[12:]
    return b'\\x02\\0\\0\\0\\0\\x01\\x02\\0\\0\\0\\0\\x02\\x08\\x00' + ip + tcp
"""
exec(SYN_FRAME)  # checksum() and syn_frame() here too


def sender(seconds, rate, sources):
    """A process in the namespace sending SYNs to 8545 at `rate` a second for `seconds`, from
    `sources` addresses (198.51.100.10 on)."""
    code = "import socket, struct, time\n" + SYN_FRAME + f"""
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(('{PEER_IF}', 0))
sent = 0
start = time.time()
while time.time() - start < {seconds}:
    s.send(syn_frame(0xC633640A + sent % {sources}, sent))
    sent += 1
    time.sleep(max(0, start + sent / {rate} - time.time()))
print(sent)
"""
    return subprocess.Popen(["ip", "netns", "exec", NS, sys.executable, "-c", code],
                            stdout=subprocess.PIPE, text=True)


def metric(text, name):
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


def outage(scanscope, tmp):
    link = veth_to_namespace(NS, HOST_IF, PEER_IF)
    if not link.up():
        if not skips_allowed():
            failures.append("outage: no network namespace, and SCANSCOPE_NO_SKIP=1 allows no "
                            "skip")
        return
    server = clickhouse_local.Server(os.path.join(tmp, "ch-outage"))
    proc = None
    try:
        server.start()
        server.run_file(SCHEMA)
        series_dir, spool = os.path.join(tmp, "live-series"), os.path.join(tmp, "live-spool")
        report, log_path = os.path.join(tmp, "live.json"), os.path.join(tmp, "live.log")
        with open(log_path, "w") as log:
            proc = subprocess.Popen(
                port_run(scanscope, "fleet", f"net_af_packet0,iface={HOST_IF}",
                         ["--config", CONFIG, *cache_args(), "--geo-db", "none", "--bucket", "10",
                          "--bucket-grace", "1", "--mbufs", "4096", "--http", "127.0.0.1:0",
                          "--json-out", report, "--series-dir", series_dir,
                          "--status-interval", "1",
                          "--clickhouse", server.url + "?database=scanscope", "--sensor", "live",
                          "--clickhouse-spool", spool, "--clickhouse-timeout", "2",
                          "--clickhouse-flush", "30"]),
                stdout=subprocess.DEVNULL, stderr=log)
        http = serving_port(proc, log_path, 60)  # port 0: the log names the one it got
        deadline = time.time() + 30
        while time.time() < deadline and "pps" not in open(log_path).read():
            time.sleep(0.2)
        send = sender(30, 40, 25)
        time.sleep(6)
        stopped = time.time()  # before: the server refuses while it shuts down
        server.stop()  # the outage: buckets close while the server is down (10 s buckets)
        time.sleep(13)
        with urllib.request.urlopen(f"http://127.0.0.1:{http}/metrics", timeout=10) as r:
            during = r.read().decode()
        outage_s = time.time() - stopped
        with urllib.request.urlopen(f"http://127.0.0.1:{http}/api/v1/report", timeout=10) as r:
            served = json.loads(r.read().decode())
        # The fleet store's families too, in both exporters.
        for problem in check_counter_families(scanscope, during, served,
                                              ("always", "bucket_closed", "clickhouse")):
            check(False, problem)
        spooled = metric(during, "scanscope_clickhouse_spool_buckets")
        check(spooled is not None and spooled >= 1,
              f"during the outage the spool should hold buckets, /metrics says {spooled}")
        # The back-off (docs/fleet.md): a failure waits 1 s, then each pause doubles (to 30 s).
        # The k-th failure comes at least 2^(k-1) - 1 s after the first, so an outage of W
        # seconds holds at most 1 + log2(W + 1) of them; a fixed 1 s pause would give W.
        retried = metric(during, "scanscope_clickhouse_retries_total") or 0
        most = 1 + int(math.log2(outage_s + 1))
        check(1 <= retried <= most,
              f"{retried} retries in a {outage_s:.1f} s outage: 1 to {most} with the back-off")
        server.start()  # same folder and ports: the sensor delivers its spool
        # ... while it goes on running, within one pause of the back-off (at most 30 s), not
        # only when it stops.
        restarted, resumed = time.time(), None
        while proc.poll() is None and time.time() - restarted < 40:
            with urllib.request.urlopen(f"http://127.0.0.1:{http}/metrics", timeout=10) as r:
                if metric(r.read().decode(), "scanscope_clickhouse_spool_buckets") == 0:
                    resumed = time.time() - restarted
                    break
            time.sleep(0.5)
        check(resumed is not None and proc.poll() is None,
              "the spool was not delivered while the run went on, within 40 s of the restart")
        sent = int(send.communicate(timeout=60)[0].strip())
        time.sleep(2)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=90)
        check(proc.returncode == 0, f"live run: exit {proc.returncode}")
        r = json.load(open(report))
        fleet = r["fleet"]
        own = series_lines(series_dir)
        buckets = {k[0] for k in own}
        print(f"outage: {sent} frames sent, {len(buckets)} buckets, the spool delivered "
              f"{resumed if resumed is None else round(resumed, 1)} s after the server came back, "
              f"fleet {fleet}")
        check(fleet["buckets_spooled"] >= 1, f"no bucket was spooled: {fleet}")
        check(fleet["retries"] >= 1, f"no retry counted: {fleet}")
        check(fleet["spool_buckets"] == 0 and fleet["buckets_dropped"] == 0,
              f"buckets left in the spool or dropped: {fleet}")
        check(fleet["buckets_delivered"] == len(buckets),
              f"{fleet['buckets_delivered']} buckets delivered, the series files hold "
              f"{len(buckets)}")
        rows = server.query("SELECT toUnixTimestamp(bucket), port, protocol, kind, value, "
                            "country, sum(packets), sum(sources) FROM scanscope.series FINAL "
                            "GROUP BY bucket, port, protocol, kind, value, country")
        store = {}
        for line in rows.splitlines():
            f = line.split("\t")
            store[(int(f[0]), int(f[1]), f[2], f[3], f[4], f[5])] = [int(f[6]), int(f[7])]
        compare("outage: the store against the sensor's series files", store, dict(own))
        stored = int(server.query("SELECT sum(packets) FROM scanscope.series FINAL "
                                  "WHERE kind = 'port' AND port = 8545"))
        check(stored == sent, f"the store counts {stored} packets to 8545, {sent} were sent")
        once = server.query("SELECT count(), uniqExact(bucket) FROM scanscope.series FINAL "
                            "WHERE kind = 'port'").split()
        check(int(once[0]) == int(once[1]) == len(buckets),
              f"port rows {once[0]} over {once[1]} buckets, {len(buckets)} expected")
        distinct = server.query("SELECT toUnixTimestamp(bucket), uniqExact(source) FROM "
                                "scanscope.sources GROUP BY bucket").split("\n")
        by_bucket = {int(l.split()[0]): int(l.split()[1]) for l in distinct if l}
        want = {k[0]: v[1] for k, v in own.items() if k[3] == "port" and k[1] == 8545}
        compare("outage: distinct sources per bucket", by_bucket, want)
        log = open(log_path).read()
        check("cannot be reached" in log, "the outage was not logged")
        check("takes buckets again" in log, "the recovery was not logged")
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
        server.stop()
        link.down()


def write_syn_capture(path, buckets, sources, width):
    """A classic pcap of SYNs to 8545: `sources` sources in each of `buckets` buckets of
    `width` seconds. Returns the buckets' starts (unix seconds)."""
    start = 1700000000 - 1700000000 % width
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for b in range(buckets):
            for i in range(sources):
                frame = syn_frame(0xC633640A + i, i)  # noqa: F821 (SYN_FRAME's)
                t = start + b * width + i * (width - 1) / sources
                f.write(struct.pack("<IIII", int(t), int((t % 1) * 1e6), len(frame), len(frame)))
                f.write(frame)
    return {start + b * width for b in range(buckets)}


def spool_bound(scanscope, tmp):
    """A live run whose server is down throughout, with a 1 MB spool (--clickhouse-spool-mb 1)
    and buckets of 3,000 sources each (two fit): the spool never holds more than 1 MB
    (/metrics while it runs, the files at the end), every spooled bucket is kept or counted
    dropped, and what a later start delivers once the server is back is the newest buckets."""
    link = veth_to_namespace(NS, HOST_IF, PEER_IF)
    if not link.up():
        check(skips_allowed(), "spool bound: no network namespace, and SCANSCOPE_NO_SKIP=1")
        return
    bound = 1 << 20
    server = clickhouse_local.Server(os.path.join(tmp, "ch-bound"))
    proc = None
    try:
        server.start()
        server.run_file(SCHEMA)
        server.stop()  # its address stays: nothing answers there until it starts again
        series_dir, spool = os.path.join(tmp, "bound-series"), os.path.join(tmp, "bound-spool")
        report, log_path = os.path.join(tmp, "bound.json"), os.path.join(tmp, "bound.log")
        url = server.url + "?database=scanscope"
        with open(log_path, "w") as log:
            proc = subprocess.Popen(
                port_run(scanscope, "bound", f"net_af_packet0,iface={HOST_IF}",
                         ["--config", CONFIG, *cache_args(), "--geo-db", "none", "--bucket", "10",
                          "--bucket-grace", "1", "--mbufs", "4096", "--http", "127.0.0.1:0",
                          "--json-out", report, "--series-dir", series_dir, "--quiet",
                          "--clickhouse", url, "--sensor", "bound", "--clickhouse-spool", spool,
                          "--clickhouse-spool-mb", "1", "--clickhouse-timeout", "2",
                          "--clickhouse-flush", "1"]),
                stdout=subprocess.DEVNULL, stderr=log)
        http = serving_port(proc, log_path, 60)
        send = sender(32, 600, 3000)
        most = 0
        while send.poll() is None:
            with urllib.request.urlopen(f"http://127.0.0.1:{http}/metrics", timeout=10) as r:
                most = max(most, metric(r.read().decode(), "scanscope_clickhouse_spool_bytes"))
            time.sleep(1)
        sent = int(send.communicate(timeout=60)[0].strip())
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=90)
        fleet = json.load(open(report))["fleet"]
        # Buckets dropped are data lost: exit 1, saying how many.
        with open(log_path) as f:
            said = f"{fleet['buckets_dropped']} closed buckets will never reach ClickHouse"
            check(proc.returncode == 1 and said in f.read(),
                  f"spool bound: exit {proc.returncode}, and the log should say '{said}'")
        files = [os.path.join(spool, n) for n in os.listdir(spool) if not n.endswith(".tmp")]
        on_disk = sum(os.path.getsize(p) for p in files)
        print(f"spool bound: {sent} frames sent, at most {most:.0f} bytes spooled while running, "
              f"{len(files)} files of {on_disk} bytes at the end, fleet {fleet}")
        check(0 < most <= bound and on_disk <= bound and on_disk == fleet["spool_bytes"],
              f"spool bound: {most} bytes while running, {on_disk} on disk, {fleet}")
        check(fleet["buckets_dropped"] >= 1 and fleet["buckets_delivered"] == 0 and
              fleet["buckets_spooled"] == fleet["buckets_dropped"] + fleet["spool_buckets"] and
              len(files) == fleet["spool_buckets"],
              f"spool bound: every bucket kept or counted dropped: {fleet}, {len(files)} files")
        # The server back: a start with the same, full spool delivers what it kept (the newest
        # buckets), and its own buckets, as big, wait behind them: none is dropped for want of
        # room while the server answers.
        server.start()
        later = os.path.join(tmp, "bound-later.pcap")
        later_buckets = write_syn_capture(later, buckets=3, sources=3000, width=10)
        later_report = os.path.join(tmp, "bound-later.json")
        subprocess.run([scanscope, "--config", CONFIG, *cache_args(), "--geo-db", "none",
                        "--quiet", "--pcap", later, "--bucket", "10", "--bucket-grace", "1",
                        "--json-out", later_report,
                        "--clickhouse", url, "--sensor", "bound-later", "--clickhouse-spool",
                        spool, "--clickhouse-spool-mb", "1"], check=True, capture_output=True,
                       timeout=120)
        own = sorted({k[0] for k in series_lines(series_dir)})
        kept = set(own[len(own) - fleet["spool_buckets"]:])

        def stored(sensor):
            return {int(b) for b in server.query(
                "SELECT DISTINCT toUnixTimestamp(bucket) FROM scanscope.series FINAL "
                f"WHERE sensor = '{sensor}'").split()}
        check(stored("bound") == kept, f"spool bound: delivered buckets {sorted(stored('bound'))}"
                                       f", the newest {fleet['spool_buckets']} of {own} expected")
        after = json.load(open(later_report))["fleet"]
        check(stored("bound-later") == later_buckets and after["buckets_dropped"] == 0 and
              after["spool_buckets"] == 0,
              f"spool bound: the next run's buckets {sorted(stored('bound-later'))} of "
              f"{sorted(later_buckets)}, its fleet {after}")
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
        server.stop()
        link.down()


def refusals(scanscope, tmp):
    capture = os.path.join(SOURCE_DIR, "test", "data", "masscan-syn.pcap")
    for url, words in (("ftp://127.0.0.1:8123/", "scheme 'ftp'"),
                       ("http://127.0.0.1:99999/", "port '99999'"),
                       ("http://127.0.0.1:8123/?database=a;drop", "database 'a;drop'")):
        proc = subprocess.run([scanscope, "--config", CONFIG, *cache_args(), "--pcap", capture, "--quiet",
                               "--http", "none", "--clickhouse", url],
                              capture_output=True, text=True)
        check(proc.returncode == 2 and "clickhouse" in proc.stderr and words in proc.stderr,
              f"--clickhouse {url}: exit {proc.returncode}, {proc.stderr.strip()!r}")
    # A table the server does not have: the server's message once in the log, the bucket
    # spooled and counted, nothing dropped.
    server = clickhouse_local.Server(os.path.join(tmp, "ch-refuse"))
    try:
        server.start()
        server.query("CREATE DATABASE scanscope")
        spool = os.path.join(tmp, "refused-spool")
        report = os.path.join(tmp, "refused.json")
        proc = subprocess.run(
            [scanscope, "--config", CONFIG, *cache_args(), "--pcap", capture, "--http", "none", "--geo-db",
             "none", "--clickhouse", server.url + "?database=scanscope", "--sensor", "x",
             "--clickhouse-spool", spool, "--clickhouse-flush", "1", "--json-out", report],
            capture_output=True, text=True, timeout=120)
        fleet = json.load(open(report))["fleet"]
        check(proc.returncode == 0, f"refused inserts: exit {proc.returncode}")
        check("refused rows of table 'series'" in proc.stderr and "doesn't exist" in proc.stderr,
              f"the server's message is not in the log: {proc.stderr[-600:]!r}")
        check(proc.stderr.count("refused rows") == 1, "the refusal should be logged once")
        check(fleet["rejected"] >= 1 and fleet["spool_buckets"] >= 1 and
              fleet["buckets_dropped"] == 0, f"refused bucket not spooled and counted: {fleet}")
        check(len(glob.glob(os.path.join(spool, "*.batch"))) == fleet["spool_buckets"],
              "the spool folder does not hold what the report counts")
        # A bucket delivered twice (as after an answer lost on the way back): the spooled file
        # once more, behind the others.
        spooled = sorted(glob.glob(os.path.join(spool, "*.batch")))
        shutil.copy(spooled[0], os.path.join(spool, "9999999999999999.batch"))
        # With the schema in place the next run delivers the spooled buckets first.
        server.run_file(SCHEMA)
        proc = subprocess.run(
            [scanscope, "--config", CONFIG, *cache_args(), "--pcap", capture, "--http", "none", "--geo-db",
             "none", "--clickhouse", server.url + "?database=scanscope", "--sensor", "x",
             "--clickhouse-spool", spool, "--json-out", report],
            capture_output=True, text=True, timeout=120)
        check("from an earlier run" in proc.stderr, "the spool left over was not announced")
        fleet = json.load(open(report))["fleet"]
        # Both runs read the same capture: one run key (the capture's identity), so the spooled
        # buckets, one of them twice, and the rerun's own count each frame once.
        runs = int(server.query("SELECT uniqExact(run) FROM scanscope.series"))
        check(fleet["spool_buckets"] == 0 and runs == 1,
              f"spooled buckets of the first run not delivered, or two run keys for one "
              f"capture: runs {runs}, {fleet}")
        with open(report) as f:
            counted = json.load(f)
        want = sum(p["packets"] for p in counted["ports"]) + counted["other_ports"]["packets"]
        got = int(server.query("SELECT sum(packets) FROM scanscope.series FINAL "
                               "WHERE kind = 'port'"))
        check(got == want > 0, f"a bucket delivered twice, or a rerun, counts twice: {got} "
                               f"packets stored, the run counted {want}")
        check_events(scanscope, CONFIG, SOURCE_DIR, server, cache_args(), tmp, check)
    finally:
        server.stop()


def main():
    scanscope, gen = sys.argv[1:3]
    with tempfile.TemporaryDirectory() as tmp:
        refusals(scanscope, tmp)
        if os.environ.get("SCANSCOPE_TEST_SANITIZED"):
            # Under ASan the outage and the refusals drive the same exporter and spool (the
            # spool's bound is a unit test there too); the month-long seed scenario (five
            # runs) is merged, and the bound shown live, on the normal build.
            print("exact merge, two shards and the spool bound: checked on the normal build")
            outage(scanscope, tmp)
        else:
            exact_merge(scanscope, gen, tmp)
            outage(scanscope, tmp)
            spool_bound(scanscope, tmp)
    for f in failures:
        print("FAIL:", f)
    print("fleet:", "ok" if not failures else f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
