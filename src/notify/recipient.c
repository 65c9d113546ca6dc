/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * recipient.c - the transport of transfers to third parties (see recipient.h): the document a delivery carries, and
 * the headers of the contract around the shared POST. The document is written by hand, every string escaped
 * (core/jsonw.h), into notify's buffer that zeroes what it leaves behind, since it holds people's data until it is
 * sealed; its members come in a fixed order, which the contract documents.
 */
#include "recipient.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonw.h"

/* "key":"value" (escaped), or "key":null for NULL or "", after a comma unless first. */
static void member(struct privd_notify_buf *b, const char *key, const char *value, bool first)
{
	char small[256];
	size_t n;

	privd_notify_buf_puts(b, first ? "\"" : ",\"");
	privd_notify_buf_puts(b, key);
	if (value == NULL || value[0] == '\0') {
		privd_notify_buf_puts(b, "\":null");
		return;
	}
	privd_notify_buf_puts(b, "\":\"");
	n = privd_json_escape(value, small, sizeof(small));
	if (n < sizeof(small)) {
		privd_notify_buf_put(b, small, n);
	} else {
		char *big = malloc(n + 1);

		if (big == NULL) {
			b->failed = true;
			return;
		}
		privd_json_escape(value, big, n + 1);
		privd_notify_buf_put(b, big, n);
		explicit_bzero(big, n);
		free(big);
	}
	explicit_bzero(small, sizeof(small));
	privd_notify_buf_puts(b, "\"");
}

void privd_delivery_doc_begin(struct privd_delivery_doc *d, const struct privd_delivery_head *h)
{
	bool first = true;

	memset(d, 0, sizeof(*d));
	d->fields = h->fields;
	privd_notify_buf_puts(&d->b, "{");
	member(&d->b, "transfer_id", h->transfer_id, true);
	member(&d->b, "batch_id", h->batch_id, false);
	member(&d->b, "recipient_id", h->recipient_id, false);
	member(&d->b, "purpose", h->purpose, false);
	member(&d->b, "legal_basis", h->legal_basis, false);
	member(&d->b, "reference", h->reference, false);
	member(&d->b, "sent_at", h->sent_at, false);
	privd_notify_buf_puts(&d->b, ",\"fields\":[");
	for (int f = 0; f < PRIVD_TFIELD_COUNT; f++) {
		if ((h->fields & (1u << f)) == 0)
			continue;
		privd_notify_buf_printf(&d->b, "%s\"%s\"", first ? "" : ",",
		                        privd_transfer_field_name((enum privd_transfer_field)f));
		first = false;
	}
	privd_notify_buf_puts(&d->b, "],\"subjects\":[");
}

void privd_delivery_doc_add(struct privd_delivery_doc *d, const char *const values[PRIVD_TFIELD_COUNT])
{
	bool first = true;

	privd_notify_buf_puts(&d->b, d->people > 0 ? ",{" : "{");
	for (int f = 0; f < PRIVD_TFIELD_COUNT; f++) {
		if ((d->fields & (1u << f)) == 0)
			continue;
		member(&d->b, privd_transfer_field_name((enum privd_transfer_field)f), values[f], first);
		first = false;
	}
	privd_notify_buf_puts(&d->b, "}");
	d->people++;
}

enum privd_rc privd_delivery_doc_end(struct privd_delivery_doc *d, const char **text, size_t *len)
{
	privd_notify_buf_puts(&d->b, "]}");
	*text = d->b.failed ? NULL : d->b.p;
	*len = d->b.failed ? 0 : d->b.len;
	return d->b.failed ? PRIVD_ERR_NOMEM : PRIVD_OK;
}

void privd_delivery_doc_discard(struct privd_delivery_doc *d)
{
	privd_notify_buf_discard(&d->b);
	d->people = 0;
}

void privd_recipient_send(struct privd_post *p, const char *idempotency_key, const char *transfer_id,
                          const uint8_t *sealed, size_t len, struct privd_send_result *res)
{
	char idem[PRIVD_IDEMPOTENCY_KEY_MAX + 32], transfer[96];
	const char *headers[3] = {"Content-Type: application/octet-stream", idem, transfer};

	snprintf(idem, sizeof(idem), PRIVD_IDEMPOTENCY_HEADER ": %s", idempotency_key);
	snprintf(transfer, sizeof(transfer), PRIVD_TRANSFER_HEADER ": %s", transfer_id);
	privd_post_send(p, headers, 3, sealed, len, "recipient", res);
}
