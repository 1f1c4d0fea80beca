/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* primetrace check: the live invariant checker (check.c, rules in checker.c) */
#ifndef PT_CHECK_H
#define PT_CHECK_H

/* the command (see struct pt_command in options.h) */
int pt_check_parse(int argc, char **argv);
int pt_check_run(void);

#endif
