/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * client.c - what privd believes about the client at the other end: its address, and whether it came over TLS.
 *
 * Behind a reverse proxy every connection comes from the proxy, and the client's address is in a header the proxy
 * sets, X-Forwarded-For or Forwarded ([http] forwarded_header). Anyone can write that header, so it is read only
 * on a connection from one of [http] trusted_proxies, and then only as far as the trusted hops go (core/proxy.h):
 * the address the cookie rate limit counts and the portal records cannot be chosen by the client. Every line of
 * the header counts, in the order received (a proxy may add a line rather than append to the last; the last 16 lines
 * are read, the ones the proxies wrote).
 */
#include "http_int.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "core/proxy.h"

struct lines {
	const char *name;
	const char *v[16];
	size_t n;
};

static enum MHD_Result collect(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct lines *l = cls;

	(void)kind;
	if (key != NULL && value != NULL && strcasecmp(key, l->name) == 0) {
		if (l->n == sizeof(l->v) / sizeof(l->v[0]))
			memmove(l->v, l->v + 1, sizeof(l->v) - sizeof(l->v[0])); /* keep the last lines */
		else
			l->n++;
		l->v[l->n - 1] = value;
	}
	return MHD_YES;
}

/* The header's lines joined by commas, malloc'd (the caller frees it); NULL when there is none or no memory. */
static char *joined(struct privd_http_req *r, const char *name)
{
	struct lines l = {.name = name};
	size_t total = 0, at = 0;
	char *out;

	MHD_get_connection_values(r->conn, MHD_HEADER_KIND, collect, &l);
	if (l.n == 0)
		return NULL;
	for (size_t i = 0; i < l.n; i++)
		total += strlen(l.v[i]) + 1;
	out = malloc(total);
	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < l.n; i++) {
		size_t len = strlen(l.v[i]);

		memcpy(out + at, l.v[i], len);
		at += len;
		out[at++] = ',';
	}
	out[at - 1] = '\0';
	return out;
}

bool privd_http_client_addr(struct privd_http_req *r, uint8_t out[16])
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci != NULL ? ci->client_addr : NULL;
	uint8_t peer[16];
	char *header;

	memset(out, 0, 16);
	if (sa == NULL)
		return false;
	if (sa->sa_family == AF_INET) {
		memcpy(peer, mapped, sizeof(mapped));
		memcpy(peer + 12, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		memcpy(peer, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
	} else {
		return false;
	}
	if (!privd_cidrs_match(&r->h->trusted, peer)) {
		memcpy(out, peer, 16);
		return true;
	}
	header = joined(r, r->h->forwarded_rfc7239 ? "Forwarded" : "X-Forwarded-For");
	privd_forwarded_client(peer, &r->h->trusted, header,
	                       r->h->forwarded_rfc7239 ? PRIVD_FORWARDED_RFC7239 : PRIVD_FORWARDED_XFF, out);
	free(header);
	return true;
}

bool privd_http_client_text(struct privd_http_req *r, char *out, size_t len)
{
	uint8_t a[16];

	if (len > 0)
		out[0] = '\0';
	if (!privd_http_client_addr(r, a))
		return false;
	privd_ip_format(a, out, len);
	return out[0] != '\0';
}

bool privd_http_client_key(struct privd_http_req *r, uint8_t out[16])
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	if (!privd_http_client_addr(r, out))
		return false;
	/* an IPv6 address counts by its /64, the block one subscriber usually holds; an IPv4 one whole */
	if (memcmp(out, mapped, sizeof(mapped)) != 0)
		memset(out + 8, 0, 8);
	return true;
}

bool privd_http_over_tls(struct privd_http_req *r)
{
	const char *proto;

	if (r->h->tls)
		return true;
	/* a proxy that terminated TLS says so; believed from anyone, since all it does is make a cookie stricter */
	proto = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-Forwarded-Proto");
	return proto != NULL && strcasecmp(proto, "https") == 0;
}
