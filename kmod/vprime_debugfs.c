// SPDX-License-Identifier: GPL-2.0
/*
 * vprime ground truth: /sys/kernel/debug/vprime/<instance>/
 *
 * card            the instance's node names ("card1 renderD129")
 * objects         every live object: GEM refcount, handles, dma-buf, pins,
 *                 kernel and userspace mappings, pages allocated
 * totals          the instance's objects, pages, DRM_IOCTL_VPRIME_VMAP
 *                 mappings and leaks, one "name N" line each
 * files           every open DRM file and its PRIME lookup cache
 * imports         imported objects: exporter, pages, DMA contiguity
 * leaks           references leaked by faults; write 1 to give them back
 * faults/<name>   0/1 knobs breaking one PRIME rule each
 * selftest_warn   write 1 for exactly one kernel WARN
 *
 * docs/vprime.md documents every line format; tests and primetrace parse
 * them, so they only ever grow at the end of a line.
 */

#include <linux/debugfs.h>
#include <linux/dma-buf.h>
#include <linux/idr.h>
#include <linux/kernel.h>
#include <linux/pid.h>
#include <linux/rbtree.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>

#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_print.h>

#include "compat.h"
#include "vprime_drv.h"

static struct dentry *vprime_debugfs_root;

/*
 * objects: taken under &drm_device.object_name_lock, which protects
 * &drm_gem_object.handle_count and .dma_buf, then our list lock (the order
 * the import path takes them in).
 */
static int objects_show(struct seq_file *m, void *unused)
{
	struct vprime_device *vdev = m->private;
	struct vprime_object *vobj;
	struct drm_gem_object *obj;
	unsigned int n = 0;

	mutex_lock(&vdev->drm.object_name_lock);
	mutex_lock(&vdev->objects_lock);
	list_for_each_entry(vobj, &vdev->objects, link)
		n++;
	seq_printf(m, "objects %u\n", n);
	list_for_each_entry(vobj, &vdev->objects, link) {
		obj = &vobj->base;
		seq_printf(m, "obj id=%u size=%zu refcount=%u handles=%u dmabuf=%lu import=%s pins=%d vmaps=%u mmaps=%d pages=%d\n",
			   vobj->id, obj->size, kref_read(&obj->refcount),
			   obj->handle_count, vprime_dma_buf_ino(obj->dma_buf),
			   vobj->exporter[0] ? vobj->exporter : "-",
			   atomic_read(&vobj->pins), READ_ONCE(vobj->vmap_count),
			   atomic_read(&vobj->mmaps),
			   atomic_read(&vobj->allocated));
	}
	mutex_unlock(&vdev->objects_lock);
	mutex_unlock(&vdev->drm.object_name_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(objects);

/* totals: what a leak check compares with 0 after a run */
static int totals_show(struct seq_file *m, void *unused)
{
	struct vprime_device *vdev = m->private;
	struct vprime_object *vobj;
	struct vprime_leak *leak;
	unsigned int objects = 0, leaks = 0;

	mutex_lock(&vdev->objects_lock);
	list_for_each_entry(vobj, &vdev->objects, link)
		objects++;
	mutex_unlock(&vdev->objects_lock);
	mutex_lock(&vdev->leaks_lock);
	list_for_each_entry(leak, &vdev->leaks, link)
		leaks++;
	mutex_unlock(&vdev->leaks_lock);
	seq_printf(m, "objects %u\npages %ld\nvmaps %d\nleaks %u\n", objects,
		   atomic_long_read(&vdev->pages), atomic_read(&vdev->vmaps),
		   leaks);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(totals);

static int imports_show(struct seq_file *m, void *unused)
{
	struct vprime_device *vdev = m->private;
	struct vprime_object *vobj;

	mutex_lock(&vdev->objects_lock);
	list_for_each_entry(vobj, &vdev->objects, link) {
		if (!vobj->exporter[0])
			continue;
		seq_printf(m, "import id=%u exporter=%s pages=%u contig=%lu dma=%pad\n",
			   vobj->id, vobj->exporter, vobj->npages, vobj->contig,
			   &vobj->dma_addrs[0]);
	}
	mutex_unlock(&vdev->objects_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(imports);

static int count_handle(int id, void *ptr, void *data)
{
	unsigned int *n = data;

	/* NULL: a handle being created or deleted */
	if (ptr)
		(*n)++;
	return 0;
}

static void show_file(struct seq_file *m, struct drm_file *file)
{
	struct vprime_prime_member *member;
	char comm[TASK_COMM_LEN] = "?";
	struct task_struct *task;
	unsigned int handles = 0, prime = 0;
	struct rb_node *rb;
	pid_t pid = 0;
	char *c;

	spin_lock(&file->table_lock);
	idr_for_each(&file->object_idr, count_handle, &handles);
	spin_unlock(&file->table_lock);

	rcu_read_lock();
	pid = pid_nr(vprime_file_pid(file));
	task = pid_task(vprime_file_pid(file), PIDTYPE_PID);
	if (task)
		get_task_comm(comm, task);
	rcu_read_unlock();
	/* one token per field */
	for (c = comm; *c; c++)
		if (*c == ' ' || *c == '=')
			*c = '_';

	/*
	 * The cache's own lock, the one drm_gem_prime_fd_to_handle() and
	 * drm_gem_release() hold while they change it; it nests inside
	 * &drm_device.filelist_mutex as in drm_close_helper().
	 */
	mutex_lock(&file->prime.lock);
	for (rb = rb_first(&file->prime.handles); rb; rb = rb_next(rb))
		prime++;
	seq_printf(m, "file pid=%d comm=%s handles=%u prime=%u client=%u\n",
		   pid, comm, handles, prime, vprime_file_client(file));
	for (rb = rb_first(&file->prime.handles); rb; rb = rb_next(rb)) {
		member = rb_entry(rb, struct vprime_prime_member, handle_rb);
		seq_printf(m, "  prime dmabuf=%lu handle=%u\n",
			   vprime_dma_buf_ino(member->dma_buf), member->handle);
	}
	mutex_unlock(&file->prime.lock);
}

static int files_show(struct seq_file *m, void *unused)
{
	struct vprime_device *vdev = m->private;
	struct drm_file *file;

	mutex_lock(&vdev->drm.filelist_mutex);
	list_for_each_entry(file, &vdev->drm.filelist, lhead)
		show_file(m, file);
	mutex_unlock(&vdev->drm.filelist_mutex);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(files);

static int card_show(struct seq_file *m, void *unused)
{
	struct vprime_device *vdev = m->private;

	seq_printf(m, "card%d renderD%d\n", vdev->drm.primary->index,
		   vdev->drm.render->index);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(card);

static int leaks_show(struct seq_file *m, void *unused)
{
	struct vprime_device *vdev = m->private;
	struct vprime_leak *leak;
	unsigned int n = 0;

	mutex_lock(&vdev->leaks_lock);
	list_for_each_entry(leak, &vdev->leaks, link)
		n++;
	seq_printf(m, "leaks %u\n", n);
	list_for_each_entry(leak, &vdev->leaks, link) {
		seq_printf(m, "leak fault=%s id=%u", vprime_fault_names[leak->fault],
			   leak->id);
		if (leak->attach)
			seq_printf(m, " dmabuf=%lu",
				   vprime_dma_buf_ino(leak->attach->dmabuf));
		seq_putc(m, '\n');
	}
	mutex_unlock(&vdev->leaks_lock);
	return 0;
}

static int leaks_open(struct inode *inode, struct file *file)
{
	return single_open(file, leaks_show, inode->i_private);
}

static ssize_t leaks_write(struct file *file, const char __user *ubuf,
			   size_t len, loff_t *ppos)
{
	struct vprime_device *vdev = file_inode(file)->i_private;
	bool reclaim;
	int ret;

	ret = kstrtobool_from_user(ubuf, len, &reclaim);
	if (ret)
		return ret;
	if (reclaim)
		vprime_leaks_reclaim(vdev);
	return len;
}

static const struct file_operations leaks_fops = {
	.owner = THIS_MODULE,
	.open = leaks_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
	.write = leaks_write,
};

static ssize_t selftest_warn_write(struct file *file, const char __user *ubuf,
				   size_t len, loff_t *ppos)
{
	struct vprime_device *vdev = file_inode(file)->i_private;
	bool warn;
	int ret;

	ret = kstrtobool_from_user(ubuf, len, &warn);
	if (ret)
		return ret;
	/* the harness proves that a kernel splat turns a test run red */
	WARN(warn, "vprime %u: selftest_warn: a deliberate warning\n",
	     vdev->index);
	return len;
}

static const struct file_operations selftest_warn_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = selftest_warn_write,
	.llseek = noop_llseek,
};

/*
 * faults/<name>: reads 0, 1 or "unsupported"; writes of a boolean switch the
 * fault, and fail with EOPNOTSUPP where this kernel cannot break the rule.
 */
static ssize_t fault_read(struct file *file, char __user *ubuf, size_t len,
			  loff_t *ppos)
{
	struct vprime_knob *knob = file->private_data;
	const char *val;

	if (!vprime_fault_supported(knob->vdev, knob->fault))
		val = "unsupported\n";
	else
		val = vprime_fault(knob->vdev, knob->fault) ? "1\n" : "0\n";
	return simple_read_from_buffer(ubuf, len, ppos, val, strlen(val));
}

static ssize_t fault_write(struct file *file, const char __user *ubuf,
			   size_t len, loff_t *ppos)
{
	struct vprime_knob *knob = file->private_data;
	struct vprime_device *vdev = knob->vdev;
	bool on;
	int ret;

	ret = kstrtobool_from_user(ubuf, len, &on);
	if (ret)
		return ret;
	if (!vprime_fault_supported(vdev, knob->fault))
		return -EOPNOTSUPP;

	if (on != vprime_fault(vdev, knob->fault))
		drm_info(&vdev->drm, "fault %s %s\n",
			 vprime_fault_names[knob->fault], on ? "on" : "off");
	assign_bit(knob->fault, &vdev->faults, on);
	return len;
}

static const struct file_operations fault_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = fault_read,
	.write = fault_write,
	.llseek = default_llseek,
};

/**
 * vprime_debugfs_register - create the debugfs directory of an instance
 * @vdev: the instance, registered with the DRM core
 */
void vprime_debugfs_register(struct vprime_device *vdev)
{
	struct dentry *dir, *faults;
	char name[16];
	int i;

	snprintf(name, sizeof(name), "%u", vdev->index);
	dir = debugfs_create_dir(name, vprime_debugfs_root);
	vdev->debugfs = dir;

	debugfs_create_file("card", 0444, dir, vdev, &card_fops);
	debugfs_create_file("objects", 0444, dir, vdev, &objects_fops);
	debugfs_create_file("totals", 0444, dir, vdev, &totals_fops);
	debugfs_create_file("files", 0444, dir, vdev, &files_fops);
	debugfs_create_file("imports", 0444, dir, vdev, &imports_fops);
	debugfs_create_file("leaks", 0644, dir, vdev, &leaks_fops);
	debugfs_create_file("selftest_warn", 0200, dir, vdev,
			    &selftest_warn_fops);

	faults = debugfs_create_dir("faults", dir);
	for (i = 0; i < VPRIME_NR_FAULTS; i++) {
		vdev->knobs[i].vdev = vdev;
		vdev->knobs[i].fault = i;
		debugfs_create_file(vprime_fault_names[i], 0644, faults,
				    &vdev->knobs[i], &fault_fops);
	}
}

/**
 * vprime_debugfs_unregister - remove the debugfs directory of an instance
 * @vdev: the instance
 *
 * Waits for readers and writers of its files to leave.
 */
void vprime_debugfs_unregister(struct vprime_device *vdev)
{
	debugfs_remove_recursive(vdev->debugfs);
	vdev->debugfs = NULL;
}

void vprime_debugfs_init(void)
{
	vprime_debugfs_root = debugfs_create_dir("vprime", NULL);
}

void vprime_debugfs_fini(void)
{
	debugfs_remove_recursive(vprime_debugfs_root);
	vprime_debugfs_root = NULL;
}
