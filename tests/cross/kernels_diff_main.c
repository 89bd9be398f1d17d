/* SPDX-License-Identifier: MIT */
/*
 * Randomized differential test of the kernel sets, dependency-free (no
 * CMocka) so that it is cross-built and run under qemu-user like the
 * conformance runner:
 *
 *   kernels_diff_main [CASES [SEED]]
 *
 * Every optimized kernel set this build has and this CPU runs (the host's
 * probe, daemon/common/cpu_features.c) is compared byte for byte with the
 * reference kernels on CASES random cases per kernel (default 300): conv
 * (shapes, strides, paddings, dilations, filter groups, 1x1 and large
 * filters), depthwise (depth multipliers), fully connected (filter offsets,
 * per-channel), average and max pooling, add and sub (flat and broadcast),
 * with random zero points, per-channel multipliers and shifts, activation
 * ranges, with and without bias.  A set's prepare hook, if it has one, makes
 * the params from a fresh arena, given the filter as a constant or not.
 * Before that, a deliberately wrong kernel must be caught, and on a CPU
 * with NEON the NEON requantization primitives must equal the scalar ones
 * on edge values for every shift.
 *
 * Prints one line per set and kernel, and for a failing kernel its first
 * mismatching case with the parameters and the seed that reproduce it;
 * exits 1 when any kernel failed.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tinysense/kernels.h"
#include "core/arena.h"
#include "core/fixedpoint.h"
#include "kernels/arch.h"
#include "kernels/kernels.h"
#include "cpu_features.h"

/* The NEON requantization primitives themselves (lib/kernels/neon/), in a
 * region compiled for NEON: only called when the CPU has it. */
#if TS_KERNELS_NEON
#pragma GCC push_options
#include "kernels/neon/neon_common.h"
#endif

#define MAX_ELEMS (48 * 1024)
#define MAX_CHANNELS 1024
#define ARENA_BYTES ((size_t)1 << 20)

static uint64_t rng_state;

static uint32_t rnd(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545F4914F6CDD1DULL) >> 32);
}

/* Uniform in [lo, hi]. */
static int32_t between(int32_t lo, int32_t hi)
{
	return lo + (int32_t)(rnd() % (uint32_t)(hi - lo + 1));
}

static bool one_in(uint32_t n)
{
	return rnd() % n == 0;
}

static void fill_s8(int8_t *p, size_t n)
{
	/* Sometimes only extremes, where int16 sums of products overflow. */
	const bool extremes = one_in(10);

	for (size_t i = 0; i < n; i++)
		p[i] = extremes ? (one_in(2) ? -128 : 127) : (int8_t)rnd();
}

/* Shared by the cases (too large for the stack). */
static int8_t in_a[MAX_ELEMS], in_b[MAX_ELEMS], filter_buf[MAX_ELEMS];
static int8_t out_ref[MAX_ELEMS + 64], out_opt[MAX_ELEMS + 64];
static int32_t bias_buf[MAX_CHANNELS], mult_buf[MAX_CHANNELS], shift_buf[MAX_CHANNELS];
static _Alignas(16) uint8_t arena_mem[ARENA_BYTES];

/* What a failing case prints, and whether to print it. */
static char what[512];
static bool quiet;

/* Multipliers as TFLite's QuantizeMultiplier makes them (in [2^30, 2^31));
 * shifts mostly realistic, sometimes extreme. */
static void random_requant(int32_t n, bool per_channel)
{
	const int32_t common = between(-14, 1);

	for (int32_t i = 0; i < n; i++) {
		mult_buf[i] = (int32_t)(0x40000000u + (rnd() & 0x3fffffffu));
		shift_buf[i] = per_channel ? common + between(-2, 2) : common;
		if (one_in(40))
			shift_buf[i] = between(-31, 8);
		if (!per_channel && i > 0) {
			mult_buf[i] = mult_buf[0];
			shift_buf[i] = shift_buf[0];
		}
	}
}

static void random_bias(int32_t n)
{
	const bool full_range = one_in(8);

	for (int32_t i = 0; i < n; i++)
		bias_buf[i] = full_range ? (int32_t)rnd() : between(-20000, 20000);
}

static void random_activation(int32_t *lo, int32_t *hi)
{
	*lo = -128;
	*hi = 127;
	if (one_in(3))
		*lo = between(-128, 0);
	if (one_in(3))
		*hi = between(*lo, 127);
}

/* 0 when the outputs agree, else -1 and the first differing byte printed. */
static int compare(const char *set, const char *kernel, int n, size_t out_elems)
{
	size_t i = 0;

	if (memcmp(out_ref, out_opt, out_elems + 64) == 0)
		return 0;
	while (out_ref[i] == out_opt[i])
		i++;
	if (quiet)
		return -1;
	printf("%s %s: MISMATCH in case %d, byte %zu of %zu: %d, reference %d\n  %s\n", set,
	       kernel, n, i, out_elems, out_opt[i], out_ref[i], what);
	return -1;
}

static void clear_outputs(void)
{
	memset(out_ref, 0x5a, sizeof(out_ref));
	memset(out_opt, 0x5a, sizeof(out_opt));
}

/* ---- conv and depthwise ------------------------------------------------ */

/* Output size for padding pad on both sides; 0 when nothing fits. */
static int32_t out_size(int32_t in, int32_t k, int32_t stride, int32_t dil, int32_t pad)
{
	const int32_t span = in + 2 * pad - ((k - 1) * dil + 1);

	return span < 0 ? 0 : span / stride + 1;
}

static bool random_geometry(ts_conv_params *p)
{
	memset(p, 0, sizeof(*p));
	p->batches = one_in(5) ? 2 : 1;
	p->in_h = between(1, 12);
	p->in_w = between(1, 12);
	p->k_h = one_in(3) ? 1 : between(1, 5);
	p->k_w = one_in(3) ? p->k_h : between(1, 5);
	if (one_in(8)) { /* a tall audio filter (10x4, 10x8) */
		p->k_h = between(8, 10);
		p->in_h = between(p->k_h, 20);
	}
	p->stride_h = between(1, 3);
	p->stride_w = one_in(2) ? p->stride_h : between(1, 3);
	p->dil_h = one_in(4) ? between(1, 3) : 1;
	p->dil_w = one_in(4) ? between(1, 3) : 1;
	p->pad_h = between(0, (p->k_h - 1) * p->dil_h);
	p->pad_w = between(0, (p->k_w - 1) * p->dil_w);
	p->out_h = out_size(p->in_h, p->k_h, p->stride_h, p->dil_h, p->pad_h);
	p->out_w = out_size(p->in_w, p->k_w, p->stride_w, p->dil_w, p->pad_w);
	p->input_offset = -between(-128, 127);
	p->output_offset = between(-128, 127);
	random_activation(&p->act_min, &p->act_max);
	return p->out_h > 0 && p->out_w > 0;
}

static bool conv_fits(const ts_conv_params *p, size_t filter_elems)
{
	return (size_t)p->batches * p->in_h * p->in_w * p->in_c <= MAX_ELEMS &&
	       (size_t)p->batches * p->out_h * p->out_w * p->out_c <= MAX_ELEMS &&
	       filter_elems <= MAX_ELEMS && p->out_c <= MAX_CHANNELS;
}

static void describe_conv(const ts_conv_params *p, bool bias, bool const_filter)
{
	snprintf(what, sizeof(what),
		 "batches %d in %dx%dx%d out %dx%dx%d k %dx%d stride %d,%d dil %d,%d pad %d,%d "
		 "dm/group_c %d in_off %d out_off %d act [%d,%d] bias %d const %d",
		 p->batches, p->in_h, p->in_w, p->in_c, p->out_h, p->out_w, p->out_c, p->k_h,
		 p->k_w, p->stride_h, p->stride_w, p->dil_h, p->dil_w, p->pad_h, p->pad_w,
		 p->depth_multiplier, p->input_offset, p->output_offset, p->act_min, p->act_max,
		 bias, const_filter);
}

/* The params the set's hook makes from a fresh arena, or p itself. */
static const void *conv_params_for(ts_conv_prepare_fn hook, const ts_conv_params *p,
				   const int32_t *bias, bool const_filter)
{
	ts_arena a;

	if (!hook)
		return p;
	ts_arena_init(&a, arena_mem, sizeof(arena_mem));
	return hook(&a, p, const_filter ? filter_buf : NULL, const_filter ? bias : NULL);
}

static int conv_case(const ts_kernel_table *set, bool depthwise, int n)
{
	ts_conv_params p;
	size_t filter_elems;
	const bool with_bias = !one_in(6), const_filter = !one_in(8);
	const int32_t *bias = with_bias ? bias_buf : NULL;
	const void *params;

	do {
		while (!random_geometry(&p))
			;
		if (depthwise) {
			switch (rnd() % 40 == 0 ? 5 + rnd() % 2 : rnd() % 5) {
			case 5: /* more channels than a kernel's per-call blocks */
				p.in_c = between(257, 300);
				p.depth_multiplier = 1;
				break;
			case 6: /* one input channel, a filter larger than a kernel's copy */
				p.in_c = 1;
				p.depth_multiplier = 8 * between(40, 64);
				p.k_h = p.k_w = 3;
				p.in_h = p.in_w = between(3, 4);
				p.stride_h = p.stride_w = p.dil_h = p.dil_w = 1;
				p.pad_h = p.pad_w = between(0, 1);
				p.out_h = out_size(p.in_h, 3, 1, 1, p.pad_h);
				p.out_w = out_size(p.in_w, 3, 1, 1, p.pad_w);
				break;
			case 0: /* one input channel, several outputs (micro_speech) */
				p.in_c = 1;
				p.depth_multiplier = one_in(2) ? 8 * between(1, 3) : between(1, 24);
				break;
			case 1:
				p.in_c = between(2, 12);
				p.depth_multiplier = one_in(2) ? 8 : between(2, 4);
				break;
			default:
				p.in_c = one_in(3) ? between(1, 20) : between(1, 130);
				p.depth_multiplier = 1;
			}
			p.out_c = p.in_c * p.depth_multiplier;
			filter_elems = (size_t)p.k_h * p.k_w * p.out_c;
		} else {
			int32_t groups;

			p.in_c = one_in(4) ? between(1, 3) : between(1, 72);
			if (one_in(25)) { /* more taps than an optimized kernel's scratch */
				p.in_c = between(300, 600);
				p.in_h = p.in_w = p.k_h = p.k_w = 3;
				p.stride_h = p.stride_w = p.dil_h = p.dil_w = 1;
				p.pad_h = p.pad_w = 1;
				p.out_h = p.out_w = 3;
			}
			groups = one_in(6) && p.in_c % 2 == 0 ? 2 : 1;
			p.depth_multiplier = p.in_c / groups; /* channels per group */
			p.out_c = groups * between(1, one_in(3) ? 70 : 20);
			filter_elems = (size_t)p.out_c * p.k_h * p.k_w * p.depth_multiplier;
		}
	} while (!conv_fits(&p, filter_elems));
	fill_s8(in_a, (size_t)p.batches * p.in_h * p.in_w * p.in_c);
	fill_s8(filter_buf, filter_elems);
	random_bias(p.out_c);
	random_requant(p.out_c, !one_in(4));
	p.out_mult = mult_buf;
	p.out_shift = shift_buf;
	describe_conv(&p, with_bias, const_filter);
	clear_outputs();
	params = conv_params_for(depthwise ? set->dwconv_s8_prepare : set->conv_s8_prepare, &p,
				 bias, const_filter);
	if (!params) {
		printf("%s: prepare hook failed in %s\n", set->name, what);
		return -1;
	}
	if (depthwise) {
		ts_dwconv_s8_ref(&p, in_a, filter_buf, bias, out_ref);
		set->dwconv_s8(params, in_a, filter_buf, bias, out_opt);
	} else {
		ts_conv_s8_ref(&p, in_a, filter_buf, bias, out_ref);
		set->conv_s8(params, in_a, filter_buf, bias, out_opt);
	}
	return compare(set->name, depthwise ? "dwconv" : "conv", n,
		       (size_t)p.batches * p.out_h * p.out_w * p.out_c);
}

static int conv_s8_case(const ts_kernel_table *set, int n)
{
	return conv_case(set, false, n);
}

static int dwconv_s8_case(const ts_kernel_table *set, int n)
{
	return conv_case(set, true, n);
}

/* ---- fully connected --------------------------------------------------- */

static int fc_s8_case(const ts_kernel_table *set, int n)
{
	ts_fc_params p = { 0 };
	const bool with_bias = !one_in(6), const_filter = !one_in(8);
	const int32_t *bias = with_bias ? bias_buf : NULL;
	const void *params = &p;

	p.batches = one_in(4) ? between(2, 4) : 1;
	p.accum_depth = one_in(3) ? between(1, 40) : between(1, 700);
	p.out_depth = between(1, 70);
	p.input_offset = -between(-128, 127);
	p.filter_offset = one_in(4) ? -between(-128, 127) : 0;
	p.output_offset = between(-128, 127);
	p.per_channel = p.filter_offset == 0 && one_in(2);
	random_activation(&p.act_min, &p.act_max);
	fill_s8(in_a, (size_t)p.batches * p.accum_depth);
	fill_s8(filter_buf, (size_t)p.out_depth * p.accum_depth);
	random_bias(p.out_depth);
	random_requant(p.out_depth, p.per_channel);
	p.out_mult = mult_buf;
	p.out_shift = shift_buf;
	snprintf(what, sizeof(what),
		 "batches %d depth %d out %d in_off %d filter_off %d out_off %d per_channel %d "
		 "act [%d,%d] bias %d const %d", p.batches, p.accum_depth, p.out_depth,
		 p.input_offset, p.filter_offset, p.output_offset, p.per_channel, p.act_min,
		 p.act_max, with_bias, const_filter);
	clear_outputs();
	if (set->fc_s8_prepare) {
		ts_arena a;

		ts_arena_init(&a, arena_mem, sizeof(arena_mem));
		params = set->fc_s8_prepare(&a, &p, const_filter ? filter_buf : NULL,
					    const_filter ? bias : NULL);
		if (!params) {
			printf("%s: prepare hook failed in %s\n", set->name, what);
			return -1;
		}
	}
	ts_fc_s8_ref(&p, in_a, filter_buf, bias, out_ref);
	set->fc_s8(params, in_a, filter_buf, bias, out_opt);
	return compare(set->name, "fc", n, (size_t)p.batches * p.out_depth);
}

/* ---- pooling ----------------------------------------------------------- */

static void random_pool(ts_pool_params *p)
{
	do {
		memset(p, 0, sizeof(*p));
		p->batches = one_in(5) ? 2 : 1;
		p->in_h = between(1, 14);
		p->in_w = between(1, 14);
		p->depth = one_in(3) ? between(1, 20) : between(1, 80);
		p->filter_h = between(1, p->in_h);
		p->filter_w = between(1, p->in_w);
		if (one_in(10)) { /* a window larger than 256 cells */
			p->in_h = p->filter_h = between(17, 20);
			p->in_w = p->filter_w = between(16, 20);
			p->depth = between(1, 40);
		}
		p->stride_h = between(1, 3);
		p->stride_w = between(1, 3);
		p->pad_h = between(0, p->filter_h - 1);
		p->pad_w = between(0, p->filter_w - 1);
		p->out_h = out_size(p->in_h, p->filter_h, p->stride_h, 1, p->pad_h);
		p->out_w = out_size(p->in_w, p->filter_w, p->stride_w, 1, p->pad_w);
		random_activation(&p->act_min, &p->act_max);
	} while ((size_t)p->batches * p->in_h * p->in_w * p->depth > MAX_ELEMS ||
		 p->out_h <= 0 || p->out_w <= 0 ||
		 (size_t)p->batches * p->out_h * p->out_w * p->depth > MAX_ELEMS);
	snprintf(what, sizeof(what),
		 "batches %d in %dx%dx%d out %dx%d filter %dx%d stride %d,%d pad %d,%d act [%d,%d]",
		 p->batches, p->in_h, p->in_w, p->depth, p->out_h, p->out_w, p->filter_h,
		 p->filter_w, p->stride_h, p->stride_w, p->pad_h, p->pad_w, p->act_min, p->act_max);
	fill_s8(in_a, (size_t)p->batches * p->in_h * p->in_w * p->depth);
	clear_outputs();
}

static int avgpool_s8_case(const ts_kernel_table *set, int n)
{
	ts_pool_params p;

	random_pool(&p);
	ts_avgpool_s8_ref(&p, in_a, out_ref);
	set->avgpool_s8(&p, in_a, out_opt);
	return compare(set->name, "avgpool", n, (size_t)p.batches * p.out_h * p.out_w * p.depth);
}

static int maxpool_s8_case(const ts_kernel_table *set, int n)
{
	ts_pool_params p;

	random_pool(&p);
	ts_maxpool_s8_ref(&p, in_a, out_ref);
	set->maxpool_s8(&p, in_a, out_opt);
	return compare(set->name, "maxpool", n, (size_t)p.batches * p.out_h * p.out_w * p.depth);
}

/* ---- add and sub ------------------------------------------------------- */

static int add_s8_case(const ts_kernel_table *set, int n)
{
	ts_add_params p;
	int32_t a_dims[4], b_dims[4], out_dims[4];
	const unsigned rank = (unsigned)between(1, 4);
	size_t a_elems = 1, b_elems = 1;

	memset(&p, 0, sizeof(p));
	do {
		a_elems = b_elems = 1;
		for (unsigned i = 0; i < rank; i++) {
			out_dims[i] = a_dims[i] = b_dims[i] = between(1, rank == 1 ? 3000 : 24);
			/* a broadcast dimension in a quarter of the cases */
			if (one_in(8))
				a_dims[i] = 1;
			else if (one_in(8))
				b_dims[i] = 1;
			a_elems *= (size_t)a_dims[i];
			b_elems *= (size_t)b_dims[i];
		}
	} while (a_elems > MAX_ELEMS || b_elems > MAX_ELEMS ||
		 !ts_bcast_shape_init(&p.shape, a_dims, rank, b_dims, rank, out_dims, rank) ||
		 p.shape.count > MAX_ELEMS);
	p.input1_offset = -between(-128, 127);
	p.input2_offset = -between(-128, 127);
	p.output_offset = between(-128, 127);
	p.left_shift = one_in(10) ? between(0, 22) : 20;
	p.input1_mult = (int32_t)(0x40000000u + (rnd() & 0x3fffffffu));
	p.input2_mult = (int32_t)(0x40000000u + (rnd() & 0x3fffffffu));
	p.output_mult = (int32_t)(0x40000000u + (rnd() & 0x3fffffffu));
	p.input1_shift = one_in(10) ? between(-31, 0) : between(-4, 0);
	p.input2_shift = one_in(10) ? between(-31, 0) : between(-4, 0);
	p.output_shift = one_in(10) ? between(-31, 0) : between(-22, -14);
	p.subtract = one_in(3);
	random_activation(&p.act_min, &p.act_max);
	fill_s8(in_a, a_elems);
	fill_s8(in_b, b_elems);
	snprintf(what, sizeof(what),
		 "rank %u count %u flat %d offsets %d,%d,%d left %d mults %d,%d,%d shifts %d,%d,%d "
		 "subtract %d act [%d,%d]", rank, p.shape.count, p.shape.flat, p.input1_offset,
		 p.input2_offset, p.output_offset, p.left_shift, p.input1_mult, p.input2_mult,
		 p.output_mult, p.input1_shift, p.input2_shift, p.output_shift, p.subtract,
		 p.act_min, p.act_max);
	clear_outputs();
	ts_add_s8_ref(&p, in_a, in_b, out_ref);
	set->add_s8(&p, in_a, in_b, out_opt);
	return compare(set->name, "add", n, p.shape.count);
}

/* ---- requantization primitives ----------------------------------------- */

#if TS_KERNELS_NEON
/* Values where rounding and saturation change: zero, +-1, the int32 ends,
 * powers of two and their neighbours, then random ones. */
static int32_t edge_value(int i)
{
	static const int32_t fixed[] = { 0, 1, -1, 2, -2, 3, -3, INT32_MAX, INT32_MIN,
					 INT32_MIN + 1, INT32_MAX - 1 };
	const int nfixed = (int)(sizeof(fixed) / sizeof(fixed[0]));

	if (i < nfixed)
		return fixed[i];
	i -= nfixed;
	if (i < 30 * 6) {
		const int32_t pot = (int32_t)1 << (i / 6 + 1);
		const int32_t v[6] = { pot, -pot, pot + 1, -pot - 1, pot - 1, -pot + 1 };

		return v[i % 6];
	}
	return (int32_t)rnd();
}

/* ts_neon_mul_by_qm (conv, depthwise, fc) and ts_neon_rdbpot (add) lane
 * for lane equal to the scalar functions every kernel's bytes come from,
 * for every shift TFLite can produce; 0 when they agree. */
static int requant_primitives_agree(void)
{
	const int values = 11 + 30 * 6 + 300;
	long checked = 0;

	rng_state = 0x5eed;
	for (int m = 0; m < 24; m++) {
		/* QuantizeMultiplier's range [2^30, 2^31), and 0. */
		const int32_t mult = m == 0 ? 0 : m == 1 ? 0x40000000 : m == 2 ? INT32_MAX :
				     (int32_t)(0x40000000u + (rnd() & 0x3fffffffu));

		for (int shift = -31; shift <= 31; shift++)
			for (int i = 0; i < values; i += 4) {
				int32_t x[4], got[4], got_pot[4];

				for (int l = 0; l < 4; l++)
					x[l] = edge_value(i + l < values ? i + l : 0);
				vst1q_s32(got, ts_neon_mul_by_qm(vld1q_s32(x), vdupq_n_s32(mult),
								 vdupq_n_s32(shift)));
				vst1q_s32(got_pot, ts_neon_rdbpot(vld1q_s32(x),
								  vdupq_n_s32(shift < 0 ? shift : 0)));
				for (int l = 0; l < 4; l++) {
					const int32_t want = ts_mul_by_quantized_multiplier(x[l], mult, shift);
					const int32_t want_pot =
						ts_rounding_divide_by_pot(x[l], shift < 0 ? -shift : 0);

					if (got[l] != want || got_pot[l] != want_pot) {
						printf("requantization: MISMATCH x %d mult %d shift %d: "
						       "%d (reference %d), divide by 2^%d: %d "
						       "(reference %d)\n", x[l], mult, shift, got[l], want,
						       shift < 0 ? -shift : 0, got_pot[l], want_pot);
						return -1;
					}
					checked++;
				}
			}
	}
	printf("neon requantization: %ld values, multipliers and shifts equal to the "
	       "reference\n", checked);
	return 0;
}
#pragma GCC pop_options
#endif

/* ---- driver ------------------------------------------------------------ */

struct kernel_test {
	const char *name;
	int (*one_case)(const ts_kernel_table *set, int n);
};

static const struct kernel_test kernel_tests[] = {
	{ "conv", conv_s8_case },       { "dwconv", dwconv_s8_case },
	{ "fc", fc_s8_case },           { "avgpool", avgpool_s8_case },
	{ "maxpool", maxpool_s8_case }, { "add", add_s8_case },
};

/* Every case of one kernel; 0 when all agree. */
static int run_kernel(const ts_kernel_table *set, const struct kernel_test *t, int cases,
		      uint64_t seed)
{
	rng_state = seed;
	for (int n = 0; n < cases; n++)
		if (t->one_case(set, n)) {
			if (!quiet)
				printf("%s %s: FAIL (reproduce: kernels_diff_main %d %llu)\n", set->name,
			       t->name, cases, (unsigned long long)seed);
			return -1;
		}
	return 0;
}

/* ref's conv with one output byte off: the harness must notice. */
static void conv_off_by_one(const ts_conv_params *p, const int8_t *in, const int8_t *filter,
			    const int32_t *bias, int8_t *out)
{
	ts_conv_s8_ref(p, in, filter, bias, out);
	out[(size_t)p->out_h * p->out_w * p->out_c / 2] ^= 1;
}

static int harness_catches_a_difference(uint64_t seed)
{
	ts_kernel_table broken = ts_kernels_ref;
	int rc;

	broken.name = "deliberately-wrong";
	broken.conv_s8 = conv_off_by_one;
	quiet = true;
	rc = run_kernel(&broken, &kernel_tests[0], 5, seed);
	quiet = false;
	if (rc == 0) {
		printf("FAIL: the harness did not notice a conv with one wrong output byte\n");
		return -1;
	}
	printf("self-check: a conv with one wrong output byte is caught\n");
	return 0;
}

int main(int argc, char **argv)
{
	const int cases = argc > 1 ? atoi(argv[1]) : 300;
	const uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 10) : 0x7e57c0de5eedULL;
	const uint32_t cpu = cpu_features_probe();
	int failed = 0, sets = 0;
	const char *name;

	if (cases <= 0 || seed == 0) {
		fprintf(stderr, "usage: %s [CASES [SEED]] (both > 0)\n", argv[0]);
		return 2;
	}
	if (harness_catches_a_difference(seed))
		return 1;
#if TS_KERNELS_NEON
	if ((cpu & TS_CPU_NEON) && requant_primitives_agree())
		failed++;
#endif
	for (size_t i = 1; (name = ts_kernels_name(i)); i++) {
		const ts_kernel_table *set = ts_kernels_find(name);

		if (ts_kernels_check(name, cpu) != TS_OK) {
			printf("%s: not run by this CPU, skipped\n", name);
			continue;
		}
		sets++;
		for (size_t k = 0; k < sizeof(kernel_tests) / sizeof(kernel_tests[0]); k++) {
			if (run_kernel(set, &kernel_tests[k], cases, seed)) {
				failed++;
				continue;
			}
			printf("%s %s: %d random cases byte-equal to ref\n", name,
			       kernel_tests[k].name, cases);
		}
	}
	printf("%s: %d optimized kernel sets, %d failed kernels (seed %llu)\n",
	       failed ? "FAIL" : "PASS", sets, failed, (unsigned long long)seed);
	return failed ? 1 : 0;
}
