// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* primetrace: the JSON writer (see json_writer.h). */
#include <stdarg.h>
#include <string.h>

#include "json_writer.h"

/* one byte as JSON writes it inside a string: out gets at most 6 chars and a NUL */
static void escape_byte(unsigned char c, char out[7])
{
	switch (c) {
	case '"':
		strcpy(out, "\\\"");
		break;
	case '\\':
		strcpy(out, "\\\\");
		break;
	case '\n':
		strcpy(out, "\\n");
		break;
	case '\t':
		strcpy(out, "\\t");
		break;
	default:
		if (c < 0x20 || c >= 0x7f)
			snprintf(out, 7, "\\u%04x", c);
		else
			out[0] = (char)c, out[1] = '\0';
	}
}

void json_write_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char e[7];

	fputc('"', f);
	for (; *p; p++) {
		escape_byte(*p, e);
		fputs(e, f);
	}
	fputc('"', f);
}

void jw_init(struct jw *w, FILE *f)
{
	memset(w, 0, sizeof(*w));
	w->f = f;
}

void jw_one_per_line(struct jw *w, unsigned int depth)
{
	w->line_depth = depth;
}

static unsigned int level(const struct jw *w)
{
	return w->depth < JW_MAX_DEPTH ? w->depth : JW_MAX_DEPTH;
}

/*
 * Before any value or name: the comma after the previous value of this
 * container (none at depth 0, none between a name and its value), and
 * the newline of a one-per-line container.
 */
static void before_value(struct jw *w)
{
	if (w->after_name) {
		w->after_name = false;
		return;
	}
	if (w->depth && w->has_value[level(w)])
		fputc(',', w->f);
	if (w->depth && w->depth == w->line_depth)
		fputc('\n', w->f);
	w->has_value[level(w)] = true;
}

static void container_open(struct jw *w, char c)
{
	before_value(w);
	fputc(c, w->f);
	w->depth++;
	w->has_value[level(w)] = false;
}

static void container_close(struct jw *w, char c)
{
	if (!w->depth)
		return;
	if (w->depth == w->line_depth)
		fputc('\n', w->f);
	w->depth--;
	w->after_name = false;
	fputc(c, w->f);
}

void jw_object_begin(struct jw *w)
{
	container_open(w, '{');
}

void jw_document_begin(struct jw *w)
{
	jw_object_begin(w);
	jw_field_u64(w, PT_JSON_FORMAT_KEY, PT_JSON_FORMAT);
}

void jw_object_end(struct jw *w)
{
	container_close(w, '}');
}

void jw_array_begin(struct jw *w)
{
	container_open(w, '[');
}

void jw_array_end(struct jw *w)
{
	container_close(w, ']');
}

void jw_name(struct jw *w, const char *name)
{
	before_value(w);
	json_write_string(w->f, name);
	fputc(':', w->f);
	w->after_name = true;
}

void jw_string(struct jw *w, const char *s)
{
	before_value(w);
	json_write_string(w->f, s ? s : "");
}

void jw_u64(struct jw *w, __u64 v)
{
	jw_printf(w, "%llu", (unsigned long long)v);
}

void jw_i64(struct jw *w, __s64 v)
{
	jw_printf(w, "%lld", (long long)v);
}

void jw_hex(struct jw *w, __u64 v)
{
	jw_printf(w, "\"0x%llx\"", (unsigned long long)v);
}

void jw_bool(struct jw *w, bool v)
{
	jw_printf(w, "%s", v ? "true" : "false");
}

void jw_null(struct jw *w)
{
	jw_printf(w, "null");
}

void jw_printf(struct jw *w, const char *fmt, ...)
{
	va_list ap;

	before_value(w);
	va_start(ap, fmt);
	vfprintf(w->f, fmt, ap);
	va_end(ap);
}

void jw_field_string(struct jw *w, const char *name, const char *s)
{
	jw_name(w, name);
	jw_string(w, s);
}

void jw_field_u64(struct jw *w, const char *name, __u64 v)
{
	jw_name(w, name);
	jw_u64(w, v);
}

void jw_field_i64(struct jw *w, const char *name, __s64 v)
{
	jw_name(w, name);
	jw_i64(w, v);
}

void jw_field_hex(struct jw *w, const char *name, __u64 v)
{
	jw_name(w, name);
	jw_hex(w, v);
}

void jw_field_bool(struct jw *w, const char *name, bool v)
{
	jw_name(w, name);
	jw_bool(w, v);
}

void jw_newline(struct jw *w)
{
	fputc('\n', w->f);
}
