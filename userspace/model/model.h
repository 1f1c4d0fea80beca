/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The lifetime model: what is alive right now, built from the event stream
 * (live or replayed) and from snapshots of what the kernel holds.
 *
 * Five kinds of things are tracked, each keyed by its kernel pointer:
 * dma-bufs, GEM objects, attachments, DRM files with their GEM handles, and
 * processes. A dma-buf also carries its holders: the fds and mappings of
 * processes. Everything is freed as soon as the kernel frees it; what is
 * left is the live picture that 'objects', 'leaks' and 'top' read.
 *
 * The picture can be partial, and the model says so (pm_model_incomplete):
 * events lost in the ring buffer, things that existed before tracing began
 * and that no snapshot described, and the bound on tracked entries. A
 * snapshot (the PT_EV_SNAP_* records, see snapshot.h) fills in what existed
 * before; fd closes and munmap() are not traced, so the holders of a buffer
 * are only known for certain right after a snapshot: 'leaks' takes one at
 * the end of its run.
 *
 * No I/O: the commands feed records in and read the structures out.
 */
#ifndef PT_MODEL_H
#define PT_MODEL_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

#include "event.h"
#include "symbolize.h"

#define PM_DEFAULT_MAX_OBJECTS 65536
/* a state must last this long before 'leaks' calls it a leak */
#define PM_GRACE_NS 500000000ULL

/*
 * A stack shared by everything that refers to it (stacks repeat a lot):
 * as taken (live: its frames, named when first shown) or as text (a
 * recording). Read its text with pm_stack_text().
 */
struct pm_str {
	struct pm_str *next;
	unsigned int refs;
	unsigned int hash;
	bool taken;	     /* raw holds the frames (they follow) */
	struct pt_stack raw; /* taken: it holds a reference to raw.syms */
	char *s;	     /* the text: given, or named by the first pm_stack_text() */
};

/* st's frames "a;b;c", innermost first, named at the first call; NULL for none. */
const char *pm_stack_text(struct pm_str *st);

/* An fd or a mapping of a dma-buf, in one process. */
struct pm_holder {
	struct pm_holder *next;
	__u64 addr; /* mapping: start; 0 for an fd */
	__u64 len;
	__u64 ts;
	__u32 pid;
	__s32 fd;	    /* -1 for a mapping */
	unsigned int epoch; /* the last snapshot that listed it */
	bool confirmed;	    /* listed by a snapshot, not only inferred from an event */
};

struct pm_attach {
	struct pm_attach *next; /* in its buffer */
	__u64 attach;
	__u64 dmabuf;
	__u64 obj; /* the importing GEM object, when known */
	__u64 ts;
	__u32 pid;
	int maps;      /* map_attachment calls not yet unmapped */
	bool dangling; /* its importing object was freed without detaching it */
	char importer[PT_NAME_LEN];
	char importer_driver[PT_DRIVER_LEN];
};

/* pm_buf.flags, pm_obj.flags */
#define PM_F_UNSEEN   0x1 /* existed before tracing (or its creation was lost) */
#define PM_F_SNAPSHOT 0x2 /* described by a snapshot */
#define PM_F_IMPORTED 0x4 /* obj: made from another device's dma-buf */
#define PM_F_DESTROY  0x8 /* obj: drm_prime_gem_destroy() ran */

struct pm_buf {
	__u64 dmabuf;
	__u64 ino;
	__u64 size;
	__u64 exp_obj;	/* the exporting GEM object, 0 when not GEM */
	__u64 t_create; /* export time; for UNSEEN ones the inode's ctime, or 0 */
	__u64 t_seen;	/* first event or snapshot naming it */
	__u64 t_change; /* last event that changed who holds it */
	__s64 file_count;
	struct pm_str *kstack, *ustack; /* of the export */
	struct pm_holder *holders;
	struct pm_attach *attachments;
	__u32 exp_pid; /* 0: unknown */
	__s32 exp_minor;
	int vmaps;
	unsigned int flags;
	unsigned int epoch;
	char exp_comm[PT_COMM_LEN];
	char exp_name[PT_NAME_LEN];
	char exp_driver[PT_DRIVER_LEN];
};

struct pm_obj {
	__u64 obj;
	__u64 size;
	__u64 dmabuf; /* exported as, or imported from */
	__u64 attach; /* the import attachment */
	__u64 t_create;
	__u64 t_unheld;			/* when its last handle went; 0 while handles exist */
	__u64 t_unexported;		/* when its dma-buf was released */
	struct pm_str *kstack, *ustack; /* of its creation or import */
	struct pm_str *exp_kstack, *exp_ustack; /* of its last export */
	__u32 pid;
	__u32 exp_pid;
	__s32 minor;
	__s32 kref;	    /* last seen */
	__s32 handle_count; /* last seen */
	unsigned int flags;
	unsigned int handles; /* known handles, over all files */
	char comm[PT_COMM_LEN];
	char exp_comm[PT_COMM_LEN];
	char driver[PT_DRIVER_LEN];
};

struct pm_handle {
	struct pm_handle *next;	  /* in its file */
	struct pm_handle **pprev; /* what points to it in its file: O(1) unlink */
	__u64 file;
	__u64 obj;
	__u64 ts;
	struct pm_str *kstack, *ustack;
	__u32 handle;
	__u32 pid;
	unsigned int epoch;
	bool import; /* made by fd-to-handle */
	bool unseen; /* listed by a snapshot only */
};

struct pm_file {
	__u64 file;
	struct pm_handle *handles;
	__u32 pid;
	__s32 minor;
	unsigned int nhandles;
	unsigned int nimports; /* live handles made by fd-to-handle */
	unsigned int imports_max;
	unsigned int imports_made; /* since tracing began */
	unsigned int imports_closed;
	char comm[PT_COMM_LEN];
	char driver[PT_DRIVER_LEN];
};

struct pm_proc {
	__u32 pid;
	bool exited;
	__u64 t_first;
	__u64 t_exit;
	/* since tracing began */
	__u64 exports, export_bytes;
	__u64 imports, import_bytes;
	__u64 releases; /* of buffers it exported */
	/* live now */
	int live_exports;
	__u64 live_export_bytes;
	int live_exports_max;
	int live_imports; /* import handles */
	__u64 live_import_bytes;
	int live_imports_max;
	char comm[PT_COMM_LEN];
};

/* A leak suspect, with its reason and evidence. */
enum pm_leak_kind {
	PM_LEAK_ORPHAN_BUF = 0, /* lives, nothing in userspace holds it */
	PM_LEAK_ORPHAN_OBJ,	/* exported GEM object outlives every handle and its dma-buf */
	PM_LEAK_IMPORT_HANDLE,	/* an import handle is all that keeps a dma-buf alive */
	PM_LEAK_REIMPORT,	/* one dma-buf imported into one file under several handles */
	PM_LEAK_IMPORT_GROWTH,	/* a process's import handles only grow */
	PM_LEAK_EXPORT_GROWTH,	/* a process's exported buffers only grow */
	PM_LEAK_OLD,		/* older than --min-age */
	PM_LEAK_ATTACH_AT_FREE, /* an attachment outlived its importing object */
	PM_LEAK_NO_TEARDOWN,	/* an imported object freed without drm_prime_gem_destroy() */
	PM_LEAK_MAX,
};

struct pm_suspect {
	enum pm_leak_kind kind;
	__u32 pid; /* the culprit */
	bool pid_exited;
	char comm[PT_COMM_LEN];
	__u64 ts;  /* when it began (created, found) */
	__u64 ino; /* the buffer, when one */
	__u64 dmabuf;
	__u64 obj;
	__u64 file;
	__u32 handle;
	__u64 size;
	__u64 count; /* growth: buffers or handles */
	__u64 bytes;
	char driver[PT_DRIVER_LEN]; /* exporting (or importing) driver */
	char reason[160];
	char evidence[480];
	struct pm_str *kstack, *ustack; /* references held by the suspect */
};

struct pm_leak_opts {
	__u64 min_age_ns;    /* 0: no age rule */
	unsigned int growth; /* 0: PM_DEFAULT_GROWTH */
	__u64 grace_ns;	     /* 0: PM_GRACE_NS */
};

#define PM_DEFAULT_GROWTH 16

/* pm_model_incomplete() */
#define PM_INC_DROPS   0x1  /* events were lost */
#define PM_INC_UNSEEN  0x2  /* things from before tracing that no snapshot described */
#define PM_INC_BOUND   0x4  /* the bound on tracked entries was hit */
#define PM_INC_HOLDERS 0x8  /* no snapshot since the last event: fd holders are inferred */
#define PM_INC_NOFREE  0x10 /* GEM frees are not seen on this kernel */
#define PM_INC_SKIPPED 0x20 /* malformed input lines were skipped (pm_model_note_skipped) */
#define PM_INC_TABLES  0x40 /* the kernel's live tables refused entries */

struct pm_stats {
	__u64 events; /* traced ones: snapshot records are not counted */
	__u64 drops;
	__u64 untracked; /* entries refused at the bound */
	__u64 unseen;	 /* things found already alive */
	__u64 snapshots;
	__u64 skipped;	  /* malformed input lines (pm_model_note_skipped) */
	__u64 table_lost; /* entries the kernel's live tables refused */
	unsigned int bufs, objs, files, handles, attachments, holders, procs;
	unsigned int entries, max_entries;
	__u64 t_first, t_last; /* event time span */
};

/*
 * Notified as things begin and end (the perfetto timeline). buf_end is
 * called before the buffer is freed; h is NULL in import_end when the
 * handle was freed without the model knowing it (exit).
 */
struct pm_observer {
	void (*buf_begin)(void *ctx, const struct pm_buf *b, __u64 ts);
	void (*buf_end)(void *ctx, const struct pm_buf *b, __u64 ts);
	void (*import_begin)(void *ctx, const struct pm_handle *h, const struct pm_obj *o,
			     __u64 ino, __u64 ts);
	void (*import_end)(void *ctx, const struct pm_handle *h, __u64 ts);
	/* attach, detach, map, unmap, mmap, vmap, vunmap, exit */
	void (*instant)(void *ctx, const struct pt_record *rec, const struct pm_buf *b);
};

struct pm_model;

struct pm_model *pm_model_new(unsigned int max_entries);
/* NULL is nothing to free, as with free() */
void pm_model_free(struct pm_model *m);
void pm_model_set_observer(struct pm_model *m, const struct pm_observer *obs, void *ctx);

/* One record: a traced event, a snapshot record or a process exit. */
void pm_model_feed(struct pm_model *m, const struct pt_record *rec);
/* Events the source lost (the summary's drops). */
void pm_model_note_drops(struct pm_model *m, __u64 n);
/*
 * Lines of a recording that were not records and were skipped (the caller
 * chose to go on after a malformed line): each may have been an event, so
 * the picture is incomplete (PM_INC_SKIPPED, "N malformed input lines
 * skipped" in pm_model_incomplete_text). Adds up over calls; 0 is a no-op.
 */
void pm_model_note_skipped(struct pm_model *m, unsigned long n);
/*
 * The kernel's live tables (tables mode) refused n entries: full, or a
 * stack whose hash another stack had. "N table evictions/insert failures".
 */
void pm_model_note_table_lost(struct pm_model *m, __u64 n);
/* The hooks that freed GEM objects were not active: orphan objects can't be told. */
void pm_model_note_no_free(struct pm_model *m);
/* "Now" for ages, CLOCK_MONOTONIC ns; by default the last record's time. */
void pm_model_set_now(struct pm_model *m, __u64 ts);
__u64 pm_model_now(const struct pm_model *m);

unsigned int pm_model_incomplete(const struct pm_model *m);
/* The reasons, in words ("" when complete); returns buf. */
const char *pm_model_incomplete_text(const struct pm_model *m, char *buf, size_t len);
void pm_model_stats(const struct pm_model *m, struct pm_stats *st);

/* Lookups */
const struct pm_buf *pm_model_buf(const struct pm_model *m, __u64 dmabuf);
const struct pm_buf *pm_model_buf_by_ino(const struct pm_model *m, __u64 ino);
const struct pm_obj *pm_model_obj(const struct pm_model *m, __u64 obj);
const struct pm_file *pm_model_file(const struct pm_model *m, __u64 file);
const struct pm_proc *pm_model_proc(const struct pm_model *m, __u32 pid);

/*
 * Everything of one kind, as a malloc()ed array the caller frees: buffers
 * oldest first, objects by creation, files and processes by pid.
 */
size_t pm_model_bufs(const struct pm_model *m, const struct pm_buf ***out);
size_t pm_model_objs(const struct pm_model *m, const struct pm_obj ***out);
size_t pm_model_files(const struct pm_model *m, const struct pm_file ***out);
size_t pm_model_procs(const struct pm_model *m, const struct pm_proc ***out);

/* Holders of a buffer by kind */
unsigned int pm_buf_fds(const struct pm_buf *b);
unsigned int pm_buf_maps(const struct pm_buf *b);
unsigned int pm_buf_attachments(const struct pm_buf *b);

/*
 * Leak suspects at "now", most certain first. Returns the count (the array
 * in *out, free it with pm_suspects_free()), or -ENOMEM.
 */
int pm_model_leaks(struct pm_model *m, const struct pm_leak_opts *opts, struct pm_suspect **out);
void pm_suspects_free(struct pm_model *m, struct pm_suspect *s, int n);

const char *pm_leak_kind_name(enum pm_leak_kind kind);

/* Approximate heap bytes the model uses now (the bench reads it). */
size_t pm_model_bytes(const struct pm_model *m);

#endif
