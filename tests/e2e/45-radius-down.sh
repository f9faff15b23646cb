#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# RADIUS servers that do not answer. radiusclient.conf names two servers (radius_timeout
# 2 s, one retry): with the first one stopped, logins go to the second (radcli failover);
# with both stopped, a login fails with "Authentication service unavailable" after the
# timeout, the log names the servers, and meanwhile main keeps serving: a live tunnel
# passes pings without loss, the control socket answers at once and a reconnect with a
# cookie works, because RADIUS runs in the auth helpers, never on main's loop.
set -eu
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../data/radius/lib.sh"

CSTPCTL="$BUILD_DIR/server/cstpctl"

e2e_init radius-down
rad_require
e2e_certs ec
rad_start main 1812 1813
rad_start backup 11812 11813
rad_client_conf 127.0.0.1:1812,127.0.0.1:11812 127.0.0.1:1813,127.0.0.1:11813 2
e2e_conf "auth = \"radius[config=$RADIUSCLIENT_CONF]\""
e2e_start

step "both servers up: login and a tunnel for alice"
oc_tunnel_up a alice alicepw
addr_a=$TUN_ADDR
assert_ping client 10.66.0.1 -I "$addr_a"

step "first server stopped: the login goes to the second one"
rad_stop main
t0=$(now_ms)
oc_auth_ok bob bobpw
bob_cookie=$OC_COOKIE
note "login through the second server took $(($(now_ms) - t0)) ms"
grep -q 'User-Name = "bob"' "$(rad_dir backup)/acct/auth-detail" ||
	fail "the second server did not see bob's Access-Request"

step "both servers stopped: the login fails with the clear error after the timeout"
rad_stop backup
ip netns exec "$CNS" ping -n -i 0.1 -w 15 -W 1 -I "$addr_a" 10.66.0.1 >"$T/ping-a.out" 2>&1 &
ping_pid=$!
e2e_track "$ping_pid"
t0=$(now_ms)
OC_TAG=down OC_TIMEOUT=40 oc_auth carol carolpw >/dev/null 2>&1 &
oc_pid=$!
sleep 1
step "... while the RADIUS round trip is pending, main answers at once"
if [ -x "$CSTPCTL" ]; then
	c0=$(now_ms)
	"$CSTPCTL" -s "$T/cstpd-ctl.sock" show status >"$T/status.out" 2>&1 ||
		{ cat "$T/status.out" >&2; fail "cstpctl show status failed"; }
	took=$(($(now_ms) - c0))
	note "cstpctl show status took $took ms"
	[ "$took" -lt 1000 ] || fail "cstpctl show status took $took ms during a RADIUS timeout"
else
	note "no cstpctl: control socket not tested"
fi
step "... and a tunnel with bob's cookie comes up"
oc_tunnel_start_cookie b "$bob_cookie"
oc_tunnel_wait b 10
assert_ping client 10.66.0.1 -I "$TUN_ADDR"
wait "$oc_pid" || true
took=$(($(now_ms) - t0))
note "the failed login took $took ms"
OC_ERR="$T/oc-down.err"
assert_grep 'Authentication service unavailable' "$OC_ERR" "the clear error for the user"
[ "$took" -ge 3000 ] || fail "the login failed after $took ms, before the radcli timeout"
assert_grep "no valid answer from 127.0.0.1:1812, 127.0.0.1:11812" "$T/server.log" \
	"the servers named in the log"

step "the live tunnel passed every ping meanwhile"
wait "$ping_pid" || true
loss=$(sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p' "$T/ping-a.out")
[ "$loss" = 0 ] || { cat "$T/ping-a.out" >&2; fail "ping through the tunnel lost $loss%"; }

step "servers back: logins work again"
rad_start main 1812 1813
oc_auth_ok carol carolpw
server_alive
oc_tunnel_stop a
oc_tunnel_stop b
e2e_stop || fail "cstpd did not exit cleanly on SIGTERM (status $SERVER_EXIT)"
rad_stop main
assert_no_server_procs

pass
