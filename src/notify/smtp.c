/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * smtp.c - the SMTP transport (see smtp.h).
 *
 * libcurl speaks the protocol: EHLO, STARTTLS when the server offers it (CURLUSESSL_TRY on smtp://; required,
 * CURLUSESSL_ALL, when there is a password to send), AUTH, then
 * MAIL FROM, RCPT TO and DATA for each message over the connection it keeps in the one easy handle. What privd
 * adds is the message (mail.c) and the verdict on a failure, which decides between another attempt and giving
 * up: the last SMTP reply code is the protocol's own answer (4xx: try again later; 5xx: refused for good), and
 * without one (no connection, TLS failed, a timeout) the failure is the network's and worth another attempt.
 * curl's error buffer is not used: its text may quote the server's reply, and a reply may quote the address.
 */
#include "smtp.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

struct privd_smtp {
	CURL *curl;
	char url[1024];
	char from_name[256];
	char from_addr[PRIVD_MAIL_ADDR_MAX + 1];
	char mail_from[PRIVD_MAIL_ADDR_MAX + 3];
	const char *domain; /* into from_addr */
	char user[256];
	char password[256];
	char ca_file[1024];
	long timeout;
};

/* The message being uploaded. */
struct upload {
	const char *p;
	size_t left;
};

enum privd_rc privd_notify_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? PRIVD_OK : PRIVD_ERR_INTERNAL;
}

static size_t read_cb(char *buf, size_t size, size_t n, void *arg)
{
	struct upload *u = arg;
	size_t k = size * n < u->left ? size * n : u->left;

	memcpy(buf, u->p, k);
	u->p += k;
	u->left -= k;
	return k;
}

static bool copy(char *dst, size_t cap, const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	if (n >= cap)
		return false;
	memcpy(dst, s != NULL ? s : "", n + 1);
	return true;
}

enum privd_rc privd_smtp_new(const struct privd_smtp_config *c, struct privd_smtp **out, struct privd_err *err)
{
	struct privd_smtp *s = calloc(1, sizeof(*s));
	enum privd_rc rc = PRIVD_OK;
	bool tls;

	*out = NULL;
	if (s == NULL)
		return privd_err_set(err, PRIVD_ERR_NOMEM, "out of memory");
	tls = c->url != NULL && strncmp(c->url, "smtps://", 8) == 0;
	if (c->url == NULL || (!tls && strncmp(c->url, "smtp://", 7) != 0) || !copy(s->url, sizeof(s->url), c->url)) {
		privd_err_field(err, "smtp.url", "must be smtp://host[:port] or smtps://host[:port]");
		rc = privd_err_set(err, PRIVD_ERR_INVALID, "[smtp] url is not an SMTP URL");
		goto out;
	}
	if (c->from == NULL ||
	    privd_mail_split_from(c->from, s->from_name, sizeof(s->from_name), s->from_addr) != PRIVD_OK) {
		privd_err_field(err, "smtp.from", "must be addr@domain or Name <addr@domain>");
		rc = privd_err_set(err, PRIVD_ERR_INVALID, "[smtp] from is not an address");
		goto out;
	}
	if (s->from_name[0] == '\0' && c->from_name != NULL)
		copy(s->from_name, sizeof(s->from_name), c->from_name);
	snprintf(s->mail_from, sizeof(s->mail_from), "<%s>", s->from_addr);
	s->domain = strrchr(s->from_addr, '@') + 1;
	if (!copy(s->user, sizeof(s->user), c->user) || !copy(s->password, sizeof(s->password), c->password)) {
		privd_err_field(err, "smtp.user", "the user or the password is too long");
		rc = privd_err_set(err, PRIVD_ERR_INVALID, "[smtp] user or password is too long");
		goto out;
	}
	if (!copy(s->ca_file, sizeof(s->ca_file), c->ca_file) ||
	    (s->ca_file[0] != '\0' && access(s->ca_file, R_OK) != 0)) {
		privd_err_field(err, "smtp.ca_file", "must be a readable PEM file of certificate authorities");
		rc = privd_err_set(err, PRIVD_ERR_INVALID, "[smtp] ca_file cannot be read");
		goto out;
	}
	s->timeout = c->timeout_seconds > 0 ? c->timeout_seconds : 30;
	s->curl = curl_easy_init();
	if (s->curl == NULL) {
		rc = privd_err_set(err, PRIVD_ERR_NOMEM, "cannot start libcurl");
		goto out;
	}
	curl_easy_setopt(s->curl, CURLOPT_URL, s->url);
	curl_easy_setopt(s->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(s->curl, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(s->curl, CURLOPT_READFUNCTION, read_cb);
	/* The smallest upload buffer libcurl takes. Its SMTP upload doubles it into a buffer for the dot-stuffing,
	 * which at the default 64 KiB is 128 KiB, past the threshold where glibc maps a block on its own (bodymem.c
	 * fixes it): a map and an unmap per message, each unmap flushing the address translations of every core
	 * running privd. Delivery ran a third faster without them (bench/README.md, "Delivery"). A longer message is
	 * read in pieces. */
	curl_easy_setopt(s->curl, CURLOPT_UPLOAD_BUFFERSIZE, 16384L);
	curl_easy_setopt(s->curl, CURLOPT_MAIL_FROM, s->mail_from);
	/* With a password to send, TLS is required: STARTTLS missing from the reply fails the attempt before AUTH. */
	curl_easy_setopt(s->curl, CURLOPT_USE_SSL, (long)(tls || s->user[0] != '\0' ? CURLUSESSL_ALL : CURLUSESSL_TRY));
	if (s->ca_file[0] != '\0')
		curl_easy_setopt(s->curl, CURLOPT_CAINFO, s->ca_file);
	curl_easy_setopt(s->curl, CURLOPT_CONNECTTIMEOUT, s->timeout < 10 ? s->timeout : 10L);
	curl_easy_setopt(s->curl, CURLOPT_TIMEOUT, s->timeout);
	curl_easy_setopt(s->curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	if (s->user[0] != '\0') {
		curl_easy_setopt(s->curl, CURLOPT_USERNAME, s->user);
		curl_easy_setopt(s->curl, CURLOPT_PASSWORD, s->password);
	}
out:
	if (rc != PRIVD_OK) {
		privd_smtp_free(s);
		return rc;
	}
	*out = s;
	return PRIVD_OK;
}

void privd_smtp_free(struct privd_smtp *s)
{
	if (s == NULL)
		return;
	if (s->curl != NULL)
		curl_easy_cleanup(s->curl);
	explicit_bzero(s, sizeof(*s));
	free(s);
}

/* The verdict on a transfer that failed with code cc after the server's last reply reply (0: none). */
static void verdict(CURLcode cc, long reply, struct privd_send_result *res)
{
	if (cc == CURLE_LOGIN_DENIED) {
		/* The operator's credentials, not the recipient: the notice waits for a fixed configuration. */
		res->outcome = PRIVD_SEND_RETRY;
		snprintf(res->error, sizeof(res->error), "smtp %ld: authentication refused ([smtp] user, password)",
		         reply);
	} else if (reply >= 500 && reply < 600) {
		res->outcome = PRIVD_SEND_PERMANENT;
		snprintf(res->error, sizeof(res->error), "smtp %ld: refused (%s)", reply, curl_easy_strerror(cc));
	} else if (reply >= 400 && reply < 500) {
		res->outcome = PRIVD_SEND_RETRY;
		snprintf(res->error, sizeof(res->error), "smtp %ld: deferred (%s)", reply, curl_easy_strerror(cc));
	} else {
		res->outcome = PRIVD_SEND_RETRY;
		snprintf(res->error, sizeof(res->error), "curl %d: %s", (int)cc, curl_easy_strerror(cc));
	}
}

void privd_smtp_send(struct privd_smtp *s, const char *id, const char *to, const char *subject, const char *text,
                     const char *html, int64_t date_ms, struct privd_send_result *res)
{
	char message_id[300], rcpt[PRIVD_MAIL_ADDR_MAX + 3];
	struct privd_mail m = {s->from_name, s->from_addr, to, subject, text, html, message_id, date_ms};
	struct curl_slist *rcpts = NULL;
	struct upload u;
	char *msg = NULL;
	size_t len = 0;
	long reply = 0;
	CURLcode cc;

	memset(res, 0, sizeof(*res));
	snprintf(message_id, sizeof(message_id), "%s@%s", id, s->domain);
	if (strlen(to) > PRIVD_MAIL_ADDR_MAX || privd_mail_build(&m, &msg, &len, NULL) != PRIVD_OK) {
		res->outcome = PRIVD_SEND_PERMANENT;
		snprintf(res->error, sizeof(res->error), "the message cannot be built (recipient address unusable)");
		goto out;
	}
	snprintf(rcpt, sizeof(rcpt), "<%s>", to);
	rcpts = curl_slist_append(NULL, rcpt);
	if (rcpts == NULL) {
		res->outcome = PRIVD_SEND_RETRY;
		snprintf(res->error, sizeof(res->error), "out of memory");
		goto out;
	}
	u.p = msg;
	u.left = len;
	curl_easy_setopt(s->curl, CURLOPT_MAIL_RCPT, rcpts);
	curl_easy_setopt(s->curl, CURLOPT_READDATA, &u);
	curl_easy_setopt(s->curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	cc = curl_easy_perform(s->curl);
	curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &reply);
	if (cc == CURLE_OK)
		res->outcome = PRIVD_SEND_OK;
	else
		verdict(cc, reply, res);
	curl_easy_setopt(s->curl, CURLOPT_MAIL_RCPT, NULL);
	curl_easy_setopt(s->curl, CURLOPT_READDATA, NULL);
out:
	curl_slist_free_all(rcpts);
	if (msg != NULL) {
		explicit_bzero(msg, len);
		free(msg);
	}
	explicit_bzero(rcpt, sizeof(rcpt));
}
