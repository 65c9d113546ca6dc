/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * age.h - the policy's age limits, as data from configuration.
 *
 * COPPA: where the server is in the US, no one under coppa_min_age (13) may register, and nothing about them
 * is stored. GDPR Art. 8: an EU/EEA resident under the digital age of consent is registered as
 * pending_guardian until a guardian's consent is approved. By default one age (16) applies to all of the
 * EU/EEA, as the policy says; with eu_per_country the member state's own age applies
 * (share/eu-consent-age.json), falling back to eu_default_age for a state not in the table.
 *
 * An age is never overstated: "today" for these rules is the calendar date in UTC-12, the last place on Earth
 * where a day begins (privd_age_today), so nobody counts as 13 or 16 before their birthday has started
 * everywhere, whichever time zone they or the operator are in.
 */
#ifndef PRIVD_CORE_AGE_H
#define PRIVD_CORE_AGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "validate.h"

struct privd_country_age {
	char country[3];
	int age;
};

struct privd_age_policy {
	char server_country[3]; /* upper-case alpha-2, "" when unknown */
	int coppa_min_age;      /* 13; 0 turns the rule off */
	int eu_default_age;     /* 16; 0 turns the rule off */
	bool eu_per_country;
	const struct privd_country_age *table; /* not owned; may be NULL when ntable == 0 */
	size_t ntable;
};

enum privd_age_decision {
	PRIVD_AGE_ALLOW = 0,
	PRIVD_AGE_REFUSE,          /* under the COPPA limit on a US server: store nothing, answer 403 */
	PRIVD_AGE_PENDING_GUARDIAN /* EU/EEA resident under the age of consent */
};

/* UTC-12, east of UTC in seconds: the last time zone in which a date begins. */
#define PRIVD_AGE_DAY_OFFSET_SECONDS (-12L * 3600)

/* The date for the age rules at now_ms (UTC milliseconds): the calendar date in UTC-12. Cannot fail. */
void privd_age_today(int64_t now_ms, struct privd_date *out);

/* The default policy: coppa 13, EU 16, per-country off, no table. */
void privd_age_policy_default(struct privd_age_policy *p);

/* Decide for a person born on `birth`, resident in `residence` (upper-case alpha-2), on `today`.
 * A birth date after today is the caller's validation problem; here it counts as age 0. Cannot fail. */
enum privd_age_decision privd_age_decide(const struct privd_age_policy *p, const struct privd_date *birth,
                                         const char *residence, const struct privd_date *today);

/* The age of consent that applies to `residence` under p, or 0 when no EU rule applies. */
int privd_age_eu_limit(const struct privd_age_policy *p, const char *residence);

#endif
