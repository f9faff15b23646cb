#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# outer-ipv6: openconnect reaches the gateway over IPv6 (fd00:198:18::2 -> [fd00:198:18::1],
# ULA addresses on the test's veth pair). Each mode is first measured over IPv4 with the same
# config, then over IPv6:
#  - TLS only: the server's TCP connection on the port comes from fd00:198:18::2, `cstpctl
#    show users` reports that remote_ip, X-CSTP-Base-MTU equals the IPv4 one and X-CSTP-MTU
#    is exactly 20 below it (40-byte IPv6 header instead of 20); pings cross the tunnel and
#    8 MiB each way arrive with the sender's SHA-256.
#  - DTLS PSK (udp-port = tcp-port): one DTLS connection, main hands over a ClientHello from
#    the IPv6 peer, a cstpd-worker UDP socket [fd00:198:18::1]:port is connected to
#    [fd00:198:18::2]:port, X-CSTP-MTU (and X-DTLS-MTU, if sent) is 20 below IPv4's, 200
#    pings move UDP counters and not the TLS connection, 16 MiB down and 8 MiB up arrive
#    intact and travel as UDP datagrams (at least one per 1500 bytes on the client side).
#    The client's tun MTU after its own DTLS MTU detection is not above X-CSTP-MTU, and a
#    burst of 1024 tunnel packets of exactly X-CSTP-MTU bytes (which the worker sends with
#    UDP segmentation offload) arrives whole, with no IPv6 fragmentation at either end and
#    no offload refusal by the kernel.
#  - DTLS resumption (dtls-psk = false): DTLS established with a non-PSK suite over IPv6,
#    X-DTLS-MTU and X-CSTP-MTU exactly 20 below IPv4's, the same burst of X-DTLS-MTU-byte
#    packets arrives unfragmented, pings over UDP.
set -eu
. "$(dirname "$0")/lib.sh"

BIG=$((16 * 1024 * 1024))
SMALL=$((8 * 1024 * 1024))
NPING=200
SERVER6=fd00:198:18::1
CLIENT6=fd00:198:18::2

# snmp6 NS FIELD: a counter of /proc/net/snmp6 in namespace NS (server|client).
snmp6() {
	local ns
	ns=$(ns_name "$1")
	# shellcheck disable=SC2016 # an awk program
	ip netns exec "$ns" awk -v f="$2" '$1 == f { print $2 }' /proc/net/snmp6
}

# pings_over_udp6 N: assert_pings_over_udp with the TLS byte counters taken on the IPv6
# connection (lib.sh filters them by "dst $CLIENT_IP"; ss wants an IPv6 address in
# brackets); that connection must be there to count.
pings_over_udp6() {
	[ "$(server_tcp_bytes "[$CLIENT6]" bytes_received)" -gt 0 ] ||
		fail "no established TCP connection from $CLIENT6 on port $PORT to count"
	CLIENT_IP="[$CLIENT6]" assert_pings_over_udp "$1"
}

# no_worker_udp: no cstpd-worker holds a UDP socket on $PORT.
# shellcheck disable=SC2317 # called through wait_until
no_worker_udp() {
	! in_server ss -Hunp "sport = :$PORT" | grep -q cstpd-worker
}

# assert_dialled TAG ADDR: openconnect of TAG connected to ADDR:$PORT (ADDR as it prints it,
# an IPv6 address in brackets).
assert_dialled() {
	local want=$2
	want=${want//./\\.}
	want=${want//[/\\[}
	want=${want//]/\\]}
	assert_grep "^Connected to $want:$PORT\$" "$(tun_dir "$1")/oc.log" \
		"openconnect $1 connected to $2:$PORT"
}

# hdr TAG HEADER: the header's value in TAG's CONNECT reply; must be present (assign the
# result to a variable: a failure inside $(...) ends the test only through set -e).
hdr() {
	local v
	v=$(oc_reply_header "$1" "$2")
	[ -n "$v" ] || {
		e2e_dump "openconnect $1" "$(tun_dir "$1")/oc.log" 40
		fail "tunnel $1: no $2 in the CONNECT reply"
	}
	echo "$v"
}

# assert_mtu_v6 TAG4 TAG6 HEADER: HEADER of TAG6 (IPv6) is exactly 20 below TAG4's (IPv4).
assert_mtu_v6() {
	local m4 m6
	m4=$(hdr "$1" "$3")
	m6=$(hdr "$2" "$3")
	note "$3: $m4 over IPv4, $m6 over IPv6"
	assert_eq "$m6" "$((m4 - 20))" "$3 over IPv6 (IPv4: $m4)"
}

# assert_base_mtu_same TAG4 TAG6: both connections got the same X-CSTP-Base-MTU (so the MTU
# difference comes from the IP header alone).
assert_base_mtu_same() {
	local b4 b6
	b4=$(hdr "$1" X-CSTP-Base-MTU)
	b6=$(hdr "$2" X-CSTP-Base-MTU)
	note "X-CSTP-Base-MTU: $b4 over IPv4, $b6 over IPv6"
	assert_eq "$b6" "$b4" "X-CSTP-Base-MTU over IPv6 (IPv4: $b4)"
}

# assert_tcp_from_v6: the server's established TCP connection on $PORT is the IPv6 one.
assert_tcp_from_v6() {
	in_server ss -Htn state established "( sport = :$PORT )" >"$T/ss-tcp"
	assert_grep "^.*\[$SERVER6\]:$PORT +\[$CLIENT6\]:[0-9]+" "$T/ss-tcp" \
		"a TCP connection [$SERVER6]:$PORT <- [$CLIENT6]"
	assert_eq "$(grep -c . "$T/ss-tcp")" 1 "established TCP connections on port $PORT"
}

# assert_udp_peer_v6: exactly one connected cstpd-worker UDP socket, [SERVER6]:PORT to the
# client's IPv6 address.
assert_udp_peer_v6() {
	local peers
	in_server ss -Hunp "sport = :$PORT" >"$T/ss-udp"
	assert_grep "^.*\[$SERVER6\]:$PORT +\[$CLIENT6\]:[0-9]+ .*cstpd-worker" "$T/ss-udp" \
		"a worker's UDP socket [$SERVER6]:$PORT -> [$CLIENT6]"
	peers=$(server_udp_peers)
	assert_eq "$(echo "$peers" | grep -c .)" 1 "connected worker UDP sockets"
	[[ "$peers" =~ ^\[$CLIENT6\]:[0-9]+$ ]] || fail "worker UDP peer '$peers' is not [$CLIENT6]"
	note "UDP flow [$SERVER6]:$PORT <-> $peers"
}

# assert_ctl_remote_v6: cstpctl lists one active session of alice, from $CLIENT6.
assert_ctl_remote_v6() {
	ctl --json show users >"$T/users.json" || fail "cstpctl show users"
	assert_eq "$(json_get "$T/users.json" 0.user)" alice "cstpctl show users: user"
	assert_eq "$(json_get "$T/users.json" 0.remote_ip)" "$CLIENT6" "cstpctl show users: remote_ip"
	"$PY" -c 'import json, sys; sys.exit(len(json.load(open(sys.argv[1]))) != 1)' \
		"$T/users.json" || fail "cstpctl show users lists more than one session"
}

# tls_bytes6: bytes the server received and had acknowledged on the IPv6 TLS connection.
tls_bytes6() {
	echo $(($(server_tcp_bytes "[$CLIENT6]" bytes_acked) +
		$(server_tcp_bytes "[$CLIENT6]" bytes_received)))
}

# transfer_udp NAME DIRECTION BYTES: bulk_transfer between the gateway's tunnel address and
# the client's; the client namespace must count at least BYTES/1500 UDP-over-IPv6 datagrams
# for it (received for down, sent for up) and the TLS connection must carry less than 1%.
transfer_udp() {
	local name=$1 dir=$2 bytes=$3 field u tls
	[ "$dir" = down ] && field=Udp6InDatagrams || field=Udp6OutDatagrams
	u=$(snmp6 client "$field")
	tls=$(tls_bytes6)
	bulk_transfer "$name" "$dir" "$bytes" 10.66.0.1 "$addr"
	u=$(($(snmp6 client "$field") - u))
	tls=$(($(tls_bytes6) - tls))
	note "$name: $bytes bytes, client UDP $field +$u, TLS bytes +$tls"
	[ "$u" -ge $((bytes / 1500)) ] ||
		fail "$name: the client counted $u UDP $field for $bytes bytes (not over DTLS)"
	[ "$tls" -lt $((bytes / 100)) ] || fail "$name: $tls bytes went over TLS"
}

# burst_max_size N SIZE: N tunnel packets of exactly SIZE bytes (IPv4 + UDP) from the gateway
# to the client's $addr, in back-to-back runs of 32 that the worker sends with segmentation
# offload. At least 90% must reach a receiver in the client namespace at full size, every
# one in a single UDP datagram: neither end's IPv6 stack may fragment or reassemble
# (Ip6FragCreates, Ip6ReasmReqds), and the worker must not report that the kernel refused
# the offload.
burst_max_size() {
	local n=$1 size=$2 rpid got frag reasm uo
	ip netns exec "$CNS" timeout -k 2 30 "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
s.bind((sys.argv[1], 5901))
print("listening", file=sys.stderr, flush=True)
s.settimeout(10)
n = 0
try:
    while True:
        d = s.recv(65536)
        n += len(d) == int(sys.argv[2])
        s.settimeout(2)
except socket.timeout:
    pass
print(n)' "$addr" $((size - 28)) >"$T/burst.recv" 2>"$T/burst.recv.err" &
	rpid=$!
	e2e_track "$rpid"
	wait_until 5 grep -q listening "$T/burst.recv.err" ||
		fail "burst: the receiver did not start: $(cat "$T/burst.recv.err")"
	frag=$(snmp6 server Ip6FragCreates)
	reasm=$(snmp6 client Ip6ReasmReqds)
	uo=$(snmp6 server Udp6OutDatagrams)
	in_server "$PY" -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.66.0.1", 0))
p = b"\x5a" * int(sys.argv[3])
for i in range(int(sys.argv[2]) // 32):
    for j in range(32):
        s.sendto(p, (sys.argv[1], 5901))
    time.sleep(0.003)' "$addr" "$n" $((size - 28)) || fail "burst: the sender failed"
	wait "$rpid" || fail "burst: the receiver failed: $(cat "$T/burst.recv.err")"
	got=$(cat "$T/burst.recv")
	frag=$(($(snmp6 server Ip6FragCreates) - frag))
	reasm=$(($(snmp6 client Ip6ReasmReqds) - reasm))
	uo=$(($(snmp6 server Udp6OutDatagrams) - uo))
	note "burst of $n $size-byte packets: $got arrived whole; server UDP/IPv6 sends $uo," \
		"IPv6 fragments made $frag, reassemblies $reasm"
	[ "$got" -ge $((n * 9 / 10)) ] || fail "only $got of $n $size-byte tunnel packets arrived"
	assert_eq "$frag" 0 "IPv6 fragments the server made"
	assert_eq "$reasm" 0 "IPv6 reassemblies in the client namespace"
	assert_not_grep 'segmentation offload refused' "$T/server.log" \
		"no 'UDP segmentation offload refused' from the worker"
}

e2e_init outer-ipv6
e2e_certs rsa
e2e_passwd alice alicepw

step "ULA addresses on the veth pair: $SERVER6 (server), $CLIENT6 (client)"
in_server ip -6 addr add "$SERVER6/64" dev veth0 nodad
in_client ip -6 addr add "$CLIENT6/64" dev veth0 nodad
wait_until 5 in_client ping -6 -n -c1 -W1 "$SERVER6" ||
	fail "$SERVER6 does not answer ping from the client namespace"
wait_until 5 in_server ping -6 -n -c1 -W1 "$CLIENT6" ||
	fail "$CLIENT6 does not answer ping from the server namespace"

# --- (1) TLS only -------------------------------------------------------------------------

step "TLS only: reference connect over IPv4"
e2e_conf
e2e_start
in_server ss -Hltn "sport = :$PORT" >"$T/ss-listen"
assert_grep "^.*\[::\]:$PORT " "$T/ss-listen" "a TCP listener on [::]:$PORT"
oc_tunnel_up t4 alice alicepw -v
assert_dialled t4 "$SERVER_IP"
oc_tunnel_stop t4

step "TLS only over IPv6"
OC_HOST="[$SERVER6]"
oc_tunnel_up t6 alice alicepw -v
addr=$TUN_ADDR
assert_dialled t6 "[$SERVER6]"
assert_tcp_from_v6
assert_ctl_remote_v6
assert_grep "\[?$CLIENT6\]?.*(accepted|authenticated)" "$T/server.log" \
	"the server log naming the IPv6 client"
assert_base_mtu_same t4 t6
assert_mtu_v6 t4 t6 X-CSTP-MTU
mtu6=$(hdr t6 X-CSTP-MTU)
assert_eq "$(tun_var t6 INTERNAL_IP4_MTU)" "$mtu6" "the client's tun MTU"
assert_ping client 10.66.0.1
assert_ping server "$addr"
bulk_transfer tls-down down "$SMALL" 10.66.0.1 "$addr"
bulk_transfer tls-up up "$SMALL" 10.66.0.1 "$addr"
assert_tcp_from_v6
oc_tunnel_stop t6
e2e_stop || fail "cstpd did not exit cleanly (TLS only)"
OC_HOST=$SERVER_IP

# --- (2) DTLS PSK ---------------------------------------------------------------------------

step "DTLS PSK: reference connect over IPv4"
e2e_conf "udp-port = $PORT"
e2e_start
in_server ss -Hlun "sport = :$PORT" >"$T/ss-ulisten"
assert_grep "^.*\[::\]:$PORT " "$T/ss-ulisten" "a UDP socket on [::]:$PORT"
oc_dtls_up p4 alice alicepw
assert_dialled p4 "$SERVER_IP"
assert_eq "$(oc_dtls_count p4)" 1 "established DTLS connections over IPv4"
oc_tunnel_stop p4
wait_until 5 no_worker_udp ||
	fail "the IPv4 worker's UDP socket stays after logout"

step "DTLS PSK over IPv6"
OC_HOST="[$SERVER6]"
oc_dtls_up p6 alice alicepw
addr=$TUN_ADDR
log=$(tun_dir p6)/oc.log
assert_dialled p6 "[$SERVER6]"
assert_eq "$(oc_reply_header p6 X-DTLS-CipherSuite)" PSK-NEGOTIATE "X-DTLS-CipherSuite"
assert_grep 'Established DTLS connection .*\(DTLS1\.2\)-\(PSK\)' "$log" \
	"openconnect's 'Established DTLS connection' with a DTLS 1.2 PSK suite"
assert_grep 'with SSL connected and DTLS (connected|established)' "$log" \
	"the tun configured with DTLS up"
note "$(grep -m1 'Established DTLS connection' "$log")"
assert_eq "$(oc_dtls_count p6)" 1 "established DTLS connections"
assert_grep "DTLS ClientHello from \[?$CLIENT6\]?" "$T/server.log" \
	"main handing over a ClientHello from $CLIENT6"
assert_grep "\[$CLIENT6\].*DTLS established" "$T/server.log" \
	"the IPv6 client's worker logging 'DTLS established'"
assert_tcp_from_v6
assert_udp_peer_v6
assert_ctl_remote_v6
assert_ctl_transport alice DTLS

step "DTLS PSK: the MTUs account for the IPv6 header"
assert_base_mtu_same p4 p6
assert_mtu_v6 p4 p6 X-CSTP-MTU
if [ -n "$(oc_reply_header p4 X-DTLS-MTU)$(oc_reply_header p6 X-DTLS-MTU)" ]; then
	assert_mtu_v6 p4 p6 X-DTLS-MTU
else
	note "no X-DTLS-MTU in PSK mode (the client computes it after the handshake)"
fi

mtu6=$(hdr p6 X-CSTP-MTU)
cmtu=$(tun_var p6 INTERNAL_IP4_MTU)
note "the client's tun MTU after its DTLS MTU detection: $cmtu"
[ "$cmtu" -le "$mtu6" ] || fail "the client's tun MTU $cmtu is above the announced $mtu6"

step "DTLS PSK over IPv6: $mtu6-byte tunnel packets fit one UDP datagram"
burst_max_size 1024 "$mtu6"

step "DTLS PSK over IPv6: pings and bulk data over UDP"
assert_ping client 10.66.0.1
assert_ping server "$addr"
pings_over_udp6 "$NPING"
transfer_udp dtls-down down "$BIG"
transfer_udp dtls-up up "$SMALL"
assert_eq "$(oc_dtls_count p6)" 1 "DTLS connections after the transfers"
assert_ctl_transport alice DTLS
oc_tunnel_stop p6
wait_until 5 no_worker_udp ||
	fail "the IPv6 worker's UDP socket stays after logout"
server_alive
e2e_stop || fail "cstpd did not exit cleanly (DTLS PSK)"
OC_HOST=$SERVER_IP

# --- (3) DTLS resumption ------------------------------------------------------------------

step "DTLS resumption (dtls-psk = false): reference connect over IPv4"
e2e_conf "udp-port = $PORT" "dtls-psk = false"
e2e_start
oc_dtls_up r4 alice alicepw
assert_dialled r4 "$SERVER_IP"
assert_eq "$(oc_dtls_count r4)" 1 "established DTLS connections over IPv4"
oc_tunnel_stop r4

step "DTLS resumption over IPv6"
OC_HOST="[$SERVER6]"
oc_dtls_up r6 alice alicepw
addr=$TUN_ADDR
log=$(tun_dir r6)/oc.log
assert_dialled r6 "[$SERVER6]"
[[ "$(oc_reply_header r6 X-DTLS-Session-ID)" =~ ^[0-9a-fA-F]{64}$ ]] ||
	fail "X-DTLS-Session-ID is not 64 hex digits"
assert_grep 'Established DTLS connection .*\(DTLS1\.2\)-' "$log" \
	"openconnect's 'Established DTLS connection' with DTLS 1.2"
assert_not_grep 'Established DTLS connection .*\(PSK\)' "$log" "a non-PSK DTLS suite"
note "$(grep -m1 'Established DTLS connection' "$log")"
assert_eq "$(oc_dtls_count r6)" 1 "established DTLS connections"
assert_grep "\[$CLIENT6\].*DTLS established \(DTLSv1\.2, [^P]" "$T/server.log" \
	"the IPv6 client's worker logging 'DTLS established' with a non-PSK suite"
assert_udp_peer_v6
assert_ctl_remote_v6
assert_ctl_transport alice DTLS
assert_base_mtu_same r4 r6
assert_mtu_v6 r4 r6 X-DTLS-MTU
assert_mtu_v6 r4 r6 X-CSTP-MTU
mtu6=$(hdr r6 X-DTLS-MTU)
burst_max_size 1024 "$mtu6"
assert_ping client 10.66.0.1
assert_ping server "$addr"
pings_over_udp6 "$NPING"
assert_eq "$(oc_dtls_count r6)" 1 "DTLS connections after the pings"
oc_tunnel_stop r6
server_alive

pass
