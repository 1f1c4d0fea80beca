#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# vprime fault knobs: each scenario runs with its knob off, then on, and
# the ground truth must differ in exactly the values docs/vprime.md lists.
# The cache bypasses need vprime's own PRIME hooks, which kernels from 6.6
# on do not use by default: there, check that the knobs refuse, then reload
# vprime with prime_hooks=1 and run those two again.
. testlib.sh

vprime_paths faults || failed=1

knob=/sys/kernel/debug/vprime/0/faults/import_bypass_cache
if grep -qx unsupported "$knob"; then
	ko=/lib/modules/$(uname -r)/vprime.ko
	check "vprime: reload with prime_hooks=1" sh -c "rmmod vprime && insmod $ko prime_hooks=1"
	if grep -qx 0 "$knob"; then
		vprime_paths fault import_bypass_cache || failed=1
		vprime_paths fault export_bypass_cache || failed=1
	else
		fail "vprime: prime_hooks=1" "the bypass knobs are still unsupported"
	fi
fi
exit $failed
