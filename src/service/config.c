/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * config.c - privd.conf and its PRIVD_* environment overrides.
 *
 * One table lists every key once: its section, name, type, where it lives in struct privd_config, its limits,
 * its default and the comment `privd init` writes above it. The file reader, the environment reader, the
 * defaults and the writer all walk that table, so a key cannot exist in one and be missing from another.
 * An unknown key is an error, not a warning: a misspelt `eu_min_age` must not leave a minor unprotected. A key
 * that was removed is an error too, naming what replaced it, so an old privd.conf is fixed rather than ignored.
 * Reading collects every fault, not only the first, so that `privd check-config` names them all at once. Writing,
 * dumping and comparing configurations are config_write.c's, over the same table (config_keys.c, config_int.h).
 */
#include "service/config.h"
#include "service/config_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <ini.h>

#include "core/cookie.h"
#include "core/proxy.h"
#include "core/validate.h"

#ifndef PRIVD_SHARE_DIR
#error "PRIVD_SHARE_DIR must be defined to where privd's data files are installed"
#endif
#ifndef PRIVD_WEB_DIR
#error "PRIVD_WEB_DIR must be defined to where the files privd serves (consent.js) are installed"
#endif

#define CONFIG_FILE "privd.conf"
#define EU_AGE_FILE "eu-consent-age.json"
#define CALENDAR_FILE "calendar-ru.json"

/* clang-format off */
/* Keys that existed once: naming what replaced them beats "is not a known key". */
static const struct {
	const char *section, *name, *instead;
} removed_keys[] = {
    {"requests", "due_working_days", "was replaced by one key per request type: <type>_days (e.g. access_days)"},
    {"requests", "extension_working_days",
     "was replaced by one key per request type: <type>_extension_days (e.g. access_extension_days)"},
    {"cookies", "ip_header",
     "was replaced by [http] trusted_proxies and forwarded_header: the header is believed from those proxies only"},
};
/* clang-format on */

const char *privd_share_dir(void)
{
	const char *env = getenv("PRIVD_SHARE_DIR");

	return (env != NULL && env[0] != '\0') ? env : PRIVD_SHARE_DIR;
}

static const struct key *key_find(const char *section, const char *name)
{
	size_t i;

	for (i = 0; i < privd_config_nkeys; i++)
		if (strcmp(privd_config_keys[i].section, section) == 0 && strcmp(privd_config_keys[i].name, name) == 0)
			return &privd_config_keys[i];
	return NULL;
}

static int fault_set(struct fault *f, const struct key *k, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Records the first fault only. Returns 0 so handlers can `return fault_set(...)`. */
static int fault_set(struct fault *f, const struct key *k, const char *fmt, ...)
{
	va_list ap;

	if (f->key[0] != '\0')
		return 0;
	snprintf(f->key, sizeof(f->key), "%s.%s", k->section, k->name);
	va_start(ap, fmt);
	vsnprintf(f->reason, sizeof(f->reason), fmt, ap);
	va_end(ap);
	return 0;
}

/* Strict decimal: refuses white space, a sign where min >= 0, trailing bytes and overflow. */
/* "must be a, b or c": every choice of k. */
static int choice_fault(struct fault *f, const struct key *k)
{
	char list[128] = "";
	size_t n = 0;

	while (k->choices != NULL && k->choices[n] != NULL)
		n++;
	for (size_t i = 0; i < n; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
		         i == 0       ? ""
		         : i + 1 == n ? " or "
		                      : ", ",
		         k->choices[i]);
	return fault_set(f, k, "must be %s", list);
}

static int parse_number(const char *s, long long min, long long max, long long *out)
{
	char *end = NULL;
	long long v;

	if (s[0] == '\0' || !((s[0] >= '0' && s[0] <= '9') || (s[0] == '-' && min < 0)))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Minutes as "M" or "M.D" / "M.DD" into whole seconds in [min, max]. */
static int parse_minutes(const char *s, long long min, long long max, long long *out)
{
	long long whole = 0, frac = 0, scale = 100;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++)
		if ((whole = whole * 10 + (*p - '0')) > max)
			return -1;
	if (*p == '.') {
		if (p[1] < '0' || p[1] > '9')
			return -1;
		for (p++; *p >= '0' && *p <= '9' && scale > 1; p++) {
			scale /= 10;
			frac += (*p - '0') * scale;
		}
	}
	if (*p != '\0')
		return -1;
	*out = (whole * 6000 + frac * 60 + 50) / 100;
	return *out < min || *out > max ? -1 : 0;
}

static int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = {"true", "yes", "1"};
	static const char *const no[] = {"false", "no", "0"};
	size_t i;

	for (i = 0; i < 3; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

/* A list of country codes as [operator] cross_border_countries takes it: "" or codes, each a known ISO 3166-1
 * alpha-2 code in upper case, separated by commas (spaces around a code allowed). */
static bool countries_valid(const char *s)
{
	const char *why = NULL;
	char code[3], norm[3];

	while (*s != '\0') {
		size_t n;

		while (*s == ' ')
			s++;
		n = strcspn(s, ", ");
		if (n != 2)
			return false;
		memcpy(code, s, 2);
		code[2] = '\0';
		if (privd_validate_country(code, norm, &why) != PRIVD_OK || strcmp(code, norm) != 0)
			return false;
		s += n;
		while (*s == ' ')
			s++;
		if (*s == '\0')
			break;
		if (*s++ != ',')
			return false;
		if (*s == '\0')
			return false; /* a trailing comma */
	}
	return true;
}

/* A list (countries, origins or networks) into field (k->size bytes), or a fault naming what is wrong. */
static int list_set(char *field, const struct key *k, const char *value, struct fault *f)
{
	struct privd_cidrs *l = NULL;
	size_t len = strlen(value), bad = 0, bad_len = 0;
	const char *bad_at = NULL;
	int ok = 1;

	if (len >= k->size)
		return fault_set(f, k, "is too long (at most %zu bytes)", k->size - 1);
	if (k->type == T_COUNTRIES && !countries_valid(value))
		return fault_set(f, k, "must be ISO 3166-1 alpha-2 country codes separated by commas");
	if (k->type == T_ORIGINS && !privd_cookie_origins_valid(value))
		return fault_set(
		    f, k, "must be origins like https://www.example.ru (lowercase, no path) separated by commas");
	if (k->type == T_CIDRS) {
		l = malloc(sizeof(*l));
		if (l == NULL)
			return fault_set(f, k, "cannot be checked: out of memory");
		if (!privd_cidrs_parse(value, l, &bad, &bad_at, &bad_len))
			ok = bad > PRIVD_CIDRS_MAX ? fault_set(f, k, "lists more than %d networks", PRIVD_CIDRS_MAX)
			                           : fault_set(f, k,
			                                       "entry %zu (%.*s) is not an address or a network like "
			                                       "10.0.0.0/8 or 2001:db8::/32",
			                                       bad, (int)(bad_len > 45 ? 45 : bad_len), bad_at);
		free(l);
	}
	if (ok)
		memcpy(field, value, len + 1);
	return ok;
}

int privd_config_key_set(struct privd_config *c, const struct key *k, const char *value, struct fault *f)
{
	char *field = (char *)c + k->offset;
	const char *reason = NULL;
	long long n = 0;
	size_t len = strlen(value);

	switch (k->type) {
	case T_STR_NONEMPTY:
		if (len == 0)
			return fault_set(f, k, "must not be empty");
		/* fall through */
	case T_STR:
		if (len >= k->size)
			return fault_set(f, k, "is too long (at most %zu bytes)", k->size - 1);
		if (strpbrk(value, "\r\n") != NULL)
			return fault_set(f, k, "must be on one line");
		memcpy(field, value, len + 1);
		return 1;
	case T_SIZE:
	case T_UINT:
	case T_INT:
	case T_MINUTES: /* an int of seconds */
		if ((k->type == T_MINUTES ? parse_minutes : parse_number)(value, k->min, k->max, &n) != 0)
			return fault_set(f, k, "must be a whole number from %lld to %lld%s", k->min, k->max,
			                 k->type == T_MINUTES ? " seconds, written in minutes with at most two decimals"
			                                      : "");
		if (k->type == T_SIZE)
			*(size_t *)(void *)field = (size_t)n;
		else if (k->type == T_UINT)
			*(unsigned *)(void *)field = (unsigned)n;
		else
			*(int *)(void *)field = (int)n;
		return 1;
	case T_BOOL:
		if (parse_bool(value, (bool *)(void *)field) != 0)
			return fault_set(f, k, "must be true or false (also yes/no, 1/0)");
		return 1;
	case T_COUNTRY:
		if (len == 0) {
			field[0] = '\0';
			return 1;
		}
		if (privd_validate_country(value, field, &reason) != PRIVD_OK)
			return fault_set(f, k, "must be an ISO 3166-1 alpha-2 country code (%s)",
			                 reason != NULL ? reason : "unknown code");
		return 1;
	case T_COUNTRIES:
	case T_ORIGINS:
	case T_CIDRS:
		return list_set(field, k, value, f);
	case T_LANG:
		if (strcmp(value, "ru") != 0 && strcmp(value, "en") != 0 && strcmp(value, "ru+en") != 0)
			return fault_set(f, k, "must be ru, en or ru+en");
		memcpy(field, value, len + 1);
		return 1;
	case T_LEVEL:
		if (strcmp(value, "debug") != 0 && strcmp(value, "info") != 0 && strcmp(value, "warn") != 0 &&
		    strcmp(value, "error") != 0)
			return fault_set(f, k, "must be debug, info, warn or error");
		memcpy(field, value, len + 1);
		return 1;
	case T_CHOICE:
		for (size_t i = 0; k->choices != NULL && k->choices[i] != NULL; i++) {
			if (strcmp(value, k->choices[i]) == 0 && len < k->size) {
				memcpy(field, value, len + 1);
				return 1;
			}
		}
		return choice_fault(f, k);
	}
	return fault_set(f, k, "has an unknown type");
}

void privd_config_key_format(const struct privd_config *c, const struct key *k, char *buf, size_t len)
{
	const char *field = (const char *)c + k->offset;

	switch (k->type) {
	case T_STR:
	case T_STR_NONEMPTY:
	case T_COUNTRY:
	case T_COUNTRIES:
	case T_ORIGINS:
	case T_CIDRS:
	case T_LEVEL:
	case T_LANG:
	case T_CHOICE:
		snprintf(buf, len, "%s", field);
		return;
	case T_SIZE:
		snprintf(buf, len, "%zu", *(const size_t *)(const void *)field);
		return;
	case T_UINT:
		snprintf(buf, len, "%u", *(const unsigned *)(const void *)field);
		return;
	case T_INT:
		snprintf(buf, len, "%d", *(const int *)(const void *)field);
		return;
	case T_MINUTES: {
		int sec = *(const int *)(const void *)field;

		if (sec % 60 == 0)
			snprintf(buf, len, "%d", sec / 60);
		else
			snprintf(buf, len, "%.2f", sec / 60.0);
		return;
	}
	case T_BOOL:
		snprintf(buf, len, "%s", *(const bool *)(const void *)field ? "true" : "false");
		return;
	}
	buf[0] = '\0';
}

void privd_config_base_url(const struct privd_config *c, char *out, size_t len)
{
	if (c->public_url[0] != '\0')
		snprintf(out, len, "%s", c->public_url);
	else
		snprintf(out, len, "http://%s", c->listen);
}

void privd_config_defaults(struct privd_config *c)
{
	struct fault f = {{0}, {0}};
	size_t i;
	int n;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < privd_config_nkeys; i++)
		if (privd_config_keys[i].def != NULL &&
		    !privd_config_key_set(c, &privd_config_keys[i], privd_config_keys[i].def, &f))
			abort(); /* a default that fails its own check is a bug in the table */
	n = snprintf(c->eu_age_file, sizeof(c->eu_age_file), "%s/%s", privd_share_dir(), EU_AGE_FILE);
	if (n < 0 || (size_t)n >= sizeof(c->eu_age_file))
		c->eu_age_file[0] = '\0'; /* an absurd share dir; loading the table will report it */
	n = snprintf(c->calendar_file, sizeof(c->calendar_file), "%s/%s", privd_share_dir(), CALENDAR_FILE);
	if (n < 0 || (size_t)n >= sizeof(c->calendar_file))
		c->calendar_file[0] = '\0'; /* likewise: loading the calendar will report it */
	for (i = 0; i < PRIVD_REQUEST_TYPE_COUNT; i++) {
		struct privd_request_rule rule;

		privd_request_rule_default((enum privd_request_type)i, &rule);
		c->due_days[i] = rule.due_days;
		c->extension_days[i] = rule.extension_days;
	}
	n = snprintf(c->web_dir, sizeof(c->web_dir), "%s", PRIVD_WEB_DIR);
	if (n < 0 || (size_t)n >= sizeof(c->web_dir))
		c->web_dir[0] = '\0'; /* likewise: loading consent.js will report it */
	c->background = true;
}

void privd_config_env_name(const struct key *k, char out[PRIVD_CONFIG_ENV_MAX])
{
	snprintf(out, PRIVD_CONFIG_ENV_MAX, "PRIVD_%s_%s", k->section, k->name);
	for (size_t i = 0; out[i] != '\0'; i++)
		if (out[i] >= 'a' && out[i] <= 'z')
			out[i] = (char)(out[i] - 'a' + 'A');
}

/* ---- faults ---- */

void privd_config_fault_add(struct privd_config_faults *faults, const char *key, const char *fmt, ...)
{
	struct privd_config_fault *f;
	va_list ap;

	if (faults->n++ >= PRIVD_CONFIG_FAULTS_MAX)
		return;
	f = &faults->items[faults->n - 1];
	memset(f, 0, sizeof(*f));
	snprintf(f->key, sizeof(f->key), "%s", key != NULL ? key : "");
	va_start(ap, fmt);
	vsnprintf(f->reason, sizeof(f->reason), fmt, ap);
	va_end(ap);
}

/* The fault added last, to say where it is; NULL when it was dropped past the maximum. */
static struct privd_config_fault *fault_last(struct privd_config_faults *faults)
{
	return faults->n > 0 && faults->n <= PRIVD_CONFIG_FAULTS_MAX ? &faults->items[faults->n - 1] : NULL;
}

void privd_config_fault_format(const struct privd_config_faults *faults, const struct privd_config_fault *f, char *buf,
                               size_t len)
{
	const char *sep = f->key[0] != '\0' ? " " : "";

	if (f->line > 0)
		snprintf(buf, len, "%s line %d: %s%s%s", faults->file, f->line, f->key, sep, f->reason);
	else if (f->env[0] != '\0')
		snprintf(buf, len, "environment %s: %s%s%s", f->env, f->key, sep, f->reason);
	else
		snprintf(buf, len, "%s%s%s", f->key, sep, f->reason);
}

/* ---- the file ---- */

struct file_ctx {
	struct privd_config *c;
	struct privd_config_faults *faults;
	FILE *fp;
	int line;      /* of the line being read */
	bool at_start; /* the next chunk read starts a line (inih reads a long line in several) */
};

/* A fault at the line being read. */
static void file_fault(struct file_ctx *ctx, const char *key, const char *reason)
{
	struct privd_config_fault *f;

	privd_config_fault_add(ctx->faults, key, "%s", reason);
	f = fault_last(ctx->faults);
	if (f != NULL)
		f->line = ctx->line;
}

/* Whether a line is one inih takes: blank, a comment, [section], or name = value (or name: value). */
static bool line_well_formed(const char *s)
{
	s += strspn(s, " \t");
	if (*s == '\0' || *s == '\n' || *s == '\r' || *s == ';' || *s == '#')
		return true;
	if (*s == '[')
		return strchr(s, ']') != NULL;
	return strpbrk(s, "=:") != NULL;
}

/* inih's reader: fgets, counting lines and refusing a line that is not a key, a section or a comment (inih itself
 * reports only the first such line). */
static char *read_chunk(char *str, int num, void *stream)
{
	struct file_ctx *ctx = stream;
	bool starts = ctx->at_start;
	char *r = fgets(str, num, ctx->fp);

	if (r == NULL)
		return NULL;
	if (starts) {
		ctx->line++;
		if (!line_well_formed(r))
			file_fault(ctx, "", "not a [section] or a name = value line");
	}
	ctx->at_start = strchr(r, '\n') != NULL;
	return r;
}

static int file_handler(void *user, const char *section, const char *name, const char *value)
{
	struct file_ctx *ctx = user;
	const struct key *k = key_find(section, name);
	struct fault f = {{0}, {0}};
	size_t len = strlen(value);
	char unquoted[PRIVD_CONFIG_VALUE_MAX];

	if (k == NULL) {
		struct key unknown = {.section = section, .name = name};

		if (section[0] == '\0')
			fault_set(&f, &unknown, "is not in a [section]");
		for (size_t i = 0; i < sizeof(removed_keys) / sizeof(removed_keys[0]) && f.key[0] == '\0'; i++)
			if (strcmp(section, removed_keys[i].section) == 0 && strcmp(name, removed_keys[i].name) == 0)
				fault_set(&f, &unknown, "%s", removed_keys[i].instead);
		fault_set(&f, &unknown, "is not a known key");
		file_fault(ctx, f.key, f.reason);
		return 1; /* on to the next line: every fault is reported */
	}
	/* name = "text" may quote a value, e.g. to write "" or keep surrounding spaces. */
	if (len >= 2 && value[0] == '"' && value[len - 1] == '"' && len - 2 < sizeof(unquoted)) {
		memcpy(unquoted, value + 1, len - 2);
		unquoted[len - 2] = '\0';
		value = unquoted;
	}
	if (!privd_config_key_set(ctx->c, k, value, &f))
		file_fault(ctx, f.key, f.reason);
	return 1;
}

/* Reads path into c, adding a fault for each bad line. A missing file is fine unless required. */
static enum privd_rc load_file(struct privd_config *c, const char *path, bool required,
                               struct privd_config_faults *faults)
{
	struct file_ctx ctx = {.c = c, .faults = faults, .at_start = true};
	enum privd_rc rc = PRIVD_OK;
	size_t before = faults->n;
	int line;

	ctx.fp = fopen(path, "re");
	if (ctx.fp == NULL) {
		if (errno == ENOENT && !required)
			goto out;
		privd_config_fault_add(faults, "", "cannot open %s: %s", path, strerror(errno));
		rc = PRIVD_ERR_IO;
		goto out;
	}
	/* Values are taken literally (no inline comments, no continuation lines), and long lines are read whole
	 * rather than split. Configuration is read by one thread at a time (start-up, or the signal thread). */
	ini_allow_multiline = false;
	ini_allow_inline_comments = false;
	ini_stop_on_first_error = false;
	ini_use_stack = false;
	ini_allow_realloc = true;
	ini_max_line = PRIVD_CONFIG_VALUE_MAX;
	line = ini_parse_stream(read_chunk, &ctx, file_handler, &ctx);
	if (line == -2) {
		privd_config_fault_add(faults, "", "cannot read %s: out of memory", path);
		rc = PRIVD_ERR_NOMEM;
	} else if (ferror(ctx.fp)) {
		privd_config_fault_add(faults, "", "cannot read %s", path);
		rc = PRIVD_ERR_IO;
	} else if (faults->n > before) {
		rc = PRIVD_ERR_INVALID;
	} else if (line != 0) { /* inih refused a line read_chunk took: name the line all the same */
		ctx.line = line;
		file_fault(&ctx, "", "not a [section] or a name = value line");
		rc = PRIVD_ERR_INVALID;
	}
out:
	if (ctx.fp != NULL)
		fclose(ctx.fp);
	return rc;
}

/* ---- the environment ---- */

static void env_fault(struct privd_config_faults *faults, const char *name, const struct fault *f)
{
	struct privd_config_fault *last;

	privd_config_fault_add(faults, f->key, "%s", f->reason);
	last = fault_last(faults);
	if (last != NULL)
		snprintf(last->env, sizeof(last->env), "%s", name);
}

static void load_env(struct privd_config *c, struct privd_config_faults *faults)
{
	char name[PRIVD_CONFIG_ENV_MAX];
	const char *value;

	/* a removed key set in the environment: a fault naming what replaced it, as in the file */
	for (size_t i = 0; i < sizeof(removed_keys) / sizeof(removed_keys[0]); i++) {
		struct key k = {.section = removed_keys[i].section, .name = removed_keys[i].name};
		struct fault f = {{0}, {0}};

		privd_config_env_name(&k, name);
		if (getenv(name) == NULL)
			continue;
		fault_set(&f, &k, "%s", removed_keys[i].instead);
		env_fault(faults, name, &f);
	}
	for (size_t i = 0; i < privd_config_nkeys; i++) {
		struct fault f = {{0}, {0}};

		privd_config_env_name(&privd_config_keys[i], name);
		value = getenv(name);
		if (value != NULL && !privd_config_key_set(c, &privd_config_keys[i], value, &f))
			env_fault(faults, name, &f);
	}
}

/* ---- reading ---- */

const char *privd_config_path(const struct privd_config *c, char *buf, size_t len)
{
	if (c->config_file[0] != '\0')
		snprintf(buf, len, "%s", c->config_file);
	else if (c->data_dir[0] != '\0')
		snprintf(buf, len, "%s/%s", c->data_dir, CONFIG_FILE);
	else if (len > 0)
		buf[0] = '\0';
	return buf;
}

enum privd_rc privd_config_read(struct privd_config *c, const char *data_dir, const char *path,
                                struct privd_config_faults *faults)
{
	enum privd_rc rc = PRIVD_OK;
	struct privd_config tmp;
	const char *dir = data_dir != NULL ? data_dir : "";

	/* data_dir and path may point into *c, so they are copied before anything in c changes. */
	faults->n = 0;
	faults->file[0] = '\0';
	privd_config_defaults(&tmp);
	if (strlen(dir) >= sizeof(tmp.data_dir) || (path != NULL && strlen(path) >= sizeof(tmp.config_file))) {
		privd_config_fault_add(faults, path != NULL ? "config_file" : "data_dir", "is too long");
		return PRIVD_ERR_INVALID;
	}
	memcpy(tmp.data_dir, dir, strlen(dir) + 1);
	if (path != NULL)
		memcpy(tmp.config_file, path, strlen(path) + 1);
	privd_config_path(&tmp, faults->file, sizeof(faults->file));
	if (faults->file[0] != '\0')
		rc = load_file(&tmp, faults->file, path != NULL, faults);
	if (rc == PRIVD_OK || rc == PRIVD_ERR_INVALID)
		load_env(&tmp, faults); /* every fault at once, the environment's too */
	if (rc == PRIVD_OK && faults->n > 0)
		rc = PRIVD_ERR_INVALID;
	if (rc == PRIVD_OK)
		*c = tmp;
	return rc;
}

enum privd_rc privd_config_load(struct privd_config *c, const char *data_dir, struct privd_err *err)
{
	struct privd_config_faults *faults = malloc(sizeof(*faults));
	enum privd_rc rc;
	char line[sizeof(faults->file) + 512];

	if (faults == NULL)
		return privd_err_set(err, PRIVD_ERR_NOMEM, "out of memory");
	rc = privd_config_read(c, data_dir, NULL, faults);
	if (rc != PRIVD_OK && faults->n > 0) {
		privd_config_fault_format(faults, &faults->items[0], line, sizeof(line));
		privd_err_set(err, rc, "%s", line);
		for (size_t i = 0; i < faults->n && i < PRIVD_CONFIG_FAULTS_MAX; i++)
			if (faults->items[i].key[0] != '\0')
				privd_err_field(err, faults->items[i].key, faults->items[i].reason);
	}
	free(faults);
	return rc;
}
