/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_keyring.c - the master key files (privd init's and a rotation's), key ids, data key wrapping, blind index,
 * audit MAC, API keys and ids.
 *
 * Each test works in its own temporary directory, so a refused file mode or size is checked on a real file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/keyring.h"

struct fixture {
	char dir[64];
	char path[128];
	char path2[128];
	struct privd_keyring *kr;
	struct privd_keyring *kr2;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct privd_err err = {0};

	if (f == NULL || privd_crypto_init() != PRIVD_OK)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/privd-keyring-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/master.key", f->dir);
	snprintf(f->path2, sizeof(f->path2), "%s/other.key", f->dir);
	if (privd_keyring_create(f->path, &err) != PRIVD_OK || privd_keyring_load(f->path, &f->kr, &err) != PRIVD_OK)
		return -1;
	if (privd_keyring_create(f->path2, &err) != PRIVD_OK || privd_keyring_load(f->path2, &f->kr2, &err) != PRIVD_OK)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char path[160];

	privd_keyring_free(f->kr);
	privd_keyring_free(f->kr2);
	unlink(f->path);
	unlink(f->path2);
	snprintf(path, sizeof(path), "%s/scratch.key", f->dir);
	unlink(path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void scratch_path(const struct fixture *f, char *out, size_t len)
{
	snprintf(out, len, "%s/scratch.key", f->dir);
	unlink(out);
}

static void write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void test_create_makes_0600_32_bytes(void **state)
{
	struct fixture *f = *state;
	struct stat st;

	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, PRIVD_KEY_BYTES);
}

static void test_create_refuses_overwrite(void **state)
{
	struct fixture *f = *state;
	struct privd_err err = {0};
	uint8_t before[PRIVD_KEY_BYTES], after[PRIVD_KEY_BYTES];
	FILE *fp;

	fp = fopen(f->path, "rb");
	assert_non_null(fp);
	assert_int_equal(fread(before, 1, sizeof(before), fp), sizeof(before));
	fclose(fp);

	assert_int_not_equal(privd_keyring_create(f->path, &err), PRIVD_OK);
	assert_non_null(strstr(err.msg, "master.key"));

	fp = fopen(f->path, "rb");
	assert_non_null(fp);
	assert_int_equal(fread(after, 1, sizeof(after), fp), sizeof(after));
	fclose(fp);
	assert_memory_equal(before, after, sizeof(before));
}

static void test_load_refuses_group_readable(void **state)
{
	struct fixture *f = *state;
	struct privd_err err = {0};
	struct privd_keyring *kr = NULL;
	uint8_t key[PRIVD_KEY_BYTES] = {1};
	char path[160];

	scratch_path(f, path, sizeof(path));
	write_file(path, key, sizeof(key), 0644);
	assert_int_equal(privd_keyring_load(path, &kr, &err), PRIVD_ERR_FORBIDDEN);
	assert_null(kr);
	assert_non_null(strstr(err.msg, "chmod 600"));

	/* Any group or other bit is enough, even one that does not grant reading. */
	assert_int_equal(chmod(path, 0601), 0);
	assert_int_equal(privd_keyring_load(path, &kr, &err), PRIVD_ERR_FORBIDDEN);
	assert_null(kr);

	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(privd_keyring_load(path, &kr, &err), PRIVD_OK);
	assert_non_null(kr);
	privd_keyring_free(kr);
}

static void test_load_refuses_wrong_size(void **state)
{
	struct fixture *f = *state;
	struct privd_err err = {0};
	struct privd_keyring *kr = NULL;
	uint8_t key[PRIVD_KEY_BYTES + 1] = {0};
	char path[160];

	scratch_path(f, path, sizeof(path));
	write_file(path, key, PRIVD_KEY_BYTES - 1, 0600);
	assert_int_equal(privd_keyring_load(path, &kr, &err), PRIVD_ERR_FORBIDDEN);
	assert_null(kr);

	write_file(path, key, PRIVD_KEY_BYTES + 1, 0600);
	assert_int_equal(privd_keyring_load(path, &kr, &err), PRIVD_ERR_FORBIDDEN);
	assert_null(kr);

	write_file(path, key, 0, 0600);
	assert_int_equal(privd_keyring_load(path, &kr, &err), PRIVD_ERR_FORBIDDEN);
	assert_null(kr);
}

static void test_load_missing_file(void **state)
{
	struct fixture *f = *state;
	struct privd_err err = {0};
	struct privd_keyring *kr = NULL;
	char path[160];

	scratch_path(f, path, sizeof(path));
	assert_int_not_equal(privd_keyring_load(path, &kr, &err), PRIVD_OK);
	assert_null(kr);
	privd_keyring_free(NULL);
}

static void test_wrap_round_trip(void **state)
{
	struct fixture *f = *state;
	uint8_t key[PRIVD_KEY_BYTES], back[PRIVD_KEY_BYTES], wrapped[PRIVD_WRAPPED_KEY_BYTES];
	uint8_t wrapped2[PRIVD_WRAPPED_KEY_BYTES];
	const char *sid = "0123456789abcdef0123456789abcdef";

	privd_datakey_generate(key);
	assert_int_equal(privd_datakey_wrap(f->kr, sid, key, wrapped), PRIVD_OK);
	assert_int_equal(privd_datakey_unwrap(f->kr, sid, wrapped, sizeof(wrapped), back), PRIVD_OK);
	assert_memory_equal(key, back, sizeof(key));

	/* A fresh nonce each time. */
	assert_int_equal(privd_datakey_wrap(f->kr, sid, key, wrapped2), PRIVD_OK);
	assert_memory_not_equal(wrapped, wrapped2, sizeof(wrapped));
}

static void test_unwrap_other_subject_fails(void **state)
{
	struct fixture *f = *state;
	uint8_t key[PRIVD_KEY_BYTES], back[PRIVD_KEY_BYTES], wrapped[PRIVD_WRAPPED_KEY_BYTES];
	const uint8_t zero[PRIVD_KEY_BYTES] = {0};

	privd_datakey_generate(key);
	assert_int_equal(privd_datakey_wrap(f->kr, "subject-a", key, wrapped), PRIVD_OK);
	memset(back, 0xaa, sizeof(back));
	assert_int_equal(privd_datakey_unwrap(f->kr, "subject-b", wrapped, sizeof(wrapped), back), PRIVD_ERR_CRYPTO);
	assert_memory_equal(back, zero, sizeof(back));
}

static void test_unwrap_rejects_tamper_length_and_other_master(void **state)
{
	struct fixture *f = *state;
	uint8_t key[PRIVD_KEY_BYTES], back[PRIVD_KEY_BYTES], wrapped[PRIVD_WRAPPED_KEY_BYTES];
	size_t i;

	privd_datakey_generate(key);
	assert_int_equal(privd_datakey_wrap(f->kr, "s", key, wrapped), PRIVD_OK);
	assert_int_equal(privd_datakey_unwrap(f->kr2, "s", wrapped, sizeof(wrapped), back), PRIVD_ERR_CRYPTO);
	assert_int_equal(privd_datakey_unwrap(f->kr, "s", wrapped, sizeof(wrapped) - 1, back), PRIVD_ERR_CRYPTO);
	for (i = 0; i < sizeof(wrapped); i++) {
		wrapped[i] ^= 0x01;
		assert_int_equal(privd_datakey_unwrap(f->kr, "s", wrapped, sizeof(wrapped), back), PRIVD_ERR_CRYPTO);
		wrapped[i] ^= 0x01;
	}
	assert_int_equal(privd_datakey_unwrap(f->kr, "s", wrapped, sizeof(wrapped), back), PRIVD_OK);
}

static void test_blind_index(void **state)
{
	struct fixture *f = *state;
	char a[PRIVD_HASH_HEX], b[PRIVD_HASH_HEX], c[PRIVD_HASH_HEX], d[PRIVD_HASH_HEX], e[PRIVD_HASH_HEX];
	size_t i;

	privd_blind_index(f->kr, "email", "anna@example.org", a);
	privd_blind_index(f->kr, "email", "anna@example.org", b);
	assert_string_equal(a, b);
	assert_int_equal(strlen(a), 2 * PRIVD_HASH_BYTES);
	for (i = 0; a[i] != '\0'; i++)
		assert_non_null(strchr("0123456789abcdef", a[i]));

	privd_blind_index(f->kr, "phone", "anna@example.org", c);
	assert_string_not_equal(a, c);

	privd_blind_index(f->kr2, "email", "anna@example.org", d);
	assert_string_not_equal(a, d);

	privd_blind_index(f->kr, "email", "anna@example.com", e);
	assert_string_not_equal(a, e);

	/* The separator keeps (kind, value) boundaries apart. */
	privd_blind_index(f->kr, "emai", "lx", b);
	privd_blind_index(f->kr, "email", "x", c);
	assert_string_not_equal(b, c);
}

static void test_blind_index_stable_across_loads(void **state)
{
	struct fixture *f = *state;
	struct privd_err err = {0};
	struct privd_keyring *again = NULL;
	char a[PRIVD_HASH_HEX], b[PRIVD_HASH_HEX];

	assert_int_equal(privd_keyring_load(f->path, &again, &err), PRIVD_OK);
	privd_blind_index(f->kr, "phone", "+79161234567", a);
	privd_blind_index(again, "phone", "+79161234567", b);
	assert_string_equal(a, b);
	privd_keyring_free(again);
}

static void test_audit_mac(void **state)
{
	struct fixture *f = *state;
	uint8_t entry[] = "{\"actor\":\"op-1\",\"action\":\"subject.read\",\"subject\":\"abc\"}";
	char a[PRIVD_HASH_HEX], b[PRIVD_HASH_HEX], c[PRIVD_HASH_HEX];
	size_t i;

	privd_audit_mac(f->kr, "", entry, sizeof(entry) - 1, a);
	privd_audit_mac(f->kr, "", entry, sizeof(entry) - 1, b);
	assert_string_equal(a, b);
	assert_int_equal(strlen(a), 2 * PRIVD_HASH_BYTES);

	for (i = 0; i < sizeof(entry) - 1; i++) {
		entry[i] ^= 0x01;
		privd_audit_mac(f->kr, "", entry, sizeof(entry) - 1, c);
		assert_string_not_equal(a, c);
		entry[i] ^= 0x01;
	}

	privd_audit_mac(f->kr, a, entry, sizeof(entry) - 1, c);
	assert_string_not_equal(a, c);
	privd_audit_mac(f->kr2, "", entry, sizeof(entry) - 1, c);
	assert_string_not_equal(a, c);
	/* Same bytes through another subkey (blind index) give another value. */
	privd_blind_index(f->kr, "", (const char *)entry, c);
	assert_string_not_equal(a, c);
}

static void test_apikey(void **state)
{
	struct fixture *f = *state;
	char k1[PRIVD_APIKEY_MAX], k2[PRIVD_APIKEY_MAX];
	char h1[PRIVD_HASH_HEX], h2[PRIVD_HASH_HEX], h3[PRIVD_HASH_HEX];
	size_t i;

	privd_apikey_generate(k1);
	privd_apikey_generate(k2);
	assert_int_equal(strncmp(k1, "pk_", 3), 0);
	assert_int_equal(strlen(k1), 3 + 43);
	for (i = 3; k1[i] != '\0'; i++)
		assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", k1[i]));
	assert_string_not_equal(k1, k2);

	privd_apikey_hash(f->kr, k1, h1);
	privd_apikey_hash(f->kr, k1, h2);
	assert_string_equal(h1, h2);
	assert_int_equal(strlen(h1), 2 * PRIVD_HASH_BYTES);
	privd_apikey_hash(f->kr, k2, h3);
	assert_string_not_equal(h1, h3);
	privd_apikey_hash(f->kr2, k1, h3);
	assert_string_not_equal(h1, h3);
}

static void test_kid(void **state)
{
	struct fixture *f = *state;
	struct privd_keyring *again = NULL;
	const char *kid = privd_keyring_kid(f->kr);

	assert_true(privd_kid_valid(kid));
	assert_string_not_equal(kid, privd_keyring_kid(f->kr2));
	assert_int_equal(privd_keyring_load(f->path, &again, NULL), PRIVD_OK);
	assert_string_equal(privd_keyring_kid(again), kid);
	privd_keyring_free(again);
}

/* A rotation's file: a fresh wrapping key, the rest carried over, so e-mail lookups, API keys and the audit chain
 * survive while nothing wrapped under the old key opens with it. */
static void test_successor(void **state)
{
	struct fixture *f = *state;
	struct privd_keyring *next = NULL, *id = NULL;
	struct privd_err err = {0};
	char kid[PRIVD_KID_HEX], path[200], a[PRIVD_HASH_HEX], b[PRIVD_HASH_HEX];
	uint8_t key[PRIVD_KEY_BYTES], back[PRIVD_KEY_BYTES], wrapped[PRIVD_WRAPPED_KEY_BYTES];
	struct stat st;
	const char *sid = "0123456789abcdef0123456789abcdef";

	assert_int_equal(privd_keyring_successor(f->kr, f->dir, kid, &err), PRIVD_OK);
	snprintf(path, sizeof(path), "%s/master.key.%s", f->dir, kid);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, 136);
	assert_int_equal(privd_keyring_load(path, &next, &err), PRIVD_OK);
	assert_string_equal(privd_keyring_kid(next), kid);
	assert_string_not_equal(kid, privd_keyring_kid(f->kr));
	assert_true(privd_keyring_same_install(f->kr, next));
	assert_false(privd_keyring_same_install(f->kr, f->kr2));

	privd_blind_index(f->kr, "email", "anna@example.org", a);
	privd_blind_index(next, "email", "anna@example.org", b);
	assert_string_equal(a, b);
	privd_audit_mac(f->kr, "", (const uint8_t *)"x", 1, a);
	privd_audit_mac(next, "", (const uint8_t *)"x", 1, b);
	assert_string_equal(a, b);
	privd_apikey_hash(f->kr, "pk_x", a);
	privd_apikey_hash(next, "pk_x", b);
	assert_string_equal(a, b);

	privd_datakey_generate(key);
	assert_int_equal(privd_datakey_wrap(f->kr, sid, key, wrapped), PRIVD_OK);
	assert_int_equal(privd_datakey_unwrap(next, sid, wrapped, sizeof(wrapped), back), PRIVD_ERR_CRYPTO);
	assert_int_equal(privd_datakey_wrap(next, sid, key, wrapped), PRIVD_OK);
	assert_int_equal(privd_datakey_unwrap(next, sid, wrapped, sizeof(wrapped), back), PRIVD_OK);
	assert_memory_equal(key, back, sizeof(key));
	assert_int_equal(privd_datakey_unwrap(f->kr, sid, wrapped, sizeof(wrapped), back), PRIVD_ERR_CRYPTO);

	/* the identity copy: lookups and MACs, no wrapping */
	assert_int_equal(privd_keyring_identity(next, &id), PRIVD_OK);
	assert_string_equal(privd_keyring_kid(id), "");
	privd_blind_index(id, "email", "anna@example.org", b);
	privd_blind_index(f->kr, "email", "anna@example.org", a);
	assert_string_equal(a, b);
	assert_int_equal(privd_datakey_wrap(id, sid, key, wrapped), PRIVD_ERR_CRYPTO);
	assert_int_equal(privd_datakey_unwrap(id, sid, wrapped, sizeof(wrapped), back), PRIVD_ERR_CRYPTO);

	/* destroyed: gone, and destroying it again is no error */
	assert_int_equal(privd_keyring_destroy_file(path, &err), PRIVD_OK);
	assert_int_not_equal(stat(path, &st), 0);
	assert_int_equal(privd_keyring_destroy_file(path, &err), PRIVD_OK);
	privd_keyring_free(next);
	privd_keyring_free(id);
}

static void test_load_refuses_bad_successor(void **state)
{
	struct fixture *f = *state;
	struct privd_keyring *kr = NULL;
	uint8_t buf[136] = {0};
	char path[160];

	scratch_path(f, path, sizeof(path));
	write_file(path, buf, sizeof(buf), 0600); /* the right size without the magic */
	assert_int_equal(privd_keyring_load(path, &kr, NULL), PRIVD_ERR_FORBIDDEN);
	assert_null(kr);
}

static void test_random_id(void **state)
{
	char a[PRIVD_ID_HEX], b[PRIVD_ID_HEX];
	size_t i;

	(void)state;
	privd_random_id(a);
	privd_random_id(b);
	assert_int_equal(strlen(a), 32);
	for (i = 0; a[i] != '\0'; i++)
		assert_non_null(strchr("0123456789abcdef", a[i]));
	assert_string_not_equal(a, b);
}

static void test_sha256_known_answer(void **state)
{
	char out[PRIVD_HASH_HEX];

	(void)state;
	privd_sha256_hex((const uint8_t *)"abc", 3, out);
	assert_string_equal(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	privd_sha256_hex((const uint8_t *)"", 0, out);
	assert_string_equal(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_create_makes_0600_32_bytes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_create_refuses_overwrite, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_load_refuses_group_readable, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_load_refuses_wrong_size, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_load_missing_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_wrap_round_trip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unwrap_other_subject_fails, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unwrap_rejects_tamper_length_and_other_master, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_blind_index, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_blind_index_stable_across_loads, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_audit_mac, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_apikey, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_kid, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_successor, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_load_refuses_bad_successor, setup, teardown),
	    cmocka_unit_test(test_random_id),
	    cmocka_unit_test(test_sha256_known_answer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
