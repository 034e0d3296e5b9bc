#!/usr/bin/python3
"""Long and heavy runs that do not belong in CI; their results go to docs/robustness.md.

  scripts/robustness.py sources [--sources 10000000]
      A capture with that many distinct spoofed sources (one SYN each), analysed offline with
      the default tables: the resident memory is sampled while it runs and must stay flat once
      the tables are full; every source past the table's capacity is an eviction.
  scripts/robustness.py soak [--minutes 30]
      A live run replaying the dense benchmark scenario's first 200,000 frames from memory
      (net_pcap infinite_rx) for that long, scraped every 10 s: counters never go back, memory
      at the end is within 5% of memory after the first minute, the process ends with its
      report.

Run from the repository after scripts/build.sh (or with SCANSCOPE_BUILD=DIR), as root.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("SCANSCOPE_BUILD", os.path.join(ROOT, "build"))
SCANSCOPE = os.path.join(BUILD, "app", "scanscope", "scanscope")
CONFIG = os.path.join(ROOT, "config", "scanscope.conf")


def rss_mb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            m = re.search(r"VmRSS:\s+(\d+) kB", f.read())
            return int(m.group(1)) / 1024 if m else None
    except OSError:
        return None


def sources(args):
    work = tempfile.mkdtemp(prefix="scanscope-sources-", dir="/var/tmp")
    capture = os.path.join(work, "sources.pcap")
    print(f"writing {args.sources:,} sources to {capture}")
    subprocess.run([os.path.join(BUILD, "test", "stage_bench"), "--sources", str(args.sources),
                    "--write-pcap", capture], check=True, stdout=subprocess.DEVNULL)
    report = os.path.join(work, "report.json")
    start = time.time()
    proc = subprocess.Popen([SCANSCOPE, "--config", CONFIG, "--pcap", capture, "--json-out", report,
                             "--geo-db", "none", "--status-interval", "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    samples = []
    while proc.poll() is None:
        samples.append((time.time() - start, rss_mb(proc.pid)))
        time.sleep(0.5)
    err = proc.stderr.read()
    if proc.returncode != 0:
        sys.exit(f"scanscope exited {proc.returncode}: {err[-2000:]}")
    with open(report) as f:
        r = json.load(f)
    s = r["sources"]
    print(f"frames {r['totals']['packets']:,} in {r['elapsed_seconds']:.1f} s; sources: capacity "
          f"{s['capacity']:,}, inserted {s['inserted']:,}, evicted {s['evicted']:,}, "
          f"live {s['live']:,}; unique_overflow {r['unique_overflow']:,}")
    print("resident memory (s, MB):", ", ".join(f"{t:.0f}:{m:.0f}" for t, m in samples[::4] if m))
    steady = [m for t, m in samples if m and t > samples[-1][0] / 3]
    if steady:
        print(f"last two thirds of the run: {min(steady):.0f} to {max(steady):.0f} MB")
    ok = s["inserted"] == r["totals"]["packets"] and s["evicted"] == s["inserted"] - s["live"]
    print("evictions account for every source past capacity:", "yes" if ok else "NO")
    os.remove(capture)
    return 0 if ok else 1


def scrape(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        text = r.read().decode()
    values = {}
    for line in text.splitlines():
        if line.startswith("scanscope_") and "_total" in line.split(" ")[0]:
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    return values


def soak(args):
    work = tempfile.mkdtemp(prefix="scanscope-soak-", dir="/var/tmp")
    full = os.path.join(work, "dense.pcap")
    capture = os.path.join(work, "replay.pcap")
    subprocess.run([os.path.join(BUILD, "app", "scanscope-gen", "scanscope-gen"),
                    os.path.join(ROOT, "config", "scenarios", "bench-dense.scn"), "-q", "-o", full],
                   check=True)
    subprocess.run(["tcpdump", "-r", full, "-c", "200000", "-w", capture], check=True,
                   stderr=subprocess.DEVNULL)
    os.remove(full)
    port = 9577
    report = os.path.join(work, "report.json")
    seconds = int(args.minutes * 60)
    proc = subprocess.Popen(
        [SCANSCOPE, "-l", "0-1", "--no-huge", "-m", "2048", "--no-pci", "--file-prefix",
         "scanscope-soak", "--vdev", f"net_pcap0,rx_pcap={capture},infinite_rx=1", "--",
         "--config", CONFIG, "--duration", str(seconds), "--mbufs", "262144",
         "--http", f"127.0.0.1:{port}", "--json-out", report, "--quiet",
         "--series-dir", os.path.join(work, "series")],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    start = time.time()
    first = last = None
    rss_first_minute = None
    rss = []
    went_back = []
    while proc.poll() is None:
        time.sleep(10)
        try:
            now = scrape(port)
        except OSError:
            continue
        elapsed = time.time() - start
        m = rss_mb(proc.pid)
        rss.append((elapsed, m))
        if rss_first_minute is None and elapsed >= 60:
            rss_first_minute = m
        if last:
            went_back += [k for k, v in now.items() if v < last.get(k, 0)]
        first = first or now
        last = now
    err = proc.stderr.read()
    print(f"soak: {seconds} s live on {capture}")
    if proc.returncode != 0:
        print(f"scanscope exited {proc.returncode}: {err[-2000:]}")
        return 1
    with open(report) as f:
        r = json.load(f)
    frames = r["totals"]["packets"]
    print(f"frames {frames:,} ({frames / seconds / 1e6:.2f} Mpps average); device drops "
          f"{sum(d['imissed'] for d in r['devices']):,}; sources live {r['sources']['live']:,}")
    print("resident memory (min, MB):", ", ".join(f"{t / 60:.0f}:{m:.0f}" for t, m in rss[::6] if m))
    end_rss = rss[-1][1] if rss else None
    growth = (end_rss / rss_first_minute - 1) if rss_first_minute and end_rss else None
    print(f"memory after the first minute {rss_first_minute:.0f} MB, at the end {end_rss:.0f} MB"
          + (f" ({growth * 100:+.1f}%)" if growth is not None else ""))
    print("counters that went back:", sorted(set(went_back)) or "none")
    ok = not went_back and growth is not None and growth < 0.05 and frames >= last.get(
        "scanscope_frames_total{protocol=\"tcp\"}", 0)
    print("soak:", "passed" if ok else "FAILED")
    return 0 if ok else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    p = sub.add_parser("sources")
    p.add_argument("--sources", type=int, default=10_000_000)
    p = sub.add_parser("soak")
    p.add_argument("--minutes", type=float, default=30)
    args = parser.parse_args()
    return sources(args) if args.what == "sources" else soak(args)


if __name__ == "__main__":
    sys.exit(main())
