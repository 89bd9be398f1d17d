/* SPDX-License-Identifier: MIT */
/*
 * The publishers that need no connection: the journal (journal_publisher.c:
 * detections with fields, state changes as log lines) and --print's console
 * (print_publisher.c: one line per detection on a stdio stream).  Register
 * with manager_add_publisher(m, &journal_publisher_ops, NULL) and
 * manager_add_publisher(m, &print_publisher_ops, stdout).
 */
#ifndef TS_DAEMON_LOCAL_PUBLISHERS_H
#define TS_DAEMON_LOCAL_PUBLISHERS_H

#include "publisher.h"

extern const struct publisher_ops journal_publisher_ops; /* user: NULL */
extern const struct publisher_ops print_publisher_ops;   /* user: a FILE * */

#endif
