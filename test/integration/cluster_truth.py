"""Each hour's packets and sources per (port, cluster) of a generated capture, worked out here
without scanscope's code: the cluster rule file read by its own reader (the format in the
header of config/clusters.conf), every frame's headers read by tcpdump, each source's tool from
the campaign that drew it (the generator's intent, in its truth's `sources` and the scenario
file), and a source's cluster decided once as docs/fingerprints.md ("Source-port behaviour",
"A source's cluster, decided once") describes it: the first packet whose cluster does not wait
on an unknown source-port behaviour decides; a first probe that waits counts provisionally and
its source moves to the decided cluster in the deciding probe's hour if it counted there.

Only TCP captures (what scanscope-gen writes). A rule field this reader does not know fails the
check by name rather than guessing.
"""

import collections
import re
import subprocess

# A tool with a source-port behaviour of its own (docs/fingerprints.md): masscan and nmap send
# their probes from one port, ZMap draws one per probe.
TOOL_BEHAVIOUR = {"masscan": "fixed", "nmap": "fixed", "zmap": "random"}
# scanscope-gen's tool names as scanscope names them.
TOOL_NAMES = {"stack": "none"}
TCPDUMP_FLAGS = {"F": "F", "S": "S", "R": "R", "P": "P", "U": "U", "E": "E", "W": "C", ".": "A"}
OPTION_LETTERS = {"eol": "E", "nop": "N", "mss": "M", "wscale": "W", "sackOK": "S", "sack": "K",
                  "TS": "T"}
NUMERIC = {"window", "ttl", "initial_ttl", "mss", "wscale", "src_port", "dst_port"}


class UnsupportedRule(Exception):
    pass


def read_rules(path):
    """[(name, [(field, op, values)])], the catch-all "other" added when the last rule has
    conditions."""
    rules = []
    with open(path) as f:
        for number, line in enumerate(f, 1):
            words = line.split("#", 1)[0].split()
            if not words:
                continue
            if words[0] != "cluster" or len(words) < 2:
                raise UnsupportedRule(f"{path}:{number}: not 'cluster NAME ...'")
            conditions = []
            for word in words[2:]:
                m = re.match(r"([a-z_]+)(!=|<=|>=|=|<|>)(.+)$", word)
                if not m:
                    raise UnsupportedRule(f"{path}:{number}: condition '{word}'")
                field, op, value = m.groups()
                if field in ("ip_id", "ip_id_rule"):
                    raise UnsupportedRule(f"{path}:{number}: field {field} (not read here)")
                conditions.append((field, op, value.split(",")))
            rules.append((words[1], conditions))
    if not rules or rules[-1][1]:
        rules.append(("other", []))
    return rules


def initial_ttl(ttl):
    return next(t for t in (32, 64, 128, 255) if ttl <= t)


def holds(condition, fields):
    field, op, values = condition
    if field not in fields:
        raise UnsupportedRule(f"field {field}")
    have = fields[field]
    if op in ("<", "<=", ">", ">="):
        if have == "-":
            return False
        limit = int(values[0])
        return {"<": have < limit, "<=": have <= limit, ">": have > limit,
                ">=": have >= limit}[op]
    wanted = [v if field not in NUMERIC or v == "-" else int(v) for v in values]
    return (have in wanted) == (op == "=")


def classify(rules, fields, tool, behaviour):
    """The first rule whose conditions all hold; `sport` is the tool's own behaviour where it has
    one, else the source's."""
    f = dict(fields, tool=tool, sport=TOOL_BEHAVIOUR.get(tool, behaviour))
    return next(name for name, conditions in rules if all(holds(c, f) for c in conditions))


def frames(pcap):
    """(seconds, source, headers) of every TCP frame, in capture order."""
    out = subprocess.run(["tcpdump", "-r", pcap, "-nn", "-v", "-tt", "tcp"],
                         capture_output=True, text=True, check=True).stdout
    ip = None
    for line in out.splitlines():
        m = re.match(r"(\d+)\.\d+ IP \(.*ttl (\d+), id \d+, offset \d+, flags \[([^\]]*)\]", line)
        if m:
            ip = (int(m.group(1)), int(m.group(2)), "DF" in m.group(3))
            continue
        t = re.match(r"\s+(\d+\.\d+\.\d+\.\d+)\.(\d+) > [\d.]+\.(\d+): Flags \[([^\]]*)\]"
                     r"(?:, cksum \S+ \(\w+\))?(?:, seq (\d+)(?::\d+)?)?(?:, ack \d+)?, win (\d+)"
                     r"(?:, options \[([^\]]*)\])?, length (\d+)", line)
        if not t or ip is None:
            continue
        seconds, ttl, df = ip
        ip = None
        src, sport, dport, flags, seq, win, options, length = t.groups()
        letters = "".join(sorted(TCPDUMP_FLAGS.get(c, "?") for c in flags))
        names = [o.split()[0] for o in options.split(",")] if options else []
        mss = next((int(o.split()[1]) for o in (options or "").split(",") if o.startswith("mss ")),
                   "-")
        wscale = next((int(o.split()[1]) for o in (options or "").split(",")
                       if o.startswith("wscale ")), "-")
        yield seconds, src, {
            "window": int(win), "ttl": ttl, "initial_ttl": initial_ttl(ttl), "df": "1" if df else "0",
            "proto": "tcp", "src_port": int(sport), "dst_port": int(dport),
            "flags": letters, "syn": "1" if "S" in letters and "A" not in letters else "0",
            "payload": "1" if int(length) > 0 else "0", "mss": mss, "wscale": wscale,
            "options": "".join(OPTION_LETTERS.get(n, "?") for n in names) or "-",
            "seq": int(seq) if seq is not None else None,
        }


def source_tools(truth, scenario_text):
    """Source address → its tool (scanscope's name), from the campaign that drew it. A campaign
    that borrows sources (sources-from) with another tool would make a source send two tools'
    probes, which this model does not follow: refused."""
    tools = {}
    name = None
    borrows = {}
    for line in scenario_text.splitlines():
        line = line.split("#", 1)[0].strip()
        m = re.match(r"\[campaign (.+)\]$", line)
        if m:
            name = m.group(1).strip()
            tools[name] = "stack"
        elif name and "=" in line:
            key, value = (x.strip() for x in line.split("=", 1))
            if key == "tool":
                tools[name] = value
            elif key == "sources-from":
                borrows[name] = value
    for borrower, lender in borrows.items():
        if tools[borrower] != tools[lender]:
            raise UnsupportedRule(f"campaign {borrower} sends {tools[borrower]} probes from "
                                  f"{lender}'s {tools[lender]} sources")
    return {address: TOOL_NAMES.get(tools[c], tools[c]) for address, c in truth["sources"].items()}


def cluster_series(pcap, rules_path, truth, scenario_text):
    """{(hour start, port): {cluster: [packets, sources]}} for the truth's ports."""
    rules = read_rules(rules_path)
    tests_sport = any(c[0] == "sport" for _, conditions in rules for c in conditions)
    tools = source_tools(truth, scenario_text)
    ports = {p["port"] for p in truth["ports"]}
    packets = collections.defaultdict(collections.Counter)
    members = collections.defaultdict(lambda: collections.defaultdict(set))
    state = {}
    for seconds, src, h in frames(pcap):
        hour = seconds // 3600 * 3600
        s = state.setdefault(src, {"first": None, "behaviour": "unknown", "decided": None,
                                   "provisional": None, "provisional_hour": None})
        probe = h["syn"] == "1"
        if probe:  # the source-port behaviour, told by its probes only
            if s["first"] is None:
                s["first"] = (h["src_port"], h["dst_port"], h["seq"])
            elif s["behaviour"] == "unknown":
                if h["src_port"] != s["first"][0]:
                    s["behaviour"] = "random"
                elif h["dst_port"] != s["first"][1] or h["seq"] != s["first"][2]:
                    s["behaviour"] = "fixed"
        tool = tools[src]
        cluster = decide(rules, tests_sport, s, src, h, tool, probe, hour, members)
        if s["provisional"] is not None and s["decided"] is None:
            s["provisional_hour"] = hour
        if h["dst_port"] in ports:
            packets[(hour, h["dst_port"])][cluster] += 1
            members[(hour, h["dst_port"])][cluster].add(src)
    result = {}
    for key in set(packets) | set(members):
        clusters = set(packets[key]) | set(members[key])
        result[key] = {c: [packets[key][c], len(members[key][c])] for c in clusters
                       if packets[key][c] or members[key][c]}
    return result


def decide(rules, tests_sport, s, src, h, tool, probe, hour, members):
    """The cluster this packet counts in, deciding the source's when it can."""
    if s["decided"] is not None:
        return s["decided"]
    if s["provisional"] is not None and not probe:
        return s["provisional"]
    now = classify(rules, h, tool, s["behaviour"])
    own = TOOL_BEHAVIOUR.get(tool, s["behaviour"])
    waits = tests_sport and own == "unknown" and (
        classify(rules, h, tool, "fixed") != now or classify(rules, h, tool, "random") != now)
    if waits:
        if not probe:
            return now
        if s["provisional"] is None:
            s["provisional"] = now
            s["provisional_port"] = h["dst_port"]
        return s["provisional"]
    if s["provisional"] is not None and s["provisional"] != now and \
            s["provisional_hour"] == hour:
        # The source's count moves in this hour, on its first probe's port; its frames stay.
        key = (hour, s["provisional_port"])
        if src in members[key][s["provisional"]]:
            members[key][s["provisional"]].discard(src)
            members[key][now].add(src)
    s["decided"] = now
    return now
