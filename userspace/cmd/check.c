// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * primetrace check: the PRIME invariants (checker.c), verified live.
 *
 * The BPF side is the tracer's (bpf/primetrace.bpf.c, hooks chosen as by
 * 'trace'); every record goes through the rules as it arrives. Three ways
 * to run it:
 *
 *   primetrace check                    every violation, one line each,
 *                                       until Ctrl-C or --duration
 *   primetrace check -- CMD ARGS        CMD runs as a child, in a session
 *   primetrace check --serve PATH       sessions for 'check --connect PATH
 *                                       -- CMD', one BPF setup for many
 *
 * A session is the conversation of conformance/lib/igt_core.c: CMD gets
 * PRIMETRACE_CHECK_FDS=FD (a socket) and writes "begin TEST SUBTEST" and
 * "end TEST SUBTEST RESULT" around each subtest; the checker answers each
 * line with "ok" or "fail REASON". Before answering "end" it has read every
 * event up to that moment and compared vprime's debugfs with what the hooks
 * saw. The hooks take seconds to attach and detach on a slow machine, so a
 * test suite starts one server and runs each binary through a client.
 */
#include <argp.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "checker.h"
#include "json_writer.h"
#include "lifetime.h"
#include "options.h"
#include "source.h"
#include "run.h"

#define CHECK_RINGBUF_DEFAULT (16u << 20)
#define POLL_MS		      50
#define MAX_SESSIONS	      16
#define MAX_REPORTS	      256
#define VPRIME_DEBUGFS	      "/sys/kernel/debug/vprime"
#define MODE_UNSET	      ((enum pt_attach_mode) - 1)

static struct check_env {
	struct pt_trace_opts opts; /* --attach, --btf, -v; ring buffer, duration, input */
	bool json;
	bool quiet;
	const char *serve;
	const char *connect;
	char **cmd;
	bool mode_default; /* no --attach: kprobes */
	int werr;	   /* the first error writing stdout */
} env;

/* stdout is line-buffered: a write error is seen where the line ends */
static void out_check(void)
{
	if (ferror(stdout) && !env.werr)
		env.werr = errno ?: EIO;
}

/* --- output ------------------------------------------------------------------ */

/* copy, cut to fit */
static void scopy(char *dst, size_t len, const char *src)
{
	size_t n = strnlen(src, len - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* "L3 import-teardown: prime_cross[165]: imported GEM object ..." */
static void format_violation(char *buf, size_t len, const struct pc_violation *v)
{
	char raw[600];

	if (v->pid)
		snprintf(raw, sizeof(raw), "%s %s: %s[%u]: %s", pc_rule_invariant(v->rule),
			 pc_rule_name(v->rule), v->comm, v->pid, v->text);
	else
		snprintf(raw, sizeof(raw), "%s %s: %s", pc_rule_invariant(v->rule),
			 pc_rule_name(v->rule), v->text);
	/* the comm is any process's to set: one line, escaped, also for the sessions */
	pt_escape(buf, len, raw, strlen(raw));
}

static void print_json(FILE *f, const struct pc_violation *v, const char *test, const char *subtest)
{
	struct jw w;

	jw_init(&w, f);
	jw_document_begin(&w);
	jw_field_string(&w, "rule", pc_rule_name(v->rule));
	jw_field_string(&w, "invariant", pc_rule_invariant(v->rule));
	jw_field_u64(&w, "ts", v->ts);
	jw_field_u64(&w, "pid", v->pid);
	jw_field_string(&w, "comm", v->comm);
	jw_field_hex(&w, "obj", v->obj);
	jw_field_u64(&w, "ino", v->ino);
	if (test) {
		jw_field_string(&w, "test", test);
		jw_field_string(&w, "subtest", subtest ? subtest : "");
	}
	jw_field_string(&w, "text", v->text);
	jw_object_end(&w);
	jw_newline(&w);
}

/* --- sessions -------------------------------------------------------------------- */

struct session {
	int fd;
	bool child; /* the internal session of 'check -- CMD' */
	char in[1024];
	size_t inlen;
	bool in_subtest;
	char test[64];
	char subtest[128];
	/* the current subtest's findings */
	unsigned int nsub;
	char first[400];
	unsigned int inc;
	char inc_text[300];
	/* everything found while the session was open, for its report */
	char *reports[MAX_REPORTS];
	unsigned int nreports, lost_reports;
	unsigned int outside; /* violations outside any subtest */
};

struct live {
	struct pt_source *src; /* the tracer's, or the recording */
	struct pc_checker *c;
	__u64 drops_seen;
	__u64 misses_seen;
	/* vprime instances: debugfs index and primary minor */
	int ninst;
	int inst[16], minor[16];
	/* sessions */
	int listen_fd;
	struct session *sessions[MAX_SESSIONS];
	int nsessions;
	__u64 unattributed; /* violations while no session was open */
	__u64 violations;
	pid_t child;
	int child_status;
	bool child_done;
	unsigned int child_outside; /* its session's violations outside subtests */
};

static volatile sig_atomic_t got_signal;
/* the checker's own priority is raised; a child gets this one back */
static int nice_before;

static void on_signal(int sig)
{
	got_signal = sig;
}

static void session_report(struct session *s, const char *line)
{
	if (s->nreports == MAX_REPORTS) {
		s->lost_reports++;
		return;
	}
	s->reports[s->nreports] = strdup(line);
	if (s->reports[s->nreports])
		s->nreports++;
}

static void session_free(struct session *s)
{
	for (unsigned int i = 0; i < s->nreports; i++)
		free(s->reports[i]);
	if (s->fd >= 0)
		close(s->fd);
	free(s);
}

/* --- routing what the checker found ------------------------------------------------ */

static void route(struct live *l, const struct pc_violation *v)
{
	char line[600], ctx[256];

	l->violations++;
	format_violation(line, sizeof(line), v);
	if (!l->nsessions) {
		l->unattributed++;
		if (env.json) {
			print_json(stdout, v, NULL, NULL);
		} else if (env.serve) {
			fprintf(stderr, "primetrace check: %s\n", line);
		} else {
			printf("%s\n", line);
		}
		out_check();
		return;
	}
	for (int i = 0; i < l->nsessions; i++) {
		struct session *s = l->sessions[i];
		char full[900];

		if (s->in_subtest) {
			snprintf(ctx, sizeof(ctx), "%s/%s", s->test, s->subtest);
			if (!s->nsub++)
				scopy(s->first, sizeof(s->first), line);
		} else {
			snprintf(ctx, sizeof(ctx), "%s (outside subtests)",
				 s->test[0] ? s->test : "command");
			s->outside++;
		}
		snprintf(full, sizeof(full), "primetrace check: %s: %s", ctx, line);
		/* the child's log gets it now; a client prints it at the end */
		if (s->child)
			fprintf(stderr, "%s\n", full);
		else
			session_report(s, full);
		/* a server's own output: everything, with the subtest it belongs to */
		if (env.json && env.serve) {
			print_json(stdout, v, s->test, s->in_subtest ? s->subtest : NULL);
			out_check();
		} else if (env.serve)
			fprintf(stderr, "%s\n", full);
	}
}

static void route_incomplete(struct live *l, unsigned int inc, const char *text)
{
	if (!inc)
		return;
	for (int i = 0; i < l->nsessions; i++) {
		struct session *s = l->sessions[i];

		if (!s->in_subtest)
			continue;
		s->inc |= inc;
		if (!s->inc_text[0])
			scopy(s->inc_text, sizeof(s->inc_text), text);
	}
	if (!env.quiet)
		fprintf(stderr, "primetrace check: incomplete: %s\n", text);
}

/* hand out what the checker found since the last time */
static void collect(struct live *l)
{
	struct pc_violation *v;
	unsigned int inc;
	char text[300];
	/* read at every poll: neither is a map lookup (source.h) */
	__u64 drops = pt_source_drops(l->src), misses = pt_source_misses(l->src, NULL, NULL);
	size_t n;

	if (drops > l->drops_seen) {
		pc_checker_note_drops(l->c, drops - l->drops_seen);
		l->drops_seen = drops;
	}
	if (misses > l->misses_seen) {
		pc_checker_note_missed(l->c, misses - l->misses_seen);
		l->misses_seen = misses;
	}
	n = pc_checker_take(l->c, &v, &inc, text, sizeof(text));
	for (size_t i = 0; i < n; i++)
		route(l, &v[i]);
	free(v);
	route_incomplete(l, inc, text);
	if (!l->nsessions)
		fflush(stdout);
}

/* --- the BPF side ---------------------------------------------------------------- */

/*
 * Hooks whose events no rule reads: off, so that a busy workload makes
 * fewer events and the checker keeps up with the rest (the inner helpers
 * of the PRIME ioctls, whose results the ioctl hooks report, and the
 * dma-buf calls that create no reference the rules count).
 */
static const __u32 unused_hooks[] = {
	PT_HOOK_GEM_PRIME_HANDLE_TO_FD, PT_HOOK_GEM_PRIME_HANDLE_TO_DMABUF,
	PT_HOOK_GEM_PRIME_FD_TO_HANDLE, PT_HOOK_DMA_BUF_FD,
	PT_HOOK_DMA_BUF_FD_INSTALL,	PT_HOOK_DMA_BUF_GET,
	PT_HOOK_DMA_BUF_MAP_ATTACHMENT, PT_HOOK_DMA_BUF_UNMAP_ATTACHMENT,
	PT_HOOK_DMA_BUF_MMAP_INTERNAL,	PT_HOOK_DMA_BUF_MMAP,
	PT_HOOK_DMA_BUF_VMAP,		PT_HOOK_DMA_BUF_VUNMAP,
};

static int on_record(const struct pt_record *rec, void *ctx)
{
	struct live *l = ctx;

	pc_checker_feed(l->c, rec);
	return 0;
}

/*
 * The tracer's event source, for a checker: no filters, no stacks, the
 * hooks no rule reads off, and the ring buffer read on a timer so that a
 * busy workload does not wake it per event.
 */
static int live_open(struct live *l)
{
	const struct pt_trace_opts *opts = &env.opts;
	/*
	 * kprobes unless told otherwise: a kprobe program runs with preemption
	 * off, while an fentry program can be preempted on a preemptible
	 * kernel, and the same program's next call on that CPU is then
	 * skipped (counted as missed: an incomplete verdict).
	 */
	struct pt_source_opts so = {
		.prog = "primetrace check",
		.fn = on_record,
		.ctx = l,
		.ringbuf_size = opts->ringbuf_size ?: CHECK_RINGBUF_DEFAULT,
		.mode = opts->mode,
		.mode_preferred = env.mode_default,
		.off = unused_hooks,
		.noff = sizeof(unused_hooks) / sizeof(unused_hooks[0]),
		.btf_path = opts->btf_path,
		.verbose = opts->verbose,
	};
	const struct pt_kernel *pk;
	int err;

	pt_filter_init(&so.filter);
	err = pt_source_open(&so, &l->src);
	if (!err)
		err = pt_source_attach(l->src);
	if (err)
		return err;
	pk = pt_source_kernel(l->src);
	for (__u32 id = 1; id < PT_HOOK_MAX; id++)
		pc_checker_set_hook(l->c, id, pt_how_active(pk->hooks[id].how));
	/*
	 * A verdict after lost events is worth nothing: ahead of the workload
	 * for the CPU, the checker slows a busy one down instead of falling
	 * behind it (as root; otherwise it stays as it is).
	 */
	errno = 0;
	nice_before = getpriority(PRIO_PROCESS, 0);
	if (!errno)
		setpriority(PRIO_PROCESS, 0, -10);
	return 0;
}

/* read everything the ring buffer holds now */
static void drain(struct live *l)
{
	if (l->src)
		pt_source_consume(l->src);
}

/* --- vprime's ground truth ---------------------------------------------------------- */

static void find_instances(struct live *l)
{
	DIR *d = opendir(VPRIME_DEBUGFS);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d)) && l->ninst < 16) {
		char path[300], line[64];
		int idx, minor;
		FILE *f;

		if (sscanf(de->d_name, "%d", &idx) != 1)
			continue;
		snprintf(path, sizeof(path), VPRIME_DEBUGFS "/%s/card", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(line, sizeof(line), f) && sscanf(line, "card%d", &minor) == 1) {
			l->inst[l->ninst] = idx;
			l->minor[l->ninst] = minor;
			l->ninst++;
		}
		fclose(f);
	}
	closedir(d);
}

/*
 * One debugfs file, whole (under faults it can be long): "" when it is not
 * there (as if empty), NULL when it could not be read to its end, printed:
 * half a picture would be compared as the whole.
 */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r"), *m;
	char *buf = NULL, chunk[4096];
	size_t len = 0, n;
	bool bad;

	if (!f)
		return strdup("");
	m = open_memstream(&buf, &len);
	if (!m) {
		fclose(f);
		return NULL;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, m);
	bad = ferror(f);
	if (bad)
		fprintf(stderr, "%s: %s: %s\n", pt_prog, path, strerror(errno ?: EIO));
	fclose(f);
	if (fclose(m) || bad) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* each line of text, with its newline, to fn */
static void feed_lines(char *text, void (*fn)(struct pc_checker *, const char *),
		       struct pc_checker *c)
{
	for (char *p = text; *p;) {
		char *nl = strchr(p, '\n'), keep;

		if (!nl) {
			fn(c, p);
			break;
		}
		keep = nl[1];
		nl[1] = '\0';
		fn(c, p);
		nl[1] = keep;
		p = nl + 1;
	}
}

static void ground_truth(struct live *l, bool baseline)
{
	char path[300];

	pc_truth_baseline(l->c, baseline);
	for (int i = 0; i < l->ninst; i++) {
		char *objects, *files;

		snprintf(path, sizeof(path), VPRIME_DEBUGFS "/%d/objects", l->inst[i]);
		objects = slurp(path);
		snprintf(path, sizeof(path), VPRIME_DEBUGFS "/%d/files", l->inst[i]);
		files = objects ? slurp(path) : NULL;
		if (objects && files) {
			pc_truth_begin(l->c, l->inst[i], l->minor[i]);
			feed_lines(objects, pc_truth_objects_line, l->c);
			feed_lines(files, pc_truth_files_line, l->c);
			pc_truth_end(l->c);
		}
		free(objects);
		free(files);
	}
	pc_truth_baseline(l->c, false);
}

/* --- the session protocol -------------------------------------------------------------- */

static void answer(struct session *s, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf) - 1)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	/* a peer that went away is seen at its next read */
	if (write(s->fd, buf, n) != n)
		return;
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* everything up to now is in: read, compare, hand out */
static void quiesce(struct live *l, bool truth)
{
	drain(l);
	pc_checker_settle(l->c, now_ns());
	if (truth)
		ground_truth(l, false);
	collect(l);
}

static void on_begin(struct live *l, struct session *s, const char *test, const char *subtest)
{
	quiesce(l, false);
	scopy(s->test, sizeof(s->test), test);
	scopy(s->subtest, sizeof(s->subtest), subtest);
	s->in_subtest = true;
	s->nsub = 0;
	s->first[0] = '\0';
	s->inc = 0;
	s->inc_text[0] = '\0';
	answer(s, "ok");
}

static void on_end(struct live *l, struct session *s)
{
	char full[600];

	quiesce(l, true);
	s->in_subtest = false;
	if (s->nsub > 1) {
		answer(s, "fail %s (and %u more)", s->first, s->nsub - 1);
	} else if (s->nsub) {
		answer(s, "fail %s", s->first);
	} else if (s->inc) {
		answer(s, "fail incomplete: %s", s->inc_text);
		/* in the log too, like the violations */
		snprintf(full, sizeof(full), "primetrace check: %s/%s: incomplete: %s", s->test,
			 s->subtest, s->inc_text);
		if (s->child)
			fprintf(stderr, "%s\n", full);
		else
			session_report(s, full);
	} else {
		answer(s, "ok");
	}
}

/* a client's child is done: its report, then "done N" */
static void on_exit_request(struct live *l, struct session *s)
{
	quiesce(l, false);
	for (unsigned int i = 0; i < s->nreports; i++)
		answer(s, "report %s", s->reports[i]);
	if (s->lost_reports)
		answer(s, "report primetrace check: %u more not kept", s->lost_reports);
	answer(s, "done %u", s->outside);
}

static void session_line(struct live *l, struct session *s, char *line)
{
	char cmd[16], a[128], b[128];
	int n = sscanf(line, "%15s %127s %127s", cmd, a, b);

	if (n >= 3 && !strcmp(cmd, "begin"))
		on_begin(l, s, a, b);
	else if (n >= 3 && !strcmp(cmd, "end"))
		on_end(l, s);
	else if (n >= 1 && !strcmp(cmd, "exit") && !s->child)
		on_exit_request(l, s);
	else
		answer(s, "fail primetrace check: unknown request '%.100s'", line);
}

/* false when the peer is gone */
static bool session_read(struct live *l, struct session *s)
{
	ssize_t r = read(s->fd, s->in + s->inlen, sizeof(s->in) - 1 - s->inlen);
	char *nl;

	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (r <= 0)
		return false;
	s->inlen += r;
	s->in[s->inlen] = '\0';
	while ((nl = strchr(s->in, '\n'))) {
		*nl = '\0';
		session_line(l, s, s->in);
		s->inlen -= nl + 1 - s->in;
		memmove(s->in, nl + 1, s->inlen + 1);
	}
	if (s->inlen == sizeof(s->in) - 1)
		s->inlen = 0; /* a line this long is not the protocol's */
	return true;
}

static struct session *session_add(struct live *l, int fd, bool child)
{
	struct session *s;

	if (l->nsessions == MAX_SESSIONS)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->fd = fd;
	s->child = child;
	l->sessions[l->nsessions++] = s;
	return s;
}

static void session_close(struct live *l, int i)
{
	struct session *s = l->sessions[i];

	/* a subtest that never ended (the child died in it) */
	quiesce(l, false);
	if (s->child)
		l->child_outside = s->outside;
	l->sessions[i] = l->sessions[--l->nsessions];
	session_free(s);
}

/* --- running ------------------------------------------------------------------------ */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static pid_t spawn(char **cmd, int fd)
{
	pid_t pid = fork();
	char val[16];

	if (pid)
		return pid;
	/* the child keeps its end across exec, the checker's ends go */
	fd = fcntl(fd, F_DUPFD, 3);
	snprintf(val, sizeof(val), "%d", fd);
	setenv("PRIMETRACE_CHECK_FDS", val, 1);
	signal(SIGPIPE, SIG_DFL);
	setpriority(PRIO_PROCESS, 0, nice_before);
	execvp(cmd[0], cmd);
	fprintf(stderr, "primetrace check: %s: %s\n", cmd[0], strerror(errno));
	_exit(127);
}

static int exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}

/* a checker serves on path already: say so */
static bool serving(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	bool yes = false;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return false;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && !connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr,
			"primetrace check: --serve %s: a checker is already serving there\n", path);
		yes = true;
	}
	if (fd >= 0)
		close(fd);
	return yes;
}

static int serve_socket(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "primetrace check: --serve %s: path too long\n", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* a socket left by a server that is gone */
	if (serving(path)) {
		close(fd);
		return -1;
	}
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 8)) {
		fprintf(stderr, "primetrace check: --serve %s: %s\n", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* which programs skipped calls, and how many: where the picture has holes */
static void say_miss(const char *prog, __u64 n, void *ctx)
{
	const char **sep = ctx;

	fprintf(stderr, "%s%s %llu", *sep, prog, (unsigned long long)n);
	*sep = ", ";
}

static void say_misses(struct live *l)
{
	const char *sep = "primetrace check: missed by ";

	pt_source_misses(l->src, say_miss, &sep);
	if (sep[0] == ',')
		fputc('\n', stderr);
}

static void summary(struct live *l)
{
	struct pc_stats st;
	bool first = true;

	if (env.quiet)
		return;
	pc_checker_stats(l->c, &st);
	fprintf(stderr, "primetrace check: %llu events, %llu violation%s",
		(unsigned long long)st.events, (unsigned long long)l->violations,
		l->violations == 1 ? "" : "s");
	for (int r = 0; r < PC_RULE_MAX; r++) {
		if (!st.violations[r])
			continue;
		fprintf(stderr, "%s%s %s %llu", first ? " (" : ", ", pc_rule_invariant(r),
			pc_rule_name(r), (unsigned long long)st.violations[r]);
		first = false;
	}
	fprintf(stderr, "%s, %llu lost, %llu missed, %llu ground-truth comparisons\n",
		first ? "" : ")", (unsigned long long)st.drops, (unsigned long long)st.missed,
		(unsigned long long)st.truth_checks);
	if (st.missed)
		say_misses(l);
}

static void say_rules_off(struct live *l)
{
	const struct pt_kernel *pk;
	char why[200];
	int off = 0;

	for (int r = 0; r < PC_RULE_MAX; r++)
		off += !pc_checker_rule_on(l->c, r, NULL, 0);
	if (!off || env.quiet)
		return;
	pk = l->src ? pt_source_kernel(l->src) : NULL;
	if (off == PC_RULE_MAX && pk && !pk->drm_loaded) {
		fprintf(stderr, "primetrace check: drm is not loaded: no rule can run\n");
		return;
	}
	for (int r = 0; r < PC_RULE_MAX; r++)
		if (!pc_checker_rule_on(l->c, r, why, sizeof(why)))
			fprintf(stderr, "primetrace check: rule %s %s is off: %s\n",
				pc_rule_invariant(r), pc_rule_name(r), why);
}

static int run_live(void)
{
	struct live l = { .listen_fd = -1, .child = -1 };
	double deadline = 0;
	int err, ret = 0;

	l.c = pc_checker_new();
	if (!l.c) {
		fprintf(stderr, "primetrace check: out of memory\n");
		return 1;
	}
	/* before the seconds of attaching: is the place taken? */
	if (env.serve && serving(env.serve)) {
		err = -EADDRINUSE;
		goto out;
	}
	err = live_open(&l);
	if (err)
		goto out;
	say_rules_off(&l);
	find_instances(&l);
	ground_truth(&l, true);

	if (env.serve) {
		l.listen_fd = serve_socket(env.serve);
		if (l.listen_fd < 0) {
			err = -EINVAL;
			goto out;
		}
		if (!env.quiet)
			fprintf(stderr, "primetrace check: serving on %s\n", env.serve);
	} else if (env.cmd) {
		int sv[2];

		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
			err = -errno;
			fprintf(stderr, "primetrace check: socketpair: %s\n", strerror(errno));
			goto out;
		}
		fflush(NULL);
		l.child = spawn(env.cmd, sv[1]);
		close(sv[1]);
		if (l.child < 0) {
			err = -errno;
			close(sv[0]);
			fprintf(stderr, "primetrace check: fork: %s\n", strerror(errno));
			goto out;
		}
		session_add(&l, sv[0], true);
	} else if (!env.quiet) {
		fprintf(stderr, "primetrace check: checking with %d hooks; Ctrl-C to end\n",
			pt_source_hooks(l.src, NULL));
	}
	if (env.opts.duration > 0)
		deadline = now_s() + env.opts.duration;

	for (;;) {
		struct pollfd pfd[MAX_SESSIONS + 1];
		int n = 0;

		if (got_signal) {
			/* with a child, the signal is the child's to act on */
			if (l.child > 0 && !l.child_done) {
				kill(l.child, got_signal);
				got_signal = 0;
			} else {
				break;
			}
		}
		if (deadline && now_s() >= deadline && l.child <= 0)
			break;
		for (int i = 0; i < l.nsessions; i++) {
			pfd[n].fd = l.sessions[i]->fd;
			pfd[n++].events = POLLIN;
		}
		if (l.listen_fd >= 0) {
			pfd[n].fd = l.listen_fd;
			pfd[n++].events = POLLIN;
		}
		if (poll(pfd, n, POLL_MS) < 0 && errno != EINTR) {
			fprintf(stderr, "primetrace check: poll: %s\n", strerror(errno));
			break;
		}
		drain(&l);
		collect(&l);
		for (int i = 0; i < l.nsessions; i++) {
			if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (session_read(&l, l.sessions[i]))
				continue;
			session_close(&l, i);
			/* the rest moved: read them next round */
			break;
		}
		if (l.listen_fd >= 0 && (pfd[n - 1].revents & POLLIN)) {
			int fd = accept4(l.listen_fd, NULL, NULL, SOCK_CLOEXEC);

			/* refused: the peer reads EOF instead of an answer */
			if (fd >= 0 && !session_add(&l, fd, false))
				close(fd);
		}
		if (l.child > 0 && !l.child_done &&
		    waitpid(l.child, &l.child_status, WNOHANG) == l.child)
			l.child_done = true;
		if (l.child > 0 && l.child_done && !l.nsessions)
			break;
	}

	/* what the last events showed, then the verdict */
	quiesce(&l, false);
	while (l.nsessions)
		session_close(&l, 0);
	if (l.child > 0) {
		if (!l.child_done)
			waitpid(l.child, &l.child_status, 0);
		ret = exit_code(l.child_status) ?: (l.child_outside ? PT_EXIT_VIOLATIONS : 0);
	} else if (!env.serve) {
		ret = l.violations ? PT_EXIT_VIOLATIONS : 0;
	} else {
		ret = l.unattributed ? PT_EXIT_VIOLATIONS : 0;
	}
	summary(&l);
out:
	if (l.listen_fd >= 0) {
		close(l.listen_fd);
		unlink(env.serve);
	}
	pt_source_close(l.src);
	pc_checker_free(l.c);
	if (!err &&
	    (env.werr ? pt_output_error(stdout, NULL, env.werr) : pt_output_close(stdout, NULL)))
		err = -EIO;
	return err ? PT_EXIT_ERROR : ret;
}

/* --- a session of a server ---------------------------------------------------------------- */

static int connect_socket(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	double until = now_s() + 5;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "primetrace check: --connect %s: path too long\n", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	for (;;) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			break;
		if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
			return fd;
		close(fd);
		/* a server between bind() and listen() */
		if (errno != ECONNREFUSED || now_s() > until)
			break;
		usleep(50000);
	}
	fprintf(stderr, "primetrace check: --connect %s: %s\n", path, strerror(errno));
	return -1;
}

static int run_client(void)
{
	int fd = connect_socket(env.connect), status, ret;
	FILE *in;
	char *line = NULL;
	size_t cap = 0;
	unsigned int outside = 0;
	bool done = false;
	pid_t pid;

	if (fd < 0)
		return 1;
	fflush(NULL);
	pid = spawn(env.cmd, fd);
	if (pid < 0) {
		fprintf(stderr, "primetrace check: fork: %s\n", strerror(errno));
		return 1;
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			status = 1 << 8;
			break;
		}
		if (got_signal) {
			kill(pid, got_signal);
			got_signal = 0;
		}
	}
	ret = exit_code(status);
	/* the report of the session: what the child's log has to show */
	if (dprintf(fd, "exit %d\n", ret) < 0 || !(in = fdopen(fd, "r"))) {
		fprintf(stderr, "primetrace check: the checker at %s went away\n", env.connect);
		return ret ?: 1;
	}
	while (getline(&line, &cap, in) > 0) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "report ", 7)) {
			fprintf(stderr, "%s\n", line + 7);
		} else if (sscanf(line, "done %u", &outside) == 1) {
			done = true;
			break;
		}
	}
	if (!done && ferror(in))
		fprintf(stderr, "%s: --connect %s: %s\n", pt_prog, env.connect,
			strerror(errno ?: EIO));
	free(line);
	fclose(in);
	if (!done) {
		fprintf(stderr, "primetrace check: the checker at %s went away\n", env.connect);
		return ret ?: 1;
	}
	return ret ?: (outside ? PT_EXIT_VIOLATIONS : 0);
}

/* --- a recording ---------------------------------------------------------------------- */

static bool how_active(const char *how)
{
	return !strcmp(how, "fentry") || !strcmp(how, "fexit") || !strcmp(how, "kprobe") ||
	       !strcmp(how, "kretprobe") || !strcmp(how, "tracepoint");
}

static int feed_record(const struct pt_record *rec, void *ctx)
{
	struct live *l = ctx;

	pc_checker_feed(l->c, rec);
	collect(l);
	return 0;
}

/*
 * Two passes: the summary, last in the file, says which hooks were
 * attached before the first event is judged. An input that cannot be read
 * twice (a pipe) is copied to a temporary file first.
 */
static int run_input(void)
{
	struct pc_checker *c = pc_checker_new();
	struct live l = { .c = c, .listen_fd = -1 };
	struct pt_source_opts so = {
		.fn = feed_record,
		.ctx = &l,
		.input = env.opts.input,
		.summary_first = true,
		.skip_bad_lines = env.opts.skip_bad_lines,
	};
	struct pt_summary sum;
	unsigned long skipped = 0;
	int err;

	if (!c) {
		fprintf(stderr, "%s: out of memory\n", pt_prog);
		return PT_EXIT_ERROR;
	}
	so.skipped = &skipped;
	pt_filter_init(&so.filter);
	err = pt_source_open(&so, &l.src);
	if (err) {
		pt_source_close(l.src);
		pc_checker_free(c);
		return PT_EXIT_ERROR;
	}
	pt_source_summary(l.src, &sum);
	if (sum.have) {
		for (__u32 id = 1; id < PT_HOOK_MAX; id++)
			pc_checker_set_hook(c, id, how_active(sum.how[id]));
		pc_checker_note_drops(c, pt_summary_drops(&sum));
	}
	pt_summary_free(&sum);
	say_rules_off(&l);
	err = pt_source_poll(l.src, -1);
	pt_source_close(l.src);
	l.src = NULL;
	if (err) {
		pc_checker_free(c);
		return PT_EXIT_ERROR;
	}
	pc_checker_note_skipped(c, skipped);
	pc_checker_settle(c, ~0ULL);
	collect(&l);
	summary(&l);
	pc_checker_free(c);
	if (env.werr ? pt_output_error(stdout, NULL, env.werr) : pt_output_close(stdout, NULL))
		return PT_EXIT_ERROR;
	return l.violations ? PT_EXIT_VIOLATIONS : PT_EXIT_OK;
}

/* --- the command --------------------------------------------------------------------- */

static const char check_doc[] =
    "Verify the PRIME invariants (docs/invariants.md) at every DRM PRIME and\n"
    "dma-buf event, and against vprime's debugfs where vprime is loaded.\n"
    "\n"
    "USAGE: primetrace check [-j] [-D SECONDS] [-b SIZE]\n"
    "       primetrace check [OPTIONS] -- CMD [ARGS...]\n"
    "       primetrace check --serve PATH\n"
    "       primetrace check --connect PATH -- CMD [ARGS...]\n"
    "       primetrace check --input FILE\n"
    "\n"
    "EXAMPLES:\n"
    "    primetrace check                       # each violation, until Ctrl-C\n"
    "    primetrace check -- prime_cache        # a test binary, subtest by subtest\n"
    "    primetrace check --serve /tmp/chk &    # one checker for many runs:\n"
    "    primetrace check --connect /tmp/chk -- prime_cross --device vprime\n"
    "    primetrace check --input run.json      # a recording of 'primetrace record'\n"
    "\n"
    "A violation is one line: the invariant, the rule, the process and what\n"
    "broke. CMD runs as a child with PRIMETRACE_CHECK_FDS naming a socket on\n"
    "which an IGT-style test (conformance/) asks for a verdict at the end of\n"
    "each subtest: 'ok', or 'fail' with the first violation; events lost in\n"
    "the ring buffer make it 'fail incomplete: ...'. The hooks are kprobes\n"
    "unless --attach says otherwise (see docs/invariants.md).\n"
    "\n"
    "Exit status: with CMD, CMD's, or 3 when it succeeded but a violation\n"
    "happened outside its subtests; without CMD, 0 nothing found, 3 violations\n"
    "found, 1 an error (setting up, reading the input, a malformed line unless\n"
    "--skip-bad-lines), 2 a bad option or argument.\v";

enum {
	OPT_SERVE = 0x400,
	OPT_CONNECT,
};

static const struct argp_option check_options[] = {
	{ "json", 'j', NULL, 0, "Violations as JSON lines", 0 },
	{ "quiet", 'q', NULL, 0, "No start-up line or summary on stderr", 0 },
	{ "duration", 'D', "SECONDS", 0, "Stop after this long (without CMD)", 0 },
	{ "ringbuf-size", 'b', "SIZE", 0,
	  "Ring buffer size: a power of two of at least 4K (default 16M)", 0 },
	{ "serve", OPT_SERVE, "PATH", 0, "Serve sessions on the UNIX socket PATH", 0 },
	{ "connect", OPT_CONNECT, "PATH", 0, "Run CMD as a session of the checker serving on PATH",
	  0 },
	{ 0 },
};

static error_t parse_check(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &env.opts;
		state->child_inputs[1] = &env.opts;
		break;
	case 'j':
		env.json = true;
		break;
	case 'q':
		env.quiet = true;
		break;
	case 'D': {
		double d;

		if (pt_parse_seconds(arg, &d) || !(d > 0)) {
			argp_error(state, "--duration %s: a positive number of seconds", arg);
			return EINVAL;
		}
		env.opts.duration = d;
		break;
	}
	case 'b':
		if (pt_parse_size(arg, &env.opts.ringbuf_size)) {
			argp_error(state,
				   "--ringbuf-size %s: a power of two from 4K to 4G (e.g. 1M, 16M)",
				   arg);
			return EINVAL;
		}
		break;
	case OPT_SERVE:
		env.serve = arg;
		break;
	case OPT_CONNECT:
		env.connect = arg;
		break;
	case ARGP_KEY_ARG:
		/* the command and everything after it are the child's */
		env.cmd = &state->argv[state->next - 1];
		state->next = state->argc;
		break;
	case ARGP_KEY_END:
		if (env.connect && !env.cmd) {
			argp_error(state, "--connect needs a command: --connect PATH -- CMD");
			return EINVAL;
		}
		if (env.serve && (env.cmd || env.connect || env.opts.input)) {
			argp_error(state, "--serve runs alone: its clients bring the commands");
			return EINVAL;
		}
		if (env.opts.input && (env.cmd || env.connect)) {
			argp_error(state, "--input checks a recording: no command with it");
			return EINVAL;
		}
		if (env.connect && (env.json || env.opts.duration > 0)) {
			argp_error(state, "--connect: -j and -D belong to the server");
			return EINVAL;
		}
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp_child check_children[] = {
	{ &pt_kernel_argp, 0, NULL, 0 },
	{ &pt_input_argp, 0, NULL, 0 },
	{ &pt_help_argp, 0, NULL, -1 },
	{ 0 },
};

static const struct argp check_argp = {
	.options = check_options,
	.parser = parse_check,
	.args_doc = "[-- CMD [ARGS...]]",
	.doc = check_doc,
	.children = check_children,
};

int pt_check_parse(int argc, char **argv)
{
	memset(&env, 0, sizeof(env));
	pt_trace_opts_init(&env.opts);
	env.opts.mode = MODE_UNSET;
	return pt_argp_parse(&check_argp, argc, argv, ARGP_IN_ORDER, NULL);
}

int pt_check_run(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	if (env.opts.mode == MODE_UNSET) {
		env.opts.mode = PT_ATTACH_KPROBE;
		env.mode_default = true;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* a peer that closed its end is noticed by reading it */
	signal(SIGPIPE, SIG_IGN);
	if (env.opts.input)
		return run_input();
	if (env.connect)
		return run_client();
	return run_live();
}
