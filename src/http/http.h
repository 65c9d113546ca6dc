/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * http.h - privd's HTTP API on libmicrohttpd.
 *
 * A router table (method, path pattern, handler, roles) maps each request to a handler in one file per
 * resource; a handler is parse -> service -> render. Errors are RFC 9457 problem+json. Request bodies are
 * bounded (413), and so are their total memory (503), the time to send a request (header and request deadlines)
 * and the connections of one client address. Registration suspends the connection while its write is
 * group-committed, so many requests can wait on one fsync without holding a thread each.
 */
#ifndef PRIVD_HTTP_HTTP_H
#define PRIVD_HTTP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/rc.h"
#include "service/service.h"

struct privd_http;

struct privd_http_opts {
	const char *listen;    /* "HOST:PORT"; IPv6 as "[::1]:8080"; port 0 picks a free port */
	size_t body_limit;     /* bytes of a JSON body; larger bodies get 413; 0 = 64 KiB */
	size_t document_limit; /* bytes of a raw document upload (PUT /v1/requests/{id}/document); larger
	                        * bodies get 413; 0 = 10 MiB */
	unsigned threads;      /* worker threads; 0 = one per core */
	unsigned yield_us;     /* a worker lets others on its core go first once this many us have passed; 0 = never */
	unsigned slice_us;     /* the workers' time slice, set as they start (sched.c); 0 = the kernel's */
	/* the cookie banner ([cookies]): origins allowed to record and read choices (comma-separated; NULL or "":
	 * none), choices per client address a minute (0: no limit) and at once */
	const char *cookie_origins;
	unsigned cookie_rate, cookie_burst;
	/* [http]: PEM files of the certificate and its key (both NULL or "": plain HTTP), the proxies whose forwarded
	 * header is believed (CIDRs, comma-separated; NULL or "": none) and which header that is (false:
	 * X-Forwarded-For, true: Forwarded) */
	const char *tls_cert, *tls_key;
	const char *trusted_proxies;
	bool forwarded_rfc7239;
	/* what one client may take of the server (guard.c); each 0 = its default */
	unsigned max_connections;    /* connections open at once; 0 = the open-file limit less 64 */
	unsigned connections_per_ip; /* from one client address; 0 = no limit */
	unsigned header_timeout;     /* seconds to send a request's line and headers; 0 = 10 */
	unsigned request_timeout;    /* seconds to send a whole request; 0 = 120 */
	size_t body_memory;          /* bytes of request bodies held at once, all requests together; 0 = 256 MiB */
	size_t body_memory_per_ip;   /* of which the requests of one client address; 0 = no share */
	/* GET /metrics */
	const char *metrics_listen; /* served there instead of on listen; NULL or "" = on listen */
	bool metrics_require_key;   /* only for admin, operator and auditor keys */
};

/* Starts serving. svc stays owned by the caller and must outlive the server. */
enum privd_rc privd_http_start(struct privd_service *svc, const struct privd_http_opts *o, struct privd_http **out,
                               struct privd_err *err);

/* Whether listen is an address privd_http_start can listen on (HOST:PORT, the host resolved), without listening:
 * for `privd check-config`. PRIVD_ERR_INVALID saying what is wrong. */
enum privd_rc privd_http_check_listen(const char *listen, struct privd_err *err);

/* Whether cert and key (paths) are a readable certificate and its private key privd_http_start can serve HTTPS
 * with; both NULL or "" is fine (plain HTTP): for `privd check-config`. PRIVD_ERR_IO or PRIVD_ERR_INVALID naming the
 * key and the file at fault. */
enum privd_rc privd_http_check_tls(const char *cert, const char *key, struct privd_err *err);

/* Sets the body limits of requests that start from now on (0 keeps a limit as it is): what a SIGHUP changes.
 * Safe while serving. Accepts NULL. */
void privd_http_set_limits(struct privd_http *h, size_t body_limit, size_t document_limit);

/* The port actually bound (useful with port 0); that of [metrics] listen, 0 when /metrics is served on the API's. */
unsigned privd_http_port(const struct privd_http *h);
unsigned privd_http_metrics_port(const struct privd_http *h);

/* Stops accepting, lets requests in flight finish (up to a few seconds), then stops. Accepts NULL. */
void privd_http_stop(struct privd_http *h);

/* Prints the route table, one "METHOD PATH ROLES" line per route (ROLES comma-separated or "public"); tests
 * compare it with docs/openapi.yaml. */
void privd_http_routes_print(FILE *f);

#endif
