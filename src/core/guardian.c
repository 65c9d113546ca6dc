/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * guardian.c - the check of a guardian's consent for a minor (see guardian.h).
 *
 * The guardian's contact is what the operator reaches them by to confirm the consent, so it must be a real
 * address or number; their relation to the minor is free text ("mother", "legal guardian"), bounded and free
 * of control characters. The purposes follow registration: processing must be granted, the others are the
 * guardian's choice, and what is not given is not granted.
 */
#include "guardian.h"

#include <string.h>

static bool check_contact(const struct privd_guardian_input *in, struct privd_guardian *out, struct privd_err *err)
{
	const char *why = NULL;
	bool ok = true;

	if ((in->email == NULL || in->email[0] == '\0') && (in->phone == NULL || in->phone[0] == '\0')) {
		privd_err_field(err, "details.guardian.email",
		                "an e-mail or a phone number of the guardian is required");
		privd_err_field(err, "details.guardian.phone",
		                "an e-mail or a phone number of the guardian is required");
		return false;
	}
	if (in->email != NULL && in->email[0] != '\0' &&
	    privd_validate_email(in->email, out->email, sizeof(out->email), &why) != PRIVD_OK) {
		privd_err_field(err, "details.guardian.email", why);
		ok = false;
	}
	if (in->phone != NULL && in->phone[0] != '\0' &&
	    privd_validate_phone(in->phone, out->phone, sizeof(out->phone), &why) != PRIVD_OK) {
		privd_err_field(err, "details.guardian.phone", why);
		ok = false;
	}
	return ok;
}

static bool check_guardian(const struct privd_guardian_input *in, struct privd_guardian *out, struct privd_err *err)
{
	char relation[PRIVD_NAME_MAX_BYTES + 1];
	const char *why = NULL;
	bool ok = true;

	if (!in->has_guardian) {
		privd_err_field(err, "details.guardian", "is required: {\"name\",\"relation\",\"email\" or \"phone\"}");
		return false;
	}
	if (in->name == NULL) {
		privd_err_field(err, "details.guardian.name", "is required");
		ok = false;
	} else if (privd_validate_name(in->name, out->name, sizeof(out->name), &why) != PRIVD_OK) {
		privd_err_field(err, "details.guardian.name", why);
		ok = false;
	}
	if (in->relation == NULL) {
		privd_err_field(err, "details.guardian.relation", "is required");
		ok = false;
	} else if (privd_validate_name(in->relation, relation, sizeof(relation), &why) != PRIVD_OK) {
		privd_err_field(err, "details.guardian.relation", why);
		ok = false;
	} else if (strlen(relation) > PRIVD_GUARDIAN_RELATION_MAX) {
		privd_err_field(err, "details.guardian.relation", "is longer than 64 bytes");
		ok = false;
	} else {
		memcpy(out->relation, relation, strlen(relation) + 1);
	}
	memset(relation, 0, sizeof(relation));
	return check_contact(in, out, err) && ok;
}

static bool check_consents(const struct privd_guardian_input *in, struct privd_guardian *out, struct privd_err *err)
{
	static const enum privd_purpose cookie_purpose[3] = {
	    PRIVD_PURPOSE_COOKIES_PREFERENCES, PRIVD_PURPOSE_COOKIES_ANALYTICS, PRIVD_PURPOSE_COOKIES_MARKETING};

	if (!in->has_consents) {
		privd_err_field(err, "details.consents", "is required: the purposes the guardian consents to");
		return false;
	}
	if (in->processing != 1) {
		privd_err_field(err, "details.consents.processing",
		                "must be true: a guardian's consent is consent to processing");
		return false;
	}
	out->granted[PRIVD_PURPOSE_PROCESSING] = true;
	out->granted[PRIVD_PURPOSE_THIRD_PARTY_TRANSFER] = in->third_party_transfer == 1;
	for (size_t c = 0; c < 3; c++)
		out->granted[cookie_purpose[c]] = in->cookies[c];
	return true;
}

enum privd_rc privd_guardian_check(const struct privd_guardian_input *in, struct privd_guardian *out,
                                   struct privd_err *err)
{
	bool ok;

	memset(out, 0, sizeof(*out));
	ok = check_guardian(in, out, err);
	ok = check_consents(in, out, err) && ok;
	if (!ok)
		return privd_err_set(err, PRIVD_ERR_INVALID, "the guardian's consent is invalid");
	return PRIVD_OK;
}
