#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# 33-prime-races: conformance/prime_races, bounded races on PRIME's lifetime
# paths (many threads importing one dma-buf while another closes the
# handles, closing the DRM fd while its dma-bufs and mappings live on,
# munmap after the last close, fork with shared DRM and dma-buf fds), on
# the device pairs of 30-conformance.sh. Each subtest checks itself that
# vprime's totals, the dma-buf count and the modules' reference counts come
# back; afterwards every vprime instance's totals must read 0.
#
# Then the proof that each subtest can fail, on vprime;vprime:1: under the
# fault export_extra_ref every subtest must fail (its leak check), under
# dmabuf_mmap_wrong_page the three that compare a dma-buf mapping with one
# through the DRM file must fail by their own assertion, and under import_bypass_cache (where this kernel has it
# without prime_hooks, i.e. before 6.6) the two that compare handles.
# Leaked references are given back after each. These runs take 20 rounds
# (PRIMETRACE_RACE_ROUNDS) instead of 200: each fault breaks every round.
#
# The binaries run unchecked here: no primetrace check server.
CHECK=
CONFORMANCE_LIB=1 . 30-conformance.sh
. testlib.sh

BIN=prime_races

# totals_zero: every line of every instance's totals reads 0
totals_zero() {
	local d
	for d in 0 1; do
		check "vprime.$d: totals 0" \
			sh -c "! grep -v ' 0\$' '$(vprime_dir $d)/totals'"
	done
}

# must_fail FAULT SUBTEST...: each subtest fails with the fault on
must_fail() {
	local fault="$1" sub result why log=/tmp/races-fault.log
	shift
	case "$(cat "$(vprime_dir 0)/faults/$fault" 2>/dev/null)" in
	0 | 1) ;;
	unsupported)
		skip "fault $fault" "this kernel cannot break that rule without prime_hooks"
		return ;;
	*) fail "fault $fault" "no such knob in $(vprime_dir 0)/faults"; return ;;
	esac
	vprime_fault "$fault" 1 || { fail "fault $fault" "cannot switch it on"; return; }
	for sub in "$@"; do
		PRIMETRACE_RACE_ROUNDS=20 $BIN --device "vprime;vprime:1" --run-subtest "$sub" \
			>"$log" 2>&1
		read -r result _ why <<-EOF
		$(igt_results <"$log" | grep " $sub " | head -n 1)
		EOF
		if [ "$result" = FAIL ]; then
			pass "fault $fault breaks $BIN/$sub: $why"
		else
			fail "fault $fault breaks $BIN/$sub" "it did not: ${result:-no result} $why"
		fi
		vprime_reclaim
	done
	vprime_fault "$fault" 0
}

run_binary vprime $BIN "vprime;vprime:1"
run_binary vprime-render $BIN \
	"/dev/dri/$(cut -d' ' -f2 "$(vprime_dir 0)/card");/dev/dri/$(cut -d' ' -f2 "$(vprime_dir 1)/card")"
run_binary vgem $BIN "vgem;vprime"
run_binary virtio_gpu $BIN "virtio_gpu;vprime"
totals_zero

must_fail export_extra_ref $($BIN --list-subtests)
must_fail dmabuf_mmap_wrong_page drm-fd-close-vs-dmabuf munmap-after-last-close fork-shared-fds
must_fail import_bypass_cache import-vs-gem-close fork-shared-fds
totals_zero
exit $failed
