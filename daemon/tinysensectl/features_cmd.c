/* SPDX-License-Identifier: MIT */
/* tinysensectl features --frontend PRESET IN.wav --output OUT.bin
 * tinysensectl features --config PIPELINE.conf [--scale S --zero-point Z]
 *                       IN.wav --output OUT.bin
 * Runs a WAV file through a front-end and writes raw int8 features, one row
 * per frame, exactly what a pipeline feeds its model.  --frontend names an
 * audio preset (mono); --config builds the pipeline file's [Frontend]
 * (audio, spectrum or stats) for the WAV's channels with the code the
 * daemon runs, quantized with --scale/--zero-point, or, without them, with
 * the input quantization of the model the file names. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tinysense/tinysense.h>

#include "commands.h"
#include "frontend.h"
#include "model_file.h"
#include "pipeline_config.h"
#include "value_parse.h"
#include "wav_reader.h"

struct features_args {
	const char *frontend;
	const char *config;
	const char *scale, *zero_point;
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
		} else if (!strcmp(argv[i], "--scale") && i + 1 < argc) {
			a->scale = argv[++i];
		} else if (!strcmp(argv[i], "--zero-point") && i + 1 < argc) {
			a->zero_point = argv[++i];
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
	if (!a->config && (a->scale || a->zero_point)) {
		fprintf(stderr, "tinysensectl: --scale and --zero-point go with --config\n");
		return -1;
	}
	if (!!a->scale != !!a->zero_point) {
		fprintf(stderr, "tinysensectl: --scale and --zero-point go together\n");
		return -1;
	}
	if (!a->frontend && !a->config)
		a->frontend = "micro_speech";
	return 0;
}

/* The quantization of the features: given, or the config's model input's. */
static int feature_quantization(const struct features_args *a, const struct pipeline_config *pc,
				float *scale, int32_t *zero_point)
{
	struct model_file m;
	const ts_tensor *in;
	long long zp;
	char *end;
	double s;

	if (a->scale) {
		s = strtod(a->scale, &end);
		if (*end || !(s > 0) || s > 1e30 || parse_int_range(a->zero_point, -128, 127, &zp)) {
			fprintf(stderr, "tinysensectl: --scale needs a number > 0, --zero-point -128..127\n");
			return -1;
		}
		*scale = (float)s;
		*zero_point = (int32_t)zp;
		return 0;
	}
	if (model_file_open(&m, pc->model_path, NULL))
		return -1;
	in = ts_interpreter_input(m.ip, 0);
	*scale = ts_tensor_scale(in);
	*zero_point = ts_tensor_zero_point(in);
	model_file_close(&m);
	return 0;
}

/* Pushes all of frames through fe, writing complete feature frames to out. */
static int push_all(struct frontend *fe, const int16_t *frames, size_t n, FILE *out,
		    size_t *rows)
{
	int8_t features[8192];
	const size_t max_rows = sizeof(features) / fe->feature_bytes;

	while (n) {
		size_t consumed = 0;
		size_t made = frontend_push(fe, frames, n, &consumed, features, max_rows);

		if (made && fwrite(features, fe->feature_bytes, made, out) != made)
			return -errno;
		*rows += made;
		frames += consumed * fe->channels;
		n -= consumed;
	}
	return 0;
}

/* The front-end: an audio preset, or a pipeline file's [Frontend]. */
static int open_frontend(struct frontend *fe, const struct features_args *a,
			 uint16_t channels)
{
	struct pipeline_config *pc;
	struct config_error err = { "" };
	float scale;
	int32_t zero_point;
	int r = -1;

	if (!a->config) {
		struct pipeline_config audio = { .frontend = FRONTEND_AUDIO };
		struct setting *preset = &audio.frontend_keys.items[0];

		snprintf(audio.file, sizeof(audio.file), "--frontend");
		audio.frontend_keys.file = audio.file;
		audio.frontend_keys.section = "Frontend";
		snprintf(preset->key, sizeof(preset->key), "Preset");
		snprintf(preset->value, sizeof(preset->value), "%s", a->frontend);
		audio.frontend_keys.n = 1;
		if (frontend_open(fe, &audio, SAMPLE_S16, channels, 1.0f, 0, &err)) {
			fprintf(stderr, "tinysensectl: %s\n", err.text);
			return -1;
		}
		return 0;
	}
	pc = calloc(1, sizeof(*pc));
	if (!pc)
		return -1;
	if (pipeline_config_load(pc, a->config, &err))
		fprintf(stderr, "tinysensectl: %s\n", err.text);
	else if (!feature_quantization(a, pc, &scale, &zero_point)) {
		r = frontend_open(fe, pc, SAMPLE_S16, channels, scale, zero_point, &err);
		if (r)
			fprintf(stderr, "tinysensectl: %s\n", err.text);
	}
	free(pc);
	return r;
}

int cmd_features(int argc, char **argv)
{
	static struct frontend fe;
	struct features_args a = { 0 };
	struct wav_reader wav;
	int16_t block[4096];
	char err[512];
	size_t rows = 0;
	FILE *out;
	long got = 0;
	int r = 0;

	if (parse_args(argc, argv, &a))
		return 2;
	if (wav_open(&wav, a.input, err, sizeof(err))) {
		fprintf(stderr, "tinysensectl: %s\n", err);
		return 1;
	}
	if (open_frontend(&fe, &a, wav.channels)) {
		wav_close(&wav);
		return 1;
	}
	if (fe.rate && wav.sample_rate != fe.rate) {
		fprintf(stderr, "tinysensectl: %s: %u Hz; the front-end needs %u Hz\n", a.input,
			wav.sample_rate, fe.rate);
		wav_close(&wav);
		return 1;
	}
	out = fopen(a.output, "wbe");
	if (!out) {
		fprintf(stderr, "tinysensectl: %s: %s\n", a.output, strerror(errno));
		wav_close(&wav);
		return 1;
	}
	while (!r && (got = wav_read(&wav, block, sizeof(block) / sizeof(block[0]) / wav.channels)) > 0)
		r = push_all(&fe, block, (size_t)got, out, &rows);
	if (!r && got < 0)
		r = (int)got;
	wav_close(&wav);
	if (fclose(out) && !r)
		r = -errno;
	if (r) {
		fprintf(stderr, "tinysensectl: %s: %s\n", r == -EIO ? a.input : a.output, strerror(-r));
		return 1;
	}
	fprintf(stderr, "%zu frames of %zu features\n", rows, fe.feature_bytes);
	return 0;
}
