// SPDX-License-Identifier: MIT
/*
 * Ground truth from debugfs and sysfs (see igt_oracle.h).
 */
#include <fcntl.h>
#include <inttypes.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <xf86drm.h>

#include "igt_core.h"
#include "igt_drm.h"
#include "igt_oracle.h"
#include "vprime_drm.h"

#define BUFINFO "/sys/kernel/debug/dma_buf/bufinfo"

static FILE *vprime_open(int inst, const char *what)
{
	char path[128];

	vprime_debugfs_path(path, sizeof(path), inst, what);
	return fopen(path, "r");
}

int vprime_instance(int fd)
{
	char node[64], line[128];
	struct stat st;

	if (fstat(fd, &st) || !S_ISCHR(st.st_mode))
		return -1;
	/* the node's name: /sys/dev/char/M:m/uevent has DEVNAME=dri/cardN */
	snprintf(node, sizeof(node), "/sys/dev/char/%u:%u/uevent", major(st.st_rdev),
		 minor(st.st_rdev));
	FILE *f = fopen(node, "r");

	node[0] = '\0';
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "DEVNAME=dri/%31s", node) == 1)
			break;
	fclose(f);
	if (!node[0])
		return -1;

	for (int inst = 0; inst < 16; inst++) {
		char names[128], name[40];
		int card, render;

		if (vprime_debugfs_read(inst, "card", names, sizeof(names)) < 0 ||
		    !vprime_parse_card(names, &card, &render))
			continue;
		snprintf(name, sizeof(name), "card%d", card);
		if (strcmp(name, node) == 0)
			return inst;
		snprintf(name, sizeof(name), "renderD%d", render);
		if (strcmp(name, node) == 0)
			return inst;
	}
	return -1;
}

int igt_require_vprime(int fd)
{
	int inst = vprime_instance(fd);

	igt_require_f(inst >= 0,
		      "the ground truth needs vprime's debugfs; this device is %s "
		      "(or debugfs is not mounted)\n",
		      drm_driver_name(fd));
	return inst;
}

int vprime_object_count(int inst)
{
	return vprime_debugfs_count(inst, "objects", "objects");
}

enum obj_key {
	BY_DMABUF,
	BY_ID,
};

/* streams the whole list: objects leaked by a fault may be many */
static bool find_obj(int inst, enum obj_key by, uint64_t key, struct vprime_obj *out)
{
	FILE *f = vprime_open(inst, "objects");
	struct vprime_obj o;
	char line[256];
	int found = 0;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (!vprime_parse_obj(line, &o) ||
		    (by == BY_DMABUF ? o.dmabuf != key : o.id != key))
			continue;
		if (found++ == 0 && out)
			*out = o;
	}
	fclose(f);
	/* an import and its exporter are on different instances; on one
	 * instance a dma-buf belongs to one object */
	igt_assert_f(found <= 1, "%d objects of vprime.%d have dma-buf inode %llu\n", found, inst,
		     (unsigned long long)key);
	return found == 1;
}

bool vprime_object_by_dmabuf(int inst, unsigned long ino, struct vprime_obj *obj)
{
	return find_obj(inst, BY_DMABUF, ino, obj);
}

bool vprime_object_by_id(int inst, unsigned int id, struct vprime_obj *obj)
{
	return find_obj(inst, BY_ID, id, obj);
}

struct vprime_obj igt_vprime_obj_id(int inst, unsigned int id)
{
	struct vprime_obj o;

	igt_assert_f(vprime_object_by_id(inst, id, &o), "vprime.%d lists no object %u\n", inst, id);
	igt_debug("vprime.%d: obj id=%u refcount=%d handles=%d dmabuf=%lu import=%s pins=%d "
		  "mmaps=%d\n",
		  inst, o.id, o.refcount, o.handles, o.dmabuf, o.import, o.pins, o.mmaps);
	return o;
}

struct vprime_obj igt_vprime_obj(int fd, uint32_t handle)
{
	int inst = vprime_instance(fd), id = vprime_object_id(fd, handle);

	igt_assert_f(inst >= 0 && id > 0, "no vprime object for handle %u: %s\n", handle,
		     id < 0 ? strerror(-id) : "not a vprime file");
	return igt_vprime_obj_id(inst, id);
}

int vprime_object_id(int fd, uint32_t handle)
{
	struct drm_vprime_info info = { .handle = handle };

	if (drmIoctl(fd, DRM_IOCTL_VPRIME_INFO, &info))
		return -errno;
	return info.id;
}

int vprime_client(int fd)
{
	struct drm_vprime_info info = { 0 };

	if (drmIoctl(fd, DRM_IOCTL_VPRIME_INFO, &info))
		return -errno;
	return info.client;
}

int vprime_leaks(int inst)
{
	return vprime_debugfs_count(inst, "leaks", "leaks");
}

/*
 * The PRIME cache entries in 'files' that name dma-buf @ino: of the file
 * with @client id (any dma-buf if @ino is 0; -1 when that file is not open),
 * or of every file when @all; the handle of the first in @handle.
 */
static int cache_scan(int inst, bool all, int client, unsigned long ino, uint32_t *handle)
{
	FILE *f = vprime_open(inst, "files");
	bool mine = all, open = all;
	char line[256];
	int n = 0;

	if (handle)
		*handle = 0;
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		struct vprime_file file;
		unsigned long i;
		unsigned int h;

		if (vprime_parse_file(line, &file)) {
			mine = all || (int)file.client == client;
			open |= mine;
		} else if (mine && vprime_parse_prime(line, &i, &h, NULL) &&
			   (i == ino || (!all && !ino))) {
			if (n++ == 0 && handle)
				*handle = h;
		}
	}
	fclose(f);
	return open ? n : -1;
}

int vprime_file_entries(int inst, int client, unsigned long ino, uint32_t *handle)
{
	return cache_scan(inst, false, client, ino, handle);
}

int vprime_cache_entries(int inst, unsigned long ino, uint32_t *handle)
{
	return cache_scan(inst, true, 0, ino, handle);
}

int vprime_files_of(int inst, pid_t pid)
{
	FILE *f = vprime_open(inst, "files");
	struct vprime_file file;
	char line[256];
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (vprime_parse_file(line, &file) && file.pid == pid)
			n++;
	fclose(f);
	return n;
}

int vprime_fault(int inst, const char *name)
{
	char what[96];
	FILE *f;
	int v = -1;

	snprintf(what, sizeof(what), "faults/%s", name);
	f = vprime_open(inst, what);
	if (!f)
		return -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

int vprime_set_fault(int inst, const char *name, int on)
{
	char path[128];
	int fd, ret = 0;

	snprintf(path, sizeof(path), VPRIME_DEBUGFS "/%d/faults/%s", inst, name);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	if (write(fd, on ? "1\n" : "0\n", 2) != 2)
		ret = -errno;
	close(fd);
	return ret;
}

int vprime_object_flags(int fd, uint32_t handle)
{
	struct drm_vprime_info info = { .handle = handle };

	if (drmIoctl(fd, DRM_IOCTL_VPRIME_INFO, &info))
		return -errno;
	return info.flags;
}

/*
 * bufinfo: a header, then per dma-buf a line
 *   size\tflags\tmode\tcount\texp_name\tino\tname
 * (numbers zero-padded), its reservation fences, "\tAttached Devices:", one
 * "\tDEVICE" line per attachment and "Total N devices attached".
 */
static int bufinfo_scan(unsigned long want, struct dmabuf_state *st)
{
	FILE *f = fopen(BUFINFO, "r");
	char line[512];
	bool in_want = false;
	int total = 0, ret = -ENOENT;

	if (!f)
		return -ENODEV;
	while (fgets(line, sizeof(line), f)) {
		struct dmabuf_state s = { 0 };
		unsigned long flags, mode, ino;
		int attached;

		if (sscanf(line, "%" SCNu64 "\t%lx\t%lx\t%ld\t%31s\t%lu", &s.size, &flags, &mode,
			   &s.count, s.exp_name, &ino) == 6) {
			total++;
			in_want = ino == want;
			if (in_want && st)
				*st = s;
			continue;
		}
		if (in_want && sscanf(line, "Total %d devices attached", &attached) == 1) {
			if (st)
				st->attachments = attached;
			in_want = false;
			ret = 0;
		}
	}
	fclose(f);
	return want ? ret : total;
}

int dmabuf_state(unsigned long ino, struct dmabuf_state *st)
{
	return bufinfo_scan(ino, st);
}

int dmabuf_total(void)
{
	int n = bufinfo_scan(0, NULL);

	return n < 0 ? -1 : n;
}

int module_refcount(const char *name)
{
	char path[128];
	FILE *f;
	int n = -1;

	snprintf(path, sizeof(path), "/sys/module/%s/refcnt", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%d", &n) != 1)
		n = -1;
	fclose(f);
	return n;
}
