/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The login dialogue: aggregate-auth XML and the legacy form flow. Process: worker. */
#include "auth.h"

#include <stdio.h>
#include <unistd.h>
#include <string.h>

#include "authxml.h"
#include "buf.h"
#include "err.h"
#include "files.h"
#include "http.h"
#include "log.h"
#include "secmem.h"
#include "strutil.h"

#define XML_HEADERS "X-Transcend-Version: 1\r\n"

/* Index of the offered group the client named (by label or name), or the default. */
static size_t pick_group(const struct worker *w, const char *sent)
{
	const struct ipc_worker_init *in = &w->init;

	if (sent && sent[0]) {
		for (size_t i = 0; i < in->n_groups; i++)
			if (strcmp(sent, in->group_labels[i]) == 0)
				return i;
		for (size_t i = 0; i < in->n_groups; i++)
			if (in->group_names[i][0] && strcmp(sent, in->group_names[i]) == 0)
				return i;
	}
	return in->default_group < in->n_groups ? in->default_group : 0;
}

static int send_xml(struct worker *w, struct buf_wr *body, const char *extra, bool close)
{
	struct http_resp r = { 0 };
	char headers[1024];

	snprintf(headers, sizeof(headers), "%s%s", XML_HEADERS, extra ? extra : "");
	r.status = 200;
	r.reason = "OK";
	r.content_type = "text/xml";
	r.headers = headers;
	r.body = body->p;
	r.body_len = body->len;
	r.close = close;
	return http_send(w, &r);
}

/* Build an auth-request from f and send it. */
static int send_form_doc(struct worker *w, struct authxml_form *f)
{
	struct buf_wr body;
	int r;

	f->config_hash = "1";
	buf_wr_init_alloc(&body, AUTHXML_MAX);
	r = authxml_build_form(f, &body);
	if (r == 0)
		r = send_xml(w, &body, NULL, false);
	buf_wr_free(&body);
	return r;
}

/* The login form, for the group the client selected, with an optional error. */
static int send_form(struct worker *w, bool legacy, const char *group_sent, const char *error)
{
	static struct authxml_group groups[IPC_GROUPS_MAX];
	const struct ipc_worker_init *in = &w->init;
	struct authxml_form f = { 0 };
	size_t sel = pick_group(w, group_sent);

	for (size_t i = 0; i < in->n_groups; i++) {
		groups[i].value = in->group_labels[i];
		groups[i].label = in->group_labels[i];
	}
	f.legacy = legacy;
	f.auth_id = "main";
	f.title = "Login";
	f.message = "Please enter your username and password.";
	f.banner = in->pre_login_banner[0] ? in->pre_login_banner : NULL;
	f.error = error;
	f.action = "/auth";
	f.ask_username = true;
	f.password_name = "password";
	f.password_label = "Password:";
	f.groups = groups;
	f.n_groups = in->n_groups;
	f.selected = sel;
	if (in->n_groups) {
		f.tunnel_group =
			in->group_names[sel][0] ? in->group_names[sel] : in->group_labels[sel];
		f.group_alias = in->group_labels[sel];
	}
	f.aggauth_handle = w->aggauth_handle;
	return send_form_doc(w, &f);
}

static int send_complete(struct worker *w, bool legacy, const struct ipc_auth_rep *rep)
{
	struct authxml_complete c = { 0 };
	char sid[16], headers[1024], cookies[FILES_COOKIES_MAX];
	struct buf_wr body;
	int r;

	snprintf(sid, sizeof(sid), "%u", rep->session_id);
	c.legacy = legacy;
	c.session_id = sid;
	c.session_token = rep->cookie;
	c.banner = w->init.banner[0] ? w->init.banner : NULL;
	c.server_cert_hash = w->tls.cert_hash;
	/* Main says which profile (per group) and packages this session gets, and webvpnc. */
	if ((r = files_announce(w, rep->cookie, &c, cookies, sizeof(cookies))) != 0)
		return r;
	/* openconnect takes the token from Set-Cookie or from <session-token>: send both. */
	snprintf(headers, sizeof(headers), "Set-Cookie: webvpn=%s; Secure; HttpOnly\r\n%s",
		 rep->cookie, cookies);
	buf_wr_init_alloc(&body, AUTHXML_MAX);
	r = authxml_build_complete(&c, &body);
	if (r == 0)
		r = send_xml(w, &body, headers, false);
	secmem_wipe(headers, sizeof(headers));
	if (body.p)
		secmem_wipe(body.p, body.len);
	buf_wr_free(&body);
	return r;
}

/* The open challenge of a multi-round login: main's handle for it ("" = none). One
 * connection, one worker: this is per connection. */
static char g_ctx[IPC_CTX_STR + 1];
static bool g_cert_tried; /* the certificate was offered to main once */

/* The form for the next factor (OTP code, RADIUS Access-Challenge): no user name, one
 * secret input, the server's text as the message (openconnect fills it from a token). */
static int send_challenge(struct worker *w, bool legacy, const char *message)
{
	struct authxml_form f = { 0 };

	f.legacy = legacy;
	f.auth_id = "challenge";
	f.title = "Login";
	f.message = message && message[0] ? message : "Enter the response.";
	f.action = "/auth";
	f.password_name = "secondary_password";
	f.password_label = "Response:";
	f.aggauth_handle = g_ctx;
	return send_form_doc(w, &f);
}

/* What the TLS layer learnt of the client certificate goes with every request. */
static void fill_cert(const struct worker *w, struct ipc_auth_req *ar)
{
	const struct tls_conn *t = &w->tls;

	ar->cert_status = t->cert_status;
	str_copy(ar->cert_user, sizeof(ar->cert_user), t->cert_user);
	ar->n_cert_groups = t->n_cert_groups;
	for (uint32_t i = 0; i < t->n_cert_groups && i < IPC_GROUPS_MAX; i++)
		str_copy(ar->cert_groups[i], sizeof(ar->cert_groups[i]), t->cert_groups[i]);
}

/* Send one login request to main and answer the client from its reply. */
static int auth_call(struct worker *w, struct ipc_auth_req *ar, bool legacy, const char *group,
		     bool *close)
{
	struct ipc_auth_rep rep;
	int r;

	fill_cert(w, ar);
	str_copy(ar->user_agent, sizeof(ar->user_agent), w->http.req.user_agent);
	r = worker_ipc_call(w, IPC_AUTH_REQ, ar, IPC_AUTH_REP, &rep, sizeof(rep));
	if (r != 0)
		return r;
	g_ctx[0] = '\0';
	switch (rep.status) {
	case IPC_AUTH_OK:
		w->authed = true;
		str_copy(w->user, sizeof(w->user), rep.username);
		log_set_prefix("worker[%d] %s@%s", (int)getpid(), w->user, w->init.client_addr);
		r = send_complete(w, legacy, &rep);
		break;
	case IPC_AUTH_REFUSED:
		*close = true;
		r = http_send_error(w, 401, "Unauthorized");
		break;
	case IPC_AUTH_CHALLENGE:
		str_copy(g_ctx, sizeof(g_ctx), rep.ctx);
		r = send_challenge(w, legacy, rep.message);
		break;
	case IPC_AUTH_FORM:
		r = send_form(w, legacy, group, rep.message[0] ? rep.message : NULL);
		break;
	default:
		r = send_form(w, legacy, group, rep.message[0] ? rep.message : "Login failed.");
		break;
	}
	ipc_wipe(IPC_AUTH_REP, &rep);
	return r;
}

static int do_login(struct worker *w, struct authxml_req *req, bool legacy, bool *close)
{
	const char *group = req->has_group_select ? req->group_select : NULL;
	struct ipc_auth_req ar;

	memset(&ar, 0, sizeof(ar));
	ar.kind = IPC_AUTH_KIND_PASSWORD;
	str_copy(ar.group, sizeof(ar.group), group ? group : "");
	if (str_copy(ar.username, sizeof(ar.username), req->username) != 0 ||
	    str_copy(ar.password, sizeof(ar.password), req->password) != 0) {
		secmem_wipe(&ar, sizeof(ar));
		return send_form(w, legacy, group, "Login failed.");
	}
	return auth_call(w, &ar, legacy, group, close);
}

/* The answer to a challenge form: secondary_password (or answer, or a legacy password). */
static int do_answer(struct worker *w, struct authxml_req *req, bool legacy, bool *close)
{
	const char *answer = req->has_secondary ? req->secondary : req->password;
	struct ipc_auth_req ar;

	memset(&ar, 0, sizeof(ar));
	ar.kind = IPC_AUTH_KIND_CHALLENGE;
	str_copy(ar.ctx, sizeof(ar.ctx), g_ctx);
	if (str_copy(ar.password, sizeof(ar.password), answer) != 0) {
		secmem_wipe(&ar, sizeof(ar));
		g_ctx[0] = '\0';
		return send_form(w, legacy, NULL, "Login failed.");
	}
	return auth_call(w, &ar, legacy, NULL, close);
}

/* First contact with a certificate asked for: may it alone log in? (main decides) */
static int do_cert(struct worker *w, const char *group, bool legacy, bool *close)
{
	struct ipc_auth_req ar;

	g_cert_tried = true;
	memset(&ar, 0, sizeof(ar));
	ar.kind = IPC_AUTH_KIND_CERT;
	str_copy(ar.group, sizeof(ar.group), group ? group : "");
	return auth_call(w, &ar, legacy, group, close);
}

static int do_logout(struct worker *w, const struct authxml_req *req)
{
	struct ipc_logout_req lr;
	struct ipc_logout_rep rep;
	struct http_resp resp = { 0 };
	int r;

	memset(&lr, 0, sizeof(lr));
	str_copy(lr.cookie, sizeof(lr.cookie),
		 req->session_token[0] ? req->session_token : w->http.req.webvpn);
	r = worker_ipc_call(w, IPC_LOGOUT_REQ, &lr, IPC_LOGOUT_REP, &rep, sizeof(rep));
	if (r != 0)
		return r;
	resp.status = 200;
	resp.reason = "OK";
	resp.content_type = "text/xml";
	resp.body = "";
	return http_send(w, &resp);
}

int auth_handle_post(struct worker *w, bool *close)
{
	static struct authxml_req req;
	const struct http_req *h = &w->http.req;
	bool legacy = !authxml_looks_like_xml(h->body, h->body_len);
	int r;

	r = legacy ? authxml_parse_form(h->body, h->body_len, &req)
		   : authxml_parse(h->body, h->body_len, &req);
	if (r != 0) {
		log_info("unparsable login request (%s)", err_str(r));
		/* A 200 with an error keeps openconnect in XML mode; the form lets it retry. */
		r = send_form(w, legacy, NULL, "Invalid request.");
		goto out;
	}
	if (++w->auth_rounds > WORKER_MAX_REQUESTS) {
		*close = true;
		r = http_send_error(w, 401, "Unauthorized");
		goto out;
	}
	switch (req.type) {
	case AUTHXML_INIT:
		g_ctx[0] = '\0';
		if (w->init.cert_mode != IPC_CERT_OFF && !g_cert_tried)
			r = do_cert(w, req.has_group_select ? req.group_select : NULL, false,
				    close);
		else
			r = send_form(w, false, req.has_group_select ? req.group_select : NULL,
				      NULL);
		break;
	case AUTHXML_LOGOUT:
		r = do_logout(w, &req);
		break;
	case AUTHXML_AUTH_REPLY:
		if (g_ctx[0] && (req.has_secondary || (req.has_password && !req.has_username)))
			r = do_answer(w, &req, legacy, close);
		else if (!req.has_username && !req.has_password)
			r = send_form(w, legacy, req.has_group_select ? req.group_select : NULL,
				      NULL);
		else
			r = do_login(w, &req, legacy, close);
		break;
	default:
		r = send_form(w, legacy, NULL, "Invalid request.");
		break;
	}
out:
	authxml_req_wipe(&req);
	return r;
}

int auth_handle_get(struct worker *w, bool *close)
{
	if (w->init.cert_mode != IPC_CERT_OFF && !g_cert_tried)
		return do_cert(w, NULL, true, close);
	return send_form(w, true, NULL, NULL);
}
