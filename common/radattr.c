/* SPDX-License-Identifier: GPL-2.0-or-later */
/* RADIUS reply attributes -> session settings. Process: any. */
#include "radattr.h"

#include <arpa/inet.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "strutil.h"

#define POOL_ADDR 0xfffffffeu /* 255.255.255.254: RFC 2865 §5.8 "NAS should select" */

void radattr_init(struct radattr_set *s)
{
	memset(s, 0, sizeof(*s));
	s->session_timeout = -1;
	s->idle_timeout = -1;
	s->interim = -1;
}

static int get_u32(const uint8_t *val, size_t len, uint32_t *out)
{
	struct buf_rd rd;

	if (len != 4)
		return ERR_FORMAT;
	buf_rd_init(&rd, val, len);
	return buf_get_u32(&rd, out);
}

/* Text of a string attribute: no NUL, no control characters. */
static int get_text(const uint8_t *val, size_t len, char *dst, size_t size)
{
	struct buf_rd rd;
	int r;

	buf_rd_init(&rd, val, len);
	if ((r = buf_get_str(&rd, len, dst, size)) != 0)
		return r;
	for (size_t i = 0; dst[i]; i++)
		if ((unsigned char)dst[i] < 0x20 || dst[i] == 0x7f)
			return ERR_FORMAT;
	return 0;
}

static int set_int(int *dst, const uint8_t *val, size_t len)
{
	uint32_t v;

	if (get_u32(val, len, &v) != 0 || v > 0x7fffffffu)
		return ERR_FORMAT;
	if (*dst >= 0)
		return ERR_RANGE;
	*dst = (int)v;
	return 0;
}

static int set_addr4(bool *has, struct in_addr *dst, const uint8_t *val, size_t len)
{
	if (len != 4)
		return ERR_FORMAT;
	if (*has)
		return ERR_RANGE;
	memcpy(&dst->s_addr, val, 4);
	*has = true;
	return 0;
}

static int set_framed_ip(struct radattr_set *s, const uint8_t *val, size_t len)
{
	uint32_t v;
	int r;

	if ((r = get_u32(val, len, &v)) != 0)
		return ERR_FORMAT;
	/* 255.255.255.255 means "the user picks", which a VPN client cannot: use the pool too. */
	if (v == POOL_ADDR || v == 0xffffffffu) {
		if (s->has_addr4 || s->addr4_pool)
			return ERR_RANGE;
		s->addr4_pool = true;
		return 0;
	}
	if (s->addr4_pool || v == 0 || (v >> 24) == 127 || (v >> 28) >= 0xe)
		return s->addr4_pool ? ERR_RANGE : ERR_FORMAT;
	return set_addr4(&s->has_addr4, &s->addr4, val, len);
}

static int set_netmask(struct radattr_set *s, const uint8_t *val, size_t len)
{
	uint32_t v;

	if (get_u32(val, len, &v) != 0)
		return ERR_FORMAT;
	/* Contiguous ones from the top, and not 0. */
	if (v == 0 || (~v & (~v + 1)) != 0)
		return ERR_FORMAT;
	return set_addr4(&s->has_netmask4, &s->netmask4, val, len);
}

/* Framed-Route: "dest[/bits] [gateway [metrics]]" (RFC 2865 §5.22); only dest is used. */
static int add_route(struct radattr_set *s, const uint8_t *val, size_t len, int family)
{
	char text[RADATTR_VAL_MAX + 1];
	struct conf_net n;
	int r;

	if ((r = get_text(val, len, text, sizeof(text))) != 0)
		return ERR_FORMAT;
	text[strcspn(text, " \t")] = '\0';
	if (!text[0] || !strcmp(text, "default") || conf_parse_net(text, &n) != 0 ||
	    n.family != family)
		return ERR_FORMAT;
	conf_net_mask(&n);
	if (n.prefix == 0)
		n.is_default = true;
	if (s->n_routes >= RADATTR_ROUTES_MAX)
		return ERR_TOO_LARGE;
	s->routes[s->n_routes++] = n;
	return 0;
}

static int set_addr6(struct radattr_set *s, const uint8_t *val, size_t len)
{
	if (len != 16)
		return ERR_FORMAT;
	if (s->has_addr6)
		return ERR_RANGE;
	memcpy(&s->addr6, val, 16);
	s->has_addr6 = true;
	return 0;
}

static void add_group(struct radattr_set *s, const char *g)
{
	for (size_t i = 0; i < s->n_groups; i++)
		if (strcmp(s->groups[i], g) == 0)
			return;
	if (s->n_groups < RADATTR_GROUPS_MAX)
		str_copy(s->groups[s->n_groups++], sizeof(s->groups[0]), g);
	else
		s->n_ignored++;
}

/* Class: kept for accounting; "OU=g1;g2" (or a plain name) also names groups. */
static int add_class(struct radattr_set *s, const uint8_t *val, size_t len)
{
	char text[RADATTR_VAL_MAX + 1], *p, *save = NULL;

	if (len == 0 || len > RADATTR_VAL_MAX)
		return ERR_FORMAT;
	if (s->n_class >= RADATTR_CLASS_MAX)
		return ERR_TOO_LARGE;
	memcpy(s->class_val[s->n_class], val, len);
	s->class_len[s->n_class++] = len;
	if (get_text(val, len, text, sizeof(text)) != 0)
		return 0; /* opaque bytes: for accounting only */
	p = strncmp(text, "OU=", 3) == 0 ? text + 3 : text;
	for (p = strtok_r(p, ";", &save); p; p = strtok_r(NULL, ";", &save)) {
		p = str_trim(p);
		if (str_is_name(p, IPC_NAME_MAX))
			add_group(s, p);
		else if (*p)
			s->n_ignored++;
	}
	return 0;
}

static int add_ms(struct radattr_set *s, uint32_t type, const uint8_t *val, size_t len)
{
	switch (type) {
	case RADATTR_MS_PRIMARY_DNS:
		return set_addr4(&s->has_dns[0], &s->dns[0], val, len);
	case RADATTR_MS_SECONDARY_DNS:
		return set_addr4(&s->has_dns[1], &s->dns[1], val, len);
	case RADATTR_MS_PRIMARY_NBNS:
		return set_addr4(&s->has_nbns[0], &s->nbns[0], val, len);
	case RADATTR_MS_SECONDARY_NBNS:
		return set_addr4(&s->has_nbns[1], &s->nbns[1], val, len);
	}
	return 0;
}

static int add_std(struct radattr_set *s, uint32_t type, const uint8_t *val, size_t len)
{
	switch (type) {
	case RADATTR_FRAMED_IP_ADDRESS:
		return set_framed_ip(s, val, len);
	case RADATTR_FRAMED_IP_NETMASK:
		return set_netmask(s, val, len);
	case RADATTR_FRAMED_ROUTE:
		return add_route(s, val, len, AF_INET);
	case RADATTR_FRAMED_IPV6_ROUTE:
		return add_route(s, val, len, AF_INET6);
	case RADATTR_FRAMED_IPV6_ADDRESS:
		return set_addr6(s, val, len);
	case RADATTR_CLASS:
		return add_class(s, val, len);
	case RADATTR_SESSION_TIMEOUT:
		return set_int(&s->session_timeout, val, len);
	case RADATTR_IDLE_TIMEOUT:
		return set_int(&s->idle_timeout, val, len);
	case RADATTR_ACCT_INTERIM_INTERVAL:
		return set_int(&s->interim, val, len);
	}
	return 0;
}

int radattr_add(struct radattr_set *s, uint32_t vendor, uint32_t type, const uint8_t *val,
		size_t len)
{
	int r = 0;

	if (len > RADATTR_VAL_MAX)
		r = ERR_TOO_LARGE;
	else if (vendor == 0)
		r = add_std(s, type, val, len);
	else if (vendor == RADATTR_VENDOR_MICROSOFT)
		r = add_ms(s, type, val, len);
	if (r != 0)
		s->n_ignored++;
	return r;
}

/* The sub-attributes of one Vendor-Specific value (RFC 2865 §5.26 suggested format). */
static void parse_vsa(struct buf_rd *rd, struct radattr_set *s)
{
	uint32_t vendor;

	if (buf_get_u32(rd, &vendor) != 0) {
		s->n_ignored++;
		return;
	}
	while (buf_remaining(rd)) {
		struct buf_rd v;
		uint8_t t, l;

		if (buf_get_u8(rd, &t) != 0 || buf_get_u8(rd, &l) != 0 || l < 2 ||
		    buf_sub(rd, (size_t)l - 2, &v) != 0) {
			s->n_ignored++;
			return;
		}
		radattr_add(s, vendor, t, buf_cur(&v), buf_remaining(&v));
	}
}

int radattr_parse(const uint8_t *attrs, size_t len, struct radattr_set *s)
{
	struct buf_rd rd;
	int r;

	buf_rd_init(&rd, attrs, len);
	while (buf_remaining(&rd)) {
		struct buf_rd v;
		uint8_t t, l;

		if ((r = buf_get_u8(&rd, &t)) != 0 || (r = buf_get_u8(&rd, &l)) != 0)
			return r;
		if (l < 2)
			return ERR_FORMAT;
		if ((r = buf_sub(&rd, (size_t)l - 2, &v)) != 0)
			return r;
		if (t == RADATTR_VENDOR_SPECIFIC)
			parse_vsa(&v, s);
		else
			radattr_add(s, 0, t, buf_cur(&v), buf_remaining(&v));
	}
	return 0;
}

/* --- to and from the helper reply --- */

static int put_addr(char *dst, size_t size, int family, const void *a)
{
	return inet_ntop(family, a, dst, (socklen_t)size) ? 0 : ERR_TOO_LARGE;
}

static uint32_t opt_u32(int v)
{
	return v < 0 ? IPC_NONE : (uint32_t)v;
}

static void export_servers(const bool has[2], const struct in_addr a[2],
			   char (*dst)[IPC_ADDR_MAX + 1], uint32_t *n)
{
	for (int i = 0; i < 2; i++)
		if (has[i] && *n < IPC_RAD_DNS_MAX)
			put_addr(dst[(*n)++], IPC_ADDR_MAX + 1, AF_INET, &a[i]);
}

int radattr_export(const struct radattr_set *s, struct ipc_helper_auth_rep *rep)
{
	int r = 0;

	rep->rad_flags = 0;
	if (s->addr4_pool)
		rep->rad_flags |= IPC_RAD_ADDR4_POOL;
	if (s->has_addr4 &&
	    (r = put_addr(rep->rad_addr4, sizeof(rep->rad_addr4), AF_INET, &s->addr4)) == 0)
		rep->rad_flags |= IPC_RAD_ADDR4;
	if (s->has_netmask4 && (r = put_addr(rep->rad_netmask4, sizeof(rep->rad_netmask4), AF_INET,
					     &s->netmask4)) == 0)
		rep->rad_flags |= IPC_RAD_NETMASK4;
	if (s->has_addr6 &&
	    (r = put_addr(rep->rad_addr6, sizeof(rep->rad_addr6), AF_INET6, &s->addr6)) == 0)
		rep->rad_flags |= IPC_RAD_ADDR6;
	if (r != 0)
		return r;
	rep->n_rad_routes = 0;
	for (size_t i = 0; i < s->n_routes && i < IPC_LIST_MAX; i++)
		conf_net_format(&s->routes[i], rep->rad_routes[rep->n_rad_routes++],
				sizeof(rep->rad_routes[0]));
	if (s->n_routes)
		rep->rad_flags |= IPC_RAD_ROUTES;
	rep->n_rad_dns = rep->n_rad_nbns = 0;
	export_servers(s->has_dns, s->dns, rep->rad_dns, &rep->n_rad_dns);
	export_servers(s->has_nbns, s->nbns, rep->rad_nbns, &rep->n_rad_nbns);
	if (rep->n_rad_dns)
		rep->rad_flags |= IPC_RAD_DNS;
	if (rep->n_rad_nbns)
		rep->rad_flags |= IPC_RAD_NBNS;
	rep->rad_session_timeout = opt_u32(s->session_timeout);
	rep->rad_idle_timeout = opt_u32(s->idle_timeout);
	rep->rad_interim = opt_u32(s->interim);
	rep->n_rad_class = 0;
	for (size_t i = 0; i < s->n_class; i++)
		hex_encode(rep->rad_class[rep->n_rad_class++], s->class_val[i], s->class_len[i],
			   true);
	for (size_t i = 0; i < s->n_groups; i++) {
		bool dup = false;

		for (size_t j = 0; j < rep->n_groups; j++)
			dup |= strcmp(rep->groups[j], s->groups[i]) == 0;
		if (!dup && rep->n_groups < IPC_GROUPS_MAX)
			str_copy(rep->groups[rep->n_groups++], sizeof(rep->groups[0]),
				 s->groups[i]);
	}
	return 0;
}

static int import_u32(uint32_t v, int *dst)
{
	if (v == IPC_NONE) {
		*dst = -1;
		return 0;
	}
	if (v > 0x7fffffffu)
		return ERR_FORMAT;
	*dst = (int)v;
	return 0;
}

static int import_servers(const char (*src)[IPC_ADDR_MAX + 1], uint32_t n, bool has[2],
			  struct in_addr a[2])
{
	for (uint32_t i = 0; i < n && i < 2; i++) {
		if (inet_pton(AF_INET, src[i], &a[i]) != 1)
			return ERR_FORMAT;
		has[i] = true;
	}
	return 0;
}

int radattr_import(const struct ipc_helper_auth_rep *rep, struct radattr_set *s)
{
	uint32_t f = rep->rad_flags;
	int r = ERR_FORMAT;

	radattr_init(s);
	s->addr4_pool = f & IPC_RAD_ADDR4_POOL;
	if ((f & IPC_RAD_ADDR4) && inet_pton(AF_INET, rep->rad_addr4, &s->addr4) != 1)
		goto out;
	s->has_addr4 = f & IPC_RAD_ADDR4;
	if ((f & IPC_RAD_NETMASK4) && inet_pton(AF_INET, rep->rad_netmask4, &s->netmask4) != 1)
		goto out;
	s->has_netmask4 = f & IPC_RAD_NETMASK4;
	if ((f & IPC_RAD_ADDR6) && inet_pton(AF_INET6, rep->rad_addr6, &s->addr6) != 1)
		goto out;
	s->has_addr6 = f & IPC_RAD_ADDR6;
	for (uint32_t i = 0; i < rep->n_rad_routes && i < RADATTR_ROUTES_MAX; i++) {
		struct conf_net *n = &s->routes[s->n_routes];

		if (conf_parse_net(rep->rad_routes[i], n) != 0)
			goto out;
		if (n->prefix == 0)
			n->is_default = true;
		s->n_routes++;
	}
	if (import_servers(rep->rad_dns, rep->n_rad_dns, s->has_dns, s->dns) != 0 ||
	    import_servers(rep->rad_nbns, rep->n_rad_nbns, s->has_nbns, s->nbns) != 0 ||
	    import_u32(rep->rad_session_timeout, &s->session_timeout) != 0 ||
	    import_u32(rep->rad_idle_timeout, &s->idle_timeout) != 0 ||
	    import_u32(rep->rad_interim, &s->interim) != 0)
		goto out;
	for (uint32_t i = 0; i < rep->n_rad_class && i < RADATTR_CLASS_MAX; i++) {
		size_t hl = strlen(rep->rad_class[i]);

		if (hl == 0 || hl % 2 || hl / 2 > RADATTR_VAL_MAX ||
		    hex_decode(s->class_val[i], hl / 2, rep->rad_class[i], hl) != 0)
			goto out;
		s->class_len[i] = hl / 2;
		s->n_class++;
	}
	r = 0;
out:
	if (r != 0)
		radattr_init(s);
	return r;
}
