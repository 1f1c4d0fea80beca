// SPDX-License-Identifier: MIT
/*
 * Devices and buffer objects (see igt_drm.h).
 */
#include <fcntl.h>
#include <limits.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <xf86drm.h>

#include "igt_core.h"
#include "igt_drm.h"
#include "vprime_drm.h"

#define MAX_FILTERS 8
#define MAX_CARDS   32

static char *filters[MAX_FILTERS];
static int num_filters;

void igt_device_filter_add(const char *list)
{
	char *dup = strdup(list), *save = NULL, *f;

	for (f = strtok_r(dup, ";", &save); f; f = strtok_r(NULL, ";", &save)) {
		if (num_filters == MAX_FILTERS) {
			fprintf(stderr, "too many device filters (at most %d)\n", MAX_FILTERS);
			exit(IGT_EXIT_INVALID);
		}
		filters[num_filters++] = strdup(f);
	}
	free(dup);
}

int igt_device_filter_count(void)
{
	return num_filters;
}

const char *igt_device_filter_get(int idx)
{
	return idx < num_filters ? filters[idx] : NULL;
}

/* --- finding devices --------------------------------------------------------- */

struct card {
	char node[32];
	char driver[32];
	bool render;
};

/* The DRM nodes, primary ones first, in minor order, with their drivers'
 * names. Driver-name filters pick primary nodes (dumb buffers need them);
 * a render node is used when named by its path. */
static int scan_cards(struct card *cards)
{
	int n = 0;

	for (int minor = 0; minor < 192 && n < MAX_CARDS; minor++) {
		drmVersionPtr v;
		int fd;

		if (minor == 64)
			minor = 128;
		cards[n].render = minor >= 128;
		snprintf(cards[n].node, sizeof(cards[n].node),
			 cards[n].render ? "/dev/dri/renderD%d" : "/dev/dri/card%d", minor);
		fd = open(cards[n].node, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		v = drmGetVersion(fd);
		close(fd);
		if (!v)
			continue;
		snprintf(cards[n].driver, sizeof(cards[n].driver), "%s", v->name);
		drmFreeVersion(v);
		n++;
	}
	return n;
}

/* driver names compare with '-' and '_' alike (virtio-gpu, virtio_gpu) */
static bool same_name(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (*a != *b && !((*a == '-' || *a == '_') && (*b == '-' || *b == '_')))
			return false;
	return *a == *b;
}

static bool in_chipset(const char *driver, int chipset)
{
	if (chipset == DRIVER_ANY)
		return true;
	return ((chipset & DRIVER_VGEM) && same_name(driver, "vgem")) ||
	       ((chipset & DRIVER_VPRIME) && same_name(driver, "vprime")) ||
	       ((chipset & DRIVER_VIRTIO) && same_name(driver, "virtio_gpu"));
}

static char resolve_why[256];

/* A filter to a card index, or -1 with resolve_why set. */
static int resolve_filter(const char *filter, const struct card *cards, int n)
{
	char name[64], *colon;
	int want = 0, seen = 0;

	if (strncmp(filter, "drm:", 4) == 0)
		filter += 4;
	if (filter[0] == '/') {
		for (int i = 0; i < n; i++)
			if (strcmp(cards[i].node, filter) == 0)
				return i;
		snprintf(resolve_why, sizeof(resolve_why), "%s is not a DRM node", filter);
		return -1;
	}
	snprintf(name, sizeof(name), "%s", filter);
	colon = strchr(name, ':');
	if (colon) {
		char *end;

		*colon = '\0';
		want = strtol(colon + 1, &end, 10);
		if (*end || want < 0) {
			snprintf(resolve_why, sizeof(resolve_why), "bad device filter '%s'",
				 filter);
			return -1;
		}
	}
	for (int i = 0; i < n; i++)
		if (!cards[i].render && same_name(cards[i].driver, name) && seen++ == want)
			return i;
	snprintf(resolve_why, sizeof(resolve_why), "no device '%s' (%d of driver %s)", filter, seen,
		 name);
	return -1;
}

static int resolve(int idx, int chipset, struct card *cards, int n)
{
	int c;

	if (idx < num_filters) {
		c = resolve_filter(filters[idx], cards, n);
	} else if (idx == 0) {
		for (c = 0; c < n && (cards[c].render || !in_chipset(cards[c].driver, chipset));
		     c++)
			;
		if (c == n) {
			snprintf(resolve_why, sizeof(resolve_why),
				 "no DRM device of a driver this test takes (--device)");
			c = -1;
		}
	} else {
		/* the peer: the next device of the same driver as the previous one */
		int prev = resolve(idx - 1, DRIVER_ANY, cards, n);

		if (prev < 0)
			return -1;
		for (c = prev + 1;
		     c < n && (cards[c].render || strcmp(cards[c].driver, cards[prev].driver)); c++)
			;
		if (c == n) {
			snprintf(resolve_why, sizeof(resolve_why),
				 "no second %s device (give one with --device A --device B)",
				 cards[prev].driver);
			c = -1;
		}
	}
	if (c >= 0 && !in_chipset(cards[c].driver, chipset)) {
		snprintf(resolve_why, sizeof(resolve_why), "%s is %s, not a driver this test takes",
			 cards[c].node, cards[c].driver);
		c = -1;
	}
	return c;
}

const char *drm_device_node(int idx, int chipset)
{
	static char node[32];
	struct card cards[MAX_CARDS];
	int n = scan_cards(cards), c = resolve(idx, chipset, cards, n);

	if (c < 0)
		return NULL;
	snprintf(node, sizeof(node), "%s", cards[c].node);
	return node;
}

int drm_open_driver_another(int idx, int chipset)
{
	const char *node = drm_device_node(idx, chipset);
	int fd;

	errno = 0;
	igt_require_f(node, "device %d: %s\n", idx, resolve_why);
	fd = open(node, O_RDWR | O_CLOEXEC);
	igt_assert_f(fd >= 0, "open %s: %s\n", node, strerror(errno));
	return fd;
}

int drm_open_driver(int chipset)
{
	return drm_open_driver_another(0, chipset);
}

void drm_close_driver(int fd)
{
	igt_assert_eq(close(fd), 0);
}

const char *drm_driver_name(int fd)
{
	/* a few buffers, so that one call does not overwrite another's result
	 * within the same expression */
	static char names[4][32];
	static unsigned int next;
	char *name = names[next++ % ARRAY_SIZE(names)];
	drmVersionPtr v = drmGetVersion(fd);

	igt_assert(v);
	snprintf(name, sizeof(names[0]), "%s", v->name);
	drmFreeVersion(v);
	return name;
}

bool drm_is_driver(int fd, const char *name)
{
	return same_name(drm_driver_name(fd), name);
}

static bool device_path(int fd, char *buf, size_t len)
{
	char link[64];
	struct stat st;

	if (fstat(fd, &st) || !S_ISCHR(st.st_mode))
		return false;
	snprintf(link, sizeof(link), "/sys/dev/char/%u:%u/device", major(st.st_rdev),
		 minor(st.st_rdev));
	return realpath(link, buf) && strlen(buf) < len;
}

bool drm_same_device(int fd, int other)
{
	char a[PATH_MAX], b[PATH_MAX];

	return device_path(fd, a, sizeof(a)) && device_path(other, b, sizeof(b)) &&
	       strcmp(a, b) == 0;
}

bool drm_has_prime(int fd, uint64_t cap)
{
	uint64_t value = 0;

	return drmGetCap(fd, DRM_CAP_PRIME, &value) == 0 && (value & cap) == cap;
}

/* --- GEM ----------------------------------------------------------------------- */

static int ioctl_errno(int fd, unsigned long request, void *arg)
{
	return drmIoctl(fd, request, arg) ? -errno : 0;
}

int __gem_create(int fd, uint64_t size, uint32_t *handle)
{
	struct drm_vprime_create vcreate = { .size = size };
	struct drm_mode_create_dumb arg = {
		.width = 1024,
		.bpp = 32,
		.height = (size + 4095) / 4096,
	};
	int ret;

	/* vprime takes an explicit size, on render nodes too */
	if (drm_is_driver(fd, "vprime")) {
		ret = ioctl_errno(fd, DRM_IOCTL_VPRIME_CREATE, &vcreate);
		if (ret == 0)
			*handle = vcreate.handle;
		return ret;
	}
	ret = ioctl_errno(fd, DRM_IOCTL_MODE_CREATE_DUMB, &arg);
	if (ret == 0)
		*handle = arg.handle;
	return ret;
}

uint32_t gem_create(int fd, uint64_t size)
{
	uint32_t handle = 0;
	int ret = __gem_create(fd, size, &handle);

	igt_assert_f(ret == 0, "creating a %llu-byte object: %s\n", (unsigned long long)size,
		     strerror(-ret));
	return handle;
}

int __gem_close(int fd, uint32_t handle)
{
	struct drm_gem_close arg = { .handle = handle };

	return ioctl_errno(fd, DRM_IOCTL_GEM_CLOSE, &arg);
}

void gem_close(int fd, uint32_t handle)
{
	igt_assert_eq(__gem_close(fd, handle), 0);
}

static bool is_render_node(int fd)
{
	return drmGetNodeTypeFromFd(fd) == DRM_NODE_RENDER;
}

uint32_t gem_flink(int fd, uint32_t handle)
{
	struct drm_gem_flink arg = { .handle = handle };
	int ret = ioctl_errno(fd, DRM_IOCTL_GEM_FLINK, &arg);

	igt_skip_on_f(ret && is_render_node(fd), "GEM_FLINK needs a primary node\n");
	igt_assert_f(ret == 0, "GEM_FLINK of handle %u: %s\n", handle, strerror(-ret));
	return arg.name;
}

uint32_t gem_open(int fd, uint32_t name)
{
	struct drm_gem_open arg = { .name = name };
	int ret = ioctl_errno(fd, DRM_IOCTL_GEM_OPEN, &arg);

	igt_skip_on_f(ret && is_render_node(fd), "GEM_OPEN needs a primary node\n");
	igt_assert_f(ret == 0, "GEM_OPEN of name %u: %s\n", name, strerror(-ret));
	return arg.handle;
}

/* the fake offset for mmap() of the DRM fd: vprime's ioctl works on render
 * nodes too, MODE_MAP_DUMB on primary nodes of any driver */
static int map_offset(int fd, uint32_t handle, uint64_t *offset)
{
	struct drm_vprime_map_offset vmap = { .handle = handle };
	struct drm_mode_map_dumb arg = { .handle = handle };
	int ret;

	if (drm_is_driver(fd, "vprime")) {
		ret = ioctl_errno(fd, DRM_IOCTL_VPRIME_MAP_OFFSET, &vmap);
		*offset = vmap.offset;
		return ret;
	}
	ret = ioctl_errno(fd, DRM_IOCTL_MODE_MAP_DUMB, &arg);
	*offset = arg.offset;
	return ret;
}

void *__gem_mmap(int fd, uint32_t handle, uint64_t size, int prot)
{
	uint64_t offset;
	void *ptr;
	int ret = map_offset(fd, handle, &offset);

	if (ret) {
		errno = -ret;
		return NULL;
	}
	ptr = mmap(NULL, size, prot, MAP_SHARED, fd, offset);
	return ptr == MAP_FAILED ? NULL : ptr;
}

void *gem_mmap(int fd, uint32_t handle, uint64_t size, int prot)
{
	void *ptr = __gem_mmap(fd, handle, size, prot);

	igt_assert_f(ptr, "mapping handle %u: %s\n", handle, strerror(errno));
	return ptr;
}

bool gem_handle_valid(int fd, uint32_t handle)
{
	uint64_t offset;

	/* imported objects refuse a map offset (EINVAL) but do exist */
	return map_offset(fd, handle, &offset) != -ENOENT;
}

/* --- PRIME --------------------------------------------------------------------- */

int __prime_handle_to_fd(int fd, uint32_t handle, uint32_t flags, int *dmabuf)
{
	struct drm_prime_handle arg = { .handle = handle, .flags = flags, .fd = -1 };
	int ret = ioctl_errno(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &arg);

	*dmabuf = arg.fd;
	return ret;
}

int prime_handle_to_fd(int fd, uint32_t handle)
{
	int dmabuf = -1, ret = __prime_handle_to_fd(fd, handle, DRM_CLOEXEC, &dmabuf);

	igt_assert_f(ret == 0 && dmabuf >= 0, "exporting handle %u: %s\n", handle, strerror(-ret));
	return dmabuf;
}

int prime_handle_to_fd_for_mmap(int fd, uint32_t handle)
{
	int dmabuf = -1, ret = __prime_handle_to_fd(fd, handle, DRM_CLOEXEC | DRM_RDWR, &dmabuf);

	igt_skip_on_f(ret == -EINVAL, "DRM_RDWR exports are not supported\n");
	igt_assert_f(ret == 0 && dmabuf >= 0, "exporting handle %u: %s\n", handle, strerror(-ret));
	return dmabuf;
}

int __prime_fd_to_handle(int fd, int dmabuf, uint32_t *handle)
{
	struct drm_prime_handle arg = { .fd = dmabuf };
	int ret = ioctl_errno(fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &arg);

	if (ret == 0)
		*handle = arg.handle;
	return ret;
}

uint32_t prime_fd_to_handle(int fd, int dmabuf)
{
	uint32_t handle = 0;
	int ret = __prime_fd_to_handle(fd, dmabuf, &handle);

	igt_assert_f(ret == 0, "importing dma-buf fd %d: %s\n", dmabuf, strerror(-ret));
	return handle;
}

off_t prime_get_size(int dmabuf)
{
	off_t size = lseek(dmabuf, 0, SEEK_END);

	igt_assert_f(size >= 0, "llseek(SEEK_END) on a dma-buf: %s\n", strerror(errno));
	igt_assert_eq(lseek(dmabuf, 0, SEEK_SET), 0);
	return size;
}

unsigned long dmabuf_inode(int dmabuf)
{
	struct stat st;

	igt_assert_eq(fstat(dmabuf, &st), 0);
	return st.st_ino;
}

long dmabuf_file_count(int dmabuf)
{
	char path[64], line[128];
	long count = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", dmabuf);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "count: %ld", &count) == 1)
			break;
	fclose(f);
	return count;
}
