#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# DTLS in PSK-NEGOTIATE mode on the shared port (udp-port = tcp-port = 443): openconnect
# logs an established DTLS connection with a PSK suite, the server namespace holds a UDP
# socket of a cstpd-worker connected to the client, and pings through the tunnel really
# travel over UDP: a 200-packet burst moves the server's UDP counters by 200+ datagrams
# each way while the TLS connection's byte counters barely move.
set -eu
. "$(dirname "$0")/lib.sh"

NPING=200
e2e_init dtls-psk
e2e_certs ec
e2e_passwd alice alicepw
e2e_conf "udp-port = $PORT"
e2e_start

step "openconnect connects as alice with DTLS"
oc_dtls_up a alice alicepw
log=$(tun_dir a)/oc.log
assert_eq "$(oc_reply_header a X-DTLS-CipherSuite)" PSK-NEGOTIATE "X-DTLS-CipherSuite"
assert_eq "$(oc_reply_header a X-DTLS-Port)" "$PORT" "X-DTLS-Port"
appid=$(oc_reply_header a X-DTLS-App-ID)
[[ "$appid" =~ ^[0-9a-fA-F]{2,64}$ ]] || fail "X-DTLS-App-ID '$appid' is not 1-32 bytes of hex"
[ -z "$(oc_reply_header a X-DTLS-Session-ID)" ] || fail "X-DTLS-Session-ID sent in PSK mode"
assert_grep 'Established DTLS connection .*\(DTLS1\.2\)-\(PSK\)' "$log" \
	"openconnect's 'Established DTLS connection' with a DTLS 1.2 PSK suite"
assert_grep 'with SSL connected and DTLS (connected|established)' "$log" \
	"the tun configured with DTLS up"
note "$(grep -m1 'Established DTLS connection' "$log")"

step "a cstpd-worker UDP socket on $SERVER_IP:$PORT is connected to the client"
in_server ss -Hunp "sport = :$PORT" >"$T/ss-udp"
assert_grep "^.*$SERVER_IP:$PORT +$CLIENT_IP:[0-9]+ .*cstpd-worker" "$T/ss-udp" \
	"a worker's UDP socket $SERVER_IP:$PORT -> $CLIENT_IP"
peers=$(server_udp_peers)
assert_eq "$(echo "$peers" | grep -c .)" 1 "connected worker UDP sockets"
note "UDP flow $SERVER_IP:$PORT <-> $peers"
assert_grep 'DTLS established' "$T/server.log" "the worker's 'DTLS established'"
assert_ctl_transport alice DTLS

step "ping through the tunnel"
assert_ping client 10.66.0.1
assert_ping server "$TUN_ADDR"

step "$NPING pings move UDP counters, not the TLS connection"
assert_pings_over_udp "$NPING"

step "DTLS stayed up; log out"
assert_eq "$(oc_dtls_count a)" 1 "established DTLS connections"
oc_tunnel_stop a
wait_until 5 sh -c "[ -z \"\$(ip netns exec '$SNS' ss -Hun 'sport = :$PORT')\" ]" ||
	fail "the worker's UDP socket stays after logout"
server_alive

pass
