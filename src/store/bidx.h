/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * bidx.h - the blind indexes of SQLite's data database (e-mail and phone), held in memory.
 *
 * A B-tree index on a keyed hash is written at a random leaf by every registration, so each group commit wrote a
 * whole page to the WAL for each e-mail and phone it added, and the checkpointer wrote each back to a random
 * place in the file: on SQLite that was half of what a registration cost the writer. The hashes stay in their
 * subjects row (written with it, at the end of the table); this set maps each to the row's rowid, so that a
 * look-up is a probe here and one row read by rowid. It is built from the table when the process first opens the
 * database, and only the process's writer changes it.
 *
 * A key is the first 64 bits of the blind index (itself a keyed BLAKE2b, so the bits are uniform) mixed with the
 * kind: a probe answers rowids that may hold the value, and the caller reads the row to be sure. A connection's
 * changes inside a transaction are kept in its log (privd_bidx_log) and seen by its own look-ups; db.c applies
 * the log at COMMIT and drops it (or the part after a savepoint) at ROLLBACK. PostgreSQL keeps its unique
 * indexes: several nodes write there.
 */
#ifndef PRIVD_STORE_BIDX_H
#define PRIVD_STORE_BIDX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/rc.h"

enum privd_bidx_kind { PRIVD_BIDX_EMAIL = 0, PRIVD_BIDX_PHONE = 1 };

struct privd_bidx;
struct privd_bidx_log;

/* An empty set; NULL when out of memory. */
struct privd_bidx *privd_bidx_new(void);
void privd_bidx_free(struct privd_bidx *b);
/* Live entries. Cannot fail. */
size_t privd_bidx_count(struct privd_bidx *b);

/* The kind named "email" or "phone"; -1 for any other name. */
int privd_bidx_kind(const char *name);

/* Adds (kind, bidx) -> rowid to the committed set, under the write lock. An empty bidx is ignored. */
enum privd_rc privd_bidx_put(struct privd_bidx *b, int kind, const char *bidx, int64_t rowid);

/* The rowids that may hold bidx of kind: the committed set, with log's changes over it (log may be NULL). Writes
 * at most max of them to out and returns how many there are. Takes the set's read lock. */
size_t privd_bidx_find(struct privd_bidx *b, const struct privd_bidx_log *log, int kind, const char *bidx, int64_t *out,
                       size_t max);

/* A transaction's changes, in order. */
struct privd_bidx_log *privd_bidx_log_new(void);
void privd_bidx_log_free(struct privd_bidx_log *log);
enum privd_rc privd_bidx_log_add(struct privd_bidx_log *log, int kind, const char *bidx, int64_t rowid);
enum privd_rc privd_bidx_log_remove(struct privd_bidx_log *log, int kind, const char *bidx, int64_t rowid);
/* Savepoints: the log's length at SAVEPOINT name (a stack), cut back to it at ROLLBACK TO, popped at RELEASE
 * (with every savepoint above it). A name not on the stack is ignored; PRIVD_ERR_INVALID past 16 levels. */
enum privd_rc privd_bidx_log_savepoint(struct privd_bidx_log *log, const char *name);
void privd_bidx_log_rollback_to(struct privd_bidx_log *log, const char *name);
void privd_bidx_log_release(struct privd_bidx_log *log, const char *name);
/* Forgets every change and savepoint (ROLLBACK, BEGIN). */
void privd_bidx_log_clear(struct privd_bidx_log *log);
/* Makes room in the set for every entry the log adds, before COMMIT: PRIVD_ERR_NOMEM, and the set unchanged, when
 * it cannot grow (then the transaction must not commit). */
enum privd_rc privd_bidx_reserve(struct privd_bidx *b, const struct privd_bidx_log *log);
/* Gives back what privd_bidx_reserve set aside, when the COMMIT failed. */
void privd_bidx_unreserve(struct privd_bidx *b, const struct privd_bidx_log *log);
/* Applies the log to the set under its write lock (after COMMIT), then clears it. Cannot fail after
 * privd_bidx_reserve for the same log. */
void privd_bidx_log_apply(struct privd_bidx *b, struct privd_bidx_log *log);

/* A COMMIT failed: what it left in the table is unknown until the set is built again (privd_bidx_rebuild, which
 * clears the mark). Cannot fail. */
void privd_bidx_mark_stale(struct privd_bidx *b);
bool privd_bidx_stale(struct privd_bidx *b);
/* The set as the table says, again: emptied under the write lock, then filled by load(arg), which calls
 * privd_bidx_put_many_locked for the entries, still under that lock. */
enum privd_rc privd_bidx_rebuild(struct privd_bidx *b, enum privd_rc (*load)(void *arg, struct privd_bidx *b),
                                 void *arg);
/* Room for entries in all, for a load run by privd_bidx_rebuild (the lock already held), so that it never grows
 * the table on the way. */
enum privd_rc privd_bidx_presize_locked(struct privd_bidx *b, size_t entries);
/* The same for n entries at once (kind[i], bidx[i], rowid[i]), their slots fetched into the cache together: a
 * load's inserts land all over a table of tens of megabytes. */
enum privd_rc privd_bidx_put_many_locked(struct privd_bidx *b, const int *kind, const char *const *bidx,
                                         const int64_t *rowid, size_t n);

#endif
