/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * backup.c - `privd backup`: a data set and a keystore set taken at one instant, kept apart and aged out apart.
 *
 * Crypto-shredding decides the layout. A person's PII is sealed under their data key, and an erasure destroys that
 * key, but every backup taken before the erasure still holds the sealed rows (data set) and the wrapped key
 * (keystore set). Kept together and for as long, the two would restore the erased person for as long as backups
 * are kept. Kept apart, the keystore sets are aged out sooner ([backup] keystore_retention_days) than the data sets
 * (data_retention_days): once the last keystore set taken before an erasure is gone, the data sets still restore
 * everyone else (with a newer keystore set, core/backup.h) and the erased person with nobody. The master key is the
 * third part and is never in a set: a set on its own, or both sets, reveal nothing without it (docs/operations.md
 * says where its copy goes).
 *
 * A set is written under a hidden name (.<stamp>.partial) and renamed once complete, so a crash leaves no set that
 * looks whole, and aging out never touches what it cannot read as a set's name. A keystore set's files are
 * overwritten before they are removed: on the file systems where that still reaches the disk, the wrapped keys go
 * with them.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/backup.h"
#include "core/jsonw.h"
#include "core/log.h"
#include "core/time.h"
#include "service/service_int.h"

#define MANIFEST "manifest.json"
#define CONFIG_FILE "privd.conf"

/* ---- files ---- */

bool privd_path_join(char *out, size_t len, const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (len == 0)
		return false;
	if (la + 1 + lb >= len) {
		out[0] = '\0';
		return false;
	}
	memcpy(out, a, la);
	out[la] = '/';
	memcpy(out + la + 1, b, lb + 1);
	return true;
}

static enum privd_rc make_dir(const char *path, struct privd_err *err)
{
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return privd_err_set(err, PRIVD_ERR_IO, "cannot create %s: %s", path, strerror(errno));
	return PRIVD_OK;
}

/* Overwrites a regular file with zeros and flushes it (before it is removed). */
static void overwrite(const char *path)
{
	static const char zeros[65536];
	struct stat st;
	int fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	off_t left;

	if (fd < 0)
		return;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		for (left = st.st_size; left > 0;) {
			ssize_t n = write(fd, zeros, left < (off_t)sizeof(zeros) ? (size_t)left : sizeof(zeros));

			if (n <= 0)
				break;
			left -= n;
		}
	fsync(fd);
	close(fd);
}

enum privd_rc privd_backup_remove_set(const char *dir, bool shred)
{
	struct dirent *e;
	char path[PATH_MAX];
	DIR *d = opendir(dir);
	enum privd_rc rc = PRIVD_OK;

	if (d == NULL)
		return errno == ENOENT ? PRIVD_OK : PRIVD_ERR_IO;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		privd_path_join(path, sizeof(path), dir, e->d_name);
		if (shred)
			overwrite(path);
		if (unlink(path) != 0)
			rc = PRIVD_ERR_IO;
	}
	closedir(d);
	if (rmdir(dir) != 0)
		rc = PRIVD_ERR_IO;
	return rc;
}

size_t privd_backup_sets(const char *dir, struct privd_backup_set *sets, size_t max)
{
	struct dirent *e;
	DIR *d = opendir(dir);
	size_t n = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL && n < max) {
		if (!privd_backup_stamp_parse(e->d_name, &sets[n].taken_at))
			continue;
		memcpy(sets[n].stamp, e->d_name, PRIVD_BACKUP_STAMP_LEN); /* a stamp, and its NUL */
		n++;
	}
	closedir(d);
	return n;
}

/* ---- taking a backup ---- */

/* Writes a set's manifest: what it is, when, from which engine, and what it needs or holds. */
static enum privd_rc write_manifest(const char *dir, const char *kind, int64_t at, enum privd_db_engine engine,
                                    const struct privd_db_backup_info *info, struct privd_err *err)
{
	char path[PATH_MAX], when[PRIVD_TIME_LEN];
	json_t *m = json_object(), *kids = json_array();
	int fd = -1;
	enum privd_rc rc = PRIVD_OK;

	privd_time_format(at, when);
	json_object_set_new(m, "privd_backup", json_integer(1));
	json_object_set_new(m, "set", json_string(kind));
	json_object_set_new(m, "taken_at", json_string(when));
	json_object_set_new(m, "engine", json_string(engine == PRIVD_DB_POSTGRES ? "postgresql" : "sqlite"));
	if (strcmp(kind, "data") == 0)
		json_object_set_new(m, "audit_seq", json_integer(info->audit_seq));
	for (size_t i = 0; strcmp(kind, "keystore") == 0 && i < info->nkids; i++)
		json_array_append_new(kids, json_string(info->kids[i]));
	if (strcmp(kind, "keystore") == 0)
		json_object_set(m, "master_keys", kids);
	privd_path_join(path, sizeof(path), dir, MANIFEST);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || json_dumpfd(m, fd, JSON_INDENT(2)) != 0 || write(fd, "\n", 1) != 1 || fsync(fd) != 0)
		rc = privd_err_set(err, PRIVD_ERR_IO, "cannot write %s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	json_decref(kids);
	json_decref(m);
	return rc;
}

enum privd_rc privd_backup_copy_file(const char *src, const char *dst, struct privd_err *err)
{
	char buf[65536];
	enum privd_rc rc = PRIVD_OK;
	int in, out;
	ssize_t n;

	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return privd_err_set(err, errno == ENOENT ? PRIVD_ERR_NOT_FOUND : PRIVD_ERR_IO, "cannot open %s: %s",
		                     src, strerror(errno));
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		rc = privd_err_set(err, errno == EEXIST ? PRIVD_ERR_CONFLICT : PRIVD_ERR_IO, "cannot create %s: %s",
		                   dst, strerror(errno));
	while (rc == PRIVD_OK && (n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			rc = privd_err_set(err, PRIVD_ERR_IO, "cannot write %s: %s", dst, strerror(errno));
	if (rc == PRIVD_OK && fsync(out) != 0)
		rc = privd_err_set(err, PRIVD_ERR_IO, "cannot write %s: %s", dst, strerror(errno));
	close(in);
	if (out >= 0)
		close(out);
	if (rc != PRIVD_OK && out >= 0)
		unlink(dst);
	return rc;
}

/* Copies the data directory's privd.conf into the data set, when there is one. */
static enum privd_rc copy_config(struct privd_service *svc, const char *dir, struct privd_err *err)
{
	char src[PATH_MAX], dst[PATH_MAX];
	enum privd_rc rc;

	privd_path_join(src, sizeof(src), svc->cfg.data_dir, CONFIG_FILE);
	privd_path_join(dst, sizeof(dst), dir, CONFIG_FILE);
	rc = privd_backup_copy_file(src, dst, err);
	return rc == PRIVD_ERR_NOT_FOUND ? PRIVD_OK : rc;
}

/* Refuses a backup directory inside the data directory (where the master key is), and makes it and its two
 * kinds of set directories. */
static enum privd_rc prepare_to(struct privd_service *svc, const char *to, struct privd_err *err)
{
	char data[PATH_MAX], real_to[PATH_MAX], path[PATH_MAX];
	size_t len;
	enum privd_rc rc = make_dir(to, err);

	if (rc != PRIVD_OK)
		return rc;
	if (realpath(svc->cfg.data_dir, data) == NULL || realpath(to, real_to) == NULL)
		return privd_err_set(err, PRIVD_ERR_IO, "cannot resolve %s: %s", to, strerror(errno));
	len = strlen(data);
	if (strncmp(real_to, data, len) == 0 && (real_to[len] == '/' || real_to[len] == '\0'))
		return privd_err_set(err, PRIVD_ERR_INVALID,
		                     "%s is inside the data directory, beside the master key: back up somewhere else",
		                     to);
	snprintf(path, sizeof(path), "%s/data", to);
	rc = make_dir(path, err);
	snprintf(path, sizeof(path), "%s/keystore", to);
	if (rc == PRIVD_OK)
		rc = make_dir(path, err);
	return rc;
}

/* Renames a complete set from its hidden name to its stamp, flushed. */
static enum privd_rc publish(const char *parent, const char *tmp, const char *stamp, struct privd_err *err)
{
	char path[PATH_MAX];
	int fd;

	privd_path_join(path, sizeof(path), parent, stamp);
	if (rename(tmp, path) != 0)
		return privd_err_set(err, PRIVD_ERR_IO, "cannot rename %s: %s", tmp, strerror(errno));
	fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	return PRIVD_OK;
}

/* Removes the sets of kind under to older than days, but the one just taken. */
static size_t prune(const char *to, const char *kind, int days, const char *keep, bool shred)
{
	struct privd_backup_set *sets = calloc(PRIVD_BACKUP_SETS_MAX, sizeof(*sets));
	char parent[PATH_MAX], path[PATH_MAX];
	size_t n, pruned = 0;
	int64_t now = privd_now_ms();

	privd_path_join(parent, sizeof(parent), to, kind);
	n = sets != NULL ? privd_backup_sets(parent, sets, PRIVD_BACKUP_SETS_MAX) : 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(sets[i].stamp, keep) == 0 || !privd_backup_expired(sets[i].taken_at, now, days))
			continue;
		privd_path_join(path, sizeof(path), parent, sets[i].stamp);
		if (privd_backup_remove_set(path, shred) == PRIVD_OK)
			pruned++;
		else
			privd_log(PRIVD_LOG_WARN, "backup.prune_failed", "\"set\":\"%s/%s\"", kind, sets[i].stamp);
	}
	free(sets);
	return pruned;
}

struct taken {
	struct privd_service *svc;
	const struct privd_principal *who;
	const struct privd_backup_result *out;
};

static enum privd_rc taken_data(struct privd_db *db, void *arg)
{
	struct taken *t = arg;
	char detail[256];
	struct privd_jsonw w;

	privd_jsonw_init(&w, detail, sizeof(detail));
	privd_jsonw_int(&w, "audit_seq", t->out->audit_seq);
	privd_jsonw_int(&w, "pruned_data", (int64_t)t->out->pruned_data);
	privd_jsonw_int(&w, "pruned_keystore", (int64_t)t->out->pruned_keystore);
	privd_jsonw_end(&w);
	return privd_audit_append(t->svc, db, t->who->actor, "backup.taken", "backup", t->out->stamp, detail);
}

/* Takes both sets into their hidden directories and publishes them. */
static enum privd_rc take(struct privd_service *svc, const char *to, int64_t at, struct privd_backup_result *out,
                          struct privd_err *err)
{
	char dtmp[PATH_MAX], ktmp[PATH_MAX], parent[PATH_MAX];
	struct privd_db_backup_info info;
	enum privd_rc rc;

	snprintf(dtmp, sizeof(dtmp), "%s/data/.%s.partial", to, out->stamp);
	snprintf(ktmp, sizeof(ktmp), "%s/keystore/.%s.partial", to, out->stamp);
	rc = make_dir(dtmp, err);
	if (rc == PRIVD_OK)
		rc = make_dir(ktmp, err);
	if (rc == PRIVD_OK)
		rc = privd_db_backup(&svc->target, dtmp, ktmp, &info, err);
	if (rc == PRIVD_OK)
		rc = copy_config(svc, dtmp, err);
	if (rc == PRIVD_OK)
		rc = write_manifest(dtmp, "data", at, svc->target.engine, &info, err);
	if (rc == PRIVD_OK)
		rc = write_manifest(ktmp, "keystore", at, svc->target.engine, &info, err);
	snprintf(parent, sizeof(parent), "%s/data", to);
	if (rc == PRIVD_OK)
		rc = publish(parent, dtmp, out->stamp, err);
	snprintf(parent, sizeof(parent), "%s/keystore", to);
	if (rc == PRIVD_OK)
		rc = publish(parent, ktmp, out->stamp, err);
	if (rc != PRIVD_OK) {
		privd_backup_remove_set(dtmp, false);
		privd_backup_remove_set(ktmp, true);
		return rc;
	}
	out->audit_seq = info.audit_seq;
	out->nkids = info.nkids;
	memcpy(out->kids, info.kids, sizeof(out->kids[0]) * info.nkids);
	return PRIVD_OK;
}

enum privd_rc privd_service_backup(struct privd_service *svc, const struct privd_principal *who, const char *to,
                                   struct privd_backup_result *out, struct privd_err *err)
{
	struct taken t = {svc, who, out};
	struct privd_write_job job = {.data = taken_data, .arg = &t};
	int64_t at = privd_now_ms();
	enum privd_rc rc;

	memset(out, 0, sizeof(*out));
	if (to == NULL || to[0] == '\0')
		return privd_err_set(err, PRIVD_ERR_INVALID, "no backup directory: give --to DIR or set [backup] dir");
	privd_backup_stamp(at, out->stamp);
	rc = prepare_to(svc, to, err);
	if (rc == PRIVD_OK)
		rc = take(svc, to, at, out, err);
	if (rc != PRIVD_OK)
		return rc;
	out->pruned_data = prune(to, "data", svc->cfg.backup_data_days, out->stamp, false);
	out->pruned_keystore = prune(to, "keystore", svc->cfg.backup_keystore_days, out->stamp, true);
	rc = privd_writer_run(svc->writer, &job);
	if (rc != PRIVD_OK)
		return privd_err_set(err, rc, "the backup %s was taken but cannot be audited", out->stamp);
	privd_log(PRIVD_LOG_INFO, "backup.taken", "\"set\":\"%s\",\"audit_seq\":%lld", out->stamp,
	          (long long)out->audit_seq);
	return PRIVD_OK;
}
