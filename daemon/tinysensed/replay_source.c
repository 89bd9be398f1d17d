/* SPDX-License-Identifier: MIT */
/*
 * The built-in replay source: a recording played into a pipeline.
 *   [Source]
 *   Plugin=replay
 *   Path=/path/to/file.wav      (relative paths: from the working directory)
 *   Pace=realtime|fast          (realtime: one block every block duration;
 *                                fast: as fast as the pipeline takes it)
 *   Loop=no                     (yes: start over at the end)
 *   Format=wav|raw|csv          (default from the file name's extension)
 *   Rate=16000, Channels=1      (raw: S16LE interleaved; csv: Rate= only)
 * A CSV file holds one frame per line: a timestamp (ignored: frames are
 * paced by Rate=) and one integer per channel, e.g. "0.125,512,-3,1020";
 * a first line that is not numeric is a header.
 * Timestamps are the stream position from the moment the replay started,
 * so a detection's time says where in the recording it happened.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "input_file.h"
#include "log.h"
#include "source.h"
#include "value_parse.h"
#include "wav_reader.h"

enum replay_format { FORMAT_WAV, FORMAT_RAW, FORMAT_CSV };

#define REPLAY_BLOCK_FRAMES 1024
#define REPLAY_MAX_CHANNELS 16
#define REPLAY_BLOCKS_PER_TURN 8

struct replay {
	struct source *s;
	char path[PC_PATH_LEN];
	bool fast, loop;
	enum replay_format format;
	struct wav_reader wav;          /* wav files */
	FILE *fp;                       /* raw and csv files */
	unsigned csv_line;
	sd_event_source *timer;         /* realtime pacing */
	sd_event_source *defer;         /* fast pacing */
	uint32_t block_frames;
	uint64_t start_mono_ns, start_real_us;
	uint64_t frames_done;           /* emitted since start */
	int16_t block[REPLAY_BLOCK_FRAMES * REPLAY_MAX_CHANNELS];
	size_t pending;                 /* frames read, not yet taken by the pipeline */
	bool ended;
};

static uint64_t now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int open_file(struct replay *r, char *err, size_t err_size)
{
	int e;

	if (r->format == FORMAT_WAV)
		return wav_open(&r->wav, r->path, err, err_size);
	r->csv_line = 0;
	r->fp = input_file_fopen(r->path, INPUT_UNLIMITED, &e, err, err_size);
	return r->fp ? 0 : e;
}

static void close_file(struct replay *r)
{
	wav_close(&r->wav);
	if (r->fp)
		fclose(r->fp);
	r->fp = NULL;
}

/* Parses one CSV line into a frame; 1 done, 0 skip (blank or header), -1 bad. */
static int parse_csv_line(struct replay *r, char *line, int16_t *frame)
{
	char *p = line, *end;
	unsigned ch = 0;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\n' || *p == '\0' || *p == '#')
		return 0;
	strtod(p, &end); /* the timestamp */
	if (end == p)
		return r->csv_line == 1 ? 0 : -1; /* a header is only allowed first */
	for (p = end; ch < r->s->channels; ch++) {
		long v;

		if (*p != ',')
			return -1;
		v = strtol(p + 1, &end, 10);
		if (end == p + 1 || v < INT16_MIN || v > INT16_MAX)
			return -1;
		frame[ch] = (int16_t)v;
		p = end;
	}
	while (*p == ' ' || *p == '\t' || *p == '\r')
		p++;
	return *p == '\n' || *p == '\0' ? 1 : -1;
}

static long read_csv(struct replay *r)
{
	char line[1024];
	size_t n = 0;

	while (n < r->block_frames && fgets(line, sizeof(line), r->fp)) {
		int ok;

		r->csv_line++;
		ok = parse_csv_line(r, line, r->block + n * r->s->channels);
		if (ok < 0) {
			char msg[256];

			snprintf(msg, sizeof(msg), "%s:%u: expected a timestamp and %u integers",
				 r->path, r->csv_line, r->s->channels);
			r->s->host.state(r->s->host.pipeline, SOURCE_FAILED, msg);
			return -EINVAL;
		}
		n += (size_t)ok;
	}
	return (long)n;
}

/* Channels of a CSV file: the columns after the timestamp, first data line. */
static int csv_channels(const char *path, uint16_t *channels, char *err, size_t err_size)
{
	char line[1024];
	unsigned lines = 0;
	int e;
	FILE *fp = input_file_fopen(path, INPUT_UNLIMITED, &e, err, err_size);

	if (!fp)
		return e;
	while (fgets(line, sizeof(line), fp)) {
		char *end;
		unsigned commas = 0;

		lines++;
		strtod(line, &end);
		if (end == line)
			continue; /* header or blank */
		for (char *p = line; *p; p++)
			commas += *p == ',';
		fclose(fp);
		if (!commas || commas > REPLAY_MAX_CHANNELS) {
			snprintf(err, err_size, "%s:%u: expected a timestamp and 1..%d values", path,
				 lines, REPLAY_MAX_CHANNELS);
			return -EINVAL;
		}
		*channels = (uint16_t)commas;
		return 0;
	}
	fclose(fp);
	snprintf(err, err_size, "%s: no data lines", path);
	return -EINVAL;
}

/* Reads the next block; 0 frames at the end of the file. */
static long read_block(struct replay *r)
{
	const size_t ch = r->s->channels;
	size_t got;

	if (r->format == FORMAT_WAV)
		return wav_read(&r->wav, r->block, r->block_frames);
	if (r->format == FORMAT_CSV)
		return read_csv(r);
	got = fread(r->block, 2 * ch, r->block_frames, r->fp);
	if (got < r->block_frames && ferror(r->fp))
		return -EIO;
	return (long)got;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

static int claim_keys(struct replay *r, struct settings *keys, struct config_error *err)
{
	const struct setting *k;
	long long v;
	int b;

	k = setting_take(keys, "Path");
	if (!k)
		return setting_error(err, keys, NULL, "Path= is required for the replay source");
	snprintf(r->path, sizeof(r->path), "%s", k->value);
	if ((k = setting_take(keys, "Pace"))) {
		if (strcmp(k->value, "realtime") && strcmp(k->value, "fast"))
			return setting_error(err, keys, k, "expected realtime or fast");
		r->fast = !strcmp(k->value, "fast");
	}
	if ((k = setting_take(keys, "Loop"))) {
		if (parse_bool(k->value, &b))
			return setting_error(err, keys, k, "expected yes or no");
		r->loop = b;
	}
	r->format = ends_with(r->path, ".wav") ? FORMAT_WAV :
		    ends_with(r->path, ".csv") ? FORMAT_CSV : FORMAT_RAW;
	if ((k = setting_take(keys, "Format"))) {
		if (!strcmp(k->value, "wav"))
			r->format = FORMAT_WAV;
		else if (!strcmp(k->value, "raw"))
			r->format = FORMAT_RAW;
		else if (!strcmp(k->value, "csv"))
			r->format = FORMAT_CSV;
		else
			return setting_error(err, keys, k, "expected wav, raw or csv");
	}
	if ((k = setting_take(keys, "Rate"))) {
		if (r->format == FORMAT_WAV || parse_int_range(k->value, 1, 1000000, &v))
			return setting_error(err, keys, k, r->format != FORMAT_WAV ?
					     "expected a rate in Hz" : "WAV files carry their rate");
		r->s->rate = (uint32_t)v;
	}
	if ((k = setting_take(keys, "Channels"))) {
		if (r->format != FORMAT_RAW || parse_int_range(k->value, 1, REPLAY_MAX_CHANNELS, &v))
			return setting_error(err, keys, k, r->format == FORMAT_RAW ?
					     "expected 1..16 channels" : "only raw files take Channels=");
		r->s->channels = (uint16_t)v;
	}
	if (r->format == FORMAT_RAW && (!r->s->rate || !r->s->channels))
		return setting_error(err, keys, NULL, "raw files need Rate= and Channels=");
	if (r->format == FORMAT_CSV && !r->s->rate)
		return setting_error(err, keys, NULL, "CSV files need Rate=");
	return 0;
}

static int replay_open(struct source *s, struct settings *keys, struct config_error *err)
{
	struct replay *r = calloc(1, sizeof(*r));
	int ret;

	if (!r)
		return -ENOMEM;
	r->s = s;
	s->priv = r;
	s->format = SAMPLE_S16;
	ret = claim_keys(r, keys, err);
	if (ret)
		return ret;
	if (r->format == FORMAT_CSV) {
		ret = csv_channels(r->path, &s->channels, err->text, sizeof(err->text));
		if (ret)
			return ret;
	}
	ret = open_file(r, err->text, sizeof(err->text));
	if (ret)
		return ret;
	if (r->format == FORMAT_WAV) {
		if (r->wav.channels > REPLAY_MAX_CHANNELS) {
			snprintf(err->text, sizeof(err->text), "%s: %u channels, at most %d",
				 r->path, r->wav.channels, REPLAY_MAX_CHANNELS);
			return -EINVAL;
		}
		s->rate = r->wav.sample_rate;
		s->channels = r->wav.channels;
	}
	/* Realtime: 20 ms blocks, like a sound card's period; fast: big ones. */
	r->block_frames = r->fast ? REPLAY_BLOCK_FRAMES : s->rate / 50;
	if (r->block_frames == 0)
		r->block_frames = 1;
	if (r->block_frames > REPLAY_BLOCK_FRAMES)
		r->block_frames = REPLAY_BLOCK_FRAMES;
	return 0;
}

/* Emits the pending frames; false when the pipeline took only some (the
 * rest move to the front of the block, to go on resume). */
static bool emit_pending(struct replay *r)
{
	const uint64_t offset_ns = r->frames_done * 1000000000ull / r->s->rate;
	const uint64_t offset_us = r->frames_done * 1000000ull / r->s->rate;
	const size_t taken = r->s->host.emit(r->s->host.pipeline, r->block, r->pending,
					     r->start_mono_ns + offset_ns,
					     r->start_real_us + offset_us);

	r->frames_done += taken;
	r->pending -= taken;
	if (!r->pending)
		return true;
	memmove(r->block, r->block + taken * r->s->channels,
		r->pending * r->s->channels * sizeof(r->block[0]));
	return false;
}

/* Reads the next block into pending; false at the end (after looping). */
static bool next_block(struct replay *r)
{
	char err[512];
	long got = read_block(r);

	if (got == 0 && r->loop) {
		close_file(r);
		if (open_file(r, err, sizeof(err)) == 0)
			got = read_block(r);
	}
	if (got < 0) {
		if (got == -EIO)
			r->s->host.state(r->s->host.pipeline, SOURCE_FAILED, "read error in the recording");
		return false;
	}
	r->pending = (size_t)got;
	return got > 0;
}

static void finish(struct replay *r)
{
	r->ended = true;
	sd_event_source_set_enabled(r->timer, SD_EVENT_OFF);
	sd_event_source_set_enabled(r->defer, SD_EVENT_OFF);
	r->s->host.end(r->s->host.pipeline);
}

static int on_defer(sd_event_source *es, void *user)
{
	struct replay *r = user;

	(void)es;
	for (int i = 0; i < REPLAY_BLOCKS_PER_TURN; i++) {
		if (!r->pending && !next_block(r)) {
			finish(r);
			return 0;
		}
		if (!emit_pending(r)) {
			/* Full: wait for resume(). */
			sd_event_source_set_enabled(r->defer, SD_EVENT_OFF);
			return 0;
		}
	}
	return 0;
}

static int on_timer(sd_event_source *es, uint64_t usec, void *user)
{
	struct replay *r = user;
	uint64_t due;

	(void)usec;
	if (!r->pending && !next_block(r)) {
		finish(r);
		return 0;
	}
	/* A full pipeline in real time means it cannot keep up: drop what it
	 * did not take (as a sound card would overrun) and say so. */
	if (!emit_pending(r)) {
		log_warning("replay %s: pipeline full, %zu frames dropped", r->path, r->pending);
		r->frames_done += r->pending;
		r->pending = 0;
	}
	/* Next block due when its frames would have been captured. */
	due = (r->start_mono_ns + (r->frames_done + r->block_frames) * 1000000000ull /
	       r->s->rate) / 1000;
	sd_event_source_set_time(es, due);
	sd_event_source_set_enabled(es, SD_EVENT_ON);
	return 0;
}

static int replay_start(struct source *s)
{
	struct replay *r = s->priv;
	int ret;

	r->start_mono_ns = now_ns(CLOCK_MONOTONIC);
	r->start_real_us = now_ns(CLOCK_REALTIME) / 1000;
	r->frames_done = 0;
	r->pending = 0;
	r->ended = false;
	if (r->fast) {
		if (!r->defer) {
			ret = sd_event_add_defer(s->event, &r->defer, on_defer, r);
			if (ret < 0)
				return ret;
		}
		return sd_event_source_set_enabled(r->defer, SD_EVENT_ON);
	}
	if (!r->timer) {
		ret = sd_event_add_time(s->event, &r->timer, CLOCK_MONOTONIC,
					(r->start_mono_ns + (uint64_t)r->block_frames *
					 1000000000ull / s->rate) / 1000, 1000, on_timer, r);
		if (ret < 0)
			return ret;
	}
	return sd_event_source_set_enabled(r->timer, SD_EVENT_ON);
}

static void replay_stop(struct source *s)
{
	struct replay *r = s->priv;

	sd_event_source_set_enabled(r->timer, SD_EVENT_OFF);
	sd_event_source_set_enabled(r->defer, SD_EVENT_OFF);
}

static void replay_resume(struct source *s)
{
	struct replay *r = s->priv;

	if (r->fast && !r->ended)
		sd_event_source_set_enabled(r->defer, SD_EVENT_ON);
}

static void replay_close(struct source *s)
{
	struct replay *r = s->priv;

	if (!r)
		return;
	sd_event_source_disable_unref(r->timer);
	sd_event_source_disable_unref(r->defer);
	close_file(r);
	free(r);
	s->priv = NULL;
}

const struct source_ops replay_source_ops = {
	.name = "replay",
	.open = replay_open,
	.start = replay_start,
	.stop = replay_stop,
	.resume = replay_resume,
	.close = replay_close,
};
