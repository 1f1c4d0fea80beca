// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * primetrace: the table of every command (main.c dispatches through it, the
 * command-line fuzzer parses through it), and what every command's output
 * shares: write errors reported once, a closed reader (| head) quietly.
 * Each command lives in its own file of this folder.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "lifetime.h"
#include "monitor.h"
#include "options.h"

/* --- output ----------------------------------------------------------------- */

int pt_output_error(FILE *f, const char *name, int err)
{
	/* a reader that went away (| head): quietly, as coreutils do */
	if (err == EPIPE)
		return PT_EXIT_OK;
	fprintf(stderr, "%s: %s: %s\n", pt_prog, name ? name : "standard output",
		strerror(err ?: EIO));
	return PT_EXIT_ERROR;
}

int pt_output_close(FILE *f, const char *name)
{
	int err = 0;

	errno = 0;
	if (fflush(f) || ferror(f))
		err = errno ?: EIO;
	if (f != stdout && f != stderr && fclose(f) && !err)
		err = errno ?: EIO;
	return err ? pt_output_error(f, name, err) : PT_EXIT_OK;
}

/* --- the commands ------------------------------------------------------------ */

const struct pt_command pt_commands[] = {
	{ "trace", "print PRIME and dma-buf events as they happen", pt_trace_parse, pt_trace_run },
	{ "record", "record events as JSON lines for later --input", pt_record_parse,
	  pt_record_run },
	{ "features", "show which hooks this kernel offers and how they attach", pt_features_parse,
	  pt_features_run },
	{ "objects", "list the live dma-bufs and who holds them", pt_objects_parse,
	  pt_objects_run },
	{ "leaks", "trace, then report leaked buffers and handles with stacks", pt_leaks_parse,
	  pt_leaks_run },
	{ "top", "per-process buffers and rates, refreshed", pt_top_parse, pt_top_run },
	{ "check", "verify the PRIME invariants live, or around test subtests", pt_check_parse,
	  pt_check_run },
	{ "monitor", "run as a service: metrics, leak reports, a socket for --connect",
	  pt_monitor_parse, pt_monitor_run },
};

const unsigned int pt_ncommands = sizeof(pt_commands) / sizeof(pt_commands[0]);
