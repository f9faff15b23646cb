#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Ban scores: with max-ban-score = 20 and 10 points per wrong password, two wrong logins
# ban the client address, so a third login with the right password is refused, and the
# server log says why.
set -eu
. "$(dirname "$0")/lib.sh"

e2e_init ban
e2e_certs ec
e2e_passwd alice alicepw
e2e_conf 'max-ban-score = 20' 'ban-points-wrong-password = 10' 'ban-time = 30' \
	'ban-reset-time = 60'
e2e_start

step "the right password works before any failure"
oc_auth_ok alice alicepw

step "two wrong passwords"
oc_auth_refused alice wrong1
oc_auth_refused alice wrong2
server_alive

step "the right password is now refused (banned)"
t0=$(now_ms)
oc_auth_refused alice alicepw
note "refused in $(($(now_ms) - t0)) ms: $(grep -v '^$' "$OC_ERR" | tail -n1)"
assert_grep 'ban' "$T/server.log" "the ban in the server log"
server_alive "after banning a client"

step "still banned on the next attempt"
oc_auth_refused alice alicepw

pass
