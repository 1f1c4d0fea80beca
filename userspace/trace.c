// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * primetrace: the live tracer and the replay of recorded files.
 *
 * Start-up: look at the kernel (hooks.c) and pick a flavour per hook, open
 * the skeleton, switch off what is not wanted, load and attach. A program
 * that still fails to load or attach demotes its hook (fentry to kprobe,
 * kprobe to failed) and the object is loaded again, so a kernel that
 * rejects one function costs that function only.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ksyms.h"
#include "symbolize.h"
#include "trace.h"
/* after trace.h: the skeleton uses struct pt_config */
#include "primetrace.skel.h"

volatile sig_atomic_t pt_exiting;

static void on_signal(int sig)
{
	pt_exiting = 1;
}

void pt_install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
}

/* --- libbpf output ----------------------------------------------------------
 * With -v everything goes to stderr. Otherwise the last lines are kept and
 * shown only when start-up fails for good: a program that failed and was
 * demoted is expected on some kernels and not worth a warning.
 */
#define LOG_LINES 24
static char log_ring[LOG_LINES][256];
static unsigned int log_next;
static bool log_verbose;
static char failed_prog[64];

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	char line[256];
	const char *p;
	va_list copy;

	if (log_verbose) {
		va_copy(copy, args);
		vfprintf(stderr, fmt, copy);
		va_end(copy);
	}
	vsnprintf(line, sizeof(line), fmt, args);
	if (level == LIBBPF_DEBUG)
		return 0;
	/* "prog 'NAME': ...failed...": remember which program broke the load */
	p = strstr(line, "prog '");
	if (p && strstr(line, "fail")) {
		const char *end = strchr(p + 6, '\'');

		if (end && end - (p + 6) < (long)sizeof(failed_prog)) {
			memcpy(failed_prog, p + 6, end - (p + 6));
			failed_prog[end - (p + 6)] = '\0';
		}
	}
	snprintf(log_ring[log_next++ % LOG_LINES], sizeof(log_ring[0]), "%s", line);
	return 0;
}

static void log_dump(void)
{
	if (log_verbose)
		return;
	for (unsigned int i = log_next > LOG_LINES ? log_next - LOG_LINES : 0; i < log_next; i++)
		fputs(log_ring[i % LOG_LINES], stderr);
}

/* --- options -------------------------------------------------------------- */

int pt_parse_size(const char *arg, __u64 *out)
{
	unsigned long long v;
	char *end;

	if (!arg || !*arg || *arg == '-')
		return -EINVAL;
	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno || end == arg)
		return -EINVAL;
	switch (*end) {
	case 'k':
	case 'K':
		v <<= 10;
		end++;
		break;
	case 'm':
	case 'M':
		v <<= 20;
		end++;
		break;
	case 'g':
	case 'G':
		v <<= 30;
		end++;
		break;
	}
	if (*end || v < 4096 || v > (1ULL << 32) || (v & (v - 1)))
		return -EINVAL;
	*out = v;
	return 0;
}

int pt_resolve_dev(const char *arg, struct pt_filter *f, char *why, size_t len)
{
	char path[256];
	const char *name;
	struct dirent *de;
	DIR *dir;
	int r = pt_parse_dev(arg, f);

	if (r < 0) {
		snprintf(why, len, "not a minor, a device node or a driver name");
		return r;
	}
	if (r == 0)
		return 0;
	/* a node: its primary minor, found through sysfs */
	name = strrchr(arg, '/') ? strrchr(arg, '/') + 1 : arg;
	if (!strncmp(name, "card", 4) && pt_parse_dev(name, f) == 0)
		return 0;
	snprintf(path, sizeof(path), "/sys/class/drm/%s/device/drm", name);
	dir = opendir(path);
	if (!dir) {
		snprintf(why, len, "no such DRM device");
		return -ENODEV;
	}
	r = -ENODEV;
	while ((de = readdir(dir))) {
		if (!strncmp(de->d_name, "card", 4) && pt_parse_dev(de->d_name, f) == 0) {
			r = 0;
			break;
		}
	}
	closedir(dir);
	if (r)
		snprintf(why, len, "no primary node on the same device");
	return r;
}

/* --- the tracer ------------------------------------------------------------ */

struct tracer {
	struct primetrace_bpf *skel;
	struct bpf_link *links[PT_HOOK_MAX][2];
	struct ring_buffer *rb;
	struct pt_kernel pk;
	struct pt_ksyms *ksyms;
	struct pt_usyms *usyms;
	struct bpf_link *exit_link;
	pt_record_fn fn;
	void *ctx;
	struct pt_summary *sum;
	bool stop;
};

static void detach_all(struct tracer *t)
{
	bpf_link__destroy(t->exit_link);
	t->exit_link = NULL;
	for (int i = 0; i < PT_HOOK_MAX; i++) {
		for (int j = 0; j < 2; j++) {
			bpf_link__destroy(t->links[i][j]);
			t->links[i][j] = NULL;
		}
	}
}

static void teardown(struct tracer *t)
{
	ring_buffer__free(t->rb);
	t->rb = NULL;
	detach_all(t);
	pt_usyms_free(t->usyms);
	t->usyms = NULL;
	primetrace_bpf__destroy(t->skel);
	t->skel = NULL;
	pt_ksyms_free(t->ksyms);
	t->ksyms = NULL;
}

static int configure(struct tracer *t, const struct pt_trace_opts *opts)
{
	struct primetrace_bpf *skel = t->skel;
	const struct pt_filter *f = &opts->filter;
	struct pt_config *cfg = &skel->data->cfg;
	int err;

	cfg->targ_tgid = f->tgid;
	cfg->filter_cgroup = opts->cgroup_path != NULL;
	if (f->comm[0]) {
		cfg->filter_comm = 1;
		memcpy(cfg->targ_comm, f->comm, sizeof(f->comm));
	}
	cfg->targ_minor = f->minor;
	if (f->driver[0]) {
		cfg->filter_driver = 1;
		memcpy(cfg->targ_driver, f->driver, sizeof(f->driver));
	}
	cfg->want_kstack = opts->kstack;
	cfg->want_ustack = opts->ustack;
	cfg->rb_flags = opts->interval_ms ? BPF_RB_NO_WAKEUP : 0;
	err = bpf_map__set_max_entries(skel->maps.events, opts->ringbuf_size ?: PT_RINGBUF_DEFAULT);
	if (err)
		return err;
	pt_hooks_set_autoload(skel->obj, &t->pk);
	/* not a hook: process exits, on every kernel */
	bpf_program__set_autoload(skel->progs.tp_sched_process_exit, true);
	return 0;
}

/* attach every chosen program; on failure returns the hook that failed */
static int attach_all(struct tracer *t, __u32 *bad_hook)
{
	for (__u32 id = 1; id < PT_HOOK_MAX; id++) {
		const char *names[2];
		char buf[2][64];
		int n = pt_hook_progs(id, t->pk.hooks[id].how, names, buf);

		for (int j = 0; j < n; j++) {
			struct bpf_program *prog =
			    bpf_object__find_program_by_name(t->skel->obj, names[j]);
			struct bpf_link *link;

			if (!prog) {
				*bad_hook = id;
				return -ENOENT;
			}
			link = bpf_program__attach(prog);
			if (!link) {
				*bad_hook = id;
				return -errno;
			}
			t->links[id][j] = link;
		}
	}
	return 0;
}

static int count_active(const struct pt_kernel *pk, bool drm)
{
	int n = 0;

	for (int id = 1; id < PT_HOOK_MAX; id++) {
		enum pt_how how = pk->hooks[id].how;

		if (pt_hook_descs[id].drm == drm && pt_how_active(how))
			n++;
	}
	return n;
}

static int setup(struct tracer *t, const struct pt_trace_opts *opts, bool quiet)
{
	LIBBPF_OPTS(bpf_object_open_opts, open_opts, .btf_custom_path = opts->btf_path);
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
	int err, tries;

	log_verbose = opts->verbose;
	libbpf_set_print(libbpf_print);
	/* kernels before 5.11 charge BPF memory to RLIMIT_MEMLOCK */
	setrlimit(RLIMIT_MEMLOCK, &rl);

	err = pt_kernel_probe(&t->pk, opts->mode, opts->btf_path);
	if (!t->pk.privileged) {
		fprintf(stderr, "primetrace: tracing needs CAP_BPF and CAP_PERFMON "
				"(or CAP_SYS_ADMIN): run it as root\n");
		return -EPERM;
	}
	if (err) {
		if (opts->btf_path)
			fprintf(stderr, "primetrace: cannot read BTF from %s: %s\n", opts->btf_path,
				pt_errstr(err));
		else
			fprintf(stderr, "primetrace: this kernel has no BTF "
					"(/sys/kernel/btf/vmlinux): it needs "
					"CONFIG_DEBUG_INFO_BTF=y, or pass --btf FILE\n");
		return err;
	}

	/* each round demotes one hook; there are only so many */
	for (tries = 0; tries < 2 * PT_HOOK_MAX; tries++) {
		__u32 bad = PT_HOOK_NONE;

		failed_prog[0] = '\0';
		t->skel = primetrace_bpf__open_opts(&open_opts);
		if (!t->skel) {
			err = -errno;
			fprintf(stderr, "primetrace: failed to open the BPF object: %s\n",
				pt_errstr(err));
			log_dump();
			return err;
		}
		err = configure(t, opts);
		if (err) {
			fprintf(stderr, "primetrace: failed to configure the BPF object: %s\n",
				pt_errstr(err));
			return err;
		}
		err = primetrace_bpf__load(t->skel);
		if (err) {
			bad = pt_hook_of_prog(failed_prog);
		} else {
			err = attach_all(t, &bad);
			if (!err)
				break;
		}
		if (!pt_hook_demote(&t->pk, bad, err)) {
			fprintf(stderr, "primetrace: failed to %s the BPF programs: %s\n",
				bad ? "attach" : "load", pt_errstr(err));
			log_dump();
			return err;
		}
		if (opts->verbose)
			fprintf(stderr, "primetrace: %s: %s, trying %s\n", pt_hook_name(bad),
				pt_errstr(err),
				pt_how_name(t->pk.hooks[bad].how, pt_hook_descs[bad].at_exit));
		teardown(t);
	}
	if (err)
		return err;

	if (!count_active(&t->pk, false) && !count_active(&t->pk, true)) {
		char why[128] = "";

		pt_hook_why(&t->pk, PT_HOOK_DMA_BUF_EXPORT, why, sizeof(why));
		fprintf(stderr, "primetrace: no hook could be attached on this kernel%s%s%s\n",
			*why ? " (" : "", why, *why ? ")" : "");
		return -EOPNOTSUPP;
	}
	if (!quiet && !count_active(&t->pk, true))
		fprintf(stderr,
			"primetrace: %s: only dma-buf is traced; run again once "
			"drm is loaded\n",
			t->pk.drm_loaded ? "no DRM hook could be attached" : "drm is not loaded");

	if (opts->cgroup_path) {
		int fd = open(opts->cgroup_path, O_RDONLY | O_DIRECTORY), key = 0;

		if (fd < 0) {
			err = -errno;
			fprintf(stderr, "primetrace: cgroup %s: %s\n", opts->cgroup_path,
				strerror(errno));
			return err;
		}
		err =
		    bpf_map_update_elem(bpf_map__fd(t->skel->maps.cgroup_map), &key, &fd, BPF_ANY);
		close(fd);
		if (err) {
			err = -errno;
			fprintf(stderr, "primetrace: cgroup %s: %s\n", opts->cgroup_path,
				strerror(errno));
			return err;
		}
	}
	if (opts->kstack)
		t->ksyms = pt_ksyms_load();
	if (opts->ustack)
		t->usyms = pt_usyms_new();
	/* without exits the model only learns of them from snapshots */
	t->exit_link = bpf_program__attach(t->skel->progs.tp_sched_process_exit);
	if (!t->exit_link && opts->verbose)
		fprintf(stderr, "primetrace: process exits are not traced: %s\n", strerror(errno));
	return 0;
}

/* a record's kernel stack as "a;b;c", innermost first */
static char *kstack_string(struct tracer *t, const struct pt_kstack *ks)
{
	size_t len = 0, cap = 64 * PT_MAX_STACK;
	char *s, frame[128];

	s = malloc(cap);
	if (!s)
		return NULL;
	s[0] = '\0';
	for (__u32 i = 0; i < ks->nr && i < PT_MAX_STACK; i++) {
		pt_ksyms_name(t->ksyms, ks->ip[i], frame, sizeof(frame));
		len += snprintf(s + len, cap - len, "%s%s", i ? ";" : "", frame);
		if (len >= cap - 1)
			break;
	}
	return s;
}

static int deliver(struct tracer *t, const struct pt_record *rec)
{
	if (rec->ev.type < PT_EV_MAX)
		t->sum->events[rec->ev.type]++;
	if (t->fn(rec, t->ctx))
		t->stop = true;
	return 0;
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct tracer *t = ctx;
	struct pt_record rec = { 0 };

	const char *extra = (const char *)data + sizeof(rec.ev);
	size_t left;

	if (pt_event_decode(data, size, &rec.ev))
		return 0;
	left = size - sizeof(rec.ev);
	/* what follows the event: its kernel stack, then its user stack */
	if (rec.ev.kstack >= 0 && left >= sizeof(struct pt_kstack)) {
		rec.kstack = kstack_string(t, (const struct pt_kstack *)extra);
		extra += sizeof(struct pt_kstack);
		left -= sizeof(struct pt_kstack);
	}
	if (left >= sizeof(struct pt_ustack) && t->usyms) {
		const struct pt_ustack *us = (const void *)extra;

		/* named now: the process may be gone by the time anyone reads them */
		rec.ustack = pt_usyms_scanned_stack(
		    t->usyms, rec.ev.pid, us->ip, us->nr < PT_USTACK_MAX ? us->nr : PT_USTACK_MAX);
	}
	if (rec.ev.type == PT_EV_TASK_EXIT && t->usyms)
		pt_usyms_forget(t->usyms, rec.ev.pid);
	deliver(t, &rec);
	pt_record_free(&rec);
	return t->stop ? -ECANCELED : 0;
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* the per-CPU counters, summed */
static void read_counters(struct tracer *t, struct pt_summary *sum)
{
	int ncpus = libbpf_num_possible_cpus();
	struct bpf_program *prog;
	__u64 *vals;

	if (ncpus <= 0)
		return;
	vals = calloc(ncpus, sizeof(*vals));
	sum->drops_by_cpu = calloc(ncpus, sizeof(__u64));
	if (!vals || !sum->drops_by_cpu) {
		free(vals);
		return;
	}
	sum->ncpus = ncpus;
	for (__u32 type = 0; type < PT_EV_MAX; type++) {
		if (bpf_map_lookup_elem(bpf_map__fd(t->skel->maps.drops), &type, vals))
			continue;
		for (int c = 0; c < ncpus; c++) {
			sum->drops[type] += vals[c];
			sum->drops_by_cpu[c] += vals[c];
		}
	}
	for (__u32 hook = 0; hook < PT_HOOK_MAX; hook++) {
		if (bpf_map_lookup_elem(bpf_map__fd(t->skel->maps.calls), &hook, vals))
			continue;
		for (int c = 0; c < ncpus; c++)
			sum->calls[hook] += vals[c];
	}
	free(vals);
	bpf_object__for_each_program(prog, t->skel->obj)
	{
		struct bpf_prog_info info = { 0 };
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len))
			sum->missed += info.recursion_misses;
	}
}

static void record_hooks(const struct pt_kernel *pk, struct pt_summary *sum)
{
	for (int id = 1; id < PT_HOOK_MAX; id++)
		snprintf(sum->how[id], sizeof(sum->how[id]), "%s",
			 pt_how_name(pk->hooks[id].how, pt_hook_descs[id].at_exit));
}

static int run_live(const struct pt_trace_opts *opts, struct tracer *t)
{
	__u64 start, deadline = 0;
	int err;

	err = setup(t, opts, false);
	if (err)
		goto out;
	t->rb = ring_buffer__new(bpf_map__fd(t->skel->maps.events), on_event, t, NULL);
	if (!t->rb) {
		err = -errno;
		fprintf(stderr, "primetrace: failed to create the ring buffer: %s\n",
			pt_errstr(err));
		goto out;
	}
	record_hooks(&t->pk, t->sum);
	/* events from now on are in the ring buffer: what existed can be read */
	if (opts->started)
		opts->started(opts->started_ctx);
	if (!opts->quiet)
		fprintf(stderr, "primetrace: tracing with %d hooks (%d DRM); Ctrl-C to end\n",
			count_active(&t->pk, false) + count_active(&t->pk, true),
			count_active(&t->pk, true));
	start = now_ns();
	if (opts->duration > 0)
		deadline = start + (__u64)(opts->duration * 1e9);

	while (!pt_exiting && !t->stop) {
		int timeout = 100;

		if (deadline) {
			__u64 now = now_ns();

			if (now >= deadline)
				break;
			if (deadline - now < 100000000ULL)
				timeout = (deadline - now) / 1000000 + 1;
		}
		if (opts->interval_ms) {
			struct timespec ts = { opts->interval_ms / 1000,
					       (opts->interval_ms % 1000) * 1000000L };

			nanosleep(&ts, NULL);
			err = ring_buffer__consume(t->rb);
		} else {
			err = ring_buffer__poll(t->rb, timeout);
		}
		if (err == -EINTR || err == -ECANCELED) {
			err = 0;
			continue;
		}
		if (err < 0) {
			fprintf(stderr, "primetrace: reading the ring buffer: %s\n",
				pt_errstr(err));
			break;
		}
		err = 0;
	}
	/* stop the producers first: every event is then either read or counted lost */
	detach_all(t);
	if (!t->stop)
		ring_buffer__consume(t->rb);
	read_counters(t, t->sum);
	t->sum->duration = (now_ns() - start) / 1e9;
out:
	teardown(t);
	return err;
}

/* --- recordings ------------------------------------------------------------- */

const char *pt_prog = "primetrace";

/* a copy of f in a temporary file, at its start; f is closed */
static FILE *spool(FILE *f, const char *path)
{
	FILE *t = tmpfile();
	char buf[65536];
	size_t n;
	int err;

	if (!t) {
		err = errno;
		fprintf(stderr, "%s: %s: cannot keep a copy of the input: %s\n", pt_prog, path,
			strerror(err));
		goto fail;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		if (fwrite(buf, 1, n, t) != n) {
			err = errno ?: EIO;
			fprintf(stderr, "%s: %s: cannot keep a copy of the input: %s\n", pt_prog,
				path, strerror(err));
			goto fail;
		}
	}
	if (ferror(f)) {
		err = errno ?: EIO;
		fprintf(stderr, "%s: %s: %s\n", pt_prog, path, strerror(err));
		goto fail;
	}
	if (fflush(t) || fseek(t, 0, SEEK_SET)) {
		err = errno ?: EIO;
		fprintf(stderr, "%s: %s: cannot keep a copy of the input: %s\n", pt_prog, path,
			strerror(err));
		goto fail;
	}
	pt_input_close(f);
	return t;
fail:
	if (t)
		fclose(t);
	pt_input_close(f);
	errno = err;
	return NULL;
}

FILE *pt_input_open(const char *path, bool rewindable)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	struct stat st;

	if (!f) {
		fprintf(stderr, "%s: %s: %s\n", pt_prog, path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st)) {
		int err = errno;

		fprintf(stderr, "%s: %s: %s\n", pt_prog, path, strerror(err));
		pt_input_close(f);
		errno = err;
		return NULL;
	}
	if (S_ISDIR(st.st_mode)) {
		fprintf(stderr, "%s: %s: %s\n", pt_prog, path, strerror(EISDIR));
		pt_input_close(f);
		errno = EISDIR;
		return NULL;
	}
	/* a regular file (or a block device) can be read again; anything else once */
	if (rewindable && !S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
		return spool(f, path);
	return f;
}

void pt_input_close(FILE *f)
{
	if (f && f != stdin)
		fclose(f);
}

int pt_input_read(FILE *f, const char *name, bool skip, unsigned long *skipped, pt_record_fn fn,
		  void *ctx, struct pt_summary *sum)
{
	char *line = NULL, why[160];
	size_t cap = 0;
	long lineno = 0;
	ssize_t n;
	int err = 0;

	for (;;) {
		struct pt_record rec;
		int r;

		if (pt_exiting)
			break;
		errno = 0;
		n = getline(&line, &cap, f);
		if (n < 0) {
			/* the end, or a read error (EISDIR, EIO, ENOMEM) that is no end */
			if (ferror(f) || !feof(f)) {
				err = errno ?: EIO;
				fprintf(stderr, "%s: %s: %s\n", pt_prog, name, strerror(err));
				err = -err;
			}
			break;
		}
		lineno++;
		if (line[strspn(line, " \t\r\n")] == '\0')
			continue;
		why[0] = '\0';
		if (strlen(line) != (size_t)n) {
			snprintf(why, sizeof(why), "a NUL byte (column %zu)", strlen(line) + 1);
			r = -EINVAL;
		} else {
			r = pt_record_parse_json_why(line, &rec, sum, why, sizeof(why));
		}
		if (r < 0) {
			if (skip) {
				if (skipped)
					(*skipped)++;
				continue;
			}
			fprintf(stderr, "%s: %s:%ld: %s\n", pt_prog, name, lineno,
				why[0] ? why : "not a primetrace JSON line");
			err = -EINVAL;
			break;
		}
		if (r == 1)
			continue;
		r = fn ? fn(&rec, ctx) : 0;
		pt_record_free(&rec);
		if (r)
			break;
	}
	free(line);
	return err;
}

struct replay {
	struct tracer *t;
	struct pt_filter filter;
};

static int replay_record(const struct pt_record *rec, void *ctx)
{
	struct replay *rp = ctx;

	if (pt_filter_match(&rp->filter, &rec->ev))
		deliver(rp->t, rec);
	return rp->t->stop;
}

static int run_replay(const struct pt_trace_opts *opts, struct tracer *t)
{
	struct replay rp = { .t = t, .filter = opts->filter };
	struct pt_summary recorded = { 0 };
	FILE *f = pt_input_open(opts->input, false);
	int err;

	if (!f)
		return -errno;
	/* a recording knows cgroup ids only: the directory's, exactly */
	if (opts->cgroup_path)
		rp.filter.cgroup = opts->cgroup_id;
	err = pt_input_read(f, opts->input, opts->skip_bad_lines, opts->skipped, replay_record, &rp,
			    &recorded);
	pt_input_close(f);
	/* what was lost stays lost: the recorded counters carry over */
	if (recorded.have) {
		memcpy(t->sum->drops, recorded.drops, sizeof(recorded.drops));
		memcpy(t->sum->calls, recorded.calls, sizeof(recorded.calls));
		memcpy(t->sum->how, recorded.how, sizeof(recorded.how));
		t->sum->duration = recorded.duration;
		t->sum->ncpus = recorded.ncpus;
		t->sum->missed = recorded.missed;
		t->sum->drops_by_cpu = recorded.drops_by_cpu;
		recorded.drops_by_cpu = NULL;
	}
	t->sum->have = recorded.have;
	pt_summary_free(&recorded);
	return err;
}

int pt_run(const struct pt_trace_opts *opts, pt_record_fn fn, void *ctx, struct pt_summary *sum)
{
	struct tracer t = { .fn = fn, .ctx = ctx, .sum = sum };

	memset(sum, 0, sizeof(*sum));
	if (opts->input)
		return run_replay(opts, &t);
	return run_live(opts, &t);
}

int pt_probe_attach(const struct pt_trace_opts *opts, struct pt_kernel *pk)
{
	struct tracer t = { 0 };
	int err;

	err = setup(&t, opts, true);
	*pk = t.pk;
	teardown(&t);
	return err;
}
