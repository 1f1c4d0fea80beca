/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Options shared by the commands that read events: the source (live or
 * --input), the filters and the transport. A command takes pt_source_child
 * as its argp's children and points the child's input at its pt_trace_opts.
 */
#ifndef PT_OPTIONS_H
#define PT_OPTIONS_H

#include <argp.h>

#include "trace.h"

extern const struct argp pt_source_argp;
/* pt_source_argp as a command's only child, under "Event source and filters:" */
extern const struct argp_child pt_source_child[];
/* Only the kernel options (--attach, --btf, -v): for 'features' */
extern const struct argp pt_kernel_argp;

void pt_trace_opts_init(struct pt_trace_opts *opts);

#endif
