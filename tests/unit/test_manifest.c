/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for the client packages manifest, announcements and profile checks.
 * Process: any (test). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "manifest.h"
#include "tap.h"

static const char good[] =
	"# packages\n"
	"\n"
	"package VPNCore 4.10.08029 win:6.1.7601 msi core-win.msi AnyConnect Secure Mobility "
	"Client\n"
	"   package\tVPNCore 4.10.08029 linux-64 sh core-linux64.sh   \r\n"
	"package DART 4.10.08029 win:6.1.7601 msi dart_win+1.msi  AnyConnect  DART  \n"
	"  # indented comment\n"
	"package Posture 4.10.08029 mac-intel dmg posture-mac.dmg";

static const char announce[] = "profile corp.xml 44A3E1C1A0B6E8D97A0A3F1C2E4F6A8B0C2D4F57\n"
			       "package VPNCore 4.10.08029 linux-64 sh core.sh Client\n";

static const char small_profile[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<AnyConnectProfile xmlns=\"http://schemas.xmlsoap.org/encoding/\">\n"
	"<ClientInitialization><AutoReconnect UserControllable=\"false\">true\n"
	"<AutoReconnectBehavior UserControllable=\"false\">ReconnectAfterResume"
	"</AutoReconnectBehavior></AutoReconnect></ClientInitialization>\n"
	"<ServerList><HostEntry><HostName>VPN</HostName><HostAddress>vpn.example.net"
	"</HostAddress></HostEntry></ServerList></AnyConnectProfile>\n";

static struct manifest M;

static int parse(const char *s, unsigned flags, char *err, size_t err_size)
{
	return manifest_parse((const uint8_t *)s, strlen(s), flags, &M, err, err_size);
}

static void test_good(void)
{
	char err[128];
	int r = parse(good, 0, err, sizeof(err));

	is_int(r, 0, "sample manifest parses (%s)", err);
	is_int(M.n, 4, "four packages");
	is_str(M.e[0].id, "VPNCore", "id");
	is_str(M.e[0].version, "4.10.08029", "version");
	is_str(M.e[0].os, "win:6.1.7601", "os with a minimum version");
	is_str(M.e[0].type, "msi", "type");
	is_str(M.e[0].file, "core-win.msi", "file");
	is_str(M.e[0].display, "AnyConnect Secure Mobility Client", "display name, inner blanks");
	is_str(M.e[1].file, "core-linux64.sh", "CRLF line, tab separator");
	is_str(M.e[1].display, "", "no display name");
	is_str(M.e[2].file, "dart_win+1.msi", "'+' and '_' in a file name");
	is_str(M.e[2].display, "AnyConnect  DART", "display trimmed at both ends only");
	is_str(M.e[3].file, "posture-mac.dmg", "last line without a newline");
	ok(!M.has_profile, "no profile in a package manifest");
	ok(manifest_find(&M, "core-linux64.sh") == &M.e[1], "find by file name");
	ok(manifest_find(&M, "core-linux64") == NULL && manifest_find(&M, "") == NULL,
	   "find is exact");
	is_int(parse("", 0, NULL, 0), 0, "empty manifest");
	is_int(M.n, 0, "no entries");
	is_int(parse("# only\n\n   \n\t\n", 0, NULL, 0), 0, "comments and blank lines");
}

struct bad {
	const char *text;
	int want;
	const char *why;
};

static const struct bad bads[] = {
	{ "packge A 1 win msi a.msi\n", ERR_FORMAT, "unknown keyword" },
	{ "package A 1 win msi\n", ERR_FORMAT, "missing file" },
	{ "package A 1 win\n", ERR_FORMAT, "missing type" },
	{ "package\n", ERR_FORMAT, "missing everything" },
	{ "package A 1 win msi ../a.msi\n", ERR_FORMAT, "'/' in a file name" },
	{ "package A 1 win msi ..\n", ERR_FORMAT, "'..' as a file name" },
	{ "package A 1 win msi .hidden\n", ERR_FORMAT, "file name starting with '.'" },
	{ "package A 1 win msi a%2fb\n", ERR_FORMAT, "'%' in a file name" },
	{ "package A 1 win msi a\\b\n", ERR_FORMAT, "backslash in a file name" },
	{ "package A 1 win msi a:b\n", ERR_FORMAT, "':' in a file name" },
	{ "package A 1 win msi manifest\n", ERR_FORMAT, "reserved: manifest" },
	{ "package A 1 win msi update.txt\n", ERR_FORMAT, "reserved: update.txt" },
	{ "package A 1 win msi vpndownloader.sh\n", ERR_FORMAT, "reserved: vpndownloader.sh" },
	{ "package A 1 win msi VPNManifest.xml\n", ERR_FORMAT, "reserved: VPNManifest.xml" },
	{ "package A.B 1 win msi a.msi\n", ERR_FORMAT, "'.' in an id" },
	{ "package A 1/2 win msi a.msi\n", ERR_FORMAT, "'/' in a version" },
	{ "package A 1 w/n msi a.msi\n", ERR_FORMAT, "'/' in an os" },
	{ "package A 1 win MSI a.msi\n", ERR_FORMAT, "upper case type" },
	{ "package A 1 win msi a.msi\npackage B 1 win msi a.msi\n", ERR_FORMAT, "file twice" },
	{ "package A 1 win msi a.msi\npackage A 2 win msi b.msi\n", ERR_FORMAT,
	  "id twice for one os" },
	{ "package A 1 win msi a.msi caf\xc3\xa9\n", ERR_FORMAT, "non-ASCII display name" },
	{ "package A 1 win msi a.msi x\x01y\n", ERR_FORMAT, "control character" },
	{ "package A 1 win msi a.msi\rx\n", ERR_FORMAT, "stray CR" },
	{ "profile p.xml 44A3E1C1A0B6E8D97A0A3F1C2E4F6A8B0C2D4F57\n", ERR_FORMAT,
	  "profile line in an administrator's manifest" },
	{ "package A 1 win msi "
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
	  ERR_TOO_LARGE, "128-byte file name" },
	{ "package A 12345678901234567890123456789012 win msi a.msi\n", ERR_TOO_LARGE,
	  "32-byte version" },
	{ "package A 1 win abcdefghijklmnop a.msi\n", ERR_TOO_LARGE, "16-byte type" },
};

static void test_bad(void)
{
	char err[128];

	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		int r = parse(bads[i].text, 0, err, sizeof(err));

		ok(r == bads[i].want && M.n == 0 && strncmp(err, "line ", 5) == 0,
		   "%s -> %s (got %s: %s)", bads[i].why, err_str(bads[i].want), err_str(r), err);
	}
	parse("package A 1 win msi a.msi\n\n# x\npackage A 1 win msi a.msi\n", 0, err, sizeof(err));
	is_str(err, "line 4: file listed twice", "error names the line");
	ok(manifest_parse((const uint8_t *)"package A 1 w msi a\0b\n", 22, 0, &M, err,
			  sizeof(err)) == ERR_FORMAT,
	   "embedded NUL");
}

static void test_limits(void)
{
	struct buf_wr wr;
	char *line;
	int r;

	buf_wr_init_alloc(&wr, 1u << 20);
	for (int i = 0; i < MANIFEST_ENTRIES_MAX; i++)
		buf_printf(&wr, "package P%d 1 win msi f%d.msi\n", i, i);
	r = manifest_parse(wr.p, wr.len, 0, &M, NULL, 0);
	ok(r == 0 && M.n == MANIFEST_ENTRIES_MAX, "%d packages fit", MANIFEST_ENTRIES_MAX);
	buf_printf(&wr, "package X 1 win msi x.msi\n");
	r = manifest_parse(wr.p, wr.len, 0, &M, NULL, 0);
	ok(r == ERR_TOO_LARGE && M.n == 0, "one more is ERR_TOO_LARGE");
	buf_wr_free(&wr);

	line = malloc(MANIFEST_LINE_MAX + 2);
	memset(line, '#', MANIFEST_LINE_MAX + 1);
	line[MANIFEST_LINE_MAX - 1] = '\n';
	r = manifest_parse((const uint8_t *)line, MANIFEST_LINE_MAX, 0, &M, NULL, 0);
	is_int(r, 0, "a line of MANIFEST_LINE_MAX bytes with its newline");
	r = manifest_parse((const uint8_t *)line, MANIFEST_LINE_MAX + 1, 0, &M, NULL, 0);
	is_int(r, 0, "then a one-byte last line");
	line[MANIFEST_LINE_MAX - 1] = '#';
	r = manifest_parse((const uint8_t *)line, MANIFEST_LINE_MAX, 0, &M, NULL, 0);
	is_int(r, ERR_TOO_LARGE, "a line of MANIFEST_LINE_MAX bytes without a newline");
	free(line);
	r = manifest_parse((const uint8_t *)"", MANIFEST_FILE_MAX + 1, 0, &M, NULL, 0);
	is_int(r, ERR_TOO_LARGE, "over MANIFEST_FILE_MAX bytes");
}

static void test_announce(void)
{
	static struct manifest copy;
	char err[128];
	struct buf_wr wr;
	int r;

	r = parse(announce, MANIFEST_ANNOUNCE, err, sizeof(err));
	is_int(r, 0, "announcement parses (%s)", err);
	ok(M.has_profile, "has a profile");
	is_str(M.profile_name, "corp.xml", "profile name");
	is_str(M.profile_sha1, "44A3E1C1A0B6E8D97A0A3F1C2E4F6A8B0C2D4F57", "profile SHA-1");
	is_int(M.n, 1, "one package");
	is_int(parse("profile a.xml 44A3E1C1A0B6E8D97A0A3F1C2E4F6A8B0C2D4F57\n"
		     "profile b.xml 44A3E1C1A0B6E8D97A0A3F1C2E4F6A8B0C2D4F57\n",
		     MANIFEST_ANNOUNCE, NULL, 0),
	       ERR_FORMAT, "two profiles");
	is_int(parse("profile a.xml 44a3e1c1a0b6e8d97a0a3f1c2e4f6a8b0c2d4f57\n", MANIFEST_ANNOUNCE,
		     NULL, 0),
	       ERR_FORMAT, "lower-case SHA-1");
	is_int(parse("profile a.xml 44A3\n", MANIFEST_ANNOUNCE, NULL, 0), ERR_FORMAT,
	       "short SHA-1");
	is_int(parse("profile ../a.xml 44A3E1C1A0B6E8D97A0A3F1C2E4F6A8B0C2D4F57\n",
		     MANIFEST_ANNOUNCE, NULL, 0),
	       ERR_FORMAT, "profile name with a slash");
	is_int(parse("profile a.xml 44A3E1C1A0B6E8D97A0A3F1C2E4F6A8B0C2D4F57 x\n",
		     MANIFEST_ANNOUNCE, NULL, 0),
	       ERR_FORMAT, "text after the SHA-1");

	/* What main writes, the worker reads back unchanged. */
	parse(good, 0, NULL, 0);
	M.has_profile = true;
	strcpy(M.profile_name, "p.xml");
	strcpy(M.profile_sha1, "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709");
	buf_wr_init_alloc(&wr, MANIFEST_FILE_MAX);
	r = manifest_write(&M, &wr);
	is_int(r, 0, "write");
	copy = M;
	r = manifest_parse(wr.p, wr.len, MANIFEST_ANNOUNCE, &M, err, sizeof(err));
	ok(r == 0 && memcmp(&copy, &M, sizeof(M)) == 0, "write + parse is the identity (%s)", err);
	buf_wr_free(&wr);
}

static void test_names(void)
{
	ok(manifest_name_ok("a"), "one byte");
	ok(manifest_name_ok("anyconnect-win-4.10.08029-core-vpn-webdeploy-k9.msi"), "package");
	ok(manifest_name_ok("A_b+c-d.e"), "all allowed punctuation");
	ok(!manifest_name_ok(""), "empty");
	ok(!manifest_name_ok("."), "dot");
	ok(!manifest_name_ok(".."), "dot dot");
	ok(!manifest_name_ok(".x"), "hidden");
	ok(!manifest_name_ok("a/b"), "slash");
	ok(!manifest_name_ok("a b"), "blank");
	ok(!manifest_name_ok("a%2e"), "percent");
	ok(!manifest_name_ok("a~"), "tilde");
}

static void test_sha1(void)
{
	char hex[MANIFEST_SHA1_HEX + 1];

	is_int(manifest_sha1_hex("abc", 3, hex), 0, "sha1 of abc");
	is_str(hex, "A9993E364706816ABA3E25717850C26C9CD0D89D", "FIPS 180 vector, upper case");
	manifest_sha1_hex("", 0, hex);
	is_str(hex, "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709", "empty input");
	ok(manifest_sha1_ok(hex), "own output is a valid announcement hash");
	ok(!manifest_sha1_ok("da39a3ee5e6b4b0d3255bfef95601890afd80709"), "lower case refused");
	ok(!manifest_sha1_ok("DA39A3EE5E6B4B0D3255BFEF95601890AFD8070"), "39 digits refused");
	ok(!manifest_sha1_ok("DA39A3EE5E6B4B0D3255BFEF95601890AFD807090"), "41 digits refused");
	ok(!manifest_sha1_ok("DA39A3EE5E6B4B0D3255BFEF95601890AFD8070G"), "non-hex refused");
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *d = malloc(MANIFEST_PROFILE_MAX + 2);
	size_t n = 0;

	if (f) {
		n = fread(d, 1, MANIFEST_PROFILE_MAX + 1, f);
		fclose(f);
	}
	*len = n;
	return d;
}

static int check_profile(const char *s, char *err, size_t err_size)
{
	return manifest_profile_check((const uint8_t *)s, strlen(s), err, err_size);
}

static void test_profile(void)
{
	char err[256], *d, *big;
	size_t len;
	int r;

	d = slurp(tap_srcpath("conf/packages/manifest"), &len);
	r = manifest_parse((const uint8_t *)d, len, 0, &M, err, sizeof(err));
	ok(r == 0 && M.n == 3 && strcmp(M.e[0].id, MANIFEST_CORE_ID) == 0,
	   "the sample conf/packages/manifest parses (%s)", err);
	free(d);
	d = slurp(tap_srcpath("conf/profile.xml"), &len);
	ok(len > 0, "conf/profile.xml read");
	r = manifest_profile_check((const uint8_t *)d, len, err, sizeof(err));
	is_int(r, 0, "the sample profile conf/profile.xml is accepted (%s)", err);
	free(d);
	is_int(check_profile(small_profile, err, sizeof(err)), 0, "minimal profile (%s)", err);
	r = check_profile("<AnyConnectProfile><a></AnyConnectProfile>", err, sizeof(err));
	ok(r == ERR_FORMAT && strncmp(err, "line 1: ", 8) == 0, "mismatched tag: %s", err);
	is_int(check_profile("", err, sizeof(err)), ERR_FORMAT, "empty file");
	is_int(check_profile("<?xml version=\"1.0\"?><Other/>", err, sizeof(err)), ERR_FORMAT,
	       "wrong root element");
	is_str(err, "the root element is not AnyConnectProfile", "says why");
	is_int(check_profile("<!DOCTYPE AnyConnectProfile><AnyConnectProfile/>", err, sizeof(err)),
	       ERR_FORMAT, "DOCTYPE refused");
	d = slurp(tap_srcpath("tests/data/xml/bad-billion-laughs.xml"), &len);
	r = manifest_profile_check((const uint8_t *)d, len, err, sizeof(err));
	is_int(r, ERR_FORMAT, "entity bomb refused (%s)", err);
	free(d);
	d = slurp(tap_srcpath("tests/data/xml/bad-xxe.xml"), &len);
	r = manifest_profile_check((const uint8_t *)d, len, err, sizeof(err));
	is_int(r, ERR_FORMAT, "external entity refused (%s)", err);
	free(d);
	is_int(check_profile("<AnyConnectProfile/>trailing", NULL, 0), ERR_FORMAT,
	       "text after the root, no err buffer");

	big = malloc(MANIFEST_PROFILE_MAX + 1);
	memset(big, ' ', MANIFEST_PROFILE_MAX + 1);
	memcpy(big, "<AnyConnectProfile>", 19);
	memcpy(big + MANIFEST_PROFILE_MAX - 20, "</AnyConnectProfile>", 20);
	r = manifest_profile_check((const uint8_t *)big, MANIFEST_PROFILE_MAX, err, sizeof(err));
	is_int(r, 0, "a profile of exactly 1 MiB (%s)", err);
	r = manifest_profile_check((const uint8_t *)big, MANIFEST_PROFILE_MAX + 1, err,
				   sizeof(err));
	is_int(r, ERR_TOO_LARGE, "one byte more (%s)", err);
	free(big);
}

/* Truncate every sample at every offset and flip every bit: a clean result, never a crash,
 * and whatever parses still satisfies the parser's promises. */
static bool entries_sane(const struct manifest *m)
{
	for (size_t i = 0; i < m->n; i++)
		if (!manifest_name_ok(m->e[i].file) || !m->e[i].id[0] || !m->e[i].type[0])
			return false;
	return !m->has_profile ||
	       (manifest_name_ok(m->profile_name) && manifest_sha1_ok(m->profile_sha1));
}

static void mutate(const char *what, const char *s, size_t len, bool is_profile)
{
	uint8_t *m = malloc(len);
	size_t bad = 0, parsed = 0;
	int r;

	for (size_t i = 0; i <= len; i++) {
		r = is_profile
			    ? manifest_profile_check((const uint8_t *)s, i, NULL, 0)
			    : manifest_parse((const uint8_t *)s, i, MANIFEST_ANNOUNCE, &M, NULL, 0);
		if (r != 0 && r != ERR_FORMAT && r != ERR_TOO_LARGE)
			bad++;
		if (!is_profile && r == 0 && !entries_sane(&M))
			bad++;
	}
	for (size_t i = 0; i < len; i++) {
		for (int b = 0; b < 8; b++) {
			memcpy(m, s, len);
			m[i] ^= (uint8_t)(1u << b);
			r = is_profile ? manifest_profile_check(m, len, NULL, 0)
				       : manifest_parse(m, len, MANIFEST_ANNOUNCE, &M, NULL, 0);
			parsed += r == 0;
			if (r != 0 && r != ERR_FORMAT && r != ERR_TOO_LARGE)
				bad++;
			if (!is_profile && r == 0 && !entries_sane(&M))
				bad++;
		}
	}
	ok(bad == 0, "%s: every truncation and bit flip gives a clean result (%zu parsed)", what,
	   parsed);
	free(m);
}

int main(void)
{
	test_good();
	test_bad();
	test_limits();
	test_announce();
	test_names();
	test_sha1();
	test_profile();
	mutate("manifest", good, strlen(good), false);
	mutate("announcement", announce, strlen(announce), false);
	mutate("profile", small_profile, strlen(small_profile), true);
	return done_testing();
}
