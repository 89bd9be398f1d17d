/* SPDX-License-Identifier: MIT */
/*
 * Mel filterbank: energy per FFT bin, triangular mel weighting into
 * num_channels + 1 accumulators, rounding square root.
 *
 * The tables are TFLM's (python/tflite_micro/signal/ops/filter_bank_ops.py,
 * which the micro_speech preprocessor froze): center frequencies and
 * weights are float32 computations, mel(f) = 1127 * log1pf(f / 700), and
 * weights are truncated to Q(bits).  They are replayed here operation by
 * operation in emulated float32 with correctly rounded log1p, so the
 * integer tables come out identical.
 */
#include "audio_frontend_impl.h"
#include "exact_math.h"

#define INDEX_ALIGNMENT 2   /* 4-byte alignment of int16 weights */
#define BLOCK 4             /* channel widths are padded to 4 */

static ts_f32 f32_int(uint64_t v)
{
	return ts_f32_ratio(v, 1);
}

/* mel(f) = 1127 * log1p(f / 700), every step rounded to float32. */
static ts_f32 freq_to_mel(ts_f32 f)
{
	return ts_f32_mul(f32_int(1127), ts_f32_log1p(ts_f32_div(f, f32_int(700))));
}

/* mel of FFT bin k: k * sample_rate / fft_len Hz (exact in float64, then
 * rounded to float32 on its way into freq_to_mel). */
static ts_f32 bin_mel(unsigned k, uint32_t sample_rate, unsigned fft_len)
{
	return freq_to_mel(ts_f32_ratio((uint64_t)k * sample_rate, fft_len));
}

int ts_mel_fb_init(ts_mel_fb *fb, uint32_t sample_rate, unsigned fft_len,
		   unsigned num_channels, uint32_t lower_hz, uint32_t upper_hz,
		   unsigned bits)
{
	const unsigned spectrum = fft_len / 2 + 1;
	ts_f32 center[TS_AF_MAX_CHANNELS + 1];
	uint16_t actual_start[TS_AF_MAX_CHANNELS + 1];
	uint16_t actual_width[TS_AF_MAX_CHANNELS + 1];
	ts_f32 mel_low, mel_high, spacing;
	unsigned start, chan_start, weight_index = 0, end = 0;
	int needs_zeros = 0;

	if (num_channels < 1 || num_channels > TS_AF_MAX_CHANNELS ||
	    lower_hz > upper_hz || fft_len > TS_AF_MAX_FFT || sample_rate == 0)
		return -1;
	fb->num_channels = (uint16_t)num_channels;

	/* num_channels + 1 centers, evenly spaced in mel above mel_low. */
	mel_low = freq_to_mel(f32_int(lower_hz));
	mel_high = freq_to_mel(f32_int(upper_hz));
	spacing = ts_f32_div(ts_f32_sub(mel_high, mel_low), f32_int(num_channels + 1));
	for (unsigned c = 0; c <= num_channels; c++)
		center[c] = ts_f32_add(mel_low, ts_f32_mul(spacing, f32_int(c + 1)));

	/* First bin: round(1 + lower / (sample_rate / fft_len)), half to even. */
	{
		const uint64_t num = (uint64_t)sample_rate + (uint64_t)lower_hz * fft_len;
		const uint64_t q = num / sample_rate, r2 = 2 * (num % sample_rate);

		start = (unsigned)(q + (r2 > sample_rate || (r2 == sample_rate && (q & 1))));
	}

	/* Channel c takes the bins whose mel is above center[c - 1], up to and
	 * including center[c]; its span is aligned and padded for the
	 * accumulation loop.  An empty channel points at one block of zero
	 * weights placed first. */
	chan_start = start;
	for (unsigned c = 0; c <= num_channels; c++) {
		unsigned k = chan_start, width;

		while (k < spectrum && ts_f32_cmp(bin_mel(k, sample_rate, fft_len), center[c]) <= 0)
			k++;
		if (k >= spectrum)
			return -1;
		width = k - chan_start;
		actual_start[c] = (uint16_t)chan_start;
		actual_width[c] = (uint16_t)width;
		if (width == 0) {
			fb->freq_starts[c] = 0;
			fb->weight_starts[c] = 0;
			fb->widths[c] = BLOCK;
			if (!needs_zeros) {
				needs_zeros = 1;
				for (unsigned j = 0; j < c; j++)
					fb->weight_starts[j] += BLOCK;
				weight_index += BLOCK;
			}
		} else {
			const unsigned aligned = chan_start / INDEX_ALIGNMENT * INDEX_ALIGNMENT;
			const unsigned padded = ((chan_start - aligned + width - 1) / BLOCK + 1) * BLOCK;

			fb->freq_starts[c] = (int16_t)aligned;
			fb->weight_starts[c] = (int16_t)weight_index;
			fb->widths[c] = (int16_t)padded;
			weight_index += padded;
		}
		if (weight_index > TS_AF_MAX_WEIGHTS)
			return -1;
		chan_start = k;
	}
	/* Padding may reach past the last bin: keep the reads in range. */
	for (unsigned c = 0; c <= num_channels; c++)
		if ((unsigned)fb->freq_starts[c] + (unsigned)fb->widths[c] > TS_AF_MAX_BINS)
			return -1;
	fb->num_weights = (uint16_t)weight_index;
	for (unsigned i = 0; i < weight_index; i++) {
		fb->weights[i] = 0;
		fb->unweights[i] = 0;
	}

	/* weight = (center[c] - mel(f)) / (center[c] - center[c - 1]) in
	 * float32 (center[-1] = mel_low), truncated; unweight from 1 - weight. */
	for (unsigned c = 0; c <= num_channels; c++) {
		const ts_f32 den = ts_f32_sub(center[c], c ? center[c - 1] : mel_low);
		const unsigned base = (unsigned)fb->weight_starts[c] +
				      actual_start[c] - (unsigned)fb->freq_starts[c];

		for (unsigned j = 0; j < actual_width[c]; j++) {
			const ts_f32 num = ts_f32_sub(center[c],
						      bin_mel(actual_start[c] + j, sample_rate, fft_len));
			const ts_f32 w = ts_f32_div(num, den);

			fb->weights[base + j] = (int16_t)ts_f32_trunc_scaled(w, (int)bits);
			fb->unweights[base + j] = (int16_t)ts_f32_trunc_scaled(
				ts_f32_sub(f32_int(1), w), (int)bits);
		}
		if (actual_start[c] + actual_width[c] > end)
			end = actual_start[c] + actual_width[c];
	}
	fb->start_index = (uint16_t)start;
	fb->end_index = (uint16_t)end;
	return 0;
}

void ts_af_energy(const ts_mel_fb *fb, const ts_cpx16 *spec, size_t n_bins,
		  uint32_t *energy)
{
	for (size_t k = 0; k < n_bins; k++) {
		if (k < fb->start_index || k >= fb->end_index) {
			energy[k] = 0;
			continue;
		}
		/* int32 in the reference, where 2 * 32768^2 wraps; as uint32
		 * the bits are the same. */
		energy[k] = (uint32_t)((int32_t)spec[k].r * spec[k].r) +
			    (uint32_t)((int32_t)spec[k].i * spec[k].i);
	}
}

void ts_mel_fb_accumulate(const ts_mel_fb *fb, const uint32_t *energy,
			  uint64_t *out)
{
	/* Each bin adds weight * e to its channel and unweight * e to the
	 * next; the unweighted sum carries into the next channel. */
	uint64_t carry = 0;

	for (unsigned c = 0; c <= fb->num_channels; c++) {
		const uint32_t *e = energy + fb->freq_starts[c];
		const int16_t *w = fb->weights + fb->weight_starts[c];
		const int16_t *u = fb->unweights + fb->weight_starts[c];
		uint64_t acc = carry, next = 0;

		for (int j = 0; j < fb->widths[c]; j++) {
			acc += (uint64_t)(int64_t)w[j] * e[j];
			next += (uint64_t)(int64_t)u[j] * e[j];
		}
		out[c] = acc;
		carry = next;
	}
}

/* Digit-by-digit square root: floor(sqrt(x)) and remainder x - root^2. */
static uint64_t isqrt64(uint64_t x, uint64_t *rem)
{
	uint64_t root = 0, bit;

	if (!x) {
		*rem = 0;
		return 0;
	}
	/* the highest power of 4 not above x */
	bit = (uint64_t)1 << ((ts_bitlen64(x) - 1) & ~1);
	while (bit) {
		if (x >= root + bit) {
			x -= root + bit;
			root = (root >> 1) + bit;
		} else {
			root >>= 1;
		}
		bit >>= 2;
	}
	*rem = x;
	return root;
}

uint32_t ts_af_sqrt64(uint64_t x)
{
	uint64_t rem, root = isqrt64(x, &rem);
	/* Rounds up when x > root^2 + root, except at the top of the range:
	 * TFLM takes a 32-bit path (results up to 0xFFFF) below 2^32. */
	const uint64_t top = (x >> 32) ? 0xFFFFFFFFu : 0xFFFFu;

	if (rem > root && root != top)
		root++;
	return (uint32_t)root;
}
