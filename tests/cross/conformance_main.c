/* SPDX-License-Identifier: MIT */
/*
 * Same bytes everywhere: a dependency-free conformance runner (no CMocka), so
 * it can be cross-built for aarch64 / armhf and run under qemu-user.
 *
 *   conformance_main CONFORMANCE_DIR [FRONTEND_DIR]
 *
 * Every NAME.tflite in CONFORMANCE_DIR is a case (../shared/conformance:
 * NAME.tflite, NAME.input.bin, NAME.output.bin).  The interpreter is created
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

static size_t io_bytes(ts_interpreter *ip, int inputs)
{
	size_t n = inputs ? ts_interpreter_input_count(ip) : ts_interpreter_output_count(ip);
	size_t total = 0;

	for (size_t i = 0; i < n; i++)
		total += ts_tensor_bytes(inputs ? ts_interpreter_input(ip, i) :
					 ts_interpreter_output(ip, i));
	return total;
}

/* Runs every input set with the current kernels; 0 when all bytes match. */
static int run_all(const char *name, ts_interpreter *ip, const struct blob *in,
		   const struct blob *out, size_t count)
{
	const size_t per_in = io_bytes(ip, 1), per_out = io_bytes(ip, 0);
	ts_diag diag;

	for (size_t k = 0; k < count; k++) {
		const uint8_t *src = in->data + k * per_in;
		const uint8_t *want = out->data + k * per_out;

		for (size_t i = 0; i < ts_interpreter_input_count(ip); i++) {
			ts_tensor *t = ts_interpreter_input(ip, i);

			memcpy(ts_tensor_data(t), src, ts_tensor_bytes(t));
			src += ts_tensor_bytes(t);
		}
		if (ts_interpreter_invoke(ip, &diag) != TS_OK) {
			printf("%s: FAIL [%s] invoke %zu: %s\n", name, ts_interpreter_kernels(ip),
			       k, diag.text);
			return -1;
		}
		for (size_t o = 0; o < ts_interpreter_output_count(ip); o++) {
			const ts_tensor *t = ts_interpreter_output(ip, o);
			const uint8_t *got = ts_tensor_data_const(t);

			for (size_t b = 0; b < ts_tensor_bytes(t); b++)
				if (got[b] != want[b]) {
					printf("%s: MISMATCH [%s] inference %zu, output %zu, byte %zu: got %d, reference %d\n",
					       name, ts_interpreter_kernels(ip), k, o, b,
					       (int8_t)got[b], (int8_t)want[b]);
					return -1;
				}
			want += ts_tensor_bytes(t);
		}
	}
	return 0;
}

/* One kernel set on one case: sized arena, then every input set. */
static int run_set(const char *name, const ts_interpreter_options *opt, const struct blob *model,
		   const struct blob *in, const struct blob *out, size_t *used,
		   size_t *count)
{
	ts_interpreter *ip;
	ts_diag diag;
	void *arena = aligned_alloc(16, BIG_ARENA);
	size_t per_in, per_out;
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
	per_in = io_bytes(ip, 1);
	per_out = io_bytes(ip, 0);
	if (!per_in || !per_out || in->size % per_in || out->size != in->size / per_in * per_out) {
		printf("%s: FAIL sizes: input %zu bytes (%zu per inference), output %zu bytes (%zu per inference)\n",
		       name, in->size, per_in, out->size, per_out);
		goto done;
	}
	*count = in->size / per_in;
	rc = run_all(name, ip, in, out, *count);
done:
	free(arena);
	return rc;
}

static int run_case(const char *dir, const char *name, uint32_t cpu)
{
	char path[1024], ran[256] = "";
	struct blob model, in, out;
	size_t used = 0, nsets = 0, count = 0;
	const char *set;
	int rc = -1;

	model.data = in.data = out.data = NULL;
	int missing = make_path(path, sizeof(path), dir, name, ".tflite") ||
		      read_file(path, &model);
	missing |= make_path(path, sizeof(path), dir, name, ".input.bin") ||
		   read_file(path, &in);
	missing |= make_path(path, sizeof(path), dir, name, ".output.bin") ||
		   read_file(path, &out);
	if (missing) {
		printf("%s: FAIL (missing file)\n", name);
		goto done;
	}
	/* Every kernel set this build has and this CPU runs. */
	for (size_t k = 0; (set = ts_kernels_name(k)); k++) {
		const ts_interpreter_options opt = { .kernels = set, .cpu_features = cpu };

		if (ts_kernels_check(set, cpu) != TS_OK)
			continue;
		if (run_set(name, &opt, &model, &in, &out, &used, &count))
			goto done;
		/* An optimized set may keep packed weights in the arena. */
		snprintf(ran + strlen(ran), sizeof(ran) - strlen(ran), "%s%s %zu", nsets ? ", " : "",
			 set, used);
		nsets++;
	}
	printf("%s: %zu inferences, OK with kernels and arena bytes: %s\n", name, count, ran);
	rc = 0;
done:
	free(model.data);
	free(in.data);
	free(out.data);
	return rc;
}

/* 16 kHz mono s16 RIFF/WAVE -> samples (pointing into b); -1 if not one. */
static int wav_samples(const struct blob *b, const int16_t **samples, size_t *n)
{
	size_t pos = 12;

	if (b->size < 12 || memcmp(b->data, "RIFF", 4) || memcmp(b->data + 8, "WAVE", 4))
		return -1;
	while (pos + 8 <= b->size) {
		const uint8_t *c = b->data + pos;
		size_t len = (size_t)c[4] | (size_t)c[5] << 8 | (size_t)c[6] << 16 |
			     (size_t)c[7] << 24;

		if (memcmp(c, "fmt ", 4) == 0) {
			if (len < 16 || pos + 8 + len > b->size)
				return -1;
			/* PCM, 1 channel, 16000 Hz, 16 bits */
			if (c[8] != 1 || c[9] || c[10] != 1 || c[11] ||
			    ((uint32_t)c[12] | (uint32_t)c[13] << 8 | (uint32_t)c[14] << 16 |
			     (uint32_t)c[15] << 24) != 16000 || c[22] != 16 || c[23])
				return -1;
		} else if (memcmp(c, "data", 4) == 0) {
			if (pos + 8 + len > b->size)
				len = b->size - pos - 8;
			/* The data starts at an even offset of a 16-aligned buffer. */
			*samples = (const int16_t *)(const void *)(c + 8);
			*n = len / 2;
			return 0;
		}
		pos += 8 + len + (len & 1);
	}
	return -1;
}

static int run_frontend_file(const char *dir, const char *label, const char *name)
{
	char path[1024];
	struct blob wav, want;
	const int16_t *s;
	size_t n, frames, got_frames, consumed, fb;
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
	if (wav_samples(&wav, &s, &n)) {
		printf("frontend %s%s: FAIL not a 16 kHz mono s16 wav\n", label, name);
		goto done;
	}
	/* The samples are little-endian; so is every target we run on. */
	if (ts_audio_frontend_init(&fe, ts_audio_frontend_preset("micro_speech")) != TS_OK) {
		printf("frontend %s%s: FAIL init\n", label, name);
		goto done;
	}
	fb = ts_audio_frontend_frame_bytes(&fe);
	frames = ts_audio_frontend_frames_for(&fe, n);
	if (!fb || want.size != frames * fb) {
		printf("frontend %s%s: FAIL %zu samples give %zu frames of %zu bytes, golden file has %zu bytes\n",
		       label, name, n, frames, fb, want.size);
		goto done;
	}
	feat = malloc(frames * fb + 1);
	if (!feat)
		goto done;
	got_frames = ts_audio_frontend_push(&fe, s, n, &consumed, feat, frames);
	if (got_frames != frames || consumed != n) {
		printf("frontend %s%s: FAIL push gave %zu frames (%zu samples), want %zu (%zu)\n",
		       label, name, got_frames, consumed, frames, n);
		goto done;
	}
	for (size_t i = 0; i < frames * fb; i++)
		if ((uint8_t)feat[i] != want.data[i]) {
			printf("frontend %s%s: MISMATCH frame %zu, channel %zu: got %d, reference %d\n",
			       label, name, i / fb, i % fb, feat[i], (int8_t)want.data[i]);
			goto done;
		}
	printf("frontend %s%s: %zu frames x %zu bytes, OK\n", label, name, frames, fb);
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
