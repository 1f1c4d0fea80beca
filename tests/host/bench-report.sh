#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tools/bench-report on the checked-in data of a bench run
# (tests/bench/sample.tsv): the goals table names every goal with its figure
# beside its bound or peer, says met or not, and bad data gets a one-line
# error and exit 1, never a traceback.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
report=$top/tools/bench-report
sample=$top/tests/bench/sample.tsv
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: $2"; }

# has NAME FILE REGEX...: every REGEX is a line of FILE
has() {
	local name=$1 file=$2 re
	shift 2
	for re in "$@"; do
		grep -Eq -- "$re" "$file" || { fail "$name" "no line matching '$re'"; return 1; }
	done
	pass "$name"
}

if "$report" "$sample" --md "$tmp/p.md" --svg "$tmp/p.svg" >"$tmp/goals" 2>"$tmp/err"; then
	pass "bench-report: sample"
else
	fail "bench-report: sample" "exit $?: $(head -n 1 "$tmp/err")"
fi
has "bench-report: goals table" "$tmp/goals" \
	'^`monitor`: at most 1.5x on the loop +not measured .*not available in this build' \
	'^`leaks`: at most 1.5x on the loop +29.00x +1.5x +no +missed by 19.33x' \
	'^`leaks`: below the bpftrace count peer +29.00x +6.00x \(bpftrace count\) +no' \
	'^`trace`: below the bpftrace printf peer +7.77x +10.00x \(bpftrace printf\) +yes' \
	'^`trace`: drops counted +2100 dropped' \
	'^`check`: at most 3x on the loop +3.79x +3x +no' \
	'^userspace, lifetime model: at most 256 B per live buffer, 100000 live +1130 B +256 B +no' \
	'^userspace, RSS in the guest: at most 256 B per live buffer, 10000 live \(leaks\) +1300.0 B +256 B; 0.0 B \(bpftrace count\) +no' \
	'^kernel maps: at most 256 B per live buffer, 10000 live \(leaks\) +0.0 B .* yes' \
	'^kernel tables \(--tables\): at most 256 B per live buffer \(a buffer entry and its handle.s\) +330 B +256 B +no +missed by 1.29x'
has "bench-report: markdown" "$tmp/p.md" '^## Goals' \
	'^\| `check`: at most 3x on the loop \| 3.79x \| 3x \| no \| missed by 1.26x \|' \
	'^\| primetrace trace \| 272 \| 35 \| 7.77x \| 2100 \| 2540 ms \|' \
	'^\| bpftrace count \| 105 \| 18 \| 6.00x \| 0 \| 28000 ms \|' '!\[.*\]\(p.svg\)' \
	'^\| primetrace leaks \| 10000 \| 9000000 \| 22000000 \| 1300.0 \| 913408 \| 913408 \| 0.0 \|' \
	'^primetrace keeps no per-buffer state in kernel maps' '^## Where the time goes' \
	'^\| primetrace leaks \| 980 \| 26 \| `fexit_drm_gem_handle_create_tail` 26.0 \(1\), `fentry_dma_buf_release` 0.2 \(0.5\) \|'
has "bench-report: svg" "$tmp/p.svg" '^<svg ' 'bpftrace count</text>' '29.00x</text>' '</svg>'

# a check that cannot fail is no check: the same goal met is said so
sed 's/^loop_ns\tprimetrace check\t.*/loop_ns\tprimetrace check\t140000000/' "$sample" >"$tmp/met.tsv"
"$report" "$tmp/met.tsv" >"$tmp/goals2" 2>&1
has "bench-report: a met goal" "$tmp/goals2" '^`check`: at most 3x on the loop +2.00x +3x +yes +met, 33% under'

# bad data: one line on stderr, exit 1
bad() {
	local name=$1 out rc
	out=$("$report" "$tmp/bad.tsv" 2>&1 >/dev/null)
	rc=$?
	if [ "$rc" = 1 ] && [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] &&
		[[ "$out" == bench-report:* ]]; then
		pass "bench-report: $name"
	else
		fail "bench-report: $name" "exit $rc: $out"
	fi
}
grep -v untraced "$sample" >"$tmp/bad.tsv"
bad "no untraced loop"
printf 'loop_ns\tuntraced\tfast\n' >"$tmp/bad.tsv"
bad "a figure that is not a number"
printf 'loop_ns untraced 5\n' >"$tmp/bad.tsv"
bad "not tab-separated"
head -c 64 /dev/urandom >"$tmp/bad.tsv"
printf '\377\376' >>"$tmp/bad.tsv"
bad "binary"
rm -f "$tmp/bad.tsv"
bad "missing file"
