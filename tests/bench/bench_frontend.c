/* SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
/* make bench: CPU cost of the micro_speech audio front-end, in microseconds
 * per second of audio, on a WAV file given on the command line (looped to
 * 60 s).  Medians of 5 runs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <tinysense/tinysense.h>

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int compare(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The spectrum front-end on the same samples as one channel: microseconds
 * per window (hop = FFT / 2), for two FFT sizes. */
static void bench_spectrum(const int16_t *samples, size_t n)
{
	static ts_spectrum sp;
	static int8_t features[64 * 512];
	static const uint16_t sizes[] = { 256, 1024 };

	for (size_t k = 0; k < 2; k++) {
		ts_spectrum_config cfg = *ts_spectrum_preset("vibration");
		double runs[5];

		cfg.frame_channels = 1;
		cfg.num_channels = 1;
		cfg.channels[0] = 0;
		cfg.fft_len = sizes[k];
		cfg.hop = sizes[k] / 2;
		cfg.end_bin = (uint16_t)(sizes[k] / 2 + 1);
		for (int r = 0; r < 5; r++) {
			size_t done = 0, windows = 0;
			double t0;

			if (ts_spectrum_init(&sp, &cfg, 0.1f, 0) != TS_OK)
				return;
			t0 = now_us();
			while (done < n) {
				size_t consumed;

				windows += ts_spectrum_push_s16(&sp, samples + done, n - done, &consumed,
								features, 64);
				done += consumed;
			}
			runs[r] = (now_us() - t0) / (double)windows;
		}
		qsort(runs, 5, sizeof(runs[0]), compare);
		printf("spectrum front-end (FFT %u, hop %u, log2, 32 bands, 1 channel): %.1f us per window\n",
		       sizes[k], sizes[k] / 2, runs[2]);
	}
}

int main(int argc, char **argv)
{
	static ts_audio_frontend fe;
	static int8_t features[64 * 40];
	enum { SECONDS = 60, RATE = 16000, RUNS = 5 };
	int16_t *audio = malloc(sizeof(int16_t) * SECONDS * RATE);
	double runs[RUNS];
	size_t n = 0;
	FILE *fp;

	if (argc != 2 || !audio || !(fp = fopen(argv[1], "rb"))) {
		fprintf(stderr, "usage: bench_frontend FILE.wav (16 kHz mono)\n");
		return 2;
	}
	/* Skip the 44-byte header; loop the samples to fill the buffer. */
	while (n < (size_t)SECONDS * RATE) {
		if (fseek(fp, 44, SEEK_SET))
			return 1;
		size_t got = fread(audio + n, 2, (size_t)SECONDS * RATE - n, fp);
		if (!got)
			return 1;
		n += got;
	}
	fclose(fp);
	for (int r = 0; r < RUNS; r++) {
		size_t done = 0;
		double t0;

		ts_audio_frontend_init(&fe, ts_audio_frontend_preset("micro_speech"));
		t0 = now_us();
		while (done < n) {
			size_t consumed;

			ts_audio_frontend_push(&fe, audio + done, n - done, &consumed, features, 64);
			done += consumed;
		}
		runs[r] = (now_us() - t0) / SECONDS;
	}
	qsort(runs, RUNS, sizeof(runs[0]), compare);
	printf("audio front-end (micro_speech): %.1f us per second of audio (%.0fx real time)\n",
	       runs[RUNS / 2], 1e6 / runs[RUNS / 2]);
	bench_spectrum(audio, n);
	free(audio);
	return 0;
}
