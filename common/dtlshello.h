/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The first datagram of a DTLS flow: enough of the record and ClientHello to read the
 * session id (the tunnel's Session-ID or App-ID, PROTOCOL.md §5.5). Runs in main on bytes
 * from anyone: bounds-checked at every step. Process: any. */
#ifndef CSTPD_COMMON_DTLSHELLO_H
#define CSTPD_COMMON_DTLSHELLO_H

#include <stddef.h>
#include <stdint.h>

#define DTLSHELLO_ID_MAX 32

/* Extract the session id of an unfragmented DTLS ClientHello (record type 22, epoch 0,
 * handshake type 1, record version 0xFEFF/0xFEFD/0x0100). When the session id is empty,
 * the App-ID extension 48018 of early openconnect versions is looked at. Returns 0 with
 * id/id_len set; ERR_TRUNCATED (shorter than its own length fields), ERR_FORMAT (not a
 * ClientHello, fragmented, id longer than 32 bytes, all-zero random). */
int dtlshello_session_id(const uint8_t *dgram, size_t len, uint8_t id[DTLSHELLO_ID_MAX],
			 size_t *id_len);

#endif
