#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# connect-script and disconnect-script: a connect-script that exits 1 for bob refuses his
# tunnel (403, nothing left behind); alice (exit 0) connects; after traffic and her logout
# the disconnect-script sees her name, address, device, the reason and non-zero byte counts.
set -eu
. "$(dirname "$0")/lib.sh"

e2e_init scripts
e2e_certs ec
e2e_passwd alice alicepw
e2e_passwd bob bobpw

out="$T/script-out"
mkdir -p "$out"
chmod 777 "$out"
cat >"$T/connect.sh" <<EOF
#!/bin/sh
# Record the environment; refuse bob.
env | LC_ALL=C sort >"$out/connect.\$USERNAME.tmp"
mv -f "$out/connect.\$USERNAME.tmp" "$out/connect.\$USERNAME"
[ "\$USERNAME" = bob ] && exit 1
exit 0
EOF
cat >"$T/disconnect.sh" <<EOF
#!/bin/sh
env | LC_ALL=C sort >"$out/disconnect.\$USERNAME.tmp"
mv -f "$out/disconnect.\$USERNAME.tmp" "$out/disconnect.\$USERNAME"
EOF
chmod 755 "$T/connect.sh" "$T/disconnect.sh"
e2e_conf "connect-script = $T/connect.sh" "disconnect-script = $T/disconnect.sh"
e2e_start

# var FILE NAME: the value of NAME in a recorded environment.
var() {
	sed -n "s/^$2=//p" "$1" | head -n1
}

# assert_var FILE NAME EXPECTED
assert_var() {
	local got
	got=$(var "$1" "$2")
	if [ "$got" != "$3" ]; then
		e2e_dump "$(basename "$1")" "$1" 40
		fail "$(basename "$1"): $2: got '$got', expected '$3'"
	fi
}

step "bob: the connect-script exits 1 -> refused"
oc_tunnel_start bob bob bobpw
oc_tunnel_refused bob 15
assert_grep "HTTP/1\.[01] 403 " "$(tun_dir bob)/oc.log" "a 403 reply to bob's CONNECT"
assert_grep "connect-script refused 'bob' \(exit 1\)" "$T/server.log" "the server to log the refusal"
[ -f "$out/connect.bob" ] || fail "the connect-script did not run for bob"
assert_var "$out/connect.bob" REASON connect
[ -z "$(server_tuns)" ] || fail "a tun device stays after the refusal: $(server_tuns)"

step "alice: the connect-script exits 0 -> connected"
oc_tunnel_up alice alice alicepw
addr=$TUN_ADDR
stun=$(server_tun_of "$addr")
[ -n "$stun" ] || fail "no server device for $addr"
c="$out/connect.alice"
assert_var "$c" REASON connect
assert_var "$c" USERNAME alice
assert_var "$c" IP_REMOTE "$addr"
assert_var "$c" IP_LOCAL 10.66.0.1
assert_var "$c" IP_REAL "$CLIENT_IP"
assert_var "$c" DEVICE "$stun"

step "traffic through the tunnel"
assert_ping client 10.66.0.1 -s 500
assert_ping server "$addr" -s 500

step "alice logs out -> the disconnect-script runs"
oc_tunnel_stop alice
d="$out/disconnect.alice"
wait_until 10 test -s "$d" || fail "no disconnect-script output 10 s after the logout"
assert_var "$d" REASON disconnect
assert_var "$d" USERNAME alice
assert_var "$d" IP_REMOTE "$addr"
assert_var "$d" IP_LOCAL 10.66.0.1
assert_var "$d" IP_REAL "$CLIENT_IP"
assert_var "$d" DEVICE "$stun"
assert_var "$d" ID "$(var "$c" ID)"
assert_var "$d" DISCONNECT_REASON user-disconnect
bin=$(var "$d" STATS_BYTES_IN)
bout=$(var "$d" STATS_BYTES_OUT)
dur=$(var "$d" STATS_DURATION)
note "STATS_BYTES_IN=$bin STATS_BYTES_OUT=$bout STATS_DURATION=$dur"
# Six pings of 528-byte packets each way went through.
[ "${bin:-0}" -ge 3000 ] || fail "STATS_BYTES_IN '$bin' (expected at least 3000)"
[ "${bout:-0}" -ge 3000 ] || fail "STATS_BYTES_OUT '$bout' (expected at least 3000)"
[[ "$dur" =~ ^[0-9]+$ ]] || fail "STATS_DURATION '$dur' is not a number"
[ ! -e "$out/disconnect.bob" ] || fail "the disconnect-script ran for bob, who never connected"
server_alive

pass
