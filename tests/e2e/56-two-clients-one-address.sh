#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Two clients behind one address: two openconnect processes (users alice and bob) in the
# client namespace share 198.18.0.2 and differ only by port. Both establish DTLS; each
# worker's UDP socket is connected to the UDP port of ITS OWN openconnect (matched through
# the TLS connection), and both tunnels ping over UDP, at the same time too.
set -eu
. "$(dirname "$0")/lib.sh"

e2e_init two-clients-one-address
e2e_certs ec
e2e_passwd alice alicepw
e2e_passwd bob bobpw
e2e_conf "udp-port = $PORT"
e2e_start

# client_port PID PROTO: the local port of openconnect PID's socket to the server (u|t).
client_port() {
	in_client ss -Hn"$2"p "dst $SERVER_IP and dport = :$PORT" |
		awk -v p="pid=$1," 'index($0, p) { split($(NF - 2), a, ":"); print a[2] }' |
		head -n1
}

# worker_of_tcp PORT: the PID of the worker serving the TLS connection from client PORT.
worker_of_tcp() {
	in_server ss -Htnp state established "( sport = :$PORT and dst $CLIENT_IP:$1 )" |
		grep -oE 'cstpd-worker",pid=[0-9]+' | sed 's/.*pid=//' | head -n1
}

# worker_udp_peer PID: the client end of worker PID's connected UDP socket.
worker_udp_peer() {
	in_server ss -Hunp "sport = :$PORT" |
		awk -v p="pid=$1," 'index($0, p) { print $(NF - 1) }' | head -n1
}

step "alice and bob connect from the same address"
oc_dtls_start a alice alicepw
oc_dtls_start b bob bobpw
oc_tunnel_wait a 30
addr_a=$TUN_ADDR
oc_tunnel_wait b 30
addr_b=$TUN_ADDR
[ "$addr_a" != "$addr_b" ] || fail "both clients got $addr_a"
note "alice $addr_a, bob $addr_b"

step "both established DTLS"
for tag in a b; do
	oc_dtls_wait "$tag" 1 10 || fail "tunnel $tag: no DTLS connection"
	assert_grep 'Established DTLS connection .*\(PSK\)' "$(tun_dir "$tag")/oc.log" \
		"tunnel $tag: 'Established DTLS connection' with PSK"
done
wait_until 5 sh -c "[ \"\$(ip netns exec '$SNS' ss -Hun 'sport = :$PORT' | grep -c .)\" = 2 ]" ||
	fail "expected 2 worker UDP sockets, got: $(server_udp_peers | paste -sd' ')"
peers=$(server_udp_peers)
assert_eq "$(echo "$peers" | grep -c "^$CLIENT_IP:")" 2 "worker UDP sockets to $CLIENT_IP"
[ "$(echo "$peers" | sort -u | grep -c .)" = 2 ] || fail "both UDP sockets point at $peers"
assert_ctl_transport alice DTLS
assert_ctl_transport bob DTLS

step "each worker's UDP socket points at its own client"
for tag in a b; do
	pid=$(oc_tunnel_pid "$tag")
	uport=$(client_port "$pid" u)
	tport=$(client_port "$pid" t)
	if [ -z "$uport" ] || [ -z "$tport" ]; then
		fail "tunnel $tag: no UDP/TCP socket of openconnect"
	fi
	wpid=$(worker_of_tcp "$tport")
	[ -n "$wpid" ] || fail "tunnel $tag: no worker for the TLS connection from port $tport"
	wpeer=$(worker_udp_peer "$wpid")
	note "tunnel $tag: openconnect TCP $tport UDP $uport; worker $wpid UDP peer $wpeer"
	assert_eq "$wpeer" "$CLIENT_IP:$uport" "tunnel $tag: the worker's UDP peer"
done

step "pings over UDP through each tunnel"
assert_pings_over_udp 100 -I "$addr_a"
assert_pings_over_udp 100 -I "$addr_b"
assert_ping server "$addr_a"
assert_ping server "$addr_b"

step "both at the same time"
in_client ping -n -q -c 200 -i 0.01 -W 2 -I "$addr_a" 10.66.0.1 >"$T/ping-a.out" 2>&1 &
pa=$!
in_client ping -n -q -c 200 -i 0.01 -W 2 -I "$addr_b" 10.66.0.1 >"$T/ping-b.out" 2>&1 &
pb=$!
wait "$pa" || { e2e_dump ping "$T/ping-a.out"; fail "alice's pings"; }
wait "$pb" || { e2e_dump ping "$T/ping-b.out"; fail "bob's pings"; }
for tag in a b; do
	got=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$T/ping-$tag.out")
	[ "${got:-0}" -ge 195 ] || fail "tunnel $tag: ${got:-0} of 200 pings answered"
	assert_eq "$(oc_dtls_count "$tag")" 1 "tunnel $tag: established DTLS connections"
done

step "bob leaves, alice keeps DTLS"
oc_tunnel_stop b
wait_until 5 sh -c "[ \"\$(ip netns exec '$SNS' ss -Hun 'sport = :$PORT' | grep -c .)\" = 1 ]" ||
	fail "bob's worker UDP socket stays: $(server_udp_peers | paste -sd' ')"
assert_pings_over_udp 100 -I "$addr_a"
oc_tunnel_stop a
server_alive

pass
