/* SPDX-License-Identifier: MIT */
#include "wav_reader.h"

#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "input_file.h"

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static int bad(struct wav_reader *w, char *err, size_t size, const char *path,
	       const char *what)
{
	snprintf(err, size, "%s: %s", path, what);
	fclose(w->fp);
	w->fp = NULL;
	return -EINVAL;
}

int wav_open(struct wav_reader *w, const char *path, char *err, size_t err_size)
{
	uint8_t hdr[12], chunk[8], fmt[16];
	bool have_fmt = false;
	int r;

	memset(w, 0, sizeof(*w));
	/* Streamed: any size; a FIFO or device is refused. */
	w->fp = input_file_fopen(path, INPUT_UNLIMITED, &r, err, err_size);
	if (!w->fp)
		return r;
	if (fread(hdr, 1, 12, w->fp) != 12 || memcmp(hdr, "RIFF", 4) || memcmp(hdr + 8, "WAVE", 4))
		return bad(w, err, err_size, path, "not a RIFF/WAVE file");
	for (;;) {
		uint32_t size;

		if (fread(chunk, 1, 8, w->fp) != 8)
			return bad(w, err, err_size, path, "no data chunk");
		size = le32(chunk + 4);
		if (!memcmp(chunk, "fmt ", 4)) {
			if (size < 16 || fread(fmt, 1, 16, w->fp) != 16 ||
			    fseek(w->fp, (long)(size - 16 + (size & 1)), SEEK_CUR))
				return bad(w, err, err_size, path, "truncated fmt chunk");
			if (le16(fmt) != 1 && le16(fmt) != 0xfffe)
				return bad(w, err, err_size, path, "not PCM");
			if (le16(fmt + 14) != 16)
				return bad(w, err, err_size, path, "not 16-bit samples");
			w->channels = le16(fmt + 2);
			w->sample_rate = le32(fmt + 4);
			if (!w->channels || !w->sample_rate)
				return bad(w, err, err_size, path, "zero channels or sample rate");
			have_fmt = true;
		} else if (!memcmp(chunk, "data", 4)) {
			if (!have_fmt)
				return bad(w, err, err_size, path, "data chunk before fmt chunk");
			w->frames = size / (2u * w->channels);
			w->frames_left = w->frames;
			return 0;
		} else if (fseek(w->fp, (long)size + (size & 1), SEEK_CUR)) {
			return bad(w, err, err_size, path, "truncated chunk");
		}
	}
}

long wav_read(struct wav_reader *w, int16_t *frames, size_t max_frames)
{
	size_t want = max_frames < w->frames_left ? max_frames : (size_t)w->frames_left;
	size_t got;

	if (!want)
		return 0;
	got = fread(frames, 2u * w->channels, want, w->fp);
	if (got < want && ferror(w->fp))
		return -EIO;
#if __BYTE_ORDER == __BIG_ENDIAN
	for (size_t i = 0; i < got * w->channels; i++)
		frames[i] = (int16_t)le16((const uint8_t *)&frames[i]);
#endif
	w->frames_left = got < want ? 0 : w->frames_left - got;
	return (long)got;
}

void wav_close(struct wav_reader *w)
{
	if (w->fp)
		fclose(w->fp);
	w->fp = NULL;
}
