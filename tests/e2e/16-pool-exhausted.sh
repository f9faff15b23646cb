#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A full address pool and max-same-clients. ipv4-network = 10.66.0.0/29 leaves five client
# addresses (.2 to .6: .0 is the network, .1 the gateway, .7 the broadcast). Five users
# get exactly those; a sixth is refused with "No IP address available" while the five keep
# working; once one logs out, the sixth gets the freed address. With max-same-clients = 1
# a second tunnel of the same user is refused with 403.
set -eu
. "$(dirname "$0")/lib.sh"

e2e_init pool-exhausted
e2e_certs ec
for i in 1 2 3 4 5 6; do
	e2e_passwd "user$i" "pass-$i"
done
e2e_conf 'ipv4-network = 10.66.0.0/29' 'max-same-clients = 1'
e2e_start

step "five users fill the pool"
for i in 1 2 3 4 5; do
	oc_tunnel_start "u$i" "user$i" "pass-$i"
done
for i in 1 2 3 4 5; do
	oc_tunnel_wait "u$i"
	echo "$TUN_ADDR" >>"$T/addrs"
done
assert_eq "$(sort "$T/addrs" | paste -sd' ')" "10.66.0.2 10.66.0.3 10.66.0.4 10.66.0.5 10.66.0.6" \
	"addresses handed out from 10.66.0.0/29"
assert_tun_var u1 INTERNAL_IP4_NETMASK 255.255.255.248

step "a sixth user is refused: no address left"
oc_tunnel_start u6 user6 pass-6
oc_tunnel_refused u6 15
assert_grep "No IP address available" "$(tun_dir u6)/oc.log" \
	"openconnect to show the server's reason 'No IP address available'"
# openconnect prints this for a 503 reply with an X-Reason header.
assert_grep "VPN service unavailable" "$(tun_dir u6)/oc.log" "a 503 reply to the CONNECT"
assert_grep "session [0-9]+ \('user6'\): no IPv4 address: pool exhausted" "$T/server.log" \
	"the server to log the exhausted pool"
[ "$(server_tuns | wc -l)" = 5 ] || fail "expected 5 server tun devices, got: $(server_tuns | paste -sd' ')"

step "the five keep working"
while read -r a; do
	assert_ping server "$a"
	assert_ping client 10.66.0.1 -I "$a"
done <"$T/addrs"

step "max-same-clients = 1: user1's second tunnel is refused with 403"
oc_tunnel_start u1b user1 pass-1
oc_tunnel_refused u1b 15
assert_grep "HTTP/1\.[01] 403 " "$(tun_dir u1b)/oc.log" "a 403 reply to the second CONNECT"
assert_grep "'user1' already has the maximum number of sessions" "$T/server.log" \
	"the server to log max-same-clients"
u1_addr=$(tun_var u1 INTERNAL_IP4_ADDRESS)
assert_ping server "$u1_addr"
kill -0 "$(oc_tunnel_pid u1)" || fail "user1's first openconnect exited"

step "user3 logs out; now the sixth user gets the freed address"
freed=$(tun_var u3 INTERNAL_IP4_ADDRESS)
oc_tunnel_stop u3
wait_until 5 server_tun_gone "$freed" || fail "the server device for $freed stays after logout"
oc_tunnel_up u6b user6 pass-6
assert_eq "$TUN_ADDR" "$freed" "the sixth user's address"
assert_ping server "$TUN_ADDR"
server_alive

pass
