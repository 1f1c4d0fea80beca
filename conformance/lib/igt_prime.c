// SPDX-License-Identifier: MIT
/*
 * The PRIME conformance tests' common body (see igt_prime.h).
 */
#include <xf86drm.h>

#include "igt.h"

static const char *missing(uint64_t caps)
{
	if ((caps & (DRM_PRIME_CAP_IMPORT | DRM_PRIME_CAP_EXPORT)) ==
	    (DRM_PRIME_CAP_IMPORT | DRM_PRIME_CAP_EXPORT))
		return "both import and export";
	return caps & DRM_PRIME_CAP_EXPORT ? "export" : "import";
}

/* igt_subtest, at the caller's place */
#define subtest_at(name, file, line)                                                               \
	for (; __igt_run_subtest((name), (file), (line)) && sigsetjmp(igt_subtest_jmpbuf, 1) == 0; \
	     igt_success())

void __igt_prime_run(const char *file, int line, const struct igt_prime_suite *s)
{
	int *fd = s->fd;

	igt_fixture {
		int inst;

		*fd = drm_open_driver(DRIVER_ANY);
		if (s->caps)
			igt_require_f(drm_has_prime(*fd, s->caps), "%s does not %s\n",
				      drm_driver_name(*fd), missing(s->caps));
		inst = vprime_instance(*fd);
		if (s->inst)
			*s->inst = inst;
		if (s->say_no_truth && inst < 0)
			igt_info("%s: no vprime debugfs, ground-truth checks are skipped\n",
				 drm_driver_name(*fd));
		if (s->setup)
			s->setup();
	}

	for (volatile unsigned int i = 0; i < s->nsubtests; i++) {
		const struct igt_prime_subtest *t = &s->subtests[i];

		igt_describe(t->describe);
		subtest_at(t->name, file, line)
		{
			struct igt_leaks leaks;

			if (s->leaks_start)
				s->leaks_start();
			else
				igt_leaks_start(&leaks, *fd);
			t->fn();
			if (s->leaks_check)
				s->leaks_check();
			else
				igt_leaks_check(&leaks);
		}
	}

	igt_fixture {
		if (s->teardown)
			s->teardown();
		drm_close_driver(*fd);
	}
}
