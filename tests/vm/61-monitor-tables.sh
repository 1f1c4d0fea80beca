#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# primetrace monitor --tables: every check of 60-monitor.sh, with the
# picture read from the kernel's live tables at each refresh instead of
# built from the stream of events.
# --table-size 128: the flood at the end (200 buffers) overflows the kernel's
# tables as well as the model.
MON_ARGS="--tables --table-size 128" MON_TAG="monitor --tables" . 60-monitor.sh
