# SPDX-License-Identifier: GPL-2.0
# 30-conformance-harness: the conformance harness (conformance/lib) behaves as
# IGT's does, so that igt_runner can run the suite: --list-subtests,
# --run-subtest with wildcards, the "Starting subtest" and "Subtest x: RESULT
# (t)" lines, exit codes 0/77/79/98, fixtures scoped by their group; and the
# live-checker protocol (PRIMETRACE_CHECK_FDS) turns a checker's verdict into
# the subtest's result. harness_selftest has subtests with known outcomes.

. testlib.sh
export IGT_PLAIN_OUTPUT=1
T=harness_selftest
log=/tmp/harness.log

# expect NAME STATUS ARGS...: run the selftest, want exit STATUS
expect() {
	local name="$1" want="$2" rc
	shift 2
	$T "$@" >$log 2>&1
	rc=$?
	if [ "$rc" = "$want" ]; then
		pass "harness: $name (exit $rc)"
	else
		fail "harness: $name" "exit $rc, expected $want: $(tail -n 3 $log | tr '\n' ' ')"
	fi
}

# has NAME PATTERN: the last run's output has a line matching PATTERN
has() {
	if grep -Eq "$2" $log; then
		pass "harness: $1"
	else
		fail "harness: $1" "no line matching '$2' in: $(head -n 20 $log | tr '\n' ' ')"
	fi
}

expect "--list-subtests" 0 --list-subtests
check "harness: the subtests, in order" test "$(tr '\n' ' ' <$log)" = \
	"success failure skip errno-failure child-failure fixture-skip-a fixture-skip-b fixture-fail-a after-groups crash "

expect "a passing subtest" 0 --run-subtest success
has "IGT-Version line" '^IGT-Version: '
has "Starting subtest line" '^Starting subtest: success$'
has "result line with the time" '^Subtest success: SUCCESS \([0-9]+\.[0-9]{3}s\)$'
has "info goes to stdout" '^all is well$'

expect "a failing subtest" 98 --run-subtest failure
has "failure result" '^Subtest failure: FAIL \('
has "the failed assertion" 'CRITICAL: Failed assertion: 1 \+ 1 == 3'
has "the log dump" '^\*\*\*\* DEBUG \*\*\*\*$'

expect "a skipping subtest" 77 --run-subtest skip
has "skip result" '^Subtest skip: SKIP \('
has "the requirement" '^Test requirement: false$'

expect "errno assert" 98 --run-subtest errno-failure
has "the errno assert's message" 'returned -1, errno 9 .*expected 2'

expect "a child's failure" 98 --run-subtest child-failure
has "child failure result" '^Subtest child-failure: FAIL \('

expect "a skipping fixture" 77 --run-subtest 'fixture-skip-*'
has "fixture skip, first subtest" '^Subtest fixture-skip-a: SKIP \(0\.000s\)$'
has "fixture skip, second subtest" '^Subtest fixture-skip-b: SKIP \(0\.000s\)$'
has "fixture skip reason" 'a fixture requirement that never holds'

export HARNESS_FIXTURE_FAIL=1
expect "a failing fixture" 98 --run-subtest 'fixture-fail-a'
has "fixture failure" '^Subtest fixture-fail-a: FAIL \(0\.000s\)$'

expect "wildcards, a list and a negation" 98 --run-subtest 'fixture-*,after-*,!fixture-skip-b'
unset HARNESS_FIXTURE_FAIL
has "group scope" '^Subtest after-groups: SUCCESS'
if grep -q 'fixture-skip-b' $log; then
	fail "harness: a negated pattern" "fixture-skip-b ran"
else
	pass "harness: a negated pattern"
fi

expect "success and skip: success" 0 --run-subtest 'success,skip'
expect "an unknown subtest" 79 --run-subtest no-such-subtest
has "unknown subtest message" 'Unknown subtest: no-such-subtest'
expect "an unknown option" 79 --no-such-option
expect "--help" 0 --help
expect "a crash" 98 --run-subtest crash
has "crash result" '^Subtest crash: CRASH \('

expect "--describe" 0 --describe=success
has "describe output" '^SUB success .*harness_selftest.c:[0-9]+:$'

# the live-checker protocol, with a checker that answers VERDICT to "end"
fake_checker() {
	local verdict="$1" cmd test sub res
	while read -r cmd test sub res; do
		echo "$cmd $test $sub $res" >>/tmp/checker.seen
		case "$cmd" in
		begin) echo ok ;;
		end) echo "$verdict" ;;
		esac
	done
}

with_checker() {
	local verdict="$1" rc
	shift
	rm -f /tmp/req /tmp/rep /tmp/checker.seen
	mkfifo /tmp/req /tmp/rep
	fake_checker "$verdict" </tmp/req >/tmp/rep &
	PRIMETRACE_CHECK_FDS=3,4 $T "$@" 3>/tmp/req 4</tmp/rep >$log 2>&1
	rc=$?
	wait
	return $rc
}

with_checker ok --run-subtest success
check "checker: ok keeps a pass (exit 0)" test $? = 0
check "checker: sees begin and end" grep -qx 'end harness_selftest success SUCCESS' /tmp/checker.seen
grep -q '^begin harness_selftest success' /tmp/checker.seen ||
	fail "checker: begin line" "$(cat /tmp/checker.seen)"

with_checker "fail refcount of object 3 went below zero" --run-subtest success
check "checker: a violation fails the subtest (exit 98)" test $? = 98
has "checker: FAIL result" '^Subtest success: FAIL \('
has "checker: the reason is logged" 'Live check failed: refcount of object 3 went below zero'

with_checker "fail ignored" --run-subtest skip
check "checker: a skip stays a skip (exit 77)" test $? = 77

# a checker that goes away
rm -f /tmp/req /tmp/rep
mkfifo /tmp/req /tmp/rep
(exec </tmp/req >/tmp/rep; read -r _) &
PRIMETRACE_CHECK_FDS=3,4 $T --run-subtest success 3>/tmp/req 4</tmp/rep >$log 2>&1
rc=$?
wait
check "checker: one that goes away fails the subtest (exit 98)" test $rc = 98
has "checker: gone reason" 'Live check failed: the checker went away'

PRIMETRACE_CHECK_FDS=42 $T --run-subtest success >$log 2>&1
check "checker: fds that are not open are refused (exit 79)" test $? = 79
