/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Logging to stderr (foreground) or syslog, with a per-process context prefix.
 * Process: any (fatal() is for server/ only). */
#ifndef CSTPD_COMMON_LOG_H
#define CSTPD_COMMON_LOG_H

#include <stdbool.h>
#include <stddef.h>

/* Verbosity: LOG_LVL_NOTICE shows errors, warnings and notices; each step adds more. */
enum log_level {
	LOG_LVL_ERR = 0,
	LOG_LVL_WARN = 1,
	LOG_LVL_NOTICE = 2,
	LOG_LVL_INFO = 3,
	LOG_LVL_DEBUG = 4,
};

/* Set up logging; opens syslog with LOG_NDELAY unless to_stderr. Cannot fail. */
void log_init(const char *ident, int level, bool to_stderr);
void log_set_level(int level);
int log_get_level(void);
/* True when logging goes to stderr (foreground), false for syslog. */
bool log_is_stderr(void);
/* Prefix put before every message ("main", "worker[123] alice@10.0.0.2"). */
void log_set_prefix(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void log_msg(int level, bool with_errno, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define log_err(...)	  log_msg(LOG_LVL_ERR, false, __VA_ARGS__)
#define log_warn(...)	  log_msg(LOG_LVL_WARN, false, __VA_ARGS__)
#define log_notice(...)	  log_msg(LOG_LVL_NOTICE, false, __VA_ARGS__)
#define log_info(...)	  log_msg(LOG_LVL_INFO, false, __VA_ARGS__)
#define log_debug(...)	  log_msg(LOG_LVL_DEBUG, false, __VA_ARGS__)
#define log_err_sys(...)  log_msg(LOG_LVL_ERR, true, __VA_ARGS__)
#define log_warn_sys(...) log_msg(LOG_LVL_WARN, true, __VA_ARGS__)
#define log_info_sys(...) log_msg(LOG_LVL_INFO, true, __VA_ARGS__)

/* Log and exit(1). server/ only, and only when carrying on is unsafe. */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Programmer error: log and abort. Never for checking input. */
#define BUG(cond)                                                                                  \
	do {                                                                                       \
		if (cond)                                                                          \
			log_bug(__FILE__, __LINE__, #cond);                                        \
	} while (0)
void log_bug(const char *file, int line, const char *what) __attribute__((noreturn));

/* Copy at most n bytes of untrusted text into dst (always NUL-terminated), replacing
 * control and non-ASCII bytes with \xNN escapes; returns dst. */
char *log_escape(char *dst, size_t dst_size, const char *src, size_t n);

/* Log the whole OpenSSL error queue (each entry at level) and clear it. */
void tls_log_errors(int level, const char *what);

#endif
