// SPDX-License-Identifier: GPL-2.0
/*
 * vp_ioctl: the DRM and vprime calls the VM test programs share.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <xf86drm.h>

#include "vprime_drm.h"
#include "vprime_truth.h"
#include "vp_ioctl.h"

int vp_open(int inst, bool primary)
{
	char buf[64], node[80];
	int card, render;

	if (vprime_debugfs_read(inst, "card", buf, sizeof(buf)) < 0 ||
	    !vprime_parse_card(buf, &card, &render))
		return -ENOENT;
	if (primary)
		snprintf(node, sizeof(node), "/dev/dri/card%d", card);
	else
		snprintf(node, sizeof(node), "/dev/dri/renderD%d", render);
	return open(node, O_RDWR | O_CLOEXEC);
}

int vp_xioctl(int fd, unsigned long req, void *arg)
{
	return drmIoctl(fd, req, arg) ? -errno : 0;
}

int vp_create(int fd, uint64_t size, uint32_t *handle, uint32_t *id)
{
	struct drm_vprime_create c = { .size = size };
	int ret = vp_xioctl(fd, DRM_IOCTL_VPRIME_CREATE, &c);

	*handle = ret ? 0 : c.handle;
	if (id)
		*id = ret ? 0 : c.id;
	return ret;
}

int vp_vmap(int fd, uint32_t handle, uint32_t offset, uint64_t *value)
{
	struct drm_vprime_vmap v = { .handle = handle, .offset = offset };
	int ret = vp_xioctl(fd, DRM_IOCTL_VPRIME_VMAP, &v);

	if (!ret && value)
		*value = v.value;
	return ret;
}

int vp_vunmap(int fd, uint32_t handle)
{
	struct drm_vprime_vmap v = { .handle = handle };

	return vp_xioctl(fd, DRM_IOCTL_VPRIME_VUNMAP, &v);
}

int vp_gem_close(int fd, uint32_t handle)
{
	struct drm_gem_close c = { .handle = handle };

	return vp_xioctl(fd, DRM_IOCTL_GEM_CLOSE, &c);
}

int vp_prime_export(int fd, uint32_t handle, int *dmafd)
{
	*dmafd = -1;
	return drmPrimeHandleToFD(fd, handle, DRM_CLOEXEC | DRM_RDWR, dmafd) ? -errno : 0;
}

int vp_prime_import(int fd, int dmafd, uint32_t *handle)
{
	*handle = 0;
	return drmPrimeFDToHandle(fd, dmafd, handle) ? -errno : 0;
}
