/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * writer.c - the group-commit writer thread (see writer.h).
 *
 * Registration is write-bound and every durable commit costs an fsync, so request threads queue jobs and one
 * thread commits them in groups: keystore transaction first, data transaction second, each job inside its own
 * savepoint so a failing job (a conflict, a 409) rolls back alone. Jobs whose key committed but whose data did
 * not get their ks_undo in a follow-up keystore transaction. Results are reported only after the data commit,
 * so an acknowledged write is on disk.
 *
 * A failed BEGIN or COMMIT (a PostgreSQL server gone, a full disk, an fsync that returned EIO) is never retried on
 * the same handle: after a failed fsync the kernel may have dropped the dirty pages and marked them clean, so a
 * second fsync can succeed over data that never reached the disk (PostgreSQL's rule since 2018). The batch fails
 * (the callers answer 503), the writer's two connections count as poisoned and are closed and opened again before
 * the next batch, a SQLite database passing quick_check first; until that works every batch fails at once. A failed
 * COMMIT's outcome is unknown (the frames may have reached the disk after all), so its jobs' keys are not undone: an
 * orphan key is harmless, data whose key was destroyed is not.
 *
 * On SQLite a second thread, on connections of its own, copies the WAL into
 * the database when it has grown (a checkpoint): done by the writer between batches, each copy held every commit
 * back for 30-190 ms under load, and that was registration's p99. But SQLite starts a WAL again from its beginning
 * only when a write finds all of it copied, and a copy running beside the writer never is: commits land while it
 * copies. Left alone, the WAL grew past 230 MB under registrations, and the checkpointer, handed the WAL after every
 * commit, copied the few pages each commit rewrites over and over (26 us of CPU a registration). So the checkpointer
 * copies in passes until what is left is a commit or two, and the writer copies that rest itself between two
 * batches, so that its next write starts the WAL again.
 *
 * Two more threads take waits off the writer's path. The keystore's COMMIT runs on a thread of its own while the writer
 * runs the data transaction's statements (its sync took 0.8 ms of each 3.2 ms cycle under registrations), and on
 * PostgreSQL the keystore's statements too (they took another 0.6 ms of each 4.2 ms, waiting for the server); the data
 * transaction commits only once the keystore's has: a key is durable before any data that needs it, as before. A
 * job's keystore part may therefore run beside its data part and must not hand it anything (they share only what
 * both read). When a keystore part failed, its job's data part has run all the same: the data transaction is rolled
 * back and run again without it. An
 * answering thread calls the done callbacks: the writer hands each batch's jobs over once their fate is durable and
 * goes on to the next batch (resuming 32 connections took 0.35-0.42 ms of each cycle).
 */
#include "store/writer_int.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

#define SP "privd_job"

static _Thread_local struct privd_write_tag *armed;

void privd_writer_tag(struct privd_write_tag *t)
{
	armed = t;
}

/* A job's data part, then its tag's record part (see writer.h). */
static enum privd_rc job_data(struct privd_db *db, void *arg)
{
	struct privd_write_job *j = arg;
	enum privd_rc rc = j->data(db, j->arg);

	if (rc == PRIVD_OK && j->tag != NULL) {
		rc = j->tag->record(db, j->tag->arg);
		if (rc == PRIVD_ERR_CONFLICT)
			atomic_store(&j->tag->state, PRIVD_TAG_REFUSED);
	}
	return rc;
}

/* Runs fn inside savepoint SP; rolls back to it on failure. *broken is set when the savepoint commands
 * themselves failed: then the whole transaction is unusable. */
static enum privd_rc run_in_savepoint(struct privd_db *db, enum privd_rc (*fn)(struct privd_db *, void *), void *arg,
                                      bool *broken)
{
	enum privd_rc rc = privd_db_savepoint(db, SP);

	if (rc != PRIVD_OK) {
		*broken = true;
		return rc;
	}
	rc = fn(db, arg);
	if (rc != PRIVD_OK) {
		if (privd_db_rollback_to(db, SP) != PRIVD_OK || privd_db_release(db, SP) != PRIVD_OK)
			*broken = true;
		return rc;
	}
	rc = privd_db_release(db, SP);
	if (rc != PRIVD_OK)
		*broken = true;
	return rc;
}

/* Runs the batch's jobs (their ks or data parts) in one transaction. The common case first (each false): every
 * job succeeds, so they run without a savepoint each and commit once: COMMITTED (each ran job's rc is then
 * PRIVD_OK), or JOB_FAILED when a job failed, after rolling the whole transaction back. The caller then runs the
 * batch again with each true, every job in its own savepoint, so one failing job still fails alone (its rc set)
 * and the others commit. Jobs must therefore be safe to run twice when the first run was rolled back. ABORTED or
 * COMMIT_FAILED when the transaction itself failed: the handle is not to be trusted again (see the top). With
 * commit false, EXECUTED in place of COMMITTED: the transaction is left open for privd_writer_commit_txn. */
static enum attempt run_jobs(struct privd_db *db, struct batch_slot *s, size_t n, bool ks, bool each, bool commit)
{
	size_t i;

	/* the optimistic run is pipelined (PostgreSQL): a failure surfaces at the sync, and the batch runs again */
	if ((each ? privd_db_begin(db) : privd_db_begin_pipelined(db)) != PRIVD_OK) {
		privd_db_rollback(db);
		return ABORTED;
	}
	for (i = 0; i < n; i++) {
		enum privd_rc (*fn)(struct privd_db *, void *) = ks ? s[i].job->ks : job_data;
		void *arg = ks ? s[i].job->arg : s[i].job;
		bool broken = false;

		if (fn == NULL || (!ks && s[i].rc != PRIVD_OK))
			continue;
		if (!each && fn(db, arg) != PRIVD_OK) {
			privd_db_rollback(db);
			return JOB_FAILED;
		}
		if (each)
			s[i].rc = run_in_savepoint(db, fn, arg, &broken);
		if (broken) {
			privd_db_rollback(db);
			return ABORTED;
		}
	}
	if (!each && privd_db_sync(db) != PRIVD_OK) {
		privd_db_rollback(db);
		return JOB_FAILED;
	}
	if (!commit)
		return EXECUTED;
	if (privd_db_commit(db) == PRIVD_OK)
		return COMMITTED;
	privd_db_rollback(db);
	return COMMIT_FAILED;
}

/* Marks the writer's connections poisoned after a failed BEGIN or COMMIT (logged once per outage). */
static void poison(struct privd_writer *w, const char *part)
{
	if (!w->poisoned)
		privd_log(PRIVD_LOG_ERROR, "writer.poisoned", "\"part\":\"%s\"", part);
	w->poisoned = true;
}

static void txn_failed(struct privd_writer *w, bool ks, enum attempt a, size_t n)
{
	privd_log(PRIVD_LOG_ERROR, ks ? "writer.keystore_txn_failed" : "writer.data_txn_failed",
	          "\"commit\":\"%s\",\"jobs\":%zu", a == COMMIT_FAILED ? "failed" : "not_reached", n);
	poison(w, ks ? "keystore" : "data");
}

/* Runs one transaction of the batch (the keystore's or the data's): optimistically, then job by job when a job
 * failed. With commit false it stops short of COMMIT (EXECUTED: privd_writer_commit_txn commits). Returns how it ended;
 * on anything but COMMITTED or EXECUTED the writer is poisoned. */
static enum attempt run_txn(struct privd_writer *w, struct batch_slot *s, size_t n, bool ks, bool commit)
{
	struct privd_db *db = ks ? w->ks : w->db;
	enum attempt a = run_jobs(db, s, n, ks, false, commit);

	if (a == JOB_FAILED)
		a = run_jobs(db, s, n, ks, true, commit);
	if (a != COMMITTED && a != EXECUTED)
		txn_failed(w, ks, a, n);
	return a;
}

/* The batch's keystore parts in a transaction left open: optimistically, then job by job. */
static enum attempt keystore_statements(struct privd_db *ks, struct batch_slot *s, size_t n)
{
	enum attempt a = run_jobs(ks, s, n, true, false, false);

	return a == JOB_FAILED ? run_jobs(ks, s, n, true, true, false) : a;
}

/* Run on the keystore's thread: the batch's keystore parts (unless the writer ran them: w->kc_run false) and the
 * COMMIT. Nothing here touches the writer's state (its poison is set by the writer, from the result). */
enum attempt privd_writer_ks_txn(struct privd_writer *w, struct batch_slot *s, size_t n)
{
	enum attempt a = w->kc_run ? keystore_statements(w->ks, s, n) : EXECUTED;

	return a == EXECUTED ? privd_writer_commit_txn(w->ks) : a;
}

/* Whether any job of the batch has a keystore part. */
static bool keystore_any(const struct batch_slot *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i].job->ks != NULL)
			return true;
	return false;
}

/* Whether a job of the batch has a keystore part of many rows (ks_many). */
static bool keystore_many(const struct batch_slot *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i].job->ks != NULL && s[i].job->ks_many)
			return true;
	return false;
}

/* Starts the batch's keystore transaction on its thread, on a copy of the slots. On PostgreSQL its statements go
 * there too, since they wait for the server. On SQLite they cost only CPU, which a second thread adds to (4.5% fewer
 * registrations a second in five alternated pairs of six): the writer runs them, and the thread only the COMMIT;
 * unless a job's keystore part is large (a fan-out's keys: about as long as its data part), which then runs beside
 * the data parts on the second core. */
static void keystore_start(struct privd_writer *w, const struct batch_slot *s, size_t n)
{
	memcpy(w->kc_slots, s, n * sizeof(*s));
	w->kc_n = n;
	w->kc_run = privd_db_engine(w->ks) != PRIVD_DB_SQLITE || keystore_many(s, n);
	if (!w->kc_run) {
		enum attempt a = keystore_statements(w->ks, w->kc_slots, n);

		if (a != EXECUTED) {
			w->kc_result = a; /* nothing to commit: privd_writer_ks_wait returns it at once */
			return;
		}
	}
	privd_writer_ks_start(w);
}

/* The keystore transaction ended with a: its jobs' results taken over (a job whose keystore part failed has failed;
 * every job with a keystore part has when the transaction did). True when a job whose data part may have run has
 * failed here, so the data transaction must run again without it. */
static bool keystore_finished(struct privd_writer *w, struct batch_slot *s, size_t n, enum attempt a)
{
	bool again = false;

	if (a != COMMITTED)
		txn_failed(w, true, a, n);
	for (size_t i = 0; i < n; i++) {
		enum privd_rc rc = a == COMMITTED ? w->kc_slots[i].rc : PRIVD_ERR_DB;

		if (s[i].job->ks == NULL)
			continue;
		/* its outcome unknown after a failed COMMIT: not undone (an orphan key at worst) */
		s[i].ks_done = a == COMMITTED && rc == PRIVD_OK;
		if (rc != PRIVD_OK && s[i].rc == PRIVD_OK) {
			s[i].rc = rc;
			again = true;
		}
	}
	return again;
}

/* The data transaction ended with a: true when it committed; otherwise its jobs failed. */
static bool data_finished(struct batch_slot *s, size_t n, enum attempt a)
{
	size_t i;

	if (a == COMMITTED)
		return true;
	for (i = 0; i < n; i++) {
		if (s[i].rc != PRIVD_OK)
			continue;
		s[i].rc = PRIVD_ERR_DB;
		s[i].unknown = a == COMMIT_FAILED;
	}
	return false;
}

/* Which keystore follow-up a slot takes: ks_undo when its data part failed after its key committed (an orphan
 * key otherwise: harmless) and surely did not commit, ks_after when its data part committed. */
static enum privd_rc (*followup_of(const struct batch_slot *s, bool after))(struct privd_db *, void *)
{
	if (after)
		return s->rc == PRIVD_OK ? s->job->ks_after : NULL;
	return s->ks_done && s->rc != PRIVD_OK && !s->unknown ? s->job->ks_undo : NULL;
}

/* A best-effort keystore transaction running each slot's follow-up in a savepoint; failures are logged only:
 * the jobs' results are already decided. */
static void followup_phase(struct privd_writer *w, struct batch_slot *s, size_t n, bool after)
{
	const char *what = after ? "ks_after" : "ks_undo";
	bool any = false;
	enum privd_rc rc;
	size_t i;

	for (i = 0; i < n; i++)
		any = any || followup_of(&s[i], after) != NULL;
	if (!any || w->poisoned) /* poisoned: nothing more on these handles; what is left is an orphan key */
		return;
	rc = privd_db_begin(w->ks);
	for (i = 0; i < n && rc == PRIVD_OK; i++) {
		enum privd_rc (*fn)(struct privd_db *, void *) = followup_of(&s[i], after);
		bool broken = false;

		if (fn == NULL)
			continue;
		if (run_in_savepoint(w->ks, fn, s[i].job->arg, &broken) != PRIVD_OK)
			privd_log(PRIVD_LOG_WARN, "writer.followup_failed", "\"part\":\"%s\"", what);
		if (broken)
			rc = PRIVD_ERR_DB;
	}
	if (rc == PRIVD_OK)
		rc = privd_db_commit(w->ks);
	if (rc != PRIVD_OK) {
		privd_db_rollback(w->ks);
		privd_log(PRIVD_LOG_WARN, "writer.followup_txn_failed", "\"part\":\"%s\",\"rc\":\"%s\"", what,
		          privd_rc_str(rc));
	}
}

/* SQLite: the database passes quick_check (a structural check of every page, without the cross-checks of
 * integrity_check). PostgreSQL keeps its own pages. */
static enum privd_rc verify(struct privd_db *db)
{
	struct privd_stmt *st = NULL;
	enum privd_rc rc;
	const char *v;

	if (privd_db_engine(db) != PRIVD_DB_SQLITE)
		return PRIVD_OK;
	rc = privd_db_prepare(db, "PRAGMA quick_check", &st);
	if (rc == PRIVD_OK) {
		rc = PRIVD_ERR_DB;
		if (privd_stmt_step(st) == PRIVD_DB_ROW) {
			v = privd_stmt_col_text(st, 0);
			if (v != NULL && strcmp(v, "ok") == 0)
				rc = PRIVD_OK;
		}
	}
	privd_stmt_finalize(st);
	return rc;
}

/* Closes the poisoned connections and opens them again, each database verified; clears the poison on success. */
static enum privd_rc reopen(struct privd_writer *w)
{
	enum privd_rc rc;

	privd_db_close(w->ks);
	privd_db_close(w->db);
	w->ks = NULL;
	w->db = NULL;
	rc = privd_db_open(&w->target, PRIVD_DB_DATA, false, &w->db, NULL);
	if (rc == PRIVD_OK)
		rc = privd_db_open(&w->target, PRIVD_DB_KEYSTORE, false, &w->ks, NULL);
	if (rc == PRIVD_OK && (verify(w->db) != PRIVD_OK || verify(w->ks) != PRIVD_OK)) {
		privd_log(PRIVD_LOG_ERROR, "writer.verify_failed", NULL);
		rc = PRIVD_ERR_DB;
	}
	if (rc == PRIVD_OK) {
		w->poisoned = false;
		privd_log(PRIVD_LOG_INFO, "writer.reopened", NULL);
	}
	return rc;
}

static void run_batch(struct privd_writer *w, struct batch_slot *s, size_t n)
{
	unsigned long long failed = 0;
	bool committed = false;
	size_t i;

	if (w->poisoned && reopen(w) != PRIVD_OK) {
		for (i = 0; i < n; i++)
			s[i].rc = PRIVD_ERR_DB;
	} else {
		bool ks_open = keystore_any(s, n);
		enum attempt a;

		if (ks_open)
			keystore_start(w, s, n);
		a = run_txn(w, s, n, false, false);
		if (ks_open && keystore_finished(w, s, n, privd_writer_ks_wait(w)) && a == EXECUTED) {
			/* no data whose key may be lost commits: the data part again, without their jobs */
			privd_db_rollback(w->db);
			a = run_txn(w, s, n, false, false);
		}
		if (a == EXECUTED) {
			a = privd_writer_commit_txn(w->db);
			if (a != COMMITTED)
				txn_failed(w, false, a, n);
		}
		committed = data_finished(s, n, a);
		followup_phase(w, s, n, false);
		if (committed)
			followup_phase(w, s, n, true);
	}
	for (i = 0; i < n; i++)
		failed += s[i].rc != PRIVD_OK;
	pthread_mutex_lock(&w->mu);
	w->stats.commits += committed;
	w->stats.jobs += n;
	w->stats.failed += failed;
	pthread_mutex_unlock(&w->mu);
	for (i = 0; i < n; i++) {
		struct privd_write_job *j = s[i].job;

		j->next = i + 1 < n ? s[i + 1].job : NULL;
		j->rc = s[i].rc;
		if (j->tag != NULL && s[i].rc == PRIVD_OK)
			atomic_store(&j->tag->state, PRIVD_TAG_COMMITTED);
	}
	privd_writer_answer(w, s[0].job, s[n - 1].job);
	/* after the answers are handed over: no commit waits for the copy of its WAL into the database */
	if (w->poisoned)
		return;
	privd_writer_checkpoint_request(w);
}

static void *writer_main(void *arg)
{
	struct privd_writer *w = arg;
	struct batch_slot *slots = calloc(w->max_batch, sizeof(*slots));

	pthread_setname_np(pthread_self(), "privd-writer");

	if (slots == NULL)
		abort(); /* start-up: cannot run without the batch array */
	for (;;) {
		size_t n = 0;

		pthread_mutex_lock(&w->mu);
		while (w->head == NULL && !w->stopping)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->head == NULL) {
			pthread_mutex_unlock(&w->mu);
			break;
		}
		while (w->head != NULL && n < w->max_batch) {
			slots[n].job = w->head;
			slots[n].rc = PRIVD_OK;
			slots[n].ks_done = false;
			slots[n].unknown = false;
			w->head = w->head->next;
			n++;
		}
		if (w->head == NULL)
			w->tail = NULL;
		pthread_mutex_unlock(&w->mu);
		run_batch(w, slots, n);
	}
	free(slots);
	return NULL;
}

enum privd_rc privd_writer_start(const struct privd_db_target *t, size_t max_batch, struct privd_writer **out,
                                 struct privd_err *err)
{
	struct privd_writer *w = calloc(1, sizeof(*w));
	enum privd_rc rc = PRIVD_OK;

	*out = NULL;
	if (w == NULL)
		return privd_err_set(err, PRIVD_ERR_NOMEM, "out of memory");
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	pthread_cond_init(&w->ck_cv, NULL);
	pthread_mutex_init(&w->ans_mu, NULL);
	pthread_cond_init(&w->ans_cv, NULL);
	pthread_mutex_init(&w->kc_mu, NULL);
	pthread_cond_init(&w->kc_cv, NULL);
	w->max_batch = max_batch > 0 ? max_batch : 1;
	w->target = *t;
	w->kc_slots = calloc(w->max_batch, sizeof(*w->kc_slots));
	if (w->kc_slots == NULL) {
		rc = privd_err_set(err, PRIVD_ERR_NOMEM, "out of memory");
		goto out;
	}
	rc = privd_db_open(t, PRIVD_DB_DATA, false, &w->db, err);
	if (rc != PRIVD_OK)
		goto out;
	rc = privd_db_open(t, PRIVD_DB_KEYSTORE, false, &w->ks, err);
	if (rc != PRIVD_OK)
		goto out;
	privd_writer_helpers_start(w, t);
	if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
		rc = privd_err_set(err, PRIVD_ERR_INTERNAL, "cannot start writer thread");
		goto out;
	}
	w->started = true;
	*out = w;
	w = NULL;
out:
	privd_writer_stop(w);
	return rc;
}

enum privd_rc privd_writer_submit(struct privd_writer *w, struct privd_write_job *job)
{
	if (job == NULL || job->data == NULL || job->done == NULL)
		return PRIVD_ERR_INVALID;
	job->next = NULL;
	job->tag = NULL;
	if (armed != NULL && atomic_load(&armed->state) == PRIVD_TAG_ARMED) {
		job->tag = armed;
		atomic_store(&armed->state, PRIVD_TAG_TAKEN);
	}
	pthread_mutex_lock(&w->mu);
	if (w->stopping) {
		pthread_mutex_unlock(&w->mu);
		return PRIVD_ERR_BUSY;
	}
	privd_writer_append(&w->head, &w->tail, job, job);
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	return PRIVD_OK;
}

/* privd_writer_run wraps the caller's job so that done wakes the caller and the parts still get their arg. */
struct run_wait {
	struct privd_write_job wrap;
	const struct privd_write_job *user;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool done;
	enum privd_rc rc;
};

static enum privd_rc run_ks(struct privd_db *ks, void *arg)
{
	const struct privd_write_job *u = ((struct run_wait *)arg)->user;

	return u->ks(ks, u->arg);
}

static enum privd_rc run_data(struct privd_db *db, void *arg)
{
	const struct privd_write_job *u = ((struct run_wait *)arg)->user;

	return u->data(db, u->arg);
}

static enum privd_rc run_ks_undo(struct privd_db *ks, void *arg)
{
	const struct privd_write_job *u = ((struct run_wait *)arg)->user;

	return u->ks_undo(ks, u->arg);
}

static enum privd_rc run_ks_after(struct privd_db *ks, void *arg)
{
	const struct privd_write_job *u = ((struct run_wait *)arg)->user;

	return u->ks_after(ks, u->arg);
}

static void run_done(void *arg, enum privd_rc rc)
{
	struct run_wait *rw = arg;

	pthread_mutex_lock(&rw->mu);
	rw->rc = rc;
	rw->done = true;
	pthread_cond_signal(&rw->cv);
	pthread_mutex_unlock(&rw->mu);
}

enum privd_rc privd_writer_run(struct privd_writer *w, struct privd_write_job *job)
{
	struct run_wait rw;
	enum privd_rc rc;

	if (job == NULL || job->data == NULL || job->done != NULL)
		return PRIVD_ERR_INVALID;
	memset(&rw, 0, sizeof(rw));
	rw.user = job;
	rw.wrap.ks = job->ks != NULL ? run_ks : NULL;
	rw.wrap.ks_many = job->ks_many;
	rw.wrap.data = run_data;
	rw.wrap.ks_undo = job->ks_undo != NULL ? run_ks_undo : NULL;
	rw.wrap.ks_after = job->ks_after != NULL ? run_ks_after : NULL;
	rw.wrap.done = run_done;
	rw.wrap.arg = &rw;
	pthread_mutex_init(&rw.mu, NULL);
	pthread_cond_init(&rw.cv, NULL);
	rc = privd_writer_submit(w, &rw.wrap);
	if (rc == PRIVD_OK) {
		pthread_mutex_lock(&rw.mu);
		while (!rw.done)
			pthread_cond_wait(&rw.cv, &rw.mu);
		rc = rw.rc;
		pthread_mutex_unlock(&rw.mu);
	}
	pthread_cond_destroy(&rw.cv);
	pthread_mutex_destroy(&rw.mu);
	return rc;
}

void privd_writer_stop(struct privd_writer *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	w->stopping = true;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	if (w->started)
		pthread_join(w->thread, NULL);
	privd_writer_helpers_stop(w); /* the writer is done */
	privd_db_close(w->ck[1]);
	privd_db_close(w->ck[0]);
	privd_db_close(w->ks);
	privd_db_close(w->db);
	pthread_cond_destroy(&w->kc_cv);
	pthread_mutex_destroy(&w->kc_mu);
	pthread_cond_destroy(&w->ans_cv);
	pthread_mutex_destroy(&w->ans_mu);
	pthread_cond_destroy(&w->ck_cv);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w->kc_slots);
	free(w);
}

void privd_writer_stats(struct privd_writer *w, struct privd_writer_stats *out)
{
	pthread_mutex_lock(&w->mu);
	*out = w->stats;
	pthread_mutex_unlock(&w->mu);
}
