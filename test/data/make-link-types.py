#!/usr/bin/python3
"""Write one small capture per link type scanscope reads besides Ethernet, and an Ethernet
capture of TSO-offloaded frames, each with the counts it must give (`X.expected.json`, read by
test/integration/test_pcap_report.py):

- link-raw-ipv4.pcap (LINKTYPE_IPV4, 228) and link-raw-ipv6.pcap (LINKTYPE_IPV6, 229);
- link-ppp.pcap (DLT_PPP, 9): IPv4 and IPv6 with the FF 03 address and control, one IPv4
  frame with them compressed away, and one LCP frame (not IP);
- link-c-hdlc.pcap (DLT_C_HDLC, 104): IPv4 and IPv6 behind the 4-byte Cisco HDLC header;
- link-ppi.pcap (DLT_PPI, 192): Ethernet frames behind an 8-byte PPI header;
- link-tso.pcap (Ethernet): TCP segments whose IPv4 total length is 0, as a capture on a host
  with TCP segmentation offload records them (tshark decodes them as TCP; so must scanscope).

`bytes` is the length of each record on its own link, as the report's docs say. No third-party
module: the headers are written field by field. Run from any directory; it writes next to itself.
"""
import json
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
from ip_frames import checksum  # noqa: E402  (the integration tests' own)
SRC4, DST4 = bytes([198, 51, 100, 7]), bytes([203, 0, 113, 9])
SRC6 = bytes.fromhex("20010db8000000000000000000000007")
DST6 = bytes.fromhex("20010db8000000000000000000000009")


def tcp(dport, payload=b"", flags=0x02, sport=40001):
    return struct.pack("!HHIIBBHHH", sport, dport, 1000, 0, 5 << 4, flags, 1024, 0, 0) + payload


def ipv4(segment, total_length=None):
    length = 20 + len(segment) if total_length is None else total_length
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, length, 54321, 0, 64, 6, 0, SRC4, DST4)
    header = header[:10] + struct.pack("!H", checksum(header)) + header[12:]
    return header + segment


def ipv6(segment):
    return struct.pack("!IHBB16s16s", 6 << 28, len(segment), 6, 64, SRC6, DST6) + segment


def ethernet(packet, ethertype=0x0800):
    return bytes.fromhex("020000000009020000000007") + struct.pack("!H", ethertype) + packet


def write(name, linktype, records, expected):
    """Classic pcap, microsecond timestamps, one record a second from 2018-12-03 20:00 UTC."""
    with open(os.path.join(HERE, name + ".pcap"), "wb") as w:
        w.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype))
        for i, r in enumerate(records):
            w.write(struct.pack("<IIII", 1543867200 + i, 0, len(r), len(r)))
            w.write(r)
    expected["bytes"] = sum(len(r) for r in records)
    expected["packets"] = len(records)
    with open(os.path.join(HERE, name + ".expected.json"), "w") as out:
        json.dump(expected, out, indent=2, sort_keys=True)
        out.write("\n")
    print(f"{name}.pcap: {len(records)} records")


def counts(ipv4_syns=0, ipv6_syns=0, non_ip=0):
    parse = {"ok": ipv4_syns + ipv6_syns}
    protocols = {"tcp": ipv4_syns + ipv6_syns}
    if non_ip:
        parse["non_ip"] = non_ip
        protocols["non_ip"] = non_ip
    return {"parse": parse, "protocols": protocols, "ports": {"8545/tcp": ipv4_syns + ipv6_syns}}


syn4 = ipv4(tcp(8545))
syn6 = ipv6(tcp(8545))
write("link-raw-ipv4", 228, [syn4] * 3, counts(ipv4_syns=3))
write("link-raw-ipv6", 229, [syn6] * 2, counts(ipv6_syns=2))
lcp = b"\xff\x03\xc0\x21" + bytes([1, 1, 0, 4])  # LCP Configure-Request, no options
write("link-ppp", 9,
      [b"\xff\x03\x00\x21" + syn4] * 2 + [b"\x00\x21" + syn4] + [b"\xff\x03\x00\x57" + syn6] +
      [lcp], counts(ipv4_syns=3, ipv6_syns=1, non_ip=1))
write("link-c-hdlc", 104,
      [b"\x0f\x00\x08\x00" + syn4] * 2 + [b"\x0f\x00\x86\xdd" + syn6],
      counts(ipv4_syns=2, ipv6_syns=1))
ppi = struct.pack("<BBHI", 0, 0, 8, 1)  # version 0, no flags, 8 bytes, inner DLT_EN10MB
write("link-ppi", 192, [ppi + ethernet(syn4)] * 2 + [ppi + ethernet(syn6, 0x86DD)],
      counts(ipv4_syns=2, ipv6_syns=1))
# TSO: a 1,000-byte segment with total length 0, and a SYN the same way.
segment = tcp(8545, b"x" * 1000, flags=0x18)
write("link-tso", 1, [ethernet(ipv4(segment, total_length=0)), ethernet(ipv4(tcp(8545), 0))],
      counts(ipv4_syns=2))
