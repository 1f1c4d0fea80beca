// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * primetrace objects: the live dma-bufs, one line each: who exported them,
 * how old they are, and who holds them (fds, mappings, attachments and the
 * GEM handles of every file). By default a snapshot of this instant; with
 * --duration the events of that run fill in exporters, ages and stacks.
 */
#include <argp.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "json_writer.h"
#include "lifetime.h"
#include "monitor.h"
#include "options.h"

static const char objects_doc[] =
    "List the live dma-bufs: inode, size, exporting driver and process, age, the\n"
    "processes holding an fd or a mapping, the attachments (importing devices) and\n"
    "the GEM handles of every DRM file that names the buffer.\n"
    "\n"
    "USAGE: primetrace objects [-j] [-D SECONDS] [--input FILE] [--max-objects N]\n"
    "\n"
    "EXAMPLES:\n"
    "    primetrace objects               # what exists now (a snapshot)\n"
    "    primetrace objects -D 5          # trace 5 s (kernel tables): who makes\n"
    "                                     # new ones, and how\n"
    "    primetrace objects --input run.json -j\n"
    "\n"
    "Columns: FDS and MAPS list pid:fd and pid@address; HANDLES lists\n"
    "pid:driver:minor#handle, '*' after the handle when an import made it. The\n"
    "exporting process of a buffer made before tracing began is unknown ('-');\n"
    "its age comes from its inode's ctime.\v";

enum {
	OPT_MAX_OBJECTS = 0x200,
};

static const struct argp_option objects_options[] = {
	{ "json", 'j', NULL, 0, "One JSON object", 0 },
	{ "max-objects", OPT_MAX_OBJECTS, "N", 0, "Track at most N entries (default 65536)", 0 },
	PT_CONNECT_OPTION,
	{ 0 },
};

static struct objects_env {
	struct pt_lifetime lt;
	bool json;
	unsigned long skipped; /* --skip-bad-lines */
} objects_env;

static error_t parse_objects(int key, char *arg, struct argp_state *state)
{
	struct objects_env *env = state->input;
	unsigned long v;

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &env->lt.opts;
		break;
	case 'j':
		env->json = true;
		break;
	case OPT_MAX_OBJECTS:
		if (pt_parse_uint(arg, 16, 100000000, &v)) {
			argp_error(state, "--max-objects %s: 16 to 100000000", arg);
			return EINVAL;
		}
		env->lt.max_objects = v;
		break;
	case PT_OPT_CONNECT:
		env->lt.connect = arg;
		break;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s'", arg);
		return EINVAL;
	case ARGP_KEY_END:
		/* -D asks for tracing, which a recording does not do */
		if (env->lt.opts.input && env->lt.opts.duration > 0) {
			argp_error(state, "--duration traces the kernel: not with --input");
			return EINVAL;
		}
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp objects_argp = {
	.options = objects_options,
	.parser = parse_objects,
	.doc = objects_doc,
	.children = pt_tables_child,
};

/* the handles naming a buffer: on its exporting object or on an import of it */
static bool handle_names(const struct pm_model *m, const struct pm_handle *h,
			 const struct pm_buf *b)
{
	const struct pm_obj *o = pm_model_obj(m, h->obj);

	return o && ((b->exp_obj && o->obj == b->exp_obj) || o->dmabuf == b->dmabuf);
}

/* a list column, growing as needed */
struct col {
	char *s;
	size_t len, cap;
};

static void col_add(struct col *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void col_add(struct col *c, const char *fmt, ...)
{
	char item[128];
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(item, sizeof(item), fmt, ap);
	va_end(ap);
	n = strlen(item) + 1;
	if (c->len + n + 1 > c->cap) {
		size_t cap = (c->cap + n) * 2;
		char *s = realloc(c->s, cap);

		if (!s)
			return;
		c->s = s;
		c->cap = cap;
	}
	c->len += sprintf(c->s + c->len, "%s%s", c->len ? "," : "", item);
}

static const char *col_text(struct col *c)
{
	return c->len ? c->s : "-";
}

struct row {
	struct col fds, maps, attach, handles;
};

static void row_fill(const struct pm_model *m, const struct pm_buf *b,
		     const struct pm_file *const *files, size_t nfiles, struct row *r)
{
	char t[128];

	memset(r, 0, sizeof(*r));
	for (const struct pm_holder *h = b->holders; h; h = h->next) {
		if (h->fd >= 0)
			col_add(&r->fds, "%u:%d", h->pid, h->fd);
		else
			col_add(&r->maps, "%u@0x%llx", h->pid, (unsigned long long)h->addr);
	}
	for (const struct pm_attach *a = b->attachments; a; a = a->next)
		col_add(&r->attach, "%s%s",
			a->importer[0] ? pt_text(t, sizeof(t), a->importer) : "?",
			a->dangling ? "(dangling)" : "");
	for (size_t i = 0; i < nfiles; i++) {
		const struct pm_file *f = files[i];

		for (const struct pm_handle *h = f->handles; h; h = h->next)
			if (handle_names(m, h, b))
				col_add(&r->handles, "%u:%s:%d#%u%s", f->pid,
					f->driver[0] ? pt_text(t, sizeof(t), f->driver) : "?",
					f->minor, h->handle, h->import ? "*" : "");
	}
}

static void row_free(struct row *r)
{
	free(r->fds.s);
	free(r->maps.s);
	free(r->attach.s);
	free(r->handles.s);
}

static void print_table(FILE *out, const struct pm_model *m)
{
	const struct pm_file **files;
	const struct pm_buf **bufs;
	size_t n = pm_model_bufs(m, &bufs), nfiles = pm_model_files(m, &files);
	__u64 now = pm_model_now(m), total = 0;
	char why[256];

	fprintf(out, "%-7s %-9s %-12s %-7s %-16s %-7s %-14s %-20s %-16s %s\n", "INO", "SIZE",
		"EXPORTER", "PID", "COMM", "AGE", "FDS", "MAPS", "ATTACHED", "HANDLES");
	for (size_t i = 0; i < n; i++) {
		const struct pm_buf *b = bufs[i];
		char sz[24], exp[32], age[24], pid[12], e1[128], e2[4 * PT_COMM_LEN];
		struct row r;

		row_fill(m, b, files, nfiles, &r);
		snprintf(pid, sizeof(pid), "%u", b->exp_pid);
		fprintf(
		    out, "%-7llu %-9s %-12s %-7s %-16s %-7s %-14s %-20s %-16s %s\n",
		    (unsigned long long)b->ino, pt_size_text(sz, sizeof(sz), b->size),
		    pt_text(e1, sizeof(e1), pt_exporter_text(exp, sizeof(exp), b)),
		    b->exp_pid ? pid : "-", b->exp_pid ? pt_text(e2, sizeof(e2), b->exp_comm) : "-",
		    pt_age_text(age, sizeof(age),
				b->t_create && now > b->t_create ? now - b->t_create : 0),
		    col_text(&r.fds), col_text(&r.maps), col_text(&r.attach), col_text(&r.handles));
		total += b->size;
		row_free(&r);
	}
	fprintf(out, "%zu dma-buf%s, %s\n", n, n == 1 ? "" : "s",
		pt_size_text(why, sizeof(why), total));
	if (pm_model_incomplete(m))
		fprintf(out, "picture incomplete: %s\n",
			pm_model_incomplete_text(m, why, sizeof(why)));
	free(bufs);
	free(files);
}

static void print_json(FILE *out, const struct pm_model *m)
{
	const struct pm_file **files;
	const struct pm_buf **bufs;
	size_t n = pm_model_bufs(m, &bufs), nfiles = pm_model_files(m, &files);
	__u64 now = pm_model_now(m);
	struct jw w;
	char why[256];

	jw_init(&w, out);
	jw_document_begin(&w);
	jw_name(&w, "buffers");
	jw_array_begin(&w);
	for (size_t i = 0; i < n; i++) {
		const struct pm_buf *b = bufs[i];
		char exp[32];

		jw_object_begin(&w);
		jw_field_u64(&w, "ino", b->ino);
		jw_field_u64(&w, "size", b->size);
		jw_field_string(&w, "exporter", pt_exporter_text(exp, sizeof(exp), b));
		jw_field_string(&w, "exp_name", b->exp_name);
		jw_field_u64(&w, "exp_pid", b->exp_pid);
		jw_field_string(&w, "exp_comm", b->exp_comm);
		jw_name(&w, "age");
		jw_printf(&w, "%.3f",
			  b->t_create && now > b->t_create ? (now - b->t_create) / 1e9 : -1.0);
		jw_field_bool(&w, "before_tracing", b->flags & PM_F_UNSEEN);
		jw_name(&w, "fds");
		jw_array_begin(&w);
		for (const struct pm_holder *h = b->holders; h; h = h->next) {
			if (h->fd < 0)
				continue;
			jw_object_begin(&w);
			jw_field_u64(&w, "pid", h->pid);
			jw_field_i64(&w, "fd", h->fd);
			jw_object_end(&w);
		}
		jw_array_end(&w);
		jw_name(&w, "maps");
		jw_array_begin(&w);
		for (const struct pm_holder *h = b->holders; h; h = h->next) {
			if (h->fd >= 0)
				continue;
			jw_object_begin(&w);
			jw_field_u64(&w, "pid", h->pid);
			jw_field_hex(&w, "addr", h->addr);
			jw_field_u64(&w, "len", h->len);
			jw_object_end(&w);
		}
		jw_array_end(&w);
		jw_field_i64(&w, "vmaps", b->vmaps);
		jw_name(&w, "attachments");
		jw_array_begin(&w);
		for (const struct pm_attach *a = b->attachments; a; a = a->next) {
			jw_object_begin(&w);
			jw_field_string(&w, "importer", a->importer);
			jw_field_string(&w, "driver", a->importer_driver);
			jw_field_u64(&w, "pid", a->pid);
			jw_field_i64(&w, "maps", a->maps);
			jw_field_bool(&w, "dangling", a->dangling);
			jw_object_end(&w);
		}
		jw_array_end(&w);
		jw_name(&w, "handles");
		jw_array_begin(&w);
		for (size_t j = 0; j < nfiles; j++) {
			for (const struct pm_handle *h = files[j]->handles; h; h = h->next) {
				if (!handle_names(m, h, b))
					continue;
				jw_object_begin(&w);
				jw_field_u64(&w, "pid", files[j]->pid);
				jw_field_string(&w, "driver", files[j]->driver);
				jw_field_i64(&w, "minor", files[j]->minor);
				jw_field_u64(&w, "handle", h->handle);
				jw_field_bool(&w, "import", h->import);
				jw_object_end(&w);
			}
		}
		jw_array_end(&w);
		jw_name(&w, "kstack");
		pt_print_stack_json(&w, pm_stack_text(b->kstack));
		jw_name(&w, "ustack");
		pt_print_stack_json(&w, pm_stack_text(b->ustack));
		jw_object_end(&w);
	}
	jw_array_end(&w);
	jw_field_string(&w, "incomplete", pm_model_incomplete_text(m, why, sizeof(why)));
	jw_object_end(&w);
	jw_newline(&w);
	free(bufs);
	free(files);
}

int pt_objects_parse(int argc, char **argv)
{
	struct objects_env *env = &objects_env;

	memset(env, 0, sizeof(*env));
	pt_lifetime_init(&env->lt);
	env->lt.opts.skipped = &env->skipped;
	env->lt.argc = argc;
	env->lt.argv = argv;
	env->lt.opts.tables_default = true;
	/* the attachments and mappings it lists, when from the tables */
	env->lt.opts.table_extra = PT_TX_ATTACH;
	return pt_argp_parse(&objects_argp, argc, argv, 0, env);
}

int pt_objects_report(FILE *f, struct pm_model *m)
{
	if (objects_env.json)
		print_json(f, m);
	else
		print_table(f, m);
	return PT_EXIT_OK;
}

int pt_objects_run(void)
{
	struct objects_env *env = &objects_env;
	int err, ret;

	if (env->lt.connect)
		return pt_lifetime_connect(&env->lt, "objects");
	/* a duration asks for tracing; otherwise this instant only */
	env->lt.trace = env->lt.opts.duration > 0;
	if (env->lt.trace) {
		env->lt.opts.kstack = true;
		env->lt.opts.ustack = true;
	}
	pt_install_signals();
	err = pt_lifetime_run(&env->lt);
	if (!err) {
		pm_model_note_skipped(env->lt.m, env->skipped);
		pt_objects_report(stdout, env->lt.m);
	}
	ret = err ? PT_EXIT_ERROR : pt_output_close(stdout, NULL);
	/* a failed timeline is printed by its writer */
	if (pt_lifetime_free(&env->lt))
		ret = PT_EXIT_ERROR;
	return ret;
}
