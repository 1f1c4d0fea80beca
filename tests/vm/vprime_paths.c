// SPDX-License-Identifier: GPL-2.0
/*
 * vprime_paths: drive every PRIME path of vprime and compare each value
 * vprime publishes in debugfs (/sys/kernel/debug/vprime/<i>/) with what was
 * done. Runs in the test VM, as root, with vprime loaded (devices >= 2).
 *
 *   vprime_paths paths        every path with faults off: create, mmap,
 *                             vmap, export, self-import, import from and
 *                             into another vprime, vgem and virtio-gpu
 *   vprime_paths unload       module hygiene; unloads vprime (run last)
 *   vprime_paths fault NAME   run NAME's scenario with the knob off, then
 *                             on, and check that exactly the documented
 *                             ground-truth values differ
 *   vprime_paths faults       every fault in turn
 *
 * Prints PASS/FAIL/SKIP lines; exits 1 if anything failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <xf86drm.h>
#include <drm_mode.h>

#include "vprime_drm.h"
#include "vprime_truth.h"
#include "vp_ioctl.h"

#define DEBUGFS	   VPRIME_DEBUGFS
#define PAGE	   4096
#define MAX_OBJS   64
#define MAX_FILES  16
#define MAX_PRIME  16
#define DMABUF_ANY (~0ul)

static int failures;
static const char *prefix = "vprime";

static void report(bool ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		printf("PASS: %s: %s\n", prefix, name);
	} else {
		printf("FAIL: %s: %s: ", prefix, name);
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		printf("\n");
		failures++;
	}
	fflush(stdout);
}

static void skip(const char *name, const char *why)
{
	printf("SKIP: %s: %s: %s\n", prefix, name, why);
	fflush(stdout);
}

/* --- debugfs ------------------------------------------------------------ */

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

static int dbg_read(int inst, const char *file, char *buf, size_t len)
{
	return vprime_debugfs_read(inst, file, buf, len);
}

static int dbg_write(int inst, const char *file, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), DEBUGFS "/%d/%s", inst, file);
	return write_text(path, val);
}

struct gt_file {
	struct vprime_file f;
	int nentries;
	struct {
		unsigned long dmabuf;
		unsigned int handle;
	} e[MAX_PRIME];
};

/* the ground truth of one vprime instance */
struct gt {
	int nobj;
	struct vprime_obj obj[MAX_OBJS];
	int nfile;
	struct gt_file file[MAX_FILES];
	int nleaks;
	char error[160];
};

static int parse_objects(char *text, struct gt *g)
{
	char *line, *save;
	long long header = -1;

	g->nobj = 0;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct vprime_obj *o = &g->obj[g->nobj];

		if (header < 0 && vprime_parse_count(line, "objects", &header))
			continue;
		/* every key documented, and no other */
		if (g->nobj < MAX_OBJS && vprime_parse_obj(line, o) && o->pages >= 0 &&
		    !o->unknown) {
			g->nobj++;
			continue;
		}
		snprintf(g->error, sizeof(g->error), "objects: bad line '%s'", line);
		return -1;
	}
	if (header != g->nobj) {
		snprintf(g->error, sizeof(g->error), "objects: header %lld, %d lines", header,
			 g->nobj);
		return -1;
	}
	return 0;
}

static int parse_files(char *text, struct gt *g)
{
	struct gt_file *f = NULL;
	char *line, *save;
	int n;

	g->nfile = 0;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned int unknown = 0;

		if (g->nfile < MAX_FILES) {
			f = &g->file[g->nfile];
			memset(f, 0, sizeof(*f));
			if (vprime_parse_file(line, &f->f) && !f->f.unknown) {
				g->nfile++;
				continue;
			}
		}
		f = g->nfile ? &g->file[g->nfile - 1] : NULL;
		/* an entry is indented under its file */
		if (f && f->nentries < MAX_PRIME && !strncmp(line, "  prime ", 8) &&
		    vprime_parse_prime(line, &f->e[f->nentries].dmabuf, &f->e[f->nentries].handle,
				       &unknown) &&
		    !unknown) {
			f->nentries++;
			continue;
		}
		snprintf(g->error, sizeof(g->error), "files: bad line '%s'", line);
		return -1;
	}
	for (n = 0; n < g->nfile; n++) {
		if (g->file[n].f.prime != g->file[n].nentries) {
			snprintf(g->error, sizeof(g->error), "files: prime=%d with %d entries",
				 g->file[n].f.prime, g->file[n].nentries);
			return -1;
		}
	}
	return 0;
}

/* read objects, files and leaks of instance @inst; 0 or -1 (g->error) */
static int gt_read(int inst, struct gt *g)
{
	static char buf[1 << 16];
	long long nleaks;

	memset(g, 0, sizeof(*g));
	if (dbg_read(inst, "objects", buf, sizeof(buf)) < 0) {
		snprintf(g->error, sizeof(g->error), "cannot read %s/%d/objects", DEBUGFS, inst);
		return -1;
	}
	if (parse_objects(buf, g))
		return -1;
	if (dbg_read(inst, "files", buf, sizeof(buf)) < 0) {
		snprintf(g->error, sizeof(g->error), "cannot read files");
		return -1;
	}
	if (parse_files(buf, g))
		return -1;
	if (dbg_read(inst, "leaks", buf, sizeof(buf)) < 0 ||
	    !vprime_text_count(buf, "leaks", &nleaks)) {
		snprintf(g->error, sizeof(g->error), "cannot read leaks");
		return -1;
	}
	g->nleaks = nleaks;
	return 0;
}

static struct vprime_obj *gt_obj(struct gt *g, unsigned int id)
{
	for (int i = 0; i < g->nobj; i++)
		if (g->obj[i].id == id)
			return &g->obj[i];
	return NULL;
}

static struct gt_file *gt_client(struct gt *g, unsigned int client)
{
	for (int i = 0; i < g->nfile; i++)
		if (g->file[i].f.client == client)
			return &g->file[i];
	return NULL;
}

/* --- DRM ------------------------------------------------------------------ */

/* primary node of the first device driven by @driver, or -ENOENT */
static int driver_open(const char *driver)
{
	char node[32];

	for (int i = 0; i < 16; i++) {
		drmVersionPtr v;
		int fd;

		snprintf(node, sizeof(node), "/dev/dri/card%d", i);
		fd = open(node, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		v = drmGetVersion(fd);
		if (v && !strcmp(v->name, driver)) {
			drmFreeVersion(v);
			return fd;
		}
		drmFreeVersion(v);
		close(fd);
	}
	return -ENOENT;
}

static unsigned int vp_id(int fd, uint32_t handle)
{
	struct drm_vprime_info info = { .handle = handle };

	return vp_xioctl(fd, DRM_IOCTL_VPRIME_INFO, &info) ? 0 : info.id;
}

static unsigned int vp_client(int fd)
{
	struct drm_vprime_info info = { 0 };

	return vp_xioctl(fd, DRM_IOCTL_VPRIME_INFO, &info) ? 0 : info.client;
}

static int dumb_create(int fd, uint32_t w, uint32_t h, uint32_t bpp, uint32_t *handle,
		       uint64_t *size)
{
	struct drm_mode_create_dumb c = { .width = w, .height = h, .bpp = bpp };
	int ret = vp_xioctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &c);

	*handle = ret ? 0 : c.handle;
	if (size)
		*size = ret ? 0 : c.size;
	return ret;
}

static void *dumb_mmap(int fd, uint32_t handle, size_t size)
{
	struct drm_mode_map_dumb m = { .handle = handle };
	void *p;

	if (vp_xioctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &m))
		return NULL;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, m.offset);
	return p == MAP_FAILED ? NULL : p;
}

static unsigned long inode_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? 0 : st.st_ino;
}

/*
 * Touching a mapping that the driver maps wrongly raises SIGBUS: turn that
 * into a failed check instead of the end of the test.
 */
static sigjmp_buf fault_jmp;

static void on_fault(int sig)
{
	siglongjmp(fault_jmp, sig);
}

/* fill @len bytes at @p with @val (@check 0) or check they all are @val */
static bool mem_access(uint8_t *p, int val, size_t len, bool check)
{
	struct sigaction sa = { .sa_handler = on_fault }, old_bus, old_segv;
	volatile bool ok = true, done = false;

	sigaction(SIGBUS, &sa, &old_bus);
	sigaction(SIGSEGV, &sa, &old_segv);
	if (!sigsetjmp(fault_jmp, 1)) {
		for (size_t i = 0; i < len && ok; i++) {
			if (check)
				ok = p[i] == (uint8_t)val;
			else
				p[i] = val;
		}
		done = true;
	}
	sigaction(SIGBUS, &old_bus, NULL);
	sigaction(SIGSEGV, &old_segv, NULL);
	return done && ok;
}

static bool mem_fill(uint8_t *p, int val, size_t len)
{
	return mem_access(p, val, len, false);
}

static bool mem_is(uint8_t *p, int val, size_t len)
{
	return mem_access(p, val, len, true);
}

/* --- expectations ----------------------------------------------------------- */

struct want {
	unsigned long long size;
	int refcount, handles;
	unsigned long dmabuf; /* inode, 0, or DMABUF_ANY */
	const char *import;
	int pins, vmaps, mmaps;
};

/* object @id of instance @inst must read exactly @w */
static void expect_obj(const char *step, int inst, unsigned int id, struct want w)
{
	char diff[512] = "";
	struct vprime_obj *o;
	struct gt g;
	size_t n = 0;

	if (gt_read(inst, &g)) {
		report(false, step, "%s", g.error);
		return;
	}
	o = gt_obj(&g, id);
	if (!o) {
		report(false, step, "object id=%u not listed on vprime %d", id, inst);
		return;
	}
#define FIELD(f, fmt, cond)                                                         \
	do {                                                                        \
		if (!(cond))                                                        \
			n += snprintf(diff + n, sizeof(diff) - n,                   \
				      " " #f "=" fmt " (want " fmt ")", o->f, w.f); \
	} while (0)
	FIELD(size, "%llu", o->size == w.size);
	FIELD(refcount, "%d", o->refcount == w.refcount);
	FIELD(handles, "%d", o->handles == w.handles);
	FIELD(dmabuf, "%lu", w.dmabuf == DMABUF_ANY ? o->dmabuf != 0 : o->dmabuf == w.dmabuf);
	FIELD(import, "%s", !strcmp(o->import, w.import));
	FIELD(pins, "%d", o->pins == w.pins);
	FIELD(vmaps, "%d", o->vmaps == w.vmaps);
	FIELD(mmaps, "%d", o->mmaps == w.mmaps);
#undef FIELD
	report(!diff[0], step, "vprime %d id=%u:%s", inst, id, diff);
}

static void expect_gone(const char *step, int inst, unsigned int id)
{
	struct gt g;

	if (gt_read(inst, &g)) {
		report(false, step, "%s", g.error);
		return;
	}
	report(!gt_obj(&g, id), step, "object id=%u still listed on vprime %d", id, inst);
}

static void expect_count(const char *step, int inst, int objects)
{
	struct gt g;

	if (gt_read(inst, &g)) {
		report(false, step, "%s", g.error);
		return;
	}
	report(g.nobj == objects, step, "vprime %d lists %d objects, want %d", inst, g.nobj,
	       objects);
}

/*
 * file @client of instance @inst: @handles handles, and exactly the PRIME
 * cache entries given as (dmabuf inode, handle) pairs
 */
static void expect_file(const char *step, int inst, unsigned int client, int handles, int nprime,
			...)
{
	struct gt_file *f;
	char diff[256] = "";
	size_t n = 0;
	struct gt g;
	va_list ap;

	if (gt_read(inst, &g)) {
		report(false, step, "%s", g.error);
		return;
	}
	f = gt_client(&g, client);
	if (!f) {
		report(false, step, "client %u not listed on vprime %d", client, inst);
		return;
	}
	if (f->f.pid != getpid())
		n += snprintf(diff + n, sizeof(diff) - n, " pid=%d (want %d)", f->f.pid, getpid());
	if (strcmp(f->f.comm, "vprime_paths"))
		n += snprintf(diff + n, sizeof(diff) - n, " comm=%s", f->f.comm);
	if (f->f.handles != handles)
		n += snprintf(diff + n, sizeof(diff) - n, " handles=%d (want %d)", f->f.handles,
			      handles);
	if (f->f.prime != nprime)
		n +=
		    snprintf(diff + n, sizeof(diff) - n, " prime=%d (want %d)", f->f.prime, nprime);
	va_start(ap, nprime);
	for (int i = 0; i < nprime; i++) {
		unsigned long ino = va_arg(ap, unsigned long);
		unsigned int handle = va_arg(ap, unsigned int);
		bool found = false;

		for (int j = 0; j < f->nentries; j++)
			found |= f->e[j].dmabuf == ino && f->e[j].handle == handle;
		if (!found)
			n += snprintf(diff + n, sizeof(diff) - n, " no entry dmabuf=%lu handle=%u",
				      ino, handle);
	}
	va_end(ap);
	report(!diff[0], step, "client %u:%s", client, diff);
}

static bool clean(const char *step)
{
	bool ok = true;
	struct gt g;

	for (int i = 0; i < 2; i++) {
		if (gt_read(i, &g)) {
			report(false, step, "%s", g.error);
			return false;
		}
		ok &= g.nobj == 0 && g.nleaks == 0;
		for (int j = 0; j < g.nfile; j++)
			ok &= g.file[j].f.pid != getpid();
	}
	report(ok, step, "objects, leaks or files of this process left on vprime 0/1");
	return ok;
}

/* --- every path, faults off ------------------------------------------------------------ */

static void test_debugfs(void)
{
	const char *files[] = { "card", "objects", "files", "imports", "leaks" };
	char buf[256], path[128];
	int card, render;
	bool ok = true;

	for (int i = 0; i < 2; i++) {
		for (unsigned int j = 0; j < sizeof(files) / sizeof(files[0]); j++)
			ok &= dbg_read(i, files[j], buf, sizeof(buf)) >= 0;
		ok &= dbg_read(i, "card", buf, sizeof(buf)) > 0 &&
		      vprime_parse_card(buf, &card, &render);
		snprintf(path, sizeof(path), "/dev/dri/card%d", card);
		ok &= access(path, F_OK) == 0;
		snprintf(path, sizeof(path), "/dev/dri/renderD%d", render);
		ok &= access(path, F_OK) == 0;
	}
	report(ok, "debugfs: two instances, 'card' names nodes that exist", "missing file or node");

	ok = true;
	for (int i = 0; i < 2; i++) {
		const char *names[] = {
			"export_extra_ref", "import_skip_prime_destroy", "unpin_noop",
			"no_get_sg_table",  "import_bypass_cache",	 "export_bypass_cache",
			"no_self_import",   "export_new_dmabuf",	 "dmabuf_mmap_wrong_page"
		};

		for (unsigned int j = 0; j < sizeof(names) / sizeof(names[0]); j++) {
			snprintf(path, sizeof(path), "faults/%s", names[j]);
			ok &= dbg_read(i, path, buf, sizeof(buf)) > 0 &&
			      (!strcmp(buf, "0\n") || !strcmp(buf, "unsupported\n"));
		}
	}
	report(ok, "debugfs: every fault knob exists and is off", "a knob is missing or on");
	clean("debugfs: no objects, leaks or files at start");
}

static void test_create(int r0, int c0)
{
	struct drm_vprime_create c;
	struct drm_vprime_info info;
	uint32_t h, id, h2;
	uint64_t size;
	int ret;

	c = (struct drm_vprime_create){ .size = 0 };
	report(vp_xioctl(r0, DRM_IOCTL_VPRIME_CREATE, &c) == -EINVAL, "create: size 0 is EINVAL",
	       "got %d", vp_xioctl(r0, DRM_IOCTL_VPRIME_CREATE, &c));
	c = (struct drm_vprime_create){ .size = PAGE, .flags = 1 };
	report(vp_xioctl(r0, DRM_IOCTL_VPRIME_CREATE, &c) == -EINVAL,
	       "create: unknown flags are EINVAL", "accepted");
	c = (struct drm_vprime_create){ .size = PAGE, .flags = VPRIME_CREATE_NO_SG | (1u << 31) };
	report(vp_xioctl(r0, DRM_IOCTL_VPRIME_CREATE, &c) == -EINVAL,
	       "create: VPRIME_CREATE_NO_SG with an unknown flag is EINVAL", "accepted");
	c = (struct drm_vprime_create){ .size = PAGE, .pad = 1 };
	report(vp_xioctl(r0, DRM_IOCTL_VPRIME_CREATE, &c) == -EINVAL, "create: pad is EINVAL",
	       "accepted");
	c = (struct drm_vprime_create){ .size = (4096ull << 20) + 1 };
	report(vp_xioctl(r0, DRM_IOCTL_VPRIME_CREATE, &c) == -E2BIG,
	       "create: above max_size_mb (4096) is E2BIG", "not refused with E2BIG");
	c = (struct drm_vprime_create){ .size = UINT64_MAX };
	report(vp_xioctl(r0, DRM_IOCTL_VPRIME_CREATE, &c) == -E2BIG,
	       "create: UINT64_MAX (page rounding would overflow) is E2BIG",
	       "not refused with E2BIG");
	expect_count("create: refused sizes leave no object", 0, 0);

	c = (struct drm_vprime_create){ .size = 3 * PAGE - 100 };
	ret = vp_xioctl(r0, DRM_IOCTL_VPRIME_CREATE, &c);
	report(!ret && c.size == 3 * PAGE && c.handle && c.id,
	       "create: 3 pages less 100 bytes round up to 3 pages", "ret %d size %llu", ret,
	       (unsigned long long)c.size);
	expect_obj("create: ground truth of a new object", 0, c.id,
		   (struct want){ .size = 3 * PAGE, .refcount = 1, .handles = 1, .import = "-" });
	expect_file("create: the file holds one handle", 0, vp_client(r0), 1, 0);

	info = (struct drm_vprime_info){ .handle = c.handle };
	ret = vp_xioctl(r0, DRM_IOCTL_VPRIME_INFO, &info);
	report(!ret && info.id == c.id && info.size == 3 * PAGE && info.flags == 0 &&
		   info.client == vp_client(r0),
	       "info: id, size, flags and client", "ret %d id %u size %llu flags %#x", ret, info.id,
	       (unsigned long long)info.size, info.flags);
	info = (struct drm_vprime_info){ .handle = 9999 };
	report(vp_xioctl(r0, DRM_IOCTL_VPRIME_INFO, &info) == -ENOENT,
	       "info: unknown handle is ENOENT", "not ENOENT");

	report(!vp_gem_close(r0, c.handle), "create: GEM_CLOSE", "failed");
	expect_gone("create: closing the only handle frees the object", 0, c.id);

	/* dumb buffers: primary node only */
	ret = dumb_create(r0, 64, 64, 32, &h, &size);
	report(ret == -EACCES, "dumb: refused on the render node (EACCES)", "got %d", ret);
	ret = dumb_create(c0, 0, 64, 32, &h, &size);
	report(ret == -EINVAL, "dumb: width 0 is EINVAL", "got %d", ret);
	ret = dumb_create(c0, 32768, 32768, 16, &h, &size);
	report(!ret && size == 2ull << 30, "dumb: 32768x32768x16 (2 GiB, pages on first use)",
	       "got %d", ret);
	if (!ret)
		vp_gem_close(c0, h);
	ret = dumb_create(c0, 64, 64, 32, &h, &size);
	id = ret ? 0 : vp_id(c0, h);
	report(!ret && size == 64 * 64 * 4 && id, "dumb: 64x64x32 on the primary node",
	       "ret %d size %llu", ret, (unsigned long long)size);
	expect_obj("dumb: ground truth", 0, id,
		   (struct want){ .size = 16384, .refcount = 1, .handles = 1, .import = "-" });
	{
		struct drm_mode_destroy_dumb d = { .handle = h };

		report(!vp_xioctl(c0, DRM_IOCTL_MODE_DESTROY_DUMB, &d), "dumb: destroy", "failed");
	}
	expect_gone("dumb: destroy frees the object", 0, id);

	/* a handle per create: two objects, two handles, two ids */
	vp_create(r0, PAGE, &h, &id);
	vp_create(r0, PAGE, &h2, NULL);
	report(h != h2 && vp_id(r0, h2) == id + 1, "create: ids are per device and increasing",
	       "handles %u/%u ids %u/%u", h, h2, id, vp_id(r0, h2));
	expect_file("create: two handles in the file", 0, vp_client(r0), 2, 0);
	vp_gem_close(r0, h);
	vp_gem_close(r0, h2);
}

static void test_mmap_vmap(int r0)
{
	struct drm_vprime_map_offset mo;
	uint32_t h, id;
	uint64_t value;
	uint8_t *p, *q;
	pid_t child;
	int ret, st;

	vp_create(r0, 3 * PAGE, &h, &id);
	mo = (struct drm_vprime_map_offset){ .handle = h };
	ret = vp_xioctl(r0, DRM_IOCTL_VPRIME_MAP_OFFSET, &mo);
	report(!ret && mo.offset, "mmap: MAP_OFFSET on the render node", "ret %d", ret);

	p = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, r0, mo.offset);
	report(p != MAP_FAILED, "mmap: shared mapping of the DRM fd", "%s", strerror(errno));
	if (p == MAP_FAILED)
		goto out;
	report(mem_fill(p, 0xa0, PAGE) && mem_fill(p + PAGE, 0xa1, PAGE) &&
		   mem_fill(p + 2 * PAGE, 0xa2, PAGE),
	       "mmap: every page of the mapping can be written", "SIGBUS");
	expect_obj("mmap: a mapping holds a reference and counts", 0, id,
		   (struct want){
		       .size = 3 * PAGE, .refcount = 2, .handles = 1, .import = "-", .mmaps = 1 });

	/* drm_gem_mmap() looks the offset up exactly: whole objects only */
	q = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, r0, mo.offset + 2 * PAGE);
	report(q == MAP_FAILED && errno == EINVAL,
	       "mmap: the DRM fd maps from the object's start only (EINVAL at page 2)", "%s",
	       q == MAP_FAILED ? strerror(errno) : "mapped");
	if (q != MAP_FAILED)
		munmap(q, PAGE);

	q = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, r0, mo.offset);
	report(q == MAP_FAILED && errno == EINVAL, "mmap: private writable mapping is EINVAL",
	       "mapped");
	if (q != MAP_FAILED)
		munmap(q, 3 * PAGE);
	q = mmap(NULL, 4 * PAGE, PROT_READ, MAP_SHARED, r0, mo.offset);
	report(q == MAP_FAILED, "mmap: beyond the object is refused", "mapped");
	if (q != MAP_FAILED)
		munmap(q, 4 * PAGE);

	/* fork copies the VMA: .open counts it */
	child = fork();
	if (!child) {
		pause();
		_exit(0);
	}
	expect_obj("mmap: fork copies the mapping", 0, id,
		   (struct want){
		       .size = 3 * PAGE, .refcount = 3, .handles = 1, .import = "-", .mmaps = 2 });
	kill(child, SIGKILL);
	waitpid(child, &st, 0);
	expect_obj("mmap: the child's exit closes its copy", 0, id,
		   (struct want){
		       .size = 3 * PAGE, .refcount = 2, .handles = 1, .import = "-", .mmaps = 1 });

	/* kernel mappings through .vmap */
	ret = vp_vmap(r0, h, PAGE + 8, &value);
	report(!ret && value == 0xa1a1a1a1a1a1a1a1ull, "vmap: reads what mmap wrote",
	       "ret %d value %#llx", ret, (unsigned long long)value);
	vp_vmap(r0, h, 0, NULL);
	expect_obj("vmap: two kernel mappings count 2", 0, id,
		   (struct want){ .size = 3 * PAGE,
				  .refcount = 2,
				  .handles = 1,
				  .import = "-",
				  .vmaps = 2,
				  .mmaps = 1 });
	report(!vp_vunmap(r0, h) && !vp_vunmap(r0, h), "vmap: VUNMAP twice", "failed");
	report(vp_vunmap(r0, h) == -EINVAL, "vmap: VUNMAP without a mapping is EINVAL", "accepted");
	report(vp_vmap(r0, h, 3 * PAGE - 7, NULL) == -EINVAL,
	       "vmap: offset past size - 8 is EINVAL", "accepted");
	expect_obj("vmap: back to no kernel mapping", 0, id,
		   (struct want){
		       .size = 3 * PAGE, .refcount = 2, .handles = 1, .import = "-", .mmaps = 1 });

	munmap(p, 3 * PAGE);
	expect_obj("mmap: munmap gives the reference back", 0, id,
		   (struct want){ .size = 3 * PAGE, .refcount = 1, .handles = 1, .import = "-" });
out:
	vp_gem_close(r0, h);
	expect_gone("mmap: freed once handle and mapping are gone", 0, id);
}

static void test_export_self(int r0, int c0)
{
	struct drm_vprime_map_offset mo;
	uint32_t h, hs, hc, id;
	int d, d2, ret;
	unsigned long ino;
	uint8_t *p;

	vp_create(r0, 2 * PAGE, &h, &id);
	ret = vp_prime_export(r0, h, &d);
	ino = ret ? 0 : inode_of(d);
	report(!ret && ino, "export: PRIME_HANDLE_TO_FD", "ret %d", ret);
	if (ret)
		goto out;
	expect_obj(
	    "export: the dma-buf holds a reference, dmabuf= its inode", 0, id,
	    (struct want){
		.size = 2 * PAGE, .refcount = 2, .handles = 1, .dmabuf = ino, .import = "-" });
	expect_file("export: the exporting file caches (dma-buf, handle)", 0, vp_client(r0), 1, 1,
		    ino, h);

	ret = vp_prime_export(r0, h, &d2);
	report(!ret && inode_of(d2) == ino, "export: exporting again gives the same dma-buf",
	       "ret %d inode %lu", ret, ret ? 0 : inode_of(d2));
	if (!ret)
		close(d2);
	expect_obj(
	    "export: a second fd adds no GEM reference", 0, id,
	    (struct want){
		.size = 2 * PAGE, .refcount = 2, .handles = 1, .dmabuf = ino, .import = "-" });

	p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, d, 0);
	report(p != MAP_FAILED, "export: mmap of the dma-buf fd", "%s", strerror(errno));
	if (p != MAP_FAILED) {
		uint8_t *q;

		report(mem_fill(p, 0x5a, PAGE) && mem_fill(p + PAGE, 0x5b, PAGE),
		       "export: the dma-buf mapping can be written", "SIGBUS");
		expect_obj("export: a dma-buf mapping counts and holds a reference", 0, id,
			   (struct want){ .size = 2 * PAGE,
					  .refcount = 3,
					  .handles = 1,
					  .dmabuf = ino,
					  .import = "-",
					  .mmaps = 1 });
		q = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, d, PAGE);
		/* the object's fake offset, asked for now, must not move q's pages */
		mo = (struct drm_vprime_map_offset){ .handle = h };
		vp_xioctl(r0, DRM_IOCTL_VPRIME_MAP_OFFSET, &mo);
		report(q != MAP_FAILED && mem_is(q, 0x5b, PAGE),
		       "export: a dma-buf mapping at page 1 sees page 1", "%s",
		       q == MAP_FAILED ? strerror(errno) : "wrong data");
		if (q != MAP_FAILED)
			munmap(q, PAGE);
		munmap(p, 2 * PAGE);
	}

	ret = vp_prime_import(r0, d, &hs);
	report(!ret && hs == h, "self-import: same file gets the same handle from the cache",
	       "ret %d handle %u (want %u)", ret, hs, h);
	ret = vp_prime_import(c0, d, &hc);
	report(!ret && vp_id(c0, hc) == id, "self-import: another file gets the same object",
	       "ret %d id %u (want %u)", ret, vp_id(c0, hc), id);
	expect_obj(
	    "self-import: one more handle, no new object", 0, id,
	    (struct want){
		.size = 2 * PAGE, .refcount = 2, .handles = 2, .dmabuf = ino, .import = "-" });
	expect_count("self-import: still one object", 0, 1);
	expect_file("self-import: the importing file caches (dma-buf, handle)", 0, vp_client(c0), 1,
		    1, ino, hc);

	close(d);
	expect_obj(
	    "export: closing the fd keeps the dma-buf (the object holds it)", 0, id,
	    (struct want){
		.size = 2 * PAGE, .refcount = 2, .handles = 2, .dmabuf = ino, .import = "-" });
	ret = vp_prime_export(r0, h, &d);
	report(!ret && inode_of(d) == ino, "export: re-export finds the same dma-buf", "inode %lu",
	       ret ? 0 : inode_of(d));
	if (!ret)
		close(d);

	vp_gem_close(c0, hc);
	expect_file("self-import: GEM_CLOSE drops the cache entry", 0, vp_client(c0), 0, 0);
	vp_gem_close(r0, h);
	expect_gone("export: the last handle frees object and dma-buf", 0, id);
	return;
out:
	vp_gem_close(r0, h);
}

static void test_cross(int r0, int r1)
{
	uint32_t ha, hb, hb2, id_a, id_b;
	unsigned long ino;
	struct vprime_import im;
	char buf[512];
	uint64_t value;
	int d, d2, ret;
	uint8_t *p;

	vp_create(r0, 3 * PAGE, &ha, &id_a);
	vp_prime_export(r0, ha, &d);
	ino = inode_of(d);
	p = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, d, 0);
	if (p != MAP_FAILED) {
		mem_fill(p, 0x3c, 3 * PAGE);
		munmap(p, 3 * PAGE);
	}

	ret = vp_prime_import(r1, d, &hb);
	id_b = ret ? 0 : vp_id(r1, hb);
	report(!ret && id_b, "cross: vprime 1 imports vprime 0's dma-buf", "ret %d", ret);
	if (ret)
		goto out;
	expect_obj(
	    "cross: the importer's object: dmabuf= the same inode, import=vprime", 1, id_b,
	    (struct want){
		.size = 3 * PAGE, .refcount = 1, .handles = 1, .dmabuf = ino, .import = "vprime" });
	expect_obj("cross: the exporter is pinned once (attach)", 0, id_a,
		   (struct want){ .size = 3 * PAGE,
				  .refcount = 2,
				  .handles = 1,
				  .dmabuf = ino,
				  .import = "-",
				  .pins = 1 });
	expect_file("cross: the importing file caches (dma-buf, handle)", 1, vp_client(r1), 1, 1,
		    ino, hb);

	ret = dbg_read(1, "imports", buf, sizeof(buf));
	ret = ret > 0 && vprime_parse_import(buf, &im);
	report(ret && im.id == id_b && !strcmp(im.exporter, "vprime") && im.pages == 3 &&
		   im.contig >= PAGE && im.contig <= 3 * PAGE && im.contig % PAGE == 0,
	       "cross: imports records exporter, pages and contiguous DMA size", "'%s'", buf);

	ret = vp_prime_import(r1, d, &hb2);
	report(!ret && hb2 == hb, "cross: importing again hits the cache", "handle %u (want %u)",
	       hb2, hb);
	expect_count("cross: still one object on the importer", 1, 1);

	{
		struct drm_vprime_info info = { .handle = hb };

		report(!vp_xioctl(r1, DRM_IOCTL_VPRIME_INFO, &info) &&
			   info.flags == VPRIME_INFO_IMPORTED,
		       "cross: info flags the import", "flags %#x", info.flags);
	}
	{
		struct drm_vprime_map_offset mo = { .handle = hb };

		report(vp_xioctl(r1, DRM_IOCTL_VPRIME_MAP_OFFSET, &mo) == -EINVAL,
		       "cross: MAP_OFFSET of an import is EINVAL", "accepted");
	}

	ret = vp_vmap(r1, hb, 2 * PAGE + 16, &value);
	report(!ret && value == 0x3c3c3c3c3c3c3c3cull,
	       "cross: vmap of the import reads the exporter's pages", "ret %d value %#llx", ret,
	       (unsigned long long)value);
	vp_vmap(r1, hb, 0, NULL);
	expect_obj("cross: importer vmaps count each dma_buf_vmap", 1, id_b,
		   (struct want){ .size = 3 * PAGE,
				  .refcount = 1,
				  .handles = 1,
				  .dmabuf = ino,
				  .import = "vprime",
				  .vmaps = 2 });
	expect_obj("cross: the exporter is vmapped once (the dma-buf shares it)", 0, id_a,
		   (struct want){ .size = 3 * PAGE,
				  .refcount = 2,
				  .handles = 1,
				  .dmabuf = ino,
				  .import = "-",
				  .pins = 1,
				  .vmaps = 1 });
	vp_vunmap(r1, hb);
	vp_vunmap(r1, hb);
	expect_obj("cross: vunmap through the dma-buf reaches the exporter", 0, id_a,
		   (struct want){ .size = 3 * PAGE,
				  .refcount = 2,
				  .handles = 1,
				  .dmabuf = ino,
				  .import = "-",
				  .pins = 1 });

	ret = vp_prime_export(r1, hb, &d2);
	report(!ret && inode_of(d2) == ino,
	       "cross: re-exporting the import gives the original dma-buf", "ret %d inode %lu", ret,
	       ret ? 0 : inode_of(d2));
	if (!ret)
		close(d2);

	close(d);
	vp_gem_close(r1, hb);
	expect_gone("cross: closing the import frees it", 1, id_b);
	expect_obj(
	    "cross: ... and unpins the exporter (detach)", 0, id_a,
	    (struct want){
		.size = 3 * PAGE, .refcount = 2, .handles = 1, .dmabuf = ino, .import = "-" });
	expect_file("cross: the importing file's cache is empty", 1, vp_client(r1), 0, 0);

	/* importer -> dma-buf -> exporter: the exporter outlives its handle */
	vp_prime_export(r0, ha, &d);
	vp_prime_import(r1, d, &hb);
	id_b = vp_id(r1, hb);
	close(d);
	vp_gem_close(r0, ha);
	expect_obj("chain: without handle or fd the exporter lives on the import's dma-buf", 0,
		   id_a,
		   (struct want){ .size = 3 * PAGE,
				  .refcount = 1,
				  .handles = 0,
				  .dmabuf = 0,
				  .import = "-",
				  .pins = 1 });
	vp_gem_close(r1, hb);
	expect_gone("chain: freeing the import frees the exporter", 0, id_a);
	return;
out:
	close(d);
	vp_gem_close(r0, ha);
}

static void test_vgem(int r0, int r1)
{
	uint32_t ha, hv, hb, id_a, id_b;
	struct vprime_import im;
	char buf[512];
	unsigned long ino;
	uint64_t size, value;
	int vg, d, ret;
	uint8_t *p;

	vg = driver_open("vgem");
	if (vg < 0) {
		skip("vgem", "no vgem device");
		return;
	}

	/* vprime -> vgem */
	vp_create(r0, PAGE, &ha, &id_a);
	vp_prime_export(r0, ha, &d);
	ino = inode_of(d);
	ret = vp_prime_import(vg, d, &hv);
	report(!ret, "vgem: vgem imports vprime's dma-buf", "ret %d", ret);
	if (!ret) {
		expect_obj("vgem: vgem's attachment pins the vprime object", 0, id_a,
			   (struct want){ .size = PAGE,
					  .refcount = 2,
					  .handles = 1,
					  .dmabuf = ino,
					  .import = "-",
					  .pins = 1 });
		vp_gem_close(vg, hv);
		expect_obj(
		    "vgem: vgem's free detaches", 0, id_a,
		    (struct want){
			.size = PAGE, .refcount = 2, .handles = 1, .dmabuf = ino, .import = "-" });
	}
	close(d);
	vp_gem_close(r0, ha);

	/* vgem -> vprime */
	ret = dumb_create(vg, 1024, 2, 32, &hv, &size);
	p = ret ? NULL : dumb_mmap(vg, hv, size);
	report(!ret && p, "vgem: dumb buffer of 2 pages, mapped", "ret %d", ret);
	if (!p)
		goto out;
	mem_fill(p, 0x77, size);
	ret = vp_prime_export(vg, hv, &d);
	report(!ret, "vgem: vgem exports", "ret %d", ret);
	if (ret)
		goto out_unmap;
	ino = inode_of(d);
	ret = vp_prime_import(r1, d, &hb);
	id_b = ret ? 0 : vp_id(r1, hb);
	report(!ret, "vgem: vprime imports vgem's dma-buf", "ret %d", ret);
	if (!ret) {
		expect_obj("vgem: import=vgem", 1, id_b,
			   (struct want){ .size = 2 * PAGE,
					  .refcount = 1,
					  .handles = 1,
					  .dmabuf = ino,
					  .import = "vgem" });
		ret = dbg_read(1, "imports", buf, sizeof(buf));
		ret = ret > 0 && vprime_parse_import(buf, &im);
		report(ret && im.id == id_b && !strcmp(im.exporter, "vgem") && im.pages == 2,
		       "vgem: imports names vgem", "'%s'", buf);
		ret = vp_vmap(r1, hb, PAGE, &value);
		report(!ret && value == 0x7777777777777777ull,
		       "vgem: vmap of the import reads vgem's pages", "ret %d value %#llx", ret,
		       (unsigned long long)value);
		vp_vunmap(r1, hb);
		vp_gem_close(r1, hb);
		expect_gone("vgem: the import is freed", 1, id_b);
	}
	close(d);
out_unmap:
	munmap(p, size);
out:
	vp_gem_close(vg, hv);
	close(vg);
}

static void test_virtio_gpu(int r0, int r1)
{
	uint32_t ha, hv, hb, id_a, id_b;
	uint64_t size, value;
	unsigned long ino;
	char why[96];
	int vg, d, ret;
	uint8_t *p;

	vg = driver_open("virtio_gpu");
	if (vg < 0) {
		skip("virtio-gpu", "no virtio_gpu device");
		return;
	}

	ret = dumb_create(vg, 1024, 1, 32, &hv, &size);
	p = ret ? NULL : dumb_mmap(vg, hv, size);
	if (!p) {
		snprintf(why, sizeof(why), "virtio_gpu dumb buffer refused (%d)", ret);
		skip("virtio-gpu -> vprime", why);
		goto vprime_to_virtio;
	}
	mem_fill(p, 0x19, size);
	ret = vp_prime_export(vg, hv, &d);
	if (ret) {
		snprintf(why, sizeof(why), "virtio_gpu refuses to export (%s)", strerror(-ret));
		skip("virtio-gpu -> vprime", why);
	} else {
		ino = inode_of(d);
		ret = vp_prime_import(r1, d, &hb);
		id_b = ret ? 0 : vp_id(r1, hb);
		report(!ret, "virtio-gpu: vprime imports virtio_gpu's dma-buf", "ret %d", ret);
		if (!ret) {
			expect_obj("virtio-gpu: import=virtio_gpu", 1, id_b,
				   (struct want){ .size = PAGE,
						  .refcount = 1,
						  .handles = 1,
						  .dmabuf = ino,
						  .import = "virtio_gpu" });
			ret = vp_vmap(r1, hb, 64, &value);
			report(!ret && value == 0x1919191919191919ull,
			       "virtio-gpu: vmap of the import reads virtio_gpu's pages",
			       "ret %d value %#llx", ret, (unsigned long long)value);
			if (!ret)
				vp_vunmap(r1, hb);
			vp_gem_close(r1, hb);
			expect_gone("virtio-gpu: the import is freed", 1, id_b);
		}
		close(d);
	}
	munmap(p, size);
	vp_gem_close(vg, hv);

vprime_to_virtio:
	vp_create(r0, PAGE, &ha, &id_a);
	vp_prime_export(r0, ha, &d);
	ret = vp_prime_import(vg, d, &hv);
	if (ret) {
		/* virtio-gpu only takes virtio dma-bufs */
		snprintf(why, sizeof(why), "virtio_gpu refuses foreign dma-bufs (%s)",
			 strerror(-ret));
		skip("vprime -> virtio-gpu", why);
		expect_obj("virtio-gpu: a refused import leaves the exporter unpinned", 0, id_a,
			   (struct want){ .size = PAGE,
					  .refcount = 2,
					  .handles = 1,
					  .dmabuf = inode_of(d),
					  .import = "-" });
	} else {
		expect_obj("virtio-gpu: virtio_gpu's import pins the vprime object", 0, id_a,
			   (struct want){ .size = PAGE,
					  .refcount = 2,
					  .handles = 1,
					  .dmabuf = inode_of(d),
					  .import = "-",
					  .pins = 1 });
		vp_gem_close(vg, hv);
	}
	close(d);
	vp_gem_close(r0, ha);
	close(vg);
}

/* VPRIME_CREATE_NO_SG: shared with its own device only */
static void test_no_sg(int r0, int c0, int r1)
{
	struct drm_vprime_create c = { .size = 2 * PAGE, .flags = VPRIME_CREATE_NO_SG };
	struct drm_vprime_info info;
	uint32_t hb, hc, hv;
	unsigned long ino;
	int d, vg, ret;
	uint8_t *p;

	ret = vp_xioctl(r0, DRM_IOCTL_VPRIME_CREATE, &c);
	info = (struct drm_vprime_info){ .handle = c.handle };
	report(!ret && !vp_xioctl(r0, DRM_IOCTL_VPRIME_INFO, &info) &&
		   info.flags == VPRIME_INFO_NO_SG,
	       "no-sg: VPRIME_CREATE_NO_SG, and INFO reports VPRIME_INFO_NO_SG", "ret %d flags %#x",
	       ret, info.flags);
	if (ret)
		return;
	ret = vp_prime_export(r0, c.handle, &d);
	report(!ret, "no-sg: the object exports", "ret %d", ret);
	if (ret)
		goto out;
	ino = inode_of(d);

	ret = vp_prime_import(r1, d, &hb);
	report(ret == -ENOSYS, "no-sg: vprime 1 cannot import it (ENOSYS)", "ret %d", ret);
	if (!ret)
		vp_gem_close(r1, hb);
	expect_count("no-sg: the refused import leaves no object on vprime 1", 1, 0);
	expect_obj(
	    "no-sg: ... and the exporter unpinned", 0, c.id,
	    (struct want){
		.size = 2 * PAGE, .refcount = 2, .handles = 1, .dmabuf = ino, .import = "-" });
	vg = driver_open("vgem");
	if (vg >= 0) {
		ret = vp_prime_import(vg, d, &hv);
		report(ret == -ENOSYS, "no-sg: vgem cannot import it (ENOSYS)", "ret %d", ret);
		if (!ret)
			vp_gem_close(vg, hv);
		close(vg);
	}

	ret = vp_prime_import(c0, d, &hc);
	report(!ret && vp_id(c0, hc) == c.id, "no-sg: its own device imports it (self-import)",
	       "ret %d id %u (want %u)", ret, ret ? 0 : vp_id(c0, hc), c.id);
	if (!ret)
		vp_gem_close(c0, hc);
	p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, d, 0);
	report(p != MAP_FAILED && mem_fill(p, 0x6e, 2 * PAGE),
	       "no-sg: the dma-buf maps without an sg_table", "%s",
	       p == MAP_FAILED ? strerror(errno) : "SIGBUS");
	if (p != MAP_FAILED)
		munmap(p, 2 * PAGE);
	close(d);
out:
	vp_gem_close(r0, c.handle);
	expect_gone("no-sg: freed with its handle and fd", 0, c.id);
}

/* a process that exits with everything open: the file release cleans up */
static void test_exit_cleanup(void)
{
	pid_t child;
	int st;

	child = fork();
	if (!child) {
		int r0 = vp_open(0, false), r1 = vp_open(1, false), d;
		uint32_t h, hb;

		vp_create(r0, 4 * PAGE, &h, NULL);
		vp_prime_export(r0, h, &d);
		vp_prime_import(r1, d, &hb);
		vp_vmap(r1, hb, 0, NULL);
		_exit(0);
	}
	waitpid(child, &st, 0);
	expect_count("exit: a process exiting with handles, fds and vmaps leaves nothing", 0, 0);
	expect_count("exit: ... on the importer either", 1, 0);
}

static int run_paths(void)
{
	int r0, c0, r1;

	test_debugfs();
	r0 = vp_open(0, false);
	c0 = vp_open(0, true);
	r1 = vp_open(1, false);
	report(r0 >= 0 && c0 >= 0 && r1 >= 0, "open: render and primary nodes", "r0 %d c0 %d r1 %d",
	       r0, c0, r1);
	if (r0 < 0 || c0 < 0 || r1 < 0)
		return 1;
	report(vp_client(r0) && vp_client(c0) && vp_client(r0) != vp_client(c0),
	       "open: every file has its own client id", "%u %u", vp_client(r0), vp_client(c0));
	expect_file("open: files lists the render file", 0, vp_client(r0), 0, 0);
	expect_file("open: files lists the primary file", 0, vp_client(c0), 0, 0);

	test_create(r0, c0);
	test_mmap_vmap(r0);
	test_export_self(r0, c0);
	test_cross(r0, r1);
	test_no_sg(r0, c0, r1);
	test_vgem(r0, r1);
	test_virtio_gpu(r0, r1);
	close(r0);
	close(c0);
	close(r1);
	clean("close: objects, files and caches all gone");
	test_exit_cleanup();
	return failures ? 1 : 0;
}

/* --- module hygiene ------------------------------------------------------------ */

static bool vprime_loaded(void)
{
	return access("/sys/module/vprime", F_OK) == 0;
}

static bool try_rmmod(void)
{
	int st = system("rmmod vprime >/dev/null 2>&1");

	return WIFEXITED(st) && WEXITSTATUS(st) == 0 && !vprime_loaded();
}

static int run_unload(void)
{
	struct drm_vprime_map_offset mo;
	uint8_t *gp, *dp;
	uint32_t h1, h2;
	int r0, d;

	r0 = vp_open(0, false);
	if (r0 < 0) {
		report(false, "unload: open", "%s", strerror(-r0));
		return 1;
	}
	report(!try_rmmod(), "unload: an open DRM file keeps vprime loaded", "rmmod succeeded");
	if (!vprime_loaded())
		return 1;

	vp_create(r0, PAGE, &h1, NULL);
	mo = (struct drm_vprime_map_offset){ .handle = h1 };
	vp_xioctl(r0, DRM_IOCTL_VPRIME_MAP_OFFSET, &mo);
	gp = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, r0, mo.offset);
	vp_create(r0, PAGE, &h2, NULL);
	vp_prime_export(r0, h2, &d);
	dp = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, d, 0);
	if (gp == MAP_FAILED || dp == MAP_FAILED) {
		report(false, "unload: set up mappings", "%s", strerror(errno));
		return 1;
	}
	close(r0);
	report(!try_rmmod(), "unload: a GEM mapping and a dma-buf keep vprime loaded",
	       "rmmod succeeded");
	munmap(gp, PAGE);
	report(!try_rmmod(), "unload: a dma-buf fd keeps vprime loaded", "rmmod succeeded");
	close(d);
	report(!try_rmmod(), "unload: a mapping of a closed dma-buf keeps vprime loaded",
	       "rmmod succeeded");
	dp[0] = 1;
	munmap(dp, PAGE);
	report(try_rmmod(), "unload: rmmod succeeds once everything is gone", "rmmod refused");
	report(access(DEBUGFS, F_OK) != 0, "unload: the debugfs directory is gone", "still there");
	return failures ? 1 : 0;
}

/* --- faults ------------------------------------------------------------------------ */

/*
 * A fault scenario runs twice, knob off then on, and records observations
 * "checkpoint/key" = value along the way. The runs must differ in exactly
 * the documented keys (docs/vprime.md): a knob that changes more, or less,
 * than its documentation says is a failure.
 */
struct obs {
	int n;
	struct {
		char key[64];
		long long val;
	} kv[256];
};

struct run {
	bool on;
	struct obs obs;
	const char *cp;	   /* current checkpoint */
	unsigned long ino; /* the scenario's dma-buf, for dmabuf= */
	struct gt g[2];
};

static void obs_set(struct run *r, const char *key, long long val)
{
	struct obs *o = &r->obs;

	if (o->n >= (int)(sizeof(o->kv) / sizeof(o->kv[0])))
		return;
	snprintf(o->kv[o->n].key, sizeof(o->kv[o->n].key), "%s/%s", r->cp, key);
	o->kv[o->n].val = val;
	o->n++;
}

static long long import_code(const char *import)
{
	static const char *names[] = { "-", "vprime", "vgem", "virtio_gpu" };

	for (unsigned int i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(import, names[i]))
			return i;
	return 99;
}

/* start checkpoint @cp: snapshot both instances, record counts */
static void checkpoint(struct run *r, const char *cp)
{
	char key[32];

	r->cp = cp;
	for (int i = 0; i < 2; i++) {
		if (gt_read(i, &r->g[i]))
			report(false, cp, "%s", r->g[i].error);
		snprintf(key, sizeof(key), "objects%d", i);
		obs_set(r, key, r->g[i].nobj);
		snprintf(key, sizeof(key), "leaks%d", i);
		obs_set(r, key, r->g[i].nleaks);
	}
}

static void obs_obj(struct run *r, const char *role, int inst, unsigned int id)
{
	struct vprime_obj *o = id ? gt_obj(&r->g[inst], id) : NULL;
	char key[48];

#define OBS(f, v)                                             \
	do {                                                  \
		snprintf(key, sizeof(key), "%s.%s", role, f); \
		obs_set(r, key, v);                           \
	} while (0)
	OBS("present", o != NULL);
	if (!o)
		return;
	OBS("size", (long long)o->size);
	OBS("refcount", o->refcount);
	OBS("handles", o->handles);
	/* 0: none, 1: the scenario's dma-buf, 2: another one */
	OBS("dmabuf", !o->dmabuf ? 0 : o->dmabuf == r->ino ? 1 : 2);
	OBS("import", import_code(o->import));
	OBS("pins", o->pins);
	OBS("vmaps", o->vmaps);
	OBS("mmaps", o->mmaps);
}

static void obs_file(struct run *r, const char *role, int inst, unsigned int client)
{
	struct gt_file *f = gt_client(&r->g[inst], client);
	char key[48];

	OBS("present", f != NULL);
	if (!f)
		return;
	OBS("handles", f->f.handles);
	OBS("prime", f->f.prime);
#undef OBS
}

struct scenario {
	const char *fault;
	void (*fn)(struct run *r);
	/* keys whose values must differ between the runs, NULL-terminated */
	const char *diff[24];
};

/* export_extra_ref: the export takes a GEM reference nobody gives back */
static void sc_export_extra_ref(struct run *r)
{
	int f0 = vp_open(0, false), d;
	uint32_t ha, a;

	vp_create(f0, PAGE, &ha, &a);
	vp_prime_export(f0, ha, &d);
	r->ino = inode_of(d);
	checkpoint(r, "exported");
	obs_obj(r, "A", 0, a);
	vp_gem_close(f0, ha);
	checkpoint(r, "handle-closed");
	obs_obj(r, "A", 0, a);
	close(d);
	checkpoint(r, "fd-closed");
	obs_obj(r, "A", 0, a);
	close(f0);
}

/* import_skip_prime_destroy: freeing an import leaves attachment and dma-buf */
static void sc_import_skip_prime_destroy(struct run *r)
{
	int f0 = vp_open(0, false), f1 = vp_open(1, false), d;
	uint32_t ha, hb, a, b;

	vp_create(f0, PAGE, &ha, &a);
	vp_prime_export(f0, ha, &d);
	r->ino = inode_of(d);
	vp_prime_import(f1, d, &hb);
	b = vp_id(f1, hb);
	checkpoint(r, "imported");
	obs_obj(r, "A", 0, a);
	obs_obj(r, "B", 1, b);
	vp_gem_close(f1, hb);
	checkpoint(r, "import-closed");
	obs_obj(r, "A", 0, a);
	obs_obj(r, "B", 1, b);
	vp_gem_close(f0, ha);
	close(d);
	checkpoint(r, "all-closed");
	obs_obj(r, "A", 0, a);
	close(f0);
	close(f1);
}

/* unpin_noop: detach does not undo the pin of attach */
static void sc_unpin_noop(struct run *r)
{
	int f0 = vp_open(0, false), f1 = vp_open(1, false), d;
	uint32_t ha, hb, a;

	vp_create(f0, PAGE, &ha, &a);
	vp_prime_export(f0, ha, &d);
	r->ino = inode_of(d);
	vp_prime_import(f1, d, &hb);
	checkpoint(r, "imported");
	obs_obj(r, "A", 0, a);
	vp_gem_close(f1, hb);
	checkpoint(r, "import-closed");
	obs_obj(r, "A", 0, a);
	vp_prime_import(f1, d, &hb);
	checkpoint(r, "reimported");
	obs_obj(r, "A", 0, a);
	vp_gem_close(f1, hb);
	vp_gem_close(f0, ha);
	close(d);
	checkpoint(r, "all-closed");
	obs_obj(r, "A", 0, a);
	close(f0);
	close(f1);
}

/* no_get_sg_table: objects that cannot be mapped by another device */
static void sc_no_get_sg_table(struct run *r)
{
	int f0 = vp_open(0, false), c0 = vp_open(0, true), f1 = vp_open(1, false), d, vg, ret;
	struct drm_vprime_info info = { 0 };
	uint32_t ha, hb = 0, hc, hv, a;
	uint8_t *p;

	vp_create(f0, PAGE, &ha, &a);
	info.handle = ha;
	vp_xioctl(f0, DRM_IOCTL_VPRIME_INFO, &info);
	vp_prime_export(f0, ha, &d);
	r->ino = inode_of(d);
	checkpoint(r, "exported");
	obs_set(r, "A.no_sg", !!(info.flags & VPRIME_INFO_NO_SG));
	obs_obj(r, "A", 0, a);

	ret = vp_prime_import(f1, d, &hb);
	checkpoint(r, "import");
	obs_set(r, "errno", -ret);
	obs_obj(r, "A", 0, a);
	obs_file(r, "f1", 1, vp_client(f1));
	if (!ret)
		vp_gem_close(f1, hb);

	vg = driver_open("vgem");
	if (vg >= 0) {
		ret = vp_prime_import(vg, d, &hv);
		checkpoint(r, "vgem-import");
		obs_set(r, "errno", -ret);
		obs_obj(r, "A", 0, a);
		if (!ret)
			vp_gem_close(vg, hv);
		close(vg);
	}

	/* self-import needs no sg_table, nor does mmap */
	ret = vp_prime_import(c0, d, &hc);
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, d, 0);
	checkpoint(r, "self-import-mmap");
	obs_set(r, "errno", -ret);
	obs_set(r, "mmap", p != MAP_FAILED);
	obs_obj(r, "A", 0, a);
	if (p != MAP_FAILED)
		munmap(p, PAGE);
	vp_gem_close(c0, hc);
	vp_gem_close(f0, ha);
	close(d);
	checkpoint(r, "all-closed");
	obs_obj(r, "A", 0, a);
	close(f0);
	close(c0);
	close(f1);
}

/* import_bypass_cache: fd-to-handle neither consults nor fills the cache */
static void sc_import_bypass_cache(struct run *r)
{
	int f0 = vp_open(0, false), f1 = vp_open(1, false), d;
	uint32_t ha, hb, hb2, hs, a, b;

	vp_create(f0, PAGE, &ha, &a);
	vp_prime_export(f0, ha, &d);
	r->ino = inode_of(d);
	vp_prime_import(f1, d, &hb);
	vp_prime_import(f1, d, &hb2);
	b = vp_id(f1, hb);
	checkpoint(r, "imported-twice");
	obs_set(r, "same_handle", hb == hb2);
	obs_obj(r, "A", 0, a);
	obs_obj(r, "B", 1, b);
	obs_file(r, "f1", 1, vp_client(f1));
	vp_gem_close(f1, hb);
	if (hb2 != hb)
		vp_gem_close(f1, hb2);

	vp_prime_import(f0, d, &hs);
	checkpoint(r, "self");
	obs_set(r, "same_handle", hs == ha);
	obs_obj(r, "A", 0, a);
	obs_file(r, "f0", 0, vp_client(f0));
	if (hs != ha)
		vp_gem_close(f0, hs);
	vp_gem_close(f0, ha);
	close(d);
	checkpoint(r, "all-closed");
	obs_obj(r, "A", 0, a);
	close(f0);
	close(f1);
}

/* export_bypass_cache: handle-to-fd does not fill the cache */
static void sc_export_bypass_cache(struct run *r)
{
	int f0 = vp_open(0, false), d;
	uint32_t ha, hs, a;

	vp_create(f0, PAGE, &ha, &a);
	vp_prime_export(f0, ha, &d);
	r->ino = inode_of(d);
	checkpoint(r, "exported");
	obs_obj(r, "A", 0, a);
	obs_file(r, "f0", 0, vp_client(f0));
	vp_prime_import(f0, d, &hs);
	checkpoint(r, "reimported");
	obs_set(r, "same_handle", hs == ha);
	obs_obj(r, "A", 0, a);
	obs_file(r, "f0", 0, vp_client(f0));
	if (hs != ha)
		vp_gem_close(f0, hs);
	vp_gem_close(f0, ha);
	close(d);
	checkpoint(r, "all-closed");
	obs_obj(r, "A", 0, a);
	close(f0);
}

/* no_self_import: importing our own dma-buf attaches like a foreign one */
static void sc_no_self_import(struct run *r)
{
	int f0 = vp_open(0, false), c0 = vp_open(0, true), d;
	uint32_t ha, hi, a, i;

	vp_create(f0, PAGE, &ha, &a);
	vp_prime_export(f0, ha, &d);
	r->ino = inode_of(d);
	vp_prime_import(c0, d, &hi);
	i = vp_id(c0, hi);
	checkpoint(r, "imported");
	obs_set(r, "same_object", i == a);
	obs_obj(r, "A", 0, a);
	obs_obj(r, "I", 0, i);
	obs_file(r, "c0", 0, vp_client(c0));
	vp_gem_close(c0, hi);
	vp_gem_close(f0, ha);
	close(d);
	checkpoint(r, "all-closed");
	obs_obj(r, "A", 0, a);
	close(f0);
	close(c0);
}

/*
 * export_new_dmabuf: every handle-to-fd exports a new dma-buf, also for an
 * import; a self-import of the second one makes an attached object
 */
static void sc_export_new_dmabuf(struct run *r)
{
	int f0 = vp_open(0, false), c0 = vp_open(0, true), f1 = vp_open(1, false);
	uint32_t ha, hb, hc, hr, a, b, c;
	int d1, d2, d3, ret;
	void *p;

	vp_create(f0, PAGE, &ha, &a);
	vp_prime_export(f0, ha, &d1);
	r->ino = inode_of(d1);
	vp_prime_export(f0, ha, &d2);
	checkpoint(r, "exported-twice");
	obs_set(r, "same_dmabuf", inode_of(d2) == r->ino);
	obs_obj(r, "A", 0, a);
	obs_file(r, "f0", 0, vp_client(f0));

	vp_prime_import(f1, d1, &hb);
	b = vp_id(f1, hb);
	vp_prime_export(f1, hb, &d3);
	checkpoint(r, "reexported");
	obs_set(r, "same_dmabuf", inode_of(d3) == r->ino);
	obs_obj(r, "A", 0, a);
	obs_obj(r, "B", 1, b);
	obs_file(r, "f1", 1, vp_client(f1));
	/* what came back maps, and goes back to the exporter */
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, d3, 0);
	obs_set(r, "mmap_errno", p == MAP_FAILED ? errno : 0);
	if (p != MAP_FAILED)
		munmap(p, PAGE);
	ret = vp_prime_import(f0, d3, &hr);
	obs_set(r, "import_back_errno", -ret);
	if (!ret && hr != ha)
		vp_gem_close(f0, hr);
	close(d3);
	vp_gem_close(f1, hb);

	vp_prime_import(c0, d2, &hc);
	c = vp_id(c0, hc);
	checkpoint(r, "self-imported");
	obs_set(r, "same_object", c == a);
	obs_obj(r, "A", 0, a);
	obs_obj(r, "C", 0, c);
	obs_file(r, "c0", 0, vp_client(c0));
	vp_gem_close(c0, hc);
	close(d1);
	close(d2);
	vp_gem_close(f0, ha);
	checkpoint(r, "all-closed");
	obs_obj(r, "A", 0, a);
	close(f0);
	close(c0);
	close(f1);
}

/* the first byte of each of @n pages at @p, as observations PREFIX.pageN */
static void obs_pages(struct run *r, const char *prefix, const uint8_t *p, int n)
{
	char key[32];

	for (int i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "%s.page%d", prefix, i);
		obs_set(r, key, p ? p[i * PAGE] : -1);
	}
}

/*
 * dmabuf_mmap_wrong_page: a dma-buf mapping shows the wrong pages; a GEM
 * mapping and the kernel's (vmap) see the object as it is
 */
static void sc_dmabuf_mmap_wrong_page(struct run *r)
{
	struct drm_vprime_map_offset mo = { 0 };
	int f0 = vp_open(0, false), d;
	uint8_t *g, *m, *q, kv[3];
	uint64_t value;
	uint32_t ha, a;

	vp_create(f0, 3 * PAGE, &ha, &a);
	mo.handle = ha;
	vp_xioctl(f0, DRM_IOCTL_VPRIME_MAP_OFFSET, &mo);
	g = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, f0, mo.offset);
	if (g == MAP_FAILED)
		g = NULL;
	for (int i = 0; g && i < 3; i++)
		mem_fill(g + i * PAGE, 0x10 + i, PAGE);
	vp_prime_export(f0, ha, &d);
	r->ino = inode_of(d);
	m = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, d, 0);
	if (m == MAP_FAILED)
		m = NULL;
	checkpoint(r, "mapped");
	obs_pages(r, "dmabuf", m, 3);
	obs_pages(r, "gem", g, 3);
	obs_obj(r, "A", 0, a);

	/* written through the dma-buf, read by the kernel and through GEM */
	for (int i = 0; m && i < 3; i++)
		mem_fill(m + i * PAGE, 0x20 + i, PAGE);
	checkpoint(r, "written");
	for (int i = 0; i < 3; i++)
		kv[i] = vp_vmap(f0, ha, i * PAGE, &value) ? 0 : (uint8_t)value;
	obs_pages(r, "gem", g, 3);
	obs_set(r, "vmap.page0", kv[0]);
	obs_set(r, "vmap.page1", kv[1]);
	obs_set(r, "vmap.page2", kv[2]);
	for (int i = 0; i < 3; i++)
		vp_vunmap(f0, ha);

	/* a mapping from page 1 shows what GEM shows at page 1 */
	q = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, d, PAGE);
	checkpoint(r, "offset-mapped");
	obs_set(r, "same_as_gem", q != MAP_FAILED && g && !memcmp(q, g + PAGE, PAGE));
	if (q != MAP_FAILED)
		munmap(q, PAGE);
	if (m)
		munmap(m, 3 * PAGE);
	if (g)
		munmap(g, 3 * PAGE);
	close(d);
	vp_gem_close(f0, ha);
	checkpoint(r, "all-closed");
	obs_obj(r, "A", 0, a);
	close(f0);
}

static const struct scenario scenarios[] = {
	{ "export_extra_ref",
	  sc_export_extra_ref,
	  { "exported/A.refcount", "exported/leaks0", "handle-closed/A.refcount",
	    "handle-closed/leaks0", "fd-closed/A.present", "fd-closed/objects0", "fd-closed/leaks0",
	    NULL } },
	{ "import_skip_prime_destroy",
	  sc_import_skip_prime_destroy,
	  { "import-closed/A.pins", "import-closed/leaks1", "all-closed/A.present",
	    "all-closed/objects0", "all-closed/leaks1", NULL } },
	{ "unpin_noop", sc_unpin_noop, { "import-closed/A.pins", "reimported/A.pins", NULL } },
	{ "no_get_sg_table",
	  sc_no_get_sg_table,
	  { "exported/A.no_sg", "import/errno", "import/objects1", "import/A.pins",
	    "import/f1.handles", "import/f1.prime", "vgem-import/errno", "vgem-import/A.pins",
	    NULL } },
	{ "import_bypass_cache",
	  sc_import_bypass_cache,
	  { "imported-twice/same_handle", "imported-twice/objects1", "imported-twice/A.pins",
	    "imported-twice/f1.handles", "imported-twice/f1.prime", "self/same_handle",
	    "self/A.handles", "self/f0.handles", NULL } },
	{ "export_bypass_cache",
	  sc_export_bypass_cache,
	  { "exported/f0.prime", "reimported/same_handle", "reimported/A.handles",
	    "reimported/f0.handles", NULL } },
	{ "no_self_import",
	  sc_no_self_import,
	  { "imported/same_object", "imported/objects0", "imported/A.handles", "imported/A.pins",
	    "imported/I.refcount", "imported/I.handles", "imported/I.import", NULL } },
	{ "export_new_dmabuf",
	  sc_export_new_dmabuf,
	  { "exported-twice/same_dmabuf", "exported-twice/A.refcount", "exported-twice/f0.prime",
	    "reexported/same_dmabuf", "reexported/A.refcount", "reexported/B.refcount",
	    "reexported/mmap_errno", "reexported/import_back_errno", "self-imported/same_object",
	    "self-imported/objects0", "self-imported/A.refcount", "self-imported/A.handles",
	    "self-imported/A.pins", "self-imported/C.refcount", "self-imported/C.handles",
	    "self-imported/C.dmabuf", "self-imported/C.import", NULL } },
	{ "dmabuf_mmap_wrong_page",
	  sc_dmabuf_mmap_wrong_page,
	  { "mapped/dmabuf.page0", "mapped/dmabuf.page1", "mapped/dmabuf.page2",
	    "written/gem.page0", "written/gem.page1", "written/gem.page2", "written/vmap.page0",
	    "written/vmap.page1", "written/vmap.page2", "offset-mapped/same_as_gem", NULL } },
};

static const long long *obs_get(const struct obs *o, const char *key)
{
	for (int i = 0; i < o->n; i++)
		if (!strcmp(o->kv[i].key, key))
			return &o->kv[i].val;
	return NULL;
}

static bool expected_diff(const struct scenario *sc, const char *key)
{
	for (int i = 0; sc->diff[i]; i++)
		if (!strcmp(sc->diff[i], key))
			return true;
	return false;
}

static int set_knob(const char *fault, bool on)
{
	char file[64];
	int ret = 0;

	snprintf(file, sizeof(file), "faults/%s", fault);
	for (int i = 0; i < 2 && !ret; i++)
		ret = dbg_write(i, file, on ? "1" : "0");
	return ret;
}

static bool knob_reads(const char *fault, const char *want)
{
	char file[64], buf[32];
	bool ok = true;

	snprintf(file, sizeof(file), "faults/%s", fault);
	for (int i = 0; i < 2; i++)
		ok &= dbg_read(i, file, buf, sizeof(buf)) > 0 && !strcmp(buf, want);
	return ok;
}

static void run_fault(const struct scenario *sc)
{
	static struct run off, on;
	char name[96], unexpected[512] = "", missing[512] = "";
	size_t nu = 0, nm = 0;
	const long long *v;
	int ret;

	prefix = sc->fault;
	if (knob_reads(sc->fault, "unsupported\n")) {
		ret = set_knob(sc->fault, true);
		report(ret == -EOPNOTSUPP, "unsupported here: the knob refuses writes (EOPNOTSUPP)",
		       "write gave %d", ret);
		skip("scenario", "needs vprime's PRIME hooks (load with prime_hooks=1)");
		return;
	}
	if (!clean("starts clean"))
		return;

	memset(&off, 0, sizeof(off));
	sc->fn(&off);
	clean("off: leaves nothing behind");

	memset(&on, 0, sizeof(on));
	on.on = true;
	ret = set_knob(sc->fault, true);
	report(!ret && knob_reads(sc->fault, "1\n"), "knob switches on", "write gave %d", ret);
	sc->fn(&on);
	set_knob(sc->fault, false);
	report(knob_reads(sc->fault, "0\n"), "knob switches off", "does not read 0");

	for (int i = 0; i < on.obs.n; i++) {
		const char *key = on.obs.kv[i].key;
		bool differs;

		v = obs_get(&off.obs, key);
		if (!v)
			continue; /* fields of an object present in one run only */
		differs = *v != on.obs.kv[i].val;
		if (differs)
			printf("# %s: %s off=%lld on=%lld\n", sc->fault, key, *v, on.obs.kv[i].val);
		if (differs && !expected_diff(sc, key))
			nu += snprintf(unexpected + nu, sizeof(unexpected) - nu, " %s=%lld/%lld",
				       key, *v, on.obs.kv[i].val);
	}
	for (int i = 0; sc->diff[i]; i++) {
		const long long *a = obs_get(&off.obs, sc->diff[i]);
		const long long *b = obs_get(&on.obs, sc->diff[i]);

		if (!strncmp(sc->diff[i], "vgem-", 5) && !a && !b)
			continue; /* no vgem device */
		if (!a || !b || *a == *b)
			nm += snprintf(missing + nm, sizeof(missing) - nm, " %s", sc->diff[i]);
	}
	snprintf(name, sizeof(name), "on changes exactly the documented values");
	report(!nu && !nm, name, "unexpected (off/on):%s; unchanged:%s", nu ? unexpected : " none",
	       nm ? missing : " none");

	/* leaks are given back on request; afterwards nothing is left */
	for (int i = 0; i < 2; i++)
		dbg_write(i, "leaks", "1");
	clean("leaks given back, nothing left");
}

static int run_faults(const char *only)
{
	bool found = false;

	for (unsigned int i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
		if (only && strcmp(only, scenarios[i].fault))
			continue;
		found = true;
		run_fault(&scenarios[i]);
	}
	if (!found) {
		fprintf(stderr, "vprime_paths: unknown fault '%s'\n", only);
		return 2;
	}
	return failures ? 1 : 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: vprime_paths paths | unload | faults | fault NAME\n");
	exit(2);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		usage();
	if (access(DEBUGFS "/1", F_OK)) {
		printf(
		    "FAIL: vprime: setup: %s/0 and /1 missing (vprime loaded with devices>=2?)\n",
		    DEBUGFS);
		return 1;
	}
	if (!strcmp(argv[1], "paths") && argc == 2)
		return run_paths();
	if (!strcmp(argv[1], "unload") && argc == 2)
		return run_unload();
	if (!strcmp(argv[1], "faults") && argc == 2)
		return run_faults(NULL);
	if (!strcmp(argv[1], "fault") && argc == 3)
		return run_faults(argv[2]);
	usage();
	return 2;
}
