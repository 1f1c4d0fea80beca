// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * primetrace: the event source (source.c) driven for 'trace', 'record',
 * 'features' and the lifetime commands: start-up lines, the reading loop
 * (woken per event, or on a period), the duration, the summary.
 */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "run.h"

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

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void source_opts(const struct pt_trace_opts *opts, pt_record_fn fn, void *ctx,
			struct pt_source_opts *so)
{
	*so = (struct pt_source_opts){
		.fn = fn,
		.ctx = ctx,
		.filter = opts->filter,
		.cgroup_path = opts->cgroup_path,
		.ringbuf_size = opts->ringbuf_size,
		.no_wakeup = opts->interval_ms != 0,
		.mode = opts->mode,
		.exits = true,
		.kstack = opts->kstack,
		.ustack = opts->ustack,
		.tables = opts->tables,
		.table_extra = opts->table_extra,
		.table_size = opts->table_size,
		.btf_path = opts->btf_path,
		.verbose = opts->verbose,
		.input = opts->input,
		.cgroup_id = opts->cgroup_id,
		.skip_bad_lines = opts->skip_bad_lines,
		.skipped = opts->skipped,
	};
}

/* until interrupted, the duration, or the callback's word; returns the seconds read */
static int read_live(const struct pt_trace_opts *opts, struct pt_source *src, double *duration)
{
	__u64 start, deadline = 0, next_tick;
	int err = 0, drm, n;

	/* events from now on are in the ring buffer: what existed can be read */
	if (opts->started)
		opts->started(opts->started_ctx);
	n = pt_source_hooks(src, &drm);
	if (!opts->quiet)
		fprintf(stderr, "primetrace: tracing with %d hooks (%d DRM); Ctrl-C to end\n", n,
			drm);
	start = now_ns();
	if (opts->duration > 0)
		deadline = start + (__u64)(opts->duration * 1e9);
	next_tick = start + opts->tick_ms * 1000000ULL;

	while (!pt_exiting && !pt_source_done(src)) {
		/* read on this period, or sooner when the ring fills up */
		int timeout = opts->interval_ms ?: 100;

		if (deadline) {
			__u64 now = now_ns();

			if (now >= deadline)
				break;
			if (deadline - now < (__u64)timeout * 1000000ULL)
				timeout = (deadline - now) / 1000000 + 1;
		}
		if (opts->tick) {
			__u64 now = now_ns();

			if (now >= next_tick) {
				opts->tick(src, opts->started_ctx);
				/* a slow tick skips the ticks it overran */
				while (next_tick <= now_ns())
					next_tick += opts->tick_ms * 1000000ULL;
				if (pt_exiting)
					break;
				continue;
			}
			if (next_tick - now < (__u64)timeout * 1000000ULL)
				timeout = (next_tick - now) / 1000000 + 1;
		}
		err = pt_source_poll(src, timeout);
		/*
		 * A reader that closed our stdout pipe after the last record
		 * was written would otherwise leave us waiting for the next
		 * one: the pipe's write end reports POLLERR.
		 */
		{
			struct pollfd out = { .fd = STDOUT_FILENO };

			if (poll(&out, 1, 0) == 1 && (out.revents & POLLERR))
				break;
		}
		if (err)
			break;
	}
	pt_source_stop(src);
	*duration = (now_ns() - start) / 1e9;
	return err;
}

int pt_run(const struct pt_trace_opts *opts, pt_record_fn fn, void *ctx, struct pt_summary *sum)
{
	struct pt_source_opts so;
	struct pt_source *src;
	double duration = 0;
	int err;

	memset(sum, 0, sizeof(*sum));
	source_opts(opts, fn, ctx, &so);
	so.warn_no_drm = true;
	err = pt_source_open(&so, &src);
	if (!src)
		return err;
	if (opts->input) {
		/* a recording's counts, also when a line of it was bad */
		if (!err)
			err = pt_source_poll(src, -1);
		pt_source_summary(src, sum);
	} else if (!err && !(err = pt_source_attach(src))) {
		err = read_live(opts, src, &duration);
		pt_source_summary(src, sum);
		sum->duration = duration;
	}
	pt_source_close(src);
	return err;
}

int pt_probe_attach(const struct pt_trace_opts *opts, struct pt_kernel *pk)
{
	struct pt_source_opts so;
	struct pt_source *src;
	int err;

	source_opts(opts, NULL, NULL, &so);
	so.input = NULL;
	err = pt_source_open(&so, &src);
	if (!err)
		err = pt_source_attach(src);
	if (src)
		*pk = *pt_source_kernel(src);
	pt_source_close(src);
	return err;
}
