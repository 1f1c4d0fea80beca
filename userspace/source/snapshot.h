/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What exists right now, as PT_EV_SNAP_* records: every dma-buf fd and
 * mapping of every process, every GEM handle of every DRM file, and every
 * dma-buf (iter/dmabuf where the kernel has it, debugfs bufinfo otherwise).
 * The model (model.h) takes them like events; 'record' writes them into
 * its file so that a replay knows what a live run knew.
 */
#ifndef PT_SNAPSHOT_H
#define PT_SNAPSHOT_H

#include <stdbool.h>
#include <stdio.h>

#include "run.h"
#include "snapshot_rec.h"

#define PT_BUFINFO_PATH "/sys/kernel/debug/dma_buf/bufinfo"

struct pt_snapshot_opts {
	const char *btf_path; /* NULL: the running kernel's */
	const char *bufinfo;  /* NULL: PT_BUFINFO_PATH */
	bool verbose;	      /* libbpf's debug output */
};

/*
 * Take a snapshot: fn gets SNAP_BEGIN, the records, then SNAP_END whose
 * flags say which lists are complete (PT_SNAP_*). Errors are printed;
 * returns 0 or -errno.
 */
int pt_snapshot(const struct pt_snapshot_opts *opts, pt_record_fn fn, void *ctx);

/*
 * Pure functions (the unit tests use them). ts: the snapshot's time
 * (CLOCK_MONOTONIC ns); real_to_mono: CLOCK_MONOTONIC minus CLOCK_REALTIME
 * in ns, to turn an inode's ctime into the events' clock.
 */
void pt_snap_to_record(const struct pt_snap_rec *r, __u64 ts, __s64 real_to_mono,
		       struct pt_record *out);
/* debugfs bufinfo: one SNAP_BUF record per buffer listed; returns the count or -EINVAL */
int pt_bufinfo_parse(FILE *f, __u64 ts, pt_record_fn fn, void *ctx);

#endif
