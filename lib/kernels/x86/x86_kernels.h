/* SPDX-License-Identifier: MIT */
/*
 * The x86-64 kernel sets (sse41, avx2, avxvnni, avx512vnni): what their
 * prepare hooks build and their kernels read.  One source, kernels_body.h,
 * compiled once per instruction set over its vec_<isa>.h primitives.
 *
 * Convolutions and fully connected layers run as one matrix product per
 * output pixel: the pixel's receptive field (its im2col row, padded taps
 * filled with the input zero point, widened to int16) times the filter,
 * packed at prepare (widened to int16) so that one PMADDWD multiplies a
 * broadcast pair of row values by the pair's weights of `lanes` output
 * channels at once.  The
 * identity
 *
 *     sum_k w[k] * (x[k] + in_off) = sum_k w[k] * x[k] + in_off * sum_k w[k]
 *
 * holds in wrapping int32 arithmetic, and a padded tap holding the zero
 * point (-in_off) adds w * (-in_off) + in_off * w = 0 in total, as the
 * reference's skipped tap does; so the filter sums fold into the bias at
 * prepare and the products stay exact (|w * x| <= 2^14, a pair's sum fits
 * int16 * int16 -> int32 without PMADDWD's one saturating case).  The
 * requantization is TFLite's double rounding, lane by lane, exactly.
 *
 * With VNNI (AVX-VNNI, or AVX-512 VNNI on 256-bit vectors) the row holds
 * x + 128 as uint8 and one VPDPBUSD multiplies a broadcast quad of it by
 * the quad's weights of `lanes` channels, adding the four exact products
 * (|.| <= 255 * 128) to the int32 accumulator without saturation; the
 * 128 * sum_k w it adds is taken back in the bias at prepare.
 *
 * Depthwise convolutions with one output channel per input channel run
 * channel-parallel, (x + in_off) exact in int16 (|.| <= 255): two taps'
 * inputs interleaved meet their pre-interleaved weights in one PMADDWD, a
 * tap outside the image reads a row of zero points (x + in_off = 0, as the
 * reference's skipped tap); the channels left over after the full groups
 * multiply in int32 lanes over the valid taps.
 *
 * ADD / SUB rescale lane by lane with the same requantization; average
 * pooling sums in int32 lanes and divides as ref, lane by lane; max pooling
 * is PMAXSB.
 *
 * Anything else (grouped convolutions, non-constant filters, depthwise
 * multipliers > 1 with several input channels, parameters outside what the
 * proofs above cover) runs the reference kernel with the same params.
 */
#ifndef TS_KERNELS_X86_KERNELS_H
#define TS_KERNELS_X86_KERNELS_H

#include <stdint.h>

#include "../kernels.h"

/* The largest im2col row (int16 values) a kernel keeps on its stack. */
#define TS_X86_MAX_ROW 4096
/* The most depthwise taps the paired kernel takes (its tap list is on the
 * stack). */
#define TS_X86_MAX_TAPS 64

/* Per-lane requantization data of one block of `lanes` output channels,
 * laid out as TS_X86_Q_FIELDS arrays of `lanes` int32 in this order. */
enum {
	TS_X86_Q_BIAS,   /* bias + in_off * sum(w) (+ K * f_off * in_off for FC) */
	TS_X86_Q_MULT,   /* multiplier, >= 0 */
	TS_X86_Q_LMUL,   /* 2^left_shift (wrapping), the left shift as a multiply */
	TS_X86_Q_RSH,    /* right shift, 0..31 */
	TS_X86_Q_RPOW,   /* 2^(31 - right shift), for shifts by multiplication */
	TS_X86_Q_RMASK,  /* 2^right shift - 1 */
	TS_X86_Q_FIELDS
};

/* How a set packs filters: int32 lanes per vector, and weights per lane
 * per multiply instruction (2: PMADDWD on int16 pairs; 4: VPDPBUSD on
 * uint8 x int8 quads). */
struct ts_x86_shape {
	int32_t lanes;
	int32_t group;
};

/* A filter packed for the row-times-filter product.  Packed data is taken
 * 16-byte aligned and every vector of it starts at a multiple of 16 bytes
 * (the SSE kernels load it aligned). */
struct ts_x86_gemm {
	const void *w;         /* [blocks][k2 / group][lanes][group], int16 for pairs,
				* int8 for quads */
	const int32_t *q;      /* [blocks][TS_X86_Q_FIELDS][lanes] */
	int32_t k;             /* row length */
	int32_t k2;            /* k rounded up to the group (zero weights pad it) */
	int32_t blocks;        /* ceil(output channels / lanes) */
};

enum ts_x86_conv_kind {
	TS_X86_REF,            /* the reference kernel */
	TS_X86_GEMM,           /* im2col row x packed filter */
	TS_X86_DEPTHWISE,      /* channel-parallel, depth multiplier 1 */
};

/* What a conv / depthwise prepare hook returns; p first (kernels.h). */
struct ts_x86_conv {
	ts_conv_params p;
	enum ts_x86_conv_kind kind;
	struct ts_x86_gemm g;     /* TS_X86_GEMM */
	const int16_t *dw_w;      /* TS_X86_DEPTHWISE: [k_h * k_w][channels rounded up
				   * to 2 * lanes] */
	const int32_t *dw_q;      /* its requantization blocks, as gemm's q */
	int32_t dw_cpad;
	/* Tap pairs (t, t + 1) of the full groups of 2 * lanes channels, for
	 * PMADDWD on the two taps' inputs interleaved as PUNPCKL/HWD does:
	 * [group][pair][unpack lo, hi][2 * lanes] int16 (an odd last tap is
	 * paired with a zero weight).  NULL: more than TS_X86_MAX_TAPS taps. */
	const int16_t *dw_pairs;
	const int8_t *dw_zero_row; /* dw_cpad copies of the input zero point: the
				    * input of a tap outside the image */
	int32_t dw_taps;          /* k_h * k_w rounded up to even */
};

struct ts_x86_fc {
	ts_fc_params p;
	bool packed;              /* false: the reference kernel */
	struct ts_x86_gemm g;
};

/* Prepare hooks (pack.c) for a set packing as shape says. */
void *ts_x86_conv_prepare(struct ts_arena *a, const ts_conv_params *p, const int8_t *filter,
			  const int32_t *bias, const struct ts_x86_shape *shape);
void *ts_x86_dwconv_prepare(struct ts_arena *a, const ts_conv_params *p,
			    const int8_t *filter, const int32_t *bias,
			    const struct ts_x86_shape *shape);
void *ts_x86_fc_prepare(struct ts_arena *a, const ts_fc_params *p, const int8_t *filter,
			const int32_t *bias, const struct ts_x86_shape *shape);

/* The kernels of one set (kernels_<isa>.c, from kernels_body.h). */
#define TS_X86_KERNELS(isa)                                                             \
	void ts_conv_s8_##isa(const ts_conv_params *p, const int8_t *in,                 \
			      const int8_t *filter, const int32_t *bias, int8_t *out);   \
	void ts_dwconv_s8_##isa(const ts_conv_params *p, const int8_t *in,               \
				const int8_t *filter, const int32_t *bias, int8_t *out); \
	void ts_fc_s8_##isa(const ts_fc_params *p, const int8_t *in,                     \
			    const int8_t *filter, const int32_t *bias, int8_t *out);     \
	void ts_add_s8_##isa(const ts_add_params *p, const int8_t *a, const int8_t *b,   \
			     int8_t *out);                                               \
	void ts_avgpool_s8_##isa(const ts_pool_params *p, const int8_t *in, int8_t *out); \
	void ts_maxpool_s8_##isa(const ts_pool_params *p, const int8_t *in, int8_t *out)

TS_X86_KERNELS(sse41);
TS_X86_KERNELS(avx2);
TS_X86_KERNELS(avxvnni);
TS_X86_KERNELS(avx512vnni);

#endif /* TS_KERNELS_X86_KERNELS_H */
