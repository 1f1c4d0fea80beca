#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# primetrace check on the build host: recordings of each vprime fault
# (tests/unit/data/check-*.json) give their rule's line and exit 3, clean
# ones nothing and exit 0; bad usage and bad input are one line and a
# non-zero exit. Where this kernel lets BPF attach, the session protocol of
# the conformance harness runs live, without DRM: a child speaking it
# through PRIMETRACE_CHECK_FDS, directly and through a server.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
data=$here/../unit/data
tmp=$(mktemp -d)
server=
cleanup() {
	[ -n "$server" ] && kill "$server" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: ${2:-failed}"; }
skip() { echo "SKIP: $1: ${2:-skipped}"; }
# one line on stderr, non-zero exit, not killed by a signal
one_line_error() {
	local rc=$1 err=$2
	[ "$rc" -ne 0 ] && [ "$rc" -lt 128 ] && [ "$(grep -c . "$err")" = 1 ]
}

if ! command -v primetrace >/dev/null; then
	fail "check: primetrace is built" "not on PATH"
	exit 1
fi

# --- recordings ---------------------------------------------------------------
# input RECORDING RULE: the rule's line, exit 3; RULE "-": nothing, exit 0
input() {
	local name=$1 rule=$2 rc=0
	primetrace check -q --input "$data/check-$name.json" >"$tmp/out" 2>"$tmp/err" || rc=$?
	if [ "$rule" = - ]; then
		if [ "$rc" = 0 ] && [ ! -s "$tmp/out" ]; then
			pass "check: --input $name is clean"
		else
			fail "check: --input $name is clean" "exit $rc: $(head -n 2 "$tmp/out" "$tmp/err" | tr '\n' ' ')"
		fi
	elif [ "$rc" = 3 ] && grep -q "^[A-Z][0-9] $rule: " "$tmp/out"; then
		pass "check: --input $name flags $rule"
	else
		fail "check: --input $name flags $rule" "exit $rc: $(head -n 2 "$tmp/out" "$tmp/err" | tr '\n' ' ')"
	fi
}
input clean-cross-teardown -
input clean-export-race -
input extra-ref export-ref
input skip-destroy import-teardown
input import-bypass import-cache
input export-bypass export-cache
input no-self-import self-import
input new-dmabuf one-dmabuf
input new-dmabuf-reexport reexport

primetrace check -q -j --input "$data/check-skip-destroy.json" >"$tmp/out" 2>/dev/null
if grep -q '^{"format":1,"rule":"import-teardown","invariant":"L3","ts":[0-9]*,"pid":[0-9]*,.*"text":"' "$tmp/out"; then
	pass "check: -j gives JSON lines"
else
	fail "check: -j gives JSON lines" "$(head -c 300 "$tmp/out")"
fi

# --- bad usage and bad input ------------------------------------------------------
usage() {
	local name=$1 rc=0
	shift
	primetrace check "$@" >/dev/null 2>"$tmp/err" || rc=$?
	if [ "$rc" = 2 ]; then
		pass "check: $name (exit 2)"
	else
		fail "check: $name" "exit $rc: $(head -n 2 "$tmp/err" | tr '\n' ' ')"
	fi
}
usage "--connect needs a command" --connect "$tmp/none"
usage "--serve takes no command" --serve "$tmp/none" -- true
usage "--input takes no command" --input "$data/check-unpin.json" -- true
usage "a bad --duration" -D -1
usage "a bad --ringbuf-size" -b 3000

rc=0
primetrace check --input "$tmp/no-such-file" >/dev/null 2>"$tmp/err" || rc=$?
one_line_error "$rc" "$tmp/err" && pass "check: a missing recording is one line (exit $rc)" ||
	fail "check: a missing recording is one line" "exit $rc: $(cat "$tmp/err")"
printf 'not json\n' >"$tmp/bad.json"
rc=0
primetrace check -q --input "$tmp/bad.json" >/dev/null 2>"$tmp/err" || rc=$?
[ "$rc" = 1 ] && one_line_error "$rc" "$tmp/err" && pass "check: a bad recording is one line (exit $rc)" ||
	fail "check: a bad recording is one line" "exit $rc: $(cat "$tmp/err")"
rc=0
primetrace check --connect "$tmp/nobody" -- true >/dev/null 2>"$tmp/err" || rc=$?
one_line_error "$rc" "$tmp/err" && pass "check: no server is one line (exit $rc)" ||
	fail "check: no server is one line" "exit $rc: $(cat "$tmp/err")"

# --- live, without DRM: the session protocol ------------------------------------------
# a child of the checker speaking the harness's protocol on PRIMETRACE_CHECK_FDS
cat >"$tmp/child.sh" <<'EOF'
fd=${PRIMETRACE_CHECK_FDS%%,*}
for sub in one two; do
	echo "begin selftest $sub" >&"$fd"
	read -r answer <&"$fd"
	echo "begin $sub: $answer"
	echo "end selftest $sub SUCCESS" >&"$fd"
	read -r answer <&"$fd"
	echo "end $sub: $answer"
done
echo "bogus" >&"$fd"
read -r answer <&"$fd"
echo "bogus: $answer"
exit 7
EOF
if ! primetrace check -q -D 0.1 >/dev/null 2>"$tmp/err"; then
	if one_line_error 1 "$tmp/err"; then
		pass "check: a kernel it cannot hook is one line"
	else
		fail "check: a kernel it cannot hook is one line" "$(tr '\n' ' ' <"$tmp/err")"
	fi
	skip "check: live sessions" "$(head -n 1 "$tmp/err")"
	exit 0
fi
rc=0
primetrace check -q -- bash "$tmp/child.sh" >"$tmp/out" 2>"$tmp/err" || rc=$?
if [ "$rc" = 7 ] && grep -qx 'end two: ok' "$tmp/out" && grep -qx 'begin one: ok' "$tmp/out"; then
	pass "check: a session answers ok and exits with the child's status"
else
	fail "check: a session" "exit $rc: $(cat "$tmp/out" "$tmp/err" | tr '\n' ' ')"
fi
grep -q "^bogus: fail primetrace check: unknown request 'bogus'" "$tmp/out" &&
	pass "check: an unknown request gets a fail" ||
	fail "check: an unknown request gets a fail" "$(cat "$tmp/out" | tr '\n' ' ')"

primetrace check -q --serve "$tmp/sock" 2>"$tmp/server.err" &
server=$!
for _ in $(seq 1 300); do
	[ -S "$tmp/sock" ] && break
	sleep 0.1
done
rc=0
primetrace check --connect "$tmp/sock" -- bash "$tmp/child.sh" >"$tmp/out" 2>"$tmp/err" || rc=$?
if [ "$rc" = 7 ] && grep -qx 'end two: ok' "$tmp/out"; then
	pass "check: a client's session through the server"
else
	fail "check: a client's session" "exit $rc: $(cat "$tmp/out" "$tmp/err" | tr '\n' ' ')"
fi
rc=0
primetrace check --serve "$tmp/sock" >/dev/null 2>"$tmp/err" || rc=$?
one_line_error "$rc" "$tmp/err" && pass "check: a second server on the same socket is refused" ||
	fail "check: a second server is refused" "exit $rc: $(cat "$tmp/err")"
kill -INT "$server"
rc=0
wait "$server" || rc=$?
server=
if [ "$rc" = 0 ] && [ ! -e "$tmp/sock" ]; then
	pass "check: the server ends on SIGINT and removes its socket"
else
	fail "check: the server ends on SIGINT" "exit $rc: $(cat "$tmp/server.err")"
fi
