/* SPDX-License-Identifier: MIT */
/*
 * The conformance tests' one include, as IGT's igt.h: the harness, devices
 * and buffer objects, the kernel-side ground truth, and the body of the
 * PRIME tests.
 */
#ifndef PRIMETRACE_IGT_H
#define PRIMETRACE_IGT_H

#include "igt_core.h"
#include "igt_drm.h"
#include "igt_oracle.h"
#include "igt_prime.h"

#endif
