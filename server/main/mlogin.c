/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Logins: group resolution, the hand-off to the auth helpers, session creation, logout.
 * Process: main. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "authhelper.h"
#include "confload.h"
#include "err.h"
#include "log.h"
#include "mainint.h"
#include "passwd.h"
#include "secmem.h"
#include "strutil.h"

/* --- login --- */

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

static void auth_reply(struct conn *c, uint32_t status, const char *msg, struct session *s)
{
	struct ipc_auth_rep rep;

	memset(&rep, 0, sizeof(rep));
	rep.status = status;
	str_copy(rep.message, sizeof(rep.message), msg ? msg : "");
	if (s) {
		rep.session_id = s->id;
		str_copy(rep.username, sizeof(rep.username), s->user);
		str_copy(rep.group, sizeof(rep.group), s->group);
		session_cookie_hex(s, rep.cookie);
	}
	send_to_worker(c, IPC_AUTH_REP, c->auth_req_id, &rep, NULL, 0);
}

static void login_failed(struct conn *c, const char *why, bool wrong_password)
{
	M.logins_failed++;
	c->failed_logins++;
	log_notice("%s: login failed for user '%s': %s", c->peer_str, c->pend_user, why);
	if (wrong_password && ban_add_points(M.bans, (struct sockaddr *)&c->peer,
					     M.conf->ban_points_wrong_password, mono_s()))
		log_notice("%s: address banned for %d s after failed logins", c->peer_str,
			   M.conf->ban_time);
	if (c->failed_logins >= MAX_FAILED_LOGINS) {
		auth_reply(c, IPC_AUTH_REFUSED, "Too many failed logins.", NULL);
		return;
	}
	auth_reply(c, IPC_AUTH_FAILED, "Login failed.", NULL);
}

static bool user_in_group(const struct ipc_helper_auth_rep *rep, const char *group)
{
	for (size_t i = 0; i < rep->n_groups; i++)
		if (strcmp(rep->groups[i], group) == 0)
			return true;
	return false;
}

void auth_done(uint64_t token, const struct ipc_helper_auth_rep *rep)
{
	struct conn *c = conn_by_id(token);
	const char *group;
	struct session *s;

	if (!c || c->state != CONN_AUTH_PENDING)
		return; /* the connection went away meanwhile */
	c->state = CONN_PREAUTH;
	if (rep->status == IPC_AUTH_UNAVAILABLE) {
		log_warn("%s: authentication of '%s' unavailable: %s", c->peer_str, c->pend_user,
			 rep->message);
		auth_reply(c, IPC_AUTH_UNAVAILABLE, rep->message, NULL);
		return;
	}
	if (rep->status != IPC_AUTH_OK) {
		login_failed(c, "wrong password, unknown or locked user", true);
		return;
	}
	group = c->pend_group;
	if (c->pend_default_group)
		group = rep->n_groups ? rep->groups[0] : "";
	else if (group[0] && !user_in_group(rep, group)) {
		login_failed(c, "not a member of the selected group", false);
		return;
	}
	if (M.conf->max_clients && session_count(M.sessions) >= (size_t)M.conf->max_clients * 2) {
		log_warn("%s: session table full", c->peer_str);
		auth_reply(c, IPC_AUTH_UNAVAILABLE, "Server is full.", NULL);
		return;
	}
	s = session_create(M.sessions, c->pend_user, group);
	if (!s) {
		auth_reply(c, IPC_AUTH_UNAVAILABLE, "Server error.", NULL);
		return;
	}
	s->created = (uint64_t)time(NULL);
	s->created_mono = mono_s();
	ev_timer_init(&s->expire, session_expire_cb, (double)M.conf->cookie_timeout, 0.);
	s->expire.data = s;
	ev_timer_start(M.loop, &s->expire);
	M.logins_ok++;
	c->state = CONN_AUTHED;
	c->session = s;
	list_remove(c);
	log_notice("%s: user '%s' authenticated (group '%s', session %u)", c->peer_str, s->user,
		   s->group, s->id);
	auth_reply(c, IPC_AUTH_OK, NULL, s);
}

int on_auth_req(struct conn *c, const struct ipc_hdr *hdr, void *msg)
{
	struct ipc_auth_req *req = msg;
	struct ipc_helper_auth_req hreq;
	const struct conf_auth *a = &M.conf->auth[0];

	c->auth_req_id = hdr->id;
	str_copy(c->pend_user, sizeof(c->pend_user), req->username);
	c->pend_group[0] = '\0';
	c->pend_default_group = true;
	if (!str_is_name(req->username, IPC_NAME_MAX)) {
		login_failed(c, "invalid user name", true);
		return 0;
	}
	if (!req->password[0]) {
		login_failed(c, "empty password", true);
		return 0;
	}
	if (M.n_groups && req->group[0]) {
		const struct offered_group *g = resolve_group(req->group);

		if (!g) {
			login_failed(c, "unknown group", false);
			return 0;
		}
		str_copy(c->pend_group, sizeof(c->pend_group), g->name);
		c->pend_default_group = g->name[0] == '\0';
	}
	if (M.conf->n_auth == 0 || a->kind != CONF_AUTH_PLAIN) {
		auth_reply(c, IPC_AUTH_UNAVAILABLE, "Authentication method not available.", NULL);
		return 0;
	}
	memset(&hreq, 0, sizeof(hreq));
	str_copy(hreq.passwd_file, sizeof(hreq.passwd_file), a->passwd);
	str_copy(hreq.username, sizeof(hreq.username), req->username);
	str_copy(hreq.password, sizeof(hreq.password), req->password);
	c->state = CONN_AUTH_PENDING;
	authhelper_submit(c->id, &hreq);
	return 0;
}

int on_logout_req(struct conn *c, const struct ipc_hdr *hdr, void *msg)
{
	struct ipc_logout_req *req = msg;
	struct ipc_logout_rep rep = { 0 };
	struct session *s = session_find_cookie(M.sessions, req->cookie);

	if (s && s->state != SESSION_ACTIVE) {
		log_notice("%s: user '%s' logged out (session %u)", c->peer_str, s->user, s->id);
		ev_timer_stop(M.loop, &s->expire);
		if (c->session == s)
			c->session = NULL;
		session_destroy(M.sessions, s);
		rep.ok = 1;
	}
	send_to_worker(c, IPC_LOGOUT_REP, hdr->id, &rep, NULL, 0);
	return 0;
}

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

	M.n_groups = 0;
	M.default_group = 0;
	if (!cf->n_select_group && !cf->auto_select_group)
		return;
	if (cf->default_select_group[0])
		add_group("", cf->default_select_group);
	for (size_t i = 0; i < cf->n_select_group; i++)
		add_group(cf->select_group[i].name, cf->select_group[i].label);
	if (cf->auto_select_group && cf->n_auth && cf->auth[0].kind == CONF_AUTH_PLAIN)
		add_groups_from_passwd(cf->auth[0].passwd);
}
