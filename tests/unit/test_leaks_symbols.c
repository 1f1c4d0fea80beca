// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * User symbols for leak reports: this test names addresses of its own
 * process (a PIE executable: the load bias must be undone) and tells
 * return addresses from other code addresses, as a scanned stack needs.
 * Built with -g, a frame also has its source line (test_symbols_debuginfo.c
 * tests that part).
 */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "ksyms.h"
#include "unit.h"
#include "symbolize.h"

static __u64 ret_addr;
static int call_line;

/* "func+0xoff", then " (" SRC ":N)" when this test has DWARF (N: line, or any for 0) */
static bool frame_is(const char *frame, size_t len, const char *func_off, int line)
{
	const char *src = " (test_leaks_symbols.c:";
	size_t n = strlen(func_off), sl = strlen(src);
	char want[32];

	if (len < n || strncmp(frame, func_off, n))
		return false;
	if (len == n)
		return true;
	if (len < n + sl + 2 || strncmp(frame + n, src, sl) || frame[len - 1] != ')')
		return false;
	if (!line)
		return true;
	snprintf(want, sizeof(want), "%d)", line);
	return len - n - sl == strlen(want) && !strncmp(frame + n + sl, want, strlen(want));
}

__attribute__((noinline)) static void leaf_function(void)
{
	ret_addr = (__u64)(uintptr_t)__builtin_return_address(0);
	__asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) static void calling_function(void)
{
	UNIT_CALL_AT_LINE(call_line, leaf_function());
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
	EXPECT(frame_is(buf, strlen(buf), "leaf_function+0x2", 0));
	pt_usyms_name(u, getpid(), (__u64)(uintptr_t)&calling_function, buf, sizeof(buf));
	EXPECT(frame_is(buf, strlen(buf), "calling_function+0x0", 0));
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
	struct pt_uframe fr[3];
	__u64 ips[3];
	char *s;

	calling_function();
	ips[0] = (__u64)(uintptr_t)&leaf_function + 1; /* where the task was */
	ips[1] = (__u64)(uintptr_t)&leaf_function;     /* a code pointer, not a return */
	ips[2] = ret_addr;			       /* into calling_function */
	/* placed while the process lives, named when shown */
	pt_usyms_frames(u, getpid(), ips, 3, fr);
	s = pt_usyms_scanned_frames(fr, 3);
	EXPECT(s != NULL);
	if (s) {
		const char *semi = strchr(s, ';');

		EXPECT(semi && semi == strrchr(s, ';'));
		EXPECT(semi && frame_is(s, semi - s, "leaf_function+0x1", 0));
		/* a return address is named (and has the line of) the call before it */
		EXPECT(semi && !strncmp(semi + 1, "calling_function+0x", 19));
		if (semi && strchr(semi, '(')) {
			const char *paren = strchr(semi, '(');
			char fo[64];

			snprintf(fo, sizeof(fo), "%.*s", (int)(paren - 1 - (semi + 1)), semi + 1);
			EXPECT(frame_is(semi + 1, strlen(semi + 1), fo, call_line));
		}
	}
	free(s);
	EXPECT(pt_usyms_scanned_frames(fr, 0) == NULL);
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

/* one dma-buf export of buf with the stacks as taken */
static void feed_export(struct pm_model *m, int buf, const struct pt_stack *k,
			const struct pt_stack *u)
{
	struct pt_record r = { 0 };

	pt_event_init(&r.ev);
	r.ev.type = PT_EV_DMABUF_EXPORT;
	r.ev.hook = PT_HOOK_DMA_BUF_EXPORT;
	r.ev.ts = 1000000 + buf;
	r.ev.pid = r.ev.tid = getpid();
	r.ev.dmabuf = 0xffff888000100000ULL + buf * 0x400;
	r.ev.ino = 100 + buf;
	r.ev.size = 4096;
	r.kraw = k;
	r.uraw = u;
	pm_model_feed(m, &r);
}

UNIT_TEST(stacks_named_once_when_shown)
{
	const char text[] = "ffffffff81001000 t dma_buf_export\n"
			    "ffffffff81002000 t drm_gem_prime_export\n";
	FILE *f = fmemopen((void *)text, sizeof(text) - 1, "r");
	struct pt_syms *syms = pt_syms_from(f ? pt_ksyms_read(f) : NULL);
	struct pt_usyms *u = pt_usyms_new();
	const __u64 kips[] = { 0xffffffff81001005ULL, 0xffffffff81002073ULL };
	__u64 uips[2];
	struct pt_uframe uf[2];
	struct pt_stack k = { .syms = syms, .n = 2, .ip = kips };
	struct pt_stack us = { .syms = syms, .user = true, .n = 2, .uf = uf };
	struct pm_model *m = pm_model_new(0);
	const struct pm_buf *b1, *b2;
	struct pt_record r = { 0 };
	unsigned long before;
	char *json = NULL;
	size_t len = 0;
	FILE *out;

	if (f)
		fclose(f);
	EXPECT(syms && u && m);
	if (!syms || !u || !m)
		goto out;
	calling_function();
	uips[0] = (__u64)(uintptr_t)&leaf_function + 1;
	uips[1] = ret_addr;
	pt_usyms_frames(u, getpid(), uips, 2, uf);

	/* the model interns what it is fed: no names yet */
	before = pt_stack_namings;
	for (int i = 1; i <= 100; i++)
		feed_export(m, i, &k, &us);
	EXPECT_EQ(pt_stack_namings, before);
	b1 = pm_model_buf(m, 0xffff888000100000ULL + 0x400);
	b2 = pm_model_buf(m, 0xffff888000100000ULL + 100 * 0x400);
	EXPECT(b1 && b2 && b1->kstack && b1->kstack == b2->kstack && b1->ustack == b2->ustack);
	if (!b1 || !b2 || !b1->kstack || !b1->ustack)
		goto out;
	/* the source may be gone by the time the report is written */
	pt_syms_put(syms);
	syms = NULL;
	EXPECT_STR(pm_stack_text(b1->kstack), "dma_buf_export+0x5;drm_gem_prime_export+0x73");
	EXPECT(frame_is(pm_stack_text(b1->ustack), strcspn(pm_stack_text(b1->ustack), ";"),
			"leaf_function+0x1", 0));
	EXPECT(strstr(pm_stack_text(b1->ustack), ";calling_function+0x"));
	EXPECT_EQ(pt_stack_namings, before + 2);
	for (int i = 1; i <= 100; i++) {
		const struct pm_buf *b = pm_model_buf(m, 0xffff888000100000ULL + i * 0x400);

		EXPECT(b && pm_stack_text(b->kstack) && pm_stack_text(b->ustack));
	}
	EXPECT_EQ(pt_stack_namings, before + 2);

	/* printers name a stack they have seen before from the cache */
	out = open_memstream(&json, &len);
	EXPECT(out != NULL);
	if (!out)
		goto out;
	pt_event_init(&r.ev);
	r.ev.type = PT_EV_DMABUF_EXPORT;
	r.kraw = &b1->kstack->raw;
	before = pt_stack_namings;
	for (int i = 0; i < 50; i++)
		pt_print_json(out, &r);
	fclose(out);
	EXPECT_EQ(pt_stack_namings, before + 1);
	EXPECT(json && strstr(json, "\"kstack\":\"dma_buf_export+0x5;drm_gem_prime_export+0x73\""));
	free(json);
out:
	pm_model_free(m);
	pt_syms_put(syms);
	pt_usyms_free(u);
}

int main(void)
{
	UNIT_RUN(names_own_functions);
	UNIT_RUN(return_addresses_follow_calls);
	UNIT_RUN(scanned_stack_keeps_real_frames);
	UNIT_RUN(gone_process);
	UNIT_RUN(stacks_named_once_when_shown);
	UNIT_EXIT();
}
