/* SPDX-License-Identifier: MIT */
/* Randomized differential test of a kernel set against ref (kernel_diff.h). */
#include "kernel_diff.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/fixedpoint.h"
#include "kernels/arch.h"

#define MAX_ELEMS (64 * 1024)
#define MAX_CHANNELS 1024
#define ARENA_BYTES ((size_t)4 << 20)
/* Compared past the end of every output: a kernel must not write there. */
#define GUARD 64

struct kdiff {
	uint64_t rng;
	uint64_t seed;
	int8_t in_a[MAX_ELEMS], in_b[MAX_ELEMS], filter[MAX_ELEMS];
	int8_t out_ref[MAX_ELEMS + GUARD], out_opt[MAX_ELEMS + GUARD];
	int32_t bias[MAX_CHANNELS], mult[MAX_CHANNELS], shift[MAX_CHANNELS];
	/* The case being run, for the report. */
	char what[512];
	char report[1024];
	_Alignas(16) uint8_t arena[ARENA_BYTES];
};

static const char *const kernel_names[KDIFF_KERNELS] = {
	[KDIFF_CONV] = "conv",       [KDIFF_DWCONV] = "dwconv",   [KDIFF_FC] = "fc",
	[KDIFF_AVGPOOL] = "avgpool", [KDIFF_MAXPOOL] = "maxpool", [KDIFF_ADD] = "add",
};

const char *kdiff_kernel_name(enum kdiff_kernel k)
{
	return k < KDIFF_KERNELS ? kernel_names[k] : "?";
}

struct kdiff *kdiff_new(void)
{
	const size_t align = _Alignof(struct kdiff);
	struct kdiff *d = aligned_alloc(align, (sizeof(struct kdiff) + align - 1) / align * align);

	if (d) {
		d->rng = d->seed = 1;
		d->what[0] = d->report[0] = '\0';
	}
	return d;
}

void kdiff_free(struct kdiff *d)
{
	free(d);
}

const char *kdiff_report(const struct kdiff *d)
{
	return d->report;
}

/* ---- random values -------------------------------------------------------- */

static uint32_t rnd(struct kdiff *d)
{
	/* xorshift64* */
	d->rng ^= d->rng >> 12;
	d->rng ^= d->rng << 25;
	d->rng ^= d->rng >> 27;
	return (uint32_t)((d->rng * 0x2545F4914F6CDD1DULL) >> 32);
}

/* Uniform in [lo, hi]. */
static int32_t between(struct kdiff *d, int32_t lo, int32_t hi)
{
	return lo + (int32_t)(rnd(d) % (uint32_t)(hi - lo + 1));
}

static bool one_in(struct kdiff *d, uint32_t n)
{
	return rnd(d) % n == 0;
}

static void fill_s8(struct kdiff *d, int8_t *p, size_t n)
{
	/* Sometimes only extremes, where int16 sums of products overflow. */
	const bool extremes = one_in(d, 10);

	for (size_t i = 0; i < n; i++)
		p[i] = extremes ? (one_in(d, 2) ? -128 : 127) : (int8_t)rnd(d);
}

/* A multiplier as TFLite's QuantizeMultiplier makes it, in [2^30, 2^31). */
static int32_t random_multiplier(struct kdiff *d)
{
	return (int32_t)(0x40000000u + (rnd(d) & 0x3fffffffu));
}

/* Per-channel (or per-tensor: every channel the same) multipliers and
 * shifts, shifts mostly realistic, sometimes extreme.  A multiplier of 2^30
 * (a real 0.5) makes every odd product an exact tie of the rounding
 * doubling high multiply: the rounding rules show. */
static void random_requant(struct kdiff *d, int32_t n, bool per_channel)
{
	const int32_t common = between(d, -14, 1);
	const bool ties = one_in(d, 4);

	for (int32_t i = 0; i < n; i++) {
		d->mult[i] = random_multiplier(d);
		if (ties && !one_in(d, 4))
			d->mult[i] = 0x40000000;
		d->shift[i] = per_channel ? common + between(d, -2, 2) : common;
		if (one_in(d, 40))
			d->shift[i] = between(d, -31, 8);
		if (!per_channel && i > 0) {
			d->mult[i] = d->mult[0];
			d->shift[i] = d->shift[0];
		}
	}
}

static void random_bias(struct kdiff *d, int32_t n)
{
	const bool full_range = one_in(d, 8);

	for (int32_t i = 0; i < n; i++)
		d->bias[i] = full_range ? (int32_t)rnd(d) : between(d, -20000, 20000);
}

static void random_activation(struct kdiff *d, int32_t *lo, int32_t *hi)
{
	*lo = -128;
	*hi = 127;
	if (one_in(d, 3))
		*lo = between(d, -128, 0);
	if (one_in(d, 3))
		*hi = between(d, *lo, 127);
}

/* ---- running and comparing ------------------------------------------------ */

static void clear_outputs(struct kdiff *d)
{
	memset(d->out_ref, 0x5a, sizeof(d->out_ref));
	memset(d->out_opt, 0x5a, sizeof(d->out_opt));
}

/* 0 when the outputs agree, else -1 and the first differing byte reported. */
static int compare(struct kdiff *d, const char *set, enum kdiff_kernel k, int n,
		   size_t out_elems)
{
	size_t i = 0;

	if (memcmp(d->out_ref, d->out_opt, out_elems + GUARD) == 0)
		return 0;
	while (d->out_ref[i] == d->out_opt[i])
		i++;
	snprintf(d->report, sizeof(d->report),
		 "%s %s: MISMATCH in case %d (seed %llu), byte %zu of %zu%s: %d, reference %d\n"
		 "  %s", set, kdiff_kernel_name(k), n, (unsigned long long)d->seed, i, out_elems,
		 i >= out_elems ? " (past the output)" : "", d->out_opt[i], d->out_ref[i], d->what);
	return -1;
}

static int prepare_failed(struct kdiff *d, const char *set, enum kdiff_kernel k, int n)
{
	snprintf(d->report, sizeof(d->report),
		 "%s %s: the prepare hook failed in case %d (seed %llu), arena %zu bytes\n  %s",
		 set, kdiff_kernel_name(k), n, (unsigned long long)d->seed, (size_t)ARENA_BYTES,
		 d->what);
	return -1;
}

/* ---- conv and depthwise --------------------------------------------------- */

static size_t conv_out_elems(const ts_conv_params *p)
{
	return (size_t)p->batches * p->out_h * p->out_w * p->out_c;
}

/* Output size for padding pad on both sides; 0 when nothing fits. */
static int32_t out_size(int32_t in, int32_t k, int32_t stride, int32_t dil, int32_t pad)
{
	const int32_t span = in + 2 * pad - ((k - 1) * dil + 1);

	return span < 0 ? 0 : span / stride + 1;
}

/* A random geometry and quantization; false when no output fits. */
static bool random_geometry(struct kdiff *d, ts_conv_params *p)
{
	memset(p, 0, sizeof(*p));
	p->batches = one_in(d, 5) ? 2 : 1;
	p->in_h = between(d, 1, 12);
	p->in_w = between(d, 1, 12);
	p->k_h = one_in(d, 3) ? 1 : between(d, 1, 5);
	p->k_w = one_in(d, 3) ? p->k_h : between(d, 1, 5);
	if (one_in(d, 8)) { /* a tall audio filter (10x4, 10x8) */
		p->k_h = between(d, 8, 10);
		p->in_h = between(d, p->k_h, 20);
	}
	p->stride_h = between(d, 1, 3);
	p->stride_w = one_in(d, 2) ? p->stride_h : between(d, 1, 3);
	p->dil_h = one_in(d, 3) ? between(d, 1, 3) : 1;
	p->dil_w = one_in(d, 3) ? between(d, 1, 3) : 1;
	p->pad_h = between(d, 0, (p->k_h - 1) * p->dil_h);
	p->pad_w = between(d, 0, (p->k_w - 1) * p->dil_w);
	p->out_h = out_size(p->in_h, p->k_h, p->stride_h, p->dil_h, p->pad_h);
	p->out_w = out_size(p->in_w, p->k_w, p->stride_w, p->dil_w, p->pad_w);
	p->input_offset = -between(d, -128, 127);
	p->output_offset = between(d, -128, 127);
	random_activation(d, &p->act_min, &p->act_max);
	return p->out_h > 0 && p->out_w > 0;
}

/* Depthwise channels: input channels and depth multiplier. */
static void random_depthwise_channels(struct kdiff *d, ts_conv_params *p)
{
	switch (rnd(d) % 40 == 0 ? 5 + rnd(d) % 2 : rnd(d) % 5) {
	case 5: /* more channels than a kernel's per-call blocks */
		p->in_c = between(d, 257, 300);
		p->depth_multiplier = 1;
		break;
	case 6: /* one input channel, a filter larger than a kernel's copy */
		p->in_c = 1;
		p->depth_multiplier = 8 * between(d, 40, 64);
		p->k_h = p->k_w = 3;
		p->in_h = p->in_w = between(d, 3, 4);
		p->stride_h = p->stride_w = p->dil_h = p->dil_w = 1;
		p->pad_h = p->pad_w = between(d, 0, 1);
		p->out_h = out_size(p->in_h, 3, 1, 1, p->pad_h);
		p->out_w = out_size(p->in_w, 3, 1, 1, p->pad_w);
		break;
	case 0: /* one input channel, several outputs (audio models' first layer) */
		p->in_c = 1;
		p->depth_multiplier = one_in(d, 2) ? 8 * between(d, 1, 3) : between(d, 1, 24);
		break;
	case 1: /* multiplier > 1 */
		p->in_c = between(d, 2, 12);
		p->depth_multiplier = one_in(d, 2) ? 8 : between(d, 2, 4);
		break;
	default:
		p->in_c = one_in(d, 3) ? between(d, 1, 20) : between(d, 1, 130);
		p->depth_multiplier = 1;
	}
	p->out_c = p->in_c * p->depth_multiplier;
}

/* Conv channels: input channels, groups (depth_multiplier holds the
 * channels per group) and output channels. */
static void random_conv_channels(struct kdiff *d, ts_conv_params *p)
{
	int32_t groups;

	p->in_c = one_in(d, 4) ? between(d, 1, 3) : between(d, 1, 72);
	if (one_in(d, 25)) { /* more taps than an optimized kernel's scratch */
		p->in_c = between(d, 300, 600);
		p->in_h = p->in_w = p->k_h = p->k_w = 3;
		p->stride_h = p->stride_w = p->dil_h = p->dil_w = 1;
		p->pad_h = p->pad_w = 1;
		p->out_h = p->out_w = 3;
	}
	groups = one_in(d, 6) && p->in_c % 2 == 0 ? 2 : 1;
	p->depth_multiplier = p->in_c / groups;
	p->out_c = groups * between(d, 1, one_in(d, 3) ? 70 : 20);
}

static bool conv_fits(const ts_conv_params *p, size_t filter_elems)
{
	return (size_t)p->batches * p->in_h * p->in_w * p->in_c <= MAX_ELEMS &&
	       conv_out_elems(p) <= MAX_ELEMS &&
	       filter_elems <= MAX_ELEMS && p->out_c <= MAX_CHANNELS;
}

static void describe_conv(struct kdiff *d, const ts_conv_params *p, bool bias, bool const_filter)
{
	snprintf(d->what, sizeof(d->what),
		 "batches %d in %dx%dx%d out %dx%dx%d k %dx%d stride %d,%d dil %d,%d pad %d,%d "
		 "dm/group_c %d in_off %d out_off %d act [%d,%d] bias %d const %d",
		 p->batches, p->in_h, p->in_w, p->in_c, p->out_h, p->out_w, p->out_c, p->k_h,
		 p->k_w, p->stride_h, p->stride_w, p->dil_h, p->dil_w, p->pad_h, p->pad_w,
		 p->depth_multiplier, p->input_offset, p->output_offset, p->act_min, p->act_max,
		 bias, const_filter);
}

static int conv_case(struct kdiff *d, const ts_kernel_table *set, enum kdiff_kernel k, int n)
{
	const bool depthwise = k == KDIFF_DWCONV;
	const bool with_bias = !one_in(d, 6), const_filter = !one_in(d, 8);
	const int32_t *bias = with_bias ? d->bias : NULL;
	const ts_conv_prepare_fn hook = depthwise ? set->dwconv_s8_prepare : set->conv_s8_prepare;
	const void *params;
	ts_conv_params p;
	size_t filter_elems;

	do {
		while (!random_geometry(d, &p))
			;
		if (depthwise) {
			random_depthwise_channels(d, &p);
			filter_elems = (size_t)p.k_h * p.k_w * p.out_c;
		} else {
			random_conv_channels(d, &p);
			filter_elems = (size_t)p.out_c * p.k_h * p.k_w * p.depth_multiplier;
		}
	} while (!conv_fits(&p, filter_elems));
	fill_s8(d, d->in_a, (size_t)p.batches * p.in_h * p.in_w * p.in_c);
	fill_s8(d, d->filter, filter_elems);
	random_bias(d, p.out_c);
	random_requant(d, p.out_c, !one_in(d, 4));
	p.out_mult = d->mult;
	p.out_shift = d->shift;
	describe_conv(d, &p, with_bias, const_filter);
	clear_outputs(d);
	params = &p;
	if (hook) {
		ts_arena a;

		ts_arena_init(&a, d->arena, sizeof(d->arena));
		params = hook(&a, &p, const_filter ? d->filter : NULL, const_filter ? bias : NULL);
		if (!params)
			return prepare_failed(d, set->name, k, n);
	}
	if (depthwise) {
		ts_dwconv_s8_ref(&p, d->in_a, d->filter, bias, d->out_ref);
		set->dwconv_s8(params, d->in_a, d->filter, bias, d->out_opt);
	} else {
		ts_conv_s8_ref(&p, d->in_a, d->filter, bias, d->out_ref);
		set->conv_s8(params, d->in_a, d->filter, bias, d->out_opt);
	}
	return compare(d, set->name, k, n, conv_out_elems(&p));
}

/* ---- fully connected ------------------------------------------------------ */

static int fc_case(struct kdiff *d, const ts_kernel_table *set, enum kdiff_kernel k, int n)
{
	const bool with_bias = !one_in(d, 6), const_filter = !one_in(d, 8);
	const int32_t *bias = with_bias ? d->bias : NULL;
	const void *params;
	ts_fc_params p = { 0 };

	p.batches = one_in(d, 4) ? between(d, 2, 4) : 1;
	p.accum_depth = one_in(d, 3) ? between(d, 1, 40) : between(d, 1, 700);
	p.out_depth = between(d, 1, 80);
	p.input_offset = -between(d, -128, 127);
	p.filter_offset = one_in(d, 4) ? -between(d, -128, 127) : 0;
	p.output_offset = between(d, -128, 127);
	p.per_channel = p.filter_offset == 0 && one_in(d, 2);
	random_activation(d, &p.act_min, &p.act_max);
	fill_s8(d, d->in_a, (size_t)p.batches * p.accum_depth);
	fill_s8(d, d->filter, (size_t)p.out_depth * p.accum_depth);
	random_bias(d, p.out_depth);
	random_requant(d, p.out_depth, p.per_channel);
	p.out_mult = d->mult;
	p.out_shift = d->shift;
	snprintf(d->what, sizeof(d->what),
		 "batches %d depth %d out %d in_off %d filter_off %d out_off %d per_channel %d "
		 "act [%d,%d] bias %d const %d", p.batches, p.accum_depth, p.out_depth,
		 p.input_offset, p.filter_offset, p.output_offset, p.per_channel, p.act_min,
		 p.act_max, with_bias, const_filter);
	clear_outputs(d);
	params = &p;
	if (set->fc_s8_prepare) {
		ts_arena a;

		ts_arena_init(&a, d->arena, sizeof(d->arena));
		params = set->fc_s8_prepare(&a, &p, const_filter ? d->filter : NULL,
					    const_filter ? bias : NULL);
		if (!params)
			return prepare_failed(d, set->name, k, n);
	}
	ts_fc_s8_ref(&p, d->in_a, d->filter, bias, d->out_ref);
	set->fc_s8(params, d->in_a, d->filter, bias, d->out_opt);
	return compare(d, set->name, k, n, (size_t)p.batches * p.out_depth);
}

/* ---- pooling -------------------------------------------------------------- */

static size_t pool_out_elems(const ts_pool_params *p)
{
	return (size_t)p->batches * p->out_h * p->out_w * p->depth;
}

static int pool_case(struct kdiff *d, const ts_kernel_table *set, enum kdiff_kernel k, int n)
{
	ts_pool_params p;

	do {
		memset(&p, 0, sizeof(p));
		p.batches = one_in(d, 5) ? 2 : 1;
		p.in_h = between(d, 1, 14);
		p.in_w = between(d, 1, 14);
		p.depth = one_in(d, 3) ? between(d, 1, 20) : between(d, 1, 80);
		/* Mostly the small windows of real models. */
		p.filter_h = between(d, 1, one_in(d, 2) && p.in_h > 6 ? 6 : p.in_h);
		p.filter_w = between(d, 1, one_in(d, 2) && p.in_w > 6 ? 6 : p.in_w);
		if (one_in(d, 10)) { /* a window larger than 256 cells */
			p.in_h = p.filter_h = between(d, 17, 20);
			p.in_w = p.filter_w = between(d, 16, 20);
			p.depth = between(d, 1, 40);
		}
		p.stride_h = between(d, 1, 3);
		p.stride_w = between(d, 1, 3);
		p.pad_h = between(d, 0, p.filter_h - 1);
		p.pad_w = between(d, 0, p.filter_w - 1);
		p.out_h = out_size(p.in_h, p.filter_h, p.stride_h, 1, p.pad_h);
		p.out_w = out_size(p.in_w, p.filter_w, p.stride_w, 1, p.pad_w);
		random_activation(d, &p.act_min, &p.act_max);
	} while ((size_t)p.batches * p.in_h * p.in_w * p.depth > MAX_ELEMS || p.out_h <= 0 ||
		 p.out_w <= 0 || pool_out_elems(&p) > MAX_ELEMS);
	snprintf(d->what, sizeof(d->what),
		 "batches %d in %dx%dx%d out %dx%d filter %dx%d stride %d,%d pad %d,%d act [%d,%d]",
		 p.batches, p.in_h, p.in_w, p.depth, p.out_h, p.out_w, p.filter_h, p.filter_w,
		 p.stride_h, p.stride_w, p.pad_h, p.pad_w, p.act_min, p.act_max);
	fill_s8(d, d->in_a, (size_t)p.batches * p.in_h * p.in_w * p.depth);
	clear_outputs(d);
	if (k == KDIFF_AVGPOOL) {
		ts_avgpool_s8_ref(&p, d->in_a, d->out_ref);
		set->avgpool_s8(&p, d->in_a, d->out_opt);
	} else {
		ts_maxpool_s8_ref(&p, d->in_a, d->out_ref);
		set->maxpool_s8(&p, d->in_a, d->out_opt);
	}
	return compare(d, set->name, k, n, pool_out_elems(&p));
}

/* ---- add and sub ---------------------------------------------------------- */

/* Broadcast shapes of rank 1 to 4: short inner rows of a few elements, or
 * long ones (rank 1: up to 3000); a third of the cases the same shapes (the
 * flat case), otherwise each dimension broadcast in a or b in a quarter of
 * the cases.  Element counts in *a_elems, *b_elems. */
static void random_add_shape(struct kdiff *d, ts_add_params *p, unsigned *rank, size_t *a_elems,
			     size_t *b_elems)
{
	int32_t a_dims[4], b_dims[4], out_dims[4];

	do {
		const bool flat = one_in(d, 3), long_rows = one_in(d, 2);

		*rank = (unsigned)between(d, 1, 4);
		*a_elems = *b_elems = 1;
		for (unsigned i = 0; i < *rank; i++) {
			const int32_t most = long_rows ? (*rank == 1 ? 3000 : 24) :
					     (i + 1 == *rank ? 40 : 6);
			const uint32_t r = rnd(d) % 8;

			out_dims[i] = a_dims[i] = b_dims[i] = between(d, 1, most);
			if (!flat && r < 2)
				a_dims[i] = 1;
			else if (!flat && r < 4)
				b_dims[i] = 1;
			*a_elems *= (size_t)a_dims[i];
			*b_elems *= (size_t)b_dims[i];
		}
	} while (*a_elems > MAX_ELEMS || *b_elems > MAX_ELEMS ||
		 !ts_bcast_shape_init(&p->shape, a_dims, *rank, b_dims, *rank, out_dims, *rank) ||
		 p->shape.count > MAX_ELEMS);
}

/* A multiplier and right shift below one as ADD's prepare makes them;
 * input shifts near 0, output shifts near -20 (the left shift's 2^20
 * undone) or, a quarter of the cases, anywhere. */
static void add_rescale(struct kdiff *d, bool input, int32_t *mult, int32_t *shift)
{
	*mult = one_in(d, 4) ? 0x40000000 : random_multiplier(d); /* rounding ties */
	if (one_in(d, 4))
		*shift = one_in(d, 30) ? -between(d, 0, 31) : -between(d, 0, 22);
	else if (one_in(d, 10))
		*shift = between(d, -31, 0);
	else
		*shift = input ? between(d, -4, 0) : between(d, -22, -14);
}

static int add_case(struct kdiff *d, const ts_kernel_table *set, enum kdiff_kernel k, int n)
{
	ts_add_params p;
	unsigned rank;
	size_t a_elems, b_elems;

	memset(&p, 0, sizeof(p));
	random_add_shape(d, &p, &rank, &a_elems, &b_elems);
	p.input1_offset = -between(d, -128, 127);
	p.input2_offset = -between(d, -128, 127);
	p.output_offset = between(d, -128, 127);
	p.left_shift = one_in(d, 10) ? between(d, 0, 22) : 20;
	add_rescale(d, true, &p.input1_mult, &p.input1_shift);
	add_rescale(d, true, &p.input2_mult, &p.input2_shift);
	add_rescale(d, false, &p.output_mult, &p.output_shift);
	p.subtract = one_in(d, 3);
	random_activation(d, &p.act_min, &p.act_max);
	fill_s8(d, d->in_a, a_elems);
	fill_s8(d, d->in_b, b_elems);
	snprintf(d->what, sizeof(d->what),
		 "rank %u count %u flat %d offsets %d,%d,%d left %d mults %d,%d,%d shifts %d,%d,%d "
		 "subtract %d act [%d,%d]", rank, p.shape.count, p.shape.flat, p.input1_offset,
		 p.input2_offset, p.output_offset, p.left_shift, p.input1_mult, p.input2_mult,
		 p.output_mult, p.input1_shift, p.input2_shift, p.output_shift, p.subtract,
		 p.act_min, p.act_max);
	clear_outputs(d);
	ts_add_s8_ref(&p, d->in_a, d->in_b, d->out_ref);
	set->add_s8(&p, d->in_a, d->in_b, d->out_opt);
	return compare(d, set->name, k, n, p.shape.count);
}

/* ---- the runs ------------------------------------------------------------- */

static int (*const one_case[KDIFF_KERNELS])(struct kdiff *d, const ts_kernel_table *set,
					     enum kdiff_kernel k, int n) = {
	[KDIFF_CONV] = conv_case,       [KDIFF_DWCONV] = conv_case, [KDIFF_FC] = fc_case,
	[KDIFF_AVGPOOL] = pool_case,    [KDIFF_MAXPOOL] = pool_case, [KDIFF_ADD] = add_case,
};

int kdiff_run(struct kdiff *d, const ts_kernel_table *set, enum kdiff_kernel k, int cases,
	      uint64_t seed)
{
	d->rng = d->seed = seed ? seed : 1;
	d->report[0] = '\0';
	for (int n = 0; n < cases; n++)
		if (one_case[k](d, set, k, n))
			return -1;
	return 0;
}

/* ---- the harness's self-check --------------------------------------------- */

/* ref's kernels with the last output byte wrong, and a conv that writes
 * one byte past its output. */
static void conv_last_wrong(const ts_conv_params *p, const int8_t *in, const int8_t *filter,
			    const int32_t *bias, int8_t *out)
{
	ts_conv_s8_ref(p, in, filter, bias, out);
	out[conv_out_elems(p) - 1] ^= 1;
}

static void conv_past_end(const ts_conv_params *p, const int8_t *in, const int8_t *filter,
			  const int32_t *bias, int8_t *out)
{
	ts_conv_s8_ref(p, in, filter, bias, out);
	out[conv_out_elems(p)] = 0;
}

static void dwconv_last_wrong(const ts_conv_params *p, const int8_t *in, const int8_t *filter,
			      const int32_t *bias, int8_t *out)
{
	ts_dwconv_s8_ref(p, in, filter, bias, out);
	out[conv_out_elems(p) - 1] ^= 1;
}

static void fc_last_wrong(const ts_fc_params *p, const int8_t *in, const int8_t *filter,
			  const int32_t *bias, int8_t *out)
{
	ts_fc_s8_ref(p, in, filter, bias, out);
	out[(size_t)p->batches * p->out_depth - 1] ^= 1;
}

static void avgpool_last_wrong(const ts_pool_params *p, const int8_t *in, int8_t *out)
{
	ts_avgpool_s8_ref(p, in, out);
	out[pool_out_elems(p) - 1] ^= 1;
}

static void maxpool_last_wrong(const ts_pool_params *p, const int8_t *in, int8_t *out)
{
	ts_maxpool_s8_ref(p, in, out);
	out[pool_out_elems(p) - 1] ^= 1;
}

static void add_last_wrong(const ts_add_params *p, const int8_t *a, const int8_t *b, int8_t *out)
{
	ts_add_s8_ref(p, a, b, out);
	out[p->shape.count - 1] ^= 1;
}

int kdiff_self_check(struct kdiff *d, uint64_t seed)
{
	ts_kernel_table broken[KDIFF_KERNELS + 1];
	const enum kdiff_kernel kernel_of[KDIFF_KERNELS + 1] = {
		KDIFF_CONV, KDIFF_DWCONV, KDIFF_FC, KDIFF_AVGPOOL, KDIFF_MAXPOOL, KDIFF_ADD,
		KDIFF_CONV,
	};

	for (size_t i = 0; i < KDIFF_KERNELS + 1; i++) {
		broken[i] = ts_kernels_ref;
		broken[i].name = "deliberately-wrong";
	}
	broken[0].conv_s8 = conv_last_wrong;
	broken[1].dwconv_s8 = dwconv_last_wrong;
	broken[2].fc_s8 = fc_last_wrong;
	broken[3].avgpool_s8 = avgpool_last_wrong;
	broken[4].maxpool_s8 = maxpool_last_wrong;
	broken[5].add_s8 = add_last_wrong;
	broken[6].conv_s8 = conv_past_end;
	for (size_t i = 0; i < KDIFF_KERNELS + 1; i++)
		if (kdiff_run(d, &broken[i], kernel_of[i], 5, seed) == 0) {
			snprintf(d->report, sizeof(d->report),
				 "the harness did not notice a %s with one wrong byte %s",
				 kdiff_kernel_name(kernel_of[i]),
				 i == KDIFF_KERNELS ? "past its output" : "at the end of its output");
			return -1;
		}
	d->report[0] = '\0';
	return 0;
}

/* ---- NEON requantization primitives --------------------------------------- */

#if TS_KERNELS_NEON
/* Compiled for NEON (neon_common.h enables it on 32-bit ARM) up to the end
 * of the file; run only where the CPU has it. */
#pragma GCC push_options
#include "kernels/neon/neon_common.h"

/* Values where rounding and saturation change: zero, +-1, the int32 ends,
 * powers of two and their neighbours, then random ones. */
static int32_t edge_value(struct kdiff *d, int i)
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
	return (int32_t)rnd(d);
}

/* ts_neon_mul_by_qm (conv, depthwise, fc) and ts_neon_rdbpot (add), for
 * every shift TFLite can produce. */
long kdiff_neon_requant(struct kdiff *d)
{
	const int values = 11 + 30 * 6 + 300;
	long checked = 0;

	d->rng = d->seed = 0x5eed;
	for (int m = 0; m < 24; m++) {
		/* QuantizeMultiplier's range [2^30, 2^31), and 0. */
		const int32_t mult = m == 0 ? 0 : m == 1 ? 0x40000000 : m == 2 ? INT32_MAX :
				     random_multiplier(d);

		for (int shift = -31; shift <= 31; shift++)
			for (int i = 0; i < values; i += 4) {
				int32_t x[4], got[4], got_pot[4];

				for (int l = 0; l < 4; l++)
					x[l] = edge_value(d, i + l < values ? i + l : 0);
				vst1q_s32(got, ts_neon_mul_by_qm(vld1q_s32(x), vdupq_n_s32(mult),
								 vdupq_n_s32(shift)));
				vst1q_s32(got_pot, ts_neon_rdbpot(vld1q_s32(x),
								  vdupq_n_s32(shift < 0 ? shift : 0)));
				for (int l = 0; l < 4; l++) {
					const int32_t want =
						ts_mul_by_quantized_multiplier(x[l], mult, shift);
					const int32_t want_pot =
						ts_rounding_divide_by_pot(x[l], shift < 0 ? -shift : 0);

					if (got[l] != want || got_pot[l] != want_pot) {
						snprintf(d->report, sizeof(d->report),
							 "neon requantization: MISMATCH x %d mult %d "
							 "shift %d: %d (reference %d), divide by 2^%d: "
							 "%d (reference %d)", x[l], mult, shift, got[l],
							 want, shift < 0 ? -shift : 0, got_pot[l],
							 want_pot);
						return -1;
					}
					checked++;
				}
			}
	}
	return checked;
}
#pragma GCC pop_options
#else
long kdiff_neon_requant(struct kdiff *d)
{
	(void)d;
	return 0;
}
#endif
