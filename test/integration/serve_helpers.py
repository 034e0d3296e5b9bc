"""Shared by the integration tests: caches for scanscope's start, and queries to a scanscope
serving on 127.0.0.1."""

import os
import socket
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


def free_port():
    """A TCP port on 127.0.0.1 nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
