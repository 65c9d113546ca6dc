/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * consent.c - consent purposes and the state derived from the append-only record (see consent.h).
 *
 * This is the hot path: an application asks on every page view or job whether a purpose is granted. The state
 * is a fixed-size struct built by replaying the records in order, so answering is a few comparisons with no
 * allocation and no PII.
 */
#include "consent.h"

#include <stdio.h>
#include <string.h>

#include "names.h"
#include "str.h"

static const char *const purpose_names[PRIVD_PURPOSE_COUNT] = {
    [PRIVD_PURPOSE_PROCESSING] = "processing",
    [PRIVD_PURPOSE_THIRD_PARTY_TRANSFER] = "third_party_transfer",
    [PRIVD_PURPOSE_COOKIES_PREFERENCES] = "cookies.preferences",
    [PRIVD_PURPOSE_COOKIES_ANALYTICS] = "cookies.analytics",
    [PRIVD_PURPOSE_COOKIES_MARKETING] = "cookies.marketing",
};

static const char *const status_names[PRIVD_SUBJECT_STATUS_COUNT] = {
    [PRIVD_SUBJECT_ACTIVE] = "active",
    [PRIVD_SUBJECT_PENDING_GUARDIAN] = "pending_guardian",
    [PRIVD_SUBJECT_ERASED] = "erased",
    [PRIVD_SUBJECT_REVOKED] = "revoked",
};

#define COOKIE_PREFIX "cookies."

static bool purpose_valid(enum privd_purpose p)
{
	return (int)p >= 0 && (int)p < PRIVD_PURPOSE_COUNT;
}

const char *privd_purpose_name(enum privd_purpose p)
{
	return privd_names_get(purpose_names, PRIVD_PURPOSE_COUNT, (int)p);
}

enum privd_rc privd_purpose_parse(const char *name, enum privd_purpose *out)
{
	int i = privd_names_find(purpose_names, PRIVD_PURPOSE_COUNT, name);

	if (i < 0)
		return PRIVD_ERR_INVALID;
	if (out != NULL)
		*out = (enum privd_purpose)i;
	return PRIVD_OK;
}

enum privd_rc privd_cookie_category_parse(const char *name, enum privd_purpose *out)
{
	size_t plen = strlen(COOKIE_PREFIX);
	int i;

	if (name == NULL)
		return PRIVD_ERR_INVALID;
	for (i = 0; i < PRIVD_PURPOSE_COUNT; i++) {
		if (strncmp(purpose_names[i], COOKIE_PREFIX, plen) != 0)
			continue;
		if (strcmp(name, purpose_names[i] + plen) == 0) {
			if (out != NULL)
				*out = (enum privd_purpose)i;
			return PRIVD_OK;
		}
	}
	return PRIVD_ERR_INVALID;
}

bool privd_purpose_has_text(enum privd_purpose p)
{
	return p == PRIVD_PURPOSE_PROCESSING || p == PRIVD_PURPOSE_THIRD_PARTY_TRANSFER;
}

const char *privd_subject_status_name(enum privd_subject_status s)
{
	return privd_names_get(status_names, PRIVD_SUBJECT_STATUS_COUNT, (int)s);
}

enum privd_rc privd_subject_status_parse(const char *name, enum privd_subject_status *out)
{
	int i = privd_names_find(status_names, PRIVD_SUBJECT_STATUS_COUNT, name);

	if (i < 0)
		return PRIVD_ERR_INVALID;
	if (out != NULL)
		*out = (enum privd_subject_status)i;
	return PRIVD_OK;
}

void privd_consent_state_init(struct privd_consent_state *s, enum privd_subject_status status)
{
	memset(s, 0, sizeof(*s));
	s->status = status;
}

void privd_consent_state_apply(struct privd_consent_state *s, enum privd_purpose p, bool granted, int64_t at_ms,
                               const char *policy_version)
{
	struct privd_purpose_state *ps;

	if (!purpose_valid(p))
		return;
	ps = &s->purpose[p];
	ps->recorded = true;
	ps->granted = granted;
	ps->since_ms = at_ms;
	privd_str_copy(ps->policy_version, sizeof(ps->policy_version), policy_version);
	ps->text_version[0] = '\0';
	ps->text_language = PRIVD_LANG_DEFAULT;
}

void privd_consent_state_apply_event(struct privd_consent_state *s, const struct privd_consent_event *e)
{
	enum privd_purpose p;

	if (e->seq > s->seq)
		s->seq = e->seq;
	if (privd_purpose_parse(e->purpose, &p) != PRIVD_OK)
		return; /* a purpose this version does not know */
	privd_consent_state_apply(s, p, e->granted, e->at_ms, e->policy_version);
	/* a text in a language this version does not know is kept as none: it can ask for no reconsent */
	if (e->text_version != NULL && e->text_version[0] != '\0' &&
	    privd_lang_parse(e->text_language, &s->purpose[p].text_language) == PRIVD_OK)
		privd_str_copy(s->purpose[p].text_version, sizeof(s->purpose[p].text_version), e->text_version);
}

void privd_consent_state_answer(const struct privd_consent_state *s, enum privd_purpose p, const char *current_version,
                                const char *const current_texts[PRIVD_LANG_COUNT], struct privd_consent_answer *out)
{
	const struct privd_purpose_state *ps;
	const char *text_now = NULL;

	memset(out, 0, sizeof(*out));
	out->policy_version = "";
	out->text_version = "";
	if (!purpose_valid(p))
		return;
	ps = &s->purpose[p];
	if (!ps->recorded)
		return;
	out->granted = ps->granted && s->status == PRIVD_SUBJECT_ACTIVE;
	out->since_ms = ps->since_ms;
	out->policy_version = ps->policy_version;
	/* A stored version is cut at PRIVD_POLICY_VERSION_MAX - 1 bytes; compare no further, so that a long version
	 * string does not ask for reconsent forever. */
	out->text_version = ps->text_version;
	out->reconsent_required = out->granted && current_version != NULL &&
	                          strncmp(ps->policy_version, current_version, PRIVD_POLICY_VERSION_MAX - 1) != 0;
	if (current_texts != NULL && ps->text_version[0] != '\0' && (int)ps->text_language >= 0 &&
	    ps->text_language < PRIVD_LANG_COUNT)
		text_now = current_texts[ps->text_language];
	if (out->granted && text_now != NULL && strncmp(ps->text_version, text_now, PRIVD_TEXT_VERSION_MAX - 1) != 0)
		out->reconsent_required = true;
}

enum privd_text_verdict privd_consent_text_verdict(enum privd_purpose p, bool granted, const char *given,
                                                   const char *current)
{
	if (!granted)
		return PRIVD_TEXT_OK;
	if (!privd_purpose_has_text(p))
		return given != NULL ? PRIVD_TEXT_NOT_APPLICABLE : PRIVD_TEXT_OK;
	if (given == NULL)
		return PRIVD_TEXT_MISSING;
	if (current == NULL)
		return PRIVD_TEXT_UNPUBLISHED;
	return strcmp(given, current) == 0 ? PRIVD_TEXT_OK : PRIVD_TEXT_STALE;
}

enum privd_rc privd_consent_effect(enum privd_subject_status status, enum privd_purpose p, bool granted,
                                   enum privd_consent_effect *out, const char **reason)
{
	const char *why = NULL;
	enum privd_rc rc = PRIVD_OK;

	*out = PRIVD_CONSENT_EFFECT_NONE;
	if (status == PRIVD_SUBJECT_ERASED) {
		why = "the subject's data was erased";
		rc = PRIVD_ERR_GONE;
	} else if (p == PRIVD_PURPOSE_PROCESSING && !granted) {
		*out = PRIVD_CONSENT_EFFECT_REVOKE;
	} else if (status == PRIVD_SUBJECT_REVOKED && p == PRIVD_PURPOSE_PROCESSING) {
		*out = PRIVD_CONSENT_EFFECT_RESTORE;
	} else if (status == PRIVD_SUBJECT_REVOKED && granted) {
		why =
		    "consent to processing was revoked: nothing else can be granted until processing is granted again";
		rc = PRIVD_ERR_CONFLICT;
	}
	if (reason != NULL)
		*reason = why;
	return rc;
}

#define DAY_MS (24LL * 3600 * 1000)

int64_t privd_consent_erase_after(int64_t received_ms, int days, int64_t scheduled_ms)
{
	int64_t at = received_ms + (int64_t)(days > 0 ? days : 0) * DAY_MS;

	if (scheduled_ms > 0 && scheduled_ms < at)
		at = scheduled_ms;
	return at > 0 ? at : 1;
}
