/* SPDX-License-Identifier: MIT */
/*
 * libinih with line numbers.  Debian's inih is built without
 * INI_HANDLER_LINENO, so a handler cannot know where it is; reading through
 * ini_parse_stream with a line-counting reader gives it that.
 */
#ifndef TS_DAEMON_INI_LINES_H
#define TS_DAEMON_INI_LINES_H

#include <ini.h>
#include <stdio.h>

struct ini_lines {
	FILE *fp;
	unsigned line; /* the line the handler is being called for */
};

/* ini_parse_stream over fp; handlers read lines->line for messages.
 * Returns inih's result: 0, a line number with a syntax error, or -1. */
int ini_parse_lines(struct ini_lines *lines, ini_handler handler, void *user);

#endif
