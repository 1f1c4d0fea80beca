/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Events as userspace sees them: names, decoding from the ring buffer and
 * from JSON lines, text and JSON output, and filters. Pure code: the
 * analysis commands and the unit tests use it without a kernel.
 */
#ifndef PT_EVENT_H
#define PT_EVENT_H

#include <linux/types.h>
#include <stdbool.h>
#include <stdio.h>

#include "primetrace.h"

struct pt_stack;

/*
 * A decoded event: the record plus what userspace resolved for it. Its
 * stacks come as text (a recording) or as taken (live: kraw and uraw,
 * borrowed for the callback, named only when shown: pt_record_kstack()).
 */
struct pt_record {
	struct pt_event ev;
	/* frames separated by ';', innermost first; NULL when not collected */
	char *kstack;
	char *ustack;
	const struct pt_stack *kraw; /* live, when kstack is NULL */
	const struct pt_stack *uraw;
};

/* What one run saw: the last line of a JSON stream. */
struct pt_summary {
	double duration;	 /* seconds */
	__u64 events[PT_EV_MAX]; /* received, by type */
	__u64 drops[PT_EV_MAX];	 /* lost in the ring buffer, by type */
	unsigned int ncpus;
	__u64 *drops_by_cpu;	   /* ncpus entries, malloc()ed */
	__u64 missed;		   /* calls the programs skipped (recursion_misses) */
	__u64 calls[PT_HOOK_MAX];  /* calls seen in the kernel, by hook */
	char how[PT_HOOK_MAX][12]; /* "fexit", "kprobe", "missing", ... */
	bool have;		   /* a summary was seen (--input) */
	__u64 table_lost;	   /* live tables: inserts refused (full, stack collisions) */
};

const char *pt_event_name(unsigned int type);
int pt_event_type(const char *name);
const char *pt_hook_name(unsigned int hook);
int pt_hook_id(const char *func);

/* Unknown values of every field (see primetrace.h). */
void pt_event_init(struct pt_event *ev);

/* A record from the ring buffer: 0, or -EINVAL when it is not one. */
int pt_event_decode(const void *data, size_t size, struct pt_event *ev);

/*
 * One JSON line: 0 and rec filled (free it with pt_record_free()), 1 when
 * the line is a summary (sum filled when not NULL), -EINVAL when the line
 * is not a primetrace record. rec holds nothing to free unless 0 is
 * returned.
 *
 * Only JSON is a record (json.h): one object, nothing after it but white
 * space, each known key with the type pt_print_json() writes (unsigned
 * numbers in range and not negative, pointers and flags as "0x..."
 * strings), and a known "type". Unknown keys and hooks are skipped (a
 * newer primetrace may write them) but must still be JSON. "format"
 * (PT_JSON_FORMAT, lib/json_writer.h) may be absent (older recordings) and
 * must not be newer than this reader's. A summary line that fails leaves
 * sum as it was.
 */
int pt_record_parse_json(const char *line, struct pt_record *rec, struct pt_summary *sum);
/*
 * The same, saying why a line is refused: on -EINVAL, why gets (truncated
 * to len) a one-line reason without a newline, naming the key when there
 * is one and the column, as in
 *   "ts": negative where an unsigned number is expected (column 7)
 *   expected ',' or '}' (column 31)
 * for the caller to print as "FILE:LINE: REASON". why may be NULL. The
 * reason names keys primetrace knows, never text of the line.
 */
int pt_record_parse_json_why(const char *line, struct pt_record *rec, struct pt_summary *sum,
			     char *why, size_t len);
void pt_record_free(struct pt_record *rec);
/*
 * The stacks as text (malloc()ed, NULL when none): the given text, or the
 * taken stack named (once per distinct stack of a run).
 */
char *pt_record_kstack(const struct pt_record *rec);
char *pt_record_ustack(const struct pt_record *rec);

/*
 * Kernel-supplied text (comm, exporter and driver names, stack frames: any
 * process sets its comm) on a terminal: every control byte, DEL, byte
 * above 0x7f and backslash of s[0..n) written as \xHH or \\ into dst
 * (cut to fit len). Returns the length written.
 */
size_t pt_escape(char *dst, size_t len, const char *s, size_t n);
/* s escaped into buf: for a printf() argument */
const char *pt_text(char *buf, size_t len, const char *s);
/* s[0..n) escaped to f */
void pt_fputs_text(FILE *f, const char *s, size_t n);
void pt_print_text_header(FILE *f);
/* t0: the time origin of the TIME(s) column, in ns */
void pt_print_text(FILE *f, const struct pt_record *rec, __u64 t0);
void pt_print_json(FILE *f, const struct pt_record *rec);

__u64 pt_summary_events(const struct pt_summary *sum);
__u64 pt_summary_drops(const struct pt_summary *sum);
void pt_summary_free(struct pt_summary *sum);
void pt_print_summary_text(FILE *f, const struct pt_summary *sum);
void pt_print_summary_json(FILE *f, const struct pt_summary *sum);

/*
 * The filters of 'trace', applied in userspace to recorded events with the
 * same meaning as in the kernel: a device matches the event's GEM device,
 * the exporter's, or the importer's driver.
 */
struct pt_filter {
	__u32 tgid;		/* 0: any */
	__u64 cgroup;		/* 0: any (exact id; live tracing includes descendants) */
	char comm[PT_COMM_LEN]; /* "": any */
	__s32 minor;		/* -1: any */
	char driver[PT_DRIVER_LEN];
};

void pt_filter_init(struct pt_filter *f);
bool pt_filter_match(const struct pt_filter *f, const struct pt_event *ev);

/*
 * Parse a --dev argument that needs no system lookup: a number is a minor,
 * cardN is minor N, anything else that is not a device node is a driver
 * name. Returns 0, 1 when the name is a node that must be resolved on the
 * system (renderD*, /dev/dri/...), -EINVAL when empty or too long.
 */
int pt_parse_dev(const char *arg, struct pt_filter *f);

/*
 * A dma-buf known only by its inode (debugfs bufinfo lists no pointer) is
 * keyed by this (in snapshot records and the model) until an event names its pointer.
 */
#define PT_INO_KEY(ino)	   (0x8000000000000000ULL | (ino))
#define PT_IS_INO_KEY(key) (((key) >> 48) == 0x8000)

#endif
