"""Every count of the JSON report, the series files and /metrics, for every capture in test/data
and the three seed scenarios, is what test/data/counts-baseline/ recorded (count_snapshot.py):
a change to how things are counted or written may add fields, never change or lose one.
Re-record the baseline only for a change meant to alter counts, and say why in its commit."""

import gzip
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from count_snapshot import differences, inputs, snapshot  # noqa: E402


def main():
    scanscope, gen, source_dir = sys.argv[1:4]
    baseline_dir = os.path.join(source_dir, "test", "data", "counts-baseline")
    config = os.path.join(source_dir, "config", "scanscope.conf")
    failures = []
    compared = 0
    # Every recorded input is compared (on the normal build): a capture removed from test/data
    # must take its baseline with it.
    expected = {p[:-len(".json.gz")] for p in os.listdir(baseline_dir) if p.endswith(".json.gz")}
    with tempfile.TemporaryDirectory() as tmp:
        # Under the sanitizers the captures cover the same code; the seeds' 1.5 million frames
        # are compared on the normal build.
        sanitized = bool(os.environ.get("SCANSCOPE_TEST_SANITIZED"))
        for name, pcap in inputs(gen, source_dir, tmp, seeds=not sanitized):
            path = os.path.join(baseline_dir, f"{name}.json.gz")
            expected.discard(name)
            if not os.path.exists(path):
                failures.append(f"{name}: no baseline in {baseline_dir}")
                continue
            with gzip.open(path, "rt") as f:
                before = json.load(f)
            after = snapshot(scanscope, pcap, config, tmp)
            diff = differences(before, after)
            failures += [f"{name}: {d}" for d in diff]
            compared += len(before)
            print(f"{name}: {len(before)} counts compared, {len(after) - len(before)} new",
                  flush=True)
    if not sanitized:
        failures += [f"{name}: a baseline without its input" for name in sorted(expected)]
    for f in failures:
        print("FAIL:", f)
    print(f"{compared} counts compared, {len(failures)} differences")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
