/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for common/passwd: the ocpasswd file format and crypt(3) verification.
 * Process: any (test program). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "passwd.h"
#include "tap.h"

/* Produced with `openssl passwd -5 -salt Q7mZ2xk9Lw 'correct horse'` and
 * `openssl passwd -6 -salt cstpdTestSalt01 'correct horse'`. */
#define HASH5 "$5$Q7mZ2xk9Lw$z/bs4JfmZcfrs8.sksdaUkQHMu/fYPVp7uzWBV6x9w1"
#define HASH6                                                                                      \
	"$6$cstpdTestSalt01$OGPZUe9dNtBNmlmZSQjrrsX2TkIXm4A4lJWGvgy2/U0vbVKS4A3H5XwWXPmLXmcWh/"    \
	"mVkkE8BM2zb1QXvPfrm."
#define GOOD_PW "correct horse"

static struct passwd_entry ent;

static int parse(const char *s)
{
	return passwd_parse_line(s, strlen(s), &ent);
}

static void test_parse_good(void)
{
	is_int(parse("alice:admins,staff:" HASH6), 0, "two groups parse");
	is_str(ent.user, "alice", "user");
	is_int(ent.n_groups, 2, "two groups");
	is_str(ent.groups[0], "admins", "first group");
	is_str(ent.groups[1], "staff", "second group");
	is_str(ent.hash, HASH6, "hash");
	ok(!ent.locked, "not locked");

	is_int(parse("bob:*:" HASH5 "\n"), 0, "'*' groups with \\n");
	is_int(ent.n_groups, 0, "'*' is no group");
	is_str(ent.hash, HASH5, "newline not in hash");

	is_int(parse("carol:g1:!" HASH6 "\r\n"), 0, "locked with \\r\\n");
	ok(ent.locked, "'!' locks");
	is_str(ent.hash, HASH6, "'!' and \\r taken off");

	is_int(parse("dave:*:!!" HASH5 "\r"), 0, "double '!' with lone \\r");
	ok(ent.locked && strcmp(ent.hash, HASH5) == 0, "every leading '!' taken off");

	is_int(parse("erin::" HASH5), 0, "empty groups field");
	is_int(ent.n_groups, 0, "empty groups is no group");

	is_int(parse("frank: ops , dev\t:" HASH5), 0, "blanks around group names");
	ok(ent.n_groups == 2 && strcmp(ent.groups[0], "ops") == 0 &&
		   strcmp(ent.groups[1], "dev") == 0,
	   "group names trimmed");

	is_int(parse("grace:*:*"), 0, "disabled hash parses");
	is_str(ent.hash, "*", "hash is *");
	is_int(parse("heidi:*:"), 0, "empty hash parses");
	is_str(ent.hash, "", "hash is empty");
	is_int(parse("a.b_c@d+e-f:*:x"), 0, "name with every allowed punctuation");

	is_int(passwd_parse_line("ivan:*:abc:junk", 10, &ent), 0, "len bounds the line");
	is_str(ent.hash, "abc", "bytes after len ignored");
}

static void test_parse_skip(void)
{
	static const char *const skip[] = {
		"",  "\n",   "\r\n",	      "abcd", "a:b:\n", "a:b:\r\n", "# alice:*:" HASH6,
		"#", "    ", "\t \t  \t\r\n",
	};

	for (size_t i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
		is_int(parse(skip[i]), 1, "skip line %zu", i);
	ent.user[0] = 'x';
	parse("#comment");
	is_str(ent.user, "", "entry cleared on skip");
	is_int(passwd_parse_line(NULL, 0, &ent), 1, "NULL, 0 skipped");
}

static void test_parse_bad(void)
{
	static const struct {
		const char *line;
		int want;
	} bad[] = {
		{ "alicenocolons", ERR_FORMAT },
		{ "alice:*", ERR_FORMAT },
		{ "alice:*:h:x", ERR_FORMAT },
		{ "alice:*:" HASH6 ":", ERR_FORMAT },
		{ ":*:" HASH6, ERR_FORMAT },
		{ "al ice:*:" HASH6, ERR_FORMAT },
		{ " alice:*:" HASH6, ERR_FORMAT },
		{ "alice/x:*:" HASH6, ERR_FORMAT },
		{ "alice:g!:" HASH6, ERR_FORMAT },
		{ "alice:a,,b:" HASH6, ERR_FORMAT },
		{ "alice:a,:" HASH6, ERR_FORMAT },
		{ "alice:,a:" HASH6, ERR_FORMAT },
		{ "alice:**:" HASH6, ERR_FORMAT },
		{ "alice:*:has h", ERR_FORMAT },
		{ "alice:*:hash\twith tab", ERR_FORMAT },
		{ "alice:*:hash\nmore", ERR_FORMAT },
		{ "alice:*:hash\r\r\n", ERR_FORMAT },
		{ "alice:*:h\xc3\xa9sh", ERR_FORMAT },
		{ "alice:*:h\x7fsh", ERR_FORMAT },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		is_int(parse(bad[i].line), bad[i].want, "bad line %zu", i);
		is_str(ent.user, "", "entry cleared after bad line %zu", i);
	}
	is_int(passwd_parse_line("alice:*:ab\0cd", 13, &ent), ERR_FORMAT, "NUL in hash");
	is_int(passwd_parse_line("ali\0e:*:abcd", 12, &ent), ERR_FORMAT, "NUL in user");
}

static void test_parse_limits(void)
{
	char line[4 * PASSWD_LINE_MAX];
	char name[PASSWD_USER_MAX + 2];
	int n;

	memset(name, 'u', sizeof(name));
	name[PASSWD_USER_MAX] = '\0';
	snprintf(line, sizeof(line), "%s:*:x", name);
	is_int(parse(line), 0, "63-byte user fits");
	name[PASSWD_USER_MAX] = 'u';
	name[PASSWD_USER_MAX + 1] = '\0';
	snprintf(line, sizeof(line), "%s:*:x", name);
	is_int(parse(line), ERR_TOO_LARGE, "64-byte user too large");
	snprintf(line, sizeof(line), "u:%s:x", name);
	is_int(parse(line), ERR_TOO_LARGE, "64-byte group too large");

	n = snprintf(line, sizeof(line), "u:g0");
	for (int i = 1; i < PASSWD_GROUPS_MAX; i++)
		n += snprintf(line + n, sizeof(line) - (size_t)n, ",g%d", i);
	snprintf(line + n, sizeof(line) - (size_t)n, ":x");
	is_int(parse(line), 0, "16 groups fit");
	is_int(ent.n_groups, PASSWD_GROUPS_MAX, "16 groups read");
	snprintf(line + n, sizeof(line) - (size_t)n, ",g16:x");
	is_int(parse(line), ERR_TOO_LARGE, "17 groups too many");

	n = snprintf(line, sizeof(line), "u:*:!");
	memset(line + n, 'h', PASSWD_HASH_MAX);
	line[n + PASSWD_HASH_MAX] = '\0';
	is_int(parse(line), 0, "255-byte hash fits (after '!')");
	is_int(strlen(ent.hash), PASSWD_HASH_MAX, "255-byte hash read");
	line[n + PASSWD_HASH_MAX] = 'h';
	line[n + PASSWD_HASH_MAX + 1] = '\0';
	is_int(parse(line), ERR_TOO_LARGE, "256-byte hash too large");

	memset(line, 'x', PASSWD_LINE_MAX + 1);
	memcpy(line, "u:*:", 4);
	line[PASSWD_LINE_MAX + 1] = '\0';
	is_int(parse(line), ERR_TOO_LARGE, "1025-byte line too large");
	memcpy(line + PASSWD_LINE_MAX, "\r\n", 3);
	is_int(parse(line), ERR_TOO_LARGE,
	       "1024 bytes + \\r\\n hits the hash limit, not the line's");
}

static size_t read_fixture(char *buf, size_t size)
{
	FILE *f = fopen(tap_srcpath("tests/data/passwd/users.passwd"), "rb");
	size_t n = 0;

	if (f) {
		n = fread(buf, 1, size, f);
		fclose(f);
	}
	return n;
}

static void test_find(void)
{
	static char file[65536];
	size_t len = read_fixture(file, sizeof(file));
	unsigned bad = 99;

	ok(len > 0 && len < sizeof(file), "fixture read");
	is_int(passwd_find(file, len, "alice", &ent, &bad), 0, "alice found");
	is_int(bad, 0, "no bad line before alice");
	ok(passwd_in_group(&ent, "admins") && passwd_in_group(&ent, "staff"), "alice's groups");
	ok(!passwd_in_group(&ent, "ops") && !passwd_in_group(&ent, "Admins"), "not in others");
	is_int(passwd_verify(&ent, "alice-pass"), 0, "first alice line wins");
	is_int(passwd_verify(&ent, "bob-pass"), ERR_DENIED, "second alice line unused");

	is_int(passwd_find(file, len, "bob", &ent, NULL), 0, "bob found, n_bad NULL");
	is_int(passwd_verify(&ent, "bob-pass"), 0, "bob verifies");
	is_int(passwd_find(file, len, "carol", &ent, NULL), 0, "carol found");
	ok(ent.locked, "carol locked");
	is_int(passwd_verify(&ent, "carol-pass"), ERR_DENIED, "locked carol denied");
	is_int(passwd_find(file, len, "dave", &ent, NULL), 0, "dave found");
	is_int(passwd_verify(&ent, "*"), ERR_DENIED, "'*' hash denies");
	is_int(passwd_find(file, len, "erin", &ent, &bad), 0, "erin (CRLF line) found");
	is_int(bad, 2, "two bad lines skipped before erin");
	is_int(passwd_verify(&ent, "carol-pass"), 0, "erin verifies despite \\r");
	is_int(passwd_find(file, len, "frank", &ent, NULL), 0, "frank (no final \\n) found");
	is_int(passwd_verify(&ent, "frank-pass"), 0, "frank verifies");

	is_int(passwd_find(file, len, "mallory", &ent, &bad), ERR_DENIED, "bad line not a user");
	is_int(bad, 2, "bad lines counted over the whole file");
	is_str(ent.user, "", "entry cleared when not found");
	is_int(passwd_find(file, len, "abc", &ent, NULL), ERR_DENIED, "short line not a user");
	is_int(passwd_find(file, len, "", &ent, NULL), ERR_DENIED, "empty user not found");
	is_int(passwd_find(file, len, "ALICE", &ent, NULL), ERR_DENIED, "names are case-sensitive");
	is_int(passwd_find("", 0, "alice", &ent, &bad), ERR_DENIED, "empty file");
	is_int(bad, 0, "empty file has no bad line");
	is_int(passwd_find(file, 30, "alice", &ent, NULL), ERR_DENIED, "len bounds the search");
}

static void test_verify_fixed(void)
{
	char big[PASSWD_PASSWORD_MAX + 2];

	is_int(parse("u:*:" HASH5), 0, "$5$ line");
	is_int(passwd_verify(&ent, GOOD_PW), 0, "$5$ (openssl passwd -5) verifies");
	is_int(passwd_verify(&ent, "correct horsE"), ERR_DENIED, "$5$ wrong password");
	is_int(passwd_verify(&ent, "correct hors"), ERR_DENIED, "$5$ prefix of password");
	is_int(passwd_verify(&ent, ""), ERR_DENIED, "$5$ empty password");

	is_int(parse("u:*:" HASH6), 0, "$6$ line");
	is_int(passwd_verify(&ent, GOOD_PW), 0, "$6$ (openssl passwd -6) verifies");
	is_int(passwd_verify(&ent, "correct horse "), ERR_DENIED, "$6$ wrong password");
	ent.locked = true;
	is_int(passwd_verify(&ent, GOOD_PW), ERR_DENIED, "locked denies the right password");

	is_int(parse("u:*:!" HASH6), 0, "locked line");
	is_int(passwd_verify(&ent, GOOD_PW), ERR_DENIED, "locked line denies");
	ent.locked = false;
	is_int(passwd_verify(&ent, GOOD_PW), 0, "unlocked again verifies");

	memset(big, 'p', sizeof(big));
	big[PASSWD_PASSWORD_MAX + 1] = '\0';
	is_int(passwd_verify(&ent, big), ERR_DENIED, "over-long password denied");

	static const char *const unusable[] = { "*", "!", "", "*LK*", "!!", "x", "$6$" };
	for (size_t i = 0; i < sizeof(unusable) / sizeof(unusable[0]); i++) {
		memset(&ent, 0, sizeof(ent));
		strcpy(ent.user, "u");
		strcpy(ent.hash, unusable[i]);
		is_int(passwd_verify(&ent, unusable[i][0] ? unusable[i] : "x"), ERR_DENIED,
		       "unusable hash '%s' denies", unusable[i]);
	}
}

static void test_hash_new(void)
{
	char h1[PASSWD_HASH_MAX + 1], h2[PASSWD_HASH_MAX + 1], tiny[8];
	static const char *const methods[] = { "yescrypt", "sha512" };
	static const char *const prefixes[] = { "$y$", "$6$" };

	for (size_t i = 0; i < 2; i++) {
		is_int(passwd_hash_new("s3cret pw", methods[i], h1, sizeof(h1)), 0, "%s hash",
		       methods[i]);
		ok(strncmp(h1, prefixes[i], 3) == 0, "%s hash starts with %s", methods[i],
		   prefixes[i]);
		is_int(passwd_hash_new("s3cret pw", methods[i], h2, sizeof(h2)), 0, "%s again",
		       methods[i]);
		ok(strcmp(h1, h2) != 0, "%s salts differ", methods[i]);
		memset(&ent, 0, sizeof(ent));
		strcpy(ent.user, "u");
		strcpy(ent.hash, h1);
		is_int(passwd_verify(&ent, "s3cret pw"), 0, "%s hash verifies", methods[i]);
		is_int(passwd_verify(&ent, "s3cret pW"), ERR_DENIED, "%s wrong password",
		       methods[i]);
	}
	is_str(passwd_default_method(), "yescrypt", "this libcrypt has yescrypt");
	is_int(passwd_hash_new("pw", "md5", h1, sizeof(h1)), ERR_FORMAT, "unknown method");
	is_int(passwd_hash_new("pw", NULL, h1, sizeof(h1)), ERR_FORMAT, "NULL method");
	is_int(passwd_hash_new("", "sha512", h1, sizeof(h1)), ERR_FORMAT, "empty password");
	strcpy(tiny, "junk");
	is_int(passwd_hash_new("pw", "sha512", tiny, sizeof(tiny)), ERR_TOO_LARGE, "dst too small");
	is_str(tiny, "", "dst emptied when too small");
}

static void test_format(void)
{
	char out[PASSWD_LINE_MAX + 2];
	static const char *const canon[] = {
		"alice:admins,staff:" HASH6 "\n",
		"bob:*:" HASH5 "\n",
		"carol:g:!" HASH5 "\n",
		"dave:*:*\n",
	};

	for (size_t i = 0; i < sizeof(canon) / sizeof(canon[0]); i++) {
		is_int(parse(canon[i]), 0, "canonical line %zu parses", i);
		is_int(passwd_format_line(&ent, out, sizeof(out)), 0, "line %zu formats", i);
		is_str(out, canon[i], "line %zu round trip", i);
	}
	is_int(parse("erin: a , b :!!x\r\n"), 0, "non-canonical line");
	is_int(passwd_format_line(&ent, out, sizeof(out)), 0, "formats");
	is_str(out, "erin:a,b:!x\n", "canonical form");

	strcpy(ent.hash, "!y");
	is_int(passwd_format_line(&ent, out, sizeof(out)), 0, "locked, '!' already in hash");
	is_str(out, "erin:a,b:!y\n", "no second '!'");

	is_int(passwd_format_line(&ent, out, 12), ERR_TOO_LARGE, "dst one byte short");
	is_str(out, "", "dst emptied");
	is_int(passwd_format_line(&ent, out, 13), 0, "dst exactly large enough");
	is_int(passwd_format_line(&ent, out, 0), ERR_TOO_LARGE, "dst_size 0");

	strcpy(ent.hash, "a:b");
	is_int(passwd_format_line(&ent, out, sizeof(out)), ERR_FORMAT, "':' in hash refused");
	strcpy(ent.hash, "ab");
	strcpy(ent.user, "bad user");
	is_int(passwd_format_line(&ent, out, sizeof(out)), ERR_FORMAT, "bad user refused");
	strcpy(ent.user, "u");
	strcpy(ent.groups[1], "bad,group");
	is_int(passwd_format_line(&ent, out, sizeof(out)), ERR_FORMAT, "bad group refused");
	ent.n_groups = PASSWD_GROUPS_MAX + 1;
	is_int(passwd_format_line(&ent, out, sizeof(out)), ERR_FORMAT, "too many groups refused");

	memset(&ent, 0, sizeof(ent));
	strcpy(ent.user, "u");
	ent.n_groups = PASSWD_GROUPS_MAX;
	for (size_t i = 0; i < PASSWD_GROUPS_MAX; i++)
		memset(ent.groups[i], 'g', PASSWD_USER_MAX);
	memset(ent.hash, 'h', PASSWD_HASH_MAX);
	is_int(passwd_format_line(&ent, out, sizeof(out)), ERR_TOO_LARGE,
	       "line over PASSWD_LINE_MAX refused");
}

static bool same_entry(const struct passwd_entry *a, const struct passwd_entry *b)
{
	if (strcmp(a->user, b->user) || a->n_groups != b->n_groups || strcmp(a->hash, b->hash) ||
	    a->locked != b->locked)
		return false;
	for (size_t i = 0; i < a->n_groups; i++) {
		if (strcmp(a->groups[i], b->groups[i]))
			return false;
	}
	return true;
}

/* Any parse result must be a clean code; an accepted line must format and parse back. */
static bool check_one(const char *p, size_t n)
{
	char *copy = malloc(n ? n : 1);
	char out[PASSWD_LINE_MAX + 2];
	struct passwd_entry e, back;
	int r;

	if (!copy)
		return false;
	if (n)
		memcpy(copy, p, n);
	r = passwd_parse_line(copy, n, &e);
	free(copy);
	if (r == 1 || r == ERR_FORMAT || r == ERR_TOO_LARGE)
		return true;
	if (r != 0 || passwd_format_line(&e, out, sizeof(out)) != 0)
		return false;
	return passwd_parse_line(out, strlen(out), &back) == 0 && same_entry(&e, &back);
}

static void test_mutations(void)
{
	static const char *const samples[] = {
		"alice:admins,staff:" HASH6 "\n",
		"bob:*:!" HASH5 "\r\n",
		"carol: ops , dev :$y$j9T$abc$def",
		"dave::x",
	};

	for (size_t s = 0; s < sizeof(samples) / sizeof(samples[0]); s++) {
		const char *p = samples[s];
		size_t n = strlen(p);
		char buf[512];
		bool all = true;

		for (size_t cut = 0; cut <= n; cut++)
			all &= check_one(p, cut);
		ok(all, "sample %zu: every truncation clean", s);
		all = true;
		for (size_t bit = 0; bit < n * 8; bit++) {
			memcpy(buf, p, n);
			buf[bit / 8] ^= (char)(1u << (bit % 8));
			all &= check_one(buf, n);
		}
		ok(all, "sample %zu: every bit flip clean", s);
	}
}

int main(void)
{
	test_parse_good();
	test_parse_skip();
	test_parse_bad();
	test_parse_limits();
	test_find();
	test_verify_fixed();
	test_hash_new();
	test_format();
	test_mutations();
	return done_testing();
}
