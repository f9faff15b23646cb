# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash disable=SC2034,SC2120
# Shared helpers for the end-to-end tests: network namespaces, certificates, test config,
# starting and stopping cstpd, and running the real openconnect client against it.
#
# Sourced by tests/e2e/NN-name.sh. A test exits 0 = pass, 1 = fail, 77 = skip.
#
# Environment:
#   BUILD_DIR     build tree holding server/cstpd, server/cstpd-worker, server/cstppasswd
#                 (default: <top>/build when it has server/cstpd, else <top>)
#   E2E_KEEP=1    keep the temp dir of a failed test (its path is printed);
#                 E2E_KEEP=always keeps it in every case
#   E2E_TMPDIR    where temp dirs are made (default /tmp)
#   E2E_VERBOSE=1 print every step's output as it runs
#
# Network rules: traffic only on loopback and on one veth pair between two namespaces made
# here: 198.18.0.1/24 (server namespace) and 198.18.0.2/24 (client namespace). Processes are
# killed by PID only, and only when they live in one of this test's namespaces (or, for tests
# without namespaces, are children of this shell).

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
E2E_TOP=$(cd "$E2E_DIR/../.." && pwd)
E2E_HELPERS="$E2E_DIR/helpers"

if [ -z "${BUILD_DIR:-}" ]; then
	if [ -x "$E2E_TOP/build/server/cstpd" ] || [ ! -x "$E2E_TOP/server/cstpd" ]; then
		BUILD_DIR="$E2E_TOP/build"
	else
		BUILD_DIR="$E2E_TOP"
	fi
fi
CSTPD="$BUILD_DIR/server/cstpd"
CSTPPASSWD="$BUILD_DIR/server/cstppasswd"

SERVER_IP=198.18.0.1
CLIENT_IP=198.18.0.2
PORT=443
# Host part of the URL openconnect dials (oc_auth, oc_tunnel_start*, oc_dtls_start); a
# test may point it elsewhere, an IPv6 literal in brackets: OC_HOST="[fd00:198:18::1]".
OC_HOST=$SERVER_IP

# The system python: pyenv shims cost time on every call and may be absent in CI.
if [ -x /usr/bin/python3 ]; then
	PY=/usr/bin/python3
else
	PY=python3
fi

E2E_NAME=""
E2E_NETNS=0
SNS=""
CNS=""
T=""
E2E_OC_SEQ=0

# --- messages -------------------------------------------------------------------------

# Print a progress line for one step of a test.
step() {
	echo "  - $*"
}

# Print an informational line (something observed, not asserted).
note() {
	echo "    note: $*"
}

# End the test as passed.
pass() {
	echo "PASS: $E2E_NAME${1:+: $1}"
	exit 0
}

# End the test as failed, with a reason.
fail() {
	echo "FAIL: $E2E_NAME: $*" >&2
	exit 1
}

# End the test as skipped, with a reason.
skip() {
	echo "SKIP: $E2E_NAME: $*"
	exit 77
}

# Print a file to stderr, indented, with a title (used when an assertion fails).
e2e_dump() {
	local title=$1 file=$2 lines=${3:-60}
	echo "---- $title ($file, last $lines lines) ----" >&2
	if [ -f "$file" ]; then
		tail -n "$lines" "$file" | sed 's/^/    | /' >&2
	else
		echo "    (missing)" >&2
	fi
}

# assert_grep PATTERN FILE [DESCRIPTION]: FILE must match the extended regex PATTERN
# (case-insensitive); otherwise dump FILE and fail.
assert_grep() {
	local pat=$1 file=$2 desc=${3:-"'$1' in $(basename "$2")"}
	if ! grep -qiE -- "$pat" "$file" 2>/dev/null; then
		e2e_dump "$(basename "$file")" "$file"
		fail "expected $desc"
	fi
}

# assert_not_grep PATTERN FILE [DESCRIPTION]: FILE must not match PATTERN.
assert_not_grep() {
	local pat=$1 file=$2 desc=${3:-"no '$1' in $(basename "$2")"}
	if grep -qiE -- "$pat" "$file" 2>/dev/null; then
		e2e_dump "$(basename "$file")" "$file"
		fail "expected $desc"
	fi
}

# assert_eq ACTUAL EXPECTED DESCRIPTION
assert_eq() {
	if [ "$1" != "$2" ]; then
		fail "$3: got '$1', expected '$2'"
	fi
}

# --- set-up and cleanup ---------------------------------------------------------------

# e2e_init NAME [--no-netns]: check prerequisites (skip with 77 when missing), make the temp
# dir $T, install the cleanup trap and, unless --no-netns, create the namespace pair.
e2e_init() {
	E2E_NAME=$1
	E2E_NETNS=1
	[ "${2:-}" = "--no-netns" ] && E2E_NETNS=0

	if [ "$E2E_NETNS" = 1 ]; then
		[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
		command -v ip >/dev/null 2>&1 || skip "no ip (iproute2)"
		ip netns list >/dev/null 2>&1 || skip "ip netns does not work here"
		command -v openconnect >/dev/null 2>&1 || skip "no openconnect"
		command -v ss >/dev/null 2>&1 || skip "no ss (iproute2)"
	fi
	command -v openssl >/dev/null 2>&1 || skip "no openssl"

	T=$(mktemp -d "${E2E_TMPDIR:-/tmp}/cstpd-e2e-$E2E_NAME.XXXXXX") || fail "mktemp"
	# Workers run as nobody; sanitizer reports must be writable by them.
	chmod 755 "$T"
	mkdir -p "$T/san"
	chmod 1777 "$T/san"
	: >"$T/pids"

	trap e2e_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'e2e_on_err $LINENO "$BASH_COMMAND"' ERR
	set -E

	echo "TEST: $E2E_NAME (tmp $T)"
	[ "$E2E_NETNS" = 1 ] && e2e_netns_up
	return 0
}

# Report the command that tripped `set -e`.
e2e_on_err() {
	echo "    error: line $1: $2" >&2
}

# Create the server and client namespaces joined by a veth pair.
e2e_netns_up() {
	local tag i
	# Names stay short and unique per test run.
	tag=$(printf '%s' "$E2E_NAME" | tr -c 'a-zA-Z0-9' '-' | cut -c1-20)
	SNS="cstpS-$tag-$$"
	CNS="cstpC-$tag-$$"
	# Root without the right to make namespaces (some containers): nothing to test here.
	ip netns add "$SNS" 2>"$T/netns.err" || skip "ip netns add failed: $(cat "$T/netns.err")"
	echo "$SNS" >>"$T/netns"
	ip netns add "$CNS" || fail "ip netns add $CNS"
	echo "$CNS" >>"$T/netns"
	ip -n "$SNS" link set lo up
	ip -n "$CNS" link set lo up
	ip -n "$SNS" link add veth0 type veth peer name veth0 netns "$CNS" || fail "veth"
	ip -n "$SNS" addr add "$SERVER_IP/24" dev veth0
	ip -n "$CNS" addr add "$CLIENT_IP/24" dev veth0
	ip -n "$SNS" link set veth0 up
	ip -n "$CNS" link set veth0 up
	for i in 1 2 3 4 5 6 7 8 9 10; do
		if ip netns exec "$CNS" ping -c1 -W1 -q "$SERVER_IP" >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.2
	done
	fail "veth link between $CNS and $SNS does not pass traffic"
}

# in_server CMD...: run a command in the server namespace. For a background process whose
# PID matters, call `ip netns exec "$SNS" CMD &` directly: `in_server CMD &` would give the
# PID of a subshell outside the namespace.
in_server() {
	ip netns exec "$SNS" "$@"
}

# in_client CMD...: run a command in the client namespace.
in_client() {
	ip netns exec "$CNS" "$@"
}

# True when PID is a process this test may kill: it lives in one of our namespaces, or
# (tests without namespaces) it is a child of this shell.
e2e_pid_is_ours() {
	local pid=$1 ns ppid
	case "$pid" in '' | *[!0-9]*) return 1 ;; esac
	kill -0 "$pid" 2>/dev/null || return 1
	if [ "$E2E_NETNS" = 1 ]; then
		ns=$(ip netns identify "$pid" 2>/dev/null) || return 1
		[ -n "$ns" ] || return 1
		[ "$ns" = "$SNS" ] || [ "$ns" = "$CNS" ]
		return
	fi
	ppid=$(awk '/^PPid:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
	[ "$ppid" = "$$" ]
}

# e2e_kill_pid PID [TIMEOUT_S]: SIGTERM, wait, then SIGKILL; only for our own processes.
e2e_kill_pid() {
	local pid=$1 timeout=${2:-5} i
	e2e_pid_is_ours "$pid" || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < timeout * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	e2e_pid_is_ours "$pid" && kill -KILL "$pid" 2>/dev/null
	return 0
}

# e2e_track PID: remember a background process so cleanup ends it.
e2e_track() {
	echo "$1" >>"$T/pids"
}

e2e_cleanup() {
	local rc=$? pid ns f
	set +e +E
	trap - ERR INT TERM
	# No "Killed" job notices for the background processes ended below.
	disown -a 2>/dev/null
	[ -n "$T" ] && [ -d "$T" ] || exit "$rc"

	if [ -s "$T/server.pid" ]; then
		e2e_kill_pid "$(cat "$T/server.pid")" 5
	fi
	if [ -s "$T/pids" ]; then
		while read -r pid; do
			e2e_kill_pid "$pid" 2
		done <"$T/pids"
	fi
	if [ -s "$T/netns" ]; then
		# Anything still inside our namespaces was started by this test (workers, clients).
		while read -r ns; do
			for pid in $(ip netns pids "$ns" 2>/dev/null); do
				kill -KILL "$pid" 2>/dev/null
			done
		done <"$T/netns"
		sleep 0.1
		while read -r ns; do
			ip netns del "$ns" 2>/dev/null
		done <"$T/netns"
	fi

	# Sanitizer reports (sanitizer builds write them to $T/san via log_path).
	for f in "$T"/san/*; do
		[ -f "$f" ] || continue
		e2e_dump "sanitizer report" "$f" 80
		[ "$rc" = 0 ] && rc=1
		echo "FAIL: $E2E_NAME: sanitizer report $(basename "$f")" >&2
	done
	# Reports that went to stderr instead (a process that lost ASAN_OPTIONS).
	if [ -f "$T/server.log" ] &&
		grep -qE 'ERROR: (Address|Leak|Memory|Thread)Sanitizer|runtime error:' "$T/server.log"; then
		grep -E -A 30 'ERROR: (Address|Leak|Memory|Thread)Sanitizer|runtime error:' \
			"$T/server.log" | head -n 80 | sed 's/^/    | /' >&2
		[ "$rc" = 0 ] && rc=1
		echo "FAIL: $E2E_NAME: sanitizer report in the server log" >&2
	fi

	if [ "$rc" != 0 ] && [ "$rc" != 77 ]; then
		[ -f "$T/server.log" ] && e2e_dump "server log" "$T/server.log" 40
		if [ "${E2E_KEEP:-0}" = 1 ]; then
			echo "    kept $T" >&2
			exit "$rc"
		fi
	fi
	if [ "${E2E_KEEP:-0}" = always ]; then
		echo "    kept $T" >&2
		exit "$rc"
	fi
	rm -rf "$T"
	exit "$rc"
}

# --- certificates, users, config ------------------------------------------------------

# e2e_certs [ec|rsa]: a CA and a server certificate for 198.18.0.1 in $T. Sets CA_CERT,
# SERVER_CERT, SERVER_KEY, PIN (openconnect --servercert) and CERT_SHA1 (upper-case hex of
# the SHA-1 of the certificate's DER, as in <server-cert-hash>).
e2e_certs() {
	local kind=${1:-ec} keyopt
	case "$kind" in
	ec) keyopt=(-newkey ec -pkeyopt ec_paramgen_curve:P-256) ;;
	rsa) keyopt=(-newkey rsa:2048) ;;
	*) fail "e2e_certs: unknown key type $kind" ;;
	esac
	CA_CERT="$T/ca.pem"
	SERVER_CERT="$T/server.pem"
	SERVER_KEY="$T/server.key"
	openssl req -x509 "${keyopt[@]}" -nodes -days 2 -subj "/CN=cstpd e2e CA" \
		-keyout "$T/ca.key" -out "$CA_CERT" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" >"$T/openssl.log" 2>&1 ||
		{ e2e_dump openssl "$T/openssl.log"; fail "CA certificate"; }
	openssl req "${keyopt[@]}" -nodes -subj "/CN=$SERVER_IP" \
		-keyout "$SERVER_KEY" -out "$T/server.csr" >>"$T/openssl.log" 2>&1 ||
		{ e2e_dump openssl "$T/openssl.log"; fail "server key"; }
	cat >"$T/server.ext" <<-EOF
		basicConstraints=critical,CA:FALSE
		keyUsage=critical,digitalSignature,keyEncipherment
		extendedKeyUsage=serverAuth
		subjectAltName=IP:$SERVER_IP,DNS:vpn.e2e.test
	EOF
	openssl x509 -req -in "$T/server.csr" -CA "$CA_CERT" -CAkey "$T/ca.key" \
		-CAcreateserial -days 2 -extfile "$T/server.ext" -out "$SERVER_CERT" \
		>>"$T/openssl.log" 2>&1 || { e2e_dump openssl "$T/openssl.log"; fail "server cert"; }
	chmod 600 "$SERVER_KEY" "$T/ca.key"
	PIN="pin-sha256:$(openssl x509 -in "$SERVER_CERT" -pubkey -noout |
		openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | openssl base64 -A)"
	CERT_SHA1=$(openssl x509 -in "$SERVER_CERT" -outform der | sha1sum | cut -c1-40 |
		tr 'a-f' 'A-F')
}

# e2e_passwd USER PASS [GROUPS]: add a line to $T/passwd in the ocpasswd format
# (user:group1,group2:hash; "*" = no group), hashed with `openssl passwd -6`.
e2e_passwd() {
	local user=$1 pass=$2 groups=${3:-*} hash
	hash=$(printf '%s\n' "$pass" | openssl passwd -6 -stdin) || fail "openssl passwd"
	echo "$user:$groups:$hash" >>"$T/passwd"
}

# e2e_conf [LINE...]: write $T/cstpd.conf from the test defaults plus the given lines; with
# "-" as the only argument, the extra lines are read from stdin. A default whose key appears
# in the extra lines is left out, so extra lines override defaults.
e2e_conf() {
	local extra="$T/conf.extra" key line
	: >"$extra"
	if [ "$#" = 1 ] && [ "$1" = "-" ]; then
		cat >"$extra"
	else
		for line in "$@"; do
			printf '%s\n' "$line" >>"$extra"
		done
	fi
	[ -f "$T/passwd" ] || : >"$T/passwd"
	{
		echo "# cstpd e2e test config ($E2E_NAME)"
		while IFS= read -r line; do
			key=${line%%=*}
			key=${key//[[:space:]]/}
			if grep -qE "^[[:space:]]*${key}[[:space:]]*=" "$extra"; then
				continue
			fi
			printf '%s\n' "$line"
		done <<-EOF
			auth = "plain[passwd=$T/passwd]"
			tcp-port = $PORT
			udp-port = 0
			server-cert = ${SERVER_CERT:-$T/server.pem}
			server-key = ${SERVER_KEY:-$T/server.key}
			run-as-user = nobody
			run-as-group = nogroup
			pid-file = $T/cstpd.pid
			socket-file = $T/cstpd.sock
			occtl-socket-file = $T/cstpd-ctl.sock
			auth-timeout = 60
			cookie-timeout = 300
			ipv4-network = 10.66.0.0/24
			dns = 10.66.0.1
		EOF
		cat "$extra"
	} >"$T/cstpd.conf"
}

# --- the server -----------------------------------------------------------------------

# Environment for sanitizer builds: reports go to $T/san, which cleanup checks.
e2e_san_env() {
	echo "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$T/san/asan"
	echo "UBSAN_OPTIONS=${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}print_stacktrace=1:log_path=$T/san/ubsan"
}

# e2e_wait_listen TIMEOUT_S: wait until something listens on TCP $PORT in the server
# namespace. Returns 1 on timeout.
e2e_wait_listen() {
	local timeout=${1:-10} i
	for ((i = 0; i < timeout * 10; i++)); do
		if [ -n "$(in_server ss -Hltn "sport = :$PORT" 2>/dev/null)" ]; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# e2e_start [CSTPD ARGS...]: start cstpd in the foreground in the server namespace with
# $T/cstpd.conf; log in $T/server.log, PID in $T/server.pid. Fails the test when the port
# does not listen within 10 s.
e2e_start() {
	local pid i
	[ -x "$CSTPD" ] || fail "no server binary at $CSTPD (set BUILD_DIR)"
	[ -f "$T/cstpd.conf" ] || e2e_conf
	: >>"$T/server.log"
	echo "==== start $(date +%T) ====" >>"$T/server.log"
	# shellcheck disable=SC2046
	ip netns exec "$SNS" env $(e2e_san_env) "$CSTPD" -c "$T/cstpd.conf" -f -d 4 "$@" \
		>>"$T/server.log" 2>&1 </dev/null &
	pid=$!
	echo "$pid" >"$T/server.pid"
	SERVER_PID=$pid
	for ((i = 0; i < 100; i++)); do
		if ! kill -0 "$pid" 2>/dev/null; then
			e2e_dump "server log" "$T/server.log"
			fail "cstpd exited during start-up"
		fi
		if [ -n "$(in_server ss -Hltn "sport = :$PORT" 2>/dev/null)" ]; then
			return 0
		fi
		sleep 0.1
	done
	e2e_dump "server log" "$T/server.log"
	fail "cstpd does not listen on $SERVER_IP:$PORT after 10 s"
}

# e2e_stop: SIGTERM the server, wait up to 5 s, then SIGKILL. Returns 0 when it exited on
# its own with status 0, 1 otherwise. SERVER_EXIT holds the exit status.
e2e_stop() {
	local pid i
	SERVER_EXIT=""
	[ -s "$T/server.pid" ] || return 0
	pid=$(cat "$T/server.pid")
	: >"$T/server.pid"
	e2e_pid_is_ours "$pid" || return 0
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "    cstpd did not exit 5 s after SIGTERM; killing it" >&2
		e2e_pid_is_ours "$pid" && kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		SERVER_EXIT=killed
		return 1
	fi
	SERVER_EXIT=0
	wait "$pid" 2>/dev/null || SERVER_EXIT=$?
	[ "$SERVER_EXIT" = 0 ]
}

# server_alive [WHEN]: fail the test unless the server process still runs.
server_alive() {
	local pid
	pid=$(cat "$T/server.pid" 2>/dev/null)
	if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
		e2e_dump "server log" "$T/server.log"
		fail "cstpd is not running${1:+ $1}"
	fi
}

# e2e_server_procs: processes in the server namespace (main and workers), one PID a line.
e2e_server_procs() {
	ip netns pids "$SNS" 2>/dev/null
}

# assert_no_server_procs: after the server stopped, nothing (no worker, no helper) may be
# left in the server namespace; waits up to 2 s.
assert_no_server_procs() {
	local i left
	for ((i = 0; i < 20; i++)); do
		left=$(e2e_server_procs)
		[ -z "$left" ] && return 0
		sleep 0.1
	done
	ps -o pid,ppid,user,args -p "$(echo "$left" | paste -sd,)" >&2 || true
	fail "processes left in the server namespace after cstpd stopped: $(echo "$left" | paste -sd' ')"
}

# --- the client -----------------------------------------------------------------------

# oc_auth USER PASS [OPENCONNECT ARGS...]: `openconnect --authenticate` from the client
# namespace, password on stdin, server pinned. Output in $OC_OUT / $OC_ERR, the files
# $T/oc-TAG.out/.err (TAG = $OC_TAG or a sequence number). On success OC_COOKIE holds the
# COOKIE value and OC_WEBVPN the webvpn cookie inside it. Returns openconnect's exit
# status (124 on a timeout of $OC_TIMEOUT seconds, default 30).
oc_auth() {
	local user=$1 pass=$2 tag rc=0
	shift 2
	E2E_OC_SEQ=$((E2E_OC_SEQ + 1))
	tag=${OC_TAG:-$E2E_OC_SEQ}
	OC_OUT="$T/oc-$tag.out"
	OC_ERR="$T/oc-$tag.err"
	OC_COOKIE=""
	OC_WEBVPN=""
	printf '%s\n' "$pass" | ip netns exec "$CNS" timeout -k 2 "${OC_TIMEOUT:-30}" \
		openconnect --authenticate --non-inter --servercert "$PIN" \
		--user "$user" --passwd-on-stdin "$@" "https://$OC_HOST:$PORT/" \
		>"$OC_OUT" 2>"$OC_ERR" || rc=$?
	OC_COOKIE=$(sed -n "s/^COOKIE='\(.*\)'\$/\1/p" "$OC_OUT" | head -n1)
	# openconnect 9 prints every cookie it holds ("openconnect_strapkey=...; webvpn=...").
	OC_WEBVPN=$(printf '%s\n' "$OC_COOKIE" | tr ';' '\n' | sed -n 's/^ *webvpn=//p' | head -n1)
	if [ "${E2E_VERBOSE:-0}" = 1 ]; then
		sed "s/^/    oc[$tag] /" "$OC_ERR" "$OC_OUT"
	fi
	return "$rc"
}

# oc_auth_ok USER PASS [ARGS...]: oc_auth that must succeed with a non-empty webvpn cookie.
oc_auth_ok() {
	local rc=0
	oc_auth "$@" || rc=$?
	if [ "$rc" != 0 ] || [ -z "$OC_WEBVPN" ]; then
		e2e_dump "openconnect stderr" "$OC_ERR" 30
		e2e_dump "openconnect stdout" "$OC_OUT" 10
		fail "login of '$1' should succeed (openconnect exit $rc)"
	fi
}

# oc_auth_refused USER PASS [ARGS...]: oc_auth that must fail without a cookie.
oc_auth_refused() {
	local rc=0
	oc_auth "$@" || rc=$?
	if [ "$rc" = 0 ] || [ -n "$OC_COOKIE" ]; then
		e2e_dump "openconnect stderr" "$OC_ERR" 30
		fail "login of '$1' should be refused (openconnect exit $rc)"
	fi
	[ "$rc" = 124 ] && fail "openconnect timed out instead of being refused ('$1')"
	return 0
}

# now_ms: monotonic-enough wall clock in milliseconds.
now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# --- tunnels: openconnect connected in the background ---------------------------------
#
# A tunnel is named by a TAG; its files live in $T/tun-TAG/: oc.log (openconnect's output),
# pid, env.REASON (the script environment per reason, from helpers/vpnc-env.sh) and tun
# ("DEVICE ADDRESS" once the client's tun is configured). openconnect never runs the
# system vpnc-script here: resolv.conf and the default route stay untouched.

# tun_dir TAG: the directory of a tunnel's files.
tun_dir() {
	echo "$T/tun-$1"
}

# Start openconnect for TAG with stdin from the file INPUT; the remaining arguments go to
# openconnect before the URL.
e2e_tunnel_start() {
	local tag=$1 input=$2 dir pid
	shift 2
	dir=$(tun_dir "$tag")
	mkdir -p "$dir"
	rm -f "$dir"/env.* "$dir/tun" "$dir/script.err" "$dir/rc"
	echo "==== start $(date +%T.%N | cut -c1-12) ====" >>"$dir/oc.log"
	ip netns exec "$CNS" env VPNC_OUT="$dir" openconnect --non-inter --no-dtls \
		--servercert "$PIN" --script "$E2E_HELPERS/vpnc-env.sh" "$@" \
		"https://$OC_HOST:$PORT/" <"$input" >>"$dir/oc.log" 2>&1 &
	pid=$!
	# INPUT stays: the background job may not have opened it yet. $T goes away at cleanup.
	echo "$pid" >"$dir/pid"
	e2e_track "$pid"
	OCT_PID=$pid
}

# oc_tunnel_start TAG USER PASS [OPENCONNECT ARGS...]: log in as USER and connect, in the
# background (see oc_tunnel_wait). Sets OCT_PID.
oc_tunnel_start() {
	local tag=$1 user=$2 pass=$3 dir
	shift 3
	dir=$(tun_dir "$tag")
	mkdir -p "$dir"
	(umask 077 && printf '%s\n' "$pass" >"$dir/stdin")
	e2e_tunnel_start "$tag" "$dir/stdin" --user "$user" --passwd-on-stdin "$@"
}

# oc_tunnel_start_cookie TAG COOKIE [OPENCONNECT ARGS...]: connect with a cookie from
# oc_auth ($OC_COOKIE), without logging in, in the background. Sets OCT_PID.
oc_tunnel_start_cookie() {
	local tag=$1 cookie=$2 dir
	shift 2
	dir=$(tun_dir "$tag")
	mkdir -p "$dir"
	(umask 077 && printf '%s\n' "$cookie" >"$dir/stdin")
	e2e_tunnel_start "$tag" "$dir/stdin" --cookie-on-stdin "$@"
}

# oc_tunnel_pid TAG: openconnect's PID for TAG.
oc_tunnel_pid() {
	cat "$(tun_dir "$1")/pid" 2>/dev/null
}

# oc_tunnel_wait TAG [TIMEOUT_S]: wait until the client's tun is configured; then TUN_DEV
# and TUN_ADDR hold the client's device and address. Fails the test when openconnect exits
# first or nothing happens within TIMEOUT_S (default 20).
oc_tunnel_wait() {
	local tag=$1 timeout=${2:-20} dir pid i
	dir=$(tun_dir "$tag")
	pid=$(oc_tunnel_pid "$tag")
	for ((i = 0; i < timeout * 10; i++)); do
		if [ -s "$dir/tun" ]; then
			read -r TUN_DEV TUN_ADDR <"$dir/tun"
			[ "${E2E_VERBOSE:-0}" = 1 ] && sed "s/^/    oc[$tag] /" "$dir/oc.log"
			return 0
		fi
		if [ -s "$dir/script.err" ]; then
			e2e_dump "openconnect $tag" "$dir/oc.log" 30
			fail "tunnel $tag: the client script failed: $(cat "$dir/script.err")"
		fi
		if ! kill -0 "$pid" 2>/dev/null; then
			e2e_dump "openconnect $tag" "$dir/oc.log" 30
			fail "tunnel $tag: openconnect exited before the tunnel came up"
		fi
		sleep 0.1
	done
	e2e_dump "openconnect $tag" "$dir/oc.log" 30
	fail "tunnel $tag: not up after $timeout s"
}

# oc_tunnel_up TAG USER PASS [ARGS...]: oc_tunnel_start + oc_tunnel_wait.
oc_tunnel_up() {
	oc_tunnel_start "$@"
	oc_tunnel_wait "$1"
}

# oc_tunnel_wait_exit TAG [TIMEOUT_S]: wait for openconnect of TAG to exit (default 10 s);
# OCT_RC holds its exit status. Returns 1 when it still runs after TIMEOUT_S.
oc_tunnel_wait_exit() {
	local tag=$1 timeout=${2:-10} pid i
	pid=$(oc_tunnel_pid "$tag")
	OCT_RC=""
	for ((i = 0; i < timeout * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && return 1
	OCT_RC=0
	wait "$pid" 2>/dev/null || OCT_RC=$?
	echo "$OCT_RC" >"$(tun_dir "$tag")/rc"
	[ "${E2E_VERBOSE:-0}" = 1 ] && sed "s/^/    oc[$tag] /" "$(tun_dir "$tag")/oc.log"
	return 0
}

# oc_tunnel_refused TAG [TIMEOUT_S]: openconnect of TAG must exit with an error within
# TIMEOUT_S (default 15) without bringing its tun up. OCT_RC holds the exit status.
oc_tunnel_refused() {
	local tag=$1 timeout=${2:-15} dir
	dir=$(tun_dir "$tag")
	if ! oc_tunnel_wait_exit "$tag" "$timeout"; then
		e2e_dump "openconnect $tag" "$dir/oc.log" 30
		fail "tunnel $tag: openconnect still runs after $timeout s (expected a refusal)"
	fi
	if [ "$OCT_RC" = 0 ] || [ -e "$dir/env.connect" ]; then
		e2e_dump "openconnect $tag" "$dir/oc.log" 30
		fail "tunnel $tag: expected a refusal, openconnect connected (exit $OCT_RC)"
	fi
}

# oc_tunnel_stop TAG [SIGNAL]: end openconnect of TAG with SIGINT (it sends a DISCONNECT
# first) or SIGNAL, and wait up to 10 s for it to exit. Fails the test when it does not.
oc_tunnel_stop() {
	local tag=$1 sig=${2:-INT} pid
	pid=$(oc_tunnel_pid "$tag")
	e2e_pid_is_ours "$pid" || return 0
	kill -"$sig" "$pid" 2>/dev/null || return 0
	if ! oc_tunnel_wait_exit "$tag" 10; then
		e2e_dump "openconnect $tag" "$(tun_dir "$tag")/oc.log" 20
		fail "tunnel $tag: openconnect did not exit 10 s after SIG$sig"
	fi
}

# tun_var TAG VAR [REASON]: a variable of the client script's environment for REASON
# (default connect); empty when unset.
tun_var() {
	local f
	f="$(tun_dir "$1")/env.${3:-connect}"
	[ -f "$f" ] || return 0
	sed -n "s/^$2=//p" "$f" | head -n1
}

# assert_tun_var TAG VAR EXPECTED: the client script saw VAR=EXPECTED on connect (on a
# mismatch the tunnel settings it saw are printed).
assert_tun_var() {
	local got
	got=$(tun_var "$1" "$2")
	if [ "$got" != "$3" ]; then
		echo "---- tunnel $1: client script environment on connect ----" >&2
		grep -E '^(CISCO_|INTERNAL_IP[46]_|TUNDEV=)' "$(tun_dir "$1")/env.connect" 2>/dev/null |
			sed 's/^/    | /' >&2
		fail "tunnel $1: $2: got '$got', expected '$3'"
	fi
}

# server_tuns [PREFIX]: tun devices in the server namespace whose name starts with PREFIX
# (default vpns), one a line.
server_tuns() {
	ip -n "$SNS" -o link show 2>/dev/null | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' |
		grep "^${1:-vpns}" || true
}

# server_tun_of ADDR: the server device whose point-to-point peer is ADDR (empty if none).
server_tun_of() {
	ip -n "$SNS" -o -4 addr show 2>/dev/null |
		awk -v p="$1" '{ for (i = 1; i < NF; i++) if ($i == "peer") { split($(i + 1), a, "/");
			if (a[1] == p) print $2 } }' | head -n1
}

# wait_until TIMEOUT_S CMD...: run CMD every 0.1 s until it succeeds; 1 on timeout.
wait_until() {
	local timeout=$1 i
	shift
	for ((i = 0; i < timeout * 10; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# ns_name NS: the namespace name for NS (server, client, or a name as it is).
ns_name() {
	case "$1" in
	server) echo "$SNS" ;;
	client) echo "$CNS" ;;
	*) echo "$1" ;;
	esac
}

# ping_from NS DEST [PING ARGS...]: 3 pings from namespace NS (server or client) to DEST;
# success when at least one answer came back. Output in $T/ping.out.
ping_from() {
	local ns dest=$2
	ns=$(ns_name "$1")
	shift 2
	ip netns exec "$ns" ping -n -c 3 -i 0.2 -W 2 "$@" "$dest" >"$T/ping.out" 2>&1
}

# assert_ping NS DEST [PING ARGS...]: ping_from must succeed.
assert_ping() {
	if ! ping_from "$@"; then
		e2e_dump "ping $*" "$T/ping.out" 10
		fail "no answer to ping from the $1 namespace to $2"
	fi
}

# tun_split TAG INC|EXC: the split-include (or exclude) routes the client script saw on
# connect, as ADDR/MASK lines in sorted order (openconnect lists them in reverse).
tun_split() {
	local n i
	n=$(tun_var "$1" "CISCO_SPLIT_$2")
	for ((i = 0; i < ${n:-0}; i++)); do
		echo "$(tun_var "$1" "CISCO_SPLIT_$2_${i}_ADDR")/$(tun_var "$1" "CISCO_SPLIT_$2_${i}_MASK")"
	done | LC_ALL=C sort
}

# assert_tun_split TAG INC|EXC ADDR/MASK...: the split list is exactly these routes.
assert_tun_split() {
	local tag=$1 kind=$2 got want
	shift 2
	got=$(tun_split "$tag" "$kind" | paste -sd' ')
	want=$(printf '%s\n' "$@" | LC_ALL=C sort | paste -sd' ')
	if [ "$got" != "$want" ]; then
		assert_tun_var "$tag" "CISCO_SPLIT_$kind" "$#"
		fail "tunnel $tag: CISCO_SPLIT_$kind routes: got '$got', expected '$want'"
	fi
}

# server_tun_gone ADDR: true when no server device has ADDR as its peer.
server_tun_gone() {
	[ -z "$(server_tun_of "$1")" ]
}

# server_tun_of_is ADDR: true when a server device has ADDR as its peer.
server_tun_of_is() {
	[ -n "$(server_tun_of "$1")" ]
}

# --- DTLS (tests 50-59) ---------------------------------------------------------------
#
# openconnect with DTLS allowed and -v: its log (tun-TAG/oc.log) then holds the CONNECT
# reply headers and every DTLS event. The UDP firewall helpers use nft (table "cstpe2e")
# in the test's two namespaces, never anywhere else.

# oc_dtls_start TAG USER PASS [OPENCONNECT ARGS...]: like oc_tunnel_start, but without
# --no-dtls and with -v. Wait with oc_tunnel_wait (openconnect configures its tun only when
# DTLS is up or has failed: allow 20 s). Sets OCT_PID.
oc_dtls_start() {
	local tag=$1 user=$2 pass=$3 dir pid
	shift 3
	dir=$(tun_dir "$tag")
	mkdir -p "$dir"
	(umask 077 && printf '%s\n' "$pass" >"$dir/stdin")
	rm -f "$dir"/env.* "$dir/tun" "$dir/script.err" "$dir/rc"
	echo "==== start $(date +%T.%N | cut -c1-12) ====" >>"$dir/oc.log"
	ip netns exec "$CNS" env VPNC_OUT="$dir" openconnect -v --non-inter \
		--servercert "$PIN" --script "$E2E_HELPERS/vpnc-env.sh" \
		--user "$user" --passwd-on-stdin "$@" "https://$OC_HOST:$PORT/" \
		<"$dir/stdin" >>"$dir/oc.log" 2>&1 &
	pid=$!
	echo "$pid" >"$dir/pid"
	e2e_track "$pid"
	OCT_PID=$pid
}

# oc_dtls_up TAG USER PASS [ARGS...]: oc_dtls_start + oc_tunnel_wait (30 s).
oc_dtls_up() {
	oc_dtls_start "$@"
	oc_tunnel_wait "$1" 30
}

# oc_dtls_count TAG: how many times openconnect of TAG logged "Established DTLS connection".
oc_dtls_count() {
	grep -c 'Established DTLS connection' "$(tun_dir "$1")/oc.log" 2>/dev/null || true
}

# oc_dtls_wait TAG N TIMEOUT_S: wait until openconnect of TAG logged at least N established
# DTLS connections. Returns 1 on timeout.
oc_dtls_wait() {
	local tag=$1 n=$2 timeout=$3 i
	for ((i = 0; i < timeout * 10; i++)); do
		[ "$(oc_dtls_count "$tag")" -ge "$n" ] && return 0
		sleep 0.1
	done
	return 1
}

# oc_reply_header TAG NAME: the value of header NAME in the last CONNECT reply openconnect
# of TAG printed (empty when absent).
oc_reply_header() {
	awk -v h="$2" '
		/^Got CONNECT response:/ { inr = 1; v = ""; next }
		inr && /^[A-Za-z0-9-]+: / {
			n = substr($0, 1, index($0, ":") - 1)
			if (tolower(n) == tolower(h)) v = substr($0, index($0, ":") + 2)
			next
		}
		inr { inr = 0; if (v != "") last = v }
		END { if (inr && v != "") last = v; print last }
	' "$(tun_dir "$1")/oc.log" | tr -d '\r'
}

# server_udp_peers: the client ends (ADDR:PORT) of the connected UDP sockets that
# cstpd-worker processes hold on port $PORT in the server namespace, one a line, sorted.
server_udp_peers() {
	in_server ss -Hunp "sport = :$PORT" 2>/dev/null |
		awk '/cstpd-worker/ { print $(NF - 1) }' | LC_ALL=C sort
}

# server_udp_count: how many such sockets exist (any process on port $PORT, connected).
server_udp_count() {
	in_server ss -Hun "sport = :$PORT" 2>/dev/null | grep -c . || true
}

# ns_udp_stat NS FIELD: a UDP counter of namespace NS (server|client|name), IPv4 and IPv6
# together: FIELD of the Udp: line of /proc/net/snmp plus Udp6FIELD of /proc/net/snmp6,
# e.g. InDatagrams, OutDatagrams.
ns_udp_stat() {
	local ns
	ns=$(ns_name "$1")
	# shellcheck disable=SC2016 # an awk program
	ip netns exec "$ns" awk -v f="$2" '
		FILENAME ~ /snmp6$/ { if ($1 == "Udp6" f) s += $2; next }
		$1 == "Udp:" && !hdr { for (i = 2; i <= NF; i++) col[$i] = i; hdr = 1; next }
		$1 == "Udp:" && hdr == 1 { s += $(col[f]); hdr = 2 }
		END { print s + 0 }
	' /proc/net/snmp /proc/net/snmp6
}

# server_tcp_bytes PEER_IP FIELD: a byte counter (bytes_received, bytes_acked, bytes_sent)
# summed over the established TCP connections on port $PORT from PEER_IP in the server
# namespace.
server_tcp_bytes() {
	in_server ss -Htni state established "( sport = :$PORT and dst $1 )" 2>/dev/null |
		grep -oE "(^|[[:space:]])$2:[0-9]+" | awk -F: '{ s += $2 } END { print s + 0 }'
}

# dtls_need_nft: skip the test (77) when nft is not installed.
dtls_need_nft() {
	command -v nft >/dev/null 2>&1 || skip "no nft (nftables; scripts/install-deps)"
}

# udp_block [CLIENT_ADDR]: silently drop UDP between the client namespace (or only
# CLIENT_ADDR) and $SERVER_IP:$PORT, both ways, like a firewall on the path: each namespace
# drops what it receives from the other (input hook). A drop in an output hook would fail
# the sender's sendmsg() with EPERM instead, which openconnect takes as a local error (it
# then never retries DTLS).
udp_block() {
	local src=${1:-$CLIENT_IP/24}
	in_server nft add table inet cstpe2e
	in_server nft add chain inet cstpe2e in '{ type filter hook input priority 0; }'
	in_server nft add rule inet cstpe2e in ip saddr "$src" ip daddr "$SERVER_IP" \
		udp dport "$PORT" counter drop
	in_client nft add table inet cstpe2e
	in_client nft add chain inet cstpe2e in '{ type filter hook input priority 0; }'
	in_client nft add rule inet cstpe2e in ip saddr "$SERVER_IP" udp sport "$PORT" \
		ip daddr "$src" counter drop
}

# udp_unblock: remove every rule udp_block added.
udp_unblock() {
	in_server nft delete table inet cstpe2e 2>/dev/null || true
	in_client nft delete table inet cstpe2e 2>/dev/null || true
}

# udp_block_drops: how many datagrams from the client the udp_block rules dropped so far.
udp_block_drops() {
	in_server nft list table inet cstpe2e 2>/dev/null |
		grep -oE 'packets [0-9]+' | awk '{ s += $2 } END { print s + 0 }'
}

# assert_pings_over_udp N [PING ARGS...]: N pings at 10 ms from the client namespace to
# 10.66.0.1 (at most 5 lost) must move the server namespace's UDP counters by N datagrams
# or more each way, and the TLS connections from $CLIENT_IP by less than 2000 bytes each way
# (over TLS every echo adds ~120 bytes each way; DPD records are a few dozen). Notes the
# figures; output in $T/udp-ping.out.
assert_pings_over_udp() {
	local n=$1 ui uo ti to got
	shift
	ui=$(ns_udp_stat server InDatagrams)
	uo=$(ns_udp_stat server OutDatagrams)
	ti=$(server_tcp_bytes "$CLIENT_IP" bytes_received)
	to=$(server_tcp_bytes "$CLIENT_IP" bytes_acked)
	in_client ping -n -q -c "$n" -i 0.01 -W 2 "$@" 10.66.0.1 >"$T/udp-ping.out" 2>&1 || true
	ui=$(($(ns_udp_stat server InDatagrams) - ui))
	uo=$(($(ns_udp_stat server OutDatagrams) - uo))
	ti=$(($(server_tcp_bytes "$CLIENT_IP" bytes_received) - ti))
	to=$(($(server_tcp_bytes "$CLIENT_IP" bytes_acked) - to))
	got=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$T/udp-ping.out")
	note "$n pings: ${got:-0} answered; server UDP datagrams in $ui, out $uo;" \
		"TLS bytes in $ti, out $to"
	if [ "${got:-0}" -lt $((n - 5)) ]; then
		e2e_dump ping "$T/udp-ping.out" 10
		fail "only ${got:-0} of $n pings answered"
	fi
	[ "$ui" -ge "$n" ] || fail "the server received $ui UDP datagrams for $n pings"
	[ "$uo" -ge "$n" ] || fail "the server sent $uo UDP datagrams for $n pings"
	[ "$ti" -lt 2000 ] || fail "$ti bytes came in over TLS during $n pings (not over DTLS)"
	[ "$to" -lt 2000 ] || fail "$to bytes went out over TLS during $n pings (not over DTLS)"
}

# assert_pings_over_tls N [PING ARGS...]: the opposite: N pings (at most 5 lost) move the
# TLS connections by at least 50 bytes per echo each way and the server's UDP counters by
# less than N/4.
assert_pings_over_tls() {
	local n=$1 ui ti to got
	shift
	ui=$(ns_udp_stat server InDatagrams)
	ti=$(server_tcp_bytes "$CLIENT_IP" bytes_received)
	to=$(server_tcp_bytes "$CLIENT_IP" bytes_acked)
	in_client ping -n -q -c "$n" -i 0.01 -W 2 "$@" 10.66.0.1 >"$T/tls-ping.out" 2>&1 || true
	ui=$(($(ns_udp_stat server InDatagrams) - ui))
	ti=$(($(server_tcp_bytes "$CLIENT_IP" bytes_received) - ti))
	to=$(($(server_tcp_bytes "$CLIENT_IP" bytes_acked) - to))
	got=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$T/tls-ping.out")
	note "$n pings: ${got:-0} answered; server UDP datagrams in $ui;" \
		"TLS bytes in $ti, out $to"
	if [ "${got:-0}" -lt $((n - 5)) ]; then
		e2e_dump ping "$T/tls-ping.out" 10
		fail "only ${got:-0} of $n pings answered"
	fi
	[ "$ti" -ge $((50 * (n - 5))) ] || fail "only $ti bytes came in over TLS for $n pings"
	[ "$to" -ge $((50 * (n - 5))) ] || fail "only $to bytes went out over TLS for $n pings"
	[ "$ui" -lt $((n / 4)) ] || fail "$ui UDP datagrams reached the server during $n pings"
}

# ctl_transport USER: the transport ("DTLS" or "TLS") `cstpctl show user` reports for the
# first session of USER (empty when cstpctl or the session is missing).
ctl_transport() {
	"$BUILD_DIR/server/cstpctl" -s "$T/cstpd-ctl.sock" --json show user "$1" 2>/dev/null |
		"$PY" -c 'import json, sys
try:
    print(json.load(sys.stdin)[0]["transport"])
except (ValueError, LookupError, TypeError):
    pass' 2>/dev/null || true
}

# assert_ctl_transport USER EXPECTED [TIMEOUT_S]: ctl_transport becomes EXPECTED within
# TIMEOUT_S (default 3).
assert_ctl_transport() {
	local i got
	for ((i = 0; i < ${3:-3} * 10; i++)); do
		got=$(ctl_transport "$1")
		[ "$got" = "$2" ] && return 0
		sleep 0.1
	done
	fail "cstpctl: transport of '$1' is '$got', expected '$2'"
}

# --- cstpctl ------------------------------------------------------------------------------

CSTPCTL="$BUILD_DIR/server/cstpctl"

# ctl ARGS...: cstpctl against this test's server.
ctl() {
	"$CSTPCTL" -s "$T/cstpd-ctl.sock" "$@"
}

# json_get FILE PATH: the value at a dotted PATH (list indexes as numbers) of a JSON file.
json_get() {
	"$PY" - "$1" "$2" <<-'EOF'
		import json, sys
		v = json.load(open(sys.argv[1]))
		for k in sys.argv[2].split("."):
		    v = v[int(k)] if isinstance(v, list) else v[k]
		print(json.dumps(v) if isinstance(v, (dict, list)) else v)
	EOF
}

# --- bulk transfers and tun counters (tests 59-60) ------------------------------------

# tun_stat STUN tx|rx FIELD: bytes or packets the server's tun device STUN passed to the
# worker (tx) or took from it (rx).
tun_stat() {
	in_server ip -s -j link show dev "$1" | "$PY" -c '
import json, sys
print(json.load(sys.stdin)[0]["stats64"][sys.argv[1]][sys.argv[2]])' "$2" "$3"
}

# tun_mark STUN: remember STUN's counters; tun_avg tx|rx: the mean block size since.
tun_mark() {
	TM_DEV=$1
	TM_TXB=$(tun_stat "$1" tx bytes) TM_TXP=$(tun_stat "$1" tx packets)
	TM_RXB=$(tun_stat "$1" rx bytes) TM_RXP=$(tun_stat "$1" rx packets)
}
tun_avg() {
	local b p
	if [ "$1" = tx ]; then
		b=$(($(tun_stat "$TM_DEV" tx bytes) - TM_TXB))
		p=$(($(tun_stat "$TM_DEV" tx packets) - TM_TXP))
	else
		b=$(($(tun_stat "$TM_DEV" rx bytes) - TM_RXB))
		p=$(($(tun_stat "$TM_DEV" rx packets) - TM_RXP))
	fi
	[ "$p" -gt 0 ] || fail "the server's tun device counted no $1 packets"
	echo $((b / p))
}

# bulk_transfer NAME DIRECTION BYTES SERVER_ADDR CLIENT_ADDR [PORT]: BYTES over one TCP
# connection between SERVER_ADDR (listening in the server namespace) and CLIENT_ADDR (the
# client namespace), with helpers/bulk.py; DIRECTION down = server -> client, up = client ->
# server. Fails unless the receiver got exactly the sender's bytes (count and SHA-256).
bulk_transfer() {
	local name=$1 dir=$2 bytes=$3 saddr=$4 caddr=$5 port=${6:-5300} lpid sent got lside cside
	if [ "$dir" = down ]; then
		lside="send $bytes" cside="recv"
	else
		lside="recv" cside="send $bytes"
	fi
	# shellcheck disable=SC2086 # the mode words
	ip netns exec "$SNS" timeout -k 2 60 "$PY" "$E2E_HELPERS/bulk.py" listen "$saddr" \
		"$port" $lside >"$T/$name.listen" 2>"$T/$name.listen.err" &
	lpid=$!
	e2e_track "$lpid"
	wait_until 5 grep -q listening "$T/$name.listen.err" ||
		fail "$name: the listener did not start: $(cat "$T/$name.listen.err")"
	# shellcheck disable=SC2086
	ip netns exec "$CNS" timeout -k 2 60 "$PY" "$E2E_HELPERS/bulk.py" connect "$saddr" \
		"$port" "$caddr" $cside >"$T/$name.connect" 2>"$T/$name.connect.err" ||
		fail "$name: the connecting side failed: $(cat "$T/$name.connect.err")"
	wait "$lpid" || fail "$name: the listening side failed: $(cat "$T/$name.listen.err")"
	if [ "$dir" = down ]; then
		sent=$(cat "$T/$name.listen") got=$(cat "$T/$name.connect")
	else
		sent=$(cat "$T/$name.connect") got=$(cat "$T/$name.listen")
	fi
	assert_eq "$got" "$sent" "$name: bytes and SHA-256 received (sent: $sent)"
	assert_eq "${sent%% *}" "$bytes" "$name: bytes sent"
}
