#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# primetrace leaks, objects and top against real leaks: tests/vm/leaky
# leaks one way per mode and prints its pid and the function that leaked;
# 'primetrace leaks' must report exactly that leak with that pid, a user
# stack naming that function and, for vprime's faults, a kernel stack
# naming the driver function that broke the rule. A clean workload gives
# no suspect. Buffers made before primetrace starts are listed by
# 'objects' with their holders.
#
# 40-leaks.args loads vprime with prime_hooks=1: the re-import leak needs
# vprime's import_bypass_cache fault, which needs the driver's own PRIME
# hooks, which the core stopped calling in 6.6 (docs/vprime.md).
. testlib.sh

# the files come back with the results when /out is there
out=/tmp/leaks
[ -d /out ] && out=/out/leaks
mkdir -p "$out"
V0=$(vprime_dir 0)
V1=$(vprime_dir 1)

# run_leaks NAME LEAKS-ARGS -- WORKLOAD...: 'primetrace leaks -j' while the
# workload runs; the workload is killed once the report is written
run_leaks() {
	name=$1
	shift
	largs=
	while [ "$1" != -- ]; do
		largs="$largs $1"
		shift
	done
	shift
	# shellcheck disable=SC2086
	primetrace leaks -j -D 6 $largs >"$out/$name.json" 2>"$out/$name.err" &
	lpid=$!
	i=0
	# start-up takes seconds, more on a loaded host: wait up to 2 minutes
	while ! grep -q "tracing with" "$out/$name.err" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 1200 ] || ! kill -0 $lpid 2>/dev/null; then
			fail "$name: leaks starts" "$(tail -n 3 "$out/$name.err" | tr '\n' ' ')"
			wait $lpid
			return 1
		fi
		sleep 0.1
	done
	"$@" >"$out/$name.out" 2>&1 &
	wpid=$!
	wait $lpid
	rc=$?
	kill $wpid 2>/dev/null
	wait $wpid 2>/dev/null
	if [ $rc != 0 ]; then
		fail "$name: leaks exits 0" "rc=$rc $(tail -n 3 "$out/$name.err" | tr '\n' ' ')"
		return 1
	fi
	return 0
}

# suspects FILE [KIND]: one line per suspect (of KIND)
suspects() {
	sed 's/{"kind":/\n{"kind":/g' "$1" | grep '^{"kind":' |
		if [ -n "$2" ]; then grep "^{\"kind\":\"$2\""; else cat; fi
}

# key FILE KEY: the value of KEY on the workload's LEAK or LEAKY line
key() {
	sed -n "s/^LEAK.* $2=\([^ ]*\).*/\1/p" "$1" | head -n 1
}

# expect_one NAME KIND PID FUNC [KFUNC]: exactly one suspect of KIND, with
# culprit PID, FUNC in its user stack and KFUNC in its kernel stack
expect_one() {
	name=$1 kind=$2 pid=$3 func=$4 kfunc=$5
	s=$(suspects "$out/$name.json" "$kind")
	n=$(suspects "$out/$name.json" "$kind" | grep -c .)
	if [ "$n" != 1 ]; then
		fail "$name: one $kind suspect" "found $n: $(cut -c1-300 "$out/$name.json")"
		return
	fi
	pass "$name: one $kind suspect"
	echo "$s" | grep -q "\"pid\":$pid," && pass "$name: $kind culprit is pid $pid" ||
		fail "$name: $kind culprit is pid $pid" "$(echo "$s" | cut -c1-200)"
	echo "$s" | grep -q "\"ustack\":\[[^]]*\"$func+0x" &&
		pass "$name: $kind user stack names $func" ||
		fail "$name: $kind user stack names $func" \
			"$(echo "$s" | sed 's/.*"ustack"://' | cut -c1-300)"
	if [ -n "$kfunc" ]; then
		echo "$s" | grep -q "\"kstack\":\[[^]]*\"$kfunc+0x" &&
			pass "$name: $kind kernel stack names $kfunc" ||
			fail "$name: $kind kernel stack names $kfunc" \
				"$(echo "$s" | sed 's/.*"kstack"://' | cut -c1-300)"
	fi
}

# expect_count NAME N: N suspects in all
expect_count() {
	n=$(suspects "$out/$1.json" | grep -c .)
	[ "$n" = "$2" ] && pass "$1: $2 suspect(s) in all" ||
		fail "$1: $2 suspect(s) in all" "found $n: $(cut -c1-400 "$out/$1.json")"
}

# leak_cases PREFIX [LEAKS-ARGS]: the workloads that leak one way each, and
# a clean one, under 'primetrace leaks LEAKS-ARGS'; test names start PREFIX
leak_cases() {
	p=$1
	shift
	if run_leaks ${p}clean "$@" -- sh -c 'leaky clean && prime_workload >/dev/null'; then
		grep -q '^DONE' "$out/${p}clean.out" && pass "${p}clean: the workload ran" ||
			fail "${p}clean: the workload ran" "$(tail -n 2 "$out/${p}clean.out")"
		expect_count ${p}clean 0
		grep -q '"incomplete":""' "$out/${p}clean.json" &&
			pass "${p}clean: the picture is complete" ||
			fail "${p}clean: the picture is complete" \
				"$(sed 's/.*"incomplete"/incomplete/' "$out/${p}clean.json")"
	fi

	# an import handle never closed
	if run_leaks ${p}import "$@" -- leaky --hold 60 import; then
		pid=$(key "$out/${p}import.out" pid)
		expect_one ${p}import import_handle "$pid" leak_import_handle \
			drm_gem_prime_fd_to_handle
		suspects "$out/${p}import.json" import_handle |
			grep -q "\"ino\":$(key "$out/${p}import.out" ino)," &&
			pass "${p}import: the leaked buffer's inode" ||
			fail "${p}import: the leaked buffer's inode" \
				"want $(key "$out/${p}import.out" ino)"
		expect_count ${p}import 1
		# leaky is built with -g: its frames have their source lines (docs/leaks.md)
		if grep -q debug_info "$(command -v leaky)"; then
			suspects "$out/${p}import.json" import_handle |
				grep -q '"leak_import_handle+0x[0-9a-f]* (leaky\.c:[0-9][0-9]*)"' &&
				pass "${p}import: the user stack has leaky.c's source lines" ||
				fail "${p}import: the user stack has leaky.c's source lines" \
					"$(suspects "$out/${p}import.json" import_handle | sed 's/.*"ustack"://' | cut -c1-300)"
		else
			skip "${p}import: the user stack has leaky.c's source lines" "leaky built without -g"
		fi
	fi

	# a buffer left in flight over SCM_RIGHTS
	if run_leaks ${p}scm "$@" -- leaky --hold 60 scm; then
		pid=$(key "$out/${p}scm.out" pid)
		expect_one ${p}scm orphan_dmabuf "$pid" scm_send_frames vprime_gem_export
		suspects "$out/${p}scm.json" orphan_dmabuf |
			grep -q "\"ino\":$(key "$out/${p}scm.out" ino)," &&
			pass "${p}scm: the buffer in flight is the one reported" ||
			fail "${p}scm: the buffer in flight is the one reported" \
				"want $(key "$out/${p}scm.out" ino)"
		expect_count ${p}scm 1
	fi

	# exports in a loop
	if run_leaks ${p}export "$@" -- leaky --hold 60 --count 24 export; then
		pid=$(key "$out/${p}export.out" pid)
		expect_one ${p}export export_growth "$pid" leak_export_loop vprime_gem_export
		suspects "$out/${p}export.json" export_growth | grep -q '"count":24,' &&
			pass "${p}export: 24 live exports counted" ||
			fail "${p}export: 24 live exports counted" \
				"$(suspects "$out/${p}export.json" | cut -c1-200)"
		expect_count ${p}export 1
	fi
}
# every event streamed to userspace, as before the tables were the default
leak_cases "" --stream

# --- the same kind of leak, outstanding by stack (JSON kept for tests/host/schema.sh) ---
if run_leaks outstanding --outstanding -- leaky --hold 60 import; then
	pid=$(key "$out/outstanding.out" pid)
	grep -q "^{\"format\":1,\"outstanding\":\[.*{\"kind\":\"import_handle\",\"count\":1,\"bytes\":[0-9]*,\"oldest_ts\":[0-9]*,\"oldest_age_ns\":[0-9]*,\"pid\":$pid," "$out/outstanding.json" &&
		pass "outstanding -j: leaky's import handle, by its stack" ||
		fail "outstanding -j: leaky's import handle, by its stack" "pid $pid: $(head -c 300 "$out/outstanding.json")"
fi

# the same from the kernel's live tables, read at the end: the default
leak_cases tables-
# a table too small for what is alive says so: never a silent hole (and
# --table-size alone is taken: the tables are the default)
if run_leaks tables-full --table-size 4 -- leaky --hold 60 --count 24 export; then
	grep -q '"incomplete":"[^"]*[1-9][0-9]* table evictions/insert failures' \
		"$out/tables-full.json" &&
		pass "tables-full: the report says how many entries were refused" ||
		fail "tables-full: the report says how many entries were refused" \
			"$(sed 's/.*"incomplete"/incomplete/' "$out/tables-full.json")"
fi

# --- vprime's faults ----------------------------------------------------------------------
if [ -w "$V0/faults/export_extra_ref" ] && [ -w "$V1/faults/import_skip_prime_destroy" ]; then
	echo 1 >"$V0/faults/export_extra_ref"
	# orphan_gem_object and import_no_teardown judge history: --stream
	if run_leaks extra_ref --stream -- leaky fault; then
		pid=$(sed -n 's/^FAULT pid=\([0-9]*\).*/\1/p' "$out/extra_ref.out")
		expect_one extra_ref orphan_gem_object "$pid" fault_sequence vprime_gem_export
		expect_count extra_ref 1
	fi
	echo 0 >"$V0/faults/export_extra_ref"
	echo 1 >"$V0/leaks"

	echo 1 >"$V1/faults/import_skip_prime_destroy"
	if run_leaks skip_destroy --stream -- leaky fault; then
		pid=$(sed -n 's/^FAULT pid=\([0-9]*\).*/\1/p' "$out/skip_destroy.out")
		expect_one skip_destroy import_no_teardown "$pid" fault_sequence vprime_gem_import_free
		expect_one skip_destroy attach_at_free "$pid" fault_sequence vprime_gem_import_free
		expect_one skip_destroy orphan_dmabuf "$pid" fault_sequence vprime_gem_export
		suspects "$out/skip_destroy.json" orphan_dmabuf | grep -q '"pid_exited":true' &&
			pass "skip_destroy: the exporter exited and the buffer lives" ||
			fail "skip_destroy: the exporter exited and the buffer lives"
		expect_count skip_destroy 3
	fi
	echo 0 >"$V1/faults/import_skip_prime_destroy"
	echo 1 >"$V1/leaks"
	echo 1 >"$V0/leaks"

	# from 6.6 the cache bypass needs vprime's prime_hooks=1 (docs/vprime.md)
	if [ "$(cat "$V1/faults/import_bypass_cache")" = unsupported ]; then
		skip "reimport" "import_bypass_cache needs prime_hooks=1 on this kernel"
	elif echo 1 >"$V1/faults/import_bypass_cache" &&
		run_leaks reimport -- leaky --hold 60 reimport; then
		pid=$(key "$out/reimport.out" pid)
		expect_one reimport reimport "$pid" reimport_loop
		expect_count reimport 1
		echo 0 >"$V1/faults/import_bypass_cache"
	fi
else
	skip "faults" "vprime's fault knobs are not there"
fi
# everything leaked was given back or freed with its process
grep -q '^objects 0$' "$V0/objects" && grep -q '^objects 0$' "$V1/objects" &&
	pass "vprime: no object left" || fail "vprime: no object left" "$(head -n 3 "$V0/objects")"

# --- buffers made before primetrace started -------------------------------------------
# held NAME COUNT: leaky exports COUNT buffers and holds them for two
# minutes, in the background (held_pid); back once they are all made
held() {
	local i=0
	leaky --hold 120 --count "$2" export >"$out/$1.out" 2>&1 &
	held_pid=$!
	while ! grep -q '^DONE' "$out/$1.out" && [ $i -lt 300 ]; do
		i=$((i + 1))
		sleep 0.1
	done
}
held before 3
bpid=$held_pid
if primetrace objects -j >"$out/objects.json" 2>"$out/objects.err"; then
	pass "objects: snapshot"
	n=$(sed 's/{"ino":/\n{"ino":/g' "$out/objects.json" | grep '^{"ino":' |
		grep -c "\"fds\":\[{\"pid\":$bpid,")
	[ "$n" = 3 ] && pass "objects: 3 buffers made before it, held by pid $bpid" ||
		fail "objects: 3 buffers made before it, held by pid $bpid" "$(cut -c1-400 "$out/objects.json")"
	n=$(sed 's/{"ino":/\n{"ino":/g' "$out/objects.json" | grep '^{"ino":' |
		grep "\"handles\":\[{\"pid\":$bpid," | grep -c '"before_tracing":true')
	[ "$n" = 3 ] && pass "objects: their GEM handles and the inode age" ||
		fail "objects: their GEM handles and the inode age" "$(cut -c1-400 "$out/objects.json")"
	grep -q '"exporter":"vprime:' "$out/objects.json" &&
		pass "objects: the exporter is the GEM device" ||
		fail "objects: the exporter is the GEM device" "$(cut -c1-300 "$out/objects.json")"
else
	fail "objects: snapshot" "$(cat "$out/objects.err")"
fi
primetrace objects >"$out/objects.txt" 2>&1 && grep -q "^3 dma-bufs, 192 KiB" "$out/objects.txt" &&
	pass "objects: the table" || fail "objects: the table" "$(tail -n 3 "$out/objects.txt")"
# buffers made while 'objects -D --tables' runs: their exporter from the kernel's tables
rm -f "$out/objects-tables.err"
primetrace objects -j -D 6 --tables >"$out/objects-tables.json" 2>"$out/objects-tables.err" &
opid=$!
wait_until 300 grep -q "tracing with" "$out/objects-tables.err"
leaky --hold 60 --count 2 export >"$out/objects-tables.out" 2>&1 &
lkpid=$!
if wait $opid; then
	n=$(sed 's/{"ino":/\n{"ino":/g' "$out/objects-tables.json" | grep '^{"ino":' |
		grep -c "\"exp_pid\":$lkpid,\"exp_comm\":\"leaky\"")
	[ "$n" = 2 ] && pass "objects -D --tables: 2 buffers made meanwhile, with their exporter" ||
		fail "objects -D --tables: 2 buffers made meanwhile, with their exporter" \
			"$n: $(cut -c1-400 "$out/objects-tables.json")"
else
	fail "objects -D --tables: runs" "$(tail -n 3 "$out/objects-tables.err")"
fi
kill $lkpid
wait $lkpid
# an import made and vmapped while 'objects -D' runs, from the kernel's
# tables (the default) and from the stream, side by side: its attachment,
# mapped once, and its kernel vmap
for how in tables stream; do
	rm -f "$out/objects-$how.err"
done
# (the two attach one after the other: long enough for the later one)
primetrace objects -j -D 20 >"$out/objects-tables-imp.json" 2>"$out/objects-tables.err" &
otpid=$!
primetrace objects -j -D 20 --stream >"$out/objects-stream-imp.json" 2>"$out/objects-stream.err" &
ospid=$!
wait_until 2400 grep -q "tracing with" "$out/objects-tables.err"
wait_until 2400 grep -q "tracing with" "$out/objects-stream.err"
leaky --hold 60 --vmap import >"$out/objects-imp.out" 2>&1 &
lkpid=$!
for how in tables stream; do
	if wait $([ $how = tables ] && echo $otpid || echo $ospid); then
		ino=$(sed -n 's/^LEAK .* ino=\([0-9]*\).*/\1/p' "$out/objects-imp.out")
		sed 's/{"ino":/\n{"ino":/g' "$out/objects-$how-imp.json" | grep "^{\"ino\":$ino," |
			grep -q "\"vmaps\":1,\"attachments\":\[{\"importer\":\"[^\"]*\",\"driver\":\"[^\"]*\",\"pid\":$lkpid,\"maps\":1," &&
			pass "objects -D ($how): an import's attachment, mapped, and its vmap" ||
			fail "objects -D ($how): an import's attachment, mapped, and its vmap" \
				"ino $ino: $(grep -o "{\"ino\":$ino,.*" "$out/objects-$how-imp.json" | head -c 400)"
	else
		fail "objects -D ($how): runs" "$(tail -n 3 "$out/objects-$how.err")"
	fi
done
kill $lkpid
wait $lkpid
# the buffers held all along are no leak, and their creator is not a culprit
if run_leaks before -- sleep 1; then
	expect_count before 0
fi
kill $bpid
wait $bpid

# A DRM file with more GEM handles than one pass of the task_file iterator
# writes (PT_SNAP_HANDLES_PER_PASS, 128): the read used to fail with E2BIG,
# and on 6.1 the per-pass limit was once optimised away by the verifier.
held many 300
mpid=$held_pid
if primetrace objects -j >"$out/many.json" 2>"$out/many.err"; then
	n=$(sed 's/{"ino":/\n{"ino":/g' "$out/many.json" | grep '^{"ino":' |
		grep -c "\"handles\":\[{\"pid\":$mpid,")
	[ "$n" = 300 ] && pass "objects: 300 handles of one DRM file, in three passes" ||
		fail "objects: 300 handles of one DRM file" "$n listed: $(cut -c1-300 "$out/many.json")"
else
	fail "objects: 300 handles of one DRM file" "$(cat "$out/many.err")"
fi
kill $mpid
wait $mpid

# --- top -----------------------------------------------------------------------------------
leaky --hold 60 --count 4 export >"$out/top.leaky" 2>&1 &
tpid=$!
if primetrace top -r 1 -n 2 >"$out/top.txt" 2>"$out/top.err"; then
	n=$(grep -c '^primetrace top' "$out/top.txt")
	[ "$n" = 2 ] && pass "top: two views" || fail "top: two views" "$(head -n 5 "$out/top.txt")"
	grep -q "^$tpid *leaky .* 4 *256 KiB$" "$out/top.txt" &&
		pass "top: the buffers it holds (from the snapshot)" ||
		fail "top: the buffers it holds (from the snapshot)" "$(cat "$out/top.txt" | head -n 8)"
else
	fail "top: runs" "$(cat "$out/top.err")"
fi
# the same as JSON lines (tests/host/schema.sh validates them), from the stream
if primetrace top -j -r 1 -n 2 --stream >"$out/top.json" 2>"$out/top-j.err"; then
	[ "$(grep -c '^{"format":1,"ts":[0-9]*,"dmabufs":' "$out/top.json")" = 2 ] &&
		grep -q "{\"pid\":$tpid,\"comm\":\"leaky\",.*\"held\":4,\"held_bytes\":262144}" "$out/top.json" &&
		pass "top -j: two views, the buffers it holds" ||
		fail "top -j: two views, the buffers it holds" "$(head -c 300 "$out/top.json")"
else
	fail "top -j: runs" "$(cat "$out/top-j.err")"
fi
kill $tpid
wait $tpid
# a process that exports while top runs: its exports counted in the
# kernel (proc_counts), and all three alive. Its first view says it is
# attached (slow when other VMs share the host: up to 4 minutes)
primetrace top -j -r 1 -n 10 >"$out/top-count.json" 2>"$out/top-count.err" &
tp=$!
wait_until 2400 grep -q . "$out/top-count.json"
leaky --hold 60 --count 3 export >"$out/top-count.leaky" 2>&1 &
cpid=$!
if wait $tp; then
	tail -n 1 "$out/top-count.json" |
		grep -q "{\"pid\":$cpid,\"comm\":\"leaky\",\"exports\":3,[^}]*\"live_exports\":3," &&
		pass "top: exports counted in the kernel's tables" ||
		fail "top: exports counted in the kernel's tables" "$(tail -n 1 "$out/top-count.json" | head -c 400)"
else
	fail "top (tables): runs" "$(cat "$out/top-count.err")"
fi
kill $cpid
wait $cpid

# --- the timeline ------------------------------------------------------------------------
if run_leaks timeline --perfetto "$out/perfetto.json" -- leaky clean; then
	head -c 40 "$out/perfetto.json" | grep -q '^{"displayTimeUnit":"ms","traceEvents":\[' &&
		tail -c 4 "$out/perfetto.json" | grep -q ']}' &&
		pass "timeline: a trace-event file" || fail "timeline: a trace-event file"
	b=$(grep -c '"ph":"b"' "$out/perfetto.json")
	e=$(grep -c '"ph":"e"' "$out/perfetto.json")
	[ "$b" -ge 1 ] && [ "$b" = "$e" ] && pass "timeline: buffer slices begin and end" ||
		fail "timeline: buffer slices begin and end" "b=$b e=$e"
	grep -q '"name":"dmabuf_mmap ino ' "$out/perfetto.json" &&
		grep -q '"name":"dmabuf_attach ino ' "$out/perfetto.json" &&
		pass "timeline: instants for attach and mmap" || fail "timeline: instants for attach and mmap"
fi

# --- bad input ----------------------------------------------------------------------------
bad() {
	name=$1
	shift
	"$@" >"$out/bad.out" 2>&1
	rc=$?
	[ $rc != 0 ] && [ $rc -lt 128 ] && [ "$(grep -c . "$out/bad.out")" -le 3 ] &&
		pass "bad input: $name" || fail "bad input: $name" "rc=$rc $(head -n 2 "$out/bad.out")"
}
bad "leaks --min-age abc" primetrace leaks --min-age abc
bad "leaks --growth 0" primetrace leaks --growth 0
bad "objects --max-objects 1" primetrace objects --max-objects 1
bad "top --input" primetrace top --input /dev/null
bad "top -r 0" primetrace top -r 0
bad "top --stream --table-size" primetrace top --stream --table-size 64
bad "leaks --perfetto into nowhere" primetrace leaks -D 1 --perfetto /nonexistent/t.json
bad "leaks --input missing" primetrace leaks --input /nonexistent
exit $failed
