/* SPDX-License-Identifier: MIT */
/*
 * tinysense status codes and diagnostics.
 *
 * Every lib/ function that can fail returns a ts_status.  Functions that
 * check untrusted input (model files) also take an optional ts_diag, a
 * caller-owned buffer that receives one human-readable sentence naming what
 * is wrong and where, e.g. "tensor 12: buffer 40 out of range (model has 31
 * buffers)".  lib/ never logs: the caller decides what to do with the text.
 */
#ifndef TINYSENSE_STATUS_H
#define TINYSENSE_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ts_status {
	TS_OK = 0,
	TS_ERR_INVALID_ARG,     /* API misuse: NULL pointer, bad index */
	TS_ERR_MALFORMED,       /* the model file breaks the flatbuffer/TFLite rules */
	TS_ERR_UNSUPPORTED,     /* valid TFLite, but an op/type/option we do not run */
	TS_ERR_SHAPE,           /* tensor shapes inconsistent with the operator */
	TS_ERR_QUANT,           /* missing or unusable quantization parameters */
	TS_ERR_ARENA_TOO_SMALL, /* the caller's arena cannot hold the plan */
	TS_ERR_STATE,           /* call made in the wrong state */
} ts_status;

/* Size of the text buffer in ts_diag, including the terminating NUL. */
#define TS_DIAG_TEXT_SIZE 192

/*
 * Diagnostic text for the last failure.  Owned by the caller; lib/ writes
 * text[] (always NUL-terminated) only when it returns an error.
 */
typedef struct ts_diag {
	char text[TS_DIAG_TEXT_SIZE];
} ts_diag;

/* A static, never-NULL name for a status ("malformed model", ...). */
const char *ts_status_str(ts_status status);

#ifdef __cplusplus
}
#endif

#endif /* TINYSENSE_STATUS_H */
