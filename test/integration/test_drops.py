#!/usr/bin/python3
"""A burst into a live run through a kernel interface: every frame is either counted or
reported as dropped, and the sensor keeps running.

scanscope reads a veth interface with net_af_packet; from a network namespace this test sends
a burst of 300,000 frames (1,200-byte payloads to 8545) as fast as it can, then a few more
after a pause. net_af_packet counts no drops of its own: when the RX lcore is not scheduled
in time the kernel's packet ring overflows. The report must account for every frame the
interface received: delivered (`ipackets`) plus `kernel_dropped` equals what the interface
counted, every delivered frame is in the counters, and /metrics carries the drop counter. How many
frames were dropped depends on the machine; the figure is printed.

usage: test_drops.py SCANSCOPE SOURCE_DIR
"""

import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netns_link import link_names, run, skip_status, veth_to_namespace  # noqa: E402
from serve_helpers import (  # noqa: E402
    cache_args, check_counter_families, exit_status, finished_report, port_run, serving_port)
from ip_frames import syn_frame  # noqa: E402

NS = f"scanscope-drops-{os.getpid()}"
HOST_IF, PEER_IF = link_names("d")  # this run's own
# No IPv6 on the test link: the kernels would send their own solicitations and reports,
# frames this test did not send.
LINK = veth_to_namespace(NS, HOST_IF, PEER_IF, no_ipv6=True)

SENDER = """
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
frames = [bytes.fromhex(line) for line in sys.stdin.read().split()]
for i in range(int(sys.argv[2])):
    try:
        s.send(frames[i % len(frames)])
    except OSError:
        pass  # the veth queue is full: the frame never left, the interface never saw it
"""




def setup():
    return LINK.up()


def teardown():
    LINK.down()


def send(count, frames):
    run("ip", "netns", "exec", NS, sys.executable, "-c", SENDER, PEER_IF, str(count),
        input="\n".join(f.hex() for f in frames), text=True)


def wait_until_serving(port, proc, seconds=60):
    """Until /metrics has content: the port is up and the stats loop runs (start-up compiles
    the signatures, which takes seconds under the sanitizers)."""
    deadline = time.monotonic() + seconds
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as r:
                if r.read():
                    return
        except OSError:
            pass
        time.sleep(0.1)


def kernel_dropped_sample(port):
    """scanscope_device_rx_kernel_dropped_total on /metrics now (None when not answered)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as r:
            text = r.read().decode()
    except OSError:
        return None
    m = re.search(r"^scanscope_device_rx_kernel_dropped_total\{[^}]*\} (\d+)$", text, re.M)
    return int(m.group(1)) if m else None


def settled_metrics(port, received, seconds=30):
    """/metrics once its device frames and kernel drops add up to `received` (or the last page
    after `seconds`, for the checks to name what is missing)."""
    deadline = time.monotonic() + seconds
    text = ""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
                text = r.read().decode()
        except OSError:
            pass
        counts = [int(m.group(1)) for m in re.finditer(
            r"^scanscope_device_rx_(?:frames|kernel_dropped)_total\{[^}]*\} (\d+)$", text, re.M)]
        if len(counts) == 2 and sum(counts) == received:
            return text
        time.sleep(0.2)
    return text


def rx_packets():
    with open(f"/sys/class/net/{HOST_IF}/statistics/rx_packets") as f:
        return int(f.read())


def main():
    scanscope, source_dir = sys.argv[1:3]
    config = os.path.join(source_dir, "config", "scanscope.conf")
    failures = []
    frames = [syn_frame(f"198.51.{i}.9") + b"x" * 1200 for i in range(64)]
    with tempfile.TemporaryDirectory() as tmp:
        report_path, log_path = os.path.join(tmp, "report.json"), os.path.join(tmp, "log")
        if not setup():
            return skip_status()
        proc = None
        try:
            # --list-ports on the up veth says what the kernel says: up.
            listed = subprocess.run(
                port_run(scanscope, "list", f"net_af_packet0,iface={HOST_IF}",
                         ["--list-ports", "--config", config, *cache_args(), "--geo-db", "none"],
                         lcores="0", memory_mb=256),
                capture_output=True, text=True, timeout=60)
            if f"link up (interface {HOST_IF})" not in listed.stdout:
                failures.append(f"--list-ports on the up {HOST_IF}: {listed.stdout!r} "
                                f"{listed.stderr[-500:]!r}")
            before = rx_packets()
            with open(log_path, "w") as log:
                proc = subprocess.Popen(
                    port_run(scanscope, "drops", f"net_af_packet0,iface={HOST_IF}",
                             ["--config", config, *cache_args(), "--geo-db", "none",
                              "--duration", "0", "--http", "127.0.0.1:0",
                              "--json-out", report_path, "--status-interval", "1"]),
                    stdout=subprocess.DEVNULL, stderr=log)
            port = serving_port(proc, log_path)
            wait_until_serving(port, proc)
            # Scraped all through the burst and after it: a counter only rises.
            burst = threading.Thread(target=send, args=(300000, frames))
            burst.start()
            scraped = []
            while burst.is_alive() or len(scraped) < 15:
                scraped.append(kernel_dropped_sample(port))
                time.sleep(0.2)
            burst.join()
            after_burst = rx_packets()
            send(10, frames[:10])
            # Until the published counts have caught up with what the interface received
            # (delivered + dropped), not a fixed sleep: the pages refresh every status interval.
            metrics = settled_metrics(port, rx_packets() - before)
            # Until the test has done its part (no budget to fit into), then as an operator stops it.
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=30)
            received = rx_packets() - before
        finally:
            # On any way out, no sensor is left running on the link it is about to lose.
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()
            teardown()
        report = finished_report(proc, log_path, report_path, failures)
        if report is not None:
            device = report["devices"][0]
            delivered, dropped = device["ipackets"], device["kernel_dropped"]
            if delivered + dropped != received:
                failures.append(f"delivered {delivered} + dropped {dropped} != {received} "
                                "frames the interface received")
            if report["totals"]["packets"] != delivered:
                failures.append(f"the port delivered {delivered} frames, the counters hold "
                                f"{report['totals']['packets']}")
            if after_burst - before < 100000:
                failures.append(f"the burst reached the interface with only "
                                f"{after_burst - before} frames")
            if "scanscope_device_rx_kernel_dropped_total" not in metrics:
                failures.append("/metrics has no scanscope_device_rx_kernel_dropped_total")
            values = [v for v in scraped if v is not None]
            if not values or any(b < a for a, b in zip(values, values[1:])) or \
                    values[-1] > dropped:
                failures.append(f"kernel drops scraped through the burst went back, or past the "
                                f"final {dropped}: {values}")
            # Live, with a device: every declared family in both exporters.
            failures.extend(check_counter_families(scanscope, metrics, report))
            print(f"drops: interface received {received}, port delivered {delivered}, "
                  f"kernel dropped {dropped}")
    return exit_status(failures)


if __name__ == "__main__":
    sys.exit(main())
