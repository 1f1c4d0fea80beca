// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* primetrace: kernel symbol lookup for stack frames (see ksyms.h) */
#include <stdlib.h>
#include <string.h>

#include "ksyms.h"

struct ksym {
	unsigned long long addr;
	char *name;
};

struct pt_ksyms {
	struct ksym *syms;
	size_t n, cap;
	char *strs;
	size_t strs_len, strs_cap;
};

static int ksym_cmp(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int add(struct pt_ksyms *ks, unsigned long long addr, const char *name)
{
	size_t len = strlen(name) + 1;

	if (ks->n == ks->cap) {
		size_t cap = ks->cap ? ks->cap * 2 : 4096;
		struct ksym *tmp = realloc(ks->syms, cap * sizeof(*tmp));

		if (!tmp)
			return -1;
		ks->syms = tmp;
		ks->cap = cap;
	}
	if (ks->strs_len + len > ks->strs_cap) {
		size_t cap = ks->strs_cap ? ks->strs_cap * 2 : 65536;
		char *tmp;

		while (cap < ks->strs_len + len)
			cap *= 2;
		tmp = realloc(ks->strs, cap);
		if (!tmp)
			return -1;
		ks->strs = tmp;
		ks->strs_cap = cap;
	}
	memcpy(ks->strs + ks->strs_len, name, len);
	/* store offsets until the string table stops moving */
	ks->syms[ks->n].addr = addr;
	ks->syms[ks->n].name = (char *)(unsigned long)ks->strs_len;
	ks->strs_len += len;
	ks->n++;
	return 0;
}

struct pt_ksyms *pt_ksyms_read(FILE *f)
{
	struct pt_ksyms *ks = calloc(1, sizeof(*ks));
	char line[512], name[256];
	unsigned long long addr;
	char type;

	if (!ks)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %255s", &addr, &type, name) != 3)
			continue;
		/* text symbols only; addresses are 0 without privileges */
		if (!addr || (type != 't' && type != 'T' && type != 'w' && type != 'W'))
			continue;
		if (add(ks, addr, name)) {
			pt_ksyms_free(ks);
			return NULL;
		}
	}
	/* half a table would name frames wrongly: none is better */
	if (ferror(f)) {
		pt_ksyms_free(ks);
		return NULL;
	}
	for (size_t i = 0; i < ks->n; i++)
		ks->syms[i].name = ks->strs + (unsigned long)ks->syms[i].name;
	qsort(ks->syms, ks->n, sizeof(*ks->syms), ksym_cmp);
	return ks;
}

struct pt_ksyms *pt_ksyms_load(void)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	struct pt_ksyms *ks;

	if (!f)
		return NULL;
	ks = pt_ksyms_read(f);
	fclose(f);
	return ks;
}

void pt_ksyms_free(struct pt_ksyms *ks)
{
	if (!ks)
		return;
	free(ks->syms);
	free(ks->strs);
	free(ks);
}

const char *pt_ksyms_name(const struct pt_ksyms *ks, unsigned long long addr, char *buf, size_t len)
{
	size_t lo = 0, hi = ks ? ks->n : 0;

	/* the last symbol at or below addr */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ks->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		snprintf(buf, len, "0x%llx", addr);
	else
		snprintf(buf, len, "%s+0x%llx", ks->syms[lo - 1].name,
			 addr - ks->syms[lo - 1].addr);
	return buf;
}
