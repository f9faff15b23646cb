#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# cstpctl ends sessions: `disconnect user alice` ends her live tunnel (the server sends CSTP
# TERMINATE, openconnect exits without reconnecting) and her cookie is refused afterwards;
# `disconnect id` ends a live session of bob, an inactive one (client gone, reconnect window
# running) and one that only logged in; unknown users and ids are errors (exit 1). Every
# address goes back to the pool.
set -eu
. "$(dirname "$0")/lib.sh"

# n_sessions [FILTER]: how many sessions `show sessions FILTER` lists.
n_sessions() {
	ctl --json show sessions "${1:-all}" >"$T/sessions.json" || return 1
	"$PY" -c 'import json, sys; print(len(json.load(open(sys.argv[1]))))' "$T/sessions.json"
}

# sessions_are FILTER N: true when `show sessions FILTER` lists N sessions.
sessions_are() {
	[ "$(n_sessions "$1")" = "$2" ]
}

# session_id USER: the id of USER's (single) session.
session_id() {
	ctl --json show user "$1" >"$T/user.json" || fail "cstpctl show user $1"
	json_get "$T/user.json" 0.id
}

e2e_init ctl-disconnect
[ -x "$CSTPCTL" ] || fail "no cstpctl at $CSTPCTL (set BUILD_DIR)"
e2e_certs ec
e2e_passwd alice alicepw
e2e_passwd bob bobpw
e2e_passwd carol carolpw
e2e_conf "predictable-ips = true"
e2e_start

step "alice connects with a cookie from --authenticate"
oc_auth_ok alice alicepw
cookie=$OC_COOKIE
oc_tunnel_start_cookie a "$cookie" --reconnect-timeout 60
oc_tunnel_wait a
addr_a=$TUN_ADDR
assert_ping client 10.66.0.1 -I "$addr_a"

step "cstpctl disconnect user alice"
ctl disconnect user alice >"$T/disc.out" 2>"$T/disc.err" || {
	cat "$T/disc.err" >&2
	fail "cstpctl disconnect user alice failed"
}
assert_grep '^disconnected 1 session\(s\)$' "$T/disc.out" "cstpctl's message"
if ! oc_tunnel_wait_exit a 10; then
	e2e_dump "openconnect a" "$(tun_dir a)/oc.log" 20
	fail "openconnect still runs 10 s after the disconnect"
fi
note "openconnect exit status $OCT_RC"
assert_grep 'terminat' "$(tun_dir a)/oc.log" "the server's TERMINATE in openconnect's log"
[ ! -e "$(tun_dir a)/env.attempt-reconnect" ] || fail "openconnect tried to reconnect"
wait_until 5 sessions_are all 0 || fail "alice's session is still listed"
assert_grep "session [0-9]+ of 'alice' ended: terminated" "$T/server.log" \
	"the session ended as terminated"

step "alice's cookie is refused now"
oc_tunnel_start_cookie a-again "$cookie"
oc_tunnel_refused a-again
assert_grep 'cookie|401' "$(tun_dir a-again)/oc.log" "the refused cookie"

step "disconnect id: a live session of bob"
oc_tunnel_up b bob bobpw --reconnect-timeout 60
addr_b=$TUN_ADDR
id_b=$(session_id bob)
ctl --json disconnect id "$id_b" >"$T/disc-id.json" || fail "cstpctl disconnect id $id_b"
assert_eq "$(json_get "$T/disc-id.json" ok)" True "disconnect id: ok"
assert_eq "$(json_get "$T/disc-id.json" message)" "disconnected 1 session(s)" "disconnect id: message"
oc_tunnel_wait_exit b 10 || fail "bob's openconnect still runs 10 s after the disconnect"
wait_until 5 sessions_are all 0 || fail "bob's session is still listed"

step "disconnect id: an inactive session (client killed, reconnect window open)"
oc_tunnel_up c carol carolpw
addr_c=$TUN_ADDR
pid_c=$(oc_tunnel_pid c)
disown "$pid_c" 2>/dev/null || true # no "Killed" job notice
kill -KILL "$pid_c"
oc_tunnel_wait_exit c 5 || fail "openconnect c survived SIGKILL"
wait_until 10 sessions_are inactive 1 || fail "carol's session did not become inactive"
id_c=$(json_get "$T/sessions.json" 0.id)
ctl disconnect id "$id_c" >"$T/disc-c.out" || fail "cstpctl disconnect id $id_c (inactive)"
assert_grep '^disconnected 1 session\(s\)$' "$T/disc-c.out" "cstpctl's message"
sessions_are all 0 || fail "carol's inactive session is still listed"

step "disconnect user: a session that only logged in"
oc_auth_ok bob bobpw
sessions_are all 1 || fail "bob's new session is not listed"
assert_eq "$(json_get "$T/sessions.json" 0.state)" new "state of a session without a tunnel"
ctl disconnect user bob >"$T/disc-new.out" || fail "cstpctl disconnect user bob (new)"
sessions_are all 0 || fail "bob's new session is still listed"
oc_tunnel_start_cookie b-again "$OC_COOKIE"
oc_tunnel_refused b-again

step "unknown users and ids are errors"
rc=0
ctl disconnect user nobody-here >/dev/null 2>"$T/err1" || rc=$?
assert_eq "$rc" 1 "exit status of disconnect user (unknown)"
assert_grep "no session" "$T/err1" "an error message"
rc=0
ctl disconnect id 4000000000 >/dev/null 2>"$T/err2" || rc=$?
assert_eq "$rc" 1 "exit status of disconnect id (unknown)"
rc=0
ctl disconnect id not-a-number >/dev/null 2>"$T/err3" || rc=$?
assert_eq "$rc" 1 "exit status of disconnect id (not a number)"

step "every address went back to the pool: each user gets the same one again"
oc_tunnel_up a2 alice alicepw
assert_eq "$TUN_ADDR" "$addr_a" "alice's address"
oc_tunnel_up b2 bob bobpw
assert_eq "$TUN_ADDR" "$addr_b" "bob's address"
oc_tunnel_up c2 carol carolpw
assert_eq "$TUN_ADDR" "$addr_c" "carol's address"
assert_eq "$(n_sessions active)" 3 "active sessions"
server_alive

pass
