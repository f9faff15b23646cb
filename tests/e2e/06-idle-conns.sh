#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# 300 TCP connections that never send a byte must not keep a real user out: an openconnect
# login made while they are open finishes within 5 s, with the default limits and with
# max-preauth-clients = 100 (then the server drops the oldest idle connections). Also:
# handshake-timeout closes idle connections, and clients that stall after the TLS handshake
# count against max-preauth-clients too.
set -eu
. "$(dirname "$0")/lib.sh"

N=300
e2e_init idle-conns
e2e_certs ec
e2e_passwd alice alicepw

# idle_start: open $N idle connections from the client namespace; waits until they are
# established (or failed) and sets IDLE_PID.
idle_start() {
	rm -f "$T/idle.status"
	ip netns exec "$CNS" "$PY" "$E2E_HELPERS/idleconns.py" --host "$SERVER_IP" \
		--port "$PORT" -n "${N:-300}" --status "$T/idle.status" 2>"$T/idle.err" &
	IDLE_PID=$!
	e2e_track "$IDLE_PID"
	for _ in $(seq 150); do
		[ -s "$T/idle.status" ] && break
		sleep 0.1
	done
	[ -s "$T/idle.status" ] || { cat "$T/idle.err" >&2; fail "idle connections not set up"; }
	note "idle connections: $(cat "$T/idle.status")"
}

idle_field() {
	sed -n "s/.*$1=\([0-9]*\).*/\1/p" "$T/idle.status"
}

# timed_login: openconnect login that must succeed within 5 s.
timed_login() {
	local t0 ms
	t0=$(now_ms)
	oc_auth_ok alice alicepw
	ms=$(($(now_ms) - t0))
	note "login took $ms ms"
	[ "$ms" -lt 5000 ] || fail "login took $ms ms (limit 5000)"
}

# Every idle connection costs ban points for 198.18.0.2 (ban-points-connection), and the
# test must use that address for both, so bans are off here; 09-ban.sh covers them.
step "default limits: $N idle connections, then a login"
e2e_conf 'max-ban-score = 0'
e2e_start
idle_start
connected=$(idle_field connected)
[ "$connected" -ge 250 ] || fail "only $connected of $N idle connections were accepted"
timed_login
server_alive "with $N idle connections"
note "after login: $(cat "$T/idle.status")"
e2e_kill_pid "$IDLE_PID"
e2e_stop || fail "cstpd did not exit cleanly on SIGTERM with idle connections (status $SERVER_EXIT)"
assert_no_server_procs

step "max-preauth-clients = 100: $N idle connections, then a login"
e2e_conf 'max-ban-score = 0' 'max-preauth-clients = 100'
e2e_start
idle_start
timed_login
server_alive "with $N idle connections and max-preauth-clients = 100"
sleep 0.5
open=$(idle_field open)
note "after login: $(cat "$T/idle.status")"
[ "$open" -le 100 ] || fail "$open idle connections still open with max-preauth-clients = 100"

step "SIGTERM with the idle connections still open"
e2e_stop || fail "cstpd did not exit cleanly on SIGTERM with idle connections (status $SERVER_EXIT)"
assert_no_server_procs
e2e_kill_pid "$IDLE_PID"

step "handshake-timeout = 2: idle connections are closed after 2 s"
e2e_conf 'max-ban-score = 0' 'handshake-timeout = 2'
e2e_start
N=20 idle_start
for _ in $(seq 50); do
	[ "$(idle_field open)" = 0 ] && break
	sleep 0.1
done
note "after the timeout: $(cat "$T/idle.status")"
[ "$(idle_field open)" = 0 ] || fail "idle connections still open 5 s after a 2 s handshake-timeout"
e2e_kill_pid "$IDLE_PID"
oc_auth_ok alice alicepw
e2e_stop || fail "cstpd did not exit cleanly on SIGTERM (status $SERVER_EXIT)"

step "max-preauth-clients = 20: 40 clients stalled after TLS, then a login"
e2e_conf 'max-ban-score = 0' 'max-preauth-clients = 20'
e2e_start
for i in $(seq 40); do
	ip netns exec "$CNS" "$PY" "$E2E_HELPERS/rawconn.py" --host "$SERVER_IP" --port "$PORT" \
		--tls --timeout 30 --send 'POST / HTTP/1.1\r\nHost: x\r\n' >/dev/null \
		2>"$T/slow$i.log" &
	e2e_track "$!"
done
sleep 1
timed_login
server_alive "with 40 stalled clients"

pass
