/* SPDX-License-Identifier: GPL-2.0-or-later */
/* RADIUS accounting and RADIUS-provided session settings, main's side. Process: main. */
#include "acct.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "authhelper.h"
#include "disc.h"
#include "log.h"
#include "mainint.h"
#include "secmem.h"
#include "strutil.h"

#define INTERIM_MIN 1 /* seconds; RFC 2869 says 60, but tests and labs want short ones */

/* RFC 2866 §5.10 Acct-Terminate-Cause values used. */
enum {
	TC_USER_REQUEST = 1,
	TC_LOST_CARRIER = 2,
	TC_IDLE_TIMEOUT = 4,
	TC_SESSION_TIMEOUT = 5,
	TC_ADMIN_RESET = 6,
	TC_PORT_ERROR = 8,
	TC_NAS_ERROR = 9,
	TC_NAS_REBOOT = 11,
};

void acct_new_session_id(char dst[IPC_NAME_MAX + 1])
{
	uint8_t r[8];

	if (secmem_random(r, sizeof(r)) != 0) {
		uint64_t t = now_ms();

		memcpy(r, &t, sizeof(r));
	}
	hex_encode(dst, r, sizeof(r), true);
}

struct radius_settings *acct_settings_new(const char *acct_session_id,
					  const struct ipc_helper_auth_rep *rep)
{
	struct radius_settings *rs = calloc(1, sizeof(*rs));

	if (!rs)
		return NULL;
	str_copy(rs->acct_session_id, sizeof(rs->acct_session_id), acct_session_id);
	radattr_init(&rs->attrs);
	if (rep) {
		if (radattr_import(rep, &rs->attrs) == 0)
			rs->has_attrs = true;
		else
			log_warn("session settings from RADIUS unreadable: ignored");
	}
	return rs;
}

uint32_t acct_terminate_cause(unsigned reason, bool shutting_down)
{
	switch (reason) {
	case DISC_USER:
		return TC_USER_REQUEST;
	case DISC_PEER_CLOSED:
	case DISC_DPD:
	case DISC_NONE:
		return TC_LOST_CARRIER;
	case DISC_IDLE:
		return TC_IDLE_TIMEOUT;
	case DISC_SESSION_TIMEOUT:
		return TC_SESSION_TIMEOUT;
	case DISC_TERMINATED:
		return shutting_down ? TC_NAS_REBOOT : TC_ADMIN_RESET;
	case DISC_PROTOCOL:
		return TC_PORT_ERROR;
	default:
		return TC_NAS_ERROR;
	}
}

void acct_client_ip(const char *real, char *dst, size_t size)
{
	const char *end;

	if (real[0] == '[') {
		end = strchr(real, ']');
		str_copyn(dst, size, real + 1, end ? (size_t)(end - real - 1) : 0);
		return;
	}
	end = strrchr(real, ':');
	str_copyn(dst, size, real, end ? (size_t)(end - real) : strlen(real));
}

static const struct conf_auth *acct_conf(const struct session *s)
{
	return s->conf && s->conf->acct.kind == CONF_AUTH_RADIUS ? &s->conf->acct : NULL;
}

static void fill_record(const struct session *s, uint32_t type, struct ipc_helper_acct_req *r)
{
	const struct conf_auth *a = acct_conf(s);
	const struct radius_settings *rs = s->rad;

	memset(r, 0, sizeof(*r));
	str_copy(r->config, sizeof(r->config), a->radius_config);
	str_copy(r->nas_identifier, sizeof(r->nas_identifier), a->nas_identifier);
	for (size_t i = 0; !r->nas_identifier[0] && i < s->conf->n_auth; i++)
		if (s->conf->auth[i].kind == CONF_AUTH_RADIUS)
			str_copy(r->nas_identifier, sizeof(r->nas_identifier),
				 s->conf->auth[i].nas_identifier);
	r->status_type = type;
	str_copy(r->acct_session_id, sizeof(r->acct_session_id), rs->acct_session_id);
	str_copy(r->username, sizeof(r->username), s->user);
	acct_client_ip(s->real_addr, r->calling_station, sizeof(r->calling_station));
	str_copy(r->framed_ip, sizeof(r->framed_ip), rs->framed_ip);
	r->session_time = (uint32_t)(mono_s() - rs->start_mono);
	r->bytes_in = s->bytes_in + s->cur_in;
	r->bytes_out = s->bytes_out + s->cur_out;
	r->packets_in = s->packets_in + s->cur_pin;
	r->packets_out = s->packets_out + s->cur_pout;
	for (size_t i = 0; rs->has_attrs && i < rs->attrs.n_class && i < IPC_RAD_CLASS_MAX; i++)
		hex_encode(r->class_hex[r->n_class++], rs->attrs.class_val[i],
			   rs->attrs.class_len[i], true);
}

static void interim_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct session *s = w->data;
	struct ipc_helper_acct_req r;

	(void)loop;
	(void)revents;
	if (!s->rad || !s->rad->started || !acct_conf(s))
		return;
	fill_record(s, IPC_ACCT_INTERIM, &r);
	authhelper_submit_acct(&r);
}

static unsigned interim_period(const struct session *s)
{
	const struct radius_settings *rs = s->rad;
	int v = s->conf->stats_report_time;

	if (s->ucfg && s->ucfg->stats_report_time >= 0)
		v = s->ucfg->stats_report_time;
	if (rs->has_attrs && rs->attrs.interim > 0)
		v = rs->attrs.interim;
	if (v <= 0)
		return 0;
	return v < INTERIM_MIN ? INTERIM_MIN : (unsigned)v;
}

void acct_session_start(struct session *s)
{
	struct radius_settings *rs = s->rad;
	struct ipc_helper_acct_req r;

	if (!rs || rs->started || !acct_conf(s))
		return;
	rs->started = true;
	rs->start_mono = mono_s();
	if (s->has4)
		inet_ntop(AF_INET, &s->addr4, rs->framed_ip, sizeof(rs->framed_ip));
	fill_record(s, IPC_ACCT_START, &r);
	authhelper_submit_acct(&r);
	rs->interim_secs = interim_period(s);
	if (rs->interim_secs) {
		ev_timer_init(&rs->interim, interim_cb, (double)rs->interim_secs,
			      (double)rs->interim_secs);
		rs->interim.data = s;
		ev_timer_start(M.loop, &rs->interim);
	}
	log_info("session %u of '%s': accounting started (Acct-Session-Id %s, interim %u s)", s->id,
		 s->user, rs->acct_session_id, rs->interim_secs);
}

void acct_session_stop(struct session *s, unsigned reason)
{
	struct radius_settings *rs = s->rad;
	struct ipc_helper_acct_req r;

	if (!rs || !rs->started)
		return;
	ev_timer_stop(M.loop, &rs->interim);
	rs->started = false;
	if (!acct_conf(s))
		return;
	fill_record(s, IPC_ACCT_STOP, &r);
	r.terminate_cause = acct_terminate_cause(reason, M.stopping);
	authhelper_submit_acct(&r);
	log_info("session %u of '%s': accounting stop queued (cause %u)", s->id, s->user,
		 r.terminate_cause);
}

/* --- settings --- */

const struct in_addr *acct_radius_addr4(const struct session *s)
{
	const struct radius_settings *rs = s->rad;

	return rs && rs->has_attrs && rs->attrs.has_addr4 ? &rs->attrs.addr4 : NULL;
}

const struct in6_addr *acct_radius_addr6(const struct session *s)
{
	const struct radius_settings *rs = s->rad;

	return rs && rs->has_attrs && rs->attrs.has_addr6 ? &rs->attrs.addr6 : NULL;
}

static void put_addr4(char (*list)[IPC_ADDR_MAX + 1], uint32_t *n, const struct in_addr *a)
{
	if (*n < IPC_LIST_MAX)
		inet_ntop(AF_INET, a, list[(*n)++], IPC_ADDR_MAX + 1);
}

static void apply_routes(const struct session *s, const struct radattr_set *a,
			 struct ipc_tunnel_rep *rep)
{
	bool full = false;

	rep->n_routes = 0;
	for (size_t i = 0; i < a->n_routes; i++) {
		const struct conf_net *n = &a->routes[i];

		if (n->is_default) {
			full = true;
			continue;
		}
		if ((n->family == AF_INET && !s->has4) || (n->family == AF_INET6 && !s->has6) ||
		    rep->n_routes >= IPC_LIST_MAX)
			continue;
		conf_net_format(n, rep->routes[rep->n_routes++], sizeof(rep->routes[0]));
	}
	if (full) {
		rep->n_routes = 0; /* no Split-Include: a full tunnel */
		rep->tunnel_all_dns = 1;
	}
}

void acct_apply_reply(const struct session *s, struct ipc_tunnel_rep *rep)
{
	const struct radius_settings *rs = s->rad;
	const struct radattr_set *a;
	unsigned period;

	if (!rs)
		return;
	/* Interim records carry the counters of the worker's last report. */
	period = acct_conf(s) ? interim_period(s) : 0;
	if (period && (rep->stats_report_time == 0 || rep->stats_report_time > period))
		rep->stats_report_time = period;
	if (!rs->has_attrs)
		return;
	a = &rs->attrs;
	if (a->has_netmask4 && rep->addr4[0])
		inet_ntop(AF_INET, &a->netmask4, rep->netmask4, sizeof(rep->netmask4));
	if (a->n_routes)
		apply_routes(s, a, rep);
	if (a->has_dns[0] || a->has_dns[1]) {
		rep->n_dns = 0;
		for (int i = 0; i < 2; i++)
			if (a->has_dns[i])
				put_addr4(rep->dns, &rep->n_dns, &a->dns[i]);
	}
	if (a->has_nbns[0] || a->has_nbns[1]) {
		rep->n_nbns = 0;
		for (int i = 0; i < 2; i++)
			if (a->has_nbns[i])
				put_addr4(rep->nbns, &rep->n_nbns, &a->nbns[i]);
	}
	if (a->idle_timeout >= 0)
		rep->idle_timeout = (uint32_t)a->idle_timeout;
	if (a->session_timeout >= 0) {
		uint64_t age = mono_s() - s->created_mono;
		uint64_t st = (uint64_t)a->session_timeout;

		rep->session_timeout = (uint32_t)st;
		rep->session_remaining = st ? (uint32_t)(st > age ? st - age : 1) : IPC_NONE;
	}
}
