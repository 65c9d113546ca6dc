/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * tls.c - HTTPS served by privd itself ([http] tls_cert and tls_key): libmicrohttpd's TLS, which is GnuTLS.
 *
 * The threat: privd's answers hold personal data and API keys, and a deployment without a reverse proxy would
 * otherwise send them in clear. So with a certificate configured, only TLS 1.2 and 1.3 are spoken, with AEAD
 * ciphers only (AES-GCM, ChaCha20-Poly1305) and forward-secret key exchange (ECDHE; TLS 1.3's groups), and every
 * answer carries Strict-Transport-Security. The files are read once at start, before privd gives up root, into
 * memory the daemon holds; the key's copy is zeroed when the server stops. The certificate and the key are
 * checked as a pair with GnuTLS before anything listens, so that `check-config` and a failed start say which file
 * is wrong rather than libmicrohttpd's "cannot listen".
 */
#include "http_int.h"

#include <errno.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define PEM_MAX (1024 * 1024) /* a certificate chain is a few KiB */

/* TLS 1.2 and 1.3; AEAD ciphers; ECDHE key exchange for 1.2 (1.3's is always ephemeral); the server's order. */
const char privd_http_tls_priorities[] =
    "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:+AES-256-GCM:+AES-128-GCM:+CHACHA20-POLY1305:"
    "-MAC-ALL:+AEAD:-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA:%SERVER_PRECEDENCE";

/* Reads path whole into a NUL-terminated buffer (*out, *len); the caller frees it. */
static enum privd_rc read_pem(const char *path, const char *key, char **out, size_t *len, struct privd_err *err)
{
	FILE *fp = fopen(path, "rbe");
	struct stat st = {0};
	char *buf = NULL;
	enum privd_rc rc = PRIVD_OK;

	*out = NULL;
	*len = 0;
	if (fp == NULL) {
		rc = privd_err_set(err, PRIVD_ERR_IO, "[http] %s: cannot read %s: %s", key, path, strerror(errno));
		goto out;
	}
	if (fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 || st.st_size > PEM_MAX) {
		rc = privd_err_set(err, PRIVD_ERR_INVALID, "[http] %s: %s is not a PEM file of at most %d bytes", key,
		                   path, PEM_MAX);
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		rc = privd_err_set(err, PRIVD_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (fread(buf, 1, (size_t)st.st_size, fp) != (size_t)st.st_size) {
		rc = privd_err_set(err, PRIVD_ERR_IO, "[http] %s: cannot read %s", key, path);
		goto out;
	}
	buf[st.st_size] = '\0';
	*out = buf;
	*len = (size_t)st.st_size;
	buf = NULL;
out:
	if (buf != NULL) {
		explicit_bzero(buf, (size_t)st.st_size + 1);
		free(buf);
	}
	if (fp != NULL)
		fclose(fp);
	if (rc != PRIVD_OK) /* which key, for check-config */
		privd_err_field(err, strcmp(key, "tls_key") == 0 ? "http.tls_key" : "http.tls_cert", "cannot be used");
	return rc;
}

/* Whether cert and key (PEM) are a certificate and its private key, as GnuTLS will take them. */
static enum privd_rc check_pair(const char *cert, size_t cert_len, const char *key, size_t key_len,
                                struct privd_err *err)
{
	gnutls_certificate_credentials_t cred = NULL;
	gnutls_priority_t prio = NULL;
	gnutls_datum_t c = {(unsigned char *)(uintptr_t)cert, (unsigned)cert_len};
	gnutls_datum_t k = {(unsigned char *)(uintptr_t)key, (unsigned)key_len};
	enum privd_rc rc = PRIVD_OK;
	int e;

	if (gnutls_certificate_allocate_credentials(&cred) != GNUTLS_E_SUCCESS)
		return privd_err_set(err, PRIVD_ERR_NOMEM, "out of memory");
	e = gnutls_certificate_set_x509_key_mem2(cred, &c, &k, GNUTLS_X509_FMT_PEM, NULL, 0);
	if (e < 0) {
		rc = privd_err_set(err, PRIVD_ERR_INVALID,
		                   "[http] tls_cert and tls_key are not a certificate and its key: %s",
		                   gnutls_strerror(e));
		goto out;
	}
	if (gnutls_priority_init(&prio, privd_http_tls_priorities, NULL) != GNUTLS_E_SUCCESS)
		rc = privd_err_set(err, PRIVD_ERR_INTERNAL,
		                   "this GnuTLS takes none of privd's TLS versions and ciphers");
out:
	if (prio != NULL)
		gnutls_priority_deinit(prio);
	gnutls_certificate_free_credentials(cred);
	return rc;
}

/* Both files read and checked into *cert and *key; nothing allocated on failure. */
static enum privd_rc load(const char *cert_path, const char *key_path, char **cert, size_t *cert_len, char **key,
                          size_t *key_len, struct privd_err *err)
{
	enum privd_rc rc;

	*cert = *key = NULL;
	if (cert_path == NULL || cert_path[0] == '\0' || key_path == NULL || key_path[0] == '\0') {
		privd_err_field(err, cert_path == NULL || cert_path[0] == '\0' ? "http.tls_cert" : "http.tls_key",
		                "is empty");
		return privd_err_set(err, PRIVD_ERR_INVALID,
		                     "[http] tls_cert and tls_key go together: set both or neither");
	}
	rc = read_pem(cert_path, "tls_cert", cert, cert_len, err);
	if (rc == PRIVD_OK)
		rc = read_pem(key_path, "tls_key", key, key_len, err);
	if (rc == PRIVD_OK)
		rc = check_pair(*cert, *cert_len, *key, *key_len, err);
	if (rc != PRIVD_OK) {
		free(*cert);
		if (*key != NULL)
			explicit_bzero(*key, *key_len);
		free(*key);
		*cert = *key = NULL;
	}
	return rc;
}

enum privd_rc privd_http_check_tls(const char *cert_path, const char *key_path, struct privd_err *err)
{
	char *cert = NULL, *key = NULL;
	size_t cert_len = 0, key_len = 0;
	enum privd_rc rc;

	if ((cert_path == NULL || cert_path[0] == '\0') && (key_path == NULL || key_path[0] == '\0'))
		return PRIVD_OK;
	rc = load(cert_path, key_path, &cert, &cert_len, &key, &key_len, err);
	free(cert);
	if (key != NULL)
		explicit_bzero(key, key_len);
	free(key);
	return rc;
}

enum privd_rc privd_http_tls_init(struct privd_http *h, const char *cert_path, const char *key_path,
                                  struct privd_err *err)
{
	enum privd_rc rc;
	size_t n = 0;

	h->tls_opts[0].option = MHD_OPTION_END;
	if ((cert_path == NULL || cert_path[0] == '\0') && (key_path == NULL || key_path[0] == '\0'))
		return PRIVD_OK;
	rc = load(cert_path, key_path, &h->tls_cert, &h->tls_cert_len, &h->tls_key, &h->tls_key_len, err);
	if (rc != PRIVD_OK)
		return rc;
	h->tls = true;
	h->tls_opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, h->tls_cert};
	h->tls_opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, h->tls_key};
	h->tls_opts[n++] =
	    (struct MHD_OptionItem){MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)(uintptr_t)privd_http_tls_priorities};
	h->tls_opts[n].option = MHD_OPTION_END;
	return PRIVD_OK;
}

void privd_http_tls_cleanup(struct privd_http *h)
{
	free(h->tls_cert);
	if (h->tls_key != NULL)
		explicit_bzero(h->tls_key, h->tls_key_len);
	free(h->tls_key);
	h->tls_cert = h->tls_key = NULL;
}

void privd_http_hsts(const struct privd_http *h, struct MHD_Response *resp)
{
	/* a year, as browsers' preload lists ask; the operator's other hosts are not privd's to commit */
	if (h->tls && resp != NULL && MHD_get_response_header(resp, "Strict-Transport-Security") == NULL)
		MHD_add_response_header(resp, "Strict-Transport-Security", "max-age=31536000");
}
