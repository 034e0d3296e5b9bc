#!/usr/bin/python3
"""A TCP client written segment by segment, for the responder's edge cases that no ordinary
client produces on purpose: a FIN before any data, a FIN again after the responder's FIN, data
after the responder's FIN; with `lost-answer` (an emulated port, --emulate), a request sent
again as a client does whose answer was lost on the way. Run inside the scanner's namespace; it
sends and reads raw frames on one link, from an address no interface there holds (so that
namespace's kernel neither answers the responder's segments nor resets them).

usage: tcp_client_edges.py IFNAME OUR_MAC SENSOR_MAC OUR_ADDRESS DARKNET_ADDRESS PORT [lost-answer]

Prints one JSON object: for each case, the flags and numbers of the responder's answers (and
the data they carried, for lost-answer).
"""

import json
import socket
import struct
import sys
import time

sys.path.insert(0, __import__("os").path.dirname(__file__))
from ip_frames import checksum  # noqa: E402

SYN, FIN, RST, PSH, ACK = 0x02, 0x01, 0x04, 0x08, 0x10


class client:
    def __init__(self, ifname, our_mac, sensor_mac, ours, theirs, port):
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
        self.sock.bind((ifname, 0x0800))
        self.ether = bytes.fromhex(sensor_mac.replace(":", "")) + \
            bytes.fromhex(our_mac.replace(":", "")) + b"\x08\x00"
        self.ours, self.theirs, self.port = socket.inet_aton(ours), socket.inet_aton(theirs), port

    def send(self, sport, seq, ack, flags, payload=b""):
        tcp = struct.pack("!HHIIBBHHH", sport, self.port, seq, ack, 5 << 4, flags, 64240, 0, 0)
        tcp += payload
        pseudo = self.ours + self.theirs + struct.pack("!BBH", 0, 6, len(tcp))
        tcp = tcp[:16] + struct.pack("!H", checksum(pseudo + tcp)) + tcp[18:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0x4000, 64, 6, 0,
                         self.ours, self.theirs)
        ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
        self.sock.send(self.ether + ip + tcp)

    def answer(self, sport, seconds=3):
        """The responder's next segment to (our address, sport): (flags, seq, ack), or None."""
        deadline = time.time() + seconds
        while time.time() < deadline:
            self.sock.settimeout(max(0.01, deadline - time.time()))
            try:
                frame = self.sock.recv(2048)
            except socket.timeout:
                return None
            ip = frame[14:]
            if len(ip) < 40 or ip[9] != 6 or ip[12:16] != self.theirs or ip[16:20] != self.ours:
                continue
            tcp = ip[(ip[0] & 15) * 4:]
            dport = struct.unpack("!H", tcp[2:4])[0]
            if dport != sport:
                continue
            seq, ack = struct.unpack("!II", tcp[4:12])
            total = struct.unpack("!H", ip[2:4])[0]
            data = ip[(ip[0] & 15) * 4 + (tcp[12] >> 4) * 4:total]
            return {"flags": tcp[13], "seq": seq, "ack": ack, "data": data.decode("latin-1")}
        return None

    def handshake(self, sport, isn):
        """SYN, the SYN-ACK, our ACK: the responder's first sequence number after its SYN."""
        self.send(sport, isn, 0, SYN)
        synack = self.answer(sport)
        if synack is None or synack["flags"] & (SYN | ACK) != SYN | ACK:
            return None
        self.send(sport, isn + 1, synack["seq"] + 1, ACK)
        return synack["seq"] + 1


def lost_answer(c):
    """A JSON-RPC call on a kept-alive connection, its answer taken as lost: the same segment
    again, acknowledging only the SYN-ACK (as a client's retransmission timer sends it)."""
    sport, isn = 41003, 12000
    theirs_next = c.handshake(sport, isn)
    body = b'{"jsonrpc":"2.0","method":"eth_blockNumber","params":[],"id":7}'
    request = (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    out = {}
    if theirs_next is not None:
        c.send(sport, isn + 1, theirs_next, PSH | ACK, request)
        out["answer"] = c.answer(sport)
        time.sleep(1.2)  # past a second: an answer made anew would carry another Date
        c.send(sport, isn + 1, theirs_next, PSH | ACK, request)
        out["again"] = c.answer(sport)
        taken = len((out["answer"] or {}).get("data", ""))
        c.send(sport, isn + 1 + len(request), theirs_next + taken, FIN | ACK)
        out["closing"] = c.answer(sport)
    return out


def main():
    ifname, our_mac, sensor_mac, ours, theirs, port = sys.argv[1:7]
    c = client(ifname, our_mac, sensor_mac, ours, theirs, int(port))
    if sys.argv[7:] == ["lost-answer"]:
        print(json.dumps(lost_answer(c)))
        return
    out = {}
    # A FIN before any data, then the same FIN again after the responder's FIN.
    sport, isn = 41001, 5000
    theirs_next = c.handshake(sport, isn)
    if theirs_next is not None:
        c.send(sport, isn + 1, theirs_next, FIN | ACK)
        out["fin_before_data"] = c.answer(sport)
        c.send(sport, isn + 1, theirs_next + 1, FIN | ACK)
        out["fin_after_our_fin"] = c.answer(sport)
    # Data, then more data after the responder's FIN.
    sport, isn = 41002, 9000
    theirs_next = c.handshake(sport, isn)
    request = b'{"jsonrpc":"2.0","method":"eth_accounts","params":[],"id":1}'
    if theirs_next is not None:
        c.send(sport, isn + 1, theirs_next, PSH | ACK, request)
        out["data"] = c.answer(sport)
        out["data_sent_to"] = isn + 1 + len(request)
        c.send(sport, isn + 1 + len(request), theirs_next + 1, PSH | ACK, b"more")
        out["data_after_our_fin"] = c.answer(sport)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
