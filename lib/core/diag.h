/* SPDX-License-Identifier: MIT */
/* Formatting of diagnostic sentences without stdio (lib/ is freestanding). */
#ifndef TS_CORE_DIAG_H
#define TS_CORE_DIAG_H

#include <inttypes.h>
#include <stdarg.h>

#include "tinysense/config.h"
#include "tinysense/status.h"

/*
 * Formats into diag->text, replacing what was there.  Supports %d %u %x (int
 * and unsigned), %ld %lu %lx (long), %zu (size_t), %llu / %lld (64-bit), %s
 * and %%; nothing else.  int32_t and uint32_t go through PRId32 / PRIu32
 * (<inttypes.h>): they are int on glibc but long on newlib's Arm targets,
 * and the compiler checks every format against its arguments.
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

/*
 * Marks a parameter that only feeds diagnostic text (an object's name or
 * index for the sentence), unused when the text is not compiled:
 *     static ts_status load_shape(struct loader *l, uint32_t i TS_DIAG_ONLY, ...)
 */
#if TS_CONFIG_DIAG_TEXT
#define TS_DIAG_ONLY
#else
#define TS_DIAG_ONLY __attribute__((unused))
#endif

#if !TS_CONFIG_DIAG_TEXT
/*
 * Without diagnostic text (tinysense/config.h) the calls above keep their
 * meaning for the status and drop the sentence: the format and its
 * arguments are not compiled (so they must have no side effects, as
 * arguments of a message never should), ts_diag_set writes the status's
 * name, the appends leave the text alone.
 */
ts_status ts_diag_status(ts_diag *diag, ts_status status);

static inline ts_status ts_diag_keep(ts_diag *diag, ts_status status)
{
	(void)diag;
	return status;
}

#define ts_diag_set(diag, status, ...) ts_diag_status((diag), (status))
#define ts_diag_append(diag, status, ...) ts_diag_keep((diag), (status))
#define ts_diag_vappend(diag, status, fmt, ap) ts_diag_keep((diag), (status))
#endif

#endif /* TS_CORE_DIAG_H */
