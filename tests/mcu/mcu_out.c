/* SPDX-License-Identifier: MIT */
#include "mcu_out.h"

#include "board.h"

static struct {
	char buf[160];
	size_t len;
} line;

static void put_char(char c)
{
	if (line.len == sizeof(line.buf))
		mcu_endl(); /* flush a line that is too long in pieces */
	line.buf[line.len++] = c;
}

void mcu_puts(const char *s)
{
	while (*s)
		put_char(*s++);
}

void mcu_putu(uint32_t v)
{
	char d[10];
	int n = 0;

	do {
		d[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		put_char(d[--n]);
}

void mcu_puti(int32_t v)
{
	if (v < 0) {
		put_char('-');
		mcu_putu(0u - (uint32_t)v);
	} else {
		mcu_putu((uint32_t)v);
	}
}

void mcu_putx(uint32_t v)
{
	for (int i = 28; i >= 0; i -= 4)
		put_char("0123456789abcdef"[(v >> i) & 0xf]);
}

void mcu_endl(void)
{
	if (line.len < sizeof(line.buf))
		line.buf[line.len++] = '\n';
	ts_board_write(line.buf, line.len);
	line.len = 0;
}

long mcu_args(char *word, size_t size)
{
	char cmd[96];
	const char *p = cmd;
	long v = 0;
	size_t n = 0;

	if (size)
		word[0] = '\0';
	ts_board_cmdline(cmd, sizeof(cmd));
	while (*p && *p != ' ') /* the program's name */
		p++;
	while (*p == ' ')
		p++;
	if (*p < '0' || *p > '9')
		return -1;
	while (*p >= '0' && *p <= '9' && v < 1000000)
		v = v * 10 + (*p++ - '0');
	while (*p == ' ')
		p++;
	while (*p && *p != ' ' && n + 1 < size)
		word[n++] = *p++;
	if (size)
		word[n] = '\0';
	return v;
}
