/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * libprivd: a small client for privd's HTTP API, for programs written in C.
 *
 * A client holds a base URL, an API key (an `app` key, usually) and, when the caller asks for one, a cache of
 * consent checks: the answer of GET /v1/subjects/{id}/consents/{purpose} kept for a time-to-live the caller
 * chooses, so that a hot path asking "may I process this person's data for this purpose?" does not pay a round
 * trip each time. The cache is off until privd_client_set_cache_ttl() turns it on; a revocation reaches a cached
 * answer only when the entry expires, so the TTL is the longest time the caller accepts acting on an outdated
 * answer. privd_client_cache_forget() drops a subject's entries at once.
 *
 * Every call returns an `enum privd_client_rc`. When privd answers with an error, the call returns
 * PRIVD_CLIENT_EPROBLEM and fills `struct privd_client_error` from the RFC 9457 problem: the HTTP status, the
 * problem's type and title, and the names of the fields at fault. Bodies in and out are jansson values; the
 * caller owns (json_decref) what a call hands back. A client may be used from several threads at once.
 */
#ifndef PRIVD_CLIENT_H
#define PRIVD_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What the shared library exports (set when it is built; empty for a program using it). */
#ifndef PRIVD_CLIENT_API
#define PRIVD_CLIENT_API
#endif

enum privd_client_rc {
	PRIVD_CLIENT_OK = 0,
	PRIVD_CLIENT_EINVAL,     /* a bad argument (NULL, an id that is not 32 hex characters, ...) */
	PRIVD_CLIENT_ENOMEM,     /* out of memory */
	PRIVD_CLIENT_ETRANSPORT, /* no answer: connection refused, timeout, TLS (err->title says which) */
	PRIVD_CLIENT_EPROBLEM,   /* privd answered with an error: err holds status, type, title and fields */
	PRIVD_CLIENT_EPROTOCOL,  /* privd's answer is not what the API promises (not JSON, a member missing) */
};

#define PRIVD_CLIENT_MAX_FIELDS 16

struct privd_client_error {
	long status;                              /* the HTTP status, 0 when there was none */
	char type[128];                           /* e.g. "urn:privd:problem:validation" */
	char title[256];                          /* the problem's title, or what went wrong on the way */
	size_t nfields;                           /* how many of fields[] are set */
	char fields[PRIVD_CLIENT_MAX_FIELDS][96]; /* the fields at fault, e.g. "email", "consents.processing" */
};

struct privd_client;

/* A short English name of rc ("ok", "problem", ...). Never NULL. */
PRIVD_CLIENT_API const char *privd_client_strerror(enum privd_client_rc rc);

/* Makes a client for base_url (e.g. "http://127.0.0.1:8080", no trailing slash needed) authenticating with
 * api_key. Both are copied. Call curl_global_init() once before the first client when the program has other
 * threads; privd_client_new() calls it otherwise. *out is freed with privd_client_free(). */
PRIVD_CLIENT_API enum privd_client_rc privd_client_new(const char *base_url, const char *api_key,
                                                       struct privd_client **out);

/* Frees the client and its cache. NULL is allowed. */
PRIVD_CLIENT_API void privd_client_free(struct privd_client *c);

/* The timeout of each call in milliseconds (0: none; default 30000). */
PRIVD_CLIENT_API void privd_client_set_timeout(struct privd_client *c, long timeout_ms);

/* Empties the consent-check cache and turns it on with entries living ttl_seconds (0 turns it off). */
PRIVD_CLIENT_API void privd_client_set_cache_ttl(struct privd_client *c, unsigned ttl_seconds);

/* Drops the cached consent checks of subject_id (all of them when subject_id is NULL). */
PRIVD_CLIENT_API void privd_client_cache_forget(struct privd_client *c, const char *subject_id);

/* POST /v1/subjects with the registration body `person` (see docs/api.md, *Registration*). On success
 * *subject (may be NULL) is the subject privd answered (201 active, 202 pending_guardian). */
PRIVD_CLIENT_API enum privd_client_rc privd_client_register(struct privd_client *c, json_t *person, json_t **subject,
                                                            struct privd_client_error *err);

/* Whether subject_id has granted purpose ("processing", "third_party_transfer", "cookies.analytics", ...):
 * GET /v1/subjects/{id}/consents/{purpose}, or the cache when it is on and holds a live answer. *from_cache
 * (may be NULL) says which. An unknown subject or purpose is EPROBLEM with status 404. */
PRIVD_CLIENT_API enum privd_client_rc privd_client_consent_check(struct privd_client *c, const char *subject_id,
                                                                 const char *purpose, bool *granted, bool *from_cache,
                                                                 struct privd_client_error *err);

/* POST /v1/subjects/{id}/requests: files a rights request of type ("erase", "access", "rectify", ...) with
 * details (may be NULL) and, for an inquiry, question (else NULL). *request (may be NULL) is the request. */
PRIVD_CLIENT_API enum privd_client_rc privd_client_request_file(struct privd_client *c, const char *subject_id,
                                                                const char *type, json_t *details, const char *question,
                                                                json_t **request, struct privd_client_error *err);

/* PUT /v1/requests/{id}/document: the signed scan (len bytes of media_type: "application/pdf", "image/jpeg",
 * "image/png" or "image/tiff"). *request (may be NULL) is the request, now received. */
PRIVD_CLIENT_API enum privd_client_rc privd_client_request_document(struct privd_client *c, const char *request_id,
                                                                    const char *media_type, const void *data,
                                                                    size_t len, json_t **request,
                                                                    struct privd_client_error *err);

/* GET /v1/requests/{id}: the request with its status and due date. */
PRIVD_CLIENT_API enum privd_client_rc privd_client_request_get(struct privd_client *c, const char *request_id,
                                                               json_t **request, struct privd_client_error *err);

#ifdef __cplusplus
}
#endif

#endif
