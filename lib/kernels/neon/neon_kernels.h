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

/* A dot-product flavour's conv and one-channel depthwise on packed filters
 * (packed_conv.h) and fully connected (dot_kernels.h): "neon" (neon_dot.c,
 * int16-packed filters) and "dotprod" (dotprod_dot.c, packed for SDOT). */
#define TS_NEON_DOT_KERNELS(set)                                                        \
	void *ts_conv_prepare_##set(struct ts_arena *a, const ts_conv_params *p,         \
				    const int8_t *filter, const int32_t *bias);          \
	void *ts_dwconv_prepare_##set(struct ts_arena *a, const ts_conv_params *p,       \
				      const int8_t *filter, const int32_t *bias);        \
	void ts_conv_s8_##set(const ts_conv_params *p, const int8_t *in,                 \
			      const int8_t *filter, const int32_t *bias, int8_t *out);   \
	void ts_dwconv_s8_##set(const ts_conv_params *p, const int8_t *in,               \
				const int8_t *filter, const int32_t *bias, int8_t *out); \
	void ts_fc_s8_##set(const ts_fc_params *p, const int8_t *in,                     \
			    const int8_t *filter, const int32_t *bias, int8_t *out)

TS_NEON_DOT_KERNELS(neon);

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
TS_NEON_DOT_KERNELS(dotprod);
#endif

#endif /* TS_KERNELS_NEON_KERNELS_H */
