/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Aggregate-auth XML (PROTOCOL.md §2): parse client requests, build gateway replies.
 * Process: worker. */
#ifndef CSTPD_COMMON_AUTHXML_H
#define CSTPD_COMMON_AUTHXML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define AUTHXML_MAX	65536 /* largest client document accepted */
#define AUTHXML_STR_MAX 255   /* longest user, password, group or answer */

enum authxml_type {
	AUTHXML_INIT = 1,
	AUTHXML_AUTH_REPLY = 2,
	AUTHXML_LOGOUT = 3,
};

/* What a client's config-auth (or legacy form) said. Strings are UTF-8 without control
 * characters; an absent element leaves its string empty. */
struct authxml_req {
	enum authxml_type type;
	int aggregate_auth_version; /* 0 when the attribute is absent */
	char version[64];	    /* <version who="vpn"> */
	char device_id[64];
	bool has_group_select; /* set only for a non-empty <group-select> (Cisco sends it empty) */
	char group_select[AUTHXML_STR_MAX + 1];
	char group_access[1024];
	bool has_username; /* set whenever <auth><username> is present, even empty */
	char username[AUTHXML_STR_MAX + 1];
	bool has_password;
	char password[AUTHXML_STR_MAX + 1]; /* <auth><password> (secret) */
	bool has_secondary;
	char secondary[AUTHXML_STR_MAX + 1]; /* <auth><secondary_password> or <answer> (secret) */
	char aggauth_handle[128];	     /* <opaque is-for="sg"><aggauth-handle> */
	char session_token[256];	     /* logout: <session-token> (secret) */
	bool client_cert_fail;
};

/* Once per process before any other authxml call: sets up libxml2, silences its global error
 * printing, and makes its allocator wipe freed memory (parsed passwords). Cannot fail. */
void authxml_global_init(void);
/* True when the body looks like XML: "<?xml" after an optional BOM and blanks, or any
 * "<config-auth" (Cisco labels XML as form data, §1.3). */
bool authxml_looks_like_xml(const uint8_t *body, size_t len);
/* Parse a client's config-auth document into out (cleared first, and cleared again on error).
 * ERR_FORMAT: not XML, a DOCTYPE, wrong root, unknown type, a repeated or too long field, a
 * NUL or control character. ERR_TOO_LARGE: over AUTHXML_MAX. ERR_NOMEM. */
int authxml_parse(const uint8_t *body, size_t len, struct authxml_req *out);
/* Parse a legacy x-www-form-urlencoded body (§2.6): username, password, secondary_password or
 * answer, group_list (group%5flist too). type is AUTHXML_AUTH_REPLY. Errors as above. */
int authxml_parse_form(const uint8_t *body, size_t len, struct authxml_req *out);
/* Wipe the whole request (passwords, session token); it reads as empty afterwards. */
void authxml_req_wipe(struct authxml_req *r);

/* One selectable group: value = the alias sent back in group_list/group-select. */
struct authxml_group {
	const char *value; /* borrowed */
	const char *label; /* borrowed; NULL = same as value */
};

/* An auth-request form (§2.5 b, e, g). Every pointer is borrowed; NULL leaves the item out. */
struct authxml_form {
	bool legacy;	     /* bare <auth> root (§2.6) instead of <config-auth> */
	const char *auth_id; /* "main" or "challenge" */
	const char *title;   /* e.g. "Login" */
	const char *message;
	const char *banner;	    /* pre-login banner, <banner> element */
	const char *error;	    /* text of <error id="98" param1="" param2=""> */
	const char *action;	    /* form action, e.g. "/auth" */
	bool ask_username;	    /* <input type="text" name="username" label="Username:"/> */
	const char *password_name;  /* NULL (no password input), "password", "secondary_password" */
	const char *password_label; /* NULL = "Password:" */
	const struct authxml_group *groups;
	size_t n_groups; /* select name="group_list" label="GROUP:" only when n_groups > 1 */
	size_t selected; /* index into groups of the selected="true" option */
	/* <opaque is-for="sg"> holding those of these that are set; none set = no <opaque> */
	const char *tunnel_group;
	const char *group_alias;
	const char *aggauth_handle;
	const char *config_hash;
};

/* Append an auth-request document to out (XML declaration, config-auth type="auth-request"
 * aggregate-auth-version="2" unless legacy). 0, ERR_TOO_LARGE (out is full: nothing is
 * appended), ERR_NOMEM, ERR_RANGE (selected >= n_groups), ERR_FORMAT (a value is not UTF-8
 * XML text). */
int authxml_build_form(const struct authxml_form *f, struct buf_wr *out);

/* One client package of the vpn-core-manifest (§2.5 h). Every pointer is borrowed. */
struct authxml_package {
	const char *id;		  /* "VPNCore", "DART", ... */
	const char *version;	  /* "4.10.08029" */
	const char *os;		  /* "win:6.1.7601", "linux-64" ... */
	const char *type;	  /* "msi", "sh" ... */
	const char *uri;	  /* relative to base-package-uri: "binaries/<file>" */
	const char *display_name; /* NULL = no <display-name> */
	bool is_core;		  /* is_core="yes" */
};

/* The success reply (§2.5 h, or §2.6 when legacy). Every pointer is borrowed. */
struct authxml_complete {
	bool legacy; /* <auth id="success"><title>SSL VPN Service</title>...<success/></auth> */
	const char *session_id;	      /* decimal */
	const char *session_token;    /* secret */
	const char *banner;	      /* NULL = no banner element */
	const char *server_cert_hash; /* 40 upper-case hex; NULL = no vpn-base-config */
	const char *profile_uri;      /* NULL = no vpn-profile-manifest */
	const char *profile_hash;
	/* Client packages: vpn-base-config/base-package-uri and, inside
	 * <opaque is-for="vpn-client">, vpn-client-pkg-version and vpn-core-manifest. */
	const char *base_package_uri; /* NULL = none */
	const char *pkg_version;      /* <pkgversion>, e.g. "4,10,08029"; NULL = none */
	const struct authxml_package *packages;
	size_t n_packages; /* 0 = no vpn-core-manifest */
};

/* Append a complete document to out. Same errors as authxml_build_form(); ERR_RANGE also
 * when a package lacks one of id, version, os, type, uri. */
int authxml_build_complete(const struct authxml_complete *c, struct buf_wr *out);

#endif
