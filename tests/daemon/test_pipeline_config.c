/* SPDX-License-Identifier: MIT */
/*
 * Pipeline files (daemon/common/pipeline_config.c on ini_lines.c and
 * input_file.c): every error message, whole, with the file and line (a check
 * of the whole file names no line); a key given twice in any section, also
 * across split sections and as a continuation line, names the first one;
 * lines longer than libinih's 200-byte buffer parse as they read (a long
 * comment's tail is no key, a 250-character model path is a path, values
 * are stripped and cut at " ;" as short ones are); 4096 bytes is the limit;
 * NUL bytes, FIFOs, /dev/zero, directories and files over 1 MiB as pipeline
 * or labels files are refused at once (alarm() turns a hang into a
 * failure).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pipeline_config.h"
#include "temp_dir.h"

struct fixture {
	char dir[64];
	char path[96];         /* DIR/p.conf */
	char file[96];         /* in(): another file in DIR */
	char text[3 * 4096];   /* a file's text being built */
	char want[1024];
	struct pipeline_config pc;
	struct config_error err;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f || temp_dir_make(f->dir, sizeof(f->dir), "test_pipeline_config"))
		return -1; /* (the fixture is not freed: the test run ends) */
	snprintf(f->path, sizeof(f->path), "%s/p.conf", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	const int r = temp_dir_remove(f->dir);

	free(f);
	return r;
}

static const char *in(struct fixture *f, const char *name)
{
	return temp_dir_path(f->file, sizeof(f->file), f->dir, name);
}

/* want with {P} replaced by the pipeline file's path, {D} by the directory */
static const char *expand(struct fixture *f, const char *want)
{
	size_t n = 0;

	for (const char *s = want; *s && n < sizeof(f->want) - 100; s++) {
		if (!strncmp(s, "{P}", 3) || !strncmp(s, "{D}", 3)) {
			n += (size_t)snprintf(f->want + n, sizeof(f->want) - n, "%s",
					      s[1] == 'P' ? f->path : f->dir);
			s += 2;
		} else {
			f->want[n++] = *s;
		}
	}
	f->want[n] = '\0';
	return f->want;
}

/* text with {D} replaced by the directory, in f->text */
static const char *with_dir(struct fixture *f, const char *text)
{
	size_t n = 0;

	for (const char *s = text; *s && n < sizeof(f->text) - 100; s++) {
		if (!strncmp(s, "{D}", 3)) {
			n += (size_t)snprintf(f->text + n, sizeof(f->text) - n, "%s", f->dir);
			s += 2;
		} else {
			f->text[n++] = *s;
		}
	}
	f->text[n] = '\0';
	return f->text;
}

static int load_text(struct fixture *f, const char *text)
{
	write_bytes(f->path, text, strlen(text));
	memset(&f->err, 0, sizeof(f->err));
	return pipeline_config_load(&f->pc, f->path, &f->err);
}

static void assert_refused(struct fixture *f, const char *text, const char *want)
{
	int r = load_text(f, text);

	if (r >= 0)
		fail_msg("accepted, expected: %s\n--\n%s", expand(f, want), text);
	assert_string_equal(f->err.text, expand(f, want));
}

#define HEAD  "[Pipeline]\nName=kws\n[Source]\nPlugin=replay\nPath=x.wav\n" /* lines 1-5 */
#define FE    "[Frontend]\nType=audio\nPreset=micro_speech\n"                /* lines 6-8 */
#define MODEL "[Model]\nPath=m.tflite\nLabels=silence,unknown,yes,no\n"       /* 9-11 */
#define BASE  HEAD FE MODEL /* what follows is line 12 */

struct error_case {
	const char *text;
	const char *want;
};

static const struct error_case errors[] = {
	/* names and labels reach D-Bus and JSON: UTF-8 without control characters */
	{ "[Pipeline]\nName=a\x01b\n", "{P}:2: [Pipeline] Name: a control character" },
	{ HEAD FE "[Model]\nPath=m.tflite\nLabels=yes,n\x7fo\n",
	  "{P}:11: [Model] Labels: label 2: a control character" },
	/* keys and sections */
	{ BASE "[Pipeline]\nColour=blue\n", "{P}:13: [Pipeline] Colour: unknown key" },
	{ BASE "Colour=blue\n", "{P}:12: [Model] Colour: unknown key" },
	{ BASE "[Detect]\nColour=blue\n", "{P}:13: [Detect] Colour: unknown key" },
	{ BASE "[Foo]\nA=1\n", "{P}:13: [Foo] A: unknown section [Foo]" },
	{ BASE "[Detect\n", "{P}:12: syntax error" },
	{ BASE "[Detect\nA=1\n", "{P}:12: syntax error" }, /* the first error, not A's */
	{ BASE "[Detect]\nThreshold\n", "{P}:13: syntax error" },
	/* values */
	{ "[Pipeline]\nName=kws7890123456789012345678901234567890123456789012345678901234567890\n",
	  "{P}:2: [Pipeline] Name: empty or longer than 63 characters" },
	{ "[Pipeline]\nName=\n", "{P}:2: [Pipeline] Name: empty or longer than 63 characters" },
	{ HEAD "[Frontend]\nType=video\n",
	  "{P}:7: [Frontend] Type: 'video' is not audio, spectrum, stats or raw" },
	{ BASE "Stride=0\n", "{P}:12: [Model] Stride: '0' is not a whole number in 1..1000" },
	{ BASE "[Detect]\nThreshold=2\n", "{P}:13: [Detect] Threshold: '2' is not a number in 0..1" },
	{ BASE "[Detect]\nThresholds=yes\n",
	  "{P}:13: [Detect] Thresholds: 'yes' is not LABEL:VALUE with VALUE in 0..1" },
	{ BASE "[Detect]\nAverage=0\n", "{P}:13: [Detect] Average: '0' is not a whole number in 1..32" },
	{ BASE "[Detect]\nConsecutive=1001\n",
	  "{P}:13: [Detect] Consecutive: '1001' is not a whole number in 1..1000" },
	{ BASE "[Detect]\nRefractory=soon\n",
	  "{P}:13: [Detect] Refractory: soon: expected a duration such as 250ms or 1.5s (units: us, ms, s, min, h)" },
	{ BASE "[Detect]\nMargin=-1\n", "{P}:13: [Detect] Margin: '-1' is not a number in 0..1" },
	{ BASE "[Detect]\nAnomaly=maybe\n", "{P}:13: [Detect] Anomaly: 'maybe' is not yes or no" },
	{ BASE "[Detect]\nSigma=101\n", "{P}:13: [Detect] Sigma: '101' is not a number in 0..100" },
	{ BASE "[Detect]\nCalibration=1\n",
	  "{P}:13: [Detect] Calibration: '1' is not a whole number in 2..1000000" },
	{ BASE "[Detect]\nOnCount=0\n", "{P}:13: [Detect] OnCount: '0' is not a whole number in 1..1000" },
	{ BASE "[Detect]\nOffCount=x\n", "{P}:13: [Detect] OffCount: 'x' is not a whole number in 1..1000" },
	{ BASE "[Detect]\nIgnore=a,,b\n", "{P}:13: [Detect] Ignore: expected a comma-separated list of labels" },
	{ BASE "[Detect]\nThresholds=,\n", "{P}:13: [Detect] Thresholds: expected LABEL:VALUE,..." },
	/* checks of the whole file: no line */
	{ BASE "[Detect]\nIgnore=maybe\n", "{P}: [Detect] Ignore: 'maybe' is not one of the model's labels" },
	{ BASE "[Detect]\nThresholds=maybe:0.5\n",
	  "{P}: [Detect] Thresholds: 'maybe' is not one of the model's labels" },
	{ "[Source]\nPlugin=replay\n" FE MODEL, "{P}: [Pipeline] Name: missing" },
	{ "[Pipeline]\nName=kws\n" FE MODEL, "{P}: [Source] Plugin: missing" },
	{ "[Pipeline]\nName=kws\n[Source]\nPath=x.wav\n" FE MODEL, "{P}: [Source] Plugin: missing" },
	{ HEAD FE "[Model]\nLabels=a,b\n", "{P}: [Model] Path: missing" },
	{ HEAD FE "[Model]\nPath=m.tflite\n", "{P}: [Model] Labels: missing (required unless Anomaly=yes)" },
	{ BASE "[Detect]\nAnomaly=yes\n",
	  "{P}: [Model] Labels: an anomaly pipeline reports normal/anomaly: no labels" },
	{ "[Pipeline]\nName=kws\nClock=a\n[Source]\nPlugin=replay\n" FE MODEL,
	  "{P}: [Pipeline] Clock: paces several [Source.NAME] sections; this pipeline has one source" },
	{ "[Pipeline]\nName=kws\nClock=c\n[Source.a]\nPlugin=replay\n[Source.b]\nPlugin=replay\n" FE MODEL,
	  "{P}: [Pipeline] Clock: 'c' is not one of the [Source.NAME] sections" },
	/* sources */
	{ HEAD "[Source.b]\nPlugin=replay\n",
	  "{P}:7: [Source.b]: one [Source], or several [Source.NAME] sections: not both" },
	{ "[Pipeline]\nName=kws\n[Source.b c]\nPlugin=replay\n",
	  "{P}:4: [Source.b c]: a source's NAME is 1..63 letters, digits, _ or -" },
	{ "[Pipeline]\nName=kws\n[Source.]\nPlugin=replay\n",
	  "{P}:4: [Source.]: a source's NAME is 1..63 letters, digits, _ or -" },
	{ "[Source.a]\nPlugin=x\n[Source.b]\nPlugin=x\n[Source.c]\nPlugin=x\n[Source.d]\nPlugin=x\n"
	  "[Source.e]\nPlugin=x\n[Source.f]\nPlugin=x\n[Source.g]\nPlugin=x\n[Source.h]\nPlugin=x\n"
	  "[Source.i]\nPlugin=x\n", "{P}:18: [Source.i]: more than 8 sources" },
	{ HEAD "Device=0123456789012345678901234567890123456789012345678901234567890123456789"
	  "0123456789012345678901234567890123456789012345678901234567890123456789"
	  "0123456789012345678901234567890123456789012345678901234567890123456789"
	  "0123456789012345678901234567890123456789012345678901234567890123456789\n",
	  "{P}:6: [Source] Device: key or value too long" },
	{ HEAD "K1=1\nK2=1\nK3=1\nK4=1\nK5=1\nK6=1\nK7=1\nK8=1\nK9=1\nK10=1\nK11=1\nK12=1\nK13=1\n"
	  "K14=1\nK15=1\nK16=1\nK17=1\nK18=1\nK19=1\nK20=1\nK21=1\nK22=1\nK23=1\nK24=1\nK25=1\n"
	  "K26=1\nK27=1\nK28=1\nK29=1\nK30=1\nK31=1\nK32=1\n",
	  "{P}:37: [Source] K32: more than 32 keys" },
	/* labels */
	{ HEAD FE "[Model]\nPath=m.tflite\nLabels={D}/none.txt\n",
	  "{P}:11: [Model] Labels: labels file {D}/none.txt: No such file or directory" },
	{ HEAD FE "[Model]\nPath=m.tflite\nLabels=a,a234567890123456789012345678901234567890123456789\n",
	  "{P}:11: [Model] Labels: expected a comma-separated list of at most 64 labels or a file path" },
	/* a key given twice, in any section, names the first */
	{ "[Pipeline]\nName=kws\nName=other\n", "{P}:3: [Pipeline] Name: given twice (first at line 2)" },
	{ HEAD "Path=y.wav\n", "{P}:6: [Source] Path: given twice (first at line 5)" },
	{ HEAD "Plugin=replay\n", "{P}:6: [Source] Plugin: given twice (first at line 4)" },
	{ HEAD FE "Preset=micro_speech\n", "{P}:9: [Frontend] Preset: given twice (first at line 8)" },
	{ HEAD FE "Type=audio\n", "{P}:9: [Frontend] Type: given twice (first at line 7)" },
	{ BASE "Stride=2\nStride=3\n", "{P}:13: [Model] Stride: given twice (first at line 12)" },
	{ BASE "[Model]\nPath=n.tflite\n", "{P}:13: [Model] Path: given twice (first at line 10)" },
	{ BASE "[Detect]\nThreshold=0.8\n[Detect]\n\n# a comment\nThreshold=0.05\n",
	  "{P}:17: [Detect] Threshold: given twice (first at line 13)" },
	{ BASE "[Detect]\nThreshold=0.8\n    0.05\n",
	  "{P}:14: [Detect] Threshold: given twice (first at line 13)" },
	{ BASE "[Detect]\nAnomaly=no\nAnomaly=yes\n", "{P}:14: [Detect] Anomaly: given twice (first at line 13)" },
};

static void test_every_error_names_file_and_line(void **state)
{
	struct fixture *f = *state;
	char labels[64 * 4 + 16] = "Labels=";

	for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++)
		assert_refused(f, with_dir(f, errors[i].text), errors[i].want);
	/* 65 labels */
	for (int i = 0; i < 65; i++)
		snprintf(labels + strlen(labels), sizeof(labels) - strlen(labels), "%sl%d",
			 i ? "," : "", i);
	snprintf(f->text, sizeof(f->text), HEAD FE "[Model]\nPath=m.tflite\n%s\n", labels);
	assert_refused(f, f->text, "{P}:11: [Model] Labels: expected a comma-separated list of "
		       "at most 64 labels or a file path");
}

static void test_valid_file_loads(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(load_text(f, BASE "[Detect]\nThreshold=0.8\nIgnore=silence,unknown\n"), 0);
	assert_string_equal(f->pc.name, "kws");
	assert_string_equal(f->pc.model_path, "m.tflite");
	assert_int_equal(f->pc.n_labels, 4);
	assert_int_equal(f->pc.detect.threshold_q15, 26214); /* 0.8 * 32768, rounded */
}

/* The case: a long comment's tail is no key. */
static void test_long_comment_stays_a_comment(void **state)
{
	struct fixture *f = *state;
	char comment[400];

	memset(comment, 'x', sizeof(comment));
	comment[0] = '#';
	snprintf(comment + 300, sizeof(comment) - 300, " Threshold=0.05");
	snprintf(f->text, sizeof(f->text), BASE "[Detect]\n%s\n; %s\nAverage=2\n", comment,
		 comment + 1);
	assert_int_equal(load_text(f, f->text), 0);
	assert_int_equal(f->pc.detect.threshold_q15, PC_SCORE_ONE / 2); /* the default */
	assert_int_equal(f->pc.detect.average, 2);
}

static void fill_path(char *dst, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = i % 10 == 0 ? '/' : (char)('a' + i % 26);
	dst[n] = '\0';
}

/* Long values: whole, stripped, cut at an inline comment as short ones are. */
static void test_long_values_read_whole(void **state)
{
	struct fixture *f = *state;
	char path[4096];

	fill_path(path, 250);
	snprintf(f->text, sizeof(f->text), HEAD FE "[Model]\nPath=%s\nLabels=a,b\n", path);
	assert_int_equal(load_text(f, f->text), 0);
	assert_string_equal(f->pc.model_path, path);
	snprintf(f->text, sizeof(f->text), HEAD FE "[Model]\nPath =  \t%s   ; a comment\nLabels=a,b\n",
		 path);
	assert_int_equal(load_text(f, f->text), 0);
	assert_string_equal(f->pc.model_path, path);
	/* ';' without a space before it is part of the value, as inih has it */
	snprintf(f->text, sizeof(f->text), HEAD FE "[Model]\nPath=%s;x\nLabels=a,b\n", path);
	assert_int_equal(load_text(f, f->text), 0);
	assert_int_equal(strlen(f->pc.model_path), 252);
	assert_string_equal(f->pc.model_path + 250, ";x");
	/* the same rules on a short line */
	assert_int_equal(load_text(f, HEAD FE "[Model]\nPath =  \t/m.tflite;x   ; c\nLabels=a,b\n"), 0);
	assert_string_equal(f->pc.model_path, "/m.tflite;x");
	/* a long line in a section after it: the section still counts */
	snprintf(f->text, sizeof(f->text), HEAD FE "[Model]\nPath=%s\nLabels=a,b\n"
		 "[Detect]\nThreshold=0.25\n", path);
	assert_int_equal(load_text(f, f->text), 0);
	assert_int_equal(f->pc.detect.threshold_q15, PC_SCORE_ONE / 4);
	/* a long line of 4096 bytes is the longest */
	fill_path(path, 4091);
	snprintf(f->text, sizeof(f->text), HEAD FE "[Model]\nPath=%s\nLabels=a,b\n", path);
	assert_int_equal(load_text(f, f->text), 0);
	assert_string_equal(f->pc.model_path, path);
	fill_path(path, 4092);
	snprintf(f->text, sizeof(f->text), HEAD FE "[Model]\nPath=%s\nLabels=a,b\n", path);
	assert_refused(f, f->text, "{P}:10: line longer than 4096 bytes");
	/* a long continuation line is a key given twice, as a short one */
	fill_path(path, 300);
	snprintf(f->text, sizeof(f->text), BASE "[Detect]\nIgnore=yes\n  %s\n", path);
	assert_refused(f, f->text, "{P}:14: [Detect] Ignore: given twice (first at line 13)");
	/* a long section line */
	fill_path(path, 300);
	snprintf(f->text, sizeof(f->text), BASE "[%s]\nA=1\n", path);
	assert_refused(f, f->text, "{P}:12: syntax error");
}

static void test_nul_byte_refused(void **state)
{
	struct fixture *f = *state;
	static const char text[] = "[Pipeline]\nName=kws\0Name=x\n";

	write_bytes(f->path, text, sizeof(text) - 1);
	assert_int_equal(pipeline_config_load(&f->pc, f->path, &f->err), -EINVAL);
	assert_string_equal(f->err.text, expand(f, "{P}:2: NUL byte in the line"));
}

/* Not a regular file, or too large: refused at once, never read. */
static void test_hostile_pipeline_files(void **state)
{
	struct fixture *f = *state;
	FILE *fp;

	assert_int_equal(mkfifo(f->path, 0600), 0);
	assert_int_equal(pipeline_config_load(&f->pc, f->path, &f->err), -EINVAL);
	assert_string_equal(f->err.text, expand(f, "{P}: not a regular file (a FIFO)"));
	unlink(f->path);
	assert_int_equal(symlink("/dev/zero", f->path), 0);
	assert_int_equal(pipeline_config_load(&f->pc, f->path, &f->err), -EINVAL);
	assert_string_equal(f->err.text, expand(f, "{P}: not a regular file (a character device)"));
	unlink(f->path);
	assert_int_equal(mkdir(f->path, 0700), 0);
	assert_int_equal(pipeline_config_load(&f->pc, f->path, &f->err), -EINVAL);
	assert_string_equal(f->err.text, expand(f, "{P}: not a regular file (a directory)"));
	rmdir(f->path);
	fp = fopen(f->path, "wb");
	assert_non_null(fp);
	assert_int_equal(ftruncate(fileno(fp), (1 << 20) + 1), 0);
	fclose(fp);
	assert_int_equal(pipeline_config_load(&f->pc, f->path, &f->err), -EFBIG);
	assert_string_equal(f->err.text, expand(f, "{P}: larger than 1048576 bytes"));
}

static void test_hostile_labels_files(void **state)
{
	struct fixture *f = *state;
	const char *text = HEAD FE "[Model]\nPath=m.tflite\nLabels={D}/labels.txt\n";
	FILE *fp;

	assert_int_equal(mkfifo(in(f, "labels.txt"), 0600), 0);
	assert_refused(f, with_dir(f, text),
		       "{P}:11: [Model] Labels: labels file {D}/labels.txt: not a regular file (a FIFO)");
	unlink(in(f, "labels.txt"));
	assert_int_equal(symlink("/dev/zero", in(f, "labels.txt")), 0);
	assert_refused(f, with_dir(f, text), "{P}:11: [Model] Labels: labels file {D}/labels.txt: "
		       "not a regular file (a character device)");
	unlink(in(f, "labels.txt"));
	fp = fopen(in(f, "labels.txt"), "wb");
	assert_non_null(fp);
	assert_int_equal(ftruncate(fileno(fp), (1 << 20) + 1), 0);
	fclose(fp);
	assert_refused(f, with_dir(f, text),
		       "{P}:11: [Model] Labels: labels file {D}/labels.txt: larger than 1048576 bytes");
	write_bytes(in(f, "labels.txt"), "", 0);
	assert_refused(f, with_dir(f, text), "{P}:11: [Model] Labels: {D}/labels.txt holds no labels");
	write_bytes(in(f, "labels.txt"), "yes\n# no\n\nno\n", 13);
	assert_int_equal(load_text(f, with_dir(f, text)), 0);
	assert_int_equal(f->pc.n_labels, 2);
	assert_string_equal(f->pc.labels[1], "no");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_every_error_names_file_and_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_valid_file_loads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_comment_stays_a_comment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_values_read_whole, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nul_byte_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_pipeline_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_labels_files, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
