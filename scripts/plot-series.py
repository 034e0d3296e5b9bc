#!/usr/bin/python3
"""Draw scanscope's hourly series as the seed reports draw them.

For each watched port with traffic: distinct sources per hour as stacked bars, by source country
(top countries, the rest as "other") and by cluster, with each campaign scanscope found shaded
from its start to its end and the lead changes marked. Reads the series files (`--series-dir`,
CSV) and the campaigns of the JSON report (`--json-out`); writes one PNG per port.

  scripts/plot-series.py --series DIR --report REPORT.json --out FIGURES_DIR [--title NAME]
"""

import argparse
import csv
import datetime as dt
import glob
import json
import os
import sys
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402

from campaign_waves import names, story, waves  # noqa: E402

TOP_COUNTRIES = 6


def parse_time(text):
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.timezone.utc)


def read_series(directory):
    """sources[port][kind][(hour, value)] from the CSV files; kind is country or cluster."""
    files = sorted(glob.glob(os.path.join(directory, "*.csv")))
    if not files:
        sys.exit(f"plot-series: no series files (*.csv) in {directory}")
    sources = defaultdict(lambda: {"country": defaultdict(int), "cluster": defaultdict(int)})
    for path in files:
        with open(path, newline="") as f:
            for row in csv.DictReader(f):
                port = f"{row['port']}/{row['protocol']}"
                hour = parse_time(row["start"])
                if row["kind"] == "port":
                    sources[port]["country"][(hour, row["country"])] += int(row["sources"])
                elif row["kind"] == "cluster":
                    # A source has one country: summing a cluster over countries stays exact.
                    sources[port]["cluster"][(hour, row["value"])] += int(row["sources"])
    return sources


def stacked(ax, counts, keep, title, colors):
    hours = sorted({h for h, _ in counts})
    if not hours:
        return
    # Every hour from the first to the last, so quiet hours draw as zero, not as a ramp.
    span = [hours[0] + dt.timedelta(hours=i)
            for i in range(int((hours[-1] - hours[0]).total_seconds() // 3600) + 1)]
    totals = defaultdict(int)
    for (_, name), n in counts.items():
        totals[name] += n
    shown = sorted(totals, key=lambda n: -totals[n])[:keep]
    layers = [(name, [counts.get((h, name), 0) for h in span]) for name in shown]
    rest = defaultdict(int)
    for (h, name), n in counts.items():
        if name not in shown:
            rest[h] += n
    if rest:
        layers.append(("other" if "other" not in shown else "rest", [rest[h] for h in span]))
    edges = span + [span[-1] + dt.timedelta(hours=1)]
    bottom = [0] * len(span)
    for i, (name, values) in enumerate(layers):
        top = [b + v for b, v in zip(bottom, values)]
        # Hourly bars without gaps: a step fill from each hour's start to the next.
        ax.fill_between(edges, bottom + bottom[-1:], top + top[-1:], step="post",
                        label=name, color=colors(i % 10), linewidth=0)
        bottom = top
    ax.set_title(title, fontsize=10, loc="left")
    ax.set_ylabel("sources per hour")
    ax.legend(loc="upper left", fontsize=8, ncol=min(len(layers), 9), frameon=False)
    ax.set_ylim(0, max(bottom) * 1.3 + 1)
    ax.set_xlim(edges[0], edges[-1])


def shade_campaigns(ax, campaigns, port_number, last_hour):
    """Each wave of the port's country campaigns (or the port's own) as a shaded span,
    labelled with its countries and peak ratio."""
    top = ax.get_ylim()[1]
    for i, group in enumerate(waves(story(campaigns, port_number))):
        c = group[0]
        start = parse_time(c["start"])
        end = parse_time(c["end"]) if c["end"] else last_hour + dt.timedelta(hours=1)
        ax.axvspan(start, end, color=plt.get_cmap("Pastel1")(i % 9), alpha=0.35, linewidth=0,
                   zorder=0)
        label = (f"{names(group, 3)} x{max(g['peak_ratio'] for g in group):.0f}" +
                 ("" if c["end"] else " →"))
        ax.annotate(label, xy=(start, top * (0.84 - 0.07 * (i % 3))), fontsize=8, ha="left",
                    va="top")


def mark_leads(ax, leads, port_number, dimension):
    """A dotted line where a new leader of the port's sources took over."""
    for l in leads:
        if l["port"] != port_number or l["dimension"] != dimension:
            continue
        at = parse_time(l["bucket"])
        ax.axvline(at, color="black", linestyle=":", linewidth=0.9)
        ax.annotate(f"{l['to']} leads", xy=(at, ax.get_ylim()[1] * 0.7), fontsize=8,
                    rotation=90, ha="right", va="top")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", required=True, help="scanscope --series-dir folder")
    parser.add_argument("--report", required=True, help="scanscope --json-out report")
    parser.add_argument("--out", required=True, help="folder for the PNG files")
    parser.add_argument("--title", default="", help="title prefix (the scenario)")
    parser.add_argument("--min-sources", type=int, default=20,
                        help="skip ports with fewer distinct source-hours than this")
    args = parser.parse_args()

    with open(args.report) as f:
        report = json.load(f)
    sources = read_series(args.series)
    os.makedirs(args.out, exist_ok=True)
    written = []
    for port, kinds in sorted(sources.items(), key=lambda kv: int(kv[0].split("/")[0])):
        if sum(kinds["country"].values()) < args.min_sources:
            continue
        number = int(port.split("/")[0])
        fig, (top, bottom) = plt.subplots(2, 1, figsize=(14, 7.5), sharex=True)
        name = f"{args.title} " if args.title else ""
        stacked(top, kinds["country"], TOP_COUNTRIES,
                f"{name}{port}: sources per hour by country", plt.get_cmap("tab10"))
        stacked(bottom, kinds["cluster"], 8, f"{port}: sources per hour by cluster (a source counts in each cluster it sent to)",
                plt.get_cmap("Set2"))
        last_hour = max(h for h, _ in kinds["country"])
        campaigns = report.get("campaigns", [])
        leads = report.get("lead_changes", [])
        for ax, dimension in ((top, "country"), (bottom, "cluster")):
            shade_campaigns(ax, campaigns, number, last_hour)
            mark_leads(ax, leads, number, dimension)
        bottom.xaxis.set_major_locator(mdates.DayLocator(interval=2))
        bottom.xaxis.set_major_formatter(mdates.DateFormatter("%m/%d"))
        bottom.set_xlabel("UTC")
        fig.tight_layout()
        path = os.path.join(args.out, f"{args.title or 'scanscope'}-{number}.png")
        fig.savefig(path, dpi=90)
        plt.close(fig)
        written.append(path)
    for path in written:
        print(path)
    if not written:
        sys.exit("plot-series: no port had enough traffic to draw")


if __name__ == "__main__":
    main()
