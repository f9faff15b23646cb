/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for the configuration parser (common/conf.c). Process: any (test). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "err.h"
#include "tap.h"

#define LINE 7

static char last_warn[512];
static int n_warn;

static void on_warn(void *arg, const char *msg)
{
	(void)arg;
	n_warn++;
	snprintf(last_warn, sizeof(last_warn), "%s", msg);
}

static struct conf C;
static struct conf_ctx X = { .file = "t.conf", .warn = on_warn };

static void reset(void)
{
	conf_init(&C);
	X.err[0] = '\0';
	n_warn = 0;
	last_warn[0] = '\0';
}

static int P(const char *line)
{
	return conf_parse_line(&C, &X, line, LINE);
}

static bool has(const char *hay, const char *needle)
{
	return strstr(hay, needle) != NULL;
}

/* The lines of a small valid configuration, for conf_finish tests. */
static const char *const minimal[] = {
	"auth = plain[passwd=/etc/cstpd/passwd]",
	"server-cert = /etc/cstpd/cert.pem",
	"server-key = /etc/cstpd/key.pem",
	"ipv4-network = 10.10.0.0/16",
	NULL,
};

static int load_minimal(void)
{
	int r;

	reset();
	for (size_t i = 0; minimal[i]; i++)
		if ((r = conf_parse_line(&C, &X, minimal[i], (unsigned)i + 1)) != 0)
			return r;
	return 0;
}

static void test_defaults(void)
{
	reset();
	is_int(C.tcp_port, 443, "default tcp-port");
	is_int(C.udp_port, 0, "default udp-port");
	is_str(C.run_as_user, "nobody", "default run-as-user");
	is_str(C.run_as_group, "nogroup", "default run-as-group");
	is_str(C.occtl_socket_file, "/var/run/cstpd.socket", "default occtl-socket-file");
	is_str(C.pid_file, "/var/run/cstpd.pid", "default pid-file");
	ok(C.use_occtl, "default use-occtl");
	is_int(C.log_level, 1, "default log-level");
	ok(C.cisco_client_compat && C.dtls_psk && C.dtls_legacy, "default DTLS flags");
	ok(!C.match_tls_dtls_ciphers && !C.try_mtu_discovery, "default off flags");
	is_int(C.max_clients, 1024, "default max-clients");
	is_int(C.max_same_clients, 2, "default max-same-clients");
	is_int(C.max_preauth_clients, 256, "default max-preauth-clients");
	is_int(C.auth_timeout, 240, "default auth-timeout");
	is_int(C.handshake_timeout, 10, "default handshake-timeout");
	is_int(C.idle_timeout, 0, "default idle-timeout");
	is_int(C.session_timeout, 0, "default session-timeout");
	is_int(C.cookie_timeout, 300, "default cookie-timeout");
	is_int(C.max_ban_score, 80, "default max-ban-score");
	is_int(C.ban_time, 300, "default ban-time");
	is_int(C.ban_reset_time, 1200, "default ban-reset-time");
	is_int(C.ban_points_wrong_password, 10, "default ban-points-wrong-password");
	is_int(C.ban_points_connection, 1, "default ban-points-connection");
	is_int(C.ban_points_kkdcp, 1, "default ban-points-kkdcp");
	is_int(C.keepalive, 32400, "default keepalive");
	is_int(C.dpd, 90, "default dpd");
	is_int(C.mobile_dpd, 1800, "default mobile-dpd");
	is_int(C.switch_to_tcp_timeout, 25, "default switch-to-tcp-timeout");
	is_int(C.stats_report_time, 360, "default stats-report-time");
	is_int(C.rekey_time, 172800, "default rekey-time");
	is_int(C.rekey_method, CONF_REKEY_NEW_TUNNEL, "default rekey-method");
	is_int(C.worker_spawn, CONF_SPAWN_ZYGOTE, "default worker-spawn");
	is_str(C.device, "vpns", "default device");
	ok(C.predictable_ips, "default predictable-ips");
	is_int(C.ipv6_subnet_prefix, 128, "default ipv6-subnet-prefix");
	is_int(C.mtu, 0, "default mtu");
	ok(!C.has_ipv4 && !C.has_ipv6, "no pool by default");
	ok(!C.n_auth && !C.n_route && !C.n_dns && !C.n_select_group, "lists empty");
	is_int(C.acct.kind, CONF_AUTH_NONE, "no acct by default");
}

static void test_syntax(void)
{
	reset();
	is_int(P(""), 0, "empty line");
	is_int(P("   \t "), 0, "blank line");
	is_int(P("# comment = x"), 0, "comment");
	is_int(P("   # indented comment"), 0, "indented comment");
	is_int(P("tcp-port=8443"), 0, "no spaces around =");
	is_int(C.tcp_port, 8443, "value read");
	is_int(P("  tcp-port   =   9443  \r"), 0, "spaces and CR");
	is_int(C.tcp_port, 9443, "value read");
	is_int(P("tcp-port = \"4443\""), 0, "quoted int");
	is_int(C.tcp_port, 4443, "quotes stripped");
	is_int(P("banner = \"Hello # not a comment\""), 0, "hash inside value");
	is_str(C.banner, "Hello # not a comment", "hash kept");
	is_int(P("banner = a # b"), 0, "trailing hash");
	is_str(C.banner, "a # b", "trailing hash is part of the value");
	is_int(P("banner = \"\""), 0, "empty quoted text allowed");
	is_str(C.banner, "", "banner emptied");
	is_int(P("banner = \"say \"hi\"\""), 0, "inner quotes");
	is_str(C.banner, "say \"hi\"", "only outer quotes removed");

	is_int(P("tcp-port 443"), ERR_FORMAT, "no '='");
	ok(has(X.err, "t.conf:7:"), "error names file:line: %s", X.err);
	is_int(P("= 443"), ERR_FORMAT, "empty key");
	ok(has(X.err, "missing option name"), "empty key message: %s", X.err);
	is_int(P("tcp-port ="), ERR_FORMAT, "empty value");
	ok(has(X.err, "needs a value"), "empty value message: %s", X.err);
	is_int(P("tcp-port = \"\""), ERR_FORMAT, "empty quoted value for int");
	is_int(P("tcp-port = \"443"), ERR_FORMAT, "unterminated quote");
	is_int(P("tcp-port = \""), ERR_FORMAT, "lone quote");
	is_int(P("tcp-port = 4\x01"
		 "43"),
	       ERR_FORMAT, "control char");
	ok(has(X.err, "control character"), "control char message: %s", X.err);
	is_int(P("banner = a\x7f"), ERR_FORMAT, "DEL char");
	is_int(P("banner = tab\there"), 0, "tab inside value accepted");
	is_int(P("[vhost:www.example.com]"), ERR_FORMAT, "vhost section");
	ok(has(X.err, "t.conf:7:") && has(X.err, "virtual hosts"), "vhost message: %s", X.err);
	is_int(P("[global]"), ERR_FORMAT, "other section");
	is_int(P("Tcp-Port = 1"), ERR_FORMAT, "option names are case-sensitive");
}

static void test_long_line(void)
{
	static char line[5000];

	reset();
	memset(line, 'a', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	is_int(P(line), ERR_TOO_LARGE, "line over the limit");
	memcpy(line, "banner = ", 9);
	line[9 + CONF_TEXT_MAX] = '\0';
	is_int(P(line), 0, "banner of exactly CONF_TEXT_MAX bytes");
	is_int((long long)strlen(C.banner), CONF_TEXT_MAX, "stored whole");
	line[9 + CONF_TEXT_MAX] = 'a';
	line[9 + CONF_TEXT_MAX + 1] = '\0';
	is_int(P(line), ERR_TOO_LARGE, "banner one byte too long");
	ok(has(X.err, "banner"), "message names key: %s", X.err);
	is_int((long long)strlen(C.banner), CONF_TEXT_MAX, "old value kept, not truncated");
	memcpy(line, "pid-file = /", 12);
	line[12 + CONF_PATH_MAX] = '\0';
	is_int(P(line), ERR_TOO_LARGE, "path one byte too long");
	line[12 + CONF_PATH_MAX - 1] = '\0';
	is_int(P(line), 0, "path of exactly CONF_PATH_MAX bytes");
}

static void test_unknown(void)
{
	reset();
	is_int(P("no-such-option = 1"), ERR_FORMAT, "unknown option");
	is_str(X.err, "t.conf:7: unknown option 'no-such-option'", "unknown message");
	is_int(n_warn, 0, "no warning for unknown");

	is_int(P("isolate-workers = true"), 0, "not implemented: accepted");
	is_int(n_warn, 1, "one warning");
	is_str(last_warn,
	       "t.conf:7: option 'isolate-workers' is not implemented yet by cstpd; ignored",
	       "warning text");
	is_int(P("camouflage = true"), 0, "camouflage accepted");
	ok(has(last_warn, "'camouflage'"), "warning names camouflage");
	is_int(P("camouflage_secret = xyz"), 0, "underscore option accepted");
	X.warn = NULL;
	is_int(P("listen-proxy-proto = true"), 0, "not implemented with no warn callback");
	X.warn = on_warn;

	const char *peruser[] = {
		"explicit-ipv4 = 10.0.0.5", "explicit-ipv6 = fd00::5", "iroute = 10.1.0.0/16",
		"hostname = box",	    "no-udp = true",	       "tunnel_all_dns = true"
	};
	for (size_t i = 0; i < sizeof(peruser) / sizeof(peruser[0]); i++) {
		is_int(P(peruser[i]), ERR_FORMAT, "per-user only: %s", peruser[i]);
		ok(has(X.err, "t.conf:7:") && has(X.err, "only valid in per-user/per-group files"),
		   "message: %s", X.err);
	}
}

/* Every option name ocserv reads (shared/ocserv-options.md) is recognised. */
static void test_ocserv_names(void)
{
	static const char *const names[] = {
		"auth",
		"enable-auth",
		"acct",
		"listen-host",
		"udp-listen-host",
		"listen-host-is-dyndns",
		"listen-netns",
		"tcp-port",
		"udp-port",
		"run-as-user",
		"run-as-group",
		"occtl-socket-file",
		"socket-file",
		"chroot-dir",
		"server-cert",
		"server-key",
		"dh-params",
		"pin-file",
		"srk-pin-file",
		"key-pin",
		"srk-pin",
		"ca-cert",
		"sec-mod-scale",
		"isolate-workers",
		"banner",
		"pre-login-banner",
		"max-clients",
		"max-same-clients",
		"listen-proxy-proto",
		"rate-limit-ms",
		"stats-report-time",
		"server-stats-reset-time",
		"keepalive",
		"dpd",
		"mobile-dpd",
		"switch-to-tcp-timeout",
		"try-mtu-discovery",
		"server-drain-ms",
		"ocsp-response",
		"cert-user-oid",
		"cert-group-oid",
		"crl",
		"compression",
		"no-compress-limit",
		"tls-priorities",
		"match-tls-dtls-ciphers",
		"auth-timeout",
		"idle-timeout",
		"session-timeout",
		"mobile-idle-timeout",
		"max-ban-score",
		"ban-time",
		"ban-reset-time",
		"ban-points-wrong-password",
		"ban-points-connection",
		"ban-points-kkdcp",
		"cookie-timeout",
		"persistent-cookies",
		"deny-roaming",
		"rekey-time",
		"rekey-method",
		"connect-script",
		"disconnect-script",
		"host-update-script",
		"use-utmp",
		"use-occtl",
		"pid-file",
		"log-level",
		"net-priority",
		"cgroup",
		"device",
		"predictable-ips",
		"default-domain",
		"ipv4-network",
		"ipv4-netmask",
		"ipv6-network",
		"ipv6-subnet-prefix",
		"tunnel-all-dns",
		"dns",
		"nbns",
		"split-dns",
		"ping-leases",
		"mtu",
		"rx-data-per-sec",
		"tx-data-per-sec",
		"output-buffer",
		"route",
		"no-route",
		"restrict-user-to-routes",
		"restrict-user-to-ports",
		"expose-iroutes",
		"select-group",
		"select-group-by-url",
		"default-select-group",
		"auto-select-group",
		"config-per-user",
		"config-per-group",
		"default-user-config",
		"default-group-config",
		"route-add-cmd",
		"route-del-cmd",
		"proxy-url",
		"kkdcp",
		"user-profile",
		"cisco-client-compat",
		"dtls-psk",
		"dtls-legacy",
		"cisco-svc-client-compat",
		"client-bypass-protocol",
		"camouflage",
		"camouflage_secret",
		"camouflage_realm",
		"custom-header",
		"included-http-headers",
		"ipv4-dns",
		"ipv6-dns",
		"ipv4-nbns",
		"ipv6-nbns",
		"ipv6-prefix",
		"append-routes",
		"compression-algo-priority",
		"debug-no-secmod-stats",
		"min-reauth-time",
		"always-require-cert",
		"use-dbus",
		"use-seccomp",
		"session-control",
		"listen-clear-file",
		"explicit-ipv4",
		"explicit-ipv6",
		"iroute",
		"hostname",
		"no-udp",
		"max-preauth-clients",
		"handshake-timeout",
	};
	char line[128];
	int unknown = 0;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		reset();
		snprintf(line, sizeof(line), "%s = x", names[i]);
		(void)P(line);
		if (has(X.err, "unknown option")) {
			diag("not recognised: %s", names[i]);
			unknown++;
		}
	}
	is_int(unknown, 0, "all %zu ocserv and cstpd option names recognised",
	       sizeof(names) / sizeof(names[0]));
}

static void test_ints(void)
{
	reset();
	is_int(P("log-level = 9"), 0, "log-level max");
	is_int(C.log_level, 9, "log-level set");
	is_int(P("log-level = 10"), ERR_RANGE, "log-level above range");
	ok(has(X.err, "t.conf:7:") && has(X.err, "'log-level'") && has(X.err, "0 and 9"),
	   "range message: %s", X.err);
	is_int(C.log_level, 9, "failed line leaves value");
	is_int(P("log-level = -1"), ERR_RANGE, "negative");
	is_int(P("log-level = one"), ERR_FORMAT, "not a number");
	ok(has(X.err, "'log-level'") && has(X.err, "whole number"), "format message: %s", X.err);
	is_int(P("log-level = 1x"), ERR_FORMAT, "trailing junk");
	is_int(P("log-level = 0x1"), ERR_FORMAT, "hex rejected");
	is_int(P("log-level = 1 2"), ERR_FORMAT, "two numbers");
	is_int(P("tcp-port = 65536"), ERR_RANGE, "port above range");
	is_int(P("tcp-port = 99999999999999999999999"), ERR_RANGE, "overflow");
	is_int(P("udp-port = 0"), 0, "udp-port 0");
	is_int(P("mtu = 0"), 0, "mtu 0 allowed");
	is_int(P("mtu = 575"), ERR_RANGE, "mtu below 576");
	ok(has(X.err, "or 0"), "mtu message mentions 0: %s", X.err);
	is_int(P("mtu = 1400"), 0, "mtu 1400");
	is_int(C.mtu, 1400, "mtu set");
	is_int(P("mtu = 65536"), ERR_RANGE, "mtu above range");
	is_int(P("max-preauth-clients = 0"), ERR_RANGE, "max-preauth-clients min 1");
	is_int(P("max-preauth-clients = 100000"), 0, "max-preauth-clients max");
	is_int(P("max-preauth-clients = 100001"), ERR_RANGE, "max-preauth-clients over");
	is_int(P("handshake-timeout = 300"), 0, "handshake-timeout max");
	is_int(C.handshake_timeout, 300, "handshake-timeout set");
	is_int(P("handshake-timeout = 301"), ERR_RANGE, "handshake-timeout over");
	is_int(P("handshake-timeout = 0"), ERR_RANGE, "handshake-timeout zero");
	is_int(P("cookie-timeout = -5"), ERR_RANGE, "negative cookie-timeout");
	is_int(P("ipv6-subnet-prefix = 63"), ERR_RANGE, "subnet prefix below 64");
	is_int(P("ipv6-subnet-prefix = 64"), 0, "subnet prefix 64");
	is_int(C.ipv6_subnet_prefix, 64, "subnet prefix set");
	is_int(P("ipv6-subnet-prefix = 129"), ERR_RANGE, "subnet prefix above 128");
	is_int(P("keepalive = 0"), 0, "keepalive 0");
	is_int(P("dpd = 60"), 0, "dpd");
	is_int(C.dpd, 60, "dpd set");
	is_int(P("min-reauth-time = 77"), 0, "min-reauth-time alias");
	is_int(C.ban_time, 77, "sets ban-time");
	ok(has(last_warn, "ban-time"), "old-name warning: %s", last_warn);
	is_int(P("ban-time = 12"), 0, "ban-time");
	is_int(C.ban_time, 12, "later wins");
}

static void test_bools(void)
{
	reset();
	is_int(P("try-mtu-discovery = true"), 0, "true");
	ok(C.try_mtu_discovery, "set");
	is_int(P("try-mtu-discovery = NO"), 0, "NO");
	ok(!C.try_mtu_discovery, "cleared");
	is_int(P("try-mtu-discovery = Yes"), 0, "Yes");
	ok(C.try_mtu_discovery, "set");
	is_int(P("try-mtu-discovery = False"), 0, "False");
	ok(!C.try_mtu_discovery, "cleared");
	is_int(P("try-mtu-discovery = 1"), ERR_FORMAT, "1 is not a bool");
	ok(has(X.err, "'try-mtu-discovery'"), "message names key: %s", X.err);
	is_int(P("try-mtu-discovery = on"), ERR_FORMAT, "on is not a bool");
	is_int(P("try-mtu-discovery = truex"), ERR_FORMAT, "truex");
	is_int(P("always-require-cert = true"), 0, "always-require-cert");
	ok(!C.cisco_client_compat, "inverse of cisco-client-compat");
	is_int(P("always-require-cert = false"), 0, "always-require-cert false");
	ok(C.cisco_client_compat, "cisco-client-compat on");
	is_int(P("use-dbus = false"), 0, "use-dbus alias");
	ok(!C.use_occtl, "use-occtl off");
	is_int(P("dtls-psk = false"), 0, "dtls-psk");
	ok(!C.dtls_psk, "dtls-psk off");
	is_int(P("worker-spawn = exec"), 0, "worker-spawn exec");
	is_int(C.worker_spawn, CONF_SPAWN_EXEC, "worker-spawn exec stored");
	is_int(P("worker-spawn = zygote"), 0, "worker-spawn zygote");
	is_int(C.worker_spawn, CONF_SPAWN_ZYGOTE, "worker-spawn zygote stored");
	is_int(P("worker-spawn = fork"), ERR_FORMAT, "worker-spawn fork refused");
}

static void test_strings(void)
{
	reset();
	is_int(P("run-as-user = daemon"), 0, "user");
	is_str(C.run_as_user, "daemon", "user set");
	is_int(P("run-as-user = \"bad user\""), ERR_FORMAT, "space in user");
	is_int(P("run-as-group = a/b"), ERR_FORMAT, "slash in group");
	is_int(P("server-cert = \"/etc/my certs/c.pem\""), 0, "path with space");
	is_str(C.server_cert, "/etc/my certs/c.pem", "path set");
	is_int(P("device = tun_x-1"), 0, "device");
	is_str(C.device, "tun_x-1", "device set");
	is_int(P("device = abcdefghij"), 0, "device of 10");
	is_int(P("device = abcdefghijk"), ERR_FORMAT, "device of 11");
	is_int(P("device = vp.ns"), ERR_FORMAT, "dot in device");
	is_int(P("device = vp/ns"), ERR_FORMAT, "slash in device");
	is_int(P("listen-host = 192.0.2.1"), 0, "listen-host v4");
	is_int(P("listen-host = fe80::1%eth0"), 0, "listen-host v6 scoped");
	is_int(P("listen-host = vpn.example.com"), 0, "listen-host name");
	is_str(C.listen_host, "vpn.example.com", "listen-host set");
	is_int(P("listen-host = a;b"), ERR_FORMAT, "listen-host junk");
	is_int(P("default-domain = example.com corp.example.com"), 0, "two domains");
	is_int(P("default-domain = exa$mple.com"), ERR_FORMAT, "bad domain");
	is_int(P("split-dns = corp.example.com"), 0, "split-dns");
	is_int(P("split-dns = lab.example.com"), 0, "split-dns again");
	is_int((long long)C.n_split_dns, 2, "two split-dns");
	is_str(C.split_dns[1], "lab.example.com", "second split-dns");
	is_int(P("split-dns = a b"), ERR_FORMAT, "space in split-dns");
	is_int(P("tls-priorities = \"NORMAL:%SERVER_PRECEDENCE:-VERS-TLS1.0\""), 0,
	       "tls-priorities");
	is_str(C.tls_priorities, "NORMAL:%SERVER_PRECEDENCE:-VERS-TLS1.0", "priorities kept");
	is_int(P("pre-login-banner = \"Caf\xc3\xa9 = open\""), 0, "UTF-8 banner with '='");
	is_str(C.pre_login_banner, "Caf\xc3\xa9 = open", "banner kept");
	is_int(P("rekey-method = ssl"), 0, "rekey ssl");
	is_int(C.rekey_method, CONF_REKEY_SSL, "ssl stored");
	is_int(P("rekey-method = new-tunnel"), 0, "rekey new-tunnel");
	is_int(C.rekey_method, CONF_REKEY_NEW_TUNNEL, "new-tunnel stored");
	is_int(P("rekey-method = none"), ERR_FORMAT, "rekey none");
	is_int(P("default-select-group = DEFAULT"), 0, "default-select-group");
	is_str(C.default_select_group, "DEFAULT", "default-select-group set");
}

static void test_auth(void)
{
	reset();
	is_int(P("auth = \"plain[passwd=/etc/p,otp=/etc/o]\""), 0, "plain with otp");
	is_int((long long)C.n_auth, 1, "one auth");
	is_int(C.auth[0].kind, CONF_AUTH_PLAIN, "plain");
	is_str(C.auth[0].passwd, "/etc/p", "passwd");
	is_str(C.auth[0].otp, "/etc/o", "otp");
	is_int(P("auth = plain[ passwd = /x , otp = /y ]"), 0, "spaces inside");
	is_str(C.auth[1].passwd, "/x", "trimmed passwd");
	is_str(C.auth[1].otp, "/y", "trimmed otp");
	is_int(P("auth = plain[/etc/ocpasswd]"), 0, "old bare form");
	is_str(C.auth[2].passwd, "/etc/ocpasswd", "bare passwd");
	is_int(P("auth = certificate"), 0, "certificate");
	is_int(C.auth[3].kind, CONF_AUTH_CERTIFICATE, "certificate kind");
	is_int(P("auth = certificate"), ERR_TOO_LARGE, "fifth auth line");
	ok(has(X.err, "too many"), "too many message: %s", X.err);

	reset();
	is_int(P("auth = \"radius[config=/etc/radcli/radiusclient.conf,groupconfig=true,"
		 "nas-identifier=vpn1]\""),
	       0, "radius");
	is_int(C.auth[0].kind, CONF_AUTH_RADIUS, "radius kind");
	is_str(C.auth[0].radius_config, "/etc/radcli/radiusclient.conf", "radius config");
	ok(C.auth[0].groupconfig, "groupconfig");
	is_str(C.auth[0].nas_identifier, "vpn1", "nas-identifier");
	is_int(P("auth = radius[config=/r,groupconfig=maybe]"), ERR_FORMAT, "bad groupconfig");
	is_int(P("auth = pam"), ERR_FORMAT, "pam");
	is_str(X.err, "t.conf:7: auth method 'pam' is not supported", "pam message");
	is_int(P("auth = pam[gid-min=1000]"), ERR_FORMAT, "pam with params");
	ok(has(X.err, "'pam' is not supported"), "pam message: %s", X.err);
	is_int(P("auth = gssapi"), ERR_FORMAT, "gssapi");
	is_int(P("auth = oidc[config=/x]"), ERR_FORMAT, "oidc");
	is_int(P("auth = kerberos"), ERR_FORMAT, "unknown method");
	ok(has(X.err, "unknown auth method"), "unknown method message: %s", X.err);
	is_int(P("auth = plain[passwd=/p,bogus=1]"), ERR_FORMAT, "unknown parameter");
	ok(has(X.err, "bogus"), "names the parameter: %s", X.err);
	is_int(P("auth = plain[passwd=/p,otp=]"), ERR_FORMAT, "key with no value");
	is_int(P("auth = plain[passwd=/p"), ERR_FORMAT, "missing ]");
	is_int(P("auth = plain[passwd=/p]x"), ERR_FORMAT, "junk after ]");
	is_int(P("auth = plain[]"), ERR_FORMAT, "empty brackets");
	is_int(P("auth = plain[=x]"), ERR_FORMAT, "empty parameter name");
	is_int(P("auth = plain[passwd=/p,]"), ERR_FORMAT, "trailing comma");
	is_int(P("auth = certificate[x=1]"), ERR_FORMAT, "certificate with params");
	is_int(P("auth = radius[nas-identifier=n,passwd=/p]"), ERR_FORMAT, "passwd for radius");
	is_int((long long)C.n_auth, 1, "failed lines added nothing");

	is_int(P("enable-auth = certificate"), 0, "enable-auth");
	is_int((long long)C.n_enable_auth, 1, "one enable-auth");
	is_int(P("acct = radius[config=/etc/r.conf]"), 0, "acct radius");
	is_int(C.acct.kind, CONF_AUTH_RADIUS, "acct kind");
	is_str(C.acct.radius_config, "/etc/r.conf", "acct config");
	is_int(P("acct = pam"), ERR_FORMAT, "acct pam");
	is_int(P("acct = plain[passwd=/p]"), ERR_FORMAT, "acct plain");
	ok(has(X.err, "acct supports only radius"), "acct message: %s", X.err);
}

static void test_groups(void)
{
	reset();
	is_int(P("select-group = group1[Group One]"), 0, "group with label");
	is_str(C.select_group[0].name, "group1", "name");
	is_str(C.select_group[0].label, "Group One", "label");
	is_int(P("select-group = group2"), 0, "group without label");
	is_str(C.select_group[1].label, "group2", "label defaults to name");
	is_int(P("select-group = \"g3 [ Third ]\""), 0, "spaces around");
	is_str(C.select_group[2].name, "g3", "trimmed name");
	is_str(C.select_group[2].label, "Third", "trimmed label");
	is_int((long long)C.n_select_group, 3, "three groups");
	is_int(P("select-group = group1"), ERR_FORMAT, "duplicate");
	is_int(P("select-group = bad name"), ERR_FORMAT, "space in name");
	is_int(P("select-group = g/x[X]"), ERR_FORMAT, "slash in name");
	is_int(P("select-group = [Label]"), ERR_FORMAT, "no name");
	is_int(P("select-group = g4[]"), ERR_FORMAT, "empty label");
	is_int(P("select-group = g4[a]b]"), ERR_FORMAT, "bracket in label");
	is_int(P("select-group = g4[a"), ERR_FORMAT, "unclosed label");
	is_int(P("select-group = g4[a] x"), ERR_FORMAT, "junk after label");
	is_int((long long)C.n_select_group, 3, "failed lines added nothing");
	is_int(P("auto-select-group = true"), 0, "auto-select-group");
	ok(C.auto_select_group, "auto-select-group set");

	char line[64];
	int r = 0;

	reset();
	for (int i = 0; i < CONF_LIST_MAX && r == 0; i++) {
		snprintf(line, sizeof(line), "select-group = g%d", i);
		r = P(line);
	}
	is_int(r, 0, "%d groups fit", CONF_LIST_MAX);
	is_int(P("select-group = one-more"), ERR_TOO_LARGE, "one more is too many");
}

static void test_pools(void)
{
	char a[INET6_ADDRSTRLEN];

	reset();
	is_int(P("ipv4-network = 192.168.1.0/24"), 0, "CIDR network");
	ok(C.has_ipv4, "has_ipv4");
	is_int(C.ipv4_prefix, 24, "prefix from CIDR");
	is_str(inet_ntop(AF_INET, &C.ipv4_netmask, a, sizeof(a)), "255.255.255.0", "mask");
	is_str(inet_ntop(AF_INET, &C.ipv4_network, a, sizeof(a)), "192.168.1.0", "network");
	is_int(P("ipv4-network = 10.0.0.0/255.255.0.0"), 0, "network with dotted mask");
	is_int(C.ipv4_prefix, 16, "prefix 16");

	reset();
	is_int(P("ipv4-network = 10.1.0.0"), 0, "bare network");
	is_int(C.ipv4_prefix, 0, "no prefix yet");
	is_int(P("ipv4-netmask = 255.255.252.0"), 0, "dotted netmask");
	is_int(C.ipv4_prefix, 22, "prefix 22");
	is_str(inet_ntop(AF_INET, &C.ipv4_netmask, a, sizeof(a)), "255.255.252.0", "mask set");
	is_int(P("ipv4-netmask = /20"), 0, "netmask /20");
	is_int(C.ipv4_prefix, 20, "prefix 20");
	is_int(P("ipv4-netmask = 255.0.255.0"), ERR_FORMAT, "non-contiguous mask");
	is_int(P("ipv4-netmask = 255.255.255.255"), ERR_RANGE, "/32 leaves no room");
	is_int(P("ipv4-netmask = /31"), ERR_RANGE, "/31 leaves no room");
	is_int(P("ipv4-netmask = /0"), ERR_RANGE, "/0");
	is_int(P("ipv4-netmask = /33"), ERR_RANGE, "/33");
	is_int(P("ipv4-netmask = abc"), ERR_FORMAT, "junk mask");
	is_int(P("ipv4-network = 10.0.0.0/31"), ERR_RANGE, "CIDR /31");
	is_int(P("ipv4-network = fd00::/64"), ERR_FORMAT, "v6 for ipv4-network");
	is_int(P("ipv4-network = default"), ERR_FORMAT, "default for ipv4-network");
	is_int(P("ipv4-network = 10.0.0"), ERR_FORMAT, "short address");
	is_int(P("ipv4-network = 010.0.0.0/8"), ERR_FORMAT, "leading zero");

	reset();
	is_int(P("ipv6-network = fd00:1::/48"), 0, "ipv6 network");
	ok(C.has_ipv6, "has_ipv6");
	is_int(C.ipv6_prefix, 48, "ipv6 prefix");
	is_str(inet_ntop(AF_INET6, &C.ipv6_network, a, sizeof(a)), "fd00:1::", "ipv6 addr");
	is_int(P("ipv6-network = 10.0.0.0/8"), ERR_FORMAT, "v4 for ipv6-network");
	is_int(P("ipv6-network = fd00::/129"), ERR_RANGE, "prefix 129");
	is_int(P("ipv6-network = fd00::/128"), ERR_RANGE, "prefix 128");
	is_int(P("ipv6-network = fd00::/ffff::"), ERR_FORMAT, "v6 dotted-ish mask");
	reset();
	is_int(P("ipv6-network = fd00::"), 0, "bare ipv6 network");
	is_int(P("ipv6-prefix = 64"), 0, "old ipv6-prefix");
	is_int(C.ipv6_prefix, 64, "ipv6-prefix sets pool prefix");
}

static void test_routes(void)
{
	char s[64];

	reset();
	is_int(P("route = 10.0.0.0/8"), 0, "route CIDR");
	is_int(P("route = 192.168.0.0/255.255.0.0"), 0, "route dotted mask");
	is_int(P("route = default"), 0, "route default");
	is_int(P("route = fd00::/64"), 0, "route v6");
	is_int(P("route = 172.16.1.1"), 0, "bare address");
	is_int(P("no-route = 192.168.5.0/255.255.255.0"), 0, "no-route dotted");
	is_int((long long)C.n_route, 5, "five routes");
	is_int((long long)C.n_no_route, 1, "one no-route");
	conf_net_format(&C.route[0], s, sizeof(s));
	is_str(s, "10.0.0.0/255.0.0.0", "format v4");
	conf_net_format(&C.route[1], s, sizeof(s));
	is_str(s, "192.168.0.0/255.255.0.0", "format dotted");
	ok(C.route[2].is_default, "default flagged");
	conf_net_format(&C.route[2], s, sizeof(s));
	is_str(s, "default", "format default");
	conf_net_format(&C.route[3], s, sizeof(s));
	is_str(s, "fd00::/64", "format v6");
	is_int(C.route[3].family, AF_INET6, "v6 family");
	conf_net_format(&C.route[4], s, sizeof(s));
	is_str(s, "172.16.1.1/255.255.255.255", "host route");
	conf_net_format(&C.no_route[0], s, sizeof(s));
	is_str(s, "192.168.5.0/255.255.255.0", "format no-route");
	conf_net_format(&C.route[0], s, 10);
	is_str(s, "", "too small a buffer gives empty, not truncated");

	n_warn = 0;
	is_int(P("route = 10.0.0.1/8"), 0, "host bits set: accepted");
	is_int(n_warn, 1, "with a warning");
	ok(has(last_warn, "t.conf:7:") && has(last_warn, "10.0.0.1/8 has host bits set") &&
		   has(last_warn, "10.0.0.0/8"),
	   "warning: %s", last_warn);
	conf_net_format(&C.route[5], s, sizeof(s));
	is_str(s, "10.0.0.0/255.0.0.0", "masked");
	is_int(P("route = fd00::1/64"), 0, "v6 host bits");
	conf_net_format(&C.route[6], s, sizeof(s));
	is_str(s, "fd00::/64", "v6 masked");
	is_int(P("route = 10.0.0.0/33"), ERR_RANGE, "prefix 33");
	ok(has(X.err, "t.conf:7:"), "route error has file:line: %s", X.err);
	is_int(P("route = 10.0.0.0/255.0.255.0"), ERR_FORMAT, "non-contiguous route mask");
	is_int(P("route = 10.0.0.0/"), ERR_FORMAT, "empty prefix");
	is_int(P("route = /8"), ERR_FORMAT, "no address");
	is_int(P("route = 10.0.0.0/8/8"), ERR_FORMAT, "two slashes");
	is_int(P("route = fd00::/255.0.0.0"), ERR_FORMAT, "v6 with dotted mask");
	is_int(P("route = example.com"), ERR_FORMAT, "name");
	is_int(P("route = 10.0.0.0 /8"), ERR_FORMAT, "space before slash");
	is_int((long long)C.n_route, 7, "failed lines added nothing");

	struct conf_net n;

	is_int(conf_parse_net("0.0.0.0/0", &n), 0, "0/0");
	ok(!n.is_default && n.prefix == 0, "0/0 is not 'default' but prefix 0");
	is_int(conf_parse_net("DEFAULT", &n), 0, "DEFAULT");
	ok(n.is_default, "DEFAULT flagged");
	is_int(conf_parse_net("::1", &n), 0, "v6 host");
	is_int(n.prefix, 128, "v6 host /128");
	is_int(conf_parse_net("1.2.3.4/-1", &n), ERR_RANGE, "negative prefix");
	is_int(conf_parse_net("1.2.3.4/x", &n), ERR_FORMAT, "junk prefix");
	is_int(conf_parse_net("", &n), ERR_FORMAT, "empty");
	is_int(n.family, 0, "cleared on error");

	char line[64];
	int r = 0;

	reset();
	for (int i = 0; i < CONF_LIST_MAX && r == 0; i++) {
		snprintf(line, sizeof(line), "route = 10.%d.0.0/16", i);
		r = P(line);
	}
	is_int(r, 0, "%d routes fit", CONF_LIST_MAX);
	is_int(P("route = 11.0.0.0/8"), ERR_TOO_LARGE, "one more is too many");
	ok(has(X.err, "too many 'route'"), "message: %s", X.err);
}

static void test_dns(void)
{
	reset();
	is_int(P("dns = 192.168.1.1"), 0, "dns v4");
	is_int(P("dns = fd00::53"), 0, "dns v6");
	is_int(P("ipv4-dns = 10.0.0.53"), 0, "ipv4-dns alias");
	is_int(P("ipv6-dns = fd00::54"), 0, "ipv6-dns alias");
	is_int((long long)C.n_dns, 4, "four dns");
	is_int(C.dns[0].prefix, 32, "v4 prefix 32");
	is_int(C.dns[1].prefix, 128, "v6 prefix 128");
	is_int(C.dns[2].family, AF_INET, "alias appended v4");
	is_int(P("ipv4-dns = fd00::1"), ERR_FORMAT, "ipv4-dns with v6");
	is_int(P("ipv6-dns = 1.2.3.4"), ERR_FORMAT, "ipv6-dns with v4");
	is_int(P("dns = 10.0.0.0/8"), ERR_FORMAT, "dns with prefix");
	is_int(P("dns = default"), ERR_FORMAT, "dns default");
	is_int(P("dns = ns1.example.com"), ERR_FORMAT, "dns name");
	is_int(P("nbns = 10.0.0.2"), 0, "nbns");
	is_int(P("ipv4-nbns = 10.0.0.3"), 0, "ipv4-nbns");
	is_int(P("ipv6-nbns = fd00::2"), 0, "ipv6-nbns");
	is_int((long long)C.n_nbns, 3, "three nbns");
	is_int(P("tunnel-all-dns = true"), 0, "tunnel-all-dns");
	ok(C.tunnel_all_dns, "set");
}

static void test_finish(void)
{
	is_int(load_minimal(), 0, "minimal config parses");
	is_int(conf_finish(&C, &X), 0, "minimal config finishes");
	is_str(X.err, "", "no error text");

	reset();
	is_int(conf_finish(&C, &X), ERR_FORMAT, "empty config fails");
	ok(has(X.err, "t.conf: ") && has(X.err, "auth"), "names auth: %s", X.err);

	load_minimal();
	C.n_auth = 0;
	P("enable-auth = plain[passwd=/p]");
	is_int(conf_finish(&C, &X), 0, "enable-auth alone is enough");

	load_minimal();
	P("auth = plain[otp=/etc/otp]");
	is_int(conf_finish(&C, &X), ERR_FORMAT, "plain without passwd");
	ok(has(X.err, "passwd="), "message: %s", X.err);

	load_minimal();
	P("auth = radius[groupconfig=true]");
	is_int(conf_finish(&C, &X), ERR_FORMAT, "radius without config");
	ok(has(X.err, "config="), "message: %s", X.err);

	load_minimal();
	P("auth = certificate");
	is_int(conf_finish(&C, &X), ERR_FORMAT, "certificate without ca-cert");
	P("ca-cert = /etc/ca.pem");
	is_int(conf_finish(&C, &X), 0, "certificate with ca-cert");

	load_minimal();
	P("acct = radius[nas-identifier=x]");
	is_int(conf_finish(&C, &X), ERR_FORMAT, "acct without config");

	load_minimal();
	C.server_key[0] = '\0';
	is_int(conf_finish(&C, &X), ERR_FORMAT, "no server-key");
	ok(has(X.err, "server-key"), "message: %s", X.err);

	load_minimal();
	P("tcp-port = 0");
	is_int(conf_finish(&C, &X), ERR_FORMAT, "tcp-port 0");
	ok(has(X.err, "tcp-port"), "message: %s", X.err);

	load_minimal();
	P("max-clients = 10");
	P("max-same-clients = 11");
	is_int(conf_finish(&C, &X), ERR_FORMAT, "max-same-clients > max-clients");
	P("max-clients = 0");
	is_int(conf_finish(&C, &X), 0, "unlimited max-clients");
	P("max-clients = 10");
	P("max-same-clients = 0");
	is_int(conf_finish(&C, &X), 0, "unlimited max-same-clients");

	load_minimal();
	C.has_ipv4 = false;
	C.ipv4_prefix = 0;
	is_int(conf_finish(&C, &X), ERR_FORMAT, "no pool");
	ok(has(X.err, "pool"), "message: %s", X.err);

	char a[INET6_ADDRSTRLEN];

	load_minimal();
	P("ipv4-network = 10.10.1.0");
	is_int(conf_finish(&C, &X), 0, "network with host bits outside the /16: accepted");
	ok(has(last_warn, "t.conf: ") && has(last_warn, "10.10.1.0/16 has host bits set") &&
		   has(last_warn, "10.10.0.0/16"),
	   "with a warning: %s", last_warn);
	is_str(inet_ntop(AF_INET, &C.ipv4_network, a, sizeof(a)), "10.10.0.0", "and masked");
	n_warn = 0;
	P("ipv4-network = 10.10.1.0");
	P("ipv4-netmask = 255.255.255.0");
	is_int(conf_finish(&C, &X), 0, "fits a /24");
	is_int(n_warn, 0, "no warning then");

	reset();
	for (size_t i = 0; i < 3; i++)
		P(minimal[i]);
	P("ipv4-network = 10.0.0.0");
	is_int(conf_finish(&C, &X), ERR_FORMAT, "bare network without netmask");
	ok(has(X.err, "netmask"), "message: %s", X.err);

	reset();
	for (size_t i = 0; i < 3; i++)
		P(minimal[i]);
	P("ipv4-netmask = 255.255.0.0");
	is_int(conf_finish(&C, &X), ERR_FORMAT, "netmask without network");

	reset();
	for (size_t i = 0; i < 3; i++)
		P(minimal[i]);
	P("ipv6-network = fd00::/64");
	is_int(conf_finish(&C, &X), 0, "ipv6-only pool");
	P("ipv6-subnet-prefix = 64");
	is_int(conf_finish(&C, &X), ERR_FORMAT, "subnet prefix not longer than pool");
	P("ipv6-subnet-prefix = 96");
	P("ipv6-network = fda9:4efe:7e3b:03ea::/48");
	is_int(conf_finish(&C, &X), 0, "ipv6 host bits outside prefix: accepted (ocserv's sample)");
	ok(has(last_warn, "using fda9:4efe:7e3b::/48"), "with a warning: %s", last_warn);
	is_str(inet_ntop(AF_INET6, &C.ipv6_network, a, sizeof(a)), "fda9:4efe:7e3b::", "masked");
	P("ipv6-network = fd00::");
	C.ipv6_prefix = 0;
	is_int(conf_finish(&C, &X), ERR_FORMAT, "ipv6 without prefix");
}

/* Read the shipped sample, one line at a time, as main does. */
static int read_sample(char lines[][512], size_t max, size_t *n)
{
	FILE *f = fopen(tap_srcpath("conf/cstpd.conf"), "r");
	char buf[512];

	*n = 0;
	if (!f)
		return -1;
	while (*n < max && fgets(buf, sizeof(buf), f)) {
		buf[strcspn(buf, "\n")] = '\0';
		snprintf(lines[(*n)++], 512, "%s", buf);
	}
	fclose(f);
	return 0;
}

static char sample[400][512];
static size_t n_sample;
static struct conf base, work;

static void test_sample(void)
{
	int errors = 0;

	ok(read_sample(sample, 400, &n_sample) == 0 && n_sample > 50,
	   "read conf/cstpd.conf (%zu lines)", n_sample);
	reset();
	for (size_t i = 0; i < n_sample; i++) {
		if (conf_parse_line(&C, &X, sample[i], (unsigned)i + 1) != 0) {
			diag("%s", X.err);
			errors++;
		}
	}
	is_int(errors, 0, "sample parses without errors");
	is_int(n_warn, 0, "sample parses without warnings");
	X.file = "cstpd.conf";
	is_int(conf_finish(&C, &X), 0, "sample passes conf_finish: %s", X.err);
	X.file = "t.conf";
	is_int((long long)C.n_auth, 1, "sample auth");
	is_str(C.auth[0].passwd, "/etc/cstpd/passwd", "sample passwd file");
	is_int(C.tcp_port, 443, "sample tcp-port");
	is_int(C.udp_port, 443, "sample udp-port");
	is_str(C.socket_file, "/var/run/cstpd-socket", "sample socket-file");
	is_str(C.server_key, "/etc/cstpd/server-key.pem", "sample server-key");
	is_int(C.rekey_method, CONF_REKEY_NEW_TUNNEL, "sample rekey-method");
	is_int((long long)C.n_route, 2, "sample routes");
	is_int((long long)C.n_no_route, 1, "sample no-route");
	is_int((long long)C.n_select_group, 2, "sample groups");
	is_str(C.select_group[0].label, "Staff", "sample group label");
	is_int((long long)C.n_dns, 1, "sample dns");
	is_int(C.ipv4_prefix, 24, "sample pool prefix");
	ok(C.banner[0] && C.pre_login_banner[0], "sample banners");
	base = C;
}

static int check_one(const char *line, unsigned *bad)
{
	int r;

	work = base;
	r = conf_parse_line(&work, &X, line, 1);
	if (r == 0)
		r = conf_finish(&work, &X);
	if (r != 0 && r != ERR_FORMAT && r != ERR_RANGE && r != ERR_TOO_LARGE)
		(*bad)++;
	else if (r != 0 && !X.err[0])
		(*bad)++;
	return r;
}

/* Truncate every sample line at every offset, and replace each byte with others (every
 * single-bit flip, then a few bytes that mean something to the syntax). Each result must be
 * a clean parse or a clean error with a message; ASan/UBSan catch the rest. */
static void test_mutations(void)
{
	static const unsigned char subst[] = { ' ', '=', '"', '[', ']',	 ',',  '/',  '#', '.',
					       ':', '0', '9', 'a', 0x01, 0x7f, 0xff, '\t' };
	unsigned bad = 0, runs = 0;
	char m[512];

	X.warn = NULL;
	for (size_t i = 0; i < n_sample; i++) {
		size_t len = strlen(sample[i]);

		for (size_t cut = 0; cut <= len; cut++, runs++) {
			memcpy(m, sample[i], cut);
			m[cut] = '\0';
			check_one(m, &bad);
		}
		for (size_t at = 0; at < len; at++) {
			for (int bit = 0; bit < 8; bit++, runs++) {
				memcpy(m, sample[i], len + 1);
				m[at] = (char)(m[at] ^ (1 << bit));
				check_one(m, &bad);
			}
			for (size_t k = 0; k < sizeof(subst); k++, runs++) {
				memcpy(m, sample[i], len + 1);
				m[at] = (char)subst[k];
				check_one(m, &bad);
			}
		}
	}
	X.warn = on_warn;
	is_int(bad, 0, "%u mutated lines: each a clean parse or a clean error", runs);
}

/* ---- per-user / per-group files ---- */

static struct conf_user U;

static int PU(const char *line)
{
	return conf_user_parse_line(&U, &X, line, LINE);
}

static void reset_user(void)
{
	conf_user_init(&U);
	X.err[0] = '\0';
	n_warn = 0;
	last_warn[0] = '\0';
}

static void test_user_init(void)
{
	reset_user();
	ok(!U.has_explicit_ipv4 && !U.has_explicit_ipv6 && !U.has_ipv4_network &&
		   !U.has_ipv6_network,
	   "no addresses or pools set");
	ok(!U.has_dns && !U.has_nbns && !U.has_split_dns && !U.has_route && !U.has_no_route &&
		   !U.has_default_domain,
	   "no lists set");
	ok(!U.n_dns && !U.n_nbns && !U.n_split_dns && !U.n_route && !U.n_no_route && !U.n_iroute,
	   "lists empty");
	ok(U.keepalive == -1 && U.dpd == -1 && U.mobile_dpd == -1 && U.idle_timeout == -1 &&
		   U.mobile_idle_timeout == -1 && U.session_timeout == -1 &&
		   U.max_same_clients == -1 && U.mtu == -1 && U.stats_report_time == -1,
	   "numbers -1");
	ok(U.deny_roaming == -1 && U.no_udp == -1 && U.tunnel_all_dns == -1 &&
		   U.client_bypass_protocol == -1,
	   "flags -1");
	is_int(U.ipv6_subnet_prefix, -1, "ipv6-subnet-prefix -1");
	is_int(U.ipv6_prefix, 0, "ipv6-prefix 0");
	ok(!U.hostname[0] && !U.default_domain[0] && !U.user_profile[0], "strings empty");
}

static void test_user_keys(void)
{
	char a[INET6_ADDRSTRLEN], s[64];

	reset_user();
	is_int(PU("explicit-ipv4 = 192.168.128.50"), 0, "explicit-ipv4");
	ok(U.has_explicit_ipv4, "has_explicit_ipv4");
	is_str(inet_ntop(AF_INET, &U.explicit_ipv4, a, sizeof(a)), "192.168.128.50", "stored");
	is_int(PU("explicit-ipv6 = fd00:1::50"), 0, "explicit-ipv6");
	ok(U.has_explicit_ipv6, "has_explicit_ipv6");
	is_str(inet_ntop(AF_INET6, &U.explicit_ipv6, a, sizeof(a)), "fd00:1::50", "stored");
	is_int(PU("iroute = 192.168.200.0/24"), 0, "iroute");
	is_int((long long)U.n_iroute, 1, "one iroute");
	is_int(PU("hostname = alice-laptop.example.com"), 0, "hostname");
	is_str(U.hostname, "alice-laptop.example.com", "hostname stored");
	is_int(PU("no-udp = true"), 0, "no-udp");
	is_int(U.no_udp, 1, "no-udp 1");
	is_int(PU("tunnel_all_dns = yes"), 0, "tunnel_all_dns (ocserv's spelling here)");
	is_int(U.tunnel_all_dns, 1, "tunnel_all_dns 1");
	is_int(PU("tunnel-all-dns = false"), 0, "tunnel-all-dns (the global spelling)");
	is_int(U.tunnel_all_dns, 0, "same field, now 0");
	is_int(PU("deny-roaming = true"), 0, "deny-roaming");
	is_int(U.deny_roaming, 1, "deny-roaming 1");
	is_int(PU("client-bypass-protocol = false"), 0, "client-bypass-protocol");
	is_int(U.client_bypass_protocol, 0, "client-bypass-protocol 0");
	is_int(PU("dns = 10.0.0.53"), 0, "dns");
	is_int(PU("ipv4-dns = 10.0.0.54"), 0, "ipv4-dns");
	is_int(PU("ipv6-dns = fd00::53"), 0, "ipv6-dns");
	ok(U.has_dns && U.n_dns == 3, "three dns, has_dns");
	is_int(PU("nbns = 10.0.0.2"), 0, "nbns");
	is_int(PU("ipv4-nbns = 10.0.0.3"), 0, "ipv4-nbns");
	is_int(PU("ipv6-nbns = fd00::2"), 0, "ipv6-nbns");
	ok(U.has_nbns && U.n_nbns == 3, "three nbns, has_nbns");
	is_int(PU("split-dns = lab.example.com"), 0, "split-dns");
	ok(U.has_split_dns && U.n_split_dns == 1, "has_split_dns");
	is_int(PU("route = 10.20.0.0/16"), 0, "route");
	ok(U.has_route && U.n_route == 1, "has_route");
	conf_net_format(&U.route[0], s, sizeof(s));
	is_str(s, "10.20.0.0/255.255.0.0", "route stored");
	is_int(PU("no-route = 10.20.5.0/24"), 0, "no-route");
	ok(U.has_no_route && U.n_no_route == 1, "has_no_route");
	is_int(PU("ipv4-network = 10.50.0.0"), 0, "ipv4-network");
	is_int(PU("ipv4-netmask = 255.255.255.0"), 0, "ipv4-netmask");
	ok(U.has_ipv4_network && U.ipv4_prefix == 24, "per-user IPv4 pool");
	is_str(inet_ntop(AF_INET, &U.ipv4_netmask, a, sizeof(a)), "255.255.255.0", "its mask");
	is_int(PU("ipv6-network = fd00:50::/48"), 0, "ipv6-network");
	ok(U.has_ipv6_network && U.ipv6_prefix == 48, "per-user IPv6 pool");
	is_int(PU("ipv6-prefix = 56"), 0, "ipv6-prefix");
	is_int(U.ipv6_prefix, 56, "ipv6-prefix stored");
	is_int(PU("ipv6-subnet-prefix = 64"), 0, "ipv6-subnet-prefix");
	is_int(U.ipv6_subnet_prefix, 64, "stored");

	static const struct {
		const char *line;
		const int *field;
		int want;
	} ints[] = {
		{ "keepalive = 300", &U.keepalive, 300 },
		{ "dpd = 60", &U.dpd, 60 },
		{ "mobile-dpd = 600", &U.mobile_dpd, 600 },
		{ "idle-timeout = 1800", &U.idle_timeout, 1800 },
		{ "mobile-idle-timeout = 2400", &U.mobile_idle_timeout, 2400 },
		{ "session-timeout = 0", &U.session_timeout, 0 },
		{ "max-same-clients = 1", &U.max_same_clients, 1 },
		{ "mtu = 1400", &U.mtu, 1400 },
		{ "stats-report-time = 120", &U.stats_report_time, 120 },
	};
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		is_int(PU(ints[i].line), 0, "%s", ints[i].line);
		is_int(*ints[i].field, ints[i].want, "  stored");
	}
	is_int(PU("user-profile = /etc/cstpd/alice.xml"), 0, "user-profile");
	is_str(U.user_profile, "/etc/cstpd/alice.xml", "stored");
	is_int(PU("default-domain = lab.example.com example.com"), 0, "default-domain");
	ok(U.has_default_domain, "has_default_domain");
	is_str(U.default_domain, "lab.example.com example.com", "stored");
	is_int(n_warn, 0, "no warnings");
}

static void test_user_errors(void)
{
	char a[INET6_ADDRSTRLEN];

	reset_user();
	is_int(PU("explicit-ipv4 = fd00::1"), ERR_FORMAT, "explicit-ipv4 with IPv6");
	ok(has(X.err, "t.conf:7:") && has(X.err, "'explicit-ipv4' needs an IPv4 address"),
	   "message: %s", X.err);
	is_int(PU("explicit-ipv4 = 10.0.0.0/24"), ERR_FORMAT, "explicit-ipv4 with a prefix");
	is_int(PU("explicit-ipv4 = default"), ERR_FORMAT, "explicit-ipv4 default");
	is_int(PU("explicit-ipv4 = 10.0.0.256"), ERR_FORMAT, "explicit-ipv4 out of range");
	is_int(PU("explicit-ipv6 = 10.0.0.1"), ERR_FORMAT, "explicit-ipv6 with IPv4");
	is_int(PU("explicit-ipv6 = fd00::/64"), ERR_FORMAT, "explicit-ipv6 with a prefix");
	ok(!U.has_explicit_ipv4 && !U.has_explicit_ipv6, "failed lines set nothing");
	is_int(PU("explicit-ipv4 = 10.0.0.5"), 0, "then a good one");
	is_int(PU("explicit-ipv4 = 10.0.0.6"), 0, "a later line wins");
	is_str(inet_ntop(AF_INET, &U.explicit_ipv4, a, sizeof(a)), "10.0.0.6", "10.0.0.6");
	is_int(PU("iroute = default"), ERR_FORMAT, "iroute default");
	ok(has(X.err, "iroute must be a network"), "message: %s", X.err);
	is_int(PU("hostname = bad host"), ERR_FORMAT, "hostname with a space");
	is_int(PU("hostname = a/b"), ERR_FORMAT, "hostname with a slash");
	is_int(PU("no-udp = 1"), ERR_FORMAT, "no-udp 1");
	is_int(U.no_udp, -1, "still not set");
	is_int(PU("idle-timeout = -1"), ERR_RANGE, "negative idle-timeout");
	is_int(U.idle_timeout, -1, "still not set");
	is_int(PU("mtu = 100"), ERR_RANGE, "mtu 100");
	is_int(PU("ipv6-subnet-prefix = 63"), ERR_RANGE, "subnet prefix 63");
	is_int(PU("ipv4-network = 10.0.0.0/31"), ERR_RANGE, "per-user /31 pool");
	is_int(PU("ipv6-network = 10.0.0.0/8"), ERR_FORMAT, "IPv4 as ipv6-network");
	is_int(PU("dns = example.com"), ERR_FORMAT, "dns name");
	ok(!U.has_dns, "failed dns line leaves has_dns");
	is_int(PU("route = 10.0.0.0/33"), ERR_RANGE, "route prefix 33");
	ok(!U.has_route, "failed route line leaves has_route");
	is_int(PU("default-domain = a$b"), ERR_FORMAT, "bad default-domain");
	ok(!U.has_default_domain, "failed line leaves has_default_domain");
	is_int(PU("dpd ="), ERR_FORMAT, "no value");
	is_int(PU("dpd 60"), ERR_FORMAT, "no '='");
	is_int(PU("[vhost:x]"), ERR_FORMAT, "section");
	is_int(PU("dpd = 6\x01"), ERR_FORMAT, "control character");
	is_int(PU(""), 0, "blank line");
	is_int(PU("# comment"), 0, "comment");
	is_int(PU("dpd = \"90\""), 0, "quoted value");
	is_int(U.dpd, 90, "dpd 90");

	static const char *const global_only[] = {
		"tcp-port = 443",	  "auth = plain[passwd=/p]", "server-cert = /c",
		"select-group = g",	  "run-as-user = nobody",    "cookie-timeout = 10",
		"predictable-ips = true", "device = vpns",	     "config-per-user = /x",
	};
	for (size_t i = 0; i < sizeof(global_only) / sizeof(global_only[0]); i++) {
		is_int(PU(global_only[i]), ERR_FORMAT, "global only: %s", global_only[i]);
		ok(has(X.err, "t.conf:7: option '") &&
			   has(X.err, "' is not allowed in per-user/per-group files"),
		   "  message: %s", X.err);
	}
	is_int(PU("ipv4-dns-server = 1.1.1.1"), ERR_FORMAT, "unknown key");
	is_str(X.err, "t.conf:7: unknown option 'ipv4-dns-server'", "unknown message");
	is_int(PU("isolate-workers = true"), ERR_FORMAT, "a not-implemented global key");
	ok(has(X.err, "not allowed in per-user"), "is still global only: %s", X.err);

	static const char *const notimpl[] = {
		"rx-data-per-sec = 1000000",
		"tx-data-per-sec = 1000000",
		"net-priority = 5",
		"cgroup = cpuset,cpu:test",
		"restrict-user-to-routes = true",
		"restrict-user-to-ports = \"tcp(443), udp(53)\"",
	};
	for (size_t i = 0; i < sizeof(notimpl) / sizeof(notimpl[0]); i++) {
		n_warn = 0;
		is_int(PU(notimpl[i]), 0, "not implemented, accepted: %s", notimpl[i]);
		ok(n_warn == 1 && has(last_warn, "t.conf:7:") &&
			   has(last_warn, "is not implemented yet by cstpd; ignored"),
		   "  with a warning: %s", last_warn);
	}
}

/* Read a shipped per-user or per-group sample into lines. */
static size_t read_lines(const char *rel, char lines[][512], size_t max)
{
	FILE *f = fopen(tap_srcpath(rel), "r");
	char buf[512];
	size_t n = 0;

	if (!f)
		return 0;
	while (n < max && fgets(buf, sizeof(buf), f)) {
		buf[strcspn(buf, "\n")] = '\0';
		snprintf(lines[n++], 512, "%s", buf);
	}
	fclose(f);
	return n;
}

static char alice[100][512], staff[100][512];
static size_t n_alice, n_staff;

static int parse_user_lines(char lines[][512], size_t n, const char *file)
{
	int errors = 0;

	X.file = file;
	for (size_t i = 0; i < n; i++)
		if (conf_user_parse_line(&U, &X, lines[i], (unsigned)i + 1) != 0) {
			diag("%s", X.err);
			errors++;
		}
	X.file = "t.conf";
	return errors;
}

static void test_user_samples(void)
{
	char a[INET6_ADDRSTRLEN], s[64];
	struct conf_net in_pool = { .family = AF_INET };

	n_alice = read_lines("conf/config-per-user/alice", alice, 100);
	n_staff = read_lines("conf/config-per-group/staff", staff, 100);
	ok(n_alice > 10 && n_staff > 5, "read the samples (%zu and %zu lines)", n_alice, n_staff);

	reset_user();
	is_int(parse_user_lines(alice, n_alice, "alice"), 0, "alice parses");
	is_int(n_warn, 0, "without warnings");
	ok(U.has_explicit_ipv4, "alice: explicit-ipv4");
	is_str(inet_ntop(AF_INET, &U.explicit_ipv4, a, sizeof(a)), "192.168.128.50",
	       "alice: 192.168.128.50");
	/* Inside the sample pool: cstpd.conf's ipv4-network. */
	ok(read_sample(sample, 400, &n_sample) == 0, "read cstpd.conf");
	reset();
	for (size_t i = 0; i < n_sample; i++)
		(void)P(sample[i]);
	memcpy(in_pool.addr, &U.explicit_ipv4, 4);
	in_pool.prefix = C.ipv4_prefix;
	ok(conf_net_mask(&in_pool) && !memcmp(in_pool.addr, &C.ipv4_network, 4),
	   "alice's address lies inside the sample pool (%u)", C.ipv4_prefix);
	ok(U.has_route && U.n_route == 2, "alice: two routes");
	conf_net_format(&U.route[1], s, sizeof(s));
	is_str(s, "172.16.20.0/255.255.255.0", "alice: lab route");
	ok(U.has_no_route && U.n_no_route == 1, "alice: no-route");
	ok(U.has_dns && U.n_dns == 2, "alice: two dns (replacing the global one)");
	ok(U.has_split_dns && U.n_split_dns == 1, "alice: split-dns");
	is_int(U.idle_timeout, 1800, "alice: idle-timeout");
	is_int(U.dpd, -1, "alice: dpd not set");

	reset_user();
	is_int(parse_user_lines(staff, n_staff, "staff"), 0, "staff parses");
	is_int(n_warn, 0, "without warnings");
	ok(U.has_route && U.n_route == 1 && U.route[0].is_default, "staff: default route");
	is_int(U.tunnel_all_dns, 1, "staff: tunnel_all_dns");
	is_str(U.default_domain, "staff.example.com", "staff: default-domain");
	is_int(U.max_same_clients, 3, "staff: max-same-clients");

	/* The group file, then the user file, into one struct: ocserv's layering. */
	is_int(parse_user_lines(alice, n_alice, "alice"), 0, "alice over staff");
	is_int(U.idle_timeout, 1800, "the user's idle-timeout wins");
	is_int(U.dpd, 60, "the group's dpd stays");
	is_int((long long)U.n_dns, 3, "dns entries of both");
}

static void check_user_one(const char *line, unsigned *bad)
{
	int r;

	conf_user_init(&U);
	r = conf_user_parse_line(&U, &X, line, 1);
	if (r != 0 && r != ERR_FORMAT && r != ERR_RANGE && r != ERR_TOO_LARGE)
		(*bad)++;
	else if (r != 0 && !X.err[0])
		(*bad)++;
}

/* The mutation pass of test_mutations() over the per-user samples and a line of each key. */
static void test_user_mutations(void)
{
	static const char *const extra[] = {
		"explicit-ipv6 = fd00:1234::50",
		"iroute = 192.168.200.0/24",
		"hostname = alice-pc",
		"no-udp = false",
		"ipv6-network = fd00:50::/48",
		"ipv4-netmask = 255.255.255.0",
		"ipv6-subnet-prefix = 96",
		"user-profile = /etc/p.xml",
		"nbns = 10.0.0.2",
		"rx-data-per-sec = 100",
		"deny-roaming = true",
		"mtu = 1400",
		"client-bypass-protocol = true",
	};
	static const unsigned char subst[] = { ' ', '=', '"', '[', ']',	 ',',  '/',  '#', '.',
					       ':', '0', '9', 'a', 0x01, 0x7f, 0xff, '\t' };
	static char lines[250][512];
	unsigned bad = 0, runs = 0;
	size_t n = 0;
	char m[512];

	for (size_t i = 0; i < n_alice; i++)
		memcpy(lines[n++], alice[i], 512);
	for (size_t i = 0; i < n_staff; i++)
		memcpy(lines[n++], staff[i], 512);
	for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++)
		snprintf(lines[n++], 512, "%s", extra[i]);
	X.warn = NULL;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(lines[i]);

		for (size_t cut = 0; cut <= len; cut++, runs++) {
			memcpy(m, lines[i], cut);
			m[cut] = '\0';
			check_user_one(m, &bad);
		}
		for (size_t at = 0; at < len; at++) {
			for (int bit = 0; bit < 8; bit++, runs++) {
				memcpy(m, lines[i], len + 1);
				m[at] = (char)(m[at] ^ (1 << bit));
				check_user_one(m, &bad);
			}
			for (size_t k = 0; k < sizeof(subst); k++, runs++) {
				memcpy(m, lines[i], len + 1);
				m[at] = (char)subst[k];
				check_user_one(m, &bad);
			}
		}
	}
	X.warn = on_warn;
	is_int(bad, 0, "%u mutated per-user lines: each a clean parse or a clean error", runs);
}

int main(void)
{
	test_defaults();
	test_syntax();
	test_long_line();
	test_unknown();
	test_ocserv_names();
	test_ints();
	test_bools();
	test_strings();
	test_auth();
	test_groups();
	test_pools();
	test_routes();
	test_dns();
	test_finish();
	test_sample();
	test_mutations();
	test_user_init();
	test_user_keys();
	test_user_errors();
	test_user_samples();
	test_user_mutations();
	return done_testing();
}
