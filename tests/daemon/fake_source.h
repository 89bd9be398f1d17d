/* SPDX-License-Identifier: MIT */
/*
 * A fake sample source for the daemon's unit tests, built in as
 * `Plugin=fake` (fake_source.c also defines source_builtin(), so a test
 * linking it replaces the daemon's table of built-in sources; `replay`
 * stays available).  Its [Source] keys:
 *
 *   Rate=HZ (1000)  Channels=N (1)
 *   Frames=N        frames in the stream (1000), a ramp: value = frame % 1000
 *   Loop=yes        start over at the end instead of ending
 *   Fail=open|start fail there with -EIO
 *
 * Once started it offers everything that is left in one emit() from a
 * defer source (as fast as the pipeline takes it), keeps what the pipeline
 * did not take, and waits for resume().
 */
#ifndef TS_TEST_FAKE_SOURCE_H
#define TS_TEST_FAKE_SOURCE_H

#include <stdbool.h>
#include <stdint.h>

/* What every fake source did, for the tests to check (one process-wide
 * tally: the tests run one at a time). */
struct fake_tally {
	unsigned opened, start_calls, started, stopped, resumed, closed;
	uint64_t offers;        /* emit() calls */
	uint64_t frames_taken;  /* frames the pipeline took */
	bool waiting;           /* the last offer was not taken whole, no resume yet */
};

extern struct fake_tally fake_tally;

#endif
