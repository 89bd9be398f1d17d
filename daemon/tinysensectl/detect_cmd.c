/* SPDX-License-Identifier: MIT */
/* tinysensectl detect --config PIPELINE.conf IN.wav
 * Runs a pipeline's whole chain (front-end, model, detector) offline on a
 * recording and prints one line per detection with its time in the file. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain.h"
#include "commands.h"
#include "cpu_features.h"
#include "pipeline_config.h"
#include "wav_reader.h"

#include <tinysense/kernels.h>

struct detect_run {
	const struct pipeline_config *pc;
	bool json;
	size_t count;
};

static void print_detection(void *user, const ts_detection *det)
{
	struct detect_run *run = user;
	const char *label = run->pc->labels[det->class_index];
	const double t = (double)det->timestamp_ns / 1e9;
	const double score = (double)det->score_q15 / 32768.0;

	run->count++;
	if (run->json)
		printf("{\"time\":%.3f,\"label\":\"%s\",\"score\":%.4f}\n", t, label, score);
	else
		printf("%9.3f s  %-12s %.3f\n", t, label, score);
}

int cmd_detect(int argc, char **argv)
{
	struct pipeline_config *pc = calloc(1, sizeof(*pc));
	const char *config = NULL, *input = NULL, *model_dir = NULL;
	struct detect_run run = { 0 };
	struct config_error err = { "" };
	struct chain *chain = NULL;
	ts_interpreter_options interp = { .cpu_features = cpu_features_probe() };
	struct wav_reader wav;
	int16_t block[4096];
	char werr[512];
	uint64_t position = 0; /* frames read so far */
	long got = 0;
	int ret = 1;

	if (!pc)
		return 1;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--config") && i + 1 < argc)
			config = argv[++i];
		else if (!strcmp(argv[i], "--model-dir") && i + 1 < argc)
			model_dir = argv[++i];
		else if (!strcmp(argv[i], "--json"))
			run.json = true;
		else if (argv[i][0] != '-' && !input)
			input = argv[i];
		else {
			fprintf(stderr, "tinysensectl: detect: unexpected argument '%s'\n", argv[i]);
			free(pc);
			return 2;
		}
	}
	if (!config || !input) {
		fprintf(stderr, "tinysensectl: detect needs --config PIPELINE.conf and IN.wav\n");
		free(pc);
		return 2;
	}
	if (pipeline_config_load(pc, config, &err)) {
		fprintf(stderr, "tinysensectl: %s\n", err.text);
		goto out;
	}
	run.pc = pc;
	interp.kernels = ts_kernels_best(interp.cpu_features);
	if (wav_open(&wav, input, werr, sizeof(werr))) {
		fprintf(stderr, "tinysensectl: %s\n", werr);
		goto out;
	}
	if (chain_new(pc, model_dir ? model_dir : "/usr/share/tinysense/models", &interp, &chain,
		      &err) ||
	    chain_connect(chain, pc, SAMPLE_S16, wav.channels, &err)) {
		fprintf(stderr, "tinysensectl: %s\n", err.text);
		wav_close(&wav);
		goto out;
	}
	if (chain_rate(chain) && wav.sample_rate != chain_rate(chain)) {
		fprintf(stderr, "tinysensectl: %s: %u Hz; the pipeline needs %u Hz\n",
			input, wav.sample_rate, chain_rate(chain));
		wav_close(&wav);
		goto out;
	}
	/* Time zero is the start of the file: detections say where they are. */
	while ((got = wav_read(&wav, block, sizeof(block) / sizeof(block[0]) / wav.channels)) > 0) {
		chain_feed(chain, block, SAMPLE_S16, (size_t)got, wav.channels,
			   position * 1000000000ull / wav.sample_rate, wav.sample_rate,
			   print_detection, &run);
		position += (uint64_t)got;
	}
	wav_close(&wav);
	if (got < 0) {
		fprintf(stderr, "tinysensectl: %s: read error\n", input);
		goto out;
	}
	if (!run.json)
		fprintf(stderr, "%zu detections\n", run.count);
	ret = 0;
out:
	chain_free(chain);
	free(pc);
	return ret;
}
