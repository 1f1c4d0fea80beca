# SPDX-License-Identifier: GPL-2.0
# 30-conformance: the IGT-style PRIME suite (conformance/*) on every DRM
# driver in the VM. Each binary runs once per device pair, its IGT output
# ("Subtest x: SUCCESS|FAIL|SKIP|CRASH (t)") becomes result lines named
# DEVICE/BINARY/SUBTEST, with the skip or failure reason.
#
# Device pairs (--device A;B: A is the device under test, B the peer of the
# cross-device subtests):
#   vprime;vprime:1    the reference driver, ground truth on both sides
#   vprime-render      the same on the two instances' render nodes: what
#                      needs a primary node (GEM_FLINK) skips
#   vgem;vprime        vgem exports to vprime, and imports from it
#   virtio_gpu;vprime  virtio-gpu exports to vprime; it refuses imports of
#                      other drivers' dma-bufs (ENODEV): those skip
#   virtio_gpu;vgem    prime_cross only: the pair without vprime
#
# The live checker: each binary runs as '$CHECK BINARY --device ...'. CHECK
# defaults to a client of one 'primetrace check --serve' started for the
# whole script (attaching and detaching the hooks takes seconds under TCG,
# a subtest milliseconds), once primetrace has that command; to nothing
# before (CHECK= in the environment turns it off, CHECK="primetrace check
# --" runs a checker per binary). The client runs the binary as its child
# with PRIMETRACE_CHECK_FDS set; the harness asks for a verdict at the end
# of each subtest (conformance/lib/igt_core.c), and a violation seen turns
# the subtest into FAIL with the checker's reason ("Live check failed: ...")
# in the log; every violation is also a line "primetrace check: BINARY/
# SUBTEST: RULE: ..." in the log. A checker that exits non-zero although no
# subtest failed (a violation outside the subtests) fails the binary's run.
#
# Sourced with CONFORMANCE_LIB=1 (50-fault-matrix.sh) it only defines the
# functions.

[ -n "${CONFORMANCE_LIB:-}" ] || . testlib.sh

CONFORMANCE_BINS="prime_self_import prime_mmap prime_cache prime_lifetime prime_cross"
CHECK_SOCKET=/tmp/primetrace-check.sock
if [ -z "${CHECK+set}" ]; then
	CHECK=
	primetrace check --help >/dev/null 2>&1 &&
		CHECK="primetrace check --connect $CHECK_SOCKET --"
fi
export IGT_PLAIN_OUTPUT=1

# igt_results LOG: one "RESULT SUBTEST REASON" line per subtest in an IGT
# log, the reason being the last message the subtest printed
igt_results() {
	awk '
	/^Starting subtest: / { name = $3; why = ""; next }
	/^Subtest [^ ]+: [A-Z]+ \(/ {
		sub(/:$/, "", $2)
		# not started: a fixture failed or skipped, for this and the
		# following subtests, with the reason printed before
		if ($2 != name) {
			if (why != "")
				fixture = why
			why = fixture
		}
		print $3, $2, why
		name = ""; why = ""; next
	}
	/^(Last errno|Test requirement|Subtest .* failed\.|\*\*\*\*|Stack trace|Received signal)/ { next }
	/^\(.*\) DEBUG: / { next }
	/[^ ]/ {
		line = $0
		sub(/^\([^)]*\) (CRITICAL|WARNING): /, "", line)
		if (line !~ /^(Test assertion failure|Failed assertion)/ || why == "")
			why = line
	}'
}

# checker_start: the server CHECK connects to, when it does
checker_start() {
	local i=0
	case "$CHECK" in
	*" --connect $CHECK_SOCKET "*) ;;
	*) return 0 ;;
	esac
	primetrace check --serve "$CHECK_SOCKET" 2>/tmp/checker.log &
	CHECK_PID=$!
	while [ ! -S "$CHECK_SOCKET" ] && [ $i -lt 1200 ] && kill -0 "$CHECK_PID" 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -S "$CHECK_SOCKET" ] && return 0
	fail "live checker" "the server did not start: $(tail -n 3 /tmp/checker.log | tr '\n' ' ')"
	CHECK=
}

# checker_stop: end the server; nothing may have happened outside a session
checker_stop() {
	local rc=0
	[ -n "${CHECK_PID:-}" ] || return 0
	kill -INT "$CHECK_PID"
	wait "$CHECK_PID" || rc=$?
	CHECK_PID=
	if [ "$rc" = 0 ]; then
		pass "live checker: no violation outside the binaries' runs"
	else
		fail "live checker" "exit $rc: $(grep -v '^primetrace check: serving' /tmp/checker.log |
			tail -n 3 | tr '\n' ' ')"
	fi
}

# run_binary LABEL BIN DEVICES [IGT ARGS...]: run one binary, print its result
# lines; the raw log goes to /tmp/LABEL-BIN.log
run_binary() {
	local label="$1" bin="$2" devices="$3" log out rc subtests s
	shift 3
	log=/tmp/$(echo "$label-$bin" | tr '/;:' '___').log
	$CHECK "$bin" --device "$devices" "$@" >"$log" 2>&1
	rc=$?
	out=$(igt_results <"$log")
	echo "$out" | while read -r result name why; do
		[ -n "$name" ] || continue
		case "$result" in
		SUCCESS) pass "$label/$bin/$name" ;;
		SKIP) skip "$label/$bin/$name" "${why:-skipped}" ;;
		*) fail "$label/$bin/$name" "$result: ${why:-see $log}" ;;
		esac
	done
	# a subtest that never reported: the binary died in it
	subtests=$("$bin" --list-subtests "$@" 2>/dev/null)
	for s in $subtests; do
		echo "$out" | grep -q "^[A-Z]* $s " || echo "$out" | grep -q "^[A-Z]* $s\$" ||
			fail "$label/$bin/$s" "no result (exit $rc): $(tail -n 2 "$log" | tr '\n' ' ')"
	done
	case "$rc" in
	0 | 77) ;;
	98) echo "$out" | grep -q '^\(FAIL\|CRASH\) ' ||
		fail "$label/$bin" "exit 98 without a failed subtest: $(tail -n 3 "$log" | tr '\n' ' ')" ;;
	*) fail "$label/$bin" "exit $rc: $(tail -n 3 "$log" | tr '\n' ' ')" ;;
	esac
	return 0
}

# run_suite LABEL DEVICES [BINARIES]: every binary against one device pair
run_suite() {
	local label="$1" devices="$2" bins="${3:-$CONFORMANCE_BINS}" bin
	for bin in $bins; do
		run_binary "$label" "$bin" "$devices"
	done
}

conformance_main() {
	local d
	checker_start
	if [ -n "$CHECK" ]; then
		pass "live checker: $CHECK"
	else
		skip "live checker" "primetrace has no 'check' command: the suite runs unchecked"
	fi
	# each driver must be there: a missing one would only skip
	for d in vprime vgem virtio_gpu; do
		grep -qs "^$d " /sys/kernel/debug/dri/*/name || fail "$d" "no $d device in the VM"
	done
	run_suite vprime "vprime;vprime:1"
	run_suite vprime-render \
		"/dev/dri/$(cut -d' ' -f2 "$(vprime_dir 0)/card");/dev/dri/$(cut -d' ' -f2 "$(vprime_dir 1)/card")"
	run_suite vgem "vgem;vprime"
	run_suite virtio_gpu "virtio_gpu;vprime"
	run_suite virtio_gpu-vgem "virtio_gpu;vgem" prime_cross
	checker_stop
	# nothing may be left behind on vprime once every file is closed
	for d in 0 1; do
		check "vprime.$d: no objects left" \
			grep -qx 'objects 0' "$(vprime_dir $d)/objects"
	done
}

[ -n "${CONFORMANCE_LIB:-}" ] || conformance_main
