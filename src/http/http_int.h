/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * http_int.h - what only the files of src/http share: the server state, the per-request context, the route
 * table entry, and the reply, problem and metrics helpers the resource files call.
 *
 * A handler is parse -> service -> render: it reads the request context (matched route, path parameters,
 * principal, body) and leaves exactly one response in it through a privd_http_reply_* call. The server queues
 * that response, never the handler, so that the two-phase rule of libmicrohttpd (no response on the first call
 * of the access handler, or keep-alive breaks) is kept in one place.
 */
#ifndef PRIVD_HTTP_HTTP_INT_H
#define PRIVD_HTTP_HTTP_INT_H

#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/proxy.h"
#include "core/time.h"
#include "http/http.h"

enum privd_http_method {
	PRIVD_HTTP_GET = 0,
	PRIVD_HTTP_POST,
	PRIVD_HTTP_PATCH,
	PRIVD_HTTP_DELETE,
	PRIVD_HTTP_PUT,
	PRIVD_HTTP_HEAD,
	PRIVD_HTTP_OPTIONS,
	PRIVD_HTTP_OTHER,
	PRIVD_HTTP_METHOD_COUNT
};

#define PRIVD_HTTP_PUBLIC 0u    /* roles bitmask of a route anyone may call */
#define PRIVD_HTTP_PARAM_MAX 64 /* longest {id} or {purpose} segment accepted; longer is 404 */
/* Route flag: the body is a raw document (any bytes), bounded by the document limit, not the JSON one. */
#define PRIVD_HTTP_RAW_BODY 1u
/* a JSON body allowed to be larger than body_limit (a batch of up to 1,000 items): PRIVD_HTTP_BATCH_LIMIT */
#define PRIVD_HTTP_BATCH_BODY 2u
/* GET /metrics: public, unless [metrics] require_key asks for an admin, operator or auditor key */
#define PRIVD_HTTP_METRICS_ROUTE 8u
#define PRIVD_HTTP_BATCH_LIMIT (1024 * 1024)
/* a public route's small JSON body (a cookie choice), bounded by PRIVD_HTTP_SMALL_LIMIT whatever body_limit says */
#define PRIVD_HTTP_SMALL_BODY 4u
#define PRIVD_HTTP_SMALL_LIMIT 2048
/* The person's portal: the session cookie, and the header every change from the portal carries (CSRF). */
#define PRIVD_HTTP_PORTAL_COOKIE "privd_portal"
#define PRIVD_HTTP_PORTAL_HEADER "X-Privd-Portal"

struct privd_http_req;
typedef void (*privd_http_handler)(struct privd_http_req *r);

struct privd_http_route {
	enum privd_http_method method;
	privd_http_handler handler;
	unsigned roles;    /* enum privd_role bits; PRIVD_HTTP_PUBLIC for anyone */
	unsigned path_idx; /* its path pattern ("/v1/subjects/{id}"), also the metrics label */
	unsigned flags; /* PRIVD_HTTP_RAW_BODY, PRIVD_HTTP_BATCH_BODY, PRIVD_HTTP_SMALL_BODY, PRIVD_HTTP_METRICS_ROUTE
	                 * or 0 */
};

struct privd_http_async;
struct privd_http_limiter;
struct privd_http_conn;

/* ---- guard.c: what one client may take of the server ---- */

/* Buckets of the table of client addresses holding body memory (bodymem.c). */
#define PRIVD_HTTP_IP_SLOTS 1024

/* Why a connection was closed, counted for /metrics (privd_http_connections_closed_total{reason}); the first cause
 * found is the one counted. */
enum privd_http_close {
	PRIVD_HTTP_CLOSE_CLIENT,          /* the client closed it, or asked for its last answer to close it */
	PRIVD_HTTP_CLOSE_HEADER_TIMEOUT,  /* a request's line and headers (or the next request) not in in time */
	PRIVD_HTTP_CLOSE_REQUEST_TIMEOUT, /* a whole request not in in time: answered 408 */
	PRIVD_HTTP_CLOSE_REFUSED,         /* answered with a refusal that closes it (framing, length, body memory) */
	PRIVD_HTTP_CLOSE_IDLE_TIMEOUT,    /* the library's timeout: nothing sent or read for 30 s */
	PRIVD_HTTP_CLOSE_ERROR,           /* the library ended it: a request it could not parse, a socket error */
	PRIVD_HTTP_CLOSE_SHUTDOWN,        /* privd stopping */
	PRIVD_HTTP_CLOSE_COUNT
};

/* The connections open, each with the deadline of its current request, walked by a thread of its own that closes
 * those past it; and the memory of bodies in flight. */
struct privd_http_guard {
	pthread_mutex_t lock;
	struct privd_http_conn *conns; /* every connection open, from NOTIFY_STARTED to NOTIFY_CLOSED */
	pthread_t sweeper;
	pthread_cond_t wake;
	bool running, stop;
	uint64_t header_ms, request_ms;
	size_t body_memory;        /* the bound on body_bytes */
	atomic_size_t body_bytes;  /* bytes of request bodies held now */
	size_t body_memory_per_ip; /* the bound on the bytes of one client address's bodies; 0: none */
	pthread_mutex_t ip_lock;   /* over ip_slots (bodymem.c) */
	struct privd_http_ipmem *ip_slots[PRIVD_HTTP_IP_SLOTS]; /* addresses holding body memory, by hash */
	atomic_ullong timed_out, refused_memory, refused_framing;
	atomic_ullong closed[PRIVD_HTTP_CLOSE_COUNT]; /* connections closed, by enum privd_http_close */
};

struct privd_http {
	struct privd_service *svc;
	struct MHD_Daemon *d;
	atomic_size_t body_limit;     /* JSON bodies (SIGHUP may change it: privd_http_set_limits) */
	atomic_size_t document_limit; /* bodies of PRIVD_HTTP_RAW_BODY routes */
	unsigned port;
	struct MHD_Daemon *md; /* [metrics] listen: GET /metrics alone; NULL when served with the API */
	unsigned metrics_port;
	bool metrics_require_key;
	char keep_alive[24]; /* the Keep-Alive header of answers: "timeout=<header_timeout - 1>" */
	uint64_t yield_ns;   /* [server] yield_us in nanoseconds: privd_http_yield_due; 0 = never */
	struct privd_http_guard guard;
	atomic_uint inflight;      /* requests with a context, from first call to completion */
	atomic_uint async_pending; /* writes whose done callback has not finished; raised only through the gate */
	atomic_uint suspended;     /* connections suspended and not yet run again; raised only through the gate */
	atomic_bool stopping;
	pthread_mutex_t gate_lock; /* over gate_closed and the raising of the two counts above (drain.c) */
	bool gate_closed;          /* the stop's grace is over: no write starts and no connection is suspended */

	/* [http]: HTTPS (tls.c) and the proxies whose forwarded header is believed (client.c) */
	bool tls;                 /* served over TLS: Strict-Transport-Security on every answer */
	char *tls_cert, *tls_key; /* PEM, read at start; the key zeroed when freed */
	size_t tls_cert_len, tls_key_len;
	struct MHD_OptionItem tls_opts[4]; /* MHD_OPTION_ARRAY for the daemon: empty without TLS */
	struct privd_cidrs trusted;        /* [http] trusted_proxies */
	bool forwarded_rfc7239;            /* [http] forwarded_header = forwarded (else X-Forwarded-For) */

	/* the cookie banner ([cookies] in the configuration) */
	char cookie_origins[1024];           /* origins allowed to record and read choices */
	struct privd_http_limiter *limiter;  /* choices per client address; NULL: no limit */
	const struct privd_web_file *script; /* consent.js, the service's; NULL when not loaded */
	uint8_t *script_gz;                  /* consent.js gzipped, made at start */
	struct MHD_Response *script_resp[4]; /* its answers, prepared at start: whole, gzipped, and their 304s */
	char script_hex[33];                 /* the SHA-256 part of its ETags */
};

struct privd_http_req {
	struct privd_http *h;
	struct MHD_Connection *conn;
	const char *url; /* path without query, owned by libmicrohttpd for the request's life */
	enum privd_http_method method;
	int route;         /* index in the route table; -1 unmatched */
	unsigned path_idx; /* metrics label; privd_http_path_count() when unmatched */
	char id[PRIVD_HTTP_PARAM_MAX + 1];
	char purpose[PRIVD_HTTP_PARAM_MAX + 1];
	struct privd_principal who;
	uint64_t t0_ns;
	bool first_done;            /* the first call of the access handler ran */
	bool started;               /* second call reached: the handler or an early reply ran */
	bool metrics_side;          /* came in on [metrics] listen */
	struct privd_http_conn *gc; /* its connection in the guard's registry; NULL on the metrics listener */
	size_t uri_len;             /* of the request's URI as sent (the URI log callback), before any decoding */
	bool uri_nul;               /* the URI holds %00 */
	bool query_cut;             /* the query had more than PRIVD_HTTP_MAX_QUERY_PARAMS parameters: cut off */
	bool aborted; /* answered on the socket mid-body (privd_http_abort): the rest is dropped, then closed */
	/* refused on the first call, closing the connection (framing, a declared length, body memory): 0 otherwise */
	unsigned early_status;
	const char *early_slug;
	char early_detail[96];
	char problem_slug[48]; /* the last problem's type (early_slug points here unless a closing refusal set it) */

	char *body;                /* request body, NUL-terminated, zeroed before free */
	size_t body_len, body_cap; /* body_cap bytes are counted in the guard's body_bytes */
	size_t body_limit;         /* of the matched route: h->body_limit or h->document_limit */
	size_t declared;           /* its Content-Length; SIZE_MAX when none (or chunked) */
	size_t dropped;            /* bytes of body read and dropped after an early refusal */
	bool too_large;
	bool over_budget; /* the bodies in flight had no room for this one */
	bool parked;      /* answered on the socket and suspended unread until closed: counted in h->suspended */
	bool ip_known;    /* ip and ip_len are filled (bodymem.c) */
	unsigned char ip_len;
	unsigned char ip[16]; /* the client's address (privd_http_client_key), for its share of the body memory */

	struct MHD_Response *resp; /* the one response, queued by the server */
	bool resp_shared;          /* resp is a prepared answer its owner keeps (consent.js): never destroyed here */
	unsigned status;
	bool queued;

	struct privd_http_async *async; /* a write waiting on the writer (async.c); NULL otherwise */
	struct privd_http_idem *idem;   /* a POST's Idempotency-Key being honoured (idempotency.c); NULL otherwise */
};

/* ---- sched.c ---- */
/* Whether a worker that finishes a request at now (ns, monotonic) lets the others on its core go first: once
 * every_ns have passed since *last, its last time (then set to now). every_ns 0: never. Under load a worker thread
 * always finds another connection ready and never sleeps, so without this it keeps its core until the kernel's tick
 * ends its turn (4 ms at 250 Hz), and the processes sharing the core (the application calling privd, privd's own
 * writer) wait that long: the consent check's p99 was two ticks. */
bool privd_http_yield_due(uint64_t now, uint64_t *last, uint64_t every_ns);

/* The workers inherit the time slice of the thread that starts them (sched.c): this thread's is slice_us (0: left
 * alone; a refusal logged as http.slice_unavailable) until privd_http_workers_slice_end(the returned value). */
uint64_t privd_http_workers_slice(unsigned slice_us);
void privd_http_workers_slice_end(uint64_t was);

/* ---- guard.c ---- */
/* Raises the soft open-file limit to the hard one (as far as the kernel allows); returns the soft limit then in
 * force. Cannot fail. */
unsigned long privd_http_guard_nofile(void);
/* Starts g's sweeper with the deadlines (seconds) and the bound on body memory (bytes). Stop it with
 * privd_http_guard_cleanup, which accepts a guard that never started. */
enum privd_rc privd_http_guard_start(struct privd_http_guard *g, unsigned header_s, unsigned request_s,
                                     size_t body_memory, size_t body_memory_per_ip, struct privd_err *err);
void privd_http_guard_cleanup(struct privd_http_guard *g);
/* MHD_OPTION_NOTIFY_CONNECTION, cls the struct privd_http: registers a connection and forgets it when it closes. */
void privd_http_guard_notify(void *cls, struct MHD_Connection *c, void **socket_context,
                             enum MHD_ConnectionNotificationCode code);
/* A request's phases: its headers are in (false when its deadline closed the connection first: answer nothing);
 * its body is in (likewise); it is over (the completion callback's toe: its answer sent and the next request's
 * clock started, or the connection closing, and why). */
bool privd_http_guard_headers_done(struct privd_http_req *r);
bool privd_http_guard_body_done(struct privd_http_req *r);
void privd_http_guard_request_done(struct privd_http_req *r, enum MHD_RequestTerminationCode toe);
/* Records why r's connection is being closed, unless a cause is recorded already. Cannot fail. */
void privd_http_guard_close_cause(struct privd_http_req *r, enum privd_http_close why);
/* The metric label of a cause (e.g. "header_timeout"); "client" for one out of range. Cannot fail. */
const char *privd_http_guard_close_name(enum privd_http_close why);
/* Whether r can be answered on its socket (privd_http_abort): a registered connection, not TLS. */
bool privd_http_guard_can_answer(const struct privd_http_req *r);
/* Whether the sweeper answered or closed r's connection (its deadline passed). */
bool privd_http_guard_taken(const struct privd_http_req *r);
/* Whether a URI as sent holds %00. */
bool privd_http_guard_uri_nul(const char *uri);
/* The most query parameters a request may have: no route takes more than a few. */
#define PRIVD_HTTP_MAX_QUERY_PARAMS 64
/* In the URI log callback: whether the query has more than PRIVD_HTTP_MAX_QUERY_PARAMS parameters, in which case it
 * is cut off in the library's buffer before the library parses it. libmicrohttpd 0.9.75 parses every parameter into
 * the connection's memory pool; a few hundred exhaust it, and it then neither answers nor closes the connection
 * until a deadline passes. */
bool privd_http_guard_query_cut(const char *uri);
/* The first call's check of a request's framing, before anything else: 0, or the status to refuse it with and
 * close (400: a NUL in the target or a header, a folded header, more than one Content-Length, Content-Length with
 * Transfer-Encoding; 501: a transfer coding other than chunked) with the problem's slug and detail. method and
 * version are the access handler's arguments. */
unsigned privd_http_guard_framing(struct privd_http_req *r, const char *method, const char *version, const char **slug,
                                  const char **detail);
/* Answers r at once on its socket, on the first call or while its body is arriving (a problem of status, slug and
 * detail; retry_after may be NULL) and ends the sending half; the connection is then suspended, its body left
 * unread, and closed after a short linger (time for the client to read the answer before the close resets the
 * connection). Returns what the access handler returns; where nothing can be written (TLS) the connection is closed
 * without an answer. */
enum MHD_Result privd_http_abort(struct privd_http_req *r, unsigned status, const char *slug, const char *detail,
                                 const char *retry_after);
/* Suspends r's connection, answered on its socket (in the linger phase), so that the library reads none of the rest
 * of its body; the sweeper resumes it once the linger is over, and the library then closes it. Counted in
 * h->suspended until r completes (r->parked). Once the stop's gate is closed (drain.c), does nothing: the rest is read
 * and dropped until the linger ends. On the library's thread. */
void privd_http_guard_park(struct privd_http_req *r);
/* Whether r's connection was answered by privd_http_abort and its linger is over: close it. */
bool privd_http_guard_closing(const struct privd_http_req *r);

/* ---- bodymem.c ---- */
/* Takes n bytes of the body memory for r (false, counted, when they do not fit in the total or in r's address's
 * share), or gives them back. */
bool privd_http_guard_take(struct privd_http_req *r, size_t n);
void privd_http_guard_give(struct privd_http_req *r, size_t n);
/* Whether n more bytes would fit for r now, in the total and in its address's share (taking nothing; counted as
 * refused when not). */
bool privd_http_guard_fits(struct privd_http_req *r, size_t n);
/* Frees the table of addresses (at stop, when no request is left). */
void privd_http_guard_ip_cleanup(struct privd_http_guard *g);
/* Makes the memory of large bodies go back to the system when they are freed, and the small blocks' memory stay
 * (up to 1 MiB an arena) instead of going back and forth (process-wide; at start). */
void privd_http_body_alloc_init(void);
/* Room for r's declared body of len bytes at once (at most 256 KiB of it: the rest is taken as the bytes arrive), so
 * that a large document is not copied while it grows; out of body memory, r is over budget. Out of memory is not an
 * error here: privd_http_body_append grows the buffer as the data arrives. */
void privd_http_body_reserve(struct privd_http_req *r, size_t len);
/* Appends n bytes to r's body, growing its buffer (never past the route's limit or the declared length): past the
 * limit, r is too large; out of body memory, over budget (both true, the bytes dropped); false only when out of
 * memory. */
bool privd_http_body_append(struct privd_http_req *r, const char *data, size_t n);

/* ---- router.c ---- */
/* Matches method and path without allocating: sets r->route, r->path_idx and the path parameters. Returns 0
 * when a route matches, 404 when no pattern matches the path, 405 when the path matches under other methods
 * (allow then lists them, e.g. "GET, PATCH"; allow may be NULL with allow_len 0 when no list is wanted). */
unsigned privd_http_route_match(struct privd_http_req *r, char *allow, size_t allow_len);
const struct privd_http_route *privd_http_route_get(int idx);
unsigned privd_http_path_count(void);                /* distinct patterns */
const char *privd_http_path_name(unsigned path_idx); /* pattern, or "unmatched" */
enum privd_http_method privd_http_method_parse(const char *m);
const char *privd_http_method_name(enum privd_http_method m);
/* Authenticates and authorises r for its route; on refusal leaves a 401 or 403 reply and returns false. */
bool privd_http_authorize(struct privd_http_req *r);

/* ---- problem.c and replies ---- */
/* Each leaves r->resp and r->status set; on out of memory r->resp stays NULL and the server answers 500 from a
 * static response. Calling a reply function twice replaces the first response. */
void privd_http_reply_buf(struct privd_http_req *r, unsigned status, const char *content_type, const char *buf,
                          size_t len);
/* Takes ownership of a malloc'd buffer (zeroed then freed when the response is done: it may hold PII). */
void privd_http_reply_owned(struct privd_http_req *r, unsigned status, const char *content_type, char *buf, size_t len);
/* Renders j (reference stolen) as the body. */
void privd_http_reply_json(struct privd_http_req *r, unsigned status, json_t *j);
void privd_http_reply_empty(struct privd_http_req *r, unsigned status);
/* The text of a problem of type urn:privd:problem:<slug> for r (malloc'd; NULL when out of memory): type, title,
 * status, detail (when not NULL), instance (the route's template, never the path sent). */
char *privd_http_problem_text(const struct privd_http_req *r, unsigned status, const char *slug, const char *detail);
/* A problem of type urn:privd:problem:<slug>; detail may be NULL; err may be NULL (its fields become "errors"). */
void privd_http_reply_problem(struct privd_http_req *r, unsigned status, const char *slug, const char *detail,
                              const struct privd_err *err);
/* The same with members of its own added to the problem (members stolen; may be NULL), e.g. "not_before". */
void privd_http_reply_problem_with(struct privd_http_req *r, unsigned status, const char *slug, const char *detail,
                                   const struct privd_err *err, json_t *members);
/* Maps a service result to its problem (500 with a generic detail for anything unexpected). */
void privd_http_reply_rc(struct privd_http_req *r, enum privd_rc rc, const struct privd_err *err);
/* 422 naming one field. */
void privd_http_reply_invalid(struct privd_http_req *r, const char *field, const char *reason);
/* Answers with resp, a response prepared once with all its headers and kept by its owner for the server's life
 * (libmicrohttpd counts the connections sending it); privd_http_reply_header does nothing to it, nor does the
 * server add privd_http_secure_headers to it: its owner does when it makes it. */
void privd_http_reply_shared(struct privd_http_req *r, unsigned status, struct MHD_Response *resp);
/* The headers every answer carries, each unless the handler set its own: X-Content-Type-Options: nosniff,
 * Referrer-Policy: no-referrer, Cache-Control: no-store, and on an HTML page a Content-Security-Policy that allows
 * no script and X-Frame-Options: DENY. The server calls it on every response it queues; accepts NULL. */
void privd_http_secure_headers(struct MHD_Response *resp);
/* Adds a header to the reply already set (no-op without one). */
void privd_http_reply_header(struct privd_http_req *r, const char *name, const char *value);

/* ---- JSON helpers (problem.c) ---- */
/* Parses r->body as a JSON object into *out (new reference). On failure leaves a 400/413/415 reply and returns
 * false. */
bool privd_http_body_object(struct privd_http_req *r, json_t **out);
/* A JSON string of the time, or null when ms is 0. */
json_t *privd_http_json_time(int64_t ms);
/* A JSON string, or null when s is empty (or not valid UTF-8). */
json_t *privd_http_json_str_or_null(const char *s);
/* Reads member key of obj as a string into *out (NULL when absent, or null and allow_null). A wrong type adds
 * a field error named field (key when NULL) to e and returns false. */
bool privd_http_json_str(json_t *obj, const char *key, const char *field, bool allow_null, const char **out,
                         struct privd_err *e);
/* Reads member key of obj as a boolean into *out (false when absent). Another type adds a field error named key to e
 * and returns false. */
bool privd_http_json_bool(json_t *obj, const char *key, bool *out, struct privd_err *e);
/* Reads member key of obj as an array of at most max strings: *out (malloc'd, the caller frees it; the strings
 * point into obj; never NULL for an array, even an empty one) and *n; NULL and 0 when absent or null. A wrong type or a
 * longer array adds a field error named key to e and returns false. */
bool privd_http_json_strs(json_t *obj, const char *key, size_t max, const char ***out, size_t *n, struct privd_err *e);
/* The field name of the member at index (from 0) of an object at prefix: "<prefix>#<index + 1>", e.g. "#3" or
 * "consents.#2". An error answer never repeats what the client sent, member names included. */
void privd_http_member_field(char *out, size_t len, const char *prefix, size_t index);
/* Adds a field error naming the position (privd_http_member_field) of each member of obj not in allowed
 * (NULL-terminated); returns how many there were. */
size_t privd_http_json_only(json_t *obj, const char *const *allowed, const char *prefix, struct privd_err *e);
/* Reads query parameter name as an integer in [min, max] into *out; def when absent or empty. False (and *out
 * def) when it is not such an integer. */
bool privd_http_query_int(struct privd_http_req *r, const char *name, long long min, long long max, long long def,
                          long long *out);
/* Query parameter name, NULL when absent or empty. */
const char *privd_http_query_str(struct privd_http_req *r, const char *name);
/* True for an id: 32 lowercase hexadecimal characters. */
bool privd_http_id_valid(const char *s);
/* Query parameter name as an id, NULL when absent or empty; one that is not an id adds a field error to e. */
const char *privd_http_query_id(struct privd_http_req *r, const char *name, struct privd_err *e);
/* A page of a list answered as {"items":[...],"next_after"}: next_after is the cursor of the last item when the
 * page holds limit items, null when it holds fewer. Start it with privd_http_page_query (or set limit), fill it
 * with privd_http_page_add from the service's callback, answer with privd_http_page_reply, and free it with
 * privd_http_page_free whatever happened. */
struct privd_http_page {
	json_t *items;
	int64_t last; /* the cursor of the last item added */
	size_t n;
	long long limit, after; /* from the query */
};
/* Reads limit (1 to 1000, default 100) and after (a cursor, 0 or more) from the query into p and makes its items:
 * field errors for them go to e; false, with a 500 reply, only when out of memory. */
bool privd_http_page_query(struct privd_http_req *r, struct privd_http_page *p, struct privd_err *e);
/* Appends item (stolen) whose cursor is cursor: 0, or -1 when it cannot (stop the walk). */
int privd_http_page_add(struct privd_http_page *p, json_t *item, int64_t cursor);
/* The service's answer rc for the page: 200 with it when PRIVD_OK (its items are kept: free the page as always),
 * otherwise the problem rc maps to, with err. */
void privd_http_page_reply(struct privd_http_req *r, const struct privd_http_page *p, enum privd_rc rc,
                           const struct privd_err *err);
void privd_http_page_free(struct privd_http_page *p);
/* 422 with the field errors of e. */
void privd_http_reply_fields(struct privd_http_req *r, const struct privd_err *e);
/* Frees with the buffer zeroed first: jansson's allocator and response buffers that may hold PII. */
void privd_http_free_zero(void *p);
void privd_http_json_alloc_init(void);

/* ---- subjects.c ---- */
/* A subject's profile as the API answers it (GET, PATCH, registration): the JSON object json_dumps(JSON_COMPACT)
 * made of it, written without a tree. malloc'd, NUL-terminated, its length in *len; the caller zeroes and frees it
 * (it holds PII). NULL when out of memory. */
char *privd_http_subject_text(const struct privd_subject *s, size_t *len);

/* Reads a registration's body as jansson and then parse_registration would, with no fault (which fields are in it
 * is the service's to judge): reg filled, its strings copied into strs, NUL-terminated (strs holds at least len + 1
 * bytes; it holds PII). False when the body is not in the plain shape reg_scan.c accepts (reg is then garbage):
 * the caller parses it with jansson. Cannot fail otherwise. */
bool privd_http_registration_scan(const char *body, size_t len, struct privd_registration *reg, char *strs);
/* The registration in a body jansson parsed (an object): types and members only, every field at fault in e. */
void privd_http_registration_parse(json_t *b, struct privd_registration *reg, struct privd_err *e);

/* ---- static.c ---- */
/* A strong ETag (quoted) of the bytes: their 64-bit FNV-1a and their length. */
void privd_http_etag_of(const char *data, size_t len, char out[48]);

/* ---- text.c: bodies written piece by piece (metrics, HTML pages) ---- */
/* Start from {0}. After a failed allocation every append does nothing and privd_http_text_take returns NULL. */
struct privd_http_text {
	char *buf; /* NUL-terminated once anything was written */
	size_t len, cap;
	bool failed;
};
/* Append n bytes of s; s as a C string; printf-style. */
void privd_http_text_put(struct privd_http_text *t, const char *s, size_t n);
void privd_http_text_puts(struct privd_http_text *t, const char *s);
void privd_http_text_printf(struct privd_http_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s escaped for HTML text and attribute values (& < > " '). */
void privd_http_text_html(struct privd_http_text *t, const char *s);
/* Writes s into out as jansson's json_dumps writes a string (quoted; the quote, the backslash and control
 * characters escaped, \b \f \n \r \t in short, the others as \u00XX; UTF-8 as it is), NUL-terminated, or null
 * when s is NULL, not valid UTF-8 (as json_string refuses it), or empty with empty_null. out must hold
 * PRIVD_HTTP_JSON_QUOTED(strlen(s)) bytes. Returns the length written, without the NUL. Cannot fail. */
#define PRIVD_HTTP_JSON_QUOTED(n) (6 * (n) + 5)
size_t privd_http_json_quote(char *out, const char *s, bool empty_null);
/* The text written, malloc'd and NUL-terminated (its length in *len when len is not NULL), for
 * privd_http_reply_owned; NULL when an append failed (the buffer is then zeroed and freed). Leaves t empty. */
char *privd_http_text_take(struct privd_http_text *t, size_t *len);
/* Whether r asks for the page rather than the JSON document: ?format=html, or without format an Accept header
 * that prefers text/html to application/json. False, with a 422 reply naming "format", for a format other than
 * json or html. */
bool privd_http_wants_page(struct privd_http_req *r, bool *html);
/* Replies 200 with text (malloc'd, taken: zeroed and freed with the response; NULL answers 500) as the page or the
 * JSON document, with Vary: Accept (and, as every answer, never cached: privd_http_secure_headers). */
void privd_http_reply_document(struct privd_http_req *r, bool html, char *text);

/* ---- export.c: the access export rendered ---- */
/* The JSON document of GET /v1/requests/{id}/export; the page a person reads, in English and Russian. Both
 * malloc'd (the caller zeroes and frees them: they hold PII), NULL when out of memory. */
char *privd_http_export_json(const struct privd_export *x);
char *privd_http_export_html(const struct privd_export *x);

/* ---- export_info.c: what the person is told about the processing (152-FZ Art. 14 p.7) ---- */
/* A text a page or a document gives in both languages. */
struct privd_http_bi {
	const char *en, *ru;
};
/* The "processing_information" member of the export's JSON (NULL when out of memory), and its section of the page. */
json_t *privd_http_processing_info_json(const struct privd_export *x);
void privd_http_processing_info_html(struct privd_http_text *t, const struct privd_export *x);
/* The label of a category of data, by its bit number in enum privd_destruction_category; NULL outside the range. */
const struct privd_http_bi *privd_http_category_label(int i);

/* ---- audit.c ---- */
/* An audit entry as GET /v1/audit lists it; NULL when out of memory. */
json_t *privd_http_audit_entry_json(const struct privd_audit_entry *e);

/* ---- notifications.c ---- */
/* The JSON form of a notice (every list of notices renders it so); NULL when out of memory. */
json_t *privd_http_notification_json(const struct privd_notification *n);
/* A cursor "<created_at>-<id>" (next_after of a list ordered by creation) into its parts; false when it is not one. */
bool privd_http_cursor_parse(const char *s, int64_t *created, char id[33]);
/* A page cut from a walk in creation order (created_at, then id) of a set that is small per call (a person's
 * notices, the API keys): the items after the cursor, up to limit, answered as {"items":[...],"next_after"} with
 * next_after "<ms>-<id>" of the last item when the page is full, null otherwise. Start with privd_http_cut_query,
 * feed every row to privd_http_cut_add, answer with privd_http_cut_reply, free with json_decref(c.items). */
struct privd_http_cut {
	json_t *items;
	size_t n, limit;
	int64_t after_created, last_created;
	char after_id[33], last_id[33];
};
/* Reads limit (1 to 1000, default 100) and after from the query into c and makes its items: field errors for them
 * go to e; false, with a 500 reply, only when out of memory. */
bool privd_http_cut_query(struct privd_http_req *r, struct privd_http_cut *c, struct privd_err *e);
/* Appends item (stolen; made by the caller only when needed: pass NULL to ask) when the row belongs to the page.
 * Returns 1 when it does not (item, if any, is freed), 0 when appended, -1 when out of memory. */
int privd_http_cut_add(struct privd_http_cut *c, int64_t created, const char *id, json_t *item);
/* True when a row of that creation and id belongs to the page (call before making its item). */
bool privd_http_cut_wants(const struct privd_http_cut *c, int64_t created, const char *id);
/* 200 with the page when rc is PRIVD_OK, otherwise the problem rc maps to. */
void privd_http_cut_reply(struct privd_http_req *r, const struct privd_http_cut *c, enum privd_rc rc,
                          const struct privd_err *err);

/* ---- ratelimit.c: cookie choices per client address ---- */
/* A limiter of per_minute choices a minute per address, burst at once; NULL when out of memory. */
struct privd_http_limiter *privd_http_limiter_new(unsigned per_minute, unsigned burst);
void privd_http_limiter_free(struct privd_http_limiter *l); /* accepts NULL */
/* Takes one token for addr now: true when allowed; otherwise false and *retry_ms says when one will be there. */
bool privd_http_limiter_take(struct privd_http_limiter *l, const uint8_t addr[16], int64_t *retry_ms);
/* ---- client.c: who the client is ---- */

/* The client's address (16 bytes, IPv4 mapped): the connection's, or from a trusted proxy the rightmost hop of
 * [http] forwarded_header outside trusted_proxies (core/proxy.h). False when the connection has no address. */
bool privd_http_client_addr(struct privd_http_req *r, uint8_t out[16]);
/* The same as text into out (46 bytes is enough); false and "" when there is none. */
bool privd_http_client_text(struct privd_http_req *r, char *out, size_t len);
/* The client address as the cookie limiter counts it: IPv4 whole, IPv6 by its /64. False when there is none. */
bool privd_http_client_key(struct privd_http_req *r, uint8_t out[16]);
/* Whether r came over TLS: to privd itself, or to a proxy saying X-Forwarded-Proto: https. */
bool privd_http_over_tls(struct privd_http_req *r);

/* ---- tls.c: HTTPS ---- */

/* The GnuTLS priorities privd serves with: TLS 1.2 and 1.3, AEAD ciphers, ECDHE. */
extern const char privd_http_tls_priorities[];
/* Reads and checks [http] tls_cert and tls_key into h (h->tls, h->tls_opts); both empty: plain HTTP, PRIVD_OK.
 * PRIVD_ERR_IO or PRIVD_ERR_INVALID naming the key and the file at fault; nothing kept then. */
enum privd_rc privd_http_tls_init(struct privd_http *h, const char *cert_path, const char *key_path,
                                  struct privd_err *err);
/* Frees what privd_http_tls_init read, the key zeroed first. */
void privd_http_tls_cleanup(struct privd_http *h);
/* Adds Strict-Transport-Security to resp when h serves TLS (and resp has none). Accepts a NULL resp. */
void privd_http_hsts(const struct privd_http *h, struct MHD_Response *resp);

/* ---- web.c: consent.js ---- */
/* Takes consent.js from the service and compresses it (nothing to do when the service did not load it). */
enum privd_rc privd_http_web_init(struct privd_http *h, struct privd_err *err);
void privd_http_web_cleanup(struct privd_http *h);
/* ---- regulator.c: the draft of a report to the regulator ---- */
/* The report d describes as Markdown: in Russian for Roskomnadzor (152-FZ Art. 21 p.3.1), with the GDPR Art. 33
 * items in English after it when EU/EEA residents are among the affected. malloc'd; NULL when out of memory. */
struct privd_regulator_draft; /* service/incidents.h */
char *privd_http_regulator_notice(const struct privd_regulator_draft *d);

/* ---- recipients.c and transfers.c ---- */
/* A recipient as the API shows it; a person's disclosure log entry likewise (the export shows them too). NULL when
 * out of memory. */
json_t *privd_http_recipient_json(const struct privd_recipient *r);
/* The names of the transfer fields in mask (enum privd_transfer_field bits), in order; NULL when out of memory. */
json_t *privd_http_fields_json(unsigned mask);
json_t *privd_http_disclosure_json(const struct privd_disclosure *d);

/* ---- metrics.c ---- */
void privd_http_metrics_record(unsigned path_idx, enum privd_http_method m, unsigned status, uint64_t dur_ns);

/* ---- console.c and static.c ---- */
/* The cookie a console session is carried in, and the header that carries its CSRF token. */
#define PRIVD_CONSOLE_COOKIE "privd_console"
#define PRIVD_CONSOLE_CSRF_HEADER "X-CSRF-Token"
/* A GET or HEAD of a file under one of the web directories privd serves (/console/, /portal/, /common/,
 * /i18n/): leaves its reply (the file, 304, or 404) and returns true; false for any other request. */
bool privd_http_static_try(struct privd_http_req *r);

/* ---- handlers, one file per resource ---- */
void privd_http_console_signin(struct privd_http_req *r);
void privd_http_console_signout(struct privd_http_req *r);
void privd_http_consent_stats(struct privd_http_req *r);
void privd_http_request_stats(struct privd_http_req *r);
void privd_http_healthz(struct privd_http_req *r);
void privd_http_readyz(struct privd_http_req *r);
void privd_http_metrics(struct privd_http_req *r);
void privd_http_privacy(struct privd_http_req *r);
void privd_http_apikey_create(struct privd_http_req *r);
void privd_http_apikey_list(struct privd_http_req *r);
void privd_http_apikey_revoke(struct privd_http_req *r);
void privd_http_policy_publish(struct privd_http_req *r);
void privd_http_policy_current(struct privd_http_req *r);
void privd_http_consent_page(struct privd_http_req *r);
void privd_http_consent_text_publish(struct privd_http_req *r);
void privd_http_consent_text_current(struct privd_http_req *r);
void privd_http_subject_register(struct privd_http_req *r);
void privd_http_subject_find(struct privd_http_req *r);
void privd_http_subject_get(struct privd_http_req *r);
void privd_http_subject_patch(struct privd_http_req *r);
void privd_http_consent_record(struct privd_http_req *r);
void privd_http_consent_history(struct privd_http_req *r);
void privd_http_consent_check(struct privd_http_req *r);
void privd_http_consent_batch(struct privd_http_req *r);

/* ---- batch_scan.c: the batch check's usual body read without a JSON tree ---- */

#define PRIVD_BATCH_MAX 1000   /* checks in one call */
#define PRIVD_BATCH_STR_MAX 64 /* bytes of a string the scanner takes; a longer one makes it decline */
struct privd_batch_str {
	const char *s; /* into the body, not NUL-terminated */
	size_t len;
};
struct privd_batch_pair {
	struct privd_batch_str subject_id, purpose;
};
/* True when body[0..len) is {"checks":[...]} of 1 to PRIVD_BATCH_MAX objects of exactly "subject_id" and
 * "purpose", in the strict form batch_scan.c describes: pairs[0..*n) then say where each check's strings are.
 * False (and *n meaningless) for any other body, valid or not: the caller then parses it with jansson. pairs has
 * room for PRIVD_BATCH_MAX. Cannot fail otherwise. */
bool privd_batch_scan(const char *body, size_t len, struct privd_batch_pair *pairs, size_t *n);
void privd_http_audit_list(struct privd_http_req *r);
void privd_http_audit_verify(struct privd_http_req *r);
void privd_http_request_create(struct privd_http_req *r);
void privd_http_request_attach(struct privd_http_req *r);
void privd_http_request_list(struct privd_http_req *r);
void privd_http_notification_page(struct privd_http_req *r);
void privd_http_request_get(struct privd_http_req *r);
void privd_http_request_document(struct privd_http_req *r);
void privd_http_request_decide(struct privd_http_req *r);
void privd_http_request_execute(struct privd_http_req *r);
void privd_http_request_answer(struct privd_http_req *r);
void privd_http_request_export(struct privd_http_req *r);
void privd_http_notification_list(struct privd_http_req *r);
void privd_http_legal_hold(struct privd_http_req *r);
void privd_http_destruction_list(struct privd_http_req *r);
void privd_http_destruction_get(struct privd_http_req *r);
void privd_http_recipient_create(struct privd_http_req *r);
void privd_http_recipient_list(struct privd_http_req *r);
void privd_http_recipient_get(struct privd_http_req *r);
void privd_http_recipient_patch(struct privd_http_req *r);
void privd_http_recipient_deactivate(struct privd_http_req *r);
void privd_http_transfer_create(struct privd_http_req *r);
void privd_http_transfer_list(struct privd_http_req *r);
void privd_http_transfer_get(struct privd_http_req *r);
void privd_http_subject_transfers(struct privd_http_req *r);
void privd_http_aggregate(struct privd_http_req *r);
void privd_http_consent_js(struct privd_http_req *r);
void privd_http_cookie_config_get(struct privd_http_req *r);
void privd_http_cookie_config_put(struct privd_http_req *r);
void privd_http_cookie_consent_record(struct privd_http_req *r);
void privd_http_cookie_consent_get(struct privd_http_req *r);
void privd_http_cookie_preflight(struct privd_http_req *r);
void privd_http_portal_create(struct privd_http_req *r);
void privd_http_portal_open(struct privd_http_req *r);
void privd_http_portal_session(struct privd_http_req *r);
void privd_http_portal_end(struct privd_http_req *r);
void privd_http_incident_create(struct privd_http_req *r);
void privd_http_incident_list(struct privd_http_req *r);
void privd_http_incident_get(struct privd_http_req *r);
void privd_http_incident_patch(struct privd_http_req *r);
void privd_http_incident_report(struct privd_http_req *r);
void privd_http_incident_notice(struct privd_http_req *r);
void privd_http_webhook_create(struct privd_http_req *r);
void privd_http_webhook_list(struct privd_http_req *r);
void privd_http_webhook_delete(struct privd_http_req *r);
void privd_http_webhook_deliveries(struct privd_http_req *r);

/* ---- idempotency.c: Idempotency-Key on every POST ---- */
/* Before the handler: for a POST carrying the header, answers a replay, a reused or malformed key or one in flight
 * (leaving that reply and returning false), or arms the key's record and starts capturing the answer. True when the
 * handler is to run. */
bool privd_http_idem_start(struct privd_http_req *r);
/* Right after the handler returned (same thread): the record rides on no later write. Accepts r->idem NULL. */
void privd_http_idem_disarm(struct privd_http_req *r);
/* The reply functions' part: a copy of the answer being set, and of its Location and ETag headers. */
void privd_http_idem_capture(struct privd_http_req *r, unsigned status, const char *content_type, const char *buf,
                             size_t len);
void privd_http_idem_capture_header(struct privd_http_req *r, const char *name, const char *value);
/* Before the answer is queued: keeps it (or answers 409 when another request with the key took effect). Once. */
void privd_http_idem_settle(struct privd_http_req *r);
/* Frees r->idem; accepts NULL. */
void privd_http_idem_free(struct privd_http_idem *i);
void privd_http_incident_scope_count(struct privd_http_req *r);

/* ---- drain.c: the stop, and the gate every suspension passes ---- */
/* The gate of h, open, and libmicrohttpd's panic callback set (privd_http_panic, for the whole process);
 * privd_http_drain_cleanup when h is freed. Cannot fail. */
void privd_http_drain_init(struct privd_http *h);
void privd_http_drain_cleanup(struct privd_http *h);
/* Adds one to *count (h->async_pending or h->suspended) and returns true while the gate is open; false, leaving it,
 * once the stop has closed it: the caller then neither starts its write nor suspends its connection. */
bool privd_http_gate_pass(struct privd_http *h, atomic_uint *count);
/* The stop's waits, after the listener is closed: the requests in flight for up to 5 s; then, with the gate closed,
 * every write handed to the writer and every suspended connection run again, however long it takes; then the
 * requests still in flight for up to 1 s more. On return no connection is suspended and none will be, so that
 * MHD_stop_daemon may be called. */
void privd_http_drain(struct privd_http *h);
/* libmicrohttpd's panic callback (MHD_set_panic_func): one log line saying what broke, then abort(). */
void privd_http_panic(void *cls, const char *file, unsigned int line, const char *reason);

/* ---- async.c: a request answered once the writer has committed (registration, a consent change, a cookie
 * choice) ---- */
/* Renders the finished work's result into r, on the library's thread. */
typedef void (*privd_http_async_render)(struct privd_http_req *r, void *result);
/* Starts waiting for work on r's behalf: result (malloc'd) is where the done side puts the outcome, owned by the
 * wait from here on and freed with free_result when both sides are through; r->async is set. Returns the wait to
 * hand to the service as its done callback's argument, or NULL (result freed, a reply left) when out of memory
 * (500) or privd is stopping (503: the stop's gate is closed, drain.c). */
struct privd_http_async *privd_http_async_begin(struct privd_http_req *r, void *result, privd_http_async_render render,
                                                void (*free_result)(void *result));
/* The result given to privd_http_async_begin. */
void *privd_http_async_result(struct privd_http_async *a);
/* Once the work is handed over: suspends r's connection unless the work is done already; once the stop's gate is
 * closed (drain.c), waits for the work on this thread instead. */
void privd_http_async_wait(struct privd_http_req *r);
/* The done side, once it has filled the result: resumes the connection and lets go of a. Call exactly once. */
void privd_http_async_done(struct privd_http_async *a);
/* Called by the server on every later call of the access handler while r->async is set: true while the work is
 * not done (the connection stays suspended); otherwise the result is rendered into r and false is returned. */
bool privd_http_async_pending(struct privd_http_req *r);
/* Drops the request's side of r->async (the done side holds the other). Accepts NULL. */
void privd_http_async_release(struct privd_http_async *a);

#endif
