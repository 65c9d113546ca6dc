/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * notify.h - the notices privd owes a person, rendered from what they report: which notice, about which request,
 * in which language and format.
 *
 * A use case decides that a person must be told something (their request was received, rejected, extended or
 * carried out) and queues the notice in the same transaction as the change; the words are chosen here, so no use
 * case holds a sentence. The variable parts travel in a struct and the output goes to malloc'd strings, so that
 * what delivery will add (an HTML part for e-mail, a short text for SMS, the operator's name and contact from the
 * configuration) is a new format or a new member, not a new signature. Until then privd knows no person's
 * language and sends every notice in Russian and English, Russian first; those texts are what the outbox holds.
 */
#ifndef PRIVD_NOTIFY_H
#define PRIVD_NOTIFY_H

#include "core/notice.h" /* enum privd_notice_kind: what a person is told, its name the kind in the outbox */
#include "core/rc.h"
#include "core/request.h"

enum privd_notify_lang {
	PRIVD_NOTIFY_LANG_RU = 0,
	PRIVD_NOTIFY_LANG_EN,
	PRIVD_NOTIFY_LANG_RU_EN, /* both, Russian first: what privd sends while it knows no person's language */
	PRIVD_NOTIFY_LANG_COUNT
};

enum privd_notify_format {
	PRIVD_NOTIFY_TEXT = 0, /* plain text, lines ending in \n: the outbox body, an e-mail's text part */
	PRIVD_NOTIFY_FORMAT_COUNT
};

/* A notice's variable parts. Strings are borrowed for the call; those a kind does not use may be NULL. */
struct privd_notice_vars {
	enum privd_notice_kind kind;
	enum privd_request_type type; /* the request the notice is about */
	enum privd_notify_lang lang;
	const char *request_id; /* every kind */
	const char *due_date;   /* YYYY-MM-DD: received, extended */
	const char *reason;     /* told to the person whole: rejected, extended */
};

/* Renders the notice v describes in format fmt: *subject (a one-line title; subject may be NULL when not wanted)
 * and *body, each malloc'd and NUL-terminated, to be released with privd_notify_text_free (the body may hold the
 * reason, which is the person's business). A NULL member a kind uses is rendered as "". On failure *subject and
 * *body are NULL: PRIVD_ERR_INVALID for a kind, type or language outside its enum, PRIVD_ERR_UNSUPPORTED for a
 * format outside its enum, PRIVD_ERR_NOMEM; err (may be NULL) says which. */
enum privd_rc privd_notify_render(const struct privd_notice_vars *v, enum privd_notify_format fmt, char **subject,
                                  char **body, struct privd_err *err);

/* Zeroes and frees a rendered text; s may be NULL. */
void privd_notify_text_free(char *s);

#endif
