#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# openconnect --script for scripts/bench (replaces vpnc-script): on connect it gives the tun
# device its address and MTU and routes only $BENCH_ROUTE (default 10.66.0.1/32; "none": no
# route, for the many idle tunnels of the memory figure) through it, then
# writes "TUNDEV ADDRESS MTU" to $BENCH_STATE. Everything else is left alone.
case "${reason:-}" in
connect)
	ip addr add "$INTERNAL_IP4_ADDRESS/32" dev "$TUNDEV" || exit 1
	ip link set dev "$TUNDEV" up mtu "${INTERNAL_IP4_MTU:-1300}" || exit 1
	if [ "${BENCH_ROUTE:-}" != none ]; then
		ip route add "${BENCH_ROUTE:-10.66.0.1/32}" dev "$TUNDEV" || exit 1
	fi
	if [ -n "${BENCH_STATE:-}" ]; then
		echo "$TUNDEV $INTERNAL_IP4_ADDRESS ${INTERNAL_IP4_MTU:-1300}" >"$BENCH_STATE.tmp"
		mv "$BENCH_STATE.tmp" "$BENCH_STATE"
	fi
	;;
esac
exit 0
