#!/usr/bin/python3
"""Print a scanscope JSON report for a reader: per port, the top clusters, signatures and
countries, then the campaigns as a short narrative per port with new tools and lead changes.
With --surges, also the hour-level surge alarms.

  scripts/print-report.py REPORT.json [--top N] [--title NAME] [--surges]
"""

import argparse
import json

from campaign_waves import names, story, waves
from conversation_text import campaign_step_phrase, conversation_lines


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
    # Probes other than SYNs (nmap's FIN/NULL/XMAS, ACK scans, UDP...) and known scanners.
    techniques = [t for t in p.get("techniques", []) if t["packets"]]
    if techniques and [t["name"] for t in techniques] != ["syn"]:
        print("    techniques  " + "; ".join(
            f"{t['name']} {share(t['packets'], packets)} ({t['sources']:,})"
            for t in sorted(techniques, key=lambda t: -t["packets"])[:top]))
    known = [a for a in p.get("actors", []) if a["name"] != "none" and a["packets"]]
    if known:
        print("    known       " + "; ".join(
            f"{a['name']} ({a['kind']}) {share(a['packets'], packets)} ({a['sources']:,} sources)"
            for a in sorted(known, key=lambda a: -a["packets"])[:top]))
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


def campaign_phrase(group, leads):
    """"RU from 2018-12-03 20:00 to 2018-12-14 15:00, peak x15, masscan + zmap, 520 sources": one
    campaign, or several that started and ended together (one wave from many countries)."""
    c = group[0]
    text = f"{names(group)} from {hour(c['start'])}"
    text += f" to {hour(c['end'])}" if c["end"] else ", ongoing"
    if any(g["detected_by"] == "trend" for g in group):
        text += " (rising)"
    text += f", peak x{max(g['peak_ratio'] for g in group):.0f}"
    tools = []
    for g in group:
        tools += [name for name, _ in g["top"]["tools"] if name != "none" and name not in tools]
    for g in group:  # what the sources' payloads named, after what their headers named
        tools += [f"{name} (payload)" for name, _ in g["top"].get("payload_tools", [])
                  if f"{name} (payload)" not in tools]
    if tools:
        text += ", " + " + ".join(tools[:3])
    if len(group) == 1:
        text += f", {c['peak_sources']:,} sources in its busiest hour"
    lead = next((l for l in leads if l["to"] in [g["value"] for g in group]), None)
    if lead:
        text += f", leading from {hour(lead['bucket'])}"
    return text


def pivot_phrase(c):
    """"3333 claymore-getstat1 from 2018-01-08 06:00: 2,971 of 3,000 sources also sent
    realtek-upnp-addportmapping to 52869": what else a campaign's sources did (with a source
    store), the two signatures on other ports most of them sent, else the two other ports."""
    p = c.get("pivots")
    if not p or not p["sources"]:
        return None
    # Most sources first; among as many, what does harm before what looks.
    harm = ["exploit", "hijack", "theft", "credential", "download", "malware"]
    signatures = sorted((s for s in p["signatures"] if s["port"] != c["port"]),
                        key=lambda s: (-s["sources"], harm.index(s["category"])
                                       if s.get("category") in harm else len(harm), s["name"]))
    also = [f"{s['sources']:,} of {p['sources']:,} sources also sent {s['name']} to {s['port']}"
            for s in signatures[:2]]
    if not also:
        also = [f"{x['sources']:,} of {p['sources']:,} sources also probed {x['port']}"
                for x in p["ports"][:2]]
    if not also:
        return None
    what = c["value"] or "all sources"
    return f"{c['port']} {what} from {hour(c['start'])}: " + "; ".join(also)


def print_campaigns(report):
    """Per port: the country campaigns in order (or the port's own when no country stands
    out), then tools no rule names, then lead changes of tool and cluster."""
    campaigns = report.get("campaigns", [])
    leads = report.get("lead_changes", [])
    if not campaigns:
        print("\n  campaigns: none")
        return
    print("\n  campaigns (UTC; peak: times the baseline median of the hours before)")
    ports = sorted({(c["port"], c["protocol"]) for c in campaigns}, key=str)
    for port, protocol in ports:
        mine = [c for c in campaigns if c["port"] == port]
        port_leads = [l for l in leads if l["port"] == port]
        country_leads = [l for l in port_leads if l["dimension"] == "country"]
        print(f"    {port}/{protocol}: " + "; ".join(
            campaign_phrase(group, country_leads) for group in waves(story(campaigns, port))))
        for c in mine:
            if c["new_tool"]:
                end = f"to {hour(c['end'])}" if c["end"] else "ongoing"
                print(f"      new tool (no built-in rule): {c['value']} from {hour(c['start'])} "
                      f"{end}, peak x{c['peak_ratio']:.0f}")
        for l in port_leads:
            if l["dimension"] != "country":
                print(f"      {l['dimension']} {l['to']} leads from {hour(l['bucket'])} "
                      f"(was {l['from']})")
        # What else the sources did: the signature campaigns' pivots, else the port's own.
        pivoted = [c for c in mine if c["scope"] == "port_signature"] or \
            [c for c in mine if c["scope"] == "port"]
        for c in pivoted:
            phrase = pivot_phrase(c)
            if phrase:
                print(f"      {phrase}")
            steps = campaign_step_phrase(c)
            if steps:
                what = c["value"] or "all sources"
                print(f"      {c['port']} {what} from {hour(c['start'])}, emulated: {steps}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report")
    parser.add_argument("--top", type=int, default=3, help="entries per list (default 3)")
    parser.add_argument("--title", default="")
    parser.add_argument("--surges", action="store_true",
                        help="also list the surges (hours that stood out against the day before)")
    args = parser.parse_args()
    with open(args.report) as f:
        r = json.load(f)
    title = args.title or r.get("input", "")
    print(f"== {title}: {r['totals']['packets']:,} frames from {r['first_packet_time']} "
          f"to {r['last_packet_time']}")
    for p in r["ports"]:
        if p["packets"]:
            print_port(p, args.top)
    print_campaigns(r)
    for line in conversation_lines(r):
        print(line)
    if args.surges:
        print_surges(r.get("surges", []))


if __name__ == "__main__":
    main()
