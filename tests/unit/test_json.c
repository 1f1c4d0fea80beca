// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The JSON reader and writer under primetrace's records, and kallsyms. */
#include <stdlib.h>

#include "unit.h"
#include "json.h"
#include "json_writer.h"
#include "ksyms.h"

static char *written(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	json_write_string(m, s);
	fclose(m);
	return buf;
}

UNIT_TEST(write_escapes)
{
	char *w = written("a\"b\\c\nd\te\x01\xff");

	EXPECT_STR(w, "\"a\\\"b\\\\c\\nd\\te\\u0001\\u00ff\"");
	free(w);
}

/* any byte string comes back as written */
UNIT_TEST(string_round_trip)
{
	char in[256], out[256];

	for (int i = 1; i < 256; i++)
		in[i - 1] = (char)i;
	in[255] = '\0';
	{
		char *w = written(in);
		struct json_in j = { w };

		EXPECT_EQ(json_read_string(&j, out, sizeof(out)), 0);
		EXPECT_STR(out, in);
		EXPECT(json_at_end(&j));
		free(w);
	}
}

UNIT_TEST(read_strings)
{
	struct json_in j;
	char out[8];
	char *s;

	j.p = "\"\\u0041\\/\\b\"";
	EXPECT_EQ(json_read_string(&j, out, sizeof(out)), 0);
	EXPECT_STR(out, "A/\b");
	/* truncated to the buffer, the input still consumed */
	j.p = "\"0123456789\" x";
	EXPECT_EQ(json_read_string(&j, out, sizeof(out)), 0);
	EXPECT_STR(out, "0123456");
	EXPECT_STR(j.p, " x");
	j.p = "\"bad \\q escape\"";
	EXPECT_EQ(json_read_string(&j, out, sizeof(out)), -1);
	j.p = "\"\\u12\"";
	EXPECT_EQ(json_read_string(&j, out, sizeof(out)), -1);
	j.p = "\"no end";
	EXPECT_EQ(json_read_string(&j, out, sizeof(out)), -1);
	j.p = "42";
	EXPECT_EQ(json_read_string(&j, out, sizeof(out)), -1);
	j.p = "\"a long string, longer than eight\"";
	s = json_read_string_alloc(&j);
	EXPECT(s && !strcmp(s, "a long string, longer than eight"));
	free(s);
}

UNIT_TEST(read_numbers)
{
	struct json_in j;
	uint64_t u;
	int64_t i;
	double d;

	j.p = " 18446744073709551615";
	EXPECT_EQ(json_read_u64(&j, &u), 0);
	EXPECT_EQ(u, UINT64_MAX);
	j.p = "\"0xffff888012345600\"";
	EXPECT_EQ(json_read_hex(&j, &u), 0);
	EXPECT_EQ(u, 0xffff888012345600ULL);
	j.p = "-5";
	EXPECT_EQ(json_read_u64(&j, &u), -1);
	j.p = "18446744073709551616";
	EXPECT_EQ(json_read_u64(&j, &u), -1);
	j.p = "-9223372036854775808";
	EXPECT_EQ(json_read_i64(&j, &i), 0);
	EXPECT_EQ(i, INT64_MIN);
	j.p = "1.5e3";
	EXPECT_EQ(json_read_double(&j, &d), 0);
	EXPECT(d == 1500.0);
	j.p = "1.5";
	EXPECT_EQ(json_read_i64(&j, &i), -1);
	j.p = "\"\"";
	EXPECT_EQ(json_read_u64(&j, &u), -1);
}

/* only JSON's numbers, in range, and pointers only as "0x..." strings */
UNIT_TEST(numbers_are_strict)
{
	const char *not_u64[] = { "\"-1\"",
				  "\"5\"",
				  "-1",
				  "-0",
				  "+1",
				  "01",
				  "0x10",
				  "1.0",
				  "1e3",
				  ".5",
				  "-",
				  "",
				  "18446744073709551616",
				  "99999999999999999999999999999999999999" };
	const char *not_hex[] = { "\"-1\"",  "\"0x\"", "\"0x-1\"", "\"0x 1\"",
				  "\"0xg\"", "\"1\"",  "16",	   "\"0x10000000000000000\"" };
	struct json_in j = { 0 };
	uint64_t u;
	int64_t i;
	double d;

	for (size_t k = 0; k < sizeof(not_u64) / sizeof(not_u64[0]); k++) {
		j = (struct json_in){ not_u64[k] };
		EXPECT(json_read_u64(&j, &u) == -1 || !json_at_end(&j));
	}
	for (size_t k = 0; k < sizeof(not_hex) / sizeof(not_hex[0]); k++) {
		j = (struct json_in){ not_hex[k] };
		EXPECT_EQ(json_read_hex(&j, &u), -1);
		EXPECT(j.err != NULL);
	}
	j = (struct json_in){ "\"0xFFFFFFFFFFFFFFFF\"" };
	EXPECT_EQ(json_read_hex(&j, &u), 0);
	EXPECT_EQ(u, UINT64_MAX);
	/* "ts":"-1" must not become 2^64 - 1 */
	j = (struct json_in){ "\"-1\"" };
	EXPECT_EQ(json_read_u64(&j, &u), -1);
	EXPECT_STR(j.err, "a number given as a string");
	j = (struct json_in){ "-1" };
	EXPECT_EQ(json_read_u64(&j, &u), -1);
	EXPECT_STR(j.err, "negative where an unsigned number is expected");
	j = (struct json_in){ "9223372036854775808" };
	EXPECT_EQ(json_read_i64(&j, &i), -1);
	EXPECT_STR(j.err, "number out of range");
	j = (struct json_in){ "1e400" };
	EXPECT_EQ(json_read_double(&j, &d), -1);
	j = (struct json_in){ "-0.5e-3" };
	EXPECT_EQ(json_read_double(&j, &d), 0);
	EXPECT(d == -0.0005);
	j = (struct json_in){ "1e-400" }; /* underflow: as good as 0 */
	EXPECT_EQ(json_read_double(&j, &d), 0);
	j = (struct json_in){ "0" };
	EXPECT_EQ(json_read_u64(&j, &u), 0);
	EXPECT_EQ(u, 0);
	/* a value out of range leaves the output as it was */
	d = 2.5;
	j = (struct json_in){ "9.7e54615" };
	EXPECT_EQ(json_read_double(&j, &d), -1);
	EXPECT(d == 2.5);
	u = 7;
	j = (struct json_in){ "18446744073709551616" };
	EXPECT_EQ(json_read_u64(&j, &u), -1);
	EXPECT_EQ(u, 7);
	i = 7;
	j = (struct json_in){ "-9223372036854775809" };
	EXPECT_EQ(json_read_i64(&j, &i), -1);
	EXPECT_EQ(i, 7);
}

/* every separator exactly once: what a JSON parser would accept */
UNIT_TEST(separators_are_strict)
{
	const char *bad[] = {
		"{\"a\":1 \"b\":2}", "{\"a\":1,}",   "{,\"a\":1}", "{\"a\":1,,\"b\":2}",
		"[1 2 3]",	     "[1,]",	     "[,1]",	   "[1,,2]",
		"{\"a\" 1}",	     "{\"a\":}",     "{1:2}",	   "[1",
		"{\"a\":1",	     "{\"a\":[1,2}", "[tru]",	   "[nul]",
		"{\"a\":1}}",	     "[1]]"
	};
	const char *good[] = { "{}", "[]", " { \"a\" : [ 1 , { } , [ ] , \"x\" ] , \"b\" : null } ",
			       "[true,false,null,-0.5e+3,\"\"]" };

	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		struct json_in j = { bad[k] };

		EXPECT(json_skip_value(&j) == -1 || !json_at_end(&j));
	}
	for (size_t k = 0; k < sizeof(good) / sizeof(good[0]); k++) {
		struct json_in j = { good[k] };

		EXPECT_EQ(json_skip_value(&j), 0);
		EXPECT(json_at_end(&j));
	}
}

/* the skipper is recursive: it stops at JSON_MAX_DEPTH, not at the stack's end */
UNIT_TEST(nesting_is_bounded)
{
	size_t n = 200000;
	char *deep = malloc(n + 1), ok[2 * JSON_MAX_DEPTH + 1], over[2 * JSON_MAX_DEPTH + 3];
	struct json_in j;

	memset(deep, '[', n);
	deep[n] = '\0';
	j = (struct json_in){ deep };
	EXPECT_EQ(json_skip_value(&j), -1);
	EXPECT(j.err && strstr(j.err, "nested deeper than 64"));
	free(deep);

	memset(ok, '[', JSON_MAX_DEPTH);
	memset(ok + JSON_MAX_DEPTH, ']', JSON_MAX_DEPTH);
	ok[2 * JSON_MAX_DEPTH] = '\0';
	j = (struct json_in){ ok };
	EXPECT_EQ(json_skip_value(&j), 0);
	EXPECT(json_at_end(&j));
	memset(over, '[', JSON_MAX_DEPTH + 1);
	memset(over + JSON_MAX_DEPTH + 1, ']', JSON_MAX_DEPTH + 1);
	over[2 * JSON_MAX_DEPTH + 2] = '\0';
	j = (struct json_in){ over };
	EXPECT_EQ(json_skip_value(&j), -1);
}

/* strings: what a C string cannot carry is refused, not dropped */
UNIT_TEST(strings_are_strict)
{
	const char *bad[] = { "\"a\\u0000b\"", "\"\\u0100\"", "\"\\ud83d\\ude00\"", "\"tab\there\"",
			      "\"nl\nhere\"",  "\"\x01\"",    "\"\\x41\"" };
	char out[16];
	struct json_in j;
	char *s;

	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		j = (struct json_in){ bad[k] };
		EXPECT_EQ(json_read_string(&j, out, sizeof(out)), -1);
		EXPECT(j.err != NULL);
		j = (struct json_in){ bad[k] };
		s = json_read_string_alloc(&j);
		EXPECT(s == NULL);
		free(s);
		j = (struct json_in){ bad[k] };
		EXPECT_EQ(json_skip_value(&j), -1);
	}
	j = (struct json_in){ "\"a\\u0000b\"" };
	EXPECT_EQ(json_read_string(&j, out, sizeof(out)), -1);
	EXPECT_STR(j.err, "\\u0000 in a string");
	/* bytes above 0x7f, raw or escaped, are bytes */
	j = (struct json_in){ "\"\xc3\xa9\\u00e9\"" };
	EXPECT_EQ(json_read_string(&j, out, sizeof(out)), 0);
	EXPECT_STR(out, "\xc3\xa9\xe9");
}

UNIT_TEST(walk_objects)
{
	struct json_in j = { "{ \"a\": 1, \"b\": {\"c\": [1, \"]\", {\"d\": null}]}, \"e\": true,"
			     "\"f\": false }" };
	char key[8];
	int64_t v;
	int n = 0;

	EXPECT_EQ(json_object_begin(&j), 0);
	while (json_object_next(&j, key, sizeof(key)) == 1) {
		n++;
		if (!strcmp(key, "a")) {
			EXPECT_EQ(json_read_i64(&j, &v), 0);
			EXPECT_EQ(v, 1);
		} else {
			EXPECT_EQ(json_skip_value(&j), 0);
		}
	}
	EXPECT_EQ(n, 4);
	EXPECT(json_at_end(&j));
	j.p = "{}";
	EXPECT_EQ(json_object_begin(&j), 0);
	EXPECT_EQ(json_object_next(&j, key, sizeof(key)), 0);
	j.p = "{\"a\" 1}";
	EXPECT_EQ(json_object_begin(&j), 0);
	EXPECT_EQ(json_object_next(&j, key, sizeof(key)), -1);
	j.p = "[1, {\"x\": nul}]";
	EXPECT_EQ(json_skip_value(&j), -1);
}

UNIT_TEST(ksyms_lookup)
{
	const char text[] = "ffffffff81000000 T _stext\n"
			    "ffffffff81001000 t do_work\n"
			    "ffffffff81002000 D some_data\n"
			    "ffffffffc0100000 t drm_ioctl\t[drm]\n"
			    "0000000000000000 T hidden\n"
			    "garbage line\n";
	FILE *f = fmemopen((void *)text, sizeof(text) - 1, "r");
	struct pt_ksyms *ks = pt_ksyms_read(f);
	char buf[64];

	fclose(f);
	EXPECT(ks != NULL);
	EXPECT_STR(pt_ksyms_name(ks, 0xffffffff81001010ULL, buf, sizeof(buf)), "do_work+0x10");
	/* data symbols do not name code */
	EXPECT_STR(pt_ksyms_name(ks, 0xffffffff81002004ULL, buf, sizeof(buf)), "do_work+0x1004");
	EXPECT_STR(pt_ksyms_name(ks, 0xffffffffc01000a8ULL, buf, sizeof(buf)), "drm_ioctl+0xa8");
	EXPECT_STR(pt_ksyms_name(ks, 0xffffffff80000000ULL, buf, sizeof(buf)),
		   "0xffffffff80000000");
	EXPECT_STR(pt_ksyms_name(NULL, 0x1234, buf, sizeof(buf)), "0x1234");
	pt_ksyms_free(ks);
}

/* a writer into memory: mem_text() ends it and gives what was written (free it) */
struct mem {
	char *buf;
	size_t len;
	FILE *f;
};

static void mem_writer(struct mem *m, struct jw *w)
{
	m->buf = NULL;
	m->f = open_memstream(&m->buf, &m->len);
	jw_init(w, m->f);
}

static char *mem_text(struct mem *m)
{
	fclose(m->f);
	return m->buf;
}

/* the writer puts the commas: none at depth 0, none between a name and its value */
UNIT_TEST(writer_commas_and_nesting)
{
	struct mem m;
	char *buf;
	struct jw w;

	mem_writer(&m, &w);
	jw_object_begin(&w);
	jw_field_string(&w, "s", "a\"b");
	jw_name(&w, "empty");
	jw_array_begin(&w);
	jw_array_end(&w);
	jw_name(&w, "a");
	jw_array_begin(&w);
	jw_u64(&w, 1);
	jw_i64(&w, -2);
	jw_object_begin(&w);
	jw_object_end(&w);
	jw_object_begin(&w);
	jw_field_hex(&w, "p", 0xff);
	jw_field_bool(&w, "t", true);
	jw_name(&w, "n");
	jw_null(&w);
	jw_object_end(&w);
	jw_printf(&w, "%.3f", 0.5);
	jw_array_end(&w);
	jw_field_i64(&w, "i", -1);
	jw_object_end(&w);
	jw_newline(&w);
	/* JSON lines: the next top-level value has no comma before it */
	jw_object_begin(&w);
	jw_object_end(&w);
	jw_newline(&w);
	buf = mem_text(&m);
	EXPECT_STR(buf, "{\"s\":\"a\\\"b\",\"empty\":[],\"a\":[1,-2,{},{\"p\":\"0xff\",\"t\":true,"
			"\"n\":null},0.500],\"i\":-1}\n{}\n");
	free(buf);
}

/* a container chosen for it has each value on a line, and its closing bracket */
UNIT_TEST(writer_one_per_line)
{
	struct mem m;
	char *buf;
	struct jw w;

	mem_writer(&m, &w);
	jw_object_begin(&w);
	jw_name(&w, "e");
	jw_array_begin(&w);
	jw_one_per_line(&w, 2);
	jw_object_begin(&w);
	jw_field_u64(&w, "x", 1);
	jw_object_end(&w);
	jw_u64(&w, 2);
	jw_array_end(&w);
	jw_object_end(&w);
	buf = mem_text(&m);
	EXPECT_STR(buf, "{\"e\":[\n{\"x\":1},\n2\n]}");
	free(buf);
}

/* what the writer writes, the reader reads back: names and strings of any bytes */
UNIT_TEST(writer_reader_agree)
{
	char in[256], key[300], out[300];
	struct json_in j;
	struct mem m;
	char *buf;
	struct jw w;

	for (int i = 1; i < 256; i++)
		in[i - 1] = (char)i;
	in[255] = '\0';
	mem_writer(&m, &w);
	jw_object_begin(&w);
	jw_field_string(&w, in, in);
	jw_object_end(&w);
	buf = mem_text(&m);
	j = (struct json_in){ buf };
	EXPECT_EQ(json_object_begin(&j), 0);
	EXPECT_EQ(json_object_next(&j, key, sizeof(key)), 1);
	EXPECT_STR(key, in);
	EXPECT_EQ(json_read_string(&j, out, sizeof(out)), 0);
	EXPECT_STR(out, in);
	EXPECT_EQ(json_object_next(&j, key, sizeof(key)), 0);
	EXPECT(json_at_end(&j));
	free(buf);
}

int main(void)
{
	UNIT_RUN(write_escapes);
	UNIT_RUN(string_round_trip);
	UNIT_RUN(read_strings);
	UNIT_RUN(read_numbers);
	UNIT_RUN(walk_objects);
	UNIT_RUN(numbers_are_strict);
	UNIT_RUN(separators_are_strict);
	UNIT_RUN(nesting_is_bounded);
	UNIT_RUN(strings_are_strict);
	UNIT_RUN(ksyms_lookup);
	UNIT_RUN(writer_commas_and_nesting);
	UNIT_RUN(writer_one_per_line);
	UNIT_RUN(writer_reader_agree);
	UNIT_EXIT();
}
