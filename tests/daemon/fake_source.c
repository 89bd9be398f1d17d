/* SPDX-License-Identifier: MIT */
/* The fake source of fake_source.h, and the built-in table that offers it. */
#include "fake_source.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "source.h"
#include "value_parse.h"

struct fake_tally fake_tally;

struct fake {
	struct source *s;
	uint64_t frames, next;   /* stream length, next frame to offer */
	bool loop, fail_start;
	sd_event_source *defer;
	int16_t *ramp;           /* the whole stream, interleaved */
};

static int key_uint(struct settings *keys, const char *key, long long max, long long *v,
		    struct config_error *err)
{
	const struct setting *k = setting_take(keys, key);

	if (k && parse_int_range(k->value, 1, max, v))
		return setting_error(err, keys, k, "not a number in 1..%lld", max);
	return 0;
}

static int fake_open(struct source *s, struct settings *keys, struct config_error *err)
{
	long long rate = 1000, channels = 1, frames = 1000;
	const struct setting *k;
	struct fake *f;

	if (key_uint(keys, "Rate", 1000000, &rate, err) ||
	    key_uint(keys, "Channels", 8, &channels, err) ||
	    key_uint(keys, "Frames", 10000000, &frames, err))
		return -EINVAL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	s->priv = f;
	f->s = s;
	f->frames = (uint64_t)frames;
	k = setting_take(keys, "Loop");
	f->loop = k && !strcmp(k->value, "yes");
	k = setting_take(keys, "Fail");
	if (k && !strcmp(k->value, "open"))
		return setting_error(err, keys, k, "failing on purpose");
	f->fail_start = k && !strcmp(k->value, "start");
	f->ramp = calloc((size_t)frames * (size_t)channels, sizeof(int16_t));
	if (!f->ramp)
		return -ENOMEM;
	for (uint64_t i = 0; i < f->frames * (uint64_t)channels; i++)
		f->ramp[i] = (int16_t)(i / (uint64_t)channels % 1000);
	s->rate = (uint32_t)rate;
	s->channels = (uint16_t)channels;
	s->format = SAMPLE_S16;
	fake_tally.opened++;
	return 0;
}

static int on_defer(sd_event_source *es, void *user)
{
	struct fake *f = user;
	const uint64_t left = f->frames - f->next;
	size_t taken;

	(void)es;
	fake_tally.offers++;
	taken = f->s->host.emit(f->s->host.pipeline, f->ramp + f->next * f->s->channels, left,
				f->next * 1000000000ull / f->s->rate, f->next * 1000000ull / f->s->rate);
	fake_tally.frames_taken += taken;
	fake_tally.waiting = taken < left;
	f->next += taken;
	if (f->next == f->frames && f->loop) {
		f->next = 0;
		return 0;
	}
	if (f->next == f->frames) {
		sd_event_source_set_enabled(f->defer, SD_EVENT_OFF);
		f->s->host.end(f->s->host.pipeline);
		return 0;
	}
	sd_event_source_set_enabled(f->defer, SD_EVENT_OFF); /* full: wait for resume */
	return 0;
}

static int fake_start(struct source *s)
{
	struct fake *f = s->priv;
	int r;

	fake_tally.start_calls++;
	if (f->fail_start)
		return -EIO;
	fake_tally.started++;
	f->next = 0;
	if (!f->defer) {
		r = sd_event_add_defer(s->event, &f->defer, on_defer, f);
		if (r < 0)
			return r;
	}
	return sd_event_source_set_enabled(f->defer, SD_EVENT_ON);
}

static void fake_stop(struct source *s)
{
	struct fake *f = s->priv;

	fake_tally.stopped++;
	sd_event_source_set_enabled(f->defer, SD_EVENT_OFF);
}

static void fake_resume(struct source *s)
{
	struct fake *f = s->priv;

	fake_tally.resumed++;
	fake_tally.waiting = false;
	sd_event_source_set_enabled(f->defer, SD_EVENT_ON);
}

static void fake_close(struct source *s)
{
	struct fake *f = s->priv;

	if (!f)
		return;
	fake_tally.closed++;
	sd_event_source_disable_unref(f->defer);
	free(f->ramp);
	free(f);
	s->priv = NULL;
}

static const struct source_ops fake_source_ops = {
	.name = "fake",
	.open = fake_open,
	.start = fake_start,
	.stop = fake_stop,
	.resume = fake_resume,
	.close = fake_close,
};

const struct source_ops *source_builtin(const char *name)
{
	if (!strcmp(name, fake_source_ops.name))
		return &fake_source_ops;
	if (!strcmp(name, replay_source_ops.name))
		return &replay_source_ops;
	return NULL;
}
