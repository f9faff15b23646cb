#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# UDP blocked between client and server (nft drops the client's datagrams to port 443):
# openconnect's DTLS handshake gets nowhere, it configures its tun over TLS alone and pings
# pass over TLS. Once UDP is let through again, openconnect's next DTLS attempt (it retries
# every 60 s) reaches the server and DTLS comes up in the same session: no new login, no
# reconnect of the TLS channel, and pings move to UDP.
set -eu
. "$(dirname "$0")/lib.sh"

e2e_init udp-blocked
dtls_need_nft
e2e_certs ec
e2e_passwd alice alicepw
e2e_conf "udp-port = $PORT"
e2e_start

step "block UDP from the client to $SERVER_IP:$PORT"
udp_block

step "openconnect connects as alice; DTLS fails, the tunnel runs over TLS"
start=$(now_ms)
oc_dtls_up a alice alicepw
note "tun configured after $(($(now_ms) - start)) ms"
log=$(tun_dir a)/oc.log
assert_eq "$(oc_reply_header a X-DTLS-CipherSuite)" PSK-NEGOTIATE "X-DTLS-CipherSuite"
assert_eq "$(oc_dtls_count a)" 0 "established DTLS connections while UDP is blocked"
[ "$(udp_block_drops)" -gt 0 ] || fail "openconnect sent no DTLS datagram (nothing dropped)"
note "$(udp_block_drops) datagrams dropped so far"
assert_not_grep 'ClientHello' "$T/server.log" "no ClientHello reaching the server"
[ -z "$(server_udp_peers)" ] || fail "a worker UDP socket exists although UDP is blocked"
assert_ctl_transport alice TLS
tcp_port=$(in_server ss -Htn state established "( sport = :$PORT and dst $CLIENT_IP )" |
	awk '{ print $NF }')
note "TLS connection from $tcp_port"
assert_ping client 10.66.0.1
assert_ping server "$TUN_ADDR"
assert_pings_over_tls 50

step "let UDP through: openconnect's retry establishes DTLS within 75 s"
udp_unblock
start=$(now_ms)
oc_dtls_wait a 1 75 || {
	e2e_dump "openconnect a" "$log" 30
	fail "no DTLS connection 75 s after UDP was let through"
}
note "DTLS established $(($(now_ms) - start)) ms after the unblock"
assert_grep 'DTLS ClientHello from .* handed to worker' "$T/server.log" \
	"main's hand-over of the ClientHello"
wait_until 5 grep -q 'DTLS established' "$T/server.log" || fail "no 'DTLS established' in the server log"
wait_until 5 sh -c "[ -n \"\$(ip netns exec '$SNS' ss -Hun 'sport = :$PORT')\" ]" ||
	fail "no worker UDP socket after DTLS came up"
note "UDP flow $SERVER_IP:$PORT <-> $(server_udp_peers)"
assert_ctl_transport alice DTLS 5

step "same session: no new login, no reconnect, same TLS connection"
assert_eq "$(grep -c "user 'alice' authenticated" "$T/server.log")" 1 "logins of alice"
assert_eq "$(grep -c "tunnel up for 'alice'" "$T/server.log")" 1 "tunnels up for alice"
[ ! -e "$(tun_dir a)/env.reconnect" ] || fail "openconnect reconnected"
assert_eq "$(in_server ss -Htn state established "( sport = :$PORT and dst $CLIENT_IP )" |
	awk '{ print $NF }')" "$tcp_port" "the TLS connection"

step "pings now travel over UDP"
assert_pings_over_udp 200
assert_ping server "$TUN_ADDR"

oc_tunnel_stop a
server_alive

pass
