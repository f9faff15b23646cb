#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Bulk traffic through the tunnel with iperf3: client -> server for 10 s, then server ->
# client (-R) for 5 s. Every 1-second interval must move data (no stall), the totals must
# be above zero, and the tunnel must still work afterwards.
set -eu
. "$(dirname "$0")/lib.sh"

e2e_init iperf
command -v iperf3 >/dev/null 2>&1 || skip "no iperf3"
e2e_certs ec
e2e_passwd alice alicepw
e2e_conf
e2e_start

step "connect"
oc_tunnel_up a alice alicepw
addr=$TUN_ADDR
stun=$(server_tun_of "$addr")

step "iperf3 server on 10.66.0.1 in the server namespace"
ip netns exec "$SNS" iperf3 -s -B 10.66.0.1 -p 5201 >"$T/iperf-server.log" 2>&1 </dev/null &
e2e_track "$!"
wait_until 5 sh -c "ip netns exec '$SNS' ss -Hltn 'sport = :5201' | grep -q ." ||
	{ e2e_dump "iperf3 server" "$T/iperf-server.log"; fail "iperf3 -s does not listen"; }

# run_iperf NAME SECONDS [ARGS...]: iperf3 client from alice's address; checks the JSON.
run_iperf() {
	local name=$1 secs=$2 rc=0
	shift 2
	ip netns exec "$CNS" timeout -k 2 $((secs + 8)) iperf3 -c 10.66.0.1 -p 5201 -B "$addr" \
		-t "$secs" -i 1 --json "$@" >"$T/iperf-$name.json" 2>"$T/iperf-$name.err" || rc=$?
	if [ "$rc" != 0 ]; then
		# A killed iperf3 still writes its JSON: say which interval stalled.
		why=$("$PY" "$E2E_HELPERS/iperfcheck.py" "$T/iperf-$name.json" 2>&1 >/dev/null || true)
		e2e_dump "iperf3 $name" "$T/iperf-$name.err" 10
		in_server ip -s link show dev "$stun" >"$T/stun.stats" 2>&1 || true
		e2e_dump "server $stun counters (TX dropped: packets the worker did not read)" \
			"$T/stun.stats" 10
		[ "$rc" = 124 ] && why="did not finish in time${why:+; $why}"
		fail "iperf3 $name exited with $rc${why:+: $why}"
	fi
	if ! "$PY" "$E2E_HELPERS/iperfcheck.py" "$T/iperf-$name.json" "$((secs - 1))" \
		>"$T/iperf-$name.sum" 2>"$T/iperf-$name.bad"; then
		fail "iperf3 $name: $(cat "$T/iperf-$name.bad")"
	fi
	note "$name: $(cat "$T/iperf-$name.sum")"
}

step "client -> server, 10 s"
run_iperf up 10
server_alive

step "server -> client (-R), 5 s"
run_iperf down 5 -R
server_alive

step "the tunnel still works"
assert_ping client 10.66.0.1
assert_ping server "$addr"
kill -0 "$(oc_tunnel_pid a)" || fail "openconnect exited"

pass
