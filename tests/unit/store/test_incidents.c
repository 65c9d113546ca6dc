/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_incidents.c - the incidents' repositories on SQLite and PostgreSQL: the incident and its texts, the
 * investigation's texts changed only from the state they were read in, each report recorded once, the list's
 * cursor; the check of the ids an incident lists (a hundred to a statement, erased subjects among them); and a
 * fan-out's rows and keys many to a statement (hundreds of parameters), its keys read back many to a statement,
 * its tally by channel and status, and what an erasure overtook.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "store/repo.h"
#include "store_test.h"

static int64_t count(const char *sql, const char *a)
{
	struct privd_stmt *st = NULL;
	int64_t v;

	assert_int_equal(privd_db_prepare(g_db, sql, &st), PRIVD_OK);
	if (a != NULL)
		assert_int_equal(privd_stmt_bind_text(st, 1, a), PRIVD_OK);
	assert_int_equal(privd_stmt_step(st), PRIVD_DB_ROW);
	v = privd_stmt_col_int64(st, 0);
	privd_stmt_finalize(st);
	return v;
}

static void subject(const char *id, int64_t created_at, const char *country, bool email, bool phone)
{
	struct privd_subject_row r;
	uint8_t ct[8] = {1, 2, 3, 4, 5, 6, 7, 8};

	memset(&r, 0, sizeof(r));
	snprintf(r.id, sizeof(r.id), "%s", id);
	r.status = PRIVD_SUBJECT_ACTIVE;
	snprintf(r.residence_country, sizeof(r.residence_country), "%s", country);
	if (email) {
		snprintf(r.email_bidx, sizeof(r.email_bidx), "e-%s", id);
		r.email_ct = (struct privd_blob){ct, sizeof(ct)};
	}
	if (phone) {
		snprintf(r.phone_bidx, sizeof(r.phone_bidx), "p-%s", id);
		r.phone_ct = (struct privd_blob){ct, 4};
	}
	r.created_at = r.updated_at = created_at;
	assert_int_equal(privd_repo_subject_insert(g_db, &r, NULL), PRIVD_OK);
}

/* A 32-character id from n, ordered as n is. */
static void id_of(int n, char out[33])
{
	snprintf(out, 33, "%032x", n);
}

static void test_incident_roundtrip(void **state)
{
	struct privd_incident_row row, got;
	char desc[] = "Утечка", causes[] = "ошибка";
	int64_t last = -1;

	(void)state;
	memset(&row, 0, sizeof(row));
	snprintf(row.id, sizeof(row.id), "%s", "a0000000000000000000000000000001");
	row.detected_at = 1000;
	row.created_at = row.updated_at = 5000;
	row.description = desc;
	row.categories = PRIVD_DESTROYED_EMAIL | PRIVD_DESTROYED_IP;
	row.scope = PRIVD_SCOPE_REGISTERED;
	row.registered_from = 10;
	row.registered_to = 20;
	row.causes = causes;
	row.affected = 7;
	row.affected_eu = 2;
	assert_int_equal(privd_repo_incident_insert(g_db, &row), PRIVD_OK);
	assert_int_equal(privd_repo_incident_insert(g_db, &row), PRIVD_ERR_CONFLICT);
	assert_int_equal(privd_repo_incident_get(g_db, row.id, &got), PRIVD_OK);
	assert_string_equal(got.description, desc);
	assert_string_equal(got.causes, causes);
	assert_null(got.harm);
	assert_null(got.responsible);
	assert_int_equal(got.categories, row.categories);
	assert_int_equal(got.scope, PRIVD_SCOPE_REGISTERED);
	assert_int_equal(got.registered_to, 20);
	assert_int_equal(got.affected, 7);
	assert_int_equal(got.affected_eu, 2);
	assert_int_equal(got.reported_at[PRIVD_REPORT_INITIAL], 0);
	assert_string_equal(got.reference[PRIVD_REPORT_FOLLOWUP], "");
	/* the texts change from the state they were read in, once */
	free(got.causes);
	got.causes = NULL;
	got.harm = strdup("вред");
	got.updated_at = 6000;
	assert_int_equal(privd_repo_incident_update(g_db, &got, 5000), PRIVD_OK);
	assert_int_equal(privd_repo_incident_update(g_db, &got, 5000), PRIVD_ERR_CONFLICT);
	privd_incident_row_clear(&got);
	assert_int_equal(privd_repo_incident_get(g_db, row.id, &got), PRIVD_OK);
	assert_null(got.causes);
	assert_string_equal(got.harm, "вред");
	assert_int_equal(got.updated_at, 6000);
	privd_incident_row_clear(&got);
	/* each report once */
	assert_int_equal(privd_repo_incident_report(g_db, row.id, PRIVD_REPORT_INITIAL, 3000, "N-1", 7000), PRIVD_OK);
	assert_int_equal(privd_repo_incident_report(g_db, row.id, PRIVD_REPORT_INITIAL, 3001, "N-2", 7001),
	                 PRIVD_ERR_CONFLICT);
	assert_int_equal(
	    privd_repo_incident_report(g_db, "b0000000000000000000000000000001", PRIVD_REPORT_INITIAL, 1, "x", 1),
	    PRIVD_ERR_NOT_FOUND);
	assert_int_equal(privd_repo_incident_get(g_db, row.id, &got), PRIVD_OK);
	assert_int_equal(got.reported_at[PRIVD_REPORT_INITIAL], 3000);
	assert_string_equal(got.reference[PRIVD_REPORT_INITIAL], "N-1");
	assert_int_equal(got.reported_at[PRIVD_REPORT_FOLLOWUP], 0);
	privd_incident_row_clear(&got);
	assert_int_equal(privd_repo_incident_get(g_db, "b0000000000000000000000000000001", &got), PRIVD_ERR_NOT_FOUND);
	assert_int_equal(privd_repo_incident_last_created(g_db, &last), PRIVD_OK);
	assert_int_equal(last, 5000);
}

struct seen {
	char ids[8][33];
	size_t n;
	bool texts;
};

static int seen_one(void *arg, const struct privd_incident_row *row)
{
	struct seen *s = arg;

	memcpy(s->ids[s->n++], row->id, 33);
	s->texts |= row->description != NULL;
	return 0;
}

static void test_incident_list(void **state)
{
	struct privd_incident_row row;
	struct seen s = {0};
	char desc[] = "x";

	(void)state;
	for (int i = 0; i < 3; i++) {
		memset(&row, 0, sizeof(row));
		snprintf(row.id, sizeof(row.id), "c00000000000000000000000000000%02d", i);
		row.created_at = row.updated_at = 10000 + i;
		row.description = desc;
		row.categories = PRIVD_DESTROYED_NAME;
		assert_int_equal(privd_repo_incident_insert(g_db, &row), PRIVD_OK);
	}
	assert_int_equal(privd_repo_incident_list(g_db, 9999, 2, seen_one, &s), PRIVD_OK);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.ids[0], "c0000000000000000000000000000000");
	assert_string_equal(s.ids[1], "c0000000000000000000000000000001");
	assert_int_equal(privd_repo_incident_list(g_db, 10001, 2, seen_one, &s), PRIVD_OK);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.ids[2], "c0000000000000000000000000000002");
	assert_false(s.texts);
}

struct seen_ids {
	char ids[8][33];
	size_t n;
};

static int id_seen(void *arg, const char *id)
{
	struct seen_ids *k = arg;

	if (k->n < 8)
		snprintf(k->ids[k->n], sizeof(k->ids[0]), "%s", id);
	k->n++;
	return 0;
}

/* The ids an operator lists are checked a hundred to a statement; an erased subject is still one. */
static void test_ids_known(void **state)
{
	char ids[250][33];
	const char *list[251];
	struct seen_ids k = {0};

	(void)state;
	for (int i = 0; i < 250; i++) {
		id_of(0x5000 + i, ids[i]);
		subject(ids[i], 100000 + i, i % 10 == 0 ? "DE" : "RU", i % 3 != 0, i % 3 != 1);
		list[i] = ids[i];
	}
	assert_int_equal(privd_repo_subject_erase(g_db, ids[7], 200000), PRIVD_OK);
	list[250] = "f0000000000000000000000000000000"; /* nobody's */
	assert_int_equal(privd_repo_subject_ids_known(g_db, list, 251, id_seen, &k), PRIVD_OK);
	assert_int_equal(k.n, 250);
	assert_string_equal(k.ids[0], ids[0]);
	assert_string_equal(k.ids[7], ids[7]);
}

static int count_id(void *arg, const char *id)
{
	(void)id;
	(*(int *)arg)++;
	return 0;
}

struct keys_seen {
	size_t n;
	char last[40];
	bool ordered, intact;
};

static int key_seen(void *arg, const char *id, const uint8_t *wrapped, size_t len, const char *kid)
{
	struct keys_seen *k = arg;

	k->ordered &= strcmp(k->last, id) < 0;
	k->intact &= len == 72 && wrapped[0] == 9 && strcmp(kid, "aaaaaaaaaaaaaaaa") == 0;
	snprintf(k->last, sizeof(k->last), "%s", id);
	k->n++;
	return 0;
}

/* A fan-out's 300 notices and keys, 64 to a statement on PostgreSQL; the keys read back 100 to a statement. */
static void test_fanout_rows(void **state)
{
	struct privd_notification_row *rows = calloc(300, sizeof(*rows));
	const struct privd_notification_row *row_p[300];
	const char *key_ids_p[300];
	const uint8_t *key_bytes[300];
	char key_ids[300][40], sid[33];
	uint8_t wrapped[72] = {9};
	uint8_t ct[3] = {1, 2, 3};
	int none = 0;

	(void)state;
	assert_non_null(rows);
	id_of(0x7000, sid);
	subject(sid, 1, "RU", true, true);
	for (int i = 0; i < 300; i++) {
		id_of(0x9000 + i, rows[i].id);
		memcpy(rows[i].subject_id, sid, sizeof(sid));
		rows[i].kind = PRIVD_NOTICE_INCIDENT;
		snprintf(rows[i].channel, sizeof(rows[i].channel), "%s", i % 4 == 0 ? "sms" : "email");
		rows[i].status = i < 10 ? PRIVD_NOTICE_SENT : PRIVD_NOTICE_QUEUED;
		rows[i].sent_at = i < 10 ? 500 + i : 0;
		rows[i].recipient_ct = rows[i].body_ct = (struct privd_blob){ct, sizeof(ct)};
		rows[i].created_at = 400;
		snprintf(rows[i].ref, sizeof(rows[i].ref), "incident:x");
		snprintf(key_ids[i], sizeof(key_ids[i]), "msg:%s", rows[i].id);
		key_ids_p[i] = key_ids[i];
		key_bytes[i] = wrapped;
	}
	for (int i = 0; i < 300; i++)
		row_p[i] = &rows[i];
	assert_int_equal(privd_repo_notification_insert_each(g_db, row_p, 300), PRIVD_OK);
	assert_int_equal(
	    privd_repo_key_put_many(g_ks, key_ids_p, key_bytes, sizeof(wrapped), 300, 400, "aaaaaaaaaaaaaaaa"),
	    PRIVD_OK);
	{
		const char *ids[302];
		struct keys_seen k = {0, "", true, true};

		ids[0] = "msg:0";
		for (int i = 0; i < 300; i++)
			ids[i + 1] = key_ids[i];
		ids[301] = "msg:zzz"; /* no such keys: passed over */
		assert_int_equal(privd_repo_key_get_many(g_ks, ids, 302, key_seen, &k), PRIVD_OK);
		assert_int_equal(k.n, 300);
		assert_true(k.ordered);
		assert_true(k.intact);
	}
	assert_int_equal(count("SELECT COUNT(*) FROM notifications WHERE ref = ?", "incident:x"), 300);
	assert_int_equal(count("SELECT COUNT(*) FROM notifications WHERE ref = ? AND sent_at IS NULL", "incident:x"),
	                 290);
	/* nobody erased: nothing to cancel */
	assert_int_equal(privd_repo_notification_erased(g_db, "incident:x", 0, count_id, &none), PRIVD_OK);
	assert_int_equal(none, 0);
	assert_int_equal(privd_repo_subject_erase(g_db, sid, 900), PRIVD_OK);
	free(rows);
}

struct tally {
	int64_t email_queued, sms_queued, sent, last;
};

static int tally_one(void *arg, const struct privd_notification_tally *t)
{
	struct tally *y = arg;

	if (t->status == PRIVD_NOTICE_QUEUED && strcmp(t->channel, "sms") == 0)
		y->sms_queued += t->count;
	else if (t->status == PRIVD_NOTICE_QUEUED)
		y->email_queued += t->count;
	else if (t->status == PRIVD_NOTICE_SENT)
		y->sent += t->count;
	if (t->last_sent_at > y->last)
		y->last = t->last_sent_at;
	return 0;
}

/* After the subject of test_fanout_rows was erased: an erasure cancels what was queued (the repository's erase),
 * and notification_erased finds what a fan-out wrote after it, for notification_cancel. */
static void test_tally_and_cancel(void **state)
{
	struct privd_notification_row row;
	struct tally y = {0};
	char sid[33];
	uint8_t ct[3] = {1, 2, 3};
	int ids = 0;

	(void)state;
	assert_int_equal(privd_repo_notification_tally(g_db, "incident:x", tally_one, &y), PRIVD_OK);
	assert_int_equal(y.sent, 10);
	assert_int_equal(y.last, 509);
	assert_int_equal(y.email_queued + y.sms_queued, 0); /* cancelled by the erasure */
	/* a notice written after the erasure, as a fan-out prepared before it would */
	id_of(0x7000, sid);
	memset(&row, 0, sizeof(row));
	id_of(0xa000, row.id);
	memcpy(row.subject_id, sid, sizeof(sid));
	row.kind = PRIVD_NOTICE_INCIDENT;
	snprintf(row.channel, sizeof(row.channel), "email");
	row.status = PRIVD_NOTICE_QUEUED;
	row.recipient_ct = row.body_ct = (struct privd_blob){ct, sizeof(ct)};
	row.created_at = 950;
	snprintf(row.ref, sizeof(row.ref), "incident:x");
	assert_int_equal(privd_repo_notification_insert(g_db, &row), PRIVD_OK);
	assert_int_equal(privd_repo_notification_erased(g_db, "incident:x", 901, count_id, &ids), PRIVD_OK);
	assert_int_equal(ids, 0); /* erased before since: not this fan-out's business */
	assert_int_equal(privd_repo_notification_erased(g_db, "incident:x", 800, count_id, &ids), PRIVD_OK);
	assert_int_equal(ids, 1);
	assert_int_equal(privd_repo_notification_cancel(g_db, row.id), PRIVD_OK);
	assert_int_equal(count("SELECT COUNT(*) FROM notifications WHERE ref = ? AND status = 'queued'", "incident:x"),
	                 0);
	assert_int_equal(
	    count("SELECT COUNT(*) FROM notifications WHERE ref = ? AND status = 'cancelled' AND body_ct IS NULL",
	          "incident:x"),
	    291);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_incident_roundtrip), cmocka_unit_test(test_incident_list),
	    cmocka_unit_test(test_ids_known),          cmocka_unit_test(test_fanout_rows),
	    cmocka_unit_test(test_tally_and_cancel),
	};
	STORE_RUN_BOTH_MIGRATED(tests);
}
