/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * writer_threads.c - the writer's helper threads (see writer.c's head comment): the keystore's committer, the
 * answering thread, and on SQLite the checkpointer.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/log.h"
#include "store/writer_int.h"

/* The COMMIT of a transaction run_jobs left open (writer_int.h). */
enum attempt privd_writer_commit_txn(struct privd_db *db)
{
	if (privd_db_commit(db) == PRIVD_OK)
		return COMMITTED;
	privd_db_rollback(db);
	return COMMIT_FAILED;
}

/* The keystore's transaction, on its own thread when there is one: its statements and its sync overlap the data
 * transaction's. The data transaction commits only after it (keys are durable before the data that uses them). */
static void *committer_main(void *arg)
{
	struct privd_writer *w = arg;

	pthread_setname_np(pthread_self(), "privd-keystore");
	pthread_mutex_lock(&w->kc_mu);
	for (;;) {
		while (!w->kc_pending && !w->kc_stopping)
			pthread_cond_wait(&w->kc_cv, &w->kc_mu);
		if (!w->kc_pending)
			break;
		pthread_mutex_unlock(&w->kc_mu);
		enum attempt a = privd_writer_ks_txn(w, w->kc_slots, w->kc_n);
		pthread_mutex_lock(&w->kc_mu);
		w->kc_result = a;
		w->kc_pending = false;
		pthread_cond_broadcast(&w->kc_cv);
	}
	pthread_mutex_unlock(&w->kc_mu);
	return NULL;
}

void privd_writer_ks_start(struct privd_writer *w)
{
	if (!w->kc_started) {
		w->kc_result = privd_writer_ks_txn(w, w->kc_slots, w->kc_n);
		return;
	}
	pthread_mutex_lock(&w->kc_mu);
	w->kc_pending = true;
	pthread_cond_broadcast(&w->kc_cv);
	pthread_mutex_unlock(&w->kc_mu);
}

enum attempt privd_writer_ks_wait(struct privd_writer *w)
{
	enum attempt a;

	pthread_mutex_lock(&w->kc_mu);
	while (w->kc_pending)
		pthread_cond_wait(&w->kc_cv, &w->kc_mu);
	a = w->kc_result;
	pthread_mutex_unlock(&w->kc_mu);
	return a;
}

static void checkpoint_failed(size_t i)
{
	privd_log(PRIVD_LOG_WARN, "writer.checkpoint_failed", "\"db\":\"%s\"", i ? "keystore" : "data");
}

/* After a batch's answers: the rest of a copy the checkpointer finished is copied here, and a WAL grown past its
 * bound is handed to the checkpointer, so that the next batch does not wait for its copy; without a checkpointer,
 * the whole copy is done here. */
void privd_writer_checkpoint_request(struct privd_writer *w)
{
	struct privd_db *own[2] = {w->db, w->ks};
	bool rest[2], due[2], wake = false;
	size_t i;

	if (!w->ck_started) {
		for (i = 0; i < 2; i++)
			if (privd_db_checkpoint_due(own[i]) && privd_db_checkpoint(own[i], NULL) != PRIVD_OK)
				checkpoint_failed(i);
		return;
	}
	pthread_mutex_lock(&w->mu);
	for (i = 0; i < 2; i++) {
		rest[i] = w->ck_stage[i] == CK_REST;
		if (rest[i])
			w->ck_stage[i] = CK_IDLE;
	}
	pthread_mutex_unlock(&w->mu);
	for (i = 0; i < 2; i++) {
		/* the WAL's count is the one before this copy until the next commit: not asked again now */
		due[i] = !rest[i] && privd_db_checkpoint_due(own[i]);
		if (rest[i] && privd_db_checkpoint(own[i], NULL) != PRIVD_OK)
			checkpoint_failed(i);
	}
	if (!due[0] && !due[1])
		return;
	pthread_mutex_lock(&w->mu);
	for (i = 0; i < 2; i++)
		if (due[i] && w->ck_stage[i] == CK_IDLE) {
			w->ck_stage[i] = CK_COPYING;
			wake = true;
		}
	if (wake)
		pthread_cond_signal(&w->ck_cv);
	pthread_mutex_unlock(&w->mu);
}

static void *checkpointer_main(void *arg)
{
	struct privd_writer *w = arg;

	pthread_setname_np(pthread_self(), "privd-checkpt");

	for (;;) {
		bool due[2];

		pthread_mutex_lock(&w->mu);
		while (w->ck_stage[0] != CK_COPYING && w->ck_stage[1] != CK_COPYING && !w->ck_stopping)
			pthread_cond_wait(&w->ck_cv, &w->mu);
		due[0] = w->ck_stage[0] == CK_COPYING;
		due[1] = w->ck_stage[1] == CK_COPYING;
		pthread_mutex_unlock(&w->mu);
		if (!due[0] && !due[1])
			break; /* stopping, nothing left */
		for (size_t i = 0; i < 2; i++) {
			enum privd_rc rc = PRIVD_OK;
			int before = 0, copied = 0;

			if (!due[i])
				continue;
			/* each pass copies what was committed during the one before */
			for (int pass = 0; rc == PRIVD_OK && pass < CK_PASSES; pass++) {
				rc = privd_db_checkpoint(w->ck[i], &copied);
				if (copied < 0 || (pass > 0 && copied - before <= CK_REST_FRAMES))
					break;
				before = copied;
			}
			if (rc != PRIVD_OK)
				checkpoint_failed(i);
			pthread_mutex_lock(&w->mu);
			w->ck_stage[i] = CK_REST;
			pthread_mutex_unlock(&w->mu);
		}
	}
	return NULL;
}

/* The checkpointer's connections and thread, on SQLite; without them the writer checkpoints itself. */
void privd_writer_checkpointer_start(struct privd_writer *w, const struct privd_db_target *t)
{
	struct privd_err err = {0};

	if (t->engine != PRIVD_DB_SQLITE)
		return;
	if (privd_db_open(t, PRIVD_DB_DATA, false, &w->ck[0], &err) == PRIVD_OK &&
	    privd_db_open(t, PRIVD_DB_KEYSTORE, false, &w->ck[1], &err) == PRIVD_OK &&
	    pthread_create(&w->ck_thread, NULL, checkpointer_main, w) == 0) {
		w->ck_started = true;
		return;
	}
	privd_log(PRIVD_LOG_WARN, "writer.checkpointer_unavailable", "\"reason\":\"%s\"",
	          err.msg[0] ? "cannot open its connections" : "cannot start its thread");
	privd_db_close(w->ck[1]);
	privd_db_close(w->ck[0]);
	w->ck[0] = w->ck[1] = NULL;
}

/* Calls the done of each job of the list from first, which it may free. */
static void answer_list(struct privd_write_job *j)
{
	while (j != NULL) {
		struct privd_write_job *next = j->next;

		j->next = NULL;
		j->done(j->arg, j->rc);
		j = next;
	}
}

/* Hands a batch's jobs (linked first to last) to the answering thread, or answers them here without one. */
void privd_writer_answer(struct privd_writer *w, struct privd_write_job *first, struct privd_write_job *last)
{
	if (!w->ans_started) {
		answer_list(first);
		return;
	}
	pthread_mutex_lock(&w->ans_mu);
	privd_writer_append(&w->ans_head, &w->ans_tail, first, last);
	pthread_cond_signal(&w->ans_cv);
	pthread_mutex_unlock(&w->ans_mu);
}

static void *answer_main(void *arg)
{
	struct privd_writer *w = arg;

	pthread_setname_np(pthread_self(), "privd-answer");
	for (;;) {
		struct privd_write_job *list;

		pthread_mutex_lock(&w->ans_mu);
		while (w->ans_head == NULL && !w->ans_stopping)
			pthread_cond_wait(&w->ans_cv, &w->ans_mu);
		list = w->ans_head;
		w->ans_head = w->ans_tail = NULL;
		pthread_mutex_unlock(&w->ans_mu);
		if (list == NULL)
			break; /* stopping, every answer given */
		answer_list(list);
	}
	return NULL;
}

void privd_writer_helpers_start(struct privd_writer *w, const struct privd_db_target *t)
{
	privd_writer_checkpointer_start(w, t);
	/* without them, the writer answers itself and commits its keystore transactions itself */
	w->ans_started = pthread_create(&w->ans_thread, NULL, answer_main, w) == 0;
	w->kc_started = pthread_create(&w->kc_thread, NULL, committer_main, w) == 0;
}

/* Tells a helper thread to stop once it has done what it was handed, and waits for it. */
static void stop_helper(pthread_mutex_t *mu, pthread_cond_t *cv, bool *stopping, bool started, pthread_t thread)
{
	pthread_mutex_lock(mu);
	*stopping = true;
	pthread_cond_broadcast(cv);
	pthread_mutex_unlock(mu);
	if (started)
		pthread_join(thread, NULL);
}

void privd_writer_helpers_stop(struct privd_writer *w)
{
	stop_helper(&w->ans_mu, &w->ans_cv, &w->ans_stopping, w->ans_started, w->ans_thread);
	stop_helper(&w->kc_mu, &w->kc_cv, &w->kc_stopping, w->kc_started, w->kc_thread);
	stop_helper(&w->mu, &w->ck_cv, &w->ck_stopping, w->ck_started, w->ck_thread);
}
