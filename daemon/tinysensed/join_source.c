/* SPDX-License-Identifier: MIT */
/*
 * Several sources as one: a pipeline with [Source.NAME] sections.
 *
 * Each member is an ordinary source (built-in or plugin) with its own keys,
 * rate and format.  The joined frame holds every member's channels in the
 * order of the sections.  One member is the clock (Clock=NAME, else the
 * member with the lowest rate, the first of equals): every frame it emits
 * becomes one joined frame, at its rate and with its timestamps, carrying
 * the latest frame each other member emitted (sample and hold).  Slow
 * sensors (a soil probe polled every 10 minutes, a rain gauge counted per
 * window) suit this: a held value is the sensor's current reading.  Clock
 * frames before every member has emitted once are dropped, so that no
 * frame carries values nobody measured.
 *
 * The joined format is int32 when any member gives int32, else int16.
 * Channel i is named "NAME.channel" (NAME.i when the member names none).
 * The joined state is the worst member's (failed > degraded > running),
 * its message prefixed with the member's NAME.  The stream ends when the
 * clock's does; a member that ends earlier keeps its last value.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "source.h"

struct join;

struct join_member {
	struct join *j;
	struct source src;
	const char *name;          /* [Source.NAME] */
	uint16_t first;            /* its first channel in the joined frame */
	bool has_value;
	enum source_state state;
	char message[200];
};

struct join {
	struct source *s;          /* the joined source the pipeline sees */
	struct join_member m[PC_MAX_SOURCES];
	size_t n;
	size_t clock;
	int32_t held[SOURCE_MAX_CHANNELS];
	void *frames;              /* joined frames of one clock block */
	size_t frames_cap;         /* bytes */
	char message[256];
};

static int32_t sample_at(const void *frames, enum sample_format f, size_t i)
{
	return f == SAMPLE_S32 ? ((const int32_t *)frames)[i] : ((const int16_t *)frames)[i];
}

static void hold_last(struct join_member *m, const void *frames, size_t n)
{
	const uint16_t ch = m->src.channels;

	for (uint16_t c = 0; c < ch; c++)
		m->j->held[m->first + c] = sample_at(frames, m->src.format, (n - 1) * ch + c);
	m->has_value = true;
}

/* n joined frames: the held values, the clock's own channels from frames. */
static int build(struct join *j, const void *frames, size_t n)
{
	const struct join_member *clock = &j->m[j->clock];
	const uint16_t out_ch = j->s->channels;
	const size_t bytes = n * out_ch * sample_size(j->s->format);

	if (bytes > j->frames_cap) {
		void *grown = realloc(j->frames, bytes);

		if (!grown)
			return -ENOMEM;
		j->frames = grown;
		j->frames_cap = bytes;
	}
	for (size_t i = 0; i < n; i++) {
		for (uint16_t c = 0; c < clock->src.channels; c++)
			j->held[clock->first + c] =
				sample_at(frames, clock->src.format, i * clock->src.channels + c);
		if (j->s->format == SAMPLE_S32)
			memcpy((int32_t *)j->frames + i * out_ch, j->held, out_ch * sizeof(int32_t));
		else
			for (uint16_t c = 0; c < out_ch; c++)
				((int16_t *)j->frames)[i * out_ch + c] = (int16_t)j->held[c];
	}
	return 0;
}

/* A member's frames: held; the clock's are joined and go on.  What the
 * pipeline did not take goes back to the clock, which offers it again. */
static size_t member_emit(void *user, const void *frames, size_t n, uint64_t mono_ns,
			  uint64_t realtime_us)
{
	struct join_member *m = user;
	struct join *j = m->j;

	if (!n)
		return 0;
	hold_last(m, frames, n);
	if (m != &j->m[j->clock])
		return n;
	for (size_t i = 0; i < j->n; i++)
		if (!j->m[i].has_value)
			return n; /* not every sensor has spoken yet: dropped */
	if (build(j, frames, n)) {
		log_error("join: no memory for %zu frames: dropped", n);
		return n;
	}
	return j->s->host.emit(j->s->host.pipeline, j->frames, n, mono_ns, realtime_us);
}

static void member_end(void *user)
{
	struct join_member *m = user;

	if (m == &m->j->m[m->j->clock])
		m->j->s->host.end(m->j->s->host.pipeline);
}

static void member_state(void *user, enum source_state state, const char *message)
{
	struct join_member *m = user;
	struct join *j = m->j;
	const struct join_member *worst = NULL;

	m->state = state;
	snprintf(m->message, sizeof(m->message), "%s", message ? message : "");
	for (size_t i = 0; i < j->n; i++)
		if (!worst || j->m[i].state > worst->state)
			worst = &j->m[i];
	if (worst->state == SOURCE_RUNNING) {
		j->s->host.state(j->s->host.pipeline, SOURCE_RUNNING, NULL);
		return;
	}
	snprintf(j->message, sizeof(j->message), "%s: %s", worst->name,
		 worst->message[0] ? worst->message : "no message");
	j->s->host.state(j->s->host.pipeline, worst->state, j->message);
}

/* ---- the joined source's operations --------------------------------------- */

static void join_stop(struct source *s)
{
	struct join *j = s->priv;

	for (size_t i = 0; i < j->n; i++)
		j->m[i].src.ops->stop(&j->m[i].src);
}

static int join_start(struct source *s)
{
	struct join *j = s->priv;

	for (size_t i = 0; i < j->n; i++) {
		struct join_member *m = &j->m[i];
		int r;

		m->has_value = false;
		m->state = SOURCE_RUNNING;
		m->message[0] = '\0';
		/* On failure the pipeline stops every member, as it stops a
		 * single source whose start failed, and retries later. */
		r = m->src.ops->start(&m->src);
		if (r < 0)
			return r;
	}
	return 0;
}

static void join_resume(struct source *s)
{
	struct join *j = s->priv;
	struct source *clock = &j->m[j->clock].src;

	if (clock->ops->resume)
		clock->ops->resume(clock);
}

static void join_close(struct source *s)
{
	struct join *j = s->priv;

	if (!j)
		return;
	for (size_t i = 0; i < j->n; i++) {
		struct source *ms = &j->m[i].src;

		if (ms->ops && ms->ops->close)
			ms->ops->close(ms);
		free(ms->channel_meta);
	}
	free(j->frames);
	free(j);
	s->priv = NULL;
}

static const struct source_ops join_source_ops = {
	.name = "join",
	.open = NULL, /* join_source_open() */
	.start = join_start,
	.stop = join_stop,
	.resume = join_resume,
	.close = join_close,
};

/* ---- opening ------------------------------------------------------------------ */

static size_t pick_clock(const struct join *j, const char *clock)
{
	size_t best = 0;

	for (size_t i = 0; i < j->n; i++) {
		if (clock && clock[0] && !strcmp(j->m[i].name, clock))
			return i;
		if (j->m[i].src.rate < j->m[best].src.rate)
			best = i;
	}
	return best;
}

static int describe_channels(struct join *j)
{
	struct channel_meta *meta = calloc(j->s->channels, sizeof(*meta));

	if (!meta)
		return -ENOMEM;
	for (size_t i = 0; i < j->n; i++) {
		const struct join_member *m = &j->m[i];

		for (uint16_t c = 0; c < m->src.channels; c++) {
			const struct channel_meta *in = m->src.channel_meta ? &m->src.channel_meta[c] :
										NULL;
			struct channel_meta *out = &meta[m->first + c];

			if (in && in->name[0])
				snprintf(out->name, sizeof(out->name), "%.*s.%s", 20, m->name, in->name);
			else
				snprintf(out->name, sizeof(out->name), "%.*s.%u", 20, m->name, c);
			snprintf(out->unit, sizeof(out->unit), "%s", in ? in->unit : "");
			out->scale = in ? in->scale : 1.0;
			out->offset = in ? in->offset : 0.0;
		}
	}
	free(j->s->channel_meta);
	j->s->channel_meta = meta;
	return 0;
}

int join_source_open(struct source *s, struct source_config *sources, size_t n,
		     const char *clock, struct config_error *err)
{
	struct join *j = calloc(1, sizeof(*j));
	unsigned channels = 0;
	bool any_s32 = false;

	if (!j)
		return -ENOMEM;
	j->s = s;
	s->priv = j;
	s->ops = &join_source_ops;
	for (size_t i = 0; i < n && i < PC_MAX_SOURCES; i++) {
		struct join_member *m = &j->m[i];
		int r;

		m->j = j;
		m->name = sources[i].name;
		m->src.event = s->event;
		m->src.plugin_dir = s->plugin_dir;
		m->src.host = (struct source_host){ m, member_emit, member_end, member_state };
		j->n = i + 1; /* closed by join_close from here on */
		r = source_open(&m->src, &sources[i], err);
		if (r)
			return r;
		m->first = (uint16_t)channels;
		channels += m->src.channels;
		any_s32 |= m->src.format == SAMPLE_S32;
		if (channels > SOURCE_MAX_CHANNELS) {
			snprintf(err->text, sizeof(err->text),
				 "%s: [%s]: the sources give more than %d channels together",
				 sources[i].keys.file, sources[i].keys.section, SOURCE_MAX_CHANNELS);
			return -EINVAL;
		}
	}
	j->clock = pick_clock(j, clock);
	s->rate = j->m[j->clock].src.rate;
	s->format = any_s32 ? SAMPLE_S32 : SAMPLE_S16;
	s->channels = (uint16_t)channels;
	return describe_channels(j);
}
