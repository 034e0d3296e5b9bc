"""Network plumbing shared by the live integration tests: a private network namespace joined to
this one by a veth pair, commands run inside it, tcpdump on a link, and waiting for a log line.
Every address the tests use lives on these links; nothing leaves the machine."""

import os
import signal
import subprocess
import time


def run(*args, check=True, **kw):
    return subprocess.run(list(args), check=check, **kw)


def in_ns(ns, *args, **kw):
    return run("ip", "netns", "exec", ns, *args, **kw)


def mac_of(ns, ifname):
    out = in_ns(ns, "cat", f"/sys/class/net/{ifname}/address", capture_output=True, text=True)
    return out.stdout.strip()


def make_namespace(ns):
    """A new namespace; False (with a SKIP line) where this machine does not allow one."""
    made = subprocess.run(["ip", "netns", "add", ns], capture_output=True, text=True)
    if made.returncode != 0:
        print(f"SKIP: cannot create a network namespace here: {made.stderr.strip()}")
        return False
    return True


def remove_namespace(ns):
    """Ends whatever the test started inside (an adb server, say), then the namespace."""
    pids = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True)
    for pid in pids.stdout.split():
        try:
            os.kill(int(pid), signal.SIGKILL)
        except (ProcessLookupError, ValueError):
            pass
    subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)


class veth_to_namespace:
    """`host_if` here, `peer_if` in the new namespace `ns`, both up. Without IPv6 (`no_ipv6`)
    the kernels send no solicitations or reports of their own on the link."""

    def __init__(self, ns, host_if, peer_if, no_ipv6=False):
        self.ns, self.host_if, self.peer_if, self.no_ipv6 = ns, host_if, peer_if, no_ipv6

    def up(self):
        """False where this machine does not allow a namespace (the test skips)."""
        if not make_namespace(self.ns):
            return False
        # The link's names are the test's own: one left by an interrupted run goes first.
        subprocess.run(["ip", "link", "del", self.host_if], stderr=subprocess.DEVNULL)
        run("ip", "link", "add", self.host_if, "type", "veth", "peer", "name", self.peer_if)
        run("ip", "link", "set", self.peer_if, "netns", self.ns)
        if self.no_ipv6:
            run("sysctl", "-qw", f"net.ipv6.conf.{self.host_if}.disable_ipv6=1")
            in_ns(self.ns, "sysctl", "-qw", f"net.ipv6.conf.{self.peer_if}.disable_ipv6=1")
        run("ip", "link", "set", self.host_if, "up")
        in_ns(self.ns, "ip", "link", "set", self.peer_if, "up")
        return True

    def down(self):
        subprocess.run(["ip", "link", "del", self.host_if], stderr=subprocess.DEVNULL)
        remove_namespace(self.ns)


def wait_for(path, text, seconds):
    """True once the file at `path` holds `text`; False after `seconds`."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        with open(path, errors="replace") as f:
            if text in f.read():
                return True
        time.sleep(0.1)
    return False


class capture:
    """tcpdump on one link inside a namespace, into a pcap file."""

    def __init__(self, ns, ifname, path, log):
        self.path = path
        # Immediate mode: without it the last block of frames is lost when tcpdump stops.
        self.proc = subprocess.Popen(["ip", "netns", "exec", ns, "tcpdump", "-i", ifname, "-n",
                                      "--immediate-mode", "-U", "-s", "256", "-w", path],
                                     stdout=subprocess.DEVNULL, stderr=open(log, "w"))
        if not wait_for(log, "listening on", 10):
            raise RuntimeError("tcpdump did not start")

    def stop(self):
        time.sleep(0.5)
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(timeout=10)
