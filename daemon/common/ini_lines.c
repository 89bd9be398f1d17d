/* SPDX-License-Identifier: MIT */
#include "ini_lines.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Stands for a long line's value in what inih sees (never in a value it
 * passes on: the wrapper replaces it on long lines only). */
#define VALUE_MARK '\x1f'

struct ini_seen_key {
	char section[64], key[64];
	unsigned line;
};

static char *stop(struct ini_lines *lines, enum ini_lines_problem problem, unsigned line)
{
	lines->problem = problem;
	lines->problem_line = line;
	return NULL;
}

/* Reads one whole line into lines->text; 1, 0 at the end, -1 on a problem. */
static int read_whole_line(struct ini_lines *lines)
{
	int c;

	lines->len = 0;
	while ((c = getc(lines->fp)) != EOF && c != '\n') {
		if (lines->len > INI_LINES_MAX) {
			stop(lines, INI_LINES_TOO_LONG, lines->line + 1);
			return -1;
		}
		lines->text[lines->len++] = (char)c;
	}
	if (lines->len > INI_LINES_MAX) {
		stop(lines, INI_LINES_TOO_LONG, lines->line + 1);
		return -1;
	}
	if (c == EOF && ferror(lines->fp)) {
		lines->read_errno = errno;
		stop(lines, INI_LINES_READ_ERROR, lines->line + 1);
		return -1;
	}
	if (c == EOF && !lines->len)
		return 0;
	if (memchr(lines->text, '\0', lines->len)) {
		stop(lines, INI_LINES_NUL, lines->line + 1);
		return -1;
	}
	lines->text[lines->len] = '\0';
	return 1;
}

/* What inih sees of a line longer than its buffer (num bytes). */
static void shorten(struct ini_lines *lines, char *str, int num)
{
	const char *start = lines->text;
	const size_t room = (size_t)num - 3; /* text, then the mark, '\n' and '\0' */
	const char *delim;

	if (lines->line == 1 && !strncmp(start, "\xEF\xBB\xBF", 3))
		start += 3; /* inih skips a UTF-8 BOM */
	while (isspace((unsigned char)*start))
		start++;
	if (*start && strchr(INI_START_COMMENT_PREFIXES, *start)) {
		snprintf(str, (size_t)num, "%c\n", *start);
		return;
	}
	if (*start == '[') { /* a section name is shorter than inih's buffer */
		memcpy(str, lines->text, room + 1);
		strcpy(str + room + 1, "\n");
		return;
	}
	delim = strpbrk(start, "=:");
	lines->prefix = delim && (size_t)(delim - lines->text) < room ?
			(size_t)(delim - lines->text) + 1 : room;
	memcpy(str, lines->text, lines->prefix);
	str[lines->prefix] = VALUE_MARK;
	strcpy(str + lines->prefix + 1, "\n");
	lines->long_key_line = true;
}

static char *read_line(char *str, int num, void *stream)
{
	struct ini_lines *lines = stream;

	lines->long_key_line = false;
	if (lines->problem || num < 8 || read_whole_line(lines) <= 0)
		return NULL;
	lines->line++;
	if (lines->len + 2 <= (size_t)num) {
		memcpy(str, lines->text, lines->len);
		strcpy(str + lines->len, "\n");
	} else {
		shorten(lines, str, num);
	}
	return str;
}

/* The value of a long key line: what inih made of the text before the
 * mark, then the rest of the line, cut at an inline comment and stripped
 * as inih does. */
static const char *long_value(struct ini_lines *lines, const char *seen)
{
	size_t head = strlen(seen) - 1; /* seen ends with the mark */
	const char *rest = lines->text + lines->prefix;
	bool was_space = lines->prefix && isspace((unsigned char)lines->text[lines->prefix - 1]);
	size_t n;

	memcpy(lines->value, seen, head);
	if (!head)
		while (isspace((unsigned char)*rest))
			rest++;
	for (n = 0; rest[n]; n++) {
#if INI_ALLOW_INLINE_COMMENTS
		if (was_space && strchr(INI_INLINE_COMMENT_PREFIXES, rest[n]))
			break;
#endif
		was_space = isspace((unsigned char)rest[n]);
	}
	memcpy(lines->value + head, rest, n);
	while (head + n && isspace((unsigned char)lines->value[head + n - 1]))
		n--;
	lines->value[head + n] = '\0';
	return lines->value;
}

static int remember(struct ini_lines *lines, const char *section, const char *key)
{
	struct ini_seen_key *k;

	for (size_t i = 0; i < lines->n_seen; i++)
		if (!strcmp(lines->seen[i].section, section) && !strcmp(lines->seen[i].key, key)) {
			stop(lines, INI_LINES_DUPLICATE, lines->line);
			lines->first_line = lines->seen[i].line;
			snprintf(lines->section, sizeof(lines->section), "%s", section);
			snprintf(lines->key, sizeof(lines->key), "%s", key);
			return -1;
		}
	if (lines->n_seen == lines->seen_size) {
		size_t size = lines->seen_size ? 2 * lines->seen_size : 32;
		void *p = realloc(lines->seen, size * sizeof(lines->seen[0]));

		if (!p) {
			stop(lines, INI_LINES_NO_MEMORY, lines->line);
			return -1;
		}
		lines->seen = p;
		lines->seen_size = size;
	}
	k = &lines->seen[lines->n_seen++];
	snprintf(k->section, sizeof(k->section), "%s", section);
	snprintf(k->key, sizeof(k->key), "%s", key);
	k->line = lines->line;
	return 0;
}

static int handle(void *user, const char *section, const char *key, const char *value)
{
	struct ini_lines *lines = user;
	size_t len = strlen(value);

	if (lines->stopped)
		return 0;
	if (lines->long_key_line && len && value[len - 1] == VALUE_MARK)
		value = long_value(lines, value);
	if (remember(lines, section, key)) {
		lines->stopped = true;
		return 0;
	}
	if (!lines->handler(lines->user, section, key, value)) {
		lines->refused_line = lines->line;
		lines->stopped = true;
		return 0;
	}
	return 1;
}

int ini_parse_lines(struct ini_lines *lines, ini_handler handler, void *user)
{
	int r;

	lines->line = 0;
	lines->problem = INI_LINES_OK;
	lines->problem_line = 0;
	lines->handler = handler;
	lines->user = user;
	lines->stopped = false;
	lines->refused_line = 0;
	lines->seen = NULL;
	lines->n_seen = lines->seen_size = 0;
	r = ini_parse_stream(read_line, lines, handle, lines);
	free(lines->seen);
	lines->seen = NULL;
	if (!r && lines->problem)
		r = (int)lines->problem_line;
	return r;
}

bool ini_lines_failed_first(const struct ini_lines *lines, int r)
{
	return r && (r < 0 || !lines->refused_line || (unsigned)r < lines->refused_line);
}

void ini_lines_error(const struct ini_lines *lines, int r, const char *path, char *text,
		     size_t size)
{
	if (r < 0) {
		snprintf(text, size, "%s: cannot parse (%s)", path,
			 r == -2 ? "out of memory" : "cannot read");
		return;
	}
	if (!lines->problem || (unsigned)r < lines->problem_line) {
		snprintf(text, size, "%s:%d: syntax error", path, r);
		return;
	}
	switch (lines->problem) {
	case INI_LINES_TOO_LONG:
		snprintf(text, size, "%s:%u: line longer than %d bytes", path, lines->problem_line,
			 INI_LINES_MAX);
		break;
	case INI_LINES_NUL:
		snprintf(text, size, "%s:%u: NUL byte in the line", path, lines->problem_line);
		break;
	case INI_LINES_DUPLICATE:
		snprintf(text, size, "%s:%u: [%s] %s: given twice (first at line %u)", path,
			 lines->problem_line, lines->section, lines->key, lines->first_line);
		break;
	case INI_LINES_READ_ERROR:
		snprintf(text, size, "%s: %s", path, strerror(lines->read_errno));
		break;
	default:
		snprintf(text, size, "%s:%u: out of memory", path, lines->problem_line);
		break;
	}
}
