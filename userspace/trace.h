/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The event source of every command: live from the BPF programs, or
 * replayed from a file written by 'primetrace record'. A command hands in
 * a callback and gets each record, filtered, in order.
 */
#ifndef PT_TRACE_H
#define PT_TRACE_H

#include <signal.h>
#include <stdbool.h>

#include "event.h"
#include "hooks.h"

#define PT_RINGBUF_DEFAULT (1u << 20)

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
	double duration;   /* seconds; 0: until interrupted */
	bool verbose;	   /* libbpf's debug output */
	bool quiet;	   /* no start-up line on stderr */
	const char *input; /* replay this file instead of tracing */
	/* --input: count malformed lines in *skipped and go on, instead of failing */
	bool skip_bad_lines;
	unsigned long *skipped;
	/* live: called once the hooks are attached, before any event is read */
	void (*started)(void *ctx);
	void *started_ctx;
};

/* Return non-zero to stop. */
typedef int (*pt_record_fn)(const struct pt_record *rec, void *ctx);

/* Set by SIGINT, SIGTERM and SIGPIPE once pt_install_signals() ran. */
extern volatile sig_atomic_t pt_exiting;
void pt_install_signals(void);

/*
 * Trace (or replay opts->input) until interrupted, the duration, the end
 * of the input, or fn asks to stop. sum gets the counts (free it with
 * pt_summary_free()). Errors are printed; returns 0 or -errno.
 */
int pt_run(const struct pt_trace_opts *opts, pt_record_fn fn, void *ctx, struct pt_summary *sum);

/*
 * Set up the BPF side exactly as pt_run() would, report it through pk,
 * and tear it down: what 'features' shows. Returns 0 or -errno.
 */
int pt_probe_attach(const struct pt_trace_opts *opts, struct pt_kernel *pk);

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
 * counted in *skipped (when not NULL); quiet_bad: skipped without a word
 * (a first pass). A read error is printed with its errno. Returns 0 or
 * -errno (-EINVAL: a malformed line).
 */
int pt_input_read(FILE *f, const char *name, bool skip, unsigned long *skipped, pt_record_fn fn,
		  void *ctx, struct pt_summary *sum);

/* The command in messages, "primetrace trace"; set by the dispatcher */
extern const char *pt_prog;

/* "256K", "4M", "1048576": a valid ring buffer size (power of two, >= a page) */
int pt_parse_size(const char *arg, __u64 *out);

/* Resolve --dev for the filter: 0, or -errno with the reason in why */
int pt_resolve_dev(const char *arg, struct pt_filter *f, char *why, size_t len);

#endif
