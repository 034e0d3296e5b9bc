"""Network plumbing shared by the live integration tests: a private network namespace joined to
this one by a veth pair, commands run inside it, tcpdump on a link, and waiting for a log line.
Every address the tests use lives on these links; nothing leaves the machine."""

import os
import shutil
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


def skips_allowed():
    """Whether a test may skip for want of namespaces: not where SCANSCOPE_NO_SKIP=1, which
    scripts/test sets (its installer provides every tool, and it runs as root, so a skip there
    is a broken machine or a broken test, never a pass)."""
    return os.environ.get("SCANSCOPE_NO_SKIP") != "1"


def skip_status():
    """The exit status of a test that cannot run here: meson's SKIP (77), or a failure (1)
    where skips are not allowed."""
    if skips_allowed():
        return 77
    print("FAIL: the test would skip, and SCANSCOPE_NO_SKIP=1 allows no skip")
    return 1


def make_namespace(ns):
    """A new namespace; False (with a SKIP line) where this machine does not allow one."""
    if shutil.which("ip") is None:
        print("SKIP: ip is missing (Debian package iproute2; scripts/install-deps.sh)")
        return False
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


def link_names(tag):
    """Names for a veth pair in the root namespace that no other run shares: the test's tag and
    this process's ID (interface names hold 15 characters)."""
    pid = os.getpid() % 1000000
    return f"ss{tag}{pid}h", f"ss{tag}{pid}p"


class veth_to_namespace:
    """`host_if` here, `peer_if` in the new namespace `ns`, both up. Without IPv6 (`no_ipv6`)
    the kernels send no solicitations or reports of their own on the link."""

    def __init__(self, ns, host_if, peer_if, no_ipv6=False):
        self.ns, self.host_if, self.peer_if, self.no_ipv6 = ns, host_if, peer_if, no_ipv6

    def up(self):
        """False where this machine does not allow a namespace (the test skips). A set-up that
        fails half way takes down what it made before it raises."""
        if not make_namespace(self.ns):
            return False
        try:
            self._link()
        except BaseException:
            self.down()
            raise
        return True

    def _link(self):
        # The link's names are the test's own: one left by an interrupted run goes first.
        subprocess.run(["ip", "link", "del", self.host_if], stderr=subprocess.DEVNULL)
        run("ip", "link", "add", self.host_if, "type", "veth", "peer", "name", self.peer_if)
        run("ip", "link", "set", self.peer_if, "netns", self.ns)
        if self.no_ipv6:
            run("sysctl", "-qw", f"net.ipv6.conf.{self.host_if}.disable_ipv6=1")
            in_ns(self.ns, "sysctl", "-qw", f"net.ipv6.conf.{self.peer_if}.disable_ipv6=1")
        run("ip", "link", "set", self.host_if, "up")
        in_ns(self.ns, "ip", "link", "set", self.peer_if, "up")

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

    def stop(self, quiet_for=0.5, seconds=10):
        """Stop once the capture has taken nothing new for `quiet_for` seconds (tcpdump writes
        each packet as it comes, -U): the last answers are in the file, however busy the
        machine, rather than whatever a fixed sleep happened to leave."""
        deadline = time.time() + seconds
        size, since = -1, time.time()
        while time.time() < deadline:
            now = os.path.getsize(self.path) if os.path.exists(self.path) else 0
            if now != size:
                size, since = now, time.time()
            elif time.time() - since >= quiet_for:
                break
            time.sleep(0.05)
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(timeout=10)


def route_darknet(ns, ifname, sensor_mac, scanner, darknet, scanner6=None, darknet6=None,
                  gateway="198.18.0.254"):
    """The scanner's side of a darknet: `scanner`/24 on `ifname`, `darknet` routed through a
    gateway whose neighbour entry is the sensor's MAC; the same for IPv6 when given."""
    in_ns(ns, "ip", "addr", "add", f"{scanner}/24", "dev", ifname)
    in_ns(ns, "ip", "neigh", "add", gateway, "lladdr", sensor_mac, "dev", ifname, "nud",
          "permanent")
    in_ns(ns, "ip", "route", "add", darknet, "via", gateway)
    if scanner6:
        in_ns(ns, "ip", "-6", "addr", "add", f"{scanner6}/64", "dev", ifname, "nodad")
        in_ns(ns, "ip", "-6", "neigh", "add", "fe80::1", "lladdr", sensor_mac, "dev", ifname,
              "nud", "permanent")
        in_ns(ns, "ip", "-6", "route", "add", darknet6, "via", "fe80::1", "dev", ifname)
