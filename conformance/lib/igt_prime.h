/* SPDX-License-Identifier: MIT */
/*
 * The body of every PRIME conformance test: a fixture that opens the device
 * under test and checks its PRIME capabilities, then each subtest of a table
 * between a leak check's start and end, then a fixture that closes the
 * device. A test gives its table and what differs (more devices, its own
 * leak oracle) as hooks:
 *
 *	igt_main
 *	{
 *		igt_prime_run(&(struct igt_prime_suite){ .subtests = tests, ... });
 *	}
 */
#ifndef PRIMETRACE_IGT_PRIME_H
#define PRIMETRACE_IGT_PRIME_H

#include <stdbool.h>
#include <stdint.h>

struct igt_prime_subtest {
	const char *name;
	void (*fn)(void);
	const char *describe; /* the Description of the file's doc block, word for word */
};

struct igt_prime_suite {
	const struct igt_prime_subtest *subtests;
	unsigned int nsubtests;
	/* DRM_PRIME_CAP_* the device under test must have (else the subtests
	 * skip); 0 when @setup checks */
	uint64_t caps;
	int *fd;   /* set to the device under test (--device, DRIVER_ANY) */
	int *inst; /* set to its vprime instance, -1 elsewhere; may be NULL */
	/* say so when the device has no vprime ground truth */
	bool say_no_truth;
	/* run by the first fixture once the device is open, and by the last
	 * before it is closed; either may be NULL */
	void (*setup)(void);
	void (*teardown)(void);
	/* the leak check around each subtest; NULL: igt_leaks_start() and
	 * igt_leaks_check() on the device under test */
	void (*leaks_start)(void);
	void (*leaks_check)(void);
};

/* --describe shows the subtests at the caller's file and line */
#define igt_prime_run(...) __igt_prime_run(__FILE__, __LINE__, __VA_ARGS__)
void __igt_prime_run(const char *file, int line, const struct igt_prime_suite *s);

#endif
