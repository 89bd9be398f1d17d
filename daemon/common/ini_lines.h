/* SPDX-License-Identifier: MIT */
/*
 * libinih with line numbers, lines of any length up to INI_LINES_MAX, and
 * every key once.
 *
 * Debian's inih is built without INI_HANDLER_LINENO, so a handler cannot
 * know where it is; reading through ini_parse_stream with a line-counting
 * reader gives it that.  It is also built with INI_MAX_LINE 200 and without
 * INI_ALLOW_REALLOC: a longer line would reach it in pieces, the tail
 * parsed as a line of its own.  So the reader reads whole lines itself and
 * hands inih a line that fits and parses the same way: a long comment as
 * its comment character, a long section line cut (a section name is far
 * shorter), a long key line as its text up to the delimiter and a marker,
 * which the handler wrapper replaces with the value, stripped and cut at an
 * inline comment as inih does (ini.h's INI_INLINE_COMMENT_PREFIXES).  inih
 * still decides what is a section, a key, a continuation or an error.
 *
 * A line over INI_LINES_MAX bytes, a NUL byte or a key given twice in a
 * section (sections may be split, so anywhere in the file) ends parsing.
 */
#ifndef TS_DAEMON_INI_LINES_H
#define TS_DAEMON_INI_LINES_H

#include <ini.h>
#include <stdbool.h>
#include <stdio.h>

/* Bytes in a line, its newline not counted (tinysense.conf(5)). */
#define INI_LINES_MAX 4096

enum ini_lines_problem {
	INI_LINES_OK,
	INI_LINES_TOO_LONG,   /* a line over INI_LINES_MAX bytes */
	INI_LINES_NUL,        /* a NUL byte in a line */
	INI_LINES_DUPLICATE,  /* a key given twice in a section */
	INI_LINES_READ_ERROR, /* read_errno */
	INI_LINES_NO_MEMORY,
};

struct ini_seen_key;

struct ini_lines {
	FILE *fp;
	unsigned line; /* the line the handler is being called for */

	/* What ended parsing, if the reader or the wrapper did. */
	enum ini_lines_problem problem;
	unsigned problem_line;
	unsigned first_line;        /* INI_LINES_DUPLICATE: where the key was first */
	char section[64], key[64];  /* INI_LINES_DUPLICATE: which */
	int read_errno;
	unsigned refused_line;      /* where the caller's handler first returned 0 */

	/* private */
	ini_handler handler;
	void *user;
	bool stopped;               /* the handler or the wrapper refused a key */
	char text[INI_LINES_MAX + 2];
	size_t len;                 /* of the current line in text */
	size_t prefix;              /* a long key line: bytes of text handed to inih */
	bool long_key_line;
	char value[INI_LINES_MAX + 1];
	struct ini_seen_key *seen;
	size_t n_seen, seen_size;
};

/* ini_parse_stream over lines->fp; handlers read lines->line for messages.
 * Returns 0, or the first line with a problem (a syntax error, or one of
 * the problems above), or -1/-2 as inih does.  ini_lines_error() says which. */
int ini_parse_lines(struct ini_lines *lines, ini_handler handler, void *user);

/* Whether a non-zero result of ini_parse_lines() is to be reported with
 * ini_lines_error(): a syntax error or a problem above before the line the
 * handler refused (if it did), rather than the handler's own error. */
bool ini_lines_failed_first(const struct ini_lines *lines, int r);

/* "PATH:LINE: problem" for a non-zero result of ini_parse_lines(). */
void ini_lines_error(const struct ini_lines *lines, int r, const char *path, char *text,
		     size_t size);

#endif
