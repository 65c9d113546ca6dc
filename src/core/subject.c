/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * subject.c - the registration and correction rules of a data subject's profile (see subject.h).
 *
 * A person filling in a form wants to hear everything wrong with it at once, so registration collects a reason
 * for every field at fault before it answers; the age rules run only on a profile that passed, because a
 * refusal means "store nothing" and must not depend on which other field happened to be wrong. The messages
 * are part of the API (clients and tests read them) and stay word for word.
 */
#include "subject.h"

#include <stdio.h>
#include <string.h>

/* Validates the given fields of in into out; a field not given is left as it is, an e-mail or phone given as
 * "" is cleared. Returns false when a field is at fault (each recorded in err). */
static bool validate_fields(const struct privd_profile_input *in, const struct privd_date *today,
                            struct privd_profile *out, struct privd_err *err)
{
	const char *why = NULL;
	bool ok = true;

	if (in->name != NULL && privd_validate_name(in->name, out->name, sizeof(out->name), &why) != PRIVD_OK) {
		privd_err_field(err, "name", why);
		ok = false;
	}
	if (in->email != NULL && in->email[0] == '\0')
		out->email[0] = '\0';
	else if (in->email != NULL &&
	         privd_validate_email(in->email, out->email, sizeof(out->email), &why) != PRIVD_OK) {
		privd_err_field(err, "email", why);
		ok = false;
	}
	if (in->phone != NULL && in->phone[0] == '\0')
		out->phone[0] = '\0';
	else if (in->phone != NULL &&
	         privd_validate_phone(in->phone, out->phone, sizeof(out->phone), &why) != PRIVD_OK) {
		privd_err_field(err, "phone", why);
		ok = false;
	}
	if (in->ip != NULL && privd_validate_ip(in->ip, out->ip, sizeof(out->ip), &why) != PRIVD_OK) {
		privd_err_field(err, "ip", why);
		ok = false;
	}
	if (in->birth_date != NULL) {
		struct privd_date d;

		if (privd_date_parse(in->birth_date, &d, &why) != PRIVD_OK) {
			privd_err_field(err, "birth_date", why);
			ok = false;
		} else if (privd_date_cmp(&d, today) > 0) {
			privd_err_field(err, "birth_date", "must not be in the future");
			ok = false;
		} else {
			privd_date_format(&d, out->birth_date, sizeof(out->birth_date));
		}
	}
	if (in->residence_country != NULL &&
	    privd_validate_country(in->residence_country, out->residence_country, &why) != PRIVD_OK) {
		privd_err_field(err, "residence_country", why);
		ok = false;
	}
	if (in->language != NULL && in->language[0] == '\0') {
		out->language[0] = '\0';
	} else if (in->language != NULL) {
		enum privd_lang l;

		if (privd_lang_parse(in->language, &l) == PRIVD_OK) {
			snprintf(out->language, sizeof(out->language), "%s", privd_lang_name(l));
		} else {
			privd_err_field(err, "language", "must be ru or en");
			ok = false;
		}
	}
	return ok;
}

/* The fields a registration cannot go without. Returns false when one is missing (each recorded in err). */
static bool required_fields(const struct privd_profile_input *in, struct privd_err *err)
{
	bool ok = true;

	if (in->name == NULL) {
		privd_err_field(err, "name", "is required");
		ok = false;
	}
	if ((in->email == NULL || in->email[0] == '\0') && (in->phone == NULL || in->phone[0] == '\0')) {
		privd_err_field(err, "email", "an e-mail or a phone number is required");
		privd_err_field(err, "phone", "an e-mail or a phone number is required");
		ok = false;
	}
	if (in->ip == NULL) {
		privd_err_field(err, "ip", "is required");
		ok = false;
	}
	if (in->birth_date == NULL) {
		privd_err_field(err, "birth_date", "is required");
		ok = false;
	}
	if (in->residence_country == NULL) {
		privd_err_field(err, "residence_country", "is required");
		ok = false;
	}
	return ok;
}

/* The person agrees to the policy published now, and to no other version. */
static bool policy_version_current(const char *given, const char *current, struct privd_err *err)
{
	char why[160];

	if (current == NULL) {
		privd_err_field(err, "policy_version", "no policy is published yet");
		return false;
	}
	if (given == NULL) {
		privd_err_field(err, "policy_version", "is required");
		return false;
	}
	if (strcmp(given, current) != 0) {
		snprintf(why, sizeof(why), "must be the current policy version (%s)", current);
		privd_err_field(err, "policy_version", why);
		return false;
	}
	return true;
}

/* The consent texts the grants name (Art. 9 as amended by 156-FZ). Sets *stale when one names a text that is not
 * the current one (the field named in err as well); returns false when one is at fault otherwise. */
static bool texts_named(const struct privd_registration_input *in, const struct privd_text_versions *texts,
                        struct privd_registration_outcome *out, bool *stale, struct privd_err *err)
{
	static const enum privd_purpose with_text[] = {PRIVD_PURPOSE_PROCESSING, PRIVD_PURPOSE_THIRD_PARTY_TRANSFER};
	const int granted[] = {in->processing, in->third_party_transfer};
	char field[64], why[160];
	bool ok = true;

	*stale = false;
	out->language = PRIVD_LANG_DEFAULT;
	if (in->language != NULL && privd_lang_parse(in->language, &out->language) != PRIVD_OK) {
		privd_err_field(err, "consents.language", "must be ru or en");
		return false;
	}
	for (size_t i = 0; i < 2; i++) {
		enum privd_purpose p = with_text[i];
		const char *name = privd_purpose_name(p), *given = in->texts[p];
		const char *current = texts != NULL ? texts->current[p][out->language] : NULL;

		snprintf(field, sizeof(field), "consents.texts.%s", name);
		switch (privd_consent_text_verdict(p, granted[i] == 1, given, current)) {
		case PRIVD_TEXT_OK:
			if (granted[i] == 1)
				snprintf(out->text_version[p], sizeof(out->text_version[p]), "%s", given);
			break;
		case PRIVD_TEXT_MISSING:
			snprintf(why, sizeof(why),
			         "is required with a grant of %s: the version of the consent text shown", name);
			privd_err_field(err, field, why);
			ok = false;
			break;
		case PRIVD_TEXT_UNPUBLISHED:
		case PRIVD_TEXT_NOT_APPLICABLE:
			snprintf(why, sizeof(why), "no %s consent text is published in %s", name,
			         privd_lang_name(out->language));
			privd_err_field(err, field, why);
			ok = false;
			break;
		case PRIVD_TEXT_STALE:
			snprintf(why, sizeof(why),
			         "is not the current %s consent text in %s, version %s: show that and ask again", name,
			         privd_lang_name(out->language), current);
			privd_err_field(err, field, why);
			*stale = true;
			break;
		}
	}
	return ok;
}

/* The age rules' decision for a normalised birth date (one that passed validation) and country. */
static enum privd_age_decision age_of(const struct privd_age_policy *age, const char *birth_date, const char *country,
                                      const struct privd_date *today)
{
	struct privd_date birth = {0, 0, 0};

	privd_date_parse(birth_date, &birth, NULL);
	return privd_age_decide(age, &birth, country, today);
}

enum privd_rc privd_registration_check(const struct privd_registration_input *in, const char *current_version,
                                       const struct privd_text_versions *texts, const struct privd_age_policy *age,
                                       const struct privd_date *today, struct privd_registration_outcome *out,
                                       struct privd_err *err)
{
	static const enum privd_purpose cookie_purpose[3] = {
	    PRIVD_PURPOSE_COOKIES_PREFERENCES, PRIVD_PURPOSE_COOKIES_ANALYTICS, PRIVD_PURPOSE_COOKIES_MARKETING};
	enum privd_age_decision decision;
	bool ok, stale = false;

	memset(out, 0, sizeof(*out));
	ok = required_fields(&in->profile, err);
	ok = validate_fields(&in->profile, today, &out->profile, err) && ok;
	ok = policy_version_current(in->policy_version, current_version, err) && ok;
	if (in->processing != 1) {
		privd_err_field(err, "consents.processing",
		                "must be true: a person is registered with consent to processing");
		ok = false;
	}
	ok = texts_named(in, texts, out, &stale, err) && ok;
	if (!ok)
		return privd_err_set(err, PRIVD_ERR_INVALID, "%zu field%s invalid", err ? err->nfields : 0,
		                     err && err->nfields == 1 ? " is" : "s are");
	if (stale) {
		privd_err_set(err, PRIVD_ERR_CONFLICT,
		              "a consent text named is not the current one: show the current text and ask again");
		return privd_err_problem(err, PRIVD_ERR_CONFLICT, PRIVD_PROBLEM_RECONSENT);
	}

	decision = age_of(age, out->profile.birth_date, out->profile.residence_country, today);
	if (decision == PRIVD_AGE_REFUSE)
		return privd_err_set(err, PRIVD_ERR_FORBIDDEN,
		                     "registration refused: this service is not for persons under %d",
		                     age->coppa_min_age);
	out->status = decision == PRIVD_AGE_PENDING_GUARDIAN ? PRIVD_SUBJECT_PENDING_GUARDIAN : PRIVD_SUBJECT_ACTIVE;
	out->granted[PRIVD_PURPOSE_PROCESSING] = true;
	out->granted[PRIVD_PURPOSE_THIRD_PARTY_TRANSFER] = in->third_party_transfer == 1;
	for (size_t c = 0; c < 3; c++)
		out->granted[cookie_purpose[c]] = in->cookies[c];
	return PRIVD_OK;
}

enum privd_rc privd_correction_check(const struct privd_profile *cur, enum privd_subject_status status,
                                     const struct privd_profile_input *patch, const struct privd_age_policy *age,
                                     const struct privd_date *today, struct privd_profile *next, struct privd_err *err)
{
	if (patch->name == NULL && patch->email == NULL && patch->phone == NULL && patch->ip == NULL &&
	    patch->birth_date == NULL && patch->residence_country == NULL && patch->language == NULL) {
		privd_err_field(err, "name",
		                "give at least one of name, email, phone, ip, birth_date, residence_country, language");
		return privd_err_set(err, PRIVD_ERR_INVALID, "the correction changes nothing");
	}
	*next = *cur;
	if (!validate_fields(patch, today, next, err))
		return privd_err_set(err, PRIVD_ERR_INVALID, "the correction is invalid");
	if (patch->birth_date != NULL || patch->residence_country != NULL) {
		/* A correction may not make someone a person the age rules keep out: an under-age person on a US
		 * server, or an EU/EEA minor without a guardian's consent (only the guardian's request activates one).
		 * An EU minor already activated by a guardian's consent stays correctable. */
		enum privd_age_decision after = age_of(age, next->birth_date, next->residence_country, today);
		enum privd_age_decision before = age_of(age, cur->birth_date, cur->residence_country, today);

		if (after == PRIVD_AGE_REFUSE || (after == PRIVD_AGE_PENDING_GUARDIAN && before == PRIVD_AGE_ALLOW &&
		                                  status == PRIVD_SUBJECT_ACTIVE))
			return privd_err_set(err, PRIVD_ERR_FORBIDDEN,
			                     "the correction makes the person too young for this service without a "
			                     "guardian's consent");
	}
	if (next->email[0] == '\0' && next->phone[0] == '\0') {
		privd_err_field(err, patch->email != NULL ? "email" : "phone",
		                "an e-mail or a phone number must remain");
		return privd_err_set(err, PRIVD_ERR_INVALID, "the correction is invalid");
	}
	return PRIVD_OK;
}
