#!/usr/bin/python3
"""scanscope-replay feeding scanscope through net_memif, the way scripts/bench ramps the load.

1. Paced: the replay (memif server) sends a capture at 0.2 Mpps for 2 s into scanscope (memif
   client), which is stopped with SIGINT a second after the replay has finished. The replay
   exits 0, and scanscope counts exactly the frames the replay says it sent.
2. The receiver leaves first: scanscope stops after 2 s while the replay sends as fast as memif
   goes for 8 s. DPDK's memif driver frees the shared rings on its interrupt thread while a
   transmit burst may still write them; before the replay guarded against it, this made it die
   with a segmentation fault in most tries (the benchmark's "replay crashed" report). It must
   now end with exit code 3 and say the receiver left, in every try.
3. The sender leaves first: the replay sends as fast as memif goes for 2 s and exits while
   scanscope, still polling, is stopped a second later. The same driver frees the rings under
   a receive burst: scanscope must not die of it; it exits 0 with its report, in every try.
   Before scanscope guarded its memif receive bursts (lib/runtime/burst_guard.hpp) it died
   with SIGSEGV inside the driver's receive burst in one try of three to ten on a busy machine.

usage: test_replay.py SCANSCOPE SCANSCOPE_REPLAY DATA_DIR
"""

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_helpers import exit_status, port_run  # noqa: E402

SCANSCOPE, REPLAY, DATA_DIR = sys.argv[1], sys.argv[2], sys.argv[3]
CAPTURE = os.path.join(DATA_DIR, "masscan-syn.pcap")
EARLY_LEAVE_TRIES = 3
SENDER_LEAVES_TRIES = 3


def replay_command(sock, rate, seconds):
    return [REPLAY, "-l", "0", "--no-huge", "-m", "256", "--no-pci", "--no-telemetry",
            f"--file-prefix=replay-test-{os.getpid()}", "--log-level=lib.eal:error",
            "--vdev", f"net_memif0,role=server,socket={sock}", "--",
            "--pcap", CAPTURE, "--rate", str(rate), "--duration", str(seconds), "-q",
            "--link-wait", "60"]


def receiver_command(sock, report, duration):
    return port_run(SCANSCOPE, "replay", f"net_memif0,role=client,socket={sock}",
                    ["--geo-db", "none", "--signatures", "none", "--http", "none", "-q",
                     "--duration", str(duration), "--json-out", report])


def sent_count(replay_out):
    m = re.search(r"sent (\d+), refused (\d+)", replay_out)
    return (int(m.group(1)), int(m.group(2))) if m else (None, None)


READY = "waiting up to"


def wait_until_started(replay, err_path, seconds):
    """Until the replay says its port is started and waits for the link (bounded): the memif
    driver binds its socket (in the abstract namespace, no file) at probe, before the port is
    started, and a receiver that connects then can meet rings not set up yet."""
    deadline = time.time() + seconds
    while time.time() < deadline and replay.poll() is None:
        with open(err_path) as f:
            if READY in f.read():
                return
        time.sleep(0.05)
    with open(err_path) as f:
        said = f.read()[-500:]
    raise AssertionError(f"the replay did not start its port (exit {replay.poll()}): {said!r}")


class Pair:
    """The replay (memif server) sending at `rate` Mpps (0: as fast as memif goes) for
    `seconds`, and scanscope (memif client) started once the replay has started its port, with
    --duration `duration` (0: until stopped). After the replay exits, scanscope is interrupted
    `interrupt_after` seconds later, or (None) left to stop on its own."""

    def __init__(self, folder, name, rate, seconds, duration, interrupt_after):
        sock = os.path.join(folder, f"{name}.sock")
        self.report = os.path.join(folder, f"{name}.json")
        self.log = os.path.join(folder, f"{name}.log")
        replay = receiver = None
        try:
            err_path = os.path.join(folder, f"{name}.replay.err")
            with open(self.log, "w") as log, open(err_path, "w") as replay_err:
                replay = subprocess.Popen(replay_command(sock, rate, seconds),
                                          stdout=subprocess.PIPE, stderr=replay_err,
                                          text=True)
                wait_until_started(replay, err_path, 30)  # the memif server's port first
                receiver = subprocess.Popen(receiver_command(sock, self.report, duration),
                                            stdout=log, stderr=log)
                self.out = replay.communicate(timeout=120)[0]
            with open(err_path) as f:
                self.err = f.read()
                if interrupt_after is not None:
                    time.sleep(interrupt_after)
                    receiver.send_signal(signal.SIGINT)
                receiver.wait(timeout=60)
        finally:
            # A receiver with --duration 0 runs until stopped: on any way out, nothing is left.
            for proc in (replay, receiver):
                if proc is not None and proc.poll() is None:
                    proc.kill()
                    proc.wait()
        self.replay_status, self.receiver_status = replay.returncode, receiver.returncode
        self.sent, self.refused = sent_count(self.out)

    def counted(self):
        """Frames scanscope's report counted (None without a report)."""
        if self.receiver_status != 0:
            return None
        with open(self.report) as f:
            return json.load(f)["totals"]["packets"]

    def faulted(self):
        """Receive bursts a fault ended, by the report's devices (None: not reported)."""
        with open(self.report) as f:
            devices = json.load(f)["devices"]
        if not devices or any("faulted_bursts" not in d for d in devices):
            return None
        return sum(d["faulted_bursts"] for d in devices)

    def receiver_log(self):
        with open(self.log) as f:
            return f.read()[-500:]


def paced_run(folder, failures):
    # The receiver outlives the sender by a second: it reads what is still in the ring.
    run = Pair(folder, "paced", 0.2, 2, 0, 1)
    if run.replay_status != 0:
        failures.append(f"paced: replay exited {run.replay_status}: {run.err[-1000:]}")
        return
    counted = run.counted()
    if counted is None or run.sent is None:
        failures.append(f"paced: scanscope exited {run.receiver_status}, replay said {run.out!r}")
        return
    print(f"paced: replay sent {run.sent} (refused {run.refused}), scanscope counted {counted}")
    if run.sent < 100000 or counted != run.sent:
        failures.append(f"paced: replay sent {run.sent} frames, scanscope counted {counted}")


def early_leave(folder, attempt, failures):
    run = Pair(folder, f"leave{attempt}", 0, 8, 2, None)
    print(f"receiver left, try {attempt}: replay exited {run.replay_status}, sent {run.sent}")
    if run.replay_status != 3 or "the receiver left" not in run.err or not run.sent:
        failures.append(f"receiver left, try {attempt}: replay exited {run.replay_status} "
                        f"(3 expected), sent {run.sent}: {run.err[-500:]!r}")


def sender_leaves(folder, attempt, failures):
    run = Pair(folder, f"sender{attempt}", 0, 2, 0, 1)
    counted = run.counted()
    print(f"sender left, try {attempt}: scanscope exited {run.receiver_status}, replay sent "
          f"{run.sent}, scanscope counted {counted}")
    if run.replay_status != 0 or not run.sent:
        failures.append(f"sender left, try {attempt}: replay exited {run.replay_status}, "
                        f"sent {run.sent}: {run.err[-500:]!r}")
    elif not counted:
        failures.append(f"sender left, try {attempt}: scanscope exited "
                        f"{run.receiver_status} (0 expected): {run.receiver_log()!r}")
    else:
        # A burst the peer's leaving ended is counted per device, and named at the end.
        faulted = run.faulted()
        warned = "receive bursts ended when a memif peer left" in run.receiver_log()
        if faulted is None or warned != (faulted > 0) or counted > run.sent:
            failures.append(f"sender left, try {attempt}: faulted bursts {faulted}, warning "
                            f"{warned}, counted {counted} of {run.sent} sent")


def main():
    failures = []
    with tempfile.TemporaryDirectory(prefix="scanscope-replay-") as folder:
        paced_run(folder, failures)
        for attempt in range(1, EARLY_LEAVE_TRIES + 1):
            early_leave(folder, attempt, failures)
        for attempt in range(1, SENDER_LEAVES_TRIES + 1):
            sender_leaves(folder, attempt, failures)
    return exit_status(failures)


if __name__ == "__main__":
    sys.exit(main())
