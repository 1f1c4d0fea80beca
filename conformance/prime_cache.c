// SPDX-License-Identifier: MIT
/**
 * TEST: prime cache
 * Category: Core
 * Description: The PRIME lookup caches of drm_prime.c: one object has one
 *	dma-buf and, per file, one handle; self-imports return the object
 *	itself; the caches hold weak references only, dropped by GEM_CLOSE and
 *	by closing the file. Where the device is vprime its debugfs (objects
 *	and each file's cache) is checked too; elsewhere that part is skipped
 *	and the userspace-visible part still runs. Invariant IDs refer to
 *	docs/invariants.md.
 *
 * SUBTEST: export-same-dmabuf
 * Description: Exporting a handle again gives the same dma-buf (inode),
 *	also after every fd of it was closed while the handle lived (E1).
 *
 * SUBTEST: export-two-files-same-dmabuf
 * Description: Exporting one object from two files (flink) gives one
 *	dma-buf (E1).
 *
 * SUBTEST: import-same-handle
 * Description: Importing one dma-buf twice into a file, also through a
 *	dup'ed fd, gives one handle and one cache entry (C1).
 *
 * SUBTEST: self-import-same-handle
 * Description: Importing a dma-buf into the file that exported it gives the
 *	original handle (S1, C1).
 *
 * SUBTEST: self-import-gem-ref
 * Description: Importing a dma-buf into another file of its own device
 *	gives the original object (no new object, not an import) and takes a
 *	GEM reference, not a dma-buf one (no attachment's): with the
 *	exporter's handle open and with only the dma-buf left (S1).
 *
 * SUBTEST: cache-weak-gem-close-export
 * Description: GEM_CLOSE of an exported handle drops the exporter's cache
 *	entry although the object and its dma-buf live on (a handle in another
 *	file); an import then gives a handle on the live object (C2).
 *
 * SUBTEST: cache-weak-gem-close-import
 * Description: GEM_CLOSE of an imported handle drops the importer's cache
 *	entry; a reimport gives a handle on the live object (C2).
 *
 * SUBTEST: cache-weak-no-leak
 * Description: Cache entries keep nothing alive past the handles they map:
 *	once the fds and the last handle are gone the dma-buf and the object
 *	are freed (C2, L2).
 *
 * SUBTEST: file-close-clears-cache
 * Description: Closing a DRM file with exports and imports in its cache
 *	leaves no entry and no object behind (F1).
 */
#include <sys/mman.h>
#include <unistd.h>
#include <xf86drm.h>

#include "igt.h"

#define BO_SIZE (64 * 1024)

static int fd = -1;
static int inst = -1; /* vprime instance of the device, -1 elsewhere */

static bool ground_truth(void)
{
	if (inst < 0)
		igt_debug("no vprime debugfs here: skipping the ground-truth checks\n");
	return inst >= 0;
}

static struct vprime_obj obj_of(unsigned long ino)
{
	struct vprime_obj o;

	igt_assert_f(vprime_object_by_dmabuf(inst, ino, &o),
		     "vprime.%d lists no object with dma-buf inode %lu\n", inst, ino);
	igt_debug("obj id=%u refcount=%d handles=%d dmabuf=%lu import=%s\n", o.id, o.refcount,
		  o.handles, o.dmabuf, o.import);
	return o;
}

static void test_export_same_dmabuf(void)
{
	uint32_t handle = gem_create(fd, BO_SIZE);
	int d1 = prime_handle_to_fd(fd, handle);
	int d2 = prime_handle_to_fd(fd, handle);
	unsigned long ino = dmabuf_inode(d1);
	struct dmabuf_state st;
	int d3;

	igt_assert_eq_u64(dmabuf_inode(d2), ino);
	close(d1);
	close(d2);

	/* the object keeps its dma-buf as long as it has a handle */
	igt_assert_f(dmabuf_state(ino, &st) != -ENOENT,
		     "dma-buf %lu released while its object has a handle\n", ino);
	d3 = prime_handle_to_fd(fd, handle);
	igt_assert_eq_u64(dmabuf_inode(d3), ino);
	if (ground_truth())
		igt_assert_eq(obj_of(ino).handles, 1);
	close(d3);
	gem_close(fd, handle);
}

static void test_export_two_files(void)
{
	int fd2 = drm_open_driver(DRIVER_ANY);
	uint32_t handle = gem_create(fd, BO_SIZE);
	uint32_t handle2 = gem_open(fd2, gem_flink(fd, handle));
	int d1 = prime_handle_to_fd(fd, handle);
	int d2 = prime_handle_to_fd(fd2, handle2);

	igt_assert_eq_u64(dmabuf_inode(d1), dmabuf_inode(d2));
	if (ground_truth()) {
		uint32_t h;

		igt_assert_eq(obj_of(dmabuf_inode(d1)).handles, 2);
		/* both files cache the dma-buf, each with its own handle */
		igt_assert_eq(vprime_cache_entries(inst, dmabuf_inode(d1), &h), 2);
	}
	close(d1);
	close(d2);
	gem_close(fd, handle);
	drm_close_driver(fd2);
}

static void test_import_same_handle(void)
{
	int fd2 = drm_open_driver(DRIVER_ANY);
	uint32_t handle = gem_create(fd, BO_SIZE);
	int dmabuf = prime_handle_to_fd(fd, handle);
	int dup_fd = dup(dmabuf);
	uint32_t h1, h2, h3;

	h1 = prime_fd_to_handle(fd2, dmabuf);
	h2 = prime_fd_to_handle(fd2, dmabuf);
	h3 = prime_fd_to_handle(fd2, dup_fd);
	igt_assert_eq_u32(h1, h2);
	igt_assert_eq_u32(h1, h3);

	if (ground_truth()) {
		unsigned long ino = dmabuf_inode(dmabuf);

		/* one handle per file, one cache entry per file */
		igt_assert_eq(obj_of(ino).handles, 2);
		igt_assert_eq(vprime_cache_entries(inst, ino, NULL), 2);
	}
	close(dup_fd);
	close(dmabuf);
	gem_close(fd2, h1);
	gem_close(fd, handle);
	drm_close_driver(fd2);
}

static void test_self_import_same_handle(void)
{
	uint32_t handle = gem_create(fd, BO_SIZE);
	int dmabuf = prime_handle_to_fd(fd, handle);
	unsigned long ino = dmabuf_inode(dmabuf);

	igt_assert_eq_u32(prime_fd_to_handle(fd, dmabuf), handle);

	/* and again with a new fd of the same dma-buf */
	close(dmabuf);
	dmabuf = prime_handle_to_fd(fd, handle);
	igt_assert_eq_u64(dmabuf_inode(dmabuf), ino);
	igt_assert_eq_u32(prime_fd_to_handle(fd, dmabuf), handle);

	if (ground_truth()) {
		struct vprime_obj o = obj_of(ino);
		uint32_t h;

		igt_assert_eq(o.handles, 1);
		igt_assert_eq(vprime_cache_entries(inst, ino, &h), 1);
		igt_assert_eq_u32(h, handle);
	}
	close(dmabuf);
	gem_close(fd, handle);
}

/*
 * Import @dmabuf into @fd2, a file of the exporting device, and check that
 * the import is the exported object itself: no new object, a handle that
 * GEM-maps (imports refuse that), the object's reference count and handle
 * count as a handle of the object gives, and dma-buf references: @dmabuf_refs
 * new ones and no more (an import of a foreign object adds an attachment's).
 */
static uint32_t self_import(int fd2, int dmabuf, unsigned int id, int gem_refs, long dmabuf_refs)
{
	struct vprime_obj before = { 0 }, after;
	long count = dmabuf_file_count(dmabuf);
	int objects = 0;
	uint32_t h2;
	char *ptr;

	if (ground_truth()) {
		before = igt_vprime_obj_id(inst, id);
		objects = vprime_object_count(inst);
	}

	h2 = prime_fd_to_handle(fd2, dmabuf);

	ptr = __gem_mmap(fd2, h2, BO_SIZE, PROT_READ);
	igt_assert_f(ptr, "the self-imported handle is not the original object: %s\n",
		     strerror(errno));
	munmap(ptr, BO_SIZE);
	igt_assert_f(dmabuf_file_count(dmabuf) == count + dmabuf_refs,
		     "dma-buf file count %ld before the self-import, %ld after, expected +%ld\n",
		     count, dmabuf_file_count(dmabuf), dmabuf_refs);

	if (ground_truth()) {
		igt_assert_eq(vprime_object_id(fd2, h2), id);
		igt_assert_eq(vprime_object_count(inst), objects);
		after = igt_vprime_obj_id(inst, id);
		igt_assert_f(strcmp(after.import, "-") == 0, "import=%s\n", after.import);
		igt_assert_eq(after.handles, before.handles + 1);
		igt_assert_f(after.refcount == before.refcount + gem_refs,
			     "GEM refcount %d before the self-import, %d after, expected +%d\n",
			     before.refcount, after.refcount, gem_refs);
	}
	return h2;
}

static void test_self_import_gem_ref(void)
{
	int fd2 = drm_open_driver(DRIVER_ANY);
	uint32_t handle = gem_create(fd, BO_SIZE), h2;
	int dmabuf = prime_handle_to_fd(fd, handle);
	unsigned int id = ground_truth() ? vprime_object_id(fd, handle) : 0;

	/*
	 * With the exporter's handle open: the handles' GEM reference exists
	 * already, so the reference drm_gem_prime_import_dev() takes goes
	 * back with the handle's creation; the one new dma-buf reference is
	 * fd2's cache entry (entries pin the dma-buf, not the object).
	 */
	h2 = self_import(fd2, dmabuf, id, 0, 1);
	gem_close(fd2, h2);

	/*
	 * With only the dma-buf holding the object: the import's GEM
	 * reference stays, as the handles' one; the dma-buf gains fd2's cache
	 * entry and the object's own reference (obj->dma_buf), and nothing
	 * for an attachment.
	 */
	gem_close(fd, handle);
	h2 = self_import(fd2, dmabuf, id, 1, 2);

	close(dmabuf);
	gem_close(fd2, h2);
	if (ground_truth())
		igt_assert_f(!vprime_object_by_id(inst, id, NULL), "object %u leaked\n", id);
	drm_close_driver(fd2);
}

static void test_cache_gem_close_export(void)
{
	int fd2 = drm_open_driver(DRIVER_ANY);
	uint32_t handle = gem_create(fd, BO_SIZE), keep, again, h;
	int dmabuf = prime_handle_to_fd(fd, handle);
	unsigned long ino = dmabuf_inode(dmabuf);
	int client = ground_truth() ? vprime_client(fd) : 0;
	char *ptr;

	/* a handle in another file keeps the object's dma-buf registered */
	keep = prime_fd_to_handle(fd2, dmabuf);
	if (ground_truth())
		igt_assert_eq(vprime_file_entries(inst, client, ino, NULL), 1);
	gem_close(fd, handle);

	if (ground_truth())
		igt_assert_f(vprime_file_entries(inst, client, ino, NULL) == 0,
			     "GEM_CLOSE left the exporter's cache entry for dma-buf %lu\n", ino);

	again = prime_fd_to_handle(fd, dmabuf);
	igt_assert_f(gem_handle_valid(fd, again), "import gave stale handle %u\n", again);
	ptr = __gem_mmap(fd, again, BO_SIZE, PROT_READ);
	igt_assert_f(ptr, "handle %u does not map: %s\n", again, strerror(errno));
	munmap(ptr, BO_SIZE);
	if (ground_truth()) {
		igt_assert_eq(vprime_file_entries(inst, client, ino, &h), 1);
		igt_assert_eq_u32(h, again);
	}
	gem_close(fd, again);
	gem_close(fd2, keep);
	close(dmabuf);
	drm_close_driver(fd2);
}

static void test_cache_gem_close_import(void)
{
	int fd2 = drm_open_driver(DRIVER_ANY);
	uint32_t handle = gem_create(fd, BO_SIZE), h2;
	int dmabuf = prime_handle_to_fd(fd, handle);
	unsigned long ino = dmabuf_inode(dmabuf);

	h2 = prime_fd_to_handle(fd2, dmabuf);
	gem_close(fd2, h2);
	igt_assert(!gem_handle_valid(fd2, h2));
	if (ground_truth()) {
		uint32_t h;

		/* only the exporter's entry is left */
		igt_assert_eq(vprime_cache_entries(inst, ino, &h), 1);
		igt_assert_eq_u32(h, handle);
		igt_assert_eq(obj_of(ino).handles, 1);
	}

	h2 = prime_fd_to_handle(fd2, dmabuf);
	igt_assert(gem_handle_valid(fd2, h2));
	if (ground_truth())
		igt_assert_eq(obj_of(ino).handles, 2);

	gem_close(fd2, h2);
	close(dmabuf);
	gem_close(fd, handle);
	drm_close_driver(fd2);
}

static void test_cache_no_leak(void)
{
	struct igt_leaks leaks;
	struct dmabuf_state st;
	uint32_t handle;
	unsigned long ino;
	int dmabuf, fd2;

	igt_leaks_start(&leaks, fd);
	fd2 = drm_open_driver(DRIVER_ANY);
	handle = gem_create(fd, BO_SIZE);
	dmabuf = prime_handle_to_fd(fd, handle);
	ino = dmabuf_inode(dmabuf);
	/* entries in both files' caches */
	gem_close(fd2, prime_fd_to_handle(fd2, dmabuf));
	igt_assert_eq(prime_fd_to_handle(fd2, dmabuf), prime_fd_to_handle(fd2, dmabuf));
	close(dmabuf);

	/* the handles hold the object, the object its dma-buf */
	igt_assert_neq(dmabuf_state(ino, &st), -ENOENT);

	drm_close_driver(fd2);
	gem_close(fd, handle);
	igt_assert_f(dmabuf_state(ino, &st) != 0, "dma-buf %lu outlived all its holders\n", ino);
	igt_leaks_check(&leaks);
}

static void test_file_close_clears_cache(void)
{
	uint32_t mine[4], theirs[4];
	unsigned long ino[4];
	int dmabuf[4], fd2, files = -1;

	fd2 = drm_open_driver(DRIVER_ANY);
	if (ground_truth())
		files = vprime_files_of(inst, getpid());

	/* fd2 holds imports of fd's objects and exports of its own */
	for (int i = 0; i < 2; i++) {
		mine[i] = gem_create(fd, BO_SIZE);
		dmabuf[i] = prime_handle_to_fd(fd, mine[i]);
		theirs[i] = prime_fd_to_handle(fd2, dmabuf[i]);
	}
	for (int i = 2; i < 4; i++) {
		theirs[i] = gem_create(fd2, BO_SIZE);
		dmabuf[i] = prime_handle_to_fd(fd2, theirs[i]);
		mine[i] = prime_fd_to_handle(fd, dmabuf[i]);
	}
	for (int i = 0; i < 4; i++)
		ino[i] = dmabuf_inode(dmabuf[i]);
	if (ground_truth())
		for (int i = 0; i < 4; i++)
			igt_assert_eq(vprime_cache_entries(inst, ino[i], NULL), 2);

	drm_close_driver(fd2);

	if (ground_truth()) {
		igt_assert_eq(vprime_files_of(inst, getpid()), files - 1);
		for (int i = 0; i < 4; i++) {
			uint32_t h;

			igt_assert_f(vprime_cache_entries(inst, ino[i], &h) == 1 && h == mine[i],
				     "dma-buf %lu: the closed file left its cache entry\n", ino[i]);
			igt_assert_eq(obj_of(ino[i]).handles, 1);
		}
	}
	for (int i = 0; i < 4; i++) {
		igt_assert(gem_handle_valid(fd, mine[i]));
		close(dmabuf[i]);
		gem_close(fd, mine[i]);
	}
}

igt_main
{
	static const struct igt_prime_subtest tests[] = {
		{ "export-same-dmabuf", test_export_same_dmabuf,
		  "Exporting a handle again gives the same dma-buf (inode), also after every fd "
		  "of it was closed while the handle lived (E1)." },
		{ "export-two-files-same-dmabuf", test_export_two_files,
		  "Exporting one object from two files (flink) gives one dma-buf (E1)." },
		{ "import-same-handle", test_import_same_handle,
		  "Importing one dma-buf twice into a file, also through a dup'ed fd, gives one "
		  "handle and one cache entry (C1)." },
		{ "self-import-same-handle", test_self_import_same_handle,
		  "Importing a dma-buf into the file that exported it gives the original handle "
		  "(S1, C1)." },
		{ "self-import-gem-ref", test_self_import_gem_ref,
		  "Importing a dma-buf into another file of its own device gives the original "
		  "object (no new object, not an import) and takes a GEM reference, not a "
		  "dma-buf one (no attachment's): with the exporter's handle open and with only "
		  "the dma-buf left (S1)." },
		{ "cache-weak-gem-close-export", test_cache_gem_close_export,
		  "GEM_CLOSE of an exported handle drops the exporter's cache entry although "
		  "the object and its dma-buf live on (a handle in another file); an import "
		  "then gives a handle on the live object (C2)." },
		{ "cache-weak-gem-close-import", test_cache_gem_close_import,
		  "GEM_CLOSE of an imported handle drops the importer's cache entry; a reimport "
		  "gives a handle on the live object (C2)." },
		{ "cache-weak-no-leak", test_cache_no_leak,
		  "Cache entries keep nothing alive past the handles they map: once the fds and "
		  "the last handle are gone the dma-buf and the object are freed (C2, L2)." },
		{ "file-close-clears-cache", test_file_close_clears_cache,
		  "Closing a DRM file with exports and imports in its cache leaves no entry and "
		  "no object behind (F1)." },
	};

	igt_prime_run(&(struct igt_prime_suite){
	    .subtests = tests,
	    .nsubtests = ARRAY_SIZE(tests),
	    .caps = DRM_PRIME_CAP_IMPORT | DRM_PRIME_CAP_EXPORT,
	    .fd = &fd,
	    .inst = &inst,
	    .say_no_truth = true,
	});
}
