/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * age_file.c - the EU age table's JSON file turned into the core's struct privd_country_age entries (see
 * age_file.h).
 *
 * The table decides whether a child's registration waits for a guardian, so it is read strictly, as the
 * production calendar is: an entry the core could never match (a lower-case or three-letter code) or an age the
 * law does not allow is named and refused rather than skipped, and an age is range-checked before it becomes an
 * int, so no value of the file's choosing is narrowed into another.
 */
#include "service/age_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

static bool code_valid(const char *cc)
{
	return strlen(cc) == 2 && cc[0] >= 'A' && cc[0] <= 'Z' && cc[1] >= 'A' && cc[1] <= 'Z';
}

/* The entries of root, an object, into table (room for all of them). */
static enum privd_rc fill(json_t *root, struct privd_country_age *table, size_t *n, struct privd_err *err)
{
	const char *cc;
	json_t *v;
	size_t i = 0;

	json_object_foreach(root, cc, v)
	{
		json_int_t age = json_is_integer(v) ? json_integer_value(v) : 0;

		if (!code_valid(cc))
			return privd_err_set(err, PRIVD_ERR_INVALID,
			                     "the EU age table's entry %zu: the key must be a country code of two "
			                     "upper-case letters",
			                     i + 1);
		if (age < PRIVD_AGE_FILE_MIN || age > PRIVD_AGE_FILE_MAX)
			return privd_err_set(err, PRIVD_ERR_INVALID,
			                     "the EU age table's entry %s: the age must be an integer from %d to %d",
			                     cc, PRIVD_AGE_FILE_MIN, PRIVD_AGE_FILE_MAX);
		memcpy(table[i].country, cc, 3);
		table[i].age = (int)age;
		i++;
	}
	*n = i;
	return PRIVD_OK;
}

enum privd_rc privd_age_file_parse(const char *text, size_t len, struct privd_country_age **out, size_t *n,
                                   struct privd_err *err)
{
	struct privd_country_age *table = NULL;
	json_error_t jerr;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	enum privd_rc rc;

	*out = NULL;
	*n = 0;
	if (root == NULL) {
		rc = privd_err_set(err, PRIVD_ERR_INVALID, "the EU age table is not JSON: %s (line %d)", jerr.text,
		                   jerr.line);
		goto out;
	}
	if (!json_is_object(root)) {
		rc = privd_err_set(err, PRIVD_ERR_INVALID,
		                   "the EU age table is not a JSON object of country codes and ages");
		goto out;
	}
	table = calloc(json_object_size(root) + 1, sizeof(*table));
	if (table == NULL) {
		rc = PRIVD_ERR_NOMEM;
		goto out;
	}
	rc = fill(root, table, n, err);
	if (rc == PRIVD_OK) {
		*out = table;
		table = NULL;
	} else {
		*n = 0;
	}
out:
	free(table);
	json_decref(root);
	return rc;
}

enum privd_rc privd_age_file_load(const char *path, struct privd_country_age **out, size_t *n, struct privd_err *err)
{
	FILE *fp = fopen(path, "rb");
	char *text = NULL;
	long len = -1;
	enum privd_rc rc;

	*out = NULL;
	*n = 0;
	if (fp != NULL && fseek(fp, 0, SEEK_END) == 0)
		len = ftell(fp);
	if (len >= 0 && fseek(fp, 0, SEEK_SET) == 0)
		text = malloc((size_t)len + 1);
	if (text == NULL || fread(text, 1, (size_t)len, fp) != (size_t)len) {
		rc = privd_err_set(err, PRIVD_ERR_INVALID, "cannot read the EU age table %s", path);
		goto out;
	}
	rc = privd_age_file_parse(text, (size_t)len, out, n, err);
	if (rc == PRIVD_ERR_INVALID && err != NULL) {
		char msg[sizeof(err->msg)];

		snprintf(msg, sizeof(msg), "%s", err->msg);
		privd_err_set(err, PRIVD_ERR_INVALID, "%s: %s", path, msg);
	}
out:
	free(text);
	if (fp != NULL)
		fclose(fp);
	return rc;
}
