/* SPDX-License-Identifier: MIT */
/* The ARM sets' FULLY_CONNECTED prepare hook: with constant weights, the
 * terms of each output that do not depend on the input are summed once. */
#include "../arch.h"

#if TS_KERNELS_NEON
#include "../../core/arena.h"
#include "neon_kernels.h"

/* Sum of w[0..n) in wrapping int32. */
static uint32_t sum_s8(const int8_t *w, int32_t n)
{
	uint32_t s = 0;

	for (int32_t i = 0; i < n; i++)
		s += (uint32_t)w[i];
	return s;
}

void *ts_fc_prepare_neon(struct ts_arena *a, const ts_fc_params *p, const int8_t *filter,
			 const int32_t *bias)
{
	struct ts_neon_fc *f = ts_arena_take(a, sizeof(*f), _Alignof(struct ts_neon_fc));
	int32_t *fixed;
	/* sum (w + fo)(x + io) = sum w x + io sum w + depth fo io + fo sum x */
	const uint32_t io = (uint32_t)p->input_offset;
	const uint32_t konst = (uint32_t)p->accum_depth * (uint32_t)p->filter_offset * io;

	if (!f)
		return NULL;
	f->p = *p;
	f->fixed = NULL;
	if (!filter)
		return f;
	fixed = ts_arena_take(a, (size_t)p->out_depth * sizeof(int32_t), _Alignof(int32_t));
	if (!fixed)
		return NULL;
	for (int32_t o = 0; o < p->out_depth; o++)
		fixed[o] = (int32_t)((bias ? (uint32_t)bias[o] : 0u) + konst +
				     io * sum_s8(filter + (size_t)o * p->accum_depth, p->accum_depth));
	f->fixed = fixed;
	return f;
}
#endif /* TS_KERNELS_NEON */
