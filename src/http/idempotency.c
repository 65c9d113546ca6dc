/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * idempotency.c - the Idempotency-Key header on every POST, at the edge.
 *
 * The handlers know nothing of it: before one runs, the key is looked up (a replay is answered from what was kept,
 * a key used for another request is 422, one whose first request is still running is 409); while it runs, the reply
 * functions hand a copy of the answer here; before the answer is queued it is kept, sealed, by the service. The
 * record of the key itself commits with the handler's write (service/idempotency.h), so nothing here has to know
 * which write a route makes. A public route (the console's sign-in, a visitor's cookie choice) has no API key to
 * scope a key to, and ignores the header.
 */
#include "http_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "service/idempotency.h"

#define HEADER "Idempotency-Key"

struct privd_http_idem {
	struct privd_idem *c;
	struct privd_idem_response resp; /* the answer captured: body malloc'd */
	bool settled;
};

void privd_http_idem_free(struct privd_http_idem *i)
{
	if (i == NULL)
		return;
	privd_idem_end(i->c);
	privd_idem_response_clear(&i->resp);
	free(i);
}

static void reply_replay(struct privd_http_req *r, struct privd_idem_response *p)
{
	privd_http_reply_buf(r, p->status, p->content_type[0] ? p->content_type : NULL, p->body ? p->body : "", p->len);
	if (p->location[0] != '\0')
		privd_http_reply_header(r, MHD_HTTP_HEADER_LOCATION, p->location);
	if (p->etag[0] != '\0')
		privd_http_reply_header(r, MHD_HTTP_HEADER_ETAG, p->etag);
	privd_http_reply_header(r, "Idempotent-Replayed", "true");
}

static void reply_key_problem(struct privd_http_req *r, unsigned status, const char *slug, const char *detail)
{
	struct privd_err e = {0};

	privd_err_field(&e, HEADER, detail);
	privd_http_reply_problem(r, status, slug, detail, &e);
}

static void reply_verdict(struct privd_http_req *r, enum privd_idem_verdict v, struct privd_idem_response *replay)
{
	switch (v) {
	case PRIVD_IDEM_REPLAY:
		reply_replay(r, replay);
		break;
	case PRIVD_IDEM_MISMATCH:
		reply_key_problem(r, MHD_HTTP_UNPROCESSABLE_CONTENT, "idempotency-key-reused",
		                  "the Idempotency-Key was used with another method, path or body");
		break;
	case PRIVD_IDEM_IN_FLIGHT:
		reply_key_problem(
		    r, MHD_HTTP_CONFLICT, "idempotency-key-in-flight",
		    "the first request with this Idempotency-Key has not finished (or took effect without "
		    "its answer being kept); do not send it again with another key");
		break;
	case PRIVD_IDEM_ERASED:
		privd_http_reply_problem(r, MHD_HTTP_GONE, "gone",
		                         "the answer kept for this Idempotency-Key belonged to a person since erased",
		                         NULL);
		privd_http_reply_header(r, "Idempotent-Replayed", "true");
		break;
	case PRIVD_IDEM_NEW:
		break;
	}
}

bool privd_http_idem_start(struct privd_http_req *r)
{
	const char *key;
	struct privd_idem_response replay;
	enum privd_idem_verdict v = PRIVD_IDEM_NEW;
	struct privd_idem *c = NULL;
	enum privd_rc rc;

	if (r->method != PRIVD_HTTP_POST)
		return true;
	key = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, HEADER);
	if (key == NULL || !privd_idem_scoped(&r->who))
		return true;
	if (!privd_idem_key_valid(key)) {
		privd_http_reply_invalid(r, HEADER, "1 to 255 visible ASCII characters");
		return false;
	}
	r->idem = calloc(1, sizeof(*r->idem));
	if (r->idem == NULL) {
		privd_http_reply_rc(r, PRIVD_ERR_NOMEM, NULL);
		return false;
	}
	rc = privd_idem_begin(r->h->svc, &r->who, key, "POST", r->url, r->body, r->body_len, &v, &c, &replay);
	if (rc != PRIVD_OK || v != PRIVD_IDEM_NEW) {
		privd_http_idem_free(r->idem);
		r->idem = NULL; /* nothing of what follows is captured */
		if (rc != PRIVD_OK)
			privd_http_reply_rc(r, rc, NULL);
		else
			reply_verdict(r, v, &replay);
		privd_idem_response_clear(&replay);
		return false;
	}
	r->idem->c = c;
	return true;
}

void privd_http_idem_disarm(struct privd_http_req *r)
{
	if (r->idem != NULL)
		privd_idem_disarm(r->idem->c);
}

void privd_http_idem_capture(struct privd_http_req *r, unsigned status, const char *content_type, const char *buf,
                             size_t len)
{
	struct privd_http_idem *i = r->idem;

	if (i == NULL || i->settled)
		return;
	privd_idem_response_clear(&i->resp);
	i->resp.status = status;
	snprintf(i->resp.content_type, sizeof(i->resp.content_type), "%s", content_type ? content_type : "");
	if (len > 0) {
		i->resp.body = malloc(len);
		if (i->resp.body == NULL) {
			i->resp.status = 0; /* not kept: see privd_http_idem_settle */
			return;
		}
		memcpy(i->resp.body, buf, len);
		i->resp.len = len;
	}
}

void privd_http_idem_capture_header(struct privd_http_req *r, const char *name, const char *value)
{
	struct privd_http_idem *i = r->idem;

	if (i == NULL || i->settled)
		return;
	if (strcasecmp(name, MHD_HTTP_HEADER_LOCATION) == 0)
		snprintf(i->resp.location, sizeof(i->resp.location), "%s", value);
	else if (strcasecmp(name, MHD_HTTP_HEADER_ETAG) == 0)
		snprintf(i->resp.etag, sizeof(i->resp.etag), "%s", value);
}

/* The person an answer belongs to, whose data key seals it: the {id} of /v1/subjects/{id}/..., the subject_id an
 * answer names (a request), or the id of a registration's answer; "" for none. */
static void owner_of(struct privd_http_req *r, const struct privd_idem_response *p, char out[33])
{
	const char *path = privd_http_path_name(r->path_idx);
	json_t *j = NULL;
	const char *s = NULL;

	out[0] = '\0';
	if (strncmp(path, "/v1/subjects/{id}", 17) == 0 && privd_http_id_valid(r->id)) {
		memcpy(out, r->id, 33); /* an id: 32 characters and the NUL */
		return;
	}
	if (p->len == 0 || strstr(p->content_type, "json") == NULL)
		return;
	j = json_loadb(p->body, p->len, 0, NULL);
	if (json_is_object(j)) {
		s = json_string_value(json_object_get(j, "subject_id"));
		if (s == NULL && strcmp(path, "/v1/subjects") == 0)
			s = json_string_value(json_object_get(j, "id"));
	}
	if (s != NULL && privd_http_id_valid(s))
		snprintf(out, 33, "%s", s);
	json_decref(j);
}

void privd_http_idem_settle(struct privd_http_req *r)
{
	struct privd_http_idem *i = r->idem;
	char owner[33];
	bool refused = false;
	enum privd_rc rc;

	if (i == NULL || i->settled)
		return;
	i->settled = true;
	if (r->resp == NULL || i->resp.status == 0 || i->resp.status != r->status)
		return; /* no answer of the handler's own to keep (out of memory: a 500) */
	owner_of(r, &i->resp, owner);
	rc = privd_idem_finish(r->h->svc, i->c, &i->resp, owner, &refused);
	if (refused)
		reply_key_problem(r, MHD_HTTP_CONFLICT, "idempotency-key-in-flight",
		                  "another request with this Idempotency-Key took effect first");
	else if (rc != PRIVD_OK) /* the write stands: its answer goes, and a replay will be told it took effect */
		privd_log(PRIVD_LOG_ERROR, "idempotency.keep_failed", "\"route\":\"%s\",\"rc\":\"%s\"",
		          privd_http_path_name(r->path_idx), privd_rc_str(rc));
}
