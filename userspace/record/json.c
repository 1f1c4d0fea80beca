// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* primetrace: a minimal JSON reader (see json.h) */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

static void skip_ws(struct json_in *in)
{
	while (*in->p == ' ' || *in->p == '\t' || *in->p == '\n' || *in->p == '\r')
		in->p++;
}

/* the first reason sticks: it is nearest to what is wrong */
static int fail(struct json_in *in, const char *why)
{
	if (!in->err)
		in->err = why;
	return -1;
}

/* the same, with the input positioned where it is wrong (for the column) */
static int fail_at(struct json_in *in, const char *at, const char *why)
{
	if (!in->err)
		in->p = at;
	return fail(in, why);
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
		return fail(in, "expected an object");
	in->p++;
	in->first = true;
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
		const char *at = p;
		unsigned int c = (unsigned char)*p++;

		if (c == '\0')
			return fail_at(in, at, "unterminated string");
		if (c < 0x20)
			return fail_at(in, at, "control byte in a string");
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
						return fail_at(in, at, "bad \\u escape");
					v = v * 16 + h;
				}
				p += 4;
				/* a C string cannot hold NUL; our writer emits only \u00XX */
				if (!v)
					return fail_at(in, at, "\\u0000 in a string");
				if (v >= 0x100)
					return fail_at(in, at,
						       "\\u escape above \\u00ff in a string");
				c = v;
				break;
			}
			default:
				return fail_at(in, at, "bad escape in a string");
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
		return fail(in, "expected a string");
	in->p++;
	return decode_string(in, out, outlen) < 0 ? -1 : 0;
}

char *json_read_string_alloc(struct json_in *in)
{
	struct json_in probe;
	long n;
	char *s;

	skip_ws(in);
	if (*in->p != '"') {
		fail(in, "expected a string");
		return NULL;
	}
	in->p++;
	probe = *in;
	n = decode_string(&probe, NULL, 0);
	if (n < 0) {
		fail_at(in, probe.p, probe.err);
		return NULL;
	}
	s = malloc(n + 1);
	if (!s) {
		fail(in, "out of memory");
		return NULL;
	}
	decode_string(in, s, n + 1);
	return s;
}

int json_object_next(struct json_in *in, char *key, size_t keylen)
{
	skip_ws(in);
	if (*in->p == '}') {
		in->p++;
		in->first = false;
		return 0;
	}
	if (!in->first) {
		if (*in->p != ',')
			return fail(in, *in->p ? "expected ',' or '}'" : "unterminated object");
		in->p++;
		skip_ws(in);
	}
	in->first = false;
	if (*in->p != '"')
		return fail(in, "expected a key");
	if (json_read_string(in, key, keylen))
		return -1;
	skip_ws(in);
	if (*in->p != ':')
		return fail(in, "expected ':' after a key");
	in->p++;
	skip_ws(in);
	return 1;
}

/*
 * The length of the JSON number at p: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?,
 * 0 when there is none; *integer tells whether it has no fraction or exponent.
 */
static size_t number_span(const char *p, bool *integer)
{
	size_t n = 0;

	*integer = true;
	if (p[n] == '-')
		n++;
	if (p[n] == '0')
		n++;
	else if (p[n] >= '1' && p[n] <= '9')
		while (isdigit((unsigned char)p[n]))
			n++;
	else
		return 0;
	if (p[n] == '.') {
		n++;
		if (!isdigit((unsigned char)p[n]))
			return 0;
		while (isdigit((unsigned char)p[n]))
			n++;
		*integer = false;
	}
	if (p[n] == 'e' || p[n] == 'E') {
		n++;
		if (p[n] == '+' || p[n] == '-')
			n++;
		if (!isdigit((unsigned char)p[n]))
			return 0;
		while (isdigit((unsigned char)p[n]))
			n++;
		*integer = false;
	}
	return n;
}

/* the number at in->p copied into buf; 0, or -1 when none or too long */
static int read_number_token(struct json_in *in, char *buf, size_t len, bool *integer)
{
	size_t n;

	skip_ws(in);
	n = number_span(in->p, integer);
	if (!n)
		return fail(in, *in->p == '"' ? "a number given as a string" : "expected a number");
	if (n >= len)
		return fail(in, "number out of range");
	memcpy(buf, in->p, n);
	buf[n] = '\0';
	in->p += n;
	return 0;
}

int json_read_i64(struct json_in *in, int64_t *v)
{
	const char *at;
	long long x;
	char buf[32];
	bool integer;

	skip_ws(in);
	at = in->p;
	if (read_number_token(in, buf, sizeof(buf), &integer))
		return -1;
	if (!integer)
		return fail_at(in, at, "expected an integer");
	errno = 0;
	x = strtoll(buf, NULL, 10);
	if (errno)
		return fail_at(in, at, "number out of range");
	*v = x;
	return 0;
}

int json_read_u64(struct json_in *in, uint64_t *v)
{
	const char *at;
	unsigned long long x;
	char buf[32];
	bool integer;

	skip_ws(in);
	at = in->p;
	if (read_number_token(in, buf, sizeof(buf), &integer))
		return -1;
	if (!integer)
		return fail_at(in, at, "expected an integer");
	/* strtoull() would wrap "-1" to 2^64 - 1 */
	if (buf[0] == '-')
		return fail_at(in, at, "negative where an unsigned number is expected");
	errno = 0;
	x = strtoull(buf, NULL, 10);
	if (errno)
		return fail_at(in, at, "number out of range");
	*v = x;
	return 0;
}

int json_read_hex(struct json_in *in, uint64_t *v)
{
	const char *at;
	char s[24];
	size_t n;

	skip_ws(in);
	at = in->p;
	if (*in->p != '"')
		return fail(in, "expected a \"0x...\" string");
	if (json_read_string(in, s, sizeof(s)))
		return -1;
	n = strlen(s);
	if (n < 3 || s[0] != '0' || s[1] != 'x' || strspn(s + 2, "0123456789abcdefABCDEF") != n - 2)
		return fail_at(in, at, "expected a \"0x...\" string");
	if (n > 18)
		return fail_at(in, at, "number out of range");
	*v = strtoull(s + 2, NULL, 16);
	return 0;
}

int json_read_double(struct json_in *in, double *v)
{
	const char *at;
	double x;
	/* "%f" of the largest double has 309 digits before the point */
	char buf[400];
	bool integer;

	skip_ws(in);
	at = in->p;
	if (read_number_token(in, buf, sizeof(buf), &integer))
		return -1;
	errno = 0;
	x = strtod(buf, NULL);
	/* overflow gives HUGE_VAL; underflow, a value near 0, is kept */
	if (errno == ERANGE && (x > 1.0 || x < -1.0))
		return fail_at(in, at, "number out of range");
	*v = x;
	return 0;
}

int json_array_begin(struct json_in *in)
{
	skip_ws(in);
	if (*in->p != '[')
		return fail(in, "expected an array");
	in->p++;
	in->first = true;
	return 0;
}

int json_array_next(struct json_in *in)
{
	skip_ws(in);
	if (*in->p == ']') {
		in->p++;
		in->first = false;
		return 0;
	}
	if (!in->first) {
		if (*in->p != ',')
			return fail(in, *in->p ? "expected ',' or ']'" : "unterminated array");
		in->p++;
		skip_ws(in);
	}
	in->first = false;
	if (!*in->p || *in->p == ']' || *in->p == ',')
		return fail(in, *in->p ? "expected a value" : "unterminated array");
	return 1;
}

static int skip_literal(struct json_in *in, const char *word)
{
	size_t n = strlen(word);

	if (strncmp(in->p, word, n))
		return fail(in, "expected a value");
	in->p += n;
	return 0;
}

/* depth: the containers open around the value */
static int skip_value(struct json_in *in, int depth)
{
	char key[8];
	bool integer;
	size_t n;
	int r;

	skip_ws(in);
	switch (*in->p) {
	case '"':
		in->p++;
		return decode_string(in, NULL, 0) < 0 ? -1 : 0;
	case '{':
		if (depth >= JSON_MAX_DEPTH)
			return fail(in, "nested deeper than 64");
		if (json_object_begin(in))
			return -1;
		while ((r = json_object_next(in, key, sizeof(key))) == 1)
			if (skip_value(in, depth + 1))
				return -1;
		return r;
	case '[':
		if (depth >= JSON_MAX_DEPTH)
			return fail(in, "nested deeper than 64");
		if (json_array_begin(in))
			return -1;
		while ((r = json_array_next(in)) == 1)
			if (skip_value(in, depth + 1))
				return -1;
		return r;
	case 't':
		return skip_literal(in, "true");
	case 'f':
		return skip_literal(in, "false");
	case 'n':
		return skip_literal(in, "null");
	default:
		/* any JSON number: its value is not needed */
		n = number_span(in->p, &integer);
		if (!n)
			return fail(in, "expected a value");
		in->p += n;
		return 0;
	}
}

int json_skip_value(struct json_in *in)
{
	return skip_value(in, 0);
}
