/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * audit.c - the audit trail: one entry appended inside every write job, read back, verified, and anchored.
 *
 * The trail is a hash chain: each entry carries a keyed hash (the keyring's, see privd_audit_mac) of its canonical
 * form and of the previous entry's hash, so an entry changed, removed or inserted in the database breaks the chain
 * at that point. What a chain cannot show is its own end cut off: the anchor answers that. It is a small file beside
 * the databases (DATA_DIR/audit.anchor) holding the newest sequence number and hash seen, under a MAC of its own,
 * rewritten by the scheduler whenever the chain has grown; a chain shorter than its anchor, or whose anchored entry
 * differs, fails verification. The append runs in the writer's transaction, so an entry commits with the change it
 * records or not at all; the details never hold PII.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "service/service_int.h"

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
	rc = privd_repo_audit_insert(db, &row);
	if (rc == PRIVD_OK) /* the event a webhook is told of commits with the write it is about */
		rc = privd_webhooks_on_audit(db, action, object_type, object_id, row.ts);
	return rc;
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
