#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tunnel-ipv6: with ipv6-network set, openconnect gets an IPv6 address from the pool (its
# script sees INTERNAL_IP6_ADDRESS) besides the IPv4 one, the server's tun carries the
# gateway address fd00:66::1 and a route to the client's, and IPv6 crosses the tunnel: pings
# both ways, then 16 MiB server -> client and 8 MiB client -> server over IPv6 TCP arrive
# with the sender's SHA-256, over TLS and over DTLS (one DTLS connection throughout). With
# tun offload the server's tun hands the worker IPv6 TCP blocks above the MTU and takes
# coalesced ones back (its mean TX and RX block sizes exceed the MTU).
set -eu
. "$(dirname "$0")/lib.sh"

BIG=$((16 * 1024 * 1024))
SMALL=$((8 * 1024 * 1024))
NET6=fd00:66::/64
GW6=fd00:66::1
# helpers/vpnc-env.sh routes the gateway's IPv6 address through the client's tun.
export VPNC_GW6=$GW6

e2e_init tunnel-ipv6
e2e_certs ec
e2e_passwd alice alicepw

# transfer NAME DIRECTION BYTES: over IPv6 TCP between $GW6 and the client's $addr6.
transfer() {
	bulk_transfer "$1" "$2" "$3" "$GW6" "$addr6" 5600
}

# check_v6 TAG: the tunnel TAG got an IPv6 address from the pool, the client's tun holds it
# and the server's device for the tunnel routes it; sets addr6, stun and mtu.
check_v6() {
	local tag=$1
	addr6=$(tun_var "$tag" INTERNAL_IP6_ADDRESS)
	[ -n "$addr6" ] || assert_tun_var "$tag" INTERNAL_IP6_ADDRESS "an address in $NET6"
	note "client $TUN_DEV: $TUN_ADDR, $addr6 (netmask $(tun_var "$tag" INTERNAL_IP6_NETMASK))"
	case "$addr6" in
	fd00:66::*) ;;
	*) fail "tunnel $tag: IPv6 address $addr6 is not in ipv6-network $NET6" ;;
	esac
	[ "$addr6" != "$GW6" ] || fail "tunnel $tag: the client got the gateway's IPv6 address"
	in_client ip -6 -o addr show dev "$TUN_DEV" >"$T/$tag.ctun6"
	assert_grep "inet6 $addr6/128" "$T/$tag.ctun6" "$addr6 on the client's $TUN_DEV"
	stun=$(server_tun_of "$TUN_ADDR")
	[ -n "$stun" ] || { ip -n "$SNS" addr >&2; fail "no server device with peer $TUN_ADDR"; }
	in_server ip -6 -o addr show dev "$stun" >"$T/$tag.stun6"
	assert_grep "inet6 $GW6/" "$T/$tag.stun6" "the gateway address $GW6 on $stun"
	in_server ip -6 route get "$addr6" >"$T/$tag.route6"
	assert_grep "dev $stun" "$T/$tag.route6" "the server's route to $addr6 to use $stun"
	mtu=$(in_server cat "/sys/class/net/$stun/mtu")
	note "server device $stun, MTU $mtu"
}

# bulk6 PREFIX: both transfers over IPv6 with the server tun's block sizes checked.
bulk6() {
	local a
	tun_mark "$stun"
	transfer "$1-down" down "$BIG"
	a=$(tun_avg tx)
	note "server -> client: mean block passed to the worker $a bytes (MTU $mtu)"
	[ "$a" -gt "$mtu" ] || fail "IPv6 tun offload: mean block $a bytes is not above the MTU $mtu"
	tun_mark "$stun"
	transfer "$1-up" up "$SMALL"
	a=$(tun_avg rx)
	note "client -> server: mean block written by the worker $a bytes"
	[ "$a" -gt "$mtu" ] || fail "IPv6 coalescing: the worker wrote blocks of $a bytes, MTU $mtu"
}

step "TLS only: openconnect gets IPv4 and IPv6 addresses"
e2e_conf "ipv6-network = $NET6"
e2e_start
oc_tunnel_up a alice alicepw
check_v6 a

step "ping -6 both ways over TLS"
assert_ping client "$GW6" -6
assert_ping server "$addr6" -6
assert_ping client "$GW6" -6 -s 1200
assert_ping client 10.66.0.1

step "IPv6 TCP bulk over TLS: $BIG bytes down, $SMALL bytes up"
bulk6 tls
oc_tunnel_stop a
e2e_stop || fail "cstpd did not exit cleanly"

step "DTLS: the same over IPv6"
e2e_conf "ipv6-network = $NET6" "udp-port = $PORT"
e2e_start
oc_dtls_up b alice alicepw
assert_eq "$(oc_dtls_count b)" 1 "established DTLS connections"
check_v6 b
assert_eq "$(oc_reply_header b X-CSTP-Address-IP6)" "$addr6/128" \
	"X-CSTP-Address-IP6 in the CONNECT reply"
assert_ping client "$GW6" -6
assert_ping server "$addr6" -6
uo=$(ns_udp_stat server OutDatagrams)
ui=$(ns_udp_stat server InDatagrams)
to=$(server_tcp_bytes "$CLIENT_IP" bytes_acked)
ti=$(server_tcp_bytes "$CLIENT_IP" bytes_received)
bulk6 dtls
uo=$(($(ns_udp_stat server OutDatagrams) - uo))
ui=$(($(ns_udp_stat server InDatagrams) - ui))
to=$(($(server_tcp_bytes "$CLIENT_IP" bytes_acked) - to))
ti=$(($(server_tcp_bytes "$CLIENT_IP" bytes_received) - ti))
# UDP GSO: one OutDatagrams count may stand for many datagrams on the wire.
note "DTLS: server UDP sends $uo, datagrams in $ui; TLS bytes out $to, in $ti"
[ "$uo" -gt 100 ] || fail "the data to the client did not go over UDP ($uo sends)"
[ "$ui" -gt 100 ] || fail "the data from the client did not go over UDP ($ui datagrams)"
[ "$to" -lt 65536 ] || fail "$to bytes went to the client over TLS during the DTLS transfers"
[ "$ti" -lt 65536 ] || fail "$ti bytes came from the client over TLS during the DTLS transfers"
assert_eq "$(oc_dtls_count b)" 1 "DTLS connections after the transfers"
assert_ctl_transport alice DTLS
oc_tunnel_stop b
e2e_stop || fail "cstpd did not exit cleanly"

pass
