/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * age.c - the policy's age limits (see age.h).
 *
 * Two rules, checked in this order because the first one means "store nothing": COPPA refuses anyone under
 * its limit when the server is in the US, whatever their residence; GDPR Art. 8 holds an EU/EEA resident under
 * the digital age of consent as pending_guardian. The ages are data from configuration, not constants here.
 */
#include "age.h"

#include <string.h>

#include "calendar.h"

#define COPPA_DEFAULT_AGE 13
#define EU_DEFAULT_AGE 16

void privd_age_policy_default(struct privd_age_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->coppa_min_age = COPPA_DEFAULT_AGE;
	p->eu_default_age = EU_DEFAULT_AGE;
	p->eu_per_country = false;
	p->table = NULL;
	p->ntable = 0;
}

void privd_age_today(int64_t now_ms, struct privd_date *out)
{
	privd_date_from_ms(now_ms, PRIVD_AGE_DAY_OFFSET_SECONDS, out);
}

static char upper(char c)
{
	return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

static bool same_country(const char *a, const char *b)
{
	return a[0] != '\0' && upper(a[0]) == upper(b[0]) && upper(a[1]) == upper(b[1]) && a[2] == '\0' && b[2] == '\0';
}

int privd_age_eu_limit(const struct privd_age_policy *p, const char *residence)
{
	size_t i;

	if (p == NULL || p->eu_default_age <= 0 || !privd_country_is_eea(residence))
		return 0;
	if (p->eu_per_country && p->table != NULL) {
		for (i = 0; i < p->ntable; i++) {
			if (same_country(p->table[i].country, residence))
				return p->table[i].age;
		}
	}
	return p->eu_default_age;
}

enum privd_age_decision privd_age_decide(const struct privd_age_policy *p, const struct privd_date *birth,
                                         const char *residence, const struct privd_date *today)
{
	int age = privd_age_years(birth, today);
	int limit;

	if (age < 0)
		age = 0;
	if (p->coppa_min_age > 0 && same_country(p->server_country, "US") && age < p->coppa_min_age)
		return PRIVD_AGE_REFUSE;
	limit = privd_age_eu_limit(p, residence);
	if (limit > 0 && age < limit)
		return PRIVD_AGE_PENDING_GUARDIAN;
	return PRIVD_AGE_ALLOW;
}
