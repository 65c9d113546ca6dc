/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * texts.c - the words of the notices privd owes a person, in Russian and English (see notify.h).
 *
 * Each notice is one sentence or two, written out whole per kind and language, so a translator reads a sentence,
 * not fragments glued at run time; the compiler checks every format against its arguments. The texts are
 * measured before they are written, so a reason of any length appears whole. The Russian texts name the request
 * type in words, the English ones by its API name, as the person's own request did. What the outbox held before
 * these texts moved here is what they render now, byte for byte, when no operator is configured: the tests pin
 * that. The HTML part is the same sentences, escaped, in a document of its own; the SMS is a shorter sentence per
 * kind, since a person reads it on a phone and pays for nothing longer.
 */
#include "notify.h"

#include "buf.h"
#include "incident.h"

#include <stdarg.h>
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
    [PRIVD_REQUEST_TYPE_INQUIRY] = "вопрос об обработке персональных данных",
};

/* A consent's name in words, by the purpose's API name: the consent to processing is the one a person most often
 * reads about. */
static const char *consent_words(const char *purpose, bool ru)
{
	if (purpose != NULL && strcmp(purpose, "third_party_transfer") == 0)
		return ru ? "согласия на передачу персональных данных третьим лицам"
		          : "consent to the transfer of personal data to third parties";
	return ru ? "согласия на обработку персональных данных" : "consent to the processing of personal data";
}

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
	case PRIVD_NOTICE_INCIDENT:
		return privd_notify_incident_subject(v, lang, out, cap);
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
	case PRIVD_NOTICE_POLICY_PUBLISHED:
		return ru ? snprintf(out, cap, "Мы обновили политику обработки персональных данных")
		          : snprintf(out, cap, "We have updated our privacy policy");
	case PRIVD_NOTICE_REQUEST_ANSWERED:
		return ru ? snprintf(out, cap, "Ответ на ваш вопрос № %s", id)
		          : snprintf(out, cap, "The answer to your question no. %s", id);
	case PRIVD_NOTICE_CONSENT_TEXT_PUBLISHED:
		return ru ? snprintf(out, cap, "Мы обновили текст %s", consent_words(v->purpose, true))
		          : snprintf(out, cap, "We have updated the text of our %s", consent_words(v->purpose, false));
	default:
		return -1;
	}
}

static bool is_request_kind(enum privd_notice_kind k)
{
	return k == PRIVD_NOTICE_REQUEST_RECEIVED || k == PRIVD_NOTICE_REQUEST_REJECTED ||
	       k == PRIVD_NOTICE_REQUEST_EXTENDED || k == PRIVD_NOTICE_REQUEST_COMPLETED ||
	       k == PRIVD_NOTICE_REQUEST_ANSWERED;
}

static int body_ru(const struct privd_notice_vars *v, char *out, size_t cap)
{
	const char *t = is_request_kind(v->kind) ? type_ru[v->type] : "", *id = or_empty(v->request_id);
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
	case PRIVD_NOTICE_POLICY_PUBLISHED:
		return snprintf(out, cap,
		                "Мы опубликовали новую редакцию политики обработки персональных данных (версия %s). "
		                "Прочитать её можно здесь: %s\n",
		                or_empty(v->version), or_empty(v->url));
	case PRIVD_NOTICE_REQUEST_ANSWERED:
		return snprintf(out, cap, "Ответ на ваш вопрос (№ %s):\n%s\n", id, or_empty(v->answer));
	case PRIVD_NOTICE_CONSENT_TEXT_PUBLISHED:
		return snprintf(out, cap,
		                "Мы опубликовали новую редакцию текста %s (версия %s). Прочитать её можно здесь: %s\n",
		                consent_words(v->purpose, true), or_empty(v->version), or_empty(v->url));
	default:
		return -1;
	}
}

static int body_en(const struct privd_notice_vars *v, char *out, size_t cap)
{
	const char *t = is_request_kind(v->kind) ? privd_request_type_name(v->type) : "";
	const char *id = or_empty(v->request_id);
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
	case PRIVD_NOTICE_POLICY_PUBLISHED:
		return snprintf(out, cap,
		                "We have published a new version of our privacy policy (version %s). "
		                "You can read it here: %s\n",
		                or_empty(v->version), or_empty(v->url));
	case PRIVD_NOTICE_REQUEST_ANSWERED:
		return snprintf(out, cap, "The answer to your question (no. %s):\n%s\n", id, or_empty(v->answer));
	case PRIVD_NOTICE_CONSENT_TEXT_PUBLISHED:
		return snprintf(
		    out, cap,
		    "We have published a new version of the text of our %s (version %s). You can read it here: %s\n",
		    consent_words(v->purpose, false), or_empty(v->version), or_empty(v->url));
	default:
		return -1;
	}
}

/* The operator's closing lines of the plain text: their name, then how to reach them; "" without either. */
static int footer_text(const struct privd_notice_vars *v, enum privd_notify_lang lang, char *out, size_t cap)
{
	const char *name = or_empty(v->operator_name), *contact = or_empty(v->operator_contact);
	const char *label = lang == PRIVD_NOTIFY_LANG_RU ? "Вопросы о ваших персональных данных"
	                                                 : "Questions about "
	                                                   "your personal data";

	if (name[0] != '\0' && contact[0] != '\0')
		return snprintf(out, cap, "\n%s\n%s: %s\n", name, label, contact);
	if (name[0] != '\0')
		return snprintf(out, cap, "\n%s\n", name);
	if (contact[0] != '\0')
		return snprintf(out, cap, "\n%s: %s\n", label, contact);
	return snprintf(out, cap, "%s", "");
}

static int sentence_text(const struct privd_notice_vars *v, enum privd_notify_lang lang, char *out, size_t cap)
{
	if (v->kind == PRIVD_NOTICE_INCIDENT)
		return privd_notify_incident_body(v, lang, out, cap);
	return lang == PRIVD_NOTIFY_LANG_RU ? body_ru(v, out, cap) : body_en(v, out, cap);
}

/* Two snprintf-style texts one after the other, measured or written as one. */
static int both(text_fn a, text_fn b, const struct privd_notice_vars *v, enum privd_notify_lang lang, char *out,
                size_t cap)
{
	int n1 = a(v, lang, out, cap), n2;
	size_t at;

	if (n1 < 0)
		return -1;
	at = (size_t)n1 < cap ? (size_t)n1 : (cap > 0 ? cap - 1 : 0);
	n2 = b(v, lang, out != NULL ? out + at : NULL, cap > at ? cap - at : 0);
	return n2 < 0 ? -1 : n1 + n2;
}

static int body_text(const struct privd_notice_vars *v, enum privd_notify_lang lang, char *out, size_t cap)
{
	return both(sentence_text, footer_text, v, lang, out, cap);
}

/* The SMS sentence: what happened, as short as it can be said. */
static int sms_sentence(const struct privd_notice_vars *v, enum privd_notify_lang lang, char *out, size_t cap)
{
	const char *id = or_empty(v->request_id), *due = or_empty(v->due_date), *why = or_empty(v->reason);
	bool ru = lang == PRIVD_NOTIFY_LANG_RU;

	switch (v->kind) {
	case PRIVD_NOTICE_INCIDENT:
		return privd_notify_incident_sms(v, lang, out, cap);
	case PRIVD_NOTICE_REQUEST_RECEIVED:
		return ru ? snprintf(out, cap, "Запрос № %s получен, срок исполнения до %s.", id, due)
		          : snprintf(out, cap, "Request no. %s received; it will be carried out by %s.", id, due);
	case PRIVD_NOTICE_REQUEST_REJECTED:
		return ru ? snprintf(out, cap, "Запрос № %s отклонён. Причина: %s", id, why)
		          : snprintf(out, cap, "Request no. %s was rejected. Reason: %s", id, why);
	case PRIVD_NOTICE_REQUEST_EXTENDED:
		return ru ? snprintf(out, cap, "Срок по запросу № %s продлён до %s. Причина: %s", id, due, why)
		          : snprintf(out, cap, "Request no. %s: deadline extended to %s. Reason: %s", id, due, why);
	case PRIVD_NOTICE_REQUEST_COMPLETED:
		if (v->type == PRIVD_REQUEST_TYPE_ERASE)
			return ru ? snprintf(out, cap, "Ваши персональные данные удалены (запрос № %s).", id)
			          : snprintf(out, cap, "Your personal data has been erased (request no. %s).", id);
		return ru ? snprintf(out, cap, "Запрос № %s исполнен.", id)
		          : snprintf(out, cap, "Request no. %s has been carried out.", id);
	case PRIVD_NOTICE_POLICY_PUBLISHED:
		return ru ? snprintf(out, cap, "Политика обработки персональных данных обновлена: %s", or_empty(v->url))
		          : snprintf(out, cap, "Our privacy policy has been updated: %s", or_empty(v->url));
	case PRIVD_NOTICE_REQUEST_ANSWERED:
		return ru ? snprintf(out, cap, "Ответ на ваш вопрос № %s: %s", id, or_empty(v->answer))
		          : snprintf(out, cap, "The answer to your question no. %s: %s", id, or_empty(v->answer));
	case PRIVD_NOTICE_CONSENT_TEXT_PUBLISHED:
		return ru ? snprintf(out, cap, "Обновлён текст %s: %s", consent_words(v->purpose, true),
		                     or_empty(v->url))
		          : snprintf(out, cap, "The text of our %s has been updated: %s",
		                     consent_words(v->purpose, false), or_empty(v->url));
	default:
		return -1;
	}
}

/* " <label>: <contact>" after the SMS, when configured. */
static int sms_suffix(const struct privd_notice_vars *v, enum privd_notify_lang lang, char *out, size_t cap)
{
	if (v->operator_contact == NULL || v->operator_contact[0] == '\0')
		return snprintf(out, cap, "%s", "");
	return snprintf(out, cap, lang == PRIVD_NOTIFY_LANG_RU ? " Вопросы: %s" : " Questions: %s",
	                v->operator_contact);
}

static int sms_body(const struct privd_notice_vars *v, enum privd_notify_lang lang, char *out, size_t cap)
{
	return both(sms_sentence, sms_suffix, v, lang, out, cap);
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
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			at += (size_t)snprintf(out + at, len + 1 - at, "%s", sep);
		at += (size_t)text(v, langs[i], out + at, len + 1 - at);
	}
	return out;
}

/* The SMS in v->lang, "<operator>: " once before it when configured. */
static char *render_sms(const struct privd_notice_vars *v)
{
	char *text = compose(v, sms_body, " / "), *out;
	size_t n;

	if (text == NULL || v->operator_name == NULL || v->operator_name[0] == '\0')
		return text;
	n = strlen(v->operator_name) + 2 + strlen(text) + 1;
	out = malloc(n);
	if (out != NULL)
		snprintf(out, n, "%s: %s", v->operator_name, text);
	privd_notify_text_free(text);
	return out;
}

/* ---- HTML ---- */

/* One rendering by a text_fn, escaped into b. */
static void put_text_html(struct privd_notify_buf *b, text_fn fn, const struct privd_notice_vars *v,
                          enum privd_notify_lang lang)
{
	int n = fn(v, lang, NULL, 0);
	char *t;

	if (n < 0) {
		b->failed = true;
		return;
	}
	t = malloc((size_t)n + 1);
	if (t == NULL) {
		b->failed = true;
		return;
	}
	fn(v, lang, t, (size_t)n + 1);
	privd_notify_buf_html(b, t);
	explicit_bzero(t, (size_t)n);
	free(t);
}

static void html_lang(struct privd_notify_buf *b, const struct privd_notice_vars *v, enum privd_notify_lang lang)
{
	const char *name = or_empty(v->operator_name), *contact = or_empty(v->operator_contact);

	privd_notify_buf_puts(b, lang == PRIVD_NOTIFY_LANG_RU ? "<div lang=\"ru\">\n<p>" : "<div lang=\"en\">\n<p>");
	put_text_html(b, sentence_text, v, lang);
	privd_notify_buf_puts(b, "</p>\n");
	if (name[0] != '\0' || contact[0] != '\0') {
		privd_notify_buf_puts(b, "<p class=\"operator\">");
		privd_notify_buf_html(b, name);
		if (name[0] != '\0' && contact[0] != '\0')
			privd_notify_buf_puts(b, "<br>\n");
		if (contact[0] != '\0') {
			privd_notify_buf_puts(b, lang == PRIVD_NOTIFY_LANG_RU ? "Вопросы о ваших персональных данных: "
			                                                      : "Questions about your personal data: ");
			privd_notify_buf_html(b, contact);
		}
		privd_notify_buf_puts(b, "</p>\n");
	}
	privd_notify_buf_puts(b, "</div>\n");
}

static char *render_html(const struct privd_notice_vars *v, const char *subject)
{
	struct privd_notify_buf b = {NULL, 0, 0, false};
	bool two = v->lang == PRIVD_NOTIFY_LANG_RU_EN;

	privd_notify_buf_puts(&b, v->lang == PRIVD_NOTIFY_LANG_EN ? "<!DOCTYPE html>\n<html lang=\"en\">\n"
	                                                          : "<!DOCTYPE html>\n<html lang=\"ru\">\n");
	privd_notify_buf_puts(&b, "<head><meta charset=\"utf-8\"><title>");
	privd_notify_buf_html(&b, subject);
	privd_notify_buf_puts(&b, "</title></head>\n<body>\n");
	html_lang(&b, v, two ? PRIVD_NOTIFY_LANG_RU : v->lang);
	if (two) {
		privd_notify_buf_puts(&b, "<hr>\n");
		html_lang(&b, v, PRIVD_NOTIFY_LANG_EN);
	}
	privd_notify_buf_puts(&b, "</body>\n</html>\n");
	if (b.failed) {
		privd_notify_buf_discard(&b);
		return NULL;
	}
	return b.p;
}

/* ---- the one entry point ---- */

static const char *const lang_names[PRIVD_NOTIFY_LANG_COUNT] = {
    [PRIVD_NOTIFY_LANG_RU] = "ru", [PRIVD_NOTIFY_LANG_EN] = "en", [PRIVD_NOTIFY_LANG_RU_EN] = "ru+en"};

const char *privd_notify_lang_name(enum privd_notify_lang l)
{
	return (unsigned)l < PRIVD_NOTIFY_LANG_COUNT ? lang_names[l] : NULL;
}

enum privd_rc privd_notify_lang_parse(const char *name, enum privd_notify_lang *out)
{
	for (int i = 0; name != NULL && i < PRIVD_NOTIFY_LANG_COUNT; i++) {
		if (strcmp(name, lang_names[i]) == 0) {
			*out = (enum privd_notify_lang)i;
			return PRIVD_OK;
		}
	}
	return PRIVD_ERR_INVALID;
}

enum privd_rc privd_notify_render(const struct privd_notice_vars *v, enum privd_notify_format fmt, char **subject,
                                  char **body, struct privd_err *err)
{
	char *subj = NULL;

	if (subject != NULL)
		*subject = NULL;
	*body = NULL;
	if ((unsigned)v->kind >= PRIVD_NOTICE_KIND_COUNT ||
	    (is_request_kind(v->kind) && (unsigned)v->type >= PRIVD_REQUEST_TYPE_COUNT) ||
	    (unsigned)v->lang >= PRIVD_NOTIFY_LANG_COUNT)
		return privd_err_set(err, PRIVD_ERR_INVALID, "no such notice, request type or language");
	if ((unsigned)fmt >= PRIVD_NOTIFY_FORMAT_COUNT)
		return privd_err_set(err, PRIVD_ERR_UNSUPPORTED, "no such notice format");
	if (subject != NULL || fmt == PRIVD_NOTIFY_HTML) {
		subj = compose(v, subject_text, " / ");
		if (subj == NULL)
			goto nomem;
	}
	if (fmt == PRIVD_NOTIFY_TEXT)
		*body = compose(v, body_text, "\n");
	else if (fmt == PRIVD_NOTIFY_HTML)
		*body = render_html(v, subj);
	else
		*body = render_sms(v);
	if (*body == NULL)
		goto nomem;
	if (subject != NULL)
		*subject = subj;
	else
		privd_notify_text_free(subj);
	return PRIVD_OK;
nomem:
	privd_notify_text_free(subj);
	return privd_err_set(err, PRIVD_ERR_NOMEM, "out of memory rendering a notice");
}

void privd_notify_text_free(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}
