/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * backup.c - a consistent copy of the data and the keystore while privd serves, and putting it back.
 *
 * The two databases commit separately: a write job commits its keys first, its data second, and an erasure
 * destroys keys only after its data side committed. So two snapshots taken at different moments can disagree in
 * the one way that matters: data taken before an erasure with a keystore taken after it would restore a person as
 * alive whose key is gone. Taken at one instant between two data commits, they can only disagree harmlessly: a key
 * whose data never committed (unreadable to anyone), or a destroyed subject's key not yet destroyed (which the
 * stray-key sweep destroys at the next start). SQLite gets that instant by holding the data database's write lock
 * (BEGIN IMMEDIATE, which the writer's next commit waits for) just long enough to begin a read transaction on each
 * database, then copies each through SQLite's online backup inside its read transaction; the writer is held up for
 * microseconds, not for the copy. PostgreSQL gets it from one exported snapshot, which both pg_dump runs use.
 *
 * The copies are files meant to be kept apart (a keystore set ages out sooner than a data set), so this layer
 * writes each into its own directory and the service decides where those are.
 */
#include "store/db.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#define DATA_FILE "privd.db"
#define KS_FILE "keystore.db"
#define DATA_DUMP "data.pgdump"
#define KS_DUMP "keystore.pgdump"
#define KS_SCHEMA "privd_keys"
#define LOCK_WAIT_MS 30000

#define KIDS_SQL "SELECT kid FROM %smaster_keys WHERE state <> 'retired' ORDER BY created_at, kid"
#define AUDIT_SQL "SELECT COALESCE(MAX(seq), 0) FROM audit"

/* ---- files ---- */

static int fsync_path(const char *path, bool dir)
{
	int fd = open(path, (dir ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
	int r;

	if (fd < 0)
		return -1;
	r = fsync(fd);
	close(fd);
	return r;
}

/* Copies the file src to a new file dst (0600, refusing to overwrite), flushed. */
static enum privd_rc copy_file(const char *src, const char *dst, struct privd_err *err)
{
	char buf[65536];
	enum privd_rc rc = PRIVD_OK;
	int in = open(src, O_RDONLY | O_CLOEXEC), out = -1;
	ssize_t n;

	if (in < 0)
		return privd_err_set(err, PRIVD_ERR_IO, "cannot open %s: %s", src, strerror(errno));
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0) {
		rc = privd_err_set(err, errno == EEXIST ? PRIVD_ERR_CONFLICT : PRIVD_ERR_IO, "cannot create %s: %s",
		                   dst, errno == EEXIST ? "it already exists" : strerror(errno));
		close(in);
		return rc;
	}
	while (rc == PRIVD_OK && (n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || write(out, buf, (size_t)n) != n)
			rc = privd_err_set(err, PRIVD_ERR_IO, "cannot copy %s to %s: %s", src, dst, strerror(errno));
	}
	if (rc == PRIVD_OK && fsync(out) != 0)
		rc = privd_err_set(err, PRIVD_ERR_IO, "cannot write %s: %s", dst, strerror(errno));
	close(in);
	close(out);
	if (rc != PRIVD_OK)
		unlink(dst);
	return rc;
}

/* ---- SQLite ---- */

static enum privd_rc sq_fail(sqlite3 *h, const char *what, const char *path, struct privd_err *err)
{
	return privd_err_set(err, PRIVD_ERR_DB, "cannot %s %s: %s", what, path, h != NULL ? sqlite3_errmsg(h) : "");
}

static enum privd_rc sq_open_path(const char *path, int flags, sqlite3 **out, struct privd_err *err)
{
	if (sqlite3_open_v2(path, out, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		return sq_fail(*out, "open", path, err);
	sqlite3_busy_timeout(*out, LOCK_WAIT_MS);
	return PRIVD_OK;
}

/* The first column of the first row of sql as an integer; begins h's read transaction when one is open. */
static enum privd_rc sq_int(sqlite3 *h, const char *sql, int64_t *out)
{
	sqlite3_stmt *st = NULL;
	int r = sqlite3_prepare_v2(h, sql, -1, &st, NULL);

	if (r == SQLITE_OK)
		r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return r == SQLITE_ROW ? PRIVD_OK : PRIVD_ERR_DB;
}

static enum privd_rc sq_kids(sqlite3 *h, struct privd_db_backup_info *info)
{
	sqlite3_stmt *st = NULL;
	char sql[160];
	int r;

	snprintf(sql, sizeof(sql), KIDS_SQL, "");
	r = sqlite3_prepare_v2(h, sql, -1, &st, NULL);
	while (r == SQLITE_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *kid = sqlite3_column_text(st, 0);

		if (info->nkids < PRIVD_BACKUP_KIDS_MAX && kid != NULL)
			snprintf(info->kids[info->nkids++], PRIVD_KID_HEX, "%s", (const char *)kid);
		r = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return r == SQLITE_DONE ? PRIVD_OK : PRIVD_ERR_DB;
}

/* Copies src's main database, inside its open read transaction, into a new file at path. */
static enum privd_rc sq_copy(sqlite3 *src, const char *path, struct privd_err *err)
{
	sqlite3 *dst = NULL;
	sqlite3_backup *b;
	enum privd_rc rc = PRIVD_OK;
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0)
		return privd_err_set(err, PRIVD_ERR_IO, "cannot create %s: %s", path, strerror(errno));
	close(fd);
	rc = sq_open_path(path, SQLITE_OPEN_READWRITE, &dst, err);
	if (rc == PRIVD_OK) {
		b = sqlite3_backup_init(dst, "main", src, "main");
		if (b == NULL || sqlite3_backup_step(b, -1) != SQLITE_DONE)
			rc = sq_fail(dst, "write", path, err);
		if (sqlite3_backup_finish(b) != SQLITE_OK && rc == PRIVD_OK)
			rc = sq_fail(dst, "write", path, err);
		/* the copy is a file of its own: no WAL beside it, which opening it (a check, a look) would create */
		if (rc == PRIVD_OK && sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL) != SQLITE_OK)
			rc = sq_fail(dst, "write", path, err);
	}
	if (sqlite3_close(dst) != SQLITE_OK && rc == PRIVD_OK)
		rc = privd_err_set(err, PRIVD_ERR_DB, "cannot close %s", path);
	if (rc == PRIVD_OK && fsync_path(path, false) != 0)
		rc = privd_err_set(err, PRIVD_ERR_IO, "cannot flush %s: %s", path, strerror(errno));
	if (rc != PRIVD_OK)
		unlink(path);
	return rc;
}

/* Begins read transactions on d and k at one instant between two commits of the data: while lock holds the data
 * database's write lock. Fills what info says about that instant. */
static enum privd_rc sq_snapshot(sqlite3 *lock, sqlite3 *d, sqlite3 *k, struct privd_db_backup_info *info,
                                 struct privd_err *err)
{
	enum privd_rc rc = PRIVD_OK;

	if (sqlite3_exec(lock, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return sq_fail(lock, "lock", DATA_FILE, err);
	if (sqlite3_exec(d, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
	    sq_int(d, AUDIT_SQL, &info->audit_seq) != PRIVD_OK)
		rc = sq_fail(d, "read", DATA_FILE, err);
	if (rc == PRIVD_OK && (sqlite3_exec(k, "BEGIN", NULL, NULL, NULL) != SQLITE_OK || sq_kids(k, info) != PRIVD_OK))
		rc = sq_fail(k, "read", KS_FILE, err);
	sqlite3_exec(lock, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

static enum privd_rc sq_backup(const struct privd_db_target *t, const char *data_dir, const char *ks_dir,
                               struct privd_db_backup_info *info, struct privd_err *err)
{
	sqlite3 *lock = NULL, *d = NULL, *k = NULL;
	char path[2200];
	enum privd_rc rc;

	snprintf(path, sizeof(path), "%s/%s", t->data_dir, DATA_FILE);
	rc = sq_open_path(path, SQLITE_OPEN_READWRITE, &lock, err);
	if (rc == PRIVD_OK)
		rc = sq_open_path(path, SQLITE_OPEN_READWRITE, &d, err);
	snprintf(path, sizeof(path), "%s/%s", t->data_dir, KS_FILE);
	if (rc == PRIVD_OK)
		rc = sq_open_path(path, SQLITE_OPEN_READWRITE, &k, err);
	if (rc == PRIVD_OK)
		rc = sq_snapshot(lock, d, k, info, err);
	sqlite3_close(lock);
	snprintf(path, sizeof(path), "%s/%s", data_dir, DATA_FILE);
	if (rc == PRIVD_OK)
		rc = sq_copy(d, path, err);
	snprintf(path, sizeof(path), "%s/%s", ks_dir, KS_FILE);
	if (rc == PRIVD_OK)
		rc = sq_copy(k, path, err);
	sqlite3_close(d); /* ends the read transactions */
	sqlite3_close(k);
	return rc;
}

/* Checks a copy before it is put back: a damaged file is refused, not served. Opened immutable: nothing is written
 * beside it. */
static enum privd_rc sq_check(const char *path, struct privd_err *err)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	char *uri = sqlite3_mprintf("file:%s?immutable=1", path);
	enum privd_rc rc = uri != NULL ? sq_open_path(uri, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, &h, err)
	                               : privd_err_set(err, PRIVD_ERR_NOMEM, "out of memory");
	const unsigned char *verdict;

	if (rc == PRIVD_OK && sqlite3_prepare_v2(h, "PRAGMA quick_check", -1, &st, NULL) != SQLITE_OK)
		rc = sq_fail(h, "check", path, err);
	if (rc == PRIVD_OK && sqlite3_step(st) != SQLITE_ROW)
		rc = sq_fail(h, "check", path, err);
	verdict = rc == PRIVD_OK ? sqlite3_column_text(st, 0) : NULL;
	if (rc == PRIVD_OK && (verdict == NULL || strcmp((const char *)verdict, "ok") != 0))
		rc = privd_err_set(err, PRIVD_ERR_DB, "%s is damaged: %s", path, verdict ? (const char *)verdict : "");
	sqlite3_finalize(st);
	sqlite3_close(h);
	sqlite3_free(uri);
	return rc;
}

static enum privd_rc sq_restore(const struct privd_db_target *t, const char *data_dir, const char *ks_dir,
                                struct privd_err *err)
{
	const char *files[2][2] = {{data_dir, DATA_FILE}, {ks_dir, KS_FILE}};
	char src[2200], dst[2200];
	struct stat st;
	enum privd_rc rc = PRIVD_OK;

	for (int i = 0; i < 2 && rc == PRIVD_OK; i++) {
		snprintf(src, sizeof(src), "%s/%s", files[i][0], files[i][1]);
		snprintf(dst, sizeof(dst), "%s/%s", t->data_dir, files[i][1]);
		if (stat(dst, &st) == 0)
			rc = privd_err_set(err, PRIVD_ERR_CONFLICT,
			                   "%s already exists: restore into a directory without one", dst);
		else
			rc = sq_check(src, err);
	}
	for (int i = 0; i < 2 && rc == PRIVD_OK; i++) {
		snprintf(src, sizeof(src), "%s/%s", files[i][0], files[i][1]);
		snprintf(dst, sizeof(dst), "%s/%s", t->data_dir, files[i][1]);
		rc = copy_file(src, dst, err);
	}
	if (rc == PRIVD_OK && fsync_path(t->data_dir, true) != 0)
		rc = privd_err_set(err, PRIVD_ERR_IO, "cannot flush %s: %s", t->data_dir, strerror(errno));
	return rc;
}

/* ---- PostgreSQL ---- */

/* The connection string of url without its password, for a tool's command line, and the password apart. */
static enum privd_rc pg_conninfo(const char *url, char *out, size_t outlen, char *password, size_t pwlen,
                                 struct privd_err *err)
{
	char *msg = NULL;
	PQconninfoOption *opts = PQconninfoParse(url, &msg);
	size_t n = 0;

	password[0] = '\0';
	out[0] = '\0';
	if (opts == NULL) {
		PQfreemem(msg);
		return privd_err_set(err, PRIVD_ERR_INVALID, "cannot parse the database url");
	}
	for (PQconninfoOption *o = opts; o->keyword != NULL; o++) {
		if (o->val == NULL || o->val[0] == '\0')
			continue;
		if (strcmp(o->keyword, "password") == 0) {
			snprintf(password, pwlen, "%s", o->val);
			continue;
		}
		n += (size_t)snprintf(out + n, n < outlen ? outlen - n : 0, "%s%s='", n > 0 ? " " : "", o->keyword);
		for (const char *c = o->val; *c != '\0' && n + 3 < outlen; c++) {
			if (*c == '\'' || *c == '\\')
				out[n++] = '\\';
			out[n++] = *c;
		}
		n += (size_t)snprintf(out + n, n < outlen ? outlen - n : 0, "'");
	}
	PQconninfoFree(opts);
	return n < outlen ? PRIVD_OK : privd_err_set(err, PRIVD_ERR_INVALID, "database url too long");
}

/* Runs a PostgreSQL client tool and waits for it; its own messages go to stderr. */
static enum privd_rc run_tool(char *const argv[], const char *password, struct privd_err *err)
{
	extern char **environ;
	char pw[320], **envp = NULL;
	size_t n = 0, k = 0;
	pid_t pid;
	int status = 0, r;
	enum privd_rc rc = PRIVD_OK;

	while (environ[n] != NULL)
		n++;
	envp = calloc(n + 2, sizeof(*envp));
	if (envp == NULL)
		return privd_err_set(err, PRIVD_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "PGPASSWORD=", 11) != 0 || password[0] == '\0')
			envp[k++] = environ[i];
	if (password[0] != '\0') {
		snprintf(pw, sizeof(pw), "PGPASSWORD=%s", password);
		envp[k++] = pw;
	}
	r = posix_spawnp(&pid, argv[0], NULL, NULL, argv, envp);
	if (r != 0)
		rc = privd_err_set(err, PRIVD_ERR_IO, "cannot run %s: %s (install the PostgreSQL client)", argv[0],
		                   strerror(r));
	while (rc == PRIVD_OK && waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			rc = privd_err_set(err, PRIVD_ERR_IO, "cannot wait for %s: %s", argv[0], strerror(errno));
	if (rc == PRIVD_OK && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		rc = privd_err_set(err, PRIVD_ERR_DB, "%s failed (exit %d)", argv[0],
		                   WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	explicit_bzero(pw, sizeof(pw));
	free(envp);
	return rc;
}

static enum privd_rc pg_query(PGconn *c, const char *sql, PGresult **out, struct privd_err *err)
{
	*out = PQexec(c, sql);
	if (PQresultStatus(*out) == PGRES_TUPLES_OK || PQresultStatus(*out) == PGRES_COMMAND_OK)
		return PRIVD_OK;
	return privd_err_set(err, PRIVD_ERR_DB, "postgresql: %s", PQresultErrorMessage(*out));
}

/* Exports a snapshot of c's transaction into snap and reads what info says about it. */
static enum privd_rc pg_snapshot(PGconn *c, char *snap, size_t len, struct privd_db_backup_info *info,
                                 struct privd_err *err)
{
	PGresult *res = NULL;
	char sql[160];
	enum privd_rc rc = pg_query(c, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", &res, err);

	PQclear(res);
	if (rc == PRIVD_OK)
		rc = pg_query(c, "SELECT pg_export_snapshot()", &res, err);
	if (rc == PRIVD_OK)
		snprintf(snap, len, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	if (rc == PRIVD_OK)
		rc = pg_query(c, AUDIT_SQL, &res, err);
	if (rc == PRIVD_OK)
		info->audit_seq = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	snprintf(sql, sizeof(sql), KIDS_SQL, KS_SCHEMA ".");
	if (rc == PRIVD_OK)
		rc = pg_query(c, sql, &res, err);
	for (int i = 0; rc == PRIVD_OK && i < PQntuples(res) && info->nkids < PRIVD_BACKUP_KIDS_MAX; i++)
		snprintf(info->kids[info->nkids++], PRIVD_KID_HEX, "%s", PQgetvalue(res, i, 0));
	PQclear(res);
	return rc;
}

static enum privd_rc pg_connect(const struct privd_db_target *t, PGconn **c, struct privd_err *err)
{
	*c = PQconnectdb(t->url);
	if (*c == NULL || PQstatus(*c) != CONNECTION_OK)
		return privd_err_set(err, PRIVD_ERR_DB, "cannot connect to postgresql: %s",
		                     *c != NULL ? PQerrorMessage(*c) : "out of memory");
	return PRIVD_OK;
}

static enum privd_rc pg_backup(const struct privd_db_target *t, const char *data_dir, const char *ks_dir,
                               struct privd_db_backup_info *info, struct privd_err *err)
{
	char conn[2048], pw[256], snap[128], snaparg[160], dbarg[2100], data_file[2200], ks_file[2200];
	PGconn *c = NULL;
	enum privd_rc rc = pg_conninfo(t->url, conn, sizeof(conn), pw, sizeof(pw), err);

	snprintf(dbarg, sizeof(dbarg), "--dbname=%s", conn);
	snprintf(data_file, sizeof(data_file), "--file=%s/%s", data_dir, DATA_DUMP);
	snprintf(ks_file, sizeof(ks_file), "--file=%s/%s", ks_dir, KS_DUMP);
	if (rc == PRIVD_OK)
		rc = pg_connect(t, &c, err);
	if (rc == PRIVD_OK)
		rc = pg_snapshot(c, snap, sizeof(snap), info, err);
	snprintf(snaparg, sizeof(snaparg), "--snapshot=%s", snap);
	if (rc == PRIVD_OK) {
		char *argv[] = {"pg_dump",
		                "--format=custom",
		                "--no-owner",
		                "--no-privileges",
		                "--exclude-schema=" KS_SCHEMA,
		                snaparg,
		                data_file,
		                dbarg,
		                NULL};

		rc = run_tool(argv, pw, err);
	}
	if (rc == PRIVD_OK) {
		char *argv[] = {"pg_dump",
		                "--format=custom",
		                "--no-owner",
		                "--no-privileges",
		                "--schema=" KS_SCHEMA,
		                snaparg,
		                ks_file,
		                dbarg,
		                NULL};

		rc = run_tool(argv, pw, err);
	}
	PQfinish(c); /* ends the snapshot's transaction */
	explicit_bzero(pw, sizeof(pw));
	return rc;
}

/* PRIVD_ERR_CONFLICT when t's database already holds privd's tables (or its keystore schema). */
static enum privd_rc pg_check_empty(const struct privd_db_target *t, struct privd_err *err)
{
	PGconn *c = NULL;
	PGresult *res = NULL;
	enum privd_rc rc = pg_connect(t, &c, err);

	if (rc == PRIVD_OK)
		rc = pg_query(c,
		              "SELECT (SELECT count(*) FROM pg_catalog.pg_namespace WHERE nspname = '" KS_SCHEMA "') +"
		              " (SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema()"
		              " AND tablename IN ('schema_migrations', 'subjects', 'audit'))",
		              &res, err);
	if (rc == PRIVD_OK && strcmp(PQgetvalue(res, 0, 0), "0") != 0)
		rc = privd_err_set(err, PRIVD_ERR_CONFLICT,
		                   "the database already holds privd's tables: restore into a new, empty database");
	PQclear(res);
	PQfinish(c);
	return rc;
}

static enum privd_rc pg_restore(const struct privd_db_target *t, const char *data_dir, const char *ks_dir,
                                struct privd_err *err)
{
	char conn[2048], pw[256], dbarg[2100], file[2200];
	enum privd_rc rc = pg_conninfo(t->url, conn, sizeof(conn), pw, sizeof(pw), err);

	snprintf(dbarg, sizeof(dbarg), "--dbname=%s", conn);
	if (rc == PRIVD_OK)
		rc = pg_check_empty(t, err);
	for (int i = 0; i < 2 && rc == PRIVD_OK; i++) {
		char *argv[] = {
		    "pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", dbarg,
		    file,         NULL};

		snprintf(file, sizeof(file), "%s/%s", i == 0 ? data_dir : ks_dir, i == 0 ? DATA_DUMP : KS_DUMP);
		rc = run_tool(argv, pw, err);
	}
	explicit_bzero(pw, sizeof(pw));
	return rc;
}

/* ---- the interface ---- */

enum privd_rc privd_db_backup(const struct privd_db_target *t, const char *data_dir, const char *ks_dir,
                              struct privd_db_backup_info *info, struct privd_err *err)
{
	memset(info, 0, sizeof(*info));
	if (t->engine == PRIVD_DB_POSTGRES)
		return pg_backup(t, data_dir, ks_dir, info, err);
	return sq_backup(t, data_dir, ks_dir, info, err);
}

enum privd_rc privd_db_restore(const struct privd_db_target *t, const char *data_dir, const char *ks_dir,
                               struct privd_err *err)
{
	if (t->engine == PRIVD_DB_POSTGRES)
		return pg_restore(t, data_dir, ks_dir, err);
	return sq_restore(t, data_dir, ks_dir, err);
}
