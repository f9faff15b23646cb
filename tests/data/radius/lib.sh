# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# FreeRADIUS for the end-to-end tests: sourced after tests/e2e/lib.sh (and after e2e_init,
# which made $T and the namespaces). Each server runs in the server namespace on
# 127.0.0.1 with this directory as its configuration (-d) and $T/rad-TAG as its run
# directory: radius.log, accounting detail file acct/detail. PIDs are tracked so cleanup
# ends them; the system's FreeRADIUS service is never touched.

RAD_DATA=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RAD_SECRET=cstpd-e2e-secret
RADIUSCLIENT_CONF=""

# rad_require: skip the test (77) without FreeRADIUS or its client tools.
rad_require() {
	command -v freeradius >/dev/null 2>&1 || skip "no freeradius"
	command -v radclient >/dev/null 2>&1 || skip "no radclient (freeradius-utils)"
}

# rad_dir TAG: the run directory of server TAG.
rad_dir() {
	echo "$T/rad-$1"
}

# rad_start TAG [AUTH_PORT [ACCT_PORT]]: start FreeRADIUS TAG in the server namespace on
# 127.0.0.1 (default ports 1812/1813) and wait until it answers a Status-Server.
rad_start() {
	local tag=$1 ap=${2:-1812} cp=${3:-1813} dir pid i
	dir=$(rad_dir "$tag")
	mkdir -p "$dir/acct"
	ip netns exec "$SNS" env RADTEST_CONF="$RAD_DATA" RADTEST_RUN="$dir" \
		RADTEST_ADDR=127.0.0.1 RADTEST_AUTH_PORT="$ap" RADTEST_ACCT_PORT="$cp" \
		freeradius -f -d "$RAD_DATA" -l "$dir/radius.log" >"$dir/stdout" 2>&1 </dev/null &
	pid=$!
	echo "$pid" >"$dir/pid"
	echo "$ap" >"$dir/auth_port"
	e2e_track "$pid"
	for ((i = 0; i < 100; i++)); do
		if ! kill -0 "$pid" 2>/dev/null; then
			e2e_dump "freeradius $tag" "$dir/stdout"
			e2e_dump "freeradius $tag log" "$dir/radius.log"
			fail "FreeRADIUS $tag exited during start-up"
		fi
		if echo "Message-Authenticator = 0x00" | in_server radclient -q -r 1 -t 1 \
			"127.0.0.1:$ap" status "$RAD_SECRET" >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.1
	done
	e2e_dump "freeradius $tag log" "$dir/radius.log"
	fail "FreeRADIUS $tag does not answer on 127.0.0.1:$ap"
}

# rad_stop TAG: stop FreeRADIUS TAG (by its PID) and wait for it to go.
rad_stop() {
	local pid
	pid=$(cat "$(rad_dir "$1")/pid" 2>/dev/null)
	[ -n "$pid" ] && e2e_kill_pid "$pid" 5
	return 0
}

# rad_client_conf AUTHSERVERS [ACCTSERVERS [TIMEOUT]]: write the radcli client file
# $T/radiusclient.conf (RADIUSCLIENT_CONF) and its secrets file. Servers are
# "127.0.0.1:PORT" lists, comma separated; TIMEOUT is radius_timeout (default 2).
rad_client_conf() {
	local auth=$1 acct=${2:-127.0.0.1:1813} timeout=${3:-2} h
	RADIUSCLIENT_CONF="$T/radiusclient.conf"
	sed -e "s|@AUTHSERVERS@|$auth|" -e "s|@ACCTSERVERS@|$acct|" -e "s|@DIR@|$T|" \
		-e "s|@DATA@|$RAD_DATA|" -e "s|@TIMEOUT@|$timeout|" \
		"$RAD_DATA/radiusclient.conf.in" >"$RADIUSCLIENT_CONF"
	: >"$T/radius-servers"
	for h in $(echo "$auth,$acct" | tr ',' ' '); do
		echo "${h%%:*}	$RAD_SECRET" >>"$T/radius-servers"
	done
	sort -u -o "$T/radius-servers" "$T/radius-servers"
	chmod 600 "$T/radius-servers"
}

# rad_detail TAG: the accounting detail file of server TAG.
rad_detail() {
	echo "$(rad_dir "$1")/acct/detail"
}

# rad_records TAG STATUS [SESSION-ID]: number of accounting records of Acct-Status-Type
# STATUS (Start, Stop, Interim-Update), of one Acct-Session-Id when given.
rad_records() {
	local f
	f=$(rad_detail "$1")
	[ -f "$f" ] || { echo 0; return 0; }
	awk -v st="$2" -v sid="${3:-}" '
		BEGIN { RS = ""; n = 0 }
		$0 ~ ("Acct-Status-Type = " st "\n") &&
			(sid == "" || index($0, "Acct-Session-Id = \"" sid "\"")) { n++ }
		END { print n }' "$f"
}

# rad_record TAG STATUS [SESSION-ID]: the last such record, one attribute a line.
rad_record() {
	local f
	f=$(rad_detail "$1")
	[ -f "$f" ] || return 0
	awk -v st="$2" -v sid="${3:-}" '
		BEGIN { RS = ""; last = "" }
		$0 ~ ("Acct-Status-Type = " st "\n") &&
			(sid == "" || index($0, "Acct-Session-Id = \"" sid "\"")) { last = $0 }
		END { print last }' "$f"
}

# rad_attr RECORD ATTR: the value of ATTR in a record from rad_record (quotes removed).
rad_attr() {
	printf '%s\n' "$1" | sed -n "s/^[[:space:]]*$2 = //p" | head -n1 | tr -d '"'
}

# rad_wait_records TAG STATUS N [SESSION-ID] [TIMEOUT_S]: wait until there are at least
# N records of STATUS (default timeout 15 s). Returns 1 on timeout.
rad_wait_records() {
	local tag=$1 st=$2 n=$3 sid=${4:-} timeout=${5:-15} i
	for ((i = 0; i < timeout * 10; i++)); do
		[ "$(rad_records "$tag" "$st" "$sid")" -ge "$n" ] && return 0
		sleep 0.1
	done
	return 1
}
