/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * server.c - the libmicrohttpd daemon: listening, the access handler's phases, body limits, request
 * accounting and a graceful stop.
 *
 * What shaped it: the consent check must run at the speed of a static response over keep-alive connections,
 * and libmicrohttpd 0.9.75 closes a connection whose response is queued on the first call of the access
 * handler. So the first call only matches the route and authenticates; the response (an early refusal, the
 * handler's answer, or a registration's result after the writer resumes the connection) is always queued on a
 * later call. Bodies are accumulated up to the limit of their route (small for JSON, larger for the raw
 * document uploads of rights requests) and never logged; the per-request context is made by the URI log callback
 * (which sees the request target as sent) and freed by the completion callback, which also records metrics and the
 * one debug log line per request. What one client may take of the server (connections, time, body memory) and the
 * framing checks are guard.c's, what a stop waits for is drain.c's; this file wires them in.
 *
 * The completion callback is also where a worker gives up its core now and then ([server] yield_us): a worker under
 * load never sleeps, so the kernel would let it run a whole tick before the client sharing its core got a turn. On
 * two cores shared with the load generator that made the check's p99 two ticks (7.9 ms); yielding every 0.5 ms made
 * it 1.6-2.9 ms for at most 7% of the rate (bench/README.md). And the workers run with a short time slice ([server]
 * slice_us), inherited from the thread that starts them: a thread that has had less than its slice is chosen before
 * one that has had more (Linux 6.12's EEVDF scheduler reads sched_runtime as a fair thread's slice), so a worker woken
 * by a request goes before the load generator's thread that has had its turn. With both, the check's p99 was at most
 * nginx's in 26 of 33 rounds, against 10 of 24 with the yield alone (bench/README.md).
 */
#include "http_int.h"

#include <errno.h>
#include <netdb.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "core/log.h"

/* Each connection's memory pool, which the library clears between the requests of a keep-alive connection: the
 * default 32 KiB made that clearing the largest single cost of the consent check. Request lines and headers must
 * fit (larger: 431); bodies are collected in buffers of our own. */
#define CONNECTION_MEMORY (16 * 1024)
#define CONNECTION_TIMEOUT_S 30u
#define DEFAULT_BODY_LIMIT 65536u
#define DEFAULT_DOCUMENT_LIMIT (10u * 1024u * 1024u)
#define DEFAULT_HEADER_TIMEOUT_S 10u
#define DEFAULT_REQUEST_TIMEOUT_S 120u
#define DEFAULT_BODY_MEMORY ((size_t)256 * 1024 * 1024)
#define METRICS_CONNECTIONS 64u
#define BODY_MEMORY_RETRY "5" /* seconds, the Retry-After of a body that found no memory */

static const char internal_body[] =
    "{\"type\":\"urn:privd:problem:internal\",\"title\":\"Internal error\",\"status\":500,"
    "\"detail\":\"an internal error occurred\"}";

/* One static answer for when not even a problem could be allocated. */
static struct MHD_Response *internal_resp;

/* Set when the access handler closes a connection on purpose (an answered refusal's linger is over, a deadline
 * passed): the library then logs that the application reported an error, which is no news then (at debug). */
static _Thread_local bool closing_on_purpose;

static enum MHD_Result close_on_purpose(void)
{
	closing_on_purpose = true;
	return MHD_NO;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void req_free(struct privd_http_req *r)
{
	if (r == NULL)
		return;
	if (r->resp != NULL && !r->resp_shared)
		MHD_destroy_response(r->resp);
	privd_http_async_release(r->async);
	privd_http_idem_free(r->idem);
	if (r->body != NULL) {
		explicit_bzero(r->body, r->body_cap);
		free(r->body);
		privd_http_guard_give(r, r->body_cap);
	}
	explicit_bzero(&r->who, sizeof(r->who));
	free(r);
}

/* An answer on the first call, which closes the connection: the framing cannot be trusted, or the body is over its
 * limit or will not fit in memory (first() sends it). */
static void reply_closing(struct privd_http_req *r, unsigned status, const char *slug, const char *detail)
{
	privd_http_reply_problem(r, status, slug, detail, NULL);
	privd_http_reply_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
	privd_http_guard_close_cause(r, PRIVD_HTTP_CLOSE_REFUSED);
	if (status == MHD_HTTP_SERVICE_UNAVAILABLE)
		privd_http_reply_header(r, MHD_HTTP_HEADER_RETRY_AFTER, BODY_MEMORY_RETRY);
	r->early_status = status;
	r->early_slug = slug;
	snprintf(r->early_detail, sizeof(r->early_detail), "%s", detail);
}

/* First call: check the framing, match, authenticate, look at the declared length. Queues nothing but an answer
 * that closes the connection (keep-alive, see above). */
static void first_call(struct privd_http_req *r, const char *method, const char *version)
{
	const struct privd_http_route *rt;
	const char *slug = NULL, *detail = NULL;
	char allow[64];
	const char *cl;
	unsigned st;

	st = privd_http_guard_framing(r, method, version, &slug, &detail);
	if (st != 0) {
		reply_closing(r, st, slug, detail);
		return;
	}
	if (r->query_cut) {
		reply_closing(r, MHD_HTTP_BAD_REQUEST, "malformed", "the query has too many parameters");
		return;
	}
	st = privd_http_route_match(r, allow, sizeof(allow));
	/* with [metrics] listen, /metrics is served there alone */
	if (st == 0 && (r->metrics_side || r->h->md != NULL) &&
	    r->metrics_side != ((privd_http_route_get(r->route)->flags & PRIVD_HTTP_METRICS_ROUTE) != 0))
		st = 404;
	if (st != 0 && r->metrics_side)
		st = 404;
	if (st == 404) {
		if (!r->metrics_side && privd_http_static_try(r)) /* a page's file, unless a route has the path */
			return;
		privd_http_reply_problem(r, MHD_HTTP_NOT_FOUND, "not-found", "no such route", NULL);
		return;
	}
	if (st == 405) {
		privd_http_reply_problem(r, MHD_HTTP_METHOD_NOT_ALLOWED, "method-not-allowed",
		                         "the route does not accept this method", NULL);
		privd_http_reply_header(r, MHD_HTTP_HEADER_ALLOW, allow);
		return;
	}
	rt = privd_http_route_get(r->route);
	if (rt->flags & PRIVD_HTTP_RAW_BODY)
		r->body_limit = r->h->document_limit;
	else if (rt->flags & PRIVD_HTTP_SMALL_BODY)
		r->body_limit = PRIVD_HTTP_SMALL_LIMIT;
	else if ((rt->flags & PRIVD_HTTP_BATCH_BODY) && r->body_limit < PRIVD_HTTP_BATCH_LIMIT)
		r->body_limit = PRIVD_HTTP_BATCH_LIMIT;
	if (!privd_http_authorize(r))
		return;
	cl = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl != NULL) {
		char *end;
		unsigned long long v;

		errno = 0;
		v = strtoull(cl, &end, 10);
		if (end != cl && (errno == ERANGE || v > r->body_limit))
			r->too_large = true;
		else if (errno == 0 && end != cl && *end == '\0' && v > 0 && !privd_http_guard_fits(r, (size_t)v + 1))
			r->over_budget = true; /* refused before a byte of it is read */
		else if (errno == 0 && end != cl && *end == '\0') {
			r->declared = (size_t)v;
			privd_http_body_reserve(r, (size_t)v);
		}
	}
	if (r->resp == NULL && r->over_budget)
		reply_closing(r, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable",
		              "too many request bodies are arriving at once; retry later");
}

static void reply_too_large(struct privd_http_req *r)
{
	char detail[64];

	snprintf(detail, sizeof(detail), "the body exceeds %zu bytes", r->body_limit);
	privd_http_reply_problem(r, MHD_HTTP_CONTENT_TOO_LARGE, "too-large", detail, NULL);
	privd_http_reply_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
	privd_http_guard_close_cause(r, PRIVD_HTTP_CLOSE_REFUSED);
}

static enum MHD_Result queue(struct privd_http_req *r)
{
	struct MHD_Response *resp = r->resp;
	unsigned status = r->status;
	enum MHD_Result ret;

	if (resp == NULL) {
		resp = internal_resp;
		status = MHD_HTTP_INTERNAL_SERVER_ERROR;
	} else if (atomic_load_explicit(&r->h->stopping, memory_order_relaxed) && !r->resp_shared) {
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	}
	r->status = status;
	r->queued = true;
	privd_http_guard_body_done(r); /* answered: no deadline but the library's idle timeout for sending it */
	if (resp != internal_resp && !r->resp_shared) { /* a shared answer got them when it was made */
		privd_http_secure_headers(resp);
		privd_http_hsts(r->h, resp);
		/* clients close an idle connection before its header deadline would (and so never send on one being
		 * closed) */
		if (MHD_get_response_header(resp, MHD_HTTP_HEADER_KEEP_ALIVE) == NULL)
			MHD_add_response_header(resp, MHD_HTTP_HEADER_KEEP_ALIVE, r->h->keep_alive);
	}
	ret = MHD_queue_response(r->conn, status, resp);
	if (r->resp != NULL) {
		if (!r->resp_shared) /* a shared answer's own reference is its owner's */
			MHD_destroy_response(r->resp);
		r->resp = NULL;
	}
	return ret;
}

static struct privd_http_req *req_new(struct privd_http *h, struct MHD_Connection *conn)
{
	struct privd_http_req *r = calloc(1, sizeof(*r));
	const union MHD_ConnectionInfo *info;

	if (r == NULL)
		return NULL;
	r->h = h;
	r->conn = conn;
	r->route = -1;
	r->path_idx = privd_http_path_count();
	r->body_limit = h->body_limit;
	r->declared = SIZE_MAX;
	r->t0_ns = now_ns();
	info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	r->gc = info != NULL ? info->socket_context : NULL;
	atomic_fetch_add_explicit(&h->inflight, 1, memory_order_relaxed);
	return r;
}

/* The URI log callback: the request target exactly as sent, before the library decodes it in place. The request's
 * context starts here. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct privd_http_req *r = req_new(cls, conn);

	if (r != NULL) {
		r->uri_len = strlen(uri);
		r->uri_nul = privd_http_guard_uri_nul(uri);
		r->query_cut = privd_http_guard_query_cut(uri);
	}
	return r;
}

/* Whether a request's body may be more than a refusal can drop: declared over its limit (or past 2^64 bytes), or
 * chunked (a chunk may claim 2^64 bytes and send none). */
static bool body_unbounded(struct privd_http_req *r)
{
	const char *cl = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	char *end;
	unsigned long long v;

	if (MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING) != NULL)
		return true;
	if (cl == NULL)
		return false;
	errno = 0;
	v = strtoull(cl, &end, 10);
	return errno != 0 || v > r->body_limit;
}

/* The access handler's first call: the request line and headers are in. */
static enum MHD_Result first(struct privd_http_req *r, bool metrics_side, const char *url, const char *method,
                             const char *version)
{
	r->first_done = true;
	r->url = url;
	r->method = privd_http_method_parse(method);
	r->metrics_side = metrics_side;
	if (!privd_http_guard_headers_done(r))
		return close_on_purpose(); /* its header deadline passed: the connection is being closed */
	first_call(r, method, version);
	if (r->resp == NULL && r->too_large) {
		char detail[64];

		/* a declared length over the limit: answered before the body is read */
		snprintf(detail, sizeof(detail), "the body exceeds %zu bytes", r->body_limit);
		reply_closing(r, MHD_HTTP_CONTENT_TOO_LARGE, "too-large", detail);
	}
	if (r->early_status == 0 && r->status >= 400 && r->early_slug != NULL && body_unbounded(r)) {
		/* a refusal whose body may never end (a length past the limit, a chunk of 2^64 bytes): not waited for
		 */
		r->early_status = r->status;
		privd_http_reply_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
		privd_http_guard_close_cause(r, PRIVD_HTTP_CLOSE_REFUSED);
	}
	if (r->early_status == 0)
		return MHD_YES;
	/* Queued now, the answer would be sent and the connection closed at once, with the body the client is still
	 * sending unread: the close resets the connection, and a client busy sending may lose the answer with it. So
	 * it is written on the socket now and the connection left open, unread, for a moment (over TLS: queued). */
	if (privd_http_guard_can_answer(r))
		return privd_http_abort(r, r->early_status, r->early_slug, r->early_detail,
		                        r->early_status == MHD_HTTP_SERVICE_UNAVAILABLE ? BODY_MEMORY_RETRY : NULL);
	return queue(r);
}

/* A piece of the body. */
static enum MHD_Result body_piece(struct privd_http_req *r, const char *data, size_t n)
{
	char detail[64];

	if (r->resp != NULL) {
		/* libmicrohttpd 0.9.75 refuses a response queued while the body is arriving: after an early refusal the
		 * rest is read and dropped, then answered, unless there is more of it than any body may have */
		r->dropped += n;
		if (r->dropped <= r->body_limit)
			return MHD_YES;
		r->too_large = true;
	} else if (!privd_http_body_append(r, data, n)) {
		privd_http_reply_rc(r, PRIVD_ERR_NOMEM, NULL);
		return MHD_YES;
	}
	if (r->over_budget)
		return privd_http_abort(r, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable",
		                        "too many request bodies are arriving at once; retry later", BODY_MEMORY_RETRY);
	if (r->too_large) {
		/* past the limit of a chunked body: answered now, not when it ends (a chunk may claim 2^64 bytes) */
		snprintf(detail, sizeof(detail), "the body exceeds %zu bytes", r->body_limit);
		return privd_http_abort(r, MHD_HTTP_CONTENT_TOO_LARGE, "too-large", detail, NULL);
	}
	return MHD_YES;
}

static enum MHD_Result handle(struct privd_http *h, bool metrics_side, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *upload_data,
                              size_t *upload_data_size, void **con_cls)
{
	struct privd_http_req *r = *con_cls;

	closing_on_purpose = false;
	if (r == NULL) {
		r = req_new(h, conn);
		if (r == NULL)
			return MHD_NO;
		r->uri_len = SIZE_MAX; /* not seen as sent: only the parsed headers are checked */
		*con_cls = r;
	}
	if (!r->first_done)
		return first(r, metrics_side, url, method, version);
	if (!r->aborted && privd_http_guard_taken(r)) {
		r->aborted = true; /* its request deadline passed and the sweeper answered it */
		r->status = 408;
		r->queued = true;
		privd_http_guard_park(r);
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (r->aborted) {
		/* answered on the socket and left unread until its linger is over (or the body is all in): closed */
		if (*upload_data_size == 0 || privd_http_guard_closing(r))
			return close_on_purpose();
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (r->queued) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		size_t n = *upload_data_size;

		*upload_data_size = 0;
		return body_piece(r, upload_data, n);
	}
	if (!r->started) {
		r->started = true;
		if (!privd_http_guard_body_done(r))
			return close_on_purpose(); /* its request deadline passed as the body completed: answered
			                              already */
		if (r->resp == NULL && r->too_large)
			reply_too_large(r);
		else if (r->resp == NULL) {
			if (privd_http_idem_start(r))
				privd_http_route_get(r->route)->handler(r);
			privd_http_idem_disarm(r);
		}
	}
	if (r->resp == NULL && r->async != NULL && privd_http_async_pending(r))
		return MHD_YES; /* suspended until the writer answers */
	privd_http_idem_settle(r);
	return queue(r);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
	return handle(cls, false, conn, url, method, version, upload_data, upload_data_size, con_cls);
}

/* The access handler of [metrics] listen: GET /metrics alone. */
static enum MHD_Result on_metrics_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                          const char *version, const char *upload_data, size_t *upload_data_size,
                                          void **con_cls)
{
	return handle(cls, true, conn, url, method, version, upload_data, upload_data_size, con_cls);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	static _Thread_local uint64_t yielded_at;
	struct privd_http *h = cls;
	struct privd_http_req *r = *con_cls;
	uint64_t end, dur;

	(void)conn;
	if (r == NULL)
		return;
	*con_cls = NULL;
	if (r->parked) /* the library ran it again to close it */
		atomic_fetch_sub(&h->suspended, 1);
	privd_http_guard_request_done(r, toe);
	end = now_ns();
	dur = end - r->t0_ns;
	if (r->queued) {
		privd_http_metrics_record(r->path_idx, r->method, r->status, dur);
		privd_log(PRIVD_LOG_DEBUG, "http.request",
		          "\"method\":\"%s\",\"route\":\"%s\",\"status\":%u,\"duration_ms\":%.3f%s",
		          privd_http_method_name(r->method), privd_http_path_name(r->path_idx), r->status,
		          (double)dur / 1e6, toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : ",\"aborted\":true");
	}
	req_free(r);
	atomic_fetch_sub_explicit(&h->inflight, 1, memory_order_relaxed);
	/* its answer is sent: only the connections still waiting on this thread wait for the others' turn */
	if (privd_http_yield_due(end, &yielded_at, h->yield_ns))
		sched_yield();
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[256], esc[512];
	size_t n;

	enum privd_log_level level = closing_on_purpose ? PRIVD_LOG_DEBUG : PRIVD_LOG_WARN;

	(void)cls;
	closing_on_purpose = false;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	privd_json_escape(msg, esc, sizeof(esc));
	privd_log(level, "http.server", "\"msg\":\"%s\"", esc);
}

/* "HOST:PORT", "[V6]:PORT" or ":PORT" into an address. */
static enum privd_rc parse_listen(const char *listen, struct sockaddr_storage *ss, socklen_t *sslen,
                                  struct privd_err *err)
{
	char host[256], port[16];
	const char *colon, *hs, *he;
	struct addrinfo hints, *ai = NULL;
	enum privd_rc rc = PRIVD_OK;
	int e;

	if (listen == NULL || listen[0] == '\0')
		return privd_err_set(err, PRIVD_ERR_INVALID, "listen address is empty");
	colon = strrchr(listen, ':');
	if (colon == NULL || colon[1] == '\0' || strlen(colon + 1) >= sizeof(port))
		return privd_err_set(err, PRIVD_ERR_INVALID, "listen address needs HOST:PORT");
	hs = listen;
	he = colon;
	if (listen[0] == '[') {
		if (colon == listen || colon[-1] != ']')
			return privd_err_set(err, PRIVD_ERR_INVALID, "listen address: unterminated [ ]");
		hs = listen + 1;
		he = colon - 1;
	}
	if ((size_t)(he - hs) >= sizeof(host))
		return privd_err_set(err, PRIVD_ERR_INVALID, "listen address: host too long");
	memcpy(host, hs, (size_t)(he - hs));
	host[he - hs] = '\0';
	snprintf(port, sizeof(port), "%s", colon + 1);

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	e = getaddrinfo(host[0] ? host : NULL, port, &hints, &ai);
	if (e != 0 || ai == NULL) {
		rc = privd_err_set(err, PRIVD_ERR_INVALID, "cannot resolve listen address %s: %s", listen,
		                   gai_strerror(e));
		goto out;
	}
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*sslen = ai->ai_addrlen;
out:
	if (ai != NULL)
		freeaddrinfo(ai);
	return rc;
}

/* The cookie banner's options, its limiter and its script. */
static enum privd_rc cookie_opts(struct privd_http *h, const struct privd_http_opts *o, struct privd_err *err)
{
	snprintf(h->cookie_origins, sizeof(h->cookie_origins), "%s", o->cookie_origins ? o->cookie_origins : "");
	if (o->cookie_rate > 0) {
		h->limiter = privd_http_limiter_new(o->cookie_rate, o->cookie_burst ? o->cookie_burst : 1);
		if (h->limiter == NULL)
			return privd_err_set(err, PRIVD_ERR_NOMEM, "out of memory");
	}
	return privd_http_web_init(h, err);
}

/* [http]: HTTPS and the trusted proxies. */
static enum privd_rc edge_opts(struct privd_http *h, const struct privd_http_opts *o, struct privd_err *err)
{
	size_t bad = 0, bad_len = 0;
	const char *bad_at = NULL;

	if (!privd_cidrs_parse(o->trusted_proxies, &h->trusted, &bad, &bad_at, &bad_len))
		return privd_err_set(err, PRIVD_ERR_INVALID,
		                     "[http] trusted_proxies: entry %zu is not an address or network", bad);
	h->forwarded_rfc7239 = o->forwarded_rfc7239;
	if (privd_http_tls_init(h, o->tls_cert, o->tls_key, err) != PRIVD_OK)
		return PRIVD_ERR_INVALID;
	if (h->tls)
		privd_log(PRIVD_LOG_INFO, "http.tls", "\"versions\":\"TLS 1.2, TLS 1.3\",\"hsts\":true");
	return PRIVD_OK;
}

/* Frees what privd_http_start made, the metrics daemon and the guard's sweeper included (not the API's daemon);
 * accepts NULL. */
static void server_free(struct privd_http *h)
{
	if (h == NULL)
		return;
	if (h->md != NULL)
		MHD_stop_daemon(h->md);
	privd_http_guard_cleanup(&h->guard);
	privd_http_limiter_free(h->limiter);
	privd_http_web_cleanup(h);
	privd_http_tls_cleanup(h);
	privd_http_drain_cleanup(h);
	free(h);
}

/* The connections served at once: max_connections, or the open-file limit (raised to the hard one) less what the
 * database, keystore, logs and outgoing connections need. */
static unsigned connection_limit(unsigned max_connections, unsigned long nofile)
{
	if (max_connections > 0)
		return max_connections;
	nofile = nofile > 128 ? nofile - 64 : 64;
	return nofile > 60000 ? 60000u : (unsigned)nofile;
}

/* The library's threads: [server] threads, or one per core. */
static unsigned thread_count(unsigned threads)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (threads > 0)
		return threads;
	return n > 0 ? (unsigned)n : 1u;
}

/* The static answer for when not even a problem could be allocated, made once. */
static bool internal_resp_init(void)
{
	if (internal_resp != NULL)
		return true;
	internal_resp =
	    MHD_create_response_from_buffer(sizeof(internal_body) - 1, (void *)internal_body, MHD_RESPMEM_PERSISTENT);
	if (internal_resp == NULL)
		return false;
	MHD_add_response_header(internal_resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/problem+json");
	privd_http_secure_headers(internal_resp);
	return true;
}

/* The daemon of [metrics] listen: one thread, a few connections, GET /metrics alone. */
static enum privd_rc start_metrics(struct privd_http *h, const char *listen, struct privd_err *err)
{
	struct sockaddr_storage ss;
	socklen_t sslen = 0;
	const union MHD_DaemonInfo *info;
	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
	enum privd_rc rc;

	memset(&ss, 0, sizeof(ss));
	rc = parse_listen(listen, &ss, &sslen, err);
	if (rc != PRIVD_OK)
		return rc;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_DUAL_STACK;
	h->md =
	    MHD_start_daemon(flags, 0, NULL, NULL, on_metrics_request, h, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, h,
	                     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT,
	                     METRICS_CONNECTIONS, MHD_OPTION_CONNECTION_TIMEOUT, DEFAULT_HEADER_TIMEOUT_S,
	                     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY, MHD_OPTION_URI_LOG_CALLBACK,
	                     on_uri, h, MHD_OPTION_NOTIFY_COMPLETED, on_completed, h, MHD_OPTION_END);
	if (h->md == NULL)
		return privd_err_set(err, PRIVD_ERR_IO, "cannot listen on %s ([metrics] listen)", listen);
	info = MHD_get_daemon_info(h->md, MHD_DAEMON_INFO_BIND_PORT);
	h->metrics_port = info != NULL ? info->port : 0;
	return PRIVD_OK;
}

enum privd_rc privd_http_start(struct privd_service *svc, const struct privd_http_opts *o, struct privd_http **out,
                               struct privd_err *err)
{
	struct privd_http *h = NULL;
	struct sockaddr_storage ss;
	socklen_t sslen = 0;
	const union MHD_DaemonInfo *info;
	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
	unsigned threads, conns, header_s;
	unsigned long nofile;
	uint64_t was;
	enum privd_rc rc;

	*out = NULL;
	memset(&ss, 0, sizeof(ss));
	rc = parse_listen(o->listen, &ss, &sslen, err);
	if (rc != PRIVD_OK)
		goto out;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_DUAL_STACK;
	threads = thread_count(o->threads);
	h = calloc(1, sizeof(*h));
	if (h == NULL) {
		rc = privd_err_set(err, PRIVD_ERR_NOMEM, "out of memory");
		goto out;
	}
	privd_http_drain_init(h);
	h->svc = svc;
	h->body_limit = o->body_limit ? o->body_limit : DEFAULT_BODY_LIMIT;
	h->document_limit = o->document_limit ? o->document_limit : DEFAULT_DOCUMENT_LIMIT;
	h->metrics_require_key = o->metrics_require_key;
	rc = edge_opts(h, o, err);
	if (rc == PRIVD_OK)
		rc = cookie_opts(h, o, err);
	if (rc != PRIVD_OK)
		goto out;
	privd_http_json_alloc_init();
	privd_http_body_alloc_init();
	if (!internal_resp_init()) {
		rc = privd_err_set(err, PRIVD_ERR_NOMEM, "out of memory");
		goto out;
	}
	header_s = o->header_timeout ? o->header_timeout : DEFAULT_HEADER_TIMEOUT_S;
	snprintf(h->keep_alive, sizeof(h->keep_alive), "timeout=%u", header_s > 1 ? header_s - 1 : 1u);
	h->yield_ns = (uint64_t)o->yield_us * 1000u;
	nofile = privd_http_guard_nofile();
	conns = connection_limit(o->max_connections, nofile);
	rc = privd_http_guard_start(&h->guard, header_s,
	                            o->request_timeout ? o->request_timeout : DEFAULT_REQUEST_TIMEOUT_S,
	                            o->body_memory ? o->body_memory : DEFAULT_BODY_MEMORY, o->body_memory_per_ip, err);
	if (rc != PRIVD_OK)
		goto out;
	if (o->metrics_listen != NULL && o->metrics_listen[0] != '\0') {
		rc = start_metrics(h, o->metrics_listen, err);
		if (rc != PRIVD_OK)
			goto out;
	}
	was = privd_http_workers_slice(o->slice_us);
	h->d = MHD_start_daemon(
	    flags | (h->tls ? MHD_USE_TLS : 0), 0, NULL, NULL, on_request, h, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, h,
	    MHD_OPTION_ARRAY, h->tls_opts, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_THREAD_POOL_SIZE,
	    threads, MHD_OPTION_CONNECTION_LIMIT, conns, MHD_OPTION_PER_IP_CONNECTION_LIMIT, o->connections_per_ip,
	    MHD_OPTION_CONNECTION_TIMEOUT, CONNECTION_TIMEOUT_S, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	    (size_t)CONNECTION_MEMORY, MHD_OPTION_NOTIFY_CONNECTION, privd_http_guard_notify, h,
	    MHD_OPTION_URI_LOG_CALLBACK, on_uri, h, MHD_OPTION_NOTIFY_COMPLETED, on_completed, h, MHD_OPTION_END);
	privd_http_workers_slice_end(was);
	if (h->d == NULL) {
		rc = privd_err_set(err, PRIVD_ERR_IO, "cannot listen on %s", o->listen);
		goto out;
	}
	info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
	h->port = info != NULL ? info->port : 0;
	privd_log(PRIVD_LOG_INFO, "http.limits",
	          "\"open_files\":%lu,\"max_connections\":%u,\"connections_per_ip\":%u,\"header_timeout_s\":%llu,"
	          "\"request_timeout_s\":%llu,\"body_memory\":%zu,\"body_memory_per_ip\":%zu",
	          nofile, conns, o->connections_per_ip, (unsigned long long)(h->guard.header_ms / 1000),
	          (unsigned long long)(h->guard.request_ms / 1000), h->guard.body_memory, h->guard.body_memory_per_ip);
	privd_log(PRIVD_LOG_DEBUG, "http.threads", "\"threads\":%u,\"slice_us\":%u", threads, o->slice_us);
	*out = h;
	h = NULL;
out:
	server_free(h);
	return rc;
}

enum privd_rc privd_http_check_listen(const char *listen, struct privd_err *err)
{
	struct sockaddr_storage ss;
	socklen_t sslen;

	return parse_listen(listen, &ss, &sslen, err);
}

void privd_http_set_limits(struct privd_http *h, size_t body_limit, size_t document_limit)
{
	if (h == NULL)
		return;
	if (body_limit != 0)
		atomic_store(&h->body_limit, body_limit);
	if (document_limit != 0)
		atomic_store(&h->document_limit, document_limit);
}

unsigned privd_http_port(const struct privd_http *h)
{
	return h != NULL ? h->port : 0;
}

unsigned privd_http_metrics_port(const struct privd_http *h)
{
	return h != NULL ? h->metrics_port : 0;
}

void privd_http_stop(struct privd_http *h)
{
	MHD_socket ls;

	if (h == NULL)
		return;
	atomic_store(&h->stopping, true);
	ls = MHD_quiesce_daemon(h->d);
	privd_http_drain(h); /* on return nothing is suspended, and nothing will be */
	MHD_stop_daemon(h->d);
	if (ls != MHD_INVALID_SOCKET)
		close(ls);
	server_free(h);
}
