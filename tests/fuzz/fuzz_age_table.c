/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * fuzz_age_table.c - fuzz target for the EU age table's reader (service/age_file.h).
 *
 * The table is a file an operator edits ([age] eu_age_file) and the service reads at start and at check-config,
 * so its reader must take any bytes. The invariants, beyond no crash or leak: on success every entry is two
 * upper-case letters and an age from 13 to 16, and there are no more entries than the input has colons; on
 * failure a message, no table and no entries; the same input gives the same answer twice. A broken invariant
 * aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "service/age_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct privd_country_age *t = NULL, *t2 = NULL;
	struct privd_err err = {0};
	size_t n = 99, n2 = 99, colons = 0;
	enum privd_rc rc, rc2;

	for (size_t i = 0; i < size; i++)
		colons += data[i] == ':';
	rc = privd_age_file_parse((const char *)data, size, &t, &n, &err);
	if (rc == PRIVD_OK) {
		if (t == NULL || n > colons)
			abort();
		for (size_t i = 0; i < n; i++) {
			const struct privd_country_age *e = &t[i];

			if (e->country[0] < 'A' || e->country[0] > 'Z' || e->country[1] < 'A' || e->country[1] > 'Z' ||
			    e->country[2] != '\0' || e->age < PRIVD_AGE_FILE_MIN || e->age > PRIVD_AGE_FILE_MAX)
				abort();
		}
	} else if (rc != PRIVD_ERR_INVALID || t != NULL || n != 0 || err.msg[0] == '\0') {
		abort();
	}
	rc2 = privd_age_file_parse((const char *)data, size, &t2, &n2, NULL);
	if (rc2 != rc || n2 != n || (n > 0 && memcmp(t, t2, n * sizeof(*t)) != 0))
		abort();
	free(t);
	free(t2);
	return 0;
}
