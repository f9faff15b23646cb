/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Configuration generations with reference counts. Process: main. */
#include "mconf.h"

#include <stdlib.h>

#include "log.h"

struct gen {
	struct conf *c;
	unsigned refs;
	struct gen *next;
};

static struct gen *g_gens; /* newest first; a handful at most */
static struct gen *g_current;

static void collect(void)
{
	struct gen **pp = &g_gens;

	while (*pp) {
		struct gen *g = *pp;

		if (g != g_current && g->refs == 0) {
			*pp = g->next;
			free(g->c);
			free(g);
			continue;
		}
		pp = &g->next;
	}
}

void mconf_install(struct conf *c)
{
	struct gen *g = calloc(1, sizeof(*g));

	if (!g)
		fatal("out of memory installing a configuration");
	g->c = c;
	g->next = g_gens;
	g_gens = g;
	g_current = g;
	collect();
}

struct conf *mconf_hold_current(void)
{
	BUG(!g_current);
	g_current->refs++;
	return g_current->c;
}

void mconf_release(struct conf *c)
{
	for (struct gen *g = g_gens; g; g = g->next)
		if (g->c == c) {
			BUG(g->refs == 0);
			g->refs--;
			break;
		}
	collect();
}

unsigned mconf_generations(void)
{
	unsigned n = 0;

	for (struct gen *g = g_gens; g; g = g->next)
		n++;
	return n;
}
