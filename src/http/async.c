/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * async.c - a request answered once the writer has committed its write: registration, a consent change, a cookie
 * choice.
 *
 * Write-bound requests wait for a durable commit. Rather than hold a worker thread per waiting request, the handler
 * hands the work to the service and suspends the connection; the service's done callback (on the writer's answering
 * thread) fills the result and resumes it, and the next call of the access handler renders it. Many requests thus share
 * one group commit. Two sides hold the wait, the request and the done callback, and the last to let go frees it;
 * libmicrohttpd refuses to stop while a connection is suspended, so the server counts the writes not yet done and
 * the connections not yet run again, both through the stop's gate (drain.c).
 */
#include "http_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

enum async_state { ASYNC_RUNNING = 0, ASYNC_SUSPENDED, ASYNC_DONE };

struct privd_http_async {
	pthread_mutex_t mu;
	pthread_cond_t cv; /* signalled when done, for a wait that could not suspend its connection (drain.c) */
	atomic_int refs;
	enum async_state state;
	struct MHD_Connection *conn;
	struct privd_http *h;
	bool counted; /* counted in h->suspended until the library runs the connection again */
	void *result;
	privd_http_async_render render;
	void (*free_result)(void *result);
};

static void async_unref(struct privd_http_async *a)
{
	if (atomic_fetch_sub(&a->refs, 1) != 1)
		return;
	if (a->free_result != NULL)
		a->free_result(a->result);
	pthread_cond_destroy(&a->cv);
	pthread_mutex_destroy(&a->mu);
	free(a);
}

/* The connection runs again (or ends): it no longer counts as suspended. Called on the library's thread. */
static void async_settle(struct privd_http_async *a)
{
	bool was;

	pthread_mutex_lock(&a->mu);
	was = a->counted;
	a->counted = false;
	pthread_mutex_unlock(&a->mu);
	if (was)
		atomic_fetch_sub(&a->h->suspended, 1);
}

void privd_http_async_release(struct privd_http_async *a)
{
	if (a != NULL) {
		async_settle(a);
		async_unref(a);
	}
}

struct privd_http_async *privd_http_async_begin(struct privd_http_req *r, void *result, privd_http_async_render render,
                                                void (*free_result)(void *result))
{
	struct privd_http_async *a = calloc(1, sizeof(*a));
	enum privd_rc rc = PRIVD_ERR_NOMEM;

	if (a != NULL && pthread_mutex_init(&a->mu, NULL) != 0) {
		free(a);
		a = NULL;
	}
	if (a != NULL && pthread_cond_init(&a->cv, NULL) != 0) {
		pthread_mutex_destroy(&a->mu);
		free(a);
		a = NULL;
	}
	/* counted before the work is handed over: once the stop's gate is closed, no write starts (503) */
	if (a != NULL && !privd_http_gate_pass(r->h, &r->h->async_pending)) {
		rc = PRIVD_ERR_BUSY;
		pthread_cond_destroy(&a->cv);
		pthread_mutex_destroy(&a->mu);
		free(a);
		a = NULL;
	}
	if (a == NULL) {
		free_result(result);
		privd_http_reply_rc(r, rc, NULL);
		return NULL;
	}
	atomic_init(&a->refs, 2);
	a->state = ASYNC_RUNNING;
	a->conn = r->conn;
	a->h = r->h;
	a->result = result;
	a->render = render;
	a->free_result = free_result;
	r->async = a;
	return a;
}

void *privd_http_async_result(struct privd_http_async *a)
{
	return a->result;
}

void privd_http_async_wait(struct privd_http_req *r)
{
	struct privd_http_async *a = r->async;

	/* done may already have run (a refusal answers at once) */
	pthread_mutex_lock(&a->mu);
	if (a->state == ASYNC_RUNNING && privd_http_gate_pass(r->h, &r->h->suspended)) {
		a->state = ASYNC_SUSPENDED;
		a->counted = true;
		MHD_suspend_connection(r->conn);
	}
	/* the stop's gate closed after the work was handed over: nothing may be suspended now, so this thread waits
	 * (the stop waits for the work too, before it stops the library's threads) */
	while (a->state == ASYNC_RUNNING)
		pthread_cond_wait(&a->cv, &a->mu);
	pthread_mutex_unlock(&a->mu);
}

void privd_http_async_done(struct privd_http_async *a)
{
	struct privd_http *h = a->h;

	pthread_mutex_lock(&a->mu);
	if (a->state == ASYNC_SUSPENDED)
		MHD_resume_connection(a->conn);
	a->state = ASYNC_DONE;
	pthread_cond_signal(&a->cv);
	pthread_mutex_unlock(&a->mu);
	async_unref(a);
	atomic_fetch_sub(&h->async_pending, 1);
}

bool privd_http_async_pending(struct privd_http_req *r)
{
	struct privd_http_async *a = r->async;
	enum async_state st;

	pthread_mutex_lock(&a->mu);
	st = a->state;
	pthread_mutex_unlock(&a->mu);
	if (st != ASYNC_DONE)
		return true;
	async_settle(a);
	a->render(r, a->result);
	return false;
}
