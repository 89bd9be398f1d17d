/* SPDX-License-Identifier: MIT */
/*
 * Frame stacker: the last N feature frames of a front-end, oldest first,
 * as one contiguous block: the model input (micro_speech: 49 frames of 40
 * int8 values, frame-major).
 *
 * No copy of the window per frame: the storage holds 2N frame slots and
 * every frame is written twice, to slot i and slot i + N, where i cycles
 * through 0 .. N-1.  With s the slot the next frame goes to, slots
 * s .. s + N - 1 hold the last N frames in order: s .. N-1 the older ones,
 * then N .. N + s - 1, the copies of slots 0 .. s - 1, the newer ones.  A
 * push costs two frame copies; the window is always available as a
 * pointer, and reading it copies nothing.
 *
 *   slots (N = 4) after frames a b c d e f:
 *       0 1 2 3 | 4 5 6 7        next slot s = 2
 *       e f c d | e f c d        window = slots 2..5 = c d e f
 *
 * Lifetimes and ownership
 *   - The caller owns the ts_frame_stack object (TS_FRAME_STACK_STATE_BYTES
 *     bytes, 8-byte aligned; private fields) and the storage it passes to
 *     init (ts_frame_stack_storage_bytes() bytes, any alignment), which is
 *     borrowed until the object is no longer used: it is never freed or
 *     reallocated by the library.  Nothing is allocated.  The object refers
 *     to its storage, so a bytewise copy shares it.  Not thread-safe.
 *   - The window pointer stays valid, and its contents unchanged, until the
 *     next push, reset or init.
 */
#ifndef TINYSENSE_FRAME_STACK_H
#define TINYSENSE_FRAME_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TS_FRAME_STACK_STATE_BYTES 32

/* Storage one stack needs: 2 * num_frames * frame_bytes (for constants;
 * the function below also checks for overflow). */
#define TS_FRAME_STACK_STORAGE_BYTES(frame_bytes, num_frames) \
	((size_t)2 * (size_t)(num_frames) * (size_t)(frame_bytes))

/* One frame stack.  The fields are private: use the functions. */
typedef struct ts_frame_stack {
	uint64_t private_[TS_FRAME_STACK_STATE_BYTES / 8];
} ts_frame_stack;

/* Storage bytes for num_frames frames of frame_bytes; 0 when either is 0
 * or the size does not fit in a size_t. */
size_t ts_frame_stack_storage_bytes(size_t frame_bytes, size_t num_frames);

/*
 * Starts an empty stack of num_frames (N) frames of frame_bytes each in
 * storage.  TS_ERR_INVALID_ARG when fs or storage is NULL, a size is 0, N
 * is above UINT32_MAX or storage_bytes is below
 * ts_frame_stack_storage_bytes(); fs is then left unusable.
 */
ts_status ts_frame_stack_init(ts_frame_stack *fs, void *storage, size_t storage_bytes,
			      size_t frame_bytes, size_t num_frames);

/* Empties the stack (not ready until N more frames); keeps the storage. */
void ts_frame_stack_reset(ts_frame_stack *fs);

/*
 * Appends one frame (frame_bytes, copied; it must not point into the
 * storage).  TS_ERR_INVALID_ARG when fs is not initialized or frame is
 * NULL.
 */
ts_status ts_frame_stack_push(ts_frame_stack *fs, const void *frame);

/* Appends count frames stored one after the other, the same as count
 * pushes (only the last N are copied).  NULL frames only with count 0. */
ts_status ts_frame_stack_push_frames(ts_frame_stack *fs, const void *frames, size_t count);

/* Frames held, 0..N; 0 when fs is not initialized. */
size_t ts_frame_stack_frames(const ts_frame_stack *fs);

/* True once N frames have been pushed since init or reset. */
bool ts_frame_stack_ready(const ts_frame_stack *fs);

/* Bytes of the window: N * frame_bytes (0 when fs is not initialized). */
size_t ts_frame_stack_window_bytes(const ts_frame_stack *fs);

/*
 * The last N frames, oldest first, contiguous (window_bytes bytes, inside
 * the storage); NULL until ready.  Valid until the next push, reset or
 * init.
 */
const void *ts_frame_stack_window(const ts_frame_stack *fs);

/*
 * Copies the window into dst (e.g. the model's input tensor; dst_bytes >=
 * window_bytes, not overlapping the storage).  TS_ERR_STATE when not ready
 * yet, TS_ERR_INVALID_ARG when fs is not initialized, dst is NULL or too
 * small.
 */
ts_status ts_frame_stack_copy(const ts_frame_stack *fs, void *dst, size_t dst_bytes);

#ifdef __cplusplus
}
#endif

#endif /* TINYSENSE_FRAME_STACK_H */
