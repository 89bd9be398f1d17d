/* SPDX-License-Identifier: MIT */
/* Sample formats of source frames (the values of TS_SAMPLE_* in plugin.h). */
#ifndef TS_DAEMON_SAMPLE_FORMAT_H
#define TS_DAEMON_SAMPLE_FORMAT_H

#include <stddef.h>

enum sample_format { SAMPLE_S16 = 1, SAMPLE_S32 = 2 };

static inline size_t sample_size(enum sample_format f)
{
	return f == SAMPLE_S32 ? 4 : 2;
}

#endif
