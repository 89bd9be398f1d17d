/* SPDX-License-Identifier: MIT */
/*
 * One pipeline's configuration file (pipelines.d/NAME.conf), parsed with
 * libinih.  [Pipeline], [Model] and [Detect] are checked here, key by key;
 * [Source] and [Frontend] keys belong to the plugin and front-end that use
 * them, so they are kept as settings (with their line numbers) for those to
 * claim with setting_take(); whatever nobody claims is reported as unknown.
 * Every error names FILE:LINE, the section and the key.
 *
 * A pipeline reads one [Source], or several [Source.NAME] sections whose
 * channels are joined, in file order, into one frame (join_source.c).
 */
#ifndef TS_DAEMON_PIPELINE_CONFIG_H
#define TS_DAEMON_PIPELINE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PC_NAME_LEN    64
#define PC_PATH_LEN    4096
#define PC_LABEL_LEN   48
#define PC_MAX_LABELS  64
#define PC_MAX_SETTINGS 32
#define PC_MAX_SOURCES 8

/* Scores and thresholds are fixed point Q15, as lib/'s detector takes them:
 * value * 2^15 (1.0 = 32768). */
#define PC_SCORE_BITS 15
#define PC_SCORE_ONE (1 << PC_SCORE_BITS)

struct config_error {
	char text[768];
};

struct setting {
	char key[48];
	char value[256];
	unsigned line;
	bool taken;
};

struct settings {
	const char *file; /* for messages: points into the owning config */
	char section[PC_NAME_LEN + 8]; /* "Source", "Source.NAME", "Frontend" */
	struct setting items[PC_MAX_SETTINGS];
	size_t n;
};

enum frontend_type {
	FRONTEND_AUDIO,    /* log-mel, e.g. Preset=micro_speech */
	FRONTEND_SPECTRUM, /* FFT bins of IIO channels */
	FRONTEND_STATS,    /* windowed statistics */
	FRONTEND_RAW,      /* samples straight into the model input */
};

struct label_threshold {
	char label[PC_LABEL_LEN];
	int64_t q15;
};

struct detect_config {
	int64_t threshold_q15;          /* Threshold= (default 0.5) */
	struct label_threshold per_label[PC_MAX_LABELS]; /* Thresholds=yes:0.9,no:0.8 */
	size_t n_per_label;
	unsigned average;               /* Average= inferences (1: none) */
	unsigned consecutive;           /* Consecutive= hits to trigger (1) */
	uint64_t refractory_ns;         /* Refractory= (0) */
	int64_t margin_q15;             /* Margin= top-1 over runner-up (0) */
	char ignore[PC_MAX_LABELS][PC_LABEL_LEN]; /* Ignore= */
	size_t n_ignore;
	/* Anomaly=yes: reconstruction-error scoring instead of classes. */
	bool anomaly;
	unsigned calibration;           /* Calibration= windows (100) */
	int64_t sigma_q15;              /* Sigma= k of mean + k*std (3.0) */
	unsigned on_count, off_count;   /* OnCount= / OffCount= hysteresis (1) */
};

/* One [Source] or [Source.NAME] section. */
struct source_config {
	char name[PC_NAME_LEN];         /* NAME of [Source.NAME]; "" for [Source] */
	char plugin[PC_NAME_LEN];       /* Plugin= */
	struct settings keys;           /* the plugin's keys */
};

/* About 110 KB: allocate it once and pass it by pointer, never by value
 * (every settings' file points at its file[]). */
struct pipeline_config {
	char file[PC_PATH_LEN];
	char name[PC_NAME_LEN];
	char clock[PC_NAME_LEN];        /* [Pipeline] Clock=: the source pacing a join */
	struct source_config sources[PC_MAX_SOURCES]; /* in file order */
	size_t n_sources;
	/* What the sources are, as the bus and socket show it: the plugin of a
	 * single [Source]; NAME=plugin,... for several. */
	char source_summary[PC_MAX_SOURCES * (2 * PC_NAME_LEN + 1)];
	enum frontend_type frontend;    /* [Frontend] Type= */
	struct settings frontend_keys;  /* the front-end's keys */
	char model_path[PC_PATH_LEN];   /* [Model] Path= */
	char labels[PC_MAX_LABELS][PC_LABEL_LEN]; /* [Model] Labels= list or file */
	size_t n_labels;
	unsigned model_stride;          /* [Model] Stride=: run every N feature frames (1) */
	struct detect_config detect;
};

/* Parses path into *pc (zeroed first).  0, or -EINVAL/-errno with err set. */
int pipeline_config_load(struct pipeline_config *pc, const char *path,
			 struct config_error *err);

/* Finds key in s, marks it taken; NULL when absent. */
const struct setting *setting_take(struct settings *s, const char *key);

/* Formats "FILE:LINE: [Section] Key=VALUE: <msg>" into err; returns -EINVAL. */
int setting_error(struct config_error *err, const struct settings *s,
		  const struct setting *item, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* -EINVAL naming the first setting nobody took, else 0. */
int settings_check_all_taken(const struct settings *s, struct config_error *err);

/* True when a and b say the same: every section, key, value and label
 * (line numbers, file names and which keys were claimed aside). */
bool pipeline_config_equal(const struct pipeline_config *a, const struct pipeline_config *b);

/* Index of label in pc->labels, or -1. */
int pipeline_config_label_index(const struct pipeline_config *pc, const char *label);

#endif
