#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# A scripted hostile client for the e2e tests: connect over TCP (optionally TLS), send chosen
# bytes, and report what came back and whether the server closed the connection.
#
# The received bytes go to stdout (or --out FILE). The result goes to stderr as one line.
# Exit status: 0 the server closed the connection (EOF, reset or TLS alert) within --timeout;
# 2 the connection was still open at --timeout; 3 connect failed; 4 the TLS handshake
# failed (the server closed or refused it).
import argparse
import os
import random
import select
import socket
import ssl
import sys
import time


def unescape(text):
    """Turn \\r, \\n, \\t, \\xHH and \\\\ in a command-line string into bytes."""
    return text.encode("latin-1").decode("unicode_escape").encode("latin-1")


def payload(args):
    data = b""
    if args.send is not None:
        data += unescape(args.send)
    if args.send_hex is not None:
        data += bytes.fromhex(args.send_hex)
    if args.send_file is not None:
        with open(args.send_file, "rb") as f:
            data += f.read()
    if args.send_random:
        rnd = random.Random(args.seed)
        # Start with bytes no HTTP request line may hold, so a parser cannot wait for more.
        data += b"\x00\xff\x01\x80" + bytes(rnd.getrandbits(8) for _ in range(args.send_random))
    if args.repeat > 1:
        data *= args.repeat
    return data


def read_until_closed(sock, deadline, maxbytes):
    """Read until EOF/error or the deadline. Returns (bytes, closed, how)."""
    got = bytearray()
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return bytes(got), False, "timeout"
        pending = isinstance(sock, ssl.SSLSocket) and sock.pending()
        if not pending:
            r, _, _ = select.select([sock], [], [], left)
            if not r:
                continue
        try:
            chunk = sock.recv(65536)
        except ssl.SSLWantReadError:
            continue
        except ssl.SSLError as e:
            return bytes(got), True, "tls-error:%s" % e.reason
        except (ConnectionResetError, BrokenPipeError):
            return bytes(got), True, "reset"
        except OSError as e:
            return bytes(got), True, "error:%s" % e.strerror
        if not chunk:
            return bytes(got), True, "eof"
        if len(got) < maxbytes:
            got += chunk[: maxbytes - len(got)]


def send_all(sock, data, chunk):
    """Send data in pieces; a server that closes early is not an error here."""
    try:
        for i in range(0, len(data), chunk):
            sock.sendall(data[i : i + chunk])
    except (ConnectionResetError, BrokenPipeError, ssl.SSLError, OSError) as e:
        return "send stopped: %s" % e
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--host", default="198.18.0.1")
    ap.add_argument("--port", type=int, default=443)
    ap.add_argument("--tls", action="store_true", help="wrap the connection in TLS")
    ap.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for close")
    ap.add_argument("--send", help="string with \\r\\n\\xHH escapes")
    ap.add_argument("--send-hex")
    ap.add_argument("--send-file")
    ap.add_argument("--send-random", type=int, default=0, help="N random bytes")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=1, help="repeat the payload N times")
    ap.add_argument("--chunk", type=int, default=16384)
    ap.add_argument("--close-after-send", action="store_true",
                    help="close right after sending (abrupt client)")
    ap.add_argument("--out", help="write received bytes here instead of stdout")
    ap.add_argument("--max-bytes", type=int, default=1 << 20)
    args = ap.parse_args()

    start = time.monotonic()
    try:
        raw = socket.create_connection((args.host, args.port), timeout=args.timeout)
    except OSError as e:
        print("rawconn: connect failed: %s" % e, file=sys.stderr)
        return 3
    sock = raw
    if args.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        try:
            sock = ctx.wrap_socket(raw, server_hostname=None)
        except (ssl.SSLError, OSError) as e:
            print("rawconn: TLS handshake failed: %s" % e, file=sys.stderr)
            return 4
    sock.settimeout(None)
    sock.setblocking(True)

    note = send_all(sock, payload(args), args.chunk)
    if args.close_after_send:
        sock.close()
        print("rawconn: closed by client", file=sys.stderr)
        return 0

    # select() on an SSLSocket works on the underlying descriptor; pending() covers data
    # already decrypted.
    data, closed, how = read_until_closed(sock, time.monotonic() + args.timeout, args.max_bytes)
    elapsed = time.monotonic() - start
    if args.out:
        with open(args.out, "wb") as f:
            f.write(data)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    state = "closed" if closed else "open"
    print("rawconn: %s (%s) after %.2fs, %d bytes received%s"
          % (state, how, elapsed, len(data), "; " + note if note else ""), file=sys.stderr)
    try:
        sock.close()
    except OSError:
        pass
    return 0 if closed else 2


if __name__ == "__main__":
    sys.exit(main())
