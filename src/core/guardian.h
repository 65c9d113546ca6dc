/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * guardian.h - a guardian's consent for a minor (GDPR Art. 8, COPPA; under 152-FZ a legal representative's):
 * who the guardian is and which purposes they consent to.
 *
 * An EU/EEA resident under the age of consent is registered pending_guardian, and nothing they grant themselves
 * becomes effective. The guardian's consent arrives as a rights request of type guardian_consent with a signed
 * document; its details name the guardian (a name, their relation to the minor, an e-mail or a phone number to
 * reach them) and the purposes they choose, in the shape registration takes. Executed, it makes exactly those
 * purposes effective and no other. The check is registration's: every field at fault named at once, in the API's
 * own words (under "details."), never with its value, which is PII.
 */
#ifndef PRIVD_CORE_GUARDIAN_H
#define PRIVD_CORE_GUARDIAN_H

#include <stdbool.h>

#include "consent.h"
#include "rc.h"
#include "validate.h"

#define PRIVD_GUARDIAN_RELATION_MAX 64 /* bytes of UTF-8 */

/* The details as received: strings NULL when absent. */
struct privd_guardian_input {
	bool has_guardian;                           /* details.guardian was given (an object) */
	const char *name, *relation, *email, *phone; /* its members */
	bool has_consents;                           /* details.consents was given (an object) */
	int processing;                              /* -1 absent, 0 false, 1 true */
	int third_party_transfer;                    /* -1 absent (= false), 0, 1 */
	bool cookies[3];                             /* preferences, analytics, marketing */
};

/* The details normalised as validate.h does at registration; "" where absent. Holds PII: the caller zeroes it. */
struct privd_guardian {
	char name[PRIVD_NAME_MAX_BYTES + 1];
	char relation[PRIVD_GUARDIAN_RELATION_MAX + 1];
	char email[PRIVD_EMAIL_MAX + 1];
	char phone[PRIVD_PHONE_MAX + 1];
	bool granted[PRIVD_PURPOSE_COUNT]; /* what the guardian consents to, by enum privd_purpose */
};

/*
 * Checks a guardian's consent: details.guardian with its name, relation (1 to 64 bytes, as a name is checked) and
 * an e-mail or a phone number (validated as at registration; both may be given), and details.consents with
 * processing true (a guardian's consent is consent to processing, as registering is). PRIVD_ERR_INVALID naming
 * every field at fault in err; on PRIVD_OK out holds the normalised guardian and the purposes granted. On failure
 * out may hold part of the details: the caller zeroes it either way. err may be NULL.
 */
enum privd_rc privd_guardian_check(const struct privd_guardian_input *in, struct privd_guardian *out,
                                   struct privd_err *err);

#endif
