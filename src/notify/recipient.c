/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * recipient.c - the transport of transfers to third parties (see recipient.h): the headers of the contract around
 * the shared POST.
 */
#include "recipient.h"

#include <stdio.h>

void privd_recipient_send(struct privd_post *p, const char *idempotency_key, const char *transfer_id,
                          const uint8_t *sealed, size_t len, struct privd_send_result *res)
{
	char idem[PRIVD_IDEMPOTENCY_KEY_MAX + 32], transfer[96];
	const char *headers[3] = {"Content-Type: application/octet-stream", idem, transfer};

	snprintf(idem, sizeof(idem), PRIVD_IDEMPOTENCY_HEADER ": %s", idempotency_key);
	snprintf(transfer, sizeof(transfer), PRIVD_TRANSFER_HEADER ": %s", transfer_id);
	privd_post_send(p, headers, 3, sealed, len, "recipient", res);
}
