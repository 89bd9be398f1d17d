/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_files.h"

void test_file_read(const char *path, struct test_file *f)
{
	FILE *fp = fopen(path, "rb");
	long size = 0;

	if (!fp)
		fail_msg("%s: %s", path, strerror(errno));
	if (fseek(fp, 0, SEEK_END) || (size = ftell(fp)) < 0 || fseek(fp, 0, SEEK_SET))
		fail_msg("%s: cannot size the file", path);
	f->data = aligned_alloc(16, ((size_t)size + 16) & ~(size_t)15);
	if (!f->data)
		fail_msg("%s: out of memory", path);
	if (fread(f->data, 1, (size_t)size, fp) != (size_t)size)
		fail_msg("%s: short read", path);
	((char *)f->data)[size] = '\0';
	f->size = (size_t)size;
	fclose(fp);
}

void test_file_free(struct test_file *f)
{
	free(f->data);
	f->data = NULL;
	f->size = 0;
}
