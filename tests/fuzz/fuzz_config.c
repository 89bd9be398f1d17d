/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: bytes -> a temporary file -> pipeline_config_load().
 * ASan's leak checker (on by default under libFuzzer) fails the run on any
 * leak; the result is also walked so a half-built config is read.
 *
 * Labels= may name a labels file: a mutated path such as /dev/zero or
 * /dev/stdin would once block or loop forever; every file is now opened by
 * daemon/common/input_file.c (non-blocking, regular files of at most 1 MiB
 * only), so the target opens what it names as the daemon would.  Seeds
 * (tests/fuzz/config_seeds/) hold lines longer than libinih's 200-byte
 * buffer, continuation lines and keys given twice.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipeline_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char conf_path[64];

static void remove_conf(void)
{
	if (conf_path[0])
		unlink(conf_path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pipeline_config *pc;
	struct config_error err;
	FILE *fp;
	int r;

	if (!conf_path[0]) {
		int fd;

		snprintf(conf_path, sizeof(conf_path), "/tmp/fuzz_config.XXXXXX");
		fd = mkstemp(conf_path);
		if (fd < 0)
			abort();
		close(fd);
		atexit(remove_conf);
	}
	fp = fopen(conf_path, "wb");
	if (!fp)
		abort();
	if (size && fwrite(data, 1, size, fp) != size)
		abort();
	fclose(fp);

	pc = malloc(sizeof(*pc));
	if (!pc)
		return 0;
	memset(&err, 0, sizeof(err));
	r = pipeline_config_load(pc, conf_path, &err);
	if (r) {
		if (!memchr(err.text, '\0', sizeof(err.text)) || r > 0)
			abort();
	} else {
		/* Invariants of a loaded config. */
		if (!pc->name[0] || !pc->n_sources || pc->n_sources > PC_MAX_SOURCES ||
		    !pc->model_path[0] || !pc->n_labels || pc->n_labels > PC_MAX_LABELS ||
		    pc->frontend_keys.n > PC_MAX_SETTINGS || pc->model_stride < 1 ||
		    !pc->source_summary[0])
			abort();
		for (size_t i = 0; i < pc->n_sources; i++)
			if (!pc->sources[i].plugin[0] || pc->sources[i].keys.n > PC_MAX_SETTINGS ||
			    (pc->n_sources > 1 && !pc->sources[i].name[0]))
				abort();
		for (size_t i = 0; i < pc->n_labels; i++)
			if (pipeline_config_label_index(pc, pc->labels[i]) < 0)
				abort();
		/* Claim one key and report the rest, as the front-ends do. */
		(void)setting_take(&pc->frontend_keys, "Type");
		(void)settings_check_all_taken(&pc->frontend_keys, &err);
		for (size_t i = 0; i < pc->n_sources; i++)
			(void)settings_check_all_taken(&pc->sources[i].keys, &err);
	}
	free(pc);
	return 0;
}
