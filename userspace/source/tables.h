/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The live tables of primetrace.bpf.c (cfg.tables): sized before load,
 * read at the end as records that say what is still alive.
 */
#ifndef PT_TABLES_H
#define PT_TABLES_H

#include <linux/types.h>
#include <stdbool.h>

#include "event.h"
#include "symbolize.h"

#define PT_TABLE_SIZE_DEFAULT 65536
#define PT_TABLE_STACKS	      4096
/* exited processes whose mappings are kept to name their user stacks */
#define PT_TABLES_EXITED 1024

struct primetrace_bpf;

/* Before load: the tables' sizes (entries per table; unused tables get one). */
int pt_tables_configure(struct primetrace_bpf *skel, int mode, __u32 size);

/*
 * After the hooks are detached: each live dma-buf as a dmabuf_export
 * record, each live GEM handle as a gem_handle_create (an import's after
 * its gem_import), with their stacks, in the order they were made, to fn.
 * Returns 0 or -errno (printed).
 */
int pt_tables_read(struct primetrace_bpf *skel, struct pt_syms *syms, struct pt_usyms *usyms,
		   void (*fn)(const struct pt_record *rec, void *ctx), void *ctx);

/*
 * The hooks the tables need: what makes and ends a dma-buf or a GEM handle,
 * what marks an import, and the GEM frees (which say that the frees are seen).
 */
bool pt_tables_hook(int hook);

/* What the tables could not hold (full tables, stack collisions): a map lookup */
__u64 pt_tables_lost(struct primetrace_bpf *skel);

#endif
