/*
 * The consent check on h2o's event loop (libh2o-evloop), for bench/h2o/compare.sh: the question of whether another
 * HTTP engine would serve privd's hot path nearer nginx than libmicrohttpd does.
 *
 * It serves only GET /v1/subjects/{id}/consents/{purpose} with "Authorization: Bearer <key>", through privd's own
 * service (the key's keyed hash and its cache, the in-memory consent state) and with the same body as privd's
 * answer; everything else is 404. One event loop per thread, each with its own listening socket (SO_REUSEPORT),
 * which is how h2o's own server runs. Not a server to deploy: no TLS, no limits, no logs.
 *
 * Usage: privd_h2o_check DATA_DIR PORT THREADS [static] [burn=N]
 * (privd stopped: it opens the data directory itself). "static" answers a body of the same shape and length without
 * calling privd's service (no key checked, nothing looked up); "burn=N" spends N rounds of a multiply-add before each
 * answer (about 1.15 ns each on the machine of bench/README.md), to see what a little more CPU a request does to the
 * tail.
 */
#include <h2o.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/consent.h"
#include "core/jsonw.h"
#include "core/time.h"
#include "service/config.h"
#include "service/service.h"

static h2o_globalconf_t config;
static struct privd_service *svc;
static int port;
static bool answer_static;
static long burn;
volatile unsigned long privd_h2o_burnt; /* what burn computed, so that the loop is kept */
static const char static_body[] = "{\"purpose\":\"processing\",\"granted\":true,\"since\":\"2026-12-01T13:17:45.123Z\","
                                  "\"policy_version\":\"1\",\"text_version\":\"1\",\"reconsent_required\":false}";

static int reply(h2o_req_t *req, int status, const char *reason, const char *body, size_t len)
{
	req->res.status = status;
	req->res.reason = reason;
	h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, H2O_STRLIT("application/json"));
	h2o_send_inline(req, body, len);
	return 0;
}

/* "/v1/subjects/" 32 hex "/consents/" purpose */
static bool parse_path(h2o_iovec_t path, char id[33], char *purpose, size_t cap)
{
	static const char pre[] = "/v1/subjects/", mid[] = "/consents/";
	size_t pl = sizeof(pre) - 1, ml = sizeof(mid) - 1;

	if (path.len <= pl + 32 + ml || memcmp(path.base, pre, pl) != 0 || memcmp(path.base + pl + 32, mid, ml) != 0)
		return false;
	memcpy(id, path.base + pl, 32);
	id[32] = '\0';
	if (path.len - (pl + 32 + ml) >= cap)
		return false;
	memcpy(purpose, path.base + pl + 32 + ml, path.len - (pl + 32 + ml));
	purpose[path.len - (pl + 32 + ml)] = '\0';
	return true;
}

/* A version as a JSON value (null, or quoted and escaped) at p, at most cap bytes; its length, or 0 if it does not fit.
 */
static size_t put_version(char *p, size_t cap, const char *v)
{
	size_t n;

	if (v[0] == '\0')
		return cap >= 4 ? (memcpy(p, "null", 4), 4) : 0;
	if (cap < 3)
		return 0;
	n = privd_json_escape(v, p + 1, cap - 2);
	if (n >= cap - 2)
		return 0;
	p[0] = '"';
	p[n + 1] = '"';
	return n + 2;
}

static int on_req(h2o_handler_t *self, h2o_req_t *req)
{
	struct privd_principal who;
	struct privd_consent_check c;
	enum privd_purpose p;
	char id[33], purpose[64], key[256], body[1024], since[PRIVD_TIME_LEN];
	size_t n, v;
	ssize_t h;

	(void)self;
	if (burn > 0) {
		unsigned long x = 1;

		for (long i = burn; i > 0; i--)
			x = x * 6364136223846793005UL + 1442695040888963407UL;
		privd_h2o_burnt = x;
	}
	if (answer_static)
		return reply(req, 200, "OK", static_body, sizeof(static_body) - 1);
	if (!h2o_memis(req->method.base, req->method.len, H2O_STRLIT("GET")) ||
	    !parse_path(req->path_normalized, id, purpose, sizeof(purpose)) ||
	    privd_purpose_parse(purpose, &p) != PRIVD_OK)
		return reply(req, 404, "Not Found", H2O_STRLIT("{\"title\":\"not found\"}"));
	h = h2o_find_header(&req->headers, H2O_TOKEN_AUTHORIZATION, -1);
	if (h < 0 || req->headers.entries[h].value.len <= 7 || req->headers.entries[h].value.len - 7 >= sizeof(key) ||
	    strncasecmp(req->headers.entries[h].value.base, "Bearer ", 7) != 0)
		return reply(req, 401, "Unauthorized", H2O_STRLIT("{\"title\":\"unauthorized\"}"));
	memcpy(key, req->headers.entries[h].value.base + 7, req->headers.entries[h].value.len - 7);
	key[req->headers.entries[h].value.len - 7] = '\0';
	if (privd_service_authenticate(svc, key, &who) != PRIVD_OK)
		return reply(req, 401, "Unauthorized", H2O_STRLIT("{\"title\":\"unauthorized\"}"));
	memset(&c, 0, sizeof(c));
	switch (privd_service_consent_check(svc, id, p, &c)) {
	case PRIVD_OK:
		break;
	case PRIVD_ERR_GONE:
		memset(&c, 0, sizeof(c));
		break;
	default:
		return reply(req, 404, "Not Found", H2O_STRLIT("{\"title\":\"not found\"}"));
	}
	c.policy_version[sizeof(c.policy_version) - 1] = '\0';
	c.text_version[sizeof(c.text_version) - 1] = '\0';
	if (c.since != 0)
		privd_time_format(c.since, since);
	n = (size_t)snprintf(body, sizeof(body),
	                     "{\"purpose\":\"%s\",\"granted\":%s,\"since\":%s%s%s,\"policy_version\":",
	                     privd_purpose_name(p), c.granted ? "true" : "false", c.since != 0 ? "\"" : "",
	                     c.since != 0 ? since : "null", c.since != 0 ? "\"" : "");
	if (n >= sizeof(body) || (v = put_version(body + n, sizeof(body) - n, c.policy_version)) == 0)
		return reply(req, 500, "Internal Server Error", H2O_STRLIT("{\"title\":\"too long\"}"));
	n += v;
	n += (size_t)snprintf(body + n, sizeof(body) - n, ",\"text_version\":");
	if (n >= sizeof(body) || (v = put_version(body + n, sizeof(body) - n, c.text_version)) == 0)
		return reply(req, 500, "Internal Server Error", H2O_STRLIT("{\"title\":\"too long\"}"));
	n += v;
	n += (size_t)snprintf(body + n, sizeof(body) - n, ",\"reconsent_required\":%s}",
	                      c.reconsent_required ? "true" : "false");
	if (n >= sizeof(body))
		return reply(req, 500, "Internal Server Error", H2O_STRLIT("{\"title\":\"too long\"}"));
	return reply(req, 200, "OK", body, n);
}

static void on_accept(h2o_socket_t *listener, const char *err)
{
	h2o_socket_t *sock;

	if (err != NULL || (sock = h2o_evloop_socket_accept(listener)) == NULL)
		return;
	h2o_accept(listener->data, sock);
}

static void *loop_main(void *arg)
{
	h2o_context_t ctx;
	h2o_accept_ctx_t accept_ctx;
	h2o_evloop_t *loop = h2o_evloop_create();
	struct sockaddr_in a;
	h2o_socket_t *sock;
	int fd = socket(AF_INET, SOCK_STREAM, 0), on = 1;

	(void)arg;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(0x7f000001);
	a.sin_port = htons((uint16_t)port);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) != 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, SOMAXCONN) != 0) {
		perror("privd_h2o_check: listen");
		exit(1);
	}
	h2o_context_init(&ctx, loop, &config);
	memset(&accept_ctx, 0, sizeof(accept_ctx));
	accept_ctx.ctx = &ctx;
	accept_ctx.hosts = config.hosts;
	sock = h2o_evloop_socket_create(loop, fd, H2O_SOCKET_FLAG_DONT_READ);
	sock->data = &accept_ctx;
	h2o_socket_read_start(sock, on_accept);
	while (h2o_evloop_run(loop, INT32_MAX) == 0)
		;
	return NULL;
}

int main(int argc, char **argv)
{
	struct privd_config cfg;
	struct privd_err err = {0};
	h2o_hostconf_t *host;
	h2o_handler_t *handler;
	int threads;

	if (argc < 4 || (port = atoi(argv[2])) <= 0 || (threads = atoi(argv[3])) <= 0) {
		fprintf(stderr, "usage: privd_h2o_check DATA_DIR PORT THREADS [static] [burn=N]\n");
		return 2;
	}
	for (int i = 4; i < argc; i++) {
		if (strcmp(argv[i], "static") == 0)
			answer_static = true;
		else if (strncmp(argv[i], "burn=", 5) == 0)
			burn = atol(argv[i] + 5);
	}
	signal(SIGPIPE, SIG_IGN);
	if (privd_config_load(&cfg, argv[1], &err) != PRIVD_OK) {
		fprintf(stderr, "privd_h2o_check: configuration: %s\n", err.msg);
		return 1;
	}
	cfg.background = false;
	if (privd_service_open(&cfg, &svc, &err) != PRIVD_OK) {
		fprintf(stderr, "privd_h2o_check: cannot open %s: %s\n", argv[1], err.msg);
		return 1;
	}
	h2o_config_init(&config);
	host = h2o_config_register_host(&config, h2o_iovec_init(H2O_STRLIT("default")), 65535);
	handler = h2o_create_handler(h2o_config_register_path(host, "/", 0), sizeof(*handler));
	handler->on_req = on_req;
	for (int i = 1; i < threads; i++) {
		pthread_t t;
		pthread_create(&t, NULL, loop_main, NULL);
	}
	fprintf(stderr, "privd_h2o_check: listening on 127.0.0.1:%d, %d loops\n", port, threads);
	loop_main(NULL);
	return 0;
}
