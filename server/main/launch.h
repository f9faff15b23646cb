/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Starting child programs (workers, auth helpers) with posix_spawn: no copy of main's
 * memory is walked, so the cost does not grow with the number of sessions. Process: main. */
#ifndef CSTPD_MAIN_LAUNCH_H
#define CSTPD_MAIN_LAUNCH_H

#include <stddef.h>
#include <sys/types.h>

#define SPAWN_FD_BASE 3 /* fds[i] becomes descriptor SPAWN_FD_BASE + i in the child */

/* Start `path` with argv and a minimal environment; fds[0..nfds) are placed at
 * descriptors 3, 4, ... and every other descriptor is closed. Returns the pid, or -1 with
 * errno set. Does not block. */
pid_t spawn_program(const char *path, char *const argv[], const int *fds, size_t nfds);
/* Same, with the given environment (NULL-terminated "NAME=VALUE" strings). */
pid_t spawn_program_env(const char *path, char *const argv[], char *const env[], const int *fds,
			size_t nfds);

/* Path of a program installed next to the running cstpd (build tree), else in
 * LIBEXECDIR. dst gets the path; 0 or ERR_TOO_LARGE. */
int spawn_find_program(const char *name, char *dst, size_t dst_size);

#endif
