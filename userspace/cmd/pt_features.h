/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef PT_FEATURES_H
#define PT_FEATURES_H

#include <stdbool.h>

#include "run.h"

/* Print the kernel's hooks as 'trace' would set them up: 0 or -errno. */
int pt_features(const struct pt_trace_opts *opts, bool json);

#endif
