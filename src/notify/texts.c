/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * texts.c - the words of the notices privd owes a person, in Russian and English (see notify.h).
 *
 * Each notice is one sentence or two, written out whole per kind and language, so a translator reads a sentence,
 * not fragments glued at run time; the compiler checks every format against its arguments. The texts are
 * measured before they are written, so a reason of any length appears whole. The Russian texts name the request
 * type in words, the English ones by its API name, as the person's own request did. What the outbox held before
 * these texts moved here is what they render now, byte for byte: the tests pin that.
 */
#include "notify.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const type_ru[PRIVD_REQUEST_TYPE_COUNT] = {
    [PRIVD_REQUEST_TYPE_ERASE] = "удаление персональных данных",
    [PRIVD_REQUEST_TYPE_RECTIFY] = "исправление персональных данных",
    [PRIVD_REQUEST_TYPE_ACCESS] = "доступ к персональным данным",
    [PRIVD_REQUEST_TYPE_TRANSFER_INFO] = "сведения о передаче данных третьим лицам",
    [PRIVD_REQUEST_TYPE_REVOKE_PROCESSING] = "отзыв согласия на обработку персональных данных",
    [PRIVD_REQUEST_TYPE_REVOKE_COOKIES] = "отзыв согласия на использование cookies",
    [PRIVD_REQUEST_TYPE_GUARDIAN_CONSENT] = "согласие законного представителя",
};

/* One language's text of a notice, snprintf-style: writes at most cap bytes, returns the length it needs. */
typedef int (*text_fn)(const struct privd_notice_vars *v, enum privd_notify_lang lang, char *out, size_t cap);

static const char *or_empty(const char *s)
{
	return s != NULL ? s : "";
}

static int subject_text(const struct privd_notice_vars *v, enum privd_notify_lang lang, char *out, size_t cap)
{
	const char *id = or_empty(v->request_id);
	bool ru = lang == PRIVD_NOTIFY_LANG_RU;

	switch (v->kind) {
	case PRIVD_NOTICE_REQUEST_RECEIVED:
		return ru ? snprintf(out, cap, "Ваш запрос № %s получен", id)
		          : snprintf(out, cap, "Your request no. %s has been received", id);
	case PRIVD_NOTICE_REQUEST_REJECTED:
		return ru ? snprintf(out, cap, "Ваш запрос № %s отклонён", id)
		          : snprintf(out, cap, "Your request no. %s was rejected", id);
	case PRIVD_NOTICE_REQUEST_EXTENDED:
		return ru ? snprintf(out, cap, "Срок исполнения запроса № %s продлён до %s", id, or_empty(v->due_date))
		          : snprintf(out, cap, "The deadline of your request no. %s was extended to %s", id,
		                     or_empty(v->due_date));
	case PRIVD_NOTICE_REQUEST_COMPLETED:
		if (v->type == PRIVD_REQUEST_TYPE_ERASE)
			return ru ? snprintf(out, cap, "Ваши персональные данные удалены")
			          : snprintf(out, cap, "Your personal data has been erased");
		return ru ? snprintf(out, cap, "Ваш запрос № %s исполнен", id)
		          : snprintf(out, cap, "Your request no. %s has been carried out", id);
	default:
		return -1;
	}
}

static int body_ru(const struct privd_notice_vars *v, char *out, size_t cap)
{
	const char *t = type_ru[v->type], *id = or_empty(v->request_id);
	const char *due = or_empty(v->due_date), *why = or_empty(v->reason);

	switch (v->kind) {
	case PRIVD_NOTICE_REQUEST_RECEIVED:
		return snprintf(out, cap, "Ваш запрос «%s» (№ %s) получен. Срок исполнения: до %s.\n", t, id, due);
	case PRIVD_NOTICE_REQUEST_REJECTED:
		return snprintf(out, cap, "Ваш запрос «%s» (№ %s) отклонён. Причина: %s\n", t, id, why);
	case PRIVD_NOTICE_REQUEST_EXTENDED:
		return snprintf(out, cap, "Срок исполнения вашего запроса «%s» (№ %s) продлён до %s. Причина: %s\n", t,
		                id, due, why);
	case PRIVD_NOTICE_REQUEST_COMPLETED:
		if (v->type == PRIVD_REQUEST_TYPE_ERASE)
			return snprintf(out, cap,
			                "Ваш запрос на удаление (№ %s) исполнен: ваши персональные данные удалены.\n",
			                id);
		return snprintf(out, cap, "Ваш запрос «%s» (№ %s) исполнен.\n", t, id);
	default:
		return -1;
	}
}

static int body_en(const struct privd_notice_vars *v, char *out, size_t cap)
{
	const char *t = privd_request_type_name(v->type), *id = or_empty(v->request_id);
	const char *due = or_empty(v->due_date), *why = or_empty(v->reason);

	switch (v->kind) {
	case PRIVD_NOTICE_REQUEST_RECEIVED:
		return snprintf(out, cap, "We have received your request (%s, no. %s). It will be carried out by %s.\n",
		                t, id, due);
	case PRIVD_NOTICE_REQUEST_REJECTED:
		return snprintf(out, cap, "Your request (%s, no. %s) was rejected. Reason: %s\n", t, id, why);
	case PRIVD_NOTICE_REQUEST_EXTENDED:
		return snprintf(out, cap, "The deadline of your request (%s, no. %s) was extended to %s. Reason: %s\n",
		                t, id, due, why);
	case PRIVD_NOTICE_REQUEST_COMPLETED:
		if (v->type == PRIVD_REQUEST_TYPE_ERASE)
			return snprintf(
			    out, cap,
			    "Your erasure request (no. %s) has been carried out: your personal data has been "
			    "erased.\n",
			    id);
		return snprintf(out, cap, "Your request (%s, no. %s) has been carried out.\n", t, id);
	default:
		return -1;
	}
}

static int body_text(const struct privd_notice_vars *v, enum privd_notify_lang lang, char *out, size_t cap)
{
	return lang == PRIVD_NOTIFY_LANG_RU ? body_ru(v, out, cap) : body_en(v, out, cap);
}

/* The text in v->lang: one language's, or for both Russian's, sep, then English's. NULL when out of memory. */
static char *compose(const struct privd_notice_vars *v, text_fn text, const char *sep)
{
	enum privd_notify_lang langs[2] = {v->lang, v->lang};
	size_t n = 1, len = 0, at = 0;
	char *out;

	if (v->lang == PRIVD_NOTIFY_LANG_RU_EN) {
		langs[0] = PRIVD_NOTIFY_LANG_RU;
		langs[1] = PRIVD_NOTIFY_LANG_EN;
		n = 2;
		len = strlen(sep);
	}
	for (size_t i = 0; i < n; i++) {
		int k = text(v, langs[i], NULL, 0);

		if (k < 0)
			return NULL;
		len += (size_t)k;
	}
	out = malloc(len + 1);
	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			at += (size_t)snprintf(out + at, len + 1 - at, "%s", sep);
		at += (size_t)text(v, langs[i], out + at, len + 1 - at);
	}
	return out;
}

enum privd_rc privd_notify_render(const struct privd_notice_vars *v, enum privd_notify_format fmt, char **subject,
                                  char **body, struct privd_err *err)
{
	enum privd_rc rc = PRIVD_OK;

	if (subject != NULL)
		*subject = NULL;
	*body = NULL;
	if ((unsigned)v->kind >= PRIVD_NOTICE_KIND_COUNT || (unsigned)v->type >= PRIVD_REQUEST_TYPE_COUNT ||
	    (unsigned)v->lang >= PRIVD_NOTIFY_LANG_COUNT)
		return privd_err_set(err, PRIVD_ERR_INVALID, "no such notice, request type or language");
	if ((unsigned)fmt >= PRIVD_NOTIFY_FORMAT_COUNT)
		return privd_err_set(err, PRIVD_ERR_UNSUPPORTED, "no such notice format");
	*body = compose(v, body_text, "\n");
	if (*body != NULL && subject != NULL)
		*subject = compose(v, subject_text, " / ");
	if (*body == NULL || (subject != NULL && *subject == NULL)) {
		rc = privd_err_set(err, PRIVD_ERR_NOMEM, "out of memory rendering a notice");
		privd_notify_text_free(*body);
		*body = NULL;
	}
	return rc;
}

void privd_notify_text_free(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}
