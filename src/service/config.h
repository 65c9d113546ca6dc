/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * config.h - privd's configuration: privd.conf (INI), overridden by environment variables, overridden by flags.
 *
 * Every key `name` of section `[section]` can be set as PRIVD_SECTION_NAME (upper case; `[smtp] url` is
 * PRIVD_SMTP_URL). Unknown keys in the file are an error (a typo must not silently leave a default in force).
 */
#ifndef PRIVD_SERVICE_CONFIG_H
#define PRIVD_SERVICE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "core/age.h"
#include "core/rc.h"
#include "core/request.h"

struct privd_config {
	char data_dir[1024];
	/* [server] */
	char listen[128];     /* listen = 127.0.0.1:8080 */
	size_t body_limit;    /* body_limit = 65536 (bytes) */
	unsigned threads;     /* threads = 0 (0: one per core) */
	char public_url[256]; /* public_url = "" (derived from listen when empty) */
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
	char log_level[16]; /* level = info */
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
	/* [law] */
	char ru_localisation[8]; /* ru_localisation = warn (or refuse): 152-FZ Art. 18 p.5 */
	/* [web] */
	char web_dir[1024]; /* dir = <web> (consent.js and the other files privd serves) */
	/* [cookies] */
	char cookie_origins[1024]; /* origins = "" (sites allowed to record choices, comma-separated) */
	unsigned cookie_rate;      /* rate_limit = 60 (choices a minute per address; 0: no limit) */
	unsigned cookie_burst;     /* rate_burst = 20 (choices at once per address) */
	char cookie_ip_header[64]; /* ip_header = "" (the proxy's header with the client address) */

	/* Not a configuration key: false for one-shot commands (init, audit verify), which must not start the
	 * background work of a server (scheduled erasures, cache invalidation). */
	bool background;
};

/* Defaults for everything; data_dir empty. Cannot fail. */
void privd_config_defaults(struct privd_config *c);

/* Reads DIR/privd.conf (a missing file is fine), then PRIVD_* environment variables. Flags are applied by the
 * caller afterwards. PRIVD_ERR_INVALID names the key at fault in err. */
enum privd_rc privd_config_load(struct privd_config *c, const char *data_dir, struct privd_err *err);

/* Writes a commented privd.conf reflecting c (used by `privd init`). Refuses to overwrite. */
enum privd_rc privd_config_write(const struct privd_config *c, const char *path, struct privd_err *err);

/* Where privd's shipped data files live (policy template, calendar, EU age table, the banner's default
 * configuration): PRIVD_SHARE_DIR at build time, overridable with the environment variable PRIVD_SHARE_DIR. */
const char *privd_share_dir(void);

#endif
