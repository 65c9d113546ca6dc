/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * service.c - opening and closing the service, reader connections, the audit append, and on PostgreSQL the
 * listener that keeps this process's caches coherent with writes made by other privd processes.
 *
 * Writes go through one writer (group commit); reads take a connection pair (data, keystore) from a small pool,
 * so each worker thread reads without contention.
 */
#include "service/service.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "core/log.h"
#include "service/service_int.h"

int64_t privd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void privd_today(struct privd_date *out)
{
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	out->year = tm.tm_year + 1900;
	out->month = tm.tm_mon + 1;
	out->day = tm.tm_mday;
}

void privd_principal_cli(struct privd_principal *p)
{
	memset(p, 0, sizeof(*p));
	p->role = PRIVD_ROLE_ADMIN;
	snprintf(p->actor, sizeof(p->actor), "cli");
}

const char *privd_role_name(enum privd_role r)
{
	switch (r) {
	case PRIVD_ROLE_ADMIN:
		return "admin";
	case PRIVD_ROLE_OPERATOR:
		return "operator";
	case PRIVD_ROLE_APP:
		return "app";
	case PRIVD_ROLE_AUDITOR:
		return "auditor";
	case PRIVD_ROLE_SUBJECT:
		return "subject";
	}
	return "unknown";
}

enum privd_rc privd_role_parse(const char *name, enum privd_role *out)
{
	static const enum privd_role roles[] = {PRIVD_ROLE_ADMIN, PRIVD_ROLE_OPERATOR, PRIVD_ROLE_APP,
	                                        PRIVD_ROLE_AUDITOR};

	for (size_t i = 0; name != NULL && i < sizeof(roles) / sizeof(roles[0]); i++) {
		if (strcmp(name, privd_role_name(roles[i])) == 0) {
			*out = roles[i];
			return PRIVD_OK;
		}
	}
	return PRIVD_ERR_INVALID;
}

/* ---- readers ---- */

enum privd_rc privd_reader_get(struct privd_service *svc, struct privd_reader **out)
{
	struct privd_reader *r;
	enum privd_rc rc;

	pthread_mutex_lock(&svc->readers_lock);
	r = svc->readers;
	if (r != NULL)
		svc->readers = r->next;
	pthread_mutex_unlock(&svc->readers_lock);
	if (r != NULL) {
		*out = r;
		return PRIVD_OK;
	}
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return PRIVD_ERR_NOMEM;
	rc = privd_db_open(&svc->target, PRIVD_DB_DATA, true, &r->db, NULL);
	if (rc == PRIVD_OK)
		rc = privd_db_open(&svc->target, PRIVD_DB_KEYSTORE, true, &r->ks, NULL);
	if (rc != PRIVD_OK) {
		privd_db_close(r->db);
		free(r);
		return rc;
	}
	*out = r;
	return PRIVD_OK;
}

static void reader_free(struct privd_reader *r)
{
	if (r == NULL)
		return;
	privd_db_close(r->db);
	privd_db_close(r->ks);
	free(r);
}

void privd_reader_put(struct privd_service *svc, struct privd_reader *r, bool broken)
{
	if (r == NULL)
		return;
	if (broken) {
		reader_free(r);
		return;
	}
	pthread_mutex_lock(&svc->readers_lock);
	r->next = svc->readers;
	svc->readers = r;
	pthread_mutex_unlock(&svc->readers_lock);
}

/* ---- audit ---- */

enum privd_rc privd_audit_append(struct privd_service *svc, struct privd_db *db, const char *actor, const char *action,
                                 const char *object_type, const char *object_id, const char *detail)
{
	struct privd_audit_row row;
	uint8_t canon[2048];
	size_t n;
	int64_t seq = 0;
	enum privd_rc rc;

	memset(&row, 0, sizeof(row));
	rc = privd_repo_audit_head(db, &seq, row.prev_hash);
	if (rc != PRIVD_OK)
		return rc;
	row.seq = seq + 1;
	row.ts = privd_now_ms();
	snprintf(row.actor, sizeof(row.actor), "%s", actor);
	snprintf(row.action, sizeof(row.action), "%s", action);
	snprintf(row.object_type, sizeof(row.object_type), "%s", object_type);
	snprintf(row.object_id, sizeof(row.object_id), "%s", object_id ? object_id : "");
	snprintf(row.detail, sizeof(row.detail), "%s", detail ? detail : "{}");
	n = privd_audit_canonical(&row, canon, sizeof(canon));
	if (n == 0)
		return PRIVD_ERR_INTERNAL;
	privd_audit_mac(svc->kr, row.prev_hash, canon, n, row.hash);
	return privd_repo_audit_insert(db, &row);
}

struct audit_job {
	struct privd_service *svc;
	const struct privd_principal *who;
	const char *action, *object_type, *object_id, *detail;
};

static enum privd_rc audit_job_data(struct privd_db *db, void *arg)
{
	struct audit_job *j = arg;

	return privd_audit_append(j->svc, db, j->who->actor, j->action, j->object_type, j->object_id, j->detail);
}

enum privd_rc privd_audit_record(struct privd_service *svc, const struct privd_principal *who, const char *action,
                                 const char *object_type, const char *object_id, const char *detail)
{
	struct audit_job j = {svc, who, action, object_type, object_id, detail};
	struct privd_write_job job = {.data = audit_job_data, .arg = &j};

	return privd_writer_run(svc->writer, &job);
}

struct audit_list_ctx {
	int (*cb)(void *arg, const struct privd_audit_entry *e);
	void *arg;
};

static int audit_list_one(void *arg, const struct privd_audit_row *row)
{
	struct audit_list_ctx *c = arg;
	struct privd_audit_entry e;

	e.seq = row->seq;
	e.ts = row->ts;
	memcpy(e.actor, row->actor, sizeof(e.actor));
	memcpy(e.action, row->action, sizeof(e.action));
	memcpy(e.object_type, row->object_type, sizeof(e.object_type));
	memcpy(e.object_id, row->object_id, sizeof(e.object_id));
	memcpy(e.detail, row->detail, sizeof(e.detail));
	memcpy(e.prev_hash, row->prev_hash, sizeof(e.prev_hash));
	memcpy(e.hash, row->hash, sizeof(e.hash));
	return c->cb(c->arg, &e);
}

enum privd_rc privd_service_audit_list(struct privd_service *svc, int64_t after, size_t limit,
                                       int (*cb)(void *arg, const struct privd_audit_entry *e), void *arg)
{
	struct privd_reader *r = NULL;
	enum privd_rc rc;

	struct audit_list_ctx c = {cb, arg};

	rc = privd_reader_get(svc, &r);
	if (rc != PRIVD_OK)
		return rc;
	rc = privd_repo_audit_list(r->db, after, limit, audit_list_one, &c);
	privd_reader_put(svc, r, rc == PRIVD_ERR_DB);
	return rc;
}

struct verify_ctx {
	struct privd_service *svc;
	struct privd_audit_verdict *v;
	char prev[PRIVD_HASH_HEX];
	int64_t anchor_seq; /* 0: no anchor */
	const char *anchor_hash;
};

static int verify_one(void *arg, const struct privd_audit_row *row)
{
	struct verify_ctx *c = arg;
	uint8_t canon[2048];
	char mac[PRIVD_HASH_HEX];
	size_t n;

	c->v->entries++;
	n = privd_audit_canonical(row, canon, sizeof(canon));
	if (n != 0)
		privd_audit_mac(c->svc->kr, row->prev_hash, canon, n, mac);
	/* Every byte counts: the stored values must be exactly what was hashed, and the hash exactly the MAC. */
	if (n == 0 || row->malformed || row->seq != c->v->entries || strcmp(row->prev_hash, c->prev) != 0 ||
	    strlen(row->hash) != PRIVD_HASH_HEX - 1 || sodium_memcmp(mac, row->hash, PRIVD_HASH_HEX - 1) != 0) {
		c->v->ok = false;
		c->v->first_bad = row->seq;
		return 1;
	}
	if (row->seq == c->anchor_seq && strcmp(row->hash, c->anchor_hash) != 0) {
		c->v->ok = false; /* the anchored entry was replaced */
		c->v->first_bad = row->seq;
		return 1;
	}
	snprintf(c->prev, sizeof(c->prev), "%s", row->hash);
	snprintf(c->v->head, sizeof(c->v->head), "%s", row->hash);
	return 0;
}

/* ---- the anchor: the newest entry seen, outside the database ---- */

static void anchor_mac(struct privd_service *svc, int64_t seq, const char *hash, char out[PRIVD_HASH_HEX])
{
	char msg[96];
	int n = snprintf(msg, sizeof(msg), "%lld:%s", (long long)seq, hash);

	privd_audit_mac(svc->kr, "anchor", (const uint8_t *)msg, (size_t)n, out);
}

/* Reads DATA_DIR/audit.anchor: 1 when it authenticates, 0 when there is none, -1 when it is there but does not
 * authenticate (tampered with: it is only ever replaced whole, after an fsync). */
static int anchor_read(struct privd_service *svc, int64_t *seq, char hash[65])
{
	char path[PATH_MAX], mac[PRIVD_HASH_HEX], want[PRIVD_HASH_HEX], h[80];
	long long s = 0;
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "%s/audit.anchor", svc->cfg.data_dir);
	f = fopen(path, "r");
	if (f == NULL)
		return errno == ENOENT ? 0 : -1;
	n = fscanf(f, "%lld %79s %64s", &s, h, mac);
	fclose(f);
	if (n != 3 || s <= 0 || strlen(h) != PRIVD_HASH_HEX - 1 || strlen(mac) != PRIVD_HASH_HEX - 1)
		return -1;
	anchor_mac(svc, s, h, want);
	if (sodium_memcmp(want, mac, PRIVD_HASH_HEX - 1) != 0)
		return -1;
	*seq = s;
	memcpy(hash, h, 65);
	return 1;
}

void privd_audit_anchor_update(struct privd_service *svc)
{
	char path[PATH_MAX], tmp[PATH_MAX], hash[65] = "", mac[PRIVD_HASH_HEX];
	struct privd_reader *r = NULL;
	int64_t seq = 0;
	enum privd_rc rc;
	bool ok;
	FILE *f;
	int fd;

	if (privd_reader_get(svc, &r) != PRIVD_OK)
		return;
	rc = privd_repo_audit_head(r->db, &seq, hash);
	privd_reader_put(svc, r, rc == PRIVD_ERR_DB);
	if (rc != PRIVD_OK || seq == 0 || seq == svc->anchor_seq)
		return;
	anchor_mac(svc, seq, hash, mac);
	snprintf(path, sizeof(path), "%s/audit.anchor", svc->cfg.data_dir);
	snprintf(tmp, sizeof(tmp), "%s/audit.anchor.tmp", svc->cfg.data_dir);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (f == NULL) {
		if (fd >= 0)
			close(fd);
		return;
	}
	fprintf(f, "%lld %s %s\n", (long long)seq, hash, mac);
	/* durable before it replaces the old one: a torn anchor would read as tampering */
	ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
	if (fclose(f) == 0 && ok && rename(tmp, path) == 0)
		svc->anchor_seq = seq;
}

enum privd_rc privd_service_audit_verify(struct privd_service *svc, struct privd_audit_verdict *out)
{
	struct verify_ctx c = {.svc = svc, .v = out};
	struct privd_reader *r = NULL;
	char anchor_hash[65] = "";
	int64_t anchor_seq = 0;
	enum privd_rc rc;

	memset(out, 0, sizeof(*out));
	out->ok = true;
	switch (anchor_read(svc, &anchor_seq, anchor_hash)) {
	case 1:
		out->anchored = anchor_seq;
		break;
	case -1:
		out->ok = false; /* the anchor itself was changed */
		out->anchor_bad = true;
		return PRIVD_OK;
	default:
		break;
	}
	c.anchor_seq = anchor_seq;
	c.anchor_hash = anchor_hash;
	rc = privd_reader_get(svc, &r);
	if (rc != PRIVD_OK)
		return rc;
	rc = privd_repo_audit_list(r->db, 0, 0, verify_one, &c);
	privd_reader_put(svc, r, rc == PRIVD_ERR_DB);
	if (rc == PRIVD_OK && out->ok && anchor_seq > out->entries) {
		out->ok = false;
		out->truncated = true;
		out->first_bad = out->entries + 1;
	}
	return rc;
}

/* ---- PostgreSQL listener ---- */

static void on_notify(void *arg, const char *channel, const char *payload)
{
	struct privd_service *svc = arg;

	if (strcmp(channel, PRIVD_CHAN_CONSENT) == 0)
		privd_cache_invalidate(svc, payload);
	else if (strcmp(channel, PRIVD_CHAN_APIKEY) == 0)
		privd_keys_invalidate_id(svc, payload);
	else if (strcmp(channel, PRIVD_CHAN_POLICY) == 0)
		privd_policy_load_current(svc);
}

static void *listener_main(void *arg)
{
	struct privd_service *svc = arg;
	struct privd_db *db = NULL;

	while (!atomic_load(&svc->stopping)) {
		if (db == NULL) {
			if (privd_db_open(&svc->target, PRIVD_DB_DATA, false, &db, NULL) != PRIVD_OK ||
			    privd_db_listen(db, PRIVD_CHAN_CONSENT) != PRIVD_OK ||
			    privd_db_listen(db, PRIVD_CHAN_APIKEY) != PRIVD_OK ||
			    privd_db_listen(db, PRIVD_CHAN_POLICY) != PRIVD_OK) {
				privd_db_close(db);
				db = NULL;
				sleep(1);
				continue;
			}
			/* Anything may have changed while we were not listening. */
			privd_cache_invalidate_all(svc);
			privd_keys_cleanup(svc);
			privd_policy_load_current(svc);
		}
		if (privd_db_wait_notify(db, 200, on_notify, svc) != PRIVD_OK) {
			privd_log(PRIVD_LOG_WARN, "db.listener_lost", NULL);
			privd_db_close(db);
			db = NULL;
		}
	}
	privd_db_close(db);
	return NULL;
}

/* ---- EU age table ---- */

static enum privd_rc load_age_table(struct privd_service *svc, struct privd_err *err)
{
	json_error_t jerr;
	json_t *root;
	const char *cc;
	json_t *v;
	size_t i = 0;

	root = json_load_file(svc->cfg.eu_age_file, 0, &jerr);
	if (root == NULL || !json_is_object(root)) {
		json_decref(root);
		return privd_err_set(err, PRIVD_ERR_INVALID, "cannot read the EU age table %s", svc->cfg.eu_age_file);
	}
	svc->age_table = calloc(json_object_size(root) + 1, sizeof(*svc->age_table));
	if (svc->age_table == NULL) {
		json_decref(root);
		return PRIVD_ERR_NOMEM;
	}
	json_object_foreach(root, cc, v)
	{
		if (strlen(cc) != 2 || !json_is_integer(v))
			continue;
		memcpy(svc->age_table[i].country, cc, 3);
		svc->age_table[i].age = (int)json_integer_value(v);
		i++;
	}
	json_decref(root);
	svc->age.table = svc->age_table;
	svc->age.ntable = i;
	return PRIVD_OK;
}

/* ---- open / close ---- */

enum privd_rc privd_service_open(const struct privd_config *cfg, struct privd_service **out, struct privd_err *err)
{
	struct privd_service *svc;
	struct privd_db *db = NULL, *ks = NULL;
	char path[PATH_MAX];
	enum privd_rc rc;

	*out = NULL;
	rc = privd_crypto_init();
	if (rc != PRIVD_OK)
		return privd_err_set(err, rc, "cannot initialise libsodium");
	svc = calloc(1, sizeof(*svc));
	if (svc == NULL)
		return PRIVD_ERR_NOMEM;
	svc->cfg = *cfg;
	pthread_mutex_init(&svc->readers_lock, NULL);
	pthread_rwlock_init(&svc->keys_lock, NULL);
	pthread_rwlock_init(&svc->policy_lock, NULL);
	privd_cache_init(svc);
	svc->nversions = 1; /* index 0 means "none" */

	if (cfg->timezone[0] != '\0') {
		char zone[PATH_MAX];
		struct stat zst;

		snprintf(zone, sizeof(zone), "/usr/share/zoneinfo/%s", cfg->timezone);
		if (strcmp(cfg->timezone, "UTC") != 0 && stat(zone, &zst) != 0)
			privd_log(PRIVD_LOG_WARN, "config.timezone_unknown",
			          "\"reason\":\"no such zone in /usr/share/zoneinfo: days are counted in UTC\"");
		setenv("TZ", cfg->timezone, 1);
		tzset();
	}
	privd_age_policy_default(&svc->age);
	memcpy(svc->age.server_country, cfg->server_country, sizeof(svc->age.server_country));
	svc->age.coppa_min_age = cfg->coppa_min_age;
	svc->age.eu_default_age = cfg->eu_min_age;
	svc->age.eu_per_country = cfg->eu_per_country;
	if (cfg->eu_per_country) {
		rc = load_age_table(svc, err);
		if (rc != PRIVD_OK)
			goto fail;
	}

	snprintf(path, sizeof(path), "%s/master.key", cfg->data_dir);
	rc = privd_keyring_load(path, &svc->kr, err);
	if (rc != PRIVD_OK)
		goto fail;
	rc = privd_db_target_parse(cfg->database_url, cfg->data_dir, &svc->target, err);
	if (rc != PRIVD_OK)
		goto fail;
	rc = privd_db_open(&svc->target, PRIVD_DB_DATA, false, &db, err);
	if (rc == PRIVD_OK)
		rc = privd_repo_migrate(db, PRIVD_DB_DATA, err);
	if (rc == PRIVD_OK)
		rc = privd_db_open(&svc->target, PRIVD_DB_KEYSTORE, false, &ks, err);
	if (rc == PRIVD_OK)
		rc = privd_repo_migrate(ks, PRIVD_DB_KEYSTORE, err);
	privd_db_close(db);
	privd_db_close(ks);
	if (rc != PRIVD_OK)
		goto fail;
	rc = privd_writer_start(&svc->target, cfg->write_batch, &svc->writer, err);
	if (rc != PRIVD_OK)
		goto fail;
	rc = privd_policy_load_current(svc);
	if (rc != PRIVD_OK && rc != PRIVD_ERR_NOT_FOUND) {
		privd_err_set(err, rc, "cannot read the current policy");
		goto fail;
	}
	if (cfg->background) {
		rc = privd_requests_start(svc, err);
		if (rc != PRIVD_OK)
			goto fail;
	}
	if (cfg->background && svc->target.engine == PRIVD_DB_POSTGRES) {
		if (pthread_create(&svc->listener, NULL, listener_main, svc) == 0)
			svc->listener_running = true;
	}
	*out = svc;
	return PRIVD_OK;
fail:
	privd_service_close(svc);
	return rc;
}

void privd_service_close(struct privd_service *svc)
{
	struct privd_reader *r;

	if (svc == NULL)
		return;
	atomic_store(&svc->stopping, true);
	if (svc->listener_running)
		pthread_join(svc->listener, NULL);
	privd_requests_stop(svc);
	/* readers first: the last connection to close checkpoints the WAL into the database file, and only a
	 * writable one (the writer's) can */
	while ((r = svc->readers) != NULL) {
		svc->readers = r->next;
		reader_free(r);
	}
	privd_writer_stop(svc->writer);
	privd_cache_cleanup(svc);
	privd_keys_cleanup(svc);
	for (uint16_t i = 0; i < svc->nversions; i++)
		free(svc->versions[i]);
	free(svc->age_table);
	privd_keyring_free(svc->kr);
	pthread_mutex_destroy(&svc->readers_lock);
	pthread_rwlock_destroy(&svc->keys_lock);
	pthread_rwlock_destroy(&svc->policy_lock);
	free(svc);
}

enum privd_rc privd_service_ready(struct privd_service *svc)
{
	struct privd_reader *r = NULL;
	struct privd_stmt *st = NULL;
	enum privd_rc rc;
	int s;

	rc = privd_reader_get(svc, &r);
	if (rc != PRIVD_OK)
		return rc;
	rc = privd_db_prepare(r->db, "SELECT 1", &st);
	if (rc == PRIVD_OK) {
		s = privd_stmt_step(st);
		rc = s == PRIVD_DB_ROW ? PRIVD_OK : PRIVD_ERR_DB;
	}
	privd_stmt_finalize(st);
	privd_reader_put(svc, r, rc != PRIVD_OK);
	return rc;
}

void privd_service_stats(struct privd_service *svc, struct privd_service_stats *out)
{
	struct privd_writer_stats ws;

	privd_writer_stats(svc->writer, &ws);
	out->commits = ws.commits;
	out->write_jobs = ws.jobs;
	out->write_failed = ws.failed;
	out->cache_hits = atomic_load(&svc->cache_hits);
	out->cache_misses = atomic_load(&svc->cache_misses);
	out->subjects_registered = atomic_load(&svc->registered);
	out->requests_overdue = atomic_load(&svc->requests_overdue);
}

/* ---- init ---- */

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		} else if (buf != NULL) {
			buf[n] = '\0';
		}
	}
	fclose(f);
	return buf;
}

/* Replaces every "{{operator_name}}" in tpl with name; malloc'd. */
static char *fill_template(const char *tpl, const char *name)
{
	static const char ph[] = "{{operator_name}}";
	size_t count = 0, nlen = strlen(name), plen = sizeof(ph) - 1;
	const char *p;
	char *out, *o;

	for (p = tpl; (p = strstr(p, ph)) != NULL; p += plen)
		count++;
	out = malloc(strlen(tpl) + count * nlen + 1);
	if (out == NULL)
		return NULL;
	o = out;
	for (p = tpl;;) {
		const char *q = strstr(p, ph);

		if (q == NULL) {
			strcpy(o, p);
			break;
		}
		memcpy(o, p, (size_t)(q - p));
		o += q - p;
		memcpy(o, name, nlen);
		o += nlen;
		p = q + plen;
	}
	return out;
}

enum privd_rc privd_service_init(const struct privd_config *cfg, char *admin_key, size_t admin_key_len,
                                 struct privd_err *err)
{
	struct privd_service *svc = NULL;
	struct privd_principal cli;
	struct privd_apikey_info info;
	struct privd_policy pol = {0};
	struct stat st;
	char path[PATH_MAX], *tpl = NULL, *text = NULL;
	enum privd_rc rc;

	rc = privd_crypto_init();
	if (rc != PRIVD_OK)
		return privd_err_set(err, rc, "cannot initialise libsodium");
	if (mkdir(cfg->data_dir, 0700) != 0 && errno != EEXIST)
		return privd_err_set(err, PRIVD_ERR_IO, "cannot create %s: %s", cfg->data_dir, strerror(errno));
	snprintf(path, sizeof(path), "%s/master.key", cfg->data_dir);
	if (stat(path, &st) == 0)
		return privd_err_set(err, PRIVD_ERR_CONFLICT, "%s is already initialised; refusing to overwrite it",
		                     cfg->data_dir);
	snprintf(path, sizeof(path), "%s/privd.conf", cfg->data_dir);
	if (stat(path, &st) == 0)
		return privd_err_set(err, PRIVD_ERR_CONFLICT, "%s already holds privd.conf; refusing to overwrite it",
		                     cfg->data_dir);
	snprintf(path, sizeof(path), "%s/policy-template.md", privd_share_dir());
	tpl = read_file(path);
	if (tpl == NULL)
		return privd_err_set(err, PRIVD_ERR_IO, "cannot read the policy template %s", path);
	text = fill_template(tpl, cfg->operator_name[0] ? cfg->operator_name : "the Operator");
	if (text == NULL) {
		rc = PRIVD_ERR_NOMEM;
		goto out;
	}
	snprintf(path, sizeof(path), "%s/master.key", cfg->data_dir);
	rc = privd_keyring_create(path, err);
	if (rc != PRIVD_OK)
		goto out;
	snprintf(path, sizeof(path), "%s/privd.conf", cfg->data_dir);
	rc = privd_config_write(cfg, path, err);
	if (rc != PRIVD_OK)
		goto out;
	{
		struct privd_config once = *cfg;

		once.background = false;
		rc = privd_service_open(&once, &svc, err);
	}
	if (rc != PRIVD_OK)
		goto out;
	privd_principal_cli(&cli);
	rc = privd_service_policy_publish(svc, &cli, "1", text, &pol, err);
	if (rc != PRIVD_OK)
		goto out;
	rc = privd_service_apikey_create(svc, &cli, "initial admin", "admin", &info, admin_key, admin_key_len, err);
out:
	privd_policy_clear(&pol);
	privd_service_close(svc);
	free(tpl);
	free(text);
	return rc;
}
