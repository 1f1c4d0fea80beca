// SPDX-License-Identifier: MIT
/*
 * Ground truth from debugfs and sysfs (see igt_oracle.h).
 */
#include <fcntl.h>
#include <inttypes.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "igt_core.h"
#include "igt_drm.h"
#include "igt_oracle.h"

#define VPRIME_DEBUGFS "/sys/kernel/debug/vprime"
#define BUFINFO	       "/sys/kernel/debug/dma_buf/bufinfo"

static FILE *vprime_open(int inst, const char *what)
{
	char path[128];

	snprintf(path, sizeof(path), VPRIME_DEBUGFS "/%d/%s", inst, what);
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
		char names[128], *save = NULL, *tok;

		f = vprime_open(inst, "card");
		if (!f)
			continue;
		if (!fgets(names, sizeof(names), f))
			names[0] = '\0';
		fclose(f);
		for (tok = strtok_r(names, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save))
			if (strcmp(tok, node) == 0)
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
	FILE *f = vprime_open(inst, "objects");
	int n = -1;

	if (!f)
		return -1;
	if (fscanf(f, "objects %d", &n) != 1)
		n = -1;
	fclose(f);
	return n;
}

static bool parse_obj(const char *line, struct vprime_obj *o)
{
	memset(o, 0, sizeof(*o));
	return sscanf(line,
		      "obj id=%u size=%" SCNu64 " refcount=%d handles=%d dmabuf=%lu import=%31s "
		      "pins=%d vmaps=%d mmaps=%d",
		      &o->id, &o->size, &o->refcount, &o->handles, &o->dmabuf, o->import, &o->pins,
		      &o->vmaps, &o->mmaps) == 9;
}

int vprime_objects(int inst, struct vprime_obj *objs, int max)
{
	FILE *f = vprime_open(inst, "objects");
	char line[256];
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f) && n < max)
		if (parse_obj(line, &objs[n]))
			n++;
	fclose(f);
	return n;
}

static bool find_obj(int inst, bool by_ino, uint64_t key, struct vprime_obj *out)
{
	static struct vprime_obj objs[VPRIME_MAX_OBJS];
	int n = vprime_objects(inst, objs, VPRIME_MAX_OBJS), found = 0;

	for (int i = 0; i < n; i++) {
		if (by_ino ? objs[i].dmabuf != key : objs[i].size != key)
			continue;
		if (found++ == 0 && out)
			*out = objs[i];
	}
	igt_assert_f(found <= 1, "%d vprime objects have %s %llu\n", found,
		     by_ino ? "dma-buf inode" : "size", (unsigned long long)key);
	return found == 1;
}

bool vprime_object_by_dmabuf(int inst, unsigned long ino, struct vprime_obj *obj)
{
	return find_obj(inst, true, ino, obj);
}

bool vprime_object_by_size(int inst, uint64_t size, struct vprime_obj *obj)
{
	return find_obj(inst, false, size, obj);
}

int vprime_cache_entries(int inst, unsigned long ino, uint32_t *handle)
{
	FILE *f = vprime_open(inst, "files");
	char line[256];
	int n = 0;

	if (handle)
		*handle = 0;
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long i;
		uint32_t h;

		if (sscanf(line, " prime dmabuf=%lu handle=%u", &i, &h) == 2 && i == ino) {
			if (n++ == 0 && handle)
				*handle = h;
		}
	}
	fclose(f);
	return n;
}

int vprime_files_of(int inst, pid_t pid)
{
	FILE *f = vprime_open(inst, "files");
	char line[256];
	int n = 0, p;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "file pid=%d", &p) == 1 && p == pid)
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
