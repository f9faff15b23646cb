#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Per-group and per-user profiles: a user-profile in a config-per-group file is announced to
# and served to that group's users only; a per-user file wins over the group; everyone else
# gets the global profile. A session can fetch only the profile it was announced.
set -eu
. "$(dirname "$0")/lib.sh"
. "$E2E_TOP/tests/data/files/files-lib.sh"

e2e_init profile-groups
command -v curl >/dev/null 2>&1 || skip "no curl"
e2e_certs rsa
e2e_passwd alice alicepw
e2e_passwd bob bobpw staff
e2e_passwd carol carolpw staff
mkdir -p "$T/groups" "$T/users"
cp "$E2E_TOP/conf/profile.xml" "$T/global.xml"
sed 's/Corporate VPN/Staff VPN/' "$E2E_TOP/conf/profile.xml" >"$T/staff.xml"
sed 's/Corporate VPN/Carol VPN/' "$E2E_TOP/conf/profile.xml" >"$T/carol.xml"
chmod 644 "$T"/*.xml
echo "user-profile = $T/staff.xml" >"$T/groups/staff"
printf '# carol has her own\nuser-profile = %s\n' "$T/carol.xml" >"$T/users/carol"
e2e_conf "user-profile = $T/global.xml" "config-per-group = $T/groups" \
	"config-per-user = $T/users"
e2e_start

step "alice (no group) -> the global profile"
files_login alice alicepw la
read -r uri hash <<<"$(announced_profile la)"
assert_eq "$uri $hash" "/profiles/global.xml $(sha1_upper "$T/global.xml")" "alice's profile"
ALICE=$TOKEN

step "bob (group staff) -> the staff profile, in the XML and in webvpnc"
files_login bob bobpw lb
read -r uri hash <<<"$(announced_profile lb)"
assert_eq "$uri $hash" "/profiles/staff.xml $(sha1_upper "$T/staff.xml")" "bob's profile"
assert_grep "fu:profiles%2Fstaff.xml&fh:$(sha1_upper "$T/staff.xml");" "$T/lb.hdr" \
	"webvpnc names the group profile"
BOB=$TOKEN

step "carol (group staff, own user file) -> her profile"
files_login carol carolpw lc
read -r uri hash <<<"$(announced_profile lc)"
assert_eq "$uri $hash" "/profiles/carol.xml $(sha1_upper "$T/carol.xml")" "carol's profile"
CAROL=$TOKEN

step "each gets the bytes of the profile announced to them"
code=$(files_get gb /profiles/staff.xml -b "webvpn=$BOB")
assert_eq "$code" 200 "bob fetches staff.xml"
cmp -s "$T/gb.body" "$T/staff.xml" || fail "bob's download differs from staff.xml"
code=$(files_get gc /profiles/carol.xml -b "webvpn=$CAROL")
assert_eq "$code" 200 "carol fetches carol.xml"
cmp -s "$T/gc.body" "$T/carol.xml" || fail "carol's download differs from carol.xml"
code=$(files_get ga /profiles/global.xml -b "webvpn=$ALICE")
assert_eq "$code" 200 "alice fetches global.xml"
cmp -s "$T/ga.body" "$T/global.xml" || fail "alice's download differs from global.xml"

step "nobody gets a profile that was not announced to them"
assert_eq "$(files_get x1 /profiles/staff.xml -b "webvpn=$ALICE")" 404 "alice asks for staff.xml"
assert_eq "$(files_get x2 /profiles/global.xml -b "webvpn=$BOB")" 404 "bob asks for global.xml"
assert_eq "$(files_get x3 /profiles/staff.xml -b "webvpn=$CAROL")" 404 "carol asks for staff.xml"
server_alive

pass
