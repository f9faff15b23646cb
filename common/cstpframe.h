/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CSTP framing on the TLS stream and the one-byte DTLS framing (PROTOCOL.md §4).
 * Process: any. */
#ifndef CSTPD_COMMON_CSTPFRAME_H
#define CSTPD_COMMON_CSTPFRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define CSTP_HDR_LEN	 8
#define CSTP_MAX_PAYLOAD 16384 /* larger length field -> ERR_TOO_LARGE */

/* Packet types, shared by CSTP (header byte 6) and DTLS (record byte 0), PROTOCOL.md §4.2. */
enum cstp_type {
	CSTP_DATA = 0x00,
	CSTP_DPD_REQ = 0x03,
	CSTP_DPD_RESP = 0x04,
	CSTP_DISCONNECT = 0x05,
	CSTP_KEEPALIVE = 0x07,
	CSTP_COMPRESSED = 0x08,
	CSTP_TERMINATE = 0x09,
};

/* DISCONNECT reason codes a client sends (PROTOCOL.md §4.3); only USER ends a session. */
enum cstp_disc_reason {
	CSTP_DISC_LOCAL_ERROR = 0x70,
	CSTP_DISC_RECONNECT = 0x91,
	CSTP_DISC_USER = 0xb0,
	CSTP_DISC_PAUSE = 0xd1,
};

/* One frame; payload is borrowed (see cstp_parser_next for its lifetime). */
struct cstp_frame {
	uint8_t type;
	const uint8_t *payload; /* borrowed */
	size_t len;
};

/* Reassembly state across reads; callers place it in their own struct and touch no field. */
struct cstp_parser {
	uint8_t partial[CSTP_HDR_LEN + CSTP_MAX_PAYLOAD];
	size_t have;
	int err; /* sticky ERR_FORMAT / ERR_TOO_LARGE once the stream broke */
};

/* Reset a parser (start of a tunnel). Cannot fail. */
void cstp_parser_init(struct cstp_parser *p);
/* Next frame of the TLS plaintext stream; bytes are taken from *in (its cursor advances).
 * When p holds no partial frame and *in holds a whole frame, the payload points into in's
 * memory (zero copy); otherwise bytes are gathered into p->partial and the payload points
 * there. The payload stays valid until the next call. Returns 0 (frame in *f),
 * ERR_TRUNCATED (in exhausted; partial bytes kept for the next call), ERR_FORMAT (bytes 0-3
 * not "STF\x01" or byte 7 not 0), ERR_TOO_LARGE (length > CSTP_MAX_PAYLOAD). After
 * ERR_FORMAT/ERR_TOO_LARGE the stream is unusable: every later call returns the same error
 * and consumes nothing (the caller disconnects). Never blocks. */
int cstp_parser_next(struct cstp_parser *p, struct buf_rd *in, struct cstp_frame *f);
/* Write the 8-byte header for a payload of len bytes. */
void cstp_put_header(uint8_t hdr[static CSTP_HDR_LEN], uint8_t type, uint16_t len);
/* DTLS record plaintext: 1 type byte + payload (borrowed from rec). 0 or ERR_TRUNCATED
 * (empty record). */
int cstp_dtls_parse(const uint8_t *rec, size_t len, struct cstp_frame *f);
/* DISCONNECT payload: reason byte + optional ASCII text (PROTOCOL.md §4.3). Empty payload ->
 * *has_reason false. Text copied with bytes outside 0x20..0x7e replaced by '?', truncated
 * to text_size-1 (display text only). Cannot fail. */
void cstp_parse_disconnect(const struct cstp_frame *f, bool *has_reason, uint8_t *reason,
			   char *text, size_t text_size);
/* Version and source address of an IP packet (IPv4: version 4, header >= 20 bytes, IHL sane,
 * IHL*4 <= total length <= len; IPv6: version 6, >= 40 bytes, payload length + 40 <= len).
 * 0 with *family AF_INET/AF_INET6 and src (4 or 16 bytes written), or ERR_FORMAT. */
int cstp_ip_source(const uint8_t *pkt, size_t len, int *family, uint8_t src[static 16]);
/* Constant name of a packet type for logs ("DPD-REQ"; "unknown" otherwise); never NULL. */
const char *cstp_type_name(uint8_t type);

#endif
