/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cstppasswd: add, change, delete, lock and unlock users in an ocpasswd-format file.
 * Process: the cstppasswd tool (run by an administrator). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "passwd.h"
#include "secmem.h"
#include "strutil.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define DEFAULT_FILE SYSCONFDIR "/cstpd/passwd"
#define FILE_MAX     (64u * 1024 * 1024) /* far above any real user list */
#define PW_BUF	     (PASSWD_PASSWORD_MAX + 2)

enum op { OP_SET = 0, OP_DELETE = 1, OP_LOCK = 2, OP_UNLOCK = 3 };

struct opts {
	const char *file;
	const char *groups; /* NULL: keep the existing ones */
	const char *method;
	const char *user;
	enum op op;
};

/* The file as read, and the new line for OP_SET. */
struct job {
	uint8_t *data;
	size_t len;
	mode_t mode;
	uid_t uid; /* owner to keep when root rewrites the file */
	gid_t gid;
	bool existed;
	struct passwd_entry set;
	unsigned matched;
};

/* Saved terminal state, restored if a signal arrives while echo is off. */
static struct termios saved_tio;
static volatile sig_atomic_t tio_saved;

static void usage(FILE *f)
{
	fprintf(f, "usage: cstppasswd [-c FILE] [-g GROUP1,GROUP2] [-m yescrypt|sha512] "
		   "[-d | -l | -u] USERNAME\n"
		   "  -c FILE   password file (default " DEFAULT_FILE ")\n"
		   "  -g LIST   set the user's groups (comma-separated; '*' for none)\n"
		   "  -m METHOD hash method (default: yescrypt when supported, else sha512)\n"
		   "  -d        delete the user\n"
		   "  -l        lock the user\n"
		   "  -u        unlock the user\n"
		   "  -h        show this help\n"
		   "Without -d/-l/-u the password is set: read twice from a terminal, or as one\n"
		   "line from standard input when it is not a terminal.\n");
}

static int set_op(struct opts *o, enum op op)
{
	if (o->op != OP_SET && o->op != op) {
		fprintf(stderr, "cstppasswd: -d, -l and -u are exclusive\n");
		return ERR_FORMAT;
	}
	o->op = op;
	return 0;
}

static int parse_opt(struct opts *o, int c)
{
	switch (c) {
	case 'c':
		o->file = optarg;
		return 0;
	case 'g':
		o->groups = optarg;
		return 0;
	case 'm':
		o->method = optarg;
		return 0;
	case 'd':
		return set_op(o, OP_DELETE);
	case 'l':
		return set_op(o, OP_LOCK);
	case 'u':
		return set_op(o, OP_UNLOCK);
	case 'h':
		usage(stdout);
		exit(0);
	default:
		usage(stderr);
		return ERR_FORMAT;
	}
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	int c, r;

	memset(o, 0, sizeof(*o));
	o->file = DEFAULT_FILE;
	while ((c = getopt(argc, argv, "c:g:m:dluh")) != -1) {
		if ((r = parse_opt(o, c)) != 0)
			return r;
	}
	if (optind != argc - 1) {
		usage(stderr);
		return ERR_FORMAT;
	}
	o->user = argv[optind];
	if (!str_is_name(o->user, PASSWD_USER_MAX)) {
		fprintf(stderr, "cstppasswd: invalid username (1-%d of A-Z a-z 0-9 . _ @ + -)\n",
			PASSWD_USER_MAX);
		return ERR_FORMAT;
	}
	if (o->op != OP_SET && (o->groups || o->method)) {
		fprintf(stderr, "cstppasswd: -g and -m only apply when setting a password\n");
		return ERR_FORMAT;
	}
	if (!o->method)
		o->method = passwd_default_method();
	if (strcmp(o->method, "yescrypt") != 0 && strcmp(o->method, "sha512") != 0) {
		fprintf(stderr, "cstppasswd: unknown hash method '%s'\n", o->method);
		return ERR_FORMAT;
	}
	return 0;
}

/* Parse "-g a,b" with the file's own parser so the tool never writes what cstpd rejects. */
static int parse_group_list(const char *list, struct passwd_entry *e)
{
	char line[PASSWD_LINE_MAX + 1];
	struct passwd_entry tmp;
	int n, r;

	/* Placeholders long enough that the line is never skipped as a short one. */
	n = snprintf(line, sizeof(line), "u:%s:xxxx", list);
	if (n < 0 || (size_t)n >= sizeof(line) || strchr(list, ':'))
		return ERR_FORMAT;
	if ((r = passwd_parse_line(line, (size_t)n, &tmp)) != 0)
		return r < 0 ? r : ERR_FORMAT;
	memcpy(e->groups, tmp.groups, sizeof(e->groups));
	e->n_groups = tmp.n_groups;
	return 0;
}

static int read_all(int fd, struct job *j)
{
	struct stat st;
	ssize_t n;

	if (fstat(fd, &st) != 0)
		return ERR_SYS;
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > FILE_MAX)
		return ERR_TOO_LARGE;
	j->mode = st.st_mode & 07777;
	j->uid = st.st_uid;
	j->gid = st.st_gid;
	j->existed = true;
	if (!(j->data = malloc((size_t)st.st_size + 1)))
		return ERR_NOMEM;
	while ((n = read(fd, j->data + j->len, (size_t)st.st_size + 1 - j->len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return ERR_SYS;
		j->len += (size_t)n;
		if (j->len > (size_t)st.st_size)
			return ERR_TOO_LARGE; /* grew while we read it */
	}
	return 0;
}

/* A missing file is an empty one: the first OP_SET creates it with mode 0600. */
static int read_file(const char *path, struct job *j)
{
	int fd, r;

	j->mode = 0600;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0) {
		fprintf(stderr, "cstppasswd: %s: %s\n", path,
			errno == ELOOP ? "is a symbolic link; give the real path"
				       : strerror(errno));
		return ERR_SYS;
	}
	r = read_all(fd, j);
	if (r != 0)
		fprintf(stderr, "cstppasswd: %s: %s\n", path,
			r == ERR_SYS ? strerror(errno) : "not a regular file or too large");
	close(fd);
	return r;
}

/* One line from fd with read(2), so no copy of the password stays in a stdio buffer.
 * 0 with dst filled (\n and \r removed); ERR_TOO_LARGE; ERR_SYS; ERR_TRUNCATED at EOF. */
static int read_line_fd(int fd, char *dst, size_t size)
{
	size_t n = 0;
	ssize_t got;
	char c;

	for (;;) {
		got = read(fd, &c, 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return ERR_SYS;
		if (got == 0 && n == 0)
			return ERR_TRUNCATED;
		if (got == 0 || c == '\n')
			break;
		if (n + 1 >= size)
			return ERR_TOO_LARGE;
		dst[n++] = c;
	}
	if (n && dst[n - 1] == '\r')
		n--;
	dst[n] = '\0';
	return 0;
}

static void restore_tty_on_signal(int sig)
{
	if (tio_saved)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tio);
	signal(sig, SIG_DFL);
	raise(sig);
}

static int prompt_noecho(const char *prompt, char *dst, size_t size)
{
	struct termios tio;
	int r;

	if (tcgetattr(STDIN_FILENO, &saved_tio) != 0)
		return ERR_SYS;
	tio = saved_tio;
	tio.c_lflag &= ~(tcflag_t)ECHO;
	tio.c_lflag |= ECHONL;
	tio_saved = 1;
	signal(SIGINT, restore_tty_on_signal);
	signal(SIGTERM, restore_tty_on_signal);
	signal(SIGHUP, restore_tty_on_signal);
	signal(SIGTSTP, SIG_IGN);
	fputs(prompt, stderr);
	fflush(stderr);
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &tio) != 0)
		return ERR_SYS;
	r = read_line_fd(STDIN_FILENO, dst, size);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tio);
	tio_saved = 0;
	return r;
}

static int read_password_tty(char *pw, size_t size)
{
	char again[PW_BUF];
	int r = ERR_INTERNAL;

	if ((r = prompt_noecho("Enter password: ", pw, size)) != 0)
		goto out;
	if ((r = prompt_noecho("Re-enter password: ", again, sizeof(again))) != 0)
		goto out;
	if (strlen(pw) != strlen(again) || !secmem_equal(pw, again, strlen(pw))) {
		fprintf(stderr, "cstppasswd: passwords do not match\n");
		r = ERR_DENIED;
		goto out;
	}
	r = 0;
out:
	secmem_wipe(again, sizeof(again));
	return r;
}

static int read_password(char *pw, size_t size)
{
	int r;

	if (isatty(STDIN_FILENO))
		r = read_password_tty(pw, size);
	else
		r = read_line_fd(STDIN_FILENO, pw, size);
	if (r == ERR_TOO_LARGE)
		fprintf(stderr, "cstppasswd: password longer than %d bytes\n", PASSWD_PASSWORD_MAX);
	else if (r == ERR_SYS)
		fprintf(stderr, "cstppasswd: reading the password: %s\n", strerror(errno));
	else if (r == ERR_TRUNCATED)
		fprintf(stderr, "cstppasswd: no password given\n");
	if (r == 0 && !pw[0]) {
		fprintf(stderr, "cstppasswd: empty password refused\n");
		r = ERR_FORMAT;
	}
	return r;
}

/* Build the new entry for OP_SET (groups are filled from the old line later if not set). */
static int prepare_set(const struct opts *o, struct job *j)
{
	char pw[PW_BUF];
	int r = ERR_INTERNAL;

	if (str_copy(j->set.user, sizeof(j->set.user), o->user) != 0)
		goto out;
	if (o->groups && (r = parse_group_list(o->groups, &j->set)) != 0) {
		fprintf(stderr, "cstppasswd: invalid group list '%s'\n", o->groups);
		goto out;
	}
	if ((r = read_password(pw, sizeof(pw))) != 0)
		goto out;
	if ((r = passwd_hash_new(pw, o->method, j->set.hash, sizeof(j->set.hash))) != 0) {
		fprintf(stderr, "cstppasswd: hashing failed: %s\n", err_str(r));
		goto out;
	}
	r = 0;
out:
	secmem_wipe(pw, sizeof(pw));
	return r;
}

static int put_entry(struct buf_wr *out, const struct passwd_entry *e)
{
	char line[PASSWD_LINE_MAX + 2];
	int r;

	if ((r = passwd_format_line(e, line, sizeof(line))) != 0)
		return r;
	return buf_put_str(out, line);
}

/* Apply the operation to one matching line. Lock and unlock touch every line of the user,
 * and delete removes them all, so no older duplicate comes back to life. */
static int apply(const struct opts *o, struct job *j, struct passwd_entry *e, struct buf_wr *out)
{
	j->matched++;
	switch (o->op) {
	case OP_DELETE:
		return 0;
	case OP_LOCK:
		e->locked = true;
		return put_entry(out, e);
	case OP_UNLOCK:
		e->locked = false;
		return put_entry(out, e);
	case OP_SET:
		break;
	}
	if (j->matched > 1)
		return put_entry(out, e);
	if (!o->groups) {
		memcpy(j->set.groups, e->groups, sizeof(e->groups));
		j->set.n_groups = e->n_groups;
	}
	/* Setting a password does not lift a lock: that takes an explicit -u. */
	j->set.locked = e->locked;
	return put_entry(out, &j->set);
}

/* Copy every line through, rewriting those of o->user; append a new user at the end. */
static int rewrite(const struct opts *o, struct job *j, struct buf_wr *out)
{
	struct passwd_entry e;
	struct buf_rd rd, line;
	uint8_t last = '\n';
	size_t n;
	long pos;
	int r;

	buf_rd_init(&rd, j->data, j->len);
	while (buf_remaining(&rd)) {
		pos = buf_find(&rd, '\n');
		n = pos < 0 ? buf_remaining(&rd) : (size_t)pos + 1;
		if ((r = buf_sub(&rd, n, &line)) != 0)
			return r;
		buf_peek_at(&line, n - 1, &last);
		if (passwd_parse_line((const char *)buf_cur(&line), n, &e) == 0 &&
		    strcmp(e.user, o->user) == 0)
			r = apply(o, j, &e, out);
		else
			r = buf_put_bytes(out, buf_cur(&line), n);
		if (r != 0)
			return r;
	}
	if (o->op != OP_SET || j->matched)
		return 0;
	if (last != '\n' && (r = buf_put_str(out, "\n")) != 0)
		return r;
	return put_entry(out, &j->set);
}

static int write_fd(int fd, const uint8_t *p, size_t n)
{
	ssize_t w;

	while (n) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return ERR_SYS;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Make the rename durable: fsync the directory that holds the file. */
static void sync_dir(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd;

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	fsync(fd);
	close(fd);
}

/* Write FILE.tmp.XXXXXX beside FILE, fsync it, then rename it over FILE: readers see the
 * old file or the new one, never half of one. */
static int write_atomic(const char *path, const struct buf_wr *out, const struct job *j)
{
	char tmp[PATH_MAX];
	int fd = -1, r = ERR_INTERNAL;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return ERR_SYS;
	}
	if ((fd = mkstemp(tmp)) < 0)
		return ERR_SYS;
	r = ERR_SYS;
	if (fchmod(fd, j->mode) != 0)
		goto out;
	/* Only root can give the file back to another owner (e.g. root:cstpd 0640). */
	if (j->existed && geteuid() == 0 && fchown(fd, j->uid, j->gid) != 0)
		goto out;
	if (write_fd(fd, out->p, out->len) != 0 || fsync(fd) != 0)
		goto out;
	if (close(fd) != 0) {
		fd = -1;
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto out;
	sync_dir(path);
	r = 0;
out:
	if (r != 0) {
		int saved = errno;

		if (fd >= 0)
			close(fd);
		unlink(tmp);
		errno = saved;
	}
	return r;
}

static const char *done_verb(enum op op, unsigned matched)
{
	switch (op) {
	case OP_DELETE:
		return "deleted";
	case OP_LOCK:
		return "locked";
	case OP_UNLOCK:
		return "unlocked";
	case OP_SET:
		break;
	}
	return matched ? "updated" : "added";
}

static int run(const struct opts *o, struct job *j)
{
	struct buf_wr out;
	int r = ERR_INTERNAL;

	buf_wr_init_alloc(&out, FILE_MAX + PASSWD_LINE_MAX + 2);
	if ((r = read_file(o->file, j)) != 0)
		goto out;
	if (o->op == OP_SET && (r = prepare_set(o, j)) != 0)
		goto out;
	if ((r = rewrite(o, j, &out)) != 0) {
		fprintf(stderr, "cstppasswd: cannot build the new file: %s\n", err_str(r));
		goto out;
	}
	if (o->op != OP_SET && !j->matched) {
		fprintf(stderr, "cstppasswd: user '%s' not found in %s\n", o->user, o->file);
		r = ERR_DENIED;
		goto out;
	}
	if ((r = write_atomic(o->file, &out, j)) != 0) {
		fprintf(stderr, "cstppasswd: writing %s: %s\n", o->file, strerror(errno));
		goto out;
	}
	if (o->op == OP_SET && j->set.locked)
		fprintf(stderr, "cstppasswd: note: '%s' stays locked (unlock with -u)\n", o->user);
	fprintf(stderr, "cstppasswd: user '%s' %s\n", o->user, done_verb(o->op, j->matched));
	r = 0;
out:
	buf_wr_free(&out);
	return r;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct job j;
	int r;

	memset(&j, 0, sizeof(j));
	umask(077);
	if (parse_args(argc, argv, &o) != 0)
		return 1;
	r = run(&o, &j);
	free(j.data);
	secmem_wipe(&j.set, sizeof(j.set));
	return r == 0 ? 0 : 1;
}
