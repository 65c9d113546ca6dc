/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * transfer.c - the rules of transfers to third parties (see transfer.h): names, the verdict on each person, the
 * recipient's endpoint, the window of a transfer abroad.
 *
 * The endpoint check is written for the one thing that matters here: personal data leaves privd only encrypted in
 * transit too, so plain http:// is refused unless it cannot leave the machine. The host is read the way libcurl
 * reads it (scheme, optional user info, host or [IPv6], port), and anything that would make the reading ambiguous
 * (white space, control characters, user info, a backslash) is refused rather than guessed at.
 */
#include "transfer.h"

#include <stdio.h>
#include <string.h>

#include "names.h"

static const char *const basis_names[PRIVD_BASIS_COUNT] = {
    [PRIVD_BASIS_CONSENT] = "consent",
    [PRIVD_BASIS_COURT_DECISION] = "court_decision",
    [PRIVD_BASIS_LAW] = "law",
    [PRIVD_BASIS_PROTECTION_OF_RIGHTS] = "protection_of_rights",
};

static const char *const field_names[PRIVD_TFIELD_COUNT] = {
    [PRIVD_TFIELD_NAME] = "name",
    [PRIVD_TFIELD_EMAIL] = "email",
    [PRIVD_TFIELD_PHONE] = "phone",
    [PRIVD_TFIELD_IP] = "ip",
    [PRIVD_TFIELD_BIRTH_DATE] = "birth_date",
    [PRIVD_TFIELD_RESIDENCE_COUNTRY] = "residence_country",
};

static const char *const outcome_names[PRIVD_DISCLOSURE_OUTCOME_COUNT] = {
    [PRIVD_DISCLOSURE_QUEUED] = "queued",
    [PRIVD_DISCLOSURE_DELIVERED] = "delivered",
    [PRIVD_DISCLOSURE_REFUSED] = "refused",
    [PRIVD_DISCLOSURE_FAILED] = "failed",
};

static const char *const refusal_names[PRIVD_REFUSAL_COUNT] = {
    [PRIVD_REFUSAL_NONE] = "",
    [PRIVD_REFUSAL_NOT_FOUND] = "not_found",
    [PRIVD_REFUSAL_ERASED] = "erased",
    [PRIVD_REFUSAL_REVOKED] = "revoked",
    [PRIVD_REFUSAL_PENDING_GUARDIAN] = "pending_guardian",
    [PRIVD_REFUSAL_NO_CONSENT] = "no_consent",
    [PRIVD_REFUSAL_RECONSENT_REQUIRED] = "reconsent_required",
};

/* The index of name in a table, into *out as an int-sized enum; PRIVD_ERR_INVALID when it is none. */
static enum privd_rc find(const char *const *names, int n, const char *name, int *out)
{
	int i = privd_names_find(names, n, name);

	if (i < 0)
		return PRIVD_ERR_INVALID;
	*out = i;
	return PRIVD_OK;
}

const char *privd_legal_basis_name(enum privd_legal_basis b)
{
	return privd_names_get(basis_names, PRIVD_BASIS_COUNT, (int)b);
}

enum privd_rc privd_legal_basis_parse(const char *name, enum privd_legal_basis *out)
{
	int i = 0;
	enum privd_rc rc = find(basis_names, PRIVD_BASIS_COUNT, name, &i);

	if (rc == PRIVD_OK)
		*out = (enum privd_legal_basis)i;
	return rc;
}

bool privd_legal_basis_needs_reference(enum privd_legal_basis b)
{
	return b != PRIVD_BASIS_CONSENT;
}

const char *privd_transfer_field_name(enum privd_transfer_field f)
{
	return privd_names_get(field_names, PRIVD_TFIELD_COUNT, (int)f);
}

enum privd_rc privd_transfer_field_parse(const char *name, enum privd_transfer_field *out)
{
	int i = 0;
	enum privd_rc rc = find(field_names, PRIVD_TFIELD_COUNT, name, &i);

	if (rc == PRIVD_OK)
		*out = (enum privd_transfer_field)i;
	return rc;
}

void privd_transfer_fields_format(unsigned mask, char *out, size_t outlen)
{
	size_t at = 0;

	if (outlen == 0)
		return;
	out[0] = '\0';
	for (int f = 0; f < PRIVD_TFIELD_COUNT; f++) {
		int n;

		if ((mask & (1u << f)) == 0)
			continue;
		n = snprintf(out + at, outlen - at, "%s%s", at > 0 ? "," : "", field_names[f]);
		if (n < 0 || (size_t)n >= outlen - at)
			return;
		at += (size_t)n;
	}
}

enum privd_rc privd_transfer_fields_parse(const char *text, unsigned *out)
{
	unsigned mask = 0;
	char name[32];

	if (text == NULL)
		return PRIVD_ERR_INVALID;
	for (const char *p = text; *p != '\0';) {
		size_t n = strcspn(p, ",");
		enum privd_transfer_field f;

		if (n == 0 || n >= sizeof(name))
			return PRIVD_ERR_INVALID;
		memcpy(name, p, n);
		name[n] = '\0';
		if (privd_transfer_field_parse(name, &f) != PRIVD_OK)
			return PRIVD_ERR_INVALID;
		mask |= 1u << f;
		p += n;
		if (*p == ',' && *++p == '\0')
			return PRIVD_ERR_INVALID; /* a trailing comma */
	}
	*out = mask;
	return PRIVD_OK;
}

const char *privd_disclosure_outcome_name(enum privd_disclosure_outcome o)
{
	return privd_names_get(outcome_names, PRIVD_DISCLOSURE_OUTCOME_COUNT, (int)o);
}

enum privd_rc privd_disclosure_outcome_parse(const char *name, enum privd_disclosure_outcome *out)
{
	int i = 0;
	enum privd_rc rc = find(outcome_names, PRIVD_DISCLOSURE_OUTCOME_COUNT, name, &i);

	if (rc == PRIVD_OK)
		*out = (enum privd_disclosure_outcome)i;
	return rc;
}

const char *privd_refusal_name(enum privd_refusal r)
{
	return privd_names_get(refusal_names, PRIVD_REFUSAL_COUNT, (int)r);
}

enum privd_rc privd_refusal_parse(const char *name, enum privd_refusal *out)
{
	int i = 0;
	enum privd_rc rc = find(refusal_names, PRIVD_REFUSAL_COUNT, name, &i);

	if (rc == PRIVD_OK)
		*out = (enum privd_refusal)i;
	return rc;
}

enum privd_refusal privd_transfer_verdict(enum privd_legal_basis b, bool exists, enum privd_subject_status status,
                                          const struct privd_consent_answer *transfer)
{
	if (!exists)
		return PRIVD_REFUSAL_NOT_FOUND;
	if (status == PRIVD_SUBJECT_ERASED)
		return PRIVD_REFUSAL_ERASED;
	if (b != PRIVD_BASIS_CONSENT)
		return PRIVD_REFUSAL_NONE;
	if (status == PRIVD_SUBJECT_REVOKED)
		return PRIVD_REFUSAL_REVOKED;
	if (status == PRIVD_SUBJECT_PENDING_GUARDIAN)
		return PRIVD_REFUSAL_PENDING_GUARDIAN;
	if (status != PRIVD_SUBJECT_ACTIVE || transfer == NULL || !transfer->granted)
		return PRIVD_REFUSAL_NO_CONSENT;
	if (transfer->reconsent_required)
		return PRIVD_REFUSAL_RECONSENT_REQUIRED;
	return PRIVD_REFUSAL_NONE;
}

/* ---- recipients ---- */

static enum privd_rc refuse(const char **reason, const char *why)
{
	if (reason != NULL)
		*reason = why;
	return PRIVD_ERR_INVALID;
}

/* Whether host (n bytes, brackets of an IPv6 literal removed) names this machine: 127.0.0.0/8, ::1, localhost. */
static bool loopback(const char *host, size_t n)
{
	unsigned a, b, c, d;
	char buf[64], tail;

	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, host, n);
	buf[n] = '\0';
	if (strcmp(buf, "localhost") == 0 || strcmp(buf, "::1") == 0)
		return true;
	if (sscanf(buf, "%3u.%3u.%3u.%3u%c", &a, &b, &c, &d, &tail) != 4)
		return false;
	return a == 127 && b <= 255 && c <= 255 && d <= 255 && strspn(buf, "0123456789.") == n;
}

enum privd_rc privd_recipient_endpoint_check(const char *url, const char **reason)
{
	const char *host, *end;
	bool tls;
	size_t n;

	if (url == NULL || url[0] == '\0')
		return refuse(reason, "is required");
	if (strlen(url) >= PRIVD_ENDPOINT_MAX)
		return refuse(reason, "is longer than 1023 bytes");
	for (const unsigned char *p = (const unsigned char *)url; *p != '\0'; p++)
		if (*p <= 0x20 || *p >= 0x7F || *p == '\\')
			return refuse(reason, "must be an ASCII URL without spaces or control characters");
	tls = strncmp(url, "https://", 8) == 0;
	if (!tls && strncmp(url, "http://", 7) != 0)
		return refuse(reason, "must be an https:// URL");
	host = url + (tls ? 8 : 7);
	n = strcspn(host, "/?#");
	if (memchr(host, '@', n) != NULL)
		return refuse(reason, "must not hold a user name or password");
	if (host[0] == '[') {
		end = memchr(host, ']', n);
		if (end == NULL || (end + 1 < host + n && end[1] != ':'))
			return refuse(reason, "has a malformed host");
		host++;
		n = (size_t)(end - host);
	} else {
		end = memchr(host, ':', n);
		if (end != NULL)
			n = (size_t)(end - host);
	}
	if (n == 0)
		return refuse(reason, "has no host");
	if (!tls && !loopback(host, n))
		return refuse(reason, "must be an https:// URL (http:// only to the loopback host)");
	if (reason != NULL)
		*reason = NULL;
	return PRIVD_OK;
}

enum privd_rc privd_transfer_text_check(const char *s, size_t max, const char **reason)
{
	char buf[PRIVD_NAME_MAX_BYTES + 1];
	enum privd_rc rc;

	if (s == NULL)
		return refuse(reason, "is required");
	if (strlen(s) > max || max > PRIVD_NAME_MAX_BYTES)
		return refuse(reason, "is too long");
	rc = privd_validate_name(s, buf, sizeof(buf), reason);
	return rc == PRIVD_OK ? PRIVD_OK : PRIVD_ERR_INVALID;
}

bool privd_recipient_cross_border(const char *country)
{
	return country == NULL || strcmp(country, "RU") != 0;
}

void privd_cross_border_not_before(const struct privd_calendar *c, const struct privd_date *filed_on, bool adequate,
                                   struct privd_date *out, bool *estimated)
{
	if (estimated != NULL)
		*estimated = false;
	if (adequate) {
		*out = *filed_on;
		return;
	}
	privd_calendar_add_working_days(c, filed_on, PRIVD_CROSS_BORDER_REVIEW_DAYS, out, estimated);
	privd_date_next(out);
}
