// SPDX-License-Identifier: MIT
/**
 * TEST: prime self import
 * Category: Core
 * Description: IGT's prime_self_import on any GEM driver: sharing one object
 *	between files of the same device through PRIME, where every import is a
 *	self-import. Invariant IDs refer to docs/invariants.md.
 *
 * SUBTEST: basic-with_one_bo
 * Description: Import/export of one object between two files; reimport and
 *	self-import give the original handles (C1, S1), and the object outlives
 *	each of its holders in turn (L1).
 *
 * SUBTEST: basic-with_one_bo_two_files
 * Description: Self-importing a flink-opened object gives the flink handle (C1).
 *
 * SUBTEST: basic-with_two_bos
 * Description: Import/export of two objects: the second import is a new
 *	object, the first is gone (C2, L2).
 *
 * SUBTEST: basic-with_fd_dup
 * Description: A dup'ed dma-buf fd keeps the object after the original fd and
 *	the handle are closed (L1).
 *
 * SUBTEST: export-vs-gem_close-race
 * Description: PRIME export racing GEM_CLOSE of the same handle leaks no
 *	object and no dma-buf (E3, L2).
 *
 * SUBTEST: reimport-vs-gem_close-race
 * Description: Reimport racing GEM_CLOSE of the imported handle leaks no
 *	object and no dma-buf (C2, L2).
 *
 * SUBTEST: basic-llseek-size
 * Description: llseek(SEEK_END) on a dma-buf gives the object's size (D1).
 *
 * SUBTEST: basic-llseek-bad
 * Description: llseek to anything but 0 or the end fails with EINVAL (D1).
 */
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xf86drm.h>

#include "igt.h"

#define BO_SIZE (16 * 1024)

static char counter;
/* the device under test, open for the whole run: the leak checks' baseline */
static int fd = -1;
static volatile int pls_die;

/* Both handles show the same memory: the previous pattern, then a new one
 * written through the first is read through the second. */
static void check_bo(int fd1, uint32_t handle1, int fd2, uint32_t handle2)
{
	char *ptr1 = gem_mmap(fd1, handle1, BO_SIZE, PROT_READ | PROT_WRITE);
	char *ptr2 = gem_mmap(fd2, handle2, BO_SIZE, PROT_READ | PROT_WRITE);

	for (int i = 0; i < BO_SIZE; i++) {
		igt_assert(ptr1[i] == counter);
		igt_assert(ptr2[i] == counter);
	}
	counter++;
	memset(ptr1, counter, BO_SIZE);
	igt_assert(memcmp(ptr1, ptr2, BO_SIZE) == 0);
	munmap(ptr1, BO_SIZE);
	munmap(ptr2, BO_SIZE);
}

static void test_with_fd_dup(void)
{
	int fd1, fd2, dma_buf_fd1, dma_buf_fd2;
	uint32_t handle, handle_import;

	counter = 0;
	fd1 = drm_open_driver(DRIVER_ANY);
	fd2 = drm_open_driver(DRIVER_ANY);
	handle = gem_create(fd1, BO_SIZE);

	dma_buf_fd1 = prime_handle_to_fd(fd1, handle);
	gem_close(fd1, handle);

	dma_buf_fd2 = dup(dma_buf_fd1);
	close(dma_buf_fd1);
	handle_import = prime_fd_to_handle(fd2, dma_buf_fd2);
	check_bo(fd2, handle_import, fd2, handle_import);

	close(dma_buf_fd2);
	check_bo(fd2, handle_import, fd2, handle_import);

	drm_close_driver(fd1);
	drm_close_driver(fd2);
}

static void test_with_two_bos(void)
{
	int fd1, fd2, dma_buf_fd;
	uint32_t handle1, handle2, handle_import;

	counter = 0;
	fd1 = drm_open_driver(DRIVER_ANY);
	fd2 = drm_open_driver(DRIVER_ANY);
	handle1 = gem_create(fd1, BO_SIZE);
	handle2 = gem_create(fd1, BO_SIZE);

	dma_buf_fd = prime_handle_to_fd(fd1, handle1);
	handle_import = prime_fd_to_handle(fd2, dma_buf_fd);
	close(dma_buf_fd);
	gem_close(fd1, handle1);

	dma_buf_fd = prime_handle_to_fd(fd1, handle2);
	handle_import = prime_fd_to_handle(fd2, dma_buf_fd);
	check_bo(fd1, handle2, fd2, handle_import);

	gem_close(fd1, handle2);
	close(dma_buf_fd);
	check_bo(fd2, handle_import, fd2, handle_import);

	drm_close_driver(fd1);
	drm_close_driver(fd2);
}

static void test_with_one_bo_two_files(void)
{
	int fd1, fd2, dma_buf_fd1, dma_buf_fd2;
	uint32_t handle_import, handle_open, handle_orig, flink_name;

	fd1 = drm_open_driver(DRIVER_ANY);
	fd2 = drm_open_driver(DRIVER_ANY);
	handle_orig = gem_create(fd1, BO_SIZE);
	dma_buf_fd1 = prime_handle_to_fd(fd1, handle_orig);

	flink_name = gem_flink(fd1, handle_orig);
	handle_open = gem_open(fd2, flink_name);

	dma_buf_fd2 = prime_handle_to_fd(fd2, handle_open);
	handle_import = prime_fd_to_handle(fd2, dma_buf_fd2);

	/* self-importing an flink-opened object gives its flink handle */
	igt_assert_eq_u32(handle_import, handle_open);

	drm_close_driver(fd1);
	drm_close_driver(fd2);
	close(dma_buf_fd1);
	close(dma_buf_fd2);
}

static void test_with_one_bo(void)
{
	uint32_t handle, handle_import1, handle_import2, handle_selfimport;
	int fd1, fd2, dma_buf_fd;

	counter = 0;
	fd1 = drm_open_driver(DRIVER_ANY);
	fd2 = drm_open_driver(DRIVER_ANY);
	handle = gem_create(fd1, BO_SIZE);

	dma_buf_fd = prime_handle_to_fd(fd1, handle);
	handle_import1 = prime_fd_to_handle(fd2, dma_buf_fd);
	check_bo(fd1, handle, fd2, handle_import1);

	/* a reimport gives the same handle, so that userspace can tell that
	 * it has the object already */
	handle_import2 = prime_fd_to_handle(fd2, dma_buf_fd);
	igt_assert_eq_u32(handle_import1, handle_import2);

	/* and so does an import on the exporting file */
	handle_selfimport = prime_fd_to_handle(fd1, dma_buf_fd);
	igt_assert_eq_u32(handle, handle_selfimport);

	/* closing the dma-buf takes nothing away */
	close(dma_buf_fd);
	check_bo(fd1, handle, fd2, handle_import1);

	gem_close(fd1, handle);
	check_bo(fd2, handle_import1, fd2, handle_import1);

	/* re-export from the importer and drop its handle in between */
	dma_buf_fd = prime_handle_to_fd(fd2, handle_import1);
	gem_close(fd2, handle_import1);
	handle = prime_fd_to_handle(fd1, dma_buf_fd);
	handle_import1 = prime_fd_to_handle(fd2, dma_buf_fd);
	check_bo(fd1, handle, fd2, handle_import1);

	/* rip out the exporting file completely */
	drm_close_driver(fd1);
	check_bo(fd2, handle_import1, fd2, handle_import1);

	drm_close_driver(fd2);
	close(dma_buf_fd);
}

static int race_seconds(void)
{
	const char *env = getenv("PRIMETRACE_RACE_SECONDS");

	return env && atoi(env) > 0 ? atoi(env) : 5;
}

static int num_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 2 ? 2 : n;
}

static void *thread_fn_reimport_vs_close(void *p)
{
	int *fds = p;

	while (!pls_die) {
		struct drm_gem_close close_bo = { 0 };
		uint32_t handle;

		if (__prime_fd_to_handle(fds[0], fds[1], &handle) == 0) {
			close_bo.handle = handle;
			ioctl(fds[0], DRM_IOCTL_GEM_CLOSE, &close_bo);
		}
	}
	return NULL;
}

static void test_reimport_close_race(void)
{
	int n = num_threads(), fds[2], fake;
	pthread_t threads[n];
	struct igt_leaks leaks;
	uint32_t handle;

	/* the file that counts is opened before the baseline */
	fake = drm_open_driver(DRIVER_ANY);
	igt_leaks_start(&leaks, fake);

	fds[0] = drm_open_driver(DRIVER_ANY);
	handle = gem_create(fds[0], BO_SIZE);
	fds[1] = prime_handle_to_fd(fds[0], handle);

	pls_die = 0;
	for (int i = 0; i < n; i++)
		igt_assert_eq(pthread_create(&threads[i], NULL, thread_fn_reimport_vs_close, fds),
			      0);
	sleep(race_seconds());
	pls_die = 1;
	for (int i = 0; i < n; i++)
		igt_assert_eq(pthread_join(threads[i], NULL), 0);

	drm_close_driver(fds[0]);
	close(fds[1]);

	igt_leaks_check(&leaks);
	drm_close_driver(fake);
}

static void *thread_fn_export_vs_close(void *p)
{
	int fd = (intptr_t)p;

	while (!pls_die) {
		struct drm_prime_handle prime_h2f = { 0 };
		struct drm_gem_close close_bo = { 0 };
		uint32_t handle;

		/* race GEM_CLOSE against the export of handle 1 */
		if (__gem_create(fd, 4096, &handle) == 0 && handle != 1)
			__gem_close(fd, handle);

		prime_h2f.handle = 1;
		prime_h2f.flags = DRM_CLOEXEC;
		prime_h2f.fd = -1;
		ioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &prime_h2f);

		close_bo.handle = 1;
		ioctl(fd, DRM_IOCTL_GEM_CLOSE, &close_bo);

		if (prime_h2f.fd >= 0)
			close(prime_h2f.fd);
	}
	return NULL;
}

static void test_export_close_race(void)
{
	int n = num_threads(), fd, fake;
	pthread_t threads[n];
	struct igt_leaks leaks;

	fake = drm_open_driver(DRIVER_ANY);
	igt_leaks_start(&leaks, fake);

	fd = drm_open_driver(DRIVER_ANY);
	pls_die = 0;
	for (int i = 0; i < n; i++)
		igt_assert_eq(pthread_create(&threads[i], NULL, thread_fn_export_vs_close,
					     (void *)(intptr_t)fd),
			      0);
	sleep(race_seconds());
	pls_die = 1;
	for (int i = 0; i < n; i++)
		igt_assert_eq(pthread_join(threads[i], NULL), 0);

	drm_close_driver(fd);

	igt_leaks_check(&leaks);
	drm_close_driver(fake);
}

static void test_llseek_size(void)
{
	int fd = drm_open_driver(DRIVER_ANY);

	for (int i = 0; i < 10; i++) {
		int bufsz = 4096 << i;
		uint32_t handle = gem_create(fd, bufsz);
		int dma_buf_fd = prime_handle_to_fd(fd, handle);

		gem_close(fd, handle);
		igt_assert_eq(prime_get_size(dma_buf_fd), bufsz);
		close(dma_buf_fd);
	}
	drm_close_driver(fd);
}

static void test_llseek_bad(void)
{
	int fd = drm_open_driver(DRIVER_ANY);
	uint32_t handle = gem_create(fd, BO_SIZE);
	int dma_buf_fd = prime_handle_to_fd(fd, handle);

	gem_close(fd, handle);

	igt_require(lseek(dma_buf_fd, 0, SEEK_END) >= 0);
	igt_assert_errno(lseek(dma_buf_fd, -1, SEEK_END), EINVAL);
	igt_assert_errno(lseek(dma_buf_fd, 1, SEEK_SET), EINVAL);
	igt_assert_errno(lseek(dma_buf_fd, BO_SIZE, SEEK_SET), EINVAL);
	igt_assert_errno(lseek(dma_buf_fd, BO_SIZE + 1, SEEK_SET), EINVAL);
	igt_assert_errno(lseek(dma_buf_fd, BO_SIZE - 1, SEEK_SET), EINVAL);

	close(dma_buf_fd);
	drm_close_driver(fd);
}

igt_main
{
	static const struct igt_prime_subtest tests[] = {
		{ "basic-with_one_bo", test_with_one_bo,
		  "Import/export of one object between two files; reimport and self-import give "
		  "the original handles (C1, S1), and the object outlives each of its holders "
		  "in turn (L1)." },
		{ "basic-with_one_bo_two_files", test_with_one_bo_two_files,
		  "Self-importing a flink-opened object gives the flink handle (C1)." },
		{ "basic-with_two_bos", test_with_two_bos,
		  "Import/export of two objects: the second import is a new object, the first "
		  "is gone (C2, L2)." },
		{ "basic-with_fd_dup", test_with_fd_dup,
		  "A dup'ed dma-buf fd keeps the object after the original fd and the handle "
		  "are closed (L1)." },
		{ "export-vs-gem_close-race", test_export_close_race,
		  "PRIME export racing GEM_CLOSE of the same handle leaks no object and no "
		  "dma-buf (E3, L2)." },
		{ "reimport-vs-gem_close-race", test_reimport_close_race,
		  "Reimport racing GEM_CLOSE of the imported handle leaks no object and no "
		  "dma-buf (C2, L2)." },
		{ "basic-llseek-size", test_llseek_size,
		  "llseek(SEEK_END) on a dma-buf gives the object's size (D1)." },
		{ "basic-llseek-bad", test_llseek_bad,
		  "llseek to anything but 0 or the end fails with EINVAL (D1)." },
	};

	igt_prime_run(&(struct igt_prime_suite){
	    .subtests = tests,
	    .nsubtests = ARRAY_SIZE(tests),
	    .caps = DRM_PRIME_CAP_IMPORT | DRM_PRIME_CAP_EXPORT,
	    .fd = &fd,
	});
}
