/* SPDX-License-Identifier: MIT */
/* The freestanding diag formatter (lib/core/diag.c) and ts_status_str. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <string.h>

#include "core/diag.h"
#include "tinysense/status.h"

/* A diag full of garbage, no NUL anywhere: ts_diag_set must not care. */
static void dirty(ts_diag *d)
{
	memset(d->text, '#', sizeof(d->text));
}

static void test_integers(void **state)
{
	ts_diag d;

	(void)state;
	dirty(&d);
	assert_int_equal(ts_diag_set(&d, TS_ERR_MALFORMED, "%d %d %d %d", 0, 42, -42, INT_MIN),
			 TS_ERR_MALFORMED);
	assert_string_equal(d.text, "0 42 -42 -2147483648");
	dirty(&d);
	ts_diag_set(&d, TS_OK, "%d", INT_MAX);
	assert_string_equal(d.text, "2147483647");
	dirty(&d);
	ts_diag_set(&d, TS_OK, "%u|%u|%u", 0u, 7u, UINT_MAX);
	assert_string_equal(d.text, "0|7|4294967295");
	dirty(&d);
	ts_diag_set(&d, TS_OK, "%x %x %x %x", 0u, 0xau, 0xdeadbeefu, UINT_MAX);
	assert_string_equal(d.text, "0 a deadbeef ffffffff");
	dirty(&d);
	ts_diag_set(&d, TS_OK, "%zu %zu %zu", (size_t)0, (size_t)192, (size_t)SIZE_MAX);
	assert_string_equal(d.text, "0 192 18446744073709551615");
	dirty(&d);
	ts_diag_set(&d, TS_OK, "%lld %lld %lld %lld", 0ll, -1ll, LLONG_MAX, LLONG_MIN);
	assert_string_equal(d.text, "0 -1 9223372036854775807 -9223372036854775808");
	dirty(&d);
	ts_diag_set(&d, TS_OK, "%llu %llu", 0ull, ULLONG_MAX);
	assert_string_equal(d.text, "0 18446744073709551615");
}

/* long, and int32_t / uint32_t through <inttypes.h>: "d"/"u" on glibc,
 * "ld"/"lu" on newlib's Arm targets, where int32_t is long. */
static void test_long_and_int32(void **state)
{
	ts_diag d;

	(void)state;
	dirty(&d);
	ts_diag_set(&d, TS_OK, "%ld %ld %ld %ld", 0l, 42l, LONG_MAX, LONG_MIN);
	assert_int_equal(strncmp(d.text, "0 42 ", 5), 0);
	assert_string_equal(d.text + 5, LONG_MAX == INT64_MAX ?
				 "9223372036854775807 -9223372036854775808" :
				 "2147483647 -2147483648");
	dirty(&d);
	ts_diag_set(&d, TS_OK, "%lu|%lx|%lx", 7ul, 0xbeefUL, 0xdeadbeefUL);
	assert_string_equal(d.text, "7|beef|deadbeef");
	dirty(&d);
	ts_diag_set(&d, TS_OK, "%" PRId32 " %" PRId32 " %" PRIu32 "/%s", INT32_MIN, (int32_t)-5,
		    UINT32_MAX, "end");
	assert_string_equal(d.text, "-2147483648 -5 4294967295/end");
}

static void test_strings_and_percent(void **state)
{
	ts_diag d;

	(void)state;
	dirty(&d);
	ts_diag_set(&d, TS_OK, "op %s: '%s'%s", "CONV_2D", "", "!");
	assert_string_equal(d.text, "op CONV_2D: ''!");
	dirty(&d);
	ts_diag_set(&d, TS_OK, "100%% of %d%%", 3);
	assert_string_equal(d.text, "100% of 3%");
	/* NULL for %s (through a volatile: GCC rejects a literal NULL). */
	{
		const char *volatile null_str = NULL;

		dirty(&d);
		ts_diag_set(&d, TS_OK, "%s", null_str);
		assert_string_equal(d.text, "(null)");
	}
	dirty(&d);
	ts_diag_set(&d, TS_OK, "no conversions at all");
	assert_string_equal(d.text, "no conversions at all");
	dirty(&d);
	ts_diag_set(&d, TS_OK, "%s", "");
	assert_string_equal(d.text, "");
	/* Mixed widths in one call: the va_list must stay in step. */
	dirty(&d);
	ts_diag_set(&d, TS_OK, "%d/%zu/%lld/%s/%llu/%u/%x", -1, (size_t)2, -3ll, "four",
		    5ull, 6u, 0x7u);
	assert_string_equal(d.text, "-1/2/-3/four/5/6/7");
	/* The loader's actual sentence. */
	dirty(&d);
	ts_diag_set(&d, TS_ERR_MALFORMED,
		    "tensor %u: buffer %u out of range (model has %u buffers)", 12u, 40u, 31u);
	assert_string_equal(d.text, "tensor 12: buffer 40 out of range (model has 31 buffers)");
}

/* A conversion the formatter does not know never reads past the format and
 * leaves a marker; a lone % at the very end neither. */
static void test_unknown_conversions(void **state)
{
	/* Through variables: the compiler's format check would refuse them. */
	const char *unknown = "a%qb", *trailing = "abc%";
	ts_diag d;

	(void)state;
	dirty(&d);
	ts_diag_set(&d, TS_OK, unknown, 0);
	assert_non_null(strchr(d.text, 'a'));
	assert_non_null(memchr(d.text, '\0', sizeof(d.text)));
	assert_int_equal(strncmp(d.text, "a", 1), 0);
	dirty(&d);
	ts_diag_set(&d, TS_OK, trailing, 0);
	assert_int_equal(strncmp(d.text, "abc", 3), 0);
	assert_true(strlen(d.text) <= 4);
}

static void test_truncation(void **state)
{
	char longer[TS_DIAG_TEXT_SIZE * 2];
	ts_diag d;

	(void)state;
	memset(longer, 'y', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	/* Exactly TS_DIAG_TEXT_SIZE - 1 characters fit. */
	dirty(&d);
	ts_diag_set(&d, TS_OK, "%s", longer + sizeof(longer) - TS_DIAG_TEXT_SIZE);
	assert_int_equal(strlen(d.text), TS_DIAG_TEXT_SIZE - 1);
	/* More is cut at TS_DIAG_TEXT_SIZE - 1 with the NUL in the last byte. */
	dirty(&d);
	ts_diag_set(&d, TS_OK, "%s and %d more", longer, 12345);
	assert_int_equal(d.text[TS_DIAG_TEXT_SIZE - 1], '\0');
	assert_int_equal(strlen(d.text), TS_DIAG_TEXT_SIZE - 1);
	assert_int_equal(d.text[TS_DIAG_TEXT_SIZE - 2], 'y');
	/* Cut inside a number. */
	dirty(&d);
	ts_diag_set(&d, TS_OK, "%s%llu", longer + sizeof(longer) - TS_DIAG_TEXT_SIZE + 3,
		    12345678ull);
	assert_int_equal(strlen(d.text), TS_DIAG_TEXT_SIZE - 1);
	assert_memory_equal(d.text + TS_DIAG_TEXT_SIZE - 4, "123", 3);
	/* Cut by the format text itself (no arguments). */
	{
		char fmt[TS_DIAG_TEXT_SIZE + 50];

		memset(fmt, 'z', sizeof(fmt) - 1);
		fmt[sizeof(fmt) - 1] = '\0';
		dirty(&d);
		ts_diag_set(&d, TS_OK, fmt, 0);
		assert_int_equal(strlen(d.text), TS_DIAG_TEXT_SIZE - 1);
	}
}

static void test_append(void **state)
{
	char longer[TS_DIAG_TEXT_SIZE * 2];
	ts_diag d;

	(void)state;
	dirty(&d);
	ts_diag_set(&d, TS_ERR_SHAPE, "output shape ");
	assert_int_equal(ts_diag_append(&d, TS_ERR_SHAPE, "[%d,%d]", 1, 10), TS_ERR_SHAPE);
	ts_diag_append(&d, TS_OK, " differs");
	assert_string_equal(d.text, "output shape [1,10] differs");
	/* Set replaces what was there. */
	ts_diag_set(&d, TS_OK, "new");
	assert_string_equal(d.text, "new");
	/* Appending to a full diag keeps it full and terminated. */
	memset(longer, 'q', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	ts_diag_set(&d, TS_OK, "%s", longer);
	ts_diag_append(&d, TS_OK, "more %d", 7);
	assert_int_equal(strlen(d.text), TS_DIAG_TEXT_SIZE - 1);
	assert_null(strchr(d.text, 'm'));
	/* Appending to an unterminated buffer stays within it. */
	dirty(&d);
	ts_diag_append(&d, TS_OK, "x");
	assert_int_equal(d.text[TS_DIAG_TEXT_SIZE - 1], '\0');
	assert_int_equal(strlen(d.text), TS_DIAG_TEXT_SIZE - 1);
	/* Appending to an empty one is set. */
	d.text[0] = '\0';
	ts_diag_append(&d, TS_OK, "%u", 5u);
	assert_string_equal(d.text, "5");
}

static ts_status via_vappend(ts_diag *d, ts_status st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	st = ts_diag_vappend(d, st, fmt, ap);
	va_end(ap);
	return st;
}

static void test_null_diag(void **state)
{
	(void)state;
	/* The status comes back unchanged and nothing is touched. */
	assert_int_equal(ts_diag_set(NULL, TS_ERR_QUANT, "x %d %s", 1, "y"), TS_ERR_QUANT);
	assert_int_equal(ts_diag_append(NULL, TS_ERR_SHAPE, "x %d", 1), TS_ERR_SHAPE);
	assert_int_equal(via_vappend(NULL, TS_ERR_STATE, "x %zu", (size_t)1), TS_ERR_STATE);
	assert_int_equal(ts_diag_set(NULL, TS_OK, "x"), TS_OK);
}

static void test_vappend(void **state)
{
	ts_diag d;

	(void)state;
	d.text[0] = '\0';
	assert_int_equal(via_vappend(&d, TS_ERR_UNSUPPORTED, "%s=%lld", "k", -5ll),
			 TS_ERR_UNSUPPORTED);
	assert_int_equal(via_vappend(&d, TS_ERR_UNSUPPORTED, ", %x", 255u), TS_ERR_UNSUPPORTED);
	assert_string_equal(d.text, "k=-5, ff");
}

static void test_status_str(void **state)
{
	static const struct { ts_status st; const char *text; } all[] = {
		{ TS_OK, "ok" },
		{ TS_ERR_INVALID_ARG, "invalid argument" },
		{ TS_ERR_MALFORMED, "malformed model" },
		{ TS_ERR_UNSUPPORTED, "unsupported" },
		{ TS_ERR_SHAPE, "shape mismatch" },
		{ TS_ERR_QUANT, "bad quantization" },
		{ TS_ERR_ARENA_TOO_SMALL, "arena too small" },
		{ TS_ERR_STATE, "wrong state" },
	};
	const size_t n = sizeof(all) / sizeof(all[0]);

	(void)state;
	/* Every status has its own non-empty name... */
	assert_int_equal(n, TS_ERR_STATE + 1);
	for (size_t i = 0; i < n; i++) {
		const char *s = ts_status_str(all[i].st);

		assert_non_null(s);
		assert_string_equal(s, all[i].text);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(s, ts_status_str(all[j].st));
	}
	/* ... and values outside the enum still get a static string. */
	assert_string_equal(ts_status_str((ts_status)(TS_ERR_STATE + 1)), "unknown status");
	assert_string_equal(ts_status_str((ts_status)-1), "unknown status");
	assert_string_equal(ts_status_str((ts_status)1000), "unknown status");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_long_and_int32),
		cmocka_unit_test(test_strings_and_percent),
		cmocka_unit_test(test_unknown_conversions),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_append),
		cmocka_unit_test(test_null_diag),
		cmocka_unit_test(test_vappend),
		cmocka_unit_test(test_status_str),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
