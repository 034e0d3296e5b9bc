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


def step_lines(ports, indicators=()):
    """One line per port whose emulated conversations reached a step: "8545/tcp: 412 sources
    asked the node about itself or its accounts, 37 tried to unlock an account, 9 sent a
    transaction to 2 addresses"."""
    lines = []
    for port in ports:
        steps = {s["step"]: s for s in port.get("steps", [])}
        said = [f"{steps[k]['sources']:,} {'source' if steps[k]['sources'] == 1 else 'sources'}"
                f" {words}" if not said_before else f"{steps[k]['sources']:,} {words}"
                for said_before, (k, words) in enumerate(
                    (k, w) for k, w in STEP_WORDS.items() if k in steps)]
        recipients = {i["value"] for i in indicators
                      if i["kind"] == "eth_recipient" and i["port"] == port["port"]}
        if "eth_send" in steps and recipients:
            at = [n for n, (k, _) in enumerate((k, w) for k, w in STEP_WORDS.items()
                                               if k in steps) if k == "eth_send"][0]
            n = len(recipients)
            said[at] += f" to {n} {'address' if n == 1 else 'addresses'}"
        if said:
            lines.append(f"    {port['port']}/{port['protocol']} emulated: " + ", ".join(said))
    return lines


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
