/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * sqlite_vfs.h - a thin SQLite VFS over the default one that writes each commit's WAL frames in one write.
 *
 * SQLite writes a WAL frame as two pwrites (its 24-byte header, then the page), so a group commit of 100 frames
 * is 200 system calls before its fdatasync. The shim gathers the consecutive writes of a WAL file into one buffer
 * and hands them to the default VFS as one write when SQLite syncs the file (or reads it, sizes it, truncates it,
 * closes it, or writes elsewhere in it). Every other file, and every other method, is the default VFS's own.
 *
 * Its one condition: a connection that writes through it runs with synchronous=FULL (or EXTRA), so that each commit
 * syncs the WAL before the wal-index publishes the commit's frames to the other connections; with NORMAL or OFF a
 * reader could be sent to a frame still in the buffer. Durability is the default VFS's: nothing is acknowledged
 * before the sync, and the sync writes the buffer first.
 *
 * A database file opened through the shim is synced after each megabyte written to it, so that the copy of a large
 * WAL into the database (a checkpoint) reaches the disk a piece at a time and not in one sync at its end that every
 * commit's sync would wait behind.
 */
#ifndef PRIVD_STORE_SQLITE_VFS_H
#define PRIVD_STORE_SQLITE_VFS_H

#include <stdint.h>

/* Registers the shim (once per process; not as the default VFS) and returns its name for sqlite3_open_v2, or NULL
 * when it cannot be registered (then the default VFS serves, unchanged). Thread-safe; cannot fail otherwise. */
const char *privd_sqlite_vfs(void);

struct privd_sqlite_vfs_stats {
	uint64_t writes_in;  /* WAL writes SQLite asked for */
	uint64_t writes_out; /* writes passed to the default VFS for them */
	uint64_t db_syncs;   /* syncs of a database file the shim made while a checkpoint wrote it */
};

/* The counters since the process started (relaxed atomics: for tests and profiles). */
void privd_sqlite_vfs_stats(struct privd_sqlite_vfs_stats *out);

#endif
