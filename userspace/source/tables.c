// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* primetrace: the live tables read back (see tables.h) */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "hashmap.h"
#include "source.h"
#include "tables.h"
/* after source.h: the skeleton uses struct pt_config */
#include "primetrace.skel.h"

int pt_tables_configure(struct primetrace_bpf *skel, int mode, int extra, __u32 size)
{
	struct bpf_map *maps[] = { skel->maps.live_bufs,   skel->maps.live_handles,
				   skel->maps.kstacks,	   skel->maps.ustacks,
				   skel->maps.stack_pairs, skel->maps.names,
				   skel->maps.minors,	   skel->maps.live_attach,
				   skel->maps.live_vmaps,  skel->maps.proc_counts,
				   skel->maps.importers };
	__u32 sizes[] = { size,
			  size,
			  PT_TABLE_STACKS,
			  PT_TABLE_STACKS,
			  4 * PT_TABLE_STACKS,
			  PT_TABLE_NAMES,
			  PT_TABLE_MINORS,
			  extra & PT_TX_ATTACH ? size : 1,
			  PT_TABLE_VMAPS,
			  extra & PT_TX_PROCS ? PT_TABLE_PROCS : 1,
			  extra & PT_TX_ATTACH ? PT_TABLE_MINORS : 1 };
	int err;

	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		/* a hash map is allocated whole at load: off, the least */
		err = bpf_map__set_max_entries(maps[i], mode == PT_TABLES_OFF ? 1 : sizes[i]);
		if (err)
			return err;
	}
	return 0;
}

/*
 * The hooks that keep the tables (bpf/primetrace.bpf.c, "The live tables
 * alone"): a dma-buf made and freed, a GEM handle made and gone. An import
 * is told from the ioctl its handle is made in, so no import hook is
 * needed.
 */
bool pt_tables_hook(int hook, int extra)
{
	switch (hook) {
	case PT_HOOK_DMA_BUF_EXPORT:
	case PT_HOOK_DMA_BUF_RELEASE:
	case PT_HOOK_GEM_HANDLE_CREATE_TAIL:
	case PT_HOOK_GEM_OBJECT_RELEASE_HANDLE:
	case PT_HOOK_GEM_HANDLE_DELETE:
		return true;
	/* live_vmaps: rare, and not on the PRIME paths */
	case PT_HOOK_DMA_BUF_VMAP:
	case PT_HOOK_DMA_BUF_VUNMAP:
		return true;
	/* PT_TX_ATTACH: live_attach */
	case PT_HOOK_DMA_BUF_DYNAMIC_ATTACH:
	case PT_HOOK_DMA_BUF_ATTACH:
	case PT_HOOK_DMA_BUF_DETACH:
	case PT_HOOK_DMA_BUF_MAP_ATTACHMENT:
	case PT_HOOK_DMA_BUF_UNMAP_ATTACHMENT:
		return extra & PT_TX_ATTACH;
	}
	return false;
}

/* one record to deliver, with the keys of its stacks */
struct trec {
	struct pt_event ev;
	__u32 kstack, ustack;
	size_t seq;
};

/* what the entries name by key: names, minors' drivers, stack pairs */
struct shared {
	struct pt_map names;	 /* key -> struct pt_tname * */
	struct pt_map minors;	 /* minor + 1 -> names key (as a pointer) */
	struct pt_map pairs;	 /* key -> struct pt_tpair * */
	struct pt_map importers; /* struct device * -> struct pt_timporter * */
};

struct trecs {
	struct trec *r;
	size_t n, cap;
	struct shared *sh;
};

static struct pt_event *trec_add(struct trecs *t, __u32 kstack, __u32 ustack)
{
	struct trec *r;

	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 256;

		r = realloc(t->r, cap * sizeof(*r));
		if (!r)
			return NULL;
		t->r = r;
		t->cap = cap;
	}
	r = &t->r[t->n++];
	pt_event_init(&r->ev);
	r->kstack = kstack;
	r->ustack = ustack;
	r->seq = t->n;
	return &r->ev;
}

/* by time; an import before its handle (added in that order, same time) */
static int trec_cmp(const void *a, const void *b)
{
	const struct trec *x = a, *y = b;

	if (x->ev.ts != y->ev.ts)
		return x->ev.ts < y->ev.ts ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * fn for each entry of the hash map fd, also while the hooks change it.
 * bpf_map_get_next_key() from a key deleted meanwhile starts over at the
 * first key, so a walk of a busy table could go round forever; a batch
 * lookup walks the buckets instead, and an entry made or gone meanwhile
 * is simply in this read or not. Without batch operations (kernels before
 * 5.6), the key walk, stopped at max_entries steps.
 */
#define BATCH 256
#ifndef ENOTSUPP
#define ENOTSUPP 524 /* the kernel's own, for an operation a map lacks */
#endif

static int each_entry_walk(int fd, size_t key_size, size_t value_size, __u32 max,
			   int (*fn)(void *ctx, const void *key, const void *value), void *t)
{
	char key[32], prev[32], value[sizeof(struct pt_tbuf) + sizeof(struct pt_thandle)];
	bool first = true;
	int err;

	if (key_size > sizeof(key) || value_size > sizeof(value))
		return -EINVAL;
	for (__u32 i = 0; i < max && !bpf_map_get_next_key(fd, first ? NULL : prev, key); i++) {
		memcpy(prev, key, key_size);
		first = false;
		if (bpf_map_lookup_elem(fd, key, value))
			continue;
		err = fn(t, key, value);
		if (err)
			return err;
	}
	return 0;
}

static int each_entry(int fd, size_t key_size, size_t value_size,
		      int (*fn)(void *ctx, const void *key, const void *value), void *t)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info), batch, count, cap = BATCH;
	char *keys, *values;
	void *in = NULL;
	int err = 0;

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	keys = malloc(cap * key_size);
	values = malloc(cap * value_size);
	while (keys && values) {
		count = cap;
		err = bpf_map_lookup_batch(fd, in, &batch, keys, values, &count, NULL);
		if (err == -ENOSPC && cap < 65536) {
			/* one bucket holds more than fits: a larger batch */
			char *k = realloc(keys, 2 * cap * key_size);
			char *v = k ? realloc(values, 2 * cap * value_size) : NULL;

			keys = k ?: keys;
			values = v ?: values;
			if (!k || !v)
				break;
			cap *= 2;
			continue;
		}
		if (err && err != -ENOENT) {
			if (!in && (err == -EINVAL || err == -ENOTSUPP || err == -EOPNOTSUPP))
				err = each_entry_walk(fd, key_size, value_size, info.max_entries,
						      fn, t);
			break;
		}
		for (__u32 i = 0; i < count; i++) {
			int e = fn(t, keys + i * key_size, values + i * value_size);

			if (e) {
				free(keys);
				free(values);
				return e;
			}
		}
		if (err == -ENOENT) {
			err = 0;
			break;
		}
		in = &batch;
	}
	if (!keys || !values)
		err = -ENOMEM;
	free(keys);
	free(values);
	return err;
}

/* the name under key, into out (len bytes); "" when unknown */
static void name_of(const struct shared *sh, __u32 key, char *out, size_t len)
{
	const struct pt_tname *n = key ? pt_map_get(&sh->names, key) : NULL;

	size_t i = 0;

	/* kept NUL-padded, but not always NUL-terminated */
	for (; n && i + 1 < len && i < sizeof(n->s) && n->s[i]; i++)
		out[i] = n->s[i];
	out[i] = '\0';
}

static void driver_of(const struct shared *sh, int minor, char *out, size_t len)
{
	void *key = minor >= 0 ? pt_map_get(&sh->minors, (__u64)minor + 1) : NULL;

	name_of(sh, (__u32)(unsigned long)key, out, len);
}

static struct pt_event *trec_add_pair(struct trecs *t, __u32 pair)
{
	const struct pt_tpair *p = pair ? pt_map_get(&t->sh->pairs, pair) : NULL;

	return trec_add(t, p ? p->kstack : 0, p ? p->ustack : 0);
}

static int add_buf(void *ctx, const void *k, const void *v)
{
	struct trecs *t = ctx;
	const struct pt_tbuf *b = v;
	struct pt_event *e = trec_add_pair(t, b->stacks);
	__u64 key;

	if (!e)
		return -ENOMEM;
	memcpy(&key, k, sizeof(key));
	e->type = PT_EV_DMABUF_EXPORT;
	e->hook = PT_HOOK_DMA_BUF_EXPORT;
	e->ts = b->ts;
	e->dmabuf = key;
	e->size = b->size;
	e->ino = b->ino;
	e->exp_obj = b->exp_obj;
	e->pid = b->pid;
	e->tid = b->pid;
	e->exp_minor = b->exp_minor;
	name_of(t->sh, b->comm, e->comm, sizeof(e->comm));
	name_of(t->sh, b->exp_name, e->exp_name, sizeof(e->exp_name));
	driver_of(t->sh, b->exp_minor, e->exp_driver, sizeof(e->exp_driver));
	if (!b->exp_obj)
		return 0;
	/* its GEM object, with the handles it has now */
	e = trec_add(t, 0, 0);
	if (!e)
		return -ENOMEM;
	e->type = PT_EV_GEM_DMABUF_EXPORT;
	e->hook = PT_HOOK_GEM_DMABUF_EXPORT;
	e->ts = b->ts;
	e->dmabuf = key;
	e->obj = b->exp_obj;
	e->handle_count = b->exp_handles;
	e->minor = b->exp_minor;
	e->pid = b->pid;
	e->tid = b->pid;
	name_of(t->sh, b->comm, e->comm, sizeof(e->comm));
	driver_of(t->sh, b->exp_minor, e->driver, sizeof(e->driver));
	return 0;
}

static void handle_fill(const struct shared *sh, struct pt_event *e, const struct pt_thandle_key *k,
			const struct pt_thandle *h)
{
	e->ts = h->ts;
	e->file = k->file;
	e->obj = h->obj;
	e->obj_size = h->obj_size;
	e->dmabuf = h->dmabuf;
	e->pid = h->pid;
	e->tid = h->pid;
	e->minor = h->minor;
	name_of(sh, h->comm, e->comm, sizeof(e->comm));
	driver_of(sh, h->minor, e->driver, sizeof(e->driver));
}

static int add_handle(void *ctx, const void *k, const void *v)
{
	struct trecs *t = ctx;
	const struct pt_thandle *h = v;
	struct pt_thandle_key key;
	struct pt_event *e;

	memcpy(&key, k, sizeof(key));
	/* an import: the object came from the dma-buf, on this thread */
	if (h->import) {
		e = trec_add_pair(t, h->stacks);
		if (!e)
			return -ENOMEM;
		handle_fill(t->sh, e, &key, h);
		e->type = PT_EV_GEM_IMPORT;
		e->hook = PT_HOOK_GEM_PRIME_IMPORT_DEV;
	}
	e = trec_add_pair(t, h->stacks);
	if (!e)
		return -ENOMEM;
	handle_fill(t->sh, e, &key, h);
	e->type = PT_EV_GEM_HANDLE_CREATE;
	e->hook = PT_HOOK_GEM_HANDLE_CREATE_TAIL;
	e->handle = key.handle;
	e->ret = 0;
	return 0;
}

/* a record of the attachment a (key), as its hook would have made it */
static struct pt_event *attach_rec(struct trecs *t, __u64 key, const struct pt_tattach *a,
				   __u32 type, __u32 hook)
{
	struct pt_event *e = trec_add(t, 0, 0);

	if (!e)
		return NULL;
	e->type = type;
	e->hook = hook;
	e->ts = a->ts;
	e->attach = key;
	e->dmabuf = a->dmabuf;
	e->ino = a->ino;
	e->pid = a->pid;
	e->tid = a->pid;
	return e;
}

/* an attachment, then one map record per mapping it holds */
static int add_attach(void *ctx, const void *k, const void *v)
{
	struct trecs *t = ctx;
	const struct pt_tattach *a = v;
	const struct pt_timporter *imp = pt_map_get(&t->sh->importers, a->importer);
	struct pt_event *e;
	__u64 key;

	memcpy(&key, k, sizeof(key));
	e = attach_rec(t, key, a, PT_EV_DMABUF_ATTACH, PT_HOOK_DMA_BUF_DYNAMIC_ATTACH);
	if (!e)
		return -ENOMEM;
	e->flags = a->flags;
	if (imp) {
		name_of(t->sh, imp->name, e->importer, sizeof(e->importer));
		name_of(t->sh, imp->driver, e->importer_driver, sizeof(e->importer_driver));
	}
	for (__s32 i = 0; i < a->maps && i < 0x7fff; i++)
		if (!attach_rec(t, key, a, PT_EV_DMABUF_MAP, PT_HOOK_DMA_BUF_MAP_ATTACHMENT))
			return -ENOMEM;
	return 0;
}

/* a buffer's kernel mappings, one vmap record each */
static int add_vmap(void *ctx, const void *k, const void *v)
{
	struct trecs *t = ctx;
	const struct pt_tvmap *m = v;
	__u64 key;

	memcpy(&key, k, sizeof(key));
	for (__s32 i = 0; i < m->count && i < 0x7fff; i++) {
		struct pt_event *e = trec_add(t, 0, 0);

		if (!e)
			return -ENOMEM;
		e->type = PT_EV_DMABUF_VMAP;
		e->hook = PT_HOOK_DMA_BUF_VMAP;
		e->ts = m->ts;
		e->dmabuf = key;
		e->ino = m->ino;
	}
	return 0;
}

/* a copy of the value v (size bytes) under its 32-bit key k in map */
static int put_copy(struct pt_map *map, const void *k, const void *v, size_t size)
{
	void *copy = malloc(size);
	__u32 key;

	memcpy(&key, k, sizeof(key));
	if (!copy)
		return -ENOMEM;
	memcpy(copy, v, size);
	if (pt_map_put(map, key, copy)) {
		free(copy);
		return key ? -ENOMEM : 0; /* key 0 names nothing */
	}
	return 0;
}

static int add_name(void *ctx, const void *k, const void *v)
{
	return put_copy(&((struct shared *)ctx)->names, k, v, sizeof(struct pt_tname));
}

static int add_pair(void *ctx, const void *k, const void *v)
{
	return put_copy(&((struct shared *)ctx)->pairs, k, v, sizeof(struct pt_tpair));
}

static int add_minor(void *ctx, const void *k, const void *v)
{
	struct shared *sh = ctx;
	struct pt_tminor m;
	__u32 minor;

	memcpy(&minor, k, sizeof(minor));
	memcpy(&m, v, sizeof(m));
	if (!m.driver)
		return 0;
	return pt_map_put(&sh->minors, (__u64)minor + 1, (void *)(unsigned long)m.driver);
}

static int add_importer(void *ctx, const void *k, const void *v)
{
	struct shared *sh = ctx;
	struct pt_timporter *imp = malloc(sizeof(*imp));
	__u64 key;

	memcpy(&key, k, sizeof(key));
	if (!imp)
		return -ENOMEM;
	memcpy(imp, v, sizeof(*imp));
	if (pt_map_put(&sh->importers, key, imp)) {
		free(imp);
		return key ? -ENOMEM : 0;
	}
	return 0;
}

static void shared_free(struct shared *sh)
{
	pt_map_for_each(&sh->names, i)
	{
		free(i->val);
	}
	pt_map_for_each(&sh->pairs, i)
	{
		free(i->val);
	}
	pt_map_for_each(&sh->importers, i)
	{
		free(i->val);
	}
	pt_map_release(&sh->importers);
	pt_map_release(&sh->names);
	pt_map_release(&sh->minors);
	pt_map_release(&sh->pairs);
}

static int shared_read(struct primetrace_bpf *skel, struct shared *sh)
{
	int err;

	err = each_entry(bpf_map__fd(skel->maps.names), sizeof(__u32), sizeof(struct pt_tname),
			 add_name, sh);
	if (!err)
		err = each_entry(bpf_map__fd(skel->maps.minors), sizeof(__u32),
				 sizeof(struct pt_tminor), add_minor, sh);
	if (!err)
		err = each_entry(bpf_map__fd(skel->maps.stack_pairs), sizeof(__u32),
				 sizeof(struct pt_tpair), add_pair, sh);
	if (!err && skel->rodata->cfg.table_extra & PT_TX_ATTACH)
		err = each_entry(bpf_map__fd(skel->maps.importers), sizeof(__u64),
				 sizeof(struct pt_timporter), add_importer, sh);
	return err;
}

static void deliver(struct primetrace_bpf *skel, struct pt_syms *syms, struct pt_usyms *usyms,
		    const struct trec *r, void (*fn)(const struct pt_record *rec, void *ctx),
		    void *ctx)
{
	struct pt_record rec = { .ev = r->ev };
	struct pt_uframe uf[PT_USTACK_MAX];
	struct pt_stack kst, ust;
	struct pt_kstack ks;
	struct pt_ustack us;

	if (r->kstack && !bpf_map_lookup_elem(bpf_map__fd(skel->maps.kstacks), &r->kstack, &ks)) {
		kst = (struct pt_stack){ .syms = syms,
					 .n = ks.nr < PT_MAX_STACK ? ks.nr : PT_MAX_STACK,
					 .ip = ks.ip };
		rec.kraw = &kst;
		rec.ev.kstack = kst.n;
	}
	if (r->ustack && usyms &&
	    !bpf_map_lookup_elem(bpf_map__fd(skel->maps.ustacks), &r->ustack, &us)) {
		int n = us.nr < PT_USTACK_MAX ? us.nr : PT_USTACK_MAX;

		pt_usyms_frames(usyms, rec.ev.pid, us.ip, n, uf);
		ust = (struct pt_stack){ .syms = syms, .user = true, .n = n, .uf = uf };
		rec.uraw = n > 0 ? &ust : NULL;
	}
	fn(&rec, ctx);
	pt_record_free(&rec);
}

int pt_tables_read(struct primetrace_bpf *skel, struct pt_syms *syms, struct pt_usyms *usyms,
		   void (*fn)(const struct pt_record *rec, void *ctx), void *ctx)
{
	struct shared sh = { 0 };
	struct trecs t = { .sh = &sh };
	int err;

	/* first what the entries name: an entry read later names no newer key */
	err = shared_read(skel, &sh);
	if (!err)
		err = each_entry(bpf_map__fd(skel->maps.live_bufs), sizeof(__u64),
				 sizeof(struct pt_tbuf), add_buf, &t);
	if (!err)
		err =
		    each_entry(bpf_map__fd(skel->maps.live_handles), sizeof(struct pt_thandle_key),
			       sizeof(struct pt_thandle), add_handle, &t);
	if (!err && skel->rodata->cfg.table_extra & PT_TX_ATTACH)
		err = each_entry(bpf_map__fd(skel->maps.live_attach), sizeof(__u64),
				 sizeof(struct pt_tattach), add_attach, &t);
	if (!err)
		err = each_entry(bpf_map__fd(skel->maps.live_vmaps), sizeof(__u64),
				 sizeof(struct pt_tvmap), add_vmap, &t);
	if (err) {
		fprintf(stderr, "%s: reading the live tables: %s\n", pt_prog, strerror(-err));
		free(t.r);
		shared_free(&sh);
		return err;
	}
	if (t.n) /* empty tables: t.r is NULL, which qsort may not take */
		qsort(t.r, t.n, sizeof(*t.r), trec_cmp);
	for (size_t i = 0; i < t.n; i++)
		deliver(skel, syms, usyms, &t.r[i], fn, ctx);
	free(t.r);
	shared_free(&sh);
	return 0;
}

struct procs_ctx {
	void (*fn)(__u32 pid, const struct pt_tproc *p, void *ctx);
	void *ctx;
};

static int add_proc(void *ctx, const void *k, const void *v)
{
	struct procs_ctx *pc = ctx;
	struct pt_tproc p;
	__u32 pid;

	memcpy(&pid, k, sizeof(pid));
	memcpy(&p, v, sizeof(p));
	pc->fn(pid, &p, pc->ctx);
	return 0;
}

int pt_tables_procs(struct primetrace_bpf *skel,
		    void (*fn)(__u32 pid, const struct pt_tproc *p, void *ctx), void *ctx)
{
	struct procs_ctx pc = { fn, ctx };

	if (!(skel->rodata->cfg.table_extra & PT_TX_PROCS))
		return -EINVAL;
	return each_entry(bpf_map__fd(skel->maps.proc_counts), sizeof(__u32),
			  sizeof(struct pt_tproc), add_proc, &pc);
}

__u64 pt_tables_lost(struct primetrace_bpf *skel)
{
	int ncpus = libbpf_num_possible_cpus(), fd = bpf_map__fd(skel->maps.table_lost);
	__u64 *vals, sum = 0;

	if (ncpus <= 0 || fd < 0)
		return 0;
	vals = calloc(ncpus, sizeof(*vals));
	if (!vals)
		return 0;
	for (__u32 i = 0; i < PT_TL_MAX; i++) {
		if (bpf_map_lookup_elem(fd, &i, vals))
			continue;
		for (int c = 0; c < ncpus; c++)
			sum += vals[c];
	}
	free(vals);
	return sum;
}

static struct bpf_map **kept_maps(struct primetrace_bpf *skel, struct bpf_map *m[PT_TABLES_KEPT])
{
	m[0] = skel->maps.live_bufs;
	m[1] = skel->maps.live_handles;
	m[2] = skel->maps.kstacks;
	m[3] = skel->maps.ustacks;
	m[4] = skel->maps.stack_pairs;
	m[5] = skel->maps.names;
	m[6] = skel->maps.minors;
	m[7] = skel->maps.live_attach;
	m[8] = skel->maps.live_vmaps;
	m[9] = skel->maps.proc_counts;
	m[10] = skel->maps.importers;
	return m;
}

int pt_tables_keep(struct primetrace_bpf *skel, struct pt_tables_keep *k)
{
	struct bpf_map *m[PT_TABLES_KEPT];

	kept_maps(skel, m);
	for (int i = 0; i < PT_TABLES_KEPT; i++) {
		k->fd[i] = fcntl(bpf_map__fd(m[i]), F_DUPFD_CLOEXEC, 0);
		if (k->fd[i] < 0) {
			int err = -errno;

			while (i--)
				close(k->fd[i]);
			return err;
		}
	}
	return 0;
}

int pt_tables_reuse(struct primetrace_bpf *skel, const struct pt_tables_keep *k)
{
	struct bpf_map *m[PT_TABLES_KEPT];

	kept_maps(skel, m);
	for (int i = 0; i < PT_TABLES_KEPT; i++) {
		int err = bpf_map__reuse_fd(m[i], k->fd[i]);

		if (err)
			return err;
	}
	return 0;
}

void pt_tables_keep_close(struct pt_tables_keep *k)
{
	for (int i = 0; i < PT_TABLES_KEPT; i++) {
		if (k->fd[i] >= 0)
			close(k->fd[i]);
		k->fd[i] = -1;
	}
}

/* the keys to delete, collected first: a walk does not delete under itself */
struct gone {
	char *keys;
	size_t n, cap, key_size;
	const struct pt_tables_alive *a;
};

static int gone_add(struct gone *g, const void *key)
{
	if (g->n == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 64;
		char *k = realloc(g->keys, cap * g->key_size);

		if (!k)
			return -ENOMEM;
		g->keys = k;
		g->cap = cap;
	}
	memcpy(g->keys + g->n++ * g->key_size, key, g->key_size);
	return 0;
}

/* an entry (key k) made at ts for the dma-buf dmabuf: gone when its buffer is */
static int prune_with_buf(struct gone *g, const void *k, __u64 ts, __u64 dmabuf, __u64 ino)
{
	if (ts >= g->a->since || g->a->buf(g->a->ctx, dmabuf, ino))
		return 0;
	return gone_add(g, k);
}

static int prune_buf(void *ctx, const void *k, const void *v)
{
	const struct pt_tbuf *b = v;
	__u64 key;

	memcpy(&key, k, sizeof(key));
	return prune_with_buf(ctx, k, b->ts, key, b->ino);
}

static int prune_handle(void *ctx, const void *k, const void *v)
{
	struct gone *g = ctx;
	const struct pt_thandle *h = v;
	struct pt_thandle_key key;

	memcpy(&key, k, sizeof(key));
	if (h->ts >= g->a->since || g->a->handle(g->a->ctx, key.file, key.handle))
		return 0;
	return gone_add(g, k);
}

static int prune_attach(void *ctx, const void *k, const void *v)
{
	const struct pt_tattach *a = v;

	return prune_with_buf(ctx, k, a->ts, a->dmabuf, a->ino);
}

static int prune_vmap(void *ctx, const void *k, const void *v)
{
	const struct pt_tvmap *m = v;
	__u64 key;

	memcpy(&key, k, sizeof(key));
	return prune_with_buf(ctx, k, m->ts, key, m->ino);
}

static int prune(int fd, size_t key_size, size_t value_size,
		 int (*fn)(void *ctx, const void *key, const void *value),
		 const struct pt_tables_alive *a)
{
	struct gone g = { .key_size = key_size, .a = a };
	int err = each_entry(fd, key_size, value_size, fn, &g);

	for (size_t i = 0; !err && i < g.n; i++)
		bpf_map_delete_elem(fd, g.keys + i * key_size);
	free(g.keys);
	return err ?: (int)g.n;
}

int pt_tables_prune(struct primetrace_bpf *skel, const struct pt_tables_alive *a)
{
	int n = 0, err;

	if (a->bufs) {
		err = prune(bpf_map__fd(skel->maps.live_bufs), sizeof(__u64),
			    sizeof(struct pt_tbuf), prune_buf, a);
		if (err < 0)
			return err;
		n += err;
	}
	if (a->handles) {
		err = prune(bpf_map__fd(skel->maps.live_handles), sizeof(struct pt_thandle_key),
			    sizeof(struct pt_thandle), prune_handle, a);
		if (err < 0)
			return err;
		n += err;
	}
	/* an attachment or a vmap went with its buffer */
	if (a->bufs) {
		err = prune(bpf_map__fd(skel->maps.live_vmaps), sizeof(__u64),
			    sizeof(struct pt_tvmap), prune_vmap, a);
		if (err < 0)
			return err;
		n += err;
	}
	if (a->bufs && skel->rodata->cfg.table_extra & PT_TX_ATTACH) {
		err = prune(bpf_map__fd(skel->maps.live_attach), sizeof(__u64),
			    sizeof(struct pt_tattach), prune_attach, a);
		if (err < 0)
			return err;
		n += err;
	}
	return n;
}
