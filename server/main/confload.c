/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading the configuration file into struct conf. Process: main. */
#include "confload.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "log.h"

static void warn_cb(void *arg, const char *msg)
{
	(void)arg;
	log_warn("%s", msg);
}

int confload_file(const char *file, struct conf *c)
{
	struct conf_ctx ctx = { .file = file, .warn = warn_cb };
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	FILE *f;
	int r = ERR_INTERNAL;

	conf_init(c);
	f = fopen(file, "re");
	if (!f) {
		log_err_sys("cannot open config file %s", file);
		return ERR_SYS;
	}
	while (getline(&line, &cap, f) >= 0) {
		lineno++;
		line[strcspn(line, "\n")] = '\0';
		if ((r = conf_parse_line(c, &ctx, line, lineno)) != 0) {
			log_err("%s", ctx.err);
			goto out;
		}
	}
	if (ferror(f)) {
		log_err_sys("cannot read config file %s", file);
		r = ERR_SYS;
		goto out;
	}
	if ((r = conf_finish(c, &ctx)) != 0) {
		log_err("%s", ctx.err);
		goto out;
	}
	r = 0;
out:
	free(line);
	fclose(f);
	return r;
}

int confload_read_file(const char *path, size_t max, char **out, size_t *len)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	int fd, r = ERR_INTERNAL;

	*out = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ERR_SYS;
	if (fstat(fd, &st) != 0) {
		r = ERR_SYS;
		goto out;
	}
	if ((size_t)st.st_size > max) {
		r = ERR_TOO_LARGE;
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		r = ERR_NOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	*out = buf;
	*len = got;
	buf = NULL;
	r = 0;
out:
	free(buf);
	close(fd);
	return r;
}
