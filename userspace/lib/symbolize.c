// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * primetrace: user stacks from ELF symbol tables (see symbolize.h).
 *
 * An address in a mapping [start, end) at file offset off lies at file
 * offset addr - start + off; the PT_LOAD segment holding that offset gives
 * its link-time address, which is what .symtab (or .dynsym) speaks. This
 * works the same for static, PIE and shared objects.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ksyms.h"
#include "primetrace.h"
#include "symbolize.h"

struct sym {
	__u64 addr;
	__u64 size;
	const char *name;
};

struct seg {
	__u64 vaddr;
	__u64 off;
	__u64 filesz;
};

/* one ELF file, shared by every process that maps it */
struct pt_ufile {
	struct pt_ufile *next;
	dev_t dev;
	ino_t ino;
	int fd; /* kept open for reading code bytes */
	struct sym *syms;
	size_t nsyms;
	char *strs; /* the names, copied */
	struct seg *segs;
	size_t nsegs;
	char name[64]; /* basename, for frames without a symbol */
};

struct vma {
	__u64 start, end, off;
	struct pt_ufile *elf;
};

struct proc {
	struct proc *next;
	__u32 pid;
	struct vma *vmas;
	size_t nvmas;
};

struct pt_usyms {
	struct proc *procs;
	struct pt_ufile *files;
	bool elf_ok;
};

struct pt_usyms *pt_usyms_new(void)
{
	struct pt_usyms *u = calloc(1, sizeof(*u));

	if (u)
		u->elf_ok = elf_version(EV_CURRENT) != EV_NONE;
	return u;
}

static void elf_file_free(struct pt_ufile *f)
{
	if (f->fd >= 0)
		close(f->fd);
	free(f->syms);
	free(f->strs);
	free(f->segs);
	free(f);
}

static void proc_free(struct proc *p)
{
	free(p->vmas);
	free(p);
}

void pt_usyms_free(struct pt_usyms *u)
{
	struct pt_ufile *f, *fn;
	struct proc *p, *pn;

	if (!u)
		return;
	for (p = u->procs; p; p = pn) {
		pn = p->next;
		proc_free(p);
	}
	for (f = u->files; f; f = fn) {
		fn = f->next;
		elf_file_free(f);
	}
	free(u);
}

static int cmp_sym(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	/* a sized symbol wins over an alias without size */
	return x->size > y->size ? -1 : x->size < y->size;
}

/* the function symbols of one table */
static int read_symtab(Elf *elf, Elf_Scn *scn, GElf_Shdr *sh, struct pt_ufile *f)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t n, len = 0, cap = 0;
	struct sym *syms;
	char *strs = NULL;

	if (!data || !sh->sh_entsize)
		return -EINVAL;
	n = sh->sh_size / sh->sh_entsize;
	syms = calloc(n ? n : 1, sizeof(*syms));
	if (!syms)
		return -ENOMEM;
	/* names are copied into one block: offsets first, pointers at the end */
	for (size_t i = 0; i < n; i++) {
		GElf_Sym s;
		const char *name;
		size_t l;

		if (!gelf_getsym(data, i, &s) || GELF_ST_TYPE(s.st_info) != STT_FUNC ||
		    s.st_shndx == SHN_UNDEF || !s.st_value)
			continue;
		name = elf_strptr(elf, sh->sh_link, s.st_name);
		if (!name || !*name)
			continue;
		l = strlen(name) + 1;
		if (len + l > cap) {
			size_t ncap = (cap ? cap * 2 : 4096) + l;
			char *tmp = realloc(strs, ncap);

			if (!tmp) {
				free(strs);
				free(syms);
				return -ENOMEM;
			}
			strs = tmp;
			cap = ncap;
		}
		memcpy(strs + len, name, l);
		syms[f->nsyms].addr = s.st_value;
		syms[f->nsyms].size = s.st_size;
		syms[f->nsyms].name = (const char *)(uintptr_t)len;
		f->nsyms++;
		len += l;
	}
	for (size_t i = 0; i < f->nsyms; i++)
		syms[i].name = strs + (uintptr_t)syms[i].name;
	qsort(syms, f->nsyms, sizeof(*syms), cmp_sym);
	f->syms = syms;
	f->strs = strs;
	return 0;
}

static int elf_read(struct pt_ufile *f)
{
	Elf_Scn *scn = NULL, *dynsym = NULL, *symtab = NULL;
	GElf_Shdr sh, dsh = { 0 }, ssh = { 0 };
	size_t nphdr;
	Elf *elf;
	int err = 0;

	elf = elf_begin(f->fd, ELF_C_READ, NULL);
	if (!elf)
		return -EINVAL;
	if (elf_kind(elf) != ELF_K_ELF || elf_getphdrnum(elf, &nphdr)) {
		err = -EINVAL;
		goto out;
	}
	f->segs = calloc(nphdr ? nphdr : 1, sizeof(*f->segs));
	if (!f->segs) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < nphdr; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, i, &ph) || ph.p_type != PT_LOAD)
			continue;
		f->segs[f->nsegs++] = (struct seg){ ph.p_vaddr, ph.p_offset, ph.p_filesz };
	}
	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type == SHT_SYMTAB) {
			symtab = scn;
			ssh = sh;
		} else if (sh.sh_type == SHT_DYNSYM) {
			dynsym = scn;
			dsh = sh;
		}
	}
	/* .symtab names static functions too; stripped files keep .dynsym */
	if (symtab)
		err = read_symtab(elf, symtab, &ssh, f);
	else if (dynsym)
		err = read_symtab(elf, dynsym, &dsh, f);
out:
	elf_end(elf);
	return err;
}

static struct pt_ufile *elf_get(struct pt_usyms *u, const char *path, const char *name)
{
	struct pt_ufile *f;
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st)) {
		close(fd);
		return NULL;
	}
	for (f = u->files; f; f = f->next) {
		if (f->dev == st.st_dev && f->ino == st.st_ino) {
			close(fd);
			return f;
		}
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		close(fd);
		return NULL;
	}
	f->fd = fd;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	snprintf(f->name, sizeof(f->name), "%s",
		 strrchr(name, '/') ? strrchr(name, '/') + 1 : name);
	if (!u->elf_ok || elf_read(f)) {
		/* keep it: the file is still named in frames */
		free(f->syms);
		f->syms = NULL;
		f->nsyms = 0;
	}
	f->next = u->files;
	u->files = f;
	return f;
}

static struct proc *proc_find(struct pt_usyms *u, __u32 pid)
{
	for (struct proc *p = u->procs; p; p = p->next)
		if (p->pid == pid)
			return p;
	return NULL;
}

int pt_usyms_load(struct pt_usyms *u, __u32 pid)
{
	char path[64], line[512], file[PATH_MAX + 64];
	size_t cap = 0;
	struct proc *p;
	FILE *maps;

	if (proc_find(u, pid))
		return 0;
	snprintf(path, sizeof(path), "/proc/%u/maps", pid);
	maps = fopen(path, "re");
	if (!maps)
		return -errno;
	p = calloc(1, sizeof(*p));
	if (!p) {
		fclose(maps);
		return -ENOMEM;
	}
	p->pid = pid;
	while (fgets(line, sizeof(line), maps)) {
		unsigned long long start, end, off;
		char perms[8], *name;
		int pos = 0;
		struct pt_ufile *f;

		if (sscanf(line, "%llx-%llx %7s %llx %*s %*s%n", &start, &end, perms, &off, &pos) <
		    4)
			continue;
		if (perms[2] != 'x')
			continue;
		name = line + pos;
		name += strspn(name, " \t");
		name[strcspn(name, "\n")] = '\0';
		if (*name != '/')
			continue; /* [vdso], anonymous code */
		/* the mapped file itself, wherever it lives now */
		snprintf(file, sizeof(file), "/proc/%u/map_files/%llx-%llx", pid, start, end);
		f = elf_get(u, file, name);
		if (!f) {
			snprintf(file, sizeof(file), "/proc/%u/root%s", pid, name);
			f = elf_get(u, file, name);
		}
		if (!f)
			continue;
		if (p->nvmas == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			struct vma *v = realloc(p->vmas, ncap * sizeof(*v));

			if (!v)
				break;
			p->vmas = v;
			cap = ncap;
		}
		p->vmas[p->nvmas++] = (struct vma){ start, end, off, f };
	}
	fclose(maps);
	p->next = u->procs;
	u->procs = p;
	return 0;
}

void pt_usyms_forget(struct pt_usyms *u, __u32 pid)
{
	struct proc **pp;

	for (pp = &u->procs; *pp; pp = &(*pp)->next) {
		if ((*pp)->pid == pid) {
			struct proc *p = *pp;

			*pp = p->next;
			proc_free(p);
			return;
		}
	}
}

static const struct vma *vma_of(struct pt_usyms *u, __u32 pid, __u64 addr)
{
	struct proc *p;

	if (pt_usyms_load(u, pid))
		return NULL;
	p = proc_find(u, pid);
	for (size_t i = 0; p && i < p->nvmas; i++)
		if (addr >= p->vmas[i].start && addr < p->vmas[i].end)
			return &p->vmas[i];
	return NULL;
}

/* addr of pid as a place in a file: what naming it needs once pid is gone */
static struct pt_uframe frame_of(struct pt_usyms *u, __u32 pid, __u64 addr)
{
	const struct vma *v = vma_of(u, pid, addr);

	if (!v)
		return (struct pt_uframe){ NULL, addr, 0 };
	return (struct pt_uframe){ v->elf, addr - v->start + v->off, v->off };
}

void pt_usyms_frames(struct pt_usyms *u, __u32 pid, const __u64 *ips, int n, struct pt_uframe *out)
{
	for (int i = 0; i < n; i++)
		out[i] = frame_of(u, pid, ips[i]);
}

/* a file offset -> link-time address; false when no segment holds it */
static bool link_addr(const struct pt_ufile *f, __u64 off, __u64 *out)
{
	for (size_t i = 0; i < f->nsegs; i++) {
		const struct seg *s = &f->segs[i];

		if (off >= s->off && off < s->off + s->filesz) {
			*out = off - s->off + s->vaddr;
			return true;
		}
	}
	return false;
}

static const struct sym *sym_of(const struct pt_ufile *f, __u64 addr)
{
	size_t lo = 0, hi = f->nsyms;

	/* the last symbol at or below addr */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (f->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	{
		const struct sym *s = &f->syms[lo - 1];

		/* sized symbols must cover it; unsized ones are taken as they are */
		if (s->size && addr >= s->addr + s->size)
			return NULL;
		return s;
	}
}

/* fr moved by delta bytes (within its mapping) */
static struct pt_uframe frame_at(const struct pt_uframe *fr, __s64 delta)
{
	return (struct pt_uframe){ fr->file, fr->off + delta, fr->map_off };
}

static const char *frame_name(const struct pt_uframe *fr, char *buf, size_t len)
{
	const struct pt_ufile *f = fr->file;
	const struct sym *s = NULL;
	__u64 la;

	if (f && link_addr(f, fr->off, &la))
		s = sym_of(f, la);
	if (s)
		snprintf(buf, len, "%s+0x%llx", s->name, (unsigned long long)(la - s->addr));
	else if (f)
		snprintf(buf, len, "%s+0x%llx", f->name, (unsigned long long)fr->off);
	else
		snprintf(buf, len, "0x%llx", (unsigned long long)fr->off);
	return buf;
}

const char *pt_usyms_name(struct pt_usyms *u, __u32 pid, __u64 addr, char *buf, size_t len)
{
	struct pt_uframe fr = frame_of(u, pid, addr);

	return frame_name(&fr, buf, len);
}

/*
 * x86-64: the call forms a compiler emits, by their length. Returns 0 when
 * the bytes before a return address are no call, 1 for an indirect call,
 * 2 for a direct one (call rel32) with its displacement in *rel.
 */
static int call_before(const unsigned char *b, __s32 *rel)
{
	/* b[0..6] are the 7 bytes before the return address */
	const unsigned char *e = b + 7;

	if (e[-5] == 0xe8) {
		memcpy(rel, e - 4, sizeof(*rel));
		return 2; /* call rel32 */
	}
	if (e[-2] == 0xff && (e[-1] & 0xf8) == 0xd0)
		return 1; /* call *%reg */
	if (e[-3] == 0x41 && e[-2] == 0xff && (e[-1] & 0xf8) == 0xd0)
		return 1; /* call *%r8-15 */
	if (e[-2] == 0xff && (e[-1] & 0xf8) == 0x10 && (e[-1] & 7) != 4 && (e[-1] & 7) != 5)
		return 1; /* call *(%reg) */
	if (e[-6] == 0xff && e[-5] == 0x15)
		return 1; /* call *disp32(%rip) */
	if (e[-3] == 0xff && (e[-2] & 0xf8) == 0x50 && (e[-2] & 7) != 4)
		return 1; /* call *disp8(%reg) */
	if (e[-4] == 0xff && e[-3] == 0x54)
		return 1; /* call *disp8(%reg,%reg,s) */
	if (e[-6] == 0xff && (e[-5] & 0xf8) == 0x90 && (e[-5] & 7) != 4)
		return 1; /* call *disp32(%reg) */
	if (e[-7] == 0xff && e[-6] == 0x94)
		return 1; /* call *disp32(%reg,%reg,s) */
	return 0;
}

/* what precedes the frame in its file: see call_before(); *target: a direct call's link address */
static int call_at(const struct pt_uframe *fr, __u64 *target)
{
	const struct pt_ufile *f = fr->file;
	unsigned char b[7];
	__u64 la;
	__s32 rel = 0;
	int kind;

	if (!f || fr->off - fr->map_off < sizeof(b) || !link_addr(f, fr->off, &la) ||
	    fr->off < sizeof(b))
		return 0;
	if (pread(f->fd, b, sizeof(b), fr->off - sizeof(b)) != sizeof(b))
		return 0;
	kind = call_before(b, &rel);
	*target = la + (__s64)rel;
	return kind;
}

bool pt_usyms_after_call(struct pt_usyms *u, __u32 pid, __u64 addr)
{
	struct pt_uframe fr = frame_of(u, pid, addr);
	__u64 target;

	return call_at(&fr, &target) != 0;
}

/* the start of the function holding a link address of f (link) or a file offset, or 0 */
static __u64 func_start(const struct pt_ufile *f, __u64 addr, bool link)
{
	const struct sym *s;
	__u64 la = addr;

	if (!f || (!link && !link_addr(f, addr, &la)))
		return 0;
	s = sym_of(f, la);
	return s ? s->addr : 0;
}

/*
 * A direct call must target the function of the frame it returned from:
 * that drops stale return addresses left on the stack by earlier calls.
 * A frame reached by a tail call breaks that link once; a candidate that
 * calls a function dropped just before restores it.
 */
#define MAX_DROPPED 8

char *pt_usyms_scanned_frames(const struct pt_uframe *fr, int n)
{
	size_t len = 0, cap = 128 * (n > 0 ? n : 1);
	const struct pt_ufile *last_f = NULL, *df[MAX_DROPPED];
	__u64 last_func = 0, dfunc[MAX_DROPPED];
	struct pt_uframe dfr[MAX_DROPPED];
	int ndropped = 0;
	char *s, frame[192];

	if (n <= 0)
		return NULL;
	s = malloc(cap);
	if (!s)
		return NULL;
	s[0] = '\0';
	for (int i = 0; i < n; i++) {
		const struct pt_ufile *f = fr[i].file;
		__u64 target = 0;
		int kind = i ? call_at(&fr[i], &target) : -1;
		bool keep = true;

		if (!kind)
			continue;
		if (kind == 2 && last_func && f && f == last_f) {
			__u64 tf = func_start(f, target, true);

			if (tf && tf != last_func) {
				int j;

				for (j = 0; j < ndropped; j++)
					if (df[j] == f && dfunc[j] == tf)
						break;
				if (j == ndropped) {
					keep = false;
				} else {
					/* the dropped one was real: a tail call hid its callee */
					struct pt_uframe before = frame_at(&dfr[j], -1);

					frame_name(&before, frame, sizeof(frame));
					len += snprintf(s + len, cap - len, "%s%s", len ? ";" : "",
							frame);
				}
			}
		}
		if (!keep) {
			if (ndropped < MAX_DROPPED && f) {
				df[ndropped] = f;
				dfunc[ndropped] = func_start(f, fr[i].off - 1, false);
				dfr[ndropped] = fr[i];
				ndropped++;
			}
			continue;
		}
		ndropped = 0;
		last_f = f;
		last_func = f ? func_start(f, i ? fr[i].off - 1 : fr[i].off, false) : 0;
		if (i) {
			/* a return address names the call before it: look one byte back... */
			struct pt_uframe before = frame_at(&fr[i], -1);
			char *plus;

			frame_name(&before, frame, sizeof(frame));
			/* ...but show the offset of the return address itself */
			plus = strrchr(frame, '+');
			if (plus && !strncmp(plus, "+0x", 3)) {
				unsigned long long o = strtoull(plus + 3, NULL, 16) + 1;

				snprintf(plus, frame + sizeof(frame) - plus, "+0x%llx", o);
			} else if (!strncmp(frame, "0x", 2)) {
				snprintf(frame, sizeof(frame), "0x%llx",
					 (unsigned long long)fr[i].off);
			}
		} else {
			frame_name(&fr[i], frame, sizeof(frame));
		}
		len += snprintf(s + len, cap - len, "%s%s", len ? ";" : "", frame);
		if (len >= cap - 1)
			break;
	}
	return s;
}

/* --- stacks, named when shown ------------------------------------------------ */

/* the names printers asked for, by frames: bounded, emptied when full */
#define NAME_CACHE_BUCKETS 1024
#define NAME_CACHE_MAX	   4096

struct named {
	struct named *next;
	unsigned int hash;
	char *text;
	struct pt_stack st; /* its frames follow */
};

struct pt_syms {
	unsigned int refs;
	struct pt_ksyms *ks;
	struct pt_usyms *us;
	struct named *cache[NAME_CACHE_BUCKETS];
	unsigned int ncache;
};

unsigned long pt_stack_namings;

struct pt_syms *pt_syms_from(struct pt_ksyms *ks)
{
	struct pt_syms *s = calloc(1, sizeof(*s));

	if (!s) {
		pt_ksyms_free(ks);
		return NULL;
	}
	s->refs = 1;
	s->ks = ks;
	return s;
}

struct pt_syms *pt_syms_new(bool kernel, bool user)
{
	struct pt_syms *s = pt_syms_from(kernel ? pt_ksyms_load() : NULL);

	if (s && user) {
		s->us = pt_usyms_new();
		if (!s->us) {
			pt_syms_put(s);
			return NULL;
		}
	}
	return s;
}

struct pt_syms *pt_syms_ref(struct pt_syms *s)
{
	if (s)
		s->refs++;
	return s;
}

static void cache_clear(struct pt_syms *s)
{
	for (size_t i = 0; i < NAME_CACHE_BUCKETS; i++) {
		struct named *e, *next;

		for (e = s->cache[i]; e; e = next) {
			next = e->next;
			free(e->text);
			free(e);
		}
		s->cache[i] = NULL;
	}
	s->ncache = 0;
}

void pt_syms_put(struct pt_syms *s)
{
	if (!s || --s->refs)
		return;
	cache_clear(s);
	pt_usyms_free(s->us);
	pt_ksyms_free(s->ks);
	free(s);
}

struct pt_usyms *pt_syms_usyms(struct pt_syms *s)
{
	return s ? s->us : NULL;
}

size_t pt_stack_bytes(const struct pt_stack *st)
{
	return st->n * (st->user ? sizeof(*st->uf) : sizeof(*st->ip));
}

static const void *stack_frames(const struct pt_stack *st)
{
	return st->user ? (const void *)st->uf : (const void *)st->ip;
}

unsigned int pt_stack_hash(const struct pt_stack *st)
{
	const unsigned char *p = stack_frames(st);
	size_t n = pt_stack_bytes(st);
	unsigned int h = 2166136261u ^ st->user;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h ? h : 1;
}

bool pt_stack_equal(const struct pt_stack *a, const struct pt_stack *b)
{
	return a->syms == b->syms && a->user == b->user && a->n == b->n &&
	       !memcmp(stack_frames(a), stack_frames(b), pt_stack_bytes(a));
}

/* a kernel stack as "a;b;c", innermost first */
static char *kstack_name(const struct pt_stack *st)
{
	size_t len = 0, cap = 64 * PT_MAX_STACK;
	char *s, frame[128];

	s = malloc(cap);
	if (!s)
		return NULL;
	s[0] = '\0';
	for (unsigned int i = 0; i < st->n && i < PT_MAX_STACK; i++) {
		pt_ksyms_name(st->syms ? st->syms->ks : NULL, st->ip[i], frame, sizeof(frame));
		len += snprintf(s + len, cap - len, "%s%s", i ? ";" : "", frame);
		if (len >= cap - 1)
			break;
	}
	return s;
}

char *pt_stack_name(const struct pt_stack *st)
{
	if (!st)
		return NULL;
	pt_stack_namings++;
	return st->user ? pt_usyms_scanned_frames(st->uf, st->n) : kstack_name(st);
}

char *pt_stack_name_cached(const struct pt_stack *st)
{
	struct pt_syms *s = st ? st->syms : NULL;
	struct named *e;
	unsigned int h;
	size_t bytes;
	char *text;

	if (!s)
		return pt_stack_name(st);
	h = pt_stack_hash(st);
	for (e = s->cache[h % NAME_CACHE_BUCKETS]; e; e = e->next)
		if (e->hash == h && pt_stack_equal(&e->st, st))
			return e->text ? strdup(e->text) : NULL;
	text = pt_stack_name(st);
	if (s->ncache >= NAME_CACHE_MAX)
		cache_clear(s);
	bytes = pt_stack_bytes(st);
	e = malloc(sizeof(*e) + bytes);
	if (!e)
		return text;
	e->hash = h;
	e->st = *st;
	memcpy(e + 1, stack_frames(st), bytes);
	if (st->user)
		e->st.uf = (const void *)(e + 1);
	else
		e->st.ip = (const void *)(e + 1);
	e->text = text ? strdup(text) : NULL;
	if (text && !e->text) {
		free(e);
		return text;
	}
	e->next = s->cache[h % NAME_CACHE_BUCKETS];
	s->cache[h % NAME_CACHE_BUCKETS] = e;
	s->ncache++;
	return text;
}
