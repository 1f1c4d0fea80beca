// SPDX-License-Identifier: MIT
/**
 * TEST: prime mmap
 * Category: Core
 * Description: IGT's prime_mmap, and vgem_basic's dmabuf-mmap, on any GEM
 *	driver: CPU mappings of a dma-buf (drm_gem_dmabuf_mmap) show the
 *	object's memory and keep it alive. Unlike IGT, which compares the
 *	first 16 bytes, every page is checked, and each page's copy of IGT's
 *	pattern is xor'ed with the page number, so that a mapping showing one
 *	page of the object in place of another fails. Invariant IDs refer to
 *	docs/invariants.md.
 *
 * SUBTEST: test_correct
 * Description: A dma-buf mapping shows what a GEM mapping shows (M1).
 *
 * SUBTEST: test_map_unmap
 * Description: A dma-buf can be mapped again after an unmap (M1).
 *
 * SUBTEST: test_reprime
 * Description: A mapping outlives its dma-buf fd, and the object can be
 *	exported and mapped again (M2, E1).
 *
 * SUBTEST: test_forked
 * Description: A child process maps the dma-buf it inherited (M1).
 *
 * SUBTEST: test_correct_cpu_write
 * Description: CPU writes through a DRM_RDWR dma-buf mapping land in the
 *	object: a GEM mapping shows them (M1).
 *
 * SUBTEST: test_forked_cpu_write
 * Description: A child writes through a DRM_RDWR mapping of an inherited
 *	dma-buf; the parent sees the writes through a GEM mapping (M1).
 *
 * SUBTEST: test_refcounting
 * Description: The dma-buf keeps the object after GEM_CLOSE of its last
 *	handle, and can still be mapped (L1).
 *
 * SUBTEST: test_dup
 * Description: A dup'ed dma-buf fd maps the object after GEM_CLOSE (L1).
 *
 * SUBTEST: test_errors
 * Description: Bad export flags fail with EINVAL, exporting a closed
 *	handle with ENOENT (E3), mapping a closed fd with EBADF, mappings
 *	beyond the object with EINVAL (D1).
 *
 * SUBTEST: test_invalid_sync_flags
 * Description: DMA_BUF_IOCTL_SYNC with invalid flags fails with EINVAL (D1).
 *
 * SUBTEST: dmabuf-mmap
 * Description: vgem_basic's: writes through a DRM_RDWR dma-buf mapping made
 *	before the fd was closed are seen through a GEM mapping that outlives
 *	the handle (M1, M2).
 */
#include <linux/dma-buf.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xf86drm.h>

#include "igt.h"

#define BO_SIZE	  (1024 * 1024)
#define PAGE_SIZE 4096

static int fd = -1;

static const char pattern[] = { 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0x00, 0x00,
				0x00, 0x00, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff };

/* page @n of an object filled by fill_cpu(): the pattern xor'ed with @n */
static void pattern_page(char *page, size_t n)
{
	for (size_t i = 0; i < PAGE_SIZE; i++)
		page[i] = pattern[i % sizeof(pattern)] ^ (char)n;
}

static void fill_cpu(char *ptr, size_t size)
{
	for (size_t n = 0; n < size / PAGE_SIZE; n++)
		pattern_page(ptr + n * PAGE_SIZE, n);
}

/* @ptr, a mapping of a whole object, shows what fill_cpu() wrote */
static void assert_pattern(const char *ptr, size_t size, const char *what)
{
	char page[PAGE_SIZE];

	for (size_t n = 0; n < size / PAGE_SIZE; n++) {
		pattern_page(page, n);
		igt_assert_f(memcmp(ptr + n * PAGE_SIZE, page, PAGE_SIZE) == 0,
			     "%s: page %zu does not show the object's page %zu\n", what, n, n);
	}
}

/* an object of BO_SIZE filled with the pattern through a GEM mapping */
static uint32_t create_filled(void)
{
	uint32_t handle = gem_create(fd, BO_SIZE);
	char *ptr = gem_mmap(fd, handle, BO_SIZE, PROT_READ | PROT_WRITE);

	fill_cpu(ptr, BO_SIZE);
	munmap(ptr, BO_SIZE);
	return handle;
}

static char *map_dmabuf(int dma_buf_fd, int prot)
{
	char *ptr = mmap(NULL, BO_SIZE, prot, MAP_SHARED, dma_buf_fd, 0);

	igt_assert_f(ptr != MAP_FAILED, "mmap of a dma-buf: %s\n", strerror(errno));
	return ptr;
}

static void test_correct(void)
{
	uint32_t handle = create_filled();
	int dma_buf_fd = prime_handle_to_fd(fd, handle);
	char *ptr1, *ptr2;

	/* the same memory through GEM and through the dma-buf */
	ptr1 = gem_mmap(fd, handle, BO_SIZE, PROT_READ);
	ptr2 = map_dmabuf(dma_buf_fd, PROT_READ);
	igt_assert_f(memcmp(ptr1, ptr2, BO_SIZE) == 0,
		     "the dma-buf mapping differs from the GEM mapping\n");
	assert_pattern(ptr2, BO_SIZE, "dma-buf mapping");

	munmap(ptr1, BO_SIZE);
	munmap(ptr2, BO_SIZE);
	close(dma_buf_fd);
	gem_close(fd, handle);
}

static void test_map_unmap(void)
{
	uint32_t handle = create_filled();
	int dma_buf_fd = prime_handle_to_fd(fd, handle);
	char *ptr;

	ptr = map_dmabuf(dma_buf_fd, PROT_READ);
	assert_pattern(ptr, BO_SIZE, "dma-buf mapping");

	munmap(ptr, BO_SIZE);
	ptr = map_dmabuf(dma_buf_fd, PROT_READ);
	assert_pattern(ptr, BO_SIZE, "dma-buf mapping made again");

	munmap(ptr, BO_SIZE);
	close(dma_buf_fd);
	gem_close(fd, handle);
}

/* export, unexport and export the same handle again */
static void test_reprime(void)
{
	uint32_t handle = create_filled();
	int dma_buf_fd = prime_handle_to_fd(fd, handle);
	char *ptr;

	ptr = map_dmabuf(dma_buf_fd, PROT_READ);
	assert_pattern(ptr, BO_SIZE, "dma-buf mapping");

	close(dma_buf_fd);
	assert_pattern(ptr, BO_SIZE, "dma-buf mapping, fd closed");
	munmap(ptr, BO_SIZE);

	dma_buf_fd = prime_handle_to_fd(fd, handle);
	ptr = map_dmabuf(dma_buf_fd, PROT_READ);
	assert_pattern(ptr, BO_SIZE, "mapping of the second export");

	munmap(ptr, BO_SIZE);
	close(dma_buf_fd);
	gem_close(fd, handle);
}

static void test_forked(void)
{
	uint32_t handle = create_filled();
	int dma_buf_fd = prime_handle_to_fd(fd, handle);

	igt_fork(childno, 1)
	{
		char *ptr = map_dmabuf(dma_buf_fd, PROT_READ);

		assert_pattern(ptr, BO_SIZE, "child's dma-buf mapping");
		munmap(ptr, BO_SIZE);
		close(dma_buf_fd);
	}
	close(dma_buf_fd);
	igt_waitchildren();
	gem_close(fd, handle);
}

static void test_correct_cpu_write(void)
{
	uint32_t handle = gem_create(fd, BO_SIZE);
	int dma_buf_fd = prime_handle_to_fd_for_mmap(fd, handle);
	char *ptr = map_dmabuf(dma_buf_fd, PROT_READ | PROT_WRITE);

	fill_cpu(ptr, BO_SIZE);
	assert_pattern(ptr, BO_SIZE, "dma-buf mapping");
	munmap(ptr, BO_SIZE);

	/* the writes are in the object */
	ptr = gem_mmap(fd, handle, BO_SIZE, PROT_READ);
	assert_pattern(ptr, BO_SIZE, "GEM mapping after writes through the dma-buf");
	munmap(ptr, BO_SIZE);
	close(dma_buf_fd);
	gem_close(fd, handle);
}

static void test_forked_cpu_write(void)
{
	uint32_t handle = gem_create(fd, BO_SIZE);
	int dma_buf_fd = prime_handle_to_fd_for_mmap(fd, handle);
	char *ptr;

	igt_fork(childno, 1)
	{
		ptr = map_dmabuf(dma_buf_fd, PROT_READ | PROT_WRITE);
		fill_cpu(ptr, BO_SIZE);
		assert_pattern(ptr, BO_SIZE, "child's dma-buf mapping");
		munmap(ptr, BO_SIZE);
		close(dma_buf_fd);
	}
	close(dma_buf_fd);
	igt_waitchildren();

	/* the child's writes are in the object */
	ptr = gem_mmap(fd, handle, BO_SIZE, PROT_READ);
	assert_pattern(ptr, BO_SIZE, "GEM mapping after the child's writes");
	munmap(ptr, BO_SIZE);
	gem_close(fd, handle);
}

static void test_refcounting(void)
{
	uint32_t handle = create_filled();
	int dma_buf_fd = prime_handle_to_fd(fd, handle);
	char *ptr;

	/* close the object before mapping it */
	gem_close(fd, handle);

	ptr = map_dmabuf(dma_buf_fd, PROT_READ);
	assert_pattern(ptr, BO_SIZE, "dma-buf mapping after GEM_CLOSE");
	munmap(ptr, BO_SIZE);
	close(dma_buf_fd);
}

/* dup before mmap */
static void test_dup(void)
{
	uint32_t handle = create_filled();
	int first = prime_handle_to_fd(fd, handle);
	int dma_buf_fd = dup(first);
	char *ptr;

	igt_assert(dma_buf_fd >= 0);
	close(first);
	ptr = map_dmabuf(dma_buf_fd, PROT_READ);
	assert_pattern(ptr, BO_SIZE, "mapping of the dup'ed fd");
	munmap(ptr, BO_SIZE);
	gem_close(fd, handle);
	close(dma_buf_fd);
}

static void test_errors(void)
{
	const uint32_t invalid_flags[] = { DRM_CLOEXEC - 1, DRM_CLOEXEC + 1, DRM_RDWR - 1,
					   DRM_RDWR + 1 };
	int dma_buf_fd;
	uint32_t handle;
	char *ptr;

	/* invalid flags */
	handle = gem_create(fd, BO_SIZE);
	for (unsigned int i = 0; i < ARRAY_SIZE(invalid_flags); i++) {
		igt_assert_eq(__prime_handle_to_fd(fd, handle, invalid_flags[i], &dma_buf_fd),
			      -EINVAL);
		igt_assert_eq(dma_buf_fd, -1);
	}
	gem_close(fd, handle);

	/* close the object before exporting it */
	handle = create_filled();
	gem_close(fd, handle);
	igt_assert_eq(__prime_handle_to_fd(fd, handle, DRM_CLOEXEC, &dma_buf_fd), -ENOENT);
	igt_assert_eq(dma_buf_fd, -1);

	/* close the fd before mapping */
	handle = create_filled();
	dma_buf_fd = prime_handle_to_fd(fd, handle);
	close(dma_buf_fd);
	ptr = mmap(NULL, BO_SIZE, PROT_READ, MAP_SHARED, dma_buf_fd, 0);
	igt_assert(ptr == MAP_FAILED && errno == EBADF);
	gem_close(fd, handle);

	/* a mapping bigger than the object */
	handle = create_filled();
	dma_buf_fd = prime_handle_to_fd(fd, handle);
	ptr = mmap(NULL, BO_SIZE * 2, PROT_READ, MAP_SHARED, dma_buf_fd, 0);
	igt_assert(ptr == MAP_FAILED && errno == EINVAL);
	close(dma_buf_fd);
	gem_close(fd, handle);

	/* a mapping over the end of the object */
	handle = gem_create(fd, BO_SIZE);
	dma_buf_fd = prime_handle_to_fd(fd, handle);
	ptr = mmap(NULL, BO_SIZE, PROT_READ, MAP_SHARED, dma_buf_fd, BO_SIZE / 2);
	igt_assert(ptr == MAP_FAILED && errno == EINVAL);
	close(dma_buf_fd);
	gem_close(fd, handle);
}

static void test_invalid_sync_flags(void)
{
	const uint64_t invalid_flags[] = { -1, 0x00, DMA_BUF_SYNC_RW + 1,
					   DMA_BUF_SYNC_VALID_FLAGS_MASK + 1 };
	uint32_t handle = gem_create(fd, BO_SIZE);
	int dma_buf_fd = prime_handle_to_fd(fd, handle);

	for (unsigned int i = 0; i < ARRAY_SIZE(invalid_flags); i++) {
		struct dma_buf_sync sync = { .flags = invalid_flags[i] };

		igt_assert_errno(ioctl(dma_buf_fd, DMA_BUF_IOCTL_SYNC, &sync), EINVAL);
	}
	close(dma_buf_fd);
	gem_close(fd, handle);
}

static void test_dmabuf_mmap(void)
{
	const int pages = BO_SIZE / 4096;
	uint32_t handle = gem_create(fd, BO_SIZE);
	int export = prime_handle_to_fd_for_mmap(fd, handle);
	uint32_t *ptr;

	ptr = mmap(NULL, BO_SIZE, PROT_WRITE, MAP_SHARED, export, 0);
	close(export);
	igt_assert(ptr != MAP_FAILED);
	for (int page = 0; page < pages; page++)
		ptr[page * 1024] = page;
	munmap(ptr, BO_SIZE);

	ptr = gem_mmap(fd, handle, BO_SIZE, PROT_READ);
	gem_close(fd, handle);
	for (int page = 0; page < pages; page++)
		igt_assert_eq(ptr[page * 1024], page);
	munmap(ptr, BO_SIZE);
}

igt_main
{
	static const struct igt_prime_subtest tests[] = {
		{ "test_correct", test_correct,
		  "A dma-buf mapping shows what a GEM mapping shows (M1)." },
		{ "test_map_unmap", test_map_unmap,
		  "A dma-buf can be mapped again after an unmap (M1)." },
		{ "test_reprime", test_reprime,
		  "A mapping outlives its dma-buf fd, and the object can be exported and mapped "
		  "again (M2, E1)." },
		{ "test_forked", test_forked,
		  "A child process maps the dma-buf it inherited (M1)." },
		{ "test_correct_cpu_write", test_correct_cpu_write,
		  "CPU writes through a DRM_RDWR dma-buf mapping land in the object: a GEM "
		  "mapping shows them (M1)." },
		{ "test_forked_cpu_write", test_forked_cpu_write,
		  "A child writes through a DRM_RDWR mapping of an inherited dma-buf; the "
		  "parent sees the writes through a GEM mapping (M1)." },
		{ "test_refcounting", test_refcounting,
		  "The dma-buf keeps the object after GEM_CLOSE of its last handle, and can "
		  "still be mapped (L1)." },
		{ "test_dup", test_dup,
		  "A dup'ed dma-buf fd maps the object after GEM_CLOSE (L1)." },
		{ "test_errors", test_errors,
		  "Bad export flags fail with EINVAL, exporting a closed handle with ENOENT "
		  "(E3), mapping a closed fd with EBADF, mappings beyond the object with EINVAL "
		  "(D1)." },
		{ "test_invalid_sync_flags", test_invalid_sync_flags,
		  "DMA_BUF_IOCTL_SYNC with invalid flags fails with EINVAL (D1)." },
		{ "dmabuf-mmap", test_dmabuf_mmap,
		  "vgem_basic's: writes through a DRM_RDWR dma-buf mapping made before the fd "
		  "was closed are seen through a GEM mapping that outlives the handle (M1, M2)." },
	};

	igt_prime_run(&(struct igt_prime_suite){
	    .subtests = tests,
	    .nsubtests = ARRAY_SIZE(tests),
	    .caps = DRM_PRIME_CAP_EXPORT,
	    .fd = &fd,
	});
}
