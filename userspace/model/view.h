/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The numbers the monitor reports, gathered in one plain structure: how
 * many dma-bufs are alive and their bytes, by exporter and by the process
 * that exported them (the top N, the rest summed as "other" so that the
 * label set stays bounded), GEM objects and handles, import handles, leak
 * suspects by rule, and how complete the picture is.
 *
 * This is the interface between the monitor's reporting (metrics, the
 * one-line summaries) and where the state is kept: pm_view_collect() fills
 * it from the userspace lifetime model; a backend that keeps the state in
 * kernel tables fills the same structure from its maps.
 */
#ifndef PT_VIEW_H
#define PT_VIEW_H

#include <linux/types.h>

#include "model.h"

#define PM_VIEW_TOP_MAX	 64
#define PM_VIEW_NAME_LEN 64

struct pm_view_group {
	__u32 pid;		     /* by process: the exporter's pid (0: unknown) */
	bool other;		     /* the sum of everything past the top N */
	char name[PM_VIEW_NAME_LEN]; /* exporter "vprime:128", or the process's comm */
	__u64 bufs;
	__u64 bytes;
};

struct pm_view {
	__u64 bufs, bytes;
	/* the top N by bytes, then one "other" entry when more were left */
	struct pm_view_group exporters[PM_VIEW_TOP_MAX + 1];
	unsigned int nexporters;
	struct pm_view_group procs[PM_VIEW_TOP_MAX + 1];
	unsigned int nprocs;
	__u64 gem_objects, gem_handles, import_handles, attachments;
	__u64 suspects[PM_LEAK_MAX];
	__u64 events, drops, evictions, table_lost;
	__u64 entries, max_entries;
	unsigned int incomplete; /* PM_INC_* */
	char incomplete_text[256];
};

/*
 * Fill v from the model and the suspects it gave (pm_model_leaks); top:
 * how many exporters and processes get their own labels (1 to
 * PM_VIEW_TOP_MAX). Returns 0 or -ENOMEM.
 */
int pm_view_collect(const struct pm_model *m, const struct pm_suspect *s, int n, unsigned int top,
		    struct pm_view *v);

/* "vprime:128" from a driver and a minor, or the dma-buf's exporter name, or "?" */
const char *pm_buf_exporter(char *buf, size_t len, const struct pm_buf *b);

#endif
