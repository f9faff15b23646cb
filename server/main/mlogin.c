/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Logins: which factors a login needs (auth / enable-auth), group resolution, the hand-off
 * of each factor to the auth helpers, the login state between rounds (challenges), session
 * creation, logout. Process: main. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "acct.h"
#include "authhelper.h"
#include "confload.h"
#include "disc.h"
#include "err.h"
#include "log.h"
#include "mconf.h"
#include "mainint.h"
#include "passwd.h"
#include "secmem.h"
#include "strutil.h"

#define LOGIN_BUCKETS	 4096 /* power of two */
#define LOGIN_MAX	 16384
#define LOGIN_ROUNDS_MAX 5 /* challenge answers in one login */
#define CERT_OID_CN	 "2.5.4.3"

/* --- what a login needs --- */

/* `auth` lines are all required; `enable-auth` lines are alternatives (as in ocserv). One
 * password method of each kind is used: the first plain or radius line. */
struct policy {
	const struct conf_auth *pw;	/* auth: the password method, or NULL */
	bool cert;			/* auth: a client certificate */
	const struct conf_auth *alt_pw; /* enable-auth: a password method alone */
	bool alt_cert;			/* enable-auth: a certificate alone */
};

static void policy_of(const struct conf *cf, struct policy *p)
{
	memset(p, 0, sizeof(*p));
	for (size_t i = 0; i < cf->n_auth; i++) {
		const struct conf_auth *a = &cf->auth[i];

		if (a->kind == CONF_AUTH_CERTIFICATE)
			p->cert = true;
		else if (!p->pw && a->kind != CONF_AUTH_NONE)
			p->pw = a;
	}
	for (size_t i = 0; i < cf->n_enable_auth; i++) {
		const struct conf_auth *a = &cf->enable_auth[i];

		if (a->kind == CONF_AUTH_CERTIFICATE)
			p->alt_cert = true;
		else if (!p->alt_pw && a->kind != CONF_AUTH_NONE)
			p->alt_pw = a;
	}
	if (!cf->n_auth && p->alt_pw) {
		p->pw = p->alt_pw;
		p->alt_pw = NULL;
	}
}

/* May a verified certificate alone log in? */
static bool cert_alone(const struct policy *p)
{
	return (p->cert && !p->pw) || p->alt_cert;
}

/* May a client without a valid certificate log in with a password? */
static bool password_without_cert(const struct policy *p)
{
	return (p->pw && !p->cert) || p->alt_pw;
}

void login_fill_worker_init(struct ipc_worker_init *in)
{
	const struct conf *cf = M.conf;
	struct policy p;

	policy_of(cf, &p);
	in->cert_mode = IPC_CERT_OFF;
	if (!(p.cert || p.alt_cert) || !cf->ca_cert[0])
		return;
	/* cisco-client-compat = false (always-require-cert) makes a certificate mandatory in
	 * the handshake, unless a password alone may log in. */
	in->cert_mode = !cf->cisco_client_compat && !password_without_cert(&p) ? IPC_CERT_REQUIRED
									       : IPC_CERT_OPTIONAL;
	str_copy(in->crl_file, sizeof(in->crl_file), cf->crl);
	str_copy(in->cert_user_oid, sizeof(in->cert_user_oid),
		 cf->cert_user_oid[0] ? cf->cert_user_oid : CERT_OID_CN);
	str_copy(in->cert_group_oid, sizeof(in->cert_group_oid), cf->cert_group_oid);
}

/* --- login state kept between rounds --- */

enum login_step {
	STEP_NONE = 0,
	STEP_PASSWORD = 1, /* the password file */
	STEP_OTP = 2,	   /* the users.oath file */
	STEP_RADIUS = 3,   /* an Access-Request (first or challenge answer) */
};

struct login {
	uint64_t conn_id;		/* the worker it belongs to */
	char handle[IPC_CTX_STR + 1];	/* unguessable name given to the worker */
	struct conf *conf;		/* the generation it started with (held) */
	const struct conf_auth *method; /* borrowed from conf: the password method */
	enum login_step step;		/* with the helper now, or what an answer is for */
	bool challenged;		/* a challenge form is out */
	unsigned rounds;
	char user[IPC_NAME_MAX + 1];
	char group[IPC_NAME_MAX + 1]; /* resolved selection; "" = the user's default */
	bool default_group;
	char acct_session_id[IPC_NAME_MAX + 1];
	char calling[IPC_ADDR_MAX + 1];
	char state[IPC_RAD_HEX_MAX + 1]; /* RADIUS State of the open challenge */
	uint32_t n_groups;		 /* membership: password file or RADIUS, certificate */
	char groups[IPC_GROUPS_MAX][IPC_NAME_MAX + 1];
	ev_timer timer; /* auth-timeout */
	struct login *next;
};

static struct login *g_logins[LOGIN_BUCKETS];
static size_t g_n_logins;

static size_t login_bucket(uint64_t conn_id)
{
	return (size_t)(conn_id * 11400714819323198485ull >> 40) & (LOGIN_BUCKETS - 1);
}

static struct login *login_find(uint64_t conn_id)
{
	for (struct login *l = g_logins[login_bucket(conn_id)]; l; l = l->next)
		if (l->conn_id == conn_id)
			return l;
	return NULL;
}

static void login_free(struct login *l)
{
	struct login **pp = &g_logins[login_bucket(l->conn_id)];

	while (*pp && *pp != l)
		pp = &(*pp)->next;
	if (*pp)
		*pp = l->next;
	g_n_logins--;
	ev_timer_stop(M.loop, &l->timer);
	if (l->conf)
		mconf_release(l->conf);
	secmem_wipe(l, sizeof(*l));
	free(l);
}

static void login_timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct login *l = w->data;
	struct conn *c = conn_by_id(l->conn_id);

	(void)loop;
	(void)revents;
	/* A factor still with a helper: its answer finds no login and says so. */
	if (c && c->state == CONN_PREAUTH && l->challenged)
		log_info("%s: login of '%s' timed out waiting for an answer", c->peer_str, l->user);
	login_free(l);
}

static void add_member(struct login *l, const char *g)
{
	for (uint32_t i = 0; i < l->n_groups; i++)
		if (strcmp(l->groups[i], g) == 0)
			return;
	if (l->n_groups < IPC_GROUPS_MAX && str_is_name(g, IPC_NAME_MAX))
		str_copy(l->groups[l->n_groups++], sizeof(l->groups[0]), g);
}

/* A new login of connection c (replacing any earlier one). NULL when the table is full. */
static struct login *login_new(struct conn *c, const char *user)
{
	struct login *l = login_find(c->id);
	uint8_t h[IPC_CTX_STR / 2];

	if (l)
		login_free(l);
	if (g_n_logins >= LOGIN_MAX || !(l = calloc(1, sizeof(*l))))
		return NULL;
	if (secmem_random(h, sizeof(h)) != 0) {
		free(l);
		return NULL;
	}
	hex_encode(l->handle, h, sizeof(h), true);
	l->conn_id = c->id;
	l->conf = mconf_hold_current();
	str_copy(l->user, sizeof(l->user), user);
	acct_new_session_id(l->acct_session_id);
	acct_client_ip(c->peer_str, l->calling, sizeof(l->calling));
	ev_timer_init(&l->timer, login_timeout_cb, (double)l->conf->auth_timeout, 0.);
	l->timer.data = l;
	ev_timer_start(M.loop, &l->timer);
	l->next = g_logins[login_bucket(c->id)];
	g_logins[login_bucket(c->id)] = l;
	g_n_logins++;
	return l;
}

/* --- replies --- */

/* Map what the client sent as group-select (a label or a name) to an offered group. */
static const struct offered_group *resolve_group(const char *sent)
{
	for (size_t i = 0; i < M.n_groups; i++)
		if (strcmp(sent, M.groups[i].label) == 0)
			return &M.groups[i];
	for (size_t i = 0; i < M.n_groups; i++)
		if (M.groups[i].name[0] && strcmp(sent, M.groups[i].name) == 0)
			return &M.groups[i];
	for (size_t i = 0; i < M.n_groups; i++)
		if (strcasecmp(sent, M.groups[i].label) == 0 ||
		    (M.groups[i].name[0] && strcasecmp(sent, M.groups[i].name) == 0))
			return &M.groups[i];
	return NULL;
}

static void auth_reply(struct conn *c, uint32_t status, const char *msg, const char *ctx,
		       struct session *s)
{
	struct ipc_auth_rep rep;

	memset(&rep, 0, sizeof(rep));
	rep.status = status;
	str_copy(rep.message, sizeof(rep.message), msg ? msg : "");
	str_copy(rep.ctx, sizeof(rep.ctx), ctx ? ctx : "");
	if (s) {
		rep.session_id = s->id;
		str_copy(rep.username, sizeof(rep.username), s->user);
		str_copy(rep.group, sizeof(rep.group), s->group);
		session_cookie_hex(s, rep.cookie);
	}
	send_to_worker(c, IPC_AUTH_REP, c->auth_req_id, &rep, NULL, 0);
}

/* A failed login: counted, maybe banned, the form again (or 401 after too many). `msg`
 * is what the user sees (a RADIUS Reply-Message), NULL for the usual text. */
static void login_failed(struct conn *c, const char *user, const char *why, bool wrong_password,
			 const char *msg)
{
	struct login *l = login_find(c->id);
	char who[4 * IPC_NAME_MAX + 8];

	log_escape(who, sizeof(who), user, strlen(user)); /* from the client; may live in l */
	if (l)
		login_free(l);
	M.logins_failed++;
	c->failed_logins++;
	log_notice("%s: login failed for user '%s': %s", c->peer_str, who, why);
	if (wrong_password && ban_add_points(M.bans, (struct sockaddr *)&c->peer,
					     M.conf->ban_points_wrong_password, mono_s()))
		log_notice("%s: address banned for %d s after failed logins", c->peer_str,
			   M.conf->ban_time);
	if (c->failed_logins >= MAX_FAILED_LOGINS) {
		auth_reply(c, IPC_AUTH_REFUSED, "Too many failed logins.", NULL, NULL);
		return;
	}
	auth_reply(c, IPC_AUTH_FAILED, msg && msg[0] ? msg : "Login failed.", NULL, NULL);
}

static void challenge(struct conn *c, struct login *l, const char *msg)
{
	l->challenged = true;
	log_info("%s: login of '%s': asking for the next factor", c->peer_str, l->user);
	auth_reply(c, IPC_AUTH_CHALLENGE, msg, l->handle, NULL);
}

static bool member_of(const struct login *l, const char *group)
{
	for (uint32_t i = 0; i < l->n_groups; i++)
		if (strcmp(l->groups[i], group) == 0)
			return true;
	return false;
}

/* Every factor passed: the session. rep is the RADIUS Access-Accept (settings), or NULL. */
static void finish(struct conn *c, struct login *l, const struct ipc_helper_auth_rep *rep)
{
	const char *group = l->default_group ? (l->n_groups ? l->groups[0] : "") : l->group;
	bool radius = l->method && l->method->kind == CONF_AUTH_RADIUS;
	struct session *s;

	if (!l->default_group && group[0] && !member_of(l, group)) {
		login_failed(c, l->user, "not a member of the selected group", false, NULL);
		return;
	}
	if (M.conf->max_clients && session_count(M.sessions) >= (size_t)M.conf->max_clients * 2) {
		log_warn("%s: session table full", c->peer_str);
		auth_reply(c, IPC_AUTH_UNAVAILABLE, "Server is full.", NULL, NULL);
		login_free(l);
		return;
	}
	s = session_create(M.sessions, l->user, group);
	if (!s) {
		auth_reply(c, IPC_AUTH_UNAVAILABLE, "Server error.", NULL, NULL);
		login_free(l);
		return;
	}
	s->conf = l->conf; /* the login's hold passes to the session */
	l->conf = NULL;
	if ((radius || s->conf->acct.kind == CONF_AUTH_RADIUS) &&
	    !(s->rad = acct_settings_new(l->acct_session_id, radius ? rep : NULL)))
		log_warn("session %u of '%s': out of memory: no RADIUS settings or accounting",
			 s->id, s->user);
	s->created = (uint64_t)time(NULL);
	s->created_mono = mono_s();
	ev_timer_init(&s->expire, session_expire_cb, (double)s->conf->cookie_timeout, 0.);
	s->expire.data = s;
	ev_timer_start(M.loop, &s->expire);
	M.logins_ok++;
	c->state = CONN_AUTHED;
	list_remove(c);
	log_notice("%s: user '%s' authenticated (group '%s', session %u%s%s)", c->peer_str, s->user,
		   s->group, s->id, s->rad ? ", Acct-Session-Id " : "",
		   s->rad ? s->rad->acct_session_id : "");
	login_free(l);
	auth_reply(c, IPC_AUTH_OK, NULL, NULL, s);
}

/* --- factors to the helpers --- */

static void submit(struct conn *c, struct login *l, enum login_step step, const char *secret)
{
	const struct conf_auth *m = l->method;
	struct ipc_helper_auth_req h;

	memset(&h, 0, sizeof(h));
	l->step = step;
	switch (step) {
	case STEP_PASSWORD:
		h.method = IPC_HM_PASSWD;
		str_copy(h.passwd_file, sizeof(h.passwd_file), m->passwd);
		break;
	case STEP_OTP:
		h.method = IPC_HM_OTP;
		str_copy(h.config, sizeof(h.config), m->otp);
		break;
	default:
		h.method = IPC_HM_RADIUS;
		str_copy(h.config, sizeof(h.config), m->radius_config);
		str_copy(h.nas_identifier, sizeof(h.nas_identifier), m->nas_identifier);
		str_copy(h.state, sizeof(h.state), l->state);
		h.groupconfig = m->groupconfig;
		break;
	}
	str_copy(h.username, sizeof(h.username), l->user);
	str_copy(h.password, sizeof(h.password), secret);
	str_copy(h.acct_session_id, sizeof(h.acct_session_id), l->acct_session_id);
	str_copy(h.calling_station, sizeof(h.calling_station), l->calling);
	c->state = CONN_AUTH_PENDING;
	authhelper_submit(c->id, &h); /* wipes h */
}

static void merge_groups(struct login *l, const struct ipc_helper_auth_rep *rep)
{
	for (uint32_t i = 0; i < rep->n_groups; i++)
		add_member(l, rep->groups[i]);
}

static void radius_done(struct conn *c, struct login *l, const struct ipc_helper_auth_rep *rep)
{
	switch (rep->status) {
	case IPC_AUTH_OK:
		merge_groups(l, rep);
		finish(c, l, rep);
		return;
	case IPC_AUTH_CHALLENGE:
		if (l->rounds >= LOGIN_ROUNDS_MAX) {
			login_failed(c, l->user, "too many challenge rounds", true, NULL);
			return;
		}
		str_copy(l->state, sizeof(l->state), rep->state);
		challenge(c, l, rep->message[0] ? rep->message : "Enter the response.");
		return;
	default:
		login_failed(c, l->user, "rejected by the RADIUS server", true, rep->message);
		return;
	}
}

void auth_done(uint64_t token, const struct ipc_helper_auth_rep *rep)
{
	struct conn *c = conn_by_id(token);
	struct login *l = login_find(token);

	if (!c || c->state != CONN_AUTH_PENDING) {
		if (l && !c)
			login_free(l); /* the connection went away meanwhile */
		return;
	}
	c->state = CONN_PREAUTH;
	if (!l) {
		auth_reply(c, IPC_AUTH_UNAVAILABLE, "Login timed out.", NULL, NULL);
		return;
	}
	if (rep->status == IPC_AUTH_UNAVAILABLE) {
		log_warn("%s: authentication of '%s' unavailable: %s", c->peer_str, l->user,
			 rep->message);
		login_free(l);
		auth_reply(c, IPC_AUTH_UNAVAILABLE, rep->message, NULL, NULL);
		return;
	}
	switch (l->step) {
	case STEP_PASSWORD:
		if (rep->status != IPC_AUTH_OK) {
			login_failed(c, l->user, "wrong password, unknown or locked user", true,
				     NULL);
			return;
		}
		merge_groups(l, rep);
		if (l->method->otp[0]) {
			l->step = STEP_OTP;
			challenge(c, l, "Enter your one-time password.");
			return;
		}
		finish(c, l, NULL);
		return;
	case STEP_OTP:
		if (rep->status != IPC_AUTH_OK) {
			login_failed(c, l->user, "wrong or reused one-time password", true,
				     rep->message);
			return;
		}
		finish(c, l, NULL);
		return;
	case STEP_RADIUS:
		radius_done(c, l, rep);
		return;
	default:
		login_free(l);
		auth_reply(c, IPC_AUTH_UNAVAILABLE, "Server error.", NULL, NULL);
	}
}

/* --- requests from the worker --- */

/* The verified certificate identity of a request into user (and its groups into l when
 * given); false when there is none. The worker checked the chain; main checks the form. */
static bool cert_user_of(const struct ipc_auth_req *req, char *user, size_t size)
{
	user[0] = '\0';
	if (req->cert_status != IPC_CERTST_VALID || !str_is_name(req->cert_user, IPC_NAME_MAX))
		return false;
	str_copy(user, size, req->cert_user);
	return true;
}

static void add_cert_groups(struct login *l, const struct ipc_auth_req *req)
{
	for (uint32_t i = 0; i < req->n_cert_groups; i++)
		add_member(l, req->cert_groups[i]);
}

/* group-select -> l->group / l->default_group; false (login failed) for an unknown one. */
static bool select_group(struct conn *c, struct login *l, const char *sent)
{
	const struct offered_group *g;

	l->group[0] = '\0';
	l->default_group = true;
	if (!M.n_groups || !sent[0])
		return true;
	g = resolve_group(sent);
	if (!g) {
		login_failed(c, l->user, "unknown group", false, NULL);
		return false;
	}
	str_copy(l->group, sizeof(l->group), g->name);
	l->default_group = g->name[0] == '\0';
	return true;
}

static int on_cert(struct conn *c, const struct ipc_auth_req *req)
{
	char user[IPC_NAME_MAX + 1];
	struct login *l;
	struct policy p;

	policy_of(M.conf, &p);
	if (!cert_user_of(req, user, sizeof(user))) {
		if (req->cert_status == IPC_CERTST_INVALID)
			log_info("%s: client certificate not accepted", c->peer_str);
		if (!(p.cert || p.alt_cert) || password_without_cert(&p)) {
			auth_reply(c, IPC_AUTH_FORM, NULL, NULL, NULL);
			return 0;
		}
		M.logins_failed++;
		log_notice("%s: login refused: no valid client certificate", c->peer_str);
		auth_reply(c, IPC_AUTH_REFUSED, "A valid client certificate is required.", NULL,
			   NULL);
		return 0;
	}
	if (!cert_alone(&p)) {
		auth_reply(c, IPC_AUTH_FORM, NULL, NULL, NULL);
		return 0;
	}
	if (!(l = login_new(c, user))) {
		auth_reply(c, IPC_AUTH_UNAVAILABLE, "Server busy, try again later.", NULL, NULL);
		return 0;
	}
	if (!select_group(c, l, req->group))
		return 0;
	add_cert_groups(l, req);
	log_info("%s: certificate login of '%s'", c->peer_str, user);
	finish(c, l, NULL);
	return 0;
}

static int on_password(struct conn *c, const struct ipc_auth_req *req)
{
	char cuser[IPC_NAME_MAX + 1];
	bool has_cert = cert_user_of(req, cuser, sizeof(cuser));
	const struct conf_auth *method;
	struct login *l;
	struct policy p;

	if (!str_is_name(req->username, IPC_NAME_MAX)) {
		login_failed(c, req->username, "invalid user name", true, NULL);
		return 0;
	}
	if (!req->password[0]) {
		login_failed(c, req->username, "empty password", true, NULL);
		return 0;
	}
	policy_of(M.conf, &p);
	if (p.pw && (!p.cert || has_cert))
		method = p.pw;
	else
		method = p.alt_pw;
	if (!method) {
		login_failed(c, req->username, "no valid client certificate", false,
			     "A valid client certificate is required.");
		return 0;
	}
	if (method == p.pw && p.cert && strcmp(cuser, req->username) != 0) {
		login_failed(c, req->username, "the client certificate belongs to another user",
			     true, "The certificate does not match the user name.");
		return 0;
	}
	if (!(l = login_new(c, req->username))) {
		auth_reply(c, IPC_AUTH_UNAVAILABLE, "Server busy, try again later.", NULL, NULL);
		return 0;
	}
	l->method = method;
	if (!select_group(c, l, req->group))
		return 0;
	if (has_cert)
		add_cert_groups(l, req);
	submit(c, l, method->kind == CONF_AUTH_RADIUS ? STEP_RADIUS : STEP_PASSWORD, req->password);
	return 0;
}

static int on_answer(struct conn *c, const struct ipc_auth_req *req)
{
	struct login *l = login_find(c->id);
	size_t n = strlen(req->ctx);

	if (!l || !l->challenged || n != strlen(l->handle) ||
	    !secmem_equal(req->ctx, l->handle, n)) {
		login_failed(c, l ? l->user : "?", "answer to an unknown or expired challenge",
			     false, "Your login expired: please log in again.");
		return 0;
	}
	if (!req->password[0]) {
		login_failed(c, l->user, "empty answer to the challenge", true, NULL);
		return 0;
	}
	l->challenged = false;
	l->rounds++;
	submit(c, l, l->step == STEP_OTP ? STEP_OTP : STEP_RADIUS, req->password);
	return 0;
}

int on_auth_req(struct conn *c, const struct ipc_hdr *hdr, void *msg)
{
	const struct ipc_auth_req *req = msg;

	c->auth_req_id = hdr->id;
	if (req->cert_status > IPC_CERTST_INVALID || req->n_cert_groups > IPC_GROUPS_MAX)
		return ERR_RANGE;
	switch (req->kind) {
	case IPC_AUTH_KIND_CERT:
		return on_cert(c, req);
	case IPC_AUTH_KIND_PASSWORD:
		return on_password(c, req);
	case IPC_AUTH_KIND_CHALLENGE:
		return on_answer(c, req);
	}
	return ERR_RANGE;
}

int on_logout_req(struct conn *c, const struct ipc_hdr *hdr, void *msg)
{
	struct ipc_logout_req *req = msg;
	struct ipc_logout_rep rep = { 0 };
	struct session *s = session_find_cookie(M.sessions, req->cookie);

	if (s && s->state != SESSION_ACTIVE) {
		log_notice("%s: user '%s' logged out (session %u)", c->peer_str, s->user, s->id);
		if (c->session == s)
			c->session = NULL;
		/* Leases back, the configuration released, accounting closed. */
		session_end(s, DISC_USER);
		rep.ok = 1;
	}
	send_to_worker(c, IPC_LOGOUT_REP, hdr->id, &rep, NULL, 0);
	return 0;
}

/* --- groups offered in the form --- */

static void add_group(const char *name, const char *label)
{
	for (size_t i = 0; i < M.n_groups; i++)
		if (strcmp(M.groups[i].label, label) == 0)
			return;
	if (M.n_groups >= IPC_GROUPS_MAX) {
		log_warn("more than %d groups to offer: '%s' left out", IPC_GROUPS_MAX, label);
		return;
	}
	str_copy(M.groups[M.n_groups].name, sizeof(M.groups[0].name), name);
	str_copy(M.groups[M.n_groups].label, sizeof(M.groups[0].label), label);
	M.n_groups++;
}

/* auto-select-group: offer every group named in the password file. */
static void add_groups_from_passwd(const char *file)
{
	char *data = NULL, *save = NULL, *line;
	size_t len;

	if (confload_read_file(file, 16u << 20, &data, &len) != 0) {
		log_warn_sys("auto-select-group: cannot read %s", file);
		return;
	}
	for (line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct passwd_entry e;

		if (passwd_parse_line(line, strlen(line), &e) != 0)
			continue;
		for (size_t i = 0; i < e.n_groups; i++)
			add_group(e.groups[i], e.groups[i]);
		secmem_wipe(&e, sizeof(e));
	}
	secmem_wipe(data, len);
	free(data);
}

void build_group_list(void)
{
	const struct conf *cf = M.conf;
	struct policy p;

	M.n_groups = 0;
	M.default_group = 0;
	if (!cf->n_select_group && !cf->auto_select_group)
		return;
	if (cf->default_select_group[0])
		add_group("", cf->default_select_group);
	for (size_t i = 0; i < cf->n_select_group; i++)
		add_group(cf->select_group[i].name, cf->select_group[i].label);
	policy_of(cf, &p);
	if (cf->auto_select_group && p.pw && p.pw->kind == CONF_AUTH_PLAIN)
		add_groups_from_passwd(p.pw->passwd);
}
