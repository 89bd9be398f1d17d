/* SPDX-License-Identifier: MIT */
/*
 * Every optimized kernel set this build has and this CPU runs, byte-equal
 * to the reference kernels on random cases: shapes, strides, paddings,
 * dilations, filter groups, depth multipliers, zero points, per-channel
 * multipliers and shifts, activation ranges, with and without bias, with
 * constant and non-constant filters (the set's prepare hook sees NULL);
 * ADD / SUB with broadcasting, offsets, multipliers and shifts; average
 * and max pooling (windows, strides, paddings, activation ranges).
 * The kernels are called directly with the params their prepare hook made,
 * in an arena, as the interpreter does.
 *
 * TS_DIFF_SEED=N reruns with another seed; TS_DIFF_CASES=N changes the
 * number of cases per kernel (default 400).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tinysense/kernels.h"
#include "core/arena.h"
#include "kernels/kernels.h"
#include "cpu_features.h"

#define MAX_ELEMS (64 * 1024)
#define ARENA_BYTES (4 << 20)

static uint64_t rng_state, seed_used;

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
	for (size_t i = 0; i < n; i++)
		p[i] = (int8_t)rnd();
}

/* Buffers shared by the cases (too large for the stack). */
static int8_t in_buf[MAX_ELEMS], filter_buf[MAX_ELEMS];
static int8_t out_ref[MAX_ELEMS + 64], out_opt[MAX_ELEMS + 64];
static int32_t bias_buf[1024], mult_buf[1024], shift_buf[1024];
static _Alignas(16) uint8_t arena_mem[ARENA_BYTES];

/* Per-channel requantization as TFLite's QuantizeMultiplier makes it
 * (multiplier in [2^30, 2^31)), shifts mostly realistic, sometimes extreme. */
static void random_requant(int32_t n, bool per_channel)
{
	const int32_t common_shift = between(-14, 1);
	/* Multiplier 2^30 (a real 0.5) makes every odd product an exact tie
	 * of the rounding doubling high multiply: the rounding rules show. */
	const bool ties = one_in(4);

	for (int32_t i = 0; i < n; i++) {
		mult_buf[i] = (int32_t)(0x40000000u + (rnd() & 0x3fffffffu));
		if (ties && !one_in(4))
			mult_buf[i] = 0x40000000;
		shift_buf[i] = per_channel ? common_shift + between(-2, 2) : common_shift;
		if (one_in(40))
			shift_buf[i] = between(-31, 8);
		if (!per_channel && i > 0) {
			mult_buf[i] = mult_buf[0];
			shift_buf[i] = shift_buf[0];
		}
	}
}

static void random_bias(int32_t n, bool full_range)
{
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

/* The params the set's hook makes (or p itself), from a fresh arena. */
static const void *prepared(ts_conv_prepare_fn hook, const ts_conv_params *p,
			    const int8_t *filter, const int32_t *bias)
{
	ts_arena a;
	const void *params;

	if (!hook)
		return p;
	ts_arena_init(&a, arena_mem, sizeof(arena_mem));
	params = hook(&a, p, filter, bias);
	assert_non_null(params);
	return params;
}

static void describe_conv(char *buf, size_t size, const ts_conv_params *p, bool bias,
			  bool const_filter)
{
	snprintf(buf, size,
		 "batches %d in %dx%dx%d out %dx%dx%d k %dx%d stride %d,%d dil %d,%d pad %d,%d "
		 "dm/group_c %d in_off %d out_off %d act [%d,%d] bias %d const %d",
		 p->batches, p->in_h, p->in_w, p->in_c, p->out_h, p->out_w, p->out_c, p->k_h,
		 p->k_w, p->stride_h, p->stride_w, p->dil_h, p->dil_w, p->pad_h, p->pad_w,
		 p->depth_multiplier, p->input_offset, p->output_offset, p->act_min, p->act_max,
		 bias, const_filter);
}

/* Output size for a random padding in [0, effective kernel - 1]; 0 when
 * nothing fits. */
static int32_t out_size(int32_t in, int32_t k, int32_t stride, int32_t dil, int32_t pad)
{
	const int32_t eff = (k - 1) * dil + 1;
	const int32_t span = in + 2 * pad - eff;

	return span < 0 ? 0 : span / stride + 1;
}

/* A random convolution geometry; false when it does not fit the buffers. */
static bool random_geometry(ts_conv_params *p)
{
	memset(p, 0, sizeof(*p));
	p->batches = one_in(5) ? 2 : 1;
	p->in_h = between(1, 12);
	p->in_w = between(1, 12);
	p->k_h = one_in(3) ? 1 : between(1, 5);
	p->k_w = one_in(3) ? p->k_h : between(1, 5);
	p->stride_h = between(1, 3);
	p->stride_w = one_in(2) ? p->stride_h : between(1, 3);
	p->dil_h = one_in(3) ? between(1, 3) : 1;
	p->dil_w = one_in(3) ? between(1, 3) : 1;
	p->pad_h = between(0, (p->k_h - 1) * p->dil_h);
	p->pad_w = between(0, (p->k_w - 1) * p->dil_w);
	p->out_h = out_size(p->in_h, p->k_h, p->stride_h, p->dil_h, p->pad_h);
	p->out_w = out_size(p->in_w, p->k_w, p->stride_w, p->dil_w, p->pad_w);
	p->input_offset = -between(-128, 127);
	p->output_offset = between(-128, 127);
	random_activation(&p->act_min, &p->act_max);
	return p->out_h > 0 && p->out_w > 0;
}

static bool sizes_fit(const ts_conv_params *p, size_t filter_elems)
{
	return (size_t)p->batches * p->in_h * p->in_w * p->in_c <= MAX_ELEMS &&
	       (size_t)p->batches * p->out_h * p->out_w * p->out_c <= MAX_ELEMS &&
	       filter_elems <= MAX_ELEMS && p->out_c <= 1024;
}

/* Runs one case through ref and the set; fails with the case described. */
static void compare_conv(const ts_kernel_table *set, bool depthwise, const ts_conv_params *p,
			 size_t filter_elems, bool with_bias, bool const_filter, int n)
{
	const size_t out_elems = (size_t)p->batches * p->out_h * p->out_w * p->out_c;
	const int32_t *bias = with_bias ? bias_buf : NULL;
	const ts_conv_prepare_fn hook = depthwise ? set->dwconv_s8_prepare : set->conv_s8_prepare;
	const void *params;
	char what[400];

	(void)filter_elems;
	memset(out_ref, 0x5a, sizeof(out_ref));
	memset(out_opt, 0x5a, sizeof(out_opt));
	if (depthwise)
		ts_dwconv_s8_ref(p, in_buf, filter_buf, bias, out_ref);
	else
		ts_conv_s8_ref(p, in_buf, filter_buf, bias, out_ref);
	params = prepared(hook, p, const_filter ? filter_buf : NULL, const_filter ? bias : NULL);
	if (depthwise)
		set->dwconv_s8(params, in_buf, filter_buf, bias, out_opt);
	else
		set->conv_s8(params, in_buf, filter_buf, bias, out_opt);
	if (memcmp(out_ref, out_opt, out_elems + 64) != 0) {
		size_t i = 0;

		while (out_ref[i] == out_opt[i])
			i++;
		describe_conv(what, sizeof(what), p, with_bias, const_filter);
		fail_msg("%s %s case %d (seed %llu): byte %zu of %zu: %d, ref %d\n  %s", set->name,
			 depthwise ? "dwconv" : "conv", n, (unsigned long long)seed_used, i,
			 out_elems, out_opt[i], out_ref[i], what);
	}
}

static int cases(void)
{
	const char *env = getenv("TS_DIFF_CASES");

	return env && atoi(env) > 0 ? atoi(env) : 400;
}

static void seed(void)
{
	const char *env = getenv("TS_DIFF_SEED");

	rng_state = env && *env ? strtoull(env, NULL, 10) : 0x7e57c0de5eedULL;
	if (!rng_state)
		rng_state = 1;
	seed_used = rng_state;
}

static void conv_cases(const ts_kernel_table *set)
{
	int done = 0;

	seed();
	while (done < cases()) {
		ts_conv_params p;
		size_t filter_elems;
		int32_t groups;
		bool with_bias = !one_in(6), const_filter = !one_in(10);

		if (!random_geometry(&p))
			continue;
		p.in_c = one_in(4) ? between(1, 3) : between(1, 72);
		groups = one_in(6) && p.in_c % 2 == 0 ? 2 : 1;
		p.depth_multiplier = p.in_c / groups;
		p.out_c = groups * between(1, one_in(3) ? 70 : 20);
		filter_elems = (size_t)p.out_c * p.k_h * p.k_w * p.depth_multiplier;
		if (!sizes_fit(&p, filter_elems))
			continue;
		fill_s8(in_buf, (size_t)p.batches * p.in_h * p.in_w * p.in_c);
		fill_s8(filter_buf, filter_elems);
		random_bias(p.out_c, one_in(8));
		random_requant(p.out_c, !one_in(4));
		p.out_mult = mult_buf;
		p.out_shift = shift_buf;
		compare_conv(set, false, &p, filter_elems, with_bias, const_filter, done);
		done++;
	}
}

static void dwconv_cases(const ts_kernel_table *set)
{
	int done = 0;

	seed();
	while (done < cases()) {
		ts_conv_params p;
		size_t filter_elems;
		bool with_bias = !one_in(6), const_filter = !one_in(10);

		if (!random_geometry(&p))
			continue;
		switch (rnd() % 4) {
		case 0: /* one input channel, several outputs (audio models' first layer) */
			p.in_c = 1;
			p.depth_multiplier = between(1, 24);
			break;
		case 1: /* multiplier > 1 */
			p.in_c = between(2, 12);
			p.depth_multiplier = between(2, 4);
			break;
		default:
			p.in_c = one_in(3) ? between(1, 20) : between(1, 130);
			p.depth_multiplier = 1;
		}
		p.out_c = p.in_c * p.depth_multiplier;
		filter_elems = (size_t)p.k_h * p.k_w * p.out_c;
		if (!sizes_fit(&p, filter_elems))
			continue;
		fill_s8(in_buf, (size_t)p.batches * p.in_h * p.in_w * p.in_c);
		fill_s8(filter_buf, filter_elems);
		random_bias(p.out_c, one_in(8));
		random_requant(p.out_c, !one_in(4));
		p.out_mult = mult_buf;
		p.out_shift = shift_buf;
		compare_conv(set, true, &p, filter_elems, with_bias, const_filter, done);
		done++;
	}
}

static void fc_cases(const ts_kernel_table *set)
{
	seed();
	for (int n = 0; n < cases(); n++) {
		ts_fc_params p = { 0 };
		const bool with_bias = !one_in(6), const_filter = !one_in(10);
		const int32_t *bias = with_bias ? bias_buf : NULL;
		const void *params = &p;
		size_t out_elems;

		p.batches = one_in(4) ? between(2, 4) : 1;
		p.accum_depth = one_in(3) ? between(1, 16) : between(1, 700);
		p.out_depth = between(1, 80);
		p.input_offset = -between(-128, 127);
		p.filter_offset = one_in(4) ? -between(-128, 127) : 0;
		p.output_offset = between(-128, 127);
		p.per_channel = p.filter_offset == 0 && one_in(2);
		random_activation(&p.act_min, &p.act_max);
		fill_s8(in_buf, (size_t)p.batches * p.accum_depth);
		fill_s8(filter_buf, (size_t)p.out_depth * p.accum_depth);
		random_bias(p.out_depth, one_in(8));
		random_requant(p.out_depth, p.per_channel);
		p.out_mult = mult_buf;
		p.out_shift = shift_buf;
		out_elems = (size_t)p.batches * p.out_depth;
		memset(out_ref, 0x5a, sizeof(out_ref));
		memset(out_opt, 0x5a, sizeof(out_opt));
		ts_fc_s8_ref(&p, in_buf, filter_buf, bias, out_ref);
		if (set->fc_s8_prepare) {
			ts_arena a;

			ts_arena_init(&a, arena_mem, sizeof(arena_mem));
			params = set->fc_s8_prepare(&a, &p, const_filter ? filter_buf : NULL,
						    const_filter ? bias : NULL);
			assert_non_null(params);
		}
		set->fc_s8(params, in_buf, filter_buf, bias, out_opt);
		if (memcmp(out_ref, out_opt, out_elems + 64) != 0) {
			size_t i = 0;

			while (out_ref[i] == out_opt[i])
				i++;
			fail_msg("%s fc case %d: byte %zu of %zu: %d, ref %d (batches %d depth %d "
				 "out %d in_off %d f_off %d per_channel %d bias %d const %d)",
				 set->name, n, i, out_elems, out_opt[i], out_ref[i], p.batches,
				 p.accum_depth, p.out_depth, p.input_offset, p.filter_offset,
				 p.per_channel, with_bias, const_filter);
		}
	}
}

/* A random int8 multiplier below one as ADD's prepare makes them. */
static void add_multiplier(int32_t *mult, int32_t *shift)
{
	*mult = (int32_t)(0x40000000u + (rnd() & 0x3fffffffu));
	if (one_in(4))
		*mult = 0x40000000; /* rounding ties */
	*shift = one_in(30) ? -between(0, 31) : -between(0, 22);
}

static void add_cases(const ts_kernel_table *set)
{
	seed();
	for (int n = 0; n < cases(); n++) {
		ts_add_params p = { 0 };
		int32_t a_dims[4], b_dims[4], o_dims[4];
		const unsigned rank = (unsigned)between(1, 4);
		uint32_t a_elems = 1, b_elems = 1, out_elems = 1;

		for (unsigned d = 0; d < rank; d++) {
			o_dims[d] = between(1, d + 1 == rank ? 40 : 6);
			a_dims[d] = one_in(4) ? 1 : o_dims[d];
			b_dims[d] = one_in(4) ? 1 : o_dims[d];
			/* Sometimes the same shapes (the flat case). */
			if (n % 3 == 0 || (a_dims[d] == 1 && b_dims[d] == 1))
				a_dims[d] = b_dims[d] = o_dims[d];
			a_elems *= (uint32_t)a_dims[d];
			b_elems *= (uint32_t)b_dims[d];
			out_elems *= (uint32_t)o_dims[d];
		}
		assert_true(ts_bcast_shape_init(&p.shape, a_dims, rank, b_dims, rank, o_dims, rank));
		p.input1_offset = -between(-128, 127);
		p.input2_offset = -between(-128, 127);
		p.output_offset = between(-128, 127);
		p.left_shift = one_in(10) ? between(0, 20) : 20;
		add_multiplier(&p.input1_mult, &p.input1_shift);
		add_multiplier(&p.input2_mult, &p.input2_shift);
		add_multiplier(&p.output_mult, &p.output_shift);
		/* Realistic: the inputs' rescale to the shared scale is below 1 at
		 * 2^-left_shift, the output's brings it back. */
		if (!one_in(4)) {
			p.input1_shift = -between(0, 2);
			p.input2_shift = -between(0, 2);
			p.output_shift = -between(15, 21);
		}
		p.subtract = one_in(3);
		random_activation(&p.act_min, &p.act_max);
		fill_s8(in_buf, a_elems);
		fill_s8(filter_buf, b_elems);
		memset(out_ref, 0x5a, sizeof(out_ref));
		memset(out_opt, 0x5a, sizeof(out_opt));
		ts_add_s8_ref(&p, in_buf, filter_buf, out_ref);
		set->add_s8(&p, in_buf, filter_buf, out_opt);
		if (memcmp(out_ref, out_opt, out_elems + 64) != 0) {
			size_t i = 0;

			while (out_ref[i] == out_opt[i])
				i++;
			fail_msg("%s add case %d: byte %zu of %u: %d, ref %d (rank %u flat %d sub %d "
				 "shifts %d %d %d left %d)",
				 set->name, n, i, out_elems, out_opt[i], out_ref[i], rank, p.shape.flat,
				 p.subtract, p.input1_shift, p.input2_shift, p.output_shift,
				 p.left_shift);
		}
	}
}

static void pool_cases(const ts_kernel_table *set)
{
	int done = 0;

	seed();
	while (done < cases()) {
		ts_pool_params p = { 0 };
		const bool average = done % 2 == 0;
		size_t out_elems;

		p.batches = one_in(5) ? 2 : 1;
		p.in_h = between(1, 14);
		p.in_w = between(1, 14);
		p.depth = one_in(3) ? between(1, 20) : between(1, 70);
		p.filter_h = between(1, p.in_h < 6 ? p.in_h : 6);
		p.filter_w = between(1, p.in_w < 6 ? p.in_w : 6);
		p.stride_h = between(1, 3);
		p.stride_w = between(1, 3);
		p.pad_h = between(0, p.filter_h - 1);
		p.pad_w = between(0, p.filter_w - 1);
		p.out_h = out_size(p.in_h, p.filter_h, p.stride_h, 1, p.pad_h);
		p.out_w = out_size(p.in_w, p.filter_w, p.stride_w, 1, p.pad_w);
		random_activation(&p.act_min, &p.act_max);
		out_elems = (size_t)p.batches * p.out_h * p.out_w * p.depth;
		if (p.out_h <= 0 || p.out_w <= 0 ||
		    (size_t)p.batches * p.in_h * p.in_w * p.depth > MAX_ELEMS || out_elems > MAX_ELEMS)
			continue;
		fill_s8(in_buf, (size_t)p.batches * p.in_h * p.in_w * p.depth);
		memset(out_ref, 0x5a, sizeof(out_ref));
		memset(out_opt, 0x5a, sizeof(out_opt));
		(average ? ts_avgpool_s8_ref : ts_maxpool_s8_ref)(&p, in_buf, out_ref);
		(average ? set->avgpool_s8 : set->maxpool_s8)(&p, in_buf, out_opt);
		if (memcmp(out_ref, out_opt, out_elems + 64) != 0) {
			size_t i = 0;

			while (out_ref[i] == out_opt[i])
				i++;
			fail_msg("%s %s case %d: byte %zu of %zu: %d, ref %d (in %dx%dx%d filter %dx%d "
				 "stride %d,%d pad %d,%d act [%d,%d])",
				 set->name, average ? "avgpool" : "maxpool", done, i, out_elems,
				 out_opt[i], out_ref[i], p.in_h, p.in_w, p.depth, p.filter_h,
				 p.filter_w, p.stride_h, p.stride_w, p.pad_h, p.pad_w, p.act_min,
				 p.act_max);
		}
		done++;
	}
}

/* state: the set's name. */
static void test_conv(void **state)
{
	conv_cases(ts_kernels_find(*state));
}

static void test_dwconv(void **state)
{
	dwconv_cases(ts_kernels_find(*state));
}

static void test_fc(void **state)
{
	fc_cases(ts_kernels_find(*state));
}

static void test_add(void **state)
{
	add_cases(ts_kernels_find(*state));
}

static void test_pool(void **state)
{
	pool_cases(ts_kernels_find(*state));
}

/* The reference against itself: proves the harness compares something. */
static void test_harness_catches_a_difference(void **state)
{
	ts_fc_params p = { 0 };
	int32_t mult = 0x40000000, shift = 0;

	(void)state;
	p.batches = 1;
	p.accum_depth = 1;
	p.out_depth = 1;
	p.act_min = -128;
	p.act_max = 127;
	p.out_mult = &mult;
	p.out_shift = &shift;
	in_buf[0] = 10;
	filter_buf[0] = 2;
	ts_fc_s8_ref(&p, in_buf, filter_buf, NULL, out_ref);
	filter_buf[0] = 3;
	ts_fc_s8_ref(&p, in_buf, filter_buf, NULL, out_opt);
	assert_int_equal(out_ref[0], 10); /* 10 * 2 * 0.5 */
	assert_int_not_equal(out_ref[0], out_opt[0]);
}

int main(void)
{
	static struct CMUnitTest tests[64];
	const uint32_t cpu = cpu_features_probe();
	size_t n = 0;
	const char *set;

	tests[n++] = (struct CMUnitTest){ "harness_catches_a_difference",
					  test_harness_catches_a_difference, NULL, NULL, NULL };
	for (size_t i = 1; (set = ts_kernels_name(i)) && n + 5 <= 64; i++) {
		static char names[64][48];

		if (ts_kernels_check(set, cpu) != TS_OK) {
			printf("kernel set %s: this CPU lacks it, not tested\n", set);
			continue;
		}
		snprintf(names[n], sizeof(names[n]), "%s_conv", set);
		tests[n] = (struct CMUnitTest){ names[n], test_conv, NULL, NULL, (void *)set };
		n++;
		snprintf(names[n], sizeof(names[n]), "%s_dwconv", set);
		tests[n] = (struct CMUnitTest){ names[n], test_dwconv, NULL, NULL, (void *)set };
		n++;
		snprintf(names[n], sizeof(names[n]), "%s_fc", set);
		tests[n] = (struct CMUnitTest){ names[n], test_fc, NULL, NULL, (void *)set };
		n++;
		snprintf(names[n], sizeof(names[n]), "%s_pool", set);
		tests[n] = (struct CMUnitTest){ names[n], test_pool, NULL, NULL, (void *)set };
		n++;
		snprintf(names[n], sizeof(names[n]), "%s_add", set);
		tests[n] = (struct CMUnitTest){ names[n], test_add, NULL, NULL, (void *)set };
		n++;
	}
	return _cmocka_run_group_tests("kernels_diff", tests, n, NULL, NULL);
}
