/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * lang.h - the languages privd publishes its documents in, and the choice of one for a reader.
 *
 * A Russian operator publishes its policy and its consent texts in Russian, and privd serves them in English as
 * well: two languages, named by their ISO 639-1 codes, which are what the API, the stored rows and the pages'
 * lang attributes hold. A reader's language comes from ?lang= or from the Accept-Language header a browser sends;
 * this module only parses and chooses (no I/O, no allocation), so the same rule serves every page.
 */
#ifndef PRIVD_CORE_LANG_H
#define PRIVD_CORE_LANG_H

#include "rc.h"

enum privd_lang {
	PRIVD_LANG_ANY = -1, /* where a language is asked for: whichever there is */
	PRIVD_LANG_RU = 0,
	PRIVD_LANG_EN,
	PRIVD_LANG_COUNT
};

/* The language a grant names when it names none, and the one a page is shown in when the reader prefers none
 * privd has: the operator's, Russian. */
#define PRIVD_LANG_DEFAULT PRIVD_LANG_RU

/* "ru", "en"; "unknown" outside the enum. Never NULL. */
const char *privd_lang_name(enum privd_lang l);

/* Parses "ru" or "en" exactly; PRIVD_ERR_INVALID for anything else, including NULL, and *out is then left
 * unchanged. out may be NULL. */
enum privd_rc privd_lang_parse(const char *name, enum privd_lang *out);

/*
 * The language of privd's to show a reader whose Accept-Language header is accept (RFC 9110 12.5.4: a list of
 * language ranges, each with an optional ";q=" weight). The range with the highest weight that matches one of
 * privd's languages wins ("ru", "ru-RU" and "RU" all match Russian; "*" matches def); on a tie the earlier one.
 * A range with q=0 is refused, and so is a language it names even when "*" is accepted. def when accept is NULL,
 * empty, unparseable or names nothing privd has. Cannot fail.
 */
enum privd_lang privd_lang_negotiate(const char *accept, enum privd_lang def);

#endif
