/* SPDX-License-Identifier: MIT */
/*
 * A sample source as the pipeline sees it.  The built-in replay source is
 * one; plugin_source.c adapts plugins (tinysense/plugin.h) to the same
 * shape.  Sources run on the loop thread and never block it: they emit
 * blocks of interleaved int16 or int32 frames with the monotonic and
 * realtime timestamps of their first frame.
 */
#ifndef TS_DAEMON_SOURCE_H
#define TS_DAEMON_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include <systemd/sd-event.h>

#include "pipeline_config.h"

#include "sample_format.h"

enum source_state { SOURCE_RUNNING = 1, SOURCE_DEGRADED = 2, SOURCE_FAILED = 3 };

#define SOURCE_MAX_CHANNELS 256

/* What a channel measures: physical = (raw + offset) * scale, in unit. */
struct channel_meta {
	char name[48];
	char unit[16];
	double scale;
	double offset;
};

struct source;

struct source_ops {
	const char *name;
	/* Reads its [Source] keys (claiming them with setting_take) and checks
	 * them; sets s->rate and s->channels. */
	int (*open)(struct source *s, struct settings *keys, struct config_error *err);
	int (*start)(struct source *s);
	void (*stop)(struct source *s);
	/* The pipeline has room again after emit took fewer frames than given. */
	void (*resume)(struct source *s);
	void (*close)(struct source *s);
};

/* What a source may call: the pipeline's side. */
struct source_host {
	void *pipeline;
	/* Offers n frames of the source's format (any n); returns how many
	 * the pipeline took (copied), from the first.  Fewer than n: it is full;
	 * the source keeps the rest and offers it again on resume (a live
	 * source that cannot wait drops what it cannot keep, and says so). */
	size_t (*emit)(void *pipeline, const void *frames, size_t n, uint64_t mono_ns,
		       uint64_t realtime_us);
	/* The stream ended (a recording's last block was emitted). */
	void (*end)(void *pipeline);
	/* The source's state and its LastError text (NULL: none). */
	void (*state)(void *pipeline, enum source_state state, const char *message);
};

struct source {
	const struct source_ops *ops;
	struct source_host host;
	sd_event *event;
	const char *plugin_dir;   /* where plugins are loaded from */
	const char *plugin_name;  /* [Source] Plugin= */
	enum sample_format format;
	uint32_t rate;
	uint16_t channels;
	struct channel_meta *channel_meta; /* channels entries or NULL; freed by the pipeline */
	void *priv;
};

/* Opens one configured source into s, whose host, event and plugin_dir the
 * caller set: a built-in source by Plugin= name, else a plugin from
 * plugin_dir; every key must be claimed.  0 or -errno with err set. */
int source_open(struct source *s, struct source_config *sc, struct config_error *err);

/* Opens several configured sources as one (join_source.c): their channels
 * joined in order into one frame, paced by the clock source (Clock= NAME,
 * else the slowest, the first of equals), whose every frame carries the
 * other sources' latest values (sample and hold).  Sets s->ops. */
int join_source_open(struct source *s, struct source_config *sources, size_t n,
		     const char *clock, struct config_error *err);

/* The built-in sources, by Plugin= name; NULL when unknown. */
const struct source_ops *source_builtin(const char *name);

extern const struct source_ops replay_source_ops;
/* A plugin from PluginDir, named by [Source] Plugin= (plugin_source.c). */
extern const struct source_ops plugin_source_ops;

#endif
