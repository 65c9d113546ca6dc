/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * restore.c - `privd restore`: a data set and the keystore set that goes with it, put back into an empty data
 * directory (and database), checked before it is served.
 *
 * A restore happens on a bad day, so it refuses rather than half-succeeds: everything it needs is checked before
 * anything is written (the sets and their manifests, the engine, the master keys the keystore set is wrapped
 * under), a target that already holds a database is refused, and the result is opened as privd would open it and
 * its audit chain verified before the restore counts as done. The keystore set is the first one taken at or after
 * the data set (core/backup.h): for an old data set whose own keystore set has aged out that is a newer one, and
 * the people erased in between stay unreadable, as their erasure promised. The master keys are never in the sets:
 * they come from the data directory or a directory named by the operator, from the copy kept apart
 * (docs/operations.md); a set wrapped under a master key destroyed by a rotation cannot be restored by anyone.
 */
#include <errno.h>
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
#include "service/service_int.h"

#define CONFIG_FILE "privd.conf"
#define ANCHOR_FILE "audit.anchor"

struct plan {
	char data_dir[PATH_MAX], ks_dir[PATH_MAX]; /* the two sets */
	char engine[16];                           /* of the data set */
	char kids[PRIVD_BACKUP_KIDS_MAX][PRIVD_KID_HEX];
	size_t nkids;
	char key_src[PRIVD_BACKUP_KIDS_MAX][PATH_MAX]; /* where each key's file is; "" when the target has it */
	char key_name[PRIVD_BACKUP_KIDS_MAX][64];
};

/* ---- the sets ---- */

/* The set of kind in from named at (NULL: the newest); with after >= 0, the earliest taken at or after it. */
static enum privd_rc pick_set(const char *from, const char *kind, const char *at, int64_t after, char *stamp,
                              int64_t *taken, struct privd_err *err)
{
	struct privd_backup_set *sets = calloc(PRIVD_BACKUP_SETS_MAX, sizeof(*sets));
	int64_t *times = calloc(PRIVD_BACKUP_SETS_MAX, sizeof(*times));
	char dir[PATH_MAX];
	ptrdiff_t best = -1;
	size_t n = 0;

	privd_path_join(dir, sizeof(dir), from, kind);
	if (sets != NULL && times != NULL)
		n = privd_backup_sets(dir, sets, PRIVD_BACKUP_SETS_MAX);
	for (size_t i = 0; i < n; i++) {
		times[i] = sets[i].taken_at;
		if (after < 0 &&
		    (at != NULL ? strcmp(sets[i].stamp, at) == 0 : best < 0 || sets[i].taken_at > sets[best].taken_at))
			best = (ptrdiff_t)i;
	}
	if (after >= 0)
		best = privd_backup_pick_keystore(after, times, n);
	if (best >= 0) {
		snprintf(stamp, 32, "%s", sets[best].stamp);
		*taken = sets[best].taken_at;
	}
	free(sets);
	free(times);
	if (best >= 0)
		return PRIVD_OK;
	if (after >= 0)
		return privd_err_set(
		    err, PRIVD_ERR_NOT_FOUND,
		    "%s has no keystore set taken at or after the data set: the data set cannot be read", dir);
	return privd_err_set(err, PRIVD_ERR_NOT_FOUND, "%s has no %s set%s%s", dir, kind, at != NULL ? " " : "",
	                     at != NULL ? at : "");
}

/* Reads a set's manifest: its kind must be kind; the engine and, for a keystore set, the master keys go to p. */
static enum privd_rc read_manifest(const char *dir, const char *kind, struct plan *p, struct privd_err *err)
{
	char path[PATH_MAX];
	json_error_t jerr;
	json_t *m, *kids;
	const char *set, *engine;
	enum privd_rc rc = PRIVD_OK;
	size_t i;

	snprintf(path, sizeof(path), "%s/manifest.json", dir);
	m = json_load_file(path, 0, &jerr);
	set = json_string_value(json_object_get(m, "set"));
	engine = json_string_value(json_object_get(m, "engine"));
	if (json_integer_value(json_object_get(m, "privd_backup")) != 1 || set == NULL || strcmp(set, kind) != 0 ||
	    engine == NULL)
		rc = privd_err_set(err, PRIVD_ERR_INVALID, "%s is not the manifest of a privd %s set", path, kind);
	if (rc == PRIVD_OK && strcmp(kind, "data") == 0)
		snprintf(p->engine, sizeof(p->engine), "%s", engine);
	kids = json_object_get(m, "master_keys");
	for (i = 0; rc == PRIVD_OK && strcmp(kind, "keystore") == 0 && i < json_array_size(kids); i++) {
		const char *kid = json_string_value(json_array_get(kids, i));

		if (!privd_kid_valid(kid) || p->nkids == PRIVD_BACKUP_KIDS_MAX)
			rc = privd_err_set(err, PRIVD_ERR_INVALID, "%s names a master key that is none", path);
		else
			snprintf(p->kids[p->nkids++], PRIVD_KID_HEX, "%s", kid);
	}
	json_decref(m);
	return rc;
}

/* ---- the master keys ---- */

/* Whether dir holds the key kid: master.key.<kid>, or master.key when it is that key. name receives the file's. */
static bool key_in(const char *dir, const char *kid, char name[64])
{
	struct privd_keyring *kr = NULL;
	char path[PATH_MAX];
	bool found;

	snprintf(name, 64, "%s.%s", PRIVD_MASTER_KEY_FILE, kid);
	privd_path_join(path, sizeof(path), dir, name);
	if (access(path, F_OK) == 0)
		return true;
	snprintf(name, 64, "%s", PRIVD_MASTER_KEY_FILE);
	privd_path_join(path, sizeof(path), dir, name);
	found = privd_keyring_load(path, &kr, NULL) == PRIVD_OK && strcmp(privd_keyring_kid(kr), kid) == 0;
	privd_keyring_free(kr);
	return found;
}

/* Finds every master key the keystore set needs, in the target or in keys_dir. */
static enum privd_rc plan_keys(const char *target, const char *keys_dir, struct plan *p, struct privd_err *err)
{
	for (size_t i = 0; i < p->nkids; i++) {
		p->key_src[i][0] = '\0';
		if (key_in(target, p->kids[i], p->key_name[i]))
			continue;
		if (keys_dir != NULL && key_in(keys_dir, p->kids[i], p->key_name[i])) {
			snprintf(p->key_src[i], sizeof(p->key_src[i]), "%s/%s", keys_dir, p->key_name[i]);
			continue;
		}
		return privd_err_set(
		    err, PRIVD_ERR_NOT_FOUND,
		    "the keystore set needs master key %s, and %s%s%s: put its copy (master.key.%s, or the "
		    "master.key it was) there, or name its directory with --keys (docs/operations.md)",
		    p->kids[i], keys_dir != NULL ? "neither " : "", target,
		    keys_dir != NULL ? " nor the --keys directory holds it" : " does not hold it", p->kids[i]);
	}
	return PRIVD_OK;
}

static enum privd_rc copy_keys(const char *target, const struct plan *p, struct privd_err *err)
{
	char dst[PATH_MAX];
	enum privd_rc rc = PRIVD_OK;

	for (size_t i = 0; rc == PRIVD_OK && i < p->nkids; i++) {
		if (p->key_src[i][0] == '\0')
			continue;
		privd_path_join(dst, sizeof(dst), target, p->key_name[i]);
		rc = privd_backup_copy_file(p->key_src[i], dst, err);
	}
	return rc;
}

/* ---- the target ---- */

/* The target's configuration: its own privd.conf, or the data set's written there with the database to restore
 * into. *cfg_out is what the restored privd is opened with. */
static enum privd_rc target_config(const struct privd_config *cfg, const struct plan *p, struct privd_config *out,
                                   struct privd_err *err)
{
	char path[PATH_MAX];
	struct privd_config c;
	enum privd_rc rc = PRIVD_OK;

	privd_path_join(path, sizeof(path), cfg->data_dir, CONFIG_FILE);
	if (access(path, F_OK) != 0) {
		privd_config_defaults(&c);
		rc = privd_config_load(&c, p->data_dir, err);
		snprintf(c.data_dir, sizeof(c.data_dir), "%s", cfg->data_dir);
		snprintf(c.database_url, sizeof(c.database_url), "%s", cfg->database_url);
		if (rc == PRIVD_OK)
			rc = privd_config_write(&c, path, err);
	}
	privd_config_defaults(out);
	if (rc == PRIVD_OK)
		rc = privd_config_load(out, cfg->data_dir, err);
	snprintf(out->database_url, sizeof(out->database_url), "%s", cfg->database_url);
	out->background = false;
	return rc;
}

struct restored {
	struct privd_service *svc;
	struct privd_principal who;
	const struct privd_restore_result *out;
};

static enum privd_rc restored_data(struct privd_db *db, void *arg)
{
	struct restored *r = arg;
	char detail[256];
	struct privd_jsonw w;

	privd_jsonw_init(&w, detail, sizeof(detail));
	privd_jsonw_str(&w, "data_set", r->out->data_stamp);
	privd_jsonw_str(&w, "keystore_set", r->out->keystore_stamp);
	privd_jsonw_end(&w);
	return privd_audit_append(r->svc, db, r->who.actor, "backup.restored", "backup", r->out->data_stamp, detail);
}

/* Opens what was restored as privd would, verifies its audit chain and records the restore in it. */
static enum privd_rc check_restored(const struct privd_config *c, struct privd_restore_result *out,
                                    struct privd_err *err)
{
	struct restored r = {.out = out};
	struct privd_write_job job = {.data = restored_data, .arg = &r};
	struct privd_audit_verdict v;
	enum privd_rc rc = privd_service_open(c, &r.svc, err);

	privd_principal_cli(&r.who);
	if (rc == PRIVD_OK)
		rc = privd_service_audit_verify(r.svc, &v);
	if (rc == PRIVD_OK && !v.ok)
		rc = privd_err_set(err, PRIVD_ERR_CRYPTO, "the restored audit chain does not verify at entry %lld",
		                   (long long)v.first_bad);
	if (rc == PRIVD_OK) {
		out->audit_entries = v.entries;
		snprintf(out->audit_head, sizeof(out->audit_head), "%s", v.head);
		rc = privd_writer_run(r.svc->writer, &job);
	}
	privd_service_close(r.svc);
	return rc;
}

/* Checks the sets and the keys, then writes: the databases, the keys, the configuration. */
static enum privd_rc put_back(const struct privd_config *cfg, const char *keys_dir, struct plan *p,
                              struct privd_restore_result *out, struct privd_err *err)
{
	bool pg = strncmp(cfg->database_url, "postgres", 8) == 0;
	struct privd_db_target t;
	char path[PATH_MAX], aside[PATH_MAX];
	enum privd_rc rc = read_manifest(p->data_dir, "data", p, err);

	if (rc == PRIVD_OK)
		rc = read_manifest(p->ks_dir, "keystore", p, err);
	if (rc == PRIVD_OK && pg != (strcmp(p->engine, "postgresql") == 0))
		rc =
		    privd_err_set(err, PRIVD_ERR_INVALID,
		                  pg ? "the backup is of SQLite files: restore it without --database"
		                     : "the backup is of a PostgreSQL database: give --database with the URL of a new, "
		                       "empty database");
	if (rc == PRIVD_OK)
		rc = plan_keys(cfg->data_dir, keys_dir, p, err);
	if (rc == PRIVD_OK && mkdir(cfg->data_dir, 0700) != 0 && errno != EEXIST)
		rc = privd_err_set(err, PRIVD_ERR_IO, "cannot create %s: %s", cfg->data_dir, strerror(errno));
	if (rc == PRIVD_OK)
		rc = privd_db_target_parse(cfg->database_url, cfg->data_dir, &t, err);
	if (rc == PRIVD_OK)
		rc = privd_db_restore(&t, p->data_dir, p->ks_dir, err);
	if (rc == PRIVD_OK)
		rc = copy_keys(cfg->data_dir, p, err);
	/* the anchor of the chain as it was before: the restored chain is shorter, and would read as cut off */
	privd_path_join(path, sizeof(path), cfg->data_dir, ANCHOR_FILE);
	snprintf(aside, sizeof(aside), "%s/%s.before-restore", cfg->data_dir, ANCHOR_FILE);
	if (rc == PRIVD_OK && access(path, F_OK) == 0) {
		if (rename(path, aside) != 0)
			rc = privd_err_set(err, PRIVD_ERR_IO, "cannot set %s aside: %s", path, strerror(errno));
		out->anchor_moved = true;
	}
	memcpy(out->kids, p->kids, sizeof(p->kids));
	out->nkids = p->nkids;
	return rc;
}

enum privd_rc privd_service_restore(const struct privd_config *cfg, const char *from, const char *at,
                                    const char *keys_dir, struct privd_restore_result *out, struct privd_err *err)
{
	struct plan *p = calloc(1, sizeof(*p));
	struct privd_config c;
	int64_t data_at = 0, ks_at = 0;
	enum privd_rc rc = p != NULL ? PRIVD_OK : PRIVD_ERR_NOMEM;

	memset(out, 0, sizeof(*out));
	if (rc == PRIVD_OK)
		rc = privd_crypto_init();
	if (rc == PRIVD_OK)
		rc = pick_set(from, "data", at, -1, out->data_stamp, &data_at, err);
	if (rc == PRIVD_OK)
		rc = pick_set(from, "keystore", NULL, data_at, out->keystore_stamp, &ks_at, err);
	if (rc == PRIVD_OK) {
		snprintf(p->data_dir, sizeof(p->data_dir), "%s/data/%s", from, out->data_stamp);
		snprintf(p->ks_dir, sizeof(p->ks_dir), "%s/keystore/%s", from, out->keystore_stamp);
		rc = put_back(cfg, keys_dir, p, out, err);
	}
	if (rc == PRIVD_OK)
		rc = target_config(cfg, p, &c, err);
	if (rc == PRIVD_OK)
		rc = check_restored(&c, out, err);
	if (rc == PRIVD_OK)
		privd_log(PRIVD_LOG_INFO, "backup.restored", "\"data_set\":\"%s\",\"keystore_set\":\"%s\"",
		          out->data_stamp, out->keystore_stamp);
	free(p);
	return rc;
}
