/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * repo_idem.h - the responses kept for Idempotency-Key replays (repo_idem.c).
 *
 * A row is claimed inside the transaction of the write it stands for (store/writer.h's tag), so a key is known
 * exactly when its write is durable; the response is added once it is rendered, sealed by the service (the row
 * names the key it is sealed under: a subject's data key, destroyed with the person, or a key of its own). The key
 * and the request are stored as keyed hashes only. Rows older than 24 hours no longer answer and are swept.
 */
#ifndef PRIVD_STORE_REPO_IDEM_H
#define PRIVD_STORE_REPO_IDEM_H

#include <stddef.h>
#include <stdint.h>

#include "core/rc.h"
#include "store/db.h"
#include "store/repo.h"

struct privd_idem_row {
	char scope[80];        /* "key:<api key id>", "session:<console session id>" or "portal:<session id>" */
	char key_hash[65];     /* keyed hash of the Idempotency-Key */
	char record_id[33];    /* the row's own id */
	char request_hash[65]; /* keyed hash of method, path and body */
	int64_t created_at;
	int status; /* 0 until the response is stored */
	char content_type[128];
	char location[512];
	char etag[80];
	char sealed_by[40];     /* the key the body is sealed under: a subject id or "idem:<record id>"; "" for none */
	struct privd_blob body; /* sealed; empty for an empty body */
};

/* Claims (scope, key_hash) for a write: first deletes a row of that pair created before expired_before (a key may be
 * used again once its record has expired), then inserts row's scope, key_hash, record_id, request_hash and
 * created_at. PRIVD_ERR_CONFLICT when the pair is held by an unexpired row. */
enum privd_rc privd_repo_idem_claim(struct privd_db *db, const struct privd_idem_row *row, int64_t expired_before);
/* The row of (scope, key_hash) created at or after not_before into *out (its body malloc'd: the caller clears it);
 * PRIVD_ERR_NOT_FOUND when there is none. */
enum privd_rc privd_repo_idem_get(struct privd_db *db, const char *scope, const char *key_hash, int64_t not_before,
                                  struct privd_idem_row *out);
/* Stores the response of record_id (status, content_type, location, etag, sealed_by, body of row).
 * PRIVD_ERR_NOT_FOUND when the row is gone. */
enum privd_rc privd_repo_idem_respond(struct privd_db *db, const struct privd_idem_row *row);
/* Inserts a whole row: claim and response at once (a request that wrote nothing, answered 2xx). */
enum privd_rc privd_repo_idem_insert(struct privd_db *db, const struct privd_idem_row *row, int64_t expired_before);
/* The record ids (and sealed_by, 40 bytes each) of at most max rows created before expired_before into ids and
 * sealed_by (each max entries); *n receives how many. */
enum privd_rc privd_repo_idem_expired(struct privd_db *db, int64_t expired_before, size_t max, char (*ids)[33],
                                      char (*sealed_by)[40], size_t *n);
/* Deletes the row record_id (none is not an error). */
enum privd_rc privd_repo_idem_delete(struct privd_db *db, const char *record_id);

#endif
