/* SPDX-License-Identifier: MIT */
/*
 * A verifying reader for FlatBuffers binaries.
 *
 * Every accessor checks what it touches against the buffer bounds before
 * reading, so a hostile file can make a call fail but never read outside
 * the buffer.  Positions are byte offsets from the start of the buffer.
 * Reads are little-endian and byte-wise: no alignment is assumed.
 */
#ifndef TS_CORE_FLATBUFFER_H
#define TS_CORE_FLATBUFFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest buffer FlatBuffers can address with 32-bit offsets. */
#define TS_FB_MAX_SIZE 0x7fffffffu

typedef struct ts_fb {
	const uint8_t *base;
	uint32_t size;
} ts_fb;

/* A table whose header and vtable have been verified. */
typedef struct ts_fb_table {
	uint32_t pos;    /* table start (its soffset to the vtable) */
	uint32_t vtable; /* vtable start */
	uint16_t vsize;  /* vtable bytes */
	uint16_t tsize;  /* table inline bytes */
} ts_fb_table;

/* A vector whose length and element storage have been verified. */
typedef struct ts_fb_vec {
	uint32_t pos; /* first element */
	uint32_t len; /* element count */
} ts_fb_vec;

/* Result of looking up a field: absent (use the default), present, or bad. */
typedef enum ts_fb_res {
	TS_FB_BAD = -1,
	TS_FB_ABSENT = 0,
	TS_FB_OK = 1,
} ts_fb_res;

static inline uint16_t ts_fb_u16_at(const ts_fb *fb, uint32_t pos)
{
	return (uint16_t)(fb->base[pos] | (fb->base[pos + 1] << 8));
}

static inline uint32_t ts_fb_u32_at(const ts_fb *fb, uint32_t pos)
{
	return (uint32_t)fb->base[pos] | (uint32_t)fb->base[pos + 1] << 8 |
	       (uint32_t)fb->base[pos + 2] << 16 |
	       (uint32_t)fb->base[pos + 3] << 24;
}

static inline uint64_t ts_fb_u64_at(const ts_fb *fb, uint32_t pos)
{
	return ts_fb_u32_at(fb, pos) |
	       (uint64_t)ts_fb_u32_at(fb, pos + 4) << 32;
}

static inline float ts_fb_f32_at(const ts_fb *fb, uint32_t pos)
{
	union { uint32_t u; float f; } v = { ts_fb_u32_at(fb, pos) };
	return v.f;
}

/* False when the buffer is too small or too large to be a flatbuffer. */
bool ts_fb_init(ts_fb *fb, const void *data, size_t size);

/* The 4-byte file identifier at offset 4 equals ident. */
bool ts_fb_has_identifier(const ts_fb *fb, const char ident[4]);

/* The root table. */
bool ts_fb_root(const ts_fb *fb, ts_fb_table *out);

/* Verifies the table starting at pos. */
bool ts_fb_table_at(const ts_fb *fb, uint32_t pos, ts_fb_table *out);

/* Follows the uoffset stored at ref_pos to a table and verifies it. */
bool ts_fb_table_at_ref(const ts_fb *fb, uint32_t ref_pos, ts_fb_table *out);

/* Position of field id holding `size` bytes aligned to `size`. */
ts_fb_res ts_fb_field(const ts_fb *fb, const ts_fb_table *t, unsigned id,
		      uint32_t size, uint32_t *pos);

/* Scalar fields; on TS_FB_ABSENT *out = def. */
ts_fb_res ts_fb_u8(const ts_fb *fb, const ts_fb_table *t, unsigned id,
		   uint8_t def, uint8_t *out);
ts_fb_res ts_fb_i32(const ts_fb *fb, const ts_fb_table *t, unsigned id,
		    int32_t def, int32_t *out);
ts_fb_res ts_fb_u32(const ts_fb *fb, const ts_fb_table *t, unsigned id,
		    uint32_t def, uint32_t *out);
ts_fb_res ts_fb_u64(const ts_fb *fb, const ts_fb_table *t, unsigned id,
		    uint64_t def, uint64_t *out);
ts_fb_res ts_fb_f32(const ts_fb *fb, const ts_fb_table *t, unsigned id,
		    float def, float *out);

/* A vector field of elements `elem_size` bytes each (also their alignment;
 * use 4 for vectors of offsets).  Absent vectors read as empty. */
ts_fb_res ts_fb_vector(const ts_fb *fb, const ts_fb_table *t, unsigned id,
		       uint32_t elem_size, ts_fb_vec *out);

/* A string field: a byte vector whose terminating NUL is checked. */
ts_fb_res ts_fb_string(const ts_fb *fb, const ts_fb_table *t, unsigned id,
		       ts_fb_vec *out);

/* A table field (a uoffset to a table). */
ts_fb_res ts_fb_subtable(const ts_fb *fb, const ts_fb_table *t, unsigned id,
			 ts_fb_table *out);

/* Element i (< vec->len) of a vector of tables. */
static inline bool ts_fb_vec_table(const ts_fb *fb, const ts_fb_vec *vec,
				   uint32_t i, ts_fb_table *out)
{
	return ts_fb_table_at_ref(fb, vec->pos + 4 * i, out);
}

static inline int32_t ts_fb_vec_i32(const ts_fb *fb, const ts_fb_vec *vec,
				    uint32_t i)
{
	return (int32_t)ts_fb_u32_at(fb, vec->pos + 4 * i);
}

#endif /* TS_CORE_FLATBUFFER_H */
