// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * primetrace: the PRIME invariants, checked as events arrive and against
 * vprime's debugfs (see checker.h and docs/invariants.md, "The live
 * checker").
 *
 * The hooks report state at fixed points of the kernel's paths; a rule
 * compares two such points of one call (the refcount an export left with
 * the one the registration of its dma-buf sees), a call's result with what
 * it must have done on the way (a handle made by fd-to-handle and the cache
 * entry it must have added), or the state a free finds with what must have
 * happened before it. Where another thread can change the same object in
 * between, the rule is skipped rather than guessed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checker.h"
#include "hashmap.h"
#include "model.h"
#include "vprime_truth.h"

static const struct {
	const char *invariant;
	const char *name;
} rules[PC_RULE_MAX] = {
	[PC_EXPORT_REF] = { "L1", "export-ref" },
	[PC_RELEASE_REF] = { "L1", "release-ref" },
	[PC_FREE_REF] = { "L2", "free-ref" },
	[PC_TRUTH_REFS] = { "L2", "truth-refs" },
	[PC_IMPORT_TEARDOWN] = { "L3", "import-teardown" },
	[PC_TRUTH_PINS] = { "A2", "truth-pins" },
	[PC_IMPORT_CACHE] = { "C2", "import-cache" },
	[PC_EXPORT_CACHE] = { "C2", "export-cache" },
	[PC_STALE_ENTRY] = { "C2", "stale-entry" },
	[PC_SELF_IMPORT] = { "S1", "self-import" },
	[PC_ONE_DMABUF] = { "E1", "one-dmabuf" },
	[PC_REEXPORT] = { "E2", "reexport" },
};

/* the hooks each rule needs (pt_hook bits; "any of" pairs are listed apart) */
#define H(x) (1ULL << PT_HOOK_##x)
static const struct {
	__u64 all;
	__u64 any; /* at least one of these, when set */
} needs[PC_RULE_MAX] = {
	[PC_EXPORT_REF] = { H(PRIME_ADD_BUF_HANDLE), H(GEM_PRIME_EXPORT) | H(GEM_DMABUF_EXPORT) },
	[PC_RELEASE_REF] = { H(GEM_DMABUF_RELEASE), 0 },
	[PC_FREE_REF] = { 0, H(GEM_OBJECT_RELEASE) | H(GEM_OBJECT_FREE) },
	[PC_TRUTH_REFS] = { H(DMA_BUF_RELEASE) | H(GEM_HANDLE_CREATE_TAIL),
			    H(GEM_OBJECT_RELEASE) | H(GEM_OBJECT_FREE) },
	[PC_IMPORT_TEARDOWN] = { H(PRIME_GEM_DESTROY), H(GEM_OBJECT_RELEASE) | H(GEM_OBJECT_FREE) },
	[PC_TRUTH_PINS] = { H(DMA_BUF_RELEASE) | H(DMA_BUF_DETACH),
			    H(DMA_BUF_DYNAMIC_ATTACH) | H(DMA_BUF_ATTACH) },
	[PC_IMPORT_CACHE] = { H(PRIME_FD_TO_HANDLE_IOCTL) | H(GEM_HANDLE_CREATE_TAIL) |
				  H(PRIME_ADD_BUF_HANDLE),
			      0 },
	[PC_EXPORT_CACHE] = { H(PRIME_HANDLE_TO_FD_IOCTL) | H(GEM_HANDLE_CREATE_TAIL) |
				  H(PRIME_ADD_BUF_HANDLE) | H(PRIME_REMOVE_BUF_HANDLE),
			      0 },
	[PC_STALE_ENTRY] = { H(PRIME_ADD_BUF_HANDLE) | H(PRIME_REMOVE_BUF_HANDLE),
			     H(GEM_OBJECT_RELEASE_HANDLE) | H(GEM_HANDLE_DELETE) },
	[PC_SELF_IMPORT] = { H(PRIME_FD_TO_HANDLE_IOCTL), 0 },
	[PC_ONE_DMABUF] = { H(GEM_HANDLE_CREATE_TAIL) | H(PRIME_HANDLE_TO_FD_IOCTL) |
				H(PRIME_FD_TO_HANDLE_IOCTL),
			    H(GEM_OBJECT_RELEASE_HANDLE) | H(GEM_HANDLE_DELETE) },
	[PC_REEXPORT] = { H(PRIME_HANDLE_TO_FD_IOCTL), 0 },
};
#undef H

const char *pc_rule_invariant(enum pc_rule rule)
{
	return rule < PC_RULE_MAX ? rules[rule].invariant : "?";
}

const char *pc_rule_name(enum pc_rule rule)
{
	return rule < PC_RULE_MAX ? rules[rule].name : "?";
}

int pc_rule_by_name(const char *name)
{
	for (int i = 0; i < PC_RULE_MAX; i++)
		if (!strcmp(rules[i].name, name))
			return i;
	return -1;
}

/* --- maps (hashmap.h) ------------------------------------------------------ */

/* free every value, then the table */
static void map_free_all(struct pt_map *m)
{
	pt_map_for_each(m, s) free(s->val);
	pt_map_release(m);
}

/* threads hash as they always did: the order pc_checker_settle() visits them in */
static __u64 tid_hash(__u64 key)
{
	__u64 x = (__u32)key * 0x9e3779b97f4a7c15ULL ^ (1 + 0x632be59bd9b4e019ULL);

	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 29;
	return x;
}

static const struct pt_map_ops thread_ops = { .hash = tid_hash };

/* a thread's key: never 0, tid 0 (interrupts) included */
static __u64 tid_key(__u32 tid)
{
	return (__u64)tid | 1ULL << 32;
}

/* --- state ------------------------------------------------------------------ */

/* an entry of a file's PRIME lookup cache, as the hooks saw it */
struct entry {
	__u64 file;
	__u32 handle;
	__u64 dmabuf;
	__u64 ino;
	int minor;
};

/* what the checker knows of a GEM object beyond the model */
struct objstate {
	__u64 kdmabuf;	/* obj->dma_buf as last read or implied, 0 for none */
	__u64 imported; /* the dma-buf a foreign import was made from */
	__u64 imported_ino;
	/* the last event naming it: a call of that thread may still hold a reference */
	__u32 last_tid;
	__u64 last_seq;
};

/* a cache entry removed: by which thread, when */
struct tomb {
	__u64 file;
	__u32 handle;
	__u32 tid;
	__u64 seq;
};

#define THREAD_LIST 8 /* the last ones are kept */

/* a thread's PRIME ioctl in progress: what it did since its last one returned */
struct thread {
	__u32 tid;
	__u64 last_ts;	/* its last event */
	__u64 last_seq; /* its last event's place in the stream */
	__u64 exit_seq; /* its last PRIME ioctl's return */
	/* the GEM export it made, until the dma-buf is registered */
	bool exp_live;
	bool exp_disturbed; /* another thread touched the object meanwhile */
	__u64 exp_obj, exp_dmabuf;
	__s32 exp_kref;
	/* handles it created, cache entries it added: rings of the last ones */
	struct {
		__u64 file;
		__u32 handle;
		__u64 obj;
	} created[THREAD_LIST];
	unsigned int ncreated;
	struct {
		__u64 file;
		__u32 handle;
		__u64 dmabuf;
	} added[THREAD_LIST];
	unsigned int nadded;
	/*
	 * A handle it deleted, whose cache removal comes next; when it was
	 * the object's last one, the object's dma_buf goes once the call is
	 * done (the hook runs before that).
	 */
	bool del_pending;
	bool del_last;
	__u64 del_obj;
	__u64 del_file;
	__u32 del_handle;
	__u64 del_ts;
	__u32 del_pid;
	char del_comm[PT_COMM_LEN];
};

#define MAX_INSTANCES 16

/* one vprime instance being compared (pc_truth_*) */
struct truth {
	bool active;
	bool baseline;
	int instance, minor;
	/* objects */
	bool have_objects;
	long declared;	    /* the 'objects N' line */
	long listed;	    /* 'obj' lines */
	__u64 refs, held;   /* sum of refcount; of (handles > 0) + mmaps */
	__u64 pins;	    /* sum of pins */
	__u64 handles;	    /* sum of handles */
	char refs_who[200]; /* objects whose references look unexplained */
	char pins_who[200];
	/* files: the PRIME cache entries of all files, as (ino, handle) */
	bool have_files;
	__u64 (*entries)[2];
	size_t nentries, cap_entries;
	/* from the model, at begin */
	struct pt_map exported; /* exporting object -> its live dma-bufs' counts */
	__u64 live_bufs, attachments;
};

struct exp_count {
	__u64 bufs;
	__u64 attachments;
};

struct pc_checker {
	struct pm_model *m;
	__u64 hooks;	       /* active pt_hook bits */
	struct pt_map cache;   /* pt_map_key2(file, handle) -> struct entry */
	struct pt_map tombs;   /* pt_map_key2(file, handle) -> struct tomb, of removed entries */
	struct pt_map objs;    /* obj -> struct objstate */
	struct pt_map threads; /* tid_key(tid) -> struct thread */
	/* the tids with an export in flight, for the disturbance check */
	__u32 exporting[32];
	int nexporting;
	struct truth t;
	/* instances whose baseline held things made before tracing */
	bool tainted[MAX_INSTANCES];
	/* results since the last take */
	struct pc_violation *v;
	size_t nv, cap_v;
	unsigned int inc;
	char inc_text[300];
	struct pc_stats st;
};

struct pc_checker *pc_checker_new(void)
{
	struct pc_checker *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->m = pm_model_new(0);
	if (!c->m) {
		free(c);
		return NULL;
	}
	c->hooks = ~0ULL;
	c->threads = PT_MAP_INIT(&thread_ops);
	return c;
}

void pc_checker_free(struct pc_checker *c)
{
	if (!c)
		return;
	pm_model_free(c->m);
	map_free_all(&c->cache);
	map_free_all(&c->tombs);
	map_free_all(&c->objs);
	map_free_all(&c->threads);
	map_free_all(&c->t.exported);
	free(c->t.entries);
	free(c->v);
	free(c);
}

void pc_checker_set_hook(struct pc_checker *c, __u32 hook, bool active)
{
	if (hook >= PT_HOOK_MAX || hook >= 64)
		return;
	if (active)
		c->hooks |= 1ULL << hook;
	else
		c->hooks &= ~(1ULL << hook);
}

bool pc_checker_rule_on(const struct pc_checker *c, enum pc_rule rule, char *buf, size_t len)
{
	__u64 missing = needs[rule].all & ~c->hooks;

	if (!missing && (!needs[rule].any || (needs[rule].any & c->hooks)))
		return true;
	if (buf && len) {
		__u64 bits = missing ? missing : needs[rule].any;
		size_t n = 0;

		buf[0] = '\0';
		for (__u32 h = 0; h < 64 && n < len; h++)
			if (bits & (1ULL << h))
				n += snprintf(buf + n, len - n, "%s%s",
					      n ? (missing ? ", " : " or ") : "", pt_hook_name(h));
		if (n < len)
			snprintf(buf + n, len - n, " not attached");
	}
	return false;
}

static bool on(const struct pc_checker *c, enum pc_rule rule)
{
	return pc_checker_rule_on(c, rule, NULL, 0);
}

static __attribute__((format(printf, 4, 5))) void
violation(struct pc_checker *c, enum pc_rule rule, const struct pt_event *e, const char *fmt, ...)
{
	struct pc_violation *v;
	va_list ap;

	if (c->nv == c->cap_v) {
		size_t cap = c->cap_v ? c->cap_v * 2 : 16;
		struct pc_violation *n = realloc(c->v, cap * sizeof(*n));

		if (!n)
			return;
		c->v = n;
		c->cap_v = cap;
	}
	v = &c->v[c->nv++];
	memset(v, 0, sizeof(*v));
	v->rule = rule;
	if (e) {
		v->ts = e->ts;
		v->pid = e->pid;
		memcpy(v->comm, e->comm, sizeof(v->comm));
		v->obj = e->obj;
		v->ino = e->ino;
	}
	va_start(ap, fmt);
	vsnprintf(v->text, sizeof(v->text), fmt, ap);
	va_end(ap);
	c->st.violations[rule]++;
}

static __attribute__((format(printf, 3, 4))) void incomplete(struct pc_checker *c, unsigned int why,
							     const char *fmt, ...)
{
	size_t n = strlen(c->inc_text);
	va_list ap;

	c->inc |= why;
	if (n + 3 >= sizeof(c->inc_text))
		return;
	if (n)
		n += snprintf(c->inc_text + n, sizeof(c->inc_text) - n, "; ");
	va_start(ap, fmt);
	vsnprintf(c->inc_text + n, sizeof(c->inc_text) - n, fmt, ap);
	va_end(ap);
}

static struct objstate *objstate(struct pc_checker *c, __u64 obj, bool create)
{
	struct objstate *o = pt_map_get(&c->objs, obj);

	if (o || !create || !obj)
		return o;
	o = calloc(1, sizeof(*o));
	if (o && pt_map_put(&c->objs, obj, o)) {
		free(o);
		o = NULL;
	}
	return o;
}

static void objstate_del(struct pc_checker *c, __u64 obj)
{
	struct objstate *o = pt_map_get(&c->objs, obj);

	if (!o)
		return;
	pt_map_del(&c->objs, obj);
	free(o);
}

static struct thread *thread(struct pc_checker *c, __u32 tid)
{
	struct thread *t = pt_map_get(&c->threads, tid_key(tid));

	if (t)
		return t;
	/* threads come and go: a table this big holds mostly dead ones */
	if (c->threads.n >= 4096) {
		map_free_all(&c->threads);
		c->nexporting = 0;
	}
	t = calloc(1, sizeof(*t));
	if (t && pt_map_put(&c->threads, tid_key(tid), t)) {
		free(t);
		return NULL;
	}
	if (t)
		t->tid = tid;
	return t;
}

/* the inode of a dma-buf the model knows, else the event's */
static __u64 ino_of(const struct pc_checker *c, __u64 dmabuf, __u64 fallback)
{
	const struct pm_buf *b = dmabuf ? pm_model_buf(c->m, dmabuf) : NULL;

	return b && b->ino ? b->ino : fallback;
}

/* "vprime:2" */
static const char *dev_text(char *buf, size_t len, const char *driver, int minor)
{
	if (minor >= 0)
		snprintf(buf, len, "%s:%d", driver[0] ? driver : "?", minor);
	else
		snprintf(buf, len, "%s", driver[0] ? driver : "?");
	return buf;
}

/* --- the export in flight (L1) ----------------------------------------------- */

static void exporting_drop(struct pc_checker *c, __u32 tid)
{
	for (int i = 0; i < c->nexporting; i++) {
		if (c->exporting[i] == tid) {
			c->exporting[i] = c->exporting[--c->nexporting];
			return;
		}
	}
}

/* another thread's event naming an object whose export is in flight */
static void disturb(struct pc_checker *c, const struct pt_event *e)
{
	for (int i = 0; i < c->nexporting; i++) {
		struct thread *t = pt_map_get(&c->threads, tid_key(c->exporting[i]));

		if (!t || !t->exp_live || t->tid == e->tid)
			continue;
		if (e->obj == t->exp_obj || e->exp_obj == t->exp_obj)
			t->exp_disturbed = true;
	}
}

static void thread_reset(struct pc_checker *c, struct thread *t)
{
	if (t->exp_live)
		exporting_drop(c, t->tid);
	t->exp_live = false;
	t->ncreated = 0;
	t->nadded = 0;
}

/* --- the cache ------------------------------------------------------------------- */

static struct entry *entry_get(struct pc_checker *c, __u64 file, __u32 handle)
{
	struct entry *en = pt_map_get(&c->cache, pt_map_key2(file, handle));

	return en && en->file == file && en->handle == handle ? en : NULL;
}

static void entry_del(struct pc_checker *c, __u64 file, __u32 handle)
{
	struct entry *en = entry_get(c, file, handle);

	if (!en)
		return;
	pt_map_del(&c->cache, pt_map_key2(file, handle));
	free(en);
}

static void tomb(struct pc_checker *c, const struct pt_event *e)
{
	struct tomb *tb;

	if (!e->file || !e->tid)
		return;
	/* only recent ones matter: a table this big is mostly old ones */
	if (c->tombs.n >= 8192)
		map_free_all(&c->tombs);
	/* one of another (file, handle) with the same key makes way */
	tb = pt_map_get(&c->tombs, pt_map_key2(e->file, e->handle));
	if (!tb) {
		tb = calloc(1, sizeof(*tb));
		if (!tb || pt_map_put(&c->tombs, pt_map_key2(e->file, e->handle), tb)) {
			free(tb);
			return;
		}
	}
	tb->file = e->file;
	tb->handle = e->handle;
	tb->tid = e->tid;
	tb->seq = c->st.events;
}

/* the handle a thread deleted: its cache entry must be gone by now (C2) */
static void resolve_delete(struct pc_checker *c, struct thread *t)
{
	struct objstate *o;
	struct entry *en;

	if (!t->del_pending)
		return;
	t->del_pending = false;
	o = t->del_last ? objstate(c, t->del_obj, false) : NULL;
	if (o)
		o->kdmabuf = 0;
	en = entry_get(c, t->del_file, t->del_handle);
	if (!en)
		return;
	if (on(c, PC_STALE_ENTRY)) {
		struct pt_event e;

		pt_event_init(&e);
		e.ts = t->del_ts;
		e.pid = t->del_pid;
		memcpy(e.comm, t->del_comm, sizeof(e.comm));
		e.ino = en->ino;
		violation(c, PC_STALE_ENTRY, &e,
			  "handle %u of DRM file 0x%llx was closed, but the file's PRIME cache "
			  "still maps it to dma-buf ino %llu: an import of that dma-buf would "
			  "return a dead handle",
			  en->handle, (unsigned long long)en->file, (unsigned long long)en->ino);
	}
	entry_del(c, t->del_file, t->del_handle);
}

static void on_cache_add(struct pc_checker *c, const struct pt_record *rec, struct thread *t)
{
	const struct pt_event *e = &rec->ev;
	struct entry *en;
	char dev[32];

	if (e->ret || !e->file || !e->dmabuf)
		return;
	/* an entry of another (file, handle) with the same key makes way */
	en = pt_map_get(&c->cache, pt_map_key2(e->file, e->handle));
	if (!en) {
		en = calloc(1, sizeof(*en));
		if (!en || pt_map_put(&c->cache, pt_map_key2(e->file, e->handle), en)) {
			free(en);
			return;
		}
	}
	en->file = e->file;
	en->handle = e->handle;
	en->dmabuf = e->dmabuf;
	en->ino = e->ino;
	en->minor = e->minor;
	if (t) {
		unsigned int i = t->nadded++ % THREAD_LIST;

		t->added[i].file = e->file;
		t->added[i].handle = e->handle;
		t->added[i].dmabuf = e->dmabuf;
	}

	/*
	 * L1: the export made this dma-buf, the core registers it next. In
	 * between only the driver's export callback runs on: whatever
	 * reference it takes besides the dma-buf's (taken inside
	 * drm_gem_dmabuf_export()) is one too many. A count that went down
	 * is another thread's call dropping a reference it held.
	 */
	if (t && t->exp_live && t->exp_dmabuf == e->dmabuf && t->exp_obj == e->obj) {
		if (!t->exp_disturbed && e->kref >= 0 && t->exp_kref >= 0 &&
		    e->kref > t->exp_kref && on(c, PC_EXPORT_REF))
			violation(
			    c, PC_EXPORT_REF, e,
			    "the export of GEM object 0x%llx (%s) as dma-buf ino %llu took %d "
			    "reference%s besides the dma-buf's: refcount %d when "
			    "drm_gem_prime_export() returned, %d when the dma-buf was "
			    "registered",
			    (unsigned long long)e->obj,
			    dev_text(dev, sizeof(dev), e->driver, e->minor),
			    (unsigned long long)e->ino, e->kref - t->exp_kref,
			    e->kref - t->exp_kref == 1 ? "" : "s", t->exp_kref, e->kref);
		exporting_drop(c, t->tid);
		t->exp_live = false;
	}
}

/* --- handles ------------------------------------------------------------------- */

static void on_handle_create(struct pc_checker *c, const struct pt_record *rec, struct thread *t)
{
	const struct pt_event *e = &rec->ev;
	struct objstate *o;

	if (e->ret || !e->obj)
		return;
	if (t) {
		unsigned int i = t->ncreated++ % THREAD_LIST;

		t->created[i].file = e->file;
		t->created[i].handle = e->handle;
		t->created[i].obj = e->obj;
	}
	/* the hook reads obj->dma_buf; only when it is NULL does it name the import's */
	o = objstate(c, e->obj, true);
	if (o && !e->attach)
		o->kdmabuf = e->dmabuf;
}

static void on_handle_delete(struct pc_checker *c, const struct pt_record *rec, struct thread *t)
{
	const struct pt_event *e = &rec->ev;

	if (t && e->file) {
		if (t->del_pending)
			resolve_delete(c, t);
		t->del_pending = true;
		/* read before the count drops: the last handle takes obj->dma_buf along */
		t->del_last = e->handle_count == 1;
		t->del_obj = e->obj;
		t->del_file = e->file;
		t->del_handle = e->handle;
		t->del_ts = e->ts;
		t->del_pid = e->pid;
		memcpy(t->del_comm, e->comm, sizeof(t->del_comm));
	}
}

/* the object of a handle this thread's call made, or 0 */
static __u64 created_here(const struct thread *t, __u64 file, __u32 handle)
{
	unsigned int n = t ? t->ncreated : 0;

	for (unsigned int k = 0; k < n && k < THREAD_LIST; k++) {
		unsigned int i = (n - 1 - k) % THREAD_LIST;

		if (t->created[i].file == file && t->created[i].handle == handle)
			return t->created[i].obj;
	}
	return 0;
}

static bool added_here(const struct thread *t, __u64 file, __u32 handle, __u64 dmabuf)
{
	unsigned int n = t ? t->nadded : 0;

	for (unsigned int i = 0; i < n && i < THREAD_LIST; i++)
		if (t->added[i].file == file && t->added[i].handle == handle &&
		    t->added[i].dmabuf == dmabuf)
			return true;
	return false;
}

/* the model saw the handle being made (so every cache entry of it was seen too) */
static bool handle_born_seen(const struct pc_checker *c, __u64 file, __u32 handle)
{
	const struct pm_file *f = pm_model_file(c->m, file);

	for (const struct pm_handle *h = f ? f->handles : NULL; h; h = h->next)
		if (h->handle == handle)
			return !h->unseen;
	return false;
}

/* --- the PRIME ioctls, at their return -------------------------------------------- */

static void on_fd_to_handle(struct pc_checker *c, const struct pt_record *rec, struct thread *t)
{
	const struct pt_event *e = &rec->ev;
	__u64 made;
	char dev[32];

	if (e->ret || !e->file || !e->handle || !e->dmabuf)
		return;
	made = created_here(t, e->file, e->handle);

	/*
	 * C2: a handle made by this call must be in the file's cache, or the
	 * next import of the dma-buf makes another one (C1).
	 */
	if (made && !added_here(t, e->file, e->handle, e->dmabuf) && on(c, PC_IMPORT_CACHE))
		violation(c, PC_IMPORT_CACHE, e,
			  "PRIME_FD_TO_HANDLE made handle %u for dma-buf ino %llu without adding "
			  "it to the file's PRIME cache: importing the dma-buf again gives "
			  "another handle",
			  e->handle, (unsigned long long)e->ino);

	/*
	 * S1: a dma-buf of one of this device's objects comes back as that
	 * object. Checked when the call made the handle (a cache hit returns
	 * what an earlier call made) and the handle still names what it made.
	 */
	if (made && made == e->obj && e->exp_obj && e->exp_obj != e->obj && e->minor >= 0 &&
	    e->minor == e->exp_minor && on(c, PC_SELF_IMPORT))
		violation(c, PC_SELF_IMPORT, e,
			  "importing dma-buf ino %llu into its exporting device %s gave GEM object "
			  "0x%llx instead of the exporting object 0x%llx",
			  (unsigned long long)e->ino,
			  dev_text(dev, sizeof(dev), e->driver, e->minor),
			  (unsigned long long)e->obj, (unsigned long long)e->exp_obj);
}

static void on_handle_to_fd(struct pc_checker *c, const struct pt_record *rec, struct thread *t)
{
	const struct pt_event *e = &rec->ev;
	struct objstate *o;
	struct entry *en;
	struct tomb *tb;

	/*
	 * The hook finds the handle's object again at the return: when another
	 * thread closed the handle meanwhile, it names nothing or another
	 * object than the dma-buf's, and there is nothing to compare.
	 */
	if (e->ret || !e->file || !e->handle || !e->dmabuf || !e->obj)
		return;
	o = objstate(c, e->obj, true);
	if (!o)
		return;
	if (e->exp_obj && e->exp_obj != e->obj && !o->imported)
		return;

	/* E2: an import is re-exported as the dma-buf it came from, not as one of its own */
	if (o->imported && e->exp_obj == e->obj && on(c, PC_REEXPORT))
		violation(c, PC_REEXPORT, e,
			  "exporting imported GEM object 0x%llx gave a dma-buf of its own, ino "
			  "%llu, instead of dma-buf ino %llu it was imported from",
			  (unsigned long long)e->obj, (unsigned long long)e->ino,
			  (unsigned long long)o->imported_ino);

	/*
	 * C2: the exporting file's cache maps the handle to the dma-buf, so
	 * that importing it back gives this handle (C1). Unless another
	 * thread closed the handle since the call began (the hook sees the
	 * removal before it happens, so the object can still be found here).
	 */
	tb = pt_map_get(&c->tombs, pt_map_key2(e->file, e->handle));
	if (tb && tb->file == e->file && tb->handle == e->handle && t && tb->tid != t->tid &&
	    tb->seq > t->exit_seq)
		return;
	en = entry_get(c, e->file, e->handle);
	if (added_here(t, e->file, e->handle, e->dmabuf)) {
		/* registered by this call */
	} else if (en && en->dmabuf != e->dmabuf) {
		if (on(c, PC_EXPORT_CACHE))
			violation(c, PC_EXPORT_CACHE, e,
				  "PRIME_HANDLE_TO_FD exported handle %u as dma-buf ino %llu, but "
				  "the file's PRIME cache maps the handle to dma-buf ino %llu",
				  e->handle, (unsigned long long)e->ino,
				  (unsigned long long)en->ino);
	} else if (!en && handle_born_seen(c, e->file, e->handle) && on(c, PC_EXPORT_CACHE)) {
		violation(c, PC_EXPORT_CACHE, e,
			  "PRIME_HANDLE_TO_FD exported handle %u as dma-buf ino %llu without "
			  "entering it in the file's PRIME cache: importing the dma-buf back into "
			  "this file gives a second handle",
			  e->handle, (unsigned long long)e->ino);
	}
}

/* --- exports, imports, releases, frees ------------------------------------------------ */

static void on_export(struct pc_checker *c, const struct pt_record *rec, struct thread *t)
{
	const struct pt_event *e = &rec->ev;
	struct objstate *o;
	char dev[32];

	if (e->ret || !e->obj || !e->dmabuf || !t)
		return;
	/* drm_gem_dmabuf_export() and drm_gem_prime_export() report the same dma-buf */
	if (!(t->exp_live && t->exp_dmabuf == e->dmabuf)) {
		o = objstate(c, e->obj, true);
		/* E1: a new dma-buf only for an object that has none (imports: E2) */
		if (o && o->kdmabuf && o->kdmabuf != e->dmabuf && !o->imported &&
		    on(c, PC_ONE_DMABUF))
			violation(c, PC_ONE_DMABUF, e,
				  "GEM object 0x%llx (%s) was exported as a new dma-buf ino %llu "
				  "although obj->dma_buf is dma-buf ino %llu",
				  (unsigned long long)e->obj,
				  dev_text(dev, sizeof(dev), e->driver, e->minor),
				  (unsigned long long)e->ino,
				  (unsigned long long)ino_of(c, o->kdmabuf, 0));
		/* the core makes it obj->dma_buf */
		if (o && !o->kdmabuf)
			o->kdmabuf = e->dmabuf;
	}
	if (!t->exp_live) {
		if (c->nexporting == (int)(sizeof(c->exporting) / sizeof(c->exporting[0])))
			return; /* too many at once: no reference check for this one */
		c->exporting[c->nexporting++] = t->tid;
	}
	t->exp_live = true;
	/*
	 * Another thread whose last event named the object may be inside a
	 * call that holds a reference it drops without an event (the object's
	 * creation, a lookup): the refcount can move under the export.
	 */
	o = objstate(c, e->obj, false);
	t->exp_disturbed = false;
	if (o && o->last_tid && o->last_tid != t->tid) {
		struct thread *other = pt_map_get(&c->threads, tid_key(o->last_tid));

		t->exp_disturbed = other && other->last_seq == o->last_seq;
	}
	t->exp_obj = e->obj;
	t->exp_dmabuf = e->dmabuf;
	t->exp_kref = e->kref;
}

static void on_import(struct pc_checker *c, const struct pt_record *rec)
{
	const struct pt_event *e = &rec->ev;
	struct objstate *o;

	/* a self-import gives the exporting object itself */
	if (e->ret || !e->obj || !e->dmabuf || e->obj == e->exp_obj)
		return;
	o = objstate(c, e->obj, true);
	if (o) {
		o->imported = e->dmabuf;
		o->imported_ino = e->ino;
	}
}

static void on_dmabuf_release(struct pc_checker *c, const struct pt_record *rec)
{
	const struct pt_event *e = &rec->ev;
	struct objstate *o = objstate(c, e->obj, false);
	char dev[32];

	if (!e->obj)
		return;
	/*
	 * obj->dma_buf holds a reference: when a dma-buf of the object goes,
	 * any last-handle delete still waiting for its thread's next event
	 * has cleared it.
	 */
	if (o && o->kdmabuf) {
		pt_map_for_each(&c->threads, _s)
		{
			struct thread *t = _s->val;

			if (t->del_pending && t->del_last && t->del_obj == e->obj) {
				o->kdmabuf = 0;
				t->del_last = false;
			}
		}
	}
	/* L1: the dma-buf's reference is still there to be dropped */
	if (e->kref == 0 && on(c, PC_RELEASE_REF))
		violation(c, PC_RELEASE_REF, e,
			  "drm_gem_dmabuf_release() of dma-buf ino %llu found its GEM object "
			  "0x%llx (%s) with refcount 0: the dma-buf's reference was dropped "
			  "before",
			  (unsigned long long)e->ino, (unsigned long long)e->obj,
			  dev_text(dev, sizeof(dev), e->driver, e->minor));
	/* E1: while the object has a dma-buf, no other one of it exists */
	if (o && o->kdmabuf && o->kdmabuf != e->dmabuf && on(c, PC_ONE_DMABUF))
		violation(c, PC_ONE_DMABUF, e,
			  "dma-buf ino %llu of GEM object 0x%llx (%s) was released while "
			  "obj->dma_buf is another dma-buf, ino %llu",
			  (unsigned long long)e->ino, (unsigned long long)e->obj,
			  dev_text(dev, sizeof(dev), e->driver, e->minor),
			  (unsigned long long)ino_of(c, o->kdmabuf, 0));
}

static bool still_attached(const struct pc_checker *c, const struct pm_obj *o)
{
	const struct pm_buf *b = o->attach ? pm_model_buf(c->m, o->dmabuf) : NULL;

	for (const struct pm_attach *a = b ? b->attachments : NULL; a; a = a->next)
		if (a->attach == o->attach)
			return true;
	return false;
}

static void on_free(struct pc_checker *c, const struct pt_record *rec)
{
	const struct pt_event *e = &rec->ev;
	const struct pm_obj *o = pm_model_obj(c->m, e->obj);
	char dev[32];

	if (!e->obj)
		return;
	dev_text(dev, sizeof(dev), e->driver, e->minor);
	/* L2: the last reference is gone (objects never seen may be a failed creation) */
	if (o && e->kref > 0 && on(c, PC_FREE_REF))
		violation(c, PC_FREE_REF, e, "GEM object 0x%llx (%s) was freed with refcount %d",
			  (unsigned long long)e->obj, dev, e->kref);
	/* L3, A2: an import's free detaches and drops its dma-buf reference */
	if (o && (o->flags & PM_F_IMPORTED) && !(o->flags & PM_F_DESTROY) &&
	    on(c, PC_IMPORT_TEARDOWN))
		violation(c, PC_IMPORT_TEARDOWN, e,
			  "imported GEM object 0x%llx (%s) was freed without "
			  "drm_prime_gem_destroy()%s: its dma-buf ino %llu and the exporting "
			  "object stay referenced",
			  (unsigned long long)e->obj, dev,
			  still_attached(c, o) ? ", its attachment still attached" : "",
			  (unsigned long long)ino_of(c, o->dmabuf, 0));
	/* the address may come back as another object */
	objstate_del(c, e->obj);
}

/* --- feeding --------------------------------------------------------------------------- */

static void touched(struct pc_checker *c, __u64 obj, const struct thread *t)
{
	struct objstate *o = objstate(c, obj, false);

	if (o) {
		o->last_tid = t->tid;
		o->last_seq = t->last_seq;
	}
}

void pc_checker_feed(struct pc_checker *c, const struct pt_record *rec)
{
	const struct pt_event *e = &rec->ev;
	struct thread *t = NULL;

	c->st.events++;
	if (e->tid && e->type < PT_EV_TASK_EXIT)
		t = thread(c, e->tid);
	if (t) {
		t->last_ts = e->ts;
		t->last_seq = c->st.events;
	}
	/* a thread's next event after a handle delete: its cache removal, or not */
	if (t && t->del_pending &&
	    !(e->type == PT_EV_PRIME_CACHE_REMOVE && e->file == t->del_file &&
	      e->handle == t->del_handle))
		resolve_delete(c, t);
	if (c->nexporting)
		disturb(c, e);

	switch (e->type) {
	case PT_EV_GEM_EXPORT:
	case PT_EV_GEM_DMABUF_EXPORT:
		on_export(c, rec, t);
		break;
	case PT_EV_PRIME_CACHE_ADD:
		on_cache_add(c, rec, t);
		break;
	case PT_EV_PRIME_CACHE_REMOVE:
		entry_del(c, e->file, e->handle);
		tomb(c, e);
		if (t && t->del_pending && e->file == t->del_file && e->handle == t->del_handle)
			resolve_delete(c, t);
		break;
	case PT_EV_GEM_HANDLE_CREATE:
		on_handle_create(c, rec, t);
		break;
	case PT_EV_GEM_HANDLE_DELETE:
		on_handle_delete(c, rec, t);
		break;
	case PT_EV_PRIME_FD_TO_HANDLE:
		on_fd_to_handle(c, rec, t);
		if (t) {
			thread_reset(c, t);
			t->exit_seq = c->st.events;
		}
		break;
	case PT_EV_PRIME_HANDLE_TO_FD:
		on_handle_to_fd(c, rec, t);
		if (t) {
			thread_reset(c, t);
			t->exit_seq = c->st.events;
		}
		break;
	case PT_EV_GEM_IMPORT:
		on_import(c, rec);
		break;
	case PT_EV_GEM_DMABUF_RELEASE:
		on_dmabuf_release(c, rec);
		break;
	case PT_EV_GEM_FREE:
		on_free(c, rec);
		break;
	case PT_EV_TASK_EXIT:
		break;
	default:
		break;
	}
	if (t && e->type != PT_EV_GEM_FREE) {
		touched(c, e->obj, t);
		touched(c, e->exp_obj, t);
	}
	pm_model_feed(c->m, rec);
}

/* a thread's call is over when it has been quiet this long */
#define SETTLE_NS 20000000ULL

void pc_checker_settle(struct pc_checker *c, __u64 now)
{
	pt_map_for_each(&c->threads, _s)
	{
		struct thread *t = _s->val;

		if (t->last_ts + SETTLE_NS > now)
			continue;
		resolve_delete(c, t);
		thread_reset(c, t);
	}
	if ((pm_model_incomplete(c->m) & PM_INC_BOUND) && !(c->inc & PC_INC_BOUND))
		incomplete(c, PC_INC_BOUND,
			   "the model's bound was reached: some objects are "
			   "not tracked");
}

/* lost events: no device's picture can be trusted until it is empty */
static void taint_all(struct pc_checker *c)
{
	for (int i = 0; i < MAX_INSTANCES; i++)
		c->tainted[i] = true;
}

void pc_checker_note_drops(struct pc_checker *c, __u64 n)
{
	if (!n)
		return;
	taint_all(c);
	c->st.drops += n;
	pm_model_note_drops(c->m, n);
	incomplete(c, PC_INC_DROPS, "%llu event%s lost in the ring buffer", (unsigned long long)n,
		   n == 1 ? "" : "s");
}

void pc_checker_note_missed(struct pc_checker *c, __u64 n)
{
	if (!n)
		return;
	taint_all(c);
	c->st.missed += n;
	pm_model_note_drops(c->m, n);
	incomplete(c, PC_INC_DROPS,
		   "%llu call%s not seen by the hooks (their program was "
		   "already running on that CPU)",
		   (unsigned long long)n, n == 1 ? "" : "s");
}

void pc_checker_note_skipped(struct pc_checker *c, unsigned long n)
{
	if (!n)
		return;
	/* a skipped line may have been any event: as good as a lost one */
	taint_all(c);
	c->st.skipped += n;
	pm_model_note_skipped(c->m, n);
	incomplete(c, PC_INC_SKIPPED, "%lu malformed input line%s skipped", n, n == 1 ? "" : "s");
}

/* --- ground truth ------------------------------------------------------------------------ */

void pc_truth_baseline(struct pc_checker *c, bool baseline)
{
	c->t.baseline = baseline;
}

void pc_truth_begin(struct pc_checker *c, int instance, int minor)
{
	struct truth *t = &c->t;
	const struct pm_buf **bufs = NULL;
	size_t n;
	bool baseline = t->baseline;

	map_free_all(&t->exported);
	free(t->entries);
	memset(t, 0, sizeof(*t));
	t->baseline = baseline;
	t->active = true;
	t->instance = instance;
	t->minor = minor;
	if (baseline)
		return;
	/* the dma-bufs the hooks know alive, by exporting object of this device */
	n = pm_model_bufs(c->m, &bufs);
	for (size_t i = 0; i < n; i++) {
		const struct pm_buf *b = bufs[i];
		struct exp_count *ec;

		if (!b->exp_obj || b->exp_minor != minor)
			continue;
		t->live_bufs++;
		t->attachments += pm_buf_attachments(b);
		ec = pt_map_get(&t->exported, b->exp_obj);
		if (!ec) {
			ec = calloc(1, sizeof(*ec));
			if (!ec || pt_map_put(&t->exported, b->exp_obj, ec)) {
				free(ec);
				continue;
			}
		}
		ec->bufs++;
		ec->attachments += pm_buf_attachments(b);
	}
	free(bufs);
}

static void who_add(char *who, size_t len, const char *line)
{
	size_t n = strlen(who);
	const char *p = strstr(line, "id=");
	size_t l;

	if (!p || n + 8 >= len)
		return;
	l = strcspn(p, "\n");
	snprintf(who + n, len - n, "%s%.*s", n ? "; " : "", (int)l, p);
}

void pc_truth_objects_line(struct pc_checker *c, const char *line)
{
	struct truth *t = &c->t;
	long long refcount, handles, dmabuf, pins, mmaps, n;
	__u64 held, dmabufs = 0, attachments = 0;
	struct vprime_obj o;

	if (!t->active)
		return;
	if (vprime_parse_count(line, "objects", &n)) {
		t->have_objects = true;
		t->declared = n;
		return;
	}
	if (!vprime_parse_obj(line, &o))
		return;
	refcount = o.refcount;
	handles = o.handles;
	dmabuf = o.dmabuf;
	pins = o.pins;
	mmaps = o.mmaps;
	t->listed++;
	t->refs += refcount;
	t->pins += pins;
	t->handles += handles;
	held = (handles > 0) + mmaps;
	t->held += held;
	if (t->baseline)
		return;
	/* an object with handles names its dma-buf: count those it exported */
	if (dmabuf) {
		const struct pm_buf *b = pm_model_buf_by_ino(c->m, dmabuf);
		const struct exp_count *ec =
		    b && b->exp_obj ? pt_map_get(&t->exported, b->exp_obj) : NULL;

		if (ec) {
			dmabufs = ec->bufs;
			attachments = ec->attachments;
		}
	}
	/* without handles its dma-bufs cannot be told: suspects when the sums differ */
	if ((__u64)refcount > held + dmabufs && (dmabuf || !(handles || mmaps) || refcount > 1))
		who_add(t->refs_who, sizeof(t->refs_who), line);
	if ((__u64)pins > attachments)
		who_add(t->pins_who, sizeof(t->pins_who), line);
}

void pc_truth_files_line(struct pc_checker *c, const char *line)
{
	struct truth *t = &c->t;
	struct vprime_file f;
	unsigned long ino;
	unsigned int handle;

	if (!t->active)
		return;
	if (vprime_parse_file(line, &f)) {
		t->have_files = true;
		return;
	}
	if (!vprime_parse_prime(line, &ino, &handle, NULL))
		return;
	t->have_files = true;
	if (t->nentries == t->cap_entries) {
		size_t cap = t->cap_entries ? t->cap_entries * 2 : 64;
		__u64(*n)[2] = realloc(t->entries, cap * sizeof(*n));

		if (!n)
			return;
		t->entries = n;
		t->cap_entries = cap;
	}
	t->entries[t->nentries][0] = ino;
	t->entries[t->nentries][1] = handle;
	t->nentries++;
}

static int cmp_pair(const void *a, const void *b)
{
	const __u64 *x = a, *y = b;

	if (x[0] != y[0])
		return x[0] < y[0] ? -1 : 1;
	if (x[1] != y[1])
		return x[1] < y[1] ? -1 : 1;
	return 0;
}

/* the hooks' view of the device agrees with debugfs: objects and cache entries */
static bool view_agrees(struct pc_checker *c)
{
	struct truth *t = &c->t;
	const struct pm_obj **objs = NULL;
	__u64(*mine)[2] = NULL;
	size_t n, nmine = 0, live = 0;
	bool same = true;

	n = pm_model_objs(c->m, &objs);
	for (size_t i = 0; i < n; i++)
		live += objs[i]->minor == t->minor;
	free(objs);
	if (t->have_objects && (long)live != t->declared) {
		incomplete(c, PC_INC_VIEW,
			   "vprime.%d: the hooks saw %zu live objects, debugfs lists %ld",
			   t->instance, live, t->declared);
		same = false;
	}
	if (!t->have_files)
		return same;
	mine = calloc(c->cache.n + 1, sizeof(*mine));
	if (!mine)
		return same;
	pt_map_for_each(&c->cache, _s)
	{
		struct entry *en = _s->val;

		if (en->minor == t->minor) {
			mine[nmine][0] = en->ino;
			mine[nmine][1] = en->handle;
			nmine++;
		}
	}
	/* qsort() wants a valid array even for no element: entries is NULL then */
	if (nmine > 1)
		qsort(mine, nmine, sizeof(*mine), cmp_pair);
	if (t->nentries > 1)
		qsort(t->entries, t->nentries, sizeof(*t->entries), cmp_pair);
	if (nmine != t->nentries ||
	    (nmine && memcmp(mine, t->entries, nmine * sizeof(*mine)) != 0)) {
		incomplete(c, PC_INC_VIEW,
			   "vprime.%d: the hooks saw %zu PRIME cache entries, debugfs lists %zu "
			   "(or others)",
			   t->instance, nmine, t->nentries);
		same = false;
	}
	free(mine);
	return same;
}

/* the device is empty: forget what the model and the cache view hold of it */
static void resync(struct pc_checker *c, int minor)
{
	const struct pm_buf **bufs = NULL;
	const struct pm_obj **objs = NULL;
	struct pt_record rec = { 0 };
	__u64 *gone;
	size_t n, k = 0;

	n = pm_model_bufs(c->m, &bufs);
	gone = calloc(n + 1, sizeof(*gone));
	for (size_t i = 0; gone && i < n; i++)
		if (bufs[i]->exp_obj && bufs[i]->exp_minor == minor)
			gone[k++] = bufs[i]->dmabuf;
	free(bufs);
	for (size_t i = 0; i < k; i++) {
		pt_event_init(&rec.ev);
		rec.ev.type = PT_EV_DMABUF_RELEASE;
		rec.ev.dmabuf = gone[i];
		pm_model_feed(c->m, &rec);
	}
	free(gone);

	k = 0;
	n = pm_model_objs(c->m, &objs);
	gone = calloc(n + 1, sizeof(*gone));
	for (size_t i = 0; gone && i < n; i++)
		if (objs[i]->minor == minor)
			gone[k++] = objs[i]->obj;
	free(objs);
	for (size_t i = 0; i < k; i++) {
		pt_event_init(&rec.ev);
		rec.ev.type = PT_EV_GEM_FREE;
		rec.ev.obj = gone[i];
		pm_model_feed(c->m, &rec);
		objstate_del(c, gone[i]);
	}
	free(gone);

	k = 0;
	gone = calloc(2 * c->cache.n + 2, sizeof(*gone));
	pt_map_for_each(&c->cache, _s)
	{
		struct entry *en = _s->val;

		if (gone && en->minor == minor) {
			gone[k++] = en->file;
			gone[k++] = en->handle;
		}
	}
	for (size_t i = 0; i + 1 < k; i += 2)
		entry_del(c, gone[i], gone[i + 1]);
	free(gone);
}

void pc_truth_end(struct pc_checker *c)
{
	struct truth *t = &c->t;
	__u64 expected;

	if (!t->active)
		return;
	t->active = false;
	if (t->instance < 0 || t->instance >= MAX_INSTANCES)
		return;
	if (t->baseline) {
		/* what exists before tracing was never seen being made */
		c->tainted[t->instance] = t->listed > 0 || t->nentries > 0;
		return;
	}
	/*
	 * A picture known to be wrong (lost events, things made before
	 * tracing, a disagreement) is compared again once the device is
	 * empty: what the hooks' picture still holds of it then is forgotten.
	 */
	if (c->tainted[t->instance]) {
		if (t->have_objects && t->declared == 0 && t->nentries == 0) {
			resync(c, t->minor);
			c->tainted[t->instance] = false;
		}
		return;
	}
	if (!t->have_objects || (pm_model_incomplete(c->m) & PM_INC_BOUND))
		return;
	if (!view_agrees(c)) {
		c->tainted[t->instance] = true;
		return;
	}
	c->st.truth_checks++;

	/*
	 * L2, M2: all handles hold one reference together, every mapping one,
	 * every dma-bufs exported from the object one. Nothing else does once
	 * no call is in flight.
	 */
	expected = t->held + t->live_bufs;
	if (t->refs != expected && on(c, PC_TRUTH_REFS))
		violation(c, PC_TRUTH_REFS, NULL,
			  "vprime.%d: %lld GEM reference%s %s: refcounts add up to %llu, handles, "
			  "mappings and the %llu live dma-buf%s explain %llu%s%s",
			  t->instance, (long long)(t->refs - expected),
			  t->refs - expected == 1 ? "" : "s",
			  t->refs > expected ? "without a holder" : "missing",
			  (unsigned long long)t->refs, (unsigned long long)t->live_bufs,
			  t->live_bufs == 1 ? "" : "s", (unsigned long long)expected,
			  t->refs_who[0] ? "; " : "", t->refs_who);

	/* A2: a pin lasts as long as its attachment */
	if (t->pins != t->attachments && on(c, PC_TRUTH_PINS))
		violation(c, PC_TRUTH_PINS, NULL,
			  "vprime.%d: %llu pin%s but %llu attachment%s to its dma-bufs: %s%s%s",
			  t->instance, (unsigned long long)t->pins, t->pins == 1 ? "" : "s",
			  (unsigned long long)t->attachments, t->attachments == 1 ? "" : "s",
			  t->pins > t->attachments ? "an unpin was skipped" : "a pin is missing",
			  t->pins_who[0] ? "; " : "", t->pins_who);
}

/* --- results ----------------------------------------------------------------------------- */

size_t pc_checker_take(struct pc_checker *c, struct pc_violation **out, unsigned int *inc,
		       char *text, size_t len)
{
	size_t n = c->nv;

	*out = c->v;
	c->v = NULL;
	c->nv = c->cap_v = 0;
	if (inc)
		*inc = c->inc;
	if (text && len)
		snprintf(text, len, "%s", c->inc_text);
	c->inc = 0;
	c->inc_text[0] = '\0';
	return n;
}

void pc_checker_stats(const struct pc_checker *c, struct pc_stats *st)
{
	*st = c->st;
}
