/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * config.c - privd.conf and its PRIVD_* environment overrides.
 *
 * One table lists every key once: its section, name, type, where it lives in struct privd_config, its limits,
 * its default and the comment `privd init` writes above it. The file reader, the environment reader, the
 * defaults and the writer all walk that table, so a key cannot exist in one and be missing from another.
 * An unknown key is an error, not a warning: a misspelt `eu_min_age` must not leave a minor unprotected. A key
 * that was removed is an error too, naming what replaced it, so an old privd.conf is fixed rather than ignored.
 * Reading collects every fault, not only the first, so that `privd check-config` names them all at once. Writing,
 * dumping and comparing configurations are config_write.c's, over the same table (config_int.h).
 */
#include "service/config.h"
#include "service/config_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <ini.h>

#include "core/cookie.h"
#include "core/validate.h"

#ifndef PRIVD_SHARE_DIR
#error "PRIVD_SHARE_DIR must be defined to where privd's data files are installed"
#endif
#ifndef PRIVD_WEB_DIR
#error "PRIVD_WEB_DIR must be defined to where the files privd serves (consent.js) are installed"
#endif

#define CONFIG_FILE "privd.conf"
#define EU_AGE_FILE "eu-consent-age.json"
#define CALENDAR_FILE "calendar-ru.json"

/* clang-format off */
#define STR(sec, nm, t, field, d, h) {sec, nm, t, offsetof(struct privd_config, field), \
	sizeof(((struct privd_config *)0)->field), 0, 0, d, h, NULL}
#define NUM(sec, nm, t, field, lo, hi, d, h) {sec, nm, t, offsetof(struct privd_config, field), 0, lo, hi, d, h, NULL}
#define CHOICE(sec, nm, field, ch, d, h) {sec, nm, T_CHOICE, offsetof(struct privd_config, field), \
	sizeof(((struct privd_config *)0)->field), 0, 0, d, h, ch}
/* A request type's deadline and extension in working days; the defaults are core's (NULL here). */
#define DAYS(nm, type, h) NUM("requests", nm "_days", T_INT, due_days[type], 1, 60, NULL, h)
#define EXTENSION(nm, type, h) NUM("requests", nm "_extension_days", T_INT, extension_days[type], 0, 30, NULL, h)

static const char *const localisation_modes[] = {"warn", "refuse", NULL};
static const char *const channels[] = {"email", "sms", NULL};

const struct key privd_config_keys[] = {
	STR("server", "listen", T_STR_NONEMPTY, listen, "127.0.0.1:8080",
	    "Address and port the HTTP API listens on (host:port; [::1]:8080 for IPv6)."),
	NUM("server", "body_limit", T_SIZE, body_limit, 1024, 16 * 1024 * 1024, "65536",
	    "Largest JSON request body accepted, in bytes (1024 to 16777216); a scanned\n"
	    "document has its own limit, [requests] document_limit."),
	NUM("server", "threads", T_UINT, threads, 0, 256, "0",
	    "Worker threads for HTTP requests (0 to 256); 0 means one per CPU core."),
	STR("server", "public_url", T_STR, public_url, "",
	    "URL by which users and applications reach privd, used in links in e-mails.\n"
	    "Empty: derived from listen."),
	STR("database", "url", T_STR_NONEMPTY, database_url, "sqlite",
	    "Where data is stored: \"sqlite\" for SQLite files in the data directory, or a\n"
	    "PostgreSQL URL (postgresql://user@host/dbname) for more than one privd node."),
	NUM("database", "write_batch", T_SIZE, write_batch, 1, 10000, "256",
	    "Most writes committed together in one transaction (1 to 10000)."),
	STR("operator", "name", T_STR, operator_name, "",
	    "The operator's name as it appears in the privacy policy and in notifications."),
	STR("operator", "address", T_STR, operator_address, "",
	    "The operator's address, as in its notification to Roskomnadzor. Shown in the access\n"
	    "export (152-FZ Art. 14 p.7), written into every destruction record (RKN Order 179), and\n"
	    "named by the consent texts (Art. 9 p.4): set it before `privd init`, which writes them."),
	STR("operator", "contact", T_STR, operator_contact, "",
	    "Where a person sends requests and questions about their data (e-mail, phone or postal\n"
	    "address); shown in the access export with how to exercise their rights, and closing\n"
	    "every notification."),
	STR("operator", "information_system", T_STR_NONEMPTY, information_system, "privd",
	    "Name of the information system written into destruction records (RKN Order 179)."),
	STR("operator", "cross_border_countries", T_COUNTRIES, cross_border_countries, "",
	    "Countries outside Russia to which personal data is transferred (152-FZ Art. 12), as\n"
	    "ISO 3166-1 alpha-2 codes separated by commas; empty: no cross-border transfer. Shown in\n"
	    "the access export (Art. 14 p.7)."),
	STR("operator", "server_country", T_COUNTRY, server_country, "RU",
	    "Country where the server runs (ISO 3166-1 alpha-2). With US, nobody under\n"
	    "[age] coppa_min_age may register."),
	STR("operator", "timezone", T_STR_NONEMPTY, timezone, "Europe/Moscow",
	    "Time zone in which request deadlines (working days) are counted. The age rules\n"
	    "count on the date in UTC-12 instead, so that no age is overstated."),
	NUM("consent", "term_years", T_INT, consent_term_years, 0, 100, "0",
	    "How long a consent lasts, in years, as the consent texts `privd init` installs say\n"
	    "(0 to 100; 152-FZ Art. 9 p.4); 0: until the purposes are achieved or it is revoked."),
	STR("consent", "processors", T_STR, consent_processors, "",
	    "Who processes the data on the operator's instruction, with their addresses, as the\n"
	    "consent to processing names them (152-FZ Art. 9 p.4); empty: nobody."),
	STR("consent", "recipients", T_STR, consent_recipients, "",
	    "The third parties data is transferred to, as the consent to transfer names them;\n"
	    "empty: the text refers to the privacy policy's list."),
	NUM("age", "coppa_min_age", T_INT, coppa_min_age, 0, 21, "13",
	    "Minimum age to register when server_country is US (COPPA), 0 to 21; 0 turns the rule off."),
	NUM("age", "eu_min_age", T_INT, eu_min_age, 0, 21, "16",
	    "Below this age an EU/EEA resident needs a guardian's consent (GDPR Art. 8), 0 to 21;\n"
	    "0 turns the rule off."),
	NUM("age", "eu_per_country", T_BOOL, eu_per_country, 0, 1, "false",
	    "true: apply each member state's own age of consent from eu_age_file, with\n"
	    "eu_min_age for states not listed; false: eu_min_age everywhere."),
	STR("age", "eu_age_file", T_STR_NONEMPTY, eu_age_file, NULL,
	    "Table of ages of consent per member state (JSON), used with eu_per_country."),
	STR("log", "level", T_LEVEL, log_level, "info",
	    "Least severe log level written: debug, info, warn or error."),
	STR("log", "file", T_STR, log_file, "",
	    "File the log lines are appended to (created mode 0600). Empty: standard error,\n"
	    "which systemd sends to the journal. SIGUSR1 reopens it, after logrotate moved it."),
	STR("requests", "calendar_file", T_STR_NONEMPTY, calendar_file, NULL,
	    "Production calendar (JSON) on which request deadlines count working days. A year\n"
	    "without its published decree, or missing (counted Monday to Friday), makes a\n"
	    "deadline counted through it an estimate, with a warning."),
	NUM("requests", "document_limit", T_SIZE, document_limit, 1024, 100 * 1024 * 1024, "10485760",
	    "Largest scanned request document accepted, in bytes (1024 to 104857600)."),
	NUM("requests", "erase_after_revoke_days", T_INT, erase_after_revoke_days, 0, 3650, "30",
	    "Calendar days after a revocation of consent to processing is received before the\n"
	    "data is erased, unless processing is granted again or a legal hold is recorded\n"
	    "(0 to 3650; 152-FZ Art. 21 p.5: 30)."),
	DAYS("access", PRIVD_REQUEST_TYPE_ACCESS,
	     "Each request type is due on its <type>_days-th working day after the day of\n"
	     "receipt (1 to 60), and <type>_extension_days is what one extension with a reason\n"
	     "adds, once (0 to 30; 0: the type cannot be extended).\n"
	     "access: 152-FZ Art. 20 pp.1-2, 10 working days, extendable by 5."),
	EXTENSION("access", PRIVD_REQUEST_TYPE_ACCESS, NULL),
	DAYS("transfer_info", PRIVD_REQUEST_TYPE_TRANSFER_INFO,
	     "transfer_info (which third parties got the data): Art. 20 pp.1-2, 10 + 5."),
	EXTENSION("transfer_info", PRIVD_REQUEST_TYPE_TRANSFER_INFO, NULL),
	DAYS("inquiry", PRIVD_REQUEST_TYPE_INQUIRY,
	     "inquiry (a question about the processing, answered in words): Art. 20 pp.1-2,\n"
	     "10 + 5."),
	EXTENSION("inquiry", PRIVD_REQUEST_TYPE_INQUIRY, NULL),
	DAYS("rectify", PRIVD_REQUEST_TYPE_RECTIFY, "rectify: Art. 20 p.3, 7 working days, not extendable."),
	EXTENSION("rectify", PRIVD_REQUEST_TYPE_RECTIFY, NULL),
	DAYS("erase", PRIVD_REQUEST_TYPE_ERASE,
	     "erase, revoke_processing, revoke_cookies, guardian_consent: the policy's\n"
	     "10 working days, not extendable."),
	EXTENSION("erase", PRIVD_REQUEST_TYPE_ERASE, NULL),
	DAYS("revoke_processing", PRIVD_REQUEST_TYPE_REVOKE_PROCESSING, NULL),
	EXTENSION("revoke_processing", PRIVD_REQUEST_TYPE_REVOKE_PROCESSING, NULL),
	DAYS("revoke_cookies", PRIVD_REQUEST_TYPE_REVOKE_COOKIES, NULL),
	EXTENSION("revoke_cookies", PRIVD_REQUEST_TYPE_REVOKE_COOKIES, NULL),
	DAYS("guardian_consent", PRIVD_REQUEST_TYPE_GUARDIAN_CONSENT, NULL),
	EXTENSION("guardian_consent", PRIVD_REQUEST_TYPE_GUARDIAN_CONSENT, NULL),
	NUM("retention", "evidence_years", T_INT, evidence_years, 0, 100, "3",
	    "Calendar years what an erasure leaves as evidence is kept before it is purged: the\n"
	    "destruction record and its audit reference, the subject's tombstone, the request rows\n"
	    "with the scan's SHA-256 and the outbox rows (0 to 100; RKN Order 179 asks 3 years for\n"
	    "the destruction act and the log extract). 0 purges them at the next sweep."),
	STR("smtp", "url", T_STR, smtp_url, "",
	    "SMTP server for e-mail notifications: smtp://host:587 (STARTTLS whenever the\n"
	    "server offers it) or smtps://host:465 (TLS from the start). Empty: e-mail\n"
	    "notifications stay queued."),
	STR("smtp", "from", T_STR, smtp_from, "",
	    "Sender of notifications: addr@domain or \"Name <addr@domain>\" (without a name,\n"
	    "[operator] name is shown). Required with url."),
	STR("smtp", "user", T_STR, smtp_user, "",
	    "User to authenticate as (AUTH); empty: no authentication."),
	STR("smtp", "password", T_STR, smtp_password, "",
	    "Password for user. Prefer the environment: PRIVD_SMTP_PASSWORD."),
	STR("sms", "url", T_STR, sms_url, "",
	    "SMS gateway: https:// URL that receives a signed JSON POST per message (see\n"
	    "docs/operations.md). Empty: SMS notifications stay queued."),
	STR("sms", "secret", T_STR, sms_secret, "",
	    "Shared secret the gateway checks X-Privd-Signature with (HMAC-SHA256), at\n"
	    "least 16 bytes. Required with url. Prefer the environment: PRIVD_SMS_SECRET."),
	STR("notify", "default_language", T_LANG, notify_language, "ru+en",
	    "Language of notifications to a person who chose none: ru, en, or ru+en\n"
	    "(both, Russian first)."),
	NUM("notify", "max_attempts", T_INT, notify_max_attempts, 1, 100, "8",
	    "Attempts at delivering a notification before it is marked failed (1 to 100)."),
	NUM("notify", "retry_seconds", T_INT, notify_retry_seconds, 1, 86400, "60",
	    "Wait before the second attempt, in seconds (1 to 86400); each further wait\n"
	    "doubles (up to 6 hours), with random jitter of +-50%."),
	NUM("notify", "lease_seconds", T_INT, notify_lease_seconds, 10, 3600, "120",
	    "How long a node holds the notifications it claimed before another node may\n"
	    "take them over (10 to 3600); matters after a crash on PostgreSQL."),
	NUM("notify", "batch", T_INT, notify_batch, 1, 1000, "100",
	    "Notifications claimed at once by each delivery connection (1 to 1000)."),
	NUM("notify", "connections", T_INT, notify_connections, 1, 16, "2",
	    "Connections each node delivers over at once, to the SMTP server and to the SMS\n"
	    "gateway each (1 to 16); each sends its batches in turn."),
	NUM("portal", "idle_minutes", T_MINUTES, portal_idle_seconds, 1, 24 * 60 * 60, "30",
	    "A portal session (the person's page, opened by a link from POST\n"
	    "/v1/subjects/{id}/portal-sessions) ends after this many minutes without use;\n"
	    "an unopened link lapses after as long. Decimals allowed (1 second to 1440)."),
	NUM("transfers", "batch", T_INT, transfers_batch, 1, 10000, "1000",
	    "People sent to a recipient in one sealed delivery (1 to 10000). A transfer of\n"
	    "more people goes in several deliveries, each tried again on its own as\n"
	    "notifications are ([notify] max_attempts, retry_seconds, lease_seconds)."),
	CHOICE("law", "ru_localisation", ru_localisation, localisation_modes, "warn",
	       "152-FZ Art. 18 p.5: the data of people residing in Russia is first recorded in\n"
	       "databases in Russia. With a server_country other than RU, registering such a\n"
	       "person is refused (refuse: 403, nothing stored) or taken, logged without\n"
	       "personal data and counted in /metrics (warn)."),
	STR("web", "dir", T_STR_NONEMPTY, web_dir, NULL,
	    "Directory of the files privd serves to browsers (consent.js), read once at start."),
	STR("cookies", "origins", T_ORIGINS, cookie_origins, "",
	    "Origins of the sites that show the cookie banner, allowed to record choices\n"
	    "(CORS), comma-separated: https://www.example.ru, https://example.ru. Empty: none;\n"
	    "a request from an origin not listed is refused."),
	NUM("cookies", "rate_limit", T_UINT, cookie_rate, 0, 1000000, "60",
	    "Cookie choices one client address may record a minute (0 to 1000000); 0: no limit.\n"
	    "Past it the banner's POST gets 429."),
	NUM("cookies", "rate_burst", T_UINT, cookie_burst, 1, 1000000, "20",
	    "Cookie choices one client address may record at once before rate_limit applies."),
	STR("cookies", "ip_header", T_STR, cookie_ip_header, "",
	    "Behind a reverse proxy: the request header in which the proxy puts the client's\n"
	    "address (X-Forwarded-For: its last address; X-Real-IP), for the rate limit.\n"
	    "Empty: the address of the connection."),
	STR("backup", "dir", T_STR, backup_dir, "",
	    "Where `privd backup` writes its sets when --to is not given: data/<time>/ and\n"
	    "keystore/<time>/ under it. Outside the data directory; the master key is never\n"
	    "written there (see docs/operations.md). Empty: --to is required."),
	NUM("backup", "data_retention_days", T_INT, backup_data_days, 1, 36500, "30",
	    "Days a data set (everything but the keys) is kept before `privd backup` removes it\n"
	    "(1 to 36500)."),
	NUM("backup", "keystore_retention_days", T_INT, backup_keystore_days, 1, 36500, "7",
	    "Days a keystore set (the wrapped data keys) is kept (1 to 36500). Keep it shorter than\n"
	    "data_retention_days: an erased person's data in older data sets becomes unreadable\n"
	    "once the last keystore set taken before the erasure is removed."),
	CHOICE("incidents", "channel_preference", incident_channel, channels, "email",
	       "Incident notices: email (an SMS to a person with only a phone) or sms (the reverse)."),
	STR("incidents", "contact_person", T_STR, incident_contact_person, "",
	    "Named in reports to Roskomnadzor: name, position, phone, e-mail. Empty: [operator]'s."),
	STR("incidents", "dpo_contact", T_STR, incident_dpo_contact, "",
	    "Named in a GDPR Art. 33 notification. Empty: contact_person."),
};

/* Keys that existed once: naming what replaced them beats "is not a known key". */
static const struct {
	const char *section, *name, *instead;
} removed_keys[] = {
    {"requests", "due_working_days", "was replaced by one key per request type: <type>_days (e.g. access_days)"},
    {"requests", "extension_working_days",
     "was replaced by one key per request type: <type>_extension_days (e.g. access_extension_days)"},
};
/* clang-format on */

const size_t privd_config_nkeys = sizeof(privd_config_keys) / sizeof(privd_config_keys[0]);

const char *privd_share_dir(void)
{
	const char *env = getenv("PRIVD_SHARE_DIR");

	return (env != NULL && env[0] != '\0') ? env : PRIVD_SHARE_DIR;
}

static const struct key *key_find(const char *section, const char *name)
{
	size_t i;

	for (i = 0; i < privd_config_nkeys; i++)
		if (strcmp(privd_config_keys[i].section, section) == 0 && strcmp(privd_config_keys[i].name, name) == 0)
			return &privd_config_keys[i];
	return NULL;
}

static int fault_set(struct fault *f, const struct key *k, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Records the first fault only. Returns 0 so handlers can `return fault_set(...)`. */
static int fault_set(struct fault *f, const struct key *k, const char *fmt, ...)
{
	va_list ap;

	if (f->key[0] != '\0')
		return 0;
	snprintf(f->key, sizeof(f->key), "%s.%s", k->section, k->name);
	va_start(ap, fmt);
	vsnprintf(f->reason, sizeof(f->reason), fmt, ap);
	va_end(ap);
	return 0;
}

/* Strict decimal: refuses white space, a sign where min >= 0, trailing bytes and overflow. */
static int parse_number(const char *s, long long min, long long max, long long *out)
{
	char *end = NULL;
	long long v;

	if (s[0] == '\0' || !((s[0] >= '0' && s[0] <= '9') || (s[0] == '-' && min < 0)))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Minutes as "M" or "M.D" / "M.DD" into whole seconds in [min, max]. */
static int parse_minutes(const char *s, long long min, long long max, long long *out)
{
	long long whole = 0, frac = 0, scale = 100;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++)
		if ((whole = whole * 10 + (*p - '0')) > max)
			return -1;
	if (*p == '.') {
		if (p[1] < '0' || p[1] > '9')
			return -1;
		for (p++; *p >= '0' && *p <= '9' && scale > 1; p++) {
			scale /= 10;
			frac += (*p - '0') * scale;
		}
	}
	if (*p != '\0')
		return -1;
	*out = (whole * 6000 + frac * 60 + 50) / 100;
	return *out < min || *out > max ? -1 : 0;
}

static int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = {"true", "yes", "1"};
	static const char *const no[] = {"false", "no", "0"};
	size_t i;

	for (i = 0; i < 3; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

/* A list of country codes as [operator] cross_border_countries takes it: "" or codes, each a known ISO 3166-1
 * alpha-2 code in upper case, separated by commas (spaces around a code allowed). */
static bool countries_valid(const char *s)
{
	const char *why = NULL;
	char code[3], norm[3];

	while (*s != '\0') {
		size_t n;

		while (*s == ' ')
			s++;
		n = strcspn(s, ", ");
		if (n != 2)
			return false;
		memcpy(code, s, 2);
		code[2] = '\0';
		if (privd_validate_country(code, norm, &why) != PRIVD_OK || strcmp(code, norm) != 0)
			return false;
		s += n;
		while (*s == ' ')
			s++;
		if (*s == '\0')
			break;
		if (*s++ != ',')
			return false;
		if (*s == '\0')
			return false; /* a trailing comma */
	}
	return true;
}

int privd_config_key_set(struct privd_config *c, const struct key *k, const char *value, struct fault *f)
{
	char *field = (char *)c + k->offset;
	const char *reason = NULL;
	long long n = 0;
	size_t len = strlen(value);

	switch (k->type) {
	case T_STR_NONEMPTY:
		if (len == 0)
			return fault_set(f, k, "must not be empty");
		/* fall through */
	case T_STR:
		if (len >= k->size)
			return fault_set(f, k, "is too long (at most %zu bytes)", k->size - 1);
		if (strpbrk(value, "\r\n") != NULL)
			return fault_set(f, k, "must be on one line");
		memcpy(field, value, len + 1);
		return 1;
	case T_SIZE:
	case T_UINT:
	case T_INT:
	case T_MINUTES: /* an int of seconds */
		if ((k->type == T_MINUTES ? parse_minutes : parse_number)(value, k->min, k->max, &n) != 0)
			return fault_set(f, k, "must be a whole number from %lld to %lld%s", k->min, k->max,
			                 k->type == T_MINUTES ? " seconds, written in minutes with at most two decimals"
			                                      : "");
		if (k->type == T_SIZE)
			*(size_t *)(void *)field = (size_t)n;
		else if (k->type == T_UINT)
			*(unsigned *)(void *)field = (unsigned)n;
		else
			*(int *)(void *)field = (int)n;
		return 1;
	case T_BOOL:
		if (parse_bool(value, (bool *)(void *)field) != 0)
			return fault_set(f, k, "must be true or false (also yes/no, 1/0)");
		return 1;
	case T_COUNTRY:
		if (len == 0) {
			field[0] = '\0';
			return 1;
		}
		if (privd_validate_country(value, field, &reason) != PRIVD_OK)
			return fault_set(f, k, "must be an ISO 3166-1 alpha-2 country code (%s)",
			                 reason != NULL ? reason : "unknown code");
		return 1;
	case T_COUNTRIES:
	case T_ORIGINS:
		if (len >= k->size)
			return fault_set(f, k, "is too long (at most %zu bytes)", k->size - 1);
		if (k->type == T_COUNTRIES ? !countries_valid(value) : !privd_cookie_origins_valid(value))
			return fault_set(
			    f, k, "%s",
			    k->type == T_COUNTRIES
			        ? "must be ISO 3166-1 alpha-2 country codes separated by commas"
			        : "must be origins like https://www.example.ru (lowercase, no path) separated "
			          "by commas");
		memcpy(field, value, len + 1);
		return 1;
	case T_LANG:
		if (strcmp(value, "ru") != 0 && strcmp(value, "en") != 0 && strcmp(value, "ru+en") != 0)
			return fault_set(f, k, "must be ru, en or ru+en");
		memcpy(field, value, len + 1);
		return 1;
	case T_LEVEL:
		if (strcmp(value, "debug") != 0 && strcmp(value, "info") != 0 && strcmp(value, "warn") != 0 &&
		    strcmp(value, "error") != 0)
			return fault_set(f, k, "must be debug, info, warn or error");
		memcpy(field, value, len + 1);
		return 1;
	case T_CHOICE:
		for (size_t i = 0; k->choices != NULL && k->choices[i] != NULL; i++) {
			if (strcmp(value, k->choices[i]) == 0 && len < k->size) {
				memcpy(field, value, len + 1);
				return 1;
			}
		}
		return fault_set(f, k, "must be %s or %s", k->choices[0], k->choices[1]);
	}
	return fault_set(f, k, "has an unknown type");
}

void privd_config_key_format(const struct privd_config *c, const struct key *k, char *buf, size_t len)
{
	const char *field = (const char *)c + k->offset;

	switch (k->type) {
	case T_STR:
	case T_STR_NONEMPTY:
	case T_COUNTRY:
	case T_COUNTRIES:
	case T_ORIGINS:
	case T_LEVEL:
	case T_LANG:
	case T_CHOICE:
		snprintf(buf, len, "%s", field);
		return;
	case T_SIZE:
		snprintf(buf, len, "%zu", *(const size_t *)(const void *)field);
		return;
	case T_UINT:
		snprintf(buf, len, "%u", *(const unsigned *)(const void *)field);
		return;
	case T_INT:
		snprintf(buf, len, "%d", *(const int *)(const void *)field);
		return;
	case T_MINUTES: {
		int sec = *(const int *)(const void *)field;

		if (sec % 60 == 0)
			snprintf(buf, len, "%d", sec / 60);
		else
			snprintf(buf, len, "%.2f", sec / 60.0);
		return;
	}
	case T_BOOL:
		snprintf(buf, len, "%s", *(const bool *)(const void *)field ? "true" : "false");
		return;
	}
	buf[0] = '\0';
}

void privd_config_base_url(const struct privd_config *c, char *out, size_t len)
{
	if (c->public_url[0] != '\0')
		snprintf(out, len, "%s", c->public_url);
	else
		snprintf(out, len, "http://%s", c->listen);
}

void privd_config_defaults(struct privd_config *c)
{
	struct fault f = {{0}, {0}};
	size_t i;
	int n;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < privd_config_nkeys; i++)
		if (privd_config_keys[i].def != NULL &&
		    !privd_config_key_set(c, &privd_config_keys[i], privd_config_keys[i].def, &f))
			abort(); /* a default that fails its own check is a bug in the table */
	n = snprintf(c->eu_age_file, sizeof(c->eu_age_file), "%s/%s", privd_share_dir(), EU_AGE_FILE);
	if (n < 0 || (size_t)n >= sizeof(c->eu_age_file))
		c->eu_age_file[0] = '\0'; /* an absurd share dir; loading the table will report it */
	n = snprintf(c->calendar_file, sizeof(c->calendar_file), "%s/%s", privd_share_dir(), CALENDAR_FILE);
	if (n < 0 || (size_t)n >= sizeof(c->calendar_file))
		c->calendar_file[0] = '\0'; /* likewise: loading the calendar will report it */
	for (i = 0; i < PRIVD_REQUEST_TYPE_COUNT; i++) {
		struct privd_request_rule rule;

		privd_request_rule_default((enum privd_request_type)i, &rule);
		c->due_days[i] = rule.due_days;
		c->extension_days[i] = rule.extension_days;
	}
	n = snprintf(c->web_dir, sizeof(c->web_dir), "%s", PRIVD_WEB_DIR);
	if (n < 0 || (size_t)n >= sizeof(c->web_dir))
		c->web_dir[0] = '\0'; /* likewise: loading consent.js will report it */
	c->background = true;
}

void privd_config_env_name(const struct key *k, char out[PRIVD_CONFIG_ENV_MAX])
{
	snprintf(out, PRIVD_CONFIG_ENV_MAX, "PRIVD_%s_%s", k->section, k->name);
	for (size_t i = 0; out[i] != '\0'; i++)
		if (out[i] >= 'a' && out[i] <= 'z')
			out[i] = (char)(out[i] - 'a' + 'A');
}

/* ---- faults ---- */

void privd_config_fault_add(struct privd_config_faults *faults, const char *key, const char *fmt, ...)
{
	struct privd_config_fault *f;
	va_list ap;

	if (faults->n++ >= PRIVD_CONFIG_FAULTS_MAX)
		return;
	f = &faults->items[faults->n - 1];
	memset(f, 0, sizeof(*f));
	snprintf(f->key, sizeof(f->key), "%s", key != NULL ? key : "");
	va_start(ap, fmt);
	vsnprintf(f->reason, sizeof(f->reason), fmt, ap);
	va_end(ap);
}

/* The fault added last, to say where it is; NULL when it was dropped past the maximum. */
static struct privd_config_fault *fault_last(struct privd_config_faults *faults)
{
	return faults->n > 0 && faults->n <= PRIVD_CONFIG_FAULTS_MAX ? &faults->items[faults->n - 1] : NULL;
}

void privd_config_fault_format(const struct privd_config_faults *faults, const struct privd_config_fault *f, char *buf,
                               size_t len)
{
	const char *sep = f->key[0] != '\0' ? " " : "";

	if (f->line > 0)
		snprintf(buf, len, "%s line %d: %s%s%s", faults->file, f->line, f->key, sep, f->reason);
	else if (f->env[0] != '\0')
		snprintf(buf, len, "environment %s: %s%s%s", f->env, f->key, sep, f->reason);
	else
		snprintf(buf, len, "%s%s%s", f->key, sep, f->reason);
}

/* ---- the file ---- */

struct file_ctx {
	struct privd_config *c;
	struct privd_config_faults *faults;
	FILE *fp;
	int line;      /* of the line being read */
	bool at_start; /* the next chunk read starts a line (inih reads a long line in several) */
};

/* A fault at the line being read. */
static void file_fault(struct file_ctx *ctx, const char *key, const char *reason)
{
	struct privd_config_fault *f;

	privd_config_fault_add(ctx->faults, key, "%s", reason);
	f = fault_last(ctx->faults);
	if (f != NULL)
		f->line = ctx->line;
}

/* Whether a line is one inih takes: blank, a comment, [section], or name = value (or name: value). */
static bool line_well_formed(const char *s)
{
	s += strspn(s, " \t");
	if (*s == '\0' || *s == '\n' || *s == '\r' || *s == ';' || *s == '#')
		return true;
	if (*s == '[')
		return strchr(s, ']') != NULL;
	return strpbrk(s, "=:") != NULL;
}

/* inih's reader: fgets, counting lines and refusing a line that is not a key, a section or a comment (inih itself
 * reports only the first such line). */
static char *read_chunk(char *str, int num, void *stream)
{
	struct file_ctx *ctx = stream;
	bool starts = ctx->at_start;
	char *r = fgets(str, num, ctx->fp);

	if (r == NULL)
		return NULL;
	if (starts) {
		ctx->line++;
		if (!line_well_formed(r))
			file_fault(ctx, "", "not a [section] or a name = value line");
	}
	ctx->at_start = strchr(r, '\n') != NULL;
	return r;
}

static int file_handler(void *user, const char *section, const char *name, const char *value)
{
	struct file_ctx *ctx = user;
	const struct key *k = key_find(section, name);
	struct fault f = {{0}, {0}};
	size_t len = strlen(value);
	char unquoted[PRIVD_CONFIG_VALUE_MAX];

	if (k == NULL) {
		struct key unknown = {.section = section, .name = name};

		if (section[0] == '\0')
			fault_set(&f, &unknown, "is not in a [section]");
		for (size_t i = 0; i < sizeof(removed_keys) / sizeof(removed_keys[0]) && f.key[0] == '\0'; i++)
			if (strcmp(section, removed_keys[i].section) == 0 && strcmp(name, removed_keys[i].name) == 0)
				fault_set(&f, &unknown, "%s", removed_keys[i].instead);
		fault_set(&f, &unknown, "is not a known key");
		file_fault(ctx, f.key, f.reason);
		return 1; /* on to the next line: every fault is reported */
	}
	/* name = "text" may quote a value, e.g. to write "" or keep surrounding spaces. */
	if (len >= 2 && value[0] == '"' && value[len - 1] == '"' && len - 2 < sizeof(unquoted)) {
		memcpy(unquoted, value + 1, len - 2);
		unquoted[len - 2] = '\0';
		value = unquoted;
	}
	if (!privd_config_key_set(ctx->c, k, value, &f))
		file_fault(ctx, f.key, f.reason);
	return 1;
}

/* Reads path into c, adding a fault for each bad line. A missing file is fine unless required. */
static enum privd_rc load_file(struct privd_config *c, const char *path, bool required,
                               struct privd_config_faults *faults)
{
	struct file_ctx ctx = {.c = c, .faults = faults, .at_start = true};
	enum privd_rc rc = PRIVD_OK;
	size_t before = faults->n;
	int line;

	ctx.fp = fopen(path, "re");
	if (ctx.fp == NULL) {
		if (errno == ENOENT && !required)
			goto out;
		privd_config_fault_add(faults, "", "cannot open %s: %s", path, strerror(errno));
		rc = PRIVD_ERR_IO;
		goto out;
	}
	/* Values are taken literally (no inline comments, no continuation lines), and long lines are read whole
	 * rather than split. Configuration is read by one thread at a time (start-up, or the signal thread). */
	ini_allow_multiline = false;
	ini_allow_inline_comments = false;
	ini_stop_on_first_error = false;
	ini_use_stack = false;
	ini_allow_realloc = true;
	ini_max_line = PRIVD_CONFIG_VALUE_MAX;
	line = ini_parse_stream(read_chunk, &ctx, file_handler, &ctx);
	if (line == -2) {
		privd_config_fault_add(faults, "", "cannot read %s: out of memory", path);
		rc = PRIVD_ERR_NOMEM;
	} else if (ferror(ctx.fp)) {
		privd_config_fault_add(faults, "", "cannot read %s", path);
		rc = PRIVD_ERR_IO;
	} else if (faults->n > before) {
		rc = PRIVD_ERR_INVALID;
	} else if (line != 0) { /* inih refused a line read_chunk took: name the line all the same */
		ctx.line = line;
		file_fault(&ctx, "", "not a [section] or a name = value line");
		rc = PRIVD_ERR_INVALID;
	}
out:
	if (ctx.fp != NULL)
		fclose(ctx.fp);
	return rc;
}

/* ---- the environment ---- */

static void env_fault(struct privd_config_faults *faults, const char *name, const struct fault *f)
{
	struct privd_config_fault *last;

	privd_config_fault_add(faults, f->key, "%s", f->reason);
	last = fault_last(faults);
	if (last != NULL)
		snprintf(last->env, sizeof(last->env), "%s", name);
}

static void load_env(struct privd_config *c, struct privd_config_faults *faults)
{
	char name[PRIVD_CONFIG_ENV_MAX];
	const char *value;

	/* a removed key set in the environment: a fault naming what replaced it, as in the file */
	for (size_t i = 0; i < sizeof(removed_keys) / sizeof(removed_keys[0]); i++) {
		struct key k = {.section = removed_keys[i].section, .name = removed_keys[i].name};
		struct fault f = {{0}, {0}};

		privd_config_env_name(&k, name);
		if (getenv(name) == NULL)
			continue;
		fault_set(&f, &k, "%s", removed_keys[i].instead);
		env_fault(faults, name, &f);
	}
	for (size_t i = 0; i < privd_config_nkeys; i++) {
		struct fault f = {{0}, {0}};

		privd_config_env_name(&privd_config_keys[i], name);
		value = getenv(name);
		if (value != NULL && !privd_config_key_set(c, &privd_config_keys[i], value, &f))
			env_fault(faults, name, &f);
	}
}

/* ---- reading ---- */

const char *privd_config_path(const struct privd_config *c, char *buf, size_t len)
{
	if (c->config_file[0] != '\0')
		snprintf(buf, len, "%s", c->config_file);
	else if (c->data_dir[0] != '\0')
		snprintf(buf, len, "%s/%s", c->data_dir, CONFIG_FILE);
	else if (len > 0)
		buf[0] = '\0';
	return buf;
}

enum privd_rc privd_config_read(struct privd_config *c, const char *data_dir, const char *path,
                                struct privd_config_faults *faults)
{
	enum privd_rc rc = PRIVD_OK;
	struct privd_config tmp;
	const char *dir = data_dir != NULL ? data_dir : "";

	/* data_dir and path may point into *c, so they are copied before anything in c changes. */
	faults->n = 0;
	faults->file[0] = '\0';
	privd_config_defaults(&tmp);
	if (strlen(dir) >= sizeof(tmp.data_dir) || (path != NULL && strlen(path) >= sizeof(tmp.config_file))) {
		privd_config_fault_add(faults, path != NULL ? "config_file" : "data_dir", "is too long");
		return PRIVD_ERR_INVALID;
	}
	memcpy(tmp.data_dir, dir, strlen(dir) + 1);
	if (path != NULL)
		memcpy(tmp.config_file, path, strlen(path) + 1);
	privd_config_path(&tmp, faults->file, sizeof(faults->file));
	if (faults->file[0] != '\0')
		rc = load_file(&tmp, faults->file, path != NULL, faults);
	if (rc == PRIVD_OK || rc == PRIVD_ERR_INVALID)
		load_env(&tmp, faults); /* every fault at once, the environment's too */
	if (rc == PRIVD_OK && faults->n > 0)
		rc = PRIVD_ERR_INVALID;
	if (rc == PRIVD_OK)
		*c = tmp;
	return rc;
}

enum privd_rc privd_config_load(struct privd_config *c, const char *data_dir, struct privd_err *err)
{
	struct privd_config_faults *faults = malloc(sizeof(*faults));
	enum privd_rc rc;
	char line[sizeof(faults->file) + 512];

	if (faults == NULL)
		return privd_err_set(err, PRIVD_ERR_NOMEM, "out of memory");
	rc = privd_config_read(c, data_dir, NULL, faults);
	if (rc != PRIVD_OK && faults->n > 0) {
		privd_config_fault_format(faults, &faults->items[0], line, sizeof(line));
		privd_err_set(err, rc, "%s", line);
		for (size_t i = 0; i < faults->n && i < PRIVD_CONFIG_FAULTS_MAX; i++)
			if (faults->items[i].key[0] != '\0')
				privd_err_field(err, faults->items[i].key, faults->items[i].reason);
	}
	free(faults);
	return rc;
}
