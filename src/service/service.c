/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * service.c - opening and closing the service, its readiness and counters, and initialising a data directory.
 *
 * Opening is the one place where the parts are put together, in the order they depend on each other: libsodium,
 * the time zone (deadlines count days in the operator's zone), the age rules, the master key, the databases
 * (migrated before anything reads them), the writer, the vault, the current policy and consent texts, the cookie
 * banner's configuration; then, for a server only, the production calendar, the files served to browsers, the
 * scheduler thread and, on PostgreSQL, the listener. Closing undoes it in reverse, whatever part of the opening
 * succeeded, so a failed open is closed by the same code. The plumbing the use cases share (readers, clock, audit)
 * lives in runtime.c and audit.c, not here, so that no use case calls back into this file.
 */
#include "service/service.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/log.h"
#include "service/age_file.h"
#include "service/calendar_file.h"
#include "service/service_int.h"

void privd_principal_cli(struct privd_principal *p)
{
	memset(p, 0, sizeof(*p));
	p->role = PRIVD_ROLE_ADMIN;
	snprintf(p->actor, sizeof(p->actor), "cli");
}

const char *privd_role_name(enum privd_role r)
{
	switch (r) {
	case PRIVD_ROLE_ADMIN:
		return "admin";
	case PRIVD_ROLE_OPERATOR:
		return "operator";
	case PRIVD_ROLE_APP:
		return "app";
	case PRIVD_ROLE_AUDITOR:
		return "auditor";
	case PRIVD_ROLE_SUBJECT:
		return "subject";
	}
	return "unknown";
}

enum privd_rc privd_role_parse(const char *name, enum privd_role *out)
{
	static const enum privd_role roles[] = {PRIVD_ROLE_ADMIN, PRIVD_ROLE_OPERATOR, PRIVD_ROLE_APP,
	                                        PRIVD_ROLE_AUDITOR};

	for (size_t i = 0; name != NULL && i < sizeof(roles) / sizeof(roles[0]); i++) {
		if (strcmp(name, privd_role_name(roles[i])) == 0) {
			*out = roles[i];
			return PRIVD_OK;
		}
	}
	return PRIVD_ERR_INVALID;
}

/* ---- EU age table ---- */

static enum privd_rc load_age_table(struct privd_service *svc, struct privd_err *err)
{
	size_t n = 0;
	enum privd_rc rc = privd_age_file_load(svc->cfg.eu_age_file, &svc->age_table, &n, err);

	if (rc != PRIVD_OK)
		return rc;
	svc->age.table = svc->age_table;
	svc->age.ntable = n;
	return PRIVD_OK;
}

/* ---- open / close ---- */

/* Days are counted in the operator's time zone: TZ for the whole process. */
static void open_timezone(const struct privd_config *cfg)
{
	char zone[PATH_MAX];
	struct stat zst;

	if (cfg->timezone[0] == '\0')
		return;
	snprintf(zone, sizeof(zone), "/usr/share/zoneinfo/%s", cfg->timezone);
	if (strcmp(cfg->timezone, "UTC") != 0 && stat(zone, &zst) != 0)
		privd_log(PRIVD_LOG_WARN, "config.timezone_unknown",
		          "\"reason\":\"no such zone in /usr/share/zoneinfo: days are counted in UTC\"");
	setenv("TZ", cfg->timezone, 1);
	tzset();
}

static enum privd_rc open_age_policy(struct privd_service *svc, struct privd_err *err)
{
	const struct privd_config *cfg = &svc->cfg;

	privd_age_policy_default(&svc->age);
	memcpy(svc->age.server_country, cfg->server_country, sizeof(svc->age.server_country));
	svc->age.coppa_min_age = cfg->coppa_min_age;
	svc->age.eu_default_age = cfg->eu_min_age;
	svc->age.eu_per_country = cfg->eu_per_country;
	if (privd_localisation_mode_parse(cfg->ru_localisation, &svc->localisation) != PRIVD_OK) {
		privd_err_field(err, "law.ru_localisation", "must be warn or refuse");
		return privd_err_set(err, PRIVD_ERR_INVALID, "law.ru_localisation must be warn or refuse");
	}
	return cfg->eu_per_country ? load_age_table(svc, err) : PRIVD_OK;
}

/* The master keys, both databases migrated, the writer. */
static enum privd_rc open_storage(struct privd_service *svc, struct privd_err *err)
{
	const struct privd_config *cfg = &svc->cfg;
	struct privd_db *db = NULL, *ks = NULL;
	enum privd_rc rc;

	rc = privd_keyset_open(cfg->data_dir, &svc->master, &svc->kr, err);
	if (rc != PRIVD_OK)
		return rc;
	rc = privd_db_target_parse(cfg->database_url, cfg->data_dir, &svc->target, err);
	if (rc != PRIVD_OK)
		return rc;
	rc = privd_db_open(&svc->target, PRIVD_DB_DATA, false, &db, err);
	if (rc == PRIVD_OK)
		rc = privd_repo_migrate(db, PRIVD_DB_DATA, err);
	if (rc == PRIVD_OK)
		rc = privd_db_open(&svc->target, PRIVD_DB_KEYSTORE, false, &ks, err);
	if (rc == PRIVD_OK)
		rc = privd_repo_migrate(ks, PRIVD_DB_KEYSTORE, err);
	/* the data handle stays open until the writer has its own: on SQLite they share the blind indexes built at
	 * the first open (store/bidx.h), which the last handle closed would drop */
	if (rc == PRIVD_OK)
		rc = privd_writer_start(&svc->target, cfg->write_batch, &svc->writer, err);
	privd_db_close(db);
	privd_db_close(ks);
	return rc;
}

/* Which master key is current, as the keystore says (the data directory's master.key on a first start). */
static enum privd_rc open_master_keys(struct privd_service *svc, struct privd_err *err)
{
	struct privd_db *ks = NULL;
	enum privd_rc rc = privd_db_open(&svc->target, PRIVD_DB_KEYSTORE, false, &ks, err);

	if (rc == PRIVD_OK)
		rc = privd_vault_keys_sync(svc->vault, ks, NULL, 0, NULL, err);
	privd_db_close(ks);
	return rc;
}

/* A server's background work: the production calendar the deadlines count on, the scheduler, the delivery worker,
 * the listener. */
static enum privd_rc open_background(struct privd_service *svc, struct privd_err *err)
{
	struct privd_date today;
	enum privd_rc rc;

	privd_today(&today);
	if (svc->cfg.evidence_years < 3)
		privd_log(PRIVD_LOG_WARN, "config.evidence_years_short",
		          "\"evidence_years\":%d,\"reason\":\"RKN Order 179 asks 3 years for destruction acts and log"
		          " extracts\"",
		          svc->cfg.evidence_years);
	privd_erasure_seal_plain_reasons(svc);
	rc = privd_calendar_load(svc->cfg.calendar_file, today.year, &svc->calendar, err);
	/* a newer calendar installed: estimated due dates counted again before anyone reads them */
	if (rc == PRIVD_OK)
		privd_request_recount_estimates(svc);
	if (rc == PRIVD_OK)
		rc = privd_web_load(svc, err);
	if (rc == PRIVD_OK)
		rc = privd_scheduler_start(svc, err);
	if (rc == PRIVD_OK)
		rc = privd_delivery_start(svc, err);
	if (rc == PRIVD_OK)
		rc = privd_transfers_start(svc, err);
	if (rc == PRIVD_OK)
		rc = privd_webhooks_start(svc, err);
	if (rc == PRIVD_OK)
		privd_listener_start(svc);
	return rc;
}

enum privd_rc privd_service_open(const struct privd_config *cfg, struct privd_service **out, struct privd_err *err)
{
	struct privd_service *svc;
	enum privd_rc rc;

	*out = NULL;
	rc = privd_crypto_init();
	if (rc != PRIVD_OK)
		return privd_err_set(err, rc, "cannot initialise libsodium");
	svc = calloc(1, sizeof(*svc));
	if (svc == NULL)
		return PRIVD_ERR_NOMEM;
	svc->cfg = *cfg;
	pthread_mutex_init(&svc->readers_lock, NULL);
	pthread_rwlock_init(&svc->keys_lock, NULL);
	privd_keys_init(svc);
	pthread_mutex_init(&svc->misses_lock, NULL);
	pthread_rwlock_init(&svc->policy_lock, NULL);
	pthread_rwlock_init(&svc->texts_lock, NULL);
	pthread_rwlock_init(&svc->cookie_lock, NULL);
	privd_cache_init(svc);
	svc->nversions = 1; /* index 0 means "none" */

	open_timezone(cfg);
	rc = open_age_policy(svc, err);
	if (rc == PRIVD_OK)
		rc = open_storage(svc, err);
	/* keys are cached from the start on SQLite (one process); on PostgreSQL once the listener hears erasures */
	if (rc == PRIVD_OK)
		rc = privd_vault_new(svc, svc->master, svc->target.engine != PRIVD_DB_POSTGRES, &svc->vault);
	if (rc == PRIVD_OK)
		rc = privd_reserve_new(&svc->reserve);
	if (rc == PRIVD_OK)
		rc = open_master_keys(svc, err);
	if (rc != PRIVD_OK)
		goto fail;
	rc = privd_policy_load_current(svc);
	if (rc != PRIVD_OK && rc != PRIVD_ERR_NOT_FOUND) {
		privd_err_set(err, rc, "cannot read the current policy");
		goto fail;
	}
	rc = privd_consent_texts_load_current(svc);
	if (rc != PRIVD_OK) {
		privd_err_set(err, rc, "cannot read the current consent texts");
		goto fail;
	}
	rc = privd_cookie_config_load(svc, err);
	if (rc != PRIVD_OK)
		goto fail;
	rc = cfg->background ? open_background(svc, err) : PRIVD_OK;
	if (rc != PRIVD_OK)
		goto fail;
	*out = svc;
	return PRIVD_OK;
fail:
	privd_service_close(svc);
	return rc;
}

void privd_service_close(struct privd_service *svc)
{
	if (svc == NULL)
		return;
	atomic_store(&svc->stopping, true);
	privd_listener_stop(svc);
	privd_scheduler_stop(svc);
	privd_delivery_stop(svc);
	privd_transfers_stop(svc);
	privd_webhooks_stop(svc);
	privd_calendar_free(svc->calendar);
	svc->calendar = NULL;
	privd_reserve_close(svc); /* its keys destroyed through the writer */
	/* readers first: the last connection to close checkpoints the WAL into the database file, and only a
	 * writable one (the writer's) can */
	privd_reader_pool_close(svc);
	privd_writer_stop(svc->writer);
	privd_reserve_free(svc->reserve);
	privd_vault_free(svc->vault);
	privd_keyset_free(svc->master);
	privd_cache_cleanup(svc);
	privd_keys_cleanup(svc);
	for (uint16_t i = 0; i < svc->nversions; i++)
		free(svc->versions[i]);
	free(svc->age_table);
	privd_cookie_config_cleanup(svc);
	privd_web_cleanup(svc);
	privd_keyring_free(svc->kr);
	pthread_mutex_destroy(&svc->readers_lock);
	pthread_rwlock_destroy(&svc->keys_lock);
	pthread_mutex_destroy(&svc->misses_lock);
	pthread_rwlock_destroy(&svc->policy_lock);
	pthread_rwlock_destroy(&svc->cookie_lock);
	pthread_rwlock_destroy(&svc->texts_lock);
	free(svc);
}

enum privd_rc privd_service_ready(struct privd_service *svc)
{
	struct privd_reader *r = NULL;
	struct privd_stmt *st = NULL;
	enum privd_rc rc;
	int s;

	rc = privd_reader_get(svc, &r);
	if (rc != PRIVD_OK)
		return rc;
	rc = privd_db_prepare(r->db, "SELECT 1", &st);
	if (rc == PRIVD_OK) {
		s = privd_stmt_step(st);
		rc = s == PRIVD_DB_ROW ? PRIVD_OK : PRIVD_ERR_DB;
	}
	privd_stmt_finalize(st);
	privd_reader_put(svc, r, rc != PRIVD_OK);
	return rc;
}

void privd_service_stats(struct privd_service *svc, struct privd_service_stats *out)
{
	struct privd_writer_stats ws;

	privd_writer_stats(svc->writer, &ws);
	out->commits = ws.commits;
	out->write_jobs = ws.jobs;
	out->write_failed = ws.failed;
	out->cache_hits = atomic_load(&svc->cache_hits);
	out->cache_misses = atomic_load(&svc->cache_misses);
	out->subjects_registered = atomic_load(&svc->registered);
	out->keys_reserved_taken = privd_reserve_taken(svc);
	out->apikey_lookups = atomic_load(&svc->key_lookups);
	out->apikey_misses_cached = atomic_load(&svc->key_misses_remembered);
	out->requests_overdue = atomic_load(&svc->requests_overdue);
	privd_delivery_stats(svc, out);
	privd_transfers_stats(svc, out);
	out->requests_due_estimated = atomic_load(&svc->requests_due_estimated);
	out->localisation_warnings = atomic_load(&svc->localisation_warnings);
}

/* ---- init ---- */

enum privd_rc privd_service_init(const struct privd_config *cfg, char *admin_key, size_t admin_key_len,
                                 struct privd_err *err)
{
	struct privd_service *svc = NULL;
	struct privd_principal cli;
	struct privd_apikey_info info;
	struct stat st;
	char path[PATH_MAX];
	enum privd_rc rc;

	rc = privd_crypto_init();
	if (rc != PRIVD_OK)
		return privd_err_set(err, rc, "cannot initialise libsodium");
	if (mkdir(cfg->data_dir, 0700) != 0 && errno != EEXIST)
		return privd_err_set(err, PRIVD_ERR_IO, "cannot create %s: %s", cfg->data_dir, strerror(errno));
	snprintf(path, sizeof(path), "%s/master.key", cfg->data_dir);
	if (stat(path, &st) == 0)
		return privd_err_set(err, PRIVD_ERR_CONFLICT, "%s is already initialised; refusing to overwrite it",
		                     cfg->data_dir);
	privd_config_path(cfg, path, sizeof(path));
	if (stat(path, &st) == 0)
		return privd_err_set(err, PRIVD_ERR_CONFLICT, "%s already exists; refusing to overwrite it", path);
	snprintf(path, sizeof(path), "%s/master.key", cfg->data_dir);
	rc = privd_keyring_create(path, err);
	if (rc != PRIVD_OK)
		goto out;
	rc = privd_config_write(cfg, privd_config_path(cfg, path, sizeof(path)), err);
	if (rc != PRIVD_OK)
		goto out;
	{
		struct privd_config once = *cfg;

		once.background = false;
		rc = privd_service_open(&once, &svc, err);
	}
	if (rc != PRIVD_OK)
		goto out;
	privd_principal_cli(&cli);
	rc = privd_templates_install(svc, cfg, &cli, err);
	if (rc == PRIVD_OK)
		rc = privd_cookie_config_install_default(svc, &cli, err);
	if (rc != PRIVD_OK)
		goto out;
	rc = privd_service_apikey_create(svc, &cli, "initial admin", "admin", &info, admin_key, admin_key_len, err);
out:
	privd_service_close(svc);
	return rc;
}
