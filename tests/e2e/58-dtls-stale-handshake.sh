#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A DTLS handshake that a forged ClientHello starts and nobody finishes must end without
# touching the live DTLS channel. In PSK mode the worker answers a ClientHello carrying the
# live App-ID from another address; the worker drops that handshake after its own limit
# (20 s) instead of OpenSSL's back-off schedule (about 8 minutes), and the live channel
# must stay up when it does (it once went down: a stale OpenSSL error was left queued).
set -eu
. "$(dirname "$0")/lib.sh"

OTHER_IP=198.18.0.3
HELLO="$E2E_HELPERS/dtls_hello.py"
e2e_init dtls-stale-handshake
e2e_certs ec
e2e_passwd alice alicepw
e2e_conf "udp-port = $PORT"
e2e_start
in_client ip addr add "$OTHER_IP/24" dev veth0

step "connect with DTLS (PSK)"
oc_dtls_up a alice alicepw
appid=$(oc_reply_header a X-DTLS-App-ID)
[[ "$appid" =~ ^[0-9a-fA-F]{2,64}$ ]] || fail "no usable X-DTLS-App-ID ('$appid')"
wait_until 5 sh -c "[ -n \"\$(ip netns exec '$SNS' ss -Hun 'sport = :$PORT')\" ]" ||
	fail "no worker UDP socket"
peer1=$(server_udp_peers)
note "DTLS flow from $peer1"
assert_pings_over_udp 50

step "one forged ClientHello with the App-ID from $OTHER_IP"
"$PY" "$HELLO" build --sid "$appid" "$T/forged.bin"
in_client "$PY" "$HELLO" send "$T/forged.bin" --dst "$SERVER_IP" --port "$PORT" \
	--bind "$OTHER_IP" --wait 0.5 >"$T/forged.out" 2>&1 || fail "dtls_hello.py send"
note "$(cat "$T/forged.out")"
wait_until 3 sh -c "ip netns exec '$SNS' ss -Hun 'sport = :$PORT' | grep -q '$OTHER_IP:'" ||
	fail "the forged ClientHello was not handed to the worker (no socket to $OTHER_IP)"

step "wait until the worker drops the unfinished handshake (its limit is 20 s)"
start=$(now_ms)
wait_until 40 sh -c "! ip netns exec '$SNS' ss -Hun 'sport = :$PORT' | grep -q '$OTHER_IP:'" ||
	fail "the unfinished handshake with $OTHER_IP is still there after 40 s"
note "dropped after $(($(now_ms) - start)) ms"

step "the live DTLS channel is untouched"
# A few packets first: a worker that kept a stale OpenSSL error fails on its next read.
ping_from client 10.66.0.1 || true
sleep 1
assert_not_grep 'DTLS channel closed' "$T/server.log" "the live DTLS channel to stay open"
server_udp_peers >"$T/peers"
grep -qxF "$peer1" "$T/peers" ||
	fail "the worker's UDP socket to $peer1 is gone (now: $(paste -sd' ' "$T/peers"))"
assert_pings_over_udp 100
assert_eq "$(oc_dtls_count a)" 1 "established DTLS connections"
oc_tunnel_stop a
server_alive

pass
