/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * primetrace: the event record shared by the BPF programs and the CLI.
 *
 * One record per observed call. Every field has a fixed size so that the
 * record can be copied out of the ring buffer as is; fields that do not
 * apply to an event stay at their "unknown" value: 0 for pointers, inode
 * numbers, sizes and handles, -1 for fd, kref, handle_count, file_count,
 * minor numbers and kstack, "" for strings.
 *
 * Kernel pointers are identities only (the same dma-buf or GEM object has
 * the same value in every record while it lives); they are never
 * dereferenced by userspace.
 */
#ifndef __PRIMETRACE_H
#define __PRIMETRACE_H

#define PT_COMM_LEN	16
#define PT_DRIVER_LEN	16
#define PT_NAME_LEN	32
#define PT_MAX_STACK	64

/* DRM_IOCTL_PRIME_FD_TO_HANDLE: _IOWR('d', 0x2e, struct drm_prime_handle) */
#define PT_IOCTL_PRIME_FD_TO_HANDLE	0xc00c642eU

/* What happened. The JSON and text names are in userspace/record/event.c. */
enum pt_event_type {
	PT_EV_NONE = 0,
	/* DRM_IOCTL_PRIME_* as seen by the DRM core, on every kernel */
	PT_EV_PRIME_HANDLE_TO_FD,	/* ioctl returned: handle -> fd */
	PT_EV_PRIME_FD_TO_HANDLE,	/* ioctl returned: fd -> handle */
	/* PRIME helpers */
	PT_EV_GEM_HANDLE_TO_FD,		/* drm_gem_prime_handle_to_fd() */
	PT_EV_GEM_HANDLE_TO_DMABUF,	/* drm_gem_prime_handle_to_dmabuf() */
	PT_EV_GEM_FD_TO_HANDLE,		/* drm_gem_prime_fd_to_handle() */
	PT_EV_GEM_EXPORT,		/* drm_gem_prime_export() */
	PT_EV_GEM_DMABUF_EXPORT,	/* drm_gem_dmabuf_export() */
	PT_EV_GEM_IMPORT,		/* a GEM object made from a dma-buf */
	PT_EV_GEM_DMABUF_RELEASE,	/* drm_gem_dmabuf_release() */
	PT_EV_GEM_PRIME_DESTROY,	/* drm_prime_gem_destroy() */
	/* GEM handles and objects */
	PT_EV_GEM_HANDLE_CREATE,	/* a handle now names the object */
	PT_EV_GEM_HANDLE_DELETE,	/* a handle is being released */
	PT_EV_GEM_FREE,			/* the object is being freed */
	/* the per-file PRIME lookup cache (drm_prime_file_private) */
	PT_EV_PRIME_CACHE_ADD,
	PT_EV_PRIME_CACHE_REMOVE,
	/* dma-buf core */
	PT_EV_DMABUF_EXPORT,
	PT_EV_DMABUF_FD,
	PT_EV_DMABUF_FD_INSTALL,
	PT_EV_DMABUF_GET,
	PT_EV_DMABUF_ATTACH,
	PT_EV_DMABUF_DETACH,
	PT_EV_DMABUF_MAP,
	PT_EV_DMABUF_UNMAP,
	PT_EV_DMABUF_MMAP,
	PT_EV_DMABUF_VMAP,
	PT_EV_DMABUF_VUNMAP,
	PT_EV_DMABUF_FILE_RELEASE,	/* last fput() of the dma-buf file */
	PT_EV_DMABUF_RELEASE,		/* the final free */
	/* not a call: process exits, and what a snapshot found (snapshot.c) */
	PT_EV_TASK_EXIT,		/* the last thread of a process exited */
	PT_EV_SNAP_BEGIN,		/* a snapshot: the records up to SNAP_END */
	PT_EV_SNAP_BUF,			/* a dma-buf that exists */
	PT_EV_SNAP_FD,			/* pid holds the dma-buf as fd */
	PT_EV_SNAP_MMAP,		/* pid maps the dma-buf at addr, len */
	PT_EV_SNAP_HANDLE,		/* a GEM handle: file, handle, obj */
	PT_EV_SNAP_END,			/* flags: the PT_SNAP_* lists that are complete */
	PT_EV_MAX,
};

/*
 * Where it was seen: one entry per hooked kernel function. Several hooks
 * may produce the same event type (an import seen through the generic
 * helper or through a driver's own import).
 */
enum pt_hook {
	PT_HOOK_NONE = 0,
	PT_HOOK_PRIME_HANDLE_TO_FD_IOCTL,
	PT_HOOK_PRIME_FD_TO_HANDLE_IOCTL,
	PT_HOOK_GEM_PRIME_HANDLE_TO_FD,
	PT_HOOK_GEM_PRIME_HANDLE_TO_DMABUF,
	PT_HOOK_GEM_PRIME_FD_TO_HANDLE,
	PT_HOOK_GEM_PRIME_EXPORT,
	PT_HOOK_GEM_DMABUF_EXPORT,
	PT_HOOK_GEM_PRIME_IMPORT_DEV,
	PT_HOOK_GEM_PRIME_IMPORT,
	PT_HOOK_GEM_SHMEM_PRIME_IMPORT_NO_MAP,
	PT_HOOK_GEM_DMABUF_RELEASE,
	PT_HOOK_PRIME_GEM_DESTROY,
	PT_HOOK_GEM_HANDLE_CREATE_TAIL,
	PT_HOOK_GEM_OBJECT_RELEASE_HANDLE,
	PT_HOOK_GEM_HANDLE_DELETE,
	PT_HOOK_GEM_OBJECT_RELEASE,
	PT_HOOK_GEM_OBJECT_FREE,
	PT_HOOK_PRIME_ADD_BUF_HANDLE,
	PT_HOOK_PRIME_REMOVE_BUF_HANDLE,
	PT_HOOK_DMA_BUF_EXPORT,
	PT_HOOK_DMA_BUF_FD,
	PT_HOOK_DMA_BUF_FD_INSTALL,
	PT_HOOK_DMA_BUF_GET,
	PT_HOOK_DMA_BUF_DYNAMIC_ATTACH,
	PT_HOOK_DMA_BUF_ATTACH,
	PT_HOOK_DMA_BUF_DETACH,
	PT_HOOK_DMA_BUF_MAP_ATTACHMENT,
	PT_HOOK_DMA_BUF_UNMAP_ATTACHMENT,
	PT_HOOK_DMA_BUF_MMAP_INTERNAL,
	PT_HOOK_DMA_BUF_MMAP,
	PT_HOOK_DMA_BUF_VMAP,
	PT_HOOK_DMA_BUF_VUNMAP,
	PT_HOOK_DMA_BUF_FILE_RELEASE,
	PT_HOOK_DMA_BUF_RELEASE,
	PT_HOOK_MAX,
};

/* Filters and options, written by userspace before the programs load. */
struct pt_config {
	__u32 targ_tgid;	/* 0: any process */
	__s32 targ_minor;	/* -1: any device */
	__u64 rb_wake_at;	/* unread bytes at which a record wakes the reader */
	__u8 filter_cgroup;	/* cgroup_map[0] holds the cgroup */
	__u8 filter_comm;
	__u8 filter_driver;
	__u8 want_kstack;
	__u8 want_ustack;
	__u8 tables;		/* enum pt_tables_mode */
	__u8 table_extra;	/* with tables: PT_TX_*, the optional ones */
	__u8 pad;
	char targ_comm[PT_COMM_LEN];
	char targ_driver[PT_DRIVER_LEN];
};

/*
 * Where the records go (cfg.tables). Streamed, every record crosses the
 * ring buffer; in the live tables a few hooks keep what the leak report and
 * the buffer list need (the maps below), and the ring buffer carries only
 * process exits and each process's first appearance (so that userspace
 * reads its mappings while it lives, to name its user stacks later).
 */
enum pt_tables_mode {
	PT_TABLES_OFF = 0,	/* stream every record */
	PT_TABLES_ONLY,		/* the live tables only */
};

/* cfg.table_extra: tables kept only for the commands that show them */
#define PT_TX_ATTACH		0x1	/* live_attach ('objects') */
#define PT_TX_PROCS		0x2	/* proc_counts ('top') */

/* What the live tables could not hold, per-CPU counters (table_lost) */
enum pt_table_loss {
	PT_TL_BUFS = 0,		/* live_bufs full: a new dma-buf not kept */
	PT_TL_HANDLES,		/* live_handles full: a new GEM handle not kept */
	PT_TL_KSTACKS,		/* kstacks full: a stack not kept */
	PT_TL_USTACKS,
	PT_TL_COLLISIONS,	/* two stacks (or names) with one hash: the second kept under none */
	PT_TL_PAIRS,		/* stack_pairs full */
	PT_TL_NAMES,		/* names full: a name not kept */
	PT_TL_ATTACH,		/* live_attach full: a new attachment not kept */
	PT_TL_VMAPS,		/* live_vmaps full: a vmapped dma-buf not kept */
	PT_TL_PROCS,		/* proc_counts full: a process's counts not kept */
	PT_TL_MAX,
};

/*
 * The entries are small, so that a live buffer costs at most 256 bytes of
 * kernel memory, its GEM handle's entry and the hash maps' own overhead
 * included (make bench, "kernel tables"): what many entries share is kept
 * once, elsewhere, under a 32-bit key. Names (comms, exporter names,
 * drivers) are in names, under a hash of the name; a DRM minor's driver in
 * minors; a kernel and user stack pair in stack_pairs (its stacks in
 * kstacks and ustacks). A key 0 names nothing.
 */

/* live_bufs: a dma-buf made while tracing, not yet released; key: struct dma_buf * */
struct pt_tbuf {
	__u64 ts;		/* dma_buf_export() returned */
	__u64 size;
	__u64 ino;
	__u64 exp_obj;		/* the exporting GEM object, or 0 */
	__u32 pid;		/* tgid that made it */
	__u32 stacks;		/* key in stack_pairs */
	__u32 comm;		/* key in names: the comm of the thread that made it */
	__u32 exp_name;		/* key in names: dmabuf->exp_name */
	__s16 exp_minor;	/* the exporting DRM device (its driver: minors), -1: none */
	__s16 exp_handles;	/* exp_obj's GEM handles (at most 0x7fff), -1: unknown */
};

/* live_handles: a GEM handle made while tracing, not yet deleted */
struct pt_thandle_key {
	__u64 file;		/* struct drm_file * */
	__u32 handle;
	__u32 pad;
};

struct pt_thandle {
	__u64 ts;
	__u64 obj;		/* struct drm_gem_object * */
	__u64 obj_size;
	__u64 dmabuf;		/* the dma-buf it imports, or its own export */
	__u32 pid;
	__u32 stacks;		/* key in stack_pairs */
	__u32 comm;		/* key in names */
	__s16 minor;		/* its DRM device (its driver: minors) */
	__u8 import;		/* made by DRM_IOCTL_PRIME_FD_TO_HANDLE */
	__u8 pad;
};

/*
 * With PT_TX_ATTACH, what importers hold (what 'objects' shows):
 * live_attach, an attachment made while tracing and not yet detached, with
 * its mappings (dma_buf_map_attachment() not yet unmapped); key: struct
 * dma_buf_attachment *. No stacks: the importer is named by its device.
 */
struct pt_tattach {
	__u64 ts;		/* the attach returned */
	__u64 dmabuf;
	__u64 ino;		/* dmabuf's inode (pruning, and buffers made before tracing) */
	__u64 importer;		/* attach->dev: its names in importers */
	__u32 pid;
	__s32 maps;		/* mappings not yet unmapped */
	__u32 flags;		/* PT_ATTACH_DYNAMIC */
	__u32 pad;
};

/*
 * minors: a DRM minor's driver, read once per device; key: the minor. The
 * device tells a minor taken over by another driver's device.
 */
struct pt_tminor {
	__u64 dev;		/* struct drm_device * */
	__u32 driver;		/* key in names */
	__u32 pad;
};

/* importers: an importing device's names, read once; key: struct device * */
struct pt_timporter {
	__u32 name;		/* key in names: dev_name() */
	__u32 driver;		/* key in names: its driver's name */
};

/*
 * live_vmaps, with any tables: kernel mappings (dma_buf_vmap()) of a
 * dma-buf not yet unmapped; key: struct dma_buf *
 */
struct pt_tvmap {
	__u64 ts;		/* the first of them */
	__u64 ino;
	__s32 count;
	__u32 pad;
};

/*
 * With PT_TX_PROCS, proc_counts: per process, the dma-bufs it exported and the buffers it
 * imported since tracing began (what 'top' rates); key: tgid. Taken out
 * when the process exits.
 */
struct pt_tproc {
	__u64 exports;
	__u64 imports;
	__u64 export_bytes;
	__u64 import_bytes;
};

/* names: a name, NUL-padded; key: its hash */
struct pt_tname {
	char s[PT_NAME_LEN];
};

/* stack_pairs: the stacks of one entry; key: a hash of the two keys */
struct pt_tpair {
	__u32 kstack;		/* key in kstacks, 0: none */
	__u32 ustack;		/* key in ustacks, 0: none */
};

/* pt_event.flags for PT_EV_DMABUF_ATTACH: the importer passed importer_ops */
#define PT_ATTACH_DYNAMIC	0x1

/* pt_event.flags for PT_EV_SNAP_END: what the snapshot listed in full */
#define PT_SNAP_BUFS		0x1	/* every dma-buf (iter/dmabuf or bufinfo) */
#define PT_SNAP_FDS		0x2	/* every process's dma-buf fds */
#define PT_SNAP_MAPS		0x4	/* every process's dma-buf mappings */
#define PT_SNAP_HANDLES		0x8	/* every DRM file's GEM handles */

/*
 * With want_ustack a record is followed by the user stack, found by
 * scanning rather than by frame pointers (which libdrm and most libraries
 * are built without): the task's user ip, then each word of its user stack,
 * from sp up, that points into its executable's code (mm->start_code to
 * end_code). Userspace keeps the words that follow a call instruction and
 * names them (userspace/lib/symbolize.c).
 */
/*
 * With want_kstack a record is followed by its kernel stack
 * (bpf_get_stack()), before the user stack if there is one. A stack map
 * would refuse a stack whose hash collides with another one's (different
 * at every boot), and reading it back would be a map lookup.
 */
struct pt_kstack {
	__u32 nr;
	__u32 pad;
	__u64 ip[PT_MAX_STACK];
};

#define PT_USTACK_MAX	32
#define PT_USTACK_BYTES	1024

struct pt_ustack {
	__u32 nr;
	__u32 pad;
	__u64 ip[PT_USTACK_MAX];
};

struct pt_event {
	__u64 ts;		/* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u64 cgroup;		/* cgroup v2 id of the task */
	/* the dma-buf */
	__u64 dmabuf;		/* struct dma_buf * */
	__u64 ino;		/* inode of dmabuf->file (/proc/PID/fdinfo, debugfs) */
	__u64 size;		/* dmabuf->size */
	/* the GEM object the event is about, and the dma-buf's exporting one */
	__u64 obj;		/* struct drm_gem_object * */
	__u64 obj_size;		/* obj->size */
	__u64 exp_obj;		/* dmabuf->priv when the exporter is GEM */
	__u64 file;		/* struct drm_file * the handle belongs to */
	__u64 attach;		/* struct dma_buf_attachment * */
	__u64 addr;		/* mmap: vma start; vmap: kernel address; map: sg_table */
	__u64 len;		/* mmap: vma length */
	__u64 born;		/* snapshot: when the dma-buf was made (its inode's ctime) */
	__s64 file_count;	/* references on dmabuf->file */
	__s64 ret;		/* return value: 0 or -errno for calls that fail */
	__u32 type;		/* enum pt_event_type */
	__u32 hook;		/* enum pt_hook */
	__u32 pid;		/* tgid */
	__u32 tid;
	__u32 cpu;
	__u32 handle;		/* GEM handle, in file */
	__s32 fd;		/* dma-buf fd, in pid's table */
	__u32 flags;		/* PRIME flags (DRM_CLOEXEC, DRM_RDWR), DMA direction */
	__s32 kref;		/* obj->refcount */
	__s32 handle_count;	/* obj->handle_count */
	__s32 minor;		/* primary minor of obj's device (or the ioctl's) */
	__s32 exp_minor;	/* primary minor of exp_obj's device */
	__s32 kstack;		/* frames of the pt_kstack that follows, or -1 */
	__s32 ustack;		/* -1 (with want_ustack a struct pt_ustack follows) */
	char comm[PT_COMM_LEN];
	char exp_name[PT_NAME_LEN];	/* dmabuf->exp_name ("drm" for GEM) */
	char driver[PT_DRIVER_LEN];	/* obj->dev->driver->name */
	char exp_driver[PT_DRIVER_LEN];	/* exp_obj->dev->driver->name */
	char importer[PT_NAME_LEN];	/* dev_name(attach->dev) */
	char importer_driver[PT_DRIVER_LEN];
};

#endif /* __PRIMETRACE_H */
