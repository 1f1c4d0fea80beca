// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * primetrace: the start-up (and end) snapshot, see snapshot.h.
 *
 * The iterators of bpf/snapshot.bpf.c run one after the other; each read()
 * of an iterator fd runs its program over the next tasks (or buffers) and
 * returns whole records. iter/dmabuf only exists from 6.16: where the
 * kernel's BTF lacks it, the program is not loaded and debugfs bufinfo
 * lists the buffers instead (inodes and sizes only, no pointers).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "snapshot.h"
#include "snapshot.skel.h"

static __u64 clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void copy_str(char *dst, size_t dlen, const char *src, size_t slen)
{
	size_t n = strnlen(src, slen);

	if (n >= dlen)
		n = dlen - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

void pt_snap_to_record(const struct pt_snap_rec *r, __u64 ts, __s64 real_to_mono,
		       struct pt_record *out)
{
	struct pt_event *e = &out->ev;
	__s64 born;

	memset(out, 0, sizeof(*out));
	pt_event_init(e);
	switch (r->kind) {
	case PT_SNAPREC_BUF:
		e->type = PT_EV_SNAP_BUF;
		break;
	case PT_SNAPREC_FD:
		e->type = PT_EV_SNAP_FD;
		break;
	case PT_SNAPREC_MMAP:
		e->type = PT_EV_SNAP_MMAP;
		break;
	default:
		e->type = PT_EV_SNAP_HANDLE;
		break;
	}
	e->ts = ts;
	e->pid = r->pid;
	e->tid = r->pid;
	copy_str(e->comm, sizeof(e->comm), r->comm, sizeof(r->comm));
	e->dmabuf = r->dmabuf;
	e->ino = r->ino;
	e->size = r->size;
	e->file_count = r->file_count;
	copy_str(e->exp_name, sizeof(e->exp_name), r->exp_name, sizeof(r->exp_name));
	e->exp_obj = r->exp_obj;
	e->exp_minor = r->exp_minor;
	copy_str(e->exp_driver, sizeof(e->exp_driver), r->exp_driver, sizeof(r->exp_driver));
	e->fd = r->fd;
	e->addr = r->addr;
	e->len = r->len;
	if (r->ctime_sec > 0) {
		born = r->ctime_sec * 1000000000LL + r->ctime_nsec + real_to_mono;
		e->born = born > 0 ? born : 1;
	}
	if (e->type == PT_EV_SNAP_HANDLE) {
		/* the object the handle names */
		e->file = r->file;
		e->handle = r->handle;
		e->obj = r->obj;
		e->obj_size = r->obj_size;
		e->kref = r->kref;
		e->handle_count = r->handle_count;
		e->attach = r->attach;
		e->minor = r->minor;
		copy_str(e->driver, sizeof(e->driver), r->driver, sizeof(r->driver));
	} else {
		/* the exporting object's counts, read with the buffer */
		e->kref = r->exp_kref;
		e->handle_count = r->exp_handle_count;
	}
}

/*
 * debugfs bufinfo, from 5.x to 7.x:
 *
 *   Dma-buf Objects:
 *   size		flags		mode		count		exp_name	ino
 *name 00065536	00000002	00080005	00000003	drm	00000001	<none>
 *	...attachments and fences, indented...
 *   Total 1 objects, 65536 bytes
 */
int pt_bufinfo_parse(FILE *f, __u64 ts, pt_record_fn fn, void *ctx)
{
	char line[512], exp_name[PT_NAME_LEN];
	bool header = false;
	int n = 0;

	while (fgets(line, sizeof(line), f)) {
		unsigned long long size, ino;
		unsigned int flags, mode;
		long count;
		struct pt_record rec;

		if (!strncmp(line, "size", 4)) {
			header = true;
			continue;
		}
		if (!header || line[0] < '0' || line[0] > '9')
			continue;
		if (sscanf(line, "%llu %x %x %ld %31s %llu", &size, &flags, &mode, &count, exp_name,
			   &ino) != 6)
			continue;
		memset(&rec, 0, sizeof(rec));
		pt_event_init(&rec.ev);
		rec.ev.type = PT_EV_SNAP_BUF;
		rec.ev.ts = ts;
		rec.ev.dmabuf = PT_INO_KEY(ino);
		rec.ev.ino = ino;
		rec.ev.size = size;
		rec.ev.file_count = count;
		snprintf(rec.ev.exp_name, sizeof(rec.ev.exp_name), "%s", exp_name);
		n++;
		if (fn(&rec, ctx))
			return n;
	}
	/* a read error is not the end of the table */
	if (ferror(f))
		return -(errno ?: EIO);
	return header ? n : -EINVAL;
}

/* --- the iterators ------------------------------------------------------ */

static bool snap_verbose;

static int print_quiet(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (snap_verbose)
		return vfprintf(stderr, fmt, args);
	return 0;
}

struct reader {
	pt_record_fn fn;
	void *ctx;
	__u64 ts;
	__s64 real_to_mono;
	bool truncated;
	bool more;	   /* a DRM file has handles past this pass's */
	bool handles_only; /* a later pass: the rest was read already */
	bool stop;
};

static int run_iter(struct bpf_program *prog, struct reader *rd)
{
	struct pt_snap_rec recs[64];
	struct bpf_link *link;
	size_t have = 0;
	int fd, err = 0;
	ssize_t n;

	link = bpf_program__attach_iter(prog, NULL);
	if (!link)
		return -errno;
	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	/* records may straddle reads: keep the tail */
	while ((n = read(fd, (char *)recs + have, sizeof(recs) - have)) > 0) {
		size_t whole;

		have += n;
		whole = have / sizeof(recs[0]);
		for (size_t i = 0; i < whole && !rd->stop; i++) {
			struct pt_record rec;

			if (recs[i].kind == PT_SNAPREC_TRUNC) {
				rd->truncated = true;
				continue;
			}
			if (recs[i].kind == PT_SNAPREC_MORE) {
				rd->more = true;
				continue;
			}
			if (rd->handles_only && recs[i].kind != PT_SNAPREC_HANDLE)
				continue;
			pt_snap_to_record(&recs[i], rd->ts, rd->real_to_mono, &rec);
			if (rd->fn(&rec, rd->ctx))
				rd->stop = true;
		}
		have -= whole * sizeof(recs[0]);
		memmove(recs, (char *)recs + whole * sizeof(recs[0]), have);
	}
	if (n < 0)
		err = -errno;
	close(fd);
out:
	bpf_link__destroy(link);
	return err;
}

static bool kernel_has_func(const char *btf_path, const char *name)
{
	struct btf *btf = btf_path ? btf__parse(btf_path, NULL) : btf__load_vmlinux_btf();
	bool ok;

	if (!btf)
		return false;
	ok = btf__find_by_name_kind(btf, name, BTF_KIND_FUNC) > 0;
	btf__free(btf);
	return ok;
}

static int emit_mark(struct reader *rd, unsigned int type, unsigned int flags)
{
	struct pt_record rec = { 0 };

	pt_event_init(&rec.ev);
	rec.ev.type = type;
	rec.ev.ts = rd->ts;
	rec.ev.flags = flags;
	return rd->fn(&rec, rd->ctx);
}

static int bufinfo_cb(const struct pt_record *rec, void *ctx)
{
	struct reader *rd = ctx;

	return rd->fn(rec, rd->ctx);
}

int pt_snapshot(const struct pt_snapshot_opts *opts, pt_record_fn fn, void *ctx)
{
	LIBBPF_OPTS(bpf_object_open_opts, open_opts, .btf_custom_path = opts->btf_path);
	struct reader rd = { .fn = fn, .ctx = ctx };
	libbpf_print_fn_t old_print;
	struct snapshot_bpf *skel;
	unsigned int flags = 0;
	bool have_dmabuf_iter;
	int err;

	snap_verbose = opts->verbose;
	old_print = libbpf_set_print(print_quiet);
	have_dmabuf_iter = kernel_has_func(opts->btf_path, "bpf_iter_dmabuf");
	skel = snapshot_bpf__open_opts(&open_opts);
	if (!skel) {
		err = -errno;
		fprintf(stderr, "primetrace: failed to open the snapshot programs: %s\n",
			pt_errstr(err));
		goto out_print;
	}
	bpf_program__set_autoload(skel->progs.snap_dmabuf, have_dmabuf_iter);
	err = snapshot_bpf__load(skel);
	if (err) {
		if (err == -EPERM)
			fprintf(stderr, "primetrace: a snapshot needs CAP_BPF and CAP_PERFMON "
					"(or CAP_SYS_ADMIN): run it as root\n");
		else
			fprintf(stderr, "primetrace: failed to load the snapshot programs: %s\n",
				pt_errstr(err));
		goto out;
	}

	rd.ts = clock_ns(CLOCK_MONOTONIC);
	rd.real_to_mono = (__s64)rd.ts - (__s64)clock_ns(CLOCK_REALTIME);
	if (emit_mark(&rd, PT_EV_SNAP_BEGIN, 0))
		goto out;

	/* the buffers first, so that the holders find them */
	if (have_dmabuf_iter) {
		err = run_iter(skel->progs.snap_dmabuf, &rd);
		if (!err)
			flags |= PT_SNAP_BUFS;
	} else {
		FILE *f = fopen(opts->bufinfo ? opts->bufinfo : PT_BUFINFO_PATH, "r");

		if (f) {
			if (pt_bufinfo_parse(f, rd.ts, bufinfo_cb, &rd) >= 0)
				flags |= PT_SNAP_BUFS;
			fclose(f);
		}
	}
	err = run_iter(skel->progs.snap_task_file, &rd);
	/* files with more handles than one pass writes: the next ones */
	for (__u32 skip = PT_SNAP_HANDLES_PER_PASS; !err && rd.more && !rd.stop;
	     skip += PT_SNAP_HANDLES_PER_PASS) {
		if (skip >= PT_SNAP_HANDLES_MAX) {
			rd.truncated = true;
			break;
		}
		rd.more = false;
		rd.handles_only = true;
		skel->bss->handle_skip = skip;
		err = run_iter(skel->progs.snap_task_file, &rd);
	}
	rd.handles_only = false;
	if (err) {
		fprintf(stderr, "primetrace: reading the process files: %s\n", pt_errstr(err));
		goto out;
	}
	flags |= PT_SNAP_FDS;
	/* without drm's BTF the handle walk compiled out: handles are unknown */
	if (!rd.truncated &&
	    (access("/sys/module/drm", F_OK) || !access("/sys/kernel/btf/drm", F_OK)))
		flags |= PT_SNAP_HANDLES;
	err = run_iter(skel->progs.snap_task_vma, &rd);
	if (err) {
		fprintf(stderr, "primetrace: reading the process mappings: %s\n", pt_errstr(err));
		goto out;
	}
	flags |= PT_SNAP_MAPS;
	if (!rd.stop)
		emit_mark(&rd, PT_EV_SNAP_END, flags);
out:
	snapshot_bpf__destroy(skel);
out_print:
	libbpf_set_print(old_print);
	return err;
}
