// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Outstanding buffers by stack: see outstanding.h. Stacks are interned by
 * the model (one struct pm_str per distinct stack), so a group is the pair
 * of stack pointers and a kind; one pass over the live buffers and the
 * files' handles fills a hash map of groups.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hashmap.h"
#include "outstanding.h"

static const char *const kind_names[PM_OUT_MAX] = {
	[PM_OUT_DMABUF] = "dmabuf",
	[PM_OUT_IMPORT] = "import_handle",
	[PM_OUT_HANDLE] = "gem_handle",
};

const char *pm_out_kind_name(enum pm_out_kind kind)
{
	return kind < PM_OUT_MAX ? kind_names[kind] : "?";
}

struct groups {
	struct pt_map map; /* key of (kind, stacks) -> index + 1 in arr */
	struct pm_outstanding *arr;
	size_t n, cap;
	/* the last pid seen per group, to count distinct ones cheaply */
	__u32 *last_pid;
};

static __u64 group_key(enum pm_out_kind kind, const struct pm_str *k, const struct pm_str *u)
{
	return pt_map_key2(pt_map_key2((__u64)(unsigned long)k, (__u64)(unsigned long)u), kind + 1);
}

/* the group of (kind, k, u), made when new; NULL when out of memory */
static struct pm_outstanding *group(struct groups *g, enum pm_out_kind kind, struct pm_str *k,
				    struct pm_str *u)
{
	__u64 key = group_key(kind, k, u);
	struct pm_outstanding *o;
	unsigned long i;

	/* a key collision of two groups is told apart by a linear probe of keys */
	for (;; key++) {
		if (!key)
			key = 1;
		i = (unsigned long)pt_map_get(&g->map, key);
		if (!i)
			break;
		o = &g->arr[i - 1];
		if (o->kind == kind && o->kstack == k && o->ustack == u)
			return o;
	}
	if (g->n == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 64;
		struct pm_outstanding *arr = realloc(g->arr, cap * sizeof(*arr));
		__u32 *pids;

		if (!arr)
			return NULL;
		g->arr = arr;
		pids = realloc(g->last_pid, cap * sizeof(*pids));
		if (!pids)
			return NULL;
		g->last_pid = pids;
		g->cap = cap;
	}
	if (pt_map_put(&g->map, key, (void *)(unsigned long)(g->n + 1)))
		return NULL;
	o = &g->arr[g->n];
	memset(o, 0, sizeof(*o));
	o->kind = kind;
	o->kstack = k;
	o->ustack = u;
	g->last_pid[g->n] = 0;
	g->n++;
	return o;
}

static void add(struct groups *g, struct pm_outstanding *o, __u64 bytes, __u64 t, __u32 pid,
		const char *comm, const char *driver)
{
	__u32 *last = &g->last_pid[o - g->arr];

	o->count++;
	o->bytes += bytes;
	if (pid && pid != *last) {
		/* pids of one group mostly come together: a cheap distinct count */
		o->pids++;
		*last = pid;
	}
	if (o->count == 1 || (t && (!o->t_oldest || t < o->t_oldest))) {
		o->t_oldest = t;
		o->pid = pid;
		snprintf(o->comm, sizeof(o->comm), "%s", comm ? comm : "");
		snprintf(o->driver, sizeof(o->driver), "%s", driver ? driver : "");
	}
}

static int cmp_groups(const void *a, const void *b)
{
	const struct pm_outstanding *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if (x->t_oldest != y->t_oldest)
		return x->t_oldest < y->t_oldest ? -1 : 1;
	return x->kind - y->kind;
}

int pm_model_outstanding(const struct pm_model *m, struct pm_outstanding **out)
{
	struct groups g = { 0 };
	const struct pm_buf **bufs = NULL;
	const struct pm_file **files = NULL;
	size_t nb, nf;
	int ret = -ENOMEM;

	*out = NULL;
	nb = pm_model_bufs(m, &bufs);
	nf = pm_model_files(m, &files);
	if (!bufs || !files)
		goto out;
	for (size_t i = 0; i < nb; i++) {
		const struct pm_buf *b = bufs[i];
		struct pm_outstanding *o = group(&g, PM_OUT_DMABUF, b->kstack, b->ustack);

		if (!o)
			goto out;
		add(&g, o, b->size, b->t_create ? b->t_create : b->t_seen, b->exp_pid, b->exp_comm,
		    b->exp_driver[0] ? b->exp_driver : b->exp_name);
	}
	for (size_t i = 0; i < nf; i++) {
		for (const struct pm_handle *h = files[i]->handles; h; h = h->next) {
			const struct pm_obj *obj = pm_model_obj(m, h->obj);
			enum pm_out_kind kind = h->import ? PM_OUT_IMPORT : PM_OUT_HANDLE;
			struct pm_outstanding *o = group(&g, kind, h->kstack, h->ustack);

			if (!o)
				goto out;
			add(&g, o, obj ? obj->size : 0, h->unseen ? 0 : h->ts, h->pid,
			    files[i]->comm, files[i]->driver);
		}
	}
	if (g.n) /* no groups: g.arr is still NULL, which qsort may not take */
		qsort(g.arr, g.n, sizeof(*g.arr), cmp_groups);
	*out = g.arr;
	g.arr = NULL;
	ret = (int)g.n;
out:
	free(bufs);
	free(files);
	free(g.arr);
	free(g.last_pid);
	pt_map_release(&g.map);
	return ret;
}
