/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * guard.c - what one client may take of the server: connections, time, memory, and the framing of a request that
 * libmicrohttpd lets through.
 *
 * What shaped it: attacks tried from outside. At the usual open-file limit of 1,024, 2,000 connections trickling
 * one header byte every 3 s left no room for anyone else, because libmicrohttpd's timeout counts idleness, not
 * age; 200 uploads of 10 MiB - 1 byte that then stalled took 2 GB of memory; a Transfer-Encoding other than
 * chunked, or a chunk of 2^64 - 1 bytes, was waited on until the idle timeout; duplicate Content-Length headers
 * were accepted (request smuggling behind a proxy that trusts the other one); a NUL byte cut a header value or the
 * path without anyone noticing. So: the soft open-file limit is raised to the hard one at start; every connection
 * is registered with the deadline of its current request (the request line and headers within header_timeout of
 * its start, the whole request within request_timeout), and a thread of its own closes those past it; the bytes
 * of request bodies held at once have a bound (503 with Retry-After beyond it; bodymem.c); the first call of the
 * access handler checks the framing before anything else (400, 501), and a request that must be refused on it or
 * while its body is arriving (413 past the limit of a chunked body, 503 out of body memory) is answered on the
 * socket at once, because libmicrohttpd 0.9.75 refuses a response queued in the middle of a body and closes at
 * once (resetting the connection under a client still sending) one queued on the first call. The connection is
 * then suspended for a short linger, so that the client can read its answer before the close resets the
 * connection, and so that nothing of the body is read: a refused 10 MiB upload used to be read and dropped during
 * the linger, about 50 MB/s of copying under 2,000 greedy clients.
 * The number of connections of one client address is libmicrohttpd's own option (server.c). Every connection
 * closed is counted by its cause (privd_http_connections_closed_total{reason}), so that a client's dropped
 * connection can be told from the attacks the deadlines cut. Nothing here runs on a request's hot path but a few
 * atomic operations.
 *
 * How a NUL is seen: libmicrohttpd parses the request line and headers in place and ends each piece with a NUL
 * where a separator was; a NUL the client sent ends a piece early and leaves the rest of its line in between. So
 * between the end of one header's value and the start of the next header's name there is exactly its line end
 * (one or two bytes, now NULs), and anything more is what a NUL cut off. Headers not laid out so (a value folded
 * over lines, which RFC 9112 lets a server refuse) are refused too.
 */
#include "http_int.h"

#include <errno.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"

#define SWEEP_MS 250        /* how often deadlines are checked */
#define LINGER_MS 2000      /* after an answer on the socket, how long the connection stays open, unread, at most */
#define LINGER_ACKED_MS 250 /* ... and at least, once the client has acknowledged the answer */
#define NR_OPEN_MAX 1048576

enum conn_phase {
	PHASE_HEADERS, /* the request line and headers are arriving (or the connection waits for its next request) */
	PHASE_BODY,    /* the body is arriving */
	PHASE_SERVING, /* the request is whole: handled, waiting on the writer, or its answer is being sent */
	PHASE_LINGER,  /* answered on the socket, suspended unread (once the library's thread got to it); closed once
	                  the answer is acknowledged and LINGER_ACKED_MS have passed, or LINGER_MS */
	PHASE_CLOSING  /* closed by the sweeper; the library has yet to notice */
};

/* A connection's phase and when its clock started (monotonic ms) are one word, changed by compare-and-swap, so
 * that the sweeper never pairs a phase with the clock of another: it once read a clock set after its pass began
 * (the elapsed time wrapped around to 2^64) and closed keep-alive connections between two requests, 14 to 64 of
 * a benchmark's connections at once. */
#define STATE_PHASE_BITS 3u
#define STATE(phase, ms) (((uint64_t)(ms) << STATE_PHASE_BITS) | (uint64_t)(phase))
#define STATE_PHASE(s) ((int)((s) & ((1u << STATE_PHASE_BITS) - 1u)))
#define STATE_MS(s) ((s) >> STATE_PHASE_BITS)

struct privd_http_conn {
	struct privd_http_conn *prev, *next;
	struct MHD_Connection *c;
	MHD_socket fd;
	bool tls;
	bool parked;         /* suspended after an answer on the socket, until the sweeper resumes it; under g->lock */
	atomic_ullong state; /* STATE(phase, when the current phase's clock started) */
	atomic_int why;      /* enum privd_http_close + 1 once a cause of its closing is known; 0 before */
};

static const char *const close_names[PRIVD_HTTP_CLOSE_COUNT] = {
    [PRIVD_HTTP_CLOSE_CLIENT] = "client",
    [PRIVD_HTTP_CLOSE_HEADER_TIMEOUT] = "header_timeout",
    [PRIVD_HTTP_CLOSE_REQUEST_TIMEOUT] = "request_timeout",
    [PRIVD_HTTP_CLOSE_REFUSED] = "refused",
    [PRIVD_HTTP_CLOSE_IDLE_TIMEOUT] = "idle_timeout",
    [PRIVD_HTTP_CLOSE_ERROR] = "error",
    [PRIVD_HTTP_CLOSE_SHUTDOWN] = "shutdown",
};

const char *privd_http_guard_close_name(enum privd_http_close why)
{
	return (unsigned)why < PRIVD_HTTP_CLOSE_COUNT ? close_names[why] : "client";
}

/* Records why gc is closing unless a cause is known already (the first one is the cause). */
static void close_cause(struct privd_http_conn *gc, enum privd_http_close why)
{
	int none = 0;

	if (gc != NULL)
		atomic_compare_exchange_strong(&gc->why, &none, (int)why + 1);
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

unsigned long privd_http_guard_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 1024;
	if (rl.rlim_cur != rl.rlim_max) {
		struct rlimit want = rl;

		/* an unlimited hard limit is still capped by the kernel's nr_open */
		want.rlim_cur = rl.rlim_max == RLIM_INFINITY ? NR_OPEN_MAX : rl.rlim_max;
		while (setrlimit(RLIMIT_NOFILE, &want) != 0 && want.rlim_cur > rl.rlim_cur)
			want.rlim_cur /= 2;
		if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
			return 1024;
	}
	return rl.rlim_cur == RLIM_INFINITY ? NR_OPEN_MAX : (unsigned long)rl.rlim_cur;
}

/* ---- the registry and its deadlines ---- */

void privd_http_guard_notify(void *cls, struct MHD_Connection *c, void **socket_context,
                             enum MHD_ConnectionNotificationCode code)
{
	struct privd_http_guard *g = &((struct privd_http *)cls)->guard;
	struct privd_http_conn *gc = *socket_context;
	const union MHD_ConnectionInfo *info;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		gc = calloc(1, sizeof(*gc));
		if (gc == NULL)
			return; /* no deadline for this one: the library's idle timeout still applies */
		info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		gc->c = c;
		gc->fd = info != NULL ? info->connect_fd : MHD_INVALID_SOCKET;
		info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
		gc->tls = info != NULL && info->tls_session != NULL;
		atomic_init(&gc->state, STATE(PHASE_HEADERS, mono_ms()));
		pthread_mutex_lock(&g->lock);
		gc->next = g->conns;
		if (g->conns != NULL)
			g->conns->prev = gc;
		g->conns = gc;
		pthread_mutex_unlock(&g->lock);
		*socket_context = gc;
		return;
	}
	if (gc == NULL)
		return;
	/* no cause recorded: the client closed it (or its last answer, as it asked) */
	atomic_fetch_add(&g->closed[atomic_load(&gc->why) > 0 ? atomic_load(&gc->why) - 1 : PRIVD_HTTP_CLOSE_CLIENT],
	                 1);
	/* the library closes the socket after this returns: once out of the list, the sweeper cannot touch it */
	pthread_mutex_lock(&g->lock);
	if (gc->prev != NULL)
		gc->prev->next = gc->next;
	else
		g->conns = gc->next;
	if (gc->next != NULL)
		gc->next->prev = gc->prev;
	pthread_mutex_unlock(&g->lock);
	*socket_context = NULL;
	free(gc);
}

static int phase_of(const struct privd_http_conn *gc)
{
	return STATE_PHASE(atomic_load(&gc->state));
}

/* Moves gc from phase `from` to `to`, its clock restarted (or kept running when keep_clock), unless the sweeper
 * took it first; true when it moved. Only the connection's own thread and the sweeper change the word, and the
 * sweeper only out of the phase it read: a failed swap is the sweeper's move. */
static bool phase_move_clock(struct privd_http_conn *gc, int from, int to, bool keep_clock)
{
	uint64_t s;

	if (gc == NULL)
		return true;
	s = atomic_load(&gc->state);
	if (STATE_PHASE(s) != from)
		return false;
	return atomic_compare_exchange_strong(&gc->state, &s, STATE(to, keep_clock ? STATE_MS(s) : mono_ms()));
}

static bool phase_move(struct privd_http_conn *gc, int from, int to)
{
	return phase_move_clock(gc, from, to, false);
}

bool privd_http_guard_headers_done(struct privd_http_req *r)
{
	/* the request's clock keeps running from the start of its headers: only the phase changes */
	return phase_move_clock(r->gc, PHASE_HEADERS, PHASE_BODY, true);
}

bool privd_http_guard_can_answer(const struct privd_http_req *r)
{
	return r->gc != NULL && !r->gc->tls;
}

bool privd_http_guard_taken(const struct privd_http_req *r)
{
	int phase = r->gc != NULL ? phase_of(r->gc) : PHASE_BODY;

	return phase == PHASE_LINGER || phase == PHASE_CLOSING;
}

bool privd_http_guard_body_done(struct privd_http_req *r)
{
	return phase_move(r->gc, PHASE_BODY, PHASE_SERVING);
}

void privd_http_guard_request_done(struct privd_http_req *r, enum MHD_RequestTerminationCode toe)
{
	/* the next request's headers are counted from now (a keep-alive connection waiting for it included) */
	phase_move(r->gc, PHASE_SERVING, PHASE_HEADERS);
	if (toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED)
		close_cause(r->gc, PRIVD_HTTP_CLOSE_IDLE_TIMEOUT);
	else if (toe == MHD_REQUEST_TERMINATED_WITH_ERROR)
		close_cause(r->gc, PRIVD_HTTP_CLOSE_ERROR);
	else if (toe == MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN)
		close_cause(r->gc, PRIVD_HTTP_CLOSE_SHUTDOWN);
	else if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
		close_cause(r->gc, PRIVD_HTTP_CLOSE_CLIENT); /* a read error, or closed mid-request */
}

void privd_http_guard_close_cause(struct privd_http_req *r, enum privd_http_close why)
{
	close_cause(r->gc, why);
}

static size_t raw_answer(char *buf, size_t cap, unsigned status, const char *body, const char *retry_after)
{
	int n = snprintf(buf, cap,
	                 "HTTP/1.1 %u %s\r\nContent-Type: application/problem+json\r\nContent-Length: %zu\r\n"
	                 "Connection: close\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n"
	                 "Referrer-Policy: no-referrer\r\n%s%s%s\r\n%s",
	                 status, MHD_get_reason_phrase_for(status), strlen(body), retry_after ? "Retry-After: " : "",
	                 retry_after ? retry_after : "", retry_after ? "\r\n" : "", body);

	return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

/* Writes an answer on fd now and ends the sending half, so that it reaches the client before the connection is
 * closed (a close with unread input would reset it and could take the answer with it). */
static void send_now(MHD_socket fd, const char *buf, size_t len)
{
	int one = 1, zero = 0;
	size_t off = 0;

	setsockopt(fd, IPPROTO_TCP, TCP_CORK, &zero, sizeof(zero));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	while (off < len) {
		ssize_t n = send(fd, buf + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n <= 0 && errno != EINTR)
			break; /* a full send buffer: the client is not reading its answer either */
		if (n > 0)
			off += (size_t)n;
	}
	shutdown(fd, SHUT_WR);
}

/* Whether the client has acknowledged everything sent on fd (its kernel holds the answer). */
static bool answer_acked(MHD_socket fd)
{
	int queued = 0;

	return ioctl(fd, SIOCOUTQ, &queued) == 0 && queued == 0;
}

/* Whether a connection answered on its socket has lingered enough: its answer acknowledged and a moment given to the
 * client to read it, or LINGER_MS in any case. Each lingering connection holds what the client sent past the
 * answer in the kernel's buffers, its own and, on one machine, the client's: 1,750 refused uploads of 1 MiB each
 * pushed the kernel's TCP memory past its pressure mark, and every connection on the machine stalled. */
static bool lingered(MHD_socket fd, uint64_t ms)
{
	return ms > LINGER_MS || (ms >= LINGER_ACKED_MS && answer_acked(fd));
}

/* What the sweeper does with one connection; under g->lock. */
static void sweep_one(struct privd_http_guard *g, struct privd_http_conn *gc, uint64_t now)
{
	static const char late[] =
	    "{\"type\":\"urn:privd:problem:timeout\",\"title\":\"Request timeout\",\"status\":408,"
	    "\"detail\":\"the request was not sent in time\"}";
	uint64_t s = atomic_load(&gc->state);
	int phase = STATE_PHASE(s);
	/* a clock started after this pass began has run for no time (not for 2^64 ms) */
	uint64_t elapsed = now > STATE_MS(s) ? now - STATE_MS(s) : 0;
	char buf[512];
	size_t n;

	if (gc->fd == MHD_INVALID_SOCKET)
		return;
	/* each move is from the word read above: a connection that moved on since is left for the next pass */
	if (phase == PHASE_HEADERS && elapsed > g->header_ms) {
		/* nothing is answered: the connection may be one waiting for its next request */
		if (atomic_compare_exchange_strong(&gc->state, &s, STATE(PHASE_CLOSING, now))) {
			close_cause(gc, PRIVD_HTTP_CLOSE_HEADER_TIMEOUT);
			shutdown(gc->fd, SHUT_RDWR);
			atomic_fetch_add(&g->timed_out, 1);
		}
	} else if (phase == PHASE_BODY && elapsed > g->request_ms) {
		if (atomic_compare_exchange_strong(&gc->state, &s, STATE(PHASE_LINGER, now))) {
			close_cause(gc, PRIVD_HTTP_CLOSE_REQUEST_TIMEOUT);
			n = gc->tls ? 0 : raw_answer(buf, sizeof(buf), 408, late, NULL);
			if (n > 0)
				send_now(gc->fd, buf, n);
			else
				shutdown(gc->fd, SHUT_RDWR);
			atomic_fetch_add(&g->timed_out, 1);
		}
	} else if (phase == PHASE_LINGER && lingered(gc->fd, elapsed)) {
		if (atomic_compare_exchange_strong(&gc->state, &s, STATE(PHASE_CLOSING, now))) {
			shutdown(gc->fd, SHUT_RDWR);
			if (gc->parked) {
				/* the library runs it again, sees it closing, and closes it (the unread body is dropped
				 * with it)
				 */
				gc->parked = false;
				MHD_resume_connection(gc->c);
			}
		}
	}
}

static void *sweeper_main(void *arg)
{
	struct privd_http_guard *g = arg;
	struct timespec ts;

	pthread_setname_np(pthread_self(), "privd-guard");
	pthread_mutex_lock(&g->lock);
	while (!g->stop) {
		uint64_t now = mono_ms();

		for (struct privd_http_conn *gc = g->conns; gc != NULL; gc = gc->next)
			sweep_one(g, gc, now);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += SWEEP_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&g->wake, &g->lock, &ts);
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

enum privd_rc privd_http_guard_start(struct privd_http_guard *g, unsigned header_s, unsigned request_s,
                                     size_t body_memory, size_t body_memory_per_ip, struct privd_err *err)
{
	pthread_mutex_init(&g->lock, NULL);
	pthread_mutex_init(&g->ip_lock, NULL);
	g->body_memory_per_ip = body_memory_per_ip;
	pthread_cond_init(&g->wake, NULL);
	g->header_ms = (uint64_t)header_s * 1000u;
	g->request_ms = (uint64_t)request_s * 1000u;
	g->body_memory = body_memory;
	atomic_init(&g->body_bytes, 0);
	if (pthread_create(&g->sweeper, NULL, sweeper_main, g) != 0)
		return privd_err_set(err, PRIVD_ERR_INTERNAL, "cannot start the connection sweeper");
	g->running = true;
	return PRIVD_OK;
}

void privd_http_guard_cleanup(struct privd_http_guard *g)
{
	if (!g->running)
		return;
	pthread_mutex_lock(&g->lock);
	g->stop = true;
	pthread_cond_signal(&g->wake);
	pthread_mutex_unlock(&g->lock);
	pthread_join(g->sweeper, NULL);
	g->running = false;
	pthread_cond_destroy(&g->wake);
	pthread_mutex_destroy(&g->lock);
	privd_http_guard_ip_cleanup(g);
	pthread_mutex_destroy(&g->ip_lock);
}

/* ---- framing ---- */

bool privd_http_guard_uri_nul(const char *uri)
{
	for (const char *p = strchr(uri, '%'); p != NULL; p = strchr(p + 1, '%'))
		if (p[1] == '0' && p[2] == '0')
			return true;
	return false;
}

bool privd_http_guard_query_cut(const char *uri)
{
	const char *q = strchr(uri, '?');
	unsigned n = 1;

	if (q == NULL)
		return false;
	for (const char *p = q + 1; *p != '\0'; p++) {
		if (*p == '&' && ++n > PRIVD_HTTP_MAX_QUERY_PARAMS) {
			/* the library's own buffer, parsed right after this callback: it then sees an empty query */
			((char *)q)[1] = '\0';
			return true;
		}
	}
	return false;
}

struct framing {
	const char *block, *end; /* the request line and headers as parsed in place */
	const char *prev_end;    /* the end of the previous header's value */
	bool bad_layout;         /* a NUL cut something off, or a header is not where a parsed one would be */
	unsigned content_length, transfer_encoding;
	const char *te;
};

static bool only(const char *p, const char *e, const char *allowed)
{
	for (; p < e; p++)
		if (*p != '\0' && strchr(allowed, *p) == NULL)
			return false;
	return true;
}

static enum MHD_Result framing_one(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
                                   const char *value, size_t value_size)
{
	struct framing *f = cls;

	(void)kind;
	if (key < f->block || value < key + key_size || value + value_size > f->end || key_size == 0 ||
	    strpbrk(key, " \t") != NULL ||
	    (f->prev_end != NULL && (key < f->prev_end + 1 || key > f->prev_end + 2 || !only(f->prev_end, key, ""))) ||
	    !only(key + key_size, value, " \t")) {
		f->bad_layout = true;
		return MHD_NO;
	}
	f->prev_end = value + value_size;
	if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0)
		f->content_length++;
	if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
		f->transfer_encoding++;
		f->te = value;
	}
	return MHD_YES;
}

unsigned privd_http_guard_framing(struct privd_http_req *r, const char *method, const char *version, const char **slug,
                                  const char **detail)
{
	const union MHD_ConnectionInfo *info =
	    MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
	struct framing f = {0};
	size_t te_len;

	*slug = "malformed";
	f.block = method;
	f.end = method + (info != NULL ? info->header_size : 0);
	/* the URI as sent runs from the path to the space before the version: a NUL in it cut it short */
	if (r->uri_nul || (r->uri_len != SIZE_MAX && version[0] != '\0' && version > r->url &&
	                   (size_t)(version - 1 - r->url) != r->uri_len)) {
		*detail = "the request target holds a NUL byte";
		goto refuse;
	}
	MHD_get_connection_values_n(r->conn, MHD_HEADER_KIND, framing_one, &f);
	/* after the last header: its line end and the empty line, one or two bytes each */
	if (!f.bad_layout && f.prev_end != NULL && (f.end < f.prev_end + 2 || f.end > f.prev_end + 4))
		f.bad_layout = true;
	if (f.bad_layout) {
		*detail = "a header holds a NUL byte or is folded over lines";
		goto refuse;
	}
	if (f.content_length > 1) {
		*detail = "more than one Content-Length header";
		goto refuse;
	}
	if (f.transfer_encoding > 0 && f.content_length > 0) {
		*detail = "both Content-Length and Transfer-Encoding";
		goto refuse;
	}
	if (f.transfer_encoding > 1) {
		*detail = "more than one Transfer-Encoding header";
		goto refuse;
	}
	if (f.transfer_encoding == 1) {
		te_len = strlen(f.te);
		while (te_len > 0 && (f.te[te_len - 1] == ' ' || f.te[te_len - 1] == '\t'))
			te_len--;
		if (te_len != 7 || strncasecmp(f.te, "chunked", 7) != 0) {
			*slug = "not-implemented";
			*detail = "the only transfer coding accepted is chunked";
			atomic_fetch_add(&r->h->guard.refused_framing, 1);
			return MHD_HTTP_NOT_IMPLEMENTED;
		}
	}
	return 0;
refuse:
	atomic_fetch_add(&r->h->guard.refused_framing, 1);
	return MHD_HTTP_BAD_REQUEST;
}

/* ---- answering mid-body ---- */

void privd_http_guard_park(struct privd_http_req *r)
{
	struct privd_http_guard *g = &r->h->guard;
	bool resume;

	/* counted until its completion (privd_http_stop waits for it); once the stop's gate is closed, not parked: the
	 * rest of its body is read and dropped until the linger ends (drain.c) */
	if (!privd_http_gate_pass(r->h, &r->h->suspended))
		return;
	MHD_suspend_connection(r->conn);
	r->parked = true;
	pthread_mutex_lock(&g->lock);
	resume = phase_of(r->gc) != PHASE_LINGER; /* the sweeper ended the linger already */
	r->gc->parked = !resume;
	pthread_mutex_unlock(&g->lock);
	if (resume)
		MHD_resume_connection(r->conn);
}

enum MHD_Result privd_http_abort(struct privd_http_req *r, unsigned status, const char *slug, const char *detail,
                                 const char *retry_after)
{
	char *body = privd_http_problem_text(r, status, slug, detail);
	char buf[1024];
	size_t n = 0;

	r->aborted = true;
	r->status = status;
	close_cause(r->gc, PRIVD_HTTP_CLOSE_REFUSED);
	r->queued = true; /* answered: counted in the metrics and the request log as such */
	if (r->gc != NULL && !r->gc->tls && body != NULL)
		n = raw_answer(buf, sizeof(buf), status, body, retry_after);
	free(body);
	/* the sweeper may have answered first (the request's deadline): then close */
	if (n == 0 || !phase_move(r->gc, PHASE_BODY, PHASE_LINGER))
		return MHD_NO; /* over TLS, or no room: closed without an answer */
	send_now(r->gc->fd, buf, n);
	privd_http_guard_park(r);
	return MHD_YES;
}

bool privd_http_guard_closing(const struct privd_http_req *r)
{
	return r->gc != NULL && phase_of(r->gc) == PHASE_CLOSING;
}
