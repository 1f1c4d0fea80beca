// SPDX-License-Identifier: MIT
/**
 * TEST: prime cross
 * Category: Core
 * Description: PRIME between two devices: the device under test (--device,
 *	first filter) exports, its peer (second filter; by default the next
 *	device of the same driver, e.g. vprime:1) imports. An import attaches
 *	to the dma-buf and pins the exporter's object; its teardown detaches
 *	and unpins; re-exporting an import gives back the original dma-buf.
 *	The dma-buf core's bufinfo (attachments, file count) is checked on any
 *	pair, vprime's debugfs (pins, objects) where a side is vprime. A pair
 *	whose importer refuses the other driver's dma-bufs skips with the
 *	reason; two vprime devices never do. Invariant IDs refer to
 *	docs/invariants.md.
 *
 * SUBTEST: cross-import-attach
 * Description: An import from another device attaches to the dma-buf, pins
 *	the exporter's object and holds a dma-buf reference (A1).
 *
 * SUBTEST: cross-teardown-detach
 * Description: GEM_CLOSE of the imported handle detaches, unpins, drops the
 *	dma-buf references and frees the importer's object (A1, A2).
 *
 * SUBTEST: cross-reimport-same-handle
 * Description: Importing one dma-buf twice into a file of the other device
 *	gives one handle, one object and one attachment (C1).
 *
 * SUBTEST: cross-reexport-original
 * Description: Exporting an imported object gives back the original dma-buf
 *	(E2).
 *
 * SUBTEST: cross-roundtrip-self-import
 * Description: The exporter importing its dma-buf back from the importer's
 *	re-export gets its original handle (E2, S1).
 *
 * SUBTEST: cross-exporter-gone-first
 * Description: References flow importer -> dma-buf -> exporter: an import
 *	keeps the dma-buf and the exporter's object (pinned) after the
 *	exporter closed everything; its teardown frees both (L3, A2).
 *
 * SUBTEST: cross-importer-file-close
 * Description: Closing the importer's file detaches and unpins like
 *	GEM_CLOSE (A2, F1).
 *
 * SUBTEST: cross-import-reverse
 * Description: The same attach and teardown with the peer exporting and the
 *	device under test importing (A1, A2).
 *
 * SUBTEST: cross-no-sg-table-refused
 * Description: An object without get_sg_table (made by vprime, on either
 *	side, with VPRIME_CREATE_NO_SG) is exported, but its import into the
 *	other device is refused: no attachment, no pin, no object left behind;
 *	the exporting device itself still imports it (A3).
 */
#include <sys/mman.h>
#include <unistd.h>
#include <xf86drm.h>

#include "igt.h"
#include "vprime_drm.h"

#define BO_SIZE (64 * 1024)

/* a: the device under test, b: its peer */
static int a = -1, b = -1;
static int a_inst = -1, b_inst = -1;

/* both devices' objects, and the dma-bufs once: their count is global */
static struct igt_leaks leaks_a, leaks_b;

static void leaks_start(void)
{
	igt_leaks_start(&leaks_a, a);
	igt_leaks_start(&leaks_b, b);
}

static void leaks_check(void)
{
	igt_leaks_check(&leaks_a);
	leaks_b.dmabufs = -1;
	igt_leaks_check(&leaks_b);
}

/*
 * Import @dmabuf (from @exporter) into @importer. A refusal skips, with the
 * driver's error, unless both are vprime: vprime imports from itself.
 */
static uint32_t cross_import(int importer, int exporter, int dmabuf)
{
	uint32_t handle = 0;
	int ret = __prime_fd_to_handle(importer, dmabuf, &handle);

	if (ret && !(drm_is_driver(importer, "vprime") && drm_is_driver(exporter, "vprime"))) {
		close(dmabuf);
		igt_skip("%s refuses to import a %s dma-buf: %s\n", drm_driver_name(importer),
			 drm_driver_name(exporter), strerror(-ret));
	}
	igt_assert_f(ret == 0, "%s importing a %s dma-buf: %s\n", drm_driver_name(importer),
		     drm_driver_name(exporter), strerror(-ret));
	return handle;
}

static struct dmabuf_state state_of(unsigned long ino)
{
	struct dmabuf_state st;
	int ret = dmabuf_state(ino, &st);

	igt_require_f(ret != -ENODEV, "no dma_buf/bufinfo in debugfs\n");
	igt_assert_f(ret == 0, "bufinfo lists no dma-buf %lu\n", ino);
	igt_debug("dma-buf %lu: count %ld, %d attachments, exporter %s\n", ino, st.count,
		  st.attachments, st.exp_name);
	return st;
}

static bool dmabuf_gone(unsigned long ino)
{
	return dmabuf_state(ino, NULL) == -ENOENT;
}

static struct vprime_obj obj_of(int inst, unsigned long ino)
{
	struct vprime_obj o;

	igt_assert_f(vprime_object_by_dmabuf(inst, ino, &o),
		     "vprime.%d lists no object with dma-buf inode %lu\n", inst, ino);
	igt_debug("vprime.%d: obj id=%u refcount=%d handles=%d import=%s pins=%d\n", inst, o.id,
		  o.refcount, o.handles, o.import, o.pins);
	return o;
}

/* exporter @e (vprime instance @ei) exports, importer @i imports; check
 * attach and pin, then teardown by GEM_CLOSE */
static void attach_then_teardown(int e, int ei, int i, int ii, bool teardown)
{
	struct dmabuf_state before, with;
	int objects = 0, dmabuf;
	uint32_t handle, imported;
	unsigned long ino;

	handle = gem_create(e, BO_SIZE);
	dmabuf = prime_handle_to_fd(e, handle);
	ino = dmabuf_inode(dmabuf);
	before = state_of(ino);
	igt_assert_eq(before.attachments, 0);
	if (ei >= 0)
		igt_assert_eq(obj_of(ei, ino).pins, 0);
	if (ii >= 0)
		objects = vprime_object_count(ii);

	imported = cross_import(i, e, dmabuf);

	with = state_of(ino);
	igt_assert_f(with.attachments == 1, "%d attachments after one import\n", with.attachments);
	igt_assert_f(with.count > before.count,
		     "the import holds no dma-buf reference (count %ld before, %ld after)\n",
		     before.count, with.count);
	if (ei >= 0)
		igt_assert_f(obj_of(ei, ino).pins == 1, "exporter's object: pins=%d\n",
			     obj_of(ei, ino).pins);
	if (ii >= 0) {
		struct vprime_obj o = obj_of(ii, ino);

		igt_assert_eq(vprime_object_count(ii), objects + 1);
		igt_assert_f(strcmp(o.import, drm_driver_name(e)) == 0, "import=%s, not %s\n",
			     o.import, drm_driver_name(e));
		igt_assert_eq(o.handles, 1);
	}
	if (!teardown) {
		gem_close(i, imported);
		close(dmabuf);
		gem_close(e, handle);
		return;
	}

	gem_close(i, imported);
	with = state_of(ino);
	igt_assert_f(with.attachments == 0, "%d attachments left after GEM_CLOSE\n",
		     with.attachments);
	igt_assert_f(with.count == before.count,
		     "dma-buf file count %ld before the import, %ld after its teardown\n",
		     before.count, with.count);
	if (ei >= 0)
		igt_assert_f(obj_of(ei, ino).pins == 0, "exporter's object still pinned (%d)\n",
			     obj_of(ei, ino).pins);
	if (ii >= 0)
		igt_assert_eq(vprime_object_count(ii), objects);

	close(dmabuf);
	gem_close(e, handle);
	igt_assert(dmabuf_gone(ino));
}

static void test_import_attach(void)
{
	attach_then_teardown(a, a_inst, b, b_inst, false);
}

static void test_teardown_detach(void)
{
	attach_then_teardown(a, a_inst, b, b_inst, true);
}

/* an object without get_sg_table: vprime's VPRIME_CREATE_NO_SG */
static uint32_t create_no_sg(int fd)
{
	struct drm_vprime_create create = { .size = BO_SIZE, .flags = VPRIME_CREATE_NO_SG };

	igt_assert_f(drmIoctl(fd, DRM_IOCTL_VPRIME_CREATE, &create) == 0,
		     "DRM_IOCTL_VPRIME_CREATE with VPRIME_CREATE_NO_SG: %s\n", strerror(errno));
	igt_assert_f(vprime_object_flags(fd, create.handle) & VPRIME_INFO_NO_SG,
		     "vprime made object %u with get_sg_table\n", create.handle);
	return create.handle;
}

static void test_no_sg_table_refused(void)
{
	/* the exporter is whichever side is vprime */
	int e = a_inst >= 0 ? a : b, ei = a_inst >= 0 ? a_inst : b_inst;
	int i = e == a ? b : a, ii = e == a ? b_inst : a_inst;
	int dmabuf, objects = 0, other, ret;
	struct dmabuf_state st;
	uint32_t handle, h;
	unsigned long ino;

	igt_require_f(ei >= 0, "only vprime makes objects without get_sg_table\n");
	igt_require_f(drm_has_prime(i, DRM_PRIME_CAP_IMPORT), "%s does not import\n",
		      drm_driver_name(i));
	handle = create_no_sg(e);
	dmabuf = prime_handle_to_fd(e, handle);
	ino = dmabuf_inode(dmabuf);
	st = state_of(ino);
	if (ii >= 0)
		objects = vprime_object_count(ii);

	ret = __prime_fd_to_handle(i, dmabuf, &h);
	igt_assert_f(ret != 0, "%s imported an object without get_sg_table\n", drm_driver_name(i));
	igt_info("%s refused the import: %s\n", drm_driver_name(i), strerror(-ret));
	igt_assert_f(ret == -ENOSYS, "refused with %s, drm_gem_map_attach() says ENOSYS\n",
		     strerror(-ret));
	igt_assert_eq(state_of(ino).attachments, 0);
	igt_assert_eq(state_of(ino).count, st.count);
	igt_assert_eq(igt_vprime_obj(e, handle).pins, 0);
	if (ii >= 0)
		igt_assert_eq(vprime_object_count(ii), objects);

	/* its own device needs no sg_table: a self-import */
	other = drm_open_driver_another(e == a ? 0 : 1, DRIVER_ANY);
	h = prime_fd_to_handle(other, dmabuf);
	igt_assert_eq(vprime_object_id(other, h), vprime_object_id(e, handle));
	drm_close_driver(other);

	close(dmabuf);
	gem_close(e, handle);
}

static void test_import_reverse(void)
{
	igt_require_f(
	    drm_has_prime(b, DRM_PRIME_CAP_EXPORT) && drm_has_prime(a, DRM_PRIME_CAP_IMPORT),
	    "%s does not export or %s does not import\n", drm_driver_name(b), drm_driver_name(a));
	attach_then_teardown(b, b_inst, a, a_inst, true);
}

static void test_reimport_same_handle(void)
{
	uint32_t handle, h1, h2, h3;
	int dmabuf, dup_fd, objects = 0;
	unsigned long ino;

	handle = gem_create(a, BO_SIZE);
	dmabuf = prime_handle_to_fd(a, handle);
	dup_fd = dup(dmabuf);
	ino = dmabuf_inode(dmabuf);
	if (b_inst >= 0)
		objects = vprime_object_count(b_inst);

	h1 = cross_import(b, a, dmabuf);
	h2 = prime_fd_to_handle(b, dmabuf);
	h3 = prime_fd_to_handle(b, dup_fd);
	igt_assert_eq_u32(h1, h2);
	igt_assert_eq_u32(h1, h3);
	igt_assert_f(state_of(ino).attachments == 1, "%d attachments for one import\n",
		     state_of(ino).attachments);
	if (b_inst >= 0) {
		igt_assert_eq(vprime_object_count(b_inst), objects + 1);
		igt_assert_eq(obj_of(b_inst, ino).handles, 1);
	}

	gem_close(b, h1);
	close(dup_fd);
	close(dmabuf);
	gem_close(a, handle);
}

static void test_reexport_original(void)
{
	uint32_t handle, imported;
	int dmabuf, again, total;

	handle = gem_create(a, BO_SIZE);
	dmabuf = prime_handle_to_fd(a, handle);
	imported = cross_import(b, a, dmabuf);
	total = dmabuf_total();

	again = prime_handle_to_fd(b, imported);
	igt_assert_f(dmabuf_inode(again) == dmabuf_inode(dmabuf),
		     "re-export of an import: dma-buf %lu, the original is %lu\n",
		     dmabuf_inode(again), dmabuf_inode(dmabuf));
	igt_assert_eq(dmabuf_total(), total);

	/* also once the original fd is gone */
	close(dmabuf);
	close(again);
	again = prime_handle_to_fd(b, imported);
	dmabuf = prime_handle_to_fd(a, handle);
	igt_assert_eq_u64(dmabuf_inode(again), dmabuf_inode(dmabuf));

	close(again);
	close(dmabuf);
	gem_close(b, imported);
	gem_close(a, handle);
}

static void test_roundtrip_self_import(void)
{
	uint32_t handle, imported;
	int dmabuf, back;

	handle = gem_create(a, BO_SIZE);
	dmabuf = prime_handle_to_fd(a, handle);
	imported = cross_import(b, a, dmabuf);
	close(dmabuf);

	back = prime_handle_to_fd(b, imported);
	igt_assert_eq_u32(prime_fd_to_handle(a, back), handle);
	if (a_inst >= 0)
		igt_assert_eq(obj_of(a_inst, dmabuf_inode(back)).handles, 1);

	close(back);
	gem_close(b, imported);
	gem_close(a, handle);
}

static void test_exporter_gone_first(void)
{
	int e, dmabuf, objects = 0;
	uint32_t handle, imported;
	unsigned long ino;
	struct vprime_obj o = { 0 };

	e = drm_open_driver(DRIVER_ANY);
	handle = gem_create(e, BO_SIZE);
	dmabuf = prime_handle_to_fd(e, handle);
	ino = dmabuf_inode(dmabuf);
	imported = cross_import(b, e, dmabuf);
	if (a_inst >= 0) {
		o = igt_vprime_obj(e, handle);
		objects = vprime_object_count(a_inst);
	}

	/* the exporter drops everything */
	gem_close(e, handle);
	close(dmabuf);
	drm_close_driver(e);

	igt_assert_f(state_of(ino).attachments == 1, "the import lost its attachment\n");
	if (a_inst >= 0) {
		struct vprime_obj now = igt_vprime_obj_id(a_inst, o.id);

		/* held by the dma-buf alone */
		igt_assert_eq(now.refcount, 1);
		igt_assert_eq(now.handles, 0);
		igt_assert_f(now.pins == 1, "the exporter's object is not pinned (%d)\n", now.pins);
		igt_assert_eq(vprime_object_count(a_inst), objects);
	}

	/* the importer's teardown frees the dma-buf and the exporter's object */
	gem_close(b, imported);
	igt_assert_f(dmabuf_gone(ino), "dma-buf %lu outlived its last importer\n", ino);
	if (a_inst >= 0)
		igt_assert_eq(vprime_object_count(a_inst), objects - 1);
}

static void test_importer_file_close(void)
{
	uint32_t handle;
	unsigned long ino;
	int i, dmabuf;

	i = drm_open_driver_another(1, DRIVER_ANY);
	handle = gem_create(a, BO_SIZE);
	dmabuf = prime_handle_to_fd(a, handle);
	ino = dmabuf_inode(dmabuf);
	cross_import(i, a, dmabuf);
	igt_assert_eq(state_of(ino).attachments, 1);
	if (a_inst >= 0)
		igt_assert_eq(obj_of(a_inst, ino).pins, 1);

	drm_close_driver(i);
	igt_assert_f(state_of(ino).attachments == 0,
		     "closing the importer's file left %d attachments\n",
		     state_of(ino).attachments);
	if (a_inst >= 0)
		igt_assert_f(obj_of(a_inst, ino).pins == 0,
			     "closing the importer's file left the object pinned (%d)\n",
			     obj_of(a_inst, ino).pins);
	close(dmabuf);
	gem_close(a, handle);
}

/* the peer, and the requirements on both devices */
static void cross_setup(void)
{
	b = drm_open_driver_another(1, DRIVER_ANY);
	igt_require_f(!drm_same_device(a, b),
		      "the peer is the device under test: give two devices\n");
	igt_require_f(drm_has_prime(a, DRM_PRIME_CAP_EXPORT), "%s does not export\n",
		      drm_driver_name(a));
	igt_require_f(drm_has_prime(b, DRM_PRIME_CAP_IMPORT), "%s does not import\n",
		      drm_driver_name(b));
	a_inst = vprime_instance(a);
	b_inst = vprime_instance(b);
	igt_info("exporter %s%s, importer %s%s\n", drm_driver_name(a),
		 a_inst >= 0 ? " (ground truth)" : "", drm_driver_name(b),
		 b_inst >= 0 ? " (ground truth)" : "");
}

static void cross_teardown(void)
{
	drm_close_driver(b);
}

igt_main
{
	static const struct igt_prime_subtest tests[] = {
		{ "cross-import-attach", test_import_attach,
		  "An import from another device attaches to the dma-buf, pins the exporter's "
		  "object and holds a dma-buf reference (A1)." },
		{ "cross-teardown-detach", test_teardown_detach,
		  "GEM_CLOSE of the imported handle detaches, unpins, drops the dma-buf "
		  "references and frees the importer's object (A1, A2)." },
		{ "cross-reimport-same-handle", test_reimport_same_handle,
		  "Importing one dma-buf twice into a file of the other device gives one "
		  "handle, one object and one attachment (C1)." },
		{ "cross-reexport-original", test_reexport_original,
		  "Exporting an imported object gives back the original dma-buf (E2)." },
		{ "cross-roundtrip-self-import", test_roundtrip_self_import,
		  "The exporter importing its dma-buf back from the importer's re-export gets "
		  "its original handle (E2, S1)." },
		{ "cross-exporter-gone-first", test_exporter_gone_first,
		  "References flow importer -> dma-buf -> exporter: an import keeps the dma-buf "
		  "and the exporter's object (pinned) after the exporter closed everything; its "
		  "teardown frees both (L3, A2)." },
		{ "cross-importer-file-close", test_importer_file_close,
		  "Closing the importer's file detaches and unpins like GEM_CLOSE (A2, F1)." },
		{ "cross-import-reverse", test_import_reverse,
		  "The same attach and teardown with the peer exporting and the device under "
		  "test importing (A1, A2)." },
		{ "cross-no-sg-table-refused", test_no_sg_table_refused,
		  "An object without get_sg_table (made by vprime, on either side, with "
		  "VPRIME_CREATE_NO_SG) is exported, but its import into the other device is "
		  "refused: no attachment, no pin, no object left behind; the exporting device "
		  "itself still imports it (A3)." },
	};

	igt_prime_run(&(struct igt_prime_suite){
	    .subtests = tests,
	    .nsubtests = ARRAY_SIZE(tests),
	    .fd = &a,
	    .setup = cross_setup,
	    .teardown = cross_teardown,
	    .leaks_start = leaks_start,
	    .leaks_check = leaks_check,
	});
}
