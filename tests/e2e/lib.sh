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
		--user "$user" --passwd-on-stdin "$@" "https://$SERVER_IP:$PORT/" \
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
