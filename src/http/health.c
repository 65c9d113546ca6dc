/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * health.c - the public, unauthenticated routes a machine polls: liveness and readiness. (/metrics is rendered in
 * metrics.c, the pages people read in pages.c.)
 *
 * Load balancers and orchestrators poll these often, so liveness is a constant and readiness one trivial query.
 */
#include "http_int.h"

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
