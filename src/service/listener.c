/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * listener.c - on PostgreSQL, the thread that keeps this process's caches coherent with writes made by other
 * privd processes.
 *
 * Several privd processes may serve one PostgreSQL database. Each keeps the consent states, API keys, the
 * current policy version and the current consent texts in memory, so a write by one must reach the others: the writer
 * sends a NOTIFY on a channel per cache (service_int.h names them) in the transaction that changes the row, and this
 * thread LISTENs and drops or reloads what changed. What this process's own writer sent is passed over (the driver
 * tags every payload with the process's instance): each write updated this process's caches when it committed, and
 * hearing it again dropped the consent state a change had just updated, to be read again by the next check. A
 * notification is lost while the connection is down, so on every (re)connection all the caches are dropped: anything
 * may have changed meanwhile. So they are when a COMMIT of this process failed: it may have committed all the same,
 * and its notification would not be heard here. The vault caches data keys only
 * while this thread listens: an erasure elsewhere (a channel of its own, so that consent changes leave keys
 * cached) drops the subject's key, and while the connection is down the vault caches nothing. This is cache
 * invalidation, not scheduling, which is why it is a thread of its own beside the caches and not a job of the
 * scheduler. On SQLite there is one process and nothing to listen to.
 */
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "service/service_int.h"

static void on_notify(void *arg, const char *channel, const char *payload)
{
	struct privd_service *svc = arg;

	if (strcmp(channel, PRIVD_CHAN_CONSENT) == 0)
		privd_cache_invalidate(svc, payload);
	else if (strcmp(channel, PRIVD_CHAN_APIKEY) == 0)
		privd_keys_invalidate_id(svc, payload);
	else if (strcmp(channel, PRIVD_CHAN_POLICY) == 0)
		privd_policy_load_current(svc);
	else if (strcmp(channel, PRIVD_CHAN_ERASED) == 0)
		privd_vault_forget(svc->vault, payload);
	else if (strcmp(channel, PRIVD_CHAN_TEXT) == 0)
		privd_consent_texts_load_current(svc);
	else if (strcmp(channel, PRIVD_CHAN_COOKIE_CONFIG) == 0)
		privd_cookie_config_load(svc, NULL);
}

/* Anything may have changed unheard: every cache is dropped or read again. */
static void resync(struct privd_service *svc)
{
	privd_cache_invalidate_all(svc);
	privd_keys_cleanup(svc);
	privd_policy_load_current(svc);
	privd_consent_texts_load_current(svc);
	privd_cookie_config_load(svc, NULL);
}

static void *listener_main(void *arg)
{
	struct privd_service *svc = arg;
	struct privd_db *db = NULL;
	unsigned long long failed = privd_db_commits_failed();

	while (!atomic_load(&svc->stopping)) {
		if (failed != privd_db_commits_failed()) {
			failed = privd_db_commits_failed();
			resync(svc);
		}
		if (db == NULL) {
			if (privd_db_open(&svc->target, PRIVD_DB_DATA, false, &db, NULL) != PRIVD_OK ||
			    privd_db_listen(db, PRIVD_CHAN_CONSENT) != PRIVD_OK ||
			    privd_db_listen(db, PRIVD_CHAN_APIKEY) != PRIVD_OK ||
			    privd_db_listen(db, PRIVD_CHAN_POLICY) != PRIVD_OK ||
			    privd_db_listen(db, PRIVD_CHAN_ERASED) != PRIVD_OK ||
			    privd_db_listen(db, PRIVD_CHAN_TEXT) != PRIVD_OK ||
			    privd_db_listen(db, PRIVD_CHAN_COOKIE_CONFIG) != PRIVD_OK) {
				privd_db_close(db);
				db = NULL;
				sleep(1);
				continue;
			}
			privd_db_listen_others(db);
			resync(svc); /* anything may have changed while we were not listening */
			privd_vault_cache_enable(svc->vault, true);
		}
		if (privd_db_wait_notify(db, 200, on_notify, svc) != PRIVD_OK) {
			privd_log(PRIVD_LOG_WARN, "db.listener_lost", NULL);
			privd_vault_cache_enable(svc->vault, false);
			privd_db_close(db);
			db = NULL;
		}
	}
	privd_db_close(db);
	return NULL;
}

void privd_listener_start(struct privd_service *svc)
{
	if (svc->target.engine != PRIVD_DB_POSTGRES)
		return;
	if (pthread_create(&svc->listener, NULL, listener_main, svc) == 0)
		svc->listener_running = true;
}

void privd_listener_stop(struct privd_service *svc)
{
	if (svc->listener_running)
		pthread_join(svc->listener, NULL);
	svc->listener_running = false;
}
