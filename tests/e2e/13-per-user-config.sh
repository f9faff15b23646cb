#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Per-user and per-group config files: alice's file gives her a fixed address, her own
# routes and DNS (replacing the global lists); bob has no user file, so he gets the global
# routes, but his group's file replaces the DNS; carol has neither and gets the globals.
set -eu
. "$(dirname "$0")/lib.sh"

e2e_init per-user-config
e2e_certs ec
e2e_passwd alice alicepw
e2e_passwd bob bobpw eng
e2e_passwd carol carolpw

mkdir -p "$T/users" "$T/groups"
cat >"$T/users/alice" <<EOF
# alice: fixed address, her own routes and DNS
explicit-ipv4 = 10.66.0.77
route = 172.16.0.0/12
dns = 10.66.0.53
idle-timeout = 600
EOF
cat >"$T/groups/eng" <<EOF
dns = 10.66.0.54
EOF
e2e_conf - <<EOF
config-per-user = $T/users
config-per-group = $T/groups
route = 10.20.0.0/16
route = 10.30.0.0/16
dns = 10.66.0.1
EOF
e2e_start

step "alice: explicit-ipv4 10.66.0.77, her route and DNS only"
oc_tunnel_up alice alice alicepw
assert_eq "$TUN_ADDR" 10.66.0.77 "alice's address"
assert_tun_split alice INC 172.16.0.0/255.240.0.0
assert_tun_var alice INTERNAL_IP4_DNS 10.66.0.53
[ "$(server_tun_of 10.66.0.77)" != "" ] || fail "no server device with peer 10.66.0.77"
assert_ping server 10.66.0.77

step "bob (group eng, no user file): global routes, the group's DNS"
oc_tunnel_up bob bob bobpw
case "$TUN_ADDR" in
10.66.0.77) fail "bob got alice's fixed address" ;;
10.66.0.*) ;;
*) fail "bob's address $TUN_ADDR is outside the pool" ;;
esac
bob_addr=$TUN_ADDR
assert_tun_split bob INC 10.20.0.0/255.255.0.0 10.30.0.0/255.255.0.0
assert_tun_var bob INTERNAL_IP4_DNS 10.66.0.54
assert_ping server "$bob_addr"

step "carol (no group, no file): global routes and DNS"
oc_tunnel_up carol carol carolpw
assert_tun_split carol INC 10.20.0.0/255.255.0.0 10.30.0.0/255.255.0.0
assert_tun_var carol INTERNAL_IP4_DNS 10.66.0.1
if [ "$TUN_ADDR" = 10.66.0.77 ] || [ "$TUN_ADDR" = "$bob_addr" ]; then
	fail "carol's address $TUN_ADDR is not her own"
fi

step "alice logs out and in again: 10.66.0.77 again"
oc_tunnel_stop alice
wait_until 5 server_tun_gone 10.66.0.77 ||
	fail "the server device for 10.66.0.77 is still there after alice's logout"
oc_tunnel_up alice2 alice alicepw
assert_eq "$TUN_ADDR" 10.66.0.77 "alice's address after a new login"
assert_ping server 10.66.0.77
server_alive

pass
