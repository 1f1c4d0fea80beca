/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * User stacks: name addresses of a process from the symbol tables of the
 * ELF files it maps, read through /proc/PID while the process lives.
 *
 * A process's mappings are read once, at its first stack, and kept until
 * pt_usyms_forget(): the addresses of a process that exits before its
 * first event is read stay numbers. Files are opened through
 * /proc/PID/map_files (they may be deleted or in another mount namespace)
 * and shared between processes that map the same file.
 */
#ifndef PT_SYMBOLIZE_H
#define PT_SYMBOLIZE_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

struct pt_usyms;

struct pt_usyms *pt_usyms_new(void);
void pt_usyms_free(struct pt_usyms *u);

/* Read pid's executable mappings now, if not done yet: 0 or -errno. */
int pt_usyms_load(struct pt_usyms *u, __u32 pid);
/* The process is gone (or its pid was reused): drop what was read. */
void pt_usyms_forget(struct pt_usyms *u, __u32 pid);

/*
 * Name addr in pid as "func+0xoff" ("0xaddr" when no symbol covers it)
 * into buf; returns buf.
 */
const char *pt_usyms_name(struct pt_usyms *u, __u32 pid, __u64 addr, char *buf, size_t len);

/* Does the code of pid end with a call instruction right before addr? */
bool pt_usyms_after_call(struct pt_usyms *u, __u32 pid, __u64 addr);

/*
 * A stack found by scanning the user stack for code addresses: ips[0] is
 * where the task was, the others are candidate return addresses. Keeps
 * ips[0] and the candidates that follow a call, names them, and returns
 * them as "a;b;c" (malloc()ed), innermost first; NULL when n is 0.
 */
char *pt_usyms_scanned_stack(struct pt_usyms *u, __u32 pid, const __u64 *ips, int n);

#endif
