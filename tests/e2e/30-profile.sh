#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The client profile (PROTOCOL.md §8): announced in the complete reply and in the webvpnc
# cookie with the SHA-1 of its exact bytes, downloaded on a new TLS connection with the
# session cookie (text/xml, Content-Length, ETag, Last-Modified, 304 on a matching
# If-None-Match / If-Modified-Since), openconnect's ":port" path bug tolerated, 401 without
# a valid cookie, and fetched by the real openconnect with --xmlconfig.
set -eu
. "$(dirname "$0")/lib.sh"
. "$E2E_TOP/tests/data/files/files-lib.sh"

e2e_init profile
command -v curl >/dev/null 2>&1 || skip "no curl"
e2e_certs rsa
e2e_passwd alice alicepw
cp "$E2E_TOP/conf/profile.xml" "$T/corp-profile.xml"
chmod 644 "$T/corp-profile.xml"
e2e_conf "user-profile = $T/corp-profile.xml"
e2e_start
want=$(sha1_upper "$T/corp-profile.xml")

step "login -> vpn-profile-manifest with /profiles/<name> and the file's SHA-1"
files_login alice alicepw login1
read -r uri hash <<<"$(announced_profile login1)"
assert_eq "$uri" /profiles/corp-profile.xml "announced profile URI"
assert_eq "$hash" "$want" "announced profile SHA-1 (upper case, exact bytes)"
assert_grep "^set-cookie: webvpnc=bu:/&p:t&iu:1/&sh:$CERT_SHA1&lu:[^;]*&fu:profiles%2Fcorp-profile.xml&fh:$want;" \
	"$T/login1.hdr" "webvpnc cookie with fu/fh"
assert_grep '^set-cookie: webvpnc=; expires=' "$T/login1.hdr" "webvpnc expired first"

step "GET the profile on a new connection with the cookie -> the announced bytes"
code=$(files_get p1 "$uri" -b "webvpn=$TOKEN")
assert_eq "$code" 200 "profile status"
cmp -s "$T/p1.body" "$T/corp-profile.xml" || fail "downloaded profile differs from the file"
assert_eq "$(sha1_upper "$T/p1.body")" "$hash" "SHA-1 of the download vs the announcement"
assert_eq "$(hdr p1 content-type)" text/xml "Content-Type"
assert_eq "$(hdr p1 content-length)" "$(stat -c %s "$T/corp-profile.xml")" "Content-Length"
assert_eq "$(hdr p1 etag)" "\"$want\"" "ETag"
lm=$(hdr p1 last-modified)
assert_eq "$lm" "$(TZ=GMT date -u -d "@$(stat -c %Y "$T/corp-profile.xml")" '+%a, %d %b %Y %H:%M:%S GMT')" \
	"Last-Modified (IMF-fixdate of the file's mtime)"

step "openconnect's GET /profiles/<name>:<port> is tolerated"
code=$(files_get p2 "$uri:$PORT" -b "webvpn=$TOKEN")
assert_eq "$code" 200 "status with :port"
cmp -s "$T/p2.body" "$T/corp-profile.xml" || fail "download with :port differs"

step "the URL openconnect derives from webvpnc (bu + fu, fu not decoded) works too"
code=$(files_get p3 /profiles%2Fcorp-profile.xml -b "webvpn=$TOKEN")
assert_eq "$code" 200 "status of /profiles%2F<name>"
cmp -s "$T/p3.body" "$T/corp-profile.xml" || fail "download via /profiles%2F<name> differs"

step "conditional GETs"
code=$(files_get c1 "$uri" -b "webvpn=$TOKEN" -H "If-None-Match: \"$want\"")
assert_eq "$code" 304 "If-None-Match with the ETag"
[ ! -s "$T/c1.body" ] || fail "304 with a body"
assert_eq "$(hdr c1 etag)" "\"$want\"" "ETag on 304"
code=$(files_get c2 "$uri" -b "webvpn=$TOKEN" -H 'If-None-Match: "0000", W/"1111"')
assert_eq "$code" 200 "If-None-Match with other tags"
code=$(files_get c3 "$uri" -b "webvpn=$TOKEN" -H "If-Modified-Since: $lm")
assert_eq "$code" 304 "If-Modified-Since = Last-Modified"
code=$(files_get c4 "$uri" -b "webvpn=$TOKEN" -H 'If-Modified-Since: Thu, 01 Jan 1970 00:00:01 GMT')
assert_eq "$code" 200 "If-Modified-Since long ago"
code=$(files_get c5 "$uri" -b "webvpn=$TOKEN" -H 'If-None-Match: "0000"' \
	-H "If-Modified-Since: $lm")
assert_eq "$code" 200 "If-None-Match decides over If-Modified-Since"

step "no cookie, a wrong cookie, a mangled cookie -> 401 without content"
code=$(files_get u1 "$uri")
assert_eq "$code" 401 "no cookie"
assert_not_grep 'AnyConnectProfile|HostAddress' "$T/u1.body" "no profile content in a 401"
code=$(files_get u2 "$uri" -b "webvpn=0000000000000000000000000000000000000000000000000000000000000000")
assert_eq "$code" 401 "unknown cookie"
assert_not_grep 'AnyConnectProfile|HostAddress' "$T/u2.body" "no profile content in a 401"
code=$(files_get u3 "$uri" -b "webvpn=${TOKEN}00")
assert_eq "$code" 401 "cookie with extra digits"
code=$(files_get u4 "$uri" -b "webvpn=${TOKEN:0:62}")
assert_eq "$code" 401 "truncated cookie"

step "another name under /profiles/ -> 404"
code=$(files_get n1 /profiles/other.xml -b "webvpn=$TOKEN")
assert_eq "$code" 404 "unannounced profile name"

step "openconnect --authenticate --xmlconfig downloads the profile"
echo '<AnyConnectProfile/>' >"$T/oc-profile.xml"
if oc_auth alice alicepw --xmlconfig "$T/oc-profile.xml"; then
	if cmp -s "$T/oc-profile.xml" "$T/corp-profile.xml"; then
		note "openconnect stored the served profile"
	else
		e2e_dump "openconnect stderr" "$OC_ERR" 20
		fail "openconnect --xmlconfig did not store the announced profile"
	fi
else
	e2e_dump "openconnect stderr" "$OC_ERR" 20
	fail "openconnect --authenticate --xmlconfig failed"
fi
server_alive

pass
