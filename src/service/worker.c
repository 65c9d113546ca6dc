/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * worker.c - the workers that drain an outbound queue: the notification outbox (delivery.c) and the deliveries of
 * transfers to third parties (transfer_send.c) are both drained here, the same way.
 *
 * A worker is a thread with connections of its own (a message's exchange is mostly waiting, so several run at
 * once). It claims a batch, sends each item, and records the outcomes, each claim and each record one job through
 * the writer. The claim stamps the items with a lease (PostgreSQL: selected FOR UPDATE SKIP LOCKED), so several
 * workers and several nodes on one database share a queue and none sends what another holds; a node that dies
 * mid-batch leaves leases that run out, and its items go to whichever worker claims next. On SQLite there is one
 * process, so every lease is released at start. Delivery is therefore at least once: a crash after an item left
 * and before its outcome was recorded sends it again, and each queue gives the receiver an id that stays the same
 * so it can drop the repeat.
 *
 * What to do with an attempt that failed is decided here, once: a refusal for good fails the item at once;
 * anything else is tried again after a wait that doubles from retry_seconds, capped at 6 hours, with jitter of
 * +-50% so that a fan-out that failed together does not retry together, until max_attempts. What an item is, how it
 * is sent and what its outcome writes (and audits) is the queue's (struct privd_queue_ops).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "core/log.h"
#include "notify/smtp.h"
#include "service/service_int.h"

#define IDLE_WAIT_MS 500
#define COUNT_EVERY_MS 2000
#define RETRY_CAP_MS (6LL * 3600 * 1000)
#define WORKERS_MAX 16

struct worker {
	struct privd_workers *pool;
	void *conn; /* the queue's connections; NULL: this queue cannot send, only count */
	pthread_t thread;
	bool running;
	pthread_mutex_t run; /* held through a batch; a reload swaps the connections under it */
	struct privd_claim *claims;
	unsigned char *items; /* cap slots of ops->item_size bytes */
	size_t n, cap;
};

struct privd_workers {
	struct privd_service *svc;
	const struct privd_queue_ops *ops;
	void *q;
	struct privd_worker_config cfg;
	struct worker workers[WORKERS_MAX];
	size_t nworkers, ninit; /* running; set up */
	atomic_bool sending;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	atomic_ullong sent, failed, retried;
};

static void worker_config_notify(const struct privd_config *cfg, size_t batch, struct privd_worker_config *wc)
{
	memset(wc, 0, sizeof(*wc));
	wc->threads = 1;
	wc->batch = batch;
	wc->lease_ms = (int64_t)cfg->notify_lease_seconds * 1000;
	wc->max_attempts = cfg->notify_max_attempts;
	wc->retry_seconds = cfg->notify_retry_seconds;
}

int64_t privd_workers_timeout_ms(const struct privd_worker_config *c)
{
	return c->lease_ms / 3 < 60000 ? c->lease_ms / 3 : 60000; /* three attempts fit in a lease */
}

/* ---- claims ---- */

static void claims_clear(struct worker *w)
{
	for (size_t i = 0; i < w->n; i++) {
		w->pool->ops->clear(w->pool->q, &w->claims[i]);
		memset(w->claims[i].item, 0, w->pool->ops->item_size);
	}
	w->n = 0;
}

void *privd_claiming_item(struct privd_claiming *k)
{
	return k->n < k->cap ? k->c[k->n].item : NULL;
}

int privd_claiming_add(struct privd_claiming *k, const char *id, int attempts)
{
	struct privd_claim *c = &k->c[k->n];

	snprintf(c->id, sizeof(c->id), "%s", id);
	c->attempts = attempts;
	k->n++;
	return k->n >= k->cap;
}

static enum privd_rc claim_data(struct privd_db *db, void *arg)
{
	struct worker *w = arg;
	int64_t now = privd_now_ms();
	struct privd_claiming k = {w->claims, w->cap, 0, false};
	enum privd_rc rc;

	claims_clear(w); /* a batch the writer runs again starts afresh */
	for (size_t i = 0; i < w->cap; i++) {
		void *item = w->items + i * w->pool->ops->item_size;

		memset(&w->claims[i], 0, sizeof(w->claims[i]));
		w->claims[i].item = item;
	}
	rc = w->pool->ops->claim(db, w->pool->q, now, now + w->pool->cfg.lease_ms, &k);
	w->n = k.n;
	for (size_t i = 0; i < w->n; i++)
		w->claims[i].lease_until = now + w->pool->cfg.lease_ms;
	return rc == PRIVD_OK && k.failed ? PRIVD_ERR_NOMEM : rc;
}

static size_t claim(struct worker *w)
{
	struct privd_write_job job = {.data = claim_data, .arg = w};

	if (privd_writer_run(w->pool->svc->writer, &job) != PRIVD_OK) {
		claims_clear(w);
		return 0;
	}
	return w->n;
}

struct lease_job {
	struct worker *w;
	size_t from;
	int64_t until;
};

static enum privd_rc lease_data(struct privd_db *db, void *arg)
{
	struct lease_job *j = arg;
	enum privd_rc rc = PRIVD_OK;

	for (size_t i = j->from; rc == PRIVD_OK && i < j->w->n; i++)
		rc = j->w->pool->ops->lease(db, j->w->claims[i].id, j->until);
	return rc;
}

/* Keeps the items from the from-th on for another lease, before one of them could outlive the current one. */
static void renew(struct worker *w, size_t from)
{
	struct lease_job j = {w, from, privd_now_ms() + w->pool->cfg.lease_ms};
	struct privd_write_job job = {.data = lease_data, .arg = &j};

	if (privd_writer_run(w->pool->svc->writer, &job) == PRIVD_OK)
		for (size_t i = from; i < w->n; i++)
			w->claims[i].lease_until = j.until;
}

/* ---- outcomes ---- */

static enum privd_rc record_data(struct privd_db *db, void *arg)
{
	struct worker *w = arg;
	int64_t now = privd_now_ms();
	enum privd_rc rc = PRIVD_OK;

	for (size_t i = 0; rc == PRIVD_OK && i < w->n; i++) {
		struct privd_claim *c = &w->claims[i];

		c->gone = false;
		if (c->fate == PRIVD_CLAIM_RELEASE) {
			rc = w->pool->ops->lease(db, c->id, 0);
			continue;
		}
		rc = w->pool->ops->record(db, w->pool->q, c, now);
		if (rc == PRIVD_ERR_NOT_FOUND) { /* no longer queued: cancelled meanwhile */
			c->gone = true;
			rc = PRIVD_OK;
		}
	}
	return rc;
}

static enum privd_rc record_after(struct privd_db *ks, void *arg)
{
	struct worker *w = arg;
	enum privd_rc rc = PRIVD_OK;

	for (size_t i = 0; rc == PRIVD_OK && i < w->n; i++)
		rc = w->pool->ops->after(ks, w->pool->q, &w->claims[i]);
	return rc;
}

static void record(struct worker *w)
{
	struct privd_workers *p = w->pool;
	struct privd_write_job job = {.data = record_data, .ks_after = p->ops->after ? record_after : NULL, .arg = w};
	unsigned long long sent = 0, failed = 0, retried = 0;

	if (privd_writer_run(p->svc->writer, &job) != PRIVD_OK) {
		privd_log(PRIVD_LOG_WARN, "worker.record_failed", "\"queue\":\"%s\",\"count\":%zu", p->ops->name, w->n);
		return; /* the leases run out and the items are sent again: at least once */
	}
	for (size_t i = 0; i < w->n; i++) {
		const struct privd_claim *c = &w->claims[i];

		if (c->gone)
			continue;
		sent += c->fate == PRIVD_CLAIM_SENT;
		failed += c->fate == PRIVD_CLAIM_FAILED;
		retried += c->fate == PRIVD_CLAIM_RETRY;
		if (p->ops->recorded != NULL)
			p->ops->recorded(p->q, c);
	}
	atomic_fetch_add(&p->sent, sent);
	atomic_fetch_add(&p->failed, failed);
	atomic_fetch_add(&p->retried, retried);
	if (failed > 0 || retried > 0)
		privd_log(PRIVD_LOG_WARN, "worker.attempts_failed", "\"queue\":\"%s\",\"failed\":%llu,\"retried\":%llu",
		          p->ops->name, failed, retried);
}

int64_t privd_worker_backoff_ms(int retry_seconds, int attempt, uint32_t draw)
{
	int64_t ms = (int64_t)retry_seconds * 1000;

	for (int i = 1; i < attempt && ms < RETRY_CAP_MS; i++)
		ms *= 2;
	if (ms > RETRY_CAP_MS)
		ms = RETRY_CAP_MS;
	return ms / 2 + (int64_t)((double)ms * (draw % 1000) / 1000.0);
}

/* What an attempt that reported res comes to for c. */
static void judge(const struct privd_workers *p, struct privd_claim *c, const struct privd_send_result *res)
{
	int attempt = c->attempts + 1;

	if (res->outcome == PRIVD_SEND_OK) {
		c->fate = PRIVD_CLAIM_SENT;
		return;
	}
	if (res->outcome == PRIVD_SEND_PERMANENT) {
		c->fate = PRIVD_CLAIM_FAILED;
		snprintf(c->error, sizeof(c->error), "%s", res->error);
	} else if (attempt >= p->cfg.max_attempts) {
		c->fate = PRIVD_CLAIM_FAILED;
		snprintf(c->error, sizeof(c->error), "gave up after %d attempts: %.120s", attempt, res->error);
	} else {
		c->fate = PRIVD_CLAIM_RETRY;
		c->next_at =
		    privd_now_ms() + privd_worker_backoff_ms(p->cfg.retry_seconds, attempt, randombytes_random());
		snprintf(c->error, sizeof(c->error), "%s", res->error);
	}
}

/* ---- the loop ---- */

static bool stopping(const struct worker *w)
{
	return atomic_load(&w->pool->svc->stopping);
}

/* One batch: claimed, sent, recorded. Returns how many items were claimed. */
static size_t run_batch(struct worker *w)
{
	struct privd_workers *p = w->pool;
	int64_t timeout = privd_workers_timeout_ms(&p->cfg);
	size_t n = claim(w);

	for (size_t i = 0; i < n; i++) {
		struct privd_claim *c = &w->claims[i];
		struct privd_send_result res;

		if (stopping(w)) {
			c->fate = PRIVD_CLAIM_RELEASE;
			continue;
		}
		if (privd_now_ms() + timeout >= c->lease_until)
			renew(w, i);
		memset(&res, 0, sizeof(res));
		p->ops->send(p->q, w->conn, c, &res);
		if (c->fate == PRIVD_CLAIM_PENDING)
			judge(p, c, &res);
	}
	if (n > 0)
		record(w);
	claims_clear(w);
	return n;
}

static bool any_due(struct worker *w)
{
	struct privd_reader *r = NULL;
	bool any = false;
	enum privd_rc rc;

	if (privd_reader_get(w->pool->svc, &r) != PRIVD_OK)
		return false;
	rc = w->pool->ops->any_due(r->db, w->pool->q, privd_now_ms(), &any);
	privd_reader_put(w->pool->svc, r, rc == PRIVD_ERR_DB);
	return rc == PRIVD_OK && any;
}

static void wait_ms(struct worker *w, long ms)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += ms * 1000000L;
	until.tv_sec += until.tv_nsec / 1000000000L;
	until.tv_nsec %= 1000000000L;
	pthread_mutex_lock(&w->pool->lock);
	if (!stopping(w))
		pthread_cond_timedwait(&w->pool->cond, &w->pool->lock, &until);
	pthread_mutex_unlock(&w->pool->lock);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	const struct privd_queue_ops *ops = w->pool->ops;
	bool counter = w == &w->pool->workers[0]; /* one of them counts the queue */
	int64_t counted = 0;
	char name[16];
	bool busy;

	snprintf(name, sizeof(name), "privd-%s", ops->name);
	pthread_setname_np(pthread_self(), name);

	while (!stopping(w)) {
		int64_t now = privd_now_ms();

		if (counter && ops->count != NULL && now - counted >= COUNT_EVERY_MS) {
			ops->count(w->pool->q);
			counted = now;
		}
		pthread_mutex_lock(&w->run);
		busy = w->conn != NULL && any_due(w) && run_batch(w) > 0;
		pthread_mutex_unlock(&w->run);
		if (!busy)
			wait_ms(w, IDLE_WAIT_MS);
	}
	return NULL;
}

/* ---- start and stop ---- */

static enum privd_rc release_data(struct privd_db *db, void *arg)
{
	const struct privd_workers *p = arg;

	return p->ops->release_all(db);
}

static void pool_free(struct privd_workers *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < WORKERS_MAX; i++) {
		struct worker *w = &p->workers[i];

		if (w->claims != NULL)
			claims_clear(w);
		if (w->conn != NULL)
			p->ops->close(w->conn);
		free(w->claims);
		free(w->items);
		if (i < p->ninit)
			pthread_mutex_destroy(&w->run);
	}
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
	free(p);
}

static void stop_threads(struct privd_workers *p)
{
	pthread_mutex_lock(&p->lock);
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	for (size_t i = 0; i < p->nworkers; i++)
		if (p->workers[i].running)
			pthread_join(p->workers[i].thread, NULL);
}

/* A worker's claims and their items for a batch of cap. */
static enum privd_rc slots_new(const struct privd_workers *p, size_t cap, struct privd_claim **claims,
                               unsigned char **items)
{
	*claims = calloc(cap, sizeof(**claims));
	*items = calloc(cap, p->ops->item_size);
	if (*claims == NULL || *items == NULL) {
		free(*claims);
		free(*items);
		*claims = NULL;
		*items = NULL;
		return PRIVD_ERR_NOMEM;
	}
	for (size_t i = 0; i < cap; i++)
		(*claims)[i].item = *items + i * p->ops->item_size;
	return PRIVD_OK;
}

static enum privd_rc worker_init(struct privd_workers *p, struct worker *w, struct privd_err *err)
{
	w->pool = p;
	w->cap = p->cfg.batch;
	pthread_mutex_init(&w->run, NULL);
	if (slots_new(p, w->cap, &w->claims, &w->items) != PRIVD_OK)
		return privd_err_set(err, PRIVD_ERR_NOMEM, "out of memory");
	return p->ops->open(p->q, &p->svc->cfg, &w->conn, err);
}

enum privd_rc privd_workers_start(struct privd_service *svc, const struct privd_queue_ops *ops, void *q,
                                  const struct privd_worker_config *cfg, struct privd_workers **out,
                                  struct privd_err *err)
{
	struct privd_workers *p = calloc(1, sizeof(*p));
	size_t n = cfg->threads < 1 ? 1 : cfg->threads > WORKERS_MAX ? WORKERS_MAX : cfg->threads;
	enum privd_rc rc = PRIVD_OK;

	*out = NULL;
	if (p == NULL)
		return privd_err_set(err, PRIVD_ERR_NOMEM, "out of memory");
	p->svc = svc;
	p->ops = ops;
	p->q = q;
	p->cfg = *cfg;
	if (p->cfg.batch < 1)
		p->cfg.batch = 1;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	for (size_t i = 0; rc == PRIVD_OK && i < n; i++) {
		p->ninit = i + 1;
		rc = worker_init(p, &p->workers[i], err);
	}
	atomic_store(&p->sending, rc == PRIVD_OK && p->workers[0].conn != NULL);
	if (rc == PRIVD_OK && svc->target.engine == PRIVD_DB_SQLITE) { /* one process: no lease is anyone else's */
		struct privd_write_job job = {.data = release_data, .arg = p};

		rc = privd_writer_run(svc->writer, &job);
	}
	/* without a way to send, one worker is enough: it only counts the queue */
	p->nworkers = atomic_load(&p->sending) ? n : 1;
	for (size_t i = 0; rc == PRIVD_OK && i < p->nworkers; i++) {
		if (pthread_create(&p->workers[i].thread, NULL, worker_main, &p->workers[i]) != 0)
			rc = privd_err_set(err, PRIVD_ERR_INTERNAL, "cannot start the %s worker threads", ops->name);
		else
			p->workers[i].running = true;
	}
	if (rc != PRIVD_OK) {
		atomic_store(&svc->stopping, true);
		stop_threads(p);
		pool_free(p);
		return rc;
	}
	*out = p;
	return PRIVD_OK;
}

void privd_workers_stop(struct privd_workers *p)
{
	if (p == NULL)
		return;
	stop_threads(p);
	pool_free(p);
}

void privd_workers_stats(struct privd_workers *p, struct privd_worker_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (p == NULL)
		return;
	out->sending = atomic_load(&p->sending);
	out->threads = p->nworkers;
	out->sent = atomic_load(&p->sent);
	out->failed = atomic_load(&p->failed);
	out->retried = atomic_load(&p->retried);
}

void privd_workers_wake(struct privd_workers *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

/* ---- a new configuration ---- */

/* What a worker takes on a reload, or gives back. */
struct fresh {
	void *conn;
	struct privd_claim *claims;
	unsigned char *items;
};

static void fresh_free(const struct privd_workers *p, struct fresh *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (f[i].conn != NULL)
			p->ops->close(f[i].conn);
		free(f[i].claims);
		free(f[i].items);
	}
}

enum privd_rc privd_workers_reload(struct privd_workers *p, const struct privd_config *next,
                                   const struct privd_worker_config *cfg, void (*paused)(void *arg), void *arg,
                                   struct privd_err *err)
{
	struct fresh fresh[WORKERS_MAX];
	size_t batch = cfg->batch < 1 ? 1 : cfg->batch, i;
	enum privd_rc rc = PRIVD_OK;

	if (p == NULL)
		return PRIVD_OK;
	memset(fresh, 0, sizeof(fresh));
	for (i = 0; rc == PRIVD_OK && i < p->ninit; i++) {
		rc = p->ops->open(p->q, next, &fresh[i].conn, err);
		if (rc == PRIVD_OK && slots_new(p, batch, &fresh[i].claims, &fresh[i].items) != PRIVD_OK)
			rc = privd_err_set(err, PRIVD_ERR_NOMEM, "out of memory");
	}
	if (rc != PRIVD_OK) {
		fresh_free(p, fresh, p->ninit);
		return rc;
	}
	/* every worker paused between two batches (locked in order; a worker takes only its own lock) */
	for (i = 0; i < p->ninit; i++)
		pthread_mutex_lock(&p->workers[i].run);
	if (paused != NULL)
		paused(arg);
	for (i = 0; i < p->ninit; i++) { /* each between two batches: its n is 0 */
		struct worker *w = &p->workers[i];
		struct fresh old = {w->conn, w->claims, w->items};

		w->conn = fresh[i].conn;
		w->claims = fresh[i].claims;
		w->items = fresh[i].items;
		w->cap = batch;
		fresh[i] = old;
	}
	p->cfg = *cfg;
	p->cfg.batch = batch;
	atomic_store(&p->sending, p->workers[0].conn != NULL);
	for (i = p->ninit; i > 0; i--)
		pthread_mutex_unlock(&p->workers[i - 1].run);
	fresh_free(p, fresh, p->ninit);
	/* a way to send where there was none: the rest of the workers start */
	for (i = p->nworkers; atomic_load(&p->sending) && i < p->ninit; i++) {
		if (pthread_create(&p->workers[i].thread, NULL, worker_main, &p->workers[i]) != 0)
			break;
		p->workers[i].running = true;
		p->nworkers = i + 1;
	}
	return PRIVD_OK;
}

enum privd_rc privd_workers_start_notify(struct privd_service *svc, const struct privd_queue_ops *ops, void *q,
                                         size_t batch, struct privd_workers **out, struct privd_err *err)
{
	struct privd_worker_config wc;
	enum privd_rc rc = privd_notify_global_init();

	if (rc != PRIVD_OK)
		return privd_err_set(err, rc, "the notice senders' libraries cannot start");
	worker_config_notify(&svc->cfg, batch, &wc);
	return privd_workers_start(svc, ops, q, &wc, out, err);
}

enum privd_rc privd_workers_reload_notify(struct privd_workers *p, const struct privd_config *next, size_t batch,
                                          struct privd_err *err)
{
	struct privd_worker_config wc;

	worker_config_notify(next, batch, &wc);
	return privd_workers_reload(p, next, &wc, NULL, NULL, err);
}
