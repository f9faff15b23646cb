#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Password + one-time password with auth = "plain[passwd=...,otp=...]" and a users.oath file:
# TOTP (codes from oathtool, and from openconnect's own --token-mode=totp) and HOTP
# (oathtool -c N) log in after the password; a code cannot be used twice; a wrong password
# never reaches the OTP form; the file keeps the moved counter, rewritten atomically.
set -eu
. "$(dirname "$0")/lib.sh"

command -v oathtool >/dev/null 2>&1 || { echo "SKIP: otp: no oathtool"; exit 77; }

KEY_T=3132333435363738393031323334353637383930
KEY_H=00112233445566778899aabbccddeeff00112233

# oc_otp USER PASS CODE [OPENCONNECT ARGS...]: log in, answering the second form (the
# one-time password) with CODE from stdin (no --non-inter: openconnect reads the next line).
oc_otp() {
	local user=$1 pass=$2 code=$3 rc=0
	shift 3
	E2E_OC_SEQ=$((E2E_OC_SEQ + 1))
	OC_OUT="$T/oc-$E2E_OC_SEQ.out"
	OC_ERR="$T/oc-$E2E_OC_SEQ.err"
	printf '%s\n%s\n' "$pass" "$code" | ip netns exec "$CNS" timeout -k 2 30 \
		openconnect --authenticate --servercert "$PIN" --user "$user" \
		--passwd-on-stdin "$@" "https://$SERVER_IP:$PORT/" \
		>"$OC_OUT" 2>"$OC_ERR" || rc=$?
	OC_COOKIE=$(sed -n "s/^COOKIE='\(.*\)'\$/\1/p" "$OC_OUT" | head -n1)
	return "$rc"
}

otp_ok() {
	if ! oc_otp "$@" || [ -z "$OC_COOKIE" ]; then
		e2e_dump "openconnect stderr" "$OC_ERR" 30
		fail "login of '$1' with one-time password $3 should succeed"
	fi
}

otp_refused() {
	local rc=0
	oc_otp "$@" || rc=$?
	if [ "$rc" = 0 ] || [ -n "$OC_COOKIE" ]; then
		e2e_dump "openconnect stderr" "$OC_ERR" 30
		fail "login of '$1' with one-time password $3 should be refused"
	fi
	[ "$rc" = 124 ] && fail "openconnect timed out instead of being refused ('$1')"
	return 0
}

e2e_init otp
e2e_certs ec
e2e_passwd alice alicepw
e2e_passwd bob bobpw
e2e_passwd carol carolpw
e2e_passwd dave davepw
cat >"$T/users.oath" <<-EOF
	# one-time password tokens
	HOTP/T30	alice	-	$KEY_T
	HOTP	bob	-	$KEY_H	0
	HOTP/T30	dave	-	$KEY_T
EOF
chmod 600 "$T/users.oath"
e2e_conf "auth = \"plain[passwd=$T/passwd,otp=$T/users.oath]\""
e2e_start

step "alice: password, then a TOTP code from oathtool -> cookie"
code=$(oathtool --totp "$KEY_T")
otp_ok alice alicepw "$code"
assert_grep 'one-time password' "$OC_ERR" "the server's one-time password prompt"
grep -qP "^HOTP/T30\talice\t-\t$KEY_T\t[0-9]+\t$code\t" "$T/users.oath" ||
	{ cat "$T/users.oath" >&2; fail "alice's line does not record the code used"; }
grep -q '^# one-time password tokens$' "$T/users.oath" || fail "the comment line was lost"

step "the same TOTP code again -> refused as a replay"
otp_refused alice alicepw "$code"
assert_grep "one-time code of 'alice' refused: already used" "$T/server.log" \
	"the replay in the server log"

step "a wrong TOTP code -> refused"
bad=$(printf '%06d' $(((10#$code + 1) % 1000000)))
otp_refused alice alicepw "$bad"

step "openconnect's own TOTP token (--token-mode=totp) -> cookie"
# dave has alice's key but his own line: nothing of his was used yet.
oc_auth_ok dave davepw --token-mode=totp --token-secret="0x$KEY_T"

step "bob: HOTP counter 0 -> cookie; again -> refused; counter 1 -> cookie"
otp_ok bob bobpw "$(oathtool -c 0 "$KEY_H")"
grep -qP "^HOTP\tbob\t-\t$KEY_H\t1\t" "$T/users.oath" ||
	{ cat "$T/users.oath" >&2; fail "bob's counter did not move to 1"; }
otp_refused bob bobpw "$(oathtool -c 0 "$KEY_H")"
otp_ok bob bobpw "$(oathtool -c 1 "$KEY_H")"
step "bob: a code a few counts ahead (inside the look-ahead window) -> cookie"
otp_ok bob bobpw "$(oathtool -c 5 "$KEY_H")"
otp_refused bob bobpw "$(oathtool -c 4 "$KEY_H")"

step "a wrong password never reaches the one-time password form"
otp_refused bob wrongpw "$(oathtool -c 6 "$KEY_H")"
assert_not_grep 'one-time password' "$OC_ERR" "no OTP prompt after a wrong password"

step "a user without a token line cannot log in"
otp_refused carol carolpw 123456

step "no temporary or lock files are left behind but the lock"
left=$(find "$T" -maxdepth 1 -name 'users.oath.*' ! -name 'users.oath.lock' | wc -l)
[ "$left" = 0 ] || { ls -la "$T" >&2; fail "temporary files left next to users.oath"; }
[ "$(stat -c %a "$T/users.oath")" = 600 ] || fail "users.oath mode changed"
server_alive
e2e_stop || fail "cstpd did not exit cleanly on SIGTERM (status $SERVER_EXIT)"
assert_no_server_procs

pass
