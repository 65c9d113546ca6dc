/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * recipients.c - the registry of third parties personal data may be transferred to.
 *
 * The policy shares data only with "trusted third-party service providers who are required to keep this
 * information confidential", so a recipient cannot exist without the reference of the agreement that binds it; and
 * it receives only the fields it is allowed, sealed to its own public key, at an endpoint reached over TLS. A
 * recipient abroad is 152-FZ Art. 12's: registering it needs the notification filed with Roskomnadzor, and its
 * view says from which day a transfer may go (the filing day for a country with adequate protection, the day after
 * the 10 working days of review otherwise, counted on the production calendar). Nothing is edited in place: a
 * change or a deactivation is a new version, and each transfer names the version it went to. Every change is
 * audited with the names of the fields changed.
 */
#include <stdio.h>
#include <string.h>

#include "core/time.h"
#include "crypto/seal.h"
#include "service/service_int.h"

#define NAME_MAX_BYTES 200
#define PURPOSE_MAX_BYTES 500
#define REF_MAX_BYTES 255

/* ---- views ---- */

/* The first day a transfer to r may go, when r is abroad. */
static void transfers_from(struct privd_service *svc, struct privd_recipient *r)
{
	struct privd_date filed, from;

	r->transfers_from[0] = '\0';
	r->transfers_from_estimated = false;
	if (!r->cross_border || privd_date_parse(r->notice_filed_on, &filed, NULL) != PRIVD_OK)
		return;
	privd_cross_border_not_before(svc->calendar, &filed, r->adequate_protection, &from,
	                              &r->transfers_from_estimated);
	privd_date_format(&from, r->transfers_from, sizeof(r->transfers_from));
}

void privd_recipient_view(struct privd_service *svc, const struct privd_recipient_row *row, struct privd_recipient *out)
{
	memset(out, 0, sizeof(*out));
	memcpy(out->id, row->id, sizeof(out->id));
	out->version = row->version;
	snprintf(out->name, sizeof(out->name), "%s", row->name);
	snprintf(out->purpose, sizeof(out->purpose), "%s", row->purpose);
	memcpy(out->country, row->country, sizeof(out->country));
	snprintf(out->endpoint, sizeof(out->endpoint), "%s", row->endpoint);
	snprintf(out->public_key, sizeof(out->public_key), "%s", row->public_key);
	snprintf(out->confidentiality_ref, sizeof(out->confidentiality_ref), "%s", row->confidentiality_ref);
	out->fields_allowed = row->fields_allowed;
	out->cross_border = row->cross_border;
	snprintf(out->notice_ref, sizeof(out->notice_ref), "%s", row->notice_ref);
	memcpy(out->notice_filed_on, row->notice_filed_on, sizeof(out->notice_filed_on));
	out->adequate_protection = row->adequate_protection;
	out->active = row->active;
	snprintf(out->actor, sizeof(out->actor), "%s", row->actor);
	out->created_at = row->created_at;
	out->updated_at = row->changed_at;
	transfers_from(svc, out);
}

/* ---- checking what is given ---- */

/* Copies a text field that passes privd_transfer_text_check into dst, or names it in err. */
static void text_field(const char *value, const char *field, size_t max, char *dst, size_t size, struct privd_err *err)
{
	const char *why = NULL;

	if (value == NULL)
		return;
	if (privd_transfer_text_check(value, max, &why) != PRIVD_OK)
		privd_err_field(err, field, why != NULL ? why : "is not valid");
	else
		snprintf(dst, size, "%s", value);
}

static void fields_field(const struct privd_recipient_input *in, unsigned *mask, struct privd_err *err)
{
	unsigned m = 0;

	if (in->fields_allowed == NULL)
		return;
	for (size_t i = 0; i < in->nfields; i++) {
		enum privd_transfer_field f;

		if (privd_transfer_field_parse(in->fields_allowed[i], &f) != PRIVD_OK) {
			privd_err_field(err, "fields_allowed",
			                "must hold only name, email, phone, ip, birth_date, residence_country");
			return;
		}
		m |= 1u << f;
	}
	if (m == 0)
		privd_err_field(err, "fields_allowed", "must name at least one field");
	else
		*mask = m;
}

/* The cross-border fields given, onto r; cleared when a change asks for it with null. */
static void notice_fields(const struct privd_recipient_input *in, struct privd_recipient_row *r, struct privd_err *err)
{
	struct privd_date filed, today;
	const char *why = NULL;

	if (in->notice_ref_null)
		r->notice_ref[0] = '\0';
	text_field(in->notice_ref, "cross_border_notice_ref", REF_MAX_BYTES, r->notice_ref, sizeof(r->notice_ref), err);
	if (in->notice_filed_on_null)
		r->notice_filed_on[0] = '\0';
	if (in->notice_filed_on != NULL) {
		privd_today(&today);
		if (privd_date_parse(in->notice_filed_on, &filed, &why) != PRIVD_OK)
			privd_err_field(err, "cross_border_notice_filed_on", "must be a date YYYY-MM-DD");
		else if (privd_date_cmp(&filed, &today) > 0)
			privd_err_field(err, "cross_border_notice_filed_on",
			                "is in the future: file the notification first");
		else
			privd_date_format(&filed, r->notice_filed_on, sizeof(r->notice_filed_on));
	}
	if (in->adequate_protection >= 0)
		r->adequate_protection = in->adequate_protection == 1;
}

/* What a recipient must hold whole, checked on the result of a creation or a change. adequate_given says whether
 * adequate_protection is known (given now, or kept from a version abroad). */
static void check_whole(struct privd_recipient_row *r, bool adequate_given, struct privd_err *err)
{
	static const char *const required[][2] = {
	    {"name", "is required"},
	    {"purpose", "is required"},
	    {"country", "is required"},
	    {"endpoint", "is required"},
	    {"public_key", "is required"},
	    {"confidentiality_ref", "is required: data goes only to a recipient bound to confidentiality"}};
	const char *values[] = {r->name, r->purpose, r->country, r->endpoint, r->public_key, r->confidentiality_ref};

	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
		if (values[i][0] == '\0')
			privd_err_field(err, required[i][0], required[i][1]);
	if (r->fields_allowed == 0)
		privd_err_field(err, "fields_allowed", "is required");
	if (r->country[0] == '\0')
		return;
	r->cross_border = privd_recipient_cross_border(r->country);
	if (!r->cross_border) {
		r->notice_ref[0] = '\0';
		r->notice_filed_on[0] = '\0';
		r->adequate_protection = false;
		return;
	}
	if (r->notice_ref[0] == '\0')
		privd_err_field(err, "cross_border_notice_ref",
		                "is required for a recipient outside Russia (152-FZ Art. 12 notification)");
	if (r->notice_filed_on[0] == '\0')
		privd_err_field(err, "cross_border_notice_filed_on", "is required for a recipient outside Russia");
	if (!adequate_given)
		privd_err_field(err, "adequate_protection", "is required for a recipient outside Russia");
}

/* Applies in onto r (a new recipient's empty row, or a copy of the current version), checking each field given.
 * PRIVD_ERR_INVALID naming every field at fault. */
static enum privd_rc apply(const struct privd_recipient_input *in, struct privd_recipient_row *r, bool creating,
                           struct privd_err *err)
{
	uint8_t pk[PRIVD_SEAL_KEY_BYTES];
	const char *why = NULL;
	char country[3];
	bool abroad_before = r->cross_border;
	size_t before = err != NULL ? err->nfields : 0;

	text_field(in->name, "name", NAME_MAX_BYTES, r->name, sizeof(r->name), err);
	text_field(in->purpose, "purpose", PURPOSE_MAX_BYTES, r->purpose, sizeof(r->purpose), err);
	text_field(in->confidentiality_ref, "confidentiality_ref", REF_MAX_BYTES, r->confidentiality_ref,
	           sizeof(r->confidentiality_ref), err);
	if (in->country != NULL) {
		if (privd_validate_country(in->country, country, &why) != PRIVD_OK)
			privd_err_field(err, "country", why != NULL ? why : "is not an ISO 3166-1 alpha-2 code");
		else
			memcpy(r->country, country, sizeof(r->country));
	}
	if (in->endpoint != NULL) {
		if (privd_recipient_endpoint_check(in->endpoint, &why) != PRIVD_OK)
			privd_err_field(err, "endpoint", why);
		else
			snprintf(r->endpoint, sizeof(r->endpoint), "%s", in->endpoint);
	}
	if (in->public_key != NULL) {
		if (privd_seal_key_parse(in->public_key, pk) != PRIVD_OK)
			privd_err_field(err, "public_key", "must be the base64 of an X25519 public key (32 bytes)");
		else
			snprintf(r->public_key, sizeof(r->public_key), "%s", in->public_key);
	}
	fields_field(in, &r->fields_allowed, err);
	if (r->country[0] != '\0' && !privd_recipient_cross_border(r->country)) {
		static const char only[] = "is only for a recipient outside Russia";

		if (in->notice_ref != NULL)
			privd_err_field(err, "cross_border_notice_ref", only);
		if (in->notice_filed_on != NULL)
			privd_err_field(err, "cross_border_notice_filed_on", only);
		if (in->adequate_protection >= 0)
			privd_err_field(err, "adequate_protection", only);
	}
	notice_fields(in, r, err);
	if (in->active >= 0)
		r->active = in->active == 1;
	check_whole(r, in->adequate_protection >= 0 || (!creating && abroad_before), err);
	if (err != NULL && err->nfields > before)
		return privd_err_set(err, PRIVD_ERR_INVALID, "%zu field%s invalid", err->nfields - before,
		                     err->nfields - before == 1 ? " is" : "s are");
	return err == NULL || err->nfields == before ? PRIVD_OK : PRIVD_ERR_INVALID;
}

/* ---- writing a version ---- */

struct version_job {
	struct privd_service *svc;
	const struct privd_principal *who;
	struct privd_recipient_row row;
	const char *action;
	char detail[512];
};

static enum privd_rc version_data(struct privd_db *db, void *arg)
{
	struct version_job *j = arg;
	enum privd_rc rc = privd_repo_recipient_insert(db, &j->row);

	if (rc == PRIVD_OK)
		rc = privd_audit_append(j->svc, db, j->who->actor, j->action, "recipient", j->row.id, j->detail);
	return rc;
}

/* The audit detail: the version, the country and what changed (field names only). */
static void version_detail(struct version_job *j, const struct privd_recipient_row *was)
{
	const char *changed[16];
	size_t n = 0;
	struct privd_jsonw w;
	const struct privd_recipient_row *r = &j->row;

	if (was == NULL || strcmp(was->name, r->name) != 0)
		changed[n++] = "name";
	if (was == NULL || strcmp(was->purpose, r->purpose) != 0)
		changed[n++] = "purpose";
	if (was == NULL || strcmp(was->country, r->country) != 0)
		changed[n++] = "country";
	if (was == NULL || strcmp(was->endpoint, r->endpoint) != 0)
		changed[n++] = "endpoint";
	if (was == NULL || strcmp(was->public_key, r->public_key) != 0)
		changed[n++] = "public_key";
	if (was == NULL || strcmp(was->confidentiality_ref, r->confidentiality_ref) != 0)
		changed[n++] = "confidentiality_ref";
	if (was == NULL || was->fields_allowed != r->fields_allowed)
		changed[n++] = "fields_allowed";
	if (was == NULL || strcmp(was->notice_ref, r->notice_ref) != 0 ||
	    strcmp(was->notice_filed_on, r->notice_filed_on) != 0 || was->adequate_protection != r->adequate_protection)
		changed[n++] = "cross_border";
	if (was == NULL || was->active != r->active)
		changed[n++] = "active";
	privd_jsonw_init(&w, j->detail, sizeof(j->detail));
	privd_jsonw_int(&w, "version", r->version);
	privd_jsonw_str(&w, "country", r->country);
	privd_jsonw_bool(&w, "cross_border", r->cross_border);
	privd_jsonw_bool(&w, "active", r->active);
	privd_jsonw_strs(&w, "changed", changed, n);
	privd_jsonw_end(&w);
}

static enum privd_rc write_version(struct privd_service *svc, struct version_job *j, struct privd_recipient *out,
                                   struct privd_err *err)
{
	struct privd_write_job job = {.data = version_data, .arg = j};
	enum privd_rc rc = privd_writer_run(svc->writer, &job);

	if (rc == PRIVD_ERR_CONFLICT)
		return privd_err_set(err, rc, "the recipient changed meanwhile; read it and try again");
	if (rc == PRIVD_OK && out != NULL)
		privd_recipient_view(svc, &j->row, out);
	return rc;
}

enum privd_rc privd_service_recipient_create(struct privd_service *svc, const struct privd_principal *who,
                                             const struct privd_recipient_input *in, struct privd_recipient *out,
                                             struct privd_err *err)
{
	struct version_job j = {.svc = svc, .who = who, .action = "recipient.create"};
	struct privd_recipient_input given = *in;
	enum privd_rc rc;

	given.active = -1; /* a new recipient is active */
	j.row.active = true;
	rc = apply(&given, &j.row, true, err);
	if (rc != PRIVD_OK)
		return rc;
	privd_random_id(j.row.id);
	j.row.version = 1;
	snprintf(j.row.actor, sizeof(j.row.actor), "%s", who->actor);
	j.row.changed_at = j.row.created_at = privd_now_ms();
	version_detail(&j, NULL);
	return write_version(svc, &j, out, err);
}

/* Whether in gives anything at all. */
static bool any_given(const struct privd_recipient_input *in)
{
	return in->name != NULL || in->purpose != NULL || in->country != NULL || in->endpoint != NULL ||
	       in->public_key != NULL || in->confidentiality_ref != NULL || in->fields_allowed != NULL ||
	       in->notice_ref != NULL || in->notice_filed_on != NULL || in->notice_ref_null ||
	       in->notice_filed_on_null || in->adequate_protection >= 0 || in->active >= 0;
}

/* The current version of id, read on a reader. */
static enum privd_rc current(struct privd_service *svc, const char *id, struct privd_recipient_row *out,
                             struct privd_err *err)
{
	struct privd_reader *r = NULL;
	enum privd_rc rc = privd_reader_get(svc, &r);

	if (rc != PRIVD_OK)
		return rc;
	rc = privd_repo_recipient_get(r->db, id, 0, out);
	privd_reader_put(svc, r, rc == PRIVD_ERR_DB);
	if (rc == PRIVD_ERR_NOT_FOUND)
		privd_err_set(err, rc, "no such recipient");
	return rc;
}

enum privd_rc privd_service_recipient_update(struct privd_service *svc, const struct privd_principal *who,
                                             const char *id, const struct privd_recipient_input *in,
                                             struct privd_recipient *out, struct privd_err *err)
{
	struct version_job j = {.svc = svc, .who = who};
	struct privd_recipient_row was;
	enum privd_rc rc;

	if (!any_given(in))
		return privd_err_set(err, PRIVD_ERR_INVALID, "nothing to change");
	rc = current(svc, id, &was, err);
	if (rc != PRIVD_OK)
		return rc;
	j.row = was;
	rc = apply(in, &j.row, false, err);
	if (rc != PRIVD_OK)
		return rc;
	j.row.version = was.version + 1;
	snprintf(j.row.actor, sizeof(j.row.actor), "%s", who->actor);
	j.row.changed_at = privd_now_ms();
	j.action = was.active && !j.row.active   ? "recipient.deactivate"
	           : !was.active && j.row.active ? "recipient.reactivate"
	                                         : "recipient.update";
	version_detail(&j, &was);
	return write_version(svc, &j, out, err);
}

struct history_walk {
	struct privd_service *svc;
	int (*cb)(void *arg, const struct privd_recipient *r);
	void *arg;
};

static int history_one(void *arg, const struct privd_recipient_row *row)
{
	struct history_walk *h = arg;
	struct privd_recipient r;

	privd_recipient_view(h->svc, row, &r);
	return h->cb(h->arg, &r);
}

enum privd_rc privd_service_recipient_get(struct privd_service *svc, const char *id, struct privd_recipient *out,
                                          int (*history)(void *arg, const struct privd_recipient *r), void *arg,
                                          struct privd_err *err)
{
	struct history_walk h = {svc, history, arg};
	struct privd_recipient_row row;
	struct privd_reader *r = NULL;
	enum privd_rc rc = privd_reader_get(svc, &r);

	if (rc != PRIVD_OK)
		return rc;
	rc = privd_repo_recipient_get(r->db, id, 0, &row);
	if (rc == PRIVD_OK)
		privd_recipient_view(svc, &row, out);
	if (rc == PRIVD_OK && history != NULL)
		rc = privd_repo_recipient_list(r->db, id, history_one, &h);
	privd_reader_put(svc, r, rc == PRIVD_ERR_DB);
	if (rc == PRIVD_ERR_NOT_FOUND)
		privd_err_set(err, rc, "no such recipient");
	return rc;
}

enum privd_rc privd_service_recipient_list(struct privd_service *svc,
                                           int (*cb)(void *arg, const struct privd_recipient *r), void *arg,
                                           struct privd_err *err)
{
	struct history_walk h = {svc, cb, arg};
	struct privd_reader *r = NULL;
	enum privd_rc rc = privd_reader_get(svc, &r);

	(void)err;
	if (rc != PRIVD_OK)
		return rc;
	rc = privd_repo_recipient_list(r->db, NULL, history_one, &h);
	privd_reader_put(svc, r, rc == PRIVD_ERR_DB);
	return rc;
}
