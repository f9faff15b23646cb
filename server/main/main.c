/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cstpd: command line, configuration check, daemonizing, pid file. Process: main. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "authhelper.h"
#include "confload.h"
#include "err.h"
#include "launch.h"
#include "log.h"
#include "mainproc.h"
#include "strutil.h"

#define DEFAULT_CONFIG SYSCONFDIR "/cstpd/cstpd.conf"

static void usage(FILE *f)
{
	fprintf(f, "usage: cstpd [-c FILE] [-f] [-t] [-d LEVEL] [-p PIDFILE]\n"
		   "  -c FILE     configuration file (default " DEFAULT_CONFIG ")\n"
		   "  -f          stay in the foreground, log to stderr\n"
		   "  -t          check the configuration and exit (0 = valid)\n"
		   "  -d LEVEL    log verbosity 0-9 (overrides log-level)\n"
		   "  -p PIDFILE  pid file (overrides pid-file)\n"
		   "  -h          this help\n");
}

/* ocserv's log-level 0 is "basic": map 0 -> notices, 1 -> info, 2+ -> debug. */
static int map_level(int conf_level)
{
	int l = LOG_LVL_NOTICE + conf_level;

	return l > LOG_LVL_DEBUG ? LOG_LVL_DEBUG : l;
}

static int daemonize(void)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0)
		return ERR_SYS;
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		return ERR_SYS;
	pid = fork();
	if (pid < 0)
		return ERR_SYS;
	if (pid > 0)
		_exit(0);
	if (chdir("/") != 0)
		return ERR_SYS;
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return ERR_SYS;
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
	return 0;
}

static int write_pid_file(const char *path)
{
	char tmp[CONF_PATH_MAX + 16];
	FILE *f;

	if (!path[0])
		return 0;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f)
		return ERR_SYS;
	fprintf(f, "%d\n", (int)getpid());
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		unlink(tmp);
		return ERR_SYS;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct mainproc_opts o = { DEFAULT_CONFIG, false, -1 };
	const char *pid_file = NULL;
	struct conf *conf = calloc(1, sizeof(*conf));
	bool check_only = false;
	char pid_path[CONF_PATH_MAX + 1];
	long long lvl;
	int opt, r;

	/* Internal: an auth helper started by main (`--auth-helper LEVEL stderr|syslog`). */
	if (argc >= 2 && strcmp(argv[1], "--auth-helper") == 0) {
		if (argc < 3 || str_to_ll(argv[2], LOG_LVL_ERR, LOG_LVL_DEBUG, &lvl) != 0)
			lvl = LOG_LVL_NOTICE;
		log_init("cstpd-auth", (int)lvl, argc < 4 || strcmp(argv[3], "syslog") != 0);
		return authhelper_main(SPAWN_FD_BASE);
	}
	while ((opt = getopt(argc, argv, "c:ftd:p:h")) != -1) {
		switch (opt) {
		case 'c':
			o.config_file = optarg;
			break;
		case 'f':
			o.foreground = true;
			break;
		case 't':
			check_only = true;
			break;
		case 'p':
			pid_file = optarg;
			break;
		case 'd':
			if (str_to_ll(optarg, 0, 9, &lvl) != 0) {
				fprintf(stderr, "cstpd: -d takes a level from 0 to 9\n");
				return 1;
			}
			o.log_level = (int)lvl;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 1;
	}
	log_init("cstpd", LOG_LVL_NOTICE, true);
	log_set_prefix("main");
	if (!conf)
		fatal("out of memory");
	if (confload_file(o.config_file, conf) != 0) {
		log_err("configuration %s is not valid", o.config_file);
		return 1;
	}
	if (check_only) {
		printf("configuration %s OK\n", o.config_file);
		return 0;
	}
	if (pid_file && str_copy(conf->pid_file, sizeof(conf->pid_file), pid_file) != 0) {
		log_err("pid file path too long");
		return 1;
	}
	if (!o.foreground && daemonize() != 0)
		fatal("cannot daemonize: %s", strerror(errno));
	log_init("cstpd", map_level(o.log_level >= 0 ? o.log_level : conf->log_level),
		 o.foreground);
	if (write_pid_file(conf->pid_file) != 0)
		log_warn_sys("cannot write pid file %s", conf->pid_file);
	/* Keep the pid file's name: the configuration belongs to main from here on. */
	snprintf(pid_path, sizeof(pid_path), "%s", conf->pid_file);
	r = mainproc_run(conf, &o);
	if (pid_path[0])
		unlink(pid_path);
	return r;
}
