/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Client files on the worker's side: the announcement in the login reply, the downloads of
 * the profile and the packages (descriptors from main), and the downloader's fixed probes
 * (PROTOCOL.md §8, §9.2). Process: worker. */
#ifndef CSTPD_WORKER_FILES_H
#define CSTPD_WORKER_FILES_H

#include <stdbool.h>
#include <stddef.h>

#include "authxml.h"
#include "worker.h"

#define FILES_SIZE_MAX	       (1ull << 30) /* largest file the worker agrees to send */
#define FILES_CHUNK	       16384	    /* bytes read and written per step */
#define FILES_CHUNK_TIMEOUT_MS 30000	    /* a client that takes one chunk slower is dropped */
#define FILES_COOKIES_MAX      640	    /* room files_announce() needs for its headers */

/* Answer a GET other than "/", "/auth" and "/logout": the profile and packages (200, 206,
 * 304, 416) for a valid webvpn cookie, 401 without one, the downloader probes, 404 for
 * everything else. *close is set when the connection must end after it. 0, or a negative
 * ERR_* code (the connection is then closed). Blocks. */
int files_handle_get(struct worker *w, bool *close);

/* Ask main what the session of `cookie` is told about client files and set the profile and
 * package fields of c (pointers into static storage, valid until the next call); write the
 * webvpnc Set-Cookie lines (PROTOCOL.md §1.5) into cookies (FILES_COOKIES_MAX bytes is
 * enough). 0, ERR_TOO_LARGE (cookies too small) or an IPC error. Blocks on main. */
int files_announce(struct worker *w, const char *cookie, struct authxml_complete *c, char *cookies,
		   size_t cookies_size);

#endif
