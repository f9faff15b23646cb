#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Every session that had an Accounting-Start gets its Stop, whatever ends it:
#  - the worker is SIGKILLed and the client is gone too: the session waits cookie-timeout
#    for a reconnect, then ends with a Stop (non-zero octets, cause NAS-Error);
#  - an admin disconnect (cstpctl, when built): Stop with cause Admin-Reset;
#  - SIGTERM of the gateway with tunnels up: main sends the Stops (cause NAS-Reboot)
#    before it exits.
set -eu
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../data/radius/lib.sh"

CSTPCTL="$BUILD_DIR/server/cstpctl"

sid_of() {
	sed -n "s/.*user '$1' authenticated .*Acct-Session-Id \([0-9A-F]*\)).*/\1/p" \
		"$T/server.log" | tail -n1
}

need_stop() {
	local sid=$1 cause=$2 rec oct
	rad_wait_records main Stop 1 "$sid" "${3:-10}" || {
		cat "$(rad_detail main)" >&2
		fail "no Stop for session $sid"
	}
	rec=$(rad_record main Stop "$sid")
	[ "$(rad_attr "$rec" Acct-Terminate-Cause)" = "$cause" ] ||
		{ printf '%s\n' "$rec" >&2; fail "Stop of $sid: cause is not $cause"; }
	oct=$(rad_attr "$rec" Acct-Input-Octets)
	[ "${oct:-0}" -gt 0 ] || { printf '%s\n' "$rec" >&2; fail "Stop of $sid: no input octets"; }
	[ "$(rad_records main Stop "$sid")" = 1 ] || fail "more than one Stop for $sid"
}

# worker_of_client_port PORT: the worker whose TCP peer is $CLIENT_IP:PORT.
worker_of() {
	in_server ss -Htnp state established "( sport = :$PORT and dport = :$1 )" 2>/dev/null |
		sed -n 's/.*"cstpd-worker",pid=\([0-9]*\),.*/\1/p' | head -n1
}

client_port() {
	in_client ss -Htnp state established "( dport = :$PORT )" 2>/dev/null |
		awk -v p="pid=$1," 'index($0, p) { n = split($3, a, ":"); print a[n]; exit }'
}

e2e_init radius-acct-stop
rad_require
e2e_certs ec
rad_start main
rad_client_conf 127.0.0.1:1812 127.0.0.1:1813
e2e_conf - <<EOF
auth = "radius[config=$RADIUSCLIENT_CONF]"
acct = "radius[config=$RADIUSCLIENT_CONF]"
stats-report-time = 1
cookie-timeout = 3
EOF
e2e_start

step "worker SIGKILLed, client gone: Stop after cookie-timeout, cause NAS-Error"
oc_tunnel_up a alice alicepw
sid_a=$(sid_of alice)
rad_wait_records main Start 1 "$sid_a" 10 || fail "no Start for alice"
assert_ping client 10.66.0.1 -I "$TUN_ADDR"
sleep 1.5 # one stats report with the ping's bytes
pid_a=$(oc_tunnel_pid a)
worker=$(worker_of "$(client_port "$pid_a")")
[ -n "$worker" ] || { in_server ss -tnp >&2; fail "no worker for alice"; }
# The worker first (so it cannot say goodbye), then the client (so it cannot reconnect).
e2e_pid_is_ours "$worker" && kill -KILL "$worker"
kill -KILL "$pid_a"
wait "$pid_a" 2>/dev/null || true
need_stop "$sid_a" NAS-Error 15

if [ -x "$CSTPCTL" ]; then
	step "admin disconnect: Stop with cause Admin-Reset"
	oc_tunnel_up b bob bobpw
	sid_b=$(sid_of bob)
	assert_ping client 10.66.0.1 -I "$TUN_ADDR"
	sleep 1.5
	"$CSTPCTL" -s "$T/cstpd-ctl.sock" disconnect user bob >"$T/ctl.out" 2>&1 ||
		{ cat "$T/ctl.out" >&2; fail "cstpctl disconnect user bob"; }
	need_stop "$sid_b" Admin-Reset
	oc_tunnel_wait_exit b 10 || true
else
	note "no cstpctl: admin disconnect not tested"
fi

step "SIGTERM of the gateway with two tunnels up: both Stops go out, cause NAS-Reboot"
oc_tunnel_up c carol carolpw
sid_c=$(sid_of carol)
assert_ping client 10.66.0.1 -I "$TUN_ADDR"
oc_tunnel_up e erin erinpw
sid_e=$(sid_of erin)
assert_ping client 10.66.0.1 -I "$TUN_ADDR"
sleep 1.5
rad_wait_records main Start 1 "$sid_e" 10 || fail "no Start for erin"
e2e_stop || fail "cstpd did not exit cleanly on SIGTERM (status $SERVER_EXIT)"
need_stop "$sid_c" NAS-Reboot 1
need_stop "$sid_e" NAS-Reboot 1

step "as many Stops as Starts"
starts=$(rad_records main Start)
stops=$(rad_records main Stop)
[ "$starts" = "$stops" ] || { cat "$(rad_detail main)" >&2; fail "$starts Starts, $stops Stops"; }
rad_stop main
assert_no_server_procs

pass
