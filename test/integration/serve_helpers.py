"""Shared by the integration tests: caches for scanscope's start, and queries to a scanscope
serving on 127.0.0.1."""

import json
import os
import re
import socket
import subprocess
import time
import urllib.request


def cache_args():
    """--signature-cache and --geo-cache in the folder the test run names (SCANSCOPE_TEST_CACHE):
    the rules compile and the location tables build once per build folder, not once per run.
    Without it every scanscope start compiles (a second, three under the sanitizers)."""
    folder = os.environ.get("SCANSCOPE_TEST_CACHE")
    if not folder:
        return []
    os.makedirs(folder, exist_ok=True)
    return ["--signature-cache", folder, "--geo-cache", folder]


def port_run(scanscope, name, vdev, args, lcores="0-1", memory_mb=512):
    """scanscope's command line for a run on one virtual port (`vdev`): no hugepages, no PCI
    scan, EAL files of its own (scanscope-NAME-PID); `args` are scanscope's, after the `--`."""
    return [scanscope, "-l", lcores, "--no-huge", "-m", str(memory_mb), "--no-pci",
            f"--file-prefix=scanscope-{name}-{os.getpid()}", "--vdev", vdev, "--", *args]


def finished_report(proc, log_path, report_path, failures):
    """The JSON report of a run that has ended; None, with the end of its log in `failures`,
    when it exited with an error."""
    if proc.returncode != 0:
        with open(log_path) as f:
            failures.append(f"scanscope exited {proc.returncode}: {f.read()[-2000:]}")
        return None
    with open(report_path) as f:
        return json.load(f)


def serve_offline(scanscope, config, pcaps, log_path, extra=()):
    """scanscope analysing `pcaps` with `config` and serving after the run on a port the system
    picks (`--http 127.0.0.1:0`), standard error into `log_path`: (process, base URL), the URL
    None when it never named its port."""
    with open(log_path, "w") as log:
        proc = subprocess.Popen([scanscope, "--config", config, *cache_args(), "--pcap", *pcaps,
                                 "--serve", "--http", "127.0.0.1:0", *extra],
                                stdout=subprocess.DEVNULL, stderr=log)
    port = serving_port(proc, log_path)
    return proc, f"http://127.0.0.1:{port}" if port else None


def serving_port(proc, log_path, seconds=300):
    """The port a scanscope started with `--http 127.0.0.1:0` serves on, read from its log
    ("serving ... on 127.0.0.1:PORT", printed under --quiet too), once it answers; None when it
    exits first or `seconds` pass."""
    deadline = time.time() + seconds
    while time.time() < deadline and proc.poll() is None:
        with open(log_path, errors="replace") as f:
            m = re.search(r"serving /metrics and /api/v1/report on 127\.0\.0\.1:(\d+)", f.read())
        if m:
            return int(m.group(1))
        time.sleep(0.1)
    return None


def get(url, seconds=20):
    """The body of a GET, retried until the server answers or `seconds` pass."""
    deadline = time.time() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                return r.read().decode()
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.2)


def report_values(report, path):
    """The values at a dotted path of the JSON report ('*': every element of a list or map), or
    None when a key on the way is missing."""
    found = [report]
    for key in path.split("."):
        step = []
        for node in found:
            if key == "*" and isinstance(node, (list, dict)):
                step.extend(node.values() if isinstance(node, dict) else node)
            elif isinstance(node, dict) and key in node:
                step.append(node[key])
            else:
                return None
        found = step
    return found


def check_counter_families(scanscope, metrics, report, when=("always",)):
    """Walk `scanscope --counter-families` against one /metrics page and the JSON report of the
    same run. Every family of `when` has its TYPE and HELP lines, its samples carry exactly the
    declared labels, and its report paths exist; a family with a non-zero sample has values at
    its paths; /metrics has no family the list does not declare. Returns the problems."""
    catalogue = json.loads(subprocess.run([scanscope, "--counter-families"], check=True,
                                          capture_output=True, text=True).stdout)
    declared = {f["metric"] for f in catalogue}
    problems = [f"/metrics family {name} is not in --counter-families"
                for name in re.findall(r"^# TYPE (\S+)", metrics, re.M) if name not in declared]
    for f in catalogue:
        if f["when"] not in when:
            continue
        name = f["metric"]
        if f"# TYPE {name} {f['kind']}\n" not in metrics:
            problems.append(f"{name}: no '# TYPE {name} {f['kind']}' line in /metrics")
        if f"# HELP {name} {f['help']}\n" not in metrics:
            problems.append(f"{name}: /metrics' HELP line is not the declared one")
        nonzero = False
        for labels, value in re.findall(rf"^{name}(?:{{(.*)}})? (\S+)$", metrics, re.M):
            got = sorted(re.findall(r'(\w+)="', labels))
            wrong = f"{name}: sample labels {got}, declared {f['labels'].split()}"
            if got != sorted(f["labels"].split()) and wrong not in problems:
                problems.append(wrong)
            nonzero = nonzero or float(value) != 0
        values = []
        for path in f["report"].split():
            at = report_values(report, path)
            if at is None:
                problems.append(f"{name}: the JSON report has no {path}")
            else:
                values.extend(at)
        if nonzero and not values:
            problems.append(f"{name}: non-zero in /metrics, nothing at {f['report']} in the report")
    return problems


def exit_status(failures):
    """Prints each failure and gives the test's exit status (1 when any)."""
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0
