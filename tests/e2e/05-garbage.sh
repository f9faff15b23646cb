#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Hostile clients: binary garbage over TLS and in clear text, malformed and oversized HTTP,
# unknown paths, abrupt disconnects. Each gets a clear answer or a closed connection within
# a few seconds; the server survives and a normal openconnect login works afterwards.
set -eu
. "$(dirname "$0")/lib.sh"

e2e_init garbage
e2e_certs ec
e2e_passwd alice alicepw
e2e_conf
e2e_start

RAW_N=0
# raw [rawconn args...]: run rawconn.py from the client namespace; the reply is in $RAW_OUT,
# its one-line summary in $RAW_LOG. Returns rawconn's exit status.
raw() {
	local rc=0
	RAW_N=$((RAW_N + 1))
	RAW_OUT="$T/raw$RAW_N.out"
	RAW_LOG="$T/raw$RAW_N.log"
	in_client "$PY" "$E2E_HELPERS/rawconn.py" --host "$SERVER_IP" --port "$PORT" \
		--out "$RAW_OUT" "$@" 2>"$RAW_LOG" || rc=$?
	return "$rc"
}

# raw_closed DESCRIPTION [rawconn args...]: the server must close the connection in 5 s.
raw_closed() {
	local what=$1 rc=0
	shift
	raw --timeout 5 "$@" || rc=$?
	case "$rc" in
	0 | 4) ;;
	2) fail "$what: connection still open after 5 s ($(cat "$RAW_LOG"))" ;;
	*) fail "$what: rawconn exit $rc ($(cat "$RAW_LOG"))" ;;
	esac
	server_alive "after: $what"
}

# status_of FILE: the HTTP status line of a reply.
status_of() {
	head -n1 "$1" | tr -d '\r'
}

step "(a) binary garbage over TLS -> closed"
raw_closed "garbage over TLS" --tls --send-random 4096 --seed 1
note "$(cat "$RAW_LOG")"
raw_closed "more garbage over TLS" --tls --send-random 65536 --seed 2

step "(b) malformed HTTP over TLS -> 400 and close"
for req in \
	'G@T / HTTP/1.1\r\nHost: 198.18.0.1\r\n\r\n' \
	'GET / HTTP/1.1\r\nHost 198.18.0.1\r\n\r\n' \
	'POST / HTTP/1.1\r\nHost: 198.18.0.1\r\nContent-Length: abc\r\n\r\n' \
	'GET / HTTP/1.1 extra\r\nHost: 198.18.0.1\r\n\r\n' \
	'\r\n\r\n\r\n\r\nGET\r\n\r\n' \
	'GET / HTTP/1.1\r\nHost: 198.18.0.1\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nhello'; do
	raw_closed "malformed request" --tls --send "$req"
	st=$(status_of "$RAW_OUT")
	case "$st" in
	'HTTP/1.1 400'*) ;;
	*) fail "malformed request $(printf '%q' "$req"): got '$st', expected HTTP/1.1 400" ;;
	esac
done

step "(b') oversized request head and body -> 4xx and close"
long=$(head -c 70000 /dev/zero | tr '\0' 'a')
printf 'GET / HTTP/1.1\r\nHost: 198.18.0.1\r\nX-Long: %s\r\n\r\n' "$long" >"$T/longhdr"
raw_closed "70 KB header line" --tls --send-file "$T/longhdr"
st=$(status_of "$RAW_OUT")
case "$st" in
'HTTP/1.1 400'* | 'HTTP/1.1 413'* | 'HTTP/1.1 431'* | '') ;;
*) fail "70 KB header: got '$st'" ;;
esac
note "70 KB header: '${st:-closed without a reply}'"
raw_closed "huge Content-Length" --tls \
	--send 'POST / HTTP/1.1\r\nHost: 198.18.0.1\r\nContent-Length: 99999999999\r\n\r\n<a>'
st=$(status_of "$RAW_OUT")
case "$st" in
'HTTP/1.1 400'* | 'HTTP/1.1 413'*) ;;
*) fail "huge Content-Length: got '$st', expected 400 or 413" ;;
esac
{
	printf 'GET / HTTP/1.1\r\nHost: 198.18.0.1\r\n'
	for _ in $(seq 20000); do printf 'X-A: b\r\n'; done
} >"$T/manyhdr"
raw_closed "20000 header lines" --tls --send-file "$T/manyhdr"
st=$(status_of "$RAW_OUT")
case "$st" in
'HTTP/1.1 400'* | 'HTTP/1.1 413'* | 'HTTP/1.1 431'* | '') ;;
*) fail "20000 header lines: got '$st'" ;;
esac

step "(c) unknown path -> 404"
code=$(in_client curl -sS --max-time 10 --cacert "$CA_CERT" -o "$T/404.body" \
	-w '%{http_code}' "https://$SERVER_IP:$PORT/no/such/path") || fail "curl /no/such/path"
assert_eq "$code" 404 "status of GET /no/such/path"
raw_closed "GET unknown path then close" --tls \
	--send 'GET /nope HTTP/1.1\r\nHost: 198.18.0.1\r\nConnection: close\r\n\r\n'
st=$(status_of "$RAW_OUT")
case "$st" in 'HTTP/1.1 404'*) ;; *) fail "GET /nope: got '$st'" ;; esac

step "(d) clear-text garbage and HTTP on the TLS port -> closed"
raw_closed "clear-text garbage" --send-random 4096 --seed 3
raw_closed "clear-text HTTP" --send 'GET / HTTP/1.1\r\nHost: 198.18.0.1\r\n\r\n'
raw_closed "TLS record header then garbage" --send-hex 16030100ff0100 --send-random 300 --seed 4

step "(e) abrupt clients: connect+close, TLS handshake+close"
raw --close-after-send || fail "connect+close: $(cat "$RAW_LOG")"
raw --tls --close-after-send || fail "TLS+close: $(cat "$RAW_LOG")"
raw --tls --close-after-send --send 'POST / HTTP/1.1\r\nContent-Length: 100\r\n\r\n<?xml' ||
	fail "half request+close: $(cat "$RAW_LOG")"
sleep 0.5
server_alive "after abrupt clients"

step "(f) malformed and hostile XML -> an error form, never a login"
# xml_post NAME BODY: an aggregate-auth POST with Connection: close.
xml_post() {
	local body=$2
	printf 'POST / HTTP/1.1\r\nHost: %s\r\nX-Aggregate-Auth: 1\r\nX-Transcend-Version: 1\r\nConnection: close\r\nContent-Type: application/xml\r\nContent-Length: %d\r\n\r\n%s' \
		"$SERVER_IP" "${#body}" "$body" >"$T/$1.req"
	raw_closed "XML $1" --tls --send-file "$T/$1.req"
	st=$(status_of "$RAW_OUT")
	case "$st" in
	'HTTP/1.1 200'*)
		grep -q '<error' "$RAW_OUT" || fail "XML $1: 200 without <error>"
		;;
	'HTTP/1.1 400'*) ;;
	*) fail "XML $1: got '$st', expected 200 with <error> or 400" ;;
	esac
	assert_not_grep 'type="complete"|session-token|set-cookie: *webvpn=' "$RAW_OUT" \
		"no login from XML $1"
}
xml_post truncated '<?xml version="1.0"?><config-auth client="vpn" type="init"'
xml_post entities '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]><config-auth client="vpn" type="init"><version who="vpn">&d;&d;&d;&d;</version></config-auth>'
xml_post xxe '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><config-auth client="vpn" type="auth-reply"><auth><username>&e;</username><password>x</password></auth></config-auth>'
xml_post wrong-root '<?xml version="1.0"?><html><auth><username>alice</username><password>alicepw</password></auth></html>'
xml_post no-password '<?xml version="1.0"?><config-auth client="vpn" type="auth-reply"><auth><username>alice</username></auth></config-auth>'
xml_post nul-user "$(printf '<?xml version="1.0"?><config-auth client="vpn" type="auth-reply"><auth><username>alice&#0;x</username><password>alicepw</password></auth></config-auth>')"
xml_post long-user "<?xml version=\"1.0\"?><config-auth client=\"vpn\" type=\"auth-reply\"><auth><username>$(head -c 5000 /dev/zero | tr '\0' u)</username><password>x</password></auth></config-auth>"

step "a normal login still works"
oc_auth_ok alice alicepw

pass
