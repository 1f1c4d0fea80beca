// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * primetrace trace and record: every event of the source (source/), as
 * text or JSON lines as it happens ('trace'), or into a file that every
 * analysing command reads back with --input ('record', which also writes
 * the start-up snapshot with -S). Both drive the same loop; record is
 * trace -j to a file.
 */
#include <argp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lifetime.h"
#include "options.h"

static struct trace_env {
	struct pt_trace_opts opts;
	bool json;
	bool quiet;
	const char *output;
	FILE *out;
	__u64 t0;
	bool header;
	/* --perfetto: the timeline, drawn by a lifetime model */
	const char *perfetto;
	struct pm_model *model;
	struct pt_perfetto *timeline;
	bool snapshot;	       /* record -S */
	unsigned long skipped; /* --skip-bad-lines */
	int werr;	       /* the first write error on out */
} trace_env;

static int print_record(const struct pt_record *rec, void *ctx)
{
	struct trace_env *env = ctx;

	if (env->model)
		pm_model_feed(env->model, rec);

	if (env->json) {
		pt_print_json(env->out, rec);
	} else {
		if (!env->header) {
			pt_print_text_header(env->out);
			env->header = true;
		}
		if (!env->t0)
			env->t0 = rec->ev.ts;
		pt_print_text(env->out, rec, env->t0);
	}
	/* a closed pipe or a full disk ends the run */
	if (ferror(env->out)) {
		env->werr = env->werr ?: errno;
		return 1;
	}
	return 0;
}

static int finish(struct trace_env *env, struct pt_summary *sum, int err)
{
	int ret;

	/* a failed timeline is printed by its writer */
	if (env->timeline && pt_perfetto_close(env->timeline, env->model, pm_model_now(env->model)))
		err = err ?: -EIO;
	pm_model_free(env->model);
	if (env->json && !ferror(env->out))
		pt_print_summary_json(env->out, sum);
	if (env->werr) {
		ret = pt_output_error(env->out, env->out == stdout ? NULL : env->output, env->werr);
		if (env->out != stdout)
			fclose(env->out);
	} else {
		ret = pt_output_close(env->out, env->out == stdout ? NULL : env->output);
	}
	/* a run that never started has nothing to sum up */
	if (!err && !env->quiet && (!env->opts.input || sum->have))
		pt_print_summary_text(stderr, sum);
	if (!err && !env->quiet && env->skipped)
		fprintf(stderr, "%s: picture incomplete: %lu malformed input line%s skipped\n",
			pt_prog, env->skipped, env->skipped == 1 ? "" : "s");
	pt_summary_free(sum);
	return err ? PT_EXIT_ERROR : ret;
}

static const char trace_doc[] =
    "Print DRM PRIME and dma-buf events as they happen.\n"
    "\n"
    "USAGE: primetrace trace [-j] [-p PID] [-c CGROUP] [--comm COMM] [-d DEV]\n"
    "         [-b SIZE] [-i MS] [-D SECONDS] [-K] [-U] [--input FILE]\n"
    "\n"
    "EXAMPLES:\n"
    "    primetrace trace                   # every event, one line each\n"
    "    primetrace trace -j                # JSON lines, a summary line last\n"
    "    primetrace trace -d vprime -D 10   # events touching vprime, for 10 s\n"
    "    primetrace trace -p 1234 -K        # one process, with kernel stacks\n"
    "    primetrace trace --input run.json  # replay a recording\n"
    "\n"
    "At exit (Ctrl-C, SIGTERM, a closed pipe, --duration) a summary goes to stderr:\n"
    "events by type, events lost in a full ring buffer, and hooks that attached\n"
    "but were never called.\v";

enum {
	OPT_PERFETTO = 0x300,
};

static const struct argp_option trace_options[] = {
	{ "json", 'j', NULL, 0, "One JSON object per line", 0 },
	{ "perfetto", OPT_PERFETTO, "FILE", 0,
	  "Also write a timeline (Chrome trace-event JSON, for ui.perfetto.dev) to FILE", 0 },
	{ "quiet", 'q', NULL, 0, "No summary on stderr", 0 },
	{ 0 },
};

static const struct argp_option record_options[] = {
	{ "output", 'o', "FILE", 0, "Write JSON lines to FILE (required; - for stdout)", 0 },
	{ "snapshot", 'S', NULL, 0,
	  "Also write what exists when tracing starts and ends (snap_* lines): the buffers, "
	  "fds, mappings and GEM handles 'leaks --input' and 'objects --input' need",
	  0 },
	{ "quiet", 'q', NULL, 0, "No summary on stderr", 0 },
	{ 0 },
};

static error_t parse_trace(int key, char *arg, struct argp_state *state)
{
	struct trace_env *env = state->input;

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &env->opts;
		break;
	case 'j':
		env->json = true;
		break;
	case 'q':
		env->quiet = true;
		env->opts.quiet = true;
		break;
	case 'o':
		env->output = arg;
		break;
	case OPT_PERFETTO:
		env->perfetto = arg;
		break;
	case 'S':
		env->snapshot = true;
		break;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s'", arg);
		return EINVAL;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp trace_argp = {
	.options = trace_options,
	.parser = parse_trace,
	.doc = trace_doc,
	.children = pt_source_child,
};

int pt_trace_parse(int argc, char **argv)
{
	struct trace_env *env = &trace_env;

	memset(env, 0, sizeof(*env));
	pt_trace_opts_init(&env->opts);
	env->opts.skipped = &env->skipped;
	return pt_argp_parse(&trace_argp, argc, argv, 0, env);
}

int pt_trace_run(void)
{
	struct trace_env *env = &trace_env;
	struct pt_summary sum;
	int err;

	env->out = stdout;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (env->perfetto) {
		env->model = pm_model_new(0);
		env->timeline = env->model ? pt_perfetto_open(env->perfetto) : NULL;
		if (!env->timeline) {
			fprintf(stderr, "%s: %s: %s\n", pt_prog, env->perfetto, strerror(errno));
			pm_model_free(env->model);
			return 1;
		}
		pt_perfetto_follow(env->timeline, env->model);
	}
	pt_install_signals();
	err = pt_run(&env->opts, print_record, env, &sum);
	return finish(env, &sum, err);
}

static const char record_doc[] =
    "Record DRM PRIME and dma-buf events as JSON lines, for later analysis with\n"
    "--input (e.g. 'primetrace trace --input FILE').\n"
    "\n"
    "USAGE: primetrace record -o FILE [-S] [-p PID] [-c CGROUP] [--comm COMM]\n"
    "         [-d DEV] [-b SIZE] [-i MS] [-D SECONDS] [-K] [-U]\n"
    "\n"
    "EXAMPLES:\n"
    "    primetrace record -o run.json             # until Ctrl-C\n"
    "    primetrace record -o run.json -D 30 -K    # 30 s, with kernel stacks\n"
    "\n"
    "The last line of the file is the summary: events and drops by type, drops\n"
    "by CPU, and every hook with how it attached and how often it was called.\v";

static error_t parse_record(int key, char *arg, struct argp_state *state)
{
	struct trace_env *env = state->input;

	if (key != ARGP_KEY_END)
		return parse_trace(key, arg, state);
	if (!env->output) {
		argp_error(state, "-o FILE is required");
		return EINVAL;
	}
	if (env->opts.input) {
		argp_error(state, "records the kernel; to replay a file use 'primetrace trace "
				  "--input'");
		return EINVAL;
	}
	return 0;
}

static const struct argp record_argp = {
	.options = record_options,
	.parser = parse_record,
	.doc = record_doc,
	.children = pt_source_child,
};

static int write_snapshot_record(const struct pt_record *rec, void *ctx)
{
	struct trace_env *env = ctx;

	if (pt_filter_match(&env->opts.filter, &rec->ev))
		pt_print_json(env->out, rec);
	if (ferror(env->out)) {
		env->werr = env->werr ?: errno;
		return 1;
	}
	return 0;
}

/* snap_* lines: a failed snapshot is printed, the recording goes on */
static void record_snapshot(void *ctx)
{
	struct trace_env *env = ctx;
	struct pt_snapshot_opts so = {
		.btf_path = env->opts.btf_path,
		.verbose = env->opts.verbose,
	};

	pt_snapshot(&so, write_snapshot_record, env);
}

int pt_record_parse(int argc, char **argv)
{
	struct trace_env *env = &trace_env;

	memset(env, 0, sizeof(*env));
	pt_trace_opts_init(&env->opts);
	return pt_argp_parse(&record_argp, argc, argv, 0, env);
}

int pt_record_run(void)
{
	struct trace_env *env = &trace_env;
	struct pt_summary sum;
	int err;

	env->json = true;
	if (env->snapshot) {
		env->opts.started = record_snapshot;
		env->opts.started_ctx = env;
	}
	if (strcmp(env->output, "-")) {
		env->out = fopen(env->output, "w");
		if (!env->out) {
			fprintf(stderr, "%s: %s: %s\n", pt_prog, env->output, strerror(errno));
			return PT_EXIT_ERROR;
		}
	} else {
		env->out = stdout;
	}
	setvbuf(env->out, NULL, _IOLBF, 0);
	pt_install_signals();
	err = pt_run(&env->opts, print_record, env, &sum);
	if (!err && env->snapshot)
		record_snapshot(env);
	return finish(env, &sum, err);
}
