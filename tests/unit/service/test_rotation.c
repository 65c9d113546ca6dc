/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_rotation.c - the master key rotation on a real service (SQLite in a temporary directory), at the level of
 * the keys themselves: after a rotation, what a copy of the keystore taken before an erasure holds opens under no
 * key file that is left, the keys still held open under the new one, a key wrapped under the old key just before
 * the rotation is still stored (wrapped again), and a rotation can be run again.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "service_test.h"

static enum privd_rc put_ks(struct privd_db *ks, void *arg)
{
	return privd_vault_store(ks, arg);
}

static enum privd_rc nothing(struct privd_db *db, void *arg)
{
	(void)db;
	(void)arg;
	return PRIVD_OK;
}

static enum privd_rc destroy_ks(struct privd_db *ks, void *arg)
{
	return privd_vault_destroy(g_svc->vault, ks, arg);
}

/* A key for a new owner, wrapped under the current master key (not stored). */
static void make_key(char id[PRIVD_ID_HEX], struct privd_wrapped_key *k)
{
	privd_time_id(privd_now_ms(), id);
	assert_int_equal(privd_vault_create(g_svc->vault, id, privd_now_ms(), NULL, 0, k), PRIVD_OK);
}

static void store_key(struct privd_wrapped_key *k)
{
	struct privd_write_job job = {.ks = put_ks, .data = nothing, .arg = k};

	assert_int_equal(privd_writer_run(g_svc->writer, &job), PRIVD_OK);
}

/* The wrapped key of id as the keystore holds it now: what a copy of the keystore would hold. */
static void copy_of(const char *id, struct privd_blob *out)
{
	struct privd_reader *r = NULL;
	char kid[PRIVD_KID_HEX];

	assert_int_equal(privd_reader_get(g_svc, &r), PRIVD_OK);
	assert_int_equal(privd_repo_key_get(r->ks, id, out, kid), PRIVD_OK);
	privd_reader_put(g_svc, r, false);
}

/* How many master key files of the data directory open the wrapped key of id. */
static int files_opening(const char *id, const struct privd_blob *wrapped)
{
	char path[512], kid[PRIVD_KID_HEX];
	uint8_t key[PRIVD_KEY_BYTES];
	struct dirent *e;
	DIR *d = opendir(g_dir);
	int n = 0, files = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		struct privd_keyring *kr = NULL;

		if (!privd_master_key_file_name(e->d_name, kid))
			continue;
		files++;
		snprintf(path, sizeof(path), "%s/%s", g_dir, e->d_name);
		assert_int_equal(privd_keyring_load(path, &kr, NULL), PRIVD_OK);
		if (privd_datakey_unwrap(kr, id, wrapped->data, wrapped->len, key) == PRIVD_OK)
			n++;
		privd_keyring_free(kr);
	}
	closedir(d);
	assert_int_equal(files, 1); /* only the current key is left */
	return n;
}

static void test_old_copy_opens_under_no_key_left(void **state)
{
	char erased[PRIVD_ID_HEX], kept[PRIVD_ID_HEX], late[PRIVD_ID_HEX], path[128];
	struct privd_wrapped_key ke, kk, kl;
	struct privd_blob old_erased = {0}, old_kept = {0}, now_kept = {0};
	struct privd_write_job destroy = {.data = nothing, .ks_after = destroy_ks, .arg = erased};
	struct privd_principal cli;
	struct privd_rotation r;
	struct privd_err err = {0};
	struct stat st;

	(void)state;
	privd_principal_cli(&cli);
	make_key(erased, &ke);
	store_key(&ke);
	make_key(kept, &kk);
	store_key(&kk);
	copy_of(erased, &old_erased); /* the keystore copy, taken before the erasure */
	copy_of(kept, &old_kept);
	assert_int_equal(privd_writer_run(g_svc->writer, &destroy), PRIVD_OK);

	make_key(late, &kl); /* wrapped under the old key, stored only after the rotation */
	assert_int_equal(privd_service_keys_rotate(g_svc, &cli, 1, &r, &err), PRIVD_OK);
	assert_int_equal(r.nfrom, 1);
	assert_false(r.resumed);
	assert_true(r.rewrapped >= 1);
	snprintf(path, sizeof(path), "%s/master.key", g_dir);
	assert_int_not_equal(stat(path, &st), 0);
	store_key(&kl);

	/* nothing of the old copy opens, the erased person's key nor anyone else's */
	assert_int_equal(files_opening(erased, &old_erased), 0);
	assert_int_equal(files_opening(kept, &old_kept), 0);
	/* what the keystore holds now does */
	copy_of(kept, &now_kept);
	assert_int_equal(files_opening(kept, &now_kept), 1);
	privd_blob_clear(&now_kept);
	copy_of(late, &now_kept);
	assert_int_equal(files_opening(late, &now_kept), 1);

	privd_blob_clear(&old_erased);
	privd_blob_clear(&old_kept);
	privd_blob_clear(&now_kept);
}

static enum privd_rc put_many_ks(struct privd_db *ks, void *arg)
{
	const struct privd_wrapped_key *const *keys = arg;

	return privd_vault_store_many(ks, keys, 3);
}

/* A fan-out's message keys wrapped under the old key and stored in one statement after the rotation: each is
 * wrapped again, none is stored under a retired key. */
static void test_many_keys_wrapped_before_a_rotation(void **state)
{
	struct privd_wrapped_key k[3];
	const struct privd_wrapped_key *keys[3] = {&k[0], &k[1], &k[2]};
	struct privd_write_job job = {.ks = put_many_ks, .data = nothing, .arg = keys};
	struct privd_principal cli;
	struct privd_rotation r;
	struct privd_err err = {0};
	struct privd_blob now = {0};

	(void)state;
	privd_principal_cli(&cli);
	for (int i = 0; i < 3; i++) {
		char id[40];

		snprintf(id, sizeof(id), "msg:n%d", i);
		assert_int_equal(privd_vault_create(g_svc->vault, id, privd_now_ms(), NULL, 0, &k[i]), PRIVD_OK);
	}
	assert_int_equal(privd_service_keys_rotate(g_svc, &cli, 0, &r, &err), PRIVD_OK);
	assert_int_equal(privd_writer_run(g_svc->writer, &job), PRIVD_OK);
	for (int i = 0; i < 3; i++) {
		copy_of(k[i].id, &now);
		assert_int_equal(files_opening(k[i].id, &now), 1);
		privd_blob_clear(&now);
	}
}

static void test_rotate_again(void **state)
{
	char id[PRIVD_ID_HEX];
	struct privd_wrapped_key k;
	struct privd_principal cli;
	struct privd_rotation r1, r2;
	struct privd_err err = {0};
	struct privd_blob now = {0};

	(void)state;
	privd_principal_cli(&cli);
	make_key(id, &k);
	store_key(&k);
	assert_int_equal(privd_service_keys_rotate(g_svc, &cli, 0, &r1, &err), PRIVD_OK);
	assert_int_equal(privd_service_keys_rotate(g_svc, &cli, 0, &r2, &err), PRIVD_OK);
	assert_string_equal(r2.from[0], r1.to);
	assert_string_not_equal(r2.to, r1.to);
	copy_of(id, &now);
	assert_int_equal(files_opening(id, &now), 1);
	privd_blob_clear(&now);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_old_copy_opens_under_no_key_left, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_many_keys_wrapped_before_a_rotation, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rotate_again, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
