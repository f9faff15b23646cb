#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A session survives a cut TCP connection: the server's socket of a live tunnel is destroyed
# (`ss -K`), openconnect reconnects by itself with its cookie, gets the same IPv4 address
# (its script runs with reason=reconnect), pings pass again, and `cstpctl show status`
# counts one incoming and one successful reconnect.
set -eu
. "$(dirname "$0")/lib.sh"

e2e_init reconnect-cut
[ -x "$CSTPCTL" ] || fail "no cstpctl at $CSTPCTL (set BUILD_DIR)"
e2e_certs ec
e2e_passwd alice alicepw
e2e_conf
e2e_start

step "openconnect connects as alice"
oc_tunnel_up a alice alicepw --reconnect-timeout 60
addr=$TUN_ADDR
note "client tun $TUN_DEV, address $addr"
assert_ping client 10.66.0.1 -I "$addr"
ctl --json show status >"$T/status0.json" || fail "cstpctl show status"
assert_eq "$(json_get "$T/status0.json" reconnects.succeeded)" 0 "reconnects before the cut"
assert_eq "$(json_get "$T/status0.json" sessions_active)" 1 "active sessions before the cut"

step "cut the TCP connection on the server side (ss -K)"
in_server ss -K -tn "( sport = :$PORT and dst $CLIENT_IP )" >"$T/ss-kill.out" 2>&1 || true
assert_grep "$CLIENT_IP" "$T/ss-kill.out" "a killed TCP socket to $CLIENT_IP"

step "openconnect reconnects with its cookie"
wait_until 30 test -e "$(tun_dir a)/env.reconnect" || {
	e2e_dump "openconnect a" "$(tun_dir a)/oc.log" 30
	fail "openconnect did not run its script with reason=reconnect within 30 s"
}
kill -0 "$(oc_tunnel_pid a)" 2>/dev/null || fail "openconnect exited instead of reconnecting"
assert_eq "$(tun_var a INTERNAL_IP4_ADDRESS reconnect)" "$addr" "address after the reconnect"
assert_not_grep 'cookie.*(invalid|no longer|rejected)|401' "$(tun_dir a)/oc.log" \
	"no refused cookie in openconnect's log"

step "pings pass again through the same address"
wait_until 10 ping_from client 10.66.0.1 -I "$addr" || {
	e2e_dump "ping" "$T/ping.out" 10
	fail "no ping through the tunnel after the reconnect"
}
assert_ping server "$addr"

step "cstpctl counts the reconnect"
ctl --json show status >"$T/status1.json" || fail "cstpctl show status"
"$PY" -m json.tool "$T/status1.json" >/dev/null || fail "show status is not JSON"
assert_eq "$(json_get "$T/status1.json" reconnects.incoming)" 1 "reconnects.incoming"
assert_eq "$(json_get "$T/status1.json" reconnects.succeeded)" 1 "reconnects.succeeded"
assert_eq "$(json_get "$T/status1.json" reconnects.failed)" 0 "reconnects.failed"
assert_eq "$(json_get "$T/status1.json" reconnects.capable_active)" 1 "capable_active"
assert_eq "$(json_get "$T/status1.json" reconnects.capable_inactive)" 0 "capable_inactive"
assert_eq "$(json_get "$T/status1.json" sessions_active)" 1 "one session, not two"
ctl --json show user alice >"$T/alice.json" || fail "cstpctl show user alice"
assert_eq "$(json_get "$T/alice.json" 0.reconnects)" 1 "the session's reconnect count"
assert_eq "$(json_get "$T/alice.json" 0.ipv4)" "$addr" "the session's address"
assert_eq "$(json_get "$T/alice.json" 0.state)" active "the session's state"
# peer-closed, or taken-over when the reconnect overtook main's handling of the old
# worker's exit; never "none": the session's last tunnel did end.
reason=$(json_get "$T/alice.json" 0.last_disconnect_reason)
note "last disconnect reason: $reason"
case "$reason" in
peer-closed | taken-over) ;;
*) fail "last_disconnect_reason is '$reason', expected peer-closed or taken-over" ;;
esac
server_alive

pass
