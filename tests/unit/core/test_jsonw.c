/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_jsonw.c - the JSON object writer and the string escaping under it.
 *
 * The audit chain hashes the text the writer produces, so its output is pinned byte for byte, including the
 * details the service wrote with snprintf before the writer existed. What does not fit must never leave half a
 * token: the tests fill buffers of every size and check the text is either whole or {}.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/jsonw.h"

static void test_members(void **state)
{
	static const char *const fields[] = {"name", "email", "ip"};
	struct privd_jsonw w;
	char buf[256];

	(void)state;
	privd_jsonw_init(&w, buf, sizeof(buf));
	privd_jsonw_str(&w, "type", "erase");
	privd_jsonw_int(&w, "size", 1234567890123);
	privd_jsonw_int(&w, "neg", -5);
	privd_jsonw_bool(&w, "found", true);
	privd_jsonw_bool(&w, "granted", false);
	privd_jsonw_str(&w, "none", NULL);
	privd_jsonw_strs(&w, "fields", fields, 3);
	privd_jsonw_strs(&w, "empty", NULL, 0);
	privd_jsonw_raw(&w, "result", "{\"erased\":true}");
	assert_int_equal(privd_jsonw_end(&w), PRIVD_OK);
	assert_string_equal(buf,
	                    "{\"type\":\"erase\",\"size\":1234567890123,\"neg\":-5,\"found\":true,\"granted\":false,"
	                    "\"none\":null,\"fields\":[\"name\",\"email\",\"ip\"],\"empty\":[],"
	                    "\"result\":{\"erased\":true}}");
}

static void test_empty_and_nested(void **state)
{
	struct privd_jsonw w;
	char buf[128];

	(void)state;
	privd_jsonw_init(&w, buf, sizeof(buf));
	assert_int_equal(privd_jsonw_end(&w), PRIVD_OK);
	assert_string_equal(buf, "{}");

	privd_jsonw_init(&w, buf, sizeof(buf));
	privd_jsonw_str(&w, "status", "active");
	privd_jsonw_object(&w, "consents");
	privd_jsonw_bool(&w, "processing", true);
	privd_jsonw_bool(&w, "cookies.analytics", false);
	privd_jsonw_close(&w);
	privd_jsonw_object(&w, "none");
	privd_jsonw_close(&w);
	privd_jsonw_int(&w, "after", 1);
	assert_int_equal(privd_jsonw_end(&w), PRIVD_OK);
	assert_string_equal(buf,
	                    "{\"status\":\"active\",\"consents\":{\"processing\":true,\"cookies.analytics\":false},"
	                    "\"none\":{},\"after\":1}");

	/* An object left open is closed by the end. */
	privd_jsonw_init(&w, buf, sizeof(buf));
	privd_jsonw_object(&w, "a");
	privd_jsonw_object(&w, "b");
	privd_jsonw_int(&w, "c", 0);
	assert_int_equal(privd_jsonw_end(&w), PRIVD_OK);
	assert_string_equal(buf, "{\"a\":{\"b\":{\"c\":0}}}");
}

/* A value cannot close its string and add members of its own; keys are escaped too. */
static void test_escaping(void **state)
{
	struct privd_jsonw w;
	char buf[256];

	(void)state;
	privd_jsonw_init(&w, buf, sizeof(buf));
	privd_jsonw_str(&w, "v", "a\",\"admin\":\"true");
	privd_jsonw_str(&w, "k\"ey", "back\\slash\nline\ttab\x01");
	privd_jsonw_str(&w, "utf8", "Иван «Ё»");
	assert_int_equal(privd_jsonw_end(&w), PRIVD_OK);
	assert_string_equal(buf, "{\"v\":\"a\\\",\\\"admin\\\":\\\"true\",\"k\\\"ey\":\"back\\\\slash\\nline\\u0009tab"
	                         "\\u0001\",\"utf8\":\"Иван «Ё»\"}");
}

static void test_escape(void **state)
{
	char out[16];

	(void)state;
	assert_int_equal(privd_json_escape("a\"b", out, sizeof(out)), 4);
	assert_string_equal(out, "a\\\"b");
	assert_int_equal(privd_json_escape(NULL, out, sizeof(out)), 0);
	assert_string_equal(out, "");
	/* Cut at a whole escape, and the length the whole needs returned. */
	assert_int_equal(privd_json_escape("ab\"cd", out, 4), 6);
	assert_string_equal(out, "ab");
	assert_int_equal(privd_json_escape("\x1f", out, 6), 6);
	assert_string_equal(out, "");
	assert_int_equal(privd_json_escape("\x1f", out, 7), 6);
	assert_string_equal(out, "\\u001f");
	assert_int_equal(privd_json_escape("xyz", out, 0), 3);
}

/* Whatever the buffer's size, the text is whole or {}: never a cut token. */
static void test_every_size(void **state)
{
	static const char *const fields[] = {"name", "birth_date"};
	const char *whole = "{\"type\":\"re\\\"ct\",\"n\":42,\"fields\":[\"name\",\"birth_date\"],\"c\":{\"ok\":true}}";
	char buf[128];

	(void)state;
	for (size_t cap = 0; cap <= strlen(whole) + 1; cap++) {
		struct privd_jsonw w;
		enum privd_rc rc;

		memset(buf, 'X', sizeof(buf));
		privd_jsonw_init(&w, buf, cap);
		privd_jsonw_str(&w, "type", "re\"ct");
		privd_jsonw_int(&w, "n", 42);
		privd_jsonw_strs(&w, "fields", fields, 2);
		privd_jsonw_object(&w, "c");
		privd_jsonw_bool(&w, "ok", true);
		privd_jsonw_close(&w);
		rc = privd_jsonw_end(&w);
		if (cap > strlen(whole)) {
			assert_int_equal(rc, PRIVD_OK);
			assert_string_equal(buf, whole);
		} else {
			assert_int_equal(rc, PRIVD_ERR_TOO_LARGE);
			if (cap >= 3)
				assert_string_equal(buf, "{}");
			else if (cap > 0)
				assert_string_equal(buf, "");
			assert_true(buf[cap] == 'X'); /* nothing written past cap */
		}
	}
}

/* Misuse is reported as not fitting, never written past the buffer. */
static void test_misuse(void **state)
{
	struct privd_jsonw w;
	char buf[256];

	(void)state;
	privd_jsonw_init(&w, buf, sizeof(buf));
	privd_jsonw_close(&w); /* only the end closes the outer object */
	assert_int_equal(privd_jsonw_end(&w), PRIVD_ERR_TOO_LARGE);
	assert_string_equal(buf, "{}");

	privd_jsonw_init(&w, buf, sizeof(buf));
	for (int i = 0; i < PRIVD_JSONW_DEPTH + 2; i++)
		privd_jsonw_object(&w, "d");
	assert_int_equal(privd_jsonw_end(&w), PRIVD_ERR_TOO_LARGE);
	assert_string_equal(buf, "{}");

	privd_jsonw_init(&w, buf, sizeof(buf));
	assert_int_equal(privd_jsonw_end(&w), PRIVD_OK);
	privd_jsonw_str(&w, "late", "x"); /* after the end */
	assert_int_equal(privd_jsonw_end(&w), PRIVD_ERR_TOO_LARGE);
	assert_string_equal(buf, "{}");
}

/* The audit details as the service wrote them with snprintf before, written with the writer. */
static void test_audit_details_unchanged(void **state)
{
	static const char *const fields[] = {"name", "email", "ip", "birth_date"};
	struct privd_jsonw w;
	char buf[400], old[400];

	(void)state;
	privd_jsonw_init(&w, buf, sizeof(buf));
	privd_jsonw_str(&w, "type", "application/pdf");
	privd_jsonw_int(&w, "size", 5120);
	privd_jsonw_str(&w, "sha256", "ab12");
	privd_jsonw_str(&w, "due_date", "2025-03-14");
	assert_int_equal(privd_jsonw_end(&w), PRIVD_OK);
	snprintf(old, sizeof(old), "{\"type\":\"%s\",\"size\":%zu,\"sha256\":\"%s\",\"due_date\":\"%s\"}",
	         "application/pdf", (size_t)5120, "ab12", "2025-03-14");
	assert_string_equal(buf, old);

	privd_jsonw_init(&w, buf, sizeof(buf));
	privd_jsonw_str(&w, "status", "active");
	privd_jsonw_strs(&w, "fields", fields, 4);
	privd_jsonw_object(&w, "consents");
	privd_jsonw_bool(&w, "processing", true);
	privd_jsonw_bool(&w, "third_party_transfer", false);
	privd_jsonw_close(&w);
	assert_int_equal(privd_jsonw_end(&w), PRIVD_OK);
	snprintf(old, sizeof(old),
	         "{\"status\":\"%s\",\"fields\":[\"name\"%s%s,\"ip\",\"birth_date\"],\"consents\":{"
	         "\"%s\":%s,\"%s\":%s}}",
	         "active", ",\"email\"", "", "processing", "true", "third_party_transfer", "false");
	assert_string_equal(buf, old);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_members),
	    cmocka_unit_test(test_empty_and_nested),
	    cmocka_unit_test(test_escaping),
	    cmocka_unit_test(test_escape),
	    cmocka_unit_test(test_every_size),
	    cmocka_unit_test(test_misuse),
	    cmocka_unit_test(test_audit_details_unchanged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
