/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * libprivd against a running privd (started by test-client.sh): registration and its problem fields, the consent
 * check with and without the cache (a second check answers from the cache; forgetting the subject asks privd
 * again; an expired entry asks privd again), a rights request filed, its scan uploaded and the request read back,
 * and the errors a caller meets (a bad id, an unknown subject, a wrong key, no server).
 * Usage: test_client URL APP_KEY PDF_FILE DEAD_URL
 */
#include <privd-client.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int failures;

#define CHECK(cond)                                                                                                    \
	do {                                                                                                           \
		if (!(cond)) {                                                                                         \
			fprintf(stderr, "test_client.c:%d: FAILED: %s\n", __LINE__, #cond);                            \
			failures++;                                                                                    \
		}                                                                                                      \
	} while (0)

static json_t *person(const char *email, bool processing)
{
	return json_pack("{ss ss ss ss ss ss s{sb sb s[] s{ss}}}", "name", "Тест Клиентов", "email", email, "ip",
	                 "192.0.2.44", "birth_date", "1985-03-02", "residence_country", "RU", "policy_version", "1",
	                 "consents", "processing", processing, "third_party_transfer", 0, "cookies", "texts",
	                 "processing", "1");
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL;
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	if (n > 0 && (p = malloc((size_t)n)) && fread(p, 1, (size_t)n, f) != (size_t)n) {
		free(p);
		p = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return p;
}

static bool has_field(const struct privd_client_error *e, const char *f)
{
	for (size_t i = 0; i < e->nfields; i++)
		if (strcmp(e->fields[i], f) == 0)
			return true;
	return false;
}

static void test_errors(struct privd_client *c, const char *url, const char *dead_url)
{
	struct privd_client_error err;
	json_t *out = NULL;
	bool g, cached;

	/* a registration privd refuses: 422 validation naming the fields */
	json_t *bad = person("no-at-sign", false);
	CHECK(privd_client_register(c, bad, &out, &err) == PRIVD_CLIENT_EPROBLEM);
	json_decref(bad);
	CHECK(out == NULL);
	CHECK(err.status == 422);
	CHECK(strcmp(err.type, "urn:privd:problem:validation") == 0);
	CHECK(err.title[0] != '\0');
	CHECK(has_field(&err, "email"));
	CHECK(has_field(&err, "consents.processing"));

	/* arguments refused before any request */
	CHECK(privd_client_consent_check(c, "../../v1/api-keys", "processing", &g, &cached, &err) ==
	      PRIVD_CLIENT_EINVAL);
	CHECK(privd_client_consent_check(c, "0123456789abcdef0123456789abcdef", "a/b", &g, &cached, &err) ==
	      PRIVD_CLIENT_EINVAL);
	CHECK(privd_client_request_get(c, "XYZ", &out, &err) == PRIVD_CLIENT_EINVAL);

	/* an unknown subject: 404 not-found */
	CHECK(privd_client_consent_check(c, "0123456789abcdef0123456789abcdef", "processing", &g, &cached, &err) ==
	      PRIVD_CLIENT_EPROBLEM);
	CHECK(err.status == 404);
	CHECK(strcmp(err.type, "urn:privd:problem:not-found") == 0);

	/* a wrong key: 401 unauthorized */
	struct privd_client *wrong = NULL;
	CHECK(privd_client_new(url, "not-a-key", &wrong) == PRIVD_CLIENT_OK);
	CHECK(privd_client_request_get(wrong, "0123456789abcdef0123456789abcdef", &out, &err) == PRIVD_CLIENT_EPROBLEM);
	CHECK(err.status == 401);
	CHECK(strcmp(err.type, "urn:privd:problem:unauthorized") == 0);
	privd_client_free(wrong);

	/* nobody listening */
	struct privd_client *dead = NULL;
	CHECK(privd_client_new(dead_url, "k", &dead) == PRIVD_CLIENT_OK);
	privd_client_set_timeout(dead, 5000);
	CHECK(privd_client_request_get(dead, "0123456789abcdef0123456789abcdef", &out, &err) ==
	      PRIVD_CLIENT_ETRANSPORT);
	CHECK(err.status == 0 && err.title[0] != '\0');
	privd_client_free(dead);
}

static void test_flow(struct privd_client *c, const char *pdf_path)
{
	struct privd_client_error err;
	json_t *subject = NULL, *req = NULL, *got = NULL;
	bool g = false, cached = true;
	char email[64];
	snprintf(email, sizeof email, "libprivd-%ld@example.org", (long)getpid());

	json_t *p = person(email, true);
	CHECK(privd_client_register(c, p, &subject, &err) == PRIVD_CLIENT_OK);
	json_decref(p);
	const char *id = json_string_value(json_object_get(subject, "id"));
	CHECK(id && strlen(id) == 32);
	CHECK(strcmp(json_string_value(json_object_get(subject, "status")) ?: "", "active") == 0);
	if (!id)
		goto out;

	/* the cache is off by default: every check asks privd */
	CHECK(privd_client_consent_check(c, id, "processing", &g, &cached, &err) == PRIVD_CLIENT_OK);
	CHECK(g && !cached);
	CHECK(privd_client_consent_check(c, id, "processing", &g, &cached, &err) == PRIVD_CLIENT_OK);
	CHECK(g && !cached);
	CHECK(privd_client_consent_check(c, id, "third_party_transfer", &g, &cached, &err) == PRIVD_CLIENT_OK);
	CHECK(!g && !cached);

	/* on: the second check answers from the cache, a forgotten subject asks again */
	privd_client_set_cache_ttl(c, 300);
	CHECK(privd_client_consent_check(c, id, "processing", &g, &cached, &err) == PRIVD_CLIENT_OK);
	CHECK(g && !cached);
	CHECK(privd_client_consent_check(c, id, "processing", &g, &cached, &err) == PRIVD_CLIENT_OK);
	CHECK(g && cached);
	CHECK(privd_client_consent_check(c, id, "third_party_transfer", &g, &cached, &err) == PRIVD_CLIENT_OK);
	CHECK(!g && !cached);
	CHECK(privd_client_consent_check(c, id, "third_party_transfer", &g, &cached, &err) == PRIVD_CLIENT_OK);
	CHECK(!g && cached);
	privd_client_cache_forget(c, id);
	CHECK(privd_client_consent_check(c, id, "processing", &g, &cached, &err) == PRIVD_CLIENT_OK);
	CHECK(g && !cached);

	/* a one-second TTL: after it the entry is gone */
	privd_client_set_cache_ttl(c, 1);
	CHECK(privd_client_consent_check(c, id, "processing", &g, &cached, &err) == PRIVD_CLIENT_OK);
	sleep(2);
	CHECK(privd_client_consent_check(c, id, "processing", &g, &cached, &err) == PRIVD_CLIENT_OK);
	CHECK(g && !cached);
	privd_client_set_cache_ttl(c, 0);

	/* a rights request: filed, its scan uploaded, read back */
	CHECK(privd_client_request_file(c, id, "access", NULL, NULL, &req, &err) == PRIVD_CLIENT_OK);
	const char *rid = json_string_value(json_object_get(req, "id"));
	CHECK(rid && strlen(rid) == 32);
	CHECK(strcmp(json_string_value(json_object_get(req, "status")) ?: "", "awaiting_document") == 0);
	if (!rid)
		goto out;
	CHECK(privd_client_request_file(c, id, "no_such_type", NULL, NULL, NULL, &err) == PRIVD_CLIENT_EPROBLEM);
	CHECK(err.status == 422 && has_field(&err, "type"));

	size_t len = 0;
	char *pdf = slurp(pdf_path, &len);
	CHECK(pdf != NULL);
	CHECK(privd_client_request_document(c, rid, "image/png", pdf, len, NULL, &err) == PRIVD_CLIENT_EPROBLEM);
	CHECK(err.status == 415);
	CHECK(privd_client_request_document(c, rid, "application/pdf", pdf, len, NULL, &err) == PRIVD_CLIENT_OK);
	free(pdf);
	CHECK(privd_client_request_get(c, rid, &got, &err) == PRIVD_CLIENT_OK);
	CHECK(strcmp(json_string_value(json_object_get(got, "id")) ?: "", rid) == 0);
	CHECK(strcmp(json_string_value(json_object_get(got, "status")) ?: "", "received") == 0);
	CHECK(json_is_string(json_object_get(got, "due_date")));
out:
	json_decref(got);
	json_decref(req);
	json_decref(subject);
}

int main(int argc, char **argv)
{
	struct privd_client *c = NULL;
	if (argc != 5) {
		fprintf(stderr, "usage: %s URL APP_KEY PDF_FILE DEAD_URL\n", argv[0]);
		return 2;
	}
	if (privd_client_new(argv[1], argv[2], &c) != PRIVD_CLIENT_OK)
		return 1;
	test_flow(c, argv[3]);
	test_errors(c, argv[1], argv[4]);
	privd_client_free(c);
	if (failures) {
		fprintf(stderr, "test_client: %d checks failed\n", failures);
		return 1;
	}
	printf("test_client: all checks passed\n");
	return 0;
}
