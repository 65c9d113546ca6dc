/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * config.h - privd's configuration: privd.conf (INI), overridden by environment variables, overridden by flags.
 *
 * Every key `name` of section `[section]` can be set as PRIVD_SECTION_NAME (upper case; `[smtp] url` is
 * PRIVD_SMTP_URL). Unknown keys in the file are an error (a typo must not silently leave a default in force).
 * A running server reads the file again on SIGHUP: the keys privd_config_key_live names take effect then, the
 * others at the next start.
 */
#ifndef PRIVD_SERVICE_CONFIG_H
#define PRIVD_SERVICE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/age.h"
#include "core/rc.h"
#include "core/request.h"

struct privd_config {
	char data_dir[1024];
	/* [server] */
	char listen[128];            /* listen = 127.0.0.1:8080 */
	size_t body_limit;           /* body_limit = 65536 (bytes) */
	unsigned threads;            /* threads = 0 (0: one per core) */
	unsigned yield_us;           /* yield_us = 500 (an HTTP thread's turn on a shared core; 0: never yields) */
	unsigned slice_us;           /* slice_us = 100 (the HTTP threads' time slice; 0: the kernel's) */
	char public_url[256];        /* public_url = "" (derived from listen when empty) */
	unsigned max_connections;    /* max_connections = 0 (0: the open-file limit less 64) */
	unsigned connections_per_ip; /* connections_per_ip = 256 (0: no limit) */
	unsigned header_timeout;     /* header_timeout = 10 (seconds to send a request's line and headers) */
	unsigned request_timeout;    /* request_timeout = 120 (seconds to send a whole request, body included) */
	size_t body_memory;          /* body_memory = 268435456 (bytes of request bodies held at once) */
	size_t body_memory_per_ip;   /* body_memory_per_ip = 67108864 (of which one client address's; 0: no share) */
	char user[64];               /* user = privd (the user a serving privd started as root drops to) */
	char sandbox[4];             /* sandbox = on (Landlock, the drop from root, seccomp), log or off */
	/* [metrics] */
	char metrics_listen[128]; /* listen = "" (served on [server] listen) */
	bool metrics_require_key; /* require_key = false */
	/* [http] */
	char tls_cert[1024];        /* tls_cert = "" (PEM certificate chain: HTTPS when set, with tls_key) */
	char tls_key[1024];         /* tls_key = "" (PEM private key) */
	char trusted_proxies[2048]; /* trusted_proxies = "" (CIDRs whose forwarded header is believed) */
	char forwarded_header[24];  /* forwarded_header = x-forwarded-for (or forwarded) */
	/* [database] */
	char database_url[1024]; /* url = sqlite */
	size_t write_batch;      /* write_batch = 256 */
	/* [operator] */
	char operator_name[256];          /* name = "" */
	char operator_address[512];       /* address = "" */
	char operator_contact[256];       /* contact = "" */
	char information_system[128];     /* information_system = privd */
	char cross_border_countries[256]; /* cross_border_countries = "" (ISO codes, comma-separated) */
	char server_country[3];           /* server_country = RU */
	char timezone[64];                /* timezone = Europe/Moscow */
	/* [consent]: what the consent texts `privd init` installs say (152-FZ Art. 9 p.4) */
	int consent_term_years;        /* term_years = 0 (until revoked or the purposes are achieved) */
	char consent_processors[1024]; /* processors = "" (none) */
	char consent_recipients[1024]; /* recipients = "" (as the policy lists them) */
	/* [age] */
	int coppa_min_age;      /* coppa_min_age = 13 */
	int eu_min_age;         /* eu_min_age = 16 */
	bool eu_per_country;    /* eu_per_country = false */
	char eu_age_file[1024]; /* eu_age_file = <share>/eu-consent-age.json */
	/* [log] */
	char log_level[16];  /* level = info */
	char log_file[1024]; /* file = "" (standard error) */
	/* [requests] */
	char calendar_file[1024];    /* calendar_file = <share>/calendar-ru.json */
	size_t document_limit;       /* document_limit = 10485760 (bytes) */
	int erase_after_revoke_days; /* erase_after_revoke_days = 30 (calendar days) */
	/* <type>_days and <type>_extension_days per request type, indexed by enum privd_request_type; the defaults
	 * are core's (privd_request_rule_default): 152-FZ Art. 20 and the policy */
	int due_days[PRIVD_REQUEST_TYPE_COUNT];
	int extension_days[PRIVD_REQUEST_TYPE_COUNT];
	/* [retention] */
	int evidence_years; /* evidence_years = 3 (calendar years) */
	/* [smtp] */
	char smtp_url[1024];     /* url = "" (no e-mail delivery) */
	char smtp_from[512];     /* from = "" */
	char smtp_user[256];     /* user = "" */
	char smtp_password[256]; /* password = "" */
	char smtp_ca_file[1024]; /* ca_file = "" (the system's certificate authorities) */
	/* [sms] */
	char sms_url[1024];   /* url = "" (no SMS delivery) */
	char sms_secret[256]; /* secret = "" */
	/* [notify] */
	char notify_language[8];  /* default_language = ru+en */
	int notify_max_attempts;  /* max_attempts = 8 */
	int notify_retry_seconds; /* retry_seconds = 60 */
	int notify_lease_seconds; /* lease_seconds = 120 */
	int notify_batch;         /* batch = 100 */
	int notify_connections;   /* connections = 2 */
	/* [transfers] */
	int transfers_batch;      /* batch = 1000 (people in one sealed delivery to a recipient) */
	bool webhooks_allow_http; /* allow_http = false (http:// webhook URLs to the loopback host, for tests) */
	/* [law] */
	int portal_idle_seconds; /* [portal] idle_minutes = 30 (in seconds here) */
	char ru_localisation[8]; /* ru_localisation = warn (or refuse): 152-FZ Art. 18 p.5 */
	/* [web] */
	char web_dir[1024]; /* dir = <web> (consent.js and the other files privd serves) */
	/* [cookies] */
	char cookie_origins[1024]; /* origins = "" (sites allowed to record choices, comma-separated) */
	unsigned cookie_rate;      /* rate_limit = 60 (choices a minute per address; 0: no limit) */
	unsigned cookie_burst;     /* rate_burst = 20 (choices at once per address) */
	/* [backup] */
	char backup_dir[1024];    /* dir = "" (privd backup needs --to) */
	int backup_data_days;     /* data_retention_days = 30 */
	int backup_keystore_days; /* keystore_retention_days = 7 */
	/* [incidents] */
	char incident_channel[8];          /* channel_preference = email */
	char incident_contact_person[256]; /* contact_person = "" (the operator's name and contact) */
	char incident_dpo_contact[256];    /* dpo_contact = "" (the contact person) */

	/* Not a configuration key: the file read (and the one `privd init` writes); empty: DATA_DIR/privd.conf. */
	char config_file[1024];
	/* Not a configuration key: false for one-shot commands (init, audit verify), which must not start the
	 * background work of a server (scheduled erasures, cache invalidation). */
	bool background;
};

/* The URL users reach privd by: [server] public_url, or http://<listen> when it is empty. Cannot fail. */
void privd_config_base_url(const struct privd_config *c, char *out, size_t len);

/* Defaults for everything; data_dir empty. Cannot fail. */
void privd_config_defaults(struct privd_config *c);

/* Reads DIR/privd.conf (a missing file is fine), then PRIVD_* environment variables. Flags are applied by the
 * caller afterwards. PRIVD_ERR_INVALID names the key at fault in err. */
enum privd_rc privd_config_load(struct privd_config *c, const char *data_dir, struct privd_err *err);

/* What is wrong with one value, or with the configuration as a whole. */
struct privd_config_fault {
	int line;         /* of the file, where the fault is in it; 0 otherwise */
	char env[64];     /* the environment variable at fault, or "" */
	char key[64];     /* "section.name", or "" for a line that is not a key at all */
	char reason[192]; /* what is wrong, without the value (it may be a secret) */
};

#define PRIVD_CONFIG_FAULTS_MAX 64

/* Every fault found, in the order found; n counts past PRIVD_CONFIG_FAULTS_MAX, items stop there. */
struct privd_config_faults {
	char file[1100]; /* the file read */
	size_t n;
	struct privd_config_fault items[PRIVD_CONFIG_FAULTS_MAX];
};

/* Reads the configuration file (path, or DIR/privd.conf when path is NULL; a missing DIR/privd.conf is fine, a
 * missing named file is a fault), then PRIVD_* environment variables, collecting every fault rather than stopping
 * at the first. data_dir and path may be NULL. c is changed only when there is no fault. Returns PRIVD_OK,
 * PRIVD_ERR_INVALID with faults->n > 0, or PRIVD_ERR_IO/NOMEM when the file cannot be read (one fault says so). */
enum privd_rc privd_config_read(struct privd_config *c, const char *data_dir, const char *path,
                                struct privd_config_faults *faults);

/* Appends a fault (key "" for none, reason printf-style); drops it past PRIVD_CONFIG_FAULTS_MAX but counts it. */
void privd_config_fault_add(struct privd_config_faults *faults, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Writes the fault as one line, without a newline: "FILE line N: key reason", "environment NAME: key reason",
 * or "key reason". */
void privd_config_fault_format(const struct privd_config_faults *faults, const struct privd_config_fault *f, char *buf,
                               size_t len);

/* Writes a commented privd.conf reflecting c (used by `privd init`). Refuses to overwrite. A key whose value is
 * its default under privd's share directory is written commented out, so that the file names no installation
 * path and follows privd when it moves. */
enum privd_rc privd_config_write(const struct privd_config *c, const char *path, struct privd_err *err);

/* Prints c as privd.conf text: every key, its section, its value, with the values of secret keys (the SMTP
 * password, the SMS secret, a password in the database URL) replaced by <redacted>, and the keys set by the
 * environment marked. Cannot fail (stdio errors are the caller's to check). */
void privd_config_dump(const struct privd_config *c, FILE *out);

/* Whether a running server applies the key when it reads its configuration again (SIGHUP): true for the log,
 * the body limits, [smtp], [sms] and [notify] but default_language. key is "section.name". */
bool privd_config_key_live(const char *key);

/* Copies the values of the live keys (privd_config_key_live) from next into c, leaving the others. Cannot fail. */
void privd_config_take_live(struct privd_config *c, const struct privd_config *next);

/* Calls fn for each key whose value differs between a and b, with its "section.name" and whether it is live.
 * Returns the number of keys that differ. Cannot fail. */
size_t privd_config_diff(const struct privd_config *a, const struct privd_config *b,
                         void (*fn)(void *arg, const char *key, bool live), void *arg);

/* The file c was read from: c->config_file, or DATA_DIR/privd.conf. Returns buf. */
const char *privd_config_path(const struct privd_config *c, char *buf, size_t len);

/* Where privd's shipped data files live (policy template, calendar, EU age table, the banner's default
 * configuration): PRIVD_SHARE_DIR at build time, overridable with the environment variable PRIVD_SHARE_DIR. */
const char *privd_share_dir(void);

#endif
