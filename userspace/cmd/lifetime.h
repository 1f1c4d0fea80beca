/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What 'objects', 'leaks' and 'top' share: a lifetime model fed from the
 * event source (live or --input), with a snapshot before and after a live
 * run, and the output functions for buffers and stacks.
 */
#ifndef PT_LIFETIME_H
#define PT_LIFETIME_H

#include <argp.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include "json_writer.h"
#include "model.h"
#include "perfetto.h"
#include "snapshot.h"
#include "view.h"
#include "run.h"

struct pt_lifetime {
	struct pt_trace_opts opts; /* the source, filled by pt_source_argp */
	unsigned int max_objects;  /* 0: PM_DEFAULT_MAX_OBJECTS */
	const char *perfetto;	   /* write the timeline here */
	bool trace;		   /* live: trace (else only a snapshot) */
	bool no_end_snapshot;	   /* live: skip the snapshot after tracing */
	const char *connect;	   /* --connect: ask the monitor there instead */
	int argc;		   /* the command line, for --connect */
	char **argv;
	/* set by pt_lifetime_run */
	struct pm_model *m;
	struct pt_perfetto *pf;
	struct pt_summary sum;
	bool snapshot_failed;
	volatile sig_atomic_t started; /* the hooks are attached and the snapshot taken */
	/* taken around each record, when a reader runs in another thread */
	pthread_mutex_t *lock;
};

void pt_lifetime_init(struct pt_lifetime *lt);
/*
 * Build the model: a snapshot, the events of a live run or of opts.input,
 * another snapshot, then "now" set. Errors are printed; returns 0 or -errno.
 */
int pt_lifetime_run(struct pt_lifetime *lt);
/* --connect: send the command line to the monitor, print its answer; the exit code */
int pt_lifetime_connect(struct pt_lifetime *lt, const char *cmd);
/* The option every lifetime command takes */
#define PT_OPT_CONNECT 0x280
#define PT_CONNECT_OPTION                                                                         \
	{                                                                                         \
		"connect", PT_OPT_CONNECT, "PATH", 0,                                             \
		    "Ask the running 'primetrace monitor' on its socket PATH instead of tracing", \
		    0                                                                             \
	}

/* Finish the timeline and free the model: 0, or -errno when the timeline failed */
int pt_lifetime_free(struct pt_lifetime *lt);

/* "64 KiB", "3 MiB", "100 B" */
const char *pt_size_text(char *buf, size_t len, __u64 size);
/* "12.3s", "4m05s", "2h10m", "-" for 0 */
const char *pt_age_text(char *buf, size_t len, __u64 ns);
/* "vprime:128" from a driver and a minor, or the dma-buf's exporter name */
const char *pt_exporter_text(char *buf, size_t len, const struct pm_buf *b);

/*
 * Frames of a stack string ("a;b;c"), one per line with indent, without the
 * BPF trampoline's own frames; at most max frames (0: all).
 */
void pt_print_stack(FILE *f, const char *stack, const char *indent, int max);
/* The same as a JSON array of strings. */
void pt_print_stack_json(struct jw *w, const char *stack);

/*
 * --tables and --table-size, then the source options (pt_source_child):
 * the children of a command that can read the kernel's live tables. Its
 * input is the command's struct pt_trace_opts.
 */
extern const struct argp_child pt_tables_child[];
/* The same for a command that only traces (pt_live_source_child: no --input) */
extern const struct argp_child pt_live_tables_child[];

/* argp parsers shared by the commands */
int pt_parse_uint(const char *arg, unsigned long min, unsigned long max, unsigned long *out);
int pt_parse_seconds(const char *arg, double *out);

/* the commands (see struct pt_command in options.h) */
int pt_objects_parse(int argc, char **argv);
int pt_objects_run(void);
int pt_leaks_parse(int argc, char **argv);
int pt_leaks_run(void);
int pt_top_parse(int argc, char **argv);
int pt_top_run(void);

#endif
