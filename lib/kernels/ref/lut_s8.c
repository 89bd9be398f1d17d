/* SPDX-License-Identifier: MIT */
/* Table lookup for every int8 -> int8 element-wise op. */
#include "../kernels.h"

void ts_lut_s8_ref(const int8_t *lut, const int8_t *in, int8_t *out, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		out[i] = lut[(int32_t)in[i] + 128];
}
