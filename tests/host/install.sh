#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make install DESTDIR=... PREFIX=/usr, then what was installed, run from
# there: primetrace --help, --version and every command's -h; each man page
# through man --warnings, found by name; the bash completion loaded by bash
# and asked for commands, options and option values; the conformance folder
# as igt_runner reads it (test-list.txt naming its binaries, each listing
# its subtests); vprime's DKMS source (make install-dkms); and make
# uninstall leaving nothing behind. The completion check is shown to fail
# on a completion that lacks an option or an attach mode; a build without
# git still says what it was built from.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
build=${PRIMETRACE_BUILD:-$top/build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
pass() { echo "PASS: $1"; }
fail() {
	echo "FAIL: $1: $2"
	failed=1
}
skip() { echo "SKIP: $1: $2"; }

if [ ! -x "$build/bin/primetrace" ]; then
	fail "install: the build is there" "no $build/bin/primetrace (make bins)"
	exit 1
fi
version=$(cat "$top/VERSION")
root=$tmp/root
prefix=/usr
mk() { make -s --no-print-directory -C "$top" BUILD="$build" "$@"; }

# --- make install -----------------------------------------------------------------
if ! out=$(mk install install-dkms DESTDIR="$root" PREFIX="$prefix" 2>&1); then
	fail "install: make install install-dkms DESTDIR PREFIX=/usr" "$(tail -n 3 <<<"$out" | tr '\n' ' ')"
	exit 1
fi
pass "install: make install install-dkms DESTDIR PREFIX=/usr"

suite=$(cd "$top/conformance" && ls ./*.c | sed 's|^\./||; s|\.c$||' | grep -vx harness_selftest)
want="sbin/primetrace share/man/man8/primetrace.8 share/man/man4/vprime.4
	share/bash-completion/completions/primetrace share/doc/primetrace/README.md
	share/doc/primetrace/cli.md share/doc/primetrace/schema/leaks.json libexec/primetrace/test-list.txt
	src/vprime-$version/dkms.conf src/vprime-$version/Kbuild src/vprime-$version/vprime_drv.c
	src/vprime-$version/vprime_drm.h"
for f in $suite; do want="$want libexec/primetrace/$f"; done
missing=
for f in $want; do
	[ -f "$root$prefix/$f" ] || missing="$missing $f"
done
if [ -z "$missing" ]; then
	pass "install: $(wc -w <<<"$want") files where they belong under $prefix"
else
	fail "install: files under $prefix" "missing:$missing"
fi
stray=$(cd "$root" && find . -type f | grep -v "^\.$prefix/")
[ -z "$stray" ] && pass "install: nothing outside PREFIX" ||
	fail "install: nothing outside PREFIX" "$(head -n 3 <<<"$stray" | tr '\n' ' ')"
perm=$(find "$root$prefix/sbin" "$root$prefix/libexec" -type f -perm -100 | wc -l)
[ "$perm" = $(($(wc -w <<<"$suite") + 1)) ] &&
	pass "install: primetrace and the suite are executable" ||
	fail "install: primetrace and the suite are executable" "$perm executables"
if grep -rl '@[A-Z]*@' "$root$prefix/share/man" "$root$prefix/src" >/dev/null; then
	fail "install: placeholders written" "$(grep -rl '@[A-Z]*@' "$root$prefix" | head -n 1)"
else
	pass "install: version and paths written into the man pages and dkms.conf"
fi
grep -qx "PACKAGE_VERSION=\"$version\"" "$root$prefix/src/vprime-$version/dkms.conf" &&
	pass "install: dkms.conf has version $version" ||
	fail "install: dkms.conf has version $version" "$(grep PACKAGE_VERSION "$root$prefix/src/vprime-$version/dkms.conf")"

# --- the installed primetrace ---------------------------------------------------------
pt=$root$prefix/sbin/primetrace
out=$("$pt" --help 2>&1) && grep -q '^  leaks ' <<<"$out" &&
	pass "install: installed primetrace --help" ||
	fail "install: installed primetrace --help" "$(head -n 2 <<<"$out" | tr '\n' ' ')"
out=$("$pt" --version 2>&1)
libbpf=$(pkg-config --modversion libbpf 2>/dev/null | cut -d. -f1,2)
if [ "$(sed -n 1p <<<"$out")" != "primetrace $version" ]; then
	fail "install: primetrace --version" "first line '$(sed -n 1p <<<"$out")'"
elif ! grep -qE '^built from: .+' <<<"$out"; then
	fail "install: primetrace --version" "no 'built from:' line"
elif ! grep -qx "libbpf: ${libbpf:-[0-9]*.[0-9]*}" <<<"$out"; then
	fail "install: primetrace --version" "libbpf line '$(grep libbpf <<<"$out")', libbpf-dev ${libbpf:-?}"
else
	pass "install: primetrace --version: $(tr '\n' ' ' <<<"$out")"
fi
cmds=$("$pt" --help | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1; next } on { exit }')
for c in $cmds; do
	out=$("$pt" "$c" -h 2>&1) && grep -q "^Usage: primetrace $c " <<<"$out" &&
		pass "install: primetrace $c -h" ||
		fail "install: primetrace $c -h" "$(head -n 1 <<<"$out")"
done
# without git (a tarball), the build says so
if mk GIT=false BUILD="$tmp/nogit" "$tmp/nogit/gen/version.h" >/dev/null 2>&1 &&
	grep -q 'PT_GIT_DESC "not a git checkout"' "$tmp/nogit/gen/version.h"; then
	pass "install: a build without git says 'not a git checkout'"
else
	fail "install: a build without git" "$(cat "$tmp/nogit/gen/version.h" 2>&1 | tr '\n' ' ')"
fi

# --- the man pages, found by name -----------------------------------------------------
for p in 8:primetrace 4:vprime; do
	if ! command -v man >/dev/null; then
		fail "install: man ${p#*:}(${p%%:*})" "man missing (make deps)"
		continue
	fi
	out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -M "$root$prefix/share/man" \
		"${p%%:*}" "${p#*:}" 2>&1 >"$tmp/page.txt")
	if [ -n "$out" ]; then
		fail "install: man ${p#*:}(${p%%:*})" "$(head -n 2 <<<"$out" | tr '\n' ' ')"
	elif ! grep -q "primetrace $version" "$tmp/page.txt"; then
		fail "install: man ${p#*:}(${p%%:*})" "no 'primetrace $version' in the page"
	else
		pass "install: man --warnings ${p#*:}(${p%%:*}): $(wc -l <"$tmp/page.txt") lines, no warning"
	fi
done

# --- the conformance folder, as igt_runner reads it -----------------------------------
dir=$root$prefix/libexec/primetrace
list=$dir/test-list.txt
if [ "$(sed -n 1p "$list")" != TESTLIST ] || [ "$(sed -n '$p' "$list")" != "END TESTLIST" ] ||
	[ "$(wc -l <"$list")" != 3 ]; then
	fail "install: test-list.txt" "not TESTLIST, the names, END TESTLIST: $(tr '\n' '|' <"$list")"
elif [ "$(sed -n 2p "$list" | tr ' ' '\n' | sort)" != "$(sort <<<"$suite")" ]; then
	fail "install: test-list.txt" "names '$(sed -n 2p "$list")', not the suite"
else
	pass "install: test-list.txt names the $(wc -w <<<"$suite") conformance binaries"
fi
for t in $(sed -n 2p "$list"); do
	out=$("$dir/$t" --list-subtests 2>&1) && [ -n "$out" ] &&
		pass "install: $t --list-subtests: $(wc -l <<<"$out") subtests" ||
		fail "install: $t --list-subtests" "$(head -n 1 <<<"$out")"
done

# --- the bash completion --------------------------------------------------------------
bc=/usr/share/bash-completion/bash_completion
comp=$root$prefix/share/bash-completion/completions/primetrace
# the attach modes --attach takes (cmd/options.c)
modes=$(sed -n '/^static error_t parse_kernel/,/^}/ s/.*strcmp(arg, "\([a-z]*\)").*/\1/p' \
	"$top/userspace/cmd/options.c" | sort | tr '\n' ' ')
# complete FILE WORD...: what the completion of FILE offers for the last WORD
complete_words() {
	local file=$1
	shift
	bash --norc --noprofile -c '
		. "$1" && . "$2" || exit 1
		shift 2
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		_primetrace primetrace "${COMP_WORDS[-1]}" "${COMP_WORDS[-2]}"
		printf "%s\n" "${COMPREPLY[@]}"
	' complete "$bc" "$file" "$@"
}
# check_completion FILE: one line per thing it does not complete
check_completion() {
	local file=$1 c o got
	got=$(complete_words "$file" primetrace "")
	for c in $cmds help --version; do
		grep -qx -- "$c" <<<"$got" || echo "primetrace <TAB>: no $c"
	done
	for c in $cmds; do
		got=$(complete_words "$file" primetrace "$c" -)
		for o in $("$pt" "$c" --help | sed -n 's/^ \{2,6\}\(-[A-Za-z0-9?], \)\{0,1\}\(--[a-z][a-z0-9-]*\).*/\1 \2/p' |
			tr -d ','); do
			grep -qx -- "$o" <<<"$got" || echo "primetrace $c -<TAB>: no $o"
		done
	done
	got=$(complete_words "$file" primetrace trace --attach "" | sort | tr '\n' ' ')
	[ "$got" = "$modes" ] || echo "--attach <TAB>: '$got', not '$modes'"
	got=$(complete_words "$file" primetrace help "")
	grep -qx leaks <<<"$got" || echo "primetrace help <TAB>: no leaks"
}
if [ ! -f "$bc" ]; then
	fail "install: bash completion" "$bc missing (make deps: bash-completion)"
else
	out=$(bash --norc --noprofile -c '. "$1" && . "$2" && complete -p primetrace' _ "$bc" "$comp" 2>&1)
	[ "$out" = "complete -F _primetrace primetrace" ] &&
		pass "install: bash loads the completion: $out" ||
		fail "install: bash loads the completion" "$out"
	[ "$(wc -w <<<"$modes")" -ge 4 ] || fail "install: the attach modes of options.c" "'$modes'"
	if out=$(check_completion "$comp") && [ -z "$out" ]; then
		pass "install: completion of the commands, every option of --help, attach modes ($modes)"
	else
		fail "install: completion" "$(head -n 3 <<<"$out" | tr '\n' ' ')"
	fi
	got=$(complete_words "$comp" primetrace trace -p "$$")
	grep -qx "$$" <<<"$got" && pass "install: completion of --pid offers this shell's pid" ||
		fail "install: completion of --pid" "no $$ in '$(head -n 3 <<<"$got" | tr '\n' ' ')'"
	got=$(complete_words "$comp" primetrace check -- primetra 2>/dev/null)
	grep -qx primetrace <<<"$got" && pass "install: completion after check -- completes a command" ||
		fail "install: completion after check --" "'$got'"
	# the DRM nodes: a /dev of our own, in a mount namespace of our own
	if unshare -m true 2>/dev/null; then
		# complete_words runs in the namespace's bash with its definition
		got=$(unshare -m bash -c "
			mount -t tmpfs none /dev && mkdir /dev/dri && touch /dev/dri/card7 /dev/dri/renderD135 &&
				mknod -m 666 /dev/null c 1 3 || exit 1
			$(declare -f complete_words); bc=$bc
			complete_words \"\$1\" primetrace trace -d ''" _ "$comp" 2>&1 | sort | tr '\n' ' ')
		[ "$got" = "/dev/dri/card7 /dev/dri/renderD135 card7 renderD135 " ] &&
			pass "install: completion of --dev offers the nodes of /dev/dri: $got" ||
			fail "install: completion of --dev" "'$got'"
	else
		skip "install: completion of --dev" "no mount namespace here to make a /dev/dri in"
	fi
	# the check can fail: an option and an attach mode taken out
	sed -e '/--no-stacks --perfetto/ s/ --stack-depth//' -e 's/auto fentry kprobe tracepoint/auto fentry kprobe/' \
		"$comp" >"$tmp/doctored"
	out=$(check_completion "$tmp/doctored")
	if cmp -s "$tmp/doctored" "$comp"; then
		fail "install: a completion without --stack-depth" "the change did not apply"
	elif grep -q 'leaks -<TAB>: no --stack-depth' <<<"$out" && grep -q -- '--attach <TAB>' <<<"$out"; then
		pass "install: a completion without --stack-depth and tracepoint is caught"
	else
		fail "install: a completion without --stack-depth and tracepoint" "not caught: $out"
	fi
fi

# --- the systemd unit, installed once packaging/primetrace.service exists ------------
printf '[Unit]\nDescription=test\n' >"$tmp/primetrace.service"
unit=$root$prefix/lib/systemd/system/primetrace.service
if ! out=$(mk install DESTDIR="$root" PREFIX="$prefix" UNIT="$tmp/primetrace.service" 2>&1); then
	fail "install: a systemd unit" "make install: $(tail -n 1 <<<"$out")"
elif [ ! -f "$unit" ]; then
	fail "install: a systemd unit" "not in $prefix/lib/systemd/system"
else
	pass "install: a systemd unit goes to $prefix/lib/systemd/system"
fi

# --- make uninstall -------------------------------------------------------------------
if ! out=$(mk uninstall DESTDIR="$root" PREFIX="$prefix" 2>&1); then
	fail "install: make uninstall" "$(tail -n 3 <<<"$out" | tr '\n' ' ')"
else
	left=$(cd "$root" && find . -type f)
	[ -z "$left" ] && pass "install: make uninstall removes every file" ||
		fail "install: make uninstall" "left $(head -n 3 <<<"$left" | tr '\n' ' ')"
fi
exit $failed
