/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * regulator.c - the draft of what the operator files with the regulator after a breach, as Markdown.
 *
 * 152-FZ Art. 21 p.3.1 asks for two notices to Roskomnadzor: within 24 hours of detection, the incident, its
 * presumed causes, the presumed harm to the persons' rights, the measures taken and the person the operator
 * authorises to deal with the regulator on it; within 72 hours, the results of the internal investigation and
 * who caused the incident, where known. When EU/EEA residents are among those affected, GDPR Art. 33(3) asks the
 * supervisory authority to be told the nature of the breach with the categories and approximate numbers of
 * persons and records, the DPO or another contact point, the likely consequences and the measures, within 72
 * hours; a later notice gives the reasons for the delay (Art. 33(1)). The draft holds every one of those items,
 * in that order, each with what privd knows or, where the operator has not said it yet, a line saying which
 * field of the incident to fill in, so that nothing required is silently left out. The Russian part is for
 * Roskomnadzor, the GDPR part in English. The operator's texts go in as written: they are the operator's words
 * to the regulator.
 */
#include "http_int.h"

#include <stdio.h>
#include <string.h>

#include "core/incident.h"
#include "service/incidents.h"

/* The categories in words, by bit number (core/destruction.h). */
static const char *const category_ru[PRIVD_DESTRUCTION_CATEGORY_COUNT] = {
    "фамилия, имя, отчество",
    "адрес электронной почты",
    "номер телефона",
    "IP-адрес",
    "дата рождения",
    "страна проживания",
    "сведения о согласиях на обработку",
    "документы, приложенные к обращениям субъектов",
    "содержание обращений субъектов",
    "уведомления, направленные субъектам",
};

static const char *const category_en[PRIVD_DESTRUCTION_CATEGORY_COUNT] = {
    "name",
    "e-mail address",
    "phone number",
    "IP address",
    "date of birth",
    "country of residence",
    "consent records",
    "documents attached to data subjects' requests",
    "what data subjects' requests said",
    "notices sent to data subjects",
};

static void categories(struct privd_http_text *t, unsigned set, const char *const *names)
{
	bool first = true;

	for (int c = 0; c < PRIVD_DESTRUCTION_CATEGORY_COUNT; c++) {
		if ((set & (1u << c)) == 0)
			continue;
		privd_http_text_printf(t, "%s%s", first ? "" : "; ", names[c]);
		first = false;
	}
}

static int ncategories(unsigned set)
{
	int n = 0;

	for (int c = 0; c < PRIVD_DESTRUCTION_CATEGORY_COUNT; c++)
		n += (set & (1u << c)) != 0;
	return n;
}

static void when(struct privd_http_text *t, int64_t ms)
{
	char s[PRIVD_TIME_LEN];

	privd_time_format(ms, s);
	privd_http_text_printf(t, "%.10s %.5s UTC", s, s + 11);
}

/* A paragraph of the operator's text, or the line saying what to fill in. */
static void text_or(struct privd_http_text *t, const char *s, const char *missing, const char *field)
{
	if (s != NULL && s[0] != '\0')
		privd_http_text_printf(t, "%s\n\n", s);
	else
		privd_http_text_printf(t, "_%s: заполните поле `%s` (PATCH /v1/incidents/{id})._\n\n", missing, field);
}

static void text_or_en(struct privd_http_text *t, const char *s, const char *field)
{
	if (s != NULL && s[0] != '\0')
		privd_http_text_printf(t, "%s\n", s);
	else
		privd_http_text_printf(t, "_not stated yet: fill in `%s` (PATCH /v1/incidents/{id})._\n", field);
}

static void or_missing(struct privd_http_text *t, const char *s, const char *key)
{
	if (s != NULL && s[0] != '\0')
		privd_http_text_puts(t, s);
	else
		privd_http_text_printf(t, "_не указано: настройте `%s`_", key);
}

/* Sections 1 and 2 of both notices: the operator and the incident. */
static void ru_head(struct privd_http_text *t, const struct privd_regulator_draft *d)
{
	const struct privd_incident *x = &d->incident;

	privd_http_text_puts(t, "## 1. Сведения об операторе\n\n- Наименование оператора: ");
	or_missing(t, d->operator_name, "[operator] name");
	privd_http_text_puts(t, "\n- Контактные данные оператора: ");
	or_missing(t, d->operator_contact, "[operator] contact");
	privd_http_text_puts(t, "\n\n## 2. Инцидент\n\n");
	privd_http_text_printf(t, "- Номер инцидента: %s\n- Дата и время выявления: ", x->id);
	when(t, x->detected_at);
	privd_http_text_puts(t, "\n- Категории персональных данных, в отношении которых произошёл инцидент: ");
	categories(t, x->categories, category_ru);
	privd_http_text_printf(t,
	                       "\n- Количество субъектов персональных данных, права которых затронуты: %lld (из них "
	                       "проживающих в ЕС/ЕЭЗ: %lld); каждому направлено уведомление\n",
	                       (long long)x->affected, (long long)x->affected_eu);
	privd_http_text_puts(t, "- Срок уведомления об инциденте: ");
	when(t, x->reports[PRIVD_REPORT_INITIAL].due);
	privd_http_text_puts(t, "; срок уведомления о результатах внутреннего расследования: ");
	when(t, x->reports[PRIVD_REPORT_FOLLOWUP].due);
	privd_http_text_puts(t, "\n\n### Описание инцидента\n\n");
	text_or(t, x->description, "не указано", "description");
}

static void ru_initial(struct privd_http_text *t, const struct privd_regulator_draft *d)
{
	const struct privd_incident *x = &d->incident;

	privd_http_text_puts(t,
	                     "# Уведомление об инциденте, повлёкшем нарушение прав субъектов персональных данных\n\n"
	                     "Первичное уведомление Роскомнадзора в течение 24 часов с момента выявления инцидента "
	                     "(ч. 3.1 ст. 21 Федерального закона от 27.07.2006 № 152-ФЗ «О персональных данных»).\n\n");
	ru_head(t, d);
	privd_http_text_puts(
	    t, "## 3. Предполагаемые причины, повлёкшие нарушение прав субъектов персональных данных\n\n");
	text_or(t, x->causes, "Причины не указаны", "causes");
	privd_http_text_puts(t, "## 4. Предполагаемый вред, нанесённый правам субъектов персональных данных\n\n");
	text_or(t, x->harm, "Вред не оценён", "harm");
	privd_http_text_puts(t, "## 5. Принятые меры по устранению последствий инцидента\n\n");
	text_or(t, x->measures, "Меры не указаны", "measures");
	privd_http_text_puts(t, "## 6. Лицо, уполномоченное оператором на взаимодействие с Роскомнадзором по вопросам, "
	                        "связанным с инцидентом\n\n");
	or_missing(t, d->contact_person, "[incidents] contact_person");
	privd_http_text_puts(t, "\n\n");
}

static void ru_followup(struct privd_http_text *t, const struct privd_regulator_draft *d)
{
	const struct privd_incident *x = &d->incident;
	const struct privd_incident_report *first = &x->reports[PRIVD_REPORT_INITIAL];

	privd_http_text_puts(t, "# Уведомление о результатах внутреннего расследования инцидента\n\n"
	                        "Дополнительное уведомление Роскомнадзора в течение 72 часов с момента выявления "
	                        "инцидента (ч. 3.1 ст. 21 Федерального закона от 27.07.2006 № 152-ФЗ «О персональных "
	                        "данных»).\n\n");
	if (first->reported_at != 0) {
		privd_http_text_puts(t, "Первичное уведомление направлено ");
		when(t, first->reported_at);
		privd_http_text_printf(t, ", регистрационный номер: %s.\n\n", first->reference);
	} else {
		privd_http_text_puts(t, "_Первичное уведомление ещё не отмечено как направленное "
		                        "(POST /v1/incidents/{id}/regulator-reports, kind initial)._\n\n");
	}
	ru_head(t, d);
	privd_http_text_puts(t, "## 3. Результаты внутреннего расследования\n\n");
	text_or(t, x->results, "Результаты не указаны", "results");
	privd_http_text_puts(t, "## 4. Сведения о лицах, действия которых стали причиной инцидента (при наличии)\n\n");
	text_or(t, x->responsible, "Не установлены или не указаны", "responsible");
	privd_http_text_puts(t, "## 5. Предполагаемые причины и принятые меры\n\n");
	text_or(t, x->causes, "Причины не указаны", "causes");
	text_or(t, x->measures, "Меры не указаны", "measures");
	privd_http_text_puts(t, "## 6. Лицо, уполномоченное оператором на взаимодействие с Роскомнадзором по вопросам, "
	                        "связанным с инцидентом\n\n");
	or_missing(t, d->contact_person, "[incidents] contact_person");
	privd_http_text_puts(t, "\n\n");
}

/* GDPR Art. 33(3), when EU/EEA residents are among the affected. */
static void gdpr(struct privd_http_text *t, const struct privd_regulator_draft *d)
{
	const struct privd_incident *x = &d->incident;
	int64_t due = x->reports[PRIVD_REPORT_FOLLOWUP].due;

	privd_http_text_puts(t, "---\n\n# Notification of a personal data breach to the supervisory authority "
	                        "(GDPR Art. 33)\n\n");
	privd_http_text_printf(t,
	                       "%lld of the persons affected reside in the EU/EEA. The competent supervisory authority "
	                       "is to be notified without undue delay and, where feasible, not later than 72 hours "
	                       "after becoming aware of the breach: by ",
	                       (long long)x->affected_eu);
	when(t, due);
	privd_http_text_puts(t, ".\n\n");
	if (d->generated_at > due && x->reports[PRIVD_REPORT_FOLLOWUP].reported_at == 0)
		privd_http_text_puts(t,
		                     "**Reasons for the delay** (Art. 33(1)): _more than 72 hours have passed; state "
		                     "them._\n\n");
	privd_http_text_puts(t, "**(a) The nature of the breach.** ");
	text_or_en(t, x->description, "description");
	privd_http_text_puts(t, "\n- Detected: ");
	when(t, x->detected_at);
	privd_http_text_puts(t, "\n- Presumed causes: ");
	text_or_en(t, x->causes, "causes");
	privd_http_text_puts(t, "- Categories of personal data: ");
	categories(t, x->categories, category_en);
	privd_http_text_printf(t,
	                       "\n- Approximate number of data subjects concerned: %lld, of whom %lld reside in the "
	                       "EU/EEA\n- Approximate number of personal data records concerned: %lld (%d categories "
	                       "for each person)\n\n",
	                       (long long)x->affected, (long long)x->affected_eu,
	                       (long long)x->affected * ncategories(x->categories), ncategories(x->categories));
	privd_http_text_puts(t, "**(b) The data protection officer or other contact point:** ");
	or_missing(t, d->dpo_contact, "[incidents] dpo_contact");
	privd_http_text_puts(t, "\n\n**(c) The likely consequences of the breach:** ");
	text_or_en(t, x->harm, "harm");
	privd_http_text_puts(t, "\n**(d) The measures taken or proposed, including to mitigate its possible adverse "
	                        "effects:** ");
	text_or_en(t, x->measures, "measures");
	if (d->kind == PRIVD_REPORT_FOLLOWUP) {
		privd_http_text_puts(t, "\n**Results of the investigation:** ");
		text_or_en(t, x->results, "results");
	}
	privd_http_text_printf(t, "\nEach of the %lld persons affected has been sent a notice (Art. 34).\n",
	                       (long long)x->affected);
}

char *privd_http_regulator_notice(const struct privd_regulator_draft *d)
{
	struct privd_http_text t = {0};

	if (d->kind == PRIVD_REPORT_FOLLOWUP)
		ru_followup(&t, d);
	else
		ru_initial(&t, d);
	privd_http_text_puts(&t, "_Черновик подготовлен privd ");
	when(&t, d->generated_at);
	privd_http_text_puts(&t, ". Проверьте его перед подачей._\n\n");
	if (d->incident.affected_eu > 0)
		gdpr(&t, d);
	return privd_http_text_take(&t, NULL);
}
