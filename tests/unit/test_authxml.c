/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for aggregate-auth XML parsing and building. Process: any (test). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlmemory.h>
#include <libxml/xpath.h>

#include "authxml.h"
#include "buf.h"
#include "err.h"
#include "tap.h"

static uint8_t *load(const char *name, size_t *len)
{
	char rel[256];
	FILE *f;
	uint8_t *d;
	long n;

	snprintf(rel, sizeof(rel), "tests/data/xml/%s", name);
	f = fopen(tap_srcpath(rel), "rb");
	if (!f) {
		printf("Bail out! cannot open %s\n", tap_srcpath(rel));
		exit(1);
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	d = malloc((size_t)n + 1);
	if (!d || fread(d, 1, (size_t)n, f) != (size_t)n)
		exit(1);
	fclose(f);
	*len = (size_t)n;
	return d;
}

static int parse_file(const char *name, struct authxml_req *req)
{
	size_t len;
	uint8_t *d = load(name, &len);
	int r = authxml_parse(d, len, req);

	free(d);
	return r;
}

static int parse_str(const char *s, struct authxml_req *req)
{
	return authxml_parse((const uint8_t *)s, strlen(s), req);
}

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++) {
		if (b[i])
			return false;
	}
	return true;
}

static void test_samples(void)
{
	struct authxml_req q;

	is_int(parse_file("oc9-init.xml", &q), 0, "oc9 init parses");
	is_int(q.type, AUTHXML_INIT, "  type init");
	is_int(q.aggregate_auth_version, 2, "  aggregate-auth-version 2");
	is_str(q.version, "v9.21", "  version");
	is_str(q.device_id, "linux-64", "  device-id");
	is_str(q.group_access, "https://vpn.example.net/", "  group-access");
	ok(!q.has_group_select && !q.has_username && !q.has_password && !q.client_cert_fail,
	   "  nothing else");

	is_int(parse_file("cisco-init.xml", &q), 0, "Cisco init parses");
	is_str(q.version, "4.10.07061", "  version");
	is_str(q.device_id, "win", "  device-id text despite attributes");
	ok(!q.has_group_select && q.group_select[0] == '\0', "  empty group-select is no choice");
	is_str(q.group_access, "https://vpn.example.net", "  group-access");

	is_int(parse_file("oc8-init.xml", &q), 0, "openconnect 8 init parses");
	is_int(q.aggregate_auth_version, 0, "  no aggregate-auth-version -> 0");
	is_str(q.version, "v8.10", "  version");

	is_int(parse_file("oc9-auth-reply.xml", &q), 0, "oc9 auth-reply parses");
	is_int(q.type, AUTHXML_AUTH_REPLY, "  type auth-reply");
	ok(q.has_username && strcmp(q.username, "alice") == 0, "  username");
	ok(q.has_password && strcmp(q.password, "correct horse") == 0, "  password with blank");
	ok(!q.has_secondary, "  no secondary");
	is_str(q.aggauth_handle, "2868172419", "  aggauth-handle from opaque");
	ok(q.has_group_select && strcmp(q.group_select, "Staff") == 0, "  group-select");
	authxml_req_wipe(&q);
	ok(all_zero(&q, sizeof(q)), "wipe clears everything");

	is_int(parse_file("oc9-secondary-reply.xml", &q), 0, "secondary reply parses");
	ok(q.has_secondary && strcmp(q.secondary, "123456") == 0, "  secondary_password");
	ok(!q.has_password && !q.has_username, "  no password/username");
	is_str(q.aggauth_handle, "3141592653", "  new handle");

	is_int(parse_file("cisco-auth-reply.xml", &q), 0, "Cisco auth-reply parses");
	is_str(q.username, "bob", "  username");
	is_str(q.password, "p&ss <word>", "  entities in password decoded");
	is_str(q.aggauth_handle, "2868172420", "  handle trimmed");
	is_str(q.session_token, "", "  empty session-token");
	is_str(q.group_select, "Contractors", "  group-select");

	is_int(parse_file("cisco-logout.xml", &q), 0, "Cisco logout parses");
	is_int(q.type, AUTHXML_LOGOUT, "  type logout");
	is_str(q.session_token, "7D2F0C4E9A1B3C5D7E9F0A2B4C6D8E0F1A3B5C7D9E1F2A4B", "  token");
}

#define CA(type, inner)                                                                            \
	"<?xml version=\"1.0\"?><config-auth client=\"vpn\" type=\"" type "\">" inner              \
	"</config-auth>"

static void bad(const char *what, const char *doc, int want)
{
	struct authxml_req q;
	int r = parse_str(doc, &q);

	ok(r == want && all_zero(&q, sizeof(q)), "%s -> %s (got %s)", what, err_str(want),
	   err_str(r));
}

static void test_variants(void)
{
	struct authxml_req q;

	is_int(parse_str(CA("auth-reply", "<auth><answer>42</answer></auth>"), &q), 0, "answer");
	ok(q.has_secondary && strcmp(q.secondary, "42") == 0, "  answer is the secondary");
	is_int(parse_str(CA("auth-reply", "<auth><password><![CDATA[a<b]]></password>"
					  "<username></username></auth>"),
			 &q),
	       0, "CDATA and empty username");
	is_str(q.password, "a<b", "  CDATA text");
	ok(q.has_username && q.username[0] == '\0', "  empty username is present");
	is_int(parse_str(CA("auth-reply", "<auth><password> sp </password></auth>"
					  "<group-select>\n  Staff \n</group-select>"),
			 &q),
	       0, "blanks");
	is_str(q.password, " sp ", "  password not trimmed");
	is_str(q.group_select, "Staff", "  group-select trimmed");
	is_int(parse_str(CA("init", "<version who=\"other\">x</version><version who=\"vpn\">v9"
				    "</version><!-- c --><client-cert-fail/>"),
			 &q),
	       0, "version who=other ignored");
	is_str(q.version, "v9", "  vpn version");
	ok(q.client_cert_fail, "  client-cert-fail");
	is_int(parse_str(CA("auth-reply", "<opaque is-for=\"other\"><aggauth-handle>1"
					  "</aggauth-handle></opaque>"),
			 &q),
	       0, "opaque not for sg");
	is_str(q.aggauth_handle, "", "  its handle is ignored");
	is_int(parse_str("<config-auth type=\"init\" aggregate-auth-version=\"2\"/>", &q), 0,
	       "no declaration, empty root");
	is_int(parse_str(CA("init", "<unknown><username>x</username></unknown>"), &q), 0,
	       "unknown elements ignored");
	ok(!q.has_username, "  nested username outside auth ignored");
	is_int(parse_str(CA("auth-reply", "<auth><username>J\xc3\xbcrgen</username></auth>"), &q),
	       0, "UTF-8 username");
	is_int(parse_str(
		       "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><config-auth type=\"init\">"
		       "<device-id>\xe9t\xe9</device-id></config-auth>",
		       &q),
	       0, "Latin-1 document");
	is_str(q.device_id, "\xc3\xa9t\xc3\xa9", "  converted to UTF-8");
}

static void test_bad(void)
{
	char *big, *u;
	size_t n;
	uint8_t *d;
	struct authxml_req q;
	struct timespec t0, t1;
	double ms;
	int r;

	bad("empty", "", ERR_FORMAT);
	bad("not XML", "username=alice&password=x", ERR_FORMAT);
	bad("unclosed", "<?xml version=\"1.0\"?><config-auth type=\"init\">", ERR_FORMAT);
	bad("mismatched tags", CA("init", "<version who=\"vpn\">x</device-id>"), ERR_FORMAT);
	bad("wrong root", "<auth><username>a</username></auth>", ERR_FORMAT);
	bad("unknown type", CA("complete", ""), ERR_FORMAT);
	bad("missing type", "<config-auth client=\"vpn\"/>", ERR_FORMAT);
	bad("bad aggregate-auth-version",
	    "<config-auth type=\"init\" aggregate-auth-version=\"x\"/>", ERR_FORMAT);
	bad("zero aggregate-auth-version",
	    "<config-auth type=\"init\" aggregate-auth-version=\"0\"/>", ERR_FORMAT);
	bad("undeclared entity", CA("auth-reply", "<auth><username>&lol9;</username></auth>"),
	    ERR_FORMAT);
	bad("duplicate username",
	    CA("auth-reply", "<auth><username>a</username><username>b</username></auth>"),
	    ERR_FORMAT);
	bad("username in two auth elements",
	    CA("auth-reply",
	       "<auth><username>a</username></auth><auth><username>b</username></auth>"),
	    ERR_FORMAT);
	bad("answer and secondary_password",
	    CA("auth-reply", "<auth><answer>1</answer><secondary_password>2</secondary_password>"
			     "</auth>"),
	    ERR_FORMAT);
	bad("duplicate version",
	    CA("init", "<version who=\"vpn\">a</version><version who=\"vpn\">b</version>"),
	    ERR_FORMAT);
	bad("element inside username",
	    CA("auth-reply", "<auth><username><b>x</b></username></auth>"), ERR_FORMAT);
	bad("tab in username", CA("auth-reply", "<auth><username>a&#9;b</username></auth>"),
	    ERR_FORMAT);
	bad("newline in password", CA("auth-reply", "<auth><password>a\nb</password></auth>"),
	    ERR_FORMAT);
	bad("illegal char reference", CA("auth-reply", "<auth><username>&#1;</username></auth>"),
	    ERR_FORMAT);
	bad("DEL in device-id", CA("init", "<device-id>a\x7f</device-id>"), ERR_FORMAT);
	bad("invalid UTF-8", CA("init", "<device-id>\xff\xfe</device-id>"), ERR_FORMAT);
	bad("version too long",
	    CA("init", "<version who=\"vpn\">"
		       "0123456789012345678901234567890123456789012345678901234567890123"
		       "</version>"),
	    ERR_FORMAT);

	/* NUL bytes, and so UTF-16 documents. */
	r = authxml_parse((const uint8_t *)"<config-auth type=\"init\">\0</config-auth>", 40, &q);
	is_int(r, ERR_FORMAT, "NUL byte");
	static const uint8_t utf16[] = { 0xff, 0xfe, '<', 0, 'a', 0, '/', 0, '>', 0 };
	is_int(authxml_parse(utf16, sizeof(utf16), &q), ERR_FORMAT, "UTF-16 document");

	/* Strings at and over their limit. */
	u = malloc(400);
	memset(u, 'u', 255);
	u[255] = '\0';
	big = malloc(1000);
	snprintf(big, 1000, CA("auth-reply", "<auth><username>%s</username></auth>"), u);
	is_int(parse_str(big, &q), 0, "username of AUTHXML_STR_MAX bytes");
	is_int(strlen(q.username), AUTHXML_STR_MAX, "  kept whole");
	snprintf(big, 1000, CA("auth-reply", "<auth><username>%su</username></auth>"), u);
	bad("username one byte too long", big, ERR_FORMAT);
	snprintf(big, 1000, CA("auth-reply", "<auth><password>%su</password></auth>"), u);
	bad("password one byte too long", big, ERR_FORMAT);
	free(big);
	free(u);

	/* Size: exactly AUTHXML_MAX is parsed, one more byte is refused before parsing. */
	big = malloc(AUTHXML_MAX + 2);
	n = (size_t)sprintf(big, CA("init", "<device-id>win</device-id>"));
	memset(big + n, ' ', AUTHXML_MAX - n);
	is_int(authxml_parse((uint8_t *)big, AUTHXML_MAX, &q), 0, "document of AUTHXML_MAX bytes");
	big[AUTHXML_MAX] = ' ';
	is_int(authxml_parse((uint8_t *)big, AUTHXML_MAX + 1, &q), ERR_TOO_LARGE, "one byte over");
	free(big);

	/* DOCTYPEs: refused before the internal subset is read. */
	d = load("bad-billion-laughs.xml", &n);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = authxml_parse(d, n, &q);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	ok(r == ERR_FORMAT && all_zero(&q, sizeof(q)), "billion laughs -> ERR_FORMAT");
	ok(ms < 200, "  fails fast (%.2f ms)", ms);
	free(d);
	d = load("bad-xxe.xml", &n);
	r = authxml_parse(d, n, &q);
	ok(r == ERR_FORMAT && !strstr(q.username, "root:"),
	   "external entity -> ERR_FORMAT, not read");
	free(d);
	d = load("bad-external-dtd.xml", &n);
	is_int(authxml_parse(d, n, &q), ERR_FORMAT, "external DTD -> ERR_FORMAT");
	free(d);
	big = malloc(20 * 5000 + 200);
	n = (size_t)sprintf(big, "<config-auth type=\"init\">");
	for (int i = 0; i < 5000; i++)
		n += (size_t)sprintf(big + n, "<a>");
	for (int i = 0; i < 5000; i++)
		n += (size_t)sprintf(big + n, "</a>");
	sprintf(big + n, "</config-auth>");
	bad("5000 levels of nesting", big, ERR_FORMAT);
	free(big);
	bad("bare DOCTYPE", "<!DOCTYPE config-auth><config-auth type=\"init\"/>", ERR_FORMAT);
}

static void test_looks_like_xml(void)
{
	static const struct {
		const char *s;
		bool want;
	} t[] = {
		{ "<?xml version=\"1.0\"?><config-auth/>", true },
		{ "\xef\xbb\xbf \r\n\t<?xml version=\"1.0\"?>", true },
		{ "<config-auth client=\"vpn\" type=\"init\"/>", true },
		{ "junk <<config-auth", true },
		{ "username=alice&password=x", false },
		{ "<?xm", false },
		{ "<auth/>", false },
		{ "", false },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ok(authxml_looks_like_xml((const uint8_t *)t[i].s, strlen(t[i].s)) == t[i].want,
		   "looks_like_xml #%zu is %s", i, t[i].want ? "true" : "false");
}

static int form(const char *s, struct authxml_req *q)
{
	return authxml_parse_form((const uint8_t *)s, strlen(s), q);
}

static void form_bad(const char *what, const char *s, int want)
{
	struct authxml_req q;
	int r = form(s, &q);

	ok(r == want && all_zero(&q, sizeof(q)), "form %s -> %s (got %s)", what, err_str(want),
	   err_str(r));
}

static void test_form(void)
{
	struct authxml_req q;
	char *big, *u;

	is_int(form("group_list=Staff&username=alice&password=correct+horse", &q), 0,
	       "legacy form");
	is_int(q.type, AUTHXML_AUTH_REPLY, "  type auth-reply");
	ok(q.has_username && strcmp(q.username, "alice") == 0, "  username");
	ok(q.has_password && strcmp(q.password, "correct horse") == 0, "  '+' is a blank");
	ok(q.has_group_select && strcmp(q.group_select, "Staff") == 0, "  group_list");
	is_int(form("group%5flist=Contractors&username=a%40b.c&password=p%26ss%3D%25%2b", &q), 0,
	       "percent-encoded form");
	is_str(q.group_select, "Contractors", "  group%%5flist");
	is_str(q.username, "a@b.c", "  %%40");
	is_str(q.password, "p&ss=%+", "  %%26 %%3D %%25 %%2b");
	is_int(form("group%5Flist=X", &q), 0, "upper-case escape in the name");
	is_str(q.group_select, "X", "  group%%5Flist");
	is_int(form("secondary_password=123456", &q), 0, "secondary_password");
	ok(q.has_secondary && strcmp(q.secondary, "123456") == 0, "  secondary");
	is_int(form("answer=42&x=%20", &q), 0, "answer");
	is_str(q.secondary, "42", "  answer");
	is_int(form("&&username=x&&hidden=1&", &q), 0, "empty pairs and unknown fields");
	is_str(q.username, "x", "  username");
	is_int(form("username&password=", &q), 0, "pairs without '=' and empty values");
	ok(q.has_username && q.username[0] == '\0' && q.has_password, "  both present, empty");
	is_int(form("group_list=&username=u", &q), 0, "empty group_list");
	ok(!q.has_group_select, "  is no choice");
	is_int(form("", &q), 0, "empty body");
	ok(q.type == AUTHXML_AUTH_REPLY && !q.has_username, "  nothing set");
	is_int(form("J%C3%BCrgen=1&username=J%C3%BCrgen", &q), 0, "UTF-8 escapes");
	is_str(q.username, "J\xc3\xbcrgen", "  decoded");

	form_bad("%ZZ", "username=%ZZ", ERR_FORMAT);
	form_bad("truncated escape", "username=abc%4", ERR_FORMAT);
	form_bad("lone percent", "password=%", ERR_FORMAT);
	form_bad("%00", "username=a%00b", ERR_FORMAT);
	form_bad("%0a", "username=a%0ab", ERR_FORMAT);
	form_bad("raw control", "username=a\tb", ERR_FORMAT);
	ok(authxml_parse_form((const uint8_t *)"username=a\0b", 12, &q) == ERR_FORMAT &&
		   all_zero(&q, sizeof(q)),
	   "form raw NUL -> ERR_FORMAT");
	form_bad("invalid UTF-8", "username=%ff", ERR_FORMAT);
	form_bad("duplicate username", "username=a&username=b", ERR_FORMAT);
	form_bad("answer and secondary_password", "answer=1&secondary_password=2", ERR_FORMAT);
	form_bad("group_list twice", "group_list=a&group%5flist=b", ERR_FORMAT);
	form_bad("bad escape in an unknown field", "foo=%ZZ&username=a", ERR_FORMAT);
	form_bad("bad escape in a long name",
		 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=%G0", ERR_FORMAT);
	form_bad("bad escape in a name", "user%ZZ=a", ERR_FORMAT);

	u = malloc(400);
	memset(u, 'u', 255);
	u[255] = '\0';
	big = malloc(1000);
	snprintf(big, 1000, "password=%s", u);
	is_int(form(big, &q), 0, "password of AUTHXML_STR_MAX bytes");
	snprintf(big, 1000, "password=%s%%41", u);
	form_bad("password one byte too long", big, ERR_FORMAT);
	free(big);
	free(u);
	big = calloc(1, AUTHXML_MAX + 1);
	memset(big, '&', AUTHXML_MAX + 1);
	ok(authxml_parse_form((uint8_t *)big, AUTHXML_MAX, &q) == 0 &&
		   authxml_parse_form((uint8_t *)big, AUTHXML_MAX + 1, &q) == ERR_TOO_LARGE,
	   "form size limit");
	free(big);
}

/* --- builders: every document is parsed back and checked with XPath. */

static xmlDocPtr reparse(const struct buf_wr *w)
{
	return xmlReadMemory((const char *)w->p, (int)w->len, NULL, NULL,
			     XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
}

/* String value of an XPath expression (wrapped in string()); "" when absent. */
static char xp_out[4096];
static const char *xp(xmlDocPtr doc, const char *expr)
{
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	char full[512];
	xmlXPathObjectPtr o;

	snprintf(full, sizeof(full), "string(%s)", expr);
	o = xmlXPathEvalExpression(BAD_CAST full, ctx);
	snprintf(xp_out, sizeof(xp_out), "%s", o && o->stringval ? (char *)o->stringval : "");
	xmlXPathFreeObject(o);
	xmlXPathFreeContext(ctx);
	return xp_out;
}

static int xp_count(xmlDocPtr doc, const char *expr)
{
	char full[512];

	snprintf(full, sizeof(full), "count(%s)", expr);
	return atoi(xp(doc, full));
}

static const struct authxml_group groups[] = {
	{ "Staff", NULL },
	{ "Contractors", "Contractors" },
	{ "a&b\"c<d>'", "<&\">" },
};

static void test_build_form(void)
{
	struct authxml_form f = {
		.auth_id = "main",
		.title = "Login",
		.message = "Please enter your username and password.",
		.banner = "Authorised use only.\nLine two & <three>",
		.action = "/auth",
		.ask_username = true,
		.password_name = "password",
		.groups = groups,
		.n_groups = 3,
		.selected = 1,
		.tunnel_group = "contractors",
		.group_alias = "Contractors",
		.aggauth_handle = "2868172419",
		.config_hash = "1700000000000",
	};
	const char *decl = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";
	struct buf_wr w;
	xmlDocPtr doc;

	buf_wr_init_alloc(&w, 1 << 20);
	is_int(authxml_build_form(&f, &w), 0, "build form with groups");
	ok(w.len > strlen(decl) && memcmp(w.p, decl, strlen(decl)) == 0, "  XML declaration");
	ok(authxml_looks_like_xml(w.p, w.len), "  looks like XML");
	doc = reparse(&w);
	ok(doc != NULL, "  re-parses");
	is_str(xp(doc, "/config-auth/@client"), "vpn", "  client");
	is_str(xp(doc, "/config-auth/@type"), "auth-request", "  type");
	is_str(xp(doc, "/config-auth/@aggregate-auth-version"), "2", "  version 2");
	is_str(xp(doc, "/config-auth/opaque/@is-for"), "sg", "  opaque is-for sg");
	is_str(xp(doc, "/config-auth/opaque/tunnel-group"), "contractors", "  tunnel-group");
	is_str(xp(doc, "/config-auth/opaque/group-alias"), "Contractors", "  group-alias");
	is_str(xp(doc, "/config-auth/opaque/aggauth-handle"), "2868172419", "  aggauth-handle");
	is_str(xp(doc, "/config-auth/opaque/config-hash"), "1700000000000", "  config-hash");
	is_str(xp(doc, "/config-auth/auth/@id"), "main", "  auth id");
	is_str(xp(doc, "/config-auth/auth/title"), "Login", "  title");
	is_str(xp(doc, "/config-auth/auth/message"), f.message, "  message");
	is_str(xp(doc, "/config-auth/auth/banner"), f.banner, "  banner with newline and specials");
	is_int(xp_count(doc, "//error"), 0, "  no error");
	is_str(xp(doc, "/config-auth/auth/form/@method"), "post", "  method");
	is_str(xp(doc, "/config-auth/auth/form/@action"), "/auth", "  action");
	is_int(xp_count(doc, "/config-auth/auth/form/input"), 2, "  two inputs");
	is_str(xp(doc, "/config-auth/auth/form/input[@name='username']/@type"), "text",
	       "  username input");
	is_str(xp(doc, "/config-auth/auth/form/input[@name='username']/@label"),
	       "Username:", "  username label");
	is_str(xp(doc, "/config-auth/auth/form/input[@name='password']/@type"), "password",
	       "  password input");
	is_str(xp(doc, "/config-auth/auth/form/input[@name='password']/@label"),
	       "Password:", "  default password label");
	is_str(xp(doc, "/config-auth/auth/form/select/@name"), "group_list", "  group_list");
	is_str(xp(doc, "/config-auth/auth/form/select/@label"), "GROUP:", "  GROUP:");
	is_int(xp_count(doc, "/config-auth/auth/form/select/option"), 3, "  three options");
	is_int(xp_count(doc, "//option[@selected='true']"), 1, "  one selected");
	is_str(xp(doc, "//option[@selected='true']/@value"), "Contractors", "  the right one");
	is_str(xp(doc, "//option[1]"), "Staff", "  NULL label falls back to the value");
	is_str(xp(doc, "//option[3]"), "<&\">", "  label <&\"> round-trips");
	is_str(xp(doc, "//option[3]/@value"), "a&b\"c<d>'", "  value with specials round-trips");
	xmlFreeDoc(doc);
	buf_wr_free(&w);
}

static void test_build_variants(void)
{
	struct authxml_form f = { .auth_id = "main",
				  .title = "Login",
				  .action = "/",
				  .ask_username = true,
				  .password_name = "password",
				  .error = "Login failed.",
				  .groups = groups,
				  .n_groups = 1,
				  .aggauth_handle = "1" };
	struct buf_wr w;
	xmlDocPtr doc;

	buf_wr_init_alloc(&w, 1 << 20);
	is_int(authxml_build_form(&f, &w), 0, "build form with error");
	doc = reparse(&w);
	is_str(xp(doc, "/config-auth/auth/error"), "Login failed.", "  error text");
	is_str(xp(doc, "/config-auth/auth/error/@id"), "98", "  error id");
	is_int(xp_count(doc, "/config-auth/auth/error/@param1[.='']"), 1, "  param1 empty");
	is_int(xp_count(doc, "/config-auth/auth/error/@param2[.='']"), 1, "  param2 empty");
	is_int(xp_count(doc, "//select"), 0, "  one group: no select");
	is_int(xp_count(doc, "/config-auth/opaque/*"), 1, "  opaque holds only the handle");
	is_int(xp_count(doc, "//banner|//message"), 0, "  no banner, no message");
	xmlFreeDoc(doc);

	f = (struct authxml_form){ .auth_id = "challenge",
				   .title = "Two-factor authentication",
				   .message = "Enter the code from your token.",
				   .action = "/",
				   .password_name = "secondary_password",
				   .password_label = "Code:" };
	buf_wr_reset(&w);
	is_int(authxml_build_form(&f, &w), 0, "build challenge form");
	doc = reparse(&w);
	is_str(xp(doc, "/config-auth/auth/@id"), "challenge", "  auth id challenge");
	is_int(xp_count(doc, "//input"), 1, "  one input");
	is_str(xp(doc, "//input/@name"), "secondary_password", "  secondary_password");
	is_str(xp(doc, "//input/@type"), "password", "  type password");
	is_str(xp(doc, "//input/@label"), "Code:", "  label");
	is_int(xp_count(doc, "/config-auth/opaque"), 0, "  no opaque when nothing is set");
	xmlFreeDoc(doc);

	f = (struct authxml_form){ .legacy = true,
				   .auth_id = "main",
				   .title = "SSL VPN Service",
				   .message = "Please enter your username and password.",
				   .action = "/auth",
				   .ask_username = true,
				   .password_name = "password",
				   .groups = groups,
				   .n_groups = 2,
				   .aggauth_handle = "ignored in legacy" };
	buf_wr_reset(&w);
	is_int(authxml_build_form(&f, &w), 0, "build legacy form");
	doc = reparse(&w);
	is_str(xp(doc, "/auth/@id"), "main", "  bare auth root");
	is_int(xp_count(doc, "//config-auth|//opaque"), 0, "  no config-auth, no opaque");
	is_str(xp(doc, "/auth/form/@action"), "/auth", "  action");
	is_str(xp(doc, "/auth/form/select/option[@selected='true']/@value"), "Staff",
	       "  first group selected");
	xmlFreeDoc(doc);

	f.selected = 2;
	buf_wr_reset(&w);
	is_int(authxml_build_form(&f, &w), ERR_RANGE, "selected out of range");
	f.selected = 0;
	f.message = "bad \xff UTF-8";
	is_int(authxml_build_form(&f, &w), ERR_FORMAT, "invalid UTF-8 refused");
	f.message = "bell \x07";
	is_int(authxml_build_form(&f, &w), ERR_FORMAT, "control character refused");
	is_int(w.len, 0, "  nothing appended on error");
	buf_wr_free(&w);
}

static void test_build_complete(void)
{
	struct authxml_complete c = {
		.session_id = "4711",
		.session_token = "7D2F0C4E9A1B3C5D7E9F0A2B4C6D8E0F1A3B5C7D9E1F2A4B",
		.banner = "Authorised use only.",
		.server_cert_hash = "3A0C0000000000000000000000000000000000F9",
		.profile_uri = "/profiles/corp.xml",
		.profile_hash = "44A300000000000000000000000000000000F572",
	};
	const char *cfg = "/config-auth/config";
	char path[256];
	struct buf_wr w;
	xmlDocPtr doc;

	buf_wr_init_alloc(&w, 1 << 20);
	is_int(authxml_build_complete(&c, &w), 0, "build complete with profile");
	doc = reparse(&w);
	is_str(xp(doc, "/config-auth/@type"), "complete", "  type complete");
	is_str(xp(doc, "/config-auth/@aggregate-auth-version"), "2", "  version 2");
	is_str(xp(doc, "/config-auth/session-id"), "4711", "  session-id");
	is_str(xp(doc, "/config-auth/session-token"), c.session_token, "  session-token");
	is_str(xp(doc, "/config-auth/auth/@id"), "success", "  auth success");
	is_str(xp(doc, "/config-auth/auth/banner"), c.banner, "  banner");
	is_str(xp(doc, "/config-auth/auth/message/@id"), "0", "  message id 0");
	is_int(xp_count(doc, "/config-auth/auth/message[@param1=''][@param2='']"), 1,
	       "  message params");
	is_str(xp(doc, "/config-auth/capabilities/crypto-supported"), "ssl-dhe", "  ssl-dhe");
	is_str(xp(doc, "/config-auth/config/@client"), "vpn", "  config client");
	is_str(xp(doc, "/config-auth/config/@type"), "private", "  config type");
	snprintf(path, sizeof(path), "%s/vpn-base-config/server-cert-hash", cfg);
	is_str(xp(doc, path), c.server_cert_hash, "  server-cert-hash");
	snprintf(path, sizeof(path), "%s/opaque[@is-for='vpn-client']", cfg);
	is_int(xp_count(doc, path), 1, "  opaque vpn-client");
	snprintf(path, sizeof(path),
		 "%s/vpn-profile-manifest/vpn[@rev='1.0']/file[@type='profile']"
		 "[@service-type='user']/uri",
		 cfg);
	is_str(xp(doc, path), c.profile_uri, "  profile uri where openconnect looks");
	snprintf(path, sizeof(path), "%s/vpn-profile-manifest/vpn/file/hash[@type='sha1']", cfg);
	is_str(xp(doc, path), c.profile_hash, "  profile hash");
	xmlFreeDoc(doc);

	c.profile_uri = NULL;
	c.banner = NULL;
	buf_wr_reset(&w);
	is_int(authxml_build_complete(&c, &w), 0, "build complete without profile");
	doc = reparse(&w);
	is_int(xp_count(doc, "//vpn-profile-manifest"), 0, "  no profile manifest");
	is_int(xp_count(doc, "//banner"), 0, "  no banner");
	is_str(xp(doc, "/config-auth/session-token"), c.session_token, "  token");
	xmlFreeDoc(doc);

	c = (struct authxml_complete){ .legacy = true };
	buf_wr_reset(&w);
	is_int(authxml_build_complete(&c, &w), 0, "build legacy success");
	doc = reparse(&w);
	is_str(xp(doc, "/auth/@id"), "success", "  auth success root");
	is_str(xp(doc, "/auth/title"), "SSL VPN Service", "  title");
	is_str(xp(doc, "/auth/message"), "Success", "  message");
	is_int(xp_count(doc, "/auth/success"), 1, "  success element");
	xmlFreeDoc(doc);
	buf_wr_free(&w);
}

static void test_build_packages(void)
{
	static const struct authxml_package pkgs[] = {
		{ .id = "VPNCore",
		  .version = "4.10.08029",
		  .os = "win:6.1.7601",
		  .type = "msi",
		  .uri = "binaries/core-win.msi",
		  .display_name = "AnyConnect Secure Mobility Client",
		  .is_core = true },
		{ .id = "DART",
		  .version = "4.10.08029",
		  .os = "linux-64",
		  .type = "sh",
		  .uri = "binaries/dart.sh" },
	};
	struct authxml_package broken = pkgs[1];
	struct authxml_complete c = { .session_id = "1",
				      .session_token = "AB",
				      .server_cert_hash =
					      "3A0C0000000000000000000000000000000000F9",
				      .base_package_uri = "/CACHE/stc/1",
				      .pkg_version = "4,10,08029",
				      .packages = pkgs,
				      .n_packages = 2 };
	const char *op = "/config-auth/config/opaque[@is-for='vpn-client']";
	char path[256];
	struct buf_wr w;
	xmlDocPtr doc;

	buf_wr_init_alloc(&w, 1 << 20);
	is_int(authxml_build_complete(&c, &w), 0, "build complete with packages");
	doc = reparse(&w);
	is_str(xp(doc, "/config-auth/config/vpn-base-config/base-package-uri"), "/CACHE/stc/1",
	       "  base-package-uri");
	is_str(xp(doc, "/config-auth/config/vpn-base-config/*[1]/text()"), "/CACHE/stc/1",
	       "  base-package-uri before server-cert-hash (ASA order)");
	snprintf(path, sizeof(path), "%s/vpn-client-pkg-version/pkgversion", op);
	is_str(xp(doc, path), "4,10,08029", "  pkgversion");
	snprintf(path, sizeof(path), "%s/vpn-core-manifest/vpn[@rev='1.0']/file", op);
	is_int(xp_count(doc, path), 2, "  two files in the core manifest");
	snprintf(path, sizeof(path),
		 "%s/vpn-core-manifest/vpn/file[@id='VPNCore'][@is_core='yes'][@type='msi']"
		 "[@action='install'][@os='win:6.1.7601'][@version='4.10.08029']/uri",
		 op);
	is_str(xp(doc, path), "binaries/core-win.msi", "  core file attributes and uri");
	snprintf(path, sizeof(path), "%s/vpn-core-manifest/vpn/file[1]/display-name", op);
	is_str(xp(doc, path), "AnyConnect Secure Mobility Client", "  display-name");
	snprintf(path, sizeof(path), "%s/vpn-core-manifest/vpn/file[@id='DART']", op);
	is_int(xp_count(doc, path), 1, "  second file");
	snprintf(path, sizeof(path),
		 "%s/vpn-core-manifest/vpn/file[@id='DART'][@is_core or display-name]", op);
	is_int(xp_count(doc, path), 0, "  no is_core, no display-name on the module");
	xmlFreeDoc(doc);

	c.server_cert_hash = NULL;
	c.pkg_version = NULL;
	buf_wr_reset(&w);
	is_int(authxml_build_complete(&c, &w), 0, "packages without a certificate hash");
	doc = reparse(&w);
	is_int(xp_count(doc, "//vpn-base-config/base-package-uri"), 1, "  base-config kept");
	is_int(xp_count(doc, "//vpn-client-pkg-version"), 0, "  no pkgversion");
	xmlFreeDoc(doc);

	broken.uri = NULL;
	c.packages = &broken;
	c.n_packages = 1;
	buf_wr_reset(&w);
	is_int(authxml_build_complete(&c, &w), ERR_RANGE, "a package without uri is refused");
	c.packages = NULL;
	is_int(authxml_build_complete(&c, &w), ERR_RANGE, "n_packages without packages");
	is_int(w.len, 0, "  nothing appended");
	buf_wr_free(&w);
}

static void test_build_limits(void)
{
	struct authxml_complete c = { .session_id = "1",
				      .session_token = "T",
				      .server_cert_hash = "AB" };
	struct buf_wr w;
	uint8_t small[64], *fit;
	size_t need;

	buf_wr_init(&w, small, sizeof(small));
	is_int(authxml_build_complete(&c, &w), ERR_TOO_LARGE, "complete into a too-small buffer");
	is_int(w.len, 0, "  nothing written");

	buf_wr_init_alloc(&w, 1 << 20);
	authxml_build_complete(&c, &w);
	need = w.len;
	buf_wr_free(&w);
	fit = malloc(need + 16);
	buf_wr_init(&w, fit, need);
	is_int(authxml_build_complete(&c, &w), 0, "exact-size buffer is enough");
	buf_wr_init(&w, fit, need - 1);
	is_int(authxml_build_complete(&c, &w), ERR_TOO_LARGE, "one byte short is not");

	buf_wr_init(&w, fit, need + 3);
	buf_put_str(&w, "HEAD");
	is_int(authxml_build_complete(&c, &w), ERR_TOO_LARGE, "appending needs room after data");
	is_int(w.len, 4, "  earlier data kept");
	free(fit);

	struct authxml_form f = { .auth_id = "main", .ask_username = true };
	buf_wr_init(&w, small, 10);
	is_int(authxml_build_form(&f, &w), ERR_TOO_LARGE, "form into a too-small buffer");
	buf_wr_init_alloc(&w, 1 << 20);
	buf_put_str(&w, "HTTP/1.1 200 OK\r\n\r\n");
	is_int(authxml_build_form(&f, &w), 0, "form appended to an allocated buffer");
	ok(memcmp(w.p, "HTTP/1.1 200 OK\r\n\r\n<?xml", 24) == 0, "  after the earlier data");
	buf_wr_free(&w);
}

static bool clean_req(const struct authxml_req *q)
{
	const char *s[] = { q->version,	     q->device_id,	q->group_select,
			    q->group_access, q->username,	q->password,
			    q->secondary,    q->aggauth_handle, q->session_token };

	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		for (const char *c = s[i]; *c; c++) {
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				return false;
		}
	}
	return q->type >= AUTHXML_INIT && q->type <= AUTHXML_LOGOUT;
}

typedef int (*parse_fn)(const uint8_t *, size_t, struct authxml_req *);

static void mutate(const char *name, const uint8_t *d, size_t len, parse_fn fn)
{
	uint8_t *m = malloc(len + 1);
	struct authxml_req q;
	size_t bad_t = 0, bad_f = 0, parsed = 0;
	int r;

	for (size_t i = 0; i < len; i++) {
		memcpy(m, d, i);
		r = fn(m, i, &q);
		if (!((r == 0 && clean_req(&q)) || (r == ERR_FORMAT && all_zero(&q, sizeof(q)))))
			bad_t++;
	}
	for (size_t i = 0; i < len; i++) {
		for (int b = 0; b < 8; b++) {
			memcpy(m, d, len);
			m[i] ^= (uint8_t)(1u << b);
			r = fn(m, len, &q);
			if (r == 0)
				parsed++;
			if (!((r == 0 && clean_req(&q)) ||
			      (r == ERR_FORMAT && all_zero(&q, sizeof(q)))))
				bad_f++;
		}
	}
	ok(bad_t == 0, "%s: every truncation is clean", name);
	ok(bad_f == 0, "%s: every bit flip is clean (%zu still parse)", name, parsed);
	free(m);
}

static void test_mutations(void)
{
	static const char *files[] = {
		"oc9-init.xml",	      "cisco-init.xml",		 "oc8-init.xml",
		"oc9-auth-reply.xml", "oc9-secondary-reply.xml", "cisco-auth-reply.xml",
		"cisco-logout.xml"
	};
	static const char legacy[] = "group_list=Staff&username=alice&password=p%26ss+word%21";
	size_t len;
	uint8_t *d;

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		d = load(files[i], &len);
		mutate(files[i], d, len, authxml_parse);
		free(d);
	}
	mutate("legacy form", (const uint8_t *)legacy, sizeof(legacy) - 1, authxml_parse_form);
}

static void test_global_init(void)
{
	xmlFreeFunc fr;
	xmlMallocFunc ma;
	xmlReallocFunc re;
	xmlStrdupFunc du;

	authxml_global_init();
	authxml_global_init(); /* idempotent */
	xmlMemGet(&fr, &ma, &re, &du);
	ok(fr != free && re != realloc, "libxml2 frees through the wiping allocator");
}

int main(void)
{
	test_global_init();
	test_samples();
	test_variants();
	test_bad();
	test_looks_like_xml();
	test_form();
	test_build_form();
	test_build_variants();
	test_build_complete();
	test_build_packages();
	test_build_limits();
	test_mutations();
	xmlCleanupParser();
	return done_testing();
}
