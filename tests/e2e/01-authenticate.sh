#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Password login with the real openconnect client: a good login gets a cookie; a wrong
# password, an unknown user, a locked user and an empty password are refused with the
# server's "Login failed" text; the server survives all of them and still logs people in.
set -eu
. "$(dirname "$0")/lib.sh"

e2e_init authenticate
e2e_certs ec
e2e_passwd alice 'correct horse'
e2e_passwd carol 'carol pass' staff
e2e_conf
e2e_start

step "correct password -> cookie"
oc_auth_ok alice 'correct horse'
assert_grep "^COOKIE='.+'" "$OC_OUT" "a COOKIE= line"
first=$OC_WEBVPN

step "wrong password -> refused with 'Login failed'"
oc_auth_refused alice 'wrong horse'
assert_grep 'login failed' "$OC_ERR" "the server's error text"
server_alive "after a wrong password"

step "unknown user -> refused the same way"
oc_auth_refused mallory 'correct horse'
assert_grep 'login failed' "$OC_ERR" "the server's error text"
server_alive "after an unknown user"

step "locked user -> refused"
if [ -x "$CSTPPASSWD" ]; then
	"$CSTPPASSWD" -c "$T/passwd" -l carol >"$T/lock.out" 2>&1 || fail "cstppasswd -l carol"
else
	# Same effect as `cstppasswd -l`: a '!' in front of the hash.
	sed -i 's/^carol:\([^:]*\):/carol:\1:!/' "$T/passwd"
fi
grep -q '^carol:[^:]*:!' "$T/passwd" || fail "carol is not locked in the password file"
oc_auth_refused carol 'carol pass'
assert_grep 'login failed' "$OC_ERR" "the server's error text"
server_alive "after a locked user"

step "empty password -> refused"
oc_auth_refused alice ''
assert_grep 'login failed' "$OC_ERR" "the server's error text"
server_alive "after an empty password"

step "good login still works, with a new cookie"
oc_auth_ok alice 'correct horse'
[ "$OC_WEBVPN" != "$first" ] || fail "second login got the same cookie as the first"
server_alive

step "SIGTERM stops the server cleanly"
e2e_stop || fail "cstpd did not exit cleanly on SIGTERM (status $SERVER_EXIT)"
assert_no_server_procs

pass
