// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* primetrace: the monitor's numbers read from the lifetime model (see view.h) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "view.h"

const char *pm_buf_exporter(char *buf, size_t len, const struct pm_buf *b)
{
	if (b->exp_driver[0] && b->exp_minor >= 0)
		snprintf(buf, len, "%s:%d", b->exp_driver, b->exp_minor);
	else if (b->exp_driver[0])
		snprintf(buf, len, "%s", b->exp_driver);
	else if (b->exp_name[0])
		snprintf(buf, len, "%s", b->exp_name);
	else
		snprintf(buf, len, "?");
	return buf;
}

static int by_key(const void *a, const void *b)
{
	const struct pm_view_group *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int by_bytes(const void *a, const void *b)
{
	const struct pm_view_group *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	if (x->bufs != y->bufs)
		return x->bufs > y->bufs ? -1 : 1;
	return by_key(a, b);
}

/*
 * g[0..n) one entry per buffer: merged by key, the top ones copied to
 * out, the rest summed into one "other" entry. Returns the entries written.
 */
static unsigned int top_groups(struct pm_view_group *g, size_t n, unsigned int top,
			       struct pm_view_group *out)
{
	size_t k = 0;
	unsigned int w;

	if (!n)
		return 0;
	qsort(g, n, sizeof(*g), by_key);
	for (size_t i = 1; i < n; i++) {
		if (!by_key(&g[k], &g[i])) {
			g[k].bufs += g[i].bufs;
			g[k].bytes += g[i].bytes;
		} else {
			g[++k] = g[i];
		}
	}
	n = k + 1;
	qsort(g, n, sizeof(*g), by_bytes);
	w = n < top ? n : top;
	memcpy(out, g, w * sizeof(*g));
	if (n > top) {
		memset(&out[w], 0, sizeof(out[w]));
		out[w].other = true;
		snprintf(out[w].name, sizeof(out[w].name), "other");
		for (size_t i = top; i < n; i++) {
			out[w].bufs += g[i].bufs;
			out[w].bytes += g[i].bytes;
		}
		w++;
	}
	return w;
}

int pm_view_collect(const struct pm_model *m, const struct pm_suspect *s, int n, unsigned int top,
		    struct pm_view *v)
{
	const struct pm_buf **bufs = NULL;
	const struct pm_file **files = NULL;
	struct pm_view_group *g;
	struct pm_stats st;
	size_t nb, nf;

	memset(v, 0, sizeof(*v));
	if (top < 1)
		top = 1;
	if (top > PM_VIEW_TOP_MAX)
		top = PM_VIEW_TOP_MAX;
	pm_model_stats(m, &st);
	nb = pm_model_bufs(m, &bufs);
	nf = pm_model_files(m, &files);
	g = calloc(nb ? nb : 1, sizeof(*g));
	if ((nb && !bufs) || (st.files && !files) || !g) {
		free(bufs);
		free(files);
		free(g);
		return -ENOMEM;
	}
	for (size_t i = 0; i < nb; i++) {
		v->bufs++;
		v->bytes += bufs[i]->size;
		g[i] = (struct pm_view_group){ .bufs = 1, .bytes = bufs[i]->size };
		pm_buf_exporter(g[i].name, sizeof(g[i].name), bufs[i]);
	}
	v->nexporters = top_groups(g, nb, top, v->exporters);
	for (size_t i = 0; i < nb; i++) {
		g[i] = (struct pm_view_group){ .pid = bufs[i]->exp_pid,
					       .bufs = 1,
					       .bytes = bufs[i]->size };
		/* the comm is the process's, not part of the key: one per pid */
		snprintf(g[i].name, sizeof(g[i].name), "%s", bufs[i]->exp_pid ? "" : "unknown");
	}
	v->nprocs = top_groups(g, nb, top, v->procs);
	for (unsigned int i = 0; i < v->nprocs; i++) {
		const struct pm_proc *p;

		if (v->procs[i].other || !v->procs[i].pid)
			continue;
		p = pm_model_proc(m, v->procs[i].pid);
		snprintf(v->procs[i].name, sizeof(v->procs[i].name), "%s",
			 p && p->comm[0] ? p->comm : "?");
	}
	for (size_t i = 0; i < nf; i++)
		v->import_handles += files[i]->nimports;
	for (int i = 0; i < n; i++)
		if (s[i].kind < PM_LEAK_MAX)
			v->suspects[s[i].kind]++;
	v->gem_objects = st.objs;
	v->gem_handles = st.handles;
	v->attachments = st.attachments;
	v->events = st.events;
	v->drops = st.drops;
	v->evictions = st.untracked;
	v->table_lost = st.table_lost;
	v->entries = st.entries;
	v->max_entries = st.max_entries;
	v->incomplete = pm_model_incomplete(m);
	pm_model_incomplete_text(m, v->incomplete_text, sizeof(v->incomplete_text));
	free(bufs);
	free(files);
	free(g);
	return 0;
}
