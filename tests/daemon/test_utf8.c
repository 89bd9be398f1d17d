/* SPDX-License-Identifier: MIT */
/*
 * UTF-8 on the way out (daemon/common/utf8.c) and at the door (pipeline
 * names and labels, pipeline_config.c): utf8_sanitize() keeps valid text
 * byte for byte, replaces each invalid byte (stray continuation, overlong
 * form, surrogate, above U+10FFFF, truncated sequence) by U+FFFD, and cuts
 * only at a character boundary; a pipeline file whose Name= or Labels= is
 * not valid UTF-8 or holds a control character is refused by file:line
 * (the bug: one Latin-1 name broke ListPipelines and GetManagedObjects for
 * every pipeline).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipeline_config.h"
#include "utf8.h"

#define FFFD "\xef\xbf\xbd"

static void expect_sanitized(const char *in, const char *want)
{
	char out[64];

	utf8_sanitize(out, sizeof(out), in);
	if (strcmp(out, want))
		fail_msg("sanitize(\"%s\") gave \"%s\"", in, out);
	assert_null(utf8_problem(out, strlen(out), NULL));
}

static void test_sanitize(void **state)
{
	(void)state;
	expect_sanitized("kws", "kws");
	expect_sanitized("K\xc3\xbc" "che \xe2\x82\xac \xf0\x9f\x8e\xa4", "K\xc3\xbc" "che \xe2\x82\xac \xf0\x9f\x8e\xa4");
	expect_sanitized("caf\xe9", "caf" FFFD);               /* Latin-1 */
	expect_sanitized("\x80x", FFFD "x");                   /* stray continuation */
	expect_sanitized("\xc0\xafx", FFFD FFFD "x");           /* overlong '/' */
	expect_sanitized("\xe0\x80\xaf", FFFD FFFD FFFD);       /* overlong, 3 bytes */
	expect_sanitized("\xed\xa0\x80", FFFD FFFD FFFD);       /* surrogate U+D800 */
	expect_sanitized("\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD); /* above U+10FFFF */
	expect_sanitized("ab\xe2\x82", "ab" FFFD FFFD);         /* truncated */
}

static void test_sanitize_cuts_at_a_character_boundary(void **state)
{
	char out[6];

	(void)state;
	/* "ab€€": a 5-byte buffer holds "ab€" (5 bytes + NUL does not fit): "ab". */
	utf8_sanitize(out, 5, "ab\xe2\x82\xac\xe2\x82\xac");
	assert_string_equal(out, "ab");
	utf8_sanitize(out, 6, "ab\xe2\x82\xac\xe2\x82\xac");
	assert_string_equal(out, "ab\xe2\x82\xac");
	utf8_sanitize(out, 4, "ab\xe9");
	assert_string_equal(out, "ab"); /* U+FFFD does not fit after "ab" in 4 */
	utf8_sanitize(out, 1, "abc");
	assert_string_equal(out, "");
}

/* Loads text as a pipeline file; the error text ("" when it loaded). */
static void load(const char *text, char *error, size_t size)
{
	char dir[] = "/tmp/ts-test-utf8-XXXXXX", path[64];
	struct pipeline_config *pc = calloc(1, sizeof(*pc));
	struct config_error err = { "" };
	FILE *fp;

	assert_non_null(pc);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/p.conf", dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	if (pipeline_config_load(pc, path, &err))
		snprintf(error, size, "%s", strstr(err.text, "p.conf") ? strstr(err.text, "p.conf") : err.text);
	else
		snprintf(error, size, "%s", "");
	unlink(path);
	rmdir(dir);
	free(pc);
}

#define BODY "[Source]\nPlugin=replay\n[Model]\nPath=m.tflite\n"

static void test_names_and_labels_must_be_text(void **state)
{
	char error[768];

	(void)state;
	load("[Pipeline]\nName=K\xc3\xbc" "che\n" BODY "Labels=a,b\n", error, sizeof(error));
	assert_string_equal(error, "");
	load("[Pipeline]\nName=caf\xe9\n" BODY "Labels=a,b\n", error, sizeof(error));
	assert_string_equal(error, "p.conf:2: [Pipeline] Name: truncated UTF-8 sequence");
	load("[Pipeline]\nName=a\x01" "b\n" BODY "Labels=a,b\n", error, sizeof(error));
	assert_non_null(strstr(error, "p.conf:2: [Pipeline] Name"));
	assert_non_null(strstr(error, "a control character"));
	load("[Pipeline]\nName=kws\n" BODY "Labels=yes,\xc0\xafno\n", error, sizeof(error));
	assert_non_null(strstr(error, "p.conf:7: [Model] Labels"));
	assert_non_null(strstr(error, "label 2: overlong UTF-8 encoding"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sanitize),
		cmocka_unit_test(test_sanitize_cuts_at_a_character_boundary),
		cmocka_unit_test(test_names_and_labels_must_be_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
