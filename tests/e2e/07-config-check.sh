#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `cstpd -t -c FILE` checks a configuration: exit 0 for a good one; exit 1 with FILE:LINE
# for an unknown key or a bad value; exit 1 when a required key is missing. Needs no root.
set -eu
. "$(dirname "$0")/lib.sh"

e2e_init config-check --no-netns
[ -x "$CSTPD" ] || fail "no server binary at $CSTPD (set BUILD_DIR)"
e2e_certs ec
e2e_conf

# check FILE: run cstpd -t; sets CHK_RC and leaves the output in $T/check.out.
check() {
	CHK_RC=0
	timeout 10 "$CSTPD" -t -c "$1" >"$T/check.out" 2>&1 </dev/null || CHK_RC=$?
}

# expect_error_at FILE LINE DESCRIPTION: exit 1 and a message naming FILE:LINE.
expect_error_at() {
	local file=$1 line=$2 what=$3
	check "$file"
	if [ "$CHK_RC" != 1 ]; then
		e2e_dump "cstpd -t" "$T/check.out"
		fail "$what: exit $CHK_RC, expected 1"
	fi
	assert_grep "$(basename "$file"):$line([^0-9]|\$)" "$T/check.out" "'$(basename "$file"):$line' ($what)"
}

# with_line NAME LINE: a copy of the good config with LINE appended; prints its path and
# sets WL_LINE to the line number of the added line.
with_line() {
	local f="$T/$1.conf"
	cp "$T/cstpd.conf" "$f"
	printf '%s\n' "$2" >>"$f"
	WL_LINE=$(wc -l <"$f")
}

step "good config -> exit 0"
check "$T/cstpd.conf"
if [ "$CHK_RC" != 0 ]; then
	e2e_dump "cstpd -t" "$T/check.out"
	fail "good config: exit $CHK_RC"
fi
assert_grep 'ok' "$T/check.out" "'configuration OK'"

step "comments, blank lines, quoting and repeated keys are fine"
with_line extra "# a comment"
cat >>"$T/extra.conf" <<'XEOF'

   # indented comment
route = 10.10.0.0/16
route = 192.168.5.0/255.255.255.0
select-group = staff[Staff Members]
select-group = ops
banner = "Welcome, tester"
XEOF
check "$T/extra.conf"
[ "$CHK_RC" = 0 ] || { e2e_dump "cstpd -t" "$T/check.out"; fail "config with extras: exit $CHK_RC"; }

step "unknown key -> exit 1, FILE:LINE"
# In the middle of the file, so the line number is not simply the last one.
cp "$T/cstpd.conf" "$T/unknown.conf"
sed -i '3i frobnicate-the-widgets = 1' "$T/unknown.conf"
expect_error_at "$T/unknown.conf" 3 "unknown key"
assert_grep 'frobnicate' "$T/check.out" "the unknown key's name"

step "bad values -> exit 1, FILE:LINE"
n=0
for bad in 'tcp-port = http' 'tcp-port = 70000' 'tcp-port = 443x' 'max-clients = -5' \
	'cookie-timeout = 1e3' 'cisco-client-compat = maybe' 'ipv4-network = 10.66.0.0/33' \
	'ipv4-network = 300.1.2.3/24' 'route = 10.0.0.0/40' 'select-group = [nolabel' \
	'tcp-port' 'auth = "nosuchmethod"'; do
	n=$((n + 1))
	with_line "bad$n" "$bad"
	expect_error_at "$T/bad$n.conf" "$WL_LINE" "'$bad'"
done

step "an over-long value -> exit 1, FILE:LINE"
with_line long "banner = $(head -c 5000 /dev/zero | tr '\0' 'x')"
expect_error_at "$T/long.conf" "$WL_LINE" "5000-byte banner"

step "missing server-cert -> exit 1"
grep -v '^server-cert' "$T/cstpd.conf" >"$T/nocert.conf"
check "$T/nocert.conf"
[ "$CHK_RC" = 1 ] || { e2e_dump "cstpd -t" "$T/check.out"; fail "no server-cert: exit $CHK_RC"; }
assert_grep 'server-cert' "$T/check.out" "a message naming server-cert"

step "missing auth -> exit 1"
grep -v '^auth' "$T/cstpd.conf" >"$T/noauth.conf"
check "$T/noauth.conf"
[ "$CHK_RC" = 1 ] || { e2e_dump "cstpd -t" "$T/check.out"; fail "no auth: exit $CHK_RC"; }

step "nonexistent file -> exit 1 naming it"
check "$T/does-not-exist.conf"
[ "$CHK_RC" = 1 ] || { e2e_dump "cstpd -t" "$T/check.out"; fail "missing file: exit $CHK_RC"; }
assert_grep 'does-not-exist\.conf' "$T/check.out" "the missing file's name"

step "the shipped conf/cstpd.conf"
if [ -f "$E2E_TOP/conf/cstpd.conf" ]; then
	check "$E2E_TOP/conf/cstpd.conf"
	if [ "$CHK_RC" = 0 ]; then
		note "conf/cstpd.conf passes -t"
	else
		# It points at /etc paths that may not exist here; only a syntax error counts.
		if grep -qE 'cstpd\.conf:[0-9]+' "$T/check.out" &&
			! grep -qiE 'no such file|cannot open|not found|does not exist' "$T/check.out"; then
			e2e_dump "cstpd -t conf/cstpd.conf" "$T/check.out"
			fail "conf/cstpd.conf has a syntax error"
		fi
		note "conf/cstpd.conf: exit $CHK_RC (not a syntax error): $(head -n1 "$T/check.out")"
	fi
else
	note "no conf/cstpd.conf yet; check skipped"
fi

pass
