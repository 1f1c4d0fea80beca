// SPDX-License-Identifier: MIT
/*
 * Leak checks around a subtest: the objects of a vprime device and the
 * dma-bufs of the whole system must come back to what they were.
 */
#include "igt.h"

void igt_leaks_start(struct igt_leaks *l, int fd)
{
	l->inst = vprime_instance(fd);
	l->objects = l->inst >= 0 ? vprime_object_count(l->inst) : -1;
	l->dmabufs = dmabuf_total();
	if (l->objects < 0 && l->dmabufs < 0)
		igt_info("no leak oracle on %s: neither vprime's debugfs nor dma_buf/bufinfo\n",
			 drm_driver_name(fd));
}

void igt_leaks_check(const struct igt_leaks *l)
{
	if (l->objects >= 0) {
		int now = vprime_object_count(l->inst);

		igt_debug("vprime.%d: %d objects before, %d after\n", l->inst, l->objects, now);
		igt_assert_f(now == l->objects, "%d GEM objects leaked on vprime.%d\n",
			     now - l->objects, l->inst);
	}
	if (l->dmabufs >= 0) {
		int now = dmabuf_total();

		igt_debug("%d dma-bufs before, %d after\n", l->dmabufs, now);
		igt_assert_f(now == l->dmabufs, "%d dma-bufs leaked\n", now - l->dmabufs);
	}
}
