/* SPDX-License-Identifier: MIT */
/*
 * Prepare-time quantization arithmetic: turning the model's float scales into
 * integer multipliers and shifts exactly as TFLite does.  Only basic IEEE
 * double operations are used (no libm, no fused multiply-add), so the
 * results are the same on every target; nothing here runs per inference.
 */
#ifndef TS_CORE_QUANT_H
#define TS_CORE_QUANT_H

#include <stdbool.h>
#include <stdint.h>

/* frexp(): x = q * 2^*exp with 0.5 <= |q| < 1 (q = x for 0, inf, NaN). */
double ts_frexp(double x, int *exp);
/* round(): nearest integer, ties away from zero. */
double ts_round(double x);
/* floor(). */
double ts_floor(double x);

/* TFLite QuantizeMultiplier: m * 2^shift ~= real, m in [2^30, 2^31). */
void ts_quantize_multiplier(double real, int32_t *multiplier, int *shift);

/* TFLite QuantizeMultiplierGreaterThanOne / SmallerThanOneExp; false when
 * real is outside the range the function accepts. */
bool ts_quantize_multiplier_gt_one(double real, int32_t *multiplier, int *shift);
bool ts_quantize_multiplier_lt_one(double real, int32_t *multiplier, int *shift);

/*
 * Output range of a fused activation (TFLite ActivationFunctionType) for an
 * output of the given quantization and integer range.  False when the
 * activation is not one that can be fused into an integer kernel.
 */
bool ts_activation_range(int32_t activation, float scale, int32_t zero_point,
			 int32_t qmin, int32_t qmax, int32_t *lo, int32_t *hi);

/* TFLite CalculateInputRadius. */
int32_t ts_input_radius(int input_integer_bits, int input_left_shift,
			int total_signed_bits);

/* A scale usable for requantization: finite and > 0. */
bool ts_scale_ok(float scale);

#endif /* TS_CORE_QUANT_H */
