"""Every count scanscope writes for one input, in a form two builds can be compared by: the JSON
report, the series files' lines and the /metrics samples, less what differs from run to run
(timings, paths, the process). Used by test_counts_unchanged.py, and run by hand to record the
counts a change must keep:

    count_snapshot.py record SCANSCOPE SCANSCOPE-GEN SOURCE_DIR OUT_DIR

A snapshot is a flat map "where = value": report paths (ports by port number, named lists by
name, other lists by position), "series|<line>" and "metrics|<sample>".
"""

import glob
import gzip
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_helpers import get, serve_offline  # noqa: E402

SEED_SCENARIOS = ("ethereum-2018-12", "claymore-satori-2018-01", "adb-mirai-2018-02")

# Report fields that are not counts of the input: how long the run took, where files were, the
# machine's lcores and devices, the location database's file.
VOLATILE_REPORT_KEYS = {"elapsed_seconds", "input", "load_seconds", "database", "created",
                        "lcores", "devices", "scanscope_version", "series_files"}
# /metrics families about the process or the clock, not about the traffic.
VOLATILE_METRICS = re.compile(r"^(process_|scanscope_(build_info|start_time|uptime|"
                              r"last_packet|first_packet|series_files|geo_|status_|"
                              r"http_|lcore_|elapsed|run_seconds))")


# A series line's `input` (the identity of the captures that wrote it) is no count.
INPUT_FIELD = re.compile(r',"input":"[^"]*"')

# The fields that tell one element of a report list from another (ports, campaigns, lead
# changes, series buckets, named counts); lists of other things are compared by position.
ID_FIELDS = ("scope", "dimension", "port", "protocol", "name", "code", "value", "start", "bucket")


def list_key(item, i):
    if isinstance(item, dict):
        ids = [str(item[k]) for k in ID_FIELDS if isinstance(item.get(k), (str, int))]
        if ids:
            return "|".join(ids)
    return str(i)


def flatten(value, path, out):
    if isinstance(value, dict):
        for k, v in value.items():
            if k not in VOLATILE_REPORT_KEYS:
                flatten(v, f"{path}.{k}" if path else k, out)
    elif isinstance(value, list):
        seen = {}
        for i, v in enumerate(value):
            key = list_key(v, i)
            seen[key] = seen.get(key, 0) + 1
            if seen[key] > 1:
                key += f"#{seen[key]}"
            flatten(v, f"{path}[{key}]", out)
    else:
        out[path] = value


def snapshot(scanscope, pcap, config, tmp):
    """Run scanscope on `pcap` with `config`, serving after the run, and read what it wrote."""
    report = os.path.join(tmp, "report.json")
    series = os.path.join(tmp, "series")
    log_path = os.path.join(tmp, "scanscope.log")
    proc, base = serve_offline(scanscope, config, [pcap], log_path,
                               ["--json-out", report, "--series-dir", series, "--quiet"])
    try:
        metrics = ""
        deadline = time.time() + 120
        # The endpoints answer before the final report is published: an empty page until then.
        while base and not metrics and time.time() < deadline:
            metrics = get(f"{base}/metrics", seconds=60)
            if not metrics:
                time.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    with open(log_path, errors="replace") as f:
        err = f.read()
    if proc.returncode != 0 or not base:
        raise RuntimeError(f"scanscope on {pcap} exited {proc.returncode}: {err[-2000:]}")
    flat = {}
    with open(report) as f:
        flatten(json.load(f), "", flat)
    for path in sorted(glob.glob(os.path.join(series, "*.jsonl"))):
        with open(path) as f:
            for line in f:
                flat["series|" + INPUT_FIELD.sub("", line.strip())] = 1
    for line in metrics.splitlines():
        if line and not line.startswith("#") and not VOLATILE_METRICS.match(line):
            name_labels, _, value = line.rpartition(" ")
            flat["metrics|" + name_labels] = value
    for path in glob.glob(os.path.join(series, "*")):
        os.remove(path)
    os.remove(report)
    return flat


def inputs(gen, source_dir, tmp, seeds=True):
    """(name, pcap) of every capture in test/data and of the seed scenarios, generated."""
    for pcap in sorted(glob.glob(os.path.join(source_dir, "test", "data", "*.pcap"))):
        yield os.path.basename(pcap)[:-5], pcap
    for name in SEED_SCENARIOS if seeds else ():
        pcap = os.path.join(tmp, f"{name}.pcap")
        subprocess.run([gen, "-q", os.path.join(source_dir, "config", "scenarios", f"{name}.scn"),
                        "-o", pcap], check=True)
        yield name, pcap
        os.remove(pcap)


def differences(before, after, limit=20):
    """What `after` lost or changed of `before` (fields new in `after` are fine)."""
    out = []
    for k, v in before.items():
        if k not in after:
            out.append(f"missing: {k} (was {v})")
        elif after[k] != v:
            out.append(f"changed: {k}: {v} -> {after[k]}")
        if len(out) >= limit:
            out.append("...")
            break
    return out


def record(scanscope, gen, source_dir, out_dir):
    config = os.path.join(source_dir, "config", "scanscope.conf")
    os.makedirs(out_dir, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name, pcap in inputs(gen, source_dir, tmp):
            flat = snapshot(scanscope, pcap, config, tmp)
            with gzip.open(os.path.join(out_dir, f"{name}.json.gz"), "wt") as f:
                json.dump(flat, f, sort_keys=True, indent=0)
            print(f"{name}: {len(flat)} counts")


if __name__ == "__main__":
    if len(sys.argv) != 6 or sys.argv[1] != "record":
        sys.exit(__doc__)
    record(*sys.argv[2:])
