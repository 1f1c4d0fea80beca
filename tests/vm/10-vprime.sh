#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# vprime, faults off: every PRIME path on two vprime devices, vgem and
# virtio-gpu, each step checked against debugfs (vprime_paths paths); then
# module hygiene: what keeps vprime loaded, a clean unload, a clean reload,
# and the module parameters' limits.
. testlib.sh

vprime_paths paths || failed=1
vprime_paths unload || failed=1

ko=/lib/modules/$(uname -r)/vprime.ko
dbg=/sys/kernel/debug/vprime
if [ -d /sys/module/vprime ]; then
	skip "vprime: reload" "vprime is still loaded"
	exit $failed
fi
check "vprime: reload after unload" insmod "$ko"
check "vprime: the reloaded devices start empty" \
	sh -c "grep -qx 'objects 0' $dbg/0/objects && grep -qx 'objects 0' $dbg/1/objects"

check "vprime: devices=9 is refused" sh -c "rmmod vprime && ! insmod $ko devices=9"
check "vprime: devices=0 is refused" sh -c "! insmod $ko devices=0"
check "vprime: max_size_mb=0 is refused" sh -c "! insmod $ko max_size_mb=0"
check "vprime: a refused load leaves no debugfs behind" sh -c "[ ! -e $dbg ]"
check "vprime: devices=8 registers eight devices" \
	sh -c "insmod $ko devices=8 && [ \$(ls $dbg | wc -l) = 8 ] && grep -q renderD $dbg/7/card"
check "vprime: back to the defaults" \
	sh -c "rmmod vprime && insmod $ko && [ \$(ls $dbg | wc -l) = 2 ]"
exit $failed
