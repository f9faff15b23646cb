#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# RADIUS accounting, read back from FreeRADIUS's detail file: a tunnel brings an
# Accounting-Start, then Interim-Updates every stats-report-time (or every
# Acct-Interim-Interval RADIUS sent), then a Stop when the user disconnects, with
# non-zero octets and packets, a session time, Acct-Terminate-Cause User-Request, the
# Class RADIUS gave, and one Acct-Session-Id in the Access-Request, Start, Interim and Stop.
# A login without a tunnel is not accounted.
set -eu
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../data/radius/lib.sh"

# sid_of USER: the Acct-Session-Id the server logged for USER's last login.
sid_of() {
	sed -n "s/.*user '$1' authenticated .*Acct-Session-Id \([0-9A-F]*\)).*/\1/p" \
		"$T/server.log" | tail -n1
}

need_attr() {
	local rec=$1 attr=$2 want=$3 got
	got=$(rad_attr "$rec" "$attr")
	if [ "$got" != "$want" ]; then
		printf '%s\n' "$rec" >&2
		fail "$attr: got '$got', expected '$want'"
	fi
}

need_positive() {
	local rec=$1 attr=$2 got
	got=$(rad_attr "$rec" "$attr")
	case "$got" in '' | 0 | *[!0-9]*)
		printf '%s\n' "$rec" >&2
		fail "$attr should be a positive number, got '$got'"
		;;
	esac
}

e2e_init radius-acct
rad_require
e2e_certs ec
rad_start main
rad_client_conf 127.0.0.1:1812 127.0.0.1:1813
e2e_conf - <<EOF
auth = "radius[config=$RADIUSCLIENT_CONF,groupconfig=true]"
acct = "radius[config=$RADIUSCLIENT_CONF]"
stats-report-time = 2
EOF
e2e_start

step "a login without a tunnel is not accounted"
oc_auth_ok alice alicepw
sid_nt=$(sid_of alice)
[ -n "$sid_nt" ] || fail "no Acct-Session-Id in the log"

step "carol's tunnel: Accounting-Start with the Acct-Session-Id of her Access-Request"
oc_tunnel_up c carol carolpw
sid=$(sid_of carol)
if [ -z "$sid" ] || [ "$sid" = "$sid_nt" ]; then
	fail "no fresh Acct-Session-Id for carol"
fi
grep -q "Acct-Session-Id = \"$sid\"" "$(rad_dir main)/acct/auth-detail" ||
	fail "the Access-Request did not carry Acct-Session-Id $sid"
rad_wait_records main Start 1 "$sid" 10 || { cat "$(rad_detail main)" >&2; fail "no Start"; }
rec=$(rad_record main Start "$sid")
need_attr "$rec" User-Name carol
need_attr "$rec" Framed-IP-Address "$TUN_ADDR"
need_attr "$rec" Calling-Station-Id "$CLIENT_IP"
need_attr "$rec" NAS-Identifier cstpd-e2e
printf '%s\n' "$rec" | grep -q 'Class = 0x4f553d656e67696e656572696e673b6f7073' ||
	{ printf '%s\n' "$rec" >&2; fail "the Start does not echo carol's Class"; }

step "traffic, then Interim-Updates with non-zero counters (stats-report-time 2 s)"
assert_ping client 10.66.0.1 -I "$TUN_ADDR" -s 1000
assert_ping client 10.66.0.1 -I "$TUN_ADDR" -s 1000
rad_wait_records main Interim-Update 2 "$sid" 12 || {
	cat "$(rad_detail main)" >&2
	fail "fewer than 2 Interim-Updates in 12 s"
}
sleep 2.5
rec=$(rad_record main Interim-Update "$sid")
need_positive "$rec" Acct-Input-Octets
need_positive "$rec" Acct-Output-Octets
need_positive "$rec" Acct-Input-Packets
need_positive "$rec" Acct-Session-Time

step "the user disconnects: Stop with the final counters, cause User-Request"
oc_tunnel_stop c
rad_wait_records main Stop 1 "$sid" 10 || { cat "$(rad_detail main)" >&2; fail "no Stop"; }
rec=$(rad_record main Stop "$sid")
need_attr "$rec" Acct-Terminate-Cause User-Request
need_attr "$rec" User-Name carol
need_positive "$rec" Acct-Input-Octets
need_positive "$rec" Acct-Output-Octets
need_positive "$rec" Acct-Input-Packets
need_positive "$rec" Acct-Output-Packets
need_positive "$rec" Acct-Session-Time
in_bytes=$(rad_attr "$rec" Acct-Input-Octets)
[ "$in_bytes" -gt 4000 ] || fail "Stop counts only $in_bytes input octets after 6 pings of 1 kB"
[ "$(rad_records main Start "$sid")" = 1 ] || fail "more than one Start for $sid"
[ "$(rad_records main Stop "$sid")" = 1 ] || fail "more than one Stop for $sid"

step "bob: Acct-Interim-Interval from RADIUS (2 s) beats stats-report-time"
e2e_conf - <<EOF
auth = "radius[config=$RADIUSCLIENT_CONF,groupconfig=true]"
acct = "radius[config=$RADIUSCLIENT_CONF]"
stats-report-time = 600
EOF
kill -HUP "$SERVER_PID"
wait_until 5 grep -q "configuration reloaded" "$T/server.log" || fail "no reload"
oc_tunnel_up b bob bobpw
sid_b=$(sid_of bob)
rad_wait_records main Interim-Update 2 "$sid_b" 10 || {
	cat "$(rad_detail main)" >&2
	fail "no Interim-Updates every 2 s for bob"
}
oc_tunnel_stop b
rad_wait_records main Stop 1 "$sid_b" 10 || fail "no Stop for bob"

step "alice's login without a tunnel never got a record"
[ "$(rad_records main Start "$sid_nt")" = 0 ] || fail "a Start for a session without tunnel"
server_alive
e2e_stop || fail "cstpd did not exit cleanly on SIGTERM (status $SERVER_EXIT)"
[ "$(rad_records main Stop "$sid_nt")" = 0 ] || fail "a Stop for a session without tunnel"
rad_stop main
assert_no_server_procs

pass
