#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# vprime under random ioctl sequences (vprime_fuzz: two vprime devices and
# vgem, two files each, fork and SCM_RIGHTS): at least 100000 ioctls with a
# fresh seed each run, printed for replay (vprime_fuzz --seed N); every
# object, page, kernel mapping and leak of vprime given back at the end
# (debugfs 'totals'). The harness fails the run on any kernel splat.
# 'make fuzz-kmod SECONDS=N' runs vprime_fuzz --seconds N instead.
. testlib.sh

vprime_fuzz --ops 100000 || failed=1
check "vprime fuzz: vprime unloads afterwards" rmmod vprime
exit $failed
