#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Move a known stream of bytes over one TCP connection and report what arrived.

  bulk.py listen ADDR PORT send N   accept one connection, send N bytes, close
  bulk.py listen ADDR PORT recv     accept one connection, read to EOF
  bulk.py connect ADDR PORT BIND send N | recv    the same from the connecting side

ADDR and BIND are of one family: IPv6 when ADDR is an IPv6 literal, else IPv4.
The bytes sent are a fixed pseudo-random stream (the same for every run), so a receiver's
count and SHA-256 can be compared with the sender's. Each side prints one line
"BYTES SHA256" on stdout. A listener prints "listening" on stderr once it listens.
Exit status 0, or 1 on a socket error (the message says which).
"""
import hashlib
import ipaddress
import random
import socket
import sys

CHUNK = 256 * 1024


def stream(n):
    rnd = random.Random(20261122)
    left = n
    while left > 0:
        k = min(CHUNK, left)
        yield rnd.randbytes(k)
        left -= k


def send(sock, n):
    h = hashlib.sha256()
    total = 0
    for block in stream(n):
        sock.sendall(block)
        h.update(block)
        total += len(block)
    sock.shutdown(socket.SHUT_WR)
    # Wait for the peer to close: the bytes are then all delivered.
    while sock.recv(4096):
        pass
    return total, h.hexdigest()


def recv(sock):
    h = hashlib.sha256()
    total = 0
    while True:
        block = sock.recv(CHUNK)
        if not block:
            break
        h.update(block)
        total += len(block)
    return total, h.hexdigest()


def family(addr):
    """AF_INET6 for an IPv6 literal, AF_INET for anything else (as before IPv6)."""
    try:
        if ipaddress.ip_address(addr).version == 6:
            return socket.AF_INET6
    except ValueError:
        pass
    return socket.AF_INET


def run(sock, args):
    if args[0] == "send":
        return send(sock, int(args[1]))
    if args[0] == "recv":
        return recv(sock)
    raise SystemExit("usage: send N | recv")


def main(argv):
    if len(argv) < 5:
        raise SystemExit(__doc__)
    mode, addr, port = argv[1], argv[2], int(argv[3])
    fam = family(addr)
    try:
        if mode == "listen":
            srv = socket.socket(fam, socket.SOCK_STREAM)
            srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            srv.bind((addr, port))
            srv.listen(1)
            print("listening", file=sys.stderr, flush=True)
            conn, _ = srv.accept()
            result = run(conn, argv[4:])
        elif mode == "connect":
            conn = socket.socket(fam, socket.SOCK_STREAM)
            conn.settimeout(60)
            conn.bind((argv[4], 0))
            conn.connect((addr, port))
            result = run(conn, argv[5:])
        else:
            raise SystemExit(__doc__)
        conn.close()
    except OSError as e:
        print(f"bulk.py: {e}", file=sys.stderr)
        return 1
    print(f"{result[0]} {result[1]}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
