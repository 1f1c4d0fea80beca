// SPDX-License-Identifier: GPL-2.0
/*
 * leaky: a workload that leaks dma-bufs and GEM handles on purpose, one way
 * per mode, so that 'primetrace leaks' can be checked against a known
 * culprit: the pid that leaked and the function that did it. Each leaking
 * function is named after what it does and is never inlined, so that the
 * user stack of the leak names it.
 *
 *   leaky [--hold SECONDS] [--count N] [--vmap] MODE
 *
 *   clean     every path (export, import on the second device, mmap, an fd
 *             passed over SCM_RIGHTS to a child that maps it), all closed
 *   import    leak_import_handle(): a buffer imported into the second
 *             device; the exporter closes its handle and every fd is
 *             closed, the import handle never is; with --vmap, the
 *             import is also vmapped (DRM_IOCTL_VPRIME_VMAP) and held so
 *   scm       scm_send_frames(): two buffers sent over SCM_RIGHTS to a
 *             child that maps the first and exits while still mapping it,
 *             without reading the second; the parent closes its fds and
 *             handles but keeps both ends of the socket pair, so the
 *             second buffer stays alive in flight, held by no process
 *   export    leak_export_loop(): N exports (default 32), nothing closed
 *   reimport  reimport_loop(): one dma-buf imported N times (default 4)
 *             into the second device; one handle, unless the PRIME cache
 *             is bypassed (vprime's import_bypass_cache fault)
 *   fault     fault_sequence(): export, import on the second device, then
 *             close everything: clean, unless a vprime fault knob is on
 *
 * It uses the first two vprime devices (debugfs vprime/0 and vprime/1),
 * through their render nodes. Before returning, leaky prints one line per
 * thing it leaked:
 *
 *   LEAK mode=M pid=P func=F ino=I [handle=H] [count=N]
 *
 * then holds what it leaked for --hold seconds (default 0) or until
 * SIGTERM/SIGINT, and exits 0. Errors: a message on stderr, exit 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <xf86drm.h>

#include "vprime_drm.h"

#define NOINLINE __attribute__((noinline))
#define BO_SIZE	 65536

static volatile sig_atomic_t stop;
static const char *mode;
static int vmap_import; /* --vmap */

static void on_signal(int sig)
{
	stop = 1;
}

static void die(const char *what)
{
	fprintf(stderr, "leaky: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* the render node of vprime instance i */
static int open_vprime(int i)
{
	char path[96], card[32], render[32], node[64];
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "/sys/kernel/debug/vprime/%d/card", i);
	f = fopen(path, "r");
	if (!f)
		die(path);
	if (fscanf(f, "%31s %31s", card, render) != 2) {
		fclose(f);
		errno = EINVAL;
		die(path);
	}
	fclose(f);
	snprintf(node, sizeof(node), "/dev/dri/%s", render);
	fd = open(node, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die(node);
	return fd;
}

static __u32 bo_create(int dev)
{
	struct drm_vprime_create c = { .size = BO_SIZE };

	if (drmIoctl(dev, DRM_IOCTL_VPRIME_CREATE, &c))
		die("DRM_IOCTL_VPRIME_CREATE");
	return c.handle;
}

static void bo_close(int dev, __u32 handle)
{
	struct drm_gem_close c = { .handle = handle };

	if (drmIoctl(dev, DRM_IOCTL_GEM_CLOSE, &c))
		die("DRM_IOCTL_GEM_CLOSE");
}

static int bo_export(int dev, __u32 handle)
{
	int fd;

	if (drmPrimeHandleToFD(dev, handle, DRM_CLOEXEC | DRM_RDWR, &fd))
		die("drmPrimeHandleToFD");
	return fd;
}

static __u32 bo_import(int dev, int fd)
{
	__u32 handle;

	if (drmPrimeFDToHandle(dev, fd, &handle))
		die("drmPrimeFDToHandle");
	return handle;
}

static unsigned long fd_ino(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? 0 : (unsigned long)st.st_ino;
}

static void leak_line(const char *func, unsigned long ino, const char *extra)
{
	printf("LEAK mode=%s pid=%d func=%s ino=%lu%s%s\n", mode, getpid(), func, ino,
	       extra ? " " : "", extra ? extra : "");
	fflush(stdout);
}

/* --- SCM_RIGHTS --------------------------------------------------------- */

static void send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 }, byte = 'f';
	struct iovec iov = { &byte, 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;

	msg.msg_control = cbuf;
	msg.msg_controllen = sizeof(cbuf);
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	if (sendmsg(sock, &msg, 0) != 1)
		die("sendmsg");
}

static int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))], byte;
	struct iovec iov = { &byte, 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;
	int fd;

	msg.msg_control = cbuf;
	msg.msg_controllen = sizeof(cbuf);
	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1)
		die("recvmsg");
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS) {
		errno = EPROTO;
		die("recvmsg: no fd");
	}
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/* the child: map what it gets, maybe unmap, exit */
static NOINLINE void scm_child_map(int sock, int tidy)
{
	int fd = recv_fd(sock);
	volatile char *p;

	p = mmap(NULL, BO_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die("mmap");
	p[0] = 1;
	close(fd);
	if (tidy)
		munmap((void *)p, BO_SIZE);
	/* let the tracer see this process alive holding the mapping */
	usleep(200000);
	_exit(0);
}

/* --- the modes ------------------------------------------------------------ */

static NOINLINE void clean_all(int a, int b)
{
	int sv[2], fd, status;
	__u32 ha, hb;
	void *p;
	pid_t child;

	/* the child gets the buffer through the socket only */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		die("socketpair");
	child = fork();
	if (child < 0)
		die("fork");
	if (!child) {
		close(sv[0]);
		scm_child_map(sv[1], 1);
	}
	close(sv[1]);
	ha = bo_create(a);
	fd = bo_export(a, ha);
	hb = bo_import(b, fd);
	p = mmap(NULL, BO_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die("mmap");
	send_fd(sv[0], fd);
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status))
		die("waitpid");
	close(sv[0]);
	munmap(p, BO_SIZE);
	bo_close(b, hb);
	close(fd);
	bo_close(a, ha);
}

static NOINLINE void leak_import_handle(int a, int b)
{
	char extra[32];
	__u32 ha, hb;
	int fd;

	ha = bo_create(a);
	fd = bo_export(a, ha);
	hb = bo_import(b, fd);
	if (vmap_import) {
		struct drm_vprime_vmap m = { .handle = hb };

		if (drmIoctl(b, DRM_IOCTL_VPRIME_VMAP, &m))
			die("DRM_IOCTL_VPRIME_VMAP");
	}
	snprintf(extra, sizeof(extra), "handle=%u", hb);
	leak_line("leak_import_handle", fd_ino(fd), extra);
	/* everything goes but hb */
	close(fd);
	bo_close(a, ha);
}

static NOINLINE void scm_send_frames(int a, int sv[2])
{
	int fd[2], status;
	__u32 h[2];
	pid_t child;

	child = fork();
	if (child < 0)
		die("fork");
	if (!child)
		scm_child_map(sv[1], 0);
	for (int i = 0; i < 2; i++) {
		h[i] = bo_create(a);
		fd[i] = bo_export(a, h[i]);
		send_fd(sv[0], fd[i]);
	}
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status))
		die("waitpid");
	leak_line("scm_send_frames", fd_ino(fd[1]), NULL);
	/* "the child has them now": sv[1] is never closed here */
	for (int i = 0; i < 2; i++) {
		close(fd[i]);
		bo_close(a, h[i]);
	}
}

static NOINLINE void leak_export_loop(int a, int n)
{
	unsigned long first = 0;
	char extra[32];

	for (int i = 0; i < n; i++) {
		__u32 h = bo_create(a);
		int fd = bo_export(a, h);

		if (!i)
			first = fd_ino(fd);
	}
	snprintf(extra, sizeof(extra), "count=%d", n);
	leak_line("leak_export_loop", first, extra);
}

static NOINLINE void reimport_loop(int a, int b, int n)
{
	__u32 ha, hb = 0, first = 0;
	char extra[48];
	int fd;

	ha = bo_create(a);
	fd = bo_export(a, ha);
	for (int i = 0; i < n; i++) {
		hb = bo_import(b, fd);
		if (!i)
			first = hb;
	}
	snprintf(extra, sizeof(extra), "handle=%u count=%d", hb, hb == first ? 1 : n);
	leak_line("reimport_loop", fd_ino(fd), extra);
}

static NOINLINE void fault_sequence(int a, int b)
{
	__u32 ha, hb;
	int fd;

	ha = bo_create(a);
	fd = bo_export(a, ha);
	hb = bo_import(b, fd);
	printf("FAULT pid=%d ino=%lu\n", getpid(), fd_ino(fd));
	fflush(stdout);
	bo_close(b, hb);
	close(fd);
	bo_close(a, ha);
}

static void hold(double seconds)
{
	struct timespec ts = { 0, 50000000 };
	double left = seconds;

	while (!stop && left > 0) {
		nanosleep(&ts, NULL);
		left -= 0.05;
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: leaky [--hold SECONDS] [--count N] [--vmap] "
			"clean|import|scm|export|reimport|fault\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	double hold_s = 0;
	int count = 0, a, b, sv[2];
	char *end;

	static const struct option longopts[] = {
		{ "hold", required_argument, NULL, 'h' },
		{ "count", required_argument, NULL, 'c' },
		{ "vmap", no_argument, NULL, 'v' },
		{ 0 },
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		errno = 0;
		switch (opt) {
		case 'h':
			hold_s = strtod(optarg, &end);
			if (errno || *end || end == optarg || hold_s < 0)
				usage();
			break;
		case 'c':
			count = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || count < 1 || count > 1000000)
				usage();
			break;
		case 'v':
			vmap_import = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc - 1)
		usage();
	argv += optind;
	mode = argv[0];
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	a = open_vprime(0);
	b = open_vprime(1);
	printf("LEAKY pid=%d mode=%s\n", getpid(), mode);

	if (!strcmp(mode, "clean")) {
		clean_all(a, b);
	} else if (!strcmp(mode, "import")) {
		leak_import_handle(a, b);
	} else if (!strcmp(mode, "scm")) {
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
			die("socketpair");
		scm_send_frames(a, sv);
	} else if (!strcmp(mode, "export")) {
		leak_export_loop(a, count ? count : 32);
	} else if (!strcmp(mode, "reimport")) {
		reimport_loop(a, b, count ? count : 4);
	} else if (!strcmp(mode, "fault")) {
		fault_sequence(a, b);
	} else {
		usage();
	}
	printf("DONE pid=%d\n", getpid());
	hold(hold_s);
	return 0;
}
