// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* primetrace: the Prometheus text format writer (see openmetrics.h) */
#include "openmetrics.h"

static void put_escaped(FILE *f, const char *s, int quote)
{
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '\\')
			fputs("\\\\", f);
		else if (c == '\n')
			fputs("\\n", f);
		else if (quote && c == '"')
			fputs("\\\"", f);
		else if (c < 0x20 || c > 0x7e)
			fputc('?', f);
		else
			fputc(c, f);
	}
}

void om_family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s ", name);
	put_escaped(f, help, 0);
	fprintf(f, "\n# TYPE %s %s\n", name, type);
}

void om_sample(FILE *f, const char *name, const char *const *labels, int nlabels,
	       unsigned long long value)
{
	fputs(name, f);
	for (int i = 0; i < nlabels; i++) {
		fprintf(f, "%c%s=\"", i ? ',' : '{', labels[2 * i]);
		put_escaped(f, labels[2 * i + 1], 1);
		fputc('"', f);
	}
	fprintf(f, "%s %llu\n", nlabels ? "}" : "", value);
}

void om_single(FILE *f, const char *name, const char *type, const char *help,
	       unsigned long long value)
{
	om_family(f, name, type, help);
	om_sample(f, name, NULL, 0, value);
}
