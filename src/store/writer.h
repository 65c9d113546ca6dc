/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * writer.h - one writer thread that commits queued writes in groups (group commit).
 *
 * With synchronous=FULL a commit costs an fsync, so one commit per registration tops out near the disk's fsync
 * rate. Writers instead queue a job and wait; the writer thread takes every job queued (up to a batch limit),
 * runs them in one transaction, each inside its own savepoint so that one failing job (a 409) rolls back alone,
 * commits once and then reports each job's result. A 2xx is only sent after `done` is called, so an
 * acknowledged write has been fsynced.
 *
 * A job may have a keystore part. The keystore is a separate database, so the batch commits the keystore
 * transaction first and the data transaction second: a crash in between leaves an orphan key (harmless,
 * unreadable to anyone without data) and never data without its key. When a job's data part fails after its
 * keystore part committed, its ks_undo part runs in a follow-up keystore transaction.
 *
 * On SQLite the WAL is copied into the database (a checkpoint) after a batch's results are reported, not inside
 * its commit, so that no answer waits for it.
 *
 * A batch is first run without savepoints (the common case: every job succeeds); when a job fails, the whole
 * transaction is rolled back and the batch runs again with a savepoint per job. So a job's ks and data parts may
 * run twice, the first run rolled back: they must not keep state from a rolled-back run that changes the outcome.
 * The first run is a pipelined transaction (db.h, privd_db_begin_pipelined): on PostgreSQL the statements a job only
 * runs for their effect are sent without waiting for their answers, and any of them failing fails the first run at
 * its end, so the batch runs again as above, where every statement answers at once. A job must therefore decide
 * nothing on what privd_stmt_run and privd_stmt_expect cannot tell it before the sync.
 */
#ifndef PRIVD_STORE_WRITER_H
#define PRIVD_STORE_WRITER_H

#include <stdbool.h>
#include <stddef.h>

#include "core/rc.h"
#include "store/db.h"

struct privd_write_job {
	/* optional: runs in the keystore transaction, before any data part of the batch */
	enum privd_rc (*ks)(struct privd_db *ks, void *arg);
	/* ks writes many rows (a fan-out's keys): on SQLite too the batch's keystore parts then run on the keystore's
	 * thread, beside the data parts, as they always do on PostgreSQL (where they wait for the server); otherwise
	 * the writer runs them itself on SQLite, where for a few rows a second thread costs more than it saves */
	bool ks_many;
	/* required: runs in the data transaction */
	enum privd_rc (*data)(struct privd_db *db, void *arg);
	/* optional: undoes ks when data failed or the data transaction did not commit */
	enum privd_rc (*ks_undo)(struct privd_db *ks, void *arg);
	/* optional: runs in a keystore transaction after the data transaction committed, when data succeeded: for
	 * destroying keys, which must happen only once what the data side records about it is durable. A crash
	 * before it leaves a key that nothing uses (the caller sweeps such keys); its failure does not change rc. */
	enum privd_rc (*ks_after)(struct privd_db *ks, void *arg);
	/* required: called once the job's fate is durable, from the writer's answering thread, one job after another
	 * in the order they committed; rc is the job's result (PRIVD_OK only after commit). Must not block, nor wait
	 * for another job. */
	void (*done)(void *arg, enum privd_rc rc);
	void *arg;

	struct privd_write_job *next; /* the writer's; leave NULL */
	enum privd_rc rc;             /* the writer's: the result done is given */
	struct privd_write_tag *tag;  /* the writer's: set by privd_writer_submit from the thread's tag */
};

/* A record that must commit in the same transaction as the write it stands for (an Idempotency-Key: a replay must
 * never find the write done and the key unknown, nor the key known and the write lost). Armed on a thread with
 * privd_writer_tag, it rides on the first job that thread submits: its record part runs in that job's data
 * transaction, right after the job's data part succeeded (in its savepoint, so it is rolled back with the job), and
 * its failure fails the job. state says how it went. */
enum privd_write_tag_state {
	PRIVD_TAG_ARMED = 0, /* no job has taken it yet */
	PRIVD_TAG_TAKEN,     /* a job took it; its fate is not known, or it failed */
	PRIVD_TAG_COMMITTED, /* the job and the record committed */
	PRIVD_TAG_REFUSED    /* the record part answered PRIVD_ERR_CONFLICT (another write holds it) */
};
struct privd_write_tag {
	enum privd_rc (*record)(struct privd_db *db, void *arg);
	void *arg;
	_Atomic int state; /* enum privd_write_tag_state */
};

/* Arms t on the calling thread (NULL disarms): the next job this thread submits takes it. t must stay valid until that
 * job is done. Cannot fail. */
void privd_writer_tag(struct privd_write_tag *t);

struct privd_writer;

/* Starts the writer thread on its own two connections (data and keystore). max_batch bounds a group. */
enum privd_rc privd_writer_start(const struct privd_db_target *t, size_t max_batch, struct privd_writer **out,
                                 struct privd_err *err);

/* Queues a job; the job memory must stay valid until done is called. PRIVD_ERR_BUSY after stop began. */
enum privd_rc privd_writer_submit(struct privd_writer *w, struct privd_write_job *job);

/* Queues a job and blocks until it is done; returns its rc. job->done must be NULL (it is set internally). */
enum privd_rc privd_writer_run(struct privd_writer *w, struct privd_write_job *job);

/* Finishes every queued job, stops the thread, closes its connections. Accepts NULL. */
void privd_writer_stop(struct privd_writer *w);

/* Counters for /metrics. */
struct privd_writer_stats {
	unsigned long long commits; /* data transactions committed */
	unsigned long long jobs;    /* jobs completed */
	unsigned long long failed;  /* jobs that ended in an error */
};
void privd_writer_stats(struct privd_writer *w, struct privd_writer_stats *out);

#endif
