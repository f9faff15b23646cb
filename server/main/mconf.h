/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Configuration generations: a reload (SIGHUP) installs a new generation for new sessions;
 * every session holds the generation it was created with until it ends. Process: main. */
#ifndef CSTPD_MAIN_MCONF_H
#define CSTPD_MAIN_MCONF_H

#include "conf.h"

/* Adopt c (heap-allocated, owned from now on) as the current generation. */
void mconf_install(struct conf *c);
/* The current generation, with one more reference for the caller. */
struct conf *mconf_hold_current(void);
/* Drop a reference; a generation no session holds and that is not current is freed. */
void mconf_release(struct conf *c);
/* Number of generations alive (for logs and tests). */
unsigned mconf_generations(void);

#endif
