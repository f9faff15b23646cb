#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# DTLS ClientHello tool for the e2e tests: build a DTLS 1.2 ClientHello whose session id is
# a given App-ID / Session-ID, capture the real client's first DTLS datagrams off an
# interface, and send (replay) a datagram from a chosen local address and port, reporting
# what came back.
#
#   dtls_hello.py build --sid HEX [--suites psk|resume|all] OUT
#   dtls_hello.py sniff --dev DEV --dst IP --port N [--count N] [--timeout S] OUT
#   dtls_hello.py send FILE --dst IP --port N [--bind ADDR] [--sport N] [--times N]
#                 [--interval S] [--wait S]
#
# build writes the datagram to OUT. sniff (root, AF_PACKET) waits for UDP datagrams to
# DST:PORT on DEV whose first record is a handshake (content type 22), writes the first to
# OUT (the others to OUT.2, OUT.3, ...); it prints "ready" once listening. send prints one
# line: "sent=N from=ADDR:PORT replies=R bytes=B records=TYPE/HS,..." (HS = handshake type
# of handshake records, e.g. 22/2 = ServerHello). Exit 0 on success, 1 on an error.
import argparse
import os
import select
import socket
import struct
import sys
import time

# TLS cipher-suite numbers offered by the forged ClientHello.
SUITES_PSK = [0x00A9, 0x00A8, 0xCCAB]  # PSK-AES256-GCM-SHA384, PSK-AES128-GCM, PSK-CHACHA20
SUITES_RESUME = [0x009D, 0x009C, 0xC030, 0xC02F, 0x0035, 0x002F]


def build_hello(sid, suites, seq=0):
    """A DTLS 1.2 ClientHello record (unfragmented) carrying session id SID."""
    if not 0 <= len(sid) <= 32:
        raise ValueError("session id longer than 32 bytes")
    body = struct.pack("!H", 0xFEFD) + os.urandom(32)
    body += bytes([len(sid)]) + sid
    body += b"\x00"  # no cookie
    body += struct.pack("!H", 2 * len(suites)) + b"".join(struct.pack("!H", s) for s in suites)
    body += b"\x01\x00"  # compression: null only
    # One extension: renegotiation_info, empty (what an initial handshake sends).
    ext = struct.pack("!HH", 0xFF01, 1) + b"\x00"
    body += struct.pack("!H", len(ext)) + ext
    n = len(body)
    hs = bytes([1]) + n.to_bytes(3, "big") + struct.pack("!H", 0)
    hs += (0).to_bytes(3, "big") + n.to_bytes(3, "big") + body
    rec = bytes([22]) + struct.pack("!HH", 0xFEFF, 0) + seq.to_bytes(6, "big")
    return rec + struct.pack("!H", len(hs)) + hs


def describe(dgram):
    """Record list of a datagram: 'type' or 'type/handshake-type' per record."""
    out = []
    off = 0
    while off + 13 <= len(dgram):
        ctype = dgram[off]
        (length,) = struct.unpack("!H", dgram[off + 11:off + 13])
        rec = dgram[off + 13:off + 13 + length]
        if ctype == 22 and len(rec) >= 1 and dgram[off + 3:off + 5] == b"\x00\x00":
            out.append(f"{ctype}/{rec[0]}")
        else:
            out.append(str(ctype))
        off += 13 + length
    return ",".join(out) or "-"


def cmd_build(a):
    sid = bytes.fromhex(a.sid)
    suites = {"psk": SUITES_PSK, "resume": SUITES_RESUME,
              "all": SUITES_PSK + SUITES_RESUME}[a.suites]
    with open(a.out, "wb") as f:
        f.write(build_hello(sid, suites))
    return 0


def cmd_sniff(a):
    eth_p_all, eth_p_ip = 0x0003, 0x0800
    # ETH_P_ALL: a socket bound to ETH_P_IP would not see the host's own outgoing packets.
    s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(eth_p_all))
    s.bind((a.dev, eth_p_all))
    dst = socket.inet_aton(a.dst)
    print("ready", flush=True)
    got = 0
    deadline = time.monotonic() + a.timeout
    while got < a.count:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        r, _, _ = select.select([s], [], [], left)
        if not r:
            continue
        pkt, addr = s.recvfrom(65535)
        # IPv4 UDP to DST:PORT, seen leaving or arriving (whichever end DEV is).
        if addr[1] != eth_p_ip or len(pkt) < 20:
            continue
        ihl = (pkt[0] & 0x0F) * 4
        if pkt[0] >> 4 != 4 or pkt[9] != 17 or pkt[16:20] != dst or len(pkt) < ihl + 8:
            continue
        (dport,) = struct.unpack("!H", pkt[ihl + 2:ihl + 4])
        payload = pkt[ihl + 8:]
        if dport != a.port or len(payload) < 14 or payload[0] != 22:
            continue
        got += 1
        name = a.out if got == 1 else f"{a.out}.{got}"
        with open(name + ".tmp", "wb") as f:
            f.write(payload)
        os.replace(name + ".tmp", name)
    return 0 if got else 1


def cmd_send(a):
    with open(a.file, "rb") as f:
        dgram = f.read()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((a.bind, a.sport))
    s.connect((a.dst, a.port))
    src = "%s:%d" % s.getsockname()
    replies = []
    for i in range(a.times):
        s.send(dgram)
        if i + 1 < a.times:
            time.sleep(a.interval)
    deadline = time.monotonic() + a.wait
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        r, _, _ = select.select([s], [], [], left)
        if not r:
            continue
        try:
            replies.append(s.recv(65535))
        except ConnectionRefusedError:
            replies.append(b"")
    nbytes = sum(len(r) for r in replies)
    recs = ";".join(describe(r) for r in replies[:4]) or "-"
    print(f"sent={a.times} from={src} replies={len(replies)} bytes={nbytes} records={recs}")
    return 0


def main():
    p = argparse.ArgumentParser(description="DTLS ClientHello build/sniff/replay")
    sub = p.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("--sid", required=True)
    b.add_argument("--suites", choices=["psk", "resume", "all"], default="all")
    b.add_argument("out")
    n = sub.add_parser("sniff")
    n.add_argument("--dev", required=True)
    n.add_argument("--dst", required=True)
    n.add_argument("--port", type=int, required=True)
    n.add_argument("--count", type=int, default=1)
    n.add_argument("--timeout", type=float, default=30)
    n.add_argument("out")
    s = sub.add_parser("send")
    s.add_argument("file")
    s.add_argument("--dst", required=True)
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--bind", default="0.0.0.0")
    s.add_argument("--sport", type=int, default=0)
    s.add_argument("--times", type=int, default=1)
    s.add_argument("--interval", type=float, default=0.2)
    s.add_argument("--wait", type=float, default=1.0)
    a = p.parse_args()
    try:
        return {"build": cmd_build, "sniff": cmd_sniff, "send": cmd_send}[a.cmd](a)
    except (OSError, ValueError) as e:
        print(f"dtls_hello.py: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
