/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The PRIME invariants of docs/invariants.md, checked on the event stream
 * ('primetrace check', live or on a recording) and against vprime's debugfs
 * at quiescent points. No I/O: records and debugfs lines go in, violations
 * come out.
 *
 * Event rules run as each record arrives: the state they need is the
 * lifetime model's (model.h: objects, dma-bufs, attachments, handles) plus
 * what only the checker keeps: every file's PRIME lookup cache as the
 * hooks saw it, each object's obj->dma_buf, and per thread the ioctl in
 * progress. Ground-truth rules run when the caller hands in a vprime
 * instance's 'objects' and 'files' files, line by line, at a point where
 * nothing is in flight (the end of a subtest).
 */
#ifndef PT_CHECKER_H
#define PT_CHECKER_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

#include "event.h"

enum pc_rule {
	PC_EXPORT_REF = 0,  /* L1: an export takes one GEM reference, the dma-buf's */
	PC_RELEASE_REF,	    /* L1: drm_gem_dmabuf_release() finds its object referenced */
	PC_FREE_REF,	    /* L2: an object is freed with refcount 0 */
	PC_TRUTH_REFS,	    /* L2, M2: each GEM reference has a holder (vprime) */
	PC_IMPORT_TEARDOWN, /* L3, A2: an import's free goes through drm_prime_gem_destroy() */
	PC_TRUTH_PINS,	    /* A2: each pin has an attachment (vprime) */
	PC_IMPORT_CACHE,    /* C1, C2: fd-to-handle enters the new handle in the cache */
	PC_EXPORT_CACHE,    /* C1, C2: handle-to-fd leaves the handle in the cache */
	PC_STALE_ENTRY,	    /* C2, F1: a closed handle leaves no cache entry */
	PC_SELF_IMPORT,	    /* S1: a self-import gives the exporting object back */
	PC_ONE_DMABUF,	    /* E1: one object, one dma-buf */
	PC_REEXPORT,	    /* E2: re-exporting an import gives the imported dma-buf */
	PC_RULE_MAX,
};

/* "L1", "E2", ...: the invariant of docs/invariants.md */
const char *pc_rule_invariant(enum pc_rule rule);
/* "export-ref", ...: the rule's own name */
const char *pc_rule_name(enum pc_rule rule);
/* by name, or -1 */
int pc_rule_by_name(const char *name);

struct pc_violation {
	enum pc_rule rule;
	__u64 ts; /* the event's time (CLOCK_MONOTONIC ns), 0 for ground truth */
	__u32 pid;
	char comm[PT_COMM_LEN];
	__u64 obj; /* what it is about, when known */
	__u64 ino;
	char text[400];
};

/* Why a verdict cannot be trusted (pc_checker_incomplete). */
#define PC_INC_DROPS   0x1 /* events were lost in the ring buffer */
#define PC_INC_VIEW    0x2 /* the hooks' view and the ground truth disagree */
#define PC_INC_BOUND   0x4 /* the model dropped entries at its bound */
#define PC_INC_SKIPPED 0x8 /* malformed input lines were skipped (pc_checker_note_skipped) */

struct pc_checker;

struct pc_checker *pc_checker_new(void);
void pc_checker_free(struct pc_checker *c);

/*
 * Which hooks deliver events (enum pt_hook). All are assumed active until
 * told otherwise; a rule whose hooks are missing stays quiet.
 */
void pc_checker_set_hook(struct pc_checker *c, __u32 hook, bool active);
/* Whether a rule can run with the hooks set; why not in buf when it cannot. */
bool pc_checker_rule_on(const struct pc_checker *c, enum pc_rule rule, char *buf, size_t len);

/* One record, in order. */
void pc_checker_feed(struct pc_checker *c, const struct pt_record *rec);
/*
 * Finish the checks that wait for a thread's next event (a handle delete,
 * then its cache removal) for the threads quiet since a while before now
 * (CLOCK_MONOTONIC ns, the clock of the events; ~0ULL at the end of a
 * recording): their calls are over.
 */
void pc_checker_settle(struct pc_checker *c, __u64 now);
/* Events the source lost in its ring buffer. */
void pc_checker_note_drops(struct pc_checker *c, __u64 n);
/* Calls the hooks skipped (a program already running on the CPU). */
void pc_checker_note_missed(struct pc_checker *c, __u64 n);
/*
 * Lines of a recording that were not records and were skipped: like lost
 * events, the verdict is incomplete (PC_INC_SKIPPED, "N malformed input
 * lines skipped" in pc_checker_take's text; the model's picture too) and
 * no ground truth is compared until the devices are empty again. Call it
 * with the total when the input is read: each call adds its own note to
 * the text (as pc_checker_note_drops does); 0 is a no-op.
 */
void pc_checker_note_skipped(struct pc_checker *c, unsigned long n);

/*
 * Ground truth of one vprime instance (debugfs vprime/<instance>), whose
 * primary minor is minor: begin, then every line of 'objects' and of
 * 'files' (any order between the two files, each in its order), then end,
 * which runs the comparisons. Call at a quiescent point, after settle.
 */
void pc_truth_begin(struct pc_checker *c, int instance, int minor);
/* one line, without or with its newline */
void pc_truth_objects_line(struct pc_checker *c, const char *line);
void pc_truth_files_line(struct pc_checker *c, const char *line);
void pc_truth_end(struct pc_checker *c);
/*
 * The instance's state before any event was seen: what it holds then was
 * made before tracing, and its ground truth cannot be compared. Fed like
 * pc_truth_*, with baseline set.
 */
void pc_truth_baseline(struct pc_checker *c, bool baseline);

/*
 * Violations found since the last take, in order; returns the count and
 * hands the array over (free() it). *incomplete gets the PC_INC_* reasons
 * seen since the last take, text their explanation.
 */
size_t pc_checker_take(struct pc_checker *c, struct pc_violation **out, unsigned int *incomplete,
		       char *text, size_t len);

struct pc_stats {
	__u64 events;
	__u64 drops;   /* lost in the ring buffer */
	__u64 missed;  /* calls the hooks skipped */
	__u64 skipped; /* malformed input lines (pc_checker_note_skipped) */
	__u64 violations[PC_RULE_MAX];
	__u64 truth_checks; /* pc_truth_end calls that compared */
};
void pc_checker_stats(const struct pc_checker *c, struct pc_stats *st);

#endif
