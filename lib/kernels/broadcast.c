/* SPDX-License-Identifier: MIT */
/* Numpy-style broadcasting of two tensors to an output shape. */
#include "kernels.h"

/* Right-aligns dims into TS_BCAST_DIMS slots, padding with 1. */
static bool expand(const int32_t *dims, unsigned rank, int32_t *out)
{
	if (rank > TS_BCAST_DIMS)
		return false;
	for (unsigned i = 0; i < TS_BCAST_DIMS; i++)
		out[i] = 1;
	for (unsigned i = 0; i < rank; i++)
		out[TS_BCAST_DIMS - rank + i] = dims[i];
	return true;
}

static void strides_for(const int32_t *dims, const int32_t *out_dims,
			int32_t *stride)
{
	int32_t s = 1;

	for (int i = TS_BCAST_DIMS - 1; i >= 0; i--) {
		stride[i] = dims[i] == 1 && out_dims[i] != 1 ? 0 : s;
		s *= dims[i];
	}
}

bool ts_bcast_shape_init(ts_bcast_shape *s, const int32_t *a_dims,
			 unsigned a_rank, const int32_t *b_dims,
			 unsigned b_rank, const int32_t *out_dims,
			 unsigned out_rank)
{
	int32_t a[TS_BCAST_DIMS], b[TS_BCAST_DIMS];
	uint64_t count = 1;

	if (!expand(a_dims, a_rank, a) || !expand(b_dims, b_rank, b) ||
	    !expand(out_dims, out_rank, s->dims))
		return false;
	s->flat = true;
	for (unsigned i = 0; i < TS_BCAST_DIMS; i++) {
		const int32_t o = s->dims[i];

		/* The output is exactly the broadcast shape of the inputs. */
		if ((a[i] != o && a[i] != 1) || (b[i] != o && b[i] != 1) ||
		    o != (a[i] > b[i] ? a[i] : b[i]))
			return false;
		/* Flat only when neither input is broadcast at all. */
		if (a[i] != o || b[i] != o)
			s->flat = false;
		count *= (uint64_t)o;
	}
	if (count > 0x7fffffffu)
		return false;
	s->count = (uint32_t)count;
	strides_for(a, s->dims, s->a_stride);
	strides_for(b, s->dims, s->b_stride);
	return true;
}
