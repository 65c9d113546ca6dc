/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_config.c - privd.conf: defaults, the file, environment over file, and refusal of unknown keys and
 * out-of-range values (a typo must not leave a default silently in force).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "service/config.h"

static const char *const env_vars[] = {
    "PRIVD_SERVER_LISTEN",
    "PRIVD_SERVER_BODY_LIMIT",
    "PRIVD_SERVER_THREADS",
    "PRIVD_SERVER_PUBLIC_URL",
    "PRIVD_DATABASE_URL",
    "PRIVD_DATABASE_WRITE_BATCH",
    "PRIVD_OPERATOR_NAME",
    "PRIVD_OPERATOR_ADDRESS",
    "PRIVD_OPERATOR_CONTACT",
    "PRIVD_OPERATOR_INFORMATION_SYSTEM",
    "PRIVD_OPERATOR_CROSS_BORDER_COUNTRIES",
    "PRIVD_OPERATOR_SERVER_COUNTRY",
    "PRIVD_OPERATOR_TIMEZONE",
    "PRIVD_AGE_COPPA_MIN_AGE",
    "PRIVD_AGE_EU_MIN_AGE",
    "PRIVD_AGE_EU_PER_COUNTRY",
    "PRIVD_AGE_EU_AGE_FILE",
    "PRIVD_LOG_LEVEL",
    "PRIVD_SHARE_DIR",
    "PRIVD_REQUESTS_CALENDAR_FILE",
    "PRIVD_REQUESTS_DOCUMENT_LIMIT",
    "PRIVD_REQUESTS_DUE_WORKING_DAYS",
    "PRIVD_REQUESTS_EXTENSION_WORKING_DAYS",
    "PRIVD_REQUESTS_ERASE_AFTER_REVOKE_DAYS",
    "PRIVD_RETENTION_EVIDENCE_YEARS",
    "PRIVD_REQUESTS_ACCESS_DAYS",
    "PRIVD_REQUESTS_RECTIFY_DAYS",
    "PRIVD_REQUESTS_RECTIFY_EXTENSION_DAYS",
    "PRIVD_REQUESTS_INQUIRY_EXTENSION_DAYS",
    "PRIVD_LAW_RU_LOCALISATION",
};

struct fixture {
	char dir[64];
	char conf[128];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	size_t i;

	if (f == NULL)
		return -1;
	for (i = 0; i < sizeof(env_vars) / sizeof(env_vars[0]); i++)
		unsetenv(env_vars[i]);
	snprintf(f->dir, sizeof(f->dir), "/tmp/privd-config-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->conf, sizeof(f->conf), "%s/privd.conf", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	unlink(f->conf);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void write_conf(const struct fixture *f, const char *text)
{
	FILE *fp = fopen(f->conf, "w");

	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
}

static void test_defaults(void **state)
{
	struct fixture *f = *state;
	struct privd_config c;
	struct privd_err err = {0};
	char expect[1100];

	/* No privd.conf in the directory: defaults only. */
	memset(&c, 0x5a, sizeof(c));
	assert_int_equal(privd_config_load(&c, f->dir, &err), PRIVD_OK);
	assert_string_equal(c.data_dir, f->dir);
	assert_string_equal(c.listen, "127.0.0.1:8080");
	assert_int_equal(c.body_limit, 65536);
	assert_int_equal(c.threads, 0);
	assert_string_equal(c.public_url, "");
	assert_string_equal(c.database_url, "sqlite");
	assert_int_equal(c.write_batch, 256);
	assert_string_equal(c.operator_name, "");
	assert_string_equal(c.server_country, "RU");
	assert_string_equal(c.timezone, "Europe/Moscow");
	assert_int_equal(c.coppa_min_age, 13);
	assert_int_equal(c.eu_min_age, 16);
	assert_false(c.eu_per_country);
	snprintf(expect, sizeof(expect), "%s/eu-consent-age.json", privd_share_dir());
	assert_string_equal(c.eu_age_file, expect);
	assert_string_equal(c.log_level, "info");
	snprintf(expect, sizeof(expect), "%s/calendar-ru.json", privd_share_dir());
	assert_string_equal(c.calendar_file, expect);
	assert_int_equal(c.document_limit, 10485760);
	assert_int_equal(c.erase_after_revoke_days, 30);
	assert_string_equal(c.operator_address, "");
	assert_string_equal(c.operator_contact, "");
	assert_string_equal(c.information_system, "privd");
	assert_string_equal(c.cross_border_countries, "");
	assert_int_equal(c.evidence_years, 3);
	/* 152-FZ Art. 20 pp.1-3 and the policy's 10 working days */
	assert_int_equal(c.due_days[PRIVD_REQUEST_TYPE_ACCESS], 10);
	assert_int_equal(c.extension_days[PRIVD_REQUEST_TYPE_ACCESS], 5);
	assert_int_equal(c.due_days[PRIVD_REQUEST_TYPE_TRANSFER_INFO], 10);
	assert_int_equal(c.extension_days[PRIVD_REQUEST_TYPE_TRANSFER_INFO], 5);
	assert_int_equal(c.due_days[PRIVD_REQUEST_TYPE_INQUIRY], 10);
	assert_int_equal(c.extension_days[PRIVD_REQUEST_TYPE_INQUIRY], 5);
	assert_int_equal(c.due_days[PRIVD_REQUEST_TYPE_RECTIFY], 7);
	assert_int_equal(c.extension_days[PRIVD_REQUEST_TYPE_RECTIFY], 0);
	for (int t = 0; t < PRIVD_REQUEST_TYPE_COUNT; t++) {
		struct privd_request_rule rule;

		privd_request_rule_default((enum privd_request_type)t, &rule);
		assert_int_equal(c.due_days[t], rule.due_days);
		assert_int_equal(c.extension_days[t], rule.extension_days);
	}
	assert_string_equal(c.ru_localisation, "warn");

	privd_config_defaults(&c);
	assert_string_equal(c.data_dir, "");
	assert_string_equal(c.listen, "127.0.0.1:8080");
}

static void test_share_dir_from_environment(void **state)
{
	struct privd_config c;

	(void)state;
	setenv("PRIVD_SHARE_DIR", "/opt/privd-share", 1);
	assert_string_equal(privd_share_dir(), "/opt/privd-share");
	privd_config_defaults(&c);
	assert_string_equal(c.eu_age_file, "/opt/privd-share/eu-consent-age.json");
	assert_string_equal(c.calendar_file, "/opt/privd-share/calendar-ru.json");
	unsetenv("PRIVD_SHARE_DIR");
	assert_string_not_equal(privd_share_dir(), "/opt/privd-share");
}

static void test_file(void **state)
{
	struct fixture *f = *state;
	struct privd_config c;
	struct privd_err err = {0};

	write_conf(f, "; a comment\n"
	              "[server]\n"
	              "listen = 0.0.0.0:9000\n"
	              "body_limit = 1048576\n"
	              "threads = 8\n"
	              "public_url = https://privacy.example.org\n"
	              "[database]\n"
	              "url = postgresql://privd@db/privd?sslmode=require\n"
	              "write_batch = 10000\n"
	              "[operator]\n"
	              "name = ООО \"Ромашка\"; отдел ИТ\n"
	              "server_country = us\n"
	              "timezone = America/New_York\n"
	              "[age]\n"
	              "coppa_min_age = 13\n"
	              "eu_min_age = 0\n"
	              "eu_per_country = yes\n"
	              "eu_age_file = /etc/privd/ages.json\n"
	              "[log]\n"
	              "level = debug\n"
	              "[requests]\n"
	              "calendar_file = /etc/privd/calendar-by.json\n"
	              "document_limit = 2097152\n"
	              "rectify_days = 5\n"
	              "access_extension_days = 0\n"
	              "erase_extension_days = 5\n"
	              "guardian_consent_days = 60\n"
	              "erase_after_revoke_days = 90\n"
	              "[law]\n"
	              "ru_localisation = refuse\n");
	assert_int_equal(privd_config_load(&c, f->dir, &err), PRIVD_OK);
	assert_string_equal(c.listen, "0.0.0.0:9000");
	assert_int_equal(c.body_limit, 1048576);
	assert_int_equal(c.threads, 8);
	assert_string_equal(c.public_url, "https://privacy.example.org");
	assert_string_equal(c.database_url, "postgresql://privd@db/privd?sslmode=require");
	assert_int_equal(c.write_batch, 10000);
	assert_string_equal(c.operator_name, "ООО \"Ромашка\"; отдел ИТ");
	assert_string_equal(c.server_country, "US");
	assert_string_equal(c.timezone, "America/New_York");
	assert_int_equal(c.eu_min_age, 0);
	assert_true(c.eu_per_country);
	assert_string_equal(c.eu_age_file, "/etc/privd/ages.json");
	assert_string_equal(c.log_level, "debug");
	assert_string_equal(c.calendar_file, "/etc/privd/calendar-by.json");
	assert_int_equal(c.document_limit, 2097152);
	assert_int_equal(c.due_days[PRIVD_REQUEST_TYPE_RECTIFY], 5);
	assert_int_equal(c.extension_days[PRIVD_REQUEST_TYPE_ACCESS], 0);
	assert_int_equal(c.extension_days[PRIVD_REQUEST_TYPE_ERASE], 5);
	assert_int_equal(c.due_days[PRIVD_REQUEST_TYPE_GUARDIAN_CONSENT], 60);
	assert_int_equal(c.due_days[PRIVD_REQUEST_TYPE_ACCESS], 10); /* not given: the default */
	assert_int_equal(c.erase_after_revoke_days, 90);
	assert_string_equal(c.ru_localisation, "refuse");
}

static void test_long_line_read_whole(void **state)
{
	struct fixture *f = *state;
	struct privd_config c;
	struct privd_err err = {0};
	char text[1200], url[1000];

	memset(url, 'a', sizeof(url) - 1);
	url[sizeof(url) - 1] = '\0';
	memcpy(url, "postgresql://", 13);
	snprintf(text, sizeof(text), "[database]\nurl = %s\n", url);
	write_conf(f, text);
	assert_int_equal(privd_config_load(&c, f->dir, &err), PRIVD_OK);
	assert_string_equal(c.database_url, url);
}

static void test_env_overrides_file(void **state)
{
	struct fixture *f = *state;
	struct privd_config c;
	struct privd_err err = {0};

	write_conf(f, "[server]\nlisten = 0.0.0.0:9000\nthreads = 4\n"
	              "[operator]\nserver_country = DE\n"
	              "[age]\neu_per_country = false\n");
	setenv("PRIVD_SERVER_LISTEN", "127.0.0.1:7000", 1);
	setenv("PRIVD_DATABASE_URL", "postgresql:///privd", 1);
	setenv("PRIVD_OPERATOR_SERVER_COUNTRY", "us", 1);
	setenv("PRIVD_AGE_EU_PER_COUNTRY", "1", 1);
	setenv("PRIVD_OPERATOR_NAME", "Example Ltd", 1);
	assert_int_equal(privd_config_load(&c, f->dir, &err), PRIVD_OK);
	assert_string_equal(c.listen, "127.0.0.1:7000");
	assert_int_equal(c.threads, 4); /* from the file, not overridden */
	assert_string_equal(c.database_url, "postgresql:///privd");
	assert_string_equal(c.server_country, "US");
	assert_true(c.eu_per_country);
	assert_string_equal(c.operator_name, "Example Ltd");

	/* [requests] keys too. */
	write_conf(f, "[requests]\nrectify_days = 12\nrectify_extension_days = 3\n");
	setenv("PRIVD_REQUESTS_CALENDAR_FILE", "/srv/calendar.json", 1);
	setenv("PRIVD_REQUESTS_DOCUMENT_LIMIT", "104857600", 1);
	setenv("PRIVD_REQUESTS_RECTIFY_DAYS", "20", 1);
	setenv("PRIVD_REQUESTS_INQUIRY_EXTENSION_DAYS", "0", 1);
	setenv("PRIVD_REQUESTS_ERASE_AFTER_REVOKE_DAYS", "0", 1);
	setenv("PRIVD_LAW_RU_LOCALISATION", "refuse", 1);
	assert_int_equal(privd_config_load(&c, f->dir, &err), PRIVD_OK);
	assert_string_equal(c.calendar_file, "/srv/calendar.json");
	assert_int_equal(c.document_limit, 104857600);
	assert_int_equal(c.due_days[PRIVD_REQUEST_TYPE_RECTIFY], 20);
	assert_int_equal(c.extension_days[PRIVD_REQUEST_TYPE_RECTIFY], 3); /* from the file */
	assert_int_equal(c.extension_days[PRIVD_REQUEST_TYPE_INQUIRY], 0);
	assert_int_equal(c.erase_after_revoke_days, 0);
	assert_string_equal(c.ru_localisation, "refuse");
	setenv("PRIVD_REQUESTS_RECTIFY_DAYS", "61", 1);
	assert_int_equal(privd_config_load(&c, f->dir, &err), PRIVD_ERR_INVALID);
	assert_non_null(strstr(err.msg, "PRIVD_REQUESTS_RECTIFY_DAYS"));
	unsetenv("PRIVD_REQUESTS_RECTIFY_DAYS");
	setenv("PRIVD_LAW_RU_LOCALISATION", "block", 1);
	assert_int_equal(privd_config_load(&c, f->dir, &err), PRIVD_ERR_INVALID);
	assert_non_null(strstr(err.msg, "PRIVD_LAW_RU_LOCALISATION"));
	unsetenv("PRIVD_LAW_RU_LOCALISATION");

	/* The environment works without any file, too. */
	assert_int_equal(privd_config_load(&c, NULL, &err), PRIVD_OK);
	assert_string_equal(c.listen, "127.0.0.1:7000");
	assert_int_equal(c.threads, 0);
}

static void test_bad_env_value(void **state)
{
	struct fixture *f = *state;
	struct privd_config c;
	struct privd_err err = {0};

	setenv("PRIVD_AGE_EU_MIN_AGE", "22", 1);
	assert_int_equal(privd_config_load(&c, f->dir, &err), PRIVD_ERR_INVALID);
	assert_non_null(strstr(err.msg, "PRIVD_AGE_EU_MIN_AGE"));
	assert_non_null(strstr(err.msg, "age.eu_min_age"));
	assert_int_equal(err.nfields, 1);
	assert_string_equal(err.fields[0].field, "age.eu_min_age");
}

/* Delivery's keys come from the environment as every other key does; a language outside the three is refused. */
static void test_delivery_env(void **state)
{
	struct fixture *f = *state;
	struct privd_config c;
	struct privd_err err = {0};

	write_conf(f, "[smtp]\nurl = smtp://mail.example:587\nfrom = privacy@example.org\n");
	setenv("PRIVD_SMTP_PASSWORD", "s3cret", 1);
	setenv("PRIVD_SMS_URL", "https://sms.example/send", 1);
	setenv("PRIVD_SMS_SECRET", "0123456789abcdef", 1);
	assert_int_equal(privd_config_load(&c, f->dir, &err), PRIVD_OK);
	assert_string_equal(c.smtp_url, "smtp://mail.example:587");
	assert_string_equal(c.smtp_from, "privacy@example.org");
	assert_string_equal(c.smtp_password, "s3cret");
	assert_string_equal(c.sms_url, "https://sms.example/send");
	assert_string_equal(c.sms_secret, "0123456789abcdef");
	assert_string_equal(c.notify_language, "ru+en");
	assert_int_equal(c.notify_max_attempts, 8);
	setenv("PRIVD_NOTIFY_DEFAULT_LANGUAGE", "de", 1);
	assert_int_equal(privd_config_load(&c, f->dir, &err), PRIVD_ERR_INVALID);
	assert_string_equal(err.fields[0].field, "notify.default_language");
	unsetenv("PRIVD_NOTIFY_DEFAULT_LANGUAGE");
	unsetenv("PRIVD_SMTP_PASSWORD");
	unsetenv("PRIVD_SMS_URL");
	unsetenv("PRIVD_SMS_SECRET");
}

/* The incidents' keys: the channel a person is told by, and who is named to the regulator. */
static void test_incidents_keys(void **state)
{
	struct fixture *f = *state;
	struct privd_config c;
	struct privd_err err = {0};

	write_conf(f, "[incidents]\ncontact_person = Мария Иванова, +7 495 000-00-00\n");
	assert_int_equal(privd_config_load(&c, f->dir, &err), PRIVD_OK);
	assert_string_equal(c.incident_channel, "email");
	assert_string_equal(c.incident_contact_person, "Мария Иванова, +7 495 000-00-00");
	assert_string_equal(c.incident_dpo_contact, "");
	setenv("PRIVD_INCIDENTS_CHANNEL_PREFERENCE", "sms", 1);
	setenv("PRIVD_INCIDENTS_DPO_CONTACT", "dpo@example.org", 1);
	assert_int_equal(privd_config_load(&c, f->dir, &err), PRIVD_OK);
	assert_string_equal(c.incident_channel, "sms");
	assert_string_equal(c.incident_dpo_contact, "dpo@example.org");
	setenv("PRIVD_INCIDENTS_CHANNEL_PREFERENCE", "post", 1);
	assert_int_equal(privd_config_load(&c, f->dir, &err), PRIVD_ERR_INVALID);
	assert_string_equal(err.fields[0].field, "incidents.channel_preference");
	unsetenv("PRIVD_INCIDENTS_CHANNEL_PREFERENCE");
	unsetenv("PRIVD_INCIDENTS_DPO_CONTACT");
}

static void test_unknown_key(void **state)
{
	struct fixture *f = *state;
	struct privd_config c;
	struct privd_err err = {0};

	write_conf(f, "[server]\nlisten = 127.0.0.1:1\n\n[age]\neu_min_aeg = 14\n");
	privd_config_defaults(&c);
	assert_int_equal(privd_config_load(&c, f->dir, &err), PRIVD_ERR_INVALID);
	assert_non_null(strstr(err.msg, "age.eu_min_aeg"));
	assert_non_null(strstr(err.msg, "line 5"));
	assert_int_equal(err.nfields, 1);
	assert_string_equal(err.fields[0].field, "age.eu_min_aeg");
	/* Nothing of a refused file is applied. */
	assert_string_equal(c.listen, "127.0.0.1:8080");
}

/* The keys one per-type pair replaced: an old privd.conf is refused naming what to write instead. */
static void test_removed_keys(void **state)
{
	struct fixture *f = *state;
	struct privd_config c;
	struct privd_err err = {0};

	write_conf(f, "[requests]\ndue_working_days = 10\n");
	assert_int_equal(privd_config_load(&c, f->dir, &err), PRIVD_ERR_INVALID);
	assert_non_null(strstr(err.msg, "requests.due_working_days"));
	assert_non_null(strstr(err.msg, "access_days"));
	memset(&err, 0, sizeof(err));
	write_conf(f, "[requests]\nextension_working_days = 5\n");
	assert_int_equal(privd_config_load(&c, f->dir, &err), PRIVD_ERR_INVALID);
	assert_non_null(strstr(err.msg, "access_extension_days"));
	memset(&err, 0, sizeof(err));
	write_conf(f, "");
	setenv("PRIVD_REQUESTS_DUE_WORKING_DAYS", "10", 1);
	assert_int_equal(privd_config_load(&c, f->dir, &err), PRIVD_ERR_INVALID);
	assert_non_null(strstr(err.msg, "PRIVD_REQUESTS_DUE_WORKING_DAYS"));
	assert_string_equal(err.fields[0].field, "requests.due_working_days");
	unsetenv("PRIVD_REQUESTS_DUE_WORKING_DAYS");
}

static void test_unknown_section(void **state)
{
	struct fixture *f = *state;
	struct privd_config c;
	struct privd_err err = {0};

	write_conf(f, "[ldap]\nurl = ldap://localhost\n");
	assert_int_equal(privd_config_load(&c, f->dir, &err), PRIVD_ERR_INVALID);
	assert_non_null(strstr(err.msg, "ldap.url"));
}

/* 152-FZ Art. 14 p.7 and RKN Order 179: what the export and the destruction records are told by the operator. */
static void test_operator_and_retention(void **state)
{
	static const char *const bad_countries[] = {"XX", "de", "DE,", ",DE", "DE;KZ", "DEU", "DE KZ", "DE,,KZ"};
	struct fixture *f = *state;
	struct privd_config c;
	struct privd_err err = {0};

	write_conf(f, "[operator]\naddress = 123456, Москва, ул. Тестовая, д. 7\ncontact = dpo@example.ru\n"
	              "information_system = ИСПДн «Клиенты»\ncross_border_countries = DE, KZ\n"
	              "[retention]\nevidence_years = 5\n");
	assert_int_equal(privd_config_load(&c, f->dir, &err), PRIVD_OK);
	assert_string_equal(c.operator_address, "123456, Москва, ул. Тестовая, д. 7");
	assert_string_equal(c.operator_contact, "dpo@example.ru");
	assert_string_equal(c.information_system, "ИСПДн «Клиенты»");
	assert_string_equal(c.cross_border_countries, "DE, KZ");
	assert_int_equal(c.evidence_years, 5);
	unlink(f->conf);
	for (size_t i = 0; i < sizeof(bad_countries) / sizeof(bad_countries[0]); i++) {
		memset(&err, 0, sizeof(err));
		setenv("PRIVD_OPERATOR_CROSS_BORDER_COUNTRIES", bad_countries[i], 1);
		assert_int_equal(privd_config_load(&c, f->dir, &err), PRIVD_ERR_INVALID);
		assert_string_equal(err.fields[0].field, "operator.cross_border_countries");
	}
	setenv("PRIVD_OPERATOR_CROSS_BORDER_COUNTRIES", "KZ", 1);
	assert_int_equal(privd_config_load(&c, f->dir, &err), PRIVD_OK);
	assert_string_equal(c.cross_border_countries, "KZ");
	unsetenv("PRIVD_OPERATOR_CROSS_BORDER_COUNTRIES");
	setenv("PRIVD_OPERATOR_INFORMATION_SYSTEM", "", 1);
	assert_int_equal(privd_config_load(&c, f->dir, &err), PRIVD_ERR_INVALID);
	unsetenv("PRIVD_OPERATOR_INFORMATION_SYSTEM");
	for (size_t i = 0; i < 3; i++) {
		static const char *const years[] = {"-1", "101", "3y"};

		setenv("PRIVD_RETENTION_EVIDENCE_YEARS", years[i], 1);
		memset(&err, 0, sizeof(err));
		assert_int_equal(privd_config_load(&c, f->dir, &err), PRIVD_ERR_INVALID);
		assert_string_equal(err.fields[0].field, "retention.evidence_years");
	}
	unsetenv("PRIVD_RETENTION_EVIDENCE_YEARS");
}

static void test_bad_numbers(void **state)
{
	static const char *const bad[] = {
	    "[server]\nbody_limit = 1023\n",
	    "[server]\nbody_limit = 16777217\n",
	    "[server]\nbody_limit = 64k\n",
	    "[server]\nbody_limit = -1\n",
	    "[server]\nthreads = 257\n",
	    "[server]\nthreads = \n",
	    "[database]\nwrite_batch = 0\n",
	    "[database]\nwrite_batch = 10001\n",
	    "[age]\ncoppa_min_age = 22\n",
	    "[age]\neu_min_age = -1\n",
	    "[age]\neu_per_country = maybe\n",
	    "[operator]\nserver_country = XX\n",
	    "[operator]\nserver_country = RUS\n",
	    "[log]\nlevel = verbose\n",
	    "[server]\nlisten = \n",
	    "[server]\nthreads = 99999999999999999999999\n",
	    "listen = 127.0.0.1:1\n",
	    "[server]\nthis line has no equals sign\n",
	    "[requests]\ncalendar_file = \n",
	    "[requests]\ndocument_limit = 1023\n",
	    "[requests]\ndocument_limit = 104857601\n",
	    "[requests]\naccess_days = 0\n",
	    "[requests]\nrectify_days = 61\n",
	    "[requests]\ninquiry_extension_days = -1\n",
	    "[requests]\nerase_extension_days = 31\n",
	    "[law]\nru_localisation = ignore\n",
	    "[law]\nru_localisation = \n",
	    "[requests]\nerase_after_revoke_days = 3651\n",
	};
	struct fixture *f = *state;
	struct privd_config c;
	struct privd_err err;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		write_conf(f, bad[i]);
		if (privd_config_load(&c, f->dir, &err) != PRIVD_ERR_INVALID)
			fail_msg("accepted: %s", bad[i]);
		assert_true(err.msg[0] != '\0');
	}

	memset(&err, 0, sizeof(err));
	write_conf(f, "[server]\nbody_limit = 1023\n");
	assert_int_equal(privd_config_load(&c, f->dir, &err), PRIVD_ERR_INVALID);
	assert_non_null(strstr(err.msg, "server.body_limit"));
	assert_string_equal(err.fields[0].field, "server.body_limit");

	/* The limits themselves are allowed. */
	write_conf(f, "[server]\nbody_limit = 1024\nthreads = 256\n[database]\nwrite_batch = 1\n"
	              "[age]\ncoppa_min_age = 21\neu_min_age = 0\n");
	assert_int_equal(privd_config_load(&c, f->dir, &err), PRIVD_OK);
	assert_int_equal(c.body_limit, 1024);
	assert_int_equal(c.threads, 256);
	assert_int_equal(c.write_batch, 1);
	assert_int_equal(c.coppa_min_age, 21);
}

static void test_booleans(void **state)
{
	static const struct {
		const char *text;
		bool value;
	} cases[] = {{"true", true}, {"false", false}, {"1", true}, {"0", false}, {"yes", true}, {"no", false}};
	struct fixture *f = *state;
	struct privd_config c;
	struct privd_err err = {0};
	char text[64];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "[age]\neu_per_country = %s\n", cases[i].text);
		write_conf(f, text);
		assert_int_equal(privd_config_load(&c, f->dir, &err), PRIVD_OK);
		assert_int_equal(c.eu_per_country, cases[i].value);
	}
}

static void test_write_round_trip(void **state)
{
	struct fixture *f = *state;
	struct privd_config c, back;
	struct privd_err err = {0};
	struct stat st;

	privd_config_defaults(&c);
	snprintf(c.listen, sizeof(c.listen), "[::1]:8443");
	c.body_limit = 2048;
	c.threads = 3;
	snprintf(c.operator_name, sizeof(c.operator_name), " Example; Ltd ");
	snprintf(c.server_country, sizeof(c.server_country), "US");
	c.eu_per_country = true;
	c.coppa_min_age = 0;
	c.due_days[PRIVD_REQUEST_TYPE_ERASE] = 7;
	c.extension_days[PRIVD_REQUEST_TYPE_REVOKE_COOKIES] = 2;
	snprintf(c.ru_localisation, sizeof(c.ru_localisation), "refuse");
	c.erase_after_revoke_days = 0;
	snprintf(c.operator_address, sizeof(c.operator_address), "Москва, ул. Тестовая, 7");
	snprintf(c.cross_border_countries, sizeof(c.cross_border_countries), "DE,KZ");
	c.evidence_years = 4;
	assert_int_equal(privd_config_write(&c, f->conf, &err), PRIVD_OK);
	assert_int_equal(stat(f->conf, &st), 0);
	assert_int_equal(st.st_mode & 0137, 0); /* at most 0640 */

	assert_int_equal(privd_config_load(&back, f->dir, &err), PRIVD_OK);
	assert_string_equal(back.listen, "[::1]:8443");
	assert_int_equal(back.body_limit, 2048);
	assert_int_equal(back.threads, 3);
	assert_string_equal(back.public_url, "");
	assert_string_equal(back.operator_name, " Example; Ltd ");
	assert_string_equal(back.server_country, "US");
	assert_true(back.eu_per_country);
	assert_int_equal(back.coppa_min_age, 0);
	assert_string_equal(back.eu_age_file, c.eu_age_file);
	assert_string_equal(back.calendar_file, c.calendar_file);
	assert_int_equal(back.due_days[PRIVD_REQUEST_TYPE_ERASE], 7);
	assert_int_equal(back.extension_days[PRIVD_REQUEST_TYPE_REVOKE_COOKIES], 2);
	assert_int_equal(back.due_days[PRIVD_REQUEST_TYPE_RECTIFY], 7);
	assert_string_equal(back.ru_localisation, "refuse");
	assert_int_equal(back.erase_after_revoke_days, 0);
	assert_string_equal(back.operator_address, "Москва, ул. Тестовая, 7");
	assert_string_equal(back.information_system, "privd");
	assert_string_equal(back.cross_border_countries, "DE,KZ");
	assert_int_equal(back.evidence_years, 4);

	/* Refuses to overwrite. */
	assert_int_not_equal(privd_config_write(&c, f->conf, &err), PRIVD_OK);
}

static void test_write_refuses_bad_value(void **state)
{
	struct fixture *f = *state;
	struct privd_config c;
	struct privd_err err = {0};

	privd_config_defaults(&c);
	snprintf(c.operator_name, sizeof(c.operator_name), "two\nlines");
	assert_int_equal(privd_config_write(&c, f->conf, &err), PRIVD_ERR_INVALID);
	assert_non_null(strstr(err.msg, "operator.name"));
	assert_int_equal(access(f->conf, F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_share_dir_from_environment, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_long_line_read_whole, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_env_overrides_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_env_value, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_delivery_env, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unknown_key, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unknown_section, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_operator_and_retention, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_removed_keys, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_incidents_keys, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_numbers, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_booleans, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_write_round_trip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_write_refuses_bad_value, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
