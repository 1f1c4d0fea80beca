#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# primetrace on the build host's own kernel: usually BPF and BTF but no DRM.
# The DRM hooks must be reported missing (not failed), the dma-buf hooks
# attached or refused with a reason, a dma-buf-only trace must run or say
# in one line why it cannot; no privileges, no BTF and a recorded file
# each get a clear answer.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
data=$here/../unit/data
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
pass() { echo "PASS: $1"; }
fail() {
	echo "FAIL: $1: ${2:-failed}"
	failed=1
}
skip() { echo "SKIP: $1: ${2:-skipped}"; }
# one line on stderr, non-zero exit, not killed by a signal
one_line_error() {
	local rc=$1 err=$2
	[ "$rc" -ne 0 ] && [ "$rc" -lt 128 ] && [ "$(grep -c . "$err")" = 1 ]
}

if ! command -v primetrace >/dev/null; then
	fail "host: primetrace is built" "not on PATH"
	exit 1
fi

primetrace features >"$tmp/f.txt" 2>"$tmp/f.err"
frc=$?
if [ ! -r /sys/kernel/btf/vmlinux ]; then
	skip "host: features" "this kernel has no BTF"
	exit 0
fi
grep -q '^btf: */sys/kernel/btf/vmlinux' "$tmp/f.txt" &&
	pass "host: features finds the kernel BTF" || fail "host: features finds the kernel BTF"

if [ -d /sys/module/drm ]; then
	skip "host: DRM hooks reported missing" "drm is loaded on this host"
else
	grep -q '^drm: *not loaded' "$tmp/f.txt" &&
		pass "host: features says drm is not loaded" ||
		fail "host: features says drm is not loaded"
	bad=$(grep -E '^drm_' "$tmp/f.txt" | grep -Ev '^drm_[a-z_]+ +- +(missing|covered) ' | head -n 3)
	[ -z "$bad" ] && pass "host: every DRM hook is missing, none failed" ||
		fail "host: every DRM hook is missing, none failed" "$bad"
	grep -E '^drm_prime_handle_to_fd_ioctl .* missing +drm is not loaded$' "$tmp/f.txt" >/dev/null &&
		pass "host: the reason is given" || fail "host: the reason is given"
fi

# dma-buf is in every kernel with BTF here: attached, or failed with why
row=$(grep -E '^dma_buf_export ' "$tmp/f.txt")
case "$row" in
*" fexit "* | *" kretprobe "*) attached=1 ;;
*" failed "*"fentry: "*"; kprobe: "*) attached=0 ;;
*) attached=x ;;
esac
[ "$attached" != x ] && pass "host: dma_buf_export attached or refused with a reason" ||
	fail "host: dma_buf_export attached or refused with a reason" "$row"

primetrace features -j >"$tmp/f.json" 2>/dev/null
grep -q '^{"format":1,"kernel":".*"hooks":\[{"func":"drm_prime_handle_to_fd_ioctl"' "$tmp/f.json" &&
	grep -q "\"drm_loaded\":$([ -d /sys/module/drm ] && echo true || echo false)," "$tmp/f.json" &&
	pass "host: features -j" || fail "host: features -j"

# a dma-buf-only trace
primetrace trace -D 1 >"$tmp/t.out" 2>"$tmp/t.err"
trc=$?
if [ "$attached" = 1 ]; then
	[ $trc = 0 ] && grep -q '^primetrace: tracing with' "$tmp/t.err" &&
		grep -Eq '^[0-9]+ events, 0 dropped' "$tmp/t.err" &&
		pass "host: a dma-buf-only trace runs and sums up" ||
		fail "host: a dma-buf-only trace runs and sums up" "rc=$trc $(head -n 2 "$tmp/t.err")"
	[ -d /sys/module/drm ] || grep -q 'drm is not loaded: only dma-buf is traced' "$tmp/t.err" &&
		pass "host: the trace says only dma-buf is traced" ||
		fail "host: the trace says only dma-buf is traced"
	[ $frc = 0 ] && pass "host: features exits 0" || fail "host: features exits 0" "rc=$frc"
else
	one_line_error $trc "$tmp/t.err" &&
		grep -q '^primetrace: no hook could be attached on this kernel (fentry: .*; kprobe: .*)$' \
			"$tmp/t.err" &&
		pass "host: no attachable hook: one line, exit $trc" ||
		fail "host: no attachable hook: one line" "rc=$trc $(head -n 3 "$tmp/t.err")"
	[ $frc = 1 ] && grep -q '^primetrace: no hook could be attached' "$tmp/f.err" &&
		pass "host: features exits 1 and says why" || fail "host: features exits 1 and says why"
fi

# without privileges
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$@"; }
	nobody primetrace trace -D 1 >/dev/null 2>"$tmp/np.err"
	rc=$?
	one_line_error $rc "$tmp/np.err" && grep -q 'CAP_BPF and CAP_PERFMON' "$tmp/np.err" &&
		pass "host: no privileges: one line, exit $rc" ||
		fail "host: no privileges: one line" "rc=$rc $(head -n 3 "$tmp/np.err")"
	nobody primetrace features >"$tmp/np.txt" 2>"$tmp/np.err"
	rc=$?
	[ $rc = 1 ] && grep -q '^privileges: *no' "$tmp/np.txt" &&
		grep -Eq '^dma_buf_export +vmlinux +present' "$tmp/np.txt" &&
		pass "host: features without privileges shows what is present" ||
		fail "host: features without privileges shows what is present" "rc=$rc"
else
	skip "host: no privileges" "needs root and setpriv to drop them"
fi

# without BTF
primetrace trace --btf "$tmp/nonexistent" -D 1 >/dev/null 2>"$tmp/nb.err"
rc=$?
one_line_error $rc "$tmp/nb.err" && grep -q "cannot read BTF from $tmp/nonexistent" "$tmp/nb.err" &&
	pass "host: no BTF: one line, exit $rc" ||
	fail "host: no BTF: one line" "rc=$rc $(head -n 3 "$tmp/nb.err")"

# recorded runs replay without a kernel
if [ -r "$data/e2e-6.1.json" ]; then
	primetrace trace -j -q --input "$data/e2e-6.1.json" >"$tmp/r.json"
	rc=$?
	n=$(grep -c '^{"ts"' "$data/e2e-6.1.json")
	[ $rc = 0 ] && [ "$(grep -c '^{"format":1,"ts"' "$tmp/r.json")" = "$n" ] &&
		tail -n 1 "$tmp/r.json" | grep -q '^{"format":1,"type":"summary"' &&
		pass "host: --input replays a recording ($n events)" ||
		fail "host: --input replays a recording" "rc=$rc"
	primetrace trace --input "$data/e2e-6.1.json" --comm prime_workload -d vgem \
		>"$tmp/r.txt" 2>"$tmp/r.err"
	grep -q '^TIME(s) ' "$tmp/r.txt" && grep -Eq '^[0-9]+ events, 0 dropped' "$tmp/r.err" &&
		pass "host: --input with filters, as text" || fail "host: --input with filters, as text"
	printf '{"ts":1,"type":"gem_free"}\nnot json\n' >"$tmp/bad.json"
	primetrace trace --input "$tmp/bad.json" >/dev/null 2>"$tmp/bad.err"
	rc=$?
	[ $rc = 1 ] && one_line_error $rc "$tmp/bad.err" &&
		grep -q "^primetrace trace: .*bad.json:2: " "$tmp/bad.err" &&
		pass "host: a corrupt recording: one line, exit $rc" ||
		fail "host: a corrupt recording: one line" "rc=$rc $(cat "$tmp/bad.err")"
else
	fail "host: --input replays a recording" "$data/e2e-6.1.json missing"
fi
exit $failed
