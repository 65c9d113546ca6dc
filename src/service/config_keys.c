/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * config_keys.c - the table of every key of privd.conf: its section, name, type, where it lives in struct
 * privd_config, its limits, its default and the comment `privd init` writes above it. config.c reads, and
 * config_write.c writes, dumps and compares, by walking it (config_int.h).
 */
#include "service/config.h"
#include "service/config_int.h"

#include <stddef.h>

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
static const char *const forwarded_headers[] = {"x-forwarded-for", "forwarded", NULL};
static const char *const sandbox_modes[] = {"on", "log", "off", NULL};

const struct key privd_config_keys[] = {
	STR("server", "listen", T_STR_NONEMPTY, listen, "127.0.0.1:8080",
	    "Address and port the HTTP API listens on (host:port; [::1]:8080 for IPv6)."),
	NUM("server", "body_limit", T_SIZE, body_limit, 1024, 16 * 1024 * 1024, "65536",
	    "Largest JSON request body accepted, in bytes (1024 to 16777216); a scanned\n"
	    "document has its own limit, [requests] document_limit."),
	NUM("server", "threads", T_UINT, threads, 0, 256, "0",
	    "Worker threads for HTTP requests (0 to 256); 0 means one per CPU core."),
	NUM("server", "yield_us", T_UINT, yield_us, 0, 1000000, "500",
	    "Microseconds (0 to 1000000) after which an HTTP thread, as it finishes a request,\n"
	    "lets other runnable threads on its core go first (sched_yield), so that under\n"
	    "load the processes sharing its cores wait about this long, not the kernel's tick;\n"
	    "0: never."),
	NUM("server", "slice_us", T_UINT, slice_us, 0, 100000, "100",
	    "Microseconds (0 to 100000) of the time slice the HTTP threads run with, set as\n"
	    "they start (Linux 6.12 and later; the kernel raises less than 100 to 100): a thread\n"
	    "woken by a request goes before threads that have had their turn; 0: the kernel's."),
	STR("server", "public_url", T_STR, public_url, "",
	    "URL by which users and applications reach privd, used in links in e-mails.\n"
	    "Empty: derived from listen."),
	NUM("server", "max_connections", T_UINT, max_connections, 0, 1000000, "0",
	    "Most connections open at once (0 to 1000000); 0: the open-file limit less 64\n"
	    "(privd raises its soft limit to the hard one at start; see LimitNOFILE)."),
	NUM("server", "connections_per_ip", T_UINT, connections_per_ip, 0, 1000000, "256",
	    "Most connections open at once from one client address (0 to 1000000; 0: no\n"
	    "limit). Behind a reverse proxy every connection comes from the proxy: raise it."),
	NUM("server", "header_timeout", T_UINT, header_timeout, 1, 3600, "10",
	    "Seconds a client has to send a request's line and headers (1 to 3600), counted\n"
	    "from the connection or the end of its previous request; then it is closed."),
	NUM("server", "request_timeout", T_UINT, request_timeout, 1, 86400, "120",
	    "Seconds a client has to send a whole request, its body included (1 to 86400)."),
	NUM("server", "body_memory", T_SIZE, body_memory, 1048576, (size_t)64 * 1024 * 1024 * 1024, "268435456",
	    "Bytes of request bodies held in memory at once, all requests together (1 MiB to\n"
	    "64 GiB); a body that does not fit gets 503 with Retry-After."),
	NUM("server", "body_memory_per_ip", T_SIZE, body_memory_per_ip, 0, (size_t)64 * 1024 * 1024 * 1024, "67108864",
	    "Of body_memory, the most the requests from one client address hold at once\n"
	    "(0 to 64 GiB; 0: no share, one address may take it all); an IPv6 address\n"
	    "counts by its /64. Behind a reverse proxy, list it in [http] trusted_proxies."),
	STR("server", "user", T_STR, user, "privd",
	    "The user `privd serve` started as root drops to once it listens (its group too);\n"
	    "the data directory must be theirs. Empty, or a user that does not exist: it stays\n"
	    "as started (logged)."),
	CHOICE("server", "sandbox", sandbox, sandbox_modes, "on",
	       "on: once started, `privd serve` limits its files to its own (Landlock, where the\n"
	       "kernel has it), drops root, and refuses system calls it does not need (seccomp).\n"
	       "log: drops root, and logs the calls it would refuse (kernel audit, SECCOMP) but\n"
	       "lets them through; no Landlock. off: none of it."),
	STR("metrics", "listen", T_STR, metrics_listen, "",
	    "Address and port on which GET /metrics is served instead of [server] listen\n"
	    "(host:port); empty: on [server] listen, with the API."),
	NUM("metrics", "require_key", T_BOOL, metrics_require_key, 0, 1, "false",
	    "true: GET /metrics needs an admin, operator or auditor API key."),
	STR("http", "tls_cert", T_STR, tls_cert, "",
	    "PEM file of the server's certificate (its chain after it): with tls_key, privd\n"
	    "serves HTTPS itself (TLS 1.2 and 1.3 only) and sends Strict-Transport-Security.\n"
	    "Read at start, before privd gives up root. Empty: plain HTTP (behind a proxy)."),
	STR("http", "tls_key", T_STR, tls_key, "",
	    "PEM file of the certificate's private key (mode 0600). Required with tls_cert."),
	STR("http", "trusted_proxies", T_CIDRS, trusted_proxies, "",
	    "Reverse proxies whose forwarded_header is believed for the client's address\n"
	    "(which the cookie rate limit counts and the portal records), as addresses or\n"
	    "CIDRs separated by commas: 127.0.0.1, 10.0.0.0/8, ::1. From any other peer the\n"
	    "header is ignored. Empty: the address of the connection, always."),
	CHOICE("http", "forwarded_header", forwarded_header, forwarded_headers, "x-forwarded-for",
	       "The header the trusted proxies set: x-forwarded-for or forwarded (RFC 7239).\n"
	       "Only that one is read; the proxy must append to it (the client may write it too)."),
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
	    "server offers it, and required with user) or smtps://host:465 (TLS from the\n"
	    "start). Empty: e-mail notifications stay queued."),
	STR("smtp", "from", T_STR, smtp_from, "",
	    "Sender of notifications: addr@domain or \"Name <addr@domain>\" (without a name,\n"
	    "[operator] name is shown). Required with url."),
	STR("smtp", "user", T_STR, smtp_user, "",
	    "User to authenticate as (AUTH); empty: no authentication."),
	STR("smtp", "password", T_STR, smtp_password, "",
	    "Password for user. Prefer the environment: PRIVD_SMTP_PASSWORD."),
	STR("smtp", "ca_file", T_STR, smtp_ca_file, "",
	    "PEM file of the certificate authorities trusted for the SMTP server's\n"
	    "certificate (a private CA); empty: the system's. Certificates are always verified."),
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
	NUM("webhooks", "allow_http", T_BOOL, webhooks_allow_http, 0, 1, "false",
	    "true: a webhook may be an http:// URL to the loopback host (127.0.0.0/8, [::1],\n"
	    "localhost), for testing a receiver on the same machine. false: https:// only.\n"
	    "Webhooks are retried as notifications are ([notify] max_attempts, retry_seconds)."),
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
/* clang-format on */

const size_t privd_config_nkeys = sizeof(privd_config_keys) / sizeof(privd_config_keys[0]);
