// SPDX-License-Identifier: MIT
/**
 * TEST: prime races
 * Category: Core
 * Description: Bounded races on PRIME's lifetime paths: threads and forked
 *	processes that import, map, unmap and close one dma-buf and its DRM
 *	file at the same time. Each subtest runs a fixed number of rounds
 *	(8 threads or processes, 200 rounds) and asserts no timing; under
 *	one CPU the threads still interleave through preemption. After each
 *	subtest vprime's debugfs totals (objects, pages, vmaps, leaks) of
 *	every instance, the number of dma-bufs in dma_buf/bufinfo and the
 *	reference counts of the drivers' modules are back to what they were
 *	before it. Imports go to the peer device (in import-vs-gem-close,
 *	and for the odd threads of drm-fd-close-vs-dmabuf) when one is given
 *	and it imports the device's dma-bufs; the other importing files are
 *	second files of the device. Invariant IDs refer to
 *	docs/invariants.md.
 *
 * SUBTEST: import-vs-gem-close
 * Description: Eight threads import one dma-buf into one file, 200 times
 *	each, while another thread closes every handle they get: every
 *	import succeeds, and once one more import's handle is closed no
 *	handle any import returned is left in the file (C1, C2, L2).
 *
 * SUBTEST: drm-fd-close-vs-dmabuf
 * Description: In each of 200 rounds one thread closes the exporting DRM
 *	file while seven others import its dma-buf into their own files and
 *	map and read it: every import, mapping and read succeeds and sees
 *	the object's data, during and after the close (L1, L3, M2).
 *
 * SUBTEST: munmap-after-last-close
 * Description: In each of 200 rounds an object's handle, dma-buf fd and
 *	DRM file are closed while eight mappings of it live on (through the
 *	dma-buf and the DRM file); seven are unmapped by threads at once:
 *	the object and its dma-buf live on with the last mapping, and are
 *	freed when it is unmapped (L2, M2).
 *
 * SUBTEST: fork-shared-fds
 * Description: Eight forked processes share the parent's DRM file and
 *	dma-buf fd, which the parent closes as they start; each imports the
 *	dma-buf into the shared file and maps it 200 times: every import
 *	gives the one handle the shared file has for the object, and the
 *	object is freed when the last process exits (C1, S1, L2).
 */
#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xf86drm.h>

#include "igt.h"

#define BO_SIZE (16 * 1024)
#define THREADS 8
#define ROUNDS	200

static int fd = -1;   /* the device under test */
static int inst = -1; /* its vprime instance, or -1 */
static int peer = -1; /* the peer importing from it, or -1 */
/* ROUNDS, or fewer from PRIMETRACE_RACE_ROUNDS: a run that only needs to
 * see a fault fail does not need them all */
static int rounds = ROUNDS;

/* --- errors seen by threads ---------------------------------------------------- */

/* the asserts leave the subtest with siglongjmp(), which only the main thread
 * may do: threads record what went wrong, the main thread asserts after the
 * join */
static pthread_mutex_t err_lock = PTHREAD_MUTEX_INITIALIZER;
static char err_msg[256];
static int err_count;

__attribute__((format(printf, 1, 2))) static void race_error(const char *f, ...)
{
	va_list ap;

	pthread_mutex_lock(&err_lock);
	if (!err_count++) {
		va_start(ap, f);
		vsnprintf(err_msg, sizeof(err_msg), f, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&err_lock);
}

static void race_errors_reset(void)
{
	err_count = 0;
	err_msg[0] = '\0';
}

static void race_errors_check(void)
{
	igt_assert_f(err_count == 0, "%d error(s) in the race, the first: %s\n", err_count,
		     err_msg);
}

/* --- the leak oracle ----------------------------------------------------------- */

struct race_leaks {
	char totals[1024]; /* every vprime instance's totals */
	int dmabufs;
	int modref[2];
};

/* "vprime.N objects A pages B ..." for every instance, one line each */
static void read_totals(char *buf, size_t len)
{
	struct dirent *de;
	size_t used = 0;
	DIR *dir;

	buf[0] = '\0';
	dir = opendir(VPRIME_DEBUGFS);
	if (!dir)
		return;
	while ((de = readdir(dir))) {
		char path[300], line[64];
		FILE *f;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), VPRIME_DEBUGFS "/%s/totals", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		used += snprintf(buf + used, len - used, "vprime.%s:", de->d_name);
		while (used < len && fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\n")] = '\0';
			used += snprintf(buf + used, len - used, " %s", line);
		}
		fclose(f);
		if (used < len)
			used += snprintf(buf + used, len - used, "\n");
		if (used >= len)
			break;
	}
	closedir(dir);
}

static const char *module_of(int dev)
{
	return dev >= 0 ? drm_driver_name(dev) : NULL;
}

static void leaks_start(struct race_leaks *l)
{
	const char *mods[2] = { module_of(fd), module_of(peer) };

	read_totals(l->totals, sizeof(l->totals));
	l->dmabufs = dmabuf_total();
	for (int i = 0; i < 2; i++)
		l->modref[i] = mods[i] ? module_refcount(mods[i]) : -1;
}

static void leaks_check(const struct race_leaks *l)
{
	const char *mods[2] = { module_of(fd), module_of(peer) };
	char now[sizeof(l->totals)];

	read_totals(now, sizeof(now));
	igt_assert_f(strcmp(now, l->totals) == 0, "vprime's totals before:\n%safter:\n%s",
		     l->totals, now);
	if (l->dmabufs >= 0)
		igt_assert_f(dmabuf_total() == l->dmabufs, "%d dma-buf(s) before, %d after\n",
			     l->dmabufs, dmabuf_total());
	for (int i = 0; i < 2; i++)
		if (l->modref[i] >= 0)
			igt_assert_f(module_refcount(mods[i]) == l->modref[i],
				     "module %s: refcnt %d before, %d after\n", mods[i],
				     l->modref[i], module_refcount(mods[i]));
}

/* --- helpers ------------------------------------------------------------------- */

static uint32_t pattern(int round, int word)
{
	return 0x9e3779b9u * (uint32_t)(round + 1) ^ (uint32_t)word;
}

static void fill(uint32_t *ptr, int round)
{
	for (int i = 0; i < BO_SIZE / 4; i++)
		ptr[i] = pattern(round, i);
}

/* the first word that does not hold the round's data, or -1 */
static int bad_word(const uint32_t *ptr, int round)
{
	for (int i = 0; i < BO_SIZE / 4; i += 1024 / 4)
		if (ptr[i] != pattern(round, i))
			return i;
	return -1;
}

/* a file importing from the device under test: on the peer when it has one
 * that imports (@i odd), else on the device */
static int importer_open(int i)
{
	const char *node = drm_device_node(1, DRIVER_ANY);

	if (peer >= 0 && node && (i & 1))
		return drm_open_driver_another(1, DRIVER_ANY);
	return drm_open_driver(DRIVER_ANY);
}

/* --- import-vs-gem-close ------------------------------------------------------- */

static struct {
	pthread_barrier_t go; /* all start together */
	int imp, dmabuf;
	uint32_t slot; /* the last handle an import returned, 0 once taken */
	int importing;
	int closed; /* handles the closer closed */
	uint32_t handles[THREADS][ROUNDS];
} ic;

static void *importer(void *arg)
{
	int t = (intptr_t)arg;

	pthread_barrier_wait(&ic.go);
	for (int r = 0; r < rounds; r++) {
		uint32_t h = 0;
		int ret = __prime_fd_to_handle(ic.imp, ic.dmabuf, &h);

		if (ret || !h) {
			race_error("import %d of thread %d: %s\n", r, t, strerror(-ret));
			break;
		}
		ic.handles[t][r] = h;
		__atomic_store_n(&ic.slot, h, __ATOMIC_SEQ_CST);
		/* let the closer in: one CPU would run a whole thread's loop
		 * in a time slice */
		sched_yield();
	}
	__atomic_sub_fetch(&ic.importing, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void *closer(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&ic.go);
	while (__atomic_load_n(&ic.importing, __ATOMIC_SEQ_CST)) {
		uint32_t h = __atomic_exchange_n(&ic.slot, 0, __ATOMIC_SEQ_CST);
		int ret;

		if (!h) {
			sched_yield();
			continue;
		}
		/* another importer may have got the same handle, closed already */
		ret = __gem_close(ic.imp, h);
		if (!ret)
			ic.closed++;
		if (ret && ret != -EINVAL)
			race_error("GEM_CLOSE of handle %u: %s\n", h, strerror(-ret));
	}
	return NULL;
}

static void test_import_vs_close(void)
{
	pthread_t threads[THREADS + 1];
	uint32_t handle, last;

	handle = gem_create(fd, BO_SIZE);
	ic.dmabuf = prime_handle_to_fd(fd, handle);
	ic.imp = importer_open(1);
	ic.slot = 0;
	ic.importing = THREADS;
	ic.closed = 0;
	memset(ic.handles, 0, sizeof(ic.handles));
	igt_info("importing into %s\n", drm_driver_name(ic.imp));
	pthread_barrier_init(&ic.go, NULL, THREADS + 1);

	for (int t = 0; t < THREADS; t++)
		igt_assert_eq(pthread_create(&threads[t], NULL, importer, (void *)(intptr_t)t), 0);
	igt_assert_eq(pthread_create(&threads[THREADS], NULL, closer, NULL), 0);
	for (int t = 0; t <= THREADS; t++)
		igt_assert_eq(pthread_join(threads[t], NULL), 0);
	pthread_barrier_destroy(&ic.go);
	race_errors_check();
	/* how often an import had to make a new handle: the interleaving seen */
	igt_info("%d imports, %d of their handles closed under the importers\n", THREADS * rounds,
		 ic.closed);

	/* whatever handle is left, one import names it and one close ends it */
	last = prime_fd_to_handle(ic.imp, ic.dmabuf);
	gem_close(ic.imp, last);
	for (int t = 0; t < THREADS; t++)
		for (int r = 0; r < rounds; r++)
			igt_assert_f(!ic.handles[t][r] ||
					 !gem_handle_valid(ic.imp, ic.handles[t][r]),
				     "handle %u of import %d of thread %d outlived the last close "
				     "(handle %u): the file held two handles for one object\n",
				     ic.handles[t][r], r, t, last);
	drm_close_driver(ic.imp);
	close(ic.dmabuf);
	gem_close(fd, handle);
}

/* --- drm-fd-close-vs-dmabuf ---------------------------------------------------- */

static struct {
	pthread_barrier_t start, end;
	int drm, dmabuf;
	int imp[THREADS];
} dc;

static void *dmabuf_user(void *arg)
{
	int t = (intptr_t)arg;

	for (int r = 0; r < rounds; r++) {
		uint32_t *ptr, h = 0;
		int ret, bad;

		pthread_barrier_wait(&dc.start);
		if (t == 0) {
			/* the exporting file goes, with its handle */
			if (close(dc.drm))
				race_error("round %d: closing the DRM fd: %m\n", r);
			pthread_barrier_wait(&dc.end);
			continue;
		}
		ret = __prime_fd_to_handle(dc.imp[t], dc.dmabuf, &h);
		if (ret)
			race_error("round %d, thread %d: import: %s\n", r, t, strerror(-ret));
		ptr = mmap(NULL, BO_SIZE, PROT_READ, MAP_SHARED, dc.dmabuf, 0);
		if (ptr == MAP_FAILED) {
			race_error("round %d, thread %d: mmap of the dma-buf: %m\n", r, t);
		} else {
			bad = bad_word(ptr, r);
			if (bad >= 0)
				race_error("round %d, thread %d: word %d is %#x, not %#x\n", r, t,
					   bad, ptr[bad], pattern(r, bad));
			munmap(ptr, BO_SIZE);
		}
		if (!ret) {
			ret = __gem_close(dc.imp[t], h);
			if (ret)
				race_error("round %d, thread %d: GEM_CLOSE: %s\n", r, t,
					   strerror(-ret));
		}
		pthread_barrier_wait(&dc.end);
	}
	return NULL;
}

static void test_drm_fd_close(void)
{
	pthread_t threads[THREADS];

	for (int t = 0; t < THREADS; t++)
		dc.imp[t] = t ? importer_open(t) : -1;
	pthread_barrier_init(&dc.start, NULL, THREADS + 1);
	pthread_barrier_init(&dc.end, NULL, THREADS + 1);
	for (int t = 0; t < THREADS; t++)
		igt_assert_eq(pthread_create(&threads[t], NULL, dmabuf_user, (void *)(intptr_t)t),
			      0);

	for (int r = 0; r < rounds; r++) {
		uint32_t handle, *ptr;
		int bad;

		/* asserts here would leave the threads waiting: errors only */
		dc.drm = drm_open_driver(DRIVER_ANY);
		dc.dmabuf = -1;
		if (__gem_create(dc.drm, BO_SIZE, &handle) ||
		    __prime_handle_to_fd(dc.drm, handle, DRM_CLOEXEC, &dc.dmabuf))
			race_error("round %d: create and export: %m\n", r);
		/* written through the DRM file, unmapped before its close */
		ptr = __gem_mmap(dc.drm, handle, BO_SIZE, PROT_READ | PROT_WRITE);
		if (ptr) {
			fill(ptr, r);
			munmap(ptr, BO_SIZE);
		} else {
			race_error("round %d: mapping through the DRM file: %m\n", r);
		}
		ptr = mmap(NULL, BO_SIZE, PROT_READ, MAP_SHARED, dc.dmabuf, 0);
		pthread_barrier_wait(&dc.start);
		pthread_barrier_wait(&dc.end);
		if (ptr != MAP_FAILED) {
			bad = bad_word(ptr, r);
			if (bad >= 0)
				race_error("round %d: after the close word %d is %#x, not %#x\n", r,
					   bad, ptr[bad], pattern(r, bad));
			munmap(ptr, BO_SIZE);
		} else {
			race_error("round %d: mmap of the dma-buf: %m\n", r);
		}
		close(dc.dmabuf);
	}
	for (int t = 0; t < THREADS; t++)
		igt_assert_eq(pthread_join(threads[t], NULL), 0);
	pthread_barrier_destroy(&dc.start);
	pthread_barrier_destroy(&dc.end);
	for (int t = 1; t < THREADS; t++)
		drm_close_driver(dc.imp[t]);
	race_errors_check();
}

/* --- munmap-after-last-close --------------------------------------------------- */

static struct {
	pthread_barrier_t start, end;
	uint32_t *maps[THREADS];
} mc;

static void *unmapper(void *arg)
{
	int t = (intptr_t)arg;

	for (int r = 0; r < rounds; r++) {
		int bad;

		pthread_barrier_wait(&mc.start);
		if (mc.maps[t]) {
			bad = bad_word(mc.maps[t], r);
			if (bad >= 0)
				race_error("round %d, mapping %d: word %d is %#x, not %#x\n", r, t,
					   bad, mc.maps[t][bad], pattern(r, bad));
			munmap(mc.maps[t], BO_SIZE);
			mc.maps[t] = NULL;
		}
		pthread_barrier_wait(&mc.end);
	}
	return NULL;
}

static void test_munmap_after_close(void)
{
	pthread_t threads[THREADS];
	struct dmabuf_state st;
	bool bufinfo = dmabuf_total() >= 0;

	igt_require_f(inst >= 0 || bufinfo,
		      "neither vprime's debugfs nor dma_buf/bufinfo tells when the object goes\n");
	pthread_barrier_init(&mc.start, NULL, THREADS);
	pthread_barrier_init(&mc.end, NULL, THREADS);
	/* thread 0 is this one: it keeps the last mapping */
	for (int t = 1; t < THREADS; t++)
		igt_assert_eq(pthread_create(&threads[t], NULL, unmapper, (void *)(intptr_t)t), 0);

	for (int r = 0; r < rounds; r++) {
		int drm = drm_open_driver(DRIVER_ANY), dmabuf = -1, id = 0, bad;
		unsigned long ino = 0;
		uint32_t handle = 0;
		uint32_t *last;

		memset(mc.maps, 0, sizeof(mc.maps));
		if (__gem_create(drm, BO_SIZE, &handle) ||
		    __prime_handle_to_fd(drm, handle, DRM_CLOEXEC | DRM_RDWR, &dmabuf)) {
			race_error("round %d: create and export: %m\n", r);
		} else {
			ino = dmabuf_inode(dmabuf);
			id = inst >= 0 ? vprime_object_id(drm, handle) : 0;
			/* even: through the dma-buf; odd: through the DRM file */
			for (int t = 0; t < THREADS; t++) {
				void *p = t & 1 ? __gem_mmap(drm, handle, BO_SIZE, PROT_READ)
						: mmap(NULL, BO_SIZE, PROT_READ | PROT_WRITE,
						       MAP_SHARED, dmabuf, 0);

				if (!p || p == MAP_FAILED)
					race_error("round %d: mapping %d: %m\n", r, t);
				else
					mc.maps[t] = p;
			}
			if (mc.maps[0])
				fill(mc.maps[0], r);
		}
		close(dmabuf);
		if (handle)
			__gem_close(drm, handle);
		close(drm);

		/* seven mappings go at once, the first lives on */
		pthread_barrier_wait(&mc.start);
		pthread_barrier_wait(&mc.end);
		last = mc.maps[0];
		if (!last)
			continue;
		if (inst >= 0 && !vprime_object_by_id(inst, id, NULL))
			race_error("round %d: object %d freed with a mapping left\n", r, id);
		if (bufinfo && dmabuf_state(ino, &st) != 0)
			race_error("round %d: dma-buf %lu released with a mapping left\n", r, ino);
		bad = bad_word(last, r);
		if (bad >= 0)
			race_error("round %d: the last mapping's word %d is %#x, not %#x\n", r, bad,
				   last[bad], pattern(r, bad));
		munmap(last, BO_SIZE);
		if (inst >= 0 && vprime_object_by_id(inst, id, NULL))
			race_error("round %d: object %d outlived its last mapping\n", r, id);
		if (bufinfo && dmabuf_state(ino, &st) != -ENOENT)
			race_error("round %d: dma-buf %lu outlived its last mapping\n", r, ino);
	}
	for (int t = 1; t < THREADS; t++)
		igt_assert_eq(pthread_join(threads[t], NULL), 0);
	pthread_barrier_destroy(&mc.start);
	pthread_barrier_destroy(&mc.end);
	race_errors_check();
}

/* --- fork-shared-fds ----------------------------------------------------------- */

static void test_fork_shared(void)
{
	int drm = drm_open_driver(DRIVER_ANY);
	uint32_t handle = gem_create(drm, BO_SIZE), *ptr;
	int dmabuf = prime_handle_to_fd(drm, handle);

	/* written through the DRM file, read through the dma-buf */
	ptr = gem_mmap(drm, handle, BO_SIZE, PROT_READ | PROT_WRITE);
	fill(ptr, 0);
	munmap(ptr, BO_SIZE);

	igt_fork(child, THREADS)
	{
		for (int r = 0; r < rounds; r++) {
			uint32_t h = prime_fd_to_handle(drm, dmabuf);
			int bad;

			igt_assert_f(h == handle,
				     "child %d, round %d: import gave handle %u, the shared file's "
				     "is %u\n",
				     child, r, h, handle);
			ptr = mmap(NULL, BO_SIZE, PROT_READ, MAP_SHARED, dmabuf, 0);
			igt_assert(ptr != MAP_FAILED);
			bad = bad_word(ptr, 0);
			igt_assert_f(bad < 0, "child %d, round %d: word %d is %#x, not %#x\n",
				     child, r, bad, ptr[bad], pattern(0, bad));
			munmap(ptr, BO_SIZE);
		}
		/* the last child to close its copies frees the object */
		close(dmabuf);
		close(drm);
	}
	/* the parent lets go as the children start */
	close(dmabuf);
	close(drm);
	igt_waitchildren();
}

/* the rounds asked for, and the peer importing from the device */
static void races_setup(void)
{
	const char *node = drm_device_node(1, DRIVER_ANY);
	const char *env = getenv("PRIMETRACE_RACE_ROUNDS");

	if (env && atoi(env) > 0 && atoi(env) < ROUNDS)
		rounds = atoi(env);

	/* the peer imports when it takes one of this device's dma-bufs */
	if (node) {
		uint32_t handle = gem_create(fd, BO_SIZE), h;
		int dmabuf = prime_handle_to_fd(fd, handle);

		peer = drm_open_driver_another(1, DRIVER_ANY);
		if (__prime_fd_to_handle(peer, dmabuf, &h) == 0) {
			gem_close(peer, h);
		} else {
			igt_info("%s does not import %s's dma-bufs: imports stay on %s\n",
				 drm_driver_name(peer), drm_driver_name(fd), drm_driver_name(fd));
			drm_close_driver(peer);
			peer = -1;
		}
		close(dmabuf);
		gem_close(fd, handle);
	}
}

static void races_teardown(void)
{
	if (peer >= 0)
		drm_close_driver(peer);
}

static struct race_leaks race_leaks;

static void races_leaks_start(void)
{
	race_errors_reset();
	leaks_start(&race_leaks);
}

static void races_leaks_check(void)
{
	leaks_check(&race_leaks);
}

igt_main
{
	static const struct igt_prime_subtest tests[] = {
		{ "import-vs-gem-close", test_import_vs_close,
		  "Eight threads import one dma-buf into one file, 200 times each, while "
		  "another thread closes every handle they get: every import succeeds, and once "
		  "one more import's handle is closed no handle any import returned is left in "
		  "the file (C1, C2, L2)." },
		{ "drm-fd-close-vs-dmabuf", test_drm_fd_close,
		  "In each of 200 rounds one thread closes the exporting DRM file while seven "
		  "others import its dma-buf into their own files and map and read it: every "
		  "import, mapping and read succeeds and sees the object's data, during and "
		  "after the close (L1, L3, M2)." },
		{ "munmap-after-last-close", test_munmap_after_close,
		  "In each of 200 rounds an object's handle, dma-buf fd and DRM file are closed "
		  "while eight mappings of it live on (through the dma-buf and the DRM file); "
		  "seven are unmapped by threads at once: the object and its dma-buf live on "
		  "with the last mapping, and are freed when it is unmapped (L2, M2)." },
		{ "fork-shared-fds", test_fork_shared,
		  "Eight forked processes share the parent's DRM file and dma-buf fd, which the "
		  "parent closes as they start; each imports the dma-buf into the shared file "
		  "and maps it 200 times: every import gives the one handle the shared file has "
		  "for the object, and the object is freed when the last process exits (C1, S1, "
		  "L2)." },
	};

	igt_prime_run(&(struct igt_prime_suite){
	    .subtests = tests,
	    .nsubtests = ARRAY_SIZE(tests),
	    .caps = DRM_PRIME_CAP_IMPORT | DRM_PRIME_CAP_EXPORT,
	    .fd = &fd,
	    .inst = &inst,
	    .setup = races_setup,
	    .teardown = races_teardown,
	    .leaks_start = races_leaks_start,
	    .leaks_check = races_leaks_check,
	});
}
