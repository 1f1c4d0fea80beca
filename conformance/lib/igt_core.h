/* SPDX-License-Identifier: MIT */
/*
 * A small harness with IGT's conventions: the same macros, the same command
 * line (--list-subtests, --run-subtest GLOB, --device FILTER, --describe),
 * the same output ("Starting subtest: x", "Subtest x: SUCCESS (0.012s)")
 * and the same exit codes, so that the binaries run unchanged under
 * igt_runner. Only what the conformance tests use is here.
 *
 * Control flow is IGT's: igt_fixture and igt_subtest are for-loops around a
 * sigsetjmp(); igt_skip(), igt_fail() and igt_success() siglongjmp() back out
 * of the block. A failing fixture fails (or skips) every later subtest of its
 * igt_subtest_group.
 *
 * One addition: when PRIMETRACE_CHECK_FDS=WFD,RFD is set (by a live checker
 * that runs the test as its child), the harness tells the checker where each
 * subtest begins and ends and takes its verdict; see igt_core.c.
 */
#ifndef PRIMETRACE_IGT_CORE_H
#define PRIMETRACE_IGT_CORE_H

#include <errno.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IGT_EXIT_SUCCESS 0
#define IGT_EXIT_SKIP	 77
#define IGT_EXIT_INVALID 79
#define IGT_EXIT_FAILURE 98
#define IGT_EXIT_ABORT	 112

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

#define __igt_cat2(x, y)   x##y
#define igt_tokencat(x, y) __igt_cat2(x, y)
#define igt_unique(prefix) igt_tokencat(igt_tokencat(__igt_unique_, prefix), __LINE__)

extern sigjmp_buf igt_subtest_jmpbuf;

void igt_subtest_init(int argc, char **argv);
__attribute__((noreturn)) void igt_exit(void);

bool __igt_fixture(void);
void __igt_fixture_complete(void);
bool __igt_run_subtest(const char *name, const char *file, int line);
int __igt_subtest_group_save(void);
void __igt_subtest_group_restore(int save);

/**
 * igt_main: replaces main() for a test made of subtests.
 */
#define igt_main                                   \
	static void igt_unique(__real_main)(void); \
	int main(int argc, char **argv)            \
	{                                          \
		igt_subtest_init(argc, argv);      \
		igt_unique(__real_main)();         \
		igt_exit();                        \
	}                                          \
	static void igt_unique(__real_main)(void)

/**
 * igt_fixture: setup or teardown code shared by the subtests that follow;
 * not run when only listing subtests.
 */
#define igt_fixture                                                                             \
	for (volatile int igt_unique(__fix) = 0;                                                \
	     igt_unique(__fix) < 1 && __igt_fixture() && sigsetjmp(igt_subtest_jmpbuf, 1) == 0; \
	     igt_unique(__fix)++, __igt_fixture_complete())

/**
 * igt_subtest: one subtest; igt_skip(), igt_fail() and the asserts leave it.
 */
#define igt_subtest(name)                                       \
	for (; __igt_run_subtest((name), __FILE__, __LINE__) && \
	       sigsetjmp(igt_subtest_jmpbuf, 1) == 0;           \
	     igt_success())

#define __igt_subtest_f(tmp, ...)                                                                 \
	for (char tmp[256];                                                                       \
	     snprintf(tmp, sizeof(tmp), __VA_ARGS__),                                             \
	     __igt_run_subtest(tmp, __FILE__, __LINE__) && sigsetjmp(igt_subtest_jmpbuf, 1) == 0; \
	     igt_success())
#define igt_subtest_f(...) __igt_subtest_f(igt_unique(__name), __VA_ARGS__)

/**
 * igt_subtest_group: scopes fixtures, so that a failed requirement only
 * skips the subtests of its group.
 */
#define igt_subtest_group                                                                       \
	for (volatile int igt_unique(__g) = 0, igt_unique(__save) = __igt_subtest_group_save(); \
	     igt_unique(__g) < 1;                                                               \
	     igt_unique(__g)++, __igt_subtest_group_restore(igt_unique(__save)))

/**
 * igt_describe: the documentation of the next subtest (or group), shown by
 * --describe.
 */
void igt_describe(const char *description);

const char *igt_test_name(void);
const char *igt_subtest_name(void);
bool igt_only_list_subtests(void);

__attribute__((noreturn)) void igt_success(void);
__attribute__((noreturn)) void igt_fail(int exitcode);
__attribute__((noreturn, format(printf, 1, 2))) void igt_skip(const char *f, ...);

__attribute__((noreturn, format(printf, 5, 6))) void __igt_fail_assert(const char *file, int line,
								       const char *func,
								       const char *assertion,
								       const char *f, ...);
__attribute__((noreturn, format(printf, 5, 6))) void __igt_skip_check(const char *file, int line,
								      const char *func,
								      const char *check,
								      const char *f, ...);

/* Logging: info to stdout; warnings and worse to stderr, prefixed. */
enum igt_log_level {
	IGT_LOG_DEBUG,
	IGT_LOG_INFO,
	IGT_LOG_WARN,
	IGT_LOG_CRITICAL,
};
__attribute__((format(printf, 2, 3))) void igt_log(enum igt_log_level level, const char *f, ...);
#define igt_debug(...)	  igt_log(IGT_LOG_DEBUG, __VA_ARGS__)
#define igt_info(...)	  igt_log(IGT_LOG_INFO, __VA_ARGS__)
#define igt_warn(...)	  igt_log(IGT_LOG_WARN, __VA_ARGS__)
#define igt_critical(...) igt_log(IGT_LOG_CRITICAL, __VA_ARGS__)

/* Asserts: a false expression fails the subtest (or the fixture). */
#define igt_assert(expr)                                                              \
	do {                                                                          \
		if (!(expr))                                                          \
			__igt_fail_assert(__FILE__, __LINE__, __func__, #expr, NULL); \
	} while (0)

#define igt_assert_f(expr, ...)                                                              \
	do {                                                                                 \
		if (!(expr))                                                                 \
			__igt_fail_assert(__FILE__, __LINE__, __func__, #expr, __VA_ARGS__); \
	} while (0)

#define igt_fail_on(expr)	 igt_assert(!(expr))
#define igt_fail_on_f(expr, ...) igt_assert_f(!(expr), __VA_ARGS__)

#define __igt_assert_cmp(T, fmt, a, op, b)                                                        \
	do {                                                                                      \
		T __a = (a), __b = (b);                                                           \
		if (!(__a op __b))                                                                \
			__igt_fail_assert(__FILE__, __LINE__, __func__, #a " " #op " " #b,        \
					  "error: " fmt " " #op " " fmt " is false\n", __a, __b); \
	} while (0)

#define igt_assert_eq(a, b)	 __igt_assert_cmp(int, "%d", a, ==, b)
#define igt_assert_neq(a, b)	 __igt_assert_cmp(int, "%d", a, !=, b)
#define igt_assert_lt(a, b)	 __igt_assert_cmp(int, "%d", a, <, b)
#define igt_assert_lte(a, b)	 __igt_assert_cmp(int, "%d", a, <=, b)
#define igt_assert_eq_u32(a, b)	 __igt_assert_cmp(uint32_t, "%#x", a, ==, b)
#define igt_assert_neq_u32(a, b) __igt_assert_cmp(uint32_t, "%#x", a, !=, b)
#define igt_assert_eq_u64(a, b)	 __igt_assert_cmp(unsigned long long, "%#llx", a, ==, b)
#define igt_assert_neq_u64(a, b) __igt_assert_cmp(unsigned long long, "%#llx", a, !=, b)

/* igt_assert_errno(call, err): call returns -1 with errno == err */
#define igt_assert_errno(expr, err)                                                             \
	do {                                                                                    \
		errno = 0;                                                                      \
		long __r = (long)(expr);                                                        \
		int __e = errno;                                                                \
		if (__r != -1 || __e != (err))                                                  \
			__igt_fail_assert(                                                      \
			    __FILE__, __LINE__, __func__, #expr " fails with " #err,            \
			    "error: returned %ld, errno %d (%s), expected %d (%s)\n", __r, __e, \
			    strerror(__e), (err), strerror(err));                               \
	} while (0)

/* Requirements: a false expression skips the subtest (or the fixture). */
#define igt_require(expr)                                                            \
	do {                                                                         \
		if (!(expr))                                                         \
			__igt_skip_check(__FILE__, __LINE__, __func__, #expr, NULL); \
	} while (0)

#define igt_require_f(expr, ...)                                                            \
	do {                                                                                \
		if (!(expr))                                                                \
			__igt_skip_check(__FILE__, __LINE__, __func__, #expr, __VA_ARGS__); \
	} while (0)

#define igt_skip_on(expr)	 igt_require(!(expr))
#define igt_skip_on_f(expr, ...) igt_require_f(!(expr), __VA_ARGS__)

/*
 * igt_fork(child, n): run the block in n child processes; igt_waitchildren()
 * reaps them and fails the subtest if any child failed.
 */
bool __igt_fork(void);
#define igt_fork(child, num_children)                        \
	for (int child = 0; child < (num_children); child++) \
		for (; __igt_fork(); exit(0))
void igt_waitchildren(void);

#endif
