/* SPDX-License-Identifier: MIT */
/*
 * The ARM kernels (lib/kernels/neon/), declared where ../arch.h says they
 * are built.  Each has the reference kernel's signature and results; a
 * kernel whose set has a prepare hook for it is given what the hook made
 * (a struct that begins with the generic params, kernels.h).
 */
#ifndef TS_KERNELS_NEON_KERNELS_H
#define TS_KERNELS_NEON_KERNELS_H

#include "../arch.h"
#include "../kernels.h"

#if TS_KERNELS_NEON
struct ts_arena;

/* Fully connected, both sets (fc_prepare.c; kernels in dot_kernels.h). */
struct ts_neon_fc {
	ts_fc_params p;
	/* Per output: bias + input_offset * sum(w) + depth * filter_offset *
	 * input_offset; NULL when the weights are not constant. */
	const int32_t *fixed;
};

void *ts_fc_prepare_neon(struct ts_arena *a, const ts_fc_params *p, const int8_t *filter,
			 const int32_t *bias);

/* "neon" (neon_dot.c): conv and one-channel depthwise on int16-packed
 * filters, fully connected. */
void *ts_conv_prepare_neon(struct ts_arena *a, const ts_conv_params *p,
			   const int8_t *filter, const int32_t *bias);
void *ts_dwconv_prepare_neon(struct ts_arena *a, const ts_conv_params *p,
			     const int8_t *filter, const int32_t *bias);
void ts_conv_s8_neon(const ts_conv_params *p, const int8_t *in,
		     const int8_t *filter, const int32_t *bias, int8_t *out);
void ts_dwconv_s8_neon(const ts_conv_params *p, const int8_t *in,
		       const int8_t *filter, const int32_t *bias, int8_t *out);
void ts_fc_s8_neon(const ts_fc_params *p, const int8_t *in,
		   const int8_t *filter, const int32_t *bias, int8_t *out);

/* Both sets: depthwise over output channels (dwconv_s8_neon.c), pooling
 * (pool_s8_neon.c), add and sub (add_s8_neon.c). */
void ts_dwconv_s8_channels(const ts_conv_params *p, const int8_t *in,
			   const int8_t *filter, const int32_t *bias, int8_t *out);
void ts_avgpool_s8_neon(const ts_pool_params *p, const int8_t *in, int8_t *out);
void ts_maxpool_s8_neon(const ts_pool_params *p, const int8_t *in, int8_t *out);
void ts_add_s8_neon(const ts_add_params *p, const int8_t *a, const int8_t *b,
		    int8_t *out);
#endif

#if TS_KERNELS_DOTPROD
/* "dotprod" (dotprod_dot.c): conv and one-channel depthwise on filters
 * packed for SDOT, fully connected. */
void *ts_conv_prepare_dotprod(struct ts_arena *a, const ts_conv_params *p,
			      const int8_t *filter, const int32_t *bias);
void *ts_dwconv_prepare_dotprod(struct ts_arena *a, const ts_conv_params *p,
				const int8_t *filter, const int32_t *bias);
void ts_conv_s8_dotprod(const ts_conv_params *p, const int8_t *in,
			const int8_t *filter, const int32_t *bias, int8_t *out);
void ts_dwconv_s8_dotprod(const ts_conv_params *p, const int8_t *in,
			  const int8_t *filter, const int32_t *bias, int8_t *out);
void ts_fc_s8_dotprod(const ts_fc_params *p, const int8_t *in,
		      const int8_t *filter, const int32_t *bias, int8_t *out);
#endif

#endif /* TS_KERNELS_NEON_KERNELS_H */
