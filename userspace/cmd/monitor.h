/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * primetrace monitor (monitor.c) and its clients: 'leaks', 'objects' and
 * 'top' with --connect PATH send their command line to the monitor's unix
 * socket and print its answer (connect.c).
 *
 * The exchange: the client sends PT_MONITOR_MAGIC, then the command name
 * and its arguments, each ending with a NUL, then an empty argument (at
 * most PT_MONITOR_REQ_MAX bytes in all); the monitor answers one line
 * "rc=N out=LEN err=LEN\n", then LEN bytes of standard output and LEN of
 * standard error, and closes.
 */
#ifndef PT_MONITOR_H
#define PT_MONITOR_H

#include <stdio.h>

#include "model.h"

#define PT_MONITOR_SOCKET   "/run/primetrace/monitor.sock"
#define PT_MONITOR_MAGIC    "PTMON1\n"
#define PT_MONITOR_REQ_MAX  8192
#define PT_MONITOR_MAX_ARGS 64

int pt_monitor_parse(int argc, char **argv);
int pt_monitor_run(void);

/* The reports on a model the monitor holds, with the options last parsed: an exit code */
int pt_leaks_report(FILE *f, struct pm_model *m);
int pt_objects_report(FILE *f, struct pm_model *m);
int pt_top_report(FILE *f, struct pm_model *m);

#endif
