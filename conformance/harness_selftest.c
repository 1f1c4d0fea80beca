// SPDX-License-Identifier: MIT
/**
 * TEST: harness selftest
 * Category: Infrastructure
 * Description: Not a conformance test: subtests with known outcomes, so
 *	that tests/vm/30-conformance-harness.sh can check the harness's output,
 *	exit codes and live-checker protocol against IGT's. Needs no device.
 *
 * SUBTEST: success
 * Description: Passes.
 *
 * SUBTEST: failure
 * Description: Fails an igt_assert_eq.
 *
 * SUBTEST: skip
 * Description: Skips on an igt_require.
 *
 * SUBTEST: errno-failure
 * Description: Fails an igt_assert_errno.
 *
 * SUBTEST: child-failure
 * Description: A forked child fails an assert.
 *
 * SUBTEST: fixture-skip-a
 * Description: Skipped by its group's fixture.
 *
 * SUBTEST: fixture-skip-b
 * Description: Skipped by its group's fixture.
 *
 * SUBTEST: fixture-fail-a
 * Description: Failed by its group's fixture, when HARNESS_FIXTURE_FAIL is
 *	set.
 *
 * SUBTEST: after-groups
 * Description: Passes: a group's fixture does not reach outside it.
 *
 * SUBTEST: crash
 * Description: Dies of SIGSEGV.
 */
#include <signal.h>
#include <unistd.h>

#include "igt.h"

igt_main
{
	igt_describe("Passes.");
	igt_subtest("success") {
		igt_info("all is well\n");
	}

	igt_describe("Fails an igt_assert_eq.");
	igt_subtest("failure") {
		igt_assert_eq(1 + 1, 3);
	}

	igt_describe("Skips on an igt_require.");
	igt_subtest("skip") {
		igt_require_f(false, "a requirement that never holds\n");
	}

	igt_describe("Fails an igt_assert_errno.");
	igt_subtest("errno-failure") {
		igt_assert_errno(close(-1), ENOENT);
	}

	igt_describe("A forked child fails an assert.");
	igt_subtest("child-failure") {
		igt_fork(child, 2)
		{
			igt_assert_eq(child, 0);
		}
		igt_waitchildren();
	}

	igt_subtest_group {
		igt_fixture {
			igt_require_f(false, "a fixture requirement that never holds\n");
		}
		igt_describe("Skipped by its group's fixture.");
		igt_subtest("fixture-skip-a") {
		}
		igt_describe("Skipped by its group's fixture.");
		igt_subtest("fixture-skip-b") {
		}
	}

	igt_subtest_group {
		/* as in IGT, a failing fixture fails the run even when none of
		 * its subtests is selected: only when asked to */
		igt_fixture {
			igt_assert_f(!getenv("HARNESS_FIXTURE_FAIL"), "a fixture that fails\n");
		}
		igt_describe("Failed by its group's fixture, when HARNESS_FIXTURE_FAIL is set.");
		igt_subtest("fixture-fail-a") {
		}
	}

	igt_describe("Passes: a group's fixture does not reach outside it.");
	igt_subtest("after-groups") {
	}

	igt_describe("Dies of SIGSEGV.");
	igt_subtest("crash") {
		raise(SIGSEGV);
	}
}
