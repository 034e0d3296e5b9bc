"""A throw-away ClickHouse server on 127.0.0.1 for the tests and the fleet demo.

Debian's clickhouse-server runs from a configuration written into a temporary folder (data,
logs and ports of its own), is reached over its HTTP interface, and is stopped by its PID.
Optionally the servers of a run know each other as the cluster `scanscope` (one shard each),
which the Distributed tables of config/clickhouse/distributed.sql read through.
"""

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

SERVER = "/usr/sbin/clickhouse-server"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cluster_xml(shards):
    parts = []
    for tcp_port in shards:
        parts.append(
            "<shard><replica><host>127.0.0.1</host><port>%d</port></replica></shard>" % tcp_port)
    return "<remote_servers><scanscope>%s</scanscope></remote_servers>" % "".join(parts)


class Server:
    """One server; `start()` returns once it answers /ping."""

    def __init__(self, folder, shards_tcp_ports=None, http_port=None, tcp_port=None):
        self.folder = folder
        self.http_port = http_port or free_port()
        self.tcp_port = tcp_port or free_port()
        # Ports picked here may be taken by another process before the server binds them;
        # those (not the caller's) are picked again.
        self.own_ports = http_port is None and tcp_port is None
        self.shards = shards_tcp_ports
        self.process = None

    @property
    def url(self):
        return "http://127.0.0.1:%d/" % self.http_port

    def _write_config(self):
        os.makedirs(os.path.join(self.folder, "data"), exist_ok=True)
        os.makedirs(os.path.join(self.folder, "log"), exist_ok=True)
        cluster = _cluster_xml(self.shards) if self.shards else ""
        config = f"""<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level>
    <log>{self.folder}/log/server.log</log><errorlog>{self.folder}/log/server.err.log</errorlog>
  </logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>{self.http_port}</http_port>
  <tcp_port>{self.tcp_port}</tcp_port>
  <interserver_http_port>{free_port()}</interserver_http_port>
  <path>{self.folder}/data/</path>
  <tmp_path>{self.folder}/data/tmp/</tmp_path>
  <user_files_path>{self.folder}/data/user_files/</user_files_path>
  <format_schema_path>{self.folder}/data/format_schemas/</format_schema_path>
  <users_config>{self.folder}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>268435456</mark_cache_size>
  <max_concurrent_queries>32</max_concurrent_queries>
  {cluster}
</yandex>
"""
        users = """<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>2000000000</max_memory_usage></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip></networks>
    <profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors>
    <result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time>
  </interval></default></quotas>
</yandex>
"""
        with open(os.path.join(self.folder, "config.xml"), "w") as f:
            f.write(config)
        with open(os.path.join(self.folder, "users.xml"), "w") as f:
            f.write(users)

    def _log_tail(self):
        """The last lines the server wrote, for an error message."""
        lines = []
        for name in ("server.err.log", "stdout.log"):
            try:
                with open(os.path.join(self.folder, "log", name), errors="replace") as f:
                    lines += f.read().splitlines()[-5:]
            except OSError:
                pass
        return "\n".join(lines)

    def start(self, timeout=60, tries=3):
        for attempt in range(1, tries + 1):
            try:
                return self._start_once(timeout)
            except RuntimeError as e:
                taken = "Address already in use" in str(e)
                if not (taken and self.own_ports and attempt < tries):
                    raise
                self.http_port, self.tcp_port = free_port(), free_port()
        raise AssertionError("unreachable")

    def _start_once(self, timeout):
        self._write_config()
        log = open(os.path.join(self.folder, "log", "stdout.log"), "ab")
        self.process = subprocess.Popen(
            [SERVER, "--config-file=" + os.path.join(self.folder, "config.xml")],
            stdout=log, stderr=subprocess.STDOUT, cwd=self.folder)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("clickhouse-server exited with %d (its log in %s/log):\n%s" %
                                   (self.process.returncode, self.folder, self._log_tail()))
            try:
                with urllib.request.urlopen(self.url + "ping", timeout=2) as r:
                    if r.read().strip() == b"Ok.":
                        return self
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.2)
        # A server that never answered is still running: stop it, by its PID, before saying so.
        self.stop()
        raise RuntimeError("clickhouse-server did not answer on %s within %d s:\n%s" %
                           (self.url, timeout, self._log_tail()))

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None

    def query(self, sql, database=None):
        """Run one statement; returns the body (TabSeparated) or raises with the server's text."""
        url = self.url
        if database:
            url += "?" + urllib.parse.urlencode({"database": database})
        request = urllib.request.Request(url, data=sql.encode(), method="POST")
        try:
            with urllib.request.urlopen(request, timeout=60) as r:
                return r.read().decode()
        except urllib.error.HTTPError as e:
            raise RuntimeError("ClickHouse refused %r: %s" % (sql[:200], e.read().decode()))

    def run_file(self, path, database=None):
        """Run every statement of a .sql file (statements end with ';', comments start '--')."""
        for statement in split_sql(open(path).read()):
            self.query(statement, database)


def split_sql(text):
    lines = [l for l in text.splitlines() if not l.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
