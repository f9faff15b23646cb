/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CSTP and DTLS framing: stream reassembly, headers, DISCONNECT text, IP source check.
 * Process: any. */
#include "cstpframe.h"

#include <string.h>
#include <sys/socket.h>

#include "err.h"

static const uint8_t cstp_magic[4] = { 'S', 'T', 'F', 0x01 };

void cstp_parser_init(struct cstp_parser *p)
{
	p->have = 0;
	p->err = 0;
}

/* Check a complete 8-byte header and return the payload length it announces. */
static int check_header(struct buf_rd hdr, uint8_t *type, size_t *len)
{
	uint8_t magic[4], zero;
	uint16_t n;

	*type = 0;
	*len = 0;
	if (buf_get_bytes(&hdr, sizeof(magic), magic) != 0 || buf_get_u16(&hdr, &n) != 0 ||
	    buf_get_u8(&hdr, type) != 0 || buf_get_u8(&hdr, &zero) != 0)
		return ERR_TRUNCATED;
	/* openconnect drops the session on either of these (PROTOCOL.md §4.1); so do we. */
	if (memcmp(magic, cstp_magic, sizeof(magic)) != 0 || zero != 0)
		return ERR_FORMAT;
	if (n > CSTP_MAX_PAYLOAD)
		return ERR_TOO_LARGE;
	*len = n;
	return 0;
}

/* Move up to `want` total bytes into p->partial; true when p->partial holds them all. */
static bool gather(struct cstp_parser *p, struct buf_rd *in, size_t want)
{
	size_t n;

	if (p->have >= want)
		return true;
	n = want - p->have;
	if (n > buf_remaining(in))
		n = buf_remaining(in);
	if (buf_get_bytes(in, n, p->partial + p->have) == 0)
		p->have += n;
	return p->have == want;
}

/* Slow path: the frame straddles reads, so it is assembled in p->partial. */
static int next_gathered(struct cstp_parser *p, struct buf_rd *in, struct cstp_frame *f)
{
	struct buf_rd hdr;
	uint8_t type;
	size_t len;
	int r;

	if (!gather(p, in, CSTP_HDR_LEN))
		return ERR_TRUNCATED;
	buf_rd_init(&hdr, p->partial, CSTP_HDR_LEN);
	if ((r = check_header(hdr, &type, &len)) != 0)
		return r;
	if (!gather(p, in, CSTP_HDR_LEN + len))
		return ERR_TRUNCATED;
	f->type = type;
	f->payload = p->partial + CSTP_HDR_LEN;
	f->len = len;
	/* The bytes stay in partial until the next call, which starts a new frame. */
	p->have = 0;
	return 0;
}

int cstp_parser_next(struct cstp_parser *p, struct buf_rd *in, struct cstp_frame *f)
{
	struct buf_rd look, hdr;
	uint8_t type;
	size_t len;
	int r;

	f->type = 0;
	f->payload = NULL;
	f->len = 0;
	if (p->err)
		return p->err;
	if (p->have == 0 && buf_remaining(in) >= CSTP_HDR_LEN) {
		/* Fast path: a whole frame in the caller's buffer is handed out in place. */
		look = *in;
		buf_sub(&look, CSTP_HDR_LEN, &hdr);
		if ((r = check_header(hdr, &type, &len)) != 0)
			goto out;
		if (len <= buf_remaining(&look)) {
			f->type = type;
			f->payload = buf_cur(&look);
			f->len = len;
			buf_skip(&look, len);
			*in = look;
			return 0;
		}
	}
	r = next_gathered(p, in, f);
out:
	if (r == ERR_FORMAT || r == ERR_TOO_LARGE)
		p->err = r;
	return r;
}

void cstp_put_header(uint8_t hdr[static CSTP_HDR_LEN], uint8_t type, uint16_t len)
{
	memcpy(hdr, cstp_magic, sizeof(cstp_magic));
	hdr[4] = (uint8_t)(len >> 8);
	hdr[5] = (uint8_t)(len & 0xff);
	hdr[6] = type;
	hdr[7] = 0;
}

int cstp_dtls_parse(const uint8_t *rec, size_t len, struct cstp_frame *f)
{
	struct buf_rd rd;

	f->type = 0;
	f->payload = NULL;
	f->len = 0;
	buf_rd_init(&rd, rec, len);
	if (buf_get_u8(&rd, &f->type) != 0)
		return ERR_TRUNCATED;
	f->payload = buf_cur(&rd);
	f->len = buf_remaining(&rd);
	return 0;
}

void cstp_parse_disconnect(const struct cstp_frame *f, bool *has_reason, uint8_t *reason,
			   char *text, size_t text_size)
{
	struct buf_rd rd;
	size_t n = 0;
	uint8_t c;

	*has_reason = false;
	*reason = 0;
	if (text_size)
		text[0] = '\0';
	buf_rd_init(&rd, f->payload, f->len);
	if (buf_get_u8(&rd, reason) != 0)
		return;
	*has_reason = true;
	if (!text_size)
		return;
	/* Display text: anything but printable ASCII would reach a terminal or a log. */
	while (n + 1 < text_size && buf_get_u8(&rd, &c) == 0)
		text[n++] = (c >= 0x20 && c <= 0x7e) ? (char)c : '?';
	text[n] = '\0';
}

static int ipv4_source(struct buf_rd rd, uint8_t src[static 16])
{
	uint8_t vihl;
	uint16_t total;
	size_t hlen;

	if (buf_remaining(&rd) < 20 || buf_get_u8(&rd, &vihl) != 0)
		return ERR_FORMAT;
	hlen = (size_t)(vihl & 0x0f) * 4;
	if (hlen < 20 || buf_skip(&rd, 1) != 0 || buf_get_u16(&rd, &total) != 0)
		return ERR_FORMAT;
	/* Cursor is at offset 4: the checks below compare against the whole packet. */
	if (total < hlen || total > buf_remaining(&rd) + 4)
		return ERR_FORMAT;
	if (buf_skip(&rd, 8) != 0 || buf_get_bytes(&rd, 4, src) != 0)
		return ERR_FORMAT;
	return 0;
}

static int ipv6_source(struct buf_rd rd, uint8_t src[static 16])
{
	uint16_t plen;

	if (buf_remaining(&rd) < 40 || buf_skip(&rd, 4) != 0 || buf_get_u16(&rd, &plen) != 0)
		return ERR_FORMAT;
	/* Cursor is at offset 6; 34 header bytes remain before the payload. */
	if (plen > buf_remaining(&rd) - 34)
		return ERR_FORMAT;
	if (buf_skip(&rd, 2) != 0 || buf_get_bytes(&rd, 16, src) != 0)
		return ERR_FORMAT;
	return 0;
}

int cstp_ip_source(const uint8_t *pkt, size_t len, int *family, uint8_t src[static 16])
{
	struct buf_rd rd;
	uint8_t v = 0;
	int r = ERR_FORMAT;

	*family = 0;
	memset(src, 0, 16);
	buf_rd_init(&rd, pkt, len);
	buf_peek_u8(&rd, &v);
	switch (v >> 4) {
	case 4:
		if ((r = ipv4_source(rd, src)) == 0)
			*family = AF_INET;
		break;
	case 6:
		if ((r = ipv6_source(rd, src)) == 0)
			*family = AF_INET6;
		break;
	}
	if (r != 0)
		memset(src, 0, 16);
	return r;
}

const char *cstp_type_name(uint8_t type)
{
	switch (type) {
	case CSTP_DATA:
		return "DATA";
	case CSTP_DPD_REQ:
		return "DPD-REQ";
	case CSTP_DPD_RESP:
		return "DPD-RESP";
	case CSTP_DISCONNECT:
		return "DISCONNECT";
	case CSTP_KEEPALIVE:
		return "KEEPALIVE";
	case CSTP_COMPRESSED:
		return "COMPRESSED";
	case CSTP_TERMINATE:
		return "TERMINATE";
	}
	return "unknown";
}
