#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# IGT's vgem_basic subtests that apply to a vgem-like driver (create, mmap,
# second-client, setversion, dmabuf-mmap, sysfs, debugfs, unload), carried
# by conformance/vgem_basic.c under the same names: on vgem, and on vprime
# as IGT would open it as a vgem device. 'unload' removes and reloads each
# module; nothing may be left on vprime afterwards.
# the binaries run unchecked here: no primetrace check server
CHECK=
CONFORMANCE_LIB=1 . 30-conformance.sh
. testlib.sh

run_binary vgem vgem_basic vgem
run_binary vprime vgem_basic vprime
for d in 0 1; do
	check "vprime.$d: no objects left" grep -qx 'objects 0' "$(vprime_dir $d)/objects"
done
exit $failed
