// SPDX-License-Identifier: MIT
/**
 * TEST: prime lifetime
 * Category: Core
 * Description: Lifetime rules of drm_prime.c: the dma-buf holds a reference
 *	on the exported object, released when the dma-buf's last reference
 *	goes; an object is freed exactly once, after its last handle, dma-buf
 *	fd and mapping; an object without handles cannot be exported. Also
 *	vgem_basic's dmabuf-export and unload. Ground truth from vprime's
 *	debugfs where the device is vprime, from the dma-buf core's bufinfo and
 *	the module's reference count everywhere. Invariant IDs refer to
 *	docs/invariants.md.
 *
 * SUBTEST: export-takes-one-ref
 * Description: The first export takes exactly one GEM reference for the
 *	dma-buf, a second export none; the reference is dropped with the
 *	dma-buf (L1, L2, E1).
 *
 * SUBTEST: dmabuf-holds-object
 * Description: After GEM_CLOSE of the last handle the dma-buf keeps the
 *	object and its memory (L1).
 *
 * SUBTEST: free-after-last-reference
 * Description: An object with a handle, a dma-buf fd and a dma-buf mapping
 *	is freed after the last of them goes, in every order, and not before
 *	(L2, M2).
 *
 * SUBTEST: export-closed-handle-enoent
 * Description: Exporting a closed handle fails with ENOENT, also while the
 *	object lives on in a dma-buf or in another file (E3).
 *
 * SUBTEST: dmabuf-export
 * Description: vgem_basic's: an exported object, its handle closed, is
 *	imported by another file (of the peer device when given) and released
 *	(L1, L2).
 *
 * SUBTEST: unload
 * Description: vgem_basic's, with the module reference count as the oracle
 *	instead of an unload: an open file, a dma-buf fd and a mapping of a
 *	closed dma-buf each pin the driver module; nothing else does (L2, M2).
 */
#include <sys/mman.h>
#include <unistd.h>
#include <xf86drm.h>

#include "igt.h"

#define BO_SIZE (64 * 1024)

static int fd = -1;
static int inst = -1;

static bool ground_truth(void)
{
	return inst >= 0;
}

static bool obj_alive(unsigned int id)
{
	return vprime_object_by_id(inst, id, NULL);
}

static void test_export_takes_one_ref(void)
{
	struct vprime_obj o;
	int objects, d1, d2;
	uint32_t handle;
	unsigned int id;

	igt_require_vprime(fd);
	objects = vprime_object_count(inst);
	handle = gem_create(fd, BO_SIZE);
	id = vprime_object_id(fd, handle);
	o = igt_vprime_obj_id(inst, id);
	/* the handles hold one reference between them */
	igt_assert_eq(o.refcount, 1);
	igt_assert_eq(o.handles, 1);
	igt_assert_eq(o.dmabuf, 0);

	d1 = prime_handle_to_fd(fd, handle);
	o = igt_vprime_obj_id(inst, id);
	igt_assert_f(o.refcount == 2, "refcount %d after the first export, expected 2\n",
		     o.refcount);
	igt_assert_eq_u64(o.dmabuf, dmabuf_inode(d1));

	d2 = prime_handle_to_fd(fd, handle);
	igt_assert_f(igt_vprime_obj_id(inst, id).refcount == 2,
		     "refcount %d after a second export, expected 2\n",
		     igt_vprime_obj_id(inst, id).refcount);
	close(d1);
	close(d2);
	/* the object still holds its dma-buf, the dma-buf the object */
	igt_assert_eq(igt_vprime_obj_id(inst, id).refcount, 2);

	/* the last handle drops the object's hold on its dma-buf, whose
	 * release then drops the last reference */
	gem_close(fd, handle);
	igt_assert_f(!obj_alive(id), "object %u outlived its handle and dma-buf\n", id);
	igt_assert_eq(vprime_object_count(inst), objects);
}

static void test_dmabuf_holds_object(void)
{
	int fd2 = drm_open_driver(DRIVER_ANY);
	uint32_t handle = gem_create(fd, BO_SIZE), h2;
	uint32_t *ptr = gem_mmap(fd, handle, BO_SIZE, PROT_READ | PROT_WRITE);
	int dmabuf = prime_handle_to_fd(fd, handle);
	unsigned int id = ground_truth() ? vprime_object_id(fd, handle) : 0;

	for (int i = 0; i < BO_SIZE / 4; i++)
		ptr[i] = i ^ 0x5a5a5a5a;
	munmap(ptr, BO_SIZE);
	gem_close(fd, handle);

	if (ground_truth()) {
		struct vprime_obj o = igt_vprime_obj_id(inst, id);

		/* only the dma-buf's reference is left */
		igt_assert_eq(o.handles, 0);
		igt_assert_eq(o.refcount, 1);
	}

	h2 = prime_fd_to_handle(fd2, dmabuf);
	ptr = gem_mmap(fd2, h2, BO_SIZE, PROT_READ);
	for (int i = 0; i < BO_SIZE / 4; i++)
		igt_assert_eq_u32(ptr[i], i ^ 0x5a5a5a5a);
	munmap(ptr, BO_SIZE);
	close(dmabuf);
	gem_close(fd2, h2);
	drm_close_driver(fd2);
}

enum ref {
	HANDLE,
	DMABUF,
	MAPPING,
};

static const char *const ref_name[] = { "handle", "dma-buf fd", "mapping" };

/* create with all three references, drop them in @order, and check that the
 * object and its dma-buf live exactly until the last one goes */
static void free_in_order(const enum ref order[3])
{
	struct igt_leaks leaks;
	struct dmabuf_state st;
	struct vprime_obj o = { 0 };
	unsigned long ino;
	uint32_t handle;
	int dmabuf;
	char *ptr;

	igt_leaks_start(&leaks, fd);
	handle = gem_create(fd, BO_SIZE);
	dmabuf = prime_handle_to_fd(fd, handle);
	ino = dmabuf_inode(dmabuf);
	ptr = mmap(NULL, BO_SIZE, PROT_READ, MAP_SHARED, dmabuf, 0);
	igt_assert(ptr != MAP_FAILED);
	if (ground_truth())
		o = igt_vprime_obj(fd, handle);

	for (int i = 0; i < 3; i++) {
		bool last = i == 2;

		igt_debug("dropping the %s\n", ref_name[order[i]]);
		switch (order[i]) {
		case HANDLE:
			gem_close(fd, handle);
			break;
		case DMABUF:
			close(dmabuf);
			break;
		case MAPPING:
			munmap(ptr, BO_SIZE);
			break;
		}
		if (ground_truth())
			igt_assert_f(obj_alive(o.id) == !last,
				     "object %s after the %s was dropped\n",
				     last ? "lives on" : "freed", ref_name[order[i]]);
		if (dmabuf_state(ino, &st) != -ENODEV)
			igt_assert_f((dmabuf_state(ino, &st) == 0) == !last,
				     "dma-buf %s after the %s was dropped\n",
				     last ? "lives on" : "released", ref_name[order[i]]);
	}
	igt_leaks_check(&leaks);
}

static void test_free_after_last_reference(void)
{
	static const enum ref orders[][3] = {
		{ HANDLE, DMABUF, MAPPING }, { HANDLE, MAPPING, DMABUF },
		{ DMABUF, HANDLE, MAPPING }, { DMABUF, MAPPING, HANDLE },
		{ MAPPING, HANDLE, DMABUF }, { MAPPING, DMABUF, HANDLE },
	};

	for (unsigned int i = 0; i < ARRAY_SIZE(orders); i++)
		free_in_order(orders[i]);
}

static void test_export_closed_handle(void)
{
	int fd2 = drm_open_driver(DRIVER_ANY);
	uint32_t handle, h2;
	int dmabuf, d;

	/* closed and gone */
	handle = gem_create(fd, BO_SIZE);
	gem_close(fd, handle);
	igt_assert_eq(__prime_handle_to_fd(fd, handle, DRM_CLOEXEC, &d), -ENOENT);
	igt_assert_eq(d, -1);

	/* closed, the object alive in a dma-buf */
	handle = gem_create(fd, BO_SIZE);
	dmabuf = prime_handle_to_fd(fd, handle);
	gem_close(fd, handle);
	igt_assert_eq(__prime_handle_to_fd(fd, handle, DRM_CLOEXEC, &d), -ENOENT);
	igt_assert_eq(d, -1);
	close(dmabuf);

	/* closed here, the object alive in another file, which still exports
	 * the same dma-buf */
	handle = gem_create(fd, BO_SIZE);
	dmabuf = prime_handle_to_fd(fd, handle);
	h2 = prime_fd_to_handle(fd2, dmabuf);
	gem_close(fd, handle);
	igt_assert_eq(__prime_handle_to_fd(fd, handle, DRM_CLOEXEC, &d), -ENOENT);
	d = prime_handle_to_fd(fd2, h2);
	igt_assert_eq_u64(dmabuf_inode(d), dmabuf_inode(dmabuf));
	close(d);
	close(dmabuf);
	gem_close(fd2, h2);
	drm_close_driver(fd2);
}

static void test_dmabuf_export(void)
{
	const char *peer = drm_device_node(1, DRIVER_ANY);
	int other = peer ? drm_open_driver_another(1, DRIVER_ANY) : drm_open_driver(DRIVER_ANY);
	struct igt_leaks leaks;
	uint32_t handle;
	int dmabuf, ret;

	igt_require_f(drm_has_prime(other, DRM_PRIME_CAP_IMPORT), "%s does not import\n",
		      drm_driver_name(other));
	igt_leaks_start(&leaks, fd);

	handle = gem_create(fd, BO_SIZE);
	dmabuf = prime_handle_to_fd(fd, handle);
	gem_close(fd, handle);

	ret = __prime_fd_to_handle(other, dmabuf, &handle);
	igt_skip_on_f(ret && !drm_is_driver(other, drm_driver_name(fd)) &&
			  !drm_is_driver(other, "vprime"),
		      "%s refuses to import %s's dma-buf (%s)\n", drm_driver_name(other),
		      drm_driver_name(fd), strerror(-ret));
	igt_assert_eq(ret, 0);
	close(dmabuf);
	gem_close(other, handle);
	drm_close_driver(other);
	igt_leaks_check(&leaks);
}

/* the module of the device's driver, from sysfs */
static const char *driver_module(int fd)
{
	static char module[64];
	const char *name = drm_driver_name(fd);

	snprintf(module, sizeof(module), "%s", name);
	return module_refcount(module) >= 0 ? module : NULL;
}

static void test_unload(void)
{
	const char *module = driver_module(fd);
	int base, dev, dmabuf;
	uint32_t handle;
	char *ptr;

	igt_require_f(module, "no /sys/module entry with a refcnt for %s\n", drm_driver_name(fd));
	/* the fixture's file is the baseline's one open file */
	base = module_refcount(module);
	igt_info("%s: refcnt %d with one file open\n", module, base);

	dev = drm_open_driver(DRIVER_ANY);
	igt_assert_f(module_refcount(module) > base, "an open file should pin %s\n", module);
	handle = gem_create(dev, BO_SIZE);
	drm_close_driver(dev);
	igt_assert_f(module_refcount(module) == base,
		     "with the file closed %s should be back to %d, is %d\n", module, base,
		     module_refcount(module));

	dev = drm_open_driver(DRIVER_ANY);
	handle = gem_create(dev, BO_SIZE);
	dmabuf = prime_handle_to_fd(dev, handle);
	drm_close_driver(dev);
	igt_assert_f(module_refcount(module) > base, "a dma-buf should pin %s\n", module);
	close(dmabuf);
	igt_assert_f(module_refcount(module) == base,
		     "with the dma-buf closed %s should be back to %d, is %d\n", module, base,
		     module_refcount(module));

	dev = drm_open_driver(DRIVER_ANY);
	handle = gem_create(dev, BO_SIZE);
	dmabuf = prime_handle_to_fd_for_mmap(dev, handle);
	drm_close_driver(dev);
	ptr = mmap(NULL, BO_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, dmabuf, 0);
	igt_assert(ptr != MAP_FAILED);
	close(dmabuf);
	igt_assert_f(module_refcount(module) > base,
		     "a mapping of a closed dma-buf should pin %s\n", module);
	for (int page = 0; page < BO_SIZE / 4096; page++)
		ptr[page * 4096 + page % 4096] = page;
	munmap(ptr, BO_SIZE);
	igt_assert_f(module_refcount(module) == base,
		     "with the mapping gone %s should be back to %d, is %d\n", module, base,
		     module_refcount(module));
}

igt_main
{
	static const struct igt_prime_subtest tests[] = {
		{ "export-takes-one-ref", test_export_takes_one_ref,
		  "The first export takes exactly one GEM reference for the dma-buf, a second "
		  "export none; the reference is dropped with the dma-buf (L1, L2, E1)." },
		{ "dmabuf-holds-object", test_dmabuf_holds_object,
		  "After GEM_CLOSE of the last handle the dma-buf keeps the object and its "
		  "memory (L1)." },
		{ "free-after-last-reference", test_free_after_last_reference,
		  "An object with a handle, a dma-buf fd and a dma-buf mapping is freed after "
		  "the last of them goes, in every order, and not before (L2, M2)." },
		{ "export-closed-handle-enoent", test_export_closed_handle,
		  "Exporting a closed handle fails with ENOENT, also while the object lives on "
		  "in a dma-buf or in another file (E3)." },
		{ "dmabuf-export", test_dmabuf_export,
		  "vgem_basic's: an exported object, its handle closed, is imported by another "
		  "file (of the peer device when given) and released (L1, L2)." },
		{ "unload", test_unload,
		  "vgem_basic's, with the module reference count as the oracle instead of an "
		  "unload: an open file, a dma-buf fd and a mapping of a closed dma-buf each "
		  "pin the driver module; nothing else does (L2, M2)." },
	};

	igt_prime_run(&(struct igt_prime_suite){
	    .subtests = tests,
	    .nsubtests = ARRAY_SIZE(tests),
	    .caps = DRM_PRIME_CAP_IMPORT | DRM_PRIME_CAP_EXPORT,
	    .fd = &fd,
	    .inst = &inst,
	});
}
