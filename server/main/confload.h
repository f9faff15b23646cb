/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading the configuration file into struct conf (main's side of common/conf). Process: main. */
#ifndef CSTPD_MAIN_CONFLOAD_H
#define CSTPD_MAIN_CONFLOAD_H

#include "conf.h"

/* Read and validate FILE into *c (initialised here). Errors and warnings are logged with
 * file:line. 0, or a negative ERR_* code (the config is then unusable). Blocks on file I/O. */
int confload_file(const char *file, struct conf *c);

/* Read a whole small file (at most max bytes) into a NUL-terminated heap buffer.
 * 0, ERR_SYS (errno set) or ERR_TOO_LARGE. The caller frees *out. */
int confload_read_file(const char *path, size_t max, char **out, size_t *len);

#endif
