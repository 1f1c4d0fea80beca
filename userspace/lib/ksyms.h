/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Kernel symbols from /proc/kallsyms, for naming stack frames. */
#ifndef PT_KSYMS_H
#define PT_KSYMS_H

#include <stdio.h>

struct pt_ksyms;

/* Read a kallsyms-format stream; NULL on allocation failure. */
struct pt_ksyms *pt_ksyms_read(FILE *f);
struct pt_ksyms *pt_ksyms_load(void);
void pt_ksyms_free(struct pt_ksyms *ks);

/*
 * Name addr as "func+0xoff" (or "0xaddr" when unknown) into buf.
 * Returns buf.
 */
const char *pt_ksyms_name(const struct pt_ksyms *ks, unsigned long long addr, char *buf,
			  size_t len);

#endif
