/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The command line of every command: the options shared by the commands
 * that read events (the source, live or --input, the filters and the
 * transport), -h/--help, the exit codes, and the parse-only entry points
 * (pt_commands) that main() and the command-line fuzzer both use.
 *
 * A command takes pt_source_child (or pt_live_source_child when it reads
 * only the kernel) as its argp's children and points the first child's
 * input at its pt_trace_opts. Every parser returns EINVAL after
 * argp_error(): argp runs with ARGP_NO_EXIT, so a bad option ends the
 * parse and never the process.
 */
#ifndef PT_OPTIONS_H
#define PT_OPTIONS_H

#include <argp.h>
#include <stdio.h>

#include "run.h"

/* Exit codes, one meaning each, held by every command (docs/cli.md) */
enum {
	PT_EXIT_OK = 0,		/* success */
	PT_EXIT_ERROR = 1,	/* could not set up, attach, read the input or write the output */
	PT_EXIT_USAGE = 2,	/* a bad option or argument */
	PT_EXIT_VIOLATIONS = 3, /* check: invariant violations were found */
};

/* The live options and --input, --skip-bad-lines, with the kernel ones */
extern const struct argp pt_source_argp;
/* pt_source_argp, then -h/--help: a command's children */
extern const struct argp_child pt_source_child[];
/* The same without --input: for commands that only watch the kernel */
extern const struct argp_child pt_live_source_child[];
/* Only the kernel options (--attach, --btf, -v) */
extern const struct argp pt_kernel_argp;
/* Only --input FILE and --skip-bad-lines */
extern const struct argp pt_input_argp;
/* -h, -?, --help, --usage: printed to the output stream, never exits */
extern const struct argp pt_help_argp;

/* Where argp writes help and usage errors; NULL: stdout and stderr (set: getopt is silenced) */
extern FILE *pt_cli_out, *pt_cli_err;

void pt_trace_opts_init(struct pt_trace_opts *opts);

/* argp_parse() without exit(): 0 parsed, 1 help was printed, 2 a usage error was */
enum {
	PT_PARSED = 0,
	PT_PARSED_HELP = 1,
	PT_PARSED_USAGE = 2,
};
int pt_argp_parse(const struct argp *argp, int argc, char **argv, unsigned int flags, void *input);

/*
 * A command: parse() fills its options (argv[0] names it in messages,
 * "primetrace trace") and returns PT_PARSED, PT_PARSED_HELP or
 * PT_PARSED_USAGE, opening nothing but what checking an argument needs
 * (a --dev node's sysfs, a --cgroup directory); run() then does the work
 * and returns the exit code. Parsing again starts from the defaults.
 */
struct pt_command {
	const char *name;
	const char *help;
	int (*parse)(int argc, char **argv);
	int (*run)(void);
};

/*
 * The end of an output (name NULL: standard output): flushed, closed
 * unless stdout, and a write error is one line "PROG: NAME: error" and
 * PT_EXIT_ERROR; a reader that went away (EPIPE) ends it quietly
 * (PT_EXIT_OK). pt_output_error() says the same of an error already seen.
 */
int pt_output_close(FILE *f, const char *name);
int pt_output_error(FILE *f, const char *name, int err);

/*
 * Each command X's entry points are pt_X_parse() and pt_X_run(), in
 * cmd/X.c: trace and record (trace.c) and features here, objects, leaks
 * and top in lifetime.h, check in check.h.
 */
int pt_trace_parse(int argc, char **argv);
int pt_trace_run(void);
int pt_record_parse(int argc, char **argv);
int pt_record_run(void);
int pt_features_parse(int argc, char **argv);
int pt_features_run(void);

extern const struct pt_command pt_commands[];
extern const unsigned int pt_ncommands;
const struct pt_command *pt_command_find(const char *name);

#endif
