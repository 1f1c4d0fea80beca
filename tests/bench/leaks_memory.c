// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Bytes the lifetime model keeps per live buffer. N buffers are created,
 * exported (an fd held), imported into a second device (an attachment, an
 * import object and its handle) and mapped, with the events the kernel
 * hooks emit for that, stacks included (one call path, as a loop leaking
 * buffers has); none is released. The model's own accounting of its heap
 * (pm_model_bytes) and the C library's (mallinfo2) are divided by N.
 *
 *   leaks_memory [N]   (default 10000; tools/bench runs 10000 and 100000)
 *
 * Prints one line of key=value; a ratio, not a timing: nothing is asserted.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>

#include "model.h"

#define DMABUF(n) (0xffff888100000000ULL + (__u64)(n)*0x400)
#define OBJ(n)	  (0xffff888200000000ULL + (__u64)(n)*0x400)
#define IMPORT(n) (0xffff888300000000ULL + (__u64)(n)*0x400)
#define ATT(n)	  (0xffff888400000000ULL + (__u64)(n)*0x100)
#define FILE_A	  0xffff888500000000ULL
#define FILE_B	  0xffff888500000400ULL

static char kstack[] = "dma_buf_export+0x5;drm_gem_dmabuf_export+0x18;drm_gem_prime_export+0x73;"
		       "vprime_gem_export+0x1b;drm_gem_prime_handle_to_fd+0x1c4;"
		       "drm_ioctl_kernel+0xc6;drm_ioctl+0x22f;__x64_sys_ioctl+0x8d;"
		       "do_syscall_64+0x5d;entry_SYSCALL_64_after_hwframe+0x6e";
static char ustack[] = "__ioctl+0x3b;drmIoctl+0x28;drmPrimeHandleToFD+0x37;leak_export_loop+0x73;"
		       "main+0x22f;__libc_start_call_main+0x64;__libc_start_main+0x8a0;_start+0x21";

static struct pt_record rec(unsigned int type, __u64 ts)
{
	struct pt_record r = { 0 };

	pt_event_init(&r.ev);
	r.ev.type = type;
	r.ev.ts = ts;
	r.ev.pid = 1000;
	r.ev.tid = 1000;
	snprintf(r.ev.comm, sizeof(r.ev.comm), "bench");
	r.kstack = kstack;
	r.ustack = ustack;
	return r;
}

static void one_buffer(struct pm_model *m, unsigned int i)
{
	__u64 ts = 1000000ULL + i * 1000ULL;
	struct pt_record r;

	/* create: a handle on device a */
	r = rec(PT_EV_GEM_HANDLE_CREATE, ts);
	r.ev.file = FILE_A;
	r.ev.obj = OBJ(i);
	r.ev.obj_size = 65536;
	r.ev.handle = i + 1;
	snprintf(r.ev.driver, sizeof(r.ev.driver), "vprime");
	pm_model_feed(m, &r);
	/* export, and the fd */
	r = rec(PT_EV_DMABUF_EXPORT, ts + 1);
	r.ev.dmabuf = DMABUF(i);
	r.ev.ino = i + 1;
	r.ev.size = 65536;
	r.ev.exp_obj = OBJ(i);
	snprintf(r.ev.exp_name, sizeof(r.ev.exp_name), "drm");
	snprintf(r.ev.exp_driver, sizeof(r.ev.exp_driver), "vprime");
	pm_model_feed(m, &r);
	r.ev.type = PT_EV_PRIME_HANDLE_TO_FD;
	r.ev.obj = OBJ(i);
	r.ev.file = FILE_A;
	r.ev.handle = i + 1;
	r.ev.fd = 3 + i;
	pm_model_feed(m, &r);
	/* import on device b: get, attach, import, handle */
	r = rec(PT_EV_DMABUF_GET, ts + 2);
	r.ev.hook = PT_HOOK_DMA_BUF_GET;
	r.ev.dmabuf = DMABUF(i);
	r.ev.ino = i + 1;
	r.ev.fd = 3 + i;
	pm_model_feed(m, &r);
	r.ev.type = PT_EV_DMABUF_ATTACH;
	r.ev.fd = -1;
	r.ev.attach = ATT(i);
	snprintf(r.ev.importer, sizeof(r.ev.importer), "vprime.1");
	pm_model_feed(m, &r);
	r.ev.type = PT_EV_GEM_IMPORT;
	r.ev.obj = IMPORT(i);
	r.ev.obj_size = 65536;
	pm_model_feed(m, &r);
	r.ev.type = PT_EV_GEM_HANDLE_CREATE;
	r.ev.attach = 0;
	r.ev.file = FILE_B;
	r.ev.handle = i + 1;
	pm_model_feed(m, &r);
	r.ev.type = PT_EV_PRIME_FD_TO_HANDLE;
	r.ev.fd = 3 + i;
	pm_model_feed(m, &r);
	/* and a mapping */
	r = rec(PT_EV_DMABUF_MMAP, ts + 3);
	r.ev.dmabuf = DMABUF(i);
	r.ev.ino = i + 1;
	r.ev.addr = 0x7f0000000000ULL + (__u64)i * 0x10000;
	r.ev.len = 65536;
	pm_model_feed(m, &r);
}

int main(int argc, char **argv)
{
	unsigned int n = argc > 1 ? strtoul(argv[1], NULL, 10) : 10000;
	struct mallinfo2 before, after;
	struct pm_model *m;
	struct pm_stats st;
	size_t bytes;

	if (!n || n > 10000000) {
		fprintf(stderr, "usage: leaks_memory [N (1 to 10000000)]\n");
		return 2;
	}
	before = mallinfo2();
	m = pm_model_new(n * 16);
	if (!m)
		return 1;
	for (unsigned int i = 0; i < n; i++)
		one_buffer(m, i);
	after = mallinfo2();
	bytes = pm_model_bytes(m);
	pm_model_stats(m, &st);
	printf("leaks_memory: live_buffers=%u entries=%u untracked=%llu "
	       "bytes_per_live_buffer=%.0f malloc_bytes_per_live_buffer=%.0f "
	       "entries_per_live_buffer=%.1f\n",
	       st.bufs, st.entries, (unsigned long long)st.untracked, (double)bytes / st.bufs,
	       (double)(after.uordblks + after.hblkhd - before.uordblks - before.hblkhd) / st.bufs,
	       (double)st.entries / st.bufs);
	/* freed, so that a quadratic teardown would show as a slow bench */
	pm_model_free(m);
	return st.bufs == n ? 0 : 1;
}
