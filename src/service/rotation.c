/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * rotation.c - rotating the master key while privd serves, and a serving privd's side of it.
 *
 * An erasure destroys a person's data key, but a copy of the keystore taken before it (a backup, a disk image)
 * still holds it, wrapped under the master key. Rotating the master key and destroying the old one makes every
 * such copy useless: what it holds opens only with a key that no longer exists. The rotation runs in its own
 * process (`privd keys rotate`) beside any number of serving ones, here or on other nodes of one PostgreSQL, and
 * coordinates with them through the keystore alone, in four steps:
 *
 *   1. the new key's file is written into the data directory (or was staged there, and copied to every node);
 *   2. one write job makes it current and the old one retiring (keys.rotate): from then on a node that stores a
 *      key wrapped under the old one is refused by the keystore and wraps it again under the new one, loading the
 *      new file by its name when it first meets it (repo_keys.c says why none slips through);
 *   3. write jobs of a few hundred keys each wrap the old key's data keys again under the new one, so a serving
 *      node waits for the keystore's lock no longer than one small batch;
 *   4. one write job retires the old key, only if no key is left under it (keys.retire), and its file here is
 *      destroyed; every serving process reads the master keys each second (privd_keys_refresh), drops a retired
 *      key from memory and destroys its own copy of the file.
 *
 * Each step is safe to repeat, so a rotation cut short is finished by running it again.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/jsonw.h"
#include "core/log.h"
#include "service/service_int.h"

#define MAX_ROWS 16
#define RETIRE_TRIES 8

/* The master keys as the keystore knows them now, applied to this process's keys. */
struct key_view {
	struct privd_master_key_row rows[MAX_ROWS];
	size_t n;
};

static enum privd_rc view_read(struct privd_service *svc, struct key_view *kv, struct privd_err *err)
{
	struct privd_reader *r = NULL;
	enum privd_rc rc = privd_reader_get(svc, &r);

	kv->n = 0;
	if (rc != PRIVD_OK)
		return privd_err_set(err, rc, "cannot read the keystore");
	rc = privd_vault_keys_sync(svc->vault, r->ks, kv->rows, MAX_ROWS, &kv->n, err);
	privd_reader_put(svc, r, rc == PRIVD_ERR_DB);
	return rc;
}

static const struct privd_master_key_row *view_find(const struct key_view *kv, const char *kid)
{
	for (size_t i = 0; i < kv->n; i++)
		if (strcmp(kv->rows[i].kid, kid) == 0)
			return &kv->rows[i];
	return NULL;
}

void privd_keys_refresh(struct privd_service *svc)
{
	struct key_view kv;
	struct privd_err err = {0};

	enum privd_rc rc = view_read(svc, &kv, &err);

	if (rc != PRIVD_OK)
		privd_log(PRIVD_LOG_ERROR, "keys.refresh_failed", "\"rc\":\"%s\"", privd_rc_str(rc));
}

/* ---- status ---- */

struct status {
	struct key_view kv;
	int64_t counts[MAX_ROWS];
	int64_t legacy; /* keys with no recorded kid: the first master key's */
	struct privd_master_key_info staged[8];
	size_t nstaged;
	bool here[MAX_ROWS];
};

static int count_one(void *arg, const char *kid, int64_t n)
{
	struct status *st = arg;

	if (kid[0] == '\0')
		st->legacy += n;
	for (size_t i = 0; i < st->kv.n; i++)
		if (strcmp(st->kv.rows[i].kid, kid) == 0)
			st->counts[i] += n;
	return 0;
}

static void held_one(void *arg, const char *kid)
{
	struct status *st = arg;

	for (size_t i = 0; i < st->kv.n; i++)
		if (strcmp(st->kv.rows[i].kid, kid) == 0) {
			st->here[i] = true;
			return;
		}
	if (st->nstaged < sizeof(st->staged) / sizeof(st->staged[0])) {
		struct privd_master_key_info *k = &st->staged[st->nstaged++];

		snprintf(k->kid, sizeof(k->kid), "%s", kid);
		k->state = "staged";
		k->here = true;
	}
}

enum privd_rc privd_service_keys_status(struct privd_service *svc,
                                        void (*cb)(void *arg, const struct privd_master_key_info *k), void *arg,
                                        struct privd_err *err)
{
	struct status st;
	struct privd_reader *r = NULL;
	enum privd_rc rc;

	memset(&st, 0, sizeof(st));
	rc = view_read(svc, &st.kv, err);
	if (rc == PRIVD_OK)
		rc = privd_reader_get(svc, &r);
	if (rc == PRIVD_OK)
		rc = privd_repo_key_counts(r->ks, count_one, &st);
	privd_reader_put(svc, r, rc == PRIVD_ERR_DB);
	if (rc != PRIVD_OK)
		return privd_err_set(err, rc, "cannot read the keystore");
	privd_keyset_each(svc->master, held_one, &st);
	for (size_t i = 0; i < st.kv.n; i++) {
		const struct privd_master_key_row *row = &st.kv.rows[i];
		struct privd_master_key_info k = {.state = privd_master_key_state_name(row->state),
		                                  .created_at = row->created_at,
		                                  .retired_at = row->retired_at,
		                                  .keys = st.counts[i] + (i == 0 ? st.legacy : 0),
		                                  .here = st.here[i]};

		snprintf(k.kid, sizeof(k.kid), "%s", row->kid);
		cb(arg, &k);
	}
	for (size_t i = 0; i < st.nstaged; i++)
		cb(arg, &st.staged[i]);
	return PRIVD_OK;
}

enum privd_rc privd_service_keys_new(struct privd_service *svc, char kid[PRIVD_KID_HEX], struct privd_err *err)
{
	enum privd_rc rc = privd_keyset_create(svc->master, kid, err);

	if (rc == PRIVD_OK)
		privd_log(PRIVD_LOG_INFO, "keys.staged", "\"kid\":\"%s\"", kid);
	return rc;
}

/* ---- the steps, each a write job ---- */

struct step {
	struct privd_service *svc;
	const struct privd_principal *who;
	const char *from, *to;
	size_t batch, done;
	int64_t rewrapped;
};

static enum privd_rc switch_ks(struct privd_db *ks, void *arg)
{
	struct step *s = arg;

	return privd_repo_master_key_switch(ks, s->from, s->to, privd_now_ms());
}

static enum privd_rc audit_step(struct step *s, struct privd_db *db, const char *action, const char *kid)
{
	char detail[256];
	struct privd_jsonw w;

	privd_jsonw_init(&w, detail, sizeof(detail));
	if (strcmp(action, "keys.rotate") == 0)
		privd_jsonw_str(&w, "from", s->from);
	else {
		privd_jsonw_int(&w, "rewrapped", s->rewrapped);
		privd_jsonw_str(&w, "current", s->to);
	}
	privd_jsonw_end(&w);
	return privd_audit_append(s->svc, db, s->who->actor, action, "master_key", kid, detail);
}

static enum privd_rc switch_data(struct privd_db *db, void *arg)
{
	struct step *s = arg;

	return audit_step(s, db, "keys.rotate", s->to);
}

static enum privd_rc rewrap_ks(struct privd_db *ks, void *arg)
{
	struct step *s = arg;

	return privd_vault_rewrap(s->svc->vault, ks, s->from, s->batch, &s->done);
}

static enum privd_rc nothing(struct privd_db *db, void *arg)
{
	(void)db;
	(void)arg;
	return PRIVD_OK;
}

static enum privd_rc retire_ks(struct privd_db *ks, void *arg)
{
	struct step *s = arg;

	return privd_repo_master_key_retire(ks, s->from, privd_now_ms());
}

static enum privd_rc retire_data(struct privd_db *db, void *arg)
{
	struct step *s = arg;

	return audit_step(s, db, "keys.retire", s->from);
}

/* Wraps every key under s->from again, batch after batch, until none is left. */
static enum privd_rc rewrap_all(struct step *s, struct privd_err *err)
{
	struct privd_write_job job = {.ks = rewrap_ks, .data = nothing, .arg = s};
	enum privd_rc rc;

	do {
		s->done = 0;
		rc = privd_writer_run(s->svc->writer, &job);
		s->rewrapped += (int64_t)s->done;
	} while (rc == PRIVD_OK && s->done > 0);
	if (rc == PRIVD_ERR_CRYPTO)
		return privd_err_set(
		    err, rc,
		    "a key under master key %s opens under no master key held here: the old key is kept "
		    "(see the log)",
		    s->from[0] != '\0' ? s->from : "(first)");
	if (rc != PRIVD_OK)
		return privd_err_set(err, rc, "cannot wrap the keys again");
	return PRIVD_OK;
}

/* Retires s->from once no key is left under it; keys stored under it meanwhile are wrapped again first. */
static enum privd_rc retire_one(struct step *s, struct privd_err *err)
{
	struct privd_write_job job = {.ks = retire_ks, .data = retire_data, .arg = s};
	enum privd_rc rc = PRIVD_ERR_CONFLICT;

	for (int i = 0; i < RETIRE_TRIES && rc == PRIVD_ERR_CONFLICT; i++) {
		const char *kid = s->from;

		rc = rewrap_all(s, err);
		s->from = ""; /* and any key from before ids */
		if (rc == PRIVD_OK)
			rc = rewrap_all(s, err);
		s->from = kid;
		if (rc == PRIVD_OK)
			rc = privd_writer_run(s->svc->writer, &job);
	}
	if (rc != PRIVD_OK && (err == NULL || err->msg[0] == '\0'))
		privd_err_set(err, rc, "cannot retire master key %s", s->from);
	return rc;
}

/* ---- the rotation ---- */

struct pick {
	struct key_view *kv;
	char staged[4][PRIVD_KID_HEX];
	size_t nstaged;
};

static void staged_one(void *arg, const char *kid)
{
	struct pick *p = arg;

	if (view_find(p->kv, kid) == NULL && p->nstaged < 4)
		snprintf(p->staged[p->nstaged++], PRIVD_KID_HEX, "%s", kid);
}

/* Makes the staged key, or a new one, current (step 1 and 2). */
static enum privd_rc start(struct privd_service *svc, struct step *s, struct key_view *kv, struct privd_rotation *out,
                           struct privd_err *err)
{
	struct pick p = {.kv = kv};
	struct privd_write_job job = {.ks = switch_ks, .data = switch_data, .arg = s};
	enum privd_rc rc = PRIVD_OK;

	privd_keyset_each(svc->master, staged_one, &p);
	if (p.nstaged > 1)
		return privd_err_set(err, PRIVD_ERR_CONFLICT,
		                     "several master keys are staged (%s, %s): remove the one not meant from the data "
		                     "directory",
		                     p.staged[0], p.staged[1]);
	out->staged = p.nstaged == 1;
	if (out->staged)
		snprintf(out->to, sizeof(out->to), "%s", p.staged[0]);
	else
		rc = privd_keyset_create(svc->master, out->to, err);
	if (rc == PRIVD_OK && (!privd_kid_valid(out->to) || s->to != out->to))
		rc = privd_err_set(err, PRIVD_ERR_INTERNAL, "no new master key to make current");
	if (rc != PRIVD_OK)
		return rc;
	rc = privd_writer_run(svc->writer, &job);
	if (rc == PRIVD_ERR_CONFLICT)
		return privd_err_set(err, rc, "another rotation made another master key current: run it again");
	if (rc != PRIVD_OK)
		return privd_err_set(err, rc, "cannot make master key %s current", out->to);
	privd_log(PRIVD_LOG_INFO, "keys.rotate", "\"from\":\"%s\",\"to\":\"%s\"", s->from, out->to);
	return view_read(svc, kv, err); /* the new key is current here too */
}

enum privd_rc privd_service_keys_rotate(struct privd_service *svc, const struct privd_principal *who, size_t batch,
                                        struct privd_rotation *out, struct privd_err *err)
{
	struct key_view kv;
	struct step s = {.svc = svc, .who = who, .batch = batch > 0 ? batch : 500};
	enum privd_rc rc;

	memset(out, 0, sizeof(*out));
	rc = view_read(svc, &kv, err);
	for (size_t i = 0; rc == PRIVD_OK && i < kv.n; i++) {
		if (kv.rows[i].state == PRIVD_MASTER_KEY_CURRENT)
			s.from = kv.rows[i].kid;
		else if (kv.rows[i].state == PRIVD_MASTER_KEY_RETIRING && out->nfrom < 4)
			snprintf(out->from[out->nfrom++], PRIVD_KID_HEX, "%s", kv.rows[i].kid);
	}
	out->resumed = out->nfrom > 0;
	if (rc == PRIVD_OK && s.from == NULL)
		rc = privd_err_set(err, PRIVD_ERR_DB, "the keystore names no current master key");
	s.to = out->to;
	if (rc == PRIVD_OK && !out->resumed) {
		snprintf(out->from[out->nfrom++], PRIVD_KID_HEX, "%s", s.from);
		rc = start(svc, &s, &kv, out, err);
	} else if (rc == PRIVD_OK)
		privd_keyset_current(svc->master, out->to);
	for (size_t i = 0; rc == PRIVD_OK && i < out->nfrom; i++) {
		s.from = out->from[i];
		rc = retire_one(&s, err);
	}
	out->rewrapped = s.rewrapped;
	if (rc == PRIVD_OK)
		rc = view_read(svc, &kv, err); /* destroys the retired keys' files here */
	if (rc == PRIVD_OK)
		privd_log(PRIVD_LOG_INFO, "keys.rotated", "\"to\":\"%s\",\"rewrapped\":%lld", out->to,
		          (long long)out->rewrapped);
	return rc;
}
