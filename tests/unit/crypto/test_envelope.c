/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_envelope.c - sealing PII fields: round trip, and refusal of anything tampered with or moved to another
 * subject, field or key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "crypto/envelope.h"

#define SID "0123456789abcdef0123456789abcdef"
#define PLAIN "Анна Иванова"
#define PLAIN_LEN (sizeof(PLAIN) - 1)
#define CT_LEN (PLAIN_LEN + PRIVD_ENVELOPE_OVERHEAD)

static int setup(void **state)
{
	(void)state;
	return privd_crypto_init() == PRIVD_OK ? 0 : -1;
}

static void seal_sample(uint8_t key[PRIVD_KEY_BYTES], uint8_t ct[CT_LEN])
{
	privd_datakey_generate(key);
	privd_envelope_seal(key, SID, "name", (const uint8_t *)PLAIN, PLAIN_LEN, ct);
}

static void test_round_trip(void **state)
{
	uint8_t key[PRIVD_KEY_BYTES], ct[CT_LEN], ct2[CT_LEN];
	uint8_t out[PLAIN_LEN + 1];
	size_t out_len = 0;

	(void)state;
	seal_sample(key, ct);
	assert_int_equal(privd_envelope_open(key, SID, "name", ct, sizeof(ct), out, &out_len), PRIVD_OK);
	assert_int_equal(out_len, PLAIN_LEN);
	assert_string_equal((const char *)out, PLAIN);

	/* Same plaintext twice: different ciphertexts (random nonce). */
	privd_envelope_seal(key, SID, "name", (const uint8_t *)PLAIN, PLAIN_LEN, ct2);
	assert_memory_not_equal(ct, ct2, sizeof(ct));
}

static void test_empty_plaintext(void **state)
{
	uint8_t key[PRIVD_KEY_BYTES], ct[PRIVD_ENVELOPE_OVERHEAD];
	uint8_t out[1] = {'x'};
	size_t out_len = 99;

	(void)state;
	privd_datakey_generate(key);
	privd_envelope_seal(key, SID, "email", (const uint8_t *)"", 0, ct);
	assert_int_equal(privd_envelope_open(key, SID, "email", ct, sizeof(ct), out, &out_len), PRIVD_OK);
	assert_int_equal(out_len, 0);
	assert_int_equal(out[0], '\0');
}

static void test_tampered_byte_fails(void **state)
{
	uint8_t key[PRIVD_KEY_BYTES], ct[CT_LEN];
	uint8_t out[PLAIN_LEN + 1];
	size_t out_len = 0;
	size_t i;

	(void)state;
	seal_sample(key, ct);
	for (i = 0; i < sizeof(ct); i++) {
		ct[i] ^= 0x80;
		assert_int_equal(privd_envelope_open(key, SID, "name", ct, sizeof(ct), out, &out_len),
		                 PRIVD_ERR_CRYPTO);
		assert_int_equal(out[0], '\0');
		ct[i] ^= 0x80;
	}
	assert_int_equal(privd_envelope_open(key, SID, "name", ct, sizeof(ct), out, &out_len), PRIVD_OK);
}

static void test_wrong_field_fails(void **state)
{
	uint8_t key[PRIVD_KEY_BYTES], ct[CT_LEN];
	uint8_t out[PLAIN_LEN + 1];
	size_t out_len = 0;

	(void)state;
	seal_sample(key, ct);
	assert_int_equal(privd_envelope_open(key, SID, "email", ct, sizeof(ct), out, &out_len), PRIVD_ERR_CRYPTO);
	assert_int_equal(privd_envelope_open(key, SID, "nam", ct, sizeof(ct), out, &out_len), PRIVD_ERR_CRYPTO);
}

static void test_wrong_subject_or_key_fails(void **state)
{
	uint8_t key[PRIVD_KEY_BYTES], other[PRIVD_KEY_BYTES], ct[CT_LEN];
	uint8_t out[PLAIN_LEN + 1];
	size_t out_len = 0;

	(void)state;
	seal_sample(key, ct);
	assert_int_equal(
	    privd_envelope_open(key, "fedcba9876543210fedcba9876543210", "name", ct, sizeof(ct), out, &out_len),
	    PRIVD_ERR_CRYPTO);
	/* The separator keeps subject and field apart: ("ab", "c") is not ("a", "bc"). */
	assert_int_equal(privd_envelope_open(key, SID "n", "ame", ct, sizeof(ct), out, &out_len), PRIVD_ERR_CRYPTO);
	privd_datakey_generate(other);
	assert_int_equal(privd_envelope_open(other, SID, "name", ct, sizeof(ct), out, &out_len), PRIVD_ERR_CRYPTO);
}

static void test_short_ciphertext_fails(void **state)
{
	uint8_t key[PRIVD_KEY_BYTES], ct[CT_LEN];
	uint8_t out[PLAIN_LEN + 1];
	size_t out_len = 0;

	(void)state;
	seal_sample(key, ct);
	assert_int_equal(privd_envelope_open(key, SID, "name", ct, PRIVD_ENVELOPE_OVERHEAD - 1, out, &out_len),
	                 PRIVD_ERR_CRYPTO);
	assert_int_equal(privd_envelope_open(key, SID, "name", ct, 0, out, &out_len), PRIVD_ERR_CRYPTO);
	assert_int_equal(privd_envelope_open(key, SID, "name", ct, sizeof(ct) - 1, out, &out_len), PRIVD_ERR_CRYPTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_empty_plaintext),
	    cmocka_unit_test(test_tampered_byte_fails),
	    cmocka_unit_test(test_wrong_field_fails),
	    cmocka_unit_test(test_wrong_subject_or_key_fails),
	    cmocka_unit_test(test_short_ciphertext_fails),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
