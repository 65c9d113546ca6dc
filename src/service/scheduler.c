/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * scheduler.c - the service's one background thread and what it runs.
 *
 * Some work belongs to no request: erasures that fall due (consent to processing was revoked some days ago), the
 * gauges of overdue rights requests and of those with an estimated due date, the audit anchor that must follow the
 * chain, keys a crash left behind, and the evidence of old erasures whose period is over. Each is small, so one
 * thread does all of it on a fixed tick instead of a thread or timer each: once at start the stray-key sweep, then
 * every second the due erasures, the master keys (a rotation run by another process: rotation.c) and the anchor, and
 * every tenth tick the overdue and estimated counts (queries over open requests for gauges, which need no more) and the
 * evidence purge (periods counted in years need no finer tick). The work itself lives with its concern (erasure.c,
 * destruction.c, audit.c, requests.c); this file only says when. The thread waits on a condition variable rather than
 * sleeping, so the service's close wakes it at once; the service's open starts it for a server only, not for one-shot
 * commands (init, audit verify).
 */
#include <time.h>

#include "service/service_int.h"

#define SWEEP_INTERVAL_MS 1000
#define OVERDUE_EVERY 10  /* sweeps */
#define EVIDENCE_EVERY 10 /* sweeps */

static int count_one(void *arg, const struct privd_request *r)
{
	(void)r;
	(*(unsigned long long *)arg)++;
	return 0;
}

static void count_overdue(struct privd_service *svc)
{
	struct privd_request_query q = {.overdue = 1, .limit = 1000000};
	struct privd_request_query est = {.overdue = -1, .estimated = true, .limit = 1000000};
	unsigned long long n = 0;

	if (privd_service_request_list(svc, &q, count_one, &n, NULL) == PRIVD_OK)
		atomic_store(&svc->requests_overdue, n);
	n = 0;
	if (privd_service_request_list(svc, &est, count_one, &n, NULL) == PRIVD_OK)
		atomic_store(&svc->requests_due_estimated, n);
}

static void *scheduler_main(void *arg)
{
	struct privd_service *svc = arg;
	unsigned tick = 0;

	pthread_setname_np(pthread_self(), "privd-scheduler");
	privd_erasure_sweep_stray_keys(svc);

	pthread_mutex_lock(&svc->scheduler_lock);
	while (!atomic_load(&svc->stopping)) {
		struct timespec until;

		pthread_mutex_unlock(&svc->scheduler_lock);
		privd_erasure_sweep_due(svc);
		privd_idem_sweep(svc);
		privd_keys_refresh(svc);
		privd_reserve_tick(svc);
		privd_audit_anchor_update(svc);
		if (tick % EVIDENCE_EVERY == 0)
			privd_evidence_sweep(svc);
		if (tick++ % OVERDUE_EVERY == 0)
			count_overdue(svc);
		pthread_mutex_lock(&svc->scheduler_lock);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += (long)SWEEP_INTERVAL_MS * 1000000L;
		until.tv_sec += until.tv_nsec / 1000000000L;
		until.tv_nsec %= 1000000000L;
		if (!atomic_load(&svc->stopping))
			pthread_cond_timedwait(&svc->scheduler_cond, &svc->scheduler_lock, &until);
	}
	pthread_mutex_unlock(&svc->scheduler_lock);
	return NULL;
}

enum privd_rc privd_scheduler_start(struct privd_service *svc, struct privd_err *err)
{
	pthread_mutex_init(&svc->scheduler_lock, NULL);
	pthread_cond_init(&svc->scheduler_cond, NULL);
	if (pthread_create(&svc->scheduler, NULL, scheduler_main, svc) != 0)
		return privd_err_set(err, PRIVD_ERR_INTERNAL, "cannot start the scheduler thread");
	svc->scheduler_running = true;
	return PRIVD_OK;
}

void privd_scheduler_stop(struct privd_service *svc)
{
	if (!svc->scheduler_running)
		return;
	pthread_mutex_lock(&svc->scheduler_lock);
	pthread_cond_broadcast(&svc->scheduler_cond);
	pthread_mutex_unlock(&svc->scheduler_lock);
	pthread_join(svc->scheduler, NULL);
	svc->scheduler_running = false;
	pthread_mutex_destroy(&svc->scheduler_lock);
	pthread_cond_destroy(&svc->scheduler_cond);
}
