#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make bench, inside the VM (tools/bench boots it). Every figure is a ratio
# of two measurements taken in this one run, on this one (emulated) machine.
n=${BENCH_N:-5000}

# burst [PRIMETRACE-ARGS...]: ns for n exports, with primetrace running as
# given (nothing: untraced); the best of three runs
burst() {
	best=
	for i in 1 2 3; do
		pid=
		: >/tmp/bench.err
		if [ $# -gt 0 ]; then
			primetrace "$@" >/dev/null 2>/tmp/bench.err &
			pid=$!
			while ! grep -Eq '(tracing|checking) with' /tmp/bench.err 2>/dev/null; do
				kill -0 $pid 2>/dev/null || { cat /tmp/bench.err >&2; return 1; }
				sleep 0.1
			done
		fi
		ns=$(prime_workload --burst "$n" | sed -n 's/.* ns=\([0-9]*\).*/\1/p')
		[ -n "$pid" ] && kill -INT $pid && wait $pid
		if [ -z "$best" ] || [ "$ns" -lt "$best" ]; then
			best=$ns
			lost=$(sed -En 's/.* ([0-9]+) (dropped|lost).*/\1/p' /tmp/bench.err | head -n 1)
		fi
	done
	echo "$best ${lost:-0}"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
cs() { cut -d' ' -f1 /proc/uptime | tr -d .; }

echo "tracing overhead: $n exports of a vprime object, each fd closed (best of 3)"
echo "(one emulated CPU runs both the loop and primetrace's reader, so a ratio"
echo " is the whole cost; events the reader could not keep up with are dropped)"
set -- $(burst)
base=$1
printf '  %-36s %6s us/export\n' "untraced" "$((base / n / 1000))"
for mode in "trace" "trace -K -U" "record -o /tmp/bench.json" "leaks -j" "check"; do
	# shellcheck disable=SC2086
	set -- $(burst $mode) || continue
	printf '  %-36s %6s us/export  ratio=%-6s dropped=%s\n' "primetrace $mode" \
		"$(($1 / n / 1000))" "$(ratio "$1" "$base")" "$2"
done

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
printf '  %-34s %6s ms  %4s dma-bufs (fds only; exporter reads "drm")\n' "/proc scan" \
	"$(((t1 - t0) * 10))" "$found"
printf '  %-34s %6s ms  %4s dma-bufs (fds, GEM handles, mappings; exporting driver)\n' \
	"primetrace objects" "$(((t2 - t1) * 10))" "$ours"
printf '  time ratio primetrace/proc-scan=%s; buffers found by primetrace only: %s\n' \
	"$(ratio "$((t2 - t1 + 1))" "$((t1 - t0 + 1))")" "$((ours - found))"
