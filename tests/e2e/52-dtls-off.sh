#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# udp-port = 0 turns DTLS off: the CONNECT reply carries no X-DTLS-* header, openconnect
# (DTLS allowed) stays on TLS and the tunnel works, and the server namespace has no UDP
# socket at all (neither a listener nor a per-client one). The same holds with udp-port
# left out of the config.
set -eu
. "$(dirname "$0")/lib.sh"

e2e_init dtls-off
e2e_certs ec
e2e_passwd alice alicepw

# check_no_dtls TAG: the checks on one connected tunnel.
check_no_dtls() {
	local tag=$1 log
	log=$(tun_dir "$tag")/oc.log
	assert_grep '^Got CONNECT response: HTTP/1.1 200' "$log" "the CONNECT reply in the log"
	awk '/^Got CONNECT response:/ { r = 1; next } r && !/^[A-Za-z0-9-]+: / { r = 0 }
		r' "$log" >"$T/reply-$tag"
	assert_grep '^X-CSTP-Address: ' "$T/reply-$tag" "X-CSTP-Address in the reply"
	assert_not_grep '^X-DTLS' "$T/reply-$tag" "no X-DTLS-* header in the reply"
	assert_not_grep 'Established DTLS' "$log" "no DTLS connection"
	assert_grep 'with SSL connected and DTLS disabled|with SSL connected$' "$log" \
		"openconnect configured over SSL only"
	in_server ss -Haun >"$T/ss-udp-$tag"
	if [ -s "$T/ss-udp-$tag" ]; then
		e2e_dump "UDP sockets in the server namespace" "$T/ss-udp-$tag"
		fail "UDP sockets in the server namespace with DTLS off"
	fi
	assert_ctl_transport alice TLS
	assert_ping client 10.66.0.1
	assert_ping server "$TUN_ADDR"
	assert_pings_over_tls 50
}

step "udp-port = 0"
e2e_conf "udp-port = 0"
e2e_start
oc_dtls_up a alice alicepw
check_no_dtls a
assert_not_grep 'DTLS (on UDP|ready|established|ClientHello)' "$T/server.log" \
	"no DTLS activity in the server log"
oc_tunnel_stop a
e2e_stop || fail "cstpd exit status $SERVER_EXIT"

step "no udp-port line"
e2e_conf
sed -i '/^udp-port/d' "$T/cstpd.conf"
grep -q '^udp-port' "$T/cstpd.conf" && fail "udp-port still in the config"
: >"$T/server.log"
e2e_start
oc_dtls_up b alice alicepw
check_no_dtls b
oc_tunnel_stop b
server_alive

pass
