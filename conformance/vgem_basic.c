// SPDX-License-Identifier: MIT
/**
 * TEST: vgem basic
 * Category: Core
 * Description: IGT's vgem_basic, the subtests that apply to any vgem-like
 *	driver, under the same names, written from IGT's tests/vgem_basic.c
 *	and lib/igt_vgem.c: run on vgem and on vprime (--device vprime), they
 *	show that vprime answers where IGT would open it as a vgem device.
 *	The fence subtests are vgem's own ioctls and are left out.
 *
 * SUBTEST: unload
 * Description: An open DRM file, a dma-buf fd, and a CPU mapping of a
 *	closed dma-buf each keep the driver's module loaded; once all are
 *	gone it unloads. The module is loaded again afterwards.
 *
 * SUBTEST: setversion
 * Description: DRM_IOCTL_SET_VERSION for interface 1.4 succeeds.
 *
 * SUBTEST: second-client
 * Description: The device opens twice more, through its primary and its
 *	render node.
 *
 * SUBTEST: create
 * Description: Dumb buffers: 0x0x0 is EINVAL; 1x1x1 is one page;
 *	1024x1024x8 is 1 MiB; 32768x32768x16 is 2 GiB.
 *
 * SUBTEST: mmap
 * Description: A CPU mapping of a dumb buffer outlives its handle and
 *	takes a write to every page.
 *
 * SUBTEST: dmabuf-mmap
 * Description: Writes through a dma-buf mapping, made before the fd was
 *	closed, are seen through a GEM mapping that outlives the handle.
 *
 * SUBTEST: sysfs
 * Description: Every file of the device's sysfs directory reads within a
 *	second.
 *
 * SUBTEST: debugfs
 * Description: Every file of the device's DRM debugfs directory reads
 *	within a second.
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <xf86drm.h>
#include <drm_mode.h>

#include "igt.h"

struct dumb {
	uint32_t width, height, bpp;
	uint32_t handle, pitch;
	uint64_t size;
};

static int __dumb_create(int fd, struct dumb *bo)
{
	struct drm_mode_create_dumb c = { .width = bo->width,
					  .height = bo->height,
					  .bpp = bo->bpp };

	if (drmIoctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &c))
		return -errno;
	bo->handle = c.handle;
	bo->pitch = c.pitch;
	bo->size = c.size;
	return 0;
}

static void dumb_create(int fd, struct dumb *bo)
{
	igt_assert_eq(__dumb_create(fd, bo), 0);
}

static void *dumb_mmap(int fd, struct dumb *bo, int prot)
{
	struct drm_mode_map_dumb m = { .handle = bo->handle };
	void *p;

	igt_assert_eq(drmIoctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &m) ? -errno : 0, 0);
	p = mmap(NULL, bo->size, prot, MAP_SHARED, fd, m.offset);
	igt_assert(p != MAP_FAILED);
	return p;
}

/* the module behind the first device the filters pick, e.g. "vgem" */
static char module[64];

static void find_module(void)
{
	int fd = drm_open_driver(DRIVER_VGEM | DRIVER_VPRIME);

	snprintf(module, sizeof(module), "%s", drm_driver_name(fd));
	close(fd);
}

static int module_unload(void)
{
	return syscall(SYS_delete_module, module, O_NONBLOCK) ? -errno : 0;
}

static void module_load(void)
{
	char cmd[512];

	/* the test VM lists the modules it loaded in /modules.load */
	snprintf(cmd, sizeof(cmd),
		 "modprobe %s 2>/dev/null || { f=$(grep -m1 -E '(^|/)%s\\.ko' /modules.load "
		 "2>/dev/null); insmod /lib/modules/$(uname -r)/${f:-%s.ko}; }",
		 module, module, module);
	igt_assert_f(system(cmd) == 0, "could not load %s again\n", module);
}

static void test_unload(void)
{
	struct dumb bo = { .width = 1024, .height = 1, .bpp = 32 };
	uint32_t *ptr;
	int fd, dmabuf;

	igt_require_f(!module_unload(), "%s cannot be unloaded here\n", module);
	module_load();

	fd = drm_open_driver(DRIVER_VGEM | DRIVER_VPRIME);
	igt_assert_f(module_unload() != 0, "an open DRM file should keep %s loaded\n", module);
	dumb_create(fd, &bo);
	close(fd);
	igt_assert_f(module_unload() == 0, "no file open: %s should unload\n", module);
	module_load();

	fd = drm_open_driver(DRIVER_VGEM | DRIVER_VPRIME);
	dumb_create(fd, &bo);
	dmabuf = prime_handle_to_fd(fd, bo.handle);
	close(fd);
	igt_assert_f(module_unload() != 0, "a dma-buf should keep %s loaded\n", module);
	close(dmabuf);
	igt_assert_f(module_unload() == 0, "no dma-buf: %s should unload\n", module);
	module_load();

	fd = drm_open_driver(DRIVER_VGEM | DRIVER_VPRIME);
	dumb_create(fd, &bo);
	dmabuf = prime_handle_to_fd_for_mmap(fd, bo.handle);
	close(fd);
	ptr = mmap(NULL, bo.size, PROT_WRITE, MAP_SHARED, dmabuf, 0);
	igt_assert(ptr != MAP_FAILED);
	close(dmabuf);
	igt_assert_f(module_unload() != 0, "a mapping should keep %s loaded\n", module);
	for (uint64_t page = 0; page < bo.size >> 12; page++)
		ptr[1024 * page + page % 1024] = page;
	munmap(ptr, bo.size);
	igt_assert_f(module_unload() == 0, "no mapping: %s should unload\n", module);
	module_load();
}

static void test_setversion(int fd)
{
	drm_set_version_t sv = {
		.drm_di_major = 1, .drm_di_minor = 4, .drm_dd_major = -1, .drm_dd_minor = -1
	};

	igt_assert_eq(drmIoctl(fd, DRM_IOCTL_SET_VERSION, &sv) ? -errno : 0, 0);
	igt_info("%s DRM interface v%d.%d, device v%d.%d\n", module, sv.drm_di_major,
		 sv.drm_di_minor, sv.drm_dd_major, sv.drm_dd_minor);
}

static void test_client(int fd)
{
	char *render = drmGetRenderDeviceNameFromFd(fd);
	int other;

	close(drm_open_driver(DRIVER_VGEM | DRIVER_VPRIME));
	igt_assert(render);
	other = open(render, O_RDWR | O_CLOEXEC);
	igt_assert_f(other >= 0, "%s: %s\n", render, strerror(errno));
	close(other);
	free(render);
}

static void test_create(int fd)
{
	struct dumb bo = { 0 };

	igt_assert_eq(__dumb_create(fd, &bo), -EINVAL);
	bo = (struct dumb){ .width = 1, .height = 1, .bpp = 1 };
	dumb_create(fd, &bo);
	igt_assert_eq(bo.size, 4096);
	gem_close(fd, bo.handle);
	bo = (struct dumb){ .width = 1024, .height = 1024, .bpp = 8 };
	dumb_create(fd, &bo);
	igt_assert_eq(bo.size, 1 << 20);
	gem_close(fd, bo.handle);
	bo = (struct dumb){ .width = 1 << 15, .height = 1 << 15, .bpp = 16 };
	dumb_create(fd, &bo);
	igt_assert(bo.size == 1ull << 31);
	gem_close(fd, bo.handle);
}

static void test_mmap(int fd)
{
	struct dumb bo = { .width = 1024, .height = 1024, .bpp = 32 };
	uint32_t *ptr;

	dumb_create(fd, &bo);
	ptr = dumb_mmap(fd, &bo, PROT_WRITE);
	gem_close(fd, bo.handle);
	for (uint64_t page = 0; page < bo.size >> 12; page++)
		ptr[page] = 0;
	munmap(ptr, bo.size);
}

static void test_dmabuf_mmap(int fd)
{
	struct dumb bo = { .width = 1024, .height = 1024, .bpp = 32 };
	uint32_t *ptr;
	int dmabuf;

	dumb_create(fd, &bo);
	dmabuf = prime_handle_to_fd_for_mmap(fd, bo.handle);
	ptr = mmap(NULL, bo.size, PROT_WRITE, MAP_SHARED, dmabuf, 0);
	close(dmabuf);
	igt_assert(ptr != MAP_FAILED);
	for (uint64_t page = 0; page < bo.size >> 12; page++)
		ptr[page] = page;
	munmap(ptr, bo.size);

	ptr = dumb_mmap(fd, &bo, PROT_READ);
	gem_close(fd, bo.handle);
	for (uint64_t page = 0; page < bo.size >> 12; page++)
		igt_assert_eq(ptr[page], page);
	munmap(ptr, bo.size);
}

static void on_alarm(int sig)
{
}

/* read every regular file of @dir, each within a second */
static void read_all(const char *dir)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[512], buf[4096];
	ssize_t r;
	int n = 0;

	igt_assert_f(d, "%s: %s\n", dir, strerror(errno));
	sigaction(SIGALRM, &sa, NULL);
	while ((de = readdir(d))) {
		struct stat st;
		int fd;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (stat(path, &st) || S_ISDIR(st.st_mode))
			continue;
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		igt_debug("reading %s\n", path);
		alarm(1);
		while ((r = read(fd, buf, sizeof(buf))) > 0)
			;
		alarm(0);
		igt_assert_f(!(r < 0 && errno == EINTR), "reading %s stalled\n", path);
		close(fd);
		n++;
	}
	closedir(d);
	igt_assert_f(n > 0, "nothing to read in %s\n", dir);
}

static void test_sysfs(int fd)
{
	struct stat st;
	char dir[96];

	igt_assert_eq(fstat(fd, &st), 0);
	snprintf(dir, sizeof(dir), "/sys/dev/char/%d:%d", major(st.st_rdev), minor(st.st_rdev));
	read_all(dir);
}

static void test_debugfs(int fd)
{
	struct stat st;
	char dir[96];

	igt_assert_eq(fstat(fd, &st), 0);
	snprintf(dir, sizeof(dir), "/sys/kernel/debug/dri/%d", minor(st.st_rdev));
	igt_require_f(access(dir, R_OK) == 0, "no debugfs at %s\n", dir);
	read_all(dir);
}

igt_main
{
	static int fd = -1;

	igt_fixture {
		find_module();
	}

	igt_describe("An open DRM file, a dma-buf fd, and a CPU mapping of a closed dma-buf each "
		     "keep the driver's module loaded; once all are gone it unloads. The module is "
		     "loaded again afterwards.");
	igt_subtest("unload")
		test_unload();

	igt_fixture {
		fd = drm_open_driver(DRIVER_VGEM | DRIVER_VPRIME);
	}

	igt_describe("DRM_IOCTL_SET_VERSION for interface 1.4 succeeds.");
	igt_subtest("setversion")
		test_setversion(fd);

	igt_describe("The device opens twice more, through its primary and its render node.");
	igt_subtest("second-client")
		test_client(fd);

	igt_describe("Dumb buffers: 0x0x0 is EINVAL; 1x1x1 is one page; 1024x1024x8 is 1 MiB; "
		     "32768x32768x16 is 2 GiB.");
	igt_subtest("create")
		test_create(fd);

	igt_describe("A CPU mapping of a dumb buffer outlives its handle and takes a write to "
		     "every page.");
	igt_subtest("mmap")
		test_mmap(fd);

	igt_describe("Writes through a dma-buf mapping, made before the fd was closed, are seen "
		     "through a GEM mapping that outlives the handle.");
	igt_subtest("dmabuf-mmap")
		test_dmabuf_mmap(fd);

	igt_describe("Every file of the device's sysfs directory reads within a second.");
	igt_subtest("sysfs")
		test_sysfs(fd);

	igt_describe("Every file of the device's DRM debugfs directory reads within a second.");
	igt_subtest("debugfs")
		test_debugfs(fd);

	igt_fixture {
		close(fd);
	}
}
