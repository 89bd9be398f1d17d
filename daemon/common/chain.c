/* SPDX-License-Identifier: MIT */
#include "chain.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <tinysense/tinysense.h>
#include <tinysense/anomaly.h>
#include <tinysense/frame_stack.h>

#include "frontend.h"
#include "input_file.h"
#include "sha256.h"

/* Feature bytes produced per front-end call (at least one frame). */
#define CHAIN_FEATURE_BYTES 8192

struct chain {
	void *model;
	size_t model_size;
	void *arena;
	ts_interpreter *ip;
	ts_tensor *input;
	const ts_tensor *output;
	char sha256[65];
	char model_path[PC_PATH_LEN * 2]; /* for messages */

	struct frontend fe;
	size_t frame_bytes;            /* one feature frame */
	size_t window_frames;          /* feature frames per model input */
	unsigned stride;               /* run the model every stride frames */
	uint64_t frames_made;          /* feature frames since reset */
	uint64_t samples_fed;          /* samples since reset */
	ts_frame_stack stack;
	void *stack_storage;

	bool anomaly;                  /* [Detect] Anomaly=yes */
	ts_anomaly anomaly_detector;
	ts_detector detector;
	ts_detector_config detector_cfg;
	float out_scale;
	int32_t out_zero_point;
	struct chain_stats stats;
	chain_scores_fn scores_fn;
	void *scores_user;
	const atomic_bool *cancel;     /* set: chain_feed() returns after an inference */
};

static int fail(struct config_error *err, int r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct config_error *err, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->text, sizeof(err->text), fmt, ap);
	va_end(ap);
	return r;
}

static int read_model(struct chain *c, const char *path, struct config_error *err)
{
	void *bytes;
	size_t size;
	int r = input_file_read(path, INPUT_MAX_MODEL_BYTES, &bytes, &size, err->text,
				sizeof(err->text));

	if (r)
		return r;
	c->model = bytes;
	c->model_size = size;
	sha256_hex(c->model, c->model_size, c->sha256);
	return 0;
}

/* Creates the interpreter in an arena of exactly the size it needs. */
static int load_interpreter(struct chain *c, const char *path,
			    const ts_interpreter_options *opt, struct config_error *err)
{
	size_t size = 1 << 20;
	ts_diag diag;
	ts_status st;

	c->arena = aligned_alloc(16, size);
	if (!c->arena)
		return -ENOMEM;
	st = ts_interpreter_create_with(&c->ip, c->model, c->model_size, c->arena, size, opt, &diag);
	if (st == TS_ERR_ARENA_TOO_SMALL) {
		free(c->arena);
		size = 64u << 20;
		c->arena = aligned_alloc(16, size);
		if (!c->arena)
			return -ENOMEM;
		st = ts_interpreter_create_with(&c->ip, c->model, c->model_size, c->arena, size, opt,
						&diag);
	}
	if (st)
		return fail(err, -EINVAL, "%s: %s", path, diag.text);
	size = ts_interpreter_arena_used(c->ip);
	free(c->arena);
	c->arena = aligned_alloc(16, size);
	if (!c->arena ||
	    ts_interpreter_create_with(&c->ip, c->model, c->model_size, c->arena, size, opt, &diag))
		return fail(err, -ENOMEM, "%s: cannot create the interpreter", path);
	if (ts_interpreter_input_count(c->ip) != 1 || ts_interpreter_output_count(c->ip) < 1)
		return fail(err, -EINVAL, "%s: a pipeline model needs one input tensor", path);
	c->input = ts_interpreter_input(c->ip, 0);
	c->output = ts_interpreter_output(c->ip, 0);
	return 0;
}

static int setup_stack(struct chain *c, const char *model_path, struct config_error *err)
{
	const size_t input_bytes = ts_tensor_bytes(c->input);
	size_t storage;

	if (ts_tensor_type(c->input) != TS_TYPE_INT8)
		return fail(err, -EINVAL, "%s: input must be int8 for this front-end", model_path);
	c->frame_bytes = c->fe.feature_bytes;
	if (!c->frame_bytes || input_bytes % c->frame_bytes)
		return fail(err, -EINVAL,
			    "%s: input of %zu bytes is not a whole number of %zu-byte feature frames",
			    model_path, input_bytes, c->frame_bytes);
	c->window_frames = input_bytes / c->frame_bytes;
	storage = ts_frame_stack_storage_bytes(c->frame_bytes, c->window_frames);
	c->stack_storage = malloc(storage);
	if (!c->stack_storage)
		return -ENOMEM;
	if (ts_frame_stack_init(&c->stack, c->stack_storage, storage, c->frame_bytes,
				c->window_frames) != TS_OK)
		return fail(err, -EINVAL, "%s: cannot stack %zu frames of %zu bytes", model_path,
			    c->window_frames, c->frame_bytes);
	return 0;
}

static int setup_detector(struct chain *c, const struct pipeline_config *pc,
			  const char *model_path, struct config_error *err)
{
	const struct detect_config *d = &pc->detect;
	ts_detector_config *cfg = &c->detector_cfg;
	const size_t n = ts_tensor_bytes(c->output);

	if (ts_tensor_type(c->output) != TS_TYPE_INT8 || n != pc->n_labels)
		return fail(err, -EINVAL, "%s: output has %zu int8 scores but %s lists %zu labels",
			    model_path, n, pc->file, pc->n_labels);
	ts_detector_config_init(cfg, (uint16_t)n);
	cfg->average_window = (uint8_t)d->average;
	cfg->trigger_count = (uint8_t)(d->consecutive > 255 ? 255 : d->consecutive);
	cfg->margin_q15 = (uint16_t)d->margin_q15;
	cfg->refractory_ns = d->refractory_ns;
	for (size_t i = 0; i < n; i++) {
		cfg->threshold_q15[i] = (uint16_t)d->threshold_q15;
		for (size_t k = 0; k < d->n_per_label; k++)
			if (!strcmp(d->per_label[k].label, pc->labels[i]))
				cfg->threshold_q15[i] = (uint16_t)d->per_label[k].q15;
	}
	for (size_t k = 0; k < d->n_ignore; k++)
		cfg->ignore_mask |= 1ull << pipeline_config_label_index(pc, d->ignore[k]);
	c->out_scale = ts_tensor_scale(c->output);
	c->out_zero_point = ts_tensor_zero_point(c->output);
	if (ts_detector_init(&c->detector, cfg, c->out_scale, c->out_zero_point) != TS_OK)
		return fail(err, -EINVAL, "%s: [Detect]: settings rejected by the detector", pc->file);
	return 0;
}

static void resolve(char *dst, size_t size, const char *model_dir, const char *path)
{
	if (path[0] == '/' || !model_dir || !model_dir[0])
		snprintf(dst, size, "%s", path);
	else
		snprintf(dst, size, "%s/%s", model_dir, path);
}

/* [Detect] Anomaly=yes: reconstruction error of the model's output against
 * its input; state changes become "anomaly" / "normal" detections. */
static int setup_anomaly(struct chain *c, const struct pipeline_config *pc,
			 const char *model_path, struct config_error *err)
{
	const struct detect_config *d = &pc->detect;
	ts_anomaly_config cfg;

	if (ts_tensor_type(c->output) != TS_TYPE_INT8 ||
	    ts_tensor_bytes(c->output) != ts_tensor_bytes(c->input))
		return fail(err, -EINVAL,
			    "%s: an anomaly model's output must be int8 and as large as its input",
			    model_path);
	ts_anomaly_config_init(&cfg);
	cfg.calibration_windows = d->calibration;
	cfg.k_on_q16 = (uint32_t)(d->sigma_q15 * 2); /* Q15 -> Q16 */
	cfg.k_off_q16 = cfg.k_on_q16;
	cfg.n_on = (uint16_t)d->on_count;
	cfg.n_off = (uint16_t)d->off_count;
	if (ts_anomaly_init(&c->anomaly_detector, &cfg, ts_tensor_scale(c->input),
			    ts_tensor_zero_point(c->input), ts_tensor_scale(c->output),
			    ts_tensor_zero_point(c->output)) != TS_OK)
		return fail(err, -EINVAL, "%s: [Detect]: anomaly settings rejected", pc->file);
	c->anomaly = true;
	return 0;
}

int chain_new(const struct pipeline_config *pc, const char *model_dir,
	      const ts_interpreter_options *opt, struct chain **out, struct config_error *err)
{
	struct chain *c = calloc(1, sizeof(*c));
	int r;

	if (!c)
		return -ENOMEM;
	/* A relative path that exists as given (e.g. in tests) wins. */
	if (access(pc->model_path, R_OK) == 0)
		snprintf(c->model_path, sizeof(c->model_path), "%s", pc->model_path);
	else
		resolve(c->model_path, sizeof(c->model_path), model_dir, pc->model_path);
	r = read_model(c, c->model_path, err);
	if (!r)
		r = load_interpreter(c, c->model_path, opt, err);
	c->stride = pc->model_stride ? pc->model_stride : 1;
	if (r) {
		chain_free(c);
		return r;
	}
	*out = c;
	return 0;
}

int chain_connect(struct chain *c, struct pipeline_config *pc, enum sample_format format,
		  uint16_t channels, struct config_error *err)
{
	int r = frontend_open(&c->fe, pc, format, channels, ts_tensor_scale(c->input),
			      ts_tensor_zero_point(c->input), err);

	if (!r)
		r = setup_stack(c, c->model_path, err);
	if (!r)
		r = pc->detect.anomaly ? setup_anomaly(c, pc, c->model_path, err)
				       : setup_detector(c, pc, c->model_path, err);
	return r;
}

struct chain *chain_free(struct chain *c)
{
	if (!c)
		return NULL;
	free(c->stack_storage);
	free(c->arena);
	free(c->model);
	free(c);
	return NULL;
}

uint32_t chain_rate(const struct chain *c) { return c->fe.rate; }
const char *chain_model_sha256(const struct chain *c) { return c->sha256; }

void chain_get_stats(const struct chain *c, struct chain_stats *out)
{
	*out = c->stats;
}

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Anomaly pipelines report state changes: class 1 "anomaly" on entering the
 * anomalous state, class 0 "normal" on leaving it.  The score is the
 * reconstruction error relative to the on-threshold, halved and capped:
 * 0.5 at the threshold, 1.0 at twice it.  `input` is the window the model
 * ran on: not the input tensor, whose arena bytes the planner may give to
 * a later layer's output once the first layer has read them. */
static void infer_anomaly(struct chain *c, const int8_t *input, uint64_t timestamp_ns,
			  chain_detection_fn cb, void *user)
{
	ts_anomaly_result res;
	ts_anomaly_calibration cal;
	ts_detection det = { .timestamp_ns = timestamp_ns };
	uint64_t q;

	if (ts_anomaly_process(&c->anomaly_detector, input,
			       ts_tensor_data_const(c->output), ts_tensor_bytes(c->input),
			       timestamp_ns, &res) != TS_OK || !res.event ||
	    res.previous == TS_ANOMALY_CALIBRATING)
		return;
	if (ts_anomaly_get_calibration(&c->anomaly_detector, &cal) != TS_OK || !cal.threshold_on)
		return;
	q = (uint64_t)res.score * 16384 / cal.threshold_on;
	det.score_q15 = det.average_q15 = (uint16_t)(q > 32768 ? 32768 : q);
	det.class_index = res.state == TS_ANOMALY_ANOMALOUS ? 1 : 0;
	cb(user, &det);
}

/* One inference on the stacked window, then the detector. */
static void infer(struct chain *c, uint64_t timestamp_ns, chain_detection_fn cb, void *user)
{
	ts_detection det;
	bool detected = false;
	uint64_t t0;

	memcpy(ts_tensor_data(c->input), ts_frame_stack_window(&c->stack),
	       ts_tensor_bytes(c->input));
	t0 = monotonic_ns();
	if (ts_interpreter_invoke(c->ip, NULL) != TS_OK)
		return;
	c->stats.inference_ns += monotonic_ns() - t0;
	c->stats.inferences++;
	if (c->anomaly) {
		infer_anomaly(c, (const int8_t *)ts_frame_stack_window(&c->stack), timestamp_ns,
			      cb, user);
		return;
	}
	if (ts_detector_process(&c->detector, ts_tensor_data_const(c->output),
				ts_tensor_bytes(c->output), timestamp_ns, &det,
				&detected) != TS_OK)
		return;
	if (c->scores_fn) {
		uint16_t averages[TS_DETECTOR_MAX_CLASSES];
		const size_t n = c->detector_cfg.num_classes;

		if (ts_detector_scores(&c->detector, NULL, averages, n) == TS_OK)
			c->scores_fn(c->scores_user, averages, n, timestamp_ns);
	}
	if (detected)
		cb(user, &det);
}

int chain_feed(struct chain *c, const void *frames, enum sample_format format, size_t n,
	       uint16_t channels, uint64_t t0_ns, uint32_t rate, chain_detection_fn cb,
	       void *user)
{
	int8_t features[CHAIN_FEATURE_BYTES];
	const size_t max_frames = sizeof(features) / c->frame_bytes;
	const uint64_t base = c->samples_fed; /* stream position of frames[0] */
	size_t done = 0;

	const size_t frame_size = (size_t)channels * sample_size(format);

	if (channels != c->fe.channels || format != c->fe.format ||
	    (c->fe.rate && rate != c->fe.rate))
		return -EINVAL;
	while (done < n) {
		size_t consumed = 0;
		size_t made = frontend_push(&c->fe, (const uint8_t *)frames + done * frame_size,
					    n - done, &consumed, features, max_frames);

		for (size_t f = 0; f < made; f++) {
			/* The sample completing feature frame k (k = frames_made)
			 * is the last of its front-end window: k * hop + window - 1
			 * in the stream (hop and window in samples; the model's
			 * stride, c->stride, counts feature frames). */
			const uint64_t last = c->frames_made * c->fe.hop + c->fe.window - 1;
			const uint64_t ts = t0_ns + (last - base) * 1000000000ull / rate;

			ts_frame_stack_push(&c->stack, features + f * c->frame_bytes);
			c->frames_made++;
			/* Model inputs end on feature frames window_frames - 1,
			 * window_frames - 1 + stride, ... */
			if (ts_frame_stack_ready(&c->stack) &&
			    (c->frames_made - c->window_frames) % c->stride == 0)
				infer(c, ts, cb, user);
			if (c->cancel && atomic_load(c->cancel)) {
				c->samples_fed += n;
				return -ECANCELED;
			}
		}
		done += consumed;
	}
	c->samples_fed += n;
	return 0;
}

void chain_set_cancel(struct chain *c, const atomic_bool *cancel)
{
	c->cancel = cancel;
}

void chain_set_scores_callback(struct chain *c, chain_scores_fn fn, void *user)
{
	c->scores_fn = c->anomaly ? NULL : fn;
	c->scores_user = user;
}

void chain_reset(struct chain *c)
{
	frontend_reset(&c->fe);
	ts_frame_stack_reset(&c->stack);
	if (c->anomaly)
		ts_anomaly_reset(&c->anomaly_detector);
	else
		ts_detector_reset(&c->detector);
	c->frames_made = 0;
	c->samples_fed = 0;
}

int chain_set_thresholds(struct chain *c, const uint16_t *q15, size_t n)
{
	if (c->anomaly || n != c->detector_cfg.num_classes)
		return -EINVAL;
	memcpy(c->detector_cfg.threshold_q15, q15, n * sizeof(q15[0]));
	/* The detector keeps its configuration; re-init restarts its
	 * averaging, a small price for a rare change. */
	return ts_detector_init(&c->detector, &c->detector_cfg, c->out_scale,
				c->out_zero_point) == TS_OK ? 0 : -EINVAL;
}
