#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# RADIUS logins against a real FreeRADIUS (tests/data/radius) with auth = "radius[...]":
# Access-Accept gives a cookie; Access-Reject gives the form again with the server's
# Reply-Message; an unknown user is refused; Access-Challenge shows a second form with the
# Reply-Message, answered with a TOTP code (from oathtool on stdin, and from openconnect's
# own --token-mode=totp); a wrong code is refused; a server that challenges forever is cut
# off after a bounded number of rounds. The Access-Request carries NAS-Identifier and an
# Acct-Session-Id.
set -eu
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../data/radius/lib.sh"

KEY_T=3132333435363738393031323334353637383930

# oc_answers USER ANSWER... : log in with the password and the next answers on stdin
# (no --non-inter: openconnect reads each prompt's answer as the next line).
oc_answers() {
	local user=$1 rc=0
	shift
	E2E_OC_SEQ=$((E2E_OC_SEQ + 1))
	OC_OUT="$T/oc-$E2E_OC_SEQ.out"
	OC_ERR="$T/oc-$E2E_OC_SEQ.err"
	printf '%s\n' "$@" | ip netns exec "$CNS" timeout -k 2 40 openconnect --authenticate \
		--servercert "$PIN" --user "$user" --passwd-on-stdin \
		"https://$SERVER_IP:$PORT/" >"$OC_OUT" 2>"$OC_ERR" || rc=$?
	OC_COOKIE=$(sed -n "s/^COOKIE='\(.*\)'\$/\1/p" "$OC_OUT" | head -n1)
	return "$rc"
}

e2e_init radius-auth
rad_require
command -v oathtool >/dev/null 2>&1 || skip "no oathtool"
e2e_certs ec
rad_start main
rad_client_conf 127.0.0.1:1812
e2e_conf "auth = \"radius[config=$RADIUSCLIENT_CONF,groupconfig=true]\""
e2e_start

step "Access-Accept -> cookie"
oc_auth_ok alice alicepw
req=$(awk 'BEGIN { RS = "" } /User-Name = "alice"/ { r = $0 } END { print r }' \
	"$(rad_dir main)/acct/auth-detail")
printf '%s\n' "$req" | grep -q 'NAS-Identifier = "cstpd-e2e"' ||
	{ printf '%s\n' "$req" >&2; fail "no NAS-Identifier in the Access-Request"; }
printf '%s\n' "$req" | grep -qE 'Acct-Session-Id = "[0-9A-F]{16}"' ||
	{ printf '%s\n' "$req" >&2; fail "no Acct-Session-Id in the Access-Request"; }
printf '%s\n' "$req" | grep -q "Calling-Station-Id = \"$CLIENT_IP\"" ||
	{ printf '%s\n' "$req" >&2; fail "no Calling-Station-Id $CLIENT_IP"; }

step "Access-Reject -> refused with the server's Reply-Message"
oc_auth_refused alice wrongpw
assert_grep 'Access denied by RADIUS' "$OC_ERR" "the Reply-Message of the reject"

step "unknown user -> refused"
oc_auth_refused mallory whatever
server_alive

step "Access-Challenge -> a second form with the Reply-Message, a TOTP code -> cookie"
code=$(oathtool --totp "$KEY_T")
oc_answers dave davepw "$code" || true
if [ -z "$OC_COOKIE" ]; then
	e2e_dump "openconnect stderr" "$OC_ERR" 30
	fail "dave's challenge login failed"
fi
assert_grep 'Enter the code from your token' "$OC_ERR" "the challenge's Reply-Message"

step "a wrong answer to the challenge -> refused"
bad=$(printf '%06d' $(((10#$code + 500000) % 1000000)))
oc_answers dave davepw "$bad" || true
[ -z "$OC_COOKIE" ] || fail "a wrong TOTP code was accepted"
assert_grep 'Access denied by RADIUS' "$OC_ERR" "the Reply-Message after the wrong code"

step "a wrong password is rejected in the first round (no challenge)"
oc_answers dave wrongpw 123456 || true
[ -z "$OC_COOKIE" ] || fail "a wrong password was accepted"
assert_not_grep 'Enter the code from your token' "$OC_ERR" "no challenge after a wrong password"

step "openconnect's own TOTP token answers the challenge form"
oc_auth_ok dave davepw --token-mode=totp --token-secret="0x$KEY_T"

step "a server that challenges forever is cut off after a bounded number of rounds"
oc_answers frank frankpw 1 2 3 4 5 6 7 8 9 10 || true
[ -z "$OC_COOKIE" ] || fail "frank got a cookie"
# Challenges shown before the first refusal (openconnect then starts over with the next
# line of stdin as a password).
n=$(awk '/Login failed/ { exit } /Enter the next code/ { n++ } END { print n + 0 }' "$OC_ERR")
if [ "$n" -lt 2 ] || [ "$n" -gt 6 ]; then
	e2e_dump openconnect "$OC_ERR"
	fail "frank was challenged $n times"
fi
assert_grep "login failed for user 'frank': too many challenge rounds" "$T/server.log" \
	"the bound on challenge rounds in the log"

step "the server still logs people in"
oc_auth_ok alice alicepw
server_alive
e2e_stop || fail "cstpd did not exit cleanly on SIGTERM (status $SERVER_EXIT)"
rad_stop main
assert_no_server_procs

pass
