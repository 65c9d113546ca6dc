/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * proxy.c - the trusted proxies' networks and the client address they report (proxy.h says the rule and why).
 */
#include "proxy.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const uint8_t mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool privd_ip_parse(const char *s, size_t n, uint8_t out[16])
{
	char buf[INET6_ADDRSTRLEN];
	struct in_addr v4;

	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (memchr(buf, '\0', n) != NULL)
		return false;
	if (inet_pton(AF_INET, buf, &v4) == 1) {
		memcpy(out, mapped_prefix, sizeof(mapped_prefix));
		memcpy(out + 12, &v4, 4);
		return true;
	}
	return inet_pton(AF_INET6, buf, out) == 1;
}

void privd_ip_format(const uint8_t addr[16], char *out, size_t len)
{
	if (len == 0)
		return;
	out[0] = '\0';
	if (memcmp(addr, mapped_prefix, sizeof(mapped_prefix)) == 0)
		inet_ntop(AF_INET, addr + 12, out, (socklen_t)len);
	else
		inet_ntop(AF_INET6, addr, out, (socklen_t)len);
}

/* One entry "address[/bits]" of n bytes into c; false when it is not a network written so. */
static bool cidr_parse(const char *s, size_t n, struct privd_cidr *c)
{
	const char *slash = memchr(s, '/', n);
	size_t alen = slash != NULL ? (size_t)(slash - s) : n;
	bool v4 = memchr(s, ':', alen) == NULL;
	unsigned max = v4 ? 32 : 128, bits = max;

	if (!privd_ip_parse(s, alen, c->addr))
		return false;
	if (slash != NULL) {
		size_t dlen = n - alen - 1;

		if (dlen == 0 || dlen > 3)
			return false;
		bits = 0;
		for (size_t i = 0; i < dlen; i++) {
			if (slash[1 + i] < '0' || slash[1 + i] > '9')
				return false;
			bits = bits * 10 + (unsigned)(slash[1 + i] - '0');
		}
		if (bits > max || (dlen > 1 && slash[1] == '0'))
			return false;
	}
	c->bits = v4 ? 96 + bits : bits;
	for (unsigned b = c->bits; b < 128; b++)
		if (c->addr[b / 8] & (0x80u >> (b % 8)))
			return false; /* a bit set past the prefix */
	return true;
}

bool privd_cidrs_parse(const char *list, struct privd_cidrs *out, size_t *bad, const char **bad_at, size_t *bad_len)
{
	const char *s = list != NULL ? list : "";
	size_t pos = 0;

	out->n = 0;
	*bad = 0;
	*bad_at = NULL;
	*bad_len = 0;
	for (;;) {
		size_t n;

		s += strspn(s, ", \t");
		if (*s == '\0')
			return true;
		n = strcspn(s, ", \t");
		pos++;
		if (out->n == PRIVD_CIDRS_MAX || !cidr_parse(s, n, &out->v[out->n])) {
			*bad = pos;
			*bad_at = s;
			*bad_len = n;
			out->n = 0;
			return false;
		}
		out->n++;
		s += n;
	}
}

bool privd_cidrs_match(const struct privd_cidrs *l, const uint8_t addr[16])
{
	for (size_t i = 0; l != NULL && i < l->n; i++) {
		const struct privd_cidr *c = &l->v[i];
		unsigned whole = c->bits / 8, rest = c->bits % 8;

		if (memcmp(c->addr, addr, whole) != 0)
			continue;
		if (rest == 0 || ((c->addr[whole] ^ addr[whole]) & (uint8_t)(0xffu << (8 - rest))) == 0)
			return true;
	}
	return false;
}

/* s[0..n) without the blanks around it. */
static void trim(const char **s, size_t *n)
{
	while (*n > 0 && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
		(*n)--;
}

/* A node as a proxy writes it: "[v6]" or "[v6]:port", "a.b.c.d" or "a.b.c.d:port", or a bare IPv6 address. */
static bool node_parse(const char *s, size_t n, uint8_t out[16])
{
	const char *colon;

	trim(&s, &n);
	if (n > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', n);

		if (close == NULL || (close + 1 < s + n && close[1] != ':'))
			return false;
		return privd_ip_parse(s + 1, (size_t)(close - s - 1), out);
	}
	colon = memchr(s, ':', n);
	if (colon != NULL && memchr(colon + 1, ':', n - (size_t)(colon - s) - 1) == NULL)
		n = (size_t)(colon - s); /* a.b.c.d:port */
	return privd_ip_parse(s, n, out);
}

/* The for= node of one Forwarded element (pairs separated by ';'), quotes removed. */
static bool element_for(const char *s, size_t n, uint8_t out[16])
{
	while (n > 0) {
		const char *semi = memchr(s, ';', n);
		size_t len = semi != NULL ? (size_t)(semi - s) : n;
		const char *p = s;
		size_t pn = len;

		trim(&p, &pn);
		if (pn > 4 && strncasecmp(p, "for=", 4) == 0) {
			p += 4;
			pn -= 4;
			if (pn >= 2 && p[0] == '"' && p[pn - 1] == '"') {
				p++;
				pn -= 2;
			}
			return node_parse(p, pn, out);
		}
		if (semi == NULL)
			break;
		s = semi + 1;
		n -= len + 1;
	}
	return false;
}

void privd_forwarded_client(const uint8_t peer[16], const struct privd_cidrs *trusted, const char *header,
                            enum privd_forwarded_syntax syntax, uint8_t client[16])
{
	size_t end = header != NULL ? strlen(header) : 0;
	uint8_t hop[16];

	memcpy(client, peer, 16);
	if (!privd_cidrs_match(trusted, peer))
		return;
	while (end > 0) {
		size_t start = end;

		while (start > 0 && header[start - 1] != ',')
			start--;
		if (!(syntax == PRIVD_FORWARDED_XFF ? node_parse(header + start, end - start, hop)
		                                    : element_for(header + start, end - start, hop)))
			return; /* a hop that cannot be read: the last trusted one is all that is known */
		memcpy(client, hop, 16);
		if (!privd_cidrs_match(trusted, hop) || start == 0)
			return;
		end = start - 1;
	}
}
