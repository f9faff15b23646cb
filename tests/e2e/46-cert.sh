#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Client certificates (openconnect -c/-k), with ca-cert, crl, cert-user-oid = CN and
# cert-group-oid = OU:
#  - auth = "certificate": a valid certificate logs in with no form, its OU is the group,
#    and the tunnel comes up; no certificate, a certificate of another CA, or one without
#    a usable name is refused; a certificate revoked in a new CRL is refused after SIGHUP;
#  - auth = certificate + auth = plain (both required): the certificate and the password
#    of the same user log in; a certificate of alice with bob's password is refused;
#  - auth = plain, enable-auth = certificate (alternatives): either one alone logs in;
#  - cisco-client-compat = false: the handshake itself requires a certificate.
set -eu
. "$(dirname "$0")/lib.sh"

# client_cert NAME SUBJECT [CA]: $T/NAME.pem and .key, signed by CA (default the test CA).
client_cert() {
	local name=$1 subj=$2 ca=${3:-ca}
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "$subj" \
		-keyout "$T/$name.key" -out "$T/$name.csr" >>"$T/openssl.log" 2>&1 ||
		fail "client key $name"
	printf '%s\n' "basicConstraints=critical,CA:FALSE" \
		"keyUsage=critical,digitalSignature" "extendedKeyUsage=clientAuth" >"$T/client.ext"
	openssl x509 -req -in "$T/$name.csr" -CA "$T/$ca.pem" -CAkey "$T/$ca.key" \
		-CAcreateserial -days 2 -extfile "$T/client.ext" -out "$T/$name.pem" \
		>>"$T/openssl.log" 2>&1 || fail "client certificate $name"
}

# gen_crl FILE: a CRL of the test CA with what `openssl ca -revoke` recorded so far.
gen_crl() {
	openssl ca -config "$T/ca.cnf" -gencrl -out "$1" >>"$T/openssl.log" 2>&1 ||
		{ e2e_dump openssl "$T/openssl.log"; fail "gencrl"; }
}

# oc_cert NAME [OPENCONNECT ARGS...]: --authenticate with certificate NAME (or "none"),
# non-interactive, password "$OC_PASS" (default none) on stdin for a form if one comes.
oc_cert() {
	local name=$1 rc=0 certargs=()
	shift
	[ "$name" != none ] && certargs=(-c "$T/$name.pem" -k "$T/$name.key")
	E2E_OC_SEQ=$((E2E_OC_SEQ + 1))
	OC_OUT="$T/oc-$E2E_OC_SEQ.out"
	OC_ERR="$T/oc-$E2E_OC_SEQ.err"
	printf '%s\n' "${OC_PASS:-}" | ip netns exec "$CNS" timeout -k 2 30 openconnect \
		--authenticate --non-inter --servercert "$PIN" "${certargs[@]}" \
		--passwd-on-stdin "$@" "https://$SERVER_IP:$PORT/" >"$OC_OUT" 2>"$OC_ERR" || rc=$?
	OC_COOKIE=$(sed -n "s/^COOKIE='\(.*\)'\$/\1/p" "$OC_OUT" | head -n1)
	return "$rc"
}

cert_ok() {
	oc_cert "$@" || true
	if [ -z "$OC_COOKIE" ]; then
		e2e_dump "openconnect stderr" "$OC_ERR" 30
		fail "login with certificate '$1' should succeed"
	fi
}

cert_refused() {
	local rc=0
	oc_cert "$@" || rc=$?
	if [ -n "$OC_COOKIE" ]; then
		e2e_dump "openconnect stderr" "$OC_ERR" 30
		fail "login with certificate '$1' should be refused"
	fi
	[ "$rc" = 124 ] && fail "openconnect timed out instead of being refused ('$1')"
	return 0
}

reloads() {
	grep -c "configuration reloaded" "$T/server.log" || true
}

# shellcheck disable=SC2317 # called through wait_until
reloaded_since() {
	[ "$(reloads)" -gt "$1" ]
}

reload() {
	local n
	n=$(reloads)
	kill -HUP "$SERVER_PID"
	wait_until 5 reloaded_since "$n" || fail "no reload"
}

e2e_init cert
e2e_certs ec
CERT_CONF=(
	"ca-cert = $T/ca.pem"
	"cert-user-oid = 2.5.4.3"
	"cert-group-oid = 2.5.4.11"
)
e2e_passwd alice alicepw
e2e_passwd bob bobpw
cat >"$T/ca.cnf" <<EOF
[ ca ]
default_ca = test_ca
[ test_ca ]
database = $T/index.txt
crlnumber = $T/crlnumber
certificate = $T/ca.pem
private_key = $T/ca.key
default_md = sha256
default_crl_days = 2
EOF
: >"$T/index.txt"
echo 01 >"$T/crlnumber"
gen_crl "$T/crl-0.pem"
client_cert alice "/O=cstpd e2e/OU=staff/CN=alice"
client_cert bob "/O=cstpd e2e/OU=staff/CN=bob"
client_cert nameless "/O=cstpd e2e/CN=Carol Smith"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj "/CN=another CA" -keyout "$T/other.key" -out "$T/other.pem" \
	-addext "basicConstraints=critical,CA:TRUE" \
	-addext "keyUsage=critical,keyCertSign,cRLSign" >>"$T/openssl.log" 2>&1 ||
	fail "the other CA"
client_cert mallory "/O=cstpd e2e/OU=staff/CN=alice" other

e2e_conf "auth = \"certificate\"" "${CERT_CONF[@]}" "crl = $T/crl-0.pem"
e2e_start

step "certificate only: alice's certificate logs in without a form, group from OU"
cert_ok alice
assert_not_grep 'Please enter your username' "$OC_ERR" "no login form"
assert_grep "user 'alice' authenticated \(group 'staff'" "$T/server.log" "alice in staff"

step "... and carries a tunnel"
mkdir -p "$(tun_dir a)"
e2e_tunnel_start a /dev/null -c "$T/alice.pem" -k "$T/alice.key"
oc_tunnel_wait a
assert_ping client 10.66.0.1 -I "$TUN_ADDR"
oc_tunnel_stop a

step "no certificate -> refused"
cert_refused none
step "a certificate of another CA (same CN) -> refused"
cert_refused mallory
assert_grep 'client certificate not accepted' "$T/server.log" "the verification failure logged"
step "a certificate whose CN is not a usable user name -> refused"
cert_refused nameless
assert_grep 'client certificate without a usable user name' "$T/server.log" \
	"the unusable name logged"

step "bob's certificate works; revoked in a new CRL + SIGHUP -> refused"
cert_ok bob
openssl ca -config "$T/ca.cnf" -revoke "$T/bob.pem" >>"$T/openssl.log" 2>&1 ||
	{ e2e_dump openssl "$T/openssl.log"; fail "revoke bob"; }
gen_crl "$T/crl-1.pem"
e2e_conf "auth = \"certificate\"" "${CERT_CONF[@]}" "crl = $T/crl-1.pem"
reload
cert_refused bob
assert_grep 'client certificate not accepted: certificate revoked' "$T/server.log" \
	"the revocation logged"
cert_ok alice

step "certificate + password (both required)"
e2e_conf "auth = \"certificate\"" "auth = \"plain[passwd=$T/passwd]\"" "${CERT_CONF[@]}" \
	"crl = $T/crl-1.pem"
reload
OC_PASS=alicepw cert_ok alice --user alice
assert_grep 'Please enter your username' "$OC_ERR" "the password form"
step "... alice's certificate with bob's name and password -> refused"
OC_PASS=bobpw cert_refused alice --user bob
assert_grep "login failed for user 'bob': the client certificate belongs to another user" \
	"$T/server.log" "the mismatch logged"
step "... the right password without a certificate -> refused"
OC_PASS=alicepw cert_refused none --user alice
step "... the certificate with a wrong password -> refused"
OC_PASS=wrong cert_refused alice --user alice

step "alternatives: auth = plain, enable-auth = certificate"
e2e_conf "auth = \"plain[passwd=$T/passwd]\"" "enable-auth = \"certificate\"" \
	"${CERT_CONF[@]}" "crl = $T/crl-1.pem"
reload
cert_ok alice
assert_not_grep 'Please enter your username' "$OC_ERR" "no form with a certificate"
OC_PASS=alicepw cert_ok none --user alice
step "... an unverifiable certificate falls back to the password"
OC_PASS=alicepw cert_ok mallory --user alice

step "cisco-client-compat = false: the handshake requires a certificate"
e2e_conf "auth = \"certificate\"" "${CERT_CONF[@]}" "crl = $T/crl-1.pem" \
	"cisco-client-compat = false"
reload
cert_refused none
cert_ok alice

server_alive
e2e_stop || fail "cstpd did not exit cleanly on SIGTERM (status $SERVER_EXIT)"
assert_no_server_procs

pass
