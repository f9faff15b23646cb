#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Logout: openconnect on SIGINT sends a DISCONNECT (reason 0xb0); the server ends the
# session at once: its tun device goes away, the log says so, and the session cookie is
# refused afterwards. A new login then gets the same address back. Before that, a dropped
# connection (worker killed) is shown not to be a logout: openconnect reconnects with its
# cookie and keeps its address.
set -eu
. "$(dirname "$0")/lib.sh"

e2e_init logout
e2e_certs ec
e2e_passwd alice alicepw
e2e_conf
e2e_start

step "log in (cookie), then connect with the cookie"
oc_auth_ok alice alicepw
cookie=$OC_COOKIE
oc_tunnel_start_cookie t1 "$cookie"
oc_tunnel_wait t1
addr=$TUN_ADDR
stun=$(server_tun_of "$addr")
[ -n "$stun" ] || fail "no server device with peer $addr"
assert_ping client 10.66.0.1
note "connected as $addr, server device $stun"

step "a dropped connection is not a logout: kill the worker, openconnect reconnects"
wpid=$(in_server ss -Htnp state established "sport = :$PORT" |
	sed -n 's/.*"cstpd-worker",pid=\([0-9]*\).*/\1/p' | head -n1)
[ -n "$wpid" ] || fail "no cstpd-worker holds the tunnel's connection"
e2e_pid_is_ours "$wpid" || fail "worker PID $wpid is not in the server namespace"
kill -KILL "$wpid"
wait_until 20 test -e "$(tun_dir t1)/env.reconnect" ||
	{ e2e_dump "openconnect t1" "$(tun_dir t1)/oc.log" 20; fail "openconnect did not reconnect"; }
assert_eq "$(sed -n 's/^INTERNAL_IP4_ADDRESS=//p' "$(tun_dir t1)/env.reconnect")" "$addr" \
	"address after the reconnect"
assert_grep "session [0-9]+ of 'alice' inactive" "$T/server.log" \
	"the server to keep the session after the drop"
assert_not_grep "session [0-9]+ of 'alice' ended" "$T/server.log" "the session not to end"
wait_until 5 server_tun_of_is "$addr" || fail "no server device for $addr after the reconnect"
assert_ping client 10.66.0.1

step "SIGINT openconnect: it logs out and exits"
mark=$(wc -l <"$T/server.log")
oc_tunnel_stop t1 INT
note "openconnect exit status $OCT_RC"

step "the server's $stun goes away"
if ! wait_until 5 server_tun_gone "$addr"; then
	ip -n "$SNS" addr >&2
	fail "the server device for $addr is still there 5 s after the logout"
fi
[ -z "$(server_tuns)" ] || fail "tun devices left in the server namespace: $(server_tuns)"
# main logs the end of the session right after the worker exits.
wait_until 5 grep -qE "session [0-9]+ of 'alice' ended" "$T/server.log" || true
tail -n +$((mark + 1)) "$T/server.log" >"$T/logout.log"
assert_grep "client disconnect \(reason 0xb0" "$T/logout.log" "the worker to log the 0xb0 DISCONNECT"
assert_grep "session [0-9]+ of 'alice' ended: user-disconnect" "$T/logout.log" \
	"the session to end with reason user-disconnect"
assert_not_grep "session [0-9]+ of 'alice' inactive" "$T/logout.log" \
	"no session kept for a reconnect after a logout"

step "the old cookie is refused"
start=$(now_ms)
oc_tunnel_start_cookie t2 "$cookie"
oc_tunnel_refused t2 10
ms=$(($(now_ms) - start))
note "refused after $ms ms (openconnect exit $OCT_RC)"
assert_grep "HTTP/1\.[01] 401 " "$(tun_dir t2)/oc.log" "a 401 reply to the CONNECT"
assert_grep "cookie" "$(tun_dir t2)/oc.log" "openconnect to say the cookie was rejected"
[ "$ms" -lt 8000 ] || fail "the refusal took $ms ms"
assert_grep "CONNECT with an unknown or expired cookie|CONNECT without a valid session cookie" \
	"$T/server.log" "the server to log the refused cookie"
[ -z "$(server_tuns)" ] || fail "a tun device appeared for a refused cookie: $(server_tuns)"

step "a new login works and gets $addr again"
oc_tunnel_up t3 alice alicepw
assert_eq "$TUN_ADDR" "$addr" "address after logging in again"
assert_ping client 10.66.0.1
server_alive

pass
