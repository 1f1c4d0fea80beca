// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The JSON reader and writer under primetrace's records, and kallsyms. */
#include <stdlib.h>

#include "unit.h"
#include "json.h"
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
	EXPECT_EQ(json_read_u64(&j, &u), 0);
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

int main(void)
{
	UNIT_RUN(write_escapes);
	UNIT_RUN(string_round_trip);
	UNIT_RUN(read_strings);
	UNIT_RUN(read_numbers);
	UNIT_RUN(walk_objects);
	UNIT_RUN(ksyms_lookup);
	UNIT_EXIT();
}
