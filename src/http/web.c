/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * web.c - GET /consent.js: the cookie banner's script, served from memory.
 *
 * Every page view of every site with the banner asks for the script, most often from a browser or proxy that holds
 * it already, so its three answers are prepared once at start, headers and all, from the bytes the service read
 * and compressed once here: a 304 when If-None-Match names the ETag, otherwise the bytes, gzipped for a client that
 * accepts it. A request only picks one; libmicrohttpd counts the connections sending it. Sites load it
 * across origins and may pin its Subresource Integrity hash (crossorigin="anonymous"), so it is readable from any
 * origin; it may be cached for an hour and is revalidated by its ETag after that.
 */
#include "http_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define SCRIPT "consent.js"
#define CACHE "public, max-age=3600"

/* file's bytes gzipped (level 9) into *out; false when zlib fails or memory runs out. */
static bool gzip_bytes(const uint8_t *data, size_t len, uint8_t **out, size_t *out_len)
{
	z_stream z;
	uLong cap;
	uint8_t *buf;
	int rc;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
		return false;
	cap = deflateBound(&z, (uLong)len);
	buf = malloc(cap);
	if (buf == NULL) {
		deflateEnd(&z);
		return false;
	}
	z.next_in = (Bytef *)(uintptr_t)data;
	z.avail_in = (uInt)len;
	z.next_out = buf;
	z.avail_out = (uInt)cap;
	rc = deflate(&z, Z_FINISH);
	deflateEnd(&z);
	if (rc != Z_STREAM_END) {
		free(buf);
		return false;
	}
	*out = buf;
	*out_len = z.total_out;
	return true;
}

enum { WHOLE = 0, GZIP, WHOLE_304, GZIP_304, ANSWERS };

/* One of the script's answers, with every header it carries; NULL when out of memory. */
static struct MHD_Response *prepare(const struct privd_http *h, const struct privd_web_file *f, const void *data,
                                    size_t len, const char *etag, bool gz)
{
	struct MHD_Response *resp =
	    MHD_create_response_from_buffer(len, (void *)(uintptr_t)data, MHD_RESPMEM_PERSISTENT);

	if (resp == NULL)
		return NULL;
	if (data != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, f->content_type);
	if (gz)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, CACHE);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ACCESS_CONTROL_ALLOW_ORIGIN, "*");
	MHD_add_response_header(resp, "Cross-Origin-Resource-Policy", "cross-origin");
	privd_http_secure_headers(resp); /* nosniff and no referrer; the caching above is kept */
	privd_http_hsts(h, resp);
	return resp;
}

enum privd_rc privd_http_web_init(struct privd_http *h, struct privd_err *err)
{
	const struct privd_web_file *f = NULL;
	char gz_etag[48];
	size_t gz_len = 0;

	if (privd_service_web_file(h->svc, SCRIPT, &f) != PRIVD_OK)
		return PRIVD_OK; /* a service opened without its web files (no background work): nothing to serve */
	if (!gzip_bytes(f->data, f->len, &h->script_gz, &gz_len))
		return privd_err_set(err, PRIVD_ERR_NOMEM, "cannot compress %s", SCRIPT);
	snprintf(gz_etag, sizeof(gz_etag), "%.33s-gz\"", f->etag);
	h->script_resp[WHOLE] = prepare(h, f, f->data, f->len, f->etag, false);
	h->script_resp[GZIP] = prepare(h, f, h->script_gz, gz_len, gz_etag, true);
	h->script_resp[WHOLE_304] = prepare(h, f, NULL, 0, f->etag, false);
	h->script_resp[GZIP_304] = prepare(h, f, NULL, 0, gz_etag, false);
	snprintf(h->script_hex, sizeof(h->script_hex), "%.32s", f->etag + 1);
	for (int i = 0; i < ANSWERS; i++)
		if (h->script_resp[i] == NULL)
			return privd_err_set(err, PRIVD_ERR_NOMEM, "out of memory");
	h->script = f;
	return PRIVD_OK;
}

void privd_http_web_cleanup(struct privd_http *h)
{
	for (int i = 0; i < ANSWERS; i++) {
		if (h->script_resp[i] != NULL)
			MHD_destroy_response(h->script_resp[i]);
		h->script_resp[i] = NULL;
	}
	free(h->script_gz);
	h->script_gz = NULL;
}

/* Does the client take gzip? (Accept-Encoding names it without q=0.) */
static bool accepts_gzip(struct privd_http_req *r)
{
	const char *ae = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING);
	const char *g = ae != NULL ? strstr(ae, "gzip") : NULL;

	return g != NULL && strncmp(g + 4, ";q=0", 4) != 0;
}

void privd_http_consent_js(struct privd_http_req *r)
{
	const char *inm = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
	const struct privd_web_file *f = r->h->script;
	int gz = accepts_gzip(r) ? GZIP : WHOLE;

	if (f == NULL) {
		privd_http_reply_problem(r, MHD_HTTP_NOT_FOUND, "not-found", "consent.js is not loaded", NULL);
		return;
	}
	/* the SHA-256 part names the bytes whatever the encoding: a match on it is a match */
	if (inm != NULL && strstr(inm, r->h->script_hex) != NULL)
		privd_http_reply_shared(r, MHD_HTTP_NOT_MODIFIED, r->h->script_resp[gz + WHOLE_304]);
	else
		privd_http_reply_shared(r, MHD_HTTP_OK, r->h->script_resp[gz]);
}
