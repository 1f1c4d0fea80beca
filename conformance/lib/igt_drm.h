/* SPDX-License-Identifier: MIT */
/*
 * Devices and buffer objects for the conformance tests, on any GEM driver:
 * opening the device under test and its peer (IGT's --device filters),
 * creating objects (vprime's CREATE ioctl, dumb buffers elsewhere), and the
 * GEM and PRIME ioctls, with IGT's names: a plain name asserts, a __name
 * returns the error.
 */
#ifndef PRIMETRACE_IGT_DRM_H
#define PRIMETRACE_IGT_DRM_H

#include <fcntl.h> /* DRM_CLOEXEC is O_CLOEXEC */
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* chipset masks for drm_open_driver() */
#define DRIVER_VGEM   (1 << 0)
#define DRIVER_VPRIME (1 << 1)
#define DRIVER_VIRTIO (1 << 2)
#define DRIVER_ANY    (~0)

void igt_device_filter_add(const char *filters);
int igt_device_filter_count(void);
const char *igt_device_filter_get(int idx);

/*
 * drm_open_driver: a new file on the primary node of the device under test
 * (the first --device filter; without one, the first device of a driver in
 * @chipset). Skips when there is none.
 */
int drm_open_driver(int chipset);
/* drm_open_driver_another: the same for device @idx (1: the peer device of
 * cross-device subtests; without a second filter, the next device of the
 * same driver). Skips when there is none. */
int drm_open_driver_another(int idx, int chipset);
/* the node a device resolves to, or NULL (never skips) */
const char *drm_device_node(int idx, int chipset);
void drm_close_driver(int fd);

/* the driver's name (drmGetVersion), e.g. "vprime", "vgem", "virtio_gpu" */
const char *drm_driver_name(int fd);
bool drm_is_driver(int fd, const char *name);
/* true when @fd and @other are files of the same DRM device */
bool drm_same_device(int fd, int other);
/* DRM_CAP_PRIME bits (DRM_PRIME_CAP_IMPORT/EXPORT) */
bool drm_has_prime(int fd, uint64_t cap);

/* GEM objects of at least @size bytes (a multiple of 4096) */
int __gem_create(int fd, uint64_t size, uint32_t *handle);
uint32_t gem_create(int fd, uint64_t size);
int __gem_close(int fd, uint32_t handle);
void gem_close(int fd, uint32_t handle);
uint32_t gem_flink(int fd, uint32_t handle);
uint32_t gem_open(int fd, uint32_t name);
/* a CPU mapping through the DRM file (dumb map offset) */
void *__gem_mmap(int fd, uint32_t handle, uint64_t size, int prot);
void *gem_mmap(int fd, uint32_t handle, uint64_t size, int prot);
/* a handle that refers to a live object in the file */
bool gem_handle_valid(int fd, uint32_t handle);

/* PRIME: __ variants return 0 or -errno */
int __prime_handle_to_fd(int fd, uint32_t handle, uint32_t flags, int *dmabuf);
int prime_handle_to_fd(int fd, uint32_t handle);
int prime_handle_to_fd_for_mmap(int fd, uint32_t handle);
int __prime_fd_to_handle(int fd, int dmabuf, uint32_t *handle);
uint32_t prime_fd_to_handle(int fd, int dmabuf);
off_t prime_get_size(int dmabuf);

/* the dma-buf's inode: its identity in every oracle below */
unsigned long dmabuf_inode(int dmabuf);
/* references to the dma-buf's file (fdinfo 'count', less procfs' own), or -1 */
long dmabuf_file_count(int dmabuf);

#endif
