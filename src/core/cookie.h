/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * cookie.h - cookie consent on the website: the categories, what the banner tells a visitor about each, a
 * visitor's choice, the origins allowed to record one, and the token bucket that limits how fast one address may.
 *
 * The policy sets cookies "if the user permits it", so the banner asks before anything but the necessary cookies is
 * set, per category. A visitor is a random id the banner keeps in a first-party cookie: no personal data, until
 * the person registers and the app links the visitor to the subject, whose consent records then hold the choice
 * (cookies.preferences, cookies.analytics, cookies.marketing). What a site owner configures (each category's
 * title and description in Russian and English, the third-party services it covers, the cookie names the banner
 * may remove) is checked here field by field, so that a bad value is named before anything is stored. A busy site
 * records many choices from shared addresses and a few abusive ones: the bucket is pure arithmetic on the time
 * the caller passes, with no clock of its own.
 */
#ifndef PRIVD_CORE_COOKIE_H
#define PRIVD_CORE_COOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "consent.h"
#include "rc.h"

enum privd_cookie_category {
	PRIVD_COOKIE_NECESSARY = 0, /* always on: the consent cookie itself, sessions, security */
	PRIVD_COOKIE_PREFERENCES,
	PRIVD_COOKIE_ANALYTICS,
	PRIVD_COOKIE_MARKETING,
	PRIVD_COOKIE_CATEGORY_COUNT
};

/* "necessary", "preferences", "analytics", "marketing"; "unknown" outside the enum. Never NULL. */
const char *privd_cookie_category_name(enum privd_cookie_category c);
/* Parses a category name exactly; PRIVD_ERR_INVALID for anything else (out untouched). */
enum privd_rc privd_cookie_category_from(const char *name, enum privd_cookie_category *out);
/* The consent purpose a category is recorded under for a subject (cookies.<name>); false for necessary, which
 * needs no consent. Cannot fail. */
bool privd_cookie_category_purpose(enum privd_cookie_category c, enum privd_purpose *out);

/* ---- what the banner says about each category (GET and PUT /v1/cookie-config) ---- */
#define PRIVD_COOKIE_TITLE_MAX 120        /* bytes of UTF-8 */
#define PRIVD_COOKIE_DESCRIPTION_MAX 1000 /* bytes of UTF-8 */
#define PRIVD_COOKIE_SERVICES_MAX 16      /* third-party services per category */
#define PRIVD_COOKIE_SERVICE_MAX 100      /* bytes of a service's name */
#define PRIVD_COOKIE_URL_MAX 300          /* a service's privacy notice: http(s) URL */
#define PRIVD_COOKIE_NAMES_MAX 32         /* cookie names per category */
#define PRIVD_COOKIE_NAME_MAX 100         /* a cookie name, or a prefix ending in '*' */

struct privd_cookie_service {
	char name[PRIVD_COOKIE_SERVICE_MAX + 1];
	char url[PRIVD_COOKIE_URL_MAX + 1]; /* "" when none */
};

/* Texts are indexed by language: [0] Russian, [1] English (PRIVD_COOKIE_RU, PRIVD_COOKIE_EN). */
enum { PRIVD_COOKIE_RU = 0, PRIVD_COOKIE_EN = 1, PRIVD_COOKIE_LANGS = 2 };

struct privd_cookie_category_info {
	char title[PRIVD_COOKIE_LANGS][PRIVD_COOKIE_TITLE_MAX + 1];
	char description[PRIVD_COOKIE_LANGS][PRIVD_COOKIE_DESCRIPTION_MAX + 1];
	struct privd_cookie_service services[PRIVD_COOKIE_SERVICES_MAX];
	size_t nservices;
	char cookies[PRIVD_COOKIE_NAMES_MAX][PRIVD_COOKIE_NAME_MAX + 1];
	size_t ncookies;
};

/* About 50 KiB: allocate it, do not put it on a stack. */
struct privd_cookie_config {
	struct privd_cookie_category_info category[PRIVD_COOKIE_CATEGORY_COUNT];
};

/* The language codes of the texts ("ru", "en"). Never NULL for 0 and 1. */
const char *privd_cookie_lang_name(int lang);

/* Checks every text of c and trims it in place: titles and descriptions non-empty one-line UTF-8 text within their
 * limits, a service's name likewise and its url empty or an http(s) URL without spaces, each cookie name a cookie
 * token ([A-Za-z0-9!#$%&'+.^_`|~-]) optionally ending in '*' (a prefix). Each fault adds a field error named as
 * the API names it ("categories.analytics.title.en", "categories.marketing.services[2].url",
 * "categories.analytics.cookies[0]"). PRIVD_ERR_INVALID when any. */
enum privd_rc privd_cookie_config_check(struct privd_cookie_config *c, struct privd_err *err);
/* The same checks for one category k of c (the field errors only; err may not be NULL). Cannot fail. */
void privd_cookie_category_check(struct privd_cookie_category_info *c, enum privd_cookie_category k,
                                 struct privd_err *err);

/* Does cookie name match pattern (an exact name, or a prefix followed by '*')? Cannot fail. */
bool privd_cookie_name_matches(const char *pattern, const char *name);

/* ---- a visitor's choice (POST /v1/cookie-consents) ---- */
#define PRIVD_COOKIE_ORIGIN_MAX 255

struct privd_cookie_choice {
	char visitor_id[33];                           /* 32 lowercase hexadecimal characters, made by the banner */
	bool granted[PRIVD_COOKIE_CATEGORY_COUNT];     /* necessary is always true */
	char policy_version[PRIVD_POLICY_VERSION_MAX]; /* the policy the visitor was shown */
	bool gpc;     /* the browser signalled Global Privacy Control (navigator.globalPrivacyControl) */
	bool sec_gpc; /* the request carried "Sec-GPC: 1" */
	char origin[PRIVD_COOKIE_ORIGIN_MAX + 1]; /* the site it was given on ("" when not sent) */
	int64_t at;                               /* when it was recorded (UTC ms) */
};

/* True for a visitor id: exactly 32 lowercase hexadecimal characters. Accepts NULL (false). */
bool privd_cookie_visitor_valid(const char *id);

/* ---- the origins allowed to record choices ([cookies] origins) ---- */
/* True when list is "" or origins "scheme://host[:port]" (http or https, lowercase, no path, no trailing slash)
 * separated by commas, spaces around each allowed. Cannot fail. */
bool privd_cookie_origins_valid(const char *list);
/* True when origin is one of list's (exactly, as a browser sends it). Cannot fail; false for NULL or "". */
bool privd_cookie_origin_allowed(const char *list, const char *origin);

/* ---- a token bucket per address ---- */
struct privd_bucket {
	int64_t millitokens; /* tokens * 1000 */
	int64_t at_ms;       /* when millitokens was last brought up to date; 0: a new bucket (full) */
};

/* Takes one token at now_ms from bucket b, which holds at most burst tokens and gains per_minute tokens a minute.
 * True when there was one; otherwise false and *retry_ms (may be NULL) says when there will be. A bucket with
 * per_minute 0 never refills; burst 0 always refuses. A clock that went backwards refills nothing. Cannot fail. */
bool privd_bucket_take(struct privd_bucket *b, int64_t now_ms, unsigned per_minute, unsigned burst, int64_t *retry_ms);

#endif
