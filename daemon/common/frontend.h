/* SPDX-License-Identifier: MIT */
/*
 * The [Frontend] of a pipeline: one of lib/'s streaming front-ends (audio
 * log-mel, spectrum, windowed statistics) built from the section's keys,
 * behind one push interface.  Keys:
 *   Type=audio     Preset=micro_speech
 *   Type=spectrum  Preset=vibration | Channels=0,1,2 FFT=256 Hop=128
 *                  Window=hann|hamming|rectangular RemoveDC=yes
 *                  Output=log2|magnitude Bands=32 FirstBin=1 EndBin=129
 *                  Gain=1.0 Offset=0
 *   Type=stats     Preset=minute | Channels=0,1 Window=60 Hop=60
 *                  Stats=mean,rms,min,max,p2p,std,slope,zcr,edges,changes
 *                  Threshold=0 Gain=1.0 Offset=0 (Gain=, Offset=: one
 *                  value, or one per channel: Gain=0.01,0.001,1)
 * Features are quantized to the model input's scale and zero point.
 */
#ifndef TS_DAEMON_FRONTEND_H
#define TS_DAEMON_FRONTEND_H

#include <stddef.h>
#include <stdint.h>

#include <tinysense/audio_frontend.h>
#include <tinysense/spectrum.h>
#include <tinysense/window_stats.h>

#include "pipeline_config.h"
#include "sample_format.h"

struct frontend {
	enum frontend_type type;
	enum sample_format format;
	union {
		ts_audio_frontend audio;
		ts_spectrum spectrum;
		ts_window_stats stats;
	} u;
	size_t feature_bytes;   /* one feature frame */
	uint32_t rate;          /* required sample rate, 0: any */
	uint16_t channels;      /* channels per input frame */
	uint32_t window, hop;   /* samples per feature frame, and between them */
};

/* Builds the front-end for frames of `channels` values, quantizing to
 * (scale, zero_point).  Claims its keys from pc->frontend_keys. */
int frontend_open(struct frontend *fe, struct pipeline_config *pc, enum sample_format format,
		  uint16_t channels, float scale, int32_t zero_point, struct config_error *err);

size_t frontend_push(struct frontend *fe, const void *frames, size_t n,
		     size_t *consumed, int8_t *features, size_t max_features);

void frontend_reset(struct frontend *fe);

#endif
