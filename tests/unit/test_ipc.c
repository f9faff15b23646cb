/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for the IPC codec and transport. */
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "err.h"
#include "ipc.h"
#include "tap.h"

static uint8_t out[IPC_MSG_MAX];

static void fill_init(struct ipc_worker_init *in)
{
	memset(in, 0, sizeof(*in));
	in->log_level = 4;
	in->flags = IPC_WF_CISCO_COMPAT;
	in->uid = 65534;
	in->gid = 65534;
	in->handshake_timeout = 10;
	in->auth_timeout = 240;
	in->conn_id = 0x0102030405060708ull;
	strcpy(in->client_addr, "198.18.0.2:40000");
	strcpy(in->cert_file, "/etc/cstpd/cert.pem");
	strcpy(in->key_file, "/etc/cstpd/key.pem");
	strcpy(in->banner, "Welcome\nline two");
	for (size_t i = 0; i < sizeof(in->ticket_key); i++)
		in->ticket_key[i] = (uint8_t)i;
	in->n_groups = 2;
	strcpy(in->group_names[0], "staff");
	strcpy(in->group_labels[0], "Staff");
	strcpy(in->group_names[1], "contractors");
	strcpy(in->group_labels[1], "Contractors <ext>");
	in->default_group = 1;
}

static void test_roundtrip(void)
{
	struct ipc_worker_init in, back;
	struct ipc_auth_req ar, ar2;
	struct ipc_helper_auth_rep hr, hr2;
	struct ipc_hdr hdr;
	size_t len;

	fill_init(&in);
	is_int(ipc_encode(IPC_WORKER_INIT, 7, &in, out, sizeof(out), &len), 0, "encode init");
	is_int(ipc_decode(out, len, &hdr, &back, sizeof(back)), 0, "decode init");
	is_int(hdr.type, IPC_WORKER_INIT, "type kept");
	is_int(hdr.id, 7, "id kept");
	is_int(hdr.len, len - IPC_HDR_LEN, "len is the payload length");
	is_int(ipc_peek_type(out, len), IPC_WORKER_INIT, "peek the type");
	is_int(ipc_peek_type(out, 3), 0, "no type in a 3-byte datagram");
	ok(memcmp(&in, &back, sizeof(in)) == 0, "init round-trips field for field");

	memset(&ar, 0, sizeof(ar));
	ar.kind = IPC_AUTH_KIND_PASSWORD;
	strcpy(ar.username, "alice");
	strcpy(ar.password, "correct horse");
	strcpy(ar.group, "Staff");
	is_int(ipc_encode(IPC_AUTH_REQ, 1, &ar, out, sizeof(out), &len), 0, "encode auth req");
	is_int(ipc_decode(out, len, &hdr, &ar2, sizeof(ar2)), 0, "decode auth req");
	is_str(ar2.password, "correct horse", "password carried");
	ipc_wipe(IPC_AUTH_REQ, &ar2);
	is_str(ar2.password, "", "ipc_wipe clears the password");
	is_str(ar2.username, "alice", "ipc_wipe keeps non-secrets");

	memset(&hr, 0, sizeof(hr));
	hr.status = IPC_AUTH_OK;
	hr.n_groups = IPC_GROUPS_MAX;
	for (size_t i = 0; i < IPC_GROUPS_MAX; i++)
		snprintf(hr.groups[i], sizeof(hr.groups[i]), "g%zu", i);
	is_int(ipc_encode(IPC_HELPER_AUTH_REP, 3, &hr, out, sizeof(out), &len), 0,
	       "encode a full group array");
	is_int(ipc_decode(out, len, &hdr, &hr2, sizeof(hr2)), 0, "decode a full group array");
	ok(memcmp(&hr, &hr2, sizeof(hr)) == 0, "helper reply round-trips");
}

/* Every message type of the tunnel phase round-trips with full lists. */
static void test_tunnel_messages(void)
{
	static struct ipc_tunnel_rep rep, rep2;
	struct ipc_tunnel_req req, req2;
	struct ipc_worker_bye bye, bye2;
	struct ipc_terminate t, t2;
	struct ipc_hdr hdr;
	size_t len;

	memset(&rep, 0, sizeof(rep));
	rep.status = IPC_TUNNEL_OK;
	strcpy(rep.addr4, "10.66.0.23");
	strcpy(rep.netmask4, "255.255.255.0");
	strcpy(rep.addr6, "fd00::17");
	rep.prefix6 = 128;
	rep.n_dns = rep.n_nbns = rep.n_routes = rep.n_no_routes = rep.n_split_dns = IPC_LIST_MAX;
	for (size_t i = 0; i < IPC_LIST_MAX; i++) {
		snprintf(rep.dns[i], sizeof(rep.dns[i]), "10.0.%zu.1", i);
		snprintf(rep.nbns[i], sizeof(rep.nbns[i]), "10.1.%zu.1", i);
		snprintf(rep.routes[i], sizeof(rep.routes[i]), "10.%zu.0.0/255.255.0.0", i);
		snprintf(rep.no_routes[i], sizeof(rep.no_routes[i]), "fd%02zx::/64", i);
		snprintf(rep.split_dns[i], sizeof(rep.split_dns[i]), "d%zu.example.net", i);
	}
	rep.session_remaining = IPC_NONE;
	rep.mtu = 1434;
	strcpy(rep.banner, "line one\nline two");
	is_int(ipc_encode(IPC_TUNNEL_REP, 5, &rep, out, sizeof(out), &len), 0,
	       "encode a tunnel reply with every list full");
	ok(len < IPC_MSG_MAX, "a full tunnel reply fits one datagram (%zu bytes)", len);
	is_int(ipc_decode(out, len, &hdr, &rep2, sizeof(rep2)), 0, "decode the tunnel reply");
	ok(memcmp(&rep, &rep2, sizeof(rep)) == 0, "tunnel reply round-trips");

	memset(&req, 0, sizeof(req));
	strcpy(req.cookie, "00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF");
	req.flags = IPC_TR_WANT_V4 | IPC_TR_FULL_V6;
	req.base_mtu = 1500;
	strcpy(req.addr4, "10.66.0.23");
	is_int(ipc_encode(IPC_TUNNEL_REQ, 6, &req, out, sizeof(out), &len), 0, "encode tunnel req");
	is_int(ipc_decode(out, len, &hdr, &req2, sizeof(req2)), 0, "decode tunnel req");
	ok(memcmp(&req, &req2, sizeof(req)) == 0, "tunnel request round-trips");
	ipc_wipe(IPC_TUNNEL_REQ, &req2);
	is_str(req2.cookie, "", "the cookie is a secret ipc_wipe clears");

	memset(&bye, 0, sizeof(bye));
	bye.reason = 2;
	bye.bytes_in = 1ull << 40;
	bye.packets_out = 7;
	is_int(ipc_encode(IPC_WORKER_BYE, 0, &bye, out, sizeof(out), &len), 0, "encode bye");
	is_int(ipc_decode(out, len, &hdr, &bye2, sizeof(bye2)), 0, "decode bye");
	ok(memcmp(&bye, &bye2, sizeof(bye)) == 0, "64-bit counters round-trip");
	t.reason = 6;
	is_int(ipc_encode(IPC_TERMINATE, 0, &t, out, sizeof(out), &len), 0, "encode terminate");
	is_int(ipc_decode(out, len, &hdr, &t2, sizeof(t2)), 0, "decode terminate");
	is_int(t2.reason, 6, "terminate reason");
}

/* The AAA messages: certificate fields, multi-round logins, RADIUS settings, accounting. */
static void test_aaa_messages(void)
{
	static struct ipc_helper_auth_rep hr, hr2;
	static struct ipc_helper_acct_req acct, acct2;
	static struct ipc_worker_init in, in2;
	struct ipc_helper_auth_req hq, hq2;
	struct ipc_helper_acct_rep ar = { 1 }, ar2;
	struct ipc_auth_req q, q2;
	struct ipc_hdr hdr;
	size_t len;

	fill_init(&in);
	strcpy(in.crl_file, "/etc/cstpd/crl.pem");
	strcpy(in.cert_user_oid, "SAN(rfc822name)");
	strcpy(in.cert_group_oid, "2.5.4.11");
	in.cert_mode = IPC_CERT_REQUIRED;
	is_int(ipc_encode(IPC_WORKER_INIT, 0, &in, out, sizeof(out), &len), 0, "init with certs");
	is_int(ipc_decode(out, len, &hdr, &in2, sizeof(in2)), 0, "decode it");
	ok(memcmp(&in, &in2, sizeof(in)) == 0, "certificate settings round-trip");

	memset(&q, 0, sizeof(q));
	q.kind = IPC_AUTH_KIND_CHALLENGE;
	strcpy(q.ctx, "0123456789ABCDEF0123456789ABCDEF");
	strcpy(q.password, "123456");
	q.cert_status = IPC_CERTST_VALID;
	strcpy(q.cert_user, "alice@example.com");
	q.n_cert_groups = IPC_GROUPS_MAX;
	for (size_t i = 0; i < IPC_GROUPS_MAX; i++)
		snprintf(q.cert_groups[i], sizeof(q.cert_groups[i]), "ou%zu", i);
	is_int(ipc_encode(IPC_AUTH_REQ, 2, &q, out, sizeof(out), &len), 0, "challenge answer");
	is_int(ipc_decode(out, len, &hdr, &q2, sizeof(q2)), 0, "decode it");
	ok(memcmp(&q, &q2, sizeof(q)) == 0, "ctx and certificate identity round-trip");

	memset(&hq, 0, sizeof(hq));
	hq.method = IPC_HM_RADIUS;
	strcpy(hq.username, "dave");
	strcpy(hq.password, "654321");
	strcpy(hq.config, "/etc/cstpd/radiusclient.conf");
	strcpy(hq.acct_session_id, "0011223344556677");
	memset(hq.state, 'A', IPC_RAD_HEX_MAX);
	hq.groupconfig = 1;
	is_int(ipc_encode(IPC_HELPER_AUTH_REQ, 3, &hq, out, sizeof(out), &len), 0,
	       "RADIUS request with a 253-byte State");
	is_int(ipc_decode(out, len, &hdr, &hq2, sizeof(hq2)), 0, "decode it");
	ok(memcmp(&hq, &hq2, sizeof(hq)) == 0, "helper request round-trips");
	ipc_wipe(IPC_HELPER_AUTH_REQ, &hq2);
	is_str(hq2.password, "", "the answer is wiped");

	memset(&hr, 0, sizeof(hr));
	hr.status = IPC_AUTH_OK;
	hr.rad_flags = IPC_RAD_ADDR4 | IPC_RAD_NETMASK4 | IPC_RAD_ROUTES | IPC_RAD_DNS;
	strcpy(hr.rad_addr4, "10.66.0.77");
	strcpy(hr.rad_netmask4, "255.255.255.0");
	hr.n_rad_routes = IPC_LIST_MAX;
	for (size_t i = 0; i < IPC_LIST_MAX; i++)
		snprintf(hr.rad_routes[i], sizeof(hr.rad_routes[i]), "10.%zu.0.0/255.255.0.0", i);
	hr.n_rad_dns = IPC_RAD_DNS_MAX;
	for (size_t i = 0; i < IPC_RAD_DNS_MAX; i++)
		snprintf(hr.rad_dns[i], sizeof(hr.rad_dns[i]), "10.66.0.%zu", 50 + i);
	hr.rad_session_timeout = 3600;
	hr.rad_idle_timeout = IPC_NONE;
	hr.rad_interim = 60;
	hr.n_rad_class = IPC_RAD_CLASS_MAX;
	for (size_t i = 0; i < IPC_RAD_CLASS_MAX; i++)
		memset(hr.rad_class[i], 'F', IPC_RAD_HEX_MAX);
	is_int(ipc_encode(IPC_HELPER_AUTH_REP, 3, &hr, out, sizeof(out), &len), 0,
	       "a reply with every RADIUS setting at its maximum");
	is_int(ipc_decode(out, len, &hdr, &hr2, sizeof(hr2)), 0, "decode it");
	ok(memcmp(&hr, &hr2, sizeof(hr)) == 0, "RADIUS settings round-trip");
	hr.n_rad_class = IPC_RAD_CLASS_MAX + 1;
	is_int(ipc_encode(IPC_HELPER_AUTH_REP, 3, &hr, out, sizeof(out), &len), ERR_RANGE,
	       "too many Class values refused");

	memset(&acct, 0, sizeof(acct));
	acct.status_type = IPC_ACCT_STOP;
	strcpy(acct.acct_session_id, "0011223344556677");
	strcpy(acct.username, "carol");
	strcpy(acct.framed_ip, "10.66.0.5");
	acct.bytes_in = 5ull << 32;
	acct.bytes_out = 7;
	acct.terminate_cause = 11;
	acct.n_class = 1;
	strcpy(acct.class_hex[0], "4F553D6F7073");
	is_int(ipc_encode(IPC_HELPER_ACCT_REQ, 4, &acct, out, sizeof(out), &len), 0, "acct req");
	is_int(ipc_decode(out, len, &hdr, &acct2, sizeof(acct2)), 0, "decode it");
	ok(memcmp(&acct, &acct2, sizeof(acct)) == 0, "accounting record round-trips");
	is_int(ipc_encode(IPC_HELPER_ACCT_REP, 4, &ar, out, sizeof(out), &len), 0, "acct rep");
	is_int(ipc_decode(out, len, &hdr, &ar2, sizeof(ar2)), 0, "decode it");
	is_int(ar2.ok, 1, "acknowledged");
}

/* The zygote's messages: spawn request/reply round-trip; its init wipes the ticket key. */
static void test_zygote_messages(void)
{
	struct ipc_spawn_req rq = { .conn_id = 0x1122334455667788ull }, rq2;
	struct ipc_spawn_rep rp = { .conn_id = 42, .pid = 4242, .error = 0 }, rp2;
	static struct ipc_worker_init zi, zi2;
	struct ipc_hdr hdr;
	size_t len;

	is_int(ipc_encode(IPC_SPAWN_REQ, 1, &rq, out, sizeof(out), &len), 0, "encode spawn req");
	is_int(ipc_decode(out, len, &hdr, &rq2, sizeof(rq2)), 0, "decode spawn req");
	ok(rq2.conn_id == rq.conn_id, "spawn req conn id");
	is_int(ipc_encode(IPC_SPAWN_REP, 1, &rp, out, sizeof(out), &len), 0, "encode spawn rep");
	is_int(ipc_decode(out, len, &hdr, &rp2, sizeof(rp2)), 0, "decode spawn rep");
	ok(rp2.conn_id == 42 && rp2.pid == 4242 && rp2.error == 0, "spawn rep fields");
	fill_init(&zi);
	is_int(ipc_encode(IPC_ZYGOTE_INIT, 1, &zi, out, sizeof(out), &len), 0,
	       "encode zygote init");
	is_int(ipc_decode(out, len, &hdr, &zi2, sizeof(zi2)), 0, "decode zygote init");
	ok(memcmp(&zi, &zi2, sizeof(zi)) == 0, "zygote init round-trips");
	ipc_wipe(IPC_ZYGOTE_INIT, &zi2);
	ok(zi2.ticket_key[1] == 0 && zi2.ticket_key[79] == 0, "ipc_wipe clears its ticket key");
}

static void test_encode_rejects(void)
{
	struct ipc_auth_req ar;
	struct ipc_helper_auth_rep hr;
	size_t len;

	memset(&ar, 0, sizeof(ar));
	memset(ar.username, 'a', sizeof(ar.username)); /* no NUL inside the array */
	is_int(ipc_encode(IPC_AUTH_REQ, 1, &ar, out, sizeof(out), &len), ERR_FORMAT,
	       "unterminated string refused");
	memset(&ar, 0, sizeof(ar));
	strcpy(ar.username, "bad\001name");
	is_int(ipc_encode(IPC_AUTH_REQ, 1, &ar, out, sizeof(out), &len), ERR_FORMAT,
	       "control character refused");
	memset(&hr, 0, sizeof(hr));
	hr.n_groups = IPC_GROUPS_MAX + 1;
	is_int(ipc_encode(IPC_HELPER_AUTH_REP, 1, &hr, out, sizeof(out), &len), ERR_RANGE,
	       "count above maximum refused");
	is_int(ipc_encode(0x7777, 1, &hr, out, sizeof(out), &len), ERR_RANGE, "unknown type");
	memset(&ar, 0, sizeof(ar));
	is_int(ipc_encode(IPC_AUTH_REQ, 1, &ar, out, 20, &len), ERR_TOO_LARGE,
	       "small output buffer refused");
}

static void put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void test_decode_rejects(void)
{
	struct ipc_worker_init in, back;
	struct ipc_auth_rep rep;
	struct ipc_hdr hdr;
	uint8_t copy[IPC_MSG_MAX];
	size_t len;
	int crashes = 0, accepted_trunc = 0;

	fill_init(&in);
	ipc_encode(IPC_WORKER_INIT, 1, &in, out, sizeof(out), &len);
	memcpy(copy, out, len);
	copy[0] = 2;
	is_int(ipc_decode(copy, len, &hdr, &back, sizeof(back)), ERR_FORMAT, "wrong version");
	memcpy(copy, out, len);
	copy[1] = 1;
	is_int(ipc_decode(copy, len, &hdr, &back, sizeof(back)), ERR_FORMAT, "nonzero flags");
	memcpy(copy, out, len);
	copy[2] = 0x7f;
	is_int(ipc_decode(copy, len, &hdr, &back, sizeof(back)), ERR_RANGE, "unknown type");
	memcpy(copy, out, len);
	put_u32(copy + 4, (uint32_t)len);
	is_int(ipc_decode(copy, len, &hdr, &back, sizeof(back)), ERR_FORMAT, "length mismatch");
	memcpy(copy, out, len);
	copy[len] = 0;
	put_u32(copy + 4, (uint32_t)(len + 1 - IPC_HDR_LEN));
	is_int(ipc_decode(copy, len + 1, &hdr, &back, sizeof(back)), ERR_FORMAT,
	       "trailing byte refused");
	is_int(ipc_decode(out, len, &hdr, &rep, sizeof(rep)), ERR_INTERNAL,
	       "decode into the wrong struct size refused");

	/* Truncate at every offset (header length patched to match): never accepted. */
	for (size_t cut = 0; cut < len; cut++) {
		memcpy(copy, out, cut);
		if (cut >= 8)
			put_u32(copy + 4, (uint32_t)(cut - IPC_HDR_LEN));
		if (ipc_decode(copy, cut, &hdr, &back, sizeof(back)) == 0)
			accepted_trunc++;
	}
	is_int(accepted_trunc, 0, "no truncation of a valid message decodes");
	/* Flip every bit: any result is fine as long as it is clean. */
	for (size_t i = 0; i < len; i++)
		for (int b = 0; b < 8; b++) {
			int r;

			memcpy(copy, out, len);
			copy[i] ^= (uint8_t)(1u << b);
			r = ipc_decode(copy, len, &hdr, &back, sizeof(back));
			if (r > 0)
				crashes++;
		}
	is_int(crashes, 0, "bit flips give 0 or a negative code");

	/* Control character inside a string on the wire. */
	{
		struct ipc_auth_req ar, ar2;
		uint8_t *p;

		memset(&ar, 0, sizeof(ar));
		strcpy(ar.username, "alice");
		ipc_encode(IPC_AUTH_REQ, 1, &ar, out, sizeof(out), &len);
		p = memmem(out, len, "alice", 5);
		ok(p != NULL, "found the string on the wire");
		if (p)
			p[2] = '\033';
		is_int(ipc_decode(out, len, &hdr, &ar2, sizeof(ar2)), ERR_FORMAT,
		       "control character on the wire refused");
	}
}

static void test_transport(void)
{
	struct ipc_auth_req ar, ar2;
	uint8_t buf[IPC_MSG_MAX];
	struct ipc_hdr hdr;
	int sv[2], fds[IPC_MAX_FDS], pfd[2];
	size_t len, nfds;

	ok(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0, "socketpair");
	ok(pipe(pfd) == 0, "pipe");
	memset(&ar, 0, sizeof(ar));
	strcpy(ar.username, "bob");
	is_int(ipc_send(sv[0], IPC_AUTH_REQ, 9, &ar, &pfd[0], 1), 0, "send with an fd");
	is_int(ipc_recv(sv[1], buf, sizeof(buf), &len, fds, &nfds), 0, "recv");
	is_int(nfds, 1, "one fd received");
	ok(nfds == 1 && fcntl(fds[0], F_GETFD) & FD_CLOEXEC, "received fd is close-on-exec");
	is_int(ipc_decode(buf, len, &hdr, &ar2, sizeof(ar2)), 0, "decode received");
	is_str(ar2.username, "bob", "payload intact");
	if (nfds)
		close(fds[0]);
	is_int(ipc_send(sv[0], IPC_AUTH_REQ, 10, &ar, NULL, 0), 0, "send again");
	is_int(ipc_recv(sv[1], buf, 8, &len, fds, &nfds), ERR_TOO_LARGE,
	       "a datagram larger than the buffer is refused (MSG_TRUNC)");
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	is_int(ipc_recv(sv[1], buf, sizeof(buf), &len, fds, &nfds), ERR_SYS,
	       "nothing pending on a non-blocking socket");
	close(sv[0]);
	is_int(ipc_recv(sv[1], buf, sizeof(buf), &len, fds, &nfds), ERR_PEER_CLOSED, "peer closed");
	close(sv[1]);
	close(pfd[0]);
	close(pfd[1]);
}

int main(void)
{
	test_roundtrip();
	test_tunnel_messages();
	test_zygote_messages();
	test_aaa_messages();
	test_encode_rejects();
	test_decode_rejects();
	test_transport();
	return done_testing();
}
