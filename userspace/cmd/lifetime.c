// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* primetrace: the model behind objects, leaks and top (see lifetime.h) */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lifetime.h"
#include "options.h"

void pt_lifetime_init(struct pt_lifetime *lt)
{
	memset(lt, 0, sizeof(*lt));
	pt_trace_opts_init(&lt->opts);
}

static void lock(struct pt_lifetime *lt)
{
	if (lt->lock)
		pthread_mutex_lock(lt->lock);
}

static void unlock(struct pt_lifetime *lt)
{
	if (lt->lock)
		pthread_mutex_unlock(lt->lock);
}

static int feed(const struct pt_record *rec, void *ctx)
{
	struct pt_lifetime *lt = ctx;

	lock(lt);
	pm_model_feed(lt->m, rec);
	unlock(lt);
	return 0;
}

/* a snapshot's records, through the same filters as the events */
static int feed_snapshot(const struct pt_record *rec, void *ctx)
{
	struct pt_lifetime *lt = ctx;

	return pt_filter_match(&lt->opts.filter, &rec->ev) ? feed(rec, ctx) : 0;
}

static int snapshot(struct pt_lifetime *lt)
{
	struct pt_snapshot_opts so = {
		.btf_path = lt->opts.btf_path,
		.verbose = lt->opts.verbose,
	};
	int err = pt_snapshot(&so, feed_snapshot, lt);

	if (err)
		lt->snapshot_failed = true;
	return err;
}

static void on_started(void *ctx)
{
	struct pt_lifetime *lt = ctx;

	/* a failed snapshot is printed; tracing goes on without it */
	snapshot(lt);
	lt->started = 1;
}

static __u64 mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* a GEM free hook was attached (or the recording says so) */
static bool saw_frees(const struct pt_summary *sum)
{
	static const int hooks[] = { PT_HOOK_GEM_OBJECT_RELEASE, PT_HOOK_GEM_OBJECT_FREE };

	for (size_t i = 0; i < sizeof(hooks) / sizeof(hooks[0]); i++) {
		const char *how = sum->how[hooks[i]];

		if (!strcmp(how, "fentry") || !strcmp(how, "fexit") || !strcmp(how, "kprobe"))
			return true;
	}
	return false;
}

int pt_lifetime_run(struct pt_lifetime *lt)
{
	bool live = !lt->opts.input;
	int err = 0;

	memset(&lt->sum, 0, sizeof(lt->sum));
	lock(lt);
	lt->m = pm_model_new(lt->max_objects);
	unlock(lt);
	if (!lt->m) {
		fprintf(stderr, "primetrace: out of memory\n");
		return -ENOMEM;
	}
	if (lt->perfetto) {
		lt->pf = pt_perfetto_open(lt->perfetto);
		if (!lt->pf) {
			err = -errno;
			fprintf(stderr, "primetrace: %s: %s\n", lt->perfetto, strerror(errno));
			return err;
		}
		pt_perfetto_follow(lt->pf, lt->m);
	}
	/*
	 * Live: what exists, read once the hooks are attached (so that
	 * nothing made meanwhile is missed), then the events, then what is
	 * left. Without tracing, the snapshot alone.
	 */
	if (live && lt->trace) {
		lt->opts.started = on_started;
		lt->opts.started_ctx = lt;
	} else if (live) {
		err = snapshot(lt);
		if (err)
			return err;
		lt->started = 1;
	} else {
		lt->started = 1;
	}
	if (!live || lt->trace) {
		err = pt_run(&lt->opts, feed, lt, &lt->sum);
		if (err)
			return err;
	}
	if (live && lt->trace && !lt->no_end_snapshot && snapshot(lt))
		return -EIO;
	lock(lt);
	pm_model_note_drops(lt->m, pt_summary_drops(&lt->sum));
	pm_model_note_table_lost(lt->m, lt->sum.table_lost);
	/* the tables hold no frees, and no rule of theirs needs one */
	if ((lt->trace || !live) && (live || lt->sum.have) && !lt->opts.tables &&
	    !saw_frees(&lt->sum))
		pm_model_note_no_free(lt->m);
	pm_model_set_now(lt->m, live ? mono_now() : 0);
	unlock(lt);
	return 0;
}

int pt_lifetime_free(struct pt_lifetime *lt)
{
	int err = 0;

	if (lt->pf) {
		err = pt_perfetto_close(lt->pf, lt->m, pm_model_now(lt->m));
		lt->pf = NULL;
	}
	lock(lt);
	pm_model_free(lt->m);
	lt->m = NULL;
	unlock(lt);
	pt_summary_free(&lt->sum);
	return err;
}

/* --- --tables --------------------------------------------------------------- */

enum {
	OPT_TABLES = 0x300,
	OPT_TABLE_SIZE,
	OPT_STREAM,
};

static const struct argp_option tables_options[] = {
	{ "tables", OPT_TABLES, NULL, 0,
	  "Keep the live buffers and GEM handles in kernel tables, read when needed, instead "
	  "of streaming every event (cheaper; the rules that judge history do not run). The "
	  "default of leaks, objects -D and top",
	  0 },
	{ "stream", OPT_STREAM, NULL, 0,
	  "Stream every event to userspace instead: every rule, at a higher cost. The "
	  "default of monitor",
	  0 },
	{ "table-size", OPT_TABLE_SIZE, "N", 0,
	  "With the tables: entries per kernel table (default 65536)", 0 },
	{ 0 },
};

static error_t parse_tables(int key, char *arg, struct argp_state *state)
{
	struct pt_trace_opts *o = state->input;
	unsigned long v;

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = o;
		break;
	case OPT_TABLES:
		o->tables = PT_TABLES_ONLY;
		o->tables_asked = true;
		break;
	case OPT_STREAM:
		o->stream = true;
		break;
	case OPT_TABLE_SIZE:
		if (pt_parse_uint(arg, 1, 16777216, &v)) {
			argp_error(state, "--table-size %s: 1 to 16777216", arg);
			return EINVAL;
		}
		o->table_size = v;
		break;
	case ARGP_KEY_END:
		if (o->stream && o->tables) {
			argp_error(state, "--stream or --tables: not both");
			return EINVAL;
		}
		if (o->input && o->tables) {
			argp_error(state, "--tables traces the kernel: not with --input");
			return EINVAL;
		}
		if (o->tables_default && !o->stream && !o->input)
			o->tables = PT_TABLES_ONLY;
		if (o->table_size && !o->tables) {
			argp_error(state, "--table-size goes with the kernel tables (not with "
					  "--stream or --input)");
			return EINVAL;
		}
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp tables_argp = {
	.options = tables_options,
	.parser = parse_tables,
	.children = pt_source_child,
};

const struct argp_child pt_tables_child[] = {
	{ &tables_argp, 0, NULL, 0 },
	{ 0 },
};

static const struct argp live_tables_argp = {
	.options = tables_options,
	.parser = parse_tables,
	.children = pt_live_source_child,
};

const struct argp_child pt_live_tables_child[] = {
	{ &live_tables_argp, 0, NULL, 0 },
	{ 0 },
};

/* --- output -------------------------------------------------------------- */

const char *pt_size_text(char *buf, size_t len, __u64 size)
{
	if (size >= (1ULL << 30) && !(size & ((1ULL << 30) - 1)))
		snprintf(buf, len, "%llu GiB", (unsigned long long)(size >> 30));
	else if (size >= (1ULL << 20) && !(size & ((1ULL << 20) - 1)))
		snprintf(buf, len, "%llu MiB", (unsigned long long)(size >> 20));
	else if (size >= 1024 && !(size & 1023))
		snprintf(buf, len, "%llu KiB", (unsigned long long)(size >> 10));
	else
		snprintf(buf, len, "%llu B", (unsigned long long)size);
	return buf;
}

const char *pt_age_text(char *buf, size_t len, __u64 ns)
{
	__u64 s = ns / 1000000000ULL;

	if (!ns)
		snprintf(buf, len, "-");
	else if (s < 60)
		snprintf(buf, len, "%.1fs", ns / 1e9);
	else if (s < 3600)
		snprintf(buf, len, "%llum%02llus", s / 60, s % 60);
	else
		snprintf(buf, len, "%lluh%02llum", s / 3600, (s / 60) % 60);
	return buf;
}

const char *pt_exporter_text(char *buf, size_t len, const struct pm_buf *b)
{
	return pm_buf_exporter(buf, len, b);
}

/*
 * The trampoline and the program that took the stack are not the kernel's
 * story, nor is an ftrace trampoline (another tracer's, or a kprobe's, on
 * a function of the path)
 */
static bool bpf_frame(const char *frame, size_t len)
{
	return (len > 9 && !strncmp(frame, "bpf_prog_", 9)) ||
	       (len > 15 && !strncmp(frame, "bpf_trampoline_", 15)) ||
	       (len > 17 && !strncmp(frame, "ftrace_trampoline", 17));
}

/* "func+0xoff": the length of func and the offset, or false */
static bool frame_split(const char *frame, size_t len, size_t *flen, unsigned long *off)
{
	const char *plus = memchr(frame, '+', len);

	if (!plus || plus + 3 > frame + len || strncmp(plus, "+0x", 3))
		return false;
	*flen = plus - frame;
	*off = strtoul(plus + 3, NULL, 16);
	return true;
}

/*
 * Each function traced with fentry/fexit on the way shows twice: at its
 * call site, then right after its first instruction (+0x5, +0x9 with
 * IBT's endbr), where its trampoline was entered. The second goes.
 */
static bool skip_frame(const char *frame, size_t len, const char *prev, size_t plen)
{
	unsigned long off, poff;
	size_t flen, pflen;

	if (bpf_frame(frame, len))
		return true;
	if (!prev || !frame_split(frame, len, &flen, &off) ||
	    !frame_split(prev, plen, &pflen, &poff))
		return false;
	return off <= 0x9 && flen == pflen && !strncmp(frame, prev, flen);
}

void pt_print_stack(FILE *f, const char *stack, const char *indent, int max)
{
	const char *prev = NULL;
	size_t plen = 0;
	int n = 0;

	for (const char *p = stack; p && *p && (!max || n < max);) {
		size_t len = strcspn(p, ";");

		if (!skip_frame(p, len, prev, plen)) {
			/* user frames are named from binaries anyone can write */
			fputs(indent, f);
			pt_fputs_text(f, p, len);
			fputc('\n', f);
			n++;
		}
		if (!bpf_frame(p, len)) {
			prev = p;
			plen = len;
		}
		p += len;
		if (*p == ';')
			p++;
	}
}

void pt_print_stack_json(struct jw *w, const char *stack)
{
	const char *prev = NULL;
	char frame[256];
	size_t plen = 0;

	jw_array_begin(w);
	for (const char *p = stack; p && *p;) {
		size_t len = strcspn(p, ";");

		if (!skip_frame(p, len, prev, plen)) {
			snprintf(frame, sizeof(frame), "%.*s", (int)len, p);
			jw_string(w, frame);
		}
		if (!bpf_frame(p, len)) {
			prev = p;
			plen = len;
		}
		p += len;
		if (*p == ';')
			p++;
	}
	jw_array_end(w);
}

int pt_parse_uint(const char *arg, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;

	if (!arg || *arg == '-')
		return -EINVAL;
	errno = 0;
	*out = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || *out < min || *out > max)
		return -EINVAL;
	return 0;
}

int pt_parse_seconds(const char *arg, double *out)
{
	size_t digits = strspn(arg, "0123456789"), frac = 0;
	char *end;

	/* decimal only: strtod() would take 0x10, 1e3, inf and nan */
	if (arg[digits] == '.')
		frac = strspn(arg + digits + 1, "0123456789");
	if (!digits && !frac)
		return -EINVAL;
	if (arg[digits + (arg[digits] == '.' ? 1 + frac : 0)])
		return -EINVAL;
	errno = 0;
	*out = strtod(arg, &end);
	if (errno || end == arg || *end || !(*out >= 0) || *out > 1e7)
		return -EINVAL;
	return 0;
}
