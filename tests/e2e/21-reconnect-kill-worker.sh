#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A worker crash costs one connection, not the session, and nobody else notices: with two
# clients up, the worker of client A is killed with SIGKILL; A reconnects with its cookie to
# the same address and pings again, while B's ping runs throughout without a loss and B's
# openconnect never reconnects.
set -eu
. "$(dirname "$0")/lib.sh"

# client_port PID: the local TCP port of openconnect PID's connection to the server.
client_port() {
	in_client ss -Htnp state established "( dport = :$PORT )" 2>/dev/null |
		awk -v p="pid=$1," 'index($0, p) { n = split($3, a, ":"); print a[n]; exit }'
}

# worker_of PORT: the PID of the server process whose TCP peer is $CLIENT_IP:PORT.
worker_of() {
	in_server ss -Htnp state established "( sport = :$PORT and dport = :$1 )" 2>/dev/null |
		sed -n 's/.*"cstpd-worker",pid=\([0-9]*\),.*/\1/p' | head -n1
}

e2e_init reconnect-kill-worker
[ -x "$CSTPCTL" ] || fail "no cstpctl at $CSTPCTL (set BUILD_DIR)"
e2e_certs ec
e2e_passwd alice alicepw
e2e_passwd bob bobpw
e2e_conf
e2e_start

step "two clients connect: A (alice) and B (bob)"
oc_tunnel_up a alice alicepw --reconnect-timeout 60
addr_a=$TUN_ADDR
oc_tunnel_up b bob bobpw --reconnect-timeout 60
addr_b=$TUN_ADDR
note "A: $addr_a, B: $addr_b"
[ "$addr_a" != "$addr_b" ] || fail "both clients got $addr_a"
assert_ping client 10.66.0.1 -I "$addr_a"
assert_ping client 10.66.0.1 -I "$addr_b"

step "B pings the gateway every 0.1 s for the rest of the test"
ip netns exec "$CNS" ping -n -i 0.1 -w 12 -W 1 -I "$addr_b" 10.66.0.1 >"$T/ping-b.out" 2>&1 &
ping_b=$!
e2e_track "$ping_b"
sleep 1

step "find and SIGKILL the worker of A"
pid_a=$(oc_tunnel_pid a)
port_a=$(client_port "$pid_a")
[ -n "$port_a" ] || { in_client ss -tnp >&2; fail "no TCP connection of openconnect A"; }
worker_a=$(worker_of "$port_a")
[ -n "$worker_a" ] || { in_server ss -tnp >&2; fail "no worker for $CLIENT_IP:$port_a"; }
worker_b=$(worker_of "$(client_port "$(oc_tunnel_pid b)")")
[ "$worker_a" != "$worker_b" ] || fail "A and B share worker $worker_a"
e2e_pid_is_ours "$worker_a" || fail "worker $worker_a is not in the server namespace"
note "A's connection: port $port_a, worker $worker_a"
kill -KILL "$worker_a"

step "A reconnects to the same address"
wait_until 30 test -e "$(tun_dir a)/env.reconnect" || {
	e2e_dump "openconnect a" "$(tun_dir a)/oc.log" 30
	e2e_dump "server log" "$T/server.log" 30
	fail "A did not reconnect within 30 s"
}
assert_eq "$(tun_var a INTERNAL_IP4_ADDRESS reconnect)" "$addr_a" "A's address after the reconnect"
wait_until 10 ping_from client 10.66.0.1 -I "$addr_a" || {
	e2e_dump "ping" "$T/ping.out" 10
	fail "A: no ping through the tunnel after the reconnect"
}
new_worker=$(worker_of "$(client_port "$pid_a")")
if [ -z "$new_worker" ] || [ "$new_worker" = "$worker_a" ]; then
	fail "A is not carried by a new worker (old $worker_a, now '${new_worker}')"
fi
assert_grep "killed by signal 9" "$T/server.log" "main noticing the killed worker"

step "B never noticed"
wait "$ping_b" || true
note "B: $(grep -E 'packets transmitted' "$T/ping-b.out")"
assert_grep ' 0% packet loss' "$T/ping-b.out" "no lost ping of B"
[ ! -e "$(tun_dir b)/env.attempt-reconnect" ] || fail "B's openconnect tried to reconnect"
[ ! -e "$(tun_dir b)/env.reconnect" ] || fail "B's openconnect reconnected"
kill -0 "$(oc_tunnel_pid b)" 2>/dev/null || fail "B's openconnect exited"
assert_ping server "$addr_b"

step "cstpctl: one reconnect, two active sessions"
ctl --json show status >"$T/status.json" || fail "cstpctl show status"
assert_eq "$(json_get "$T/status.json" reconnects.succeeded)" 1 "reconnects.succeeded"
assert_eq "$(json_get "$T/status.json" sessions_active)" 2 "sessions_active"
ctl --json show user bob >"$T/bob.json" || fail "cstpctl show user bob"
assert_eq "$(json_get "$T/bob.json" 0.reconnects)" 0 "B's reconnects"
server_alive

pass
