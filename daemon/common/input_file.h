/* SPDX-License-Identifier: MIT */
/*
 * Every file tinysensed and tinysensectl read (tinysense.conf, pipeline
 * files, labels files, models, recordings, tinysensectl's inputs) is opened
 * here: read-only, non-blocking (a FIFO never blocks the open), close-on-exec
 * and without becoming a controlling terminal; anything but a regular file
 * (a FIFO, /dev/zero, a directory, a socket) is refused, and so is a file
 * larger than the limit its kind has.  The descriptor stays non-blocking
 * (no effect on a regular file, but a read of a /proc file such as
 * /proc/kmsg fails with EAGAIN instead of waiting).  Errors name the file
 * and the problem:
 * "PATH: not a regular file (a FIFO)", "PATH: larger than 16777216 bytes".
 */
#ifndef TS_DAEMON_INPUT_FILE_H
#define TS_DAEMON_INPUT_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Limits, documented in tinysense.conf(5), tinysensed(8) and tinysensectl(1). */
#define INPUT_MAX_CONFIG_BYTES (1u << 20)  /* tinysense.conf, pipeline and labels files */
#define INPUT_MAX_MODEL_BYTES  (16u << 20) /* .tflite models */
#define INPUT_UNLIMITED        0           /* streamed inputs: recordings */

/*
 * Opens path for reading.  Returns the descriptor, its size in *size if
 * size is not NULL; or
 * -errno with "PATH: problem" in err: -EINVAL for what is not a regular
 * file, -EFBIG for a file over max_bytes (INPUT_UNLIMITED: no limit).
 */
int input_file_open(const char *path, uint64_t max_bytes, uint64_t *size, char *err,
		    size_t err_size);

/* The same as a stdio stream; NULL with -errno in *error and err set. */
FILE *input_file_fopen(const char *path, uint64_t max_bytes, int *error, char *err,
		       size_t err_size);

/* Reads a whole file of at most max_bytes into a 16-byte aligned buffer
 * (caller frees; at least 1 byte allocated).  0 or -errno with err set. */
int input_file_read(const char *path, uint64_t max_bytes, void **data, size_t *size,
		    char *err, size_t err_size);

#endif
