/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * proxy.h - which client address to believe: the trusted proxies ([http] trusted_proxies, CIDRs of IPv4 and IPv6)
 * and the hops a proxy reports in X-Forwarded-For or Forwarded (RFC 7239).
 *
 * A forwarded header is text anyone can write: a client that reaches privd directly, or through a proxy that
 * appends to what the client sent, chooses every hop but the ones the proxies added. So a header is read only when
 * the connection comes from a trusted proxy, and then from the right: each hop a trusted proxy added is skipped,
 * and the first one that is not a trusted proxy is the client (the "rightmost untrusted hop"). A hop that is not an
 * address (unknown, an obfuscated name, garbage) ends the walk at the last trusted hop before it, which then
 * counts as the client: privd never believes a hop past one it cannot read. Addresses are 16 bytes, an IPv4 one as
 * IPv4-mapped IPv6 (::ffff:a.b.c.d), so one comparison serves both families. Pure functions: no I/O.
 */
#ifndef PRIVD_CORE_PROXY_H
#define PRIVD_CORE_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PRIVD_CIDRS_MAX 64 /* networks in a list */

struct privd_cidr {
	uint8_t addr[16]; /* the network, with the bits past the prefix zero */
	unsigned bits;    /* prefix length over the 16 bytes (an IPv4 /n is 96 + n) */
};

struct privd_cidrs {
	struct privd_cidr v[PRIVD_CIDRS_MAX];
	size_t n;
};

/* Parses one address (a.b.c.d or an IPv6 address, no brackets, no port) of n bytes of s into out (IPv4 mapped).
 * False when it is not one; out is then undefined. */
bool privd_ip_parse(const char *s, size_t n, uint8_t out[16]);

/* Writes addr as text (a.b.c.d for a mapped IPv4 address, RFC 5952 for IPv6) into out (46 bytes is enough).
 * Cannot fail with that much room. */
void privd_ip_format(const uint8_t addr[16], char *out, size_t len);

/* Parses list: networks "address/prefix" or single addresses (/32, /128) separated by commas and/or spaces,
 * "" for none. Bits set past a prefix are refused (10.0.0.1/8 is a typo for something). True with the networks in
 * *out; false with *bad (from 1) the position of the first entry at fault, its text at *bad_at for *bad_len
 * bytes, and *out empty. */
bool privd_cidrs_parse(const char *list, struct privd_cidrs *out, size_t *bad, const char **bad_at, size_t *bad_len);

/* True when addr lies in one of l's networks. Cannot fail. */
bool privd_cidrs_match(const struct privd_cidrs *l, const uint8_t addr[16]);

enum privd_forwarded_syntax {
	PRIVD_FORWARDED_XFF,    /* X-Forwarded-For: addresses separated by commas */
	PRIVD_FORWARDED_RFC7239 /* Forwarded: elements separated by commas, each with for=<node> among its pairs */
};

/* The client of a connection from peer: peer itself unless it is in trusted, otherwise the rightmost hop of
 * header (the values of every such header line, joined by commas in the order received; NULL or "" for none)
 * that is not in trusted, by the rule above. Writes it into client. Cannot fail. */
void privd_forwarded_client(const uint8_t peer[16], const struct privd_cidrs *trusted, const char *header,
                            enum privd_forwarded_syntax syntax, uint8_t client[16]);

#endif
