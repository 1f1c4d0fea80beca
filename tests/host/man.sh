#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The man pages cannot drift from what they describe:
#  - primetrace(8) has a subsection for every command of 'primetrace --help',
#    an entry for every option of every 'primetrace CMD --help' (in the
#    command's subsection, or under EVENT SOURCE AND FILTERS for the options
#    help lists there), no entry for an option that help does not list, and
#    every exit code of 'primetrace --help';
#  - vprime(4) has an entry for every module parameter, ioctl, debugfs file
#    and fault knob of kmod/;
#  - both format without a warning (man --warnings, groff -ww).
# A copy of each page with one entry taken out must be caught.
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

if ! command -v primetrace >/dev/null; then
	fail "man: primetrace is built" "not on PATH"
	exit 1
fi

# --- the help texts, one file each ------------------------------------------------
mkdir "$tmp/help"
primetrace --help >"$tmp/help/main.txt" 2>&1 || fail "man: primetrace --help" "exit $?"
cmds=$(awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1; next } on { exit }' \
	"$tmp/help/main.txt")
if [ "$(wc -w <<<"$cmds")" -lt 5 ]; then
	fail "man: primetrace --help lists the commands" "found: $cmds"
	exit 1
fi
for c in $cmds; do
	primetrace "$c" --help >"$tmp/help/$c.txt" 2>&1 || fail "man: primetrace $c --help" "exit $?"
done

# check_primetrace PAGE: one line per difference with the help texts
check_primetrace() {
	perl -e '
		use strict;
		my ($page, $dir, @cmds) = @ARGV;
		open(my $fh, "<", $page) or die "$page: $!\n";
		my @lines = <$fh>;
		# the page split into sections (.SH NAME) and subsections (.SS name)
		my (%sec, $cur);
		for (@lines) {
			if (/^\.S[HS] (.*?)\s*$/) { $cur = $1; $cur =~ s/"//g; }
			$sec{$cur} .= $_ if defined $cur;
		}
		# an option written in roff: \- for each -
		sub roff { my $o = shift; $o =~ s/-/\\-/g; return $o; }
		sub has {
			my ($text, $opt) = @_;
			my $r = quotemeta(roff($opt));
			return defined $text && $text =~ /(?<!\\-)$r(?![A-Za-z0-9_]|\\-)/;
		}
		# option heads: the line after .TP
		sub heads {
			my $text = shift // "";
			my @h;
			while ($text =~ /^\.TP\n\.B[IR]? (.*)$/mg) {
				my $l = $1;
				push @h, $1 =~ s/\\-/-/gr while $l =~ /((?:\\-){1,2}[A-Za-z][A-Za-z0-9\\-]*)/g;
			}
			s/-$// for @h;
			return @h;
		}
		# the options of a help text: (options of its own, shared options)
		sub helpopts {
			my $f = shift;
			open(my $h, "<", $f) or die "$f: $!\n";
			my (%own, %shared, $in_shared);
			while (<$h>) {
				$in_shared = 1 if /^ Event source and filters:/;
				$in_shared = 0 if /^\s*$/;
				next unless /^\s{2,6}(-\w, )?(--[a-z][a-z0-9-]*)/;
				my ($s, $l) = ($1, $2);
				my $set = ($in_shared && $l ne "--help" && $l ne "--usage") ? \%shared : \%own;
				$set->{$l} = 1;
				if ($s) { $s =~ s/, $//; $set->{$s} = 1; }
			}
			return (\%own, \%shared);
		}
		my $bad = 0;
		sub bad { print "$_[0]\n"; $bad = 1; }
		my $src = $sec{"EVENT SOURCE AND FILTERS"};
		bad("no EVENT SOURCE AND FILTERS section") unless defined $src;
		my %all;
		for my $c (@cmds) {
			my $s = $sec{$c};
			if (!defined $s) { bad("command $c: no .SS $c"); next; }
			bad("command $c: not under COMMANDS") unless $sec{"COMMANDS"} =~ /^\.B $c$/m;
			my ($own, $shared) = helpopts("$dir/$c.txt");
			for my $o (sort keys %$own) {
				$all{$o} = 1;
				next if $o eq "--help" || $o eq "-h" || $o eq "--usage";
				bad("$c $o: not in .SS $c") unless has($s, $o);
			}
			for my $o (sort keys %$shared) {
				$all{$o} = 1;
				bad("$c $o: not under EVENT SOURCE AND FILTERS") unless has($src, $o);
			}
			bad("$c: -h/--help/--usage not in its help") unless $own->{"--help"} && $own->{"-h"} && $own->{"--usage"};
			for my $o (heads($s)) {
				bad("$c $o: in .SS $c, not in its help") unless $own->{$o} || $shared->{$o};
			}
		}
		for my $o (heads($src)) {
			bad("$o: under EVENT SOURCE AND FILTERS, in no help") unless $all{$o};
		}
		# the general options and the exit codes of primetrace --help
		open(my $m, "<", "$dir/main.txt") or die;
		my $main = do { local $/; <$m> };
		my $gen = $sec{"GENERAL OPTIONS"};
		for my $o ("--help", "-h", "--version", "-V", "--usage") {
			bad("$o: not under GENERAL OPTIONS") unless has($gen, $o);
		}
		for my $o ("--version", "-V") {
			bad("$o: not in primetrace --help") unless $main =~ /\Q$o\E/;
		}
		my ($codes) = $main =~ /Exit status:(.*)/s;
		my @codes = ($codes // "") =~ /(?:^|[\s,])(\d) /g;
		bad("primetrace --help lists no exit codes") unless @codes >= 3;
		for my $n (@codes) {
			bad("exit code $n: not under EXIT STATUS") unless ($sec{"EXIT STATUS"} // "") =~ /^\.B $n$/m;
		}
		for my $s ("SYNOPSIS", "DESCRIPTION", "FILES", "PRIVILEGES", "EXAMPLES", "SEE ALSO") {
			bad("no $s section") unless defined $sec{$s};
		}
		exit $bad;
	' "$1" "$tmp/help" $cmds
}

# check_vprime PAGE: one line per thing of kmod/ the page lacks
check_vprime() {
	local k=$top/kmod
	{
		echo "== MODULE PARAMETERS"
		sed -n 's/^module_param(\([a-z_]*\),.*/\1/p' "$k"/*.c
		echo "== IOCTLS"
		sed -n 's/^#define \(DRM_IOCTL_VPRIME_[A-Z_]*\).*/\1/p' "$k/vprime_drm.h"
		echo "== DEBUGFS"
		sed -n 's/.*debugfs_create_\(file\|dir\)("\([a-z_]*\)".*/\2/p' "$k/vprime_debugfs.c" |
			grep -vx vprime
		echo "== FAULTS"
		sed -n 's/^\t\[VPRIME_FAULT_[A-Z_]*\] = "\([a-z_]*\)",/\1/p' "$k/vprime_faults.c"
	} >"$tmp/vprime-names"
	perl -e '
		use strict;
		my ($page, $names) = @ARGV;
		open(my $fh, "<", $page) or die "$page: $!\n";
		my (%sec, $cur);
		while (<$fh>) {
			if (/^\.SH (.*?)\s*$/) { $cur = $1; $cur =~ s/"//g; }
			$sec{$cur} .= $_ if defined $cur;
		}
		open(my $n, "<", $names) or die;
		my ($want, %count, $bad);
		while (my $l = <$n>) {
			chomp $l;
			if ($l =~ /^== (.*)/) { $want = $1; next; }
			$count{$want}++;
			# an entry: .B name or .BI name= / .BR name= / .BI name/
			next if ($sec{$want} // "") =~ /^\.TP\n\.B[IR]? \Q$l\E(?:[= \/]|$)/m;
			print "$l: no entry under $want\n";
			$bad = 1;
		}
		for my $s ("MODULE PARAMETERS", "IOCTLS", "DEBUGFS", "FAULTS") {
			next if ($count{$s} // 0) >= 2;
			print "kmod/ gave fewer than 2 names for $s\n";
			$bad = 1;
		}
		exit($bad ? 1 : 0);
	' "$1" "$tmp/vprime-names"
}

# warnings PAGE: what man and groff say about it
warnings() {
	{ LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$1" >/dev/null; } 2>&1
	groff -ww -man -z "$1" 2>&1
}

p8=$top/docs/man/primetrace.8
p4=$top/docs/man/vprime.4
for p in "$p8" "$p4"; do
	sed -e 's|@VERSION@|0|' -e 's|@LIBEXECDIR@|/usr/libexec/primetrace|' "$p" >"$tmp/${p##*/}"
	if ! command -v man >/dev/null || ! command -v groff >/dev/null; then
		fail "man: ${p##*/} formats without warnings" "man or groff missing (make deps)"
	elif out=$(warnings "$tmp/${p##*/}") && [ -z "$out" ]; then
		pass "man: ${p##*/} formats without warnings"
	else
		fail "man: ${p##*/} formats without warnings" "$(head -n 3 <<<"$out" | tr '\n' ' ')"
	fi
done

if out=$(check_primetrace "$p8"); then
	pass "man: primetrace.8 has every command, option and exit code of --help"
else
	fail "man: primetrace.8 agrees with --help" "$(head -n 5 <<<"$out" | tr '\n' ' ')"
fi
if out=$(check_vprime "$p4"); then
	pass "man: vprime.4 has every parameter, ioctl, debugfs file and fault of kmod/"
else
	fail "man: vprime.4 agrees with kmod/" "$(head -n 5 <<<"$out" | tr '\n' ' ')"
fi

# --- the checks can fail ---------------------------------------------------------
# doctored NAME CHECK PAGE SED WHY: a copy of PAGE changed by SED must fail
# CHECK, saying WHY
doctored() {
	local name=$1 check=$2 page=$3 expr=$4 why=$5 copy=$tmp/doctored-${3##*/}
	sed -e "$expr" "$page" >"$copy"
	if cmp -s "$copy" "$page"; then
		fail "man: $name" "the change did not apply"
	elif out=$($check "$copy"); then
		fail "man: $name" "not caught"
	elif ! grep -qF -- "$why" <<<"$out"; then
		fail "man: $name" "caught, but not as '$why': $(head -n 2 <<<"$out" | tr '\n' ' ')"
	else
		pass "man: $name is caught ($why)"
	fi
}
# an option's entry taken out (the .TP, its head and its text)
doctored "primetrace.8 without --stack-depth" check_primetrace "$p8" \
	'/^\.BI \\-\\-stack\\-depth= N$/,/^Frames shown/d' \
	'leaks --stack-depth: not in .SS leaks'
doctored "primetrace.8 without --snapshot" check_primetrace "$p8" \
	'/^\.BR \\-S ", " \\-\\-snapshot$/,/^need\.$/d' \
	'record --snapshot: not in .SS record'
doctored "primetrace.8 with an option help does not have" check_primetrace "$p8" \
	'/^\.SS top$/a .TP\n.B \\-\\-no\\-such\\-option\nNothing.' \
	'top --no-such-option: in .SS top, not in its help'
doctored "primetrace.8 without the subsection of top" check_primetrace "$p8" 's/^\.SS top$/.SS tops/' \
	'command top: no .SS top'
doctored "primetrace.8 without exit code 3" check_primetrace "$p8" 's/^\.B 3$/.B three/' \
	'exit code 3: not under EXIT STATUS'
doctored "vprime.4 without the fault unpin_noop" check_vprime "$p4" '/^\.B unpin_noop$/,+1d' \
	'unpin_noop: no entry under FAULTS'
doctored "vprime.4 without DRM_IOCTL_VPRIME_VUNMAP" check_vprime "$p4" \
	's/^\.B DRM_IOCTL_VPRIME_VUNMAP$/.B VUNMAP/' \
	'DRM_IOCTL_VPRIME_VUNMAP: no entry under IOCTLS'
doctored "vprime.4 without the debugfs file totals" check_vprime "$p4" 's/^\.B totals$/.B total/' \
	'totals: no entry under DEBUGFS'
# a page with an unknown macro and a bad escape must warn
sed -e 's/^\.SH DESCRIPTION$/.SH DESCRIPTION\n.XX unknown\n\\qbad/' "$tmp/vprime.4" >"$tmp/warn.4"
if cmp -s "$tmp/warn.4" "$tmp/vprime.4"; then
	fail "man: a page with a bad macro" "the change did not apply"
elif [ -n "$(warnings "$tmp/warn.4")" ]; then
	pass "man: a page with a bad macro warns"
else
	fail "man: a page with a bad macro" "no warning"
fi
exit $failed
