#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Every JSON output against its schema in docs/schema/ (docs/tracing.md,
# "Stability"): the outputs of every command with -j on the recordings of
# tests/unit/data, 'features -j' of this host, and every JSON file the VM
# suites saved under $PRIMETRACE_BUILD/results/KERNEL/SUITE.out/. The
# schemas' closed sets must be the sources' tables, and doctored outputs
# must be refused.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$here/../..
data=$here/../unit/data
results=${PRIMETRACE_RESULTS:-${PRIMETRACE_BUILD:-$top/build}/results}
check=$here/schema_check.py
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
pass() { echo "PASS: $1"; }
fail() {
	echo "FAIL: $1: ${2:-failed}"
	failed=1
}

if ! command -v primetrace >/dev/null; then
	fail "schema: primetrace is built" "not on PATH"
	exit 1
fi
if ! python3 -c 'import jsonschema; jsonschema.Draft202012Validator' 2>/dev/null; then
	echo "SKIP: schema: python3-jsonschema (draft 2020-12) is not installed"
	exit 0
fi

# validate NAME KIND FILE...: the files' lines pass KIND's schema (auto: by content)
validate() {
	local name=$1 kind=$2 out
	shift 2
	if out=$(python3 "$check" validate "$kind" "$@" 2>&1); then
		pass "schema: $name ($(echo $out))"
	else
		fail "schema: $name" "$(echo "$out" | tail -n 1)"
	fi
}

# refused NAME KIND LINE: a doctored line is refused
refused() {
	local out
	printf '%s\n' "$3" >"$tmp/doctored.json"
	if out=$(python3 "$check" validate "$2" "$tmp/doctored.json" 2>&1); then
		fail "schema: a doctored output is refused: $1" "accepted: $out"
	else
		pass "schema: a doctored output is refused: $1 ($(echo "$out" | cut -d' ' -f2- | cut -c1-80))"
	fi
}

# --- the schemas are the sources' tables --------------------------------------
if out=$(python3 "$check" enums "$top" 2>&1); then
	pass "schema: enums equal the event, hook, leak kind and rule tables"
else
	fail "schema: enums equal the tables" "$(echo "$out" | head -n 3 | tr '\n' ' ')"
fi
# ...and a table that moves is seen: a copy of the tree with one event more
mkdir -p "$tmp/tree/userspace/record" "$tmp/tree/userspace/model" "$tmp/tree/userspace/lib"
for f in record/event.c model/model.c model/outstanding.c model/checker.c lib/json_writer.h; do
	cp "$top/userspace/$f" "$tmp/tree/userspace/$f"
done
sed -i 's/^\t\[PT_EV_SNAP_END\] = "snap_end",$/&\n\t[PT_EV_NEW] = "new_event",/' \
	"$tmp/tree/userspace/record/event.c"
out=$(python3 "$check" enums "$tmp/tree" 2>&1)
[ $? = 1 ] && echo "$out" | grep -q "event types (event.json type): the schema lacks \['new_event'\]" &&
	pass "schema: an event the schema lacks is seen" ||
	fail "schema: an event the schema lacks is seen" "$out"

# --- (a) the outputs of every command on the recordings -----------------------
n=0
for rec in "$data"/*.json; do
	b=$(basename "$rec" .json)
	primetrace trace -j -q --input "$rec" >"$tmp/trace-$b.json" 2>/dev/null || fail "schema: trace -j --input $b" "exit $?"
	primetrace objects -j --input "$rec" >"$tmp/objects-$b.json" 2>/dev/null || fail "schema: objects -j --input $b" "exit $?"
	primetrace leaks -j --input "$rec" >"$tmp/leaks-$b.json" 2>/dev/null || fail "schema: leaks -j --input $b" "exit $?"
	primetrace leaks -j --outstanding --input "$rec" >"$tmp/outstanding-$b.json" 2>/dev/null ||
		fail "schema: leaks -j --outstanding --input $b" "exit $?"
	primetrace check -j -q --input "$rec" >"$tmp/check-$b.json" 2>/dev/null
	rc=$?
	[ $rc = 0 ] || [ $rc = 3 ] || fail "schema: check -j --input $b" "exit $rc"
	n=$((n + 1))
done
[ $n -gt 0 ] || fail "schema: recordings" "none in $data"
validate "trace -j on $n recordings: event and summary lines" auto "$tmp"/trace-*.json
validate "objects -j on $n recordings" objects "$tmp"/objects-*.json
validate "leaks -j on $n recordings" leaks "$tmp"/leaks-*.json
validate "leaks -j --outstanding on $n recordings" outstanding "$tmp"/outstanding-*.json
# a clean recording gives no line: only the others are there to check
cat "$tmp"/check-*.json >"$tmp/check-all.json"
if [ -s "$tmp/check-all.json" ]; then
	validate "check -j on $n recordings" check "$tmp/check-all.json"
else
	fail "schema: check -j on $n recordings" "no violation in any"
fi
primetrace features -j >"$tmp/features.json" 2>/dev/null
if [ -s "$tmp/features.json" ]; then
	validate "features -j on this host" features "$tmp/features.json"
else
	fail "schema: features -j on this host" "no output"
fi

# top reads only the kernel: a view as it writes one (the VM runs give real ones)
tp='{"format":1,"ts":5,"dmabufs":1,"gem_objects":1,"handles":1,"events":9,"lost":0,"processes":[{"pid":7,"comm":"leaky","exports":1,"exports_per_s":0.0,"imports":0,"imports_per_s":0.0,"live_exports":1,"live_export_bytes":4096,"live_imports":0,"live_import_bytes":0,"held":1,"held_bytes":4096}]}'
printf '%s\n' "$tp" >"$tmp/top.json"
validate "a top -j view" top "$tmp/top.json"

# --- doctored outputs are refused --------------------------------------------
ev=$(grep -m1 '"type":"gem_free"' "$tmp/trace-e2e-6.1.json")
sum=$(tail -n 1 "$tmp/trace-e2e-6.1.json")
lk=$(cat "$tmp/leaks-leaks-export.json")
ob=$(cat "$tmp/objects-leaks-export.json")
ck=$(head -n 1 "$tmp/check-check-skip-destroy.json")
ft=$(cat "$tmp/features.json")
refused "an event without ts" event "${ev/\"ts\":[0-9]*,/}"
refused "an unknown event type" event "${ev/gem_free/gem_freed}"
refused "an undocumented member" auto "${ev/\"ts\":/\"tss\":1,\"ts\":}"
refused "format not first" event "{\"ts\":1,\"format\":1,${ev#*\"ts\":*,}"
refused "a newer format" event "${ev/\"format\":1/\"format\":2}"
refused "a pointer as a number" event "${ev/\"obj\":\"0x/\"obj\":1,\"x\":\"0x}"
refused "summary drops as a string" summary "${sum/\"drops\":0/\"drops\":\"0\"}"
refused "leaks without suspects" leaks "${lk/\"suspects\":/\"suspect\":}"
refused "a leak of an unknown kind" leaks "${lk/export_growth/export_growing}"
os=$(cat "$tmp/outstanding-leaks-export.json")
refused "an outstanding group of an unknown kind" outstanding "${os/\"kind\":\"dmabuf\"/\"kind\":\"dma-buf\"}"
refused "an object's size as a string" objects "${ob/\"size\":65536/\"size\":\"65536\"}"
refused "a violation of an unknown rule" check "${ck/import-teardown/import-tear}"
refused "a top view without its processes' bytes" top "${tp/,\"held_bytes\":4096/}"
refused "features without format" features "${ft/\"format\":1,/}"
refused "a line that is no output" auto '{"format":1,"what":1}'

# --- (b) what the VM suites saved ----------------------------------------------
# SUITE.out/FILE that each suite that ran must have saved
expect() {
	case $1 in
	20-trace) echo "e2e.json features.json" ;;
	31-check) echo "check-live.json" ;;
	40-leaks) echo "leaks/objects.json leaks/import.json leaks/outstanding.json leaks/top.json" ;;
	esac
}
seen=0
for kdir in "$results"/*/; do
	k=$(basename "$kdir")
	for sdir in "$kdir"*.out; do
		[ -d "$sdir" ] || continue
		suite=$(basename "$sdir" .out)
		for f in $(expect "$suite"); do
			[ -s "$sdir/$f" ] || fail "schema: $k $suite saved $f" "missing or empty"
		done
		mapfile -t files < <(find "$sdir" -name '*.json' -type f | sort)
		[ ${#files[@]} -gt 0 ] || continue
		seen=$((seen + 1))
		validate "$k $suite: ${#files[@]} JSON files" auto "${files[@]}"
	done
done
[ $seen -gt 0 ] ||
	echo "SKIP: schema: VM outputs: no JSON under $results/KERNEL/SUITE.out (no VM suite has run)"

exit $failed
