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

#include "notify/post.h"

#define PRIVD_IDEMPOTENCY_HEADER "Idempotency-Key"
#define PRIVD_TRANSFER_HEADER "X-Privd-Transfer"
#define PRIVD_IDEMPOTENCY_KEY_MAX 80

/* Posts the len bytes of sealed to the recipient p posts to, with idempotency_key (at most
 * PRIVD_IDEMPOTENCY_KEY_MAX - 1 characters of [A-Za-z0-9._-]) and transfer_id. The verdict as privd_post_send's;
 * never fails as a call. */
void privd_recipient_send(struct privd_post *p, const char *idempotency_key, const char *transfer_id,
                          const uint8_t *sealed, size_t len, struct privd_send_result *res);

#endif
