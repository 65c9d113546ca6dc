/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_mail.c - an e-mail's bytes: the headers a receiving system checks, RFC 2047 words that split only between
 * whole UTF-8 characters and stay within 75 characters, base64 parts in lines of 76, CRLF everywhere, and the
 * sender configured as "addr" or "Name <addr>".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "notify/mail.h"

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Decodes base64 (no white space) into out; returns the length. */
static size_t unb64(const char *s, size_t n, unsigned char *out)
{
	size_t o = 0;
	unsigned v = 0;
	int bits = 0;

	for (size_t i = 0; i < n && s[i] != '='; i++) {
		const char *p = strchr(b64, s[i]);

		assert_non_null(p);
		v = (v << 6) | (unsigned)(p - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(v >> bits);
		}
	}
	return o;
}

/* Decodes a folded run of encoded words back into text. */
static void unwords(const char *s, char *out)
{
	size_t o = 0;

	while ((s = strstr(s, "=?UTF-8?B?")) != NULL) {
		const char *end = strstr(s + 10, "?=");

		assert_non_null(end);
		assert_true(end + 2 - s <= 75);
		o += unb64(s + 10, (size_t)(end - s - 10), (unsigned char *)out + o);
		s = end + 2;
	}
	out[o] = '\0';
}

static void test_words(void **state)
{
	const char *subject = "Ваш запрос № 0123456789abcdef0123456789abcdef получен / Your request no. "
	                      "0123456789abcdef0123456789abcdef has been received";
	char out[1024], back[512];
	size_t need;

	(void)state;
	need = privd_mail_encode_words(subject, NULL, 0);
	assert_true(need < sizeof(out));
	assert_int_equal(privd_mail_encode_words(subject, out, sizeof(out)), need);
	assert_int_equal(strlen(out), need);
	assert_non_null(strstr(out, "\r\n "));
	unwords(out, back);
	assert_string_equal(back, subject);
	/* every word decodes to whole characters: no word ends inside a multi-byte sequence */
	for (const char *w = out; (w = strstr(w, "=?UTF-8?B?")) != NULL; w += 10) {
		unsigned char one[64];
		const char *end = strstr(w + 10, "?=");
		size_t n = unb64(w + 10, (size_t)(end - w - 10), one);

		assert_true(n > 0);
		assert_true((one[0] & 0xC0) != 0x80);
		assert_true((one[n - 1] & 0x80) == 0 || (one[n - 1] & 0xC0) != 0xC0);
	}
	assert_int_equal(privd_mail_encode_words("", out, sizeof(out)), 0);
	assert_string_equal(out, "");
	/* cut to fit, still NUL-terminated */
	assert_int_equal(privd_mail_encode_words(subject, out, 20), need);
	assert_true(strlen(out) < 20);
}

static void test_build(void **state)
{
	struct privd_mail m = {
	    .from_name = "ООО «Ромашка»",
	    .from_addr = "privacy@operator.example",
	    .to = "anna@example.org",
	    .subject = "Ваш запрос получен",
	    .text = "Ваш запрос получен.\n",
	    .html = "<p>Ваш запрос получен.</p>\n",
	    .message_id = "0123456789abcdef0123456789abcdef@operator.example",
	    .date_ms = 1751364000000LL, /* 2025-07-01T10:00:00Z, a Tuesday */
	};
	char *msg = NULL, *body, back[256];
	size_t len = 0;

	(void)state;
	assert_int_equal(privd_mail_build(&m, &msg, &len, NULL), PRIVD_OK);
	assert_int_equal(strlen(msg), len);
	assert_true(strncmp(msg, "From: =?UTF-8?B?", 16) == 0);
	assert_non_null(
	    strstr(msg, "?=\r\n <privacy@operator.example>\r\nTo: <anna@example.org>\r\nSubject: =?UTF-8?B?"));
	assert_non_null(strstr(msg, "\r\nDate: Tue, 01 Jul 2025 10:00:00 +0000\r\n"));
	assert_non_null(strstr(msg, "\r\nMessage-ID: <0123456789abcdef0123456789abcdef@operator.example>\r\n"));
	assert_non_null(strstr(msg, "\r\nMIME-Version: 1.0\r\n"));
	assert_non_null(strstr(msg, "Content-Type: multipart/alternative;\r\n boundary=\""));
	assert_non_null(strstr(msg, "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64"));
	assert_non_null(strstr(msg, "Content-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: base64"));
	/* the subject decodes back */
	unwords(strstr(msg, "Subject: ") + 9, back);
	assert_true(strncmp(back, m.subject, strlen(m.subject)) == 0);
	/* CRLF only, no line over 78, no line starting with a dot */
	for (const char *l = msg; *l != '\0';) {
		const char *e = strstr(l, "\r\n");

		assert_non_null(e);
		assert_true(e - l <= 78);
		assert_true(*l != '.');
		assert_null(memchr(l, '\n', (size_t)(e - l)));
		l = e + 2;
	}
	/* the text part decodes back */
	body = strstr(msg, "Content-Transfer-Encoding: base64\r\n\r\n") + 37;
	{
		unsigned char t[256];
		size_t n = unb64(body, strcspn(body, "\r"), t);

		t[n] = '\0';
		assert_string_equal((char *)t, m.text);
	}
	assert_non_null(strstr(msg, "--\r\n"));
	free(msg);
}

static void test_refused(void **state)
{
	struct privd_mail m = {.from_addr = "a@b.example",
	                       .to = "x@y.example",
	                       .subject = "s",
	                       .text = "t",
	                       .html = "h",
	                       .message_id = "id@b.example"};
	char *msg = (char *)"x";
	size_t len = 1;

	(void)state;
	m.to = "x@y.example>\r\nBcc: <z@w.example";
	assert_int_equal(privd_mail_build(&m, &msg, &len, NULL), PRIVD_ERR_INVALID);
	assert_null(msg);
	m.to = "x@y.example";
	m.subject = "one\r\nBcc: z@w.example";
	assert_int_equal(privd_mail_build(&m, &msg, &len, NULL), PRIVD_ERR_INVALID);
	m.subject = "s";
	m.message_id = "";
	assert_int_equal(privd_mail_build(&m, &msg, &len, NULL), PRIVD_ERR_INVALID);
}

static void test_split_from(void **state)
{
	char name[64], addr[PRIVD_MAIL_ADDR_MAX + 1];

	(void)state;
	assert_int_equal(privd_mail_split_from("privacy@operator.example", name, sizeof(name), addr), PRIVD_OK);
	assert_string_equal(name, "");
	assert_string_equal(addr, "privacy@operator.example");
	assert_int_equal(privd_mail_split_from("ООО Ромашка <privacy@operator.example>", name, sizeof(name), addr),
	                 PRIVD_OK);
	assert_string_equal(name, "ООО Ромашка");
	assert_string_equal(addr, "privacy@operator.example");
	assert_int_equal(privd_mail_split_from("\"Privacy\" <p@o.example>", name, sizeof(name), addr), PRIVD_OK);
	assert_string_equal(name, "Privacy");
	assert_int_equal(privd_mail_split_from("no-at-sign", name, sizeof(name), addr), PRIVD_ERR_INVALID);
	assert_int_equal(privd_mail_split_from("Name <p@o.example", name, sizeof(name), addr), PRIVD_ERR_INVALID);
	assert_int_equal(privd_mail_split_from("a b@c.example", name, sizeof(name), addr), PRIVD_ERR_INVALID);
	assert_int_equal(privd_mail_split_from("@c.example", name, sizeof(name), addr), PRIVD_ERR_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_words),
	    cmocka_unit_test(test_build),
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_split_from),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
