#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Bulk traffic over DTLS: iperf3 through the tunnel, client -> server for 5 s, then
# server -> client (-R) for 5 s. Every 1-second interval must move data, the bytes must
# travel in UDP datagrams (the server's UDP counters grow, the TLS connection stays almost
# idle), and DTLS must still be the one connection from the start afterwards.
set -eu
. "$(dirname "$0")/lib.sh"

SECS=5
e2e_init dtls-iperf
command -v iperf3 >/dev/null 2>&1 || skip "no iperf3"
e2e_certs ec
e2e_passwd alice alicepw
e2e_conf "udp-port = $PORT"
e2e_start

step "connect with DTLS"
oc_dtls_up a alice alicepw
addr=$TUN_ADDR
assert_eq "$(oc_dtls_count a)" 1 "established DTLS connections"
assert_pings_over_udp 50

step "iperf3 server on 10.66.0.1 in the server namespace"
ip netns exec "$SNS" iperf3 -s -B 10.66.0.1 -p 5201 >"$T/iperf-server.log" 2>&1 </dev/null &
e2e_track "$!"
wait_until 5 sh -c "ip netns exec '$SNS' ss -Hltn 'sport = :5201' | grep -q ." ||
	{ e2e_dump "iperf3 server" "$T/iperf-server.log"; fail "iperf3 -s does not listen"; }

# run_iperf NAME [ARGS...]: iperf3 from alice's address for $SECS s; checks the JSON and
# that the data went over UDP.
run_iperf() {
	local name=$1 rc=0 ui uo ci ti to bytes
	shift
	ui=$(ns_udp_stat server InDatagrams)
	uo=$(ns_udp_stat server OutDatagrams)
	ci=$(ns_udp_stat client InDatagrams)
	ti=$(server_tcp_bytes "$CLIENT_IP" bytes_received)
	to=$(server_tcp_bytes "$CLIENT_IP" bytes_acked)
	ip netns exec "$CNS" timeout -k 2 $((SECS + 15)) iperf3 -c 10.66.0.1 -p 5201 -B "$addr" \
		-t "$SECS" -i 1 --json "$@" >"$T/iperf-$name.json" 2>"$T/iperf-$name.err" || rc=$?
	if [ "$rc" != 0 ]; then
		e2e_dump "iperf3 $name" "$T/iperf-$name.err"
		e2e_dump "iperf3 $name (json)" "$T/iperf-$name.json" 20
		fail "iperf3 $name exited with $rc"
	fi
	if ! "$PY" "$E2E_HELPERS/iperfcheck.py" "$T/iperf-$name.json" "$((SECS - 1))" \
		>"$T/iperf-$name.sum" 2>"$T/iperf-$name.bad"; then
		fail "iperf3 $name: $(cat "$T/iperf-$name.bad")"
	fi
	ui=$(($(ns_udp_stat server InDatagrams) - ui))
	uo=$(($(ns_udp_stat server OutDatagrams) - uo))
	ci=$(($(ns_udp_stat client InDatagrams) - ci))
	ti=$(($(server_tcp_bytes "$CLIENT_IP" bytes_received) - ti))
	to=$(($(server_tcp_bytes "$CLIENT_IP" bytes_acked) - to))
	bytes=$("$PY" -c 'import json, sys; e = json.load(open(sys.argv[1]))["end"]
print(int(e["sum_received"]["bytes"]))' "$T/iperf-$name.json")
	note "$name: $(cat "$T/iperf-$name.sum"), $bytes bytes"
	note "$name: server UDP datagrams in $ui, out $uo (sends); client in $ci;" \
		"TLS bytes in $ti, out $to"
	# At most 1434 bytes of tunnel packet per datagram: the data needs this many datagrams.
	# Counted where they arrive: the server sends runs of them with UDP segmentation
	# offload, and its OutDatagrams counts each such send once.
	if [ -z "$*" ]; then
		[ "$ui" -ge $((bytes / 1434)) ] || fail "$name: only $ui UDP datagrams for $bytes bytes"
	else
		[ "$ci" -ge $((bytes / 1434)) ] || fail "$name: only $ci UDP datagrams for $bytes bytes"
	fi
	[ "$ti" -lt $((bytes / 100)) ] || fail "$name: $ti bytes came in over TLS"
	[ "$to" -lt $((bytes / 100)) ] || fail "$name: $to bytes went out over TLS"
}

step "client -> server over DTLS, $SECS s"
run_iperf up
server_alive

step "server -> client (-R) over DTLS, $SECS s"
run_iperf down -R
server_alive

step "DTLS is still the first connection; the tunnel works"
assert_eq "$(oc_dtls_count a)" 1 "established DTLS connections"
assert_not_grep 'DTLS Dead Peer' "$(tun_dir a)/oc.log" "no DTLS dead peer"
assert_pings_over_udp 50
assert_ping server "$addr"
oc_tunnel_stop a

pass
