/* SPDX-License-Identifier: MIT */
/* MUL (int8): out = act_clamp(output_offset + MBQM((a + off1) * (b + off2))). */
#ifndef TS_KERNELS_MUL_H
#define TS_KERNELS_MUL_H

#include <stdint.h>

#include "kernels.h"

struct ts_mul_params {
	ts_bcast_shape shape;
	int32_t input1_offset;  /* -input1 zero point */
	int32_t input2_offset;  /* -input2 zero point */
	int32_t output_offset;  /* output zero point */
	int32_t output_mult;
	int32_t output_shift;   /* > 0: left shift */
	int32_t act_min, act_max;
};

#endif /* TS_KERNELS_MUL_H */
