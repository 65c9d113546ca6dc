/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * rc.h - the one result type of privd.
 *
 * Every fallible function returns an enum privd_rc. Detail meant for a person goes into an optional
 * struct privd_err filled once by the callee; only src/http/ maps codes to HTTP statuses. Messages never
 * carry PII values: they name the field at fault, not what was in it.
 */
#ifndef PRIVD_CORE_RC_H
#define PRIVD_CORE_RC_H

#include <stddef.h>

enum privd_rc {
	PRIVD_OK = 0,
	PRIVD_ERR_INVALID,     /* input fails validation (422); err->fields says which */
	PRIVD_ERR_MALFORMED,   /* input cannot be parsed at all (400) */
	PRIVD_ERR_NOT_FOUND,   /* 404 */
	PRIVD_ERR_CONFLICT,    /* unique value already taken (409) */
	PRIVD_ERR_FORBIDDEN,   /* not allowed, e.g. refused by an age rule (403) */
	PRIVD_ERR_GONE,        /* existed, erased (410) */
	PRIVD_ERR_TOO_LARGE,   /* 413 */
	PRIVD_ERR_UNSUPPORTED, /* media type refused (415) */
	PRIVD_ERR_NOMEM,
	PRIVD_ERR_IO,
	PRIVD_ERR_DB,
	PRIVD_ERR_CRYPTO,
	PRIVD_ERR_BUSY, /* shutting down or queue full (503) */
	PRIVD_ERR_INTERNAL
};

#define PRIVD_ERR_MAX_FIELDS 16

/* One field at fault: a JSON-pointer-like name ("email", "consents.processing") and a reason. */
struct privd_field_error {
	char field[64];
	char reason[160];
};

/* Filled by the callee that fails; callers may pass NULL when they do not need detail. */
struct privd_err {
	char msg[256];
	char problem[32]; /* a problem type of its own ("revoked", ...) where rc's generic one says too little; "" */
	size_t nfields;
	struct privd_field_error fields[PRIVD_ERR_MAX_FIELDS];
};

/* Set err->msg (printf-style). Accepts err == NULL. Returns rc so callers can write `return privd_err_set(...)`. */
enum privd_rc privd_err_set(struct privd_err *err, enum privd_rc rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Append one field error (silently drops past PRIVD_ERR_MAX_FIELDS). A field already named keeps its first reason,
 * so layers may each validate what they know and the person still reads one reason per field. Accepts
 * err == NULL. */
void privd_err_field(struct privd_err *err, const char *field, const char *reason);

/* Names the problem type of the failure (a slug such as "revoked", part of the API: the HTTP layer answers it as
 * urn:privd:problem:<slug> with rc's status). Accepts err == NULL. Returns rc, like privd_err_set. */
enum privd_rc privd_err_problem(struct privd_err *err, enum privd_rc rc, const char *slug);

/* A short lowercase name for rc, e.g. "conflict". Never NULL. */
const char *privd_rc_str(enum privd_rc rc);

#endif
