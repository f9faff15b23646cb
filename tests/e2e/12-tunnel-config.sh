#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# What the CONNECT reply tells the client, as openconnect hands it to its script: split
# routes (include and exclude, both prefix and netmask notation), DNS, default domain,
# split DNS, MTU and netmask; then `route = default` makes a full tunnel (no split include).
set -eu
. "$(dirname "$0")/lib.sh"

e2e_init tunnel-config
e2e_certs ec
e2e_passwd alice alicepw

# The MTU the worker announced ("tunnel up on vpnsN: ADDR, MTU N" in the server log).
server_mtu() {
	sed -n "s/.*tunnel up on [^:]*: $1, MTU \([0-9]*\).*/\1/p" "$T/server.log" | tail -n1
}

e2e_conf - <<EOF
route = 10.10.0.0/16
route = 192.168.50.0/255.255.255.0
no-route = 10.10.5.0/24
dns = 10.66.0.1
default-domain = corp.example.net
split-dns = corp.example.net
EOF
e2e_start

step "split tunnel: connect"
oc_tunnel_up split alice alicepw

step "split include: 10.10.0.0/16 and 192.168.50.0/24"
assert_tun_var split CISCO_SPLIT_INC 2
assert_tun_split split INC 10.10.0.0/255.255.0.0 192.168.50.0/255.255.255.0
for i in 0 1; do
	case "$(tun_var split "CISCO_SPLIT_INC_${i}_ADDR")" in
	10.10.0.0) assert_tun_var split "CISCO_SPLIT_INC_${i}_MASKLEN" 16 ;;
	*) assert_tun_var split "CISCO_SPLIT_INC_${i}_MASKLEN" 24 ;;
	esac
done

step "split exclude: 10.10.5.0/24"
assert_tun_var split CISCO_SPLIT_EXC 1
assert_tun_split split EXC 10.10.5.0/255.255.255.0
assert_tun_var split CISCO_SPLIT_EXC_0_MASKLEN 24

step "DNS, default domain, split DNS"
assert_tun_var split INTERNAL_IP4_DNS 10.66.0.1
assert_tun_var split CISCO_DEF_DOMAIN corp.example.net
assert_tun_var split CISCO_SPLIT_DNS corp.example.net

step "address, netmask of the pool, MTU as the server announced it"
assert_tun_var split INTERNAL_IP4_ADDRESS "$TUN_ADDR"
assert_tun_var split INTERNAL_IP4_NETMASK 255.255.255.0
mtu=$(tun_var split INTERNAL_IP4_MTU)
assert_tun_var split INTERNAL_IP4_MTU "$(server_mtu "$TUN_ADDR")"
if [ "$mtu" -lt 1280 ] || [ "$mtu" -gt 1500 ]; then
	fail "INTERNAL_IP4_MTU $mtu out of 1280..1500"
fi
stun=$(server_tun_of "$TUN_ADDR")
[ -n "$stun" ] || fail "no server tun for $TUN_ADDR"
smtu=$(ip -n "$SNS" -o link show dev "$stun" | sed -n 's/.* mtu \([0-9]*\) .*/\1/p')
assert_eq "$smtu" "$mtu" "MTU of the server's $stun"
note "address $TUN_ADDR, MTU $mtu"

step "a route the client installs from the split list reaches the server"
in_client ip route add 10.10.0.0/16 dev "$TUN_DEV"
in_server ip addr add 10.10.0.9/32 dev lo
assert_ping client 10.10.0.9

oc_tunnel_stop split
e2e_stop || fail "cstpd did not stop cleanly (exit $SERVER_EXIT)"

step "full tunnel: route = default, mtu = 1400"
e2e_conf 'route = default' 'mtu = 1400'
e2e_start
oc_tunnel_up full alice alicepw
if grep -q '^CISCO_SPLIT_INC' "$(tun_dir full)/env.connect"; then
	assert_tun_var full CISCO_SPLIT_INC ""
	fail "a full tunnel still has CISCO_SPLIT_INC_* variables"
fi
assert_tun_var full CISCO_SPLIT_EXC ""
assert_tun_var full INTERNAL_IP4_DNS 10.66.0.1
mtu=$(tun_var full INTERNAL_IP4_MTU)
assert_tun_var full INTERNAL_IP4_MTU "$(server_mtu "$TUN_ADDR")"
if [ "$mtu" -lt 1280 ] || [ "$mtu" -ge 1400 ]; then
	fail "INTERNAL_IP4_MTU $mtu with mtu = 1400"
fi
step "a packet of exactly the MTU passes"
assert_ping client 10.66.0.1 -s $((mtu - 28)) -M "do"
note "MTU $mtu"
server_alive

pass
