/* SPDX-License-Identifier: MIT */
/*
 * The case a firmware image carries in flash.  gen_case.sh writes it as an
 * assembly file at build time (the bytes come in with .incbin from the case
 * folder; nothing generated is committed).  Blobs are 16-byte aligned in
 * the .models section.
 */
#ifndef TS_TESTS_MCU_CASE_H
#define TS_TESTS_MCU_CASE_H

#include <stdint.h>

typedef struct mcu_blob {
	const uint8_t *data;
	uint32_t size;
} mcu_blob;

enum mcu_case_kind {
	MCU_CASE_MODEL = 0,    /* NAME.tflite, NAME.input.bin, NAME.output.bin */
	MCU_CASE_FRONTEND = 1, /* NAME.wav, -, NAME.int8.bin */
};

typedef struct mcu_case {
	const char *name;
	uint32_t kind;   /* enum mcu_case_kind */
	mcu_blob model;  /* the .tflite, or the .wav */
	mcu_blob input;  /* input sets (models only) */
	mcu_blob output; /* reference outputs, or golden features */
} mcu_case;

extern const mcu_case mcu_the_case;

#endif /* TS_TESTS_MCU_CASE_H */
