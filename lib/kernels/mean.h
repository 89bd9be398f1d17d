/* SPDX-License-Identifier: MIT */
/*
 * MEAN (int8), TFLite reference_ops::QuantizedMeanOrSum as TFLite Micro
 * runs it: a wrapping int32 sum over the reduced elements, minus
 * input_zp * count, times a multiplier that already holds 1 / count.
 *
 * Prepare reduces the input to two loop nests over the input: the kept
 * dims (in output order) and the reduced dims, each with its input stride
 * in elements; size-1 dims are dropped and neighbours of one kind merged.
 * Unused leading entries have dim 1.
 */
#ifndef TS_KERNELS_MEAN_H
#define TS_KERNELS_MEAN_H

#include <stdbool.h>
#include <stdint.h>

#define TS_MEAN_DIMS 6

struct ts_mean_params {
	int32_t out_dims[TS_MEAN_DIMS];
	int32_t out_stride[TS_MEAN_DIMS];
	int32_t red_dims[TS_MEAN_DIMS];
	int32_t red_stride[TS_MEAN_DIMS];
	uint32_t out_count;      /* output elements */
	int32_t count;           /* input elements per output */
	int32_t input_zp;
	int32_t output_zp;
	int32_t mult;            /* includes the 1 / count factor */
	int32_t shift;           /* > 0: left shift */
	bool zero_fill;          /* an input dim is 0: TFLM writes zeros */
};

#endif /* TS_KERNELS_MEAN_H */
