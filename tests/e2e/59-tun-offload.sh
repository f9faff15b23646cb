#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tun-offload: with the default (true) the server's tun device hands the worker TCP data in
# blocks larger than the MTU (its TX counters average more than the MTU per packet) and the
# worker writes the client's TCP segments back coalesced (RX counters, likewise); the
# worker's segmentation and coalescing deliver every byte intact: 24 MiB server -> client
# and 8 MiB client -> server, over TLS and over DTLS, arrive with the sender's SHA-256.
# With tun-offload = false the same transfers work and the device sees only MTU-size
# packets.
set -eu
. "$(dirname "$0")/lib.sh"

BIG=$((24 * 1024 * 1024))
SMALL=$((8 * 1024 * 1024))
e2e_init tun-offload
e2e_certs ec
e2e_passwd alice alicepw

# tun_stat STUN tx|rx FIELD: bytes or packets the server's tun device passed to the worker
# (tx) or took from it (rx).
tun_stat() {
	in_server ip -s -j link show dev "$1" | "$PY" -c '
import json, sys
print(json.load(sys.stdin)[0]["stats64"][sys.argv[1]][sys.argv[2]])' "$2" "$3"
}

# transfer NAME DIRECTION BYTES: DIRECTION down = server -> client, up = client -> server.
# Fails unless the receiver got exactly the sender's bytes.
transfer() {
	local name=$1 dir=$2 bytes=$3 port=5300 lpid sent got ns_l ns_c lside cside
	if [ "$dir" = down ]; then
		ns_l=$SNS lside="send $bytes" ns_c=$CNS cside="recv"
	else
		ns_l=$SNS lside="recv" ns_c=$CNS cside="send $bytes"
	fi
	# shellcheck disable=SC2086 # the mode words
	ip netns exec "$ns_l" timeout -k 2 60 "$PY" "$E2E_HELPERS/bulk.py" listen 10.66.0.1 \
		"$port" $lside >"$T/$name.listen" 2>"$T/$name.listen.err" &
	lpid=$!
	e2e_track "$lpid"
	wait_until 5 grep -q listening "$T/$name.listen.err" ||
		fail "$name: the listener did not start: $(cat "$T/$name.listen.err")"
	# shellcheck disable=SC2086
	ip netns exec "$ns_c" timeout -k 2 60 "$PY" "$E2E_HELPERS/bulk.py" connect 10.66.0.1 \
		"$port" "$addr" $cside >"$T/$name.connect" 2>"$T/$name.connect.err" ||
		fail "$name: the connecting side failed: $(cat "$T/$name.connect.err")"
	wait "$lpid" || fail "$name: the listening side failed: $(cat "$T/$name.listen.err")"
	if [ "$dir" = down ]; then
		sent=$(cat "$T/$name.listen") got=$(cat "$T/$name.connect")
	else
		sent=$(cat "$T/$name.connect") got=$(cat "$T/$name.listen")
	fi
	assert_eq "$got" "$sent" "$name: bytes and SHA-256 received (sent: $sent)"
	assert_eq "${sent%% *}" "$bytes" "$name: bytes sent"
}

# mark STUN: remember the tun device's counters; avg tx|rx: the mean block size since.
mark() {
	m_dev=$1
	m_txb=$(tun_stat "$1" tx bytes) m_txp=$(tun_stat "$1" tx packets)
	m_rxb=$(tun_stat "$1" rx bytes) m_rxp=$(tun_stat "$1" rx packets)
}
avg() {
	local b p
	if [ "$1" = tx ]; then
		b=$(($(tun_stat "$m_dev" tx bytes) - m_txb)) p=$(($(tun_stat "$m_dev" tx packets) - m_txp))
	else
		b=$(($(tun_stat "$m_dev" rx bytes) - m_rxb)) p=$(($(tun_stat "$m_dev" rx packets) - m_rxp))
	fi
	[ "$p" -gt 0 ] || fail "the server's tun device counted no $1 packets"
	echo $((b / p))
}

step "tun-offload on (default), TLS only"
e2e_conf
e2e_start
oc_tunnel_up a alice alicepw
addr=$TUN_ADDR
stun=$(server_tun_of "$addr")
mtu=$(in_server cat "/sys/class/net/$stun/mtu")
mark "$stun"
transfer tls-down down "$BIG"
avg=$(avg tx)
note "server tun $stun: MTU $mtu, mean block passed to the worker $avg bytes"
[ "$avg" -gt "$mtu" ] || fail "tun offload: mean block $avg bytes is not above the MTU $mtu"
mark "$stun"
transfer tls-up up "$SMALL"
avg=$(avg rx)
note "client -> server: mean block written by the worker $avg bytes"
[ "$avg" -gt "$mtu" ] || fail "tun offload: the worker wrote blocks of $avg bytes, MTU $mtu"
assert_ping client 10.66.0.1
oc_tunnel_stop a
e2e_stop || fail "cstpd did not exit cleanly"

step "tun-offload on, DTLS"
e2e_conf "udp-port = $PORT"
e2e_start
oc_dtls_up b alice alicepw
addr=$TUN_ADDR
assert_eq "$(oc_dtls_count b)" 1 "established DTLS connections"
stun=$(server_tun_of "$addr")
mtu=$(in_server cat "/sys/class/net/$stun/mtu")
uo=$(ns_udp_stat server OutDatagrams)
mark "$stun"
transfer dtls-down down "$BIG"
avg=$(avg tx)
uo=$(($(ns_udp_stat server OutDatagrams) - uo))
note "DTLS: mean block $avg bytes, $uo UDP sends from the server"
[ "$avg" -gt "$mtu" ] || fail "tun offload over DTLS: mean block $avg bytes, MTU $mtu"
[ "$uo" -gt 100 ] || fail "the data did not go over UDP ($uo datagrams)"
mark "$stun"
transfer dtls-up up "$SMALL"
avg=$(avg rx)
note "DTLS client -> server: mean block written by the worker $avg bytes"
[ "$avg" -gt "$mtu" ] || fail "tun offload over DTLS: the worker wrote blocks of $avg bytes"
assert_eq "$(oc_dtls_count b)" 1 "DTLS connections after the transfers"
oc_tunnel_stop b
e2e_stop || fail "cstpd did not exit cleanly"

step "tun-offload = false"
e2e_conf "tun-offload = false"
e2e_start
oc_tunnel_up c alice alicepw
addr=$TUN_ADDR
stun=$(server_tun_of "$addr")
mtu=$(in_server cat "/sys/class/net/$stun/mtu")
mark "$stun"
transfer plain-down down "$BIG"
avg=$(avg tx)
note "without offload: mean packet $avg bytes"
[ "$avg" -le "$mtu" ] || fail "tun-offload = false: mean packet $avg bytes is above the MTU $mtu"
mark "$stun"
transfer plain-up up "$SMALL"
avg=$(avg rx)
[ "$avg" -le "$mtu" ] || fail "tun-offload = false: the worker wrote $avg-byte blocks"
oc_tunnel_stop c

pass
