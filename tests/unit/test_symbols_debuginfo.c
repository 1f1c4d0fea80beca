// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * User stacks named from debug information: this test copies its own
 * executable three ways and names a stack of each copy running as a
 * child (a frame in a function, and a return address inside an inlined
 * call): stripped of everything with its debug information split into a
 * file found by build-id, the same found by .gnu_debuglink, and stripped
 * of DWARF only. The first two show the source lines and the inlined
 * frame, the last exactly the "func+0xoff" frames of a binary without
 * debug information. Each copy gets its own debug root through
 * PRIMETRACE_DEBUGINFO_PATH (none of them under /usr/lib/debug).
 * Needs objcopy and readelf (binutils); without them, or when this test
 * was built without -g, it skips.
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit.h"
#include "symbolize.h"

#define SRC "test_symbols_debuginfo.c"

static __u64 seen_ret;
static int probe_line, inline_line;

__attribute__((noinline)) static void probe(void)
{
	seen_ret = (__u64)(uintptr_t)__builtin_return_address(0);
	__asm__ volatile("" ::: "memory");
}

static inline __attribute__((always_inline)) void inlined_step(void)
{
	UNIT_CALL_AT_LINE(probe_line, probe());
}

__attribute__((noinline)) static void outer_step(void)
{
	UNIT_CALL_AT_LINE(inline_line, inlined_step());
}

static int run(const char *cmd)
{
	int rc = system(cmd);

	return rc == 0 ? 0 : -1;
}

/* the build-id of file as hex, from readelf */
static int build_id(const char *file, char *out, size_t len)
{
	char cmd[9 * PATH_MAX];
	FILE *p;
	int ok;

	snprintf(cmd, sizeof(cmd), "readelf -n '%s' 2>/dev/null | sed -n 's/^ *Build ID: *//p'",
		 file);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	ok = fgets(out, len, p) != NULL;
	pclose(p);
	out[strcspn(out, "\n")] = '\0';
	return ok && strlen(out) > 2 ? 0 : -1;
}

/*
 * Run exe as a child, take its stack (the address after probe's first
 * byte, the return address into the inlined call), let it exit, and name
 * the stack with debug root root. NULL on failure.
 */
static char *child_stack(const char *exe, const char *root)
{
	int in[2], out[2];
	__u64 ips[2];
	struct pt_uframe fr[2];
	struct pt_usyms *u;
	char *text = NULL;
	FILE *f;
	pid_t pid;

	if (pipe(in) || pipe(out))
		return NULL;
	pid = fork();
	if (pid < 0)
		return NULL;
	if (!pid) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		execl(exe, exe, "--child", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	setenv("PRIMETRACE_DEBUGINFO_PATH", root, 1);
	u = pt_usyms_new();
	unsetenv("PRIMETRACE_DEBUGINFO_PATH");
	f = fdopen(out[0], "r");
	if (u && f && fscanf(f, "%llx %llx", &ips[0], &ips[1]) == 2)
		pt_usyms_frames(u, pid, ips, 2, fr);
	else
		ips[0] = 0;
	/* the child exits: naming needs only what was opened while it lived */
	close(in[1]);
	waitpid(pid, NULL, 0);
	if (ips[0])
		text = pt_usyms_scanned_frames(fr, 2);
	if (f)
		fclose(f);
	else
		close(out[0]);
	pt_usyms_free(u);
	return text;
}

/* the stack as a binary without debug information names it */
static void without_dwarf(const char *s, char *out, size_t len)
{
	size_t n = 0;

	for (const char *p = s; *p && n + 1 < len;) {
		size_t flen = strcspn(p, ";");
		const char *paren = memchr(p, '(', flen);

		if (flen < 8 || strncmp(p + flen - 8, "inlined)", 8)) {
			size_t keep = paren && paren > p ? (size_t)(paren - p - 1) : flen;

			n += snprintf(out + n, len - n, "%s%.*s", n ? ";" : "", (int)keep, p);
		}
		p += flen;
		if (*p == ';')
			p++;
	}
	out[n < len ? n : len - 1] = '\0';
}

/* stack text from a copy with debug information: probe, the inlined call, outer_step */
static void expect_debug_stack(const char *unit_name, const char *s)
{
	char want[256];
	const char *p;

	EXPECT(s != NULL);
	if (!s)
		return;
	printf("# %s\n", s);
	EXPECT(!strncmp(s, "probe+0x1 (" SRC ":", strlen("probe+0x1 (" SRC ":")));
	snprintf(want, sizeof(want), ";inlined_step (" SRC ":%d, inlined);outer_step+0x",
		 probe_line);
	p = strstr(s, want);
	EXPECT(p != NULL);
	if (!p)
		return;
	p += strlen(want);
	p += strspn(p, "0123456789abcdef");
	snprintf(want, sizeof(want), " (" SRC ":%d)", inline_line);
	EXPECT_STR(p, want);
}

static char dir[] = "/tmp/primetrace-dbg-XXXXXX";

/* the copies: a (build-id), b (.gnu_debuglink), c (DWARF stripped), and their roots */
static int make_copies(void)
{
	char exe[PATH_MAX], cmd[8 * PATH_MAX], id[128];
	ssize_t n;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0 || !mkdtemp(dir))
		return -1;
	exe[n] = '\0';
	snprintf(cmd, sizeof(cmd),
		 "set -e; cd %s; mkdir -p bin rb rl rc; "
		 "objcopy --only-keep-debug '%s' full.debug; "
		 "readelf -S full.debug 2>/dev/null | grep -q debug_info; "
		 "objcopy --strip-all '%s' bin/a; "
		 "objcopy --strip-all --add-gnu-debuglink=full.debug '%s' bin/b; "
		 "mkdir -p rl%s/bin; cp full.debug rl%s/bin/full.debug; "
		 "objcopy --strip-debug '%s' bin/c; chmod +x bin/a bin/b bin/c",
		 dir, exe, exe, exe, dir, dir, exe);
	if (run(cmd))
		return -1;
	snprintf(cmd, sizeof(cmd), "%s/full.debug", dir);
	if (build_id(cmd, id, sizeof(id)))
		return -1;
	snprintf(cmd, sizeof(cmd),
		 "mkdir -p %s/rb/.build-id/%.2s && cp %s/full.debug %s/rb/.build-id/%.2s/%s.debug",
		 dir, id, dir, dir, id, id + 2);
	return run(cmd);
}

/* the stack of copy name, named with debug root root */
static char *copy_stack(const char *name, const char *root)
{
	char exe[PATH_MAX], r[PATH_MAX];

	snprintf(exe, sizeof(exe), "%s/bin/%s", dir, name);
	snprintf(r, sizeof(r), "%s/%s", dir, root);
	return child_stack(exe, r);
}

UNIT_TEST(split_debug_by_build_id)
{
	char *s = copy_stack("a", "rb");

	expect_debug_stack(unit_name, s);
	free(s);
}

UNIT_TEST(split_debug_by_debuglink)
{
	char *s = copy_stack("b", "rl");

	expect_debug_stack(unit_name, s);
	free(s);
}

UNIT_TEST(stripped_of_dwarf_names_as_before)
{
	char *a = copy_stack("a", "rb"), *c = copy_stack("c", "rc"), plain[512];

	/* no debug file on its path: the frames of the debug build, without lines and inlines */
	EXPECT(a && c);
	if (a && c) {
		printf("# %s\n", c);
		without_dwarf(a, plain, sizeof(plain));
		EXPECT_STR(c, plain);
		EXPECT(!strchr(c, '(') && strchr(c, ';') == strrchr(c, ';'));
		EXPECT(!strncmp(c, "probe+0x1;outer_step+0x", strlen("probe+0x1;outer_step+0x")));
	}
	free(a);
	free(c);
}

UNIT_TEST(debug_file_not_on_path)
{
	/* the build-id copy with another root: .dynsym only, no static function */
	char *s = copy_stack("a", "rc");

	EXPECT(s && !strchr(s, '(') && !strstr(s, "outer_step") && !strncmp(s, "a+0x", 4));
	free(s);
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--child")) {
		char c;

		outer_step();
		printf("%llx %llx\n", (unsigned long long)(uintptr_t)&probe + 1,
		       (unsigned long long)seen_ret);
		fflush(stdout);
		/* live until the parent has read the mappings */
		while (read(0, &c, 1) > 0)
			;
		return 0;
	}
	if (make_copies()) {
		printf("SKIP: symbols_debuginfo: no objcopy or readelf, or built without -g\n");
	} else {
		outer_step(); /* the lines noted */
		UNIT_RUN(split_debug_by_build_id);
		UNIT_RUN(split_debug_by_debuglink);
		UNIT_RUN(stripped_of_dwarf_names_as_before);
		UNIT_RUN(debug_file_not_on_path);
	}
	if (dir[strlen(dir) - 1] != 'X') {
		char cmd[PATH_MAX];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		run(cmd);
	}
	UNIT_EXIT();
}
