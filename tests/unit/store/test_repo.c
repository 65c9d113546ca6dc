/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_repo.c - every repository function and the migrations, on both engines: keystore and master keys, API keys,
 * policies, subjects (conflicts named by field, absent indexes as NULL), consents and the derived state, the audit
 * chain.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "store/repo.h"
#include "store_test.h"

static void test_migrate_idempotent(void **state)
{
	struct privd_db *other = open_db(PRIVD_DB_DATA);
	struct privd_stmt *st = NULL;

	(void)state;
	assert_int_equal(privd_repo_migrate(g_db, PRIVD_DB_DATA, NULL), PRIVD_OK);
	assert_int_equal(privd_repo_migrate(other, PRIVD_DB_DATA, NULL), PRIVD_OK);
	assert_int_equal(privd_repo_migrate(g_ks, PRIVD_DB_KEYSTORE, NULL), PRIVD_OK);
	assert_int_equal(privd_db_prepare(g_db, "SELECT COUNT(*) FROM schema_migrations", &st), PRIVD_OK);
	assert_int_equal(privd_stmt_step(st), PRIVD_DB_ROW);
	assert_true(privd_stmt_col_int64(st, 0) >= 7); /* 1, 2, 3, 4, 5, 6, 8 and whatever came since */
	privd_stmt_finalize(st);
	assert_int_equal(privd_db_prepare(g_ks, "SELECT COUNT(*) FROM data_keys", &st), PRIVD_OK);
	assert_int_equal(privd_stmt_step(st), PRIVD_DB_ROW);
	privd_stmt_finalize(st);
	privd_db_close(other);
}

static void test_keystore(void **state)
{
	static const uint8_t wrapped[] = {0x00, 0xff, 0x10, 0x00, 0xab, 0xff};
	struct privd_blob b = {0};
	char kid[PRIVD_KID_HEX];

	(void)state;
	assert_int_equal(privd_repo_master_key_adopt(g_ks, "aaaaaaaaaaaaaaaa", 500), PRIVD_OK);
	assert_int_equal(privd_repo_key_get(g_ks, "s1", &b, kid), PRIVD_ERR_NOT_FOUND);
	assert_int_equal(privd_repo_key_put(g_ks, "s1", wrapped, sizeof(wrapped), 1000, "aaaaaaaaaaaaaaaa"), PRIVD_OK);
	assert_int_equal(privd_repo_key_put(g_ks, "s1", wrapped, sizeof(wrapped), 1000, "aaaaaaaaaaaaaaaa"),
	                 PRIVD_ERR_CONFLICT);
	assert_int_equal(privd_repo_key_get(g_ks, "s1", &b, kid), PRIVD_OK);
	assert_string_equal(kid, "aaaaaaaaaaaaaaaa");
	assert_int_equal(b.len, sizeof(wrapped));
	assert_memory_equal(b.data, wrapped, sizeof(wrapped));
	privd_blob_clear(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(privd_repo_key_delete(g_ks, "s1"), PRIVD_OK);
	assert_int_equal(privd_repo_key_delete(g_ks, "s1"), PRIVD_OK);
	assert_int_equal(privd_repo_key_get(g_ks, "s1", &b, kid), PRIVD_ERR_NOT_FOUND);
	privd_blob_clear(NULL);
}

struct masters {
	size_t n;
	struct privd_master_key_row rows[4];
	int64_t keys_under_a, keys_under_none;
	size_t batch;
	char ids[4][40];
};

static int master_row(void *arg, const struct privd_master_key_row *row)
{
	struct masters *m = arg;

	if (m->n < 4)
		m->rows[m->n++] = *row;
	return 0;
}

static int count_row(void *arg, const char *kid, int64_t n)
{
	struct masters *m = arg;

	if (strcmp(kid, "aaaaaaaaaaaaaaaa") == 0)
		m->keys_under_a = n;
	if (kid[0] == '\0')
		m->keys_under_none = n;
	return 0;
}

static int under_row(void *arg, const char *id, const uint8_t *wrapped, size_t len)
{
	struct masters *m = arg;

	assert_int_equal(len, 3);
	assert_int_equal(wrapped[0], 7);
	snprintf(m->ids[m->batch++], sizeof(m->ids[0]), "%s", id);
	return 0;
}

/* A rotation's steps as the keystore sees them: a key is stored only under the current master key, the switch
 * happens only from the current one, and a master key retires only once no key is under it. */
static void test_master_keys(void **state)
{
	static const uint8_t w[] = {7, 7, 7};
	struct masters m;
	struct privd_stmt *st = NULL;

	(void)state;
	memset(&m, 0, sizeof(m));
	/* adopted once, by test_keystore: a second adoption changes nothing */
	assert_int_equal(privd_repo_master_key_adopt(g_ks, "bbbbbbbbbbbbbbbb", 600), PRIVD_OK);
	assert_int_equal(privd_repo_master_key_list(g_ks, master_row, &m), PRIVD_OK);
	assert_int_equal(m.n, 1);
	assert_string_equal(m.rows[0].kid, "aaaaaaaaaaaaaaaa");
	assert_int_equal(m.rows[0].state, PRIVD_MASTER_KEY_CURRENT);

	assert_int_equal(privd_repo_key_put(g_ks, "k1", w, sizeof(w), 1, "aaaaaaaaaaaaaaaa"), PRIVD_OK);
	assert_int_equal(privd_repo_key_put(g_ks, "k2", w, sizeof(w), 1, "bbbbbbbbbbbbbbbb"), PRIVD_ERR_NOT_FOUND);
	/* a key from before ids */
	assert_int_equal(
	    privd_db_prepare(g_ks, "INSERT INTO data_keys(subject_id, wrapped, created_at) VALUES ('k0', ?, 1)", &st),
	    PRIVD_OK);
	assert_int_equal(privd_stmt_bind_blob(st, 1, w, sizeof(w)), PRIVD_OK);
	assert_int_equal(privd_stmt_step(st), PRIVD_DB_DONE);
	privd_stmt_finalize(st);

	assert_int_equal(privd_repo_master_key_switch(g_ks, "bbbbbbbbbbbbbbbb", "cccccccccccccccc", 700),
	                 PRIVD_ERR_CONFLICT);
	assert_int_equal(privd_repo_master_key_switch(g_ks, "aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb", 700), PRIVD_OK);
	assert_int_equal(privd_repo_key_put(g_ks, "k3", w, sizeof(w), 1, "aaaaaaaaaaaaaaaa"), PRIVD_ERR_NOT_FOUND);
	assert_int_equal(privd_repo_key_put(g_ks, "k3", w, sizeof(w), 1, "bbbbbbbbbbbbbbbb"), PRIVD_OK);
	assert_int_equal(privd_repo_master_key_retire(g_ks, "aaaaaaaaaaaaaaaa", 800), PRIVD_ERR_CONFLICT);

	assert_int_equal(privd_repo_key_counts(g_ks, count_row, &m), PRIVD_OK);
	assert_int_equal(m.keys_under_a, 1);
	assert_int_equal(m.keys_under_none, 1);
	assert_int_equal(privd_repo_key_under(g_ks, "aaaaaaaaaaaaaaaa", 10, under_row, &m), PRIVD_OK);
	assert_int_equal(privd_repo_key_under(g_ks, "", 10, under_row, &m), PRIVD_OK);
	assert_int_equal(m.batch, 2);
	assert_string_equal(m.ids[0], "k1");
	assert_string_equal(m.ids[1], "k0");
	assert_int_equal(privd_repo_key_rewrap(g_ks, "k1", w, sizeof(w), "bbbbbbbbbbbbbbbb"), PRIVD_OK);
	assert_int_equal(privd_repo_master_key_retire(g_ks, "aaaaaaaaaaaaaaaa", 800), PRIVD_ERR_CONFLICT); /* k0 */
	assert_int_equal(privd_repo_key_rewrap(g_ks, "k0", w, sizeof(w), "bbbbbbbbbbbbbbbb"), PRIVD_OK);
	assert_int_equal(privd_repo_key_rewrap(g_ks, "gone", w, sizeof(w), "bbbbbbbbbbbbbbbb"), PRIVD_OK);
	assert_int_equal(privd_repo_master_key_retire(g_ks, "aaaaaaaaaaaaaaaa", 800), PRIVD_OK);
	assert_int_equal(privd_repo_master_key_retire(g_ks, "aaaaaaaaaaaaaaaa", 900), PRIVD_ERR_CONFLICT);

	/* inside one transaction the current key is checked once, and again after a switch (rolled back here) */
	assert_int_equal(privd_db_begin(g_ks), PRIVD_OK);
	assert_int_equal(privd_repo_key_put(g_ks, "k4", w, sizeof(w), 1, "bbbbbbbbbbbbbbbb"), PRIVD_OK);
	assert_int_equal(privd_repo_master_key_switch(g_ks, "bbbbbbbbbbbbbbbb", "cccccccccccccccc", 900), PRIVD_OK);
	assert_int_equal(privd_repo_key_put(g_ks, "k5", w, sizeof(w), 1, "bbbbbbbbbbbbbbbb"), PRIVD_ERR_NOT_FOUND);
	assert_int_equal(privd_repo_key_put(g_ks, "k5", w, sizeof(w), 1, "cccccccccccccccc"), PRIVD_OK);
	assert_int_equal(privd_db_rollback(g_ks), PRIVD_OK);

	m.n = 0;
	assert_int_equal(privd_repo_master_key_list(g_ks, master_row, &m), PRIVD_OK);
	assert_int_equal(m.n, 2);
	assert_int_equal(m.rows[0].state, PRIVD_MASTER_KEY_RETIRED);
	assert_int_equal(m.rows[0].retired_at, 800);
	assert_string_equal(m.rows[1].kid, "bbbbbbbbbbbbbbbb");
	assert_int_equal(m.rows[1].state, PRIVD_MASTER_KEY_CURRENT);
	for (const char *id = "k0"; id != NULL; id = strcmp(id, "k0") == 0 ? "k1" : strcmp(id, "k1") == 0 ? "k3" : NULL)
		assert_int_equal(privd_repo_key_delete(g_ks, id), PRIVD_OK);
}

struct apikeys {
	int n;
	char ids[8][33];
	int64_t revoked[8];
};

static int collect_key(void *arg, const struct privd_apikey_row *row)
{
	struct apikeys *a = arg;

	if (a->n < 8) {
		snprintf(a->ids[a->n], 33, "%s", row->id);
		a->revoked[a->n] = row->revoked_at;
	}
	a->n++;
	return 0;
}

static int stop_first(void *arg, const struct privd_apikey_row *row)
{
	(void)row;
	(*(int *)arg)++;
	return 1;
}

static void test_apikeys(void **state)
{
	struct privd_apikey_row r = {.id = "k1", .name = "backend", .role = "app", .created_at = 100};
	struct privd_apikey_row out;
	struct apikeys a = {0};
	int calls = 0;

	(void)state;
	assert_int_equal(privd_repo_apikey_insert(g_db, &r, "hash1"), PRIVD_OK);
	snprintf(r.id, sizeof(r.id), "k2");
	snprintf(r.role, sizeof(r.role), "admin");
	r.created_at = 200;
	assert_int_equal(privd_repo_apikey_insert(g_db, &r, "hash1"), PRIVD_ERR_CONFLICT);
	assert_int_equal(privd_repo_apikey_insert(g_db, &r, "hash2"), PRIVD_OK);
	assert_int_equal(privd_repo_apikey_by_hash(g_db, "hash1", &out), PRIVD_OK);
	assert_string_equal(out.id, "k1");
	assert_string_equal(out.name, "backend");
	assert_string_equal(out.role, "app");
	assert_int_equal(out.created_at, 100);
	assert_int_equal(out.revoked_at, 0);
	assert_int_equal(out.last_used_at, 0);
	assert_int_equal(privd_repo_apikey_by_hash(g_db, "nope", &out), PRIVD_ERR_NOT_FOUND);
	assert_int_equal(privd_repo_apikey_revoke(g_db, "k1", 300), PRIVD_OK);
	assert_int_equal(privd_repo_apikey_revoke(g_db, "k1", 301), PRIVD_ERR_NOT_FOUND);
	assert_int_equal(privd_repo_apikey_revoke(g_db, "zz", 301), PRIVD_ERR_NOT_FOUND);
	assert_int_equal(privd_repo_apikey_by_hash(g_db, "hash1", &out), PRIVD_ERR_NOT_FOUND);
	assert_int_equal(privd_repo_apikey_list(g_db, collect_key, &a), PRIVD_OK);
	assert_int_equal(a.n, 2);
	assert_string_equal(a.ids[0], "k1");
	assert_int_equal(a.revoked[0], 300);
	assert_string_equal(a.ids[1], "k2");
	assert_int_equal(a.revoked[1], 0);
	assert_int_equal(privd_repo_apikey_list(g_db, stop_first, &calls), PRIVD_OK);
	assert_int_equal(calls, 1);
}

static void test_policies(void **state)
{
	struct privd_policy_row r = {
	    .version = "2024-01", .language = "en", .sha256 = "aa", .published_at = 10, .text = "# v1\n"};
	struct privd_policy_row out;

	(void)state;
	assert_int_equal(privd_repo_policy_current(g_db, NULL, true, &out), PRIVD_ERR_NOT_FOUND);
	assert_int_equal(privd_repo_policy_insert(g_db, &r), PRIVD_OK);
	assert_int_equal(privd_repo_policy_insert(g_db, &r), PRIVD_ERR_CONFLICT);
	snprintf(r.version, sizeof(r.version), "2023-12"); /* older name, newer insert: still current */
	snprintf(r.sha256, sizeof(r.sha256), "bb");
	r.text = "# v2 текст\n";
	r.published_at = 20;
	assert_int_equal(privd_repo_policy_insert(g_db, &r), PRIVD_OK);
	assert_int_equal(privd_repo_policy_current(g_db, NULL, false, &out), PRIVD_OK);
	assert_string_equal(out.version, "2023-12");
	assert_string_equal(out.language, "en");
	assert_string_equal(out.sha256, "bb");
	assert_int_equal(out.published_at, 20);
	assert_null(out.text);
	assert_int_equal(privd_repo_policy_current(g_db, NULL, true, &out), PRIVD_OK);
	assert_string_equal(out.text, "# v2 текст\n");
	free(out.text);
	assert_int_equal(privd_repo_policy_get(g_db, "2024-01", NULL, true, &out), PRIVD_OK);
	assert_string_equal(out.sha256, "aa");
	assert_string_equal(out.text, "# v1\n");
	free(out.text);
	assert_int_equal(privd_repo_policy_get(g_db, "nope", NULL, false, &out), PRIVD_ERR_NOT_FOUND);
	/* a version in a second language: the same version, a translation of it */
	snprintf(r.version, sizeof(r.version), "2024-01");
	snprintf(r.language, sizeof(r.language), "ru");
	snprintf(r.sha256, sizeof(r.sha256), "cc");
	r.text = "# Политика\n";
	r.published_at = 30;
	assert_int_equal(privd_repo_policy_insert(g_db, &r), PRIVD_OK);
	assert_int_equal(privd_repo_policy_insert(g_db, &r), PRIVD_ERR_CONFLICT);
	assert_int_equal(privd_repo_policy_current(g_db, NULL, false, &out), PRIVD_OK);
	assert_string_equal(out.version, "2024-01");
	assert_string_equal(out.language, "ru");
	assert_int_equal(privd_repo_policy_current(g_db, "en", false, &out), PRIVD_OK);
	assert_string_equal(out.version, "2023-12");
	assert_int_equal(privd_repo_policy_current(g_db, "de", false, &out), PRIVD_ERR_NOT_FOUND);
	assert_int_equal(privd_repo_policy_get(g_db, "2024-01", "en", false, &out), PRIVD_OK);
	assert_string_equal(out.sha256, "aa");
	assert_int_equal(privd_repo_policy_get(g_db, "2024-01", "ru", true, &out), PRIVD_OK);
	assert_string_equal(out.sha256, "cc");
	assert_string_equal(out.text, "# Политика\n");
	free(out.text);
	assert_int_equal(privd_repo_policy_get(g_db, "2024-01", NULL, false, &out), PRIVD_OK);
	assert_string_equal(out.language, "ru"); /* the language published last */
	assert_int_equal(privd_repo_policy_get(g_db, "2023-12", "ru", false, &out), PRIVD_ERR_NOT_FOUND);
}

static void test_consent_texts(void **state)
{
	struct privd_consent_text_row r = {.purpose = "processing",
	                                   .version = "1",
	                                   .language = "ru",
	                                   .sha256 = "s1",
	                                   .published_at = 10,
	                                   .text = "# Согласие\n"};
	struct privd_consent_text_row out;

	(void)state;
	assert_int_equal(privd_repo_consent_text_current(g_db, "processing", "ru", true, &out), PRIVD_ERR_NOT_FOUND);
	assert_int_equal(privd_repo_consent_text_insert(g_db, &r), PRIVD_OK);
	assert_int_equal(privd_repo_consent_text_insert(g_db, &r), PRIVD_ERR_CONFLICT);
	/* the same version in English, and of the other purpose, are texts of their own */
	snprintf(r.language, sizeof(r.language), "en");
	snprintf(r.sha256, sizeof(r.sha256), "s2");
	r.text = "# Consent\n";
	assert_int_equal(privd_repo_consent_text_insert(g_db, &r), PRIVD_OK);
	snprintf(r.purpose, sizeof(r.purpose), "third_party_transfer");
	snprintf(r.sha256, sizeof(r.sha256), "s3");
	assert_int_equal(privd_repo_consent_text_insert(g_db, &r), PRIVD_OK);
	/* a newer Russian text of processing is current in Russian only */
	snprintf(r.purpose, sizeof(r.purpose), "processing");
	snprintf(r.version, sizeof(r.version), "0.9"); /* the name does not order them, publishing does */
	snprintf(r.language, sizeof(r.language), "ru");
	snprintf(r.sha256, sizeof(r.sha256), "s4");
	r.text = "# Согласие, редакция 2\n";
	r.published_at = 20;
	assert_int_equal(privd_repo_consent_text_insert(g_db, &r), PRIVD_OK);
	assert_int_equal(privd_repo_consent_text_current(g_db, "processing", "ru", true, &out), PRIVD_OK);
	assert_string_equal(out.purpose, "processing");
	assert_string_equal(out.version, "0.9");
	assert_string_equal(out.language, "ru");
	assert_string_equal(out.sha256, "s4");
	assert_int_equal(out.published_at, 20);
	assert_string_equal(out.text, "# Согласие, редакция 2\n");
	free(out.text);
	assert_int_equal(privd_repo_consent_text_current(g_db, "processing", "en", false, &out), PRIVD_OK);
	assert_string_equal(out.version, "1");
	assert_string_equal(out.sha256, "s2");
	assert_null(out.text);
	assert_int_equal(privd_repo_consent_text_current(g_db, "third_party_transfer", "ru", false, &out),
	                 PRIVD_ERR_NOT_FOUND);
	assert_int_equal(privd_repo_consent_text_get(g_db, "processing", "1", "ru", true, &out), PRIVD_OK);
	assert_string_equal(out.sha256, "s1");
	assert_string_equal(out.text, "# Согласие\n");
	free(out.text);
	assert_int_equal(privd_repo_consent_text_get(g_db, "processing", "2", "ru", false, &out), PRIVD_ERR_NOT_FOUND);
}

static void blob_set(struct privd_blob *b, const char *s, size_t len)
{
	b->data = malloc(len);
	memcpy(b->data, s, len);
	b->len = len;
}

static void subject_init(struct privd_subject_row *r, const char *id, const char *email, const char *phone)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->id, sizeof(r->id), "%s", id);
	r->status = PRIVD_SUBJECT_ACTIVE;
	snprintf(r->residence_country, sizeof(r->residence_country), "RU");
	snprintf(r->email_bidx, sizeof(r->email_bidx), "%s", email);
	snprintf(r->phone_bidx, sizeof(r->phone_bidx), "%s", phone);
	snprintf(r->policy_version, sizeof(r->policy_version), "2024-01");
	r->created_at = 1000;
	r->updated_at = 1000;
}

static void test_subjects(void **state)
{
	struct privd_subject_row r, out;
	const char *field = NULL;
	char id[33];

	(void)state;
	subject_init(&r, "sub1", "e1", "p1");
	blob_set(&r.name_ct, "\x00\xffname", 6);
	blob_set(&r.email_ct, "\x01\x02", 2);
	assert_int_equal(privd_repo_subject_insert(g_db, &r, &field), PRIVD_OK);
	assert_null(field);
	/* subjects without e-mail or phone: any number of them */
	privd_subject_row_clear(&r);
	subject_init(&r, "sub2", "", "");
	assert_int_equal(privd_repo_subject_insert(g_db, &r, &field), PRIVD_OK);
	subject_init(&r, "sub3", "", "");
	assert_int_equal(privd_repo_subject_insert(g_db, &r, &field), PRIVD_OK);
	/* conflicts name the field */
	subject_init(&r, "sub4", "e1", "p9");
	assert_int_equal(privd_repo_subject_insert(g_db, &r, &field), PRIVD_ERR_CONFLICT);
	assert_string_equal(field, "email");
	subject_init(&r, "sub4", "e9", "p1");
	assert_int_equal(privd_repo_subject_insert(g_db, &r, &field), PRIVD_ERR_CONFLICT);
	assert_string_equal(field, "phone");
	subject_init(&r, "sub1", "e8", "p8");
	assert_int_equal(privd_repo_subject_insert(g_db, &r, &field), PRIVD_ERR_CONFLICT);
	assert_non_null(field);

	assert_int_equal(privd_repo_subject_get(g_db, "sub1", &out), PRIVD_OK);
	assert_string_equal(out.id, "sub1");
	assert_int_equal(out.status, PRIVD_SUBJECT_ACTIVE);
	assert_string_equal(out.residence_country, "RU");
	assert_string_equal(out.email_bidx, "e1");
	assert_string_equal(out.phone_bidx, "p1");
	assert_string_equal(out.policy_version, "2024-01");
	assert_int_equal(out.name_ct.len, 6);
	assert_memory_equal(out.name_ct.data, "\x00\xffname", 6);
	assert_int_equal(out.email_ct.len, 2);
	assert_int_equal(out.phone_ct.len, 0);
	assert_null(out.phone_ct.data);
	assert_int_equal(out.created_at, 1000);
	privd_subject_row_clear(&out);
	assert_int_equal(privd_repo_subject_get(g_db, "sub2", &out), PRIVD_OK);
	assert_string_equal(out.email_bidx, "");
	privd_subject_row_clear(&out);
	assert_int_equal(privd_repo_subject_get(g_db, "none", &out), PRIVD_ERR_NOT_FOUND);

	assert_int_equal(privd_repo_subject_by_bidx(g_db, "email", "e1", id), PRIVD_OK);
	assert_string_equal(id, "sub1");
	assert_int_equal(privd_repo_subject_by_bidx(g_db, "phone", "p1", id), PRIVD_OK);
	assert_string_equal(id, "sub1");
	assert_int_equal(privd_repo_subject_by_bidx(g_db, "phone", "e1", id), PRIVD_ERR_NOT_FOUND);
	assert_int_equal(privd_repo_subject_by_bidx(g_db, "email", "", id), PRIVD_ERR_NOT_FOUND);
	assert_int_equal(privd_repo_subject_by_bidx(g_db, "name", "x", id), PRIVD_ERR_INVALID);

	/* update: keeping its own indexes is no conflict; taking another's is */
	subject_init(&r, "sub1", "e1", "p1");
	r.updated_at = 2000;
	blob_set(&r.phone_ct, "ph", 2);
	assert_int_equal(privd_repo_subject_update(g_db, &r, 1000, &field), PRIVD_OK);
	/* the same read again: the row changed meanwhile */
	assert_int_equal(privd_repo_subject_update(g_db, &r, 1000, &field), PRIVD_ERR_CONFLICT);
	assert_null(field);
	privd_subject_row_clear(&r);
	subject_init(&r, "sub2", "e1", "");
	assert_int_equal(privd_repo_subject_update(g_db, &r, 1000, &field), PRIVD_ERR_CONFLICT);
	assert_string_equal(field, "email");
	subject_init(&r, "sub2", "", "p1");
	assert_int_equal(privd_repo_subject_update(g_db, &r, 1000, &field), PRIVD_ERR_CONFLICT);
	assert_string_equal(field, "phone");
	subject_init(&r, "nobody", "", "");
	assert_int_equal(privd_repo_subject_update(g_db, &r, 1000, &field), PRIVD_ERR_NOT_FOUND);
	assert_int_equal(privd_repo_subject_get(g_db, "sub1", &out), PRIVD_OK);
	assert_int_equal(out.updated_at, 2000);
	assert_int_equal(out.created_at, 1000);
	assert_int_equal(out.name_ct.len, 0); /* replaced by an absent blob */
	assert_int_equal(out.phone_ct.len, 2);
	privd_subject_row_clear(&out);

	assert_int_equal(privd_repo_subject_set_status(g_db, "sub2", PRIVD_SUBJECT_PENDING_GUARDIAN, 3000), PRIVD_OK);
	assert_int_equal(privd_repo_subject_set_status(g_db, "none", PRIVD_SUBJECT_ERASED, 3000), PRIVD_ERR_NOT_FOUND);
	assert_int_equal(privd_repo_subject_get(g_db, "sub2", &out), PRIVD_OK);
	assert_int_equal(out.status, PRIVD_SUBJECT_PENDING_GUARDIAN);
	assert_int_equal(out.updated_at, 3000);
	privd_subject_row_clear(&out);
}

static void consent_init(struct privd_consent_row *c, const char *subject, const char *purpose, bool granted,
                         int64_t at)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->subject_id, sizeof(c->subject_id), "%s", subject);
	snprintf(c->purpose, sizeof(c->purpose), "%s", purpose);
	c->granted = granted;
	snprintf(c->policy_version, sizeof(c->policy_version), "v%lld", (long long)at);
	snprintf(c->source, sizeof(c->source), "api");
	c->created_at = at;
}

struct consents {
	int n;
	int64_t last_seq;
	bool ordered;
	size_t ip_len;
	char purposes[8][32];
};

static int collect_consent(void *arg, const struct privd_consent_row *row)
{
	struct consents *c = arg;

	c->ordered = c->ordered && row->seq > c->last_seq;
	c->last_seq = row->seq;
	if (c->n < 8)
		snprintf(c->purposes[c->n], 32, "%s", row->purpose);
	if (row->ip_ct.len > 0 && c->ip_len == 0 && memcmp(row->ip_ct.data, "\x00\xff\x00", 3) == 0)
		c->ip_len = row->ip_ct.len;
	c->n++;
	return 0;
}

/* Keeps the text columns of the last row walked. */
static int last_text(void *arg, const struct privd_consent_row *row)
{
	struct privd_consent_row *c = arg;

	memcpy(c->text_version, row->text_version, sizeof(c->text_version));
	memcpy(c->text_language, row->text_language, sizeof(c->text_language));
	memcpy(c->text_sha256, row->text_sha256, sizeof(c->text_sha256));
	return 0;
}

static void test_consents(void **state)
{
	struct privd_subject_row r;
	struct privd_consent_row c;
	struct privd_consent_state s;
	struct consents got = {.ordered = true};
	int64_t seq1;

	(void)state;
	subject_init(&r, "csub", "", "");
	assert_int_equal(privd_repo_subject_insert(g_db, &r, NULL), PRIVD_OK);
	consent_init(&c, "csub", "processing", true, 100);
	blob_set(&c.ip_ct, "\x00\xff\x00", 3);
	assert_int_equal(privd_repo_consent_append(g_db, &c), PRIVD_OK);
	privd_blob_clear(&c.ip_ct);
	seq1 = c.seq;
	assert_true(seq1 > 0);
	consent_init(&c, "csub", "cookies.analytics", true, 200);
	assert_int_equal(privd_repo_consent_append(g_db, &c), PRIVD_OK);
	assert_true(c.seq > seq1);
	consent_init(&c, "other", "processing", true, 250);
	assert_int_equal(privd_repo_consent_append(g_db, &c), PRIVD_OK);
	consent_init(&c, "csub", "cookies.analytics", false, 300);
	assert_int_equal(privd_repo_consent_append(g_db, &c), PRIVD_OK);
	consent_init(&c, "csub", "unknown_purpose", true, 400);
	assert_int_equal(privd_repo_consent_append(g_db, &c), PRIVD_OK);

	assert_int_equal(privd_repo_consent_list(g_db, "csub", collect_consent, &got), PRIVD_OK);
	assert_int_equal(got.n, 4);
	assert_true(got.ordered);
	assert_int_equal(got.ip_len, 3);
	assert_string_equal(got.purposes[0], "processing");
	assert_string_equal(got.purposes[2], "cookies.analytics");

	assert_int_equal(privd_repo_consent_state(g_db, "csub", &s), PRIVD_OK);
	assert_int_equal(s.status, PRIVD_SUBJECT_ACTIVE);
	assert_true(s.purpose[PRIVD_PURPOSE_PROCESSING].recorded);
	assert_true(s.purpose[PRIVD_PURPOSE_PROCESSING].granted);
	assert_int_equal(s.purpose[PRIVD_PURPOSE_PROCESSING].since_ms, 100);
	assert_string_equal(s.purpose[PRIVD_PURPOSE_PROCESSING].policy_version, "v100");
	assert_true(s.purpose[PRIVD_PURPOSE_COOKIES_ANALYTICS].recorded);
	assert_false(s.purpose[PRIVD_PURPOSE_COOKIES_ANALYTICS].granted);
	assert_int_equal(s.purpose[PRIVD_PURPOSE_COOKIES_ANALYTICS].since_ms, 300);
	assert_false(s.purpose[PRIVD_PURPOSE_COOKIES_MARKETING].recorded);
	assert_string_equal(s.purpose[PRIVD_PURPOSE_PROCESSING].text_version, "");
	assert_int_equal(privd_repo_consent_state(g_db, "other", &s), PRIVD_ERR_NOT_FOUND);

	/* a grant that names its consent text keeps the version, the language and the SHA-256 (migration 5) */
	consent_init(&c, "csub", "third_party_transfer", true, 450);
	snprintf(c.text_version, sizeof(c.text_version), "t1");
	snprintf(c.text_language, sizeof(c.text_language), "en");
	snprintf(c.text_sha256, sizeof(c.text_sha256), "%064d", 7);
	assert_int_equal(privd_repo_consent_append_all(g_db, &c, 1), PRIVD_OK);
	assert_int_equal(privd_repo_consent_state(g_db, "csub", &s), PRIVD_OK);
	assert_string_equal(s.purpose[PRIVD_PURPOSE_THIRD_PARTY_TRANSFER].text_version, "t1");
	assert_int_equal(s.purpose[PRIVD_PURPOSE_THIRD_PARTY_TRANSFER].text_language, PRIVD_LANG_EN);
	memset(&c, 0, sizeof(c));
	assert_int_equal(privd_repo_consent_list(g_db, "csub", last_text, &c), PRIVD_OK);
	assert_string_equal(c.text_version, "t1");
	assert_string_equal(c.text_language, "en");
	assert_int_equal(strlen(c.text_sha256), 64);

	assert_int_equal(privd_repo_subject_set_status(g_db, "csub", PRIVD_SUBJECT_PENDING_GUARDIAN, 500), PRIVD_OK);
	assert_int_equal(privd_repo_consent_state(g_db, "csub", &s), PRIVD_OK);
	assert_int_equal(s.status, PRIVD_SUBJECT_PENDING_GUARDIAN);
}

struct audits {
	int n;
	int64_t seqs[8];
	struct privd_audit_row last;
};

static int collect_audit(void *arg, const struct privd_audit_row *row)
{
	struct audits *a = arg;

	if (a->n < 8)
		a->seqs[a->n] = row->seq;
	a->last = *row;
	a->n++;
	return 0;
}

static void audit_init(struct privd_audit_row *r, int64_t seq, const char *prev)
{
	memset(r, 0, sizeof(*r));
	r->seq = seq;
	r->ts = 1000 + seq;
	snprintf(r->actor, sizeof(r->actor), "apikey:k1");
	snprintf(r->action, sizeof(r->action), "subject.create");
	snprintf(r->object_type, sizeof(r->object_type), "subject");
	snprintf(r->object_id, sizeof(r->object_id), "sub%lld", (long long)seq);
	snprintf(r->detail, sizeof(r->detail), "{\"fields\":[\"email\"]}");
	snprintf(r->prev_hash, sizeof(r->prev_hash), "%s", prev);
	snprintf(r->hash, sizeof(r->hash), "h%lld", (long long)seq);
}

static void test_audit(void **state)
{
	struct privd_audit_row r;
	struct audits a = {0};
	char hash[65];
	int64_t seq = -1;
	int i;

	(void)state;
	assert_int_equal(privd_db_begin(g_db), PRIVD_OK);
	assert_int_equal(privd_repo_audit_head(g_db, &seq, hash), PRIVD_OK);
	assert_int_equal(seq, 0);
	assert_string_equal(hash, "");
	assert_int_equal(privd_db_commit(g_db), PRIVD_OK);
	for (i = 1; i <= 5; i++) {
		char prev[65];

		assert_int_equal(privd_db_begin(g_db), PRIVD_OK);
		assert_int_equal(privd_repo_audit_head(g_db, &seq, prev), PRIVD_OK);
		assert_int_equal(seq, i - 1);
		audit_init(&r, seq + 1, prev);
		assert_int_equal(privd_repo_audit_insert(g_db, &r), PRIVD_OK);
		assert_int_equal(privd_db_commit(g_db), PRIVD_OK);
	}
	assert_int_equal(privd_db_begin(g_db), PRIVD_OK);
	assert_int_equal(privd_repo_audit_head(g_db, &seq, hash), PRIVD_OK);
	assert_int_equal(seq, 5);
	assert_string_equal(hash, "h5");
	audit_init(&r, 5, "h4");
	assert_int_equal(privd_repo_audit_insert(g_db, &r), PRIVD_ERR_CONFLICT);
	assert_int_equal(privd_db_rollback(g_db), PRIVD_OK);

	assert_int_equal(privd_repo_audit_list(g_db, 0, 0, collect_audit, &a), PRIVD_OK);
	assert_int_equal(a.n, 5);
	assert_int_equal(a.seqs[0], 1);
	assert_int_equal(a.seqs[4], 5);
	assert_string_equal(a.last.prev_hash, "h4");
	assert_string_equal(a.last.detail, "{\"fields\":[\"email\"]}");
	assert_string_equal(a.last.actor, "apikey:k1");
	assert_int_equal(a.last.ts, 1005);
	memset(&a, 0, sizeof(a));
	assert_int_equal(privd_repo_audit_list(g_db, 2, 2, collect_audit, &a), PRIVD_OK);
	assert_int_equal(a.n, 2);
	assert_int_equal(a.seqs[0], 3);
	assert_int_equal(a.seqs[1], 4);

	/* several appends in one transaction (a group commit): each sees the one before it, and an append rolled
	 * back to its savepoint is forgotten */
	assert_int_equal(privd_db_begin(g_db), PRIVD_OK);
	assert_int_equal(privd_repo_audit_head(g_db, &seq, hash), PRIVD_OK);
	audit_init(&r, seq + 1, hash);
	assert_int_equal(privd_repo_audit_insert(g_db, &r), PRIVD_OK);
	assert_int_equal(privd_repo_audit_head(g_db, &seq, hash), PRIVD_OK);
	assert_int_equal(seq, 6);
	assert_string_equal(hash, "h6");
	assert_int_equal(privd_db_savepoint(g_db, "sp"), PRIVD_OK);
	audit_init(&r, 7, hash);
	assert_int_equal(privd_repo_audit_insert(g_db, &r), PRIVD_OK);
	assert_int_equal(privd_repo_audit_head(g_db, &seq, hash), PRIVD_OK);
	assert_int_equal(seq, 7);
	assert_int_equal(privd_db_rollback_to(g_db, "sp"), PRIVD_OK);
	assert_int_equal(privd_db_release(g_db, "sp"), PRIVD_OK);
	assert_int_equal(privd_repo_audit_head(g_db, &seq, hash), PRIVD_OK);
	assert_int_equal(seq, 6);
	assert_string_equal(hash, "h6");
	assert_int_equal(privd_db_rollback(g_db), PRIVD_OK);
	assert_int_equal(privd_repo_audit_head(g_db, &seq, hash), PRIVD_OK);
	assert_int_equal(seq, 5);
}

/* Within one transaction (a group commit) the head is read, and on PostgreSQL locked, once: later appends take it
 * from what the audit repository remembered, so an entry written behind the repository's back goes unseen until
 * the next transaction reads the head again. */
static void test_audit_head_read_once_per_transaction(void **state)
{
	char hash[65];
	int64_t seq = -1;

	(void)state;
	assert_int_equal(privd_db_begin(g_db), PRIVD_OK);
	assert_int_equal(privd_repo_audit_head(g_db, &seq, hash), PRIVD_OK);
	assert_int_equal(seq, 5);
	assert_string_equal(hash, "h5");
	assert_int_equal(privd_db_exec(g_db,
	                               "INSERT INTO audit(seq, ts, actor, action, object_type, object_id, detail,"
	                               " prev_hash, hash) VALUES (6, 1006, 'cli', 'x', 'x', 'x', '{}', 'h5', 'h6')",
	                               NULL),
	                 PRIVD_OK);
	assert_int_equal(privd_repo_audit_head(g_db, &seq, hash), PRIVD_OK);
	assert_int_equal(seq, 5); /* remembered, not read again */
	assert_int_equal(privd_db_commit(g_db), PRIVD_OK);
	assert_int_equal(privd_db_begin(g_db), PRIVD_OK);
	assert_int_equal(privd_repo_audit_head(g_db, &seq, hash), PRIVD_OK);
	assert_int_equal(seq, 6);
	assert_string_equal(hash, "h6");
	assert_int_equal(privd_db_rollback(g_db), PRIVD_OK);
	/* outside a transaction nothing is remembered: a reader always reads the head */
	assert_int_equal(privd_repo_audit_head(g_db, &seq, hash), PRIVD_OK);
	assert_int_equal(seq, 6);
}

static void test_audit_canonical(void **state)
{
	struct privd_audit_row r, r2;
	uint8_t a[1024], b[1024];
	size_t la, lb;

	(void)state;
	audit_init(&r, 7, "prev");
	la = privd_audit_canonical(&r, a, sizeof(a));
	assert_true(la > 0);
	/* seq: 4-byte length 8, then the value big-endian */
	assert_memory_equal(a, "\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00\x00\x07", 12);
	/* hash is not part of it */
	r2 = r;
	snprintf(r2.hash, sizeof(r2.hash), "other");
	lb = privd_audit_canonical(&r2, b, sizeof(b));
	assert_int_equal(la, lb);
	assert_memory_equal(a, b, la);
	/* moving a byte between fields changes the bytes (length prefixes) */
	snprintf(r2.actor, sizeof(r2.actor), "apikey:k");
	snprintf(r2.action, sizeof(r2.action), "1subject.create");
	lb = privd_audit_canonical(&r2, b, sizeof(b));
	assert_int_equal(la, lb);
	assert_memory_not_equal(a, b, la);
	/* the largest row fits in 1024 */
	memset(&r2, 'x', sizeof(r2));
	r2.actor[sizeof(r2.actor) - 1] = r2.action[sizeof(r2.action) - 1] = '\0';
	r2.object_type[sizeof(r2.object_type) - 1] = r2.object_id[sizeof(r2.object_id) - 1] = '\0';
	r2.detail[sizeof(r2.detail) - 1] = r2.prev_hash[sizeof(r2.prev_hash) - 1] = '\0';
	assert_true(privd_audit_canonical(&r2, b, sizeof(b)) > 0);
	assert_int_equal(privd_audit_canonical(&r, a, 20), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_migrate_idempotent),
	    cmocka_unit_test(test_keystore),
	    cmocka_unit_test(test_master_keys),
	    cmocka_unit_test(test_apikeys),
	    cmocka_unit_test(test_policies),
	    cmocka_unit_test(test_consent_texts),
	    cmocka_unit_test(test_subjects),
	    cmocka_unit_test(test_consents),
	    cmocka_unit_test(test_audit),
	    cmocka_unit_test(test_audit_head_read_once_per_transaction),
	    cmocka_unit_test(test_audit_canonical),
	};
	STORE_RUN_BOTH_MIGRATED(tests);
}
