/* SPDX-License-Identifier: MIT */
#include "flatbuffer.h"

/* True when [pos, pos + len) lies inside the buffer. */
static bool in_bounds(const ts_fb *fb, uint64_t pos, uint64_t len)
{
	return pos <= fb->size && len <= fb->size - pos;
}

bool ts_fb_init(ts_fb *fb, const void *data, size_t size)
{
	fb->base = data;
	fb->size = 0;
	/* Root offset plus the smallest possible table. */
	if (!data || size < 8 || size > TS_FB_MAX_SIZE)
		return false;
	fb->size = (uint32_t)size;
	return true;
}

bool ts_fb_has_identifier(const ts_fb *fb, const char ident[4])
{
	for (unsigned i = 0; i < 4; i++)
		if (fb->base[4 + i] != (uint8_t)ident[i])
			return false;
	return true;
}

bool ts_fb_table_at(const ts_fb *fb, uint32_t pos, ts_fb_table *out)
{
	int64_t vtable;

	if ((pos & 3) || !in_bounds(fb, pos, 4))
		return false;
	vtable = (int64_t)pos - (int32_t)ts_fb_u32_at(fb, pos);
	if (vtable < 0 || (vtable & 1) || !in_bounds(fb, (uint64_t)vtable, 4))
		return false;
	out->pos = pos;
	out->vtable = (uint32_t)vtable;
	out->vsize = ts_fb_u16_at(fb, out->vtable);
	out->tsize = ts_fb_u16_at(fb, out->vtable + 2);
	if (out->vsize < 4 || (out->vsize & 1) ||
	    !in_bounds(fb, out->vtable, out->vsize))
		return false;
	if (out->tsize < 4 || !in_bounds(fb, pos, out->tsize))
		return false;
	return true;
}

bool ts_fb_table_at_ref(const ts_fb *fb, uint32_t ref_pos, ts_fb_table *out)
{
	uint64_t target;

	if ((ref_pos & 3) || !in_bounds(fb, ref_pos, 4))
		return false;
	target = (uint64_t)ref_pos + ts_fb_u32_at(fb, ref_pos);
	if (target > TS_FB_MAX_SIZE)
		return false;
	return ts_fb_table_at(fb, (uint32_t)target, out);
}

bool ts_fb_root(const ts_fb *fb, ts_fb_table *out)
{
	return ts_fb_table_at_ref(fb, 0, out);
}

ts_fb_res ts_fb_field(const ts_fb *fb, const ts_fb_table *t, unsigned id,
		      uint32_t size, uint32_t *pos)
{
	uint32_t slot = 4 + 2 * (uint32_t)id;
	uint16_t voff;

	(void)fb;
	if (slot + 2 > t->vsize)
		return TS_FB_ABSENT;
	voff = ts_fb_u16_at(fb, t->vtable + slot);
	if (!voff)
		return TS_FB_ABSENT;
	if ((uint32_t)voff + size > t->tsize)
		return TS_FB_BAD;
	*pos = t->pos + voff;
	if (*pos & (size - 1))
		return TS_FB_BAD;
	return TS_FB_OK;
}

ts_fb_res ts_fb_u8(const ts_fb *fb, const ts_fb_table *t, unsigned id,
		   uint8_t def, uint8_t *out)
{
	uint32_t pos;
	ts_fb_res r = ts_fb_field(fb, t, id, 1, &pos);

	*out = r == TS_FB_OK ? fb->base[pos] : def;
	return r;
}

ts_fb_res ts_fb_u32(const ts_fb *fb, const ts_fb_table *t, unsigned id,
		    uint32_t def, uint32_t *out)
{
	uint32_t pos;
	ts_fb_res r = ts_fb_field(fb, t, id, 4, &pos);

	*out = r == TS_FB_OK ? ts_fb_u32_at(fb, pos) : def;
	return r;
}

ts_fb_res ts_fb_i32(const ts_fb *fb, const ts_fb_table *t, unsigned id,
		    int32_t def, int32_t *out)
{
	uint32_t v;
	ts_fb_res r = ts_fb_u32(fb, t, id, (uint32_t)def, &v);

	*out = (int32_t)v;
	return r;
}

ts_fb_res ts_fb_u64(const ts_fb *fb, const ts_fb_table *t, unsigned id,
		    uint64_t def, uint64_t *out)
{
	uint32_t pos;
	ts_fb_res r = ts_fb_field(fb, t, id, 8, &pos);

	*out = r == TS_FB_OK ? ts_fb_u64_at(fb, pos) : def;
	return r;
}

ts_fb_res ts_fb_f32(const ts_fb *fb, const ts_fb_table *t, unsigned id,
		    float def, float *out)
{
	uint32_t pos;
	ts_fb_res r = ts_fb_field(fb, t, id, 4, &pos);

	*out = r == TS_FB_OK ? ts_fb_f32_at(fb, pos) : def;
	return r;
}

/* Follows the uoffset at field id; *target is where it points. */
static ts_fb_res follow(const ts_fb *fb, const ts_fb_table *t, unsigned id,
			uint32_t *target)
{
	uint32_t pos;
	uint64_t dest;
	ts_fb_res r = ts_fb_field(fb, t, id, 4, &pos);

	if (r != TS_FB_OK)
		return r;
	dest = (uint64_t)pos + ts_fb_u32_at(fb, pos);
	if (dest > TS_FB_MAX_SIZE)
		return TS_FB_BAD;
	*target = (uint32_t)dest;
	return TS_FB_OK;
}

ts_fb_res ts_fb_vector(const ts_fb *fb, const ts_fb_table *t, unsigned id,
		       uint32_t elem_size, ts_fb_vec *out)
{
	uint32_t at;
	ts_fb_res r = follow(fb, t, id, &at);

	out->pos = 0;
	out->len = 0;
	if (r != TS_FB_OK)
		return r;
	/* The length is a u32 right before the elements; elements wider than
	 * 4 bytes must be aligned to their size. */
	if ((at & 3) || !in_bounds(fb, at, 4))
		return TS_FB_BAD;
	out->len = ts_fb_u32_at(fb, at);
	out->pos = at + 4;
	if ((elem_size > 4 && (out->pos & (elem_size - 1))) ||
	    !in_bounds(fb, out->pos, (uint64_t)out->len * elem_size)) {
		out->len = 0;
		return TS_FB_BAD;
	}
	return TS_FB_OK;
}

ts_fb_res ts_fb_string(const ts_fb *fb, const ts_fb_table *t, unsigned id,
		       ts_fb_vec *out)
{
	ts_fb_res r = ts_fb_vector(fb, t, id, 1, out);

	if (r != TS_FB_OK)
		return r;
	if (!in_bounds(fb, out->pos, (uint64_t)out->len + 1) ||
	    fb->base[out->pos + out->len] != 0) {
		out->len = 0;
		return TS_FB_BAD;
	}
	return TS_FB_OK;
}

ts_fb_res ts_fb_subtable(const ts_fb *fb, const ts_fb_table *t, unsigned id,
			 ts_fb_table *out)
{
	uint32_t pos;
	ts_fb_res r = ts_fb_field(fb, t, id, 4, &pos);

	if (r != TS_FB_OK)
		return r;
	return ts_fb_table_at_ref(fb, pos, out) ? TS_FB_OK : TS_FB_BAD;
}
