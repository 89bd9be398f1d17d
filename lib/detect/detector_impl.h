/* SPDX-License-Identifier: MIT */
/*
 * Private layout of ts_detector and its score mapping.  Tests include this
 * header to check the mapping on its own.
 */
#ifndef TS_DETECT_DETECTOR_IMPL_H
#define TS_DETECT_DETECTOR_IMPL_H

#include <stdint.h>

#include "tinysense/detector.h"

#define TS_DET_MAGIC 0x74734454u  /* "tsDT" */

/*
 * table[q + 128] = clamp(round(scale * (q - zero_point) * 2^15), 0, 2^15),
 * ties up, exact.  0 on success, -1 when scale is not finite and > 0 or
 * zero_point is outside -128..127 (table untouched).
 */
int ts_det_score_table(float scale, int32_t zero_point, uint16_t table[256]);

typedef struct ts_det_state {
	uint32_t magic;
	uint16_t num_classes;
	uint8_t average_window;
	uint8_t trigger_count;
	uint16_t margin;
	uint8_t per_label;                   /* refractory scope */
	/* stream */
	uint8_t filled;                      /* rows of hist in use (<= A) */
	uint8_t head;                        /* next row of hist to write */
	uint8_t have_time;                   /* last_time is valid */
	uint16_t run_class;
	uint16_t run_count;                  /* 0: no run */
	uint64_t refractory_ns;
	uint64_t ignore_mask;
	uint64_t last_time;                  /* previous inference */
	uint64_t detected_mask;              /* classes with a detection */
	uint64_t global_detect;              /* last detection, any class */
	uint64_t last_detect[TS_DETECTOR_MAX_CLASSES];
	uint32_t sum[TS_DETECTOR_MAX_CLASSES];  /* of the rows in hist */
	uint16_t threshold[TS_DETECTOR_MAX_CLASSES];
	uint16_t score[TS_DETECTOR_MAX_CLASSES];
	uint16_t avg[TS_DETECTOR_MAX_CLASSES];
	uint16_t table[256];
	uint16_t hist[TS_DETECTOR_MAX_AVERAGE][TS_DETECTOR_MAX_CLASSES];
} ts_det_state;

#endif /* TS_DETECT_DETECTOR_IMPL_H */
