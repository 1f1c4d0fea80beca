// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer harness over primetrace's command line: the input is split
 * into arguments at NUL and newline bytes; the first names the command
 * (one of pt_commands, else the first byte picks one and every piece is
 * an argument). Only the command's parse function runs: nothing is
 * loaded or attached, help and usage errors go to /dev/null, and a parse
 * holds nothing to free afterwards.
 *
 * Seeds: tests/fuzz/corpus/cli/, one command line per file.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

#define MAX_ARGS 64

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	FILE *sink = fopen("/dev/null", "w");

	if (!sink)
		abort();
	pt_cli_out = sink;
	pt_cli_err = sink;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *args[MAX_ARGS + 2], name[64];
	const struct pt_command *cmd;
	int argc = 1, first = 0;
	size_t start = 0, end = size;
	int r;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	/* pieces; a trailing newline ends the last one */
	if (end && buf[end - 1] == '\n')
		end--;
	buf[end] = '\0';
	for (size_t i = 0; i <= end && argc <= MAX_ARGS; i++) {
		if (i < end && buf[i] != '\0' && buf[i] != '\n')
			continue;
		buf[i] = '\0';
		args[argc++] = buf + start;
		start = i + 1;
	}
	args[argc] = NULL;
	cmd = argc > 1 ? pt_command_find(args[1]) : NULL;
	if (cmd) {
		first = 1;
	} else {
		cmd = &pt_commands[(size ? data[0] : 0) % pt_ncommands];
	}
	snprintf(name, sizeof(name), "primetrace %s", cmd->name);
	/* argv[0] names the program, then the arguments after the command */
	args[first] = name;
	r = cmd->parse(argc - first, args + first);
	if (r != PT_PARSED && r != PT_PARSED_HELP && r != PT_PARSED_USAGE)
		abort();
	free(buf);
	return 0;
}
