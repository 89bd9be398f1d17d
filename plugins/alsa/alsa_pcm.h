/* SPDX-License-Identifier: MIT */
/*
 * The alsa plugin's device side: opens a capture PCM by name and sets its
 * hardware and software parameters exactly as the [Source] keys ask, or
 * says which key the device refuses and what it offers instead.  No host
 * calls here: alsa.c turns a problem into a config_error() at open and into
 * LastError at run time.
 */
#ifndef TS_ALSA_PCM_H
#define TS_ALSA_PCM_H

#include <stdbool.h>
#include <stdint.h>

#include <alsa/asoundlib.h>

#define ALSA_MAX_CHANNELS 64

/* What the [Source] keys ask for. */
struct alsa_settings {
	char device[256];          /* Device= */
	uint32_t rate;             /* Rate=, Hz */
	uint16_t channels;         /* Channels= */
	snd_pcm_format_t format;   /* Format=: S16_LE or S32_LE */
	uint32_t period_frames;    /* PeriodFrames=, or PeriodMs= in frames */
	const char *period_key;    /* "PeriodMs" or "PeriodFrames": which one set it */
	uint32_t period_value;     /* that key's value */
	uint32_t buffer_periods;   /* BufferPeriods= */
};

/* What the device agreed to. */
struct alsa_params {
	snd_pcm_uframes_t period;  /* frames */
	snd_pcm_uframes_t buffer;  /* frames */
	bool htstamp;              /* snd_pcm_htimestamp() gives CLOCK_MONOTONIC */
};

/* Why a PCM could not be opened or configured. */
struct alsa_problem {
	const char *key;           /* the [Source] key it is about */
	char value[256];           /* that key's value */
	char text[384];            /* what is wrong, with what ALSA said */
};

/* Opens device for non-blocking capture.  0, or -errno with *problem (key
 * "Device") saying why and *unknown telling a configuration error (no PCM of
 * that name is defined, or its arguments are invalid) from a device that is
 * absent or busy now and may come back. */
int alsa_pcm_open(const char *device, snd_pcm_t **pcm, struct alsa_problem *problem,
		  bool *unknown);

/* Sets interleaved read access, the format, channels and rate exactly, the
 * period and buffer sizes as near as the device allows, avail_min to one
 * period and monotonic timestamps when the PCM has them.  0, or -errno with
 * *problem naming the key the device refuses and what it offers. */
int alsa_pcm_configure(snd_pcm_t *pcm, const struct alsa_settings *s, struct alsa_params *out,
		       struct alsa_problem *problem);

#endif
