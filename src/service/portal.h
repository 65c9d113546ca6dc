/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * portal.h - the person's portal sessions (portal.c): the single-use link an app asks for, the session it opens, and
 * the principal a session is (role subject, scoped to one subject), for the HTTP layer.
 */
#ifndef PRIVD_SERVICE_PORTAL_H
#define PRIVD_SERVICE_PORTAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "service/service.h"

/* A single-use link to the portal for subject_id (PRIVD_ERR_NOT_FOUND / PRIVD_ERR_GONE for an unknown / erased
 * subject): "<public url>/portal/open?token=..." into url, and when it lapses unopened into *expires_at. Audited. */
enum privd_rc privd_service_portal_create(struct privd_service *svc, const struct privd_principal *who,
                                          const char *subject_id, char *url, size_t url_len, int64_t *expires_at,
                                          struct privd_err *err);
/* Opens the link once: the new session's token into token. PRIVD_ERR_NOT_FOUND for an unknown, used or lapsed
 * link. Audited. */
enum privd_rc privd_service_portal_open(struct privd_service *svc, const char *link, char token[64]);
/* Maps a session token to its principal (role subject, scoped to its subject) and notes the use; when the session
 * lapses unused into *expires_at (may be NULL). PRIVD_ERR_NOT_FOUND for an unknown, idle or erased one. */
enum privd_rc privd_service_portal_authenticate(struct privd_service *svc, const char *token,
                                                struct privd_principal *out, int64_t *expires_at);
/* The URL people reach privd by ([server] public_url, or derived from listen). Cannot fail. */
void privd_service_base_url(struct privd_service *svc, char *out, size_t len);
/* Ends who's portal session (role subject only). Audited. */
enum privd_rc privd_service_portal_end(struct privd_service *svc, const struct privd_principal *who);
/* Whether who may touch the subject subject_id, or (subject_id NULL) the request request_id: always for the roles of
 * API keys; for a portal session only its own subject and that subject's requests. */
bool privd_service_principal_owns(struct privd_service *svc, const struct privd_principal *who, const char *subject_id,
                                  const char *request_id);

#endif
