#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# AnyConnect-style DTLS 1.2 (session "resumption" from X-DTLS-Master-Secret and
# X-DTLS-Session-ID) with dtls-psk = false, on an RSA server certificate: the CONNECT
# reply names a 32-byte Session-ID (64 hex digits) and a DTLS 1.2 suite (X-DTLS12-CipherSuite,
# or OC-DTLS1_2-* in X-DTLS-CipherSuite), no App-ID; openconnect establishes DTLS with a
# non-PSK suite, the worker holds the UDP flow, and pings travel over UDP.
set -eu
. "$(dirname "$0")/lib.sh"

e2e_init dtls-resume
e2e_certs rsa
e2e_passwd alice alicepw
e2e_conf "udp-port = $PORT" "dtls-psk = false"
e2e_start

step "openconnect connects as alice with DTLS"
oc_dtls_up a alice alicepw
log=$(tun_dir a)/oc.log

step "the CONNECT reply announces a resumable DTLS 1.2 session"
sid=$(oc_reply_header a X-DTLS-Session-ID)
[[ "$sid" =~ ^[0-9a-fA-F]{64}$ ]] || fail "X-DTLS-Session-ID '$sid' is not 64 hex digits"
cs12=$(oc_reply_header a X-DTLS12-CipherSuite)
cs=$(oc_reply_header a X-DTLS-CipherSuite)
note "Session-ID $sid, X-DTLS12-CipherSuite '$cs12', X-DTLS-CipherSuite '$cs'"
if [ -n "$cs12" ]; then
	case "$cs12" in
	*:* | *PSK*) fail "X-DTLS12-CipherSuite '$cs12' is not one suite" ;;
	esac
	case "$cs12" in
	*GCM* | *-SHA) ;;
	*) fail "X-DTLS12-CipherSuite '$cs12' is not a DTLS 1.2 suite openconnect offers" ;;
	esac
else
	case "$cs" in
	OC-DTLS1_2-AES256-GCM | OC-DTLS1_2-AES128-GCM) ;;
	*) fail "neither X-DTLS12-CipherSuite nor an OC-DTLS1_2-* X-DTLS-CipherSuite ('$cs')" ;;
	esac
fi
[ -z "$(oc_reply_header a X-DTLS-App-ID)" ] || fail "X-DTLS-App-ID sent in resumption mode"
assert_eq "$(oc_reply_header a X-DTLS-Port)" "$PORT" "X-DTLS-Port"
[ -n "$(oc_reply_header a X-DTLS-MTU)" ] || fail "no X-DTLS-MTU in resumption mode"

step "openconnect established DTLS 1.2 with a non-PSK suite"
assert_grep 'Established DTLS connection .*\(DTLS1\.2\)-' "$log" \
	"openconnect's 'Established DTLS connection' with DTLS 1.2"
assert_not_grep 'Established DTLS connection .*\(PSK\)' "$log" "a non-PSK DTLS suite"
assert_grep 'with SSL connected and DTLS (connected|established)' "$log" \
	"the tun configured with DTLS up"
note "$(grep -m1 'Established DTLS connection' "$log")"
assert_grep 'DTLS established' "$T/server.log" "the worker's 'DTLS established'"
assert_ctl_transport alice DTLS

step "a cstpd-worker UDP socket is connected to the client"
peers=$(server_udp_peers)
assert_eq "$(echo "$peers" | grep -c "^$CLIENT_IP:")" 1 "worker UDP sockets to $CLIENT_IP"
note "UDP flow $SERVER_IP:$PORT <-> $peers"

step "ping through the tunnel, over UDP"
assert_ping client 10.66.0.1
assert_ping server "$TUN_ADDR"
assert_pings_over_udp 200
assert_eq "$(oc_dtls_count a)" 1 "established DTLS connections"

step "log out"
oc_tunnel_stop a
server_alive

pass
