/* SPDX-License-Identifier: MIT */
/*
 * Configuration values (daemon/common/value_parse.c) and the messages of
 * the typed settings built on them (config_value.c, the plugin ABI's
 * getters): every accepted form of a duration, boolean, whole number,
 * decimal, fixed-point number, choice and list, and every error, with the
 * sentence a user reads; and [Detect] Refractory= of a pipeline file
 * (pipeline_config.c) in the same syntax.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_value.h"
#include "pipeline_config.h"
#include "value_parse.h"

#define MS 1000000ull
#define S 1000000000ull

static uint64_t duration(const char *s)
{
	char why[128] = "";
	uint64_t ns = 12345;

	if (parse_duration_ns(s, &ns, why, sizeof(why)))
		fail_msg("'%s' refused: %s", s, why);
	return ns;
}

/* The reason s is refused. */
static const char *duration_error(const char *s)
{
	static char why[128];
	uint64_t ns = 777;

	why[0] = '\0';
	assert_int_equal(parse_duration_ns(s, &ns, why, sizeof(why)), -EINVAL);
	assert_int_equal(ns, 777); /* untouched */
	assert_true(why[0] != '\0');
	return why;
}

static void test_duration_units(void **state)
{
	(void)state;
	assert_int_equal(duration("500us"), 500000);
	assert_int_equal(duration("1000ms"), S);
	assert_int_equal(duration("2s"), 2 * S);
	assert_int_equal(duration("2min"), 120 * S);
	assert_int_equal(duration("6h"), 6 * 3600 * S);
	assert_int_equal(duration("1us"), 1000);
}

static void test_duration_forms(void **state)
{
	(void)state;
	assert_int_equal(duration("0"), 0);
	assert_int_equal(duration(" 0 "), 0);
	assert_int_equal(duration("0.0"), 0);
	assert_int_equal(duration("0s"), 0);
	assert_int_equal(duration("1.5s"), 1500 * MS);
	assert_int_equal(duration("0.25 s"), 250 * MS);
	assert_int_equal(duration("  250   ms  "), 250 * MS);
	assert_int_equal(duration("\t20ms"), 20 * MS);
	assert_int_equal(duration(".5s"), 500 * MS);
	assert_int_equal(duration("1.s"), S);
	assert_int_equal(duration("0.5min"), 30 * S);
	assert_int_equal(duration("0.001us"), 1);
	assert_int_equal(duration("1.000000001s"), S + 1);
	assert_int_equal(duration("0.000000000005h"), 18);
}

static void test_duration_exact(void **state)
{
	(void)state;
	/* Integer arithmetic: exact where a float would round. */
	assert_int_equal(duration("0.1s"), 100 * MS);
	assert_int_equal(duration("0.3s"), 300 * MS);
	assert_int_equal(duration("1.1h"), 3960 * S);
	/* Trailing zeros beyond nanoseconds are no precision. */
	assert_int_equal(duration("1.500000000000000000000s"), 1500 * MS);
	assert_int_equal(duration("18446744073709551us"), 18446744073709551000ull);
	assert_int_equal(duration("18446744073s"), 18446744073 * S);
	assert_int_equal(duration("18446744073.709551615s"), UINT64_MAX);
}

static void test_duration_errors(void **state)
{
	static const char unit[] = "(units: us, ms, s, min, h)";
	static const char no_number[] = "expected a duration such as 250ms or 1.5s";
	static const char finer[] = "more precise than a nanosecond";
	static const char too_long[] = "too long: durations end at about 584 years";
	static const struct { const char *in, *why, *why_end; } cases[] = {
		{ "250", "a duration needs a unit, such as 250ms or 250s", "" },
		{ "1.5", "a duration needs a unit, such as 1.5ms or 1.5s", "" },
		{ "2m", "unknown unit 'm' ", unit },
		{ "5ns", "unknown unit 'ns' ", unit },
		{ "5sec", "unknown unit 'sec' ", unit },
		{ "5MS", "unknown unit 'MS' ", unit },
		{ "1e3ms", "unknown unit 'e3ms' ", unit },
		{ "1,5s", "unknown unit ',5s' ", unit },
		{ "-1s", "a duration cannot be negative", "" },
		{ "1s 2ms", "expected a number and one unit, such as 250ms or 1.5s", "" },
		{ "", no_number, unit }, { "   ", no_number, unit }, { "ms", no_number, unit },
		{ ".", no_number, unit }, { "+1s", no_number, unit },
		{ "0.0001us", finer, "" }, { "0.000000000001h", finer, "" },
		{ "1.0000000001s", finer, "" }, { "0.0000000000000001s", finer, "" },
		{ "18446744073.709551616s", too_long, "" }, { "18446744074s", too_long, "" },
		{ "5124096h", too_long, "" }, { "18446744073709552us", too_long, "" },
		{ "99999999999999999999999us", too_long, "" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char want[160];

		snprintf(want, sizeof(want), "%s%s%s", cases[i].why,
			 cases[i].why == no_number ? " " : "", cases[i].why_end);
		assert_string_equal(duration_error(cases[i].in), want);
	}
}

static void test_duration_without_reason(void **state)
{
	uint64_t ns = 0;

	(void)state;
	assert_int_equal(parse_duration_ns("250", &ns, NULL, 0), -EINVAL);
	assert_int_equal(parse_duration_ns("250ms", &ns, NULL, 0), 0);
	assert_int_equal(ns, 250 * MS);
}

static void test_format_duration(void **state)
{
	static const struct { uint64_t ns; const char *text; } cases[] = {
		{ 0, "0" }, { 1000, "1us" }, { 250 * MS, "250ms" }, { 10 * S, "10s" },
		{ 90 * S, "90s" }, { 120 * S, "2min" }, { 3600 * S, "1h" }, { 1500 * MS, "1500ms" },
		{ 1, "0.000000001s" }, { 1500000001ull, "1.500000001s" },
	};
	char buf[32];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t back;

		format_duration(buf, sizeof(buf), cases[i].ns);
		assert_string_equal(buf, cases[i].text);
		/* What it prints reads back as the same duration. */
		assert_int_equal(parse_duration_ns(buf, &back, NULL, 0), 0);
		assert_int_equal(back, cases[i].ns);
	}
}

static void test_bool(void **state)
{
	static const char *const yes[] = { "yes", "true", "on", "1", "YES", "True", "oN", " yes ", NULL };
	static const char *const no[] = { "no", "false", "off", "0", "NO", "FALSE", "Off", "\tno", NULL };
	static const char *const bad[] = { "", "y", "n", "2", "yess", "enabled", "-1", "nope nope", NULL };
	int b;

	(void)state;
	for (size_t i = 0; yes[i]; i++) {
		b = 0;
		assert_int_equal(parse_bool(yes[i], &b), 0);
		assert_int_equal(b, 1);
	}
	for (size_t i = 0; no[i]; i++) {
		b = 1;
		assert_int_equal(parse_bool(no[i], &b), 0);
		assert_int_equal(b, 0);
	}
	for (size_t i = 0; bad[i]; i++)
		assert_int_equal(parse_bool(bad[i], &b), -EINVAL);
}

static void test_fixed(void **state)
{
	int64_t q;

	(void)state;
	assert_int_equal(parse_fixed("0.8", 15, 0, 32768, &q), 0);
	assert_int_equal(q, 26214); /* 0.8 * 32768 = 26214.4 */
	assert_int_equal(parse_fixed("1", 15, 0, 32768, &q), 0);
	assert_int_equal(q, 32768);
	assert_int_equal(parse_fixed(".25", 15, 0, 32768, &q), 0);
	assert_int_equal(q, 8192);
	assert_int_equal(parse_fixed(" 0.5 ", 15, 0, 32768, &q), 0);
	assert_int_equal(q, 16384);
	assert_int_equal(parse_fixed("-1.5", 1, -10, 10, &q), 0);
	assert_int_equal(q, -3);
	assert_int_equal(parse_fixed("+2", 0, 0, 10, &q), 0);
	assert_int_equal(q, 2);
	/* Rounded to nearest, ties up: 0.75 * 2 = 1.5 -> 2. */
	assert_int_equal(parse_fixed("0.75", 1, 0, 10, &q), 0);
	assert_int_equal(q, 2);
	/* Digits beyond 10^-9 are dropped. */
	assert_int_equal(parse_fixed("0.0000000009", 0, 0, 10, &q), 0);
	assert_int_equal(q, 0);
	assert_int_equal(parse_fixed("1.0001", 15, 0, 32768, &q), -EINVAL); /* above max */
	assert_int_equal(parse_fixed("-0.1", 15, 0, 32768, &q), -EINVAL);   /* below min */
	assert_int_equal(parse_fixed("", 15, 0, 32768, &q), -EINVAL);
	assert_int_equal(parse_fixed(".", 15, 0, 32768, &q), -EINVAL);
	assert_int_equal(parse_fixed("0.8x", 15, 0, 32768, &q), -EINVAL);
	assert_int_equal(parse_fixed("1e3", 15, 0, INT64_MAX, &q), -EINVAL);
	assert_int_equal(parse_fixed("0.5", 31, 0, INT64_MAX, &q), -EINVAL); /* frac_bits > 30 */
	assert_int_equal(parse_fixed("99999999999", 30, INT64_MIN, INT64_MAX, &q), -EINVAL);
}

static void test_int_range(void **state)
{
	long long v;
	unsigned long long u;

	(void)state;
	assert_int_equal(parse_int_range("42", 0, 100, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(parse_int_range(" -7 ", -10, 10, &v), 0);
	assert_int_equal(v, -7);
	assert_int_equal(parse_int_range("+3", 0, 10, &v), 0);
	assert_int_equal(v, 3);
	assert_int_equal(parse_int_range("0", 0, 0, &v), 0);
	assert_int_equal(parse_int_range("101", 0, 100, &v), -EINVAL);
	assert_int_equal(parse_int_range("-1", 0, 100, &v), -EINVAL);
	assert_int_equal(parse_int_range("", 0, 100, &v), -EINVAL);
	assert_int_equal(parse_int_range("1.5", 0, 100, &v), -EINVAL);
	assert_int_equal(parse_int_range("12abc", 0, 100, &v), -EINVAL);
	assert_int_equal(parse_int_range("99999999999999999999", 0, INT64_MAX, &v), -EINVAL);

	assert_int_equal(parse_uint_range("18446744073709551615", 0, UINT64_MAX, &u), 0);
	assert_true(u == UINT64_MAX);
	assert_int_equal(parse_uint_range(" 16000 ", 1, 768000, &u), 0);
	assert_int_equal(u, 16000);
	assert_int_equal(parse_uint_range("18446744073709551616", 0, UINT64_MAX, &u), -EINVAL);
	assert_int_equal(parse_uint_range("-1", 0, UINT64_MAX, &u), -EINVAL);
	assert_int_equal(parse_uint_range("+1", 0, 10, &u), -EINVAL);
	assert_int_equal(parse_uint_range("0", 1, 10, &u), -EINVAL);
	assert_int_equal(parse_uint_range("11", 1, 10, &u), -EINVAL);
	assert_int_equal(parse_uint_range("", 1, 10, &u), -EINVAL);
	assert_int_equal(parse_uint_range("0x10", 0, 100, &u), -EINVAL);
}

static void test_decimal(void **state)
{
	double d;

	(void)state;
	assert_int_equal(parse_decimal("12.5", 0, 1e6, &d), 0);
	assert_true(d == 12.5);
	assert_int_equal(parse_decimal(" -0.25 ", -1, 1, &d), 0);
	assert_true(d == -0.25);
	assert_int_equal(parse_decimal(".5", 0, 1, &d), 0);
	assert_true(d == 0.5);
	assert_int_equal(parse_decimal("+100", 0, 1e6, &d), 0);
	assert_true(d == 100);
	assert_int_equal(parse_decimal("0.1", 0, 1, &d), 0);
	assert_true(d == 0.1); /* the nearest double, as the compiler reads it */
	assert_int_equal(parse_decimal("1000000", 0, 1e6, &d), 0);
	assert_int_equal(parse_decimal("1000000.1", 0, 1e6, &d), -EINVAL);
	assert_int_equal(parse_decimal("-5", 0, 1e6, &d), -EINVAL);
	assert_int_equal(parse_decimal("1e3", 0, 1e6, &d), -EINVAL);
	assert_int_equal(parse_decimal("inf", 0, 1e6, &d), -EINVAL);
	assert_int_equal(parse_decimal("nan", -1e6, 1e6, &d), -EINVAL);
	assert_int_equal(parse_decimal("0x10", 0, 1e6, &d), -EINVAL);
	assert_int_equal(parse_decimal("", 0, 1, &d), -EINVAL);
	assert_int_equal(parse_decimal("-", 0, 1, &d), -EINVAL);
	assert_int_equal(parse_decimal("1,5", 0, 10, &d), -EINVAL);
	assert_int_equal(parse_decimal("0.00000000000000000000000000000000000000000000000000000000000001",
				       0, 1, &d), -EINVAL); /* longer than the buffer */
}

static void test_choice(void **state)
{
	static const char *const modes[] = { "edges", "count", "level", NULL };
	unsigned i = 9;

	(void)state;
	assert_int_equal(parse_choice("count", modes, &i), 0);
	assert_int_equal(i, 1);
	assert_int_equal(parse_choice(" LEVEL ", modes, &i), 0);
	assert_int_equal(i, 2);
	assert_int_equal(parse_choice("edge", modes, &i), -EINVAL);
	assert_int_equal(parse_choice("", modes, &i), -EINVAL);
	assert_int_equal(parse_choice("edges", NULL, &i), -EINVAL);
	assert_int_equal(i, 2);
}

static void test_list(void **state)
{
	char items[4][8];
	size_t n = 99;

	(void)state;
	assert_int_equal(parse_list("a, b ,c", &items[0][0], 8, 4, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(items[0], "a");
	assert_string_equal(items[1], "b");
	assert_string_equal(items[2], "c");
	assert_int_equal(parse_list("one", &items[0][0], 8, 4, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(parse_list("", &items[0][0], 8, 4, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(parse_list("a,,b", &items[0][0], 8, 4, &n), -EINVAL);
	assert_int_equal(parse_list("a, ,b", &items[0][0], 8, 4, &n), -EINVAL);
	assert_int_equal(parse_list("a,b,", &items[0][0], 8, 4, &n), -EINVAL);
	assert_int_equal(parse_list(",a", &items[0][0], 8, 4, &n), -EINVAL);
	assert_int_equal(parse_list("a,b,c,d,e", &items[0][0], 8, 4, &n), -EINVAL);
	assert_int_equal(parse_list("abcdefgh", &items[0][0], 8, 4, &n), -EINVAL); /* 8 + NUL */
	assert_int_equal(parse_list("abcdefg", &items[0][0], 8, 4, &n), 0);
}

static void test_copy_trimmed(void **state)
{
	char buf[4];

	(void)state;
	assert_int_equal(copy_trimmed(buf, sizeof(buf), "  ab \t"), 0);
	assert_string_equal(buf, "ab");
	assert_int_equal(copy_trimmed(buf, sizeof(buf), "abc"), 0);
	assert_int_equal(copy_trimmed(buf, sizeof(buf), "abcd"), -EINVAL);
	assert_int_equal(copy_trimmed(buf, sizeof(buf), "   "), 0);
	assert_string_equal(buf, "");
}

/* ---- config_value: the getters' messages ----------------------------------------- */

static void test_config_value_numbers(void **state)
{
	char why[CONFIG_WHY_MAX];
	uint64_t u = 5;
	int64_t i = 5;
	double d = 5;

	(void)state;
	assert_int_equal(config_value_uint("16000", 1, 768000, &u, why, sizeof(why)), 0);
	assert_int_equal(u, 16000);
	assert_int_equal(config_value_uint("16k", 1, 768000, &u, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "expected a whole number in 1..768000");
	assert_int_equal(u, 16000);
	assert_int_equal(config_value_int("-40", -50, 50, &i, why, sizeof(why)), 0);
	assert_int_equal(i, -40);
	assert_int_equal(config_value_int("-60", -50, 50, &i, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "expected a whole number in -50..50");
	assert_int_equal(config_value_double("12.5", 0, 1e6, &d, why, sizeof(why)), 0);
	assert_true(d == 12.5);
	assert_int_equal(config_value_double("1e2", 0, 1e6, &d, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "expected a decimal number from 0 to 1000000");
	assert_int_equal(config_value_double("2", 0.5, 1.25, &d, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "expected a decimal number from 0.5 to 1.25");
}

static void test_config_value_duration(void **state)
{
	char why[CONFIG_WHY_MAX];
	uint64_t ns = 0;

	(void)state;
	assert_int_equal(config_value_duration("20ms", 0, 10 * S, &ns, why, sizeof(why)), 0);
	assert_int_equal(ns, 20 * MS);
	assert_int_equal(config_value_duration("250", 0, 10 * S, &ns, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "a duration needs a unit, such as 250ms or 250s");
	assert_int_equal(config_value_duration("2min", 0, 10 * S, &ns, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "expected a duration up to 10s");
	assert_int_equal(config_value_duration("500us", MS, 3600 * S, &ns, why, sizeof(why)),
			 -EINVAL);
	assert_string_equal(why, "expected a duration from 1ms to 1h");
	assert_int_equal(ns, 20 * MS);
	assert_int_equal(config_value_duration("1h", MS, 3600 * S, &ns, why, sizeof(why)), 0);
	assert_int_equal(ns, 3600 * S);
}

static void test_config_value_bool_enum_list(void **state)
{
	static const char *const formats[] = { "S16_LE", "S32_LE", NULL };
	static const char *const one[] = { "only", NULL };
	static const char *const two[] = { "buffer", "poll", NULL };
	char why[CONFIG_WHY_MAX], items[3][6];
	bool b = false;
	unsigned e = 9;
	size_t n = 9;

	(void)state;
	assert_int_equal(config_value_bool("On", &b, why, sizeof(why)), 0);
	assert_true(b);
	assert_int_equal(config_value_bool("maybe", &b, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "expected yes or no (or true/false, on/off, 1/0)");
	assert_true(b);
	assert_int_equal(config_value_enum("s32_le", formats, &e, why, sizeof(why)), 0);
	assert_int_equal(e, 1);
	assert_int_equal(config_value_enum("U8", formats, &e, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "expected S16_LE or S32_LE");
	assert_int_equal(config_value_enum("x", one, &e, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "expected only");
	assert_int_equal(config_value_enum("fast", two, &e, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "expected buffer or poll");
	assert_int_equal(config_value_list(" x , yy", &items[0][0], 6, 3, &n, why, sizeof(why)), 0);
	assert_int_equal(n, 2);
	assert_string_equal(items[1], "yy");
	assert_int_equal(config_value_list("", &items[0][0], 6, 3, &n, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "expected a comma-separated list of 1 to 3 items of at most 5 characters, none empty");
	assert_int_equal(config_value_list("a,,b", &items[0][0], 6, 3, &n, why, sizeof(why)), -EINVAL);
	assert_int_equal(config_value_list("a,b,c,d", &items[0][0], 6, 3, &n, why, sizeof(why)),
			 -EINVAL);
	assert_int_equal(config_value_list("toolong", &items[0][0], 6, 3, &n, why, sizeof(why)),
			 -EINVAL);
	assert_int_equal(n, 2);
}

/* A message cut to a small buffer stays a string. */
static void test_config_value_small_buffer(void **state)
{
	static const char *const names[] = { "alpha", "beta", "gamma", "delta", NULL };
	char why[12];
	unsigned e;
	uint64_t ns;

	(void)state;
	assert_int_equal(config_value_enum("x", names, &e, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "expected al");
	assert_int_equal(config_value_duration("250", 0, S, &ns, why, sizeof(why)), -EINVAL);
	assert_int_equal(strlen(why), sizeof(why) - 1);
}

/* [Detect] Refractory= through pipeline_config_load: the daemon's own keys
 * take the same durations, with the same reason. */
static int load_refractory(const char *value, struct pipeline_config *pc,
			   struct config_error *err)
{
	char path[] = "/tmp/test_value_parse_XXXXXX";
	const int fd = mkstemp(path);
	FILE *f;
	int r;

	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fprintf(f, "[Pipeline]\nName=p\n[Source]\nPlugin=replay\nPath=x.wav\n"
		   "[Frontend]\nType=audio\n[Model]\nPath=m.tflite\nLabels=a,b\n"
		   "[Detect]\nRefractory=%s\n", value);
	fclose(f);
	err->text[0] = '\0';
	r = pipeline_config_load(pc, path, err);
	unlink(path);
	return r;
}

static void test_pipeline_refractory(void **state)
{
	struct pipeline_config *pc = calloc(1, sizeof(*pc));
	struct config_error err;

	(void)state;
	assert_non_null(pc);
	assert_int_equal(load_refractory("1.5s", pc, &err), 0);
	assert_int_equal(pc->detect.refractory_ns, 1500 * MS);
	assert_int_equal(load_refractory("6h", pc, &err), 0);
	assert_int_equal(pc->detect.refractory_ns, 6 * 3600 * S);
	assert_int_equal(load_refractory("250", pc, &err), -EINVAL);
	if (!strstr(err.text, ":12: [Detect] Refractory: 250: a duration needs a unit, such as 250ms or 250s"))
		fail_msg("%s", err.text);
	assert_int_equal(load_refractory("2m", pc, &err), -EINVAL);
	if (!strstr(err.text, "[Detect] Refractory: 2m: unknown unit 'm'"))
		fail_msg("%s", err.text);
	free(pc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duration_units),
		cmocka_unit_test(test_duration_forms),
		cmocka_unit_test(test_duration_exact),
		cmocka_unit_test(test_duration_errors),
		cmocka_unit_test(test_duration_without_reason),
		cmocka_unit_test(test_format_duration),
		cmocka_unit_test(test_bool),
		cmocka_unit_test(test_fixed),
		cmocka_unit_test(test_int_range),
		cmocka_unit_test(test_decimal),
		cmocka_unit_test(test_choice),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_copy_trimmed),
		cmocka_unit_test(test_config_value_numbers),
		cmocka_unit_test(test_config_value_duration),
		cmocka_unit_test(test_config_value_bool_enum_list),
		cmocka_unit_test(test_config_value_small_buffer),
		cmocka_unit_test(test_pipeline_refractory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
