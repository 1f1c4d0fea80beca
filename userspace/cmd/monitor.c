// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * primetrace monitor: the service. It traces until SIGINT or SIGTERM into
 * one lifetime model bounded by --max-objects, and from it
 *   - writes metrics in the Prometheus text format to --metrics-file
 *     (atomically: a temporary file in the same folder, then rename) and
 *     serves them on --metrics-listen (HTTP/1.0, GET /metrics);
 *   - prints a one-line summary on stderr for each new leak suspect, and
 *     the full leak report every --report-every seconds;
 *   - answers 'primetrace leaks|objects|top --connect' on a unix socket
 *     only its owner may open, with what the command would print;
 *   - follows the DRM modules: it attaches their hooks when they load,
 *     lets them unload (kprobes in modules, see --attach unpinned), and
 *     attaches again when they come back.
 * Everything runs in one poll loop: the ring buffer, the listening
 * sockets, their clients (non-blocking, bounded, with a deadline) and the
 * timers. The numbers reach the metrics through struct pm_view (view.h).
 */
#include <argp.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "checker.h"
#include "hashmap.h"
#include "lifetime.h"
#include "monitor.h"
#include "openmetrics.h"
#include "options.h"
#include "tables.h"

static const char monitor_doc[] =
    "Run as a service until SIGINT or SIGTERM: trace PRIME and dma-buf events into\n"
    "a bounded lifetime model, export metrics, report leak suspects, and answer\n"
    "'primetrace leaks|objects|top --connect' on a unix socket.\n"
    "\n"
    "USAGE: primetrace monitor [--metrics-file FILE] [--metrics-listen ADDR:PORT]\n"
    "                          [--socket PATH] [--report-every SECONDS] [--refresh SECONDS]\n"
    "\n"
    "EXAMPLES:\n"
    "    primetrace monitor --metrics-file /var/lib/prometheus/node-exporter/primetrace.prom\n"
    "    primetrace monitor --metrics-listen 127.0.0.1:9464 --report-every 3600\n"
    "    primetrace monitor --tables --metrics-listen 127.0.0.1:9464\n"
    "    primetrace leaks --connect /run/primetrace/monitor.sock\n"
    "\n"
    "Each new leak suspect gives one line on stderr. The metrics say when the\n"
    "picture is incomplete (primetrace_incomplete, and why). DRM's hooks are\n"
    "attached when drm loads, also after the monitor started, as kprobes by\n"
    "default so that the modules stay unloadable, and again after a reload.\v";

enum {
	OPT_METRICS_FILE = 0x300,
	OPT_METRICS_LISTEN,
	OPT_SOCKET,
	OPT_REPORT_EVERY,
	OPT_INTERVAL,
	OPT_TOP,
	OPT_MAX_OBJECTS,
	OPT_NO_STACKS,
	OPT_NO_SOCKET,
	OPT_CHECK,
};

static const struct argp_option monitor_options[] = {
	{ "metrics-file", OPT_METRICS_FILE, "FILE", 0,
	  "Write the metrics to FILE (Prometheus text format, replaced atomically each interval)",
	  0 },
	{ "metrics-listen", OPT_METRICS_LISTEN, "ADDR:PORT", 0,
	  "Serve the metrics over HTTP on ADDR:PORT (GET /metrics)", 0 },
	{ "socket", OPT_SOCKET, "PATH", 0,
	  "Answer --connect clients on PATH (default " PT_MONITOR_SOCKET ", mode 0600)", 0 },
	{ "no-socket", OPT_NO_SOCKET, NULL, 0, "Do not open the --connect socket", 0 },
	{ "report-every", OPT_REPORT_EVERY, "SECONDS", 0,
	  "Print the leak report on stdout every SECONDS (default: never)", 0 },
	{ "refresh", OPT_INTERVAL, "SECONDS", 0,
	  "Refresh the metrics and look for new suspects every SECONDS (default 10)", 0 },
	{ "top", OPT_TOP, "N", 0,
	  "Label the N largest exporters and processes, the rest as \"other\" (default 10)", 0 },
	{ "max-objects", OPT_MAX_OBJECTS, "N", 0,
	  "Track at most N buffers, objects, handles, attachments and holders (default 65536)", 0 },
	{ "no-stacks", OPT_NO_STACKS, NULL, 0, "Do not collect stacks", 0 },
	{ "check", OPT_CHECK, NULL, 0,
	  "Also check the PRIME invariants: one line per violation, counted by rule", 0 },
	{ 0 },
};

#define HTTP_MAX_CLIENTS   8
#define HTTP_REQ_MAX	   2048
#define CLIENT_DEADLINE_MS 5000
#define SOCK_MAX_CLIENTS   4

struct client {
	int fd;
	char *in;
	size_t inlen, inmax;
	char *out;
	size_t outlen, outoff;
	__u64 deadline;
};

static struct mon {
	struct pt_trace_opts opts;
	const char *metrics_file;
	const char *listen;
	const char *socket;
	bool no_socket;
	double report_every;
	double interval;
	unsigned long top;
	unsigned long max_objects;
	bool no_stacks;
	bool check;
	/* running */
	struct pm_model *m;
	struct pc_checker *c; /* --check */
	__u64 checker_drops, checker_missed;
	struct pt_source *src;
	__u64 drm_sig; /* which hook modules are live, and where */
	__u64 attaches;
	bool attach_failing;
	__u64 lost_before, missed_before, events_before; /* of sources closed since */
	__u64 table_lost_before;
	struct alive {
		bool on;	      /* the snapshot of an attach: what it finds */
		bool bufs, handles;   /* it listed every dma-buf, every handle */
		struct pt_map inos;   /* ino of each dma-buf */
		struct pt_map handle; /* (file, handle) of each GEM handle */
	} alive;
	__u64 noted_drops;
	unsigned long skipped; /* --input --skip-bad-lines */
	struct pm_leak_opts lo;
	struct skey {
		int kind;
		__u32 pid, handle;
		__u64 ino, obj, file;
	} * keys;
	size_t nkeys;
	char *metrics; /* the last text */
	size_t metrics_len;
	bool write_failing;
	__u64 write_errors;
	int http_fd, sock_fd;
	struct client http[HTTP_MAX_CLIENTS];
	struct client sock[SOCK_MAX_CLIENTS];
} mon;

static __u64 now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

static error_t parse_monitor(int key, char *arg, struct argp_state *state)
{
	struct mon *mo = state->input;
	unsigned long v;
	double d;

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &mo->opts;
		break;
	case OPT_METRICS_FILE:
		mo->metrics_file = arg;
		break;
	case OPT_METRICS_LISTEN:
		if (!strchr(arg, ':')) {
			argp_error(state, "--metrics-listen %s: expected ADDR:PORT", arg);
			return EINVAL;
		}
		mo->listen = arg;
		break;
	case OPT_SOCKET:
		if (strlen(arg) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
			argp_error(state, "--socket %s: path too long for a unix socket", arg);
			return EINVAL;
		}
		mo->socket = arg;
		break;
	case OPT_NO_SOCKET:
		mo->no_socket = true;
		break;
	case OPT_REPORT_EVERY:
	case OPT_INTERVAL:
		if (pt_parse_seconds(arg, &d) || d < 0.5 || d > 86400 * 7) {
			argp_error(state, "--%s %s: 0.5 to 604800 seconds",
				   key == OPT_INTERVAL ? "refresh" : "report-every", arg);
			return EINVAL;
		}
		*(key == OPT_INTERVAL ? &mo->interval : &mo->report_every) = d;
		break;
	case OPT_TOP:
		if (pt_parse_uint(arg, 1, PM_VIEW_TOP_MAX, &v)) {
			argp_error(state, "--top %s: 1 to %d", arg, PM_VIEW_TOP_MAX);
			return EINVAL;
		}
		mo->top = v;
		break;
	case OPT_MAX_OBJECTS:
		if (pt_parse_uint(arg, 16, 100000000, &v)) {
			argp_error(state, "--max-objects %s: 16 to 100000000", arg);
			return EINVAL;
		}
		mo->max_objects = v;
		break;
	case OPT_NO_STACKS:
		mo->no_stacks = true;
		break;
	case OPT_CHECK:
		mo->check = true;
		break;
	case ARGP_KEY_END:
		if (mo->check && mo->opts.tables) {
			argp_error(state, "--check reads every event: not with --tables");
			return EINVAL;
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

static const struct argp monitor_argp = {
	.options = monitor_options,
	.parser = parse_monitor,
	.doc = monitor_doc,
	.children = pt_tables_child,
};

int pt_monitor_parse(int argc, char **argv)
{
	memset(&mon, 0, sizeof(mon));
	pt_trace_opts_init(&mon.opts);
	mon.interval = 10;
	mon.top = 10;
	mon.http_fd = mon.sock_fd = -1;
	return pt_argp_parse(&monitor_argp, argc, argv, 0, &mon);
}

/* --- the model and the source ----------------------------------------------- */

/* the model of the moment: with --tables, a new one each refresh */
static int feed(const struct pt_record *rec, void *ctx)
{
	(void)ctx;
	pm_model_feed(mon.m, rec);
	if (mon.c)
		pc_checker_feed(mon.c, rec);
	return 0;
}

static void alive_note(const struct pt_event *e)
{
	static char one;

	switch (e->type) {
	case PT_EV_SNAP_BUF:
		if (e->ino)
			pt_map_put(&mon.alive.inos, e->ino, &one);
		break;
	case PT_EV_SNAP_HANDLE:
		pt_map_put(&mon.alive.handle, pt_map_key2(e->file, e->handle), &one);
		break;
	case PT_EV_SNAP_END:
		mon.alive.bufs = e->flags & PT_SNAP_BUFS;
		mon.alive.handles = e->flags & PT_SNAP_HANDLES;
		break;
	}
}

/* the checker's rules are on events: a snapshot is the model's only */
static int feed_snapshot(const struct pt_record *rec, void *ctx)
{
	if (mon.alive.on)
		alive_note(&rec->ev);
	if (pt_filter_match(&mon.opts.filter, &rec->ev))
		pm_model_feed(ctx, rec);
	return 0;
}

static void snapshot(void)
{
	struct pt_snapshot_opts so = {
		.btf_path = mon.opts.btf_path,
		.verbose = mon.opts.verbose,
	};

	if (mon.opts.input)
		return;
	/* what waits in the ring buffer is older than the snapshot */
	if (mon.src)
		pt_source_consume(mon.src);
	pt_snapshot(&so, feed_snapshot, mon.m);
}

/*
 * Which modules that hooks live in are loaded, at which address, and
 * which load of each it is: a change (a load, an unload, a reload between
 * two looks) means attaching again. /proc/modules lists "name size refs
 * deps state address"; a module unloaded and loaded again within one look
 * often lands at the same address (its kprobes are gone all the same), so
 * the inode of its /sys/module directory, new at each load, is taken too.
 */
static __u64 modules_signature(void)
{
	char line[512], name[64], state[16], path[96];
	unsigned long long addr;
	__u64 sig = 1469598103934665603ULL;
	struct stat st;
	FILE *f = fopen("/proc/modules", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		bool ours = false;

		if (sscanf(line, "%63s %*u %*d %*s %15s %llx", name, state, &addr) != 3)
			continue;
		for (int id = 1; id < PT_HOOK_MAX && !ours; id++)
			ours = pt_hook_descs[id].module && !strcmp(pt_hook_descs[id].module, name);
		if (!ours)
			continue;
		/* a module still loading or going away is not there yet */
		if (strcmp(state, "Live"))
			addr = 0;
		for (const char *p = name; *p; p++)
			sig = (sig ^ (unsigned char)*p) * 1099511628211ULL;
		sig = (sig ^ addr) * 1099511628211ULL;
		snprintf(path, sizeof(path), "/sys/module/%s", name);
		if (!stat(path, &st))
			sig = (sig ^ st.st_ino) * 1099511628211ULL;
	}
	fclose(f);
	return sig;
}

/* stop and close the source, keeping its counts */
static void detach(void)
{
	struct pt_summary sum;

	if (!mon.src)
		return;
	pt_source_stop(mon.src);
	pt_source_summary(mon.src, &sum);
	mon.table_lost_before += sum.table_lost;
	mon.lost_before += pt_summary_drops(&sum);
	mon.events_before += pt_summary_events(&sum);
	mon.missed_before += pt_source_misses(mon.src, NULL, NULL);
	pt_summary_free(&sum);
	pt_source_close(mon.src);
	mon.src = NULL;
}

static int attach(const struct pt_tables_keep *tables_from)
{
	struct pt_source_opts so = {
		.prog = pt_prog,
		.fn = feed,
		.filter = mon.opts.filter,
		.cgroup_path = mon.opts.cgroup_path,
		.ringbuf_size = mon.opts.ringbuf_size,
		.mode = mon.opts.mode,
		.exits = true,
		.tables = mon.opts.tables,
		/* objects --connect lists attachments, the metrics count them */
		.table_extra = PT_TX_ATTACH,
		.table_size = mon.opts.table_size,
		.tables_from = tables_from,
		.kstack = !mon.no_stacks,
		.ustack = !mon.no_stacks,
		.btf_path = mon.opts.btf_path,
		.verbose = mon.opts.verbose,
		.input = mon.opts.input,
		.skip_bad_lines = mon.opts.skip_bad_lines,
		.skipped = &mon.skipped,
	};
	struct pt_summary sum;
	int err, n, drm;

	mon.drm_sig = modules_signature();
	err = pt_source_open(&so, &mon.src);
	if (!err)
		err = pt_source_attach(mon.src);
	/* a recording: all of it now, then it is served as it ends */
	if (!err && mon.opts.input && !(err = pt_source_poll(mon.src, -1))) {
		pt_source_summary(mon.src, &sum);
		mon.lost_before = pt_summary_drops(&sum);
		pt_summary_free(&sum);
		pm_model_note_skipped(mon.m, mon.skipped);
		fprintf(stderr, "%s: %s read\n", pt_prog, mon.opts.input);
		return 0;
	}
	if (err) {
		pt_source_close(mon.src);
		mon.src = NULL;
		return err;
	}
	mon.attaches++;
	for (int id = 1; mon.c && id < PT_HOOK_MAX; id++)
		pc_checker_set_hook(mon.c, id,
				    pt_how_active(pt_source_kernel(mon.src)->hooks[id].how));
	n = pt_source_hooks(mon.src, &drm);
	/* what was made while nothing was attached */
	snapshot();
	/* after the snapshot: from this line on, the picture is whole */
	fprintf(stderr, "%s: attached %d hooks (%d DRM)%s\n", pt_prog, n, drm,
		drm ? "" : "; DRM's when drm loads");
	return 0;
}

static bool alive_buf(void *ctx, __u64 dmabuf, __u64 ino)
{
	return pt_map_get(&mon.alive.inos, ino) != NULL;
}

static bool alive_handle(void *ctx, __u64 file, __u32 handle)
{
	return pt_map_get(&mon.alive.handle, pt_map_key2(file, handle)) != NULL;
}

/*
 * After a module change: the old programs go, then the new ones come.
 * Without tables the model outlives the sources. With --tables what is
 * alive is in the tables, which the new programs take over from the old
 * (pt_tables_keep()); no program of the old is left attached meanwhile
 * (attaching the new ones first held drm: rmmod drm failed with EAGAIN).
 * What went while nothing was attached is taken out of the tables by the
 * attach's snapshot, where it lists everything; what was made meanwhile
 * it adds, as at start-up (docs/monitor.md).
 */
static int reattach(void)
{
	struct pt_tables_alive a = { .buf = alive_buf, .handle = alive_handle };
	struct pt_tables_keep keep;
	bool kept = mon.opts.tables && mon.src && !pt_source_tables_keep(mon.src, &keep);
	int err, n;

	detach();
	if (!kept)
		return attach(NULL);
	mon.alive = (struct alive){ .on = true };
	a.since = now_ms() * 1000000ULL;
	err = attach(&keep);
	pt_tables_keep_close(&keep);
	mon.alive.on = false;
	if (err) {
		/* the old tables could not be taken over: new ones */
		err = attach(NULL);
	} else {
		a.bufs = mon.alive.bufs;
		a.handles = mon.alive.handles;
		n = pt_source_tables_prune(mon.src, &a);
		if (n < 0)
			fprintf(stderr, "%s: pruning the live tables: %s\n", pt_prog, strerror(-n));
		else if (n > 0)
			fprintf(stderr, "%s: %d table entries went while detached: dropped\n",
				pt_prog, n);
	}
	pt_map_release(&mon.alive.inos);
	pt_map_release(&mon.alive.handle);
	return err;
}

/* --- new suspects --------------------------------------------------------- */

static int key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct skey));
}

static void suspect_key(const struct pm_suspect *s, struct skey *k)
{
	memset(k, 0, sizeof(*k));
	k->kind = s->kind;
	k->pid = s->pid;
	k->handle = s->handle;
	k->ino = s->ino;
	k->obj = s->obj;
	k->file = s->file;
}

/* one line on stderr (the journal) per suspect not seen at the last look */
static void new_suspects(const struct pm_suspect *s, int n)
{
	struct skey *keys = calloc(n ? n : 1, sizeof(*keys));
	char sz[24], t1[1024], t2[4 * PT_COMM_LEN];

	if (!keys)
		return;
	for (int i = 0; i < n; i++)
		suspect_key(&s[i], &keys[i]);
	for (int i = 0; i < n; i++) {
		if (mon.keys && bsearch(&keys[i], mon.keys, mon.nkeys, sizeof(*keys), key_cmp))
			continue;
		fprintf(stderr, "%s: new suspect: %s: pid %u (%s)", pt_prog,
			pm_leak_kind_name(s[i].kind), s[i].pid,
			s[i].comm[0] ? pt_text(t2, sizeof(t2), s[i].comm) : "?");
		if (s[i].ino)
			fprintf(stderr, ", ino %llu", (unsigned long long)s[i].ino);
		if (s[i].size)
			fprintf(stderr, ", %s", pt_size_text(sz, sizeof(sz), s[i].size));
		fprintf(stderr, ": %s\n", pt_text(t1, sizeof(t1), s[i].reason));
	}
	qsort(keys, n, sizeof(*keys), key_cmp);
	free(mon.keys);
	mon.keys = keys;
	mon.nkeys = n;
}

/* --- metrics ------------------------------------------------------------------ */

static const struct {
	unsigned int bit;
	const char *name;
} inc_reasons[] = {
	{ PM_INC_DROPS, "events_lost" },	{ PM_INC_UNSEEN, "unseen" },
	{ PM_INC_BOUND, "table_full" },		{ PM_INC_HOLDERS, "holders_inferred" },
	{ PM_INC_NOFREE, "gem_frees_unseen" },	{ PM_INC_SKIPPED, "input_skipped" },
	{ PM_INC_TABLES, "kernel_table_full" },
};

static void write_groups(FILE *f, const char *name, const char *help_n, const char *help_b,
			 const struct pm_view_group *g, unsigned int n, bool procs)
{
	char metric[96], pid[16];
	const char *labels[4];

	for (int bytes = 0; bytes < 2; bytes++) {
		snprintf(metric, sizeof(metric), "primetrace_%s_dmabufs%s", name,
			 bytes ? "_bytes" : "");
		om_family(f, metric, "gauge", bytes ? help_b : help_n);
		for (unsigned int i = 0; i < n; i++) {
			if (procs) {
				snprintf(pid, sizeof(pid), "%u", g[i].pid);
				labels[0] = "pid";
				labels[1] = g[i].other ? "other" : pid;
				labels[2] = "comm";
				labels[3] = g[i].name;
			} else {
				labels[0] = "exporter";
				labels[1] = g[i].name;
			}
			om_sample(f, metric, labels, procs ? 2 : 1, bytes ? g[i].bytes : g[i].bufs);
		}
	}
}

static void write_metrics(FILE *f, const struct pm_view *v)
{
	static const char *const hows[] = { "fentry",  "kprobe",  "tracepoint",
					    "missing", "covered", "failed" };
	static const enum pt_how how_ids[] = { PT_HOW_FENTRY,  PT_HOW_KPROBE,  PT_HOW_TRACEPOINT,
					       PT_HOW_MISSING, PT_HOW_COVERED, PT_HOW_FAILED };
	const struct pt_kernel *pk = mon.src ? pt_source_kernel(mon.src) : NULL;
	unsigned int incomplete = v->incomplete & ~PM_INC_HOLDERS;
	int drm = 0;

	om_single(f, "primetrace_dmabufs", "gauge", "Live dma-bufs", v->bufs);
	om_single(f, "primetrace_dmabuf_bytes", "gauge", "Bytes of the live dma-bufs", v->bytes);
	write_groups(f, "exporter", "Live dma-bufs by exporter (the top N, then other)",
		     "Bytes of the live dma-bufs by exporter (the top N, then other)", v->exporters,
		     v->nexporters, false);
	write_groups(f, "process",
		     "Live dma-bufs by the process that exported them (the top N, then other)",
		     "Bytes of the live dma-bufs by exporting process (the top N, then other)",
		     v->procs, v->nprocs, true);
	om_single(f, "primetrace_gem_objects", "gauge", "Live GEM objects", v->gem_objects);
	om_single(f, "primetrace_gem_handles", "gauge", "Live GEM handles", v->gem_handles);
	om_single(f, "primetrace_import_handles", "gauge",
		  "Live GEM handles made by importing a dma-buf (PRIME fd to handle)",
		  v->import_handles);
	om_single(f, "primetrace_dmabuf_attachments", "gauge", "Live dma-buf attachments",
		  v->attachments);
	om_family(f, "primetrace_leak_suspects", "gauge", "Leak suspects now, by rule");
	for (int k = 0; k < PM_LEAK_MAX; k++) {
		const char *l[] = { "rule", pm_leak_kind_name(k) };

		om_sample(f, "primetrace_leak_suspects", l, 1, v->suspects[k]);
	}
	om_single(f, "primetrace_events_total", "counter", "Events read from the kernel",
		  mon.events_before + v->events);
	om_single(f, "primetrace_events_lost_total", "counter",
		  "Events lost because the ring buffer was full",
		  mon.lost_before + (mon.src ? pt_source_drops(mon.src) : 0));
	om_single(f, "primetrace_events_missed_total", "counter",
		  "Calls the BPF programs did not see (the kernel's recursion misses)",
		  mon.missed_before + (mon.src ? pt_source_misses(mon.src, NULL, NULL) : 0));
	om_family(f, "primetrace_hooks", "gauge", "Kernel functions hooked, by how");
	for (size_t i = 0; i < sizeof(hows) / sizeof(hows[0]); i++) {
		const char *l[] = { "how", hows[i] };
		unsigned int n = 0;

		for (int id = 1; pk && id < PT_HOOK_MAX; id++)
			n += pk->hooks[id].how == how_ids[i];
		om_sample(f, "primetrace_hooks", l, 1, n);
	}
	for (int id = 1; pk && id < PT_HOOK_MAX; id++)
		drm += pt_hook_descs[id].drm && pt_how_active(pk->hooks[id].how);
	om_single(f, "primetrace_drm_hooks", "gauge", "DRM hooks attached (0: drm not loaded)",
		  drm);
	om_single(f, "primetrace_attaches_total", "counter",
		  "Times the hooks were attached (again after a DRM module loaded)", mon.attaches);
	om_single(f, "primetrace_table_entries", "gauge", "Entries the lifetime model tracks",
		  v->entries);
	om_single(f, "primetrace_table_capacity", "gauge",
		  "The bound on the lifetime model's entries (--max-objects)", v->max_entries);
	om_single(f, "primetrace_table_evictions_total", "counter",
		  "Entries the lifetime model could not keep because it was full", v->evictions);
	if (mon.opts.tables)
		om_single(f, "primetrace_kernel_table_evictions_total", "counter",
			  "Entries the kernel's live tables (--tables) refused: full, or a stack "
			  "hash collision",
			  v->table_lost);
	om_single(f, "primetrace_incomplete", "gauge",
		  "1 when the picture is incomplete (events lost, table full, ...)",
		  incomplete != 0);
	om_family(f, "primetrace_incomplete_reason", "gauge",
		  "Why the picture is incomplete (holders_inferred: fd closes are only seen by "
		  "the next snapshot)");
	for (size_t i = 0; i < sizeof(inc_reasons) / sizeof(inc_reasons[0]); i++) {
		const char *l[] = { "reason", inc_reasons[i].name };

		om_sample(f, "primetrace_incomplete_reason", l, 1,
			  !!(v->incomplete & inc_reasons[i].bit));
	}
	if (mon.c) {
		struct pc_stats cs;

		pc_checker_stats(mon.c, &cs);
		om_family(f, "primetrace_invariant_violations_total", "counter",
			  "PRIME invariant violations seen (--check), by rule");
		for (int r = 0; r < PC_RULE_MAX; r++) {
			const char *l[] = { "rule", pc_rule_name(r), "invariant",
					    pc_rule_invariant(r) };

			om_sample(f, "primetrace_invariant_violations_total", l, 2,
				  cs.violations[r]);
		}
	}
	om_single(f, "primetrace_metrics_write_errors_total", "counter",
		  "Failed writes of the metrics file", mon.write_errors);
}

/* the file: a temporary one beside it (not *.prom, which a collector would read), renamed */
static void write_metrics_file(void)
{
	char tmp[4096];
	int fd, err = 0;
	ssize_t w = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", mon.metrics_file);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		err = errno;
	for (size_t off = 0; !err && off < mon.metrics_len; off += w) {
		w = write(fd, mon.metrics + off, mon.metrics_len - off);
		if (w < 0)
			err = errno == EINTR ? (w = 0, 0) : errno;
	}
	if (fd >= 0 && close(fd) && !err)
		err = errno;
	if (!err && rename(tmp, mon.metrics_file))
		err = errno;
	if (err) {
		if (fd >= 0)
			unlink(tmp);
		mon.write_errors++;
		if (!mon.write_failing)
			fprintf(stderr, "%s: %s: %s (not updated until it can be written)\n",
				pt_prog, mon.metrics_file, strerror(err));
		mon.write_failing = true;
	} else if (mon.write_failing) {
		fprintf(stderr, "%s: %s: written again\n", pt_prog, mon.metrics_file);
		mon.write_failing = false;
	}
}

/* the leak report every --report-every seconds */
static void report(void)
{
	char *argv[] = { "primetrace leaks", NULL };
	char *save = (char *)pt_prog;

	if (pt_leaks_parse(1, argv) == PT_PARSED)
		pt_leaks_report(stdout, mon.m);
	pt_prog = save;
	fflush(stdout);
}

/* ages are counted to now; a recording's, to its end */
static void set_now(void)
{
	pm_model_set_now(mon.m, mon.opts.input ? 0 : now_ms() * 1000000ULL);
}

#define CHECK_LINES_MAX 10

/* --check: the violations since the last look, a line each (a few at most) */
static void check_step(void)
{
	__u64 drops = mon.lost_before + pt_source_drops(mon.src);
	__u64 missed = mon.missed_before + pt_source_misses(mon.src, NULL, NULL);
	struct pc_violation *v = NULL;
	unsigned int inc;
	char text[256], t[1024];
	size_t n;

	if (drops > mon.checker_drops)
		pc_checker_note_drops(mon.c, drops - mon.checker_drops);
	if (missed > mon.checker_missed)
		pc_checker_note_missed(mon.c, missed - mon.checker_missed);
	mon.checker_drops = drops;
	mon.checker_missed = missed;
	pc_checker_settle(mon.c, mon.opts.input ? ~0ULL : now_ms() * 1000000ULL);
	n = pc_checker_take(mon.c, &v, &inc, text, sizeof(text));
	for (size_t i = 0; i < n && i < CHECK_LINES_MAX; i++)
		fprintf(stderr, "%s: violation: %s (%s): %s\n", pt_prog, pc_rule_name(v[i].rule),
			pc_rule_invariant(v[i].rule), pt_text(t, sizeof(t), v[i].text));
	if (n > CHECK_LINES_MAX)
		fprintf(stderr, "%s: and %zu more violations (counted in the metrics)\n", pt_prog,
			n - CHECK_LINES_MAX);
	free(v);
}

static void feed_table(const struct pt_record *rec, void *ctx)
{
	if (pt_filter_match(&mon.opts.filter, &rec->ev))
		pm_model_feed(ctx, rec);
}

/*
 * --tables: the picture is the kernel's live tables, read into a new
 * model (and what a snapshot finds on top, as without tables), which
 * replaces the last one. The hooks stream nothing else the model needs.
 */
static void tables_read(void)
{
	__u64 lost;
	struct pm_model *m;

	if (!mon.opts.tables || !mon.src)
		return;
	m = pm_model_new(mon.max_objects);
	if (!m) {
		fprintf(stderr, "%s: out of memory\n", pt_prog);
		return;
	}
	pt_source_consume(mon.src);
	if (pt_source_tables(mon.src, feed_table, m)) {
		pm_model_free(m);
		return;
	}
	lost = mon.table_lost_before + pt_source_table_lost(mon.src);
	pm_model_note_table_lost(m, lost);
	pm_model_free(mon.m);
	mon.m = m;
	mon.noted_drops = 0;
}

/* every --refresh: a snapshot, the suspects, the metrics */
static void refresh(void)
{
	struct pm_suspect *s = NULL;
	struct pm_view v;
	__u64 drops = mon.lost_before + (mon.src ? pt_source_drops(mon.src) : 0);
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int n;

	tables_read();
	if (drops > mon.noted_drops) {
		pm_model_note_drops(mon.m, drops - mon.noted_drops);
		mon.noted_drops = drops;
	}
	snapshot();
	set_now();
	n = pm_model_leaks(mon.m, &mon.lo, &s);
	if (n < 0) {
		fprintf(stderr, "%s: out of memory\n", pt_prog);
		return;
	}
	new_suspects(s, n);
	if (mon.c)
		check_step();
	if (pm_view_collect(mon.m, s, n, mon.top, &v)) {
		pm_suspects_free(mon.m, s, n);
		return;
	}
	pm_suspects_free(mon.m, s, n);
	f = open_memstream(&text, &len);
	if (!f)
		return;
	write_metrics(f, &v);
	if (fclose(f)) {
		free(text);
		return;
	}
	free(mon.metrics);
	mon.metrics = text;
	mon.metrics_len = len;
	if (mon.metrics_file)
		write_metrics_file();
}

/* --- clients ------------------------------------------------------------------ */

static void client_close(struct client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->in);
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

static void client_accept(int lfd, struct client *cs, int n, size_t inmax)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	struct client *c = NULL;

	if (fd < 0)
		return;
	/* a free slot, else the oldest client makes room: slow ones cannot lock others out */
	for (int i = 0; i < n; i++) {
		if (cs[i].fd < 0) {
			c = &cs[i];
			break;
		}
		if (!c || cs[i].deadline < c->deadline)
			c = &cs[i];
	}
	client_close(c);
	c->fd = fd;
	c->in = malloc(inmax);
	c->inmax = inmax;
	c->deadline = now_ms() + CLIENT_DEADLINE_MS;
	if (!c->in)
		client_close(c);
}

/* send what is left; true when the client is done with */
static bool client_send(struct client *c)
{
	while (c->outoff < c->outlen) {
		ssize_t w = send(c->fd, c->out + c->outoff, c->outlen - c->outoff,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w < 0)
			return errno != EAGAIN && errno != EINTR;
		c->outoff += w;
		/* a long answer read slowly is fine: only a client that stops is dropped */
		c->deadline = now_ms() + CLIENT_DEADLINE_MS;
	}
	return true;
}

/* read what came; -1: closed or broken, 0: more wanted, 1: full or ended */
static int client_read(struct client *c)
{
	ssize_t r = recv(c->fd, c->in + c->inlen, c->inmax - c->inlen, MSG_DONTWAIT);

	if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
		return -1;
	if (r > 0)
		c->inlen += r;
	return c->inlen == c->inmax;
}

static void http_answer(struct client *c)
{
	static const char *const status[] = { "200 OK", "404 Not Found", "405 Method Not Allowed",
					      "400 Bad Request" };
	const char *body = "";
	size_t blen = 0, hlen;
	char head[256];
	int st = 3;

	if (!strncmp(c->in, "GET ", 4) || !strncmp(c->in, "HEAD ", 5)) {
		const char *path = c->in + (c->in[0] == 'G' ? 4 : 5);
		size_t plen = strcspn(path, " \r\n");

		if ((plen == 8 && !strncmp(path, "/metrics", 8)) ||
		    (plen > 8 && !strncmp(path, "/metrics?", 9))) {
			st = 0;
			body = mon.metrics ?: "";
			blen = c->in[0] == 'G' ? mon.metrics_len : 0;
		} else {
			st = 1;
			body = "not found: try /metrics\n";
			blen = strlen(body);
		}
	} else if (memchr(c->in, ' ', c->inlen)) {
		st = 2;
		body = "only GET /metrics\n";
		blen = strlen(body);
	}
	hlen = snprintf(head, sizeof(head),
			"HTTP/1.0 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
			"Connection: close\r\n%s\r\n",
			status[st], st ? "text/plain" : "text/plain; version=0.0.4; charset=utf-8",
			st == 0 ? mon.metrics_len : blen, st == 2 ? "Allow: GET, HEAD\r\n" : "");
	c->out = malloc(hlen + blen);
	if (!c->out) {
		client_close(c);
		return;
	}
	memcpy(c->out, head, hlen);
	memcpy(c->out + hlen, body, blen);
	c->outlen = hlen + blen;
}

static void http_event(struct client *c, short revents)
{
	if (!c->out && (revents & (POLLIN | POLLHUP | POLLERR))) {
		int r = client_read(c);

		if (r < 0) {
			client_close(c);
			return;
		}
		/* the request line and headers end with an empty line; a full buffer ends it too */
		if (r == 0 && !memmem(c->in, c->inlen, "\r\n\r\n", 4) &&
		    !memmem(c->in, c->inlen, "\n\n", 2))
			return;
		c->in[c->inlen - (c->inlen == c->inmax)] = '\0';
		http_answer(c);
		if (c->fd < 0)
			return;
	}
	if (c->out && client_send(c))
		client_close(c);
}

static int listen_tcp(const char *spec)
{
	char host[256];
	const char *colon = strrchr(spec, ':');
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in a4 = { .sin_family = AF_INET };
	unsigned long port;
	int fd, one = 1;
	bool v6;

	snprintf(host, sizeof(host), "%.*s", (int)(colon - spec), spec);
	if (pt_parse_uint(colon + 1, 1, 65535, &port)) {
		fprintf(stderr, "%s: --metrics-listen %s: a port 1 to 65535\n", pt_prog, spec);
		return -EINVAL;
	}
	/* "[::1]:9464" */
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	v6 = strchr(host, ':') != NULL;
	if (!host[0])
		snprintf(host, sizeof(host), "0.0.0.0");
	if ((v6 && inet_pton(AF_INET6, host, &a6.sin6_addr) != 1) ||
	    (!v6 && inet_pton(AF_INET, host, &a4.sin_addr) != 1)) {
		fprintf(stderr, "%s: --metrics-listen %s: not an IP address\n", pt_prog, spec);
		return -EINVAL;
	}
	a6.sin6_port = a4.sin_port = htons(port);
	fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if ((v6 ? bind(fd, (struct sockaddr *)&a6, sizeof(a6))
		: bind(fd, (struct sockaddr *)&a4, sizeof(a4))) ||
	    listen(fd, 16)) {
		int err = -errno;

		fprintf(stderr, "%s: --metrics-listen %s: %s\n", pt_prog, spec, strerror(-err));
		close(fd);
		return err;
	}
	return fd;
}

/* --- the --connect socket -------------------------------------------------- */

static int listen_unix(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	char dir[sizeof(a.sun_path)];
	char *slash;
	int fd, err;
	mode_t old;

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		/* our own folder: only the owner gets in */
		if (mkdir(dir, 0700) && errno != EEXIST) {
			err = -errno;
			fprintf(stderr, "%s: %s: %s\n", pt_prog, dir, strerror(errno));
			return err;
		}
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* a socket left by a monitor that died; a live one would answer */
	if (!connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		fprintf(stderr, "%s: %s: another monitor answers there\n", pt_prog, path);
		close(fd);
		return -EADDRINUSE;
	}
	unlink(path);
	old = umask(0177);
	err = bind(fd, (struct sockaddr *)&a, sizeof(a)) ? -errno : 0;
	umask(old);
	if (!err && chmod(path, 0600))
		err = -errno;
	if (!err && listen(fd, 8))
		err = -errno;
	if (err) {
		fprintf(stderr, "%s: --socket %s: %s\n", pt_prog, path, strerror(-err));
		close(fd);
		return err;
	}
	return fd;
}

/* the peer is our own user (or root); the socket's mode already says so, twice is cheap */
static bool peer_allowed(int fd)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len))
		return false;
	return cr.uid == 0 || cr.uid == geteuid();
}

/* the report of a command on the monitor's model, as that command would print it */
static int answer(const char *cmd, int argc, char **argv, FILE *out, FILE *err)
{
	static const struct {
		const char *name;
		int (*parse)(int argc, char **argv);
		int (*report)(FILE *f, struct pm_model *m);
	} cmds[] = {
		{ "leaks", pt_leaks_parse, pt_leaks_report },
		{ "objects", pt_objects_parse, pt_objects_report },
		{ "top", pt_top_parse, pt_top_report },
	};
	int r;

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(cmd, cmds[i].name))
			continue;
		r = cmds[i].parse(argc, argv);
		if (r == PT_PARSED_HELP)
			return PT_EXIT_OK;
		if (r != PT_PARSED)
			return PT_EXIT_USAGE;
		/* --tables: the report is of the tables as they are now */
		if (mon.opts.tables) {
			__u64 drops = mon.lost_before + (mon.src ? pt_source_drops(mon.src) : 0);

			tables_read();
			pm_model_note_drops(mon.m, drops);
			mon.noted_drops = drops;
			snapshot();
		}
		set_now();
		return cmds[i].report(out, mon.m);
	}
	fprintf(err, "%s: the monitor answers leaks, objects and top\n", argv[0]);
	return PT_EXIT_USAGE;
}

static void sock_answer(struct client *c)
{
	char *argv[PT_MONITOR_MAX_ARGS + 1], *out = NULL, *err = NULL;
	size_t outlen = 0, errlen = 0, hlen;
	const char *save = pt_prog;
	char head[96], name[64];
	FILE *fo, *fe;
	int argc = 0, rc = PT_EXIT_USAGE;

	/* "PTMON1\n", then NUL-terminated arguments, the command first, an empty one last */
	for (size_t off = sizeof(PT_MONITOR_MAGIC) - 1;
	     off < c->inlen && argc < PT_MONITOR_MAX_ARGS;) {
		size_t l = strnlen(c->in + off, c->inlen - off);

		if (off + l >= c->inlen || !l)
			break;
		argv[argc++] = c->in + off;
		off += l + 1;
	}
	argv[argc] = NULL;
	fo = open_memstream(&out, &outlen);
	fe = open_memstream(&err, &errlen);
	if (!fo || !fe) {
		if (fo)
			fclose(fo);
		free(out);
		client_close(c);
		return;
	}
	if (argc < 1) {
		fprintf(fe, "%s: a request without a command\n", save);
	} else {
		const char *cmd = argv[0];

		snprintf(name, sizeof(name), "primetrace %s", cmd);
		pt_prog = name;
		argv[0] = name;
		pt_cli_out = fo;
		pt_cli_err = fe;
		rc = answer(cmd, argc, argv, fo, fe);
		pt_cli_out = pt_cli_err = NULL;
		pt_prog = save;
	}
	fclose(fo);
	fclose(fe);
	hlen = snprintf(head, sizeof(head), "rc=%d out=%zu err=%zu\n", rc, outlen, errlen);
	c->out = malloc(hlen + outlen + errlen);
	if (c->out) {
		memcpy(c->out, head, hlen);
		memcpy(c->out + hlen, out, outlen);
		memcpy(c->out + hlen + outlen, err, errlen);
		c->outlen = hlen + outlen + errlen;
	}
	free(out);
	free(err);
	if (!c->out)
		client_close(c);
}

static void sock_event(struct client *c, short revents)
{
	if (!c->out && (revents & (POLLIN | POLLHUP | POLLERR))) {
		int r = client_read(c);

		if (r < 0) {
			client_close(c);
			return;
		}
		/* complete when it ends with an empty argument (two NULs) */
		if (!r && (c->inlen < sizeof(PT_MONITOR_MAGIC) + 1 || c->in[c->inlen - 1] ||
			   c->in[c->inlen - 2]))
			return;
		if (r || memcmp(c->in, PT_MONITOR_MAGIC, sizeof(PT_MONITOR_MAGIC) - 1) ||
		    !peer_allowed(c->fd)) {
			client_close(c);
			return;
		}
		sock_answer(c);
		if (c->fd < 0)
			return;
	}
	if (c->out && client_send(c))
		client_close(c);
}

/* --- the loop ---------------------------------------------------------------- */

static void clients_expire(struct client *cs, int n, __u64 now)
{
	for (int i = 0; i < n; i++)
		if (cs[i].fd >= 0 && now > cs[i].deadline)
			client_close(&cs[i]);
}

static int loop(void)
{
	struct pollfd pfd[3 + HTTP_MAX_CLIENTS + SOCK_MAX_CLIENTS];
	__u64 next_refresh = 0, next_report, next_modules = 0;
	int err = 0;

	__u64 end = mon.opts.duration > 0 ? now_ms() + (__u64)(mon.opts.duration * 1000) : 0;

	next_report = now_ms() + (__u64)(mon.report_every * 1000);
	while (!pt_exiting) {
		__u64 now = now_ms();

		if (end && now >= end)
			break;
		int n = 0, ci[HTTP_MAX_CLIENTS + SOCK_MAX_CLIENTS];
		int timeout;

		if (!mon.opts.input && now >= next_modules) {
			next_modules = now + 1000;
			if (modules_signature() != mon.drm_sig) {
				if (!mon.attach_failing)
					fprintf(stderr,
						"%s: DRM modules changed: attaching again\n",
						pt_prog);
				/*
				 * A module going away while the hooks are planned fails
				 * the attach: said once, tried again each second
				 */
				err = reattach();
				if (err && !mon.attach_failing)
					fprintf(stderr, "%s: attaching failed (%s): trying again\n",
						pt_prog, pt_errstr(err));
				mon.attach_failing = err != 0;
				if (err)
					mon.drm_sig = 0;
				next_refresh = 0;
			}
		}
		if (now >= next_refresh) {
			refresh();
			next_refresh = now_ms() + (__u64)(mon.interval * 1000);
		}
		if (mon.report_every && now >= next_report) {
			report();
			next_report = now + (__u64)(mon.report_every * 1000);
		}
		clients_expire(mon.http, HTTP_MAX_CLIENTS, now);
		clients_expire(mon.sock, SOCK_MAX_CLIENTS, now);

		pfd[n++] = (struct pollfd){ .fd = mon.src ? pt_source_epoll_fd(mon.src) : -1,
					    .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = mon.http_fd, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = mon.sock_fd, .events = POLLIN };
		for (int i = 0; i < HTTP_MAX_CLIENTS + SOCK_MAX_CLIENTS; i++) {
			struct client *c =
			    i < HTTP_MAX_CLIENTS ? &mon.http[i] : &mon.sock[i - HTTP_MAX_CLIENTS];

			ci[i] = -1;
			if (c->fd < 0)
				continue;
			ci[i] = n;
			pfd[n++] =
			    (struct pollfd){ .fd = c->fd, .events = c->out ? POLLOUT : POLLIN };
		}
		timeout = 200;
		if (poll(pfd, n, timeout) < 0 && errno != EINTR)
			return -errno;
		/* also without a wakeup: the producers wake it only when the ring fills */
		if (mon.src && (err = pt_source_consume(mon.src)))
			return err;
		if (pfd[1].revents & POLLIN)
			client_accept(mon.http_fd, mon.http, HTTP_MAX_CLIENTS, HTTP_REQ_MAX);
		if (pfd[2].revents & POLLIN)
			client_accept(mon.sock_fd, mon.sock, SOCK_MAX_CLIENTS, PT_MONITOR_REQ_MAX);
		for (int i = 0; i < HTTP_MAX_CLIENTS + SOCK_MAX_CLIENTS; i++) {
			if (ci[i] < 0 || !pfd[ci[i]].revents)
				continue;
			if (i < HTTP_MAX_CLIENTS)
				http_event(&mon.http[i], pfd[ci[i]].revents);
			else
				sock_event(&mon.sock[i - HTTP_MAX_CLIENTS], pfd[ci[i]].revents);
		}
	}
	return 0;
}

int pt_monitor_run(void)
{
	const char *sock = mon.no_socket ? NULL : mon.socket ?: PT_MONITOR_SOCKET;
	int err, rc = PT_EXIT_OK;

	for (int i = 0; i < HTTP_MAX_CLIENTS; i++)
		mon.http[i].fd = -1;
	for (int i = 0; i < SOCK_MAX_CLIENTS; i++)
		mon.sock[i].fd = -1;
	/* modules stay unloadable unless asked otherwise */
	if (mon.opts.mode == PT_ATTACH_AUTO)
		mon.opts.mode = PT_ATTACH_UNPINNED;
	pt_install_signals();
	/* a client that goes away is that client's end, not the monitor's */
	signal(SIGPIPE, SIG_IGN);
	mon.m = pm_model_new(mon.max_objects);
	if (mon.check)
		mon.c = pc_checker_new();
	if (!mon.m || (mon.check && !mon.c)) {
		fprintf(stderr, "%s: out of memory\n", pt_prog);
		return PT_EXIT_ERROR;
	}
	if (mon.listen && (mon.http_fd = listen_tcp(mon.listen)) < 0)
		rc = PT_EXIT_ERROR;
	if (!rc && sock && (mon.sock_fd = listen_unix(sock)) < 0)
		rc = PT_EXIT_ERROR;
	if (!rc && attach(NULL))
		rc = PT_EXIT_ERROR;
	if (!rc) {
		fprintf(stderr, "%s: running", pt_prog);
		if (mon.metrics_file)
			fprintf(stderr, "; metrics to %s", mon.metrics_file);
		if (mon.listen)
			fprintf(stderr, "; metrics on http://%s/metrics", mon.listen);
		if (sock)
			fprintf(stderr, "; socket %s", sock);
		fputc('\n', stderr);
		err = loop();
		if (err) {
			fprintf(stderr, "%s: %s\n", pt_prog, pt_errstr(err));
			rc = PT_EXIT_ERROR;
		}
	}
	detach();
	for (int i = 0; i < HTTP_MAX_CLIENTS; i++)
		client_close(&mon.http[i]);
	for (int i = 0; i < SOCK_MAX_CLIENTS; i++)
		client_close(&mon.sock[i]);
	if (mon.http_fd >= 0)
		close(mon.http_fd);
	if (mon.sock_fd >= 0) {
		close(mon.sock_fd);
		unlink(sock);
	}
	free(mon.keys);
	free(mon.metrics);
	pm_model_free(mon.m);
	pc_checker_free(mon.c);
	return rc;
}
