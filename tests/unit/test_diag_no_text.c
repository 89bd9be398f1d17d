/* SPDX-License-Identifier: MIT */
/*
 * lib/core/diag.c built as a firmware builds it, with TS_CONFIG_DIAG_TEXT 0
 * (tinysense/config.h): statuses unchanged, the text only the status's
 * name, formats and their arguments not compiled.  This file compiles its
 * own copy of diag.c, its public names renamed so they do not meet the
 * library's (built with text) at link time.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#define TS_CONFIG_DIAG_TEXT 0
#define ts_status_str no_text_status_str
#define ts_diag_status no_text_diag_status
#include "core/diag.c"

/* Counts its calls: an argument of a message must never be evaluated. */
static int evaluated;

static int side_effect(void)
{
	return ++evaluated;
}

static void test_set_writes_the_status_name(void **state)
{
	ts_diag d;

	(void)state;
	memset(d.text, '#', sizeof(d.text));
	evaluated = 0;
	assert_int_equal(ts_diag_set(&d, TS_ERR_SHAPE, "tensor %d: rank %d", side_effect(), 5),
			 TS_ERR_SHAPE);
	assert_string_equal(d.text, "shape mismatch");
	assert_int_equal(evaluated, 0);
	assert_int_equal(side_effect(), 1); /* the counter itself works */
	assert_int_equal(ts_diag_set(&d, TS_ERR_ARENA_TOO_SMALL, "%zu more bytes", (size_t)8),
			 TS_ERR_ARENA_TOO_SMALL);
	assert_string_equal(d.text, "arena too small");
}

static void test_append_keeps_the_text(void **state)
{
	ts_diag d;

	(void)state;
	ts_diag_set(&d, TS_ERR_UNSUPPORTED, "operator %s", "X");
	evaluated = 0;
	assert_int_equal(ts_diag_append(&d, TS_ERR_UNSUPPORTED, " and %d", side_effect()),
			 TS_ERR_UNSUPPORTED);
	assert_int_equal(ts_diag_append(&d, TS_OK, "]"), TS_OK);
	assert_string_equal(d.text, "unsupported");
	assert_int_equal(evaluated, 0);
}

static void test_null_diag(void **state)
{
	(void)state;
	assert_int_equal(ts_diag_set(NULL, TS_ERR_MALFORMED, "x"), TS_ERR_MALFORMED);
	assert_int_equal(ts_diag_append(NULL, TS_ERR_QUANT, "y"), TS_ERR_QUANT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_writes_the_status_name),
		cmocka_unit_test(test_append_keeps_the_text),
		cmocka_unit_test(test_null_diag),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
