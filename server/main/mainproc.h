/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The main process: listeners, connections and their workers, sessions, signals.
 * Process: main. */
#ifndef CSTPD_MAIN_MAINPROC_H
#define CSTPD_MAIN_MAINPROC_H

#include "conf.h"

struct mainproc_opts {
	const char *config_file;
	bool foreground;
	int log_level; /* -1 = from the config */
};

/* Run the gateway with a loaded config (heap-allocated; main owns it from now on) until
 * SIGTERM/SIGINT. Returns the exit status.
 * Fatal start-up problems (cannot bind, no worker program) are logged and return 1. */
int mainproc_run(struct conf *c, const struct mainproc_opts *o);

#endif
