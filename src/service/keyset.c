/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * keyset.c - the master keys a process holds (see keyset.h).
 *
 * Shaped by a rotation running while privd serves. The keystore records, for every data key, the master key it is
 * wrapped under, and which master key is current; a rotation run by another process (`privd keys rotate`, here or
 * on another node) changes both under a serving privd. So this set never assumes it knows every key: a key asked
 * for by id and not held is looked for in the data directory under its name, master.key.<kid>, at that moment. A
 * key's id is computed from the key itself, so a file cannot pass for another key by its name alone; every file
 * must also carry this installation's blind-index, audit and API-key keys, so a key file from another installation
 * is refused instead of corrupting lookups. Retired keys are dropped from memory and their files destroyed where
 * they are found, so after a rotation no copy of the old key survives on any node that runs privd.
 *
 * The keys sit behind a read-write lock: wrapping and unwrapping (every registration, every read of PII) share
 * it; loading a key and dropping one take it alone, for as long as a file read or a free takes.
 */
#include "service/keyset.h"

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"

#define MAX_KEYS 8

struct slot {
	char kid[PRIVD_KID_HEX];
	bool initial; /* loaded from master.key, not master.key.<kid> */
	struct privd_keyring *kr;
	int64_t retired_ms; /* when this process learnt it is retired (monotonic); 0 while it is not */
};

/* How long a retired key stays in memory after its file is destroyed: a data key wrapped under it just before this
 * process learnt of the retirement may still be on its way to the keystore, which refuses it and has it wrapped
 * again under the current key (vault.c); that needs the old key for a moment, never longer than a write job. */
#define RETIRED_GRACE_MS 10000

struct privd_keyset {
	pthread_rwlock_t lock;
	char dir[1024];
	struct privd_keyring *identity; /* what every file must carry; the caller's copy is separate */
	struct slot keys[MAX_KEYS];
	size_t n;
	char current[PRIVD_KID_HEX];
};

/* ---- loading ---- */

static struct slot *find(struct privd_keyset *s, const char *kid)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->keys[i].kid, kid) == 0)
			return &s->keys[i];
	return NULL;
}

/* Loads the file name of s->dir (a key file name: master.key or master.key.<kid>) unless its key is held.
 * Called with the lock held for writing, or before the set is shared. */
static enum privd_rc load_file(struct privd_keyset *s, const char *name, struct privd_err *err)
{
	struct privd_keyring *kr = NULL;
	char path[1200], named[PRIVD_KID_HEX];
	enum privd_rc rc;

	if (!privd_master_key_file_name(name, named))
		return privd_err_set(err, PRIVD_ERR_INVALID, "%s is not a master key file name", name);
	snprintf(path, sizeof(path), "%s/%s", s->dir, name);
	rc = privd_keyring_load(path, &kr, err);
	if (rc != PRIVD_OK)
		return rc;
	if (named[0] != '\0' && strcmp(named, privd_keyring_kid(kr)) != 0)
		rc = privd_err_set(err, PRIVD_ERR_FORBIDDEN, "%s holds master key %s, not the one its name says", path,
		                   privd_keyring_kid(kr));
	else if (s->identity != NULL && !privd_keyring_same_install(s->identity, kr))
		rc = privd_err_set(err, PRIVD_ERR_FORBIDDEN, "%s is a master key of another installation", path);
	else if (find(s, privd_keyring_kid(kr)) != NULL)
		rc = PRIVD_OK; /* master.key and its copy under its id's name: one key */
	else if (s->n == MAX_KEYS)
		rc = privd_err_set(err, PRIVD_ERR_INVALID, "more than %d master keys in %s", MAX_KEYS, s->dir);
	else if (s->identity == NULL)
		rc = privd_keyring_identity(kr, &s->identity);
	if (rc == PRIVD_OK && find(s, privd_keyring_kid(kr)) == NULL) {
		struct slot *k = &s->keys[s->n++];

		snprintf(k->kid, sizeof(k->kid), "%s", privd_keyring_kid(kr));
		k->initial = named[0] == '\0';
		k->kr = kr;
		kr = NULL;
	}
	privd_keyring_free(kr);
	return rc;
}

enum privd_rc privd_keyset_open(const char *dir, struct privd_keyset **out, struct privd_keyring **identity,
                                struct privd_err *err)
{
	struct privd_keyset *s = calloc(1, sizeof(*s));
	enum privd_rc rc = PRIVD_OK;
	struct dirent *e;
	DIR *d = NULL;

	*out = NULL;
	*identity = NULL;
	if (s == NULL)
		return privd_err_set(err, PRIVD_ERR_NOMEM, "out of memory");
	pthread_rwlock_init(&s->lock, NULL);
	snprintf(s->dir, sizeof(s->dir), "%s", dir);
	/* master.key first, so that an installation that never rotated reads only the file it always read */
	rc = load_file(s, PRIVD_MASTER_KEY_FILE, err);
	if (rc == PRIVD_ERR_NOT_FOUND)
		rc = PRIVD_OK;
	d = rc == PRIVD_OK ? opendir(dir) : NULL;
	if (rc == PRIVD_OK && d == NULL)
		rc = privd_err_set(err, PRIVD_ERR_IO, "cannot read %s", dir);
	while (rc == PRIVD_OK && (e = readdir(d)) != NULL)
		if (strcmp(e->d_name, PRIVD_MASTER_KEY_FILE) != 0 && privd_master_key_file_name(e->d_name, NULL))
			rc = load_file(s, e->d_name, err);
	if (d != NULL)
		closedir(d);
	if (rc == PRIVD_OK && s->n == 0)
		rc = privd_err_set(err, PRIVD_ERR_NOT_FOUND, "cannot open %s/%s: no master key in %s", dir,
		                   PRIVD_MASTER_KEY_FILE, dir);
	if (rc == PRIVD_OK)
		rc = privd_keyring_identity(s->identity, identity);
	if (rc != PRIVD_OK) {
		privd_keyset_free(s);
		return rc;
	}
	*out = s;
	return PRIVD_OK;
}

void privd_keyset_free(struct privd_keyset *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n; i++)
		privd_keyring_free(s->keys[i].kr);
	privd_keyring_free(s->identity);
	pthread_rwlock_destroy(&s->lock);
	free(s);
}

enum privd_rc privd_keyset_load(struct privd_keyset *s, const char *kid, struct privd_err *err)
{
	char name[64];
	enum privd_rc rc = PRIVD_OK;

	if (!privd_kid_valid(kid))
		return privd_err_set(err, PRIVD_ERR_INVALID, "%s is not a master key id", kid);
	snprintf(name, sizeof(name), "%s.%s", PRIVD_MASTER_KEY_FILE, kid);
	pthread_rwlock_wrlock(&s->lock);
	if (find(s, kid) == NULL)
		rc = load_file(s, name, err);
	if (rc == PRIVD_OK && find(s, kid) == NULL) /* a copy named for another key is refused above */
		rc = privd_err_set(err, PRIVD_ERR_NOT_FOUND, "no master key %s in %s", kid, s->dir);
	pthread_rwlock_unlock(&s->lock);
	return rc;
}

/* ---- what the keystore says ---- */

void privd_keyset_initial(struct privd_keyset *s, char kid[PRIVD_KID_HEX])
{
	kid[0] = '\0';
	pthread_rwlock_rdlock(&s->lock);
	for (size_t i = 0; i < s->n; i++)
		if (s->keys[i].initial)
			snprintf(kid, PRIVD_KID_HEX, "%s", s->keys[i].kid);
	if (kid[0] == '\0' && s->n == 1)
		snprintf(kid, PRIVD_KID_HEX, "%s", s->keys[0].kid);
	pthread_rwlock_unlock(&s->lock);
}

void privd_keyset_current(struct privd_keyset *s, char kid[PRIVD_KID_HEX])
{
	pthread_rwlock_rdlock(&s->lock);
	snprintf(kid, PRIVD_KID_HEX, "%s", s->current);
	pthread_rwlock_unlock(&s->lock);
}

void privd_keyset_each(struct privd_keyset *s, void (*cb)(void *arg, const char *kid), void *arg)
{
	pthread_rwlock_rdlock(&s->lock);
	for (size_t i = 0; i < s->n; i++)
		if (s->keys[i].retired_ms == 0)
			cb(arg, s->keys[i].kid);
	pthread_rwlock_unlock(&s->lock);
}

static int64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Destroys the file (name, in s->dir) of a retired key, when there is one. */
static void destroy_file(struct privd_keyset *s, const char *kid, const char *name)
{
	struct privd_err err = {0};
	char path[1200];

	snprintf(path, sizeof(path), "%s/%s", s->dir, name);
	if (access(path, F_OK) != 0)
		return;
	if (privd_keyring_destroy_file(path, &err) != PRIVD_OK)
		privd_log(PRIVD_LOG_ERROR, "keys.destroy_failed", "\"kid\":\"%s\",\"file\":\"%s\"", kid, name);
	else
		privd_log(PRIVD_LOG_INFO, "keys.destroyed", "\"kid\":\"%s\",\"file\":\"%s\"", kid, name);
}

/* Destroys a retired key's file here and starts its grace in memory. Called with the lock held for writing. */
static void retire(struct privd_keyset *s, const char *kid)
{
	char name[64];
	struct slot *k = find(s, kid);

	if (k != NULL && k->initial)
		destroy_file(s, kid, PRIVD_MASTER_KEY_FILE);
	snprintf(name, sizeof(name), "%s.%s", PRIVD_MASTER_KEY_FILE, kid);
	destroy_file(s, kid, name);
	if (k != NULL && k->retired_ms == 0)
		k->retired_ms = monotonic_ms();
}

/* Drops the retired keys whose grace is over. Called with the lock held for writing. */
static void forget_retired(struct privd_keyset *s)
{
	int64_t now = monotonic_ms();

	for (size_t i = 0; i < s->n;) {
		struct slot *k = &s->keys[i];

		if (k->retired_ms == 0 || now - k->retired_ms < RETIRED_GRACE_MS) {
			i++;
			continue;
		}
		privd_keyring_free(k->kr);
		*k = s->keys[--s->n];
		memset(&s->keys[s->n], 0, sizeof(s->keys[s->n]));
	}
}

enum privd_rc privd_keyset_sync(struct privd_keyset *s, const struct privd_master_key_row *rows, size_t n,
                                struct privd_err *err)
{
	const char *current = NULL;
	enum privd_rc rc = PRIVD_OK;

	for (size_t i = 0; i < n; i++)
		if (rows[i].state == PRIVD_MASTER_KEY_CURRENT)
			current = rows[i].kid;
	if (current != NULL) {
		rc = privd_keyset_load(s, current, err);
		if (rc == PRIVD_ERR_NOT_FOUND)
			rc = privd_err_set(
			    err, PRIVD_ERR_NOT_FOUND,
			    "the keystore's current master key is %s, and %s has no %s.%s: copy it from the "
			    "node that made it (docs/operations.md, rotating the master key)",
			    current, s->dir, PRIVD_MASTER_KEY_FILE, current);
	}
	pthread_rwlock_wrlock(&s->lock);
	if (rc == PRIVD_OK && current != NULL && strcmp(s->current, current) != 0) {
		if (s->current[0] != '\0')
			privd_log(PRIVD_LOG_INFO, "keys.current", "\"kid\":\"%s\",\"was\":\"%s\"", current, s->current);
		snprintf(s->current, sizeof(s->current), "%s", current);
	}
	for (size_t i = 0; i < n; i++)
		if (rows[i].state == PRIVD_MASTER_KEY_RETIRED && strcmp(rows[i].kid, s->current) != 0)
			retire(s, rows[i].kid);
	forget_retired(s);
	pthread_rwlock_unlock(&s->lock);
	return rc;
}

enum privd_rc privd_keyset_create(struct privd_keyset *s, char kid[PRIVD_KID_HEX], struct privd_err *err)
{
	enum privd_rc rc = privd_keyring_successor(s->identity, s->dir, kid, err);

	if (rc == PRIVD_OK)
		rc = privd_keyset_load(s, kid, err);
	return rc;
}

/* ---- wrapping ---- */

enum privd_rc privd_keyset_wrap(struct privd_keyset *s, const char *id, const uint8_t key[PRIVD_KEY_BYTES],
                                uint8_t out[PRIVD_WRAPPED_KEY_BYTES], char kid[PRIVD_KID_HEX])
{
	enum privd_rc rc = PRIVD_ERR_CRYPTO;
	struct slot *k;

	pthread_rwlock_rdlock(&s->lock);
	k = find(s, s->current);
	if (k != NULL)
		rc = privd_datakey_wrap(k->kr, id, key, out);
	snprintf(kid, PRIVD_KID_HEX, "%s", rc == PRIVD_OK ? s->current : "");
	pthread_rwlock_unlock(&s->lock);
	return rc;
}

enum privd_rc privd_keyset_unwrap(struct privd_keyset *s, const char *kid, const char *id, const uint8_t *wrapped,
                                  size_t len, uint8_t key[PRIVD_KEY_BYTES])
{
	enum privd_rc rc = PRIVD_ERR_CRYPTO;
	struct slot *k;

	pthread_rwlock_rdlock(&s->lock);
	k = kid[0] != '\0' ? find(s, kid) : NULL;
	if (k != NULL)
		rc = privd_datakey_unwrap(k->kr, id, wrapped, len, key);
	for (size_t i = 0; kid[0] == '\0' && rc != PRIVD_OK && i < s->n; i++)
		rc = privd_datakey_unwrap(s->keys[i].kr, id, wrapped, len, key);
	pthread_rwlock_unlock(&s->lock);
	if (k != NULL || kid[0] == '\0')
		return rc;
	/* wrapped by a rotation under a key this process has not seen yet */
	if (privd_keyset_load(s, kid, NULL) != PRIVD_OK) {
		privd_log(PRIVD_LOG_ERROR, "keys.missing", "\"kid\":\"%s\",\"reason\":\"no master.key.%s here\"", kid,
		          kid);
		memset(key, 0, PRIVD_KEY_BYTES);
		return PRIVD_ERR_CRYPTO;
	}
	return privd_keyset_unwrap(s, kid, id, wrapped, len, key);
}
