#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# No path from a client reaches the filesystem: with a valid session cookie, every
# traversal or encoding trick against the profile and package URLs gets a plain 404 (also
# over a raw TLS connection, byte for byte as sent), a listed package swapped for a symbolic
# link after start-up is not served, and the server keeps serving the real files.
set -eu
. "$(dirname "$0")/lib.sh"
. "$E2E_TOP/tests/data/files/files-lib.sh"

e2e_init files-traversal
command -v curl >/dev/null 2>&1 || skip "no curl"
e2e_certs ec
e2e_passwd alice alicepw
P="$T/pkgs"
mkdir -p "$P" "$T/outside"
head -c 100000 /dev/urandom >"$P/core.sh"
head -c 1000 /dev/urandom >"$P/swap.sh"
echo "TOP-SECRET-OUTSIDE" >"$T/outside/secret"
echo "TOP-SECRET-INSIDE" >"$P/unlisted"
ln -s "$T/outside/secret" "$P/link-out"
printf 'package VPNCore 1.0 linux-64 sh core.sh\npackage DART 1.0 linux-64 sh swap.sh\n' >"$P/manifest"
chmod -R a+rX "$P" "$T/outside"
cp "$E2E_TOP/conf/profile.xml" "$T/profile.xml"
chmod 644 "$T/profile.xml"
e2e_conf "client-packages = $P" "user-profile = $T/profile.xml"
e2e_start
files_login alice alicepw l1
C="webvpn=$TOKEN"

step "traversal and encoding tricks -> 404, nothing leaked"
n=0
while IFS= read -r path; do
	[ -n "$path" ] || continue
	code=$(files_get "t$n" "$path" -b "$C")
	if [ "$code" != 404 ]; then
		fail "'$path': got $code, expected 404"
	fi
	assert_not_grep 'TOP-SECRET|root:|AnyConnectProfile' "$T/t$n.body" "no content for '$path'"
	n=$((n + 1))
done <<'PATHS'
/CACHE/stc/1/binaries/../../../../etc/passwd
/CACHE/stc/1/binaries/..%2f..%2f..%2f..%2fetc%2fpasswd
/CACHE/stc/1/binaries/%2e%2e/%2e%2e/%2e%2e/etc/passwd
/CACHE/stc/1/binaries/%2E%2E%2Funlisted
/CACHE/stc/1/binaries/..%252funlisted
/CACHE/stc/1/binaries/unlisted
/CACHE/stc/1/binaries/link-out
/CACHE/stc/1/binaries/manifest
/CACHE/stc/1/binaries/.
/CACHE/stc/1/binaries/..
/CACHE/stc/1/binaries/
/CACHE/stc/1/binaries//core.sh
/CACHE/stc/1/binaries/./core.sh
/CACHE/stc/1/binaries/core.sh/
/CACHE/stc/1/binaries/core.sh%00
/CACHE/stc/1/binaries/core.sh%2f..%2fmanifest
/CACHE/stc/1/binaries/core%2esh
/CACHE/stc/1/binaries/..\..\unlisted
/CACHE/stc/1/../1/binaries/core.sh
//CACHE/stc/1/binaries/core.sh
/CACHE//stc/1/binaries/core.sh
/cache/stc/1/binaries/core.sh
/CACHE/stc/1/binaries/sub/core.sh
/profiles/../CACHE/stc/1/binaries/core.sh
/profiles/../../etc/passwd
/profiles/%2e%2e%2f%2e%2e%2fetc%2fpasswd
/profiles%2F..%2F..%2Fetc%2Fpasswd
/profiles%2F%2E%2E%2Funlisted
/profiles/profile.xml/..
/profiles/.profile.xml
/profiles/profile.xml:x
/profiles/profile.xml:99999999
/%2e%2e/%2e%2e/etc/passwd
/../../../../etc/passwd
PATHS
note "$n tricks refused"

step "raw request lines over TLS (no client normalisation)"
for line in 'GET /CACHE/stc/1/binaries/../manifest HTTP/1.1' \
	'GET /CACHE/stc/1/binaries/..\manifest HTTP/1.1' \
	'GET /profiles/./profile.xml HTTP/1.1' \
	'GET /CACHE/stc/1/binaries/link-out HTTP/1.1'; do
	printf '%s\r\nHost: x\r\nCookie: %s\r\nConnection: close\r\n\r\n' "$line" "$C" |
		in_client timeout 10 openssl s_client -quiet -connect "$SERVER_IP:$PORT" \
			-CAfile "$CA_CERT" >"$T/raw.out" 2>/dev/null || true
	assert_grep '^HTTP/1.1 404 ' "$T/raw.out" "404 for '$line'"
	assert_not_grep 'TOP-SECRET|root:' "$T/raw.out" "nothing leaked for '$line'"
done

step "a listed package replaced by a symlink after start-up is not served"
mv "$P/swap.sh" "$P/swap.sh.orig"
ln -s "$T/outside/secret" "$P/swap.sh"
code=$(files_get sw /CACHE/stc/1/binaries/swap.sh -b "$C")
assert_eq "$code" 404 "symlinked package"
assert_not_grep 'TOP-SECRET' "$T/sw.body" "symlink target not leaked"
assert_grep 'swap.sh is a symbolic link' "$T/server.log" "main says why"
rm "$P/swap.sh"
echo "changed" >"$P/swap.sh"
code=$(files_get sw2 /CACHE/stc/1/binaries/swap.sh -b "$C")
assert_eq "$code" 404 "package changed on disk since it was hashed"
assert_grep 'swap.sh changed since it was hashed' "$T/server.log" "main says why"

step "the real files are still served"
code=$(files_get ok1 /CACHE/stc/1/binaries/core.sh -b "$C")
assert_eq "$code" 200 "package"
cmp -s "$T/ok1.body" "$P/core.sh" || fail "package bytes"
code=$(files_get ok2 /profiles/profile.xml -b "$C")
assert_eq "$code" 200 "profile"
server_alive

pass
