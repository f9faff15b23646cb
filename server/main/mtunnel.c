/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tunnels and session lifetime: CONNECT with a cookie (leases, tun device, MTU, per-user
 * settings, connect-script), takeover on reconnect, the reconnect window, and the end of
 * a session (leases back, disconnect-script). Process: main. */
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acct.h"
#include "confload.h"
#include "cstpconnect.h"
#include "cstpframe.h"
#include "disc.h"
#include "err.h"
#include "log.h"
#include "mconf.h"
#include "mdtls.h"
#include "mainint.h"
#include "pool.h"
#include "script.h"
#include "secmem.h"
#include "strutil.h"
#include "tun.h"

#define USER_FILE_MAX (64u << 10)

/* --- effective settings: global config overridden by the per-group/per-user files --- */

static int eff_int(const struct session *s, size_t off, int global)
{
	int v;

	if (!s->ucfg)
		return global;
	memcpy(&v, (const char *)s->ucfg + off, sizeof(v));
	return v >= 0 ? v : global;
}

#define EFF(s, field) eff_int(s, offsetof(struct conf_user, field), (s)->conf->field)

static void load_user_file(struct conf_user *u, const char *path, bool *found)
{
	struct conf_ctx ctx = { .file = path };
	char *data = NULL, *save = NULL, *line;
	unsigned lineno = 0;
	size_t len;

	if (confload_read_file(path, USER_FILE_MAX, &data, &len) != 0)
		return;
	*found = true;
	for (line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		if (conf_user_parse_line(u, &ctx, line, lineno) != 0)
			log_warn("%s (line ignored)", ctx.err);
	}
	free(data);
}

/* Read the session's group and user files (group first, so user lines win). */
static void load_session_config(struct session *s)
{
	const struct conf *cf = s->conf;
	struct conf_user *u = calloc(1, sizeof(*u));
	char path[2 * CONF_PATH_MAX + 2];
	bool found = false, any = false;

	if (!u)
		return;
	conf_user_init(u);
	if (cf->config_per_group[0] && s->group[0]) {
		snprintf(path, sizeof(path), "%s/%s", cf->config_per_group, s->group);
		load_user_file(u, path, &found);
		any |= found;
	}
	if (!found && cf->default_group_config[0]) {
		load_user_file(u, cf->default_group_config, &found);
		any |= found;
	}
	found = false;
	if (cf->config_per_user[0]) {
		snprintf(path, sizeof(path), "%s/%s", cf->config_per_user, s->user);
		load_user_file(u, path, &found);
		any |= found;
	}
	if (!found && cf->default_user_config[0]) {
		load_user_file(u, cf->default_user_config, &found);
		any |= found;
	}
	if (!any) {
		free(u);
		return;
	}
	s->ucfg = u;
}

/* --- leases --- */

static int lease_addresses(struct session *s, const struct ipc_tunnel_req *req,
			   struct ipc_tunnel_rep *rep)
{
	const struct conf_user *u = s->ucfg;
	bool predictable = s->conf->predictable_ips;
	int r;

	if (!s->has4 && pool_has4(M.pool) && (req->flags & IPC_TR_WANT_V4)) {
		const struct in_addr *want = acct_radius_addr4(s); /* Framed-IP-Address */

		if (!want && u && u->has_explicit_ipv4)
			want = &u->explicit_ipv4;
		r = pool_lease4(M.pool, s->user, want, want != NULL, predictable, &s->addr4);
		if (r != 0) {
			log_warn("session %u ('%s'): no IPv4 address: %s", s->id, s->user,
				 r == ERR_DENIED ? "explicit-ipv4 is taken" : "pool exhausted");
			str_copy(rep->message, sizeof(rep->message), "No IP address available");
			return r;
		}
		s->has4 = true;
	}
	if (!s->has6 && pool_has6(M.pool) && (req->flags & IPC_TR_WANT_V6)) {
		const struct in6_addr *want = acct_radius_addr6(s); /* Framed-IPv6-Address */

		if (!want && u && u->has_explicit_ipv6)
			want = &u->explicit_ipv6;
		r = pool_lease6(M.pool, s->user, want, want != NULL, predictable, &s->addr6);
		if (r != 0)
			log_warn("session %u ('%s'): no IPv6 address (%s): IPv4 only", s->id,
				 s->user, err_str(r));
		else
			s->has6 = true;
	}
	if (!s->has4 && !s->has6) {
		str_copy(rep->message, sizeof(rep->message), "No IP address available");
		return ERR_RANGE;
	}
	return 0;
}

static void release_addresses(struct session *s)
{
	if (s->has4)
		pool_release4(M.pool, s->addr4);
	if (s->has6)
		pool_release6(M.pool, s->addr6);
	s->has4 = s->has6 = false;
}

/* --- the reply --- */

static void add_net(char (*list)[IPC_ADDR_MAX + 1], uint32_t *n, const struct conf_net *net,
		    bool addr_only)
{
	char buf[64];

	if (*n >= IPC_LIST_MAX)
		return;
	if (addr_only)
		inet_ntop(net->family, net->addr, buf, sizeof(buf));
	else
		conf_net_format(net, buf, sizeof(buf));
	str_copy(list[(*n)++], IPC_ADDR_MAX + 1, buf);
}

static void fill_lists(const struct session *s, struct ipc_tunnel_rep *rep, bool *full_tunnel)
{
	const struct conf *cf = s->conf;
	const struct conf_user *u = s->ucfg;
	const struct conf_net *dns = cf->dns, *nbns = cf->nbns, *rt = cf->route,
			      *nrt = cf->no_route;
	size_t n_dns = cf->n_dns, n_nbns = cf->n_nbns, n_rt = cf->n_route, n_nrt = cf->n_no_route;
	const char(*sd)[CONF_NAME_MAX * 2 + 2] = cf->split_dns;
	size_t n_sd = cf->n_split_dns;

	if (u && u->has_dns)
		dns = u->dns, n_dns = u->n_dns;
	if (u && u->has_nbns)
		nbns = u->nbns, n_nbns = u->n_nbns;
	if (u && u->has_route)
		rt = u->route, n_rt = u->n_route;
	if (u && u->has_no_route)
		nrt = u->no_route, n_nrt = u->n_no_route;
	if (u && u->has_split_dns)
		sd = (const char(*)[CONF_NAME_MAX * 2 + 2]) u->split_dns, n_sd = u->n_split_dns;
	for (size_t i = 0; i < n_dns; i++)
		add_net(rep->dns, &rep->n_dns, &dns[i], true);
	for (size_t i = 0; i < n_nbns; i++)
		add_net(rep->nbns, &rep->n_nbns, &nbns[i], true);
	*full_tunnel = n_rt == 0;
	for (size_t i = 0; i < n_rt; i++) {
		if (rt[i].is_default) {
			*full_tunnel = true;
			continue;
		}
		if ((rt[i].family == AF_INET && !s->has4) || (rt[i].family == AF_INET6 && !s->has6))
			continue;
		add_net(rep->routes, &rep->n_routes, &rt[i], false);
	}
	if (*full_tunnel)
		rep->n_routes = 0; /* no Split-Include at all means a full tunnel */
	for (size_t i = 0; i < n_nrt; i++)
		if (!nrt[i].is_default)
			add_net(rep->no_routes, &rep->n_no_routes, &nrt[i], false);
	for (size_t i = 0; i < n_sd && rep->n_split_dns < IPC_LIST_MAX; i++)
		str_copy(rep->split_dns[rep->n_split_dns++], sizeof(rep->split_dns[0]), sd[i]);
}

static void fill_reply(struct session *s, const struct ipc_tunnel_req *req,
		       struct ipc_tunnel_rep *rep)
{
	const struct conf *cf = s->conf;
	const struct conf_user *u = s->ucfg;
	struct cstp_mtu_in mi = { 0 };
	struct cstp_mtu_out mo;
	uint64_t age = mono_s() - s->created_mono;
	bool full_tunnel;
	int st;

	rep->status = IPC_TUNNEL_OK;
	rep->session_id = s->id;
	str_copy(rep->username, sizeof(rep->username), s->user);
	str_copy(rep->group, sizeof(rep->group), s->group);
	if (s->has4) {
		struct in_addr nm = pool_netmask4(M.pool);

		inet_ntop(AF_INET, &s->addr4, rep->addr4, sizeof(rep->addr4));
		inet_ntop(AF_INET, &nm, rep->netmask4, sizeof(rep->netmask4));
	}
	if (s->has6) {
		inet_ntop(AF_INET6, &s->addr6, rep->addr6, sizeof(rep->addr6));
		rep->prefix6 = pool_prefix6(M.pool);
	}
	fill_lists(s, rep, &full_tunnel);
	str_copy(rep->default_domain, sizeof(rep->default_domain),
		 u && u->has_default_domain ? u->default_domain : cf->default_domain);
	rep->tunnel_all_dns =
		(uint32_t)(full_tunnel ||
			   (u && u->tunnel_all_dns >= 0 ? u->tunnel_all_dns : cf->tunnel_all_dns));
	rep->client_bypass_protocol =
		(uint32_t)(u && u->client_bypass_protocol >= 0 ? u->client_bypass_protocol
							       : cf->client_bypass_protocol);
	rep->keepalive = (uint32_t)EFF(s, keepalive);
	rep->dpd = (uint32_t)((req->flags & IPC_TR_MOBILE) ? EFF(s, mobile_dpd) : EFF(s, dpd));
	rep->idle_timeout = (uint32_t)((req->flags & IPC_TR_MOBILE) && EFF(s, mobile_idle_timeout)
					       ? EFF(s, mobile_idle_timeout)
					       : EFF(s, idle_timeout));
	st = EFF(s, session_timeout);
	rep->session_timeout = (uint32_t)st;
	rep->session_remaining =
		st > 0 ? (uint32_t)((uint64_t)st > age ? (uint64_t)st - age : 1) : IPC_NONE;
	rep->disconnected_timeout = (uint32_t)cf->cookie_timeout;
	rep->rekey_time = (uint32_t)cf->rekey_time;
	rep->rekey_method = (uint32_t)cf->rekey_method;
	rep->stats_report_time = (uint32_t)EFF(s, stats_report_time);
	if (cf->udp_port && req->dtls_offer && !(u && u->no_udp > 0)) {
		rep->dtls_port = (uint32_t)cf->udp_port;
		rep->dtls_modes =
			(cf->dtls_psk ? IPC_DTLS_PSK : 0) | (cf->dtls_legacy ? IPC_DTLS_RESUME : 0);
		/* Fresh on every CONNECT, so the client restarts DTLS after a reconnect. */
		secmem_random(rep->dtls_id, sizeof(rep->dtls_id));
	}
	str_copy(rep->banner, sizeof(rep->banner), cf->banner);
	mi.conf_mtu = EFF(s, mtu);
	mi.client_base_mtu = (int)req->base_mtu;
	mi.client_mtu = (int)req->client_mtu;
	mi.tcp_pmtu = (int)req->tcp_pmtu;
	mi.ipv6_path = req->flags & IPC_TR_IPV6_PATH;
	cstp_mtu_compute(&mi, &mo);
	rep->base_mtu = (uint32_t)mo.base_mtu;
	rep->mtu = (uint32_t)mo.tunnel_mtu;
	if (!rep->dtls_port) {
		/* TLS only: no DTLS record has to fit, so only the IP and UDP-sized headers of
		 * the link are kept back (ocserv's figure): fewer, larger packets. */
		int tls_mtu = mo.base_mtu - (mi.ipv6_path ? 40 : 20) - 8;

		if (tls_mtu > (int)rep->mtu && tls_mtu <= CSTP_MAX_PAYLOAD)
			rep->mtu = (uint32_t)tls_mtu;
	}
	if (rep->mtu < 1280 && s->has6) {
		/* IPv6 needs 1280: hand out IPv4 only on such a path (PROTOCOL.md §3.4). */
		rep->addr6[0] = '\0';
	}
	acct_apply_reply(s, rep); /* what RADIUS set wins */
}

/* --- scripts --- */

static void script_env_common(struct script_env *e, const struct session *s, const char *reason)
{
	char a[INET6_ADDRSTRLEN];
	char real[64];
	char *colon;

	script_env_add(e, "PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	script_env_add(e, "REASON", "%s", reason);
	script_env_add(e, "USERNAME", "%s", s->user);
	script_env_add(e, "GROUPNAME", "%s", s->group);
	script_env_add(e, "ID", "%u", s->id);
	script_env_add(e, "DEVICE", "%s", s->device);
	str_copy(real, sizeof(real), s->real_addr);
	/* "1.2.3.4:port" or "[v6]:port" -> the address alone */
	colon = strrchr(real, ':');
	if (colon)
		*colon = '\0';
	if (real[0] == '[') {
		memmove(real, real + 1, strlen(real));
		real[strcspn(real, "]")] = '\0';
	}
	script_env_add(e, "IP_REAL", "%s", real);
	if (s->hostname[0])
		script_env_add(e, "HOSTNAME", "%s", s->hostname);
	if (s->has4) {
		struct in_addr l = pool_local4(M.pool);

		script_env_add(e, "IP_LOCAL", "%s", inet_ntop(AF_INET, &l, a, sizeof(a)));
		script_env_add(e, "IP_REMOTE", "%s", inet_ntop(AF_INET, &s->addr4, a, sizeof(a)));
	}
	if (s->has6) {
		struct in6_addr l = pool_local6(M.pool);

		script_env_add(e, "IPV6_LOCAL", "%s", inet_ntop(AF_INET6, &l, a, sizeof(a)));
		script_env_add(e, "IPV6_REMOTE", "%s",
			       inet_ntop(AF_INET6, &s->addr6, a, sizeof(a)));
		script_env_add(e, "IPV6_PREFIX", "%u", pool_prefix6(M.pool));
	}
}

static void run_disconnect_script(const struct session *s, unsigned reason)
{
	struct script_env e;

	if (!s->conf->disconnect_script[0] || !s->connected_once)
		return;
	script_env_init(&e);
	script_env_common(&e, s, "disconnect");
	script_env_add(&e, "DISCONNECT_REASON", "%s", disc_str(reason));
	script_env_add(&e, "STATS_BYTES_IN", "%llu", (unsigned long long)(s->bytes_in + s->cur_in));
	script_env_add(&e, "STATS_BYTES_OUT", "%llu",
		       (unsigned long long)(s->bytes_out + s->cur_out));
	script_env_add(&e, "STATS_DURATION", "%llu",
		       (unsigned long long)(mono_s() - s->created_mono));
	script_run(s->conf->disconnect_script, &e, NULL, 0);
}

/* --- session lifetime --- */

void session_end(struct session *s, unsigned reason)
{
	log_notice("session %u of '%s' ended: %s", s->id, s->user, disc_str(reason));
	ev_timer_stop(M.loop, &s->expire);
	if (s->conn && s->conn->session == s)
		s->conn->session = NULL;
	run_disconnect_script(s, reason);
	acct_session_stop(s, reason);
	release_addresses(s);
	mconf_release(s->conf);
	session_destroy(M.sessions, s);
}

void session_expire_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct session *s = w->data;

	(void)loop;
	(void)revents;
	if (s->state == SESSION_ACTIVE)
		return;
	if (s->state == SESSION_NEW)
		log_info("session %u of '%s': cookie not used within cookie-timeout", s->id,
			 s->user);
	session_end(s, s->state == SESSION_INACTIVE ? s->last_reason : DISC_NONE);
}

void session_park(struct session *s, unsigned reason)
{
	session_set_state(M.sessions, s, SESSION_INACTIVE);
	s->conn = NULL;
	s->last_reason = reason;
	s->inactive_since = mono_s();
	s->bytes_in += s->cur_in;
	s->bytes_out += s->cur_out;
	s->packets_in += s->cur_pin;
	s->packets_out += s->cur_pout;
	s->cur_in = s->cur_out = s->cur_pin = s->cur_pout = 0;
	ev_timer_stop(M.loop, &s->expire);
	ev_timer_set(&s->expire, (double)s->conf->cookie_timeout, 0.);
	ev_timer_start(M.loop, &s->expire);
	log_notice("session %u of '%s' inactive (%s): kept %d s for a reconnect", s->id, s->user,
		   disc_str(reason), s->conf->cookie_timeout);
}

void tunnel_closed(struct conn *c)
{
	struct session *s = c->session;
	unsigned reason = c->bye_reason ? c->bye_reason : DISC_ERROR;

	if (c->pending_tun >= 0) {
		close(c->pending_tun);
		c->pending_tun = -1;
	}
	free(c->pending_rep);
	c->pending_rep = NULL;
	script_cancel(c->id);
	if (!s || s->conn != c)
		return;
	/* persistent-cookies (ocserv): a client's own disconnect keeps the session, and its
	 * cookie, for the reconnect window like a dropped connection. */
	if (disc_ends_session(reason) && !(reason == DISC_USER && s->conf->persistent_cookies))
		session_end(s, reason);
	else
		session_park(s, reason);
}

/* --- CONNECT --- */

static void send_tunnel_rep(struct conn *c, struct ipc_tunnel_rep *rep, int tun_fd)
{
	send_to_worker(c, IPC_TUNNEL_REP, c->pending_id, rep, tun_fd >= 0 ? &tun_fd : NULL,
		       tun_fd >= 0 ? 1 : 0);
}

static void tunnel_refuse(struct conn *c, uint32_t status, const char *msg)
{
	struct ipc_tunnel_rep *rep = calloc(1, sizeof(*rep));

	if (!rep) {
		conn_kill(c, SIGKILL);
		return;
	}
	rep->status = status;
	str_copy(rep->message, sizeof(rep->message), msg);
	send_tunnel_rep(c, rep, -1);
	free(rep);
}

/* The tunnel is up from main's side: hand the tun device over. */
static void tunnel_go(struct conn *c)
{
	struct session *s = c->session;
	bool first = !s->connected_once;

	s->connected_once = true;
	if (first)
		acct_session_start(s);
	if (c->pending_rep->dtls_port)
		mdtls_register(c, c->pending_rep->dtls_id);
	send_tunnel_rep(c, c->pending_rep, c->pending_tun);
	close(c->pending_tun);
	c->pending_tun = -1;
	free(c->pending_rep);
	c->pending_rep = NULL;
	c->state = CONN_TUNNEL;
	c->counted_tunnel = true;
	M.n_tunnel++;
	log_notice("%s: tunnel up for '%s' (session %u, %s)", c->peer_str, s->user, s->id,
		   s->device);
}

static void connect_script_done(uint64_t token, int status)
{
	struct conn *c = conn_by_id(token);

	if (!c || c->state != CONN_TUNNEL_PENDING || !c->session)
		return;
	if (status != 0) {
		struct session *s = c->session;

		log_notice("%s: connect-script refused '%s' (exit %d)", c->peer_str, s->user,
			   status);
		close(c->pending_tun);
		c->pending_tun = -1;
		tunnel_refuse(c, IPC_TUNNEL_REFUSED, "Connection refused by the server's policy");
		c->session = NULL;
		s->conn = NULL;
		session_end(s, DISC_TERMINATED);
		c->state = CONN_CLOSING;
		return;
	}
	tunnel_go(c);
}

static int make_tun(struct session *s, const struct ipc_tunnel_rep *rep, int *fd)
{
	struct tun_params tp;

	memset(&tp, 0, sizeof(tp));
	str_copy(tp.prefix, sizeof(tp.prefix), s->conf->device);
	tp.has4 = s->has4;
	tp.local4 = pool_local4(M.pool);
	tp.peer4 = s->addr4;
	tp.has6 = s->has6 && rep->addr6[0];
	tp.local6 = pool_local6(M.pool);
	tp.peer6 = s->addr6;
	tp.prefix6 = pool_prefix6(M.pool);
	tp.mtu = (int)rep->mtu;
	tp.offload = s->conf->tun_offload;
	if (tun_create(&tp, fd, s->device) != 0) {
		log_err_sys("cannot create a tun device for session %u", s->id);
		return ERR_SYS;
	}
	str_copy((char *)rep->device, sizeof(rep->device), s->device);
	return 0;
}

static int max_same_ok(struct session *s)
{
	int max = EFF(s, max_same_clients);

	return max <= 0 || session_count_user_active(M.sessions, s->user) < (unsigned)max;
}

/* Take the session over from the connection that carries it now. */
static void takeover(struct session *s)
{
	struct conn *old = s->conn;
	struct ipc_terminate t = { DISC_TAKEOVER };

	log_info("session %u of '%s': reconnected before the old tunnel ended; closing the old "
		 "one",
		 s->id, s->user);
	old->session = NULL;
	s->conn = NULL;
	s->last_reason = old->bye_reason ? old->bye_reason : DISC_TAKEOVER;
	send_to_worker(old, IPC_TERMINATE, 0, &t, NULL, 0);
	s->bytes_in += s->cur_in;
	s->bytes_out += s->cur_out;
	s->cur_in = s->cur_out = s->cur_pin = s->cur_pout = 0;
}

int on_tunnel_req(struct conn *c, const struct ipc_hdr *hdr, void *msg)
{
	struct ipc_tunnel_req *req = msg;
	struct session *s = session_find_cookie(M.sessions, req->cookie);
	struct ipc_tunnel_rep *rep;
	bool reconnect;
	int tun_fd = -1;

	c->pending_id = hdr->id;
	if (!s) {
		log_info("%s: CONNECT with an unknown or expired cookie", c->peer_str);
		/* openconnect names its previous address only when it reconnects. */
		if (req->addr4[0] || req->addr6[0]) {
			M.reconnects_in++;
			M.reconnects_failed++;
		}
		tunnel_refuse(c, IPC_TUNNEL_BAD_COOKIE, "Cookie is not acceptable");
		return 0;
	}
	reconnect = s->connected_once;
	if (reconnect)
		M.reconnects_in++;
	if (s->state == SESSION_ACTIVE && s->conn && s->conn != c)
		takeover(s);
	if (!reconnect && !max_same_ok(s)) {
		log_notice("%s: '%s' already has the maximum number of sessions", c->peer_str,
			   s->user);
		tunnel_refuse(c, IPC_TUNNEL_REFUSED, "Too many sessions for this user");
		return 0;
	}
	if (!s->connected_once && !s->ucfg)
		load_session_config(s);
	rep = calloc(1, sizeof(*rep));
	if (!rep) {
		tunnel_refuse(c, IPC_TUNNEL_UNAVAILABLE, "Server error");
		return 0;
	}
	if (lease_addresses(s, req, rep) != 0) {
		tunnel_refuse(c, IPC_TUNNEL_UNAVAILABLE, rep->message);
		free(rep);
		if (reconnect)
			M.reconnects_failed++;
		return 0;
	}
	fill_reply(s, req, rep);
	if (make_tun(s, rep, &tun_fd) != 0) {
		tunnel_refuse(c, IPC_TUNNEL_UNAVAILABLE, "Server error");
		free(rep);
		if (reconnect)
			M.reconnects_failed++;
		return 0;
	}
	ev_timer_stop(M.loop, &s->expire);
	if (reconnect) {
		M.reconnects_ok++;
		s->reconnects++;
	}
	session_set_state(M.sessions, s, SESSION_ACTIVE);
	s->conn = c;
	c->session = s;
	str_copy(s->real_addr, sizeof(s->real_addr), c->peer_str);
	str_copy(s->hostname, sizeof(s->hostname), req->hostname);
	str_copy(s->user_agent, sizeof(s->user_agent), req->user_agent);
	s->dtls_up = false;
	s->cipher[0] = '\0';
	str_copy(s->tls_cipher, sizeof(s->tls_cipher), req->tls_cipher);
	list_remove(c);
	ev_timer_stop(M.loop, &c->timer);
	c->pending_tun = tun_fd;
	c->pending_rep = rep;
	c->state = CONN_TUNNEL_PENDING;
	if (!reconnect && s->conf->connect_script[0]) {
		struct script_env e;

		script_env_init(&e);
		script_env_common(&e, s, "connect");
		if (script_run(s->conf->connect_script, &e, connect_script_done, c->id) == 0)
			return 0;
		connect_script_done(c->id, -1);
		return 0;
	}
	tunnel_go(c);
	return 0;
}

int on_worker_stats(struct conn *c, const struct ipc_hdr *hdr, void *msg)
{
	struct ipc_worker_stats *st = msg;
	struct session *s = c->session;

	(void)hdr;
	if (!s || s->conn != c)
		return 0;
	/* The server's totals grow by what this report adds (a worker's counters only grow;
	 * parking moves cur_* into bytes_* without changing the sum). */
	if (st->bytes_in > s->cur_in)
		M.bytes_in += st->bytes_in - s->cur_in;
	if (st->bytes_out > s->cur_out)
		M.bytes_out += st->bytes_out - s->cur_out;
	s->cur_in = st->bytes_in;
	s->cur_out = st->bytes_out;
	s->cur_pin = st->packets_in;
	s->cur_pout = st->packets_out;
	return 0;
}

int on_dtls_state(struct conn *c, const struct ipc_hdr *hdr, void *msg)
{
	struct ipc_dtls_state *st = msg;
	struct session *s = c->session;

	(void)hdr;
	if (!s || s->conn != c)
		return 0;
	s->dtls_up = st->up != 0;
	str_copy(s->cipher, sizeof(s->cipher), st->up ? st->cipher : "");
	return 0;
}
