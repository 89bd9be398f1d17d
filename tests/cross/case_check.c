/* SPDX-License-Identifier: MIT */
#include "case_check.h"

#include <string.h>

uint32_t tsc_digest(uint32_t h, const void *bytes, size_t n)
{
	const uint8_t *p = bytes;

	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}

size_t tsc_io_bytes(ts_interpreter *ip, int inputs)
{
	size_t n = inputs ? ts_interpreter_input_count(ip) : ts_interpreter_output_count(ip);
	size_t total = 0;

	for (size_t i = 0; i < n; i++)
		total += ts_tensor_bytes(inputs ? ts_interpreter_input(ip, i) :
					 ts_interpreter_output(ip, i));
	return total;
}

/* Compares one inference's outputs with want; 0 when they match. */
static int compare_outputs(ts_interpreter *ip, const uint8_t *want, tsc_model_result *r)
{
	for (size_t o = 0; o < ts_interpreter_output_count(ip); o++) {
		const ts_tensor *t = ts_interpreter_output(ip, o);
		const uint8_t *got = ts_tensor_data_const(t);
		const size_t bytes = ts_tensor_bytes(t);

		r->digest = tsc_digest(r->digest, got, bytes);
		for (size_t b = 0; b < bytes; b++)
			if (got[b] != want[b]) {
				r->outcome = TSC_MISMATCH;
				r->output = o;
				r->byte = b;
				r->got = (int8_t)got[b];
				r->want = (int8_t)want[b];
				return -1;
			}
		want += bytes;
	}
	return 0;
}

/* Every input set in order, each inference's outputs compared. */
static tsc_outcome run_pass(ts_interpreter *ip, const uint8_t *in, const uint8_t *want,
			    size_t per_out, tsc_model_result *r)
{
	for (size_t k = 0; k < r->count; k++, want += per_out) {
		r->inference = k;
		for (size_t i = 0; i < ts_interpreter_input_count(ip); i++) {
			ts_tensor *t = ts_interpreter_input(ip, i);

			memcpy(ts_tensor_data(t), in, ts_tensor_bytes(t));
			in += ts_tensor_bytes(t);
		}
		if (ts_interpreter_invoke(ip, &r->diag) != TS_OK)
			return r->outcome = TSC_INVOKE_FAILED;
		if (compare_outputs(ip, want, r))
			return r->outcome;
	}
	return r->outcome = TSC_MATCH;
}

tsc_outcome tsc_check_model(ts_interpreter *ip, const uint8_t *in, size_t in_size,
			    const uint8_t *want, size_t want_size, tsc_model_result *r)
{
	const size_t per_in = tsc_io_bytes(ip, 1), per_out = tsc_io_bytes(ip, 0);

	memset(r, 0, sizeof(*r));
	r->digest = TSC_DIGEST_INIT;
	if (!per_in || !per_out || in_size % per_in || want_size != in_size / per_in * per_out)
		return r->outcome = TSC_BAD_SIZES;
	r->count = in_size / per_in;
	r->streaming = ts_interpreter_state_bytes(ip) > 0;
	if (run_pass(ip, in, want, per_out, r) != TSC_MATCH || !r->streaming)
		return r->outcome;
	/* State reset: the same stream gives the same bytes again. */
	ts_interpreter_reset_state(ip);
	r->after_reset = 1;
	return run_pass(ip, in, want, per_out, r);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int tsc_wav_samples(const uint8_t *bytes, size_t size, const int16_t **samples, size_t *n)
{
	size_t pos = 12;

	if (size < 12 || memcmp(bytes, "RIFF", 4) || memcmp(bytes + 8, "WAVE", 4))
		return -1;
	while (pos + 8 <= size) {
		const uint8_t *c = bytes + pos;
		size_t len = le32(c + 4);

		if (memcmp(c, "fmt ", 4) == 0) {
			if (len < 16 || len > size - pos - 8)
				return -1;
			/* PCM, 1 channel, 16000 Hz, 16 bits */
			if (c[8] != 1 || c[9] || c[10] != 1 || c[11] || le32(c + 12) != 16000 ||
			    c[22] != 16 || c[23])
				return -1;
		} else if (memcmp(c, "data", 4) == 0) {
			if (len > size - pos - 8)
				len = size - pos - 8;
			/* Chunks start at even offsets: aligned for int16. */
			*samples = (const int16_t *)(const void *)(c + 8);
			*n = len / 2;
			return 0;
		}
		if (len > size - pos - 8)
			return -1;
		pos += 8 + len + (len & 1);
	}
	return -1;
}

tsc_outcome tsc_check_frontend(ts_audio_frontend *fe, const int16_t *samples, size_t n,
			       const uint8_t *want, size_t want_size, int8_t *buf,
			       size_t cap_frames, tsc_frontend_result *r)
{
	size_t done = 0;

	memset(r, 0, sizeof(*r));
	r->digest = TSC_DIGEST_INIT;
	r->frame_bytes = ts_audio_frontend_frame_bytes(fe);
	r->frames = ts_audio_frontend_frames_for(fe, n);
	if (!r->frame_bytes || !cap_frames || want_size != r->frames * r->frame_bytes)
		return r->outcome = TSC_BAD_SIZES;
	while (n) {
		size_t used, k = ts_audio_frontend_push(fe, samples, n, &used, buf, cap_frames);

		if (!used && !k)
			break; /* cannot happen with room for a frame; never loop forever */
		r->digest = tsc_digest(r->digest, buf, k * r->frame_bytes);
		for (size_t i = 0; i < k * r->frame_bytes; i++) {
			const size_t at = done * r->frame_bytes + i;

			if ((uint8_t)buf[i] != want[at]) {
				r->frame = at / r->frame_bytes;
				r->channel = at % r->frame_bytes;
				r->got = buf[i];
				r->want = (int8_t)want[at];
				return r->outcome = TSC_MISMATCH;
			}
		}
		done += k;
		samples += used;
		n -= used;
	}
	r->pushed = done;
	if (done != r->frames)
		return r->outcome = TSC_BAD_SIZES;
	return r->outcome = TSC_MATCH;
}
