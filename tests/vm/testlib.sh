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

# vprime_dir N: debugfs directory of vprime instance N
vprime_dir() { echo "/sys/kernel/debug/vprime/$1"; }

# driver_card NAME: the primary node (/dev/dri/cardN) of the first device
# whose driver is NAME
driver_card() {
	local d
	for d in /sys/class/drm/card[0-9]*; do
		case "$d" in *-*) continue ;; esac
		[ "$(basename "$(readlink "$d/device/driver" 2>/dev/null)")" = "$1" ] ||
			grep -qs "^DRIVER=$1\$" "$d/device/uevent" || continue
		echo "/dev/dri/$(basename "$d")"
		return 0
	done
	return 1
}
