/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * fuzz_router.c - fuzz target for the router's matching of method and path, and the parsers of the query values
 * every list shares (http/router.c, http/notifications.c, http/problem.c).
 *
 * Every request line reaches privd_http_route_match before any key is looked at, so a stranger chooses its bytes:
 * a path of any length, segments longer than the {id} buffers, empty segments, bytes libmicrohttpd decoded from
 * %XX. Input: "METHOD URL" (the first space splits them; without one the whole input is the URL under GET); a NUL
 * ends the input as it ends a C string; the URL is cut at '?' as libmicrohttpd cuts it, and each value of the
 * query ("k=v&k=v") goes to the cursor and id parsers. The invariants, beyond no crash and no read past the input:
 * the answer is 0, 404 or 405; a match is a route of that method whose pattern, with the {id} and {purpose} copied
 * out put back, is the path again, each parameter 1 to PRIVD_HTTP_PARAM_MAX bytes without '/'; a 405 lists in
 * Allow only methods that do match, and a 404 has no method that matches; a cursor parses to a time of 0 or more
 * and 32 lowercase hexadecimal digits; an id is valid exactly when it is 32 lowercase hexadecimal digits. A broken
 * invariant aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_int.h"

#define URL_MAX 4096

static bool is_hex32(const char *s)
{
	size_t i;

	for (i = 0; i < 32; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[32] == '\0';
}

/* The pattern with r's parameters put back in place of {id} and {purpose}, into out; false when it does not fit. */
static bool expand(const char *pattern, const struct privd_http_req *r, char *out, size_t outlen)
{
	size_t o = 0;
	const char *p = pattern;

	while (*p != '\0') {
		const char *add = p;
		size_t n = 1;

		if (*p == '{') {
			const char *e = strchr(p, '}');

			if (e == NULL)
				abort(); /* a pattern of the table itself is broken */
			add = p[1] == 'i' ? r->id : r->purpose;
			n = strlen(add);
			if (n == 0 || n > PRIVD_HTTP_PARAM_MAX || memchr(add, '/', n) != NULL)
				abort();
			p = e + 1;
		} else {
			p++;
		}
		if (o + n >= outlen)
			return false;
		memcpy(out + o, add, n);
		o += n;
	}
	out[o] = '\0';
	return true;
}

static unsigned match(const char *url, enum privd_http_method m, char *allow, size_t allow_len,
                      struct privd_http_req *r)
{
	memset(r, 0, sizeof(*r));
	r->url = url;
	r->method = m;
	return privd_http_route_match(r, allow, allow_len);
}

static void check_route(const char *url, enum privd_http_method m)
{
	struct privd_http_req r, r2;
	const struct privd_http_route *rt;
	char allow[128] = "", again[URL_MAX + 1];
	unsigned st = match(url, m, allow, sizeof(allow), &r);
	int k;

	if (st == 0) {
		rt = privd_http_route_get(r.route);
		if (rt == NULL || rt->method != m || rt->path_idx != r.path_idx)
			abort();
		if (expand(privd_http_path_name(r.path_idx), &r, again, sizeof(again)) && strcmp(again, url) != 0)
			abort();
		return;
	}
	if (r.route != -1 || (st != 404 && st != 405))
		abort();
	for (k = 0; k < PRIVD_HTTP_METHOD_COUNT; k++) {
		const char *name = privd_http_method_name((enum privd_http_method)k);
		const char *at = strstr(allow, name);
		bool listed = at != NULL && (at == allow || at[-1] == ' ') &&
		              (at[strlen(name)] == '\0' || at[strlen(name)] == ',');
		unsigned other = match(url, (enum privd_http_method)k, NULL, 0, &r2);

		if (k == (int)m && other == 0)
			abort();
		if (st == 404 && other == 0)
			abort();
		if (st == 405 && listed && other != 0)
			abort();
	}
	if (st == 405 && allow[0] == '\0')
		abort();
}

static void check_value(const char *v)
{
	int64_t created = -1;
	char id[33];

	if (privd_http_cursor_parse(v, &created, id) && (created < 0 || !is_hex32(id)))
		abort();
	if (privd_http_id_valid(v) != is_hex32(v))
		abort();
}

/* Each value of "k=v&k=v..." (the query, cut in place). */
static void check_query(char *q)
{
	char *save = NULL;

	for (char *pair = strtok_r(q, "&", &save); pair != NULL; pair = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(pair, '=');

		check_value(eq != NULL ? eq + 1 : pair);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = NULL, *url, *q, *sp;
	enum privd_http_method m = PRIVD_HTTP_GET;
	size_t n = strnlen((const char *)data, size);

	if (n > URL_MAX)
		return 0;
	text = malloc(n + 1);
	if (text == NULL)
		abort();
	memcpy(text, data, n);
	text[n] = '\0';
	url = text;
	sp = strchr(text, ' ');
	if (sp != NULL) {
		*sp = '\0';
		m = privd_http_method_parse(text);
		if (strcmp(privd_http_method_name(m), m == PRIVD_HTTP_OTHER ? "OTHER" : text) != 0)
			abort();
		url = sp + 1;
	}
	q = strchr(url, '?');
	if (q != NULL)
		*q++ = '\0';
	check_route(url, m);
	if (q != NULL)
		check_query(q);
	free(text);
	return 0;
}
