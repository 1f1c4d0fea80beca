// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * primetrace: observe the DRM PRIME and dma-buf paths.
 *
 * One binary, one command per concern; this file only dispatches. A
 * command is an entry of pt_commands (cmd/cli.c) and a file of cmd/: its
 * own argp, with the source options as a child when it reads events (live
 * or from a recorded file), parsed first, then run.
 */
#include <stdio.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "options.h"
#include "version.h" /* PT_VERSION, PT_GIT_DESC: written by the build */

/* the release, the checkout it was built from, and the libbpf it runs with */
static void version(FILE *f)
{
	fprintf(f, "primetrace %s\nbuilt from: %s\nlibbpf: %u.%u\n", PT_VERSION, PT_GIT_DESC,
		libbpf_major_version(), libbpf_minor_version());
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: primetrace COMMAND [OPTION...]\n"
		   "Observe DRM PRIME (dma-buf sharing) in the kernel.\n\nCommands:\n");
	for (unsigned int i = 0; i < pt_ncommands; i++)
		fprintf(f, "  %-10s %s\n", pt_commands[i].name, pt_commands[i].help);
	fprintf(f, "\n'primetrace COMMAND --help' (or 'primetrace help COMMAND') describes each "
		   "one.\n"
		   "'primetrace --version' (-V) gives the version, the checkout it was built "
		   "from\nand the libbpf version.\n"
		   "Exit status: 0 success, 1 an error (setting up, reading the input, writing "
		   "the output),\n"
		   "2 a bad option or argument, 3 'check' found invariant violations.\n");
}

/* one command: its name in messages, its options, then the work */
static int run(const struct pt_command *cmd, int argc, char **argv)
{
	static char name[64];
	int r;

	snprintf(name, sizeof(name), "primetrace %s", cmd->name);
	pt_prog = name;
	/* argp names the program after argv[0]: "primetrace trace" */
	argv[0] = name;
	r = cmd->parse(argc, argv);
	if (r == PT_PARSED_HELP)
		return pt_output_close(stdout, NULL);
	if (r != PT_PARSED)
		return PT_EXIT_USAGE;
	return cmd->run();
}

int main(int argc, char **argv)
{
	const struct pt_command *cmd;

	if (argc < 2) {
		usage(stderr);
		return PT_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		if (argc == 2) {
			usage(stdout);
			return pt_output_close(stdout, NULL);
		}
		cmd = pt_command_find(argv[2]);
		if (!cmd || argc > 3) {
			fprintf(stderr, "primetrace: help %s: %s\n", argv[2],
				cmd ? "one command at a time" : "no such command");
			return PT_EXIT_USAGE;
		}
		char *help_argv[] = { NULL, "--help", NULL };

		return run(cmd, 2, help_argv);
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		if (argc > 2) {
			fprintf(stderr, "primetrace: %s takes no argument\n", argv[1]);
			return PT_EXIT_USAGE;
		}
		version(stdout);
		return pt_output_close(stdout, NULL);
	}
	cmd = pt_command_find(argv[1]);
	if (cmd)
		return run(cmd, argc - 1, argv + 1);
	fprintf(stderr, "primetrace: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return PT_EXIT_USAGE;
}
