/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * reconfigure.c - the configuration of a running server (SIGHUP), and the checks of `privd check-config`.
 *
 * A SIGHUP must never leave a server half-configured: what the new file asks of the service is built first (the
 * delivery worker's transports) and only then swapped in, and a file that fails is left out whole, the server
 * keeping what it had. The keys a running server can take are few on purpose (privd_config_key_live): those read
 * by one thread, or read as one word. The rest (where it listens, which database, the operator's details the
 * request threads read) need a restart, and the command line says which.
 *
 * check-config runs the checks `privd serve` makes at its start, the same functions, so that an operator learns of
 * every fault before a restart rather than one per failed start.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/log.h"
#include "crypto/keyring.h"
#include "service/age_file.h"
#include "service/calendar_file.h"
#include "service/service_int.h"

enum privd_rc privd_service_reload(struct privd_service *svc, const struct privd_config *next, struct privd_err *err)
{
	enum privd_rc rc = privd_delivery_reload(svc, next, err);

	if (rc == PRIVD_OK)
		rc = privd_transfers_reload(svc, next, err);
	if (rc == PRIVD_OK)
		rc = privd_webhooks_reload(svc, next, err);
	if (rc != PRIVD_OK)
		return rc;
	__atomic_store_n(&svc->cfg.document_limit, next->document_limit, __ATOMIC_RELAXED);
	return PRIVD_OK;
}

/* One fault per field err names, or its message when it names none. */
static void add_err(struct privd_config_faults *faults, const char *what, enum privd_rc rc, const struct privd_err *err)
{
	if (err->nfields == 0) {
		privd_config_fault_add(faults, "", "%s: %s", what, err->msg[0] ? err->msg : privd_rc_str(rc));
		return;
	}
	for (size_t i = 0; i < err->nfields; i++)
		privd_config_fault_add(faults, err->fields[i].field, "%s", err->fields[i].reason);
}

/* The data directory and the master keys in it (master.key, or after a rotation master.key.<kid>), loaded as the
 * service loads them. */
static void check_data_dir(const struct privd_config *cfg, struct privd_config_faults *faults)
{
	struct privd_keyset *keys = NULL;
	struct privd_keyring *identity = NULL;
	struct privd_err err = {0};
	struct stat st;
	enum privd_rc rc;

	if (stat(cfg->data_dir, &st) != 0) {
		privd_config_fault_add(faults, "", "data directory %s: %s", cfg->data_dir,
		                       errno == ENOENT ? "does not exist (privd init creates it)" : strerror(errno));
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		privd_config_fault_add(faults, "", "data directory %s: is not a directory", cfg->data_dir);
		return;
	}
	rc = privd_keyset_open(cfg->data_dir, &keys, &identity, &err);
	privd_keyset_free(keys);
	privd_keyring_free(identity);
	if (rc == PRIVD_ERR_NOT_FOUND)
		privd_config_fault_add(faults, "",
		                       "%s/%s: does not exist: the directory is not initialised (privd init)",
		                       cfg->data_dir, PRIVD_MASTER_KEY_FILE);
	else if (rc != PRIVD_OK && err.msg[0] != '\0')
		privd_config_fault_add(faults, "", "%s", err.msg); /* which names the file */
	else if (rc != PRIVD_OK)
		privd_config_fault_add(faults, "", "%s: %s", cfg->data_dir, privd_rc_str(rc));
}

/* The EU age table loads as the service loads it (age_file.c). */
static void check_age_table(const struct privd_config *cfg, struct privd_config_faults *faults)
{
	struct privd_country_age *table = NULL;
	struct privd_err err = {0};
	size_t n = 0;
	enum privd_rc rc = privd_age_file_load(cfg->eu_age_file, &table, &n, &err);

	free(table);
	if (rc != PRIVD_OK)
		privd_config_fault_add(faults, "age.eu_age_file", "%s", err.msg[0] ? err.msg : privd_rc_str(rc));
}

size_t privd_service_check_config(const struct privd_config *cfg, struct privd_config_faults *faults)
{
	struct privd_calendar *cal = NULL;
	char integrity[PRIVD_WEB_INTEGRITY_MAX];
	struct privd_date today;
	struct privd_err err = {0};
	size_t before = faults->n;
	enum privd_rc rc;

	if (privd_crypto_init() != PRIVD_OK)
		privd_config_fault_add(faults, "", "cannot initialise libsodium");
	else if (cfg->data_dir[0] != '\0')
		check_data_dir(cfg, faults);
	privd_today(&today);
	rc = privd_calendar_load(cfg->calendar_file, today.year, &cal, &err);
	privd_calendar_free(cal);
	if (rc != PRIVD_OK) {
		privd_config_fault_add(faults, "requests.calendar_file", "%s", err.msg[0] ? err.msg : privd_rc_str(rc));
		memset(&err, 0, sizeof(err));
	}
	if (cfg->eu_per_country)
		check_age_table(cfg, faults);
	rc = privd_web_integrity(cfg, "consent.js", integrity, NULL, &err);
	if (rc != PRIVD_OK) {
		privd_config_fault_add(faults, "web.dir", "%s", err.msg[0] ? err.msg : privd_rc_str(rc));
		memset(&err, 0, sizeof(err));
	}
	rc = privd_delivery_check(cfg, &err);
	if (rc != PRIVD_OK)
		add_err(faults, "delivery", rc, &err);
	return faults->n - before;
}
