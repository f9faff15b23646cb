#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Dead peer detection: with dpd = 2, a client that goes silent (openconnect stopped with
# SIGSTOP) is declared dead within 2 * dpd seconds plus a little: the server logs it and
# removes the tun device, but keeps the session for a reconnect. Woken up, openconnect
# reconnects with its cookie and gets the same address back.
set -eu
. "$(dirname "$0")/lib.sh"

DPD=2
e2e_init dpd-dead-peer
e2e_certs ec
e2e_passwd alice alicepw
e2e_conf "dpd = $DPD"
e2e_start

step "connect with dpd = $DPD"
oc_tunnel_up a alice alicepw
addr=$TUN_ADDR
assert_grep "CSTP connected\. DPD $DPD," "$(tun_dir a)/oc.log" "openconnect to get DPD $DPD"
[ -n "$(server_tun_of "$addr")" ] || fail "no server device for $addr"
assert_ping client 10.66.0.1
sid=$(sed -n "s/.*tunnel up for 'alice' (session \([0-9]*\),.*/\1/p" "$T/server.log" | head -n1)
[ -n "$sid" ] || fail "no 'tunnel up' line for alice in the server log"

step "a quiet but live client is not dropped (3 * dpd s)"
sleep $((3 * DPD))
[ -n "$(server_tun_of "$addr")" ] || fail "the live client's tunnel was dropped"
assert_not_grep "dead peer" "$T/server.log" "no dead peer while the client answers"

step "SIGSTOP openconnect: the server declares the peer dead"
pid=$(oc_tunnel_pid a)
kill -STOP "$pid"
start=$(now_ms)
limit=$((2 * DPD + 4))
wait_until "$limit" grep -q "dead peer" "$T/server.log" ||
	fail "no 'dead peer' in the server log $limit s after the client stopped"
wait_until 3 server_tun_gone "$addr" || fail "the server device for $addr stays after DPD"
ms=$(($(now_ms) - start))
note "dead peer detected and tun removed after $ms ms"
wait_until 3 grep -qE "session [0-9]+ of 'alice' inactive \(dpd-timeout\)" "$T/server.log" ||
	fail "the server did not keep the session for a reconnect"
assert_not_grep "session [0-9]+ of 'alice' ended" "$T/server.log" "the session not to end"

step "SIGCONT: openconnect reconnects with its cookie and gets $addr again"
kill -CONT "$pid"
wait_until 20 server_tun_of_is "$addr" ||
	fail "no server device for $addr 20 s after the client woke up"
wait_until 10 test -e "$(tun_dir a)/env.reconnect" ||
	fail "openconnect did not report a reconnect to its script"
assert_eq "$(sed -n 's/^INTERNAL_IP4_ADDRESS=//p' "$(tun_dir a)/env.reconnect")" "$addr" \
	"address after the reconnect"
ups=$(grep -cE "tunnel up for 'alice' \(session $sid," "$T/server.log" || true)
assert_eq "$ups" 2 "tunnels up for alice's session $sid"
assert_ping client 10.66.0.1 -I "$addr"
assert_ping server "$addr"

step "log out"
oc_tunnel_stop a
wait_until 5 server_tun_gone "$addr" || fail "the server device for $addr stays after logout"
server_alive

pass
