/* SPDX-License-Identifier: MIT */
/* A .tflite file loaded for the model commands: its bytes and a ready
 * interpreter in an arena sized to fit exactly. */
#ifndef TINYSENSECTL_MODEL_FILE_H
#define TINYSENSECTL_MODEL_FILE_H

#include <stddef.h>

#include <tinysense/tinysense.h>

struct model_file {
	const char *path;
	void *bytes;        /* 16-byte aligned copy of the file */
	size_t size;
	void *arena;
	size_t arena_size;
	ts_interpreter *ip;
};

/* Reads path (a regular file of at most INPUT_MAX_MODEL_BYTES) and creates its interpreter with the kernel set named (NULL:
 * the fastest this CPU runs).
 * On failure prints "tinysensectl: PATH: problem" and returns -errno or -1. */
int model_file_open(struct model_file *m, const char *path, const char *kernels);
void model_file_close(struct model_file *m);

#endif
