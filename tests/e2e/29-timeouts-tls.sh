#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# idle-timeout and session-timeout end the session (the client is told with TERMINATE and
# does not reconnect); TLS session resumption works across connections (tickets sealed with
# a key main shares with every worker); TLS 1.3 is offered when cisco-client-compat is off.
set -eu
. "$(dirname "$0")/lib.sh"

e2e_init timeouts-tls
e2e_certs ec
e2e_passwd alice alicepw
e2e_passwd bob bobpw
e2e_conf "idle-timeout = 3" "dpd = 60"
e2e_start

step "idle-timeout = 3: a tunnel without traffic is ended by the server"
oc_tunnel_up t1 alice alicepw --no-dtls
start=$(now_ms)
oc_tunnel_wait_exit t1 15 || fail "openconnect still connected 15 s after going idle"
ms=$(($(now_ms) - start))
note "openconnect exited after $ms ms"
assert_grep "idle for 3 s" "$T/server.log" "the worker to log the idle timeout"
wait_until 5 grep -qE "session [0-9]+ of 'alice' ended: idle-timeout" "$T/server.log" ||
	fail "the session did not end with reason idle-timeout"
assert_grep "terminate" "$(tun_dir t1)/oc.log" "openconnect to see the server's TERMINATE"
e2e_stop

step "session-timeout = 4: a busy tunnel still ends after 4 s"
e2e_conf "session-timeout = 4" "dpd = 60"
e2e_start
oc_tunnel_up t2 bob bobpw --no-dtls
in_client ping -q -i 0.2 -w 12 10.66.0.1 >/dev/null 2>&1 &
e2e_track "$!"
oc_tunnel_wait_exit t2 15 || fail "openconnect still connected 15 s into a 4 s session"
wait_until 5 grep -qE "session [0-9]+ of 'bob' ended: session-timeout" "$T/server.log" ||
	fail "the session did not end with reason session-timeout"
e2e_stop

step "TLS 1.2 session resumption across connections (two workers)"
e2e_conf
e2e_start
in_client openssl s_client -connect "$SERVER_IP:$PORT" -tls1_2 -sess_out "$T/sess" \
	</dev/null >"$T/s1.out" 2>&1 || true
assert_grep "New, TLSv1.2" "$T/s1.out" "a full TLS 1.2 handshake first"
in_client openssl s_client -connect "$SERVER_IP:$PORT" -tls1_2 -sess_in "$T/sess" \
	</dev/null >"$T/s2.out" 2>&1 || true
assert_grep "Reused, TLSv1.2" "$T/s2.out" "the second connection to resume the session"
e2e_stop

step "TLS 1.3 with cisco-client-compat = false; TLS 1.2 only with it (the default)"
e2e_conf "cisco-client-compat = false"
e2e_start
oc_auth_ok alice alicepw
assert_grep "TLS1\.3" "$OC_ERR" "openconnect to negotiate TLS 1.3"
e2e_stop
e2e_conf
e2e_start
oc_auth_ok alice alicepw
assert_grep "\(TLS1\.2\)" "$OC_ERR" "TLS 1.2 with cisco-client-compat on"
pass
