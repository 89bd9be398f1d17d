/* SPDX-License-Identifier: MIT */
/*
 * Frame stacker (lib/dsp/frame_stack.c): the window after 1, N, N+1 and 3N
 * frames (and every count up to 3N + 1) against frames kept by the test;
 * a push writes two frames and nothing else; the window is a pointer into
 * the storage that moves one frame per push; pushing many frames at once
 * equals pushing them one by one; micro_speech's 49 x 40; the API contract.
 * Storage comes from malloc at its exact size, so ASan sees any overrun.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tinysense/frame_stack.h>

/* Byte j of frame k: distinct for nearby frames and positions. */
static uint8_t pattern(size_t k, size_t j)
{
	return (uint8_t)(k * 31u + j * 7u + (k >> 8) + 1u);
}

static void make_frame(uint8_t *f, size_t k, size_t frame_bytes)
{
	for (size_t j = 0; j < frame_bytes; j++)
		f[j] = pattern(k, j);
}

/* The window after `pushed` frames (0 .. pushed-1), oldest first. */
static void expect_window(const ts_frame_stack *fs, size_t pushed, size_t n, size_t fb)
{
	const uint8_t *w = ts_frame_stack_window(fs);
	uint8_t *copy = malloc(n * fb);

	assert_non_null(copy);
	if (pushed < n) {
		assert_false(ts_frame_stack_ready(fs));
		assert_null(w);
		assert_int_equal(ts_frame_stack_frames(fs), pushed);
		assert_int_equal(ts_frame_stack_copy(fs, copy, n * fb), TS_ERR_STATE);
		free(copy);
		return;
	}
	assert_true(ts_frame_stack_ready(fs));
	assert_int_equal(ts_frame_stack_frames(fs), n);
	assert_non_null(w);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < fb; j++)
			if (w[i * fb + j] != pattern(pushed - n + i, j))
				fail_msg("after %zu frames: window frame %zu byte %zu is %u, want frame %zu",
					 pushed, i, j, w[i * fb + j], pushed - n + i);
	assert_int_equal(ts_frame_stack_copy(fs, copy, n * fb), TS_OK);
	assert_memory_equal(copy, w, n * fb);
	free(copy);
}

static void check_sizes(size_t n, size_t fb)
{
	const size_t bytes = ts_frame_stack_storage_bytes(fb, n);
	uint8_t *storage = malloc(bytes), *frame = malloc(fb);
	ts_frame_stack fs;

	assert_int_equal(bytes, 2 * n * fb);
	assert_int_equal(TS_FRAME_STACK_STORAGE_BYTES(fb, n), bytes);
	assert_non_null(storage);
	assert_non_null(frame);
	assert_int_equal(ts_frame_stack_init(&fs, storage, bytes, fb, n), TS_OK);
	assert_int_equal(ts_frame_stack_window_bytes(&fs), n * fb);
	expect_window(&fs, 0, n, fb);
	for (size_t k = 0; k <= 3 * n; k++) {
		make_frame(frame, k, fb);
		assert_int_equal(ts_frame_stack_push(&fs, frame), TS_OK);
		expect_window(&fs, k + 1, n, fb);
	}
	free(frame);
	free(storage);
}

static void test_after_1_n_n1_3n(void **state)
{
	(void)state;
	check_sizes(5, 3);
	check_sizes(1, 1);
	check_sizes(1, 17);
	check_sizes(2, 1);
	check_sizes(49, 40);    /* micro_speech */
}

/* The explicit counts the header promises, on micro_speech's shape. */
static void test_micro_speech_shape(void **state)
{
	enum { N = 49, F = 40 };
	uint8_t *storage = malloc(TS_FRAME_STACK_STORAGE_BYTES(F, N));
	int8_t tensor[N * F];
	uint8_t frame[F];
	ts_frame_stack fs;
	size_t pushed = 0;
	static const size_t marks[] = { 1, N, N + 1, 3 * N };

	(void)state;
	assert_non_null(storage);
	assert_int_equal(ts_frame_stack_init(&fs, storage, TS_FRAME_STACK_STORAGE_BYTES(F, N), F, N),
			 TS_OK);
	for (size_t m = 0; m < 4; m++) {
		while (pushed < marks[m]) {
			make_frame(frame, pushed++, F);
			assert_int_equal(ts_frame_stack_push(&fs, frame), TS_OK);
		}
		if (pushed < N) {
			assert_false(ts_frame_stack_ready(&fs));
			assert_int_equal(ts_frame_stack_copy(&fs, tensor, sizeof(tensor)), TS_ERR_STATE);
			continue;
		}
		assert_int_equal(ts_frame_stack_copy(&fs, tensor, sizeof(tensor)), TS_OK);
		for (size_t i = 0; i < N; i++)
			for (size_t j = 0; j < F; j++)
				assert_int_equal((uint8_t)tensor[i * F + j], pattern(pushed - N + i, j));
	}
	free(storage);
}

/* A push writes the two copies of one frame and no other byte, and the
 * window moves by one frame within the storage: nothing is shifted. */
static void test_no_window_copy(void **state)
{
	enum { N = 7, F = 5 };
	const size_t bytes = TS_FRAME_STACK_STORAGE_BYTES(F, N);
	uint8_t *storage = malloc(bytes), *before = malloc(bytes);
	uint8_t frame[F];
	ts_frame_stack fs;

	(void)state;
	assert_non_null(storage);
	assert_non_null(before);
	memset(storage, 0xEE, bytes);
	assert_int_equal(ts_frame_stack_init(&fs, storage, bytes, F, N), TS_OK);
	for (size_t k = 0; k < 4 * N; k++) {
		size_t changed = 0;

		memcpy(before, storage, bytes);
		make_frame(frame, k, F);
		assert_int_equal(ts_frame_stack_push(&fs, frame), TS_OK);
		for (size_t i = 0; i < bytes; i++)
			changed += storage[i] != before[i];
		assert_true(changed <= 2 * F);
		/* slot k mod N and its mirror */
		assert_memory_equal(storage + (k % N) * F, frame, F);
		assert_memory_equal(storage + (k % N + N) * F, frame, F);
		if (k + 1 >= N) {
			const uint8_t *w = ts_frame_stack_window(&fs);

			assert_ptr_equal(w, storage + ((k + 1) % N) * F);
			assert_true(w >= storage && w + N * F <= storage + bytes);
		}
	}
	free(before);
	free(storage);
}

/* push_frames(count) == count single pushes, for chunkings that cross the
 * ring's end and exceed N and 2N. */
static void test_push_frames_chunks(void **state)
{
	enum { N = 6, F = 3, TOTAL = 100 };
	static const struct {
		size_t n, len[6];
	} chunks[] = {
		{ 1, { 1 } }, { 1, { 7 } }, { 1, { 6 } }, { 1, { 13 } },
		{ 5, { 2, 9, 1, 20, 5 } }, { 5, { 0, 3, 0, 40, 1 } },
	};
	const size_t bytes = TS_FRAME_STACK_STORAGE_BYTES(F, N);
	uint8_t *all = malloc(TOTAL * F);
	uint8_t *sa = malloc(bytes), *sb = malloc(bytes);
	ts_frame_stack a, b;

	(void)state;
	assert_non_null(all);
	assert_non_null(sa);
	assert_non_null(sb);
	for (size_t k = 0; k < TOTAL; k++)
		make_frame(all + k * F, k, F);
	for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
		size_t pos = 0, ci = 0;

		assert_int_equal(ts_frame_stack_init(&a, sa, bytes, F, N), TS_OK);
		assert_int_equal(ts_frame_stack_init(&b, sb, bytes, F, N), TS_OK);
		while (pos < TOTAL) {
			size_t len = chunks[c].len[ci++ % chunks[c].n];

			if (len > TOTAL - pos)
				len = TOTAL - pos;
			assert_int_equal(ts_frame_stack_push_frames(&a, all + pos * F, len), TS_OK);
			for (size_t k = 0; k < len; k++)
				assert_int_equal(ts_frame_stack_push(&b, all + (pos + k) * F), TS_OK);
			pos += len;
			assert_int_equal(ts_frame_stack_frames(&a), ts_frame_stack_frames(&b));
			assert_int_equal(ts_frame_stack_ready(&a), ts_frame_stack_ready(&b));
			if (ts_frame_stack_ready(&b)) {
				/* same bytes, same place in the storage */
				assert_memory_equal(ts_frame_stack_window(&a), ts_frame_stack_window(&b),
						    N * F);
				assert_int_equal((const uint8_t *)ts_frame_stack_window(&a) - sa,
						 (const uint8_t *)ts_frame_stack_window(&b) - sb);
				expect_window(&a, pos, N, F);
			}
		}
	}
	/* a NULL pointer is fine for zero frames */
	assert_int_equal(ts_frame_stack_push_frames(&a, NULL, 0), TS_OK);
	free(sb);
	free(sa);
	free(all);
}

static void test_reset(void **state)
{
	enum { N = 4, F = 2 };
	uint8_t storage[TS_FRAME_STACK_STORAGE_BYTES(F, N)], frame[F];
	ts_frame_stack fs;

	(void)state;
	assert_int_equal(ts_frame_stack_init(&fs, storage, sizeof(storage), F, N), TS_OK);
	for (size_t k = 0; k < 6; k++) {
		make_frame(frame, k, F);
		assert_int_equal(ts_frame_stack_push(&fs, frame), TS_OK);
	}
	assert_true(ts_frame_stack_ready(&fs));
	ts_frame_stack_reset(&fs);
	expect_window(&fs, 0, N, F);
	/* afterwards it behaves like a new stack */
	for (size_t k = 0; k < 2 * N; k++) {
		make_frame(frame, k, F);
		assert_int_equal(ts_frame_stack_push(&fs, frame), TS_OK);
		expect_window(&fs, k + 1, N, F);
	}
	ts_frame_stack_reset(NULL);
}

static void test_api_contract(void **state)
{
	uint8_t storage[64], frame[4] = { 1, 2, 3, 4 }, dst[64];
	ts_frame_stack fs;

	(void)state;
	/* sizes */
	assert_int_equal(ts_frame_stack_storage_bytes(0, 5), 0);
	assert_int_equal(ts_frame_stack_storage_bytes(5, 0), 0);
	assert_int_equal(ts_frame_stack_storage_bytes(SIZE_MAX / 2, 2), 0);
	assert_int_equal(ts_frame_stack_storage_bytes(2, SIZE_MAX / 4 + 1), 0);
	assert_int_equal(ts_frame_stack_storage_bytes(2, SIZE_MAX / 4), (SIZE_MAX / 4) * 4);

	/* invalid init leaves the object unusable */
	assert_int_equal(ts_frame_stack_init(NULL, storage, 64, 4, 8), TS_ERR_INVALID_ARG);
	assert_int_equal(ts_frame_stack_init(&fs, storage, 64, 4, 8), TS_OK);
	assert_int_equal(ts_frame_stack_init(&fs, NULL, 64, 4, 8), TS_ERR_INVALID_ARG);
	assert_int_equal(ts_frame_stack_push(&fs, frame), TS_ERR_INVALID_ARG);
	assert_int_equal(ts_frame_stack_init(&fs, storage, 63, 4, 8), TS_ERR_INVALID_ARG);
	assert_int_equal(ts_frame_stack_init(&fs, storage, 64, 0, 8), TS_ERR_INVALID_ARG);
	assert_int_equal(ts_frame_stack_init(&fs, storage, 64, 4, 0), TS_ERR_INVALID_ARG);
	assert_int_equal(ts_frame_stack_init(&fs, storage, SIZE_MAX, SIZE_MAX / 2, 2),
			 TS_ERR_INVALID_ARG);
	assert_int_equal(ts_frame_stack_push(&fs, frame), TS_ERR_INVALID_ARG);
	assert_int_equal(ts_frame_stack_push_frames(&fs, frame, 1), TS_ERR_INVALID_ARG);
	assert_false(ts_frame_stack_ready(&fs));
	assert_null(ts_frame_stack_window(&fs));
	assert_int_equal(ts_frame_stack_frames(&fs), 0);
	assert_int_equal(ts_frame_stack_window_bytes(&fs), 0);
	assert_int_equal(ts_frame_stack_copy(&fs, dst, sizeof(dst)), TS_ERR_INVALID_ARG);
	assert_false(ts_frame_stack_ready(NULL));
	assert_null(ts_frame_stack_window(NULL));

	/* a valid one: NULL frames and short destinations are refused */
	assert_int_equal(ts_frame_stack_init(&fs, storage, 64, 4, 8), TS_OK);
	assert_int_equal(ts_frame_stack_push(&fs, NULL), TS_ERR_INVALID_ARG);
	assert_int_equal(ts_frame_stack_push_frames(&fs, NULL, 2), TS_ERR_INVALID_ARG);
	assert_int_equal(ts_frame_stack_frames(&fs), 0);
	for (int i = 0; i < 8; i++)
		assert_int_equal(ts_frame_stack_push(&fs, frame), TS_OK);
	assert_int_equal(ts_frame_stack_copy(&fs, NULL, 32), TS_ERR_INVALID_ARG);
	assert_int_equal(ts_frame_stack_copy(&fs, dst, 31), TS_ERR_INVALID_ARG);
	assert_int_equal(ts_frame_stack_copy(&fs, dst, 32), TS_OK);
	for (int i = 0; i < 32; i++)
		assert_int_equal(dst[i], frame[i % 4]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_after_1_n_n1_3n),
		cmocka_unit_test(test_micro_speech_shape),
		cmocka_unit_test(test_no_window_copy),
		cmocka_unit_test(test_push_frames_chunks),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_api_contract),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
