/* SPDX-License-Identifier: MIT */
/*
 * Same bytes everywhere: a dependency-free conformance runner (no CMocka), so
 * it can be cross-built for aarch64 / armhf and run under qemu-user.
 *
 *   conformance_main CONFORMANCE_DIR [FRONTEND_DIR]
 *
 * Every NAME.tflite in CONFORMANCE_DIR is a case (../shared/conformance:
 * NAME.tflite, NAME.input.bin, NAME.output.bin, NAME.json; other .json files,
 * such as NAME.manifest.json, are not cases).  A case whose NAME.json says
 * "streaming": true is a stream: its inputs run in order in one interpreter,
 * then again after ts_interpreter_reset_state (case_check.c); the model must
 * have state exactly when its case says it streams.  The interpreter is created
 * once in a big arena to learn ts_interpreter_arena_used(), then again in a
 * malloc'd 16-aligned arena of exactly that size, for every kernel set this
 * build has and this CPU runs (daemon/common/cpu_features.c, built in); every
 * input set is run and every output byte is compared with the reference.
 *
 * With FRONTEND_DIR (../shared/frontend), the micro_speech audio front-end
 * is run on every NAME.wav that has a NAME.int8.bin (there and in its
 * stress/ folder; yes_1000ms must be present) and every feature byte is
 * compared with the golden file.
 *
 * With TS_EXPECT_KERNELS set (a comma-separated list, e.g. "ref,neon"), the
 * kernel sets this CPU runs must be exactly those.
 *
 * Prints one line per case; exits 1 on any mismatch, missing file or error.
 */
/* 32-bit glibc: without 64-bit file offsets, readdir() fails with EOVERFLOW
 * on file systems with 64-bit inode numbers (overlayfs, XFS, btrfs). */
#define _FILE_OFFSET_BITS 64

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tinysense/tinysense.h>

#include "case_check.h"
#include "cpu_features.h"

#define BIG_ARENA ((size_t)1 << 22)
#define MAX_CASES 256
#define NAME_MAX_LEN 128

struct blob {
	uint8_t *data; /* 16-byte aligned (the model must be) */
	size_t size;
};

static size_t round16(size_t n)
{
	return (n + 15) & ~(size_t)15;
}

/* Reads a whole file into a 16-aligned buffer; 0 on success. */
static int read_file(const char *path, struct blob *b)
{
	FILE *f = fopen(path, "rb");
	long len;

	b->data = NULL;
	b->size = 0;
	if (!f) {
		printf("missing file: %s\n", path);
		return -1;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		printf("cannot size %s\n", path);
		fclose(f);
		return -1;
	}
	b->size = (size_t)len;
	b->data = aligned_alloc(16, round16(b->size ? b->size : 1));
	if (!b->data || fread(b->data, 1, b->size, f) != b->size) {
		printf("cannot read %s\n", path);
		fclose(f);
		free(b->data);
		b->data = NULL;
		return -1;
	}
	fclose(f);
	return 0;
}

/* dir/name+suffix into buf; 0 on success, -1 (and a message) if too long. */
static int make_path(char *buf, size_t size, const char *dir, const char *name,
		     const char *suffix)
{
	int len = snprintf(buf, size, "%s/%s%s", dir, name, suffix);

	if (len < 0 || (size_t)len >= size) {
		printf("path too long: %s/%s%s\n", dir, name, suffix);
		return -1;
	}
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

/* NAMEs of the files NAME<suffix> in dir, sorted; how many (-1: error,
 * -2: no such folder, said only when complain is set). */
static int list_names(const char *dir, const char *suffix, char names[][NAME_MAX_LEN], int max,
		      int complain)
{
	DIR *d = opendir(dir);
	const size_t sl = strlen(suffix);
	struct dirent *e;
	int n = 0;

	if (!d) {
		if (errno == ENOENT && !complain)
			return -2;
		printf("cannot open %s: %s\n", dir, strerror(errno));
		return -1;
	}
	errno = 0;
	while ((e = readdir(d)) && n < max) {
		size_t len = strlen(e->d_name);

		if (len > sl && len - sl < NAME_MAX_LEN &&
		    strcmp(e->d_name + len - sl, suffix) == 0) {
			memcpy(names[n], e->d_name, len - sl);
			names[n][len - sl] = '\0';
			n++;
		}
	}
	if (errno) {
		printf("cannot read %s: %s\n", dir, strerror(errno));
		closedir(d);
		return -1;
	}
	closedir(d);
	qsort(names, (size_t)n, NAME_MAX_LEN, cmp_names);
	return n;
}

/* "streaming": true in the case's JSON text: 1, else 0. */
static int json_streaming(const char *json)
{
	const char *p = strstr(json, "\"streaming\"");

	if (!p)
		return 0;
	p += strlen("\"streaming\"");
	while (*p == ' ' || *p == ':' || *p == '\t' || *p == '\n')
		p++;
	return strncmp(p, "true", 4) == 0;
}

/* Runs every input set with the current kernels; 0 when all bytes match. */
static int run_all(const char *name, ts_interpreter *ip, const struct blob *in,
		   const struct blob *out, int streaming, size_t *count)
{
	const char *when;
	tsc_model_result r;

	switch (tsc_check_model(ip, in->data, in->size, out->data, out->size, &r)) {
	case TSC_MATCH:
		if (r.streaming != streaming) {
			printf("%s: FAIL [%s] the case says streaming %s, the model has %zu bytes of state\n",
			       name, ts_interpreter_kernels(ip), streaming ? "true" : "false",
			       ts_interpreter_state_bytes(ip));
			return -1;
		}
		*count = r.count;
		return 0;
	case TSC_INVOKE_FAILED:
		when = r.after_reset ? " after reset" : "";
		printf("%s: FAIL [%s] invoke %zu%s: %s\n", name, ts_interpreter_kernels(ip),
		       r.inference, when, r.diag.text);
		break;
	case TSC_MISMATCH:
		when = r.after_reset ? " after reset" : "";
		printf("%s: MISMATCH [%s] inference %zu%s, output %zu, byte %zu: got %d, reference %d\n",
		       name, ts_interpreter_kernels(ip), r.inference, when, r.output, r.byte,
		       r.got, r.want);
		break;
	case TSC_BAD_SIZES:
		printf("%s: FAIL sizes: input %zu bytes (%zu per inference), output %zu bytes (%zu per inference)\n",
		       name, in->size, tsc_io_bytes(ip, 1), out->size, tsc_io_bytes(ip, 0));
		break;
	}
	return -1;
}

/* One kernel set on one case: sized arena, then every input set. */
static int run_set(const char *name, const ts_interpreter_options *opt, const struct blob *model,
		   const struct blob *in, const struct blob *out, int streaming, size_t *used,
		   size_t *count)
{
	ts_interpreter *ip;
	ts_diag diag;
	void *arena = aligned_alloc(16, BIG_ARENA);
	int rc = -1;

	/* Size the arena in a big one, then use exactly the reported size. */
	if (!arena || ts_interpreter_create_with(&ip, model->data, model->size, arena, BIG_ARENA,
						 opt, &diag)) {
		printf("%s: FAIL create [%s]: %s\n", name, opt->kernels,
		       arena ? diag.text : "out of memory");
		goto done;
	}
	*used = ts_interpreter_arena_used(ip);
	free(arena);
	arena = aligned_alloc(16, round16(*used ? *used : 1));
	if (!arena) {
		printf("%s: FAIL out of memory\n", name);
		goto done;
	}
	if (ts_interpreter_create_with(&ip, model->data, model->size, arena, *used, opt, &diag)) {
		printf("%s: FAIL [%s] in an arena of its own reported size %zu: %s\n", name,
		       opt->kernels, *used, diag.text);
		goto done;
	}
	rc = run_all(name, ip, in, out, streaming, count);
done:
	free(arena);
	return rc;
}

static int run_case(const char *dir, const char *name, uint32_t cpu)
{
	char path[1024], ran[256] = "";
	struct blob model, in, out, json;
	size_t used = 0, nsets = 0, count = 0;
	const char *set;
	int rc = -1, streaming;

	model.data = in.data = out.data = json.data = NULL;
	int missing = make_path(path, sizeof(path), dir, name, ".tflite") ||
		      read_file(path, &model);
	missing |= make_path(path, sizeof(path), dir, name, ".input.bin") ||
		   read_file(path, &in);
	missing |= make_path(path, sizeof(path), dir, name, ".output.bin") ||
		   read_file(path, &out);
	missing |= make_path(path, sizeof(path), dir, name, ".json") ||
		   read_file(path, &json);
	if (missing) {
		printf("%s: FAIL (missing file)\n", name);
		goto done;
	}
	/* As text: read_file left room for a NUL (16-byte rounding) or not. */
	{
		char *text = malloc(json.size + 1);

		if (!text)
			goto done;
		memcpy(text, json.data, json.size);
		text[json.size] = '\0';
		streaming = json_streaming(text);
		free(text);
	}
	/* Every kernel set this build has and this CPU runs. */
	for (size_t k = 0; (set = ts_kernels_name(k)); k++) {
		const ts_interpreter_options opt = { .kernels = set, .cpu_features = cpu };

		if (ts_kernels_check(set, cpu) != TS_OK)
			continue;
		if (run_set(name, &opt, &model, &in, &out, streaming, &used, &count))
			goto done;
		/* An optimized set may keep packed weights in the arena. */
		snprintf(ran + strlen(ran), sizeof(ran) - strlen(ran), "%s%s %zu", nsets ? ", " : "",
			 set, used);
		nsets++;
	}
	printf("%s: %zu inferences%s, OK with kernels and arena bytes: %s\n", name, count,
	       streaming ? " streamed, and again after a state reset" : "", ran);
	rc = 0;
done:
	free(model.data);
	free(in.data);
	free(out.data);
	free(json.data);
	return rc;
}

static int run_frontend_file(const char *dir, const char *label, const char *name)
{
	char path[1024];
	struct blob wav, want;
	const int16_t *s;
	size_t n, frames;
	tsc_frontend_result r;
	int8_t *feat = NULL;
	int rc = -1;
	static ts_audio_frontend fe;

	wav.data = want.data = NULL;
	int missing = make_path(path, sizeof(path), dir, name, ".wav") ||
		      read_file(path, &wav);
	missing |= make_path(path, sizeof(path), dir, name, ".int8.bin") ||
		   read_file(path, &want);
	if (missing) {
		printf("frontend %s%s: FAIL (missing file)\n", label, name);
		goto done;
	}
	if (tsc_wav_samples(wav.data, wav.size, &s, &n)) {
		printf("frontend %s%s: FAIL not a 16 kHz mono s16 wav\n", label, name);
		goto done;
	}
	/* The samples are little-endian; so is every target we run on. */
	if (ts_audio_frontend_init(&fe, ts_audio_frontend_preset("micro_speech")) != TS_OK) {
		printf("frontend %s%s: FAIL init\n", label, name);
		goto done;
	}
	frames = ts_audio_frontend_frames_for(&fe, n);
	feat = malloc(frames * ts_audio_frontend_frame_bytes(&fe) + 1);
	if (!feat)
		goto done;
	/* All frames in one push. */
	switch (tsc_check_frontend(&fe, s, n, want.data, want.size, feat, frames ? frames : 1, &r)) {
	case TSC_MATCH:
		break;
	case TSC_MISMATCH:
		printf("frontend %s%s: MISMATCH frame %zu, channel %zu: got %d, reference %d\n",
		       label, name, r.frame, r.channel, r.got, r.want);
		goto done;
	default:
		printf("frontend %s%s: FAIL %zu samples give %zu frames of %zu bytes (pushed %zu), golden file has %zu bytes\n",
		       label, name, n, r.frames, r.frame_bytes, r.pushed, want.size);
		goto done;
	}
	printf("frontend %s%s: %zu frames x %zu bytes, OK\n", label, name, r.frames, r.frame_bytes);
	rc = 0;
done:
	free(feat);
	free(wav.data);
	free(want.data);
	return rc;
}

/* Every NAME.wav with a NAME.int8.bin in dir; how many failed. */
static int run_frontend_dir(const char *dir, const char *label, int *count, int *saw_yes)
{
	static char names[MAX_CASES][NAME_MAX_LEN];
	char path[1024];
	int n = list_names(dir, ".int8.bin", names, MAX_CASES, saw_yes != NULL), failed = 0;

	if (n == -1)
		failed++;

	for (int i = 0; i < n; i++) {
		FILE *f;

		if (make_path(path, sizeof(path), dir, names[i], ".wav")) {
			failed++;
			continue;
		}
		f = fopen(path, "rb");
		if (!f)
			continue; /* e.g. legacy or score files without a recording */
		fclose(f);
		if (saw_yes && strcmp(names[i], "yes_1000ms") == 0)
			*saw_yes = 1;
		failed += run_frontend_file(dir, label, names[i]) != 0;
		(*count)++;
	}
	return failed;
}

/* With TS_EXPECT_KERNELS (e.g. "ref,neon,dotprod"): 0 when the kernel
 * sets this CPU runs are exactly those, so that a broken CPU probe cannot
 * quietly leave an optimized set untested. */
static int check_expected_sets(uint32_t cpu)
{
	const char *want = getenv("TS_EXPECT_KERNELS");
	char runs[256] = "";
	const char *set;

	if (!want)
		return 0;
	for (size_t k = 0; (set = ts_kernels_name(k)); k++)
		if (ts_kernels_check(set, cpu) == TS_OK)
			snprintf(runs + strlen(runs), sizeof(runs) - strlen(runs), "%s%s",
				 *runs ? "," : "", set);
	if (strcmp(runs, want) != 0) {
		printf("FAIL: this CPU runs kernel sets %s, expected %s\n", runs, want);
		return -1;
	}
	printf("kernel sets this CPU runs: %s, as expected\n", runs);
	return 0;
}

int main(int argc, char **argv)
{
	static char names[MAX_CASES][NAME_MAX_LEN];
	const uint32_t cpu = cpu_features_probe();
	int n, failed = 0, fe_count = 0, saw_yes = 0;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: %s CONFORMANCE_DIR [FRONTEND_DIR]\n", argv[0]);
		return 2;
	}
	if (check_expected_sets(cpu))
		return 1;
	n = list_names(argv[1], ".tflite", names, MAX_CASES, 1);
	if (n <= 0) {
		printf("FAIL: no NAME.tflite cases in %s\n", argv[1]);
		return 1;
	}
	for (int i = 0; i < n; i++)
		failed += run_case(argv[1], names[i], cpu) != 0;

	if (argc == 3) {
		char stress[1024];

		failed += run_frontend_dir(argv[2], "", &fe_count, &saw_yes);
		if (make_path(stress, sizeof(stress), argv[2], "stress", ""))
			failed++;
		else
			failed += run_frontend_dir(stress, "stress/", &fe_count, NULL);
		if (!saw_yes) {
			printf("frontend yes_1000ms: FAIL (missing %s/yes_1000ms.wav or .int8.bin)\n",
			       argv[2]);
			failed++;
		}
	}
	printf("%s: %d model cases, %d front-end recordings, %d failed\n",
	       failed ? "FAIL" : "PASS", n, fe_count, failed);
	return failed ? 1 : 0;
}
