/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tun devices: creation, IPv4 through ioctl, IPv6 through rtnetlink messages built here.
 * Process: main. */
#include "tun.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "log.h"

#define TUN_DEV "/dev/net/tun"
/* rtnetlink answers inside sendmsg(), so the ack is queued before we read it; the timeout
 * only guards against a kernel that behaves otherwise. */
#define NL_TIMEOUT_SEC 2
#define NL_MSG_MAX     256

/* One of each per process, opened on first use and kept: a socket belongs to the network
 * namespace that was current when it was made. */
static int ctl_fd = -1; /* AF_INET datagram socket, for the interface ioctls */
static int nl_fd = -1;	/* NETLINK_ROUTE */
static uint32_t nl_seq;

/* ---- helpers ---- */

static bool prefix_ok(const char *p)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";
	size_t n = strnlen(p, IFNAMSIZ);

	/* The kernel needs room for "%d" and the number in IFNAMSIZ - 1 bytes. */
	return n >= 1 && n <= IFNAMSIZ - 4 && strspn(p, ok) == n;
}

static int ctl_sock(void)
{
	if (ctl_fd < 0)
		ctl_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	return ctl_fd < 0 ? ERR_SYS : 0;
}

static void ifr_init(struct ifreq *ifr, const char *name)
{
	memset(ifr, 0, sizeof(*ifr));
	memcpy(ifr->ifr_name, name, IFNAMSIZ);
	ifr->ifr_name[IFNAMSIZ - 1] = '\0';
}

static int ctl_ioctl(unsigned long req, struct ifreq *ifr)
{
	int r;

	if ((r = ctl_sock()) != 0)
		return r;
	return ioctl(ctl_fd, req, ifr) < 0 ? ERR_SYS : 0;
}

/* ---- the device ---- */

static int open_tun(const char *prefix, bool offload, int *fd, char name[static IFNAMSIZ])
{
	static bool warned;
	struct ifreq ifr;
	int saved;

	*fd = -1;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI | (offload ? IFF_VNET_HDR : 0);
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s%%d", prefix);
	*fd = open(TUN_DEV, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (*fd < 0)
		return ERR_SYS;
	if (ioctl(*fd, TUNSETIFF, &ifr) < 0) {
		saved = errno;
		close(*fd);
		*fd = -1;
		errno = saved;
		return ERR_SYS;
	}
	memcpy(name, ifr.ifr_name, IFNAMSIZ);
	name[IFNAMSIZ - 1] = '\0';
	/* Without the offloads the headers stay (all plain), so the worker's view holds. */
	if (offload &&
	    ioctl(*fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN) < 0 &&
	    !warned) {
		warned = true;
		log_warn_sys("tun %s: no TCP segmentation offload", name);
	}
	return 0;
}

static int set_addr4(const char *name, unsigned long req, struct in_addr a)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr = a };
	struct ifreq ifr;

	ifr_init(&ifr, name);
	memcpy(&ifr.ifr_addr, &sin, sizeof(sin));
	return ctl_ioctl(req, &ifr);
}

static int set_mtu(const char *name, int mtu)
{
	struct ifreq ifr;

	ifr_init(&ifr, name);
	ifr.ifr_mtu = mtu;
	return ctl_ioctl(SIOCSIFMTU, &ifr);
}

static int set_up(const char *name)
{
	struct ifreq ifr;
	int r;

	ifr_init(&ifr, name);
	if ((r = ctl_ioctl(SIOCGIFFLAGS, &ifr)) != 0)
		return r;
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	return ctl_ioctl(SIOCSIFFLAGS, &ifr);
}

static int if_index(const char *name, int *index)
{
	struct ifreq ifr;
	int r;

	*index = 0;
	ifr_init(&ifr, name);
	if ((r = ctl_ioctl(SIOCGIFINDEX, &ifr)) != 0)
		return r;
	*index = ifr.ifr_ifindex;
	return 0;
}

/* ---- rtnetlink ---- */

static int nl_sock(void)
{
	struct timeval tv = { .tv_sec = NL_TIMEOUT_SEC };
	int fd;

	if (nl_fd >= 0)
		return 0;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return ERR_SYS;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
		close(fd);
		return ERR_SYS;
	}
	nl_fd = fd;
	return 0;
}

static int nl_attr(struct buf_wr *w, uint16_t type, const void *data, size_t len)
{
	static const uint8_t pad[RTA_ALIGNTO];
	struct rtattr rta = { .rta_len = (unsigned short)RTA_LENGTH(len), .rta_type = type };
	int r;

	if ((r = buf_put_bytes(w, &rta, sizeof(rta))) != 0 ||
	    (r = buf_put_bytes(w, data, len)) != 0)
		return r;
	return buf_put_bytes(w, pad, RTA_ALIGN(len) - len);
}

/* Open a nested attribute; *at remembers where its header is, for nl_nest_end(). */
static int nl_nest_begin(struct buf_wr *w, uint16_t type, size_t *at)
{
	struct rtattr rta = { .rta_len = 0, .rta_type = type };

	*at = w->len;
	return buf_put_bytes(w, &rta, sizeof(rta));
}

static void nl_nest_end(struct buf_wr *w, size_t at)
{
	unsigned short len = (unsigned short)(w->len - at);

	memcpy(w->p + at + offsetof(struct rtattr, rta_len), &len, sizeof(len));
}

/* The kernel's answer to request `seq`: 0, or ERR_SYS with errno from its NLMSG_ERROR. */
static int nl_read_ack(struct buf_rd *rd, uint32_t seq, bool *done)
{
	struct nlmsghdr h;
	struct buf_rd peek, msg;
	int32_t error;

	*done = false;
	while (buf_remaining(rd) >= sizeof(h)) {
		peek = *rd;
		(void)buf_get_bytes(&peek, sizeof(h), &h);
		if (h.nlmsg_len < sizeof(h) || buf_sub(rd, h.nlmsg_len, &msg) != 0)
			break;
		(void)buf_skip(rd, NLMSG_ALIGN(h.nlmsg_len) - h.nlmsg_len);
		if (h.nlmsg_seq != seq || h.nlmsg_type != NLMSG_ERROR)
			continue;
		*done = true;
		if (buf_skip(&msg, sizeof(h)) != 0 ||
		    buf_get_bytes(&msg, sizeof(error), &error) != 0) {
			errno = EPROTO;
			return ERR_SYS;
		}
		if (error == 0)
			return 0;
		errno = error < 0 ? -error : EPROTO;
		return ERR_SYS;
	}
	return 0;
}

/* Send one request and wait for its acknowledgement. */
static int nl_talk(uint16_t type, uint16_t flags, const struct buf_wr *body)
{
	struct sockaddr_nl to = { .nl_family = AF_NETLINK }, from;
	struct nlmsghdr h = {
		.nlmsg_len = (uint32_t)(NLMSG_HDRLEN + body->len),
		.nlmsg_type = type,
		.nlmsg_flags = (uint16_t)(NLM_F_REQUEST | NLM_F_ACK | flags),
	};
	struct iovec iov[2] = { { &h, NLMSG_HDRLEN }, { body->p, body->len } };
	struct msghdr mh = {
		.msg_name = &to, .msg_namelen = sizeof(to), .msg_iov = iov, .msg_iovlen = 2
	};
	uint8_t buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
	socklen_t fl;
	struct buf_rd rd;
	bool done = false;
	ssize_t n;
	int r;

	if ((r = nl_sock()) != 0)
		return r;
	h.nlmsg_seq = ++nl_seq;
	if (sendmsg(nl_fd, &mh, 0) < 0)
		return ERR_SYS;
	while (!done) {
		fl = sizeof(from);
		n = recvfrom(nl_fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			errno = ETIMEDOUT;
		if (n < 0)
			return ERR_SYS;
		if (fl != sizeof(from) || from.nl_pid != 0) /* only the kernel answers */
			continue;
		buf_rd_init(&rd, buf, (size_t)n);
		r = nl_read_ack(&rd, h.nlmsg_seq, &done);
	}
	return r;
}

static int nl_add_addr6(int index, const struct in6_addr *local)
{
	struct ifaddrmsg ifa = {
		.ifa_family = AF_INET6,
		.ifa_prefixlen = 128,
		.ifa_flags = IFA_F_NODAD, /* usable at once; no one else is on this link */
		.ifa_scope = RT_SCOPE_UNIVERSE,
		.ifa_index = (uint32_t)index,
	};
	uint8_t storage[NL_MSG_MAX];
	struct buf_wr w;
	int r;

	buf_wr_init(&w, storage, sizeof(storage));
	if ((r = buf_put_bytes(&w, &ifa, sizeof(ifa))) != 0 ||
	    (r = nl_attr(&w, IFA_LOCAL, local, sizeof(*local))) != 0 ||
	    (r = nl_attr(&w, IFA_ADDRESS, local, sizeof(*local))) != 0)
		return r;
	return nl_talk(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &w);
}

/* The client's prefix, via the device. Neither EXCL nor REPLACE: while a reconnecting
 * session's old device lingers, the kernel keeps both routes, and the old one leaves with
 * its device. */
static int nl_add_route6(int index, const struct in6_addr *dst, unsigned len)
{
	struct rtmsg rt = {
		.rtm_family = AF_INET6,
		.rtm_dst_len = (unsigned char)len,
		.rtm_table = RT_TABLE_MAIN,
		.rtm_protocol = RTPROT_BOOT,
		.rtm_scope = RT_SCOPE_UNIVERSE,
		.rtm_type = RTN_UNICAST,
	};
	uint32_t oif = (uint32_t)index;
	uint8_t storage[NL_MSG_MAX];
	struct buf_wr w;
	int r;

	buf_wr_init(&w, storage, sizeof(storage));
	if ((r = buf_put_bytes(&w, &rt, sizeof(rt))) != 0 ||
	    (r = nl_attr(&w, RTA_DST, dst, sizeof(*dst))) != 0 ||
	    (r = nl_attr(&w, RTA_OIF, &oif, sizeof(oif))) != 0)
		return r;
	return nl_talk(RTM_NEWROUTE, NLM_F_CREATE, &w);
}

/* No IPv6 link-local address (so no DAD, router solicitation or MLD for it). */
static int nl_no_addrgen6(int index)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = index };
	uint8_t mode = IN6_ADDR_GEN_MODE_NONE, storage[NL_MSG_MAX];
	struct buf_wr w;
	size_t spec, inet6;
	int r;

	buf_wr_init(&w, storage, sizeof(storage));
	if ((r = buf_put_bytes(&w, &ifi, sizeof(ifi))) != 0 ||
	    (r = nl_nest_begin(&w, IFLA_AF_SPEC, &spec)) != 0 ||
	    (r = nl_nest_begin(&w, AF_INET6, &inet6)) != 0 ||
	    (r = nl_attr(&w, IFLA_INET6_ADDR_GEN_MODE, &mode, sizeof(mode))) != 0)
		return r;
	nl_nest_end(&w, inet6);
	nl_nest_end(&w, spec);
	return nl_talk(RTM_SETLINK, 0, &w);
}

/* ---- IPv6 on or off ---- */

static int read_flag(const char *path, char *c)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), saved;
	ssize_t n;

	*c = '\0';
	if (fd < 0)
		return ERR_SYS;
	n = read(fd, c, 1);
	saved = errno;
	close(fd);
	errno = saved;
	return n == 1 ? 0 : ERR_SYS;
}

/* Turn IPv6 off on a device that is still down (DESIGN.md: the kernel's per-device IPv6 work
 * was a sixth of ocserv's cost in a session ramp). A read-only /proc/sys (a container) gets
 * the netlink fallback that at least stops the link-local address and all that follows it. */
static int disable_ipv6(const char *name)
{
	char path[96], cur;
	int fd, index, r;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && access("/proc/sys/net/ipv6", F_OK) != 0)
		return 0; /* a kernel without IPv6 */
	if (fd >= 0) {
		n = write(fd, "1\n", 2);
		r = errno;
		close(fd);
		errno = r;
		return n == 2 ? 0 : ERR_SYS;
	}
	if (errno != EROFS && errno != EACCES && errno != EPERM)
		return ERR_SYS;
	if (read_flag(path, &cur) == 0 && cur == '1')
		return 0; /* net.ipv6.conf.default.disable_ipv6 already did it */
	if ((r = if_index(name, &index)) != 0)
		return r;
	log_debug("%s: /proc/sys is read-only; IPv6 stays enabled without addresses", name);
	return nl_no_addrgen6(index);
}

static int add_ipv6(const char *name, const struct tun_params *tp)
{
	int index, r;

	if ((r = if_index(name, &index)) != 0)
		return r;
	if ((r = nl_add_addr6(index, &tp->local6)) != 0)
		return r;
	return nl_add_route6(index, &tp->peer6, tp->prefix6);
}

static int configure(const struct tun_params *tp, const char *name)
{
	int r;

	if (!tp->has6 && (r = disable_ipv6(name)) != 0)
		return r;
	if (tp->mtu && (r = set_mtu(name, tp->mtu)) != 0)
		return r;
	if (tp->has4 && ((r = set_addr4(name, SIOCSIFADDR, tp->local4)) != 0 ||
			 (r = set_addr4(name, SIOCSIFDSTADDR, tp->peer4)) != 0))
		return r;
	/* IPv6 routes need a device that is up. */
	if ((r = set_up(name)) != 0)
		return r;
	if (tp->has6)
		return add_ipv6(name, tp);
	return 0;
}

int tun_create(const struct tun_params *tp, int *fd, char name[static IFNAMSIZ])
{
	char dev[IFNAMSIZ] = "";
	int r = ERR_INTERNAL, tfd = -1, saved;

	*fd = -1;
	name[0] = '\0';
	if (!prefix_ok(tp->prefix) || tp->mtu < 0 || (tp->has6 && tp->prefix6 > 128)) {
		errno = EINVAL;
		r = ERR_SYS;
		goto out;
	}
	if ((r = open_tun(tp->prefix, tp->offload, &tfd, dev)) != 0)
		goto out;
	if ((r = configure(tp, dev)) != 0)
		goto out;
	*fd = tfd;
	tfd = -1;
	memcpy(name, dev, IFNAMSIZ);
	r = 0;
out:
	if (tfd >= 0) {
		saved = errno;
		close(tfd); /* a tun device without a persistent flag goes with its last fd */
		errno = saved;
	}
	return r;
}
