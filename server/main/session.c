/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The session table: hash chains by cookie and by id. Process: main. */
#include "session.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "log.h"
#include "secmem.h"
#include "strutil.h"

#define SESSION_BUCKETS 16384 /* power of two */

struct session_table {
	struct session *by_cookie[SESSION_BUCKETS];
	struct session *by_id[SESSION_BUCKETS];
	struct session *by_user[SESSION_BUCKETS];
	size_t count;
	size_t by_state[SESSION_INACTIVE + 1]; /* sessions in each state */
	uint32_t next_id;
};

struct session_table *session_table_new(void)
{
	struct session_table *t = calloc(1, sizeof(*t));
	uint32_t r;

	if (!t)
		return NULL;
	/* Start ids at a random point so numbers do not reveal the session count. */
	if (secmem_random(&r, sizeof(r)) != 0)
		r = 1;
	t->next_id = (r & 0x3fffffff) + 1;
	return t;
}

void session_table_free(struct session_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < SESSION_BUCKETS; i++) {
		struct session *s = t->by_id[i];

		while (s) {
			struct session *n = s->next_by_id;

			secmem_wipe(s->cookie, sizeof(s->cookie));
			free(s->ucfg);
			free(s);
			s = n;
		}
	}
	free(t);
}

/* The cookie is random, so its first bytes are a good hash already. */
static size_t cookie_bucket(const uint8_t *c)
{
	return ((size_t)c[0] << 8 | c[1] | (size_t)c[2] << 16) & (SESSION_BUCKETS - 1);
}

static size_t user_bucket(const char *user)
{
	size_t h = 5381;

	while (*user)
		h = h * 33 + (unsigned char)*user++;
	return h & (SESSION_BUCKETS - 1);
}

static size_t id_bucket(uint32_t id)
{
	return (id * 2654435761u) & (SESSION_BUCKETS - 1);
}

struct session *session_create(struct session_table *t, const char *user, const char *group)
{
	struct session *s = calloc(1, sizeof(*s));
	size_t b;

	if (!s)
		return NULL;
	if (secmem_random(s->cookie, sizeof(s->cookie)) != 0 ||
	    str_copy(s->user, sizeof(s->user), user) != 0 ||
	    str_copy(s->group, sizeof(s->group), group) != 0) {
		free(s);
		return NULL;
	}
	do
		s->id = t->next_id++;
	while (s->id == 0 || session_find_id(t, s->id));
	b = cookie_bucket(s->cookie);
	s->next_by_cookie = t->by_cookie[b];
	t->by_cookie[b] = s;
	b = id_bucket(s->id);
	s->next_by_id = t->by_id[b];
	t->by_id[b] = s;
	b = user_bucket(s->user);
	s->next_by_user = t->by_user[b];
	t->by_user[b] = s;
	t->count++;
	t->by_state[s->state]++; /* calloc: SESSION_NEW */
	return s;
}

struct session *session_find_cookie(struct session_table *t, const char *hex)
{
	uint8_t want[IPC_COOKIE_LEN];
	struct session *s, *found = NULL;

	if (hex_decode(want, sizeof(want), hex, strlen(hex)) != 0)
		return NULL;
	for (s = t->by_cookie[cookie_bucket(want)]; s; s = s->next_by_cookie)
		if (secmem_equal(s->cookie, want, sizeof(want)))
			found = s;
	secmem_wipe(want, sizeof(want));
	return found;
}

struct session *session_find_id(struct session_table *t, uint32_t id)
{
	struct session *s;

	for (s = t->by_id[id_bucket(id)]; s; s = s->next_by_id)
		if (s->id == id)
			return s;
	return NULL;
}

/* Unlink s from a chain whose link field sits at offset `link` in struct session. */
static void unlink_chain(struct session **head, struct session *s, size_t link)
{
	struct session **pp = head;

	while (*pp && *pp != s)
		pp = (struct session **)((char *)*pp + link);
	if (*pp)
		*pp = *(struct session **)((char *)s + link);
}

void session_destroy(struct session_table *t, struct session *s)
{
	unlink_chain(&t->by_cookie[cookie_bucket(s->cookie)], s,
		     offsetof(struct session, next_by_cookie));
	unlink_chain(&t->by_id[id_bucket(s->id)], s, offsetof(struct session, next_by_id));
	unlink_chain(&t->by_user[user_bucket(s->user)], s, offsetof(struct session, next_by_user));
	t->count--;
	t->by_state[s->state]--;
	secmem_wipe(s->cookie, sizeof(s->cookie));
	free(s->ucfg);
	free(s->rad); /* its accounting timer was stopped by session_end() */
	free(s);
}

void session_cookie_hex(const struct session *s, char *dst)
{
	hex_encode(dst, s->cookie, sizeof(s->cookie), true);
}

size_t session_count(const struct session_table *t)
{
	return t->count;
}

void session_set_state(struct session_table *t, struct session *s, enum session_state st)
{
	BUG(st > SESSION_INACTIVE || t->by_state[s->state] == 0);
	t->by_state[s->state]--;
	t->by_state[st]++;
	s->state = st;
}

size_t session_count_state(const struct session_table *t, enum session_state st)
{
	return st <= SESSION_INACTIVE ? t->by_state[st] : 0;
}

unsigned session_count_user(struct session_table *t, const char *user)
{
	unsigned n = 0;

	for (struct session *s = t->by_user[user_bucket(user)]; s; s = s->next_by_user)
		if (strcmp(s->user, user) == 0)
			n++;
	return n;
}

unsigned session_count_user_active(struct session_table *t, const char *user)
{
	unsigned n = 0;

	for (struct session *s = t->by_user[user_bucket(user)]; s; s = s->next_by_user)
		if (s->state == SESSION_ACTIVE && strcmp(s->user, user) == 0)
			n++;
	return n;
}

struct session *session_any(struct session_table *t)
{
	if (!t->count)
		return NULL;
	for (size_t i = 0; i < SESSION_BUCKETS; i++)
		if (t->by_id[i])
			return t->by_id[i];
	return NULL;
}

/* Of a chain, the session with the smallest id above `above` (and, when user is not NULL,
 * that user's); chains are short, so ordering by id on each call costs little. */
static struct session *chain_min_above(struct session *s, size_t link, uint32_t above,
				       const char *user)
{
	struct session *best = NULL;

	for (; s; s = *(struct session **)((char *)s + link)) {
		if (s->id <= above || (best && s->id >= best->id))
			continue;
		if (user && strcmp(s->user, user) != 0)
			continue;
		best = s;
	}
	return best;
}

struct session *session_next(struct session_table *t, struct session_cursor *cur)
{
	struct session *s;

	for (; cur->bucket < SESSION_BUCKETS; cur->bucket++, cur->last_id = 0) {
		s = chain_min_above(t->by_id[cur->bucket], offsetof(struct session, next_by_id),
				    cur->last_id, NULL);
		if (s) {
			cur->last_id = s->id;
			return s;
		}
	}
	return NULL;
}

struct session *session_next_of_user(struct session_table *t, const char *user, uint32_t *last_id)
{
	struct session *s = chain_min_above(t->by_user[user_bucket(user)],
					    offsetof(struct session, next_by_user), *last_id, user);

	if (s)
		*last_id = s->id;
	return s;
}
