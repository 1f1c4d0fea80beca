#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# userspace/ is one folder per layer, in the order they build on each
# other: lib, record, source, model, cmd (main.c dispatches to cmd). A file
# may include headers of its own layer and of the layers before it, never
# of one after it. The README's layout table names every file of every
# layer, and nothing that is not there. A tree with one file that includes
# a later layer, or one file the README does not name, must be caught.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
layers="lib record source model cmd"
failed=0
pass() { echo "PASS: $1"; }
fail() {
	echo "FAIL: $1: $2"
	failed=1
}

# check_includes DIR: one line per include of a later layer
check_includes() {
	local dir=$1 rank=0 l f h r2 l2
	declare -A rank_of
	for l in $layers; do
		rank_of[$l]=$rank
		rank=$((rank + 1))
	done
	for l in $layers; do
		for f in "$dir/$l"/*.[ch]; do
			[ -e "$f" ] || continue
			for h in $(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f"); do
				for l2 in $layers; do
					[ -f "$dir/$l2/$h" ] || continue
					r2=${rank_of[$l2]}
					if [ "$r2" -gt "${rank_of[$l]}" ]; then
						echo "$l/${f##*/} includes $l2/$h"
					fi
				done
			done
		done
	done
}

# check_readme DIR README: one line per file the layout table misses
check_readme() {
	local dir=$1 readme=$2 l f row
	for l in $layers; do
		row=$(grep -F "| \`userspace/$l/\` |" "$readme")
		if [ -z "$row" ]; then
			echo "no layout row for userspace/$l/"
			continue
		fi
		for f in "$dir/$l"/*.c; do
			[ -e "$f" ] || continue
			f=${f##*/}
			grep -qF "\`$f\`" <<<"$row" || echo "userspace/$l/$f is not in its README row"
		done
		for f in $(grep -o '`[a-z_]*\.c`' <<<"$row" | tr -d '`'); do
			[ -f "$dir/$l/$f" ] || echo "README names userspace/$l/$f, which is not there"
		done
	done
}

out=$(check_includes "$top/userspace")
if [ -z "$out" ]; then
	pass "layers: every include goes to the same or an earlier layer"
else
	fail "layers: includes" "$(tr '\n' ';' <<<"$out")"
fi

out=$(check_readme "$top/userspace" "$top/README.md")
if [ -z "$out" ]; then
	pass "layers: the README's layout table names every file of every layer"
else
	fail "layers: README" "$(tr '\n' ';' <<<"$out")"
fi

# the checks catch what they guard: a copy of the tree with one backward
# include, and one with a file the README does not name
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r "$top/userspace" "$tmp/u1"
sed -i '0,/^#include "/s//#include "cli.h"\n#include "/' "$tmp/u1/lib/vprime_truth.c"
touch "$tmp/u1/cmd/cli.h"
if [ -n "$(check_includes "$tmp/u1")" ]; then
	pass "layers: a lib file that includes a cmd header is caught"
else
	fail "layers: self-test" "a backward include went unnoticed"
fi
cp -r "$top/userspace" "$tmp/u2"
touch "$tmp/u2/model/unnamed.c"
if [ -n "$(check_readme "$tmp/u2" "$top/README.md")" ]; then
	pass "layers: a file the README does not name is caught"
else
	fail "layers: self-test" "an unnamed file went unnoticed"
fi
exit $failed
