/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for users.oath parsing, HOTP/TOTP checks (RFC 4226 / RFC 6238 vectors), replay
 * protection and the locked atomic file update. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "confload.h"
#include "err.h"
#include "otp.h"
#include "tap.h"

/* "12345678901234567890", the key of RFC 4226 appendix D and RFC 6238 appendix B. */
#define KEY "3132333435363738393031323334353637383930"

static const char *const good_lines[] = {
	"HOTP alice - " KEY,
	"HOTP/E/8\tbob\t+\t" KEY "\t5",
	"HOTP/T30 carol - " KEY " 0",
	"HOTP/T60/7 dave pin123 " KEY " 42 1234567 2024-01-01T00:00:00L",
	"HOTP/E eve - 00ff",
};

static const char *const not_token[] = {
	"", "   ", "# HOTP alice - " KEY, "TOTP alice - " KEY, "HOTP/T31 x - 00", "HOTP/E/9 x - 00",
};

static const char *const bad_lines[] = {
	"HOTP alice",
	"HOTP alice -",
	"HOTP alice - 0",
	"HOTP alice - zz",
	"HOTP alice - " KEY " -1",
	"HOTP alice - " KEY " 12x",
	"HOTP alice - " KEY " 1 12a",
	"HOTP alice - " KEY " 1 123 T extra",
	"HOTP a-very-long-user-name-that-is-longer-than-sixty-three-characters-in-total - 00",
};

static void test_parse(void)
{
	struct otp_entry e;
	char line[OTP_LINE_MAX + 2];

	for (size_t i = 0; i < sizeof(good_lines) / sizeof(good_lines[0]); i++)
		is_int(otp_parse_line(good_lines[i], strlen(good_lines[i]), &e), 0, "good line %zu",
		       i);
	is_int(otp_parse_line(good_lines[1], strlen(good_lines[1]), &e), 0, "HOTP/E/8");
	is_int(e.digits, 8, "8 digits");
	is_int(e.step, 0, "event token");
	is_int((int)e.counter, 5, "counter 5");
	is_str(e.user, "bob", "user");
	is_int((int)e.secret_len, 20, "20-byte key");
	is_int(otp_parse_line(good_lines[3], strlen(good_lines[3]), &e), 0, "HOTP/T60/7");
	is_int(e.step, 60, "60 s step");
	is_int(e.digits, 7, "7 digits");
	is_str(e.last_otp, "1234567", "last otp");
	is_str(e.pin, "pin123", "pin kept");
	is_int(otp_format_line(&e, line, sizeof(line)), 0, "format");
	is_str(line, "HOTP/T60/7\tdave\tpin123\t" KEY "\t42\t1234567\t2024-01-01T00:00:00L\n",
	       "formatted line");
	is_int(otp_format_line(&e, line, 20), ERR_TOO_LARGE, "format into a small buffer");
	for (size_t i = 0; i < sizeof(not_token) / sizeof(not_token[0]); i++)
		is_int(otp_parse_line(not_token[i], strlen(not_token[i]), &e), ERR_RANGE,
		       "not a token line: '%s'", not_token[i]);
	for (size_t i = 0; i < sizeof(bad_lines) / sizeof(bad_lines[0]); i++) {
		int r = otp_parse_line(bad_lines[i], strlen(bad_lines[i]), &e);

		ok(r == ERR_FORMAT || r == ERR_TOO_LARGE, "bad line %zu refused (%d)", i, r);
	}
}

/* Truncate every good line at every offset and flip every bit: a clean result, no crash. */
static void test_mutation(void)
{
	unsigned crashes = 0, n = 0;
	char buf[OTP_LINE_MAX];
	struct otp_entry e;

	for (size_t i = 0; i < sizeof(good_lines) / sizeof(good_lines[0]); i++) {
		size_t len = strlen(good_lines[i]);

		for (size_t cut = 0; cut <= len; cut++) {
			int r = otp_parse_line(good_lines[i], cut, &e);

			crashes += !(r == 0 || r == ERR_RANGE || r == ERR_FORMAT ||
				     r == ERR_TOO_LARGE);
			n++;
		}
		for (size_t bit = 0; bit < len * 8; bit++) {
			int r;

			memcpy(buf, good_lines[i], len);
			buf[bit / 8] ^= (char)(1u << (bit % 8));
			r = otp_parse_line(buf, len, &e);
			crashes += !(r == 0 || r == ERR_RANGE || r == ERR_FORMAT ||
				     r == ERR_TOO_LARGE);
			n++;
		}
	}
	is_int(crashes, 0, "%u mutated lines gave clean results", n);
}

static void test_hotp(void)
{
	static const char *const rfc4226[] = { "755224", "287082", "359152", "969429",
					       "338314", "254676", "287922", "162583" };
	const char *l = "HOTP alice - " KEY " 0";
	struct otp_entry e;
	bool replayed;

	otp_parse_line(l, strlen(l), &e);
	is_int(otp_check(&e, rfc4226[0], 0, "T", &replayed), 0, "counter 0 code accepted");
	is_int((int)e.counter, 1, "counter moved to 1");
	is_int(otp_check(&e, rfc4226[0], 0, "T", &replayed), ERR_DENIED, "same code again");
	ok(replayed, "reported as a replay");
	is_int(otp_check(&e, rfc4226[3], 0, "T", &replayed), 0, "a code ahead in the window");
	is_int((int)e.counter, 4, "counter moved past it");
	is_int(otp_check(&e, rfc4226[2], 0, "T", &replayed), ERR_DENIED, "an older code");
	is_int(otp_check(&e, "000000", 0, "T", &replayed), ERR_DENIED, "a wrong code");
	ok(!replayed, "not a replay");
	is_int(otp_check(&e, "12345", 0, "T", &replayed), ERR_FORMAT, "5 digits");
	is_int(otp_check(&e, "12a456", 0, "T", &replayed), ERR_FORMAT, "not digits");
	is_int(otp_check(&e, "1234567", 0, "T", &replayed), ERR_DENIED, "7 digits for a 6");
	/* A file liboath wrote: counter of the last code used, and that code. */
	l = "HOTP alice - " KEY " 5 254676 2024-01-01T00:00:00L";
	otp_parse_line(l, strlen(l), &e);
	is_int(otp_check(&e, "254676", 0, "T", &replayed), ERR_DENIED, "liboath's last code");
	ok(replayed, "a replay");
	is_int(otp_check(&e, "287922", 0, "T", &replayed), 0, "the next one");
	l = "HOTP alice - " KEY " 0";
	otp_parse_line(l, strlen(l), &e);
	e.counter = 0;
	/* Outside the look-ahead window. */
	ok(OTP_HOTP_WINDOW < 20, "window below 20");
}

static void test_totp(void)
{
	const char *l = "HOTP/T30/8 carol - " KEY;
	struct otp_entry e;
	bool replayed;

	otp_parse_line(l, strlen(l), &e);
	is_int(otp_check(&e, "94287082", 59, "T", &replayed), 0, "RFC 6238 T=59");
	is_int((int)e.counter, 1, "step 1 recorded");
	is_int(otp_check(&e, "94287082", 59, "T", &replayed), ERR_DENIED, "replayed");
	ok(replayed, "reported as replay");
	otp_parse_line(l, strlen(l), &e);
	is_int(otp_check(&e, "07081804", 1111111109, "T", &replayed), 0, "T=1111111109");
	otp_parse_line(l, strlen(l), &e);
	is_int(otp_check(&e, "07081804", 1111111109 + 30, "T", &replayed), 0,
	       "one step later still accepted");
	otp_parse_line(l, strlen(l), &e);
	is_int(otp_check(&e, "07081804", 1111111109 - 30, "T", &replayed), 0,
	       "one step early accepted");
	otp_parse_line(l, strlen(l), &e);
	is_int(otp_check(&e, "07081804", 1111111109 + 60, "T", &replayed), ERR_DENIED,
	       "two steps late refused");
	otp_parse_line(l, strlen(l), &e);
	is_int(otp_check(&e, "14050471", 1111111111, "T", &replayed), 0, "T=1111111111");
	is_int(otp_check(&e, "07081804", 1111111111, "T", &replayed), ERR_DENIED,
	       "the previous step's code after a newer one");
	ok(replayed, "an older code counts as replay");
	is_int(otp_check(&e, "89005924", 1234567890, "T", &replayed), 0, "T=1234567890");
}

static char dir[] = "/tmp/test_otp.XXXXXX";
static char path[256];

static void write_file(const char *content)
{
	FILE *f = fopen(path, "w");

	fputs(content, f);
	fclose(f);
	chmod(path, 0640);
}

static char *read_back(void)
{
	char *data = NULL;
	size_t len;

	if (confload_read_file(path, 1 << 20, &data, &len) != 0)
		return strdup("");
	return data;
}

static void test_file(void)
{
	struct stat st;
	bool replayed;
	char *data;

	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/users.oath", dir);
	write_file("# tokens\nHOTP bob - 00ff 0\n\nHOTP alice - " KEY "\nHOTP/T30 carol - " KEY
		   "\n");
	is_int(otp_authenticate(path, "alice", "755224", 0, &replayed), 0, "alice, counter 0");
	data = read_back();
	ok(strstr(data, "# tokens\nHOTP bob - 00ff 0\n\nHOTP\talice\t-\t" KEY "\t1\t755224\t") !=
		   NULL,
	   "alice's line updated, the others kept");
	ok(strstr(data, "HOTP/T30 carol - " KEY "\n") != NULL, "carol's line kept");
	free(data);
	stat(path, &st);
	is_int((int)(st.st_mode & 0777), 0640, "mode kept");
	is_int(otp_authenticate(path, "alice", "755224", 0, &replayed), ERR_DENIED, "replay");
	ok(replayed, "replay reported");
	is_int(otp_authenticate(path, "alice", "287082", 0, &replayed), 0, "next code");
	is_int(otp_authenticate(path, "mallory", "287082", 0, &replayed), ERR_DENIED,
	       "unknown user");
	is_int(otp_authenticate(path, "carol", "94287082", 59, &replayed), ERR_DENIED,
	       "8 digits for a 6-digit token");
	is_int(otp_authenticate(path, "carol", "287082", 59, &replayed), 0, "carol TOTP T=1");
	is_int(otp_authenticate(path, "carol", "287082", 59, &replayed), ERR_DENIED,
	       "carol replay");
	write_file("HOTP alice - zz\n");
	is_int(otp_authenticate(path, "alice", "755224", 0, &replayed), ERR_FORMAT,
	       "malformed line of the user");
	unlink(path);
	is_int(otp_authenticate(path, "alice", "755224", 0, &replayed), ERR_SYS, "no file");
	snprintf(path, sizeof(path), "%s/users.oath.lock", dir);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	test_parse();
	test_mutation();
	test_hotp();
	test_totp();
	test_file();
	return done_testing();
}
