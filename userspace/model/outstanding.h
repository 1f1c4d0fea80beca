/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Outstanding buffers by stack, as memleak shows outstanding allocations:
 * every live dma-buf and GEM handle of the lifetime model, grouped by the
 * kernel and user stacks that made it, with counts, bytes and the oldest
 * age. No rule decides anything here: it is who holds what, for the leaks
 * that no rule names (a process that holds 6 exports is no suspect under
 * --growth 16, but it is listed here).
 */
#ifndef PT_OUTSTANDING_H
#define PT_OUTSTANDING_H

#include "model.h"

enum pm_out_kind {
	PM_OUT_DMABUF = 0, /* a live dma-buf, by the stack of its export */
	PM_OUT_IMPORT,	   /* a GEM handle made by fd-to-handle, by the import's stack */
	PM_OUT_HANDLE,	   /* any other GEM handle, by the stack that made it */
	PM_OUT_MAX,
};

struct pm_outstanding {
	enum pm_out_kind kind;
	/* the group: both stacks (NULL: not known, e.g. made before tracing) */
	struct pm_str *kstack, *ustack;
	__u64 count;
	__u64 bytes;
	__u64 t_oldest;	   /* creation time of the oldest; 0 when none is known */
	__u32 pid;	   /* of the oldest (0: unknown) */
	unsigned int pids; /* distinct processes in the group */
	char comm[PT_COMM_LEN];
	char driver[PT_DRIVER_LEN]; /* exporter, or the importing/owning driver */
};

/*
 * The groups of m, most bytes first (then most items, then oldest), into
 * *out (free() it; the stacks are the model's, valid while it lives).
 * Returns how many, or -ENOMEM.
 */
int pm_model_outstanding(const struct pm_model *m, struct pm_outstanding **out);

const char *pm_out_kind_name(enum pm_out_kind kind);

#endif
