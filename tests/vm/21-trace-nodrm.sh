#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# primetrace without DRM: with every DRM module unloaded, 'features' reports
# the DRM hooks missing (not failed) and a trace runs on the dma-buf hooks
# alone, seeing a dma-heap buffer where the kernel has one; once the modules
# are back, asking again attaches the DRM hooks.
#
# The VM boots without virtio-gpu (21-trace-nodrm.args): on 7.3, unloading
# virtio_gpu a moment after boot once WARNed in drm_mm_takedown() (its
# fbdev buffer still held an mmap offset), a race in that driver's unload
# that has nothing to do with PRIME and did not recur in 8 further boots.
. testlib.sh
. tracelib.sh

# unload what has no users until nothing is left to unload
n=0
while [ $n -lt 20 ]; do
	idle=$(awk '$3 == 0 { print $1 }' /proc/modules)
	[ -z "$idle" ] && break
	for m in $idle; do
		rmmod "$m" 2>/dev/null
	done
	n=$((n + 1))
done
if [ -d /sys/module/drm ]; then
	fail "nodrm: drm unloads" "$(cat /proc/modules | tr '\n' ' ')"
	exit 1
fi
pass "nodrm: drm unloads"

primetrace features >"$out/features.txt" 2>&1
rc=$?
[ $rc = 0 ] && pass "nodrm: features exits 0" || fail "nodrm: features exits 0" "rc=$rc"
grep -q '^drm: *not loaded' "$out/features.txt" && pass "nodrm: features says drm is not loaded" ||
	fail "nodrm: features says drm is not loaded"
bad=$(grep -E '^drm_' "$out/features.txt" | grep -Ev '^drm_[a-z_]+ +- +(missing +drm is not loaded|covered )')
[ -z "$bad" ] && pass "nodrm: every DRM hook missing, because drm is not loaded" ||
	fail "nodrm: every DRM hook missing, because drm is not loaded" "$bad"
grep -Eq '^dma_buf_export +vmlinux +fexit' "$out/features.txt" &&
	grep -Eq '^dma_buf_release +vmlinux +fentry' "$out/features.txt" &&
	pass "nodrm: the dma-buf hooks attach" || fail "nodrm: the dma-buf hooks attach"

if start_trace heap -j; then
	grep -q '^primetrace: drm is not loaded: only dma-buf is traced; run again once drm is loaded$' \
		"$out/heap.err" && grep -q '^primetrace: tracing with [0-9]* hooks (0 DRM)' "$out/heap.err" &&
		pass "nodrm: trace says only dma-buf is traced" ||
		fail "nodrm: trace says only dma-buf is traced" "$(head -n 2 "$out/heap.err")"
	if [ -e /dev/dma_heap/system ]; then
		prime_workload --heap >"$out/heap.steps"
		rc=$?
		stop_trace
		[ $rc = 0 ] && pass "nodrm: a system-heap buffer" || fail "nodrm: a system-heap buffer" "rc=$rc"
		# the fd: dma_buf_fd() up to 6.12, dma_buf_fd_install() on 7.x
		fdev=dmabuf_fd
		[ $series = 7 ] && fdev=dmabuf_fd_install
		sed "s/@FD_EVENT@/$fdev/" <<'EOS' | check_steps heap
heap_alloc dmabuf_export ino=$ino size=$size exp_name=system exp_driver= obj= ret=0 count=1
heap_alloc @FD_EVENT@ fd=$fd ino=$ino size=$size exp_name=system ret=0
heap_mmap dmabuf_mmap fd= ino=$ino len=$len ret=$ret
heap_close dmabuf_file_release ino=$ino exp_name=system
heap_close dmabuf_release ino=$ino size=$size exp_name=system
EOS
	else
		stop_trace
		skip "nodrm: a system-heap buffer" "no /dev/dma_heap/system on $krel"
	fi
	d=$(sum_field heap drops)
	[ "$d" = 0 ] && pass "nodrm: nothing dropped" || fail "nodrm: nothing dropped" "drops=$d"
else
	fail "nodrm: trace starts without drm"
fi

# the modules come back: asked again, the DRM hooks attach
while read -r mod args; do
	# shellcheck disable=SC2086
	insmod "/lib/modules/$krel/$mod" $args || echo "insmod $mod failed" >&2
done </modules.load
mdev -s 2>/dev/null
primetrace features >"$out/features2.txt" 2>&1
grep -q '^drm: *loaded' "$out/features2.txt" &&
	grep -Eq '^drm_prime_handle_to_fd_ioctl +drm +fexit' "$out/features2.txt" &&
	grep -Eq '^drm_gem_object_release +drm +fentry' "$out/features2.txt" &&
	pass "nodrm: after loading drm, the DRM hooks attach" ||
	fail "nodrm: after loading drm, the DRM hooks attach"
if start_trace reload -j; then
	prime_workload >"$out/reload.steps"
	stop_trace
	n=$(sum_count reload events_by_type prime_handle_to_fd)
	[ "$n" = 5 ] && pass "nodrm: after loading drm, the PRIME ioctls are traced" ||
		fail "nodrm: after loading drm, the PRIME ioctls are traced" "$n handle-to-fd events"
else
	fail "nodrm: trace starts after loading drm"
fi
exit $failed
