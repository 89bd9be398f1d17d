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

/* The first word after the program name on the command line as a number,
 * -1 when there is none; bench mode when it is given. */
long mcu_arg_count(void);

#endif /* TS_TESTS_MCU_OUT_H */
