/* SPDX-License-Identifier: MIT */
#include "input_file.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *kind(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISSOCK(mode))
		return "a socket";
	return "not a file";
}

static int fail_fd(int fd, int r, char *err, size_t err_size, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int fail_fd(int fd, int r, char *err, size_t err_size, const char *fmt, ...)
{
	va_list ap;

	if (fd >= 0)
		close(fd);
	va_start(ap, fmt);
	vsnprintf(err, err_size, fmt, ap);
	va_end(ap);
	return r;
}

int input_file_open(const char *path, uint64_t max_bytes, uint64_t *size, char *err,
		    size_t err_size)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);

	if (fd < 0) {
		int e = errno;

		/* a socket cannot be opened (ENXIO): say what it is */
		if (e == ENXIO && !stat(path, &st) && !S_ISREG(st.st_mode))
			return fail_fd(-1, -EINVAL, err, err_size, "%s: not a regular file (%s)",
				       path, kind(st.st_mode));
		return fail_fd(-1, -e, err, err_size, "%s: %s", path, strerror(e));
	}
	if (fstat(fd, &st) < 0)
		return fail_fd(fd, -errno, err, err_size, "%s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return fail_fd(fd, -EINVAL, err, err_size, "%s: not a regular file (%s)", path,
			       kind(st.st_mode));
	if (max_bytes && (uint64_t)st.st_size > max_bytes)
		return fail_fd(fd, -EFBIG, err, err_size, "%s: larger than %llu bytes", path,
			       (unsigned long long)max_bytes);
	if (size)
		*size = (uint64_t)st.st_size;
	return fd;
}

FILE *input_file_fopen(const char *path, uint64_t max_bytes, int *error, char *err,
		       size_t err_size)
{
	int fd = input_file_open(path, max_bytes, NULL, err, err_size);
	FILE *fp;

	if (fd < 0) {
		*error = fd;
		return NULL;
	}
	fp = fdopen(fd, "r");
	if (!fp) {
		*error = fail_fd(fd, -errno, err, err_size, "%s: %s", path, strerror(errno));
		return NULL;
	}
	return fp;
}

int input_file_read(const char *path, uint64_t max_bytes, void **data, size_t *size,
		    char *err, size_t err_size)
{
	uint64_t want;
	size_t done = 0;
	void *buf = NULL;
	int fd = input_file_open(path, max_bytes, &want, err, err_size);

	if (fd < 0)
		return fd;
	if (want > SIZE_MAX - 16)
		return fail_fd(fd, -EFBIG, err, err_size, "%s: too large for this machine", path);
	if (posix_memalign(&buf, 16, want ? (size_t)want : 1))
		return fail_fd(fd, -ENOMEM, err, err_size, "%s: out of memory", path);
	while (done < want) {
		ssize_t n = read(fd, (char *)buf + done, (size_t)want - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int r = n < 0 ? -errno : -EIO;

			free(buf);
			return fail_fd(fd, r, err, err_size, "%s: %s", path,
				       n < 0 ? strerror(-r) : "shorter than its size (truncated while read)");
		}
		done += (size_t)n;
	}
	close(fd);
	*data = buf;
	*size = done;
	return 0;
}
