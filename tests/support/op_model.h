/* SPDX-License-Identifier: MIT */
/*
 * The op tests' shared harness: one-operator .tflite models built with
 * tflite_builder.h and run through the public interpreter API, a
 * deterministic random generator, and the parts of an independent TFLite
 * integer reference (written from TFLite's definitions, not from lib/) that
 * several differential tests use.
 */
#ifndef TS_OP_MODEL_H
#define TS_OP_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "tinysense/tinysense.h"
#include "tflite_builder.h"

/* tspec initializers list the leading fields only; the per-channel ones at
 * the end default to zero.  (This silences the warning for the rest of the
 * including file.) */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

/* One tensor of a one-operator model: an operator input or its output. */
typedef struct tspec {
	int type;           /* TB_TYPE_*; -1: an omitted optional input */
	int32_t shape[6];
	size_t rank;
	float scale;        /* 0: no quantization table (unless scales) */
	int64_t zp;
	const void *data;   /* constant data, or the values fed as graph input */
	size_t bytes;
	int is_const;
	const float *scales; /* per-channel scales (nscales > 0), zp for all */
	size_t nscales;
	int32_t qdim;       /* quantized_dimension of the per-channel scales */
} tspec;

/* The operator: builtin code, options table type and its fields. */
typedef struct opspec {
	int32_t builtin;
	uint8_t options_type;
	const tb_field *options;
	size_t n_options;
} opspec;

/* Number of elements of an array. */
#define N_OF(a) (sizeof(a) / sizeof((a)[0]))
/* shape fields of a tspec: SHAPE(2, 3) */
#define SHAPE(...) { __VA_ARGS__ }, N_OF(((int32_t[]){ __VA_ARGS__ }))
/* An int8 output tspec with scale 0.5, zero point 0: OUT8(2, 3) */
#define OUT8(...) { TB_TYPE_INT8, SHAPE(__VA_ARGS__), 0.5f, 0, NULL, 0, 0 }

/* Builds a model holding one operator (ins -> out; at most 16 inputs),
 * creates an interpreter in a 1 MiB static arena and (when invoke) feeds the
 * non-constant inputs in order and invokes; the output bytes go to result
 * (cap bytes at most, asserted).  Returns the first failing status (diag
 * then says why).  The model is freed before returning. */
ts_status run_op_ex(const opspec *op, const tspec *ins, size_t n_in,
		    const tspec *out, void *result, size_t cap, ts_diag *diag,
		    int invoke);

/* run_op_ex with invoke and no cap: result must hold the whole output. */
ts_status run_op(const opspec *op, const tspec *ins, size_t n_in,
		 const tspec *out, void *result, ts_diag *diag);

/* Creates, feeds and invokes; fails the test (printing the status and diag)
 * unless every step succeeds. */
void run_ok(const opspec *op, const tspec *ins, size_t n_in, const tspec *out,
	    void *result, size_t cap);

/* Expects ts_interpreter_create to fail with status and a diag holding
 * text.  Never invokes: a model that should have been rejected is not run. */
void expect_reject(const opspec *op, const tspec *ins, size_t n_in,
		   const tspec *out, ts_status status, const char *text);

/* ---- deterministic random numbers (xorshift64*) ---------------------------- */

/* Sets the state; each test seeds with its own fixed nonzero value. */
void rng_seed(uint64_t seed);
uint32_t rng_u32(void);
/* Uniform in [lo, hi]. */
int32_t rng_int(int32_t lo, int32_t hi);
/* 2^u with u uniform in [lo, hi], as a float. */
float rng_pow2(double lo, double hi);
/* n values uniform in [lo, hi]. */
void rng_fill_i8(int8_t *p, size_t n, int32_t lo, int32_t hi);

/* ---- independent TFLite integer reference -----------------------------------
 * Written from TFLite's definitions, not from lib/: QuantizeMultiplier with
 * libm frexp/round on double; SaturatingRoundingDoublingHighMul as
 * floor(a*b / 2^31 + 1/2) (what gemmlowp's nudge-and-truncate computes);
 * RoundingDivideByPOT as round-half-away-from-zero of x / 2^e; the fused
 * activation range from roundf(f / scale) in float (TfLiteRound). */

/* QuantizeMultiplier: real ~= m * 2^(shift - 31); 0 gives m = shift = 0. */
void ref_quantize_multiplier(double real, int32_t *m, int *shift);
/* SaturatingRoundingDoublingHighMul. */
int32_t ref_srdhm(int32_t a, int32_t b);
/* RoundingDivideByPOT, 0 <= e <= 31. */
int32_t ref_rdbpot(int32_t x, int e);
/* MultiplyByQuantizedMultiplier: x * 2^left (wrapping, as the reference's
 * int32 multiply does in practice), SRDHM, then the rounding right shift. */
int32_t ref_mbqm(int32_t x, int32_t m, int shift);
/* CalculateActivationRangeQuantized for int8 and a TB_ACT_* code. */
void ref_act_range(int act, float scale, int32_t zp, int32_t *lo, int32_t *hi);
/* ref_mbqm(acc) + out_zp clamped to [lo, hi]. */
int8_t ref_requant(int32_t acc, int32_t m, int shift, int32_t out_zp,
		   int32_t lo, int32_t hi);
/* TFLite ComputeOutSize / ComputePadding (padding.h); same: SAME padding. */
int32_t ref_out_size(int same, int32_t in, int32_t k, int32_t stride,
		     int32_t dil);
int32_t ref_pad(int32_t stride, int32_t dil, int32_t in, int32_t k,
		int32_t out);

/* ---- real-number helpers (no libm) --------------------------------------- */

/* Round half away from zero. */
long rnd(double x);
/* exp(): x = k ln2 + r with |r| <= ln2 / 2, a Taylor series for r, then k
 * doublings or halvings. */
double t_exp(double x);

#endif
