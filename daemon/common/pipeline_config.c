/* SPDX-License-Identifier: MIT */
#include "pipeline_config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ini_lines.h"
#include "input_file.h"
#include "utf8.h"
#include "value_parse.h"

struct parse_state {
	struct pipeline_config *pc;
	struct config_error *err;
	struct ini_lines in;    /* the file, and the line inih is handling */
	bool seen_pipeline, seen_model;
	int status;
};

static int fail(struct parse_state *ps, const char *section, const char *key,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int fail(struct parse_state *ps, const char *section, const char *key,
		const char *fmt, ...)
{
	size_t len;
	va_list ap;

	if (ps->status)
		return 0; /* keep the first error */
	/* key "": the section itself is wrong */
	if (ps->in.line)
		len = (size_t)snprintf(ps->err->text, sizeof(ps->err->text), "%s:%u: [%s]%s%s: ",
				       ps->pc->file, ps->in.line, section, key[0] ? " " : "", key);
	else /* a whole-file check: no line to name */
		len = (size_t)snprintf(ps->err->text, sizeof(ps->err->text), "%s: [%s]%s%s: ",
				       ps->pc->file, section, key[0] ? " " : "", key);
	if (len < sizeof(ps->err->text)) {
		va_start(ap, fmt);
		vsnprintf(ps->err->text + len, sizeof(ps->err->text) - len, fmt, ap);
		va_end(ap);
	}
	ps->status = -EINVAL;
	return 0;
}

/* ---- [Model] Labels= --------------------------------------------------- */

/* Names and labels reach D-Bus (which refuses a whole message over one bad
 * string), JSON and the journal: valid UTF-8, no control characters.
 * What is wrong, or NULL. */
static const char *text_problem(const char *s)
{
	const char *problem = utf8_problem(s, strlen(s), NULL);

	if (problem)
		return problem;
	for (const unsigned char *c = (const unsigned char *)s; *c; c++)
		if (*c < 0x20 || *c == 0x7f)
			return "a control character";
	return NULL;
}

static int load_labels_file(struct parse_state *ps, const char *path)
{
	struct pipeline_config *pc = ps->pc;
	char line[256], why[PC_PATH_LEN + 64];
	int error;
	FILE *fp = input_file_fopen(path, INPUT_MAX_CONFIG_BYTES, &error, why, sizeof(why));

	if (!fp)
		return fail(ps, "Model", "Labels", "labels file %s", why);
	pc->n_labels = 0;
	while (fgets(line, sizeof(line), fp)) {
		char label[PC_LABEL_LEN];

		if (copy_trimmed(label, sizeof(label), line)) {
			fclose(fp);
			return fail(ps, "Model", "Labels", "%s: label too long", path);
		}
		if (!label[0] || label[0] == '#')
			continue;
		if (text_problem(label)) {
			fclose(fp);
			return fail(ps, "Model", "Labels", "%s: label %zu: %s", path,
				    pc->n_labels + 1, text_problem(label));
		}
		if (pc->n_labels == PC_MAX_LABELS) {
			fclose(fp);
			return fail(ps, "Model", "Labels", "%s: more than %d labels", path,
				    PC_MAX_LABELS);
		}
		memcpy(pc->labels[pc->n_labels++], label, sizeof(label));
	}
	fclose(fp);
	if (!pc->n_labels)
		return fail(ps, "Model", "Labels", "%s holds no labels", path);
	return 1;
}

static int set_labels(struct parse_state *ps, const char *value)
{
	struct pipeline_config *pc = ps->pc;

	if (value[0] == '/' || strchr(value, '/'))
		return load_labels_file(ps, value);
	if (parse_list(value, &pc->labels[0][0], PC_LABEL_LEN, PC_MAX_LABELS, &pc->n_labels))
		return fail(ps, "Model", "Labels",
			    "expected a comma-separated list of at most %d labels or a file path",
			    PC_MAX_LABELS);
	for (size_t i = 0; i < pc->n_labels; i++)
		if (text_problem(pc->labels[i]))
			return fail(ps, "Model", "Labels", "label %zu: %s", i + 1,
				    text_problem(pc->labels[i]));
	return 1;
}

/* ---- [Detect] ------------------------------------------------------------- */

static int set_thresholds(struct parse_state *ps, const char *value)
{
	struct detect_config *d = &ps->pc->detect;
	char items[PC_MAX_LABELS][PC_LABEL_LEN + 16];
	size_t n;

	if (parse_list(value, &items[0][0], sizeof(items[0]), PC_MAX_LABELS, &n))
		return fail(ps, "Detect", "Thresholds", "expected LABEL:VALUE,...");
	for (size_t i = 0; i < n; i++) {
		char *colon = strchr(items[i], ':');
		struct label_threshold *t = &d->per_label[i];

		if (!colon || colon == items[i] || (size_t)(colon - items[i]) >= PC_LABEL_LEN ||
		    parse_fixed(colon + 1, PC_SCORE_BITS, 0, PC_SCORE_ONE, &t->q15))
			return fail(ps, "Detect", "Thresholds",
				    "'%s' is not LABEL:VALUE with VALUE in 0..1", items[i]);
		*colon = '\0';
		if (copy_trimmed(t->label, sizeof(t->label), items[i]))
			return fail(ps, "Detect", "Thresholds", "label '%s' too long", items[i]);
	}
	d->n_per_label = n;
	return 1;
}

typedef int (*key_parser)(struct parse_state *ps, const char *section,
			  const char *key, const char *value);

static int parse_q15_unit(struct parse_state *ps, const char *section, const char *key,
			  const char *value, int64_t *out)
{
	if (parse_fixed(value, PC_SCORE_BITS, 0, PC_SCORE_ONE, out))
		return fail(ps, section, key, "'%s' is not a number in 0..1", value);
	return 1;
}

static int parse_count(struct parse_state *ps, const char *section, const char *key,
		       const char *value, unsigned min, unsigned max, unsigned *out)
{
	long long v;

	if (parse_int_range(value, min, max, &v))
		return fail(ps, section, key, "'%s' is not a whole number in %u..%u", value,
			    min, max);
	*out = (unsigned)v;
	return 1;
}

static int detect_key(struct parse_state *ps, const char *key, const char *value)
{
	struct detect_config *d = &ps->pc->detect;
	int b;

	if (!strcmp(key, "Threshold"))
		return parse_q15_unit(ps, "Detect", key, value, &d->threshold_q15);
	if (!strcmp(key, "Thresholds"))
		return set_thresholds(ps, value);
	if (!strcmp(key, "Average"))
		return parse_count(ps, "Detect", key, value, 1, 32, &d->average);
	if (!strcmp(key, "Consecutive"))
		return parse_count(ps, "Detect", key, value, 1, 1000, &d->consecutive);
	if (!strcmp(key, "Refractory")) {
		char why[128];

		if (parse_duration_ns(value, &d->refractory_ns, why, sizeof(why)))
			return fail(ps, "Detect", key, "%s: %s", value, why);
		return 1;
	}
	if (!strcmp(key, "Margin"))
		return parse_q15_unit(ps, "Detect", key, value, &d->margin_q15);
	if (!strcmp(key, "Ignore")) {
		if (parse_list(value, &d->ignore[0][0], PC_LABEL_LEN, PC_MAX_LABELS, &d->n_ignore))
			return fail(ps, "Detect", key, "expected a comma-separated list of labels");
		return 1;
	}
	if (!strcmp(key, "Anomaly")) {
		if (parse_bool(value, &b))
			return fail(ps, "Detect", key, "'%s' is not yes or no", value);
		d->anomaly = b;
		return 1;
	}
	if (!strcmp(key, "Calibration"))
		return parse_count(ps, "Detect", key, value, 2, 1000000, &d->calibration);
	if (!strcmp(key, "Sigma")) {
		if (parse_fixed(value, PC_SCORE_BITS, 0, 100 * PC_SCORE_ONE, &d->sigma_q15))
			return fail(ps, "Detect", key, "'%s' is not a number in 0..100", value);
		return 1;
	}
	if (!strcmp(key, "OnCount"))
		return parse_count(ps, "Detect", key, value, 1, 1000, &d->on_count);
	if (!strcmp(key, "OffCount"))
		return parse_count(ps, "Detect", key, value, 1, 1000, &d->off_count);
	return fail(ps, "Detect", key, "unknown key");
}

/* ---- the other sections --------------------------------------------------- */

static int copy_value(struct parse_state *ps, const char *section, const char *key,
		      const char *value, char *dst, size_t size)
{
	if (copy_trimmed(dst, size, value) || !dst[0])
		return fail(ps, section, key, "empty or longer than %zu characters", size - 1);
	return 1;
}

static int keep_setting(struct parse_state *ps, struct settings *s, const char *section,
			const char *key, const char *value)
{
	struct setting *item;

	/* a key given twice: ini_lines.c */
	if (s->n == PC_MAX_SETTINGS)
		return fail(ps, section, key, "more than %d keys", PC_MAX_SETTINGS);
	item = &s->items[s->n];
	if (copy_trimmed(item->key, sizeof(item->key), key) ||
	    copy_trimmed(item->value, sizeof(item->value), value))
		return fail(ps, section, key, "key or value too long");
	item->line = ps->in.line;
	s->n++;
	return 1;
}

static int frontend_type(struct parse_state *ps, const char *value)
{
	static const char *const names[] = { "audio", "spectrum", "stats", "raw" };

	for (size_t i = 0; i < 4; i++)
		if (!strcmp(value, names[i])) {
			ps->pc->frontend = (enum frontend_type)i;
			return 1;
		}
	return fail(ps, "Frontend", "Type", "'%s' is not audio, spectrum, stats or raw", value);
}

/* The source a [Source] or [Source.NAME] section describes, created when
 * first seen; NULL (and an error) for a bad NAME, too many sources, or
 * [Source] mixed with [Source.NAME]. */
static struct source_config *source_section(struct parse_state *ps, const char *section)
{
	struct pipeline_config *pc = ps->pc;
	const char *name = section[6] ? section + 7 : "";
	struct source_config *sc;

	if (section[6] && (!name[0] || strlen(name) >= PC_NAME_LEN ||
			   strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "0123456789_-") != strlen(name))) {
		fail(ps, section, "", "a source's NAME is 1..%d letters, digits, _ or -",
		     PC_NAME_LEN - 1);
		return NULL;
	}
	for (size_t i = 0; i < pc->n_sources; i++) {
		if (!strcmp(pc->sources[i].name, name))
			return &pc->sources[i];
		if (!pc->sources[i].name[0] || !name[0]) {
			fail(ps, section, "",
			     "one [Source], or several [Source.NAME] sections: not both");
			return NULL;
		}
	}
	if (pc->n_sources == PC_MAX_SOURCES) {
		fail(ps, section, "", "more than %d sources", PC_MAX_SOURCES);
		return NULL;
	}
	sc = &pc->sources[pc->n_sources++];
	snprintf(sc->name, sizeof(sc->name), "%s", name);
	snprintf(sc->keys.section, sizeof(sc->keys.section), "%s", section);
	sc->keys.file = pc->file;
	return sc;
}

static int handle(void *user, const char *section, const char *key, const char *value)
{
	struct parse_state *ps = user;
	struct pipeline_config *pc = ps->pc;

	if (ps->status)
		return 0;
	if (!strcmp(section, "Pipeline")) {
		ps->seen_pipeline = true;
		if (!strcmp(key, "Name") && text_problem(value))
			return fail(ps, section, key, "%s", text_problem(value));
		if (!strcmp(key, "Name"))
			return copy_value(ps, section, key, value, pc->name, sizeof(pc->name));
		if (!strcmp(key, "Clock"))
			return copy_value(ps, section, key, value, pc->clock, sizeof(pc->clock));
		return fail(ps, section, key, "unknown key");
	}
	if (!strncmp(section, "Source", 6) && (!section[6] || section[6] == '.')) {
		struct source_config *sc = source_section(ps, section);

		if (!sc)
			return 0;
		if (!strcmp(key, "Plugin"))
			return copy_value(ps, section, key, value, sc->plugin, sizeof(sc->plugin));
		return keep_setting(ps, &sc->keys, section, key, value);
	}
	if (!strcmp(section, "Frontend")) {
		if (!strcmp(key, "Type"))
			return frontend_type(ps, value);
		return keep_setting(ps, &pc->frontend_keys, section, key, value);
	}
	if (!strcmp(section, "Model")) {
		ps->seen_model = true;
		if (!strcmp(key, "Path"))
			return copy_value(ps, section, key, value, pc->model_path,
					  sizeof(pc->model_path));
		if (!strcmp(key, "Labels"))
			return set_labels(ps, value);
		if (!strcmp(key, "Stride"))
			return parse_count(ps, section, key, value, 1, 1000, &pc->model_stride);
		return fail(ps, section, key, "unknown key");
	}
	if (!strcmp(section, "Detect"))
		return detect_key(ps, key, value);
	return fail(ps, section, key, "unknown section [%s]", section);
}

static void set_defaults(struct pipeline_config *pc)
{
	pc->frontend = FRONTEND_RAW;
	pc->model_stride = 1;
	pc->detect.threshold_q15 = PC_SCORE_ONE / 2;
	pc->detect.average = 1;
	pc->detect.consecutive = 1;
	pc->detect.calibration = 100;
	pc->detect.sigma_q15 = 3 * PC_SCORE_ONE;
	pc->detect.on_count = 1;
	pc->detect.off_count = 1;
}

static int check_labels(struct parse_state *ps)
{
	const struct pipeline_config *pc = ps->pc;

	for (size_t i = 0; i < pc->detect.n_ignore; i++)
		if (pipeline_config_label_index(pc, pc->detect.ignore[i]) < 0)
			return fail(ps, "Detect", "Ignore", "'%s' is not one of the model's labels",
				    pc->detect.ignore[i]);
	for (size_t i = 0; i < pc->detect.n_per_label; i++)
		if (pipeline_config_label_index(pc, pc->detect.per_label[i].label) < 0)
			return fail(ps, "Detect", "Thresholds",
				    "'%s' is not one of the model's labels",
				    pc->detect.per_label[i].label);
	return 0;
}

/* Every source has a Plugin=; Clock= names one of several; the summary. */
static bool check_sources(struct parse_state *ps)
{
	struct pipeline_config *pc = ps->pc;
	size_t len = 0;
	bool clock_found = false;

	if (!pc->n_sources) {
		fail(ps, "Source", "Plugin", "missing");
		return false;
	}
	for (size_t i = 0; i < pc->n_sources; i++) {
		const struct source_config *sc = &pc->sources[i];

		if (!sc->plugin[0]) {
			fail(ps, sc->keys.section, "Plugin", "missing");
			return false;
		}
		clock_found |= !strcmp(sc->name, pc->clock);
		if (pc->n_sources == 1)
			len = (size_t)snprintf(pc->source_summary, sizeof(pc->source_summary), "%s",
					       sc->plugin);
		else
			len += (size_t)snprintf(pc->source_summary + len,
						sizeof(pc->source_summary) - len, "%s%s=%s",
						i ? "," : "", sc->name, sc->plugin);
	}
	if (pc->clock[0] && pc->n_sources == 1) {
		fail(ps, "Pipeline", "Clock", "paces several [Source.NAME] sections; this pipeline has one source");
		return false;
	}
	if (pc->clock[0] && !clock_found) {
		fail(ps, "Pipeline", "Clock", "'%s' is not one of the [Source.NAME] sections", pc->clock);
		return false;
	}
	return true;
}

int pipeline_config_load(struct pipeline_config *pc, const char *path,
			 struct config_error *err)
{
	struct parse_state ps = { .pc = pc, .err = err };
	int r;

	memset(pc, 0, sizeof(*pc));
	set_defaults(pc);
	snprintf(pc->file, sizeof(pc->file), "%s", path);
	pc->frontend_keys.file = pc->file;
	snprintf(pc->frontend_keys.section, sizeof(pc->frontend_keys.section), "Frontend");
	ps.in.fp = input_file_fopen(path, INPUT_MAX_CONFIG_BYTES, &r, err->text,
				    sizeof(err->text));
	if (!ps.in.fp)
		return r;
	r = ini_parse_lines(&ps.in, handle, &ps);
	fclose(ps.in.fp);
	if (ini_lines_failed_first(&ps.in, r)) {
		ini_lines_error(&ps.in, r, path, err->text, sizeof(err->text));
		return -EINVAL;
	}
	if (ps.status)
		return ps.status;
	ps.in.line = 0;
	if (!pc->name[0])
		fail(&ps, "Pipeline", "Name", "missing");
	else if (!check_sources(&ps))
		;
	else if (!pc->model_path[0])
		fail(&ps, "Model", "Path", "missing");
	else if (!pc->detect.anomaly && !pc->n_labels)
		fail(&ps, "Model", "Labels", "missing (required unless Anomaly=yes)");
	else if (pc->detect.anomaly && pc->n_labels)
		fail(&ps, "Model", "Labels", "an anomaly pipeline reports normal/anomaly: no labels");
	else
		check_labels(&ps);
	if (!ps.status && pc->detect.anomaly) {
		/* The two states an anomaly detector reports, as labels. */
		snprintf(pc->labels[0], sizeof(pc->labels[0]), "normal");
		snprintf(pc->labels[1], sizeof(pc->labels[1]), "anomaly");
		pc->n_labels = 2;
	}
	return ps.status;
}

const struct setting *setting_take(struct settings *s, const char *key)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->items[i].key, key)) {
			s->items[i].taken = true;
			return &s->items[i];
		}
	return NULL;
}

int setting_error(struct config_error *err, const struct settings *s,
		  const struct setting *item, const char *fmt, ...)
{
	size_t len;
	va_list ap;

	if (item)
		len = (size_t)snprintf(err->text, sizeof(err->text), "%s:%u: [%s] %s=%s: ",
				       s->file, item->line, s->section, item->key, item->value);
	else
		len = (size_t)snprintf(err->text, sizeof(err->text), "%s: [%s]: ", s->file,
				       s->section);
	if (len < sizeof(err->text)) {
		va_start(ap, fmt);
		vsnprintf(err->text + len, sizeof(err->text) - len, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

int settings_check_all_taken(const struct settings *s, struct config_error *err)
{
	for (size_t i = 0; i < s->n; i++)
		if (!s->items[i].taken)
			return setting_error(err, s, &s->items[i], "unknown key");
	return 0;
}

int pipeline_config_label_index(const struct pipeline_config *pc, const char *label)
{
	for (size_t i = 0; i < pc->n_labels; i++)
		if (!strcmp(pc->labels[i], label))
			return (int)i;
	return -1;
}

static bool settings_equal(const struct settings *a, const struct settings *b)
{
	if (a->n != b->n || strcmp(a->section, b->section))
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->items[i].key, b->items[i].key) ||
		    strcmp(a->items[i].value, b->items[i].value))
			return false;
	return true;
}

bool pipeline_config_equal(const struct pipeline_config *a, const struct pipeline_config *b)
{
	if (strcmp(a->name, b->name) || strcmp(a->clock, b->clock) ||
	    a->n_sources != b->n_sources || a->frontend != b->frontend ||
	    !settings_equal(&a->frontend_keys, &b->frontend_keys) ||
	    strcmp(a->model_path, b->model_path) || a->n_labels != b->n_labels ||
	    a->model_stride != b->model_stride ||
	    /* Zeroed before parsing, filled by value: comparable bytes. */
	    memcmp(&a->detect, &b->detect, sizeof(a->detect)))
		return false;
	for (size_t i = 0; i < a->n_sources; i++)
		if (strcmp(a->sources[i].name, b->sources[i].name) ||
		    strcmp(a->sources[i].plugin, b->sources[i].plugin) ||
		    !settings_equal(&a->sources[i].keys, &b->sources[i].keys))
			return false;
	for (size_t i = 0; i < a->n_labels; i++)
		if (strcmp(a->labels[i], b->labels[i]))
			return false;
	return true;
}
