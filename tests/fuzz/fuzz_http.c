/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * fuzz_http.c - fuzz target for every route's parsing of what a caller sends: the JSON body of each route, its
 * query parameters and path segments, through the real server (http/) over a real service on SQLite.
 *
 * The body parsers live inside the handlers (parse -> service -> render), so the target runs them where they run:
 * once (and afresh every RESET_EVERY inputs), it initialises a data directory as `privd init` does (in TMPDIR, or
 * /dev/shm when TMPDIR is unset, removed at exit), opens the service, starts the HTTP server on 127.0.0.1 with a free
 * port, makes a key of each role and, over HTTP, a subject, a request, an incident, a recipient, a visitor's cookie
 * choice and a portal session. Then each input is one request, sent on a connection of its own:
 *
 *     METHOD TARGET\n          e.g. "POST /v1/subjects/{subject}/consents?x=1"
 *     Name: value\n            any number of headers (Content-Length, Transfer-Encoding, Connection, Host,
 *                              Authorization and folded lines are the target's own and dropped), up to an
 *     \n                       empty line
 *     BODY                     the rest, sent as is with its Content-Length
 *
 * In TARGET, the headers and the body, {subject}, {other}, {request}, {incident}, {recipient}, {key}, {visitor},
 * {webhook} and {transfer} become real ids (or, for {transfer}, an unknown one); bytes that cannot stand in a request
 * line (controls, space, '#', 8-bit) are sent %-encoded, so libmicrohttpd decodes them back to what the router sees.
 * The caller is the first role the matched route allows (app, operator, admin, auditor; a portal session for the
 * person's own routes; none on a public route), or the one a pseudo-header "As: <role>" names (app, operator, auditor,
 * admin, subject or none). Framing (smuggling, trickling, malformed request lines) is the malformed-request
 * campaign's, not this target's.
 *
 * The invariants, beyond no crash, leak or undefined behaviour anywhere in privd: every request gets a complete
 * answer within 5 s with an HTTP status line, and never a 5xx other than 503; a 4xx on a /v1/ route is
 * application/problem+json. A broken invariant aborts. FUZZ_HTTP_VERBOSE=1 in the environment prints each request
 * line and the start of its answer, to see what a seed reaches.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "core/log.h"
#include "http/http_int.h"
#include "service/config.h"
#include "service/service.h"

#define REQ_MAX (256 * 1024)
#define RESP_MAX (1024 * 1024)
#define KEY_MAX 128
/* Inputs served by one instance before it is replaced by a fresh one. What every input adds (subjects, audit
 * entries, notices) would otherwise grow without end, and with it the time of the routes that walk all of it
 * (GET /v1/audit/verify recomputes the whole chain, an incident of scope "all" notifies everyone): that time would
 * then measure the length of the run, not the input, and show up as -timeout hangs no input causes. */
#define RESET_EVERY 5000

enum who { AS_APP, AS_OPERATOR, AS_AUDITOR, AS_ADMIN, AS_SUBJECT, AS_NONE, AS_COUNT };

static const char *const who_names[AS_COUNT] = {"app", "operator", "auditor", "admin", "subject", "none"};

static struct {
	bool ready;
	unsigned long runs;
	char dir[256];
	struct privd_config cfg;
	struct privd_service *svc;
	struct privd_http *http;
	unsigned port;
	char key[AS_COUNT][KEY_MAX]; /* bearer keys; [AS_SUBJECT] the portal cookie's value */
	char subject[33], other[33], request[33], incident[33], recipient[33], victim_key[33], visitor[33], webhook[33];
	char *resp;
} g;

/* ---- a minimal client ---- */

/* Sends len bytes of req on a fresh connection and reads the answer until the server closes it, into g.resp
 * (NUL-terminated). Returns the status, or aborts when there is no complete answer within 5 s. */
static unsigned exchange(const char *req, size_t len, size_t *resp_len)
{
	struct sockaddr_in sa = {0};
	struct timeval tv = {5, 0};
	size_t off = 0, got = 0;
	unsigned status = 0;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		abort();
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)g.port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		if (errno != EINTR) {
			fprintf(stderr, "fuzz_http: cannot connect: %s\n", strerror(errno));
			abort();
		}
	}
	while (off < len) {
		ssize_t n = send(fd, req + off, len - off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* the server may answer (413) and close before the body is sent: read what it said */
		off += (size_t)n;
	}
	for (;;) {
		ssize_t n = recv(fd, g.resp + got, RESP_MAX - 1 - got, 0);

		if (n == 0)
			break;
		if (n < 0 && errno == EINTR)
			continue; /* libFuzzer's timer (-timeout) */
		if (n < 0 && errno == ECONNRESET && got > 0)
			break; /* answered, then closed with part of the body unread */
		if (n < 0) {
			fprintf(stderr, "fuzz_http: no complete answer (%s) after %zu bytes\n", strerror(errno), got);
			abort();
		}
		got += (size_t)n;
		if (got == RESP_MAX - 1)
			break;
	}
	close(fd);
	g.resp[got] = '\0';
	if (sscanf(g.resp, "HTTP/1.1 %3u ", &status) != 1) {
		fprintf(stderr, "fuzz_http: no status line in %zu bytes\n", got);
		abort();
	}
	if (resp_len != NULL)
		*resp_len = got;
	return status;
}

/* The body of the answer in g.resp (after the blank line). */
static const char *resp_body(void)
{
	const char *b = strstr(g.resp, "\r\n\r\n");

	return b != NULL ? b + 4 : "";
}

/* The value of header name in g.resp, copied into out (at most outlen - 1 bytes); false when absent. */
static bool resp_header(const char *name, char *out, size_t outlen)
{
	const char *end = strstr(g.resp, "\r\n\r\n");
	size_t nl = strlen(name);

	for (const char *p = strstr(g.resp, "\r\n"); p != NULL && p < end; p = strstr(p + 2, "\r\n")) {
		if (strncasecmp(p + 2, name, nl) == 0 && p[2 + nl] == ':') {
			const char *v = p + 3 + nl, *e;

			while (*v == ' ')
				v++;
			e = strstr(v, "\r\n");
			snprintf(out, outlen, "%.*s", (int)(e - v), v);
			return true;
		}
	}
	return false;
}

/* Copies the 32 hex characters after "\"<member>\":\"" in the answer's body into out; aborts when missing. */
static void json_id(const char *member, char out[33])
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\":\"", member);
	p = strstr(resp_body(), pat);
	if (p == NULL || strlen(p + strlen(pat)) < 32) {
		fprintf(stderr, "fuzz_http: set-up answer without %s: %.300s\n", member, g.resp);
		abort();
	}
	memcpy(out, p + strlen(pat), 32);
	out[32] = '\0';
}

/* A set-up call that must answer want. */
static void call(enum who as, const char *method, const char *target, const char *extra, const char *body,
                 unsigned want)
{
	static char req[8192];
	char auth[KEY_MAX + 64] = "";
	int n;

	if (as == AS_SUBJECT)
		snprintf(auth, sizeof(auth), "Cookie: " PRIVD_HTTP_PORTAL_COOKIE "=%s\r\n", g.key[AS_SUBJECT]);
	else if (as != AS_NONE)
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s\r\n", g.key[as]);
	n = snprintf(req, sizeof(req),
	             "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n%s%sContent-Type: application/json\r\n"
	             "Content-Length: %zu\r\n\r\n%s",
	             method, target, auth, extra != NULL ? extra : "", strlen(body), body);
	if (n < 0 || (size_t)n >= sizeof(req) || exchange(req, (size_t)n, NULL) != want) {
		fprintf(stderr, "fuzz_http: set-up %s %s: %.400s\n", method, target, g.resp);
		abort();
	}
}

/* ---- set-up and tear-down ---- */

/* Stops the server and the service and removes their data. */
static void stop(void)
{
	char cmd[300];

	privd_http_stop(g.http);
	privd_service_close(g.svc);
	g.http = NULL;
	g.svc = NULL;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g.dir);
	if (system(cmd) != 0)
		fprintf(stderr, "fuzz_http: cannot remove %s\n", g.dir);
}

static void teardown(void)
{
	stop();
	free(g.resp);
}

static void make_dir(void)
{
	const char *tmp = getenv("TMPDIR");
	struct stat st;

	if ((tmp == NULL || tmp[0] == '\0') && stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) &&
	    access("/dev/shm", W_OK) == 0)
		tmp = "/dev/shm"; /* fsync is free there: the writer's commits do not bound the rate */
	if (tmp == NULL || tmp[0] == '\0')
		tmp = "/tmp";
	snprintf(g.dir, sizeof(g.dir), "%s/fuzz-http-XXXXXX", tmp);
	if (mkdtemp(g.dir) == NULL)
		abort();
	snprintf(g.dir + strlen(g.dir), sizeof(g.dir) - strlen(g.dir), "/data");
}

static void start(void)
{
	struct privd_http_opts o = {0};
	struct privd_err err = {0};

	privd_log_set_level(PRIVD_LOG_ERROR);
	make_dir();
	privd_config_defaults(&g.cfg);
	snprintf(g.cfg.data_dir, sizeof(g.cfg.data_dir), "%s", g.dir);
	g.cfg.background = false;
	g.cfg.webhooks_allow_http = true; /* a receiver on the loopback host; no worker runs to send to it */
	if (privd_service_init(&g.cfg, g.key[AS_ADMIN], KEY_MAX, &err) != PRIVD_OK ||
	    privd_service_open(&g.cfg, &g.svc, &err) != PRIVD_OK) {
		fprintf(stderr, "fuzz_http: cannot open the service in %s: %s\n", g.dir, err.msg);
		abort();
	}
	o.listen = "127.0.0.1:0";
	o.threads = 2;
	o.cookie_origins = "https://shop.example";
	if (privd_http_start(g.svc, &o, &g.http, &err) != PRIVD_OK) {
		fprintf(stderr, "fuzz_http: cannot start the server: %s\n", err.msg);
		abort();
	}
	g.port = privd_http_port(g.http);
	g.dir[strlen(g.dir) - 5] = '\0'; /* remove the parent at exit */
	if (g.resp == NULL) {
		g.resp = malloc(RESP_MAX);
		if (g.resp == NULL)
			abort();
		atexit(teardown);
	}
}

static void make_key(enum who as)
{
	char body[96];
	const char *k;

	snprintf(body, sizeof(body), "{\"name\":\"fuzz %s\",\"role\":\"%s\"}", who_names[as], who_names[as]);
	call(AS_ADMIN, "POST", "/v1/api-keys", NULL, body, 201);
	k = strstr(resp_body(), "\"key\":\"");
	if (k == NULL || strcspn(k + 7, "\"") >= KEY_MAX)
		abort();
	snprintf(g.key[as], KEY_MAX, "%.*s", (int)strcspn(k + 7, "\""), k + 7);
}

static void register_subject(const char *email, const char *phone, char out[33])
{
	char body[1024];

	snprintf(body, sizeof(body),
	         "{\"name\":\"Иван Петров\",\"email\":\"%s\",\"phone\":\"%s\",\"ip\":\"203.0.113.7\","
	         "\"birth_date\":\"1990-05-17\",\"residence_country\":\"RU\",\"policy_version\":\"1\","
	         "\"consents\":{\"processing\":true,\"third_party_transfer\":true,\"cookies\":[\"analytics\"],"
	         "\"texts\":{\"processing\":\"1\",\"third_party_transfer\":\"1\"}}}",
	         email, phone);
	call(AS_APP, "POST", "/v1/subjects", NULL, body, 201);
	json_id("id", out);
}

static void open_portal(void)
{
	char cookie[KEY_MAX + 32], target[256];
	const char *t;

	snprintf(target, sizeof(target), "/v1/subjects/%s/portal-sessions", g.subject);
	call(AS_APP, "POST", target, NULL, "{}", 201);
	t = strstr(resp_body(), "/portal/open?token=");
	if (t == NULL)
		abort();
	snprintf(target, sizeof(target), "%.*s", (int)strcspn(t, "\""), t);
	call(AS_NONE, "GET", target, NULL, "", 303);
	if (!resp_header("Set-Cookie", cookie, sizeof(cookie)) ||
	    strncmp(cookie, PRIVD_HTTP_PORTAL_COOKIE "=", sizeof(PRIVD_HTTP_PORTAL_COOKIE)) != 0)
		abort();
	snprintf(g.key[AS_SUBJECT], KEY_MAX, "%.*s", (int)strcspn(cookie + sizeof(PRIVD_HTTP_PORTAL_COOKIE), ";"),
	         cookie + sizeof(PRIVD_HTTP_PORTAL_COOKIE));
}

/* The things the placeholders name, made once over HTTP as a client would make them. */
static void populate(void)
{
	char target[256];

	make_key(AS_APP);
	make_key(AS_OPERATOR);
	make_key(AS_AUDITOR);
	call(AS_ADMIN, "POST", "/v1/api-keys", NULL, "{\"name\":\"victim\",\"role\":\"app\"}", 201);
	json_id("id", g.victim_key);
	register_subject("ivan@example.ru", "+79161234567", g.subject);
	register_subject("olga@example.ru", "+79161234568", g.other);
	snprintf(target, sizeof(target), "/v1/subjects/%s/requests", g.subject);
	call(AS_APP, "POST", target, NULL, "{\"type\":\"access\"}", 201);
	json_id("id", g.request);
	call(AS_OPERATOR, "POST", "/v1/incidents", NULL,
	     "{\"detected_at\":\"2026-11-26T09:10:00Z\",\"description\":\"A backup was readable.\","
	     "\"data_categories\":[\"name\",\"email\"],\"scope\":{\"all\":true}}",
	     201);
	json_id("id", g.incident);
	call(
	    AS_ADMIN, "POST", "/v1/recipients", NULL,
	    "{\"name\":\"ООО «Доставка»\",\"purpose\":\"Delivery of orders\",\"country\":\"RU\","
	    "\"endpoint\":\"http://127.0.0.1:9/privd\",\"public_key\":\"BaZWCBbCYGtUOUUlhkyxse/xsnI7QikGBS4P2kyCfhs=\","
	    "\"confidentiality_ref\":\"NDA-2026/17\",\"fields_allowed\":[\"name\",\"email\"]}",
	    201);
	json_id("id", g.recipient);
	snprintf(g.visitor, sizeof(g.visitor), "0f3c0f3c0f3c0f3c0f3c0f3c0f3c0f3c");
	call(AS_NONE, "POST", "/v1/cookie-consents", "Origin: https://shop.example\r\n",
	     "{\"visitor_id\":\"0f3c0f3c0f3c0f3c0f3c0f3c0f3c0f3c\",\"categories\":{\"preferences\":false,"
	     "\"analytics\":true,\"marketing\":false},\"policy_version\":\"1\",\"gpc\":false}",
	     201);
	call(AS_ADMIN, "POST", "/v1/webhooks", NULL,
	     "{\"url\":\"http://127.0.0.1:9/hook\",\"events\":[\"request.filed\"]}", 201);
	json_id("id", g.webhook);
	open_portal();
}

/* ---- one input ---- */

struct out {
	char *buf;
	size_t len;
};

static void put(struct out *o, const void *p, size_t n)
{
	if (o->len + n > REQ_MAX)
		n = REQ_MAX - o->len;
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* The placeholder at s (which starts with '{'), its value in *val and its length returned; 0 when none. */
static size_t placeholder(const char *s, size_t n, const char **val)
{
	static const char unknown[] = "00000000000000000000000000000000";
	const struct {
		const char *name;
		const char *value;
	} ph[] = {{"{subject}", g.subject},   {"{other}", g.other},         {"{request}", g.request},
	          {"{incident}", g.incident}, {"{recipient}", g.recipient}, {"{key}", g.victim_key},
	          {"{visitor}", g.visitor},   {"{webhook}", g.webhook},     {"{transfer}", unknown}};

	for (size_t i = 0; i < sizeof(ph) / sizeof(ph[0]); i++) {
		size_t l = strlen(ph[i].name);

		if (n >= l && memcmp(s, ph[i].name, l) == 0) {
			*val = ph[i].value;
			return l;
		}
	}
	return 0;
}

/* n bytes of s onto o with its placeholders replaced (headers and body: no encoding). */
static void put_subst(struct out *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		const char *val = NULL;
		size_t l = s[i] == '{' ? placeholder(s + i, n - i, &val) : 0;

		if (l > 0) {
			puts_(o, val);
			i += l;
		} else {
			put(o, &s[i++], 1);
		}
	}
}

/* TARGET with its placeholders replaced: the raw form (what the router will see, up to '?') into path, and the
 * %-encoded form onto o. */
static void put_target(struct out *o, const char *t, size_t n, char *path, size_t pathlen)
{
	size_t p = 0;
	bool query = false;

	for (size_t i = 0; i < n;) {
		const char *val = NULL;
		size_t l = t[i] == '{' ? placeholder(t + i, n - i, &val) : 0;
		unsigned char c = (unsigned char)t[i];

		if (l > 0) {
			puts_(o, val);
			for (const char *v = val; *v != '\0' && !query && p + 1 < pathlen; v++)
				path[p++] = *v;
			i += l;
			continue;
		}
		if (c == '?')
			query = true;
		if (!query && p + 1 < pathlen)
			path[p++] = (char)c;
		if (c <= 0x20 || c >= 0x7f || c == '#') {
			char esc[4];

			snprintf(esc, sizeof(esc), "%%%02X", c);
			puts_(o, esc);
		} else {
			put(o, &t[i], 1);
		}
		i++;
	}
	path[p] = '\0';
}

/* The caller a route allows first, in the order app, operator, admin, auditor, then the person's own session. */
static enum who first_allowed(const char *method, const char *path)
{
	static const struct {
		unsigned bit;
		enum who as;
	} order[] = {{PRIVD_ROLE_APP, AS_APP},
	             {PRIVD_ROLE_OPERATOR, AS_OPERATOR},
	             {PRIVD_ROLE_ADMIN, AS_ADMIN},
	             {PRIVD_ROLE_AUDITOR, AS_AUDITOR},
	             {PRIVD_ROLE_SUBJECT, AS_SUBJECT}};
	struct privd_http_req r;
	const struct privd_http_route *rt;

	memset(&r, 0, sizeof(r));
	r.url = path;
	r.method = privd_http_method_parse(method);
	if (privd_http_route_match(&r, NULL, 0) != 0)
		return AS_ADMIN;
	rt = privd_http_route_get(r.route);
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (rt->roles & order[i].bit)
			return order[i].as;
	return AS_NONE;
}

static bool framing_header(const char *line, size_t n)
{
	static const char *const own[] = {
	    "content-length", "transfer-encoding", "connection", "host", "authorization", "expect", "upgrade"};
	const char *c = memchr(line, ':', n);
	size_t colon = c != NULL ? (size_t)(c - line) : n;

	if (colon >= n || line[0] == ' ' || line[0] == '\t')
		return true; /* not a header, or a continuation of the one before (obsolete folding): dropped */
	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		if (colon == strlen(own[i]) && strncasecmp(line, own[i], colon) == 0)
			return true;
	return false;
}

/* Builds the request for the input into o; the method into method. */
static void build(const uint8_t *data, size_t size, struct out *o, char method[16])
{
	const char *in = (const char *)data, *end = in + size;
	const char *nl = memchr(in, '\n', size);
	const char *line_end = nl != NULL ? nl : end, *sp = memchr(in, ' ', (size_t)(line_end - in));
	char path[1024];
	struct out hdr = {malloc(REQ_MAX), 0};
	enum who as = AS_COUNT;
	size_t mlen = sp != NULL ? (size_t)(sp - in) : 0;
	char clen[48];

	if (hdr.buf == NULL)
		abort();
	if (mlen == 0 || mlen >= 16 || memchr(in, '\0', mlen) != NULL)
		snprintf(method, 16, "GET");
	else
		snprintf(method, 16, "%.*s", (int)mlen, in);
	for (char *c = method; *c != '\0'; c++)
		if (*c <= 0x20 || *c >= 0x7f)
			*c = 'X';
	puts_(o, method);
	puts_(o, " ");
	if (sp == NULL)
		sp = in - 1;
	put_target(o, sp + 1, (size_t)(line_end - sp - 1), path, sizeof(path));
	if (o->len == strlen(method) + 1 || o->buf[strlen(method) + 1] != '/') {
		/* the target must start with '/': a request line without one is another campaign's */
		o->len = strlen(method) + 1;
		puts_(o, "/");
		path[0] = '/', path[1] = '\0';
	}
	puts_(o, " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
	in = nl != NULL ? nl + 1 : end;
	while (in < end) {
		const char *e = memchr(in, '\n', (size_t)(end - in));
		size_t n = (size_t)((e != NULL ? e : end) - in);

		if (n > 0 && in[n - 1] == '\r')
			n--;
		if (n == 0) {
			in = e != NULL ? e + 1 : end;
			break;
		}
		if (n > 3 && strncasecmp(in, "As:", 3) == 0) {
			for (int k = 0; k < AS_COUNT; k++)
				if (n - 3 >= strlen(who_names[k]) &&
				    strncmp(in + n - strlen(who_names[k]), who_names[k], strlen(who_names[k])) == 0)
					as = (enum who)k;
		} else if (!framing_header(in, n) && memchr(in, '\0', n) == NULL) {
			put_subst(&hdr, in, n);
			puts_(&hdr, "\r\n");
		}
		in = e != NULL ? e + 1 : end;
	}
	if (as == AS_COUNT)
		as = first_allowed(method, path);
	if (as == AS_SUBJECT) {
		puts_(o, "Cookie: " PRIVD_HTTP_PORTAL_COOKIE "=");
		puts_(o, g.key[AS_SUBJECT]);
		puts_(o, "\r\n" PRIVD_HTTP_PORTAL_HEADER ": 1\r\n");
	} else if (as != AS_NONE) {
		puts_(o, "Authorization: Bearer ");
		puts_(o, g.key[as]);
		puts_(o, "\r\n");
	}
	put(o, hdr.buf, hdr.len);
	hdr.len = 0;
	put_subst(&hdr, in, (size_t)(end - in));
	snprintf(clen, sizeof(clen), "Content-Length: %zu\r\n\r\n", hdr.len);
	puts_(o, clen);
	put(o, hdr.buf, hdr.len);
	free(hdr.buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct out o = {NULL, 0};
	char method[16], ctype[128];
	unsigned status;

	if (g.ready && ++g.runs % RESET_EVERY == 0) {
		stop(); /* a fresh instance: see RESET_EVERY */
		g.ready = false;
	}
	if (!g.ready) {
		start();
		populate();
		g.ready = true;
	}
	if (size > REQ_MAX / 2)
		return 0;
	o.buf = malloc(REQ_MAX);
	if (o.buf == NULL)
		abort();
	build(data, size, &o, method);
	status = exchange(o.buf, o.len, NULL);
	if (getenv("FUZZ_HTTP_VERBOSE") != NULL) /* to see what a seed reaches */
		fprintf(stderr, "%.*s -> %.300s\n", (int)strcspn(o.buf, "\r"), o.buf, resp_body());
	if (status >= 500 && status != 503) {
		fprintf(stderr, "fuzz_http: %u for\n%.*s\nanswer:\n%.2000s\n", status, (int)o.len, o.buf, g.resp);
		abort();
	}
	if (status >= 400 && status < 500 && strcmp(method, "HEAD") != 0 &&
	    strstr(o.buf, " /v1/") == o.buf + strlen(method) &&
	    (!resp_header("Content-Type", ctype, sizeof(ctype)) || strcmp(ctype, "application/problem+json") != 0)) {
		fprintf(stderr, "fuzz_http: %u without problem+json for\n%.*s\nanswer:\n%.2000s\n", status, (int)o.len,
		        o.buf, g.resp);
		abort();
	}
	free(o.buf);
	return 0;
}
