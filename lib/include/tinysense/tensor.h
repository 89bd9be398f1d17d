/* SPDX-License-Identifier: MIT */
/*
 * Tensors of a running interpreter: read-only metadata plus a data pointer.
 *
 * A ts_tensor is owned by its interpreter and lives as long as the arena the
 * interpreter was created in.  Type numbers are TFLite's TensorType values.
 */
#ifndef TINYSENSE_TENSOR_H
#define TINYSENSE_TENSOR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Highest rank any tensor may have. */
#define TS_MAX_DIMS 6

typedef enum ts_type {
	TS_TYPE_FLOAT32 = 0,
	TS_TYPE_FLOAT16 = 1,
	TS_TYPE_INT32 = 2,
	TS_TYPE_UINT8 = 3,
	TS_TYPE_INT64 = 4,
	TS_TYPE_STRING = 5,
	TS_TYPE_BOOL = 6,
	TS_TYPE_INT16 = 7,
	TS_TYPE_COMPLEX64 = 8,
	TS_TYPE_INT8 = 9,
	TS_TYPE_FLOAT64 = 10,
	/* A resource variable's handle (VAR_HANDLE's output): no data. */
	TS_TYPE_RESOURCE = 13,
} ts_type;

typedef struct ts_tensor ts_tensor;

/* Name of a TFLite tensor type ("int8", "float32", ...; "type 42" style
 * names are not produced: unknown values give "unknown"). */
const char *ts_type_name(int32_t type);

/* Bytes per element of a type the runtime can store, 0 for others. */
size_t ts_type_size(int32_t type);

ts_type ts_tensor_type(const ts_tensor *t);
size_t ts_tensor_rank(const ts_tensor *t);
/* Dimension i (0 <= i < rank); 0 when i is out of range. */
int32_t ts_tensor_dim(const ts_tensor *t, size_t i);
size_t ts_tensor_bytes(const ts_tensor *t);
/* Per-tensor quantization (for per-channel tensors: channel 0's values). */
float ts_tensor_scale(const ts_tensor *t);
int32_t ts_tensor_zero_point(const ts_tensor *t);

/*
 * The tensor's bytes.  For inputs: write them before ts_interpreter_invoke().
 * For outputs: valid after invoke until the caller writes the next inputs
 * (activation memory is shared, and an output may reuse an input's bytes
 * once the input is consumed) -- read or copy outputs first.  Inputs are
 * not preserved by invoke.
 */
void *ts_tensor_data(ts_tensor *t);
const void *ts_tensor_data_const(const ts_tensor *t);

#ifdef __cplusplus
}
#endif

#endif /* TINYSENSE_TENSOR_H */
