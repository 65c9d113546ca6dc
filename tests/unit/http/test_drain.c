/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_drain.c - the stop's gate (drain.c) with the interleavings of the SIGABRT while draining forced one by one:
 * a write handed to the writer just as the gate closes, a write arriving after it, an upload refused on its socket
 * after it, and a drain that must wait for a connection still suspended; and the panic callback's log line. No daemon
 * runs: a connection here is NULL,
 * so any attempt to suspend one would crash the test, which is the point. The black-box side is
 * tests/integration/drain-abort.test.mjs.
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/log.h"
#include "http/http_int.h"

static void pause_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static struct privd_http *server_new(void)
{
	struct privd_http *h = calloc(1, sizeof(*h));

	assert_non_null(h);
	privd_http_drain_init(h);
	return h;
}

static void server_free(struct privd_http *h)
{
	privd_http_drain_cleanup(h);
	free(h);
}

static struct privd_http_req *req_new(struct privd_http *h)
{
	struct privd_http_req *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	r->h = h;
	r->conn = NULL; /* suspending it would crash */
	r->route = -1;
	r->path_idx = privd_http_path_count();
	return r;
}

static void req_free(struct privd_http_req *r)
{
	if (r->resp != NULL)
		MHD_destroy_response(r->resp);
	privd_http_async_release(r->async);
	free(r);
}

static bool gate_closed(struct privd_http *h)
{
	bool closed;

	pthread_mutex_lock(&h->gate_lock);
	closed = h->gate_closed;
	pthread_mutex_unlock(&h->gate_lock);
	return closed;
}

static atomic_bool drained;

static void *drain_main(void *arg)
{
	atomic_store(&drained, false);
	privd_http_drain(arg);
	atomic_store(&drained, true);
	return NULL;
}

static atomic_int freed, rendered;

static void result_free(void *p)
{
	atomic_fetch_add(&freed, 1);
	free(p);
}

static void render(struct privd_http_req *r, void *result)
{
	assert_int_equal(*(int *)result, 42);
	(void)r;
	atomic_fetch_add(&rendered, 1);
}

struct late_done {
	struct privd_http_async *a;
	int *result;
};

static void *done_main(void *arg)
{
	struct late_done *d = arg;

	pause_ms(50); /* the request's thread is waiting by then */
	*d->result = 42;
	privd_http_async_done(d->a);
	return NULL;
}

/* The race itself: the work is handed over, then the gate closes before the connection is suspended. The connection
 * is not suspended (the stop could not see it), the request's thread waits for the work, and the drain returns only
 * after the work is done. */
static void test_handed_over_as_gate_closes(void **state)
{
	struct privd_http *h = server_new();
	struct privd_http_req *r = req_new(h);
	int *result = malloc(sizeof(*result));
	struct late_done d;
	pthread_t drain, done;

	(void)state;
	atomic_store(&freed, 0);
	atomic_store(&rendered, 0);
	*result = 0;
	d.a = privd_http_async_begin(r, result, render, result_free);
	d.result = result;
	assert_non_null(d.a);
	assert_int_equal(atomic_load(&h->async_pending), 1);
	assert_int_equal(pthread_create(&drain, NULL, drain_main, h), 0);
	while (!gate_closed(h))
		pause_ms(1);
	assert_int_equal(pthread_create(&done, NULL, done_main, &d), 0);
	privd_http_async_wait(r); /* returns once done ran, without suspending */
	assert_int_equal(atomic_load(&h->suspended), 0);
	assert_false(privd_http_async_pending(r));
	assert_int_equal(atomic_load(&rendered), 1);
	pthread_join(done, NULL);
	pthread_join(drain, NULL);
	assert_int_equal(atomic_load(&h->async_pending), 0);
	req_free(r);
	assert_int_equal(atomic_load(&freed), 1);
	server_free(h);
}

/* After the gate a write does not start: 503, its result freed, nothing counted. */
static void test_write_after_gate_refused(void **state)
{
	struct privd_http *h = server_new();
	struct privd_http_req *r = req_new(h);

	(void)state;
	atomic_store(&freed, 0);
	privd_http_drain(h); /* nothing in flight: closes the gate and returns */
	assert_true(gate_closed(h));
	assert_null(privd_http_async_begin(r, malloc(4), render, result_free));
	assert_int_equal(r->status, 503);
	assert_non_null(r->resp);
	assert_null(r->async);
	assert_int_equal(atomic_load(&freed), 1);
	assert_int_equal(atomic_load(&h->async_pending), 0);
	req_free(r);
	server_free(h);
}

/* After the gate an upload refused on its socket is not parked. */
static void test_refusal_after_gate_not_parked(void **state)
{
	struct privd_http *h = server_new();
	struct privd_http_req *r = req_new(h);

	(void)state;
	privd_http_drain(h);
	privd_http_guard_park(r);
	assert_false(r->parked);
	assert_int_equal(atomic_load(&h->suspended), 0);
	req_free(r);
	server_free(h);
}

/* The gate counts while open and never after; the drain waits for a suspended connection to be run again. */
static void test_drain_waits_for_suspended(void **state)
{
	struct privd_http *h = server_new();
	pthread_t drain;

	(void)state;
	atomic_store(&drained, false);
	assert_true(privd_http_gate_pass(h, &h->suspended)); /* a connection suspended before the stop */
	assert_int_equal(atomic_load(&h->suspended), 1);
	assert_int_equal(pthread_create(&drain, NULL, drain_main, h), 0);
	while (!gate_closed(h))
		pause_ms(1);
	assert_false(privd_http_gate_pass(h, &h->suspended));
	assert_false(privd_http_gate_pass(h, &h->async_pending));
	pause_ms(50);
	assert_false(atomic_load(&drained)); /* still waiting for it */
	atomic_fetch_sub(&h->suspended, 1);  /* run again by the library */
	pthread_join(drain, NULL);
	assert_true(atomic_load(&drained));
	assert_int_equal(atomic_load(&h->async_pending), 0);
	server_free(h);
}

static int panic_fd = -1;

static void to_pipe(enum privd_log_level level, const char *line)
{
	(void)level;
	if (write(panic_fd, line, strlen(line)) < 0)
		_exit(3);
}

/* Should libmicrohttpd's state break anyway, the log says what broke, in the log's format, before the abort. */
static void test_panic_logs_then_aborts(void **state)
{
	int fds[2], status = 0;
	char out[1024];
	ssize_t n, got = 0;
	pid_t pid;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		panic_fd = fds[1];
		signal(SIGABRT, SIG_DFL);
		privd_log_set_sink(to_pipe);
		privd_http_panic(NULL, "daemon.c", 7550,
		                 "MHD_stop_daemon() called while we have suspended connections.\n");
		_exit(0); /* not reached */
	}
	close(fds[1]);
	while (got < (ssize_t)sizeof(out) - 1 && (n = read(fds[0], out + got, sizeof(out) - 1 - (size_t)got)) > 0)
		got += n;
	out[got] = '\0';
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
	assert_non_null(strstr(out, "\"event\":\"http.panic\""));
	assert_non_null(strstr(out, "\"reason\":\"MHD_stop_daemon() called while we have suspended connections\""));
	assert_non_null(strstr(out, "\"line\":7550"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_handed_over_as_gate_closes),    cmocka_unit_test(test_write_after_gate_refused),
	    cmocka_unit_test(test_refusal_after_gate_not_parked), cmocka_unit_test(test_drain_waits_for_suspended),
	    cmocka_unit_test(test_panic_logs_then_aborts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
