// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The lifetime model, fed by hand-made records: each test is one sequence
 * of kernel events as the BPF hooks emit them (the same order and fields
 * as in a recorded run) and what the model must make of it.
 */
#include <stdlib.h>

#include "unit.h"
#include "model.h"

#define MS 1000000ULL
#define S  1000000000ULL

/* pointers as the kernel would have them */
#define DMABUF(n) (0xffff888000100000ULL + (n)*0x400)
#define OBJ(n)	  (0xffff888000200000ULL + (n)*0x400)
#define FILE_(n)  (0xffff888000300000ULL + (n)*0x400)
#define ATT(n)	  (0xffff888000400000ULL + (n)*0x100)

static struct pt_record rec(unsigned int type, __u64 ts, __u32 pid)
{
	struct pt_record r = { 0 };

	pt_event_init(&r.ev);
	r.ev.type = type;
	r.ev.ts = ts;
	r.ev.pid = pid;
	r.ev.tid = pid;
	snprintf(r.ev.comm, sizeof(r.ev.comm), "p%u", pid);
	return r;
}

static void feed(struct pm_model *m, struct pt_record r)
{
	pm_model_feed(m, &r);
}

static const char *driver_of(int dev)
{
	return dev ? "vgem" : "vprime";
}

/* a new GEM object and its handle (CREATE_DUMB) */
static void create(struct pm_model *m, __u64 ts, __u32 pid, int file, int obj, __u32 handle,
		   int dev)
{
	struct pt_record r = rec(PT_EV_GEM_HANDLE_CREATE, ts, pid);

	r.ev.hook = PT_HOOK_GEM_HANDLE_CREATE_TAIL;
	r.ev.file = FILE_(file);
	r.ev.obj = OBJ(obj);
	r.ev.obj_size = 65536;
	r.ev.handle = handle;
	r.ev.kref = 2;
	r.ev.handle_count = 1;
	r.ev.minor = dev;
	snprintf(r.ev.driver, sizeof(r.ev.driver), "%s", driver_of(dev));
	r.kstack = (char *)"drm_gem_handle_create_tail+0x5;vprime_create_ioctl+0x50";
	r.ustack = (char *)"ioctl+0xb;create_buffer+0x20;main+0x40";
	feed(m, r);
}

/* handle -> fd, as dma_buf_export, gem export and the ioctl see it */
static void export(struct pm_model *m, __u64 ts, __u32 pid, int file, int obj, __u32 handle,
		   int buf, __u64 ino, int fd, int dev, const char *ustack)
{
	struct pt_record r = rec(PT_EV_DMABUF_EXPORT, ts, pid);

	r.ev.hook = PT_HOOK_DMA_BUF_EXPORT;
	r.ev.dmabuf = DMABUF(buf);
	r.ev.ino = ino;
	r.ev.size = 65536;
	r.ev.exp_obj = OBJ(obj);
	r.ev.exp_minor = dev;
	snprintf(r.ev.exp_name, sizeof(r.ev.exp_name), "drm");
	snprintf(r.ev.exp_driver, sizeof(r.ev.exp_driver), "%s", driver_of(dev));
	r.ev.file_count = 1;
	r.kstack = (char *)"dma_buf_export+0x5;drm_gem_prime_export+0x73;vprime_gem_export+0x1b";
	r.ustack = (char *)ustack;
	feed(m, r);

	r.ev.type = PT_EV_GEM_DMABUF_EXPORT;
	r.ev.hook = PT_HOOK_GEM_DMABUF_EXPORT;
	r.ev.ts += 1000;
	r.ev.obj = OBJ(obj);
	r.ev.obj_size = 65536;
	r.ev.minor = dev;
	r.ev.kref = 3;
	r.ev.handle_count = 1;
	snprintf(r.ev.driver, sizeof(r.ev.driver), "%s", driver_of(dev));
	feed(m, r);

	r.ev.type = PT_EV_DMABUF_FD;
	r.ev.hook = PT_HOOK_DMA_BUF_FD;
	r.ev.ts += 1000;
	r.ev.obj = 0;
	r.ev.fd = fd;
	feed(m, r);

	r.ev.type = PT_EV_PRIME_HANDLE_TO_FD;
	r.ev.hook = PT_HOOK_PRIME_HANDLE_TO_FD_IOCTL;
	r.ev.ts += 1000;
	r.ev.obj = OBJ(obj);
	r.ev.file = FILE_(file);
	r.ev.handle = handle;
	r.ev.kref = 2;
	feed(m, r);
}

/* fd -> handle on another device: a new object, attached and mapped */
static void import(struct pm_model *m, __u64 ts, __u32 pid, int file, int obj, __u32 handle,
		   int buf, __u64 ino, int fd, int att, int dev, const char *ustack)
{
	struct pt_record r = rec(PT_EV_DMABUF_GET, ts, pid);

	r.ev.hook = PT_HOOK_DMA_BUF_GET;
	r.ev.dmabuf = DMABUF(buf);
	r.ev.ino = ino;
	r.ev.size = 65536;
	r.ev.fd = fd;
	r.ustack = (char *)ustack;
	r.kstack = (char *)"dma_buf_get+0x5;drm_gem_prime_fd_to_handle+0x23";
	feed(m, r);

	r.ev.type = PT_EV_DMABUF_ATTACH;
	r.ev.hook = PT_HOOK_DMA_BUF_DYNAMIC_ATTACH;
	r.ev.ts += 1000;
	r.ev.fd = -1;
	r.ev.attach = ATT(att);
	snprintf(r.ev.importer, sizeof(r.ev.importer), "%s.1", driver_of(dev));
	snprintf(r.ev.importer_driver, sizeof(r.ev.importer_driver), "%s", driver_of(dev));
	feed(m, r);

	r.ev.type = PT_EV_DMABUF_MAP;
	r.ev.hook = PT_HOOK_DMA_BUF_MAP_ATTACHMENT;
	r.ev.ts += 1000;
	feed(m, r);

	r.ev.type = PT_EV_GEM_IMPORT;
	r.ev.hook = PT_HOOK_GEM_PRIME_IMPORT_DEV;
	r.ev.ts += 1000;
	r.ev.obj = OBJ(obj);
	r.ev.obj_size = 65536;
	r.ev.kref = 1;
	r.ev.handle_count = 0;
	r.ev.minor = dev;
	snprintf(r.ev.driver, sizeof(r.ev.driver), "%s", driver_of(dev));
	r.kstack = (char *)"drm_gem_prime_import_dev+0x5;drm_gem_prime_fd_to_handle+0xc6";
	feed(m, r);

	r.ev.type = PT_EV_GEM_HANDLE_CREATE;
	r.ev.hook = PT_HOOK_GEM_HANDLE_CREATE_TAIL;
	r.ev.ts += 1000;
	r.ev.attach = 0;
	r.ev.file = FILE_(file);
	r.ev.handle = handle;
	r.ev.kref = 2;
	r.ev.handle_count = 1;
	r.kstack = (char *)"drm_gem_handle_create_tail+0x5;drm_gem_prime_fd_to_handle+0xfc";
	feed(m, r);

	r.ev.type = PT_EV_PRIME_FD_TO_HANDLE;
	r.ev.hook = PT_HOOK_PRIME_FD_TO_HANDLE_IOCTL;
	r.ev.ts += 1000;
	r.ev.fd = fd;
	feed(m, r);
}

static void handle_delete(struct pm_model *m, __u64 ts, __u32 pid, int file, int obj, __u32 handle,
			  int hc, int kref)
{
	struct pt_record r = rec(PT_EV_GEM_HANDLE_DELETE, ts, pid);

	r.ev.hook = PT_HOOK_GEM_OBJECT_RELEASE_HANDLE;
	r.ev.file = FILE_(file);
	r.ev.obj = OBJ(obj);
	r.ev.handle = handle;
	r.ev.handle_count = hc;
	r.ev.kref = kref;
	feed(m, r);
}

static void simple(struct pm_model *m, unsigned int type, __u64 ts, __u32 pid, int buf, int obj,
		   int att)
{
	struct pt_record r = rec(type, ts, pid);

	r.ev.dmabuf = buf >= 0 ? DMABUF(buf) : 0;
	r.ev.obj = obj >= 0 ? OBJ(obj) : 0;
	r.ev.attach = att >= 0 ? ATT(att) : 0;
	if (type == PT_EV_GEM_FREE)
		r.kstack = (char *)"drm_gem_object_release+0x5;vprime_gem_import_free+0x1a0";
	feed(m, r);
}

/* the import's object goes with its last handle: prime destroy, unmap, detach, free */
static void import_free(struct pm_model *m, __u64 ts, __u32 pid, int buf, int obj, int att,
			bool teardown)
{
	if (teardown) {
		simple(m, PT_EV_GEM_PRIME_DESTROY, ts, pid, buf, obj, att);
		simple(m, PT_EV_DMABUF_UNMAP, ts + 1000, pid, buf, -1, att);
		simple(m, PT_EV_DMABUF_DETACH, ts + 2000, pid, buf, -1, att);
	}
	simple(m, PT_EV_GEM_FREE, ts + 3000, pid, -1, obj, -1);
}

static void release(struct pm_model *m, __u64 ts, __u32 pid, int buf, int obj)
{
	simple(m, PT_EV_GEM_DMABUF_RELEASE, ts, pid, buf, obj, -1);
}

static void task_exit(struct pm_model *m, __u64 ts, __u32 pid)
{
	feed(m, rec(PT_EV_TASK_EXIT, ts, pid));
}

static void snap_begin(struct pm_model *m, __u64 ts)
{
	feed(m, rec(PT_EV_SNAP_BEGIN, ts, 0));
}

static void snap_end(struct pm_model *m, __u64 ts, unsigned int flags)
{
	struct pt_record r = rec(PT_EV_SNAP_END, ts, 0);

	r.ev.flags = flags;
	feed(m, r);
}

/* what the snapshots below list in full; handles are added where listed */
#define SNAP_ALL (PT_SNAP_BUFS | PT_SNAP_FDS | PT_SNAP_MAPS)

static void snap_buf(struct pm_model *m, __u64 ts, int buf, __u64 ino, int obj, int hc, __u64 born)
{
	struct pt_record r = rec(PT_EV_SNAP_BUF, ts, 0);

	r.ev.dmabuf = DMABUF(buf);
	r.ev.ino = ino;
	r.ev.size = 65536;
	r.ev.exp_obj = obj >= 0 ? OBJ(obj) : 0;
	r.ev.handle_count = hc;
	r.ev.exp_minor = 0;
	r.ev.born = born;
	snprintf(r.ev.exp_name, sizeof(r.ev.exp_name), "drm");
	snprintf(r.ev.exp_driver, sizeof(r.ev.exp_driver), "vprime");
	feed(m, r);
}

static void snap_fd(struct pm_model *m, __u64 ts, __u32 pid, int buf, __u64 ino, int fd)
{
	struct pt_record r = rec(PT_EV_SNAP_FD, ts, pid);

	r.ev.dmabuf = DMABUF(buf);
	r.ev.ino = ino;
	r.ev.fd = fd;
	feed(m, r);
}

static void snap_mmap(struct pm_model *m, __u64 ts, __u32 pid, int buf, __u64 ino, __u64 addr)
{
	struct pt_record r = rec(PT_EV_SNAP_MMAP, ts, pid);

	r.ev.dmabuf = DMABUF(buf);
	r.ev.ino = ino;
	r.ev.addr = addr;
	r.ev.len = 65536;
	feed(m, r);
}

/* --- the picture ---------------------------------------------------------- */

UNIT_TEST(export_then_close)
{
	struct pm_model *m = pm_model_new(0);
	const struct pm_buf *b;
	const struct pm_proc *p;
	struct pm_stats st;

	create(m, 1 * MS, 100, 1, 1, 1, 0);
	export(m, 2 * MS, 100, 1, 1, 1, 1, 7, 5, 0, "ioctl+0xb;export_it+0x10");
	b = pm_model_buf(m, DMABUF(1));
	EXPECT(b != NULL);
	if (!b)
		goto out;
	EXPECT_EQ(b->ino, 7);
	EXPECT_EQ(b->exp_pid, 100);
	EXPECT_EQ(b->exp_obj, OBJ(1));
	EXPECT_STR(b->exp_driver, "vprime");
	EXPECT_EQ(pm_buf_fds(b), 1);
	EXPECT(b->holders && b->holders->fd == 5 && b->holders->pid == 100);
	EXPECT(b->ustack && !strcmp(b->ustack->s, "ioctl+0xb;export_it+0x10"));
	EXPECT(b->kstack && strstr(b->kstack->s, "vprime_gem_export"));
	EXPECT_EQ(b->flags & PM_F_UNSEEN, 0);
	EXPECT(pm_model_buf_by_ino(m, 7) == b);
	p = pm_model_proc(m, 100);
	EXPECT(p && p->exports == 1 && p->live_exports == 1 && p->export_bytes == 65536);
	EXPECT(pm_model_file(m, FILE_(1)) && pm_model_file(m, FILE_(1))->nhandles == 1);

	/* close the handle, then the fd: the dma-buf and the object go */
	handle_delete(m, 3 * MS, 100, 1, 1, 1, 1, 2);
	EXPECT_EQ(pm_model_obj(m, OBJ(1))->handle_count, 0);
	release(m, 4 * MS, 100, 1, 1);
	simple(m, PT_EV_GEM_FREE, 5 * MS, 100, -1, 1, -1);
	EXPECT(pm_model_buf(m, DMABUF(1)) == NULL);
	EXPECT(pm_model_buf_by_ino(m, 7) == NULL);
	EXPECT(pm_model_obj(m, OBJ(1)) == NULL);
	p = pm_model_proc(m, 100);
	EXPECT(p && p->live_exports == 0 && p->releases == 1);
	pm_model_stats(m, &st);
	EXPECT_EQ(st.bufs, 0);
	EXPECT_EQ(st.objs, 0);
	EXPECT_EQ(st.handles, 0);
	EXPECT_EQ(st.holders, 0);
	EXPECT_EQ(st.untracked, 0);
out:
	pm_model_free(m);
}

UNIT_TEST(import_and_teardown)
{
	struct pm_model *m = pm_model_new(0);
	const struct pm_buf *b;
	const struct pm_obj *o;
	const struct pm_file *f;
	struct pm_suspect *s;
	int n;

	create(m, 1 * MS, 100, 1, 1, 1, 0);
	export(m, 2 * MS, 100, 1, 1, 1, 1, 7, 5, 0, NULL);
	import(m, 3 * MS, 100, 2, 2, 1, 1, 7, 5, 1, 1, "ioctl+0xb;import_it+0x10");
	b = pm_model_buf(m, DMABUF(1));
	o = pm_model_obj(m, OBJ(2));
	f = pm_model_file(m, FILE_(2));
	EXPECT(b && o && f);
	if (!b || !o || !f)
		goto out;
	EXPECT(o->flags & PM_F_IMPORTED);
	EXPECT_EQ(o->dmabuf, DMABUF(1));
	EXPECT_EQ(o->attach, ATT(1));
	EXPECT_EQ(pm_buf_attachments(b), 1);
	EXPECT(b->attachments->obj == OBJ(2) && b->attachments->maps == 1);
	EXPECT_STR(b->attachments->importer_driver, "vgem");
	EXPECT(f->nimports == 1 && f->handles && f->handles->import);
	EXPECT(f->handles->ustack && !strcmp(f->handles->ustack->s, "ioctl+0xb;import_it+0x10"));
	EXPECT_EQ(pm_model_proc(m, 100)->live_imports, 1);
	/* the exporter's own handle is not an import */
	EXPECT(!pm_model_file(m, FILE_(1))->handles->import);

	handle_delete(m, 4 * MS, 100, 2, 2, 1, 1, 1);
	import_free(m, 4 * MS + 100, 100, 1, 2, 1, true);
	EXPECT(pm_model_obj(m, OBJ(2)) == NULL);
	EXPECT_EQ(pm_buf_attachments(b), 0);
	EXPECT_EQ(pm_model_proc(m, 100)->live_imports, 0);
	n = unit_leaks(m, &s);
	EXPECT_EQ(unit_count_kind(s, n, PM_LEAK_NO_TEARDOWN), 0);
	EXPECT_EQ(unit_count_kind(s, n, PM_LEAK_ATTACH_AT_FREE), 0);
	pm_suspects_free(m, s, n);
out:
	pm_model_free(m);
}

UNIT_TEST(unseen_buffer_marks_incomplete)
{
	struct pm_model *m = pm_model_new(0);
	struct pt_record r = rec(PT_EV_DMABUF_MMAP, 5 * MS, 200);
	const struct pm_buf *b;
	char why[256];

	r.ev.dmabuf = DMABUF(9);
	r.ev.ino = 99;
	r.ev.size = 4096;
	r.ev.addr = 0x7f0000000000ULL;
	r.ev.len = 4096;
	feed(m, r);
	b = pm_model_buf(m, DMABUF(9));
	EXPECT(b && (b->flags & PM_F_UNSEEN) && !b->t_create && b->exp_pid == 0);
	EXPECT(b && pm_buf_maps(b) == 1);
	EXPECT(pm_model_incomplete(m) & PM_INC_UNSEEN);
	pm_model_incomplete_text(m, why, sizeof(why));
	EXPECT(strstr(why, "before tracing") != NULL);
	/* a snapshot that lists it makes it known */
	snap_begin(m, 6 * MS);
	snap_buf(m, 6 * MS, 9, 99, -1, -1, 1 * MS);
	snap_mmap(m, 6 * MS, 200, 9, 99, 0x7f0000000000ULL);
	snap_end(m, 6 * MS, SNAP_ALL);
	EXPECT(!(pm_model_incomplete(m) & PM_INC_UNSEEN));
	EXPECT(b->t_create == 1 * MS);
	EXPECT(b->holders && b->holders->confirmed);
	pm_model_free(m);
}

UNIT_TEST(snapshot_replaces_holders)
{
	struct pm_model *m = pm_model_new(0);
	const struct pm_buf *b;

	snap_begin(m, 1 * MS);
	snap_buf(m, 1 * MS, 1, 11, 1, 1, 0);
	snap_buf(m, 1 * MS, 2, 12, 2, 0, 0);
	snap_fd(m, 1 * MS, 300, 1, 11, 4);
	snap_fd(m, 1 * MS, 301, 1, 11, 9);
	snap_mmap(m, 1 * MS, 300, 2, 12, 0x7f0000001000ULL);
	snap_end(m, 1 * MS, SNAP_ALL);
	b = pm_model_buf(m, DMABUF(1));
	EXPECT(b && pm_buf_fds(b) == 2 && (b->flags & PM_F_SNAPSHOT));
	EXPECT(pm_model_obj(m, OBJ(1)) && pm_model_obj(m, OBJ(1))->handle_count == 1);
	EXPECT(pm_model_buf(m, DMABUF(2)) && pm_buf_maps(pm_model_buf(m, DMABUF(2))) == 1);

	/* pid 301 closed its fd, buffer 2 was freed unseen */
	snap_begin(m, 2 * MS);
	snap_buf(m, 2 * MS, 1, 11, 1, 1, 0);
	snap_fd(m, 2 * MS, 300, 1, 11, 4);
	snap_end(m, 2 * MS, SNAP_ALL);
	b = pm_model_buf(m, DMABUF(1));
	EXPECT(b && pm_buf_fds(b) == 1 && b->holders->pid == 300);
	EXPECT(pm_model_buf(m, DMABUF(2)) == NULL);
	/* a partial snapshot (no buffer list) removes nothing */
	snap_begin(m, 3 * MS);
	snap_end(m, 3 * MS, PT_SNAP_HANDLES);
	EXPECT(pm_model_buf(m, DMABUF(1)) != NULL);
	pm_model_free(m);
}

static void snap_handle(struct pm_model *m, __u64 ts, __u32 pid, int file, __u32 handle, int obj,
			int buf, __u64 ino)
{
	struct pt_record r = rec(PT_EV_SNAP_HANDLE, ts, pid);

	r.ev.file = FILE_(file);
	r.ev.handle = handle;
	r.ev.obj = OBJ(obj);
	r.ev.obj_size = 65536;
	r.ev.handle_count = 1;
	r.ev.kref = 2;
	r.ev.minor = 0;
	snprintf(r.ev.driver, sizeof(r.ev.driver), "vprime");
	if (buf >= 0) {
		r.ev.dmabuf = DMABUF(buf);
		r.ev.ino = ino;
		r.ev.size = 65536;
		r.ev.exp_obj = OBJ(obj);
		r.ev.exp_minor = 0;
		snprintf(r.ev.exp_name, sizeof(r.ev.exp_name), "drm");
		snprintf(r.ev.exp_driver, sizeof(r.ev.exp_driver), "vprime");
	}
	feed(m, r);
}

UNIT_TEST(snapshot_lists_handles)
{
	struct pm_model *m = pm_model_new(0);
	const struct pm_file *f;
	const struct pm_buf *b;
	struct pm_suspect *s;
	int n;

	/* a buffer known by inode (bufinfo), then a handle names its exporter */
	snap_begin(m, 1 * MS);
	{
		struct pt_record r = rec(PT_EV_SNAP_BUF, 1 * MS, 0);

		r.ev.dmabuf = PT_INO_KEY(21);
		r.ev.ino = 21;
		r.ev.size = 65536;
		snprintf(r.ev.exp_name, sizeof(r.ev.exp_name), "drm");
		feed(m, r);
	}
	snap_handle(m, 1 * MS, 400, 1, 1, 1, 1, 21);
	snap_handle(m, 1 * MS, 400, 1, 2, 2, -1, 0);
	snap_end(m, 1 * MS, SNAP_ALL | PT_SNAP_HANDLES);
	b = pm_model_buf(m, DMABUF(1));
	f = pm_model_file(m, FILE_(1));
	EXPECT(b && b->exp_obj == OBJ(1) && b->ino == 21);
	EXPECT(f && f->nhandles == 2 && f->pid == 400);
	EXPECT(pm_model_obj(m, OBJ(1)) && pm_model_obj(m, OBJ(1))->dmabuf == DMABUF(1));
	/* held by its exporter's handle: no suspect */
	n = unit_leaks(m, &s);
	EXPECT_EQ(n, 0);
	pm_suspects_free(m, s, n);

	/* the handle is closed since: a complete list drops it */
	snap_begin(m, 2 * S);
	snap_buf(m, 2 * S, 1, 21, 1, 0, 0);
	snap_handle(m, 2 * S, 400, 1, 2, 2, -1, 0);
	snap_end(m, 2 * S, SNAP_ALL | PT_SNAP_HANDLES);
	f = pm_model_file(m, FILE_(1));
	EXPECT(f && f->nhandles == 1 && f->handles->handle == 2);
	/* and the buffer, from before tracing, now has no holder at all */
	n = unit_leaks(m, &s);
	EXPECT_EQ(n, 1);
	EXPECT(n == 1 && s[0].kind == PM_LEAK_ORPHAN_BUF && s[0].pid == 0 && s[0].ino == 21);
	pm_suspects_free(m, s, n);
	pm_model_free(m);
}

UNIT_TEST(unseen_gem_buffer_needs_its_exporter)
{
	struct pm_model *m = pm_model_new(0);
	struct pt_record r = rec(PT_EV_SNAP_BUF, 2 * S, 0);
	struct pm_suspect *s;
	int n;

	/* bufinfo alone: a GEM export whose handles are unknown is not judged */
	snap_begin(m, 2 * S);
	r.ev.dmabuf = PT_INO_KEY(30);
	r.ev.ino = 30;
	r.ev.size = 4096;
	snprintf(r.ev.exp_name, sizeof(r.ev.exp_name), "drm");
	feed(m, r);
	/* ...but a heap's buffer nothing holds is */
	r.ev.dmabuf = PT_INO_KEY(31);
	r.ev.ino = 31;
	snprintf(r.ev.exp_name, sizeof(r.ev.exp_name), "system");
	feed(m, r);
	snap_end(m, 2 * S, SNAP_ALL | PT_SNAP_HANDLES);
	pm_model_set_now(m, 4 * S);
	n = unit_leaks(m, &s);
	EXPECT_EQ(n, 1);
	EXPECT(n == 1 && s[0].kind == PM_LEAK_ORPHAN_BUF && s[0].ino == 31);
	pm_suspects_free(m, s, n);
	pm_model_free(m);
}

UNIT_TEST(snapshot_by_inode_then_pointer)
{
	struct pm_model *m = pm_model_new(0);
	struct pt_record r = rec(PT_EV_SNAP_BUF, 1 * MS, 0);
	const struct pm_buf *b;

	/* bufinfo knows no pointer */
	snap_begin(m, 1 * MS);
	r.ev.dmabuf = PT_INO_KEY(44);
	r.ev.ino = 44;
	r.ev.size = 8192;
	feed(m, r);
	snap_end(m, 1 * MS, PT_SNAP_BUFS);
	b = pm_model_buf_by_ino(m, 44);
	EXPECT(b && b->dmabuf == PT_INO_KEY(44));
	/* an event names it */
	r = rec(PT_EV_DMABUF_MMAP, 2 * MS, 5);
	r.ev.dmabuf = DMABUF(4);
	r.ev.ino = 44;
	r.ev.addr = 0x1000;
	r.ev.len = 8192;
	feed(m, r);
	EXPECT(pm_model_buf(m, DMABUF(4)) == b);
	EXPECT(pm_model_buf(m, PT_INO_KEY(44)) == NULL);
	EXPECT(b && pm_buf_maps(b) == 1);
	pm_model_free(m);
}

UNIT_TEST(address_reuse_ends_the_old_buffer)
{
	struct pm_model *m = pm_model_new(0);
	const struct pm_buf *b;

	create(m, 1 * MS, 100, 1, 1, 1, 0);
	export(m, 2 * MS, 100, 1, 1, 1, 1, 7, 5, 0, NULL);
	/* its release was lost; the address comes back for a new buffer */
	create(m, 3 * MS, 100, 1, 2, 2, 0);
	export(m, 4 * MS, 100, 1, 2, 2, 1, 8, 6, 0, NULL);
	b = pm_model_buf(m, DMABUF(1));
	EXPECT(b && b->ino == 8 && b->exp_obj == OBJ(2));
	EXPECT(pm_model_buf_by_ino(m, 7) == NULL);
	EXPECT(pm_model_incomplete(m) & PM_INC_DROPS);
	pm_model_free(m);
}

UNIT_TEST(fd_number_reuse_moves_the_holder)
{
	struct pm_model *m = pm_model_new(0);

	create(m, 1 * MS, 100, 1, 1, 1, 0);
	export(m, 2 * MS, 100, 1, 1, 1, 1, 7, 5, 0, NULL);
	/* fd 5 was closed (not traced) and now names another buffer */
	create(m, 3 * MS, 100, 1, 2, 2, 0);
	export(m, 4 * MS, 100, 1, 2, 2, 2, 8, 5, 0, NULL);
	EXPECT_EQ(pm_buf_fds(pm_model_buf(m, DMABUF(1))), 0);
	EXPECT_EQ(pm_buf_fds(pm_model_buf(m, DMABUF(2))), 1);
	pm_model_free(m);
}

UNIT_TEST(bound_refuses_and_says_so)
{
	struct pm_model *m = pm_model_new(12);
	struct pm_stats st;
	char why[256];

	for (int i = 1; i <= 10; i++) {
		create(m, i * MS, 100, 1, i, i, 0);
		export(m, i * MS + 100, 100, 1, i, i, i, i, 3 + i, 0, NULL);
	}
	pm_model_stats(m, &st);
	EXPECT(st.entries <= 12);
	EXPECT(st.untracked > 0);
	EXPECT(pm_model_incomplete(m) & PM_INC_BOUND);
	pm_model_incomplete_text(m, why, sizeof(why));
	EXPECT(strstr(why, "bound of 12") != NULL);
	/* what is tracked is still consistent: closing everything empties it */
	for (int i = 1; i <= 10; i++) {
		handle_delete(m, 20 * MS + i, 100, 1, i, i, 1, 2);
		release(m, 30 * MS + i, 100, i, i);
		simple(m, PT_EV_GEM_FREE, 40 * MS + i, 100, -1, i, -1);
	}
	task_exit(m, 50 * MS, 100);
	pm_model_stats(m, &st);
	EXPECT_EQ(st.bufs, 0);
	EXPECT_EQ(st.objs, 0);
	EXPECT_EQ(st.handles, 0);
	EXPECT_EQ(st.files, 0);
	pm_model_free(m);
}

UNIT_TEST(exit_drops_holders)
{
	struct pm_model *m = pm_model_new(0);
	struct pt_record r;
	const struct pm_buf *b;

	create(m, 1 * MS, 100, 1, 1, 1, 0);
	export(m, 2 * MS, 100, 1, 1, 1, 1, 7, 5, 0, NULL);
	r = rec(PT_EV_DMABUF_MMAP, 3 * MS, 100);
	r.ev.dmabuf = DMABUF(1);
	r.ev.ino = 7;
	r.ev.addr = 0x7f0000000000ULL;
	r.ev.len = 65536;
	feed(m, r);
	b = pm_model_buf(m, DMABUF(1));
	EXPECT(b && pm_buf_fds(b) == 1 && pm_buf_maps(b) == 1);
	task_exit(m, 4 * MS, 100);
	EXPECT(b && b->holders == NULL);
	EXPECT(pm_model_proc(m, 100)->exited);
	pm_model_free(m);
}

UNIT_TEST(short_lived_processes_are_forgotten)
{
	struct pm_model *m = pm_model_new(64);
	struct pm_stats st;

	/* a thousand clients: each exports, closes everything and exits */
	for (int i = 0; i < 1000; i++) {
		__u32 pid = 1000 + i;
		__u64 t = (__u64)i * MS;

		create(m, t + 1, pid, i, i, 1, 0);
		export(m, t + 2, pid, i, i, 1, i, i + 1, 5, 0, NULL);
		handle_delete(m, t + 100000, pid, i, i, 1, 1, 2);
		release(m, t + 200000, pid, i, i);
		simple(m, PT_EV_GEM_FREE, t + 300000, pid, -1, i, -1);
		task_exit(m, t + 400000, pid);
	}
	pm_model_stats(m, &st);
	EXPECT_EQ(st.untracked, 0);
	EXPECT_EQ(st.procs, 0);
	EXPECT_EQ(st.files, 0);
	EXPECT_EQ(st.entries, 0);
	EXPECT_EQ(pm_model_incomplete(m) & PM_INC_BOUND, 0);
	pm_model_free(m);
}

/* --- leaks ---------------------------------------------------------------- */

UNIT_TEST(clean_run_has_no_suspects)
{
	struct pm_model *m = pm_model_new(0);
	struct pm_suspect *s;
	int n;

	create(m, 1 * MS, 100, 1, 1, 1, 0);
	export(m, 2 * MS, 100, 1, 1, 1, 1, 7, 5, 0, NULL);
	import(m, 3 * MS, 100, 2, 2, 1, 1, 7, 5, 1, 1, NULL);
	handle_delete(m, 4 * MS, 100, 2, 2, 1, 1, 1);
	import_free(m, 4 * MS + 100, 100, 1, 2, 1, true);
	handle_delete(m, 5 * MS, 100, 1, 1, 1, 1, 2);
	release(m, 6 * MS, 100, 1, 1);
	simple(m, PT_EV_GEM_FREE, 6 * MS + 100, 100, -1, 1, -1);
	snap_begin(m, 3 * S);
	snap_end(m, 3 * S, SNAP_ALL);
	n = unit_leaks(m, &s);
	EXPECT_EQ(n, 0);
	pm_suspects_free(m, s, n);
	pm_model_free(m);
}

UNIT_TEST(buffers_held_by_fds_are_not_orphans)
{
	struct pm_model *m = pm_model_new(0);
	struct pm_suspect *s;
	int n;

	/* a swapchain: three buffers exported and kept, handles closed */
	for (int i = 1; i <= 3; i++) {
		create(m, i * MS, 100, 1, i, i, 0);
		export(m, i * MS + 10, 100, 1, i, i, i, i, 3 + i, 0, NULL);
		handle_delete(m, i * MS + 20000, 100, 1, i, i, 1, 2);
	}
	snap_begin(m, 3 * S);
	for (int i = 1; i <= 3; i++) {
		snap_buf(m, 3 * S, i, i, i, 0, 0);
		snap_fd(m, 3 * S, 100, i, i, 3 + i);
	}
	snap_end(m, 3 * S, SNAP_ALL);
	n = unit_leaks(m, &s);
	EXPECT_EQ(n, 0);
	pm_suspects_free(m, s, n);
	pm_model_free(m);
}

UNIT_TEST(orphan_after_exporter_exits)
{
	struct pm_model *m = pm_model_new(0);
	const struct pm_suspect *o;
	struct pm_suspect *s;
	int n;

	create(m, 1 * MS, 100, 1, 1, 1, 0);
	export(m, 2 * MS, 100, 1, 1, 1, 1, 7, 5, 0, "ioctl+0xb;share_frame+0x10;main+0x20");
	handle_delete(m, 3 * MS, 100, 1, 1, 1, 1, 2);
	task_exit(m, 4 * MS, 100);
	/* the final snapshot: the buffer is there, nobody holds it */
	snap_begin(m, 2 * S);
	snap_buf(m, 2 * S, 1, 7, 1, 0, 0);
	snap_end(m, 2 * S, SNAP_ALL);
	n = unit_leaks(m, &s);
	EXPECT_EQ(n, 1);
	o = unit_find_kind(s, n, PM_LEAK_ORPHAN_BUF);
	EXPECT(o != NULL);
	if (o) {
		EXPECT_EQ(o->pid, 100);
		EXPECT(o->pid_exited);
		EXPECT_EQ(o->ino, 7);
		EXPECT(o->ustack && strstr(o->ustack->s, "share_frame"));
		EXPECT(strstr(o->evidence, "exited") != NULL);
	}
	pm_suspects_free(m, s, n);
	pm_model_free(m);
}

UNIT_TEST(orphan_needs_the_grace_period)
{
	struct pm_model *m = pm_model_new(0);
	struct pm_suspect *s;
	int n;

	create(m, 1 * MS, 100, 1, 1, 1, 0);
	export(m, 2 * MS, 100, 1, 1, 1, 1, 7, 5, 0, NULL);
	handle_delete(m, 3 * MS, 100, 1, 1, 1, 1, 2);
	task_exit(m, 4 * MS, 100);
	/* released right after: the snapshot came before the release */
	snap_begin(m, 5 * MS);
	snap_buf(m, 5 * MS, 1, 7, 1, 0, 0);
	snap_end(m, 5 * MS, SNAP_ALL);
	n = unit_leaks(m, &s);
	EXPECT_EQ(n, 0);
	pm_suspects_free(m, s, n);
	pm_model_free(m);
}

UNIT_TEST(unclosed_import_handle)
{
	struct pm_model *m = pm_model_new(0);
	const struct pm_suspect *o;
	struct pm_suspect *s;
	int n;

	create(m, 1 * MS, 100, 1, 1, 1, 0);
	export(m, 2 * MS, 100, 1, 1, 1, 1, 7, 5, 0, NULL);
	import(m, 3 * MS, 100, 2, 2, 1, 1, 7, 5, 1, 1, "ioctl+0xb;leak_import+0x10");
	/* the fd is closed (the snapshot says so), the exporter's handle too */
	handle_delete(m, 4 * MS, 100, 1, 1, 1, 1, 2);
	snap_begin(m, 2 * S);
	snap_buf(m, 2 * S, 1, 7, 1, 0, 0);
	snap_end(m, 2 * S, SNAP_ALL);
	n = unit_leaks(m, &s);
	EXPECT_EQ(n, 1);
	o = unit_find_kind(s, n, PM_LEAK_IMPORT_HANDLE);
	EXPECT(o != NULL);
	if (o) {
		EXPECT_EQ(o->pid, 100);
		EXPECT_EQ(o->handle, 1);
		EXPECT_EQ(o->file, FILE_(2));
		EXPECT(o->ustack && strstr(o->ustack->s, "leak_import"));
	}
	pm_suspects_free(m, s, n);
	pm_model_free(m);
}

UNIT_TEST(import_held_with_its_fd_is_fine)
{
	struct pm_model *m = pm_model_new(0);
	struct pm_suspect *s;
	int n;

	create(m, 1 * MS, 100, 1, 1, 1, 0);
	export(m, 2 * MS, 100, 1, 1, 1, 1, 7, 5, 0, NULL);
	import(m, 3 * MS, 100, 2, 2, 1, 1, 7, 5, 1, 1, NULL);
	snap_begin(m, 2 * S);
	snap_buf(m, 2 * S, 1, 7, 1, 1, 0);
	snap_fd(m, 2 * S, 100, 1, 7, 5);
	snap_end(m, 2 * S, SNAP_ALL);
	n = unit_leaks(m, &s);
	EXPECT_EQ(n, 0);
	pm_suspects_free(m, s, n);
	pm_model_free(m);
}

UNIT_TEST(reimport_handle_after_handle)
{
	struct pm_model *m = pm_model_new(0);
	const struct pm_suspect *o;
	struct pm_suspect *s;
	int n;

	create(m, 1 * MS, 100, 1, 1, 1, 0);
	export(m, 2 * MS, 100, 1, 1, 1, 1, 7, 5, 0, NULL);
	/* the cache was bypassed: every import makes a new object and handle */
	for (int i = 0; i < 3; i++)
		import(m, (3 + i) * MS, 100, 2, 2 + i, 1 + i, 1, 7, 5, 1 + i, 1, "ioctl;again");
	snap_begin(m, 2 * S);
	snap_buf(m, 2 * S, 1, 7, 1, 1, 0);
	snap_fd(m, 2 * S, 100, 1, 7, 5);
	snap_end(m, 2 * S, SNAP_ALL);
	n = unit_leaks(m, &s);
	o = unit_find_kind(s, n, PM_LEAK_REIMPORT);
	EXPECT(o != NULL);
	EXPECT_EQ(unit_count_kind(s, n, PM_LEAK_REIMPORT), 1);
	if (o) {
		EXPECT_EQ(o->count, 3);
		EXPECT_EQ(o->pid, 100);
		EXPECT_EQ(o->ino, 7);
	}
	pm_suspects_free(m, s, n);
	pm_model_free(m);
}

UNIT_TEST(export_growth)
{
	struct pm_model *m = pm_model_new(0);
	const struct pm_suspect *o;
	struct pm_suspect *s;
	int n;

	for (int i = 1; i <= 20; i++) {
		create(m, i * MS, 100, 1, i, i, 0);
		export(m, i * MS + 10, 100, 1, i, i, i, i, 3 + i, 0, "ioctl;export_loop+0x30;main");
	}
	n = unit_leaks(m, &s);
	o = unit_find_kind(s, n, PM_LEAK_EXPORT_GROWTH);
	EXPECT(o != NULL);
	if (o) {
		EXPECT_EQ(o->pid, 100);
		EXPECT_EQ(o->count, 20);
		EXPECT_EQ(o->bytes, 20 * 65536);
		EXPECT(o->ustack && strstr(o->ustack->s, "export_loop"));
	}
	EXPECT_EQ(n, 1);
	pm_suspects_free(m, s, n);
	pm_model_free(m);
}

UNIT_TEST(import_growth)
{
	struct pm_model *m = pm_model_new(0);
	struct pm_leak_opts opts = { .growth = 4 };
	const struct pm_suspect *o;
	struct pm_suspect *s;
	int n;

	for (int i = 1; i <= 5; i++) {
		create(m, i * MS, 100, 1, i, i, 0);
		export(m, i * MS + 10, 100, 1, i, i, i, i, 3 + i, 0, NULL);
		import(m, i * MS + 100000, 200, 2, 100 + i, i, i, i, 20 + i, i, 1, "ioctl;take");
	}
	n = pm_model_leaks(m, &opts, &s);
	o = unit_find_kind(s, n, PM_LEAK_IMPORT_GROWTH);
	EXPECT(o != NULL && o->pid == 200 && o->count == 5);
	EXPECT(unit_find_kind(s, n, PM_LEAK_EXPORT_GROWTH) != NULL);
	pm_suspects_free(m, s, n);
	pm_model_free(m);
}

UNIT_TEST(import_freed_without_teardown)
{
	struct pm_model *m = pm_model_new(0);
	const struct pm_suspect *o;
	struct pm_suspect *s;
	int n;

	create(m, 1 * MS, 100, 1, 1, 1, 0);
	export(m, 2 * MS, 100, 1, 1, 1, 1, 7, 5, 0, NULL);
	import(m, 3 * MS, 100, 2, 2, 1, 1, 7, 5, 1, 1, "ioctl;import_it");
	handle_delete(m, 4 * MS, 100, 2, 2, 1, 1, 1);
	import_free(m, 4 * MS + 100, 100, 1, 2, 1, false);
	handle_delete(m, 5 * MS, 100, 1, 1, 1, 1, 3);
	task_exit(m, 6 * MS, 100);
	snap_begin(m, 2 * S);
	snap_buf(m, 2 * S, 1, 7, 1, 0, 0);
	snap_end(m, 2 * S, SNAP_ALL);
	n = unit_leaks(m, &s);
	o = unit_find_kind(s, n, PM_LEAK_NO_TEARDOWN);
	EXPECT(o != NULL);
	if (o) {
		EXPECT_EQ(o->pid, 100);
		EXPECT_EQ(o->obj, OBJ(2));
		EXPECT(o->kstack && strstr(o->kstack->s, "vprime_gem_import_free"));
	}
	o = unit_find_kind(s, n, PM_LEAK_ATTACH_AT_FREE);
	EXPECT(o != NULL && o->ino == 7);
	/* and the dma-buf now lives with nothing holding it */
	o = unit_find_kind(s, n, PM_LEAK_ORPHAN_BUF);
	EXPECT(o != NULL && o->ino == 7 && o->pid_exited);
	EXPECT_EQ(n, 3);
	pm_suspects_free(m, s, n);
	pm_model_free(m);
}

UNIT_TEST(exported_object_outlives_everything)
{
	struct pm_model *m = pm_model_new(0);
	const struct pm_suspect *o;
	struct pm_suspect *s;
	int n;

	create(m, 1 * MS, 100, 1, 1, 1, 0);
	export(m, 2 * MS, 100, 1, 1, 1, 1, 7, 5, 0, "ioctl;export_it");
	handle_delete(m, 3 * MS, 100, 1, 1, 1, 1, 3);
	release(m, 4 * MS, 100, 1, 1);
	/* no free: a reference was leaked */
	task_exit(m, 5 * MS, 100);
	snap_begin(m, 2 * S);
	snap_end(m, 2 * S, SNAP_ALL);
	n = unit_leaks(m, &s);
	EXPECT_EQ(n, 1);
	o = unit_find_kind(s, n, PM_LEAK_ORPHAN_OBJ);
	EXPECT(o != NULL);
	if (o) {
		EXPECT_EQ(o->pid, 100);
		EXPECT_EQ(o->obj, OBJ(1));
		EXPECT(o->kstack && strstr(o->kstack->s, "vprime_gem_export"));
	}
	pm_suspects_free(m, s, n);
	/* without a free hook the model cannot tell */
	pm_model_note_no_free(m);
	n = unit_leaks(m, &s);
	EXPECT_EQ(n, 0);
	pm_suspects_free(m, s, n);
	pm_model_free(m);
}

UNIT_TEST(min_age)
{
	struct pm_model *m = pm_model_new(0);
	struct pm_leak_opts opts = { .min_age_ns = 5 * S };
	struct pm_suspect *s;
	int n;

	create(m, 1 * MS, 100, 1, 1, 1, 0);
	export(m, 2 * MS, 100, 1, 1, 1, 1, 7, 5, 0, NULL);
	create(m, 4 * S, 100, 1, 2, 2, 0);
	export(m, 4 * S, 100, 1, 2, 2, 2, 8, 6, 0, NULL);
	pm_model_set_now(m, 6 * S);
	n = pm_model_leaks(m, &opts, &s);
	EXPECT_EQ(n, 1);
	EXPECT(n == 1 && s[0].kind == PM_LEAK_OLD && s[0].ino == 7 && s[0].pid == 100);
	pm_suspects_free(m, s, n);
	pm_model_free(m);
}

/* the hash tables against a plain array, through growth and deletion */
UNIT_TEST(tables_stay_consistent)
{
	struct pm_model *m = pm_model_new(1 << 20);
	static bool live[4000];
	struct pm_stats st;
	unsigned int seed = 1, nlive = 0;
	int bad = 0;

	for (int step = 0; step < 20000; step++) {
		int i;

		seed = seed * 1103515245 + 12345;
		i = (seed >> 8) % 4000;
		if (!live[i]) {
			struct pt_record r = rec(PT_EV_DMABUF_EXPORT, step + 1, 1);

			r.ev.dmabuf = DMABUF(i);
			r.ev.ino = i + 1;
			feed(m, r);
			live[i] = true;
			nlive++;
		} else {
			release(m, step + 1, 1, i, -1);
			live[i] = false;
			nlive--;
		}
	}
	for (int i = 0; i < 4000; i++) {
		const struct pm_buf *b = pm_model_buf(m, DMABUF(i));

		if (live[i] != (b != NULL) || (b && b->ino != (__u64)i + 1) ||
		    (b && pm_model_buf_by_ino(m, i + 1) != b))
			bad++;
	}
	EXPECT_EQ(bad, 0);
	pm_model_stats(m, &st);
	EXPECT_EQ(st.bufs, nlive);
	pm_model_free(m);
}

/* --- regressions: hostile and lossy input (the reproducers as recorded) -------- */

static void feed_json(struct pm_model *m, const char *line)
{
	struct pt_record r;

	if (pt_record_parse_json(line, &r, NULL) == 0) {
		pm_model_feed(m, &r);
		pt_record_free(&r);
	} else {
		printf("does not parse: %s\n", line);
	}
}

/*
 * A handle reused for another object after its process was seen exiting
 * (the close was lost): freeing the old handle freed the file that the new
 * one goes into, which was then read (AddressSanitizer: use after free).
 */
UNIT_TEST(handle_reuse_after_exit_keeps_the_file)
{
	struct pm_model *m = pm_model_new(0);
	char buf[256];
	const struct pm_file *f;
	const struct pm_obj *o;

	feed_json(m,
		  "{\"type\":\"gem_handle_create\",\"pid\":139,\"obj\":\"0x2\",\"file\":\"0xf00\","
		  "\"handle\":1}");
	feed_json(m, "{\"type\":\"task_exit\",\"pid\":139}");
	feed_json(m,
		  "{\"type\":\"gem_handle_create\",\"pid\":139,\"obj\":\"0xf\",\"file\":\"0xf00\","
		  "\"handle\":1}");
	f = pm_model_file(m, 0xf00);
	EXPECT(f != NULL);
	EXPECT(f && f->nhandles == 1 && f->handles && f->handles->obj == 0xf);
	o = pm_model_obj(m, 0x2);
	EXPECT(!o || o->handles == 0);
	o = pm_model_obj(m, 0xf);
	EXPECT(o && o->handles == 1);
	EXPECT(pm_model_incomplete(m) & PM_INC_DROPS);
	/* no count of lost events: none is claimed */
	pm_model_incomplete_text(m, buf, sizeof(buf));
	EXPECT(strstr(buf, "0 events") == NULL);
	EXPECT(strstr(buf, "events lost (seen by what followed them)") != NULL);
	pm_model_free(m);
}

/*
 * An attachment by a process the model does not know, left on a released
 * buffer: the finding's comm came from 15 bytes of the 2-byte literal "?"
 * (AddressSanitizer: global buffer overflow).
 */
UNIT_TEST(attachment_at_release_by_unknown_process)
{
	struct pm_model *m = pm_model_new(0);
	struct pm_suspect *s;
	const struct pm_suspect *a;
	int n;

	feed_json(m, "{\"type\":\"dmabuf_attach\",\"dmabuf\":\"0x1\",\"attach\":\"0xf\"}");
	feed_json(m, "{\"type\":\"dmabuf_release\",\"dmabuf\":\"0x1\"}");
	n = unit_leaks(m, &s);
	a = unit_find_kind(s, n, PM_LEAK_ATTACH_AT_FREE);
	EXPECT(a != NULL);
	EXPECT(a && !strcmp(a->comm, "?"));
	pm_suspects_free(m, s, n);
	pm_model_free(m);
}

/* like free(): nothing to do (UBSan saw member addresses of NULL formed) */
UNIT_TEST(free_null_model)
{
	pm_model_free(NULL);
	EXPECT(1);
}

/* entries the kernel's live tables refused make the picture incomplete, counted */
UNIT_TEST(table_losses_mark_incomplete)
{
	struct pm_model *m = pm_model_new(0);
	struct pm_stats st;
	char buf[256];

	export(m, 2 * MS, 100, 1, 1, 1, 1, 7, 5, 0, NULL);
	pm_model_note_table_lost(m, 0);
	EXPECT(!(pm_model_incomplete(m) & PM_INC_TABLES));
	pm_model_incomplete_text(m, buf, sizeof(buf));
	EXPECT(strstr(buf, "table") == NULL);
	pm_model_note_table_lost(m, 40);
	pm_model_note_table_lost(m, 2);
	EXPECT(pm_model_incomplete(m) & PM_INC_TABLES);
	pm_model_incomplete_text(m, buf, sizeof(buf));
	EXPECT(strstr(buf, "42 table evictions/insert failures") != NULL);
	pm_model_stats(m, &st);
	EXPECT_EQ(st.table_lost, 42);
	pm_model_note_skipped(m, 1);
	pm_model_incomplete_text(m, buf, sizeof(buf));
	EXPECT(strstr(buf, "1 malformed input line skipped; 42 table evictions") != NULL);
	pm_model_free(m);
}

/* lines a reader skipped make the picture incomplete, and say how many */
UNIT_TEST(skipped_lines_mark_incomplete)
{
	struct pm_model *m = pm_model_new(0);
	struct pm_stats st;
	char buf[256];

	export(m, 2 * MS, 100, 1, 1, 1, 1, 7, 5, 0, NULL);
	EXPECT(!(pm_model_incomplete(m) & PM_INC_SKIPPED));
	pm_model_note_skipped(m, 0);
	EXPECT(!(pm_model_incomplete(m) & PM_INC_SKIPPED));
	pm_model_note_skipped(m, 1);
	EXPECT(pm_model_incomplete(m) & PM_INC_SKIPPED);
	pm_model_incomplete_text(m, buf, sizeof(buf));
	EXPECT(strstr(buf, "1 malformed input line skipped") != NULL);
	pm_model_note_skipped(m, 2);
	pm_model_incomplete_text(m, buf, sizeof(buf));
	EXPECT(strstr(buf, "3 malformed input lines skipped") != NULL);
	pm_model_stats(m, &st);
	EXPECT_EQ(st.skipped, 3);
	/* with the other reasons, each once */
	pm_model_note_drops(m, 5);
	pm_model_incomplete_text(m, buf, sizeof(buf));
	EXPECT(strstr(buf, "5 events lost") && strstr(buf, "; 3 malformed input lines skipped"));
	pm_model_free(m);
}

int main(void)
{
	UNIT_RUN(export_then_close);
	UNIT_RUN(import_and_teardown);
	UNIT_RUN(unseen_buffer_marks_incomplete);
	UNIT_RUN(snapshot_replaces_holders);
	UNIT_RUN(snapshot_lists_handles);
	UNIT_RUN(unseen_gem_buffer_needs_its_exporter);
	UNIT_RUN(snapshot_by_inode_then_pointer);
	UNIT_RUN(address_reuse_ends_the_old_buffer);
	UNIT_RUN(fd_number_reuse_moves_the_holder);
	UNIT_RUN(bound_refuses_and_says_so);
	UNIT_RUN(exit_drops_holders);
	UNIT_RUN(short_lived_processes_are_forgotten);
	UNIT_RUN(clean_run_has_no_suspects);
	UNIT_RUN(buffers_held_by_fds_are_not_orphans);
	UNIT_RUN(orphan_after_exporter_exits);
	UNIT_RUN(orphan_needs_the_grace_period);
	UNIT_RUN(unclosed_import_handle);
	UNIT_RUN(import_held_with_its_fd_is_fine);
	UNIT_RUN(reimport_handle_after_handle);
	UNIT_RUN(export_growth);
	UNIT_RUN(import_growth);
	UNIT_RUN(import_freed_without_teardown);
	UNIT_RUN(exported_object_outlives_everything);
	UNIT_RUN(min_age);
	UNIT_RUN(tables_stay_consistent);
	UNIT_RUN(handle_reuse_after_exit_keeps_the_file);
	UNIT_RUN(attachment_at_release_by_unknown_process);
	UNIT_RUN(free_null_model);
	UNIT_RUN(skipped_lines_mark_incomplete);
	UNIT_RUN(table_losses_mark_incomplete);
	UNIT_EXIT();
}
