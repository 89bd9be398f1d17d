/* SPDX-License-Identifier: MIT */
/* Streaming reader of RIFF/WAVE files holding 16-bit PCM. */
#ifndef TS_DAEMON_WAV_READER_H
#define TS_DAEMON_WAV_READER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct wav_reader {
	FILE *fp;
	uint32_t sample_rate;
	uint16_t channels;
	uint64_t frames;        /* in the data chunk */
	uint64_t frames_left;
};

/* Opens path and reads up to the data chunk.  0, or -errno / -EINVAL with
 * a message in err (which names the file). */
int wav_open(struct wav_reader *w, const char *path, char *err, size_t err_size);

/* Reads up to max_frames interleaved frames; returns frames read (0 at end),
 * or -EIO. */
long wav_read(struct wav_reader *w, int16_t *frames, size_t max_frames);

void wav_close(struct wav_reader *w);

#endif
