/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * guardian.c - a guardian_consent request's details as they are stored: the guardian and the purposes chosen.
 *
 * The details are checked by core (core/guardian.h) when the request is filed, then kept in the request's row
 * sealed under the subject's key like every other request text, so they go with the minor's erasure. The encoding
 * is the API's own shape, normalised, so an operator reading the request sees what was filed; executing the
 * request reads back only the purposes, which is all it needs and holds no PII.
 */
#include <stdlib.h>
#include <string.h>

#include "service/request_int.h"

/* The cookie categories in the order of struct privd_guardian_input's cookies. */
static const enum privd_purpose cookie_purpose[3] = {PRIVD_PURPOSE_COOKIES_PREFERENCES, PRIVD_PURPOSE_COOKIES_ANALYTICS,
                                                     PRIVD_PURPOSE_COOKIES_MARKETING};
static const char *const cookie_name[3] = {"preferences", "analytics", "marketing"};

static json_t *guardian_json(const struct privd_guardian *g)
{
	json_t *o = json_pack("{s:s, s:s}", "name", g->name, "relation", g->relation);

	if (o != NULL && g->email[0] != '\0' && json_object_set_new(o, "email", json_string(g->email)) != 0)
		goto fail;
	if (o != NULL && g->phone[0] != '\0' && json_object_set_new(o, "phone", json_string(g->phone)) != 0)
		goto fail;
	return o;
fail:
	json_decref(o);
	return NULL;
}

static json_t *consents_json(const struct privd_guardian *g)
{
	json_t *cookies = json_array();

	for (size_t c = 0; cookies != NULL && c < 3; c++)
		if (g->granted[cookie_purpose[c]] && json_array_append_new(cookies, json_string(cookie_name[c])) != 0) {
			json_decref(cookies);
			cookies = NULL;
		}
	if (cookies == NULL)
		return NULL;
	return json_pack("{s:b, s:b, s:o}", "processing", (int)g->granted[PRIVD_PURPOSE_PROCESSING],
	                 "third_party_transfer", (int)g->granted[PRIVD_PURPOSE_THIRD_PARTY_TRANSFER], "cookies",
	                 cookies);
}

enum privd_rc privd_guardian_encode(const struct privd_guardian *g, char **text)
{
	json_t *guardian = guardian_json(g), *consents = consents_json(g), *root = NULL;

	*text = NULL;
	if (guardian != NULL && consents != NULL)
		root = json_pack("{s:O, s:O}", "guardian", guardian, "consents", consents);
	if (root != NULL)
		*text = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(guardian);
	json_decref(consents);
	json_decref(root);
	return *text != NULL ? PRIVD_OK : PRIVD_ERR_NOMEM;
}

enum privd_rc privd_guardian_decode(const char *text, bool granted[PRIVD_PURPOSE_COUNT])
{
	json_t *root = text != NULL ? json_loads(text, 0, NULL) : NULL;
	json_t *consents = json_object_get(root, "consents"), *cookies = json_object_get(consents, "cookies"), *v;
	enum privd_rc rc = json_is_object(consents) ? PRIVD_OK : PRIVD_ERR_CONFLICT;
	size_t i;

	memset(granted, 0, PRIVD_PURPOSE_COUNT * sizeof(granted[0]));
	if (rc == PRIVD_OK) {
		granted[PRIVD_PURPOSE_PROCESSING] = json_is_true(json_object_get(consents, "processing"));
		granted[PRIVD_PURPOSE_THIRD_PARTY_TRANSFER] =
		    json_is_true(json_object_get(consents, "third_party_transfer"));
		json_array_foreach(cookies, i, v)
		{
			enum privd_purpose p;

			if (privd_cookie_category_parse(json_string_value(v), &p) == PRIVD_OK)
				granted[p] = true;
		}
	}
	json_decref(root);
	return rc;
}
