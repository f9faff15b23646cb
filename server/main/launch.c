/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Starting workers and helpers with posix_spawn (vfork semantics). Process: main. */
#include "launch.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "strutil.h"

/* Environment given to children: nothing from ours except what sanitizers need. */
static char **child_env(void)
{
	static char *env[4];
	static char buf[3][1024];
	static const char *const keep[] = { "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS" };
	size_t n = 0;

	for (size_t i = 0; i < 3; i++) {
		const char *v = getenv(keep[i]);

		if (v &&
		    snprintf(buf[n], sizeof(buf[n]), "%s=%s", keep[i], v) < (int)sizeof(buf[n]))
			env[n] = buf[n], n++;
	}
	env[n] = NULL;
	return env;
}

pid_t spawn_program(const char *path, char *const argv[], const int *fds, size_t nfds)
{
	return spawn_program_env(path, argv, child_env(), fds, nfds);
}

pid_t spawn_program_env(const char *path, char *const argv[], char *const env[], const int *fds,
			size_t nfds)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, all;
	int high[8];
	pid_t pid = -1;
	int r;

	if (nfds > 8) {
		errno = EINVAL;
		return -1;
	}
	/* Move the fds out of the way first, so dup2 onto 3, 4, ... never meets one of the
	 * sources (dup2 of an fd onto itself would keep its close-on-exec flag). */
	for (size_t i = 0; i < nfds; i++)
		high[i] = -1;
	for (size_t i = 0; i < nfds; i++) {
		high[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 16);
		if (high[i] < 0)
			goto out_close;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	for (size_t i = 0; i < nfds; i++)
		posix_spawn_file_actions_adddup2(&fa, high[i], SPAWN_FD_BASE + (int)i);
	posix_spawn_file_actions_addclosefrom_np(&fa, SPAWN_FD_BASE + (int)nfds);
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
						POSIX_SPAWN_SETSID);
	r = posix_spawn(&pid, path, &fa, &attr, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (r != 0) {
		errno = r;
		pid = -1;
	}
out_close:
	for (size_t i = 0; i < nfds; i++)
		if (high[i] >= 0)
			close(high[i]);
	return pid;
}

int spawn_find_program(const char *name, char *dst, size_t dst_size)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n > 0) {
		char cand[4200];

		self[n] = '\0';
		snprintf(cand, sizeof(cand), "%s/%s", dirname(self), name);
		if (access(cand, X_OK) == 0)
			return str_copy(dst, dst_size, cand);
	}
	{
		char inst[4200];

		snprintf(inst, sizeof(inst), "%s/%s", LIBEXECDIR, name);
		return str_copy(dst, dst_size, inst);
	}
}
