/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * notify.h - the notices privd owes a person, rendered from what they report: which notice, about which request,
 * in which language and format.
 *
 * A use case decides that a person must be told something (their request was received, rejected, extended or
 * carried out, or their inquiry answered) and queues the notice in the same transaction as the change; the words
 * are chosen here, so no use case holds a sentence. The variable parts travel in a struct and the output goes to
 * malloc'd strings. Each notice comes in three formats: the plain text of an e-mail, its HTML part, and a short text
 * for SMS; each in the person's language, or in Russian and English, Russian first, where privd knows none. The
 * operator's name and contact close every text when the configuration gives them; without them the plain text is
 * exactly what the outbox held before delivery existed (the tests pin it).
 *
 * The transports live beside the texts, each behind its own header: mail.h (an e-mail's bytes), smtp.h and sms.h.
 */
#ifndef PRIVD_NOTIFY_H
#define PRIVD_NOTIFY_H

#include <stdint.h>

#include "core/incident.h" /* which data an incident concerned: a mask of core/destruction.h's categories */
#include "core/notice.h"   /* enum privd_notice_kind: what a person is told, its name the kind in the outbox */
#include "core/rc.h"
#include "core/request.h"

enum privd_notify_lang {
	PRIVD_NOTIFY_LANG_RU = 0,
	PRIVD_NOTIFY_LANG_EN,
	PRIVD_NOTIFY_LANG_RU_EN, /* both, Russian first: what privd sends while it knows no person's language */
	PRIVD_NOTIFY_LANG_COUNT
};

/* "ru", "en", "ru+en"; NULL outside the enum. */
const char *privd_notify_lang_name(enum privd_notify_lang l);
/* Parses those names exactly; PRIVD_ERR_INVALID for anything else (NULL included), *out then unchanged. */
enum privd_rc privd_notify_lang_parse(const char *name, enum privd_notify_lang *out);

enum privd_notify_format {
	PRIVD_NOTIFY_TEXT = 0, /* plain text, lines ending in \n: an e-mail's text part */
	PRIVD_NOTIFY_HTML,     /* a whole HTML document (UTF-8), every variable part escaped: an e-mail's HTML part */
	PRIVD_NOTIFY_SMS,      /* one short paragraph without line breaks */
	PRIVD_NOTIFY_FORMAT_COUNT
};

/* A notice's variable parts. Strings are borrowed for the call; those a kind does not use may be NULL. */
struct privd_notice_vars {
	enum privd_notice_kind kind;
	enum privd_request_type type; /* the request the notice is about (the request.* kinds) */
	enum privd_notify_lang lang;
	const char *request_id;       /* the request.* kinds */
	const char *due_date;         /* YYYY-MM-DD: received, extended */
	const char *reason;           /* told to the person whole: rejected, extended */
	const char *answer;           /* told to the person whole: answered (an inquiry's answer) */
	const char *version;          /* policy.published, consent_text.published: the version published */
	const char *purpose;          /* consent_text.published: the consent's purpose, by its API name */
	const char *url;              /* the *.published kinds: where the document is read */
	const char *incident_id;      /* incident */
	const char *description;      /* incident: what happened, in the operator's words */
	unsigned data_categories;     /* incident: the person's data it concerned (enum privd_destruction_category) */
	int64_t detected_at;          /* incident: when it was detected, UTC ms */
	const char *operator_name;    /* who writes: closes every text when given */
	const char *operator_contact; /* how the person reaches the operator: closes every text when given */
};

/* Renders the notice v describes in format fmt: *subject (a one-line title; subject may be NULL when not wanted)
 * and *body, each malloc'd and NUL-terminated, to be released with privd_notify_text_free (the body may hold the
 * reason, which is the person's business). A NULL member a kind uses is rendered as "". On failure *subject and
 * *body are NULL: PRIVD_ERR_INVALID for a kind, type or language outside its enum, PRIVD_ERR_UNSUPPORTED for a
 * format outside its enum, PRIVD_ERR_NOMEM; err (may be NULL) says which. The subject line is the same in every
 * format. */
enum privd_rc privd_notify_render(const struct privd_notice_vars *v, enum privd_notify_format fmt, char **subject,
                                  char **body, struct privd_err *err);

/* Zeroes and frees a rendered text; s may be NULL. */
void privd_notify_text_free(char *s);

#endif
