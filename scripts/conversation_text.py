"""Lines about the conversation part of a scanscope JSON report: two-phase accounting per port
and tool, and the exposure view of a tap (docs/responder.md)."""


def pct(part, whole):
    return f"{100 * part / whole:.0f}%" if whole else "-"


# What a source did to reach each step of an emulated protocol (--emulate), in the order of
# an attack.
STEP_WORDS = {
    "eth_recon": "asked the node about itself or its accounts",
    "eth_unlock": "tried to unlock an account",
    "eth_send": "sent a transaction",
    "eth_miner": "redirected its mining",
    "miner_status": "asked the miner for its status",
    "miner_control": "sent the miner a control command",
    "http_request": "sent a whole HTTP request",
    "adb_connect": "connected to the debug bridge",
    "adb_shell": "ran a shell command",
    "adb_push": "pushed a file",
    "telnet_login": "logged in",
    "telnet_shell": "ran a command",
    "telnet_download": "ran a download",
}


def steps_said(steps, recipients):
    """["412 sources asked the node about itself or its accounts", "37 tried to unlock an
    account", "9 sent a transaction to 2 addresses"]: `steps` maps a step's name to its
    distinct sources, in the order of an attack; `recipients` the eth_recipient values."""
    said = []
    for key, words in STEP_WORDS.items():
        if key not in steps:
            continue
        n = steps[key]
        phrase = f"{n:,} {'source' if n == 1 else 'sources'} {words}" if not said else \
            f"{n:,} {words}"
        if key == "eth_send" and recipients:
            k = len(recipients)
            phrase += f" to {k} {'address' if k == 1 else 'addresses'}"
        said.append(phrase)
    return said


def step_lines(ports, indicators=()):
    """One line per port whose emulated conversations reached a step: "8545/tcp: 412 sources
    asked the node about itself or its accounts, 37 tried to unlock an account, 9 sent a
    transaction to 2 addresses"."""
    lines = []
    for port in ports:
        steps = {s["step"]: s["sources"] for s in port.get("steps", [])}
        recipients = {i["value"] for i in indicators
                      if i["kind"] == "eth_recipient" and i["port"] == port["port"]}
        said = steps_said(steps, recipients)
        if said:
            lines.append(f"    {port['port']}/{port['protocol']} emulated: " + ", ".join(said))
    return lines


def campaign_step_phrase(c):
    """"of its 3,000 sources, on 3333: 3,000 sources asked the miner for its status; on 52869:
    2,971 sent a whole HTTP request": how far a campaign's sources went in the conversations
    (its pivots, with a source store and --emulate), its own port first."""
    p = c.get("pivots") or {}
    steps, indicators = p.get("steps", []), p.get("indicators", [])
    if not steps:
        return None
    ports = sorted({s["port"] for s in steps}, key=lambda port: (port != c["port"], port))
    parts = []
    for port in ports:
        recipients = {i["value"] for i in indicators
                      if i["kind"] == "eth_recipient" and i["port"] == port}
        said = steps_said({s["step"]: s["sources"] for s in steps if s["port"] == port},
                          recipients)
        parts.append(f"on {port}: " + ", ".join(said))
    return f"of its {p['sources']:,} sources, " + "; ".join(parts)


def conversation_lines(report):
    """The lines, or [] when the run had no monitored prefixes and read no requests
    (--emulate)."""
    c = report.get("conversation")
    if not c:
        return []
    if not c.get("monitored"):
        # Requests read as they passed (a capture, --emulate): the steps alone.
        steps = step_lines(c.get("ports", []), c.get("indicators", []))
        return ["\n  requests read as they passed:"] + steps if steps else []
    d = c["direction"]
    lines = [f"\n  direction: {d['inbound']['packets']:,} frames in, "
             f"{d['outbound']['packets']:,} out, {d['transit']['packets']:,} passing by, "
             f"{d.get('reply', {}).get('packets', 0):,} replies to the hosts' own connections"]
    n = c["counters"]
    if c.get("responding"):
        withheld = n["responder_withheld_rate"] + n["responder_withheld_source"]
        lines.append(f"  responder: {n['responder_synacks_sent']:,} SYN-ACKs sent, "
                     f"{withheld:,} withheld by the caps, "
                     f"{n['responder_refused_special_source']:,} SYNs from special-purpose "
                     f"sources not answered; {n['responder_handshakes']:,} handshakes, "
                     f"{n['responder_payload_segments']:,} payloads")
        for port in c["ports"]:
            for t in port["tools"]:
                if not (t["syns"]["sources"] or t["handshakes"]["sources"]):
                    continue
                lines.append(
                    f"    {port['port']}/{port['protocol']} {t['tool']:8} "
                    f"{t['syns']['sources']:,} SYN sources, "
                    f"{t['handshakes']['sources']:,} completed a handshake, "
                    f"{pct(t['payloads']['sources'], t['handshakes']['sources'])} of them sent "
                    f"a payload; {t['two_phase']['sources']:,} came back as two-phase scanners")
        lines += step_lines(c["ports"], c.get("indicators", []))
    exposure = c.get("exposure", [])
    if exposure:
        lines.append("  exposure (monitored hosts that answered scanners):")
        for e in sorted(exposure, key=lambda e: -e["sources"]):
            asked = f", asked for {', '.join(e['signatures'])}" if e["signatures"] else ""
            lines.append(f"    {e['host']}:{e['port']} answered {e['sources']:,} sources "
                         f"({', '.join(e['tools']) or '-'}; {', '.join(e['countries']) or '-'}) "
                         f"from {e['first_seen']} to {e['last_seen']}{asked}")
    return lines
