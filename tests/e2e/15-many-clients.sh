#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Twenty tunnels at once (twenty users, one openconnect each in the client namespace):
# each gets its own address and the server one tun device per client, and every client
# answers pings from the server namespace and reaches the gateway 10.66.0.1 itself.
set -eu
. "$(dirname "$0")/lib.sh"

N=20
e2e_init many-clients
e2e_certs ec
for i in $(seq -w 1 $N); do
	e2e_passwd "user$i" "pass-$i"
done
e2e_conf
e2e_start

step "$N openconnect clients connect at the same time"
start=$(now_ms)
for i in $(seq -w 1 $N); do
	oc_tunnel_start "c$i" "user$i" "pass-$i"
done
: >"$T/addrs"
for i in $(seq -w 1 $N); do
	oc_tunnel_wait "c$i" 40
	echo "$TUN_ADDR" >>"$T/addrs"
done
note "all up in $(($(now_ms) - start)) ms"

step "$N distinct addresses in 10.66.0.0/24, none the gateway's"
assert_eq "$(sort -u "$T/addrs" | wc -l)" "$N" "distinct client addresses"
grep -vqE '^10\.66\.0\.([2-9]|[1-9][0-9]|1[0-9][0-9]|2[0-4][0-9]|25[0-4])$' "$T/addrs" &&
	fail "addresses outside 10.66.0.2-254: $(grep -vE '^10\.66\.0\.' "$T/addrs" | paste -sd' ')"

step "the server has one tun device per client, with the matching peer"
assert_eq "$(server_tuns | wc -l)" "$N" "number of vpns devices in the server namespace"
while read -r a; do
	[ -n "$(server_tun_of "$a")" ] || fail "no server device with peer $a"
done <"$T/addrs"

step "ping each client from the server, and the gateway from each client"
pids=()
while read -r a; do
	(
		ping_out="$T/ping-s-$a"
		ip netns exec "$SNS" ping -n -c 3 -i 0.2 -W 2 "$a" >"$ping_out" 2>&1 ||
			echo "server -> $a" >>"$T/ping.failed"
		ping_out="$T/ping-c-$a"
		ip netns exec "$CNS" ping -n -c 3 -i 0.2 -W 2 -I "$a" 10.66.0.1 >"$ping_out" 2>&1 ||
			echo "$a -> 10.66.0.1" >>"$T/ping.failed"
	) &
	pids+=($!)
done <"$T/addrs"
for p in "${pids[@]}"; do
	wait "$p"
done
if [ -s "$T/ping.failed" ]; then
	fail "pings without answer: $(paste -sd',' "$T/ping.failed")"
fi

step "all $N openconnect processes still run"
for i in $(seq -w 1 $N); do
	kill -0 "$(oc_tunnel_pid "c$i")" 2>/dev/null || fail "openconnect c$i exited"
done
server_alive
note "all done in $(($(now_ms) - start)) ms"

pass
