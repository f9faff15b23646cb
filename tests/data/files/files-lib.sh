# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# Helpers for the client-files e2e tests (tests/e2e/30-34): a Cisco-style login with curl
# (PROTOCOL.md §2.5) that keeps the complete reply, and downloads on fresh TLS connections.
# Sourced after tests/e2e/lib.sh; uses $T, $CA_CERT, $SERVER_IP, $PORT, $PY, $E2E_HELPERS.

FILES_UA='AnyConnect Linux_64 4.10.07061'

# xq FILE CMD ARGS...: query an XML file (helpers/xmlq.py).
xq() {
	"$PY" "$E2E_HELPERS/xmlq.py" "$@"
}

# files_post NAME BODYFILE: POST an aggregate-auth body to / like the Cisco client, on a new
# connection; headers in $T/NAME.hdr, body in $T/NAME.xml. Prints the HTTP status.
files_post() {
	local name=$1 body=$2
	in_client curl -sS --max-time 10 --cacert "$CA_CERT" -A "$FILES_UA" \
		-H 'X-Aggregate-Auth: 1' -H 'X-Transcend-Version: 1' \
		-H 'Content-Type: application/x-www-form-urlencoded' \
		--data-binary "@$body" -D "$T/$name.hdr" -o "$T/$name.xml" -w '%{http_code}' \
		"https://$SERVER_IP:$PORT/" 2>"$T/$name.curl" || {
		cat "$T/$name.curl" >&2
		fail "curl failed for $name"
	}
}

# files_login USER PASS NAME: init, then auth-reply with the echoed opaque; the complete
# reply is $T/NAME.xml (headers $T/NAME.hdr) and TOKEN holds the session token.
files_login() {
	local user=$1 pass=$2 name=$3 code
	cat >"$T/$name-init.body" <<-XML
		<?xml version="1.0" encoding="UTF-8"?>
		<config-auth client="vpn" type="init" aggregate-auth-version="2">
		<version who="vpn">4.10.07061</version><device-id>linux-64</device-id>
		<group-access>https://$SERVER_IP</group-access></config-auth>
	XML
	code=$(files_post "$name-init" "$T/$name-init.body")
	assert_eq "$code" 200 "$name: init status"
	xq "$T/$name-init.xml" raw opaque >"$T/$name.opaque" || fail "$name: no opaque"
	cat >"$T/$name-reply.body" <<-XML
		<?xml version="1.0" encoding="UTF-8"?>
		<config-auth client="vpn" type="auth-reply" aggregate-auth-version="2">
		<version who="vpn">4.10.07061</version><device-id>linux-64</device-id>
		$(cat "$T/$name.opaque")
		<auth><username>$user</username><password>$pass</password></auth>
		</config-auth>
	XML
	code=$(files_post "$name" "$T/$name-reply.body")
	assert_eq "$code" 200 "$name: login status"
	assert_eq "$(xq "$T/$name.xml" root-attr type)" complete "$name: reply type"
	TOKEN=$(xq "$T/$name.xml" text ./session-token)
	[ -n "$TOKEN" ] || fail "$name: no session-token"
}

# announced_profile NAME: "URI HASH" of the profile in the complete reply $T/NAME.xml.
announced_profile() {
	local f="$T/$1.xml" p='./config/vpn-profile-manifest/vpn[@rev="1.0"]/file[@type="profile"]'
	echo "$(xq "$f" text "$p/uri" || true) $(xq "$f" text "$p/hash[@type='sha1']" || true)"
}

# files_get NAME PATH [CURL ARGS...]: GET PATH over a new TLS connection; headers in
# $T/NAME.hdr, body in $T/NAME.body. Prints the HTTP status.
files_get() {
	local name=$1 path=$2
	shift 2
	in_client curl -sS --max-time 30 --cacert "$CA_CERT" -A "$FILES_UA" --path-as-is "$@" \
		-D "$T/$name.hdr" -o "$T/$name.body" -w '%{http_code}' \
		"https://$SERVER_IP:$PORT$path" 2>"$T/$name.curl" || {
		cat "$T/$name.curl" >&2
		fail "curl failed for $name ($path)"
	}
}

# hdr NAME HEADER: the value of HEADER in $T/NAME.hdr (first one, CR removed).
hdr() {
	tr -d '\r' <"$T/$1.hdr" | sed -n "s/^$2: *//Ip" | head -n1
}

# sha1_upper FILE: SHA-1 of FILE as 40 upper-case hex digits.
sha1_upper() {
	sha1sum "$1" | cut -c1-40 | tr 'a-f' 'A-F'
}
