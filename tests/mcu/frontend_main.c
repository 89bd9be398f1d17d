/* SPDX-License-Identifier: MIT */
/*
 * Front-end firmware for one recording (mcu_case.h, kind frontend) on a
 * Cortex-M board: the micro_speech audio front-end streams the WAV's
 * samples one feature frame at a time, and every feature byte is compared
 * with the golden file (tests/cross/case_check.c).  Prints
 *
 *   frontend NAME: F frames x B bytes, stack S bytes, digest D, OK
 *
 * and exits 0, or 1 on a mismatch or error.  The front-end's state lives in
 * the board's free RAM, not in .bss.
 *
 * Bench mode (command line "K"): pushes the samples of the first K frames
 * and prints nothing: "K=2" minus "K=1" instructions are one frame.
 */
#include <stddef.h>
#include <stdint.h>

#include <tinysense/tinysense.h>

#include "board.h"
#include "case_check.h"
#include "mcu_case.h"
#include "mcu_out.h"

static int fail(const char *what)
{
	mcu_puts("frontend ");
	mcu_puts(mcu_the_case.name);
	mcu_puts(": FAIL ");
	mcu_puts(what);
	mcu_endl();
	return 1;
}

static int bench(ts_audio_frontend *fe, const int16_t *s, size_t n, long k)
{
	int8_t frame[TS_AUDIO_FRONTEND_MAX_CHANNELS];
	const ts_audio_frontend_config *cfg = ts_audio_frontend_preset("micro_speech");
	size_t want = k > 0 ? cfg->window_samples + (size_t)(k - 1) * cfg->stride_samples : 0;
	size_t got = 0, used;

	if (want > n)
		return fail("recording too short for the frames asked");
	while (want) {
		got += ts_audio_frontend_push(fe, s, want, &used, frame, 1);
		s += used;
		want -= used;
	}
	return got == (size_t)k ? 0 : fail("bench gave a different number of frames");
}

int main(void)
{
	const mcu_case *c = &mcu_the_case;
	int8_t frame[TS_AUDIO_FRONTEND_MAX_CHANNELS];
	size_t free_size, n;
	ts_audio_frontend *fe = ts_board_free_ram(&free_size);
	const int16_t *samples;
	tsc_frontend_result r;
	char unused[2];
	long bench_count = mcu_args(unused, sizeof(unused));

	if (c->kind != MCU_CASE_FRONTEND)
		return fail("not a front-end case");
	if (free_size < sizeof(*fe))
		return fail("no RAM for the front-end state");
	if (tsc_wav_samples(c->model.data, c->model.size, &samples, &n))
		return fail("not a 16 kHz mono s16 wav");
	if (ts_audio_frontend_init(fe, ts_audio_frontend_preset("micro_speech")) != TS_OK)
		return fail("init");
	if (bench_count >= 0)
		return bench(fe, samples, n, bench_count);

	switch (tsc_check_frontend(fe, samples, n, c->output.data, c->output.size, frame, 1, &r)) {
	case TSC_MATCH:
		break;
	case TSC_MISMATCH:
		mcu_puts("frontend ");
		mcu_puts(c->name);
		mcu_puts(": MISMATCH frame ");
		mcu_putu(r.frame);
		mcu_puts(", channel ");
		mcu_putu(r.channel);
		mcu_puts(": got ");
		mcu_puti(r.got);
		mcu_puts(", reference ");
		mcu_puti(r.want);
		mcu_endl();
		return 1;
	default:
		return fail("the golden file's size does not match the recording's frames");
	}
	mcu_puts("frontend ");
	mcu_puts(c->name);
	mcu_puts(": ");
	mcu_putu(r.frames);
	mcu_puts(" frames x ");
	mcu_putu(r.frame_bytes);
	mcu_puts(" bytes, stack ");
	mcu_putu(ts_board_stack_peak());
	mcu_puts(" bytes, digest ");
	mcu_putx(r.digest);
	mcu_puts(", OK");
	mcu_endl();
	return 0;
}
