#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Hold N idle TCP connections to the server without ever sending a byte, and keep a status
# file current: "connected=A open=B closed=C failed=D" (open = established and not closed by
# the server). Runs until SIGTERM/SIGINT; used by the e2e idle-connection test.
import argparse
import errno
import os
import select
import signal
import socket
import sys
import time

stop = False


def on_signal(_sig, _frame):
    global stop
    stop = True


def write_status(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text + "\n")
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="198.18.0.1")
    ap.add_argument("--port", type=int, default=443)
    ap.add_argument("-n", type=int, default=300)
    ap.add_argument("--connect-timeout", type=float, default=10.0)
    ap.add_argument("--status", required=True)
    args = ap.parse_args()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    pending = {}
    for _ in range(args.n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        rc = s.connect_ex((args.host, args.port))
        if rc not in (0, errno.EINPROGRESS):
            s.close()
            continue
        pending[s.fileno()] = s

    # Wait for the non-blocking connects to finish.
    established = {}
    failed = args.n - len(pending)
    deadline = time.monotonic() + args.connect_timeout
    poller = select.poll()
    for fd in pending:
        poller.register(fd, select.POLLOUT)
    while pending and time.monotonic() < deadline and not stop:
        for fd, _ev in poller.poll(200):
            s = pending.pop(fd, None)
            if s is None:
                continue
            poller.unregister(fd)
            err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                failed += 1
                s.close()
            else:
                established[fd] = s
    for s in pending.values():
        failed += 1
        s.close()
    connected = len(established)

    # Watch for the server closing them: readable + zero-byte peek (or an error) = closed.
    poller = select.poll()
    for fd in established:
        poller.register(fd, select.POLLIN | select.POLLHUP | select.POLLERR)
    closed = 0
    while True:
        write_status(args.status, "connected=%d open=%d closed=%d failed=%d"
                     % (connected, len(established), closed, failed))
        if stop:
            break
        for fd, _ev in poller.poll(200):
            s = established.get(fd)
            if s is None:
                continue
            try:
                data = s.recv(1, socket.MSG_PEEK)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if data:
                # The server spoke first (it must not on TLS); count it as open and stop
                # watching so the loop does not spin.
                poller.unregister(fd)
                continue
            poller.unregister(fd)
            established.pop(fd).close()
            closed += 1
    for s in established.values():
        s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
