/* SPDX-License-Identifier: MIT */
#include "ini_lines.h"

static char *read_line(char *str, int num, void *stream)
{
	struct ini_lines *lines = stream;
	char *r = fgets(str, num, lines->fp);

	if (r)
		lines->line++;
	return r;
}

int ini_parse_lines(struct ini_lines *lines, ini_handler handler, void *user)
{
	lines->line = 0;
	return ini_parse_stream(read_line, lines, handler, user);
}
