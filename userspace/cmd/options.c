// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* primetrace: the event source options (see options.h) */
#include <errno.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>
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
	OPT_SKIP_BAD,
	OPT_USAGE,
};

FILE *pt_cli_out, *pt_cli_err;

/* not an errno argp itself returns: parsing ends, help was printed */
#define HELP_SHOWN ECANCELED

static const struct argp_option source_options[] = {
	{ "pid", 'p', "PID", 0, "Only events of this process", 0 },
	{ "cgroup", 'c', "PATH", 0,
	  "Only events of tasks in this cgroup v2 directory (and below it, when tracing live)", 0 },
	{ "comm", OPT_COMM, "COMM", 0, "Only events of tasks with this name", 0 },
	{ "dev", 'd', "DEV", 0,
	  "Only events touching this DRM device: a minor, a node (card1, renderD129, "
	  "/dev/dri/card1) or a driver name (vprime)",
	  0 },
	{ "ringbuf-size", 'b', "SIZE", 0,
	  "Ring buffer size: a power of two of at least 4K (default 1M)", 0 },
	{ "interval", 'i', "MS", 0,
	  "Read the ring buffer every MS milliseconds only (default: 100, or a quarter full)", 0 },
	{ "duration", 'D', "SECONDS", 0, "Stop after this long (decimal seconds)", 0 },
	{ "kernel-stack", 'K', NULL, 0, "Collect the kernel stack of every event", 0 },
	{ "user-stack", 'U', NULL, 0, "Collect the user stack of every event", 0 },
	{ 0 },
};

static const struct argp_option input_options[] = {
	{ "input", OPT_INPUT, "FILE", 0,
	  "Read events recorded by 'primetrace record' (- for stdin) instead of the kernel", 0 },
	{ "skip-bad-lines", OPT_SKIP_BAD, NULL, 0,
	  "With --input: count and skip malformed lines (the report says its picture is "
	  "incomplete) instead of failing at the first",
	  0 },
	{ 0 },
};

static const struct argp_option help_options[] = {
	{ "help", 'h', NULL, 0, "Give this help list", -1 },
	{ NULL, '?', NULL, OPTION_ALIAS | OPTION_HIDDEN, NULL, -1 },
	{ "usage", OPT_USAGE, NULL, 0, "Give a short usage message", -1 },
	{ 0 },
};

static const struct argp_option kernel_options[] = {
	{ "attach", OPT_ATTACH, "MODE", 0,
	  "How to hook functions: auto (fentry/fexit, else kprobes, else tracepoints), "
	  "fentry, kprobe, tracepoint (the dma_buf:* ones where they exist), unpinned (auto, "
	  "but kprobes in modules, which then stay unloadable)",
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
		if (!strcmp(arg, "auto")) {
			opts->mode = PT_ATTACH_AUTO;
		} else if (!strcmp(arg, "fentry")) {
			opts->mode = PT_ATTACH_FENTRY;
		} else if (!strcmp(arg, "kprobe")) {
			opts->mode = PT_ATTACH_KPROBE;
		} else if (!strcmp(arg, "tracepoint")) {
			opts->mode = PT_ATTACH_TRACEPOINT;
		} else if (!strcmp(arg, "unpinned")) {
			opts->mode = PT_ATTACH_UNPINNED;
		} else {
			argp_error(
			    state,
			    "--attach %s: expected auto, fentry, kprobe, tracepoint or unpinned",
			    arg);
			return EINVAL;
		}
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

/* a cgroup v2 directory: its id (the directory's inode number), or -errno and why */
static int cgroup_id(const char *path, __u64 *id, const char **why)
{
	struct statfs sfs;
	struct stat st;

	if (stat(path, &st) || statfs(path, &sfs)) {
		*why = strerror(errno);
		return -errno;
	}
	if (!S_ISDIR(st.st_mode) || sfs.f_type != CGROUP2_SUPER_MAGIC) {
		*why = "not a cgroup v2 directory";
		return -EINVAL;
	}
	*id = st.st_ino;
	return 0;
}

static error_t parse_source(int key, char *arg, struct argp_state *state)
{
	struct pt_trace_opts *opts = state->input;
	const char *why;
	long v;

	switch (key) {
	case 'p':
		if (parse_long(arg, 1, INT_MAX, &v)) {
			argp_error(state, "--pid %s: not a process id", arg);
			return EINVAL;
		}
		opts->filter.tgid = v;
		break;
	case 'c':
		if (cgroup_id(arg, &opts->cgroup_id, &why)) {
			argp_error(state, "--cgroup %s: %s", arg, why);
			return EINVAL;
		}
		opts->cgroup_path = arg;
		break;
	case OPT_COMM:
		if (!*arg || strlen(arg) >= sizeof(opts->filter.comm)) {
			argp_error(state, "--comm %s: 1 to %zu characters", arg,
				   sizeof(opts->filter.comm) - 1);
			return EINVAL;
		}
		strcpy(opts->filter.comm, arg);
		break;
	case 'd': {
		char reason[80];

		if (pt_resolve_dev(arg, &opts->filter, reason, sizeof(reason))) {
			argp_error(state, "--dev %s: %s", arg, reason);
			return EINVAL;
		}
		break;
	}
	case 'b':
		if (pt_parse_size(arg, &opts->ringbuf_size)) {
			argp_error(
			    state,
			    "--ringbuf-size %s: a power of two from 4K to 4G (e.g. 256K, 8M)", arg);
			return EINVAL;
		}
		break;
	case 'i':
		if (parse_long(arg, 1, 60000, &v)) {
			argp_error(state, "--interval %s: 1 to 60000 milliseconds", arg);
			return EINVAL;
		}
		opts->interval_ms = v;
		break;
	case 'D': {
		double d;

		if (pt_parse_seconds(arg, &d) || !(d > 0)) {
			argp_error(state, "--duration %s: a positive decimal number of seconds",
				   arg);
			return EINVAL;
		}
		opts->duration = d;
		break;
	}
	case 'K':
		opts->kstack = true;
		break;
	case 'U':
		opts->ustack = true;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static error_t parse_source_all(int key, char *arg, struct argp_state *state)
{
	if (key == ARGP_KEY_INIT) {
		state->child_inputs[0] = state->input;
		state->child_inputs[1] = state->input;
		return 0;
	}
	return parse_source(key, arg, state);
}

static error_t parse_source_live(int key, char *arg, struct argp_state *state)
{
	if (key == ARGP_KEY_INIT) {
		state->child_inputs[0] = state->input;
		return 0;
	}
	return parse_source(key, arg, state);
}

static error_t parse_input(int key, char *arg, struct argp_state *state)
{
	struct pt_trace_opts *opts = state->input;

	switch (key) {
	case OPT_INPUT:
		if (!*arg) {
			argp_error(state, "--input: an empty file name");
			return EINVAL;
		}
		opts->input = arg;
		break;
	case OPT_SKIP_BAD:
		opts->skip_bad_lines = true;
		break;
	case ARGP_KEY_END:
		if (opts->skip_bad_lines && !opts->input) {
			argp_error(state, "--skip-bad-lines goes with --input");
			return EINVAL;
		}
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static error_t parse_help(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case ARGP_KEY_INIT:
		if (pt_cli_out)
			state->out_stream = pt_cli_out;
		if (pt_cli_err)
			state->err_stream = pt_cli_err;
		break;
	case 'h':
	case '?':
		argp_state_help(state, state->out_stream, ARGP_HELP_STD_HELP);
		return HELP_SHOWN;
	case OPT_USAGE:
		argp_state_help(state, state->out_stream, ARGP_HELP_USAGE | ARGP_HELP_EXIT_OK);
		return HELP_SHOWN;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

const struct argp pt_kernel_argp = {
	.options = kernel_options,
	.parser = parse_kernel,
};

const struct argp pt_input_argp = {
	.options = input_options,
	.parser = parse_input,
};

const struct argp pt_help_argp = {
	.options = help_options,
	.parser = parse_help,
};

static const struct argp_child source_children[] = {
	{ &pt_kernel_argp, 0, NULL, 0 },
	{ &pt_input_argp, 0, NULL, 0 },
	{ 0 },
};

static const struct argp_child live_source_children[] = {
	{ &pt_kernel_argp, 0, NULL, 0 },
	{ 0 },
};

const struct argp pt_source_argp = {
	.options = source_options,
	.parser = parse_source_all,
	.children = source_children,
};

static const struct argp live_source_argp = {
	.options = source_options,
	.parser = parse_source_live,
	.children = live_source_children,
};

const struct argp_child pt_source_child[] = {
	{ &pt_source_argp, 0, "Event source and filters:", 1 },
	{ &pt_help_argp, 0, NULL, -1 },
	{ 0 },
};

const struct argp_child pt_live_source_child[] = {
	{ &live_source_argp, 0, "Event source and filters:", 1 },
	{ &pt_help_argp, 0, NULL, -1 },
	{ 0 },
};

int pt_argp_parse(const struct argp *argp, int argc, char **argv, unsigned int flags, void *input)
{
	error_t e;

	/* output redirected (the fuzzer): getopt's own messages, which go to stderr, too */
	if (pt_cli_err)
		flags |= ARGP_NO_ERRS;
	e = argp_parse(argp, argc, argv, flags | ARGP_NO_EXIT | ARGP_NO_HELP, NULL, input);

	if (!e)
		return PT_PARSED;
	return e == HELP_SHOWN ? PT_PARSED_HELP : PT_PARSED_USAGE;
}

const struct pt_command *pt_command_find(const char *name)
{
	for (unsigned int i = 0; i < pt_ncommands; i++)
		if (!strcmp(name, pt_commands[i].name))
			return &pt_commands[i];
	return NULL;
}
