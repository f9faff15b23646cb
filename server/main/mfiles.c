/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Client files on main's side: profiles and packages checked and hashed at load, and
 * IPC_FILE_REQ answered with a read-only descriptor of exactly the bytes that were hashed.
 * No path from a client reaches the filesystem: a worker names a file by the name main
 * announced, and main looks that name up in what it loaded. Process: main. */
#include "mfiles.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "confload.h"
#include "err.h"
#include "ipc.h"
#include "log.h"
#include "mainint.h"
#include "session.h"
#include "strutil.h"
#include "urlmap.h"

#define USER_FILE_MAX (64u << 10) /* a per-user or per-group file */
#define HASH_CHUNK    (64u << 10)
/* A package download may last DOWNLOAD_SLACK s plus one second per DOWNLOAD_MIN_RATE bytes
 * before main's connection timer ends the worker (the worker also drops a client that
 * stalls on one chunk). */
#define DOWNLOAD_MIN_RATE (64u << 10)
#define DOWNLOAD_SLACK	  120.0
#define OPEN_FLAGS	  (O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY)

/* What identifies the bytes that were hashed: any change means other content. */
struct fid {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

struct profile {
	char path[CONF_PATH_MAX + 1];
	char name[MANIFEST_NAME_MAX + 1]; /* announced as /profiles/<name> */
	char sha1[MANIFEST_SHA1_HEX + 1];
	int memfd; /* sealed copy of the hashed bytes: what is served until the next load */
	uint64_t size;
	int64_t mtime;
	bool bad;      /* could not be loaded (logged): announce nothing until the next load */
	uint64_t used; /* last use, for eviction */
};

struct package {
	struct fid id;
	char sha1[MANIFEST_SHA1_HEX + 1];
};

struct files {
	char global[CONF_PATH_MAX + 1]; /* user-profile, "" = none */
	char per_group[CONF_PATH_MAX + 1];
	char per_user[CONF_PATH_MAX + 1];
	char default_group[CONF_PATH_MAX + 1];
	char default_user[CONF_PATH_MAX + 1];
	char pkg_dir[CONF_PATH_MAX + 1];
	int dirfd; /* client-packages, or -1 */
	struct manifest man;
	struct package pkg[MANIFEST_ENTRIES_MAX];
	struct profile prof[MFILES_PROFILES_MAX];
	size_t n_prof;
	uint64_t tick;
};

static struct files *F; /* what is announced and served now; NULL before the first load */

/* --- small helpers --- */

static void fid_of(const struct stat *st, struct fid *id)
{
	memset(id, 0, sizeof(*id));
	id->dev = st->st_dev;
	id->ino = st->st_ino;
	id->size = st->st_size;
	id->mtime = st->st_mtim;
}

static bool fid_equal(const struct fid *a, const struct fid *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec;
}

/* Read exactly n bytes, and check that the file has no more. */
static int read_exact(int fd, void *buf, size_t n)
{
	size_t got = 0;
	char extra;

	while (got < n) {
		ssize_t k = read(fd, (char *)buf + got, n - got);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return k < 0 ? ERR_SYS : ERR_TRUNCATED;
		got += (size_t)k;
	}
	return read(fd, &extra, 1) == 0 ? 0 : ERR_TOO_LARGE;
}

/* A sealed in-memory copy: workers can read it but nobody can change it any more. */
static int sealed_copy(const void *data, size_t n, int *out)
{
	const int seals = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL;
	int fd = memfd_create("cstpd-client-file", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	size_t done = 0;

	*out = -1;
	if (fd < 0)
		return ERR_SYS;
	while (done < n) {
		ssize_t k = write(fd, (const char *)data + done, n - done);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			close(fd);
			return ERR_SYS;
		}
		done += (size_t)k;
	}
	if (fcntl(fd, F_ADD_SEALS, seals) != 0) {
		close(fd);
		return ERR_SYS;
	}
	*out = fd;
	return 0;
}

static const char *open_error(int e)
{
	return e == ELOOP ? "is a symbolic link (only regular files are served)" : strerror(e);
}

/* --- profiles --- */

/* Read, check, hash and seal one profile into p. Logs why it failed; p->bad is then set. */
static int profile_load(struct profile *p, const char *path)
{
	const char *base = strrchr(path, '/');
	char why[256] = "";
	uint8_t *data = NULL;
	struct stat st;
	int fd = -1, r = ERR_INTERNAL;

	memset(p, 0, sizeof(*p));
	p->memfd = -1;
	str_copy(p->path, sizeof(p->path), path);
	base = base ? base + 1 : path;
	if (!manifest_name_ok(base) || str_copy(p->name, sizeof(p->name), base) != 0) {
		snprintf(why, sizeof(why), "its file name cannot be served ([A-Za-z0-9._+-])");
		r = ERR_FORMAT;
		goto out;
	}
	if ((fd = open(path, OPEN_FLAGS)) < 0 || fstat(fd, &st) != 0) {
		snprintf(why, sizeof(why), "%s", open_error(errno));
		r = ERR_SYS;
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > (off_t)MANIFEST_PROFILE_MAX) {
		snprintf(why, sizeof(why), "not a regular file of at most %u bytes",
			 MANIFEST_PROFILE_MAX);
		r = ERR_TOO_LARGE;
		goto out;
	}
	if (!(data = malloc((size_t)st.st_size + 1))) {
		r = ERR_NOMEM;
		goto out;
	}
	if ((r = read_exact(fd, data, (size_t)st.st_size)) != 0) {
		snprintf(why, sizeof(why), "changed while being read (%s)", err_str(r));
		goto out;
	}
	if ((r = manifest_profile_check(data, (size_t)st.st_size, why, sizeof(why))) != 0 ||
	    (r = manifest_sha1_hex(data, (size_t)st.st_size, p->sha1)) != 0)
		goto out;
	if ((r = sealed_copy(data, (size_t)st.st_size, &p->memfd)) != 0) {
		snprintf(why, sizeof(why), "cannot keep a copy: %s", strerror(errno));
		goto out;
	}
	p->size = (uint64_t)st.st_size;
	p->mtime = (int64_t)st.st_mtim.tv_sec;
	r = 0;
out:
	if (r != 0) {
		log_err("user-profile %s: %s (%s)", path, why[0] ? why : "unusable", err_str(r));
		p->bad = true;
	}
	free(data);
	if (fd >= 0)
		close(fd);
	return r;
}

static void profile_drop(struct profile *p)
{
	if (p->memfd >= 0)
		close(p->memfd);
	memset(p, 0, sizeof(*p));
	p->memfd = -1;
}

/* A slot for one more profile: a free one, else the least recently used other than the
 * global profile. */
static struct profile *profile_slot(struct files *f)
{
	struct profile *victim = NULL;

	if (f->n_prof < MFILES_PROFILES_MAX)
		return &f->prof[f->n_prof++];
	for (size_t i = 0; i < f->n_prof; i++) {
		struct profile *p = &f->prof[i];

		if (strcmp(p->path, f->global) != 0 && (!victim || p->used < victim->used))
			victim = p;
	}
	profile_drop(victim);
	return victim;
}

/* The loaded profile at path, loading it on first use; NULL when it cannot be served. */
static struct profile *profile_get(struct files *f, const char *path)
{
	struct profile *p = NULL;

	for (size_t i = 0; i < f->n_prof && !p; i++)
		if (strcmp(f->prof[i].path, path) == 0)
			p = &f->prof[i];
	if (!p) {
		p = profile_slot(f);
		profile_load(p, path);
	}
	p->used = ++f->tick;
	return p->bad ? NULL : p;
}

/* The user-profile a per-user/per-group file sets (empty when none); *found tells whether
 * the file exists. Lines that do not parse are left to the tunnel set-up to report. */
static void user_file_profile(const char *path, char *out, size_t out_size, bool *found)
{
	struct conf_ctx ctx = { .file = path };
	char *data = NULL, *save = NULL, *line;
	struct conf_user *u = NULL;
	unsigned lineno = 0;
	size_t len;

	*found = false;
	out[0] = '\0';
	if (confload_read_file(path, USER_FILE_MAX, &data, &len) != 0)
		return;
	*found = true;
	if (!(u = malloc(sizeof(*u))))
		goto out;
	conf_user_init(u);
	for (line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		conf_user_parse_line(u, &ctx, line, ++lineno);
	str_copy(out, out_size, u->user_profile);
out:
	free(u);
	free(data);
}

static bool safe_name(const char *s)
{
	return str_is_name(s, IPC_NAME_MAX) && s[0] != '.';
}

/* The profile a file layer gives: DIR/<name> when it exists, else the default file. */
static void layer_profile(const char *dir, const char *name, const char *def, char *out,
			  size_t out_size)
{
	char path[2 * CONF_PATH_MAX + 2];
	bool found = false;

	out[0] = '\0';
	if (dir[0] && safe_name(name)) {
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		user_file_profile(path, out, out_size, &found);
	}
	if (!found && def[0])
		user_file_profile(def, out, out_size, &found);
}

/* The user's file wins over the group's, as in the tunnel's settings (mtunnel.c). */
static struct profile *session_profile(struct files *f, struct session *s)
{
	char path[CONF_PATH_MAX + 1] = "", group[CONF_PATH_MAX + 1];

	if (s->ucfg) {
		str_copy(path, sizeof(path), s->ucfg->user_profile);
	} else {
		layer_profile(f->per_group, s->group, f->default_group, group, sizeof(group));
		layer_profile(f->per_user, s->user, f->default_user, path, sizeof(path));
		if (!path[0])
			str_copy(path, sizeof(path), group);
	}
	if (!path[0])
		str_copy(path, sizeof(path), f->global);
	return path[0] ? profile_get(f, path) : NULL;
}

/* A user-profile set in one of the files a load looks at must be servable. */
static int check_user_file(struct files *f, const char *path)
{
	char prof[CONF_PATH_MAX + 1];
	bool found;

	user_file_profile(path, prof, sizeof(prof), &found);
	if (prof[0] && !profile_get(f, prof)) {
		log_err("%s: its user-profile cannot be served", path);
		return ERR_FORMAT;
	}
	return 0;
}

static int scan_group_dir(struct files *f)
{
	char path[2 * CONF_PATH_MAX + 2];
	DIR *d = opendir(f->per_group);
	struct dirent *de;
	struct stat st;
	unsigned n = 0;
	int r = 0;

	if (!d)
		return 0; /* a missing directory only means no per-group files */
	while (r == 0 && n < MFILES_SCAN_MAX && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || fstatat(dirfd(d), de->d_name, &st, 0) != 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		n++;
		snprintf(path, sizeof(path), "%s/%s", f->per_group, de->d_name);
		r = check_user_file(f, path);
	}
	closedir(d);
	return r;
}

static int scan_user_files(struct files *f)
{
	int r = 0;

	if (f->default_group[0])
		r = check_user_file(f, f->default_group);
	if (r == 0 && f->default_user[0])
		r = check_user_file(f, f->default_user);
	if (r == 0 && f->per_group[0])
		r = scan_group_dir(f);
	return r;
}

/* --- packages --- */

static int hash_fd(int fd, uint64_t size, char out[static MANIFEST_SHA1_HEX + 1])
{
	static uint8_t chunk[HASH_CHUNK];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	uint64_t total = 0;
	int r = ERR_INTERNAL;

	out[0] = '\0';
	if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) != 1)
		goto out;
	for (;;) {
		ssize_t k = read(fd, chunk, sizeof(chunk));

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			r = ERR_SYS;
			goto out;
		}
		if (k == 0)
			break;
		total += (uint64_t)k;
		if (total > size || EVP_DigestUpdate(ctx, chunk, (size_t)k) != 1) {
			r = ERR_TOO_LARGE;
			goto out;
		}
	}
	if (total != size || EVP_DigestFinal_ex(ctx, md, &md_len) != 1 || md_len != 20) {
		r = ERR_TRUNCATED;
		goto out;
	}
	hex_encode(out, md, 20, true);
	r = 0;
out:
	EVP_MD_CTX_free(ctx);
	return r;
}

/* The hash an earlier load computed for the same unchanged file, or NULL. */
static const char *known_hash(const struct files *old, const char *name, const struct fid *id)
{
	const struct manifest_entry *e;

	if (!old || old->dirfd < 0 || !(e = manifest_find(&old->man, name)))
		return NULL;
	return fid_equal(&old->pkg[e - old->man.e].id, id) ? old->pkg[e - old->man.e].sha1 : NULL;
}

static int load_package(struct files *f, size_t i, const struct files *old)
{
	const char *name = f->man.e[i].file, *known;
	struct package *p = &f->pkg[i];
	struct stat st;
	int fd, r = ERR_INTERNAL;

	if ((fd = openat(f->dirfd, name, OPEN_FLAGS)) < 0 || fstat(fd, &st) != 0) {
		log_err("client-packages: %s/%s %s", f->pkg_dir, name, open_error(errno));
		r = ERR_SYS;
		goto out;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > MFILES_PACKAGE_MAX) {
		log_err("client-packages: %s/%s is not a regular file of at most 1 GiB", f->pkg_dir,
			name);
		r = ERR_TOO_LARGE;
		goto out;
	}
	fid_of(&st, &p->id);
	if ((known = known_hash(old, name, &p->id)) != NULL) {
		str_copy(p->sha1, sizeof(p->sha1), known);
	} else if ((r = hash_fd(fd, (uint64_t)st.st_size, p->sha1)) != 0) {
		log_err("client-packages: %s/%s cannot be hashed (%s)", f->pkg_dir, name,
			err_str(r));
		goto out;
	}
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	return r;
}

static int read_manifest(struct files *f)
{
	static uint8_t data[MANIFEST_FILE_MAX];
	char err[256];
	struct stat st;
	int fd, r = ERR_INTERNAL;

	if ((fd = openat(f->dirfd, "manifest", OPEN_FLAGS)) < 0 || fstat(fd, &st) != 0) {
		log_err("client-packages: %s/manifest %s", f->pkg_dir, open_error(errno));
		r = ERR_SYS;
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > (off_t)MANIFEST_FILE_MAX ||
	    read_exact(fd, data, (size_t)st.st_size) != 0) {
		log_err("client-packages: %s/manifest is not a readable file of at most 64 KiB",
			f->pkg_dir);
		r = ERR_TOO_LARGE;
		goto out;
	}
	if ((r = manifest_parse(data, (size_t)st.st_size, 0, &f->man, err, sizeof(err))) != 0) {
		log_err("client-packages: %s/manifest: %s", f->pkg_dir, err);
		goto out;
	}
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	return r;
}

static int load_packages(struct files *f, const struct files *old)
{
	int r;

	f->dirfd = open(f->pkg_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (f->dirfd < 0) {
		log_err_sys("client-packages: cannot open the directory %s", f->pkg_dir);
		return ERR_SYS;
	}
	if ((r = read_manifest(f)) != 0)
		return r;
	for (size_t i = 0; i < f->man.n; i++)
		if ((r = load_package(f, i, old)) != 0)
			return r;
	return 0;
}

/* --- load and free --- */

static void files_free(struct files *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n_prof; i++)
		profile_drop(&f->prof[i]);
	if (f->dirfd >= 0)
		close(f->dirfd);
	free(f);
}

static void log_loaded(const struct files *f)
{
	const struct profile *g = NULL;

	for (size_t i = 0; i < f->n_prof && f->global[0]; i++)
		if (strcmp(f->prof[i].path, f->global) == 0)
			g = &f->prof[i];
	if (g)
		log_notice("client profile %s%s (SHA-1 %s)", URLMAP_PROFILE_PREFIX, g->name,
			   g->sha1);
	if (f->dirfd >= 0)
		log_notice("client packages: %zu from %s", f->man.n, f->pkg_dir);
}

int mfiles_load(const struct conf *cf)
{
	struct files *nf = calloc(1, sizeof(*nf));
	int r = ERR_INTERNAL;

	if (!nf)
		return ERR_NOMEM;
	nf->dirfd = -1;
	if (str_copy(nf->global, sizeof(nf->global), cf->user_profile) != 0 ||
	    str_copy(nf->per_group, sizeof(nf->per_group), cf->config_per_group) != 0 ||
	    str_copy(nf->per_user, sizeof(nf->per_user), cf->config_per_user) != 0 ||
	    str_copy(nf->default_group, sizeof(nf->default_group), cf->default_group_config) != 0 ||
	    str_copy(nf->default_user, sizeof(nf->default_user), cf->default_user_config) != 0 ||
	    str_copy(nf->pkg_dir, sizeof(nf->pkg_dir), cf->client_packages) != 0) {
		r = ERR_TOO_LARGE;
		goto out;
	}
	if (nf->global[0] && !profile_get(nf, nf->global)) {
		r = ERR_FORMAT;
		goto out;
	}
	if ((r = scan_user_files(nf)) != 0)
		goto out;
	if (nf->pkg_dir[0] && (r = load_packages(nf, F)) != 0)
		goto out;
	log_loaded(nf);
	files_free(F);
	F = nf;
	nf = NULL;
	r = 0;
out:
	if (r != 0)
		log_err("client files not loaded (%s)%s", err_str(r),
			F ? ": keeping the previous ones" : "");
	files_free(nf);
	return r;
}

void mfiles_free(void)
{
	files_free(F);
	F = NULL;
}

static void profile_uri(const struct profile *p, char *uri, size_t uri_size, char *hash)
{
	snprintf(uri, uri_size, "%s%s", URLMAP_PROFILE_PREFIX, p->name);
	str_copy(hash, MANIFEST_SHA1_HEX + 1, p->sha1);
}

bool mfiles_profile_info(char *uri, size_t uri_size, char hash[static MANIFEST_SHA1_HEX + 1])
{
	struct profile *p;

	uri[0] = hash[0] = '\0';
	if (!F || !F->global[0] || !(p = profile_get(F, F->global)))
		return false;
	profile_uri(p, uri, uri_size, hash);
	return true;
}

bool mfiles_session_profile(struct session *s, char *uri, size_t uri_size,
			    char hash[static MANIFEST_SHA1_HEX + 1])
{
	struct profile *p;

	uri[0] = hash[0] = '\0';
	if (!F || !(p = session_profile(F, s)))
		return false;
	profile_uri(p, uri, uri_size, hash);
	return true;
}

/* --- IPC_FILE_REQ --- */

static void answer_profile(struct session *s, const char *name, struct ipc_file_rep *rep, int *fd)
{
	struct profile *p = session_profile(F, s);

	if (!p || strcmp(p->name, name) != 0)
		return;
	if ((*fd = fcntl(p->memfd, F_DUPFD_CLOEXEC, 0)) < 0) {
		log_warn_sys("cannot hand out the profile %s", p->path);
		return;
	}
	rep->status = IPC_FILE_OK;
	rep->size = p->size;
	rep->mtime = (uint64_t)(p->mtime < 0 ? 0 : p->mtime);
	str_copy(rep->content_type, sizeof(rep->content_type), "text/xml");
	str_copy(rep->sha1, sizeof(rep->sha1), p->sha1);
}

/* Let a long download outlive the connection's pre-tunnel bound, within reason. */
static void extend_deadline(struct conn *c, uint64_t size)
{
	double need = DOWNLOAD_SLACK + (double)size / DOWNLOAD_MIN_RATE;

	if (!ev_is_active(&c->timer) || ev_timer_remaining(M.loop, &c->timer) >= need)
		return;
	ev_timer_stop(M.loop, &c->timer);
	ev_timer_set(&c->timer, need, 0.);
	ev_timer_start(M.loop, &c->timer);
}

static void answer_package(struct conn *c, const char *name, struct ipc_file_rep *rep, int *fd)
{
	const struct manifest_entry *e = F->dirfd >= 0 ? manifest_find(&F->man, name) : NULL;
	const struct package *p;
	struct stat st;
	struct fid id;

	if (!e)
		return;
	p = &F->pkg[e - F->man.e];
	if ((*fd = openat(F->dirfd, name, OPEN_FLAGS)) < 0 || fstat(*fd, &st) != 0) {
		log_warn("client-packages: %s/%s %s", F->pkg_dir, name, open_error(errno));
		goto out;
	}
	fid_of(&st, &id);
	if (!S_ISREG(st.st_mode) || !fid_equal(&id, &p->id)) {
		log_warn("client-packages: %s/%s changed since it was hashed: not served until a "
			 "reload (SIGHUP)",
			 F->pkg_dir, name);
		goto out;
	}
	rep->status = IPC_FILE_OK;
	rep->size = (uint64_t)st.st_size;
	rep->mtime = (uint64_t)(st.st_mtim.tv_sec < 0 ? 0 : st.st_mtim.tv_sec);
	str_copy(rep->content_type, sizeof(rep->content_type), "application/octet-stream");
	str_copy(rep->sha1, sizeof(rep->sha1), p->sha1);
	extend_deadline(c, rep->size);
	return;
out:
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* The empty name: what this session is told about (its profile and the packages), in the
 * manifest format with a profile line. */
static void answer_announcement(struct session *s, struct ipc_file_rep *rep, int *fd)
{
	static uint8_t text[MANIFEST_FILE_MAX];
	static struct manifest ann;
	struct profile *p = session_profile(F, s);
	struct buf_wr wr;

	ann = F->man;
	if (p) {
		ann.has_profile = true;
		str_copy(ann.profile_name, sizeof(ann.profile_name), p->name);
		str_copy(ann.profile_sha1, sizeof(ann.profile_sha1), p->sha1);
	}
	if (!ann.has_profile && ann.n == 0)
		return;
	buf_wr_init(&wr, text, sizeof(text));
	if (manifest_write(&ann, &wr) != 0 || manifest_sha1_hex(wr.p, wr.len, rep->sha1) != 0 ||
	    sealed_copy(wr.p, wr.len, fd) != 0) {
		log_warn_sys("cannot build the client-files announcement");
		return;
	}
	rep->status = IPC_FILE_OK;
	rep->size = wr.len;
	rep->mtime = (uint64_t)time(NULL);
	str_copy(rep->content_type, sizeof(rep->content_type), "text/plain");
}

int on_file_req(struct conn *c, const struct ipc_hdr *hdr, void *msg)
{
	struct ipc_file_req *req = msg;
	struct ipc_file_rep rep;
	struct session *s;
	int fd = -1;

	/* The worker maps URLs with the same rules: anything else is a broken worker. */
	if (req->kind != IPC_FILE_PROFILE && req->kind != IPC_FILE_PACKAGE)
		return ERR_RANGE;
	if (req->name[0] ? !manifest_name_ok(req->name) : req->kind != IPC_FILE_PACKAGE)
		return ERR_FORMAT;
	memset(&rep, 0, sizeof(rep));
	rep.status = IPC_FILE_NOT_FOUND;
	s = session_find_cookie(M.sessions, req->cookie);
	if (!s)
		rep.status = IPC_FILE_UNAUTHORIZED;
	else if (F && req->kind == IPC_FILE_PROFILE)
		answer_profile(s, req->name, &rep, &fd);
	else if (F && !req->name[0])
		answer_announcement(s, &rep, &fd);
	else if (F)
		answer_package(c, req->name, &rep, &fd);
	if (s && req->name[0])
		log_info("%s: user '%s': %s %s: %s", c->peer_str, s->user,
			 req->kind == IPC_FILE_PROFILE ? "profile" : "package", req->name,
			 rep.status == IPC_FILE_OK ? "found" : "not found");
	send_to_worker(c, IPC_FILE_REP, hdr->id, &rep, fd >= 0 ? &fd : NULL, fd >= 0 ? 1 : 0);
	if (fd >= 0)
		close(fd);
	return 0;
}
