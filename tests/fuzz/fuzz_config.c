/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * fuzz_config.c - fuzz target for the privd.conf reader (service/config.h).
 *
 * privd.conf is written by people and by tools, often by hand over ssh, so its reader must take any bytes:
 * unterminated sections, NULs, lines longer than any buffer, numbers out of range, quotes. Each input becomes
 * DIR/privd.conf of a scratch data directory (mkdtemp in TMPDIR, removed at exit) and is loaded with no
 * PRIVD_* variable in the environment. The invariants: no crash or leak; on failure a message and the
 * configuration left untouched; on success every string field NUL-terminated within its buffer, data_dir the
 * directory given, and the configuration survives privd_config_write and a second load with the same values
 * (what was read can be written back and reads the same). A broken invariant aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "service/config.h"

extern char **environ;

static char dir[4096];
static char conf[4096 + 16];
static char dir2[4096];
static char conf2[4096 + 16];

static void cleanup(void)
{
	unlink(conf);
	unlink(conf2);
	rmdir(dir);
	rmdir(dir2);
}

/* Makes the two scratch directories and empties the environment of PRIVD_* variables; aborts on failure. */
static void setup(void)
{
	const char *tmp = getenv("TMPDIR");
	char name[128];
	size_t i;

	if (tmp == NULL || tmp[0] == '\0')
		tmp = "/tmp";
	snprintf(dir, sizeof(dir), "%s/fuzz-config-XXXXXX", tmp);
	snprintf(dir2, sizeof(dir2), "%s/fuzz-config-XXXXXX", tmp);
	if (mkdtemp(dir) == NULL || mkdtemp(dir2) == NULL)
		abort();
	snprintf(conf, sizeof(conf), "%s/privd.conf", dir);
	snprintf(conf2, sizeof(conf2), "%s/privd.conf", dir2);
	atexit(cleanup);
	for (i = 0; environ[i] != NULL;) {
		size_t n = strcspn(environ[i], "=");

		if (strncmp(environ[i], "PRIVD_", 6) != 0 || n >= sizeof(name)) {
			i++;
			continue;
		}
		memcpy(name, environ[i], n);
		name[n] = '\0';
		unsetenv(name); /* shifts environ down: look at index i again */
	}
}

static void write_file(const char *path, const uint8_t *data, size_t size)
{
	FILE *fp = fopen(path, "wb");

	if (fp == NULL)
		abort();
	if (size > 0 && fwrite(data, 1, size, fp) != size)
		abort();
	if (fclose(fp) != 0)
		abort();
}

#define TERMINATED(field) (strnlen((field), sizeof(field)) < sizeof(field))
#define SAME_STR(a, b, field) (strcmp((a)->field, (b)->field) == 0)

static void check_strings(const struct privd_config *c)
{
	if (!TERMINATED(c->data_dir) || !TERMINATED(c->listen) || !TERMINATED(c->public_url) ||
	    !TERMINATED(c->database_url) || !TERMINATED(c->operator_name) || !TERMINATED(c->server_country) ||
	    !TERMINATED(c->timezone) || !TERMINATED(c->eu_age_file) || !TERMINATED(c->log_level) ||
	    !TERMINATED(c->calendar_file) || !TERMINATED(c->ru_localisation))
		abort();
}

static int same(const struct privd_config *a, const struct privd_config *b)
{
	return SAME_STR(a, b, listen) && a->body_limit == b->body_limit && a->threads == b->threads &&
	       SAME_STR(a, b, public_url) && SAME_STR(a, b, database_url) && a->write_batch == b->write_batch &&
	       SAME_STR(a, b, operator_name) && SAME_STR(a, b, server_country) && SAME_STR(a, b, timezone) &&
	       a->coppa_min_age == b->coppa_min_age && a->eu_min_age == b->eu_min_age &&
	       a->eu_per_country == b->eu_per_country && SAME_STR(a, b, eu_age_file) && SAME_STR(a, b, log_level) &&
	       SAME_STR(a, b, calendar_file) && a->document_limit == b->document_limit &&
	       memcmp(a->due_days, b->due_days, sizeof(a->due_days)) == 0 &&
	       memcmp(a->extension_days, b->extension_days, sizeof(a->extension_days)) == 0 &&
	       a->erase_after_revoke_days == b->erase_after_revoke_days && SAME_STR(a, b, ru_localisation);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct privd_config c;
	static struct privd_config back;
	static struct privd_config untouched;
	struct privd_err err;
	enum privd_rc rc;

	if (dir[0] == '\0')
		setup();
	write_file(conf, data, size);
	memset(&err, 0, sizeof(err));
	memset(&c, 0x5a, sizeof(c));
	untouched = c;

	rc = privd_config_load(&c, dir, &err);
	if (rc != PRIVD_OK) {
		if (err.msg[0] == '\0' || !TERMINATED(err.msg) || memcmp(&c, &untouched, sizeof(c)) != 0)
			abort();
		return 0;
	}
	check_strings(&c);
	if (strcmp(c.data_dir, dir) != 0)
		abort();

	/* Round trip: what was read is written back and reads the same. */
	unlink(conf2);
	memset(&err, 0, sizeof(err));
	if (privd_config_write(&c, conf2, &err) != PRIVD_OK)
		abort();
	memset(&err, 0, sizeof(err));
	if (privd_config_load(&back, dir2, &err) != PRIVD_OK || !same(&c, &back))
		abort();
	return 0;
}
