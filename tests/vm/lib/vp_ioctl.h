/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vp_ioctl: the DRM and vprime calls the VM test programs share, each
 * returning 0 or -errno.
 */
#ifndef VP_IOCTL_H
#define VP_IOCTL_H

#include <stdbool.h>
#include <stdint.h>

/* a DRM file of vprime instance @inst: its render node unless @primary */
int vp_open(int inst, bool primary);
int vp_xioctl(int fd, unsigned long req, void *arg);
/* a vprime object of @size bytes: its handle and (@id not NULL) debugfs id */
int vp_create(int fd, uint64_t size, uint32_t *handle, uint32_t *id);
/* VPRIME_VMAP of @handle; @value (not NULL) gets the word at @offset */
int vp_vmap(int fd, uint32_t handle, uint32_t offset, uint64_t *value);
int vp_vunmap(int fd, uint32_t handle);
int vp_gem_close(int fd, uint32_t handle);
/* PRIME export (read-write, close-on-exec) and import through libdrm */
int vp_prime_export(int fd, uint32_t handle, int *dmafd);
int vp_prime_import(int fd, int dmafd, uint32_t *handle);

#endif
