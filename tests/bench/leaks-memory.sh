#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Bytes the lifetime model (userspace/model/model.c) keeps per live buffer, with
# its fd, mapping, attachment, import and two handles (tests/bench/
# leaks_memory.c). Runs on the host, against a built libprimetrace.a:
#
#   make BUILD=build bins && tests/bench/leaks-memory.sh [BUILD] [N]
#
# Prints one key=value line; the figure is a ratio, not a timing.
set -e
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-${PRIMETRACE_BUILD:-$top/build}}
n=${2:-10000}
lib="$build/lib/libprimetrace.a"
[ -f "$lib" ] || {
	echo "leaks-memory: $lib not found: make BUILD=$build bins first" >&2
	exit 1
}
bin="$build/bench/leaks-memory"
mkdir -p "$build/bench"
cc -O2 -g -D_GNU_SOURCE -I"$top/bpf" $(for l in lib record source model cmd; do printf -- "-I%s " "$top/userspace/$l"; done) -I"$build/bpf" \
	-o "$bin" "$top/tests/bench/leaks_memory.c" "$lib" -ldw -lbpf -lelf -lz
"$bin" "$n"
