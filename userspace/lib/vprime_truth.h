/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * vprime's ground truth (/sys/kernel/debug/vprime/<i>/, docs/vprime.md):
 * the one parser of its lines, shared by primetrace's checker, the
 * conformance tests and the VM test programs. Plain C and libc only.
 *
 * Lines only ever grow at their end: every parser here reads key=value
 * tokens, counts the keys it does not know (a newer vprime) and fails only
 * when a key it needs is missing or its value is not a number.
 */
#ifndef PRIMETRACE_VPRIME_TRUTH_H
#define PRIMETRACE_VPRIME_TRUTH_H

#include <stdbool.h>
#include <stddef.h>

#define VPRIME_DEBUGFS "/sys/kernel/debug/vprime"

/* an 'obj' line of 'objects' */
struct vprime_obj {
	unsigned int id;
	unsigned long long size;
	int refcount;
	int handles;
	unsigned long dmabuf; /* inode of obj->dma_buf, 0 if none */
	char import[32];      /* exporting driver of an imported object, "-" if not */
	int pins, vmaps, mmaps;
	long long pages;      /* pages allocated; -1 when the line has no pages= */
	unsigned int unknown; /* keys this parser does not know */
};

/* a 'file' line of 'files' */
struct vprime_file {
	int pid;
	char comm[32];
	int handles;
	int prime; /* PRIME cache entries, listed on the lines that follow */
	unsigned int client;
	unsigned int unknown;
};

/* an 'import' line of 'imports' */
struct vprime_import {
	unsigned int id;
	char exporter[32];
	unsigned int pages;
	unsigned long contig;
	unsigned int unknown;
};

/* "obj id=... size=... ..." into @o; false when it is not one (all keys but
 * pages= are needed) */
bool vprime_parse_obj(const char *line, struct vprime_obj *o);
/* "file pid=... comm=... handles=... prime=... client=..." */
bool vprime_parse_file(const char *line, struct vprime_file *f);
/* "  prime dmabuf=N handle=N", a cache entry of the file above it */
bool vprime_parse_prime(const char *line, unsigned long *dmabuf, unsigned int *handle,
			unsigned int *unknown);
/* "import id=... exporter=... pages=... contig=..." */
bool vprime_parse_import(const char *line, struct vprime_import *im);
/* "@name N": the header of 'objects' and 'leaks', each line of 'totals' */
bool vprime_parse_count(const char *line, const char *name, long long *n);
/* "cardN renderDM", the 'card' file */
bool vprime_parse_card(const char *line, int *card, int *render);

/* the first "@name N" line of @text (a whole file); false if none */
bool vprime_text_count(const char *text, const char *name, long long *n);

/* VPRIME_DEBUGFS/@inst/@file into @path */
void vprime_debugfs_path(char *path, size_t len, int inst, const char *file);
/* the whole of @file of instance @inst into @buf (NUL-terminated, cut to
 * @len - 1 bytes): its length, or -errno */
int vprime_debugfs_read(int inst, const char *file, char *buf, size_t len);
/* the value of "@name N" in @file of @inst ('totals', or the header of
 * 'objects' and 'leaks'), or -1 when it cannot be read */
long long vprime_debugfs_count(int inst, const char *file, const char *name);

#endif
