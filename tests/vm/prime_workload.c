// SPDX-License-Identifier: GPL-2.0
/*
 * prime_workload: drive every PRIME path once, on two vprime devices (a, b)
 * and vgem (v), and say what was done, so that a trace can be matched to
 * it step by step.
 *
 * Each step prints one line:
 *
 *   STEP <n> <name> t0=<ns> t1=<ns> key=value...
 *
 * t0 and t1 are CLOCK_MONOTONIC (the clock of bpf_ktime_get_ns()) before
 * and after the step; the keys name what the step used and got: device
 * (driver, minor, devname = the name of its struct device), handle, fd,
 * ino (fstat() of the dma-buf fd), size, ret (0 or -errno), and for vprime
 * objects the debugfs truth read right after the step: refcount, handles.
 *
 *   prime_workload              the scenario
 *   prime_workload --burst N    N exports of one vprime object, each fd closed;
 *                               prints how long the N took (ns=)
 *   prime_workload --roundtrip N  N PRIME round trips of one vprime object:
 *                               export, import into vgem, close the vgem
 *                               handle, close the fd; prints how long (ns=)
 *   prime_workload --heap       a dma-buf from /dev/dma_heap/system, no DRM at all
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/dma-heap.h>
#include <xf86drm.h>

#include "vprime_drm.h"
#include "vprime_truth.h"

struct dev {
	char role;
	char node[32];
	char driver[32];
	char devname[64];
	int minor;
	int debugfs; /* vprime instance, -1 when not vprime */
	int fd;
};

static struct dev devs[3]; /* a, b, v */
static int nstep;

static uint64_t now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int open_dev(struct dev *d, int minor)
{
	char path[128], link[256];
	drmVersionPtr v;
	ssize_t n;

	snprintf(d->node, sizeof(d->node), "/dev/dri/card%d", minor);
	d->fd = open(d->node, O_RDWR | O_CLOEXEC);
	if (d->fd < 0)
		return -1;
	v = drmGetVersion(d->fd);
	if (!v) {
		close(d->fd);
		return -1;
	}
	snprintf(d->driver, sizeof(d->driver), "%.31s", v->name);
	drmFreeVersion(v);
	d->minor = minor;
	snprintf(path, sizeof(path), "/sys/class/drm/card%d/device", minor);
	n = readlink(path, link, sizeof(link) - 1);
	if (n > 0) {
		link[n] = '\0';
		snprintf(d->devname, sizeof(d->devname), "%.63s",
			 strrchr(link, '/') ? strrchr(link, '/') + 1 : link);
	}
	d->debugfs = -1;
	for (int i = 0; i < 8; i++) {
		char buf[64];
		int card, render;

		if (vprime_debugfs_read(i, "card", buf, sizeof(buf)) > 0 &&
		    vprime_parse_card(buf, &card, &render) && card == minor)
			d->debugfs = i;
	}
	return 0;
}

/* a = first vprime, b = second vprime, v = vgem */
static int find_devices(void)
{
	int nvprime = 0;

	for (int minor = 0; minor < 64; minor++) {
		struct dev d = { 0 };

		if (open_dev(&d, minor))
			continue;
		if (!strcmp(d.driver, "vprime") && nvprime < 2) {
			d.role = nvprime ? 'b' : 'a';
			devs[nvprime++] = d;
		} else if (!strcmp(d.driver, "vgem") && !devs[2].role) {
			d.role = 'v';
			devs[2] = d;
		} else {
			close(d.fd);
		}
	}
	if (nvprime < 2 || !devs[2].role) {
		fprintf(stderr, "prime_workload: needs two vprime devices and vgem\n");
		return -1;
	}
	printf("WORKLOAD pid=%d", getpid());
	for (int i = 0; i < 3; i++)
		printf(" %c=card%d:%s:%s", devs[i].role, devs[i].minor, devs[i].driver,
		       devs[i].devname);
	printf("\n");
	return 0;
}

/* debugfs truth about the object on d whose dmabuf is ino, or whose id is id */
struct truth {
	int refcount, handles;
	unsigned long ino;
};

static void read_truth(const struct dev *d, unsigned int id, unsigned long ino, struct truth *t)
{
	char path[96], line[512];
	struct vprime_obj o;
	FILE *f;

	t->refcount = t->handles = -1;
	t->ino = 0;
	if (d->debugfs < 0)
		return;
	vprime_debugfs_path(path, sizeof(path), d->debugfs, "objects");
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (!vprime_parse_obj(line, &o))
			continue;
		if ((id && o.id == id) || (!id && ino && o.dmabuf == ino)) {
			t->refcount = o.refcount;
			t->handles = o.handles;
			t->ino = o.dmabuf;
			break;
		}
	}
	fclose(f);
}

static void step_begin(const char *name, uint64_t *t0)
{
	nstep++;
	printf("STEP %d %s", nstep, name);
	*t0 = now();
}

/* the rest of the line: t0, t1 then the keys */
static void step_end(uint64_t t0, uint64_t t1, const char *fmt, ...)
{
	va_list ap;

	printf(" t0=%llu t1=%llu ", (unsigned long long)t0, (unsigned long long)t1);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static void dev_keys(char *buf, size_t len, const struct dev *d)
{
	snprintf(buf, len, "dev=%c driver=%s minor=%d devname=%s", d->role, d->driver, d->minor,
		 d->devname);
}

static unsigned long fd_ino(int fd)
{
	struct stat st;

	return fd >= 0 && !fstat(fd, &st) ? st.st_ino : 0;
}

static int create(struct dev *d, uint64_t size, uint32_t *handle, uint32_t *id)
{
	*id = 0;
	if (!strcmp(d->driver, "vprime")) {
		struct drm_vprime_create c = { .size = size };

		if (drmIoctl(d->fd, DRM_IOCTL_VPRIME_CREATE, &c))
			return -errno;
		*handle = c.handle;
		*id = c.id;
		return 0;
	} else {
		/* one row of 32-bit pixels, size bytes long */
		struct drm_mode_create_dumb c = { .width = size / 4, .height = 1, .bpp = 32 };

		if (drmIoctl(d->fd, DRM_IOCTL_MODE_CREATE_DUMB, &c))
			return -errno;
		*handle = c.handle;
		return 0;
	}
}

static int gem_close(struct dev *d, uint32_t handle)
{
	struct drm_gem_close c = { .handle = handle };

	return drmIoctl(d->fd, DRM_IOCTL_GEM_CLOSE, &c) ? -errno : 0;
}

static int export(struct dev *d, uint32_t handle, int *fd)
{
	*fd = -1;
	return drmPrimeHandleToFD(d->fd, handle, DRM_CLOEXEC | DRM_RDWR, fd) ? -errno : 0;
}

static int import(struct dev *d, int fd, uint32_t *handle)
{
	*handle = 0;
	return drmPrimeFDToHandle(d->fd, fd, handle) ? -errno : 0;
}

/*
 * n exports of one vprime object, each fd closed (--burst), or n round
 * trips (--roundtrip): export, import into vgem (attach, map), close the
 * vgem handle and the fd
 */
static int timed_loop(int n, bool roundtrip)
{
	struct dev *a = &devs[0], *v = &devs[2];
	uint32_t handle, id, hv;
	int ok = 0, fd, ret;
	uint64_t t0;

	ret = create(a, 4096, &handle, &id);
	if (ret) {
		fprintf(stderr, "prime_workload: create: %s\n", strerror(-ret));
		return 1;
	}
	t0 = now();
	for (int i = 0; i < n; i++) {
		if (export(a, handle, &fd))
			continue;
		if (!roundtrip) {
			ok++;
		} else if (import(v, fd, &hv) == 0) {
			ok++;
			gem_close(v, hv);
		}
		close(fd);
	}
	t0 = now() - t0;
	gem_close(a, handle);
	printf("%s n=%d %s=%d ns=%llu\n", roundtrip ? "ROUNDTRIP" : "BURST", n,
	       roundtrip ? "done" : "exported", ok, (unsigned long long)t0);
	return ok == n ? 0 : 1;
}

/* dma-buf without DRM: allocate from the system heap, map it, drop it */
static int heap(void)
{
	struct dma_heap_allocation_data alloc = { .len = 8192, .fd_flags = O_RDWR | O_CLOEXEC };
	int fd = open("/dev/dma_heap/system", O_RDONLY | O_CLOEXEC), ret;
	unsigned long ino;
	uint64_t t0;
	void *p;

	if (fd < 0) {
		fprintf(stderr, "prime_workload: /dev/dma_heap/system: %s\n", strerror(errno));
		return 77;
	}
	printf("WORKLOAD pid=%d heap=system\n", getpid());
	step_begin("heap_alloc", &t0);
	ret = ioctl(fd, DMA_HEAP_IOCTL_ALLOC, &alloc) ? -errno : 0;
	ino = fd_ino(ret ? -1 : (int)alloc.fd);
	step_end(t0, now(), "fd=%d ino=%lu size=%llu ret=%d", ret ? -1 : (int)alloc.fd, ino,
		 (unsigned long long)alloc.len, ret);
	close(fd);
	if (ret)
		return 1;
	step_begin("heap_mmap", &t0);
	p = mmap(NULL, alloc.len, PROT_READ | PROT_WRITE, MAP_SHARED, alloc.fd, 0);
	ret = p == MAP_FAILED ? -errno : 0;
	if (!ret)
		munmap(p, alloc.len);
	step_end(t0, now(), "fd=%d ino=%lu len=%llu ret=%d", (int)alloc.fd, ino,
		 (unsigned long long)alloc.len, ret);
	step_begin("heap_close", &t0);
	close(alloc.fd);
	step_end(t0, now(), "ino=%lu size=%llu", ino, (unsigned long long)alloc.len);
	printf("DONE steps=%d\n", nstep);
	return 0;
}

int main(int argc, char **argv)
{
	struct dev *a = &devs[0], *b = &devs[1], *v = &devs[2];
	uint32_t ha = 0, hb = 0, hv = 0, h, id_a = 0, id, hv2 = 0, ha2 = 0, ha3 = 0, ha4 = 0;
	int fd1 = -1, fd2 = -1, fd3 = -1, fd4 = -1, ret, a2fd = -1;
	const uint64_t size_a = 64 * 1024, size_v = 32 * 1024, size_a3 = 16 * 1024;
	char dk[192], dk2[192];
	unsigned long ino1 = 0, ino3 = 0, ino4 = 0;
	struct truth t;
	uint64_t t0;
	void *p;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && !strcmp(argv[1], "--heap"))
		return heap();
	if (find_devices())
		return 77;
	if (argc == 3 && !strcmp(argv[1], "--burst"))
		return timed_loop(atoi(argv[2]), false);
	if (argc == 3 && !strcmp(argv[1], "--roundtrip"))
		return timed_loop(atoi(argv[2]), true);

	/* a vprime object, exported twice, imported back, into b and into vgem */
	dev_keys(dk, sizeof(dk), a);
	step_begin("create_a", &t0);
	ret = create(a, size_a, &ha, &id_a);
	read_truth(a, id_a, 0, &t);
	step_end(t0, now(), "%s handle=%u size=%llu id=%u ret=%d refcount=%d handles=%d", dk, ha,
		 (unsigned long long)size_a, id_a, ret, t.refcount, t.handles);

	step_begin("export_a", &t0);
	ret = export(a, ha, &fd1);
	ino1 = fd_ino(fd1);
	read_truth(a, id_a, 0, &t);
	step_end(t0, now(), "%s handle=%u fd=%d ino=%lu size=%llu ret=%d refcount=%d handles=%d",
		 dk, ha, fd1, ino1, (unsigned long long)size_a, ret, t.refcount, t.handles);

	step_begin("reexport_a", &t0);
	ret = export(a, ha, &fd2);
	read_truth(a, id_a, 0, &t);
	step_end(t0, now(), "%s handle=%u fd=%d ino=%lu size=%llu ret=%d refcount=%d handles=%d",
		 dk, ha, fd2, fd_ino(fd2), (unsigned long long)size_a, ret, t.refcount, t.handles);

	step_begin("selfimport_a", &t0);
	ret = import(a, fd1, &h);
	read_truth(a, id_a, 0, &t);
	step_end(t0, now(), "%s handle=%u fd=%d ino=%lu size=%llu ret=%d refcount=%d handles=%d",
		 dk, h, fd1, ino1, (unsigned long long)size_a, ret, t.refcount, t.handles);

	dev_keys(dk2, sizeof(dk2), b);
	step_begin("import_b", &t0);
	ret = import(b, fd1, &hb);
	read_truth(b, 0, ino1, &t);
	step_end(t0, now(),
		 "%s handle=%u fd=%d ino=%lu size=%llu ret=%d refcount=%d handles=%d "
		 "exp_driver=%s exp_minor=%d",
		 dk2, hb, fd1, ino1, (unsigned long long)size_a, ret, t.refcount, t.handles,
		 a->driver, a->minor);

	dev_keys(dk2, sizeof(dk2), v);
	step_begin("import_v", &t0);
	ret = import(v, fd1, &hv);
	step_end(t0, now(),
		 "%s handle=%u fd=%d ino=%lu size=%llu ret=%d exp_driver=%s exp_minor=%d", dk2, hv,
		 fd1, ino1, (unsigned long long)size_a, ret, a->driver, a->minor);

	step_begin("mmap", &t0);
	p = mmap(NULL, size_a, PROT_READ | PROT_WRITE, MAP_SHARED, fd1, 0);
	ret = p == MAP_FAILED ? -errno : 0;
	if (!ret) {
		((volatile char *)p)[0] = 1;
		munmap(p, size_a);
	}
	step_end(t0, now(), "%s fd=%d ino=%lu len=%llu ret=%d", dk, fd1, ino1,
		 (unsigned long long)size_a, ret);

	/* b's object is an import: its vmap goes to the exporter, dma_buf_vmap() */
	dev_keys(dk2, sizeof(dk2), b);
	step_begin("vmap_b", &t0);
	{
		struct drm_vprime_vmap m = { .handle = hb };

		ret = drmIoctl(b->fd, DRM_IOCTL_VPRIME_VMAP, &m) ? -errno : 0;
	}
	step_end(t0, now(), "%s handle=%u ino=%lu ret=%d", dk2, hb, ino1, ret);

	step_begin("vunmap_b", &t0);
	{
		struct drm_vprime_vmap m = { .handle = hb };

		ret = drmIoctl(b->fd, DRM_IOCTL_VPRIME_VUNMAP, &m) ? -errno : 0;
	}
	step_end(t0, now(), "%s handle=%u ino=%lu ret=%d", dk2, hb, ino1, ret);

	step_begin("close_b", &t0);
	ret = gem_close(b, hb);
	step_end(t0, now(), "%s handle=%u ino=%lu size=%llu ret=%d", dk2, hb, ino1,
		 (unsigned long long)size_a, ret);

	dev_keys(dk2, sizeof(dk2), v);
	step_begin("close_v", &t0);
	ret = gem_close(v, hv);
	step_end(t0, now(), "%s handle=%u ino=%lu ret=%d", dk2, hv, ino1, ret);

	step_begin("close_fds", &t0);
	close(fd1);
	close(fd2);
	read_truth(a, id_a, 0, &t);
	step_end(t0, now(), "%s ino=%lu refcount=%d handles=%d", dk, ino1, t.refcount, t.handles);

	/* the last handle goes: the dma-buf and then the object are freed */
	step_begin("close_a", &t0);
	ret = gem_close(a, ha);
	step_end(t0, now(), "%s handle=%u ino=%lu size=%llu ret=%d", dk, ha, ino1,
		 (unsigned long long)size_a, ret);

	/* the other way round: vgem exports, vprime imports */
	dev_keys(dk2, sizeof(dk2), v);
	step_begin("create_v", &t0);
	ret = create(v, size_v, &hv2, &id);
	step_end(t0, now(), "%s handle=%u size=%llu ret=%d", dk2, hv2, (unsigned long long)size_v,
		 ret);

	step_begin("export_v", &t0);
	ret = export(v, hv2, &fd3);
	ino3 = fd_ino(fd3);
	step_end(t0, now(), "%s handle=%u fd=%d ino=%lu size=%llu ret=%d", dk2, hv2, fd3, ino3,
		 (unsigned long long)size_v, ret);

	step_begin("import_a_from_v", &t0);
	ret = import(a, fd3, &ha2);
	read_truth(a, 0, ino3, &t);
	step_end(t0, now(),
		 "%s handle=%u fd=%d ino=%lu size=%llu ret=%d refcount=%d handles=%d "
		 "exp_driver=%s exp_minor=%d",
		 dk, ha2, fd3, ino3, (unsigned long long)size_v, ret, t.refcount, t.handles,
		 v->driver, v->minor);

	/* a second file on a: a self-import that is not in this file's cache */
	step_begin("create_a3", &t0);
	ret = create(a, size_a3, &ha3, &id);
	step_end(t0, now(), "%s handle=%u size=%llu id=%u ret=%d", dk, ha3,
		 (unsigned long long)size_a3, id, ret);

	step_begin("export_a3", &t0);
	ret = export(a, ha3, &fd4);
	ino4 = fd_ino(fd4);
	read_truth(a, id, 0, &t);
	step_end(t0, now(), "%s handle=%u fd=%d ino=%lu size=%llu ret=%d refcount=%d handles=%d",
		 dk, ha3, fd4, ino4, (unsigned long long)size_a3, ret, t.refcount, t.handles);

	a2fd = open(a->node, O_RDWR | O_CLOEXEC);
	step_begin("import_a2", &t0);
	ret = drmPrimeFDToHandle(a2fd, fd4, &ha4) ? -errno : 0;
	read_truth(a, id, 0, &t);
	step_end(t0, now(), "%s handle=%u fd=%d ino=%lu size=%llu ret=%d refcount=%d handles=%d",
		 dk, ha4, fd4, ino4, (unsigned long long)size_a3, ret, t.refcount, t.handles);

	/* errors carry their return code */
	step_begin("err_handle", &t0);
	ret = export(a, 0x7fffffff, &fd2);
	step_end(t0, now(), "%s handle=%u ret=%d", dk, 0x7fffffff, ret);

	step_begin("err_fd", &t0);
	{
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

		ret = import(a, null, &h);
		step_end(t0, now(), "%s fd=%d ret=%d", dk, null, ret);
		close(null);
	}

	/* closing the DRM files releases the handles still open */
	close(fd3);
	close(fd4);
	step_begin("close_files", &t0);
	close(a2fd);
	close(a->fd);
	close(b->fd);
	close(v->fd);
	step_end(t0, now(), "%s handles=%u,%u,%u,%u ino_v=%lu ino_a3=%lu", dk, ha2, ha3, ha4, hv2,
		 ino3, ino4);
	printf("DONE steps=%d\n", nstep);
	return 0;
}
