/* SPDX-License-Identifier: MIT */
/*
 * The compute kernels and their single dispatch point.
 *
 * A kernel is pure math on raw pointers and a params struct that prepare
 * filled once: no tensors, no allocation, no failure.  lib/kernels/ref/ holds
 * the portable reference implementations, which define the results; an
 * optimized set (NEON, x86) provides some of the same functions and must be
 * byte-identical.  A ts_kernel_table names one function per kernel; every
 * kernel entry of every table is non-NULL (sets fall back to ref).
 *
 * The set is chosen before the model is prepared (ts_interpreter_create_with),
 * so a set may also prepare conv, depthwise and fully connected nodes its own
 * way: its *_prepare hook copies the generic params into a larger struct of
 * its own that begins with them (ts_conv_params / ts_fc_params as the first
 * member), adding whatever it precomputes once (packed weights, filter sums
 * folded into the bias), and returns it; the op stores that pointer and eval
 * hands it to the set's kernel, which casts it back.  Hooks take persistent
 * memory from the arena only for their own set, so "ref" needs no more arena
 * than it always did.
 */
#ifndef TS_KERNELS_KERNELS_H
#define TS_KERNELS_KERNELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Shared by CONV_2D and DEPTHWISE_CONV_2D (NHWC, filter OHWI / 1HWC). */
typedef struct ts_conv_params {
	int32_t batches;
	int32_t in_h, in_w, in_c;
	int32_t out_h, out_w, out_c;
	int32_t k_h, k_w;
	int32_t stride_h, stride_w;
	int32_t dil_h, dil_w;
	int32_t pad_h, pad_w;        /* top/left padding */
	int32_t depth_multiplier;    /* depthwise only */
	int32_t input_offset;        /* -input zero point */
	int32_t output_offset;       /* output zero point */
	int32_t act_min, act_max;
	const int32_t *out_mult;     /* per output channel */
	const int32_t *out_shift;
} ts_conv_params;

/* FULLY_CONNECTED: out[b][o] = sum_i (in[b][i] + input_offset) *
 * (w[o][i] + filter_offset) + bias[o], requantized per tensor or per channel. */
typedef struct ts_fc_params {
	int32_t batches;
	int32_t accum_depth;
	int32_t out_depth;
	int32_t input_offset;
	int32_t filter_offset;
	int32_t output_offset;
	int32_t act_min, act_max;
	const int32_t *out_mult;     /* out_depth entries, or 1 when !per_channel */
	const int32_t *out_shift;
	bool per_channel;
} ts_fc_params;

/* AVERAGE_POOL_2D and MAX_POOL_2D (NHWC, int8, same quantization in/out). */
typedef struct ts_pool_params {
	int32_t batches;
	int32_t in_h, in_w, depth;
	int32_t out_h, out_w;
	int32_t filter_h, filter_w;
	int32_t stride_h, stride_w;
	int32_t pad_h, pad_w;
	int32_t act_min, act_max;
} ts_pool_params;

/* Broadcasting element-wise binary ops over up to 6 dims: element
 * (i0..i5) of the output reads a at sum(i_k * a_stride[k]) and b likewise;
 * a broadcast dimension has stride 0.  Dims are outermost first. */
#define TS_BCAST_DIMS 6
typedef struct ts_bcast_shape {
	int32_t dims[TS_BCAST_DIMS];
	int32_t a_stride[TS_BCAST_DIMS];
	int32_t b_stride[TS_BCAST_DIMS];
	bool flat;                   /* same shapes: a plain loop over count */
	uint32_t count;
} ts_bcast_shape;

/* ADD and SUB (int8), TFLite's left-shift-by-20 rescaling scheme. */
typedef struct ts_add_params {
	ts_bcast_shape shape;
	int32_t input1_offset, input2_offset, output_offset;
	int32_t input1_mult, input2_mult, output_mult;
	int32_t input1_shift, input2_shift, output_shift;
	int32_t left_shift;
	int32_t act_min, act_max;
	bool subtract;
} ts_add_params;

/* Defined by their ops' kernel headers. */
struct ts_softmax_params;
struct ts_mul_params;
struct ts_mean_params;
struct ts_arena;

/*
 * A set's prepare hook for conv_s8 / dwconv_s8 (and fc_s8 below): returns
 * the params its kernel will be given, a struct of its own that starts with
 * a copy of *p, taken from the arena; NULL when the arena is full (short_by
 * is then set).  filter and bias are the node's constant data; filter is
 * NULL when the filter or the bias is not constant in the model, and bias
 * is NULL when the node has none.  The kernel still receives the tensors'
 * data at eval and must handle every case the reference does.
 */
typedef void *(*ts_conv_prepare_fn)(struct ts_arena *a, const ts_conv_params *p,
				    const int8_t *filter, const int32_t *bias);
typedef void *(*ts_fc_prepare_fn)(struct ts_arena *a, const ts_fc_params *p,
				  const int8_t *filter, const int32_t *bias);

typedef struct ts_kernel_table {
	const char *name;
	uint32_t cpu_needs; /* TS_CPU_* bits (tinysense/kernels.h) it needs */
	/* NULL: the kernel takes the generic params as they are. */
	ts_conv_prepare_fn conv_s8_prepare;
	ts_conv_prepare_fn dwconv_s8_prepare;
	ts_fc_prepare_fn fc_s8_prepare;
	void (*conv_s8)(const ts_conv_params *p, const int8_t *in,
			const int8_t *filter, const int32_t *bias, int8_t *out);
	void (*dwconv_s8)(const ts_conv_params *p, const int8_t *in,
			  const int8_t *filter, const int32_t *bias, int8_t *out);
	void (*fc_s8)(const ts_fc_params *p, const int8_t *in,
		      const int8_t *filter, const int32_t *bias, int8_t *out);
	void (*avgpool_s8)(const ts_pool_params *p, const int8_t *in, int8_t *out);
	void (*maxpool_s8)(const ts_pool_params *p, const int8_t *in, int8_t *out);
	void (*add_s8)(const ts_add_params *p, const int8_t *a, const int8_t *b,
		       int8_t *out);
	void (*mul_s8)(const struct ts_mul_params *p, const int8_t *a,
		       const int8_t *b, int8_t *out);
	void (*softmax_s8)(const struct ts_softmax_params *p, const int8_t *in,
			   int8_t *out);
	void (*mean_s8)(const struct ts_mean_params *p, const int8_t *in,
			int8_t *out);
	/* out[i] = lut[in[i] + 128]: every int8 -> int8 element-wise op
	 * (activations, requantization) precomputes its table at prepare. */
	void (*lut_s8)(const int8_t *lut, const int8_t *in, int8_t *out,
		       uint32_t n);
} ts_kernel_table;

/* The reference set. */
extern const ts_kernel_table ts_kernels_ref;
/* Optimized sets, each defined only where its architecture is compiled. */
extern const ts_kernel_table ts_kernels_sse41;
extern const ts_kernel_table ts_kernels_avx2;
extern const ts_kernel_table ts_kernels_avx512vnni;
extern const ts_kernel_table ts_kernels_avxvnni;
extern const ts_kernel_table ts_kernels_neon;
extern const ts_kernel_table ts_kernels_dotprod;

/* A set of this build by name, NULL when unknown (whatever the CPU). */
const ts_kernel_table *ts_kernels_find(const char *name);

/* Reference kernels (lib/kernels/ref/). */
void ts_conv_s8_ref(const ts_conv_params *p, const int8_t *in,
		    const int8_t *filter, const int32_t *bias, int8_t *out);
void ts_dwconv_s8_ref(const ts_conv_params *p, const int8_t *in,
		      const int8_t *filter, const int32_t *bias, int8_t *out);
void ts_fc_s8_ref(const ts_fc_params *p, const int8_t *in,
		  const int8_t *filter, const int32_t *bias, int8_t *out);
void ts_avgpool_s8_ref(const ts_pool_params *p, const int8_t *in, int8_t *out);
void ts_maxpool_s8_ref(const ts_pool_params *p, const int8_t *in, int8_t *out);
void ts_add_s8_ref(const ts_add_params *p, const int8_t *a, const int8_t *b,
		   int8_t *out);
void ts_mul_s8_ref(const struct ts_mul_params *p, const int8_t *a,
		   const int8_t *b, int8_t *out);
void ts_softmax_s8_ref(const struct ts_softmax_params *p, const int8_t *in,
		       int8_t *out);
void ts_mean_s8_ref(const struct ts_mean_params *p, const int8_t *in,
		    int8_t *out);
void ts_lut_s8_ref(const int8_t *lut, const int8_t *in, int8_t *out, uint32_t n);

/* Broadcast shape for two tensors of an element-wise op whose output has
 * out_dims (rank <= 6); false unless out_dims is exactly the broadcast
 * shape of the two (numpy rules). */
bool ts_bcast_shape_init(ts_bcast_shape *s, const int32_t *a_dims,
			 unsigned a_rank, const int32_t *b_dims,
			 unsigned b_rank, const int32_t *out_dims,
			 unsigned out_rank);

#endif /* TS_KERNELS_KERNELS_H */
