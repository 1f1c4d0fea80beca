#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# vprime builds only for the kernel series whose private struct
# drm_prime_member layout was checked (kmod/verified.h): a build for any
# other series, DKMS onto a new kernel included, stops with one clear
# error instead of walking memory of an unknown layout.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
kmod=$here/../../kmod
pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: ${2:-failed}"; failed=1; }
failed=0

# build MAJOR MINOR: preprocess verified.h as a kernel build of that series
build() {
	printf '#define LINUX_VERSION_MAJOR %s\n#define LINUX_VERSION_PATCHLEVEL %s\n#include "verified.h"\n' \
		"$1" "$2" | ${CC:-gcc} -fsyntax-only -I"$kmod" -x c - 2>&1
}

for v in "6 1" "6 12" "7 3"; do
	if out=$(build $v); then
		pass "kmod series: ${v/ /.} is verified"
	else
		fail "kmod series: ${v/ /.} is verified" "$out"
	fi
done
for v in "6 6" "6 13" "7 4" "5 15"; do
	out=$(build $v)
	if [ $? -ne 0 ] && echo "$out" | grep -q 'vprime: this kernel series is not verified'; then
		pass "kmod series: ${v/ /.} is refused with a clear message"
	else
		fail "kmod series: ${v/ /.} is refused with a clear message" "built, or: $out"
	fi
done
exit $failed
