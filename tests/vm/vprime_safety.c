// SPDX-License-Identifier: GPL-2.0
/*
 * vprime_safety: what an unprivileged render-node user can ask of vprime,
 * and the bounds docs/security.md promises. Runs in the test VM, as root,
 * with vprime loaded (devices >= 2).
 *
 *   vprime_safety checks        every check below; PASS/FAIL lines
 *   vprime_safety leak import   leave an import_skip_prime_destroy leak of a
 *                               dma-buf vprime exported (for the rmmod test)
 *   vprime_safety leak ref      leave an export_extra_ref leak
 *
 * checks:
 *   vmap: one file's VPRIME_VUNMAP cannot undo another's kernel mapping, nor
 *         one the dma-buf core took for an importer (EINVAL);
 *   vmap bound: VPRIME_VMAP_MAX mappings of one object, then ENOSPC;
 *   lazy: a 2 GiB object costs no pages until used; debugfs 'pages=' and
 *         'totals' say what is allocated; pages are charged to the memory
 *         cgroup of the task that makes them;
 *   uapi: non-zero unused fields are EINVAL.
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
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xf86drm.h>
#include <drm_mode.h>

#include "vprime_drm.h"
#include "vprime_truth.h"
#include "vp_ioctl.h"

#define DEBUGFS VPRIME_DEBUGFS
#define PAGE	4096
#define CGROOT	"/sys/fs/cgroup"

static int failures;

static void report(bool ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		printf("PASS: vprime safety: %s\n", name);
		return;
	}
	printf("FAIL: vprime safety: %s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	failures++;
}

static void skip(const char *name, const char *why)
{
	printf("SKIP: vprime safety: %s: %s\n", name, why);
}

static int read_text(const char *path, char *buf, size_t len)
{
	size_t n = 0;
	ssize_t r;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	while (n < len - 1 && (r = read(fd, buf + n, len - 1 - n)) > 0)
		n += r;
	close(fd);
	buf[n] = 0;
	return n;
}

static int write_text(const char *path, const char *val)
{
	int fd, ret = 0;

	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static int dbg_write(int inst, const char *file, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), DEBUGFS "/%d/%s", inst, file);
	return write_text(path, val);
}

/* pages= of object @id's line in instance @inst's 'objects', or -1 */
static long long obj_pages(int inst, unsigned int id)
{
	static char buf[1 << 16];
	char *line, *save;
	struct vprime_obj o;

	if (vprime_debugfs_read(inst, "objects", buf, sizeof(buf)) < 0)
		return -1;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (vprime_parse_obj(line, &o) && o.id == id)
			return o.pages;
	return -1;
}

/* value of line "@key N" in instance @inst's 'totals', or -1 */
static long long total(int inst, const char *key)
{
	return vprime_debugfs_count(inst, "totals", key);
}

static int vp_offset(int fd, uint32_t handle, uint64_t *offset)
{
	struct drm_vprime_map_offset m = { .handle = handle };
	int ret = vp_xioctl(fd, DRM_IOCTL_VPRIME_MAP_OFFSET, &m);

	*offset = m.offset;
	return ret;
}

/* both instances back to no object, no page, no mapping */
static void expect_empty(const char *name)
{
	for (int i = 0; i < 2; i++) {
		long long o = total(i, "objects"), p = total(i, "pages"), v = total(i, "vmaps");

		report(o == 0 && p == 0 && v == 0, name,
		       "instance %d: objects %lld pages %lld vmaps %lld", i, o, p, v);
	}
}

/*
 * A exported by instance 0 and imported as B by instance 1: B's VMAP goes
 * through the dma-buf core to A's vmap. A VUNMAP of A by its own file,
 * which never mapped A, must not take that mapping away.
 */
static void check_vmap_accounting(void)
{
	int f0 = vp_open(0, false), f0b = vp_open(0, false), f1 = vp_open(1, false);
	uint32_t a, b, a2;
	uint64_t v = 0;
	int dfd, ret;

	if (f0 < 0 || f0b < 0 || f1 < 0 || vp_create(f0, 2 * PAGE, &a, NULL) ||
	    vp_prime_export(f0, a, &dfd) || vp_prime_import(f1, dfd, &b)) {
		report(false, "vmap: setup", "%s", strerror(errno));
		return;
	}
	report(vp_vmap(f1, b, 0, &v) == 0, "vmap: an import maps through the exporter", "refused");
	ret = vp_vunmap(f0, a);
	report(ret == -EINVAL, "vmap: VUNMAP of the exporter's object without a VMAP is EINVAL",
	       "got %d", ret);
	if (!ret)
		vp_vmap(f0, a, 0, NULL); /* give A its count back before going on */
	report(vp_vmap(f1, b, 0, &v) == 0 && v == 0, "vmap: the import still maps after that",
	       "value %llx", (unsigned long long)v);
	report(vp_vunmap(f1, b) == 0 && vp_vunmap(f1, b) == 0 && vp_vunmap(f1, b) == -EINVAL,
	       "vmap: the import's two VMAPs undone, the third VUNMAP EINVAL", "unbalanced");

	/* a second file of the same device, with a handle of A */
	report(vp_vmap(f0, a, 0, NULL) == 0, "vmap: the owner maps A", "refused");
	if (vp_prime_import(f0b, dfd, &a2)) {
		report(false, "vmap: second file: import", "%s", strerror(errno));
	} else {
		ret = vp_vunmap(f0b, a2);
		report(ret == -EINVAL, "vmap: another file's VUNMAP of A is EINVAL", "got %d", ret);
		if (!ret)
			vp_vmap(f0b, a2, 0, NULL);
	}
	report(vp_vunmap(f0, a) == 0, "vmap: the owner's VUNMAP", "refused");

	/* mappings nobody gave back die with the object */
	report(vp_vmap(f1, b, 0, NULL) == 0 && vp_vmap(f0b, a2, 0, NULL) == 0,
	       "vmap: mappings left to the objects' free", "refused");
	close(dfd);
	close(f0);
	close(f0b);
	close(f1);
	expect_empty("vmap: all closed, nothing left");
}

static void check_vmap_bound(void)
{
	int fd = vp_open(0, false), n = 0, ret = 0;
	uint32_t h;

	if (fd < 0 || vp_create(fd, PAGE, &h, NULL)) {
		report(false, "vmap bound: setup", "%s", strerror(errno));
		return;
	}
	while (n <= VPRIME_VMAP_MAX + 16 && !(ret = vp_vmap(fd, h, 0, NULL)))
		n++;
	report(n == VPRIME_VMAP_MAX && ret == -ENOSPC, "vmap bound: VPRIME_VMAP_MAX, then ENOSPC",
	       "%d mappings, then %d", n, ret);
	report(total(0, "vmaps") == n, "vmap bound: totals counts them", "totals vmaps %lld",
	       total(0, "vmaps"));
	close(fd); /* the object, freed, gives all of them back */
	expect_empty("vmap bound: closed, nothing left");
}

/* the memory cgroup this process runs in, made for the check */
static char cg[128];

static long long cg_current(void)
{
	char path[192], buf[64];

	snprintf(path, sizeof(path), "%s/memory.current", cg);
	return read_text(path, buf, sizeof(buf)) > 0 ? atoll(buf) : -1;
}

static bool cg_enter(void)
{
	char path[192], pid[32];

	mkdir(CGROOT, 0755);
	if (access(CGROOT "/cgroup.controllers", F_OK) && mount("none", CGROOT, "cgroup2", 0, NULL))
		return false;
	write_text(CGROOT "/cgroup.subtree_control", "+memory");
	snprintf(cg, sizeof(cg), CGROOT "/vprime_safety");
	mkdir(cg, 0755);
	snprintf(pid, sizeof(pid), "%d", getpid());
	snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
	return write_text(path, pid) == 0 && cg_current() >= 0;
}

static void cg_leave(void)
{
	char pid[32];

	snprintf(pid, sizeof(pid), "%d", getpid());
	write_text(CGROOT "/cgroup.procs", pid);
	rmdir(cg);
}

static void check_lazy(void)
{
	const uint64_t big = 2ull << 30, touch = 16ull << 20;
	int r = vp_open(0, false), c = vp_open(0, true);
	struct drm_mode_create_dumb d = { .width = 32768, .height = 32768, .bpp = 16 };
	uint32_t h, id;
	uint64_t off, v;
	long long before, after;
	uint8_t *p;
	int ret;

	ret = vp_xioctl(c, DRM_IOCTL_MODE_CREATE_DUMB, &d);
	report(ret == 0 && d.size == big, "lazy: dumb 32768x32768x16bpp (2 GiB) is accepted",
	       "ret %d size %llu", ret, (unsigned long long)d.size);
	if (!ret) {
		report(total(0, "pages") == 0, "lazy: ... and allocates no page",
		       "totals pages %lld", total(0, "pages"));
		vp_gem_close(c, d.handle);
	}
	ret = vp_create(r, 4096ull << 20, &h, NULL);
	report(ret == 0, "lazy: VPRIME_CREATE of 4 GiB is accepted", "got %d", ret);
	if (!ret)
		vp_gem_close(r, h);
	ret = vp_create(r, (4096ull << 20) + 1, &h, NULL);
	report(ret == -E2BIG, "lazy: above max_size_mb (default 4096) is E2BIG", "got %d", ret);

	ret = vp_create(r, big, &h, &id);
	if (ret || vp_offset(r, h, &off)) {
		report(false, "lazy: create 2 GiB", "got %d", ret);
		return;
	}
	report(obj_pages(0, id) == 0, "lazy: debugfs pages=0 after create", "pages=%lld",
	       obj_pages(0, id));
	p = mmap(NULL, big, PROT_READ | PROT_WRITE, MAP_SHARED, r, off);
	if (p == MAP_FAILED) {
		report(false, "lazy: mmap 2 GiB", "%s", strerror(errno));
		return;
	}
	p[0] = 1;
	p[big - 1] = 2;
	report(obj_pages(0, id) == 2 && total(0, "pages") == 2, "lazy: two pages touched, pages=2",
	       "pages=%lld totals %lld", obj_pages(0, id), total(0, "pages"));
	munmap(p, big);
	vp_gem_close(r, h);

	/* a whole small object is allocated by a VMAP, and charged */
	if (!cg_enter()) {
		skip("lazy: memcg charge", "no cgroup2 memory controller");
	} else {
		ret = vp_create(r, touch, &h, &id);
		before = cg_current();
		if (!ret)
			ret = vp_vmap(r, h, 0, &v);
		after = cg_current();
		report(!ret && obj_pages(0, id) == (long long)(touch / PAGE),
		       "lazy: VMAP allocates every page", "ret %d pages=%lld", ret,
		       obj_pages(0, id));
		report(after - before >= (long long)touch,
		       "lazy: the pages are charged to the caller's memory cgroup",
		       "memory.current grew by %lld for %llu bytes", after - before,
		       (unsigned long long)touch);
		vp_gem_close(r, h);
		cg_leave();
	}
	close(r);
	close(c);
	expect_empty("lazy: closed, nothing left");
}

static void check_uapi(void)
{
	int fd = vp_open(0, false);
	struct drm_vprime_info info = { .flags = 1 };
	struct drm_vprime_vmap v = { 0 };
	uint32_t h;
	int ret;

	if (fd < 0 || vp_create(fd, PAGE, &h, NULL)) {
		report(false, "uapi: setup", "%s", strerror(errno));
		return;
	}
	info.handle = h;
	ret = vp_xioctl(fd, DRM_IOCTL_VPRIME_INFO, &info);
	report(ret == -EINVAL, "uapi: INFO with input flags set is EINVAL", "got %d", ret);
	vp_vmap(fd, h, 0, NULL);
	v.handle = h;
	v.offset = 8;
	ret = vp_xioctl(fd, DRM_IOCTL_VPRIME_VUNMAP, &v);
	report(ret == -EINVAL, "uapi: VUNMAP with offset set is EINVAL", "got %d", ret);
	v.offset = 0;
	v.value = 1;
	ret = vp_xioctl(fd, DRM_IOCTL_VPRIME_VUNMAP, &v);
	report(ret == -EINVAL, "uapi: VUNMAP with value set is EINVAL", "got %d", ret);
	v.value = 0;
	ret = vp_xioctl(fd, DRM_IOCTL_VPRIME_VUNMAP, &v);
	report(ret == 0, "uapi: VUNMAP with them 0 works", "got %d", ret);
	close(fd);
	expect_empty("uapi: closed, nothing left");
}

/* leave one leak behind on instance 1 (import) or 0 (ref) */
static int make_leak(const char *kind)
{
	bool import = !strcmp(kind, "import");
	int f0 = vp_open(0, false), f1 = vp_open(1, false), dfd;
	const char *knob = import ? "faults/import_skip_prime_destroy" : "faults/export_extra_ref";
	int inst = import ? 1 : 0;
	uint32_t a, b;

	if (f0 < 0 || f1 < 0 || dbg_write(inst, knob, "1") || vp_create(f0, PAGE, &a, NULL) ||
	    vp_prime_export(f0, a, &dfd) || (import && vp_prime_import(f1, dfd, &b))) {
		fprintf(stderr, "vprime_safety: leak %s: setup failed: %s\n", kind,
			strerror(errno));
		return 1;
	}
	close(dfd);
	close(f0);
	close(f1);
	dbg_write(inst, knob, "0");
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "leak") &&
	    (!strcmp(argv[2], "import") || !strcmp(argv[2], "ref")))
		return make_leak(argv[2]);
	if (argc != 2 || strcmp(argv[1], "checks")) {
		fprintf(stderr, "usage: vprime_safety checks | leak import|ref\n");
		return 2;
	}
	if (access(DEBUGFS "/1", F_OK)) {
		printf("FAIL: vprime safety: setup: %s/1 missing\n", DEBUGFS);
		return 1;
	}
	check_uapi();
	check_vmap_accounting();
	check_vmap_bound();
	check_lazy();
	return failures ? 1 : 0;
}
