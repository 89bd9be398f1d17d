/*
 * tflite_builder.c - in-memory builder of TFLite flatbuffer models for tests.
 * See tflite_builder.h for the API and the exact encoding.
 *
 * Implementation notes: everything the caller passes is deep-copied into an
 * arena (a list of malloc blocks) owned by the builder.  tb_finish() writes
 * front to back: a table is written (vtable first, then the table with zeroed
 * placeholders for uoffsets), then its children, and each uoffset is patched
 * once its child's position is known, so every uoffset points forward.
 */
#include "tflite_builder.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define TB_MAX_OUT 0x7fffffffu /* flatbuffers' maximum buffer size */

/* Internal-only field kinds (never accepted from callers). */
#define K_REF 100    /* u32 uoffset patched by the caller of emit_table() */
#define K_DATA16 101 /* [ubyte] with 16-aligned elements; ptr NULL = zeros */

/* ------------------------------------------------------------------------ */
/* arena                                                                    */

typedef union {
    long double ld;
    int64_t i;
    double d;
    void *p;
} tb_maxalign;

typedef struct tb_blk {
    struct tb_blk *next;
    tb_maxalign data[];
} tb_blk;

/* ------------------------------------------------------------------------ */
/* builder state                                                            */

enum { BUF_PLAIN, BUF_EXTERNAL, BUF_APPENDED };

typedef struct {
    int kind;
    int has_data;        /* BUF_PLAIN/APPENDED: data field / bytes present */
    const uint8_t *data; /* NULL with len > 0 means zeros */
    size_t len;
    uint64_t offset, size; /* BUF_EXTERNAL */
    long pos_table, pos_data, pos_appended;
    size_t offset_field; /* BUF_APPENDED: position of the offset field */
} tb_buf;

typedef struct {
    int8_t dep;
    int32_t code, version;
    const char *custom;
    long pos_table;
} tb_opc;

typedef struct {
    const char *name;
    uint32_t buffer;
    long pos_table;
} tb_meta;

typedef struct {
    tb_tensor d; /* pointers refer to arena copies */
    tb_quant q;
    int has_quant;
    long pos_table, pos_shape, pos_name, pos_quant, pos_scale, pos_zp;
} tb_ten;

typedef struct {
    tb_operator d; /* pointers refer to arena copies */
    long pos_table, pos_inputs, pos_outputs, pos_options;
} tb_op;

typedef struct {
    const char *name;
    tb_ten *ten;
    size_t nten, capten;
    tb_op *ops;
    size_t nops, capops;
    const int32_t *in, *out;
    size_t nin, nout;
    int has_in, has_out;
    long pos_table, pos_tensors, pos_inputs, pos_outputs, pos_operators,
        pos_name;
} tb_sg;

struct tb_builder {
    tb_blk *arena;
    uint32_t version;
    const char *description;
    tb_buf *bufs;
    size_t nbufs, capbufs;
    tb_opc *opcs;
    size_t nopcs, capopcs;
    tb_meta *metas;
    size_t nmetas, capmetas;
    tb_sg *sgs;
    size_t nsgs, capsgs;
    size_t cur;
    int finished;
    long pos_model, pos_opcodes, pos_subgraphs, pos_desc, pos_buffers,
        pos_metadata;
};

const char *tb_strerror(int status)
{
    switch (status) {
    case TB_OK: return "ok";
    case TB_ERR_NOMEM: return "out of memory";
    case TB_ERR_ARG: return "invalid argument";
    case TB_ERR_TOO_BIG: return "too big";
    case TB_ERR_INTERNAL: return "internal error";
    default: return "unknown status";
    }
}

static void *arena_alloc(tb_builder *b, size_t n)
{
    tb_blk *blk;
    if (n > SIZE_MAX - sizeof(tb_blk))
        return NULL;
    blk = (tb_blk *)malloc(sizeof(tb_blk) + (n ? n : 1));
    if (!blk)
        return NULL;
    blk->next = b->arena;
    b->arena = blk;
    return blk->data;
}

/* Copy n bytes (n may be 0; src may be NULL only if n == 0). */
static int arena_dup(tb_builder *b, const void *src, size_t n, void **out)
{
    void *p = arena_alloc(b, n);
    if (!p)
        return TB_ERR_NOMEM;
    if (n)
        memcpy(p, src, n);
    *out = p;
    return TB_OK;
}

static int dup_array(tb_builder *b, const void *src, size_t count,
                     size_t elem, const void **out)
{
    void *p;
    int rc;
    if (count && !src)
        return TB_ERR_ARG;
    if (count > TB_MAX_OUT / elem)
        return TB_ERR_TOO_BIG;
    rc = arena_dup(b, src, count * elem, &p);
    if (rc == TB_OK)
        *out = p;
    return rc;
}

static int dup_str(tb_builder *b, const char *s, const char **out)
{
    size_t n;
    void *p;
    int rc;
    if (!s) {
        *out = NULL;
        return TB_OK;
    }
    n = strlen(s);
    if (n >= TB_MAX_OUT)
        return TB_ERR_TOO_BIG;
    rc = arena_dup(b, s, n + 1, &p);
    if (rc == TB_OK)
        *out = (const char *)p;
    return rc;
}

/* Make room for element n of an array of `elem`-sized elements: returns the
 * (possibly moved) array, or NULL with *rc set (arr is then unchanged). */
static void *grow(void *arr, size_t *cap, size_t n, size_t elem, int *rc)
{
    size_t ncap;
    void *p;
    *rc = TB_OK;
    if (n < *cap)
        return arr;
    *rc = TB_ERR_TOO_BIG;
    if (n >= (size_t)INT_MAX)
        return NULL;
    ncap = *cap ? *cap * 2 : 8;
    if (ncap > (size_t)INT_MAX)
        ncap = (size_t)INT_MAX;
    if (ncap > SIZE_MAX / elem)
        return NULL;
    p = realloc(arr, ncap * elem);
    *rc = p ? TB_OK : TB_ERR_NOMEM;
    if (p)
        *cap = ncap;
    return p;
}

/* ------------------------------------------------------------------------ */
/* field validation and deep copy                                           */

static size_t kind_scalar_size(int kind)
{
    switch ((int)kind) {
    case TB_KIND_BOOL: case TB_KIND_I8: case TB_KIND_U8: return 1;
    case TB_KIND_I16: case TB_KIND_U16: return 2;
    case TB_KIND_I32: case TB_KIND_U32: case TB_KIND_F32: case K_REF: return 4;
    case TB_KIND_I64: case TB_KIND_U64: case TB_KIND_F64: return 8;
    default: return 0;
    }
}

static size_t kind_elem_size(int kind)
{
    switch ((int)kind) {
    case TB_KIND_VEC_U8: case K_DATA16: return 1;
    case TB_KIND_VEC_I32: case TB_KIND_VEC_F32: return 4;
    case TB_KIND_VEC_I64: return 8;
    default: return 0;
    }
}

/* Deep-copy a caller field list.  `reserved_below`: ids < it are refused
 * (used for "extra" fields whose low ids the builder writes itself). */
static int copy_fields(tb_builder *b, const tb_field *src, size_t n,
                       unsigned reserved_below, int depth,
                       const tb_field **out)
{
    tb_field *dst;
    size_t i, j;
    int rc;

    if (depth > TB_MAX_TABLE_DEPTH)
        return TB_ERR_ARG;
    if (n && !src)
        return TB_ERR_ARG;
    if (n > TB_MAX_FIELD_ID + 1)
        return TB_ERR_ARG; /* then some id repeats or is too big */
    for (i = 0; i < n; i++) {
        const tb_field *f = &src[i];
        if (f->id > TB_MAX_FIELD_ID || f->id < reserved_below)
            return TB_ERR_ARG;
        if (f->kind < TB_KIND_BOOL || f->kind > TB_KIND_TABLE)
            return TB_ERR_ARG;
        for (j = 0; j < i; j++)
            if (src[j].id == f->id)
                return TB_ERR_ARG;
    }
    if (n > TB_MAX_OUT / sizeof(tb_field))
        return TB_ERR_TOO_BIG;
    dst = (tb_field *)arena_alloc(b, n * sizeof(tb_field));
    if (!dst)
        return TB_ERR_NOMEM;
    if (n)
        memcpy(dst, src, n * sizeof(tb_field));
    for (i = 0; i < n; i++) {
        tb_field *f = &dst[i];
        size_t es = kind_elem_size(f->kind);
        rc = TB_OK;
        if (es) {
            rc = dup_array(b, f->ptr, f->count, es, &f->ptr);
        } else if (f->kind == TB_KIND_STRING) {
            const char *s = NULL;
            if (!f->ptr)
                return TB_ERR_ARG;
            rc = dup_str(b, (const char *)f->ptr, &s);
            f->ptr = s;
        } else if (f->kind == TB_KIND_TABLE) {
            const tb_field *sub = NULL;
            rc = copy_fields(b, (const tb_field *)f->ptr, f->count, 0,
                             depth + 1, &sub);
            f->ptr = sub;
        } else {
            f->ptr = NULL;
            f->count = 0;
        }
        if (rc != TB_OK)
            return rc;
    }
    *out = n ? dst : NULL;
    return TB_OK;
}

/* ------------------------------------------------------------------------ */
/* builder API                                                              */

static tb_sg *cur_sg(tb_builder *b) { return &b->sgs[b->cur]; }

static void sg_init(tb_sg *sg)
{
    memset(sg, 0, sizeof(*sg));
    sg->pos_table = sg->pos_tensors = sg->pos_inputs = sg->pos_outputs =
        sg->pos_operators = sg->pos_name = -1;
}

tb_builder *tb_create(void)
{
    tb_builder *b = (tb_builder *)calloc(1, sizeof(*b));
    if (!b)
        return NULL;
    b->version = 3;
    if (tb_add_buffer(b, NULL, 0) != 0 || tb_add_subgraph(b) != 0) {
        tb_free(b);
        return NULL;
    }
    b->cur = 0;
    return b;
}

void tb_free(tb_builder *b)
{
    size_t i;
    if (!b)
        return;
    while (b->arena) {
        tb_blk *next = b->arena->next;
        free(b->arena);
        b->arena = next;
    }
    for (i = 0; i < b->nsgs; i++) {
        free(b->sgs[i].ten);
        free(b->sgs[i].ops);
    }
    free(b->sgs);
    free(b->bufs);
    free(b->opcs);
    free(b->metas);
    free(b);
}

int tb_set_version(tb_builder *b, uint32_t version)
{
    if (!b)
        return TB_ERR_ARG;
    b->version = version;
    return TB_OK;
}

int tb_set_description(tb_builder *b, const char *s)
{
    const char *c;
    int rc;
    if (!b)
        return TB_ERR_ARG;
    rc = dup_str(b, s, &c);
    if (rc == TB_OK)
        b->description = c;
    return rc;
}

static int make_plain_buf(tb_builder *b, const void *data, size_t len,
                          tb_buf *out)
{
    const void *copy = NULL;
    int rc;
    memset(out, 0, sizeof(*out));
    out->kind = BUF_PLAIN;
    if (len > TB_MAX_OUT)
        return TB_ERR_TOO_BIG;
    if (data) {
        rc = dup_array(b, data, len, 1, &copy);
        if (rc != TB_OK)
            return rc;
    }
    out->has_data = data != NULL || len > 0;
    out->data = (const uint8_t *)copy;
    out->len = len;
    return TB_OK;
}

static int push_buf(tb_builder *b, const tb_buf *nb)
{
    int rc;
    {
        tb_buf *np = (tb_buf *)grow(b->bufs, &b->capbufs,
                                    b->nbufs, sizeof(tb_buf), &rc);
        if (!np)
            return rc;
        b->bufs = np;
    }
    b->bufs[b->nbufs] = *nb;
    return (int)b->nbufs++;
}

int tb_add_buffer(tb_builder *b, const void *data, size_t len)
{
    tb_buf nb;
    int rc;
    if (!b)
        return TB_ERR_ARG;
    rc = make_plain_buf(b, data, len, &nb);
    return rc != TB_OK ? rc : push_buf(b, &nb);
}

int tb_add_external_buffer(tb_builder *b, uint64_t offset, uint64_t size)
{
    tb_buf nb;
    if (!b)
        return TB_ERR_ARG;
    memset(&nb, 0, sizeof(nb));
    nb.kind = BUF_EXTERNAL;
    nb.offset = offset;
    nb.size = size;
    return push_buf(b, &nb);
}

int tb_add_appended_buffer(tb_builder *b, const void *data, size_t len)
{
    tb_buf nb;
    int rc;
    if (!b)
        return TB_ERR_ARG;
    rc = make_plain_buf(b, data, len, &nb);
    if (rc != TB_OK)
        return rc;
    nb.kind = BUF_APPENDED;
    return push_buf(b, &nb);
}

int tb_set_buffer(tb_builder *b, uint32_t index, const void *data, size_t len)
{
    tb_buf nb;
    int rc;
    if (!b || index >= b->nbufs)
        return TB_ERR_ARG;
    rc = make_plain_buf(b, data, len, &nb);
    if (rc == TB_OK)
        b->bufs[index] = nb;
    return rc;
}

int tb_add_opcode_raw(tb_builder *b, int8_t deprecated_builtin_code,
                      int32_t builtin_code, int32_t version,
                      const char *custom_code)
{
    tb_opc o;
    int rc;
    if (!b)
        return TB_ERR_ARG;
    memset(&o, 0, sizeof(o));
    o.dep = deprecated_builtin_code;
    o.code = builtin_code;
    o.version = version;
    rc = dup_str(b, custom_code, &o.custom);
    if (rc != TB_OK)
        return rc;
    {
        tb_opc *np = (tb_opc *)grow(b->opcs, &b->capopcs,
                                    b->nopcs, sizeof(tb_opc), &rc);
        if (!np)
            return rc;
        b->opcs = np;
    }
    b->opcs[b->nopcs] = o;
    return (int)b->nopcs++;
}

int tb_add_opcode(tb_builder *b, int32_t builtin_code, int32_t version)
{
    int8_t dep = (int8_t)(builtin_code < 127 ? builtin_code : 127);
    /* codes below -128 cannot be represented; keep the low byte as-is */
    if (builtin_code < -128)
        dep = (int8_t)(uint8_t)((uint32_t)builtin_code & 0xffu);
    return tb_add_opcode_raw(b, dep, builtin_code, version, NULL);
}

int tb_add_metadata(tb_builder *b, const char *name, uint32_t buffer)
{
    tb_meta m;
    int rc;
    if (!b)
        return TB_ERR_ARG;
    memset(&m, 0, sizeof(m));
    m.buffer = buffer;
    rc = dup_str(b, name, &m.name);
    if (rc != TB_OK)
        return rc;
    {
        tb_meta *np = (tb_meta *)grow(b->metas, &b->capmetas,
                                      b->nmetas, sizeof(tb_meta), &rc);
        if (!np)
            return rc;
        b->metas = np;
    }
    b->metas[b->nmetas] = m;
    return (int)b->nmetas++;
}

int tb_add_subgraph(tb_builder *b)
{
    int rc;
    if (!b)
        return TB_ERR_ARG;
    {
        tb_sg *np = (tb_sg *)grow(b->sgs, &b->capsgs,
                                  b->nsgs, sizeof(tb_sg), &rc);
        if (!np)
            return rc;
        b->sgs = np;
    }
    sg_init(&b->sgs[b->nsgs]);
    b->cur = b->nsgs;
    return (int)b->nsgs++;
}

int tb_select_subgraph(tb_builder *b, int index)
{
    if (!b || index < 0 || (size_t)index >= b->nsgs)
        return TB_ERR_ARG;
    b->cur = (size_t)index;
    return TB_OK;
}

int tb_set_subgraph_name(tb_builder *b, const char *name)
{
    const char *c;
    int rc;
    if (!b)
        return TB_ERR_ARG;
    rc = dup_str(b, name, &c);
    if (rc == TB_OK)
        cur_sg(b)->name = c;
    return rc;
}

static int copy_floats(tb_builder *b, const float **p, size_t n)
{
    const void *c;
    int rc;
    if (!*p)
        return n ? TB_ERR_ARG : TB_OK;
    rc = dup_array(b, *p, n, sizeof(float), &c);
    if (rc == TB_OK)
        *p = (const float *)c;
    return rc;
}

int tb_add_tensor(tb_builder *b, const tb_tensor *t)
{
    tb_ten nt;
    tb_sg *sg;
    const void *c;
    int rc;

    if (!b || !t)
        return TB_ERR_ARG;
    memset(&nt, 0, sizeof(nt));
    nt.d = *t;
    rc = dup_array(b, t->shape, t->rank, sizeof(int32_t), &c);
    if (rc != TB_OK)
        return rc;
    nt.d.shape = (const int32_t *)c;
    rc = dup_str(b, t->name, &nt.d.name);
    if (rc != TB_OK)
        return rc;
    if (t->quant) {
        nt.q = *t->quant;
        if ((rc = copy_floats(b, &nt.q.scale, nt.q.num_scale)) != TB_OK ||
            (rc = copy_floats(b, &nt.q.min, nt.q.num_min)) != TB_OK ||
            (rc = copy_floats(b, &nt.q.max, nt.q.num_max)) != TB_OK)
            return rc;
        if (nt.q.zero_point) {
            rc = dup_array(b, nt.q.zero_point, nt.q.num_zero_point,
                           sizeof(int64_t), &c);
            if (rc != TB_OK)
                return rc;
            nt.q.zero_point = (const int64_t *)c;
        } else if (nt.q.num_zero_point) {
            return TB_ERR_ARG;
        }
        nt.has_quant = 1;
    }
    nt.d.quant = NULL; /* use has_quant and q instead */
    rc = copy_fields(b, t->extra, t->num_extra, 5, 0, &nt.d.extra);
    if (rc != TB_OK)
        return rc;
    sg = cur_sg(b);
    {
        tb_ten *np = (tb_ten *)grow(sg->ten, &sg->capten,
                                    sg->nten, sizeof(tb_ten), &rc);
        if (!np)
            return rc;
        sg->ten = np;
    }
    sg->ten[sg->nten] = nt;
    return (int)sg->nten++;
}

int tb_add_operator(tb_builder *b, const tb_operator *op)
{
    tb_op no;
    tb_sg *sg;
    const void *c;
    int rc;

    if (!b || !op)
        return TB_ERR_ARG;
    memset(&no, 0, sizeof(no));
    no.d = *op;
    rc = dup_array(b, op->inputs, op->num_inputs, sizeof(int32_t), &c);
    if (rc != TB_OK)
        return rc;
    no.d.inputs = (const int32_t *)c;
    rc = dup_array(b, op->outputs, op->num_outputs, sizeof(int32_t), &c);
    if (rc != TB_OK)
        return rc;
    no.d.outputs = (const int32_t *)c;
    rc = copy_fields(b, op->options, op->num_options, 0, 1, &no.d.options);
    if (rc != TB_OK)
        return rc;
    rc = copy_fields(b, op->extra, op->num_extra, 5, 0, &no.d.extra);
    if (rc != TB_OK)
        return rc;
    sg = cur_sg(b);
    {
        tb_op *np = (tb_op *)grow(sg->ops, &sg->capops,
                                  sg->nops, sizeof(tb_op), &rc);
        if (!np)
            return rc;
        sg->ops = np;
    }
    sg->ops[sg->nops] = no;
    return (int)sg->nops++;
}

static int set_io(tb_builder *b, const int32_t *t, size_t n, int is_out)
{
    const void *c;
    int rc;
    tb_sg *sg;
    if (!b)
        return TB_ERR_ARG;
    rc = dup_array(b, t, n, sizeof(int32_t), &c);
    if (rc != TB_OK)
        return rc;
    sg = cur_sg(b);
    if (is_out) {
        sg->out = (const int32_t *)c;
        sg->nout = n;
        sg->has_out = 1;
    } else {
        sg->in = (const int32_t *)c;
        sg->nin = n;
        sg->has_in = 1;
    }
    return TB_OK;
}

int tb_set_inputs(tb_builder *b, const int32_t *tensors, size_t n)
{
    return set_io(b, tensors, n, 0);
}

int tb_set_outputs(tb_builder *b, const int32_t *tensors, size_t n)
{
    return set_io(b, tensors, n, 1);
}

/* ------------------------------------------------------------------------ */
/* output writer                                                            */

typedef struct {
    uint8_t *p;
    size_t len, cap;
    int err;
} tb_out;

static int o_reserve(tb_out *o, size_t n)
{
    size_t need, ncap;
    uint8_t *np;
    if (o->err)
        return 0;
    if (n > TB_MAX_OUT - o->len) {
        o->err = TB_ERR_TOO_BIG;
        return 0;
    }
    need = o->len + n;
    if (need <= o->cap)
        return 1;
    ncap = o->cap ? o->cap : 1024;
    while (ncap < need)
        ncap = ncap > TB_MAX_OUT / 2 ? TB_MAX_OUT : ncap * 2;
    np = (uint8_t *)realloc(o->p, ncap);
    if (!np) {
        o->err = TB_ERR_NOMEM;
        return 0;
    }
    o->p = np;
    o->cap = ncap;
    return 1;
}

/* Append n bytes from src, or n zero bytes if src is NULL. */
static void o_bytes(tb_out *o, const void *src, size_t n)
{
    if (!o_reserve(o, n))
        return;
    if (src)
        memcpy(o->p + o->len, src, n);
    else
        memset(o->p + o->len, 0, n);
    o->len += n;
}

static void put_le(uint8_t *p, uint64_t v, size_t size)
{
    size_t i;
    for (i = 0; i < size; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void o_le(tb_out *o, uint64_t v, size_t size)
{
    if (!o_reserve(o, size))
        return;
    put_le(o->p + o->len, v, size);
    o->len += size;
}

/* Pad with zeros until (len + extra) is a multiple of align (power of 2). */
static void o_align(tb_out *o, size_t align, size_t extra)
{
    size_t pad = (align - ((o->len + extra) & (align - 1))) & (align - 1);
    o_bytes(o, NULL, pad);
}

/* Store the uoffset at `at` pointing to `target` (must be forward). */
static void o_patch_ref(tb_out *o, size_t at, size_t target)
{
    if (o->err)
        return;
    if (target <= at || at + 4 > o->len) {
        o->err = TB_ERR_INTERNAL;
        return;
    }
    put_le(o->p + at, (uint64_t)(target - at), 4);
}

static uint32_t f32_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof(u));
    return u;
}

static uint64_t f64_bits(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof(u));
    return u;
}

/* Write a string; returns the position of its length field. */
static size_t emit_string(tb_out *o, const char *s)
{
    size_t n = strlen(s), pos;
    o_align(o, 4, 0);
    pos = o->len;
    o_le(o, (uint64_t)n, 4);
    o_bytes(o, s, n);
    o_bytes(o, NULL, 1);
    return pos;
}

/* Write a vector of a TB_KIND_VEC_* / K_DATA16 kind; returns the position of
 * its length field.  Elements are aligned to max(4, elem size), or 16. */
static size_t emit_vector(tb_out *o, int kind, const void *data, size_t count)
{
    size_t es = kind_elem_size(kind), align, pos, i;
    align = kind == K_DATA16 ? 16 : (es > 4 ? es : 4);
    o_align(o, align, 4);
    pos = o->len;
    o_le(o, (uint64_t)count, 4);
    if (kind == TB_KIND_VEC_U8 || kind == K_DATA16) {
        o_bytes(o, data, count);
    } else if (o_reserve(o, count * es)) {
        uint8_t *p = o->p + o->len;
        for (i = 0; i < count; i++, p += es) {
            if (kind == TB_KIND_VEC_I32) {
                int32_t v;
                memcpy(&v, (const char *)data + i * 4, 4);
                put_le(p, (uint64_t)(uint32_t)v, 4);
            } else if (kind == TB_KIND_VEC_F32) {
                float v;
                memcpy(&v, (const char *)data + i * 4, 4);
                put_le(p, f32_bits(v), 4);
            } else {
                int64_t v;
                memcpy(&v, (const char *)data + i * 8, 8);
                put_le(p, (uint64_t)v, 8);
            }
        }
        o->len += count * es;
    }
    return pos;
}

/* Vector of `count` uoffsets (zero placeholders); returns its position.
 * Element i lives at pos + 4 + 4 * i. */
static size_t emit_ref_vector(tb_out *o, size_t count)
{
    size_t pos;
    o_align(o, 4, 0);
    pos = o->len;
    o_le(o, (uint64_t)count, 4);
    if (count > TB_MAX_OUT / 4) {
        o->err = TB_ERR_TOO_BIG;
        return pos;
    }
    o_bytes(o, NULL, count * 4);
    return pos;
}

/* Per-field layout scratch of emit_table(). */
typedef struct {
    size_t off, size, abs;
} tb_slot;

/* Write one table with the given fields (vtable first, then the table).
 * Scalars get their values; uoffset fields are zero.  field_pos[i] receives
 * the absolute position of fields[i].  Then the children of the
 * string/vector/table fields are written and linked, child_pos[i] receiving
 * their positions (-1 for scalars and K_REF, which the caller links).
 * field_pos/child_pos may be NULL.  Returns the table position. */
static size_t emit_table(tb_out *o, const tb_field *fields, size_t n,
                         long *field_pos, long *child_pos, int depth)
{
    tb_slot *sl;
    size_t *order;
    size_t i, j, cur = 4, talign = 4, vt_size, max_id = 0, vt_pos, tpos = 0;

    if (o->err)
        return 0;
    if (depth > TB_MAX_TABLE_DEPTH + 2) {
        o->err = TB_ERR_INTERNAL;
        return 0;
    }
    sl = (tb_slot *)malloc((n ? n : 1) * sizeof(*sl));
    order = (size_t *)malloc((n ? n : 1) * sizeof(*order));
    if (!sl || !order) {
        o->err = TB_ERR_NOMEM;
        goto done;
    }
    /* layout: largest fields first (stable), each naturally aligned */
    for (i = 0; i < n; i++) {
        size_t s = kind_scalar_size(fields[i].kind);
        sl[i].size = s ? s : 4; /* strings/vectors/tables: u32 uoffset */
        order[i] = i;
        if (fields[i].id > max_id)
            max_id = fields[i].id;
    }
    for (i = 1; i < n; i++) { /* insertion sort by size, descending */
        size_t k = order[i];
        for (j = i; j > 0 && sl[order[j - 1]].size < sl[k].size; j--)
            order[j] = order[j - 1];
        order[j] = k;
    }
    for (i = 0; i < n; i++) {
        size_t k = order[i], s = sl[k].size;
        cur = (cur + s - 1) & ~(s - 1);
        sl[k].off = cur;
        cur += s;
        if (s > talign)
            talign = s;
    }
    vt_size = 4 + 2 * (n ? max_id + 1 : 0);
    if (cur > 0xffff || vt_size > 0xffff) {
        o->err = TB_ERR_TOO_BIG;
        goto done;
    }

    /* vtable */
    o_align(o, 2, 0);
    vt_pos = o->len;
    o_le(o, (uint64_t)vt_size, 2);
    o_le(o, (uint64_t)cur, 2);
    if (!o_reserve(o, vt_size - 4))
        goto done;
    memset(o->p + o->len, 0, vt_size - 4);
    for (i = 0; i < n; i++)
        put_le(o->p + o->len + 2 * fields[i].id, (uint64_t)sl[i].off, 2);
    o->len += vt_size - 4;

    /* table */
    o_align(o, talign, 0);
    tpos = o->len;
    o_le(o, (uint64_t)(uint32_t)(tpos - vt_pos), 4);
    o_bytes(o, NULL, cur - 4);
    if (o->err)
        goto done;
    for (i = 0; i < n; i++) {
        const tb_field *f = &fields[i];
        uint64_t bits = (uint64_t)f->i;
        if (f->kind == TB_KIND_F32)
            bits = f32_bits((float)f->f);
        else if (f->kind == TB_KIND_F64)
            bits = f64_bits(f->f);
        else if (!kind_scalar_size(f->kind) || f->kind == K_REF)
            bits = 0;
        sl[i].abs = tpos + sl[i].off;
        put_le(o->p + sl[i].abs, bits, sl[i].size);
        if (field_pos)
            field_pos[i] = (long)sl[i].abs;
        if (child_pos)
            child_pos[i] = -1;
    }

    /* children */
    for (i = 0; i < n; i++) {
        const tb_field *f = &fields[i];
        size_t cpos;
        if (f->kind == TB_KIND_STRING)
            cpos = emit_string(o, (const char *)f->ptr);
        else if (kind_elem_size(f->kind))
            cpos = emit_vector(o, f->kind, f->ptr, f->count);
        else if (f->kind == TB_KIND_TABLE)
            cpos = emit_table(o, (const tb_field *)f->ptr, f->count, NULL,
                              NULL, depth + 1);
        else
            continue;
        o_patch_ref(o, sl[i].abs, cpos);
        if (child_pos)
            child_pos[i] = (long)cpos;
    }
done:
    free(sl);
    free(order);
    return tpos;
}

static tb_field mkf(uint16_t id, int kind, int64_t i, const void *ptr,
                    size_t count)
{
    tb_field f;
    f.id = id;
    f.kind = kind;
    f.i = i;
    f.f = 0.0;
    f.ptr = ptr;
    f.count = count;
    return f;
}

/* Append caller "extra" fields to an internal field list. */
static size_t add_extra(tb_field *f, size_t n, const tb_field *extra,
                        size_t nextra)
{
    size_t i;
    for (i = 0; i < nextra; i++)
        f[n++] = extra[i];
    return n;
}

/* A field list under construction plus the positions emit_table() reports. */
typedef struct {
    tb_field *f;
    long *fp, *cp;
    size_t n;
} tb_fl;

static int fl_init(tb_out *o, tb_fl *l, size_t cap)
{
    size_t i;
    l->n = 0;
    if (cap == 0)
        cap = 1;
    l->f = (tb_field *)malloc(cap * sizeof(tb_field));
    l->fp = (long *)malloc(cap * sizeof(long));
    l->cp = (long *)malloc(cap * sizeof(long));
    if (!l->f || !l->fp || !l->cp) {
        if (!o->err)
            o->err = TB_ERR_NOMEM;
        return 0;
    }
    for (i = 0; i < cap; i++)
        l->fp[i] = l->cp[i] = -1; /* stays so if emit_table() fails early */
    return 1;
}

static void fl_free(tb_fl *l)
{
    free(l->f);
    free(l->fp);
    free(l->cp);
}

/* Append a field; returns its index in the list. */
static size_t fl_add(tb_fl *l, uint16_t id, int kind, int64_t i,
                     const void *ptr, size_t count)
{
    l->f[l->n] = mkf(id, kind, i, ptr, count);
    return l->n++;
}

static size_t fl_emit(tb_out *o, tb_fl *l, const tb_field *extra,
                      size_t nextra)
{
    l->n = add_extra(l->f, l->n, extra, nextra);
    return emit_table(o, l->f, l->n, l->fp, l->cp, 0);
}

#define NONE ((size_t)-1)

static void emit_quant(tb_out *o, tb_ten *t, size_t ref_at)
{
    tb_fl l;
    const tb_quant *q = &t->q;
    size_t i_scale = NONE, i_zp = NONE, pos;
    if (fl_init(o, &l, 5)) {
        if (q->min)
            fl_add(&l, 0, TB_KIND_VEC_F32, 0, q->min, q->num_min);
        if (q->max)
            fl_add(&l, 1, TB_KIND_VEC_F32, 0, q->max, q->num_max);
        if (q->scale)
            i_scale = fl_add(&l, 2, TB_KIND_VEC_F32, 0, q->scale, q->num_scale);
        if (q->zero_point)
            i_zp = fl_add(&l, 3, TB_KIND_VEC_I64, 0, q->zero_point,
                          q->num_zero_point);
        fl_add(&l, 6, TB_KIND_I32, q->quantized_dimension, NULL, 0);
        pos = fl_emit(o, &l, NULL, 0);
        o_patch_ref(o, ref_at, pos);
        t->pos_quant = (long)pos;
        if (i_scale != NONE)
            t->pos_scale = l.cp[i_scale];
        if (i_zp != NONE)
            t->pos_zp = l.cp[i_zp];
    }
    fl_free(&l);
}

static size_t emit_tensor(tb_out *o, tb_ten *t)
{
    tb_fl l;
    size_t i_shape = NONE, i_name = NONE, i_quant = NONE, pos = 0;
    if (fl_init(o, &l, 5 + t->d.num_extra)) {
        if (!t->d.omit_shape)
            i_shape = fl_add(&l, 0, TB_KIND_VEC_I32, 0, t->d.shape, t->d.rank);
        fl_add(&l, 1, TB_KIND_I8, t->d.type, NULL, 0);
        fl_add(&l, 2, TB_KIND_U32, t->d.buffer, NULL, 0);
        if (t->d.name)
            i_name = fl_add(&l, 3, TB_KIND_STRING, 0, t->d.name, 0);
        if (t->has_quant)
            i_quant = fl_add(&l, 4, K_REF, 0, NULL, 0);
        pos = fl_emit(o, &l, t->d.extra, t->d.num_extra);
        t->pos_table = (long)pos;
        if (i_shape != NONE)
            t->pos_shape = l.cp[i_shape];
        if (i_name != NONE)
            t->pos_name = l.cp[i_name];
        if (i_quant != NONE && !o->err)
            emit_quant(o, t, (size_t)l.fp[i_quant]);
    }
    fl_free(&l);
    return pos;
}

static size_t emit_operator(tb_out *o, tb_op *op)
{
    tb_fl l;
    const tb_operator *d = &op->d;
    size_t i_in, i_out, i_opt = NONE, pos = 0;
    int want_type = (d->options_type != 0 ||
                     (d->options_flags & TB_OPTS_FORCE_TYPE)) &&
                    !(d->options_flags & TB_OPTS_OMIT_TYPE);
    int want_table = (d->options_type != 0 || d->num_options > 0) &&
                     !(d->options_flags & TB_OPTS_OMIT_TABLE);
    if (fl_init(o, &l, 5 + d->num_extra)) {
        fl_add(&l, 0, TB_KIND_U32, d->opcode_index, NULL, 0);
        i_in = fl_add(&l, 1, TB_KIND_VEC_I32, 0, d->inputs, d->num_inputs);
        i_out = fl_add(&l, 2, TB_KIND_VEC_I32, 0, d->outputs, d->num_outputs);
        if (want_type)
            fl_add(&l, 3, TB_KIND_U8, d->options_type, NULL, 0);
        if (want_table)
            i_opt = fl_add(&l, 4, TB_KIND_TABLE, 0, d->options, d->num_options);
        pos = fl_emit(o, &l, d->extra, d->num_extra);
        op->pos_table = (long)pos;
        op->pos_inputs = l.cp[i_in];
        op->pos_outputs = l.cp[i_out];
        if (i_opt != NONE)
            op->pos_options = l.cp[i_opt];
    }
    fl_free(&l);
    return pos;
}

static size_t emit_subgraph(tb_out *o, tb_sg *sg)
{
    tb_fl l;
    size_t i, i_ten, i_ops, i_in = NONE, i_out = NONE, i_name = NONE, pos = 0;
    size_t vec;
    if (fl_init(o, &l, 5)) {
        i_ten = fl_add(&l, 0, K_REF, 0, NULL, 0);
        if (sg->has_in)
            i_in = fl_add(&l, 1, TB_KIND_VEC_I32, 0, sg->in, sg->nin);
        if (sg->has_out)
            i_out = fl_add(&l, 2, TB_KIND_VEC_I32, 0, sg->out, sg->nout);
        i_ops = fl_add(&l, 3, K_REF, 0, NULL, 0);
        if (sg->name)
            i_name = fl_add(&l, 4, TB_KIND_STRING, 0, sg->name, 0);
        pos = fl_emit(o, &l, NULL, 0);
        sg->pos_table = (long)pos;
        if (i_in != NONE)
            sg->pos_inputs = l.cp[i_in];
        if (i_out != NONE)
            sg->pos_outputs = l.cp[i_out];
        if (i_name != NONE)
            sg->pos_name = l.cp[i_name];

        vec = emit_ref_vector(o, sg->nten);
        o_patch_ref(o, (size_t)l.fp[i_ten], vec);
        sg->pos_tensors = (long)vec;
        for (i = 0; i < sg->nten && !o->err; i++)
            o_patch_ref(o, vec + 4 + 4 * i, emit_tensor(o, &sg->ten[i]));

        vec = emit_ref_vector(o, sg->nops);
        o_patch_ref(o, (size_t)l.fp[i_ops], vec);
        sg->pos_operators = (long)vec;
        for (i = 0; i < sg->nops && !o->err; i++)
            o_patch_ref(o, vec + 4 + 4 * i, emit_operator(o, &sg->ops[i]));
    }
    fl_free(&l);
    return pos;
}

static size_t emit_opcode(tb_out *o, tb_opc *c)
{
    tb_fl l;
    size_t pos = 0;
    if (fl_init(o, &l, 4)) {
        fl_add(&l, 0, TB_KIND_I8, c->dep, NULL, 0);
        if (c->custom)
            fl_add(&l, 1, TB_KIND_STRING, 0, c->custom, 0);
        fl_add(&l, 2, TB_KIND_I32, c->version, NULL, 0);
        fl_add(&l, 3, TB_KIND_I32, c->code, NULL, 0);
        pos = fl_emit(o, &l, NULL, 0);
        c->pos_table = (long)pos;
    }
    fl_free(&l);
    return pos;
}

static size_t emit_meta(tb_out *o, tb_meta *m)
{
    tb_fl l;
    size_t pos = 0;
    if (fl_init(o, &l, 2)) {
        if (m->name)
            fl_add(&l, 0, TB_KIND_STRING, 0, m->name, 0);
        fl_add(&l, 1, TB_KIND_U32, m->buffer, NULL, 0);
        pos = fl_emit(o, &l, NULL, 0);
        m->pos_table = (long)pos;
    }
    fl_free(&l);
    return pos;
}

static size_t emit_buffer(tb_out *o, tb_buf *bf)
{
    tb_fl l;
    size_t pos = 0, i_data = NONE, i_off = NONE;
    if (fl_init(o, &l, 2)) {
        if (bf->kind == BUF_EXTERNAL) {
            fl_add(&l, 1, TB_KIND_U64, (int64_t)bf->offset, NULL, 0);
            fl_add(&l, 2, TB_KIND_U64, (int64_t)bf->size, NULL, 0);
        } else if (bf->kind == BUF_APPENDED) {
            i_off = fl_add(&l, 1, TB_KIND_U64, 0, NULL, 0);
            fl_add(&l, 2, TB_KIND_U64, (int64_t)bf->len, NULL, 0);
        } else if (bf->has_data) {
            i_data = fl_add(&l, 0, K_DATA16, 0, bf->data, bf->len);
        }
        pos = fl_emit(o, &l, NULL, 0);
        bf->pos_table = (long)pos;
        if (i_data != NONE)
            bf->pos_data = l.cp[i_data];
        if (i_off != NONE)
            bf->offset_field = (size_t)l.fp[i_off];
    }
    fl_free(&l);
    return pos;
}

static void reset_positions(tb_builder *b)
{
    size_t i, j;
    b->finished = 0;
    b->pos_model = b->pos_opcodes = b->pos_subgraphs = b->pos_desc =
        b->pos_buffers = b->pos_metadata = -1;
    for (i = 0; i < b->nbufs; i++) {
        b->bufs[i].pos_table = b->bufs[i].pos_data = -1;
        b->bufs[i].pos_appended = -1;
        b->bufs[i].offset_field = 0;
    }
    for (i = 0; i < b->nopcs; i++)
        b->opcs[i].pos_table = -1;
    for (i = 0; i < b->nmetas; i++)
        b->metas[i].pos_table = -1;
    for (i = 0; i < b->nsgs; i++) {
        tb_sg *sg = &b->sgs[i];
        sg->pos_table = sg->pos_tensors = sg->pos_inputs = sg->pos_outputs =
            sg->pos_operators = sg->pos_name = -1;
        for (j = 0; j < sg->nten; j++) {
            tb_ten *t = &sg->ten[j];
            t->pos_table = t->pos_shape = t->pos_name = t->pos_quant =
                t->pos_scale = t->pos_zp = -1;
        }
        for (j = 0; j < sg->nops; j++) {
            tb_op *op = &sg->ops[j];
            op->pos_table = op->pos_inputs = op->pos_outputs =
                op->pos_options = -1;
        }
    }
}

int tb_finish(tb_builder *b, uint8_t **out, size_t *out_size)
{
    tb_out o;
    tb_fl l;
    size_t i, vec, i_desc = NONE, i_ops, i_sgs, i_bufs, i_meta = NONE, pos;

    if (out)
        *out = NULL;
    if (out_size)
        *out_size = 0;
    if (!b || !out || !out_size)
        return TB_ERR_ARG;
    reset_positions(b);
    memset(&o, 0, sizeof(o));

    o_le(&o, 0, 4);           /* root uoffset, patched below */
    o_bytes(&o, "TFL3", 4);   /* file identifier */
    if (fl_init(&o, &l, 6)) {
        fl_add(&l, 0, TB_KIND_U32, b->version, NULL, 0);
        i_ops = fl_add(&l, 1, K_REF, 0, NULL, 0);
        i_sgs = fl_add(&l, 2, K_REF, 0, NULL, 0);
        if (b->description)
            i_desc = fl_add(&l, 3, TB_KIND_STRING, 0, b->description, 0);
        i_bufs = fl_add(&l, 4, K_REF, 0, NULL, 0);
        if (b->nmetas)
            i_meta = fl_add(&l, 6, K_REF, 0, NULL, 0);
        pos = fl_emit(&o, &l, NULL, 0);
        o_patch_ref(&o, 0, pos);
        b->pos_model = (long)pos;
        if (i_desc != NONE)
            b->pos_desc = l.cp[i_desc];

        vec = emit_ref_vector(&o, b->nopcs);
        o_patch_ref(&o, (size_t)l.fp[i_ops], vec);
        b->pos_opcodes = (long)vec;
        for (i = 0; i < b->nopcs && !o.err; i++)
            o_patch_ref(&o, vec + 4 + 4 * i, emit_opcode(&o, &b->opcs[i]));

        vec = emit_ref_vector(&o, b->nsgs);
        o_patch_ref(&o, (size_t)l.fp[i_sgs], vec);
        b->pos_subgraphs = (long)vec;
        for (i = 0; i < b->nsgs && !o.err; i++)
            o_patch_ref(&o, vec + 4 + 4 * i, emit_subgraph(&o, &b->sgs[i]));

        if (i_meta != NONE) {
            vec = emit_ref_vector(&o, b->nmetas);
            o_patch_ref(&o, (size_t)l.fp[i_meta], vec);
            b->pos_metadata = (long)vec;
            for (i = 0; i < b->nmetas && !o.err; i++)
                o_patch_ref(&o, vec + 4 + 4 * i, emit_meta(&o, &b->metas[i]));
        }

        vec = emit_ref_vector(&o, b->nbufs);
        o_patch_ref(&o, (size_t)l.fp[i_bufs], vec);
        b->pos_buffers = (long)vec;
        for (i = 0; i < b->nbufs && !o.err; i++)
            o_patch_ref(&o, vec + 4 + 4 * i, emit_buffer(&o, &b->bufs[i]));

        /* bytes of appended buffers go after the flatbuffer proper */
        for (i = 0; i < b->nbufs && !o.err; i++) {
            tb_buf *bf = &b->bufs[i];
            if (bf->kind != BUF_APPENDED)
                continue;
            o_align(&o, 16, 0);
            pos = o.len;
            o_bytes(&o, bf->data, bf->len);
            if (!o.err) {
                put_le(o.p + bf->offset_field, (uint64_t)pos, 8);
                bf->pos_appended = (long)pos;
            }
        }
    }
    fl_free(&l);

    if (o.err) {
        free(o.p);
        reset_positions(b);
        return o.err;
    }
    *out = o.p;
    *out_size = o.len;
    b->finished = 1;
    return TB_OK;
}

/* ------------------------------------------------------------------------ */
/* positions                                                                */

long tb_pos(const tb_builder *b, tb_pos_kind kind, int sg, int index)
{
    const tb_sg *g = NULL;
    size_t i = (size_t)index;
    if (!b || !b->finished)
        return -1;
    switch ((int)kind) {
    case TB_POS_ROOT: return 0;
    case TB_POS_FILE_ID: return 4;
    case TB_POS_MODEL: return b->pos_model;
    case TB_POS_OPCODES_VEC: return b->pos_opcodes;
    case TB_POS_SUBGRAPHS_VEC: return b->pos_subgraphs;
    case TB_POS_DESCRIPTION: return b->pos_desc;
    case TB_POS_BUFFERS_VEC: return b->pos_buffers;
    case TB_POS_METADATA_VEC: return b->pos_metadata;
    default: break;
    }
    if (kind == TB_POS_OPCODE || kind == TB_POS_METADATA ||
        kind == TB_POS_BUFFER || kind == TB_POS_BUFFER_DATA ||
        kind == TB_POS_BUFFER_APPENDED) {
        if (index < 0)
            return -1;
        switch ((int)kind) {
        case TB_POS_OPCODE:
            return i < b->nopcs ? b->opcs[i].pos_table : -1;
        case TB_POS_METADATA:
            return i < b->nmetas ? b->metas[i].pos_table : -1;
        case TB_POS_BUFFER:
            return i < b->nbufs ? b->bufs[i].pos_table : -1;
        case TB_POS_BUFFER_DATA:
            return i < b->nbufs ? b->bufs[i].pos_data : -1;
        default:
            return i < b->nbufs ? b->bufs[i].pos_appended : -1;
        }
    }
    if (sg < 0 || (size_t)sg >= b->nsgs)
        return -1;
    g = &b->sgs[sg];
    switch ((int)kind) {
    case TB_POS_SUBGRAPH: return g->pos_table;
    case TB_POS_SG_TENSORS_VEC: return g->pos_tensors;
    case TB_POS_SG_INPUTS_VEC: return g->pos_inputs;
    case TB_POS_SG_OUTPUTS_VEC: return g->pos_outputs;
    case TB_POS_SG_OPERATORS_VEC: return g->pos_operators;
    case TB_POS_SG_NAME: return g->pos_name;
    default: break;
    }
    if (index < 0)
        return -1;
    switch ((int)kind) {
    case TB_POS_TENSOR:
    case TB_POS_TENSOR_SHAPE_VEC:
    case TB_POS_TENSOR_NAME:
    case TB_POS_TENSOR_QUANT:
    case TB_POS_QUANT_SCALE_VEC:
    case TB_POS_QUANT_ZERO_POINT_VEC: {
        const tb_ten *t;
        if (i >= g->nten)
            return -1;
        t = &g->ten[i];
        switch ((int)kind) {
        case TB_POS_TENSOR: return t->pos_table;
        case TB_POS_TENSOR_SHAPE_VEC: return t->pos_shape;
        case TB_POS_TENSOR_NAME: return t->pos_name;
        case TB_POS_TENSOR_QUANT: return t->pos_quant;
        case TB_POS_QUANT_SCALE_VEC: return t->pos_scale;
        default: return t->pos_zp;
        }
    }
    case TB_POS_OPERATOR:
    case TB_POS_OP_INPUTS_VEC:
    case TB_POS_OP_OUTPUTS_VEC:
    case TB_POS_OP_OPTIONS: {
        const tb_op *op;
        if (i >= g->nops)
            return -1;
        op = &g->ops[i];
        switch ((int)kind) {
        case TB_POS_OPERATOR: return op->pos_table;
        case TB_POS_OP_INPUTS_VEC: return op->pos_inputs;
        case TB_POS_OP_OUTPUTS_VEC: return op->pos_outputs;
        default: return op->pos_options;
        }
    }
    default:
        return -1;
    }
}

/* ------------------------------------------------------------------------ */
/* generic flatbuffer helpers                                               */

uint16_t tb_get_u16(const uint8_t *buf, size_t pos)
{
    return (uint16_t)(buf[pos] | (buf[pos + 1] << 8));
}

uint32_t tb_get_u32(const uint8_t *buf, size_t pos)
{
    return (uint32_t)buf[pos] | ((uint32_t)buf[pos + 1] << 8) |
           ((uint32_t)buf[pos + 2] << 16) | ((uint32_t)buf[pos + 3] << 24);
}

void tb_put_u16(uint8_t *buf, size_t pos, uint16_t v)
{
    put_le(buf + pos, v, 2);
}

void tb_put_u32(uint8_t *buf, size_t pos, uint32_t v)
{
    put_le(buf + pos, v, 4);
}

static int in_bounds(const uint8_t *buf, size_t size, long pos, size_t n)
{
    return buf != NULL && pos >= 0 && (size_t)pos <= size &&
           n <= size - (size_t)pos;
}

long tb_vtable_pos(const uint8_t *buf, size_t size, long table_pos)
{
    uint32_t u;
    int64_t soff, vt;
    if (!in_bounds(buf, size, table_pos, 4))
        return -1;
    u = tb_get_u32(buf, (size_t)table_pos);
    soff = (u & 0x80000000u) ? (int64_t)u - ((int64_t)1 << 32) : (int64_t)u;
    vt = (int64_t)table_pos - soff;
    if (vt < 0 || vt > LONG_MAX || !in_bounds(buf, size, (long)vt, 4))
        return -1;
    return (long)vt;
}

long tb_field_pos(const uint8_t *buf, size_t size, long table_pos, unsigned id)
{
    long vt = tb_vtable_pos(buf, size, table_pos);
    size_t entry;
    uint16_t off;
    if (vt < 0 || id > 0x7ffeu)
        return -1;
    entry = 4 + 2 * (size_t)id;
    if (entry + 2 > tb_get_u16(buf, (size_t)vt) ||
        !in_bounds(buf, size, vt, entry + 2))
        return -1;
    off = tb_get_u16(buf, (size_t)vt + entry);
    if (off == 0 || !in_bounds(buf, size, table_pos, (size_t)off + 1))
        return -1;
    return table_pos + (long)off;
}

long tb_deref(const uint8_t *buf, size_t size, long pos)
{
    uint32_t u;
    if (!in_bounds(buf, size, pos, 4))
        return -1;
    u = tb_get_u32(buf, (size_t)pos);
    if ((uint64_t)u >= (uint64_t)size - (uint64_t)pos)
        return -1;
    return pos + (long)u;
}
