/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * consent.h - consent purposes and the current state derived from the append-only record.
 *
 * The state of one subject fits in a small fixed struct so that the consent check, the hot path, answers
 * from memory without touching PII. A purpose is granted when its latest record grants it and the subject
 * is active (a pending_guardian minor has no granted consent, whatever they grant themselves; a revoked subject
 * none at all). reconsent_required is true when the grant was given under a policy version other than the
 * current one, or names a consent text other than the one current in its language.
 *
 * Consent to processing is the one the others stand on (152-FZ Art. 9 p.2, Art. 21 p.5): its revocation stops
 * every processing at once (the subject becomes revoked and its destruction is scheduled 30 days after the
 * revocation was received), and while revoked nothing but a fresh grant of processing is accepted, which returns
 * the subject to the status it had and cancels the destruction. privd_consent_effect says which of these a record
 * does; the service carries it out.
 *
 * Consent texts (152-FZ Art. 9 as amended by 156-FZ, in force 01.09.2025): consent to processing and consent to
 * transfer to third parties are each a document of its own, published in versions per language; a grant of either
 * names the version the person was shown. Cookie categories have no such text (the banner carries its own).
 */
#ifndef PRIVD_CORE_CONSENT_H
#define PRIVD_CORE_CONSENT_H

#include <stdbool.h>
#include <stdint.h>

#include "lang.h"
#include "rc.h"

enum privd_purpose {
	PRIVD_PURPOSE_PROCESSING = 0,
	PRIVD_PURPOSE_THIRD_PARTY_TRANSFER,
	PRIVD_PURPOSE_COOKIES_PREFERENCES,
	PRIVD_PURPOSE_COOKIES_ANALYTICS,
	PRIVD_PURPOSE_COOKIES_MARKETING,
	PRIVD_PURPOSE_COUNT
};

/* A subject's status; its name is what the subjects table holds and the API shows. */
enum privd_subject_status {
	PRIVD_SUBJECT_ACTIVE = 0,
	PRIVD_SUBJECT_PENDING_GUARDIAN, /* an EU/EEA minor until a guardian consents */
	PRIVD_SUBJECT_ERASED,           /* a tombstone: the data is gone */
	PRIVD_SUBJECT_REVOKED,          /* consent to processing revoked: nothing processed, destruction scheduled */
	PRIVD_SUBJECT_STATUS_COUNT
};

#define PRIVD_POLICY_VERSION_MAX 64
/* A consent text's version is a name like a policy's: 1..63 of [A-Za-z0-9._-]. */
#define PRIVD_TEXT_VERSION_MAX PRIVD_POLICY_VERSION_MAX

/* "processing", "third_party_transfer", "cookies.preferences", ... Never NULL for a valid purpose. */
const char *privd_purpose_name(enum privd_purpose p);

/* Parses a purpose name; PRIVD_ERR_INVALID for anything else. */
enum privd_rc privd_purpose_parse(const char *name, enum privd_purpose *out);

/* Parses the short cookie category used in registration ("preferences", "analytics", "marketing"). */
enum privd_rc privd_cookie_category_parse(const char *name, enum privd_purpose *out);

/* Whether a grant of p names a consent text: processing and third_party_transfer do, cookie categories do not. */
bool privd_purpose_has_text(enum privd_purpose p);

/* "active", "pending_guardian", "erased", "revoked"; "unknown" outside the enum. Never NULL. */
const char *privd_subject_status_name(enum privd_subject_status s);

/* Parses a status name exactly; PRIVD_ERR_INVALID for anything else, including NULL, and *out is then left
 * unchanged. out may be NULL. */
enum privd_rc privd_subject_status_parse(const char *name, enum privd_subject_status *out);

struct privd_purpose_state {
	bool recorded;                                 /* at least one record exists */
	bool granted;                                  /* value of the latest record */
	int64_t since_ms;                              /* time of the latest record (UTC ms); 0 when none */
	char policy_version[PRIVD_POLICY_VERSION_MAX]; /* policy version of the latest record */
	char text_version[PRIVD_TEXT_VERSION_MAX];     /* consent text it names; "" when none */
	enum privd_lang text_language;                 /* the text's language, when it names one */
};

struct privd_consent_state {
	enum privd_subject_status status;
	struct privd_purpose_state purpose[PRIVD_PURPOSE_COUNT];
	int64_t seq; /* the newest record applied, by its place in the log; 0 when none, or not known */
};

/* A freshly registered subject with no records. Cannot fail. */
void privd_consent_state_init(struct privd_consent_state *s, enum privd_subject_status status);

/* Applies one record that names no consent text (records must be applied in the order they were appended).
 * Cannot fail. */
void privd_consent_state_apply(struct privd_consent_state *s, enum privd_purpose p, bool granted, int64_t at_ms,
                               const char *policy_version);

/* One record of the append-only consent log as it is stored (the purpose by name): an event of the derivation. */
struct privd_consent_event {
	const char *purpose;        /* "processing", "cookies.analytics", ... (privd_purpose_parse) */
	bool granted;               /* a grant, or a refusal or revocation */
	int64_t at_ms;              /* when it was recorded (UTC ms) */
	const char *policy_version; /* the policy version it was given under; NULL or "" when none */
	const char *text_version;   /* the consent text it names; NULL or "" when none */
	const char *text_language;  /* that text's language ("ru", "en"); a text in another is taken as none */
	int64_t seq;                /* its place in the log once appended; 0 when not known (yet) */
};

/* Derives a subject's consent state from the stored records: start with privd_consent_state_init (the subject's
 * status) and apply every record of the subject with this, oldest first (in the order they were appended). For
 * the record's purpose the latest record wins: a grant, a revocation or a grant again replaces what the earlier
 * records said, with its time and policy version; the other purposes are untouched. A record whose purpose this
 * version of privd does not know (written by a newer version, or a purpose since retired) is skipped, so that it
 * can neither fail the derivation nor change the state. Cannot fail. */
void privd_consent_state_apply_event(struct privd_consent_state *s, const struct privd_consent_event *e);

/* The answer of a consent check. */
struct privd_consent_answer {
	bool granted; /* effective: latest record grants it and the subject is active */
	int64_t since_ms;
	const char *policy_version; /* points into the state; "" when no record */
	const char *text_version;   /* points into the state; "" when the record names no consent text */
	bool reconsent_required;    /* granted under another policy version or another text than the current ones */
};

/* Cannot fail. current_version may be NULL (then the policy asks for no reconsent). current_texts, when not NULL,
 * holds the current version of p's consent text in each language (NULL where none is published): a grant that
 * names a text asks for reconsent when its language's current version is another one. A grant that names none
 * (given before consent texts existed, or through a guardian's signed request) is judged by the policy alone. */
void privd_consent_state_answer(const struct privd_consent_state *s, enum privd_purpose p, const char *current_version,
                                const char *const current_texts[PRIVD_LANG_COUNT], struct privd_consent_answer *out);

/* The consent texts published now: for each purpose and language the current version, NULL where none is (and
 * always for the cookie categories). */
struct privd_text_versions {
	const char *current[PRIVD_PURPOSE_COUNT][PRIVD_LANG_COUNT];
};

/* The problem type of a grant that names a consent text other than the current one (409): show the current text
 * and ask again. */
#define PRIVD_PROBLEM_RECONSENT "reconsent-required"

/* What a grant's consent text comes to (Art. 9 as amended by 156-FZ: the person agrees to a separate document, and
 * to the one published now). */
enum privd_text_verdict {
	PRIVD_TEXT_OK,             /* names the current version, or need name none (a refusal, a cookie category) */
	PRIVD_TEXT_MISSING,        /* a grant of processing or third_party_transfer names no version */
	PRIVD_TEXT_NOT_APPLICABLE, /* a version given for a cookie category, which has no consent text */
	PRIVD_TEXT_UNPUBLISHED,    /* no text for the purpose is published in the grant's language */
	PRIVD_TEXT_STALE           /* names a version that is not the current one: the person must be asked again */
};
/* given: the version the grant names (NULL: none); current: the version published now for p in the grant's
 * language (NULL: none). A refusal (granted false) is always PRIVD_TEXT_OK, whatever it names. Cannot fail. */
enum privd_text_verdict privd_consent_text_verdict(enum privd_purpose p, bool granted, const char *given,
                                                   const char *current);

/* What one consent record does to its subject's status. */
enum privd_consent_effect {
	PRIVD_CONSENT_EFFECT_NONE = 0, /* recorded; the status stays */
	PRIVD_CONSENT_EFFECT_REVOKE,   /* processing revoked: every purpose withdrawn, the subject revoked, its
	                                * destruction scheduled (privd_consent_erase_after) */
	PRIVD_CONSENT_EFFECT_RESTORE   /* processing granted to a revoked subject: back to the status it had before
	                                * the revocation, the scheduled destruction cancelled */
};

/*
 * The effect of a record of purpose p (granted or not) on a subject in status. A revocation of processing revokes
 * whatever the status (a pending_guardian minor too; a revoked subject stays revoked, the destruction already
 * scheduled kept when it is earlier). While revoked, a grant of processing restores and a grant of any other
 * purpose is refused: PRIVD_ERR_CONFLICT, *reason (may be NULL) a static sentence for the person. An erased
 * subject takes no record: PRIVD_ERR_GONE. On PRIVD_OK *reason is NULL. Cannot fail otherwise.
 */
enum privd_rc privd_consent_effect(enum privd_subject_status status, enum privd_purpose p, bool granted,
                                   enum privd_consent_effect *out, const char **reason);

/*
 * When the data of a subject whose revocation of processing was received at received_ms (UTC ms) is destroyed:
 * days calendar days (of 24 hours) after receipt (152-FZ Art. 21 p.5: 30), or scheduled_ms when a destruction is
 * already scheduled earlier (scheduled_ms 0: none). A later revocation never postpones the destruction. days < 0
 * counts as 0; the result is at least 1, so that 0 keeps meaning "none". Cannot fail.
 */
int64_t privd_consent_erase_after(int64_t received_ms, int days, int64_t scheduled_ms);

#endif
