/* SPDX-License-Identifier: MIT */
/* Formatting of diagnostic sentences without stdio (lib/ is freestanding). */
#ifndef TS_CORE_DIAG_H
#define TS_CORE_DIAG_H

#include <stdarg.h>

#include "tinysense/status.h"

/*
 * Formats into diag->text, replacing what was there.  Supports %d %u %x (int
 * and unsigned), %zu (size_t), %llu / %lld (64-bit), %s and %%; nothing else.
 * Returns status unchanged so that callers can write
 *     return ts_diag_set(diag, TS_ERR_MALFORMED, "tensor %u: ...", i);
 * diag may be NULL.
 */
ts_status ts_diag_set(ts_diag *diag, ts_status status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Same, appending to the current text. */
ts_status ts_diag_append(ts_diag *diag, ts_status status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

ts_status ts_diag_vappend(ts_diag *diag, ts_status status, const char *fmt,
			  va_list ap);

#endif /* TS_CORE_DIAG_H */
