/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vprime_drv.h: what the driver core (vprime_drv.c), its debugfs ground
 * truth (vprime_debugfs.c) and its faults (vprime_faults.c) share.
 */
#ifndef VPRIME_DRV_H
#define VPRIME_DRV_H

#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/iosys-map.h>
#include <linux/list.h>
#include <linux/mm_types.h>
#include <linux/mutex.h>
#include <linux/xarray.h>

#include <drm/drm_device.h>
#include <drm/drm_gem.h>

#include "vprime_faults.h"

#define VPRIME_MAX_DEVICES	8

/**
 * struct vprime_device - one vprime instance
 * @drm: the DRM device, render and primary node
 * @pdev: the platform device @drm hangs off (no hardware behind it)
 * @index: instance number, the debugfs directory name
 * @faults: bitmap of enum vprime_fault, set through debugfs
 * @knobs: debugfs private data of the fault knobs
 * @next_id: last object id handed out
 * @next_client: last DRM file (client) id handed out
 * @objects_lock: protects @objects; nests inside &drm_device.object_name_lock
 * @objects: every live &struct vprime_object of this device
 * @leaks_lock: protects @leaks
 * @leaks: references leaked on purpose by faults, see vprime_leaks_reclaim()
 * @pages: pages allocated for this device's objects (debugfs 'totals')
 * @vmaps: kernel mappings taken by DRM_IOCTL_VPRIME_VMAP and not given back
 * @debugfs: the instance's debugfs directory
 */
struct vprime_device {
	struct drm_device drm;
	struct platform_device *pdev;
	unsigned int index;
	unsigned long faults;
	struct vprime_knob knobs[VPRIME_NR_FAULTS];
	atomic_t next_id;
	atomic_t next_client;
	struct mutex objects_lock;
	struct list_head objects;
	struct mutex leaks_lock;
	struct list_head leaks;
	atomic_long_t pages;
	atomic_t vmaps;
	struct dentry *debugfs;
};

/**
 * struct vprime_object - a vprime GEM buffer object
 * @base: the GEM object
 * @link: entry in &vprime_device.objects
 * @id: stable name for debugfs and DRM_IOCTL_VPRIME_INFO
 * @pages: backing pages (objects vprime allocated), each allocated on first
 *         use (fault, pin, get_sg_table, vmap); NULL until then
 * @npages: number of pages, size >> PAGE_SHIFT
 * @allocated: how many of @pages are allocated
 * @no_sg: created without get_sg_table (VPRIME_CREATE_NO_SG, or while the
 *         no_get_sg_table fault was on)
 * @pins: &drm_gem_object_funcs.pin calls not yet undone by .unpin
 * @mmaps: userspace mappings (VMAs) of the object
 * @vmap_lock: protects @vmap_count, @vmap, @ioctl_vmaps and @vmap_files
 * @vmap_count: live kernel mappings; for imports, dma_buf_vmap() calls
 * @vmap: the kernel mapping while @vmap_count > 0
 * @ioctl_vmaps: the part of @vmap_count DRM_IOCTL_VPRIME_VMAP took, at most
 *               VPRIME_VMAP_MAX
 * @vmap_files: those mappings per DRM file: client id -> count (xa value)
 * @sgt: imports: the mapping of the attachment, kept until the free
 * @dma_addrs: imports: DMA address of every page
 * @contig: imports: contiguous size in the DMA address space
 * @exporter: imports: name of the exporting driver
 */
struct vprime_object {
	struct drm_gem_object base;
	struct list_head link;
	u32 id;

	struct page **pages;
	unsigned int npages;
	atomic_t allocated;
	bool no_sg;

	atomic_t pins;
	atomic_t mmaps;

	struct mutex vmap_lock;
	unsigned int vmap_count;
	struct iosys_map vmap;
	unsigned int ioctl_vmaps;
	struct xarray vmap_files;

	struct sg_table *sgt;
	dma_addr_t *dma_addrs;
	unsigned long contig;
	char exporter[32];
};

static inline struct vprime_device *to_vprime_device(struct drm_device *drm)
{
	return container_of(drm, struct vprime_device, drm);
}

static inline struct vprime_object *to_vprime_object(struct drm_gem_object *obj)
{
	return container_of(obj, struct vprime_object, base);
}

static inline bool vprime_fault(struct vprime_device *vdev,
				enum vprime_fault fault)
{
	return test_bit(fault, &vdev->faults);
}

struct drm_file;
struct vm_fault;

unsigned long vprime_dma_buf_ino(struct dma_buf *dmabuf);
u32 vprime_file_client(struct drm_file *file);
vm_fault_t vprime_gem_insert(struct vm_fault *vmf, pgoff_t shift);
void vprime_gem_vm_open(struct vm_area_struct *vma);
void vprime_gem_vm_close(struct vm_area_struct *vma);

void vprime_debugfs_register(struct vprime_device *vdev);
void vprime_debugfs_unregister(struct vprime_device *vdev);
void vprime_debugfs_init(void);
void vprime_debugfs_fini(void);

#endif /* VPRIME_DRV_H */
