#!/bin/sh
# tflite_builder_selfcheck.sh - manual self-check of tests/support/tflite_builder.c
# (not run by CI).  Builds a few models with a throwaway driver, decodes them
# with flatc against the real TFLite schema and compares every field, runs the
# flatbuffers C++ Verifier on them, and decodes a real model for comparison.
#
# Needs: gcc, clang, python3, flatc (Debian 12: apt-get install
# flatbuffers-compiler); optional: g++ and libflatbuffers-dev (Verifier step).
# Usage: tests/support/tflite_builder_selfcheck.sh [WORKDIR]
# Env:   TFLITE_SCHEMA=path/to/schema.fbs (default: from the tflite-micro
#        mirror), REAL_MODEL=path/to/model.tflite.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
W=${1:-$(mktemp -d /tmp/tflite_builder_selfcheck.XXXXXX)}
MIRROR=${TFLITE_MIRROR:-/work/.mirror/tensorflow+tflite-micro/repo}
REAL=${REAL_MODEL:-/work/shared/conformance/hello-world.tflite}
mkdir -p "$W/out"
echo "== work dir: $W"

# --- schema --------------------------------------------------------------
if [ -n "${TFLITE_SCHEMA:-}" ]; then
    cp "$TFLITE_SCHEMA" "$W/schema.fbs"
else
    git -C "$MIRROR" show HEAD:tensorflow/compiler/mlir/lite/schema/schema.fbs \
        > "$W/schema.fbs"
fi
# flatc 2.0.x does not accept "(deprecated)" on enum values / union members.
sed -E 's/^([[:space:]]+[A-Za-z0-9_]+( = [0-9]+)?) \(deprecated\),/\1,/' \
    "$W/schema.fbs" > "$W/schema_flatc.fbs"
flatc --version

# --- compile the builder alone, strict ------------------------------------
for cc in gcc clang; do
    $cc -std=c11 -Wall -Wextra -Werror -fsanitize=address,undefined \
        -c "$HERE/tflite_builder.c" -o "$W/tb_$cc.o"
    $cc -std=c99 -pedantic -Wall -Wextra -Werror -O2 \
        -c "$HERE/tflite_builder.c" -o "$W/tb99_$cc.o"
    echo "== $cc: builder compiles warning-free (c11 + sanitizers, c99 -pedantic -O2)"
done

# --- throwaway driver ----------------------------------------------------
cat > "$W/main.c" <<'EOF_MAIN'
/* Throwaway self-check driver for tests/support/tflite_builder.c.
 * Writes <dir>/x.tflite (a valid model) and <dir>/bad.tflite (values that
 * are wrong for TFLite but structurally valid), checks positions/errors. */
#include "tflite_builder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;
#define CHECK(c)                                                            \
    do {                                                                    \
        if (!(c)) {                                                         \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, \
                    #c);                                                    \
            failures++;                                                     \
        }                                                                   \
    } while (0)

static int write_file(const char *dir, const char *name, const uint8_t *p,
                      size_t n)
{
    char path[4096];
    FILE *f;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n) {
        perror(path);
        if (f)
            fclose(f);
        return 1;
    }
    return fclose(f) != 0;
}

static int add_t(tb_builder *b, int type, const int32_t *shape, size_t rank,
                 uint32_t buffer, const char *name, const tb_quant *q)
{
    tb_tensor t;
    memset(&t, 0, sizeof(t));
    t.type = type;
    t.shape = shape;
    t.rank = rank;
    t.buffer = buffer;
    t.name = name;
    t.quant = q;
    return tb_add_tensor(b, &t);
}

static int build_good(const char *dir)
{
    tb_builder *b = tb_create();
    uint8_t *m = NULL, fc_w[12];
    size_t n = 0, i;
    int32_t fc_b[3] = { 100, -200, 300 };
    float conv_w[72];
    const char meta[] = "1.14.0";
    uint8_t appended[10];

    CHECK(b != NULL);
    if (!b)
        return 1;
    for (i = 0; i < sizeof(fc_w); i++)
        fc_w[i] = (uint8_t)(i * 7 + 1);
    for (i = 0; i < 72; i++)
        conv_w[i] = (float)i * 0.5f - 3.0f;
    for (i = 0; i < sizeof(appended); i++)
        appended[i] = (uint8_t)(0xa0 + i);

    CHECK(tb_set_description(b, "tinysense selfcheck") == TB_OK);
    CHECK(tb_add_buffer(b, fc_w, sizeof(fc_w)) == 1);
    CHECK(tb_add_buffer(b, fc_b, sizeof(fc_b)) == 2); /* host = LE here */
    CHECK(tb_add_buffer(b, conv_w, sizeof(conv_w)) == 3);
    CHECK(tb_add_external_buffer(b, 4096, 64) == 4);
    CHECK(tb_add_appended_buffer(b, appended, sizeof(appended)) == 5);
    CHECK(tb_add_buffer(b, meta, sizeof(meta)) == 6);
    CHECK(tb_add_metadata(b, "min_runtime_version", 6) == 0);

    CHECK(tb_add_opcode(b, 9, 1) == 0);   /* FULLY_CONNECTED */
    CHECK(tb_add_opcode(b, 3, 2) == 1);   /* CONV_2D v2 */
    CHECK(tb_add_opcode(b, 150, 1) == 2); /* > 127: deprecated code 127 */
    CHECK(tb_add_opcode_raw(b, 32, 32, 1, "MyCustom") == 3);

    CHECK(tb_set_subgraph_name(b, "main") == TB_OK);
    {
        static const int32_t s_in[] = { 1, 4 }, s_w[] = { 3, 4 },
                             s_b[] = { 3 }, s_out[] = { 1, 3 },
                             s_cin[] = { 1, 5, 5, 2 }, s_cw[] = { 4, 3, 3, 2 },
                             s_cout[] = { 1, 3, 3, 4 }, sig[] = { -1, 3 };
        static const float in_scale[] = { 0.5f }, w_scale[] = { 0.25f, 0.5f, 0.125f },
                           out_scale[] = { 1.0f }, mn[] = { -1.5f }, mx[] = { 2.5f };
        static const int64_t in_zp[] = { -3 }, w_zp[] = { 0, 0, 0 },
                             out_zp[] = { 5 };
        static const uint8_t copts[] = { 1, 2, 3 };
        tb_quant q_in, q_w, q_out;
        tb_tensor t;
        tb_operator op;
        const tb_field t3_extra[] = { TB_FIELD_VEC_I32(7, sig, 2),
                                      TB_FIELD_BOOL(8, 1) };
        const tb_field t6_extra[] = { TB_FIELD_BOOL(5, 1) };
        const tb_field fc_opts[] = { TB_FIELD_I8(0, 1) };
        const tb_field conv_opts[] = {
            TB_FIELD_I8(0, TB_PAD_VALID), TB_FIELD_I32(1, 2),
            TB_FIELD_I32(2, 1), TB_FIELD_I8(3, TB_ACT_RELU6),
            TB_FIELD_I32(4, 1), TB_FIELD_I32(5, 2)
        };
        const tb_field custom_extra[] = { TB_FIELD_VEC_U8(5, copts, 3),
                                          TB_FIELD_I8(6, 0) };
        const int32_t fc_in[] = { 0, 1, 2 }, fc_out[] = { 3 };
        const int32_t cv_in[] = { 4, 5, -1 }, cv_out[] = { 6 };
        const int32_t cu_in[] = { 3 }, cu_out[] = { 7 };
        const int32_t sg_in[] = { 0, 4 }, sg_out[] = { 3, 6, 7 };

        memset(&q_in, 0, sizeof(q_in));
        q_in.scale = in_scale; q_in.num_scale = 1;
        q_in.zero_point = in_zp; q_in.num_zero_point = 1;
        q_in.min = mn; q_in.num_min = 1; q_in.max = mx; q_in.num_max = 1;
        memset(&q_w, 0, sizeof(q_w));
        q_w.scale = w_scale; q_w.num_scale = 3;
        q_w.zero_point = w_zp; q_w.num_zero_point = 3;
        q_w.quantized_dimension = 0;
        memset(&q_out, 0, sizeof(q_out));
        q_out.scale = out_scale; q_out.num_scale = 1;
        q_out.zero_point = out_zp; q_out.num_zero_point = 1;

        CHECK(add_t(b, TB_TYPE_INT8, s_in, 2, 0, "in", &q_in) == 0);
        CHECK(add_t(b, TB_TYPE_INT8, s_w, 2, 1, "fc_w", &q_w) == 1);
        CHECK(add_t(b, TB_TYPE_INT32, s_b, 1, 2, NULL, NULL) == 2);
        memset(&t, 0, sizeof(t));
        t.type = TB_TYPE_INT8; t.shape = s_out; t.rank = 2;
        t.name = "fc_out"; t.quant = &q_out;
        t.extra = t3_extra; t.num_extra = 2;
        CHECK(tb_add_tensor(b, &t) == 3);
        CHECK(add_t(b, TB_TYPE_FLOAT32, s_cin, 4, 0, "conv_in", NULL) == 4);
        CHECK(add_t(b, TB_TYPE_FLOAT32, s_cw, 4, 3, "conv_w", NULL) == 5);
        memset(&t, 0, sizeof(t));
        t.type = TB_TYPE_FLOAT32; t.shape = s_cout; t.rank = 4;
        t.name = "conv_out"; t.extra = t6_extra; t.num_extra = 1;
        CHECK(tb_add_tensor(b, &t) == 6);
        CHECK(add_t(b, TB_TYPE_FLOAT32, s_out, 2, 0, "custom_out", NULL) == 7);

        memset(&op, 0, sizeof(op));
        op.opcode_index = 0;
        op.inputs = fc_in; op.num_inputs = 3;
        op.outputs = fc_out; op.num_outputs = 1;
        op.options_type = 8; op.options = fc_opts; op.num_options = 1;
        CHECK(tb_add_operator(b, &op) == 0);
        memset(&op, 0, sizeof(op));
        op.opcode_index = 1;
        op.inputs = cv_in; op.num_inputs = 3;
        op.outputs = cv_out; op.num_outputs = 1;
        op.options_type = 1; op.options = conv_opts; op.num_options = 6;
        CHECK(tb_add_operator(b, &op) == 1);
        memset(&op, 0, sizeof(op));
        op.opcode_index = 3;
        op.inputs = cu_in; op.num_inputs = 1;
        op.outputs = cu_out; op.num_outputs = 1;
        op.extra = custom_extra; op.num_extra = 2;
        CHECK(tb_add_operator(b, &op) == 2);
        CHECK(tb_set_inputs(b, sg_in, 2) == TB_OK);
        CHECK(tb_set_outputs(b, sg_out, 3) == TB_OK);

        /* misuse is refused and leaves the builder unchanged */
        {
            const tb_field dup[] = { TB_FIELD_I8(0, 1), TB_FIELD_I32(0, 2) };
            const tb_field reserved[] = { TB_FIELD_I8(2, 1) };
            tb_field badkind = TB_FIELD_I8(0, 1);
            tb_quant qbad;
            badkind.kind = 99;
            memset(&op, 0, sizeof(op));
            op.options = dup; op.num_options = 2;
            CHECK(tb_add_operator(b, &op) == TB_ERR_ARG);
            op.options = &badkind; op.num_options = 1;
            CHECK(tb_add_operator(b, &op) == TB_ERR_ARG);
            op.options = NULL; op.num_options = 1;
            CHECK(tb_add_operator(b, &op) == TB_ERR_ARG);
            op.num_options = 0; op.extra = reserved; op.num_extra = 1;
            CHECK(tb_add_operator(b, &op) == TB_ERR_ARG);
            op.extra = NULL; op.num_extra = 0; op.num_inputs = 2;
            CHECK(tb_add_operator(b, &op) == TB_ERR_ARG);
            memset(&t, 0, sizeof(t));
            t.rank = 3;
            CHECK(tb_add_tensor(b, &t) == TB_ERR_ARG);
            memset(&qbad, 0, sizeof(qbad));
            qbad.num_scale = 2;
            t.rank = 0; t.quant = &qbad;
            CHECK(tb_add_tensor(b, &t) == TB_ERR_ARG);
            CHECK(tb_add_tensor(NULL, &t) == TB_ERR_ARG);
            CHECK(tb_select_subgraph(b, 7) == TB_ERR_ARG);
            CHECK(tb_set_buffer(b, 99, NULL, 0) == TB_ERR_ARG);
            CHECK(tb_set_inputs(b, NULL, 1) == TB_ERR_ARG);
            CHECK(tb_finish(b, NULL, &n) == TB_ERR_ARG);
            CHECK(tb_pos(b, TB_POS_MODEL, 0, 0) == -1); /* not finished */
        }
    }
    CHECK(tb_add_subgraph(b) == 1); /* empty subgraph */
    CHECK(tb_add_subgraph(b) == 2);
    {
        static const int32_t one[] = { 1 }, io[] = { 0 };
        CHECK(tb_set_subgraph_name(b, "second") == TB_OK);
        CHECK(add_t(b, TB_TYPE_INT16, one, 1, 0, "s2", NULL) == 0);
        CHECK(tb_set_inputs(b, io, 1) == TB_OK);
        CHECK(tb_set_outputs(b, io, 1) == TB_OK);
    }
    CHECK(tb_select_subgraph(b, 0) == TB_OK);

    CHECK(tb_finish(b, &m, &n) == TB_OK);
    if (!m)
        return 1;

    /* positions */
    {
        long model = tb_pos(b, TB_POS_MODEL, 0, 0), p, t3, qv;
        CHECK(tb_get_u32(m, 0) == (uint32_t)model);
        CHECK(memcmp(m + 4, "TFL3", 4) == 0);
        CHECK(tb_deref(m, n, 0) == model);
        CHECK(tb_deref(m, n, tb_field_pos(m, n, model, 4)) ==
              tb_pos(b, TB_POS_BUFFERS_VEC, 0, 0));
        CHECK(tb_get_u32(m, (size_t)tb_pos(b, TB_POS_BUFFERS_VEC, 0, 0)) == 7);
        CHECK(tb_get_u32(m, (size_t)tb_pos(b, TB_POS_SUBGRAPHS_VEC, 0, 0)) == 3);
        CHECK(tb_get_u32(m, (size_t)tb_pos(b, TB_POS_OPCODES_VEC, 0, 0)) == 4);
        CHECK(tb_get_u32(m, (size_t)tb_pos(b, TB_POS_SG_TENSORS_VEC, 0, 0)) == 8);
        CHECK(tb_get_u32(m, (size_t)tb_pos(b, TB_POS_SG_TENSORS_VEC, 1, 0)) == 0);
        CHECK(tb_pos(b, TB_POS_SG_INPUTS_VEC, 1, 0) == -1);
        CHECK(tb_pos(b, TB_POS_SG_NAME, 1, 0) == -1);
        CHECK(tb_pos(b, TB_POS_TENSOR, 0, 8) == -1);
        CHECK(tb_pos(b, TB_POS_TENSOR, 3, 0) == -1);
        CHECK(tb_pos(b, TB_POS_BUFFER_DATA, 0, 0) == -1); /* sentinel */
        t3 = tb_pos(b, TB_POS_TENSOR, 0, 3);
        p = tb_pos(b, TB_POS_TENSOR_SHAPE_VEC, 0, 3);
        CHECK(tb_deref(m, n, tb_field_pos(m, n, t3, 0)) == p);
        CHECK(tb_get_u32(m, (size_t)p) == 2 && tb_get_u32(m, (size_t)p + 8) == 3);
        CHECK(tb_get_u32(m, (size_t)tb_field_pos(m, n, tb_pos(b, TB_POS_TENSOR, 0, 1), 2)) == 1);
        CHECK(m[tb_field_pos(m, n, t3, 8)] == 1);        /* has_rank */
        CHECK(tb_field_pos(m, n, t3, 5) == -1);           /* absent */
        CHECK(tb_field_pos(m, n, t3, 400) == -1);         /* beyond vtable */
        qv = tb_pos(b, TB_POS_QUANT_ZERO_POINT_VEC, 0, 1);
        CHECK(qv > 0 && (qv + 4) % 8 == 0);               /* [long] 8-aligned */
        CHECK(tb_get_u32(m, (size_t)qv) == 3);
        CHECK(tb_get_u32(m, (size_t)tb_pos(b, TB_POS_QUANT_SCALE_VEC, 0, 1)) == 3);
        for (i = 1; i <= 3; i++) {
            p = tb_pos(b, TB_POS_BUFFER_DATA, 0, (int)i);
            CHECK(p > 0 && (p + 4) % 16 == 0);            /* data 16-aligned */
        }
        p = tb_pos(b, TB_POS_BUFFER_DATA, 0, 6);
        CHECK(p > 0 && (p + 4) % 16 == 0 && memcmp(m + p + 4, meta, sizeof(meta)) == 0);
        p = tb_pos(b, TB_POS_BUFFER_APPENDED, 0, 5);
        CHECK(p > 0 && p % 16 == 0 && (size_t)p + 10 == n &&
              memcmp(m + p, appended, 10) == 0);
        CHECK(tb_get_u32(m, (size_t)tb_field_pos(m, n, tb_pos(b, TB_POS_BUFFER, 0, 5), 1)) == (uint32_t)p);
        p = tb_pos(b, TB_POS_OP_OPTIONS, 0, 1);
        CHECK(tb_deref(m, n, tb_field_pos(m, n, tb_pos(b, TB_POS_OPERATOR, 0, 1), 4)) == p);
        CHECK(tb_get_u32(m, (size_t)tb_field_pos(m, n, p, 1)) == 2); /* stride_w */
        CHECK(tb_pos(b, TB_POS_OP_OPTIONS, 0, 2) == -1);
        /* vtable of the model: u16 size = 4 + 2 * (max id 6 + 1) */
        CHECK(tb_get_u16(m, (size_t)tb_vtable_pos(m, n, model)) == 18);
        CHECK(tb_vtable_pos(m, n, (long)n) == -1);
        CHECK(tb_deref(m, 3, 0) == -1);
    }
    if (write_file(dir, "x.tflite", m, n))
        failures++;
    /* finishing twice gives the same bytes */
    {
        uint8_t *m2 = NULL;
        size_t n2 = 0;
        CHECK(tb_finish(b, &m2, &n2) == TB_OK && n2 == n && memcmp(m, m2, n) == 0);
        free(m2);
    }
    printf("x.tflite: %zu bytes, model table at %ld, buffers vector at %ld\n",
           n, tb_pos(b, TB_POS_MODEL, 0, 0), tb_pos(b, TB_POS_BUFFERS_VEC, 0, 0));
    free(m);
    tb_free(b);
    return 0;
}

/* Values a real model would never have; written as given. */
static int build_bad(const char *dir)
{
    tb_builder *b = tb_create();
    uint8_t *m = NULL;
    size_t n = 0;
    static const int32_t shape[] = { -1, 0x7fffffff, 0 }, in[] = { 5, -1 },
                         out[] = { 42 };
    static const float sc[] = { 1.0f, 2.0f };
    static const int64_t zp[] = { -129, 300, 1 };
    static const int32_t nested_v[] = { 7, 8 };
    const tb_field nested[] = { TB_FIELD_VEC_I32(1, nested_v, 2),
                                TB_FIELD_STRING(0, "deep") };
    const tb_field wrong_opts[] = { TB_FIELD_I8(0, 1), TB_FIELD_I64(9, -5),
                                    TB_FIELD_F32(3, 0.75),
                                    TB_FIELD_TABLE(10, nested, 2) };
    tb_quant q;
    tb_tensor t;
    tb_operator op;
    uint8_t junk[3] = { 1, 2, 3 };

    if (!b)
        return 1;
    CHECK(tb_set_version(b, 99) == TB_OK);
    CHECK(tb_set_buffer(b, 0, junk, 3) == TB_OK); /* non-empty sentinel */
    CHECK(tb_add_external_buffer(b, 1, 0xffffffffffffull) == 1);
    CHECK(tb_add_buffer(b, NULL, 0) == 2);   /* no data field */
    CHECK(tb_add_buffer(b, NULL, 40) == 3);  /* 40 zero bytes */
    CHECK(tb_add_opcode(b, -7, 0) == 0);
    CHECK(tb_add_opcode_raw(b, 9, 3, -1, NULL) == 1);
    memset(&q, 0, sizeof(q));
    q.scale = sc; q.num_scale = 2; q.zero_point = zp; q.num_zero_point = 3;
    q.quantized_dimension = 7;
    memset(&t, 0, sizeof(t));
    t.type = 100; t.shape = shape; t.rank = 3; t.buffer = 1000;
    t.quant = &q;
    CHECK(tb_add_tensor(b, &t) == 0);
    memset(&t, 0, sizeof(t));
    t.type = TB_TYPE_FLOAT32; t.omit_shape = 1; t.name = "";
    CHECK(tb_add_tensor(b, &t) == 1);
    memset(&op, 0, sizeof(op));
    op.opcode_index = 55; op.inputs = in; op.num_inputs = 2;
    op.outputs = out; op.num_outputs = 1;
    op.options_type = 1; /* Conv2DOptions, filled with nonsense */
    op.options = wrong_opts; op.num_options = 4;
    CHECK(tb_add_operator(b, &op) == 0);
    memset(&op, 0, sizeof(op));
    op.options_type = 8; op.options_flags = TB_OPTS_OMIT_TABLE;
    CHECK(tb_add_operator(b, &op) == 1);
    memset(&op, 0, sizeof(op));
    op.options = wrong_opts; op.num_options = 1; /* table, type NONE */
    CHECK(tb_add_operator(b, &op) == 2);
    memset(&op, 0, sizeof(op));
    op.options_type = 5; /* Pool2DOptions, empty table (all defaults) */
    CHECK(tb_add_operator(b, &op) == 3);
    CHECK(tb_set_outputs(b, NULL, 0) == TB_OK); /* empty; inputs absent */
    CHECK(tb_finish(b, &m, &n) == TB_OK);
    if (!m)
        return 1;
    {
        long opt = tb_pos(b, TB_POS_OP_OPTIONS, 0, 0);
        long tbl = tb_deref(m, n, tb_field_pos(m, n, opt, 10));
        long str = tb_deref(m, n, tb_field_pos(m, n, tbl, 0));
        CHECK(tbl > 0 && str > 0 && tb_get_u32(m, (size_t)str) == 4 &&
              memcmp(m + str + 4, "deep", 5) == 0);
        CHECK(tb_pos(b, TB_POS_OP_OPTIONS, 0, 1) == -1);
        CHECK(tb_pos(b, TB_POS_TENSOR_SHAPE_VEC, 0, 1) == -1);
    }
    if (write_file(dir, "bad.tflite", m, n))
        failures++;
    printf("bad.tflite: %zu bytes\n", n);
    free(m);
    tb_free(b);
    return 0;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "/tmp";
    int i;
    if (build_good(dir) || build_bad(dir))
        failures++;
    /* a small stress: many tensors/operators/subgraphs */
    {
        tb_builder *b = tb_create();
        uint8_t *m = NULL;
        size_t n = 0;
        static const int32_t s[] = { 2, 2 };
        for (i = 0; b && i < 3000; i++) {
            tb_tensor t;
            memset(&t, 0, sizeof(t));
            t.shape = s; t.rank = 2; t.name = "t";
            if (tb_add_tensor(b, &t) != i % 1000)
                failures++;
            if (i % 1000 == 999)
                tb_add_subgraph(b);
        }
        CHECK(b && tb_finish(b, &m, &n) == TB_OK && n > 3000 * 20);
        free(m);
        tb_free(b);
    }
    tb_free(NULL);
    if (failures)
        fprintf(stderr, "%d failure(s)\n", failures);
    else
        printf("all C checks passed\n");
    return failures != 0;
}
EOF_MAIN

for cc in gcc clang; do
    mkdir -p "$W/$cc"
    $cc -std=c11 -Wall -Wextra -Werror -fsanitize=address,undefined \
        -fno-sanitize-recover=all -g -I"$HERE" "$W/main.c" \
        "$HERE/tflite_builder.c" -o "$W/main_$cc"
    echo "== running driver built with $cc (ASan+UBSan)"
    "$W/main_$cc" "$W/$cc"
done
# --- malloc failure injection (builder compiled into the test TU) ---------
cat > "$W/oom.c" <<'EOF_OOM'
/* malloc-failure injection: every allocation point fails once in turn. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static long tb_alloc_count, tb_fail_at = -1;
static void *t_malloc(size_t n)
{ return tb_alloc_count++ == tb_fail_at ? NULL : malloc(n); }
static void *t_calloc(size_t a, size_t n)
{ return tb_alloc_count++ == tb_fail_at ? NULL : calloc(a, n); }
static void *t_realloc(void *p, size_t n)
{ return tb_alloc_count++ == tb_fail_at ? NULL : realloc(p, n); }
#define malloc t_malloc
#define calloc t_calloc
#define realloc t_realloc
#include "tflite_builder.c"
#undef malloc
#undef calloc
#undef realloc

static int run(void)
{
    static const int32_t shape[] = { 1, 2, 3, 4 }, io[] = { 0, 1 };
    static const float sc[] = { 0.5f, 0.25f };
    static const int64_t zp[] = { 1, 2 };
    static const int32_t v[] = { 1, 2 };
    const tb_field sub[] = { TB_FIELD_STRING(0, "s"), TB_FIELD_VEC_I32(1, v, 2) };
    const tb_field opts[] = { TB_FIELD_I8(0, 1), TB_FIELD_TABLE(3, sub, 2),
                              TB_FIELD_VEC_I64(4, zp, 2) };
    tb_quant q = { sc, 2, zp, 2, 1, sc, 1, sc, 1 };
    tb_tensor t = { 0 };
    tb_operator op = { 0 };
    tb_builder *b = tb_create();
    uint8_t *m = NULL;
    size_t n = 0, ok = 0, calls = 0;
    int i, rc;
    if (!b)
        return 0;
#define TRY(x) do { rc = (x); calls++; if (rc >= 0) ok++; \
    else if (rc != TB_ERR_NOMEM) { printf("unexpected %d at %d\n", rc, __LINE__); exit(1); } } while (0)
    TRY(tb_set_description(b, "d"));
    TRY(tb_add_buffer(b, shape, sizeof(shape)));
    TRY(tb_add_appended_buffer(b, shape, 8));
    TRY(tb_add_opcode_raw(b, 32, 32, 1, "c"));
    TRY(tb_add_metadata(b, "m", 1));
    t.shape = shape; t.rank = 4; t.name = "t"; t.quant = &q;
    t.extra = sub + 1; t.num_extra = 0;
    for (i = 0; i < 20; i++)
        TRY(tb_add_tensor(b, &t));
    op.inputs = io; op.num_inputs = 2; op.outputs = io; op.num_outputs = 1;
    op.options_type = 1; op.options = opts; op.num_options = 3;
    for (i = 0; i < 20; i++)
        TRY(tb_add_operator(b, &op));
    TRY(tb_set_inputs(b, io, 2));
    TRY(tb_set_subgraph_name(b, "g"));
    TRY(tb_add_subgraph(b));
    TRY(tb_finish(b, &m, &n));
    if (rc == TB_OK) {
        if (!m || n == 0 || tb_pos(b, TB_POS_MODEL, 0, 0) <= 0) exit(1);
    } else if (m || n || tb_pos(b, TB_POS_MODEL, 0, 0) != -1) {
        exit(1);
    }
    free(m);
    tb_free(b);
    return ok == calls;
}

int main(void)
{
    long total, k, failed_runs = 0;
    tb_fail_at = -1; tb_alloc_count = 0;
    if (!run()) { printf("clean run failed\n"); return 1; }
    total = tb_alloc_count;
    for (k = 0; k < total; k++) {
        tb_fail_at = k; tb_alloc_count = 0;
        if (!run()) failed_runs++;
    }
    printf("malloc failure injected at each of %ld allocations: %ld runs saw TB_ERR_NOMEM, no crash/leak\n",
           total, failed_runs);
    return failed_runs != total; /* every injection must be noticed */
}
EOF_OOM
for cc in gcc clang; do
    $cc -std=c11 -Wall -Wextra -Werror -fsanitize=address,undefined \
        -fno-sanitize-recover=all -g -I"$HERE" "$W/oom.c" -o "$W/oom_$cc"
    echo "== $cc: $("$W/oom_$cc")"
done

cmp "$W/gcc/x.tflite" "$W/clang/x.tflite"
cmp "$W/gcc/bad.tflite" "$W/clang/bad.tflite"
echo "== gcc and clang builds produce identical bytes"
cp "$W/gcc/x.tflite" "$W/gcc/bad.tflite" "$W/"
[ "$W" = /tmp ] || cp "$W/x.tflite" /tmp/x.tflite 2>/dev/null || true

# --- decode with flatc and compare every field ------------------------------
flatc --json --strict-json --raw-binary -o "$W/out" "$W/schema_flatc.fbs" -- \
    "$W/x.tflite" "$W/bad.tflite" "$REAL"
echo "== flatc decoded x.tflite, bad.tflite and $(basename "$REAL")"
cat > "$W/checker.py" <<'EOF_PY'
import json, struct, sys, os

out = sys.argv[1]
x = json.load(open(os.path.join(out, 'x.json')))
bad = json.load(open(os.path.join(out, 'bad.json')))
size_x = os.path.getsize(sys.argv[2])

def qp(scale, zp, qdim=0, mn=None, mx=None):
    d = {}
    if mn is not None: d['min'] = mn
    if mx is not None: d['max'] = mx
    d['scale'] = scale; d['zero_point'] = zp; d['quantized_dimension'] = qdim
    return d

def tensor(shape, typ, buf, name=None, quant=None, **extra):
    d = {'shape': shape, 'type': typ, 'buffer': buf}
    if name is not None: d['name'] = name
    if quant is not None: d['quantization'] = quant
    d.update(extra)
    return d

expect_x = {
  'version': 3,
  'operator_codes': [
    {'deprecated_builtin_code': 9, 'version': 1, 'builtin_code': 'FULLY_CONNECTED'},
    {'deprecated_builtin_code': 3, 'version': 2, 'builtin_code': 'CONV_2D'},
    {'deprecated_builtin_code': 127, 'version': 1, 'builtin_code': 'GELU'},
    {'deprecated_builtin_code': 32, 'custom_code': 'MyCustom', 'version': 1, 'builtin_code': 'CUSTOM'},
  ],
  'subgraphs': [
    {'tensors': [
        tensor([1, 4], 'INT8', 0, 'in', qp([0.5], [-3], 0, [-1.5], [2.5])),
        tensor([3, 4], 'INT8', 1, 'fc_w', qp([0.25, 0.5, 0.125], [0, 0, 0], 0)),
        tensor([3], 'INT32', 2),
        tensor([1, 3], 'INT8', 0, 'fc_out', qp([1.0], [5]), shape_signature=[-1, 3], has_rank=True),
        tensor([1, 5, 5, 2], 'FLOAT32', 0, 'conv_in'),
        tensor([4, 3, 3, 2], 'FLOAT32', 3, 'conv_w'),
        tensor([1, 3, 3, 4], 'FLOAT32', 0, 'conv_out', is_variable=True),
        tensor([1, 3], 'FLOAT32', 0, 'custom_out'),
     ],
     'inputs': [0, 4], 'outputs': [3, 6, 7],
     'operators': [
        {'opcode_index': 0, 'inputs': [0, 1, 2], 'outputs': [3],
         'builtin_options_type': 'FullyConnectedOptions',
         'builtin_options': {'fused_activation_function': 'RELU'}},
        {'opcode_index': 1, 'inputs': [4, 5, -1], 'outputs': [6],
         'builtin_options_type': 'Conv2DOptions',
         'builtin_options': {'padding': 'VALID', 'stride_w': 2, 'stride_h': 1,
                             'fused_activation_function': 'RELU6',
                             'dilation_w_factor': 1, 'dilation_h_factor': 2}},
        {'opcode_index': 3, 'inputs': [3], 'outputs': [7],
         'custom_options': [1, 2, 3], 'custom_options_format': 'FLEXBUFFERS'},
     ],
     'name': 'main'},
    {'tensors': [], 'operators': []},
    {'tensors': [tensor([1], 'INT16', 0, 's2')], 'inputs': [0], 'outputs': [0],
     'operators': [], 'name': 'second'},
  ],
  'description': 'tinysense selfcheck',
  'buffers': [
    {},
    {'data': [(i * 7 + 1) & 0xff for i in range(12)]},
    {'data': list(struct.pack('<3i', 100, -200, 300))},
    {'data': list(struct.pack('<72f', *[i * 0.5 - 3.0 for i in range(72)]))},
    {'offset': 4096, 'size': 64},
    {'offset': size_x - 10, 'size': 10},
    {'data': list(b'1.14.0\0')},
  ],
  'metadata': [{'name': 'min_runtime_version', 'buffer': 6}],
}

def diff(a, b, path='$'):
    errs = []
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a: errs.append('%s.%s: unexpected %r' % (path, k, b[k]))
            elif k not in b: errs.append('%s.%s: missing (want %r)' % (path, k, a[k]))
            else: errs += diff(a[k], b[k], path + '.' + k)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b): errs.append('%s: length %d != %d' % (path, len(b), len(a)))
        for i, (p, q) in enumerate(zip(a, b)): errs += diff(p, q, '%s[%d]' % (path, i))
    elif a != b or type(a) != type(b) and not (isinstance(a, float) and isinstance(b, (int, float))):
        errs.append('%s: got %r, want %r' % (path, b, a))
    return errs

errs = diff(expect_x, x)

# bad.tflite: values written as given even though TFLite would reject them
sg = bad['subgraphs'][0]
checks = [
  (bad['version'], 99),
  (bad['operator_codes'][0], {'deprecated_builtin_code': -7, 'version': 0, 'builtin_code': -7}),
  (bad['operator_codes'][1], {'deprecated_builtin_code': 9, 'version': -1, 'builtin_code': 'CONV_2D'}),
  (sg['tensors'][0], {'shape': [-1, 2147483647, 0], 'type': 100, 'buffer': 1000,
                      'quantization': {'scale': [1.0, 2.0], 'zero_point': [-129, 300, 1],
                                       'quantized_dimension': 7}}),
  (sg['tensors'][1], {'type': 'FLOAT32', 'buffer': 0, 'name': ''}),
  ('inputs' in sg, False), (sg['outputs'], []),
  (sg['operators'][0]['opcode_index'], 55), (sg['operators'][0]['inputs'], [5, -1]),
  (sg['operators'][0]['outputs'], [42]),
  (sg['operators'][0]['builtin_options_type'], 'Conv2DOptions'),
  (sg['operators'][1], {'opcode_index': 0, 'inputs': [], 'outputs': [],
                        'builtin_options_type': 'FullyConnectedOptions'}),
  ('builtin_options_type' in sg['operators'][2], False),
  ('builtin_options' in sg['operators'][2], True),
  (sg['operators'][3]['builtin_options_type'], 'Pool2DOptions'),
  (sg['operators'][3]['builtin_options'], {}),
  (bad['buffers'], [{'data': [1, 2, 3]}, {'offset': 1, 'size': 0xffffffffffff}, {},
                    {'data': [0] * 40}]),
]
for i, (got, want) in enumerate(checks):
    if got != want:
        errs.append('bad check %d: got %r, want %r' % (i, got, want))

for e in errs: print('MISMATCH', e)
def leaves(v):
    if isinstance(v, dict): return sum(leaves(w) for w in v.values()) + (0 if v else 1)
    if isinstance(v, list): return sum(leaves(w) for w in v) + (0 if v else 1)
    return 1
print('x.tflite: %d values compared exactly; bad.tflite: %d checks; %d mismatches'
      % (leaves(expect_x), len(checks), len(errs)))

# structure comparison with a real converter output
if len(sys.argv) > 3:
    real = json.load(open(sys.argv[3]))
    def keys(d): return sorted(d.keys())
    print('structure, real model vs builder output (field names present):')
    rows = [('Model', real, x)]
    rows.append(('OperatorCode', real['operator_codes'][0], x['operator_codes'][0]))
    rows.append(('SubGraph', real['subgraphs'][0], x['subgraphs'][0]))
    rows.append(('Tensor', real['subgraphs'][0]['tensors'][0], x['subgraphs'][0]['tensors'][0]))
    rows.append(('Quantization', real['subgraphs'][0]['tensors'][0].get('quantization', {}),
                 x['subgraphs'][0]['tensors'][1]['quantization']))
    rows.append(('Operator', real['subgraphs'][0]['operators'][0], x['subgraphs'][0]['operators'][0]))
    rows.append(('Buffer[0]', real['buffers'][0], x['buffers'][0]))
    for name, r, o in rows:
        print('  %-13s real: %s' % (name, keys(r)))
        print('  %-13s ours: %s' % ('', keys(o)))
sys.exit(1 if errs else 0)
EOF_PY
python3 "$W/checker.py" "$W/out" "$W/x.tflite" \
    "$W/out/$(basename "$REAL" .tflite).json"

# --- flatbuffers C++ Verifier (bounds, alignment, vtables) ------------------
if command -v g++ >/dev/null 2>&1 && [ -f /usr/include/flatbuffers/flatbuffers.h ]; then
    flatc --cpp -o "$W" "$W/schema_flatc.fbs"
    cat > "$W/verify.cc" <<'EOF_CC'
// Structural check of .tflite files with the flatbuffers C++ Verifier
// (generated from schema.fbs by flatc --cpp).
#include <cstdio>
#include <vector>
#include "schema_flatc_generated.h"
int main(int argc, char **argv) {
  int bad = 0;
  for (int i = 1; i < argc; i++) {
    FILE *f = std::fopen(argv[i], "rb");
    if (!f) { std::perror(argv[i]); return 2; }
    std::vector<uint8_t> buf;
    int c;
    while ((c = std::fgetc(f)) != EOF) buf.push_back(static_cast<uint8_t>(c));
    std::fclose(f);
    flatbuffers::Verifier v(buf.data(), buf.size());
    bool ok = tflite::ModelBufferHasIdentifier(buf.data()) &&
              tflite::VerifyModelBuffer(v);
    std::printf("%s: %s (%zu bytes)\n", argv[i], ok ? "verifier OK" : "verifier FAILED", buf.size());
    if (!ok) bad = 1;
  }
  return bad;
}
EOF_CC
    g++ -std=c++17 -O1 -I"$W" "$W/verify.cc" -o "$W/verify"
    "$W/verify" "$W/x.tflite" "$W/bad.tflite" "$REAL"
    # a corrupted copy must be rejected: huge Model.buffers length
    python3 - "$W/x.tflite" "$W/corrupt.tflite" <<'EOF_COR'
import struct, sys
d = bytearray(open(sys.argv[1], 'rb').read())
root = struct.unpack_from('<I', d, 0)[0]
vt = root - struct.unpack_from('<i', d, root)[0]
fo = struct.unpack_from('<H', d, vt + 4 + 2 * 4)[0]   # Model.buffers (id 4)
vec = root + fo + struct.unpack_from('<I', d, root + fo)[0]
struct.pack_into('<I', d, vec, 0x7fffffff)
open(sys.argv[2], 'wb').write(d)
EOF_COR
    if "$W/verify" "$W/corrupt.tflite"; then
        echo "FAIL: corrupted model passed the verifier"; exit 1
    fi
    echo "== verifier rejects the corrupted copy, as it should"
else
    echo "== (skipping Verifier step: needs g++ and libflatbuffers-dev)"
fi
echo "== tflite_builder selfcheck: ALL OK"
