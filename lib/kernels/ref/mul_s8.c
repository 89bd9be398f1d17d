/* SPDX-License-Identifier: MIT */
/* Reference int8 MUL: TFLite reference_integer_ops::Mul / BroadcastMul6DSlow. */
#include "../kernels.h"
#include "../mul.h"
#include "../../core/fixedpoint.h"

static inline int8_t mul_one(const struct ts_mul_params *p, int8_t a, int8_t b)
{
	/* |(a + off1) * (b + off2)| <= 255 * 255: no overflow. */
	const int32_t prod = (p->input1_offset + a) * (p->input2_offset + b);
	const int32_t scaled = ts_mul_by_quantized_multiplier(prod, p->output_mult,
							      p->output_shift);
	/* Wrapping add: TFLite's plain int add, without the UB. */
	const int32_t r = (int32_t)((uint32_t)scaled + (uint32_t)p->output_offset);

	return (int8_t)ts_clamp_i32(r, p->act_min, p->act_max);
}

/* The innermost dimension of a broadcast: a and b step by their strides. */
static void mul_row(const struct ts_mul_params *p, const int8_t *a,
		    int32_t as, const int8_t *b, int32_t bs, int8_t *out,
		    int32_t n)
{
	for (int32_t i = 0; i < n; i++)
		out[i] = mul_one(p, a[i * as], b[i * bs]);
}

void ts_mul_s8_ref(const struct ts_mul_params *p, const int8_t *a,
		   const int8_t *b, int8_t *out)
{
	const ts_bcast_shape *s = &p->shape;
	const int32_t *d = s->dims;
	const int32_t *sa = s->a_stride, *sb = s->b_stride;

	if (s->flat) {
		for (uint32_t i = 0; i < s->count; i++)
			out[i] = mul_one(p, a[i], b[i]);
		return;
	}
	for (int32_t i0 = 0; i0 < d[0]; i0++)
	for (int32_t i1 = 0; i1 < d[1]; i1++)
	for (int32_t i2 = 0; i2 < d[2]; i2++)
	for (int32_t i3 = 0; i3 < d[3]; i3++)
	for (int32_t i4 = 0; i4 < d[4]; i4++) {
		const int32_t oa = i0 * sa[0] + i1 * sa[1] + i2 * sa[2] +
				   i3 * sa[3] + i4 * sa[4];
		const int32_t ob = i0 * sb[0] + i1 * sb[1] + i2 * sb[2] +
				   i3 * sb[3] + i4 * sb[4];

		mul_row(p, a + oa, sa[5], b + ob, sb[5], out, d[5]);
		out += d[5];
	}
}
