/* SPDX-License-Identifier: MIT */
/*
 * Ground truth read from the kernel, to check what userspace cannot see:
 *
 * - vprime's debugfs (/sys/kernel/debug/vprime/<i>/): every live object with
 *   its kref, handle count, dma-buf inode, exporter, pins and mappings; every
 *   open file with its PRIME lookup cache (docs/vprime.md);
 * - the dma-buf core's debugfs (/sys/kernel/debug/dma_buf/bufinfo): every
 *   dma-buf with its file count and attached devices, on any driver;
 * - a module's reference count (/sys/module/<name>/refcnt).
 *
 * Tests that need vprime's ground truth skip on other drivers with the
 * reason (igt_require_vprime).
 */
#ifndef PRIMETRACE_IGT_ORACLE_H
#define PRIMETRACE_IGT_ORACLE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "vprime_truth.h" /* struct vprime_obj, the line parsers */

/* the vprime instance @fd belongs to, or -1 when it is not a vprime file */
int vprime_instance(int fd);
/* skips unless @fd is a vprime file whose debugfs can be read; returns the
 * instance */
int igt_require_vprime(int fd);

/* the vprime object id of @handle (DRM_IOCTL_VPRIME_INFO), -errno on error */
int vprime_object_id(int fd, uint32_t handle);
/* the client id debugfs 'files' shows for the DRM file @fd, or -errno */
int vprime_client(int fd);

/* 'objects N' of the instance, or -1 */
int vprime_object_count(int inst);
/* the one live object with this dma-buf inode (or size); false if none */
bool vprime_object_by_dmabuf(int inst, unsigned long ino, struct vprime_obj *obj);
bool vprime_object_by_id(int inst, unsigned int id, struct vprime_obj *obj);
/* the listed object with @id, or with the object of @handle in the vprime
 * file @fd; fails the subtest when it is not listed */
struct vprime_obj igt_vprime_obj_id(int inst, unsigned int id);
struct vprime_obj igt_vprime_obj(int fd, uint32_t handle);
/* 'leaks N': references leaked on purpose by faults, or -1 */
int vprime_leaks(int inst);

/* PRIME cache entries, over all open files, that name dma-buf @ino; and the
 * handle of the first one (0 if none) */
int vprime_cache_entries(int inst, unsigned long ino, uint32_t *handle);
/* cache entries of the file with @client id that name dma-buf @ino (any
 * dma-buf if 0), the handle of the first in @handle; -1 if that file is not
 * open */
int vprime_file_entries(int inst, int client, unsigned long ino, uint32_t *handle);
/* open files of @pid on the instance */
int vprime_files_of(int inst, pid_t pid);

/* a fault knob (faults/<name>): 0, 1, or -1 when the knob does not exist
 * (or this kernel cannot break its rule); setting returns 0 or -errno */
int vprime_fault(int inst, const char *name);
int vprime_set_fault(int inst, const char *name, int on);
/* DRM_IOCTL_VPRIME_INFO flags of @handle (VPRIME_INFO_*), or -errno */
int vprime_object_flags(int fd, uint32_t handle);

/* dma_buf/bufinfo: 0 and the buffer's state, -ENOENT if no dma-buf has this
 * inode, -ENODEV without bufinfo */
struct dmabuf_state {
	uint64_t size;
	long count; /* references to its file */
	int attachments;
	char exp_name[32];
};
int dmabuf_state(unsigned long ino, struct dmabuf_state *st);
/* how many dma-bufs exist, or -1 without bufinfo */
int dmabuf_total(void);

/* /sys/module/<name>/refcnt, or -1 */
int module_refcount(const char *name);

/*
 * Leak checks: igt_leaks_start() counts the objects of @fd's device (vprime
 * only) and all dma-bufs; igt_leaks_check() asserts both came back.
 */
struct igt_leaks {
	int inst;
	int objects;
	int dmabufs;
};
void igt_leaks_start(struct igt_leaks *l, int fd);
void igt_leaks_check(const struct igt_leaks *l);

#endif
