/* SPDX-License-Identifier: MIT */
/* Frame stacker: a double-length ring of frames (see frame_stack.h). */
#include <string.h>

#include "tinysense/frame_stack.h"

#define FS_MAGIC 0x74734653u   /* "tsFS" */

typedef struct fs_state {
	uint32_t magic;
	uint32_t num_frames;       /* N */
	uint32_t next;             /* slot of the next frame, 0..N-1 */
	uint32_t count;            /* frames held, 0..N */
	size_t frame_bytes;
	uint8_t *slots;            /* 2N frames */
} fs_state;

_Static_assert(sizeof(fs_state) <= sizeof(ts_frame_stack),
	       "TS_FRAME_STACK_STATE_BYTES is too small for fs_state");
_Static_assert(_Alignof(fs_state) <= _Alignof(ts_frame_stack),
	       "ts_frame_stack is not aligned enough for fs_state");

static fs_state *state_of(ts_frame_stack *fs)
{
	fs_state *st = (fs_state *)(void *)fs;

	return st && st->magic == FS_MAGIC ? st : NULL;
}

static const fs_state *const_state_of(const ts_frame_stack *fs)
{
	return state_of((ts_frame_stack *)(uintptr_t)fs);
}

size_t ts_frame_stack_storage_bytes(size_t frame_bytes, size_t num_frames)
{
	if (!frame_bytes || !num_frames || num_frames > SIZE_MAX / 2 / frame_bytes)
		return 0;
	return 2 * num_frames * frame_bytes;
}

ts_status ts_frame_stack_init(ts_frame_stack *fs, void *storage, size_t storage_bytes,
			      size_t frame_bytes, size_t num_frames)
{
	fs_state *st = (fs_state *)(void *)fs;
	const size_t need = ts_frame_stack_storage_bytes(frame_bytes, num_frames);

	if (!fs)
		return TS_ERR_INVALID_ARG;
	st->magic = 0;
	if (!storage || !need || num_frames > UINT32_MAX || storage_bytes < need)
		return TS_ERR_INVALID_ARG;
	st->num_frames = (uint32_t)num_frames;
	st->frame_bytes = frame_bytes;
	st->slots = storage;
	st->next = 0;
	st->count = 0;
	st->magic = FS_MAGIC;
	return TS_OK;
}

void ts_frame_stack_reset(ts_frame_stack *fs)
{
	fs_state *st = state_of(fs);

	if (!st)
		return;
	st->next = 0;
	st->count = 0;
}

static void put(fs_state *st, const uint8_t *frame)
{
	const size_t f = st->frame_bytes;

	memcpy(st->slots + (size_t)st->next * f, frame, f);
	memcpy(st->slots + ((size_t)st->next + st->num_frames) * f, frame, f);
	st->next = st->next + 1 == st->num_frames ? 0 : st->next + 1;
	if (st->count < st->num_frames)
		st->count++;
}

ts_status ts_frame_stack_push(ts_frame_stack *fs, const void *frame)
{
	fs_state *st = state_of(fs);

	if (!st || !frame)
		return TS_ERR_INVALID_ARG;
	put(st, frame);
	return TS_OK;
}

ts_status ts_frame_stack_push_frames(ts_frame_stack *fs, const void *frames, size_t count)
{
	fs_state *st = state_of(fs);
	const uint8_t *p = frames;
	size_t skip;

	if (!st || (!frames && count))
		return TS_ERR_INVALID_ARG;
	/* Frames older than the last N would be overwritten: only advance
	 * past them. */
	skip = count > st->num_frames ? count - st->num_frames : 0;
	st->next = (uint32_t)((st->next + skip % st->num_frames) % st->num_frames);
	if (skip)
		st->count = st->num_frames;
	for (size_t i = skip; i < count; i++)
		put(st, p + i * st->frame_bytes);
	return TS_OK;
}

size_t ts_frame_stack_frames(const ts_frame_stack *fs)
{
	const fs_state *st = const_state_of(fs);

	return st ? st->count : 0;
}

bool ts_frame_stack_ready(const ts_frame_stack *fs)
{
	const fs_state *st = const_state_of(fs);

	return st && st->count == st->num_frames;
}

size_t ts_frame_stack_window_bytes(const ts_frame_stack *fs)
{
	const fs_state *st = const_state_of(fs);

	return st ? (size_t)st->num_frames * st->frame_bytes : 0;
}

const void *ts_frame_stack_window(const ts_frame_stack *fs)
{
	const fs_state *st = const_state_of(fs);

	if (!st || st->count < st->num_frames)
		return NULL;
	return st->slots + (size_t)st->next * st->frame_bytes;
}

ts_status ts_frame_stack_copy(const ts_frame_stack *fs, void *dst, size_t dst_bytes)
{
	const fs_state *st = const_state_of(fs);
	const size_t n = ts_frame_stack_window_bytes(fs);

	if (!st || !dst || dst_bytes < n)
		return TS_ERR_INVALID_ARG;
	if (st->count < st->num_frames)
		return TS_ERR_STATE;
	memcpy(dst, st->slots + (size_t)st->next * st->frame_bytes, n);
	return TS_OK;
}
