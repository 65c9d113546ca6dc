/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * export_info.c - the part of the access export that is not the person's data but what the operator must tell
 * them about its processing (152-FZ Art. 14 p.7): who the operator is and where, on what legal basis and for
 * which purposes, by what methods, which data and from where, to whom it goes, how long it is kept, whether it
 * crosses a border, and the person's rights and how to exercise them. Rendered into the JSON document and the page,
 * each text in English and in Russian.
 *
 * What shaped it: most of this is fixed wording that follows from privd itself (its purposes, its methods, the
 * rights it carries out), so it lives here, next to the rendering, as pairs of texts; what differs from one
 * operator to another (name, address, contact, countries, periods) comes from the configuration through the
 * service (struct privd_processing_info) and is only ever inserted into that wording, escaped on the page. The
 * recipients are those the person's disclosure log names: each third party their data went or is queued to go to,
 * with its country and purpose, or a sentence saying there is none. The labels of the categories of data are shared
 * with the destruction record's page, so the act names destroyed data in the words the export used.
 */
#include "http_int.h"

#include <stdio.h>
#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define TEXT_MAX 1536 /* a sentence with a configured value (at most 512 bytes) in it */

/* One item of a list: its name in the API and its texts. */
struct item {
	const char *name;
	struct privd_http_bi text;
};

static const struct item legal_bases[] = {
    {"consent",
     {"Your consent to the processing of your personal data (152-FZ Art. 6 p.1 item 1, Art. 9).",
      "Ваше согласие на обработку персональных данных (п. 1 ч. 1 ст. 6, ст. 9 Федерального закона от 27.07.2006 "
      "№ 152-ФЗ «О персональных данных»)."}},
    {"legal_obligation",
     {"The operator's duties under the law: answering your requests within the legal deadlines (152-FZ Art. 20) "
      "and keeping the proof that data was destroyed (152-FZ Art. 6 p.1 item 2; Roskomnadzor Order No. 179 of "
      "28.10.2022).",
      "Исполнение обязанностей, возложенных на оператора законодательством: ответы на ваши обращения в "
      "установленные сроки (ст. 20 Федерального закона № 152-ФЗ) и хранение подтверждения уничтожения "
      "персональных данных (п. 2 ч. 1 ст. 6 Федерального закона № 152-ФЗ; приказ Роскомнадзора от 28.10.2022 "
      "№ 179)."}},
};

/* Indexed by enum privd_purpose. */
static const struct privd_http_bi purposes[PRIVD_PURPOSE_COUNT] = {
    [PRIVD_PURPOSE_PROCESSING] = {"Using the software: your account, service to you, improving the service and the "
                                  "application, important notifications and answers to your inquiries.",
                                  "Использование программного обеспечения: ваша учётная запись, обслуживание, "
                                  "улучшение сервиса и работы приложения, важные уведомления и ответы на ваши "
                                  "обращения."},
    [PRIVD_PURPOSE_THIRD_PARTY_TRANSFER] = {"Transfer to third parties to provide services to you, by automated "
                                            "means that protect your rights.",
                                            "Передача третьим лицам для оказания вам услуг с использованием средств "
                                            "автоматизации, обеспечивающих защиту ваших прав."},
    [PRIVD_PURPOSE_COOKIES_PREFERENCES] = {"Cookies that keep your preferences in the application.",
                                           "Файлы cookie, сохраняющие ваши настройки в приложении."},
    [PRIVD_PURPOSE_COOKIES_ANALYTICS] = {"Cookies that show how the application is used, to improve it; part of "
                                         "this data may be shared with analytics services.",
                                         "Файлы cookie для анализа использования приложения с целью его улучшения; "
                                         "часть этих данных может передаваться сервисам аналитики."},
    [PRIVD_PURPOSE_COOKIES_MARKETING] = {"Cookies for marketing and advertising.",
                                         "Файлы cookie для маркетинга и рекламы."},
};

static const struct privd_http_bi methods = {
    "Automated processing: collection, recording, systematisation, storage, clarification, use, transfer (only "
    "with your consent or where the law requires it), blocking, deletion and destruction. Your personal fields are "
    "stored encrypted under a key of your own.",
    "Автоматизированная обработка: сбор, запись, систематизация, хранение, уточнение, использование, передача "
    "(только с вашего согласия или в случаях, предусмотренных законом), блокирование, удаление и уничтожение. "
    "Ваши персональные поля хранятся в зашифрованном виде на отдельном ключе вашей записи."};

/* Indexed by the bit number of enum privd_destruction_category. */
static const struct privd_http_bi categories[PRIVD_DESTRUCTION_CATEGORY_COUNT] = {
    {"Full name", "Фамилия, имя, отчество"},
    {"E-mail address", "Адрес электронной почты"},
    {"Mobile phone number", "Номер мобильного телефона"},
    {"IP address", "IP-адрес"},
    {"Date of birth", "Дата рождения"},
    {"Country of residence", "Страна проживания"},
    {"Consent records (time, IP address, channel)", "Записи о согласиях (время, IP-адрес, канал)"},
    {"Scanned documents of requests", "Сканированные документы обращений"},
    {"What requests asked for, and the reasons given", "Содержание обращений и основания решений по ним"},
    {"Addresses and texts of notices", "Адреса и тексты уведомлений"},
};

static const struct privd_http_bi source = {"From you: given on registration, with your consents and in your requests.",
                                            "От вас: при регистрации, при даче согласий и в ваших обращениях."};

static const struct privd_http_bi recipients = {
    "None recorded: no transfer of your personal data to a third party has been recorded.",
    "Не зарегистрированы: передача ваших персональных данных третьим лицам не регистрировалась."};

static const struct privd_http_bi recipients_listed = {
    "Your personal data has been transferred, or is queued to be transferred, to the third parties listed, each "
    "bound to keep it confidential (152-FZ Art. 14 p.7).",
    "Ваши персональные данные переданы или будут переданы перечисленным третьим лицам, каждое из которых обязано "
    "соблюдать их конфиденциальность (ч. 7 ст. 14 Федерального закона № 152-ФЗ)."};

/* Whether entry i of x's disclosure log names a recipient the person's data went to, or is queued to go to, and is
 * the first entry to name it (the list names each recipient once). */
static bool recipient_listed(const struct privd_export *x, size_t i)
{
	const struct privd_disclosure *d = &x->transfers[i];

	if (d->outcome != PRIVD_DISCLOSURE_DELIVERED && d->outcome != PRIVD_DISCLOSURE_QUEUED)
		return false;
	for (size_t j = 0; j < i; j++) {
		const struct privd_disclosure *e = &x->transfers[j];

		if ((e->outcome == PRIVD_DISCLOSURE_DELIVERED || e->outcome == PRIVD_DISCLOSURE_QUEUED) &&
		    strcmp(e->recipient.id, d->recipient.id) == 0)
			return false;
	}
	return true;
}

/* The rights, each with the request type that exercises it (NULL: not through a request). */
static const struct {
	const char *name, *request_type;
	struct privd_http_bi text;
} rights[] = {
    {"access",
     "access",
     {"To receive this information and a copy of your personal data (152-FZ Art. 14).",
      "Получать сведения об обработке и копию своих персональных данных (ст. 14 Федерального закона № 152-ФЗ)."}},
    {"rectify",
     "rectify",
     {"To have your data corrected when it is incomplete, inaccurate or outdated (Art. 14 p.1).",
      "Требовать уточнения данных, если они неполные, неточные или устаревшие (ч. 1 ст. 14)."}},
    {"erase",
     "erase",
     {"To have your data blocked or destroyed when it is unlawfully obtained or not necessary for the purpose, and "
      "to ask for its erasure (Art. 14 p.1).",
      "Требовать блокирования или уничтожения данных, если они незаконно получены или не являются необходимыми "
      "для заявленной цели, и просить об их удалении (ч. 1 ст. 14)."}},
    {"transfer_info",
     "transfer_info",
     {"To know to whom your data has been or may be disclosed (Art. 14 p.7).",
      "Знать, кому ваши данные раскрыты или могут быть раскрыты (ч. 7 ст. 14)."}},
    {"revoke_processing",
     "revoke_processing",
     {"To revoke your consent to processing at any time (Art. 9 p.2).",
      "Отозвать согласие на обработку персональных данных в любое время (ч. 2 ст. 9)."}},
    {"revoke_cookies",
     "revoke_cookies",
     {"To revoke your consent to cookies at any time.",
      "Отозвать согласие на использование файлов cookie в любое время."}},
    {"complaint",
     NULL,
     {"To appeal the operator's actions or inaction to Roskomnadzor or to a court (Art. 17).",
      "Обжаловать действия или бездействие оператора в Роскомнадзор или в судебном порядке (ст. 17)."}},
};

const struct privd_http_bi *privd_http_category_label(int i)
{
	return i >= 0 && i < PRIVD_DESTRUCTION_CATEGORY_COUNT ? &categories[i] : NULL;
}

/* ---- the texts with configured values in them ---- */

/* The texts of one export that depend on the configuration, written once for both renderings. */
struct info_texts {
	char retention_data[2][TEXT_MAX];
	char retention_evidence[2][TEXT_MAX];
	char cross_border[2][TEXT_MAX];
	char how[2][TEXT_MAX];
	unsigned held; /* categories of data the export shows held */
};

/* A Russian noun after a number in the nominative (1 год, 2 года, 5 лет). */
static const char *ru_count(int n, const char *one, const char *few, const char *many)
{
	int m10 = n % 10, m100 = n % 100;

	if (m10 == 1 && m100 != 11)
		return one;
	if (m10 >= 2 && m10 <= 4 && (m100 < 12 || m100 > 14))
		return few;
	return many;
}

/* ... and in the genitive, after "в течение" (1 дня, 5 дней). */
static const char *ru_within(int n, const char *one, const char *other)
{
	return n % 10 == 1 && n % 100 != 11 ? one : other;
}

/* Which categories of data the export holds: the profile's fields that are set, and any record of each kind. */
static unsigned held_categories(const struct privd_export *x)
{
	const struct privd_subject *p = &x->profile;
	const char *fields[] = {p->name, p->email, p->phone, p->ip, p->birth_date, p->residence_country};
	unsigned held = 0;

	for (size_t i = 0; i < COUNT(fields); i++)
		if (fields[i][0] != '\0')
			held |= 1u << i;
	if (x->nhistory > 0)
		held |= PRIVD_DESTROYED_CONSENT_RECORDS;
	for (size_t i = 0; i < x->nrequests; i++) {
		if (x->requests[i].document_type[0] != '\0')
			held |= PRIVD_DESTROYED_REQUEST_DOCUMENTS;
		if (x->requests[i].details != NULL || x->requests[i].reason != NULL || x->requests[i].answer != NULL)
			held |= PRIVD_DESTROYED_REQUEST_DETAILS;
	}
	if (x->nnotifications > 0)
		held |= PRIVD_DESTROYED_NOTIFICATIONS;
	return held;
}

static void info_texts(const struct privd_processing_info *in, struct info_texts *t)
{
	int d = in->erase_after_revoke_days, y = in->evidence_years, due = in->due_working_days;
	int ext = in->extension_working_days, fix = in->rectify_working_days;
	char ext_en[256] = "", ext_ru[512] = "";
	bool contact = in->operator_contact[0] != '\0';

	snprintf(
	    t->retention_data[0], TEXT_MAX,
	    "Until you revoke your consent to processing or the purpose is achieved; after a revocation your data is "
	    "destroyed within %d days (152-FZ Art. 21 p.5), unless the law requires it to be kept.",
	    d);
	snprintf(t->retention_data[1], TEXT_MAX,
	         "До отзыва согласия на обработку или достижения цели обработки; после отзыва согласия данные "
	         "уничтожаются в течение %d %s (ч. 5 ст. 21 Федерального закона № 152-ФЗ), если иное не предусмотрено "
	         "законом.",
	         d, ru_within(d, "дня", "дней"));
	snprintf(t->retention_evidence[0], TEXT_MAX,
	         "After destruction, the destruction act, the extract from the event log and the record that your "
	         "account and requests existed (without your personal data) are kept %d years (Roskomnadzor Order "
	         "No. 179 of 28.10.2022), then deleted.",
	         y);
	snprintf(t->retention_evidence[1], TEXT_MAX,
	         "После уничтожения акт об уничтожении, выгрузка из журнала событий и сведения о существовании учётной "
	         "записи и обращений (без ваших персональных данных) хранятся %d %s (приказ Роскомнадзора от "
	         "28.10.2022 № 179), затем удаляются.",
	         y, ru_count(y, "год", "года", "лет"));
	if (in->cross_border_countries[0] == '\0') {
		snprintf(t->cross_border[0], TEXT_MAX,
		         "None: your data is not transferred to another country, and no "
		         "such transfer is intended.");
		snprintf(t->cross_border[1], TEXT_MAX, "Не осуществляется и не предполагается.");
	} else {
		snprintf(t->cross_border[0], TEXT_MAX, "Your data is transferred to: %s (152-FZ Art. 12).",
		         in->cross_border_countries);
		snprintf(t->cross_border[1], TEXT_MAX, "Данные передаются в: %s (ст. 12 Федерального закона № 152-ФЗ).",
		         in->cross_border_countries);
	}
	if (ext > 0) {
		snprintf(ext_en, sizeof(ext_en),
		         "; this may be extended once by %d working days with a notice giving the reasons", ext);
		snprintf(ext_ru, sizeof(ext_ru),
		         "; срок может быть продлён один раз на %d %s с направлением мотивированного уведомления", ext,
		         ru_count(ext, "рабочий день", "рабочих дня", "рабочих дней"));
	}
	snprintf(t->how[0], TEXT_MAX,
	         "Send a request naming the right, with a scanned document bearing your signature, through this "
	         "software%s%s. The operator answers within %d working days of receiving it%s, and corrects incomplete "
	         "or inaccurate data within %d working days (152-FZ Art. 20).",
	         contact ? " or to: " : "", in->operator_contact, due, ext_en, fix);
	snprintf(t->how[1], TEXT_MAX,
	         "Направьте обращение с указанием права и сканированным документом с вашей подписью через это "
	         "программное обеспечение%s%s. Оператор отвечает в течение %d %s с даты получения%s, а неполные или "
	         "неточные данные уточняет в течение %d %s (ст. 20 Федерального закона № 152-ФЗ).",
	         contact ? " или по адресу: " : "", in->operator_contact, due,
	         ru_within(due, "рабочего дня", "рабочих дней"), ext_ru, fix,
	         ru_within(fix, "рабочего дня", "рабочих дней"));
}

/* ---- JSON ---- */

/* {"en": ..., "ru": ...} with, when key is not NULL, key: value (stolen) first. */
static json_t *bi_json(const char *en, const char *ru, const char *key, json_t *value)
{
	json_t *o = json_object();

	if (o != NULL && key != NULL && json_object_set_new(o, key, value) != 0) {
		json_decref(o);
		return NULL;
	}
	if (o == NULL && key != NULL)
		json_decref(value);
	if (o != NULL && (json_object_set_new(o, "en", json_string(en)) != 0 ||
	                  json_object_set_new(o, "ru", json_string(ru)) != 0)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Appends item (stolen) to arr; false when either is NULL or the append fails. */
static bool push(json_t *arr, json_t *item)
{
	if (arr == NULL || item == NULL) {
		json_decref(item);
		return false;
	}
	return json_array_append_new(arr, item) == 0;
}

static json_t *purposes_json(const struct privd_export *x)
{
	json_t *arr = json_array();
	bool ok = arr != NULL;

	for (size_t p = 0; ok && p < PRIVD_PURPOSE_COUNT; p++) {
		json_t *o = bi_json(purposes[p].en, purposes[p].ru, "purpose",
		                    json_string(privd_purpose_name((enum privd_purpose)p)));

		if (o != NULL && json_object_set_new(o, "granted", json_boolean(x->consents[p].granted)) != 0) {
			json_decref(o);
			o = NULL;
		}
		ok = push(arr, o);
	}
	if (!ok)
		json_decref(arr);
	return ok ? arr : NULL;
}

/* The lists of fixed items: legal bases, the categories held, the rights. False when out of memory (what was
 * built is then the caller's to free). */
static bool lists_json(const struct info_texts *t, json_t **bases, json_t **cats, json_t **rts)
{
	bool ok = true;

	*bases = json_array();
	*cats = json_array();
	*rts = json_array();
	for (size_t i = 0; ok && i < COUNT(legal_bases); i++)
		ok = push(*bases, bi_json(legal_bases[i].text.en, legal_bases[i].text.ru, "basis",
		                          json_string(legal_bases[i].name)));
	for (int i = 0; ok && i < PRIVD_DESTRUCTION_CATEGORY_COUNT; i++)
		if (t->held & (1u << i))
			ok = push(*cats, bi_json(categories[i].en, categories[i].ru, "category",
			                         json_string(privd_destruction_category_name(i))));
	for (size_t i = 0; ok && i < COUNT(rights); i++) {
		json_t *o = bi_json(rights[i].text.en, rights[i].text.ru, "right", json_string(rights[i].name));

		if (o != NULL &&
		    json_object_set_new(o, "request_type",
		                        rights[i].request_type != NULL ? json_string(rights[i].request_type)
		                                                       : json_null()) != 0) {
			json_decref(o);
			o = NULL;
		}
		ok = push(*rts, o);
	}
	return ok;
}

/* One period of the retention list: which data, its length as unit: n, and its texts. */
static json_t *period_json(const char *data, const char *unit, int n, const char *en, const char *ru)
{
	json_t *o = bi_json(en, ru, "data", json_string(data));

	if (o != NULL && json_object_set_new(o, unit, json_integer(n)) != 0) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

/* The countries as a JSON array of codes. */
static json_t *countries_json(const char *list)
{
	json_t *arr = json_array();

	for (const char *p = list; arr != NULL && *p != '\0';) {
		size_t n;

		p += strspn(p, ", ");
		n = strcspn(p, ", ");
		if (n > 0 && json_array_append_new(arr, json_stringn(p, n)) != 0) {
			json_decref(arr);
			arr = NULL;
		}
		p += n;
	}
	return arr;
}

static json_t *recipients_json(const struct privd_export *x)
{
	json_t *items = json_array();
	size_t n = 0;

	for (size_t i = 0; items != NULL && i < x->ntransfers; i++) {
		const struct privd_recipient *r = &x->transfers[i].recipient;

		if (!recipient_listed(x, i))
			continue;
		n++;
		if (json_array_append_new(items, json_pack("{s:s, s:s, s:s, s:s, s:b}", "id", r->id, "name", r->name,
		                                           "country", r->country, "purpose", r->purpose, "cross_border",
		                                           r->cross_border)) != 0) {
			json_decref(items);
			return NULL;
		}
	}
	return n > 0 ? bi_json(recipients_listed.en, recipients_listed.ru, "items", items)
	             : bi_json(recipients.en, recipients.ru, "items", items);
}

json_t *privd_http_processing_info_json(const struct privd_export *x)
{
	const struct privd_processing_info *in = &x->info;
	struct info_texts t;
	json_t *bases = NULL, *cats = NULL, *rts = NULL, *retention = json_array();

	info_texts(in, &t);
	t.held = held_categories(x);
	if (!lists_json(&t, &bases, &cats, &rts) ||
	    !push(retention, period_json("personal_data", "days", in->erase_after_revoke_days, t.retention_data[0],
	                                 t.retention_data[1])) ||
	    !push(retention, period_json("evidence", "years", in->evidence_years, t.retention_evidence[0],
	                                 t.retention_evidence[1]))) {
		json_decref(bases);
		json_decref(cats);
		json_decref(rts);
		json_decref(retention);
		return NULL;
	}
	/* each o argument is stolen, also when packing fails */
	return json_pack(
	    "{s:{s:o, s:o, s:o}, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "operator", "name",
	    privd_http_json_str_or_null(in->operator_name), "address",
	    privd_http_json_str_or_null(in->operator_address), "contact",
	    privd_http_json_str_or_null(in->operator_contact), "legal_basis", bases, "purposes", purposes_json(x),
	    "methods", bi_json(methods.en, methods.ru, NULL, NULL), "categories", cats, "source",
	    bi_json(source.en, source.ru, NULL, NULL), "recipients", recipients_json(x), "retention", retention,
	    "cross_border_transfers",
	    bi_json(t.cross_border[0], t.cross_border[1], "countries", countries_json(in->cross_border_countries)),
	    "rights", rts, "how_to_exercise", bi_json(t.how[0], t.how[1], NULL, NULL));
}

/* ---- HTML ---- */

/* The two texts as paragraphs in their languages. */
static void bi_html(struct privd_http_text *t, const char *en, const char *ru)
{
	privd_http_text_puts(t, "<p lang=\"en\">");
	privd_http_text_html(t, en);
	privd_http_text_puts(t, "</p><p lang=\"ru\">");
	privd_http_text_html(t, ru);
	privd_http_text_puts(t, "</p>\n");
}

static void heading(struct privd_http_text *t, const char *text)
{
	privd_http_text_puts(t, "<h3>");
	privd_http_text_html(t, text);
	privd_http_text_puts(t, "</h3>\n");
}

static void operator_html(struct privd_http_text *t, const struct privd_processing_info *in)
{
	const char *rows[][2] = {{"Name / Наименование", in->operator_name},
	                         {"Address / Адрес", in->operator_address},
	                         {"Contact / Контакты", in->operator_contact}};

	heading(t, "Operator / Оператор");
	privd_http_text_puts(t, "<dl>\n");
	for (size_t i = 0; i < COUNT(rows); i++) {
		privd_http_text_puts(t, "<dt>");
		privd_http_text_html(t, rows[i][0]);
		privd_http_text_puts(t, "</dt><dd>");
		privd_http_text_html(t, rows[i][1][0] != '\0' ? rows[i][1] : "—");
		privd_http_text_puts(t, "</dd>\n");
	}
	privd_http_text_puts(t, "</dl>\n");
}

static void lists_html(struct privd_http_text *t, const struct privd_export *x, const struct info_texts *it)
{
	heading(t, "Legal basis / Правовые основания");
	for (size_t i = 0; i < COUNT(legal_bases); i++)
		bi_html(t, legal_bases[i].text.en, legal_bases[i].text.ru);
	heading(t, "Purposes / Цели обработки");
	privd_http_text_puts(t, "<ul>\n");
	for (size_t p = 0; p < PRIVD_PURPOSE_COUNT; p++) {
		privd_http_text_puts(t, "<li>");
		bi_html(t, purposes[p].en, purposes[p].ru);
		privd_http_text_printf(t, "<p>Consent given / Согласие дано: %s</p></li>\n",
		                       x->consents[p].granted ? "yes / да" : "no / нет");
	}
	privd_http_text_puts(t, "</ul>\n");
	heading(t, "Methods / Способы обработки");
	bi_html(t, methods.en, methods.ru);
	heading(t, "Data processed / Обрабатываемые персональные данные");
	privd_http_text_puts(t, "<ul>\n");
	for (int i = 0; i < PRIVD_DESTRUCTION_CATEGORY_COUNT; i++) {
		if ((it->held & (1u << i)) == 0)
			continue;
		privd_http_text_puts(t, "<li>");
		privd_http_text_html(t, categories[i].en);
		privd_http_text_puts(t, " / ");
		privd_http_text_html(t, categories[i].ru);
		privd_http_text_puts(t, "</li>\n");
	}
	privd_http_text_puts(t, "</ul>\n");
	heading(t, "Source / Источник получения");
	bi_html(t, source.en, source.ru);
}

static void recipients_html(struct privd_http_text *t, const struct privd_export *x)
{
	bool any = false;

	for (size_t i = 0; i < x->ntransfers; i++) {
		const struct privd_recipient *r = &x->transfers[i].recipient;

		if (!recipient_listed(x, i))
			continue;
		if (!any)
			bi_html(t, recipients_listed.en, recipients_listed.ru);
		privd_http_text_puts(t, any ? "<li>" : "<ul>\n<li>");
		privd_http_text_html(t, r->name);
		privd_http_text_puts(t, " (");
		privd_http_text_html(t, r->country);
		privd_http_text_puts(t, "): ");
		privd_http_text_html(t, r->purpose);
		privd_http_text_puts(t, "</li>\n");
		any = true;
	}
	if (any)
		privd_http_text_puts(t, "</ul>\n");
	else
		bi_html(t, recipients.en, recipients.ru);
}

void privd_http_processing_info_html(struct privd_http_text *t, const struct privd_export *x)
{
	struct info_texts it;

	info_texts(&x->info, &it);
	it.held = held_categories(x);
	privd_http_text_puts(t, "<h2>About the processing of your data / Сведения об обработке ваших персональных "
	                        "данных</h2>\n<p>152-FZ Art. 14 p.7 / ч. 7 ст. 14 Федерального закона № 152-ФЗ</p>\n");
	operator_html(t, &x->info);
	lists_html(t, x, &it);
	heading(t, "Recipients / Получатели");
	recipients_html(t, x);
	heading(t, "Retention / Сроки обработки и хранения");
	bi_html(t, it.retention_data[0], it.retention_data[1]);
	bi_html(t, it.retention_evidence[0], it.retention_evidence[1]);
	heading(t, "Cross-border transfer / Трансграничная передача");
	bi_html(t, it.cross_border[0], it.cross_border[1]);
	heading(t, "Your rights / Ваши права");
	for (size_t i = 0; i < COUNT(rights); i++)
		bi_html(t, rights[i].text.en, rights[i].text.ru);
	heading(t, "How to exercise them / Как их осуществить");
	bi_html(t, it.how[0], it.how[1]);
}
