/* SPDX-License-Identifier: MIT */
/*
 * A test's temporary directory (tests/daemon/temp_dir.c, linked into every
 * daemon test): made in a CMocka setup, removed with all it holds in the
 * teardown; an alarm meanwhile, so that a hang fails the test.
 */
#ifndef TS_TEST_TEMP_DIR_H
#define TS_TEST_TEMP_DIR_H

#include <stddef.h>

/* Makes /tmp/PREFIX.XXXXXX into dir[size] and arms alarm(20).  0 or -1. */
int temp_dir_make(char *dir, size_t size, const char *prefix);

/* Disarms the alarm and removes dir with everything in it.  0 or -1. */
int temp_dir_remove(const char *dir);

/* DIR/NAME into out[size]; returns out. */
const char *temp_dir_path(char *out, size_t size, const char *dir, const char *name);

/* Writes n bytes to path (made or emptied); fails the test on error. */
void write_bytes(const char *path, const void *data, size_t n);

#endif
