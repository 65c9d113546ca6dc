/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * destruction.c - the names a destruction record is written in, and the evidence period (see destruction.h).
 *
 * The reason and the categories are stored as names (the categories as one comma-separated list in one column),
 * so, as for every typed state, a table indexed by the enum (or by the bit) is the whole vocabulary and a name
 * read back that is not in it is refused rather than guessed.
 */
#include "destruction.h"

#include <string.h>

#include "calendar.h"
#include "names.h"

static const char *const reason_names[PRIVD_DESTRUCTION_REASON_COUNT] = {
    [PRIVD_DESTRUCTION_ERASE_REQUEST] = "erase_request",
    [PRIVD_DESTRUCTION_CONSENT_REVOKED] = "consent_revoked",
};

static const char *const category_names[PRIVD_DESTRUCTION_CATEGORY_COUNT] = {
    "name",
    "email",
    "phone",
    "ip",
    "birth_date",
    "residence_country",
    "consent_records",
    "request_documents",
    "request_details",
    "notifications",
};

const char *privd_destruction_reason_name(enum privd_destruction_reason r)
{
	return privd_names_get(reason_names, PRIVD_DESTRUCTION_REASON_COUNT, (int)r);
}

enum privd_rc privd_destruction_reason_parse(const char *name, enum privd_destruction_reason *out)
{
	int i = privd_names_find(reason_names, PRIVD_DESTRUCTION_REASON_COUNT, name);

	if (i < 0)
		return PRIVD_ERR_INVALID;
	if (out != NULL)
		*out = (enum privd_destruction_reason)i;
	return PRIVD_OK;
}

const char *privd_destruction_category_name(int i)
{
	return i >= 0 && i < PRIVD_DESTRUCTION_CATEGORY_COUNT ? category_names[i] : NULL;
}

size_t privd_destruction_categories_format(unsigned mask, char *out, size_t len)
{
	size_t need = 0, used = 0;
	bool cut = false;

	if (len > 0)
		out[0] = '\0';
	for (int i = 0; i < PRIVD_DESTRUCTION_CATEGORY_COUNT; i++) {
		size_t n;

		if ((mask & (1u << i)) == 0)
			continue;
		n = strlen(category_names[i]) + (need > 0 ? 1 : 0);
		if (!cut && used + n < len) {
			if (need > 0)
				out[used++] = ',';
			memcpy(out + used, category_names[i], strlen(category_names[i]) + 1);
			used += strlen(category_names[i]);
		} else {
			cut = true;
		}
		need += n;
	}
	return need;
}

enum privd_rc privd_destruction_categories_parse(const char *list, unsigned *mask)
{
	unsigned m = 0;
	const char *p = list;

	if (list == NULL)
		return PRIVD_ERR_INVALID;
	while (*p != '\0') {
		size_t n = strcspn(p, ",");
		int i = 0;

		while (i < PRIVD_DESTRUCTION_CATEGORY_COUNT &&
		       !(strlen(category_names[i]) == n && strncmp(category_names[i], p, n) == 0))
			i++;
		if (i == PRIVD_DESTRUCTION_CATEGORY_COUNT)
			return PRIVD_ERR_INVALID;
		m |= 1u << i;
		p += n;
		if (*p == ',') {
			p++;
			if (*p == '\0')
				return PRIVD_ERR_INVALID; /* a trailing comma names nothing */
		}
	}
	*mask = m;
	return PRIVD_OK;
}

int64_t privd_evidence_cutoff(int64_t now_ms, int evidence_years)
{
	return (int64_t)privd_years_before_ms(now_ms, evidence_years > 0 ? evidence_years : 0);
}
