/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * subject.h - the rules a data subject's profile meets when it is registered and whenever it is corrected.
 *
 * Registration: a name, an e-mail or a phone number, the ip, the birth date and the country of residence are
 * required; the person agrees to the policy version published now; a person is registered with their consent to
 * processing (the other purposes are their choice), and each grant of processing or third_party_transfer names
 * the consent text the person was shown, which must be the one published now in its language (152-FZ Art. 9 as
 * amended by 156-FZ: consent is a document of its own); and the age rules decide what becomes of them: refused outright
 * (COPPA on a US server: nothing is stored), pending_guardian (an EU/EEA minor) or active. A correction changes
 * only what it gives, may not take away the last way to reach the person, and may not make someone the age
 * rules keep out; a minor whom a guardian's consent activated stays correctable.
 *
 * Pure functions over plain structs: the caller parses the request into strings, reads the current policy
 * version and passes in the date the age rules count on (privd_age_today: the date in UTC-12, so that no age is
 * overstated); nothing here has a clock, I/O or allocation. The errors name the field
 * at fault in the API's own words and never carry a value, which is PII.
 */
#ifndef PRIVD_CORE_SUBJECT_H
#define PRIVD_CORE_SUBJECT_H

#include <stdbool.h>

#include "age.h"
#include "consent.h"
#include "rc.h"
#include "validate.h"

/* Profile fields as a person gave them. NULL = not given; for email, phone and language "" = none (in a
 * correction: remove it). language is optional even at registration: without it notices use the configured
 * default. */
struct privd_profile_input {
	const char *name, *email, *phone, *ip, *birth_date, *residence_country, *language;
};

/* A profile in normalised form (see validate.h); "" where absent. Holds PII: the caller zeroes it. */
struct privd_profile {
	char name[PRIVD_NAME_MAX_BYTES + 1];
	char email[PRIVD_EMAIL_MAX + 1];
	char phone[PRIVD_PHONE_MAX + 1];
	char ip[PRIVD_IP_MAX];
	char birth_date[11];
	char residence_country[3];
	char language[3]; /* "ru", "en", "" */
};

/* What a registration gives besides the profile. */
struct privd_registration_input {
	struct privd_profile_input profile;
	const char *policy_version;             /* the version agreed to; NULL = not given */
	int processing;                         /* consent to processing: -1 absent, 0 false, 1 true */
	int third_party_transfer;               /* -1 absent (= false), 0, 1 */
	bool cookies[3];                        /* preferences, analytics, marketing */
	const char *texts[PRIVD_PURPOSE_COUNT]; /* consent text version named per purpose; NULL = not given */
	const char *language;                   /* the texts' language, "ru" or "en"; NULL = PRIVD_LANG_DEFAULT */
};

/* What the rules make of a registration that passes them. */
struct privd_registration_outcome {
	struct privd_profile profile;
	enum privd_subject_status status;  /* PRIVD_SUBJECT_ACTIVE or PRIVD_SUBJECT_PENDING_GUARDIAN */
	bool granted[PRIVD_PURPOSE_COUNT]; /* the consent record each purpose starts with */
	enum privd_lang language;          /* the consent texts' language */
	/* the consent text each grant names; "" for a refusal and for the cookie categories */
	char text_version[PRIVD_PURPOSE_COUNT][PRIVD_TEXT_VERSION_MAX];
};

/*
 * Checks a registration against the rules. current_version is the policy version published now, NULL when
 * none is; texts the consent texts published now (NULL: none is); age and today (privd_age_today's date) decide
 * the age rules. On PRIVD_OK out holds the normalised profile, the status and the consents. PRIVD_ERR_INVALID
 * names every field at fault in err, a grant naming no text ("consents.texts.<purpose>") and a text unpublished in
 * the language among them; then PRIVD_ERR_CONFLICT with the problem "reconsent-required" names each grant whose
 * text is not the current one; the age rules are applied only after both, and PRIVD_ERR_FORBIDDEN is their
 * refusal. On failure out may hold part of the profile: the caller zeroes it either way. err may be NULL.
 */
enum privd_rc privd_registration_check(const struct privd_registration_input *in, const char *current_version,
                                       const struct privd_text_versions *texts, const struct privd_age_policy *age,
                                       const struct privd_date *today, struct privd_registration_outcome *out,
                                       struct privd_err *err);

/*
 * Checks a correction of the profile cur, whose subject has status `status`, and writes cur with the given
 * fields applied into next (which must not overlap cur). PRIVD_ERR_INVALID when nothing is given, a given field
 * is invalid, or neither an e-mail nor a phone number would remain; PRIVD_ERR_FORBIDDEN when the corrected birth
 * date or country makes the person one the age rules keep out: refused, or an EU/EEA minor whose status is
 * active only because the rules let the uncorrected profile in (an active minor whom a guardian's consent
 * activated stays correctable). On failure next may hold part of the profile: the caller zeroes it either way.
 * err may be NULL.
 */
enum privd_rc privd_correction_check(const struct privd_profile *cur, enum privd_subject_status status,
                                     const struct privd_profile_input *patch, const struct privd_age_policy *age,
                                     const struct privd_date *today, struct privd_profile *next, struct privd_err *err);

#endif
