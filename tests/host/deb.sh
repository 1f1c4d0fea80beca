#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make deb, lintian's verdict on the packages (no error: its output is
# printed), then both packages installed into a clean bookworm (a copy of
# the chroot tools/mkchroot caches, thrown away after): the files land where
# they should, the installed primetrace runs there with Debian's libraries,
# DKMS builds and installs vprime against the reference kernel's headers,
# and purging both leaves none of their files, nor the module. The lintian
# and file checks are shown to fail on a package that is wrong.
# Without network, and no cached chroot, the chroot part is skipped.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
build=${PRIMETRACE_BUILD:-$top/build}
cache=${PRIMETRACE_CACHE:-$top/build/cache}
ref=6.1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
pass() { echo "PASS: $1"; }
fail() {
	echo "FAIL: $1: $2"
	failed=1
}
skip() { echo "SKIP: $1: $2"; }

if [ -n "${PRIMETRACE_SANITIZE:-}" ]; then
	skip "deb" "the packages hold the normal build, checked in the run without sanitizers"
	exit 0
fi
for t in dpkg-buildpackage dh dh_dkms lintian; do
	if ! command -v $t >/dev/null; then
		skip "deb" "$t missing (make deps installs it)"
		exit 0
	fi
done
version=$(cat "$top/VERSION")
deb=$build/deb

# --- make deb and lintian ---------------------------------------------------------
if ! out=$(make -s --no-print-directory -C "$top" BUILD="$build" deb 2>&1); then
	fail "deb: make deb" "$(grep -E '^(E|W): |deb: ' <<<"$out" | head -n 5 | tr '\n' ' ')"
	echo "$out" | tail -n 40
	exit 1
fi
pkgs="$deb/primetrace_${version}_amd64.deb $deb/vprime-dkms_${version}_all.deb"
for p in $pkgs; do
	[ -f "$p" ] && pass "deb: make deb built ${p##*/}" || fail "deb: make deb built ${p##*/}" "missing"
done
echo "deb: lintian said:"
sed 's/^/deb:   /' "$deb/lintian.txt"
if grep -q '^E: ' "$deb/lintian.txt"; then
	fail "deb: lintian" "$(grep -c '^E: ' "$deb/lintian.txt") errors"
else
	pass "deb: lintian reports no error ($(grep -c '^W: ' "$deb/lintian.txt") warnings)"
fi
# lintian's verdict can fail: a package without a copyright file
mkdir -p "$tmp/bad/DEBIAN" "$tmp/bad/usr/bin"
printf '#!/bin/sh\n' >"$tmp/bad/usr/bin/bad" && chmod 755 "$tmp/bad/usr/bin/bad"
printf 'Package: bad\nVersion: 1\nArchitecture: all\nMaintainer: A <a@example.org>\nDescription: bad\n bad\n' \
	>"$tmp/bad/DEBIAN/control"
dpkg-deb -b --root-owner-group "$tmp/bad" "$tmp/bad.deb" >/dev/null 2>&1
if lintian --fail-on error "$tmp/bad.deb" >"$tmp/bad.txt" 2>&1; then
	fail "deb: lintian on a bad package (no copyright file)" "no error: $(grep -c . "$tmp/bad.txt") lines"
else
	pass "deb: lintian on a bad package (no copyright file) fails ($(grep -m 1 '^E: ' "$tmp/bad.txt"))"
fi

# --- files: what each package must install ------------------------------------------
want_primetrace="/usr/sbin/primetrace /usr/libexec/primetrace/test-list.txt
	/usr/libexec/primetrace/prime_cache /usr/share/man/man8/primetrace.8.gz
	/usr/share/man/man4/vprime.4.gz /usr/share/bash-completion/completions/primetrace
	/usr/share/doc/primetrace/copyright"
want_dkms="/usr/src/vprime-$version/dkms.conf /usr/src/vprime-$version/Kbuild
	/usr/src/vprime-$version/vprime_drv.c /usr/share/doc/vprime-dkms/copyright"
# missing_files DEB PATH...: the paths DEB does not hold
missing_files() {
	local list
	list=$(dpkg-deb -c "$1" | awk '{ print $6 }' | sed 's|^\./|/|')
	shift
	for f in "$@"; do
		grep -qx -- "$f" <<<"$list" || echo "$f"
	done
}
m=$(missing_files "$deb/primetrace_${version}_amd64.deb" $want_primetrace)
[ -z "$m" ] && pass "deb: primetrace holds $(wc -w <<<"$want_primetrace") files where they belong" ||
	fail "deb: primetrace's files" "missing: $(tr '\n' ' ' <<<"$m")"
m=$(missing_files "$deb/vprime-dkms_${version}_all.deb" $want_dkms)
[ -z "$m" ] && pass "deb: vprime-dkms holds $(wc -w <<<"$want_dkms") files where they belong" ||
	fail "deb: vprime-dkms's files" "missing: $(tr '\n' ' ' <<<"$m")"
m=$(missing_files "$deb/vprime-dkms_${version}_all.deb" /usr/sbin/primetrace)
[ "$m" = /usr/sbin/primetrace ] && pass "deb: the file check catches a file a package lacks" ||
	fail "deb: the file check catches a file a package lacks" "not caught"

# --- the clean bookworm -------------------------------------------------------------
kdir=$cache/kernel-$ref
if [ ! -f "$kdir/.done" ] || [ ! -f "$kdir/krel" ]; then
	skip "deb: chroot" "no $ref kernel in $cache (make kernel)"
	exit $failed
fi
krel=$(cat "$kdir/krel")
if [ ! -f "$cache/chroot-bookworm-dkms/.done" ]; then
	. "$top/tools/lib.sh"
	mirror=$(debian_mirror)
	hostport=$(sed -E 's|^[a-z]+://([^/]+).*|\1|' <<<"$mirror")
	port=80
	[[ $mirror == https:* ]] && port=443
	[[ $hostport == *:* ]] && port=${hostport##*:}
	if [ -z "$mirror" ] || ! timeout 15 bash -c "exec 3<>/dev/tcp/${hostport%%:*}/$port" 2>/dev/null; then
		skip "deb: chroot" "no network to debootstrap bookworm (${mirror:-no Debian mirror in the apt sources})"
		exit $failed
	fi
fi
if ! root=$("$top/tools/mkchroot" --cache "$cache" bookworm dkms 2>"$tmp/mkchroot.err"); then
	fail "deb: chroot" "$(tail -n 1 "$tmp/mkchroot.err")"
	exit 1
fi
mkdir -p "$tmp/upper" "$tmp/work" "$tmp/root" "$tmp/deps"
cp $pkgs "$tmp/"
# what primetrace needs that a chroot cached before it needed it lacks
# (tools/mkchroot includes it in a new one): from the host's apt, installed
# with the packages into the throwaway copy
need=$(dpkg-deb -f "$deb/primetrace_${version}_amd64.deb" Depends | tr ',' '\n' |
	sed -E 's/^ *([^ (|]+).*/\1/' | while read -r p; do
		[ -n "$p" ] && ! dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${db:Status-Status}\n' \
			"$p" 2>/dev/null | grep -qx installed && echo "$p"
	done)
# shellcheck disable=SC2086
if [ -n "$need" ] && ! (cd "$tmp/deps" && apt-get download $need >"$tmp/download.txt" 2>&1); then
	skip "deb: chroot" "the cached chroot lacks $(tr '\n' ' ' <<<"$need")and apt-get download failed"
	exit $failed
fi

# everything in a private mount namespace: the chroot seen through an
# overlay (a copy where overlayfs is missing), /proc mounted, all gone at
# the end; the inner script prints the results
unshare -m bash -s "$root" "$tmp" "$krel" "$kdir" "$version" <<'INNER'
set -u
root=$1 tmp=$2 krel=$3 kdir=$4 version=$5
st=0
pass() { echo "PASS: $1"; }
fail() {
	echo "FAIL: $1: $2"
	st=1
}
sys=$tmp/root
if ! mount -t overlay overlay -o "lowerdir=$root,upperdir=$tmp/upper,workdir=$tmp/work" "$sys" 2>/dev/null; then
	cp -a "$root/." "$sys/"
fi
mount -t proc proc "$sys/proc" || { fail "deb: chroot" "cannot mount /proc"; exit 1; }
inroot() { chroot "$sys" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C "$@"; }

cp "$tmp"/*.deb "$sys/tmp/"
cp -r "$tmp/deps" "$sys/tmp/"
deps=$(cd "$sys" && ls tmp/deps/*.deb 2>/dev/null | sed 's|^|/|')
# shellcheck disable=SC2086
if out=$(inroot dpkg -i $deps /tmp/primetrace_${version}_amd64.deb /tmp/vprime-dkms_${version}_all.deb 2>&1); then
	pass "deb: dpkg -i primetrace vprime-dkms in a clean bookworm"
else
	fail "deb: dpkg -i in a clean bookworm" "$(tail -n 3 <<<"$out" | tr '\n' ' ')"
	exit 1
fi
files=$(inroot dpkg -L primetrace vprime-dkms)
bad=
for f in /usr/sbin/primetrace /usr/libexec/primetrace/test-list.txt /usr/libexec/primetrace/vgem_basic \
	/usr/share/man/man8/primetrace.8.gz /usr/share/man/man4/vprime.4.gz \
	/usr/share/bash-completion/completions/primetrace /usr/src/vprime-$version/dkms.conf; do
	grep -qx "$f" <<<"$files" && [ -f "$sys$f" ] || bad="$bad $f"
done
[ -z "$bad" ] && pass "deb: the files are installed where they belong" ||
	fail "deb: installed files" "missing:$bad"
out=$(inroot /usr/sbin/primetrace --version 2>&1)
[ "$(head -n 1 <<<"$out")" = "primetrace $version" ] &&
	pass "deb: the installed primetrace runs with bookworm's libraries: $(tr '\n' ' ' <<<"$out")" ||
	fail "deb: the installed primetrace --version" "$(head -n 2 <<<"$out" | tr '\n' ' ')"
out=$(inroot /usr/libexec/primetrace/prime_cache --list-subtests 2>&1) && [ -n "$out" ] &&
	pass "deb: the installed conformance binaries run ($(wc -l <<<"$out") subtests of prime_cache)" ||
	fail "deb: the installed prime_cache --list-subtests" "$(head -n 1 <<<"$out")"
out=$(inroot dkms status vprime 2>&1)
grep -q "^vprime/$version.*added" <<<"$out" &&
	pass "deb: DKMS knows vprime/$version ($out)" || fail "deb: dkms status" "'$out'"

# the reference kernel's headers, as linux-headers-$krel would put them
cp -a "$kdir/root/usr/src/." "$sys/usr/src/"
cp -a "$kdir/root/usr/lib/linux-kbuild-"* "$sys/usr/lib/"
sed -i 's|^include .*/root/usr/src/|include /usr/src/|' "$sys/usr/src/linux-headers-$krel/Makefile"
mkdir -p "$sys/lib/modules/$krel"
ln -sfn "/usr/src/linux-headers-$krel" "$sys/lib/modules/$krel/build"
if out=$(inroot dkms build -m vprime -v "$version" -k "$krel" 2>&1) &&
	ko=/var/lib/dkms/vprime/$version/$krel/x86_64/module/vprime.ko && [ -f "$sys$ko" ]; then
	vm=$(inroot modinfo -F vermagic "$ko")
	[[ $vm == "$krel "* ]] &&
		pass "deb: dkms build of vprime/$version against $krel's headers (vermagic $vm)" ||
		fail "deb: dkms build" "vermagic '$vm', not $krel"
else
	fail "deb: dkms build of vprime against $krel" "$(tail -n 5 <<<"$out" | tr '\n' ' ')"
	cat "$sys/var/lib/dkms/vprime/$version/build/make.log" 2>/dev/null | tail -n 20
fi
if out=$(inroot dkms install -m vprime -v "$version" -k "$krel" 2>&1) &&
	[ -n "$(find "$sys/lib/modules/$krel" -name 'vprime.ko*')" ]; then
	pass "deb: dkms install puts vprime.ko in /lib/modules/$krel"
else
	fail "deb: dkms install" "$(tail -n 3 <<<"$out" | tr '\n' ' ')"
fi

# purging both leaves none of their files, nor DKMS's tree, nor the module
if out=$(inroot dpkg --purge primetrace vprime-dkms 2>&1); then
	pass "deb: dpkg --purge primetrace vprime-dkms"
else
	fail "deb: dpkg --purge" "$(tail -n 3 <<<"$out" | tr '\n' ' ')"
fi
left=
for f in $files; do
	[ -f "$sys$f" ] && left="$left $f"
done
[ -d "$sys/var/lib/dkms/vprime" ] && left="$left /var/lib/dkms/vprime"
[ -d "$sys/usr/src/vprime-$version" ] && left="$left /usr/src/vprime-$version"
left="$left $(cd "$sys" && find lib/modules/"$krel" -name 'vprime.ko*' | tr '\n' ' ')"
[ -z "${left// /}" ] && pass "deb: purged: no file of either package, no DKMS tree, no module left" ||
	fail "deb: purged" "left:$left"
exit $st
INNER
rc=$?
[ $rc -eq 0 ] || failed=1
exit $failed
