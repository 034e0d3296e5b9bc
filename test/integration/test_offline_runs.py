#!/usr/bin/env python3
"""Offline runs over captures made here, against what was written into them: bad inputs (exit
codes and messages), several captures in sequence, frames far apart in time, countries from a
test location database, hourly buckets and surges, a series folder on a disk that fills, and a
flood of distinct sources larger than the source table.

usage: test_offline_runs.py SCANSCOPE DATA_DIR [STAGE_BENCH]
(STAGE_BENCH writes the capture of distinct spoofed sources for the source-table flood check)
"""
import datetime as dt
import glob
import ipaddress
import json
import os
import socket
import struct
import subprocess
import sys
import tempfile

import test_pcap_report
from serve_helpers import cache_args, exit_status
from test_pcap_report import check, failures, run_scanscope, tcpdump_lines, tcpdump_sources

CONFIG = None  # the shipped config/scanscope.conf, set in main()


def write_syn_capture(path, sources):
    """A classic pcap of one TCP SYN to 8545 from each (address, count) in sources."""
    import ipaddress
    import struct
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        t = 1543867200  # 2018-12-03 20:00 UTC
        for address, count in sources:
            for i in range(count):
                ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, i, 0, 64, 6, 0,
                                 ipaddress.IPv4Address(address).packed,
                                 ipaddress.IPv4Address("203.0.113.9").packed)
                tcp = struct.pack("!HHIIBBHHH", 40000 + i, 8545, i, 0, 0x50, 0x02, 1024, 0, 0)
                frame = b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + ip + tcp
                f.write(struct.pack("<IIII", t, i, len(frame), len(frame)) + frame)
                t += 1


def check_countries(scanscope):
    """Sources from several countries are attributed as the database's own lookup says."""
    try:
        import location  # Debian's python3-location: libloc's reader, the oracle here
    except ImportError:
        failures.append("python3-location is not installed: cannot check countries")
        return
    db = location.Database("/usr/share/libloc-location/location.db")
    # Addresses in networks of several countries; the expected country of each is what libloc's
    # own lookup says (a network may hold a more specific one of another country).
    sources = []
    seen = set()
    for n, cc in enumerate(["RU", "US", "BG", "CN", "JP", "DE", "BR", "NL"]):
        networks = db.search_networks(country_codes=[cc], family=socket.AF_INET)
        for net in networks:
            address = str(ipaddress.IPv4Address(int(ipaddress.IPv4Address(net.first_address)) + 7))
            if address not in seen:
                seen.add(address)
                sources.append((address, n + 1))
            if len(seen) == 3 * (n + 1):
                break
    want = {}
    for address, count in sources:
        oracle = db.lookup(address)
        cc = oracle.country_code if oracle and oracle.country_code else "ZZ"
        packets, addresses = want.get(cc, (0, 0))
        want[cc] = (packets + count, addresses + 1)
    if len(want) < 6:
        failures.append(f"country check: too few countries in the sample: {want}")
    with tempfile.TemporaryDirectory() as tmp:
        capture = os.path.join(tmp, "countries.pcap")
        write_syn_capture(capture, sources)
        report = run_scanscope(scanscope, capture, with_geo=True)
        if report is None:
            return
        got = {c["country"]: (c["packets"], c["sources"]) for c in report["countries"]}
        check("countries of the sources", got, want)
        port = next(p for p in report["ports"] if p["port"] == 8545)
        got_port = {c["country"]: (c["packets"], c["sources"]) for c in port["countries"]}
        check("countries on 8545", got_port, want)
        if report["geo"]["networks_v4"] < 100000:
            failures.append(f"location database looks empty: {report['geo']}")


def write_timed_syns(path, packets):
    """A pcap of SYNs to 8545: packets is a list of (unix time in seconds, source address)."""
    import struct
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, (t, address) in enumerate(packets):
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, i & 0xFFFF, 0, 64, 6, 0,
                             ipaddress.IPv4Address(address).packed,
                             ipaddress.IPv4Address("203.0.113.9").packed)
            tcp = struct.pack("!HHIIBBHHH", 40000, 8545, i, 0, 0x50, 0x02, 65535, 0, 0)
            frame = b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + ip + tcp
            f.write(struct.pack("<IIII", int(t), int((t % 1) * 1e6), len(frame), len(frame)))
            f.write(frame)


def hourly_traffic(rates, start=1543795200, jitter=0):
    """SYNs spread over consecutive hours, `rates[h]` in hour h, each from its own source;
    with jitter, every packet's time moves by up to that many seconds either way (but stays in
    its hour), so the capture is out of order."""
    import random
    rng = random.Random(7)
    packets = []
    n = 0
    for hour, rate in enumerate(rates):
        for k in range(rate):
            base = start + hour * 3600 + (k + 0.5) * 3600 / rate
            t = base + (rng.uniform(-jitter, jitter) if jitter else 0)
            t = min(max(t, start + hour * 3600 + 0.001), start + (hour + 1) * 3600 - 0.001)
            n += 1
            packets.append((t, f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"))
    if jitter:
        # Out of order: swap neighbours whose times differ by under the jitter.
        for i in range(0, len(packets) - 1, 2):
            packets[i], packets[i + 1] = packets[i + 1], packets[i]
    return packets


def check_buckets_and_surges(scanscope):
    start = 1543795200  # 2018-12-03 00:00 UTC
    flat = [20] * 30
    step = [20] * 24 + [300] * 3 + [20] * 3
    with tempfile.TemporaryDirectory() as tmp:
        for name, rates, jitter in [("flat", flat, 5), ("step", step, 0)]:
            capture = os.path.join(tmp, name + ".pcap")
            write_timed_syns(capture, hourly_traffic(rates, start, jitter))
            series_dir = os.path.join(tmp, name + "-series")
            report = run_scanscope(scanscope, capture, ["--series-dir", series_dir])
            if report is None:
                return
            port = next(p for p in report["ports"] if p["port"] == 8545)
            series = port["series"]
            check(f"{name}: hourly buckets", len(series), len(rates))
            check(f"{name}: packets per hour", [b["packets"] for b in series], rates)
            check(f"{name}: sources per hour", [b["sources"] for b in series], rates)
            check(f"{name}: first bucket", series[0]["start"] if series else None,
                  "2018-12-03T00:00:00.000Z")
            check(f"{name}: late packets", report["buckets"]["late"], 0)
            # The series files hold the same hours: per-port lines, one per country.
            import csv
            per_hour = {}
            for path in sorted(glob.glob(os.path.join(series_dir, "scanscope-*.csv"))):
                with open(path) as f:
                    for row in csv.DictReader(f):
                        if row["kind"] == "port" and row["port"] == "8545":
                            per_hour[row["start"]] = per_hour.get(row["start"], 0) + int(row["packets"])
            check(f"{name}: packets per hour in the series files",
                  [per_hour[k] for k in sorted(per_hour)], rates)
            jsonl = sum(1 for path in glob.glob(os.path.join(series_dir, "*.jsonl"))
                        for _ in open(path))
            csv_lines = sum(1 for path in glob.glob(os.path.join(series_dir, "*.csv"))
                            for _ in open(path)) - len(glob.glob(os.path.join(series_dir, "*.csv")))
            check(f"{name}: JSON Lines and CSV lines", jsonl, csv_lines)
            surges = [s for s in report["surges"] if s["scope"] == "port"]
            if name == "flat":
                check("flat: surges", report["surges"], [])
            else:
                check("step: port surges", len(surges), 1)
                if surges:
                    check("step: surge start", surges[0]["start"], "2018-12-04T00:00:00.000Z")
                    check("step: surge ratio", round(surges[0]["ratio"], 1), 15.0)
                    check("step: surge baseline", surges[0]["baseline"], 20.0)
                    check("step: surge end", surges[0]["end"], "2018-12-04T03:00:00.000Z")


def check_full_disk(scanscope):
    """The series folder on a 64 KB tmpfs that fills after a few of 200 hourly buckets: exit 1
    naming the reason, and what reached the disk is whole buckets only (each bucket's lines as
    many as the written-buckets record says, the report's line count equal to the files'). Moved
    to a disk with room and run again over the same capture, the folder holds every hour once."""
    import csv
    import shutil
    rates = [20] * 200
    with tempfile.TemporaryDirectory() as tmp:
        capture = os.path.join(tmp, "hours.pcap")
        write_timed_syns(capture, hourly_traffic(rates))
        small = os.path.join(tmp, "small")
        os.makedirs(small)
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", small],
                                 capture_output=True, text=True)
        if mounted.returncode != 0:
            if os.environ.get("SCANSCOPE_NO_SKIP") == "1":
                failures.append(f"full disk: cannot mount a tmpfs: {mounted.stderr.strip()}")
            else:
                print(f"full disk: skipped, cannot mount a tmpfs: {mounted.stderr.strip()}")
            return
        try:
            series = os.path.join(small, "series")
            report_path = os.path.join(tmp, "full.json")
            proc = subprocess.run([scanscope, "--config", CONFIG, *cache_args(), "--geo-db", "none",
                                   "--pcap", capture, "--series-dir", series, "-q",
                                   "--json-out", report_path],
                                  capture_output=True, text=True, timeout=120)
            check("full disk: exit code", proc.returncode, 1)
            if "No space left on device" not in proc.stderr:
                failures.append(f"full disk: the reason is not named: {proc.stderr[-300:]!r}")
            lines = {}
            for path in glob.glob(os.path.join(series, "*.jsonl")):
                with open(path) as f:
                    for line in f:
                        start = json.loads(line)["start"]  # a torn line fails here
                        lines[start] = lines.get(start, 0) + 1
            ended = {}
            with open(os.path.join(series, "written-buckets")) as f:
                for line in f.read().split("\n")[:-1]:
                    word = line.split()
                    if word[0] == "end":
                        start = dt.datetime.fromtimestamp(int(word[2]), dt.timezone.utc)
                        ended[start.strftime("%Y-%m-%dT%H:%M:%S.000Z")] = int(word[3])
            check("full disk: whole buckets only", lines, {k: n for k, n in ended.items() if n})
            with open(report_path) as f:
                check("full disk: lines counted", json.load(f)["series_files"]["lines"],
                      sum(lines.values()))
            if not 0 < len(lines) < len(rates):
                failures.append(f"full disk: {len(lines)} of {len(rates)} buckets written")
            roomy = os.path.join(tmp, "series")
            shutil.copytree(series, roomy)
        finally:
            subprocess.run(["umount", small], check=False)
        proc = subprocess.run([scanscope, "--config", CONFIG, *cache_args(), "--geo-db", "none",
                               "--pcap", capture, "--series-dir", roomy, "-q"],
                              capture_output=True, text=True, timeout=120)
        check("full disk, then room: exit code", proc.returncode, 0)

        def per_hour():
            hours = {}
            for path in glob.glob(os.path.join(roomy, "scanscope-*.csv")):
                with open(path) as f:
                    for row in csv.DictReader(f):
                        if row["kind"] == "port" and row["port"] == "8545":
                            hours[row["start"]] = hours.get(row["start"], 0) + int(row["packets"])
            return [hours[k] for k in sorted(hours)]
        check("full disk, then room: packets per hour", per_hour(), rates)
        # Counting the same capture again on purpose: --rerun append adds every hour once more.
        proc = subprocess.run([scanscope, "--config", CONFIG, *cache_args(), "--geo-db", "none",
                               "--pcap", capture, "--series-dir", roomy, "-q", "--rerun",
                               "append"], capture_output=True, text=True, timeout=120)
        check("--rerun append: exit code", proc.returncode, 0)
        check("--rerun append: packets per hour", per_hour(), [2 * r for r in rates])
        print(f"full disk: {len(lines)} of {len(rates)} buckets whole on the 64 KB disk; every "
              f"hour once after a rerun with room")


def check_bad_inputs(scanscope, data_dir):
    """A missing file and a damaged capture end with a clear message, not a crash; one bad
    capture among several does not stop the others; a lost series write is an error."""
    proc = subprocess.run([scanscope, "--pcap", "/nonexistent.pcap", "--quiet"],
                          capture_output=True, text=True, timeout=60)
    check("missing capture exit code", proc.returncode, 4)
    if "/nonexistent.pcap" not in proc.stderr:
        failures.append(f"missing capture: message does not name the file: {proc.stderr!r}")

    # Named files, the listen address and output folders are checked before the slow start-up,
    # each with the option named.
    source = os.path.join(data_dir, "nmap-syn.pcap")
    for args, words in ((["--geo-db", "/nonexistent.db"], "'/nonexistent.db' does not exist"),
                        (["--signatures", "/nonexistent.rules"], "option 'signatures'"),
                        (["--http", "localhost"], "command line: option 'http'"),
                        (["--serve", "--http", "300.1.1.1:9477"], "option 'http'"),
                        (["--series-dir", "/proc/nope"], "option 'series-dir'"),
                        (["--json-out", "/proc/nope/r.json"], "option 'json-out'")):
        proc = subprocess.run([scanscope, "--pcap", source, "-q", *args],
                              capture_output=True, text=True, timeout=60)
        check(f"{args[0]} refused: exit code", proc.returncode, 2)
        if words not in proc.stderr or "location database" in proc.stderr:
            failures.append(f"{args}: expected {words!r} before start-up, got {proc.stderr!r}")

    # --serve on a port something else holds: refused before the analysis, not after it.
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen(1)
        taken = f"127.0.0.1:{held.getsockname()[1]}"
        proc = subprocess.run([scanscope, "--pcap", source, "-q", "--serve", "--http", taken],
                              capture_output=True, text=True, timeout=60)
        check("--serve on a port in use: exit code", proc.returncode, 2)
        if "cannot listen" not in proc.stderr or "location database" in proc.stderr:
            failures.append(f"--serve on a port in use: {proc.stderr!r}")

        # Live too: a taken --http port is said before the rules, the location database and EAL.
        live = [scanscope, "-l", "0-1", "--no-huge", "--no-pci", "-m", "256",
                f"--file-prefix=scanscope-offline-runs-{os.getpid()}", "--vdev", "net_null0", "--"]
        proc = subprocess.run([*live, "--config", CONFIG, "--http", taken, "--duration", "1"],
                              capture_output=True, text=True, timeout=60)
        check("live run on a port in use: exit code", proc.returncode, 2)
        if "cannot listen" not in proc.stderr or "payload rules" in proc.stderr:
            failures.append(f"live run on a port in use: not refused first: {proc.stderr!r}")

    # A mistyped interface: one message naming it, not DPDK's device error and "no DPDK ports".
    proc = subprocess.run([scanscope, "-l", "0-1", "--no-huge", "--no-pci", "--vdev",
                           "net_af_packet0,iface=nosuchif0", "--", "--config", CONFIG, "-q"],
                          capture_output=True, text=True, timeout=60)
    check("mistyped interface: exit code", proc.returncode, 2)
    if "no network interface 'nosuchif0'" not in proc.stderr or "no DPDK ports" in proc.stderr:
        failures.append(f"mistyped interface: {proc.stderr!r}")

    # EAL with hugepages asked for (no --no-huge) on a host that has none reserved: the message
    # says so and gives both remedies. Where hugepages are reserved, EAL starts.
    reserved = 0
    for size in glob.glob("/sys/kernel/mm/hugepages/hugepages-*/nr_hugepages"):
        with open(size) as f:
            reserved += int(f.read())
    proc = subprocess.run([scanscope, "-l", "0-1", "--no-pci", "--in-memory", "--vdev",
                           "net_null0", "--", "--config", CONFIG, "-q", "--duration", "1",
                           "--http", "none", "--geo-db", "none", "--signatures", "none"],
                          capture_output=True, text=True, timeout=60)
    if reserved == 0:
        check("no hugepages: exit code", proc.returncode, 1)
        for words in ("no hugepages are reserved", "scripts/sensor-setup hugepages", "--no-huge"):
            if words not in proc.stderr:
                failures.append(f"no hugepages: {words!r} not in {proc.stderr!r}")
    else:
        check(f"{reserved} hugepages reserved: EAL starts", proc.returncode, 0)

    with tempfile.TemporaryDirectory() as tmp:
        with open(source, "rb") as f:
            data = f.read()
        # A capture with its header and no record: nothing to analyse (exit 4, the file named).
        empty = os.path.join(tmp, "empty.pcap")
        with open(empty, "wb") as f:
            f.write(data[:24])
        proc = subprocess.run([scanscope, "--pcap", empty, "-q"], capture_output=True,
                              text=True, timeout=60)
        check("capture without records: exit code", proc.returncode, 4)
        if f"'{empty}' holds no records" not in proc.stderr:
            failures.append(f"capture without records: message: {proc.stderr!r}")
        # The README's exit table, row 4: an empty file, one that is no capture, a link type
        # scanscope does not read (802.11, 105); each named in the message.
        zero = os.path.join(tmp, "zero.pcap")
        open(zero, "wb").close()
        text = os.path.join(tmp, "notes.pcap")
        with open(text, "w") as f:
            f.write("not a capture at all\n" * 10)
        wifi = os.path.join(tmp, "wifi.pcap")
        with open(wifi, "wb") as f:
            f.write(data[:20] + struct.pack("<I", 105) + data[24:])
        for what, path in (("an empty file", zero), ("a text file", text),
                           ("link type 105", wifi)):
            proc = subprocess.run([scanscope, "--pcap", path, "-q"], capture_output=True,
                                  text=True, timeout=60)
            check(f"{what}: exit code", proc.returncode, 4)
            if path not in proc.stderr:
                failures.append(f"{what}: the message does not name the file: {proc.stderr!r}")
        # Row 1: the report that cannot be written at the end (its path is a folder that holds
        # something, so the rename onto it fails) is an error naming the path.
        taken = os.path.join(tmp, "report-folder")
        os.makedirs(os.path.join(taken, "inside"))
        proc = subprocess.run([scanscope, "--pcap", source, "-q", "--json-out", taken],
                              capture_output=True, text=True, timeout=60)
        check("a report that cannot be written: exit code", proc.returncode, 1)
        if taken not in proc.stderr:
            failures.append(f"a report that cannot be written: {proc.stderr!r}")
        # Row 2: a series folder written with another bucket width.
        widths = os.path.join(tmp, "widths")
        proc = subprocess.run([scanscope, "--pcap", source, "-q", "--series-dir", widths,
                               "--bucket", "3600"], capture_output=True, text=True, timeout=60)
        check("series folder, first run: exit code", proc.returncode, 0)
        proc = subprocess.run([scanscope, "--pcap", source, "-q", "--series-dir", widths,
                               "--bucket", "600"], capture_output=True, text=True, timeout=60)
        check("series folder of another bucket width: exit code", proc.returncode, 2)
        if "series-dir" not in proc.stderr:
            failures.append(f"series folder of another width: {proc.stderr!r}")
        damaged = os.path.join(tmp, "damaged.pcap")
        with open(damaged, "wb") as f:
            f.write(data[:-7])  # the last record loses its tail
        whole = len(tcpdump_lines(source))
        report_path = os.path.join(tmp, "r.json")
        proc = subprocess.run([scanscope, "--pcap", damaged, "--json-out", report_path, "-q"],
                              capture_output=True, text=True, timeout=60)
        check("damaged capture exit code", proc.returncode, 3)
        if "damaged" not in proc.stderr:
            failures.append(f"damaged capture: no clear message: {proc.stderr!r}")
        with open(report_path) as f:
            report = json.load(f)
        check("damaged capture frames before the damage", report["totals"]["packets"], whole - 1)
        check("damaged capture input errors", report["input_errors"], 1)

        # A damaged capture, a missing one and a good one: the good one is read all the same,
        # the damage is reported before the report line, and the run says so in its exit code.
        proc = subprocess.run([scanscope, "--pcap", damaged, "/nonexistent.pcap", source,
                               "--json-out", report_path, "-q"],
                              capture_output=True, text=True, timeout=60)
        check("damaged + missing + good: exit code", proc.returncode, 3)
        with open(report_path) as f:
            report = json.load(f)
        check("damaged + missing + good: frames", report["totals"]["packets"], 2 * whole - 1)
        check("damaged + missing + good: damaged, unreadable",
              (report["damaged_inputs"], report["unreadable_inputs"]), (1, 1))
        damage_at = proc.stderr.find("is damaged after record")
        written_at = proc.stderr.find("report written")
        if not 0 <= damage_at < written_at:
            failures.append(f"damage message not before the report line: {proc.stderr!r}")
        if proc.stdout:
            failures.append(f"--quiet printed on standard output: {proc.stdout[:200]!r}")
        proc = subprocess.run([scanscope, "--pcap", "/nonexistent.pcap", source, "-q"],
                              capture_output=True, text=True, timeout=60)
        check("missing + good: exit code", proc.returncode, 4)

        # Series files that cannot be written (the day's file is a folder): exit 1, the path.
        series = os.path.join(tmp, "series")
        with open(source, "rb") as f:
            first_second = struct.unpack("<I", f.read(28)[24:28])[0]
        day = dt.datetime.fromtimestamp(first_second, dt.timezone.utc).strftime("%Y-%m-%d")
        os.makedirs(os.path.join(series, f"scanscope-{day}.jsonl"))
        proc = subprocess.run([scanscope, "--pcap", source, "--series-dir", series, "-q",
                               "--json-out", report_path],
                              capture_output=True, text=True, timeout=60)
        check("series write failure exit code", proc.returncode, 1)
        if f"scanscope-{day}.jsonl" not in proc.stderr:
            failures.append(f"series write failure: path not named: {proc.stderr!r}")
        with open(report_path) as f:
            check("series write failures in the report",
                  json.load(f)["series_files"]["write_errors"] > 0, True)

        # Records longer than an mbuf are clipped and counted (data room 256 bytes here).
        payload = os.path.join(data_dir, "jsonrpc-curl.pcap")
        longer = sum(1 for n in tcpdump_lines(payload) if n > 256)
        proc = subprocess.run([scanscope, "--pcap", payload, "--mbuf-size", "384", "-q",
                               "--json-out", report_path],
                              capture_output=True, text=True, timeout=60)
        with open(report_path) as f:
            check("clipped records", json.load(f)["clipped_records"], longer)

        bad_conf = os.path.join(tmp, "bad.conf")
        with open(bad_conf, "w") as f:
            f.write("# comment\nqueues = 1\nno-such-option = 3\n")
        proc = subprocess.run([scanscope, "--config", bad_conf, *cache_args(), "--pcap", source],
                              capture_output=True, text=True, timeout=60)
        check("bad config exit code", proc.returncode, 2)
        if f"{bad_conf}:3" not in proc.stderr:
            failures.append(f"bad config: message does not name file and line: {proc.stderr!r}")


def check_far_apart(scanscope):
    """Two SYNs thirty years apart: the quarter million empty hours between them are skipped,
    not closed one by one (the run would take minutes), and both hours are in the series."""
    syn = bytes.fromhex("020000000009020000000007080045000028d431000040060000c6336407cb007109")
    syn += struct.pack("!HHIIBBHHH", 40001, 8545, 1000, 0, 0x50, 2, 1024, 0, 0)
    with tempfile.TemporaryDirectory() as tmp:
        path, report_path = os.path.join(tmp, "far.pcap"), os.path.join(tmp, "r.json")
        with open(path, "wb") as w:
            w.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
            for t in (1000, 1000 + 30 * 365 * 86400):
                w.write(struct.pack("<IIII", t, 0, len(syn), len(syn)) + syn)
        proc = subprocess.run([scanscope, "--config", CONFIG, *cache_args(), "--pcap", path, "--geo-db", "none",
                               "-q", "--json-out", report_path],
                              capture_output=True, text=True, timeout=60)
        check("far-apart capture exit code", proc.returncode, 0)
        with open(report_path) as f:
            report = json.load(f)
        series = [p["series"] for p in report["ports"] if p["port"] == 8545][0]
        check("far-apart capture hours", [b["start"][:4] for b in series], ["1970", "1999"])


def check_capture_sequence(scanscope):
    """Captures read one after the other share the buckets' hand-over: three frames of one
    source, then a capture an hour later whose first hour comes from another source (often on
    the other lcore) lose no frame and no hour (each reader counts the frames it hands out, the
    lcores count all of them; a bucket is closed only once every frame handed out is counted)."""
    def syn(source):
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, 1, 0, 64, 6, 0,
                         bytes([198, 51, source >> 8 & 0xFF, source & 0xFF]),
                         bytes([198, 18, 0, 9]))
        tcp = struct.pack("!HHIIBBHHH", 40001, 8545, 1000, 0, 0x50, 2, 1024, 0, 0)
        return bytes.fromhex("020000000009020000000007") + b"\x08\x00" + ip + tcp

    def write(path, records):
        with open(path, "wb") as w:
            w.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
            for t, source in records:
                frame = syn(source)
                w.write(struct.pack("<IIII", int(t), int(t % 1 * 1e6), len(frame), len(frame)))
                w.write(frame)
    start = 1543618800  # 2018-11-30 23:00 UTC
    with tempfile.TemporaryDirectory() as tmp:
        first, second = os.path.join(tmp, "first.pcap"), os.path.join(tmp, "second.pcap")
        report_path = os.path.join(tmp, "r.json")
        write(first, [(start + i, 7) for i in range(3)])
        for lone in range(100, 104):
            # The next hour from one source only, then six hours of 5,000 sources.
            hour = [(start + 3600 + i * 3600 / 2000, lone) for i in range(2000)]
            busy = [(start + 7200 + i * 3600 / 20000, i % 5000 + 1000) for i in range(6 * 20000)]
            write(second, hour + busy)
            proc = subprocess.run([scanscope, "--config", CONFIG, *cache_args(), "--pcap", first, second,
                                   "--geo-db", "none", "-q", "--json-out", report_path,
                                   "--workers", "2"],
                                  capture_output=True, text=True, timeout=120)
            check(f"capture sequence {lone}: exit code", proc.returncode, 0)
            with open(report_path) as f:
                report = json.load(f)
            check(f"capture sequence {lone}: late frames", report["buckets"]["late"], 0)
            series = [p["series"] for p in report["ports"] if p["port"] == 8545][0]
            check(f"capture sequence {lone}: hours and frames",
                  (len(series), sum(b["packets"] for b in series)), (8, 3 + 2000 + 6 * 20000))


def check_source_flood(scanscope, stage_bench):
    """More distinct sources than the table holds: it stays at capacity and counts evictions."""
    sources, capacity = 5000, 64
    with tempfile.TemporaryDirectory() as tmp:
        flood = os.path.join(tmp, "flood.pcap")
        subprocess.run([stage_bench, "--sources", str(sources), "--write-pcap", flood],
                       check=True, capture_output=True)
        distinct = tcpdump_sources(flood, "tcp")
        check("flood capture sources", len(distinct), sources)
        report = run_scanscope(scanscope, flood, ["--source-capacity", str(capacity)])
        if report is None:
            return
        s = report["sources"]
        check("flood: sources inserted", s["inserted"], len(distinct))
        check("flood: sources held", s["live"], capacity)
        check("flood: evictions", s["evicted"], len(distinct) - capacity)
        total_sources = sum(t["sources"] for t in report["tools"])
        check("flood: distinct sources over all tools", total_sources, len(distinct))


def main():
    global CONFIG
    scanscope, data_dir = sys.argv[1], sys.argv[2]
    CONFIG = os.path.join(data_dir, "..", "..", "config", "scanscope.conf")
    test_pcap_report.CONFIG = CONFIG  # run_scanscope's
    check_bad_inputs(scanscope, data_dir)
    check_far_apart(scanscope)
    check_capture_sequence(scanscope)
    check_countries(scanscope)
    check_buckets_and_surges(scanscope)
    check_full_disk(scanscope)
    if len(sys.argv) > 3:
        check_source_flood(scanscope, sys.argv[3])
    return exit_status(failures)


if __name__ == "__main__":
    sys.exit(main())
