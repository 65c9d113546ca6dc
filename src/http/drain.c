/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * drain.c - what SIGTERM waits for before libmicrohttpd's daemon is stopped, and the gate every suspension of a
 * connection passes.
 *
 * What shaped it: libmicrohttpd aborts the process when it is asked to stop while a connection is suspended
 * ("MHD_stop_daemon() called while we have suspended connections"), and privd suspends two kinds: a write waiting
 * for the writer's commit (async.c) and an upload refused on its socket, parked unread for its linger (guard.c). The
 * stop used to wait until none was suspended and then give the requests in flight one more second. But closing the
 * listener closes none of the keep-alive connections already open, and a request arriving on one in that second
 * could suspend its connection again; the stop then aborted (seen once in the lifecycle test on PostgreSQL; forced
 * by tests/integration/drain-abort.test.mjs). So a suspension, and a write that may lead to one, is counted under a
 * lock and only while the gate is open; the stop closes the gate after the grace of the requests in flight, and
 * from then on the counts only fall: once they are zero, nothing is suspended and nothing will be. After the gate a
 * new write is refused with 503 before it reaches the writer, one handed over just before waits for its commit on
 * the library's thread, and an upload refused on its socket is not parked (the rest of its body is read and dropped
 * until its linger ends, as before parking existed).
 */
#include "http_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"

#define GRACE_MS 5000      /* for the requests in flight before the gate closes */
#define LAST_GRACE_MS 1000 /* for the ones still in flight once nothing is suspended */
#define POLL_MS 10
#define REPORT_EVERY 500 /* polls between two log lines of a long wait (5 s) */

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void poll_sleep(void)
{
	struct timespec ts = {0, POLL_MS * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

void privd_http_drain_init(struct privd_http *h)
{
	pthread_mutex_init(&h->gate_lock, NULL);
	h->gate_closed = false;
	MHD_set_panic_func(privd_http_panic, NULL);
}

void privd_http_drain_cleanup(struct privd_http *h)
{
	pthread_mutex_destroy(&h->gate_lock);
}

bool privd_http_gate_pass(struct privd_http *h, atomic_uint *count)
{
	bool open;

	pthread_mutex_lock(&h->gate_lock);
	open = !h->gate_closed;
	if (open)
		atomic_fetch_add(count, 1);
	pthread_mutex_unlock(&h->gate_lock);
	return open;
}

static void gate_close(struct privd_http *h)
{
	pthread_mutex_lock(&h->gate_lock);
	h->gate_closed = true;
	pthread_mutex_unlock(&h->gate_lock);
}

/* Waits however long it takes until *count is 0, saying so in the log every 5 s under `what`. */
static void wait_zero(atomic_uint *count, const char *what)
{
	unsigned polls = 0;

	while (atomic_load(count) > 0) {
		if (++polls % REPORT_EVERY == 0)
			privd_log(PRIVD_LOG_WARN, "http.stop", "\"%s\":%u", what, atomic_load(count));
		poll_sleep();
	}
}

static void wait_inflight(struct privd_http *h, uint64_t ms)
{
	uint64_t deadline = mono_ms() + ms;

	while (atomic_load(&h->inflight) > 0 && mono_ms() < deadline)
		poll_sleep();
}

void privd_http_drain(struct privd_http *h)
{
	wait_inflight(h, GRACE_MS);
	gate_close(h);
	/* a write handed to the writer finishes on its own (the service outlives the server), and its connection must
	 * be resumed before the daemon stops */
	wait_zero(&h->async_pending, "waiting_writes");
	/* a resumed connection is only off the library's list of suspended ones once its thread has run it again */
	wait_zero(&h->suspended, "waiting_resumed");
	wait_inflight(h, LAST_GRACE_MS);
}

void privd_http_panic(void *cls, const char *file, unsigned int line, const char *reason)
{
	char msg[256], esc[512];
	size_t n;

	(void)cls;
	snprintf(msg, sizeof(msg), "%s", reason != NULL ? reason : "");
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '.'))
		msg[--n] = '\0';
	privd_json_escape(msg, esc, sizeof(esc));
	privd_log(PRIVD_LOG_ERROR, "http.panic", "\"file\":\"%s\",\"line\":%u,\"reason\":\"%s\"",
	          file != NULL ? file : "", line, esc);
	abort(); /* libmicrohttpd's state is broken: it does not expect this to return */
}
