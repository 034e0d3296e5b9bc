"""Campaigns of a scanscope JSON report grouped into waves, for the narrative
(print-report.py) and the figures (plot-series.py)."""

import datetime as dt


def parse(text):
    return dt.datetime.strptime(text[:19], "%Y-%m-%dT%H:%M:%S")


def story(campaigns, port):
    """What a port's story is told with: its country campaigns, or its own when no country
    stood out."""
    mine = [c for c in campaigns if c["port"] == port]
    return [c for c in mine if c["scope"] == "port_country"] or \
        [c for c in mine if c["scope"] == "port"]


def waves(campaigns):
    """Campaigns in start order; those that started within 2 hours of each other and ended
    within 3 hours of each other (or are all still open) form one group: one wave from many
    countries."""
    groups = []
    for c in sorted(campaigns, key=lambda c: c["start"]):
        if groups:
            first = groups[-1][0]
            together = (parse(c["start"]) - parse(first["start"])).total_seconds() <= 7200
            same_end = (c["end"] is None and first["end"] is None) or (
                c["end"] is not None and first["end"] is not None and
                abs((parse(c["end"]) - parse(first["end"])).total_seconds()) <= 10800)
            if together and same_end:
                groups[-1].append(c)
                continue
        groups.append([c])
    return groups


def names(group, most=4):
    """"TR + KR + EG + CO and 3 more"."""
    values = [g["value"] or "all sources" for g in group]
    return " + ".join(values[:most]) + (f" and {len(values) - most} more"
                                        if len(values) > most else "")
