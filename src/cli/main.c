/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * main.c - the privd command: init, serve, audit verify, calendar add-working-days, routes, integrity.
 *
 * The command line only parses flags and calls the service (and, for serve, the HTTP layer), so it cannot drift
 * from the API. Configuration precedence: flags over PRIVD_* environment variables over privd.conf.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/time.h"
#include "http/http.h"
#include "service/config.h"
#include "service/service.h"

struct flags {
	const char *data_dir;
	const char *database;
	const char *listen;
	const char *server_country;
	const char *operator_name;
	const char *operator_address;
};

static void usage(FILE *f)
{
	fprintf(f, "usage:\n"
	           "  privd init --data-dir DIR [--database URL] [--server-country CC] [--operator-name NAME]\n"
	           "             [--operator-address ADDRESS]\n"
	           "  privd serve --data-dir DIR [--listen HOST:PORT] [--database URL]\n"
	           "  privd audit verify --data-dir DIR [--database URL]\n"
	           "  privd calendar add-working-days DATE N [--data-dir DIR]\n"
	           "  privd routes\n"
	           "  privd integrity [--data-dir DIR]\n"
	           "  privd version\n"
	           "URL is \"sqlite\" (the default: files in DIR) or a postgresql:// connection URI.\n"
	           "add-working-days prints the N-th working day after DATE (YYYY-MM-DD) on the production\n"
	           "calendar of DIR's configuration, or on the shipped one without --data-dir.\n"
	           "integrity prints the Subresource Integrity hash of consent.js in [web] dir (of DIR's\n"
	           "configuration, or the shipped one), for the integrity attribute of a site's script tag.\n");
}

/* Parses --name VALUE and --name=VALUE pairs. Returns -1 on an unknown or incomplete flag. */
static int parse_flags(int argc, char **argv, struct flags *f)
{
	static const struct {
		const char *name;
		size_t off;
	} known[] = {
	    {"data-dir", offsetof(struct flags, data_dir)},
	    {"database", offsetof(struct flags, database)},
	    {"listen", offsetof(struct flags, listen)},
	    {"server-country", offsetof(struct flags, server_country)},
	    {"operator-name", offsetof(struct flags, operator_name)},
	    {"operator-address", offsetof(struct flags, operator_address)},
	};

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		size_t k, nlen;

		if (strncmp(a, "--", 2) != 0) {
			fprintf(stderr, "privd: unexpected argument %s\n", a);
			return -1;
		}
		a += 2;
		nlen = strcspn(a, "=");
		for (k = 0; k < sizeof(known) / sizeof(known[0]); k++)
			if (strlen(known[k].name) == nlen && strncmp(known[k].name, a, nlen) == 0)
				break;
		if (k == sizeof(known) / sizeof(known[0])) {
			fprintf(stderr, "privd: unknown flag --%.*s\n", (int)nlen, a);
			return -1;
		}
		if (a[nlen] == '=')
			val = a + nlen + 1;
		else if (i + 1 < argc)
			val = argv[++i];
		else {
			fprintf(stderr, "privd: --%s needs a value\n", known[k].name);
			return -1;
		}
		*(const char **)((char *)f + known[k].off) = val;
	}
	return 0;
}

static void print_err(const char *what, enum privd_rc rc, const struct privd_err *err)
{
	fprintf(stderr, "privd: %s: %s\n", what, err->msg[0] ? err->msg : privd_rc_str(rc));
	for (size_t i = 0; i < err->nfields; i++)
		fprintf(stderr, "  %s: %s\n", err->fields[i].field, err->fields[i].reason);
}

/* Log lines with a UTC timestamp in front. */
static void log_sink(enum privd_log_level level, const char *line)
{
	struct timespec ts;
	char when[PRIVD_TIME_LEN];

	(void)level;
	clock_gettime(CLOCK_REALTIME, &ts);
	privd_time_format((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, when);
	/* line starts with '{': splice the time in as the first member */
	fprintf(stderr, "{\"ts\":\"%s\",%s\n", when, line + 1);
}

/* Loads the configuration of a data directory with flags applied on top. */
static int load_config(const struct flags *f, struct privd_config *cfg)
{
	struct privd_err err = {0};
	enum privd_rc rc;

	if (f->data_dir == NULL) {
		fprintf(stderr, "privd: --data-dir is required\n");
		return -1;
	}
	privd_config_defaults(cfg);
	rc = privd_config_load(cfg, f->data_dir, &err);
	if (rc != PRIVD_OK) {
		print_err("configuration", rc, &err);
		return -1;
	}
	if (f->database != NULL)
		snprintf(cfg->database_url, sizeof(cfg->database_url), "%s", f->database);
	if (f->listen != NULL)
		snprintf(cfg->listen, sizeof(cfg->listen), "%s", f->listen);
	privd_log_set_level(privd_log_level_parse(cfg->log_level));
	return 0;
}

/* With --data-dir, that installation's configuration; without, the defaults and the environment (the shipped
 * files). */
static int load_config_or_shipped(const struct flags *f, struct privd_config *cfg)
{
	struct privd_err err = {0};
	enum privd_rc rc;

	if (f->data_dir != NULL)
		return load_config(f, cfg);
	privd_config_defaults(cfg);
	rc = privd_config_load(cfg, NULL, &err);
	if (rc != PRIVD_OK) {
		print_err("configuration", rc, &err);
		return -1;
	}
	return 0;
}

static int cmd_init(const struct flags *f)
{
	struct privd_config cfg;
	struct privd_err err = {0};
	char key[128];
	const char *why = NULL;
	enum privd_rc rc;

	if (f->data_dir == NULL) {
		fprintf(stderr, "privd: --data-dir is required\n");
		return 2;
	}
	/* the environment counts at init as it does for serve: the documents init installs are filled in from it */
	privd_config_defaults(&cfg);
	rc = privd_config_load(&cfg, NULL, &err);
	if (rc != PRIVD_OK) {
		print_err("configuration", rc, &err);
		return 2;
	}
	snprintf(cfg.data_dir, sizeof(cfg.data_dir), "%s", f->data_dir);
	if (f->database != NULL)
		snprintf(cfg.database_url, sizeof(cfg.database_url), "%s", f->database);
	if (f->listen != NULL)
		snprintf(cfg.listen, sizeof(cfg.listen), "%s", f->listen);
	if (f->operator_name != NULL)
		snprintf(cfg.operator_name, sizeof(cfg.operator_name), "%s", f->operator_name);
	if (f->operator_address != NULL)
		snprintf(cfg.operator_address, sizeof(cfg.operator_address), "%s", f->operator_address);
	if (f->server_country != NULL &&
	    privd_validate_country(f->server_country, cfg.server_country, &why) != PRIVD_OK) {
		fprintf(stderr, "privd: --server-country %s\n", why);
		return 2;
	}
	rc = privd_service_init(&cfg, key, sizeof(key), &err);
	if (rc != PRIVD_OK) {
		print_err("init", rc, &err);
		return 1;
	}
	printf("initialised %s\n", cfg.data_dir);
	printf("database: %s\n", strncmp(cfg.database_url, "postgres", 8) == 0 ? "postgresql" : "sqlite");
	printf("server country: %s\n", cfg.server_country);
	printf("master key: %s/master.key (mode 0600; back it up apart from the data)\n", cfg.data_dir);
	printf("privacy policy version 1 installed (ru, en)\n");
	printf("consent texts version 1 installed: processing, third_party_transfer (ru, en)\n");
	if (cfg.operator_address[0] == '\0')
		printf("warning: [operator] address is not set, so the consent texts name no address (152-FZ Art. 9 "
		       "p.4); set it and publish new versions (POST /v1/consent-texts)\n");
	printf("the admin API key below is shown once; store it now\n");
	printf("admin_key=%s\n", key);
	explicit_bzero(key, sizeof(key));
	return 0;
}

static int cmd_serve(const struct flags *f)
{
	struct privd_config cfg;
	struct privd_service *svc = NULL;
	struct privd_http *http = NULL;
	struct privd_http_opts opts;
	struct privd_err err = {0};
	sigset_t set;
	enum privd_rc rc;
	int sig = 0;

	/* Block the stop signals in every thread; this one waits for them. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (load_config(f, &cfg) != 0)
		return 2;
	rc = privd_service_open(&cfg, &svc, &err);
	if (rc != PRIVD_OK) {
		print_err("cannot start", rc, &err);
		return 1;
	}
	opts.listen = cfg.listen;
	opts.body_limit = cfg.body_limit;
	opts.document_limit = cfg.document_limit;
	opts.threads = cfg.threads;
	opts.cookie_origins = cfg.cookie_origins;
	opts.cookie_rate = cfg.cookie_rate;
	opts.cookie_burst = cfg.cookie_burst;
	opts.cookie_ip_header = cfg.cookie_ip_header;
	rc = privd_http_start(svc, &opts, &http, &err);
	if (rc != PRIVD_OK) {
		print_err("cannot listen", rc, &err);
		privd_service_close(svc);
		return 1;
	}
	privd_log(PRIVD_LOG_INFO, "http.listening", "\"port\":%u,\"database\":\"%s\"", privd_http_port(http),
	          strncmp(cfg.database_url, "postgres", 8) == 0 ? "postgresql" : "sqlite");
	sigwait(&set, &sig);
	privd_log(PRIVD_LOG_INFO, "shutdown", "\"signal\":%d", sig);
	privd_http_stop(http);
	privd_service_close(svc);
	privd_log(PRIVD_LOG_INFO, "stopped", NULL);
	return 0;
}

static int cmd_audit_verify(const struct flags *f)
{
	struct privd_config cfg;
	struct privd_service *svc = NULL;
	struct privd_audit_verdict v;
	struct privd_err err = {0};
	enum privd_rc rc;

	if (load_config(f, &cfg) != 0)
		return 2;
	cfg.background = false;
	rc = privd_service_open(&cfg, &svc, &err);
	if (rc != PRIVD_OK) {
		print_err("cannot open", rc, &err);
		return 2;
	}
	rc = privd_service_audit_verify(svc, &v);
	privd_service_close(svc);
	if (rc != PRIVD_OK) {
		fprintf(stderr, "privd: cannot read the audit log: %s\n", privd_rc_str(rc));
		return 2;
	}
	if (!v.ok && v.anchor_bad) {
		printf("audit chain BROKEN: %s/audit.anchor does not authenticate: it was changed\n", cfg.data_dir);
		return 1;
	}
	if (!v.ok && v.truncated) {
		printf(
		    "audit chain BROKEN: entry %lld does not verify: it is missing, the chain ends at %lld but entry "
		    "%lld was anchored\n",
		    (long long)v.first_bad, (long long)v.entries, (long long)v.anchored);
		return 1;
	}
	if (!v.ok) {
		printf("audit chain BROKEN: entry %lld does not verify (%lld entries checked)\n",
		       (long long)v.first_bad, (long long)v.entries);
		return 1;
	}
	printf("audit chain intact: %lld entries, head %s\n", (long long)v.entries, v.head[0] ? v.head : "-");
	return 0;
}

static int cmd_calendar_add(const char *date, const char *days, const struct flags *f)
{
	struct privd_config cfg;
	struct privd_date from, due;
	struct privd_err err = {0};
	const char *why = NULL;
	char out[16], note[PRIVD_CALENDAR_NOTE_MAX], *end = NULL;
	enum privd_rc rc;
	long n;

	if (privd_date_parse(date, &from, &why) != PRIVD_OK) {
		fprintf(stderr, "privd: bad DATE %s: %s\n", date, why != NULL ? why : "not a date YYYY-MM-DD");
		return 2;
	}
	errno = 0;
	n = strtol(days, &end, 10);
	if (days[0] < '0' || days[0] > '9' || *end != '\0' || errno != 0 || n > 10000) {
		fprintf(stderr, "privd: bad N %s: must be a whole number of working days from 0 to 10000\n", days);
		return 2;
	}
	if (load_config_or_shipped(f, &cfg) != 0)
		return 2;
	rc = privd_service_calendar_add_working_days(&cfg, &from, (int)n, &due, note, &err);
	if (rc != PRIVD_OK) {
		print_err("cannot load the calendar", rc, &err);
		return 1;
	}
	privd_date_format(&due, out, sizeof(out));
	if (note[0] != '\0')
		printf("%s (estimated: %s)\n", out, note);
	else
		printf("%s\n", out);
	return 0;
}

/* `privd integrity`: the hash a site puts in its script tag, and the file it is of. */
static int cmd_integrity(const struct flags *f)
{
	struct privd_config cfg;
	struct privd_err err = {0};
	char integrity[PRIVD_WEB_INTEGRITY_MAX];
	size_t len = 0;
	enum privd_rc rc;

	if (load_config_or_shipped(f, &cfg) != 0)
		return 2;
	rc = privd_web_integrity(&cfg, "consent.js", integrity, &len, &err);
	if (rc != PRIVD_OK) {
		print_err("integrity", rc, &err);
		return 1;
	}
	printf("consent.js %s %zu bytes %s/consent.js\n", integrity, len, cfg.web_dir);
	return 0;
}

int main(int argc, char **argv)
{
	struct flags f = {0};
	const char *cmd = argc > 1 ? argv[1] : NULL;

	privd_log_set_sink(log_sink);
	if (cmd == NULL || strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		usage(cmd == NULL ? stderr : stdout);
		return cmd == NULL ? 2 : 0;
	}
	if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
		printf("privd %s\n", PRIVD_VERSION);
		return 0;
	}
	if (strcmp(cmd, "routes") == 0) {
		privd_http_routes_print(stdout);
		return 0;
	}
	if (strcmp(cmd, "integrity") == 0)
		return parse_flags(argc - 2, argv + 2, &f) == 0 ? cmd_integrity(&f) : 2;
	if (strcmp(cmd, "init") == 0)
		return parse_flags(argc - 2, argv + 2, &f) == 0 ? cmd_init(&f) : 2;
	if (strcmp(cmd, "serve") == 0)
		return parse_flags(argc - 2, argv + 2, &f) == 0 ? cmd_serve(&f) : 2;
	if (strcmp(cmd, "audit") == 0 && argc > 2 && strcmp(argv[2], "verify") == 0)
		return parse_flags(argc - 3, argv + 3, &f) == 0 ? cmd_audit_verify(&f) : 2;
	if (strcmp(cmd, "calendar") == 0 && argc > 4 && strcmp(argv[2], "add-working-days") == 0)
		return parse_flags(argc - 5, argv + 5, &f) == 0 ? cmd_calendar_add(argv[3], argv[4], &f) : 2;
	if (strcmp(cmd, "calendar") == 0) {
		fprintf(stderr, "privd: calendar needs add-working-days DATE N\n");
		usage(stderr);
		return 2;
	}
	fprintf(stderr, "privd: unknown command %s\n", cmd);
	usage(stderr);
	return 2;
}
