# SPDX-License-Identifier: GPL-2.0
# 50-fault-matrix: proof that the conformance suite can fail. For each of
# vprime's fault knobs (faults/<name>, docs/vprime.md), switched on for both
# vprime instances, every subtest of the suite runs on vprime;vprime:1 in a
# process of its own: the subtests the table below says the fault breaks
# must fail, all the others must pass. With no fault, all must pass.
#
# Between subtests the references faults leaked on purpose are given back
# (vprime's 'leaks' file), so that a leak of one subtest cannot fail the
# next: each subtest fails for what it checks itself.
#
# Result lines: one per (fault, subtest it must break), one per fault for
# "the others pass", and one per unexpected result. docs/invariants.md
# explains every entry of the table.
#
# With the live checker (CHECK, see 30-conformance.sh; one server for the
# whole matrix), each fault must also trip the checker's rules listed by
# checker_must, seen from the kernel side in the subtests it breaks or in
# others: a subtest whose own assertions pass but in which the checker saw
# the fault fails, and that is a pass of the matrix when the rule is one
# the fault is expected to trip (checker_must, checker_may). Any other
# rule firing, or any firing with no fault, fails the matrix.
#
# The *_bypass_cache and export_new_dmabuf faults need vprime's own PRIME
# hooks: forced on before 6.6, module parameter prime_hooks=1 after
# (50-fault-matrix.args).

. testlib.sh
CONFORMANCE_LIB=1 . 30-conformance.sh
# the races only need to run long enough to leak once
export PRIMETRACE_RACE_SECONDS=1

DEVICES="vprime;vprime:1"
FAULTS="export_extra_ref import_skip_prime_destroy unpin_noop no_get_sg_table
	import_bypass_cache export_bypass_cache no_self_import export_new_dmabuf
	dmabuf_mmap_wrong_page"

# breaks FAULT: the subtests (BINARY/SUBTEST) the fault must make fail; '*'
# for all of them. Why each one fails: docs/invariants.md.
breaks() {
	case "$1" in
	export_extra_ref)
		# every subtest exports and checks for leaks when it is done
		echo '*' ;;
	import_skip_prime_destroy)
		# an import's free keeps its attachment and dma-buf reference
		echo prime_lifetime/dmabuf-export \
			prime_cross/cross-import-attach prime_cross/cross-teardown-detach \
			prime_cross/cross-reimport-same-handle prime_cross/cross-reexport-original \
			prime_cross/cross-roundtrip-self-import prime_cross/cross-exporter-gone-first \
			prime_cross/cross-importer-file-close prime_cross/cross-import-reverse ;;
	unpin_noop)
		# a detach leaves the exporter's object pinned
		echo prime_cross/cross-teardown-detach prime_cross/cross-importer-file-close \
			prime_cross/cross-import-reverse ;;
	no_get_sg_table)
		# objects made under it cannot be shared with another device
		echo prime_lifetime/dmabuf-export \
			prime_cross/cross-import-attach prime_cross/cross-teardown-detach \
			prime_cross/cross-reimport-same-handle prime_cross/cross-reexport-original \
			prime_cross/cross-roundtrip-self-import prime_cross/cross-exporter-gone-first \
			prime_cross/cross-importer-file-close prime_cross/cross-import-reverse ;;
	import_bypass_cache)
		# imports skip the file's lookup cache: a new handle each time
		echo prime_self_import/basic-with_one_bo prime_self_import/basic-with_one_bo_two_files \
			prime_cache/import-same-handle prime_cache/self-import-same-handle \
			prime_cache/self-import-gem-ref prime_cache/cache-weak-gem-close-export \
			prime_cache/cache-weak-no-leak prime_cache/file-close-clears-cache \
			prime_cross/cross-reimport-same-handle prime_cross/cross-roundtrip-self-import ;;
	export_bypass_cache)
		# exports are not entered in the exporter's cache
		echo prime_self_import/basic-with_one_bo prime_self_import/basic-with_one_bo_two_files \
			prime_cache/export-two-files-same-dmabuf prime_cache/import-same-handle \
			prime_cache/self-import-same-handle prime_cache/cache-weak-gem-close-export \
			prime_cache/cache-weak-gem-close-import \
			prime_cache/file-close-clears-cache prime_cross/cross-roundtrip-self-import ;;
	no_self_import)
		# an import of the device's own dma-buf into another file makes
		# a second, attached object instead of returning the original
		echo prime_self_import/basic-with_one_bo prime_self_import/basic-with_two_bos \
			prime_self_import/basic-with_fd_dup \
			prime_cache/import-same-handle prime_cache/self-import-gem-ref \
			prime_cache/cache-weak-gem-close-export prime_cache/cache-weak-gem-close-import \
			prime_lifetime/dmabuf-holds-object prime_cross/cross-no-sg-table-refused ;;
	export_new_dmabuf)
		# every export is a new dma-buf, not entered in the exporter's
		# cache; re-exporting an import too
		echo prime_self_import/basic-with_one_bo prime_self_import/basic-with_one_bo_two_files \
			prime_cache/export-same-dmabuf prime_cache/export-two-files-same-dmabuf \
			prime_cache/import-same-handle prime_cache/self-import-same-handle \
			prime_cache/cache-weak-gem-close-export prime_cache/cache-weak-gem-close-import \
			prime_cache/file-close-clears-cache prime_lifetime/export-takes-one-ref \
			prime_lifetime/export-closed-handle-enoent prime_cross/cross-reexport-original \
			prime_cross/cross-roundtrip-self-import ;;
	dmabuf_mmap_wrong_page)
		# a dma-buf mapping shows the object's next page at each page
		echo prime_mmap/test_correct prime_mmap/test_map_unmap prime_mmap/test_reprime \
			prime_mmap/test_forked prime_mmap/test_correct_cpu_write \
			prime_mmap/test_forked_cpu_write prime_mmap/test_refcounting \
			prime_mmap/test_dup prime_mmap/dmabuf-mmap ;;
	esac
}

# checker_must FAULT: the live checker's rules (docs/invariants.md, "The
# live checker") the fault must trip; checker_may FAULT: others that follow
# from it; checker_blind FAULT: why no rule can see the fault
checker_must() {
	case "$1" in
	export_extra_ref) echo export-ref truth-refs ;;
	import_skip_prime_destroy) echo import-teardown ;;
	unpin_noop) echo truth-pins ;;
	import_bypass_cache) echo import-cache ;;
	export_bypass_cache) echo export-cache ;;
	no_self_import) echo self-import ;;
	export_new_dmabuf) echo one-dmabuf reexport export-cache ;;
	esac
}

checker_may() {
	case "$1" in
	# the extra dma-bufs are imported into their own device like foreign ones
	export_new_dmabuf) echo self-import ;;
	esac
}

checker_blind() {
	case "$1" in
	no_get_sg_table)
		echo "a refused attach is what A3 asks for an object without get_sg_table;" \
			"which objects have one is the driver's choice, seen by no PRIME hook" ;;
	dmabuf_mmap_wrong_page)
		echo "mapped page contents are not seen at PRIME hooks" ;;
	esac
}

# run_one BIN SUBTEST: RESULT and reason of one subtest in a process of its
# own; with a live checker, "BIN/SUBTEST RULE" for each rule it saw broken
# in the subtest goes to /tmp/checker.flagged, and /tmp/matrix.live says
# whether a rule of it alone failed the subtest (not "incomplete")
run_one() {
	local bin="$1" sub="$2" log=/tmp/matrix.log
	$CHECK "$bin" --device "$DEVICES" --run-subtest "$sub" >"$log" 2>&1
	sed -n "s|^primetrace check: $bin/$sub: [A-Z][0-9] \([a-z0-9-]*\): .*|$bin/$sub \1|p" "$log" |
		sort -u >>/tmp/checker.flagged
	if grep -q '^(.*) CRITICAL: Live check failed: [A-Z][0-9] ' "$log"; then
		echo 1 >/tmp/matrix.live
	else
		echo 0 >/tmp/matrix.live
	fi
	igt_results <"$log" | grep " $sub " | head -n 1 | grep . ||
		echo "NONE $sub $(tail -n 1 "$log")"
}

# matrix_row FAULT|none: every subtest under one fault
matrix_row() {
	local fault="$1" want others=0 bin sub result why
	want=" $(breaks "$fault") "
	if [ "$fault" != none ]; then
		case "$(cat "$(vprime_dir 0)/faults/$fault" 2>/dev/null)" in
		0 | 1) ;;
		unsupported) skip "fault $fault" "this kernel cannot break that rule"; return ;;
		*) fail "fault $fault" "no such knob in $(vprime_dir 0)/faults"; return ;;
		esac
		vprime_fault "$fault" 1 || { fail "fault $fault" "cannot switch it on"; return; }
	fi
	: >/tmp/checker.flagged
	for bin in $CONFORMANCE_BINS; do
		for sub in $("$bin" --list-subtests); do
			vprime_reclaim
			read -r result _ why <<-EOF
			$(run_one "$bin" "$sub")
			EOF
			case "$want" in
			" * " | *" $bin/$sub "*)
				if [ "$result" = FAIL ]; then
					pass "fault $fault breaks $bin/$sub"
				else
					fail "fault $fault breaks $bin/$sub" "it did not: $result $why"
				fi ;;
			*)
				if [ "$result" = SUCCESS ]; then
					others=$((others + 1))
				elif [ "$fault" != none ] && [ "$result" = FAIL ] &&
					[ "$(cat /tmp/matrix.live)" = 1 ]; then
					# its own checks pass: the checker saw the fault
					# in it (its rules are checked below)
					pass "fault $fault: only the live checker fails $bin/$sub"
				else
					fail "fault $fault spares $bin/$sub" "$result: $why"
				fi ;;
			esac
		done
	done
	[ "$fault" = none ] || vprime_fault "$fault" 0
	vprime_reclaim
	pass "fault $fault: the $others other subtests pass"
	[ -n "$CHECK" ] && checker_row "$fault"
}

# checker_row FAULT: the live checker saw the fault on its own, from the
# kernel side, through the rules it breaks and no others
checker_row() {
	local fault="$1" rule n sub allowed
	allowed=" $(checker_must "$fault") $(checker_may "$fault") "
	while read -r sub rule; do
		case "$allowed" in
		*" $rule "*) ;;
		*) fail "fault $fault: the live checker on $sub" "$rule fired, a rule this fault does not break" ;;
		esac
	done </tmp/checker.flagged
	[ "$fault" = none ] && return
	if [ -z "$(checker_must "$fault")" ]; then
		skip "fault $fault: the live checker" "$(checker_blind "$fault")"
		return
	fi
	for rule in $(checker_must "$fault"); do
		n=$(grep -c " $rule\$" /tmp/checker.flagged)
		if [ "$n" -gt 0 ]; then
			pass "fault $fault: the live checker flags $rule in $n subtests"
		else
			fail "fault $fault: the live checker" "$rule never fired"
		fi
	done
}

checker_start
matrix_row none
for f in $FAULTS; do
	matrix_row "$f"
done
checker_stop
# every knob of the driver has a row
for k in "$(vprime_dir 0)"/faults/*; do
	k=$(basename "$k")
	case " $(echo "$FAULTS" | tr -s ' \t\n' '   ') " in
	*" $k "*) ;;
	*) fail "fault $k" "a knob the matrix does not know: add its row" ;;
	esac
done
