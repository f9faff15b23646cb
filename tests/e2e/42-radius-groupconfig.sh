#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Session settings from RADIUS (groupconfig = true), as the client's script sees them:
# Framed-IP-Address, Framed-IP-Netmask, Framed-Route (replacing the configured routes),
# MS-Primary/Secondary-DNS-Server, Idle-Timeout; 255.255.255.254 = an address from the
# pool; Class "OU=engineering;ops" plus a second Class make carol a member of those groups:
# her default group is the first one (its config-per-group file applies), she may select
# "ops" but not "finance". After a reload with groupconfig = false, RADIUS settings are
# ignored but Class groups still count.
set -eu
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../data/radius/lib.sh"

e2e_init radius-groupconfig
rad_require
e2e_certs ec
rad_start main
rad_client_conf 127.0.0.1:1812
mkdir -p "$T/groups"
echo "route = 172.16.0.0/12" >"$T/groups/engineering"
write_conf() {
	e2e_conf - <<-EOF
		auth = "radius[config=$RADIUSCLIENT_CONF,groupconfig=$1]"
		route = 10.99.0.0/16
		dns = 10.66.0.1
		default-select-group = DEFAULT
		select-group = engineering
		select-group = ops
		select-group = finance
		config-per-group = $T/groups
	EOF
}
write_conf true
e2e_start

step "bob: address, netmask, routes, DNS and idle timeout from RADIUS"
oc_tunnel_up bob bob bobpw --authgroup DEFAULT
assert_eq "$TUN_ADDR" 10.66.0.77 "bob's Framed-IP-Address"
assert_tun_var bob INTERNAL_IP4_NETMASK 255.255.255.0
assert_tun_split bob INC 10.20.0.0/255.255.0.0 10.30.1.0/255.255.255.0
assert_tun_var bob INTERNAL_IP4_DNS "10.66.0.53 10.66.0.54"
assert_tun_var bob IDLE_TIMEOUT 1200
[ -n "$(server_tun_of 10.66.0.77)" ] || fail "no server device with peer 10.66.0.77"
assert_ping client 10.66.0.1 -I 10.66.0.77

step "erin: Framed-IP-Address 255.255.255.254 -> an address from the pool"
oc_tunnel_up erin erin erinpw --authgroup DEFAULT
case "$TUN_ADDR" in
10.66.0.77 | 10.66.0.1 | 10.66.0.0 | 10.66.0.255) fail "erin got $TUN_ADDR" ;;
10.66.0.*) ;;
*) fail "erin's address $TUN_ADDR is not from the pool" ;;
esac
assert_tun_split erin INC 10.99.0.0/255.255.0.0
assert_tun_var erin INTERNAL_IP4_DNS 10.66.0.1
assert_ping client 10.66.0.1 -I "$TUN_ADDR"

step "carol: Class groups; the default is the first, with its per-group file"
oc_tunnel_up carol carol carolpw --authgroup DEFAULT
assert_grep "user 'carol' authenticated \(group 'engineering'" "$T/server.log" \
	"carol in group engineering"
assert_tun_split carol INC 172.16.0.0/255.240.0.0

step "carol may select ops (from Class), not finance"
oc_auth_ok carol carolpw --authgroup ops
assert_grep "user 'carol' authenticated \(group 'ops'" "$T/server.log" "carol in group ops"
oc_auth_refused carol carolpw --authgroup finance
assert_grep "login failed for user 'carol': not a member of the selected group" \
	"$T/server.log" "carol refused for finance"

step "alice (no Class) cannot select ops"
oc_auth_refused alice alicepw --authgroup ops

step "reload with groupconfig = false: bob gets a pool address and the configured routes"
oc_tunnel_stop bob
write_conf false
kill -HUP "$SERVER_PID"
wait_until 5 grep -q "configuration reloaded" "$T/server.log" || fail "no reload"
oc_tunnel_up bob2 bob bobpw --authgroup DEFAULT
[ "$TUN_ADDR" != 10.66.0.77 ] || fail "bob still got his Framed-IP-Address"
assert_tun_split bob2 INC 10.99.0.0/255.255.0.0
assert_tun_var bob2 INTERNAL_IP4_DNS 10.66.0.1
step "... while Class groups still count"
oc_auth_ok carol carolpw --authgroup ops

server_alive
for t in erin carol bob2; do oc_tunnel_stop "$t"; done
e2e_stop || fail "cstpd did not exit cleanly on SIGTERM (status $SERVER_EXIT)"
rad_stop main
assert_no_server_procs

pass
