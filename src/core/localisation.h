/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * localisation.h - 152-FZ Art. 18 p.5: personal data of Russia's citizens is first recorded, kept and updated in
 * databases located in Russia.
 *
 * privd knows where its server runs ([operator] server_country) and where a person lives (residence_country), not
 * their citizenship, so residence in Russia stands for it. A server abroad that takes such a person's data breaks
 * the rule whatever privd does next, so the operator chooses what privd does: refuse (nothing is stored) or warn
 * (the data is taken; the event is logged without personal data and counted, for the operator to act on). A pure
 * decision over two country codes and the operator's choice; the caller reads the configuration and logs.
 */
#ifndef PRIVD_CORE_LOCALISATION_H
#define PRIVD_CORE_LOCALISATION_H

#include "rc.h"

/* What the operator chose ([law] ru_localisation). */
enum privd_localisation_mode {
	PRIVD_LOCALISATION_WARN = 0, /* take the data, log and count it */
	PRIVD_LOCALISATION_REFUSE,   /* refuse it, storing nothing */
	PRIVD_LOCALISATION_MODE_COUNT
};

/* What becomes of one person's data. */
enum privd_localisation_verdict {
	PRIVD_LOCALISATION_OK = 0, /* the rule does not apply: the server is in Russia, or the person lives elsewhere */
	PRIVD_LOCALISATION_WARNED, /* taken against the rule, as the operator chose: log and count it */
	PRIVD_LOCALISATION_REFUSED, /* refused, as the operator chose */
};

/* "warn", "refuse"; "unknown" outside the enum. Never NULL. */
const char *privd_localisation_mode_name(enum privd_localisation_mode m);

/* Parses a mode name exactly; PRIVD_ERR_INVALID for anything else, including NULL, and *out is then left unchanged.
 * out may be NULL. */
enum privd_rc privd_localisation_mode_parse(const char *name, enum privd_localisation_mode *out);

/* The verdict for a person residing in residence_country on a server in server_country (ISO 3166-1 alpha-2, upper
 * case; "" or NULL when unknown). The rule applies when the person resides in RU and the server is known to be
 * elsewhere: an unknown server country is not taken to be abroad. Cannot fail. */
enum privd_localisation_verdict privd_localisation_check(const char *server_country, const char *residence_country,
                                                         enum privd_localisation_mode mode);

#endif
