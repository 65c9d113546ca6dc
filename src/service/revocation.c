/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * revocation.c - consent to processing revoked, and given again: what it does to the subject besides the record.
 *
 * 152-FZ Art. 9 p.2 lets a person revoke consent to processing at any time, and Art. 21 p.5 then has the operator
 * stop processing at once and destroy the data within 30 days of receiving the revocation. Processing is what
 * every other purpose stands on, so its revocation withdraws them too (a record each, so the history says so and a
 * later grant of processing does not bring them back), the subject becomes revoked (every check answers not
 * granted, on every node once the NOTIFY lands), and the destruction is scheduled for the scheduler's sweep
 * (erasure.c), which legal holds keep back. A fresh grant of processing undoes the status and the schedule. Both
 * happen inside the write job that appends the record, whichever way it came (the consents API, an executed
 * revoke_processing request), so the record, the status and their audit entries commit together.
 */
#include <stdio.h>
#include <string.h>

#include "core/time.h"
#include "service/service_int.h"

/* The purposes besides processing whose latest record grants them, withdrawn with the revocation's evidence. */
static enum privd_rc withdraw_others(struct privd_db *db, const struct privd_consent_row *revocation,
                                     const char *withdrawn[PRIVD_PURPOSE_COUNT], size_t *n)
{
	struct privd_consent_state st;
	struct privd_consent_row row;
	enum privd_rc rc;

	*n = 0;
	rc = privd_repo_consent_state(db, revocation->subject_id, &st);
	for (size_t p = 0; rc == PRIVD_OK && p < PRIVD_PURPOSE_COUNT; p++) {
		if (p == PRIVD_PURPOSE_PROCESSING || !st.purpose[p].recorded || !st.purpose[p].granted)
			continue;
		row = *revocation; /* the sealed ip is shared, not copied: nothing here frees it */
		snprintf(row.purpose, sizeof(row.purpose), "%s", privd_purpose_name((enum privd_purpose)p));
		row.granted = false;
		rc = privd_repo_consent_append(db, &row);
		withdrawn[(*n)++] = privd_purpose_name((enum privd_purpose)p);
	}
	return rc;
}

enum privd_rc privd_revocation_apply(struct privd_service *svc, struct privd_db *db, const char *actor,
                                     const struct privd_consent_row *revocation, int64_t received_at,
                                     int64_t *erase_after)
{
	const char *withdrawn[PRIVD_PURPOSE_COUNT];
	struct privd_subject_sched sc;
	enum privd_subject_status from;
	char when[PRIVD_TIME_LEN], received[PRIVD_TIME_LEN], detail[400];
	struct privd_jsonw w;
	int64_t at = 0;
	size_t n = 0;
	enum privd_rc rc;

	rc = privd_repo_subject_status(db, revocation->subject_id, &from);
	if (rc == PRIVD_OK)
		rc = privd_repo_subject_sched_get(db, revocation->subject_id, &sc);
	if (rc == PRIVD_OK)
		rc = withdraw_others(db, revocation, withdrawn, &n);
	if (rc != PRIVD_OK)
		return rc;
	at = privd_consent_erase_after(received_at, svc->cfg.erase_after_revoke_days, sc.erase_after);
	rc = privd_repo_subject_revoke(db, revocation->subject_id, at, revocation->created_at);
	if (rc != PRIVD_OK)
		return rc;
	privd_time_format(at, when);
	privd_time_format(received_at, received);
	privd_jsonw_init(&w, detail, sizeof(detail));
	privd_jsonw_str(&w, "from", privd_subject_status_name(from));
	privd_jsonw_str(&w, "received_at", received);
	privd_jsonw_str(&w, "erase_after", when);
	privd_jsonw_strs(&w, "withdrawn", withdrawn, n);
	privd_jsonw_str(&w, "basis", "152-FZ Art. 9 p.2, Art. 21 p.5");
	privd_jsonw_end(&w);
	rc = privd_audit_append(svc, db, actor, "subject.revoke", "subject", revocation->subject_id, detail);
	if (rc == PRIVD_OK && erase_after != NULL)
		*erase_after = at;
	return rc;
}

enum privd_rc privd_revocation_cancel(struct privd_service *svc, struct privd_db *db, const char *actor,
                                      const char *subject_id, int64_t at)
{
	struct privd_subject_sched sc;
	enum privd_subject_status to;
	char when[PRIVD_TIME_LEN], detail[200];
	struct privd_jsonw w;
	enum privd_rc rc;

	rc = privd_repo_subject_sched_get(db, subject_id, &sc);
	if (rc == PRIVD_OK)
		rc = privd_repo_subject_restore(db, subject_id, at, &to);
	if (rc != PRIVD_OK)
		return rc;
	privd_jsonw_init(&w, detail, sizeof(detail));
	privd_jsonw_str(&w, "to", privd_subject_status_name(to));
	if (sc.erase_after != 0) {
		privd_time_format(sc.erase_after, when);
		privd_jsonw_str(&w, "erasure_cancelled", when);
	}
	privd_jsonw_str(&w, "basis", "consent to processing granted again");
	privd_jsonw_end(&w);
	return privd_audit_append(svc, db, actor, "subject.restore", "subject", subject_id, detail);
}

enum privd_rc privd_revocation_when(struct privd_service *svc, const char *subject_id, int64_t received_at,
                                    int64_t *erase_after)
{
	struct privd_subject_sched sc;
	struct privd_reader *r = NULL;
	enum privd_rc rc;

	rc = privd_reader_get(svc, &r);
	if (rc != PRIVD_OK)
		return rc;
	rc = privd_repo_subject_sched_get(r->db, subject_id, &sc);
	privd_reader_put(svc, r, rc == PRIVD_ERR_DB);
	if (rc == PRIVD_OK)
		*erase_after = privd_consent_erase_after(received_at, svc->cfg.erase_after_revoke_days, sc.erase_after);
	return rc;
}
