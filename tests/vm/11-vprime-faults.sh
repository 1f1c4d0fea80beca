#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# vprime fault knobs: each scenario runs with its knob off, then on, and
# the ground truth must differ in exactly the values docs/vprime.md lists.
# The faults that replace the core's PRIME ioctls (the cache bypasses,
# export_new_dmabuf) need vprime's own PRIME hooks, which kernels from 6.6
# on do not use by default: there, check that those knobs refuse, then
# reload vprime with prime_hooks=1 and run them again.
. testlib.sh

vprime_paths faults || failed=1

faults=/sys/kernel/debug/vprime/0/faults
unsupported=
for k in "$faults"/*; do
	grep -qx unsupported "$k" && unsupported="$unsupported $(basename "$k")"
done
if [ -n "$unsupported" ]; then
	ko=/lib/modules/$(uname -r)/vprime.ko
	check "vprime: reload with prime_hooks=1" sh -c "rmmod vprime && insmod $ko prime_hooks=1"
	for k in $unsupported; do
		if grep -qx 0 "$faults/$k"; then
			vprime_paths fault "$k" || failed=1
		else
			fail "vprime: prime_hooks=1: $k" "the knob is still unsupported"
		fi
	done
fi
exit $failed
