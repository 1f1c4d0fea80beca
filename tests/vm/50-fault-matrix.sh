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

# run_one BIN SUBTEST: RESULT and reason of one subtest in a process of its
# own; with a live checker, the subtests it flagged are listed in
# /tmp/checker.flagged
run_one() {
	local bin="$1" sub="$2" log=/tmp/matrix.log
	$CHECK "$bin" --device "$DEVICES" --run-subtest "$sub" >"$log" 2>&1
	grep -q '^(.*) CRITICAL: Live check failed: ' "$log" && echo "$bin/$sub" >>/tmp/checker.flagged
	igt_results <"$log" | grep " $sub " | head -n 1 | grep . ||
		echo "NONE $sub $(tail -n 1 "$log")"
}

set_fault() {
	local i
	for i in 0 1; do
		echo "$2" >"$(vprime_dir $i)/faults/$1" || return 1
	done
}

reclaim() {
	local i
	for i in 0 1; do
		echo 1 >"$(vprime_dir $i)/leaks"
	done
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
		set_fault "$fault" 1 || { fail "fault $fault" "cannot switch it on"; return; }
	fi
	: >/tmp/checker.flagged
	for bin in $CONFORMANCE_BINS; do
		for sub in $("$bin" --list-subtests); do
			reclaim
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
				else
					fail "fault $fault spares $bin/$sub" "$result: $why"
				fi ;;
			esac
		done
	done
	[ "$fault" = none ] || set_fault "$fault" 0
	reclaim
	pass "fault $fault: the $others other subtests pass"
	# the live checker must see each fault on its own, from the kernel side;
	# but which page a CPU mapping shows is decided in the driver's fault
	# handler, where no PRIME or dma-buf hook looks
	if [ -n "$CHECK" ] && [ "$fault" != none ]; then
		if [ "$fault" = dmabuf_mmap_wrong_page ]; then
			skip "fault $fault: the live checker" "mapped page contents are not seen at PRIME hooks"
		elif [ -s /tmp/checker.flagged ]; then
			pass "fault $fault: the live checker flags $(wc -l </tmp/checker.flagged) subtests"
		else
			fail "fault $fault: the live checker" "it flagged no subtest"
		fi
	fi
}

matrix_row none
for f in $FAULTS; do
	matrix_row "$f"
done
# every knob of the driver has a row
for k in "$(vprime_dir 0)"/faults/*; do
	k=$(basename "$k")
	case " $(echo "$FAULTS" | tr -s ' \t\n' '   ') " in
	*" $k "*) ;;
	*) fail "fault $k" "a knob the matrix does not know: add its row" ;;
	esac
done
