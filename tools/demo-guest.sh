#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The demo, inside the VM (tools/demo boots it): trace a workload that takes
# every PRIME path, then hunt the one buffer a second workload leaks.

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# start_bg NAME CMD...: run CMD in the background, wait until primetrace
# says it is tracing
start_bg() {
	name=$1
	shift
	"$@" >"/tmp/$name.out" 2>"/tmp/$name.err" &
	pid=$!
	i=0
	while ! grep -q 'tracing with' "/tmp/$name.err" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 600 ] || ! kill -0 $pid 2>/dev/null; then
			echo "demo: $name did not start:" >&2
			cat "/tmp/$name.err" >&2
			exit 1
		fi
		sleep 0.1
	done
}

say "$(uname -r): DRM devices"
for f in /sys/kernel/debug/dri/[0-9]/name; do
	printf '  card%s  %s\n' "$(basename "$(dirname "$f")")" "$(cut -d' ' -f1 "$f")"
done

say "primetrace features: how this kernel is hooked"
primetrace features | sed -n '/^HOOK/,$p' | sed 's/^/  /' | head -12
echo "  ..."
primetrace features | tail -n 1 | sed 's/^/  /'

say "primetrace trace -d vprime, while prime_workload takes every PRIME path"
start_bg trace primetrace trace -d vprime
prime_workload >/tmp/workload.out
kill -INT $pid
wait $pid
head -n 24 /tmp/trace.out | cut -c1-160
echo "  ... ($(($(wc -l </tmp/trace.out) - 1)) events)"
sed 's/^/  /' /tmp/trace.err | grep -v 'tracing with'

say "primetrace leaks -D 8, while leaky runs cleanly once, then leaks one import handle and holds it"
start_bg leaks primetrace leaks -D 8 --perfetto /out/demo-timeline.json
leaky clean >/dev/null
leaky --hold 60 import >/tmp/leaky.out &
leaky=$!
wait $pid
kill $leaky
wait $leaky 2>/dev/null
sed 's/^/  leaky: /' /tmp/leaky.out
echo
cat /tmp/leaks.out
grep -v 'tracing with' /tmp/leaks.err | sed 's/^/  /'
