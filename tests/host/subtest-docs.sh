#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Each conformance subtest is documented twice: in its file's doc block
# (SUBTEST: name / Description: text, what IGT's test plan tools read) and
# in the igt_describe() text that --describe prints (an igt_describe() call
# before igt_subtest(), or the third field of an igt_prime_subtest table
# entry). The two must be the same text, word for word, and name the same
# subtests. A copy with one text changed must be caught.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

failed=0
pass() { echo "PASS: $1"; }
fail() {
	echo "FAIL: $1: $2"
	failed=1
}

# compare FILE: prints one line per difference, exits 1 if there is one
compare() {
	perl -e '
		use strict;
		my $file = $ARGV[0];
		open(my $fh, "<", $file) or die "$file: $!\n";
		my $src = do { local $/; <$fh> };
		sub norm { my $t = shift; $t =~ s/\s+/ /g; $t =~ s/^ | $//g; return $t; }
		sub literal {
			my $t = "";
			my $s = shift;
			while ($s =~ /"((?:[^"\\]|\\.)*)"/g) { $t .= $1; }
			$t =~ s/\\n/ /g;
			$t =~ s/\\(.)/$1/g;
			return norm($t);
		}
		# the doc block: SUBTEST: and its Description:, tab-indented
		# continuation lines, up to a blank line or the next key
		my (%doc, @order, $sub, $in);
		for my $line (split /\n/, $src) {
			if ($line =~ /^ \* SUBTEST:\s*(\S+)\s*$/) {
				$sub = $1; $in = 0; push @order, $sub; $doc{$sub} = "";
			} elsif ($line =~ /^ \* Description:\s*(.*)$/) {
				$in = defined $sub;
				$doc{$sub} = $1 if $in;
			} elsif ($in && $line =~ /^ \*\t(.*)$/) {
				$doc{$sub} .= " $1";
			} else {
				$in = 0;
			}
			last if $line =~ m{^ \*/};
		}
		$doc{$_} = norm($doc{$_}) for keys %doc;
		# the igt_describe texts
		my $str = qr/(?:"(?:[^"\\]|\\.)*"\s*)+/;
		my %desc;
		while ($src =~ /igt_describe\(\s*($str)\)\s*;\s*igt_subtest(?:_f)?\(\s*"([^"]+)"/g) {
			$desc{$2} = literal($1);
		}
		while ($src =~ /\{\s*"([^"]+)"\s*,\s*\w+\s*,\s*($str)\}/g) {
			$desc{$1} = literal($2);
		}
		my $bad = 0;
		for my $s (@order) {
			if (!exists $desc{$s}) {
				print "$s: documented, no igt_describe text\n"; $bad = 1;
			} elsif ($doc{$s} ne $desc{$s}) {
				print "$s: doc block \"$doc{$s}\" but igt_describe \"$desc{$s}\"\n";
				$bad = 1;
			}
		}
		for my $s (sort keys %desc) {
			next if exists $doc{$s};
			print "$s: igt_describe text, not in the doc block\n"; $bad = 1;
		}
		if (!@order) { print "no SUBTEST: in the doc block\n"; $bad = 1; }
		exit $bad;
	' "$1"
}

for f in "$top"/conformance/*.c; do
	name=conformance/$(basename "$f")
	if out=$(compare "$f"); then
		pass "subtest docs: $name: doc block and igt_describe agree"
	else
		fail "subtest docs: $name" "$(echo "$out" | head -n 3 | tr '\n' ' ')"
	fi
done

# the comparison can fail: a table text and a call's text changed (igt_main
# follows the doc block)
sed '/^igt_main/,$ s/ (E1)\./ (E9)./' \
	"$top/conformance/prime_cache.c" >"$tmp/prime_cache.c"
sed '0,/igt_describe("/s/igt_describe("/igt_describe("Not /' \
	"$top/conformance/vgem_basic.c" >"$tmp/vgem_basic.c"
for f in "$tmp/prime_cache.c" "$tmp/vgem_basic.c"; do
	if cmp -s "$f" "$top/conformance/$(basename "$f")"; then
		fail "subtest docs: a changed copy of $(basename "$f")" "the change did not apply"
	elif compare "$f" >/dev/null; then
		fail "subtest docs: a changed copy of $(basename "$f")" "not caught"
	else
		pass "subtest docs: a changed copy of $(basename "$f") is caught"
	fi
done
exit $failed
