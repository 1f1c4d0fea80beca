#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# docs/kernels.md is generated from a test run and checked against the next
# one. Debian moves each kernel series to a new package revision at any point
# release (6.1.0-56 became 6.1.0-57), so the generator must write what the
# doc is about (series, hooks, how each attaches) and nothing that changes
# with the revision. Two runs that differ only in the revisions they booted
# must give the same doc; a run that attaches a hook differently must not.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
gen=$top/tools/gen-kernels-md
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: $2"; }

# results DIR "SERIES=RELEASE ..." [HOW]: a results folder as 'make test'
# leaves it, one features.txt and e2e.json per kernel
results() {
	local dir=$1 how=${3:-fexit} pair k krel
	for pair in $2; do
		k=${pair%%=*} krel=${pair#*=}
		mkdir -p "$dir/$k/20-trace.out"
		cat >"$dir/$k/20-trace.out/features.txt" <<EOF
kernel:      $krel
btf:         /sys/kernel/btf/vmlinux
privileges:  yes
fentry:      yes
kprobes:     yes
drm:         loaded
tracepoints: dma_buf:* absent
devices:     vprime (/dev/dri/card0)

HOOK                               WHERE             HOW       NOTE
dma_buf_export                     vmlinux           $how
dma_buf_release                    vmlinux           fentry    the final free

2 attached with fentry/fexit, 0 with kprobes
EOF
		cat >"$dir/$k/20-trace.out/e2e.json" <<EOF
{"type":"summary","kernel":"$krel","hooks":{"dma_buf_export":{"how":"$how","calls":3},"dma_buf_release":{"how":"fentry","calls":0}}}
EOF
	done
}

kernels="6.1 6.12 7.3"
results "$tmp/a" "6.1=6.1.0-56-amd64 6.12=6.12.95+deb12-amd64 7.3=7.3.4+deb13-amd64"
results "$tmp/b" "6.1=6.1.0-57-amd64 6.12=6.12.96+deb12-amd64 7.3=7.3.11+deb13-amd64"
results "$tmp/c" "6.1=6.1.0-56-amd64 6.12=6.12.95+deb12-amd64 7.3=7.3.4+deb13-amd64" kprobe

if ! "$gen" "$tmp/a" "$kernels" >"$tmp/a.md" 2>"$tmp/err" ||
	! "$gen" "$tmp/b" "$kernels" >"$tmp/b.md" 2>>"$tmp/err" ||
	! "$gen" "$tmp/c" "$kernels" >"$tmp/c.md" 2>>"$tmp/err"; then
	fail "gen-kernels-md runs on a results folder" "$(head -n 3 "$tmp/err" | tr '\n' ' ')"
else
	pass "gen-kernels-md runs on a results folder"
	if cmp -s "$tmp/a.md" "$tmp/b.md"; then
		pass "kernels doc: a new package revision of each series changes nothing"
	else
		fail "kernels doc: a new package revision changes the doc" \
			"$(diff "$tmp/a.md" "$tmp/b.md" | head -n 6 | tr '\n' ' ')"
	fi
	if grep -qE '6\.1\.0-5[67]|6\.12\.9[56]|7\.3\.(4|11)\+' "$tmp/a.md" "$tmp/b.md"; then
		fail "kernels doc: no package revision is written" \
			"$(grep -hE '6\.1\.0-5[67]|6\.12\.9[56]|7\.3\.(4|11)\+' "$tmp/a.md" | head -n 2 | tr '\n' ' ')"
	else
		pass "kernels doc: no package revision is written"
	fi
	if grep -qF '6.1.0-*-amd64' "$tmp/a.md" && grep -qF '6.12.*+deb12-amd64' "$tmp/a.md" &&
		grep -qF '7.3.*+deb13-amd64' "$tmp/a.md"; then
		pass "kernels doc: each release is named by its series' pattern"
	else
		fail "kernels doc: each release is named by its series' pattern" \
			"$(grep -m 3 '^| [67]\.' "$tmp/a.md" | tr '\n' ' ')"
	fi
	# the check must still see what the doc is about
	if cmp -s "$tmp/a.md" "$tmp/c.md"; then
		fail "kernels doc: a hook attached another way changes the doc" "same output"
	else
		pass "kernels doc: a hook attached another way changes the doc"
	fi
	if grep -q 'dma_buf_release` | fentry, never reached' "$tmp/a.md"; then
		pass "kernels doc: a hook the workload never reached is marked"
	else
		fail "kernels doc: a hook the workload never reached is marked" \
			"$(grep 'dma_buf_release' "$tmp/a.md" | head -n 1)"
	fi
fi

# The committed doc names no revision either.
if grep -nE '^(\| [0-9.]+ \||###|kernel:) *[0-9]+\.[0-9]+\.[0-9]+(-[0-9]|\+)' "$top/docs/kernels.md" >"$tmp/rev"; then
	fail "docs/kernels.md names no package revision" "$(head -n 2 "$tmp/rev" | tr '\n' ' ')"
else
	pass "docs/kernels.md names no package revision"
fi
