/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_secmem.c - a thread's locked scratch for data keys: slots handed out zeroed, zeroed when given back, a
 * bounded number at once, and each thread its own.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "crypto/secmem.h"

static const uint8_t zero[PRIVD_KEY_BYTES];

static void test_slots(void **state)
{
	uint8_t *held[PRIVD_SECMEM_SLOTS];

	(void)state;
	for (int i = 0; i < PRIVD_SECMEM_SLOTS; i++) {
		held[i] = privd_secmem_key();
		assert_non_null(held[i]);
		assert_memory_equal(held[i], zero, PRIVD_KEY_BYTES);
		memset(held[i], 0xa5, PRIVD_KEY_BYTES);
		for (int j = 0; j < i; j++)
			assert_ptr_not_equal(held[i], held[j]);
	}
	assert_null(privd_secmem_key()); /* all held */
	privd_secmem_release(held[3]);
	assert_memory_equal(held[3], zero, PRIVD_KEY_BYTES); /* zeroed as it is given back */
	assert_ptr_equal(privd_secmem_key(), held[3]);
	for (int i = 0; i < PRIVD_SECMEM_SLOTS; i++)
		privd_secmem_release(held[i]);
	privd_secmem_release(NULL);
	assert_non_null(held[0] = privd_secmem_key());
	privd_secmem_release(held[0]);
}

static void *other_thread(void *arg)
{
	uint8_t *k = privd_secmem_key();

	*(uint8_t **)arg = k;
	privd_secmem_release(k);
	return NULL;
}

static void test_threads(void **state)
{
	uint8_t *mine = privd_secmem_key(), *theirs = NULL;
	pthread_t t;

	(void)state;
	assert_non_null(mine);
	assert_int_equal(pthread_create(&t, NULL, other_thread, &theirs), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_non_null(theirs);
	assert_ptr_not_equal(mine, theirs); /* its own scratch, freed when it ended */
	privd_secmem_release(mine);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_slots), cmocka_unit_test(test_threads)};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
