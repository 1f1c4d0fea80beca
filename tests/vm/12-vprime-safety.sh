#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# vprime, safe for a render-node user (docs/security.md): per-file kernel
# mappings, their bound, pages allocated on first use and charged to the
# caller's memory cgroup, unused uapi fields refused (vprime_safety
# checks); then what rmmod does with references that faults leaked
# (docs/vprime.md, 'leaks'): a leaked GEM reference is given back by the
# module's removal, a leaked import of a dma-buf vprime exported holds the
# module until 'echo 1 > leaks'.
. testlib.sh

vprime_safety checks || failed=1

ko=/lib/modules/$(uname -r)/vprime.ko
dbg=/sys/kernel/debug/vprime

# leaks 1 on instance 0 or 1, rmmod then clean
check "vprime: an export_extra_ref leak is made" vprime_safety leak ref
check "vprime: ... and listed" grep -qx 'leaks 1' $dbg/0/leaks
check "vprime: rmmod gives an export_extra_ref leak back" rmmod vprime
check "vprime: ... and says so" sh -c "dmesg | grep -q 'gave back 1 reference'"
check "vprime: reload" insmod "$ko"

check "vprime: an import_skip_prime_destroy leak of vprime's own dma-buf is made" \
	vprime_safety leak import
check "vprime: ... and listed" grep -qx 'leaks 1' $dbg/1/leaks
check "vprime: the leaked dma-buf holds the module: rmmod is refused" sh -c "! rmmod vprime"
check "vprime: ... the leak is still listed" grep -qx 'leaks 1' $dbg/1/leaks
check "vprime: echo 1 > leaks gives it back" sh -c "echo 1 > $dbg/1/leaks && grep -qx 'leaks 0' $dbg/1/leaks"
check "vprime: ... every object freed" \
	sh -c "grep -qx 'objects 0' $dbg/0/objects && grep -qx 'objects 0' $dbg/1/objects"
check "vprime: then rmmod succeeds" rmmod vprime
check "vprime: reload" insmod "$ko"
exit $failed
