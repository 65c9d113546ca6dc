/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * health.c - the public, unauthenticated routes: liveness, readiness, the privacy policy page. (/metrics is
 * rendered in metrics.c.)
 *
 * Load balancers and orchestrators poll these often, so liveness is a constant and readiness one trivial
 * query; /privacy is what the policy's readers see, rendered by the service from the current version.
 */
#include "http_int.h"

#include <stdlib.h>
#include <string.h>

void privd_http_healthz(struct privd_http_req *r)
{
	static const char ok[] = "{\"status\":\"ok\"}";

	privd_http_reply_buf(r, MHD_HTTP_OK, "application/json", ok, sizeof(ok) - 1);
}

/* Ready when the database answers. Delivery is reported, not required: without [smtp] or [sms] notices wait in the
 * outbox, which is a configuration an operator may choose. */
void privd_http_readyz(struct privd_http_req *r)
{
	struct privd_service_stats st = {0};

	if (privd_service_ready(r->h->svc) != PRIVD_OK) {
		privd_http_reply_problem(r, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable", "the database does not answer",
		                         NULL);
		return;
	}
	privd_service_stats(r->h->svc, &st);
	privd_http_reply_json(r, MHD_HTTP_OK,
	                      json_pack("{s:s, s:{s:s, s:s}}", "status", "ready", "delivery", "email",
	                                st.email_configured ? "configured" : "not_configured", "sms",
	                                st.sms_configured ? "configured" : "not_configured"));
}

void privd_http_privacy(struct privd_http_req *r)
{
	char *html = NULL;
	enum privd_rc rc;

	rc = privd_service_policy_html(r->h->svc, &html);
	if (rc != PRIVD_OK) {
		free(html);
		privd_http_reply_rc(r, rc, NULL);
		return;
	}
	privd_http_reply_owned(r, MHD_HTTP_OK, "text/html; charset=utf-8", html, strlen(html));
}
