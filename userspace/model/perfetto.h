/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A timeline for ui.perfetto.dev (or chrome://tracing): Chrome trace-event
 * JSON written while the model runs. One process track per pid; each dma-buf
 * is an async slice on its exporter's track from export to release, each
 * import handle a slice on its importer's track from import to close, and
 * attach, detach, map, unmap, mmap, vmap, vunmap and exits are instants.
 * Slices still open when tracing ends are closed at its last moment with
 * "alive_at_end": true.
 */
#ifndef PT_PERFETTO_H
#define PT_PERFETTO_H

#include "model.h"

struct pt_perfetto;

/* Open FILE and write the header; NULL with errno set on failure. */
struct pt_perfetto *pt_perfetto_open(const char *path);
/* Follow m from now on (sets m's observer). */
void pt_perfetto_follow(struct pt_perfetto *p, struct pm_model *m);
/*
 * Close every slice still open at end_ts, name the processes, finish the
 * file. Returns 0, or -errno when writing failed (printed).
 */
int pt_perfetto_close(struct pt_perfetto *p, struct pm_model *m, __u64 end_ts);

#endif
