/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The main process: listeners, connections and their workers, sessions, signals.
 * Process: main. */
#include "mainproc.h"
#include "mainint.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>

#include "authhelper.h"
#include "disc.h"
#include "mconf.h"
#include "mdtls.h"
#include "mfiles.h"
#include "script.h"
#include "ban.h"
#include "confload.h"
#include "ctl.h"
#include "err.h"
#include "ipc.h"
#include "launch.h"
#include "log.h"
#include "passwd.h"
#include "secmem.h"
#include "session.h"
#include "strutil.h"
#include "zygote.h"

struct mainstate M;

uint64_t mono_s(void)
{
	return now_ms() / 1000;
}

/* --- connection indexes --- */

static size_t pid_bucket(pid_t pid)
{
	return ((size_t)pid * 2654435761u) & (CONN_BUCKETS - 1);
}

static size_t id_bucket(uint64_t id)
{
	return (size_t)(id * 11400714819323198485ull >> 40) & (CONN_BUCKETS - 1);
}

static struct conn *conn_by_pid(pid_t pid)
{
	for (struct conn *c = M.by_pid[pid_bucket(pid)]; c; c = c->next_by_pid)
		if (c->pid == pid)
			return c;
	return NULL;
}

struct conn *conn_by_id(uint64_t id)
{
	for (struct conn *c = M.by_id[id_bucket(id)]; c; c = c->next_by_id)
		if (c->id == id)
			return c;
	return NULL;
}

static void unlink_pid(struct conn *c)
{
	struct conn **pp = &M.by_pid[pid_bucket(c->pid)];

	while (*pp && *pp != c)
		pp = &(*pp)->next_by_pid;
	if (*pp)
		*pp = c->next_by_pid;
}

static void unlink_id(struct conn *c)
{
	struct conn **pp = &M.by_id[id_bucket(c->id)];

	while (*pp && *pp != c)
		pp = &(*pp)->next_by_id;
	if (*pp)
		*pp = c->next_by_id;
}

/* --- pre-auth FIFO lists (waiting for a first byte / worker not yet authenticated) --- */

void list_remove(struct conn *c)
{
	bool waiting = c->list == &M.waiting_head;
	struct conn **head = waiting ? &M.waiting_head : &M.preauth_head;
	struct conn **tail = waiting ? &M.waiting_tail : &M.preauth_tail;

	if (!c->list)
		return;
	if (c->prev)
		c->prev->next = c->next;
	else
		*head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		*tail = c->prev;
	c->prev = c->next = NULL;
	c->list = NULL;
	if (waiting)
		M.n_waiting--;
	else
		M.n_preauth--;
}

static void list_append(struct conn *c, bool waiting)
{
	struct conn **head = waiting ? &M.waiting_head : &M.preauth_head;
	struct conn **tail = waiting ? &M.waiting_tail : &M.preauth_tail;

	list_remove(c);
	c->prev = *tail;
	c->next = NULL;
	if (*tail)
		(*tail)->next = c;
	else
		*head = c;
	*tail = c;
	c->list = head;
	if (waiting)
		M.n_waiting++;
	else
		M.n_preauth++;
}

/* --- helpers --- */

void format_addr(const struct sockaddr_storage *ss, char *dst, size_t n)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		port = ntohs(in->sin_port);
		snprintf(dst, n, "%s:%u", host, port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		port = ntohs(in6->sin6_port);
		snprintf(dst, n, "[%s]:%u", host, port);
	} else {
		snprintf(dst, n, "unknown");
	}
}

int send_to_worker(struct conn *c, uint16_t type, uint32_t id, void *msg, const int *fds,
		   size_t nfds)
{
	int r = ipc_send(c->ipc, type, id, msg, fds, nfds);

	ipc_wipe(type, msg);
	if (r != 0) {
		/* Main never waits for a worker: a worker that cannot take a message is
		 * stuck or gone. */
		log_warn("conn %llu: cannot send to worker %d (%s): killing it",
			 (unsigned long long)c->id, (int)c->pid, err_str(r));
		/* A zygote's worker whose pid is not known yet is killed when it is. */
		conn_kill(c, SIGKILL);
		c->state = CONN_CLOSING;
	}
	return r;
}

/* --- timers --- */

static void conn_timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct conn *c = w->data;

	(void)loop;
	(void)revents;
	if (c->state == CONN_WAITING) {
		log_info("%s: no TLS handshake within %d s: closing", c->peer_str,
			 M.conf->handshake_timeout);
		conn_free(c, NULL);
		return;
	}
	if (c->zygote && c->pid <= 0) {
		conn_free(c, "the zygote never reported the worker");
		return;
	}
	if (c->pid > 0 && !(c->state & CONN_TUNNEL)) {
		log_info("%s: worker %d still unauthenticated after the auth timeout: killing it",
			 c->peer_str, (int)c->pid);
		conn_kill(c, SIGKILL);
	}
}

/* Main's own workers are reaped only in child_cb, which frees their connection at once:
 * their pid cannot name another process while a connection holds it. A zygote's are
 * signalled through their pidfd (zygote.c). */
void conn_kill(struct conn *c, int sig)
{
	if (c->pid <= 0)
		return;
	if (c->zygote)
		zygote_signal(c, sig);
	else
		kill(c->pid, sig);
}

/* --- worker spawning --- */

void fill_worker_init(const struct conn *c, struct ipc_worker_init *in)
{
	const struct conf *cf = M.conf;

	memset(in, 0, sizeof(*in));
	in->log_level = (uint32_t)log_get_level();
	in->flags = (cf->cisco_client_compat ? IPC_WF_CISCO_COMPAT : 0) |
		    (log_is_stderr() ? 0 : IPC_WF_SYSLOG);
	in->uid = (uint32_t)M.uid;
	in->gid = (uint32_t)M.gid;
	in->handshake_timeout = (uint32_t)cf->handshake_timeout;
	in->auth_timeout = (uint32_t)cf->auth_timeout;
	if (c) {
		in->conn_id = c->id;
		str_copy(in->client_addr, sizeof(in->client_addr), c->peer_str);
	}
	str_copy(in->cert_file, sizeof(in->cert_file), cf->server_cert);
	str_copy(in->key_file, sizeof(in->key_file), cf->server_key);
	str_copy(in->ca_file, sizeof(in->ca_file), cf->ca_cert);
	str_copy(in->chroot_dir, sizeof(in->chroot_dir), cf->chroot_dir);
	str_copy(in->tls_priorities, sizeof(in->tls_priorities), cf->tls_priorities);
	memcpy(in->ticket_key, M.ticket_key, sizeof(in->ticket_key));
	str_copy(in->banner, sizeof(in->banner), cf->banner);
	str_copy(in->pre_login_banner, sizeof(in->pre_login_banner), cf->pre_login_banner);
	in->n_groups = (uint32_t)M.n_groups;
	for (size_t i = 0; i < M.n_groups; i++) {
		str_copy(in->group_names[i], sizeof(in->group_names[i]), M.groups[i].name);
		str_copy(in->group_labels[i], sizeof(in->group_labels[i]), M.groups[i].label);
	}
	in->default_group = (uint32_t)M.default_group;
	mfiles_profile_info(in->profile_uri, sizeof(in->profile_uri), in->profile_hash);
	login_fill_worker_init(in);
}

static void worker_read_cb(struct ev_loop *loop, ev_io *w, int revents);

static int conn_spawn_worker(struct conn *c)
{
	struct ipc_worker_init init;
	char *argv[] = { M.worker_path, NULL };
	int sv[2], fds[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
		log_err_sys("socketpair");
		return ERR_SYS;
	}
	if (M.conf->worker_spawn != CONF_SPAWN_ZYGOTE || !zygote_running() ||
	    zygote_request(c, sv[1]) != 0) {
		fds[0] = c->fd;
		fds[1] = sv[1];
		c->pid = spawn_program(M.worker_path, argv, fds, 2);
	}
	close(sv[1]);
	if (!c->zygote && c->pid < 0) {
		log_err_sys("cannot start worker %s", M.worker_path);
		close(sv[0]);
		return ERR_SYS;
	}
	close(c->fd);
	c->fd = -1;
	c->ipc = sv[0];
	fcntl(c->ipc, F_SETFL, O_NONBLOCK);
	if (!c->zygote) {
		c->next_by_pid = M.by_pid[pid_bucket(c->pid)];
		M.by_pid[pid_bucket(c->pid)] = c;
	}
	c->state = CONN_PREAUTH;
	ev_io_init(&c->io, worker_read_cb, c->ipc, EV_READ);
	c->io.data = c;
	ev_io_start(M.loop, &c->io);
	ev_timer_stop(M.loop, &c->timer);
	ev_timer_set(&c->timer,
		     (double)M.conf->auth_timeout + (double)M.conf->handshake_timeout + 5.0, 0.);
	ev_timer_start(M.loop, &c->timer);
	list_append(c, false);
	/* A zygote's worker gets its set-up once main holds its pidfd (zygote.c). */
	if (c->zygote)
		return 0;
	log_debug("%s: worker %d started", c->peer_str, (int)c->pid);
	fill_worker_init(c, &init);
	return send_to_worker(c, IPC_WORKER_INIT, 0, &init, NULL, 0);
}

static void client_readable_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct conn *c = w->data;

	(void)revents;
	/* The client spoke: only now does it cost a process. Main never reads its bytes. */
	ev_io_stop(loop, w);
	if (conn_spawn_worker(c) != 0)
		conn_free(c, "cannot start a worker");
}

/* --- connection lifetime --- */

void conn_free(struct conn *c, const char *why)
{
	if (why)
		log_info("%s: connection closed: %s", c->peer_str, why);
	ev_io_stop(M.loop, &c->io);
	ev_timer_stop(M.loop, &c->timer);
	list_remove(c);
	if (c->fd >= 0)
		close(c->fd);
	if (c->ipc >= 0)
		close(c->ipc);
	if (c->pidfd >= 0)
		close(c->pidfd);
	if (c->pid > 0 && !c->zygote)
		unlink_pid(c);
	unlink_id(c);
	tunnel_closed(c);
	mdtls_unregister(c);
	if (c->counted_tunnel)
		M.n_tunnel--;
	if (c->session && c->session->conn == c)
		c->session->conn = NULL;
	M.n_conns--;
	free(c);
	if (M.stopping && M.n_conns == 0)
		ev_break(M.loop, EVBREAK_ALL);
}

/* Make room for one more pre-auth connection: drop the oldest idle one (no byte sent),
 * else the oldest unauthenticated worker. Idle floods cannot lock users out. */
static void preauth_make_room(void)
{
	struct conn *victim;

	if (M.n_waiting + M.n_preauth < (size_t)M.conf->max_preauth_clients)
		return;
	victim = M.waiting_head ? M.waiting_head : M.preauth_head;
	if (!victim)
		return;
	log_info("%s: pre-auth limit (%d) reached: dropping the oldest pre-auth connection",
		 victim->peer_str, M.conf->max_preauth_clients);
	if (victim->state == CONN_WAITING || victim->pid <= 0) {
		/* A zygote's worker not set up yet exits when its socket closes. */
		conn_free(victim, NULL);
	} else {
		list_remove(victim);
		conn_kill(victim, SIGKILL);
		victim->state = CONN_CLOSING;
	}
}

/* Accept and admit (or refuse) one connection. False when there was none to accept. */
static bool accept_one(int lfd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	uint64_t remaining;
	struct conn *c;
	int fd;

	fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return false;
		if (errno != EINTR && errno != ECONNABORTED)
			log_warn_sys("accept");
		return errno == EINTR || errno == ECONNABORTED;
	}
	if (ban_is_banned(M.bans, (struct sockaddr *)&ss, mono_s(), &remaining)) {
		char a[IPC_ADDR_MAX + 1];

		format_addr(&ss, a, sizeof(a));
		log_info("%s: refused: address banned for %llu more s", a,
			 (unsigned long long)remaining);
		close(fd);
		return true;
	}
	if (M.conf->max_clients && M.n_tunnel >= (size_t)M.conf->max_clients) {
		log_notice("refusing a connection: max-clients (%d) tunnels active",
			   M.conf->max_clients);
		close(fd);
		return true;
	}
	preauth_make_room();
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return true;
	}
	c->id = ++M.next_conn_id;
	c->fd = fd;
	c->ipc = -1;
	c->pid = -1;
	c->pidfd = -1;
	c->pending_tun = -1;
	c->state = CONN_WAITING;
	c->peer = ss;
	format_addr(&ss, c->peer_str, sizeof(c->peer_str));
	c->next_by_id = M.by_id[id_bucket(c->id)];
	M.by_id[id_bucket(c->id)] = c;
	M.n_conns++;
	list_append(c, true);
	if (ban_add_points(M.bans, (struct sockaddr *)&ss, M.conf->ban_points_connection, mono_s()))
		log_notice("%s: address banned for %d s (connection score)", c->peer_str,
			   M.conf->ban_time);
	ev_io_init(&c->io, client_readable_cb, fd, EV_READ);
	c->io.data = c;
	ev_io_start(M.loop, &c->io);
	ev_timer_init(&c->timer, conn_timeout_cb, (double)M.conf->handshake_timeout, 0.);
	c->timer.data = c;
	ev_timer_start(M.loop, &c->timer);
	log_debug("%s: accepted (conn %llu)", c->peer_str, (unsigned long long)c->id);
	return true;
}

static void listen_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	/* Bounded batch per wake-up so one busy listener cannot starve the rest. */
	for (int i = 0; i < 64 && accept_one(w->fd); i++)
		;
}

static int on_worker_bye(struct conn *c, const struct ipc_hdr *hdr, void *msg)
{
	struct ipc_worker_bye *bye = msg;
	struct ipc_worker_stats st;

	if (bye->reason == DISC_NONE || bye->reason > DISC_MAX)
		return ERR_RANGE;
	log_info("%s: tunnel ended: %s", c->peer_str, disc_str(bye->reason));
	c->bye_reason = bye->reason;
	st.bytes_in = bye->bytes_in;
	st.bytes_out = bye->bytes_out;
	st.packets_in = bye->packets_in;
	st.packets_out = bye->packets_out;
	on_worker_stats(c, hdr, &st);
	c->state = CONN_CLOSING;
	return 0;
}

typedef int (*ipc_handler)(struct conn *c, const struct ipc_hdr *hdr, void *msg);

static const struct {
	uint16_t type;
	unsigned states;
	ipc_handler fn;
} dispatch_table[] = {
	{ IPC_AUTH_REQ, CONN_PREAUTH | CONN_AUTHED, on_auth_req },
	{ IPC_LOGOUT_REQ, CONN_PREAUTH | CONN_AUTHED, on_logout_req },
	{ IPC_TUNNEL_REQ, CONN_PREAUTH | CONN_AUTHED, on_tunnel_req },
	{ IPC_FILE_REQ, CONN_PREAUTH | CONN_AUTHED, on_file_req },
	{ IPC_WORKER_STATS, CONN_TUNNEL, on_worker_stats },
	{ IPC_DTLS_STATE, CONN_TUNNEL, on_dtls_state },
	{ IPC_WORKER_BYE, CONN_TUNNEL, on_worker_bye },
};

static void worker_violation(struct conn *c, const char *why)
{
	log_err("%s: worker %d broke the IPC protocol (%s): killing it", c->peer_str, (int)c->pid,
		why);
	conn_kill(c, SIGKILL);
	ev_io_stop(M.loop, &c->io);
	c->state = CONN_CLOSING;
	/* No SIGCHLD will tell main about a zygote's worker: it ends here. */
	if (c->zygote)
		conn_free(c, NULL);
}

static void worker_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct conn *c = w->data;
	static uint8_t buf[IPC_MSG_MAX];
	union {
		struct ipc_auth_req auth;
		struct ipc_logout_req logout;
		struct ipc_worker_bye bye;
		struct ipc_tunnel_req tunnel;
		struct ipc_worker_stats stats;
		struct ipc_dtls_state dtls;
		struct ipc_file_req file;
	} msg;
	struct ipc_hdr hdr;
	int fds[IPC_MAX_FDS];
	size_t len, nfds;
	size_t i;
	uint16_t type;
	int r;

	(void)revents;
	if (c->zygote && c->pid <= 0) {
		uint64_t id = c->id;

		/* A kill needs the pid: take the zygote's answers first, else wait for it
		 * (its reply resumes reading; the conn timer bounds the wait). */
		zygote_drain();
		c = conn_by_id(id);
		if (!c)
			return;
		if (c->pid <= 0) {
			ev_io_stop(loop, &c->io);
			return;
		}
	}
	r = ipc_recv(c->ipc, buf, sizeof(buf), &len, fds, &nfds);
	if (r == ERR_SYS && (errno == EAGAIN || errno == EINTR))
		return;
	for (size_t k = 0; k < nfds; k++)
		close(fds[k]); /* workers never send descriptors */
	if (r == ERR_PEER_CLOSED || (r == ERR_SYS && errno == ECONNRESET)) {
		ev_io_stop(loop, &c->io);
		/* main's own child: the exit is handled by SIGCHLD; a zygote's: it ends now. */
		if (c->zygote)
			conn_free(c, NULL);
		return;
	}
	if (r != 0 || nfds) {
		worker_violation(c, r ? err_str(r) : "sent a file descriptor");
		return;
	}
	type = ipc_peek_type(buf, len);
	for (i = 0; i < sizeof(dispatch_table) / sizeof(dispatch_table[0]); i++)
		if (dispatch_table[i].type == type)
			break;
	if (i == sizeof(dispatch_table) / sizeof(dispatch_table[0])) {
		worker_violation(c, "unexpected message type");
		return;
	}
	if (!(dispatch_table[i].states & c->state)) {
		worker_violation(c, "message not allowed in this state");
		return;
	}
	r = ipc_decode(buf, len, &hdr, &msg, ipc_msg_size(dispatch_table[i].type));
	secmem_wipe(buf, len);
	if (r != 0) {
		worker_violation(c, err_str(r));
		return;
	}
	r = dispatch_table[i].fn(c, &hdr, &msg);
	ipc_wipe(hdr.type, &msg);
	if (r != 0)
		worker_violation(c, "invalid message content");
}

/* --- children and signals --- */

static void child_cb(struct ev_loop *loop, ev_child *w, int revents)
{
	struct conn *c;
	int st;
	pid_t pid;

	(void)w;
	(void)revents;
	(void)loop;
	/* libev reaps one child per callback; collect any others that are waiting too. */
	pid = w->rpid;
	st = w->rstatus;
	do {
		if (zygote_child_exited(pid, st) || authhelper_child_exited(pid) ||
		    script_child_exited(pid, st))
			continue;
		c = conn_by_pid(pid);
		if (!c)
			continue;
		if (WIFSIGNALED(st))
			log_info("%s: worker %d killed by signal %d", c->peer_str, (int)pid,
				 WTERMSIG(st));
		else
			log_debug("%s: worker %d exited with status %d", c->peer_str, (int)pid,
				  WEXITSTATUS(st));
		conn_free(c, NULL);
	} while ((pid = waitpid(-1, &st, WNOHANG)) > 0);
}

#define SHUTDOWN_GRACE 3.0 /* seconds for workers to tell their clients */

static ev_timer g_grace;

static void grace_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)w;
	(void)revents;
	ev_break(loop, EVBREAK_ALL);
}

/* Tell every client the server goes away (CSTP TERMINATE through its worker), stop
 * everything else, and leave the loop once the workers are gone or the grace ends. */
static void stop_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	(void)revents;
	if (M.stopping)
		return;
	log_notice("signal %d: shutting down", w->signum);
	M.stopping = true;
	for (size_t i = 0; i < M.n_listen; i++)
		ev_io_stop(loop, &M.listen_io[i]);
	for (size_t b = 0; b < CONN_BUCKETS; b++) {
		struct conn *c = M.by_id[b];

		while (c) {
			struct conn *next = c->next_by_id;

			if (c->state == CONN_WAITING) {
				conn_free(c, NULL);
			} else if (c->state == CONN_TUNNEL) {
				struct ipc_terminate t = { DISC_TERMINATED };

				send_to_worker(c, IPC_TERMINATE, 0, &t, NULL, 0);
			} else {
				conn_kill(c, SIGTERM);
			}
			c = next;
		}
	}
	if (M.n_conns == 0) {
		ev_break(loop, EVBREAK_ALL);
		return;
	}
	ev_timer_init(&g_grace, grace_cb, SHUTDOWN_GRACE, 0.);
	ev_timer_start(loop, &g_grace);
}

static void apply_ban_cfg(const struct conf *c)
{
	struct ban_cfg bc;

	bc.max_score = c->max_ban_score;
	bc.ban_time = c->ban_time;
	bc.reset_time = c->ban_reset_time;
	bc.points_wrong_password = c->ban_points_wrong_password;
	bc.points_connection = c->ban_points_connection;
	ban_set_cfg(M.bans, &bc);
}

/* Settings bound to sockets, the pool or the privilege drop cannot change in a running
 * server: keep the running values and say so. */
static void keep_fixed(const struct conf *old, struct conf *nc)
{
	bool pool = old->has_ipv4 != nc->has_ipv4 || old->has_ipv6 != nc->has_ipv6 ||
		    old->ipv4_network.s_addr != nc->ipv4_network.s_addr ||
		    old->ipv4_prefix != nc->ipv4_prefix || old->ipv6_prefix != nc->ipv6_prefix ||
		    old->ipv6_subnet_prefix != nc->ipv6_subnet_prefix ||
		    memcmp(&old->ipv6_network, &nc->ipv6_network, sizeof(nc->ipv6_network)) != 0;

	if (old->tcp_port != nc->tcp_port || old->udp_port != nc->udp_port ||
	    strcmp(old->listen_host, nc->listen_host) != 0 ||
	    strcmp(old->udp_listen_host, nc->udp_listen_host) != 0 ||
	    strcmp(old->run_as_user, nc->run_as_user) != 0 ||
	    strcmp(old->run_as_group, nc->run_as_group) != 0 ||
	    strcmp(old->occtl_socket_file, nc->occtl_socket_file) != 0 || pool)
		log_warn("reload: listen addresses, ports, run-as user/group, the control socket "
			 "and the address pools change only with a restart; keeping the running "
			 "ones");
	nc->tcp_port = old->tcp_port;
	nc->udp_port = old->udp_port;
	memcpy(nc->listen_host, old->listen_host, sizeof(nc->listen_host));
	memcpy(nc->udp_listen_host, old->udp_listen_host, sizeof(nc->udp_listen_host));
	memcpy(nc->run_as_user, old->run_as_user, sizeof(nc->run_as_user));
	memcpy(nc->run_as_group, old->run_as_group, sizeof(nc->run_as_group));
	memcpy(nc->occtl_socket_file, old->occtl_socket_file, sizeof(nc->occtl_socket_file));
	nc->has_ipv4 = old->has_ipv4;
	nc->ipv4_network = old->ipv4_network;
	nc->ipv4_netmask = old->ipv4_netmask;
	nc->ipv4_prefix = old->ipv4_prefix;
	nc->has_ipv6 = old->has_ipv6;
	nc->ipv6_network = old->ipv6_network;
	nc->ipv6_prefix = old->ipv6_prefix;
	nc->ipv6_subnet_prefix = old->ipv6_subnet_prefix;
}

/* SIGHUP: a new configuration for new logins; live sessions keep the one they started
 * with. A configuration with errors changes nothing. */
static void hup_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct conf *nc = calloc(1, sizeof(*nc));

	(void)loop;
	(void)w;
	(void)revents;
	if (!nc)
		return;
	if (confload_file(M.config_file, nc) != 0) {
		log_err("reload: %s has errors; the running configuration stays", M.config_file);
		free(nc);
		return;
	}
	keep_fixed(M.conf, nc);
	mconf_install(nc);
	M.conf = nc;
	mfiles_load(nc); /* a failure is logged and keeps the files already served */
	build_group_list();
	apply_ban_cfg(nc);
	/* New workers get the new certificate, key, CA, CRL: so must the zygote. Workers it
	 * forked already keep the context they have. */
	zygote_reload();
	log_notice("configuration reloaded from %s (%u generations in use)", M.config_file,
		   mconf_generations());
}

/* --- start-up --- */

static int open_listeners(void)
{
	struct addrinfo hints, *res = NULL, *ai;
	char port[16];
	int r;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	snprintf(port, sizeof(port), "%d", M.conf->tcp_port);
	r = getaddrinfo(M.conf->listen_host[0] ? M.conf->listen_host : NULL, port, &hints, &res);
	if (r != 0) {
		log_err("cannot resolve listen-host '%s': %s", M.conf->listen_host,
			gai_strerror(r));
		return ERR_SYS;
	}
	for (ai = res; ai && M.n_listen < LISTEN_MAX; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		int one = 1;

		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (ai->ai_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 1024) != 0) {
			char a[IPC_ADDR_MAX + 1];

			format_addr((const struct sockaddr_storage *)ai->ai_addr, a, sizeof(a));
			log_err_sys("cannot listen on %s", a);
			close(fd);
			continue;
		}
		M.listen_fd[M.n_listen] = fd;
		ev_io_init(&M.listen_io[M.n_listen], listen_cb, fd, EV_READ);
		ev_io_start(M.loop, &M.listen_io[M.n_listen]);
		M.n_listen++;
	}
	freeaddrinfo(res);
	if (!M.n_listen) {
		log_err("no TCP listener could be opened on port %d", M.conf->tcp_port);
		return ERR_SYS;
	}
	log_notice("listening on TCP port %d (%zu sockets)", M.conf->tcp_port, M.n_listen);
	return 0;
}

static int resolve_ids(void)
{
	struct passwd *pw = getpwnam(M.conf->run_as_user);
	struct group *gr = getgrnam(M.conf->run_as_group);

	if (!pw) {
		log_err("run-as-user '%s' does not exist", M.conf->run_as_user);
		return ERR_FORMAT;
	}
	if (!gr) {
		log_err("run-as-group '%s' does not exist", M.conf->run_as_group);
		return ERR_FORMAT;
	}
	M.uid = pw->pw_uid;
	M.gid = gr->gr_gid;
	return 0;
}

static int setup(struct conf *c)
{
	M.conf = c;
	mconf_install(c);
	M.loop = ev_default_loop(EVFLAG_AUTO);
	if (!M.loop)
		fatal("cannot create the event loop");
	if (resolve_ids() != 0)
		return ERR_FORMAT;
	if (spawn_find_program("cstpd-worker", M.worker_path, sizeof(M.worker_path)) != 0 ||
	    access(M.worker_path, X_OK) != 0) {
		log_err("worker program not found (looked for %s)", M.worker_path);
		return ERR_SYS;
	}
	if (readlink("/proc/self/exe", M.self_path, sizeof(M.self_path) - 1) <= 0)
		return ERR_SYS;
	M.sessions = session_table_new();
	M.bans = ban_new(BAN_TABLE_SIZE);
	if (!M.sessions || !M.bans)
		return ERR_NOMEM;
	apply_ban_cfg(c);
	if (secmem_random(M.ticket_key, sizeof(M.ticket_key)) != 0)
		return ERR_INTERNAL;
	build_group_list();
	if (mfiles_load(c) != 0)
		return ERR_FORMAT;
	M.pool = pool_new(c);
	if (!M.pool)
		return ERR_NOMEM;
	script_init(M.loop);
	signal(SIGPIPE, SIG_IGN);
	if (authhelper_start(M.loop, M.self_path, 2, auth_done) != 0)
		return ERR_SYS;
	if (mdtls_start() != 0)
		return ERR_SYS;
	zygote_init();
	if (open_listeners() != 0)
		return ERR_SYS;
	return ctl_start();
}

static void shutdown_all(void)
{
	struct session *s;

	for (size_t b = 0; b < CONN_BUCKETS; b++)
		for (struct conn *c = M.by_id[b]; c; c = c->next_by_id)
			conn_kill(c, SIGKILL);
	/* Sessions end with the server: leases back and accounting closed. */
	while ((s = session_any(M.sessions)) != NULL) {
		if (s->conn)
			s->conn->session = NULL;
		s->conn = NULL;
		session_end(s, DISC_TERMINATED);
	}
	zygote_stop();
	ctl_stop();
	authhelper_stop();
	mdtls_stop();
	mfiles_free();
	for (size_t i = 0; i < M.n_listen; i++)
		close(M.listen_fd[i]);
	secmem_wipe(M.ticket_key, sizeof(M.ticket_key));
}

int mainproc_run(struct conf *c, const struct mainproc_opts *o)
{
	M.config_file = o->config_file;
	log_set_prefix("main");
	if (setup(c) != 0)
		return 1;
	ev_signal_init(&M.sig_term, stop_cb, SIGTERM);
	ev_signal_start(M.loop, &M.sig_term);
	ev_signal_init(&M.sig_int, stop_cb, SIGINT);
	ev_signal_start(M.loop, &M.sig_int);
	ev_signal_init(&M.sig_hup, hup_cb, SIGHUP);
	ev_signal_start(M.loop, &M.sig_hup);
	ev_child_init(&M.child, child_cb, 0, 0);
	ev_child_start(M.loop, &M.child);
	log_notice("cstpd ready");
	ev_run(M.loop, 0);
	shutdown_all();
	log_notice("stopped");
	return 0;
}
