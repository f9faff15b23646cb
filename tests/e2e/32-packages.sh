#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# client-packages = DIR: the login reply announces base-package-uri, the client package
# version and the vpn-core-manifest; each listed file is served at
# /CACHE/stc/1/binaries/<file> to a session (a 5 MiB package whole and by Range pieces,
# compared byte for byte; 416; several ranges -> 200; If-Range); no cookie -> 401; a file in
# DIR that is not listed -> 404. The downloader's fixed probes get PROTOCOL.md §9.2 answers.
set -eu
. "$(dirname "$0")/lib.sh"
. "$E2E_TOP/tests/data/files/files-lib.sh"

e2e_init packages
command -v curl >/dev/null 2>&1 || skip "no curl"
e2e_certs ec
e2e_passwd alice alicepw
P="$T/pkgs"
mkdir -p "$P"
head -c 5242880 /dev/urandom >"$P/core-linux64.sh"
head -c 70000 /dev/urandom >"$P/dart-win.msi"
echo "not listed" >"$P/secret.txt"
cat >"$P/manifest" <<-EOM
	# test packages
	package VPNCore 4.10.08029 linux-64 sh core-linux64.sh AnyConnect Secure Mobility Client
	package DART 4.10.08029 win:6.1.7601 msi dart-win.msi
EOM
chmod -R a+rX "$P"
e2e_conf "client-packages = $P"
e2e_start
size=5242880
base=/CACHE/stc/1/binaries

step "login -> base-package-uri, pkgversion and the core manifest"
files_login alice alicepw l1
f="$T/l1.xml"
assert_eq "$(xq "$f" text ./config/vpn-base-config/base-package-uri)" /CACHE/stc/1 \
	"base-package-uri"
assert_eq "$(xq "$f" text ./config/vpn-base-config/server-cert-hash)" "$CERT_SHA1" \
	"server-cert-hash still there"
op="./config/opaque[@is-for='vpn-client']"
assert_eq "$(xq "$f" text "$op/vpn-client-pkg-version/pkgversion")" 4,10,08029 "pkgversion"
core="$op/vpn-core-manifest/vpn[@rev='1.0']/file[@id='VPNCore']"
assert_eq "$(xq "$f" text "$core/uri")" binaries/core-linux64.sh "core uri"
assert_eq "$(xq "$f" attr "$core" is_core)" yes "is_core"
assert_eq "$(xq "$f" attr "$core" os)" linux-64 "os"
assert_eq "$(xq "$f" attr "$core" type)" sh "type"
assert_eq "$(xq "$f" attr "$core" version)" 4.10.08029 "version"
assert_eq "$(xq "$f" text "$core/display-name")" "AnyConnect Secure Mobility Client" "display-name"
assert_eq "$(xq "$f" text "$op/vpn-core-manifest/vpn/file[@id='DART']/uri")" \
	binaries/dart-win.msi "module uri"
assert_eq "$(xq "$f" count ./config/vpn-profile-manifest)" 0 "no profile configured"
assert_not_grep '&fu:' "$T/l1.hdr" "no fu in webvpnc without a profile"
C="webvpn=$TOKEN"

step "the whole 5 MiB package on a new connection"
code=$(files_get whole "$base/core-linux64.sh" -b "$C")
assert_eq "$code" 200 "status"
cmp "$T/whole.body" "$P/core-linux64.sh" || fail "downloaded package differs"
assert_eq "$(hdr whole content-length)" "$size" "Content-Length"
assert_eq "$(hdr whole content-type)" application/octet-stream "Content-Type"
assert_eq "$(hdr whole etag)" "\"$(sha1_upper "$P/core-linux64.sh")\"" "ETag = SHA-1"
assert_eq "$(hdr whole accept-ranges)" bytes "Accept-Ranges"

step "by Range pieces, reassembled"
: >"$T/joined"
for r in 0-1048575 1048576-3000000 3000001-; do
	code=$(files_get "r$r" "$base/core-linux64.sh" -b "$C" -r "$r")
	assert_eq "$code" 206 "Range $r status"
	cat "$T/r$r.body" >>"$T/joined"
done
assert_eq "$(hdr r0-1048575 content-range)" "bytes 0-1048575/$size" "Content-Range"
assert_eq "$(hdr r0-1048575 content-length)" 1048576 "Content-Length of a piece"
assert_eq "$(hdr r3000001- content-range)" "bytes 3000001-5242879/$size" "open-ended range"
cmp "$T/joined" "$P/core-linux64.sh" || fail "pieces do not add up to the package"
code=$(files_get tail "$base/core-linux64.sh" -b "$C" -r -1000)
assert_eq "$code" 206 "suffix range"
tail -c 1000 "$P/core-linux64.sh" | cmp - "$T/tail.body" || fail "suffix range bytes"
assert_eq "$(hdr tail content-range)" "bytes 5241880-5242879/$size" "suffix Content-Range"

step "unsatisfiable -> 416; several ranges -> the whole file"
code=$(files_get r416 "$base/core-linux64.sh" -b "$C" -H "Range: bytes=$size-")
assert_eq "$code" 416 "range past the end"
assert_eq "$(hdr r416 content-range)" "bytes */$size" "416 Content-Range"
code=$(files_get multi "$base/core-linux64.sh" -b "$C" -H 'Range: bytes=0-1,10-20')
assert_eq "$code" 200 "several ranges are ignored"
cmp -s "$T/multi.body" "$P/core-linux64.sh" || fail "several ranges: not the whole file"
code=$(files_get huge "$base/core-linux64.sh" -b "$C" \
	-H 'Range: bytes=0-99999999999999999999999999999')
assert_eq "$code" 206 "an enormous last-byte-pos is clamped"
assert_eq "$(hdr huge content-range)" "bytes 0-5242879/$size" "clamped Content-Range"

step "If-Range: the current ETag honours the Range, another one gets the whole file"
etag="\"$(sha1_upper "$P/core-linux64.sh")\""
code=$(files_get ir1 "$base/core-linux64.sh" -b "$C" -r 0-9 -H "If-Range: $etag")
assert_eq "$code" 206 "If-Range with the ETag"
code=$(files_get ir2 "$base/core-linux64.sh" -b "$C" -r 0-9 -H 'If-Range: "0000"')
assert_eq "$code" 200 "If-Range with another tag"
assert_eq "$(hdr ir2 content-length)" "$size" "whole file after a failed If-Range"
code=$(files_get inm "$base/core-linux64.sh" -b "$C" -H "If-None-Match: $etag")
assert_eq "$code" 304 "If-None-Match on a package"

step "second package; 401 without a session; unlisted files 404"
code=$(files_get dart "$base/dart-win.msi" -b "$C")
assert_eq "$code" 200 "module status"
cmp -s "$T/dart.body" "$P/dart-win.msi" || fail "module bytes"
code=$(files_get noc "$base/core-linux64.sh")
assert_eq "$code" 401 "no cookie"
[ "$(stat -c %s "$T/noc.body")" -lt 1000 ] || fail "401 body carries package bytes"
code=$(files_get bad "$base/core-linux64.sh" -b "webvpn=$(printf '%064d' 0)")
assert_eq "$code" 401 "unknown cookie"
assert_eq "$(files_get s1 "$base/secret.txt" -b "$C")" 404 "a file in DIR that is not listed"
assert_eq "$(files_get s2 "$base/manifest" -b "$C")" 404 "the manifest itself"

step "downloader probes (PROTOCOL.md §9.2)"
for p in /1/VPNManifest.xml /CACHE/stc/1/VPNManifest.xml /VPNManifest.xml; do
	code=$(files_get vm "$p")
	assert_eq "$code" 200 "$p status"
	assert_eq "$(hdr vm content-type)" text/xml "$p Content-Type"
	assert_eq "$(xq "$T/vm.body" root-tag)" vpn "$p root"
	assert_eq "$(xq "$T/vm.body" root-attr rev)" 1.0 "$p rev"
done
for p in /1/binaries/update.txt /CACHE/stc/1/binaries/update.txt; do
	assert_eq "$(files_get up "$p")" 200 "$p status"
	assert_eq "$(cat "$T/up.body")" 0,0,0000 "$p body"
done
code=$(files_get tt '/+CSCOT+/translation-table?textdomain=AnyConnect&type=manifest')
assert_eq "$code" 200 "translation table"
for p in /1/binaries/vpndownloader.sh /1/index.html /1/Linux_64 /1/Windows /nothing; do
	assert_eq "$(files_get nf "$p" -b "$C")" 404 "$p"
done

step "several downloads on one keep-alive connection"
in_client curl -sS --max-time 30 --cacert "$CA_CERT" -b "$C" \
	-o "$T/ka1" "https://$SERVER_IP:$PORT$base/dart-win.msi" \
	-o "$T/ka2" "https://$SERVER_IP:$PORT$base/core-linux64.sh" 2>"$T/ka.err" ||
	fail "keep-alive downloads: $(cat "$T/ka.err")"
cmp -s "$T/ka1" "$P/dart-win.msi" && cmp -s "$T/ka2" "$P/core-linux64.sh" ||
	fail "keep-alive downloads differ"
server_alive

pass
