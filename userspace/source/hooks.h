/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The hook table and the attach strategy: for each kernel function, find
 * where it lives (vmlinux or a module's BTF, kallsyms) and choose fentry/
 * fexit when the BPF trampoline can attach, kprobe/kretprobe otherwise.
 */
#ifndef PT_HOOKS_H
#define PT_HOOKS_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

#include "primetrace.h"

struct bpf_object;

enum pt_how {
	PT_HOW_OFF = 0,	   /* not asked for */
	PT_HOW_FENTRY,	   /* fentry, or fexit for hooks that need the return value */
	PT_HOW_KPROBE,	   /* kprobe, plus kretprobe for the return value */
	PT_HOW_TRACEPOINT, /* the kernel's own tracepoint (dma_buf:*, 7.x) */
	PT_HOW_MISSING,	   /* the function is not in this kernel (or its module is not loaded) */
	PT_HOW_COVERED,	   /* an alternative whose primary hook is active */
	PT_HOW_FAILED,	   /* present, but no flavour loaded or attached */
};

enum pt_attach_mode {
	PT_ATTACH_AUTO = 0,   /* fentry/fexit, else kprobe, else a tracepoint */
	PT_ATTACH_FENTRY,     /* fentry/fexit only */
	PT_ATTACH_KPROBE,     /* kprobe/kretprobe only */
	PT_ATTACH_TRACEPOINT, /* tracepoints where the kernel has them, else auto */
	/*
	 * auto, except kprobes on functions of modules: a BPF trampoline
	 * holds a reference on the module it is attached in (rmmod fails
	 * with EBUSY while it runs), a kprobe does not (the kernel disarms
	 * it when the module goes). What a long-running monitor uses.
	 */
	PT_ATTACH_UNPINNED,
};

static inline bool pt_how_active(enum pt_how how)
{
	return how == PT_HOW_FENTRY || how == PT_HOW_KPROBE || how == PT_HOW_TRACEPOINT;
}

struct pt_hook_desc {
	const char *module;	/* where the function lives when not built in */
	bool at_exit;		/* needs the return value */
	bool entry_too;		/* at_exit, and reads at entry what is gone at exit */
	bool drm;		/* part of DRM (off while drm is not loaded) */
	__u32 alt_of;		/* used only when that hook is unavailable */
	const char *tracepoint; /* a dma_buf:* tracepoint that can stand in, or NULL */
	const char *note;
};

extern const struct pt_hook_desc pt_hook_descs[PT_HOOK_MAX];

struct pt_hook_state {
	enum pt_how how;
	const char *where; /* "vmlinux", a module name, or NULL */
	bool in_btf;
	bool in_kallsyms;
	bool in_tp;	/* its tracepoint exists */
	int fentry_err; /* why fentry/fexit was not used: -errno */
	int kprobe_err; /* why kprobe/kretprobe was not used: -errno */
	int tp_err;	/* why the tracepoint was not used: -errno */
};

/* What this kernel offers, gathered once. */
struct pt_kernel {
	char release[65];
	const char *btf_path; /* NULL: /sys/kernel/btf/vmlinux */
	bool have_btf;
	bool drm_loaded;
	bool dmabuf_tracepoints; /* the dma_buf:* events of 7.x */
	bool privileged;	 /* CAP_BPF + CAP_PERFMON, or CAP_SYS_ADMIN */
	bool fentry_ok;		 /* the trampoline attached once */
	int fentry_err;		 /* else why not */
	bool kprobe_ok;		 /* kprobe PMU or tracefs kprobe_events */
	struct pt_hook_state hooks[PT_HOOK_MAX];
};

/* "fentry", "fexit", "kprobe", "kretprobe", "missing", ... */
const char *pt_how_name(enum pt_how how, bool at_exit);

/* Why a hook is not attached, in a few words ("" when it is). */
const char *pt_hook_why(const struct pt_kernel *pk, __u32 hook, char *buf, size_t len);

/*
 * Look at the kernel and plan every hook for mode. Returns 0, or -errno
 * when the kernel cannot be traced at all (no BTF); pk is filled either
 * way, as far as it could be.
 */
int pt_kernel_probe(struct pt_kernel *pk, enum pt_attach_mode mode, const char *btf_path);

/* Apply the plan to an opened, not yet loaded, object. */
void pt_hooks_set_autoload(struct bpf_object *obj, const struct pt_kernel *pk);

/* The hook a program belongs to (by its name), or PT_HOOK_NONE. */
__u32 pt_hook_of_prog(const char *prog_name);

/* The programs of a hook in its chosen flavour: up to two names. */
int pt_hook_progs(__u32 hook, enum pt_how how, const char *names[2], char buf[2][64]);

/*
 * A hook whose flavour failed to load: fall back to the next flavour, or
 * mark it failed. Also re-plans alternatives. Returns false when nothing
 * changed (the failure was not this hook's to fix).
 */
bool pt_hook_demote(struct pt_kernel *pk, __u32 hook, int err);

/*
 * The text of an error code that may be libbpf's own (-4001 and up, which
 * strerror() calls "Unknown error"): libbpf_strerror()'s, sign ignored.
 */
const char *pt_errstr(int err);

#endif
