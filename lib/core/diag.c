/* SPDX-License-Identifier: MIT */
#include "diag.h"

#include <stddef.h>
#include <stdint.h>

#if TS_CONFIG_DIAG_TEXT

struct text_sink {
	char *buf;
	size_t len;
	size_t cap; /* including the NUL */
};

static void put_char(struct text_sink *s, char c)
{
	if (s->len + 1 < s->cap)
		s->buf[s->len++] = c;
	s->buf[s->len] = '\0';
}

static void put_str(struct text_sink *s, const char *str)
{
	if (!str)
		str = "(null)";
	while (*str)
		put_char(s, *str++);
}

static void put_unsigned(struct text_sink *s, unsigned long long v,
			 unsigned base)
{
	char digits[24];
	size_t n = 0;

	do {
		unsigned d = (unsigned)(v % base);
		digits[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
		v /= base;
	} while (v);
	while (n)
		put_char(s, digits[--n]);
}

static void put_signed(struct text_sink *s, long long v)
{
	if (v < 0) {
		put_char(s, '-');
		put_unsigned(s, 0ull - (unsigned long long)v, 10);
	} else {
		put_unsigned(s, (unsigned long long)v, 10);
	}
}

static void format(struct text_sink *s, const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			put_char(s, *fmt);
			continue;
		}
		fmt++;
		if (*fmt == 'z' && fmt[1] == 'u') {
			fmt++;
			put_unsigned(s, va_arg(ap, size_t), 10);
		} else if (fmt[0] == 'l' && fmt[1] == 'l' &&
			   (fmt[2] == 'u' || fmt[2] == 'd')) {
			fmt += 2;
			if (*fmt == 'u')
				put_unsigned(s, va_arg(ap, unsigned long long), 10);
			else
				put_signed(s, va_arg(ap, long long));
		} else if (fmt[0] == 'l' && (fmt[1] == 'd' || fmt[1] == 'u' || fmt[1] == 'x')) {
			fmt++;
			if (*fmt == 'd')
				put_signed(s, va_arg(ap, long));
			else
				put_unsigned(s, va_arg(ap, unsigned long), *fmt == 'u' ? 10 : 16);
		} else if (*fmt == 'd') {
			put_signed(s, va_arg(ap, int));
		} else if (*fmt == 'u') {
			put_unsigned(s, va_arg(ap, unsigned), 10);
		} else if (*fmt == 'x') {
			put_unsigned(s, va_arg(ap, unsigned), 16);
		} else if (*fmt == 's') {
			put_str(s, va_arg(ap, const char *));
		} else if (*fmt == '%') {
			put_char(s, '%');
		} else {
			put_char(s, '?');
			if (!*fmt)
				break;
		}
	}
}

ts_status ts_diag_vappend(ts_diag *diag, ts_status status, const char *fmt,
			  va_list ap)
{
	struct text_sink s;
	size_t len = 0;

	if (!diag)
		return status;
	while (len < sizeof(diag->text) - 1 && diag->text[len])
		len++;
	s.buf = diag->text;
	s.len = len;
	s.cap = sizeof(diag->text);
	diag->text[len] = '\0';
	format(&s, fmt, ap);
	return status;
}

ts_status ts_diag_append(ts_diag *diag, ts_status status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ts_diag_vappend(diag, status, fmt, ap);
	va_end(ap);
	return status;
}

ts_status ts_diag_set(ts_diag *diag, ts_status status, const char *fmt, ...)
{
	va_list ap;

	if (!diag)
		return status;
	diag->text[0] = '\0';
	va_start(ap, fmt);
	ts_diag_vappend(diag, status, fmt, ap);
	va_end(ap);
	return status;
}

#else /* !TS_CONFIG_DIAG_TEXT */

ts_status ts_diag_status(ts_diag *diag, ts_status status)
{
	const char *name = ts_status_str(status);
	size_t n = 0;

	if (!diag)
		return status;
	while (name[n] && n < sizeof(diag->text) - 1) {
		diag->text[n] = name[n];
		n++;
	}
	diag->text[n] = '\0';
	return status;
}

#endif /* TS_CONFIG_DIAG_TEXT */

const char *ts_status_str(ts_status status)
{
	switch (status) {
	case TS_OK: return "ok";
	case TS_ERR_INVALID_ARG: return "invalid argument";
	case TS_ERR_MALFORMED: return "malformed model";
	case TS_ERR_UNSUPPORTED: return "unsupported";
	case TS_ERR_SHAPE: return "shape mismatch";
	case TS_ERR_QUANT: return "bad quantization";
	case TS_ERR_ARENA_TOO_SMALL: return "arena too small";
	case TS_ERR_STATE: return "wrong state";
	}
	return "unknown status";
}
