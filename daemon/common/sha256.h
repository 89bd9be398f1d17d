/* SPDX-License-Identifier: MIT */
/* SHA-256 (FIPS 180-4), for the ModelSha256 property: which model file is
 * running, checkable against `sha256sum`. */
#ifndef TS_DAEMON_SHA256_H
#define TS_DAEMON_SHA256_H

#include <stddef.h>
#include <stdint.h>

/* hex receives 64 lowercase hex digits and a NUL. */
void sha256_hex(const void *data, size_t size, char hex[65]);

#endif
