// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * primetrace leaks: trace for a while (or replay a recording), then report
 * the leak suspects of the lifetime model, each with its reason, its
 * evidence, its culprit and the stacks that made it.
 */
#include <argp.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "json_writer.h"
#include "lifetime.h"
#include "monitor.h"
#include "options.h"
#include "outstanding.h"

static const char leaks_doc[] =
    "Find leaked dma-bufs and GEM handles: trace until --duration or Ctrl-C (or\n"
    "replay a recording), then report each suspect with its reason, evidence,\n"
    "culprit process and the kernel and user stacks that created it.\n"
    "\n"
    "USAGE: primetrace leaks [-j] [-D SECONDS] [--input FILE] [--min-age SECONDS]\n"
    "                        [--growth N] [--max-objects N] [--perfetto FILE]\n"
    "                        [--outstanding] [--stream | --table-size N]\n"
    "\n"
    "EXAMPLES:\n"
    "    primetrace leaks -D 30                # trace 30 s, then report\n"
    "    primetrace leaks -p 1234 --min-age 60 # also buffers older than a minute\n"
    "    primetrace leaks --input run.json     # a recording of 'primetrace record'\n"
    "    primetrace leaks -D 10 --perfetto t.json  # and a timeline\n"
    "    primetrace leaks -D 60 --outstanding  # who holds what, by stack\n"
    "    primetrace leaks -D 600 --stream      # every event: every rule, costlier\n"
    "\n"
    "Live, what is alive is kept in kernel tables and read at the end; --stream\n"
    "sends every event to userspace instead, for the rules marked (stream).\n"
    "\n"
    "Suspects, most certain first:\n"
    "  import_no_teardown  an import freed without drm_prime_gem_destroy() (stream)\n"
    "  attach_at_free      an attachment still present when its object was freed\n"
    "                      (stream)\n"
    "  orphan_gem_object   an exported GEM object outlives its handles and dma-buf\n"
    "                      (stream)\n"
    "  orphan_dmabuf       a dma-buf lives that no fd, mapping or handle holds\n"
    "  reimport            one dma-buf imported into one file under several handles\n"
    "  import_handle       an import handle is all that keeps a dma-buf alive\n"
    "  import_growth       a process's import handles grow by --growth or more\n"
    "                      (stream)\n"
    "  export_growth       a process's live exports grow by --growth or more\n"
    "  old                 a buffer older than --min-age\n"
    "\n"
    "A snapshot of every process's dma-buf fds, mappings and GEM handles is taken\n"
    "before and after a live run: buffers made before primetrace started are seen\n"
    "too, without their creator. The report says when its picture is incomplete\n"
    "(events lost, the --max-objects bound reached, no snapshot in a recording).\n"
    "\n"
    "--outstanding lists, instead of the suspects, every live dma-buf, import\n"
    "handle and GEM handle grouped by the kernel and user stacks that made it,\n"
    "with counts, bytes and the oldest age, most bytes first: who holds what,\n"
    "whether or not a rule calls it a leak.\v";

enum {
	OPT_MIN_AGE = 0x200,
	OPT_GROWTH,
	OPT_MAX_OBJECTS,
	OPT_PERFETTO,
	OPT_NO_STACKS,
	OPT_STACK_DEPTH,
	OPT_OUTSTANDING,
};

static const struct argp_option leaks_options[] = {
	{ "json", 'j', NULL, 0, "One JSON object", 0 },
	{ "min-age", OPT_MIN_AGE, "SECONDS", 0, "Also report buffers older than this", 0 },
	{ "growth", OPT_GROWTH, "N", 0,
	  "Report a process whose live exports or import handles grow by N (default 16)", 0 },
	{ "max-objects", OPT_MAX_OBJECTS, "N", 0,
	  "Track at most N buffers, objects, handles, attachments and holders (default 65536)", 0 },
	{ "perfetto", OPT_PERFETTO, "FILE", 0, "Write a Chrome trace-event timeline to FILE", 0 },
	{ "no-stacks", OPT_NO_STACKS, NULL, 0, "Do not collect stacks", 0 },
	{ "stack-depth", OPT_STACK_DEPTH, "N", 0, "Frames shown per stack (default 16, 0: all)",
	  0 },
	{ "outstanding", OPT_OUTSTANDING, NULL, 0,
	  "List live buffers and handles by the stack that made them, not suspects", 0 },
	PT_CONNECT_OPTION,
	{ 0 },
};

static struct leaks_env {
	struct pt_lifetime lt;
	struct pm_leak_opts lo;
	bool json;
	bool no_stacks;
	bool outstanding;
	int depth;
	unsigned long skipped; /* --skip-bad-lines */
} leaks_env;

static error_t parse_leaks(int key, char *arg, struct argp_state *state)
{
	struct leaks_env *env = state->input;
	unsigned long v;
	double d;

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &env->lt.opts;
		break;
	case 'j':
		env->json = true;
		break;
	case OPT_MIN_AGE:
		if (pt_parse_seconds(arg, &d) || d <= 0) {
			argp_error(state, "--min-age %s: a positive number of seconds", arg);
			return EINVAL;
		}
		env->lo.min_age_ns = d * 1e9;
		break;
	case OPT_GROWTH:
		if (pt_parse_uint(arg, 1, 1000000, &v)) {
			argp_error(state, "--growth %s: 1 to 1000000", arg);
			return EINVAL;
		}
		env->lo.growth = v;
		break;
	case OPT_MAX_OBJECTS:
		if (pt_parse_uint(arg, 16, 100000000, &v)) {
			argp_error(state, "--max-objects %s: 16 to 100000000", arg);
			return EINVAL;
		}
		env->lt.max_objects = v;
		break;
	case OPT_PERFETTO:
		env->lt.perfetto = arg;
		break;
	case PT_OPT_CONNECT:
		env->lt.connect = arg;
		break;
	case OPT_NO_STACKS:
		env->no_stacks = true;
		break;
	case OPT_STACK_DEPTH:
		if (pt_parse_uint(arg, 0, 1000, &v)) {
			argp_error(state, "--stack-depth %s: 0 to 1000", arg);
			return EINVAL;
		}
		env->depth = v;
		break;
	case OPT_OUTSTANDING:
		env->outstanding = true;
		break;
	case ARGP_KEY_END:
		/* a timeline is drawn from every event: the stream, not the tables' default */
		if (env->lt.perfetto && env->lt.opts.tables_asked) {
			argp_error(state, "--perfetto draws every event: not with --tables");
			return EINVAL;
		}
		if (env->lt.perfetto) {
			env->lt.opts.stream = true;
			env->lt.opts.tables = PT_TABLES_OFF;
			if (env->lt.opts.table_size) {
				argp_error(state, "--table-size goes with the kernel tables (not "
						  "with --stream or --input)");
				return EINVAL;
			}
		}
		break;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s'", arg);
		return EINVAL;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp leaks_argp = {
	.options = leaks_options,
	.parser = parse_leaks,
	.doc = leaks_doc,
	.children = pt_tables_child,
};

static double span(const struct pm_stats *st)
{
	return st->t_last > st->t_first ? (st->t_last - st->t_first) / 1e9 : 0;
}

static void print_stacks(FILE *f, struct pm_str *kstack, struct pm_str *ustack, int depth)
{
	if (kstack) {
		fprintf(f, "    kernel stack:\n");
		pt_print_stack(f, pm_stack_text(kstack), "        ", depth);
	}
	if (ustack) {
		fprintf(f, "    user stack:\n");
		pt_print_stack(f, pm_stack_text(ustack), "        ", depth);
	}
}

static void print_incomplete(FILE *f, struct pm_model *m)
{
	char buf[512];

	if (pm_model_incomplete(m))
		fprintf(f, "\npicture incomplete: %s\n",
			pm_model_incomplete_text(m, buf, sizeof(buf)));
}

static void print_text(FILE *f, struct leaks_env *env, struct pm_model *m,
		       const struct pm_suspect *s, int n)
{
	struct pm_stats st;
	char sz[24], t1[1024], t2[4 * PT_COMM_LEN], t3[256];

	pm_model_stats(m, &st);
	fprintf(f, "primetrace leaks: %d suspect%s (%.1f s of events, %llu events, %llu lost)\n", n,
		n == 1 ? "" : "s", span(&st), (unsigned long long)st.events,
		(unsigned long long)st.drops);
	for (int i = 0; i < n; i++) {
		fprintf(f, "\n[%d] %s: %s\n", i + 1, pm_leak_kind_name(s[i].kind),
			pt_text(t1, sizeof(t1), s[i].reason));
		if (s[i].pid)
			fprintf(f, "    culprit:  pid %u (%s)%s\n", s[i].pid,
				s[i].comm[0] ? pt_text(t2, sizeof(t2), s[i].comm) : "?",
				s[i].pid_exited ? ", exited" : "");
		else
			fprintf(f, "    culprit:  unknown (made before tracing began)\n");
		if (s[i].ino)
			fprintf(f, "    dma-buf:  ino %llu, %s, %s\n", (unsigned long long)s[i].ino,
				pt_size_text(sz, sizeof(sz), s[i].size),
				s[i].driver[0] ? pt_text(t3, sizeof(t3), s[i].driver) : "?");
		else if (s[i].obj)
			fprintf(f, "    object:   %s, %s\n",
				pt_size_text(sz, sizeof(sz), s[i].size),
				s[i].driver[0] ? pt_text(t3, sizeof(t3), s[i].driver) : "?");
		if (s[i].count && s[i].bytes)
			fprintf(f, "    count:    %llu (%s)\n", (unsigned long long)s[i].count,
				pt_size_text(sz, sizeof(sz), s[i].bytes));
		else if (s[i].count)
			fprintf(f, "    count:    %llu\n", (unsigned long long)s[i].count);
		fprintf(f, "    evidence: %s\n", pt_text(t1, sizeof(t1), s[i].evidence));
		print_stacks(f, s[i].kstack, s[i].ustack, env->depth);
	}
	print_incomplete(f, m);
}

/* the kinds of outstanding groups, as the text report counts them */
static const char *const out_kind_text[PM_OUT_MAX] = {
	[PM_OUT_DMABUF] = "dma-bufs",
	[PM_OUT_IMPORT] = "import handles",
	[PM_OUT_HANDLE] = "GEM handles",
};

static void print_outstanding_text(FILE *f, struct leaks_env *env, struct pm_model *m,
				   const struct pm_outstanding *o, int n)
{
	__u64 now = pm_model_now(m), count[PM_OUT_MAX] = { 0 }, bytes[PM_OUT_MAX] = { 0 };
	char sz[24], age[24], t1[4 * PT_COMM_LEN], t2[256];
	struct pm_stats st;

	for (int i = 0; i < n; i++) {
		count[o[i].kind] += o[i].count;
		bytes[o[i].kind] += o[i].bytes;
	}
	pm_model_stats(m, &st);
	fprintf(f, "primetrace leaks: outstanding by stack: %d group%s", n, n == 1 ? "" : "s");
	for (int k = 0; k < PM_OUT_MAX; k++)
		fprintf(f, ", %llu %s (%s)", (unsigned long long)count[k], out_kind_text[k],
			pt_size_text(sz, sizeof(sz), bytes[k]));
	fprintf(f, " (%.1f s of events, %llu events, %llu lost)\n", span(&st),
		(unsigned long long)st.events, (unsigned long long)st.drops);
	for (int i = 0; i < n; i++) {
		fprintf(
		    f, "\n[%d] %llu %s, %s, oldest %s", i + 1, (unsigned long long)o[i].count,
		    out_kind_text[o[i].kind], pt_size_text(sz, sizeof(sz), o[i].bytes),
		    pt_age_text(age, sizeof(age),
				o[i].t_oldest && now > o[i].t_oldest ? now - o[i].t_oldest : 0));
		if (o[i].driver[0])
			fprintf(f, ", %s", pt_text(t2, sizeof(t2), o[i].driver));
		fprintf(f, "\n");
		if (o[i].pid)
			fprintf(f, "    oldest:   pid %u (%s)%s\n", o[i].pid,
				o[i].comm[0] ? pt_text(t1, sizeof(t1), o[i].comm) : "?",
				o[i].pids > 1 ? ", and other processes" : "");
		else
			fprintf(f, "    oldest:   made before tracing began\n");
		if (!o[i].kstack && !o[i].ustack)
			fprintf(f, "    no stack: made before tracing began or stacks off\n");
		print_stacks(f, o[i].kstack, o[i].ustack, env->depth);
	}
	print_incomplete(f, m);
}

/* what every leaks JSON ends with: the run and how complete its picture is */
static void print_json_tail(struct jw *w, struct pm_model *m)
{
	struct pm_stats st;
	char buf[512];

	pm_model_stats(m, &st);
	jw_field_u64(w, "events", st.events);
	jw_field_u64(w, "drops", st.drops);
	jw_name(w, "duration");
	jw_printf(w, "%.3f", span(&st));
	jw_field_u64(w, "live_buffers", st.bufs);
	jw_field_u64(w, "tracked", st.entries);
	jw_field_u64(w, "max_objects", st.max_entries);
	jw_field_u64(w, "untracked", st.untracked);
	jw_field_string(w, "incomplete", pm_model_incomplete_text(m, buf, sizeof(buf)));
	jw_object_end(w);
	jw_newline(w);
}

static void print_json(FILE *f, struct pm_model *m, const struct pm_suspect *s, int n)
{
	struct jw w;

	jw_init(&w, f);
	jw_document_begin(&w);
	jw_name(&w, "suspects");
	jw_array_begin(&w);
	for (int i = 0; i < n; i++) {
		jw_object_begin(&w);
		jw_field_string(&w, "kind", pm_leak_kind_name(s[i].kind));
		jw_field_string(&w, "reason", s[i].reason);
		jw_field_u64(&w, "pid", s[i].pid);
		jw_field_string(&w, "comm", s[i].comm);
		jw_field_bool(&w, "pid_exited", s[i].pid_exited);
		jw_field_u64(&w, "ts", s[i].ts);
		jw_field_u64(&w, "ino", s[i].ino);
		jw_field_u64(&w, "size", s[i].size);
		if (s[i].dmabuf)
			jw_field_hex(&w, "dmabuf", s[i].dmabuf);
		if (s[i].obj)
			jw_field_hex(&w, "obj", s[i].obj);
		if (s[i].file) {
			jw_field_hex(&w, "file", s[i].file);
			jw_field_u64(&w, "handle", s[i].handle);
		}
		if (s[i].count) {
			jw_field_u64(&w, "count", s[i].count);
			jw_field_u64(&w, "bytes", s[i].bytes);
		}
		jw_field_string(&w, "driver", s[i].driver);
		jw_field_string(&w, "evidence", s[i].evidence);
		jw_name(&w, "kstack");
		pt_print_stack_json(&w, pm_stack_text(s[i].kstack));
		jw_name(&w, "ustack");
		pt_print_stack_json(&w, pm_stack_text(s[i].ustack));
		jw_object_end(&w);
	}
	jw_array_end(&w);
	print_json_tail(&w, m);
}

static void print_outstanding_json(FILE *f, struct pm_model *m, const struct pm_outstanding *o,
				   int n)
{
	__u64 now = pm_model_now(m);
	struct jw w;

	jw_init(&w, f);
	jw_document_begin(&w);
	jw_name(&w, "outstanding");
	jw_array_begin(&w);
	for (int i = 0; i < n; i++) {
		jw_object_begin(&w);
		jw_field_string(&w, "kind", pm_out_kind_name(o[i].kind));
		jw_field_u64(&w, "count", o[i].count);
		jw_field_u64(&w, "bytes", o[i].bytes);
		jw_field_u64(&w, "oldest_ts", o[i].t_oldest);
		jw_field_u64(&w, "oldest_age_ns",
			     o[i].t_oldest && now > o[i].t_oldest ? now - o[i].t_oldest : 0);
		jw_field_u64(&w, "pid", o[i].pid);
		jw_field_string(&w, "comm", o[i].comm);
		jw_field_u64(&w, "pids", o[i].pids);
		jw_field_string(&w, "driver", o[i].driver);
		jw_name(&w, "kstack");
		pt_print_stack_json(&w, pm_stack_text(o[i].kstack));
		jw_name(&w, "ustack");
		pt_print_stack_json(&w, pm_stack_text(o[i].ustack));
		jw_object_end(&w);
	}
	jw_array_end(&w);
	print_json_tail(&w, m);
}

int pt_leaks_parse(int argc, char **argv)
{
	struct leaks_env *env = &leaks_env;

	memset(env, 0, sizeof(*env));
	pt_lifetime_init(&env->lt);
	env->lt.opts.skipped = &env->skipped;
	env->lt.argc = argc;
	env->lt.argv = argv;
	env->depth = 16;
	env->lt.opts.tables_default = true;
	return pt_argp_parse(&leaks_argp, argc, argv, 0, env);
}

/* m's outstanding groups, or its suspects at its "now", as the options say */
static int report(FILE *f, struct leaks_env *env, struct pm_model *m)
{
	struct pm_outstanding *o = NULL;
	struct pm_suspect *s = NULL;
	int n;

	n = env->outstanding ? pm_model_outstanding(m, &o) : pm_model_leaks(m, &env->lo, &s);
	if (n < 0) {
		fprintf(stderr, "%s: out of memory\n", pt_prog);
		return PT_EXIT_ERROR;
	}
	if (env->outstanding && env->json)
		print_outstanding_json(f, m, o, n);
	else if (env->outstanding)
		print_outstanding_text(f, env, m, o, n);
	else if (env->json)
		print_json(f, m, s, n);
	else
		print_text(f, env, m, s, n);
	if (env->outstanding)
		free(o);
	else
		pm_suspects_free(m, s, n);
	return PT_EXIT_OK;
}

int pt_leaks_report(FILE *f, struct pm_model *m)
{
	return report(f, &leaks_env, m);
}

int pt_leaks_run(void)
{
	struct leaks_env *env = &leaks_env;
	int rc, err;

	if (env->lt.connect)
		return pt_lifetime_connect(&env->lt, "leaks");
	env->lt.trace = true;
	/* leaks are found by their stacks */
	if (!env->no_stacks) {
		env->lt.opts.kstack = true;
		env->lt.opts.ustack = true;
	}
	pt_install_signals();
	err = pt_lifetime_run(&env->lt);
	if (err) {
		pt_lifetime_free(&env->lt);
		return PT_EXIT_ERROR;
	}
	pm_model_note_skipped(env->lt.m, env->skipped);
	rc = report(stdout, env, env->lt.m);
	/* a failed timeline is printed by its writer */
	err = pt_lifetime_free(&env->lt);
	if (rc)
		return rc;
	return pt_output_close(stdout, NULL) ?: (err ? PT_EXIT_ERROR : PT_EXIT_OK);
}
