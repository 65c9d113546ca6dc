/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_apikeys.c - API keys on a real service (SQLite in a temporary directory): a key authenticates again and again
 * (from the thread's memory of the last key after the first time), a revoked key is refused at the next call on the
 * same thread, another key on that thread is not taken for the remembered one, and a key remembered from a service
 * is never taken by another service opened after it, even at the same address.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "service_test.h"

static void make_key(struct privd_service *svc, const char *role, struct privd_apikey_info *info, char *key, size_t len)
{
	struct privd_principal cli;

	privd_principal_cli(&cli);
	assert_int_equal(privd_service_apikey_create(svc, &cli, "test", role, info, key, len, NULL), PRIVD_OK);
}

static void test_revoked_key_is_refused_at_the_next_call(void **state)
{
	struct privd_apikey_info info;
	struct privd_principal who, cli;
	char key[PRIVD_APIKEY_MAX];

	(void)state;
	make_key(g_svc, "app", &info, key, sizeof(key));
	for (int i = 0; i < 3; i++) {
		memset(&who, 0, sizeof(who));
		assert_int_equal(privd_service_authenticate(g_svc, key, &who), PRIVD_OK);
		assert_int_equal(who.role, PRIVD_ROLE_APP);
		assert_string_equal(who.key_id, info.id);
	}
	privd_principal_cli(&cli);
	assert_int_equal(privd_service_apikey_revoke(g_svc, &cli, info.id, NULL), PRIVD_OK);
	assert_int_equal(privd_service_authenticate(g_svc, key, &who), PRIVD_ERR_NOT_FOUND);
	assert_int_equal(who.role, 0);
	assert_string_equal(who.key_id, "");
}

static void test_another_key_is_not_taken_for_the_remembered_one(void **state)
{
	struct privd_apikey_info a, b;
	struct privd_principal who;
	char ka[PRIVD_APIKEY_MAX], kb[PRIVD_APIKEY_MAX], wrong[PRIVD_APIKEY_MAX];

	(void)state;
	make_key(g_svc, "app", &a, ka, sizeof(ka));
	make_key(g_svc, "auditor", &b, kb, sizeof(kb));
	assert_int_equal(privd_service_authenticate(g_svc, ka, &who), PRIVD_OK);
	assert_string_equal(who.key_id, a.id);
	assert_int_equal(privd_service_authenticate(g_svc, kb, &who), PRIVD_OK);
	assert_string_equal(who.key_id, b.id);
	assert_int_equal(who.role, PRIVD_ROLE_AUDITOR);
	/* the remembered key with its last character changed: same length, one byte apart */
	snprintf(wrong, sizeof(wrong), "%s", kb);
	wrong[strlen(wrong) - 1] = wrong[strlen(wrong) - 1] == 'A' ? 'B' : 'A';
	assert_int_equal(privd_service_authenticate(g_svc, wrong, &who), PRIVD_ERR_NOT_FOUND);
	assert_int_equal(privd_service_authenticate(g_svc, kb, &who), PRIVD_OK);
	assert_string_equal(who.key_id, b.id);
}

/* A key remembered from one service, that service closed, and another opened (malloc tends to give it the same
 * address) on a directory where the key does not exist: the key is unknown there. */
static void test_a_key_is_not_taken_by_the_next_service(void **state)
{
	struct privd_service *first = NULL, *next = NULL;
	struct privd_apikey_info info, other;
	struct privd_principal who;
	char d1[64], d2[64], key[PRIVD_APIKEY_MAX], other_key[PRIVD_APIKEY_MAX];

	(void)state;
	assert_int_equal(open_fresh_service(d1, sizeof(d1), &first), 0);
	make_key(first, "admin", &info, key, sizeof(key));
	assert_int_equal(privd_service_authenticate(first, key, &who), PRIVD_OK);
	assert_int_equal(close_fresh_service(first, d1), 0);
	assert_int_equal(open_fresh_service(d2, sizeof(d2), &next), 0);
	make_key(next, "admin", &other, other_key, sizeof(other_key)); /* its key cache goes through what first's did */
	assert_int_equal(privd_service_authenticate(next, key, &who), PRIVD_ERR_NOT_FOUND);
	assert_int_equal(privd_service_authenticate(next, other_key, &who), PRIVD_OK);
	assert_string_equal(who.key_id, other.id);
	assert_int_equal(close_fresh_service(next, d2), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_revoked_key_is_refused_at_the_next_call),
	    cmocka_unit_test(test_another_key_is_not_taken_for_the_remembered_one),
	    cmocka_unit_test(test_a_key_is_not_taken_by_the_next_service),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
