#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# worker-spawn = zygote (the default): main starts one `cstpd-worker --zygote` that forks
# the workers. Logins and tunnels work through it; SIGKILL of the zygote leaves running
# tunnels alone, new logins still work (exec'd workers, then a restarted zygote), a reload
# reaches the zygote, and no zombie is left in the server namespace.
set -eu
. "$(dirname "$0")/lib.sh"

# zygote_pid: the cstpd-worker --zygote whose parent is cstpd main (empty when none).
zygote_pid() {
	local p
	for p in $(e2e_server_procs); do
		[ "$(awk '/^PPid:/ { print $2 }' "/proc/$p/status" 2>/dev/null)" = "$SERVER_PID" ] ||
			continue
		tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q -- 'cstpd-worker --zygote' &&
			echo "$p"
	done | head -n1
}

# zygote_is_new OLD: a zygote runs and it is not OLD.
zygote_is_new() {
	local z
	z=$(zygote_pid)
	[ -n "$z" ] && [ "$z" != "$1" ]
}

# no_zombies: no process of the server namespace is in state Z.
no_zombies() {
	local procs
	procs=$(e2e_server_procs | paste -sd,)
	[ -n "$procs" ] || return 0
	! ps -o stat= -p "$procs" | grep -q Z
}

# worker_ppid: the parent of the server process holding tunnel a's TCP connection.
worker_ppid() {
	local w
	w=$(in_server ss -Htnp state established "( sport = :$PORT )" 2>/dev/null |
		sed -n 's/.*"cstpd-worker",pid=\([0-9]*\),.*/\1/p' | head -n1)
	[ -n "$w" ] && awk '/^PPid:/ { print $2 }' "/proc/$w/status"
}

e2e_init zygote
e2e_certs ec
e2e_passwd alice alicepw
e2e_passwd bob bobpw
e2e_conf
e2e_start

step "main started one zygote"
wait_until 5 test -n "$(zygote_pid)" || {
	ps -o pid,ppid,args -p "$(e2e_server_procs | paste -sd,)" >&2 || true
	fail "no cstpd-worker --zygote child of cstpd $SERVER_PID"
}
z1=$(zygote_pid)
note "zygote $z1"

step "logins work through the zygote"
for i in 1 2 3; do
	oc_auth_ok bob bobpw
done
oc_tunnel_up a alice alicepw
assert_ping client 10.66.0.1 -I "$TUN_ADDR"
addr_a=$TUN_ADDR
assert_eq "$(worker_ppid)" "$z1" "the parent of the tunnel's worker"

step "SIGKILL of the zygote"
kill -KILL "$z1"
wait_until 5 grep -q "zygote lost" "$T/server.log" || fail "main did not notice the zygote's end"
server_alive "after the zygote was killed"

step "the running tunnel goes on"
assert_ping client 10.66.0.1 -I "$addr_a"

step "a new login works right away"
oc_auth_ok bob bobpw

step "main restarts the zygote"
wait_until 15 zygote_is_new "$z1" || fail "no new zygote within 15 s"
z2=$(zygote_pid)
note "new zygote $z2"
oc_auth_ok bob bobpw
assert_ping client 10.66.0.1 -I "$addr_a"

step "a reload reaches the zygote; logins still work"
kill -HUP "$SERVER_PID"
wait_until 5 grep -q "configuration reloaded" "$T/server.log" || fail "no reload"
oc_auth_ok bob bobpw
assert_eq "$(zygote_pid)" "$z2" "the zygote after the reload"

step "no zombie processes in the server namespace"
wait_until 5 no_zombies || {
	ps -o pid,ppid,stat,args -p "$(e2e_server_procs | paste -sd,)" >&2 || true
	fail "zombie processes in the server namespace"
}
server_alive

step "SIGTERM stops everything, the zygote included"
e2e_stop || fail "cstpd did not stop cleanly (exit $SERVER_EXIT)"
oc_tunnel_wait_exit a 10 || fail "openconnect still runs 10 s after the server stopped"
assert_no_server_procs

pass
