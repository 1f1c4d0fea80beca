// SPDX-License-Identifier: GPL-2.0
/*
 * vprime faults: PRIME rules vprime breaks on purpose.
 *
 * Each fault is a debugfs knob (vprime_debugfs.c), off by default, and
 * breaks one rule so that a detector can be proven against a real violation;
 * docs/vprime.md says which rule and which ground-truth values change. The
 * driver core (vprime_drv.c) stays the reference driver: each path a fault
 * changes calls in here in one line, and with every knob off that call
 * changes nothing. A fault that leaks a reference records it, so that the
 * leak shows in debugfs ('leaks') and can be given back: by writing to
 * 'leaks', and at the latest when the module is removed.
 */

#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/slab.h>

#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_prime.h>
#include <drm/drm_print.h>

#include "vprime_drv.h"
#include "vprime_faults.h"

const char *const vprime_fault_names[VPRIME_NR_FAULTS] = {
	[VPRIME_FAULT_EXPORT_EXTRA_REF] = "export_extra_ref",
	[VPRIME_FAULT_IMPORT_SKIP_PRIME_DESTROY] = "import_skip_prime_destroy",
	[VPRIME_FAULT_UNPIN_NOOP] = "unpin_noop",
	[VPRIME_FAULT_NO_GET_SG_TABLE] = "no_get_sg_table",
	[VPRIME_FAULT_IMPORT_BYPASS_CACHE] = "import_bypass_cache",
	[VPRIME_FAULT_EXPORT_BYPASS_CACHE] = "export_bypass_cache",
	[VPRIME_FAULT_NO_SELF_IMPORT] = "no_self_import",
	[VPRIME_FAULT_EXPORT_NEW_DMABUF] = "export_new_dmabuf",
	[VPRIME_FAULT_DMABUF_MMAP_WRONG_PAGE] = "dmabuf_mmap_wrong_page",
};

/**
 * vprime_faults_init - set up the fault state of a new device
 * @vdev: the device, before it is registered
 *
 * Every knob starts off (&vprime_device.faults is zeroed) and no leak is
 * recorded.
 */
void vprime_faults_init(struct vprime_device *vdev)
{
	mutex_init(&vdev->leaks_lock);
	INIT_LIST_HEAD(&vdev->leaks);
}

/**
 * vprime_fault_supported - can this kernel break the rule of @fault?
 * @vdev: the device
 * @fault: the fault
 *
 * The two cache bypasses and export_new_dmabuf replace the core's fd/handle
 * conversion, which is only possible through &drm_driver.prime_fd_to_handle
 * and .prime_handle_to_fd: they need the module parameter prime_hooks
 * (forced on before 6.6), which installs them.
 *
 * Return: true if the knob of @fault can be switched on.
 */
bool vprime_fault_supported(struct vprime_device *vdev,
			    enum vprime_fault fault)
{
	switch (fault) {
	case VPRIME_FAULT_IMPORT_BYPASS_CACHE:
	case VPRIME_FAULT_EXPORT_BYPASS_CACHE:
	case VPRIME_FAULT_EXPORT_NEW_DMABUF:
		return vdev->drm.driver->prime_fd_to_handle &&
		       vdev->drm.driver->prime_handle_to_fd;
	default:
		return true;
	}
}

/*
 * Leaks.
 */

static void vprime_leak_add(struct vprime_device *vdev,
			    struct vprime_leak *leak)
{
	mutex_lock(&vdev->leaks_lock);
	list_add_tail(&leak->link, &vdev->leaks);
	mutex_unlock(&vdev->leaks_lock);
}

/**
 * vprime_leaks_reclaim - give back every reference faults leaked on purpose
 * @vdev: the device
 *
 * Drops the extra GEM references of export_extra_ref and finishes what
 * import_skip_prime_destroy skipped (the body of drm_prime_gem_destroy():
 * unmap, detach, put the dma-buf), and says in the kernel log how many
 * references it gave back, if any. Called without any lock held: the puts
 * may free objects, and freeing takes &vprime_device.objects_lock.
 */
void vprime_leaks_reclaim(struct vprime_device *vdev)
{
	struct vprime_leak *leak, *next;
	struct dma_buf *dmabuf;
	unsigned int n = 0;
	LIST_HEAD(list);

	mutex_lock(&vdev->leaks_lock);
	list_splice_init(&vdev->leaks, &list);
	mutex_unlock(&vdev->leaks_lock);

	list_for_each_entry_safe(leak, next, &list, link) {
		if (leak->obj) {
			drm_gem_object_put(leak->obj);
		} else {
			dmabuf = leak->attach->dmabuf;
			dma_buf_unmap_attachment_unlocked(leak->attach, leak->sgt,
							  DMA_BIDIRECTIONAL);
			dma_buf_detach(dmabuf, leak->attach);
			dma_buf_put(dmabuf);
		}
		list_del(&leak->link);
		kfree(leak);
		n++;
	}
	if (n)
		drm_info(&vdev->drm, "gave back %u reference(s) leaked by faults\n",
			 n);
}

/*
 * Export and pin.
 */

/**
 * vprime_fault_export - export_extra_ref: the export keeps one more reference
 * @obj: the object exported
 * @dmabuf: what drm_gem_prime_export() returned for it
 *
 * With the fault on and @dmabuf exported, takes a GEM reference of @obj
 * that no dma-buf release drops, recorded in the device's leaks (without a
 * record there is no leak: the fault stays harmless).
 *
 * Return: @dmabuf.
 */
struct dma_buf *vprime_fault_export(struct drm_gem_object *obj,
				    struct dma_buf *dmabuf)
{
	struct vprime_device *vdev = to_vprime_device(obj->dev);
	struct vprime_leak *leak;

	if (IS_ERR(dmabuf) || !vprime_fault(vdev, VPRIME_FAULT_EXPORT_EXTRA_REF))
		return dmabuf;
	leak = kzalloc(sizeof(*leak), GFP_KERNEL);
	if (!leak)
		return dmabuf;

	drm_gem_object_get(obj);
	leak->fault = VPRIME_FAULT_EXPORT_EXTRA_REF;
	leak->id = to_vprime_object(obj)->id;
	leak->obj = obj;
	vprime_leak_add(vdev, leak);
	return dmabuf;
}

/**
 * vprime_fault_skip_unpin - unpin_noop: does .unpin leave the pin counted?
 * @obj: the object being unpinned
 *
 * Return: true while the fault is on: the caller returns without undoing
 * the pin.
 */
bool vprime_fault_skip_unpin(struct drm_gem_object *obj)
{
	return vprime_fault(to_vprime_device(obj->dev), VPRIME_FAULT_UNPIN_NOOP);
}

/*
 * CPU mappings.
 */

/* dmabuf_mmap_wrong_page: page N of the mapping shows page N + 1 */
static vm_fault_t vprime_fault_wrong_page(struct vm_fault *vmf)
{
	return vprime_gem_insert(vmf, 1);
}

static const struct vm_operations_struct vprime_wrong_page_vm_ops = {
	.fault = vprime_fault_wrong_page,
	.open = vprime_gem_vm_open,
	.close = vprime_gem_vm_close,
};

/**
 * vprime_fault_mmap - dmabuf_mmap_wrong_page: dma-buf mappings show the
 * wrong pages
 * @obj: the object being mapped
 * @vma: the new VMA, with the object's &drm_gem_object_funcs.vm_ops
 *
 * With the fault on, a mapping of a dma-buf fd (not of the DRM fd, which
 * has the driver's fops) gets a fault handler that maps every page one page
 * off, for as long as the mapping lives.
 */
void vprime_fault_mmap(struct drm_gem_object *obj, struct vm_area_struct *vma)
{
	if (vma->vm_file->f_op != obj->dev->driver->fops &&
	    vprime_fault(to_vprime_device(obj->dev),
			 VPRIME_FAULT_DMABUF_MMAP_WRONG_PAGE))
		vma->vm_ops = &vprime_wrong_page_vm_ops;
}

/*
 * Creation and import.
 */

/**
 * vprime_fault_no_sg - no_get_sg_table: are new objects made without
 * get_sg_table?
 * @vdev: the device creating an object
 *
 * Return: true while the fault is on.
 */
bool vprime_fault_no_sg(struct vprime_device *vdev)
{
	return vprime_fault(vdev, VPRIME_FAULT_NO_GET_SG_TABLE);
}

/**
 * vprime_fault_skip_prime_destroy - import_skip_prime_destroy: does the
 * free of an import keep its attachment?
 * @vobj: the import being freed
 *
 * With the fault on, records the attachment and its mapping in the device's
 * leaks, where vprime_leaks_reclaim() finds them.
 *
 * Return: true when the caller must skip drm_prime_gem_destroy(): the fault
 * is on and the leak recorded (without a record, nothing is skipped).
 */
bool vprime_fault_skip_prime_destroy(struct vprime_object *vobj)
{
	struct vprime_device *vdev = to_vprime_device(vobj->base.dev);
	struct vprime_leak *leak;

	if (!vprime_fault(vdev, VPRIME_FAULT_IMPORT_SKIP_PRIME_DESTROY))
		return false;
	leak = kzalloc(sizeof(*leak), GFP_KERNEL);
	if (!leak)
		return false;

	leak->fault = VPRIME_FAULT_IMPORT_SKIP_PRIME_DESTROY;
	leak->id = vobj->id;
	leak->attach = vobj->base.import_attach;
	leak->sgt = vobj->sgt;
	vprime_leak_add(vdev, leak);
	return true;
}

/*
 * Is @dmabuf a second dma-buf of one of @dev's objects, made by
 * export_new_dmabuf? drm_gem_prime_fd_to_handle() WARNs when the object a
 * self-import returns already has another dma-buf in &drm_gem_object.dma_buf.
 * Called under &drm_device.object_name_lock, as that check is.
 */
static bool vprime_extra_dmabuf(struct drm_device *dev, struct dma_buf *dmabuf)
{
	struct drm_gem_object *obj;

	if (dmabuf->ops->release != drm_gem_dmabuf_release)
		return false;
	obj = dmabuf->priv;
	return obj->dev == dev && obj->dma_buf && obj->dma_buf != dmabuf;
}

/**
 * vprime_fault_import_foreign - must @dmabuf be imported as a foreign one?
 * @dev: the importing device
 * @dmabuf: the dma-buf imported
 *
 * True while no_self_import is on, and for the dma-bufs export_new_dmabuf
 * made in excess, so that the core never sees an object with two dma-bufs.
 * Called under &drm_device.object_name_lock.
 *
 * Return: true when the caller must import with vprime_fault_import().
 */
bool vprime_fault_import_foreign(struct drm_device *dev,
				 struct dma_buf *dmabuf)
{
	return vprime_fault(to_vprime_device(dev), VPRIME_FAULT_NO_SELF_IMPORT) ||
	       vprime_extra_dmabuf(dev, dmabuf);
}

/**
 * vprime_fault_import - import @dmabuf as a foreign dma-buf
 * @dev: the importing device
 * @dmabuf: the dma-buf, possibly one of @dev's own
 *
 * What drm_gem_prime_import_dev() does for another device's dma-buf
 * (attach, map the attachment, hand the sg_table to
 * &drm_driver.gem_prime_import_sg_table), applied to any dma-buf: a
 * self-import makes a second object instead of returning the exported one.
 *
 * Return: the new object, or an ERR_PTR().
 */
struct drm_gem_object *vprime_fault_import(struct drm_device *dev,
					   struct dma_buf *dmabuf)
{
	struct dma_buf_attachment *attach;
	struct drm_gem_object *obj;
	struct sg_table *sgt;
	int ret;

	attach = dma_buf_attach(dmabuf, dev->dev);
	if (IS_ERR(attach))
		return ERR_CAST(attach);

	get_dma_buf(dmabuf);
	sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
	if (IS_ERR(sgt)) {
		ret = PTR_ERR(sgt);
		goto err_detach;
	}
	obj = dev->driver->gem_prime_import_sg_table(dev, attach, sgt);
	if (IS_ERR(obj)) {
		ret = PTR_ERR(obj);
		goto err_unmap;
	}
	obj->import_attach = attach;
	obj->resv = dmabuf->resv;
	return obj;

err_unmap:
	dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_BIDIRECTIONAL);
err_detach:
	dma_buf_detach(dmabuf, attach);
	dma_buf_put(dmabuf);
	return ERR_PTR(ret);
}

/*
 * PRIME ioctls: the faults that replace the core's fd/handle conversions,
 * through the hooks prime_hooks installs.
 */

/**
 * vprime_fault_fd_to_handle_uncached - import_bypass_cache: does fd to
 * handle skip the file's lookup cache?
 * @dev: the device
 *
 * Return: true when the caller must convert with
 * vprime_fault_fd_to_handle().
 */
bool vprime_fault_fd_to_handle_uncached(struct drm_device *dev)
{
	return vprime_fault(to_vprime_device(dev),
			    VPRIME_FAULT_IMPORT_BYPASS_CACHE);
}

/**
 * vprime_fault_fd_to_handle - fd to handle without the file's lookup cache
 * @dev: the importing device
 * @file: the importing DRM file
 * @fd: the dma-buf fd
 * @handle: the new handle
 *
 * drm_gem_prime_fd_to_handle() without the lookup cache of @file, so that
 * importing one dma-buf twice gives two handles.
 *
 * Return: 0 or a negative errno, as the core's helper does.
 */
int vprime_fault_fd_to_handle(struct drm_device *dev, struct drm_file *file,
			      int fd, u32 *handle)
{
	struct drm_gem_object *obj;
	struct dma_buf *dmabuf;
	int ret;

	dmabuf = dma_buf_get(fd);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);

	mutex_lock(&dev->object_name_lock);
	obj = dev->driver->gem_prime_import(dev, dmabuf);
	mutex_unlock(&dev->object_name_lock);
	if (IS_ERR(obj)) {
		ret = PTR_ERR(obj);
		goto out;
	}

	ret = drm_gem_handle_create(file, obj, handle);
	if (!ret) {
		/*
		 * Like the core, let the object hold the dma-buf while it has
		 * handles; a handle closed meanwhile by another thread may have
		 * taken the count back to 0, then there is nothing to hold.
		 */
		mutex_lock(&dev->object_name_lock);
		if (obj->handle_count && !obj->dma_buf) {
			obj->dma_buf = dmabuf;
			get_dma_buf(dmabuf);
		}
		mutex_unlock(&dev->object_name_lock);
	}
	drm_gem_object_put(obj);
out:
	dma_buf_put(dmabuf);
	return ret;
}

/**
 * vprime_fault_handle_to_fd_uncached - export_bypass_cache or
 * export_new_dmabuf: does handle to fd skip the file's lookup cache?
 * @dev: the device
 *
 * Return: true when the caller must convert with
 * vprime_fault_handle_to_fd().
 */
bool vprime_fault_handle_to_fd_uncached(struct drm_device *dev)
{
	struct vprime_device *vdev = to_vprime_device(dev);

	return vprime_fault(vdev, VPRIME_FAULT_EXPORT_NEW_DMABUF) ||
	       vprime_fault(vdev, VPRIME_FAULT_EXPORT_BYPASS_CACHE);
}

/**
 * vprime_fault_handle_to_fd - handle to fd without the file's lookup cache
 * @dev: the exporting device
 * @file: the DRM file holding @handle
 * @handle: the handle exported
 * @flags: flags of the dma-buf fd (DRM_CLOEXEC, DRM_RDWR)
 * @prime_fd: the new fd
 *
 * drm_gem_prime_handle_to_fd() without the lookup cache of @file: the
 * exported dma-buf is not added to it, so importing it back into the same
 * file creates a second handle for the object (export_bypass_cache). Under
 * export_new_dmabuf neither the cache nor &drm_gem_object.dma_buf is
 * consulted either: every call exports a new dma-buf, of an imported object
 * too; the first one still becomes the object's dma-buf.
 *
 * Return: 0 or a negative errno, as the core's helper does.
 */
int vprime_fault_handle_to_fd(struct drm_device *dev, struct drm_file *file,
			      u32 handle, u32 flags, int *prime_fd)
{
	bool reuse = !vprime_fault(to_vprime_device(dev),
				   VPRIME_FAULT_EXPORT_NEW_DMABUF);
	struct drm_gem_object *obj;
	struct dma_buf *dmabuf;
	int ret;

	obj = drm_gem_object_lookup(file, handle);
	if (!obj)
		return -ENOENT;

	mutex_lock(&dev->object_name_lock);
	if (reuse && obj->import_attach) {
		dmabuf = obj->import_attach->dmabuf;
		get_dma_buf(dmabuf);
	} else if (reuse && obj->dma_buf) {
		dmabuf = obj->dma_buf;
		get_dma_buf(dmabuf);
	} else if (!obj->handle_count) {
		/* raced with GEM_CLOSE */
		dmabuf = ERR_PTR(-ENOENT);
	} else if (obj->import_attach) {
		/* not the imported dma-buf: a new one, of the import itself */
		dmabuf = drm_gem_prime_export(obj, flags);
	} else {
		dmabuf = obj->funcs->export(obj, flags);
		if (!IS_ERR(dmabuf) && !obj->dma_buf) {
			/* the object's reference, dropped with its last handle */
			obj->dma_buf = dmabuf;
			get_dma_buf(dmabuf);
		}
	}
	mutex_unlock(&dev->object_name_lock);
	if (IS_ERR(dmabuf)) {
		ret = PTR_ERR(dmabuf);
		goto out;
	}

	ret = dma_buf_fd(dmabuf, flags);
	if (ret < 0) {
		dma_buf_put(dmabuf);
	} else {
		*prime_fd = ret;
		ret = 0;
	}
out:
	drm_gem_object_put(obj);
	return ret;
}
