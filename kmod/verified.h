/* SPDX-License-Identifier: GPL-2.0 */
/*
 * verified.h: the kernel series vprime has been checked on.
 *
 * debugfs 'files' walks the PRIME lookup cache of every DRM file through
 * struct vprime_prime_member (compat.h), a copy of struct drm_prime_member,
 * which is private to drivers/gpu/drm/drm_prime.c: no header declares it,
 * so no build can compare the two. A series is listed here once that copy
 * has been compared with drm.ko's BTF of the series (bpftool btf dump file
 * /sys/kernel/btf/drm format c) and the VM suite passes on it. Any other
 * series is refused at build time, DKMS builds included, rather than
 * walking memory of an unknown layout.
 */
#ifndef VPRIME_VERIFIED_H
#define VPRIME_VERIFIED_H

#define VPRIME_KV(major, minor)	((major) * 256 + (minor))
#define VPRIME_KV_BUILD		VPRIME_KV(LINUX_VERSION_MAJOR, LINUX_VERSION_PATCHLEVEL)

#define VPRIME_VERIFIED(kv) \
	((kv) == VPRIME_KV(6, 1) || (kv) == VPRIME_KV(6, 12) || \
	 (kv) == VPRIME_KV(7, 3))

#if !VPRIME_VERIFIED(VPRIME_KV_BUILD)
#error "vprime: this kernel series is not verified (6.1, 6.12 and 7.3 are): compare struct drm_prime_member of its drm.ko BTF with struct vprime_prime_member in compat.h, then list the series in verified.h"
#endif

#endif /* VPRIME_VERIFIED_H */
