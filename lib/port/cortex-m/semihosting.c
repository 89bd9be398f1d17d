/* SPDX-License-Identifier: MIT */
/*
 * Arm semihosting (the "Semihosting for AArch32 and AArch64" spec): on
 * M-profile a call is BKPT 0xAB with the operation in r0 and its argument
 * in r1; the result comes back in r0.
 */
#include <stdint.h>

#include "board.h"

enum {
	SYS_OPEN = 0x01,
	SYS_WRITE = 0x05,
	SYS_GET_CMDLINE = 0x15,
	SYS_EXIT = 0x18,
	SYS_EXIT_EXTENDED = 0x20,
};

/* Reason code of SYS_EXIT for a normal end of the application. */
#define ADP_STOPPED_APPLICATION_EXIT 0x20026u

static uintptr_t semihost(uintptr_t op, const void *arg)
{
	register uintptr_t r0 __asm__("r0") = op;
	register const void *r1 __asm__("r1") = arg;

	__asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
	return r0;
}

/* The host console opened as ":tt" for writing (mode 4, "w"). */
static intptr_t console(void)
{
	static intptr_t handle = -1;

	if (handle < 0) {
		const uintptr_t args[3] = { (uintptr_t)":tt", 4, 3 };

		handle = (intptr_t)semihost(SYS_OPEN, args);
	}
	return handle;
}

void ts_board_write(const char *s, size_t n)
{
	intptr_t h = console();
	uintptr_t args[3];

	if (h < 0 || !n)
		return;
	args[0] = (uintptr_t)h;
	args[1] = (uintptr_t)s;
	args[2] = n;
	semihost(SYS_WRITE, args);
}

void ts_board_exit(int status)
{
	/* The extended form carries the status; the plain one only says
	 * whether the application ended normally. */
	const uintptr_t args[2] = { ADP_STOPPED_APPLICATION_EXIT, (uintptr_t)status };

	semihost(SYS_EXIT_EXTENDED, args);
	semihost(SYS_EXIT, (const void *)(uintptr_t)(status ? 0x20023u : ADP_STOPPED_APPLICATION_EXIT));
	for (;;)
		__asm__ volatile("wfi");
}

void ts_board_cmdline(char *buf, size_t size)
{
	uintptr_t args[2] = { (uintptr_t)buf, size };

	if (!size)
		return;
	buf[0] = '\0';
	if (semihost(SYS_GET_CMDLINE, args) != 0)
		buf[0] = '\0';
	else
		buf[size - 1] = '\0';
}
