#!/usr/bin/env python3
"""Listeners that answer just enough for real clients to send what scanners send, so their
requests can be captured: a geth-like JSON-RPC endpoint (8545), a Claymore miner manager (3333),
an adbd that accepts connections and shell commands (5555), and three HTTP endpoints that take
any request (52869 UPnP, 37215 Huawei HG532, 80 a web server). Binds to the address given; for
captures only.

usage: fake_services.py ADDRESS
"""
import json
import socket
import socketserver
import struct
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

ADDRESS = sys.argv[1]

RESULTS = {
    "eth_chainId": "0x1",
    "net_version": "1",
    "eth_blockNumber": "0x6b7e3f",
    "eth_accounts": ["0x407d73d8a49eeb85d32cf465507dd71d507100c1"],
    "eth_getBalance": "0x0234c8a3397aab58",
    "web3_clientVersion": "Geth/v1.8.18-stable/linux-amd64/go1.11.1",
    "personal_unlockAccount": True,
    "eth_sendTransaction": "0x" + "ab" * 32,
    "personal_newAccount": "0x" + "cd" * 20,
    "miner_setEtherbase": True,
    "miner_start": None,
}


class JsonRpc(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        try:
            request = json.loads(body)
        except ValueError:
            request = {}

        def answer(r):
            return {"jsonrpc": "2.0", "id": r.get("id"), "result": RESULTS.get(r.get("method"))}

        reply = [answer(r) for r in request] if isinstance(request, list) else answer(request)
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class AnyHttp(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def handle_any(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0) or 0))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = handle_any

    def log_message(self, *args):
        pass


class Claymore(socketserver.StreamRequestHandler):
    def handle(self):
        for _ in self.rfile:
            self.wfile.write(b'{"id":0,"result":["15.0 - ETH","1","0;0;0","0","0;0;0","0",'
                             b'"0;0","eth.pool:4444","0;0;0;0"],"error":null}\n')


def adb_message(command, arg0, arg1, data=b""):
    cmd = struct.unpack("<I", command)[0]
    return struct.pack("<6I", cmd, arg0, arg1, len(data), sum(data) & 0xFFFFFFFF,
                       cmd ^ 0xFFFFFFFF) + data


class Adbd(socketserver.BaseRequestHandler):
    """ADB device side without authentication: CNXN, then shell services that print one line."""

    def read_exact(self, n):
        data = b""
        while len(data) < n:
            chunk = self.request.recv(n - len(data))
            if not chunk:
                raise EOFError
            data += chunk
        return data

    def handle(self):
        try:
            while True:
                header = self.read_exact(24)
                command, arg0, arg1, length = header[:4], *struct.unpack("<3I", header[4:16])
                payload = self.read_exact(length) if length else b""
                if command == b"CNXN":
                    banner = b"device::ro.product.name=tv;ro.product.model=box;ro.product.device=box;"
                    self.request.sendall(adb_message(b"CNXN", 0x01000000, 4096, banner))
                elif command == b"OPEN":
                    self.request.sendall(adb_message(b"OKAY", 1, arg0))
                    self.request.sendall(adb_message(b"WRTE", 1, arg0, b"ok\n"))
                    self.request.sendall(adb_message(b"CLSE", 1, arg0))
                elif command == b"CLSE":
                    self.request.sendall(adb_message(b"CLSE", 1, arg0))
        except (EOFError, ConnectionError):
            pass


class Threaded(socketserver.ThreadingMixIn, socketserver.TCPServer):
    allow_reuse_address = True
    daemon_threads = True


class ThreadedHttp(socketserver.ThreadingMixIn, HTTPServer):
    allow_reuse_address = True
    daemon_threads = True


def main():
    servers = [ThreadedHttp((ADDRESS, 8545), JsonRpc), Threaded((ADDRESS, 3333), Claymore),
               Threaded((ADDRESS, 5555), Adbd), ThreadedHttp((ADDRESS, 52869), AnyHttp),
               ThreadedHttp((ADDRESS, 37215), AnyHttp), ThreadedHttp((ADDRESS, 80), AnyHttp)]
    for s in servers:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    print("listening", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
