// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * User symbols for leak reports: this test names addresses of its own
 * process (a PIE executable: the load bias must be undone) and tells
 * return addresses from other code addresses, as a scanned stack needs.
 */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "unit.h"
#include "symbolize.h"

static __u64 ret_addr;

__attribute__((noinline)) static void leaf_function(void)
{
	ret_addr = (__u64)(uintptr_t)__builtin_return_address(0);
	__asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) static void calling_function(void)
{
	leaf_function();
	__asm__ volatile("" ::: "memory");
}

UNIT_TEST(names_own_functions)
{
	struct pt_usyms *u = pt_usyms_new();
	char buf[128];

	EXPECT(u != NULL);
	if (!u)
		return;
	EXPECT_EQ(pt_usyms_load(u, getpid()), 0);
	pt_usyms_name(u, getpid(), (__u64)(uintptr_t)&leaf_function + 2, buf, sizeof(buf));
	EXPECT_STR(buf, "leaf_function+0x2");
	pt_usyms_name(u, getpid(), (__u64)(uintptr_t)&calling_function, buf, sizeof(buf));
	EXPECT_STR(buf, "calling_function+0x0");
	/* an address no mapping holds stays a number */
	pt_usyms_name(u, getpid(), 0x10, buf, sizeof(buf));
	EXPECT_STR(buf, "0x10");
	pt_usyms_free(u);
}

UNIT_TEST(return_addresses_follow_calls)
{
	struct pt_usyms *u = pt_usyms_new();

	calling_function();
	EXPECT(ret_addr != 0);
	EXPECT(pt_usyms_after_call(u, getpid(), ret_addr));
	/* a function's first byte follows padding, not a call */
	EXPECT(!pt_usyms_after_call(u, getpid(), (__u64)(uintptr_t)&leaf_function));
	EXPECT(!pt_usyms_after_call(u, getpid(), 0x10));
	pt_usyms_free(u);
}

UNIT_TEST(scanned_stack_keeps_real_frames)
{
	struct pt_usyms *u = pt_usyms_new();
	__u64 ips[3];
	char *s;

	calling_function();
	ips[0] = (__u64)(uintptr_t)&leaf_function + 1; /* where the task was */
	ips[1] = (__u64)(uintptr_t)&leaf_function;     /* a code pointer, not a return */
	ips[2] = ret_addr;			       /* into calling_function */
	s = pt_usyms_scanned_stack(u, getpid(), ips, 3);
	EXPECT(s != NULL);
	if (s) {
		const char *want = "leaf_function+0x1;calling_function+0x";

		EXPECT(!strncmp(s, want, strlen(want)));
		EXPECT(strchr(s, ';') == strrchr(s, ';'));
	}
	free(s);
	EXPECT(pt_usyms_scanned_stack(u, getpid(), ips, 0) == NULL);
	pt_usyms_free(u);
}

UNIT_TEST(gone_process)
{
	struct pt_usyms *u = pt_usyms_new();
	char buf[64];

	/* pid 0 has no /proc entry */
	EXPECT(pt_usyms_load(u, 0) < 0);
	pt_usyms_name(u, 0, 0x401000, buf, sizeof(buf));
	EXPECT_STR(buf, "0x401000");
	pt_usyms_forget(u, getpid());
	pt_usyms_free(u);
}

int main(void)
{
	UNIT_RUN(names_own_functions);
	UNIT_RUN(return_addresses_follow_calls);
	UNIT_RUN(scanned_stack_keeps_real_frames);
	UNIT_RUN(gone_process);
	UNIT_EXIT();
}
