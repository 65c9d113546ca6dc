/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * static.c - the pages privd serves as files: the operator's console (/console/), the person's portal
 * (/portal/), and what both share (/common/ for styles, /i18n/ for the catalogue of texts per language).
 *
 * They are a few small files read from [web] dir on each request, so an upgrade of the files needs no restart. Every
 * answer carries the strict Content-Security-Policy the pages are written for: scripts, styles and everything else from
 * privd's own origin only, no inline script, no framing by another page; pdf.js's worker (the PDF previews) from
 * privd's origin too (worker-src 'self'); the console's and the portal's pages and pdf.js itself may also compile
 * WebAssembly ('wasm-unsafe-eval', for pdf.js's decoders of JPEG 2000, JBIG2 and colour profiles: it allows
 * WebAssembly.instantiate of bytes and nothing of eval or new Function). Browsers revalidate them on each use (no-cache
 * with an ETag of the bytes), so a new version is picked up at once and an unchanged one costs a 304. A path
 * is accepted only from a narrow alphabet, without "..", hidden names or empty segments: nothing outside the
 * four directories can be named.
 */
#include "http_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STATIC_MAX (4u << 20) /* bytes; the pages are a few kilobytes, pdf.js and its worker 0.4 and 1.3 MB */
#define CSP_REST                                                                                                       \
	"worker-src 'self'; style-src 'self'; img-src 'self' blob: data:; connect-src 'self'; object-src 'self'; "     \
	"frame-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
#define CSP "default-src 'none'; script-src 'self'; " CSP_REST
/* The pages that preview PDFs, and pdf.js (its worker runs under its own script's policy): WebAssembly too. */
#define CSP_WASM "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; " CSP_REST

static const char *const dirs[] = {"/console/", "/portal/", "/common/", "/i18n/"};

static const struct {
	const char *ext;
	const char *type;
} types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".wasm", "application/wasm"},
};

/* Whether the file at url (under one of dirs) may compile WebAssembly: the two pages and pdf.js. */
static bool wasm_allowed(const char *url)
{
	return strncmp(url, "/console/", 9) == 0 || strncmp(url, "/portal/", 8) == 0 ||
	       strncmp(url, "/common/pdfjs/", 14) == 0;
}

/* The content type of a file by its name; NULL for a kind not served. */
static const char *type_of(const char *path)
{
	const char *dot = strrchr(path, '.');

	for (size_t i = 0; dot != NULL && i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].type;
	return NULL;
}

/* A path that names a file in the web directory: letters, digits, '-', '_', '.', '/' only, no empty segment and
 * no segment starting with a dot. */
static bool path_ok(const char *p)
{
	bool seg_start = true;

	if (strlen(p) > 200)
		return false;
	for (; *p != '\0'; p++) {
		char c = *p;
		bool word =
		    (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';

		if (c == '/') {
			if (seg_start)
				return false;
			seg_start = true;
			continue;
		}
		if (!word && !(c == '.' && !seg_start))
			return false;
		seg_start = false;
	}
	return true;
}

/* The file's bytes (malloc'd) and length; NULL when it cannot be read or is too large. */
static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rbe");
	char *buf = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && (unsigned long)n <= STATIC_MAX &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) != NULL) {
		if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		} else {
			*len = (size_t)n;
		}
	}
	fclose(f);
	return buf;
}

void privd_http_etag_of(const char *data, size_t len, char out[48])
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)data[i]) * 1099511628211ULL;
	snprintf(out, 48, "\"%016llx-%zx\"", (unsigned long long)h, len);
}

static void not_found(struct privd_http_req *r)
{
	privd_http_reply_problem(r, MHD_HTTP_NOT_FOUND, "not-found", "no such file", NULL);
}

bool privd_http_static_try(struct privd_http_req *r)
{
	const char *root = privd_service_web_dir(r->h->svc), *type, *inm;
	char path[1400], etag[48];
	size_t i, len = 0;
	char *data;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (strncmp(r->url, dirs[i], strlen(dirs[i])) == 0 ||
		    strncmp(r->url, dirs[i], strlen(dirs[i]) - 1) == 0)
			break;
	if (i == sizeof(dirs) / sizeof(dirs[0]) || strlen(r->url) < strlen(dirs[i]) - 1 ||
	    (r->url[strlen(dirs[i]) - 1] != '\0' && r->url[strlen(dirs[i]) - 1] != '/'))
		return false;
	if (r->method != PRIVD_HTTP_GET && r->method != PRIVD_HTTP_HEAD)
		return false;
	if (r->url[strlen(dirs[i]) - 1] == '\0') { /* "/console": its directory, as relative links expect */
		privd_http_reply_empty(r, MHD_HTTP_MOVED_PERMANENTLY);
		snprintf(path, sizeof(path), "%s", dirs[i]);
		privd_http_reply_header(r, MHD_HTTP_HEADER_LOCATION, path);
		return true;
	}
	if (!path_ok(r->url + 1)) {
		not_found(r);
		return true;
	}
	snprintf(path, sizeof(path), "%s%s%s", root, r->url, r->url[strlen(r->url) - 1] == '/' ? "index.html" : "");
	type = type_of(path);
	data = type != NULL ? read_file(path, &len) : NULL;
	if (data == NULL) {
		not_found(r);
		return true;
	}
	privd_http_etag_of(data, len, etag);
	inm = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
	if (inm != NULL && strstr(inm, etag) != NULL) {
		free(data);
		privd_http_reply_empty(r, MHD_HTTP_NOT_MODIFIED);
	} else {
		privd_http_reply_owned(r, MHD_HTTP_OK, type, data, len);
	}
	privd_http_reply_header(r, MHD_HTTP_HEADER_ETAG, etag);
	privd_http_reply_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	privd_http_reply_header(r, "Content-Security-Policy", wasm_allowed(r->url) ? CSP_WASM : CSP);
	privd_http_reply_header(r, "X-Content-Type-Options", "nosniff");
	privd_http_reply_header(r, "Referrer-Policy", "no-referrer");
	privd_http_reply_header(r, "X-Frame-Options", "DENY");
	return true;
}
