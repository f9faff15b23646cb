/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The shared UDP port: main reads the first datagram of each new DTLS flow, finds the
 * tunnel its ClientHello names, and hands the worker a UDP socket connected to that
 * client together with the datagram. Later datagrams go straight to the worker.
 * Process: main. */
#ifndef CSTPD_MAIN_MDTLS_H
#define CSTPD_MAIN_MDTLS_H

#include <stdint.h>

#include "ipc.h"

struct conn;

/* Open the UDP listeners on udp-port (no-op when it is 0). 0 or ERR_SYS. */
int mdtls_start(void);
void mdtls_stop(void);
/* Index a tunnel under its fresh DTLS id (replacing any id it had). */
void mdtls_register(struct conn *c, const uint8_t id[IPC_DTLS_ID_LEN]);
void mdtls_unregister(struct conn *c);
/* Datagrams dropped because they named no live tunnel or were not ClientHellos. */
uint64_t mdtls_dropped(void);

#endif
