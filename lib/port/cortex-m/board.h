/* SPDX-License-Identifier: MIT */
/*
 * The board layer of the Cortex-M firmware: what a program needs from the
 * board besides lib/ itself.  Output and exit go through Arm semihosting
 * (a debugger or QEMU's -semihosting executes them on the host); on a board
 * without a debugger attached, replace semihosting.c with a UART.
 *
 * startup.c calls main() after the C run-time is set up (.data copied,
 * .bss zeroed, the stack painted, the FPU enabled) and passes its return
 * value to ts_board_exit().
 */
#ifndef TINYSENSE_PORT_CORTEX_M_BOARD_H
#define TINYSENSE_PORT_CORTEX_M_BOARD_H

#include <stddef.h>
#include <stdint.h>

#include <tinysense/kernels.h>

/* Writes n bytes to the host's console. */
void ts_board_write(const char *s, size_t n);

/* Ends the program with an exit status the host sees (QEMU exits with it). */
__attribute__((noreturn)) void ts_board_exit(int status);

/* The command line given to the program (QEMU: -append), NUL-terminated,
 * in buf; "" when there is none or it does not fit. */
void ts_board_cmdline(char *buf, size_t size);

/* The deepest the stack has been so far, in bytes (the stack is painted at
 * reset and the unpainted part measured). */
size_t ts_board_stack_peak(void);

/* The bytes between the end of .bss and the bottom of the stack: the
 * program's arena. */
void *ts_board_free_ram(size_t *size);

/*
 * The TS_CPU_* bits of the core this program is compiled for, to pass as
 * ts_interpreter_options.cpu_features.  A Cortex-M has nothing to probe at
 * run time: the -mcpu the firmware is built with is the core it runs on,
 * and the compiler says what that core has.
 */
static inline uint32_t ts_board_cpu_features(void)
{
	uint32_t f = 0;

#if defined(__ARM_FEATURE_DSP) && defined(__ARM_FEATURE_SIMD32)
	f |= TS_CPU_ARM_DSP;
#endif
#if defined(__ARM_FEATURE_MVE)
	f |= TS_CPU_ARM_MVE;
#endif
	return f;
}

#endif /* TINYSENSE_PORT_CORTEX_M_BOARD_H */
