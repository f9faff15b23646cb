#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The client's DTLS source port changes mid-session. With dpd = 3, UDP is silently dropped
# both ways until both ends declare DTLS dead (openconnect after 2 * X-DTLS-DPD, the server
# after 2 * dpd of silence); meanwhile data falls back to TLS. Once UDP passes again,
# openconnect's new DTLS handshake comes from a NEW UDP socket (new source port): the
# server hands it to the same worker, whose UDP socket then points at the new port (the
# old one is gone), and the session carries on over DTLS: same address, no new login, the
# same TLS connection.
set -eu
. "$(dirname "$0")/lib.sh"

DPD=3
e2e_init dtls-rebind
dtls_need_nft
e2e_certs ec
e2e_passwd alice alicepw
e2e_conf "udp-port = $PORT" "dpd = $DPD"
e2e_start

# tcp_peer: the client end of the TLS connection.
tcp_peer() {
	in_server ss -Htn state established "( sport = :$PORT and dst $CLIENT_IP )" |
		awk '{ print $NF }'
}

step "connect with DTLS (dpd = $DPD)"
oc_dtls_up a alice alicepw
log=$(tun_dir a)/oc.log
addr=$TUN_ADDR
assert_eq "$(oc_reply_header a X-DTLS-DPD)" "$DPD" "X-DTLS-DPD"
assert_eq "$(oc_dtls_count a)" 1 "established DTLS connections"
wait_until 5 sh -c "[ -n \"\$(ip netns exec '$SNS' ss -Hun 'sport = :$PORT')\" ]" ||
	fail "no worker UDP socket"
peer1=$(server_udp_peers)
assert_eq "$(echo "$peer1" | grep -c .)" 1 "worker UDP sockets"
tcp1=$(tcp_peer)
note "DTLS from $peer1, TLS from $tcp1"
assert_ctl_transport alice DTLS
assert_pings_over_udp 50

step "drop UDP until both ends declare DTLS dead"
udp_block
start=$(now_ms)
limit=$((4 * DPD + 2))
wait_until "$limit" grep -q 'DTLS Dead Peer Detection detected dead peer' "$log" || {
	e2e_dump "openconnect a" "$log" 20
	fail "openconnect did not declare DTLS dead within $limit s"
}
note "openconnect: DTLS dead after $(($(now_ms) - start)) ms"
wait_until "$limit" grep -q 'DTLS channel closed' "$T/server.log" ||
	fail "the server did not close its DTLS channel within $limit s of silence"
note "server: DTLS channel closed after $(($(now_ms) - start)) ms"
[ -z "$(server_udp_peers)" ] || fail "the worker keeps its UDP socket after closing DTLS"
assert_ctl_transport alice TLS
[ "$(udp_block_drops)" -gt 0 ] || fail "nothing was dropped"

step "while DTLS is down, pings pass over TLS"
assert_ping client 10.66.0.1
assert_pings_over_tls 30
note "UDP blocked for $(($(now_ms) - start)) ms"

step "let UDP through: a new DTLS handshake from a new port"
udp_unblock
start=$(now_ms)
oc_dtls_wait a 2 20 || {
	e2e_dump "openconnect a" "$log" 30
	fail "openconnect did not re-establish DTLS within 20 s"
}
note "DTLS re-established $(($(now_ms) - start)) ms after the unblock"
wait_until 5 sh -c "[ -n \"\$(ip netns exec '$SNS' ss -Hun 'sport = :$PORT')\" ]" ||
	fail "no worker UDP socket after the new handshake"
peer2=$(server_udp_peers)
note "DTLS now from $peer2 (was $peer1)"
assert_eq "$(echo "$peer2" | grep -c .)" 1 "worker UDP sockets"
[ "$peer2" != "$peer1" ] || fail "the worker's UDP socket still points at $peer1"
case "$peer2" in
"$CLIENT_IP":*) ;;
*) fail "the worker's UDP socket points at $peer2" ;;
esac
assert_grep "DTLS ClientHello from ${peer2//./\\.} handed to worker" "$T/server.log" \
	"main's hand-over of the ClientHello from $peer2"
assert_ctl_transport alice DTLS 5

step "same session: same address, no login, same TLS connection"
assert_eq "$(tcp_peer)" "$tcp1" "the TLS connection"
assert_eq "$(grep -c "user 'alice' authenticated" "$T/server.log")" 1 "logins of alice"
assert_eq "$(grep -c "tunnel up for 'alice'" "$T/server.log")" 1 "tunnels up for alice"
[ ! -e "$(tun_dir a)/env.reconnect" ] || fail "openconnect reconnected"
in_client ip -4 -o addr show dev "$TUN_DEV" >"$T/ctun.addr"
assert_grep "inet $addr/32" "$T/ctun.addr" "$addr still on $TUN_DEV"
[ -n "$(server_tun_of "$addr")" ] || fail "no server device for $addr"

step "pings travel over the new DTLS flow"
assert_pings_over_udp 200
assert_ping server "$addr"
kill -0 "$(oc_tunnel_pid a)" || fail "openconnect exited"

oc_tunnel_stop a
server_alive

pass
