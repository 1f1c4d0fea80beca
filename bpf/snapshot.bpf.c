// SPDX-License-Identifier: GPL-2.0
/*
 * primetrace: what already exists when tracing starts. BPF iterators walk
 * every process's files (iter/task_file, 5.8) and mappings (iter/task_vma,
 * 5.12), and every dma-buf (iter/dmabuf, 6.16) where the kernel has it,
 * and write one struct pt_snap_rec per dma-buf fd, dma-buf mapping, GEM
 * handle and dma-buf. Userspace reads them with read() on the iterator.
 *
 * A dma-buf file is told by its superblock (DMA_BUF_MAGIC), a DRM file by
 * its character device (DRM_MAJOR): no symbol of a module is needed. GEM
 * handles are found by walking the file's object_idr, which only compiles
 * in when drm's BTF is there (bpf_core_type_exists), so that the other
 * iterators still load without DRM.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "snapshot_rec.h"
#include "core_fixes.bpf.h"

#define DMA_BUF_MAGIC 0x444d4142
#define DRM_MAJOR     226
#define S_IFMT	      00170000
#define S_IFCHR	      0020000
#define XA_CHUNK      64

/* iter/dmabuf's context, absent from the 6.1 vmlinux.h */
struct bpf_iter__dmabuf {
	struct bpf_iter_meta *meta;
	struct dma_buf *dmabuf;
};

/* the inode's ctime: a timespec64 up to 6.5, __i_ctime in 6.6-6.10, split from 6.11 */
struct inode___split {
	time64_t i_ctime_sec;
	u32 i_ctime_nsec;
} __attribute__((preserve_access_index));

struct inode___mid {
	struct timespec64 __i_ctime;
} __attribute__((preserve_access_index));

/* one record at a time, off the small BPF stack */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pt_snap_rec);
} scratch SEC(".maps");

static __always_inline struct pt_snap_rec *rec_get(__u32 kind, struct task_struct *task)
{
	__u32 zero = 0;
	struct pt_snap_rec *r = bpf_map_lookup_elem(&scratch, &zero);

	if (!r)
		return NULL;
	__builtin_memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->fd = -1;
	r->file_count = -1;
	r->exp_kref = -1;
	r->exp_handle_count = -1;
	r->exp_minor = -1;
	r->minor = -1;
	r->kref = -1;
	r->handle_count = -1;
	if (task) {
		r->pid = BPF_CORE_READ(task, tgid);
		BPF_CORE_READ_STR_INTO(&r->comm, task, comm);
	}
	return r;
}

static __always_inline void inode_ctime(struct inode *inode, struct pt_snap_rec *r)
{
	if (bpf_core_field_exists(struct inode___split, i_ctime_sec)) {
		r->ctime_sec = BPF_CORE_READ((struct inode___split *)inode, i_ctime_sec);
		r->ctime_nsec = BPF_CORE_READ((struct inode___split *)inode, i_ctime_nsec);
	} else if (bpf_core_field_exists(struct inode___mid, __i_ctime)) {
		r->ctime_sec = BPF_CORE_READ((struct inode___mid *)inode, __i_ctime.tv_sec);
		r->ctime_nsec = BPF_CORE_READ((struct inode___mid *)inode, __i_ctime.tv_nsec);
	} else {
		r->ctime_sec = BPF_CORE_READ(inode, i_ctime.tv_sec);
		r->ctime_nsec = BPF_CORE_READ(inode, i_ctime.tv_nsec);
	}
}

static __always_inline bool is_dmabuf_file(struct file *file)
{
	return file && BPF_CORE_READ(file, f_inode, i_sb, s_magic) == DMA_BUF_MAGIC;
}

static __always_inline bool is_drm_file(struct file *file)
{
	struct inode *inode = BPF_CORE_READ(file, f_inode);

	return inode && (BPF_CORE_READ(inode, i_mode) & S_IFMT) == S_IFCHR &&
	       (BPF_CORE_READ(inode, i_rdev) >> 20) == DRM_MAJOR;
}

static __always_inline void dev_info(struct drm_device *dev, __s32 *minor, char *driver)
{
	struct drm_minor *m;
	const char *name;

	if (!bpf_core_type_exists(struct drm_device) || !dev)
		return;
	m = BPF_CORE_READ(dev, primary);
	if (!m)
		m = BPF_CORE_READ(dev, render);
	if (m)
		*minor = BPF_CORE_READ(m, index);
	name = BPF_CORE_READ(dev, driver, name);
	if (name)
		bpf_probe_read_kernel_str(driver, PT_SNAP_DRIVER_LEN, name);
}

/* everything about a dma-buf that a record carries */
static __always_inline void dmabuf_info(struct dma_buf *dmabuf, struct pt_snap_rec *r)
{
	struct drm_gem_object *obj;
	struct file *file;
	const char *name;

	if (!dmabuf)
		return;
	r->dmabuf = (__u64)dmabuf;
	r->size = BPF_CORE_READ(dmabuf, size);
	name = BPF_CORE_READ(dmabuf, exp_name);
	if (name)
		bpf_probe_read_kernel_str(r->exp_name, sizeof(r->exp_name), name);
	file = BPF_CORE_READ(dmabuf, file);
	if (file) {
		struct inode *inode = BPF_CORE_READ(file, f_inode);

		r->ino = BPF_CORE_READ(inode, i_ino);
		r->file_count = file_refs(file);
		inode_ctime(inode, r);
	}
	if (!bpf_core_type_exists(struct drm_gem_object) || !&drm_gem_dmabuf_release)
		return;
	if (BPF_CORE_READ(dmabuf, ops, release) != &drm_gem_dmabuf_release)
		return;
	obj = BPF_CORE_READ(dmabuf, priv);
	if (!obj)
		return;
	r->exp_obj = (__u64)obj;
	r->exp_kref = BPF_CORE_READ(obj, refcount.refcount.refs.counter);
	r->exp_handle_count = BPF_CORE_READ(obj, handle_count);
	dev_info(BPF_CORE_READ(obj, dev), &r->exp_minor, r->exp_driver);
}

/* --- GEM handles ---------------------------------------------------------- */

/* handles of every DRM file that earlier passes wrote (see snapshot_rec.h) */
__u32 handle_skip;
/*
 * Zero, but not to the verifier. Before 6.7 it checked a bpf_loop()
 * callback once, with the caller's stack as it was at the call, and
 * removed the branches that state ruled out: counters that start as the
 * constant 0 never reached their limit there.
 */
__u32 walk_zero;

struct walk {
	struct seq_file *seq;
	struct task_struct *task;
	struct drm_file *file;
	__u64 node;  /* the leaf xa_node being walked */
	__u32 base;  /* the handle of its slot 0 */
	__s32 minor;
	__u32 truncated;
	__u32 seen;    /* handles found in the file so far */
	__u32 written; /* of those, written by this pass */
	__u32 more;    /* found past what this pass writes */
	char driver[PT_SNAP_DRIVER_LEN];
};

static __always_inline void emit_handle(struct walk *w, struct drm_gem_object *obj, __u32 handle)
{
	struct dma_buf_attachment *attach;
	struct dma_buf *dmabuf;
	struct pt_snap_rec *r;

	if (w->seen++ < handle_skip)
		return;
	if (w->written >= PT_SNAP_HANDLES_PER_PASS) {
		w->more = 1;
		return;
	}
	w->written++;
	r = rec_get(PT_SNAPREC_HANDLE, w->task);
	if (!r || !bpf_core_type_exists(struct drm_gem_object))
		return;
	r->handle = handle;
	r->file = (__u64)w->file;
	r->obj = (__u64)obj;
	r->obj_size = BPF_CORE_READ(obj, size);
	r->kref = BPF_CORE_READ(obj, refcount.refcount.refs.counter);
	r->handle_count = BPF_CORE_READ(obj, handle_count);
	r->minor = w->minor;
	__builtin_memcpy(r->driver, w->driver, sizeof(r->driver));
	attach = BPF_CORE_READ(obj, import_attach);
	r->attach = (__u64)attach;
	dmabuf = BPF_CORE_READ(obj, dma_buf);
	if (!dmabuf && attach)
		dmabuf = BPF_CORE_READ(attach, dmabuf);
	dmabuf_info(dmabuf, r);
	bpf_seq_write(w->seq, r, sizeof(*r));
}

static long walk_slot(__u32 i, void *data)
{
	struct walk *w = data;
	void *entry = NULL;
	__u64 at;

	at = w->node + bpf_core_field_offset(struct xa_node, slots) + (i & (XA_CHUNK - 1)) * 8;
	bpf_probe_read_kernel(&entry, sizeof(entry), (void *)at);
	/* empty, or an internal entry (retry, sibling) */
	if (!entry || ((__u64)entry & 3) == 2)
		return 0;
	emit_handle(w, entry, w->base + i);
	return 0;
}

static long walk_child(__u32 i, void *data)
{
	struct walk *w = data, inner;
	void *entry = NULL;
	__u64 at;

	at = w->node + bpf_core_field_offset(struct xa_node, slots) + (i & (XA_CHUNK - 1)) * 8;
	bpf_probe_read_kernel(&entry, sizeof(entry), (void *)at);
	if (!entry)
		return 0;
	if (((__u64)entry & 3) != 2 || (__u64)entry <= 4096) {
		w->truncated = 1;
		return 0;
	}
	inner = *w;
	inner.node = (__u64)entry - 2;
	inner.base = w->base + i * XA_CHUNK;
	bpf_loop(XA_CHUNK, walk_slot, &inner, 0);
	w->seen = inner.seen;
	w->written = inner.written;
	w->more = inner.more;
	return 0;
}

/*
 * Handles live in file->object_idr, an xarray indexed by handle - idr_base:
 * one entry (handle idr_base only), a leaf node (64 handles) or a node of
 * leaves (4096). Bigger tables are reported as truncated.
 */
static __always_inline void walk_handles(struct seq_file *seq, struct task_struct *task,
					 struct drm_file *file)
{
	struct walk w = { .seq = seq, .task = task, .file = file, .minor = -1 };
	struct xa_node *node;
	struct pt_snap_rec *r;
	__u64 head;
	__u8 shift;

	if (!bpf_core_type_exists(struct drm_file))
		return;
	w.seen = walk_zero;
	w.written = walk_zero;
	w.more = walk_zero;
	dev_info(BPF_CORE_READ(file, minor, dev), &w.minor, w.driver);
	head = (__u64)BPF_CORE_READ(file, object_idr.idr_rt.xa_head);
	w.base = BPF_CORE_READ(file, object_idr.idr_base);
	if (!head)
		return;
	if ((head & 3) != 2) {
		emit_handle(&w, (void *)head, w.base);
		return;
	}
	if (head <= 4096)
		return;
	/* a local: BPF_CORE_READ(w.node...) would relocate struct walk too */
	node = (struct xa_node *)(head - 2);
	shift = BPF_CORE_READ(node, shift);
	w.node = (__u64)node;
	if (shift == 0)
		bpf_loop(XA_CHUNK, walk_slot, &w, 0);
	else if (shift == 6)
		bpf_loop(XA_CHUNK, walk_child, &w, 0);
	else
		w.truncated = 1;
	if (w.truncated) {
		r = rec_get(PT_SNAPREC_TRUNC, task);
		if (r) {
			r->file = (__u64)file;
			bpf_seq_write(seq, r, sizeof(*r));
		}
	}
	if (w.more) {
		r = rec_get(PT_SNAPREC_MORE, task);
		if (r) {
			r->file = (__u64)file;
			bpf_seq_write(seq, r, sizeof(*r));
		}
	}
}

/* --- the iterators ---------------------------------------------------------- */

SEC("iter/task_file")
int snap_task_file(struct bpf_iter__task_file *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	struct pt_snap_rec *r;

	if (!task || !file)
		return 0;
	if (is_dmabuf_file(file)) {
		r = rec_get(PT_SNAPREC_FD, task);
		if (!r)
			return 0;
		r->fd = ctx->fd;
		dmabuf_info(BPF_CORE_READ(file, private_data), r);
		bpf_seq_write(seq, r, sizeof(*r));
	} else if (is_drm_file(file)) {
		walk_handles(seq, task, BPF_CORE_READ(file, private_data));
	}
	return 0;
}

SEC("iter/task_vma")
int snap_task_vma(struct bpf_iter__task_vma *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct vm_area_struct *vma = ctx->vma;
	struct task_struct *task = ctx->task;
	struct pt_snap_rec *r;
	struct file *file;

	if (!task || !vma)
		return 0;
	file = BPF_CORE_READ(vma, vm_file);
	if (!is_dmabuf_file(file))
		return 0;
	r = rec_get(PT_SNAPREC_MMAP, task);
	if (!r)
		return 0;
	r->addr = BPF_CORE_READ(vma, vm_start);
	r->len = BPF_CORE_READ(vma, vm_end) - r->addr;
	dmabuf_info(BPF_CORE_READ(file, private_data), r);
	bpf_seq_write(seq, r, sizeof(*r));
	return 0;
}

SEC("iter/dmabuf")
int snap_dmabuf(struct bpf_iter__dmabuf *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct pt_snap_rec *r;

	if (!ctx->dmabuf)
		return 0;
	r = rec_get(PT_SNAPREC_BUF, NULL);
	if (!r)
		return 0;
	dmabuf_info(ctx->dmabuf, r);
	bpf_seq_write(seq, r, sizeof(*r));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
