#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A stand-in for vpnc-script for the e2e tests: openconnect runs it with --script. It never
# touches /etc/resolv.conf or the default route. It records openconnect's environment in
# "$VPNC_OUT/env.$reason" (sorted, one VAR=value a line, written atomically) and, on
# reason=connect, sets up the tun device:
#   - link up with the MTU the server gave, the client address as a /32;
#   - a policy rule "from ADDRESS lookup TABLE" with a route to the gateway $VPNC_GW (default
#     10.66.0.1) through this tun, so that many clients in one namespace each answer (and
#     reach the gateway) through their own tun;
#   - the same /32 route in the main table when there is none yet (a plain `ping GW` works);
#   - with VPNC_SPLIT=1, the CISCO_SPLIT_INC routes in the main table as well;
#   - when openconnect gives an IPv6 address (INTERNAL_IP6_ADDRESS), that address as a /128
#     on the tun and, when VPNC_GW6 names the gateway's IPv6 tunnel address, the same rule,
#     table and main-table route for it with `ip -6`. Without an IPv6 address nothing IPv6
#     is done.
# Environment: VPNC_OUT (required, an existing directory), VPNC_GW, VPNC_GW6, VPNC_SPLIT.
set -u
out=${VPNC_OUT:?VPNC_OUT not set}
gw=${VPNC_GW:-10.66.0.1}
why=${reason:-unknown}

env | LC_ALL=C sort >"$out/env.$why.tmp"
mv -f "$out/env.$why.tmp" "$out/env.$why"

[ "$why" = connect ] || exit 0

fail() {
	echo "vpnc-env.sh: $*" >>"$out/script.err"
	exit 1
}

[ -n "${TUNDEV:-}" ] || fail "no TUNDEV"
[ -n "${INTERNAL_IP4_ADDRESS:-}" ] || fail "no INTERNAL_IP4_ADDRESS"
ip link set dev "$TUNDEV" up mtu "${INTERNAL_IP4_MTU:-1300}" || fail "link up $TUNDEV"
ip addr add "$INTERNAL_IP4_ADDRESS/32" dev "$TUNDEV" || fail "addr add on $TUNDEV"

# One routing table per tun device: 1000 + its interface index.
idx=$(cat "/sys/class/net/$TUNDEV/ifindex" 2>/dev/null) ||
	idx=$(ip -o link show dev "$TUNDEV" | cut -d: -f1)
table=$((1000 + idx))
ip route add "$gw/32" dev "$TUNDEV" table "$table" || fail "route in table $table"
ip rule add from "$INTERNAL_IP4_ADDRESS/32" lookup "$table" priority 1000 ||
	fail "rule for $INTERNAL_IP4_ADDRESS"
if ! ip route show "$gw/32" | grep -q .; then
	ip route add "$gw/32" dev "$TUNDEV" 2>/dev/null || true
fi

if [ "${VPNC_SPLIT:-0}" = 1 ]; then
	i=0
	while [ "$i" -lt "${CISCO_SPLIT_INC:-0}" ]; do
		eval "a=\${CISCO_SPLIT_INC_${i}_ADDR:-} m=\${CISCO_SPLIT_INC_${i}_MASKLEN:-}"
		# shellcheck disable=SC2154
		[ -n "$a" ] && [ -n "$m" ] && ip route add "$a/$m" dev "$TUNDEV" 2>/dev/null
		i=$((i + 1))
	done
fi

if [ -n "${INTERNAL_IP6_ADDRESS:-}" ]; then
	a6=$INTERNAL_IP6_ADDRESS
	ip -6 addr add "$a6/128" dev "$TUNDEV" nodad || fail "IPv6 addr add on $TUNDEV"
	gw6=${VPNC_GW6:-}
	if [ -n "$gw6" ]; then
		ip -6 route add "$gw6/128" dev "$TUNDEV" table "$table" ||
			fail "IPv6 route in table $table"
		ip -6 rule add from "$a6/128" lookup "$table" priority 1000 ||
			fail "IPv6 rule for $a6"
		if ! ip -6 route show "$gw6/128" | grep -q .; then
			ip -6 route add "$gw6/128" dev "$TUNDEV" 2>/dev/null || true
		fi
	fi
fi
echo "$TUNDEV $INTERNAL_IP4_ADDRESS" >"$out/tun"
exit 0
