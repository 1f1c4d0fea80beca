/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The event source of every command: the BPF programs of primetrace.bpf.c
 * (live), or a file written by 'primetrace record' (replay), behind the
 * same calls:
 *
 *   pt_source_open()     live: look at the kernel and plan the hooks;
 *                        replay: open the file (and read its summary first
 *                        when asked)
 *   pt_source_attach()   live: load and attach, demoting a hook that fails
 *                        (fentry to kprobe to failed) until the rest stands
 *   pt_source_poll()     records to the callback, in order, filtered
 *   pt_source_consume()    (replay: the whole file, at the first call)
 *   pt_source_stop()     live: detach the producers, read what is left
 *                        (and with tables, what they hold: tables.h)
 *   pt_source_summary()  the counts: events, losses, calls, hooks
 *   pt_source_close()
 *
 * The producers wake a reader only when the ring buffer is a quarter full:
 * a caller with its own poll loop takes pt_source_epoll_fd() and also calls
 * pt_source_consume() on its own period (100 ms or so). The losses are read while
 * tracing with pt_source_drops() and pt_source_misses(): no map lookup.
 */
#ifndef PT_SOURCE_H
#define PT_SOURCE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "event.h"
#include "hooks.h"

#define PT_RINGBUF_DEFAULT (1u << 20)

/* Return non-zero to stop. */
typedef int (*pt_record_fn)(const struct pt_record *rec, void *ctx);

struct pt_tables_keep;
struct pt_tables_alive;

struct pt_source_opts {
	const char *prog; /* messages start "PROG: "; NULL: "primetrace" */
	pt_record_fn fn;  /* each record; its return ends the reading */
	void *ctx;
	struct pt_filter filter;
	/* live */
	const char *cgroup_path; /* the cgroup and its descendants */
	__u64 ringbuf_size;	 /* bytes; 0: PT_RINGBUF_DEFAULT */
	bool no_wakeup;		 /* never woken: the reader reads on its own period only */
	enum pt_attach_mode mode;
	bool mode_preferred; /* mode where this kernel has it, else auto */
	const __u32 *off;    /* hooks switched off, whatever the plan */
	size_t noff;
	bool exits;	  /* also process exits (tp_sched_process_exit) */
	bool kstack;	  /* each record's kernel stack, named */
	bool ustack;	  /* each record's user stack, named */
	bool warn_no_drm; /* say so when only dma-buf can be traced */
	int tables;	  /* enum pt_tables_mode: stream, live tables, both */
	int table_extra;  /* with tables: PT_TX_*, the optional tables too */
	__u32 table_size; /* entries per live table; 0: PT_TABLE_SIZE_DEFAULT */
	const struct pt_tables_keep *tables_from; /* with tables: these, not new ones */
	const char *btf_path;			  /* NULL: the running kernel's */
	bool verbose;				  /* libbpf's debug output */
	/* replay */
	const char *input;	/* replay this file ("-": stdin) instead of tracing */
	__u64 cgroup_id;	/* the id of cgroup_path, matched exactly */
	bool summary_first;	/* read the summary (the last line) at open */
	bool skip_bad_lines;	/* count malformed lines in *skipped and go on */
	unsigned long *skipped; /* may be NULL */
};

struct pt_source;

/*
 * Errors are printed; 0 or -errno. *out is set either way (NULL only
 * without memory): close it either way, and after a failure
 * pt_source_kernel() says as much of the kernel as was found.
 */
int pt_source_open(const struct pt_source_opts *opts, struct pt_source **out);
/* Live: load and attach (replay: nothing). Errors are printed; 0 or -errno. */
int pt_source_attach(struct pt_source *src);
/*
 * Live: wait up to timeout_ms for records, then read them (the callback
 * may end the wait early by returning non-zero). Replay: every record of
 * the file. Returns 0 or -errno (printed); pt_source_done() says when
 * there is nothing more to read.
 */
int pt_source_poll(struct pt_source *src, int timeout_ms);
/* Live: what the ring buffer holds now, without waiting; replay: as poll. */
int pt_source_consume(struct pt_source *src);
/* The ring buffer's epoll fd (readable when records wait), or -1. */
int pt_source_epoll_fd(const struct pt_source *src);
/* The callback asked to stop, or the recording is read to its end. */
bool pt_source_done(const struct pt_source *src);
/* Live: detach every program, then read what is left (unless stopped). */
void pt_source_stop(struct pt_source *src);
/*
 * Live, with tables: what the kernel's live tables hold now, while the
 * hooks go on changing them, as pt_tables_read() gives it (0 or -errno,
 * printed). Nothing otherwise.
 */
int pt_source_tables(struct pt_source *src, void (*fn)(const struct pt_record *rec, void *ctx),
		     void *ctx);
/* Live, with PT_TX_PROCS: pt_tables_procs() (0 or -errno) */
int pt_source_table_procs(struct pt_source *src,
			  void (*fn)(__u32 pid, const struct pt_tproc *p, void *ctx), void *ctx);
/* Live, with tables: the entries the tables could not take, so far */
__u64 pt_source_table_lost(struct pt_source *src);
/* Live, with tables: pt_tables_keep() and pt_tables_prune() of its tables */
int pt_source_tables_keep(struct pt_source *src, struct pt_tables_keep *k);
int pt_source_tables_prune(struct pt_source *src, const struct pt_tables_alive *a);
/*
 * The counts into sum (free it with pt_summary_free()): the events read,
 * and live the losses, the calls per hook and how each hook attached (map
 * lookups: after pt_source_stop()), replayed the recording's own.
 */
void pt_source_summary(struct pt_source *src, struct pt_summary *sum);
void pt_source_close(struct pt_source *src);

/* Live: what this kernel offers and the hooks as attached; replay: NULL. */
const struct pt_kernel *pt_source_kernel(const struct pt_source *src);
/* Live: the hooks attached (*drm: of them DRM's, may be NULL). */
int pt_source_hooks(const struct pt_source *src, int *drm);
/* Live, while tracing: the records the full ring buffer lost (no map lookup; 0 for NULL). */
__u64 pt_source_drops(const struct pt_source *src);
/*
 * Live: the calls the programs did not see: a tracing program does not run
 * again on a CPU where it is already running, and the kernel counts what it
 * skipped that way. Each program that missed some to fn, when not NULL.
 */
__u64 pt_source_misses(const struct pt_source *src,
		       void (*fn)(const char *prog, __u64 n, void *ctx), void *ctx);

/* Set by SIGINT, SIGTERM and SIGPIPE once pt_install_signals() ran. */
extern volatile sig_atomic_t pt_exiting;
void pt_install_signals(void);

/* The command in messages, "primetrace trace"; set by the dispatcher */
extern const char *pt_prog;

/*
 * Recordings. pt_input_open() opens FILE ("-": stdin) for reading; with
 * rewindable, an input that cannot be read twice (a pipe, a terminal) is
 * first copied to a temporary file. Errors are printed; NULL with errno.
 */
FILE *pt_input_open(const char *path, bool rewindable);
void pt_input_close(FILE *f);
/*
 * Each record of f (named name in messages) to fn, the summary lines into
 * sum (may be NULL), until the end, pt_exiting, or fn returns non-zero.
 * A malformed line is an error "PROG: NAME:LINE: reason", or with skip is
 * counted in *skipped (when not NULL). A read error is printed with its
 * errno. Returns 0 or -errno (-EINVAL: a malformed line).
 */
int pt_input_read(FILE *f, const char *name, bool skip, unsigned long *skipped, pt_record_fn fn,
		  void *ctx, struct pt_summary *sum);

#endif
