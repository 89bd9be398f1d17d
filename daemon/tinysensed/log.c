/* SPDX-License-Identifier: MIT */
/*
 * The log level and the journal check are process-wide settings, set once
 * at start-up before any thread runs; they are the only file-scope state in
 * the daemon.
 */
#include "log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <systemd/sd-journal.h>

static int max_level = LOG_INFO;
static bool stderr_journal; /* stderr is the journal's stream: fields go there */

static bool stderr_is_journal(void);

void log_init(int level)
{
	max_level = level;
	stderr_journal = stderr_is_journal();
}

int log_get_level(void) { return max_level; }

int log_level_from_name(const char *name)
{
	static const struct { const char *name; int level; } levels[] = {
		{ "emerg", LOG_EMERG }, { "alert", LOG_ALERT }, { "crit", LOG_CRIT },
		{ "err", LOG_ERR }, { "error", LOG_ERR }, { "warning", LOG_WARNING },
		{ "notice", LOG_NOTICE }, { "info", LOG_INFO }, { "debug", LOG_DEBUG },
	};

	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		if (!strcmp(name, levels[i].name))
			return levels[i].level;
	return -1;
}

void log_msg(int level, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (level > max_level)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* Priority prefixes are for journald; a terminal gets plain lines. */
	if (isatty(STDERR_FILENO))
		fprintf(stderr, "tinysensed: %s\n", line);
	else
		fprintf(stderr, "<%d>%s\n", level, line);
}

/* True when stderr is the journal's stream (systemd sets JOURNAL_STREAM to
 * its device:inode). */
static bool stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!js || sscanf(js, "%llu:%llu", &dev, &ino) != 2 || fstat(STDERR_FILENO, &st))
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void log_detection(const char *pipeline, const char *label, double score,
		   unsigned long long realtime_usec)
{
	if (LOG_INFO > max_level)
		return;
	if (stderr_journal) {
		sd_journal_send("MESSAGE=%s: %s %.3f", pipeline, label, score,
				"PRIORITY=%d", LOG_INFO,
				"PIPELINE=%s", pipeline,
				"LABEL=%s", label,
				"SCORE=%.3f", score,
				"DETECTION_REALTIME_USEC=%llu", realtime_usec,
				NULL);
		return;
	}
	log_msg(LOG_INFO, "%s: %s %.3f", pipeline, label, score);
}
