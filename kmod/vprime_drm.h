/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * vprime_drm.h: userspace interface of vprime, the reference PRIME driver.
 *
 * vprime is a DRIVER_GEM | DRIVER_RENDER device without hardware. Buffer
 * objects come from DRM_IOCTL_MODE_CREATE_DUMB (primary node) or from
 * DRM_IOCTL_VPRIME_CREATE (any node); sharing goes through the core PRIME
 * ioctls. The driver ioctls below exist so that a test can reach every path
 * of the PRIME helpers from userspace and name what it sees in debugfs
 * (/sys/kernel/debug/vprime/<instance>/, see docs/vprime.md).
 */
#ifndef _VPRIME_DRM_H_
#define _VPRIME_DRM_H_

#include "drm.h"

#if defined(__cplusplus)
extern "C" {
#endif

#define DRM_VPRIME_CREATE	0x00
#define DRM_VPRIME_MAP_OFFSET	0x01
#define DRM_VPRIME_INFO		0x02
#define DRM_VPRIME_VMAP		0x03
#define DRM_VPRIME_VUNMAP	0x04

/*
 * drm_vprime_create.flags
 *
 * VPRIME_CREATE_NO_SG: the object has no &drm_gem_object_funcs.get_sg_table,
 * so that no other device can attach to its dma-buf (ENOSYS); its own
 * device still imports it. DRM_IOCTL_VPRIME_INFO reports it with the same
 * bit, VPRIME_INFO_NO_SG.
 */
#define VPRIME_CREATE_NO_SG	(1u << 1)

/**
 * struct drm_vprime_create - create a buffer object of an explicit size
 * @size: in: bytes wanted, 1 up to the module's max_size_mb (default 4096);
 *        out: the object's size (rounded up to whole pages). Pages are
 *        allocated on first use, not here.
 * @flags: in: 0 or VPRIME_CREATE_NO_SG.
 * @handle: out: GEM handle in the calling file.
 * @id: out: the object's id, as listed in debugfs 'objects'.
 * @pad: must be 0.
 *
 * Errors: EINVAL (size 0, unknown flags, pad set), E2BIG (above
 * max_size_mb), ENOMEM.
 */
struct drm_vprime_create {
	__u64 size;
	__u32 flags;
	__u32 handle;
	__u32 id;
	__u32 pad;
};

/**
 * struct drm_vprime_map_offset - fake offset for mmap() of the DRM fd
 * @handle: in: GEM handle of an object vprime allocated.
 * @pad: must be 0.
 * @offset: out: offset to pass to mmap() on the same DRM fd.
 *
 * Unlike DRM_IOCTL_MODE_MAP_DUMB this is allowed on render nodes. Imported
 * objects are refused with EINVAL (map the dma-buf fd instead).
 */
struct drm_vprime_map_offset {
	__u32 handle;
	__u32 pad;
	__u64 offset;
};

/* drm_vprime_info.flags */
#define VPRIME_INFO_IMPORTED	(1u << 0) /* has a dma-buf import attachment */
#define VPRIME_INFO_NO_SG	(1u << 1) /* created without get_sg_table */

/**
 * struct drm_vprime_info - what debugfs calls a handle and the caller
 * @handle: in: GEM handle, or 0 to ask only for @client.
 * @flags: in: must be 0 (EINVAL otherwise); out: VPRIME_INFO_*.
 * @size: out: object size in bytes.
 * @id: out: object id (debugfs 'objects').
 * @client: out: id of the calling DRM file (debugfs 'files', client=).
 */
struct drm_vprime_info {
	__u32 handle;
	__u32 flags;
	__u64 size;
	__u32 id;
	__u32 client;
};

/**
 * struct drm_vprime_vmap - kernel mapping of an object
 * @handle: in: GEM handle.
 * @offset: in (VMAP): byte offset of @value, at most size - 8; VUNMAP: 0.
 * @value: out (VMAP): the 8 bytes at @offset, read through the mapping;
 *         in (VUNMAP): 0.
 *
 * DRM_IOCTL_VPRIME_VMAP takes one kernel mapping of the object for the
 * calling DRM file and keeps it until that file's DRM_IOCTL_VPRIME_VUNMAP
 * or until the object is freed: for objects vprime allocated through
 * &drm_gem_object_funcs.vmap, for imported objects through dma_buf_vmap()
 * on the exporter. Each file's mappings are counted apart:
 * a VUNMAP by a file holding no VMAP of the object is EINVAL, whoever else
 * maps it (other files, the dma-buf core for importers). An object takes at
 * most VPRIME_VMAP_MAX such mappings, all files together, and the module
 * VPRIME_VMAP_MAX_TOTAL; beyond: ENOSPC.
 */
#define VPRIME_VMAP_MAX		1024
#define VPRIME_VMAP_MAX_TOTAL	(1u << 20)

struct drm_vprime_vmap {
	__u32 handle;
	__u32 offset;
	__u64 value;
};

#define DRM_IOCTL_VPRIME_CREATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VPRIME_CREATE, struct drm_vprime_create)
#define DRM_IOCTL_VPRIME_MAP_OFFSET \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VPRIME_MAP_OFFSET, struct drm_vprime_map_offset)
#define DRM_IOCTL_VPRIME_INFO \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VPRIME_INFO, struct drm_vprime_info)
#define DRM_IOCTL_VPRIME_VMAP \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VPRIME_VMAP, struct drm_vprime_vmap)
#define DRM_IOCTL_VPRIME_VUNMAP \
	DRM_IOW(DRM_COMMAND_BASE + DRM_VPRIME_VUNMAP, struct drm_vprime_vmap)

#if defined(__cplusplus)
}
#endif

#endif /* _VPRIME_DRM_H_ */
