#!/usr/bin/env python3
"""What scanscope serves: /metrics and the JSON API after an offline run (promtool accepts the
page, its counts match the capture, every declared metric family is in both exporters, bad
requests get 4xx), the shipped Prometheus, Grafana and systemd files, docs/report.md's table of
families, and a live run on a veth pair scraped by a real Prometheus.

usage: test_serving.py SCANSCOPE DATA_DIR
"""
import glob
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile

from serve_helpers import (cache_args, check_counter_families, exit_status, serve_offline,
                           serving_port)
from test_pcap_report import check, failures, tcpdump_lines

CONFIG = None  # the shipped config/scanscope.conf, set in main()


def check_endpoints(scanscope, data_dir):
    """--serve keeps /metrics and /api/v1/report up after an offline run; promtool accepts the
    page, its counts match the capture, and bad requests get 4xx."""
    import http.client
    import shutil
    import signal
    import time
    capture = os.path.join(data_dir, "masscan-syn.pcap")
    log_dir = tempfile.TemporaryDirectory()
    log_path = os.path.join(log_dir.name, "serve.log")
    # Port 0: the system picks a free one, and scanscope names it (no port probed and freed).
    proc, _ = serve_offline(scanscope, CONFIG, [capture], log_path, ["--geo-db", "none"])
    port = serving_port(proc, log_path) or 0
    try:
        def get(path, method="GET", headers=None):
            for _ in range(600):  # start-up takes seconds under the sanitizers
                try:
                    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                    c.request(method, path, headers=headers or {})
                    r = c.getresponse()
                    body = r.read().decode()
                    if r.status == 200 and path == "/metrics" and not body:
                        raise ConnectionRefusedError  # not published yet
                    return r.status, body
                except (ConnectionRefusedError, ConnectionResetError):
                    time.sleep(0.1)
            return None, ""
        status, metrics = get("/metrics")
        check("GET /metrics status", status, 200)
        METRIC_NAMES_SEEN.update(re.findall(r"^# TYPE (\S+)", metrics, re.M))
        want = len(tcpdump_lines(capture, "tcp dst port 8545"))
        line = next((l for l in metrics.splitlines()
                     if l.startswith('scanscope_port_frames_total{port="8545"')), "")
        check("scanscope_port_frames_total for 8545", line.split(" ")[-1] if line else None,
              str(want))
        # No payload in this capture: no signature series at all (only pairs with a hit).
        check("signature series without a hit",
              [l for l in metrics.splitlines() if l.startswith("scanscope_signature_hits_total{")],
              [])
        if shutil.which("promtool"):
            lint = subprocess.run(["promtool", "check", "metrics"], input=metrics,
                                  capture_output=True, text=True)
            check("promtool check metrics", (lint.returncode, lint.stdout + lint.stderr), (0, ""))
        else:
            failures.append("promtool is not installed (Debian package prometheus)")
        status, body = get("/api/v1/report")
        check("GET /api/v1/report status", status, 200)
        if status == 200:
            check("report packets over HTTP", json.loads(body)["totals"]["packets"],
                  len(tcpdump_lines(capture)))
            # Every declared family in both exporters (offline: devices is an empty list; the run's
            # one bucket has closed at the end of the capture).
            failures.extend(check_counter_families(scanscope, metrics, json.loads(body),
                                                  ("always", "offline", "bucket_closed")))
        # The query endpoints, answered by the main lcore.
        to_8545 = len(tcpdump_lines(capture, "tcp dst port 8545"))
        status, body = get("/api/v1/series?port=8545&group=country")
        check("GET /api/v1/series status", status, 200)
        if status == 200:
            buckets = json.loads(body)["buckets"]
            check("series packets to 8545", sum(g["packets"] for b in buckets
                                                for g in b["groups"].values()), to_8545)
        check("series with an unknown port", get("/api/v1/series?port=nope")[0], 400)
        check("series with a bad time", get("/api/v1/series?from=yesterday")[0], 400)
        # docs/api.md: YYYY-MM-DDTHH:MM:SSZ written out in full, and a date that exists.
        for bad_time in ("2018-13-01T00:00:00Z", "2018-12-32T00:00:00Z", "2018-02-29T00:00:00Z",
                         "2018-12-01T25:00:00Z", "2018-12-01T00:60:00Z", "2018-12-01",
                         "2018-12-01T00:00:00", "2018-12-01T00:00Z", "2018-12-01T00:00:00Zx"):
            for name in ("from", "to"):
                check(f"series with {name}={bad_time}",
                      get(f"/api/v1/series?{name}={bad_time}")[0], 400)
        check("campaigns with an hour 24", get("/api/v1/campaigns?to=2018-12-01T24:00:00Z")[0],
              400)
        # A good date, and a leap day, are taken; so are unix seconds.
        # Browsers escape the colons (encodeURIComponent): the escapes are decoded.
        for good_time in ("2020-02-29T23:59:59Z", "1543795200", "2018-12-12T00%3A00%3A00Z"):
            check(f"series with from={good_time}", get(f"/api/v1/series?from={good_time}")[0],
                  200)
        for bad_query in ("fingerprints/top?port=bogus", "fingerprints/top?n=abc",
                          "fingerprints/top?n=0", "sources/top?n=abc", "sources/top?n=-1"):
            check(f"GET /api/v1/{bad_query}", get(f"/api/v1/{bad_query}")[0], 400)
        # The list of endpoints, at each of the paths docs/api.md names.
        for listing in ("/api", "/api/", "/api/v1", "/api/v1/"):
            status, body = get(listing)
            check(f"GET {listing}", (status, "/api/v1/series" in body), (200, True))
        status, body = get("/api/v1/sources/top?n=1")
        check("GET /api/v1/sources/top status", status, 200)
        if status == 200:
            top = json.loads(body)
            check("top source", top[0]["address"] if top else None, "10.99.0.1")
            check("top source packets", top[0]["packets"] if top else None,
                  len(tcpdump_lines(capture, "ip src 10.99.0.1")))
            # masscan: its cluster is decided by its first probe and held.
            check("top source cluster", (top[0]["cluster"], top[0]["cluster_decided"])
                  if top else None, ("fixed-port-w1024", True))
        status, body = get("/api/v1/fingerprints/top?port=8545")
        check("fingerprint packets to 8545",
              sum(f["packets"] for f in json.loads(body)) if status == 200 else None, to_8545)
        check("GET /api/v1/surges status", get("/api/v1/surges")[0], 200)
        check("POST status", get("/metrics", "POST")[0], 405)
        check("unknown path status", get("/nothing")[0], 404)
        check("oversized header status", get("/metrics", headers={"X-Big": "a" * 20000})[0], 431)
        # Garbage on the wire gets closed; the server goes on serving.
        with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
            raw.sendall(b"\x16\x03\x01 not http at all\r\n\r\n")
            try:
                raw.recv(100)
            except OSError:
                pass
        check("still serving after abuse", get("/metrics")[0], 200)
        # The API agrees with the report: per-country packets on 8545.
        status, body = get("/api/v1/report")
        report = json.loads(body) if status == 200 else {"ports": []}
        by_country = {c["country"]: c["packets"]
                      for p in report["ports"] if p["port"] == 8545 for c in p["countries"]}
        status, body = get("/api/v1/series?port=8545&group=country")
        api = {}
        for b in json.loads(body)["buckets"] if status == 200 else []:
            for name, g in b["groups"].items():
                api[name] = api.get(name, 0) + g["packets"]
        check("API countries on 8545 agree with the report", api, by_country)
        # The counters the report holds and /metrics carries agree, one by one.
        samples = {}
        for line in metrics.splitlines():
            m = re.match(r'(scanscope_[a-z_]+)(\{[^}]*\})? (\d+)$', line)
            if m:
                samples[m.group(1) + (m.group(2) or "")] = int(m.group(3))
        pairs = {
            'scanscope_table_overflow_total{table="unique_sources"}': report["unique_overflow"],
            'scanscope_table_overflow_total{table="fingerprints"}': report["fingerprint_overflow"],
            'scanscope_table_overflow_total{table="signature_countries"}':
                report["signature_country_overflow"],
            'scanscope_bucket_overflow_frames_total': report["buckets"]["overflow"],
            'scanscope_bucket_late_frames_total': report["buckets"]["late"],
            'scanscope_bucket_unique_overflow_total': report["buckets"]["unique_overflow"],
            'scanscope_payload_scan_events_total{event="stream_gap"}':
                report["payload_scan"]["stream_gaps"],
            'scanscope_payload_scan_events_total{event="no_stream"}':
                report["payload_scan"]["no_stream"],
            'scanscope_payload_scan_events_total{event="error"}': report["payload_scan"]["errors"],
            'scanscope_capture_clipped_records_total': report["clipped_records"],
        }
        for name, want_value in pairs.items():
            check(f"/metrics {name} agrees with the report", samples.get(name), want_value)
        check_prometheus_scrape(port, to_8545)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            rc = None
        log_dir.cleanup()
    check("--serve exit status after SIGTERM", rc, 0)


def check_monitoring_configs(data_dir):
    """The shipped Prometheus config and alert rules pass promtool; the dashboard is JSON whose
    queries name only metrics scanscope exports."""
    import shutil
    root = os.path.join(data_dir, "..", "..", "config")
    if shutil.which("promtool"):
        for args in (["check", "config", os.path.join(root, "prometheus", "prometheus.yml")],
                     ["check", "rules", os.path.join(root, "prometheus", "scanscope-alerts.yml")]):
            r = subprocess.run(["promtool", *args], capture_output=True, text=True)
            check(f"promtool {' '.join(args[:2])}", r.returncode, 0)
    with open(os.path.join(root, "grafana", "scanscope-dashboard.json")) as f:
        dashboard = json.load(f)
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            for metric in re.findall(r"scanscope_[a-z_]+", target["expr"]):
                if metric not in METRIC_NAMES_SEEN:
                    failures.append(f"dashboard panel '{panel['title']}' uses {metric}, "
                                    "which /metrics does not export")


    drops = [p for p in dashboard["panels"] if p["title"].startswith("Frames dropped")]
    if not drops or "scanscope_device_rx_kernel_dropped_total" not in drops[0]["targets"][0]["expr"]:
        failures.append("dashboard: the drop panel leaves out device_rx_kernel_dropped_total")
    for panel in dashboard["panels"]:
        if "last_bucket" in json.dumps(panel["targets"]) and \
                "no data yet" not in panel["fieldConfig"]["defaults"].get("noValue", ""):
            failures.append(f"dashboard panel '{panel['title']}' shows nothing before the first "
                            "bucket closes: it needs a 'no data yet' text")


def check_family_docs(scanscope, data_dir):
    """docs/report.md's table of metric families is the one --counter-families makes."""
    script = os.path.join(data_dir, "..", "..", "scripts", "counter-families-doc")
    proc = subprocess.run([script, scanscope, "--check"], capture_output=True, text=True)
    check("docs/report.md's families against --counter-families",
          (proc.returncode, proc.stderr.strip()), (0, ""))


def check_systemd_unit(scanscope, data_dir):
    """systemd's own check accepts the unit (the binary put where ExecStart says), and the unit
    does not restart a sensor whose configuration is wrong."""
    import shutil
    if not shutil.which("systemd-analyze"):
        failures.append("systemd-analyze is missing (Debian's systemd package)")
        return
    root = os.path.join(data_dir, "..", "..", "config", "systemd")
    with open(os.path.join(root, "scanscope.service")) as f:
        unit = f.read()
    if "RestartPreventExitStatus=2 3 4" not in unit:
        failures.append("systemd unit: a configuration error would restart it in a loop")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "scanscope.service")
        with open(path, "w") as f:
            f.write(unit.replace("/usr/local/bin/scanscope", os.path.abspath(scanscope)))
        r = subprocess.run(["systemd-analyze", "verify", path], capture_output=True, text=True,
                           timeout=60)
        check("systemd-analyze verify exit code", r.returncode, 0)
        # It only warns about a value it cannot parse: any line about the unit is a failure.
        complaints = [line for line in r.stderr.splitlines() if "scanscope.service" in line]
        check("systemd-analyze verify complaints about the unit", complaints, [])


METRIC_NAMES_SEEN = set()


def check_live_run(scanscope, data_dir):
    """A live run on a net_pcap port: it counts the capture's frames, serves /metrics while it
    runs, answers DPDK telemetry, and stops on SIGINT with its report (run until stopped: no
    budget the queries must fit into on a busy machine)."""
    import http.client
    import time
    capture = os.path.join(data_dir, "nmap-syn.pcap")
    prefix = f"scanscope-live-test-{os.getpid()}"
    with tempfile.TemporaryDirectory() as tmp:
        report_path = os.path.join(tmp, "live.json")
        log_path = os.path.join(tmp, "live.log")
        log = open(log_path, "w")
        proc = subprocess.Popen(
            [scanscope, "-l", "0-1", "--no-huge", "-m", "512", "--no-pci",
             f"--file-prefix={prefix}", "--vdev", f"net_pcap0,rx_pcap={capture}", "--",
             "--config", CONFIG, *cache_args(), "--geo-db", "none", "--duration", "0", "--mbufs", "4096",
             "--http", "127.0.0.1:0", "--json-out", report_path, "--quiet",
             "--series-dir", os.path.join(tmp, "series")],
            stdout=subprocess.DEVNULL, stderr=log)
        log.close()
        try:
            port = serving_port(proc, log_path, 60)
            frames = len(tcpdump_lines(capture))
            # Start-up (EAL, compiling the signatures) takes seconds under the sanitizers; the
            # endpoints answer once the stats loop runs, and the run goes on until stopped.
            metrics = ""
            live_input = None
            deadline = time.monotonic() + 60
            while proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.1)
                try:
                    c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                    c.request("GET", "/metrics")
                    metrics = c.getresponse().read().decode()
                    if metrics:
                        c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                        c.request("GET", "/api/v1/report")
                        live_input = json.loads(c.getresponse().read().decode()).get("input")
                        break
                except OSError:
                    continue
            # The capture is read once; its frames are all counted within moments, and the stats
            # loop republishes every second: ask until the count is whole or the run ends.
            telemetry = None
            path = f"/var/run/dpdk/{prefix}/dpdk_telemetry.v2"
            deadline = time.monotonic() + 60
            try:
                while proc.poll() is None and time.monotonic() < deadline:
                    with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as t:
                        t.connect(path)
                        json.loads(t.recv(16384).decode())  # greeting
                        t.send(b"/scanscope/totals")
                        telemetry = json.loads(t.recv(16384).decode())
                    if telemetry["/scanscope/totals"].get("frames") == frames:
                        break
                    time.sleep(0.2)
            except OSError as e:
                if telemetry is None:
                    failures.append(f"live: telemetry socket {path}: {e}")
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:  # any way out leaves no sensor running
                proc.kill()
                proc.wait()
        check("live: exit status", proc.returncode, 0)
        if not re.search(r"^scanscope_frames_total", metrics, re.M):
            failures.append("live: /metrics served nothing while running")
        import shutil
        if shutil.which("promtool") and metrics:
            lint = subprocess.run(["promtool", "check", "metrics"], input=metrics,
                                  capture_output=True, text=True)
            check("live: promtool check metrics", (lint.returncode, lint.stdout + lint.stderr),
                  (0, ""))
        check("live: telemetry frames",
              telemetry["/scanscope/totals"].get("frames") if telemetry else None, frames)
        with open(report_path) as f:
            report = json.load(f)
        check("live: frames", report["totals"]["packets"], frames)
        check("live: device frames", report["devices"][0]["ipackets"], frames)
        check("live: mode", report["mode"], "live")
        check("live: input while running and at the end", live_input, report["input"])
        # The bucket the stop cut short is in the series files, marked partial, and the files
        # hold every TCP/UDP frame counted.
        import csv
        rows = [row for path in glob.glob(os.path.join(tmp, "series", "*.csv"))
                for row in csv.DictReader(open(path)) if row["kind"] == "port"]
        check("live: series-file frames", sum(int(r["packets"]) for r in rows),
              sum(p["packets"] for p in report["ports"]) + report["other_ports"]["packets"])
        check("live: last bucket partial", all(r["partial"] == "true" for r in rows) and bool(rows),
              True)


def check_prometheus_scrape(scanscope_port, want):
    """A real Prometheus on loopback scrapes the sensor; PromQL returns the capture's count."""
    import shutil
    import time
    import urllib.parse
    import urllib.request
    if not shutil.which("prometheus"):
        failures.append("prometheus is not installed (Debian package prometheus)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        config = os.path.join(tmp, "prometheus.yml")
        with open(config, "w") as f:
            f.write("global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: scanscope\n"
                    f"    static_configs:\n      - targets: ['127.0.0.1:{scanscope_port}']\n"
                    "        labels:\n          sensor: test\n")
        prom_log = os.path.join(tmp, "prometheus.log")
        with open(prom_log, "w") as log:
            # Port 0, as for scanscope: Prometheus logs the one it got ("Listening on").
            prom = subprocess.Popen(["prometheus", f"--config.file={config}",
                                     f"--storage.tsdb.path={tmp}/data",
                                     "--web.listen-address=127.0.0.1:0"],
                                    stdout=subprocess.DEVNULL, stderr=log)
        try:
            prom_port = None
            deadline = time.time() + 60
            while prom_port is None and prom.poll() is None and time.time() < deadline:
                m = re.search(r'msg="Listening on" address=127\.0\.0\.1:(\d+)',
                              open(prom_log).read())
                prom_port = int(m.group(1)) if m else None
                time.sleep(0.1)
            if prom_port is None:
                failures.append(f"prometheus named no port: {open(prom_log).read()[-500:]}")
                return
            query = urllib.parse.quote('scanscope_port_frames_total{port="8545",sensor="test"}')
            value = None
            for _ in range(60):
                time.sleep(0.5)
                try:
                    with urllib.request.urlopen(
                            f"http://127.0.0.1:{prom_port}/api/v1/query?query={query}",
                            timeout=2) as r:
                        result = json.load(r)["data"]["result"]
                    if result:
                        value = int(float(result[0]["value"][1]))
                        break
                except OSError:
                    continue
            check("PromQL scanscope_port_frames_total for 8545", value, want)
        finally:
            prom.terminate()
            prom.wait(timeout=20)


def main():
    global CONFIG
    scanscope, data_dir = sys.argv[1], sys.argv[2]
    CONFIG = os.path.join(data_dir, "..", "..", "config", "scanscope.conf")
    check_endpoints(scanscope, data_dir)
    check_monitoring_configs(data_dir)
    check_family_docs(scanscope, data_dir)
    check_systemd_unit(scanscope, data_dir)
    check_live_run(scanscope, data_dir)
    return exit_status(failures)


if __name__ == "__main__":
    sys.exit(main())
