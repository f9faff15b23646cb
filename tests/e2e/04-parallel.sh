#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Twenty openconnect logins at the same time: all succeed, each with its own cookie.
set -eu
. "$(dirname "$0")/lib.sh"

N=20
e2e_init parallel
e2e_certs ec
for i in $(seq -w 1 $N); do
	e2e_passwd "user$i" "pass-$i"
done
e2e_conf
e2e_start

step "$N logins in parallel"
pids=()
start=$(now_ms)
for i in $(seq -w 1 $N); do
	OC_TAG="p$i" oc_auth "user$i" "pass-$i" &
	pids+=($!)
	e2e_track "$!"
done
failed=0
for idx in "${!pids[@]}"; do
	i=$(printf '%02d' $((idx + 1)))
	rc=0
	wait "${pids[$idx]}" || rc=$?
	if [ "$rc" != 0 ]; then
		failed=$((failed + 1))
		echo "    user$i: openconnect exit $rc" >&2
		e2e_dump "openconnect user$i" "$T/oc-p$i.err" 8
	fi
done
note "all done in $(($(now_ms) - start)) ms"
[ "$failed" = 0 ] || fail "$failed of $N parallel logins failed"

step "$N distinct webvpn cookies"
: >"$T/cookies"
for i in $(seq -w 1 $N); do
	c=$(sed -n "s/^COOKIE='\(.*\)'\$/\1/p" "$T/oc-p$i.out" | tr ';' '\n' |
		sed -n 's/^ *webvpn=//p' | head -n1)
	[ -n "$c" ] || fail "user$i: no webvpn cookie in the output"
	echo "$c" >>"$T/cookies"
done
assert_eq "$(sort -u "$T/cookies" | wc -l)" "$N" "distinct cookies"
server_alive

step "one more login afterwards"
oc_auth_ok user01 pass-01

pass
