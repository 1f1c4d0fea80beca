// SPDX-License-Identifier: GPL-2.0
/*
 * primetrace: the DRM PRIME and dma-buf paths, one record per call.
 *
 * Every hook comes in two flavours: fentry/fexit, and kprobe/kretprobe for
 * kernels or functions where the BPF trampoline cannot attach. Userspace
 * picks one per function at start-up and switches the other off with
 * bpf_program__set_autoload(); a function this kernel lacks is switched
 * off entirely. Hooks that need the return value stash their arguments in
 * the kprobe flavour and emit from the kretprobe.
 *
 * All kernel structures are read with CO-RE. The DRM structures live in
 * drm.ko's BTF: when DRM is not loaded their relocations fail, and every
 * access to them sits behind bpf_core_type_exists() so that the dma-buf
 * hooks still verify.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "primetrace.h"
#include "core_fixes.bpf.h"

/*
 * Userspace fills it in before load (skel->rodata->cfg); loaded, it is
 * read-only, and the verifier drops the branches it rules out (no stack
 * wanted, no filter set).
 */
const volatile struct pt_config cfg = { .targ_minor = -1 };

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

/* events lost because the ring buffer was full, per type and CPU */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PT_EV_MAX);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

/*
 * The same losses in one sum, read through the skeleton's mapping of .bss
 * while tracing (.bss, not .rodata: the programs write it). A map lookup from userspace keeps the kernel's
 * bpf_prog_active raised on its CPU, and a preemptible kernel may switch
 * to another task there meanwhile: every kprobe program that task runs
 * then misses its call. Polled with no system call, the sum blinds none.
 */
__u64 drops_total;

/* calls seen per hook, before any filter: a hook that never fires shows */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PT_HOOK_MAX);
	__type(key, __u32);
	__type(value, __u64);
} calls SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} cgroup_map SEC(".maps");

/* a user stack is read into this, a chunk at a time */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64[PT_USTACK_BYTES / 8]);
} ustack_words SEC(".maps");

/* ...and the stack found in it built here */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pt_ustack);
} ustack_scan SEC(".maps");

/*
 * Processes that produced an event: only their exits are reported, so
 * that a busy machine's other exits do not fill the ring buffer.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u8);
} seen_tgids SEC(".maps");

/* kprobe flavour: arguments kept from entry to return, per thread and hook */
struct pt_saved {
	__u64 a[5];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u64);
	__type(value, struct pt_saved);
} args_map SEC(".maps");

/*
 * dma_buf_release() runs after the file is gone; the inode number is kept
 * from dma_buf_file_release() so that the final free still names the
 * buffer. Bounded: an entry is only needed between the two calls.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, __u64);
} dmabuf_ino SEC(".maps");

/* What one call is about; emit() turns it into a record. */
struct pt_call {
	struct dma_buf *dmabuf;
	struct drm_gem_object *obj;
	struct drm_device *dev;
	struct drm_file *file;
	struct dma_buf_attachment *attach;
	struct device *importer;
	__u64 addr;
	__u64 len;
	__u64 ino;
	__s64 ret;
	__u32 handle;
	__s32 fd;
	__u32 flags;
};

#define IS_ERR_VALUE(x) ((unsigned long)(x) >= (unsigned long)-4095)

/*
 * A wakeup per record costs more than the record (an irq_work, then the
 * reader's context switch, for every PRIME call). The reader reads on its
 * own period (100 ms) and is woken early by the records that take the
 * unread data past cfg.rb_wake_at (the first PT_WAKE_WINDOW bytes past it:
 * records from other CPUs may jump over the exact crossing). A reader
 * that falls behind anyway is woken by every record once the ring is
 * three quarters full, as it would be without any of this. The ring's
 * poll is level-triggered: a reader that finds data waiting does not
 * sleep, so no wakeup is needed below the mark.
 */
#define PT_WAKE_WINDOW 4096

static __always_inline __u64 rb_flags(void)
{
	__u64 avail;

	if (!cfg.rb_wake_at)
		return 0;
	avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	if (avail >= cfg.rb_wake_at && avail < cfg.rb_wake_at + PT_WAKE_WINDOW)
		return BPF_RB_FORCE_WAKEUP;
	if (avail >= bpf_ringbuf_query(&events, BPF_RB_RING_SIZE) / 4 * 3)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

static __always_inline void count_drop(__u32 type)
{
	__u64 *n = bpf_map_lookup_elem(&drops, &type);

	if (n)
		*n += 1;
	__sync_fetch_and_add(&drops_total, 1);
}

static __always_inline void count_call(__u32 hook)
{
	__u64 *n = bpf_map_lookup_elem(&calls, &hook);

	if (n)
		*n += 1;
}

/* b is the configuration's: read through volatile, never folded to its initial value */
static __always_inline bool str16_eq(const char *a, const volatile char *b)
{
	for (int i = 0; i < 16; i++) {
		if (a[i] != b[i])
			return false;
		if (!a[i])
			break;
	}
	return true;
}

static __always_inline bool task_wanted(void)
{
	if (cfg.targ_tgid && (bpf_get_current_pid_tgid() >> 32) != cfg.targ_tgid)
		return false;
	if (cfg.filter_cgroup && !bpf_current_task_under_cgroup(&cgroup_map, 0))
		return false;
	if (cfg.filter_comm) {
		char comm[PT_COMM_LEN];

		bpf_get_current_comm(comm, sizeof(comm));
		if (!str16_eq(comm, cfg.targ_comm))
			return false;
	}
	return true;
}

static __always_inline void stash_args(__u32 hook, __u64 a0, __u64 a1, __u64 a2, __u64 a3,
				       __u64 a4)
{
	__u64 key = ((__u64)(__u32)bpf_get_current_pid_tgid() << 8) | hook;
	struct pt_saved args = { .a = { a0, a1, a2, a3, a4 } };

	bpf_map_update_elem(&args_map, &key, &args, BPF_ANY);
}

static __always_inline bool take_args(__u32 hook, struct pt_saved *out)
{
	__u64 key = ((__u64)(__u32)bpf_get_current_pid_tgid() << 8) | hook;
	struct pt_saved *args = bpf_map_lookup_elem(&args_map, &key);

	if (!args)
		return false;
	*out = *args;
	bpf_map_delete_elem(&args_map, &key);
	return true;
}

/* --- reading kernel objects -------------------------------------------- */

/* the struct file behind fd in the current task, or NULL */
static __always_inline struct file *fd_file(int fd)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds;
	struct file *f = NULL;

	if (fd < 0 || !fdt || fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}

/* the dma-buf behind fd, or NULL when fd is not a dma-buf */
static __always_inline struct dma_buf *fd_dmabuf(int fd)
{
	struct file *f = fd_file(fd);
	struct dma_buf *dmabuf;

	if (!f)
		return NULL;
	/* a dma-buf and its file point at each other */
	dmabuf = BPF_CORE_READ(f, private_data);
	if (!dmabuf || BPF_CORE_READ(dmabuf, file) != f)
		return NULL;
	return dmabuf;
}

/* the GEM object behind a dma-buf exported by a GEM driver, or NULL */
static __always_inline struct drm_gem_object *dmabuf_gem(struct dma_buf *dmabuf)
{
	const void *release;

	if (!dmabuf || !&drm_gem_dmabuf_release)
		return NULL;
	release = BPF_CORE_READ(dmabuf, ops, release);
	if (release != &drm_gem_dmabuf_release)
		return NULL;
	return BPF_CORE_READ(dmabuf, priv);
}

static __always_inline __s32 drm_dev_minor(struct drm_device *dev)
{
	struct drm_minor *minor;

	if (!bpf_core_type_exists(struct drm_device) || !dev)
		return -1;
	minor = BPF_CORE_READ(dev, primary);
	if (!minor)
		minor = BPF_CORE_READ(dev, render);
	if (!minor)
		return -1;
	return BPF_CORE_READ(minor, index);
}

static __always_inline void drm_dev_driver(struct drm_device *dev, char *name)
{
	const char *p;

	if (!bpf_core_type_exists(struct drm_device) || !dev)
		return;
	p = BPF_CORE_READ(dev, driver, name);
	if (p)
		bpf_probe_read_kernel_str(name, PT_DRIVER_LEN, p);
}

static __always_inline struct drm_device *gem_dev(struct drm_gem_object *obj)
{
	if (!bpf_core_type_exists(struct drm_gem_object) || !obj)
		return NULL;
	return BPF_CORE_READ(obj, dev);
}

/* the device a drm_file was opened on */
static __always_inline struct drm_device *file_dev(struct drm_file *file)
{
	if (!bpf_core_type_exists(struct drm_file) || !file)
		return NULL;
	return BPF_CORE_READ(file, minor, dev);
}

/*
 * idr_find(&file->object_idr, handle): walk the xarray under the idr.
 * Handles are small, so a few levels suffice; the bound covers 64 bits.
 */
static __always_inline struct drm_gem_object *handle_obj(struct drm_file *file, __u32 handle)
{
	unsigned long index, chunk, mask;
	struct xa_node *node;
	void *entry;

	if (!bpf_core_type_exists(struct drm_file) || !file || !handle)
		return NULL;
	index = handle - BPF_CORE_READ(file, object_idr.idr_base);
	entry = BPF_CORE_READ(file, object_idr.idr_rt.xa_head);
	chunk = bpf_core_field_size(struct xa_node, slots) / sizeof(void *);
	mask = chunk - 1;
	for (int i = 0; i < 12; i++) {
		unsigned long e = (unsigned long)entry;
		unsigned char shift;

		if (!e)
			return NULL;
		if ((e & 3) != 2)
			return index == 0 || i ? entry : NULL;
		if (e <= 4096)
			return NULL;	/* an internal value, not a node */
		node = (struct xa_node *)(e - 2);
		shift = BPF_CORE_READ(node, shift);
		if (i == 0 && shift < 64 && (index >> shift) > mask)
			return NULL;
		bpf_probe_read_kernel(&entry, sizeof(entry),
				      &node->slots[(index >> (shift & 63)) & mask]);
		if (!shift) {
			e = (unsigned long)entry;
			return (e & 3) == 2 ? NULL : entry;
		}
	}
	return NULL;
}

/* the dma-buf a file's PRIME cache maps handle to (rb-tree by handle) */
static __always_inline struct dma_buf *cache_dmabuf(struct drm_file *file, __u32 handle)
{
	struct rb_node *node;

	if (!bpf_core_type_exists(struct drm_prime_member) || !file)
		return NULL;
	node = BPF_CORE_READ(file, prime.handles.rb_node);
	for (int i = 0; i < 48 && node; i++) {
		struct drm_prime_member *m;
		__u32 h;

		m = (void *)node - bpf_core_field_offset(struct drm_prime_member, handle_rb);
		h = BPF_CORE_READ(m, handle);
		if (h == handle)
			return BPF_CORE_READ(m, dma_buf);
		node = handle < h ? BPF_CORE_READ(node, rb_left) : BPF_CORE_READ(node, rb_right);
	}
	return NULL;
}

/* --- one record -------------------------------------------------------- */

static __always_inline bool dev_matches(struct drm_device *dev)
{
	char name[PT_DRIVER_LEN] = {};

	if (!dev)
		return false;
	if (cfg.targ_minor >= 0 && drm_dev_minor(dev) == cfg.targ_minor)
		return true;
	if (cfg.filter_driver) {
		drm_dev_driver(dev, name);
		if (str16_eq(name, cfg.targ_driver))
			return true;
	}
	return false;
}

static __always_inline bool device_wanted(struct device *importer, struct drm_device *dev,
					  struct drm_device *exp_dev)
{
	char name[PT_DRIVER_LEN] = {};
	const char *p;

	if (cfg.targ_minor < 0 && !cfg.filter_driver)
		return true;
	if (dev_matches(dev) || dev_matches(exp_dev))
		return true;
	if (cfg.filter_driver && importer) {
		p = BPF_CORE_READ(importer, driver, name);
		if (p && bpf_probe_read_kernel_str(name, sizeof(name), p) > 0 &&
		    str16_eq(name, cfg.targ_driver))
			return true;
	}
	return false;
}

/*
 * The user stack by scanning (see struct pt_ustack): works without frame
 * pointers; userspace drops the words that are not return addresses. The
 * words are walked with bpf_loop() so that the verifier sees the walk once.
 */
struct ustack_walk {
	__u64 start, end;	/* the executable's code */
	__u64 *words;		/* ustack_words: what was read */
	struct pt_ustack *us;	/* ustack_scan: what was found */
	__u32 limit;		/* words read */
};

/*
 * PT_USTACK_CHUNK words per call: a call per word cost more than the
 * word's test (make bench, "leaks --tables" with -U). The map values are
 * looked up once, by the caller: not once per word.
 */
#define PT_USTACK_CHUNK 8

static long ustack_chunk(__u32 c, void *data)
{
	struct ustack_walk *w = data;
	struct pt_ustack *us = w->us;
	__u64 *words = w->words;

	if (!words || !us)
		return 1;
#pragma unroll
	for (__u32 j = 0; j < PT_USTACK_CHUNK; j++) {
		__u32 i = c * PT_USTACK_CHUNK + j;
		__u64 v;

		__u32 k = us->nr;

		if (i >= w->limit || k >= PT_USTACK_MAX)
			return 1;
		v = words[i & (PT_USTACK_BYTES / 8 - 1)];
		if (v >= w->start && v < w->end) {
			/* the mask, kept: the verifier does not see the check above */
			barrier_var(k);
			us->ip[k & (PT_USTACK_MAX - 1)] = v;
			us->nr = k + 1;
		}
	}
	return 0;
}

static __always_inline void scan_ustack(struct pt_ustack *out)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	struct ustack_walk w = { .limit = PT_USTACK_BYTES / 8 };
	struct pt_ustack *us;
	__u64 sp, *words;
	__u32 zero = 0;

	out->nr = 0;
	us = bpf_map_lookup_elem(&ustack_scan, &zero);
	words = bpf_map_lookup_elem(&ustack_words, &zero);
	if (!us || !words || !BPF_CORE_READ(task, mm))
		return; /* a kernel thread, or a task past exit_mm() */
	w.start = BPF_CORE_READ(task, mm, start_code);
	w.end = BPF_CORE_READ(task, mm, end_code);
	sp = BPF_CORE_READ(regs, sp);
	us->nr = 1;
	us->ip[0] = BPF_CORE_READ(regs, ip);
	/* near the top of a stack the whole chunk may not be mapped */
	if (bpf_probe_read_user(words, PT_USTACK_BYTES, (void *)sp)) {
		w.limit = PT_USTACK_BYTES / 32;
		if (bpf_probe_read_user(words, PT_USTACK_BYTES / 4, (void *)sp))
			w.limit = 0;
	}
	w.words = words;
	w.us = us;
	bpf_loop(PT_USTACK_BYTES / 8 / PT_USTACK_CHUNK, ustack_chunk, &w, 0);
	__builtin_memcpy(out, us, sizeof(*out));
}

/* the kernel stack into a record: the number of frames */
static __always_inline int get_kstack(void *ctx, struct pt_kstack *ks)
{
	long n = bpf_get_stack(ctx, ks->ip, sizeof(ks->ip), 0);

	ks->nr = n > 0 ? n / sizeof(ks->ip[0]) : 0;
	ks->pad = 0;
	return ks->nr;
}

/*
 * The live tables (cfg.tables): what is alive, updated by the hooks and
 * read by userspace at the end. Plain hash maps, sized by userspace before
 * load: a full table refuses an insert, and every refusal is counted in
 * table_lost, so that the report says its picture is incomplete. An LRU
 * map would evict silently.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct pt_tbuf);
} live_bufs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct pt_thandle_key);
	__type(value, struct pt_thandle);
} live_handles SEC(".maps");

/* the optional tables (cfg.table_extra), one entry each when off */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct pt_tattach);
} live_attach SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, struct pt_timporter);
} importers SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct pt_tvmap);
} live_vmaps SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct pt_tproc);
} proc_counts SEC(".maps");

/*
 * Stacks, each stored once under a hash of its frames. A stack map
 * (BPF_MAP_TYPE_STACK_TRACE) either refuses a stack whose bucket is taken
 * or, with BPF_F_REUSE_STACKID, overwrites it under an id that older
 * entries still name. Here the frames are compared on insert: a different
 * stack with the same hash is counted as a collision and kept under no id,
 * never mixed with the other.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct pt_kstack);
} kstacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct pt_ustack);
} ustacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct pt_tpair);
} stack_pairs SEC(".maps");

/* names and drivers, kept once each (struct pt_tbuf) */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct pt_tname);
} names SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct pt_tminor);
} minors SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PT_TL_MAX);
	__type(key, __u32);
	__type(value, __u64);
} table_lost SEC(".maps");

/* a table entry and its stacks are built here, not on the BPF stack */
struct pt_scratch {
	struct pt_tname name;	/* a name to keep */
	struct pt_kstack ks;
	struct pt_ustack us;
	struct pt_tbuf b;	/* the value of a table entry, built here */
	struct pt_thandle h;
	struct pt_tattach a;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pt_scratch);
} scratch SEC(".maps");

static __always_inline void count_lost(__u32 what)
{
	__u64 *n = bpf_map_lookup_elem(&table_lost, &what);

	if (n)
		(*n)++;
}

static __always_inline __u32 frames_hash(const __u64 *ip, __u32 nr, __u32 max)
{
	__u32 h = 2166136261u;

	for (__u32 i = 0; i < max; i++) {
		if (i >= nr)
			break;
		h = (h ^ (__u32)ip[i] ^ (__u32)(ip[i] >> 32)) * 16777619u;
	}
	return h ?: 1;
}

static __always_inline bool frames_equal(const __u64 *a, const __u64 *b, __u32 nr, __u32 max)
{
	for (__u32 i = 0; i < max; i++) {
		if (i >= nr)
			break;
		if (a[i] != b[i])
			return false;
	}
	return true;
}

/*
 * Content kept once, under a hash of it (stacks, their pairs, names): the
 * entry under key in map, value inserted if there was none; NULL when the
 * map is full (counted as full). The caller compares what it finds with
 * value: another content under the same hash is a collision.
 */
static __always_inline void *keep_once(void *map, __u32 *key, void *value, __u32 full)
{
	void *old = bpf_map_lookup_elem(map, key);

	if (old)
		return old;
	bpf_map_update_elem(map, key, value, BPF_NOEXIST);
	old = bpf_map_lookup_elem(map, key);
	if (!old)
		count_lost(full);
	return old;
}

/*
 * The key a stack is kept under in map (kstacks, or ustacks for a struct
 * pt_ustack, whose frames begin where a pt_kstack's do), 0 when it is not
 * kept: none, the map full (counted as full), or a collision.
 */
static __noinline __u32 store_stack(void *map, struct pt_kstack *st, __u32 max, __u32 full)
{
	__u32 nr = st->nr, h;
	struct pt_kstack *old;

	if (!nr || nr > max)
		return 0;
	h = frames_hash(st->ip, nr, max);
	old = keep_once(map, &h, st, full);
	if (!old)
		return 0;
	if (old->nr == nr && frames_equal(old->ip, st->ip, nr, max))
		return h;
	count_lost(PT_TL_COLLISIONS);
	return 0;
}

static __always_inline __u32 store_kstack(struct pt_kstack *ks)
{
	return store_stack(&kstacks, ks, PT_MAX_STACK, PT_TL_KSTACKS);
}

static __always_inline __u32 store_ustack(struct pt_ustack *us)
{
	return store_stack(&ustacks, (struct pt_kstack *)us, PT_USTACK_MAX, PT_TL_USTACKS);
}

/*
 * The live tables alone (cfg.tables): no record is built. Four hooks keep
 * the tables, each writing only the entry it changes and reading only what
 * that entry holds: dma_buf_export() and dma_buf_release() for live_bufs,
 * drm_gem_handle_create_tail() and drm_gem_object_release_handle() for
 * live_handles; dma_buf_vmap() and dma_buf_vunmap(), which are rare, keep
 * live_vmaps. For the commands that show them (cfg.table_extra), the
 * attach, detach, map and unmap hooks keep live_attach, and the export and
 * handle hooks count each process's exports and imports in proc_counts
 * (pt_tables_hook(); userspace attaches no other). The ring buffer carries
 * a process's first appearance, so that its mappings are read while it
 * lives (its user stacks are named from them), and its exit.
 */

/* a record with nothing known yet but who is running */
static __always_inline void record_init(struct pt_event *e, __u32 type, __u64 id)
{
	__builtin_memset(e, 0, sizeof(*e));
	e->ts = bpf_ktime_get_ns();
	e->cgroup = bpf_get_current_cgroup_id();
	e->type = type;
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->cpu = bpf_get_smp_processor_id();
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->fd = -1;
	e->file_count = -1;
	e->kref = -1;
	e->handle_count = -1;
	e->minor = -1;
	e->exp_minor = -1;
	e->kstack = -1;
	e->ustack = -1;
}

/* tables only: the first time a process appears, say so at once */
static __always_inline void table_seen(__u32 type, __u64 id)
{
	__u32 tgid = id >> 32;
	struct pt_event *e;
	__u8 one = 1;

	/* a lookup first: a refused insert into an LRU map still takes a node */
	if (bpf_map_lookup_elem(&seen_tgids, &tgid) ||
	    bpf_map_update_elem(&seen_tgids, &tgid, &one, BPF_NOEXIST))
		return;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_drop(type);
		return;
	}
	record_init(e, type, id);
	bpf_ringbuf_submit(e, BPF_RB_FORCE_WAKEUP);
}

/* the key of a pair of stack keys in stack_pairs (0: none, or not kept) */
static __noinline __u32 store_pair(__u32 kstack, __u32 ustack)
{
	struct pt_tpair pair = { .kstack = kstack, .ustack = ustack }, *old;
	__u32 h;

	if (!kstack && !ustack)
		return 0;
	h = (kstack ^ (ustack * 2654435761u)) ?: 1;
	old = keep_once(&stack_pairs, &h, &pair, PT_TL_PAIRS);
	if (!old)
		return 0;
	if (old->kstack == kstack && old->ustack == ustack)
		return h;
	count_lost(PT_TL_COLLISIONS);
	return 0;
}

/* the stacks of a new entry, stored once each: their pair's key, 0 for none */
static __always_inline __u32 table_stacks(void *ctx, struct pt_scratch *sc)
{
	__u32 kstack = 0, ustack = 0;

	if (cfg.want_kstack && get_kstack(ctx, &sc->ks))
		kstack = store_kstack(&sc->ks);
	if (cfg.want_ustack) {
		scan_ustack(&sc->us);
		ustack = store_ustack(&sc->us);
	}
	return store_pair(kstack, ustack);
}

/*
 * The key of the name in n (read into it NUL-padded) in names, where it is
 * kept once: 0 when it cannot be (names full, or another name with its
 * hash: counted).
 */
static __noinline __u32 store_name(struct pt_tname *n)
{
	const __u64 *w = (const __u64 *)n->s;
	struct pt_tname *old;
	__u32 h = 2166136261u;

	for (int i = 0; i < PT_NAME_LEN / 8; i++)
		h = (h ^ (__u32)w[i] ^ (__u32)(w[i] >> 32)) * 16777619u;
	h = h ?: 1;
	old = keep_once(&names, &h, n, PT_TL_NAMES);
	if (!old)
		return 0;
	for (int i = 0; i < PT_NAME_LEN / 8; i++)
		if (((const __u64 *)old->s)[i] != w[i]) {
			count_lost(PT_TL_COLLISIONS);
			return 0;
		}
	return h;
}

static __always_inline void name_clear(struct pt_tname *n)
{
	__u64 *w = (__u64 *)n->s;

	for (int i = 0; i < PT_NAME_LEN / 8; i++)
		w[i] = 0;
}

/* the current thread's comm, in names */
static __always_inline __u32 table_comm(struct pt_scratch *sc)
{
	name_clear(&sc->name);
	bpf_get_current_comm(sc->name.s, PT_COMM_LEN);
	return store_name(&sc->name);
}

/* a kernel string, in names */
static __always_inline __u32 table_name(struct pt_scratch *sc, const char *p)
{
	name_clear(&sc->name);
	if (!p || bpf_probe_read_kernel_str(sc->name.s, sizeof(sc->name.s), p) <= 0)
		return 0;
	return store_name(&sc->name);
}

/* dev's minor, with its driver's name kept in minors (read once per device) */
static __always_inline __s16 table_minor(struct pt_scratch *sc, struct drm_device *dev)
{
	struct pt_tminor m = { .dev = (__u64)dev }, *known;
	__s32 minor = drm_dev_minor(dev);

	if (minor < 0)
		return -1;
	known = bpf_map_lookup_elem(&minors, &minor);
	if (known && known->dev == m.dev)
		return minor;
	name_clear(&sc->name);
	drm_dev_driver(dev, sc->name.s);
	m.driver = store_name(&sc->name);
	if (m.driver)
		bpf_map_update_elem(&minors, &minor, &m, BPF_ANY);
	return minor;
}

/* the exporting object's handles, as the model counts them, on its buffer's entry */
static __always_inline void table_exp_handles(struct drm_gem_object *obj, __s32 n)
{
	struct dma_buf *dmabuf;
	struct pt_tbuf *b;
	__u64 key;

	if (!bpf_core_type_exists(struct drm_gem_object) || !obj)
		return;
	dmabuf = BPF_CORE_READ(obj, dma_buf);
	if (!dmabuf)
		return;
	key = (__u64)dmabuf;
	b = bpf_map_lookup_elem(&live_bufs, &key);
	if (b && b->exp_obj == (__u64)obj)
		b->exp_handles = n > 0x7fff ? 0x7fff : n > 0 ? n : 0;
}

/* PT_TX_PROCS: what the current process made, counted (exports, or imports) */
static __always_inline void table_count(__u32 tgid, bool import, __u64 bytes)
{
	struct pt_tproc *p, zero = {};

	if (!(cfg.table_extra & PT_TX_PROCS))
		return;
	p = keep_once(&proc_counts, &tgid, &zero, PT_TL_PROCS);
	if (!p)
		return;
	if (import) {
		__sync_fetch_and_add(&p->imports, 1);
		__sync_fetch_and_add(&p->import_bytes, bytes);
	} else {
		__sync_fetch_and_add(&p->exports, 1);
		__sync_fetch_and_add(&p->export_bytes, bytes);
	}
}

/* dma_buf_export() returned dmabuf: a new entry in live_bufs */
static __noinline int table_export(void *ctx, struct dma_buf *dmabuf)
{
	struct drm_gem_object *obj = dmabuf_gem(dmabuf);
	struct drm_device *dev = gem_dev(obj);
	__u64 key = (__u64)dmabuf, id;
	struct pt_scratch *sc;
	struct pt_tbuf *b;
	__u32 zero = 0;
	struct file *f;
	int handles;

	if (!dmabuf || !device_wanted(NULL, NULL, dev))
		return 0;
	sc = bpf_map_lookup_elem(&scratch, &zero);
	if (!sc)
		return 0;
	b = &sc->b;
	id = bpf_get_current_pid_tgid();
	b->ts = bpf_ktime_get_ns();
	b->size = BPF_CORE_READ(dmabuf, size);
	f = BPF_CORE_READ(dmabuf, file);
	b->ino = BPF_CORE_READ(f, f_inode, i_ino);
	b->exp_obj = (__u64)obj;
	b->pid = id >> 32;
	b->stacks = table_stacks(ctx, sc);
	b->comm = table_comm(sc);
	b->exp_name = table_name(sc, BPF_CORE_READ(dmabuf, exp_name));
	b->exp_minor = table_minor(sc, dev);
	b->exp_handles = -1;
	if (bpf_core_type_exists(struct drm_gem_object) && obj) {
		handles = BPF_CORE_READ(obj, handle_count);
		b->exp_handles = handles > 0x7fff ? 0x7fff : handles;
	}
	/* an address freed and reused replaces the entry: no new room needed */
	if (bpf_map_update_elem(&live_bufs, &key, b, BPF_ANY))
		count_lost(PT_TL_BUFS);
	table_count(b->pid, false, b->size);
	table_seen(PT_EV_DMABUF_EXPORT, id);
	return 0;
}

/*
 * Whether the current thread is in DRM_IOCTL_PRIME_FD_TO_HANDLE, read from
 * its system call's registers (the request is ioctl()'s second argument;
 * ia32's ioctl in a compat task): a handle made there is an import, and
 * the import path needs no hook of its own to say so.
 */
#define PT_NR_IOCTL		16
#define PT_NR_IOCTL_IA32	54

static __always_inline bool in_fd_to_handle(void)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	long nr = BPF_CORE_READ(regs, orig_ax);
	unsigned long req;

	if (nr == PT_NR_IOCTL)
		req = BPF_CORE_READ(regs, si);
	else if (nr == PT_NR_IOCTL_IA32)
		req = BPF_CORE_READ(regs, cx);
	else
		return false;
	return (__u32)req == PT_IOCTL_PRIME_FD_TO_HANDLE;
}

/*
 * The stacks of a handle, taken at the entry of drm_gem_handle_create_tail()
 * by its kprobe flavour (a kernel stack taken in a kretprobe is unwound
 * through the kretprobe's trampoline, at twice the cost): their key in
 * stack_pairs, or PT_STACKS_NOW for the handler to take them itself.
 */
#define PT_STACKS_NOW (~0ULL)

static __always_inline __u64 table_stacks_now(void *ctx)
{
	struct pt_scratch *sc;
	__u32 zero = 0;

	sc = bpf_map_lookup_elem(&scratch, &zero);
	return sc ? table_stacks(ctx, sc) : 0;
}

/* drm_gem_handle_create_tail() made handle: a new entry in live_handles */
static __noinline int table_handle_create(void *ctx, struct drm_file *file,
					  struct drm_gem_object *obj, __u32 handle, __u64 stacks)
{
	struct pt_thandle_key hk = { .file = (__u64)file, .handle = handle };
	struct dma_buf *dmabuf;
	struct drm_device *dev;
	struct pt_scratch *sc;
	struct pt_thandle *h;
	__u32 zero = 0;
	__u64 id;

	if (!bpf_core_type_exists(struct drm_gem_object) || !obj || !file)
		return 0;
	dev = BPF_CORE_READ(obj, dev);
	dmabuf = BPF_CORE_READ(obj, dma_buf);
	if (!dmabuf)
		dmabuf = BPF_CORE_READ(obj, import_attach, dmabuf);
	if (!device_wanted(NULL, dev, gem_dev(dmabuf_gem(dmabuf))))
		return 0;
	sc = bpf_map_lookup_elem(&scratch, &zero);
	if (!sc)
		return 0;
	h = &sc->h;
	id = bpf_get_current_pid_tgid();
	h->ts = bpf_ktime_get_ns();
	h->obj = (__u64)obj;
	h->obj_size = BPF_CORE_READ(obj, size);
	h->dmabuf = (__u64)dmabuf;
	h->pid = id >> 32;
	h->stacks = stacks == PT_STACKS_NOW ? table_stacks(ctx, sc) : (__u32)stacks;
	h->comm = table_comm(sc);
	h->minor = table_minor(sc, dev);
	h->import = dmabuf && in_fd_to_handle();
	h->pad = 0;
	if (bpf_map_update_elem(&live_handles, &hk, h, BPF_ANY))
		count_lost(PT_TL_HANDLES);
	if (h->import)
		table_count(h->pid, true, h->obj_size);
	table_exp_handles(obj, BPF_CORE_READ(obj, handle_count));
	table_seen(PT_EV_GEM_HANDLE_CREATE, id);
	return 0;
}

/*
 * A handle goes (obj NULL: not known yet). Whoever deletes it, and
 * whatever the filters: an entry that is not there costs nothing.
 */
static __noinline int table_handle_delete(struct drm_file *file, struct drm_gem_object *obj,
					  __u32 handle)
{
	struct pt_thandle_key hk = { .file = (__u64)file, .handle = handle };

	bpf_map_delete_elem(&live_handles, &hk);
	if (!obj)
		obj = handle_obj(file, handle);
	/* the hook sees the count before this handle goes */
	if (bpf_core_type_exists(struct drm_gem_object) && obj)
		table_exp_handles(obj, BPF_CORE_READ(obj, handle_count) - 1);
	return 0;
}

/* the dma-buf is freed, whoever frees it */
static __always_inline int table_release(struct dma_buf *dmabuf)
{
	__u64 key = (__u64)dmabuf;

	bpf_map_delete_elem(&live_bufs, &key);
	/* no vmap outlives its buffer (a BUG_ON): one whose vunmap was missed goes */
	bpf_map_delete_elem(&live_vmaps, &key);
	return 0;
}

/*
 * PT_TX_ATTACH: an importer attached to dmabuf (a new entry in
 * live_attach), or detached (flags ~0: the entry goes, whatever the
 * filters).
 */
static __noinline int table_attach(struct dma_buf *dmabuf, struct device *importer,
				   struct dma_buf_attachment *attach, __u32 flags)
{
	__u64 key = (__u64)attach, id;
	struct pt_scratch *sc;
	struct pt_tattach *a;
	__u32 zero = 0;
	struct file *f;

	if (!(cfg.table_extra & PT_TX_ATTACH) || !attach || IS_ERR_VALUE(attach))
		return 0;
	if (flags == ~0U) {
		bpf_map_delete_elem(&live_attach, &key);
		return 0;
	}
	if (!dmabuf || !task_wanted())
		return 0;
	if ((cfg.targ_minor >= 0 || cfg.filter_driver) &&
	    !device_wanted(importer, NULL, gem_dev(dmabuf_gem(dmabuf))))
		return 0;
	sc = bpf_map_lookup_elem(&scratch, &zero);
	if (!sc)
		return 0;
	a = &sc->a;
	id = bpf_get_current_pid_tgid();
	a->ts = bpf_ktime_get_ns();
	a->dmabuf = (__u64)dmabuf;
	f = BPF_CORE_READ(dmabuf, file);
	a->ino = BPF_CORE_READ(f, f_inode, i_ino);
	a->importer = (__u64)importer;
	a->pid = id >> 32;
	a->maps = 0;
	a->flags = flags;
	a->pad = 0;
	/* a device's names, once: an attach reads no string after the first */
	if (importer && !bpf_map_lookup_elem(&importers, &a->importer)) {
		struct pt_timporter imp;

		imp.name = table_name(sc, BPF_CORE_READ(importer, kobj.name));
		imp.driver = table_name(sc, BPF_CORE_READ(importer, driver, name));
		bpf_map_update_elem(&importers, &a->importer, &imp, BPF_NOEXIST);
	}
	if (bpf_map_update_elem(&live_attach, &key, a, BPF_ANY))
		count_lost(PT_TL_ATTACH);
	return 0;
}

/* PT_TX_ATTACH: an attachment mapped (delta 1) or unmapped (-1) */
static __always_inline int table_map(struct dma_buf_attachment *attach, int delta)
{
	__u64 key = (__u64)attach;
	struct pt_tattach *a;

	if (!(cfg.table_extra & PT_TX_ATTACH))
		return 0;
	a = bpf_map_lookup_elem(&live_attach, &key);
	if (a && (delta > 0 || a->maps > 0))
		__sync_fetch_and_add(&a->maps, delta);
	return 0;
}

/*
 * dmabuf vmapped (delta 1) or vunmapped (-1): a kernel mapping holds a
 * buffer that no process may hold any more (the leak rules ask). Rare, and
 * off the PRIME paths: kept whenever the tables are.
 */
static __noinline int table_vmap(struct dma_buf *dmabuf, int delta)
{
	struct pt_tvmap *v, nv = { .count = 1 };
	__u64 key = (__u64)dmabuf;
	struct file *f;

	if (!dmabuf)
		return 0;
	v = bpf_map_lookup_elem(&live_vmaps, &key);
	if (delta < 0) {
		/* the kernel serializes a buffer's (un)vmaps (its lock): no race */
		if (v && v->count <= 1)
			bpf_map_delete_elem(&live_vmaps, &key);
		else if (v)
			v->count--;
		return 0;
	}
	if (v) {
		v->count++;
		return 0;
	}
	if (!task_wanted())
		return 0;
	if ((cfg.targ_minor >= 0 || cfg.filter_driver) &&
	    !device_wanted(NULL, NULL, gem_dev(dmabuf_gem(dmabuf))))
		return 0;
	f = BPF_CORE_READ(dmabuf, file);
	nv.ino = BPF_CORE_READ(f, f_inode, i_ino);
	nv.ts = bpf_ktime_get_ns();
	if (bpf_map_update_elem(&live_vmaps, &key, &nv, BPF_NOEXIST))
		count_lost(PT_TL_VMAPS);
	return 0;
}

static __noinline int emit(void *ctx, __u32 type, __u32 hook, struct pt_call *in)
{
	/* never BPF_CORE_READ(in->x, ...): that relocates struct pt_call too */
	struct dma_buf_attachment *attach = in->attach;
	struct drm_gem_object *obj = in->obj, *exp_obj;
	struct device *importer = in->importer;
	struct dma_buf *dmabuf = in->dmabuf;
	struct drm_device *dev, *exp_dev;
	struct pt_kstack *ks;
	struct pt_event *e;
	int kframes = -1;
	struct file *f;
	__u64 id;

	if (!dmabuf && attach)
		dmabuf = BPF_CORE_READ(attach, dmabuf);
	if (!importer && attach)
		importer = BPF_CORE_READ(attach, dev);
	exp_obj = dmabuf_gem(dmabuf);
	exp_dev = gem_dev(exp_obj);
	dev = obj ? gem_dev(obj) : in->dev;
	if (!dev)
		dev = file_dev(in->file);
	if (!device_wanted(importer, dev, exp_dev))
		return 0;

	id = bpf_get_current_pid_tgid();
	/* the stacks travel with their event: kernel stack first, then user */
	if (cfg.want_kstack && cfg.want_ustack) {
		e = bpf_ringbuf_reserve(&events, sizeof(*e) + sizeof(*ks) + sizeof(struct pt_ustack),
					0);
		if (e) {
			ks = (struct pt_kstack *)(e + 1);
			kframes = get_kstack(ctx, ks);
			scan_ustack((struct pt_ustack *)(ks + 1));
		}
	} else if (cfg.want_kstack) {
		e = bpf_ringbuf_reserve(&events, sizeof(*e) + sizeof(*ks), 0);
		if (e)
			kframes = get_kstack(ctx, (struct pt_kstack *)(e + 1));
	} else if (cfg.want_ustack) {
		e = bpf_ringbuf_reserve(&events, sizeof(*e) + sizeof(struct pt_ustack), 0);
		if (e)
			scan_ustack((struct pt_ustack *)(e + 1));
	} else {
		e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	}
	if (!e) {
		count_drop(type);
		return 0;
	}

	e->ts = bpf_ktime_get_ns();
	e->cgroup = bpf_get_current_cgroup_id();
	e->type = type;
	e->hook = hook;
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->cpu = bpf_get_smp_processor_id();
	bpf_get_current_comm(e->comm, sizeof(e->comm));

	e->dmabuf = (__u64)dmabuf;
	e->ino = in->ino;
	e->size = 0;
	e->file_count = -1;
	e->exp_name[0] = '\0';
	if (dmabuf) {
		const char *p = BPF_CORE_READ(dmabuf, exp_name);

		e->size = BPF_CORE_READ(dmabuf, size);
		if (p)
			bpf_probe_read_kernel_str(e->exp_name, sizeof(e->exp_name), p);
		/* a known inode means the file is gone: do not read it */
		if (!e->ino) {
			f = BPF_CORE_READ(dmabuf, file);
			e->ino = BPF_CORE_READ(f, f_inode, i_ino);
			e->file_count = file_refs(f);
		}
	}

	e->obj = (__u64)obj;
	e->obj_size = 0;
	e->kref = -1;
	e->handle_count = -1;
	if (bpf_core_type_exists(struct drm_gem_object) && obj) {
		e->obj_size = BPF_CORE_READ(obj, size);
		e->kref = BPF_CORE_READ(obj, refcount.refcount.refs.counter);
		e->handle_count = BPF_CORE_READ(obj, handle_count);
	}
	e->minor = drm_dev_minor(dev);
	e->driver[0] = '\0';
	drm_dev_driver(dev, e->driver);

	e->exp_obj = (__u64)exp_obj;
	e->exp_minor = drm_dev_minor(exp_dev);
	e->exp_driver[0] = '\0';
	drm_dev_driver(exp_dev, e->exp_driver);

	e->file = (__u64)in->file;
	e->attach = (__u64)attach;
	e->importer[0] = '\0';
	e->importer_driver[0] = '\0';
	if (importer) {
		const char *p = BPF_CORE_READ(importer, kobj.name);

		if (p)
			bpf_probe_read_kernel_str(e->importer, sizeof(e->importer), p);
		p = BPF_CORE_READ(importer, driver, name);
		if (p)
			bpf_probe_read_kernel_str(e->importer_driver, sizeof(e->importer_driver),
						  p);
	}

	e->handle = in->handle;
	e->fd = in->fd;
	e->flags = in->flags;
	e->ret = in->ret;
	e->addr = in->addr;
	e->len = in->len;
	e->kstack = kframes;
	e->ustack = -1;
	{
		__u32 tgid = e->pid;
		__u8 one = 1;

		/*
		 * A process's first record wakes the reader at once, so that
		 * its mappings are read while it lives (user stacks are named
		 * from them); the others wait for the reader's period.
		 */
		if (!bpf_map_update_elem(&seen_tgids, &tgid, &one, BPF_NOEXIST)) {
			bpf_ringbuf_submit(e, BPF_RB_FORCE_WAKEUP);
			return 0;
		}
	}

	bpf_ringbuf_submit(e, rb_flags());
	return 0;
}

static __always_inline void info_init(struct pt_call *in)
{
	__builtin_memset(in, 0, sizeof(*in));
	in->fd = -1;
}

/* --- the handlers: one per hook, shared by both flavours ----------------- */

static __always_inline int on_prime_handle_to_fd_ioctl(void *ctx, __u32 hook,
						       struct drm_device *dev, void *data,
						       struct drm_file *file, long ret)
{
	struct drm_prime_handle *args = data;
	struct pt_call in;

	count_call(hook);
	if (!bpf_core_type_exists(struct drm_prime_handle) || !task_wanted())
		return 0;
	info_init(&in);
	in.dev = dev;
	in.file = file;
	in.ret = ret;
	in.handle = BPF_CORE_READ(args, handle);
	in.flags = BPF_CORE_READ(args, flags);
	in.obj = handle_obj(file, in.handle);
	if (ret == 0) {
		in.fd = BPF_CORE_READ(args, fd);
		in.dmabuf = fd_dmabuf(in.fd);
	}
	return emit(ctx, PT_EV_PRIME_HANDLE_TO_FD, hook, &in);
}

static __always_inline int on_prime_fd_to_handle_ioctl(void *ctx, __u32 hook,
						       struct drm_device *dev, void *data,
						       struct drm_file *file, long ret)
{
	struct drm_prime_handle *args = data;
	struct pt_call in;

	count_call(hook);
	if (!bpf_core_type_exists(struct drm_prime_handle) || !task_wanted())
		return 0;
	info_init(&in);
	in.dev = dev;
	in.file = file;
	in.ret = ret;
	in.fd = BPF_CORE_READ(args, fd);
	in.dmabuf = fd_dmabuf(in.fd);
	if (ret == 0) {
		in.handle = BPF_CORE_READ(args, handle);
		in.obj = handle_obj(file, in.handle);
	}
	return emit(ctx, PT_EV_PRIME_FD_TO_HANDLE, hook, &in);
}

static __always_inline int on_gem_handle_to_fd(void *ctx, __u32 hook, struct drm_device *dev,
					       struct drm_file *file, __u32 handle, __u32 flags,
					       int *prime_fd, long ret)
{
	struct pt_call in;

	count_call(hook);
	if (!task_wanted())
		return 0;
	info_init(&in);
	in.dev = dev;
	in.file = file;
	in.handle = handle;
	in.flags = flags;
	in.ret = ret;
	in.obj = handle_obj(file, handle);
	if (ret == 0) {
		bpf_probe_read_kernel(&in.fd, sizeof(in.fd), prime_fd);
		in.dmabuf = fd_dmabuf(in.fd);
	}
	return emit(ctx, PT_EV_GEM_HANDLE_TO_FD, hook, &in);
}

static __always_inline int on_gem_handle_to_dmabuf(void *ctx, __u32 hook, struct drm_device *dev,
						   struct drm_file *file, __u32 handle,
						   __u32 flags, struct dma_buf *ret)
{
	struct pt_call in;

	count_call(hook);
	if (!task_wanted())
		return 0;
	info_init(&in);
	in.dev = dev;
	in.file = file;
	in.handle = handle;
	in.flags = flags;
	in.obj = handle_obj(file, handle);
	if (IS_ERR_VALUE(ret))
		in.ret = (long)ret;
	else
		in.dmabuf = ret;
	return emit(ctx, PT_EV_GEM_HANDLE_TO_DMABUF, hook, &in);
}

static __always_inline int on_gem_fd_to_handle(void *ctx, __u32 hook, struct drm_device *dev,
					       struct drm_file *file, int prime_fd,
					       __u32 *handlep, long ret)
{
	struct pt_call in;

	count_call(hook);
	if (!task_wanted())
		return 0;
	info_init(&in);
	in.dev = dev;
	in.file = file;
	in.fd = prime_fd;
	in.ret = ret;
	in.dmabuf = fd_dmabuf(prime_fd);
	if (ret == 0) {
		bpf_probe_read_kernel(&in.handle, sizeof(in.handle), handlep);
		in.obj = handle_obj(file, in.handle);
	}
	return emit(ctx, PT_EV_GEM_FD_TO_HANDLE, hook, &in);
}

/* drm_gem_prime_export(obj, flags) and drm_gem_dmabuf_export(dev, exp_info) */
static __always_inline int on_gem_export(void *ctx, __u32 type, __u32 hook,
					 struct drm_gem_object *obj, __u32 flags,
					 struct dma_buf *ret)
{
	struct pt_call in;

	count_call(hook);
	if (!task_wanted())
		return 0;
	info_init(&in);
	in.obj = obj;
	in.flags = flags;
	if (IS_ERR_VALUE(ret))
		in.ret = (long)ret;
	else
		in.dmabuf = ret;
	return emit(ctx, type, hook, &in);
}

static __always_inline int on_gem_import(void *ctx, __u32 hook, struct drm_device *dev,
					 struct dma_buf *dmabuf, struct device *attach_dev,
					 struct drm_gem_object *ret)
{
	struct pt_call in;

	count_call(hook);
	if (!task_wanted())
		return 0;
	info_init(&in);
	in.dev = dev;
	in.dmabuf = dmabuf;
	in.importer = attach_dev;
	if (IS_ERR_VALUE(ret))
		in.ret = (long)ret;
	else if (ret && bpf_core_type_exists(struct drm_gem_object))
		in.attach = BPF_CORE_READ(ret, import_attach);
	in.obj = IS_ERR_VALUE(ret) ? NULL : ret;
	return emit(ctx, PT_EV_GEM_IMPORT, hook, &in);
}

static __always_inline int on_gem_dmabuf_release(void *ctx, __u32 hook, struct dma_buf *dmabuf)
{
	__u64 key = (__u64)dmabuf, *ino;
	struct pt_call in;

	count_call(hook);
	if (!task_wanted())
		return 0;
	info_init(&in);
	in.dmabuf = dmabuf;
	in.obj = dmabuf_gem(dmabuf);
	ino = bpf_map_lookup_elem(&dmabuf_ino, &key);
	in.ino = ino ? *ino : 0;
	return emit(ctx, PT_EV_GEM_DMABUF_RELEASE, hook, &in);
}

static __always_inline int on_prime_gem_destroy(void *ctx, __u32 hook,
						struct drm_gem_object *obj, void *sg)
{
	struct pt_call in;

	count_call(hook);
	if (!bpf_core_type_exists(struct drm_gem_object) || !task_wanted())
		return 0;
	info_init(&in);
	in.obj = obj;
	in.attach = BPF_CORE_READ(obj, import_attach);
	in.addr = (__u64)sg;
	return emit(ctx, PT_EV_GEM_PRIME_DESTROY, hook, &in);
}

static __always_inline int on_gem_handle_create(void *ctx, __u32 hook, struct drm_file *file,
						struct drm_gem_object *obj, __u32 *handlep,
						long ret, __u64 stacks)
{
	struct pt_call in;

	count_call(hook);
	if (!task_wanted())
		return 0;
	info_init(&in);
	in.file = file;
	in.obj = obj;
	in.ret = ret;
	if (ret == 0)
		bpf_probe_read_kernel(&in.handle, sizeof(in.handle), handlep);
	if (cfg.tables)
		return ret ? 0 : table_handle_create(ctx, file, obj, in.handle, stacks);
	if (bpf_core_type_exists(struct drm_gem_object)) {
		in.dmabuf = BPF_CORE_READ(obj, dma_buf);
		if (!in.dmabuf)
			in.attach = BPF_CORE_READ(obj, import_attach);
	}
	return emit(ctx, PT_EV_GEM_HANDLE_CREATE, hook, &in);
}

/* drm_gem_object_release_handle(id, obj, file) and drm_gem_handle_delete(file, id) */
static __always_inline int on_gem_handle_delete(void *ctx, __u32 hook, struct drm_file *file,
						struct drm_gem_object *obj, __u32 handle)
{
	struct pt_call in;

	count_call(hook);
	if (cfg.tables)
		return table_handle_delete(file, obj, handle);
	if (!task_wanted())
		return 0;
	info_init(&in);
	in.file = file;
	in.handle = handle;
	if (!obj)
		obj = handle_obj(file, handle);
	in.obj = obj;
	if (obj && bpf_core_type_exists(struct drm_gem_object)) {
		in.dmabuf = BPF_CORE_READ(obj, dma_buf);
		if (!in.dmabuf)
			in.attach = BPF_CORE_READ(obj, import_attach);
	}
	return emit(ctx, PT_EV_GEM_HANDLE_DELETE, hook, &in);
}

/*
 * A GEM object being freed. Only the object itself is read: an import's
 * attachment is already gone when the driver's free callback gets here.
 */
static __always_inline int on_gem_free(void *ctx, __u32 hook, struct drm_gem_object *obj)
{
	struct pt_call in;

	count_call(hook);
	if (!task_wanted())
		return 0;
	info_init(&in);
	in.obj = obj;
	return emit(ctx, PT_EV_GEM_FREE, hook, &in);
}

static __always_inline struct drm_file *prime_file(void *prime_fpriv)
{
	if (!bpf_core_type_exists(struct drm_file))
		return NULL;
	return prime_fpriv - bpf_core_field_offset(struct drm_file, prime);
}

static __always_inline int on_prime_cache_add(void *ctx, __u32 hook, void *prime_fpriv,
					      struct dma_buf *dmabuf, __u32 handle, long ret)
{
	struct pt_call in;

	count_call(hook);
	if (!task_wanted())
		return 0;
	info_init(&in);
	in.file = prime_file(prime_fpriv);
	in.dmabuf = dmabuf;
	in.handle = handle;
	in.ret = ret;
	in.obj = handle_obj(in.file, handle);
	return emit(ctx, PT_EV_PRIME_CACHE_ADD, hook, &in);
}

/*
 * The removal takes the cache's lock inside the function: reported at
 * entry, it could come before an add that the lock orders before it, and
 * a reader of the stream would keep an entry the kernel dropped. The
 * entry's dma-buf is read at entry, while the entry still exists (NULL
 * if it is added meanwhile), and the event goes out at exit.
 */
static __always_inline int stash_prime_cache_remove(__u32 hook, void *prime_fpriv, __u32 handle)
{
	struct drm_file *file = prime_file(prime_fpriv);

	stash_args(hook, (__u64)file, handle, (__u64)cache_dmabuf(file, handle), 0, 0);
	return 0;
}

static __always_inline int on_prime_cache_remove(void *ctx, __u32 hook)
{
	struct pt_saved a;
	struct pt_call in;

	if (!take_args(hook, &a))
		return 0;
	count_call(hook);
	if (!task_wanted())
		return 0;
	info_init(&in);
	in.file = (void *)a.a[0];
	in.handle = a.a[1];
	in.dmabuf = (void *)a.a[2];
	return emit(ctx, PT_EV_PRIME_CACHE_REMOVE, hook, &in);
}

static __always_inline int on_dmabuf(void *ctx, __u32 type, __u32 hook, struct dma_buf *dmabuf,
				     int fd, __u32 flags, long ret)
{
	struct pt_call in;

	count_call(hook);
	if (!task_wanted())
		return 0;
	/* the export tracepoint of 7.x, where its function cannot be hooked */
	if (cfg.tables)
		return type == PT_EV_DMABUF_EXPORT ? table_export(ctx, dmabuf) : 0;
	info_init(&in);
	in.dmabuf = dmabuf;
	in.fd = fd;
	in.flags = flags;
	in.ret = ret;
	return emit(ctx, type, hook, &in);
}

static __always_inline int on_dmabuf_export(void *ctx, __u32 hook,
					    struct dma_buf_export_info *exp_info,
					    struct dma_buf *ret)
{
	struct pt_call in;

	count_call(hook);
	if (!task_wanted())
		return 0;
	if (cfg.tables)
		return IS_ERR_VALUE(ret) ? 0 : table_export(ctx, ret);
	info_init(&in);
	if (IS_ERR_VALUE(ret))
		in.ret = (long)ret;
	else
		in.dmabuf = ret;
	in.flags = BPF_CORE_READ(exp_info, flags);
	return emit(ctx, PT_EV_DMABUF_EXPORT, hook, &in);
}

static __always_inline int on_dmabuf_get(void *ctx, __u32 hook, int fd, struct dma_buf *ret)
{
	if (IS_ERR_VALUE(ret))
		return on_dmabuf(ctx, PT_EV_DMABUF_GET, hook, NULL, fd, 0, (long)ret);
	return on_dmabuf(ctx, PT_EV_DMABUF_GET, hook, ret, fd, 0, 0);
}

static __always_inline int on_attach(void *ctx, __u32 type, __u32 hook, struct dma_buf *dmabuf,
				     struct device *dev, struct dma_buf_attachment *attach,
				     __u32 flags)
{
	struct pt_call in;

	count_call(hook);
	if (cfg.tables)
		return table_attach(dmabuf, dev, attach, type == PT_EV_DMABUF_DETACH ? ~0U : flags);
	if (!task_wanted())
		return 0;
	info_init(&in);
	in.dmabuf = dmabuf;
	in.importer = dev;
	in.flags = flags;
	if (IS_ERR_VALUE(attach))
		in.ret = (long)attach;
	else
		in.attach = attach;
	return emit(ctx, type, hook, &in);
}

static __always_inline int on_map(void *ctx, __u32 type, __u32 hook,
				  struct dma_buf_attachment *attach, void *sgt, __u32 dir)
{
	struct pt_call in;

	count_call(hook);
	if (cfg.tables)
		return IS_ERR_VALUE(sgt) ? 0 : table_map(attach, type == PT_EV_DMABUF_MAP ? 1 : -1);
	if (!task_wanted())
		return 0;
	info_init(&in);
	in.attach = attach;
	in.flags = dir;
	if (IS_ERR_VALUE(sgt))
		in.ret = (long)sgt;
	else
		in.addr = (__u64)sgt;
	return emit(ctx, type, hook, &in);
}

static __always_inline int on_mmap(void *ctx, __u32 hook, struct dma_buf *dmabuf,
				   struct vm_area_struct *vma, long ret)
{
	struct pt_call in;

	count_call(hook);
	if (!task_wanted())
		return 0;
	info_init(&in);
	in.dmabuf = dmabuf;
	in.ret = ret;
	in.addr = BPF_CORE_READ(vma, vm_start);
	in.len = BPF_CORE_READ(vma, vm_end) - in.addr;
	return emit(ctx, PT_EV_DMABUF_MMAP, hook, &in);
}

static __always_inline int on_vmap(void *ctx, __u32 type, __u32 hook, struct dma_buf *dmabuf,
				   struct iosys_map *map, long ret)
{
	struct pt_call in;

	count_call(hook);
	if (cfg.tables)
		return ret ? 0 : table_vmap(dmabuf, type == PT_EV_DMABUF_VMAP ? 1 : -1);
	if (!task_wanted())
		return 0;
	info_init(&in);
	in.dmabuf = dmabuf;
	in.ret = ret;
	if (ret == 0)
		in.addr = (__u64)BPF_CORE_READ(map, vaddr);
	return emit(ctx, type, hook, &in);
}

static __always_inline int on_file_release(void *ctx, __u32 hook, struct file *file)
{
	struct dma_buf *dmabuf = BPF_CORE_READ(file, private_data);
	__u64 key = (__u64)dmabuf, ino = BPF_CORE_READ(file, f_inode, i_ino);
	struct pt_call in;

	count_call(hook);
	/* kept whatever the filters say: the final free needs it */
	bpf_map_update_elem(&dmabuf_ino, &key, &ino, BPF_ANY);
	if (!task_wanted())
		return 0;
	info_init(&in);
	in.dmabuf = dmabuf;
	return emit(ctx, PT_EV_DMABUF_FILE_RELEASE, hook, &in);
}

static __always_inline int on_release(void *ctx, __u32 hook, struct dentry *dentry)
{
	struct dma_buf *dmabuf = BPF_CORE_READ(dentry, d_fsdata);
	__u64 key = (__u64)dmabuf, *ino;
	struct pt_call in;

	count_call(hook);
	if (cfg.tables)
		return table_release(dmabuf);
	if (!task_wanted())
		return 0;
	info_init(&in);
	in.dmabuf = dmabuf;
	/* the file is gone: never read through dmabuf->file here */
	ino = bpf_map_lookup_elem(&dmabuf_ino, &key);
	in.ino = ino ? *ino : 0;
	return emit(ctx, PT_EV_DMABUF_RELEASE, hook, &in);
}

/* --- programs ------------------------------------------------------------
 * For each function: fentry or fexit, then the kprobe flavour. Names are
 * <flavour>_<function>, the table in userspace/source/hooks.c refers to them.
 */

#define ARG(i) ((__u64)(a.a[i]))

/* DRM_IOCTL_PRIME_HANDLE_TO_FD */
SEC("fexit/drm_prime_handle_to_fd_ioctl")
int BPF_PROG(fexit_drm_prime_handle_to_fd_ioctl, struct drm_device *dev, void *data,
	     struct drm_file *file, int ret)
{
	return on_prime_handle_to_fd_ioctl(ctx, PT_HOOK_PRIME_HANDLE_TO_FD_IOCTL, dev, data, file,
					   ret);
}

SEC("kprobe/drm_prime_handle_to_fd_ioctl")
int BPF_KPROBE(kprobe_drm_prime_handle_to_fd_ioctl, void *dev, void *data, void *file)
{
	stash_args(PT_HOOK_PRIME_HANDLE_TO_FD_IOCTL, (__u64)dev, (__u64)data, (__u64)file, 0, 0);
	return 0;
}

SEC("kretprobe/drm_prime_handle_to_fd_ioctl")
int BPF_KRETPROBE(kretprobe_drm_prime_handle_to_fd_ioctl, int ret)
{
	struct pt_saved a;

	if (!take_args(PT_HOOK_PRIME_HANDLE_TO_FD_IOCTL, &a))
		return 0;
	return on_prime_handle_to_fd_ioctl(ctx, PT_HOOK_PRIME_HANDLE_TO_FD_IOCTL,
					   (void *)ARG(0), (void *)ARG(1), (void *)ARG(2), ret);
}

/* DRM_IOCTL_PRIME_FD_TO_HANDLE */
SEC("fexit/drm_prime_fd_to_handle_ioctl")
int BPF_PROG(fexit_drm_prime_fd_to_handle_ioctl, struct drm_device *dev, void *data,
	     struct drm_file *file, int ret)
{
	return on_prime_fd_to_handle_ioctl(ctx, PT_HOOK_PRIME_FD_TO_HANDLE_IOCTL, dev, data, file,
					   ret);
}

SEC("kprobe/drm_prime_fd_to_handle_ioctl")
int BPF_KPROBE(kprobe_drm_prime_fd_to_handle_ioctl, void *dev, void *data, void *file)
{
	stash_args(PT_HOOK_PRIME_FD_TO_HANDLE_IOCTL, (__u64)dev, (__u64)data, (__u64)file, 0, 0);
	return 0;
}

SEC("kretprobe/drm_prime_fd_to_handle_ioctl")
int BPF_KRETPROBE(kretprobe_drm_prime_fd_to_handle_ioctl, int ret)
{
	struct pt_saved a;

	if (!take_args(PT_HOOK_PRIME_FD_TO_HANDLE_IOCTL, &a))
		return 0;
	return on_prime_fd_to_handle_ioctl(ctx, PT_HOOK_PRIME_FD_TO_HANDLE_IOCTL,
					   (void *)ARG(0), (void *)ARG(1), (void *)ARG(2), ret);
}

/* drm_gem_prime_handle_to_fd(): the ioctl path up to 6.11 only */
SEC("fexit/drm_gem_prime_handle_to_fd")
int BPF_PROG(fexit_drm_gem_prime_handle_to_fd, struct drm_device *dev, struct drm_file *file,
	     __u32 handle, __u32 flags, int *prime_fd, int ret)
{
	return on_gem_handle_to_fd(ctx, PT_HOOK_GEM_PRIME_HANDLE_TO_FD, dev, file, handle, flags,
				   prime_fd, ret);
}

SEC("kprobe/drm_gem_prime_handle_to_fd")
int BPF_KPROBE(kprobe_drm_gem_prime_handle_to_fd, void *dev, void *file, __u32 handle,
	       __u32 flags, int *prime_fd)
{
	stash_args(PT_HOOK_GEM_PRIME_HANDLE_TO_FD, (__u64)dev, (__u64)file, handle, flags,
		   (__u64)prime_fd);
	return 0;
}

SEC("kretprobe/drm_gem_prime_handle_to_fd")
int BPF_KRETPROBE(kretprobe_drm_gem_prime_handle_to_fd, int ret)
{
	struct pt_saved a;

	if (!take_args(PT_HOOK_GEM_PRIME_HANDLE_TO_FD, &a))
		return 0;
	return on_gem_handle_to_fd(ctx, PT_HOOK_GEM_PRIME_HANDLE_TO_FD, (void *)ARG(0),
				   (void *)ARG(1), ARG(2), ARG(3), (void *)ARG(4), ret);
}

/* drm_gem_prime_handle_to_dmabuf(): 6.12+ */
SEC("fexit/drm_gem_prime_handle_to_dmabuf")
int BPF_PROG(fexit_drm_gem_prime_handle_to_dmabuf, struct drm_device *dev,
	     struct drm_file *file, __u32 handle, __u32 flags, struct dma_buf *ret)
{
	return on_gem_handle_to_dmabuf(ctx, PT_HOOK_GEM_PRIME_HANDLE_TO_DMABUF, dev, file, handle,
				       flags, ret);
}

SEC("kprobe/drm_gem_prime_handle_to_dmabuf")
int BPF_KPROBE(kprobe_drm_gem_prime_handle_to_dmabuf, void *dev, void *file, __u32 handle,
	       __u32 flags)
{
	stash_args(PT_HOOK_GEM_PRIME_HANDLE_TO_DMABUF, (__u64)dev, (__u64)file, handle, flags, 0);
	return 0;
}

SEC("kretprobe/drm_gem_prime_handle_to_dmabuf")
int BPF_KRETPROBE(kretprobe_drm_gem_prime_handle_to_dmabuf, struct dma_buf *ret)
{
	struct pt_saved a;

	if (!take_args(PT_HOOK_GEM_PRIME_HANDLE_TO_DMABUF, &a))
		return 0;
	return on_gem_handle_to_dmabuf(ctx, PT_HOOK_GEM_PRIME_HANDLE_TO_DMABUF, (void *)ARG(0),
				       (void *)ARG(1), ARG(2), ARG(3), ret);
}

/* drm_gem_prime_fd_to_handle() */
SEC("fexit/drm_gem_prime_fd_to_handle")
int BPF_PROG(fexit_drm_gem_prime_fd_to_handle, struct drm_device *dev, struct drm_file *file,
	     int prime_fd, __u32 *handle, int ret)
{
	return on_gem_fd_to_handle(ctx, PT_HOOK_GEM_PRIME_FD_TO_HANDLE, dev, file, prime_fd,
				   handle, ret);
}

SEC("kprobe/drm_gem_prime_fd_to_handle")
int BPF_KPROBE(kprobe_drm_gem_prime_fd_to_handle, void *dev, void *file, int prime_fd,
	       __u32 *handle)
{
	stash_args(PT_HOOK_GEM_PRIME_FD_TO_HANDLE, (__u64)dev, (__u64)file, prime_fd,
		   (__u64)handle, 0);
	return 0;
}

SEC("kretprobe/drm_gem_prime_fd_to_handle")
int BPF_KRETPROBE(kretprobe_drm_gem_prime_fd_to_handle, int ret)
{
	struct pt_saved a;

	if (!take_args(PT_HOOK_GEM_PRIME_FD_TO_HANDLE, &a))
		return 0;
	return on_gem_fd_to_handle(ctx, PT_HOOK_GEM_PRIME_FD_TO_HANDLE, (void *)ARG(0),
				   (void *)ARG(1), (int)ARG(2), (void *)ARG(3), ret);
}

/* drm_gem_prime_export() */
SEC("fexit/drm_gem_prime_export")
int BPF_PROG(fexit_drm_gem_prime_export, struct drm_gem_object *obj, int flags,
	     struct dma_buf *ret)
{
	return on_gem_export(ctx, PT_EV_GEM_EXPORT, PT_HOOK_GEM_PRIME_EXPORT, obj, flags, ret);
}

SEC("kprobe/drm_gem_prime_export")
int BPF_KPROBE(kprobe_drm_gem_prime_export, void *obj, int flags)
{
	stash_args(PT_HOOK_GEM_PRIME_EXPORT, (__u64)obj, flags, 0, 0, 0);
	return 0;
}

SEC("kretprobe/drm_gem_prime_export")
int BPF_KRETPROBE(kretprobe_drm_gem_prime_export, struct dma_buf *ret)
{
	struct pt_saved a;

	if (!take_args(PT_HOOK_GEM_PRIME_EXPORT, &a))
		return 0;
	return on_gem_export(ctx, PT_EV_GEM_EXPORT, PT_HOOK_GEM_PRIME_EXPORT, (void *)ARG(0),
			     ARG(1), ret);
}

/* drm_gem_dmabuf_export(): the GEM object is exp_info->priv */
static __always_inline void *exp_info_priv(struct dma_buf_export_info *exp_info)
{
	return BPF_CORE_READ(exp_info, priv);
}

SEC("fexit/drm_gem_dmabuf_export")
int BPF_PROG(fexit_drm_gem_dmabuf_export, struct drm_device *dev,
	     struct dma_buf_export_info *exp_info, struct dma_buf *ret)
{
	return on_gem_export(ctx, PT_EV_GEM_DMABUF_EXPORT, PT_HOOK_GEM_DMABUF_EXPORT,
			     exp_info_priv(exp_info), BPF_CORE_READ(exp_info, flags), ret);
}

SEC("kprobe/drm_gem_dmabuf_export")
int BPF_KPROBE(kprobe_drm_gem_dmabuf_export, void *dev, struct dma_buf_export_info *exp_info)
{
	stash_args(PT_HOOK_GEM_DMABUF_EXPORT, (__u64)exp_info_priv(exp_info),
		   BPF_CORE_READ(exp_info, flags), 0, 0, 0);
	return 0;
}

SEC("kretprobe/drm_gem_dmabuf_export")
int BPF_KRETPROBE(kretprobe_drm_gem_dmabuf_export, struct dma_buf *ret)
{
	struct pt_saved a;

	if (!take_args(PT_HOOK_GEM_DMABUF_EXPORT, &a))
		return 0;
	return on_gem_export(ctx, PT_EV_GEM_DMABUF_EXPORT, PT_HOOK_GEM_DMABUF_EXPORT,
			     (void *)ARG(0), ARG(1), ret);
}

/* imports: the generic helper, its wrapper, and shmem's own (6.17+) */
SEC("fexit/drm_gem_prime_import_dev")
int BPF_PROG(fexit_drm_gem_prime_import_dev, struct drm_device *dev, struct dma_buf *dmabuf,
	     struct device *attach_dev, struct drm_gem_object *ret)
{
	return on_gem_import(ctx, PT_HOOK_GEM_PRIME_IMPORT_DEV, dev, dmabuf, attach_dev, ret);
}

SEC("kprobe/drm_gem_prime_import_dev")
int BPF_KPROBE(kprobe_drm_gem_prime_import_dev, void *dev, void *dmabuf, void *attach_dev)
{
	stash_args(PT_HOOK_GEM_PRIME_IMPORT_DEV, (__u64)dev, (__u64)dmabuf, (__u64)attach_dev, 0,
		   0);
	return 0;
}

SEC("kretprobe/drm_gem_prime_import_dev")
int BPF_KRETPROBE(kretprobe_drm_gem_prime_import_dev, struct drm_gem_object *ret)
{
	struct pt_saved a;

	if (!take_args(PT_HOOK_GEM_PRIME_IMPORT_DEV, &a))
		return 0;
	return on_gem_import(ctx, PT_HOOK_GEM_PRIME_IMPORT_DEV, (void *)ARG(0), (void *)ARG(1),
			     (void *)ARG(2), ret);
}

SEC("fexit/drm_gem_prime_import")
int BPF_PROG(fexit_drm_gem_prime_import, struct drm_device *dev, struct dma_buf *dmabuf,
	     struct drm_gem_object *ret)
{
	return on_gem_import(ctx, PT_HOOK_GEM_PRIME_IMPORT, dev, dmabuf, NULL, ret);
}

SEC("kprobe/drm_gem_prime_import")
int BPF_KPROBE(kprobe_drm_gem_prime_import, void *dev, void *dmabuf)
{
	stash_args(PT_HOOK_GEM_PRIME_IMPORT, (__u64)dev, (__u64)dmabuf, 0, 0, 0);
	return 0;
}

SEC("kretprobe/drm_gem_prime_import")
int BPF_KRETPROBE(kretprobe_drm_gem_prime_import, struct drm_gem_object *ret)
{
	struct pt_saved a;

	if (!take_args(PT_HOOK_GEM_PRIME_IMPORT, &a))
		return 0;
	return on_gem_import(ctx, PT_HOOK_GEM_PRIME_IMPORT, (void *)ARG(0), (void *)ARG(1), NULL,
			     ret);
}

SEC("fexit/drm_gem_shmem_prime_import_no_map")
int BPF_PROG(fexit_drm_gem_shmem_prime_import_no_map, struct drm_device *dev,
	     struct dma_buf *dmabuf, struct drm_gem_object *ret)
{
	return on_gem_import(ctx, PT_HOOK_GEM_SHMEM_PRIME_IMPORT_NO_MAP, dev, dmabuf, NULL, ret);
}

SEC("kprobe/drm_gem_shmem_prime_import_no_map")
int BPF_KPROBE(kprobe_drm_gem_shmem_prime_import_no_map, void *dev, void *dmabuf)
{
	stash_args(PT_HOOK_GEM_SHMEM_PRIME_IMPORT_NO_MAP, (__u64)dev, (__u64)dmabuf, 0, 0, 0);
	return 0;
}

SEC("kretprobe/drm_gem_shmem_prime_import_no_map")
int BPF_KRETPROBE(kretprobe_drm_gem_shmem_prime_import_no_map, struct drm_gem_object *ret)
{
	struct pt_saved a;

	if (!take_args(PT_HOOK_GEM_SHMEM_PRIME_IMPORT_NO_MAP, &a))
		return 0;
	return on_gem_import(ctx, PT_HOOK_GEM_SHMEM_PRIME_IMPORT_NO_MAP, (void *)ARG(0),
			     (void *)ARG(1), NULL, ret);
}

/* drm_gem_dmabuf_release(): the exporter drops the dma-buf's GEM reference */
SEC("fentry/drm_gem_dmabuf_release")
int BPF_PROG(fentry_drm_gem_dmabuf_release, struct dma_buf *dmabuf)
{
	return on_gem_dmabuf_release(ctx, PT_HOOK_GEM_DMABUF_RELEASE, dmabuf);
}

SEC("kprobe/drm_gem_dmabuf_release")
int BPF_KPROBE(kprobe_drm_gem_dmabuf_release, struct dma_buf *dmabuf)
{
	return on_gem_dmabuf_release(ctx, PT_HOOK_GEM_DMABUF_RELEASE, dmabuf);
}

/* drm_prime_gem_destroy(): an importer frees its object */
SEC("fentry/drm_prime_gem_destroy")
int BPF_PROG(fentry_drm_prime_gem_destroy, struct drm_gem_object *obj, struct sg_table *sg)
{
	return on_prime_gem_destroy(ctx, PT_HOOK_PRIME_GEM_DESTROY, obj, sg);
}

SEC("kprobe/drm_prime_gem_destroy")
int BPF_KPROBE(kprobe_drm_prime_gem_destroy, struct drm_gem_object *obj, struct sg_table *sg)
{
	return on_prime_gem_destroy(ctx, PT_HOOK_PRIME_GEM_DESTROY, obj, sg);
}

/* GEM handles */
SEC("fexit/drm_gem_handle_create_tail")
int BPF_PROG(fexit_drm_gem_handle_create_tail, struct drm_file *file,
	     struct drm_gem_object *obj, __u32 *handlep, int ret)
{
	return on_gem_handle_create(ctx, PT_HOOK_GEM_HANDLE_CREATE_TAIL, file, obj, handlep, ret,
				    PT_STACKS_NOW);
}

SEC("kprobe/drm_gem_handle_create_tail")
int BPF_KPROBE(kprobe_drm_gem_handle_create_tail, void *file, void *obj, __u32 *handlep)
{
	__u64 stacks = 0;

	if (cfg.tables && (cfg.want_kstack || cfg.want_ustack) && task_wanted())
		stacks = table_stacks_now(ctx);
	stash_args(PT_HOOK_GEM_HANDLE_CREATE_TAIL, (__u64)file, (__u64)obj, (__u64)handlep,
		   stacks, 0);
	return 0;
}

SEC("kretprobe/drm_gem_handle_create_tail")
int BPF_KRETPROBE(kretprobe_drm_gem_handle_create_tail, int ret)
{
	struct pt_saved a;

	if (!take_args(PT_HOOK_GEM_HANDLE_CREATE_TAIL, &a))
		return 0;
	return on_gem_handle_create(ctx, PT_HOOK_GEM_HANDLE_CREATE_TAIL, (void *)ARG(0),
				    (void *)ARG(1), (void *)ARG(2), ret, ARG(3));
}

/* every handle goes through here: GEM_CLOSE and the close of the DRM file */
SEC("fentry/drm_gem_object_release_handle")
int BPF_PROG(fentry_drm_gem_object_release_handle, int id, void *ptr, void *data)
{
	return on_gem_handle_delete(ctx, PT_HOOK_GEM_OBJECT_RELEASE_HANDLE, data, ptr, id);
}

SEC("kprobe/drm_gem_object_release_handle")
int BPF_KPROBE(kprobe_drm_gem_object_release_handle, int id, void *ptr, void *data)
{
	return on_gem_handle_delete(ctx, PT_HOOK_GEM_OBJECT_RELEASE_HANDLE, data, ptr, id);
}

/* used only where drm_gem_object_release_handle cannot be hooked */
SEC("fentry/drm_gem_handle_delete")
int BPF_PROG(fentry_drm_gem_handle_delete, struct drm_file *file, __u32 handle)
{
	return on_gem_handle_delete(ctx, PT_HOOK_GEM_HANDLE_DELETE, file, NULL, handle);
}

SEC("kprobe/drm_gem_handle_delete")
int BPF_KPROBE(kprobe_drm_gem_handle_delete, struct drm_file *file, __u32 handle)
{
	return on_gem_handle_delete(ctx, PT_HOOK_GEM_HANDLE_DELETE, file, NULL, handle);
}

/*
 * Every GEM driver's free callback calls drm_gem_object_release(), always
 * from another compilation unit. drm_gem_object_free() is the kref release
 * but is inlined into drm_gem.c's own puts (the last handle going away),
 * so it misses those frees: it is only the fallback.
 */
SEC("fentry/drm_gem_object_release")
int BPF_PROG(fentry_drm_gem_object_release, struct drm_gem_object *obj)
{
	return on_gem_free(ctx, PT_HOOK_GEM_OBJECT_RELEASE, obj);
}

SEC("kprobe/drm_gem_object_release")
int BPF_KPROBE(kprobe_drm_gem_object_release, struct drm_gem_object *obj)
{
	return on_gem_free(ctx, PT_HOOK_GEM_OBJECT_RELEASE, obj);
}

static __always_inline struct drm_gem_object *kref_gem(struct kref *kref)
{
	if (!bpf_core_type_exists(struct drm_gem_object))
		return NULL;
	return (void *)kref - bpf_core_field_offset(struct drm_gem_object, refcount);
}

SEC("fentry/drm_gem_object_free")
int BPF_PROG(fentry_drm_gem_object_free, struct kref *kref)
{
	return on_gem_free(ctx, PT_HOOK_GEM_OBJECT_FREE, kref_gem(kref));
}

SEC("kprobe/drm_gem_object_free")
int BPF_KPROBE(kprobe_drm_gem_object_free, struct kref *kref)
{
	return on_gem_free(ctx, PT_HOOK_GEM_OBJECT_FREE, kref_gem(kref));
}

/* the PRIME lookup cache */
SEC("fexit/drm_prime_add_buf_handle")
int BPF_PROG(fexit_drm_prime_add_buf_handle, void *prime_fpriv, struct dma_buf *dmabuf,
	     __u32 handle, int ret)
{
	return on_prime_cache_add(ctx, PT_HOOK_PRIME_ADD_BUF_HANDLE, prime_fpriv, dmabuf, handle,
				  ret);
}

SEC("kprobe/drm_prime_add_buf_handle")
int BPF_KPROBE(kprobe_drm_prime_add_buf_handle, void *prime_fpriv, void *dmabuf, __u32 handle)
{
	stash_args(PT_HOOK_PRIME_ADD_BUF_HANDLE, (__u64)prime_fpriv, (__u64)dmabuf, handle, 0, 0);
	return 0;
}

SEC("kretprobe/drm_prime_add_buf_handle")
int BPF_KRETPROBE(kretprobe_drm_prime_add_buf_handle, int ret)
{
	struct pt_saved a;

	if (!take_args(PT_HOOK_PRIME_ADD_BUF_HANDLE, &a))
		return 0;
	return on_prime_cache_add(ctx, PT_HOOK_PRIME_ADD_BUF_HANDLE, (void *)ARG(0),
				  (void *)ARG(1), ARG(2), ret);
}

SEC("fentry/drm_prime_remove_buf_handle")
int BPF_PROG(fentry_drm_prime_remove_buf_handle, void *prime_fpriv, __u32 handle)
{
	return stash_prime_cache_remove(PT_HOOK_PRIME_REMOVE_BUF_HANDLE, prime_fpriv, handle);
}

SEC("fexit/drm_prime_remove_buf_handle")
int BPF_PROG(fexit_drm_prime_remove_buf_handle, void *prime_fpriv, __u32 handle)
{
	return on_prime_cache_remove(ctx, PT_HOOK_PRIME_REMOVE_BUF_HANDLE);
}

SEC("kprobe/drm_prime_remove_buf_handle")
int BPF_KPROBE(kprobe_drm_prime_remove_buf_handle, void *prime_fpriv, __u32 handle)
{
	return stash_prime_cache_remove(PT_HOOK_PRIME_REMOVE_BUF_HANDLE, prime_fpriv, handle);
}

SEC("kretprobe/drm_prime_remove_buf_handle")
int BPF_KRETPROBE(kretprobe_drm_prime_remove_buf_handle)
{
	return on_prime_cache_remove(ctx, PT_HOOK_PRIME_REMOVE_BUF_HANDLE);
}

/* dma-buf core */
SEC("fexit/dma_buf_export")
int BPF_PROG(fexit_dma_buf_export, struct dma_buf_export_info *exp_info, struct dma_buf *ret)
{
	return on_dmabuf_export(ctx, PT_HOOK_DMA_BUF_EXPORT, exp_info, ret);
}

SEC("kprobe/dma_buf_export")
int BPF_KPROBE(kprobe_dma_buf_export, void *exp_info)
{
	stash_args(PT_HOOK_DMA_BUF_EXPORT, (__u64)exp_info, 0, 0, 0, 0);
	return 0;
}

SEC("kretprobe/dma_buf_export")
int BPF_KRETPROBE(kretprobe_dma_buf_export, struct dma_buf *ret)
{
	struct pt_saved a;

	if (!take_args(PT_HOOK_DMA_BUF_EXPORT, &a))
		return 0;
	return on_dmabuf_export(ctx, PT_HOOK_DMA_BUF_EXPORT, (void *)ARG(0), ret);
}

SEC("fexit/dma_buf_fd")
int BPF_PROG(fexit_dma_buf_fd, struct dma_buf *dmabuf, int flags, int ret)
{
	return on_dmabuf(ctx, PT_EV_DMABUF_FD, PT_HOOK_DMA_BUF_FD, dmabuf, ret < 0 ? -1 : ret,
			 flags, ret < 0 ? ret : 0);
}

SEC("kprobe/dma_buf_fd")
int BPF_KPROBE(kprobe_dma_buf_fd, void *dmabuf, int flags)
{
	stash_args(PT_HOOK_DMA_BUF_FD, (__u64)dmabuf, flags, 0, 0, 0);
	return 0;
}

SEC("kretprobe/dma_buf_fd")
int BPF_KRETPROBE(kretprobe_dma_buf_fd, int ret)
{
	struct pt_saved a;

	if (!take_args(PT_HOOK_DMA_BUF_FD, &a))
		return 0;
	return on_dmabuf(ctx, PT_EV_DMABUF_FD, PT_HOOK_DMA_BUF_FD, (void *)ARG(0),
			 ret < 0 ? -1 : ret, ARG(1), ret < 0 ? ret : 0);
}

SEC("fexit/dma_buf_fd_install")
int BPF_PROG(fexit_dma_buf_fd_install, struct dma_buf *dmabuf, int fd)
{
	return on_dmabuf(ctx, PT_EV_DMABUF_FD_INSTALL, PT_HOOK_DMA_BUF_FD_INSTALL, dmabuf, fd, 0,
			 0);
}

SEC("kprobe/dma_buf_fd_install")
int BPF_KPROBE(kprobe_dma_buf_fd_install, void *dmabuf, int fd)
{
	stash_args(PT_HOOK_DMA_BUF_FD_INSTALL, (__u64)dmabuf, fd, 0, 0, 0);
	return 0;
}

SEC("kretprobe/dma_buf_fd_install")
int BPF_KRETPROBE(kretprobe_dma_buf_fd_install)
{
	struct pt_saved a;

	if (!take_args(PT_HOOK_DMA_BUF_FD_INSTALL, &a))
		return 0;
	return on_dmabuf(ctx, PT_EV_DMABUF_FD_INSTALL, PT_HOOK_DMA_BUF_FD_INSTALL, (void *)ARG(0),
			 ARG(1), 0, 0);
}

SEC("fexit/dma_buf_get")
int BPF_PROG(fexit_dma_buf_get, int fd, struct dma_buf *ret)
{
	return on_dmabuf_get(ctx, PT_HOOK_DMA_BUF_GET, fd, ret);
}

SEC("kprobe/dma_buf_get")
int BPF_KPROBE(kprobe_dma_buf_get, int fd)
{
	stash_args(PT_HOOK_DMA_BUF_GET, fd, 0, 0, 0, 0);
	return 0;
}

SEC("kretprobe/dma_buf_get")
int BPF_KRETPROBE(kretprobe_dma_buf_get, struct dma_buf *ret)
{
	struct pt_saved a;

	if (!take_args(PT_HOOK_DMA_BUF_GET, &a))
		return 0;
	return on_dmabuf_get(ctx, PT_HOOK_DMA_BUF_GET, (int)ARG(0), ret);
}

/* dma_buf_attach() is a wrapper of dma_buf_dynamic_attach() */
SEC("fexit/dma_buf_dynamic_attach")
int BPF_PROG(fexit_dma_buf_dynamic_attach, struct dma_buf *dmabuf, struct device *dev,
	     const struct dma_buf_attach_ops *importer_ops, void *importer_priv,
	     struct dma_buf_attachment *ret)
{
	return on_attach(ctx, PT_EV_DMABUF_ATTACH, PT_HOOK_DMA_BUF_DYNAMIC_ATTACH, dmabuf, dev, ret,
			 importer_ops ? PT_ATTACH_DYNAMIC : 0);
}

SEC("kprobe/dma_buf_dynamic_attach")
int BPF_KPROBE(kprobe_dma_buf_dynamic_attach, void *dmabuf, void *dev, void *importer_ops)
{
	stash_args(PT_HOOK_DMA_BUF_DYNAMIC_ATTACH, (__u64)dmabuf, (__u64)dev,
		   importer_ops ? PT_ATTACH_DYNAMIC : 0, 0, 0);
	return 0;
}

SEC("kretprobe/dma_buf_dynamic_attach")
int BPF_KRETPROBE(kretprobe_dma_buf_dynamic_attach, struct dma_buf_attachment *ret)
{
	struct pt_saved a;

	if (!take_args(PT_HOOK_DMA_BUF_DYNAMIC_ATTACH, &a))
		return 0;
	return on_attach(ctx, PT_EV_DMABUF_ATTACH, PT_HOOK_DMA_BUF_DYNAMIC_ATTACH, (void *)ARG(0),
			 (void *)ARG(1), ret, ARG(2));
}

SEC("fexit/dma_buf_attach")
int BPF_PROG(fexit_dma_buf_attach, struct dma_buf *dmabuf, struct device *dev,
	     struct dma_buf_attachment *ret)
{
	return on_attach(ctx, PT_EV_DMABUF_ATTACH, PT_HOOK_DMA_BUF_ATTACH, dmabuf, dev, ret, 0);
}

SEC("kprobe/dma_buf_attach")
int BPF_KPROBE(kprobe_dma_buf_attach, void *dmabuf, void *dev)
{
	stash_args(PT_HOOK_DMA_BUF_ATTACH, (__u64)dmabuf, (__u64)dev, 0, 0, 0);
	return 0;
}

SEC("kretprobe/dma_buf_attach")
int BPF_KRETPROBE(kretprobe_dma_buf_attach, struct dma_buf_attachment *ret)
{
	struct pt_saved a;

	if (!take_args(PT_HOOK_DMA_BUF_ATTACH, &a))
		return 0;
	return on_attach(ctx, PT_EV_DMABUF_ATTACH, PT_HOOK_DMA_BUF_ATTACH, (void *)ARG(0),
			 (void *)ARG(1), ret, 0);
}

SEC("fentry/dma_buf_detach")
int BPF_PROG(fentry_dma_buf_detach, struct dma_buf *dmabuf, struct dma_buf_attachment *attach)
{
	return on_attach(ctx, PT_EV_DMABUF_DETACH, PT_HOOK_DMA_BUF_DETACH, dmabuf,
			 BPF_CORE_READ(attach, dev), attach, 0);
}

SEC("kprobe/dma_buf_detach")
int BPF_KPROBE(kprobe_dma_buf_detach, struct dma_buf *dmabuf, struct dma_buf_attachment *attach)
{
	return on_attach(ctx, PT_EV_DMABUF_DETACH, PT_HOOK_DMA_BUF_DETACH, dmabuf,
			 BPF_CORE_READ(attach, dev), attach, 0);
}

/* the _unlocked variants take the reservation lock and call these */
SEC("fexit/dma_buf_map_attachment")
int BPF_PROG(fexit_dma_buf_map_attachment, struct dma_buf_attachment *attach, int dir,
	     struct sg_table *ret)
{
	return on_map(ctx, PT_EV_DMABUF_MAP, PT_HOOK_DMA_BUF_MAP_ATTACHMENT, attach, ret, dir);
}

SEC("kprobe/dma_buf_map_attachment")
int BPF_KPROBE(kprobe_dma_buf_map_attachment, void *attach, int dir)
{
	stash_args(PT_HOOK_DMA_BUF_MAP_ATTACHMENT, (__u64)attach, dir, 0, 0, 0);
	return 0;
}

SEC("kretprobe/dma_buf_map_attachment")
int BPF_KRETPROBE(kretprobe_dma_buf_map_attachment, struct sg_table *ret)
{
	struct pt_saved a;

	if (!take_args(PT_HOOK_DMA_BUF_MAP_ATTACHMENT, &a))
		return 0;
	return on_map(ctx, PT_EV_DMABUF_MAP, PT_HOOK_DMA_BUF_MAP_ATTACHMENT, (void *)ARG(0), ret,
		      ARG(1));
}

SEC("fentry/dma_buf_unmap_attachment")
int BPF_PROG(fentry_dma_buf_unmap_attachment, struct dma_buf_attachment *attach,
	     struct sg_table *sgt, int dir)
{
	return on_map(ctx, PT_EV_DMABUF_UNMAP, PT_HOOK_DMA_BUF_UNMAP_ATTACHMENT, attach, sgt, dir);
}

SEC("kprobe/dma_buf_unmap_attachment")
int BPF_KPROBE(kprobe_dma_buf_unmap_attachment, struct dma_buf_attachment *attach,
	       struct sg_table *sgt, int dir)
{
	return on_map(ctx, PT_EV_DMABUF_UNMAP, PT_HOOK_DMA_BUF_UNMAP_ATTACHMENT, attach, sgt, dir);
}

/* mmap() of a dma-buf fd */
SEC("fexit/dma_buf_mmap_internal")
int BPF_PROG(fexit_dma_buf_mmap_internal, struct file *file, struct vm_area_struct *vma,
	     int ret)
{
	return on_mmap(ctx, PT_HOOK_DMA_BUF_MMAP_INTERNAL, BPF_CORE_READ(file, private_data), vma,
		       ret);
}

SEC("kprobe/dma_buf_mmap_internal")
int BPF_KPROBE(kprobe_dma_buf_mmap_internal, struct file *file, void *vma)
{
	stash_args(PT_HOOK_DMA_BUF_MMAP_INTERNAL, (__u64)BPF_CORE_READ(file, private_data),
		   (__u64)vma, 0, 0, 0);
	return 0;
}

SEC("kretprobe/dma_buf_mmap_internal")
int BPF_KRETPROBE(kretprobe_dma_buf_mmap_internal, int ret)
{
	struct pt_saved a;

	if (!take_args(PT_HOOK_DMA_BUF_MMAP_INTERNAL, &a))
		return 0;
	return on_mmap(ctx, PT_HOOK_DMA_BUF_MMAP_INTERNAL, (void *)ARG(0), (void *)ARG(1), ret);
}

/* a driver forwarding the mmap of an imported object to the exporter */
SEC("fexit/dma_buf_mmap")
int BPF_PROG(fexit_dma_buf_mmap, struct dma_buf *dmabuf, struct vm_area_struct *vma,
	     unsigned long pgoff, int ret)
{
	return on_mmap(ctx, PT_HOOK_DMA_BUF_MMAP, dmabuf, vma, ret);
}

SEC("kprobe/dma_buf_mmap")
int BPF_KPROBE(kprobe_dma_buf_mmap, void *dmabuf, void *vma)
{
	stash_args(PT_HOOK_DMA_BUF_MMAP, (__u64)dmabuf, (__u64)vma, 0, 0, 0);
	return 0;
}

SEC("kretprobe/dma_buf_mmap")
int BPF_KRETPROBE(kretprobe_dma_buf_mmap, int ret)
{
	struct pt_saved a;

	if (!take_args(PT_HOOK_DMA_BUF_MMAP, &a))
		return 0;
	return on_mmap(ctx, PT_HOOK_DMA_BUF_MMAP, (void *)ARG(0), (void *)ARG(1), ret);
}

/* kernel mappings; the _unlocked variants call these */
SEC("fexit/dma_buf_vmap")
int BPF_PROG(fexit_dma_buf_vmap, struct dma_buf *dmabuf, struct iosys_map *map, int ret)
{
	return on_vmap(ctx, PT_EV_DMABUF_VMAP, PT_HOOK_DMA_BUF_VMAP, dmabuf, map, ret);
}

SEC("kprobe/dma_buf_vmap")
int BPF_KPROBE(kprobe_dma_buf_vmap, void *dmabuf, void *map)
{
	stash_args(PT_HOOK_DMA_BUF_VMAP, (__u64)dmabuf, (__u64)map, 0, 0, 0);
	return 0;
}

SEC("kretprobe/dma_buf_vmap")
int BPF_KRETPROBE(kretprobe_dma_buf_vmap, int ret)
{
	struct pt_saved a;

	if (!take_args(PT_HOOK_DMA_BUF_VMAP, &a))
		return 0;
	return on_vmap(ctx, PT_EV_DMABUF_VMAP, PT_HOOK_DMA_BUF_VMAP, (void *)ARG(0),
		       (void *)ARG(1), ret);
}

SEC("fentry/dma_buf_vunmap")
int BPF_PROG(fentry_dma_buf_vunmap, struct dma_buf *dmabuf, struct iosys_map *map)
{
	return on_vmap(ctx, PT_EV_DMABUF_VUNMAP, PT_HOOK_DMA_BUF_VUNMAP, dmabuf, map, 0);
}

SEC("kprobe/dma_buf_vunmap")
int BPF_KPROBE(kprobe_dma_buf_vunmap, struct dma_buf *dmabuf, struct iosys_map *map)
{
	return on_vmap(ctx, PT_EV_DMABUF_VUNMAP, PT_HOOK_DMA_BUF_VUNMAP, dmabuf, map, 0);
}

/* the last fput() of a dma-buf file, then the free of the dma-buf */
SEC("fentry/dma_buf_file_release")
int BPF_PROG(fentry_dma_buf_file_release, struct inode *inode, struct file *file)
{
	return on_file_release(ctx, PT_HOOK_DMA_BUF_FILE_RELEASE, file);
}

SEC("kprobe/dma_buf_file_release")
int BPF_KPROBE(kprobe_dma_buf_file_release, struct inode *inode, struct file *file)
{
	return on_file_release(ctx, PT_HOOK_DMA_BUF_FILE_RELEASE, file);
}

SEC("fentry/dma_buf_release")
int BPF_PROG(fentry_dma_buf_release, struct dentry *dentry)
{
	return on_release(ctx, PT_HOOK_DMA_BUF_RELEASE, dentry);
}

SEC("kprobe/dma_buf_release")
int BPF_KPROBE(kprobe_dma_buf_release, struct dentry *dentry)
{
	return on_release(ctx, PT_HOOK_DMA_BUF_RELEASE, dentry);
}

/*
 * The dma_buf:* tracepoints of 7.x, for --attach tracepoint or a kernel
 * where neither flavour above attaches. They fire on success only and
 * carry the dma-buf (and fd or attachment), not return codes or mappings.
 */
SEC("tp_btf/dma_buf_export")
int BPF_PROG(tp_dma_buf_export, struct dma_buf *dmabuf)
{
	return on_dmabuf(ctx, PT_EV_DMABUF_EXPORT, PT_HOOK_DMA_BUF_EXPORT, dmabuf, -1, 0, 0);
}

SEC("tp_btf/dma_buf_fd")
int BPF_PROG(tp_dma_buf_fd, struct dma_buf *dmabuf, int fd)
{
	return on_dmabuf(ctx, PT_EV_DMABUF_FD, PT_HOOK_DMA_BUF_FD, dmabuf, fd, 0, 0);
}

SEC("tp_btf/dma_buf_get")
int BPF_PROG(tp_dma_buf_get, struct dma_buf *dmabuf, int fd)
{
	return on_dmabuf(ctx, PT_EV_DMABUF_GET, PT_HOOK_DMA_BUF_GET, dmabuf, fd, 0, 0);
}

SEC("tp_btf/dma_buf_dynamic_attach")
int BPF_PROG(tp_dma_buf_dynamic_attach, struct dma_buf *dmabuf,
	     struct dma_buf_attachment *attach, bool is_dynamic, struct device *dev)
{
	return on_attach(ctx, PT_EV_DMABUF_ATTACH, PT_HOOK_DMA_BUF_DYNAMIC_ATTACH, dmabuf, dev,
			 attach, is_dynamic ? PT_ATTACH_DYNAMIC : 0);
}

SEC("tp_btf/dma_buf_detach")
int BPF_PROG(tp_dma_buf_detach, struct dma_buf *dmabuf, struct dma_buf_attachment *attach,
	     bool is_dynamic, struct device *dev)
{
	return on_attach(ctx, PT_EV_DMABUF_DETACH, PT_HOOK_DMA_BUF_DETACH, dmabuf, dev, attach,
			 is_dynamic ? PT_ATTACH_DYNAMIC : 0);
}

SEC("tp_btf/dma_buf_mmap_internal")
int BPF_PROG(tp_dma_buf_mmap_internal, struct dma_buf *dmabuf)
{
	return on_dmabuf(ctx, PT_EV_DMABUF_MMAP, PT_HOOK_DMA_BUF_MMAP_INTERNAL, dmabuf, -1, 0, 0);
}

SEC("tp_btf/dma_buf_mmap")
int BPF_PROG(tp_dma_buf_mmap, struct dma_buf *dmabuf)
{
	return on_dmabuf(ctx, PT_EV_DMABUF_MMAP, PT_HOOK_DMA_BUF_MMAP, dmabuf, -1, 0, 0);
}

/*
 * The last thread of a process that produced events exits: its fds and
 * mappings are gone from here on. Not one of the hooks: it attaches on
 * every kernel and filters by task like them.
 */
SEC("tracepoint/sched/sched_process_exit")
int tp_sched_process_exit(void *ctx)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct pt_event *e;

	if (!bpf_map_lookup_elem(&seen_tgids, &tgid) || BPF_CORE_READ(task, signal, live.counter))
		return 0;
	if (cfg.table_extra & PT_TX_PROCS)
		bpf_map_delete_elem(&proc_counts, &tgid);
	/* an exit touches no device: a device filter keeps it out */
	if (cfg.targ_minor >= 0 || cfg.filter_driver || !task_wanted())
		return 0;
	bpf_map_delete_elem(&seen_tgids, &tgid);
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_drop(PT_EV_TASK_EXIT);
		return 0;
	}
	record_init(e, PT_EV_TASK_EXIT, bpf_get_current_pid_tgid());
	bpf_ringbuf_submit(e, rb_flags());
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
