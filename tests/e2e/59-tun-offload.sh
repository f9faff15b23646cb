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

# transfer NAME DIRECTION BYTES: between the gateway's tunnel address and the client's.
transfer() {
	bulk_transfer "$1" "$2" "$3" 10.66.0.1 "$addr"
}

# measured NAME DIRECTION BYTES: transfer, and set avg to the mean block size the server's
# tun device $stun counted meanwhile: passed to the worker (down) or taken from it (up).
measured() {
	tun_mark "$stun"
	transfer "$@"
	if [ "$2" = down ]; then avg=$(tun_avg tx); else avg=$(tun_avg rx); fi
}

step "tun-offload on (default), TLS only"
e2e_conf
e2e_start
oc_tunnel_up a alice alicepw
addr=$TUN_ADDR
stun=$(server_tun_of "$addr")
mtu=$(in_server cat "/sys/class/net/$stun/mtu")
measured tls-down down "$BIG"
note "server tun $stun: MTU $mtu, mean block passed to the worker $avg bytes"
[ "$avg" -gt "$mtu" ] || fail "tun offload: mean block $avg bytes is not above the MTU $mtu"
measured tls-up up "$SMALL"
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
measured dtls-down down "$BIG"
uo=$(($(ns_udp_stat server OutDatagrams) - uo))
note "DTLS: mean block $avg bytes, $uo UDP sends from the server"
[ "$avg" -gt "$mtu" ] || fail "tun offload over DTLS: mean block $avg bytes, MTU $mtu"
[ "$uo" -gt 100 ] || fail "the data did not go over UDP ($uo datagrams)"
measured dtls-up up "$SMALL"
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
measured plain-down down "$BIG"
note "without offload: mean packet $avg bytes"
[ "$avg" -le "$mtu" ] || fail "tun-offload = false: mean packet $avg bytes is above the MTU $mtu"
measured plain-up up "$SMALL"
[ "$avg" -le "$mtu" ] || fail "tun-offload = false: the worker wrote $avg-byte blocks"
oc_tunnel_stop c

pass
