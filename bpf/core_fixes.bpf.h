/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Kernel layouts that moved between the kernels primetrace supports, read
 * through CO-RE flavours so that one object (built against the 6.1
 * vmlinux.h) runs on all of them.
 */
#ifndef __CORE_FIXES_BPF_H
#define __CORE_FIXES_BPF_H

#include <vmlinux.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

/*
 * struct file's reference count: f_count (atomic_long_t) up to 6.12,
 * f_ref (file_ref_t, which stores refs - 1) from 6.13.
 */
struct pt_file_ref {
	atomic_long_t refcnt;
};

struct file___ref {
	struct pt_file_ref f_ref;
} __attribute__((preserve_access_index));

struct file___count {
	atomic_long_t f_count;
} __attribute__((preserve_access_index));

/* references held on a file, -1 when f is NULL */
static __always_inline __s64 file_refs(struct file *f)
{
	if (!f)
		return -1;
	if (bpf_core_field_exists(struct file___ref, f_ref)) {
		/* released files read negative */
		__s64 raw = BPF_CORE_READ((struct file___ref *)f, f_ref.refcnt.counter);

		return raw < 0 ? 0 : raw + 1;
	}
	return BPF_CORE_READ((struct file___count *)f, f_count.counter);
}

/*
 * drm_gem_dmabuf_release() is the release op of every dma-buf a GEM driver
 * exports (drm_prime.c requires it), so it tells a GEM dma-buf, whose priv
 * is the exported object, from any other. Weak: 0 while drm is not loaded.
 */
extern const void drm_gem_dmabuf_release __ksym __weak;

#endif /* __CORE_FIXES_BPF_H */
