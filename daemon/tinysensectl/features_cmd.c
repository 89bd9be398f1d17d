/* SPDX-License-Identifier: MIT */
/* tinysensectl features --frontend PRESET IN.wav --output OUT.bin
 * Runs a WAV file through the audio front-end and writes raw int8 features,
 * one row per frame, exactly what a pipeline feeds its model. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tinysense/tinysense.h>

#include "commands.h"
#include "wav_reader.h"

struct features_args {
	const char *frontend;
	const char *input;
	const char *output;
};

static int parse_args(int argc, char **argv, struct features_args *a)
{
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--frontend") && i + 1 < argc) {
			a->frontend = argv[++i];
		} else if (!strcmp(argv[i], "--output") && i + 1 < argc) {
			a->output = argv[++i];
		} else if (argv[i][0] != '-' && !a->input) {
			a->input = argv[i];
		} else {
			fprintf(stderr, "tinysensectl: features: unexpected argument '%s'\n", argv[i]);
			return -1;
		}
	}
	if (!a->input || !a->output) {
		fprintf(stderr, "tinysensectl: features needs IN.wav and --output OUT.bin\n");
		return -1;
	}
	if (!a->frontend)
		a->frontend = "micro_speech";
	return 0;
}

/* Pushes all of samples through fe, writing complete frames to out. */
static int push_all(ts_audio_frontend *fe, const int16_t *samples, size_t n, FILE *out,
		    size_t *frames)
{
	int8_t features[16 * TS_AUDIO_FRONTEND_MAX_CHANNELS];
	const size_t frame_bytes = ts_audio_frontend_frame_bytes(fe);
	const size_t max_frames = sizeof(features) / frame_bytes;

	while (n) {
		size_t consumed = 0;
		size_t made = ts_audio_frontend_push(fe, samples, n, &consumed, features,
						     max_frames);

		if (made && fwrite(features, frame_bytes, made, out) != made)
			return -errno;
		*frames += made;
		samples += consumed;
		n -= consumed;
	}
	return 0;
}

int cmd_features(int argc, char **argv)
{
	static ts_audio_frontend fe;
	struct features_args a = { 0 };
	const ts_audio_frontend_config *cfg;
	struct wav_reader wav;
	int16_t block[4096];
	char err[512];
	size_t frames = 0;
	FILE *out;
	long got;
	int r = 0;

	if (parse_args(argc, argv, &a))
		return 2;
	cfg = ts_audio_frontend_preset(a.frontend);
	if (!cfg) {
		fprintf(stderr, "tinysensectl: unknown front-end preset '%s' (known: micro_speech)\n",
			a.frontend);
		return 2;
	}
	if (ts_audio_frontend_init(&fe, cfg) != TS_OK) {
		fprintf(stderr, "tinysensectl: front-end '%s' failed to initialize\n", a.frontend);
		return 1;
	}
	if (wav_open(&wav, a.input, err, sizeof(err))) {
		fprintf(stderr, "tinysensectl: %s\n", err);
		return 1;
	}
	if (wav.channels != 1 || wav.sample_rate != cfg->sample_rate_hz) {
		fprintf(stderr, "tinysensectl: %s: %u Hz, %u channels; the %s front-end needs %u Hz mono\n",
			a.input, wav.sample_rate, wav.channels, a.frontend, cfg->sample_rate_hz);
		wav_close(&wav);
		return 1;
	}
	out = fopen(a.output, "wbe");
	if (!out) {
		fprintf(stderr, "tinysensectl: %s: %s\n", a.output, strerror(errno));
		wav_close(&wav);
		return 1;
	}
	while (!r && (got = wav_read(&wav, block, sizeof(block) / sizeof(block[0]))) > 0)
		r = push_all(&fe, block, (size_t)got, out, &frames);
	if (!r && got < 0)
		r = (int)got;
	wav_close(&wav);
	if (fclose(out) && !r)
		r = -errno;
	if (r) {
		fprintf(stderr, "tinysensectl: %s: %s\n", r == -EIO ? a.input : a.output, strerror(-r));
		return 1;
	}
	fprintf(stderr, "%zu frames of %zu features\n", frames, ts_audio_frontend_frame_bytes(&fe));
	return 0;
}
