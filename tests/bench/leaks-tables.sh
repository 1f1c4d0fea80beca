#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# What 'primetrace leaks' costs a PRIME-heavy process, streaming every event
# and with the kernel's live tables (--tables), in one VM boot: the time of
# 'prime_workload --burst N' (N exports of one object, each fd closed) and
# of K runs of 'leaky clean' (each a process that exports a buffer,
# imports it into the second device, maps it, passes an fd and closes
# everything: round trips, with a process start each) untraced, under
# 'leaks', and under 'leaks --tables', as ratios to the untraced run; and
# the bytes per entry of the live tables in kernel maps (bpftool's memlock
# over max_entries: the hash maps are allocated whole at load).
#
#   make bins kmod && tests/bench/leaks-tables.sh [KERNEL] [N] [REPEAT] [K]
#
# Prints key=value lines.
set -e
top=$(cd "$(dirname "$0")/../.." && pwd)
kernel=${1:-6.1}
n=${2:-2000}
repeat=${3:-3}
k=${4:-30}
guest=$(mktemp)
trap 'rm -f "$guest"' EXIT
cat >"$guest" <<GUEST
n=$n
repeat=$repeat
k=$k
GUEST
cat >>"$guest" <<'GUEST'
# the best of repeat runs: the least disturbed by the emulator
burst() {
	best=
	for _ in $(seq "$repeat"); do
		ns=$(prime_workload --burst "$n" | sed -n 's/.*ns=\([0-9]*\).*/\1/p')
		[ -z "$best" ] || [ "$ns" -lt "$best" ] && best=$ns
	done
	echo "$best"
}
# K round trips, each in its own process
# (in ns, from /proc/uptime: the guest's date has no %N)
trips() {
	t0=$(cut -d' ' -f1 /proc/uptime)
	for _ in $(seq "$k"); do leaky clean >/dev/null; done
	awk -v t0="$t0" '{ printf "%.0f\n", ($1 - t0) * 1e9 }' /proc/uptime
}
# under LABEL LEAKS-ARGS...: the burst while 'primetrace leaks' runs
under() {
	label=$1
	shift
	rm -f /tmp/leaks.err
	primetrace leaks -D 3600 "$@" >/tmp/leaks.out 2>/tmp/leaks.err &
	lp=$!
	while ! grep -q "tracing with" /tmp/leaks.err 2>/dev/null; do sleep 0.2; done
	ns=$(burst)
	trip=$(trips)
	if [ "$label" = tables ]; then
		for m in live_bufs live_handles; do
			bpftool map show name $m | tr -s ' \n' ' ' |
				sed -n "s/.*max_entries \([0-9]*\) *memlock \([0-9]*\)B.*/${m}_entries=\1 ${m}_memlock=\2/p"
			echo
		done
	fi
	kill -INT $lp
	wait $lp
	echo "${label}_ns=$ns"
	echo "${label}_trips_ns=$trip"
	head -n 1 /tmp/leaks.out | sed "s/^/${label}_report: /"
}
echo "untraced_ns=$(burst)"
echo "untraced_trips_ns=$(trips)"
under events
under tables --tables
GUEST
"$top/tools/vmtest" --kernel "$kernel" --with-binary bpftool --with "$guest" -- sh "/extra/$(basename "$guest")" |
	tee /dev/stderr | awk -F'[= ]' '
	/^untraced_ns=/ { u = $2 }
	/^events_ns=/ { e = $2 }
	/^tables_ns=/ { t = $2 }
	/^untraced_trips_ns=/ { ru = $2 }
	/^events_trips_ns=/ { re = $2 }
	/^tables_trips_ns=/ { rt = $2 }
	/^live_bufs_entries=/ { be = $2; bm = $4 }
	/^live_handles_entries=/ { he = $2; hm = $4 }
	END {
		if (!u) exit 1
		printf "burst_events_ratio=%.2f\nburst_tables_ratio=%.2f\n", e / u, t / u
		printf "trips_events_ratio=%.2f\ntrips_tables_ratio=%.2f\n", re / ru, rt / ru
		if (be) printf "bytes_per_buffer_entry=%d\nbytes_per_handle_entry=%d\n", bm / be, hm / he
	}'
