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

#include "json.h"
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
	const char *path;
	__u64 t0;
	bool first;
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
	fprintf(p->f, "\"ts\":%.3f", ts >= p->t0 ? (ts - p->t0) / 1e3 : 0.0);
}

static void begin_event(struct pt_perfetto *p)
{
	fputs(p->first ? "\n" : ",\n", p->f);
	p->first = false;
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

static void slice_begin(struct pt_perfetto *p, __u64 key, __u32 pid, const char *comm,
			const char *cat, const char *name, __u64 ts, const char *args)
{
	struct slice *s = calloc(1, sizeof(*s));

	if (!s)
		return;
	s->key = key;
	s->pid = pid;
	snprintf(s->cat, sizeof(s->cat), "%s", cat);
	snprintf(s->id, sizeof(s->id), "0x%llx", (unsigned long long)key);
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->next = p->open;
	p->open = s;
	saw_pid(p, pid, comm);
	begin_event(p);
	fprintf(p->f, "{\"ph\":\"b\",\"cat\":\"%s\",\"name\":", s->cat);
	json_write_string(p->f, s->name);
	fprintf(p->f, ",\"id2\":{\"local\":\"%s\"},\"pid\":%u,\"tid\":%u,", s->id, pid, pid);
	ts_us(p, ts);
	fprintf(p->f, ",\"args\":{%s}}", args);
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
	begin_event(p);
	fprintf(p->f, "{\"ph\":\"e\",\"cat\":\"%s\",\"name\":", s->cat);
	json_write_string(p->f, s->name);
	fprintf(p->f, ",\"id2\":{\"local\":\"%s\"},\"pid\":%u,\"tid\":%u,", s->id, s->pid, s->pid);
	ts_us(p, ts);
	fprintf(p->f, ",\"args\":{\"alive_at_end\":%s}}", alive ? "true" : "false");
	free(s);
}

static void on_buf_begin(void *ctx, const struct pm_buf *b, __u64 ts)
{
	struct pt_perfetto *p = ctx;
	char name[96], sz[24], args[384], quoted[6 * PT_NAME_LEN + 3];
	const char *drv = b->exp_driver[0] ? b->exp_driver : b->exp_name[0] ? b->exp_name : "?";

	size_text(sz, sizeof(sz), b->size);
	snprintf(name, sizeof(name), "dma-buf ino %llu (%s, %s)", (unsigned long long)b->ino, sz,
		 drv);
	/* the exporter's name comes from the kernel or a recording: any bytes */
	snprintf(args, sizeof(args),
		 "\"ino\":%llu,\"size\":%llu,\"exp_pid\":%u,\"before_tracing\":%s,\"exporter\":%s",
		 (unsigned long long)b->ino, (unsigned long long)b->size, b->exp_pid,
		 (b->flags & PM_F_UNSEEN) ? "true" : "false",
		 json_quote(quoted, sizeof(quoted), drv));
	/* buffers from before tracing have no exporter: a track of their own */
	slice_begin(p, b->dmabuf, b->exp_pid, b->exp_comm, "dmabuf", name, ts, args);
}

static void on_buf_end(void *ctx, const struct pm_buf *b, __u64 ts)
{
	slice_end(ctx, b->dmabuf, "dmabuf", ts, false);
}

static void on_import_begin(void *ctx, const struct pm_handle *h, const struct pm_obj *o, __u64 ino,
			    __u64 ts)
{
	struct pt_perfetto *p = ctx;
	char name[96], args[192];

	snprintf(name, sizeof(name), "import ino %llu handle %u (%s:%d)", (unsigned long long)ino,
		 h->handle, o && o->driver[0] ? o->driver : "?", o ? o->minor : -1);
	snprintf(args, sizeof(args), "\"ino\":%llu,\"handle\":%u,\"file\":\"0x%llx\"",
		 (unsigned long long)ino, h->handle, (unsigned long long)h->file);
	slice_begin(p, h->file ^ ((__u64)h->handle << 1), h->pid, NULL, "import", name, ts, args);
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

	if (!what || !e->pid)
		return;
	saw_pid(p, e->pid, e->comm);
	begin_event(p);
	fprintf(p->f, "{\"ph\":\"i\",\"s\":\"t\",\"cat\":\"event\",\"name\":\"%s", what);
	if (b)
		fprintf(p->f, " ino %llu", (unsigned long long)b->ino);
	fprintf(p->f, "\",\"pid\":%u,\"tid\":%u,", e->pid, e->tid ? e->tid : e->pid);
	ts_us(p, e->ts);
	fprintf(p->f, ",\"args\":{\"ino\":%llu", (unsigned long long)(b ? b->ino : e->ino));
	if (e->importer[0]) {
		fputs(",\"importer\":", p->f);
		json_write_string(p->f, e->importer);
	}
	if (e->addr && e->type == PT_EV_DMABUF_MMAP)
		fprintf(p->f, ",\"addr\":\"0x%llx\",\"len\":%llu", (unsigned long long)e->addr,
			(unsigned long long)e->len);
	fputs("}}", p->f);
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
	p->first = true;
	p->obs = (struct pm_observer){
		.buf_begin = on_buf_begin,
		.buf_end = on_buf_end,
		.import_begin = on_import_begin,
		.import_end = on_import_end,
		.instant = on_instant,
	};
	fputs("{\"displayTimeUnit\":\"ms\",\"traceEvents\":[", p->f);
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
		begin_event(p);
		fprintf(p->f, "{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":%u,\"tid\":%u,",
			n->pid, n->pid);
		fputs("\"args\":{\"name\":", p->f);
		json_write_string(p->f, name);
		fputs("}}", p->f);
	}
	fputs("\n]}\n", p->f);
	if (ferror(p->f) | fclose(p->f)) {
		err = -(errno ? errno : EIO);
		fprintf(stderr, "primetrace: %s: %s\n", p->path, strerror(-err));
	}
	free(p->pids);
	free(p);
	return err;
}
