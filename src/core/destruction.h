/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * destruction.h - what a destruction record (act) says, and how long what remains after an erasure is kept.
 *
 * RKN Order No. 179 of 28.10.2022 makes an operator prove every destruction of personal data processed by
 * automated means with an act and an extract from the system's event log, both kept 3 years. The act names the
 * person only by "other information identifying" them, so privd's act carries the pseudonymous subject id, never
 * a name, and says why the data went (the reason), which categories of data went and how (the method). Those are
 * fixed names stored in the record and shown by the API, so they are part of the data format and never change.
 * After an erasure some things stay on purpose as evidence (the tombstone, the request rows with the scan's
 * SHA-256, the outbox rows without address or text, the act itself): they are kept for an evidence period counted
 * in calendar years and then purged; privd_evidence_cutoff says from when. Pure: the clock is passed in.
 */
#ifndef PRIVD_CORE_DESTRUCTION_H
#define PRIVD_CORE_DESTRUCTION_H

#include <stddef.h>
#include <stdint.h>

#include "rc.h"

/* Why the data was destroyed. */
enum privd_destruction_reason {
	PRIVD_DESTRUCTION_ERASE_REQUEST = 0, /* the person's erase request, carried out (152-FZ Art. 14, 21) */
	PRIVD_DESTRUCTION_CONSENT_REVOKED,   /* consent to processing revoked and its period run out (Art. 21 p.5) */
	PRIVD_DESTRUCTION_REASON_COUNT
};

/* "erase_request", "consent_revoked"; "unknown" outside the enum. Never NULL. */
const char *privd_destruction_reason_name(enum privd_destruction_reason r);
/* Parses a reason name exactly; PRIVD_ERR_INVALID for anything else (NULL included), *out then unchanged. out may
 * be NULL. */
enum privd_rc privd_destruction_reason_parse(const char *name, enum privd_destruction_reason *out);

/* The categories of data a destruction can take, as bits of a mask. */
enum privd_destruction_category {
	PRIVD_DESTROYED_NAME = 1u << 0,
	PRIVD_DESTROYED_EMAIL = 1u << 1,
	PRIVD_DESTROYED_PHONE = 1u << 2,
	PRIVD_DESTROYED_IP = 1u << 3,
	PRIVD_DESTROYED_BIRTH_DATE = 1u << 4,
	PRIVD_DESTROYED_RESIDENCE_COUNTRY = 1u << 5,
	PRIVD_DESTROYED_CONSENT_RECORDS = 1u << 6,   /* with the IP each was given from */
	PRIVD_DESTROYED_REQUEST_DOCUMENTS = 1u << 7, /* the scanned, signed documents */
	PRIVD_DESTROYED_REQUEST_DETAILS = 1u << 8,   /* what requests asked and the reasons given */
	PRIVD_DESTROYED_NOTIFICATIONS = 1u << 9,     /* the addresses and texts of notices */
};
#define PRIVD_DESTRUCTION_CATEGORY_COUNT 10

/* The name of bit number i (0 .. PRIVD_DESTRUCTION_CATEGORY_COUNT - 1): "name", "email", "phone", "ip",
 * "birth_date", "residence_country", "consent_records", "request_documents", "request_details", "notifications";
 * NULL outside that range. */
const char *privd_destruction_category_name(int i);

/* The names of the categories in mask, in bit order, joined by ',' into out ("" for none). Returns the length the
 * whole list needs (without the NUL): when that is len or more, out holds what fitted, cut at a name's end. 160
 * bytes always suffice. This function can't fail. */
size_t privd_destruction_categories_format(unsigned mask, char *out, size_t len);

/* The mask of a list as privd_destruction_categories_format writes it ("" is no category). PRIVD_ERR_INVALID for
 * a name that is not a category (or NULL), *mask then unchanged. */
enum privd_rc privd_destruction_categories_parse(const char *list, unsigned *mask);

/* The one method privd destroys by: the person's data key destroyed and every row holding their data deleted or
 * emptied (crypto-shredding). Stored and shown as this name. */
#define PRIVD_DESTRUCTION_METHOD "crypto_shredding"

/* The instant before which an erasure must have happened for what it left behind to have been kept
 * evidence_years (0 or more) by now_ms: the same instant that many calendar years earlier (0: now_ms itself, so
 * everything already erased is past its period). This function can't fail. */
int64_t privd_evidence_cutoff(int64_t now_ms, int evidence_years);

#endif
