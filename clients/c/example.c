/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * libprivd's example: registers a person, asks twice whether they consented to processing (the second answer
 * from the cache), and files an access request for them.
 * Usage: PRIVD_URL=http://127.0.0.1:8080 PRIVD_KEY=<app key> privd-client-example
 * Build: cc example.c $(pkg-config --cflags --libs libprivd) -o privd-client-example
 */
#include <privd-client.h>

#include <stdio.h>
#include <stdlib.h>

static int fail(const char *what, enum privd_client_rc rc, const struct privd_client_error *err)
{
	fprintf(stderr, "%s: %s (status %ld, %s: %s)", what, privd_client_strerror(rc), err->status, err->type,
	        err->title);
	for (size_t i = 0; i < err->nfields; i++)
		fprintf(stderr, "%s%s", i ? ", " : "; fields: ", err->fields[i]);
	fputc('\n', stderr);
	return 1;
}

int main(void)
{
	const char *url = getenv("PRIVD_URL"), *key = getenv("PRIVD_KEY");
	struct privd_client *c = NULL;
	struct privd_client_error err;
	json_t *subject = NULL, *request = NULL;
	int status = 1;
	if (!url || !key) {
		fprintf(stderr, "usage: PRIVD_URL=... PRIVD_KEY=... %s\n", "privd-client-example");
		return 2;
	}
	if (privd_client_new(url, key, &c) != PRIVD_CLIENT_OK)
		return 1;
	privd_client_set_cache_ttl(c, 60);

	json_t *person =
	    json_pack("{ss ss ss ss ss ss s{sb sb s[] s{ss}}}", "name", "Example Person", "email", "person@example.org",
	              "ip", "192.0.2.10", "birth_date", "1990-05-17", "residence_country", "RU", "policy_version", "1",
	              "consents", "processing", 1, "third_party_transfer", 0, "cookies", "texts", "processing", "1");
	enum privd_client_rc rc = privd_client_register(c, person, &subject, &err);
	json_decref(person);
	if (rc != PRIVD_CLIENT_OK) {
		fail("register", rc, &err);
		goto out;
	}
	const char *id = json_string_value(json_object_get(subject, "id"));
	printf("registered %s (%s)\n", id, json_string_value(json_object_get(subject, "status")));

	for (int i = 0; i < 2; i++) {
		bool granted, cached;
		rc = privd_client_consent_check(c, id, "processing", &granted, &cached, &err);
		if (rc != PRIVD_CLIENT_OK) {
			fail("consent check", rc, &err);
			goto out;
		}
		printf("processing: %s%s\n", granted ? "granted" : "not granted", cached ? " (cached)" : "");
	}

	rc = privd_client_request_file(c, id, "access", NULL, NULL, &request, &err);
	if (rc != PRIVD_CLIENT_OK) {
		fail("file request", rc, &err);
		goto out;
	}
	printf("request %s: %s\n", json_string_value(json_object_get(request, "id")),
	       json_string_value(json_object_get(request, "status")));
	status = 0;
out:
	json_decref(request);
	json_decref(subject);
	privd_client_free(c);
	return status;
}
