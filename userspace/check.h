/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* primetrace check: the live invariant checker (check.c, rules in checker.c) */
#ifndef PT_CHECK_H
#define PT_CHECK_H

int pt_cmd_check(int argc, char **argv);

#endif
