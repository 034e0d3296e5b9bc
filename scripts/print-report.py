#!/usr/bin/python3
"""Print a scanscope JSON report for a reader: per port, the top clusters, signatures and
countries, then the surges with their hour and ratio.

  scripts/print-report.py REPORT.json [--top N] [--title NAME]
"""

import argparse
import json


def share(part, whole):
    return f"{100 * part / whole:4.1f}%" if whole else "   -"


def hour(text):
    return text[:16].replace("T", " ") if text else "still on"


def print_port(p, top):
    packets = p["packets"]
    print(f"\n  {p['port']}/{p['protocol']} {p.get('name') or ''}: {packets:,} frames")
    print("    clusters    " + "; ".join(
        f"{c['name']} {share(c['packets'], packets)} ({c['sources']:,} sources)"
        for c in sorted(p["clusters"], key=lambda c: -c["packets"])[:top]))
    print("    countries   " + "; ".join(
        f"{c['country']} {share(c['packets'], packets)} ({c['sources']:,})"
        for c in p["countries"][:top]))
    hits = [s for s in p["signatures"] if s["hits"]]
    if hits:
        print("    signatures  " + "; ".join(
            f"{s['name']} ({s['category']}) {s['hits']:,} hits from {s['sources']:,}"
            for s in sorted(hits, key=lambda s: -s["hits"])[:top]))


def print_surges(surges):
    if not surges:
        print("\n  surges: none")
        return
    print("\n  surges (hour UTC, what, first-hour ratio to the median of the hours before, peak)")
    for s in surges:
        what = {"port": "all sources", "port_country": f"country {s.get('country')}",
                "port_cluster": f"cluster {s.get('cluster')}"}[s["scope"]]
        led = ", ".join(f"{k} {v:,}" for k, v in list(s.get("countries", {}).items())[:3])
        print(f"    {hour(s['start'])}  {s['port']:>5}  {what:<28} x{s['ratio']:<7.1f}"
              f" peak x{s['peak_ratio']:<7.1f} until {hour(s['end'])}"
              + (f"  led by {led}" if led and s["scope"] != "port_country" else ""))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report")
    parser.add_argument("--top", type=int, default=3, help="entries per list (default 3)")
    parser.add_argument("--title", default="")
    args = parser.parse_args()
    with open(args.report) as f:
        r = json.load(f)
    title = args.title or r.get("input", "")
    print(f"== {title}: {r['totals']['packets']:,} frames from {r['first_packet_time']} "
          f"to {r['last_packet_time']}")
    for p in r["ports"]:
        if p["packets"]:
            print_port(p, args.top)
    print_surges(r.get("surges", []))


if __name__ == "__main__":
    main()
