/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Who a client certificate names: the user name and the groups, per cert-user-oid and
 * cert-group-oid. Pure: reads an X509 already in memory, no I/O, no verification (the
 * TLS layer verified the chain). Process: any (the worker uses it). */
#ifndef CSTPD_COMMON_CERTID_H
#define CSTPD_COMMON_CERTID_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/x509.h>

#include "ipc.h"

#define CERTID_OID_CN	  "2.5.4.3"
#define CERTID_OID_UID	  "0.9.2342.19200300.100.1.1"
#define CERTID_OID_OU	  "2.5.4.11"
#define CERTID_OID_EMAIL  "1.2.840.113549.1.9.1"
#define CERTID_SAN_RFC822 "SAN(rfc822name)" /* the first e-mail subjectAltName */
#define CERTID_SAN_DNS	  "SAN(dnsname)"    /* the first DNS subjectAltName */
#define CERTID_NAME_MAX	  IPC_NAME_MAX

/* True when spec is a dotted OID (at most 64 characters) or one of the SAN(...) forms. */
bool certid_spec_ok(const char *spec);
/* The user name: the first value of spec in the subject (or the SAN). 0; ERR_RANGE (the
 * certificate has none); ERR_FORMAT (bad spec, or a value that is not 1..63 characters
 * of [A-Za-z0-9._@+-], e.g. with a blank or a NUL); ERR_NOMEM. out is "" on error. */
int certid_user(X509 *x, const char *spec, char out[CERTID_NAME_MAX + 1]);
/* Every value of spec in the subject (e.g. each OU), in order, without repeats; values
 * that are not safe names are skipped. *n is how many (at most max). 0, ERR_FORMAT (bad
 * spec), ERR_NOMEM. */
int certid_groups(X509 *x, const char *spec, char (*out)[CERTID_NAME_MAX + 1], size_t max,
		  size_t *n);

#endif
