/* SPDX-License-Identifier: MIT */
/*
 * Noise reduction by spectral subtraction (TFLM FilterbankSpectralSubtraction):
 * a per-channel noise estimate, smoothed with a different coefficient on
 * even and odd channels, is subtracted from the signal, leaving at least
 * min_signal_remaining of it.
 */
#include "audio_frontend_impl.h"

void ts_af_noise_reduction(const ts_nr_params *p, const uint32_t *in,
			   uint32_t *noise, uint32_t *out)
{
	for (unsigned i = 0; i < p->num_channels; i++) {
		const uint32_t smoothing = (i & 1) ? p->odd_smoothing : p->even_smoothing;
		const uint32_t one_minus = (i & 1) ? p->odd_one_minus : p->even_one_minus;
		/* wraps like the reference's uint32 */
		const uint32_t signal = in[i] << p->smoothing_bits;
		uint32_t estimate, floor, subtracted;

		noise[i] = (uint32_t)(((uint64_t)signal * smoothing +
				       (uint64_t)noise[i] * one_minus) >> p->subtraction_bits);
		estimate = noise[i];
		if (estimate > signal) {
			estimate = signal;
			if (p->clamping)
				noise[i] = estimate;
		}
		if (!p->subtract) {
			out[i] = in[i];
			continue;
		}
		floor = (uint32_t)(((uint64_t)in[i] * p->min_signal_remaining) >>
				   p->subtraction_bits);
		subtracted = (signal - estimate) >> p->smoothing_bits;
		out[i] = subtracted > floor ? subtracted : floor;
	}
}
