// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * primetrace: which hooks this kernel offers and how to attach them.
 *
 * For each function: is it in the BTF of vmlinux or of its module (needed
 * for fentry), is it in kallsyms (needed for kprobe), and does a minimal
 * fentry program load against it. The answers pick the flavour; the tracer
 * demotes a hook to its next flavour when the real program still fails.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "event.h"
#include "hooks.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

#define DRM(mod, exit, n)                                              \
	{                                                              \
		.module = mod, .at_exit = exit, .drm = true, .note = n \
	}
#define DMABUF(exit, n)                                         \
	{                                                       \
		.module = "vmlinux", .at_exit = exit, .note = n \
	}
#define DMABUF_TP(exit, tp, n)                                                    \
	{                                                                         \
		.module = "vmlinux", .at_exit = exit, .tracepoint = tp, .note = n \
	}

const struct pt_hook_desc pt_hook_descs[PT_HOOK_MAX] = {
	[PT_HOOK_PRIME_HANDLE_TO_FD_IOCTL] = DRM("drm", true, "DRM_IOCTL_PRIME_HANDLE_TO_FD"),
	[PT_HOOK_PRIME_FD_TO_HANDLE_IOCTL] = DRM("drm", true, "DRM_IOCTL_PRIME_FD_TO_HANDLE"),
	[PT_HOOK_GEM_PRIME_HANDLE_TO_FD] = DRM("drm", true, "on the ioctl path up to 6.11"),
	[PT_HOOK_GEM_PRIME_HANDLE_TO_DMABUF] = DRM("drm", true, "6.12+"),
	[PT_HOOK_GEM_PRIME_FD_TO_HANDLE] = DRM("drm", true, NULL),
	[PT_HOOK_GEM_PRIME_EXPORT] = DRM("drm", true, NULL),
	[PT_HOOK_GEM_DMABUF_EXPORT] = DRM("drm", true, NULL),
	[PT_HOOK_GEM_PRIME_IMPORT_DEV] = DRM("drm", true, "also seen through drm_gem_prime_import"),
	[PT_HOOK_GEM_PRIME_IMPORT] = { .module = "drm",
				       .at_exit = true,
				       .drm = true,
				       .alt_of = PT_HOOK_GEM_PRIME_IMPORT_DEV,
				       .note = "wraps drm_gem_prime_import_dev" },
	[PT_HOOK_GEM_SHMEM_PRIME_IMPORT_NO_MAP] =
	    DRM("drm_shmem_helper", true, "shmem drivers' import, 6.17+"),
	[PT_HOOK_GEM_DMABUF_RELEASE] = DRM("drm", false, NULL),
	[PT_HOOK_PRIME_GEM_DESTROY] = DRM("drm", false, NULL),
	[PT_HOOK_GEM_HANDLE_CREATE_TAIL] = DRM("drm", true, NULL),
	[PT_HOOK_GEM_OBJECT_RELEASE_HANDLE] = DRM("drm", false, "GEM_CLOSE and file close"),
	[PT_HOOK_GEM_HANDLE_DELETE] = { .module = "drm",
					.drm = true,
					.alt_of = PT_HOOK_GEM_OBJECT_RELEASE_HANDLE,
					.note = "GEM_CLOSE only" },
	[PT_HOOK_GEM_OBJECT_RELEASE] = DRM("drm", false, "every driver's free callback"),
	[PT_HOOK_GEM_OBJECT_FREE] = { .module = "drm",
				      .drm = true,
				      .alt_of = PT_HOOK_GEM_OBJECT_RELEASE,
				      .note = "inlined into drm_gem.c's puts" },
	[PT_HOOK_PRIME_ADD_BUF_HANDLE] = DRM("drm", true, NULL),
	[PT_HOOK_PRIME_REMOVE_BUF_HANDLE] = { .module = "drm",
					      .at_exit = true,
					      .entry_too = true,
					      .drm = true,
					      .note = "reported once the entry is gone" },
	[PT_HOOK_DMA_BUF_EXPORT] = DMABUF_TP(true, "dma_buf_export", NULL),
	[PT_HOOK_DMA_BUF_FD] = DMABUF_TP(true, "dma_buf_fd", "not on the DRM ioctl path from 6.12"),
	[PT_HOOK_DMA_BUF_FD_INSTALL] = DMABUF(true, "7.x, and 6.1 stable backports"),
	[PT_HOOK_DMA_BUF_GET] = DMABUF_TP(true, "dma_buf_get", NULL),
	[PT_HOOK_DMA_BUF_DYNAMIC_ATTACH] =
	    DMABUF_TP(true, "dma_buf_dynamic_attach", "also seen through dma_buf_attach"),
	[PT_HOOK_DMA_BUF_ATTACH] = { .module = "vmlinux",
				     .at_exit = true,
				     .alt_of = PT_HOOK_DMA_BUF_DYNAMIC_ATTACH,
				     .note = "wraps dma_buf_dynamic_attach" },
	[PT_HOOK_DMA_BUF_DETACH] = DMABUF_TP(false, "dma_buf_detach", NULL),
	[PT_HOOK_DMA_BUF_MAP_ATTACHMENT] = DMABUF(true, "also seen through the _unlocked variant"),
	[PT_HOOK_DMA_BUF_UNMAP_ATTACHMENT] =
	    DMABUF(false, "also seen through the _unlocked variant"),
	[PT_HOOK_DMA_BUF_MMAP_INTERNAL] =
	    DMABUF_TP(true, "dma_buf_mmap_internal", "mmap() of a dma-buf fd"),
	[PT_HOOK_DMA_BUF_MMAP] = DMABUF_TP(true, "dma_buf_mmap", "a driver forwarding an mmap"),
	[PT_HOOK_DMA_BUF_VMAP] = DMABUF(true, "also seen through dma_buf_vmap_unlocked"),
	[PT_HOOK_DMA_BUF_VUNMAP] = DMABUF(false, "also seen through dma_buf_vunmap_unlocked"),
	[PT_HOOK_DMA_BUF_FILE_RELEASE] = DMABUF(false, NULL),
	[PT_HOOK_DMA_BUF_RELEASE] = DMABUF(false, "the final free"),
};

const char *pt_how_name(enum pt_how how, bool at_exit)
{
	switch (how) {
	case PT_HOW_OFF:
		return "off";
	case PT_HOW_FENTRY:
		return at_exit ? "fexit" : "fentry";
	case PT_HOW_KPROBE:
		return at_exit ? "kretprobe" : "kprobe";
	case PT_HOW_TRACEPOINT:
		return "tracepoint";
	case PT_HOW_MISSING:
		return "missing";
	case PT_HOW_COVERED:
		return "covered";
	case PT_HOW_FAILED:
		return "failed";
	}
	return "?";
}

static bool privileged(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { 0 };
	__u64 eff;

	if (syscall(SYS_capget, &hdr, data))
		return geteuid() == 0;
	eff = ((__u64)data[1].effective << 32) | data[0].effective;
	if (eff & (1ULL << CAP_SYS_ADMIN))
		return true;
	return (eff & (1ULL << CAP_BPF)) && (eff & (1ULL << CAP_PERFMON));
}

/* --- kallsyms ------------------------------------------------------------- */

static void scan_kallsyms(struct pt_kernel *pk)
{
	char line[512], name[256];
	FILE *f = fopen("/proc/kallsyms", "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char type;
		int id;

		if (sscanf(line, "%*s %c %255s", &type, name) != 2)
			continue;
		/* every hooked function starts with "d" (dma_buf_, drm_) */
		if (name[0] != 'd' || (type != 't' && type != 'T'))
			continue;
		id = pt_hook_id(name);
		if (id > 0)
			pk->hooks[id].in_kallsyms = true;
	}
	fclose(f);
}

/* --- BTF ------------------------------------------------------------------ */

static struct btf *load_module_btf(const char *module, struct btf *vmlinux)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/kernel/btf/%s", module);
	if (access(path, R_OK))
		return NULL;
	return btf__parse_split(path, vmlinux);
}

/* the fd of a loaded module's BTF object in the kernel, or -1 */
static int module_btf_fd(const char *module)
{
	__u32 id = 0;

	while (!bpf_btf_get_next_id(id, &id)) {
		struct bpf_btf_info info = { 0 };
		__u32 len = sizeof(info);
		char name[64] = "";
		int fd = bpf_btf_get_fd_by_id(id);

		if (fd < 0)
			continue;
		info.name = (__u64)(unsigned long)name;
		info.name_len = sizeof(name);
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) && info.kernel_btf &&
		    !strcmp(name, module))
			return fd;
		close(fd);
	}
	return -1;
}

/*
 * Load an empty fentry program against the function: the kernel checks
 * the BTF, the trampoline support and the target. Returns 0 or -errno.
 */
static int fentry_try(__u32 btf_id, int btf_obj_fd, bool attach)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_FENTRY,
		    .attach_btf_id = btf_id, .attach_btf_obj_fd = btf_obj_fd > 0 ? btf_obj_fd : 0);
	int fd, link, err = 0;

	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "pt_probe", "GPL", insns,
			   sizeof(insns) / sizeof(insns[0]), &opts);
	if (fd < 0)
		return -errno;
	if (attach) {
		link = bpf_raw_tracepoint_open(NULL, fd);
		if (link < 0)
			err = -errno;
		else
			close(link);
	}
	close(fd);
	return err;
}

static void plan_hook(struct pt_kernel *pk, __u32 id, enum pt_attach_mode mode)
{
	struct pt_hook_state *st = &pk->hooks[id];

	if (!st->in_btf && !st->in_kallsyms && !st->in_tp) {
		st->how = PT_HOW_MISSING;
		return;
	}
	if (!st->fentry_err) {
		if (mode == PT_ATTACH_KPROBE ||
		    (mode == PT_ATTACH_UNPINNED && st->where && strcmp(st->where, "vmlinux")))
			st->fentry_err = -ECANCELED;
		else if (!st->in_btf)
			st->fentry_err = -ENOENT;
		else if (!pk->fentry_ok)
			st->fentry_err = pk->fentry_err ?: -EOPNOTSUPP;
	}
	if (!st->kprobe_err) {
		if (mode == PT_ATTACH_FENTRY)
			st->kprobe_err = -ECANCELED;
		else if (!st->in_kallsyms)
			st->kprobe_err = -ENOENT;
		else if (!pk->kprobe_ok)
			st->kprobe_err = -EOPNOTSUPP;
	}
	if (!st->tp_err) {
		if (!st->in_tp)
			st->tp_err = -ENOENT;
		else if (mode == PT_ATTACH_FENTRY || mode == PT_ATTACH_KPROBE)
			st->tp_err = -ECANCELED;
	}
	if (mode == PT_ATTACH_TRACEPOINT && !st->tp_err)
		st->how = PT_HOW_TRACEPOINT;
	else if (!st->fentry_err)
		st->how = PT_HOW_FENTRY;
	else if (!st->kprobe_err)
		st->how = PT_HOW_KPROBE;
	else if (!st->tp_err)
		st->how = PT_HOW_TRACEPOINT;
	else
		st->how = PT_HOW_FAILED;
}

const char *pt_errstr(int err)
{
	static __thread char buf[128];

	if (libbpf_strerror(err < 0 ? err : -err, buf, sizeof(buf)))
		snprintf(buf, sizeof(buf), "error %d", err < 0 ? -err : err);
	return buf;
}

static const char *err_word(int err)
{
	switch (err) {
	case -ECANCELED:
		return "not asked for";
	case -ENOENT:
		return "not found";
	case -EOPNOTSUPP:
		return "not supported by this kernel";
	default:
		return pt_errstr(err);
	}
}

const char *pt_hook_why(const struct pt_kernel *pk, __u32 hook, char *buf, size_t len)
{
	const struct pt_hook_state *st = &pk->hooks[hook];

	buf[0] = '\0';
	if (st->how == PT_HOW_FAILED && pt_hook_descs[hook].tracepoint)
		snprintf(buf, len, "fentry: %s; kprobe: %s; tracepoint: %s",
			 err_word(st->fentry_err), err_word(st->kprobe_err), err_word(st->tp_err));
	else if (st->how == PT_HOW_FAILED)
		snprintf(buf, len, "fentry: %s; kprobe: %s", err_word(st->fentry_err),
			 err_word(st->kprobe_err));
	else if (st->how == PT_HOW_KPROBE && st->fentry_err && st->fentry_err != -ECANCELED)
		snprintf(buf, len, "fentry: %s", err_word(st->fentry_err));
	return buf;
}

static enum pt_attach_mode plan_mode;

static void plan_alternatives(struct pt_kernel *pk)
{
	for (__u32 id = 1; id < PT_HOOK_MAX; id++) {
		__u32 alt_of = pt_hook_descs[id].alt_of;
		enum pt_how primary;

		if (!alt_of)
			continue;
		primary = pk->hooks[alt_of].how;
		if (pt_how_active(primary)) {
			pk->hooks[id].how = PT_HOW_COVERED;
			continue;
		}
		if (pk->hooks[id].how == PT_HOW_COVERED || pk->hooks[id].how == PT_HOW_OFF)
			plan_hook(pk, id, plan_mode);
	}
}

int pt_kernel_probe(struct pt_kernel *pk, enum pt_attach_mode mode, const char *btf_path)
{
	struct btf *vmlinux = NULL, *mods[4] = { 0 };
	const char *mod_names[4] = { 0 };
	int mod_fds[4] = { -1, -1, -1, -1 };
	struct utsname uts;
	int err = 0;

	memset(pk, 0, sizeof(*pk));
	plan_mode = mode;
	if (!uname(&uts))
		snprintf(pk->release, sizeof(pk->release), "%s", uts.release);
	pk->btf_path = btf_path;
	pk->privileged = privileged();
	pk->drm_loaded = !access("/sys/module/drm", F_OK);
	/* the kprobe PMU (4.17+), or the tracefs interface libbpf falls back to */
	pk->kprobe_ok = !access("/sys/bus/event_source/devices/kprobe/type", R_OK) ||
			!access("/sys/kernel/tracing/kprobe_events", W_OK) ||
			!access("/sys/kernel/debug/tracing/kprobe_events", W_OK);

	vmlinux = btf_path ? btf__parse(btf_path, NULL) : btf__load_vmlinux_btf();
	if (!vmlinux) {
		err = -errno ?: -ENOENT;
		goto plan;
	}
	pk->have_btf = true;
	pk->dmabuf_tracepoints =
	    btf__find_by_name_kind(vmlinux, "btf_trace_dma_buf_export", BTF_KIND_TYPEDEF) > 0;

	for (__u32 id = 1; id < PT_HOOK_MAX; id++) {
		const char *func = pt_hook_name(id), *mod = pt_hook_descs[id].module;
		const char *tp = pt_hook_descs[id].tracepoint;
		struct pt_hook_state *st = &pk->hooks[id];
		struct btf *btf = NULL;
		int tid, slot = -1, obj_fd = -1;
		char tpname[96];

		if (tp) {
			snprintf(tpname, sizeof(tpname), "btf_trace_%s", tp);
			st->in_tp = btf__find_by_name_kind(vmlinux, tpname, BTF_KIND_TYPEDEF) > 0;
		}

		tid = btf__find_by_name_kind(vmlinux, func, BTF_KIND_FUNC);
		if (tid > 0) {
			st->where = "vmlinux";
			btf = vmlinux;
		} else if (strcmp(mod, "vmlinux")) {
			for (slot = 0; slot < 4 && mod_names[slot]; slot++)
				if (!strcmp(mod_names[slot], mod))
					break;
			if (slot < 4 && !mod_names[slot]) {
				mod_names[slot] = mod;
				mods[slot] = load_module_btf(mod, vmlinux);
				/* the kernel object is only needed to load probes */
				if (mods[slot] && pk->privileged)
					mod_fds[slot] = module_btf_fd(mod);
			}
			if (slot < 4 && mods[slot]) {
				tid = btf__find_by_name_kind(mods[slot], func, BTF_KIND_FUNC);
				if (tid > 0) {
					st->where = mod;
					btf = mods[slot];
					obj_fd = mod_fds[slot];
				}
			}
		}
		st->in_btf = btf != NULL;
		if (!btf || !pk->privileged || btf_path)
			continue;
		if (btf != vmlinux && obj_fd < 0)
			continue;
		/* one real attach proves the trampoline; then loading suffices */
		st->fentry_err = fentry_try(tid, btf == vmlinux ? 0 : obj_fd, !pk->fentry_ok);
		if (!st->fentry_err)
			pk->fentry_ok = true;
		else if (!pk->fentry_err)
			pk->fentry_err = st->fentry_err;
	}
	/* fentry needs the running kernel's own BTF, not a file's */
	if (btf_path) {
		pk->fentry_ok = false;
		pk->fentry_err = -ENOENT;
	}
	if (pk->fentry_ok)
		pk->fentry_err = 0;

plan:
	scan_kallsyms(pk);
	for (__u32 id = 1; id < PT_HOOK_MAX; id++) {
		struct pt_hook_state *st = &pk->hooks[id];

		if (!st->where && st->in_kallsyms)
			st->where = pt_hook_descs[id].module;
		if (!pt_hook_descs[id].alt_of)
			plan_hook(pk, id, mode);
	}
	plan_alternatives(pk);

	for (int i = 0; i < 4; i++) {
		btf__free(mods[i]);
		if (mod_fds[i] >= 0)
			close(mod_fds[i]);
	}
	btf__free(vmlinux);
	return err;
}

static const char *const flavour_prefix[] = { "fentry_", "fexit_", "kprobe_", "kretprobe_", "tp_" };

__u32 pt_hook_of_prog(const char *prog_name)
{
	for (size_t i = 0; i < sizeof(flavour_prefix) / sizeof(flavour_prefix[0]); i++) {
		size_t n = strlen(flavour_prefix[i]);
		int id;

		if (strncmp(prog_name, flavour_prefix[i], n))
			continue;
		id = pt_hook_id(prog_name + n);
		return id > 0 ? (__u32)id : PT_HOOK_NONE;
	}
	return PT_HOOK_NONE;
}

int pt_hook_progs(__u32 hook, enum pt_how how, const char *names[2], char buf[2][64])
{
	const char *func = pt_hook_name(hook);
	bool at_exit = pt_hook_descs[hook].at_exit;
	int n = 0;

	if (!func)
		return 0;
	if (how == PT_HOW_FENTRY) {
		if (pt_hook_descs[hook].entry_too) {
			snprintf(buf[n], 64, "fentry_%s", func);
			names[n] = buf[n];
			n++;
		}
		snprintf(buf[n], 64, "%s%s", at_exit ? "fexit_" : "fentry_", func);
		names[n] = buf[n];
		n++;
	} else if (how == PT_HOW_KPROBE) {
		snprintf(buf[n], 64, "kprobe_%s", func);
		names[n] = buf[n];
		n++;
		if (at_exit) {
			snprintf(buf[n], 64, "kretprobe_%s", func);
			names[n] = buf[n];
			n++;
		}
	} else if (how == PT_HOW_TRACEPOINT) {
		snprintf(buf[n], 64, "tp_%s", func);
		names[n] = buf[n];
		n++;
	}
	return n;
}

void pt_hooks_set_autoload(struct bpf_object *obj, const struct pt_kernel *pk)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj)
	{
		const char *name = bpf_program__name(prog);
		__u32 hook = pt_hook_of_prog(name);
		enum pt_how how = hook ? pk->hooks[hook].how : PT_HOW_OFF, flavour;

		if (!strncmp(name, "fentry_", 7) || !strncmp(name, "fexit_", 6))
			flavour = PT_HOW_FENTRY;
		else if (!strncmp(name, "tp_", 3))
			flavour = PT_HOW_TRACEPOINT;
		else
			flavour = PT_HOW_KPROBE;
		bpf_program__set_autoload(prog, how == flavour);
	}
}

bool pt_hook_demote(struct pt_kernel *pk, __u32 hook, int err)
{
	struct pt_hook_state *st;

	if (!hook || hook >= PT_HOOK_MAX)
		return false;
	st = &pk->hooks[hook];
	if (st->how == PT_HOW_FENTRY)
		st->fentry_err = err ?: -EINVAL;
	else if (st->how == PT_HOW_KPROBE)
		st->kprobe_err = err ?: -EINVAL;
	else if (st->how == PT_HOW_TRACEPOINT)
		st->tp_err = err ?: -EINVAL;
	else
		return false;
	plan_hook(pk, hook, plan_mode);
	plan_alternatives(pk);
	return true;
}
