/* SPDX-License-Identifier: MIT */
/* tinysensectl features --frontend PRESET IN.wav --output OUT.bin
 * tinysensectl features --config PIPELINE.conf --quant SCALE,ZERO_POINT IN.wav --output OUT.bin
 * Runs a WAV file through the audio front-end, or through the [Frontend] of
 * a pipeline file (any type, any channel count, features quantized to
 * SCALE and ZERO_POINT as the model input would), and writes raw int8
 * features, one row per frame, exactly what a pipeline feeds its model. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tinysense/tinysense.h>

#include "commands.h"
#include "frontend.h"
#include "pipeline_config.h"
#include "value_parse.h"
#include "wav_reader.h"

struct features_args {
	const char *frontend;
	const char *config;
	const char *quant;
	const char *input;
	const char *output;
};

static int parse_args(int argc, char **argv, struct features_args *a)
{
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--frontend") && i + 1 < argc) {
			a->frontend = argv[++i];
		} else if (!strcmp(argv[i], "--config") && i + 1 < argc) {
			a->config = argv[++i];
		} else if (!strcmp(argv[i], "--quant") && i + 1 < argc) {
			a->quant = argv[++i];
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
	if (a->frontend && a->config) {
		fprintf(stderr, "tinysensectl: features takes --frontend or --config, not both\n");
		return -1;
	}
	if (!a->frontend)
		a->frontend = "micro_speech";
	return 0;
}

/* "SCALE,ZERO_POINT" */
static int parse_quant(const char *text, float *scale, int32_t *zero_point)
{
	char *end;
	double s = strtod(text, &end);
	long long z;

	if (end == text || *end != ',' || !(s > 0.0) || s > 1e30 ||
	    parse_int_range(end + 1, -128, 127, &z))
		return -1;
	*scale = (float)s;
	*zero_point = (int32_t)z;
	return 0;
}

/* The [Frontend] of a pipeline file over a whole WAV file. */
static int features_from_config(const struct features_args *a)
{
	static struct pipeline_config pc;
	static struct frontend fe;
	struct config_error cerr = { "" };
	struct wav_reader wav;
	int16_t block[4096];
	int8_t features[8192];
	char err[512];
	float scale = 1.0f;
	int32_t zero_point = 0;
	size_t frames = 0;
	FILE *out;
	long got = 0;
	int r = 0;

	if (a->quant && parse_quant(a->quant, &scale, &zero_point)) {
		fprintf(stderr, "tinysensectl: --quant '%s': expected SCALE,ZERO_POINT (scale > 0, "
			"zero point -128..127)\n", a->quant);
		return 2;
	}
	if (pipeline_config_load(&pc, a->config, &cerr)) {
		fprintf(stderr, "tinysensectl: %s\n", cerr.text);
		return 1;
	}
	if (pc.frontend != FRONTEND_AUDIO && !a->quant) {
		fprintf(stderr, "tinysensectl: %s: this front-end quantizes to the model input: "
			"give --quant SCALE,ZERO_POINT\n", a->config);
		return 2;
	}
	if (wav_open(&wav, a->input, err, sizeof(err))) {
		fprintf(stderr, "tinysensectl: %s\n", err);
		return 1;
	}
	pc.frontend_keys.file = pc.file;
	if (frontend_open(&fe, &pc, SAMPLE_S16, wav.channels, scale, zero_point, &cerr)) {
		fprintf(stderr, "tinysensectl: %s\n", cerr.text);
		wav_close(&wav);
		return 1;
	}
	if (fe.rate && wav.sample_rate != fe.rate) {
		fprintf(stderr, "tinysensectl: %s: %u Hz; the front-end needs %u Hz\n", a->input,
			wav.sample_rate, fe.rate);
		wav_close(&wav);
		return 1;
	}
	out = fopen(a->output, "wbe");
	if (!out) {
		fprintf(stderr, "tinysensectl: %s: %s\n", a->output, strerror(errno));
		wav_close(&wav);
		return 1;
	}
	while (!r && (got = wav_read(&wav, block, sizeof(block) / sizeof(block[0]) / wav.channels)) > 0) {
		const uint8_t *p = (const uint8_t *)block;
		size_t left = (size_t)got;

		while (left && !r) {
			size_t consumed = 0;
			size_t made = frontend_push(&fe, p, left, &consumed, features,
						    sizeof(features) / fe.feature_bytes);

			if (made && fwrite(features, fe.feature_bytes, made, out) != made)
				r = -errno;
			frames += made;
			p += consumed * wav.channels * sizeof(int16_t);
			left -= consumed;
		}
	}
	if (!r && got < 0)
		r = -EIO;
	wav_close(&wav);
	if (fclose(out) && !r)
		r = -errno;
	if (r) {
		fprintf(stderr, "tinysensectl: %s: %s\n", r == -EIO ? a->input : a->output,
			strerror(-r));
		return 1;
	}
	fprintf(stderr, "%zu frames of %zu features\n", frames, fe.feature_bytes);
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
	if (a.config)
		return features_from_config(&a);
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
