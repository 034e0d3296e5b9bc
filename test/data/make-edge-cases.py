#!/usr/bin/python3
"""Write edge-cases.pcap and edge-cases.expected.json: frames that exercise every header the
parser reads (VLAN, QinQ, IPv4 options and fragments, IPv6 extension chains and fragments,
ICMP, ICMPv6, ARP) and every malformed shape it must count, with the counts each group adds.

Needs Debian's python3-scapy. Run from any directory; it writes next to itself.
"""
import json
import os
import struct

from scapy.all import (ARP, ICMP, IP, TCP, UDP, Dot1AD, Dot1Q, Ether, ICMPv6EchoRequest, IPv6,
                       IPv6ExtHdrDestOpt, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop, IPOption_RR,
                       fragment, fragment6, raw)

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = "198.51.100.7"
DST = "203.0.113.9"
SRC6 = "2001:db8::7"
DST6 = "2001:db8::9"
ETH = dict(src="02:00:00:00:00:07", dst="02:00:00:00:00:09")

frames = []  # (bytes, wire length)
expected = {"packets": 0, "bytes": 0, "parse": {}, "ports": {}, "protocols": {}}


def add(pkt_bytes, parse, protocol, port=None, count=1):
    """Append `count` copies of a frame and record what each one must be counted as."""
    for _ in range(count):
        frames.append(pkt_bytes)
        expected["packets"] += 1
        expected["bytes"] += len(pkt_bytes)
        expected["parse"][parse] = expected["parse"].get(parse, 0) + 1
        expected["protocols"][protocol] = expected["protocols"].get(protocol, 0) + 1
        if port:
            expected["ports"][port] = expected["ports"].get(port, 0) + 1


def eth(payload, ethertype=None):
    return Ether(**ETH) / payload


# Normal traffic through every header kind.
add(raw(Ether(**ETH) / Dot1Q(vlan=100) / IP(src=SRC, dst=DST) / TCP(dport=8545, flags="S")),
    "ok", "tcp", "8545/tcp", count=5)
add(raw(Ether(**ETH) / Dot1AD(vlan=20) / Dot1Q(vlan=30) / IP(src=SRC, dst=DST) /
        UDP(sport=5353, dport=53) / b"\x12\x34\x01\x00"), "ok", "udp", "53/udp", count=3)
add(raw(eth(IPv6(src=SRC6, dst=DST6) / IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt() /
            TCP(dport=5555, flags="S"))), "ok", "tcp", "5555/tcp", count=4)
add(raw(eth(IP(src=SRC, dst=DST, options=[IPOption_RR()]) / TCP(dport=23, flags="S"))),
    "ok", "tcp", "23/tcp", count=2)
add(raw(eth(IP(src=SRC, dst=DST) / ICMP())), "ok", "icmp", count=3)
add(raw(eth(IPv6(src=SRC6, dst=DST6) / ICMPv6EchoRequest())), "ok", "icmpv6", count=2)
add(raw(Ether(**ETH) / ARP(psrc=SRC, pdst=DST)), "non_ip", "non_ip", count=2)

# Fragments: the first carries the ports, the later ones are counted as fragments.
for _ in range(2):
    frags = fragment(IP(src=SRC, dst=DST) / UDP(dport=123) / (b"N" * 40), fragsize=16)
    assert len(frags) == 3
    add(raw(eth(frags[0])), "ok", "udp", "123/udp")
    for f in frags[1:]:
        add(raw(eth(f)), "ipv4_later_fragment", "udp")
frags6 = fragment6(IPv6(src=SRC6, dst=DST6) / IPv6ExtHdrFragment() / UDP(dport=53) /
                   (b"Q" * 1400), 1000)
assert len(frags6) == 2
add(raw(eth(frags6[0])), "ok", "udp", "53/udp")
add(raw(eth(frags6[1])), "ipv6_later_fragment", "udp")

# Malformed and truncated frames, one shape each.
syn = IP(src=SRC, dst=DST) / TCP(dport=8545, flags="S")
good = bytearray(raw(eth(syn)))
add(bytes(good[:10]), "truncated_ethernet", "non_ip")
b = bytearray(good); b[14] = 0x55
add(bytes(b), "bad_ipv4_version", "other_ip")
b = bytearray(good); b[14] = 0x43
add(bytes(b), "bad_ipv4_header_length", "other_ip")
b = bytearray(good); b[16:18] = (2000).to_bytes(2, "big")
add(bytes(b), "bad_ipv4_total_length", "other_ip")
add(raw(eth(IP(src=SRC, dst=DST) / TCP(dport=8545, flags="S", dataofs=3))),
    "bad_tcp_data_offset", "tcp", "8545/tcp")
add(raw(eth(IP(src=SRC, dst=DST) / TCP(dport=8545, flags="S", options=[(2, b"\x05")]))),
    "bad_tcp_option", "tcp", "8545/tcp")
add(raw(eth(IP(src=SRC, dst=DST) / UDP(dport=53, len=3))), "bad_udp_length", "udp", "53/udp")
# An IP datagram that really holds only 10 bytes of TCP header.
add(raw(eth(IP(src=SRC, dst=DST, proto=6) / raw(TCP(dport=3333))[:10])), "truncated_tcp",
    "tcp", "3333/tcp")
add(raw(eth(IP(src=SRC, dst=DST, proto=1) / b"\x08\x00")), "truncated_icmp", "icmp")
add(raw(Ether(**ETH) / Dot1AD(vlan=1) / Dot1Q(vlan=2) / Dot1Q(vlan=3) / syn),
    "too_many_vlan_tags", "non_ip")
chain = IPv6(src=SRC6, dst=DST6)
for _ in range(9):
    chain = chain / IPv6ExtHdrDestOpt()
add(raw(eth(chain / TCP(dport=80))), "too_many_ipv6_extensions", "other_ip")
b = bytearray(raw(eth(IPv6(src=SRC6, dst=DST6) / TCP(dport=80))))
b[18:20] = (900).to_bytes(2, "big")
add(bytes(b), "bad_ipv6_payload_length", "other_ip")

# Classic pcap, microsecond timestamps, Ethernet; the frame bytes written exactly as built.
with open(os.path.join(HERE, "edge-cases.pcap"), "wb") as w:
    w.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    for i, f in enumerate(frames):
        # 2018-02-03 00:00:00 UTC onwards, one frame a second.
        w.write(struct.pack("<IIII", 1517616000 + i, 0, len(f), len(f)))
        w.write(f)
with open(os.path.join(HERE, "edge-cases.expected.json"), "w") as out:
    json.dump(expected, out, indent=2, sort_keys=True)
    out.write("\n")
print(f"edge-cases.pcap: {expected['packets']} frames")
