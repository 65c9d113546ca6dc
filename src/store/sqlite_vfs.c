/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * sqlite_vfs.c - the WAL-gathering shim over SQLite's default VFS (see sqlite_vfs.h).
 *
 * Measured on the writer thread: per registration 3.7 WAL frames, each two pwrite64 calls, were 17% of its time. The
 * shim is a copy of the default VFS with its own xOpen: a file that is not a WAL is opened by the default VFS into
 * the very memory SQLite gave, so it runs the default methods with nothing in between; a WAL file gets a small
 * wrapper whose xWrite appends a write that continues the buffered run and hands the run over first otherwise. Every
 * other method of a WAL file hands the run over before it calls the default one, so SQLite never sees the file
 * without what it wrote, and the sync that makes a commit durable writes it first. A failed hand-over is the error
 * of the call that made it, so SQLite fails that commit as it would have failed the write.
 *
 * A database file gets a wrapper too, whose xWrite syncs the file after each DBSYNC_EVERY bytes written. In WAL mode
 * only a checkpoint writes the database, and SQLite syncs it once, at the end of the copy: after a copy of 30 MB that
 * one sync took 26-30 ms, and every commit's sync of the WAL waited behind it on the disk (registration's p99 went
 * from 16 to 46 ms). Synced a megabyte at a time, a commit waits for one such piece at most. The early syncs change
 * nothing SQLite relies on: it marks the frames copied only after its own sync.
 */
#include "store/sqlite_vfs.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define WALBUF_FIRST (64 * 1024)
#define WALBUF_MAX (4 * 1024 * 1024) /* a larger run is written as it stands and a new one begun */
/* The unix VFS writes at most 128 KiB - 1 bytes a call (seekAndWriteFd masks the count with 0x1ffff): a larger
 * write through it would come back short, as a full disk. */
#define WALBUF_CHUNK (124 * 1024)
#define DBSYNC_EVERY (1024 * 1024)

struct walbuf_file {
	sqlite3_file base;  /* pMethods: walbuf_methods */
	sqlite3_file *real; /* the default VFS's file, in the same allocation after this struct */
	unsigned char *buf;
	size_t len, cap;
	sqlite3_int64 off; /* where buf[0] goes in the file */
};

struct dbsync_file {
	sqlite3_file base;  /* pMethods: dbsync_methods */
	sqlite3_file *real; /* the default VFS's file, in the same allocation after this struct */
	size_t unsynced;    /* bytes written since the last sync */
};

#define WRAPPER_SIZE                                                                                                   \
	(sizeof(struct walbuf_file) > sizeof(struct dbsync_file) ? sizeof(struct walbuf_file)                          \
	                                                         : sizeof(struct dbsync_file))
#define REAL_OFFSET ((WRAPPER_SIZE + alignof(max_align_t) - 1) / alignof(max_align_t) * alignof(max_align_t))

static sqlite3_vfs shim;
static sqlite3_vfs *root;
static const char *shim_name;
static pthread_once_t shim_once = PTHREAD_ONCE_INIT;
static atomic_uint_fast64_t writes_in, writes_out, db_syncs;

static struct walbuf_file *WB(sqlite3_file *f)
{
	return (struct walbuf_file *)f;
}

/* Writes the buffered run, if any, through the default VFS, in pieces of at most WALBUF_CHUNK; empties the buffer
 * whatever the outcome. */
static int flush(struct walbuf_file *w)
{
	int rc = SQLITE_OK;
	size_t done = 0;

	while (done < w->len && rc == SQLITE_OK) {
		size_t n = w->len - done < WALBUF_CHUNK ? w->len - done : WALBUF_CHUNK;

		rc = w->real->pMethods->xWrite(w->real, w->buf + done, (int)n, w->off + (sqlite3_int64)done);
		atomic_fetch_add_explicit(&writes_out, 1, memory_order_relaxed);
		done += n;
	}
	w->len = 0;
	return rc;
}

/* Room for need bytes in the buffer; false when it cannot grow (then the caller writes through). */
static bool reserve(struct walbuf_file *w, size_t need)
{
	size_t cap = w->cap > 0 ? w->cap : WALBUF_FIRST;
	unsigned char *p;

	if (need <= w->cap)
		return true;
	while (cap < need)
		cap *= 2;
	p = realloc(w->buf, cap);
	if (p == NULL)
		return false;
	w->buf = p;
	w->cap = cap;
	return true;
}

static int wb_write(sqlite3_file *f, const void *p, int amt, sqlite3_int64 off)
{
	struct walbuf_file *w = WB(f);
	size_t n = (size_t)amt;
	int rc;

	atomic_fetch_add_explicit(&writes_in, 1, memory_order_relaxed);
	if (w->len > 0 && off == w->off + (sqlite3_int64)w->len && w->len + n <= WALBUF_MAX && reserve(w, w->len + n)) {
		memcpy(w->buf + w->len, p, n);
		w->len += n;
		return SQLITE_OK;
	}
	rc = flush(w);
	if (rc != SQLITE_OK)
		return rc;
	if (n > WALBUF_CHUNK || !reserve(w, n)) {
		atomic_fetch_add_explicit(&writes_out, 1, memory_order_relaxed);
		return w->real->pMethods->xWrite(w->real, p, amt, off);
	}
	memcpy(w->buf, p, n);
	w->len = n;
	w->off = off;
	return SQLITE_OK;
}

static int wb_close(sqlite3_file *f)
{
	struct walbuf_file *w = WB(f);
	int rc = flush(w);
	int rc2 = w->real->pMethods->xClose(w->real);

	free(w->buf);
	w->buf = NULL;
	w->cap = 0;
	return rc != SQLITE_OK ? rc : rc2;
}

static int wb_read(sqlite3_file *f, void *p, int amt, sqlite3_int64 off)
{
	struct walbuf_file *w = WB(f);
	int rc = flush(w);

	return rc != SQLITE_OK ? rc : w->real->pMethods->xRead(w->real, p, amt, off);
}

static int wb_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	struct walbuf_file *w = WB(f);
	int rc = flush(w);

	return rc != SQLITE_OK ? rc : w->real->pMethods->xTruncate(w->real, size);
}

static int wb_sync(sqlite3_file *f, int flags)
{
	struct walbuf_file *w = WB(f);
	int rc = flush(w);

	return rc != SQLITE_OK ? rc : w->real->pMethods->xSync(w->real, flags);
}

static int wb_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
	struct walbuf_file *w = WB(f);
	int rc = flush(w);

	return rc != SQLITE_OK ? rc : w->real->pMethods->xFileSize(w->real, size);
}

static int wb_lock(sqlite3_file *f, int level)
{
	struct walbuf_file *w = WB(f);
	int rc = flush(w);

	return rc != SQLITE_OK ? rc : w->real->pMethods->xLock(w->real, level);
}

static int wb_unlock(sqlite3_file *f, int level)
{
	struct walbuf_file *w = WB(f);
	int rc = flush(w);

	return rc != SQLITE_OK ? rc : w->real->pMethods->xUnlock(w->real, level);
}

static int wb_check_reserved(sqlite3_file *f, int *out)
{
	struct walbuf_file *w = WB(f);
	int rc = flush(w);

	return rc != SQLITE_OK ? rc : w->real->pMethods->xCheckReservedLock(w->real, out);
}

static int wb_file_control(sqlite3_file *f, int op, void *arg)
{
	struct walbuf_file *w = WB(f);
	int rc = flush(w);

	return rc != SQLITE_OK ? rc : w->real->pMethods->xFileControl(w->real, op, arg);
}

static int wb_sector_size(sqlite3_file *f)
{
	struct walbuf_file *w = WB(f);

	return w->real->pMethods->xSectorSize(w->real);
}

static int wb_device_characteristics(sqlite3_file *f)
{
	struct walbuf_file *w = WB(f);

	return w->real->pMethods->xDeviceCharacteristics(w->real);
}

/* Version 1: SQLite maps shared memory and pages (versions 2 and 3) through the database file, never the WAL. */
static const sqlite3_io_methods walbuf_methods = {
    .iVersion = 1,
    .xClose = wb_close,
    .xRead = wb_read,
    .xWrite = wb_write,
    .xTruncate = wb_truncate,
    .xSync = wb_sync,
    .xFileSize = wb_file_size,
    .xLock = wb_lock,
    .xUnlock = wb_unlock,
    .xCheckReservedLock = wb_check_reserved,
    .xFileControl = wb_file_control,
    .xSectorSize = wb_sector_size,
    .xDeviceCharacteristics = wb_device_characteristics,
};

/* ---- a database file: synced a piece at a time while a checkpoint writes it ---- */

static sqlite3_file *DS(sqlite3_file *f)
{
	return ((struct dbsync_file *)f)->real;
}

static int ds_write(sqlite3_file *f, const void *p, int amt, sqlite3_int64 off)
{
	struct dbsync_file *d = (struct dbsync_file *)f;
	int rc = d->real->pMethods->xWrite(d->real, p, amt, off);

	if (rc != SQLITE_OK)
		return rc;
	d->unsynced += (size_t)amt;
	if (d->unsynced < DBSYNC_EVERY)
		return SQLITE_OK;
	d->unsynced = 0;
	atomic_fetch_add_explicit(&db_syncs, 1, memory_order_relaxed);
	return d->real->pMethods->xSync(d->real, SQLITE_SYNC_NORMAL | SQLITE_SYNC_DATAONLY);
}

static int ds_sync(sqlite3_file *f, int flags)
{
	struct dbsync_file *d = (struct dbsync_file *)f;

	d->unsynced = 0;
	return d->real->pMethods->xSync(d->real, flags);
}

static int ds_close(sqlite3_file *f)
{
	return DS(f)->pMethods->xClose(DS(f));
}

static int ds_read(sqlite3_file *f, void *p, int amt, sqlite3_int64 off)
{
	return DS(f)->pMethods->xRead(DS(f), p, amt, off);
}

static int ds_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	return DS(f)->pMethods->xTruncate(DS(f), size);
}

static int ds_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
	return DS(f)->pMethods->xFileSize(DS(f), size);
}

static int ds_lock(sqlite3_file *f, int level)
{
	return DS(f)->pMethods->xLock(DS(f), level);
}

static int ds_unlock(sqlite3_file *f, int level)
{
	return DS(f)->pMethods->xUnlock(DS(f), level);
}

static int ds_check_reserved(sqlite3_file *f, int *out)
{
	return DS(f)->pMethods->xCheckReservedLock(DS(f), out);
}

static int ds_file_control(sqlite3_file *f, int op, void *arg)
{
	return DS(f)->pMethods->xFileControl(DS(f), op, arg);
}

static int ds_sector_size(sqlite3_file *f)
{
	return DS(f)->pMethods->xSectorSize(DS(f));
}

static int ds_device_characteristics(sqlite3_file *f)
{
	return DS(f)->pMethods->xDeviceCharacteristics(DS(f));
}

static int ds_shm_map(sqlite3_file *f, int region, int size, int extend, void volatile **p)
{
	return DS(f)->pMethods->xShmMap(DS(f), region, size, extend, p);
}

static int ds_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
	return DS(f)->pMethods->xShmLock(DS(f), offset, n, flags);
}

static void ds_shm_barrier(sqlite3_file *f)
{
	DS(f)->pMethods->xShmBarrier(DS(f));
}

static int ds_shm_unmap(sqlite3_file *f, int delete_flag)
{
	return DS(f)->pMethods->xShmUnmap(DS(f), delete_flag);
}

static int ds_fetch(sqlite3_file *f, sqlite3_int64 off, int amt, void **pp)
{
	return DS(f)->pMethods->xFetch(DS(f), off, amt, pp);
}

static int ds_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
	return DS(f)->pMethods->xUnfetch(DS(f), off, p);
}

/* Version 3, as the unix VFS's own (checked at open): a database file carries the wal-index and memory maps. */
static const sqlite3_io_methods dbsync_methods = {
    .iVersion = 3,
    .xClose = ds_close,
    .xRead = ds_read,
    .xWrite = ds_write,
    .xTruncate = ds_truncate,
    .xSync = ds_sync,
    .xFileSize = ds_file_size,
    .xLock = ds_lock,
    .xUnlock = ds_unlock,
    .xCheckReservedLock = ds_check_reserved,
    .xFileControl = ds_file_control,
    .xSectorSize = ds_sector_size,
    .xDeviceCharacteristics = ds_device_characteristics,
    .xShmMap = ds_shm_map,
    .xShmLock = ds_shm_lock,
    .xShmBarrier = ds_shm_barrier,
    .xShmUnmap = ds_shm_unmap,
    .xFetch = ds_fetch,
    .xUnfetch = ds_unfetch,
};

static int wb_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *f, int flags, int *out_flags)
{
	struct walbuf_file *w = WB(f);
	int rc;

	(void)vfs;
	if ((flags & SQLITE_OPEN_MAIN_DB) != 0) {
		struct dbsync_file *d = (struct dbsync_file *)f;

		memset(d, 0, sizeof(*d));
		d->real = (sqlite3_file *)((unsigned char *)f + REAL_OFFSET);
		rc = root->xOpen(root, name, d->real, flags, out_flags);
		if (rc != SQLITE_OK) {
			d->base.pMethods = NULL;
			return rc;
		}
		if (d->real->pMethods->iVersion >= 3) {
			d->base.pMethods = &dbsync_methods;
			return SQLITE_OK;
		}
		/* an older default VFS: its file, unwrapped, in SQLite's memory */
		d->real->pMethods->xClose(d->real);
		return root->xOpen(root, name, f, flags, out_flags);
	}
	if ((flags & SQLITE_OPEN_WAL) == 0)
		return root->xOpen(root, name, f, flags, out_flags);
	memset(w, 0, sizeof(*w));
	w->real = (sqlite3_file *)((unsigned char *)f + REAL_OFFSET);
	rc = root->xOpen(root, name, w->real, flags, out_flags);
	w->base.pMethods = rc == SQLITE_OK ? &walbuf_methods : NULL;
	return rc;
}

static void shim_register(void)
{
	root = sqlite3_vfs_find(NULL);
	if (root == NULL)
		return;
	/* a copy of the default VFS (its pAppData too: the unix VFS keeps its locking style there) */
	shim = *root;
	shim.pNext = NULL;
	shim.zName = "privd-walbuf";
	shim.xOpen = wb_open;
	shim.szOsFile = (int)(root->szOsFile + REAL_OFFSET);
	if (sqlite3_vfs_register(&shim, 0) == SQLITE_OK)
		shim_name = shim.zName;
}

const char *privd_sqlite_vfs(void)
{
	pthread_once(&shim_once, shim_register);
	return shim_name;
}

void privd_sqlite_vfs_stats(struct privd_sqlite_vfs_stats *out)
{
	out->writes_in = atomic_load_explicit(&writes_in, memory_order_relaxed);
	out->writes_out = atomic_load_explicit(&writes_out, memory_order_relaxed);
	out->db_syncs = atomic_load_explicit(&db_syncs, memory_order_relaxed);
}
