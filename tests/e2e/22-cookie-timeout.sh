#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The reconnect window ends: with dpd = 2 and cookie-timeout = 5, a client frozen with
# SIGSTOP is declared dead (its session becomes inactive), the session expires 5 s later,
# and when the client wakes up its reconnect is refused (401: openconnect gives up).
# cstpctl counts a failed reconnect, lists no session any more, and the address went back
# to the pool: with predictable-ips the same user logging in again gets it.
set -eu
. "$(dirname "$0")/lib.sh"

# n_sessions FILTER: how many sessions `show sessions FILTER` lists.
n_sessions() {
	ctl --json show sessions "$1" >"$T/sessions.json" || return 1
	"$PY" -c 'import json, sys; print(len(json.load(open(sys.argv[1]))))' "$T/sessions.json"
}

# sessions_are FILTER N: true when `show sessions FILTER` lists N sessions.
sessions_are() {
	[ "$(n_sessions "$1")" = "$2" ]
}

e2e_init cookie-timeout
[ -x "$CSTPCTL" ] || fail "no cstpctl at $CSTPCTL (set BUILD_DIR)"
e2e_certs ec
e2e_passwd alice alicepw
e2e_conf "cookie-timeout = 5" "dpd = 2" "predictable-ips = true"
e2e_start

step "openconnect connects as alice"
oc_tunnel_up a alice alicepw --reconnect-timeout 60
addr=$TUN_ADDR
assert_ping client 10.66.0.1 -I "$addr"
pid=$(oc_tunnel_pid a)

step "freeze openconnect: the server declares it dead and parks the session"
kill -STOP "$pid"
t0=$(date +%s)
wait_until 15 sessions_are inactive 1 || {
	e2e_dump "server log" "$T/server.log" 20
	kill -CONT "$pid"
	fail "the session did not become inactive within 15 s of SIGSTOP"
}
note "inactive after $(($(date +%s) - t0)) s"
assert_eq "$(json_get "$T/sessions.json" 0.ipv4)" "$addr" "the parked session keeps its address"
assert_eq "$(json_get "$T/sessions.json" 0.last_disconnect_reason)" dpd-timeout \
	"why the session went inactive"
ctl --json show status >"$T/status0.json" || fail "cstpctl show status"
assert_eq "$(json_get "$T/status0.json" reconnects.capable_inactive)" 1 "capable_inactive"
assert_eq "$(json_get "$T/status0.json" reconnects.capable_active)" 0 "capable_active"

step "cookie-timeout runs out: the session is gone"
wait_until 15 sessions_are all 0 || {
	kill -CONT "$pid"
	fail "the inactive session still exists 15 s later"
}
note "ended after $(($(date +%s) - t0)) s"

step "wake openconnect: its reconnect is refused"
kill -CONT "$pid"
if ! oc_tunnel_wait_exit a 40; then
	e2e_dump "openconnect a" "$(tun_dir a)/oc.log" 30
	fail "openconnect still runs 40 s after SIGCONT (the reconnect was not refused)"
fi
note "openconnect exit status $OCT_RC"
[ "$OCT_RC" != 0 ] || fail "openconnect exited with 0 after a refused reconnect"
[ ! -e "$(tun_dir a)/env.reconnect" ] || fail "openconnect reconnected"
assert_grep 'cookie|401|unauthori[sz]ed' "$(tun_dir a)/oc.log" "the refused cookie in openconnect's log"

step "cstpctl: a failed reconnect, no session"
ctl --json show status >"$T/status1.json" || fail "cstpctl show status"
failed=$(json_get "$T/status1.json" reconnects.failed)
[ "$failed" -ge 1 ] || fail "reconnects.failed is $failed, expected >= 1"
assert_eq "$(json_get "$T/status1.json" reconnects.succeeded)" 0 "reconnects.succeeded"
assert_eq "$(json_get "$T/status1.json" sessions_inactive)" 0 "sessions_inactive"
assert_eq "$(n_sessions all)" 0 "sessions listed"

step "the address is free again: alice logs in anew and gets $addr"
oc_tunnel_up a2 alice alicepw
assert_eq "$TUN_ADDR" "$addr" "the new session's address"
assert_ping client 10.66.0.1 -I "$addr"
assert_eq "$(n_sessions active)" 1 "active sessions"
server_alive

pass
