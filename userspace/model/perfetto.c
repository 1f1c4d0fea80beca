// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * primetrace: the Chrome trace-event timeline (see perfetto.h).
 *
 * Buffer lifetimes overlap freely, so they are async events ("b"/"e"),
 * paired by a process-local id (id2.local): Perfetto puts each on its own
 * row under the process, and B/E slices, which must nest, are never used.
 * Times are microseconds from the first record.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_writer.h"
#include "perfetto.h"

/* an open slice: its end must repeat its name, category and id */
struct slice {
	struct slice *next;
	__u64 key;
	__u32 pid;
	char cat[8];
	char id[24];
	char name[96];
};

struct pt_perfetto {
	FILE *f;
	struct jw w; /* on f: the outer object, traceEvents one event per line */
	const char *path;
	__u64 t0;
	struct slice *open;
	/* the processes seen, for their names (the model forgets exited ones) */
	struct pid_name {
		__u32 pid;
		char comm[PT_COMM_LEN];
	} * pids;
	size_t npids, cap;
	struct pm_observer obs;
};

static void ts_us(struct pt_perfetto *p, __u64 ts)
{
	if (!p->t0)
		p->t0 = ts;
	jw_name(&p->w, "ts");
	jw_printf(&p->w, "%.3f", ts >= p->t0 ? (ts - p->t0) / 1e3 : 0.0);
}

/*
 * An event's members up to its "args" object, which is left open: of
 * phase ph, an instant's scope s (NULL for the others), a slice's id (NULL
 * for an instant).
 */
static void event_begin(struct pt_perfetto *p, const char *ph, const char *s, const char *cat,
			const char *name, const char *id, __u32 pid, __u32 tid, __u64 ts)
{
	jw_object_begin(&p->w);
	jw_field_string(&p->w, "ph", ph);
	if (s)
		jw_field_string(&p->w, "s", s);
	jw_field_string(&p->w, "cat", cat);
	jw_field_string(&p->w, "name", name);
	if (id) {
		jw_name(&p->w, "id2");
		jw_object_begin(&p->w);
		jw_field_string(&p->w, "local", id);
		jw_object_end(&p->w);
	}
	jw_field_u64(&p->w, "pid", pid);
	jw_field_u64(&p->w, "tid", tid);
	ts_us(p, ts);
	jw_name(&p->w, "args");
	jw_object_begin(&p->w);
}

/* the end of the args and of the event */
static void event_end(struct pt_perfetto *p)
{
	jw_object_end(&p->w);
	jw_object_end(&p->w);
}

static void saw_pid(struct pt_perfetto *p, __u32 pid, const char *comm)
{
	struct pid_name *n = NULL;

	for (size_t i = 0; i < p->npids && !n; i++)
		if (p->pids[i].pid == pid)
			n = &p->pids[i];
	if (!n) {
		if (p->npids == p->cap) {
			size_t cap = p->cap ? p->cap * 2 : 16;
			struct pid_name *v = realloc(p->pids, cap * sizeof(*v));

			if (!v)
				return;
			p->pids = v;
			p->cap = cap;
		}
		n = &p->pids[p->npids++];
		n->pid = pid;
		n->comm[0] = '\0';
	}
	if (comm && *comm)
		snprintf(n->comm, sizeof(n->comm), "%s", comm);
}

static void size_text(char *buf, size_t len, __u64 size)
{
	if (size >= (1ULL << 20) && !(size & ((1ULL << 20) - 1)))
		snprintf(buf, len, "%llu MiB", (unsigned long long)(size >> 20));
	else if (size >= 1024 && !(size & 1023))
		snprintf(buf, len, "%llu KiB", (unsigned long long)(size >> 10));
	else
		snprintf(buf, len, "%llu B", (unsigned long long)size);
}

/* a slice opens: false when it cannot (out of memory), else its args follow */
static bool slice_begin(struct pt_perfetto *p, __u64 key, __u32 pid, const char *comm,
			const char *cat, const char *name, __u64 ts)
{
	struct slice *s = calloc(1, sizeof(*s));

	if (!s)
		return false;
	s->key = key;
	s->pid = pid;
	snprintf(s->cat, sizeof(s->cat), "%s", cat);
	snprintf(s->id, sizeof(s->id), "0x%llx", (unsigned long long)key);
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->next = p->open;
	p->open = s;
	saw_pid(p, pid, comm);
	event_begin(p, "b", NULL, s->cat, s->name, s->id, pid, pid, ts);
	return true;
}

static void slice_end(struct pt_perfetto *p, __u64 key, const char *cat, __u64 ts, bool alive)
{
	struct slice **pp, *s;

	for (pp = &p->open; *pp; pp = &(*pp)->next)
		if ((*pp)->key == key && !strcmp((*pp)->cat, cat))
			break;
	s = *pp;
	if (!s)
		return;
	*pp = s->next;
	event_begin(p, "e", NULL, s->cat, s->name, s->id, s->pid, s->pid, ts);
	jw_field_bool(&p->w, "alive_at_end", alive);
	event_end(p);
	free(s);
}

static void on_buf_begin(void *ctx, const struct pm_buf *b, __u64 ts)
{
	struct pt_perfetto *p = ctx;
	char name[96], sz[24];
	const char *drv = b->exp_driver[0] ? b->exp_driver : b->exp_name[0] ? b->exp_name : "?";

	size_text(sz, sizeof(sz), b->size);
	snprintf(name, sizeof(name), "dma-buf ino %llu (%s, %s)", (unsigned long long)b->ino, sz,
		 drv);
	/* buffers from before tracing have no exporter: a track of their own */
	if (!slice_begin(p, b->dmabuf, b->exp_pid, b->exp_comm, "dmabuf", name, ts))
		return;
	jw_field_u64(&p->w, "ino", b->ino);
	jw_field_u64(&p->w, "size", b->size);
	jw_field_u64(&p->w, "exp_pid", b->exp_pid);
	jw_field_bool(&p->w, "before_tracing", b->flags & PM_F_UNSEEN);
	/* the exporter's name comes from the kernel or a recording: any bytes */
	jw_field_string(&p->w, "exporter", drv);
	event_end(p);
}

static void on_buf_end(void *ctx, const struct pm_buf *b, __u64 ts)
{
	slice_end(ctx, b->dmabuf, "dmabuf", ts, false);
}

static void on_import_begin(void *ctx, const struct pm_handle *h, const struct pm_obj *o, __u64 ino,
			    __u64 ts)
{
	struct pt_perfetto *p = ctx;
	char name[96];

	snprintf(name, sizeof(name), "import ino %llu handle %u (%s:%d)", (unsigned long long)ino,
		 h->handle, o && o->driver[0] ? o->driver : "?", o ? o->minor : -1);
	if (!slice_begin(p, h->file ^ ((__u64)h->handle << 1), h->pid, NULL, "import", name, ts))
		return;
	jw_field_u64(&p->w, "ino", ino);
	jw_field_u64(&p->w, "handle", h->handle);
	jw_field_hex(&p->w, "file", h->file);
	event_end(p);
}

static void on_import_end(void *ctx, const struct pm_handle *h, __u64 ts)
{
	slice_end(ctx, h->file ^ ((__u64)h->handle << 1), "import", ts, false);
}

static void on_instant(void *ctx, const struct pt_record *rec, const struct pm_buf *b)
{
	struct pt_perfetto *p = ctx;
	const struct pt_event *e = &rec->ev;
	const char *what = pt_event_name(e->type);
	char name[64];

	if (!what || !e->pid)
		return;
	saw_pid(p, e->pid, e->comm);
	if (b)
		snprintf(name, sizeof(name), "%s ino %llu", what, (unsigned long long)b->ino);
	else
		snprintf(name, sizeof(name), "%s", what);
	event_begin(p, "i", "t", "event", name, NULL, e->pid, e->tid ? e->tid : e->pid, e->ts);
	jw_field_u64(&p->w, "ino", b ? b->ino : e->ino);
	if (e->importer[0])
		jw_field_string(&p->w, "importer", e->importer);
	if (e->addr && e->type == PT_EV_DMABUF_MMAP) {
		jw_field_hex(&p->w, "addr", e->addr);
		jw_field_u64(&p->w, "len", e->len);
	}
	event_end(p);
}

struct pt_perfetto *pt_perfetto_open(const char *path)
{
	struct pt_perfetto *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->f = fopen(path, "w");
	if (!p->f) {
		int err = errno;

		free(p);
		errno = err;
		return NULL;
	}
	p->path = path;
	p->obs = (struct pm_observer){
		.buf_begin = on_buf_begin,
		.buf_end = on_buf_end,
		.import_begin = on_import_begin,
		.import_end = on_import_end,
		.instant = on_instant,
	};
	jw_init(&p->w, p->f);
	jw_object_begin(&p->w);
	jw_field_string(&p->w, "displayTimeUnit", "ms");
	jw_name(&p->w, "traceEvents");
	jw_array_begin(&p->w);
	jw_one_per_line(&p->w, 2);
	return p;
}

void pt_perfetto_follow(struct pt_perfetto *p, struct pm_model *m)
{
	pm_model_set_observer(m, &p->obs, p);
}

int pt_perfetto_close(struct pt_perfetto *p, struct pm_model *m, __u64 end_ts)
{
	int err = 0;

	if (!p)
		return 0;
	pm_model_set_observer(m, NULL, NULL);
	while (p->open)
		slice_end(p, p->open->key, p->open->cat, end_ts, true);
	for (size_t i = 0; i < p->npids; i++) {
		const struct pid_name *n = &p->pids[i];
		const struct pm_proc *pr = pm_model_proc(m, n->pid);
		const char *comm = n->comm[0] ? n->comm : pr && pr->comm[0] ? pr->comm : "pid";
		char name[64];

		if (n->pid)
			snprintf(name, sizeof(name), "%s %u", comm, n->pid);
		else
			snprintf(name, sizeof(name), "from before tracing");
		jw_object_begin(&p->w);
		jw_field_string(&p->w, "ph", "M");
		jw_field_string(&p->w, "name", "process_name");
		jw_field_u64(&p->w, "pid", n->pid);
		jw_field_u64(&p->w, "tid", n->pid);
		jw_name(&p->w, "args");
		jw_object_begin(&p->w);
		jw_field_string(&p->w, "name", name);
		event_end(p);
	}
	jw_array_end(&p->w);
	jw_object_end(&p->w);
	jw_newline(&p->w);
	if (ferror(p->f) | fclose(p->f)) {
		err = -(errno ? errno : EIO);
		fprintf(stderr, "primetrace: %s: %s\n", p->path, strerror(-err));
	}
	free(p->pids);
	free(p);
	return err;
}
