#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The tunnel over TLS: openconnect (--no-dtls) connects, its tun gets the address the server
# handed out, the server has a vpns device whose peer is that address, and pings pass both
# ways: client -> gateway 10.66.0.1 and server namespace -> client's tunnel address.
# Stopping cstpd (SIGTERM) tells the client, which exits, and leaves nothing behind.
set -eu
. "$(dirname "$0")/lib.sh"

e2e_init tunnel-ping
e2e_certs ec
e2e_passwd alice alicepw
e2e_conf
e2e_start

step "openconnect connects as alice"
oc_tunnel_up a alice alicepw
note "client tun $TUN_DEV, address $TUN_ADDR"
case "$TUN_ADDR" in
10.66.0.*) ;;
*) fail "client address $TUN_ADDR is not in ipv4-network 10.66.0.0/24" ;;
esac
[ "$TUN_ADDR" != 10.66.0.1 ] || fail "client got the gateway's address"
assert_grep "configured as $TUN_ADDR, with SSL connected" "$(tun_dir a)/oc.log" \
	"openconnect's 'Configured as $TUN_ADDR, with SSL connected'"

step "the client's tun has the assigned address"
in_client ip -4 -o addr show dev "$TUN_DEV" >"$T/ctun.addr"
assert_grep "inet $TUN_ADDR/32" "$T/ctun.addr" "$TUN_ADDR on $TUN_DEV"

step "the server has a vpns device whose peer is $TUN_ADDR"
stun=$(server_tun_of "$TUN_ADDR")
[ -n "$stun" ] || { ip -n "$SNS" addr >&2; fail "no server device with peer $TUN_ADDR"; }
case "$stun" in vpns*) ;; *) fail "server device '$stun' does not start with vpns" ;; esac
in_server ip -4 -o addr show dev "$stun" >"$T/stun.addr"
assert_grep "inet 10\.66\.0\.1 peer $TUN_ADDR/32" "$T/stun.addr" "local 10.66.0.1 on $stun"
in_server ip -o link show dev "$stun" >"$T/stun.link"
assert_grep 'state UNKNOWN|state UP|,UP' "$T/stun.link" "$stun to be up"
note "server device $stun"

step "client -> 10.66.0.1 through the tunnel"
assert_ping client 10.66.0.1
step "server namespace -> $TUN_ADDR through $stun"
assert_ping server "$TUN_ADDR"
in_server ip route get "$TUN_ADDR" >"$T/route"
assert_grep "dev $stun" "$T/route" "the route to $TUN_ADDR to use $stun"
step "larger packets (1200 bytes) both ways"
assert_ping client 10.66.0.1 -s 1200
assert_ping server "$TUN_ADDR" -s 1200
server_alive

step "SIGTERM to cstpd: the client is told (CSTP TERMINATE) and exits"
e2e_stop || fail "cstpd did not stop cleanly (exit $SERVER_EXIT)"
oc_tunnel_wait_exit a 10 || fail "openconnect still runs 10 s after the server stopped"
assert_grep "server terminate|terminated by server" "$(tun_dir a)/oc.log" \
	"openconnect to report the server's TERMINATE"
assert_no_server_procs
[ -z "$(server_tuns)" ] || fail "tun devices left after cstpd stopped: $(server_tuns)"

pass
