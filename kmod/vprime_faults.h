/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vprime_faults.h: the faults (vprime_faults.c), PRIME rules vprime breaks
 * on purpose. The driver core (vprime_drv.c) calls them in one line from
 * each path a fault changes; debugfs (vprime_debugfs.c) switches them and
 * shows their leaks.
 */
#ifndef VPRIME_FAULTS_H
#define VPRIME_FAULTS_H

#include <linux/list.h>
#include <linux/types.h>

/**
 * enum vprime_fault - PRIME rules vprime can break on purpose
 * @VPRIME_FAULT_EXPORT_EXTRA_REF: the export takes one GEM reference more
 * @VPRIME_FAULT_IMPORT_SKIP_PRIME_DESTROY: freeing an import leaves it
 *	attached and mapped
 * @VPRIME_FAULT_UNPIN_NOOP: unpin leaves the pin counted
 * @VPRIME_FAULT_NO_GET_SG_TABLE: new objects lack get_sg_table
 * @VPRIME_FAULT_IMPORT_BYPASS_CACHE: fd to handle skips the lookup cache
 * @VPRIME_FAULT_EXPORT_BYPASS_CACHE: handle to fd skips the lookup cache
 * @VPRIME_FAULT_NO_SELF_IMPORT: self-imports make a second object
 * @VPRIME_FAULT_EXPORT_NEW_DMABUF: every export makes a new dma-buf
 * @VPRIME_FAULT_DMABUF_MMAP_WRONG_PAGE: dma-buf mappings show the wrong pages
 * @VPRIME_NR_FAULTS: number of faults
 *
 * Each fault is a debugfs knob (faults/<name>), off by default; docs/vprime.md
 * says which rule each one breaks and which ground-truth values change.
 */
enum vprime_fault {
	VPRIME_FAULT_EXPORT_EXTRA_REF,
	VPRIME_FAULT_IMPORT_SKIP_PRIME_DESTROY,
	VPRIME_FAULT_UNPIN_NOOP,
	VPRIME_FAULT_NO_GET_SG_TABLE,
	VPRIME_FAULT_IMPORT_BYPASS_CACHE,
	VPRIME_FAULT_EXPORT_BYPASS_CACHE,
	VPRIME_FAULT_NO_SELF_IMPORT,
	VPRIME_FAULT_EXPORT_NEW_DMABUF,
	VPRIME_FAULT_DMABUF_MMAP_WRONG_PAGE,
	VPRIME_NR_FAULTS
};

extern const char *const vprime_fault_names[VPRIME_NR_FAULTS];

struct dma_buf;
struct dma_buf_attachment;
struct drm_device;
struct drm_file;
struct drm_gem_object;
struct sg_table;
struct vm_area_struct;
struct vprime_device;
struct vprime_object;

/**
 * struct vprime_knob - debugfs private data of one fault knob
 * @vdev: the device the knob belongs to
 * @fault: which fault
 */
struct vprime_knob {
	struct vprime_device *vdev;
	enum vprime_fault fault;
};

/**
 * struct vprime_leak - a reference a fault leaked on purpose
 * @link: entry in &vprime_device.leaks
 * @fault: the fault that leaked it
 * @id: id of the object concerned
 * @obj: export_extra_ref: the object holding the extra reference
 * @attach: import_skip_prime_destroy: the attachment left attached
 * @sgt: import_skip_prime_destroy: its mapping, left mapped
 */
struct vprime_leak {
	struct list_head link;
	enum vprime_fault fault;
	u32 id;
	struct drm_gem_object *obj;
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;
};

/* the knobs and their leaks */
void vprime_faults_init(struct vprime_device *vdev);
bool vprime_fault_supported(struct vprime_device *vdev,
			    enum vprime_fault fault);
void vprime_leaks_reclaim(struct vprime_device *vdev);

/* one call each from the driver core's paths */
struct dma_buf *vprime_fault_export(struct drm_gem_object *obj,
				    struct dma_buf *dmabuf);
bool vprime_fault_skip_unpin(struct drm_gem_object *obj);
void vprime_fault_mmap(struct drm_gem_object *obj, struct vm_area_struct *vma);
bool vprime_fault_no_sg(struct vprime_device *vdev);
bool vprime_fault_skip_prime_destroy(struct vprime_object *vobj);
bool vprime_fault_import_foreign(struct drm_device *dev,
				 struct dma_buf *dmabuf);
struct drm_gem_object *vprime_fault_import(struct drm_device *dev,
					   struct dma_buf *dmabuf);
bool vprime_fault_fd_to_handle_uncached(struct drm_device *dev);
int vprime_fault_fd_to_handle(struct drm_device *dev, struct drm_file *file,
			      int fd, u32 *handle);
bool vprime_fault_handle_to_fd_uncached(struct drm_device *dev);
int vprime_fault_handle_to_fd(struct drm_device *dev, struct drm_file *file,
			      u32 handle, u32 flags, int *prime_fd);

#endif /* VPRIME_FAULTS_H */
