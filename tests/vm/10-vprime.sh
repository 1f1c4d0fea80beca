#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# vprime, faults off: every PRIME path on two vprime devices, vgem and
# virtio-gpu, each step checked against debugfs (vprime_paths paths); then
# module hygiene: what keeps vprime loaded, a clean unload, a clean reload.
. testlib.sh

vprime_paths paths || failed=1
vprime_paths unload || failed=1

if [ -d /sys/module/vprime ]; then
	skip "vprime: reload" "vprime is still loaded"
else
	check "vprime: reload after unload" insmod "/lib/modules/$(uname -r)/vprime.ko"
	check "vprime: the reloaded devices start empty" \
		sh -c 'grep -qx "objects 0" /sys/kernel/debug/vprime/0/objects &&
		       grep -qx "objects 0" /sys/kernel/debug/vprime/1/objects'
fi
exit $failed
