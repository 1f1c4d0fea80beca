/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The event source (source.h) as the commands' options set it up: a
 * command hands in a callback and gets each record, filtered, in order,
 * live from the BPF programs or replayed from a file of 'primetrace record'.
 */
#ifndef PT_RUN_H
#define PT_RUN_H

#include <stdbool.h>

#include "source.h"

struct pt_trace_opts {
	struct pt_filter filter;
	const char *cgroup_path;  /* live: the cgroup and its descendants */
	__u64 cgroup_id;	  /* --input: the id of cgroup_path, matched exactly */
	__u64 ringbuf_size;	  /* bytes; 0: PT_RINGBUF_DEFAULT */
	unsigned int interval_ms; /* 0: woken per event; else read on this period */
	enum pt_attach_mode mode;
	const char *btf_path; /* NULL: the running kernel's */
	bool kstack;
	bool ustack;
	int tables;	     /* enum pt_tables_mode */
	bool tables_default; /* the kernel's tables unless --stream, --input */
	bool stream;	     /* --stream: every event, whatever the default */
	bool tables_asked;   /* --tables given, not the default */
	int table_extra;     /* with tables: PT_TX_*, what the command shows besides */
	__u32 table_size;    /* entries per live table; 0: the default */
	double duration;     /* seconds; 0: until interrupted */
	bool verbose;	     /* libbpf's debug output */
	bool quiet;	     /* no start-up line on stderr */
	const char *input;   /* replay this file instead of tracing */
	/* --input: count malformed lines in *skipped and go on, instead of failing */
	bool skip_bad_lines;
	unsigned long *skipped;
	/* live: called once the hooks are attached, before any event is read */
	void (*started)(void *ctx);
	void *started_ctx;
	/* live: called every tick_ms (> 0) with started_ctx, in the reading thread */
	void (*tick)(struct pt_source *src, void *ctx);
	unsigned int tick_ms;
};

/*
 * Trace (or replay opts->input) until interrupted, the duration, the end
 * of the input, or fn asks to stop. sum gets the counts (free it with
 * pt_summary_free()). Errors are printed; returns 0 or -errno.
 */
int pt_run(const struct pt_trace_opts *opts, pt_record_fn fn, void *ctx, struct pt_summary *sum);

/*
 * Set up the BPF side exactly as pt_run() would, report it through pk
 * (as far as it got), and tear it down: what 'features' shows. Returns 0 or -errno.
 */
int pt_probe_attach(const struct pt_trace_opts *opts, struct pt_kernel *pk);

/* "256K", "4M", "1048576": a valid ring buffer size (power of two, >= a page) */
int pt_parse_size(const char *arg, __u64 *out);

/* Resolve --dev for the filter: 0, or -errno with the reason in why */
int pt_resolve_dev(const char *arg, struct pt_filter *f, char *why, size_t len);

#endif
