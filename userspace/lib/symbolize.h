/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * User stacks: name addresses of a process from the ELF files it maps,
 * opened through /proc/PID while the process lives, and their debug
 * information (libdw): symbol tables, and where DWARF exists (in the file
 * or a debug file found by build-id or .gnu_debuglink along
 * PRIMETRACE_DEBUGINFO_PATH, default ":.debug:/usr/lib/debug"), source
 * lines and inlined calls.
 *
 * A process's mappings are read once, at its first stack, and kept until
 * pt_usyms_forget(): the addresses of a process that exits before its
 * first event is read stay numbers. Files are opened through
 * /proc/PID/map_files (they may be deleted or in another mount namespace)
 * and shared between processes that map the same file.
 *
 * Stacks are taken as they come (struct pt_stack: addresses, or for user
 * stacks places in mapped files) and named only when shown, once per
 * distinct stack, by the pt_syms that took them.
 */
#ifndef PT_SYMBOLIZE_H
#define PT_SYMBOLIZE_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

struct pt_usyms;
struct pt_ksyms;
/* A file some process maps, kept (open) as long as its pt_usyms. */
struct pt_ufile;

/* A frame of a user stack: a place in a mapped file, found while the process lived. */
struct pt_uframe {
	const struct pt_ufile *file; /* NULL: no file maps it, off is the address */
	__u64 off;		     /* the file offset of the address */
	__u64 map_off;		     /* the file offset where its mapping starts */
};

struct pt_usyms *pt_usyms_new(void);
void pt_usyms_free(struct pt_usyms *u);

/* Read pid's executable mappings now, if not done yet: 0 or -errno. */
int pt_usyms_load(struct pt_usyms *u, __u32 pid);
/* The process is gone (or its pid was reused): drop what was read. */
void pt_usyms_forget(struct pt_usyms *u, __u32 pid);

/*
 * Name addr in pid as "func+0xoff" ("file+0xoff" when no symbol covers it,
 * "0xaddr" when no file maps it), with DWARF "func+0xoff (file.c:N)"
 * after the inlined calls there, each "inl (file.c:N, inlined);", into
 * buf (cut to len); returns buf.
 */
const char *pt_usyms_name(struct pt_usyms *u, __u32 pid, __u64 addr, char *buf, size_t len);

/* Does the code of pid end with a call instruction right before addr? */
bool pt_usyms_after_call(struct pt_usyms *u, __u32 pid, __u64 addr);

/*
 * A stack found by scanning the user stack for code addresses, in two
 * steps: ips[0] is where the task was, the others are candidate return
 * addresses. First each of ips as a frame of pid now (cheap: where in
 * which mapped file), while the process lives,
 */
void pt_usyms_frames(struct pt_usyms *u, __u32 pid, const __u64 *ips, int n, struct pt_uframe *out);
/*
 * then, when shown and as long as the pt_usyms lives (it reads the files'
 * code bytes), ips[0] and the candidates that follow a call, named, as
 * "a;b;c" (malloc()ed), innermost first, an inlined call a frame of its
 * own (see pt_usyms_name()); NULL when n is 0.
 */
char *pt_usyms_scanned_frames(const struct pt_uframe *fr, int n);

/*
 * The symbols of a run, kernel and user, shared by whatever keeps stacks
 * they took (the event source, a model): freed at the last pt_syms_put().
 */
struct pt_syms;

/* kernel: read /proc/kallsyms; user: name user stacks. NULL without memory. */
struct pt_syms *pt_syms_new(bool kernel, bool user);
/* Tests: from kallsyms-format text (ks may be NULL) and no user symbols. */
struct pt_syms *pt_syms_from(struct pt_ksyms *ks);
struct pt_syms *pt_syms_ref(struct pt_syms *s);
void pt_syms_put(struct pt_syms *s);
/* The user symbols (NULL when not asked for). */
struct pt_usyms *pt_syms_usyms(struct pt_syms *s);

/*
 * A stack as it was taken: n kernel addresses (ip), or n user frames (uf)
 * that pt_usyms_frames() found, innermost first. It borrows its frames.
 */
struct pt_stack {
	struct pt_syms *syms; /* names it; NULL: addresses as numbers */
	bool user;
	unsigned int n;
	const __u64 *ip;
	const struct pt_uframe *uf;
};

unsigned int pt_stack_hash(const struct pt_stack *st);
bool pt_stack_equal(const struct pt_stack *a, const struct pt_stack *b);
/* The frames' bytes (ip or uf), for copying. */
size_t pt_stack_bytes(const struct pt_stack *st);
/*
 * st named "a;b;c", innermost first (malloc()ed): a kernel stack without
 * frames is "", a user stack without frames NULL.
 */
char *pt_stack_name(const struct pt_stack *st);
/*
 * The same through a cache of st->syms keyed by the frames, for printers
 * that see each event once: a stack seen before is not named again.
 */
char *pt_stack_name_cached(const struct pt_stack *st);
/* The stacks named so far by pt_stack_name() (tests count them). */
extern unsigned long pt_stack_namings;

#endif
