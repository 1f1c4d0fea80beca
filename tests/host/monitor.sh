#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# 'primetrace monitor' without BPF or privileges: it serves a recording
# (--input tests/unit/data/leaks-export.json, a process that exports 20
# buffers and closes none), and its metrics file and HTTP endpoint must
# pass Prometheus' own 'promtool check metrics' and carry the recording's
# numbers; 'leaks|objects|top --connect' must print exactly what the
# command prints on the same recording; the socket is the owner's only;
# misbehaving clients (idle, cut, killed, oversized) and a metrics file
# that cannot be written leave it running; bad options get one line and
# exit 2. The systemd unit is checked with systemd-analyze where there is
# one.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$here/../..
data=$here/../unit/data
tmp=$(mktemp -d)
mpid=
cleanup() {
	[ -n "$mpid" ] && kill "$mpid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
failed=0
pass() { echo "PASS: $1"; }
fail() {
	echo "FAIL: $1: ${2:-failed}"
	failed=1
}

if ! command -v primetrace >/dev/null; then
	fail "monitor: primetrace is built" "not on PATH"
	exit 1
fi

# http PATH [METHOD]: the whole answer of the endpoint, through bash's /dev/tcp
http() {
	local method=${2:-GET}
	exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
	printf '%s %s HTTP/1.0\r\nHost: x\r\n\r\n' "$method" "$1" >&3
	timeout 10 cat <&3
	exec 3<&-
}

# metric NAME{LABELS} FILE: the value of one sample
metric() {
	awk -v k="$1" '$1 == k { print $2 }' "$2"
}

# check_metrics FILE WHAT: promtool's verdict, where promtool is
check_metrics() {
	if ! command -v promtool >/dev/null; then
		echo "SKIP: monitor: promtool check metrics $2: promtool not installed (package prometheus)"
		return
	fi
	promtool check metrics <"$1" >"$tmp/promtool" 2>&1 &&
		pass "monitor: promtool check metrics $2" ||
		fail "monitor: promtool check metrics $2" "$(head -n 5 "$tmp/promtool" | tr '\n' ' ')"
}

# --- bad options ---------------------------------------------------------------
for bad in "--refresh 0" "--top 0" "--metrics-listen nocolon" "--report-every x" "extra" \
	"--tables --check" "--table-size 64" "--tables --input x.json"; do
	# shellcheck disable=SC2086
	primetrace monitor $bad >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ $rc = 2 ] && [ -s "$tmp/err" ] && pass "monitor $bad: usage error, exit 2" ||
		fail "monitor $bad: usage error, exit 2" "rc=$rc $(head -n 1 "$tmp/err")"
done
primetrace monitor --input "$data/leaks-export.json" --no-socket \
	--metrics-listen 127.0.0.1:99999 -D 1 >/dev/null 2>"$tmp/err"
rc=$?
[ $rc = 2 ] || [ $rc = 1 ] && [ "$(wc -l <"$tmp/err")" -le 2 ] &&
	grep -q "port" "$tmp/err" && pass "monitor: a bad port is one error" ||
	fail "monitor: a bad port is one error" "rc=$rc $(cat "$tmp/err")"

# --- the service ------------------------------------------------------------------
port=$((20000 + $$ % 20000))
sock=$tmp/run/monitor.sock
mkdir -p "$tmp/metrics"
primetrace monitor --input "$data/leaks-export.json" --refresh 0.5 \
	--metrics-file "$tmp/metrics/pt.prom" --metrics-listen "127.0.0.1:$port" \
	--socket "$sock" >"$tmp/mon.out" 2>"$tmp/mon.err" &
mpid=$!
i=0
while [ ! -s "$tmp/metrics/pt.prom" ] || [ ! -S "$sock" ]; do
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 $mpid 2>/dev/null; then
		fail "monitor: starts" "$(cat "$tmp/mon.err")"
		exit 1
	fi
	sleep 0.1
done
pass "monitor: starts, writes the metrics file, opens the socket"

f=$tmp/metrics/pt.prom
check_metrics "$f" "(the file)"
# the recording: 20 buffers of 64 KiB exported by pid 242 (leaky) on vprime:2
want="primetrace_dmabufs=20 primetrace_dmabuf_bytes=1310720
primetrace_exporter_dmabufs{exporter=\"vprime:2\"}=20
primetrace_process_dmabufs_bytes{pid=\"242\",comm=\"leaky\"}=1310720
primetrace_gem_handles=20 primetrace_leak_suspects{rule=\"export_growth\"}=1
primetrace_leak_suspects{rule=\"orphan_dmabuf\"}=0 primetrace_incomplete=0
primetrace_events_lost_total=0"
bad=
for kv in $want; do
	v=$(metric "${kv%=*}" "$f")
	[ "$v" = "${kv##*=}" ] || bad="$bad ${kv%=*}=$v (want ${kv##*=})"
done
[ -z "$bad" ] && pass "monitor: the metrics are the recording's numbers" ||
	fail "monitor: the metrics are the recording's numbers" "$bad"
n=$(grep -c '^# TYPE primetrace_' "$f")
h=$(grep -c '^# HELP primetrace_' "$f")
[ "$n" -ge 20 ] && [ "$n" = "$h" ] && pass "monitor: $n families, each with HELP and TYPE" ||
	fail "monitor: each family has HELP and TYPE" "$n TYPE, $h HELP"
ls "$tmp/metrics" | grep -qv '^pt.prom$' &&
	fail "monitor: no temporary file left beside the metrics" "$(ls "$tmp/metrics")" ||
	pass "monitor: no temporary file left beside the metrics"

# the endpoint
http /metrics >"$tmp/http"
sed '1,/^\r$/d' "$tmp/http" >"$tmp/http.body"
head -n 1 "$tmp/http" | grep -q "^HTTP/1.0 200" && cmp -s "$tmp/http.body" "$f" &&
	pass "monitor: GET /metrics gives the file's metrics" ||
	fail "monitor: GET /metrics gives the file's metrics" "$(head -n 3 "$tmp/http")"
check_metrics "$tmp/http.body" "(HTTP)"
http /other | head -n 1 | grep -q "^HTTP/1.0 404" && pass "monitor: GET /other is 404" ||
	fail "monitor: GET /other is 404"
http /metrics POST | head -n 1 | grep -q "^HTTP/1.0 405" && pass "monitor: POST is 405" ||
	fail "monitor: POST is 405"
# idle clients, one more than it keeps, and one that sends far too much
for fd in 4 5 6 7 8 9 10 11 12; do
	eval "exec $fd<>/dev/tcp/127.0.0.1/$port"
done
head -c 100000 /dev/zero | tr '\0' x >"$tmp/big"
exec 13<>"/dev/tcp/127.0.0.1/$port"
timeout 5 cat "$tmp/big" >&13 2>/dev/null
timeout 5 cat <&13 >"$tmp/big.answer" 2>/dev/null
exec 13<&-
# a 400, or the connection reset while it was still sending: either way, cut
[ ! -s "$tmp/big.answer" ] || head -n 1 "$tmp/big.answer" | grep -q "^HTTP/1.0 400" &&
	pass "monitor: an oversized request is cut (400)" ||
	fail "monitor: an oversized request is cut (400)" "$(head -c 200 "$tmp/big.answer")"
http /metrics | head -n 1 | grep -q "^HTTP/1.0 200" &&
	pass "monitor: idle clients do not keep others out" ||
	fail "monitor: idle clients do not keep others out"
for fd in 4 5 6 7 8 9 10 11 12; do
	eval "exec $fd<&-"
done

# the socket: the owner's only
perm=$(stat -c %a "$sock")
dperm=$(stat -c %a "$(dirname "$sock")")
[ "$perm" = 600 ] && [ "$dperm" = 700 ] && pass "monitor: socket 0600 in a 0700 folder" ||
	fail "monitor: socket 0600 in a 0700 folder" "socket $perm, folder $dperm"
# --connect answers exactly as the command does on the same recording
for cmd in "leaks" "leaks -j" "leaks --stack-depth 3" "objects" "objects -j" "top"; do
	# shellcheck disable=SC2086
	primetrace $cmd --connect "$sock" >"$tmp/c.out" 2>"$tmp/c.err"
	rc=$?
	# shellcheck disable=SC2086
	[ "$cmd" = top ] || primetrace $cmd --input "$data/leaks-export.json" >"$tmp/l.out" 2>/dev/null
	if [ "$cmd" = top ]; then
		# 'top --input' shows no view (its views are timed): the row must be the recording's
		grep -q "^242 *leaky *20 " "$tmp/c.out" && [ $rc = 0 ] &&
			pass "monitor: top --connect shows the exporter" ||
			fail "monitor: top --connect shows the exporter" "rc=$rc $(cat "$tmp/c.out" "$tmp/c.err")"
		continue
	fi
	[ $rc = 0 ] && [ -s "$tmp/c.out" ] && cmp -s "$tmp/c.out" "$tmp/l.out" &&
		pass "monitor: $cmd --connect prints what $cmd --input prints" ||
		fail "monitor: $cmd --connect prints what $cmd --input prints" \
			"rc=$rc $(diff "$tmp/c.out" "$tmp/l.out" | head -n 5 | tr '\n' ' ')$(cat "$tmp/c.err")"
done
# another user gets nowhere (the folder is 0700, the socket 0600)
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	chmod 755 "$tmp"
	setpriv --reuid 65534 --regid 65534 --clear-groups primetrace leaks --connect "$sock" \
		>/dev/null 2>"$tmp/c.err"
	rc=$?
	[ $rc = 1 ] && grep -q "Permission denied" "$tmp/c.err" &&
		pass "monitor: another user cannot connect" ||
		fail "monitor: another user cannot connect" "rc=$rc $(cat "$tmp/c.err")"
else
	echo "SKIP: monitor: another user cannot connect: needs root and setpriv"
fi
primetrace leaks --connect "$tmp/nothing.sock" >/dev/null 2>"$tmp/c.err"
rc=$?
[ $rc = 1 ] && [ "$(wc -l <"$tmp/c.err")" = 1 ] &&
	pass "monitor: --connect to no monitor is one error, exit 1" ||
	fail "monitor: --connect to no monitor is one error, exit 1" "rc=$rc $(cat "$tmp/c.err")"

# clients that misbehave, then killed
for mode in partial noread garbage; do
	monitor_client "$sock" $mode >"$tmp/mc.out" 2>&1 &
	cpid=$!
	i=0
	while ! grep -qs READY "$tmp/mc.out" && [ $i -lt 50 ]; do
		i=$((i + 1))
		sleep 0.1
	done
	sleep 0.3
	kill -9 $cpid
	wait $cpid 2>/dev/null
	primetrace leaks --connect "$sock" >"$tmp/c.out" 2>&1 && kill -0 $mpid 2>/dev/null &&
		grep -q "^primetrace leaks: 1 suspect" "$tmp/c.out" &&
		pass "monitor: a $mode client killed -9, the monitor answers the next" ||
		fail "monitor: a $mode client killed -9, the monitor answers the next" "$(head -n 2 "$tmp/c.out")"
done
grep -q "new suspect: export_growth: pid 242 (leaky)" "$tmp/mon.err" &&
	[ "$(grep -c 'new suspect' "$tmp/mon.err")" = 1 ] &&
	pass "monitor: one line on stderr for the new suspect" ||
	fail "monitor: one line on stderr for the new suspect" "$(cat "$tmp/mon.err")"

# SIGTERM ends it, with its socket
kill -TERM $mpid
wait $mpid
rc=$?
mpid=
[ $rc = 0 ] && [ ! -e "$sock" ] && pass "monitor: SIGTERM ends it cleanly, socket removed" ||
	fail "monitor: SIGTERM ends it cleanly, socket removed" "rc=$rc"

# a metrics file that cannot be written: said once, and the monitor goes on
mkdir -p "$tmp/ro"
primetrace monitor --input "$data/leaks-export.json" --refresh 0.5 --no-socket \
	--metrics-file "$tmp/ro/missing/pt.prom" -D 3 >/dev/null 2>"$tmp/ro.err"
rc=$?
n=$(grep -c "pt.prom: .*not updated" "$tmp/ro.err")
[ $rc = 0 ] && [ "$n" = 1 ] && pass "monitor: a metrics file it cannot write is said once" ||
	fail "monitor: a metrics file it cannot write is said once" "rc=$rc $n lines: $(cat "$tmp/ro.err")"

# --report-every: the leak report on stdout
primetrace monitor --input "$data/leaks-export.json" --report-every 0.5 --no-socket -D 1.8 \
	>"$tmp/report.out" 2>/dev/null
n=$(grep -c "^primetrace leaks: 1 suspect" "$tmp/report.out")
[ "$n" -ge 2 ] && pass "monitor --report-every: the leak report every period ($n)" ||
	fail "monitor --report-every: the leak report every period" "$n reports"

# --check: invariant violations counted by rule, a line each; none on a clean run
for rec in check-extra-ref:1 check-clean-cross-teardown:0; do
	name=${rec%:*} want=${rec#*:}
	primetrace monitor --input "$data/$name.json" --check --refresh 0.5 --no-socket \
		--metrics-file "$tmp/check.prom" -D 1.5 >/dev/null 2>"$tmp/check.err"
	v=$(metric 'primetrace_invariant_violations_total{rule="export-ref",invariant="L1"}' "$tmp/check.prom")
	lines=$(grep -c "violation: " "$tmp/check.err")
	[ "$v" = "$want" ] && [ "$lines" = "$want" ] &&
		pass "monitor --check $name: $want export-ref violations, counted and said" ||
		fail "monitor --check $name: $want export-ref violations, counted and said" \
			"metric '$v', $lines lines: $(head -n 3 "$tmp/check.err")"
done
check_metrics "$tmp/check.prom" "(--check)"

# the check above fails on a broken exposition
if command -v promtool >/dev/null; then
	printf '# TYPE a gauge\na{x="1} 2\n' >"$tmp/broken"
	promtool check metrics <"$tmp/broken" >/dev/null 2>&1 &&
		fail "monitor: promtool refuses a broken exposition" ||
		pass "monitor: promtool refuses a broken exposition"
fi

# the systemd unit
unit=$top/packaging/primetrace.service
if [ ! -f "$unit" ]; then
	fail "monitor: packaging/primetrace.service exists"
elif ! command -v systemd-analyze >/dev/null; then
	echo "SKIP: monitor: systemd-analyze verify: systemd-analyze not installed"
else
	# the binary it names must exist for verify: a copy of the unit pointing at ours
	sed "s|/usr/bin/primetrace|$(command -v primetrace)|" "$unit" >"$tmp/primetrace.service"
	systemd-analyze verify "$tmp/primetrace.service" >"$tmp/sa" 2>&1 &&
		! grep -q "primetrace.service" "$tmp/sa" &&
		pass "monitor: systemd-analyze verify primetrace.service" ||
		fail "monitor: systemd-analyze verify primetrace.service" "$(head -n 5 "$tmp/sa" | tr '\n' ' ')"
	printf '[Service]\nExecStart=relative\nBogus=1\n' >"$tmp/bad.service"
	systemd-analyze verify "$tmp/bad.service" >"$tmp/sa" 2>&1 && ! grep -q "bad.service" "$tmp/sa" &&
		fail "monitor: systemd-analyze verify refuses a broken unit" ||
		pass "monitor: systemd-analyze verify refuses a broken unit"
fi

exit $failed
