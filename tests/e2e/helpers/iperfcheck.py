#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Check an `iperf3 --json` result for the e2e tests: no error, a positive total rate, and
# no stalled interval (each interval moved data at a rate above zero).
#
#   iperfcheck.py FILE [MIN_INTERVALS]
# Prints "intervals=N mbit_s=RATE min_interval_mbit_s=RATE"; exit 0 when good, 1 with a
# reason on stderr otherwise.
import json
import sys


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    min_intervals = int(argv[2]) if len(argv) > 2 else 1
    try:
        with open(argv[1], encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        print(f"cannot read {argv[1]}: {e}", file=sys.stderr)
        return 1
    intervals = doc.get("intervals") or []
    rates = []
    for i, iv in enumerate(intervals):
        s = iv.get("sum") or {}
        # The last interval may be a short remainder (a few ms): only count full ones.
        if s.get("seconds", 0) < 0.5:
            continue
        bps = s.get("bits_per_second", 0)
        if not bps > 0:
            print(f"interval {i} ({s.get('start')}..{s.get('end')} s) moved nothing",
                  file=sys.stderr)
            return 1
        rates.append(bps)
    if doc.get("error"):
        print(f"iperf3 error: {doc['error']}", file=sys.stderr)
        return 1
    if len(rates) < min_intervals:
        print(f"only {len(rates)} full intervals, expected {min_intervals}", file=sys.stderr)
        return 1
    end = doc.get("end") or {}
    total = (end.get("sum_received") or end.get("sum") or {}).get("bits_per_second", 0)
    if not total > 0:
        print("no data received in total", file=sys.stderr)
        return 1
    print(f"intervals={len(rates)} mbit_s={total / 1e6:.1f} "
          f"min_interval_mbit_s={min(rates) / 1e6:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
