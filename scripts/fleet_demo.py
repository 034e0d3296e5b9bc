"""The body of scripts/fleet-demo (see there)."""

import argparse
import collections
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import clickhouse_local  # noqa: E402
import darknet_slices  # noqa: E402

ROOT = os.path.join(os.path.dirname(__file__), "..")
SCANSCOPE = os.path.join(ROOT, "build", "app", "scanscope", "scanscope")
GEN = os.path.join(ROOT, "build", "app", "scanscope-gen", "scanscope-gen")


def step(text):
    print(f"-- {text}", flush=True)


def table(rows, header):
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    for r in [header] + rows:
        print("  " + "  ".join(str(v).rjust(w) for v, w in zip(r, widths)))


def main():
    parser = argparse.ArgumentParser(description="two sensors, one ClickHouse view")
    parser.add_argument("--scenario", default="ethereum-2018-12")
    parser.add_argument("--port", type=int, default=8545)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    out = os.path.join(os.environ.get("SCANSCOPE_OUT", os.path.join(ROOT, "out")), "fleet-demo")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)

    capture = os.path.join(out, f"{args.scenario}.pcap")
    step(f"scanscope-gen: {args.scenario} as a capture")
    subprocess.run([GEN, os.path.join(ROOT, "config", "scenarios", f"{args.scenario}.scn"),
                    "-o", capture, "-q"], check=True)
    slices = [os.path.join(out, "darknet-a.pcap"), os.path.join(out, "darknet-b.pcap")]
    step("two darknet slices: even and odd last address byte")
    darknet_slices.split(capture, *slices)

    ports = [clickhouse_local.free_port(), clickhouse_local.free_port()]
    shards = [clickhouse_local.Server(os.path.join(out, f"clickhouse-{i}"),
                                      shards_tcp_ports=ports, tcp_port=ports[i])
              for i in range(2)]
    try:
        for i, server in enumerate(shards):
            server.start()
            server.run_file(os.path.join(ROOT, "config", "clickhouse", "schema.sql"))
            server.run_file(os.path.join(ROOT, "config", "clickhouse", "distributed.sql"))
            step(f"ClickHouse shard {i} at {server.url} (pid {server.process.pid})")
        for name, capture_slice, server in zip(("darknet-a", "darknet-b"), slices, shards):
            step(f"sensor {name} -> shard {shards.index(server)}")
            started = time.time()
            log = os.path.join(out, f"{name}.log")
            with open(log, "w") as f:
                done = subprocess.run(
                    [SCANSCOPE, "--pcap", capture_slice, "--quiet", "--http", "none",
                     "--sensor", name, "--clickhouse", server.url + "?database=scanscope",
                     "--clickhouse-flush", "120",
                     "--clickhouse-spool", os.path.join(out, f"spool-{name}")], stderr=f)
            if done.returncode != 0:
                sys.exit(f"sensor {name} failed (exit {done.returncode}); see {log}")
            print(f"   {time.time() - started:.1f} s; campaigns and surges it logged: {log}")
        view = shards[0]
        where = f"port = {args.port} AND protocol = 'tcp'"
        step(f"the merged view of {args.port}/tcp (Distributed tables over both shards)")
        per_sensor = view.query(
            f"SELECT sensor, uniqExact(source) FROM scanscope.sources_all WHERE {where} "
            "GROUP BY sensor ORDER BY sensor")
        both = view.query(f"SELECT uniqExact(source) FROM scanscope.sources_all WHERE {where}")
        for line in per_sensor.splitlines():
            sensor, n = line.split("\t")
            print(f"   distinct sources seen by {sensor}: {n}")
        print(f"   distinct sources over both sensors: {both.strip()} (a source both saw counts once)")
        days = view.query(
            f"SELECT toDate(bucket) AS day, country, uniqExact(source) AS n "
            f"FROM scanscope.sources_all WHERE {where} GROUP BY day, country ORDER BY day")
        by_day = collections.defaultdict(list)
        for line in days.splitlines():
            day, country, n = line.split("\t")
            by_day[day].append((int(n), country))
        rows = [[day, sum(n for n, _ in v),
                 ", ".join(f"{c} {n}" for n, c in sorted(v, reverse=True)[:4])]
                for day, v in sorted(by_day.items())]
        print("   distinct sources per day, top countries:")
        table(rows, ["day", "sources", "countries"])
        clusters = view.query(
            f"SELECT cluster, uniqExact(source), min(bucket), max(bucket) FROM "
            f"scanscope.sources_all ARRAY JOIN clusters AS cluster WHERE {where} "
            "GROUP BY cluster ORDER BY cluster")
        print("   clusters:")
        table([l.split("\t") for l in clusters.splitlines()], ["cluster", "sources", "first", "last"])
        campaigns = view.query(
            f"SELECT sensor, scope, value, started, if(ongoing, 'ongoing', toString(ended)), "
            f"round(peak_ratio, 1) FROM scanscope.campaigns_all FINAL WHERE {where} AND "
            "scope IN ('port', 'port_country') ORDER BY started, sensor")
        print("   campaigns by sensor (port and country scopes):")
        table([l.split("\t") for l in campaigns.splitlines()],
              ["sensor", "scope", "value", "started", "ended", "peak x"])
        for i, server in enumerate(shards):
            for t in ("series", "sources", "campaigns"):
                server.query(f"OPTIMIZE TABLE scanscope.{t} FINAL")  # merge duplicate rows now
            parts = server.query(
                "SELECT table, sum(rows), sum(bytes) FROM system.parts WHERE database = "
                "'scanscope' AND active GROUP BY table ORDER BY table")
            print(f"   shard {i}: " + "; ".join(
                f"{t} {r} rows, {int(b) // 1024} KiB" for t, r, b in
                (l.split("\t") for l in parts.splitlines())))
        if args.keep:
            print(f"servers: {shards[0].url} and {shards[1].url}; "
                  "e.g. clickhouse-client --port", ports[0])
            input("press Enter to stop them ")
    finally:
        for server in shards:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
