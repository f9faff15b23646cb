/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading the session id of a DTLS ClientHello. Process: any. */
#include "dtlshello.h"

#include <string.h>

#include "buf.h"
#include "err.h"

#define CT_HANDSHAKE	22
#define HT_CLIENT_HELLO 1
#define EXT_APP_ID	48018 /* 0xBB92: early openconnect's App-ID extension */

static int check_record(struct buf_rd *rd, struct buf_rd *body)
{
	uint8_t type;
	uint16_t version, epoch, len;
	int r;

	if ((r = buf_get_u8(rd, &type)) != 0 || (r = buf_get_u16(rd, &version)) != 0 ||
	    (r = buf_get_u16(rd, &epoch)) != 0 || (r = buf_skip(rd, 6)) != 0 ||
	    (r = buf_get_u16(rd, &len)) != 0)
		return r;
	if (type != CT_HANDSHAKE || epoch != 0)
		return ERR_FORMAT;
	if (version != 0xfeff && version != 0xfefd && version != 0x0100)
		return ERR_FORMAT;
	return buf_sub(rd, len, body);
}

/* The handshake header: a whole, unfragmented ClientHello. */
static int check_handshake(struct buf_rd *body, struct buf_rd *hello)
{
	uint8_t ht;
	uint16_t seq;
	uint32_t mlen, foff, flen;
	int r;

	if ((r = buf_get_u8(body, &ht)) != 0 || (r = buf_get_u24(body, &mlen)) != 0 ||
	    (r = buf_get_u16(body, &seq)) != 0 || (r = buf_get_u24(body, &foff)) != 0 ||
	    (r = buf_get_u24(body, &flen)) != 0)
		return r;
	(void)seq;
	if (ht != HT_CLIENT_HELLO || foff != 0 || flen != mlen)
		return ERR_FORMAT;
	return buf_sub(body, mlen, hello);
}

static bool all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

/* Look for the App-ID extension after the session id (cookie, suites, compression). */
static int find_app_id(struct buf_rd *h, uint8_t *id, size_t *id_len)
{
	uint8_t clen, cmlen, alen;
	uint16_t slen, elen, etype, edlen;
	struct buf_rd exts, data;
	int r;

	if ((r = buf_get_u8(h, &clen)) != 0 || (r = buf_skip(h, clen)) != 0 ||
	    (r = buf_get_u16(h, &slen)) != 0 || (r = buf_skip(h, slen)) != 0 ||
	    (r = buf_get_u8(h, &cmlen)) != 0 || (r = buf_skip(h, cmlen)) != 0)
		return r;
	if (buf_remaining(h) == 0)
		return ERR_FORMAT; /* no extensions, no id */
	if ((r = buf_get_u16(h, &elen)) != 0 || (r = buf_sub(h, elen, &exts)) != 0)
		return r;
	while (buf_remaining(&exts)) {
		if ((r = buf_get_u16(&exts, &etype)) != 0 ||
		    (r = buf_get_u16(&exts, &edlen)) != 0 ||
		    (r = buf_sub(&exts, edlen, &data)) != 0)
			return r;
		if (etype != EXT_APP_ID)
			continue;
		if ((r = buf_get_u8(&data, &alen)) != 0)
			return r;
		if (alen == 0 || alen > DTLSHELLO_ID_MAX)
			return ERR_FORMAT;
		if ((r = buf_get_bytes(&data, alen, id)) != 0)
			return r;
		*id_len = alen;
		return 0;
	}
	return ERR_FORMAT;
}

int dtlshello_session_id(const uint8_t *dgram, size_t len, uint8_t id[DTLSHELLO_ID_MAX],
			 size_t *id_len)
{
	struct buf_rd rd, body, hello;
	uint8_t random[32], sid_len;
	uint16_t cver;
	int r;

	*id_len = 0;
	buf_rd_init(&rd, dgram, len);
	if ((r = check_record(&rd, &body)) != 0 || (r = check_handshake(&body, &hello)) != 0)
		return r;
	if ((r = buf_get_u16(&hello, &cver)) != 0 ||
	    (r = buf_get_bytes(&hello, sizeof(random), random)) != 0 ||
	    (r = buf_get_u8(&hello, &sid_len)) != 0)
		return r;
	/* GnuTLS 3.6.3-3.6.12 clients sent an all-zero random: refuse, as ocserv does. */
	if (all_zero(random, sizeof(random)))
		return ERR_FORMAT;
	if (sid_len > DTLSHELLO_ID_MAX)
		return ERR_FORMAT;
	if (sid_len == 0)
		return find_app_id(&hello, id, id_len);
	if ((r = buf_get_bytes(&hello, sid_len, id)) != 0)
		return r;
	*id_len = sid_len;
	return 0;
}
