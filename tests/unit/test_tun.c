/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for tun devices (server/main/tun.c), run in a network namespace of their own so
 * that the host's interfaces are never touched; skipped unless root. Process: main (test). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* unshare() */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include "err.h"
#include "tap.h"
#include "tun.h"

static int sock = -1;

static int get_ifr(const char *name, unsigned long req, struct ifreq *ifr)
{
	memset(ifr, 0, sizeof(*ifr));
	snprintf(ifr->ifr_name, IFNAMSIZ, "%s", name);
	return ioctl(sock, req, ifr);
}

static const char *addr_str(const char *name, unsigned long req)
{
	static char s[INET_ADDRSTRLEN];
	struct sockaddr_in sin;
	struct ifreq ifr;

	if (get_ifr(name, req, &ifr) < 0)
		return "(ioctl failed)";
	memcpy(&sin, &ifr.ifr_addr, sizeof(sin));
	return inet_ntop(AF_INET, &sin.sin_addr, s, sizeof(s));
}

/* The number in /proc/sys/net/ipv6/conf/NAME/KEY, or -1. */
static int read_int(const char *name, const char *key)
{
	char path[128], buf[16] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/%s", name, key);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	return buf[0] ? atoi(buf) : -1;
}

static int disable_ipv6(const char *name)
{
	return read_int(name, "disable_ipv6");
}

/* Lines of /proc/net/if_inet6 for the device: "ADDR32HEX IDX PLEN SCOPE FLAGS NAME". With
 * want NULL, count the device's addresses; else whether ADDR/PLEN is there. */
static int inet6_addrs(const char *name, const char *want, unsigned plen)
{
	char addr[40], dev[IFNAMSIZ + 1], whex[40] = "";
	unsigned idx, len, scope, flags;
	struct in6_addr w;
	int n = 0;
	FILE *f = fopen("/proc/net/if_inet6", "r");

	if (want && inet_pton(AF_INET6, want, &w) == 1)
		for (int i = 0; i < 16; i++)
			snprintf(whex + 2 * i, 3, "%02x", w.s6_addr[i]);
	if (!f)
		return -1;
	while (fscanf(f, "%39s %x %x %x %x %16s", addr, &idx, &len, &scope, &flags, dev) == 6) {
		if (strcmp(dev, name) != 0)
			continue;
		if (!want || (!strcmp(addr, whex) && len == plen))
			n++;
	}
	fclose(f);
	return n;
}

/* Whether /proc/net/ipv6_route routes DST/LEN to the device. */
static bool route6(const char *name, const char *dst, unsigned plen)
{
	char d[40], dhex[40] = "", rest[5][40], dev[IFNAMSIZ + 1];
	unsigned len, slen, metric, ref, use, flags;
	struct in6_addr a;
	bool found = false;
	FILE *f = fopen("/proc/net/ipv6_route", "r");

	if (inet_pton(AF_INET6, dst, &a) == 1)
		for (int i = 0; i < 16; i++)
			snprintf(dhex + 2 * i, 3, "%02x", a.s6_addr[i]);
	if (!f)
		return false;
	while (fscanf(f, "%39s %x %39s %x %39s %x %x %x %x %16s", d, &len, rest[0], &slen, rest[1],
		      &metric, &ref, &use, &flags, dev) == 10)
		if (!strcmp(dev, name) && !strcmp(d, dhex) && len == plen)
			found = true;
	fclose(f);
	return found;
}

/* Whether /proc/net/route has a host route to peer via the device. */
static bool route4(const char *name, struct in_addr peer)
{
	char line[256], dev[IFNAMSIZ + 1];
	unsigned long dst;
	bool found = false;
	FILE *f = fopen("/proc/net/route", "r");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%16s %lx", dev, &dst) == 2 && !strcmp(dev, name) &&
		    (uint32_t)dst == peer.s_addr)
			found = true;
	fclose(f);
	return found;
}

static struct tun_params params(bool v4, bool v6)
{
	struct tun_params tp;

	memset(&tp, 0, sizeof(tp));
	snprintf(tp.prefix, sizeof(tp.prefix), "cstpt");
	tp.has4 = v4;
	inet_pton(AF_INET, "10.99.0.1", &tp.local4);
	inet_pton(AF_INET, "10.99.0.7", &tp.peer4);
	tp.has6 = v6;
	inet_pton(AF_INET6, "fd00:99::1", &tp.local6);
	inet_pton(AF_INET6, "fd00:99::7:0:0", &tp.peer6);
	tp.prefix6 = 96;
	tp.mtu = 1400;
	return tp;
}

static void test_v4(void)
{
	struct tun_params tp = params(true, false);
	char name[IFNAMSIZ];
	struct ifreq ifr;
	char c;
	int fd, fl;

	is_int(tun_create(&tp, &fd, name), 0, "IPv4-only device created");
	ok(fd >= 0 && !strncmp(name, "cstpt", 5), "fd %d, name %s", fd, name);
	fl = fcntl(fd, F_GETFL);
	ok(fl >= 0 && (fl & O_NONBLOCK), "O_NONBLOCK");
	ok(fcntl(fd, F_GETFD) & FD_CLOEXEC, "FD_CLOEXEC");
	ok(read(fd, &c, 1) < 0 && errno == EAGAIN, "read does not block");
	is_str(addr_str(name, SIOCGIFADDR), "10.99.0.1", "local address");
	is_str(addr_str(name, SIOCGIFDSTADDR), "10.99.0.7", "peer address");
	is_str(addr_str(name, SIOCGIFNETMASK), "255.255.255.255", "point-to-point /32");
	ok(get_ifr(name, SIOCGIFMTU, &ifr) == 0 && ifr.ifr_mtu == 1400, "MTU 1400");
	ok(get_ifr(name, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_UP) &&
		   (ifr.ifr_flags & IFF_POINTOPOINT),
	   "up, point-to-point");
	ok(route4(name, tp.peer4), "route to the peer via the device");
	is_int(disable_ipv6(name), 1, "IPv6 disabled on the device");
	is_int(inet6_addrs(name, NULL, 0), 0, "no IPv6 address at all");
	close(fd);
	ok(if_nametoindex(name) == 0, "device gone after close");
}

static void test_v6(void)
{
	struct tun_params tp = params(true, true), tp2 = params(false, true);
	char name[IFNAMSIZ], name2[IFNAMSIZ];
	int fd, fd2;

	is_int(tun_create(&tp, &fd, name), 0, "dual-stack device created");
	is_str(addr_str(name, SIOCGIFADDR), "10.99.0.1", "local address");
	is_int(disable_ipv6(name), 0, "IPv6 enabled");
	is_int(inet6_addrs(name, "fd00:99::1", 128), 1, "local6/128 on the device");
	ok(route6(name, "fd00:99::7:0:0", 96), "route to the client's /96 via the device");

	tp2.peer6.s6_addr[11] = 8; /* fd00:99::8:0:0 */
	tp2.prefix6 = 128;
	tp2.mtu = 0;
	is_int(tun_create(&tp2, &fd2, name2), 0, "second, IPv6-only device, default MTU");
	ok(strcmp(name, name2) != 0, "another name: %s, %s", name, name2);
	is_int(inet6_addrs(name2, "fd00:99::1", 128), 1, "the same local6 on it too");
	ok(route6(name2, "fd00:99::8:0:0", 128), "route to the /128");
	is_str(addr_str(name2, SIOCGIFADDR), "(ioctl failed)", "no IPv4 address");
	close(fd);
	close(fd2);
	ok(if_nametoindex(name) == 0 && if_nametoindex(name2) == 0, "both gone");
	ok(!route6(name2, "fd00:99::8:0:0", 128), "route gone too");
}

static void test_bad(void)
{
	struct tun_params tp = params(true, false);
	char name[IFNAMSIZ] = "x";
	int fd = 5;

	tp.prefix[0] = '\0';
	errno = 0;
	is_int(tun_create(&tp, &fd, name), ERR_SYS, "empty prefix");
	ok(errno == EINVAL && fd == -1 && !name[0], "EINVAL, outputs cleared");
	snprintf(tp.prefix, sizeof(tp.prefix), "a%%db");
	is_int(tun_create(&tp, &fd, name), ERR_SYS, "'%%' in prefix");
	snprintf(tp.prefix, sizeof(tp.prefix), "abcdefghijklm");
	is_int(tun_create(&tp, &fd, name), ERR_SYS, "prefix too long");
	snprintf(tp.prefix, sizeof(tp.prefix), "cstpbad");
	tp.mtu = 20;
	errno = 0;
	is_int(tun_create(&tp, &fd, name), ERR_SYS, "MTU the kernel refuses");
	ok(errno == EINVAL, "errno kept: %s", strerror(errno));
	ok(if_nametoindex("cstpbad0") == 0, "nothing left behind");
	tp = params(false, true);
	snprintf(tp.prefix, sizeof(tp.prefix), "cstpbad");
	tp.mtu = 1000;
	is_int(tun_create(&tp, &fd, name), ERR_SYS, "IPv6 with an MTU below 1280");
	ok(if_nametoindex("cstpbad0") == 0, "nothing left behind");
}

/* A container's read-only /proc/sys: IPv6 cannot be disabled there, but the device must
 * still come up, without any IPv6 address. */
static void test_readonly_proc(void)
{
	struct tun_params tp = params(true, false);
	char name[IFNAMSIZ];
	int fd;

	if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
	    mount("/proc/sys", "/proc/sys", NULL, MS_BIND, NULL) != 0 ||
	    mount(NULL, "/proc/sys", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) != 0) {
		diag("cannot make /proc/sys read-only (%s); skipping that case", strerror(errno));
		return;
	}
	is_int(tun_create(&tp, &fd, name), 0, "device created with /proc/sys read-only");
	is_int(disable_ipv6(name), 0, "disable_ipv6 could not be written");
	is_int(read_int(name, "addr_gen_mode"), 1, "address generation off instead");
	is_int(inet6_addrs(name, NULL, 0), 0, "no IPv6 address");
	close(fd);
}

int main(void)
{
	int fd;

	if (geteuid() != 0) {
		printf("1..0 # SKIP not root\n");
		return 0;
	}
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		printf("1..0 # SKIP cannot open /dev/net/tun\n");
		return 0;
	}
	close(fd);
	if (unshare(CLONE_NEWNET) != 0) {
		printf("1..0 # SKIP cannot create a network namespace\n");
		return 0;
	}
	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	test_v4();
	test_v6();
	test_bad();
	test_readonly_proc();
	close(sock);
	return done_testing();
}
