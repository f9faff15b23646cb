#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The Cisco AnyConnect login dialogue, replayed with curl (PROTOCOL.md §2.5, §9.2): init ->
# auth-request with the group list; a second init that changes the group; a wrong password
# (form again with <error>); the right one -> complete with session-token, the certificate
# hash and the webvpn cookie. Every request uses a new TLS connection, as state must live in
# the opaque handle and the webvpncontext cookie, not in the connection.
set -eu
. "$(dirname "$0")/lib.sh"

e2e_init cisco-xml
e2e_certs rsa
e2e_passwd alice alicepw staff
e2e_passwd bob 'bob pw' contractors
e2e_conf 'select-group = staff[Staff]' 'select-group = contractors[Contractors]'
e2e_start

UA='AnyConnect Linux_64 4.10.07061'
: >"$T/jar"

# cisco_post NAME BODYFILE: POST the body to / the way the Cisco client does (its XML goes
# out as application/x-www-form-urlencoded); headers in $T/NAME.hdr, body in $T/NAME.xml.
# Prints the HTTP status.
cisco_post() {
	local name=$1 body=$2
	in_client curl -sS --max-time 10 --cacert "$CA_CERT" -c "$T/jar" -b "$T/jar" \
		-A "$UA" -H 'X-Aggregate-Auth: 1' -H 'X-Transcend-Version: 1' \
		-H 'Accept: */*' -H 'Accept-Encoding: identity' \
		-H 'Content-Type: application/x-www-form-urlencoded' \
		--data-binary "@$body" -D "$T/$name.hdr" -o "$T/$name.xml" -w '%{http_code}' \
		"https://$SERVER_IP:$PORT/" 2>"$T/$name.curl" || {
		cat "$T/$name.curl" >&2
		fail "curl failed for $name"
	}
}

x() {
	"$PY" "$E2E_HELPERS/xmlq.py" "$@"
}

# webvpn_cookie HDRFILE: the value of a Set-Cookie: webvpn=... header (empty when none).
webvpn_cookie() {
	tr -d '\r' <"$1" | sed -n 's/^[Ss][Ee][Tt]-[Cc][Oo][Oo][Kk][Ii][Ee]: *webvpn=\([^;]*\).*/\1/p' |
		head -n1
}

init_body() {
	cat <<-XML
		<?xml version="1.0" encoding="UTF-8"?>
		<config-auth client="vpn" type="init" aggregate-auth-version="2">
		<version who="vpn">4.10.07061</version>
		<device-id computer-name="WS-042" device-type="LENOVO 20XW" platform-version="6.1.0" unique-id="A1B2C3D4E5F60718293A4B5C6D7E8F90" unique-id-global="D4E5F60718293A4B5C6D7E8F90A1B2C3">linux-64</device-id>
		<mac-address-list><mac-address>00-11-22-33-44-55</mac-address></mac-address-list>
		<group-select>$1</group-select>
		<group-access>https://$SERVER_IP</group-access>
		<capabilities>
		<auth-method>multiple-cert</auth-method>
		<auth-method>single-sign-on</auth-method>
		<auth-method>single-sign-on-v2</auth-method>
		<auth-method>single-sign-on-external-browser</auth-method>
		</capabilities>
		</config-auth>
	XML
}

# reply_body OPAQUEFILE USER PASS GROUP
reply_body() {
	cat <<-XML
		<?xml version="1.0" encoding="UTF-8"?>
		<config-auth client="vpn" type="auth-reply" aggregate-auth-version="2">
		<version who="vpn">4.10.07061</version>
		<device-id computer-name="WS-042" device-type="LENOVO 20XW" platform-version="6.1.0" unique-id="A1B2C3D4E5F60718293A4B5C6D7E8F90" unique-id-global="D4E5F60718293A4B5C6D7E8F90A1B2C3">linux-64</device-id>
		<mac-address-list><mac-address>00-11-22-33-44-55</mac-address></mac-address-list>
		<session-token></session-token>
		<session-id></session-id>
		$(cat "$1")
		<auth>
		<username>$2</username>
		<password>$3</password>
		</auth>
		<group-select>$4</group-select>
		</config-auth>
	XML
}

# check_auth_request NAME: common shape of an auth-request reply.
check_auth_request() {
	local f="$T/$1.xml"
	assert_grep '^content-type: *text/xml' "$T/$1.hdr" "Content-Type: text/xml ($1)"
	x "$f" root-tag >/dev/null || { e2e_dump "$1" "$f"; fail "$1: not well-formed XML"; }
	assert_eq "$(x "$f" root-tag)" config-auth "$1 root element"
	assert_eq "$(x "$f" root-attr type)" auth-request "$1 type"
	assert_eq "$(x "$f" root-attr aggregate-auth-version || true)" 2 \
		"$1 aggregate-auth-version"
	assert_eq "$(x "$f" attr ./auth id || true)" main "$1 auth id"
	assert_eq "$(x "$f" count ".//form//input[@name='username']")" 1 "$1 username input"
	assert_eq "$(x "$f" attr ".//form//input[@name='password']" type || true)" password \
		"$1 password input type"
	assert_eq "$(x "$f" count ".//select[@name='group_list']")" 1 "$1 group_list select"
	assert_eq "$(x "$f" count ".//select[@name='group_list']/option")" 2 "$1 group options"
	assert_eq "$(x "$f" count ".//select[@name='group_list']/option[@selected='true']")" 1 \
		"$1 options with selected=\"true\""
	[ -n "$(x "$f" text "./opaque[@is-for='sg']/tunnel-group" || true)" ] ||
		fail "$1: no opaque/tunnel-group"
	[ -n "$(x "$f" text "./opaque[@is-for='sg']/group-alias" || true)" ] ||
		fail "$1: no opaque/group-alias"
	[ -z "$(webvpn_cookie "$T/$1.hdr")" ] || fail "$1: webvpn cookie set before authentication"
}

# selected_value NAME: the value (or text) of the selected group option.
selected_value() {
	local f="$T/$1.xml" v
	v=$(x "$f" attr ".//select[@name='group_list']/option[@selected='true']" value) ||
		v=$(x "$f" text ".//select[@name='group_list']/option[@selected='true']")
	echo "$v"
}

step "init -> auth-request with the group list"
init_body '' >"$T/init1.body"
code=$(cisco_post r1 "$T/init1.body")
assert_eq "$code" 200 "init status"
check_auth_request r1
sel=$(selected_value r1)
assert_eq "$(x "$T/r1.xml" text "./opaque[@is-for='sg']/group-alias")" "$sel" \
	"group-alias names the selected option"

step "second init with <group-select>Contractors</group-select> -> selection moves"
init_body Contractors >"$T/init2.body"
code=$(cisco_post r2 "$T/init2.body")
assert_eq "$code" 200 "second init status"
check_auth_request r2
assert_eq "$(selected_value r2)" Contractors "selected option after the group change"
assert_eq "$(x "$T/r2.xml" text "./opaque[@is-for='sg']/tunnel-group")" contractors \
	"tunnel-group after the group change"
assert_eq "$(x "$T/r2.xml" text "./opaque[@is-for='sg']/group-alias")" Contractors \
	"group-alias after the group change"

step "auth-reply with a wrong password -> 200, <error>, the form again"
x "$T/r2.xml" raw opaque >"$T/opaque2" || fail "no opaque to echo in r2"
reply_body "$T/opaque2" bob 'wrong pw' Contractors >"$T/reply1.body"
code=$(cisco_post r3 "$T/reply1.body")
assert_eq "$code" 200 "wrong-password status"
check_auth_request r3
[ "$(x "$T/r3.xml" count './/auth/error')" -ge 1 ] || {
	e2e_dump r3 "$T/r3.xml"
	fail "no <error> after a wrong password"
}
x "$T/r3.xml" texts './/auth/error' | grep -qi 'login failed' || {
	e2e_dump r3 "$T/r3.xml"
	fail "<error> does not say 'Login failed'"
}

step "auth-reply with the right password -> complete"
x "$T/r3.xml" raw opaque >"$T/opaque3" || fail "no opaque to echo in r3"
reply_body "$T/opaque3" bob 'bob pw' Contractors >"$T/reply2.body"
code=$(cisco_post r4 "$T/reply2.body")
assert_eq "$code" 200 "login status"
f="$T/r4.xml"
x "$f" root-tag >/dev/null || { e2e_dump r4 "$f"; fail "r4: not well-formed XML"; }
assert_eq "$(x "$f" root-attr type)" complete "reply type after a good password"
[ -n "$(x "$f" text ./session-id || true)" ] || fail "complete without session-id"
token=$(x "$f" text ./session-token || true)
printf '%s' "$token" | grep -qE '^[0-9A-Fa-f]{32,}$' ||
	fail "session-token '$token' is not >= 32 hex digits"
assert_eq "$(x "$f" count "./auth[@id='success']")" 1 "auth id=\"success\""
assert_eq "$(x "$f" text './/vpn-base-config/server-cert-hash' || true)" "$CERT_SHA1" \
	"server-cert-hash (SHA-1 of the certificate DER)"
assert_eq "$(webvpn_cookie "$T/r4.hdr")" "$token" "Set-Cookie webvpn= vs session-token"

step "the same dialogue again gets a different token"
: >"$T/jar"
code=$(cisco_post r5 "$T/init1.body")
assert_eq "$code" 200 "third init status"
x "$T/r5.xml" raw opaque >"$T/opaque5" || fail "no opaque to echo in r5"
reply_body "$T/opaque5" alice alicepw Staff >"$T/reply3.body"
code=$(cisco_post r6 "$T/reply3.body")
assert_eq "$code" 200 "alice login status"
assert_eq "$(x "$T/r6.xml" root-attr type)" complete "alice reply type"
token2=$(x "$T/r6.xml" text ./session-token || true)
[ -n "$token2" ] && [ "$token2" != "$token" ] || fail "second session-token not fresh"
server_alive

pass
