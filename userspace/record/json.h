/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Just enough JSON for primetrace's JSON lines: a reader that walks one
 * object key by key (the writer is lib/json_writer.h). Bytes that are not
 * printable ASCII are written as \u00XX and read back as the same byte,
 * so that any comm or driver name survives a round trip.
 *
 * The reader accepts only JSON (RFC 8259): members and elements separated
 * by exactly one comma, numbers in JSON's grammar, no raw control bytes in
 * strings. It also refuses what a primetrace record never holds: \u0000
 * (a C string cannot carry it), escapes above \u00ff, and values nested
 * deeper than JSON_MAX_DEPTH. On failure in->err says why, for messages.
 */
#ifndef PT_JSON_H
#define PT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 64

struct json_in {
	const char *p;
	/* the first failure's reason ("expected ',' or '}'"), NULL until one */
	const char *err;
	/* set by *_begin(): the next member or element is the first */
	bool first;
};

/* Enter an object: 0, or -1 when the next value is not an object. */
int json_object_begin(struct json_in *in);
/*
 * Next key of the current object: 1 with the key copied (truncated to
 * keylen - 1) and the input positioned at its value, 0 at the end of the
 * object, -1 on malformed input.
 */
int json_object_next(struct json_in *in, char *key, size_t keylen);
/* Values: each returns 0, or -1 (and the output untouched) when the value has another type. */
int json_read_string(struct json_in *in, char *out, size_t outlen);
/* A string of any length, malloc()ed; NULL on error */
char *json_read_string_alloc(struct json_in *in);
/* Integers: a JSON number without fraction or exponent, in range. */
int json_read_i64(struct json_in *in, int64_t *v);
int json_read_u64(struct json_in *in, uint64_t *v);
/* A string "0x" followed by 1 to 16 hex digits (how pointers are written). */
int json_read_hex(struct json_in *in, uint64_t *v);
/* Any JSON number that fits a double (underflow reads as 0). */
int json_read_double(struct json_in *in, double *v);
/* Skip one value of any type, nested ones included (to JSON_MAX_DEPTH). */
int json_skip_value(struct json_in *in);
/* Enter an array: 0 or -1; then json_array_next(): 1 at a value, 0 at ']' */
int json_array_begin(struct json_in *in);
int json_array_next(struct json_in *in);
/* true when only white space is left */
bool json_at_end(struct json_in *in);

#endif
