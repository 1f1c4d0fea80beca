/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * primetrace: the records the snapshot iterators write (bpf/snapshot.bpf.c)
 * and userspace/source/snapshot.c reads, one fixed-size record per thing found.
 * Unknown values as in primetrace.h: 0 for pointers, -1 for counts.
 */
#ifndef __PT_SNAPSHOT_REC_H
#define __PT_SNAPSHOT_REC_H

#define PT_SNAP_COMM_LEN	16
#define PT_SNAP_NAME_LEN	32
#define PT_SNAP_DRIVER_LEN	16

enum pt_snap_kind {
	PT_SNAPREC_BUF = 1,	/* a dma-buf (iter/dmabuf) */
	PT_SNAPREC_FD,		/* a dma-buf fd of a process (iter/task_file) */
	PT_SNAPREC_MMAP,	/* a dma-buf mapping of a process (iter/task_vma) */
	PT_SNAPREC_HANDLE,	/* a GEM handle of a DRM file (iter/task_file) */
	PT_SNAPREC_TRUNC,	/* a DRM file with more handles than were walked */
	PT_SNAPREC_MORE,	/* a DRM file with handles past this pass's */
};

/*
 * One show() of an iterator writes into one seq_file buffer of 8 pages,
 * and a show() that overflows it fails the whole read (E2BIG). A DRM
 * file's handles are written this many at a time: a pass skips the first
 * handle_skip handles of every file (bpf/snapshot.bpf.c), and userspace
 * runs the iterator again, for the handles only, while a file says MORE.
 */
#define PT_SNAP_HANDLES_PER_PASS	128
/* the handle walk's reach: a root node of leaves (64 * 64) */
#define PT_SNAP_HANDLES_MAX		4096

struct pt_snap_rec {
	__u32 kind;		/* enum pt_snap_kind */
	__u32 pid;		/* tgid */
	__s32 fd;
	__u32 handle;
	/* the dma-buf: of the fd or mapping, or the object's obj->dma_buf */
	__u64 dmabuf;
	__u64 ino;
	__u64 size;
	__s64 file_count;
	__s64 ctime_sec;	/* the dma-buf inode's ctime: CLOCK_REALTIME */
	__s64 ctime_nsec;
	/* its exporter, when a GEM driver: the object and its device */
	__u64 exp_obj;
	__s32 exp_kref;
	__s32 exp_handle_count;
	__s32 exp_minor;
	__s32 minor;		/* handle: the file's device */
	/* handle: the object it names */
	__u64 file;		/* struct drm_file * */
	__u64 obj;
	__u64 obj_size;
	__u64 attach;		/* obj->import_attach */
	__s32 kref;
	__s32 handle_count;
	/* mapping */
	__u64 addr;
	__u64 len;
	char comm[PT_SNAP_COMM_LEN];
	char exp_name[PT_SNAP_NAME_LEN];
	char exp_driver[PT_SNAP_DRIVER_LEN];
	char driver[PT_SNAP_DRIVER_LEN];
};

#endif /* __PT_SNAPSHOT_REC_H */
