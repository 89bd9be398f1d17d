/* SPDX-License-Identifier: MIT */
/*
 * make check-models: the live agriculture pipeline computes the features
 * the model was trained on.  Its BME280 reads 0.001 degC and 0.001 %RH
 * (int32 frames of the joined sources); the replay, on which the model was
 * trained, holds 0.01 degC and 0.01 %RH (int16).  Both [Frontend]s run
 * over the shipped week, the live one on the readings a BME280 would give
 * (temperature and humidity x 10), and every feature byte is compared.
 *
 *   check_live_units REPLAY.conf LIVE.conf WEEK.csv
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontend.h"
#include "pipeline_config.h"

#define CHANNELS 4
#define MAX_ROWS 4096
#define MAX_FEATURES 1024

/* The model input's quantization (models/agriculture.md). */
#define INPUT_SCALE 0.03125f
#define INPUT_ZERO_POINT 0

static int open_frontend(struct frontend *fe, struct pipeline_config *pc, const char *path,
			 enum sample_format format)
{
	struct config_error err = { { 0 } };

	if (pipeline_config_load(pc, path, &err) ||
	    frontend_open(fe, pc, format, CHANNELS, INPUT_SCALE, INPUT_ZERO_POINT, &err)) {
		fprintf(stderr, "check_live_units: %s\n", err.text);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct pipeline_config replay_pc, live_pc;
	static struct frontend replay_fe, live_fe;
	static int16_t replay_rows[MAX_ROWS][CHANNELS];
	static int32_t live_rows[MAX_ROWS][CHANNELS];
	static int8_t replay_features[MAX_FEATURES * 64], live_features[MAX_FEATURES * 64];
	size_t rows = 0, n_replay, n_live, differ = 0, max_diff = 0;
	char line[256];
	FILE *csv;

	if (argc != 4) {
		fprintf(stderr, "usage: check_live_units REPLAY.conf LIVE.conf WEEK.csv\n");
		return 2;
	}
	if (open_frontend(&replay_fe, &replay_pc, argv[1], SAMPLE_S16) ||
	    open_frontend(&live_fe, &live_pc, argv[2], SAMPLE_S32))
		return 1;
	if (replay_fe.feature_bytes != live_fe.feature_bytes ||
	    replay_fe.feature_bytes * MAX_FEATURES > sizeof(replay_features)) {
		fprintf(stderr, "check_live_units: feature sizes %zu and %zu\n",
			replay_fe.feature_bytes, live_fe.feature_bytes);
		return 1;
	}
	csv = fopen(argv[3], "re");
	if (!csv) {
		perror(argv[3]);
		return 1;
	}
	while (fgets(line, sizeof(line), csv) && rows < MAX_ROWS) {
		long t, v[CHANNELS];

		if (sscanf(line, "%ld,%ld,%ld,%ld,%ld", &t, &v[0], &v[1], &v[2], &v[3]) != 5)
			continue; /* the header */
		for (int c = 0; c < CHANNELS; c++) {
			replay_rows[rows][c] = (int16_t)v[c];
			/* a BME280's units for temperature and humidity */
			live_rows[rows][c] = (int32_t)(c == 1 || c == 2 ? v[c] * 10 : v[c]);
		}
		rows++;
	}
	fclose(csv);
	n_replay = frontend_push(&replay_fe, replay_rows, rows, NULL, replay_features,
				 MAX_FEATURES);
	n_live = frontend_push(&live_fe, live_rows, rows, NULL, live_features, MAX_FEATURES);
	if (!n_replay || n_replay != n_live) {
		fprintf(stderr, "check_live_units: %zu rows gave %zu and %zu feature frames\n", rows,
			n_replay, n_live);
		return 1;
	}
	for (size_t i = 0; i < n_replay * replay_fe.feature_bytes; i++) {
		size_t d = (size_t)abs(replay_features[i] - live_features[i]);

		differ += d != 0;
		max_diff = d > max_diff ? d : max_diff;
	}
	printf("check-models: %slive agriculture.conf on BME280 units: %zu of %zu feature bytes "
	       "differ from the replay's (largest by %zu)\n",
	       differ ? "FAIL " : "ok   ", differ, n_replay * replay_fe.feature_bytes, max_diff);
	return differ != 0;
}
