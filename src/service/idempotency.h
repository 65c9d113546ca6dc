/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * idempotency.h - Idempotency-Key on every POST: a request sent again with the same key, by the same API key or
 * console session, within 24 hours gets the first one's response again and changes nothing.
 *
 * The edge (http/) calls privd_idem_begin before the handler, which either answers from what is kept or arms a
 * record on the calling thread; the first write job the handler then submits carries that record into its own
 * transaction (store/writer.h's tag), so the key is known exactly when the write is durable. Once the handler has
 * rendered its answer, privd_idem_finish keeps it (sealed) before it is sent: what a client was told is what a
 * replay tells it. See docs/api.md ("Idempotency-Key") and docs/security.md for what is kept and why.
 */
#ifndef PRIVD_SERVICE_IDEMPOTENCY_H
#define PRIVD_SERVICE_IDEMPOTENCY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/rc.h"
#include "service/service.h"

/* How long a response is kept and answers replays. */
#define PRIVD_IDEM_TTL_MS ((int64_t)24 * 60 * 60 * 1000)
/* The longest key accepted. */
#define PRIVD_IDEM_KEY_MAX 255

enum privd_idem_verdict {
	PRIVD_IDEM_NEW = 0,   /* unknown key: run the request (a record is armed on this thread) */
	PRIVD_IDEM_REPLAY,    /* answer with the kept response */
	PRIVD_IDEM_MISMATCH,  /* the key was used for another request (method, path or body differ): 422 */
	PRIVD_IDEM_IN_FLIGHT, /* the key's first request has not finished, or took effect without its answer kept: 409
	                       */
	PRIVD_IDEM_ERASED     /* the kept answer belonged to a person since erased: 410 */
};

/* A response as kept and replayed. */
struct privd_idem_response {
	unsigned status;
	char content_type[128];
	char location[512];
	char etag[80];
	char *body; /* replay: malloc'd (privd_idem_response_clear); finish: borrowed */
	size_t len;
};

struct privd_idem;

/* Whether requests of who can carry a key: an API key, a console session or a portal session (a public route has
 * no one to scope a key to). Cannot fail. */
bool privd_idem_scoped(const struct privd_principal *who);
/* True for a key privd accepts: 1 to PRIVD_IDEM_KEY_MAX visible ASCII characters. Cannot fail. */
bool privd_idem_key_valid(const char *key);

/* Looks key up for who (privd_idem_scoped must hold) and a request of method on path with body (len bytes).
 * *verdict says what to do: for PRIVD_IDEM_REPLAY, *replay is filled (the caller clears it); for PRIVD_IDEM_NEW,
 * *out is the request's record (the caller ends it with privd_idem_end), armed on the calling thread until
 * privd_idem_disarm. PRIVD_ERR_NOMEM, or the store's or keystore's failure. */
enum privd_rc privd_idem_begin(struct privd_service *svc, const struct privd_principal *who, const char *key,
                               const char *method, const char *path, const void *body, size_t len,
                               enum privd_idem_verdict *verdict, struct privd_idem **out,
                               struct privd_idem_response *replay);
/* Disarms c on the calling thread (call right after the handler returned, on the thread that began it). */
void privd_idem_disarm(struct privd_idem *c);
/* Once the answer is rendered, before it is sent: keeps resp when the request's write committed with the key, or
 * when it wrote nothing and resp is a 2xx. The body is sealed under owner's data key when owner (a subject id) is
 * given and the person is not erased, under a key of its own otherwise. *refused is set when another request with
 * the same key took effect first (answer 409 instead of resp). A failure to keep it is returned (the write itself
 * stands: answer 500 rather than an answer a replay would not repeat). */
enum privd_rc privd_idem_finish(struct privd_service *svc, struct privd_idem *c, const struct privd_idem_response *resp,
                                const char *owner, bool *refused);
/* Frees c and lets its key be used again by this node; accepts NULL. */
void privd_idem_end(struct privd_idem *c);
/* Zeroes and frees what a replay filled in; accepts an empty one. */
void privd_idem_response_clear(struct privd_idem_response *r);

#endif
