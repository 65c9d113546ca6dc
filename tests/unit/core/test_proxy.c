/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_proxy.c - [http] trusted_proxies and the client address a forwarded header is believed for.
 *
 * What an attacker tries: writing X-Forwarded-For or Forwarded itself, directly or through a proxy that appends to
 * it; a list entry an operator mistyped must be refused, never read as a wider network than meant.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/proxy.h"

static void ip(const char *s, uint8_t out[16])
{
	assert_true(privd_ip_parse(s, strlen(s), out));
}

static void parse_ok(const char *list, struct privd_cidrs *l)
{
	size_t bad, bad_len;
	const char *bad_at;

	assert_true(privd_cidrs_parse(list, l, &bad, &bad_at, &bad_len));
	assert_int_equal(bad, 0);
}

static void test_addresses(void **state)
{
	uint8_t a[16];
	char text[64];

	(void)state;
	ip("192.0.2.7", a);
	privd_ip_format(a, text, sizeof(text));
	assert_string_equal(text, "192.0.2.7");
	ip("2001:DB8::1", a);
	privd_ip_format(a, text, sizeof(text));
	assert_string_equal(text, "2001:db8::1");
	assert_false(privd_ip_parse("", 0, a));
	assert_false(privd_ip_parse("192.0.2", 7, a));
	assert_false(privd_ip_parse("192.0.2.256", 11, a));
	assert_false(privd_ip_parse("fe80::1%eth0", 12, a));
	assert_false(privd_ip_parse("192.0.2.7\0junk", 14, a));
	assert_false(privd_ip_parse("example.ru", 10, a));
}

static void test_parse(void **state)
{
	struct privd_cidrs l;
	size_t bad, bad_len;
	const char *bad_at;

	(void)state;
	parse_ok("", &l);
	assert_int_equal(l.n, 0);
	parse_ok("10.0.0.0/8, 192.168.1.7 ,2001:db8::/32 ::1", &l);
	assert_int_equal(l.n, 4);
	assert_int_equal(l.v[0].bits, 96 + 8);
	assert_int_equal(l.v[1].bits, 128);
	assert_int_equal(l.v[2].bits, 32);
	assert_int_equal(l.v[3].bits, 128);
	parse_ok("0.0.0.0/0,::/0", &l);
	assert_int_equal(l.n, 2);

	/* each fault names the entry, from 1 */
	static const struct {
		const char *list, *entry;
		size_t at;
	} bads[] = {
	    {"10.0.0.0/33", "10.0.0.0/33", 1},       {"10.0.0.0/8, 10.0.0.1/8", "10.0.0.1/8", 2},
	    {"2001:db8::/129", "2001:db8::/129", 1}, {"::1, proxy.example.ru", "proxy.example.ru", 2},
	    {"10.0.0.0/", "10.0.0.0/", 1},           {"10.0.0.0/08", "10.0.0.0/08", 1},
	    {"10.0.0.0/-1", "10.0.0.0/-1", 1},       {"10.0.0.0/8;", "10.0.0.0/8;", 1},
	    {"2001:db8::1/64", "2001:db8::1/64", 1}, {"/8", "/8", 1},
	};
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		assert_false(privd_cidrs_parse(bads[i].list, &l, &bad, &bad_at, &bad_len));
		assert_int_equal(bad, bads[i].at);
		assert_int_equal(bad_len, strlen(bads[i].entry));
		assert_memory_equal(bad_at, bads[i].entry, bad_len);
		assert_int_equal(l.n, 0);
	}
}

static void test_too_many(void **state)
{
	struct privd_cidrs l;
	char list[PRIVD_CIDRS_MAX * 16 + 32] = "";
	size_t bad, bad_len;
	const char *bad_at;

	(void)state;
	for (int i = 0; i <= PRIVD_CIDRS_MAX; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "10.0.%d.0/24,", i);
	assert_false(privd_cidrs_parse(list, &l, &bad, &bad_at, &bad_len));
	assert_int_equal(bad, PRIVD_CIDRS_MAX + 1);
}

static void test_match(void **state)
{
	struct privd_cidrs l;
	uint8_t a[16];

	(void)state;
	parse_ok("10.0.0.0/8, 192.168.1.7, 2001:db8:1::/48, 172.16.0.0/12", &l);
	ip("10.255.0.1", a);
	assert_true(privd_cidrs_match(&l, a));
	ip("11.0.0.1", a);
	assert_false(privd_cidrs_match(&l, a));
	ip("192.168.1.7", a);
	assert_true(privd_cidrs_match(&l, a));
	ip("192.168.1.8", a);
	assert_false(privd_cidrs_match(&l, a));
	ip("172.31.255.255", a);
	assert_true(privd_cidrs_match(&l, a));
	ip("172.32.0.0", a);
	assert_false(privd_cidrs_match(&l, a));
	ip("2001:db8:1:ffff::9", a);
	assert_true(privd_cidrs_match(&l, a));
	ip("2001:db8:2::9", a);
	assert_false(privd_cidrs_match(&l, a));
	/* an IPv4 network never matches an IPv6 address that merely shares its bytes */
	ip("::a00:1", a);
	assert_false(privd_cidrs_match(&l, a));
	/* nothing trusted: nothing matches */
	parse_ok("", &l);
	ip("10.0.0.1", a);
	assert_false(privd_cidrs_match(&l, a));
	parse_ok("::/0", &l);
	assert_true(privd_cidrs_match(&l, a));
}

static void client_is(const char *trusted, const char *peer, const char *header, enum privd_forwarded_syntax syntax,
                      const char *want)
{
	struct privd_cidrs l;
	uint8_t p[16], c[16];
	char text[64];

	parse_ok(trusted, &l);
	ip(peer, p);
	privd_forwarded_client(p, &l, header, syntax, c);
	privd_ip_format(c, text, sizeof(text));
	assert_string_equal(text, want);
}

static void test_xff(void **state)
{
	(void)state;
	/* from a peer not trusted, the header is not read at all */
	client_is("", "203.0.113.9", "198.51.100.1", PRIVD_FORWARDED_XFF, "203.0.113.9");
	client_is("10.0.0.0/8", "203.0.113.9", "198.51.100.1", PRIVD_FORWARDED_XFF, "203.0.113.9");
	/* from a trusted proxy: its last hop */
	client_is("10.0.0.0/8", "10.0.0.2", "198.51.100.1", PRIVD_FORWARDED_XFF, "198.51.100.1");
	/* what the client wrote itself, left of what the proxy appended, is never believed */
	client_is("10.0.0.0/8", "10.0.0.2", "1.2.3.4, 198.51.100.1", PRIVD_FORWARDED_XFF, "198.51.100.1");
	/* a chain of trusted proxies is walked to the first hop outside it */
	client_is("10.0.0.0/8", "10.0.0.2", "1.2.3.4, 198.51.100.1, 10.0.0.3", PRIVD_FORWARDED_XFF, "198.51.100.1");
	/* all hops trusted: the leftmost */
	client_is("10.0.0.0/8", "10.0.0.2", "10.0.0.4,10.0.0.3", PRIVD_FORWARDED_XFF, "10.0.0.4");
	/* a hop that is not an address stops the walk at the last trusted one */
	client_is("10.0.0.0/8", "10.0.0.2", "198.51.100.1, unknown", PRIVD_FORWARDED_XFF, "10.0.0.2");
	client_is("10.0.0.0/8", "10.0.0.2", "198.51.100.1, 10.0.0.3, ", PRIVD_FORWARDED_XFF, "10.0.0.2");
	client_is("10.0.0.0/8", "10.0.0.2", "198.51.100.1,,10.0.0.3", PRIVD_FORWARDED_XFF, "10.0.0.3");
	/* no header: the proxy itself */
	client_is("10.0.0.0/8", "10.0.0.2", NULL, PRIVD_FORWARDED_XFF, "10.0.0.2");
	client_is("10.0.0.0/8", "10.0.0.2", "", PRIVD_FORWARDED_XFF, "10.0.0.2");
	/* ports and IPv6, bracketed or not */
	client_is("10.0.0.0/8", "10.0.0.2", "198.51.100.1:4711", PRIVD_FORWARDED_XFF, "198.51.100.1");
	client_is("::1", "::1", "2001:db8::7", PRIVD_FORWARDED_XFF, "2001:db8::7");
	client_is("::1", "::1", "[2001:db8::7]:4711", PRIVD_FORWARDED_XFF, "2001:db8::7");
	client_is("::1", "::1", "[2001:db8::7]x", PRIVD_FORWARDED_XFF, "::1");
	/* an IPv4 proxy reached over IPv4, reporting an IPv6 client */
	client_is("127.0.0.1", "127.0.0.1", "2001:db8::7", PRIVD_FORWARDED_XFF, "2001:db8::7");
}

static void test_forwarded(void **state)
{
	(void)state;
	client_is("10.0.0.0/8", "10.0.0.2", "for=198.51.100.1", PRIVD_FORWARDED_RFC7239, "198.51.100.1");
	client_is("10.0.0.0/8", "10.0.0.2", "for=1.2.3.4, for=198.51.100.1;proto=https;by=10.0.0.2",
	          PRIVD_FORWARDED_RFC7239, "198.51.100.1");
	client_is("10.0.0.0/8", "10.0.0.2", "proto=https;For=\"[2001:db8:cafe::17]:4711\"", PRIVD_FORWARDED_RFC7239,
	          "2001:db8:cafe::17");
	client_is("10.0.0.0/8", "10.0.0.2", "for=198.51.100.1, for=10.0.0.3", PRIVD_FORWARDED_RFC7239, "198.51.100.1");
	client_is("10.0.0.0/8", "10.0.0.2", "for=198.51.100.1:80", PRIVD_FORWARDED_RFC7239, "198.51.100.1");
	/* obfuscated, unknown, or no for= at all: nothing past the proxy is known */
	client_is("10.0.0.0/8", "10.0.0.2", "for=_hidden", PRIVD_FORWARDED_RFC7239, "10.0.0.2");
	client_is("10.0.0.0/8", "10.0.0.2", "for=unknown", PRIVD_FORWARDED_RFC7239, "10.0.0.2");
	client_is("10.0.0.0/8", "10.0.0.2", "proto=https", PRIVD_FORWARDED_RFC7239, "10.0.0.2");
	/* X-Forwarded-For's syntax is not Forwarded's */
	client_is("10.0.0.0/8", "10.0.0.2", "198.51.100.1", PRIVD_FORWARDED_RFC7239, "10.0.0.2");
	client_is("10.0.0.0/8", "10.0.0.2", "for=198.51.100.1", PRIVD_FORWARDED_XFF, "10.0.0.2");
	/* untrusted peer */
	client_is("10.0.0.0/8", "192.0.2.1", "for=198.51.100.1", PRIVD_FORWARDED_RFC7239, "192.0.2.1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_addresses), cmocka_unit_test(test_parse), cmocka_unit_test(test_too_many),
	    cmocka_unit_test(test_match),     cmocka_unit_test(test_xff),   cmocka_unit_test(test_forwarded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
