/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * incident.c - what privd tells a person whose data a breach concerned, in Russian and English (see incident.h).
 *
 * The policy promises that a person is notified "as soon as possible" of an unauthorized disclosure of their data,
 * by e-mail or phone; GDPR Art. 34(2) says what such a notice holds: the nature of the breach, a contact, its
 * likely consequences and the measures taken, in clear and plain language. So the notice says what happened (the
 * operator's description, whole), which of the person's data it concerned (named in words, not by the API's
 * category names), what the person can do, and whom to ask (the operator's name and contact close it, as they
 * close every notice). Each language's text is written out whole, paragraph by paragraph, so a translator reads
 * sentences; the SMS says the same in one paragraph and keeps one piece of advice.
 */
#include "incident.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/time.h"

/* The categories in words, by bit number (core/destruction.h). */
static const char *const category_ru[PRIVD_DESTRUCTION_CATEGORY_COUNT] = {
    "имя",
    "адрес электронной почты",
    "номер телефона",
    "IP-адрес",
    "дата рождения",
    "страна проживания",
    "сведения о ваших согласиях",
    "документы, приложенные к вашим обращениям",
    "содержание ваших обращений",
    "уведомления, которые мы вам направляли",
};

static const char *const category_en[PRIVD_DESTRUCTION_CATEGORY_COUNT] = {
    "your name",
    "your e-mail address",
    "your phone number",
    "your IP address",
    "your date of birth",
    "your country of residence",
    "the record of your consents",
    "the documents attached to your requests",
    "what your requests said",
    "the notices we sent you",
};

/* A text written piece by piece, snprintf-style: what fits goes into out, len counts everything. */
struct w {
	char *out;
	size_t cap, len;
};

static void put(struct w *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct w *w, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(w->len < w->cap ? w->out + w->len : NULL, w->len < w->cap ? w->cap - w->len : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		w->len += (size_t)n;
}

/* s with every line break as a space (an SMS is one paragraph). */
static void put_flat(struct w *w, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		size_t n = strcspn(s, "\r\n");

		put(w, "%.*s", (int)n, s);
		s += n;
		if (*s == '\0')
			break;
		put(w, " ");
	}
}

/* The categories in words, joined by commas. */
static void put_categories(struct w *w, unsigned set, bool ru)
{
	const char *const *names = ru ? category_ru : category_en;
	bool first = true;

	for (int c = 0; c < PRIVD_DESTRUCTION_CATEGORY_COUNT; c++) {
		if ((set & (1u << c)) == 0)
			continue;
		put(w, "%s%s", first ? "" : ", ", names[c]);
		first = false;
	}
}

/* "YYYY-MM-DD" of the detection, UTC. */
static void detected_day(const struct privd_notice_vars *v, char day[11])
{
	char t[PRIVD_TIME_LEN];

	privd_time_format(v->detected_at, t);
	memcpy(day, t, 10);
	day[10] = '\0';
}

static int finish(struct w *w)
{
	if (w->cap > 0 && w->len >= w->cap)
		w->out[w->cap - 1] = '\0';
	return (int)w->len;
}

static bool has_contact(const struct privd_notice_vars *v)
{
	return v->operator_contact != NULL && v->operator_contact[0] != '\0';
}

static bool bad_lang(enum privd_notify_lang lang)
{
	return lang != PRIVD_NOTIFY_LANG_RU && lang != PRIVD_NOTIFY_LANG_EN;
}

int privd_notify_incident_subject(const struct privd_notice_vars *v, enum privd_notify_lang lang, char *out, size_t cap)
{
	(void)v;
	if (bad_lang(lang))
		return -1;
	return lang == PRIVD_NOTIFY_LANG_RU ? snprintf(out, cap, "Инцидент с вашими персональными данными")
	                                    : snprintf(out, cap, "An incident concerning your personal data");
}

static void body_ru(struct w *w, const struct privd_notice_vars *v, const char *day)
{
	put(w,
	    "Мы обнаружили инцидент, в результате которого ваши персональные данные могли стать доступны "
	    "посторонним (обнаружен %s).\n\n",
	    day);
	put(w, "Что произошло: %s\n\n", v->description != NULL ? v->description : "");
	put(w, "Какие ваши данные затронуты: ");
	put_categories(w, v->data_categories, true);
	put(w, ".\n\n");
	put(w, "Что вы можете сделать:\n"
	       "- будьте осторожны с письмами, сообщениями и звонками, в которых от вас требуют пароли, коды "
	       "подтверждения или платёжные данные: мы их никогда не запрашиваем;\n");
	if (has_contact(v))
		put(w, "- если вам пишут или звонят от нашего имени и вы сомневаетесь, свяжитесь с нами сами по "
		       "контактам ниже;\n");
	put(w, "- вы вправе узнать, какие ваши данные мы обрабатываем, потребовать их исправления или удаления и "
	       "отозвать согласие на их обработку.\n\n");
	put(w, "Номер инцидента: %s.\n", v->incident_id != NULL ? v->incident_id : "");
}

static void body_en(struct w *w, const struct privd_notice_vars *v, const char *day)
{
	put(w,
	    "We have detected an incident in which your personal data may have been exposed to unauthorised "
	    "persons (detected on %s).\n\n",
	    day);
	put(w, "What happened: %s\n\n", v->description != NULL ? v->description : "");
	put(w, "Your data concerned: ");
	put_categories(w, v->data_categories, false);
	put(w, ".\n\n");
	put(w, "What you can do:\n"
	       "- be wary of e-mails, messages and calls asking for passwords, confirmation codes or payment details: "
	       "we never ask for them;\n");
	if (has_contact(v))
		put(w, "- if someone writes or calls in our name and you are in doubt, contact us yourself at the "
		       "address below;\n");
	put(w, "- you may ask us which of your data we process, have them corrected or erased, and withdraw your "
	       "consent to their processing.\n\n");
	put(w, "Incident no. %s.\n", v->incident_id != NULL ? v->incident_id : "");
}

int privd_notify_incident_body(const struct privd_notice_vars *v, enum privd_notify_lang lang, char *out, size_t cap)
{
	struct w w = {out, cap, 0};
	char day[11];

	if (bad_lang(lang))
		return -1;
	if (cap > 0)
		out[0] = '\0';
	detected_day(v, day);
	if (lang == PRIVD_NOTIFY_LANG_RU)
		body_ru(&w, v, day);
	else
		body_en(&w, v, day);
	return finish(&w);
}

int privd_notify_incident_sms(const struct privd_notice_vars *v, enum privd_notify_lang lang, char *out, size_t cap)
{
	struct w w = {out, cap, 0};
	bool ru = lang == PRIVD_NOTIFY_LANG_RU;
	char day[11];

	if (bad_lang(lang))
		return -1;
	if (cap > 0)
		out[0] = '\0';
	detected_day(v, day);
	put(&w,
	    ru ? "Инцидент с вашими персональными данными (обнаружен %s): "
	       : "An incident concerning your personal data (detected on %s): ",
	    day);
	put_flat(&w, v->description);
	put(&w, ru ? " Затронуты: " : " Data concerned: ");
	put_categories(&w, v->data_categories, ru);
	put(&w, ru ? ". Никому не сообщайте пароли и коды." : ". Never give anyone your passwords or codes.");
	return finish(&w);
}
