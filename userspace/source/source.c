// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * primetrace: the event source (see source.h), live or replayed.
 *
 * Live start-up: look at the kernel (hooks.c) and pick a flavour per hook,
 * open the skeleton, switch off what is not wanted, load and attach. A
 * program that still fails to load or attach demotes its hook (fentry to
 * kprobe, kprobe to failed) and the object is loaded again, so a kernel
 * that rejects one function costs that function only.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "source.h"
#include "symbolize.h"
#include "tables.h"
/* after source.h: the skeleton uses struct pt_config */
#include "primetrace.skel.h"

volatile sig_atomic_t pt_exiting;
const char *pt_prog = "primetrace";

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

struct pt_source {
	struct pt_source_opts o;
	const char *prog;
	/* live */
	struct primetrace_bpf *skel;
	struct bpf_link *links[PT_HOOK_MAX][2];
	struct bpf_link *exit_link;
	struct ring_buffer *rb;
	struct pt_kernel pk;
	struct pt_syms *syms; /* names the stacks, when they are shown */
	struct pt_usyms *usyms;
	/* replay */
	FILE *in;
	struct pt_summary recorded;
	bool read; /* to its end */
	/*
	 * live tables: the exited processes whose mappings are kept to name
	 * their stacks at the end, the oldest forgotten first
	 */
	__u32 exited[PT_TABLES_EXITED];
	unsigned int nexited;
	/* both */
	__u64 events[PT_EV_MAX];
	bool stop; /* the callback asked */
};

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
	/*
	 * "prog 'NAME': ...failed...": which program broke the load (the
	 * program fds cannot say: a failed load closes every one of them)
	 */
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

/* --- live ------------------------------------------------------------------- */

static void detach_all(struct pt_source *src)
{
	bpf_link__destroy(src->exit_link);
	src->exit_link = NULL;
	for (int i = 0; i < PT_HOOK_MAX; i++) {
		for (int j = 0; j < 2; j++) {
			bpf_link__destroy(src->links[i][j]);
			src->links[i][j] = NULL;
		}
	}
}

/* the BPF side, for another try or for good */
static void unload(struct pt_source *src)
{
	ring_buffer__free(src->rb);
	src->rb = NULL;
	detach_all(src);
	primetrace_bpf__destroy(src->skel);
	src->skel = NULL;
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

static int open_live(struct pt_source *src)
{
	const struct pt_source_opts *o = &src->o;
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
	bool fallback;
	int err;

	log_verbose = o->verbose;
	libbpf_set_print(libbpf_print);
	/* kernels before 5.11 charge BPF memory to RLIMIT_MEMLOCK */
	setrlimit(RLIMIT_MEMLOCK, &rl);

	err = pt_kernel_probe(&src->pk, o->mode, o->btf_path);
	fallback = (o->mode == PT_ATTACH_KPROBE && !src->pk.kprobe_ok) ||
		   (o->mode == PT_ATTACH_FENTRY && !src->pk.fentry_ok);
	if (o->mode_preferred && !err && fallback)
		err = pt_kernel_probe(&src->pk, PT_ATTACH_AUTO, o->btf_path);
	if (!src->pk.privileged) {
		fprintf(stderr,
			"%s: tracing needs CAP_BPF and CAP_PERFMON "
			"(or CAP_SYS_ADMIN): run it as root\n",
			src->prog);
		return -EPERM;
	}
	if (err) {
		if (o->btf_path)
			fprintf(stderr, "%s: cannot read BTF from %s: %s\n", src->prog, o->btf_path,
				pt_errstr(err));
		else
			fprintf(stderr,
				"%s: this kernel has no BTF "
				"(/sys/kernel/btf/vmlinux): it needs "
				"CONFIG_DEBUG_INFO_BTF=y, or pass --btf FILE\n",
				src->prog);
		return err;
	}
	for (size_t i = 0; i < o->noff; i++)
		if (o->off[i] > PT_HOOK_NONE && o->off[i] < PT_HOOK_MAX)
			src->pk.hooks[o->off[i]].how = PT_HOW_OFF;
	/* tables only: a hook whose records no table takes costs for nothing */
	for (int id = 1; id < PT_HOOK_MAX && o->tables == PT_TABLES_ONLY; id++)
		if (!pt_tables_hook(id, o->table_extra))
			src->pk.hooks[id].how = PT_HOW_OFF;
	return 0;
}

/* the settings of the programs: read only once loaded (.rodata) */
static int configure(struct pt_source *src)
{
	const struct pt_source_opts *o = &src->o;
	struct primetrace_bpf *skel = src->skel;
	const struct pt_filter *f = &o->filter;
	struct pt_config *cfg = &skel->rodata->cfg;
	int err;

	cfg->targ_tgid = f->tgid;
	cfg->filter_cgroup = o->cgroup_path != NULL;
	if (f->comm[0]) {
		cfg->filter_comm = 1;
		memcpy(cfg->targ_comm, f->comm, sizeof(f->comm));
	}
	cfg->targ_minor = f->minor;
	if (f->driver[0]) {
		cfg->filter_driver = 1;
		memcpy(cfg->targ_driver, f->driver, sizeof(f->driver));
	}
	cfg->want_kstack = o->kstack;
	cfg->want_ustack = o->ustack;
	cfg->tables = o->tables;
	cfg->table_extra = o->tables ? o->table_extra : 0;
	err = pt_tables_configure(skel, o->tables, cfg->table_extra,
				  o->table_size ?: PT_TABLE_SIZE_DEFAULT);
	if (!err && o->tables && o->tables_from)
		err = pt_tables_reuse(skel, o->tables_from);
	if (err)
		return err;
	/* the producers wake the reader only at a quarter full: pt_source_poll() */
	cfg->rb_wake_at = o->no_wakeup ? ~0ULL : (o->ringbuf_size ?: PT_RINGBUF_DEFAULT) / 4;
	err = bpf_map__set_max_entries(skel->maps.events, o->ringbuf_size ?: PT_RINGBUF_DEFAULT);
	if (err)
		return err;
	pt_hooks_set_autoload(skel->obj, &src->pk);
	/* not a hook: process exits, on every kernel */
	if (o->exits)
		bpf_program__set_autoload(skel->progs.tp_sched_process_exit, true);
	return 0;
}

/* attach every chosen program; on failure returns the hook that failed */
static int attach_all(struct pt_source *src, __u32 *bad_hook)
{
	for (__u32 id = 1; id < PT_HOOK_MAX; id++) {
		const char *names[2];
		char buf[2][64];
		int n = pt_hook_progs(id, src->pk.hooks[id].how, names, buf);

		for (int j = 0; j < n; j++) {
			struct bpf_program *prog =
			    bpf_object__find_program_by_name(src->skel->obj, names[j]);
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
			src->links[id][j] = link;
		}
	}
	return 0;
}

static int set_cgroup(struct pt_source *src)
{
	const char *path = src->o.cgroup_path;
	int fd = open(path, O_RDONLY | O_DIRECTORY), key = 0, err;

	if (fd < 0) {
		err = -errno;
		fprintf(stderr, "%s: cgroup %s: %s\n", src->prog, path, strerror(errno));
		return err;
	}
	err = bpf_map_update_elem(bpf_map__fd(src->skel->maps.cgroup_map), &key, &fd, BPF_ANY);
	close(fd);
	if (err) {
		err = -errno;
		fprintf(stderr, "%s: cgroup %s: %s\n", src->prog, path, strerror(errno));
		return err;
	}
	return 0;
}

static int on_event(void *ctx, void *data, size_t size);

static int attach_live(struct pt_source *src)
{
	const struct pt_source_opts *o = &src->o;
	LIBBPF_OPTS(bpf_object_open_opts, open_opts, .btf_custom_path = o->btf_path);
	int err = 0, tries;

	/* each round demotes one hook; there are only so many */
	for (tries = 0; tries < 2 * PT_HOOK_MAX; tries++) {
		__u32 bad = PT_HOOK_NONE;

		failed_prog[0] = '\0';
		src->skel = primetrace_bpf__open_opts(&open_opts);
		if (!src->skel) {
			err = -errno;
			fprintf(stderr, "%s: failed to open the BPF object: %s\n", src->prog,
				pt_errstr(err));
			log_dump();
			return err;
		}
		err = configure(src);
		if (err) {
			fprintf(stderr, "%s: failed to configure the BPF object: %s\n", src->prog,
				pt_errstr(err));
			return err;
		}
		err = primetrace_bpf__load(src->skel);
		if (err) {
			bad = pt_hook_of_prog(failed_prog);
		} else {
			err = attach_all(src, &bad);
			if (!err)
				break;
		}
		if (!pt_hook_demote(&src->pk, bad, err)) {
			fprintf(stderr, "%s: failed to %s the BPF programs: %s\n", src->prog,
				bad ? "attach" : "load", pt_errstr(err));
			log_dump();
			return err;
		}
		if (o->verbose)
			fprintf(stderr, "%s: %s: %s, trying %s\n", src->prog, pt_hook_name(bad),
				pt_errstr(err),
				pt_how_name(src->pk.hooks[bad].how, pt_hook_descs[bad].at_exit));
		unload(src);
	}
	if (err)
		return err;

	if (!count_active(&src->pk, false) && !count_active(&src->pk, true)) {
		char why[128] = "";

		pt_hook_why(&src->pk, PT_HOOK_DMA_BUF_EXPORT, why, sizeof(why));
		fprintf(stderr, "%s: no hook could be attached on this kernel%s%s%s\n", src->prog,
			*why ? " (" : "", why, *why ? ")" : "");
		return -EOPNOTSUPP;
	}
	if (o->warn_no_drm && !count_active(&src->pk, true))
		fprintf(stderr,
			"%s: %s: only dma-buf is traced; run again once "
			"drm is loaded\n",
			src->prog,
			src->pk.drm_loaded ? "no DRM hook could be attached" : "drm is not loaded");

	if (o->cgroup_path) {
		err = set_cgroup(src);
		if (err)
			return err;
	}
	if (o->kstack || o->ustack) {
		src->syms = pt_syms_new(o->kstack, o->ustack);
		src->usyms = pt_syms_usyms(src->syms);
	}
	/* without exits the model only learns of them from snapshots */
	if (o->exits) {
		src->exit_link = bpf_program__attach(src->skel->progs.tp_sched_process_exit);
		if (!src->exit_link && o->verbose)
			fprintf(stderr, "%s: process exits are not traced: %s\n", src->prog,
				strerror(errno));
	}
	src->rb = ring_buffer__new(bpf_map__fd(src->skel->maps.events), on_event, src, NULL);
	if (!src->rb) {
		err = -errno;
		fprintf(stderr, "%s: failed to create the ring buffer: %s\n", src->prog,
			pt_errstr(err));
		return err;
	}
	return 0;
}

static void deliver(struct pt_source *src, const struct pt_record *rec)
{
	if (rec->ev.type < PT_EV_MAX)
		src->events[rec->ev.type]++;
	if (src->o.fn && src->o.fn(rec, src->o.ctx))
		src->stop = true;
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct pt_source *src = ctx;
	struct pt_record rec = { 0 };
	const char *extra = (const char *)data + sizeof(rec.ev);
	struct pt_uframe uf[PT_USTACK_MAX];
	struct pt_stack kst, ust;
	size_t left;

	if (pt_event_decode(data, size, &rec.ev))
		return 0;
	left = size - sizeof(rec.ev);
	/*
	 * What follows the event: its kernel stack, then its user stack, kept
	 * as they are and named only when shown (pt_stack_name()).
	 */
	if (rec.ev.kstack >= 0 && left >= sizeof(struct pt_kstack)) {
		const struct pt_kstack *ks = (const void *)extra;

		kst = (struct pt_stack){ .syms = src->syms,
					 .n = ks->nr < PT_MAX_STACK ? ks->nr : PT_MAX_STACK,
					 .ip = ks->ip };
		rec.kraw = &kst;
		extra += sizeof(struct pt_kstack);
		left -= sizeof(struct pt_kstack);
	}
	if (left >= sizeof(struct pt_ustack) && src->usyms) {
		const struct pt_ustack *us = (const void *)extra;
		int n = us->nr < PT_USTACK_MAX ? us->nr : PT_USTACK_MAX;

		/* the mappings are read now: the process may be gone when it is shown */
		pt_usyms_frames(src->usyms, rec.ev.pid, us->ip, n, uf);
		ust = (struct pt_stack){ .syms = src->syms, .user = true, .n = n, .uf = uf };
		rec.uraw = n > 0 ? &ust : NULL;
	}
	if (src->o.tables == PT_TABLES_ONLY) {
		/*
		 * Live tables: a process's first record says it exists, so that
		 * its mappings are read while it lives; the tables hold the
		 * rest and name its user stacks at the end.
		 */
		if (rec.ev.type != PT_EV_TASK_EXIT) {
			if (src->usyms)
				pt_usyms_load(src->usyms, rec.ev.pid);
			pt_record_free(&rec);
			return 0;
		}
		if (src->usyms) {
			__u32 *slot = &src->exited[src->nexited++ % PT_TABLES_EXITED];

			if (src->nexited > PT_TABLES_EXITED)
				pt_usyms_forget(src->usyms, *slot);
			*slot = rec.ev.pid;
		}
	} else if (rec.ev.type == PT_EV_TASK_EXIT && src->usyms) {
		pt_usyms_forget(src->usyms, rec.ev.pid);
	}
	deliver(src, &rec);
	pt_record_free(&rec);
	return src->stop ? -ECANCELED : 0;
}

static int rb_result(struct pt_source *src, int err)
{
	if (err == -EINTR || err == -ECANCELED || err >= 0)
		return 0;
	fprintf(stderr, "%s: reading the ring buffer: %s\n", src->prog, pt_errstr(err));
	return err;
}

/* the per-CPU counters, summed: map lookups, for the end */
static void read_counters(struct pt_source *src, struct pt_summary *sum)
{
	int ncpus = libbpf_num_possible_cpus();
	__u64 *vals;

	sum->missed = pt_source_misses(src, NULL, NULL);
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
		if (bpf_map_lookup_elem(bpf_map__fd(src->skel->maps.drops), &type, vals))
			continue;
		for (int c = 0; c < ncpus; c++) {
			sum->drops[type] += vals[c];
			sum->drops_by_cpu[c] += vals[c];
		}
	}
	for (__u32 hook = 0; hook < PT_HOOK_MAX; hook++) {
		if (bpf_map_lookup_elem(bpf_map__fd(src->skel->maps.calls), &hook, vals))
			continue;
		for (int c = 0; c < ncpus; c++)
			sum->calls[hook] += vals[c];
	}
	free(vals);
}

/* --- replay ------------------------------------------------------------------- */

static int open_replay(struct pt_source *src)
{
	const struct pt_source_opts *o = &src->o;
	int err;

	/* a recording knows cgroup ids only: the directory's, exactly */
	if (o->cgroup_path)
		src->o.filter.cgroup = o->cgroup_id;
	src->in = pt_input_open(o->input, o->summary_first);
	if (!src->in)
		return -errno;
	if (!o->summary_first)
		return 0;
	/* the first pass judges no line: the second says which is bad */
	err = pt_input_read(src->in, o->input, true, NULL, NULL, NULL, &src->recorded);
	if (!err && fseek(src->in, 0, SEEK_SET)) {
		err = -errno;
		fprintf(stderr, "%s: %s: cannot read it again: %s\n", pt_prog, o->input,
			strerror(errno));
	}
	clearerr(src->in);
	return err;
}

static int replay_record(const struct pt_record *rec, void *ctx)
{
	struct pt_source *src = ctx;

	if (pt_filter_match(&src->o.filter, &rec->ev))
		deliver(src, rec);
	return src->stop;
}

static int replay(struct pt_source *src)
{
	const struct pt_source_opts *o = &src->o;

	if (src->read)
		return 0;
	src->read = true;
	return pt_input_read(src->in, o->input, o->skip_bad_lines, o->skipped, replay_record, src,
			     o->summary_first ? NULL : &src->recorded);
}

/* --- the source ------------------------------------------------------------------ */

int pt_source_open(const struct pt_source_opts *opts, struct pt_source **out)
{
	struct pt_source *src = calloc(1, sizeof(*src));

	*out = src;
	if (!src) {
		fprintf(stderr, "%s: out of memory\n", opts->prog ?: "primetrace");
		return -ENOMEM;
	}
	src->o = *opts;
	src->prog = opts->prog ?: "primetrace";
	return opts->input ? open_replay(src) : open_live(src);
}

int pt_source_attach(struct pt_source *src)
{
	return src->o.input ? 0 : attach_live(src);
}

int pt_source_poll(struct pt_source *src, int timeout_ms)
{
	int err;

	if (src->o.input)
		return replay(src);
	if (!src->rb || src->stop)
		return 0;
	/*
	 * A wait that ends without a wakeup still reads: the producers wake
	 * the reader only when the ring fills up (rb_flags() in the BPF side).
	 */
	err = ring_buffer__poll(src->rb, timeout_ms);
	if (err == 0)
		err = ring_buffer__consume(src->rb);
	return rb_result(src, err);
}

int pt_source_consume(struct pt_source *src)
{
	if (src->o.input)
		return replay(src);
	if (!src->rb || src->stop)
		return 0;
	return rb_result(src, ring_buffer__consume(src->rb));
}

int pt_source_epoll_fd(const struct pt_source *src)
{
	return src->rb ? ring_buffer__epoll_fd(src->rb) : -1;
}

bool pt_source_done(const struct pt_source *src)
{
	return src->stop || (src->o.input && src->read);
}

static void table_record(const struct pt_record *rec, void *ctx)
{
	struct pt_source *src = ctx;

	if (!src->stop)
		deliver(src, rec);
}

void pt_source_stop(struct pt_source *src)
{
	if (src->o.input)
		return;
	/* the producers first: every event is then either read or counted lost */
	detach_all(src);
	if (src->rb && !src->stop)
		ring_buffer__consume(src->rb);
	if (src->o.tables && src->skel && !src->stop)
		pt_tables_read(src->skel, src->syms, src->usyms, table_record, src);
}

int pt_source_tables(struct pt_source *src, void (*fn)(const struct pt_record *rec, void *ctx),
		     void *ctx)
{
	if (src->o.input || !src->o.tables || !src->skel || src->stop)
		return 0;
	return pt_tables_read(src->skel, src->syms, src->usyms, fn, ctx);
}

int pt_source_table_procs(struct pt_source *src,
			  void (*fn)(__u32 pid, const struct pt_tproc *p, void *ctx), void *ctx)
{
	if (src->o.input || !src->o.tables || !src->skel || src->stop)
		return -EINVAL;
	return pt_tables_procs(src->skel, fn, ctx);
}

__u64 pt_source_table_lost(struct pt_source *src)
{
	return src->o.tables && src->skel ? pt_tables_lost(src->skel) : 0;
}

int pt_source_tables_keep(struct pt_source *src, struct pt_tables_keep *k)
{
	if (src->o.input || !src->o.tables || !src->skel)
		return -EINVAL;
	return pt_tables_keep(src->skel, k);
}

int pt_source_tables_prune(struct pt_source *src, const struct pt_tables_alive *a)
{
	if (src->o.input || !src->o.tables || !src->skel)
		return -EINVAL;
	return pt_tables_prune(src->skel, a);
}

void pt_source_summary(struct pt_source *src, struct pt_summary *sum)
{
	struct pt_summary *rec = &src->recorded;

	memset(sum, 0, sizeof(*sum));
	memcpy(sum->events, src->events, sizeof(sum->events));
	if (!src->o.input) {
		if (!src->skel)
			return;
		read_counters(src, sum);
		if (src->o.tables)
			sum->table_lost = pt_tables_lost(src->skel);
		for (int id = 1; id < PT_HOOK_MAX; id++)
			snprintf(sum->how[id], sizeof(sum->how[id]), "%s",
				 pt_how_name(src->pk.hooks[id].how, pt_hook_descs[id].at_exit));
		return;
	}
	/* what was lost stays lost: the recorded counters carry over */
	if (rec->have) {
		memcpy(sum->drops, rec->drops, sizeof(rec->drops));
		memcpy(sum->calls, rec->calls, sizeof(rec->calls));
		memcpy(sum->how, rec->how, sizeof(rec->how));
		sum->duration = rec->duration;
		sum->ncpus = rec->ncpus;
		sum->missed = rec->missed;
		sum->drops_by_cpu = rec->drops_by_cpu;
		rec->drops_by_cpu = NULL;
	}
	sum->have = rec->have;
}

void pt_source_close(struct pt_source *src)
{
	if (!src)
		return;
	unload(src);
	pt_syms_put(src->syms);
	pt_input_close(src->in);
	pt_summary_free(&src->recorded);
	free(src);
}

const struct pt_kernel *pt_source_kernel(const struct pt_source *src)
{
	return src && !src->o.input ? &src->pk : NULL;
}

int pt_source_hooks(const struct pt_source *src, int *drm)
{
	int d = src->o.input ? 0 : count_active(&src->pk, true);

	if (drm)
		*drm = d;
	return src->o.input ? 0 : count_active(&src->pk, false) + d;
}

/*
 * Read at every poll: from the mapped .bss, no map lookup. A lookup keeps
 * the kernel's bpf_prog_active raised on its CPU meanwhile, and every
 * kprobe program of a task switched to there then misses its call.
 */
__u64 pt_source_drops(const struct pt_source *src)
{
	if (!src || !src->skel || !src->skel->bss)
		return 0;
	return __atomic_load_n(&src->skel->bss->drops_total, __ATOMIC_RELAXED);
}

__u64 pt_source_misses(const struct pt_source *src,
		       void (*fn)(const char *prog, __u64 n, void *ctx), void *ctx)
{
	struct bpf_program *prog;
	__u64 total = 0;

	if (!src || !src->skel)
		return 0;
	bpf_object__for_each_program(prog, src->skel->obj)
	{
		struct bpf_prog_info info = { 0 };
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len) || !info.recursion_misses)
			continue;
		total += info.recursion_misses;
		if (fn)
			fn(bpf_program__name(prog), info.recursion_misses, ctx);
	}
	return total;
}

/* --- recordings ------------------------------------------------------------- */

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
