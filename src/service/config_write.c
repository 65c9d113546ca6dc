/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * config_write.c - the configuration as text: the commented privd.conf `privd init` writes, the effective
 * configuration `privd dump-config` prints, and which keys differ between two configurations (what a SIGHUP
 * changes).
 *
 * All three walk the key table of config.c, so a new key is written, dumped and compared without code here. Two
 * worries shaped it. A privd.conf must not pin privd to where it was built or installed: a key whose value is a
 * file shipped in the share directory is written commented out, and so follows the share directory. And a dump is
 * pasted into tickets and chats: the secrets (the SMTP password, the SMS gateway's secret, a password in the
 * database URL) are replaced before anything is printed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "service/config.h"
#include "service/config_int.h"

#define REDACTED "<redacted>"

/* Keys whose whole value is a secret. */
static const char *const secret_keys[] = {"smtp.password", "sms.secret", NULL};

/* Keys a running server applies when it reads its configuration again (SIGHUP). */
static const char *const live_keys[] = {"log.level",
                                        "log.file",
                                        "server.body_limit",
                                        "requests.document_limit",
                                        "smtp.url",
                                        "smtp.from",
                                        "smtp.user",
                                        "smtp.password",
                                        "smtp.ca_file",
                                        "sms.url",
                                        "sms.secret",
                                        "notify.max_attempts",
                                        "notify.retry_seconds",
                                        "notify.lease_seconds",
                                        "notify.batch",
                                        NULL};

static bool listed(const char *const *list, const struct key *k)
{
	size_t slen = strlen(k->section);

	for (size_t i = 0; list[i] != NULL; i++)
		if (strncmp(list[i], k->section, slen) == 0 && list[i][slen] == '.' &&
		    strcmp(list[i] + slen + 1, k->name) == 0)
			return true;
	return false;
}

bool privd_config_key_live(const char *key)
{
	for (size_t i = 0; live_keys[i] != NULL; i++)
		if (strcmp(live_keys[i], key) == 0)
			return true;
	return false;
}

/* Writes "# line" for each line of help. */
static void write_comment(FILE *fp, const char *help)
{
	const char *nl;

	while (help != NULL && *help != '\0') {
		nl = strchr(help, '\n');
		if (nl == NULL)
			nl = help + strlen(help);
		fprintf(fp, "# %.*s\n", (int)(nl - help), help);
		help = *nl == '\n' ? nl + 1 : nl;
	}
}

/* name = value, quoted when the file would otherwise read it back differently. */
static void write_value(FILE *fp, const char *prefix, const char *name, const char *value)
{
	size_t len = strlen(value);

	if (len == 0 || value[0] == ' ' || value[0] == '\t' || value[len - 1] == ' ' || value[len - 1] == '\t' ||
	    (value[0] == '"' && value[len - 1] == '"'))
		fprintf(fp, "%s%s = \"%s\"\n", prefix, name, value);
	else
		fprintf(fp, "%s%s = %s\n", prefix, name, value);
}

/* Checks that every value of c reads back as itself. */
static enum privd_rc check_writable(const struct privd_config *c, struct privd_err *err)
{
	struct privd_config scratch;
	struct fault f = {{0}, {0}};
	char value[PRIVD_CONFIG_VALUE_MAX];
	size_t i;

	privd_config_defaults(&scratch);
	for (i = 0; i < privd_config_nkeys; i++) {
		privd_config_key_format(c, &privd_config_keys[i], value, sizeof(value));
		if (privd_config_key_set(&scratch, &privd_config_keys[i], value, &f))
			continue;
		privd_err_field(err, f.key, f.reason);
		return privd_err_set(err, PRIVD_ERR_INVALID, "cannot write configuration: %s %s", f.key, f.reason);
	}
	return PRIVD_OK;
}

/* One key with its comment. A path key left at its default (a file in the share directory, computed at start)
 * is written commented out. */
static void write_key(FILE *fp, const struct privd_config *c, const struct privd_config *def, const struct key *k)
{
	char value[PRIVD_CONFIG_VALUE_MAX], defval[PRIVD_CONFIG_VALUE_MAX];
	bool shared;

	privd_config_key_format(def, k, defval, sizeof(defval));
	privd_config_key_format(c, k, value, sizeof(value));
	shared = k->def == NULL && (k->type == T_STR || k->type == T_STR_NONEMPTY) && strcmp(value, defval) == 0;
	fprintf(fp, "\n");
	write_comment(fp, k->help);
	if (shared) {
		fprintf(fp, "# Default: privd's own, in its share directory (privd dump-config shows where)\n");
		fprintf(fp, "#%s =\n", k->name);
		return;
	}
	fprintf(fp, "# Default: %s\n", defval[0] != '\0' ? defval : "(empty)");
	write_value(fp, "", k->name, value);
}

enum privd_rc privd_config_write(const struct privd_config *c, const char *path, struct privd_err *err)
{
	enum privd_rc rc = PRIVD_OK;
	struct privd_config def;
	const char *section = "";
	FILE *fp = NULL;
	int fd = -1;
	bool created = false;

	rc = check_writable(c, err);
	if (rc != PRIVD_OK)
		goto out;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
	if (fd < 0) {
		if (errno == EEXIST)
			rc = privd_err_set(err, PRIVD_ERR_CONFLICT, "cannot create %s: it already exists", path);
		else
			rc = privd_err_set(err, PRIVD_ERR_IO, "cannot create %s: %s", path, strerror(errno));
		goto out;
	}
	created = true;
	fp = fdopen(fd, "w");
	if (fp == NULL) {
		rc = privd_err_set(err, PRIVD_ERR_IO, "cannot write %s: %s", path, strerror(errno));
		goto out;
	}
	fd = -1; /* now owned by fp */
	fprintf(fp, "# privd configuration.\n"
	            "#\n"
	            "# Every key can also be set in the environment as PRIVD_<SECTION>_<KEY>, e.g.\n"
	            "# PRIVD_SERVER_LISTEN; the environment wins over this file. Unknown keys are an\n"
	            "# error. Comments go on lines of their own: a value is taken as written, up to\n"
	            "# the end of its line. Quote a value (\"...\") to keep leading or trailing spaces.\n"
	            "# `privd check-config` checks this file; SIGHUP makes a running privd read it again\n"
	            "# (see privd.conf(5) for the keys that take effect then).\n");
	privd_config_defaults(&def);
	for (size_t i = 0; i < privd_config_nkeys; i++) {
		if (strcmp(section, privd_config_keys[i].section) != 0) {
			section = privd_config_keys[i].section;
			fprintf(fp, "\n[%s]\n", section);
		}
		write_key(fp, c, &def, &privd_config_keys[i]);
	}
	if (fflush(fp) != 0 || ferror(fp) || fsync(fileno(fp)) != 0) {
		rc = privd_err_set(err, PRIVD_ERR_IO, "cannot write %s: %s", path, strerror(errno));
		goto out;
	}
out:
	if (fp != NULL && fclose(fp) != 0 && rc == PRIVD_OK)
		rc = privd_err_set(err, PRIVD_ERR_IO, "cannot write %s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	if (rc != PRIVD_OK && created)
		unlink(path);
	return rc;
}

/* Copies in to out with a password in it replaced: the one of a URL's user information
 * (postgresql://user:secret@host) and the value of a password= parameter (?password=secret, or libpq's
 * "host=db password=secret"). */
static void redact_url(const char *in, char *out, size_t len)
{
	const char *scheme = strstr(in, "://"), *p = in;
	size_t o = 0;

	if (len == 0)
		return;
	if (scheme != NULL) {
		const char *auth = scheme + 3, *end = auth + strcspn(auth, "/?#"), *at = NULL, *colon;

		for (const char *q = auth; q < end; q++)
			if (*q == '@')
				at = q;
		colon = at != NULL ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
		if (colon != NULL) {
			o = (size_t)snprintf(out, len, "%.*s%s", (int)(colon + 1 - in), in, REDACTED);
			p = at;
		}
	}
	while (*p != '\0' && o + 1 < len) {
		bool starts = p == in || p[-1] == '?' || p[-1] == '&' || p[-1] == ' ';

		if (starts && strncmp(p, "password=", 9) == 0) {
			o += (size_t)snprintf(out + o, len - o, "password=%s", REDACTED);
			p += 9 + strcspn(p + 9, "& ");
			continue;
		}
		out[o++] = *p++;
	}
	out[o < len ? o : len - 1] = '\0';
}

void privd_config_dump(const struct privd_config *c, FILE *out)
{
	char value[PRIVD_CONFIG_VALUE_MAX], shown[PRIVD_CONFIG_VALUE_MAX + 64], env[PRIVD_CONFIG_ENV_MAX],
	    path[sizeof(c->config_file) + 16];
	const char *section = "";

	fprintf(out,
	        "# privd configuration in effect: %s, the environment (PRIVD_*), flags and the defaults.\n"
	        "# Secret values are shown as %s.\n",
	        privd_config_path(c, path, sizeof(path))[0] != '\0' ? path : "no file", REDACTED);
	for (size_t i = 0; i < privd_config_nkeys; i++) {
		const struct key *k = &privd_config_keys[i];

		if (strcmp(section, k->section) != 0) {
			section = k->section;
			fprintf(out, "\n[%s]\n", section);
		}
		privd_config_key_format(c, k, value, sizeof(value));
		if (listed(secret_keys, k) && value[0] != '\0')
			snprintf(shown, sizeof(shown), "%s", REDACTED);
		else if (strcmp(k->section, "database") == 0 && strcmp(k->name, "url") == 0)
			redact_url(value, shown, sizeof(shown));
		else
			snprintf(shown, sizeof(shown), "%s", value);
		privd_config_env_name(k, env);
		if (getenv(env) != NULL)
			fprintf(out, "# from the environment: %s\n", env);
		write_value(out, "", k->name, shown);
	}
}

size_t privd_config_diff(const struct privd_config *a, const struct privd_config *b,
                         void (*fn)(void *arg, const char *key, bool live), void *arg)
{
	char va[PRIVD_CONFIG_VALUE_MAX], vb[PRIVD_CONFIG_VALUE_MAX], key[160];
	size_t n = 0;

	for (size_t i = 0; i < privd_config_nkeys; i++) {
		const struct key *k = &privd_config_keys[i];

		privd_config_key_format(a, k, va, sizeof(va));
		privd_config_key_format(b, k, vb, sizeof(vb));
		if (strcmp(va, vb) == 0)
			continue;
		snprintf(key, sizeof(key), "%s.%s", k->section, k->name);
		n++;
		if (fn != NULL)
			fn(arg, key, privd_config_key_live(key));
	}
	explicit_bzero(va, sizeof(va));
	explicit_bzero(vb, sizeof(vb));
	return n;
}

void privd_config_take_live(struct privd_config *c, const struct privd_config *next)
{
	char value[PRIVD_CONFIG_VALUE_MAX];

	for (size_t i = 0; i < privd_config_nkeys; i++) {
		const struct key *k = &privd_config_keys[i];
		struct fault f = {{0}, {0}};

		if (!listed(live_keys, k))
			continue;
		privd_config_key_format(next, k, value, sizeof(value));
		if (!privd_config_key_set(c, k, value, &f))
			abort(); /* a value read from a configuration reads back: a broken invariant */
	}
	explicit_bzero(value, sizeof(value));
}
