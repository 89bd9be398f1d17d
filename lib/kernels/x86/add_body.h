/* SPDX-License-Identifier: MIT */
/* ADD and SUB: TFLite's rescaling lane by lane.
 * Part of kernels_body.h (compiled once per x86 set). */

/* One requantization block with the same data in every lane. */
static void uniform_block(int32_t *q, int32_t mult, int32_t left, int32_t right)
{
	for (int32_t l = 0; l < VL; l++) {
		q[TS_X86_Q_BIAS * VL + l] = 0;
		q[TS_X86_Q_MULT * VL + l] = mult;
		q[TS_X86_Q_LMUL * VL + l] = (int32_t)((uint32_t)1 << left);
		q[TS_X86_Q_RSH * VL + l] = right;
		q[TS_X86_Q_RPOW * VL + l] = (int32_t)((uint32_t)1 << (31 - right));
		q[TS_X86_Q_RMASK * VL + l] = (int32_t)(((uint32_t)1 << right) - 1);
	}
}

static bool add_lanes_ok(int32_t mult, int32_t shift)
{
	return mult >= 0 && shift <= 0 && shift >= -31;
}

/* n elements of ADD / SUB, a and b contiguous: TFLite's rescaling, lane by
 * lane with the same rounding (v_requant with 2^left_shift as lmul). */
static void add_run(const ts_add_params *p, const int32_t *q1, const int32_t *q2,
		    const int32_t *qo, const int8_t *a, const int8_t *b, int8_t *out, size_t n)
{
	const vec off1 = v_set1(p->input1_offset), off2 = v_set1(p->input2_offset);
	const vec voff = v_set1(p->output_offset), vmin = v_set1(p->act_min);
	const vec vmax = v_set1(p->act_max);
	size_t i = 0;

	for (; i + VL <= n; i += VL) {
		const vec s1 = v_requant(v_add(v_load_s8_s32(a + i), off1), q1);
		const vec s2 = v_requant(v_add(v_load_s8_s32(b + i), off2), q2);
		const vec raw = p->subtract ? v_sub(s1, s2) : v_add(s1, s2);

		v_store_s8(out + i, v_min(v_max(v_add(v_requant(raw, qo), voff), vmin), vmax));
	}
	if (i < n) {
		int8_t ta[VL] = { 0 }, tb[VL] = { 0 }, to[VL];

		__builtin_memcpy(ta, a + i, n - i);
		__builtin_memcpy(tb, b + i, n - i);
		add_run(p, q1, q2, qo, ta, tb, to, VL);
		__builtin_memcpy(out + i, to, n - i);
	}
}

void X86_FN(ts_add_s8)(const ts_add_params *p, const int8_t *a, const int8_t *b, int8_t *out)
{
	const ts_bcast_shape *s = &p->shape;
	int32_t q1[TS_X86_Q_FIELDS * VL], q2[TS_X86_Q_FIELDS * VL], qo[TS_X86_Q_FIELDS * VL];
	size_t o = 0;

	if (!add_lanes_ok(p->input1_mult, p->input1_shift) ||
	    !add_lanes_ok(p->input2_mult, p->input2_shift) ||
	    !add_lanes_ok(p->output_mult, p->output_shift) || p->left_shift < 0 ||
	    p->left_shift > 31 || (!s->flat && (s->a_stride[5] != 1 || s->b_stride[5] != 1))) {
		ts_add_s8_ref(p, a, b, out);
		return;
	}
	uniform_block(q1, p->input1_mult, p->left_shift, -p->input1_shift);
	uniform_block(q2, p->input2_mult, p->left_shift, -p->input2_shift);
	uniform_block(qo, p->output_mult, 0, -p->output_shift);
	if (s->flat) {
		add_run(p, q1, q2, qo, a, b, out, s->count);
		return;
	}
	/* Broadcasting: the innermost dimension is contiguous in both. */
	for (int32_t i0 = 0; i0 < s->dims[0]; i0++)
	for (int32_t i1 = 0; i1 < s->dims[1]; i1++)
	for (int32_t i2 = 0; i2 < s->dims[2]; i2++)
	for (int32_t i3 = 0; i3 < s->dims[3]; i3++)
	for (int32_t i4 = 0; i4 < s->dims[4]; i4++) {
		const size_t ab = (size_t)i0 * s->a_stride[0] + (size_t)i1 * s->a_stride[1] +
				  (size_t)i2 * s->a_stride[2] + (size_t)i3 * s->a_stride[3] +
				  (size_t)i4 * s->a_stride[4];
		const size_t bb = (size_t)i0 * s->b_stride[0] + (size_t)i1 * s->b_stride[1] +
				  (size_t)i2 * s->b_stride[2] + (size_t)i3 * s->b_stride[3] +
				  (size_t)i4 * s->b_stride[4];

		add_run(p, q1, q2, qo, a + ab, b + bb, out + o, (size_t)s->dims[5]);
		o += (size_t)s->dims[5];
	}
}
