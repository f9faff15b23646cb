#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Without -f cstpd daemonizes: the command returns, the pid-file names a live process that
# serves logins, and SIGTERM to that PID ends it and removes the pid-file.
set -eu
. "$(dirname "$0")/lib.sh"

e2e_init daemon
e2e_certs ec
e2e_passwd alice alicepw
e2e_conf
PIDFILE="$T/cstpd.pid"
[ -x "$CSTPD" ] || fail "no server binary at $CSTPD"

step "cstpd without -f returns"
rc=0
# shellcheck disable=SC2046
ip netns exec "$SNS" env $(e2e_san_env) timeout 10 "$CSTPD" -c "$T/cstpd.conf" \
	>"$T/server.log" 2>&1 </dev/null || rc=$?
[ "$rc" != 124 ] || fail "cstpd without -f did not return within 10 s"
[ "$rc" = 0 ] || { e2e_dump "cstpd output" "$T/server.log"; fail "cstpd without -f: exit $rc"; }

step "pid-file names a live process in the server namespace"
for _ in $(seq 50); do
	[ -s "$PIDFILE" ] && break
	sleep 0.1
done
[ -s "$PIDFILE" ] || fail "no pid-file $PIDFILE after 5 s"
dpid=$(tr -d ' \n' <"$PIDFILE")
case "$dpid" in '' | *[!0-9]*) fail "pid-file holds '$dpid'" ;; esac
e2e_track "$dpid"
kill -0 "$dpid" 2>/dev/null || fail "PID $dpid from the pid-file is not running"
[ "$(ip netns identify "$dpid")" = "$SNS" ] || fail "PID $dpid is not in the server namespace"
ppid=$(awk '/^PPid:/ { print $2 }' "/proc/$dpid/status")
note "daemon PID $dpid, parent $ppid"
[ "$ppid" != "$$" ] || fail "the daemon is still a child of the test shell"
e2e_wait_listen 10 || fail "daemon does not listen on $PORT"

step "a login works"
oc_auth_ok alice alicepw

step "SIGTERM ends the daemon and removes the pid-file"
kill -TERM "$dpid"
for _ in $(seq 50); do
	kill -0 "$dpid" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$dpid" 2>/dev/null && fail "daemon still running 5 s after SIGTERM"
for _ in $(seq 20); do
	[ -e "$PIDFILE" ] || break
	sleep 0.1
done
[ -e "$PIDFILE" ] && fail "pid-file still there after the daemon exited"
sleep 0.3
left=$(ip netns pids "$SNS" | wc -l)
[ "$left" = 0 ] || fail "$left processes left in the server namespace after SIGTERM"
[ -n "$(in_server ss -Hltn "sport = :$PORT")" ] && fail "port $PORT still listening"

pass
