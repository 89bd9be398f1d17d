/* SPDX-License-Identifier: MIT */
#include "model_file.h"
#include "cpu_features.h"
#include "input_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Creates the interpreter in a growing arena, then again in one of exactly
 * the size it reports, so that the reported figure is proven enough. */
static ts_status create_fitted(struct model_file *m, const ts_interpreter_options *opt,
			       ts_diag *diag)
{
	size_t size = 64 * 1024;
	ts_status st;

	for (;;) {
		m->arena = aligned_alloc(16, size);
		if (!m->arena)
			goto oom;
		st = ts_interpreter_create_with(&m->ip, m->bytes, m->size, m->arena, size, opt, diag);
		if (st != TS_ERR_ARENA_TOO_SMALL || size >= ((size_t)1 << 30))
			break;
		free(m->arena);
		m->arena = NULL;
		size *= 4;
	}
	if (st)
		return st;
	size = (ts_interpreter_arena_used(m->ip) + 15) & ~(size_t)15;
	free(m->arena);
	m->arena = aligned_alloc(16, size);
	if (!m->arena)
		goto oom;
	m->arena_size = size;
	return ts_interpreter_create_with(&m->ip, m->bytes, m->size, m->arena, size, opt, diag);
oom:
	snprintf(diag->text, sizeof(diag->text), "out of memory for the arena");
	return TS_ERR_ARENA_TOO_SMALL;
}

int model_file_open(struct model_file *m, const char *path, const char *kernels)
{
	ts_interpreter_options opt = { .cpu_features = cpu_features_probe() };
	ts_diag diag;
	ts_status st;
	int err;

	memset(m, 0, sizeof(*m));
	m->path = path;
	opt.kernels = kernels_choose(kernels, "--kernels", opt.cpu_features, diag.text,
				     sizeof(diag.text));
	if (!opt.kernels) {
		fprintf(stderr, "tinysensectl: %s\n", diag.text);
		return -1;
	}
	err = input_file_read(path, INPUT_MAX_MODEL_BYTES, &m->bytes, &m->size, diag.text,
			      sizeof(diag.text));
	if (err) {
		fprintf(stderr, "tinysensectl: %s\n", diag.text);
		return err;
	}
	st = create_fitted(m, &opt, &diag);
	if (st) {
		fprintf(stderr, "tinysensectl: %s: %s\n", path, diag.text);
		model_file_close(m);
		return -1;
	}
	return 0;
}

void model_file_close(struct model_file *m)
{
	free(m->arena);
	free(m->bytes);
	m->arena = NULL;
	m->bytes = NULL;
	m->ip = NULL;
}
