/* SPDX-License-Identifier: MIT */
/*
 * Checking conformance cases against reference bytes, shared by the hosted
 * runner (conformance_main.c, also cross-built for aarch64/armhf) and the
 * Cortex-M firmware (tests/mcu/).  No I/O and no allocation: the callers
 * load the bytes (files or flash) and print the results.
 *
 * A model case is ../shared/conformance's format: `count` input sets back
 * to back (every input tensor of one inference, in order) and the reference
 * outputs likewise; a streaming case's sets are consecutive steps of one
 * stream, run in order in one interpreter.  A front-end case is a 16 kHz mono s16 WAV and its
 * golden int8 features (../shared/frontend).
 */
#ifndef TS_TESTS_CASE_CHECK_H
#define TS_TESTS_CASE_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include <tinysense/tinysense.h>

/* FNV-1a (32 bits) over bytes, continuing from h; start with TSC_DIGEST_INIT. */
#define TSC_DIGEST_INIT 0x811c9dc5u
uint32_t tsc_digest(uint32_t h, const void *bytes, size_t n);

/* Bytes of all input (inputs != 0) or all output tensors of one inference. */
size_t tsc_io_bytes(ts_interpreter *ip, int inputs);

typedef enum tsc_outcome {
	TSC_MATCH = 0,   /* every byte equals the reference */
	TSC_MISMATCH,    /* first differing byte in the fields below */
	TSC_INVOKE_FAILED,
	TSC_BAD_SIZES,   /* the files do not hold whole sets for this model */
} tsc_outcome;

typedef struct tsc_model_result {
	tsc_outcome outcome;
	size_t count;     /* inferences in the case (TSC_BAD_SIZES: 0) */
	size_t inference; /* where it stopped (mismatch or invoke failure) */
	size_t output;
	size_t byte;
	int got, want;    /* the differing bytes, as int8 */
	uint32_t digest;  /* tsc_digest of every output byte produced */
	int streaming;    /* the model keeps state across invokes */
	int after_reset;  /* stopped in the pass after ts_interpreter_reset_state */
	ts_diag diag;     /* TSC_INVOKE_FAILED: why */
} tsc_model_result;

/*
 * Runs every input set of in (in_size bytes) through ip with its current
 * kernels, in order and without resetting anything in between, and
 * compares every output byte with want (want_size bytes).  A model with
 * state (ts_interpreter_state_bytes(), a streaming case) then has its state
 * reset and runs the whole stream again, which must give the same bytes.
 * Returns r->outcome.
 */
tsc_outcome tsc_check_model(ts_interpreter *ip, const uint8_t *in, size_t in_size,
			    const uint8_t *want, size_t want_size, tsc_model_result *r);

/* A 16 kHz mono s16 RIFF/WAVE in memory -> its samples (pointing into
 * bytes, which must be 2-byte aligned); -1 if it is not one. */
int tsc_wav_samples(const uint8_t *bytes, size_t size, const int16_t **samples, size_t *n);

typedef struct tsc_frontend_result {
	tsc_outcome outcome; /* TSC_BAD_SIZES: frames * frame_bytes != want_size,
			      * or pushed != frames */
	size_t frames;       /* frames the samples give */
	size_t pushed;       /* frames the front-end produced */
	uint32_t digest;     /* tsc_digest of every feature byte produced */
	size_t frame_bytes;
	size_t frame, channel; /* first mismatch */
	int got, want;
} tsc_frontend_result;

/*
 * Pushes n samples through fe (initialized, at the start of a stream),
 * cap_frames frames at a time into buf (cap_frames * frame bytes), and
 * compares every feature byte with want.  Returns r->outcome.
 */
tsc_outcome tsc_check_frontend(ts_audio_frontend *fe, const int16_t *samples, size_t n,
			       const uint8_t *want, size_t want_size, int8_t *buf,
			       size_t cap_frames, tsc_frontend_result *r);

#endif /* TS_TESTS_CASE_CHECK_H */
