// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* primetrace: a minimal JSON writer and reader (see json.h) */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

void json_write_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	for (; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*p < 0x20 || *p >= 0x7f)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

static void skip_ws(struct json_in *in)
{
	while (*in->p == ' ' || *in->p == '\t' || *in->p == '\n' || *in->p == '\r')
		in->p++;
}

bool json_at_end(struct json_in *in)
{
	skip_ws(in);
	return *in->p == '\0';
}

int json_object_begin(struct json_in *in)
{
	skip_ws(in);
	if (*in->p != '{')
		return -1;
	in->p++;
	skip_ws(in);
	/* an empty object: leave '}' for json_object_next() */
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decode the string at in->p (after the opening quote) into out, or only
 * measure it when out is NULL. Returns the decoded length or -1.
 */
static long decode_string(struct json_in *in, char *out, size_t outlen)
{
	const char *p = in->p;
	size_t n = 0;

	for (;;) {
		unsigned int c = (unsigned char)*p++;

		if (c == '\0' || c == '\n')
			return -1;
		if (c == '"')
			break;
		if (c == '\\') {
			c = (unsigned char)*p++;
			switch (c) {
			case '"':
			case '\\':
			case '/':
				break;
			case 'b':
				c = '\b';
				break;
			case 'f':
				c = '\f';
				break;
			case 'n':
				c = '\n';
				break;
			case 'r':
				c = '\r';
				break;
			case 't':
				c = '\t';
				break;
			case 'u': {
				unsigned int v = 0;

				for (int i = 0; i < 4; i++) {
					int h = hexval(p[i]);

					if (h < 0)
						return -1;
					v = v * 16 + h;
				}
				p += 4;
				/* our writer only emits \u00XX; anything wider is not a byte */
				c = v < 0x100 ? v : '?';
				break;
			}
			default:
				return -1;
			}
		}
		if (out && n + 1 < outlen)
			out[n] = (char)c;
		n++;
	}
	if (out && outlen)
		out[n < outlen ? n : outlen - 1] = '\0';
	in->p = p;
	return (long)n;
}

int json_read_string(struct json_in *in, char *out, size_t outlen)
{
	skip_ws(in);
	if (*in->p != '"')
		return -1;
	in->p++;
	return decode_string(in, out, outlen) < 0 ? -1 : 0;
}

char *json_read_string_alloc(struct json_in *in)
{
	struct json_in probe;
	long n;
	char *s;

	skip_ws(in);
	if (*in->p != '"')
		return NULL;
	in->p++;
	probe = *in;
	n = decode_string(&probe, NULL, 0);
	if (n < 0)
		return NULL;
	s = malloc(n + 1);
	if (!s)
		return NULL;
	decode_string(in, s, n + 1);
	return s;
}

int json_object_next(struct json_in *in, char *key, size_t keylen)
{
	skip_ws(in);
	if (*in->p == ',') {
		in->p++;
		skip_ws(in);
	}
	if (*in->p == '}') {
		in->p++;
		return 0;
	}
	if (json_read_string(in, key, keylen))
		return -1;
	skip_ws(in);
	if (*in->p != ':')
		return -1;
	in->p++;
	skip_ws(in);
	return 1;
}

static int read_number_token(struct json_in *in, char *buf, size_t len)
{
	size_t n = 0;

	skip_ws(in);
	while (n + 1 < len &&
	       (isdigit((unsigned char)in->p[n]) || in->p[n] == '-' || in->p[n] == '+' ||
		in->p[n] == '.' || in->p[n] == 'e' || in->p[n] == 'E' || in->p[n] == 'x' ||
		isxdigit((unsigned char)in->p[n])))
		n++;
	if (!n)
		return -1;
	memcpy(buf, in->p, n);
	buf[n] = '\0';
	in->p += n;
	return 0;
}

int json_read_i64(struct json_in *in, int64_t *v)
{
	char buf[32], *end;

	if (read_number_token(in, buf, sizeof(buf)))
		return -1;
	errno = 0;
	*v = strtoll(buf, &end, 10);
	return errno || *end ? -1 : 0;
}

int json_read_u64(struct json_in *in, uint64_t *v)
{
	char buf[32], *end;

	skip_ws(in);
	/* pointers are written as "0x..." strings: accept both forms */
	if (*in->p == '"') {
		char s[32];

		if (json_read_string(in, s, sizeof(s)))
			return -1;
		errno = 0;
		*v = strtoull(s, &end, 0);
		return errno || *end || !*s ? -1 : 0;
	}
	if (read_number_token(in, buf, sizeof(buf)) || buf[0] == '-')
		return -1;
	errno = 0;
	*v = strtoull(buf, &end, 10);
	return errno || *end ? -1 : 0;
}

int json_read_double(struct json_in *in, double *v)
{
	char buf[64], *end;

	if (read_number_token(in, buf, sizeof(buf)))
		return -1;
	errno = 0;
	*v = strtod(buf, &end);
	return errno || *end ? -1 : 0;
}

int json_array_begin(struct json_in *in)
{
	skip_ws(in);
	if (*in->p != '[')
		return -1;
	in->p++;
	return 0;
}

int json_array_next(struct json_in *in)
{
	skip_ws(in);
	if (*in->p == ',') {
		in->p++;
		skip_ws(in);
	}
	if (*in->p == ']') {
		in->p++;
		return 0;
	}
	return *in->p ? 1 : -1;
}

int json_skip_value(struct json_in *in)
{
	char key[8];
	int r;

	skip_ws(in);
	switch (*in->p) {
	case '"':
		in->p++;
		return decode_string(in, NULL, 0) < 0 ? -1 : 0;
	case '{':
		if (json_object_begin(in))
			return -1;
		while ((r = json_object_next(in, key, sizeof(key))) == 1)
			if (json_skip_value(in))
				return -1;
		return r;
	case '[':
		if (json_array_begin(in))
			return -1;
		while ((r = json_array_next(in)) == 1)
			if (json_skip_value(in))
				return -1;
		return r;
	case 't':
		if (strncmp(in->p, "true", 4))
			return -1;
		in->p += 4;
		return 0;
	case 'f':
		if (strncmp(in->p, "false", 5))
			return -1;
		in->p += 5;
		return 0;
	case 'n':
		if (strncmp(in->p, "null", 4))
			return -1;
		in->p += 4;
		return 0;
	default: {
		double d;

		return json_read_double(in, &d);
	}
	}
}
