// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * primetrace top: per process, the buffers it exported and imported and
 * holds, and how fast that changes, refreshed every --refresh seconds.
 * On a terminal the screen is redrawn; otherwise one block per refresh is
 * printed, so that the output can be logged or tested (--iterations).
 *
 * By default each view is read from the kernel's live tables (what is
 * alive, and each process's counts in proc_counts), with a snapshot for
 * the fds and mappings; --stream builds it from every event instead.
 */
#include <argp.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hashmap.h"
#include "json_writer.h"
#include "lifetime.h"
#include "monitor.h"
#include "options.h"
#include "tables.h"

static const char top_doc[] =
    "Show, per process, the dma-bufs it exported, the buffers it imported and the\n"
    "ones it holds (fds and mappings), with rates, refreshed on a timer.\n"
    "\n"
    "USAGE: primetrace top [-j] [-r SECONDS] [-n ITERATIONS] [-p PID] [-d DEV] [--stream]\n"
    "\n"
    "EXAMPLES:\n"
    "    primetrace top              # every second, until Ctrl-C\n"
    "    primetrace top -r 5 -n 3    # three views, five seconds apart\n"
    "    primetrace top -j -n 10     # ten views as JSON lines\n"
    "\n"
    "Columns: EXP and IMP count exports and import handles since primetrace\n"
    "started (/s: in the last period); LIVE-EXP the buffers it exported that are\n"
    "still alive; IMP-HELD its open import handles; HELD the buffers it holds\n"
    "an fd or a mapping of, with their bytes. Each view is read from kernel\n"
    "tables (processes that exited are not shown); --stream builds it from\n"
    "every event instead, at a higher cost.\v";

static const struct argp_option top_options[] = {
	{ "refresh", 'r', "SECONDS", 0, "Time between views (default 1)", 0 },
	{ "iterations", 'n', "N", 0, "Stop after N views", 0 },
	{ "json", 'j', NULL, 0, "Each view as one JSON line", 0 },
	PT_CONNECT_OPTION,
	{ 0 },
};

static struct top_env {
	struct pt_lifetime lt;
	struct pt_map counts; /* tables: pid -> struct pt_tproc *, this view's */
	double refresh;
	unsigned long iterations;
	pthread_mutex_t lock;
	/* the previous view, for rates */
	struct prev {
		__u32 pid;
		__u64 exports, imports;
	} * prev;
	size_t nprev;
	__u64 t_prev;
	unsigned long done; /* views shown (tables) */
	bool tty;
	bool json;
} top_env;

static error_t parse_top(int key, char *arg, struct argp_state *state)
{
	struct top_env *env = state->input;
	unsigned long v;
	double d;

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &env->lt.opts;
		break;
	case 'r':
		if (pt_parse_seconds(arg, &d) || d < 0.1 || d > 3600) {
			argp_error(state, "--refresh %s: 0.1 to 3600 seconds", arg);
			return EINVAL;
		}
		env->refresh = d;
		break;
	case 'n':
		if (pt_parse_uint(arg, 1, 1000000, &v)) {
			argp_error(state, "--iterations %s: 1 to 1000000", arg);
			return EINVAL;
		}
		env->iterations = v;
		break;
	case 'j':
		env->json = true;
		break;
	case PT_OPT_CONNECT:
		env->lt.connect = arg;
		break;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s'", arg);
		return EINVAL;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp top_argp = {
	.options = top_options,
	.parser = parse_top,
	.doc = top_doc,
	.children = pt_live_tables_child,
};

static __u64 mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

struct held {
	__u32 pid;
	unsigned int bufs;
	__u64 bytes;
};

/* buffers each process holds an fd or a mapping of (each buffer once) */
static void count_held(const struct pm_model *m, struct held *h, size_t n)
{
	const struct pm_buf **bufs;
	size_t nb = pm_model_bufs(m, &bufs);

	for (size_t i = 0; i < nb; i++) {
		for (size_t j = 0; j < n; j++) {
			for (const struct pm_holder *x = bufs[i]->holders; x; x = x->next) {
				if (x->pid == h[j].pid) {
					h[j].bufs++;
					h[j].bytes += bufs[i]->size;
					break;
				}
			}
		}
	}
	free(bufs);
}

static const struct prev *prev_of(const struct top_env *env, __u32 pid)
{
	for (size_t i = 0; i < env->nprev; i++)
		if (env->prev[i].pid == pid)
			return &env->prev[i];
	return NULL;
}

/* one process's row of a view */
struct row {
	const struct pm_proc *p;
	__u64 exports, imports; /* since tracing began */
	double er, ir;		/* exports and imports per second in the last period */
	const struct held *held;
};

static void view_text(FILE *out, bool tty, const struct pm_stats *st, const struct row *r, size_t n)
{
	char a[24], b[24], c[24], hdr[64];
	time_t wall = time(NULL);

	strftime(hdr, sizeof(hdr), "%H:%M:%S", localtime(&wall));
	if (tty)
		fputs("\033[H\033[2J", out);
	fprintf(out,
		"primetrace top - %s  %u dma-bufs, %u GEM objects, %u handles, %llu events, "
		"%llu lost\n",
		hdr, st->bufs, st->objs, st->handles, (unsigned long long)st->events,
		(unsigned long long)st->drops);
	fprintf(out, "%-7s %-16s %6s %7s %6s %7s %9s %9s %8s %9s %5s %9s\n", "PID", "COMM", "EXP",
		"EXP/s", "IMP", "IMP/s", "LIVE-EXP", "BYTES", "IMP-HELD", "BYTES", "HELD", "BYTES");
	for (size_t i = 0; i < n; i++) {
		const struct pm_proc *p = r[i].p;
		char cm[4 * sizeof(p->comm)];

		fprintf(out, "%-7u %-16s %6llu %7.1f %6llu %7.1f %9d %9s %8d %9s %5u %9s\n", p->pid,
			pt_text(cm, sizeof(cm), p->comm), (unsigned long long)r[i].exports, r[i].er,
			(unsigned long long)r[i].imports, r[i].ir, p->live_exports,
			pt_size_text(a, sizeof(a), p->live_export_bytes), p->live_imports,
			pt_size_text(b, sizeof(b), p->live_import_bytes), r[i].held->bufs,
			pt_size_text(c, sizeof(c), r[i].held->bytes));
	}
	if (!tty)
		fputc('\n', out);
}

/* the same as one JSON line */
static void view_json(FILE *out, __u64 now, const struct pm_stats *st, const struct row *r,
		      size_t n)
{
	struct jw w;

	jw_init(&w, out);
	jw_document_begin(&w);
	jw_field_u64(&w, "ts", now);
	jw_field_u64(&w, "dmabufs", st->bufs);
	jw_field_u64(&w, "gem_objects", st->objs);
	jw_field_u64(&w, "handles", st->handles);
	jw_field_u64(&w, "events", st->events);
	jw_field_u64(&w, "lost", st->drops);
	jw_name(&w, "processes");
	jw_array_begin(&w);
	for (size_t i = 0; i < n; i++) {
		const struct pm_proc *p = r[i].p;

		jw_object_begin(&w);
		jw_field_u64(&w, "pid", p->pid);
		jw_field_string(&w, "comm", p->comm);
		jw_field_u64(&w, "exports", r[i].exports);
		jw_name(&w, "exports_per_s");
		jw_printf(&w, "%.1f", r[i].er);
		jw_field_u64(&w, "imports", r[i].imports);
		jw_name(&w, "imports_per_s");
		jw_printf(&w, "%.1f", r[i].ir);
		jw_field_i64(&w, "live_exports", p->live_exports);
		jw_field_u64(&w, "live_export_bytes", p->live_export_bytes);
		jw_field_i64(&w, "live_imports", p->live_imports);
		jw_field_u64(&w, "live_import_bytes", p->live_import_bytes);
		jw_field_u64(&w, "held", r[i].held->bufs);
		jw_field_u64(&w, "held_bytes", r[i].held->bytes);
		jw_object_end(&w);
	}
	jw_array_end(&w);
	jw_object_end(&w);
	jw_newline(&w);
}

/*
 * Tables: the processes that made buffers since tracing began but hold
 * none now are in proc_counts only: rows of their own (comm from /proc,
 * they are alive), added to procs. Returns the new count; extra is freed
 * by the caller.
 */
static size_t add_counted(struct top_env *env, const struct pm_proc ***procs, size_t n,
			  struct pm_proc **extra)
{
	const struct pm_proc **all;
	size_t k = 0;

	*extra = calloc(env->counts.n ? env->counts.n : 1, sizeof(**extra));
	all = realloc(*procs, (n + env->counts.n + 1) * sizeof(*all));
	if (!*extra || !all) {
		if (all)
			*procs = all;
		return n;
	}
	*procs = all;
	pt_map_for_each(&env->counts, i)
	{
		struct pm_proc *p = &(*extra)[k];
		bool known = false;
		char path[64];
		FILE *f;

		for (size_t j = 0; j < n && !known; j++)
			known = all[j]->pid == i->key;
		if (known)
			continue;
		p->pid = i->key;
		snprintf(path, sizeof(path), "/proc/%u/comm", p->pid);
		f = fopen(path, "r");
		if (!f || !fgets(p->comm, sizeof(p->comm), f))
			snprintf(p->comm, sizeof(p->comm), "?");
		if (f)
			fclose(f);
		p->comm[strcspn(p->comm, "\n")] = '\0';
		all[n + k++] = p;
	}
	return n + k;
}

static void view(struct top_env *env, const struct pm_model *m, FILE *out)
{
	const struct pm_proc **procs;
	struct pm_proc *extra = NULL;
	size_t n = pm_model_procs(m, &procs);
	struct held *held;
	struct prev *next;
	struct row *rows;
	__u64 now = mono_now();
	double dt = env->t_prev ? (now - env->t_prev) / 1e9 : 0;
	struct pm_stats st;
	size_t nrows = 0;

	if (env->lt.opts.tables && procs)
		n = add_counted(env, &procs, n, &extra);
	held = calloc(n ? n : 1, sizeof(*held));
	next = calloc(n ? n : 1, sizeof(*next));
	rows = calloc(n ? n : 1, sizeof(*rows));
	if (!held || !next || !rows) {
		free(held);
		free(next);
		free(rows);
		free(procs);
		free(extra);
		return;
	}
	for (size_t i = 0; i < n; i++)
		held[i].pid = procs[i]->pid;
	count_held(m, held, n);
	pm_model_stats(m, &st);
	for (size_t i = 0; i < n; i++) {
		const struct pm_proc *p = procs[i];
		const struct prev *pv = prev_of(env, p->pid);
		const struct pt_tproc *c = pt_map_get(&env->counts, p->pid);
		struct row *r = &rows[nrows];

		*r = (struct row){ p, p->exports, p->imports, 0, 0, &held[i] };
		if (env->lt.opts.tables)
			*r = (struct row){
				p, c ? c->exports : 0, c ? c->imports : 0, 0, 0, &held[i]
			};
		next[i] = (struct prev){ p->pid, r->exports, r->imports };
		if (p->exited || (!r->exports && !r->imports && !p->live_imports && !held[i].bufs))
			continue;
		if (dt > 0) {
			r->er = (r->exports - (pv ? pv->exports : 0)) / dt;
			r->ir = (r->imports - (pv ? pv->imports : 0)) / dt;
		}
		nrows++;
	}
	if (env->json)
		view_json(out, now, &st, rows, nrows);
	else
		view_text(out, env->tty, &st, rows, nrows);
	fflush(out);
	free(env->prev);
	env->prev = next;
	env->nprev = n;
	env->t_prev = now;
	free(held);
	free(rows);
	free(procs);
	free(extra);
}

static void *viewer(void *arg)
{
	struct top_env *env = arg;
	unsigned long done = 0;

	/* the first period starts once the hooks are attached */
	while (!pt_exiting && !env->lt.started) {
		struct timespec ts = { 0, 50000000 };

		nanosleep(&ts, NULL);
	}
	while (!pt_exiting) {
		struct timespec ts = { (time_t)env->refresh,
				       (long)((env->refresh - (time_t)env->refresh) * 1e9) };

		nanosleep(&ts, NULL);
		if (pt_exiting)
			break;
		pthread_mutex_lock(&env->lock);
		if (env->lt.m)
			view(env, env->lt.m, stdout);
		pthread_mutex_unlock(&env->lock);
		if (env->iterations && ++done >= env->iterations)
			pt_exiting = 1;
	}
	return NULL;
}

/* --- the views from the kernel's tables ------------------------------------ */

static void table_rec(const struct pt_record *rec, void *ctx)
{
	if (pt_filter_match(&top_env.lt.opts.filter, &rec->ev))
		pm_model_feed(ctx, rec);
}

static int snapshot_rec(const struct pt_record *rec, void *ctx)
{
	table_rec(rec, ctx);
	return 0;
}

static void count_proc(__u32 pid, const struct pt_tproc *p, void *ctx)
{
	struct top_env *env = ctx;
	struct pt_tproc *c = malloc(sizeof(*c));

	if (c)
		*c = *p;
	if (c && pt_map_put(&env->counts, pid, c))
		free(c);
}

static void counts_clear(struct top_env *env)
{
	pt_map_for_each(&env->counts, i)
	{
		free(i->val);
	}
	pt_map_release(&env->counts);
}

/* every --refresh: a new model of what the tables and a snapshot say, shown */
static void tables_tick(struct pt_source *src, void *ctx)
{
	struct top_env *env = ctx;
	struct pt_snapshot_opts so = {
		.btf_path = env->lt.opts.btf_path,
		.verbose = env->lt.opts.verbose,
	};
	struct pm_model *m = pm_model_new(env->lt.max_objects);

	if (!m) {
		fprintf(stderr, "primetrace: out of memory\n");
		pt_exiting = 1;
		return;
	}
	counts_clear(env);
	/* a failed read is printed; the view waits for the next */
	if (!pt_source_tables(src, table_rec, m) && !pt_source_table_procs(src, count_proc, env)) {
		pt_snapshot(&so, snapshot_rec, m);
		pm_model_note_drops(m, pt_source_drops(src));
		pm_model_note_table_lost(m, pt_source_table_lost(src));
		pm_model_set_now(m, mono_now());
		view(env, m, stdout);
	}
	pm_model_free(m);
	if (env->iterations && ++env->done >= env->iterations)
		pt_exiting = 1;
}

static int ignore(const struct pt_record *rec, void *ctx)
{
	(void)rec;
	(void)ctx;
	return 0;
}

static int run_tables(struct top_env *env)
{
	struct pt_trace_opts *o = &env->lt.opts;
	struct pt_summary sum;
	int err;

	o->quiet = true;
	o->table_extra = PT_TX_PROCS;
	o->tick = tables_tick;
	o->tick_ms = (unsigned int)(env->refresh * 1000);
	o->started_ctx = env;
	pt_install_signals();
	err = pt_run(o, ignore, env, &sum);
	pt_summary_free(&sum);
	counts_clear(env);
	free(env->prev);
	return err ? PT_EXIT_ERROR : pt_output_close(stdout, NULL);
}

int pt_top_parse(int argc, char **argv)
{
	struct top_env *env = &top_env;

	memset(env, 0, sizeof(*env));
	pt_lifetime_init(&env->lt);
	env->lt.opts.tables_default = true;
	env->refresh = 1;
	env->lt.argc = argc;
	env->lt.argv = argv;
	return pt_argp_parse(&top_argp, argc, argv, 0, env);
}

/* one view of a model held elsewhere (the monitor): its totals, no rates */
int pt_top_report(FILE *f, struct pm_model *m)
{
	/* the monitor's model has its own counts */
	top_env.lt.opts.tables = PT_TABLES_OFF;
	view(&top_env, m, f);
	free(top_env.prev);
	top_env.prev = NULL;
	return PT_EXIT_OK;
}

int pt_top_run(void)
{
	struct top_env *env = &top_env;
	pthread_t thread;
	int err;

	if (env->lt.connect)
		return pt_lifetime_connect(&env->lt, "top");
	env->tty = isatty(STDOUT_FILENO);
	if (env->lt.opts.tables)
		return run_tables(env);
	env->lt.trace = true;
	env->lt.no_end_snapshot = true;
	env->lt.opts.quiet = true;
	pthread_mutex_init(&env->lock, NULL);
	env->lt.lock = &env->lock;
	pt_install_signals();
	if (pthread_create(&thread, NULL, viewer, env)) {
		fprintf(stderr, "primetrace: cannot start the view: %s\n", strerror(errno));
		return 1;
	}
	err = pt_lifetime_run(&env->lt);
	pt_exiting = 1;
	pthread_join(thread, NULL);
	pt_lifetime_free(&env->lt);
	free(env->prev);
	return err ? PT_EXIT_ERROR : pt_output_close(stdout, NULL);
}
