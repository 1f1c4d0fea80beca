#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Style is part of the suite: kernel style (checkpatch --no-tree) for kmod/
# and bpf/, the repository's .clang-format for the C userspace.
cd "$(dirname "$0")/../.."
if out=$(make -s lint 2>&1); then
	echo "PASS: lint: checkpatch (kmod, bpf) and clang-format (userspace, conformance, tests)"
else
	echo "FAIL: lint: $(echo "$out" | grep -E 'ERROR|WARNING|error:' | head -n 3 | tr '\n' ' ')"
	echo "$out" | head -n 40
fi
