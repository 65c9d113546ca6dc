/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * router.c - the route table: method, path pattern, handler, the roles that may call it and whether its body
 * is a raw document rather than JSON.
 *
 * Matching runs on every request, the consent check included, so it walks the patterns segment by segment
 * over the path libmicrohttpd already split from the query, copying {id} and {purpose} into fixed buffers in
 * the request context: no allocation, no regex. The table is also the source of `privd routes`, which tests
 * compare with the API document, so a route cannot exist without being documented.
 */
#include "http_int.h"
#include "service/portal.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"

enum privd_http_path {
	P_HEALTHZ,
	P_READYZ,
	P_METRICS,
	P_PRIVACY,
	P_CONSENT_PAGE,
	P_POLICY_CURRENT,
	P_POLICIES,
	P_CONSENT_TEXT_CURRENT,
	P_CONSENT_TEXTS,
	P_APIKEYS,
	P_APIKEY,
	P_SUBJECTS,
	P_SUBJECT,
	P_SUBJECT_CONSENTS,
	P_SUBJECT_CONSENT,
	P_CONSENT_CHECKS,
	P_AUDIT,
	P_AUDIT_VERIFY,
	P_SUBJECT_REQUESTS,
	P_SUBJECT_NOTIFICATIONS,
	P_SUBJECT_LEGAL_HOLD,
	P_REQUESTS,
	P_REQUEST,
	P_REQUEST_DOCUMENT,
	P_REQUEST_DECISION,
	P_REQUEST_EXECUTE,
	P_REQUEST_ANSWER,
	P_REQUEST_EXPORT,
	P_DESTRUCTION_RECORDS,
	P_DESTRUCTION_RECORD,
	P_NOTIFICATIONS,
	P_CONSENT_JS,
	P_COOKIE_CONFIG,
	P_COOKIE_CONSENTS,
	P_COOKIE_CONSENT,
	P_CONSOLE_SESSIONS,
	P_CONSOLE_SESSION_CURRENT,
	P_CONSENT_STATS,
	P_PORTAL_SESSIONS,
	P_PORTAL_SESSION,
	P_PORTAL_OPEN,
	P_INCIDENTS,
	P_INCIDENT,
	P_INCIDENT_REPORTS,
	P_INCIDENT_NOTICE,
	P_INCIDENT_SCOPE_COUNT,
	P_RECIPIENTS,
	P_RECIPIENT,
	P_TRANSFERS,
	P_TRANSFER,
	P_SUBJECT_TRANSFERS,
	P_EXPORTS_AGGREGATE,
	P_WEBHOOKS,
	P_WEBHOOK,
	P_WEBHOOK_DELIVERIES,
	P_REQUEST_STATS,
	P_COUNT
};

static const char *const paths[P_COUNT] = {
    [P_HEALTHZ] = "/healthz",
    [P_READYZ] = "/readyz",
    [P_METRICS] = "/metrics",
    [P_PRIVACY] = "/privacy",
    [P_CONSENT_PAGE] = "/consent/{purpose}",
    [P_POLICY_CURRENT] = "/v1/policies/current",
    [P_POLICIES] = "/v1/policies",
    [P_CONSENT_TEXT_CURRENT] = "/v1/consent-texts/current",
    [P_CONSENT_TEXTS] = "/v1/consent-texts",
    [P_APIKEYS] = "/v1/api-keys",
    [P_APIKEY] = "/v1/api-keys/{id}",
    [P_SUBJECTS] = "/v1/subjects",
    [P_SUBJECT] = "/v1/subjects/{id}",
    [P_SUBJECT_CONSENTS] = "/v1/subjects/{id}/consents",
    [P_SUBJECT_CONSENT] = "/v1/subjects/{id}/consents/{purpose}",
    [P_CONSENT_CHECKS] = "/v1/consent-checks",
    [P_AUDIT] = "/v1/audit",
    [P_AUDIT_VERIFY] = "/v1/audit/verify",
    [P_SUBJECT_REQUESTS] = "/v1/subjects/{id}/requests",
    [P_SUBJECT_NOTIFICATIONS] = "/v1/subjects/{id}/notifications",
    [P_SUBJECT_LEGAL_HOLD] = "/v1/subjects/{id}/legal-hold",
    [P_REQUESTS] = "/v1/requests",
    [P_REQUEST] = "/v1/requests/{id}",
    [P_REQUEST_DOCUMENT] = "/v1/requests/{id}/document",
    [P_REQUEST_DECISION] = "/v1/requests/{id}/decision",
    [P_REQUEST_EXECUTE] = "/v1/requests/{id}/execute",
    [P_REQUEST_ANSWER] = "/v1/requests/{id}/answer",
    [P_REQUEST_EXPORT] = "/v1/requests/{id}/export",
    [P_DESTRUCTION_RECORDS] = "/v1/destruction-records",
    [P_DESTRUCTION_RECORD] = "/v1/destruction-records/{id}",
    [P_NOTIFICATIONS] = "/v1/notifications",
    [P_RECIPIENTS] = "/v1/recipients",
    [P_RECIPIENT] = "/v1/recipients/{id}",
    [P_TRANSFERS] = "/v1/transfers",
    [P_TRANSFER] = "/v1/transfers/{id}",
    [P_SUBJECT_TRANSFERS] = "/v1/subjects/{id}/transfers",
    [P_EXPORTS_AGGREGATE] = "/v1/exports/aggregate",
    [P_WEBHOOKS] = "/v1/webhooks",
    [P_WEBHOOK] = "/v1/webhooks/{id}",
    [P_WEBHOOK_DELIVERIES] = "/v1/webhooks/{id}/deliveries",
    [P_CONSENT_JS] = "/consent.js",
    [P_COOKIE_CONFIG] = "/v1/cookie-config",
    [P_COOKIE_CONSENTS] = "/v1/cookie-consents",
    [P_COOKIE_CONSENT] = "/v1/cookie-consents/{id}",
    [P_CONSOLE_SESSIONS] = "/v1/console/sessions",
    [P_CONSOLE_SESSION_CURRENT] = "/v1/console/sessions/current",
    [P_CONSENT_STATS] = "/v1/consent-stats",
    [P_PORTAL_SESSIONS] = "/v1/subjects/{id}/portal-sessions",
    [P_PORTAL_SESSION] = "/v1/portal/session",
    [P_PORTAL_OPEN] = "/portal/open",
    [P_INCIDENTS] = "/v1/incidents",
    [P_INCIDENT] = "/v1/incidents/{id}",
    [P_INCIDENT_REPORTS] = "/v1/incidents/{id}/regulator-reports",
    [P_INCIDENT_NOTICE] = "/v1/incidents/{id}/regulator-notice",
    [P_INCIDENT_SCOPE_COUNT] = "/v1/incident-scope-count",
    [P_REQUEST_STATS] = "/v1/request-stats",
};

#define R_ADMIN PRIVD_ROLE_ADMIN
#define R_OPERATOR PRIVD_ROLE_OPERATOR
#define R_APP PRIVD_ROLE_APP
#define R_AUDITOR PRIVD_ROLE_AUDITOR
#define R_SUBJECT PRIVD_ROLE_SUBJECT /* a portal session: its own subject only (see privd_http_authorize) */

/* The consent check comes first: it is the route matched most often. */
static const struct privd_http_route routes[] = {
    {PRIVD_HTTP_GET, privd_http_consent_check, R_APP | R_OPERATOR | R_ADMIN, P_SUBJECT_CONSENT, 0},
    {PRIVD_HTTP_GET, privd_http_healthz, PRIVD_HTTP_PUBLIC, P_HEALTHZ, 0},
    {PRIVD_HTTP_GET, privd_http_readyz, PRIVD_HTTP_PUBLIC, P_READYZ, 0},
    {PRIVD_HTTP_GET, privd_http_metrics, PRIVD_HTTP_PUBLIC, P_METRICS, PRIVD_HTTP_METRICS_ROUTE},
    {PRIVD_HTTP_GET, privd_http_privacy, PRIVD_HTTP_PUBLIC, P_PRIVACY, 0},
    {PRIVD_HTTP_GET, privd_http_policy_current, PRIVD_HTTP_PUBLIC, P_POLICY_CURRENT, 0},
    {PRIVD_HTTP_POST, privd_http_policy_publish, R_ADMIN, P_POLICIES, 0},
    {PRIVD_HTTP_GET, privd_http_consent_page, PRIVD_HTTP_PUBLIC, P_CONSENT_PAGE, 0},
    {PRIVD_HTTP_GET, privd_http_consent_text_current, PRIVD_HTTP_PUBLIC, P_CONSENT_TEXT_CURRENT, 0},
    {PRIVD_HTTP_POST, privd_http_consent_text_publish, R_ADMIN, P_CONSENT_TEXTS, 0},
    {PRIVD_HTTP_POST, privd_http_apikey_create, R_ADMIN, P_APIKEYS, 0},
    {PRIVD_HTTP_GET, privd_http_apikey_list, R_ADMIN, P_APIKEYS, 0},
    {PRIVD_HTTP_DELETE, privd_http_apikey_revoke, R_ADMIN, P_APIKEY, 0},
    {PRIVD_HTTP_POST, privd_http_subject_register, R_APP | R_ADMIN, P_SUBJECTS, 0},
    {PRIVD_HTTP_GET, privd_http_subject_find, R_APP | R_OPERATOR | R_ADMIN, P_SUBJECTS, 0},
    {PRIVD_HTTP_GET, privd_http_subject_get, R_APP | R_OPERATOR | R_ADMIN | R_SUBJECT, P_SUBJECT, 0},
    {PRIVD_HTTP_PATCH, privd_http_subject_patch, R_APP | R_OPERATOR | R_ADMIN, P_SUBJECT, 0},
    {PRIVD_HTTP_POST, privd_http_consent_record, R_APP | R_ADMIN | R_SUBJECT, P_SUBJECT_CONSENTS, 0},
    {PRIVD_HTTP_GET, privd_http_consent_history, R_APP | R_OPERATOR | R_ADMIN | R_SUBJECT, P_SUBJECT_CONSENTS, 0},
    {PRIVD_HTTP_POST, privd_http_consent_batch, R_APP | R_ADMIN, P_CONSENT_CHECKS, PRIVD_HTTP_BATCH_BODY},
    {PRIVD_HTTP_GET, privd_http_audit_list, R_AUDITOR | R_ADMIN, P_AUDIT, 0},
    {PRIVD_HTTP_GET, privd_http_audit_verify, R_AUDITOR | R_ADMIN, P_AUDIT_VERIFY, 0},
    {PRIVD_HTTP_POST, privd_http_request_create, R_APP | R_OPERATOR | R_ADMIN | R_SUBJECT, P_SUBJECT_REQUESTS, 0},
    {PRIVD_HTTP_PUT, privd_http_request_attach, R_APP | R_OPERATOR | R_SUBJECT, P_REQUEST_DOCUMENT,
     PRIVD_HTTP_RAW_BODY},
    {PRIVD_HTTP_GET, privd_http_request_list, R_OPERATOR | R_AUDITOR | R_ADMIN | R_SUBJECT, P_REQUESTS, 0},
    {PRIVD_HTTP_GET, privd_http_request_get, R_APP | R_OPERATOR | R_AUDITOR | R_ADMIN | R_SUBJECT, P_REQUEST, 0},
    {PRIVD_HTTP_GET, privd_http_request_document, R_OPERATOR, P_REQUEST_DOCUMENT, 0},
    {PRIVD_HTTP_POST, privd_http_request_decide, R_OPERATOR, P_REQUEST_DECISION, 0},
    {PRIVD_HTTP_POST, privd_http_request_execute, R_OPERATOR, P_REQUEST_EXECUTE, 0},
    {PRIVD_HTTP_POST, privd_http_request_answer, R_OPERATOR, P_REQUEST_ANSWER, 0},
    {PRIVD_HTTP_GET, privd_http_request_export, R_OPERATOR | R_SUBJECT, P_REQUEST_EXPORT, 0},
    {PRIVD_HTTP_GET, privd_http_notification_list, R_APP | R_OPERATOR | R_AUDITOR | R_ADMIN | R_SUBJECT,
     P_SUBJECT_NOTIFICATIONS, 0},
    {PRIVD_HTTP_POST, privd_http_legal_hold, R_OPERATOR, P_SUBJECT_LEGAL_HOLD, 0},
    {PRIVD_HTTP_GET, privd_http_destruction_list, R_OPERATOR | R_AUDITOR, P_DESTRUCTION_RECORDS, 0},
    {PRIVD_HTTP_GET, privd_http_destruction_get, R_OPERATOR | R_AUDITOR, P_DESTRUCTION_RECORD, 0},
    {PRIVD_HTTP_GET, privd_http_notification_page, R_OPERATOR | R_AUDITOR | R_ADMIN, P_NOTIFICATIONS, 0},
    {PRIVD_HTTP_POST, privd_http_recipient_create, R_ADMIN, P_RECIPIENTS, 0},
    {PRIVD_HTTP_GET, privd_http_recipient_list, R_APP | R_OPERATOR | R_AUDITOR | R_ADMIN, P_RECIPIENTS, 0},
    {PRIVD_HTTP_GET, privd_http_recipient_get, R_APP | R_OPERATOR | R_AUDITOR | R_ADMIN, P_RECIPIENT, 0},
    {PRIVD_HTTP_PATCH, privd_http_recipient_patch, R_ADMIN, P_RECIPIENT, 0},
    {PRIVD_HTTP_DELETE, privd_http_recipient_deactivate, R_ADMIN, P_RECIPIENT, 0},
    {PRIVD_HTTP_POST, privd_http_transfer_create, R_APP | R_OPERATOR, P_TRANSFERS, PRIVD_HTTP_BATCH_BODY},
    {PRIVD_HTTP_GET, privd_http_transfer_list, R_APP | R_OPERATOR | R_AUDITOR | R_ADMIN, P_TRANSFERS, 0},
    {PRIVD_HTTP_GET, privd_http_transfer_get, R_APP | R_OPERATOR | R_AUDITOR | R_ADMIN, P_TRANSFER, 0},
    {PRIVD_HTTP_GET, privd_http_subject_transfers, R_APP | R_OPERATOR | R_AUDITOR | R_ADMIN | R_SUBJECT,
     P_SUBJECT_TRANSFERS, 0},
    {PRIVD_HTTP_GET, privd_http_aggregate, R_OPERATOR | R_ADMIN, P_EXPORTS_AGGREGATE, 0},
    {PRIVD_HTTP_POST, privd_http_webhook_create, R_ADMIN, P_WEBHOOKS, 0},
    {PRIVD_HTTP_GET, privd_http_webhook_list, R_OPERATOR | R_AUDITOR | R_ADMIN, P_WEBHOOKS, 0},
    {PRIVD_HTTP_DELETE, privd_http_webhook_delete, R_ADMIN, P_WEBHOOK, 0},
    {PRIVD_HTTP_GET, privd_http_webhook_deliveries, R_OPERATOR | R_AUDITOR | R_ADMIN, P_WEBHOOK_DELIVERIES, 0},
    {PRIVD_HTTP_GET, privd_http_consent_js, PRIVD_HTTP_PUBLIC, P_CONSENT_JS, 0},
    {PRIVD_HTTP_GET, privd_http_cookie_config_get, PRIVD_HTTP_PUBLIC, P_COOKIE_CONFIG, 0},
    {PRIVD_HTTP_PUT, privd_http_cookie_config_put, R_ADMIN, P_COOKIE_CONFIG, 0},
    {PRIVD_HTTP_POST, privd_http_cookie_consent_record, PRIVD_HTTP_PUBLIC, P_COOKIE_CONSENTS, PRIVD_HTTP_SMALL_BODY},
    {PRIVD_HTTP_OPTIONS, privd_http_cookie_preflight, PRIVD_HTTP_PUBLIC, P_COOKIE_CONSENTS, 0},
    {PRIVD_HTTP_GET, privd_http_cookie_consent_get, PRIVD_HTTP_PUBLIC, P_COOKIE_CONSENT, 0},
    {PRIVD_HTTP_OPTIONS, privd_http_cookie_preflight, PRIVD_HTTP_PUBLIC, P_COOKIE_CONSENT, 0},
    {PRIVD_HTTP_POST, privd_http_console_signin, PRIVD_HTTP_PUBLIC, P_CONSOLE_SESSIONS, 0},
    {PRIVD_HTTP_DELETE, privd_http_console_signout, R_OPERATOR | R_ADMIN | R_AUDITOR, P_CONSOLE_SESSION_CURRENT, 0},
    {PRIVD_HTTP_GET, privd_http_consent_stats, R_OPERATOR | R_AUDITOR | R_ADMIN, P_CONSENT_STATS, 0},
    {PRIVD_HTTP_POST, privd_http_portal_create, R_APP, P_PORTAL_SESSIONS, 0},
    {PRIVD_HTTP_GET, privd_http_portal_session, R_SUBJECT, P_PORTAL_SESSION, 0},
    {PRIVD_HTTP_DELETE, privd_http_portal_end, R_SUBJECT, P_PORTAL_SESSION, 0},
    {PRIVD_HTTP_GET, privd_http_portal_open, PRIVD_HTTP_PUBLIC, P_PORTAL_OPEN, 0},
    {PRIVD_HTTP_POST, privd_http_incident_create, R_OPERATOR, P_INCIDENTS, PRIVD_HTTP_BATCH_BODY},
    {PRIVD_HTTP_GET, privd_http_incident_list, R_OPERATOR | R_AUDITOR | R_ADMIN, P_INCIDENTS, 0},
    {PRIVD_HTTP_GET, privd_http_incident_get, R_OPERATOR | R_AUDITOR | R_ADMIN, P_INCIDENT, 0},
    {PRIVD_HTTP_PATCH, privd_http_incident_patch, R_OPERATOR, P_INCIDENT, 0},
    {PRIVD_HTTP_POST, privd_http_incident_report, R_OPERATOR, P_INCIDENT_REPORTS, 0},
    {PRIVD_HTTP_GET, privd_http_incident_notice, R_OPERATOR | R_AUDITOR | R_ADMIN, P_INCIDENT_NOTICE, 0},
    {PRIVD_HTTP_POST, privd_http_incident_scope_count, R_OPERATOR, P_INCIDENT_SCOPE_COUNT, PRIVD_HTTP_BATCH_BODY},
    {PRIVD_HTTP_GET, privd_http_request_stats, R_OPERATOR | R_AUDITOR | R_ADMIN, P_REQUEST_STATS, 0},
};
#define NROUTES (sizeof(routes) / sizeof(routes[0]))

static const char *const method_names[PRIVD_HTTP_METHOD_COUNT] = {
    [PRIVD_HTTP_GET] = "GET",         [PRIVD_HTTP_POST] = "POST",   [PRIVD_HTTP_PATCH] = "PATCH",
    [PRIVD_HTTP_DELETE] = "DELETE",   [PRIVD_HTTP_PUT] = "PUT",     [PRIVD_HTTP_HEAD] = "HEAD",
    [PRIVD_HTTP_OPTIONS] = "OPTIONS", [PRIVD_HTTP_OTHER] = "OTHER",
};

const struct privd_http_route *privd_http_route_get(int idx)
{
	if (idx < 0 || (size_t)idx >= NROUTES)
		return NULL;
	return &routes[idx];
}

unsigned privd_http_path_count(void)
{
	return P_COUNT;
}

const char *privd_http_path_name(unsigned path_idx)
{
	return path_idx < P_COUNT ? paths[path_idx] : "unmatched";
}

enum privd_http_method privd_http_method_parse(const char *m)
{
	int i;

	for (i = 0; i < PRIVD_HTTP_OTHER; i++)
		if (strcmp(m, method_names[i]) == 0)
			return (enum privd_http_method)i;
	return PRIVD_HTTP_OTHER;
}

const char *privd_http_method_name(enum privd_http_method m)
{
	return m < PRIVD_HTTP_METHOD_COUNT ? method_names[m] : "OTHER";
}

/* Matches url against pattern, copying the {id} and {purpose} segments into r. */
static bool match_path(const char *pattern, const char *url, struct privd_http_req *r)
{
	const char *p = pattern, *u = url;

	while (*p != '\0') {
		if (*p == '{') {
			const char *pe = strchr(p, '}');
			const char *ue = u;
			size_t len;
			char *dst;

			while (*ue != '\0' && *ue != '/')
				ue++;
			len = (size_t)(ue - u);
			if (len == 0 || len > PRIVD_HTTP_PARAM_MAX)
				return false;
			/* ids and purposes are printable ASCII: anything else names nothing (and is not even text to
			 * PostgreSQL when it is not UTF-8) */
			for (const char *c = u; c < ue; c++)
				if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f)
					return false;
			dst = (p[1] == 'i') ? r->id : r->purpose;
			memcpy(dst, u, len);
			dst[len] = '\0';
			p = pe + 1;
			u = ue;
			continue;
		}
		if (*p != *u)
			return false;
		p++;
		u++;
	}
	return *u == '\0';
}

unsigned privd_http_route_match(struct privd_http_req *r, char *allow, size_t allow_len)
{
	bool methods[PRIVD_HTTP_METHOD_COUNT] = {false};
	bool any = false;
	size_t i, o = 0;
	int m;

	for (i = 0; i < NROUTES; i++) {
		if (routes[i].method == r->method && match_path(paths[routes[i].path_idx], r->url, r)) {
			r->route = (int)i;
			r->path_idx = routes[i].path_idx;
			return 0;
		}
	}
	r->route = -1;
	r->path_idx = P_COUNT;
	for (i = 0; i < NROUTES; i++) {
		if (match_path(paths[routes[i].path_idx], r->url, r)) {
			methods[routes[i].method] = true;
			r->path_idx = routes[i].path_idx;
			any = true;
		}
	}
	if (!any)
		return 404;
	if (allow == NULL || allow_len == 0)
		return 405; /* the caller wants no list */
	allow[0] = '\0';
	for (m = 0; m < PRIVD_HTTP_METHOD_COUNT; m++) {
		int n;

		if (!methods[m])
			continue;
		n = snprintf(allow + o, allow_len - o, "%s%s", o ? ", " : "", method_names[m]);
		if (n < 0 || (size_t)n >= allow_len - o)
			break;
		o += (size_t)n;
	}
	return 405;
}

/* A call without an Authorization header: the console session its cookie names, if any. A call that may change
 * something (any method but GET and HEAD) must also send the session's CSRF token. */
static enum privd_rc console_authenticate(struct privd_http_req *r)
{
	const char *token = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, PRIVD_CONSOLE_COOKIE);
	const char *csrf = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, PRIVD_CONSOLE_CSRF_HEADER);
	bool safe = r->method == PRIVD_HTTP_GET || r->method == PRIVD_HTTP_HEAD;

	if (token == NULL)
		return PRIVD_ERR_NOT_FOUND;
	return privd_service_console_authenticate(r->h->svc, token, csrf, !safe, &r->who);
}

/* Whether a portal session may see what the path names: its own subject, or a request of its own subject. Paths
 * under /v1/subjects/{id} and /v1/requests/{id} name one; the others name nothing of a subject's. */
static bool in_scope(struct privd_http_req *r)
{
	const char *p = paths[r->path_idx];

	if (strncmp(p, "/v1/subjects/{id}", 17) == 0)
		return privd_service_principal_owns(r->h->svc, &r->who, r->id, NULL);
	if (strncmp(p, "/v1/requests/{id}", 17) == 0)
		return privd_service_principal_owns(r->h->svc, &r->who, NULL, r->id);
	return true;
}

/* The person's portal session from its cookie (no Authorization header was sent). A session sees only its own
 * subject: anything else is answered as if it did not exist (404), before the role is looked at, so a session
 * learns nothing of other ids. A change needs the X-Privd-Portal header besides the SameSite=Strict cookie: a form
 * posted from another site cannot set it (CSRF). */
static bool authorize_portal(struct privd_http_req *r, const struct privd_http_route *rt)
{
	const char *tok = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, PRIVD_HTTP_PORTAL_COOKIE);
	const char *csrf;
	enum privd_rc rc;

	if (tok == NULL)
		return false;
	rc = privd_service_portal_authenticate(r->h->svc, tok, &r->who, NULL);
	if (rc == PRIVD_ERR_NOT_FOUND) {
		privd_http_reply_problem(r, MHD_HTTP_UNAUTHORIZED, "unauthorized",
		                         "the portal session has ended; open a new link", NULL);
		return false;
	}
	if (rc != PRIVD_OK) {
		privd_http_reply_rc(r, rc, NULL);
		return false;
	}
	if (!in_scope(r)) {
		privd_http_reply_problem(r, MHD_HTTP_NOT_FOUND, "not-found", "no such resource", NULL);
		return false;
	}
	if ((rt->roles & PRIVD_ROLE_SUBJECT) == 0) {
		privd_http_reply_problem(r, MHD_HTTP_FORBIDDEN, "forbidden", "a portal session may not call this route",
		                         NULL);
		return false;
	}
	csrf = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, PRIVD_HTTP_PORTAL_HEADER);
	if (r->method != PRIVD_HTTP_GET && r->method != PRIVD_HTTP_HEAD && (csrf == NULL || strcmp(csrf, "1") != 0)) {
		privd_http_reply_problem(r, MHD_HTTP_FORBIDDEN, "csrf",
		                         "a change from the portal needs the header " PRIVD_HTTP_PORTAL_HEADER ": 1",
		                         NULL);
		return false;
	}
	return true;
}

bool privd_http_authorize(struct privd_http_req *r)
{
	const struct privd_http_route *rt = &routes[r->route];
	unsigned roles = rt->roles;
	const char *auth;
	enum privd_rc rc;

	if ((rt->flags & PRIVD_HTTP_METRICS_ROUTE) && r->h->metrics_require_key)
		roles = R_ADMIN | R_OPERATOR | R_AUDITOR; /* [metrics] require_key */
	if (roles == PRIVD_HTTP_PUBLIC)
		return true;
	auth = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	if (auth == NULL) {
		rc = console_authenticate(r);
		if (rc == PRIVD_ERR_NOT_FOUND && authorize_portal(r, rt))
			return true;
		if (r->resp != NULL)
			return false;
		if (rc == PRIVD_ERR_FORBIDDEN) {
			privd_http_reply_problem(r, MHD_HTTP_FORBIDDEN, "csrf",
			                         "a console call that changes something needs its X-CSRF-Token", NULL);
			return false;
		}
	} else if (strncasecmp(auth, "Bearer ", 7) != 0) {
		goto unauthorized;
	} else {
		auth += 7;
		while (*auth == ' ')
			auth++;
		rc = *auth == '\0' ? PRIVD_ERR_NOT_FOUND : privd_service_authenticate(r->h->svc, auth, &r->who);
	}
	if (rc == PRIVD_ERR_NOT_FOUND)
		goto unauthorized;
	if (rc != PRIVD_OK) {
		privd_http_reply_rc(r, rc, NULL);
		return false;
	}
	if ((r->who.role & roles) == 0) {
		privd_http_reply_problem(r, MHD_HTTP_FORBIDDEN, "forbidden", "this key's role may not call this route",
		                         NULL);
		return false;
	}
	return true;

unauthorized:
	privd_http_reply_problem(r, MHD_HTTP_UNAUTHORIZED, "unauthorized", "a valid API key is required", NULL);
	privd_http_reply_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
	return false;
}

static void print_roles(FILE *f, unsigned roles)
{
	static const struct {
		unsigned bit;
		const char *name;
	} order[] = {{PRIVD_ROLE_APP, "app"},
	             {PRIVD_ROLE_OPERATOR, "operator"},
	             {PRIVD_ROLE_AUDITOR, "auditor"},
	             {PRIVD_ROLE_ADMIN, "admin"},
	             {PRIVD_ROLE_SUBJECT, "subject"}};
	const char *sep = "";
	size_t i;

	if (roles == PRIVD_HTTP_PUBLIC) {
		fputs("public", f);
		return;
	}
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if (roles & order[i].bit) {
			fprintf(f, "%s%s", sep, order[i].name);
			sep = ",";
		}
	}
}

void privd_http_routes_print(FILE *f)
{
	size_t i;

	for (i = 0; i < NROUTES; i++) {
		fprintf(f, "%s %s ", method_names[routes[i].method], paths[routes[i].path_idx]);
		print_roles(f, routes[i].roles);
		fputc('\n', f);
	}
}
