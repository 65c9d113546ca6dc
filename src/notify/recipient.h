/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * recipient.h - a transfer to a third party on the wire: one HTTPS POST of a sealed box to the recipient's endpoint.
 *
 * The contract a recipient implements: the body is the sealed box itself (Content-Type: application/octet-stream),
 * which it opens with its X25519 private key (crypto_box_seal_open, or any sealed-box implementation) into a JSON
 * document (docs/api.md, "Transfers"); the header Idempotency-Key names this delivery and stays the same when privd
 * sends the same people again after a failure, so a recipient that already took it answers 2xx and drops the
 * repeat; X-Privd-Transfer names the transfer. A 2xx answer means the data was taken. The headers carry ids only.
 */
#ifndef PRIVD_NOTIFY_RECIPIENT_H
#define PRIVD_NOTIFY_RECIPIENT_H

#include <stddef.h>
#include <stdint.h>

#include "core/transfer.h"
#include "notify/buf.h"
#include "notify/post.h"

#define PRIVD_IDEMPOTENCY_HEADER "Idempotency-Key"
#define PRIVD_TRANSFER_HEADER "X-Privd-Transfer"
#define PRIVD_IDEMPOTENCY_KEY_MAX 80

/* What a delivery says of itself, at the head of its document. Strings borrowed for the call; reference may be NULL
 * or "" (null in the document). */
struct privd_delivery_head {
	const char *transfer_id, *batch_id, *recipient_id, *purpose, *legal_basis, *reference, *sent_at;
	unsigned fields; /* enum privd_transfer_field bits: what each person's record holds */
};

/* The JSON document a delivery carries (docs/api.md, "On the wire"), written one person at a time into a buffer that
 * is zeroed as it grows: it holds people's data until it is sealed. Start with privd_delivery_doc_begin, add each
 * person, then take the text with privd_delivery_doc_end, or drop it with privd_delivery_doc_discard. */
struct privd_delivery_doc {
	struct privd_notify_buf b;
	unsigned fields;
	size_t people;
};
void privd_delivery_doc_begin(struct privd_delivery_doc *d, const struct privd_delivery_head *h);
/* One person's record: exactly the head's fields, from values (indexed by enum privd_transfer_field; NULL or "" is
 * null). Cannot fail: a failed allocation makes privd_delivery_doc_end return NULL. */
void privd_delivery_doc_add(struct privd_delivery_doc *d, const char *const values[PRIVD_TFIELD_COUNT]);
/* Closes the document: *text points into d (NUL-terminated, *len bytes) until privd_delivery_doc_discard.
 * PRIVD_ERR_NOMEM when an append failed. */
enum privd_rc privd_delivery_doc_end(struct privd_delivery_doc *d, const char **text, size_t *len);
/* Zeroes and frees the document; d is empty afterwards. */
void privd_delivery_doc_discard(struct privd_delivery_doc *d);

/* Posts the len bytes of sealed to the recipient p posts to, with idempotency_key (at most
 * PRIVD_IDEMPOTENCY_KEY_MAX - 1 characters of [A-Za-z0-9._-]) and transfer_id. The verdict as privd_post_send's;
 * never fails as a call. */
void privd_recipient_send(struct privd_post *p, const char *idempotency_key, const char *transfer_id,
                          const uint8_t *sealed, size_t len, struct privd_send_result *res);

#endif
