#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Replayed and forged DTLS ClientHellos do not break a live DTLS session. While openconnect
# runs over DTLS and pings flow, a second party sends, several times each:
#   - openconnect's own first ClientHello (captured off the wire) from another address;
#   - a forged DTLS 1.2 ClientHello carrying the live id from another address, and from
#     the client's address with another port;
#   - a ClientHello with an unknown id (must get no answer and no hand-over, and shows in
#     cstpctl's dtls_dropped count).
# The live session must not notice: pings keep flowing (a few lost at most), openconnect
# keeps its one DTLS connection (no dead peer, no new handshake), the worker's UDP socket
# to openconnect stays, and pings still travel over UDP afterwards. Done once in PSK mode
# (id = X-DTLS-App-ID) and once in resumption mode (id = X-DTLS-Session-ID).
set -eu
. "$(dirname "$0")/lib.sh"

OTHER_IP=198.18.0.3
HELLO="$E2E_HELPERS/dtls_hello.py"
e2e_init dtls-replay
e2e_certs ec
e2e_passwd alice alicepw
in_client ip addr add "$OTHER_IP/24" dev veth0

# replay NAME FILE BIND [SEND ARGS...]: send FILE from BIND (an address) to the server's UDP
# port 5 times, 0.2 s apart, and record the tool's summary line in $T/replay-NAME.
replay() {
	local name=$1 file=$2 bind=$3
	shift 3
	in_client "$PY" "$HELLO" send "$file" --dst "$SERVER_IP" --port "$PORT" --bind "$bind" \
		--times 5 --interval 0.2 --wait 1 "$@" >"$T/replay-$name" 2>&1 ||
		{ cat "$T/replay-$name" >&2; fail "dtls_hello.py send ($name)"; }
	note "$name: $(cat "$T/replay-$name")"
}

# run_mode TAG ID_HEADER: one connection, the replays, the checks.
run_mode() {
	local tag=$1 hdr=$2 log id peer1 sniff_pid ping_pid lost sent from d0 d1
	log=$(tun_dir "$tag")/oc.log

	ip netns exec "$CNS" "$PY" "$HELLO" sniff --dev veth0 --dst "$SERVER_IP" --port "$PORT" \
		--timeout 40 "$T/real-$tag.bin" >"$T/sniff-$tag.out" 2>&1 </dev/null &
	sniff_pid=$!
	e2e_track "$sniff_pid"
	wait_until 5 grep -q ready "$T/sniff-$tag.out" || fail "the sniffer did not start"

	oc_dtls_up "$tag" alice alicepw
	id=$(oc_reply_header "$tag" "$hdr")
	[[ "$id" =~ ^[0-9a-fA-F]{2,64}$ ]] || fail "no usable $hdr ('$id')"
	assert_eq "$(oc_dtls_count "$tag")" 1 "established DTLS connections"
	wait_until 5 test -s "$T/real-$tag.bin" || fail "openconnect's ClientHello was not captured"
	e2e_kill_pid "$sniff_pid" 1
	# The captured datagram must carry the id at offset 60 (PROTOCOL.md §5.5).
	[ "$(od -An -tx1 -j60 -N$((${#id} / 2)) "$T/real-$tag.bin" | tr -d ' \n')" = \
		"$(echo "$id" | tr 'A-F' 'a-f')" ] || fail "the captured ClientHello does not carry $hdr"
	"$PY" "$HELLO" build --sid "$id" "$T/forged-$tag.bin"
	"$PY" "$HELLO" build --sid "$(openssl rand -hex 32)" "$T/unknown-$tag.bin"
	wait_until 5 sh -c "[ -n \"\$(ip netns exec '$SNS' ss -Hun 'sport = :$PORT')\" ]" ||
		fail "no worker UDP socket"
	peer1=$(server_udp_peers)
	note "$hdr $id; DTLS flow from $peer1"
	assert_pings_over_udp 50

	step "$tag: replays while pings flow"
	in_client ping -n -q -i 0.05 -c 200 -W 2 10.66.0.1 >"$T/ping-$tag.out" 2>&1 </dev/null &
	ping_pid=$!
	sleep 0.5
	replay "$tag-captured-other-addr" "$T/real-$tag.bin" "$OTHER_IP"
	replay "$tag-forged-other-addr" "$T/forged-$tag.bin" "$OTHER_IP"
	replay "$tag-forged-same-addr" "$T/forged-$tag.bin" "$CLIENT_IP"
	replay "$tag-captured-same-addr" "$T/real-$tag.bin" "$CLIENT_IP"
	ctl --json show status >"$T/status0-$tag.json" || fail "cstpctl show status"
	d0=$(json_get "$T/status0-$tag.json" dtls_dropped)
	replay "$tag-unknown-id" "$T/unknown-$tag.bin" "$OTHER_IP"
	ctl --json show status >"$T/status1-$tag.json" || fail "cstpctl show status"
	d1=$(json_get "$T/status1-$tag.json" dtls_dropped)
	# The admin sees the five datagrams that named no tunnel.
	assert_eq "$((d1 - d0))" 5 "datagrams counted as dropped for the unknown id"
	wait "$ping_pid" || true
	sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$T/ping-$tag.out")
	lost=$((${sent:-0} - $(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$T/ping-$tag.out")))
	note "$(grep 'packets transmitted' "$T/ping-$tag.out")"
	[ "${sent:-0}" = 200 ] || { e2e_dump ping "$T/ping-$tag.out"; fail "ping did not run"; }
	[ "$lost" -le 3 ] || fail "$lost pings lost while the ClientHellos were replayed"

	step "$tag: the live session did not notice"
	assert_eq "$(oc_dtls_count "$tag")" 1 "established DTLS connections"
	assert_not_grep 'DTLS Dead Peer|DTLS handshake failed|DTLS handshake timed out|Failed to reconnect|reconnect' \
		"$log" "no DTLS restart in openconnect's log"
	server_udp_peers >"$T/peers-$tag"
	grep -qxF "$peer1" "$T/peers-$tag" ||
		fail "the worker's UDP socket to $peer1 is gone (now: $(paste -sd' ' "$T/peers-$tag"))"
	assert_pings_over_udp 200
	assert_ping server "$TUN_ADDR"
	assert_eq "$(grep -c "tunnel up for 'alice'" "$T/server.log")" 1 "tunnels up for alice"
	assert_grep 'replies=0 ' "$T/replay-$tag-unknown-id" "no answer to an unknown id"
	from=$(sed -n 's/.* from=\([^ ]*\) .*/\1/p' "$T/replay-$tag-unknown-id")
	assert_not_grep "ClientHello from ${from//./\\.} handed" "$T/server.log" \
		"no hand-over of the unknown id"
	server_alive
	# A forged handshake nobody finishes should be dropped by the worker after a while;
	# the PSK mode keeps its socket for good at the moment: only noted here.
	sleep 5
	note "worker UDP sockets 5 s later: $(server_udp_peers | paste -sd' ')"
	oc_tunnel_stop "$tag"
}

step "PSK-NEGOTIATE"
e2e_conf "udp-port = $PORT"
e2e_start
run_mode p X-DTLS-App-ID
e2e_stop || fail "cstpd exit status $SERVER_EXIT"

step "DTLS 1.2 resumption (dtls-psk = false)"
e2e_conf "udp-port = $PORT" "dtls-psk = false"
: >"$T/server.log"
e2e_start
run_mode r X-DTLS-Session-ID
server_alive

pass
