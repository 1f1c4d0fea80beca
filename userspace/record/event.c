// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* primetrace: event names, decoding, text and JSON output (see event.h) */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "json.h"
#include "json_writer.h"
#include "symbolize.h"

static const char *const event_names[PT_EV_MAX] = {
	[PT_EV_PRIME_HANDLE_TO_FD] = "prime_handle_to_fd",
	[PT_EV_PRIME_FD_TO_HANDLE] = "prime_fd_to_handle",
	[PT_EV_GEM_HANDLE_TO_FD] = "gem_handle_to_fd",
	[PT_EV_GEM_HANDLE_TO_DMABUF] = "gem_handle_to_dmabuf",
	[PT_EV_GEM_FD_TO_HANDLE] = "gem_fd_to_handle",
	[PT_EV_GEM_EXPORT] = "gem_export",
	[PT_EV_GEM_DMABUF_EXPORT] = "gem_dmabuf_export",
	[PT_EV_GEM_IMPORT] = "gem_import",
	[PT_EV_GEM_DMABUF_RELEASE] = "gem_dmabuf_release",
	[PT_EV_GEM_PRIME_DESTROY] = "gem_prime_destroy",
	[PT_EV_GEM_HANDLE_CREATE] = "gem_handle_create",
	[PT_EV_GEM_HANDLE_DELETE] = "gem_handle_delete",
	[PT_EV_GEM_FREE] = "gem_free",
	[PT_EV_PRIME_CACHE_ADD] = "prime_cache_add",
	[PT_EV_PRIME_CACHE_REMOVE] = "prime_cache_remove",
	[PT_EV_DMABUF_EXPORT] = "dmabuf_export",
	[PT_EV_DMABUF_FD] = "dmabuf_fd",
	[PT_EV_DMABUF_FD_INSTALL] = "dmabuf_fd_install",
	[PT_EV_DMABUF_GET] = "dmabuf_get",
	[PT_EV_DMABUF_ATTACH] = "dmabuf_attach",
	[PT_EV_DMABUF_DETACH] = "dmabuf_detach",
	[PT_EV_DMABUF_MAP] = "dmabuf_map",
	[PT_EV_DMABUF_UNMAP] = "dmabuf_unmap",
	[PT_EV_DMABUF_MMAP] = "dmabuf_mmap",
	[PT_EV_DMABUF_VMAP] = "dmabuf_vmap",
	[PT_EV_DMABUF_VUNMAP] = "dmabuf_vunmap",
	[PT_EV_DMABUF_FILE_RELEASE] = "dmabuf_file_release",
	[PT_EV_DMABUF_RELEASE] = "dmabuf_release",
	[PT_EV_TASK_EXIT] = "task_exit",
	[PT_EV_SNAP_BEGIN] = "snap_begin",
	[PT_EV_SNAP_BUF] = "snap_buf",
	[PT_EV_SNAP_FD] = "snap_fd",
	[PT_EV_SNAP_MMAP] = "snap_mmap",
	[PT_EV_SNAP_HANDLE] = "snap_handle",
	[PT_EV_SNAP_END] = "snap_end",
};

/* the kernel function behind each hook */
static const char *const hook_names[PT_HOOK_MAX] = {
	[PT_HOOK_PRIME_HANDLE_TO_FD_IOCTL] = "drm_prime_handle_to_fd_ioctl",
	[PT_HOOK_PRIME_FD_TO_HANDLE_IOCTL] = "drm_prime_fd_to_handle_ioctl",
	[PT_HOOK_GEM_PRIME_HANDLE_TO_FD] = "drm_gem_prime_handle_to_fd",
	[PT_HOOK_GEM_PRIME_HANDLE_TO_DMABUF] = "drm_gem_prime_handle_to_dmabuf",
	[PT_HOOK_GEM_PRIME_FD_TO_HANDLE] = "drm_gem_prime_fd_to_handle",
	[PT_HOOK_GEM_PRIME_EXPORT] = "drm_gem_prime_export",
	[PT_HOOK_GEM_DMABUF_EXPORT] = "drm_gem_dmabuf_export",
	[PT_HOOK_GEM_PRIME_IMPORT_DEV] = "drm_gem_prime_import_dev",
	[PT_HOOK_GEM_PRIME_IMPORT] = "drm_gem_prime_import",
	[PT_HOOK_GEM_SHMEM_PRIME_IMPORT_NO_MAP] = "drm_gem_shmem_prime_import_no_map",
	[PT_HOOK_GEM_DMABUF_RELEASE] = "drm_gem_dmabuf_release",
	[PT_HOOK_PRIME_GEM_DESTROY] = "drm_prime_gem_destroy",
	[PT_HOOK_GEM_HANDLE_CREATE_TAIL] = "drm_gem_handle_create_tail",
	[PT_HOOK_GEM_OBJECT_RELEASE_HANDLE] = "drm_gem_object_release_handle",
	[PT_HOOK_GEM_HANDLE_DELETE] = "drm_gem_handle_delete",
	[PT_HOOK_GEM_OBJECT_RELEASE] = "drm_gem_object_release",
	[PT_HOOK_GEM_OBJECT_FREE] = "drm_gem_object_free",
	[PT_HOOK_PRIME_ADD_BUF_HANDLE] = "drm_prime_add_buf_handle",
	[PT_HOOK_PRIME_REMOVE_BUF_HANDLE] = "drm_prime_remove_buf_handle",
	[PT_HOOK_DMA_BUF_EXPORT] = "dma_buf_export",
	[PT_HOOK_DMA_BUF_FD] = "dma_buf_fd",
	[PT_HOOK_DMA_BUF_FD_INSTALL] = "dma_buf_fd_install",
	[PT_HOOK_DMA_BUF_GET] = "dma_buf_get",
	[PT_HOOK_DMA_BUF_DYNAMIC_ATTACH] = "dma_buf_dynamic_attach",
	[PT_HOOK_DMA_BUF_ATTACH] = "dma_buf_attach",
	[PT_HOOK_DMA_BUF_DETACH] = "dma_buf_detach",
	[PT_HOOK_DMA_BUF_MAP_ATTACHMENT] = "dma_buf_map_attachment",
	[PT_HOOK_DMA_BUF_UNMAP_ATTACHMENT] = "dma_buf_unmap_attachment",
	[PT_HOOK_DMA_BUF_MMAP_INTERNAL] = "dma_buf_mmap_internal",
	[PT_HOOK_DMA_BUF_MMAP] = "dma_buf_mmap",
	[PT_HOOK_DMA_BUF_VMAP] = "dma_buf_vmap",
	[PT_HOOK_DMA_BUF_VUNMAP] = "dma_buf_vunmap",
	[PT_HOOK_DMA_BUF_FILE_RELEASE] = "dma_buf_file_release",
	[PT_HOOK_DMA_BUF_RELEASE] = "dma_buf_release",
};

const char *pt_event_name(unsigned int type)
{
	return type < PT_EV_MAX ? event_names[type] : NULL;
}

int pt_event_type(const char *name)
{
	for (int i = 1; i < PT_EV_MAX; i++)
		if (event_names[i] && !strcmp(event_names[i], name))
			return i;
	return -1;
}

const char *pt_hook_name(unsigned int hook)
{
	return hook < PT_HOOK_MAX ? hook_names[hook] : NULL;
}

int pt_hook_id(const char *func)
{
	for (int i = 1; i < PT_HOOK_MAX; i++)
		if (hook_names[i] && !strcmp(hook_names[i], func))
			return i;
	return -1;
}

void pt_event_init(struct pt_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->fd = -1;
	ev->kref = -1;
	ev->handle_count = -1;
	ev->file_count = -1;
	ev->minor = -1;
	ev->exp_minor = -1;
	ev->kstack = -1;
	ev->ustack = -1;
}

static void terminate(char *s, size_t len)
{
	s[len - 1] = '\0';
}

int pt_event_decode(const void *data, size_t size, struct pt_event *ev)
{
	if (size < sizeof(*ev))
		return -EINVAL;
	memcpy(ev, data, sizeof(*ev));
	if (!ev->type || ev->type >= PT_EV_MAX || ev->hook >= PT_HOOK_MAX)
		return -EINVAL;
	/* the kernel copies strings with a terminator; never trust it */
	terminate(ev->comm, sizeof(ev->comm));
	terminate(ev->exp_name, sizeof(ev->exp_name));
	terminate(ev->driver, sizeof(ev->driver));
	terminate(ev->exp_driver, sizeof(ev->exp_driver));
	terminate(ev->importer, sizeof(ev->importer));
	terminate(ev->importer_driver, sizeof(ev->importer_driver));
	return 0;
}

void pt_record_free(struct pt_record *rec)
{
	free(rec->kstack);
	free(rec->ustack);
	rec->kstack = rec->ustack = NULL;
}

char *pt_record_kstack(const struct pt_record *rec)
{
	if (rec->kstack)
		return strdup(rec->kstack);
	return rec->kraw ? pt_stack_name_cached(rec->kraw) : NULL;
}

char *pt_record_ustack(const struct pt_record *rec)
{
	if (rec->ustack)
		return strdup(rec->ustack);
	return rec->uraw ? pt_stack_name_cached(rec->uraw) : NULL;
}

/* --- JSON ------------------------------------------------------------------ */

/* the fields of an event line, by key */
enum field_kind {
	F_U64,
	F_U32,
	F_S64,
	F_S32,
	F_H64,	 /* "0x..." strings: pointers */
	F_H32,	 /* "0x..." strings: flags */
	F_STR,	 /* a char array of the event */
	F_TYPE,	 /* the event type's name */
	F_HOOK,	 /* the hook's name */
	F_STACK, /* a char * of the record: a named stack */
};

/* when the writer writes a field: the reader takes each one anywhere, or not at all */
enum field_when {
	W_ALWAYS,
	W_NONZERO,  /* numbers */
	W_KNOWN,    /* signed numbers: not -1, pt_event_init()'s "unknown" */
	W_NONEMPTY, /* strings */
};

struct field {
	const char *key;
	enum field_kind kind;
	enum field_when when;
	size_t off; /* in struct pt_record */
	size_t len; /* F_STR: the array's size */
	/* F_STACK: the stack named when the record has only its addresses */
	char *(*name)(const struct pt_record *rec);
};

#define FLD(k, kind, when, m)                                    \
	{                                                        \
		k, kind, when, offsetof(struct pt_record, ev.m), \
		    sizeof(((struct pt_record *)0)->ev.m), NULL  \
	}
#define STACK(k, m, namer)                                                      \
	{                                                                       \
		k, F_STACK, W_NONEMPTY, offsetof(struct pt_record, m), 0, namer \
	}

/* every field of an event line, in the order pt_print_json() writes them */
static const struct field fields[] = {
	FLD("ts", F_U64, W_ALWAYS, ts),
	FLD("type", F_TYPE, W_ALWAYS, type),
	FLD("hook", F_HOOK, W_NONEMPTY, hook), /* when it has a name */
	FLD("cpu", F_U32, W_ALWAYS, cpu),
	FLD("pid", F_U32, W_ALWAYS, pid),
	FLD("tid", F_U32, W_ALWAYS, tid),
	FLD("comm", F_STR, W_NONEMPTY, comm),
	FLD("cgroup", F_U64, W_NONZERO, cgroup),
	FLD("ret", F_S64, W_ALWAYS, ret),
	FLD("dmabuf", F_H64, W_NONZERO, dmabuf),
	FLD("ino", F_U64, W_NONZERO, ino),
	FLD("size", F_U64, W_NONZERO, size),
	FLD("exp_name", F_STR, W_NONEMPTY, exp_name),
	FLD("file_count", F_S64, W_KNOWN, file_count),
	FLD("obj", F_H64, W_NONZERO, obj),
	FLD("obj_size", F_U64, W_NONZERO, obj_size),
	FLD("kref", F_S32, W_KNOWN, kref),
	FLD("handle_count", F_S32, W_KNOWN, handle_count),
	FLD("driver", F_STR, W_NONEMPTY, driver),
	FLD("minor", F_S32, W_KNOWN, minor),
	FLD("exp_obj", F_H64, W_NONZERO, exp_obj),
	FLD("exp_driver", F_STR, W_NONEMPTY, exp_driver),
	FLD("exp_minor", F_S32, W_KNOWN, exp_minor),
	FLD("file", F_H64, W_NONZERO, file),
	FLD("handle", F_U32, W_NONZERO, handle),
	FLD("fd", F_S32, W_KNOWN, fd),
	FLD("flags", F_H32, W_NONZERO, flags),
	FLD("attach", F_H64, W_NONZERO, attach),
	FLD("importer", F_STR, W_NONEMPTY, importer),
	FLD("importer_driver", F_STR, W_NONEMPTY, importer_driver),
	FLD("addr", F_H64, W_NONZERO, addr),
	FLD("len", F_U64, W_NONZERO, len),
	FLD("born", F_U64, W_NONZERO, born),
	/* live stacks are named as they are written */
	STACK("kstack", kstack, pt_record_kstack),
	STACK("ustack", ustack, pt_record_ustack),
};

/* a number field's value, widened (signed kinds sign-extended) */
static __u64 field_number(const struct field *fl, const struct pt_record *rec)
{
	const char *p = (const char *)rec + fl->off;
	__u64 u64;
	__u32 u32;
	__s32 s32;

	switch (fl->kind) {
	case F_U64:
	case F_S64:
	case F_H64:
		memcpy(&u64, p, sizeof(u64));
		return u64;
	case F_S32:
		memcpy(&s32, p, sizeof(s32));
		return (__u64)(__s64)s32;
	default: /* the 32-bit unsigned ones, the type and the hook */
		memcpy(&u32, p, sizeof(u32));
		return u32;
	}
}

static void write_field(struct jw *w, const struct field *fl, const struct pt_record *rec)
{
	const char *p = (const char *)rec + fl->off;
	__u64 v = fl->kind == F_STR || fl->kind == F_STACK ? 0 : field_number(fl, rec);
	const char *name;
	char *named;

	switch (fl->kind) {
	case F_TYPE:
		jw_field_string(w, fl->key, pt_event_name(v) ?: "unknown");
		return;
	case F_HOOK:
		name = pt_hook_name(v);
		if (name)
			jw_field_string(w, fl->key, name);
		return;
	case F_STR:
		if (*p || fl->when != W_NONEMPTY)
			jw_field_string(w, fl->key, p);
		return;
	case F_STACK:
		memcpy(&name, p, sizeof(name));
		named = name ? NULL : fl->name(rec);
		if (named ? *named : name && *name)
			jw_field_string(w, fl->key, named ? named : name);
		free(named);
		return;
	default:
		break;
	}
	if ((fl->when == W_NONZERO && !v) || (fl->when == W_KNOWN && (__s64)v == -1))
		return;
	jw_name(w, fl->key);
	if (fl->kind == F_H64 || fl->kind == F_H32)
		jw_hex(w, v);
	else if (fl->kind == F_S64 || fl->kind == F_S32)
		jw_i64(w, (__s64)v);
	else
		jw_u64(w, v);
}

void pt_print_json(FILE *f, const struct pt_record *rec)
{
	struct jw w;

	jw_init(&w, f);
	jw_document_begin(&w);
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		write_field(&w, &fields[i], rec);
	jw_object_end(&w);
	jw_newline(&w);
}

static int out_of_range(struct json_in *in, const char *at)
{
	if (!in->err) {
		in->err = "number out of range";
		in->p = at;
	}
	return -1;
}

/* in at the value (json_object_next() skipped the white space before it) */
static int read_field(struct json_in *in, const struct field *fl, struct pt_record *rec)
{
	const char *at = in->p;
	char *p = (char *)rec + fl->off;
	char name[64], **dst;
	uint64_t u;
	int64_t s;
	__u32 v32;
	__s32 s32;

	switch (fl->kind) {
	case F_TYPE: /* the caller's: it may turn the line into a summary */
		return -1;
	case F_HOOK:
		if (json_read_string(in, name, sizeof(name)))
			return -1;
		/* a hook of a newer primetrace: the event still counts */
		s = pt_hook_id(name);
		v32 = s < 0 ? PT_HOOK_NONE : s;
		memcpy(p, &v32, sizeof(v32));
		return 0;
	case F_STACK:
		dst = (char **)p;
		free(*dst);
		*dst = json_read_string_alloc(in);
		return *dst ? 0 : -1;
	case F_STR:
		return json_read_string(in, p, fl->len);
	case F_U64:
	case F_H64:
		if (fl->kind == F_U64 ? json_read_u64(in, &u) : json_read_hex(in, &u))
			return -1;
		memcpy(p, &u, sizeof(__u64));
		return 0;
	case F_U32:
	case F_H32:
		if (fl->kind == F_U32 ? json_read_u64(in, &u) : json_read_hex(in, &u))
			return -1;
		if (u > UINT32_MAX)
			return out_of_range(in, at);
		v32 = u;
		memcpy(p, &v32, sizeof(v32));
		return 0;
	case F_S64:
		if (json_read_i64(in, &s))
			return -1;
		memcpy(p, &s, sizeof(__s64));
		return 0;
	case F_S32:
		if (json_read_i64(in, &s))
			return -1;
		if (s < INT32_MIN || s > INT32_MAX)
			return out_of_range(in, at);
		s32 = s;
		memcpy(p, &s32, sizeof(s32));
		return 0;
	}
	return -1;
}

static int parse_counts(struct json_in *in, __u64 *out, unsigned int n, bool hooks)
{
	char key[64];
	uint64_t v;
	int r, id;

	if (json_object_begin(in))
		return -1;
	while ((r = json_object_next(in, key, sizeof(key))) == 1) {
		id = hooks ? pt_hook_id(key) : pt_event_type(key);
		if (id < 0 || (unsigned int)id >= n) {
			if (json_skip_value(in))
				return -1;
			continue;
		}
		if (json_read_u64(in, &v))
			return -1;
		out[id] = v;
	}
	return r;
}

/* "hooks":{"func":{"how":"fexit","calls":N},...} */
static int parse_hooks(struct json_in *in, struct pt_summary *sum)
{
	char key[64], k2[16];
	int r, r2, id;
	uint64_t v;

	if (json_object_begin(in))
		return -1;
	while ((r = json_object_next(in, key, sizeof(key))) == 1) {
		id = pt_hook_id(key);
		if (id < 0) {
			if (json_skip_value(in))
				return -1;
			continue;
		}
		if (json_object_begin(in))
			return -1;
		while ((r2 = json_object_next(in, k2, sizeof(k2))) == 1) {
			if (!strcmp(k2, "how")) {
				if (json_read_string(in, sum->how[id], sizeof(sum->how[id])))
					return -1;
			} else if (!strcmp(k2, "calls")) {
				if (json_read_u64(in, &v))
					return -1;
				sum->calls[id] = v;
			} else if (json_skip_value(in)) {
				return -1;
			}
		}
		if (r2 < 0)
			return -1;
	}
	return r;
}

/* no machine has more CPUs (the kernel's NR_CPUS is at most 8192) */
#define MAX_CPUS 8192

/* "drops_by_cpu":[N,...] */
static int parse_cpus(struct json_in *in, struct pt_summary *sum)
{
	unsigned int n = 0, cap = 0;
	__u64 *cpus = NULL;
	uint64_t v;
	int r;

	if (json_array_begin(in))
		return -1;
	while ((r = json_array_next(in)) == 1) {
		if (n == MAX_CPUS) {
			in->err = in->err ?: "more CPUs than a machine has";
			r = -1;
			break;
		}
		if (n == cap) {
			__u64 *tmp = realloc(cpus, (cap ? cap * 2 : 16) * sizeof(*cpus));

			if (!tmp) {
				in->err = in->err ?: "out of memory";
				r = -1;
				break;
			}
			cpus = tmp;
			cap = cap ? cap * 2 : 16;
		}
		if (json_read_u64(in, &v)) {
			r = -1;
			break;
		}
		cpus[n++] = v;
	}
	if (r < 0) {
		free(cpus);
		return -1;
	}
	free(sum->drops_by_cpu);
	sum->drops_by_cpu = cpus;
	sum->ncpus = n;
	return 0;
}

#define STR_(x) #x
#define STR(x)	STR_(x)

/*
 * "format": the version of the output that wrote the line. A line
 * without one predates it and is read as format 1; a newer one may mean
 * what this reader cannot know, so it is refused.
 */
static int read_format(struct json_in *in)
{
	const char *at = in->p;
	uint64_t v;

	if (json_read_u64(in, &v))
		return -1;
	if (v < 1 || v > PT_JSON_FORMAT) {
		in->err = v ? "written by a newer primetrace (this one reads format " STR(
				  PT_JSON_FORMAT) " and older)"
			    : "not a format version (they count from 1)";
		in->p = at;
		return -1;
	}
	return 0;
}

/*
 * The rest of a summary line, into sum; which key failed goes to *what,
 * whether the line had drops_by_cpu to *cpus.
 */
static int parse_summary(struct json_in *in, struct pt_summary *sum, const char **what, bool *cpus)
{
	char key[64];
	uint64_t v;
	int r;

	while ((r = json_object_next(in, key, sizeof(key))) == 1) {
		*what = NULL;
		if (!strcmp(key, PT_JSON_FORMAT_KEY)) {
			*what = PT_JSON_FORMAT_KEY;
			if (read_format(in))
				return -1;
		} else if (!strcmp(key, "duration")) {
			*what = "duration";
			if (json_read_double(in, &sum->duration))
				return -1;
		} else if (!strcmp(key, "events_by_type")) {
			*what = "events_by_type";
			if (parse_counts(in, sum->events, PT_EV_MAX, false))
				return -1;
		} else if (!strcmp(key, "drops_by_type")) {
			*what = "drops_by_type";
			if (parse_counts(in, sum->drops, PT_EV_MAX, false))
				return -1;
		} else if (!strcmp(key, "drops_by_cpu")) {
			*what = "drops_by_cpu";
			if (parse_cpus(in, sum))
				return -1;
			*cpus = true;
		} else if (!strcmp(key, "missed")) {
			*what = "missed";
			if (json_read_u64(in, &v))
				return -1;
			sum->missed = v;
		} else if (!strcmp(key, "hooks")) {
			*what = "hooks";
			if (parse_hooks(in, sum))
				return -1;
		} else if (json_skip_value(in)) {
			return -1;
		}
	}
	*what = NULL;
	if (r < 0)
		return -1;
	if (!json_at_end(in)) {
		in->err = in->err ?: "garbage after the object";
		return -1;
	}
	sum->have = true;
	return 0;
}

/*
 * A summary line into sum, all of it or nothing: a line that fails half
 * way must not leave half its values (an out-of-range number, say) for
 * the summary that is written later.
 */
static int summary_line(struct json_in *in, struct pt_summary *sum, const char **what)
{
	struct pt_summary tmp = { 0 };
	bool cpus = false;

	if (sum) {
		tmp = *sum;
		/* drops_by_cpu is replaced only when the line has one */
		tmp.drops_by_cpu = NULL;
		tmp.ncpus = 0;
	}
	if (parse_summary(in, &tmp, what, &cpus)) {
		pt_summary_free(&tmp);
		return -1;
	}
	if (!sum) {
		pt_summary_free(&tmp);
		return 0;
	}
	if (!cpus) {
		tmp.drops_by_cpu = sum->drops_by_cpu;
		tmp.ncpus = sum->ncpus;
	} else {
		pt_summary_free(sum);
	}
	*sum = tmp;
	return 0;
}

/* "WHAT": REASON (column N) into why */
static void say_why(const char *line, const struct json_in *in, const char *what, char *why,
		    size_t len)
{
	if (!why || !len)
		return;
	snprintf(why, len, "%s%s%s%s (column %ld)", what ? "\"" : "", what ?: "",
		 what ? "\": " : "", in->err ?: "not a primetrace record",
		 (long)(in->p - line) + 1);
}

int pt_record_parse_json_why(const char *line, struct pt_record *rec, struct pt_summary *sum,
			     char *why, size_t len)
{
	struct json_in in = { line };
	struct pt_event *e = &rec->ev;
	const char *what = NULL;
	bool have_type = false;
	char key[32], name[64];
	int r, id;

	memset(rec, 0, sizeof(*rec));
	pt_event_init(e);
	if (why && len)
		why[0] = '\0';
	if (json_object_begin(&in))
		goto bad;
	while ((r = json_object_next(&in, key, sizeof(key))) == 1) {
		const struct field *fl = NULL;

		what = NULL;
		if (!strcmp(key, PT_JSON_FORMAT_KEY)) {
			what = PT_JSON_FORMAT_KEY;
			if (read_format(&in))
				goto bad;
			continue;
		}
		for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
			if (!strcmp(fields[i].key, key)) {
				fl = &fields[i];
				what = fl->key;
				break;
			}
		}
		if (fl && fl->kind == F_TYPE) {
			const char *at = in.p;

			if (json_read_string(&in, name, sizeof(name)))
				goto bad;
			if (!strcmp(name, "summary")) {
				/* a summary carries no stacks: drop any read before "type" */
				pt_record_free(rec);
				if (summary_line(&in, sum, &what))
					goto bad;
				return 1;
			}
			id = pt_event_type(name);
			if (id < 0) {
				in.err = "unknown event type";
				in.p = at;
				goto bad;
			}
			e->type = id;
			have_type = true;
			continue;
		}
		/* keys of a newer primetrace are skipped, but must be JSON */
		if (fl ? read_field(&in, fl, rec) : json_skip_value(&in))
			goto bad;
	}
	what = NULL;
	if (r < 0)
		goto bad;
	if (!json_at_end(&in)) {
		in.err = "garbage after the object";
		goto bad;
	}
	if (!have_type) {
		in.err = "no \"type\"";
		goto bad;
	}
	return 0;
bad:
	say_why(line, &in, what, why, len);
	pt_record_free(rec);
	return -EINVAL;
}

int pt_record_parse_json(const char *line, struct pt_record *rec, struct pt_summary *sum)
{
	return pt_record_parse_json_why(line, rec, sum, NULL, 0);
}

/* --- text ------------------------------------------------------------------ */

/* --- text -------------------------------------------------------------- */

size_t pt_escape(char *dst, size_t len, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	if (!len)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];
		char e[5];
		size_t k = 0;

		if (c == '\\') {
			e[k++] = '\\';
			e[k++] = '\\';
		} else if (c < 0x20 || c >= 0x7f) {
			e[k++] = '\\';
			e[k++] = 'x';
			e[k++] = hex[c >> 4];
			e[k++] = hex[c & 15];
		} else {
			e[k++] = c;
		}
		if (o + k >= len)
			break;
		memcpy(dst + o, e, k);
		o += k;
	}
	dst[o] = '\0';
	return o;
}

const char *pt_text(char *buf, size_t len, const char *s)
{
	pt_escape(buf, len, s ? s : "", s ? strlen(s) : 0);
	return buf;
}

void pt_fputs_text(FILE *f, const char *s, size_t n)
{
	char buf[260];

	/* in pieces: each byte takes at most 4 */
	for (size_t i = 0; i < n; i += 64) {
		size_t k = n - i < 64 ? n - i : 64;

		pt_escape(buf, sizeof(buf), s + i, k);
		fputs(buf, f);
	}
}

void pt_print_text_header(FILE *f)
{
	fprintf(f, "%-11s %-7s %-16s %-20s %-12s %-7s %-9s %-6s %-4s %-5s %s\n", "TIME(s)", "PID",
		"COMM", "EVENT", "DEVICE", "INO", "SIZE", "HANDLE", "FD", "RET", "DETAILS");
}

static void device_col(char *buf, size_t len, const char *driver, int minor)
{
	char t[4 * 16];

	if (!*driver && minor < 0)
		snprintf(buf, len, "-");
	else if (minor < 0)
		snprintf(buf, len, "%s", pt_text(t, sizeof(t), driver));
	else
		snprintf(buf, len, "%s:%d", *driver ? pt_text(t, sizeof(t), driver) : "?", minor);
}

void pt_print_text(FILE *f, const struct pt_record *rec, __u64 t0)
{
	const struct pt_event *e = &rec->ev;
	char dev[80], num[24], handle[12], fd[12], t1[4 * sizeof(e->exp_name)],
	    t2[4 * sizeof(e->importer)], t3[4 * sizeof(e->importer_driver)];
	const char *hook = pt_hook_name(e->hook);
	char *k, *u;

	if (e->driver[0] || e->minor >= 0)
		device_col(dev, sizeof(dev), e->driver, e->minor);
	else
		device_col(dev, sizeof(dev), e->exp_driver, e->exp_minor);
	snprintf(num, sizeof(num), "%llu", (unsigned long long)e->ino);
	snprintf(handle, sizeof(handle), "%u", e->handle);
	snprintf(fd, sizeof(fd), "%d", e->fd);
	fprintf(f, "%-11.6f %-7u %-16s %-20s %-12s %-7s ",
		e->ts >= t0 ? (double)(e->ts - t0) / 1e9 : 0.0, e->pid,
		pt_text(t1, sizeof(t1), e->comm), pt_event_name(e->type) ?: "?", dev,
		e->ino ? num : "-");
	snprintf(num, sizeof(num), "%llu", (unsigned long long)e->size);
	fprintf(f, "%-9s %-6s %-4s %-5lld", e->size ? num : "-", e->handle ? handle : "-",
		e->fd >= 0 ? fd : "-", (long long)e->ret);

	if (e->obj)
		fprintf(f, " obj=0x%llx", (unsigned long long)e->obj);
	if (e->kref >= 0)
		fprintf(f, " kref=%d", e->kref);
	if (e->handle_count >= 0)
		fprintf(f, " handles=%d", e->handle_count);
	if (e->file_count >= 0)
		fprintf(f, " files=%lld", (long long)e->file_count);
	if (e->exp_name[0])
		fprintf(f, " exp=%s", pt_text(t1, sizeof(t1), e->exp_name));
	/* the exporter, unless the DEVICE column already names it */
	if (e->exp_obj && e->exp_obj != e->obj && (e->driver[0] || e->minor >= 0)) {
		device_col(dev, sizeof(dev), e->exp_driver, e->exp_minor);
		fprintf(f, " exporter=%s", dev);
	}
	if (e->importer[0])
		fprintf(f, " importer=%s%s%s", pt_text(t2, sizeof(t2), e->importer),
			e->importer_driver[0] ? "/" : "",
			pt_text(t3, sizeof(t3), e->importer_driver));
	if (e->flags)
		fprintf(f, " flags=0x%x", e->flags);
	if (e->addr)
		fprintf(f, " addr=0x%llx", (unsigned long long)e->addr);
	if (e->len)
		fprintf(f, " len=%llu", (unsigned long long)e->len);
	if (hook)
		fprintf(f, " [%s]", hook);
	fputc('\n', f);
	/* frames are symbol names from any ELF file a process maps */
	k = rec->kstack ? NULL : pt_record_kstack(rec);
	u = rec->ustack ? NULL : pt_record_ustack(rec);
	if (k || rec->kstack) {
		fputs("    kstack: ", f);
		pt_fputs_text(f, k ? k : rec->kstack, strlen(k ? k : rec->kstack));
		fputc('\n', f);
	}
	if (u || rec->ustack) {
		fputs("    ustack: ", f);
		pt_fputs_text(f, u ? u : rec->ustack, strlen(u ? u : rec->ustack));
		fputc('\n', f);
	}
	free(k);
	free(u);
}

/* --- summary ----------------------------------------------------------------- */

__u64 pt_summary_events(const struct pt_summary *sum)
{
	__u64 n = 0;

	for (int i = 0; i < PT_EV_MAX; i++)
		n += sum->events[i];
	return n;
}

__u64 pt_summary_drops(const struct pt_summary *sum)
{
	__u64 n = 0;

	for (int i = 0; i < PT_EV_MAX; i++)
		n += sum->drops[i];
	return n;
}

void pt_summary_free(struct pt_summary *sum)
{
	free(sum->drops_by_cpu);
	sum->drops_by_cpu = NULL;
	sum->ncpus = 0;
}

void pt_print_summary_text(FILE *f, const struct pt_summary *sum)
{
	fprintf(f, "%llu events, %llu dropped, in %.3f s\n",
		(unsigned long long)pt_summary_events(sum),
		(unsigned long long)pt_summary_drops(sum), sum->duration);
	/* a program already running on a CPU does not run again there */
	if (sum->missed)
		fprintf(f,
			"  %llu calls missed by the hooks (a program already running on "
			"their CPU)\n",
			(unsigned long long)sum->missed);
	for (int i = 1; i < PT_EV_MAX; i++) {
		if (!sum->events[i] && !sum->drops[i])
			continue;
		fprintf(f, "  %-20s %8llu", pt_event_name(i), (unsigned long long)sum->events[i]);
		if (sum->drops[i])
			fprintf(f, "  (%llu dropped)", (unsigned long long)sum->drops[i]);
		fputc('\n', f);
	}
	if (pt_summary_drops(sum)) {
		fprintf(f, "  dropped by cpu:");
		for (unsigned int c = 0; c < sum->ncpus; c++)
			fprintf(f, " %llu", (unsigned long long)sum->drops_by_cpu[c]);
		fputc('\n', f);
	}
	/* hooks that attached but saw nothing are worth a look */
	for (int i = 1; i < PT_HOOK_MAX; i++) {
		const char *how = sum->how[i];

		if (strcmp(how, "fentry") && strcmp(how, "fexit") && strcmp(how, "kprobe") &&
		    strcmp(how, "kretprobe") && strcmp(how, "tracepoint"))
			continue;
		if (!sum->calls[i])
			fprintf(f, "  silent: %s (%s, attached, never called)\n", pt_hook_name(i),
				how);
	}
}

/* "NAME":N for each name of a non-zero count */
static void write_counts(struct jw *w, const char *key, const __u64 *counts, int n,
			 const char *(*name)(unsigned int))
{
	jw_name(w, key);
	jw_object_begin(w);
	for (int i = 1; i < n; i++)
		if (counts[i])
			jw_field_u64(w, name(i), counts[i]);
	jw_object_end(w);
}

void pt_print_summary_json(FILE *f, const struct pt_summary *sum)
{
	struct jw w;

	jw_init(&w, f);
	jw_document_begin(&w);
	jw_field_string(&w, "type", "summary");
	jw_name(&w, "duration");
	jw_printf(&w, "%.6f", sum->duration);
	jw_field_u64(&w, "events", pt_summary_events(sum));
	jw_field_u64(&w, "drops", pt_summary_drops(sum));
	jw_field_u64(&w, "missed", sum->missed);
	write_counts(&w, "events_by_type", sum->events, PT_EV_MAX, pt_event_name);
	write_counts(&w, "drops_by_type", sum->drops, PT_EV_MAX, pt_event_name);
	jw_name(&w, "drops_by_cpu");
	jw_array_begin(&w);
	for (unsigned int c = 0; c < sum->ncpus; c++)
		jw_u64(&w, sum->drops_by_cpu[c]);
	jw_array_end(&w);
	jw_name(&w, "hooks");
	jw_object_begin(&w);
	for (int i = 1; i < PT_HOOK_MAX; i++) {
		if (!sum->how[i][0])
			continue;
		jw_name(&w, pt_hook_name(i));
		jw_object_begin(&w);
		/* "how" may come from a recording: any bytes */
		jw_field_string(&w, "how", sum->how[i]);
		jw_field_u64(&w, "calls", sum->calls[i]);
		jw_object_end(&w);
	}
	jw_object_end(&w);
	jw_object_end(&w);
	jw_newline(&w);
}

/* --- filters ----------------------------------------------------------------- */

void pt_filter_init(struct pt_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->minor = -1;
}

bool pt_filter_match(const struct pt_filter *f, const struct pt_event *ev)
{
	/* a snapshot's bounds belong to no process or device */
	if (ev->type == PT_EV_SNAP_BEGIN || ev->type == PT_EV_SNAP_END)
		return true;
	if (f->tgid && ev->pid != f->tgid)
		return false;
	if (f->cgroup && ev->cgroup != f->cgroup)
		return false;
	if (f->comm[0] && strncmp(ev->comm, f->comm, sizeof(ev->comm)))
		return false;
	if (f->minor < 0 && !f->driver[0])
		return true;
	if (f->minor >= 0 && (ev->minor == f->minor || ev->exp_minor == f->minor))
		return true;
	if (f->driver[0] && (!strncmp(ev->driver, f->driver, sizeof(ev->driver)) ||
			     !strncmp(ev->exp_driver, f->driver, sizeof(ev->exp_driver)) ||
			     !strncmp(ev->importer_driver, f->driver, sizeof(ev->importer_driver))))
		return true;
	return false;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

int pt_parse_dev(const char *arg, struct pt_filter *f)
{
	long v;

	if (!arg || !*arg)
		return -EINVAL;
	if (all_digits(arg)) {
		v = strtol(arg, NULL, 10);
		if (v > 0xfffff)
			return -EINVAL;
		f->minor = v;
		return 0;
	}
	if (!strncmp(arg, "card", 4) && all_digits(arg + 4))
		return pt_parse_dev(arg + 4, f);
	if (!strncmp(arg, "renderD", 7) || strchr(arg, '/'))
		return 1;
	if (strlen(arg) >= sizeof(f->driver))
		return -EINVAL;
	strcpy(f->driver, arg);
	return 0;
}
