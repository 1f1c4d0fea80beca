// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * primetrace: user stacks from ELF symbol tables and DWARF (see symbolize.h).
 *
 * An address in a mapping [start, end) at file offset off lies at file
 * offset addr - start + off; the PT_LOAD segment holding that offset gives
 * its link-time address, which is what the symbol tables and DWARF speak.
 * This works the same for static, PIE and shared objects.
 *
 * Naming is elfutils' libdwfl, one Dwfl per file, set up the first time a
 * frame in that file is named (never while events are read): the file is
 * reported at its link-time addresses; its symbols come from .symtab (also
 * one in a separate debug file) or else .dynsym, and, where DWARF exists
 * (in the file, or in a debug file found by build-id or .gnu_debuglink
 * along the debuginfo path), the source line and the inlined calls.
 */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
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
	const char *name; /* libdwfl's, as long as its Dwfl */
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
	int fd;	    /* kept open for reading code bytes */
	char *path; /* as the process named it: where .gnu_debuglink looks */
	const Dwfl_Callbacks *cb;
	bool tried; /* the Dwfl below was set up (or failed to be) */
	Dwfl *dwfl; /* NULL: not an ELF file libdwfl can read */
	Dwfl_Module *mod;
	struct sym *syms; /* the function symbols, by address */
	size_t nsyms;
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
	char *debuginfo_path; /* NULL: libdwfl's default */
	Dwfl_Callbacks cb;
};

/* the ELF file is ours (reported with its fd), only the debug file is looked up */
static int no_elf(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr base,
		  char **file_name, Elf **elfp)
{
	return -1;
}

struct pt_usyms *pt_usyms_new(void)
{
	struct pt_usyms *u = calloc(1, sizeof(*u));
	const char *path = getenv("PRIMETRACE_DEBUGINFO_PATH");

	if (!u)
		return NULL;
	if (path && *path) {
		u->debuginfo_path = strdup(path);
		if (!u->debuginfo_path) {
			free(u);
			return NULL;
		}
	}
	u->cb.find_elf = no_elf;
	u->cb.find_debuginfo = dwfl_standard_find_debuginfo;
	u->cb.section_address = dwfl_offline_section_address;
	u->cb.debuginfo_path = u->debuginfo_path ? &u->debuginfo_path : NULL;
	return u;
}

static void elf_file_free(struct pt_ufile *f)
{
	if (f->fd >= 0)
		close(f->fd);
	if (f->dwfl)
		dwfl_end(f->dwfl);
	free(f->path);
	free(f->syms);
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
	free(u->debuginfo_path);
	free(u);
}

/*
 * Debug files are local only. libdwfl asks a debuginfod server for one it
 * does not find, through dlopen("libdebuginfod.so.1"): in the static
 * binary that would load a second C library (and libcurl) into primetrace
 * and may reach the network while a report is written. A static link
 * takes these in place of libdw's client, which it then leaves out (no
 * dlopen warning when linking); a shared libdw keeps its own and never
 * calls these.
 */
int __libdwfl_debuginfod_find_executable(Dwfl *dwfl, const unsigned char *id, size_t len);
int __libdwfl_debuginfod_find_debuginfo(Dwfl *dwfl, const unsigned char *id, size_t len);
void __libdwfl_debuginfod_end(debuginfod_client *c);

int __libdwfl_debuginfod_find_executable(Dwfl *dwfl, const unsigned char *id, size_t len)
{
	return -1;
}

int __libdwfl_debuginfod_find_debuginfo(Dwfl *dwfl, const unsigned char *id, size_t len)
{
	return -1;
}

void __libdwfl_debuginfod_end(debuginfod_client *c)
{
}

static int cmp_sym(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	/* a sized symbol wins over an alias without size */
	return x->size > y->size ? -1 : x->size < y->size;
}

/*
 * The function symbols libdwfl found (.symtab of the file or of its debug
 * file, else .dynsym), sorted once: its own lookup walks them all.
 */
static void read_syms(struct pt_ufile *f)
{
	int n = dwfl_module_getsymtab(f->mod);

	if (n <= 0 || !(f->syms = calloc(n, sizeof(*f->syms))))
		return;
	for (int i = 1; i < n; i++) {
		GElf_Sym s;
		GElf_Addr addr;
		GElf_Word shndx;
		const char *name =
		    dwfl_module_getsym_info(f->mod, i, &s, &addr, &shndx, NULL, NULL);

		if (!name || !*name || GELF_ST_TYPE(s.st_info) != STT_FUNC || shndx == SHN_UNDEF ||
		    !s.st_value)
			continue;
		f->syms[f->nsyms++] = (struct sym){ addr, s.st_size, name };
	}
	qsort(f->syms, f->nsyms, sizeof(*f->syms), cmp_sym);
}

/* the file as a libdwfl module at its link-time addresses, and its PT_LOADs */
static void dwfl_open(struct pt_ufile *f)
{
	GElf_Addr bias;
	size_t nphdr;
	Elf *elf;
	int fd;

	f->tried = true;
	fd = dup(f->fd);
	if (fd < 0)
		return;
	f->dwfl = dwfl_begin(f->cb);
	if (!f->dwfl) {
		close(fd);
		return;
	}
	/* base 0 and p_vaddr added: module addresses are link-time addresses */
	f->mod = dwfl_report_elf(f->dwfl, f->name, f->path, fd, 0, true);
	if (!f->mod)
		close(fd); /* consumed only on success */
	dwfl_report_end(f->dwfl, NULL, NULL);
	elf = f->mod ? dwfl_module_getelf(f->mod, &bias) : NULL;
	if (!elf || elf_getphdrnum(elf, &nphdr))
		goto fail;
	f->segs = calloc(nphdr ? nphdr : 1, sizeof(*f->segs));
	if (!f->segs)
		goto fail;
	for (size_t i = 0; i < nphdr; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, i, &ph) || ph.p_type != PT_LOAD)
			continue;
		f->segs[f->nsegs++] = (struct seg){ ph.p_vaddr, ph.p_offset, ph.p_filesz };
	}
	read_syms(f);
	return;
fail:
	/* keep the file: it is still named in frames */
	dwfl_end(f->dwfl);
	f->dwfl = NULL;
	f->mod = NULL;
}

/* the file ready for naming (the pt_usyms owns it: naming fills it in) */
static struct pt_ufile *ufile_ready(const struct pt_ufile *cf)
{
	struct pt_ufile *f = (struct pt_ufile *)cf;

	if (f && !f->tried)
		dwfl_open(f);
	return f;
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
	if (f)
		f->path = strdup(name);
	if (!f || !f->path) {
		free(f);
		close(fd);
		return NULL;
	}
	f->fd = fd;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->cb = &u->cb;
	snprintf(f->name, sizeof(f->name), "%s",
		 strrchr(name, '/') ? strrchr(name, '/') + 1 : name);
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

/* the function symbol holding a link address of f, with its start; NULL: none */
static const char *sym_of(const struct pt_ufile *f, __u64 addr, __u64 *start)
{
	size_t lo = 0, hi = f->nsyms;
	const struct sym *s;

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
	s = &f->syms[lo - 1];
	/* sized symbols must cover it; unsized ones are taken as they are */
	if (s->size && addr >= s->addr + s->size)
		return NULL;
	*start = s->addr;
	return s->name;
}

/* a stack's text, growing; on no memory it stays what it was */
struct text {
	char *s;
	size_t len, cap;
};

static void text_vadd(struct text *t, bool clean, const char *fmt, va_list ap)
{
	size_t old = t->len;
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(t->s ? t->s + t->len : NULL, t->s ? t->cap - t->len : 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		return;
	if (!t->s || t->len + n >= t->cap) {
		size_t cap = (t->cap ? t->cap * 2 : 256) + n;
		char *s = realloc(t->s, cap);

		if (!s) {
			if (t->s)
				t->s[old] = '\0';
			return;
		}
		t->s = s;
		t->cap = cap;
		vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
	}
	t->len += n;
	/* what DWARF says must not split the frame list */
	for (size_t i = old; clean && i < t->len; i++)
		if (t->s[i] == ';')
			t->s[i] = ':';
}

__attribute__((format(printf, 2, 3))) static void text_add(struct text *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	text_vadd(t, false, fmt, ap);
	va_end(ap);
}

/* the same for text read from DWARF */
__attribute__((format(printf, 2, 3))) static void text_dwarf(struct text *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	text_vadd(t, true, fmt, ap);
	va_end(ap);
}

/* " (file.c:N)", " (file.c:N, inlined)" or " (inlined)" (no brackets: frames go into JSON arrays)
 */
static void text_line(struct text *t, const char *file, int line, bool inlined)
{
	const char *slash = file ? strrchr(file, '/') : NULL;

	if (file && line > 0)
		text_dwarf(t, " (%s:%d%s)", slash ? slash + 1 : file, line,
			   inlined ? ", inlined" : "");
	else if (inlined)
		text_add(t, " (inlined)");
}

/* the call site of an inlined call: its file and line in the caller */
static void call_site(Dwarf_Die *cu, Dwarf_Die *inl, const char **file, int *line)
{
	Dwarf_Attribute a;
	Dwarf_Word cf, cl;
	Dwarf_Files *files;
	size_t nfiles;

	*file = NULL;
	*line = 0;
	if (dwarf_formudata(dwarf_attr(inl, DW_AT_call_file, &a), &cf) ||
	    dwarf_formudata(dwarf_attr(inl, DW_AT_call_line, &a), &cl) ||
	    dwarf_getsrcfiles(cu, &files, &nfiles) || cf >= nfiles)
		return;
	*file = dwarf_filesrc(files, cf, NULL, NULL);
	*line = cl;
}

/*
 * The compile unit holding link address addr of f, and addr in its terms.
 * libdwfl finds it by .debug_aranges, which clang does not write: then
 * the units' own ranges are searched.
 */
static Dwarf_Die *cu_of(const struct pt_ufile *f, __u64 addr, Dwarf_Addr *pc)
{
	Dwarf_Die *cu = NULL;
	Dwarf_Addr bias;

	cu = dwfl_module_addrdie(f->mod, addr, &bias);
	if (!cu) {
		while ((cu = dwfl_module_nextcu(f->mod, cu, &bias)))
			if (dwarf_haspc(cu, addr - bias) == 1)
				break;
	}
	*pc = addr - bias;
	return cu;
}

/* the child of parent holding pc: a function, an inlined call or a block (through namespaces) */
static bool child_at(Dwarf_Die *parent, Dwarf_Addr pc, Dwarf_Die *out, int depth)
{
	Dwarf_Die c;

	if (dwarf_child(parent, &c))
		return false;
	do {
		switch (dwarf_tag(&c)) {
		case DW_TAG_subprogram:
		case DW_TAG_inlined_subroutine:
		case DW_TAG_lexical_block:
			if (dwarf_haspc(&c, pc) == 1) {
				*out = c;
				return true;
			}
			break;
		case DW_TAG_namespace:
			if (depth < 16 && child_at(&c, pc, out, depth + 1))
				return true;
			break;
		}
	} while (!dwarf_siblingof(&c, &c));
	return false;
}

#define MAX_SCOPES 64

/*
 * The inlined calls holding pc of cu, innermost first, as frames
 * "func (file.c:N, inlined)" ending in ';'; *file and *line (the source
 * line of pc) become the place of the outermost call in the real function.
 * The scopes are found going down from the unit into the one child that
 * holds pc each time (dwarf_getscopes() and dwarf_getscopes_die() walk
 * whole units, several times the cost).
 */
static void inlined_frames(struct text *t, Dwarf_Die *cu, Dwarf_Addr pc, const char **file,
			   int *line)
{
	Dwarf_Die scopes[MAX_SCOPES];
	int n = 0;

	scopes[0] = *cu;
	while (n + 1 < MAX_SCOPES && child_at(&scopes[n], pc, &scopes[n + 1], 0))
		n++;
	/* innermost first, up to the function the code is in */
	for (int i = n; i > 0; i--) {
		int tag = dwarf_tag(&scopes[i]);
		Dwarf_Attribute a;
		const char *name;

		if (tag == DW_TAG_subprogram)
			break;
		if (tag != DW_TAG_inlined_subroutine)
			continue;
		name = dwarf_formstring(dwarf_attr_integrate(&scopes[i], DW_AT_name, &a));
		text_dwarf(t, "%s", name ? name : "?");
		text_line(t, *file, *line, true);
		text_add(t, ";");
		call_site(cu, &scopes[i], file, line);
	}
}

/* fr moved by delta bytes (within its mapping) */
static struct pt_uframe frame_at(const struct pt_uframe *fr, __s64 delta)
{
	return (struct pt_uframe){ fr->file, fr->off + delta, fr->map_off };
}

/*
 * Append fr, looked up delta bytes before it (a return address names its
 * call), its offset shown as fr's: "func+0xoff", "file+0xoff" without a
 * symbol, "0xaddr" without a file; where DWARF exists " (file.c:N)" and
 * the inlined calls before it.
 */
static void frame_add(struct text *t, const struct pt_uframe *fr, int delta)
{
	const struct pt_ufile *f = ufile_ready(fr->file);
	__u64 off = fr->off - delta, la = 0, start;
	const char *name = NULL, *file = NULL;
	int line = 0;

	if (t->len)
		text_add(t, ";");
	if (f && link_addr(f, off, &la) && f->mod) {
		Dwarf_Addr pc;
		Dwarf_Die *cu = cu_of(f, la, &pc);
		Dwarf_Line *l = cu ? dwarf_getsrc_die(cu, pc) : NULL;

		name = sym_of(f, la, &start);
		if (l && !dwarf_lineno(l, &line))
			file = dwarf_linesrc(l, NULL, NULL);
		if (file)
			inlined_frames(t, cu, pc, &file, &line);
	}
	if (name)
		text_add(t, "%s+0x%llx", name, (unsigned long long)(la - start + delta));
	else if (f)
		text_add(t, "%s+0x%llx", f->name, (unsigned long long)fr->off);
	else
		text_add(t, "0x%llx", (unsigned long long)fr->off);
	text_line(t, file, line, false);
}

const char *pt_usyms_name(struct pt_usyms *u, __u32 pid, __u64 addr, char *buf, size_t len)
{
	struct pt_uframe fr = frame_of(u, pid, addr);
	struct text t = { 0 };

	frame_add(&t, &fr, 0);
	snprintf(buf, len, "%s", t.s ? t.s : "?");
	free(t.s);
	return buf;
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
	const struct pt_ufile *f = ufile_ready(fr->file);
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
	__u64 la = addr, start;

	f = ufile_ready(f);
	if (!f || (!link && !link_addr(f, addr, &la)))
		return 0;
	return sym_of(f, la, &start) ? start : 0;
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
	const struct pt_ufile *last_f = NULL, *df[MAX_DROPPED];
	__u64 last_func = 0, dfunc[MAX_DROPPED];
	struct pt_uframe dfr[MAX_DROPPED];
	struct text t = { 0 };
	int ndropped = 0;

	if (n <= 0)
		return NULL;
	text_add(&t, "%s", "");
	for (int i = 0; i < n && t.s; i++) {
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

					frame_add(&t, &before, 0);
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
		/* a return address names the call before it, at its own offset */
		frame_add(&t, &fr[i], i ? 1 : 0);
	}
	return t.s;
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
