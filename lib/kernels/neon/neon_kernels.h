/* SPDX-License-Identifier: MIT */
/* The ARM kernels (lib/kernels/neon/), declared where ../arch.h says they
 * are built.  Same signatures and results as the reference kernels. */
#ifndef TS_KERNELS_NEON_KERNELS_H
#define TS_KERNELS_NEON_KERNELS_H

#include "../arch.h"
#include "../kernels.h"

#if TS_KERNELS_NEON
struct ts_arena;

/* What the fully connected prepare hook makes; p first (kernels.h). */
struct ts_neon_fc {
	ts_fc_params p;
	/* Per output: bias + input_offset * sum(w) + depth * filter_offset *
	 * input_offset; NULL when the weights are not constant. */
	const int32_t *fixed;
};

void *ts_neon_fc_prepare(struct ts_arena *a, const ts_fc_params *p, const int8_t *filter,
			 const int32_t *bias);

/* Pack constant filters (neon_dot.c). */
void *ts_conv_prepare_neon(struct ts_arena *a, const ts_conv_params *p,
			   const int8_t *filter, const int32_t *bias);
void *ts_dwconv_prepare_neon(struct ts_arena *a, const ts_conv_params *p,
			     const int8_t *filter, const int32_t *bias);
void ts_conv_s8_neon(const ts_conv_params *p, const int8_t *in,
		     const int8_t *filter, const int32_t *bias, int8_t *out);
void ts_fc_s8_neon(const ts_fc_params *p, const int8_t *in,
		   const int8_t *filter, const int32_t *bias, int8_t *out);
void ts_dwconv_s8_neon(const ts_conv_params *p, const int8_t *in,
		       const int8_t *filter, const int32_t *bias, int8_t *out);
/* Depthwise vectorized over output channels (dwconv_s8_neon.c). */
void ts_dwconv_s8_channels(const ts_conv_params *p, const int8_t *in,
			   const int8_t *filter, const int32_t *bias, int8_t *out);
void ts_avgpool_s8_neon(const ts_pool_params *p, const int8_t *in, int8_t *out);
void ts_maxpool_s8_neon(const ts_pool_params *p, const int8_t *in, int8_t *out);
void ts_add_s8_neon(const ts_add_params *p, const int8_t *a, const int8_t *b,
		    int8_t *out);
#endif

#if TS_KERNELS_DOTPROD
void ts_conv_s8_dotprod(const ts_conv_params *p, const int8_t *in,
			const int8_t *filter, const int32_t *bias, int8_t *out);
void ts_fc_s8_dotprod(const ts_fc_params *p, const int8_t *in,
		      const int8_t *filter, const int32_t *bias, int8_t *out);
/* Packs constant filters (dotprod_dot.c). */
void *ts_conv_prepare_dotprod(struct ts_arena *a, const ts_conv_params *p,
			      const int8_t *filter, const int32_t *bias);
void *ts_dwconv_prepare_dotprod(struct ts_arena *a, const ts_conv_params *p,
				const int8_t *filter, const int32_t *bias);
void ts_dwconv_s8_dotprod(const ts_conv_params *p, const int8_t *in,
			  const int8_t *filter, const int32_t *bias, int8_t *out);
#endif

#endif /* TS_KERNELS_NEON_KERNELS_H */
