// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * primetrace: the lifetime model (see model.h).
 *
 * Each kind of thing lives in a hash table keyed by its kernel pointer
 * (handles by file and handle, holders by pid and fd or address). The
 * kernel reuses an address as soon as it is freed, so a "creation" event
 * for a pointer still in a table means its end was lost: the old entry is
 * ended first and the picture marked incomplete.
 *
 * Every entry counts against one bound (max_entries). At the bound new
 * entries are refused and counted (pm_stats.untracked): what is already
 * tracked stays exact, what is new is missing, and the model says so.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hashmap.h"
#include "model.h"

/*
 * Every table is a pt_map (hashmap.h) whose slot arrays come from
 * xcalloc/xfree, so that m->bytes counts them too; a key made of two
 * values (pt_map_key2) may collide: the callers check what they find.
 */
/* --- the model ------------------------------------------------------------- */

#define PM_MAX_FINDINGS 256

struct pm_model {
	struct pt_map bufs;	/* dmabuf -> pm_buf */
	struct pt_map inos;	/* ino -> pm_buf */
	struct pt_map objs;	/* obj -> pm_obj */
	struct pt_map files;	/* file -> pm_file */
	struct pt_map handles;	/* pt_map_key2(file, handle) -> pm_handle */
	struct pt_map attaches; /* attach -> pm_attach */
	struct pt_map fds;	/* pt_map_key2(pid, fd) -> pm_holder */
	struct pt_map maps;	/* pt_map_key2(pid, addr) -> pm_holder */
	struct pt_map procs;	/* pid -> pm_proc */
	struct pt_map pending;	/* tid -> dmabuf: an fd-to-handle in progress */
	struct pt_map strs;	/* hash -> pm_str chain */

	struct pt_map_ops map_ops; /* through xcalloc/xfree */

	const struct pm_observer *obs;
	void *obs_ctx;

	unsigned int entries, max_entries;
	size_t bytes;
	__u64 now; /* set by pm_model_set_now, else 0 */
	struct pm_stats st;
	unsigned int inc;

	/* snapshots */
	bool in_snap;
	unsigned int epoch;
	__u64 snap_ts;	    /* the one in progress */
	__u64 snap_holders; /* last one that listed every fd and mapping */
	__u64 snap_handles; /* last one that listed every handle */

	struct pm_suspect findings[PM_MAX_FINDINGS];
	int nfindings;
	__u64 findings_lost;
};

static void *xcalloc(struct pm_model *m, size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (p)
		m->bytes += n * size;
	return p;
}

static void xfree(struct pm_model *m, void *p, size_t size)
{
	if (!p)
		return;
	m->bytes -= size;
	free(p);
}

/* the i-th of the model's PM_NMAPS maps */
#define PM_NMAPS 11
static struct pt_map *model_map(struct pm_model *m, size_t i)
{
	struct pt_map *all[PM_NMAPS] = { &m->bufs,    &m->inos,	    &m->objs, &m->files,
					 &m->handles, &m->attaches, &m->fds,  &m->maps,
					 &m->procs,   &m->pending,  &m->strs };

	return all[i];
}

static void *map_alloc(void *ctx, size_t n, size_t size)
{
	return xcalloc(ctx, n, size);
}

static void map_free(void *ctx, void *p, size_t bytes)
{
	xfree(ctx, p, bytes);
}

/* one more entry of any kind; false at the bound */
static bool entry_get(struct pm_model *m)
{
	if (m->entries >= m->max_entries) {
		m->st.untracked++;
		m->inc |= PM_INC_BOUND;
		return false;
	}
	m->entries++;
	return true;
}

static void *entry_new(struct pm_model *m, size_t size)
{
	void *p;

	if (!entry_get(m))
		return NULL;
	p = xcalloc(m, 1, size);
	if (!p)
		m->entries--;
	return p;
}

static void entry_free(struct pm_model *m, void *p, size_t size)
{
	if (!p)
		return;
	m->entries--;
	xfree(m, p, size);
}

/* --- shared strings -------------------------------------------------------- */

static unsigned int str_hash(const char *s)
{
	unsigned int h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h ? h : 1;
}

static size_t str_size(const struct pm_str *p)
{
	return sizeof(*p) + (p->taken ? pt_stack_bytes(&p->raw) : strlen(p->s) + 1);
}

static struct pm_str *str_add(struct pm_model *m, struct pm_str *p, struct pm_str *head)
{
	p->refs = 1;
	p->next = head;
	if (pt_map_put(&m->strs, p->hash, p)) {
		xfree(m, p, str_size(p));
		return NULL;
	}
	return p;
}

static struct pm_str *str_get(struct pm_model *m, const char *s)
{
	unsigned int h;
	struct pm_str *p, *head;
	size_t len;

	if (!s || !*s)
		return NULL;
	h = str_hash(s);
	head = pt_map_get(&m->strs, h);
	for (p = head; p; p = p->next) {
		if (p->hash == h && !p->taken && !strcmp(p->s, s)) {
			p->refs++;
			return p;
		}
	}
	len = strlen(s) + 1;
	p = xcalloc(m, 1, sizeof(*p) + len);
	if (!p)
		return NULL;
	p->s = (char *)(p + 1);
	memcpy(p->s, s, len);
	p->hash = h;
	return str_add(m, p, head);
}

/* a stack as taken: interned by its frames, named only when shown */
static struct pm_str *raw_get(struct pm_model *m, const struct pt_stack *st)
{
	unsigned int h = pt_stack_hash(st);
	size_t bytes = pt_stack_bytes(st);
	struct pm_str *p, *head;

	head = pt_map_get(&m->strs, h);
	for (p = head; p; p = p->next) {
		if (p->hash == h && p->taken && pt_stack_equal(&p->raw, st)) {
			p->refs++;
			return p;
		}
	}
	p = xcalloc(m, 1, sizeof(*p) + bytes);
	if (!p)
		return NULL;
	p->taken = true;
	p->raw = *st;
	memcpy(p + 1, st->user ? (const void *)st->uf : (const void *)st->ip, bytes);
	if (st->user)
		p->raw.uf = (const void *)(p + 1);
	else
		p->raw.ip = (const void *)(p + 1);
	pt_syms_ref(p->raw.syms);
	p->hash = h;
	return str_add(m, p, head);
}

static void str_free(struct pm_model *m, struct pm_str *p)
{
	size_t size = str_size(p);

	if (p->taken) {
		free(p->s);
		pt_syms_put(p->raw.syms);
	}
	xfree(m, p, size);
}

const char *pm_stack_text(struct pm_str *st)
{
	if (st && st->taken && !st->s)
		st->s = pt_stack_name(&st->raw);
	return st ? st->s : NULL;
}

/* the same stack: the same frames, or (taken stacks differ in what they scanned) the same text */
static bool same_stack(struct pm_str *a, struct pm_str *b)
{
	const char *x, *y;

	if (a == b)
		return true;
	if (!a || !b)
		return false;
	x = pm_stack_text(a);
	y = pm_stack_text(b);
	return x && y && !strcmp(x, y);
}

static struct pm_str *str_ref(struct pm_str *p)
{
	if (p)
		p->refs++;
	return p;
}

static void str_put(struct pm_model *m, struct pm_str *p)
{
	struct pm_str **pp, *head;

	if (!p || --p->refs)
		return;
	head = pt_map_get(&m->strs, p->hash);
	for (pp = &head; *pp && *pp != p; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = p->next;
	if (head)
		pt_map_put(&m->strs, p->hash, head);
	else
		pt_map_del(&m->strs, p->hash);
	str_free(m, p);
}

/* a record's kernel (or user) stack, interned: NULL when it has none */
static struct pm_str *stack_get(struct pm_model *m, const struct pt_record *rec, bool user)
{
	const char *s = user ? rec->ustack : rec->kstack;
	const struct pt_stack *raw = user ? rec->uraw : rec->kraw;

	if (s)
		return str_get(m, s);
	return raw && raw->n ? raw_get(m, raw) : NULL;
}

static bool has_stack(const struct pt_record *rec, bool user)
{
	const char *s = user ? rec->ustack : rec->kstack;
	const struct pt_stack *raw = user ? rec->uraw : rec->kraw;

	return s ? *s : raw && raw->n;
}

static void set_stacks(struct pm_model *m, struct pm_str **k, struct pm_str **u,
		       const struct pt_record *rec)
{
	if (has_stack(rec, false)) {
		str_put(m, *k);
		*k = stack_get(m, rec, false);
	}
	if (has_stack(rec, true)) {
		str_put(m, *u);
		*u = stack_get(m, rec, true);
	}
}

/* --- processes ------------------------------------------------------------- */

static struct pm_proc *proc_get(struct pm_model *m, __u32 pid, const char *comm, __u64 ts)
{
	struct pm_proc *p;

	if (!pid)
		return NULL;
	p = pt_map_get(&m->procs, pid);
	if (p) {
		/* the pid was reused after its process exited */
		if (p->exited && ts > p->t_exit) {
			memset(p, 0, sizeof(*p));
			p->pid = pid;
			p->t_first = ts;
		}
		if (comm && *comm)
			snprintf(p->comm, sizeof(p->comm), "%s", comm);
		return p;
	}
	p = entry_new(m, sizeof(*p));
	if (!p)
		return NULL;
	if (pt_map_put(&m->procs, pid, p)) {
		entry_free(m, p, sizeof(*p));
		return NULL;
	}
	p->pid = pid;
	p->t_first = ts;
	if (comm)
		snprintf(p->comm, sizeof(p->comm), "%s", comm);
	return p;
}

/* --- holders --------------------------------------------------------------- */

static struct pm_buf *buf_find(const struct pm_model *m, __u64 dmabuf, __u64 ino)
{
	struct pm_buf *b = pt_map_get(&m->bufs, dmabuf);

	return b ? b : pt_map_get(&m->inos, ino);
}

static void holder_unlink(struct pm_model *m, struct pm_holder *h, __u64 dmabuf)
{
	struct pm_buf *b = pt_map_get(&m->bufs, dmabuf);
	struct pm_holder **pp;

	if (h->fd >= 0)
		pt_map_del(&m->fds, pt_map_key2(h->pid, (__u32)h->fd));
	else
		pt_map_del(&m->maps, pt_map_key2(h->pid, h->addr));
	if (b) {
		for (pp = &b->holders; *pp && *pp != h; pp = &(*pp)->next)
			;
		if (*pp)
			*pp = h->next;
	}
	entry_free(m, h, sizeof(*h));
}

/* the holder's buffer, stored in its own map */
struct holder_ent {
	struct pm_holder h;
	__u64 dmabuf;
};

static void holder_drop(struct pm_model *m, struct pm_holder *h)
{
	holder_unlink(m, h, ((struct holder_ent *)h)->dmabuf);
}

/* pid holds b as fd (fd >= 0) or maps it at addr */
static void holder_add(struct pm_model *m, struct pm_buf *b, __u32 pid, __s32 fd, __u64 addr,
		       __u64 len, __u64 ts, bool confirmed)
{
	struct pt_map *map = fd >= 0 ? &m->fds : &m->maps;
	__u64 key = fd >= 0 ? pt_map_key2(pid, (__u32)fd) : pt_map_key2(pid, addr);
	struct holder_ent *e = pt_map_get(map, key);

	if (!pid || (fd < 0 && !addr))
		return;
	/* an fd number (a mapping address) names one file at a time */
	if (e &&
	    (e->h.pid != pid || e->h.fd != fd || e->h.addr != addr || e->dmabuf != b->dmabuf)) {
		holder_drop(m, &e->h);
		e = NULL;
	}
	if (!e) {
		e = entry_new(m, sizeof(*e));
		if (!e)
			return;
		if (pt_map_put(map, key, e)) {
			entry_free(m, e, sizeof(*e));
			return;
		}
		e->h.pid = pid;
		e->h.fd = fd;
		e->h.addr = fd >= 0 ? 0 : addr;
		e->dmabuf = b->dmabuf;
		e->h.next = b->holders;
		b->holders = &e->h;
		e->h.ts = ts;
	}
	e->h.len = len;
	e->h.confirmed = e->h.confirmed || confirmed;
	e->h.epoch = m->epoch;
	if (!confirmed)
		b->t_change = ts;
}

static void buf_drop_holders(struct pm_model *m, struct pm_buf *b)
{
	while (b->holders)
		holder_drop(m, b->holders);
}

/* --- buffers --------------------------------------------------------------- */

static void finding(struct pm_model *m, const struct pm_suspect *s);
static void obj_unexported(struct pm_model *m, struct pm_buf *b, __u64 ts);

/*
 * An exited process is kept while something it made or holds is alive
 * (its comm and its exit are evidence); then it goes, so that short-lived
 * processes do not fill the bound.
 */
static void proc_maybe_free(struct pm_model *m, struct pm_proc *p)
{
	if (!p || !p->exited || p->live_exports > 0 || p->live_imports > 0)
		return;
	pt_map_for_each(&m->files, i)
	{
		if (((struct pm_file *)i->val)->pid == p->pid)
			return;
	}
	pt_map_for_each(&m->objs, i)
	{
		const struct pm_obj *o = i->val;

		if (o->pid == p->pid || o->exp_pid == p->pid)
			return;
	}
	for (int i = 0; i < m->nfindings; i++)
		if (m->findings[i].pid == p->pid)
			m->findings[i].pid_exited = true;
	pt_map_del(&m->procs, p->pid);
	entry_free(m, p, sizeof(*p));
}

static void attach_free(struct pm_model *m, struct pm_buf *b, struct pm_attach *a)
{
	struct pm_attach **pp;

	if (b) {
		for (pp = &b->attachments; *pp && *pp != a; pp = &(*pp)->next)
			;
		if (*pp)
			*pp = a->next;
	}
	pt_map_del(&m->attaches, a->attach);
	entry_free(m, a, sizeof(*a));
}

static void buf_free(struct pm_model *m, struct pm_buf *b, __u64 ts)
{
	struct pm_proc *p;

	if (m->obs && m->obs->buf_end)
		m->obs->buf_end(m->obs_ctx, b, ts);
	buf_drop_holders(m, b);
	while (b->attachments)
		attach_free(m, b, b->attachments);
	obj_unexported(m, b, ts);
	if (b->exp_pid && !(b->flags & PM_F_UNSEEN)) {
		p = pt_map_get(&m->procs, b->exp_pid);
		if (p && p->live_exports > 0) {
			p->live_exports--;
			p->live_export_bytes -= b->size;
			p->releases++;
		}
	} else {
		p = NULL;
	}
	pt_map_del(&m->bufs, b->dmabuf);
	if (b->ino && pt_map_get(&m->inos, b->ino) == b)
		pt_map_del(&m->inos, b->ino);
	str_put(m, b->kstack);
	str_put(m, b->ustack);
	entry_free(m, b, sizeof(*b));
	proc_maybe_free(m, p);
}

static void buf_fill(struct pm_buf *b, const struct pt_event *e)
{
	if (e->ino && !b->ino)
		b->ino = e->ino;
	if (e->size)
		b->size = e->size;
	if (e->exp_name[0])
		memcpy(b->exp_name, e->exp_name, sizeof(b->exp_name));
	if (e->exp_obj)
		b->exp_obj = e->exp_obj;
	if (e->exp_driver[0])
		memcpy(b->exp_driver, e->exp_driver, sizeof(b->exp_driver));
	if (e->exp_minor >= 0)
		b->exp_minor = e->exp_minor;
	if (e->file_count >= 0)
		b->file_count = e->file_count;
}

static void buf_rekey(struct pm_model *m, struct pm_buf *b, __u64 dmabuf)
{
	pt_map_del(&m->bufs, b->dmabuf);
	b->dmabuf = dmabuf;
	if (pt_map_put(&m->bufs, dmabuf, b))
		return;
	for (struct pm_holder *h = b->holders; h; h = h->next)
		((struct holder_ent *)h)->dmabuf = dmabuf;
	for (struct pm_attach *a = b->attachments; a; a = a->next)
		a->dmabuf = dmabuf;
}

/*
 * The buffer an event names. 'create' is set for the export itself; any
 * other event naming an unknown buffer means it existed before tracing.
 */
static struct pm_buf *buf_get(struct pm_model *m, const struct pt_record *rec, bool create)
{
	const struct pt_event *e = &rec->ev;
	struct pm_buf *b;

	if (!e->dmabuf && !e->ino)
		return NULL;
	b = buf_find(m, e->dmabuf, e->ino);
	if (b && e->dmabuf && b->dmabuf != e->dmabuf) {
		if (PT_IS_INO_KEY(b->dmabuf) && !PT_IS_INO_KEY(e->dmabuf))
			buf_rekey(m, b, e->dmabuf); /* known by its inode until now */
		else if (!PT_IS_INO_KEY(e->dmabuf))
			b = pt_map_get(&m->bufs, e->dmabuf); /* another buffer got the inode */
	}
	if (b && create) {
		/* a snapshot raced the export: what it listed stays */
		if ((b->flags & PM_F_UNSEEN) && e->ts <= m->snap_ts && b->t_seen >= e->ts) {
			b->flags &= ~PM_F_UNSEEN;
			goto fill_creation;
		}
		if (b->t_create == e->ts)
			return b; /* the same export, seen by another hook */
		/* the address came back: the release of the old one was lost */
		m->inc |= PM_INC_DROPS;
		buf_free(m, b, e->ts);
		b = NULL;
	}
	if (b) {
		buf_fill(b, e);
		return b;
	}
	if (!e->dmabuf)
		return NULL; /* an inode alone cannot start an entry */
	b = entry_new(m, sizeof(*b));
	if (!b)
		return NULL;
	if (pt_map_put(&m->bufs, e->dmabuf, b)) {
		entry_free(m, b, sizeof(*b));
		return NULL;
	}
	b->dmabuf = e->dmabuf;
	b->exp_minor = -1;
	b->file_count = -1;
	b->t_seen = e->ts;
	buf_fill(b, e);
	if (b->ino)
		pt_map_put(&m->inos, b->ino, b);
	if (!create) {
		b->flags |= PM_F_UNSEEN;
		m->st.unseen++;
		if (m->obs && m->obs->buf_begin)
			m->obs->buf_begin(m->obs_ctx, b, e->ts);
		return b;
	}
fill_creation:
	buf_fill(b, e);
	if (b->ino && !pt_map_get(&m->inos, b->ino))
		pt_map_put(&m->inos, b->ino, b);
	b->t_create = e->ts;
	b->exp_pid = e->pid;
	memcpy(b->exp_comm, e->comm, sizeof(b->exp_comm));
	set_stacks(m, &b->kstack, &b->ustack, rec);
	{
		struct pm_proc *p = proc_get(m, e->pid, e->comm, e->ts);

		if (p) {
			p->exports++;
			p->export_bytes += b->size;
			p->live_exports++;
			p->live_export_bytes += b->size;
			if (p->live_exports > p->live_exports_max)
				p->live_exports_max = p->live_exports;
		}
	}
	if (m->obs && m->obs->buf_begin)
		m->obs->buf_begin(m->obs_ctx, b, e->ts);
	return b;
}

/* --- GEM objects, files, handles ------------------------------------------- */

static void obj_fill(struct pm_obj *o, const struct pt_event *e)
{
	if (e->obj_size)
		o->size = e->obj_size;
	if (e->driver[0])
		memcpy(o->driver, e->driver, sizeof(o->driver));
	if (e->minor >= 0)
		o->minor = e->minor;
	if (e->kref >= 0)
		o->kref = e->kref;
	if (e->handle_count >= 0)
		o->handle_count = e->handle_count;
}

static struct pm_obj *obj_get(struct pm_model *m, const struct pt_record *rec, bool create)
{
	const struct pt_event *e = &rec->ev;
	struct pm_obj *o;

	if (!e->obj)
		return NULL;
	o = pt_map_get(&m->objs, e->obj);
	if (o) {
		obj_fill(o, e);
		return o;
	}
	o = entry_new(m, sizeof(*o));
	if (!o)
		return NULL;
	if (pt_map_put(&m->objs, e->obj, o)) {
		entry_free(m, o, sizeof(*o));
		return NULL;
	}
	o->obj = e->obj;
	o->minor = -1;
	o->kref = -1;
	o->handle_count = -1;
	obj_fill(o, e);
	if (create) {
		o->t_create = e->ts;
		o->pid = e->pid;
		memcpy(o->comm, e->comm, sizeof(o->comm));
		set_stacks(m, &o->kstack, &o->ustack, rec);
	} else {
		o->flags |= PM_F_UNSEEN;
		m->st.unseen++;
	}
	return o;
}

static void obj_free(struct pm_model *m, struct pm_obj *o)
{
	__u32 pid = o->pid, exp_pid = o->exp_pid;

	pt_map_del(&m->objs, o->obj);
	str_put(m, o->kstack);
	str_put(m, o->ustack);
	str_put(m, o->exp_kstack);
	str_put(m, o->exp_ustack);
	entry_free(m, o, sizeof(*o));
	proc_maybe_free(m, pt_map_get(&m->procs, pid));
	if (exp_pid != pid)
		proc_maybe_free(m, pt_map_get(&m->procs, exp_pid));
}

/* b is being released: its exporting object no longer has a dma-buf */
static void obj_unexported(struct pm_model *m, struct pm_buf *b, __u64 ts)
{
	struct pm_obj *o = pt_map_get(&m->objs, b->exp_obj);

	if (!o || o->dmabuf != b->dmabuf)
		return;
	o->dmabuf = 0;
	o->t_unexported = ts;
	o->exp_pid = b->exp_pid;
	memcpy(o->exp_comm, b->exp_comm, sizeof(o->exp_comm));
	str_put(m, o->exp_kstack);
	str_put(m, o->exp_ustack);
	o->exp_kstack = str_ref(b->kstack);
	o->exp_ustack = str_ref(b->ustack);
}

static struct pm_file *file_get(struct pm_model *m, const struct pt_event *e)
{
	struct pm_file *f;

	if (!e->file)
		return NULL;
	f = pt_map_get(&m->files, e->file);
	if (!f) {
		f = entry_new(m, sizeof(*f));
		if (!f)
			return NULL;
		if (pt_map_put(&m->files, e->file, f)) {
			entry_free(m, f, sizeof(*f));
			return NULL;
		}
		f->file = e->file;
		f->minor = -1;
		f->pid = e->pid;
		memcpy(f->comm, e->comm, sizeof(f->comm));
	}
	if (e->driver[0] && !f->driver[0])
		memcpy(f->driver, e->driver, sizeof(f->driver));
	if (e->minor >= 0 && f->minor < 0)
		f->minor = e->minor;
	return f;
}

static void file_free(struct pm_model *m, struct pm_file *f)
{
	__u32 pid = f->pid;

	pt_map_del(&m->files, f->file);
	entry_free(m, f, sizeof(*f));
	proc_maybe_free(m, pt_map_get(&m->procs, pid));
}

/* a file with no handle left whose process is gone will not be seen again */
static void file_maybe_free(struct pm_model *m, struct pm_file *f)
{
	const struct pm_proc *p = pt_map_get(&m->procs, f->pid);

	if (!f->nhandles && p && p->exited)
		file_free(m, f);
}

static struct pm_handle *handle_find(const struct pm_model *m, __u64 file, __u32 handle)
{
	struct pm_handle *h = pt_map_get(&m->handles, pt_map_key2(file, handle));

	return h && h->file == file && h->handle == handle ? h : NULL;
}

static void proc_import_gone(struct pm_model *m, struct pm_handle *h)
{
	struct pm_proc *p = pt_map_get(&m->procs, h->pid);
	struct pm_obj *o = pt_map_get(&m->objs, h->obj);

	if (!h->import || h->unseen || !p || p->live_imports <= 0)
		return;
	p->live_imports--;
	p->live_import_bytes -= o ? o->size : 0;
	proc_maybe_free(m, p);
}

static void handle_free(struct pm_model *m, struct pm_handle *h, __u64 ts)
{
	struct pm_file *f = pt_map_get(&m->files, h->file);
	struct pm_obj *o = pt_map_get(&m->objs, h->obj);

	if (h->import && m->obs && m->obs->import_end)
		m->obs->import_end(m->obs_ctx, h, ts);
	proc_import_gone(m, h);
	if (f) {
		/* a file of many handles closing them oldest first stays linear */
		*h->pprev = h->next;
		if (h->next)
			h->next->pprev = h->pprev;
		f->nhandles--;
		if (h->import) {
			f->nimports--;
			f->imports_closed++;
		}
	}
	if (o && o->handles)
		o->handles--;
	pt_map_del(&m->handles, pt_map_key2(h->file, h->handle));
	str_put(m, h->kstack);
	str_put(m, h->ustack);
	entry_free(m, h, sizeof(*h));
	if (f)
		file_maybe_free(m, f);
}

static struct pm_handle *handle_add(struct pm_model *m, struct pm_file *f, struct pm_obj *o,
				    __u32 handle, const struct pt_record *rec, bool unseen)
{
	const struct pt_event *e = &rec->ev;
	struct pm_handle *h = handle_find(m, f->file, handle);

	if (h && h->obj != o->obj) {
		/*
		 * The handle was closed without us seeing it. f gets the new
		 * handle: keep it, though the old one may have been its last
		 * and its process seen exiting (events were lost).
		 */
		m->inc |= PM_INC_DROPS;
		f->nhandles++;
		handle_free(m, h, e->ts);
		f->nhandles--;
		h = NULL;
	}
	if (h)
		return h;
	if (pt_map_get(&m->handles, pt_map_key2(f->file, handle)))
		return NULL; /* a key collision: leave it untracked */
	h = entry_new(m, sizeof(*h));
	if (!h)
		return NULL;
	if (pt_map_put(&m->handles, pt_map_key2(f->file, handle), h)) {
		entry_free(m, h, sizeof(*h));
		return NULL;
	}
	h->file = f->file;
	h->obj = o->obj;
	h->handle = handle;
	h->pid = f->pid ? f->pid : e->pid;
	h->ts = e->ts;
	h->unseen = unseen;
	if (!unseen)
		set_stacks(m, &h->kstack, &h->ustack, rec);
	h->next = f->handles;
	if (h->next)
		h->next->pprev = &h->next;
	h->pprev = &f->handles;
	f->handles = h;
	f->nhandles++;
	o->handles++;
	return h;
}

/* a handle made by fd-to-handle: count it as the process's import */
static void handle_mark_import(struct pm_model *m, struct pm_handle *h, const struct pt_record *rec)
{
	struct pm_file *f = pt_map_get(&m->files, h->file);
	struct pm_obj *o = pt_map_get(&m->objs, h->obj);
	struct pm_proc *p;

	if (h->import)
		return;
	h->import = true;
	set_stacks(m, &h->kstack, &h->ustack, rec);
	if (f) {
		f->nimports++;
		f->imports_made++;
		if (f->nimports > f->imports_max)
			f->imports_max = f->nimports;
	}
	p = proc_get(m, h->pid, NULL, rec->ev.ts);
	if (p) {
		p->imports++;
		p->import_bytes += o ? o->size : 0;
		p->live_imports++;
		p->live_import_bytes += o ? o->size : 0;
		if (p->live_imports > p->live_imports_max)
			p->live_imports_max = p->live_imports;
	}
	if (m->obs && m->obs->import_begin) {
		struct pm_buf *b = o ? pt_map_get(&m->bufs, o->dmabuf) : NULL;

		m->obs->import_begin(m->obs_ctx, h, o, b ? b->ino : rec->ev.ino, rec->ev.ts);
	}
}

/* --- findings: what is wrong at the moment it happens ------------------------ */

static void finding(struct pm_model *m, const struct pm_suspect *s)
{
	struct pm_suspect *d;

	if (m->nfindings >= PM_MAX_FINDINGS) {
		m->findings_lost++;
		return;
	}
	d = &m->findings[m->nfindings++];
	*d = *s;
	str_ref(d->kstack);
	str_ref(d->ustack);
}

static void fmt_size(char *buf, size_t len, __u64 size)
{
	if (size >= (1ULL << 20) && !(size & ((1ULL << 20) - 1)))
		snprintf(buf, len, "%llu MiB", (unsigned long long)(size >> 20));
	else if (size >= 1024 && !(size & 1023))
		snprintf(buf, len, "%llu KiB", (unsigned long long)(size >> 10));
	else
		snprintf(buf, len, "%llu B", (unsigned long long)size);
}

static bool proc_exited(const struct pm_model *m, __u32 pid)
{
	const struct pm_proc *p = pt_map_get(&m->procs, pid);

	return p && p->exited;
}

static const char *proc_comm(const struct pm_model *m, __u32 pid)
{
	const struct pm_proc *p = pt_map_get(&m->procs, pid);

	return p && p->comm[0] ? p->comm : "?";
}

/* an imported object is being freed (e is the free event) */
static void obj_freed_import(struct pm_model *m, struct pm_obj *o, const struct pt_record *rec)
{
	const struct pt_event *e = &rec->ev;
	struct pm_attach *a = pt_map_get(&m->attaches, o->attach);
	struct pm_buf *b = pt_map_get(&m->bufs, a ? a->dmabuf : o->dmabuf);
	struct pm_suspect s;
	char sz[24];

	if (o->flags & PM_F_DESTROY)
		return;
	memset(&s, 0, sizeof(s));
	s.kind = PM_LEAK_NO_TEARDOWN;
	s.pid = e->pid;
	memcpy(s.comm, e->comm, sizeof(s.comm));
	s.ts = e->ts;
	s.obj = o->obj;
	s.size = o->size;
	s.dmabuf = b ? b->dmabuf : 0;
	s.ino = b ? b->ino : e->ino;
	memcpy(s.driver, o->driver, sizeof(s.driver));
	fmt_size(sz, sizeof(sz), o->size);
	snprintf(s.reason, sizeof(s.reason),
		 "imported GEM object freed without drm_prime_gem_destroy(): its attachment "
		 "and its dma-buf reference are never given back");
	snprintf(s.evidence, sizeof(s.evidence),
		 "%s object (%s) imported from dma-buf ino %llu by pid %u (%s); freed by pid "
		 "%u (%s) with no prime teardown before it",
		 o->driver[0] ? o->driver : "?", sz, (unsigned long long)s.ino, o->pid,
		 o->comm[0] ? o->comm : "?", e->pid, e->comm);
	/* the free path names the driver; the import names the process */
	s.kstack = has_stack(rec, false) ? stack_get(m, rec, false) : str_ref(o->kstack);
	s.ustack = str_ref(o->ustack);
	finding(m, &s);
	str_put(m, s.kstack);
	str_put(m, s.ustack);

	if (a) {
		memset(&s, 0, sizeof(s));
		s.kind = PM_LEAK_ATTACH_AT_FREE;
		s.pid = e->pid;
		memcpy(s.comm, e->comm, sizeof(s.comm));
		s.ts = e->ts;
		s.obj = o->obj;
		s.dmabuf = a->dmabuf;
		s.ino = b ? b->ino : 0;
		s.size = b ? b->size : o->size;
		memcpy(s.driver, b ? b->exp_driver : o->driver, sizeof(s.driver));
		snprintf(s.reason, sizeof(s.reason),
			 "attachment still present when its importing object was freed");
		snprintf(s.evidence, sizeof(s.evidence),
			 "attachment 0x%llx of dma-buf ino %llu (importer %s%s%s, %d mapping%s) "
			 "made by pid %u; the %s object that owned it is gone",
			 (unsigned long long)a->attach, (unsigned long long)s.ino,
			 a->importer[0] ? a->importer : "?", a->importer_driver[0] ? "/" : "",
			 a->importer_driver, a->maps, a->maps == 1 ? "" : "s", a->pid,
			 o->driver[0] ? o->driver : "?");
		s.kstack = has_stack(rec, false) ? stack_get(m, rec, false) : NULL;
		s.ustack = str_ref(o->ustack);
		finding(m, &s);
		str_put(m, s.kstack);
		str_put(m, s.ustack);
		a->obj = 0;
		a->dangling = true; /* nothing will detach it */
	}
}

/* --- events ---------------------------------------------------------------- */

static void on_export(struct pm_model *m, const struct pt_record *rec)
{
	const struct pt_event *e = &rec->ev;
	struct pm_buf *b;
	struct pm_obj *o;

	if (e->ret || !e->dmabuf)
		return;
	b = buf_get(m, rec, e->type == PT_EV_DMABUF_EXPORT);
	if (!b)
		return;
	if (e->obj) {
		o = obj_get(m, rec, false);
		if (o) {
			o->dmabuf = b->dmabuf;
			o->t_unexported = 0;
			if (!b->exp_obj)
				b->exp_obj = o->obj;
		}
	}
	/* the GEM hooks see the export when dma_buf_export() was not hooked */
	if (!b->t_create && (b->flags & PM_F_UNSEEN) && e->type != PT_EV_DMABUF_EXPORT &&
	    b->t_seen == e->ts) {
		b->flags &= ~PM_F_UNSEEN;
		m->st.unseen--;
		b->t_create = e->ts;
		b->exp_pid = e->pid;
		memcpy(b->exp_comm, e->comm, sizeof(b->exp_comm));
		set_stacks(m, &b->kstack, &b->ustack, rec);
	}
}

static void on_fd(struct pm_model *m, const struct pt_record *rec)
{
	const struct pt_event *e = &rec->ev;
	struct pm_buf *b;

	if (e->ret < 0 || e->fd < 0 || !e->dmabuf)
		return;
	b = buf_get(m, rec, false);
	if (b)
		holder_add(m, b, e->pid, e->fd, 0, 0, e->ts, false);
}

static void on_handle_to_fd(struct pm_model *m, const struct pt_record *rec)
{
	const struct pt_event *e = &rec->ev;
	struct pm_file *f;
	struct pm_obj *o;

	if (e->ret)
		return;
	on_fd(m, rec);
	f = file_get(m, e);
	o = obj_get(m, rec, false);
	if (f && o && e->handle)
		handle_add(m, f, o, e->handle, rec, !handle_find(m, f->file, e->handle));
	if (o && e->dmabuf)
		o->dmabuf = e->dmabuf;
}

static void on_dmabuf_get(struct pm_model *m, const struct pt_record *rec)
{
	const struct pt_event *e = &rec->ev;

	if (e->ret || !e->dmabuf)
		return;
	on_fd(m, rec);
	/* an fd-to-handle starts with dma_buf_get(): its handle is an import */
	if (e->hook == PT_HOOK_DMA_BUF_GET)
		pt_map_put(&m->pending, e->tid, (void *)(unsigned long)e->dmabuf);
}

static void on_fd_to_handle(struct pm_model *m, const struct pt_record *rec)
{
	const struct pt_event *e = &rec->ev;
	struct pm_file *f;
	struct pm_obj *o;

	pt_map_del(&m->pending, e->tid);
	if (e->ret)
		return;
	on_fd(m, rec);
	f = file_get(m, e);
	o = obj_get(m, rec, false);
	if (!f || !o || !e->handle)
		return;
	/* the handle was made by gem_handle_create, unless it existed before */
	if (!handle_find(m, f->file, e->handle))
		handle_add(m, f, o, e->handle, rec, true);
}

static void on_import(struct pm_model *m, const struct pt_record *rec)
{
	const struct pt_event *e = &rec->ev;
	struct pm_attach *a;
	struct pm_buf *b;
	struct pm_obj *o;

	if (e->ret || !e->obj)
		return;
	b = buf_get(m, rec, false);
	if (b && e->obj == b->exp_obj)
		return; /* self-import: the exporter's own object */
	o = obj_get(m, rec, true);
	if (!o)
		return;
	if (!o->t_create || (o->flags & PM_F_UNSEEN)) {
		o->flags &= ~PM_F_UNSEEN;
		o->t_create = e->ts;
		o->pid = e->pid;
		memcpy(o->comm, e->comm, sizeof(o->comm));
		set_stacks(m, &o->kstack, &o->ustack, rec);
	}
	o->flags |= PM_F_IMPORTED;
	o->flags &= ~PM_F_DESTROY;
	if (e->dmabuf)
		o->dmabuf = e->dmabuf;
	if (e->attach) {
		o->attach = e->attach;
		a = pt_map_get(&m->attaches, e->attach);
		if (a)
			a->obj = o->obj;
	}
	if (e->tid && e->dmabuf)
		pt_map_put(&m->pending, e->tid, (void *)(unsigned long)e->dmabuf);
	else
		pt_map_del(&m->pending, e->tid);
}

static void on_handle_create(struct pm_model *m, const struct pt_record *rec)
{
	const struct pt_event *e = &rec->ev;
	struct pm_handle *h;
	struct pm_file *f;
	struct pm_obj *o;
	__u64 pending;

	if (e->ret || !e->obj || !e->file)
		return;
	f = file_get(m, e);
	o = pt_map_get(&m->objs, e->obj);
	if (!o) {
		/* a new object: made by this call */
		o = obj_get(m, rec, true);
	} else {
		obj_fill(o, e);
	}
	if (!f || !o)
		return;
	if (e->dmabuf && !(o->flags & PM_F_IMPORTED) && !o->dmabuf)
		o->dmabuf = e->dmabuf;
	o->t_unheld = 0;
	h = handle_add(m, f, o, e->handle, rec, false);
	pending = (unsigned long)pt_map_get(&m->pending, e->tid);
	if (h && pending && e->dmabuf == pending)
		handle_mark_import(m, h, rec);
}

static void on_handle_delete(struct pm_model *m, const struct pt_record *rec)
{
	const struct pt_event *e = &rec->ev;
	struct pm_handle *h = handle_find(m, e->file, e->handle);
	struct pm_obj *o = pt_map_get(&m->objs, e->obj ? e->obj : h ? h->obj : 0);

	if (h)
		handle_free(m, h, e->ts);
	if (!o)
		return;
	if (e->kref >= 0)
		o->kref = e->kref;
	/* the event sees the count before this handle goes */
	if (e->handle_count > 0)
		o->handle_count = e->handle_count - 1;
	else if (o->handle_count > 0)
		o->handle_count--;
	if (o->handle_count == 0)
		o->t_unheld = e->ts;
}

static void on_gem_free(struct pm_model *m, const struct pt_record *rec)
{
	struct pm_obj *o = pt_map_get(&m->objs, rec->ev.obj);

	if (!o)
		return;
	if (o->flags & PM_F_IMPORTED)
		obj_freed_import(m, o, rec);
	/* handles cannot outlive their object: their closes were lost */
	if (o->handles) {
		pt_map_for_each_safe(&m->handles, struct pm_handle, h)
		{
			if (h->obj == o->obj)
				handle_free(m, h, rec->ev.ts);
		}
	}
	obj_free(m, o);
}

static void on_prime_destroy(struct pm_model *m, const struct pt_record *rec)
{
	struct pm_obj *o = pt_map_get(&m->objs, rec->ev.obj);

	if (o)
		o->flags |= PM_F_DESTROY;
}

static void on_release(struct pm_model *m, const struct pt_record *rec)
{
	const struct pt_event *e = &rec->ev;
	struct pm_buf *b = buf_find(m, e->dmabuf, 0);

	if (!b)
		return;
	/* nothing may stay attached to a buffer that is gone */
	for (struct pm_attach *a = b->attachments; a; a = a->next) {
		struct pm_suspect s;

		if (a->dangling)
			continue; /* reported when its object went */
		memset(&s, 0, sizeof(s));
		s.kind = PM_LEAK_ATTACH_AT_FREE;
		s.pid = a->pid;
		snprintf(s.comm, sizeof(s.comm), "%s", proc_comm(m, a->pid));
		s.ts = e->ts;
		s.dmabuf = b->dmabuf;
		s.ino = b->ino;
		s.size = b->size;
		memcpy(s.driver, b->exp_driver, sizeof(s.driver));
		snprintf(s.reason, sizeof(s.reason),
			 "dma-buf released while an attachment is still present");
		snprintf(s.evidence, sizeof(s.evidence),
			 "attachment 0x%llx (importer %s) made by pid %u, never detached",
			 (unsigned long long)a->attach, a->importer[0] ? a->importer : "?", a->pid);
		s.kstack = has_stack(rec, false) ? stack_get(m, rec, false) : NULL;
		finding(m, &s);
		str_put(m, s.kstack);
	}
	buf_free(m, b, e->ts);
}

static void on_file_release(struct pm_model *m, const struct pt_record *rec)
{
	struct pm_buf *b = buf_find(m, rec->ev.dmabuf, rec->ev.ino);

	/* the last fd and the last mapping are gone */
	if (b) {
		buf_drop_holders(m, b);
		b->file_count = 0;
	}
}

static void on_attach(struct pm_model *m, const struct pt_record *rec)
{
	const struct pt_event *e = &rec->ev;
	struct pm_buf *b;
	struct pm_attach *a;

	if (e->ret || !e->attach)
		return;
	b = buf_get(m, rec, false);
	if (!b)
		return;
	a = pt_map_get(&m->attaches, e->attach);
	if (a) {
		/* the detach was lost */
		attach_free(m, pt_map_get(&m->bufs, a->dmabuf), a);
		m->inc |= PM_INC_DROPS;
	}
	a = entry_new(m, sizeof(*a));
	if (!a)
		return;
	if (pt_map_put(&m->attaches, e->attach, a)) {
		entry_free(m, a, sizeof(*a));
		return;
	}
	a->attach = e->attach;
	a->dmabuf = b->dmabuf;
	a->pid = e->pid;
	a->ts = e->ts;
	memcpy(a->importer, e->importer, sizeof(a->importer));
	memcpy(a->importer_driver, e->importer_driver, sizeof(a->importer_driver));
	a->next = b->attachments;
	b->attachments = a;
}

static void on_detach(struct pm_model *m, const struct pt_record *rec)
{
	struct pm_attach *a = pt_map_get(&m->attaches, rec->ev.attach);

	if (a)
		attach_free(m, pt_map_get(&m->bufs, a->dmabuf), a);
}

static void on_map(struct pm_model *m, const struct pt_record *rec, int delta)
{
	struct pm_attach *a = pt_map_get(&m->attaches, rec->ev.attach);

	if (a && rec->ev.ret == 0) {
		a->maps += delta;
		if (a->maps < 0)
			a->maps = 0;
	}
}

static void on_mmap(struct pm_model *m, const struct pt_record *rec)
{
	const struct pt_event *e = &rec->ev;
	struct pm_buf *b;

	if (e->ret || !e->addr)
		return;
	b = buf_get(m, rec, false);
	if (b)
		holder_add(m, b, e->pid, -1, e->addr, e->len, e->ts, false);
}

static void on_vmap(struct pm_model *m, const struct pt_record *rec, int delta)
{
	struct pm_buf *b;

	if (rec->ev.ret)
		return;
	/* a vmap names its buffer (one made before tracing too); a vunmap of one unknown is moot */
	b = delta > 0 ? buf_get(m, rec, false) : buf_find(m, rec->ev.dmabuf, 0);
	if (b) {
		b->vmaps += delta;
		if (b->vmaps < 0)
			b->vmaps = 0;
	}
}

static void on_task_exit(struct pm_model *m, const struct pt_record *rec)
{
	const struct pt_event *e = &rec->ev;
	struct pm_proc *p = proc_get(m, e->pid, e->comm, e->ts);

	if (!p)
		return;
	p->exited = true;
	p->t_exit = e->ts;
	/* an exit closes every fd and mapping of the process */
	pt_map_for_each_safe(&m->fds, struct pm_holder, h)
	{
		if (h->pid == e->pid)
			holder_drop(m, h);
	}
	pt_map_for_each_safe(&m->maps, struct pm_holder, h)
	{
		if (h->pid == e->pid)
			holder_drop(m, h);
	}
	pt_map_del(&m->pending, e->tid);
	pt_map_for_each_safe(&m->files, struct pm_file, f)
	{
		if (f->pid == e->pid && !f->nhandles)
			file_free(m, f);
	}
	proc_maybe_free(m, pt_map_get(&m->procs, e->pid));
}

/* --- snapshots ------------------------------------------------------------- */

/* the buffer a snapshot record names, and its exporting object's counts */
static struct pm_buf *snap_seen(struct pm_model *m, const struct pt_record *rec)
{
	const struct pt_event *e = &rec->ev;
	struct pm_buf *b = buf_get(m, rec, false);
	struct pm_obj *o;

	if (!b)
		return NULL;
	b->flags |= PM_F_SNAPSHOT;
	b->epoch = m->epoch;
	if (!b->t_create && e->born)
		b->t_create = e->born;
	if (!b->exp_obj || e->handle_count < 0)
		return b;
	o = pt_map_get(&m->objs, b->exp_obj);
	if (!o) {
		struct pt_record r = *rec;

		r.kstack = r.ustack = NULL;
		r.kraw = r.uraw = NULL;
		r.ev.obj = b->exp_obj;
		r.ev.obj_size = e->size;
		memcpy(r.ev.driver, e->exp_driver, sizeof(r.ev.driver));
		r.ev.minor = e->exp_minor;
		o = obj_get(m, &r, false);
	}
	if (o) {
		o->flags |= PM_F_SNAPSHOT;
		o->handle_count = e->handle_count;
		if (e->kref >= 0)
			o->kref = e->kref;
		if (!o->dmabuf)
			o->dmabuf = b->dmabuf;
	}
	return b;
}

static void snap_holder(struct pm_model *m, const struct pt_record *rec, bool map)
{
	const struct pt_event *e = &rec->ev;
	struct pm_buf *b = snap_seen(m, rec);

	if (!b)
		return;
	proc_get(m, e->pid, e->comm, e->ts);
	holder_add(m, b, e->pid, map ? -1 : e->fd, map ? e->addr : 0, e->len, e->ts, true);
}

static void snap_handle(struct pm_model *m, const struct pt_record *rec)
{
	const struct pt_event *e = &rec->ev;
	struct pm_file *f = file_get(m, e);
	struct pm_obj *o = obj_get(m, rec, false);
	struct pm_handle *h;

	if (!f || !o || !e->handle)
		return;
	proc_get(m, e->pid, e->comm, e->ts);
	if (!f->pid)
		f->pid = e->pid;
	o->flags |= PM_F_SNAPSHOT;
	if (e->attach && !o->t_create) {
		o->flags |= PM_F_IMPORTED;
		o->attach = e->attach;
	}
	if (e->dmabuf) {
		/* the object's dma-buf: its exporter is known from here */
		struct pm_buf *b = buf_get(m, rec, false);

		if (b) {
			b->flags |= PM_F_SNAPSHOT;
			b->epoch = m->epoch;
			if (!b->t_create && e->born)
				b->t_create = e->born;
			if (!o->dmabuf)
				o->dmabuf = b->dmabuf;
		}
	}
	h = handle_add(m, f, o, e->handle, rec, true);
	if (h)
		h->epoch = m->epoch;
	o->t_unheld = 0;
}

static void snap_end(struct pm_model *m, const struct pt_record *rec)
{
	const struct pt_event *e = &rec->ev;
	unsigned int flags = e->flags;

	m->in_snap = false;
	m->st.snapshots++;
	/* what a complete list left out is gone */
	if (flags & PT_SNAP_FDS) {
		pt_map_for_each_safe(&m->fds, struct pm_holder, h)
		{
			if (h->epoch != m->epoch && h->ts < m->snap_ts)
				holder_drop(m, h);
		}
	}
	if (flags & PT_SNAP_MAPS) {
		pt_map_for_each_safe(&m->maps, struct pm_holder, h)
		{
			if (h->epoch != m->epoch && h->ts < m->snap_ts)
				holder_drop(m, h);
		}
	}
	if ((flags & (PT_SNAP_FDS | PT_SNAP_MAPS)) == (PT_SNAP_FDS | PT_SNAP_MAPS))
		m->snap_holders = e->ts;
	if (flags & PT_SNAP_HANDLES) {
		pt_map_for_each_safe(&m->handles, struct pm_handle, h)
		{
			struct pm_obj *o = pt_map_get(&m->objs, h->obj);

			if (h->epoch == m->epoch || h->ts >= m->snap_ts)
				continue;
			handle_free(m, h, e->ts);
			if (o && !o->handles && o->handle_count > 0)
				o->handle_count = 0;
		}
		m->snap_handles = e->ts;
	}
	if (flags & PT_SNAP_BUFS) {
		pt_map_for_each_safe(&m->bufs, struct pm_buf, b)
		{
			if (b->epoch != m->epoch && b->t_seen < m->snap_ts)
				buf_free(m, b, e->ts);
		}
	}
}

/* --- feeding --------------------------------------------------------------- */

static void instant(struct pm_model *m, const struct pt_record *rec)
{
	const struct pm_buf *b;

	if (!m->obs || !m->obs->instant)
		return;
	b = buf_find(m, rec->ev.dmabuf, rec->ev.ino);
	if (!b && rec->ev.attach) {
		const struct pm_attach *a = pt_map_get(&m->attaches, rec->ev.attach);

		b = a ? pt_map_get(&m->bufs, a->dmabuf) : NULL;
	}
	m->obs->instant(m->obs_ctx, rec, b);
}

void pm_model_feed(struct pm_model *m, const struct pt_record *rec)
{
	const struct pt_event *e = &rec->ev;

	if (e->type < PT_EV_SNAP_BEGIN)
		m->st.events++;
	if (!m->st.t_first || e->ts < m->st.t_first)
		m->st.t_first = e->ts;
	if (e->ts > m->st.t_last)
		m->st.t_last = e->ts;
	if (e->type < PT_EV_TASK_EXIT)
		proc_get(m, e->pid, e->comm, e->ts);

	switch (e->type) {
	case PT_EV_DMABUF_EXPORT:
	case PT_EV_GEM_EXPORT:
	case PT_EV_GEM_DMABUF_EXPORT:
		on_export(m, rec);
		break;
	case PT_EV_DMABUF_FD:
	case PT_EV_DMABUF_FD_INSTALL:
		on_fd(m, rec);
		break;
	case PT_EV_PRIME_HANDLE_TO_FD:
	case PT_EV_GEM_HANDLE_TO_FD:
	case PT_EV_GEM_HANDLE_TO_DMABUF:
		on_handle_to_fd(m, rec);
		break;
	case PT_EV_DMABUF_GET:
		on_dmabuf_get(m, rec);
		break;
	case PT_EV_PRIME_FD_TO_HANDLE:
	case PT_EV_GEM_FD_TO_HANDLE:
		on_fd_to_handle(m, rec);
		break;
	case PT_EV_GEM_IMPORT:
		on_import(m, rec);
		break;
	case PT_EV_GEM_HANDLE_CREATE:
		on_handle_create(m, rec);
		break;
	case PT_EV_GEM_HANDLE_DELETE:
		on_handle_delete(m, rec);
		break;
	case PT_EV_GEM_FREE:
		on_gem_free(m, rec);
		break;
	case PT_EV_GEM_PRIME_DESTROY:
		on_prime_destroy(m, rec);
		break;
	case PT_EV_GEM_DMABUF_RELEASE:
	case PT_EV_DMABUF_RELEASE:
		on_release(m, rec);
		break;
	case PT_EV_DMABUF_FILE_RELEASE:
		on_file_release(m, rec);
		break;
	case PT_EV_DMABUF_ATTACH:
		on_attach(m, rec);
		instant(m, rec);
		break;
	case PT_EV_DMABUF_DETACH:
		instant(m, rec);
		on_detach(m, rec);
		break;
	case PT_EV_DMABUF_MAP:
	case PT_EV_DMABUF_UNMAP:
		on_map(m, rec, e->type == PT_EV_DMABUF_MAP ? 1 : -1);
		instant(m, rec);
		break;
	case PT_EV_DMABUF_MMAP:
		on_mmap(m, rec);
		instant(m, rec);
		break;
	case PT_EV_DMABUF_VMAP:
	case PT_EV_DMABUF_VUNMAP:
		on_vmap(m, rec, e->type == PT_EV_DMABUF_VMAP ? 1 : -1);
		instant(m, rec);
		break;
	case PT_EV_TASK_EXIT:
		on_task_exit(m, rec);
		instant(m, rec);
		break;
	case PT_EV_SNAP_BEGIN:
		m->in_snap = true;
		m->epoch++;
		m->snap_ts = e->ts;
		break;
	case PT_EV_SNAP_BUF:
		snap_seen(m, rec);
		break;
	case PT_EV_SNAP_FD:
		snap_holder(m, rec, false);
		break;
	case PT_EV_SNAP_MMAP:
		snap_holder(m, rec, true);
		break;
	case PT_EV_SNAP_HANDLE:
		snap_handle(m, rec);
		break;
	case PT_EV_SNAP_END:
		snap_end(m, rec);
		break;
	default:
		break;
	}
}

/* --- setup and queries ----------------------------------------------------- */

struct pm_model *pm_model_new(unsigned int max_entries)
{
	struct pm_model *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->bytes = sizeof(*m);
	m->map_ops = (struct pt_map_ops){ .alloc = map_alloc, .free = map_free, .ctx = m };
	for (size_t i = 0; i < PM_NMAPS; i++)
		*model_map(m, i) = PT_MAP_INIT(&m->map_ops);
	m->max_entries = max_entries ? max_entries : PM_DEFAULT_MAX_OBJECTS;
	return m;
}

void pm_model_set_observer(struct pm_model *m, const struct pm_observer *obs, void *ctx)
{
	m->obs = obs;
	m->obs_ctx = ctx;
}

/* every map but strs, which is released after them */
static void release_maps(struct pm_model *m)
{
	for (size_t i = 0; i < PM_NMAPS; i++)
		if (model_map(m, i) != &m->strs)
			pt_map_release(model_map(m, i));
}

/* NULL is nothing to free, as with free() */
void pm_model_free(struct pm_model *m)
{
	if (!m)
		return;
	m->obs = NULL;
	pt_map_for_each_safe(&m->handles, struct pm_handle, h) handle_free(m, h, 0);
	pt_map_for_each_safe(&m->bufs, struct pm_buf, b) buf_free(m, b, 0);
	pt_map_for_each_safe(&m->objs, struct pm_obj, o) obj_free(m, o);
	pt_map_for_each(&m->files, i) entry_free(m, i->val, sizeof(struct pm_file));
	pt_map_for_each(&m->procs, i) entry_free(m, i->val, sizeof(struct pm_proc));
	for (int i = 0; i < m->nfindings; i++) {
		str_put(m, m->findings[i].kstack);
		str_put(m, m->findings[i].ustack);
	}
	release_maps(m);
	pt_map_for_each(&m->strs, i)
	{
		struct pm_str *p = i->val, *next;

		for (; p; p = next) {
			next = p->next;
			if (p->taken) {
				free(p->s);
				pt_syms_put(p->raw.syms);
			}
			free(p);
		}
	}
	pt_map_release(&m->strs);
	free(m);
}

void pm_model_note_drops(struct pm_model *m, __u64 n)
{
	m->st.drops += n;
	if (n)
		m->inc |= PM_INC_DROPS;
}

void pm_model_note_skipped(struct pm_model *m, unsigned long n)
{
	m->st.skipped += n;
	if (n)
		m->inc |= PM_INC_SKIPPED;
}

void pm_model_note_table_lost(struct pm_model *m, __u64 n)
{
	m->st.table_lost += n;
	if (n)
		m->inc |= PM_INC_TABLES;
}

void pm_model_note_no_free(struct pm_model *m)
{
	m->inc |= PM_INC_NOFREE;
}

void pm_model_set_now(struct pm_model *m, __u64 ts)
{
	m->now = ts;
}

__u64 pm_model_now(const struct pm_model *m)
{
	return m->now ? m->now : m->st.t_last;
}

static bool has_unseen(const struct pm_model *m)
{
	pt_map_for_each(&m->bufs, i)
	{
		const struct pm_buf *b = i->val;

		if ((b->flags & (PM_F_UNSEEN | PM_F_SNAPSHOT)) == PM_F_UNSEEN)
			return true;
	}
	return false;
}

unsigned int pm_model_incomplete(const struct pm_model *m)
{
	unsigned int inc = m->inc;

	if (has_unseen(m))
		inc |= PM_INC_UNSEEN;
	if (m->bufs.n && m->snap_holders < m->st.t_last)
		inc |= PM_INC_HOLDERS;
	return inc;
}

const char *pm_model_incomplete_text(const struct pm_model *m, char *buf, size_t len)
{
	unsigned int inc = pm_model_incomplete(m);
	size_t n = 0;

	buf[0] = '\0';
	/* without a count, the model saw the effect of an event it was not given */
	if ((inc & PM_INC_DROPS) && m->st.drops)
		n += snprintf(buf + n, len - n, "%s%llu events lost", n ? "; " : "",
			      (unsigned long long)m->st.drops);
	else if (inc & PM_INC_DROPS)
		n += snprintf(buf + n, len - n, "%sevents lost (seen by what followed them)",
			      n ? "; " : "");
	if ((inc & PM_INC_UNSEEN) && n < len)
		n += snprintf(buf + n, len - n, "%sbuffers from before tracing, not in a snapshot",
			      n ? "; " : "");
	if ((inc & PM_INC_BOUND) && n < len)
		n += snprintf(buf + n, len - n, "%s%llu entries over the bound of %u untracked",
			      n ? "; " : "", (unsigned long long)m->st.untracked, m->max_entries);
	if ((inc & PM_INC_HOLDERS) && n < len)
		n += snprintf(buf + n, len - n, "%sfd holders inferred (no snapshot since)",
			      n ? "; " : "");
	if ((inc & PM_INC_NOFREE) && n < len)
		n += snprintf(buf + n, len - n, "%sGEM object frees not seen", n ? "; " : "");
	if ((inc & PM_INC_SKIPPED) && n < len)
		n += snprintf(buf + n, len - n, "%s%llu malformed input line%s skipped",
			      n ? "; " : "", (unsigned long long)m->st.skipped,
			      m->st.skipped == 1 ? "" : "s");
	if ((inc & PM_INC_TABLES) && n < len)
		snprintf(buf + n, len - n, "%s%llu table evictions/insert failures", n ? "; " : "",
			 (unsigned long long)m->st.table_lost);
	return buf;
}

void pm_model_stats(const struct pm_model *m, struct pm_stats *st)
{
	*st = m->st;
	st->bufs = m->bufs.n;
	st->objs = m->objs.n;
	st->files = m->files.n;
	st->handles = m->handles.n;
	st->attachments = m->attaches.n;
	st->holders = m->fds.n + m->maps.n;
	st->procs = m->procs.n;
	st->entries = m->entries;
	st->max_entries = m->max_entries;
}

size_t pm_model_bytes(const struct pm_model *m)
{
	return m->bytes;
}

const struct pm_buf *pm_model_buf(const struct pm_model *m, __u64 dmabuf)
{
	return pt_map_get(&m->bufs, dmabuf);
}

const struct pm_buf *pm_model_buf_by_ino(const struct pm_model *m, __u64 ino)
{
	return pt_map_get(&m->inos, ino);
}

const struct pm_obj *pm_model_obj(const struct pm_model *m, __u64 obj)
{
	return pt_map_get(&m->objs, obj);
}

const struct pm_file *pm_model_file(const struct pm_model *m, __u64 file)
{
	return pt_map_get(&m->files, file);
}

const struct pm_proc *pm_model_proc(const struct pm_model *m, __u32 pid)
{
	return pt_map_get(&m->procs, pid);
}

static size_t collect(const struct pt_map *map, const void ***out,
		      int (*cmp)(const void *, const void *))
{
	const void **v = calloc(map->n ? map->n : 1, sizeof(*v));
	size_t n = 0;

	*out = v;
	if (!v)
		return 0;
	pt_map_for_each(map, i) v[n++] = i->val;
	qsort(v, n, sizeof(*v), cmp);
	return n;
}

static __u64 buf_time(const struct pm_buf *b)
{
	return b->t_create ? b->t_create : b->t_seen;
}

static int cmp_buf(const void *a, const void *b)
{
	const struct pm_buf *x = *(const struct pm_buf *const *)a;
	const struct pm_buf *y = *(const struct pm_buf *const *)b;

	if (buf_time(x) != buf_time(y))
		return buf_time(x) < buf_time(y) ? -1 : 1;
	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

static int cmp_obj(const void *a, const void *b)
{
	const struct pm_obj *x = *(const struct pm_obj *const *)a;
	const struct pm_obj *y = *(const struct pm_obj *const *)b;

	if (x->t_create != y->t_create)
		return x->t_create < y->t_create ? -1 : 1;
	return x->obj < y->obj ? -1 : x->obj > y->obj;
}

static int cmp_file(const void *a, const void *b)
{
	const struct pm_file *x = *(const struct pm_file *const *)a;
	const struct pm_file *y = *(const struct pm_file *const *)b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->file < y->file ? -1 : x->file > y->file;
}

static int cmp_proc(const void *a, const void *b)
{
	const struct pm_proc *x = *(const struct pm_proc *const *)a;
	const struct pm_proc *y = *(const struct pm_proc *const *)b;

	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

size_t pm_model_bufs(const struct pm_model *m, const struct pm_buf ***out)
{
	return collect(&m->bufs, (const void ***)out, cmp_buf);
}

size_t pm_model_objs(const struct pm_model *m, const struct pm_obj ***out)
{
	return collect(&m->objs, (const void ***)out, cmp_obj);
}

size_t pm_model_files(const struct pm_model *m, const struct pm_file ***out)
{
	return collect(&m->files, (const void ***)out, cmp_file);
}

size_t pm_model_procs(const struct pm_model *m, const struct pm_proc ***out)
{
	return collect(&m->procs, (const void ***)out, cmp_proc);
}

unsigned int pm_buf_fds(const struct pm_buf *b)
{
	unsigned int n = 0;

	for (const struct pm_holder *h = b->holders; h; h = h->next)
		n += h->fd >= 0;
	return n;
}

unsigned int pm_buf_maps(const struct pm_buf *b)
{
	unsigned int n = 0;

	for (const struct pm_holder *h = b->holders; h; h = h->next)
		n += h->fd < 0;
	return n;
}

unsigned int pm_buf_attachments(const struct pm_buf *b)
{
	unsigned int n = 0;

	for (const struct pm_attach *a = b->attachments; a; a = a->next)
		n++;
	return n;
}

/* --- leaks ----------------------------------------------------------------- */

static const char *const kind_names[PM_LEAK_MAX] = {
	[PM_LEAK_ORPHAN_BUF] = "orphan_dmabuf",
	[PM_LEAK_ORPHAN_OBJ] = "orphan_gem_object",
	[PM_LEAK_IMPORT_HANDLE] = "import_handle",
	[PM_LEAK_REIMPORT] = "reimport",
	[PM_LEAK_IMPORT_GROWTH] = "import_growth",
	[PM_LEAK_EXPORT_GROWTH] = "export_growth",
	[PM_LEAK_OLD] = "old",
	[PM_LEAK_ATTACH_AT_FREE] = "attach_at_free",
	[PM_LEAK_NO_TEARDOWN] = "import_no_teardown",
};

const char *pm_leak_kind_name(enum pm_leak_kind kind)
{
	return kind < PM_LEAK_MAX ? kind_names[kind] : "?";
}

struct leak_out {
	struct pm_suspect *v;
	int n, cap;
	bool oom;
};

static struct pm_suspect *leak_new(struct leak_out *out)
{
	struct pm_suspect *s;

	if (out->n == out->cap) {
		int cap = out->cap ? out->cap * 2 : 16;
		struct pm_suspect *v = realloc(out->v, cap * sizeof(*v));

		if (!v) {
			out->oom = true;
			return NULL;
		}
		out->v = v;
		out->cap = cap;
	}
	s = &out->v[out->n++];
	memset(s, 0, sizeof(*s));
	return s;
}

/* per dma-buf: the handles that hold it, found in one pass */
struct buf_handles {
	unsigned int imports;	  /* live import handles */
	unsigned int import_objs; /* live imported objects (with or without handles) */
};

static void count_buf_handles(const struct pm_model *m, const struct pm_buf *b,
			      struct buf_handles *bh)
{
	memset(bh, 0, sizeof(*bh));
	pt_map_for_each(&m->objs, i)
	{
		const struct pm_obj *o = i->val;

		if (o->dmabuf != b->dmabuf || o->obj == b->exp_obj)
			continue;
		bh->import_objs++;
	}
	pt_map_for_each(&m->handles, i)
	{
		const struct pm_handle *h = i->val;
		const struct pm_obj *o = pt_map_get(&m->objs, h->obj);

		if (h->import && o && (o->dmabuf == b->dmabuf || o->obj == b->exp_obj))
			bh->imports++;
	}
}

/* handles of the exporting object that were not made by an import */
static int own_handles(const struct pm_model *m, const struct pm_buf *b, bool *known)
{
	const struct pm_obj *o = pt_map_get(&m->objs, b->exp_obj);
	int imports = 0;

	*known = false;
	if (!b->exp_obj)
		return 0;
	if (!o || o->handle_count < 0)
		return 0;
	*known = true;
	pt_map_for_each(&m->handles, i)
	{
		const struct pm_handle *h = i->val;

		if (h->obj == o->obj && h->import)
			imports++;
	}
	return o->handle_count > imports ? o->handle_count - imports : 0;
}

/* attachments whose importer still exists (a GEM object, or a non-GEM user) */
static bool kernel_importers(const struct pm_buf *b)
{
	for (const struct pm_attach *a = b->attachments; a; a = a->next)
		if (!a->dangling)
			return true;
	return false;
}

static void suspect_buf(struct pm_suspect *s, const struct pm_buf *b)
{
	s->ino = b->ino;
	s->dmabuf = b->dmabuf;
	s->size = b->size;
	memcpy(s->driver, b->exp_driver[0] ? b->exp_driver : b->exp_name, sizeof(s->driver) - 1);
}

static void culprit(const struct pm_model *m, struct pm_suspect *s, __u32 pid, const char *comm)
{
	const struct pm_proc *p = pt_map_get(&m->procs, pid);

	s->pid = pid;
	s->pid_exited = p && p->exited;
	snprintf(s->comm, sizeof(s->comm), "%s", comm && *comm ? comm : p ? p->comm : "");
}

static int fmt_age(char *buf, size_t len, __u64 ns)
{
	return snprintf(buf, len, "%.1f s", ns / 1e9);
}

static void leak_orphans(struct pm_model *m, struct leak_out *out, __u64 now, __u64 grace)
{
	pt_map_for_each(&m->bufs, i)
	{
		const struct pm_buf *b = i->val;
		const struct pm_proc *p = pt_map_get(&m->procs, b->exp_pid);
		struct buf_handles bh;
		struct pm_suspect *s;
		bool known;
		int own;
		char sz[24], age[24];

		if (b->holders || b->vmaps > 0)
			continue;
		/*
		 * What existed before tracing is only known through a snapshot
		 * that listed every handle, and for a GEM export (exp_name
		 * "drm") only once its exporting object is known (debugfs
		 * bufinfo does not say): its handles would hold it.
		 */
		if ((b->flags & PM_F_UNSEEN) && (!(b->flags & PM_F_SNAPSHOT) || !m->snap_handles ||
						 (!b->exp_obj && !strcmp(b->exp_name, "drm"))))
			continue;
		if (now - (b->t_change > buf_time(b) ? b->t_change : buf_time(b)) < grace)
			continue;
		own = own_handles(m, b, &known);
		if (own || (b->exp_obj && !known))
			continue;
		count_buf_handles(m, b, &bh);
		if (bh.imports || bh.import_objs || kernel_importers(b))
			continue;
		s = leak_new(out);
		if (!s)
			return;
		s->kind = PM_LEAK_ORPHAN_BUF;
		suspect_buf(s, b);
		s->obj = b->exp_obj;
		s->ts = buf_time(b);
		culprit(m, s, b->exp_pid, b->exp_comm);
		s->kstack = str_ref(b->kstack);
		s->ustack = str_ref(b->ustack);
		fmt_size(sz, sizeof(sz), b->size);
		fmt_age(age, sizeof(age), now - buf_time(b));
		snprintf(
		    s->reason, sizeof(s->reason),
		    "dma-buf lives but no process holds an fd, a mapping or a GEM handle of it");
		if (b->exp_pid)
			snprintf(s->evidence, sizeof(s->evidence),
				 "ino %llu (%s, %s) exported by pid %u (%s), which %s; alive for "
				 "%s; %d attachment%s left",
				 (unsigned long long)b->ino, sz, s->driver, b->exp_pid, s->comm,
				 p && p->exited ? "exited" : "still runs but holds nothing of it",
				 age, (int)pm_buf_attachments(b),
				 pm_buf_attachments(b) == 1 ? "" : "s");
		else
			snprintf(s->evidence, sizeof(s->evidence),
				 "ino %llu (%s, %s) made before tracing began (%s ago); exporter "
				 "unknown",
				 (unsigned long long)b->ino, sz, s->driver, age);
	}
}

static void leak_orphan_objs(struct pm_model *m, struct leak_out *out, __u64 now, __u64 grace)
{
	if (m->inc & PM_INC_NOFREE)
		return;
	pt_map_for_each(&m->objs, i)
	{
		const struct pm_obj *o = i->val;
		struct pm_suspect *s;
		char sz[24];
		__u64 since;

		if ((o->flags & PM_F_IMPORTED) || !o->t_unexported || o->dmabuf)
			continue;
		if (o->handles || o->handle_count != 0 || !o->t_unheld)
			continue;
		since = o->t_unheld > o->t_unexported ? o->t_unheld : o->t_unexported;
		if (now - since < grace)
			continue;
		s = leak_new(out);
		if (!s)
			return;
		s->kind = PM_LEAK_ORPHAN_OBJ;
		s->obj = o->obj;
		s->size = o->size;
		s->ts = o->t_create;
		memcpy(s->driver, o->driver, sizeof(s->driver));
		culprit(m, s, o->exp_pid ? o->exp_pid : o->pid, o->exp_pid ? o->exp_comm : o->comm);
		s->kstack = str_ref(o->exp_kstack ? o->exp_kstack : o->kstack);
		s->ustack = str_ref(o->exp_ustack ? o->exp_ustack : o->ustack);
		fmt_size(sz, sizeof(sz), o->size);
		snprintf(s->reason, sizeof(s->reason),
			 "exported GEM object outlives its last handle and its dma-buf: a "
			 "reference is still held");
		snprintf(s->evidence, sizeof(s->evidence),
			 "%s:%d object (%s, kref %d) created by pid %u (%s), exported by pid %u; "
			 "last handle closed %.1f s ago, dma-buf released %.1f s ago, not freed "
			 "(a leaked reference, a framebuffer or a mapping of the DRM fd)",
			 o->driver[0] ? o->driver : "?", o->minor, sz, o->kref, o->pid,
			 o->comm[0] ? o->comm : "?", o->exp_pid, (now - o->t_unheld) / 1e9,
			 (now - o->t_unexported) / 1e9);
	}
}

static void leak_import_handles(struct pm_model *m, struct leak_out *out, __u64 now, __u64 grace)
{
	pt_map_for_each(&m->handles, i)
	{
		const struct pm_handle *h = i->val;
		const struct pm_obj *o = pt_map_get(&m->objs, h->obj);
		const struct pm_proc *p = pt_map_get(&m->procs, h->pid);
		const struct pm_buf *b;
		const struct pm_file *f;
		struct pm_suspect *s;
		bool known;
		char sz[24];

		if (!h->import || !o || (p && p->exited) || now - h->ts < grace)
			continue;
		b = pt_map_get(&m->bufs, o->dmabuf);
		if (!b || b->holders || b->vmaps > 0)
			continue;
		if (own_handles(m, b, &known) || (b->exp_obj && !known))
			continue;
		f = pt_map_get(&m->files, h->file);
		s = leak_new(out);
		if (!s)
			return;
		s->kind = PM_LEAK_IMPORT_HANDLE;
		suspect_buf(s, b);
		s->obj = o->obj;
		s->file = h->file;
		s->handle = h->handle;
		s->ts = h->ts;
		culprit(m, s, h->pid, NULL);
		s->kstack = str_ref(h->kstack);
		s->ustack = str_ref(h->ustack);
		fmt_size(sz, sizeof(sz), b->size);
		snprintf(s->reason, sizeof(s->reason),
			 "GEM handle from an import never closed: it is all that keeps the dma-buf "
			 "alive");
		snprintf(s->evidence, sizeof(s->evidence),
			 "handle %u on %s:%d (pid %u) imports dma-buf ino %llu (%s, %s), imported "
			 "%.1f s ago; its fds and mappings are closed and its exporter %s%u holds "
			 "no handle",
			 h->handle, f && f->driver[0] ? f->driver : o->driver,
			 f ? f->minor : o->minor, h->pid, (unsigned long long)b->ino, sz, s->driver,
			 (now - h->ts) / 1e9, b->exp_pid ? "pid " : "", b->exp_pid);
	}
}

struct imp {
	const struct pm_handle *h;
	__u64 dmabuf;
};

static int cmp_imp(const void *a, const void *b)
{
	const struct imp *x = a, *y = b;

	if (x->dmabuf != y->dmabuf)
		return x->dmabuf < y->dmabuf ? -1 : 1;
	if (x->h->ts != y->h->ts)
		return x->h->ts < y->h->ts ? -1 : 1;
	return x->h->handle < y->h->handle ? -1 : x->h->handle > y->h->handle;
}

/* per file: import handles grouped by the dma-buf they import */
static void leak_reimports(struct pm_model *m, struct leak_out *out)
{
	pt_map_for_each(&m->files, i)
	{
		const struct pm_file *f = i->val;
		struct imp *v;
		size_t n = 0;

		if (f->nimports < 2)
			continue;
		v = calloc(f->nimports, sizeof(*v));
		if (!v) {
			out->oom = true;
			return;
		}
		for (const struct pm_handle *h = f->handles; h && n < f->nimports; h = h->next) {
			const struct pm_obj *o = pt_map_get(&m->objs, h->obj);

			if (h->import && o && o->dmabuf)
				v[n++] = (struct imp){ h, o->dmabuf };
		}
		qsort(v, n, sizeof(*v), cmp_imp);
		for (size_t j = 0, k; j < n; j = k) {
			const struct pm_handle *first = v[j].h, *last;
			const struct pm_buf *b;
			struct pm_suspect *s;

			for (k = j + 1; k < n && v[k].dmabuf == v[j].dmabuf; k++)
				;
			if (k - j < 2)
				continue;
			last = v[k - 1].h;
			b = pt_map_get(&m->bufs, v[j].dmabuf);
			s = leak_new(out);
			if (!s)
				break;
			s->kind = PM_LEAK_REIMPORT;
			if (b)
				suspect_buf(s, b);
			s->obj = last->obj;
			s->file = f->file;
			s->handle = last->handle;
			s->count = k - j;
			s->ts = first->ts;
			culprit(m, s, last->pid, NULL);
			s->kstack = str_ref(last->kstack);
			s->ustack = str_ref(last->ustack);
			snprintf(s->reason, sizeof(s->reason),
				 "the same dma-buf re-imported handle after handle into one file");
			snprintf(s->evidence, sizeof(s->evidence),
				 "%zu live import handles of dma-buf ino %llu in one %s:%d file of "
				 "pid %u (handles %u to %u); the PRIME cache gives one handle per "
				 "buffer",
				 k - j, (unsigned long long)(b ? b->ino : 0),
				 f->driver[0] ? f->driver : "?", f->minor, last->pid, first->handle,
				 last->handle);
		}
		free(v);
	}
}

/* the stack most of a process's live things were made with */
static struct pm_str *common_stack(const struct pm_model *m, __u32 pid, bool exports, bool user)
{
	struct pm_str *best = NULL;
	unsigned int best_n = 0;

	if (exports) {
		pt_map_for_each(&m->bufs, i)
		{
			const struct pm_buf *b = i->val;
			struct pm_str *st = user ? b->ustack : b->kstack;
			unsigned int n = 0;

			if (b->exp_pid != pid || !st || same_stack(st, best))
				continue;
			pt_map_for_each(&m->bufs, j)
			{
				const struct pm_buf *c = j->val;

				n += c->exp_pid == pid &&
				     same_stack(user ? c->ustack : c->kstack, st);
			}
			if (n > best_n) {
				best = st;
				best_n = n;
			}
		}
	} else {
		pt_map_for_each(&m->handles, i)
		{
			const struct pm_handle *h = i->val;
			struct pm_str *st = user ? h->ustack : h->kstack;
			unsigned int n = 0;

			if (h->pid != pid || !h->import || !st || same_stack(st, best))
				continue;
			pt_map_for_each(&m->handles, j)
			{
				const struct pm_handle *g = j->val;

				n += g->pid == pid && g->import &&
				     same_stack(user ? g->ustack : g->kstack, st);
			}
			if (n > best_n) {
				best = st;
				best_n = n;
			}
		}
	}
	return best;
}

static void leak_growth(struct pm_model *m, struct leak_out *out, unsigned int growth)
{
	pt_map_for_each(&m->procs, i)
	{
		const struct pm_proc *p = i->val;
		struct pm_suspect *s;
		char sz[24];
		int net;

		if (p->exited)
			continue;
		net = p->live_exports;
		if (net >= (int)growth) {
			s = leak_new(out);
			if (!s)
				return;
			s->kind = PM_LEAK_EXPORT_GROWTH;
			culprit(m, s, p->pid, p->comm);
			s->count = net;
			s->bytes = p->live_export_bytes;
			s->ts = p->t_first;
			s->kstack = str_ref(common_stack(m, p->pid, true, false));
			s->ustack = str_ref(common_stack(m, p->pid, true, true));
			fmt_size(sz, sizeof(sz), p->live_export_bytes);
			snprintf(s->reason, sizeof(s->reason),
				 "exported buffers only grow: exports are never closed");
			snprintf(
			    s->evidence, sizeof(s->evidence),
			    "pid %u (%s) exported %llu buffers and released %llu since tracing "
			    "began; %d live now (%s)",
			    p->pid, p->comm, (unsigned long long)p->exports,
			    (unsigned long long)p->releases, p->live_exports, sz);
		}
		if (p->live_imports >= (int)growth) {
			s = leak_new(out);
			if (!s)
				return;
			s->kind = PM_LEAK_IMPORT_GROWTH;
			culprit(m, s, p->pid, p->comm);
			s->count = p->live_imports;
			s->bytes = p->live_import_bytes;
			s->ts = p->t_first;
			s->kstack = str_ref(common_stack(m, p->pid, false, false));
			s->ustack = str_ref(common_stack(m, p->pid, false, true));
			fmt_size(sz, sizeof(sz), p->live_import_bytes);
			snprintf(s->reason, sizeof(s->reason),
				 "GEM handles from imports only grow: they are never closed");
			snprintf(s->evidence, sizeof(s->evidence),
				 "pid %u (%s) made %llu import handles since tracing began; %d "
				 "still open (%s)",
				 p->pid, p->comm, (unsigned long long)p->imports, p->live_imports,
				 sz);
		}
	}
}

static void leak_old(struct pm_model *m, struct leak_out *out, __u64 now, __u64 min_age)
{
	pt_map_for_each(&m->bufs, i)
	{
		const struct pm_buf *b = i->val;
		struct pm_suspect *s;
		char sz[24], age[24];
		__u64 t = buf_time(b);

		if (now < t || now - t < min_age)
			continue;
		s = leak_new(out);
		if (!s)
			return;
		s->kind = PM_LEAK_OLD;
		suspect_buf(s, b);
		s->obj = b->exp_obj;
		s->ts = t;
		culprit(m, s, b->exp_pid, b->exp_comm);
		s->kstack = str_ref(b->kstack);
		s->ustack = str_ref(b->ustack);
		fmt_size(sz, sizeof(sz), b->size);
		fmt_age(age, sizeof(age), now - t);
		snprintf(s->reason, sizeof(s->reason), "older than --min-age");
		snprintf(s->evidence, sizeof(s->evidence),
			 "ino %llu (%s, %s) %s %s; %u fd%s, %u mapping%s, %u attachment%s",
			 (unsigned long long)b->ino, sz, s->driver,
			 b->t_create ? "alive for" : "seen for at least", age, pm_buf_fds(b),
			 pm_buf_fds(b) == 1 ? "" : "s", pm_buf_maps(b),
			 pm_buf_maps(b) == 1 ? "" : "s", pm_buf_attachments(b),
			 pm_buf_attachments(b) == 1 ? "" : "s");
	}
}

/* most certain first: rules broken in the kernel, then states, then trends */
static const int kind_rank[PM_LEAK_MAX] = {
	[PM_LEAK_NO_TEARDOWN] = 0,   [PM_LEAK_ATTACH_AT_FREE] = 1, [PM_LEAK_ORPHAN_OBJ] = 2,
	[PM_LEAK_ORPHAN_BUF] = 3,    [PM_LEAK_REIMPORT] = 4,	   [PM_LEAK_IMPORT_HANDLE] = 5,
	[PM_LEAK_IMPORT_GROWTH] = 6, [PM_LEAK_EXPORT_GROWTH] = 7,  [PM_LEAK_OLD] = 8,
};

static int cmp_suspect(const void *a, const void *b)
{
	const struct pm_suspect *x = a, *y = b;

	if (x->kind != y->kind)
		return kind_rank[x->kind] < kind_rank[y->kind] ? -1 : 1;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

int pm_model_leaks(struct pm_model *m, const struct pm_leak_opts *opts, struct pm_suspect **res)
{
	struct leak_out out = { 0 };
	__u64 now = pm_model_now(m);
	__u64 grace = opts && opts->grace_ns ? opts->grace_ns : PM_GRACE_NS;
	unsigned int growth = opts && opts->growth ? opts->growth : PM_DEFAULT_GROWTH;

	for (int i = 0; i < m->nfindings; i++) {
		struct pm_suspect *s = leak_new(&out);

		if (!s)
			break;
		*s = m->findings[i];
		str_ref(s->kstack);
		str_ref(s->ustack);
		/* the culprit may have exited since */
		s->pid_exited = s->pid_exited || proc_exited(m, s->pid);
	}
	leak_orphans(m, &out, now, grace);
	leak_orphan_objs(m, &out, now, grace);
	leak_import_handles(m, &out, now, grace);
	leak_reimports(m, &out);
	leak_growth(m, &out, growth);
	if (opts && opts->min_age_ns)
		leak_old(m, &out, now, opts->min_age_ns);
	if (out.oom) {
		pm_suspects_free(m, out.v, out.n);
		*res = NULL;
		return -ENOMEM;
	}
	if (out.n)
		qsort(out.v, out.n, sizeof(*out.v), cmp_suspect);
	*res = out.v;
	return out.n;
}

/*
 * Suspects hold references on the model's strings; the model must still
 * exist. The strings themselves are freed with the model.
 */
void pm_suspects_free(struct pm_model *m, struct pm_suspect *s, int n)
{
	for (int i = 0; i < n; i++) {
		str_put(m, s[i].kstack);
		str_put(m, s[i].ustack);
	}
	free(s);
}
