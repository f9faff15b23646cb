#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# cstpctl's interface: every command's --json output parses and carries exactly the
# documented fields with the documented types; the text output has its tables and
# key: value lines; errors exit 1 (message on stderr, {"ok": false} with --json), usage
# errors exit 2; a caller that is not root is refused, by the socket file's mode and, with
# the mode opened up, by main's SO_PEERCRED check.
set -eu
. "$(dirname "$0")/lib.sh"

# check_json KIND FILE [COUNT]: FILE holds one JSON document of KIND (status, session,
# sessions, bans, action, error) with exactly the documented fields and types; for lists,
# COUNT elements when given.
check_json() {
	"$PY" - "$@" <<-'EOF' || fail "$2: not the documented $1 document"
		import json, re, sys
		kind, path = sys.argv[1], sys.argv[2]
		count = int(sys.argv[3]) if len(sys.argv) > 3 else None
		doc = json.loads(open(path, "rb").read().decode("utf-8"))
		N, S, B = "number", "string", "bool"
		STATUS = {"uptime": N, "pid": N, "sessions_active": N, "sessions_inactive": N,
		          "sessions_new": N, "logins_ok": N, "logins_failed": N, "bytes_in": N,
		          "bytes_out": N, "reconnects": "object", "bans": N, "dtls_dropped": N,
		          "profile": S, "profile_hash": S}
		RECONNECTS = {"incoming": N, "succeeded": N, "failed": N, "capable_active": N,
		              "capable_inactive": N}
		SESSION = {"id": N, "user": S, "group": S, "state": S, "ipv4": S, "ipv6": S,
		           "remote_ip": S, "device": S, "hostname": S, "user_agent": S,
		           "transport": S, "cipher": S, "since": S, "inactive_for": N,
		           "bytes_in": N, "bytes_out": N, "reconnects": N,
		           "last_disconnect_reason": S}
		BAN = {"ip": S, "score": N, "remaining": N}
		ACTION = {"ok": B, "message": S}
		def typ(v):
		    if isinstance(v, bool): return B
		    if isinstance(v, int): return N
		    if isinstance(v, str): return S
		    if isinstance(v, dict): return "object"
		    return type(v).__name__
		def obj(o, spec, what):
		    if not isinstance(o, dict):
		        sys.exit("%s: not an object" % what)
		    if set(o) != set(spec):
		        sys.exit("%s: fields %s, expected %s" % (what, sorted(o), sorted(spec)))
		    for k, t in spec.items():
		        if typ(o[k]) != t:
		            sys.exit("%s.%s: %s is a %s, expected a %s" % (what, k, o[k], typ(o[k]), t))
		        if t == N and o[k] < 0:
		            sys.exit("%s.%s: negative" % (what, k))
		def session(o, what):
		    obj(o, SESSION, what)
		    if o["state"] not in ("active", "inactive", "new"):
		        sys.exit("%s.state: %s" % (what, o["state"]))
		    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", o["since"]):
		        sys.exit("%s.since: %s is not ISO 8601 UTC" % (what, o["since"]))
		def lst(d, fn, what):
		    if not isinstance(d, list):
		        sys.exit("%s: not an array" % what)
		    if count is not None and len(d) != count:
		        sys.exit("%s: %d elements, expected %d" % (what, len(d), count))
		    for i, o in enumerate(d):
		        fn(o, "%s[%d]" % (what, i))
		if kind == "status":
		    obj(doc, STATUS, "status")
		    obj(doc["reconnects"], RECONNECTS, "status.reconnects")
		elif kind == "session":
		    session(doc, "session")
		elif kind == "sessions":
		    lst(doc, session, "sessions")
		elif kind == "bans":
		    lst(doc, lambda o, w: obj(o, BAN, w), "bans")
		elif kind in ("action", "error"):
		    obj(doc, ACTION, kind)
		    if doc["ok"] != (kind == "action"):
		        sys.exit("%s: ok is %s" % (kind, doc["ok"]))
		else:
		    sys.exit("unknown kind " + kind)
	EOF
}

# ctl_json KIND FILE [COUNT] -- CMD...: run cstpctl --json CMD (must succeed) into FILE
# and check it with check_json.
ctl_json() {
	local kind=$1 file=$2 count=""
	shift 2
	if [ "$1" != "--" ]; then
		count=$1
		shift
	fi
	shift
	ctl --json "$@" >"$file" 2>"$file.err" || {
		cat "$file.err" >&2
		fail "cstpctl --json $* failed"
	}
	# shellcheck disable=SC2086 # no COUNT: no argument
	check_json "$kind" "$file" $count
}

# ctl_rc EXPECTED CMD...: cstpctl CMD must exit with EXPECTED; output in $T/rc.out/.err.
ctl_rc() {
	local want=$1 rc=0
	shift
	"$@" >"$T/rc.out" 2>"$T/rc.err" </dev/null || rc=$?
	if [ "$rc" != "$want" ]; then
		e2e_dump stdout "$T/rc.out" 10
		e2e_dump stderr "$T/rc.err" 10
		fail "$*: exit $rc, expected $want"
	fi
}

AS_NOBODY=(setpriv --reuid=nobody --regid=nogroup --clear-groups)

e2e_init ctl-json
[ -x "$CSTPCTL" ] || fail "no cstpctl at $CSTPCTL (set BUILD_DIR)"
command -v setpriv >/dev/null 2>&1 || skip "no setpriv"
e2e_certs ec
e2e_passwd alice alicepw
e2e_passwd bob bobpw
e2e_passwd carol carolpw
e2e_conf "max-ban-score = 20" "ban-points-wrong-password = 10" "ban-points-connection = 0" \
	"stats-report-time = 1"
e2e_start

step "sessions in each state: alice active, bob inactive, carol logged in only"
oc_tunnel_up a alice alicepw
addr_a=$TUN_ADDR
oc_tunnel_up b bob bobpw
pid_b=$(oc_tunnel_pid b)
disown "$pid_b" 2>/dev/null || true # no "Killed" job notice
kill -KILL "$pid_b"
oc_auth_ok carol carolpw
inactive_now() {
	ctl --json show sessions inactive >"$T/inactive.json" &&
		[ "$(json_get "$T/inactive.json" 0.user 2>/dev/null)" = bob ]
}
wait_until 10 inactive_now || fail "bob's session did not become inactive"

step "show status"
ctl_json status "$T/status.json" -- show status
assert_eq "$(json_get "$T/status.json" sessions_active)" 1 "sessions_active"
assert_eq "$(json_get "$T/status.json" sessions_inactive)" 1 "sessions_inactive"
assert_eq "$(json_get "$T/status.json" sessions_new)" 1 "sessions_new"
assert_eq "$(json_get "$T/status.json" logins_ok)" 3 "logins_ok"
assert_eq "$(json_get "$T/status.json" reconnects.capable_active)" 1 "capable_active"
assert_eq "$(json_get "$T/status.json" reconnects.capable_inactive)" 1 "capable_inactive"
assert_eq "$(json_get "$T/status.json" pid)" "$(cat "$T/server.pid")" "pid"
ctl show status >"$T/status.txt" || fail "cstpctl show status"
assert_grep '^Reconnects succeeded: +0$' "$T/status.txt" "a key: value line"
assert_grep '^Active sessions: +1$' "$T/status.txt" "the active session count"

step "show sessions / users / user / id"
ctl_json sessions "$T/all.json" 3 -- show sessions
states=$("$PY" -c 'import json, sys
print(" ".join(sorted(s["state"] for s in json.load(open(sys.argv[1])))))' "$T/all.json")
assert_eq "$states" "active inactive new" "the states of all sessions"
ctl_json sessions "$T/all2.json" 3 -- show sessions all
ctl_json sessions "$T/active.json" 1 -- show sessions active
assert_eq "$(json_get "$T/active.json" 0.user)" alice "the active session"
assert_eq "$(json_get "$T/active.json" 0.remote_ip)" "$CLIENT_IP" "remote_ip"
assert_eq "$(json_get "$T/active.json" 0.ipv4)" "$addr_a" "ipv4"
assert_eq "$(json_get "$T/active.json" 0.transport)" TLS "transport"
cipher=$(json_get "$T/active.json" 0.cipher)
[[ "$cipher" =~ ^ECDHE-ECDSA-AES(128|256)-GCM-SHA(256|384)$ ]] ||
	fail "cipher of a TLS tunnel: '$cipher', expected the TLS connection's suite"
ctl_json sessions "$T/inactive.json" 1 -- show sessions inactive
assert_eq "$(json_get "$T/inactive.json" 0.last_disconnect_reason)" peer-closed "bob's reason"
ctl_json sessions "$T/users.json" 1 -- show users
assert_eq "$(json_get "$T/users.json" 0.user)" alice "show users"
ctl_json sessions "$T/alice.json" 1 -- show user alice
id_a=$(json_get "$T/alice.json" 0.id)
ctl_json session "$T/id.json" -- show id "$id_a"
assert_eq "$(json_get "$T/id.json" user)" alice "show id"
assert_eq "$(json_get "$T/id.json" state)" active "show id: state"
ctl show sessions >"$T/sessions.txt" || fail "cstpctl show sessions"
assert_grep '^ID +USER +GROUP +STATE' "$T/sessions.txt" "the table header"
[ "$(wc -l <"$T/sessions.txt")" = 4 ] || fail "show sessions: expected a header and 3 rows"
ctl show user alice >"$T/alice.txt" || fail "cstpctl show user alice"
assert_grep '^Username: +alice$' "$T/alice.txt" "the detail view"

step "byte totals: the server's are the sessions' sum, and stay when sessions end"
assert_ping client 10.66.0.1 -s 1000 -I "$addr_a"
sleep 2.5 # two counter reports after the last packet: the figures are settled
ctl_json sessions "$T/bytes-sessions.json" 3 -- show sessions
ctl_json status "$T/bytes-status.json" -- show status
sum=$("$PY" -c 'import json, sys
print(sum(s["bytes_in"] for s in json.load(open(sys.argv[1]))))' "$T/bytes-sessions.json")
total=$(json_get "$T/bytes-status.json" bytes_in)
[ "$sum" -ge 3000 ] || fail "3 pings of 1000 bytes: the sessions counted $sum bytes in"
assert_eq "$total" "$sum" "status bytes_in against the sessions' sum"

step "actions: disconnect, reload"
ctl_json action "$T/disc.json" -- disconnect user carol
assert_eq "$(json_get "$T/disc.json" message)" "disconnected 1 session(s)" "disconnect message"
id_b=$(json_get "$T/inactive.json" 0.id)
ctl_json action "$T/disc-id.json" -- disconnect id "$id_b"
ctl_json action "$T/reload.json" -- reload
assert_eq "$(json_get "$T/reload.json" message)" "reload requested" "reload message"
ctl_json sessions "$T/left.json" 1 -- show sessions
ctl_json status "$T/bytes-after.json" -- show status
assert_eq "$(json_get "$T/bytes-after.json" bytes_in)" "$total" \
	"status bytes_in after two sessions ended"

step "errors exit 1: message on stderr, {\"ok\": false} with --json"
ctl_rc 1 ctl show user nobody-here
assert_grep "no session of user 'nobody-here'" "$T/rc.err" "the error message"
[ ! -s "$T/rc.out" ] || fail "text mode printed something on stdout for an error"
ctl_rc 1 ctl --json show user nobody-here
check_json error "$T/rc.out"
ctl_rc 1 ctl show id 4000000000
ctl_rc 1 ctl show id 12x
ctl_rc 1 ctl disconnect id 4000000000
ctl_rc 1 ctl unban ip 192.0.2.7
ctl_rc 1 ctl unban ip not-an-address
ctl_rc 1 ctl show user 'bad name!'
ctl_rc 1 "$CSTPCTL" -s "$T/missing.sock" show status
assert_grep "No such file" "$T/rc.err" "the connect error"
# The socket path is echoed in the error: control characters, quotes, backslashes and
# bytes that are not UTF-8 must still give valid JSON.
odd="$T/q\"b\\s-é-$(printf '\001\377')/sock"
ctl_rc 1 "$CSTPCTL" -s "$odd" --json show status
check_json error "$T/rc.out"
"$PY" -c 'import json, sys
m = json.load(open(sys.argv[1], encoding="utf-8"))["message"]
assert "q\"b\\s-\u00e9-\u0001\ufffd/sock" in m, m' "$T/rc.out" ||
	fail "the odd path is not escaped as expected: $(cat "$T/rc.out")"

step "usage errors exit 2, help exits 0"
ctl_rc 2 ctl
ctl_rc 2 ctl show
ctl_rc 2 ctl show nonsense
ctl_rc 2 ctl show sessions sideways
ctl_rc 2 ctl disconnect user
ctl_rc 2 ctl --bogus show status
ctl_rc 2 ctl show user "$(printf 'x%.0s' $(seq 200))"
ctl_rc 0 ctl help
assert_grep 'show status' "$T/rc.out" "the command list"
ctl_rc 0 "$CSTPCTL" --help
CSTPD_SOCKET="$T/cstpd-ctl.sock" ctl_rc 0 "$CSTPCTL" show status
assert_grep '^Status: +online' "$T/rc.out" "CSTPD_SOCKET picked up"

step "bans: two wrong passwords ban the client; show ip bans; unban ip"
oc_auth_refused alice wrong1
oc_auth_refused alice wrong2
ctl_json bans "$T/bans.json" 1 -- show ip bans
assert_eq "$(json_get "$T/bans.json" 0.ip)" "$CLIENT_IP" "the banned address"
ctl_json status "$T/status2.json" -- show status
assert_eq "$(json_get "$T/status2.json" bans)" 1 "status: bans"
ctl show ip bans >"$T/bans.txt" || fail "cstpctl show ip bans"
assert_grep "^$CLIENT_IP +[0-9]+ +" "$T/bans.txt" "the ban table"
ctl_json action "$T/unban.json" -- unban ip "$CLIENT_IP"
ctl_json bans "$T/bans2.json" 0 -- show ip bans
oc_auth_ok alice alicepw

step "a caller that is not root is refused"
ctl_rc 1 "${AS_NOBODY[@]}" "$CSTPCTL" -s "$T/cstpd-ctl.sock" show status
assert_grep "Permission denied" "$T/rc.err" "refused by the socket's mode"
mode=$(stat -c %a "$T/cstpd-ctl.sock")
assert_eq "$mode" 600 "the control socket's mode"
chmod 666 "$T/cstpd-ctl.sock"
ctl_rc 1 "${AS_NOBODY[@]}" "$CSTPCTL" -s "$T/cstpd-ctl.sock" show status
chmod 600 "$T/cstpd-ctl.sock"
assert_grep "permission denied: the control socket is for root only" "$T/rc.err" \
	"main's refusal, shown by cstpctl"
assert_grep "refused a client with uid [1-9]" "$T/server.log" "main's SO_PEERCRED check"
ctl show status >/dev/null || fail "root is refused after a refused non-root caller"
server_alive

pass
