// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * vprime's ground truth: the line parsers (see vprime_truth.h and
 * docs/vprime.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vprime_truth.h"

enum kind {
	K_INT,	/* int */
	K_UINT, /* unsigned int */
	K_ULONG,
	K_ULL,
	K_LL,
	K_STR, /* char[len] */
};

struct key {
	const char *name;
	enum kind kind;
	void *dst;
	size_t len;    /* K_STR */
	bool optional; /* may be absent (added to the format later) */
	bool seen;
};

static bool is_end(char c)
{
	return c == '\0' || c == '\n';
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

static bool store(const struct key *k, const char *v, size_t n)
{
	char buf[32], *end;
	long long s = 0;
	unsigned long long u = 0;
	bool neg;

	if (k->kind == K_STR) {
		if (n == 0 || n >= k->len)
			return false;
		memcpy(k->dst, v, n);
		((char *)k->dst)[n] = '\0';
		return true;
	}
	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, v, n);
	buf[n] = '\0';
	neg = buf[0] == '-';
	if ((buf[0] < '0' || buf[0] > '9') && !(neg && buf[1] >= '0' && buf[1] <= '9'))
		return false;
	errno = 0;
	if (neg)
		s = strtoll(buf, &end, 10);
	else
		u = strtoull(buf, &end, 10);
	if (errno || *end)
		return false;
	switch (k->kind) {
	case K_INT:
		if (neg ? s < INT_MIN : u > INT_MAX)
			return false;
		*(int *)k->dst = neg ? (int)s : (int)u;
		return true;
	case K_LL:
		if (!neg && u > LLONG_MAX)
			return false;
		*(long long *)k->dst = neg ? s : (long long)u;
		return true;
	case K_UINT:
		if (neg || u > UINT_MAX)
			return false;
		*(unsigned int *)k->dst = u;
		return true;
	case K_ULONG:
		if (neg || u > ULONG_MAX)
			return false;
		*(unsigned long *)k->dst = u;
		return true;
	case K_ULL:
		if (neg)
			return false;
		*(unsigned long long *)k->dst = u;
		return true;
	default:
		return false;
	}
}

/*
 * "@word key=value key=value...", leading blanks allowed: every key of
 * @keys that is not optional must be there with a value of its kind; keys
 * not in @keys are counted in @unknown.
 */
static bool parse_keys(const char *line, const char *word, struct key *keys, size_t nkeys,
		       unsigned int *unknown)
{
	size_t wlen = strlen(word);
	const char *p = line;

	*unknown = 0;
	while (is_space(*p))
		p++;
	if (strncmp(p, word, wlen) || !(is_space(p[wlen]) || is_end(p[wlen])))
		return false;
	p += wlen;
	for (;;) {
		const char *tok, *eq, *val;
		size_t i, klen;

		while (is_space(*p))
			p++;
		if (is_end(*p))
			break;
		tok = p;
		while (!is_space(*p) && !is_end(*p))
			p++;
		eq = memchr(tok, '=', p - tok);
		if (!eq)
			return false;
		klen = eq - tok;
		val = eq + 1;
		for (i = 0; i < nkeys; i++)
			if (strlen(keys[i].name) == klen && !strncmp(keys[i].name, tok, klen))
				break;
		if (i == nkeys) {
			(*unknown)++;
			continue;
		}
		if (!store(&keys[i], val, p - val))
			return false;
		keys[i].seen = true;
	}
	for (size_t i = 0; i < nkeys; i++)
		if (!keys[i].seen && !keys[i].optional)
			return false;
	return true;
}

bool vprime_parse_obj(const char *line, struct vprime_obj *o)
{
	struct key keys[] = {
		{ "id", K_UINT, &o->id },
		{ "size", K_ULL, &o->size },
		{ "refcount", K_INT, &o->refcount },
		{ "handles", K_INT, &o->handles },
		{ "dmabuf", K_ULONG, &o->dmabuf },
		{ "import", K_STR, o->import, sizeof(o->import) },
		{ "pins", K_INT, &o->pins },
		{ "vmaps", K_INT, &o->vmaps },
		{ "mmaps", K_INT, &o->mmaps },
		{ "pages", K_LL, &o->pages, 0, true },
	};

	memset(o, 0, sizeof(*o));
	o->pages = -1;
	return parse_keys(line, "obj", keys, sizeof(keys) / sizeof(keys[0]), &o->unknown);
}

bool vprime_parse_file(const char *line, struct vprime_file *f)
{
	struct key keys[] = {
		{ "pid", K_INT, &f->pid },	   { "comm", K_STR, f->comm, sizeof(f->comm) },
		{ "handles", K_INT, &f->handles }, { "prime", K_INT, &f->prime },
		{ "client", K_UINT, &f->client },
	};

	memset(f, 0, sizeof(*f));
	return parse_keys(line, "file", keys, sizeof(keys) / sizeof(keys[0]), &f->unknown);
}

bool vprime_parse_prime(const char *line, unsigned long *dmabuf, unsigned int *handle,
			unsigned int *unknown)
{
	unsigned long ino = 0;
	unsigned int h = 0, u;
	struct key keys[] = {
		{ "dmabuf", K_ULONG, &ino },
		{ "handle", K_UINT, &h },
	};

	if (!parse_keys(line, "prime", keys, sizeof(keys) / sizeof(keys[0]), &u))
		return false;
	*dmabuf = ino;
	*handle = h;
	if (unknown)
		*unknown = u;
	return true;
}

bool vprime_parse_import(const char *line, struct vprime_import *im)
{
	struct key keys[] = {
		{ "id", K_UINT, &im->id },
		{ "exporter", K_STR, im->exporter, sizeof(im->exporter) },
		{ "pages", K_UINT, &im->pages },
		{ "contig", K_ULONG, &im->contig },
	};

	memset(im, 0, sizeof(*im));
	return parse_keys(line, "import", keys, sizeof(keys) / sizeof(keys[0]), &im->unknown);
}

bool vprime_parse_count(const char *line, const char *name, long long *n)
{
	size_t len = strlen(name);
	char *end;
	long long v;

	if (strncmp(line, name, len) || line[len] != ' ')
		return false;
	line += len + 1;
	if ((*line < '0' || *line > '9') && *line != '-')
		return false;
	errno = 0;
	v = strtoll(line, &end, 10);
	if (errno || end == line || !is_end(*end))
		return false;
	*n = v;
	return true;
}

bool vprime_parse_card(const char *line, int *card, int *render)
{
	int c, r, n = 0;

	if (sscanf(line, "card%d renderD%d%n", &c, &r, &n) != 2 || !is_end(line[n]))
		return false;
	*card = c;
	*render = r;
	return true;
}

bool vprime_text_count(const char *text, const char *name, long long *n)
{
	for (const char *line = text; line && *line;) {
		if (vprime_parse_count(line, name, n))
			return true;
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return false;
}

void vprime_debugfs_path(char *path, size_t len, int inst, const char *file)
{
	snprintf(path, len, VPRIME_DEBUGFS "/%d/%s", inst, file);
}

int vprime_debugfs_read(int inst, const char *file, char *buf, size_t len)
{
	char path[160];
	size_t n = 0;
	ssize_t r;
	int fd, err = 0;

	if (len == 0)
		return -EINVAL;
	vprime_debugfs_path(path, sizeof(path), inst, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (n < len - 1 && (r = read(fd, buf + n, len - 1 - n)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		n += r;
	}
	close(fd);
	buf[n] = '\0';
	return err ? err : (int)n;
}

long long vprime_debugfs_count(int inst, const char *file, const char *name)
{
	char buf[512];
	long long n;

	if (vprime_debugfs_read(inst, file, buf, sizeof(buf)) < 0 ||
	    !vprime_text_count(buf, name, &n))
		return -1;
	return n;
}
