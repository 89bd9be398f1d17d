/* SPDX-License-Identifier: MIT */
/* Console output for the firmware without a libc printf: a line is built in
 * a small buffer and written through the board layer when it ends. */
#ifndef TS_TESTS_MCU_OUT_H
#define TS_TESTS_MCU_OUT_H

#include <stddef.h>
#include <stdint.h>

void mcu_puts(const char *s);
void mcu_putu(uint32_t v);
void mcu_puti(int32_t v);
void mcu_putx(uint32_t v); /* 8 hex digits */
void mcu_endl(void);       /* '\n' and write the line */

/* The command line after the program's name: "COUNT [WORD]".  Returns
 * COUNT, -1 when there is none (then word is ""); WORD goes to word (at
 * most size bytes with the NUL). */
long mcu_args(char *word, size_t size);

#endif /* TS_TESTS_MCU_OUT_H */
