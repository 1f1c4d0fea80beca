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
#define PT_TABLE_NAMES	      4096
#define PT_TABLE_MINORS	      1024
#define PT_TABLE_VMAPS	      4096 /* buffers with kernel mappings (PT_TX_ATTACH) */
#define PT_TABLE_PROCS	      4096 /* processes counted (PT_TX_PROCS) */
/* exited processes whose mappings are kept to name their user stacks */
#define PT_TABLES_EXITED 1024

struct primetrace_bpf;

/*
 * Before load: the tables' sizes (entries per table; unused tables get
 * one). extra: PT_TX_*, the optional tables kept too.
 */
int pt_tables_configure(struct primetrace_bpf *skel, int mode, int extra, __u32 size);

/*
 * Each live dma-buf as a dmabuf_export record, each live GEM handle as a
 * gem_handle_create (an import's after its gem_import), with their stacks;
 * a dmabuf_vmap per kernel mapping; with PT_TX_ATTACH each attachment as
 * a dmabuf_attach and a dmabuf_map per mapping: in the order they were
 * made, to fn. Returns 0 or -errno (printed).
 */
int pt_tables_read(struct primetrace_bpf *skel, struct pt_syms *syms, struct pt_usyms *usyms,
		   void (*fn)(const struct pt_record *rec, void *ctx), void *ctx);

/*
 * The hooks the tables need: what makes and ends a dma-buf, a GEM handle or
 * a vmap, and with extra's PT_TX_ATTACH an attachment or its mapping.
 */
bool pt_tables_hook(int hook, int extra);

/*
 * PT_TX_PROCS: each process's exports and imports since the tables began
 * (taken out when it exits), to fn. Returns 0 or -errno.
 */
int pt_tables_procs(struct primetrace_bpf *skel,
		    void (*fn)(__u32 pid, const struct pt_tproc *p, void *ctx), void *ctx);

/* What the tables could not hold (full tables, stack collisions): a map lookup */
__u64 pt_tables_lost(struct primetrace_bpf *skel);

/*
 * The tables outliving their programs: when the hooks are attached again
 * (a module with hooks came or went), the new programs take over the old
 * tables instead of starting empty. Kept: the tables' maps (live_bufs,
 * live_handles and what their entries name: stacks, names, drivers), held
 * open by fds of their own, and the optional tables (PT_TX_*).
 */
#define PT_TABLES_KEPT 11
struct pt_tables_keep {
	int fd[PT_TABLES_KEPT];
};

/* Hold skel's tables (0, or -errno with nothing held). */
int pt_tables_keep(struct primetrace_bpf *skel, struct pt_tables_keep *k);
/* Before load: skel's programs use the kept tables (0 or -errno). */
int pt_tables_reuse(struct primetrace_bpf *skel, const struct pt_tables_keep *k);
void pt_tables_keep_close(struct pt_tables_keep *k);

/*
 * What a snapshot found alive, to take out of the tables what went while
 * no hook saw it: between two attaches, a dma-buf freed or a handle closed
 * is not seen, and its entry would stay for ever.
 */
struct pt_tables_alive {
	bool bufs, handles; /* the snapshot listed every dma-buf, every handle */
	__u64 since;	    /* when the snapshot began (CLOCK_MONOTONIC ns) */
	bool (*buf)(void *ctx, __u64 dmabuf, __u64 ino);
	bool (*handle)(void *ctx, __u64 file, __u32 handle);
	void *ctx;
};

/*
 * Delete each entry made before a->since that the snapshot did not find
 * (a complete list only); entries made since are newer than the snapshot.
 * Returns how many went, or -errno.
 */
int pt_tables_prune(struct primetrace_bpf *skel, const struct pt_tables_alive *a);

#endif
