# SPDX-License-Identifier: GPL-2.0
# Sourced by the VM test scripts ('. testlib.sh'; it is on PATH in the VM).
# Result lines, counted by tools/run-tests:
#   PASS: name | FAIL: name: why | SKIP: name: why

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: ${2:-failed}"; failed=1; }
skip() { echo "SKIP: $1: ${2:-skipped}"; }
failed=0

# check NAME COMMAND...: PASS if COMMAND succeeds, FAIL with its output if not
check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		pass "$name"
	else
		fail "$name" "$(echo "$out" | tail -n 3 | tr '\n' ' ')"
	fi
}

# wait_until TENTHS COMMAND...: poll every 0.1 s until COMMAND succeeds;
# false once TENTHS polls have failed
wait_until() {
	local n=$1 i=0
	shift
	while ! "$@" >/dev/null 2>&1; do
		[ $i -lt "$n" ] || return 1
		i=$((i + 1))
		sleep 0.1
	done
}

# vprime_dir N: debugfs directory of vprime instance N
vprime_dir() { echo "/sys/kernel/debug/vprime/$1"; }

# vprime_fault NAME 0|1: switch fault knob NAME on both vprime instances
vprime_fault() {
	local i
	for i in 0 1; do
		echo "$2" >"$(vprime_dir $i)/faults/$1" || return 1
	done
}

# vprime_reclaim: both instances give back what their faults leaked
vprime_reclaim() {
	local i
	for i in 0 1; do
		echo 1 >"$(vprime_dir $i)/leaks"
	done
}

# driver_card NAME: the primary node (/dev/dri/cardN) of the first device
# whose DRM driver is NAME. vgem and vprime are platform devices with no
# driver bound in sysfs, so the DRM core's debugfs 'name' file is the source.
driver_card() {
	local f minor
	for f in /sys/kernel/debug/dri/[0-9]*/name; do
		minor=${f#/sys/kernel/debug/dri/}
		minor=${minor%/name}
		[ "$minor" -lt 64 ] 2>/dev/null || continue
		[ "$(cut -d' ' -f1 "$f")" = "$1" ] || continue
		echo "/dev/dri/card$minor"
		return 0
	done
	return 1
}
