// SPDX-License-Identifier: GPL-2.0
/*
 * vprime: a reference PRIME driver.
 *
 * vprime registers N DRM devices without hardware (module parameter
 * devices=N) whose buffer objects are plain pages, and shares them through
 * nothing but the kernel's PRIME helpers: drm_gem_prime_export() with the
 * core's &dma_buf_ops on the export side, drm_gem_prime_import() and
 * &drm_driver.gem_prime_import_sg_table on the import side. Every value a
 * test may want to compare against (GEM reference counts, handles, pins,
 * mappings, the PRIME lookup caches) is published in debugfs, and debugfs
 * knobs break one PRIME rule each so that detectors can be proven against a
 * real violation. docs/vprime.md is the reference for both; the faults
 * live apart in vprime_faults.c, called in one line from each path they
 * change.
 */

#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/dma-resv.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/iosys-map.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/xarray.h>

#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_ioctl.h>
#include <drm/drm_prime.h>
#include <drm/drm_print.h>

#include "compat.h"
#include "vprime_drm.h"
#include "vprime_drv.h"

#define DRIVER_NAME	"vprime"
#define DRIVER_DESC	"Reference PRIME driver with ground truth in debugfs"
#define DRIVER_DATE	"20250101"
#define DRIVER_MAJOR	1
#define DRIVER_MINOR	0

static unsigned int devices = 2;
module_param(devices, uint, 0444);
MODULE_PARM_DESC(devices, "Number of vprime devices (1-8, default 2)");

/*
 * vgem takes any dumb buffer the core lets through (below 4 GiB), its shmem
 * pages allocated on first use: vprime's default bound is the same, and
 * pages are allocated on first use too (see vprime_object_page()).
 */
#define VPRIME_MAX_SIZE_MB_LIMIT	65536
static unsigned int max_size_mb = 4096;
module_param(max_size_mb, uint, 0444);
MODULE_PARM_DESC(max_size_mb, "Largest buffer object in MiB (1-65536, default 4096)");

static bool prime_hooks = VPRIME_PRIME_HOOKS_REQUIRED;
module_param(prime_hooks, bool, 0444);
MODULE_PARM_DESC(prime_hooks,
		 "Route the PRIME ioctls through vprime's own drm_driver hooks (always on before 6.6, where the core requires them; needed by the *_bypass_cache and export_new_dmabuf faults)");

static struct vprime_device *vprime_devices[VPRIME_MAX_DEVICES];

/*
 * DRM_IOCTL_VPRIME_VMAP mappings of the whole module. Every one of an
 * import is a dma_buf_vmap() on the exporter, whose dma-buf counts them in
 * an unsigned int; an object takes VPRIME_VMAP_MAX, but any number of files
 * may import one dma-buf, so the module bounds their sum too.
 */
static atomic_t vprime_vmaps_total = ATOMIC_INIT(0);

/**
 * vprime_dma_buf_ino - inode number of a dma-buf
 * @dmabuf: the dma-buf, or NULL
 *
 * The number userspace sees with fstat() on a dma-buf fd and in
 * /proc/PID/fdinfo; it names a dma-buf in debugfs.
 *
 * Return: the inode number, 0 for NULL.
 */
unsigned long vprime_dma_buf_ino(struct dma_buf *dmabuf)
{
	return dmabuf ? file_inode(dmabuf->file)->i_ino : 0;
}

/*
 * Objects. Every object is on its device's list from creation (or import)
 * to the free callback; the id is how debugfs and userspace name it.
 */

static void vprime_object_add(struct vprime_device *vdev,
			      struct vprime_object *vobj)
{
	vobj->id = atomic_inc_return(&vdev->next_id);
	mutex_lock(&vdev->objects_lock);
	list_add_tail(&vobj->link, &vdev->objects);
	mutex_unlock(&vdev->objects_lock);
}

static void vprime_object_del(struct vprime_object *vobj)
{
	struct vprime_device *vdev = to_vprime_device(vobj->base.dev);

	mutex_lock(&vdev->objects_lock);
	list_del(&vobj->link);
	mutex_unlock(&vdev->objects_lock);
}

/*
 * GEM object functions of the objects vprime allocates.
 */

/*
 * Pages. Like shmem under vgem, an object's pages are allocated on first use:
 * one at a time by the CPU fault handler, all of them by whatever needs the
 * whole object (pin for an importer, get_sg_table, vmap). They are charged to
 * the memory cgroup of the task whose use allocates them (__GFP_ACCOUNT), and
 * only freed with the object. Allocation takes no lock: two racing users of
 * one page keep the first page stored.
 */
static struct page *vprime_object_page(struct vprime_object *vobj, pgoff_t i)
{
	struct vprime_device *vdev = to_vprime_device(vobj->base.dev);
	struct page *page = READ_ONCE(vobj->pages[i]);

	if (page)
		return page;
	page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO | __GFP_NOWARN |
			  __GFP_RETRY_MAYFAIL);
	if (!page)
		return NULL;
	if (cmpxchg(&vobj->pages[i], NULL, page)) {
		__free_page(page);
		return READ_ONCE(vobj->pages[i]);
	}
	atomic_inc(&vobj->allocated);
	atomic_long_inc(&vdev->pages);
	return page;
}

/* allocate every page of @vobj; the ones allocated stay on failure */
static int vprime_object_populate(struct vprime_object *vobj)
{
	unsigned int i;

	if (atomic_read(&vobj->allocated) == vobj->npages)
		return 0;
	for (i = 0; i < vobj->npages; i++) {
		if (!vprime_object_page(vobj, i))
			return -ENOMEM;
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	return 0;
}

static void vprime_object_free_pages(struct vprime_object *vobj)
{
	struct vprime_device *vdev = to_vprime_device(vobj->base.dev);
	unsigned int i;

	for (i = 0; i < vobj->npages; i++) {
		if (vobj->pages[i])
			__free_page(vobj->pages[i]);
		if (!(i & 1023))
			cond_resched();
	}
	atomic_long_sub(atomic_read(&vobj->allocated), &vdev->pages);
	kvfree(vobj->pages);
}

/*
 * Kernel mappings taken by DRM_IOCTL_VPRIME_VMAP, counted per DRM file
 * (client id) apart from &vprime_object.vmap_count, which the dma-buf core
 * shares: a file can only give back what it took. Under
 * &vprime_object.vmap_lock.
 */
static int vprime_vmap_get(struct vprime_object *vobj, u32 client)
{
	struct vprime_device *vdev = to_vprime_device(vobj->base.dev);
	unsigned long n;
	void *entry;
	int ret;

	if (vobj->ioctl_vmaps >= VPRIME_VMAP_MAX)
		return -ENOSPC;
	if (atomic_inc_return(&vprime_vmaps_total) > VPRIME_VMAP_MAX_TOTAL) {
		atomic_dec(&vprime_vmaps_total);
		return -ENOSPC;
	}
	entry = xa_load(&vobj->vmap_files, client);
	n = entry ? xa_to_value(entry) : 0;
	ret = xa_err(xa_store(&vobj->vmap_files, client, xa_mk_value(n + 1),
			      GFP_KERNEL_ACCOUNT));
	if (ret) {
		atomic_dec(&vprime_vmaps_total);
		return ret;
	}
	vobj->ioctl_vmaps++;
	atomic_inc(&vdev->vmaps);
	return 0;
}

static int vprime_vmap_put(struct vprime_object *vobj, u32 client)
{
	struct vprime_device *vdev = to_vprime_device(vobj->base.dev);
	void *entry = xa_load(&vobj->vmap_files, client);
	unsigned long n = entry ? xa_to_value(entry) : 0;

	if (!n)
		return -EINVAL;
	if (n == 1)
		xa_erase(&vobj->vmap_files, client);
	else	/* replaces an entry in place: allocates nothing */
		xa_store(&vobj->vmap_files, client, xa_mk_value(n - 1),
			 GFP_KERNEL);
	vobj->ioctl_vmaps--;
	atomic_dec(&vprime_vmaps_total);
	atomic_dec(&vdev->vmaps);
	return 0;
}

/* the object is being freed: whatever files still map it, they lose it */
static void vprime_vmap_forget(struct vprime_object *vobj)
{
	struct vprime_device *vdev = to_vprime_device(vobj->base.dev);

	atomic_sub(vobj->ioctl_vmaps, &vprime_vmaps_total);
	atomic_sub(vobj->ioctl_vmaps, &vdev->vmaps);
	vobj->ioctl_vmaps = 0;
	xa_destroy(&vobj->vmap_files);
}

static void vprime_gem_free(struct drm_gem_object *obj)
{
	struct vprime_object *vobj = to_vprime_object(obj);

	vprime_object_del(vobj);

	/* kernel mappings nobody gave back die with the object */
	if (vobj->vmap_count)
		vunmap(vobj->vmap.vaddr);
	vprime_vmap_forget(vobj);
	vprime_object_free_pages(vobj);
	drm_gem_object_release(obj);
	kfree(vobj);
}

/*
 * The export callback is drm_gem_prime_export(): the dma-buf gets the core's
 * drm_gem_prime_dmabuf_ops (attach/detach, map/unmap, vmap, mmap, release),
 * which is what makes self-import detection in drm_gem_prime_import_dev()
 * work. vprime only wraps it for the export_extra_ref fault.
 */
static struct dma_buf *vprime_gem_export(struct drm_gem_object *obj, int flags)
{
	struct dma_buf *dmabuf;

	dmabuf = drm_gem_prime_export(obj, flags);
	return vprime_fault_export(obj, dmabuf);
}

/*
 * Called by drm_gem_map_attach() for every attachment of our dma-buf. The
 * importer will map every page: allocate them now; they never move, so the
 * pin itself is only counted. Objects without get_sg_table are refused here
 * too, see compat.h.
 */
static int vprime_gem_pin(struct drm_gem_object *obj)
{
	struct vprime_object *vobj = to_vprime_object(obj);
	int ret;

	if (!obj->funcs->get_sg_table)
		return VPRIME_ERR_NO_SG_TABLE;
	ret = vprime_object_populate(vobj);
	if (ret)
		return ret;
	atomic_inc(&vobj->pins);
	return 0;
}

static void vprime_gem_unpin(struct drm_gem_object *obj)
{
	struct vprime_object *vobj = to_vprime_object(obj);

	if (vprime_fault_skip_unpin(obj))
		return;
	atomic_dec(&vobj->pins);
}

static struct sg_table *vprime_gem_get_sg_table(struct drm_gem_object *obj)
{
	struct vprime_object *vobj = to_vprime_object(obj);
	int ret;

	ret = vprime_object_populate(vobj);
	if (ret)
		return ERR_PTR(ret);
	return drm_prime_pages_to_sg(obj->dev, vobj->pages, vobj->npages);
}

/*
 * Kernel mappings are shared and counted: the first vmap maps the pages, the
 * last vunmap unmaps them. Called with the reservation lock held (from
 * drm_gem_dmabuf_vmap() and from DRM_IOCTL_VPRIME_VMAP); @vmap_lock also
 * covers 6.1, where the dma-buf core holds only its own lock.
 */
static int vprime_gem_vmap(struct drm_gem_object *obj, struct iosys_map *map)
{
	struct vprime_object *vobj = to_vprime_object(obj);
	void *vaddr;
	int ret;

	mutex_lock(&vobj->vmap_lock);
	if (!vobj->vmap_count) {
		ret = vprime_object_populate(vobj);
		if (ret) {
			mutex_unlock(&vobj->vmap_lock);
			return ret;
		}
		vaddr = vmap(vobj->pages, vobj->npages, VM_MAP, PAGE_KERNEL);
		if (!vaddr) {
			mutex_unlock(&vobj->vmap_lock);
			return -ENOMEM;
		}
		iosys_map_set_vaddr(&vobj->vmap, vaddr);
	}
	vobj->vmap_count++;
	*map = vobj->vmap;
	mutex_unlock(&vobj->vmap_lock);
	return 0;
}

static void vprime_gem_vunmap(struct drm_gem_object *obj,
			      struct iosys_map *map)
{
	struct vprime_object *vobj = to_vprime_object(obj);

	mutex_lock(&vobj->vmap_lock);
	if (vobj->vmap_count && !--vobj->vmap_count) {
		vunmap(vobj->vmap.vaddr);
		iosys_map_clear(&vobj->vmap);
	}
	mutex_unlock(&vobj->vmap_lock);
}

/* the page of the object a faulting address falls in */
static pgoff_t vprime_vma_pgoff(struct vm_area_struct *vma,
				  unsigned long address)
{
	struct drm_gem_object *obj = vma->vm_private_data;

	/*
	 * vm_pgoff holds the fake offset of the object (drm_gem_mmap(), and
	 * drm_gem_prime_mmap() adds it for dma-buf mappings) plus the page the
	 * mapping starts at.
	 */
	return ((address - vma->vm_start) >> PAGE_SHIFT) + vma->vm_pgoff -
	       drm_vma_node_start(&obj->vma_node);
}

/**
 * vprime_gem_insert - map a page of the object into a faulting VMA
 * @vmf: the CPU fault
 * @shift: 0 for the page the address falls in; the page that many pages
 *         after it (wrapping) for dmabuf_mmap_wrong_page
 *
 * Allocates the page on first use.
 *
 * Return: what a &vm_operations_struct.fault handler returns.
 */
vm_fault_t vprime_gem_insert(struct vm_fault *vmf, pgoff_t shift)
{
	struct vm_area_struct *vma = vmf->vma;
	struct vprime_object *vobj = to_vprime_object(vma->vm_private_data);
	pgoff_t pgoff = vprime_vma_pgoff(vma, vmf->address);
	struct page *page;

	if (pgoff >= vobj->npages)
		return VM_FAULT_SIGBUS;
	pgoff = (pgoff + shift) % vobj->npages;
	page = vprime_object_page(vobj, pgoff);
	if (!page)
		return VM_FAULT_OOM;
	return vmf_insert_pfn(vma, vmf->address, page_to_pfn(page));
}

static vm_fault_t vprime_gem_fault(struct vm_fault *vmf)
{
	return vprime_gem_insert(vmf, 0);
}

/**
 * vprime_gem_vm_open - a VMA of the object appears
 * @vma: the new VMA
 *
 * A VMA holds a GEM reference (drm_gem_vm_open/close) and counts as one
 * mapping; fork() and partial munmap() call .open for the new VMA.
 */
void vprime_gem_vm_open(struct vm_area_struct *vma)
{
	struct vprime_object *vobj = to_vprime_object(vma->vm_private_data);

	atomic_inc(&vobj->mmaps);
	drm_gem_vm_open(vma);
}

/**
 * vprime_gem_vm_close - a VMA of the object goes away
 * @vma: the VMA
 *
 * Drops what vprime_gem_vm_open() took, and may free the object.
 */
void vprime_gem_vm_close(struct vm_area_struct *vma)
{
	struct vprime_object *vobj = to_vprime_object(vma->vm_private_data);

	/* before the put: it may free the object */
	atomic_dec(&vobj->mmaps);
	drm_gem_vm_close(vma);
}

static const struct vm_operations_struct vprime_gem_vm_ops = {
	.fault = vprime_gem_fault,
	.open = vprime_gem_vm_open,
	.close = vprime_gem_vm_close,
};

/*
 * Both mmap() of the DRM fd (drm_gem_mmap_obj()) and of a dma-buf fd
 * (drm_gem_dmabuf_mmap() -> drm_gem_prime_mmap()) end here, after the core
 * took the GEM reference the VMA holds and set our vm_ops. The two tell
 * apart by the file mapped: the DRM file has the driver's fops.
 */
static int vprime_gem_mmap(struct drm_gem_object *obj,
			   struct vm_area_struct *vma)
{
	struct vprime_object *vobj = to_vprime_object(obj);
	u64 first = vma->vm_pgoff - drm_vma_node_start(&obj->vma_node);

	/* private writable mappings would need COW of PFN-mapped pages */
	if (vprime_vma_is_cow(vma))
		return -EINVAL;
	if (first >= vobj->npages || vma_pages(vma) > vobj->npages - first)
		return -EINVAL;

	vprime_fault_mmap(obj, vma);
	vprime_vm_flags_set(vma, VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_page_prot = vm_get_page_prot(vma->vm_flags);
	atomic_inc(&vobj->mmaps);
	return 0;
}

static const struct drm_gem_object_funcs vprime_gem_funcs = {
	.free = vprime_gem_free,
	.export = vprime_gem_export,
	.pin = vprime_gem_pin,
	.unpin = vprime_gem_unpin,
	.get_sg_table = vprime_gem_get_sg_table,
	.vmap = vprime_gem_vmap,
	.vunmap = vprime_gem_vunmap,
	.mmap = vprime_gem_mmap,
	.vm_ops = &vprime_gem_vm_ops,
};

/*
 * Objects created without get_sg_table (VPRIME_CREATE_NO_SG, or the
 * no_get_sg_table fault): the same object, unable to be mapped by another
 * device.
 */
static const struct drm_gem_object_funcs vprime_gem_funcs_no_sg = {
	.free = vprime_gem_free,
	.export = vprime_gem_export,
	.pin = vprime_gem_pin,
	.unpin = vprime_gem_unpin,
	.vmap = vprime_gem_vmap,
	.vunmap = vprime_gem_vunmap,
	.mmap = vprime_gem_mmap,
	.vm_ops = &vprime_gem_vm_ops,
};

static struct vprime_object *vprime_object_create(struct vprime_device *vdev,
						  u64 size, bool no_sg)
{
	struct vprime_object *vobj;
	int ret;

	if (!size)
		return ERR_PTR(-EINVAL);
	if (size > (u64)max_size_mb << 20)
		return ERR_PTR(-E2BIG);
	size = PAGE_ALIGN(size);

	vobj = kzalloc(sizeof(*vobj), GFP_KERNEL_ACCOUNT);
	if (!vobj)
		return ERR_PTR(-ENOMEM);
	vobj->npages = size >> PAGE_SHIFT;
	/* only the page array now, the pages on first use */
	vobj->pages = kvcalloc(vobj->npages, sizeof(*vobj->pages),
			       GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!vobj->pages) {
		ret = -ENOMEM;
		goto err_free;
	}

	vobj->no_sg = no_sg || vprime_fault_no_sg(vdev);
	vobj->base.funcs = vobj->no_sg ? &vprime_gem_funcs_no_sg :
					 &vprime_gem_funcs;
	drm_gem_private_object_init(&vdev->drm, &vobj->base, size);
	/*
	 * The fake offset exists from the start: drm_gem_prime_mmap() adds it
	 * to a dma-buf mapping's vm_pgoff, and the fault handler subtracts it
	 * again, so it must not appear while such a mapping exists.
	 */
	ret = drm_gem_create_mmap_offset(&vobj->base);
	if (ret) {
		drm_gem_object_release(&vobj->base);
		kvfree(vobj->pages);
		goto err_free;
	}
	mutex_init(&vobj->vmap_lock);
	xa_init(&vobj->vmap_files);
	vprime_object_add(vdev, vobj);
	return vobj;

err_free:
	kfree(vobj);
	return ERR_PTR(ret);
}

/* create an object and a handle to it; the handle holds the only reference */
static int vprime_create_handle(struct drm_file *file, struct drm_device *dev,
				u64 size, bool no_sg, u32 *handle, u64 *size_out,
				u32 *id)
{
	struct vprime_object *vobj;
	int ret;

	vobj = vprime_object_create(to_vprime_device(dev), size, no_sg);
	if (IS_ERR(vobj))
		return PTR_ERR(vobj);

	ret = drm_gem_handle_create(file, &vobj->base, handle);
	if (!ret) {
		*size_out = vobj->base.size;
		if (id)
			*id = vobj->id;
	}
	drm_gem_object_put(&vobj->base);
	return ret;
}

static int vprime_dumb_create(struct drm_file *file, struct drm_device *dev,
			      struct drm_mode_create_dumb *args)
{
	/* drm_mode_create_dumb() checked that this fits in 32 bits */
	u32 pitch = args->width * DIV_ROUND_UP(args->bpp, 8);
	u64 size;
	int ret;

	ret = vprime_create_handle(file, dev, (u64)pitch * args->height, false,
				   &args->handle, &size, NULL);
	if (ret)
		return ret;
	args->pitch = pitch;
	args->size = size;
	return 0;
}

/*
 * Import. Another device's dma-buf becomes an object without pages of its
 * own: drm_gem_prime_import_dev() attaches, maps the attachment and hands
 * the sg_table to vprime_gem_prime_import_sg_table(); the free callback
 * gives all of it back with drm_prime_gem_destroy().
 */

static void vprime_gem_import_free(struct drm_gem_object *obj)
{
	struct vprime_object *vobj = to_vprime_object(obj);
	struct dma_buf *dmabuf = obj->import_attach->dmabuf;
	struct iosys_map map;

	vprime_object_del(vobj);

	/*
	 * dma_buf_release() insists that every vmap was given back; there are
	 * at most VPRIME_VMAP_MAX
	 */
	for (; vobj->vmap_count; vobj->vmap_count--) {
		map = vobj->vmap;
		vprime_dma_buf_vunmap(dmabuf, &map);
		cond_resched();
	}
	vprime_vmap_forget(vobj);

	if (!vprime_fault_skip_prime_destroy(vobj))
		drm_prime_gem_destroy(obj, vobj->sgt);

	kvfree(vobj->dma_addrs);
	drm_gem_object_release(obj);
	kfree(vobj);
}

/*
 * An import is exported only under export_new_dmabuf, which makes a dma-buf
 * of the import itself instead of handing back the imported one. Such a
 * dma-buf has no pages behind it: attaching is refused as for an object
 * without get_sg_table (6.12 on, drm_gem_map_attach() does so itself), and
 * so is mapping it.
 */
static int vprime_gem_import_pin(struct drm_gem_object *obj)
{
	return VPRIME_ERR_NO_SG_TABLE;
}

static int vprime_gem_import_mmap(struct drm_gem_object *obj,
				  struct vm_area_struct *vma)
{
	return -EINVAL;
}

static const struct drm_gem_object_funcs vprime_gem_import_funcs = {
	.free = vprime_gem_import_free,
	.pin = vprime_gem_import_pin,
	.mmap = vprime_gem_import_mmap,
};

static void vprime_exporter_name(struct dma_buf *dmabuf, char *name,
				 size_t len)
{
	struct drm_gem_object *exported;

	/*
	 * Every GEM export names itself "drm" in exp_name; its release is
	 * drm_gem_dmabuf_release() and its priv the exported object, whose
	 * device the dma-buf keeps alive.
	 */
	if (dmabuf->ops->release == drm_gem_dmabuf_release) {
		exported = dmabuf->priv;
		strscpy(name, exported->dev->driver->name, len);
	} else {
		strscpy(name, dmabuf->exp_name ?: "?", len);
	}
}

static struct drm_gem_object *
vprime_gem_prime_import_sg_table(struct drm_device *dev,
				 struct dma_buf_attachment *attach,
				 struct sg_table *sgt)
{
	size_t size = attach->dmabuf->size;
	struct vprime_object *vobj;
	int ret;

	if (!size || !PAGE_ALIGNED(size))
		return ERR_PTR(-EINVAL);

	vobj = kzalloc(sizeof(*vobj), GFP_KERNEL);
	if (!vobj)
		return ERR_PTR(-ENOMEM);
	vobj->npages = size >> PAGE_SHIFT;
	vobj->dma_addrs = kvmalloc_array(vobj->npages, sizeof(dma_addr_t),
					 GFP_KERNEL);
	if (!vobj->dma_addrs) {
		ret = -ENOMEM;
		goto err_free;
	}
	ret = drm_prime_sg_to_dma_addr_array(sgt, vobj->dma_addrs,
					     vobj->npages);
	if (ret) {
		ret = -EINVAL;
		goto err_free;
	}
	vobj->contig = drm_prime_get_contiguous_size(sgt);
	vobj->sgt = sgt;
	vprime_exporter_name(attach->dmabuf, vobj->exporter,
			     sizeof(vobj->exporter));

	vobj->base.funcs = &vprime_gem_import_funcs;
	drm_gem_private_object_init(dev, &vobj->base, size);
	/* a lock class of its own: it is held while the exporter's is taken */
	mutex_init(&vobj->vmap_lock);
	xa_init(&vobj->vmap_files);
	vprime_object_add(to_vprime_device(dev), vobj);
	return &vobj->base;

err_free:
	kvfree(vobj->dma_addrs);
	kfree(vobj);
	return ERR_PTR(ret);
}

/*
 * Called with &drm_device.object_name_lock held, by the core's
 * drm_gem_prime_fd_to_handle() and by the import_bypass_cache fault: the
 * core's drm_gem_prime_import(), unless a fault makes the import of @dmabuf
 * one of a foreign dma-buf (no_self_import, and the dma-bufs that
 * export_new_dmabuf made in excess, see vprime_fault_import_foreign()).
 */
static struct drm_gem_object *vprime_gem_prime_import(struct drm_device *dev,
						      struct dma_buf *dmabuf)
{
	if (vprime_fault_import_foreign(dev, dmabuf))
		return vprime_fault_import(dev, dmabuf);
	return drm_gem_prime_import(dev, dmabuf);
}

/*
 * PRIME hooks, installed when prime_hooks is set (always before 6.6): the
 * core's drm_gem_prime_fd_to_handle() and drm_gem_prime_handle_to_fd(),
 * unless a fault replaces them (the two *_bypass_cache, export_new_dmabuf).
 */

static int vprime_prime_fd_to_handle(struct drm_device *dev,
				     struct drm_file *file, int fd, u32 *handle)
{
	if (vprime_fault_fd_to_handle_uncached(dev))
		return vprime_fault_fd_to_handle(dev, file, fd, handle);
	return drm_gem_prime_fd_to_handle(dev, file, fd, handle);
}

static int vprime_prime_handle_to_fd(struct drm_device *dev,
				     struct drm_file *file, u32 handle,
				     u32 flags, int *prime_fd)
{
	if (vprime_fault_handle_to_fd_uncached(dev))
		return vprime_fault_handle_to_fd(dev, file, handle, flags,
						 prime_fd);
	return drm_gem_prime_handle_to_fd(dev, file, handle, flags, prime_fd);
}

/*
 * Files. Each open DRM file gets a client id, so that debugfs 'files' can
 * tell apart two files of one process.
 */

struct vprime_file {
	u32 client;
};

static int vprime_open(struct drm_device *dev, struct drm_file *file)
{
	struct vprime_file *vfile;

	vfile = kzalloc(sizeof(*vfile), GFP_KERNEL);
	if (!vfile)
		return -ENOMEM;
	vfile->client = atomic_inc_return(&to_vprime_device(dev)->next_client);
	file->driver_priv = vfile;
	return 0;
}

static void vprime_postclose(struct drm_device *dev, struct drm_file *file)
{
	kfree(file->driver_priv);
}

/**
 * vprime_file_client - the client id debugfs shows for a DRM file
 * @file: an open vprime DRM file
 *
 * Return: the id, 0 before vprime_open() set it up.
 */
u32 vprime_file_client(struct drm_file *file)
{
	struct vprime_file *vfile = file->driver_priv;

	return vfile ? vfile->client : 0;
}

/*
 * Driver ioctls.
 */

static int vprime_create_ioctl(struct drm_device *dev, void *data,
			       struct drm_file *file)
{
	struct drm_vprime_create *args = data;

	if ((args->flags & ~VPRIME_CREATE_NO_SG) || args->pad)
		return -EINVAL;
	return vprime_create_handle(file, dev, args->size,
				    args->flags & VPRIME_CREATE_NO_SG,
				    &args->handle, &args->size, &args->id);
}

static int vprime_map_offset_ioctl(struct drm_device *dev, void *data,
				   struct drm_file *file)
{
	struct drm_vprime_map_offset *args = data;
	struct drm_gem_object *obj;
	int ret = 0;

	if (args->pad)
		return -EINVAL;
	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj)
		return -ENOENT;

	/* objects vprime allocated have their offset since creation */
	if (obj->import_attach)
		ret = -EINVAL;
	else
		args->offset = drm_vma_node_offset_addr(&obj->vma_node);
	drm_gem_object_put(obj);
	return ret;
}

static int vprime_info_ioctl(struct drm_device *dev, void *data,
			     struct drm_file *file)
{
	struct drm_vprime_info *args = data;
	struct drm_gem_object *obj;
	struct vprime_object *vobj;

	/* no input flag has a meaning yet */
	if (args->flags)
		return -EINVAL;
	args->client = vprime_file_client(file);
	args->flags = 0;
	args->size = 0;
	args->id = 0;
	if (!args->handle)
		return 0;

	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj)
		return -ENOENT;
	vobj = to_vprime_object(obj);
	args->id = vobj->id;
	args->size = obj->size;
	if (obj->import_attach)
		args->flags |= VPRIME_INFO_IMPORTED;
	if (vobj->no_sg)
		args->flags |= VPRIME_INFO_NO_SG;
	drm_gem_object_put(obj);
	return 0;
}

/*
 * DRM_IOCTL_VPRIME_VMAP: one kernel mapping for the calling file, counted in
 * its own entry of &vprime_object.vmap_files so that VUNMAP gives back only
 * what the file took, never the dma-buf core's mapping of an importer nor
 * another file's.
 */
static int vprime_vmap_ioctl(struct drm_device *dev, void *data,
			     struct drm_file *file)
{
	struct drm_vprime_vmap *args = data;
	u32 client = vprime_file_client(file);
	struct drm_gem_object *obj;
	struct vprime_object *vobj;
	struct iosys_map map;
	int ret;

	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj)
		return -ENOENT;
	vobj = to_vprime_object(obj);
	if (args->offset > obj->size - sizeof(args->value)) {
		ret = -EINVAL;
		goto out;
	}

	if (obj->import_attach) {
		/* through the exporter: drm_gem_dmabuf_vmap() for GEM ones */
		mutex_lock(&vobj->vmap_lock);
		ret = vprime_vmap_get(vobj, client);
		if (!ret) {
			ret = vprime_dma_buf_vmap(obj->import_attach->dmabuf,
						  &map);
			if (ret) {
				vprime_vmap_put(vobj, client);
			} else {
				vobj->vmap = map;
				vobj->vmap_count++;
			}
		}
		mutex_unlock(&vobj->vmap_lock);
	} else {
		/* the reservation lock orders this against VUNMAP */
		dma_resv_lock(obj->resv, NULL);
		mutex_lock(&vobj->vmap_lock);
		ret = vprime_vmap_get(vobj, client);
		mutex_unlock(&vobj->vmap_lock);
		if (!ret) {
			ret = obj->funcs->vmap(obj, &map);
			if (ret) {
				mutex_lock(&vobj->vmap_lock);
				vprime_vmap_put(vobj, client);
				mutex_unlock(&vobj->vmap_lock);
			}
		}
		dma_resv_unlock(obj->resv);
	}
	if (!ret)
		iosys_map_memcpy_from(&args->value, &map, args->offset,
				      sizeof(args->value));
out:
	drm_gem_object_put(obj);
	return ret;
}

static int vprime_vunmap_ioctl(struct drm_device *dev, void *data,
			       struct drm_file *file)
{
	struct drm_vprime_vmap *args = data;
	u32 client = vprime_file_client(file);
	struct drm_gem_object *obj;
	struct vprime_object *vobj;
	struct iosys_map map;
	int ret;

	/* no meaning for VUNMAP yet */
	if (args->offset || args->value)
		return -EINVAL;
	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj)
		return -ENOENT;
	vobj = to_vprime_object(obj);

	if (obj->import_attach) {
		mutex_lock(&vobj->vmap_lock);
		ret = vprime_vmap_put(vobj, client);
		if (!ret) {
			/* a copy: the exporter's vunmap clears the map given */
			map = vobj->vmap;
			vprime_dma_buf_vunmap(obj->import_attach->dmabuf, &map);
			vobj->vmap_count--;
		}
		mutex_unlock(&vobj->vmap_lock);
	} else {
		dma_resv_lock(obj->resv, NULL);
		mutex_lock(&vobj->vmap_lock);
		ret = vprime_vmap_put(vobj, client);
		map = vobj->vmap;
		mutex_unlock(&vobj->vmap_lock);
		if (!ret)
			obj->funcs->vunmap(obj, &map);
		dma_resv_unlock(obj->resv);
	}
	drm_gem_object_put(obj);
	return ret;
}

static const struct drm_ioctl_desc vprime_ioctls[] = {
	DRM_IOCTL_DEF_DRV(VPRIME_CREATE, vprime_create_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VPRIME_MAP_OFFSET, vprime_map_offset_ioctl,
			  DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VPRIME_INFO, vprime_info_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VPRIME_VMAP, vprime_vmap_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VPRIME_VUNMAP, vprime_vunmap_ioctl, DRM_RENDER_ALLOW),
};

DEFINE_DRM_GEM_FOPS(vprime_fops);

/* module-wide; vprime_init() adds the PRIME hooks before any device exists */
static struct drm_driver vprime_driver __ro_after_init = {
	.driver_features = DRIVER_GEM | DRIVER_RENDER,
	.open = vprime_open,
	.postclose = vprime_postclose,
	.ioctls = vprime_ioctls,
	.num_ioctls = ARRAY_SIZE(vprime_ioctls),
	.fops = &vprime_fops,
	.dumb_create = vprime_dumb_create,
	.gem_prime_import = vprime_gem_prime_import,
	.gem_prime_import_sg_table = vprime_gem_prime_import_sg_table,
	VPRIME_DRIVER_GEM_PRIME_MMAP
	.name = DRIVER_NAME,
	.desc = DRIVER_DESC,
	VPRIME_DRIVER_DATE(DRIVER_DATE)
	.major = DRIVER_MAJOR,
	.minor = DRIVER_MINOR,
};

/*
 * Devices: a platform device each, as vgem does; 64-bit DMA so that
 * importers can map any page.
 */

static struct vprime_device *vprime_device_create(unsigned int index)
{
	struct platform_device *pdev;
	struct vprime_device *vdev;
	int ret;

	pdev = platform_device_register_simple(DRIVER_NAME, index, NULL, 0);
	if (IS_ERR(pdev))
		return ERR_CAST(pdev);

	if (!devres_open_group(&pdev->dev, NULL, GFP_KERNEL)) {
		ret = -ENOMEM;
		goto err_unregister;
	}
	ret = dma_coerce_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (ret)
		goto err_devres;

	vdev = devm_drm_dev_alloc(&pdev->dev, &vprime_driver,
				  struct vprime_device, drm);
	if (IS_ERR(vdev)) {
		ret = PTR_ERR(vdev);
		goto err_devres;
	}
	vdev->pdev = pdev;
	vdev->index = index;
	mutex_init(&vdev->objects_lock);
	INIT_LIST_HEAD(&vdev->objects);
	vprime_faults_init(vdev);

	ret = drm_dev_register(&vdev->drm, 0);
	if (ret)
		goto err_devres;

	vprime_debugfs_register(vdev);
	return vdev;

err_devres:
	devres_release_group(&pdev->dev, NULL);
err_unregister:
	platform_device_unregister(pdev);
	return ERR_PTR(ret);
}

static void vprime_device_destroy(struct vprime_device *vdev)
{
	struct platform_device *pdev = vdev->pdev;

	vprime_debugfs_unregister(vdev);
	/*
	 * Open files, live dma-bufs and mappings hold the module, so only
	 * references leaked on purpose can be left: give them back.
	 */
	vprime_leaks_reclaim(vdev);

	drm_dev_unregister(&vdev->drm);
	devres_release_group(&pdev->dev, NULL);
	platform_device_unregister(pdev);
}

static void vprime_destroy_all(void)
{
	int i;

	for (i = VPRIME_MAX_DEVICES - 1; i >= 0; i--) {
		if (vprime_devices[i])
			vprime_device_destroy(vprime_devices[i]);
		vprime_devices[i] = NULL;
	}
}

static int __init vprime_init(void)
{
	struct vprime_device *vdev;
	unsigned int i;

	if (!devices || devices > VPRIME_MAX_DEVICES) {
		pr_err("vprime: devices=%u out of range (1-%d)\n", devices,
		       VPRIME_MAX_DEVICES);
		return -EINVAL;
	}
	if (!max_size_mb || max_size_mb > VPRIME_MAX_SIZE_MB_LIMIT) {
		pr_err("vprime: max_size_mb=%u out of range (1-%d)\n",
		       max_size_mb, VPRIME_MAX_SIZE_MB_LIMIT);
		return -EINVAL;
	}
	if (VPRIME_PRIME_HOOKS_REQUIRED && !prime_hooks) {
		pr_info("vprime: prime_hooks=0 ignored: this kernel requires the hooks\n");
		prime_hooks = true;
	}
	if (prime_hooks) {
		vprime_driver.prime_handle_to_fd = vprime_prime_handle_to_fd;
		vprime_driver.prime_fd_to_handle = vprime_prime_fd_to_handle;
	}

	vprime_debugfs_init();
	for (i = 0; i < devices; i++) {
		vdev = vprime_device_create(i);
		if (IS_ERR(vdev)) {
			vprime_destroy_all();
			vprime_debugfs_fini();
			return PTR_ERR(vdev);
		}
		vprime_devices[i] = vdev;
	}
	return 0;
}

static void __exit vprime_exit(void)
{
	vprime_destroy_all();
	vprime_debugfs_fini();
}

module_init(vprime_init);
module_exit(vprime_exit);

MODULE_DESCRIPTION(DRIVER_DESC);
MODULE_LICENSE("GPL");
VPRIME_IMPORT_NS_DMA_BUF();
