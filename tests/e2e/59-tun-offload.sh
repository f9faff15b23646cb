#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tun-offload: with the default (true) the server's tun device hands the worker TCP data in
# blocks larger than the MTU (its TX counters average more than the MTU per packet), and the
# worker's own segmentation delivers every byte intact: 24 MiB server -> client over TLS and
# over DTLS arrive with the sender's SHA-256, and 8 MiB client -> server too. With
# tun-offload = false the same transfer works and the device sees only MTU-size packets.
set -eu
. "$(dirname "$0")/lib.sh"

BIG=$((24 * 1024 * 1024))
SMALL=$((8 * 1024 * 1024))
e2e_init tun-offload
e2e_certs ec
e2e_passwd alice alicepw

# tun_tx STUN FIELD: bytes or packets the server's tun device passed to the worker.
tun_tx() {
	in_server ip -s -j link show dev "$1" |
		"$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["tx"][sys.argv[1]])' "$2"
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

# avg_tx STUN BYTES0 PACKETS0: mean size of what the tun device passed since those counts.
avg_tx() {
	local b p
	b=$(($(tun_tx "$1" bytes) - $2))
	p=$(($(tun_tx "$1" packets) - $3))
	[ "$p" -gt 0 ] || fail "the server's tun device passed no packets"
	echo $((b / p))
}

step "tun-offload on (default), TLS only"
e2e_conf
e2e_start
oc_tunnel_up a alice alicepw
addr=$TUN_ADDR
stun=$(server_tun_of "$addr")
mtu=$(in_server cat "/sys/class/net/$stun/mtu")
b0=$(tun_tx "$stun" bytes) p0=$(tun_tx "$stun" packets)
transfer tls-down down "$BIG"
avg=$(avg_tx "$stun" "$b0" "$p0")
note "server tun $stun: MTU $mtu, mean block passed to the worker $avg bytes"
[ "$avg" -gt "$mtu" ] || fail "tun offload: mean block $avg bytes is not above the MTU $mtu"
transfer tls-up up "$SMALL"
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
b0=$(tun_tx "$stun" bytes) p0=$(tun_tx "$stun" packets)
transfer dtls-down down "$BIG"
avg=$(avg_tx "$stun" "$b0" "$p0")
uo=$(($(ns_udp_stat server OutDatagrams) - uo))
note "DTLS: mean block $avg bytes, $uo UDP sends from the server"
[ "$avg" -gt "$mtu" ] || fail "tun offload over DTLS: mean block $avg bytes, MTU $mtu"
[ "$uo" -gt 100 ] || fail "the data did not go over UDP ($uo datagrams)"
transfer dtls-up up "$SMALL"
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
b0=$(tun_tx "$stun" bytes) p0=$(tun_tx "$stun" packets)
transfer plain-down down "$BIG"
avg=$(avg_tx "$stun" "$b0" "$p0")
note "without offload: mean packet $avg bytes"
[ "$avg" -le "$mtu" ] || fail "tun-offload = false: mean packet $avg bytes is above the MTU $mtu"
transfer plain-up up "$SMALL"
oc_tunnel_stop c

pass
