/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_config_text.c - the configuration as an operator handles it: every fault of a file and the environment at
 * once (check-config), a privd.conf without installation paths (init), the dump with its secrets redacted
 * (dump-config), and which keys a SIGHUP changes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "service/config.h"

struct fixture {
	char dir[64];
	char conf[128];
	struct privd_config_faults faults;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	unsetenv("PRIVD_SMTP_PASSWORD");
	unsetenv("PRIVD_NOTIFY_BATCH");
	unsetenv("PRIVD_LOG_LEVEL");
	snprintf(f->dir, sizeof(f->dir), "/tmp/privd-config-text-XXXXXX");
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

/* The whole text of a file (at most 64 KiB), for reading what was written. */
static char *slurp(const char *path)
{
	static char buf[65536];
	FILE *fp = fopen(path, "r");
	size_t n;

	assert_non_null(fp);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

static void test_every_fault_at_once(void **state)
{
	struct fixture *f = *state;
	struct privd_config c;
	char line[2048];

	write_conf(f, "[server]\n"
	              "body_limit = 5\n"
	              "listen_port = 80\n"
	              "[age]\n"
	              "eu_min_age = 99\n"
	              "not a key\n"
	              "coppa_min_age = 13\n");
	setenv("PRIVD_NOTIFY_BATCH", "0", 1);
	setenv("PRIVD_LOG_LEVEL", "loud", 1);
	privd_config_defaults(&c);
	snprintf(c.listen, sizeof(c.listen), "untouched");
	assert_int_equal(privd_config_read(&c, f->dir, NULL, &f->faults), PRIVD_ERR_INVALID);
	assert_int_equal(f->faults.n, 6);
	assert_string_equal(f->faults.file, f->conf);
	assert_int_equal(f->faults.items[0].line, 2);
	assert_string_equal(f->faults.items[0].key, "server.body_limit");
	assert_int_equal(f->faults.items[1].line, 3);
	assert_string_equal(f->faults.items[1].key, "server.listen_port");
	assert_string_equal(f->faults.items[1].reason, "is not a known key");
	assert_int_equal(f->faults.items[2].line, 5);
	assert_string_equal(f->faults.items[2].key, "age.eu_min_age");
	assert_int_equal(f->faults.items[3].line, 6);
	assert_string_equal(f->faults.items[3].key, "");
	assert_string_equal(f->faults.items[4].env, "PRIVD_LOG_LEVEL");
	assert_string_equal(f->faults.items[4].key, "log.level");
	assert_string_equal(f->faults.items[5].env, "PRIVD_NOTIFY_BATCH");
	privd_config_fault_format(&f->faults, &f->faults.items[2], line, sizeof(line));
	assert_non_null(strstr(line, "privd.conf line 5: age.eu_min_age must be a whole number from 0 to 21"));
	privd_config_fault_format(&f->faults, &f->faults.items[5], line, sizeof(line));
	assert_string_equal(line, "environment PRIVD_NOTIFY_BATCH: notify.batch must be a whole number from 1 to 1000");
	assert_string_equal(c.listen, "untouched"); /* nothing of a faulty configuration is taken */
	unsetenv("PRIVD_NOTIFY_BATCH");
	unsetenv("PRIVD_LOG_LEVEL");

	/* A file named with --config must exist; DIR/privd.conf may be missing. */
	assert_int_equal(privd_config_read(&c, f->dir, "/nonexistent/privd.conf", &f->faults), PRIVD_ERR_IO);
	assert_int_equal(f->faults.n, 1);
	assert_non_null(strstr(f->faults.items[0].reason, "cannot open /nonexistent/privd.conf"));
	unlink(f->conf);
	assert_int_equal(privd_config_read(&c, f->dir, NULL, &f->faults), PRIVD_OK);
	assert_int_equal(f->faults.n, 0);
	assert_string_equal(c.config_file, "");
}

/* More faults than are kept: all counted, the first kept. */
static void test_many_faults(void **state)
{
	struct fixture *f = *state;
	struct privd_config c;
	char text[8192] = "[server]\n";

	for (int i = 0; i < PRIVD_CONFIG_FAULTS_MAX + 10; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "typo%d = 1\n", i);
	write_conf(f, text);
	assert_int_equal(privd_config_read(&c, f->dir, NULL, &f->faults), PRIVD_ERR_INVALID);
	assert_int_equal(f->faults.n, PRIVD_CONFIG_FAULTS_MAX + 10);
	assert_string_equal(f->faults.items[0].key, "server.typo0");
	assert_int_equal(f->faults.items[PRIVD_CONFIG_FAULTS_MAX - 1].line, PRIVD_CONFIG_FAULTS_MAX + 1);
}

/* init's privd.conf names no share directory: those keys are commented out and follow privd where it is. */
static void test_written_without_share_paths(void **state)
{
	struct fixture *f = *state;
	struct privd_config c, back;
	struct privd_err err = {0};
	const char *text;

	privd_config_defaults(&c);
	assert_int_equal(privd_config_write(&c, f->conf, &err), PRIVD_OK);
	text = slurp(f->conf);
	assert_null(strstr(text, privd_share_dir()));
	assert_non_null(strstr(text, "\n#calendar_file =\n"));
	assert_non_null(strstr(text, "\n#eu_age_file =\n"));
	assert_non_null(strstr(text, "\nfile = \"\"\n"));
	setenv("PRIVD_SHARE_DIR", "/opt/elsewhere/share", 1);
	assert_int_equal(privd_config_read(&back, f->dir, NULL, &f->faults), PRIVD_OK);
	assert_string_equal(back.calendar_file, "/opt/elsewhere/share/calendar-ru.json");
	unsetenv("PRIVD_SHARE_DIR");
	unlink(f->conf);

	/* a path given is written as it is */
	snprintf(c.calendar_file, sizeof(c.calendar_file), "/etc/privd/calendar.json");
	assert_int_equal(privd_config_write(&c, f->conf, &err), PRIVD_OK);
	assert_non_null(strstr(slurp(f->conf), "\ncalendar_file = /etc/privd/calendar.json\n"));
	assert_int_equal(privd_config_read(&back, f->dir, NULL, &f->faults), PRIVD_OK);
	assert_int_equal(privd_config_diff(&c, &back, NULL, NULL), 0);
}

static void test_dump_redacts_secrets(void **state)
{
	struct fixture *f = *state;
	struct privd_config c;
	char path[128];
	FILE *fp;
	const char *text;

	privd_config_defaults(&c);
	snprintf(c.smtp_password, sizeof(c.smtp_password), "smtp-pass-1");
	snprintf(c.sms_secret, sizeof(c.sms_secret), "sms-secret-22222222");
	snprintf(c.database_url, sizeof(c.database_url),
	         "postgresql://privd:db-pass-3@db:5432/privd?password=db-pass-4&sslmode=require");
	snprintf(c.operator_name, sizeof(c.operator_name), "Operator");
	setenv("PRIVD_SMTP_PASSWORD", "smtp-pass-1", 1);
	snprintf(path, sizeof(path), "%s/dump", f->dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	privd_config_dump(&c, fp);
	fclose(fp);
	unsetenv("PRIVD_SMTP_PASSWORD");
	text = slurp(path);
	unlink(path);
	assert_null(strstr(text, "smtp-pass-1"));
	assert_null(strstr(text, "sms-secret-2"));
	assert_null(strstr(text, "db-pass-3"));
	assert_null(strstr(text, "db-pass-4"));
	assert_non_null(strstr(text, "\n# from the environment: PRIVD_SMTP_PASSWORD\npassword = <redacted>\n"));
	assert_non_null(strstr(text, "\nsecret = <redacted>\n"));
	assert_non_null(
	    strstr(text, "\nurl = postgresql://privd:<redacted>@db:5432/privd?password=<redacted>&sslmode=require\n"));
	assert_non_null(strstr(text, "\nname = Operator\n"));
	assert_non_null(strstr(text, "\n[notify]\n"));

	/* an empty secret is shown empty: whether one is set is worth knowing */
	c.sms_secret[0] = '\0';
	snprintf(c.database_url, sizeof(c.database_url), "sqlite");
	fp = fopen(path, "w");
	assert_non_null(fp);
	privd_config_dump(&c, fp);
	fclose(fp);
	text = slurp(path);
	unlink(path);
	assert_non_null(strstr(text, "\nsecret = \"\"\n"));
	assert_non_null(strstr(text, "\nurl = sqlite\n"));
}

struct seen {
	char keys[16][64];
	bool live[16];
	size_t n;
};

static void note(void *arg, const char *key, bool live)
{
	struct seen *s = arg;

	assert_true(s->n < 16);
	snprintf(s->keys[s->n], sizeof(s->keys[s->n]), "%s", key);
	s->live[s->n++] = live;
}

/* What a SIGHUP changes: the live keys taken, the others named and left. */
static void test_diff_and_live_keys(void **state)
{
	struct privd_config a, b;
	struct seen s = {0};

	(void)state;
	privd_config_defaults(&a);
	b = a;
	assert_int_equal(privd_config_diff(&a, &b, note, &s), 0);
	b.body_limit = 4096;
	snprintf(b.listen, sizeof(b.listen), "0.0.0.0:9000");
	snprintf(b.smtp_url, sizeof(b.smtp_url), "smtp://mail:25");
	snprintf(b.log_level, sizeof(b.log_level), "debug");
	snprintf(b.notify_language, sizeof(b.notify_language), "en");
	assert_int_equal(privd_config_diff(&a, &b, note, &s), 5);
	assert_string_equal(s.keys[0], "server.listen");
	assert_false(s.live[0]);
	assert_string_equal(s.keys[1], "server.body_limit");
	assert_true(s.live[1]);
	assert_true(privd_config_key_live("log.level"));
	assert_true(privd_config_key_live("smtp.url"));
	assert_false(privd_config_key_live("notify.default_language")); /* read by request threads */
	assert_false(privd_config_key_live("database.url"));

	privd_config_take_live(&a, &b);
	assert_int_equal(a.body_limit, 4096);
	assert_string_equal(a.smtp_url, "smtp://mail:25");
	assert_string_equal(a.log_level, "debug");
	assert_string_equal(a.listen, "127.0.0.1:8080");
	assert_string_equal(a.notify_language, "ru+en");
	memset(&s, 0, sizeof(s));
	assert_int_equal(privd_config_diff(&a, &b, note, &s), 2);
	assert_string_equal(s.keys[0], "server.listen");
	assert_string_equal(s.keys[1], "notify.default_language");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_every_fault_at_once, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_many_faults, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_written_without_share_paths, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dump_redacts_secrets, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_diff_and_live_keys, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
