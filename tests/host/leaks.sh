#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The leak commands on recordings, without BPF or privileges: 'leaks',
# 'objects' and 'trace --perfetto' replay tests/unit/data/leaks-*.json
# (written in the VM by 'primetrace record -S -K -U', see
# tests/unit/test_leaks.c) and must give the same answers as live runs,
# in text and JSON; bad input gets one line and a non-zero exit.
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

if ! command -v primetrace >/dev/null; then
	fail "leaks: primetrace is built" "not on PATH"
	exit 1
fi

# leaks --input, text: the first suspect's kind and culprit, and a frame
check_text() {
	local name=$1 kind=$2 pid=$3 frame=$4 out=$tmp/$1.txt
	if ! primetrace leaks --input "$data/leaks-$name.json" >"$out" 2>"$tmp/err"; then
		fail "leaks --input $name" "$(cat "$tmp/err")"
		return
	fi
	grep -q "^\[1\] $kind: " "$out" && grep -q "^    culprit:  pid $pid (leaky)" "$out" &&
		grep -q "^        $frame+0x" "$out" &&
		pass "leaks --input $name: $kind by pid $pid in $frame" ||
		fail "leaks --input $name: $kind by pid $pid in $frame" "$(head -n 12 "$out")"
}
check_text import import_handle 191 leak_import_handle
check_text scm orphan_dmabuf 216 scm_send_frames

# frames of trampolines (ftrace's, as another tracer on the path adds
# them, and the second frame of the function they entered) are not shown
sed -e 's/"kstack":"/"kstack":"ftrace_trampoline+0x160a1;/' \
	-e 's/drm_gem_dmabuf_export+0x18;/drm_gem_dmabuf_export+0x18;ftrace_trampoline+0x2036;drm_gem_dmabuf_export+0x5;/' \
	"$data/leaks-export.json" >"$tmp/ftrace.json"
primetrace leaks --input "$data/leaks-export.json" >"$tmp/plain.txt" 2>&1
if primetrace leaks --input "$tmp/ftrace.json" >"$tmp/ftrace.txt" 2>&1; then
	grep -q ftrace_trampoline "$tmp/ftrace.json" && cmp -s "$tmp/plain.txt" "$tmp/ftrace.txt" &&
		pass "leaks: ftrace trampoline frames are left out" ||
		fail "leaks: ftrace trampoline frames are left out" "$(diff "$tmp/plain.txt" "$tmp/ftrace.txt" | head -n 4)"
else
	fail "leaks: ftrace trampoline frames are left out" "$(head -n 2 "$tmp/ftrace.txt")"
fi
check_text export export_growth 242 leak_export_loop
check_text reimport reimport 266 reimport_loop
check_text extra-ref orphan_gem_object 291 vprime_gem_export
check_text skip-destroy import_no_teardown 316 vprime_gem_import_free

for name in clean workload; do
	primetrace leaks --input "$data/leaks-$name.json" >"$tmp/$name.txt" 2>&1 &&
		grep -q '^primetrace leaks: 0 suspects' "$tmp/$name.txt" &&
		[ "$(grep -c . "$tmp/$name.txt")" = 1 ] &&
		pass "leaks --input $name: no suspect" ||
		fail "leaks --input $name: no suspect" "$(head -n 5 "$tmp/$name.txt")"
done

# JSON: one object, the suspects and the run's figures
if primetrace leaks -j --input "$data/leaks-skip-destroy.json" >"$tmp/sd.json" 2>&1; then
	[ "$(grep -c . "$tmp/sd.json")" = 1 ] &&
		[ "$(grep -o '{"kind":' "$tmp/sd.json" | wc -l)" = 3 ] &&
		grep -q '"kind":"orphan_dmabuf","reason":"[^"]*","pid":316,"comm":"leaky","pid_exited":true' "$tmp/sd.json" &&
		grep -q '"drops":0,' "$tmp/sd.json" && grep -q '"incomplete":""}$' "$tmp/sd.json" &&
		pass "leaks -j: three suspects, the exporter exited" ||
		fail "leaks -j: three suspects, the exporter exited" "$(cut -c1-300 "$tmp/sd.json")"
else
	fail "leaks -j --input" "$(cat "$tmp/sd.json")"
fi

# options that change the verdict
primetrace leaks --input "$data/leaks-export.json" --growth 21 >"$tmp/g.txt" 2>&1 &&
	grep -q '^primetrace leaks: 0 suspects' "$tmp/g.txt" &&
	pass "leaks --growth 21: 20 exports are not enough" ||
	fail "leaks --growth 21: 20 exports are not enough" "$(head -n 3 "$tmp/g.txt")"
primetrace leaks --input "$data/leaks-import.json" --min-age 1 >"$tmp/a.txt" 2>&1 &&
	grep -q '^\[2\] old: older than --min-age' "$tmp/a.txt" &&
	pass "leaks --min-age 1: the held buffer is old too" ||
	fail "leaks --min-age 1: the held buffer is old too" "$(grep '^\[' "$tmp/a.txt")"
primetrace leaks --input "$data/leaks-export.json" --max-objects 32 >"$tmp/b.txt" 2>&1 &&
	grep -q '^picture incomplete: .*over the bound of 32 untracked' "$tmp/b.txt" &&
	pass "leaks --max-objects 32: the bound is reported" ||
	fail "leaks --max-objects 32: the bound is reported" "$(tail -n 2 "$tmp/b.txt")"
# a recording without snapshots: the holders are inferred, and said so
grep -v '"type":"snap_' "$data/leaks-import.json" >"$tmp/nosnap.json"
primetrace leaks --input "$tmp/nosnap.json" >"$tmp/n.txt" 2>&1 &&
	grep -q '^picture incomplete: .*fd holders inferred' "$tmp/n.txt" &&
	! grep -q '^\[1\] import_handle' "$tmp/n.txt" &&
	pass "leaks without snapshots: no verdict on holders, and why" ||
	fail "leaks without snapshots: no verdict on holders, and why" "$(cat "$tmp/n.txt" | head -n 5)"

# objects --input: the state at the end of the recording
if primetrace objects --input "$data/leaks-export.json" >"$tmp/o.txt" 2>&1; then
	grep -q '^20 dma-bufs, 1280 KiB$' "$tmp/o.txt" &&
		[ "$(grep -c '^[0-9]* *64 KiB *vprime:2 *242 *leaky ' "$tmp/o.txt")" = 20 ] &&
		pass "objects --input: 20 buffers of pid 242 on vprime:2" ||
		fail "objects --input: 20 buffers of pid 242 on vprime:2" "$(head -n 3 "$tmp/o.txt")"
else
	fail "objects --input" "$(cat "$tmp/o.txt")"
fi
primetrace objects -j --input "$data/leaks-import.json" >"$tmp/o.json" 2>&1 &&
	grep -q '"handles":\[{"pid":191,"driver":"vprime","minor":3,"handle":1,"import":true}\]' "$tmp/o.json" &&
	pass "objects -j: the import handle holding the buffer" ||
	fail "objects -j: the import handle holding the buffer" "$(cut -c1-300 "$tmp/o.json")"

# trace --perfetto on a replay: the timeline, and the events as usual
if primetrace trace -q --input "$data/leaks-workload.json" --perfetto "$tmp/t.json" >"$tmp/t.txt" 2>&1; then
	b=$(grep -c '"ph":"b"' "$tmp/t.json")
	e=$(grep -c '"ph":"e"' "$tmp/t.json")
	head -n 1 "$tmp/t.json" | grep -q '^{"displayTimeUnit":"ms","traceEvents":\[$' &&
		tail -n 1 "$tmp/t.json" | grep -q '^\]}$' && [ "$b" -ge 3 ] && [ "$b" = "$e" ] &&
		grep -q '"ph":"M","name":"process_name","pid":165,' "$tmp/t.json" &&
		pass "trace --perfetto: $b slices, all closed, processes named" ||
		fail "trace --perfetto: slices" "b=$b e=$e"
	grep -q 'prime_handle_to_fd' "$tmp/t.txt" && pass "trace --perfetto: the events still print" ||
		fail "trace --perfetto: the events still print"
else
	fail "trace --perfetto" "$(tail -n 2 "$tmp/t.txt")"
fi

# bad input: one line (and argp's hint to --help), non-zero, no signal
bad() {
	local name=$1
	shift
	"$@" >"$tmp/bad.out" 2>&1
	local rc=$?
	[ $rc -ne 0 ] && [ $rc -lt 128 ] && grep -q '^primetrace' "$tmp/bad.out" &&
		[ "$(grep -v '^Try\|^information' "$tmp/bad.out" | grep -c .)" = 1 ] &&
		pass "bad input: $name" || fail "bad input: $name" "rc=$rc $(head -n 2 "$tmp/bad.out")"
}
printf '{"ts":1,"type":"dmabuf_export"\n' >"$tmp/corrupt.json"
bad "leaks --input corrupt" primetrace leaks --input "$tmp/corrupt.json"
bad "leaks --input missing" primetrace leaks --input "$tmp/none.json"
bad "leaks --stack-depth x" primetrace leaks --stack-depth x --input "$data/leaks-clean.json"
bad "leaks --perfetto into nowhere" primetrace leaks --input "$data/leaks-clean.json" --perfetto /nonexistent/t.json
bad "objects extra argument" primetrace objects --input "$data/leaks-clean.json" extra
bad "top --input" primetrace top --input "$data/leaks-clean.json"
# leaks --outstanding: who holds what, by stack, whether or not a rule names
# it. leaky's export loop holds 20 dma-bufs and their 20 GEM handles: with
# --growth 100 no rule calls that a leak, but the groups still list them,
# under the stack of the loop; a clean run lists nothing.
out=$tmp/outstanding.txt
if primetrace leaks --input "$data/leaks-export.json" --growth 100 >"$tmp/g100.txt" 2>&1 &&
	grep -q '^primetrace leaks: 0 suspects' "$tmp/g100.txt" &&
	primetrace leaks --input "$data/leaks-export.json" --growth 100 --outstanding >"$out" 2>&1; then
	grep -q '^primetrace leaks: outstanding by stack: 2 groups, 20 dma-bufs (1280 KiB), 0 import handles (0 B), 20 GEM handles (1280 KiB) ' "$out" &&
		grep -q '^\[[12]\] 20 dma-bufs, 1280 KiB, oldest [0-9.]*s, vprime$' "$out" &&
		grep -q '^    oldest:   pid 242 (leaky)$' "$out" &&
		[ "$(grep -c '^        leak_export_loop+0x' "$out")" = 2 ] &&
		pass "leaks --outstanding: 20 exports below --growth, listed by their stack" ||
		fail "leaks --outstanding: 20 exports below --growth, listed by their stack" "$(head -n 20 "$out")"
else
	fail "leaks --outstanding: 20 exports below --growth, listed by their stack" "$(cat "$tmp/g100.txt" "$out" 2>/dev/null | head -n 5)"
fi
if primetrace leaks -j --outstanding --input "$data/leaks-import.json" >"$tmp/o.json" 2>&1; then
	[ "$(grep -c . "$tmp/o.json")" = 1 ] &&
		grep -q '{"kind":"import_handle","count":1,"bytes":65536,"oldest_ts":[0-9]*,"oldest_age_ns":[1-9][0-9]*,"pid":191,"comm":"leaky","pids":1,"driver":"vprime","kstack":\["drm_gem_handle_create_tail+0x' "$tmp/o.json" &&
		grep -q '"kind":"dmabuf","count":1,' "$tmp/o.json" &&
		grep -q '"incomplete":""}$' "$tmp/o.json" &&
		pass "leaks -j --outstanding: the import handle and its dma-buf, each with its stack" ||
		fail "leaks -j --outstanding: the import handle and its dma-buf, each with its stack" "$(cut -c1-300 "$tmp/o.json")"
else
	fail "leaks -j --outstanding: the import handle and its dma-buf, each with its stack" "$(head -n 3 "$tmp/o.json")"
fi
primetrace leaks --outstanding --input "$data/leaks-workload.json" >"$tmp/ow.txt" 2>&1 &&
	grep -q '^primetrace leaks: outstanding by stack: 0 groups, 0 dma-bufs' "$tmp/ow.txt" &&
	[ "$(grep -c . "$tmp/ow.txt")" = 1 ] &&
	pass "leaks --outstanding: a run that freed everything lists nothing" ||
	fail "leaks --outstanding: a run that freed everything lists nothing" "$(head -n 5 "$tmp/ow.txt")"

exit $failed
