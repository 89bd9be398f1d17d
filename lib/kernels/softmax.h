/* SPDX-License-Identifier: MIT */
/* SOFTMAX (int8 in, int8 out with scale 1/256 and zero point -128). */
#ifndef TS_KERNELS_SOFTMAX_H
#define TS_KERNELS_SOFTMAX_H

#include <stdint.h>

/*
 * TFLite's SoftmaxParams for int8: each of `rows` rows of `depth` values is
 * normalised on its own.  input_multiplier / input_left_shift scale an input
 * difference (x - row max, in input LSBs) by beta * input_scale into Q5.26;
 * differences below diff_min contribute nothing and give -128.
 */
struct ts_softmax_params {
	int32_t rows;
	int32_t depth;
	int32_t input_multiplier;
	int32_t input_left_shift; /* 0..31 */
	int32_t diff_min;         /* <= 0 */
};

#endif /* TS_KERNELS_SOFTMAX_H */
