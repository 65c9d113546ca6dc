/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * age_file.h - the table of EU/EEA member states' ages of consent (GDPR Art. 8), read from its JSON file
 * (share/eu-consent-age.json by default, [age] eu_age_file) when [age] eu_per_country is on.
 *
 * Format: {"AT":14,"BE":13,...}: a JSON object of upper-case alpha-2 country codes, each an integer age from 13 to
 * 16 (Art. 8(1) lets a member state lower 16 to no less than 13). The service reads it at start and
 * `privd check-config` reads it the same way, so a table the service would refuse is a fault before a restart.
 */
#ifndef PRIVD_SERVICE_AGE_FILE_H
#define PRIVD_SERVICE_AGE_FILE_H

#include <stddef.h>

#include "core/age.h"
#include "core/rc.h"

#define PRIVD_AGE_FILE_MIN 13
#define PRIVD_AGE_FILE_MAX 16

/* Parses len bytes of text (need not be NUL-terminated) into a new table of *n entries (*out malloc'd, freed by
 * the caller with free; never NULL on success, even for an empty object). Text that is not a JSON object, a key
 * that is not two upper-case letters, or a value that is not an integer from 13 to 16: PRIVD_ERR_INVALID with a
 * message naming the entry at fault, *out NULL and *n 0. PRIVD_ERR_NOMEM. */
enum privd_rc privd_age_file_parse(const char *text, size_t len, struct privd_country_age **out, size_t *n,
                                   struct privd_err *err);

/* The same for the file at path; a file that cannot be read is PRIVD_ERR_INVALID naming it. */
enum privd_rc privd_age_file_load(const char *path, struct privd_country_age **out, size_t *n, struct privd_err *err);

#endif
