#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# persistent-cookies = true (ocserv semantics): a client's explicit disconnect (DISCONNECT
# 0xb0) does not end the session: its cookie still connects within cookie-timeout and gets
# the same address, with no new login. (Without the option, 14-logout shows the cookie
# refused after a logout.)
set -eu
. "$(dirname "$0")/lib.sh"

e2e_init persistent-cookies
e2e_certs ec
e2e_passwd alice alicepw
e2e_conf "persistent-cookies = true" "cookie-timeout = 60"
e2e_start

step "log in (cookie), connect with it, then disconnect (SIGINT: DISCONNECT 0xb0)"
oc_auth_ok alice alicepw
cookie=$OC_COOKIE
oc_tunnel_start_cookie t1 "$cookie"
oc_tunnel_wait t1
addr=$TUN_ADDR
assert_ping client 10.66.0.1
oc_tunnel_stop t1 INT
wait_until 5 server_tun_gone "$addr" || fail "the server device for $addr did not go away"
wait_until 5 grep -qE "session [0-9]+ of 'alice' inactive" "$T/server.log" ||
	fail "the session was not kept after the disconnect"
assert_not_grep "session [0-9]+ of 'alice' ended" "$T/server.log" "the session not to end"

step "the same cookie connects again and gets $addr, without a new login"
logins=$(grep -c "user 'alice' authenticated" "$T/server.log")
oc_tunnel_start_cookie t2 "$cookie"
oc_tunnel_wait t2
assert_eq "$TUN_ADDR" "$addr" "address with the kept cookie"
assert_ping client 10.66.0.1
assert_eq "$(grep -c "user 'alice' authenticated" "$T/server.log")" "$logins" \
	"number of logins (no new one)"
oc_tunnel_stop t2 INT
pass
