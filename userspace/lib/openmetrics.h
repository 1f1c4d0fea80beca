/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The Prometheus text exposition format (version 0.0.4, what node_exporter's
 * textfile collector and a Prometheus scrape read): a family's HELP and TYPE
 * lines, then its samples, with label values and help text escaped.
 */
#ifndef PT_OPENMETRICS_H
#define PT_OPENMETRICS_H

#include <stdio.h>

/* "# HELP name help" and "# TYPE name type" (type: "gauge", "counter") */
void om_family(FILE *f, const char *name, const char *type, const char *help);
/*
 * One sample: name{k1="v1",...} value. labels alternates names and values,
 * nlabels pairs; a value is escaped (\\, \", \n) and bytes that are not
 * printable ASCII become '?', so that any comm or driver name is safe.
 */
void om_sample(FILE *f, const char *name, const char *const *labels, int nlabels,
	       unsigned long long value);
/* A family of one unlabelled sample */
void om_single(FILE *f, const char *name, const char *type, const char *help,
	       unsigned long long value);

#endif
