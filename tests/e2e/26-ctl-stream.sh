#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The control socket never blocks main: with 600 sessions, a client that asks for all of
# them and then does not read still leaves main answering `show status` at once, and later
# gets every session and the DONE; malformed requests close only their own connection; at
# most 16 control clients are held, and idle ones are dropped after 10 s.
set -eu
. "$(dirname "$0")/lib.sh"

N=600

# A raw control-socket client (the wire format of common/ipc.h), for what cstpctl cannot
# do: stall, hold connections, send malformed requests.
write_ctlpy() {
	cat >"$T/ctl.py" <<-'EOF'
		import socket, struct, sys, time
		HDR = struct.Struct(">BBHII")
		REQ, SESSION, DONE = 0x0501, 0x0602, 0x0604
		def req(cmd, arg=b"", typ=REQ, version=1, rid=7):
		    body = struct.pack(">IH", cmd, len(arg)) + arg
		    return HDR.pack(version, 0, typ, len(body), rid) + body
		def conn(path):
		    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
		    s.settimeout(20)
		    s.connect(path)
		    return s
		def closed(s, wait):
		    # True when the server closes s within `wait` seconds without a reply.
		    s.settimeout(wait)
		    try:
		        return s.recv(65536) == b""
		    except (ConnectionResetError, BrokenPipeError):
		        return True
		    except socket.timeout:
		        return False
		path, mode = sys.argv[1], sys.argv[2]
		if mode == "stall":
		    # Ask for every session, say so, then read nothing for a while.
		    s = conn(path)
		    s.send(req(2, b"all"))
		    print("asked", flush=True)
		    time.sleep(float(sys.argv[3]))
		    n = 0
		    while True:
		        m = s.recv(65536)
		        v, f, t, l, i = HDR.unpack_from(m)
		        assert v == 1 and f == 0 and i == 7 and l == len(m) - HDR.size, m[:12]
		        if t == DONE:
		            status = struct.unpack_from(">I", m, HDR.size)[0]
		            print("sessions %d done %d" % (n, status))
		            break
		        assert t == SESSION, hex(t)
		        n += 1
		elif mode == "bad":
		    cases = {
		        "garbage": b"\x00garbage",
		        "short": b"\x01\x00\x05",
		        "version": req(1, version=2),
		        "type": req(1, typ=DONE),
		        "length": req(1)[:-1] + b"\x00\x00",
		        "cmd": req(99),
		        "arg-not-allowed": req(1, b"x"),
		        "arg-missing": req(3),
		        "control-char": req(3, b"al\x01ice"),
		    }
		    for name, data in cases.items():
		        s = conn(path)
		        s.send(data)
		        if not closed(s, 5):
		            sys.exit("%s: the server did not close the connection" % name)
		        s.close()
		    print("bad ok")
		elif mode == "hold":
		    # Hold `count` idle connections; the next one must be closed at once; then
		    # wait for the idle timeout to close the held ones.
		    count = int(sys.argv[3])
		    held = [conn(path) for _ in range(count)]
		    time.sleep(0.5)
		    extra = conn(path)
		    if not closed(extra, 3):
		        sys.exit("connection %d was not refused" % (count + 1))
		    print("refused", flush=True)
		    t0 = time.time()
		    for s in held:
		        if not closed(s, 20):
		            sys.exit("an idle connection survived 20 s")
		    print("idle closed after %.1f s" % (time.time() - t0), flush=True)
	EOF
}

e2e_init ctl-stream
[ -x "$CSTPCTL" ] || fail "no cstpctl at $CSTPCTL (set BUILD_DIR)"
e2e_certs ec
e2e_passwd alice alicepw
e2e_conf "max-ban-score = 0" "max-clients = 2000" "max-same-clients = 0"
e2e_start
write_ctlpy
SOCK="$T/cstpd-ctl.sock"

step "$N logins (sessions without a tunnel)"
start=$(now_ms)
# shellcheck disable=SC2016 # expanded by the inner sh
seq 1 "$N" | xargs -P 16 -I{} sh -c 'printf "alicepw\n" | ip netns exec "$1" \
	timeout -k 2 60 openconnect --authenticate --non-inter --servercert "$2" \
	--user alice --passwd-on-stdin "https://$3:$4/" >/dev/null 2>&1 || echo fail' \
	_ "$CNS" "$PIN" "$SERVER_IP" "$PORT" >"$T/logins.out"
note "$N logins in $(($(now_ms) - start)) ms"
[ ! -s "$T/logins.out" ] || fail "$(wc -l <"$T/logins.out") logins failed"
ctl --json show status >"$T/status.json" || fail "cstpctl show status"
assert_eq "$(json_get "$T/status.json" sessions_new)" "$N" "sessions_new"

step "show sessions lists all $N, each once"
ctl --json show sessions >"$T/all.json" || fail "cstpctl show sessions"
"$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
ids = [s["id"] for s in d]
assert len(ids) == int(sys.argv[2]) and len(set(ids)) == len(ids), (len(ids), len(set(ids)))
' "$T/all.json" "$N" || fail "show sessions did not list $N distinct sessions"

step "a client that stops reading does not stall main"
ip netns exec "$SNS" "$PY" "$T/ctl.py" "$SOCK" stall 3 >"$T/stall.out" 2>&1 &
stall=$!
e2e_track "$stall"
wait_until 5 grep -q asked "$T/stall.out" || fail "the stalling client did not start"
sleep 0.5
t0=$(now_ms)
ctl show status >/dev/null || fail "cstpctl show status during a stalled reply"
ms=$(($(now_ms) - t0))
note "show status answered in $ms ms while a reply of $N sessions waits"
[ "$ms" -lt 1500 ] || fail "show status took $ms ms while another client stalls"
oc_auth_ok alice alicepw
wait "$stall" || { cat "$T/stall.out" >&2; fail "the stalled client failed"; }
note "stalled client: $(tail -n1 "$T/stall.out")"
got=$(sed -n 's/^sessions \([0-9]*\) done 0$/\1/p' "$T/stall.out")
[ -n "$got" ] || { cat "$T/stall.out" >&2; fail "the stalled client got no DONE"; }
# The login during the stall may or may not be listed: the walk is live.
if [ "$got" -lt "$N" ] || [ "$got" -gt $((N + 1)) ]; then
	fail "the stalled client got $got sessions, expected $N or $((N + 1))"
fi

step "malformed requests close only their own connection"
ip netns exec "$SNS" "$PY" "$T/ctl.py" "$SOCK" bad >"$T/bad.out" 2>&1 ||
	{ cat "$T/bad.out" >&2; fail "a malformed request was not answered by a close"; }
assert_grep "bad control request|bad request" "$T/server.log" "a logged bad request"
ctl show status >/dev/null || fail "cstpctl after malformed requests"

step "16 idle control clients at most; idle ones are dropped after 10 s"
ip netns exec "$SNS" "$PY" "$T/ctl.py" "$SOCK" hold 16 >"$T/hold.out" 2>&1 &
hold=$!
e2e_track "$hold"
wait_until 10 grep -q refused "$T/hold.out" || { cat "$T/hold.out" >&2; fail "no 17th client refused"; }
rc=0
ctl show status >/dev/null 2>"$T/full.err" || rc=$?
assert_eq "$rc" 1 "cstpctl while 16 clients are held"
wait "$hold" || { cat "$T/hold.out" >&2; fail "the idle clients were not dropped"; }
note "$(tail -n1 "$T/hold.out")"
assert_grep "idle timeout" "$T/server.log" "the idle timeout in the log"
ctl show status >/dev/null || fail "cstpctl after the idle clients were dropped"
server_alive

pass
