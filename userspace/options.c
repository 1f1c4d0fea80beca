// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* primetrace: the event source options (see options.h) */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "lifetime.h"
#include "options.h"

enum {
	OPT_COMM = 0x100,
	OPT_ATTACH,
	OPT_BTF,
	OPT_INPUT,
};

static const struct argp_option source_options[] = {
	{ "pid", 'p', "PID", 0, "Only events of this process", 0 },
	{ "cgroup", 'c', "PATH", 0, "Only events of tasks in this cgroup (v2) and below it", 0 },
	{ "comm", OPT_COMM, "COMM", 0, "Only events of tasks with this name", 0 },
	{ "dev", 'd', "DEV", 0,
	  "Only events touching this DRM device: a minor, a node (card1, renderD129, "
	  "/dev/dri/card1) or a driver name (vprime)",
	  0 },
	{ "ringbuf-size", 'b', "SIZE", 0,
	  "Ring buffer size: a power of two of at least 4K (default 1M)", 0 },
	{ "interval", 'i', "MS", 0,
	  "Read the ring buffer every MS milliseconds instead of being woken per event", 0 },
	{ "duration", 'D', "SECONDS", 0, "Stop after this long", 0 },
	{ "kernel-stack", 'K', NULL, 0, "Collect the kernel stack of every event", 0 },
	{ "user-stack", 'U', NULL, 0, "Collect the user stack of every event", 0 },
	{ "input", OPT_INPUT, "FILE", 0,
	  "Read events recorded by 'primetrace record' (- for stdin) instead of the kernel", 0 },
	{ 0 },
};

static const struct argp_option kernel_options[] = {
	{ "attach", OPT_ATTACH, "MODE", 0,
	  "How to hook functions: auto (fentry/fexit, else kprobes, else tracepoints), "
	  "fentry, kprobe, tracepoint (the dma_buf:* ones where they exist)",
	  0 },
	{ "btf", OPT_BTF, "FILE", 0, "Kernel BTF to use instead of /sys/kernel/btf/vmlinux", 0 },
	{ "verbose", 'v', NULL, 0, "Show libbpf's debug output", 0 },
	{ 0 },
};

void pt_trace_opts_init(struct pt_trace_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	pt_filter_init(&opts->filter);
}

static int parse_long(const char *arg, long min, long max, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(arg, &end, 10);
	return errno || end == arg || *end || *out < min || *out > max ? -1 : 0;
}

static error_t parse_kernel(int key, char *arg, struct argp_state *state)
{
	struct pt_trace_opts *opts = state->input;

	switch (key) {
	case OPT_ATTACH:
		if (!strcmp(arg, "auto"))
			opts->mode = PT_ATTACH_AUTO;
		else if (!strcmp(arg, "fentry"))
			opts->mode = PT_ATTACH_FENTRY;
		else if (!strcmp(arg, "kprobe"))
			opts->mode = PT_ATTACH_KPROBE;
		else if (!strcmp(arg, "tracepoint"))
			opts->mode = PT_ATTACH_TRACEPOINT;
		else
			argp_error(state,
				   "--attach %s: expected auto, fentry, kprobe or tracepoint", arg);
		break;
	case OPT_BTF:
		opts->btf_path = arg;
		break;
	case 'v':
		opts->verbose = true;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static error_t parse_source(int key, char *arg, struct argp_state *state)
{
	struct pt_trace_opts *opts = state->input;
	long v;

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = opts;
		break;
	case 'p':
		if (parse_long(arg, 1, INT_MAX, &v))
			argp_error(state, "--pid %s: not a process id", arg);
		opts->filter.tgid = v;
		break;
	case 'c':
		opts->cgroup_path = arg;
		break;
	case OPT_COMM:
		if (!*arg || strlen(arg) >= sizeof(opts->filter.comm))
			argp_error(state, "--comm %s: 1 to %zu characters", arg,
				   sizeof(opts->filter.comm) - 1);
		strcpy(opts->filter.comm, arg);
		break;
	case 'd': {
		char why[80];

		if (pt_resolve_dev(arg, &opts->filter, why, sizeof(why)))
			argp_failure(state, 1, 0, "--dev %s: %s", arg, why);
		break;
	}
	case 'b':
		if (pt_parse_size(arg, &opts->ringbuf_size))
			argp_error(
			    state,
			    "--ringbuf-size %s: a power of two from 4K to 4G (e.g. 256K, 8M)", arg);
		break;
	case 'i':
		if (parse_long(arg, 1, 60000, &v))
			argp_error(state, "--interval %s: 1 to 60000 milliseconds", arg);
		opts->interval_ms = v;
		break;
	case 'D': {
		double d;

		if (pt_parse_seconds(arg, &d) || !(d > 0))
			argp_error(state, "--duration %s: a positive number of seconds", arg);
		opts->duration = d;
		break;
	}
	case 'K':
		opts->kstack = true;
		break;
	case 'U':
		opts->ustack = true;
		break;
	case OPT_INPUT:
		opts->input = arg;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

const struct argp pt_kernel_argp = {
	.options = kernel_options,
	.parser = parse_kernel,
};

static const struct argp_child source_children[] = {
	{ &pt_kernel_argp, 0, NULL, 0 },
	{ 0 },
};

const struct argp pt_source_argp = {
	.options = source_options,
	.parser = parse_source,
	.children = source_children,
};

const struct argp_child pt_source_child[] = {
	{ &pt_source_argp, 0, "Event source and filters:", 1 },
	{ 0 },
};
