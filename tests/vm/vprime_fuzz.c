// SPDX-License-Identifier: GPL-2.0
/*
 * vprime_fuzz: random ioctl sequences over two vprime devices and vgem, two
 * files per device (render node and primary node), in the manner of
 * syzkaller's DRM descriptions but small and reproducible. Runs in the test
 * VM as root with vprime (devices >= 2) and vgem loaded.
 *
 *   vprime_fuzz [--seed N] [--ops N] [--seconds N]
 *
 * Calls, with boundary and random values: CREATE_DUMB, VPRIME_CREATE,
 * MAP_OFFSET / MAP_DUMB, mmap and munmap of DRM and dma-buf fds, PRIME
 * export and import, GEM_CLOSE, FLINK and GEM_OPEN, VPRIME_VMAP and
 * VUNMAP, VPRIME_INFO; closing and reopening files, passing fds through
 * SCM_RIGHTS and forking children that go on with the inherited fds.
 * Every run prints its seed first; the same seed gives the same sequence
 * in every process (each child's seed derives from it).
 *
 * At the end everything is closed and vprime's debugfs 'totals' must read
 * 0 on both instances. Prints PASS/FAIL lines and the number of ioctls.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <xf86drm.h>
#include <drm_mode.h>

#include "vprime_drm.h"
#include "vprime_truth.h"

#define PAGE	    4096
#define NDEV	    3 /* vprime 0, vprime 1, vgem */
#define NFILE	    (NDEV * 2)
#define NHANDLE	    48
#define NDMABUF	    24
#define NMAP	    24
#define BIG	    (64ull << 20) /* larger objects are closed at once */
#define CHILD_OPS   200
#define CHILD_EVERY 2000

static uint64_t rng;
static uint64_t *ioctls; /* shared with children */

static uint64_t next(void)
{
	/* splitmix64 */
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned int below(unsigned int n)
{
	return n ? next() % n : 0;
}

static bool chance(unsigned int pct)
{
	return below(100) < pct;
}

struct dfile {
	int fd;
	int dev; /* 0, 1: vprime instance; 2: vgem */
	bool primary;
	uint32_t handles[NHANDLE];
	int nhandles;
};

struct mapping {
	void *addr;
	size_t len;
};

static struct dfile files[NFILE];
static int dmabufs[NDMABUF];
static struct mapping maps[NMAP];
static char nodes[NFILE][32];

static int xioctl(int fd, unsigned long req, void *arg)
{
	__atomic_fetch_add(ioctls, 1, __ATOMIC_RELAXED);
	return ioctl(fd, req, arg) ? -errno : 0;
}

/* the nodes of the two vprime instances and vgem */
static int find_nodes(void)
{
	char path[128], buf[64];
	int card, render;

	for (int i = 0; i < 2; i++) {
		if (vprime_debugfs_read(i, "card", buf, sizeof(buf)) < 0 ||
		    !vprime_parse_card(buf, &card, &render))
			return -1;
		snprintf(nodes[i * 2], sizeof(nodes[0]), "/dev/dri/renderD%d", render);
		snprintf(nodes[i * 2 + 1], sizeof(nodes[0]), "/dev/dri/card%d", card);
	}
	for (int i = 0; i < 16; i++) {
		drmVersionPtr v;
		int fd;

		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		v = drmGetVersion(fd);
		if (v && !strcmp(v->name, "vgem")) {
			drmFreeVersion(v);
			close(fd);
			/* two files of vgem's primary node: dumb buffers and FLINK */
			snprintf(nodes[4], sizeof(nodes[0]), "/dev/dri/card%d", i);
			snprintf(nodes[5], sizeof(nodes[0]), "/dev/dri/card%d", i);
			return 0;
		}
		drmFreeVersion(v);
		close(fd);
	}
	return -1;
}

static void file_open(int i)
{
	files[i].fd = open(nodes[i], O_RDWR | O_CLOEXEC);
	files[i].dev = i / 2;
	files[i].primary = strstr(nodes[i], "card") != NULL;
	files[i].nhandles = 0;
}

static void file_close(int i)
{
	if (files[i].fd >= 0)
		close(files[i].fd);
	files[i].fd = -1;
	files[i].nhandles = 0;
}

static void add_handle(struct dfile *f, uint32_t h)
{
	for (int i = 0; i < f->nhandles; i++)
		if (f->handles[i] == h)
			return;
	if (f->nhandles < NHANDLE)
		f->handles[f->nhandles++] = h;
}

static void forget_handle(struct dfile *f, uint32_t h)
{
	for (int i = 0; i < f->nhandles; i++)
		if (f->handles[i] == h) {
			f->handles[i] = f->handles[--f->nhandles];
			return;
		}
}

/* a known handle most of the time, else a boundary or random value */
static uint32_t pick_handle(struct dfile *f)
{
	static const uint32_t odd[] = { 0, 1, 2, 0x7fffffff, 0xffffffff };

	if (f->nhandles && chance(90))
		return f->handles[below(f->nhandles)];
	return chance(50) ? odd[below(5)] : (uint32_t)next();
}

static struct dfile *pick_file(void)
{
	struct dfile *f = &files[below(NFILE)];

	return f->fd >= 0 ? f : NULL;
}

static int pick_dmabuf_slot(void)
{
	return below(NDMABUF);
}

static void add_dmabuf(int fd)
{
	int s = pick_dmabuf_slot();

	if (dmabufs[s] >= 0)
		close(dmabufs[s]);
	dmabufs[s] = fd;
}

static uint64_t pick_size(void)
{
	static const uint64_t odd[] = { 0,
					1,
					PAGE - 1,
					PAGE,
					PAGE + 1,
					4096ull << 20,
					(4096ull << 20) + 1,
					UINT64_MAX,
					UINT64_MAX - PAGE + 2,
					1ull << 32,
					(2ull << 30) };

	if (chance(85))
		return (1 + below(16)) * PAGE - (chance(20) ? below(PAGE) : 0);
	if (chance(50))
		return odd[below(sizeof(odd) / sizeof(odd[0]))];
	return next() >> below(64);
}

static void created(struct dfile *f, uint32_t h, uint64_t size)
{
	struct drm_gem_close c = { .handle = h };

	/* never let a later call populate a huge object */
	if (size > BIG)
		xioctl(f->fd, DRM_IOCTL_GEM_CLOSE, &c);
	else
		add_handle(f, h);
}

static void op_create(struct dfile *f)
{
	struct drm_vprime_create c = { .size = pick_size() };

	if (f->dev == 2)
		return;
	c.flags = chance(80) ? 0 : chance(50) ? VPRIME_CREATE_NO_SG : (uint32_t)next();
	c.pad = chance(95) ? 0 : (uint32_t)next();
	if (!xioctl(f->fd, DRM_IOCTL_VPRIME_CREATE, &c))
		created(f, c.handle, c.size);
}

static void op_create_dumb(struct dfile *f)
{
	static const uint32_t odd[] = { 0, 1, 32768, 65535, 65536, 0xffffffff };
	struct drm_mode_create_dumb d = { 0 };

	d.width = chance(80) ? 1 + below(256) : odd[below(6)];
	d.height = chance(80) ? 1 + below(64) : odd[below(6)];
	d.bpp = chance(80) ? 8u << below(3) : (chance(50) ? 16 : (uint32_t)next());
	d.flags = chance(95) ? 0 : (uint32_t)next();
	if (!xioctl(f->fd, DRM_IOCTL_MODE_CREATE_DUMB, &d))
		created(f, d.handle, d.size);
}

static sigjmp_buf fault_jmp;

static void on_fault(int sig)
{
	siglongjmp(fault_jmp, sig);
}

/* touch one byte of a fresh mapping; SIGBUS/SIGSEGV are outcomes too */
static void touch(volatile uint8_t *p, size_t len)
{
	struct sigaction sa = { .sa_handler = on_fault }, ob, os;

	sigaction(SIGBUS, &sa, &ob);
	sigaction(SIGSEGV, &sa, &os);
	if (!sigsetjmp(fault_jmp, 1))
		p[below(len)] ^= 1;
	sigaction(SIGBUS, &ob, NULL);
	sigaction(SIGSEGV, &os, NULL);
}

static void add_map(int fd, uint64_t off)
{
	size_t len = (size_t)(1 + below(chance(90) ? 4 : 32)) * PAGE;
	int s = below(NMAP);
	void *p;

	if (chance(5))
		off += below(PAGE);
	p = mmap(NULL, len, PROT_READ | (chance(90) ? PROT_WRITE : 0),
		 chance(95) ? MAP_SHARED : MAP_PRIVATE, fd, off);
	if (p == MAP_FAILED)
		return;
	touch(p, len);
	if (maps[s].addr)
		munmap(maps[s].addr, maps[s].len);
	maps[s] = (struct mapping){ p, len };
}

static void op_map(struct dfile *f)
{
	uint32_t h = pick_handle(f);
	uint64_t off;

	if (f->dev != 2 && chance(70)) {
		struct drm_vprime_map_offset m = { .handle = h, .pad = chance(95) ? 0 : 1 };

		if (xioctl(f->fd, DRM_IOCTL_VPRIME_MAP_OFFSET, &m))
			return;
		off = m.offset;
	} else {
		struct drm_mode_map_dumb m = { .handle = h };

		if (xioctl(f->fd, DRM_IOCTL_MODE_MAP_DUMB, &m))
			return;
		off = m.offset;
	}
	if (chance(80))
		add_map(f->fd, off + (chance(10) ? below(4) * PAGE : 0));
}

static void op_munmap(void)
{
	int s = below(NMAP);

	if (!maps[s].addr)
		return;
	if (chance(20) && maps[s].len > PAGE) {
		/* a partial unmap splits the VMA */
		munmap(maps[s].addr, PAGE);
		maps[s].addr = (uint8_t *)maps[s].addr + PAGE;
		maps[s].len -= PAGE;
		return;
	}
	munmap(maps[s].addr, maps[s].len);
	maps[s].addr = NULL;
}

static void op_export(struct dfile *f)
{
	struct drm_prime_handle p = { .handle = pick_handle(f) };

	p.flags = chance(90) ? DRM_CLOEXEC | (chance(80) ? DRM_RDWR : 0) : (uint32_t)next();
	if (!xioctl(f->fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p))
		add_dmabuf(p.fd);
}

static void op_import(struct dfile *f)
{
	struct drm_prime_handle p = { 0 };
	int s = pick_dmabuf_slot();

	p.fd = dmabufs[s] >= 0 && chance(95) ? dmabufs[s] : (chance(50) ? -1 : f->fd);
	if (!xioctl(f->fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p))
		add_handle(f, p.handle);
}

static void op_dmabuf_mmap(void)
{
	int s = pick_dmabuf_slot();

	if (dmabufs[s] >= 0)
		add_map(dmabufs[s], chance(80) ? 0 : below(4) * PAGE);
}

static void op_close_handle(struct dfile *f)
{
	struct drm_gem_close c = { .handle = pick_handle(f) };

	c.pad = chance(97) ? 0 : 1;
	if (!xioctl(f->fd, DRM_IOCTL_GEM_CLOSE, &c))
		forget_handle(f, c.handle);
}

static uint32_t last_name;

static void op_flink(struct dfile *f)
{
	if (chance(50)) {
		struct drm_gem_flink fl = { .handle = pick_handle(f) };

		if (!xioctl(f->fd, DRM_IOCTL_GEM_FLINK, &fl))
			last_name = fl.name;
	} else {
		struct drm_gem_open o = { .name = chance(80) ? last_name : (uint32_t)next() };

		if (!xioctl(f->fd, DRM_IOCTL_GEM_OPEN, &o))
			add_handle(f, o.handle);
	}
}

static void op_vmap(struct dfile *f)
{
	struct drm_vprime_vmap v = { .handle = pick_handle(f) };
	static const uint32_t odd[] = { 0, 8, PAGE - 8, PAGE - 7, 0xfffffff8, 0xffffffff };

	if (f->dev == 2)
		return;
	if (chance(55)) {
		v.offset = chance(80) ? below(PAGE / 8) * 8 : odd[below(6)];
		xioctl(f->fd, DRM_IOCTL_VPRIME_VMAP, &v);
	} else {
		if (chance(5))
			v.offset = 1;
		if (chance(5))
			v.value = next();
		xioctl(f->fd, DRM_IOCTL_VPRIME_VUNMAP, &v);
	}
}

static void op_info(struct dfile *f)
{
	struct drm_vprime_info i = { .handle = chance(90) ? pick_handle(f) : 0 };

	if (f->dev == 2)
		return;
	i.flags = chance(95) ? 0 : (uint32_t)next();
	xioctl(f->fd, DRM_IOCTL_VPRIME_INFO, &i);
}

/* pass a dma-buf or DRM fd through a socket to ourselves */
static void op_scm_rights(void)
{
	int sv[2], s = pick_dmabuf_slot(), fd, got = -1;
	char c = 0, cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &c, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;
	struct dfile *f = pick_file();

	fd = chance(70) ? dmabufs[s] : f ? f->fd : -1;
	if (fd < 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return;
	m.msg_control = cbuf;
	m.msg_controllen = sizeof(cbuf);
	cm = CMSG_FIRSTHDR(&m);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	if (sendmsg(sv[0], &m, 0) == 1) {
		m.msg_controllen = sizeof(cbuf);
		if (recvmsg(sv[1], &m, MSG_CMSG_CLOEXEC) == 1 && (cm = CMSG_FIRSTHDR(&m)) &&
		    cm->cmsg_type == SCM_RIGHTS)
			memcpy(&got, CMSG_DATA(cm), sizeof(int));
	}
	if (chance(30)) {
		/* the socket dies holding an fd in flight */
		sendmsg(sv[0],
			&(struct msghdr){ .msg_iov = &iov,
					  .msg_iovlen = 1,
					  .msg_control = cbuf,
					  .msg_controllen = sizeof(cbuf) },
			0);
	}
	close(sv[0]);
	close(sv[1]);
	if (got < 0)
		return;
	if (fd == dmabufs[s])
		add_dmabuf(got); /* a duplicate of a dma-buf fd */
	else if (f) {
		/* the file itself, under another fd: replaces the old one */
		close(f->fd);
		f->fd = got;
	}
}

static void run_ops(uint64_t n, time_t until, bool child);

static void op_fork(void)
{
	uint64_t seed = next();
	pid_t pid;
	int st;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return;
	if (!pid) {
		rng = seed;
		run_ops(CHILD_OPS, 0, true);
		_exit(0); /* every fd and mapping goes with the process */
	}
	if (chance(50)) {
		/* the parent goes on meanwhile for a while */
		for (int i = 0; i < 20; i++) {
			struct dfile *f = pick_file();

			if (f)
				op_close_handle(f);
		}
	}
	waitpid(pid, &st, 0);
}

/*
 * A child runs @n steps; the parent until @n ioctls were made (all
 * processes together) or, with @until, until then.
 */
static void run_ops(uint64_t n, time_t until, bool child)
{
	for (uint64_t i = 0;; i++) {
		struct dfile *f = pick_file();
		unsigned int op = below(100);

		if (child   ? i >= n
		    : until ? !(i & 255) && time(NULL) >= until
			    : __atomic_load_n(ioctls, __ATOMIC_RELAXED) >= n)
			break;
		if (!child && i && !(i % CHILD_EVERY)) {
			op_fork();
			continue;
		}
		if (!f) {
			int k = below(NFILE);

			if (files[k].fd < 0)
				file_open(k);
			continue;
		}
		if (op < 10)
			op_create(f);
		else if (op < 18)
			op_create_dumb(f);
		else if (op < 26)
			op_map(f);
		else if (op < 32)
			op_munmap();
		else if (op < 44)
			op_export(f);
		else if (op < 56)
			op_import(f);
		else if (op < 60)
			op_dmabuf_mmap();
		else if (op < 70)
			op_close_handle(f);
		else if (op < 74)
			op_flink(f);
		else if (op < 86)
			op_vmap(f);
		else if (op < 91)
			op_info(f);
		else if (op < 94)
			op_scm_rights();
		else if (op < 96) {
			int s = pick_dmabuf_slot();

			if (dmabufs[s] >= 0)
				close(dmabufs[s]);
			dmabufs[s] = -1;
		} else if (op < 98) {
			int k = f - files;

			file_close(k);
			if (chance(50))
				file_open(k);
		}
	}
}

/* value of "@key N" in instance @inst's totals, or -1 */
static long long total(int inst, const char *key)
{
	return vprime_debugfs_count(inst, "totals", key);
}

static bool parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return !errno && *s && !*end && *s != '-';
}

int main(int argc, char **argv)
{
	uint64_t seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32), ops = 100000, secs = 0;
	struct timespec t0, t1;
	int failed = 0;

	for (int i = 1; i < argc; i++) {
		uint64_t *dst = !strcmp(argv[i], "--seed")	? &seed
				: !strcmp(argv[i], "--ops")	? &ops
				: !strcmp(argv[i], "--seconds") ? &secs
								: NULL;

		if (!dst || i + 1 >= argc || !parse_u64(argv[i + 1], dst)) {
			fprintf(stderr, "usage: vprime_fuzz [--seed N] [--ops N] [--seconds N]\n");
			return 2;
		}
		i++;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("vprime_fuzz: seed %llu (replay with --seed %llu)\n", (unsigned long long)seed,
	       (unsigned long long)seed);
	if (find_nodes()) {
		printf("FAIL: vprime fuzz: setup: two vprime instances and vgem needed\n");
		return 1;
	}
	ioctls =
	    mmap(NULL, sizeof(*ioctls), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (ioctls == MAP_FAILED) {
		printf("FAIL: vprime fuzz: setup: %s\n", strerror(errno));
		return 1;
	}
	*ioctls = 0;
	rng = seed;
	for (int i = 0; i < NDMABUF; i++)
		dmabufs[i] = -1;
	for (int i = 0; i < NFILE; i++)
		file_open(i);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	run_ops(ops, secs ? time(NULL) + (time_t)secs : 0, false);
	clock_gettime(CLOCK_MONOTONIC, &t1);

	for (int i = 0; i < NMAP; i++)
		if (maps[i].addr)
			munmap(maps[i].addr, maps[i].len);
	for (int i = 0; i < NDMABUF; i++)
		if (dmabufs[i] >= 0)
			close(dmabufs[i]);
	for (int i = 0; i < NFILE; i++)
		file_close(i);

	printf("vprime_fuzz: %llu ioctls in %.1f s (seed %llu)\n", (unsigned long long)*ioctls,
	       (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
	       (unsigned long long)seed);
	printf("PASS: vprime fuzz: %llu ioctls without a crash\n", (unsigned long long)*ioctls);
	for (int i = 0; i < 2; i++) {
		static const char *const keys[] = { "objects", "pages", "vmaps", "leaks" };
		char bad[160] = "";

		for (int k = 0; k < 4; k++) {
			long long v = total(i, keys[k]);

			if (v)
				snprintf(bad + strlen(bad), sizeof(bad) - strlen(bad), " %s %lld",
					 keys[k], v);
		}
		if (bad[0]) {
			printf("FAIL: vprime fuzz: instance %d totals back to 0:%s (seed %llu)\n",
			       i, bad, (unsigned long long)seed);
			failed = 1;
		} else {
			printf("PASS: vprime fuzz: instance %d totals back to 0\n", i);
		}
	}
	return failed;
}
