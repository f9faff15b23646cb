#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `cstpctl reload` with 10 live sessions: the command is accepted ("reload requested"), the
# server keeps running, and every tunnel still passes pings both ways afterwards, with all
# 10 sessions still active and every openconnect still running.
set -eu
. "$(dirname "$0")/lib.sh"

N=10

# ping_all WHEN: every client's tunnel passes a ping both ways.
ping_all() {
	local i
	for ((i = 1; i <= N; i++)); do
		ping_from client 10.66.0.1 -I "${addrs[i]}" || {
			e2e_dump "ping" "$T/ping.out" 10
			fail "$1: no ping from client $i (${addrs[i]}) to the gateway"
		}
		ping_from server "${addrs[i]}" || {
			e2e_dump "ping" "$T/ping.out" 10
			fail "$1: no ping from the server to client $i (${addrs[i]})"
		}
	done
}

e2e_init ctl-reload
[ -x "$CSTPCTL" ] || fail "no cstpctl at $CSTPCTL (set BUILD_DIR)"
e2e_certs ec
for ((i = 1; i <= N; i++)); do
	e2e_passwd "user$i" "pass$i"
done
e2e_conf
e2e_start

step "$N clients connect"
declare -a addrs
for ((i = 1; i <= N; i++)); do
	oc_tunnel_start "c$i" "user$i" "pass$i" --reconnect-timeout 60
done
for ((i = 1; i <= N; i++)); do
	oc_tunnel_wait "c$i" 30
	addrs[i]=$TUN_ADDR
done
[ "$(printf '%s\n' "${addrs[@]}" | sort -u | wc -l)" = "$N" ] ||
	fail "the clients did not get $N distinct addresses: ${addrs[*]}"
ping_all "before the reload"
ctl --json show status >"$T/status0.json" || fail "cstpctl show status"
assert_eq "$(json_get "$T/status0.json" sessions_active)" "$N" "active sessions before"

step "cstpctl reload"
ctl reload >"$T/reload.out" 2>"$T/reload.err" || {
	cat "$T/reload.err" >&2
	fail "cstpctl reload failed"
}
assert_grep '^reload requested$' "$T/reload.out" "cstpctl's message"
wait_until 5 grep -qE 'SIGHUP|reload' "$T/server.log" || fail "the server logged no reload"
note "server: $(grep -E 'SIGHUP|reload' "$T/server.log" | grep -v 'control:' | tail -n1)"
sleep 1
server_alive "after the reload"

step "every tunnel still passes pings"
ping_all "after the reload"
for ((i = 1; i <= N; i++)); do
	kill -0 "$(oc_tunnel_pid "c$i")" 2>/dev/null || fail "openconnect c$i exited"
done
ctl --json show status >"$T/status1.json" || fail "cstpctl show status"
assert_eq "$(json_get "$T/status1.json" sessions_active)" "$N" "active sessions after"
assert_eq "$(json_get "$T/status1.json" sessions_inactive)" 0 "inactive sessions after"
note "reconnects after the reload: $(json_get "$T/status1.json" reconnects.incoming)"
server_alive

pass
