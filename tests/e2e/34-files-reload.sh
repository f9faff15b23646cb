#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Client files at start-up and on SIGHUP: a bad profile or package set stops cstpd with a
# clear message; a changed profile or package is announced and served with its new SHA-1
# after SIGHUP; a reload that finds a broken profile keeps announcing and serving the
# previous one (the bytes that were hashed, even though the file on disk changed).
set -eu
. "$(dirname "$0")/lib.sh"
. "$E2E_TOP/tests/data/files/files-lib.sh"

e2e_init files-reload
command -v curl >/dev/null 2>&1 || skip "no curl"
e2e_certs ec
e2e_passwd alice alicepw
P="$T/pkgs"
mkdir -p "$P" "$T/bad" "$T/groups"
cp "$E2E_TOP/conf/profile.xml" "$T/profile.xml"
head -c 300000 /dev/urandom >"$P/core.sh"
echo 'package VPNCore 4.10.08029 linux-64 sh core.sh' >"$P/manifest"
chmod -R a+rX "$P" "$T/profile.xml"

# refuse NAME REGEX CONF-LINES...: cstpd must exit with an error naming the problem.
refuse() {
	local name=$1 re=$2 rc=0
	shift 2
	e2e_conf "$@"
	in_server timeout -k 2 10 "$CSTPD" -c "$T/cstpd.conf" -f -d 2 >"$T/$name.log" 2>&1 ||
		rc=$?
	[ "$rc" != 0 ] && [ "$rc" != 124 ] || {
		e2e_dump "$name" "$T/$name.log"
		fail "$name: cstpd did not refuse to start (exit $rc)"
	}
	assert_grep "$re" "$T/$name.log" "$name: a message matching '$re'"
}

step "start-up refuses broken client files, saying why"
printf '<AnyConnectProfile>\n<ServerList>\n</AnyConnectProfile>\n' >"$T/bad/broken.xml"
printf '<!DOCTYPE x [<!ENTITY a "b">]>\n<AnyConnectProfile/>\n' >"$T/bad/doctype.xml"
printf '<?xml version="1.0"?>\n<Other/>\n' >"$T/bad/root.xml"
ln -s "$T/profile.xml" "$T/bad/link.xml"
{ echo '<AnyConnectProfile>'; head -c 1048576 /dev/zero | tr '\0' ' '; echo '</AnyConnectProfile>'; } \
	>"$T/bad/big.xml"
refuse broken 'user-profile .*broken.xml: line [0-9]+: ' "user-profile = $T/bad/broken.xml"
refuse doctype 'DOCTYPE is not allowed' "user-profile = $T/bad/doctype.xml"
refuse root 'root element is not AnyConnectProfile' "user-profile = $T/bad/root.xml"
refuse link 'link.xml: is a symbolic link' "user-profile = $T/bad/link.xml"
refuse missing 'nothere.xml: No such file' "user-profile = $T/bad/nothere.xml"
refuse big 'at most 1048576 bytes' "user-profile = $T/bad/big.xml"
echo "user-profile = $T/bad/broken.xml" >"$T/groups/staff"
refuse group 'groups/staff: its user-profile cannot be served' "config-per-group = $T/groups"
rm "$T/groups/staff"

mkdir -p "$T/p1" "$T/p2" "$T/p3" "$T/p4" "$T/p5" "$T/p6"
echo 'package VPNCore 1 linux-64 sh missing.sh' >"$T/p1/manifest"
refuse pkg-missing 'p1/missing.sh No such file' "client-packages = $T/p1"
ln -s "$P/core.sh" "$T/p2/core.sh"
echo 'package VPNCore 1 linux-64 sh core.sh' >"$T/p2/manifest"
refuse pkg-link 'p2/core.sh is a symbolic link' "client-packages = $T/p2"
printf 'package VPNCore 1 linux-64 sh a.sh\npackge X 1 win msi b.msi\n' >"$T/p3/manifest"
refuse pkg-syntax 'p3/manifest: line 2: unknown keyword' "client-packages = $T/p3"
: >"$T/p4/a.sh"
printf 'package VPNCore 1 linux-64 sh a.sh\npackage DART 1 win msi a.sh\n' >"$T/p4/manifest"
refuse pkg-dup 'p4/manifest: line 2: file listed twice' "client-packages = $T/p4"
truncate -s 1025M "$T/p5/huge.sh"
echo 'package VPNCore 1 linux-64 sh huge.sh' >"$T/p5/manifest"
refuse pkg-huge 'huge.sh is not a regular file of at most 1 GiB' "client-packages = $T/p5"
refuse pkg-nomanifest 'p6/manifest No such file' "client-packages = $T/p6"
refuse pkg-nodir 'cannot open the directory' "client-packages = $T/p7"

step "a good set starts"
e2e_conf "user-profile = $T/profile.xml" "client-packages = $P"
e2e_start
files_login alice alicepw l1
read -r uri h1 <<<"$(announced_profile l1)"
assert_eq "$h1" "$(sha1_upper "$T/profile.xml")" "first profile hash"
cp "$T/profile.xml" "$T/profile-v1.xml"

step "change the profile and a package, SIGHUP -> new hashes announced and served"
echo '<!-- revised -->' >>"$T/profile.xml"
head -c 200000 /dev/urandom >"$P/core.sh.new"
mv "$P/core.sh.new" "$P/core.sh"
chmod a+r "$P/core.sh"
h2=$(sha1_upper "$T/profile.xml")
[ "$h1" != "$h2" ] || fail "test set-up: the profile did not change"
before=$(grep -c 'configuration reloaded' "$T/server.log" || true)
kill -HUP "$SERVER_PID"
wait_until 5 sh -c "[ \$(grep -c 'configuration reloaded' '$T/server.log') -gt $before ]" ||
	fail "no reload logged after SIGHUP"
files_login alice alicepw l2
read -r uri got <<<"$(announced_profile l2)"
if [ "$got" != "$h2" ]; then
	note "SIGHUP does not reload client files yet (mfiles_load in the reload path)"
	fail "after SIGHUP: announced $got, expected the new SHA-1 $h2"
fi
code=$(files_get g2 "$uri" -b "webvpn=$TOKEN")
assert_eq "$code" 200 "new profile status"
cmp -s "$T/g2.body" "$T/profile.xml" || fail "new profile bytes"
code=$(files_get k2 /CACHE/stc/1/binaries/core.sh -b "webvpn=$TOKEN")
assert_eq "$code" 200 "new package status"
cmp -s "$T/k2.body" "$P/core.sh" || fail "new package bytes"
assert_eq "$(hdr k2 etag)" "\"$(sha1_upper "$P/core.sh")\"" "new package ETag"

step "a reload with a broken profile keeps the previous one, bytes included"
cp "$T/profile.xml" "$T/profile-v2.xml"
printf '<AnyConnectProfile>\n' >"$T/profile.xml"
before=$(grep -c 'client files not loaded' "$T/server.log" || true)
kill -HUP "$SERVER_PID"
wait_until 5 sh -c "[ \$(grep -c 'client files not loaded' '$T/server.log') -gt $before ]" ||
	fail "the broken profile was not reported on reload"
assert_grep 'keeping the previous ones' "$T/server.log" "reload keeps the old files"
files_login alice alicepw l3
read -r uri got <<<"$(announced_profile l3)"
assert_eq "$got" "$h2" "still the previous hash"
code=$(files_get g3 "$uri" -b "webvpn=$TOKEN")
assert_eq "$code" 200 "previous profile still served"
cmp -s "$T/g3.body" "$T/profile-v2.xml" || fail "served bytes are not the announced ones"
server_alive

pass
