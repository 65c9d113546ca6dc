/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * web.c - the files privd serves to browsers (consent.js), read once from [web] dir when a server starts.
 *
 * Every page view of a site with the cookie banner fetches consent.js, often from a browser that has it already:
 * so the file is held in memory with its ETag (from its SHA-256) and its Subresource Integrity hash (SHA-512, as a
 * site pins it in the script tag's integrity attribute), computed once. A file changed on disk is served as it was
 * read until privd restarts, so the hash a site pinned and the bytes served agree for the life of the process.
 */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/service_int.h"

/* The files served, with their content types. */
static const struct {
	const char *name;
	const char *content_type;
} served[PRIVD_WEB_FILES] = {
    {"consent.js", "text/javascript; charset=utf-8"},
};

char *privd_web_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rbe");
	char *buf = NULL;
	long n = -1;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0)
		buf = malloc((size_t)n + 1);
	if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (buf != NULL) {
		buf[n] = '\0';
		if (len != NULL)
			*len = (size_t)n;
	}
	fclose(f);
	return buf;
}

/* "sha512-<base64>" of data. */
static void integrity_of(const uint8_t *data, size_t len, char out[PRIVD_WEB_INTEGRITY_MAX])
{
	uint8_t h[crypto_hash_sha512_BYTES];

	crypto_hash_sha512(h, data, len);
	memcpy(out, "sha512-", 7);
	sodium_bin2base64(out + 7, PRIVD_WEB_INTEGRITY_MAX - 7, h, sizeof(h), sodium_base64_VARIANT_ORIGINAL);
}

/* Reads dir/name into f. */
static enum privd_rc load_one(const char *dir, const char *name, struct privd_web_file *f, struct privd_err *err)
{
	char path[1100], hex[PRIVD_HASH_HEX];
	size_t len = 0;
	char *data;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	data = privd_web_read_file(path, &len);
	if (data == NULL)
		return privd_err_set(err, PRIVD_ERR_IO, "cannot read %s ([web] dir): %s", path,
		                     errno != 0 ? strerror(errno) : "read failed");
	memset(f, 0, sizeof(*f));
	f->data = (const uint8_t *)data;
	f->len = len;
	privd_sha256_hex(f->data, len, hex);
	snprintf(f->etag, sizeof(f->etag), "\"%.32s\"", hex);
	integrity_of(f->data, len, f->integrity);
	return PRIVD_OK;
}

enum privd_rc privd_web_load(struct privd_service *svc, struct privd_err *err)
{
	enum privd_rc rc = PRIVD_OK;

	for (size_t i = 0; rc == PRIVD_OK && i < PRIVD_WEB_FILES; i++) {
		rc = load_one(svc->cfg.web_dir, served[i].name, &svc->web[i], err);
		svc->web[i].name = served[i].name;
		svc->web[i].content_type = served[i].content_type;
	}
	return rc;
}

void privd_web_cleanup(struct privd_service *svc)
{
	for (size_t i = 0; i < PRIVD_WEB_FILES; i++) {
		free((void *)svc->web[i].data);
		svc->web[i].data = NULL;
	}
}

enum privd_rc privd_service_web_file(struct privd_service *svc, const char *name, const struct privd_web_file **out)
{
	for (size_t i = 0; i < PRIVD_WEB_FILES; i++) {
		if (svc->web[i].data != NULL && strcmp(svc->web[i].name, name) == 0) {
			*out = &svc->web[i];
			return PRIVD_OK;
		}
	}
	*out = NULL;
	return PRIVD_ERR_NOT_FOUND;
}

enum privd_rc privd_web_integrity(const struct privd_config *cfg, const char *name,
                                  char integrity[PRIVD_WEB_INTEGRITY_MAX], size_t *len, struct privd_err *err)
{
	struct privd_web_file f;
	enum privd_rc rc;

	if (privd_crypto_init() != PRIVD_OK)
		return privd_err_set(err, PRIVD_ERR_CRYPTO, "cannot initialise libsodium");
	rc = load_one(cfg->web_dir, name, &f, err);
	if (rc != PRIVD_OK)
		return rc;
	memcpy(integrity, f.integrity, PRIVD_WEB_INTEGRITY_MAX);
	if (len != NULL)
		*len = f.len;
	free((void *)f.data);
	return PRIVD_OK;
}

const char *privd_service_web_dir(const struct privd_service *svc)
{
	return svc->cfg.web_dir;
}
