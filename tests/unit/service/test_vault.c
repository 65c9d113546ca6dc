/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_vault.c - the vault on a real service (SQLite in a temporary directory): fields sealed under a fresh key
 * and under a subject's key open again, bound to their owner and field; a destroyed key is gone even when it was
 * cached; a key destroyed behind the vault's back stays usable only until the vault is told (what the listener
 * does on PostgreSQL); an erased subject's key is never cached; and under concurrent opens a destroyed key never
 * comes back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "service_test.h"

/* ---- writes, through the writer as the use cases make them ---- */

struct put_job {
	struct privd_wrapped_key key;
	struct privd_subject_row row;
	const char *conflict;
};

static enum privd_rc put_ks(struct privd_db *ks, void *arg)
{
	return privd_vault_store(ks, &((struct put_job *)arg)->key);
}

static enum privd_rc put_data(struct privd_db *db, void *arg)
{
	struct put_job *j = arg;

	return j->row.id[0] != '\0' ? privd_repo_subject_insert(db, &j->row, &j->conflict) : PRIVD_OK;
}

/* A subject (a row, when with_row) with a fresh data key; the name sealed under it into *name. */
static void new_subject(char id[PRIVD_ID_HEX], bool with_row, const char *name, struct privd_blob *name_ct)
{
	struct put_job j;
	struct privd_write_job job = {.ks = put_ks, .data = put_data, .arg = &j};
	const struct privd_vault_sealing f = privd_vault_text("name", name, name_ct);

	memset(&j, 0, sizeof(j));
	privd_time_id(privd_now_ms(), id);
	assert_int_equal(privd_vault_create(g_svc->vault, id, privd_now_ms(), &f, 1, &j.key), PRIVD_OK);
	assert_string_equal(j.key.id, id);
	if (with_row) {
		memcpy(j.row.id, id, PRIVD_ID_HEX);
		j.row.status = PRIVD_SUBJECT_ACTIVE;
		snprintf(j.row.residence_country, sizeof(j.row.residence_country), "RU");
		j.row.created_at = j.row.updated_at = privd_now_ms();
	}
	assert_int_equal(privd_writer_run(g_svc->writer, &job), PRIVD_OK);
}

static enum privd_rc nothing(struct privd_db *db, void *arg)
{
	(void)db;
	(void)arg;
	return PRIVD_OK;
}

static enum privd_rc destroy_after(struct privd_db *ks, void *arg)
{
	return privd_vault_destroy(g_svc->vault, ks, arg);
}

/* What another process does: the key deleted from the keystore, this vault not told. */
static enum privd_rc delete_behind(struct privd_db *ks, void *arg)
{
	return privd_repo_key_delete(ks, arg);
}

static enum privd_rc erase_row(struct privd_db *db, void *arg)
{
	return privd_repo_subject_erase(db, arg, privd_now_ms());
}

static void run(enum privd_rc (*data)(struct privd_db *, void *), enum privd_rc (*after)(struct privd_db *, void *),
                const char *id)
{
	struct privd_write_job job = {.data = data, .ks_after = after, .arg = (void *)id};

	assert_int_equal(privd_writer_run(g_svc->writer, &job), PRIVD_OK);
	if (after == destroy_after)
		privd_vault_forget(g_svc->vault, id); /* committed */
}

static enum privd_rc open_name(const char *id, char *out, size_t cap, const struct privd_blob *ct)
{
	const struct privd_vault_opening f = {"name", ct, out, cap, NULL};

	return privd_vault_open(g_svc->vault, NULL, id, &f, 1);
}

/* ---- tests ---- */

static void test_fresh_key_and_subject_key_round_trip(void **state)
{
	char id[PRIVD_ID_HEX], name[64], other[PRIVD_ID_HEX];
	struct privd_blob name_ct = {0}, doc_ct = {0}, empty_ct = {0}, doc = {0}, none = {0};
	const uint8_t scan[5] = {0x25, 0x50, 0x44, 0x00, 0x46};
	const struct privd_vault_sealing seal[2] = {{"doc", scan, sizeof(scan), &doc_ct},
	                                            privd_vault_text("empty", "", &empty_ct)};
	const struct privd_vault_opening open[2] = {{"doc", &doc_ct, NULL, 0, &doc},
	                                            {"empty", &empty_ct, NULL, 0, &none}};

	(void)state;
	new_subject(id, true, "Иван Петров", &name_ct);
	assert_int_equal(name_ct.len, strlen("Иван Петров") + 40);
	assert_int_equal(open_name(id, name, sizeof(name), &name_ct), PRIVD_OK);
	assert_string_equal(name, "Иван Петров");

	assert_int_equal(privd_vault_seal(g_svc->vault, NULL, id, seal, 2), PRIVD_OK);
	assert_int_equal(doc_ct.len, sizeof(scan) + 40);
	assert_null(empty_ct.data); /* nothing to seal is no blob */
	assert_int_equal(privd_vault_open(g_svc->vault, NULL, id, open, 2), PRIVD_OK);
	assert_int_equal(doc.len, sizeof(scan));
	assert_memory_equal(doc.data, scan, sizeof(scan));
	assert_int_equal(doc.data[doc.len], 0);
	assert_null(none.data);

	/* bound to the field and to the owner; a value longer than its buffer is not ours */
	{
		const struct privd_vault_opening as_other = {"other", &name_ct, name, sizeof(name), NULL};

		assert_int_equal(privd_vault_open(g_svc->vault, NULL, id, &as_other, 1), PRIVD_ERR_CRYPTO);
		assert_string_equal(name, "");
	}
	assert_int_equal(open_name(id, name, 5, &name_ct), PRIVD_ERR_CRYPTO);
	new_subject(other, true, "x", &empty_ct);
	assert_int_equal(open_name(other, name, sizeof(name), &name_ct), PRIVD_ERR_CRYPTO);

	privd_blob_clear(&name_ct);
	privd_blob_clear(&doc_ct);
	privd_blob_clear(&empty_ct);
	privd_blob_clear(&doc);
}

static void test_destroyed_key_is_gone_even_when_cached(void **state)
{
	char id[PRIVD_ID_HEX], name[64];
	struct privd_blob ct = {0};

	(void)state;
	new_subject(id, true, "Anna", &ct);
	assert_int_equal(open_name(id, name, sizeof(name), &ct), PRIVD_OK); /* cached now */
	run(nothing, destroy_after, id);
	assert_int_equal(open_name(id, name, sizeof(name), &ct), PRIVD_ERR_GONE);
	privd_blob_clear(&ct);
}

static void test_key_destroyed_elsewhere_goes_when_told(void **state)
{
	char id[PRIVD_ID_HEX], name[64];
	struct privd_blob ct = {0};

	(void)state;
	new_subject(id, true, "Anna", &ct);
	assert_int_equal(open_name(id, name, sizeof(name), &ct), PRIVD_OK);
	run(nothing, delete_behind, id);
	assert_int_equal(open_name(id, name, sizeof(name), &ct), PRIVD_OK); /* from the cache */
	privd_vault_forget(g_svc->vault, id);
	assert_int_equal(open_name(id, name, sizeof(name), &ct), PRIVD_ERR_GONE);
	privd_blob_clear(&ct);
}

static void test_erased_subject_key_is_not_cached(void **state)
{
	char id[PRIVD_ID_HEX], name[64];
	struct privd_blob ct = {0};

	(void)state;
	new_subject(id, true, "Anna", &ct);
	run(erase_row, NULL, id); /* tombstone committed, key not yet destroyed */
	assert_int_equal(open_name(id, name, sizeof(name), &ct), PRIVD_OK);
	run(nothing, delete_behind, id);
	assert_int_equal(open_name(id, name, sizeof(name), &ct), PRIVD_ERR_GONE);
	privd_blob_clear(&ct);
}

static void test_nothing_cached_while_caching_is_off(void **state)
{
	char id[PRIVD_ID_HEX], name[64];
	struct privd_blob ct = {0};

	(void)state;
	new_subject(id, true, "Anna", &ct);
	assert_int_equal(open_name(id, name, sizeof(name), &ct), PRIVD_OK);
	privd_vault_cache_enable(g_svc->vault, false);
	assert_int_equal(open_name(id, name, sizeof(name), &ct), PRIVD_OK);
	run(nothing, delete_behind, id);
	assert_int_equal(open_name(id, name, sizeof(name), &ct), PRIVD_ERR_GONE);
	privd_vault_cache_enable(g_svc->vault, true);
	assert_int_equal(open_name(id, name, sizeof(name), &ct), PRIVD_ERR_GONE);
	privd_blob_clear(&ct);
}

struct find {
	const char *want;
	bool found;
};

static int find_id(void *arg, const char *id)
{
	struct find *f = arg;

	f->found = f->found || strcmp(id, f->want) == 0;
	return 0;
}

/* Whether the keystore holds a key for id. */
static bool holds(const char *id)
{
	struct privd_reader *r = NULL;
	struct find f = {id, false};

	assert_int_equal(privd_reader_get(g_svc, &r), PRIVD_OK);
	assert_int_equal(privd_vault_ids(r->ks, find_id, &f), PRIVD_OK);
	privd_reader_put(g_svc, r, false);
	return f.found;
}

static void test_message_keys_are_never_cached(void **state)
{
	struct put_job j;
	struct privd_write_job job = {.ks = put_ks, .data = put_data, .arg = &j};
	struct privd_blob to = {0}, body = {0}, again = {0};
	const struct privd_vault_sealing f[2] = {privd_vault_text("recipient", "a@example.org", &to),
	                                         privd_vault_text("body", "Hello", &body)};
	const struct privd_vault_sealing more = privd_vault_text("body", "again", &again);
	char id[40];

	(void)state;
	memset(&j, 0, sizeof(j));
	snprintf(id, sizeof(id), "msg:%032x", 7);
	assert_int_equal(privd_vault_create(g_svc->vault, id, 1, f, 2, &j.key), PRIVD_OK);
	assert_int_equal(to.len, strlen("a@example.org") + 40);
	assert_int_equal(body.len, strlen("Hello") + 40);
	assert_int_equal(privd_writer_run(g_svc->writer, &job), PRIVD_OK);
	assert_true(holds(id));
	assert_int_equal(privd_vault_seal(g_svc->vault, NULL, id, &more, 1), PRIVD_OK);
	privd_blob_clear(&again);
	run(nothing, delete_behind, id);
	assert_false(holds(id));
	assert_int_equal(privd_vault_seal(g_svc->vault, NULL, id, &more, 1), PRIVD_ERR_GONE);
	privd_blob_clear(&to);
	privd_blob_clear(&body);
}

/* ---- concurrency: a key destroyed while being unwrapped is never cached again ---- */

struct opener {
	const char *id;
	const struct privd_blob *ct;
	atomic_bool stop;
	atomic_int survived; /* opens begun after the destroy committed that did not fail */
	atomic_bool destroyed;
};

static void *open_loop(void *arg)
{
	struct opener *o = arg;
	char name[64];

	while (!atomic_load(&o->stop)) {
		bool after = atomic_load(&o->destroyed);
		enum privd_rc rc = open_name(o->id, name, sizeof(name), o->ct);

		if (after && rc != PRIVD_ERR_GONE)
			atomic_fetch_add(&o->survived, 1);
	}
	return NULL;
}

static void test_destroy_racing_unwraps(void **state)
{
	(void)state;
	for (int round = 0; round < 40; round++) {
		char id[PRIVD_ID_HEX];
		struct privd_blob ct = {0};
		struct opener o = {.id = id, .ct = &ct};
		pthread_t t[3];

		new_subject(id, true, "Anna", &ct); /* alive: only the generation guard stands in the way */
		for (int i = 0; i < 3; i++)
			assert_int_equal(pthread_create(&t[i], NULL, open_loop, &o), 0);
		usleep(1000 * (round % 4));
		run(nothing, destroy_after, id);
		atomic_store(&o.destroyed, true);
		usleep(2000);
		atomic_store(&o.stop, true);
		for (int i = 0; i < 3; i++)
			pthread_join(t[i], NULL);
		assert_int_equal(atomic_load(&o.survived), 0);
		privd_blob_clear(&ct);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fresh_key_and_subject_key_round_trip),
	    cmocka_unit_test(test_destroyed_key_is_gone_even_when_cached),
	    cmocka_unit_test(test_key_destroyed_elsewhere_goes_when_told),
	    cmocka_unit_test(test_erased_subject_key_is_not_cached),
	    cmocka_unit_test(test_nothing_cached_while_caching_is_off),
	    cmocka_unit_test(test_message_keys_are_never_cached),
	    cmocka_unit_test(test_destroy_racing_unwraps),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
