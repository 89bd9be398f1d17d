/* SPDX-License-Identifier: MIT */
/*
 * Logging to stderr with sd-daemon priority prefixes ("<3>..."), which
 * journald turns into priorities; plain text on a terminal.  Detections go
 * to the journal with structured fields (PIPELINE=, LABEL=, SCORE=) when
 * stderr is connected to it.  Log once, where the error is handled.
 */
#ifndef TS_DAEMON_LOG_H
#define TS_DAEMON_LOG_H

#include <syslog.h>

/* Sets the level and looks once whether stderr is the journal's stream
 * (JOURNAL_STREAM): call at start-up, before any thread. */
void log_init(int level);
int log_get_level(void);
/* "err", "warning", "notice", "info", "debug" -> LOG_*; -1 when unknown. */
int log_level_from_name(const char *name);

void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...)   log_msg(LOG_ERR, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_notice(...)  log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...)    log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...)   log_msg(LOG_DEBUG, __VA_ARGS__)

/* A detection: a journal entry with fields when stderr is the journal,
 * otherwise one info line. */
void log_detection(const char *pipeline, const char *label, double score,
		   unsigned long long realtime_usec);

#endif
