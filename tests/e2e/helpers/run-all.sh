#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Run the e2e tests (all tests/e2e/NN-*.sh, or the ones named) one after another and print a
# summary. Exit 0 when none failed (skips are fine), 1 otherwise. Each test's output goes to
# $E2E_LOGDIR/NAME.log (default: a temp dir, printed), and is shown when the test fails.
set -u
dir=$(cd "$(dirname "$0")/.." && pwd)
logdir=${E2E_LOGDIR:-$(mktemp -d "${TMPDIR:-/tmp}/cstpd-e2e-logs.XXXXXX")}
mkdir -p "$logdir"

if [ "$#" -gt 0 ]; then
	tests=("$@")
else
	tests=("$dir"/[0-9][0-9]-*.sh)
fi

npass=0
nfail=0
nskip=0
failed=""
for t in "${tests[@]}"; do
	[ -f "$t" ] || t="$dir/$t"
	name=$(basename "$t" .sh)
	start=$(date +%s)
	rc=0
	"$t" >"$logdir/$name.log" 2>&1 </dev/null || rc=$?
	secs=$(($(date +%s) - start))
	case "$rc" in
	0)
		echo "PASS  $name (${secs}s)"
		npass=$((npass + 1))
		;;
	77)
		echo "SKIP  $name: $(grep -m1 '^SKIP' "$logdir/$name.log")"
		nskip=$((nskip + 1))
		;;
	*)
		echo "FAIL  $name (exit $rc, ${secs}s)"
		sed 's/^/      /' "$logdir/$name.log"
		nfail=$((nfail + 1))
		failed="$failed $name"
		;;
	esac
done
echo "e2e: $npass passed, $nfail failed, $nskip skipped (logs in $logdir)"
[ "$nfail" = 0 ] || {
	echo "e2e: failed:$failed"
	exit 1
}
