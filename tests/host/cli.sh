#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The table of docs/cli.md, run: every bad input tried, with the exit code
# and the line on stderr it must get. Each row runs with bash -o pipefail
# in a folder holding the files the document lists; it needs no DRM and no
# BPF, only primetrace on PATH.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
doc=$here/../../docs/cli.md
data=$here/../unit/data
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
pass() { echo "PASS: $1"; }
fail() {
	echo "FAIL: $1: ${2:-failed}"
	failed=1
}

if ! command -v primetrace >/dev/null; then
	fail "cli: primetrace is built" "not on PATH"
	exit 1
fi
if [ ! -f "$doc" ] || [ ! -f "$data/check-skip-destroy.json" ]; then
	fail "cli: docs/cli.md and the recordings are here" "missing"
	exit 1
fi

# --- the files the table names -------------------------------------------------------
cd "$tmp" || exit 1
cp "$data/check-skip-destroy.json" rec.json
cp "$data/leaks-export.json" leaks.json
for _ in $(seq 20); do cat leaks.json; done >big.json
mkdir dir
{
	printf '{"type":"gem_free","x":'
	head -c 200000 /dev/zero | tr '\0' '['
	echo
} >deep.json
cat >uaf.json <<'JSON'
{"type":"gem_handle_create","pid":139,"obj":"0x2","file":"0xf00","handle":1}
{"type":"task_exit","pid":139}
{"type":"gem_handle_create","pid":139,"obj":"0xf","file":"0xf00","handle":1}
JSON
cat >oob.json <<'JSON'
{"type":"dmabuf_attach","dmabuf":"0x1","attach":"0xf"}
{"type":"dmabuf_release","dmabuf":"0x1"}
JSON
echo '{"kstack":"a","type":"summary"}' >kstack.json
echo '{"ts":1 "type":"gem_free"}' >comma-missing.json
echo '{"ts":1,"type":"gem_free",}' >comma-trailing.json
echo '{"ts":1,"type":"gem_free","x":[1 2 3]}' >array.json
{
	head -n -1 rec.json
	printf '%s garbage\n' "$(tail -n 1 rec.json)"
} >after-summary.json
echo '{"ts":"-1","type":"gem_free"}' >ts-negative.json
echo '{"format":2,"ts":1,"type":"gem_free"}' >newer.json
echo '{"ts":1,"type":"gem_free","comm":"a\u0000b"}' >nul-escape.json
printf '{"ts":1,"type":"gem_free"}\n{"ts":2,\0"type":"gem_free"}\n' >nul-byte.json
printf '{"ts":1,"type":"gem_free"}\nnot json\n' >bad.json
{
	head -n 3 rec.json
	echo 'not json'
	tail -n +4 rec.json
} >rec-bad.json
printf '%s\n' '{"ts":1,"type":"gem_free","pid":7,"comm":"\u001b[31mevil\n"}' >comm.json

# --- the table ---------------------------------------------------------------------------
# rows of the table whose header is "| command | exit | ...": cells split at
# '|' but not '\|', each cell's backquotes dropped
rows=$(awk '
	/^\| command \| exit \|/ { on = 1; next }
	on && !/^\|/ { on = 0 }
	on && /^\|---/ { next }
	on {
		gsub(/\\\|/, "\001")
		n = split($0, c, "|")
		out = ""
		for (i = 2; i < n; i++) {
			v = c[i]
			sub(/^ +/, "", v); sub(/ +$/, "", v)
			sub(/^`/, "", v); sub(/`$/, "", v)
			gsub("\001", "|", v)
			out = out (i > 2 ? "\037" : "") v
		}
		print out
	}' "$doc")
nrows=$(printf '%s\n' "$rows" | grep -c .)
if [ "$nrows" -lt 60 ]; then
	fail "cli: docs/cli.md has its table" "$nrows rows"
	exit 1
fi

while IFS=$'\037' read -r cmd code err out; do
	# AddressSanitizer reserves terabytes of address space at start-up,
	# which a virtual memory limit refuses before primetrace runs
	if [ -n "${PRIMETRACE_SANITIZE:-}" ] && [[ "$cmd" == *"ulimit -v"* ]]; then
		echo "SKIP: cli: $cmd: a sanitizer build cannot start under ulimit -v"
		continue
	fi
	rc=0
	bash -o pipefail -c "$cmd" >out.txt 2>err.txt </dev/null || rc=$?
	first=$(head -n 1 err.txt)
	why=
	if [ "$rc" != "$code" ]; then
		why="exit $rc, not $code"
	elif [ -n "$err" ] && [[ "$first" != *"$err"* ]]; then
		why="stderr '$first', not '$err'"
	elif [ -z "$err" ] && [ -s err.txt ]; then
		why="stderr '$first', not nothing"
	elif [ "$code" = 1 ] && [ "$(grep -c '' err.txt)" != 1 ]; then
		why="$(grep -c '' err.txt) lines on stderr: $(tr '\n' '|' <err.txt | head -c 300)"
	elif [ -n "$out" ] && [ "${out:0:1}" = '!' ] && grep -qF -- "${out:1}" out.txt; then
		why="stdout has '${out:1}'"
	elif [ -n "$out" ] && [ "${out:0:1}" != '!' ] && ! grep -qF -- "$out" out.txt; then
		why="stdout lacks '$out': $(head -c 200 out.txt | tr '\n' '|')"
	fi
	if [ -z "$why" ]; then
		pass "cli: $cmd (exit $code)"
	else
		fail "cli: $cmd" "$why"
	fi
done <<<"$rows"
exit $failed
