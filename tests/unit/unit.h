/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Host unit tests: a test is a function; UNIT_RUN() calls it and prints
 * "PASS: name" or "FAIL: name: file:line: expr" (the lines tools/run-tests
 * counts). main() returns non-zero when any test failed. Below: functions
 * that more than one test file needs.
 */
#ifndef PRIMETRACE_UNIT_H
#define PRIMETRACE_UNIT_H

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "model.h"

static int unit_failed_total;
static int unit_failed_now;

#define EXPECT(expr)                                                                           \
	do {                                                                                   \
		if (!(expr)) {                                                                 \
			if (!unit_failed_now)                                                  \
				printf("FAIL: %s: %s:%d: %s\n", unit_name, __FILE__, __LINE__, \
				       #expr);                                                 \
			unit_failed_now = 1;                                                   \
		}                                                                              \
	} while (0)

#define EXPECT_EQ(a, b)	 EXPECT((a) == (b))
#define EXPECT_STR(a, b) EXPECT(strcmp((a), (b)) == 0)

#define UNIT_RUN(fn)                                     \
	do {                                             \
		const char *unit_name = #fn;             \
		unit_failed_now = 0;                     \
		fn(unit_name);                           \
		if (!unit_failed_now)                    \
			printf("PASS: %s\n", unit_name); \
		unit_failed_total += unit_failed_now;    \
	} while (0)

#define UNIT_TEST(fn) static void fn(const char *unit_name)

#define UNIT_EXIT()   return unit_failed_total ? 1 : 0

/*
 * The path of tests/unit/data (or of a file in it when name is not ""):
 * next to this header, or from BUILD/tests/. NULL when neither exists.
 */
static inline const char *unit_data_path(const char *name, char *path, size_t len)
{
	char exe[PATH_MAX];
	const char *src = __FILE__;
	const char *slash = strrchr(src, '/');
	ssize_t n;

	snprintf(path, len, "%.*sdata/%s", slash ? (int)(slash - src + 1) : 0, src, name);
	if (!access(path, R_OK))
		return path;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	*strrchr(exe, '/') = '\0';
	snprintf(path, len, "%s/../../tests/unit/data/%s", exe, name);
	return access(path, R_OK) ? NULL : path;
}

/* a file of tests/unit/data */
static inline FILE *unit_open_data(const char *name)
{
	char path[2 * PATH_MAX];

	return unit_data_path(name, path, sizeof(path)) ? fopen(path, "r") : NULL;
}

/*
 * call, then set var to the line it was made on (the macro's): what a test
 * of source lines expects its return address to be named with
 */
#define UNIT_CALL_AT_LINE(var, call)      \
	do {                              \
		call;                     \
		var = __LINE__;           \
		__asm__("" ::: "memory"); \
	} while (0)

/* --- the lifetime model's leak report ------------------------------------ */

/* pm_model_leaks() with the default options */
static inline int unit_leaks(struct pm_model *m, struct pm_suspect **s)
{
	struct pm_leak_opts o = { 0 };

	return pm_model_leaks(m, &o, s);
}

/* how many of the @n suspects are of @kind, and the first of them */
static inline int unit_count_kind(const struct pm_suspect *s, int n, enum pm_leak_kind kind)
{
	int c = 0;

	for (int i = 0; i < n; i++)
		c += s[i].kind == kind;
	return c;
}

static inline const struct pm_suspect *unit_find_kind(const struct pm_suspect *s, int n,
						      enum pm_leak_kind kind)
{
	for (int i = 0; i < n; i++)
		if (s[i].kind == kind)
			return &s[i];
	return NULL;
}

#endif
