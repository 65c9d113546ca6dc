/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_seal.c - a transfer's payload sealed to the recipient's public key: only the matching private key opens it,
 * and a registered key is checked (base64 of 32 bytes, a point a box can be sealed to).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include <sodium.h>

#include "crypto/keyring.h"
#include "crypto/seal.h"

static int setup(void **state)
{
	(void)state;
	return privd_crypto_init() == PRIVD_OK ? 0 : -1;
}

static void test_round_trip(void **state)
{
	static const char msg[] = "{\"subjects\":[{\"name\":\"Анна\"}]}";
	uint8_t pk[32], sk[32], parsed[32], ct[sizeof(msg) + PRIVD_SEAL_OVERHEAD], back[sizeof(msg)];
	uint8_t other_pk[32], other_sk[32];
	char b64[PRIVD_SEAL_KEY_B64_MAX];

	(void)state;
	crypto_box_keypair(pk, sk);
	crypto_box_keypair(other_pk, other_sk);
	sodium_bin2base64(b64, sizeof(b64), pk, sizeof(pk), sodium_base64_VARIANT_ORIGINAL);
	assert_int_equal(privd_seal_key_parse(b64, parsed), PRIVD_OK);
	assert_memory_equal(parsed, pk, 32);
	assert_int_equal(privd_seal_to_recipient(parsed, (const uint8_t *)msg, sizeof(msg), ct), PRIVD_OK);
	assert_int_equal(crypto_box_seal_open(back, ct, sizeof(ct), pk, sk), 0);
	assert_memory_equal(back, msg, sizeof(msg));
	/* another key pair cannot open it, nor can a changed byte */
	assert_int_not_equal(crypto_box_seal_open(back, ct, sizeof(ct), other_pk, other_sk), 0);
	ct[sizeof(ct) - 1] ^= 1;
	assert_int_not_equal(crypto_box_seal_open(back, ct, sizeof(ct), pk, sk), 0);
}

static void test_key_refused(void **state)
{
	uint8_t pk[32], zero[32] = {0};
	char b64[PRIVD_SEAL_KEY_B64_MAX];

	(void)state;
	assert_int_equal(privd_seal_key_parse(NULL, pk), PRIVD_ERR_INVALID);
	assert_int_equal(privd_seal_key_parse("", pk), PRIVD_ERR_INVALID);
	assert_int_equal(privd_seal_key_parse("not base64!", pk), PRIVD_ERR_INVALID);
	assert_int_equal(privd_seal_key_parse("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g", pk), PRIVD_ERR_INVALID);
	assert_int_equal(privd_seal_key_parse("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd", pk), PRIVD_ERR_INVALID);
	sodium_bin2base64(b64, sizeof(b64), zero, sizeof(zero), sodium_base64_VARIANT_ORIGINAL);
	assert_int_equal(privd_seal_key_parse(b64, pk), PRIVD_ERR_INVALID); /* all zeros: a low-order point */
	crypto_box_keypair(pk, zero);
	sodium_bin2base64(b64, sizeof(b64), pk, sizeof(pk), sodium_base64_VARIANT_ORIGINAL);
	b64[strlen(b64) - 1] = '\0'; /* its padding cut */
	assert_int_equal(privd_seal_key_parse(b64, pk), PRIVD_ERR_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_key_refused),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
