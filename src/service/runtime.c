/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * runtime.c - the plumbing every use case stands on: the pool of reader connections and the clock, and the batch of
 * subject ids a background sweep picks on a reader to work through.
 *
 * Writes go through one writer (group commit); reads take a connection pair (data, keystore) from a small pool, so
 * each worker thread reads without contention and without opening a connection per call. A reader that failed is
 * closed rather than returned, so a broken connection is never handed out twice. The clock is here so that every
 * file of the service reads time one way: UTC milliseconds for what is stored, the operator's time zone for the
 * calendar day deadlines are counted from. These lived in service.c, which made every use case call back into the
 * file that opens the service; they depend on nothing but the service struct.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "service/service_int.h"

int64_t privd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void privd_today(struct privd_date *out)
{
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	out->year = tm.tm_year + 1900;
	out->month = tm.tm_mon + 1;
	out->day = tm.tm_mday;
}

enum privd_rc privd_reader_get(struct privd_service *svc, struct privd_reader **out)
{
	struct privd_reader *r;
	enum privd_rc rc;

	pthread_mutex_lock(&svc->readers_lock);
	r = svc->readers;
	if (r != NULL)
		svc->readers = r->next;
	pthread_mutex_unlock(&svc->readers_lock);
	if (r != NULL) {
		*out = r;
		return PRIVD_OK;
	}
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return PRIVD_ERR_NOMEM;
	rc = privd_db_open(&svc->target, PRIVD_DB_DATA, true, &r->db, NULL);
	if (rc == PRIVD_OK)
		rc = privd_db_open(&svc->target, PRIVD_DB_KEYSTORE, true, &r->ks, NULL);
	if (rc != PRIVD_OK) {
		privd_db_close(r->db);
		free(r);
		return rc;
	}
	*out = r;
	return PRIVD_OK;
}

static void reader_free(struct privd_reader *r)
{
	if (r == NULL)
		return;
	privd_db_close(r->db);
	privd_db_close(r->ks);
	free(r);
}

void privd_reader_put(struct privd_service *svc, struct privd_reader *r, bool broken)
{
	if (r == NULL)
		return;
	if (broken) {
		reader_free(r);
		return;
	}
	pthread_mutex_lock(&svc->readers_lock);
	r->next = svc->readers;
	svc->readers = r;
	pthread_mutex_unlock(&svc->readers_lock);
}

void privd_reader_pool_close(struct privd_service *svc)
{
	struct privd_reader *r;

	while ((r = svc->readers) != NULL) {
		svc->readers = r->next;
		reader_free(r);
	}
}

size_t privd_parts_for(size_t n, size_t min_each)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	size_t k = cores < 1 ? 1 : cores > PRIVD_PARTS_MAX ? PRIVD_PARTS_MAX : (size_t)cores;

	while (k > 1 && n / k < min_each)
		k--;
	return k;
}

void privd_parts_run(void *(*fn)(void *), void *parts, size_t size, size_t nparts)
{
	pthread_t th[PRIVD_PARTS_MAX];
	bool started[PRIVD_PARTS_MAX] = {false};
	char *part = parts;

	if (nparts > PRIVD_PARTS_MAX)
		nparts = PRIVD_PARTS_MAX;
	for (size_t i = 1; i < nparts; i++)
		started[i] = pthread_create(&th[i], NULL, fn, part + i * size) == 0;
	if (nparts > 0)
		fn(part);
	for (size_t i = 1; i < nparts; i++) {
		if (started[i])
			pthread_join(th[i], NULL);
		else
			fn(part + i * size); /* no thread to be had: here, then */
	}
}

static int batch_one(void *arg, const char *subject_id)
{
	struct privd_id_batch *b = arg;

	if (b->n < PRIVD_ID_BATCH)
		snprintf(b->ids[b->n++], sizeof(b->ids[0]), "%s", subject_id);
	return b->n >= PRIVD_ID_BATCH;
}

void privd_id_batch_pick(struct privd_service *svc, struct privd_id_batch *b,
                         enum privd_rc (*walk)(struct privd_db *db, int64_t at, size_t limit,
                                               int (*cb)(void *arg, const char *subject_id), void *arg),
                         int64_t at)
{
	struct privd_reader *r = NULL;
	enum privd_rc rc;

	b->n = 0;
	if (privd_reader_get(svc, &r) != PRIVD_OK)
		return;
	rc = walk(r->db, at, PRIVD_ID_BATCH, batch_one, b);
	privd_reader_put(svc, r, rc == PRIVD_ERR_DB);
	if (rc != PRIVD_OK)
		b->n = 0;
}
