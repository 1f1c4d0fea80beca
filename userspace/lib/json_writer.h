/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one JSON writer: it keeps the nesting and puts the commas, so that
 * a caller only says what comes next (a name, a value, the start or end
 * of an object or array). Output is compact, as primetrace's JSON lines
 * are: no white space, except a newline before each value of a container
 * chosen with jw_one_per_line() and before its closing bracket.
 *
 * Values at depth 0 are never separated: several top-level objects each
 * followed by jw_newline() make JSON lines.
 *
 * Strings are escaped so that any bytes survive: '"', '\\', '\n' and '\t'
 * as themselves escaped, other control bytes and all bytes above 0x7e as
 * \u00XX (read back as the same byte by record/json.c).
 */
#ifndef PT_JSON_WRITER_H
#define PT_JSON_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

/* deeper containers are written, but their commas are the deepest one's */
#define JW_MAX_DEPTH 16

struct jw {
	FILE *f;
	unsigned int depth; /* containers open */
	bool has_value[JW_MAX_DEPTH +
		       1];	 /* per depth: a value written, so a comma before the next */
	bool after_name;	 /* a name written: its value needs no comma */
	unsigned int line_depth; /* 0, or the depth whose values start lines */
};

void jw_init(struct jw *w, FILE *f);
/* Each value directly inside the container at depth d (1: the outermost) on a line of its own. */
void jw_one_per_line(struct jw *w, unsigned int depth);

void jw_object_begin(struct jw *w);
/*
 * The version of every JSON output of primetrace (docs/tracing.md,
 * "Stability"): a top-level object begins with the member
 * "format":PT_JSON_FORMAT. Readers of recordings take lines without it
 * (written before it existed) and refuse a newer one.
 */
#define PT_JSON_FORMAT	   1
#define PT_JSON_FORMAT_KEY "format"
/* A top-level object: jw_object_begin() and its "format" member first. */
void jw_document_begin(struct jw *w);
void jw_object_end(struct jw *w);
void jw_array_begin(struct jw *w);
void jw_array_end(struct jw *w);
/* A member's name: its value comes next. */
void jw_name(struct jw *w, const char *name);

void jw_string(struct jw *w, const char *s);
void jw_u64(struct jw *w, __u64 v);
void jw_i64(struct jw *w, __s64 v);
/* a pointer or flags: the string "0x..." */
void jw_hex(struct jw *w, __u64 v);
void jw_bool(struct jw *w, bool v);
void jw_null(struct jw *w);
/* a number as printf formats it, e.g. "%.3f" */
void jw_printf(struct jw *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* name and value at once */
void jw_field_string(struct jw *w, const char *name, const char *s);
void jw_field_u64(struct jw *w, const char *name, __u64 v);
void jw_field_i64(struct jw *w, const char *name, __s64 v);
void jw_field_hex(struct jw *w, const char *name, __u64 v);
void jw_field_bool(struct jw *w, const char *name, bool v);

/* The end of a JSON line: a newline (at depth 0). */
void jw_newline(struct jw *w);

/* One string, quoted and escaped, into f. */
void json_write_string(FILE *f, const char *s);

#endif
