/*
 * tflite_builder.h - build TensorFlow Lite flatbuffer models (.tflite,
 * schema v3, file identifier "TFL3") in memory, for unit tests.
 *
 * Test-only code.  C99, no globals, no dependencies beyond libc.
 *
 * Typical use:
 *
 *     tb_builder *b = tb_create();
 *     int32_t shape[2] = { 1, 4 };
 *     tb_tensor t = { 0 };
 *     t.type = TB_TYPE_INT8; t.shape = shape; t.rank = 2; t.name = "in";
 *     int in = tb_add_tensor(b, &t);
 *     ...
 *     int fc = tb_add_opcode(b, 9, 1);              (FULLY_CONNECTED, v1)
 *     tb_field opts[] = { TB_FIELD_I8(0, 1) };      (fused_activation = RELU)
 *     tb_operator op = { 0 };
 *     op.opcode_index = (uint32_t)fc;
 *     op.inputs = ins; op.num_inputs = 3; op.outputs = outs; op.num_outputs = 1;
 *     op.options_type = 8; op.options = opts; op.num_options = 1;
 *     tb_add_operator(b, &op);
 *     tb_set_inputs(b, &in, 1); tb_set_outputs(b, &out, 1);
 *     uint8_t *model; size_t size;
 *     if (tb_finish(b, &model, &size) == TB_OK) { ...; free(model); }
 *     tb_free(b);
 *
 * Ownership: every function copies what it is given, so arrays and strings
 * passed in may be temporaries.  tb_free() releases the builder and all its
 * copies in one call.  tb_finish() returns a fresh malloc() buffer that the
 * caller releases with free(); the builder stays usable (it may be changed and
 * finished again, and tb_pos() describes the most recent output).  The output
 * starts at a malloc() address, i.e. it is aligned to at least 16 bytes on the
 * usual 64-bit targets; all alignment below is relative to its first byte.
 *
 * Errors: functions return a negative TB_ERR_* code on failure (and then leave
 * the builder logically unchanged); "add" functions return the new, 0-based
 * index on success, the others TB_OK.
 *
 * Nothing is validated against TFLite semantics: values (buffer and tensor
 * indices, -1 optional inputs, negative or huge dims, unknown tensor types,
 * wrong options union types, wrong option fields, ...) are written exactly as
 * given, so tests can make malformed-but-parsable models.  Only things that
 * cannot be encoded at all (NULL array with a non-zero count, duplicate field
 * ids in one table, an output above 2 GiB, ...) are refused with TB_ERR_ARG or
 * TB_ERR_TOO_BIG.
 *
 * Encoding details (what is written, with schema field ids):
 *   root: u32 offset to Model at byte 0, "TFL3" at bytes 4..7.
 *   Model:     version(0) u32 [default 3], operator_codes(1), subgraphs(2),
 *              description(3) [only if set], buffers(4),
 *              metadata(6) [only if tb_add_metadata() was used].
 *   OperatorCode: deprecated_builtin_code(0) i8, custom_code(1) [only if
 *              given], version(2) i32, builtin_code(3) i32.
 *   SubGraph:  tensors(0), inputs(1) [only if tb_set_inputs() was called],
 *              outputs(2) [likewise], operators(3), name(4) [only if set].
 *   Tensor:    shape(0) [unless omit_shape], type(1) i8, buffer(2) u32,
 *              name(3) [if non-NULL], quantization(4) [if quant non-NULL],
 *              then any caller "extra" fields (e.g. is_variable(5) bool,
 *              shape_signature(7) [int], has_rank(8) bool).
 *   QuantizationParameters: min(0), max(1), scale(2) [float], zero_point(3)
 *              [long] - each only if its pointer is non-NULL - and
 *              quantized_dimension(6) i32 (always).
 *   Operator:  opcode_index(0) u32, inputs(1), outputs(2) (always, maybe
 *              empty), builtin_options_type(3) u8, builtin_options(4) (see
 *              tb_operator), then "extra" fields (e.g. custom_options(5)
 *              [ubyte], custom_options_format(6) i8, intermediates(8) [int]).
 *   Buffer:    data(0) [ubyte] with the element bytes 16-byte aligned, or
 *              offset(1) u64 + size(2) u64 for external/appended buffers.
 *              Buffer 0 is the empty sentinel (no fields), created by
 *              tb_create().
 *   Metadata:  name(0), buffer(1) u32.
 * Scalar fields are always written when listed above, even if they equal the
 * schema default ("force defaults"), so their positions always exist.
 *
 * Layout: children follow their parent (all uoffsets point forward); each
 * table's vtable is written immediately before the table (positive soffset);
 * scalars are naturally aligned, [long] vectors 8-aligned, buffer data
 * 16-aligned.  Order: root, Model (+ description), operator codes,
 * subgraphs (each: SubGraph + inputs/outputs/name, tensors vector, each
 * tensor + its shape/name/extras then its quantization, operators vector,
 * each operator + its vectors/options), metadata, buffers (+ data), then the
 * bytes of appended buffers.  Use tb_pos() rather than relying on this.
 *
 * Corruption: after tb_finish(), tb_pos() gives the byte position of the
 * interesting things in that output, and tb_field_pos()/tb_vtable_pos()/
 * tb_deref() walk any table.  Handy targets for corruption tests:
 *   - TB_POS_ROOT (u32 root offset), TB_POS_FILE_ID ("TFL3"),
 *   - the u32 length field of any vector/string (TB_POS_*_VEC, names):
 *     make it huge to point past the end of the file,
 *   - a table's soffset (TB_POS_MODEL/TENSOR/...: i32 at the table start) or
 *     its vtable (tb_vtable_pos(): u16 vtable size, u16 table size, u16 field
 *     offsets),
 *   - a uoffset field (tb_field_pos(table, id) gives the u32 to overwrite),
 *   - a scalar field (tb_field_pos(tensor, 2) = the tensor's buffer index),
 *   - truncation: pass a smaller size than tb_finish() returned.
 */
#ifndef TINYSENSE_TESTS_TFLITE_BUILDER_H
#define TINYSENSE_TESTS_TFLITE_BUILDER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- status codes ------------------------------------------------------ */
enum {
    TB_OK = 0,
    TB_ERR_NOMEM = -1,    /* malloc/realloc failed */
    TB_ERR_ARG = -2,      /* misuse: NULL builder, NULL array with count>0,
                             bad field kind/id, duplicate field id, no such
                             subgraph/buffer index, ... */
    TB_ERR_TOO_BIG = -3,  /* output would exceed 2^31-1 bytes, or a count
                             exceeds INT_MAX */
    TB_ERR_INTERNAL = -4  /* bug in the builder */
};
const char *tb_strerror(int status);

/* ---- a few schema constants (others: use the schema numbers directly) --- */
enum {                         /* TensorType (byte) */
    TB_TYPE_FLOAT32 = 0, TB_TYPE_FLOAT16 = 1, TB_TYPE_INT32 = 2,
    TB_TYPE_UINT8 = 3, TB_TYPE_INT64 = 4, TB_TYPE_STRING = 5,
    TB_TYPE_BOOL = 6, TB_TYPE_INT16 = 7, TB_TYPE_INT8 = 9,
    TB_TYPE_FLOAT64 = 10, TB_TYPE_UINT32 = 15, TB_TYPE_UINT16 = 16,
    TB_TYPE_INT4 = 17
};
enum {                         /* ActivationFunctionType (byte) */
    TB_ACT_NONE = 0, TB_ACT_RELU = 1, TB_ACT_RELU_N1_TO_1 = 2,
    TB_ACT_RELU6 = 3, TB_ACT_TANH = 4
};
enum { TB_PAD_SAME = 0, TB_PAD_VALID = 1 };   /* Padding (byte) */

/* ---- generic table fields (builtin options, extra fields) -------------- */
enum {
    TB_KIND_BOOL = 1, TB_KIND_I8, TB_KIND_U8, TB_KIND_I16, TB_KIND_U16,
    TB_KIND_I32, TB_KIND_U32, TB_KIND_I64, TB_KIND_U64,  /* value in .i   */
    TB_KIND_F32, TB_KIND_F64,                           /* value in .f   */
    TB_KIND_STRING,   /* .ptr = NUL-terminated char string                 */
    TB_KIND_VEC_U8,   /* .ptr = uint8_t[count]   ([ubyte], [bool], [byte]) */
    TB_KIND_VEC_I32,  /* .ptr = int32_t[count]   ([int])                   */
    TB_KIND_VEC_I64,  /* .ptr = int64_t[count]   ([long]), 8-aligned       */
    TB_KIND_VEC_F32,  /* .ptr = float[count]     ([float])                 */
    TB_KIND_TABLE     /* .ptr = tb_field[count]  (nested sub-table)        */
};
#define TB_MAX_FIELD_ID 1023   /* ids above are refused (TB_ERR_ARG)        */
#define TB_MAX_TABLE_DEPTH 16  /* nesting limit for TB_KIND_TABLE           */

/* One field of a table.  `id` is the schema field id (declaration order,
 * a union takes two ids: <name>_type then <name>).  Integers are truncated
 * to the field width (two's complement); F32 values must be representable
 * as float.  A vector with count 0 may have ptr NULL and is written as an
 * empty vector; to leave a field absent, just do not list it. */
typedef struct tb_field {
    uint16_t id;
    int kind;          /* TB_KIND_* */
    int64_t i;
    double f;
    const void *ptr;
    size_t count;
} tb_field;

#define TB_FIELD_BOOL(id, v) { (uint16_t)(id), TB_KIND_BOOL, (int64_t)(v), 0.0, NULL, 0 }
#define TB_FIELD_I8(id, v)   { (uint16_t)(id), TB_KIND_I8,   (int64_t)(v), 0.0, NULL, 0 }
#define TB_FIELD_U8(id, v)   { (uint16_t)(id), TB_KIND_U8,   (int64_t)(v), 0.0, NULL, 0 }
#define TB_FIELD_I16(id, v)  { (uint16_t)(id), TB_KIND_I16,  (int64_t)(v), 0.0, NULL, 0 }
#define TB_FIELD_U16(id, v)  { (uint16_t)(id), TB_KIND_U16,  (int64_t)(v), 0.0, NULL, 0 }
#define TB_FIELD_I32(id, v)  { (uint16_t)(id), TB_KIND_I32,  (int64_t)(v), 0.0, NULL, 0 }
#define TB_FIELD_U32(id, v)  { (uint16_t)(id), TB_KIND_U32,  (int64_t)(v), 0.0, NULL, 0 }
#define TB_FIELD_I64(id, v)  { (uint16_t)(id), TB_KIND_I64,  (int64_t)(v), 0.0, NULL, 0 }
#define TB_FIELD_U64(id, v)  { (uint16_t)(id), TB_KIND_U64,  (int64_t)(v), 0.0, NULL, 0 }
#define TB_FIELD_F32(id, v)  { (uint16_t)(id), TB_KIND_F32,  0, (double)(v), NULL, 0 }
#define TB_FIELD_F64(id, v)  { (uint16_t)(id), TB_KIND_F64,  0, (double)(v), NULL, 0 }
#define TB_FIELD_STRING(id, s)       { (uint16_t)(id), TB_KIND_STRING,  0, 0.0, (s), 0 }
#define TB_FIELD_VEC_U8(id, p, n)    { (uint16_t)(id), TB_KIND_VEC_U8,  0, 0.0, (p), (n) }
#define TB_FIELD_VEC_I32(id, p, n)   { (uint16_t)(id), TB_KIND_VEC_I32, 0, 0.0, (p), (n) }
#define TB_FIELD_VEC_I64(id, p, n)   { (uint16_t)(id), TB_KIND_VEC_I64, 0, 0.0, (p), (n) }
#define TB_FIELD_VEC_F32(id, p, n)   { (uint16_t)(id), TB_KIND_VEC_F32, 0, 0.0, (p), (n) }
#define TB_FIELD_TABLE(id, p, n)     { (uint16_t)(id), TB_KIND_TABLE,   0, 0.0, (p), (n) }

/* ---- descriptions of tensors and operators ----------------------------- */
typedef struct tb_quant {
    const float *scale;          size_t num_scale;       /* NULL: absent */
    const int64_t *zero_point;   size_t num_zero_point;  /* NULL: absent */
    int32_t quantized_dimension;                         /* always written */
    const float *min;            size_t num_min;         /* NULL: absent */
    const float *max;            size_t num_max;         /* NULL: absent */
} tb_quant;

typedef struct tb_tensor {
    int type;                  /* TensorType; low byte written */
    const int32_t *shape;      /* rank elements (NULL allowed if rank 0) */
    size_t rank;
    int omit_shape;            /* non-zero: no shape field at all */
    uint32_t buffer;           /* index into Model.buffers (0 = none) */
    const char *name;          /* NULL: no name field */
    const tb_quant *quant;     /* NULL: no quantization table */
    const tb_field *extra;     /* more Tensor fields, ids must not be 0..4 */
    size_t num_extra;
} tb_tensor;

/* options_flags */
#define TB_OPTS_OMIT_TYPE  1   /* don't write builtin_options_type        */
#define TB_OPTS_OMIT_TABLE 2   /* don't write the builtin_options table   */
#define TB_OPTS_FORCE_TYPE 4   /* write builtin_options_type even if 0    */

/* builtin_options_type(3) is written iff options_type != 0 (or FORCE_TYPE);
 * the builtin_options(4) table (holding exactly the `options` fields, empty
 * if none) is written iff options_type != 0 or num_options > 0; the flags
 * override both.  So {type 8, no options} gives an empty table (all schema
 * defaults), {type 0, options} gives a table without a type, etc. */
typedef struct tb_operator {
    uint32_t opcode_index;
    const int32_t *inputs;     size_t num_inputs;   /* -1 = optional input */
    const int32_t *outputs;    size_t num_outputs;
    uint8_t options_type;      /* BuiltinOptions union type, 0 = NONE */
    const tb_field *options;   size_t num_options;
    int options_flags;         /* TB_OPTS_* */
    const tb_field *extra;     /* more Operator fields, ids must not be 0..4 */
    size_t num_extra;
} tb_operator;

/* ---- builder ------------------------------------------------------------ */
typedef struct tb_builder tb_builder;

/* New builder with buffer 0 (empty sentinel) and subgraph 0 (current). */
tb_builder *tb_create(void);        /* NULL on malloc failure */
void tb_free(tb_builder *b);        /* frees everything; NULL is a no-op */

int tb_set_version(tb_builder *b, uint32_t version);   /* default 3 */
int tb_set_description(tb_builder *b, const char *s);  /* NULL: absent */

/* Buffers.  Return the buffer index.
 * tb_add_buffer: data field with len bytes; data NULL and len > 0 gives len
 *   zero bytes; data NULL and len 0 gives a Buffer without a data field.
 * tb_add_external_buffer: Buffer{offset, size} with the values as given.
 * tb_add_appended_buffer: Buffer{offset, size} whose bytes are appended after
 *   the flatbuffer (16-aligned) with offset = their position in the output,
 *   as the converter does for models above 2 GiB.
 * tb_set_buffer: replace buffer `index` (also 0) as tb_add_buffer would. */
int tb_add_buffer(tb_builder *b, const void *data, size_t len);
int tb_add_external_buffer(tb_builder *b, uint64_t offset, uint64_t size);
int tb_add_appended_buffer(tb_builder *b, const void *data, size_t len);
int tb_set_buffer(tb_builder *b, uint32_t index, const void *data, size_t len);

/* Operator codes.  Return the opcode index.
 * tb_add_opcode writes deprecated_builtin_code = min(code, 127) (like the
 * converter; PLACEHOLDER_FOR_GREATER_OP_CODES = 127) and builtin_code = code.
 * tb_add_opcode_raw writes both codes as given, plus custom_code if
 * non-NULL (a custom op uses code 32 = CUSTOM). */
int tb_add_opcode(tb_builder *b, int32_t builtin_code, int32_t version);
int tb_add_opcode_raw(tb_builder *b, int8_t deprecated_builtin_code,
                      int32_t builtin_code, int32_t version,
                      const char *custom_code);

/* Model.metadata entry {name, buffer}.  Returns its index. */
int tb_add_metadata(tb_builder *b, const char *name, uint32_t buffer);

/* Subgraphs.  Subgraph 0 exists from the start.  tb_add_subgraph appends an
 * empty one, makes it current and returns its index; tb_select_subgraph makes
 * an existing one current.  Tensors, operators, inputs/outputs and the name
 * always apply to the current subgraph. */
int tb_add_subgraph(tb_builder *b);
int tb_select_subgraph(tb_builder *b, int index);
int tb_set_subgraph_name(tb_builder *b, const char *name);   /* NULL: absent */

int tb_add_tensor(tb_builder *b, const tb_tensor *t);        /* -> index */
int tb_add_operator(tb_builder *b, const tb_operator *op);   /* -> index */
/* Replace the subgraph's inputs/outputs vector (never called: absent;
 * n == 0: empty vector). */
int tb_set_inputs(tb_builder *b, const int32_t *tensors, size_t n);
int tb_set_outputs(tb_builder *b, const int32_t *tensors, size_t n);

/* Serialize.  *out receives a malloc()ed buffer (free() it), *out_size its
 * size.  On error *out = NULL, *out_size = 0. */
int tb_finish(tb_builder *b, uint8_t **out, size_t *out_size);

/* ---- positions in the last tb_finish() output --------------------------- */
typedef enum tb_pos_kind {
    /* model level (sg, index ignored) */
    TB_POS_ROOT,              /* u32 root offset (always 0)               */
    TB_POS_FILE_ID,           /* "TFL3" (always 4)                        */
    TB_POS_MODEL,             /* Model table                              */
    TB_POS_OPCODES_VEC,       /* Model.operator_codes length field        */
    TB_POS_SUBGRAPHS_VEC,     /* Model.subgraphs length field             */
    TB_POS_DESCRIPTION,       /* Model.description length field           */
    TB_POS_BUFFERS_VEC,       /* Model.buffers length field               */
    TB_POS_METADATA_VEC,      /* Model.metadata length field              */
    /* per model-level item (index used, sg ignored) */
    TB_POS_OPCODE,            /* OperatorCode table                       */
    TB_POS_METADATA,          /* Metadata table                           */
    TB_POS_BUFFER,            /* Buffer table                             */
    TB_POS_BUFFER_DATA,       /* Buffer.data length field (bytes at +4)   */
    TB_POS_BUFFER_APPENDED,   /* first appended byte of an appended buffer */
    /* per subgraph (sg used, index ignored) */
    TB_POS_SUBGRAPH,          /* SubGraph table                           */
    TB_POS_SG_TENSORS_VEC,
    TB_POS_SG_INPUTS_VEC,
    TB_POS_SG_OUTPUTS_VEC,
    TB_POS_SG_OPERATORS_VEC,
    TB_POS_SG_NAME,
    /* per tensor (sg, index) */
    TB_POS_TENSOR,            /* Tensor table                             */
    TB_POS_TENSOR_SHAPE_VEC,
    TB_POS_TENSOR_NAME,
    TB_POS_TENSOR_QUANT,      /* QuantizationParameters table             */
    TB_POS_QUANT_SCALE_VEC,
    TB_POS_QUANT_ZERO_POINT_VEC,
    /* per operator (sg, index) */
    TB_POS_OPERATOR,          /* Operator table                           */
    TB_POS_OP_INPUTS_VEC,
    TB_POS_OP_OUTPUTS_VEC,
    TB_POS_OP_OPTIONS         /* builtin_options table                    */
} tb_pos_kind;

/* Byte position of `kind` in the last output, or -1 if nothing was finished
 * yet, the index is out of range, or that thing is absent.  Vector and string
 * positions are those of their u32 length field (elements follow at +4);
 * table positions are those of the table's i32 soffset. */
long tb_pos(const tb_builder *b, tb_pos_kind kind, int sg, int index);

/* ---- generic helpers on any flatbuffer (bounds-checked, -1 on failure) -- */
long tb_vtable_pos(const uint8_t *buf, size_t size, long table_pos);
/* Position of field `id` of the table at table_pos (scalar value or u32
 * uoffset), -1 if absent or out of bounds. */
long tb_field_pos(const uint8_t *buf, size_t size, long table_pos, unsigned id);
/* Follow the u32 uoffset stored at pos: pos + value, -1 if out of bounds. */
long tb_deref(const uint8_t *buf, size_t size, long pos);

/* Little-endian access (no bounds checks: pos must be valid). */
uint16_t tb_get_u16(const uint8_t *buf, size_t pos);
uint32_t tb_get_u32(const uint8_t *buf, size_t pos);
void tb_put_u16(uint8_t *buf, size_t pos, uint16_t v);
void tb_put_u32(uint8_t *buf, size_t pos, uint32_t v);

#ifdef __cplusplus
}
#endif

#endif /* TINYSENSE_TESTS_TFLITE_BUILDER_H */
