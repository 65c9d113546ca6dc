/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * writer_int.h - what the writer (writer.c) and its helper threads (writer_threads.c) share: the writer's state and
 * the functions of the helper threads. Included by those two files only.
 */
#ifndef PRIVD_STORE_WRITER_INT_H
#define PRIVD_STORE_WRITER_INT_H

#include <pthread.h>
#include <stdbool.h>

#include "store/writer.h"

/* Where the copy of one WAL stands (writer.c's head comment). */
enum ck_stage {
	CK_IDLE,    /* nothing handed over */
	CK_COPYING, /* the checkpointer copies it */
	CK_REST,    /* copied but for the commits that landed meanwhile: the writer copies those */
};

/* The checkpointer hands the rest to the writer once a pass copied at most this many frames (a group of 32
 * registrations writes about 125: what lands during so short a pass is less), or after CK_PASSES passes. */
#define CK_REST_FRAMES 512
#define CK_PASSES 8

/* What the writer knows about one job of a batch. */
struct batch_slot {
	struct privd_write_job *job;
	enum privd_rc rc;
	bool ks_done; /* its keystore part is committed */
	bool unknown; /* its data part ran in a transaction whose COMMIT failed: the outcome is unknown */
};

/* How a transaction of a batch ended (writer.c, run_jobs). EXECUTED: its statements ran and it is open, for
 * privd_writer_commit_txn. ABORTED: it failed before its COMMIT (a BEGIN or a savepoint command failed), so nothing
 * of it committed; COMMIT_FAILED: its COMMIT failed, so whether it committed is unknown. */
enum attempt { COMMITTED, EXECUTED, JOB_FAILED, ABORTED, COMMIT_FAILED };

struct privd_writer {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	bool started;
	bool stopping;
	struct privd_write_job *head, *tail;
	size_t max_batch;
	struct privd_db_target target;
	struct privd_db *db, *ks;
	bool poisoned; /* a BEGIN or COMMIT failed: reopen both connections before the next batch */
	struct privd_writer_stats stats;
	/* the checkpointer (SQLite): copies a grown WAL into its database on connections of its own ([0] data,
	 * [1] keystore) while the writer goes on committing; guarded by mu */
	pthread_t ck_thread;
	pthread_cond_t ck_cv;
	bool ck_started, ck_stopping;
	enum ck_stage ck_stage[2];
	struct privd_db *ck[2];
	/* the keystore's thread: kc_pending while it runs and commits a batch's keystore transaction, on kc_slots (its
	 * own copy of the batch's slots, kc_n of them); guarded by kc_mu */
	pthread_mutex_t kc_mu;
	pthread_cond_t kc_cv;
	pthread_t kc_thread;
	bool kc_started, kc_stopping, kc_pending;
	bool kc_run; /* its statements too (PostgreSQL), not only its COMMIT (SQLite: the writer ran them) */
	struct batch_slot *kc_slots;
	size_t kc_n;
	enum attempt kc_result;
	/* the answering thread: the jobs whose done is due, in commit order; guarded by ans_mu */
	pthread_mutex_t ans_mu;
	pthread_cond_t ans_cv;
	pthread_t ans_thread;
	bool ans_started, ans_stopping;
	struct privd_write_job *ans_head, *ans_tail;
};

/* Appends the jobs linked first to last to the queue *head..*tail (the caller holds the queue's mutex). */
static inline void privd_writer_append(struct privd_write_job **head, struct privd_write_job **tail,
                                       struct privd_write_job *first, struct privd_write_job *last)
{
	if (*tail != NULL)
		(*tail)->next = first;
	else
		*head = first;
	*tail = last;
}

/* The COMMIT of a transaction run_jobs left open: COMMITTED, or COMMIT_FAILED after a rollback. */
enum attempt privd_writer_commit_txn(struct privd_db *db);

/* The committer, answering and checkpointer threads (writer_threads.c), started after the writer's connections are
 * open; each that cannot start leaves its work to the writer. Stopped once the writer's thread has ended: each
 * finishes what it was handed first. */
void privd_writer_helpers_start(struct privd_writer *w, const struct privd_db_target *t);
void privd_writer_helpers_stop(struct privd_writer *w);

/* A batch's keystore transaction, run and committed on w->ks: COMMITTED, or how it failed (writer.c). Touches only
 * the slots given and w->ks, so it runs beside the data transaction. */
enum attempt privd_writer_ks_txn(struct privd_writer *w, struct batch_slot *s, size_t n);

/* privd_writer_ks_txn on w->kc_slots (w->kc_n of them), begun on the keystore's thread (or done here without it);
 * the wait returns how it ended. */
void privd_writer_ks_start(struct privd_writer *w);
enum attempt privd_writer_ks_wait(struct privd_writer *w);

/* Hands a batch's jobs, linked first to last with their rc set, to the answering thread (or answers them here). */
void privd_writer_answer(struct privd_writer *w, struct privd_write_job *first, struct privd_write_job *last);

/* After a batch's answers: the checkpoints of writer.c's head comment. */
void privd_writer_checkpoint_request(struct privd_writer *w);

#endif
