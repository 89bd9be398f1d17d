/* SPDX-License-Identifier: MIT */
/*
 * Every optimized kernel set of this core against ref, on random cases:
 * CONV_2D with groups, strides, dilation, padding, channel counts that are
 * not multiples of 4, odd output channels, per-channel multipliers and
 * shifts, every input and output offset range, with and without bias; and
 * FULLY_CONNECTED with batches, odd depths, filter offsets and per-channel
 * requantization.  The conformance models cover the common shapes; these
 * cover the edges.  Prints
 *
 *   kernels SET: N conv and M fully connected cases byte-equal to ref, OK
 *
 * per set and exits 0, or names the first differing case and exits 1.
 */
#include <stdint.h>
#include <string.h>

#include <tinysense/kernels.h>

#include "board.h"
#include "kernels/kernels.h"
#include "mcu_out.h"

#define CASES 300
#define MAX_IN 2048
#define MAX_FILTER 4096
#define MAX_OUT 2048
#define MAX_CH 64

static struct {
	int8_t in[MAX_IN], filter[MAX_FILTER], want[MAX_OUT], got[MAX_OUT];
	int32_t bias[MAX_CH], mult[MAX_CH], shift[MAX_CH];
} buf;

static uint32_t rng = 0x2545f491u;

static uint32_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

/* Uniform in [lo, hi]. */
static int32_t pick(int32_t lo, int32_t hi)
{
	return lo + (int32_t)(next() % (uint32_t)(hi - lo + 1));
}

static void fill(int8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (int8_t)next();
}

static void requant_params(int32_t n, int32_t *act_min, int32_t *act_max)
{
	for (int32_t i = 0; i < n; i++) {
		buf.mult[i] = pick(1 << 30, INT32_MAX);
		buf.shift[i] = pick(-12, 1);
		buf.bias[i] = pick(-70000, 70000);
	}
	*act_min = pick(-128, 0);
	*act_max = pick(0, 127);
}

static int differ(const char *set, const char *what, int k, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (buf.got[i] != buf.want[i]) {
			mcu_puts("kernels ");
			mcu_puts(set);
			mcu_puts(": MISMATCH ");
			mcu_puts(what);
			mcu_puts(" case ");
			mcu_putu((uint32_t)k);
			mcu_puts(", byte ");
			mcu_putu(i);
			mcu_puts(": got ");
			mcu_puti(buf.got[i]);
			mcu_puts(", ref ");
			mcu_puti(buf.want[i]);
			mcu_endl();
			return 1;
		}
	return 0;
}

/* A random conv that fits the buffers; 0 when this draw does not. */
static int conv_case(ts_conv_params *p)
{
	const int32_t groups = pick(1, 3), group_c = pick(1, 13), per_group = pick(1, 5);

	memset(p, 0, sizeof(*p));
	p->batches = pick(1, 2);
	p->in_h = pick(1, 9);
	p->in_w = pick(1, 9);
	p->in_c = groups * group_c;
	p->out_c = groups * per_group;
	p->depth_multiplier = group_c; /* conv: channels per group */
	p->k_h = pick(1, 4);
	p->k_w = pick(1, 4);
	p->stride_h = pick(1, 3);
	p->stride_w = pick(1, 3);
	p->dil_h = pick(1, 2);
	p->dil_w = pick(1, 2);
	p->pad_h = pick(0, p->k_h - 1);
	p->pad_w = pick(0, p->k_w - 1);
	p->out_h = (p->in_h + 2 * p->pad_h - p->dil_h * (p->k_h - 1) - 1) / p->stride_h + 1;
	p->out_w = (p->in_w + 2 * p->pad_w - p->dil_w * (p->k_w - 1) - 1) / p->stride_w + 1;
	if (p->in_h + 2 * p->pad_h < p->dil_h * (p->k_h - 1) + 1 ||
	    p->in_w + 2 * p->pad_w < p->dil_w * (p->k_w - 1) + 1)
		return 0;
	p->input_offset = pick(-127, 128);
	p->output_offset = pick(-128, 127);
	if ((size_t)p->batches * p->in_h * p->in_w * p->in_c > MAX_IN ||
	    (size_t)p->out_c * p->k_h * p->k_w * group_c > MAX_FILTER ||
	    (size_t)p->batches * p->out_h * p->out_w * p->out_c > MAX_OUT)
		return 0;
	requant_params(p->out_c, &p->act_min, &p->act_max);
	p->out_mult = buf.mult;
	p->out_shift = buf.shift;
	fill(buf.in, MAX_IN);
	fill(buf.filter, MAX_FILTER);
	return 1;
}

static int fc_case(ts_fc_params *p)
{
	memset(p, 0, sizeof(*p));
	p->batches = pick(1, 3);
	p->accum_depth = pick(1, 300);
	p->out_depth = pick(1, MAX_CH);
	p->input_offset = pick(-127, 128);
	p->filter_offset = next() % 4 ? 0 : pick(-127, 128);
	p->output_offset = pick(-128, 127);
	p->per_channel = next() & 1;
	if ((size_t)p->batches * p->accum_depth > MAX_IN ||
	    (size_t)p->out_depth * p->accum_depth > MAX_FILTER)
		return 0;
	requant_params(p->out_depth, &p->act_min, &p->act_max);
	p->out_mult = buf.mult;
	p->out_shift = buf.shift;
	fill(buf.in, MAX_IN);
	fill(buf.filter, MAX_FILTER);
	return 1;
}

static int check_set(const ts_kernel_table *k)
{
	int convs = 0, fcs = 0;

	rng = 0x2545f491u; /* the same cases for every set */
	while (convs < CASES) {
		ts_conv_params p;
		const int32_t *bias;
		size_t n;

		if (!conv_case(&p))
			continue;
		bias = next() % 5 ? buf.bias : NULL;
		n = (size_t)p.batches * p.out_h * p.out_w * p.out_c;
		ts_conv_s8_ref(&p, buf.in, buf.filter, bias, buf.want);
		TS_KERNEL(k, conv_s8)(&p, buf.in, buf.filter, bias, buf.got);
		if (differ(k->name, "conv", convs, n))
			return 1;
		convs++;
	}
	while (fcs < CASES) {
		ts_fc_params p;
		const int32_t *bias;

		if (!fc_case(&p))
			continue;
		bias = next() % 5 ? buf.bias : NULL;
		ts_fc_s8_ref(&p, buf.in, buf.filter, bias, buf.want);
		TS_KERNEL(k, fc_s8)(&p, buf.in, buf.filter, bias, buf.got);
		if (differ(k->name, "fully connected", fcs, (size_t)p.batches * p.out_depth))
			return 1;
		fcs++;
	}
	mcu_puts("kernels ");
	mcu_puts(k->name);
	mcu_puts(": ");
	mcu_putu((uint32_t)convs);
	mcu_puts(" conv and ");
	mcu_putu((uint32_t)fcs);
	mcu_puts(" fully connected cases byte-equal to ref, OK");
	mcu_endl();
	return 0;
}

int main(void)
{
	int failed = 0, ran = 0;
	const char *set;

	/* Every optimized set lib/ has (0 is ref) that this core runs. */
	for (size_t i = 1; (set = ts_kernels_name(i)); i++) {
		if (ts_kernels_check(set, ts_board_cpu_features()) != TS_OK)
			continue;
		failed |= check_set(ts_kernels_find(set));
		ran++;
	}
	if (!ran) {
		mcu_puts("kernels: no optimized set on this core");
		mcu_endl();
	}
	return failed;
}
