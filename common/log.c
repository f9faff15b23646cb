/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Logging to stderr or syslog. Process: any. */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <openssl/err.h>

static int g_level = LOG_LVL_NOTICE;
static bool g_stderr = true;
static char g_prefix[160] = "cstpd";

void log_init(const char *ident, int level, bool to_stderr)
{
	g_level = level;
	g_stderr = to_stderr;
	if (!to_stderr)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void log_set_level(int level)
{
	g_level = level;
}

int log_get_level(void)
{
	return g_level;
}

bool log_is_stderr(void)
{
	return g_stderr;
}

void log_set_prefix(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(g_prefix, sizeof(g_prefix), fmt, ap);
	va_end(ap);
}

static void emit(int level, const char *msg)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG };
	static const char *const name[] = { "error", "warning", "notice", "info", "debug" };
	int idx = level < 0 ? 0 : level > LOG_LVL_DEBUG ? LOG_LVL_DEBUG : level;

	if (g_stderr) {
		struct timespec ts;
		struct tm tm;

		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		fprintf(stderr, "%02d:%02d:%02d.%03ld %s: %s: %s\n", tm.tm_hour, tm.tm_min,
			tm.tm_sec, ts.tv_nsec / 1000000, g_prefix, name[idx], msg);
	} else {
		syslog(prio[idx], "%s: %s", g_prefix, msg);
	}
}

void log_msg(int level, bool with_errno, const char *fmt, ...)
{
	int saved = errno;
	char msg[1024];
	size_t n;
	va_list ap;

	if (level > g_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (with_errno) {
		n = strlen(msg);
		snprintf(msg + n, sizeof(msg) - n, ": %s", strerror(saved));
	}
	emit(level, msg);
	errno = saved;
}

void fatal(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	emit(LOG_LVL_ERR, msg);
	exit(1);
}

void log_bug(const char *file, int line, const char *what)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "BUG at %s:%d: %s", file, line, what);
	emit(LOG_LVL_ERR, msg);
	abort();
}

char *log_escape(char *dst, size_t dst_size, const char *src, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	if (!dst_size)
		return dst;
	for (size_t i = 0; i < n && src[i]; i++) {
		unsigned char c = (unsigned char)src[i];

		if (c >= 0x20 && c < 0x7f && c != '\\') {
			if (o + 1 >= dst_size)
				break;
			dst[o++] = (char)c;
		} else {
			if (o + 4 >= dst_size)
				break;
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		}
	}
	dst[o] = '\0';
	return dst;
}

void tls_log_errors(int level, const char *what)
{
	unsigned long e;
	char buf[256];
	int any = 0;

	while ((e = ERR_get_error()) != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		log_msg(level, false, "%s: %s", what, buf);
		any = 1;
	}
	if (!any)
		log_msg(level, false, "%s: no OpenSSL error reported", what);
}
