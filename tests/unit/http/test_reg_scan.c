/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_reg_scan.c - the registration's scanner (http/reg_scan.c): the usual body, and bodies in the plain shape
 * with whitespace and nulls, read into the struct the handler passes on; every other body declined (left to
 * jansson). fuzz_registration holds what it accepts to jansson; this pins that it accepts what it is for.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http/http_int.h"

static bool scan(const char *body, struct privd_registration *reg, char *strs)
{
	return privd_http_registration_scan(body, strlen(body), reg, strs);
}

static void test_usual(void **state)
{
	const char *body = "{\"name\":\"Иван Тестов\",\"email\":\"a@example.com\",\"phone\":\"+79011000001\","
	                   "\"ip\":\"192.0.2.2\",\"birth_date\":\"1990-05-17\",\"residence_country\":\"RU\","
	                   "\"policy_version\":\"1\",\"consents\":{\"processing\":true,\"third_party_transfer\":false,"
	                   "\"cookies\":[\"analytics\"],\"texts\":{\"processing\":\"1\"}}}";
	struct privd_registration reg;
	char strs[512];

	(void)state;
	assert_true(scan(body, &reg, strs));
	assert_string_equal(reg.name, "Иван Тестов");
	assert_string_equal(reg.email, "a@example.com");
	assert_string_equal(reg.phone, "+79011000001");
	assert_string_equal(reg.ip, "192.0.2.2");
	assert_string_equal(reg.birth_date, "1990-05-17");
	assert_string_equal(reg.residence_country, "RU");
	assert_string_equal(reg.policy_version, "1");
	assert_int_equal(reg.processing, 1);
	assert_int_equal(reg.third_party_transfer, 0);
	assert_false(reg.cookies[0]);
	assert_true(reg.cookies[1]);
	assert_false(reg.cookies[2]);
	assert_string_equal(reg.texts[PRIVD_PURPOSE_PROCESSING], "1");
	assert_null(reg.texts[PRIVD_PURPOSE_THIRD_PARTY_TRANSFER]);
	assert_null(reg.language);
	assert_null(reg.notice_language);
	assert_null(reg.visitor_id);
	assert_null(reg.source);
}

static void test_shapes(void **state)
{
	struct privd_registration reg;
	char strs[512];

	(void)state;
	assert_true(scan(" { } ", &reg, strs));
	assert_int_equal(reg.processing, -1);
	assert_int_equal(reg.third_party_transfer, -1);
	assert_true(scan("{ \"consents\" : { \"texts\" : null , \"cookies\" : [ ] , \"language\" : \"ru\" } ,\n"
	                 "\t\"name\" : null , \"language\" : \"en\" , \"visitor_id\" : \"v\" }\r\n",
	                 &reg, strs));
	assert_null(reg.name);
	assert_string_equal(reg.language, "ru");
	assert_string_equal(reg.notice_language, "en");
	assert_string_equal(reg.visitor_id, "v");
	assert_true(scan("{\"consents\":null}", &reg, strs));
	assert_true(
	    scan("{\"consents\":{\"texts\":{\"third_party_transfer\":\"2\",\"processing\":null}}}", &reg, strs));
	assert_string_equal(reg.texts[PRIVD_PURPOSE_THIRD_PARTY_TRANSFER], "2");
	assert_null(reg.texts[PRIVD_PURPOSE_PROCESSING]);
}

static void test_declined(void **state)
{
	static const char *const bodies[] = {
	    "",
	    "[]",
	    "{",
	    "{\"name\":\"a\",\"name\":\"b\"}",
	    "{\"name\":\"a\\\"b\"}",
	    "{\"name\":1}",
	    "{\"name\":true}",
	    "{\"name\":\"a\",}",
	    "{\"name\":\"a\"} x",
	    "{\"name\":\"a\tb\"}",
	    "{\"name\":\"\xc0\xaf\"}",
	    "{\"name\":\"\xed\xa0\x80\"}",
	    "{\"nam\\u0065\":\"a\"}",
	    "{\"unknown\":\"x\"}",
	    "{\"consents\":{\"processing\":null}}",
	    "{\"consents\":{\"processing\":truex}}",
	    "{\"consents\":{\"processing\":\"yes\"}}",
	    "{\"consents\":{\"cookies\":[\"analytics\",\"nonsense\"]}}",
	    "{\"consents\":{\"cookies\":\"analytics\"}}",
	    "{\"consents\":{\"cookies\":[\"analytics\",]}}",
	    "{\"consents\":{\"texts\":{\"cookies\":\"1\"}}}",
	    "{\"consents\":{\"other\":true}}",
	    "{\"consents\":[]}",
	    "{\"consents\":{\"processing\":true,\"processing\":false}}",
	};
	struct privd_registration reg;
	char strs[512];

	(void)state;
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		if (scan(bodies[i], &reg, strs))
			fail_msg("accepted: %s", bodies[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_usual), cmocka_unit_test(test_shapes),
	                                   cmocka_unit_test(test_declined)};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
