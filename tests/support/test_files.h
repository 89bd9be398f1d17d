/* SPDX-License-Identifier: MIT */
/* Whole-file reads for tests: a missing file fails the test, with its path. */
#ifndef TS_TEST_FILES_H
#define TS_TEST_FILES_H

#include <stddef.h>

struct test_file {
	void *data; /* 16-byte aligned, NUL-terminated one byte past size */
	size_t size;
};

void test_file_read(const char *path, struct test_file *f);
void test_file_free(struct test_file *f);

#endif
