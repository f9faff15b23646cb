/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Client files on main's side: the profiles (user-profile, globally and per group/user) and
 * the packages of client-packages, checked and hashed at load, and handed to workers as
 * read-only descriptors in answer to IPC_FILE_REQ (on_file_req, mainint.h). Process: main. */
#ifndef CSTPD_MAIN_MFILES_H
#define CSTPD_MAIN_MFILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "manifest.h"

#define MFILES_PACKAGE_MAX  (1ull << 30) /* largest package served */
#define MFILES_PROFILES_MAX 64		 /* distinct profiles kept (global + per group/user) */
#define MFILES_SCAN_MAX	    1024	 /* config-per-group files looked at during a load */

struct session;

/* Load the client files cf names: the global user-profile, the profiles named by the files
 * of config-per-group, default-group-config and default-user-config, and client-packages
 * (DIR/manifest and every file it lists, hashed; unchanged files keep their hash). On any
 * problem the reason is logged, nothing changes (a reload keeps the previous set) and a
 * negative ERR_* code is returned; 0 on success. Blocks on file I/O and hashing. */
int mfiles_load(const struct conf *cf);
/* Release everything mfiles_load() set up. */
void mfiles_free(void);
/* The global profile as announced: its URI ("/profiles/<name>", uri_size > 0) and SHA-1.
 * False, with both outputs empty, when no user-profile is configured. */
bool mfiles_profile_info(char *uri, size_t uri_size, char hash[static MANIFEST_SHA1_HEX + 1]);
/* The profile announced to session s: its user's or group's user-profile, else the global
 * one (loaded and hashed on first use). False, outputs empty, when s gets none. Reads the
 * session's per-user/per-group files unless s->ucfg is already loaded. */
bool mfiles_session_profile(struct session *s, char *uri, size_t uri_size,
			    char hash[static MANIFEST_SHA1_HEX + 1]);

#endif
