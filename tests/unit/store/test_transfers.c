/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_transfers.c - the repositories of migration 12 on both engines: recipients in versions (the newest current,
 * every one kept, a version taken twice refused), transfers, their deliveries as a queue (claimed once, leased,
 * released, outcomes only while queued, the people still to send kept on a retry), the append-only disclosure log
 * with its tally, the population of an aggregate export with each subject's consent state, and the keystore in
 * subject order without message keys.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "store/repo.h"
#include "store_test.h"

static void recipient(struct privd_recipient_row *r, const char *id, int version, bool active)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->id, sizeof(r->id), "%s", id);
	r->version = version;
	snprintf(r->name, sizeof(r->name), "Partner %d", version);
	snprintf(r->purpose, sizeof(r->purpose), "delivery");
	snprintf(r->country, sizeof(r->country), "KZ");
	snprintf(r->endpoint, sizeof(r->endpoint), "https://partner.example/in");
	snprintf(r->public_key, sizeof(r->public_key), "key");
	snprintf(r->confidentiality_ref, sizeof(r->confidentiality_ref), "NDA");
	r->fields_allowed = (1u << PRIVD_TFIELD_NAME) | (1u << PRIVD_TFIELD_EMAIL);
	r->cross_border = true;
	snprintf(r->notice_ref, sizeof(r->notice_ref), "RKN-1");
	snprintf(r->notice_filed_on, sizeof(r->notice_filed_on), "2026-01-15");
	r->adequate_protection = false;
	r->active = active;
	snprintf(r->actor, sizeof(r->actor), "cli");
	r->changed_at = 1000 + version;
	r->created_at = 1000;
}

struct seen {
	int versions[8];
	char names[8][256];
	size_t n;
};

static int see_recipient(void *arg, const struct privd_recipient_row *r)
{
	struct seen *s = arg;

	s->versions[s->n] = r->version;
	snprintf(s->names[s->n++], 256, "%s", r->name);
	return 0;
}

static void test_recipients(void **state)
{
	struct privd_recipient_row r, got;
	struct seen s = {0};

	(void)state;
	recipient(&r, "r1", 1, true);
	assert_int_equal(privd_repo_recipient_insert(g_db, &r), PRIVD_OK);
	assert_int_equal(privd_repo_recipient_insert(g_db, &r), PRIVD_ERR_CONFLICT); /* version 1 again */
	recipient(&r, "r1", 2, false);
	assert_int_equal(privd_repo_recipient_insert(g_db, &r), PRIVD_OK);
	recipient(&r, "r2", 1, true);
	assert_int_equal(privd_repo_recipient_insert(g_db, &r), PRIVD_OK);

	assert_int_equal(privd_repo_recipient_get(g_db, "r1", 0, &got), PRIVD_OK);
	assert_int_equal(got.version, 2);
	assert_false(got.active);
	assert_int_equal(got.fields_allowed, r.fields_allowed);
	assert_true(got.cross_border);
	assert_string_equal(got.notice_filed_on, "2026-01-15");
	assert_int_equal(got.created_at, 1000);
	assert_int_equal(privd_repo_recipient_get(g_db, "r1", 1, &got), PRIVD_OK);
	assert_true(got.active);
	assert_int_equal(privd_repo_recipient_get(g_db, "r1", 3, &got), PRIVD_ERR_NOT_FOUND);
	assert_int_equal(privd_repo_recipient_get(g_db, "nobody", 0, &got), PRIVD_ERR_NOT_FOUND);

	assert_int_equal(privd_repo_recipient_list(g_db, NULL, see_recipient, &s), PRIVD_OK);
	assert_int_equal(s.n, 2); /* the current version of each */
	memset(&s, 0, sizeof(s));
	assert_int_equal(privd_repo_recipient_list(g_db, "r1", see_recipient, &s), PRIVD_OK);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.versions[0], 1);
	assert_int_equal(s.versions[1], 2);
}

struct claimed {
	char ids[8][33];
	char subjects[8][128];
	int attempts[8];
	size_t n;
};

static int see_batch(void *arg, const struct privd_batch_row *b)
{
	struct claimed *c = arg;

	snprintf(c->ids[c->n], 33, "%s", b->id);
	snprintf(c->subjects[c->n], 128, "%s", b->subject_ids != NULL ? b->subject_ids : "");
	c->attempts[c->n++] = b->attempts;
	return 0;
}

static void test_batches(void **state)
{
	struct privd_transfer_row t, got;
	struct privd_batch_row b[2];
	struct claimed c = {0};
	bool any = false;
	int64_t queued = 0;

	(void)state;
	memset(&t, 0, sizeof(t));
	snprintf(t.id, sizeof(t.id), "t1");
	snprintf(t.recipient_id, sizeof(t.recipient_id), "r1");
	t.recipient_version = 1;
	t.basis = PRIVD_BASIS_COURT_DECISION;
	snprintf(t.reference, sizeof(t.reference), "case 2-1/2026");
	t.fields = 1u << PRIVD_TFIELD_EMAIL;
	t.requested = 3;
	t.refused = 1;
	snprintf(t.actor, sizeof(t.actor), "cli");
	t.created_at = 2000;
	assert_int_equal(privd_repo_transfer_insert(g_db, &t), PRIVD_OK);
	assert_int_equal(privd_repo_transfer_get(g_db, "t1", &got), PRIVD_OK);
	assert_int_equal(got.basis, PRIVD_BASIS_COURT_DECISION);
	assert_string_equal(got.reference, "case 2-1/2026");
	assert_int_equal(got.fields, t.fields);
	assert_int_equal(privd_repo_transfer_get(g_db, "t2", &got), PRIVD_ERR_NOT_FOUND);

	memset(b, 0, sizeof(b));
	for (int i = 0; i < 2; i++) {
		snprintf(b[i].id, sizeof(b[i].id), "b%d", i + 1);
		snprintf(b[i].transfer_id, sizeof(b[i].transfer_id), "t1");
		b[i].seq = i + 1;
		b[i].status = PRIVD_NOTICE_QUEUED;
		b[i].subjects = 2;
		b[i].subject_ids = i == 0 ? "s1,s2" : "s3,s4";
		b[i].created_at = 2000;
	}
	assert_int_equal(privd_repo_batch_insert_many(g_db, b, 2), PRIVD_OK);
	assert_int_equal(privd_repo_batch_queued(g_db, &queued), PRIVD_OK);
	assert_int_equal(queued, 2);
	assert_int_equal(privd_repo_batch_any_due(g_db, 3000, &any), PRIVD_OK);
	assert_true(any);

	/* claimed once: leased until 5000, nothing else due before then */
	assert_int_equal(privd_db_begin(g_db), PRIVD_OK);
	assert_int_equal(privd_repo_batch_claim(g_db, 3000, 5000, 1, see_batch, &c), PRIVD_OK);
	assert_int_equal(privd_db_commit(g_db), PRIVD_OK);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.subjects[0], c.ids[0][1] == '1' ? "s1,s2" : "s3,s4");
	assert_int_equal(privd_db_begin(g_db), PRIVD_OK);
	assert_int_equal(privd_repo_batch_claim(g_db, 3000, 5000, 8, see_batch, &c), PRIVD_OK);
	assert_int_equal(privd_db_commit(g_db), PRIVD_OK);
	assert_int_equal(c.n, 2); /* the other one only */
	assert_string_not_equal(c.ids[0], c.ids[1]);
	assert_int_equal(privd_repo_batch_any_due(g_db, 4000, &any), PRIVD_OK);
	assert_false(any);

	/* a retry keeps the people still to send; a release frees at once */
	assert_int_equal(
	    privd_repo_batch_outcome(g_db, "b1", PRIVD_NOTICE_QUEUED, 4000, 9000, "recipient http 503", "s2"),
	    PRIVD_OK);
	assert_int_equal(privd_repo_batch_lease(g_db, "b2", 0), PRIVD_OK);
	memset(&c, 0, sizeof(c));
	assert_int_equal(privd_repo_batch_claim(g_db, 4000, 20000, 8, see_batch, &c), PRIVD_OK);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.ids[0], "b2");
	memset(&c, 0, sizeof(c));
	assert_int_equal(privd_repo_batch_claim(g_db, 9000, 12000, 8, see_batch, &c), PRIVD_OK);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.ids[0], "b1");
	assert_string_equal(c.subjects[0], "s2");
	assert_int_equal(c.attempts[0], 1);

	/* final outcomes empty the list; a second outcome finds it no longer queued */
	assert_int_equal(privd_repo_batch_outcome(g_db, "b1", PRIVD_NOTICE_SENT, 9500, 0, NULL, NULL), PRIVD_OK);
	assert_int_equal(privd_repo_batch_outcome(g_db, "b1", PRIVD_NOTICE_FAILED, 9600, 0, "x", NULL),
	                 PRIVD_ERR_NOT_FOUND);
	assert_int_equal(privd_repo_batch_outcome(g_db, "b2", PRIVD_NOTICE_FAILED, 9600, 0, "recipient http 400", NULL),
	                 PRIVD_OK);
	memset(&c, 0, sizeof(c));
	assert_int_equal(privd_repo_batch_list(g_db, "t1", see_batch, &c), PRIVD_OK);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.ids[0], "b1");
	assert_string_equal(c.subjects[0], ""); /* lists never carry the people */
	assert_int_equal(privd_repo_batch_queued(g_db, &queued), PRIVD_OK);
	assert_int_equal(queued, 0);
	assert_int_equal(privd_repo_batch_release_all(g_db), PRIVD_OK);
}

struct logged {
	enum privd_disclosure_outcome outcome[8];
	enum privd_refusal reason[8];
	char reference[8][256];
	char recipient_name[8][256];
	size_t n;
};

static int see_disclosure(void *arg, const struct privd_disclosure_row *d, const struct privd_transfer_row *t,
                          const struct privd_recipient_row *r)
{
	struct logged *l = arg;

	l->outcome[l->n] = d->outcome;
	l->reason[l->n] = d->reason;
	snprintf(l->reference[l->n], 256, "%s", t->reference);
	snprintf(l->recipient_name[l->n++], 256, "%s", r->name);
	return 0;
}

static void test_disclosures(void **state)
{
	struct privd_disclosure_row rows[3];
	struct logged l = {0};
	int64_t n[PRIVD_DISCLOSURE_OUTCOME_COUNT], sending = 0;

	(void)state;
	memset(rows, 0, sizeof(rows));
	for (int i = 0; i < 3; i++) {
		snprintf(rows[i].subject_id, sizeof(rows[i].subject_id), i == 2 ? "s9" : "s1");
		snprintf(rows[i].transfer_id, sizeof(rows[i].transfer_id), "t1");
		rows[i].at = 3000 + i;
	}
	snprintf(rows[0].batch_id, sizeof(rows[0].batch_id), "b1");
	rows[0].outcome = PRIVD_DISCLOSURE_QUEUED;
	snprintf(rows[1].batch_id, sizeof(rows[1].batch_id), "b1");
	rows[1].outcome = PRIVD_DISCLOSURE_REFUSED;
	rows[1].reason = PRIVD_REFUSAL_NO_CONSENT;
	rows[2].outcome = PRIVD_DISCLOSURE_REFUSED; /* refused when filed: no batch */
	rows[2].reason = PRIVD_REFUSAL_REVOKED;
	assert_int_equal(privd_repo_disclosure_append(g_db, rows, 3), PRIVD_OK);

	/* joined with the transfer and the recipient's version it went to (version 1 of r1) */
	assert_int_equal(privd_repo_disclosure_list(g_db, "s1", 0, 0, see_disclosure, &l), PRIVD_OK);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.outcome[0], PRIVD_DISCLOSURE_QUEUED);
	assert_int_equal(l.reason[0], PRIVD_REFUSAL_NONE);
	assert_int_equal(l.outcome[1], PRIVD_DISCLOSURE_REFUSED);
	assert_int_equal(l.reason[1], PRIVD_REFUSAL_NO_CONSENT);
	assert_string_equal(l.reference[0], "case 2-1/2026");
	assert_string_equal(l.recipient_name[0], "Partner 1");
	/* a page: after the first entry, one at most */
	memset(&l, 0, sizeof(l));
	assert_int_equal(privd_repo_disclosure_list(g_db, "s1", 1, 1, see_disclosure, &l), PRIVD_OK);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.outcome[0], PRIVD_DISCLOSURE_REFUSED);
	assert_int_equal(privd_repo_disclosure_tally(g_db, "t1", n, &sending), PRIVD_OK);
	assert_int_equal(n[PRIVD_DISCLOSURE_QUEUED], 1);
	assert_int_equal(n[PRIVD_DISCLOSURE_REFUSED], 2);
	assert_int_equal(sending, 1);
}

struct population {
	char ids[16][33];
	bool processing[16], marketing[16];
	size_t birth_len[16];
	size_t n;
};

static int see_member(void *arg, const struct privd_population_row *row, const struct privd_consent_state *st)
{
	struct population *p = arg;
	struct privd_consent_answer a;

	snprintf(p->ids[p->n], 33, "%s", row->subject_id);
	privd_consent_state_answer(st, PRIVD_PURPOSE_PROCESSING, NULL, NULL, &a);
	p->processing[p->n] = a.granted;
	privd_consent_state_answer(st, PRIVD_PURPOSE_COOKIES_MARKETING, NULL, NULL, &a);
	p->marketing[p->n] = a.granted;
	p->birth_len[p->n++] = row->birth_date_ct.len;
	return 0;
}

static void consent(const char *id, const char *purpose, bool granted, int64_t at)
{
	struct privd_consent_row c;

	memset(&c, 0, sizeof(c));
	snprintf(c.subject_id, sizeof(c.subject_id), "%s", id);
	snprintf(c.purpose, sizeof(c.purpose), "%s", purpose);
	c.granted = granted;
	snprintf(c.policy_version, sizeof(c.policy_version), "1");
	snprintf(c.source, sizeof(c.source), "api");
	c.created_at = at;
	assert_int_equal(privd_repo_consent_append(g_db, &c), PRIVD_OK);
}

static void test_population(void **state)
{
	static const char *const ids[] = {"p1", "p2", "p3"};
	static const enum privd_purpose purposes[] = {PRIVD_PURPOSE_PROCESSING, PRIVD_PURPOSE_COOKIES_MARKETING};
	struct population p = {0};
	struct privd_subject_row r;
	uint8_t birth[50] = {1};

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		memset(&r, 0, sizeof(r));
		snprintf(r.id, sizeof(r.id), "%s", ids[i]);
		r.status = i == 2 ? PRIVD_SUBJECT_ERASED : PRIVD_SUBJECT_ACTIVE;
		snprintf(r.residence_country, sizeof(r.residence_country), "RU");
		if (i == 0)
			r.birth_date_ct = (struct privd_blob){birth, sizeof(birth)};
		r.created_at = r.updated_at = 4000;
		assert_int_equal(privd_repo_subject_insert(g_db, &r, NULL), PRIVD_OK);
	}
	consent("p1", "processing", true, 4000);
	consent("p1", "cookies.marketing", true, 4001);
	consent("p2", "processing", true, 4000);
	consent("p2", "cookies.marketing", true, 4001);
	consent("p2", "cookies.marketing", false, 4002); /* the newest record wins */
	consent("p2", "cookies.analytics", true, 4003);  /* a purpose not asked for is not read */
	assert_int_equal(privd_repo_population(g_db, purposes, 2, NULL, NULL, see_member, &p), PRIVD_OK);
	assert_int_equal(p.n, 2); /* p3 is erased */
	assert_string_equal(p.ids[0], "p1");
	assert_true(p.processing[0] && p.marketing[0]);
	assert_int_equal(p.birth_len[0], sizeof(birth));
	assert_string_equal(p.ids[1], "p2");
	assert_true(p.processing[1]);
	assert_false(p.marketing[1]);
	assert_int_equal(p.birth_len[1], 0);
}

/* The ranges of cuts: each subject read once, in id order, whatever the cuts. */
static size_t read_in_ranges(const char (*cut)[33], size_t ncut, struct population *all)
{
	static const enum privd_purpose purposes[] = {PRIVD_PURPOSE_PROCESSING};
	struct population p;

	memset(all, 0, sizeof(*all));
	for (size_t i = 0; i <= ncut; i++) {
		memset(&p, 0, sizeof(p));
		assert_int_equal(privd_repo_population(g_db, purposes, 1, i > 0 ? cut[i - 1] : NULL,
		                                       i < ncut ? cut[i] : NULL, see_member, &p),
		                 PRIVD_OK);
		assert_true(p.n > 0); /* no empty range */
		for (size_t j = 0; j < p.n; j++) {
			assert_true(all->n < 16);
			assert_true(all->n == 0 || strcmp(all->ids[all->n - 1], p.ids[j]) < 0);
			snprintf(all->ids[all->n++], 33, "%s", p.ids[j]);
		}
	}
	return all->n;
}

/* A range of ids reads the subjects in it only; the cuts split the subjects into ranges of about as many each, and
 * into none for few subjects. */
static void test_population_ranges(void **state)
{
	static const enum privd_purpose purposes[] = {PRIVD_PURPOSE_PROCESSING};
	char cut[3][33];
	size_t ncut = 9, whole;
	struct privd_subject_row r;
	struct population p, all;

	(void)state;
	for (int i = 0; i < 10; i++) {
		memset(&r, 0, sizeof(r));
		snprintf(r.id, sizeof(r.id), "s%02d", i);
		r.status = i == 4 ? PRIVD_SUBJECT_ERASED : PRIVD_SUBJECT_ACTIVE;
		snprintf(r.residence_country, sizeof(r.residence_country), "RU");
		r.created_at = r.updated_at = 4000;
		assert_int_equal(privd_repo_subject_insert(g_db, &r, NULL), PRIVD_OK);
		consent(r.id, "processing", true, 4000);
	}
	memset(&p, 0, sizeof(p));
	assert_int_equal(privd_repo_population(g_db, purposes, 1, "s03", "s06", see_member, &p), PRIVD_OK);
	assert_int_equal(p.n, 2); /* s03 and s05: s04 is erased */
	assert_string_equal(p.ids[0], "s03");
	assert_string_equal(p.ids[1], "s05");
	assert_true(p.processing[0] && p.processing[1]);
	memset(&p, 0, sizeof(p));
	assert_int_equal(privd_repo_population(g_db, purposes, 1, "s06", NULL, see_member, &p), PRIVD_OK);
	assert_int_equal(p.n, 4);
	assert_string_equal(p.ids[0], "s06");
	assert_string_equal(p.ids[3], "s09");

	whole = read_in_ranges(NULL, 0, &all);
	assert_true(whole >= 9 && whole < 16); /* with the subjects of the tests before */
	assert_int_equal(privd_repo_subject_cuts(g_db, 4, 1000, cut, &ncut), PRIVD_OK);
	assert_int_equal(ncut, 0); /* too few for two ranges */
	assert_int_equal(privd_repo_subject_cuts(g_db, 2, 1, cut, &ncut), PRIVD_OK);
	assert_int_equal(ncut, 1);
	assert_int_equal(read_in_ranges((const char(*)[33])cut, ncut, &p), whole);
	assert_int_equal(privd_repo_subject_cuts(g_db, 4, 3, cut, &ncut), PRIVD_OK);
	assert_int_equal(ncut, 3); /* with test_population's three, 13 subjects: four ranges of at least 3 */
	assert_true(strcmp(cut[0], cut[1]) < 0 && strcmp(cut[1], cut[2]) < 0);
	assert_int_equal(read_in_ranges((const char(*)[33])cut, ncut, &p), whole);
	assert_memory_equal(p.ids, all.ids, whole * sizeof(all.ids[0]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_recipients),        cmocka_unit_test(test_batches),
	    cmocka_unit_test(test_disclosures),       cmocka_unit_test(test_population),
	    cmocka_unit_test(test_population_ranges),
	};
	STORE_RUN_BOTH_MIGRATED(tests);
}
