/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_reserve.c - the key reserve on a real service (SQLite in a temporary directory): nothing is made while
 * registrations are few; under load a refill commits keys that are then handed out, each once, wrapped under the
 * current master key and stored in the keystore; a key older than a second is not handed out; the keys nobody took
 * and those given back are destroyed by the next tick, and by the close; threads taking keys at once get distinct
 * ones.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "service_test.h"

#define BUSY 8 /* registrations in flight that count as load (reserve.c) */

static int count_key(void *arg, const char *id)
{
	if (strncmp(id, "msg:", 4) != 0)
		(*(size_t *)arg)++;
	return 0;
}

/* The subjects' keys the keystore holds. */
static size_t keys_held(void)
{
	struct privd_reader *r = NULL;
	size_t n = 0;

	assert_int_equal(privd_reader_get(g_svc, &r), PRIVD_OK);
	assert_int_equal(privd_vault_ids(r->ks, count_key, &n), PRIVD_OK);
	privd_reader_put(g_svc, r, false);
	return n;
}

static void load(int n)
{
	for (int i = 0; i < n; i++)
		privd_reserve_enter(g_svc);
}

static void unload(int n)
{
	for (int i = 0; i < n; i++)
		privd_reserve_leave(g_svc);
}

/* Takes a key at now, waiting up to 5 s for a refill to commit. */
static bool take_waiting(int64_t now, struct privd_wrapped_key *k)
{
	for (int i = 0; i < 5000; i++) {
		if (privd_reserve_take(g_svc, now, k))
			return true;
		usleep(1000);
	}
	return false;
}

/* Waits up to 5 s for the keystore to hold n subjects' keys. */
static void wait_keys(size_t n)
{
	for (int i = 0; i < 500 && keys_held() != n; i++)
		usleep(10000);
	assert_int_equal(keys_held(), n);
}

static void test_nothing_made_while_registrations_are_few(void **state)
{
	struct privd_wrapped_key k;

	(void)state;
	load(BUSY - 1);
	assert_false(privd_reserve_take(g_svc, privd_now_ms(), &k));
	usleep(50000);
	assert_false(privd_reserve_take(g_svc, privd_now_ms(), &k));
	assert_int_equal(keys_held(), 0);
	assert_int_equal(privd_reserve_taken(g_svc), 0);
	unload(BUSY - 1);
}

static void test_keys_made_under_load_are_stored_and_open(void **state)
{
	struct privd_wrapped_key k, again;
	char kid[PRIVD_KID_HEX], name[32];
	struct privd_blob ct = {0};
	const struct privd_vault_sealing f = privd_vault_text("name", "Анна", &ct);
	const struct privd_vault_opening o = {"name", &ct, name, sizeof(name), NULL};
	int64_t now = privd_now_ms();

	(void)state;
	load(BUSY);
	assert_false(privd_reserve_take(g_svc, now, &k)); /* none yet: this one starts the refill */
	assert_true(take_waiting(privd_now_ms(), &k));
	assert_true(strlen(k.id) == PRIVD_ID_HEX - 1);
	privd_keyset_current(g_svc->master, kid);
	assert_string_equal(k.kid, kid);
	assert_true(k.created_at >= now && k.created_at <= privd_now_ms());
	assert_true(keys_held() > 1); /* the whole refill, committed before any key was handed out */

	/* sealed under it here, opened through the keystore as any subject's key */
	assert_int_equal(privd_vault_seal_with(g_svc->vault, &k, &f, 1), PRIVD_OK);
	assert_int_equal(privd_vault_open(g_svc->vault, NULL, k.id, &o, 1), PRIVD_OK);
	assert_string_equal(name, "Анна");
	assert_true(privd_reserve_take(g_svc, privd_now_ms(), &again));
	assert_true(strcmp(again.id, k.id) > 0); /* handed out in the order of their ids */
	assert_int_equal(privd_reserve_taken(g_svc), 2);
	privd_blob_clear(&ct);
	unload(BUSY);

	/* the keys not taken wait a second at most: the tick after destroys them, the given-back one too, and
	 * keeps the two taken */
	privd_reserve_unused(g_svc, again.id);
	assert_false(privd_reserve_take(g_svc, privd_now_ms() + 1100, &again));
	privd_reserve_tick(g_svc);
	wait_keys(1);
}

struct taker {
	char ids[64][PRIVD_ID_HEX];
	int n;
};

static void *take_many(void *arg)
{
	struct taker *t = arg;
	struct privd_wrapped_key k;

	while (t->n < 64) {
		if (privd_reserve_take(g_svc, privd_now_ms(), &k))
			memcpy(t->ids[t->n++], k.id, PRIVD_ID_HEX);
		else
			usleep(200);
	}
	return NULL;
}

static int cmp_id(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void test_concurrent_takers_get_distinct_keys_and_close_destroys_the_rest(void **state)
{
	static struct taker t[4];
	static char all[4 * 64][PRIVD_ID_HEX];
	pthread_t th[4];
	size_t before = keys_held();

	(void)state;
	load(BUSY);
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, take_many, &t[i]), 0);
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		memcpy(all[i * 64], t[i].ids, sizeof(t[i].ids));
	}
	unload(BUSY);
	qsort(all, 4 * 64, PRIVD_ID_HEX, cmp_id);
	for (int i = 1; i < 4 * 64; i++)
		assert_string_not_equal(all[i - 1], all[i]);
	assert_true(keys_held() >= before + 4 * 64);

	/* the close destroys what waits and keeps what was taken; taking after it gets nothing */
	privd_reserve_close(g_svc);
	assert_int_equal(keys_held(), before + 4 * 64);
	{
		struct privd_wrapped_key k;

		load(BUSY);
		assert_false(privd_reserve_take(g_svc, privd_now_ms(), &k));
		unload(BUSY);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_nothing_made_while_registrations_are_few),
	    cmocka_unit_test(test_keys_made_under_load_are_stored_and_open),
	    cmocka_unit_test(test_concurrent_takers_get_distinct_keys_and_close_destroys_the_rest),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
