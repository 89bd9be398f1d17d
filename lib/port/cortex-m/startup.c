/* SPDX-License-Identifier: MIT */
/*
 * Reset and fault handling for Armv7-M and Armv8-M cores: the vector table,
 * the C run-time set-up (copy .data from flash, zero .bss, paint the stack
 * so its peak can be measured), the FPU switched on before any floating
 * point code, then main().  Every fault ends the program through
 * ts_board_exit(TS_BOARD_EXIT_FAULT) with the fault's name on the console,
 * so a crash under a debugger or QEMU ends the run instead of hanging it.
 *
 * The symbols come from cortex-m.ld.
 */
#include <stdint.h>
#include <string.h>

#include "board.h"

/* Exit status of a program stopped by a fault. */
#define TS_BOARD_EXIT_FAULT 3
/* What an untouched stack word holds. */
#define STACK_PAINT 0x5afe57acu

extern uint32_t __data_start[], __data_end[], __data_load[];
extern uint32_t __bss_start[], __bss_end[];
extern uint32_t __stack_bottom[], __stack_top[];
extern uint8_t __free_start[], __free_end[];

int main(void);
void ts_reset_handler(void);

/* System Control Block registers (Armv7-M / Armv8-M, same addresses). */
#define SCB_CPACR (*(volatile uint32_t *)0xe000ed88u)
#define SCB_CFSR  (*(volatile uint32_t *)0xe000ed28u)

static void put(const char *s)
{
	ts_board_write(s, strlen(s));
}

static void fault(const char *name)
{
	static const char hex[] = "0123456789abcdef";
	char cfsr[] = " (CFSR 0x00000000)\n";
	uint32_t v = SCB_CFSR;

	for (int i = 0; i < 8; i++)
		cfsr[9 + i] = hex[(v >> (28 - 4 * i)) & 0xf];
	put("fault: ");
	put(name);
	put(cfsr);
	ts_board_exit(TS_BOARD_EXIT_FAULT);
}

static void nmi_handler(void) { fault("NMI"); }
static void hardfault_handler(void) { fault("HardFault"); }
static void memmanage_handler(void) { fault("MemManage"); }
static void busfault_handler(void) { fault("BusFault"); }
static void usagefault_handler(void) { fault("UsageFault"); }
static void securefault_handler(void) { fault("SecureFault"); }
static void unexpected_handler(void) { fault("unexpected interrupt"); }

typedef void (*ts_vector)(void);

/* Initial stack pointer, then the 15 system exceptions; the program uses
 * no peripheral interrupts, so the table stops there. */
__attribute__((section(".vectors"), used)) static const ts_vector vectors[16] = {
	(ts_vector)(uintptr_t)__stack_top,
	ts_reset_handler,
	nmi_handler,
	hardfault_handler,
	memmanage_handler,
	busfault_handler,
	usagefault_handler,
	securefault_handler, /* Armv8-M Mainline; reserved on Armv7-M */
	0, 0, 0,
	unexpected_handler, /* SVCall */
	unexpected_handler, /* DebugMonitor */
	0,
	unexpected_handler, /* PendSV */
	unexpected_handler, /* SysTick */
};

size_t ts_board_stack_peak(void)
{
	const uint32_t *p = __stack_bottom;

	while (p < __stack_top && *p == STACK_PAINT)
		p++;
	return (size_t)((const uint8_t *)__stack_top - (const uint8_t *)p);
}

void *ts_board_free_ram(size_t *size)
{
	*size = (size_t)(__free_end - __free_start);
	return __free_start;
}

/* Runs before .data and .bss exist: only locals, no calls that need them. */
__attribute__((noreturn)) void ts_reset_handler(void)
{
	/* Paint the stack below this frame (with room to spare for it). */
	uint32_t *sp = (uint32_t *)__builtin_frame_address(0) - 32;

	for (volatile uint32_t *p = __stack_bottom; p < sp; p++)
		*p = STACK_PAINT;
	for (uint32_t *src = __data_load, *dst = __data_start; dst < __data_end;)
		*dst++ = *src++;
	for (volatile uint32_t *p = __bss_start; p < __bss_end; p++)
		*p = 0;
#if defined(__ARM_FP)
	/* Full access to CP10 and CP11 (the FPU, and MVE on Armv8.1-M). */
	SCB_CPACR |= 0xfu << 20;
	__asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
	ts_board_exit(main());
}
