/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * localisation.c - the 152-FZ Art. 18 p.5 decision (see localisation.h).
 *
 * Called on every registration and correction, so it is two string compares and no more. The mode's names are
 * configuration values, kept in one table like every other typed state.
 */
#include "localisation.h"

#include <stddef.h>
#include <string.h>

#include "names.h"

static const char *const mode_names[PRIVD_LOCALISATION_MODE_COUNT] = {
    [PRIVD_LOCALISATION_WARN] = "warn",
    [PRIVD_LOCALISATION_REFUSE] = "refuse",
};

const char *privd_localisation_mode_name(enum privd_localisation_mode m)
{
	return privd_names_get(mode_names, PRIVD_LOCALISATION_MODE_COUNT, (int)m);
}

enum privd_rc privd_localisation_mode_parse(const char *name, enum privd_localisation_mode *out)
{
	int i = privd_names_find(mode_names, PRIVD_LOCALISATION_MODE_COUNT, name);

	if (i < 0)
		return PRIVD_ERR_INVALID;
	if (out != NULL)
		*out = (enum privd_localisation_mode)i;
	return PRIVD_OK;
}

enum privd_localisation_verdict privd_localisation_check(const char *server_country, const char *residence_country,
                                                         enum privd_localisation_mode mode)
{
	if (server_country == NULL || server_country[0] == '\0' || strcmp(server_country, "RU") == 0)
		return PRIVD_LOCALISATION_OK;
	if (residence_country == NULL || strcmp(residence_country, "RU") != 0)
		return PRIVD_LOCALISATION_OK;
	return mode == PRIVD_LOCALISATION_REFUSE ? PRIVD_LOCALISATION_REFUSED : PRIVD_LOCALISATION_WARNED;
}
