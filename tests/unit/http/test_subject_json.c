/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_subject_json.c - a subject's profile as the API answers it, written without jansson
 * (privd_http_subject_text), against what jansson made of it before (json_pack, then json_dumps with JSON_COMPACT):
 * byte for byte, so the answers and their ETags stay what they were. Every byte value in a string, escapes and
 * UTF-8 of every length, invalid UTF-8 (null, as json_string refuses it), empty values, absent times, and many
 * random profiles.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "http/http_int.h"

/* What subjects.c rendered before: the reference. */
static json_t *ref_str(const char *s, bool empty_null)
{
	json_t *j = empty_null && s[0] == '\0' ? NULL : json_string(s);

	return j != NULL ? j : json_null();
}

static json_t *ref_time(int64_t ms)
{
	char buf[PRIVD_TIME_LEN];

	if (ms == 0)
		return json_null();
	privd_time_format(ms, buf);
	return json_string(buf);
}

static char *reference(const struct privd_subject *s)
{
	json_t *j = json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "id", s->id,
	                      "status", privd_subject_status_name(s->status), "name", ref_str(s->name, false), "email",
	                      ref_str(s->email, true), "phone", ref_str(s->phone, true), "ip", ref_str(s->ip, true),
	                      "birth_date", ref_str(s->birth_date, true), "residence_country",
	                      ref_str(s->residence_country, true), "language", ref_str(s->language, true),
	                      "policy_version", ref_str(s->policy_version, true), "created_at", ref_time(s->created_at),
	                      "updated_at", ref_time(s->updated_at), "erase_after", ref_time(s->erase_after));
	char *text = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;

	json_decref(j);
	return text;
}

static void same(const struct privd_subject *s)
{
	char *want = reference(s);
	size_t len = 0;
	char *got = privd_http_subject_text(s, &len);

	assert_non_null(want);
	assert_non_null(got);
	assert_string_equal(got, want);
	assert_int_equal(len, strlen(want));
	free(want);
	free(got);
}

static void base(struct privd_subject *s)
{
	memset(s, 0, sizeof(*s));
	strcpy(s->id, "0123456789abcdef0123456789abcdef");
	s->status = PRIVD_SUBJECT_ACTIVE;
	strcpy(s->name, "Иван Тестов");
	strcpy(s->email, "ivan@example.com");
	strcpy(s->phone, "+79161234567");
	strcpy(s->ip, "192.0.2.1");
	strcpy(s->birth_date, "1990-05-17");
	strcpy(s->residence_country, "RU");
	strcpy(s->policy_version, "1");
	s->created_at = 1767225600000LL;
	s->updated_at = 1767225601234LL;
}

static void test_usual(void **state)
{
	struct privd_subject s;

	(void)state;
	base(&s);
	same(&s);
	s.status = PRIVD_SUBJECT_PENDING_GUARDIAN;
	strcpy(s.language, "ru");
	s.erase_after = 1767225609999LL;
	same(&s);
	s.email[0] = s.phone[0] = s.policy_version[0] = s.name[0] = '\0'; /* empty: null, but the name "" */
	s.created_at = s.updated_at = s.erase_after = 0;
	same(&s);
}

static void test_every_byte(void **state)
{
	struct privd_subject s;

	(void)state;
	base(&s);
	for (int c = 1; c < 256; c++) {
		s.name[0] = 'a';
		s.name[1] = (char)c;
		s.name[2] = 'z';
		s.name[3] = '\0';
		memcpy(s.email, s.name, 4);
		same(&s);
	}
}

static void test_utf8(void **state)
{
	static const char *const cases[] = {
	    "\xc3\xa9",
	    "\xe2\x82\xac",
	    "\xf0\x9f\x98\x80",
	    "\xf4\x8f\xbf\xbf", /* valid, 2 to 4 bytes */
	    "\xc0\xaf",
	    "\xc1\xbf",
	    "\xe0\x80\xaf",
	    "\xf0\x80\x80\xaf", /* overlong */
	    "\xed\xa0\x80",
	    "\xed\xbf\xbf",
	    "\xf4\x90\x80\x80",
	    "\xf5\x80\x80\x80", /* surrogate, too high */
	    "\x80",
	    "\xbf",
	    "\xc3",
	    "\xe2\x82", /* stray, cut short */
	    "\xf0\x9f\x98",
	    "\xc3\x28",
	    "\xe2\x28\xac",
	    "\xff",
	    "\xef\xbf\xbf",
	    "\xee\x80\x80",
	    "\xe0\xa0\x80",
	    "\xf0\x90\x80\x80", /* edges */
	    "\"\\\b\f\n\r\t/\x7f",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct privd_subject s;

		base(&s);
		snprintf(s.name, sizeof(s.name), "x%sy", cases[i]);
		snprintf(s.ip, sizeof(s.ip), "%s", cases[i]);
		same(&s);
	}
}

static void fill_random(char *out, size_t cap)
{
	size_t n = (size_t)rand() % cap;

	for (size_t i = 0; i < n; i++) {
		int r = rand() % 8;

		/* mostly ASCII, some UTF-8 lead and continuation bytes, a few control characters */
		out[i] = (char)(r < 4   ? 0x20 + rand() % 0x5f
		                : r < 6 ? 0x80 + rand() % 0x40
		                : r < 7 ? 0xc2 + rand() % 0x33
		                        : 1 + rand() % 0x1f);
	}
	out[n] = '\0';
}

static void test_random(void **state)
{
	(void)state;
	srand(12);
	for (int i = 0; i < 20000; i++) {
		struct privd_subject s;

		base(&s);
		fill_random(s.name, 40);
		fill_random(s.email, 30);
		fill_random(s.phone, sizeof(s.phone));
		fill_random(s.ip, sizeof(s.ip));
		fill_random(s.birth_date, sizeof(s.birth_date));
		fill_random(s.policy_version, 20);
		s.erase_after = i % 3 == 0 ? 0 : 1767225600000LL + i;
		same(&s);
	}
}

static void test_longest(void **state)
{
	struct privd_subject s;

	(void)state;
	base(&s);
	memset(s.name, 0x01, sizeof(s.name) - 1); /* every byte escaped to six */
	memset(s.email, '"', sizeof(s.email) - 1);
	memset(s.policy_version, 0x1f, sizeof(s.policy_version) - 1);
	same(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_usual), cmocka_unit_test(test_every_byte),
	                                   cmocka_unit_test(test_utf8), cmocka_unit_test(test_random),
	                                   cmocka_unit_test(test_longest)};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
