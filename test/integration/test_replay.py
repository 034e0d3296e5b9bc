#!/usr/bin/python3
"""scanscope-replay feeding scanscope through net_memif, the way scripts/bench ramps the load.

1. Paced: the replay (memif server) sends a capture at 0.2 Mpps for 2 s into scanscope (memif
   client), which is stopped with SIGINT only after the replay has finished. The replay exits 0,
   and scanscope counts exactly the frames the replay says it sent.
2. The receiver leaves first: scanscope stops after 2 s while the replay sends as fast as memif
   goes for 8 s. DPDK's memif driver frees the shared rings on its interrupt thread while a
   transmit burst may still write them; before the replay guarded against it, this made it die
   with a segmentation fault in most tries (the benchmark's "replay crashed" report). It must
   now end with exit code 3 and say the receiver left, in every try.
3. The sender leaves first: the replay sends as fast as memif goes for 2 s and exits while
   scanscope, still polling, is stopped a second later. The same driver frees the rings under
   a receive burst: scanscope must not die of it; it exits 0 with its report, in every try.
   (scripts/bench saw scanscope die once this way, at one step of a ramp; 27 tries after it did
   not, so this check is a guard more than a reproduction.)

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


def paced_run(folder, failures):
    sock, report = os.path.join(folder, "paced.sock"), os.path.join(folder, "paced.json")
    with open(os.path.join(folder, "paced.log"), "w") as log:
        replay = subprocess.Popen(replay_command(sock, 0.2, 2), stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
        time.sleep(0.5)  # the server's socket first
        receiver = subprocess.Popen(receiver_command(sock, report, 0), stdout=log, stderr=log)
        out, err = replay.communicate(timeout=120)
        receiver.send_signal(signal.SIGINT)  # the receiver outlives the sender
        receiver.wait(timeout=60)
    if replay.returncode != 0:
        failures.append(f"paced: replay exited {replay.returncode}: {err[-1000:]}")
        return
    sent, refused = sent_count(out)
    if receiver.returncode != 0 or sent is None:
        failures.append(f"paced: scanscope exited {receiver.returncode}, replay said {out!r}")
        return
    with open(report) as f:
        counted = json.load(f)["totals"]["packets"]
    print(f"paced: replay sent {sent} (refused {refused}), scanscope counted {counted}")
    if sent < 100000 or counted != sent:
        failures.append(f"paced: replay sent {sent} frames, scanscope counted {counted}")


def early_leave(folder, attempt, failures):
    sock = os.path.join(folder, f"leave{attempt}.sock")
    report = os.path.join(folder, f"leave{attempt}.json")
    with open(os.path.join(folder, f"leave{attempt}.log"), "w") as log:
        replay = subprocess.Popen(replay_command(sock, 0, 8), stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
        time.sleep(0.5)
        receiver = subprocess.Popen(receiver_command(sock, report, 2), stdout=log, stderr=log)
        out, err = replay.communicate(timeout=120)
        receiver.wait(timeout=60)
    sent, _ = sent_count(out)
    print(f"receiver left, try {attempt}: replay exited {replay.returncode}, sent {sent}")
    if replay.returncode != 3 or "the receiver left" not in err or not sent:
        failures.append(f"receiver left, try {attempt}: replay exited {replay.returncode} "
                        f"(3 expected), sent {sent}: {err[-500:]!r}")


def sender_leaves(folder, attempt, failures):
    sock = os.path.join(folder, f"sender{attempt}.sock")
    report = os.path.join(folder, f"sender{attempt}.json")
    with open(os.path.join(folder, f"sender{attempt}.log"), "w") as log:
        replay = subprocess.Popen(replay_command(sock, 0, 2), stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
        time.sleep(0.5)
        receiver = subprocess.Popen(receiver_command(sock, report, 0), stdout=log, stderr=log)
        out, err = replay.communicate(timeout=120)
        time.sleep(1)
        receiver.send_signal(signal.SIGINT)
        receiver.wait(timeout=60)
    sent, _ = sent_count(out)
    counted = None
    if receiver.returncode == 0:
        with open(report) as f:
            counted = json.load(f)["totals"]["packets"]
    print(f"sender left, try {attempt}: scanscope exited {receiver.returncode}, replay sent "
          f"{sent}, scanscope counted {counted}")
    if replay.returncode != 0 or not sent:
        failures.append(f"sender left, try {attempt}: replay exited {replay.returncode}, "
                        f"sent {sent}: {err[-500:]!r}")
    elif receiver.returncode != 0 or not counted:
        with open(os.path.join(folder, f"sender{attempt}.log")) as f:
            failures.append(f"sender left, try {attempt}: scanscope exited "
                            f"{receiver.returncode} (0 expected): {f.read()[-500:]!r}")


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
