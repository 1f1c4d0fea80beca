#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make bench, inside the VM (tools/bench boots it). Every figure is a ratio
# of two measurements taken in this one run, on this one (emulated) machine,
# or a count of bytes. Each figure is printed and also written, one per line
# (metric, subject, value; tab-separated), to /out/bench.tsv, from which
# tools/bench-report writes docs/performance.md.
#
# BENCH_N round trips per measurement (default 2000), BENCH_REPS runs of
# each (default 3, the best kept), BENCH_LIVE the live-buffer counts of the
# memory measurement (default "10000 100000"). BENCH_ONLY (an extended
# regular expression): only the loop, under the tracers whose label it
# matches (a quick look at one mode; make bench measures them all).
only=${BENCH_ONLY:-}
n=${BENCH_N:-2000}
reps=${BENCH_REPS:-3}
live=${BENCH_LIVE:-10000 100000}
tsv=/out/bench.tsv
: >$tsv
here=$(cd "$(dirname "$0")" && pwd)

# What the loop runs under: label, then the command line. One table for
# every tracer; a primetrace command this build lacks is left out, and said.
# bpftrace's output is line-buffered, as on a terminal (its first line
# would otherwise only show at exit).
modes="primetrace monitor|primetrace monitor
primetrace monitor --tables|primetrace monitor --tables --table-size 262144
primetrace leaks|primetrace leaks -j --table-size 262144
primetrace leaks --no-stacks|primetrace leaks -j --table-size 262144 --no-stacks
primetrace leaks --stream|primetrace leaks -j --stream
primetrace leaks --stream --no-stacks|primetrace leaks -j --stream --no-stacks
primetrace trace|primetrace trace
primetrace trace -K -U|primetrace trace -K -U
primetrace record|primetrace record -o /tmp/bench.json
primetrace check|primetrace check
bpftrace printf|bpftrace -B line $here/peer-printf.bt
bpftrace count|bpftrace -B line $here/peer-count.bt"
# BENCH_EXTRA: more "label|command" lines, to look at one variant
[ -z "${BENCH_EXTRA:-}" ] || modes="$modes
$BENCH_EXTRA"

# Lines that say a tracer is attached: primetrace's first line on stderr
# (the monitor's: 'attached N hooks'), the peers' BEGIN line
ready_re='(tracing|checking|monitoring) with|attached [0-9]+ hooks|^bpftrace: attached|ready'

row() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>$tsv; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
# centiseconds since boot, with no process started (the guest's one CPU
# is what is measured)
cs() {
	read -r up _ </proc/uptime
	echo "${up%.*}${up#*.}"
}

# available CMD...: whether this build has the command (its -h succeeds)
available() {
	case "$1" in
	primetrace) primetrace "$2" -h >/dev/null 2>&1 ;;
	*) command -v "$1" >/dev/null 2>&1 ;;
	esac
}

# start CMD...: run the tracer in the background (pid in $tpid), wait for it
# to be attached; $startup_ms: from exec to that line (10 ms resolution)
start() {
	: >/tmp/bench.err
	: >/tmp/bench.out
	t0=$(cs)
	"$@" >/tmp/bench.out 2>/tmp/bench.err &
	tpid=$!
	while ! grep -Eq "$ready_re" /tmp/bench.err /tmp/bench.out 2>/dev/null; do
		if [ $(($(cs) - t0)) -gt 30000 ]; then
			echo "bench: '$*' not attached after 300 s" >&2
			kill -KILL $tpid
			return 1
		fi
		if ! kill -0 $tpid 2>/dev/null; then
			echo "bench: '$*' ended before it was attached:" >&2
			head -n 5 /tmp/bench.err >&2
			return 1
		fi
		sleep 0.1
	done
	startup_ms=$((($(cs) - t0) * 10))
}

# stop: interrupt the tracer, wait for it; $lost: what it said it dropped
stop() {
	kill -INT $tpid 2>/dev/null
	wait $tpid 2>/dev/null
	# primetrace: "N dropped" (or lost) once, at exit; bpftrace: a "Lost
	# N events" line each time its perf buffer overflowed
	lost=$(sed -En 's/.* ([0-9]+) (events? )?(dropped|lost).*/\1/p' /tmp/bench.err | head -n 1)
	lost=$((${lost:-0} + $(sed -En 's/^Lost ([0-9]+) events.*/\1/p' /tmp/bench.err \
		/tmp/bench.out | awk '{ n += $1 } END { print n + 0 }')))
}

# Where a tracer's time goes: each BPF program's run count and run time
# (kernel.bpf_stats_enabled), read with bpftool just before the tracer stops;
# programs are loaded anew by each start, so the figures are of one loop.
# profile FILE: the loaded programs' "run_time_ns run_cnt name", or nothing
echo 1 >/proc/sys/kernel/bpf_stats_enabled 2>/dev/null
profile() {
	: >"$1"
	command -v bpftool >/dev/null || return 0
	bpftool prog show 2>/dev/null | awk '/^[0-9]+:/ {
		name = ""; t = 0; c = 0
		for (i = 1; i < NF; i++) {
			if ($i == "name") name = $(i + 1)
			if ($i == "run_time_ns") t = $(i + 1)
			if ($i == "run_cnt") c = $(i + 1)
		}
		if (c > 0) print t, c, name
	}' >"$1"
}

# roundtrip: ns for n round trips
roundtrip() { prime_workload --roundtrip "$n" | sed -n 's/.* ns=\([0-9]*\).*/\1/p'; }

# loop [CMD...]: ns for n round trips under CMD (nothing: untraced), the
# best of $reps, with its drops ($best, $best_lost) and the best start-up
# time ($best_start); each run comes right after an untraced one, whose
# best is $best_base: the host's load drifts, the pair shares it
loop() {
	best='' best_lost=0 best_start='' best_base=''
	for i in $(seq "$reps"); do
		if [ $# -gt 0 ]; then
			ns=$(roundtrip)
			[ -n "$ns" ] || { echo "bench: prime_workload --roundtrip failed" >&2; return 1; }
			[ -z "$best_base" ] || [ "$ns" -lt "$best_base" ] && best_base=$ns
			start "$@" || return 1
			[ -z "$best_start" ] || [ "$startup_ms" -lt "$best_start" ] &&
				best_start=$startup_ms
		fi
		ns=$(roundtrip)
		lost=0
		if [ $# -gt 0 ]; then
			[ "$1" = primetrace ] && profile /tmp/bench.prof.run
			stop
		fi
		[ -n "$ns" ] || { echo "bench: prime_workload --roundtrip failed" >&2; return 1; }
		if [ -z "$best" ] || [ "$ns" -lt "$best" ]; then
			best=$ns best_lost=$lost
			if [ -f /tmp/bench.prof.run ]; then
				mv /tmp/bench.prof.run /tmp/bench.prof
			fi
		fi
	done
	return 0
}

echo "PRIME round trips: $n of (export from vprime, import into vgem, close the"
echo "vgem handle, close the fd), best of $reps, each run right after an untraced"
echo "one (the ratio's base); the guest's CPUs are emulated on one host thread, so"
echo "the loop and the tracer share it: a ratio is the whole cost"
row config round_trips "$n"
row config reps "$reps"
row config kernel "$(uname -r)"
loop || exit 1
base=$best
row loop_ns untraced "$base"
printf '  %-30s %7s us/trip\n' untraced "$((base / n / 1000))"
echo "$modes" | while IFS='|' read -r label cmd; do
	[ -z "$only" ] || echo "$label" | grep -Eq "$only" || continue
	# shellcheck disable=SC2086
	set -- $cmd
	if ! available "$1" "$2"; then
		echo "  ${label#primetrace }: not available in this build"
		row unavailable "$label" "not available in this build"
		continue
	fi
	if ! loop "$@"; then
		row failed "$label" "did not attach"
		continue
	fi
	row loop_ns "$label" "$best"
	row base_ns "$label" "$best_base"
	# the best run's programs: ns and calls per round trip
	if [ -s /tmp/bench.prof ]; then
		sort -rn /tmp/bench.prof | while read -r t c name; do
			row prog_ns "$label|$name" "$((t / n))"
			row prog_calls "$label|$name" "$(ratio "$c" "$n")"
		done
	fi
	rm -f /tmp/bench.prof /tmp/bench.prof.run
	row dropped "$label" "$best_lost"
	row startup_ms "$label" "$best_start"
	printf '  %-30s %7s us/trip  ratio=%-6s dropped=%-7s start-up=%s ms\n' "$label" \
		"$((best / n / 1000))" "$(ratio "$best" "$best_base")" "$best_lost" "$best_start"
done

[ -z "$only" ] || exit 0

# Memory per live buffer, while leaky holds N exported buffers (each with
# its GEM handle and fd): the tracer's BPF maps (their memlock, from the
# fdinfo of its map fds) and its resident memory, before and while live.
# The primetrace mode that keeps a model of every buffer (monitor where
# this build has it, else leaks, bounded far above N), and the count peer.
memmodes="primetrace monitor|primetrace monitor --max-objects 1000000
primetrace leaks|primetrace leaks -j --stream --max-objects 1000000
bpftrace count|bpftrace -B line $here/peer-count.bt"

memlock() {
	t=0
	for f in /proc/$1/fdinfo/*; do
		grep -q '^map_type:' "$f" 2>/dev/null || continue
		m=$(sed -n 's/^memlock:[[:space:]]*//p' "$f")
		t=$((t + ${m:-0}))
	done
	echo $t
}
rss() { echo $(($(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' /proc/$1/status) * 1024)); }

echo
echo "memory while N buffers are live: the tracer's BPF maps (memlock) and its RSS"
ulimit -n 1048576 2>/dev/null || ulimit -n 262144
memwho=
for label in "primetrace monitor" "primetrace leaks"; do
	# shellcheck disable=SC2086
	available $label && memwho=$label && break
done
for count in $live; do
	for label in "$memwho" "bpftrace count"; do
		cmd=$(echo "$memmodes" | sed -n "s/^$label|//p")
		# shellcheck disable=SC2086
		set -- $cmd
		available "$1" "$2" || continue
		start "$@" || continue
		kb=$(memlock $tpid) rb=$(rss $tpid)
		t0=$(cs)
		: >/tmp/leaky.out
		leaky --hold 3600 --count "$count" export >/tmp/leaky.out 2>&1 &
		lk=$!
		while ! grep -q '^DONE' /tmp/leaky.out; do
			kill -0 $lk 2>/dev/null || break
			sleep 0.5
		done
		if ! grep -q '^DONE' /tmp/leaky.out; then
			echo "  $label, $count buffers: leaky failed: $(head -n 1 /tmp/leaky.out)"
			stop
			continue
		fi
		# what the tracer has not read yet is not in its memory yet: wait
		# until its RSS holds still for a second (two minutes at most)
		ra=$(rss $tpid) prev=0 i=0
		while [ "$ra" != "$prev" ] && [ $i -lt 120 ]; do
			sleep 1
			prev=$ra ra=$(rss $tpid) i=$((i + 1))
		done
		ka=$(memlock $tpid)
		stop
		kill $lk
		wait $lk 2>/dev/null
		row kmap_before "$label@$count" "$kb"
		row kmap_after "$label@$count" "$ka"
		row rss_before "$label@$count" "$rb"
		row rss_after "$label@$count" "$ra"
		row dropped "$label@$count" "$lost"
		printf '  %-18s %6s buffers: maps %7s -> %7s B (%s B/buffer), RSS %9s -> %9s B (%s B/buffer), dropped=%s, %s s\n' \
			"$label" "$count" "$kb" "$ka" "$(ratio "$((ka - kb))" "$count")" "$rb" "$ra" \
			"$(ratio "$((ra - rb))" "$count")" "$lost" "$((($(cs) - t0) / 100))"
	done
done

# The kernel tables of --tables are preallocated hash maps: their memlock
# is fixed at load, and what a live buffer costs is what one entry costs.
# Each table's memlock divided by its entries, from bpftool: a live buffer
# takes one live_bufs entry and one live_handles entry per GEM handle
# (leaky's buffers: one each); its stacks, stored once per distinct
# stack, are shared. Before 6.4 a map's memlock is its keys and values
# only (bpf_map_memory_footprint()); the hash element header (48 B) and its
# bucket (16 B) are added here, as 6.4's htab_map_mem_usage() counts them.
if command -v bpftool >/dev/null && available primetrace monitor; then
	hdr=0
	kv=$(uname -r | sed -E 's/^([0-9]+)\.([0-9]+).*/\1 \2/')
	set -- $kv
	{ [ "$1" -lt 6 ] || { [ "$1" = 6 ] && [ "$2" -lt 4 ]; }; } && hdr=64
	echo
	echo "kernel tables (monitor --tables): bytes per entry, memlock / max_entries"
	if start primetrace monitor --tables --no-socket; then
		bpftool map show 2>/dev/null | awk '
			/^[0-9]+:/ { name = ""; for (i = 1; i < NF; i++) if ($i == "name") name = $(i + 1) }
			/max_entries/ {
				for (i = 1; i < NF; i++) {
					if ($i == "max_entries") m = $(i + 1)
					if ($i == "memlock") b = $(i + 1)
				}
				sub(/B$/, "", b)
				if (name == "live_bufs" || name == "live_handles" ||
				    name == "kstacks" || name == "ustacks" ||
				    name == "stack_pairs" || name == "names")
					print name, int(b / m)
			}' >/tmp/kentry
		stop
		while read -r name per; do
			row kentry_memlock "$name" "$per"
			row kentry_bytes "$name" "$((per + hdr))"
			printf '  %-14s %6s B per entry (memlock %s B + %s B header and bucket)\n' \
				"$name" "$((per + hdr))" "$per" "$hdr"
		done </tmp/kentry
	fi
fi

echo
echo "finding live dma-bufs: primetrace objects vs scanning /proc/*/fd and fdinfo"
m=${BENCH_BUFFERS:-300}
leaky --hold 300 --count "$m" export >/tmp/leaky.out 2>&1 &
lk=$!
while ! grep -q '^DONE' /tmp/leaky.out; do sleep 0.2; done
leaky --hold 300 import >/tmp/leaky2.out 2>&1 &
lk2=$!
while ! grep -q '^DONE' /tmp/leaky2.out; do sleep 0.2; done
t0=$(cs)
found=0
for fd in /proc/[0-9]*/fd/*; do
	case "$(readlink "$fd" 2>/dev/null)" in
	/dmabuf:* | anon_inode:dmabuf)
		info=${fd%/fd/*}/fdinfo/${fd##*/}
		grep -q '^exp_name:' "$info" 2>/dev/null && found=$((found + 1))
		;;
	esac
done
t1=$(cs)
primetrace objects -j >/tmp/objects.json 2>/tmp/objects.err
t2=$(cs)
ours=$(grep -o '{"ino":' /tmp/objects.json | wc -l)
kill $lk $lk2
wait 2>/dev/null
row objects_ms "/proc scan" "$(((t1 - t0) * 10))"
row objects_found "/proc scan" "$found"
row objects_ms "primetrace objects" "$(((t2 - t1) * 10))"
row objects_found "primetrace objects" "$ours"
printf '  %-34s %6s ms  %4s dma-bufs (fds only; exporter reads "drm")\n' "/proc scan" \
	"$(((t1 - t0) * 10))" "$found"
printf '  %-34s %6s ms  %4s dma-bufs (fds, GEM handles, mappings; exporting driver)\n' \
	"primetrace objects" "$(((t2 - t1) * 10))" "$ours"
printf '  time ratio primetrace/proc-scan=%s; buffers found by primetrace only: %s\n' \
	"$(ratio "$((t2 - t1 + 1))" "$((t1 - t0 + 1))")" "$((ours - found))"
