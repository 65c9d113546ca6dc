/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * templates.c - the documents `privd init` installs: the privacy policy and the two consent texts, in Russian and
 * in English, from the Markdown templates shipped in share/, with the operator's details filled in.
 *
 * 152-FZ Art. 9 p.4 lists what a consent says: the operator's name and address, the purpose, the data, the
 * actions and methods, who processes on the operator's behalf, the term and how to revoke it. The templates hold
 * the words; what only the operator knows comes from the configuration ([operator], [consent]) through
 * {{placeholders}}, each with a wording per language for when it is not set, so that an installed text never shows
 * a bare placeholder and says plainly what is missing. Run once, at init, before any other thread exists.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "service/service_int.h"

/* One {{name}} and what replaces it. */
struct fill {
	const char *name;
	char value[1200];
};

enum fill_key { F_OPERATOR_NAME, F_OPERATOR_ADDRESS, F_PUBLIC_URL, F_TERM, F_PROCESSORS, F_RECIPIENTS, F_COUNT };

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		} else if (buf != NULL) {
			buf[n] = '\0';
		}
	}
	fclose(f);
	return buf;
}

/* "год", "года" or "лет" after n. */
static const char *years_ru(int n)
{
	if (n % 100 >= 11 && n % 100 <= 14)
		return "лет";
	if (n % 10 == 1)
		return "год";
	if (n % 10 >= 2 && n % 10 <= 4)
		return "года";
	return "лет";
}

/* f is {{name}}, replaced by value, or by unset when value is empty. */
static void fill_set(struct fill *f, const char *name, const char *value, const char *unset)
{
	f->name = name;
	snprintf(f->value, sizeof(f->value), "%s", value[0] != '\0' ? value : unset);
}

/* The values of every placeholder in lang, from cfg. */
static void fills_for(const struct privd_config *cfg, enum privd_lang lang, struct fill f[F_COUNT])
{
	bool ru = lang == PRIVD_LANG_RU;
	char url[sizeof(cfg->public_url) + sizeof(cfg->listen) + 8], term[200] = "", recipients[sizeof(url) + 200];
	int years = cfg->consent_term_years;

	if (cfg->public_url[0] != '\0')
		snprintf(url, sizeof(url), "%s", cfg->public_url);
	else
		snprintf(url, sizeof(url), "http://%s", cfg->listen);
	if (years > 0 && ru)
		snprintf(term, sizeof(term),
		         "%d %s, если согласие не будет отозвано или цели обработки не будут достигнуты раньше", years,
		         years_ru(years));
	else if (years > 0)
		snprintf(term, sizeof(term),
		         "%d year%s, unless the consent is revoked or the purposes are achieved before", years,
		         years == 1 ? "" : "s");
	snprintf(recipients, sizeof(recipients),
	         ru ? "третьи лица, перечисленные в политике конфиденциальности (<%s/privacy>)"
	            : "the third parties the privacy policy lists (<%s/privacy>)",
	         url);
	fill_set(&f[F_OPERATOR_NAME], "{{operator_name}}", cfg->operator_name, ru ? "Оператор" : "the Operator");
	fill_set(&f[F_OPERATOR_ADDRESS], "{{operator_address}}", cfg->operator_address,
	         ru ? "(адрес оператора не указан: задайте [operator] address)"
	            : "(the operator's address is not set: [operator] address)");
	fill_set(&f[F_PUBLIC_URL], "{{public_url}}", url, "");
	fill_set(&f[F_TERM], "{{consent_term}}", term,
	         ru ? "до достижения целей обработки или до отзыва согласия"
	            : "until the purposes of processing are achieved or the consent is revoked");
	fill_set(&f[F_PROCESSORS], "{{processors}}", cfg->consent_processors, ru ? "не привлекаются" : "none");
	fill_set(&f[F_RECIPIENTS], "{{recipients}}", cfg->consent_recipients, recipients);
}

/* tpl with every placeholder of f replaced; malloc'd, NULL when out of memory. */
static char *fill_template(const char *tpl, const struct fill f[F_COUNT])
{
	size_t len = 0;
	char *out, *o;

	for (const char *p = tpl; *p != '\0';) {
		size_t k;

		for (k = 0; k < F_COUNT && strncmp(p, f[k].name, strlen(f[k].name)) != 0; k++)
			;
		len += k < F_COUNT ? strlen(f[k].value) : 1;
		p += k < F_COUNT ? strlen(f[k].name) : 1;
	}
	out = malloc(len + 1);
	if (out == NULL)
		return NULL;
	o = out;
	for (const char *p = tpl; *p != '\0';) {
		size_t k;

		for (k = 0; k < F_COUNT && strncmp(p, f[k].name, strlen(f[k].name)) != 0; k++)
			;
		if (k < F_COUNT) {
			memcpy(o, f[k].value, strlen(f[k].value));
			o += strlen(f[k].value);
			p += strlen(f[k].name);
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
	return out;
}

/* share/<stem>.<lang>.md filled in for cfg, into *text (malloc'd). */
static enum privd_rc load_template(const struct privd_config *cfg, const char *stem, enum privd_lang lang, char **text,
                                   struct privd_err *err)
{
	struct fill f[F_COUNT];
	char path[PATH_MAX], *tpl;

	snprintf(path, sizeof(path), "%s/%s.%s.md", privd_share_dir(), stem, privd_lang_name(lang));
	tpl = read_file(path);
	if (tpl == NULL)
		return privd_err_set(err, PRIVD_ERR_IO, "cannot read the template %s", path);
	fills_for(cfg, lang, f);
	*text = fill_template(tpl, f);
	free(tpl);
	return *text != NULL ? PRIVD_OK : PRIVD_ERR_NOMEM;
}

enum privd_rc privd_templates_install(struct privd_service *svc, const struct privd_config *cfg,
                                      const struct privd_principal *who, struct privd_err *err)
{
	static const enum privd_purpose with_text[] = {PRIVD_PURPOSE_PROCESSING, PRIVD_PURPOSE_THIRD_PARTY_TRANSFER};
	char stem[64], *text = NULL;
	enum privd_rc rc = PRIVD_OK;

	/* English first: the Russian text, published last, is what GET /v1/policies/current names without a language */
	for (int l = PRIVD_LANG_COUNT - 1; rc == PRIVD_OK && l >= 0; l--) {
		rc = load_template(cfg, "policy-template", (enum privd_lang)l, &text, err);
		if (rc == PRIVD_OK)
			rc = privd_service_policy_publish(svc, who, "1", privd_lang_name((enum privd_lang)l), text,
			                                  false, NULL, err);
		free(text);
		text = NULL;
	}
	for (size_t i = 0; rc == PRIVD_OK && i < sizeof(with_text) / sizeof(with_text[0]); i++) {
		for (int l = 0; rc == PRIVD_OK && l < PRIVD_LANG_COUNT; l++) {
			snprintf(stem, sizeof(stem), "consent-%s", privd_purpose_name(with_text[i]));
			rc = load_template(cfg, stem, (enum privd_lang)l, &text, err);
			if (rc == PRIVD_OK)
				rc = privd_service_consent_text_publish(svc, who, privd_purpose_name(with_text[i]), "1",
				                                        privd_lang_name((enum privd_lang)l), text,
				                                        false, NULL, err);
			free(text);
			text = NULL;
		}
	}
	return rc;
}
